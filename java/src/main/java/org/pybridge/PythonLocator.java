package org.pybridge;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds the Python to embed and asks it about itself. Order: the configured
 * executable, then {@code PYBRIDGE_PYTHON} (environment variable or system
 * property {@code pybridge.python}), then an active virtualenv
 * ({@code VIRTUAL_ENV}), then a CPython runtime jar on the class path
 * ({@link ClasspathPython}), then {@code python3} on {@code PATH}.
 *
 * <p>The question is asked in isolated mode ({@code python -I}: no current
 * directory or script directory on {@code sys.path}, no {@code PYTHON*}
 * environment variables, no user site-packages) from the working directory
 * {@code /}, so nothing planted where the JVM runs can answer in Python's
 * place. A virtualenv is still recognised: its {@code sys.prefix} comes from
 * the {@code pyvenv.cfg} beside the executable. The answer is bounded
 * ({@link #MAX_OUTPUT} bytes, {@code pybridge.probeTimeoutMillis}, default
 * 60 s; a probe that exceeds either is killed with everything it started) and
 * the libpython it names is checked before anything is loaded: a regular
 * ELF shared object named {@code libpython<X.Y>.so[.1[.0]]} for the version
 * the executable reported, lying inside that Python's own installation
 * ({@code sys.base_prefix}). It is looked for in sysconfig's {@code LIBDIR};
 * when that holds none (a relocated build, such as JavaCPP's CPython, reports
 * the directory it was built in), in the installation's {@code lib},
 * {@code lib64} and top directories ({@link #INSTALLATION_LIB_DIRS}), never
 * anywhere else.
 */
final class PythonLocator {
    private PythonLocator() {}

    /** The most the probe may print; the real answer is under 2 KiB. */
    static final int MAX_OUTPUT = 64 * 1024;
    /** Default limit on the probe's run time; {@code -Dpybridge.probeTimeoutMillis} changes it. */
    static final long DEFAULT_PROBE_TIMEOUT_MILLIS = 60_000;

    static final String PROBE_TIMEOUT_PROPERTY = "pybridge.probeTimeoutMillis";
    /** The probe's working directory: not the JVM's, which anyone may have written to. */
    static final String PROBE_DIRECTORY = "/";

    /** A fact of {@link Found} set by pybridge, not the probe: the home to start Python with. */
    static final String HOME_FACT = "pybridge.home";
    /** A fact of {@link Found} set by pybridge, not the probe: "1" to start without user site-packages. */
    static final String NO_USER_SITE_FACT = "pybridge.noUserSite";

    /** What the chosen executable says about itself. */
    static final class Found {
        String reason;
        String requested;
        Map<String, String> facts = new HashMap<>();
        String libpython;

        String get(String k) {
            String v = facts.get(k);
            return v == null ? "" : v;
        }
    }

    /**
     * The probe: {@code python/pybridge/runtime/probe.py}, run as {@code python -I -c <text>}; it prints
     * one escaped {@code key=value} line per fact ({@link #unescape}). The E2E tests ask real Pythons
     * the same.
     */
    static String probeQuery() {
        return PySources.text("probe.py");
    }

    static Found locate(PythonConfig cfg) {
        List<String> tried = new ArrayList<>();
        String exe;
        String reason;
        String env = System.getenv("PYBRIDGE_PYTHON");
        String prop = System.getProperty("pybridge.python");
        String venv = System.getenv("VIRTUAL_ENV");
        if (cfg.executable() != null) {
            exe = cfg.executable();
            reason = "PythonConfig.executable(" + exe + ")";
        } else if (prop != null && !prop.isEmpty()) {
            exe = prop;
            reason = "system property pybridge.python=" + prop;
        } else if (env != null && !env.isEmpty()) {
            exe = env;
            reason = "PYBRIDGE_PYTHON=" + env;
        } else if (venv != null && !venv.isEmpty()) {
            exe = Paths.get(venv, "bin", "python").toString();
            reason = "active virtualenv VIRTUAL_ENV=" + venv;
            if (!Files.isExecutable(Paths.get(exe))) {
                throw new PythonInitializationException("VIRTUAL_ENV=" + venv + " is set but " + exe
                        + " is not an executable: the virtualenv is broken or was moved. Recreate it,"
                        + " deactivate it, or set PYBRIDGE_PYTHON to a python executable.");
            }
        } else {
            // A CPython runtime jar on the class path (ClasspathPython) comes before PATH.
            Found fromJar = ClasspathPython.locate();
            if (fromJar != null) {
                return fromJar;
            }
            exe = findOnPath("python3");
            tried.add("PYBRIDGE_PYTHON (not set)");
            tried.add("VIRTUAL_ENV (not set)");
            tried.add("a CPython runtime jar on the class path (none)");
            tried.add("python3 on PATH (" + (exe == null ? "not found" : exe) + ")");
            if (exe == null) {
                throw new PythonInitializationException("no Python found. Tried: " + String.join(", ", tried)
                        + ". Install Python 3 with a shared libpython, set PYBRIDGE_PYTHON=/path/to/python3, or add"
                        + " the CPython runtime jar org.bytedeco:cpython:<version>:linux-x86_64 to the class path"
                        + " (docs/guide/python-from-maven.md).");
            }
            reason = "python3 on PATH (" + exe + ")";
        }
        Found f = query(exe);
        f.reason = reason;
        f.requested = exe;
        // A Python pybridge has no native library for is refused by Python.initialize with
        // that reason, before anything is loaded; its libpython is not looked for.
        if (NativeLoader.refusal(f) == null) {
            f.libpython = findLibpython(f);
        }
        Logs.debug(() -> "pybridge: Python " + f.get("version_short") + " at " + f.get("executable") + ", chosen by "
                + f.reason + (tried.isEmpty() ? "" : " (tried " + String.join(", ", tried) + ")") + "; libpython "
                + f.libpython);
        return f;
    }

    static String findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Paths.get(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** The probe's time limit: {@code -Dpybridge.probeTimeoutMillis}, default 60 s. */
    static long probeTimeoutMillis() {
        String s = System.getProperty(PROBE_TIMEOUT_PROPERTY);
        if (s == null || s.trim().isEmpty()) {
            return DEFAULT_PROBE_TIMEOUT_MILLIS;
        }
        try {
            long v = Long.parseLong(s.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new PythonInitializationException("the system property " + PROBE_TIMEOUT_PROPERTY + "=" + s
                + " is not a positive number of milliseconds; remove it (default "
                + DEFAULT_PROBE_TIMEOUT_MILLIS + ") or set it to e.g. 120000");
    }

    static Found query(String exe) {
        if (!Files.exists(Paths.get(exe))) {
            throw new PythonInitializationException("the Python executable " + exe + " does not exist."
                    + " Set PYBRIDGE_PYTHON (or PythonConfig.executable) to a python3 that exists.");
        }
        long timeout = probeTimeoutMillis();
        // Absolute, because the probe runs in another working directory; -I: isolated mode.
        String abs = Paths.get(exe).toAbsolutePath().toString();
        ProcessBuilder pb = new ProcessBuilder(abs, "-I", "-c", probeQuery());
        pb.directory(new File(PROBE_DIRECTORY));
        // -I ignores PYTHON* variables already; a PYTHONHOME at a virtualenv would break Python.
        pb.environment().remove("PYTHONHOME");
        pb.redirectErrorStream(true);
        String asked = abs + " -I -c <query> (in " + PROBE_DIRECTORY + ")";
        String out;
        int rc;
        Process p = null;
        try {
            p = pb.start();
            p.getOutputStream().close();
            BoundedReader reader = new BoundedReader(p.getInputStream(), MAX_OUTPUT);
            Thread t = new Thread(reader, "pybridge-python-probe");
            t.setDaemon(true);
            t.start();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            boolean ended = reader.done.await(timeout, TimeUnit.MILLISECONDS);
            if (reader.overflow) {
                int killed = killTree(p);
                throw new PythonInitializationException(exe + " printed more than " + (MAX_OUTPUT / 1024)
                        + " KiB when asked about itself (" + asked + "; a real Python prints under 2 KiB), so"
                        + " it is not a working python3; it was stopped" + killedText(killed) + ". It began with: "
                        + abbreviate(reader.text(), 200) + ". Point PYBRIDGE_PYTHON (or PythonConfig.executable)"
                        + " at a python3 executable.");
            }
            long left = deadline - System.nanoTime();
            if (!ended || !p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                int killed = killTree(p);
                throw new PythonInitializationException(exe + " did not answer within " + seconds(timeout)
                        + " when asked about itself (" + asked + "); it was killed" + killedText(killed)
                        + ". Output so far: " + abbreviate(reader.text(), 200) + ". Point PYBRIDGE_PYTHON (or"
                        + " PythonConfig.executable) at a working python3, or, on a very slow machine, raise the"
                        + " limit with -D" + PROBE_TIMEOUT_PROPERTY + "=<milliseconds> (default "
                        + DEFAULT_PROBE_TIMEOUT_MILLIS + ").");
            }
            out = reader.text();
            rc = p.exitValue();
        } catch (IOException e) {
            throw new PythonInitializationException(
                    "could not run " + exe + ": " + e.getMessage() + ". Set PYBRIDGE_PYTHON to a working python3.", e);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new PythonInitializationException("interrupted while asking " + exe + " about itself", e);
        }
        if (rc != 0) {
            throw new PythonInitializationException(exe + " failed (exit " + rc + ") when asked about itself ("
                    + asked + "); is it a working Python 3 (a virtualenv whose base Python was removed is broken)?"
                    + " Output:\n" + abbreviate(out, 4096));
        }
        Found f = new Found();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                f.facts.put(line.substring(0, eq), unescape(line.substring(eq + 1)));
            }
        }
        if (!"cpython".equals(f.get("implementation"))) {
            throw new PythonInitializationException(exe + " is "
                    + (f.get("implementation").isEmpty()
                            ? "not a Python that answered the query (" + abbreviate(out, 200) + ")"
                            : f.get("implementation"))
                    + ", not CPython; pybridge embeds CPython only. Point PYBRIDGE_PYTHON at a CPython 3.");
        }
        return f;
    }

    /** Undoes the probe's escapes: {@code \\} is a backslash, {@code \n} LF, {@code \r} CR. */
    static String unescape(String v) {
        if (v.indexOf('\\') < 0) {
            return v;
        }
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char e = v.charAt(++i);
                b.append(e == 'n' ? '\n' : e == 'r' ? '\r' : e);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Kills {@code p} and every process it started; how many descendants there were. */
    private static int killTree(Process p) {
        if (p == null) {
            return 0;
        }
        // Descendants first collected, while they are still descendants (a dead parent's
        // children are re-parented and can no longer be found from it).
        List<ProcessHandle> kids = p.descendants().collect(Collectors.toList());
        p.destroyForcibly();
        for (ProcessHandle h : kids) {
            h.destroyForcibly();
        }
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return kids.size();
    }

    private static String killedText(int descendants) {
        return descendants == 0
                ? ""
                : " with the " + descendants + " process" + (descendants == 1 ? "" : "es") + " it started";
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format("%.1f s", millis / 1000.0);
    }

    private static String abbreviate(String s, int max) {
        String one = s.replace('\n', ' ').replace('\r', ' ').trim();
        if (one.isEmpty()) {
            return "(nothing)";
        }
        return one.length() <= max ? "'" + one + "'" : "'" + one.substring(0, max) + "...'";
    }

    /** Reads a stream to its end or until more than {@code max} bytes arrived. */
    private static final class BoundedReader implements Runnable {
        private final InputStream in;
        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean overflow;

        BoundedReader(InputStream in, int max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (bytes) {
                        if (bytes.size() + n > max) {
                            bytes.write(buf, 0, max - bytes.size());
                            overflow = true;
                            break;
                        }
                        bytes.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process was killed, or the pipe broke: what was read is the answer
            } finally {
                done.countDown();
                try {
                    in.close();
                } catch (IOException e) {
                    // nothing to do
                }
            }
        }

        String text() {
            synchronized (bytes) {
                return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
            }
        }
    }

    // ---- the libpython the executable names ------------------------------------------------

    /** A libpython of Python {@code version}: libpython3.X[d|t].so, .so.1 or .so.1.0. */
    static boolean isLibpythonName(String name, String version) {
        return Pattern.matches("libpython" + Pattern.quote(version) + "[dt]{0,2}\\.so(\\.1(\\.0)?)?", name);
    }

    static String findLibpython(Found f) {
        String exe = f.requested;
        String version = f.get("version_short");
        String libdir = f.get("libdir");
        if (!"1".equals(f.get("enable_shared"))) {
            throw new PythonInitializationException(exe + " (Python " + version + ") was built without a shared"
                    + " libpython (Py_ENABLE_SHARED=0), so it cannot be embedded. With pyenv, reinstall it with"
                    + " PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install " + version
                    + ", or point PYBRIDGE_PYTHON at a Python built with --enable-shared.");
        }
        String fix = " Point PYBRIDGE_PYTHON (or PythonConfig.executable) at the python3 of an intact installation"
                + " built with --enable-shared.";
        String who = exe + " (Python " + f.get("version") + ", sys.base_prefix " + f.get("base_prefix") + ")";
        if (!version.matches("3\\.\\d{1,3}")) {
            throw new PythonInitializationException(
                    who + " reported the version '" + version + "', which is not a Python 3 version." + fix);
        }
        Path base = installation(who, f.get("base_prefix"), fix);
        List<String> candidates = new ArrayList<>();
        if (!f.get("instsoname").isEmpty()) {
            candidates.add(f.get("instsoname"));
        }
        if (!f.get("ldlibrary").isEmpty() && !candidates.contains(f.get("ldlibrary"))) {
            candidates.add(f.get("ldlibrary"));
        }
        List<String> tried = new ArrayList<>();
        // sysconfig's LIBDIR first; when it holds none of the names (a relocated build reports the
        // directory it was built in, e.g. JavaCPP's CPython), the installation's own lib directories
        // and its top. Every file found passes the same checks, inside the installation included.
        List<Path> paths = new ArrayList<>();
        for (String name : candidates) {
            paths.add(Paths.get(libdir, name));
        }
        boolean inLibdir = paths.stream().anyMatch(c -> Files.exists(c, LinkOption.NOFOLLOW_LINKS));
        if (!inLibdir) {
            for (String dir : INSTALLATION_LIB_DIRS) {
                for (String name : candidates) {
                    paths.add(base.resolve(dir).resolve(name).normalize());
                }
            }
        }
        for (Path c : paths) {
            tried.add(c.toString());
            if (!Files.exists(c, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Path parent = c.getParent();
            String dirOfC = parent == null ? libdir : parent.toString();
            String what = who + " names " + c + " as its libpython";
            if (!isLibpythonName(c.getFileName().toString(), version)) {
                throw new PythonInitializationException(what + ", but that is not the file name of a libpython "
                        + version + " (libpython" + version + ".so[.1.0]); pybridge refuses it rather than load a"
                        + " library of another version or another kind." + fix);
            }
            Path real;
            try {
                real = c.toRealPath();
            } catch (IOException e) {
                throw new PythonInitializationException(
                        what + ", but it is a broken link (" + e.getMessage() + ")." + fix, e);
            }
            String is = real.equals(c) ? "" : " (which is " + real + ")";
            if (!Files.isRegularFile(real)) {
                throw new PythonInitializationException(what + is + ", but that is not a regular file." + fix);
            }
            if (!isLibpythonName(real.getFileName().toString(), version)) {
                throw new PythonInitializationException(what + is + ", whose file name is not that of a libpython "
                        + version + "; pybridge refuses a link to a library of another version or kind." + fix);
            }
            if (!inside(real, base, dirOfC, f.get("base_prefix"))) {
                throw new PythonInitializationException(what + is + ", but that file lies outside its installation "
                        + base + ": it is a different libpython (another Python's, or the system's), which"
                        + " pybridge never loads in its place." + fix);
            }
            String elf = elfProblem(real);
            if (elf != null) {
                throw new PythonInitializationException(what + is + ", but that file " + elf + "." + fix);
            }
            return real.toString();
        }
        throw new PythonInitializationException("the shared libpython of " + exe + " was not found; tried " + tried
                + ". Reinstall that Python with a shared library, or set PYBRIDGE_PYTHON.");
    }

    /**
     * Where in an installation ({@code sys.base_prefix}) its libpython is looked for when
     * sysconfig's {@code LIBDIR} holds none: {@code lib}, {@code lib64}, the top (JavaCPP's
     * CPython keeps {@code libpython3.Y.so.1.0} there).
     */
    static final String[] INSTALLATION_LIB_DIRS = {"lib", "lib64", "."};

    /** The real path of the installation ({@code sys.base_prefix}), checked to be one. */
    private static Path installation(String who, String basePrefix, String fix) {
        if (basePrefix.isEmpty() || !Paths.get(basePrefix).isAbsolute()) {
            throw new PythonInitializationException(who + " did not report an absolute sys.base_prefix, so where"
                    + " its installation lies is unknown." + fix);
        }
        Path base;
        try {
            base = Paths.get(basePrefix).toRealPath();
        } catch (IOException e) {
            throw new PythonInitializationException(
                    who + " reported sys.base_prefix " + basePrefix + ", which does not exist." + fix, e);
        }
        if (!Files.isDirectory(base) || base.getNameCount() == 0) {
            throw new PythonInitializationException(who + " reported sys.base_prefix " + basePrefix
                    + ", which is not the directory of a Python installation." + fix);
        }
        return base;
    }

    /**
     * Whether {@code real} lies in the installation: under the real path of
     * sys.base_prefix, or under the real path of LIBDIR when LIBDIR itself
     * is (as written) under sys.base_prefix (a lib directory that is a link).
     */
    private static boolean inside(Path real, Path base, String libdir, String basePrefix) {
        if (real.startsWith(base)) {
            return true;
        }
        if (libdir.isEmpty()) {
            return false;
        }
        Path lib = Paths.get(libdir).normalize();
        if (!lib.isAbsolute() || !lib.startsWith(Paths.get(basePrefix).normalize())) {
            return false;
        }
        try {
            Path realLib = lib.toRealPath();
            return realLib.getNameCount() > 0 && real.startsWith(realLib);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The ELF machine of this JVM's platform: 62 (x86-64), 183 (aarch64), or -1 when pybridge
     * has no library of its own for it (then any machine is accepted).
     */
    static int elfMachine() {
        String p = NativeLoader.PLATFORM;
        return "linux-x86_64".equals(p) ? 62 : "linux-aarch64".equals(p) ? 183 : -1;
    }

    /** Why {@code p} is not an ELF shared object of this JVM's machine, or null when it is one. */
    static String elfProblem(Path p) {
        byte[] h = new byte[20];
        int n = 0;
        try (InputStream in = Files.newInputStream(p)) {
            int r;
            while (n < h.length && (r = in.read(h, n, h.length - n)) > 0) {
                n += r;
            }
        } catch (IOException e) {
            return "cannot be read (" + e.getMessage() + ")";
        }
        if (n < h.length || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') {
            return "is not an ELF shared library";
        }
        int type = (h[16] & 0xff) | (h[17] & 0xff) << 8;
        int machine = (h[18] & 0xff) | (h[19] & 0xff) << 8;
        int want = elfMachine();
        if (h[4] != 2 || h[5] != 1 || type != 3 || (want >= 0 && machine != want)) {
            String arch = want == 62 ? "x86-64" : want == 183 ? "aarch64" : "little-endian";
            return "is not a 64-bit " + arch + " ELF shared library (class " + h[4] + ", type " + type + ", machine "
                    + machine + ")";
        }
        return null;
    }
}

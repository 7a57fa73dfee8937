package org.pybridge;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A CPython runtime that arrived as a jar on the class path: JavaCPP's
 * {@code org.bytedeco:cpython:<python>-<javacpp>:linux-x86_64}, whose
 * {@code org/bytedeco/cpython/linux-x86_64/} holds a relocatable CPython
 * ({@code bin/python3.X}, {@code libpython3.X.so.1.0} at its top, the
 * standard library under {@code lib/python3.X}). {@link PythonLocator}
 * asks here after an explicit choice and before {@code python3} on
 * {@code PATH}.
 *
 * <p>The runtime is extracted once per content into the private cache
 * ({@link TreeCache}: {@code <cache>/python/<sha256>/}; the CPython test
 * suite, {@code lib/python3.X/test/}, and JavaCPP's own JNI library are left
 * out), then asked about itself like any Python, and started with that
 * directory as its home and no user site-packages. Its {@code sysconfig}
 * paths are the builder's, so its libpython is taken from where the jar puts
 * it, checked like any other (name, ELF, inside the installation).
 *
 * <p>Refused with a message: a runtime jar for another platform, a machine
 * whose glibc is older than the one the runtime was built against, a
 * non-glibc Linux, and two runtime jars on one class path.
 */
final class ClasspathPython {
    private ClasspathPython() {}

    static final String PACKAGE = "org/bytedeco/cpython/";
    /** The JavaCPP platform this machine needs. */
    static final String PLATFORM = "linux-x86_64";
    /** JavaCPP's other platform names, to recognise a runtime jar for another machine. */
    static final String[] OTHER_PLATFORMS = {
        "linux-arm64",
        "linux-ppc64le",
        "linux-x86",
        "linux-armhf",
        "macosx-x86_64",
        "macosx-arm64",
        "windows-x86_64",
        "windows-x86"
    };

    private static final Pattern STDLIB = Pattern.compile("lib/python(3\\.\\d+)/os\\.py");
    private static final Pattern GLIBC = Pattern.compile("GLIBC_2\\.(\\d+)");

    /** A runtime jar found on the class path. */
    static final class Runtime {
        final Path jar;
        final String prefix;
        final String version;

        Runtime(Path jar, String prefix, String version) {
            this.jar = jar;
            this.prefix = prefix;
            this.version = version;
        }

        String what() {
            return "the CPython " + version + " runtime jar " + jar;
        }
    }

    /**
     * The Python of the runtime jar on the class path, extracted and asked
     * about itself; null when the class path holds none.
     */
    static PythonLocator.Found locate() {
        Runtime rt = find();
        if (rt == null) {
            return null;
        }
        Path home = extract(rt);
        Path exe = home.resolve("bin/python" + rt.version);
        PythonLocator.Found f;
        try {
            f = PythonLocator.query(exe.toString());
        } catch (PythonInitializationException e) {
            throw new PythonInitializationException(
                    rt.what() + " was extracted to " + home + ", but its Python does not run here: " + e.getMessage(),
                    e);
        }
        f.reason = "the CPython runtime on the class path (" + rt.jar.getFileName() + ", extracted to " + home + ")";
        f.requested = exe.toString();
        f.facts.put(PythonLocator.HOME_FACT, home.toString());
        f.facts.put(PythonLocator.NO_USER_SITE_FACT, "1");
        if (!rt.version.equals(f.get("version_short"))) {
            throw new PythonInitializationException(rt.what() + " holds the standard library of Python "
                    + rt.version + " but its executable says it is Python " + f.get("version_short")
                    + ": the jar is not a JavaCPP CPython runtime pybridge knows. Remove it from the class path.");
        }
        if (NativeLoader.refusal(f) == null) {
            f.libpython = libpython(rt, home);
        }
        Logs.debug(() -> "pybridge: Python " + f.get("version_short") + " from " + rt.jar + " at " + home);
        return f;
    }

    /** The runtime jar on the class path, checked; null when there is none. */
    static Runtime find() {
        Map<Path, String> found = new LinkedHashMap<>();
        Map<Path, String> foreign = new LinkedHashMap<>();
        for (URL u : resources(PACKAGE + PLATFORM + "/")) {
            found.put(jarOf(u), PACKAGE + PLATFORM + "/");
        }
        for (String p : OTHER_PLATFORMS) {
            for (URL u : resources(PACKAGE + p + "/")) {
                foreign.put(jarOf(u), p);
            }
        }
        found.remove(null);
        foreign.remove(null);
        if (found.isEmpty() && foreign.isEmpty()) {
            return null;
        }
        String machine = machinePlatform();
        if (!PLATFORM.equals(machine)) {
            throw new PythonInitializationException("the class path holds a CPython runtime jar ("
                    + String.join(", ", names(found.isEmpty() ? foreign : found)) + ") but pybridge runs a"
                    + " runtime from a jar only on " + PLATFORM + ", and this machine is " + machine
                    + ". Remove the runtime jar and install a Python, or set PYBRIDGE_PYTHON.");
        }
        if (found.isEmpty()) {
            Map.Entry<Path, String> e = foreign.entrySet().iterator().next();
            throw new PythonInitializationException("the class path holds the CPython runtime jar " + e.getKey()
                    + " for " + e.getValue() + ", but this machine is " + PLATFORM + ": use the classifier "
                    + PLATFORM + " (org.bytedeco:cpython:<version>:" + PLATFORM + ").");
        }
        List<Runtime> runtimes = new ArrayList<>();
        for (Map.Entry<Path, String> e : found.entrySet()) {
            runtimes.add(inspect(e.getKey(), e.getValue()));
        }
        if (runtimes.size() > 1) {
            List<String> all = new ArrayList<>();
            for (Runtime r : runtimes) {
                all.add(r.jar + " (Python " + r.version + ")");
            }
            throw new PythonInitializationException("the class path holds " + runtimes.size()
                    + " CPython runtime jars: " + String.join(", ", all) + ". Keep one (a build tool that"
                    + " resolves org.bytedeco:cpython to one version does that), or set PYBRIDGE_PYTHON.");
        }
        return runtimes.get(0);
    }

    /** Reads which Python the jar holds from its entries' names. */
    static Runtime inspect(Path jar, String prefix) {
        String version = null;
        boolean lib = false;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                String n = e.nextElement().getName();
                if (!n.startsWith(prefix)) {
                    continue;
                }
                Matcher m = STDLIB.matcher(n.substring(prefix.length()));
                if (m.matches()) {
                    if (version != null && !version.equals(m.group(1))) {
                        throw new PythonInitializationException(jar + " holds the standard libraries of Python "
                                + version + " and " + m.group(1) + "; pybridge cannot tell which to run.");
                    }
                    version = m.group(1);
                }
            }
            if (version != null) {
                lib = z.getEntry(prefix + "libpython" + version + ".so.1.0") != null
                        && z.getEntry(prefix + "bin/python" + version) != null;
            }
        } catch (IOException e) {
            throw new PythonInitializationException("cannot read the CPython runtime jar " + jar + ": " + e, e);
        }
        if (version == null || !lib) {
            throw new PythonInitializationException(jar + " has " + prefix + " but no CPython in it (no "
                    + "lib/python3.X/os.py, bin/python3.X and libpython3.X.so.1.0 there): is it a JavaCPP"
                    + " cpython jar? Remove it from the class path, or set PYBRIDGE_PYTHON.");
        }
        return new Runtime(jar, prefix, version);
    }

    /** Extracts the runtime into the cache (once per content) and returns its home. */
    static Path extract(Runtime rt) {
        String lib = "lib/python" + rt.version + "/";
        TreeCache.Selection sel = new TreeCache.Selection() {
            @Override
            public String target(String name) {
                if (!name.startsWith(rt.prefix)) {
                    return null;
                }
                String rel = name.substring(rt.prefix.length());
                if (rel.startsWith(lib + "test/")
                        || rel.equals("libjnipython.so")
                        || rel.startsWith("share/")
                        || rel.equals("python" + rt.version)) {
                    return null; // the test suite, JavaCPP's JNI library, man pages, a copy of bin/python3.X
                }
                return rel;
            }

            @Override
            public boolean executable(String rel) {
                return rel.startsWith("bin/");
            }
        };
        String key;
        try (ZipFile z = new ZipFile(rt.jar.toFile())) {
            key = TreeCache.keyOf(z, sel);
        } catch (IOException e) {
            throw new PythonInitializationException("cannot read the CPython runtime jar " + rt.jar + ": " + e, e);
        }
        return TreeCache.tree("python", key, rt.jar, sel, rt.what(), dir -> checkGlibc(rt, dir));
    }

    /** Refuses a runtime built for a newer glibc than this machine's (before it is published). */
    private static void checkGlibc(Runtime rt, Path dir) {
        Path lib = dir.resolve("libpython" + rt.version + ".so.1.0");
        int[] need;
        try {
            need = Elf.read(lib).maxGlibc();
        } catch (IOException e) {
            throw new PythonInitializationException(rt.what() + ": its libpython cannot be read: " + e.getMessage(), e);
        }
        if (need == null) {
            return;
        }
        String problem = glibcProblem(need, machineGlibcMinor());
        if (problem != null) {
            throw new PythonInitializationException(rt.what() + " " + problem + ". Use a glibc-based system with a"
                    + " newer glibc, a runtime jar built for an older one (see docs/guide/which-python.md), or"
                    + " install a Python for this machine and set PYBRIDGE_PYTHON.");
        }
    }

    /** Why a library needing glibc {@code need} cannot load where glibc is 2.{@code have} (-1: not glibc). */
    static String glibcProblem(int[] need, int have) {
        String n = need[0] + "." + need[1];
        if (have < 0) {
            return "needs glibc " + n + " or later, and this machine's C library is not glibc (musl? Alpine?)";
        }
        if (need[0] > 2 || need[0] == 2 && need[1] > have) {
            return "needs glibc " + n + " or later, but this machine has glibc 2." + have;
        }
        return null;
    }

    /** The minor version of this process's glibc (2.N), or -1 when libc is not glibc. */
    static int machineGlibcMinor() {
        String libc = null;
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/maps"), StandardCharsets.ISO_8859_1)) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String p = line.substring(slash);
                String name = p.substring(p.lastIndexOf('/') + 1);
                if (name.equals("libc.so.6") || name.matches("libc-2\\.\\d+\\.so")) {
                    libc = p;
                    break;
                }
            }
            if (libc == null) {
                return -1;
            }
            byte[] b = Files.readAllBytes(Paths.get(libc));
            Matcher m = GLIBC.matcher(new String(b, StandardCharsets.ISO_8859_1));
            int max = -1;
            while (m.find()) {
                max = Math.max(max, Integer.parseInt(m.group(1)));
            }
            return max;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The libpython at the top of the runtime, checked like any other. */
    private static String libpython(Runtime rt, Path home) {
        Path lib = home.resolve("libpython" + rt.version + ".so.1.0");
        String problem = PythonLocator.isLibpythonName(lib.getFileName().toString(), rt.version)
                ? PythonLocator.elfProblem(lib)
                : "is not named like a libpython " + rt.version;
        if (!Files.isRegularFile(lib) || problem != null) {
            throw new PythonInitializationException(rt.what() + " was extracted to " + home + ", but "
                    + lib + " " + (problem == null ? "is missing" : problem) + ". Remove " + home
                    + " (it is made again) or set PYBRIDGE_PYTHON.");
        }
        return lib.toString();
    }

    /** This machine as a JavaCPP platform name. */
    static String machinePlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux")
                ? "linux"
                : os.startsWith("mac") ? "macosx" : os.startsWith("windows") ? "windows" : os;
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") ? "arm64" : arch;
        return o + "-" + a;
    }

    /** The resources named {@code name} in the context class loader and pybridge's own. */
    static List<URL> resources(String name) {
        List<URL> out = new ArrayList<>();
        ClassLoader[] loaders = {Thread.currentThread().getContextClassLoader(), ClasspathPython.class.getClassLoader()
        };
        for (ClassLoader cl : loaders) {
            if (cl == null) {
                continue;
            }
            try {
                for (Enumeration<URL> e = cl.getResources(name); e.hasMoreElements(); ) {
                    URL u = e.nextElement();
                    if (!out.contains(u)) {
                        out.add(u);
                    }
                }
            } catch (IOException e) {
                // a loader that cannot list: nothing from it
            }
        }
        return out;
    }

    /** The local jar file a {@code jar:file:...!/...} URL points into; null for anything else. */
    static Path jarOf(URL u) {
        if (!"jar".equals(u.getProtocol())) {
            return null;
        }
        try {
            URLConnection c = u.openConnection();
            URL file = c instanceof JarURLConnection ? ((JarURLConnection) c).getJarFileURL() : null;
            if (file == null || !"file".equals(file.getProtocol())) {
                return null;
            }
            return Paths.get(file.toURI()).toAbsolutePath().normalize();
        } catch (IOException | URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static List<String> names(Map<Path, String> jars) {
        List<String> n = new ArrayList<>();
        for (Map.Entry<Path, String> e : jars.entrySet()) {
            n.add(e.getKey() + " (" + e.getValue().replace(PACKAGE, "").replace("/", "") + ")");
        }
        return n;
    }
}

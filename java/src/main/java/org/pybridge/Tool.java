package org.pybridge;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * The pybridge jar's command line ({@code java -jar pybridge-<version>.jar}).
 * One command so far, {@code pack}: resolves a requirements file to wheels
 * for a target Python and platform with pip ({@code --only-binary=:all:
 * --python-version --platform --target}), and writes the installed tree as
 * a packages jar that {@link PackagesJars} puts on {@code sys.path} at run
 * time. See {@code docs/guide/python-from-maven.md}.
 */
final class Tool {
    private Tool() {}

    static final String DEFAULT_PLATFORM = "manylinux_2_28_x86_64";
    private static final Pattern MANYLINUX = Pattern.compile("manylinux_2_(\\d+)_(\\w+)");
    /** A fixed time for every entry, so the same tree gives the same jar (1980-01-01, the zip epoch + 1 day). */
    private static final long ENTRY_TIME = 315619200000L;

    static final String USAGE = String.join(
            "\n",
            "usage: java -jar pybridge.jar pack -r requirements.txt -o python-packages.jar",
            "           [--python 3.Y] [--platform manylinux_2_28_x86_64] [--runtime cpython-...-linux-x86_64.jar]",
            "           [--pip-python /path/to/python3]",
            "",
            "Resolves the requirements to binary wheels for Python 3.Y on the platform (pip --only-binary=:all:),",
            "installs them into a tree and writes it as a jar pybridge puts on sys.path at run time.",
            "  --python     the Python the packages are for (default: the runtime jar's, else pip's Python's)",
            "  --platform   a wheel platform tag; manylinux_2_N also takes wheels for older glibc",
            "               (default " + DEFAULT_PLATFORM + ")",
            "  --runtime    a CPython runtime jar (org.bytedeco:cpython:...:linux-x86_64) to run pip with",
            "               (default: one on the class path)",
            "  --pip-python the Python that runs pip (default: PYBRIDGE_PYTHON, the runtime jar, VIRTUAL_ENV,",
            "               python3 on PATH)");

    /**
     * The command line.
     *
     * @param args {@code pack} and its options
     */
    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (PythonInitializationException | IllegalArgumentException e) {
            System.err.println("pybridge: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args) {
        if (args.length == 0 || !args[0].equals("pack")) {
            System.err.println(USAGE);
            return args.length == 0 ? 0 : 2;
        }
        String req = null;
        String out = null;
        String python = null;
        String platform = DEFAULT_PLATFORM;
        String runtime = null;
        String pipPython = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.err.println(USAGE);
                return 0;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "-r":
                case "--requirements":
                    req = v;
                    break;
                case "-o":
                case "--output":
                    out = v;
                    break;
                case "--python":
                    python = v;
                    break;
                case "--platform":
                    platform = v;
                    break;
                case "--runtime":
                    runtime = v;
                    break;
                case "--pip-python":
                    pipPython = v;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (req == null || out == null) {
            throw new IllegalArgumentException("pack needs -r requirements.txt and -o output.jar\n" + USAGE);
        }
        if (python != null && !python.matches("3\\.\\d{1,2}")) {
            throw new IllegalArgumentException("--python " + python + " is not a Python version like 3.13");
        }
        Summary s = pack(Paths.get(req), Paths.get(out), python, platform, runtime, pipPython);
        System.err.println("pybridge pack: wrote " + out + " (" + s.files + " files, " + s.bytes / 1024
                + " KiB of packages, jar " + s.jarBytes / 1024 + " KiB) for Python " + s.python + " on " + s.platform
                + "; content hash " + s.sha256);
        return 0;
    }

    /** What {@link #pack} made. */
    static final class Summary {
        String python;
        String platform;
        String sha256;
        long files;
        long bytes;
        long jarBytes;
    }

    static Summary pack(Path req, Path out, String python, String platform, String runtimeJar, String pipPython) {
        if (!Files.isRegularFile(req)) {
            throw new IllegalArgumentException("the requirements file " + req + " does not exist");
        }
        String[] runner = runner(runtimeJar, pipPython);
        String target = python != null ? python : runner[1];
        Path work;
        try {
            work = Files.createTempDirectory("pybridge-pack");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot make a temporary directory: " + e, e);
        }
        try {
            Path tree = work.resolve("tree");
            List<String> cmd = new ArrayList<>(List.of(
                    runner[0],
                    "-s",
                    "-m",
                    "pip",
                    "install",
                    "--only-binary=:all:",
                    "--no-compile",
                    "--disable-pip-version-check",
                    "--no-warn-script-location",
                    "--target",
                    tree.toString(),
                    "--python-version",
                    target,
                    "--implementation",
                    "cp"));
            for (String p : platforms(platform)) {
                cmd.add("--platform");
                cmd.add(p);
            }
            cmd.add("-r");
            cmd.add(req.toAbsolutePath().toString());
            System.err.println("pybridge pack: " + String.join(" ", cmd));
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            pb.environment().remove("PYTHONHOME");
            pb.environment().remove("PYTHONPATH");
            pb.environment().put("PYTHONNOUSERSITE", "1");
            int rc;
            try {
                rc = pb.start().waitFor();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot run " + runner[0] + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalArgumentException("interrupted while pip ran", e);
            }
            if (rc != 0) {
                throw new IllegalArgumentException("pip failed (exit " + rc + ") resolving " + req + " for Python "
                        + target + " on " + platform + " (binary wheels only; see its output above)");
            }
            Summary s = writeJar(tree, out, target, platform, req);
            return s;
        } finally {
            try {
                TreeCache.deleteTree(work);
            } catch (IOException e) {
                System.err.println("pybridge pack: could not remove " + work + ": " + e);
            }
        }
    }

    /** The Python that runs pip and its version ({exe, "3.Y"}). */
    private static String[] runner(String runtimeJar, String pipPython) {
        String exe = pipPython;
        if (exe == null) {
            exe = nonEmpty(System.getProperty("pybridge.python"), System.getenv("PYBRIDGE_PYTHON"));
        }
        if (exe == null) {
            ClasspathPython.Runtime rt = runtimeJar != null
                    ? ClasspathPython.inspect(
                            Paths.get(runtimeJar).toAbsolutePath(),
                            ClasspathPython.PACKAGE + ClasspathPython.PLATFORM + "/")
                    : ClasspathPython.find();
            if (rt != null) {
                exe = ClasspathPython.extract(rt)
                        .resolve("bin/python" + rt.version)
                        .toString();
            }
        }
        if (exe == null
                && System.getenv("VIRTUAL_ENV") != null
                && !System.getenv("VIRTUAL_ENV").isEmpty()) {
            exe = Paths.get(System.getenv("VIRTUAL_ENV"), "bin", "python").toString();
        }
        if (exe == null) {
            exe = PythonLocator.findOnPath("python3");
        }
        if (exe == null) {
            throw new IllegalArgumentException("no Python to run pip with: pass --pip-python, set PYBRIDGE_PYTHON,"
                    + " or put a CPython runtime jar on the class path (or --runtime).");
        }
        PythonLocator.Found f = PythonLocator.query(exe);
        return new String[] {exe, f.get("version_short")};
    }

    private static String nonEmpty(String a, String b) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : null;
    }

    /**
     * The platform tags pip is given: a {@code manylinux_2_N_arch} tag with
     * every older glibc's (down to 2.5) and the legacy aliases, since pip
     * takes a given tag literally.
     */
    static List<String> platforms(String tag) {
        List<String> out = new ArrayList<>();
        Matcher m = MANYLINUX.matcher(tag);
        if (!m.matches()) {
            out.add(tag);
            return out;
        }
        int n = Integer.parseInt(m.group(1));
        String arch = m.group(2);
        for (int i = n; i >= 5; i--) {
            out.add("manylinux_2_" + i + "_" + arch);
            if (i == 17) {
                out.add("manylinux2014_" + arch);
            } else if (i == 12) {
                out.add("manylinux2010_" + arch);
            } else if (i == 5) {
                out.add("manylinux1_" + arch);
            }
        }
        return out;
    }

    /** Writes the tree as a packages jar (reproducibly: sorted entries, fixed times). */
    static Summary writeJar(Path tree, Path out, String python, String platform, Path req) {
        TreeMap<String, Path> files = new TreeMap<>();
        if (Files.isDirectory(tree)) {
            try (Stream<Path> walk = Files.walk(tree)) {
                walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                        .forEach(p -> {
                            String rel = tree.relativize(p).toString().replace(File.separatorChar, '/');
                            // bin/: console scripts whose first line names pip's Python, useless in the JVM;
                            // __pycache__: bytecode of pip's Python, which may be another version.
                            if (!rel.startsWith("bin/") && !rel.contains("__pycache__/")) {
                                files.put(rel, p);
                            }
                        });
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the installed tree " + tree + ": " + e, e);
            }
        }
        List<String> keyLines = new ArrayList<>();
        Summary s = new Summary();
        s.python = python;
        s.platform = platform;
        Path dir = out.toAbsolutePath().getParent();
        Path part;
        try {
            Files.createDirectories(dir);
            part = Files.createTempFile(dir, out.getFileName().toString(), ".part");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write in " + dir + ": " + e, e);
        }
        try {
            // Hashed first (size and CRC-32 of each file, as TreeCache.keyOf reads them back from the
            // jar's central directory), so the manifest naming the hash can be the first entry.
            byte[] buf = new byte[1 << 16];
            for (Map.Entry<String, Path> e : files.entrySet()) {
                CRC32 c = new CRC32();
                long n = 0;
                try (InputStream in = Files.newInputStream(e.getValue())) {
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        c.update(buf, 0, r);
                        n += r;
                    }
                }
                keyLines.add(e.getKey() + "\0" + n + "\0" + Long.toHexString(c.getValue()) + "\0-\n");
                s.files++;
                s.bytes += n;
            }
            Collections.sort(keyLines);
            MessageDigest md = NativeCache.sha256();
            for (String l : keyLines) {
                md.update(l.getBytes(StandardCharsets.UTF_8));
            }
            s.sha256 = NativeCache.hex(md.digest());
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Created-By", "pybridge pack");
            mf.getMainAttributes().putValue("Python-Version", python);
            mf.getMainAttributes().putValue("Python-Platform", platform);
            try (OutputStream fo = Files.newOutputStream(part);
                    JarOutputStream jar = new JarOutputStream(fo, mf)) {
                Properties p = new Properties();
                p.setProperty("format", PackagesJars.FORMAT);
                p.setProperty("python", python);
                p.setProperty("platform", platform);
                p.setProperty("sha256", s.sha256);
                p.setProperty("files", Long.toString(s.files));
                p.setProperty("requirements", new String(Files.readAllBytes(req), StandardCharsets.UTF_8).trim());
                ByteArrayOutputStream pb = new ByteArrayOutputStream();
                p.store(new OutputStreamWriter(pb, StandardCharsets.UTF_8), null);
                // Properties.store writes the date first: dropped, so the jar is reproducible.
                String text = new String(pb.toByteArray(), StandardCharsets.UTF_8).replaceFirst("(?m)^#.*\\R", "");
                put(jar, PackagesJars.MANIFEST, text.getBytes(StandardCharsets.UTF_8));
                for (Map.Entry<String, Path> e : files.entrySet()) {
                    ZipEntry z = new ZipEntry(PackagesJars.ROOT + e.getKey());
                    z.setTime(ENTRY_TIME);
                    jar.putNextEntry(z);
                    Files.copy(e.getValue(), jar);
                    jar.closeEntry();
                }
            }
            Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            s.jarBytes = Files.size(out);
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + out + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException e) {
                // gone already
            }
        }
    }

    private static void put(JarOutputStream jar, String name, byte[] b) throws IOException {
        ZipEntry z = new ZipEntry(name);
        z.setTime(ENTRY_TIME);
        jar.putNextEntry(z);
        jar.write(b);
        jar.closeEntry();
    }
}

package org.pybridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/**
 * The application's Python packages, arrived as jars on the class path
 * (made by {@code java -jar pybridge.jar pack}, see
 * {@code docs/guide/python-from-maven.md}). Each holds a package tree under
 * {@value #ROOT} and {@value #MANIFEST}: the Python version and platform
 * it was resolved for, and the tree's content hash.
 *
 * <p>At start-up every such jar is checked against the Python that is
 * starting (a jar made for another Python version or platform is refused
 * with a message naming both), extracted once per content into the private
 * cache ({@link TreeCache}: {@code <cache>/packages/<sha256>/}), and, once
 * Python runs, put on {@code sys.path} ahead of site-packages, with its
 * {@code .pth} files processed ({@code python/pybridge/runtime/packages_path.py}).
 */
final class PackagesJars {
    private PackagesJars() {}

    /** The manifest of a packages jar. */
    static final String MANIFEST = "META-INF/pybridge-packages.properties";
    /** Where a packages jar keeps its tree. */
    static final String ROOT = "pybridge-packages/";
    /** The format this pybridge reads. */
    static final String FORMAT = "1";

    private static final Pattern MANYLINUX = Pattern.compile("manylinux_(\\d+)_(\\d+)_(\\w+)");
    private static final Pattern LEGACY = Pattern.compile("manylinux(1|2010|2014)_(\\w+)");

    /** What {@link #prepare} extracted for the running Python (sub-interpreters add it too). */
    private static volatile List<String> extracted = List.of();

    /** The trees {@link #prepare} extracted for the running Python; empty before it ran or when there are none. */
    static List<String> extracted() {
        return extracted;
    }

    /** The directories of the packages jars, extracted; empty when there are none. */
    static List<String> prepare(PythonLocator.Found f) {
        Map<Path, Properties> jars = new LinkedHashMap<>();
        for (URL u : ClasspathPython.resources(MANIFEST)) {
            Path jar = ClasspathPython.jarOf(u);
            if (jar == null || jars.containsKey(jar)) {
                continue;
            }
            Properties p = new Properties();
            try (InputStream in = u.openStream()) {
                p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new PythonInitializationException("cannot read " + MANIFEST + " of " + jar + ": " + e, e);
            }
            jars.put(jar, p);
        }
        List<String> dirs = new ArrayList<>();
        for (Map.Entry<Path, Properties> e : jars.entrySet()) {
            dirs.add(extract(e.getKey(), e.getValue(), f).toString());
        }
        extracted = List.copyOf(dirs);
        return dirs;
    }

    private static Path extract(Path jar, Properties p, PythonLocator.Found f) {
        String what = "the Python packages jar " + jar;
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new PythonInitializationException(what + " has format " + p.getProperty("format") + "; this"
                    + " pybridge reads format " + FORMAT + ". Make it again with this pybridge's pack command.");
        }
        String python = p.getProperty("python", "");
        String platform = p.getProperty("platform", "");
        String running = f.get("version_short");
        String machine = ClasspathPython.machinePlatform();
        String runs = "Python " + running + " on " + machine + " (" + f.requested + ")";
        if (!python.equals(running)) {
            throw new PythonInitializationException(what + " was made for Python " + python + " (" + platform
                    + "), but pybridge starts " + runs + ". Make it again for Python " + running + " (pack --python "
                    + running + "), or run the Python it was made for.");
        }
        String unfit = platformProblem(platform, machine);
        if (unfit != null) {
            throw new PythonInitializationException(what + " was made for Python " + python + " on " + platform
                    + ", but pybridge starts " + runs + ": " + unfit + ". Make it again with pack --platform for"
                    + " this machine.");
        }
        TreeCache.Selection sel = new TreeCache.Selection() {
            @Override
            public String target(String name) {
                return name.startsWith(ROOT) && name.length() > ROOT.length() ? name.substring(ROOT.length()) : null;
            }

            @Override
            public boolean executable(String rel) {
                return rel.startsWith("bin/");
            }
        };
        String key;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            key = TreeCache.keyOf(z, sel);
        } catch (IOException e) {
            throw new PythonInitializationException("cannot read " + what + ": " + e, e);
        }
        String declared = p.getProperty("sha256", "");
        if (!key.equals(declared)) {
            throw new PythonInitializationException(what + " does not hold the tree its manifest describes"
                    + " (content hash " + key + ", the manifest says " + declared + "): it was changed or"
                    + " damaged after pack made it. Make it again.");
        }
        return TreeCache.tree("packages", key, jar, sel, what, dir -> {});
    }

    /**
     * Why packages built for wheel platform tag {@code tag} cannot run on
     * {@code machine} (a JavaCPP platform name), or null when they can.
     */
    static String platformProblem(String tag, String machine) {
        if (tag.equals("any")) {
            return null;
        }
        String arch;
        int glibc = -1;
        Matcher m = MANYLINUX.matcher(tag);
        Matcher l = LEGACY.matcher(tag);
        if (m.matches()) {
            arch = m.group(3);
            glibc = Integer.parseInt(m.group(1)) == 2 ? Integer.parseInt(m.group(2)) : 1000;
        } else if (l.matches()) {
            arch = l.group(2);
            glibc = l.group(1).equals("1") ? 5 : l.group(1).equals("2010") ? 12 : 17;
        } else if (tag.startsWith("linux_")) {
            arch = tag.substring("linux_".length());
        } else {
            return "pybridge runs packages for Linux only, and " + tag + " is not a Linux platform tag";
        }
        String want = "linux-" + (arch.equals("aarch64") ? "arm64" : arch);
        if (!want.equals(machine)) {
            return "that platform is " + want + ", this machine is " + machine;
        }
        if (glibc > 0) {
            int have = ClasspathPython.machineGlibcMinor();
            if (have < 0) {
                return tag + " needs glibc 2." + glibc + ", and this machine's C library is not glibc";
            }
            if (have < glibc) {
                return tag + " needs glibc 2." + glibc + " or later, this machine has glibc 2." + have;
            }
        }
        return null;
    }

    /**
     * Puts the extracted trees on the current interpreter's sys.path, ahead
     * of site-packages (the main interpreter at start-up, each
     * sub-interpreter when it is made).
     */
    static void addToPath(List<String> dirs) {
        if (dirs.isEmpty()) {
            return;
        }
        String src = PySources.text("packages_path.py");
        try (ResourceScope s = Python.openScope()) {
            PyObject b = Python.builtins();
            PyObject ns = Python.eval("{'__name__': 'pybridge.packages_path'}");
            b.callAttr("exec", b.callAttr("compile", src, "pybridge/runtime/packages_path.py", "exec"), ns);
            ns.getItem("add").call(dirs);
        }
    }
}

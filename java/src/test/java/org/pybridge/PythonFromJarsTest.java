package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.Test;

/**
 * The checks of runtime and packages jars that need no Python: which jars
 * are found and refused ({@link ClasspathPython}, {@link PackagesJars}),
 * pip's platform tags ({@link Tool}), and the cache's rules for trees
 * ({@link TreeCache}). Python started from jars: {@code NoPythonE2ETest}.
 */
public class PythonFromJarsTest {

    /** A jar of {@code name -> content} pairs. */
    static Path jar(Path dir, String file, String... entries) throws IOException {
        Path p = dir.resolve(file);
        try (OutputStream o = Files.newOutputStream(p);
                ZipOutputStream z = new ZipOutputStream(o)) {
            for (int i = 0; i < entries.length; i += 2) {
                z.putNextEntry(new ZipEntry(entries[i]));
                z.write(entries[i + 1].getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return p;
    }

    /** A jar shaped like JavaCPP's cpython runtime for {@code platform} and Python {@code v} (fake files). */
    static Path runtimeJar(Path dir, String file, String platform, String v) throws IOException {
        String p = "org/bytedeco/cpython/" + platform + "/";
        return jar(
                dir,
                file,
                p,
                "",
                p + "lib/python" + v + "/os.py",
                "# os",
                p + "bin/python" + v,
                "elf",
                p + "libpython" + v + ".so.1.0",
                "elf");
    }

    /** Runs {@code c} with a context class loader of exactly {@code jars}. */
    static <T> T withClassPath(Callable<T> c, Path... jars) throws Exception {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            urls[i] = jars[i].toUri().toURL();
        }
        Thread t = Thread.currentThread();
        ClassLoader old = t.getContextClassLoader();
        try (URLClassLoader cl = new URLClassLoader(urls, null)) {
            t.setContextClassLoader(cl);
            return c.call();
        } finally {
            t.setContextClassLoader(old);
        }
    }

    static String message(Callable<?> c) throws Exception {
        try {
            c.call();
        } catch (PythonInitializationException e) {
            return e.getMessage();
        }
        fail("expected a PythonInitializationException");
        return null;
    }

    @Test
    public void noRuntimeJarMeansNone() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path other = jar(d, "other.jar", "a/b.txt", "x");
        assertNull(withClassPath(ClasspathPython::find, other));
    }

    @Test
    public void runtimeJarIsFoundWithItsVersion() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path rt = runtimeJar(d, "cpython-3.13.5-1.5.12-linux-x86_64.jar", "linux-x86_64", "3.13");
        ClasspathPython.Runtime r = withClassPath(ClasspathPython::find, rt);
        assertEquals("3.13", r.version);
        assertEquals(rt.toRealPath(), r.jar.toRealPath());
    }

    @Test
    public void twoRuntimeJarsAreRefusedNamingBoth() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path a = runtimeJar(d, "cpython-3.13.5-1.5.12-linux-x86_64.jar", "linux-x86_64", "3.13");
        Path b = runtimeJar(d, "cpython-3.12.1-1.5.10-linux-x86_64.jar", "linux-x86_64", "3.12");
        String m = message(() -> withClassPath(ClasspathPython::find, a, b));
        assertTrue(
                m,
                m.contains("2 CPython runtime jars")
                        && m.contains("cpython-3.13.5-1.5.12-linux-x86_64.jar")
                        && m.contains("cpython-3.12.1-1.5.10-linux-x86_64.jar")
                        && m.contains("Keep one"));
    }

    @Test
    public void runtimeJarForAnotherPlatformIsRefused() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path a = runtimeJar(d, "cpython-3.13.5-1.5.12-linux-arm64.jar", "linux-arm64", "3.13");
        String m = message(() -> withClassPath(ClasspathPython::find, a));
        assertTrue(
                m,
                m.contains("for linux-arm64")
                        && m.contains("this machine is linux-x86_64")
                        && m.contains("org.bytedeco:cpython:<version>:linux-x86_64"));
    }

    @Test
    public void aJarWithTheFolderButNoPythonIsRefused() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path a =
                jar(d, "odd.jar", "org/bytedeco/cpython/linux-x86_64/", "", "org/bytedeco/cpython/linux-x86_64/x", "y");
        String m = message(() -> withClassPath(ClasspathPython::find, a));
        assertTrue(m, m.contains("no CPython in it"));
    }

    @Test
    public void glibcOfThisMachineIsRead() {
        // This machine kind runs Debian 12 (glibc 2.36); any glibc pybridge supports is 2.17+.
        assertTrue(ClasspathPython.machineGlibcMinor() >= 17);
    }

    @Test
    public void glibcFloorIsChecked() {
        assertNull(ClasspathPython.glibcProblem(new int[] {2, 35}, 36));
        assertNull(ClasspathPython.glibcProblem(new int[] {2, 35}, 35));
        String m = ClasspathPython.glibcProblem(new int[] {2, 35}, 31);
        assertTrue(m, m.contains("needs glibc 2.35 or later") && m.contains("glibc 2.31"));
        m = ClasspathPython.glibcProblem(new int[] {2, 35}, -1);
        assertTrue(m, m.contains("not glibc"));
    }

    @Test
    public void wheelPlatformsAreMatchedToTheMachine() {
        assertNull(PackagesJars.platformProblem("manylinux_2_28_x86_64", "linux-x86_64"));
        assertNull(PackagesJars.platformProblem("manylinux2014_x86_64", "linux-x86_64"));
        assertNull(PackagesJars.platformProblem("any", "linux-x86_64"));
        String m = PackagesJars.platformProblem("manylinux_2_28_aarch64", "linux-x86_64");
        assertTrue(m, m.contains("linux-arm64") && m.contains("linux-x86_64"));
        m = PackagesJars.platformProblem("manylinux_2_99_x86_64", "linux-x86_64");
        assertTrue(m, m.contains("needs glibc 2.99"));
        m = PackagesJars.platformProblem("macosx_11_0_arm64", "linux-x86_64");
        assertTrue(m, m.contains("not a Linux platform tag"));
    }

    @Test
    public void pipIsGivenEveryOlderManylinuxTag() {
        List<String> p = Tool.platforms("manylinux_2_28_x86_64");
        assertEquals("manylinux_2_28_x86_64", p.get(0));
        assertTrue(
                p.toString(),
                p.containsAll(Arrays.asList(
                        "manylinux_2_17_x86_64",
                        "manylinux2014_x86_64",
                        "manylinux2010_x86_64",
                        "manylinux1_x86_64",
                        "manylinux_2_5_x86_64")));
        assertEquals(Arrays.asList("linux_x86_64"), Tool.platforms("linux_x86_64"));
    }

    /** A packages jar written by pack's own writer from a small tree. */
    static Path packagesJar(Path dir, String python, String platform) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree-" + python));
        Files.createDirectories(tree.resolve("demo_pkg"));
        Files.write(tree.resolve("demo_pkg/__init__.py"), "VALUE = 42\n".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(tree.resolve("demo_pkg/__pycache__"));
        Files.write(tree.resolve("demo_pkg/__pycache__/x.pyc"), new byte[] {1, 2});
        Files.createDirectories(tree.resolve("bin"));
        Files.write(tree.resolve("bin/tool"), "#!/other/python\n".getBytes(StandardCharsets.UTF_8));
        Path req = Files.write(dir.resolve("req.txt"), "demo-pkg\n".getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("pkgs-" + python + ".jar");
        Tool.writeJar(tree, out, python, platform, req);
        return out;
    }

    static PythonLocator.Found running(String version) {
        PythonLocator.Found f = new PythonLocator.Found();
        f.facts.put("version_short", version);
        f.requested = "/opt/python" + version + "/bin/python" + version;
        return f;
    }

    @Test
    public void packagesJarIsExtractedOnceAndKeepsOnlyTheTree() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path pk = packagesJar(d, "3.13", "manylinux_2_28_x86_64");
        String old = System.getProperty(NativeCache.PROPERTY);
        System.setProperty(NativeCache.PROPERTY, d.resolve("cache").toString());
        try {
            List<String> dirs = withClassPath(() -> PackagesJars.prepare(running("3.13")), pk);
            assertEquals(1, dirs.size());
            Path tree = Path.of(dirs.get(0));
            assertTrue(tree.startsWith(d.resolve("cache").toRealPath().resolve("packages")));
            assertEquals("VALUE = 42\n", Files.readString(tree.resolve("demo_pkg/__init__.py")));
            assertTrue(
                    "bytecode and scripts of pip's Python are left out",
                    !Files.exists(tree.resolve("demo_pkg/__pycache__")) && !Files.exists(tree.resolve("bin")));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tree)));
            // A second start finds it: same directory, nothing rewritten.
            long mtime = Files.getLastModifiedTime(tree.resolve("demo_pkg/__init__.py"))
                    .toMillis();
            List<String> again = withClassPath(() -> PackagesJars.prepare(running("3.13")), pk);
            assertEquals(dirs, again);
            assertEquals(
                    mtime,
                    Files.getLastModifiedTime(tree.resolve("demo_pkg/__init__.py"))
                            .toMillis());
        } finally {
            restore(old);
        }
    }

    @Test
    public void aTreeLeftHalfWayByAKilledJvmIsRemoved() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path pk = packagesJar(d, "3.13", "manylinux_2_28_x86_64");
        String old = System.getProperty(NativeCache.PROPERTY);
        System.setProperty(NativeCache.PROPERTY, d.resolve("cache").toString());
        try {
            // The key is the content hash the manifest names.
            Properties p = new Properties();
            try (ZipFile z = new ZipFile(pk.toFile())) {
                p.load(z.getInputStream(z.getEntry(PackagesJars.MANIFEST)));
            }
            Path kind = Files.createDirectories(d.resolve("cache/packages"));
            Path part = Files.createDirectories(kind.resolve("." + p.getProperty("sha256") + ".part/demo_pkg"));
            Files.write(part.resolve("half.py"), new byte[10]);
            List<String> dirs = withClassPath(() -> PackagesJars.prepare(running("3.13")), pk);
            assertTrue(Files.isRegularFile(Path.of(dirs.get(0), "demo_pkg/__init__.py")));
            assertTrue(!Files.exists(part.getParent()));
            assertEquals(
                    List.of(p.getProperty("sha256"), p.getProperty("sha256") + ".lock"),
                    TreeCache.list(kind).stream().sorted().collect(Collectors.toList()));
        } finally {
            restore(old);
        }
    }

    @Test
    public void packagesJarForAnotherPythonIsRefusedNamingBoth() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path pk = packagesJar(d, "3.12", "manylinux_2_28_x86_64");
        String m = message(() -> withClassPath(() -> PackagesJars.prepare(running("3.13")), pk));
        assertTrue(
                m,
                m.contains("was made for Python 3.12 (manylinux_2_28_x86_64)")
                        && m.contains("pybridge starts Python 3.13 on linux-x86_64")
                        && m.contains("pack --python 3.13"));
    }

    @Test
    public void packagesJarForAnotherPlatformIsRefusedNamingBoth() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path pk = packagesJar(d, "3.13", "manylinux_2_28_aarch64");
        String m = message(() -> withClassPath(() -> PackagesJars.prepare(running("3.13")), pk));
        assertTrue(
                m,
                m.contains("made for Python 3.13 on manylinux_2_28_aarch64")
                        && m.contains("that platform is linux-arm64, this machine is linux-x86_64"));
    }

    @Test
    public void aChangedPackagesJarIsRefused() throws Exception {
        Path d = Files.createTempDirectory("pfj");
        Path pk = packagesJar(d, "3.13", "manylinux_2_28_x86_64");
        String manifest;
        try (ZipFile z = new ZipFile(pk.toFile())) {
            manifest = new String(
                    z.getInputStream(z.getEntry(PackagesJars.MANIFEST)).readAllBytes(), StandardCharsets.UTF_8);
        }
        Path changed = jar(
                d,
                "changed.jar",
                PackagesJars.MANIFEST,
                manifest,
                PackagesJars.ROOT + "demo_pkg/__init__.py",
                "VALUE = 43\n");
        String m = message(() -> withClassPath(() -> PackagesJars.prepare(running("3.13")), changed));
        assertTrue(m, m.contains("does not hold the tree its manifest describes"));
    }

    private static void restore(String old) {
        if (old == null) {
            System.clearProperty(NativeCache.PROPERTY);
        } else {
            System.setProperty(NativeCache.PROPERTY, old);
        }
    }
}

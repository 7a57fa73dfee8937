package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Assume;
import org.junit.Test;

/**
 * Python with no Python installed: a child JVM whose class path holds only
 * pybridge, a CPython runtime jar ({@code org.bytedeco:cpython:...:linux-x86_64},
 * from Maven Central through Gradle) and a packages jar made by
 * {@code pack} (numpy), with no {@code PYBRIDGE_PYTHON}, no virtualenv, no
 * {@code PYTHONHOME} and a {@code PATH} holding only {@code java}, starts
 * Python and imports numpy; a second start reuses the cache and writes
 * nothing. Runs for every Python minor version that has a runtime jar and a
 * native library in this build ({@code gradle/python-from-maven.gradle}
 * passes {@code pybridge.test.runtimeJar3Y} and {@code pybridge.test.packagesJar3Y}).
 */
public class NoPythonE2ETest {
    /** The minor versions with a runtime jar on Maven Central (gradle/python-from-maven.gradle). */
    static final List<String> RUNTIME_MINORS = Arrays.asList("3.11", "3.12", "3.13", "3.14");

    /** The versions to run: those the build passed jars for; every expected Python with a runtime must have them. */
    static List<String> minors() {
        List<String> have = new ArrayList<>();
        for (String m : RUNTIME_MINORS) {
            if (System.getProperty("pybridge.test.runtimeJar" + m.replace(".", "")) != null) {
                have.add(m);
            }
        }
        String expected = System.getProperty("pybridge.test.expectedPythons", "");
        for (String m : expected.split(",")) {
            if (RUNTIME_MINORS.contains(m) && !have.contains(m)) {
                fail("the build has a native library for Python " + m + " but passed no runtime/packages jar for it"
                        + " (gradle/python-from-maven.gradle, packPythonPackages)");
            }
        }
        Assume.assumeFalse("no runtime jars given (run through gradle e2eTest, which makes them)", have.isEmpty());
        return have;
    }

    @Test
    public void numpyFromJarsWithNoPythonReachable() throws Exception {
        for (String minor : minors()) {
            String tag = minor.replace(".", "");
            Path runtime = Paths.get(System.getProperty("pybridge.test.runtimeJar" + tag));
            Path packages = Paths.get(System.getProperty("pybridge.test.packagesJar" + tag));
            Path tmp = Files.createTempDirectory("pybridge-nopython");
            try {
                Path cache = tmp.resolve("cache");
                Map<String, String> env = noPythonEnv(tmp);
                List<String> opts = List.of("-Dpybridge.nativeCache=" + cache);
                ChildJvm.Result first = ChildJvm.run(Main.class, env, opts, tmp, List.of(runtime, packages), 600);
                assertTrue(minor + ": " + first, first.exitCode == 0 && first.output.contains("OK"));
                check(minor, first.output, cache);
                List<String> filesAfterFirst = files(cache);
                ChildJvm.Result second = ChildJvm.run(Main.class, env, opts, tmp, List.of(runtime, packages), 300);
                assertTrue(minor + ": " + second, second.exitCode == 0 && second.output.contains("OK"));
                check(minor, second.output, cache);
                assertEquals(minor + ": a later start writes nothing in the cache", filesAfterFirst, files(cache));
            } finally {
                TreeCache.deleteTree(tmp);
            }
        }
    }

    /**
     * Three JVMs starting at once on an empty cache: all start, the runtime
     * and the packages are extracted once each, nothing partial is left.
     */
    @Test
    public void concurrentFirstStartsExtractOnce() throws Exception {
        String minor = minors().get(minors().size() - 1);
        String tag = minor.replace(".", "");
        Path runtime = Paths.get(System.getProperty("pybridge.test.runtimeJar" + tag));
        Path packages = Paths.get(System.getProperty("pybridge.test.packagesJar" + tag));
        Path tmp = Files.createTempDirectory("pybridge-nopython-race");
        try {
            Path cache = tmp.resolve("cache");
            Map<String, String> env = noPythonEnv(tmp);
            List<String> opts = List.of("-Dpybridge.nativeCache=" + cache);
            List<Process> ps = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path log = tmp.resolve("child" + i + ".log");
                logs.add(log);
                ps.add(ChildJvm.start(Main.class, env, opts, tmp, List.of(runtime, packages), log));
            }
            for (int i = 0; i < 3; i++) {
                assertTrue("child " + i + " ended", ps.get(i).waitFor(600, TimeUnit.SECONDS));
                String out = new String(Files.readAllBytes(logs.get(i)), StandardCharsets.UTF_8);
                assertEquals(out, 0, ps.get(i).exitValue());
                check(minor, out, cache);
            }
            for (String kind : new String[] {"python", "packages"}) {
                List<String> names = TreeCache.list(cache.resolve(kind));
                assertEquals(kind + ": one tree and its lock, nothing partial: " + names, 2, names.size());
                assertTrue(names.toString(), names.stream().anyMatch(n -> n.endsWith(".lock")));
            }
        } finally {
            TreeCache.deleteTree(tmp);
        }
    }

    /**
     * A JVM killed (SIGKILL) while it extracts the runtime leaves a partial
     * tree; the next start removes it, extracts anew and starts.
     */
    @Test
    public void aJvmKilledWhileExtractingLeavesNothingBehind() throws Exception {
        String minor = minors().get(0);
        String tag = minor.replace(".", "");
        Path runtime = Paths.get(System.getProperty("pybridge.test.runtimeJar" + tag));
        Path packages = Paths.get(System.getProperty("pybridge.test.packagesJar" + tag));
        Path tmp = Files.createTempDirectory("pybridge-nopython-kill");
        try {
            Path cache = tmp.resolve("cache");
            Map<String, String> env = noPythonEnv(tmp);
            List<String> opts = List.of("-Dpybridge.nativeCache=" + cache);
            Process p = ChildJvm.start(Main.class, env, opts, tmp, List.of(runtime, packages), tmp.resolve("k.log"));
            Path kind = cache.resolve("python");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            boolean sawPart = false;
            while (System.nanoTime() < until && p.isAlive()) {
                if (TreeCache.list(kind).stream().anyMatch(n -> n.endsWith(".part"))) {
                    sawPart = true;
                    break;
                }
                Thread.sleep(5);
            }
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            assertTrue(
                    "the child was killed while extracting (a .part directory existed): " + TreeCache.list(kind),
                    sawPart);
            ChildJvm.Result r = ChildJvm.run(Main.class, env, opts, tmp, List.of(runtime, packages), 600);
            assertTrue(r.toString(), r.exitCode == 0 && r.output.contains("OK"));
            check(minor, r.output, cache);
            List<String> names = TreeCache.list(kind);
            assertEquals("one tree and its lock, nothing partial: " + names, 2, names.size());
        } finally {
            TreeCache.deleteTree(tmp);
        }
    }

    /** No PYBRIDGE_PYTHON, no virtualenv, no PYTHONHOME/PYTHONPATH; PATH holds only java. */
    static Map<String, String> noPythonEnv(Path tmp) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("java"), Paths.get(System.getProperty("java.home"), "bin", "java"));
        Path home = Files.createDirectories(tmp.resolve("home"));
        Map<String, String> env = new HashMap<>();
        env.put("PATH", bin.toString());
        env.put("HOME", home.toString());
        for (String k : new String[] {
            "PYBRIDGE_PYTHON",
            "VIRTUAL_ENV",
            "PYTHONHOME",
            "PYTHONPATH",
            "CONDA_PREFIX",
            "XDG_CACHE_HOME",
            "LD_LIBRARY_PATH"
        }) {
            env.put(k, null);
        }
        return env;
    }

    private static void check(String minor, String out, Path cache) throws IOException {
        String c = cache.toRealPath().toString();
        assertTrue(out, out.contains("reason=the CPython runtime on the class path (cpython-" + minor));
        assertTrue(out, out.contains("version=" + minor + "."));
        assertTrue(out, out.contains("prefix=" + c + "/python/"));
        assertTrue(out, out.contains("numpyFile=" + c + "/packages/"));
        assertTrue(out, out.contains("noUserSite=1"));
        assertTrue(out, out.contains("sum=499500.0"));
        assertTrue(out, out.contains("firstPackagesBeforeSite=true"));
        assertTrue(out, out.contains("subInterpreterHasPackages=true"));
        assertFalse(out, out.contains("pathHasPython=true"));
    }

    /** Every path under {@code dir}, sorted (the cache's content). */
    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().collect(Collectors.toList());
        }
    }

    /** The child: starts Python with no configuration and imports numpy. */
    public static final class Main {
        public static void main(String[] args) {
            PythonInfo info = Python.initialize();
            System.out.println("reason=" + info.reason());
            System.out.println("version=" + info.version());
            System.out.println("prefix=" + info.prefix());
            PyObject np = Python.importModule("numpy");
            System.out.println("numpyFile=" + np.getAttr("__file__").toJava());
            System.out.println("sum="
                    + np.callAttr("arange", 1000)
                            .callAttr("sum")
                            .callAttr("__float__")
                            .toJava());
            PyObject sys = Python.importModule("sys");
            System.out.println(
                    "noUserSite=" + sys.getAttr("flags").getAttr("no_user_site").toJava());
            List<?> path = (List<?>) sys.getAttr("path").toJava();
            int pkg = -1;
            int site = -1;
            for (int i = 0; i < path.size(); i++) {
                String p = String.valueOf(path.get(i));
                if (pkg < 0 && p.contains("/packages/")) {
                    pkg = i;
                }
                if (site < 0 && p.endsWith("site-packages")) {
                    site = i;
                }
            }
            System.out.println("firstPackagesBeforeSite=" + (pkg >= 0 && (site < 0 || pkg < site)));
            // A sub-interpreter gets the packages jars' trees on its sys.path too.
            try (Interpreter in = Python.newInterpreter()) {
                List<?> subPath = in.call(() ->
                        (List<?>) Python.importModule("sys").getAttr("path").toJava());
                System.out.println("subInterpreterHasPackages="
                        + subPath.stream().anyMatch(p -> String.valueOf(p).contains("/packages/")));
            }
            String envPath = System.getenv("PATH");
            System.out.println("pathHasPython=" + (PythonLocator.findOnPath("python3") != null));
            System.out.println("PATH=" + envPath + " sys.path=" + path);
            System.out.println("OK");
            System.exit(0);
        }
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;
import static org.junit.Assume.assumeNotNull;
import static org.junit.Assume.assumeTrue;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Finding and starting Python, end to end in child JVMs: every way it can
 * fail gives a {@link PythonInitializationException} that says what was
 * tried and how to fix it, and the JVM keeps running; zero-config discovery
 * through {@code VIRTUAL_ENV} and {@code PATH}; a hostile environment
 * ({@code PYTHONHOME} at a venv, {@code PYTHONFAULTHANDLER=1}).
 */
public class InitE2ETest {
    private static final String DEBIAN_LIBPYTHON =
            "/usr/lib/" + NativeLibrariesTest.multiarch() + "/libpython3.11.so.1.0";
    private static final String PYENV_PYTHON = "/root/.pyenv/versions/3.11.7/bin/python3";

    /** What the test python (the one libpybridge.so was built against) reports. */
    private static Map<String, String> facts;

    @BeforeClass
    public static void askPython() throws Exception {
        String py = ChildJvm.python();
        assumeNotNull("no test python configured (pybridge.test.python / PYBRIDGE_PYTHON)", py);
        facts = E2E.realFacts(py);
    }

    /** The version pybridge was built for (the test python's X.Y). */
    private static String builtFor() {
        return facts.get("version_short");
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /**
     * Runs {@link InitFails} and returns the exception message it printed;
     * the failure must come before any libpython was loaded.
     */
    private static String initFailure(Map<String, String> env) {
        return initFailure(env, builtFor());
    }

    /** As {@link #initFailure(Map)}; {@code builtFor}: the Python X.Y pybridge was built for. */
    static String initFailure(Map<String, String> env, String builtFor) {
        ChildJvm.Result r = ChildJvm.run(InitFails.class, env, 90, builtFor);
        E2E.assertChildOk(r, "RESULT ok init-fails");
        String msg = E2E.line(r, "RESULT message=");
        assertNotNull("no message printed: " + r, msg);
        assertEquals(
                "second attempt also failed cleanly: " + r,
                "PythonInitializationException",
                E2E.line(r, "RESULT second="));
        assertEquals("refused before any libpython was loaded: " + r, "[]", E2E.line(r, "RESULT mapped="));
        return msg;
    }

    // ---- 2. initialization failures -------------------------------------------------------

    @Test
    public void nonexistentPybridgePython() {
        String msg = initFailure(env("PYBRIDGE_PYTHON", "/nonexistent/python"));
        assertTrue(msg, msg.contains("/nonexistent/python"));
        assertTrue(msg, msg.contains("does not exist"));
        assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON"));
    }

    @Test
    public void brokenVirtualenv() throws Exception {
        Path empty = Files.createTempDirectory("pybridge-empty-venv");
        try {
            String msg = initFailure(env("PYBRIDGE_PYTHON", null, "VIRTUAL_ENV", empty.toString()));
            assertTrue(msg, msg.contains("VIRTUAL_ENV=" + empty));
            assertTrue(
                    "names the executable it looked for: " + msg,
                    msg.contains(empty.resolve("bin/python").toString()));
            assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON"));
        } finally {
            Files.deleteIfExists(empty);
        }
    }

    @Test
    public void noPythonAnywhere() throws Exception {
        Path emptyBin = Files.createTempDirectory("pybridge-empty-path");
        try {
            String msg = initFailure(env("PYBRIDGE_PYTHON", null, "VIRTUAL_ENV", null, "PATH", emptyBin.toString()));
            assertTrue(msg, msg.contains("no Python found"));
            assertTrue(
                    "lists what was tried: " + msg,
                    msg.contains("PYBRIDGE_PYTHON (not set)")
                            && msg.contains("VIRTUAL_ENV (not set)")
                            && msg.contains("python3 on PATH (not found)"));
            assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON=/path/to/python3"));
            assertTrue(
                    "names the runtime jar as a way out: " + msg,
                    msg.contains("a CPython runtime jar on the class path (none)")
                            && msg.contains("org.bytedeco:cpython:<version>:linux-x86_64"));
        } finally {
            Files.deleteIfExists(emptyBin);
        }
    }

    @Test
    public void pythonWithoutSharedLibrary() throws Exception {
        Map<String, String> f = new LinkedHashMap<>(facts);
        f.put("enable_shared", "0");
        Path fake = E2E.fakePython(f);
        String msg = initFailure(env("PYBRIDGE_PYTHON", fake.toString()));
        assertTrue(msg, msg.contains(fake.toString()));
        assertTrue("says how to fix: " + msg, msg.contains("--enable-shared"));
    }

    /** A Python X.Y the jar has no native library for (3.8: PyO3 0.30 needs 3.9+) is refused, naming those it has. */
    @Test
    public void pythonOfAVersionWithoutNativeLibrary() throws Exception {
        Map<String, String> f = new LinkedHashMap<>(facts);
        f.put("version_short", "3.8");
        f.put("version", "3.8.18 (default, Jan  1 2026, 00:00:00) \n[GCC 12.2.0]");
        Path fake = E2E.fakePython(f);
        String msg = initFailure(env("PYBRIDGE_PYTHON", fake.toString()));
        if (NativeLoader.override() != null) {
            // the fast loop's -Dpybridge.native: its version comes from the libpython it links
            assertTrue("says what the library was built for: " + msg, msg.contains("built for Python " + builtFor()));
        } else {
            assertTrue(
                    "names the versions the jar has: " + msg,
                    msg.contains("native libraries for Python " + String.join(", ", NativeLoader.versions())));
            assertTrue(
                    "the jar has the test python's version: " + NativeLoader.versions(),
                    NativeLoader.versions().contains(builtFor()));
        }
        assertTrue("says what it found: " + msg, msg.contains("is Python 3.8"));
        assertTrue(msg, msg.contains(fake.toString()));
        assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON"));
    }

    /**
     * A free-threaded Python ({@code Py_GIL_DISABLED}) has another ABI than the GIL build of its
     * X.Y: it is never given the GIL build's library. The test python's own facts, but free-threaded:
     * refused before anything is loaded, naming it free-threaded.
     */
    @Test
    public void aFreeThreadedPythonIsNotGivenTheGilBuildsLibrary() throws Exception {
        assumeFalse("the test python is free-threaded already", "1".equals(facts.get("gil_disabled")));
        Map<String, String> f = new LinkedHashMap<>(facts);
        f.put("gil_disabled", "1");
        Path fake = E2E.fakePython(f);
        String msg = initFailure(env("PYBRIDGE_PYTHON", fake.toString()));
        assertTrue("says what it found: " + msg, msg.contains("is Python " + builtFor() + " (free-threaded)"));
        if (NativeLoader.override() != null) {
            assertTrue("says what the library was built for: " + msg, msg.contains("built for Python " + builtFor()));
        } else {
            assertTrue(
                    "names the versions the jar has: " + msg,
                    msg.contains("native libraries for Python " + String.join(", ", NativeLoader.versions())));
        }
        assertTrue(msg, msg.contains(fake.toString()));
    }

    /**
     * A self-built library ({@code -Dpybridge.native}) is checked against the Python found by the
     * libpython it links, not by the jar's facts: one built for another X.Y is refused before
     * anything is loaded.
     */
    @Test
    public void selfBuiltLibraryOfAnotherVersionIsRefused() throws Exception {
        String other = null;
        Path lib = null;
        for (String v : NativeLoader.versions()) {
            URL u = InitE2ETest.class.getResource(NativeLoader.resourceDir(v) + "libpybridge.so");
            if (!v.equals(builtFor()) && u != null && "file".equals(u.getProtocol())) {
                other = v;
                lib = Paths.get(u.toURI());
                break;
            }
        }
        assumeNotNull("no library for another Python version among the classpath resources", lib);
        assertEquals(
                "the library's own libpython names its version",
                other,
                Elf.read(lib).pythonVersion());
        ChildJvm.Result r = ChildJvm.run(InitFails.class, env(), List.of("-Dpybridge.native=" + lib), 90);
        E2E.assertChildOk(r, "RESULT ok init-fails");
        String msg = E2E.line(r, "RESULT message=");
        assertTrue(
                "names the library and its version: " + msg,
                msg.contains(lib.toString()) && msg.contains("built for Python " + other));
        assertTrue("says what it found: " + msg, msg.contains("is Python " + builtFor()));
        assertTrue("says how to fix: " + msg, msg.contains("cargo build --release"));
        assertEquals("refused before any libpython was loaded: " + r, "[]", E2E.line(r, "RESULT mapped="));
    }

    /** The self-built library of the test python's version is accepted (the fast loop's path). */
    @Test
    public void selfBuiltLibraryOfTheSameVersionStarts() throws Exception {
        Path lib = null;
        URL u = InitE2ETest.class.getResource(NativeLoader.resourceDir(builtFor()) + "libpybridge.so");
        if (u != null && "file".equals(u.getProtocol())) {
            lib = Paths.get(u.toURI());
        } else if (NativeLoader.override() != null) {
            lib = Paths.get(NativeLoader.override());
        }
        assumeNotNull("no library for the test python among the classpath resources or -Dpybridge.native", lib);
        ChildJvm.Result r = ChildJvm.run(Starts.class, env(), List.of("-Dpybridge.native=" + lib), 90);
        E2E.assertChildOk(r, "RESULT ok starts");
        assertEquals(r.toString(), "2", E2E.line(r, "RESULT sum="));
    }

    /** Child: starts Python and adds 1 + 1. */
    public static final class Starts {
        public static void main(String[] args) {
            E2E.child("starts", args, a -> System.out.println("RESULT sum=" + Python.eval("1 + 1", Long.class)));
        }
    }

    @Test
    public void wrongLibpythonIsRefusedWithoutACrash() throws Exception {
        assumeTrue("Debian's libpython3.11 is not installed", Files.isRegularFile(Paths.get(DEBIAN_LIBPYTHON)));
        assumeTrue("pyenv's 3.11.7 is not installed", Files.isExecutable(Paths.get(PYENV_PYTHON)));
        Map<String, String> pyenv = E2E.realFacts(PYENV_PYTHON);
        assumeTrue("test python is not 3.11", "3.11".equals(builtFor()));
        Map<String, String> f = new LinkedHashMap<>(pyenv);
        f.put("libdir", Paths.get(DEBIAN_LIBPYTHON).getParent().toString());
        f.put("instsoname", Paths.get(DEBIAN_LIBPYTHON).getFileName().toString());
        f.put("ldlibrary", "libpython3.11.so");
        Path fake = E2E.fakePython(f);
        String msg = initFailure(env("PYBRIDGE_PYTHON", fake.toString()));
        assertTrue(
                "names the other libpython or the version mismatch: " + msg,
                msg.contains("different libpython") || msg.contains("version"));
        assertTrue("shows the version the executable reported: " + msg, msg.contains("3.11.7"));
        assertTrue("names the library that was loaded: " + msg, msg.contains(DEBIAN_LIBPYTHON));
        assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON"));
    }

    /**
     * Child: initialize must throw PythonInitializationException; prints the
     * message, tries once more, and shows the JVM is still fine.
     * args[0]: the Python X.Y pybridge was built for, used when the build
     * facts are not on the classpath (the fast ./dev junit loop has no jar
     * resources).
     */
    public static final class InitFails {
        public static void main(String[] args) {
            E2E.child("init-fails", args, a -> {
                try {
                    PythonInfo i = Python.initialize();
                    throw new AssertionError("initialize() succeeded: " + i);
                } catch (PythonInitializationException e) {
                    System.out.println("RESULT message=" + E2E.oneLine(e.getMessage()));
                }
                check(!Python.isInitialized(), "isInitialized() after a failure");
                System.out.println("RESULT mapped=" + E2E.mappedLibpythons());
                try {
                    Python.eval("1 + 1", Long.class);
                    System.out.println("RESULT second=succeeded");
                } catch (PythonInitializationException e) {
                    System.out.println("RESULT second=PythonInitializationException");
                    System.out.println("INFO second message: " + E2E.oneLine(e.getMessage()));
                }
                // the JVM itself keeps going
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 1000; i++) {
                    sb.append(i % 10);
                }
                checkEq(1000, sb.length(), "JVM still runs Java code");
                System.gc();
            });
        }
    }

    // ---- zero-config discovery --------------------------------------------------------------

    @Test
    public void discoversActiveVirtualenv() throws Exception {
        Path venv = E2E.venvDir();
        assumeNotNull("the test python is not a virtualenv", venv);
        ChildJvm.Result r =
                ChildJvm.run(Discover.class, env("PYBRIDGE_PYTHON", null, "VIRTUAL_ENV", venv.toString()), 90);
        E2E.assertChildOk(r, "RESULT ok discover");
        String reason = E2E.line(r, "RESULT reason=");
        assertTrue(r.toString(), reason != null && reason.contains("VIRTUAL_ENV"));
        assertTrue(r.toString(), reason.contains(venv.toString()));
        assertEquals(r.toString(), venv.toString(), E2E.line(r, "RESULT prefix="));
        assertTrue("numpy imported: " + r, E2E.line(r, "RESULT numpy=").matches("\\d+\\.\\d+.*"));
    }

    @Test
    public void discoversPython3OnPath() throws Exception {
        Path venv = E2E.venvDir();
        assumeNotNull("the test python is not a virtualenv", venv);
        Path bin = venv.resolve("bin");
        assumeTrue(Files.isExecutable(bin.resolve("python3")));
        String path = bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        ChildJvm.Result r =
                ChildJvm.run(Discover.class, env("PYBRIDGE_PYTHON", null, "VIRTUAL_ENV", null, "PATH", path), 90);
        E2E.assertChildOk(r, "RESULT ok discover");
        String reason = E2E.line(r, "RESULT reason=");
        assertEquals(r.toString(), "python3 on PATH (" + bin.resolve("python3") + ")", reason);
        assertEquals(r.toString(), bin.resolve("python3").toString(), E2E.line(r, "RESULT executable="));
        assertTrue("numpy imported: " + r, E2E.line(r, "RESULT numpy=").matches("\\d+\\.\\d+.*"));
    }

    /** Child: zero-config initialize; prints how Python was chosen and imports numpy. */
    public static final class Discover {
        public static void main(String[] args) {
            E2E.child("discover", args, a -> {
                PythonInfo info = Python.initialize();
                System.out.println("INFO " + info);
                System.out.println("RESULT reason=" + info.reason());
                System.out.println("RESULT executable=" + info.executable());
                System.out.println("RESULT prefix=" + info.prefix());
                checkEq(info.executable(), Python.eval("__import__('sys').executable", String.class), "sys.executable");
                try (PyObject np = Python.importModule("numpy")) {
                    checkEq(
                            10L,
                            np.callAttr("arange", 5).callAttr("sum").callAttrAs(Long.class, "item"),
                            "numpy works");
                    System.out.println("RESULT numpy=" + np.getAttr("__version__", String.class));
                }
            });
        }
    }

    // ---- 3. hostile environment -------------------------------------------------------------

    @Test
    public void pythonHomeAndFaulthandlerInTheEnvironmentAreNeutralised() throws Exception {
        Path venv = E2E.venvDir();
        assumeNotNull("the test python is not a virtualenv", venv);
        String py = ChildJvm.python();
        ChildJvm.Result r = ChildJvm.run(
                Hostile.class,
                env("PYTHONFAULTHANDLER", "1", "PYTHONHOME", venv.toString(), "PYBRIDGE_PYTHON", py),
                120,
                facts.get("executable"),
                facts.get("version"),
                facts.get("prefix"));
        E2E.assertChildOk(r, "RESULT ok hostile");
        assertEquals(r.toString(), "False", E2E.line(r, "RESULT faulthandler="));
        // printed with its newline escaped (3.9's sys.version has one)
        assertEquals(r.toString(), facts.get("version").replace("\n", "\\n"), E2E.line(r, "RESULT version="));
        assertEquals(r.toString(), facts.get("executable"), E2E.line(r, "RESULT executable="));
        assertTrue("numpy imported: " + r, E2E.line(r, "RESULT numpy=").matches("\\d+\\.\\d+.*"));
        assertEquals("implicit null checks still work: " + r, "200000", E2E.line(r, "RESULT npes="));
    }

    /**
     * Child: starts with PYTHONHOME at a venv and PYTHONFAULTHANDLER=1.
     * args: expected sys.executable, sys.version, sys.prefix.
     */
    public static final class Hostile {
        public static void main(String[] args) {
            E2E.child("hostile", args, a -> {
                check("1".equals(System.getenv("PYTHONFAULTHANDLER")), "PYTHONFAULTHANDLER is set");
                check(System.getenv("PYTHONHOME") != null, "PYTHONHOME is set");
                PythonInfo info = Python.initialize();
                System.out.println("INFO " + info);
                Python.exec("import sys, faulthandler");
                System.out.println(
                        "RESULT faulthandler=" + Python.eval("repr(faulthandler.is_enabled())", String.class));
                String version = Python.eval("sys.version", String.class);
                String exe = Python.eval("sys.executable", String.class);
                System.out.println("RESULT version=" + version.replace("\n", "\\n"));
                System.out.println("RESULT executable=" + exe);
                checkEq(a[0], exe, "sys.executable");
                checkEq(a[1], version, "sys.version");
                checkEq(a[2], Python.eval("sys.prefix", String.class), "sys.prefix (the venv is honoured)");
                checkEq(version, info.version(), "PythonInfo.version");
                checkEq(exe, info.executable(), "PythonInfo.executable");
                try (PyObject np = Python.importModule("numpy")) {
                    checkEq(
                            3L,
                            np.callAttr("ones", 3).callAttr("sum").callAttrAs(Long.class, "__int__"),
                            "numpy works");
                    System.out.println("RESULT numpy=" + np.getAttr("__version__", String.class));
                }
                // HotSpot still owns SIGSEGV: implicit null checks in compiled code raise NPEs.
                int npes = 0;
                for (int i = 0; i < 200_000; i++) {
                    try {
                        nullDeref(null);
                    } catch (NullPointerException e) {
                        npes++;
                    }
                }
                System.out.println("RESULT npes=" + npes);
                checkEq(4L, Python.eval("2 + 2", Long.class), "Python after the NPEs");
            });
        }

        private static int nullDeref(int[] a) {
            return a.length;
        }
    }
}

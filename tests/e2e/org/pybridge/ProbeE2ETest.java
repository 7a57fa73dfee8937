package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeNotNull;
import static org.junit.Assume.assumeTrue;
import static org.pybridge.E2E.check;
import static org.pybridge.InitE2ETest.env;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.After;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Start-up cannot be hijacked or hung through the executable pybridge asks
 * about itself: the question runs isolated from the JVM's working directory,
 * the libpython named in the answer is checked before anything is loaded,
 * and an executable that never answers or floods its output is killed in
 * time, with everything it started (issue 12).
 */
public class ProbeE2ETest {
    private static final String DEBIAN_LIBPYTHON =
            "/usr/lib/" + NativeLibrariesTest.multiarch() + "/libpython3.11.so.1.0";

    /** What the test python reports. */
    private static Map<String, String> facts;

    @BeforeClass
    public static void askPython() throws Exception {
        String py = ChildJvm.python();
        assumeNotNull("no test python configured (pybridge.test.python / PYBRIDGE_PYTHON)", py);
        facts = E2E.realFacts(py);
    }

    /** Temporary directories of the current test, deleted after it. */
    private final List<Path> temps = new ArrayList<>();

    @After
    public void deleteTemps() {
        for (Path t : temps) {
            E2E.deleteTree(t);
        }
    }

    private Path tempDir(String prefix) throws IOException {
        Path d = Files.createTempDirectory(prefix);
        temps.add(d);
        return d;
    }

    private static String builtFor() {
        return facts.get("version_short");
    }

    /** The real path of the test python's libpython (in LIBDIR, else in its installation: the locator's order). */
    private static String realLibpython() throws IOException {
        Path inLibdir = Paths.get(facts.get("libdir"), facts.get("instsoname"));
        if (Files.exists(inLibdir)) {
            return inLibdir.toRealPath().toString();
        }
        return libpythonInTheInstallation().toString();
    }

    /** Any real ELF shared library that is not a libpython (its content does not matter: it must not load). */
    private static Path someSharedLibrary() {
        String m = NativeLibrariesTest.multiarch();
        for (String c :
                new String[] {"/usr/lib/" + m + "/libz.so.1", "/lib/" + m + "/libz.so.1", "/usr/lib/" + m + "/libm.so.6"
                }) {
            if (Files.isRegularFile(Paths.get(c))) {
                return Paths.get(c);
            }
        }
        assumeTrue("needs a system shared library such as libz.so.1", false);
        return null;
    }

    /** A fake installation directory: its lib/ gets whatever the test puts there. */
    private Path fakeInstallation() throws IOException {
        Path base = tempDir("pybridge-fakeinst");
        Files.createDirectories(base.resolve("lib"));
        return base;
    }

    private static Map<String, String> factsWith(String... kv) {
        Map<String, String> f = new LinkedHashMap<>(facts);
        for (int i = 0; i < kv.length; i += 2) {
            f.put(kv[i], kv[i + 1]);
        }
        return f;
    }

    private String refused(Map<String, String> f) throws IOException {
        Path fake = E2E.fakePython(f);
        temps.add(fake.getParent());
        String msg = InitE2ETest.initFailure(env("PYBRIDGE_PYTHON", fake.toString()), builtFor());
        assertTrue("names the executable: " + msg, msg.contains(fake.toString()));
        assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON"));
        return msg;
    }

    // ---- 1. a sysconfig.py planted in the JVM's working directory ------------------------------

    @Test
    public void aSysconfigPlantedInTheWorkingDirectoryNeitherRunsNorAnswers() throws Exception {
        Path cwd = tempDir("pybridge-hostile-cwd");
        Path marker = cwd.resolve("PLANTED-SYSCONFIG-RAN");
        Path bogus = Files.createDirectories(cwd.resolve("bogus-lib"));
        Files.copy(someSharedLibrary(), bogus.resolve("libpython" + builtFor() + ".so.1.0"));
        String planted = String.join(
                "\n",
                "open(" + pyStr(marker.toString()) + ", 'w').write('the planted sysconfig.py ran')",
                "_bogus = {'LIBDIR': " + pyStr(bogus.toString()) + ", 'LDLIBRARY': 'libpython" + builtFor()
                        + ".so', 'INSTSONAME': 'libpython" + builtFor() + ".so.1.0', 'Py_ENABLE_SHARED': 1}",
                "def get_config_var(name):",
                "    return _bogus.get(name)",
                "");
        Files.write(cwd.resolve("sysconfig.py"), planted.getBytes(StandardCharsets.UTF_8));
        ChildJvm.Result r = ChildJvm.run(StartAndReport.class, null, List.of(), cwd, 120);
        assertFalse("the planted sysconfig.py ran: " + r, Files.exists(marker));
        E2E.assertChildOk(r, "RESULT ok start-and-report");
        assertEquals(
                "the libpython came from the real sysconfig: " + r, realLibpython(), E2E.line(r, "RESULT libpython="));
        assertEquals(r.toString(), "[" + realLibpython() + "]", E2E.line(r, "RESULT mapped="));
    }

    private static String pyStr(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Child: initialize and say which libpython was chosen and is mapped. */
    public static final class StartAndReport {
        public static void main(String[] args) {
            E2E.child("start-and-report", args, a -> {
                PythonInfo info = Python.initialize();
                System.out.println("RESULT libpython=" + info.libpython());
                System.out.println("RESULT mapped=" + E2E.mappedLibpythons());
                check(Python.eval("1 + 1", Long.class) == 2L, "Python works");
            });
        }
    }

    // ---- 2. a lying executable: the libpython it names is checked before loading ---------------

    @Test
    public void debiansOtherLibpythonNamedByALiarIsRefusedBeforeLoading() throws Exception {
        assumeTrue("Debian's libpython3.11 is not installed", Files.isRegularFile(Paths.get(DEBIAN_LIBPYTHON)));
        assumeTrue("test python is not 3.11", "3.11".equals(builtFor()));
        // The test python's own facts, but its LIBDIR is Debian's.
        String msg = refused(factsWith(
                "libdir",
                Paths.get(DEBIAN_LIBPYTHON).getParent().toString(),
                "instsoname",
                "libpython3.11.so.1.0",
                "ldlibrary",
                "libpython3.11.so"));
        assertTrue("names the library: " + msg, msg.contains(DEBIAN_LIBPYTHON));
        assertTrue("says it is outside the installation: " + msg, msg.contains("outside its installation"));
        assertTrue(
                "names the installation: " + msg,
                msg.contains(Paths.get(facts.get("base_prefix")).toRealPath().toString()));
    }

    @Test
    public void aLibpythonOfAnotherVersionIsRefusedBeforeLoading() throws Exception {
        Path base = fakeInstallation();
        String other = "3.12".equals(builtFor()) ? "3.11" : "3.12";
        Files.copy(someSharedLibrary(), base.resolve("lib/libpython" + other + ".so.1.0"));
        String msg = refused(factsWith(
                "prefix",
                base.toString(),
                "base_prefix",
                base.toString(),
                "libdir",
                base.resolve("lib").toString(),
                "instsoname",
                "libpython" + other + ".so.1.0",
                "ldlibrary",
                "libpython" + other + ".so"));
        assertTrue(
                "names the library: " + msg,
                msg.contains(base.resolve("lib/libpython" + other + ".so.1.0").toString()));
        assertTrue(
                "says it is not a libpython of the version: " + msg,
                msg.contains("not the file name of a libpython " + builtFor()));
    }

    @Test
    public void aLinkOutOfTheInstallationIsRefusedBeforeLoading() throws Exception {
        Path base = fakeInstallation();
        // A libpython of the right name inside the installation, linked to one outside it.
        String name = "libpython" + builtFor() + ".so.1.0";
        Path outside = tempDir("pybridge-elsewhere").resolve(name);
        Files.copy(someSharedLibrary(), outside);
        Files.createSymbolicLink(base.resolve("lib/" + name), outside);
        String msg = refused(factsWith(
                "prefix",
                base.toString(),
                "base_prefix",
                base.toString(),
                "libdir",
                base.resolve("lib").toString(),
                "instsoname",
                name,
                "ldlibrary",
                "libpython" + builtFor() + ".so"));
        assertTrue(
                "names the link and its target: " + msg,
                msg.contains(base.resolve("lib/" + name).toString())
                        && msg.contains(outside.toRealPath().toString()));
        assertTrue("says it is outside the installation: " + msg, msg.contains("outside its installation"));
    }

    @Test
    public void aLibdirOutsideTheInstallationIsRefusedBeforeLoading() throws Exception {
        String name = "libpython" + builtFor() + ".so.1.0";
        Path elsewhere = tempDir("pybridge-elsewhere");
        Files.copy(someSharedLibrary(), elsewhere.resolve(name));
        String msg = refused(factsWith("libdir", elsewhere.toString(), "instsoname", name));
        assertTrue(
                "names the library: " + msg,
                msg.contains(elsewhere.resolve(name).toString()));
        assertTrue("says it is outside the installation: " + msg, msg.contains("outside its installation"));
    }

    @Test
    public void aLibpythonThatIsNotASharedLibraryIsRefusedBeforeLoading() throws Exception {
        Path base = fakeInstallation();
        String name = "libpython" + builtFor() + ".so.1.0";
        Files.write(base.resolve("lib/" + name), "not a library\n".getBytes(StandardCharsets.UTF_8));
        String msg = refused(factsWith(
                "prefix",
                base.toString(),
                "base_prefix",
                base.toString(),
                "libdir",
                base.resolve("lib").toString(),
                "instsoname",
                name));
        assertTrue("says what is wrong: " + msg, msg.contains("not an ELF shared library"));
    }

    // ---- 2b. a LIBDIR that holds no libpython: the installation is searched, nothing else --------
    // (a relocated build, such as JavaCPP's CPython 3.14 from Maven Central, reports the directory it
    // was built in as LIBDIR; its libpython3.Y.so.1.0 lies at the top of its installation)

    /** A LIBDIR that exists nowhere: the builder's path of a relocated build. */
    private static final String BUILDERS_LIBDIR = "/nonexistent/builder/cppbuild/linux-x86_64/lib";

    /** Where the test python's own libpython lies in its installation (lib, lib64, top), or skipped. */
    private static Path libpythonInTheInstallation() throws IOException {
        Path base = Paths.get(facts.get("base_prefix")).toRealPath();
        for (String dir : PythonLocator.INSTALLATION_LIB_DIRS) {
            for (String name : new String[] {facts.get("instsoname"), facts.get("ldlibrary")}) {
                Path c = base.resolve(dir).resolve(name).normalize();
                if (!name.isEmpty() && Files.exists(c)) {
                    return c.toRealPath();
                }
            }
        }
        assumeTrue(
                "the test python's libpython is not in its installation's lib, lib64 or top directory"
                        + " (e.g. Debian's, in /usr/lib/x86_64-linux-gnu)",
                false);
        return null;
    }

    @Test
    public void aLibdirThatDoesNotExistIsReplacedByTheLibpythonInsideTheInstallation() throws Exception {
        Path expected = libpythonInTheInstallation();
        Path fake = E2E.fakePython(factsWith("libdir", BUILDERS_LIBDIR));
        temps.add(fake.getParent());
        ChildJvm.Result r =
                ChildJvm.run(StartAndReport.class, env("PYBRIDGE_PYTHON", fake.toString()), List.of(), null, 120);
        E2E.assertChildOk(r, "RESULT ok start-and-report");
        assertEquals(
                "the installation's own libpython was chosen: " + r,
                expected.toString(),
                E2E.line(r, "RESULT libpython="));
        assertEquals("and is the only one mapped: " + r, "[" + expected + "]", E2E.line(r, "RESULT mapped="));
    }

    @Test
    public void aLibdirThatDoesNotExistAndNoLibpythonInTheInstallationIsRefused() throws Exception {
        Path base = fakeInstallation();
        // A libpython of the right version elsewhere: never looked for there.
        Path elsewhere = tempDir("pybridge-elsewhere");
        Files.copy(someSharedLibrary(), elsewhere.resolve("libpython" + builtFor() + ".so.1.0"));
        String msg = refused(factsWith(
                "prefix",
                base.toString(),
                "base_prefix",
                base.toString(),
                "libdir",
                BUILDERS_LIBDIR,
                "instsoname",
                "libpython" + builtFor() + ".so.1.0"));
        assertTrue("says it was not found: " + msg, msg.contains("was not found"));
        assertTrue(
                "names the installation's directories tried: " + msg,
                msg.contains(base.toRealPath()
                                .resolve("lib/libpython" + builtFor() + ".so.1.0")
                                .toString())
                        && msg.contains(base.toRealPath()
                                .resolve("libpython" + builtFor() + ".so.1.0")
                                .toString()));
        assertFalse("never looks elsewhere: " + msg, msg.contains(elsewhere.toString()));
    }

    @Test
    public void aLinkOutOfTheInstallationAtItsTopIsRefusedWhenLibdirHoldsNone() throws Exception {
        Path base = fakeInstallation();
        String name = "libpython" + builtFor() + ".so.1.0";
        Path outside = tempDir("pybridge-elsewhere").resolve(name);
        Files.copy(someSharedLibrary(), outside);
        Files.createSymbolicLink(base.resolve(name), outside);
        String msg = refused(factsWith(
                "prefix",
                base.toString(),
                "base_prefix",
                base.toString(),
                "libdir",
                BUILDERS_LIBDIR,
                "instsoname",
                name));
        assertTrue(
                "names the link and its target: " + msg,
                msg.contains(base.toRealPath().resolve(name).toString())
                        && msg.contains(outside.toRealPath().toString()));
        assertTrue("says it is outside the installation: " + msg, msg.contains("outside its installation"));
    }

    @Test
    public void aFileThatIsNotALibraryAtTheInstallationsTopIsRefusedWhenLibdirHoldsNone() throws Exception {
        Path base = fakeInstallation();
        String name = "libpython" + builtFor() + ".so.1.0";
        Files.write(base.resolve(name), "not a library\n".getBytes(StandardCharsets.UTF_8));
        String msg = refused(factsWith(
                "prefix",
                base.toString(),
                "base_prefix",
                base.toString(),
                "libdir",
                BUILDERS_LIBDIR,
                "instsoname",
                name));
        assertTrue("says what is wrong: " + msg, msg.contains("not an ELF shared library"));
    }

    // ---- 3. an executable that never answers, or floods its output ------------------------------

    /** A fake python running {@code body} (bash); the marker is in its processes' command lines. */
    private Path script(String body) throws IOException {
        Path dir = tempDir("pybridge-fakepy");
        Path exe = dir.resolve("python");
        Files.write(exe, ("#!/bin/bash\n" + body + "\n").getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return exe;
    }

    private static ChildJvm.Result probeFails(Path fake, String marker) {
        long t0 = System.nanoTime();
        ChildJvm.Result r = ChildJvm.run(
                ProbeFails.class,
                env("PYBRIDGE_PYTHON", fake.toString()),
                List.of("-Dpybridge.probeTimeoutMillis=1500"),
                60,
                marker);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<String> left = E2E.processesWith(marker);
        for (String l : left) {
            // clean up after a failing run so that the machine is not left with them
            ProcessHandle.of(Long.parseLong(l.substring(0, l.indexOf(':')))).ifPresent(ProcessHandle::destroyForcibly);
        }
        E2E.assertChildOk(r, "RESULT ok probe-fails");
        assertEquals("probe processes left running after the child JVM ended: " + left, List.of(), left);
        assertTrue("the child JVM took " + ms + " ms", ms < 30_000);
        assertEquals("nothing was loaded: " + r, "[]", E2E.line(r, "RESULT mapped="));
        return r;
    }

    @Test
    public void anExecutableThatNeverAnswersIsKilledWithWhatItStarted() throws Exception {
        String marker = "pybridge-hang-" + UUID.randomUUID();
        // A child that keeps the output open, then the probe itself sleeping: both must go.
        Path fake = script("( exec -a " + marker + " sleep 100000 ) &\nexec -a " + marker + " sleep 100000");
        ChildJvm.Result r = probeFails(fake, marker);
        String msg = E2E.line(r, "RESULT message=");
        assertTrue("says what happened: " + msg, msg.contains("did not answer within 1.5 s"));
        assertTrue("says it was killed, with its child: " + msg, msg.contains("killed with the 1 process it started"));
        assertTrue("says how to raise the limit: " + msg, msg.contains("-Dpybridge.probeTimeoutMillis="));
        assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON"));
        long ms = Long.parseLong(E2E.line(r, "RESULT millis="));
        assertTrue("initialize() gave up after " + ms + " ms (limit 1500)", ms >= 1400 && ms < 8000);
        assertEquals("probe processes alive in the child: " + r, "[]", E2E.line(r, "RESULT left="));
    }

    @Test
    public void anExecutableThatFloodsItsOutputIsStopped() throws Exception {
        String marker = "pybridge-flood-" + UUID.randomUUID();
        Path fake = script("exec -a " + marker + " yes " + marker);
        ChildJvm.Result r = probeFails(fake, marker);
        String msg = E2E.line(r, "RESULT message=");
        assertTrue("says what happened: " + msg, msg.contains("printed more than 64 KiB"));
        assertTrue("says how to fix: " + msg, msg.contains("PYBRIDGE_PYTHON"));
        long ms = Long.parseLong(E2E.line(r, "RESULT millis="));
        assertTrue("initialize() gave up after " + ms + " ms", ms < 1400);
        assertEquals("probe processes alive in the child: " + r, "[]", E2E.line(r, "RESULT left="));
    }

    /**
     * Child: initialize must fail with PythonInitializationException; prints
     * the message, how long it took, and the probe processes still alive
     * (args[0]: the marker in their command lines).
     */
    public static final class ProbeFails {
        public static void main(String[] args) {
            E2E.child("probe-fails", args, a -> {
                long t0 = System.nanoTime();
                try {
                    Python.initialize();
                    throw new AssertionError("initialize() succeeded");
                } catch (PythonInitializationException e) {
                    System.out.println("RESULT millis=" + (System.nanoTime() - t0) / 1_000_000);
                    System.out.println("RESULT message=" + E2E.oneLine(e.getMessage()));
                }
                // killed processes need a moment to be gone from /proc
                List<String>[] left = new List[1];
                E2E.waitFor(3000, () -> (left[0] = E2E.processesWith(a[0])).isEmpty());
                System.out.println("RESULT left=" + left[0]);
                System.out.println("RESULT mapped=" + E2E.mappedLibpythons());
            });
        }
    }

    @Test
    public void theRealPythonStillStartsWithAShortProbeLimit() throws Exception {
        ChildJvm.Result r =
                ChildJvm.run(StartAndReport.class, null, List.of("-Dpybridge.probeTimeoutMillis=20000"), 120);
        E2E.assertChildOk(r, "RESULT ok start-and-report");
        assertNotNull(r.toString(), E2E.line(r, "RESULT libpython="));
        assertEquals(r.toString(), realLibpython(), E2E.line(r, "RESULT libpython="));
    }
}

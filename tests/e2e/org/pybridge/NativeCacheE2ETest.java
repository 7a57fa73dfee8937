package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeNotNull;
import static org.pybridge.E2E.check;
import static org.pybridge.InitE2ETest.env;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The jar's native library is extracted once per content hash into a
 * private per-user cache and reused; nothing is left in the temporary
 * directory by a normal exit or a killed JVM (issue 12 B). The children run
 * without {@code -Dpybridge.native}, with the library as a classpath
 * resource (a directory put first on their classpath), and with their own
 * empty {@code java.io.tmpdir} and cache directory.
 */
public class NativeCacheE2ETest {
    /** Resources with a build-time hash, and without one (the hash is then computed at load time). */
    private static Path resWithHash;

    private static Path resWithoutHash;
    private static String sha256;
    private static long size;
    private static String pyVersion;

    private final List<Path> temps = new ArrayList<>();

    @BeforeClass
    public static void resources() throws Exception {
        String py = ChildJvm.python();
        assumeNotNull("no test python configured (pybridge.test.python / PYBRIDGE_PYTHON)", py);
        String version = E2E.realFacts(py).get("version_short");
        pyVersion = version;
        byte[] lib = libraryBytes();
        assumeNotNull("libpybridge.so is neither a classpath resource nor given by -Dpybridge.native", lib);
        sha256 = hex(MessageDigest.getInstance("SHA-256").digest(lib));
        size = lib.length;
        resWithHash = resourceDir(lib, "native.sha256=" + sha256 + "\nnative.size=" + size + "\n");
        resWithoutHash = resourceDir(lib, "");
    }

    @AfterClass
    public static void removeResources() {
        E2E.deleteTree(resWithHash);
        E2E.deleteTree(resWithoutHash);
    }

    @After
    public void deleteTemps() {
        for (Path t : temps) {
            E2E.deleteTree(t);
        }
    }

    private static byte[] libraryBytes() throws IOException {
        URL u = NativeCacheE2ETest.class.getResource(NativeLoader.resourceDir(pyVersion) + "libpybridge.so");
        if (u != null) {
            try (InputStream in = u.openStream()) {
                return in.readAllBytes();
            }
        }
        String p = System.getProperty("pybridge.native");
        return p == null || p.isEmpty() ? null : Files.readAllBytes(Paths.get(p));
    }

    private static Path resourceDir(byte[] lib, String properties) throws IOException {
        Path root = Files.createTempDirectory("pybridge-test-res");
        // The jar's layout: the index, and the library of the test python's X.Y with its facts.
        Files.createDirectories(root.resolve(NativeLoader.INDEX.substring(1)).getParent());
        Files.write(
                root.resolve(NativeLoader.INDEX.substring(1)),
                ("python.versions=" + pyVersion + "\n").getBytes(StandardCharsets.UTF_8));
        Path dir = Files.createDirectories(
                root.resolve(NativeLoader.resourceDir(pyVersion).substring(1)));
        Files.write(dir.resolve("libpybridge.so"), lib);
        Files.write(dir.resolve("pybridge-build.properties"), properties.getBytes(StandardCharsets.UTF_8));
        return root;
    }

    private Path tempDir(String prefix) throws IOException {
        Path d = Files.createTempDirectory(prefix).toRealPath();
        temps.add(d);
        return d;
    }

    private static List<String> options(Path tmp, String... more) {
        List<String> o = new ArrayList<>();
        o.add("-Dpybridge.native="); // the jar path: extract from the classpath resource
        o.add("-Djava.io.tmpdir=" + tmp);
        o.addAll(List.of(more));
        return o;
    }

    private static ChildJvm.Result start(Path res, Path tmp, Map<String, String> env, String... opts) {
        return ChildJvm.run(Start.class, env, options(tmp, opts), null, List.of(res), 120);
    }

    /** Every file (not directory) under {@code dir}, relative, sorted. */
    private static TreeSet<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p))
                    .map(p -> dir.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino");
    }

    private static String hashOf(Path p) throws Exception {
        return hex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }

    // ---- tests --------------------------------------------------------------------------------

    @Test
    public void twoStartsShareOneCachedCopyAndLeaveNothingInTmp() throws Exception {
        Path tmp = tempDir("pybridge-test-tmp");
        Path xdg = tempDir("pybridge-test-xdg");
        Path lib = xdg.resolve("pybridge").resolve(sha256).resolve("libpybridge.so");
        ChildJvm.Result r1 = start(resWithHash, tmp, env("XDG_CACHE_HOME", xdg.toString()));
        E2E.assertChildOk(r1, "RESULT ok start");
        assertEquals("loaded from the cache: " + r1, lib.toString(), E2E.line(r1, "RESULT bridge="));
        Object ino = inode(lib);
        FileTime mtime = Files.getLastModifiedTime(lib);
        ChildJvm.Result r2 = start(resWithHash, tmp, env("XDG_CACHE_HOME", xdg.toString()));
        E2E.assertChildOk(r2, "RESULT ok start");
        assertEquals(r2.toString(), lib.toString(), E2E.line(r2, "RESULT bridge="));
        assertEquals("the second start did not copy again (inode)", ino, inode(lib));
        assertEquals("the second start did not copy again (mtime)", mtime, Files.getLastModifiedTime(lib));
        assertEquals(
                "exactly one cached library (and its stamp)",
                new TreeSet<>(
                        List.of("pybridge/" + sha256 + "/libpybridge.so", "pybridge/" + sha256 + "/libpybridge.so.ok")),
                files(xdg));
        assertEquals(sha256, hashOf(lib));
        assertEquals("rwx------", mode(xdg.resolve("pybridge")));
        assertEquals("rwx------", mode(lib.getParent()));
        assertEquals("nothing left in java.io.tmpdir", List.of(), entries(tmp));
    }

    @Test
    public void aCorruptedCachedCopyIsDetectedAndReplaced() throws Exception {
        Path tmp = tempDir("pybridge-test-tmp");
        Path xdg = tempDir("pybridge-test-xdg");
        Map<String, String> env = env("XDG_CACHE_HOME", xdg.toString());
        Path lib = xdg.resolve("pybridge").resolve(sha256).resolve("libpybridge.so");
        E2E.assertChildOk(start(resWithHash, tmp, env), "RESULT ok start");
        assertEquals(sha256, hashOf(lib));

        // 1. bytes changed in place, same size, modification time put back
        FileTime mtime = Files.getLastModifiedTime(lib);
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwx------"));
        try (FileChannel ch = FileChannel.open(lib, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[4096]), size / 2);
        }
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("r-x------"));
        Files.setLastModifiedTime(lib, mtime);
        assertNotEquals(sha256, hashOf(lib));
        Object corruptInode = inode(lib);
        ChildJvm.Result r = start(resWithHash, tmp, env);
        E2E.assertChildOk(r, "RESULT ok start");
        assertEquals("replaced by the jar's copy", sha256, hashOf(lib));
        assertNotEquals("a new file was renamed into place", corruptInode, inode(lib));

        // 2. truncated
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwx------"));
        try (FileChannel ch = FileChannel.open(lib, StandardOpenOption.WRITE)) {
            ch.truncate(size / 3);
        }
        r = start(resWithHash, tmp, env);
        E2E.assertChildOk(r, "RESULT ok start");
        assertEquals("replaced by the jar's copy", sha256, hashOf(lib));

        // 3. replaced by another file of the same size, with no stamp
        Files.delete(lib.resolveSibling("libpybridge.so.ok"));
        Files.delete(lib);
        Files.write(lib, new byte[(int) size]);
        r = start(resWithHash, tmp, env);
        E2E.assertChildOk(r, "RESULT ok start");
        assertEquals("replaced by the jar's copy", sha256, hashOf(lib));
        assertEquals(
                new TreeSet<>(
                        List.of("pybridge/" + sha256 + "/libpybridge.so", "pybridge/" + sha256 + "/libpybridge.so.ok")),
                files(xdg));
        assertEquals("nothing left in java.io.tmpdir", List.of(), entries(tmp));
    }

    @Test
    public void aCacheDirectoryOthersCanWriteIsRefusedOrAvoided() throws Exception {
        Path tmp = tempDir("pybridge-test-tmp");
        // explicitly configured: refused, with a message that says how to fix it, before loading anything
        Path open = tempDir("pybridge-test-open");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        ChildJvm.Result r = ChildJvm.run(
                Start.class,
                null,
                options(tmp, "-Dpybridge.nativeCache=" + open),
                null,
                List.of(resWithHash),
                120,
                "expect-failure");
        E2E.assertChildOk(r, "RESULT ok start");
        String msg = E2E.line(r, "RESULT message=");
        assertTrue(r.toString(), msg != null && msg.contains(open.toString()));
        assertTrue(msg, msg.contains("writable by group or others (mode 0777)"));
        assertTrue("says how to fix: " + msg, msg.contains("-Dpybridge.nativeCache"));
        assertEquals("nothing loaded: " + r, "[]", E2E.line(r, "RESULT mapped="));
        assertEquals(List.of(), entries(open));

        // the default one: avoided, the per-user directory in java.io.tmpdir is used instead
        Path xdg = tempDir("pybridge-test-xdg");
        Path shared = Files.createDirectory(xdg.resolve("pybridge"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        r = start(resWithHash, tmp, env("XDG_CACHE_HOME", xdg.toString()));
        E2E.assertChildOk(r, "RESULT ok start");
        String user = System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "");
        Path fallback = tmp.resolve("pybridge-" + user);
        assertEquals(
                r.toString(),
                fallback.resolve(sha256).resolve("libpybridge.so").toString(),
                E2E.line(r, "RESULT bridge="));
        assertEquals(List.of(), entries(shared));
        assertEquals("rwx------", mode(fallback));
        assertEquals("rwx------", mode(fallback.resolve(sha256)));
        assertEquals("only the per-user cache in java.io.tmpdir", List.of("pybridge-" + user), entries(tmp));
    }

    @Test
    public void withoutABuildTimeHashTheResourceIsHashedAndTheConfiguredDirectoryUsed() throws Exception {
        Path tmp = tempDir("pybridge-test-tmp");
        Path cache = tempDir("pybridge-test-cache").resolve("a/b");
        ChildJvm.Result r = start(resWithoutHash, tmp, null, "-Dpybridge.nativeCache=" + cache);
        E2E.assertChildOk(r, "RESULT ok start");
        Path lib = cache.resolve(sha256).resolve("libpybridge.so");
        assertEquals(r.toString(), lib.toString(), E2E.line(r, "RESULT bridge="));
        assertEquals(sha256, hashOf(lib));
        assertEquals("rwx------", mode(cache));
        assertEquals("rwx------", mode(cache.getParent()));
        Object ino = inode(lib);
        E2E.assertChildOk(start(resWithoutHash, tmp, null, "-Dpybridge.nativeCache=" + cache), "RESULT ok start");
        assertEquals("the second start did not copy again", ino, inode(lib));
        assertEquals(List.of(), entries(tmp));
    }

    @Test
    public void jvmsKilledDuringOrAfterStartLeaveNothingInTmp() throws Exception {
        Path tmp = tempDir("pybridge-test-tmp");
        Path out = tempDir("pybridge-test-out");
        List<Path> caches = new ArrayList<>();
        long[] delays = {250, 500, 750, 1000, 1500, -1};
        for (int i = 0; i < delays.length; i++) {
            Path xdg = tempDir("pybridge-test-xdg");
            caches.add(xdg);
            Path log = out.resolve("child" + i + ".log");
            Process p = ChildJvm.start(
                    Start.class,
                    env("XDG_CACHE_HOME", xdg.toString()),
                    options(tmp),
                    null,
                    List.of(resWithHash),
                    log,
                    "hold");
            if (delays[i] >= 0) {
                Thread.sleep(delays[i]);
            } else {
                assertTrue("child started", E2E.waitFor(60_000, () -> read(log).contains("RESULT bridge=")));
            }
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals("nothing left in java.io.tmpdir by killed JVMs", List.of(), entries(tmp));
        for (Path xdg : caches) {
            long libs = files(xdg).stream()
                    .filter(f -> f.endsWith("/libpybridge.so"))
                    .count();
            assertTrue("at most one cached library: " + files(xdg), libs <= 1);
        }
        // A start later removes what a JVM killed while writing left (older than 10 minutes),
        // and leaves a fresh temporary file alone (it may be another JVM's, being written).
        Path xdg = caches.get(0);
        Path dir = Files.createDirectories(xdg.resolve("pybridge").resolve(sha256));
        Path stale = Files.write(dir.resolve("libpybridge.so.123.part"), new byte[1000]);
        Files.setLastModifiedTime(stale, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Path fresh = Files.write(dir.resolve("libpybridge.so.456.part"), new byte[1000]);
        E2E.assertChildOk(start(resWithHash, tmp, env("XDG_CACHE_HOME", xdg.toString())), "RESULT ok start");
        assertFalse("stale temporary file removed", Files.exists(stale));
        assertTrue("fresh temporary file kept", Files.exists(fresh));
        assertEquals(sha256, hashOf(dir.resolve("libpybridge.so")));
        assertEquals(List.of(), entries(tmp));
    }

    @Test
    public void concurrentFirstStartsAgreeOnOneCopy() throws Exception {
        Path tmp = tempDir("pybridge-test-tmp");
        Path xdg = tempDir("pybridge-test-xdg");
        Path out = tempDir("pybridge-test-out");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ps.add(ChildJvm.start(
                    Start.class,
                    env("XDG_CACHE_HOME", xdg.toString()),
                    options(tmp),
                    null,
                    List.of(resWithHash),
                    out.resolve("child" + i + ".log")));
        }
        Path lib = xdg.resolve("pybridge").resolve(sha256).resolve("libpybridge.so");
        for (int i = 0; i < ps.size(); i++) {
            assertTrue("child " + i + " finished", ps.get(i).waitFor(120, TimeUnit.SECONDS));
            String text = read(out.resolve("child" + i + ".log"));
            assertEquals(text, 0, ps.get(i).exitValue());
            assertTrue(text, text.contains("RESULT ok start") && text.contains("RESULT bridge=" + lib));
        }
        assertEquals(
                new TreeSet<>(
                        List.of("pybridge/" + sha256 + "/libpybridge.so", "pybridge/" + sha256 + "/libpybridge.so.ok")),
                files(xdg));
        assertEquals(sha256, hashOf(lib));
        assertEquals(List.of(), entries(tmp));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Child: initializes Python and prints which libpybridge.so is mapped.
     * args: "hold" = then wait to be killed; "expect-failure" = initialize
     * must throw PythonInitializationException (message and mapped
     * libpythons printed).
     */
    public static final class Start {
        public static void main(String[] args) {
            E2E.child("start", args, a -> {
                String mode = a.length > 0 ? a[0] : "";
                if (mode.equals("expect-failure")) {
                    try {
                        Python.initialize();
                        throw new AssertionError("initialize() succeeded");
                    } catch (PythonInitializationException e) {
                        System.out.println("RESULT message=" + E2E.oneLine(e.getMessage()));
                        System.out.println("RESULT mapped=" + E2E.mappedLibpythons());
                    }
                    return;
                }
                long t0 = System.nanoTime();
                Python.initialize();
                System.out.println("RESULT initMillis=" + (System.nanoTime() - t0) / 1_000_000);
                check(Python.eval("6 * 7", Long.class) == 42L, "Python works");
                String bridge = null;
                for (String l : Files.readAllLines(Paths.get("/proc/self/maps"))) {
                    int slash = l.indexOf('/');
                    if (slash >= 0 && l.trim().endsWith("/libpybridge.so")) {
                        bridge = l.substring(slash).trim();
                    }
                }
                System.out.println("RESULT bridge=" + bridge);
                System.out.flush();
                if (mode.equals("hold")) {
                    Thread.sleep(120_000);
                }
            });
        }
    }
}

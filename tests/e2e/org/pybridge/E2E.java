package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Helpers shared by the end-to-end tests: the parent side (asserting on a
 * child JVM's outcome) and the child side (checks that end the child with a
 * clear FAIL line and exit code 1).
 */
public final class E2E {
    private E2E() {}

    // ---- parent side ----------------------------------------------------------------

    /** The child neither crashed, nor hung, nor failed, and printed {@code marker}. */
    public static void assertChildOk(ChildJvm.Result r, String marker) {
        assertFalse("child JVM timed out: " + r, r.timedOut);
        assertFalse("child JVM crashed: " + r, r.crashed());
        assertFalse(
                "child JVM wrote an hs_err report: " + r,
                r.output.contains("hs_err_pid") || r.output.contains("pybridge_hs_err_"));
        assertFalse("child JVM reported a failure: " + r, r.output.contains("\nFAIL ") || r.output.startsWith("FAIL "));
        assertEquals("child JVM exit code: " + r, 0, r.exitCode);
        assertTrue("marker '" + marker + "' missing: " + r, r.output.contains(marker));
    }

    /** The value of the first line {@code prefix<value>} in the child's output (null if absent). */
    public static String line(ChildJvm.Result r, String prefix) {
        for (String l : r.output.split("\n")) {
            if (l.startsWith(prefix)) {
                return l.substring(prefix.length()).trim();
            }
        }
        return null;
    }

    /** {@code KEY=value} pairs on the child's line that starts with {@code prefix}. */
    public static Map<String, String> fields(ChildJvm.Result r, String prefix) {
        String l = line(r, prefix);
        Map<String, String> m = new LinkedHashMap<>();
        if (l == null) {
            return m;
        }
        Matcher x = Pattern.compile("(\\w+)=(\\S*)").matcher(l);
        while (x.find()) {
            m.put(x.group(1), x.group(2));
        }
        return m;
    }

    /** The project's virtualenv (the parent of the test python's bin/), or null when it is not a venv. */
    public static Path venvDir() {
        String py = ChildJvm.python();
        if (py == null) {
            return null;
        }
        Path dir = Paths.get(py).toAbsolutePath().getParent().getParent();
        return Files.isRegularFile(dir.resolve("pyvenv.cfg")) ? dir : null;
    }

    /** Runs {@code python -c code} (PYTHONHOME removed) and returns stdout. */
    public static String runPython(String python, String code) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python, "-c", code);
        pb.environment().remove("PYTHONHOME");
        pb.environment().remove("PYTHONPATH");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(python + " did not finish", p.waitFor(60, TimeUnit.SECONDS));
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(python + " failed: " + s, 0, p.exitValue());
        return s;
    }

    /**
     * A fake {@code python} executable: a bash script that answers
     * PythonLocator's query (whatever its arguments) with {@code facts} as
     * {@code key=value} lines.
     */
    public static Path fakePython(Map<String, String> facts) throws IOException {
        Path dir = Files.createTempDirectory("pybridge-fakepy");
        Path exe = dir.resolve("python");
        StringBuilder sb =
                new StringBuilder("#!/bin/bash\n# fake python for pybridge tests: answers the locator's query\n");
        sb.append("cat <<'PYBRIDGE_FAKE_EOF'\n");
        for (Map.Entry<String, String> e : facts.entrySet()) {
            String v = e.getValue().replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
            sb.append(e.getKey()).append('=').append(v).append('\n');
        }
        sb.append("PYBRIDGE_FAKE_EOF\n");
        Files.write(exe, sb.toString().getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        // deleteOnExit runs in reverse order of registration: the file, then its directory
        dir.toFile().deleteOnExit();
        exe.toFile().deleteOnExit();
        return exe;
    }

    /** Deletes {@code p} and everything under it (links are removed, not followed); quietly. */
    public static void deleteTree(Path p) {
        if (p == null || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            all.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.deleteIfExists(x);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /** The facts a real python reports to PythonLocator (its own probe, {@link PythonLocator#probeQuery}). */
    public static Map<String, String> realFacts(String python) throws IOException, InterruptedException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : runPython(python, PythonLocator.probeQuery()).split("\n")) {
            int eq = l.indexOf('=');
            if (eq > 0) {
                m.put(l.substring(0, eq), PythonLocator.unescape(l.substring(eq + 1)));
            }
        }
        return m;
    }

    // ---- child side -------------------------------------------------------------------

    /** A failed check in a child: printed as a FAIL line, exit code 1. */
    public static final class CheckFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CheckFailed(String m) {
            super(m);
        }
    }

    public static void check(boolean ok, String what) {
        if (!ok) {
            throw new CheckFailed(what);
        }
    }

    public static void checkEq(Object expected, Object actual, String what) {
        if (expected == null ? actual != null : !expected.equals(actual)) {
            throw new CheckFailed(what + ": expected <" + expected + "> but was <" + actual + ">");
        }
    }

    /** Runs {@code body}, which must throw {@code type}; returns the exception. */
    public static <T extends Throwable> T expect(Class<T> type, String what, ThrowingRunnable body) {
        try {
            body.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            CheckFailed f = new CheckFailed(what + ": expected " + type.getSimpleName() + " but got " + t);
            f.initCause(t);
            throw f;
        }
        throw new CheckFailed(what + ": expected " + type.getSimpleName() + " but nothing was thrown");
    }

    /** A body for {@link #expect}. */
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A child's main body. */
    public interface Body {
        void run(String[] args) throws Exception;
    }

    /**
     * Runs a child scenario: on success prints {@code RESULT ok <name>} and
     * returns normally (so the JVM must also shut down by itself); on any
     * failure prints {@code FAIL ...} with the stack trace and exits 1.
     */
    public static void child(String name, String[] args, Body body) {
        try {
            body.run(args);
            System.out.println("RESULT ok " + name);
            System.out.flush();
        } catch (Throwable t) {
            System.out.println("FAIL " + name + ": " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    /** VmRSS of this process in kB (from /proc/self/status). */
    public static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    /** Polls {@code cond} every 20 ms for up to {@code millis}; whether it became true. */
    public static boolean waitFor(long millis, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            if (cond.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** The libpython files mapped in this process (from /proc/self/maps), in order of appearance. */
    public static List<String> mappedLibpythons() throws IOException {
        List<String> found = new ArrayList<>();
        for (String l : Files.readAllLines(Paths.get("/proc/self/maps"))) {
            int slash = l.indexOf('/');
            if (slash < 0) {
                continue;
            }
            String path = l.substring(slash).trim();
            if (Paths.get(path).getFileName().toString().startsWith("libpython") && !found.contains(path)) {
                found.add(path);
            }
        }
        return found;
    }

    /**
     * Processes (not zombies, not this JVM) whose command line contains
     * {@code marker}, as "pid: cmdline".
     */
    public static List<String> processesWith(String marker) {
        List<String> found = new ArrayList<>();
        String self = String.valueOf(ProcessHandle.current().pid());
        try (Stream<Path> procs = Files.list(Paths.get("/proc"))) {
            for (Path pr : (Iterable<Path>) procs::iterator) {
                String pid = pr.getFileName().toString();
                if (!pid.matches("\\d+") || pid.equals(self)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(pr.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (!cmd.contains(marker)) {
                        continue;
                    }
                    String stat = new String(Files.readAllBytes(pr.resolve("stat")), StandardCharsets.UTF_8);
                    String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                    if (!state.equals("Z") && !state.equals("X")) {
                        found.add(pid + ": " + cmd.trim() + " (state " + state + ")");
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new RuntimeException("cannot list /proc: " + e, e);
        }
        return found;
    }

    public static String oneLine(String s) {
        return s == null ? "null" : s.replace('\n', ' ').replace('\r', ' ');
    }
}

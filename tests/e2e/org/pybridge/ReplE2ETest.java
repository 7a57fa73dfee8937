package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * {@code ./dev repl} end to end, as a person uses it: the real command (with
 * {@code PYBRIDGE_REPL_NO_BUILD=1}, so it runs on the jar the build just made
 * instead of starting Gradle again), forms typed on its standard input, and
 * what the REPL prints on its standard output.
 */
public class ReplE2ETest {
    private static final long TIMEOUT_SECONDS = 120;
    private static final String PROMPT = "user=> ";

    /** The project root: the Gradle test task says; {@code ./dev junit} runs from it. */
    static Path projectDir() {
        String dir = System.getProperty("pybridge.project.dir");
        Path p = Paths.get(dir != null && !dir.isEmpty() ? dir : System.getProperty("user.dir"))
                .toAbsolutePath();
        assertTrue(
                "no ./dev in " + p + " (set -Dpybridge.project.dir to the project root)",
                Files.isExecutable(p.resolve("dev")));
        return p;
    }

    /** What a REPL session printed. */
    static final class Session {
        final int exitCode;
        final boolean timedOut;
        final String stdout;
        final String stderr;

        Session(int exitCode, boolean timedOut, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.timedOut = timedOut;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** The printed lines with the REPL's prompts taken off, trimmed, empty ones dropped. */
        List<String> values() {
            List<String> out = new ArrayList<>();
            for (String line : stdout.split("\n")) {
                String l = line;
                while (l.startsWith(PROMPT) || l.startsWith(PROMPT.trim())) {
                    l = l.startsWith(PROMPT)
                            ? l.substring(PROMPT.length())
                            : l.substring(PROMPT.trim().length());
                }
                l = l.trim();
                if (!l.isEmpty()) {
                    out.add(l);
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + (timedOut ? " (timed out)" : "") + "\n--- stdout:\n" + stdout
                    + "\n--- stderr:\n" + stderr;
        }
    }

    /** Runs {@code ./dev repl}, types {@code forms} (one a line), closes its input and waits for it. */
    static Session repl(String... forms) throws IOException, InterruptedException {
        Path root = projectDir();
        assertTrue(
                root.resolve("build/repl-classpath.txt") + " is missing: the Gradle task replClasspath makes it",
                Files.isRegularFile(root.resolve("build/repl-classpath.txt")));
        Path out = Files.createTempFile("pybridge-repl", ".out");
        Path err = Files.createTempFile("pybridge-repl", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(root.resolve("dev").toString(), "repl");
            pb.directory(root.toFile());
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            pb.environment().put("PYBRIDGE_REPL_NO_BUILD", "1");
            String py = ChildJvm.python();
            if (py != null && !py.isEmpty()) {
                pb.environment().put("PYBRIDGE_PYTHON", py);
            }
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                for (String form : forms) {
                    in.write((form + "\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the REPL ended before reading its input: what it printed says why
            }
            boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            return new Session(
                    done ? p.exitValue() : -1,
                    !done,
                    new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
                    new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    public void pythonFromTheClojureRepl() throws Exception {
        Session s = repl(
                "(py/initialize!)",
                "(py/->jvm (py/->py-dict {:a 1 :b 2}))",
                "(py/run-simple-string \"print('hello from python', 6*7)\")",
                "(+ 1 2)");
        assertFalse("./dev repl did not finish in " + TIMEOUT_SECONDS + " s: " + s, s.timedOut);
        List<String> values = s.values();
        assertTrue("(py/initialize!) did not print :ok: " + s, values.contains(":ok"));
        assertTrue(
                "a Python dict did not come back as {\"a\" 1, \"b\" 2}: " + s, values.contains("{\"a\" 1, \"b\" 2}"));
        assertTrue("Python's print did not reach the REPL's stdout: " + s, s.stdout.contains("hello from python 42"));
        assertTrue("(+ 1 2) did not print 3: " + s, values.contains("3"));
        assertEquals("./dev repl exit code: " + s, 0, s.exitCode);
    }
}

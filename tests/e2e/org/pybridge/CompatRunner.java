package org.pybridge;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Request;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;

/**
 * Runs the compatibility suite, a list of existing JUnit test classes, on
 * whatever JVM and Python it is started with ({@code gradle compat*}, see
 * gradle/compat.gradle: one run per other Python version present, and one on JDK 25),
 * and writes one JUnit XML file per class, as Gradle's test tasks do, so that
 * {@code ./dev test}'s closing line counts them.
 *
 * <pre>java -cp ... org.pybridge.CompatRunner RESULTS-DIR Class1 Class2 ...</pre>
 *
 * Exits 0 when every test passed (assumption failures and {@code @Ignore}
 * count as skipped), 1 otherwise.
 */
public final class CompatRunner {
    private CompatRunner() {}

    /** One test method's outcome. */
    private static final class Case {
        final String name;
        final long start = System.nanoTime();
        long nanos;
        String kind; // null: passed; "failure", "error" or "skipped"
        String message;
        String detail;

        Case(String name) {
            this.name = name;
        }
    }

    public static void main(String[] args) throws Exception {
        Path results = Paths.get(args[0]);
        Files.createDirectories(results);
        System.out.println("compatibility suite on Java " + System.getProperty("java.version") + " ("
                + System.getProperty("java.home") + "), Python " + System.getenv("PYBRIDGE_PYTHON"));
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        for (int i = 1; i < args.length; i++) {
            Class<?> c = Class.forName(args[i]);
            Map<String, Case> cases = new LinkedHashMap<>();
            List<Case> classLevel = new ArrayList<>();
            JUnitCore core = new JUnitCore();
            core.addListener(new RunListener() {
                @Override
                public void testStarted(Description d) {
                    cases.put(d.getMethodName(), new Case(d.getMethodName()));
                }

                @Override
                public void testFinished(Description d) {
                    Case k = cases.get(d.getMethodName());
                    k.nanos = System.nanoTime() - k.start;
                }

                @Override
                public void testFailure(Failure f) {
                    record(f, f.getException() instanceof AssertionError ? "failure" : "error");
                }

                @Override
                public void testAssumptionFailure(Failure f) {
                    record(f, "skipped");
                }

                @Override
                public void testIgnored(Description d) {
                    Case k = new Case(d.getMethodName() == null ? "(class)" : d.getMethodName());
                    k.kind = "skipped";
                    k.message = "@Ignore";
                    cases.put(k.name, k);
                }

                private void record(Failure f, String kind) {
                    String m = f.getDescription().getMethodName();
                    Case k = m == null ? null : cases.get(m);
                    if (k == null) {
                        // @BeforeClass / @AfterClass: the class as one case
                        k = new Case(m == null ? "(class)" : m);
                        classLevel.add(k);
                    }
                    k.kind = kind;
                    k.message = String.valueOf(f.getMessage());
                    k.detail = f.getTrace();
                }
            });
            long t0 = System.nanoTime();
            core.run(Request.aClass(c));
            long total = System.nanoTime() - t0;
            List<Case> all = new ArrayList<>(cases.values());
            all.addAll(classLevel);
            int f = 0;
            int e = 0;
            int s = 0;
            for (Case k : all) {
                if ("failure".equals(k.kind)) {
                    f++;
                } else if ("error".equals(k.kind)) {
                    e++;
                } else if ("skipped".equals(k.kind)) {
                    s++;
                }
            }
            passed += all.size() - f - e - s;
            failed += f + e;
            skipped += s;
            System.out.printf(
                    "  %-45s %3d tests, %d failed, %d skipped (%.1f s)%n",
                    c.getName(), all.size(), f + e, s, total / 1e9);
            for (Case k : all) {
                if ("failure".equals(k.kind) || "error".equals(k.kind)) {
                    System.out.println("FAILED " + c.getName() + "." + k.name + ": " + k.detail);
                }
            }
            write(results.resolve("TEST-" + c.getName() + ".xml"), c.getName(), all, f, e, s, total);
        }
        System.out.println(
                "compatibility suite: " + passed + " passed, " + failed + " failed, " + skipped + " skipped");
        System.out.flush();
        // Threads Python or a test left behind must not keep this JVM alive.
        Runtime.getRuntime().halt(failed == 0 && passed > 0 ? 0 : 1);
    }

    private static void write(
            Path file, String cls, List<Case> cases, int failures, int errors, int skipped, long nanos)
            throws IOException {
        StringWriter sw = new StringWriter();
        PrintWriter w = new PrintWriter(sw);
        w.printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>%n");
        w.printf(
                "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">%n",
                esc(cls), cases.size(), failures, errors, skipped, nanos / 1e9);
        for (Case k : cases) {
            w.printf("  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"", esc(cls), esc(k.name), k.nanos / 1e9);
            if (k.kind == null) {
                w.printf("/>%n");
            } else if ("skipped".equals(k.kind)) {
                w.printf("><skipped message=\"%s\"/></testcase>%n", esc(k.message));
            } else {
                w.printf("><%s message=\"%s\">%s</%s></testcase>%n", k.kind, esc(k.message), esc(k.detail), k.kind);
            }
        }
        w.printf("</testsuite>%n");
        w.flush();
        Files.write(file, sw.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<':
                    b.append("&lt;");
                    break;
                case '>':
                    b.append("&gt;");
                    break;
                case '&':
                    b.append("&amp;");
                    break;
                case '"':
                    b.append("&quot;");
                    break;
                default:
                    // XML 1.0 forbids most control characters, even escaped
                    b.append(c < 0x20 && c != '\n' && c != '\t' && c != '\r' ? '?' : c);
            }
        }
        return b.toString();
    }
}

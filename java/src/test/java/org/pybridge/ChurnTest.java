package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Create/release churn leaks neither handles nor memory: RSS after the run
 * stays within +-10% (or +-30 MB, whichever is larger) of its value after
 * warm-up, and live handles return to the baseline.
 *
 * <p>The CI variant runs 1M scope-path cycles (1000 handles per scope) and
 * 300k GC-path cycles. The full soak, 10M cycles on each path, runs with
 * the system property {@code pybridge.churn.full=true} in the test JVM, e.g.
 * {@code ./dev test -PchurnFull} (Gradle), or
 * {@code JAVA_TOOL_OPTIONS=-Dpybridge.churn.full=true ./dev junit org.pybridge.ChurnTest}
 * (a few minutes). Gradle does not forward {@code -D} options to the test JVM by
 * itself; use the same {@code JAVA_TOOL_OPTIONS} there.
 */
public class ChurnTest {
    static final boolean FULL = Boolean.getBoolean("pybridge.churn.full");
    static final int SCOPE_CYCLES = FULL ? 10_000_000 : 1_000_000;
    static final int GC_CYCLES = FULL ? 10_000_000 : 300_000;
    static final int BATCH = 1000;

    @BeforeClass
    public static void init() {
        Python.initialize();
    }

    private static void assertRssSteady(String what, long warm, long end) {
        long tolerance = Math.max(warm / 10, 30L << 20);
        assertTrue(
                what + ": RSS " + (warm >> 20) + " MB after warm-up, " + (end >> 20) + " MB at the end (allowed +-"
                        + (tolerance >> 20) + " MB)",
                Math.abs(end - warm) <= tolerance);
    }

    private static void scopeCycles(PyObject f, int cycles) {
        for (int done = 0; done < cycles; done += BATCH) {
            try (ResourceScope s = Python.openScope()) {
                for (int i = 0; i < BATCH; i++) {
                    f.call(i);
                }
            }
        }
    }

    private static void gcCycles(PyObject f, int cycles) {
        for (int i = 0; i < cycles; i++) {
            f.call(i);
        }
    }

    @Test
    public void scopePathChurn() {
        PyObject f = Python.eval("lambda i: [i, {'k': i}]");
        try {
            scopeCycles(f, 200_000); // warm-up
            Stats base = LifetimeSupport.settle();
            long rssWarm = LifetimeSupport.settledRss();
            scopeCycles(f, SCOPE_CYCLES);
            Stats end = LifetimeSupport.settle();
            long rssEnd = LifetimeSupport.settledRss();
            assertEquals(
                    "every cycle released by its scope", SCOPE_CYCLES, end.releasedByScope() - base.releasedByScope());
            assertTrue(
                    "live handles back to the baseline: " + base + " -> " + end,
                    end.liveHandles() <= base.liveHandles());
            assertEquals(0, end.openScopes());
            assertRssSteady("scope path, " + SCOPE_CYCLES + " cycles", rssWarm, rssEnd);
        } finally {
            f.close();
        }
    }

    @Test
    public void gcPathChurn() {
        PyObject f = Python.eval("lambda i: [i, {'k': i}]");
        try {
            // Warm-up as long as the CI run: the peak of live handles (up to the GC nudge
            // threshold) sizes Python's arenas and the JVM heap once; a leak shows as growth
            // beyond that plateau.
            gcCycles(f, 300_000);
            Stats base = LifetimeSupport.settle();
            long rssWarm = LifetimeSupport.settledRss();
            gcCycles(f, GC_CYCLES);
            boolean drained = LifetimeSupport.await(
                    () -> {
                        Stats s = Python.stats();
                        return s.releasedByGc() - base.releasedByGc() >= GC_CYCLES
                                && s.queuedReleases() == 0
                                && s.liveHandles() <= base.liveHandles();
                    },
                    60_000,
                    true);
            Stats end = LifetimeSupport.settle();
            long rssEnd = LifetimeSupport.settledRss();
            assertTrue("the GC path released all " + GC_CYCLES + " within 60 s: " + base + " -> " + end, drained);
            assertTrue(
                    "live handles back to the baseline: " + base + " -> " + end,
                    end.liveHandles() <= base.liveHandles());
            assertEquals(0, end.queuedReleases());
            assertRssSteady("GC path, " + GC_CYCLES + " cycles", rssWarm, rssEnd);
        } finally {
            f.close();
        }
    }
}

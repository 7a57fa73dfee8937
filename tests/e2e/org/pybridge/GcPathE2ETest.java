package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import org.junit.Test;

/**
 * The GC path under native pressure, in a child JVM: pybridge nudges the JVM
 * when many GC-tracked handles pile up while the Java heap feels none (see
 * {@link GcPathTest} for the in-process checks).
 */
public class GcPathE2ETest {
    static final long NUDGE_THRESHOLD = 50_000;
    static final int PRESSURE_HANDLES = 2_000_000;

    /**
     * 2M handles, never closed, no scope, no System.gc(): the JVM heap alone
     * would not notice the Python memory, pybridge's nudge must.
     */
    @Test
    public void nativePressureNudgesTheJvmAndBoundsLiveHandles() {
        ChildJvm.Result r = ChildJvm.run(PressureChild.class, null, 180);
        System.out.println("[GcPathE2ETest] pressure child: " + r.output.trim().replace("\n", " | "));
        assertFalse("child crashed: " + r, r.crashed());
        assertFalse("child timed out: " + r, r.timedOut);
        assertEquals("child failed: " + r, 0, r.exitCode);
        Map<String, String> m = LifetimeSupport.markers(r.output);
        long created = LifetimeSupport.markerLong(m, "created", r.output);
        long maxLive = LifetimeSupport.markerLong(m, "maxLive", r.output);
        long nudges = LifetimeSupport.markerLong(m, "gcNudges", r.output);
        long rssWarm = LifetimeSupport.markerLong(m, "rssWarm", r.output);
        long rssEnd = LifetimeSupport.markerLong(m, "rssEnd", r.output);
        assertTrue("the loop made " + PRESSURE_HANDLES + " handles: " + r.output, created >= PRESSURE_HANDLES);
        assertTrue("pybridge nudged the JVM (gcNudges > 0): " + r.output, nudges > 0);
        assertTrue(
                "live handles stayed well below " + PRESSURE_HANDLES + " (max " + maxLive + ", at most "
                        + (PRESSURE_HANDLES / 4) + " allowed): " + r.output,
                maxLive <= PRESSURE_HANDLES / 4);
        long growth = rssEnd - rssWarm;
        assertTrue(
                "RSS bounded: grew " + (growth >> 20) + " MB after warm-up (limit 256 MB): " + r.output,
                growth < 256L << 20);
    }

    /** Child: small nudge threshold, 2M dropped handles, prints markers. */
    public static final class PressureChild {
        public static void main(String[] args) {
            Python.initialize(new PythonConfig().gcNudgeThreshold(NUDGE_THRESHOLD));
            Stats start = Python.stats();
            long maxLive = 0;
            long rssWarm = 0;
            try (PyObject f = Python.eval("lambda i: [i, str(i)]")) {
                for (int i = 0; i < PRESSURE_HANDLES; i++) {
                    f.call(i);
                    if (i % 10_000 == 0) {
                        Stats s = Python.stats();
                        maxLive = Math.max(maxLive, s.liveHandles() - start.liveHandles());
                        if (i == 200_000) {
                            rssWarm = LifetimeSupport.rssBytes();
                        }
                    }
                }
            }
            Stats end = Python.stats();
            maxLive = Math.max(maxLive, end.liveHandles() - start.liveHandles());
            LifetimeSupport.mark("created", end.created() - start.created());
            LifetimeSupport.mark("maxLive", maxLive);
            LifetimeSupport.mark("endLive", end.liveHandles() - start.liveHandles());
            LifetimeSupport.mark("gcNudges", end.gcNudges());
            LifetimeSupport.mark("releasedByGc", end.releasedByGc() - start.releasedByGc());
            LifetimeSupport.mark("rssWarm", rssWarm);
            LifetimeSupport.mark("rssEnd", LifetimeSupport.rssBytes());
            System.out.println(end);
            System.exit(0);
        }
    }
}

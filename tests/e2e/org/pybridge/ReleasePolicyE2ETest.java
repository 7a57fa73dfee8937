package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.Test;

/**
 * Who drops handles released through the JVM garbage collector:
 * {@link PythonConfig.ReleasePolicy#DEDICATED_THREAD} (a native thread named
 * {@code pybridge-release}) or {@link PythonConfig.ReleasePolicy#CALLER_THREADS}
 * (no extra thread; callers drain at the end of an outermost {@code withGil},
 * on their next call, or through {@link Python#drainReleaseQueue()}).
 * Each policy runs in its own child JVM (one interpreter per process).
 */
public class ReleasePolicyE2ETest {
    static final int N = 200;

    private static final Map<String, Map<String, String>> RUNS = new HashMap<>();

    /** Each child runs once per class; several tests assert on its markers. */
    private static synchronized Map<String, String> runChild(String mode) {
        return RUNS.computeIfAbsent(mode, ReleasePolicyE2ETest::startChild);
    }

    private static Map<String, String> startChild(String mode) {
        ChildJvm.Result r = ChildJvm.run(PolicyChild.class, null, 120, mode);
        assertFalse("child crashed: " + r, r.crashed());
        assertFalse("child timed out: " + r, r.timedOut);
        assertEquals("child failed: " + r, 0, r.exitCode);
        Map<String, String> m = LifetimeSupport.markers(r.output);
        m.put("__output", r.output);
        return m;
    }

    private static long get(Map<String, String> m, String key) {
        return LifetimeSupport.markerLong(m, key, m.get("__output"));
    }

    @Test
    public void callerThreadsPolicy() {
        Map<String, String> m = runChild("caller");
        String out = m.get("__output");
        assertEquals(out, "CALLER_THREADS", m.get("policy"));
        assertEquals("no native pybridge-release thread under CALLER_THREADS: " + out, 0, get(m, "releaseThread"));

        // Queued ids wait for a caller: nothing drops them on its own.
        assertTrue("the reclaimer queued the dropped handles: " + out, get(m, "A.queued") >= N);
        assertEquals("nothing released them while no thread called in: " + out, 0, get(m, "A.gcDelta"));
        // The next call drains them, on the calling thread, before it runs.
        assertEquals("the next call released all of them first: " + out, N, get(m, "A.finalized"));
        assertEquals("on the caller's own thread: " + out, N, get(m, "A.onCaller"));
        assertEquals(out, 0, get(m, "A.queuedAfter"));

        // End of the outermost withGil (an inner one ending does not drain).
        assertTrue(out, get(m, "B.queuedInside") >= N);
        assertTrue("an inner withGil ending does not drain: " + out, get(m, "B.queuedAfterInner") >= N);
        assertEquals("the outermost withGil drained the queue as it ended: " + out, 0, get(m, "B.queuedAfter"));
        assertEquals(out, N, get(m, "B.finalized"));
        assertEquals("on the caller's own thread: " + out, N, get(m, "B.onCaller"));

        // Python.drainReleaseQueue() drops them.
        assertTrue(out, get(m, "C.queuedBefore") >= N);
        assertEquals(out, 0, get(m, "C.queuedAfter"));
        assertEquals(out, N, get(m, "C.finalized"));

        assertEquals("every finalizer ran exactly once: " + out, 0, get(m, "notOnce"));
        assertEquals("live handles back to the baseline: " + out, 0, get(m, "liveDelta"));
    }

    /** Its javadoc: "Returns how many ids were dequeued". */
    @Test
    public void callerThreadsDrainReleaseQueueReportsHowManyItDequeued() {
        Map<String, String> m = runChild("caller");
        String out = m.get("__output");
        assertTrue(out, get(m, "C.queuedBefore") >= N);
        assertTrue(
                "drainReleaseQueue() with " + get(m, "C.queuedBefore") + " ids queued returns how many it"
                        + " dequeued (>= " + N + "), got " + get(m, "C.drained") + ": " + out,
                get(m, "C.drained") >= N);
    }

    @Test
    public void dedicatedThreadPolicy() {
        Map<String, String> m = runChild("dedicated");
        String out = m.get("__output");
        assertEquals(out, "DEDICATED_THREAD", m.get("policy"));
        assertEquals("a native thread named pybridge-release exists: " + out, 1, get(m, "releaseThread"));
        assertEquals(
                "the release thread released them without any call from Java: " + out,
                1,
                get(m, "D.releasedWithoutCalls"));
        assertEquals(out, N, get(m, "D.finalized"));
        assertEquals("not on the caller's thread: " + out, 0, get(m, "D.onCaller"));
        assertEquals(out, 0, get(m, "notOnce"));
        assertEquals(out, 0, get(m, "liveDelta"));
    }

    /** Child: args[0] is "caller" or "dedicated"; prints markers. */
    public static final class PolicyChild {
        public static void main(String[] args) {
            boolean caller = args[0].equals("caller");
            PythonConfig cfg = new PythonConfig()
                    .releasePolicy(
                            caller
                                    ? PythonConfig.ReleasePolicy.CALLER_THREADS
                                    : PythonConfig.ReleasePolicy.DEDICATED_THREAD);
            PythonInfo info = Python.initialize(cfg);
            LifetimeSupport.mark("policy", info.releasePolicy());
            LifetimeSupport.lt();
            long me = LifetimeSupport.me();
            Stats base = Python.stats();
            LifetimeSupport.mark("releaseThread", LifetimeSupport.releaseThreadExists() ? 1 : 0);
            if (caller) {
                callerScenarios(me);
            } else {
                dedicatedScenario(me);
            }
            // A last call drains anything left (caller policy) before the checks.
            LifetimeSupport.count("nothing");
            Stats end = Python.stats();
            LifetimeSupport.mark("notOnce", LifetimeSupport.notOnce("").size());
            LifetimeSupport.mark("liveDelta", end.liveHandles() - base.liveHandles());
            System.out.println(end);
            System.exit(0);
        }

        /** Waits (only reading stats, never calling Python) until the reclaimer queued n more ids. */
        private static long awaitQueued(long n) {
            LifetimeSupport.await(() -> Python.stats().queuedReleases() >= n, 30_000, true);
            return Python.stats().queuedReleases();
        }

        private static void callerScenarios(long me) {
            // A: the next call drains.
            Stats s0 = Python.stats();
            LifetimeSupport.makeDropped("A", N);
            LifetimeSupport.mark("A.queued", awaitQueued(N));
            LifetimeSupport.sleep(300);
            LifetimeSupport.mark("A.gcDelta", Python.stats().releasedByGc() - s0.releasedByGc());
            LifetimeSupport.mark("A.finalized", LifetimeSupport.finalized("A"));
            LifetimeSupport.mark("A.onCaller", LifetimeSupport.onThread("A", me));
            LifetimeSupport.mark("A.queuedAfter", Python.stats().queuedReleases());

            // B: the end of the outermost withGil drains.
            Python.withGil(() -> {
                LifetimeSupport.makeDropped("B", N);
                LifetimeSupport.mark("B.queuedInside", awaitQueued(N));
                Python.withGil(() -> null);
                LifetimeSupport.mark("B.queuedAfterInner", Python.stats().queuedReleases());
                return null;
            });
            LifetimeSupport.mark("B.queuedAfter", Python.stats().queuedReleases());
            LifetimeSupport.mark("B.finalized", LifetimeSupport.finalized("B"));
            LifetimeSupport.mark("B.onCaller", LifetimeSupport.onThread("B", me));

            // C: drainReleaseQueue().
            LifetimeSupport.makeDropped("C", N);
            LifetimeSupport.mark("C.queuedBefore", awaitQueued(N));
            long drained = Python.drainReleaseQueue();
            LifetimeSupport.mark("C.drained", drained);
            LifetimeSupport.mark("C.queuedAfter", Python.stats().queuedReleases());
            LifetimeSupport.mark("C.finalized", LifetimeSupport.finalized("C"));
        }

        private static void dedicatedScenario(long me) {
            Stats s0 = Python.stats();
            LifetimeSupport.makeDropped("D", N);
            // No Python call from here until the release thread did its job.
            boolean released = LifetimeSupport.await(
                    () -> {
                        Stats s = Python.stats();
                        return s.releasedByGc() - s0.releasedByGc() >= N && s.queuedReleases() == 0;
                    },
                    30_000,
                    true);
            LifetimeSupport.mark("D.releasedWithoutCalls", released ? 1 : 0);
            LifetimeSupport.mark("D.finalized", LifetimeSupport.finalized("D"));
            LifetimeSupport.mark("D.onCaller", LifetimeSupport.onThread("D", me));
        }
    }
}

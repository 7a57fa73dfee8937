package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pybridge.LifetimeSupport.count;
import static org.pybridge.LifetimeSupport.finalized;
import static org.pybridge.LifetimeSupport.make;
import static org.pybridge.LifetimeSupport.notOnce;
import static org.pybridge.LifetimeSupport.prefix;

import java.util.Collections;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Every Python reference a handle holds is dropped exactly once (docs/architecture.md,
 * invariant 2), whichever path releases it: {@code close()}, scope close, the
 * JVM garbage collector, or two of them racing. Proven with
 * {@code weakref.finalize} counters on the Python side and with the
 * {@link Python#stats()} counters on the bridge side.
 */
public class ExactlyOnceTest {
    @BeforeClass
    public static void init() {
        Python.initialize();
        LifetimeSupport.lt();
    }

    private static void assertCountersAgree(Stats before, Stats after) {
        long created = after.created() - before.created();
        long released = (after.releasedByClose() - before.releasedByClose())
                + (after.releasedByScope() - before.releasedByScope())
                + (after.releasedByGc() - before.releasedByGc());
        assertEquals(
                "created - released == live delta (" + before + " -> " + after + ")",
                after.liveHandles() - before.liveHandles(),
                created - released);
        // The table walk is independent of the counters; a background GC batch may be in
        // flight, so wait for a quiet moment.
        Stats[] last = new Stats[1];
        assertTrue(
                "the handle table agrees with the counters when quiet: " + after,
                LifetimeSupport.await(
                        () -> {
                            last[0] = Python.stats();
                            return last[0].queuedReleases() == 0 && last[0].tableSize() == last[0].liveHandles();
                        },
                        10_000,
                        false));
    }

    @Test
    public void closeReleasesExactlyOnce() {
        String p = prefix("close");
        int n = 500;
        Stats before = Python.stats();
        for (int i = 0; i < n; i++) {
            PyObject o = make(p + i);
            assertEquals(0, count(p + i));
            o.close();
            assertEquals("finalizer ran when close() returned", 1, count(p + i));
            assertTrue(o.isReleased());
            o.close(); // idempotent
            assertEquals("a second close() is a no-op", 1, count(p + i));
        }
        Stats after = Python.stats();
        assertEquals(n, finalized(p));
        assertEquals(Collections.emptyList(), notOnce(p));
        assertEquals(n, after.releasedByClose() - before.releasedByClose());
        assertEquals(0, after.releasedByScope() - before.releasedByScope());
        assertTrue("no handle left behind: " + before + " -> " + after, after.liveHandles() <= before.liveHandles());
        assertCountersAgree(before, after);
    }

    @Test
    public void scopeCloseReleasesExactlyOnce() {
        String p = prefix("scope");
        int batches = 20;
        int perBatch = 50;
        Stats before = Python.stats();
        for (int b = 0; b < batches; b++) {
            PyObject[] held = new PyObject[perBatch];
            try (ResourceScope s = Python.openScope()) {
                for (int i = 0; i < perBatch; i++) {
                    held[i] = make(p + b + "-" + i);
                }
                assertEquals(perBatch, s.size());
            }
            for (int i = 0; i < perBatch; i++) {
                assertTrue(held[i].isReleased());
                assertEquals("finalizer ran when the scope closed", 1, count(p + b + "-" + i));
                held[i].close(); // closing a handle its scope released is a no-op
            }
        }
        Stats after = Python.stats();
        assertEquals((long) batches * perBatch, finalized(p));
        assertEquals(Collections.emptyList(), notOnce(p));
        assertEquals((long) batches * perBatch, after.releasedByScope() - before.releasedByScope());
        assertEquals(
                "close() of scope-released handles released nothing",
                0,
                after.releasedByClose() - before.releasedByClose());
        assertCountersAgree(before, after);
    }

    @Test
    public void gcReleasesExactlyOnce() {
        String p = prefix("gc");
        int n = 2000;
        Stats before = LifetimeSupport.settle();
        LifetimeSupport.makeDropped(p, n);
        assertTrue(
                "the GC path released all " + n + " within 30 s (finalized " + finalized(p) + ", " + Python.stats()
                        + ")",
                LifetimeSupport.await(() -> finalized(p) == n, 30_000, true));
        Stats after = LifetimeSupport.settle();
        assertEquals(Collections.emptyList(), notOnce(p));
        assertTrue(
                "releasedByGc grew by at least " + n + ": " + before + " -> " + after,
                after.releasedByGc() - before.releasedByGc() >= n);
        assertEquals(0, after.releasedByClose() - before.releasedByClose());
        assertEquals(0, after.releasedByScope() - before.releasedByScope());
        assertEquals(0, after.queuedReleases());
        assertTrue(
                "live handles back to the baseline: " + before + " -> " + after,
                after.liveHandles() <= before.liveHandles());
        assertCountersAgree(before, after);
    }

    /** close() then dropping the wrapper: the GC path must not release it a second time. */
    @Test
    public void closedThenCollectedIsNotReleasedTwice() {
        String p = prefix("close-then-gc");
        int n = 1000;
        Stats before = LifetimeSupport.settle();
        closeAndDrop(p, n);
        Stats after = LifetimeSupport.settle();
        assertEquals(n, finalized(p));
        assertEquals(Collections.emptyList(), notOnce(p));
        assertEquals(n, after.releasedByClose() - before.releasedByClose());
        assertEquals(
                "closed wrappers are not handed to the release queue", 0, after.releasedByGc() - before.releasedByGc());
        assertCountersAgree(before, after);
    }

    private static void closeAndDrop(String p, int n) {
        for (int i = 0; i < n; i++) {
            make(p + i).close();
        }
    }

    @Test
    public void releaseUnderHeldGilIsImmediate() {
        String p = prefix("gil");
        Python.withGil(() -> {
            PyObject a = make(p + "close");
            a.close();
            assertEquals("close() inside withGil ran the finalizer before returning", 1, count(p + "close"));
            try (ResourceScope s = Python.openScope()) {
                make(p + "scope");
                assertEquals(0, count(p + "scope"));
            }
            assertEquals("scope close inside withGil ran the finalizer before returning", 1, count(p + "scope"));
            // Nested leases: still immediate.
            try (Gil g = Python.acquireGil()) {
                PyObject b = make(p + "nested");
                b.close();
                assertEquals(1, count(p + "nested"));
            }
            return null;
        });
        // And without holding the GIL beforehand.
        PyObject c = make(p + "nogil");
        c.close();
        assertEquals(1, count(p + "nogil"));
        assertEquals(Collections.emptyList(), notOnce(p));
    }

    /**
     * close() on one thread races the scope's close on its owner thread, for
     * the same handles, many times: each object is finalized exactly once and
     * each handle counted once, by one path or the other.
     */
    @Test
    public void closeRacingScopeCloseReleasesExactlyOnce() throws Exception {
        final String p = prefix("race");
        final int iterations = 1500;
        final int k = 8;
        final CyclicBarrier ready = new CyclicBarrier(2);
        final CyclicBarrier done = new CyclicBarrier(2);
        final PyObject[][] shared = new PyObject[1][];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        Stats before = Python.stats();

        Thread closer = new Thread(
                () -> {
                    try {
                        for (int it = 0; it < iterations; it++) {
                            ready.await(30, TimeUnit.SECONDS);
                            PyObject[] objs = shared[0];
                            // Close from the far end so the two threads meet in the middle.
                            for (int i = objs.length - 1; i >= 0; i--) {
                                objs[i].close();
                            }
                            done.await(30, TimeUnit.SECONDS);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                        ready.reset();
                        done.reset();
                    }
                },
                "race-closer");
        closer.setDaemon(true);
        closer.start();

        for (int it = 0; it < iterations && failure.get() == null; it++) {
            PyObject[] objs = new PyObject[k];
            ResourceScope s = Python.openScope();
            for (int i = 0; i < k; i++) {
                objs[i] = make(p + it + "-" + i);
            }
            shared[0] = objs;
            ready.await(30, TimeUnit.SECONDS);
            s.close();
            done.await(30, TimeUnit.SECONDS);
            for (PyObject o : objs) {
                assertTrue(o.isReleased());
            }
        }
        closer.join(30_000);
        if (failure.get() != null) {
            throw new AssertionError("closer thread failed", failure.get());
        }
        Stats after = Python.stats();
        long total = (long) iterations * k;
        assertEquals(total, finalized(p));
        assertEquals("finalizers that did not run exactly once", Collections.emptyList(), notOnce(p));
        long byClose = after.releasedByClose() - before.releasedByClose();
        long byScope = after.releasedByScope() - before.releasedByScope();
        assertEquals(
                "each handle counted by exactly one path (close " + byClose + ", scope " + byScope + ")",
                total,
                byClose + byScope);
        assertCountersAgree(before, after);
    }

    /** Two threads close() the same handles at once: one release each. */
    @Test
    public void closeRacingCloseReleasesExactlyOnce() throws Exception {
        final String p = prefix("close-close");
        final int n = 4000;
        final PyObject[] objs = new PyObject[n];
        for (int i = 0; i < n; i++) {
            objs[i] = make(p + i);
        }
        Stats before = Python.stats();
        final CyclicBarrier go = new CyclicBarrier(2);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable closeAll = () -> {
            try {
                go.await(30, TimeUnit.SECONDS);
                for (PyObject o : objs) {
                    o.close();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
        Thread a = new Thread(closeAll, "close-a");
        Thread b = new Thread(closeAll, "close-b");
        a.start();
        b.start();
        a.join(60_000);
        b.join(60_000);
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        Stats after = Python.stats();
        assertEquals(n, finalized(p));
        assertEquals(Collections.emptyList(), notOnce(p));
        assertEquals(n, after.releasedByClose() - before.releasedByClose());
        assertCountersAgree(before, after);
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pybridge.LifetimeSupport.await;
import static org.pybridge.LifetimeSupport.count;
import static org.pybridge.LifetimeSupport.finalized;
import static org.pybridge.LifetimeSupport.lt;
import static org.pybridge.LifetimeSupport.prefix;

import java.util.Collections;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The release path survives hostile finalizers: a {@code __del__} that
 * raises, one that blocks, one that creates new objects (including new
 * finalizer objects and cycles) while it runs on the release thread.
 */
public class ReleaseThreadTest {
    @BeforeClass
    public static void init() {
        Python.initialize();
        lt();
        Assume.assumeTrue(
                "these tests exercise the dedicated release thread",
                Python.info().releasePolicy() == PythonConfig.ReleasePolicy.DEDICATED_THREAD);
    }

    private static long raisedTotal(String prefix) {
        return lt().callAttrAs(Long.class, "raised_total", prefix);
    }

    private static void dropRaisersAndNormals(String p, int n) {
        for (int i = 0; i < n; i++) {
            lt().callAttr("Raiser", p + "r" + i);
            lt().callAttr("make", p + "n" + i);
        }
    }

    @Test
    public void raisingDelDoesNotBreakLaterCalls() {
        String p = prefix("raise");
        // close path
        PyObject r = lt().callAttr("Raiser", p + "closed");
        r.close();
        assertEquals(1, raisedTotal(p + "closed"));
        assertEquals(Long.valueOf(2), Python.eval("1 + 1", Long.class));
        // scope path
        try (ResourceScope s = Python.openScope()) {
            lt().callAttr("Raiser", p + "scoped");
            LifetimeSupport.make(p + "scoped-normal");
        }
        assertEquals(1, raisedTotal(p + "scoped"));
        assertEquals("the scope went on releasing after the raising __del__", 1, count(p + "scoped-normal"));
        // GC path: raisers mixed with normal objects in the same batches
        int n = 100;
        dropRaisersAndNormals(p + "gc-", n);
        assertTrue(
                "all raising __del__ ran on the GC path (" + raisedTotal(p + "gc-r") + ")",
                await(() -> raisedTotal(p + "gc-r") == n, 30_000, true));
        assertTrue(
                "the batch went on after each raising __del__ (" + finalized(p + "gc-n") + ")",
                await(() -> finalized(p + "gc-n") == n, 30_000, true));
        assertEquals(Collections.emptyList(), LifetimeSupport.notOnce(p));
        // The release thread still works.
        String q = prefix("raise-after");
        LifetimeSupport.makeDropped(q, 100);
        assertTrue(await(() -> finalized(q) == 100, 30_000, true));
        assertEquals(Long.valueOf(7), Python.eval("3 + 4", Long.class));
        assertTrue(await(() -> Python.stats().queuedReleases() == 0, 10_000, true));
    }

    /** {@link Stats#releaseErrors()}: "Exceptions raised by {@code __del__} while releasing (logged)". */
    @Test
    public void raisingDelIsCountedInReleaseErrors() {
        String p = prefix("raise-count");
        Stats before = Python.stats();
        lt().callAttr("Raiser", p + "closed").close();
        int n = 20;
        dropRaisersAndNormals(p + "gc-", n);
        assertTrue(await(() -> raisedTotal(p) == n + 1, 30_000, true));
        assertTrue(await(() -> Python.stats().queuedReleases() == 0, 10_000, true));
        Stats after = Python.stats();
        assertTrue(
                "releaseErrors counts the " + (n + 1) + " exceptions raised by __del__ during releases: " + before
                        + " -> " + after,
                after.releaseErrors() - before.releaseErrors() >= n + 1);
    }

    private static void dropSlow(String key, double seconds, boolean busy) {
        lt().callAttr("Slow", key, seconds, busy);
    }

    private static String slowState(String key) {
        return lt().callAttrAs(String.class, "slow_state", key);
    }

    private void blockingDelLetsOthersRun(boolean busy) throws Exception {
        String key = prefix(busy ? "busy" : "sleep") + "slow";
        dropSlow(key, 1.5, busy);
        assertTrue(
                "the release thread started the slow __del__",
                await(() -> slowState(key).equals("started"), 30_000, true));
        // A call from another thread while the release thread is inside __del__.
        AtomicLong elapsed = new AtomicLong(-1);
        AtomicReference<Object> result = new AtomicReference<>();
        AtomicReference<String> stateAfter = new AtomicReference<>();
        Thread t = new Thread(() -> {
            Python.eval("0", Long.class); // thread state made outside the timed call
            long t0 = System.nanoTime();
            result.set(Python.eval("sum(range(100))", Long.class));
            elapsed.set(System.nanoTime() - t0);
            stateAfter.set(slowState(key));
        });
        t.start();
        t.join(10_000);
        assertEquals(4950L, result.get());
        assertEquals("the slow __del__ was still running after the call", "started", stateAfter.get());
        assertTrue(
                "a call from another thread completed in " + elapsed.get() / 1_000_000 + " ms while the release thread"
                        + " was blocked (limit 750 ms,"
                        + " half the __del__'s 1.5 s:"
                        + " it did not wait for it)",
                elapsed.get() >= 0 && elapsed.get() < 750_000_000L);
        // close() on this thread is not queued behind the release thread either.
        String k2 = prefix("during-slow") + "x";
        long t0 = System.nanoTime();
        LifetimeSupport.make(k2).close();
        long closeNanos = System.nanoTime() - t0;
        assertEquals(1, count(k2));
        assertTrue(
                "close() during the slow __del__ took " + closeNanos / 1_000_000 + " ms (limit 750 ms)",
                closeNanos < 750_000_000L);
        assertEquals("started", slowState(key));
        assertTrue(await(() -> slowState(key).equals("done"), 30_000, false));
        // The release thread goes on afterwards.
        String q = prefix("after-slow");
        LifetimeSupport.makeDropped(q, 50);
        assertTrue(await(() -> finalized(q) == 50, 30_000, true));
    }

    @Test
    public void sleepingDelDoesNotBlockOtherThreads() throws Exception {
        blockingDelLetsOthersRun(false);
    }

    @Test
    public void busyDelDoesNotBlockOtherThreads() throws Exception {
        blockingDelLetsOthersRun(true);
    }

    private static void dropSpawner(String key) {
        lt().callAttr("Spawner", key);
    }

    @Test
    public void delThatCreatesObjectsOnTheReleaseThread() {
        String key = prefix("spawn") + "s";
        Stats before = Python.stats();
        dropSpawner(key);
        assertTrue(
                "the Spawner's __del__ ran on the GC path",
                await(() -> lt().callAttrAs(Boolean.class, "spawned_ok", key), 30_000, true));
        assertEquals("the 10 objects __del__ made and dropped were finalized once each", 10, finalized(key + "/child"));
        assertEquals(Collections.emptyList(), LifetimeSupport.notOnce(key));
        assertEquals("the object __del__ kept is alive", 0, count(key + "/kept"));
        lt().callAttr("forget_spawned", key).close();
        assertEquals(1, count(key + "/kept"));
        // Same through close(): __del__ runs on this thread, inside the release.
        String k2 = prefix("spawn-close") + "s";
        lt().callAttr("Spawner", k2).close();
        assertTrue(lt().callAttrAs(Boolean.class, "spawned_ok", k2));
        assertEquals(10, finalized(k2 + "/child"));
        lt().callAttr("forget_spawned", k2).close();
        // Nothing of the bridge leaked, and the release queue is drained.
        assertTrue(await(() -> Python.stats().queuedReleases() == 0, 10_000, true));
        String q = prefix("after-spawn");
        LifetimeSupport.makeDropped(q, 50);
        assertTrue(await(() -> finalized(q) == 50, 30_000, true));
        Stats after = LifetimeSupport.settle();
        assertTrue("no handles left behind: " + before + " -> " + after, after.liveHandles() <= before.liveHandles());
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The third way out: handles nobody closes are released once the JVM
 * collects their wrappers (phantom reference -> reclaimer -> native release
 * queue -> release thread). {@link GcPathE2ETest}: pybridge nudges the JVM
 * when many such handles pile up while the Java heap feels no pressure.
 */
public class GcPathTest {
    @BeforeClass
    public static void init() {
        Python.initialize();
        LifetimeSupport.lt();
    }

    @Test
    public void hundredThousandDroppedHandlesAreReleasedByTheGc() {
        final int n = 100_000;
        Stats before = LifetimeSupport.settle();
        createAndDrop(n);
        Stats made = Python.stats();
        assertTrue("handles were made: " + before + " -> " + made, made.created() - before.created() >= n);
        boolean done = LifetimeSupport.await(
                () -> {
                    Stats s = Python.stats();
                    return s.releasedByGc() - before.releasedByGc() >= n
                            && s.queuedReleases() == 0
                            && s.liveHandles() <= before.liveHandles();
                },
                60_000,
                true);
        Stats after = Python.stats();
        assertTrue("within 60 s the GC path released them all: " + before + " -> " + after, done);
        assertTrue(
                "releasedByGc grew by >= " + n + ": " + before + " -> " + after,
                after.releasedByGc() - before.releasedByGc() >= n);
        assertEquals("the release queue is empty again", 0, after.queuedReleases());
        assertTrue(
                "live handles back to the baseline: " + before + " -> " + after,
                after.liveHandles() <= before.liveHandles());
        assertTrue(
                "GC-tracked handles back to the baseline: " + before + " -> " + after,
                after.gcTracked() <= before.gcTracked());
        assertEquals("only the helper lambda was closed", 1, after.releasedByClose() - before.releasedByClose());
        assertEquals("nothing here was in a scope", 0, after.releasedByScope() - before.releasedByScope());
    }

    private static void createAndDrop(int n) {
        try (PyObject f = Python.eval("lambda i: [i]")) {
            for (int i = 0; i < n; i++) {
                f.call(i);
            }
        }
    }

    /**
     * A reply that makes many handles (a list converted to Java, a chunk of
     * a list view) tracks them in groups of at most 1024 under one phantom
     * reference each: every handle is still finalized exactly once, those
     * closed early are skipped, and a member kept alive keeps only its group.
     */
    @Test
    public void handlesOfOneReplyAreTrackedInGroupsAndReleasedExactlyOnce() {
        String p = LifetimeSupport.prefix("group");
        int n = 2500;
        Stats before = LifetimeSupport.settle();
        LifetimeSupport.lt().callAttr("identity", 0); // warm
        PyObject maker = Python.eval("lambda m, p, n: [m(p + str(i)) for i in range(n)]");
        List<?> items =
                (List<?>) maker.call(LifetimeSupport.lt().getAttr("make"), p, n).toJava();
        assertEquals(n, items.size());
        assertTrue(Python.stats().gcTracked() - before.gcTracked() >= n);
        // Close a few early: the group must skip them later.
        for (int i = 0; i < 10; i++) {
            ((PyObject) items.get(i)).close();
        }
        // Keep one member of the last group (items 2048..2499) alive.
        PyObject kept = (PyObject) items.get(2100);
        items = null;
        assertTrue(
                "the first two groups are released",
                LifetimeSupport.await(() -> LifetimeSupport.finalized(p) >= 2048, 60_000, true));
        LifetimeSupport.settle();
        assertEquals("the group of a live member stays", 2048, LifetimeSupport.finalized(p));
        assertEquals(0, LifetimeSupport.count(p + "2100"));
        assertEquals(p + "2100", kept.getAttr("key", String.class));
        kept = null;
        assertTrue(
                "the last group goes once its last member is unreachable",
                LifetimeSupport.await(() -> LifetimeSupport.finalized(p) == n, 60_000, true));
        assertEquals(Collections.emptyList(), LifetimeSupport.notOnce(p));
        Stats after = LifetimeSupport.settle();
        assertTrue(
                "released by close: " + before + " -> " + after,
                after.releasedByClose() - before.releasedByClose() >= 10);
        assertTrue(
                "no handle left behind: " + before + " -> " + after, after.liveHandles() <= before.liveHandles() + 2);
        maker.close();
    }

    @Test
    public void collectedHandlesAreFinalizedOnTheReleaseThread() {
        org.junit.Assume.assumeTrue(
                "the in-process interpreter uses the dedicated release thread",
                Python.info().releasePolicy() == PythonConfig.ReleasePolicy.DEDICATED_THREAD);
        String p = LifetimeSupport.prefix("gc-thread");
        long me = LifetimeSupport.me();
        LifetimeSupport.makeDropped(p, 200);
        assertTrue(LifetimeSupport.await(() -> LifetimeSupport.finalized(p) == 200, 30_000, true));
        assertEquals(Collections.emptyList(), LifetimeSupport.notOnce(p));
        // A free-threaded CPython deallocates an object whose last reference
        // another thread dropped on the thread that made it, when that thread
        // next runs Python (biased reference counting): the release thread's
        // drops of these objects, made here, end on this thread there.
        boolean freeThreaded =
                Python.eval("bool(__import__('sysconfig').get_config_var('Py_GIL_DISABLED'))", Boolean.class);
        if (!freeThreaded) {
            assertEquals("no GC release ran on the test thread", 0, LifetimeSupport.onThread(p, me));
        }
        assertTrue(
                "a native thread named pybridge-release exists: " + LifetimeSupport.nativeThreadNames(),
                LifetimeSupport.releaseThreadExists());
    }
}

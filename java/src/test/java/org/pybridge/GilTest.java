package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.BeforeClass;
import org.junit.Test;

/** Holding the GIL across calls: {@code withGil}, {@code acquireGil}, {@code releaseGilWhile}. */
public class GilTest {
    @BeforeClass
    public static void init() {
        Python.initialize();
        LifetimeSupport.lt();
    }

    @After
    public void gilNotLeftHeld() {
        assertEquals("a test left the GIL held on the test thread", 0, Gil.depth());
    }

    @Test
    public void leasesNest() {
        assertEquals(0, Gil.depth());
        try (Gil a = Python.acquireGil()) {
            assertEquals(1, Gil.depth());
            try (Gil b = Python.acquireGil()) {
                assertEquals(2, Gil.depth());
                long v = Python.withGil(() -> {
                    assertEquals(3, Gil.depth());
                    return Python.eval("6 * 7", Long.class);
                });
                assertEquals(42L, v);
                assertEquals(2, Gil.depth());
            }
            assertEquals(1, Gil.depth());
            assertEquals(Long.valueOf(3), Python.eval("1 + 2", Long.class));
        }
        assertEquals(0, Gil.depth());
    }

    @Test
    public void doubleCloseOfALeaseIsANoOp() {
        Gil outer = Python.acquireGil();
        Gil inner = Python.acquireGil();
        inner.close();
        inner.close();
        assertEquals("the second close did not end the outer lease", 1, Gil.depth());
        outer.close();
        assertEquals(0, Gil.depth());
    }

    @Test
    public void callsInsideWithGilWork() {
        String p = LifetimeSupport.prefix("gil-calls");
        Object r = Python.withGil(() -> {
            PyObject d = Python.toPython(Collections.singletonMap("k", Arrays.asList(1, 2, 3)));
            PyObject l = d.getItem("k");
            assertEquals(3, l.len());
            l.callAttr("append", 4);
            assertEquals(Long.valueOf(10), Python.builtins().callAttrAs(Long.class, "sum", l));
            try (ResourceScope s = Python.openScope()) {
                LifetimeSupport.make(p + "x");
            }
            assertEquals(1, LifetimeSupport.count(p + "x"));
            Object j = d.toJava();
            d.close();
            l.close();
            return j;
        });
        assertEquals(Collections.singletonMap("k", Arrays.asList(1L, 2L, 3L, 4L)), r);
    }

    @Test
    public void closingALeaseOnAnotherThreadThrows() throws Exception {
        Gil lease = Python.acquireGil();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        try {
            Thread t = new Thread(() -> {
                try {
                    lease.close();
                } catch (Throwable e) {
                    seen.set(e);
                }
            });
            t.start();
            t.join(10_000);
            assertFalse(t.isAlive());
            assertTrue(
                    "expected IllegalStateException, got " + seen.get(), seen.get() instanceof IllegalStateException);
            assertEquals("the lease is still held here", 1, Gil.depth());
            assertEquals(Long.valueOf(2), Python.eval("1 + 1", Long.class));
        } finally {
            lease.close();
        }
        assertEquals(0, Gil.depth());
    }

    /**
     * While this thread holds the GIL another thread's call waits; inside
     * releaseGilWhile it runs to completion; afterwards this thread holds the
     * GIL again.
     */
    @Test
    public void releaseGilWhileLetsAnotherThreadRunPython() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Object> result = new AtomicReference<>();
        AtomicLong doneAt = new AtomicLong();
        Thread other = new Thread(
                () -> {
                    try {
                        started.countDown();
                        result.set(Python.eval("sum(range(10))", Long.class));
                    } catch (Throwable e) {
                        result.set(e);
                    } finally {
                        doneAt.set(System.nanoTime());
                        finished.countDown();
                    }
                },
                "gil-other");
        other.setDaemon(true);
        boolean blockedWhileHeld;
        boolean completedDuring;
        long[] window = new long[2];
        try (Gil g = Python.acquireGil()) {
            other.start();
            assertTrue(started.await(10, TimeUnit.SECONDS));
            // Held by us: the other thread's call cannot complete.
            blockedWhileHeld = !finished.await(300, TimeUnit.MILLISECONDS);
            boolean[] during = new boolean[1];
            Python.releaseGilWhile(() -> {
                window[0] = System.nanoTime();
                try {
                    during[0] = finished.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                window[1] = System.nanoTime();
            });
            completedDuring = during[0];
            assertEquals("still held after releaseGilWhile", 1, Gil.depth());
            assertEquals(Long.valueOf(4), Python.eval("2 + 2", Long.class));
        }
        assertTrue("the other thread's call waited while the GIL was held", blockedWhileHeld);
        assertTrue(
                "the other thread completed a call inside releaseGilWhile (result " + result.get() + ")",
                completedDuring);
        assertEquals(45L, result.get());
        assertTrue(doneAt.get() >= window[0] && doneAt.get() <= window[1]);
    }

    @Test
    public void releaseGilWhileWithoutAHeldGilJustRuns() {
        boolean[] ran = new boolean[1];
        Python.releaseGilWhile(() -> ran[0] = true);
        assertTrue(ran[0]);
        assertEquals(0, Gil.depth());
        assertEquals(Long.valueOf(9), Python.eval("3 * 3", Long.class));
    }

    @Test
    public void otherThreadsProceedOnceTheLeaseCloses() throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread other = new Thread(() -> {
            result.set(Python.eval("'ok'", String.class));
            finished.countDown();
        });
        other.setDaemon(true);
        Python.withGil(() -> {
            other.start();
            LifetimeSupport.sleep(100);
            return null;
        });
        assertTrue(finished.await(10, TimeUnit.SECONDS));
        assertEquals("ok", result.get());
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Many threads mixing every kind of call and every release path at once,
 * with the reclaimer and the release thread busy. A watchdog dumps all
 * threads and fails the test if the workload does not finish (a deadlock).
 * At the end the counters balance and nothing is left alive.
 */
public class ConcurrencyTest {
    static final int THREADS = 8;
    static final int OPS = 20_000;
    static final long TIMEOUT_SECONDS = 120;

    @BeforeClass
    public static void init() {
        Python.initialize();
        LifetimeSupport.lt();
    }

    @Test
    public void mixedOperationsOnManyThreads() throws Exception {
        final String p = LifetimeSupport.prefix("conc");
        final PyObject f = Python.eval("lambda *a: list(a)");
        final PyObject lt = LifetimeSupport.lt();
        Stats before = LifetimeSupport.settle();

        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicLong finalizerObjects = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final CountDownLatch finished = new CountDownLatch(THREADS);
        final CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int tid = t;
            Thread w = new Thread(
                    () -> {
                        try {
                            start.await();
                            work(tid, p, f, lt, finalizerObjects, stop);
                        } catch (Throwable e) {
                            errors.add(e);
                            stop.set(true);
                        } finally {
                            finished.countDown();
                        }
                    },
                    "conc-worker-" + t);
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
        // Keeps the reclaimer busy: collections while the workers drop wrappers.
        Thread gcPoker = new Thread(
                () -> {
                    while (!stop.get() && finished.getCount() > 0) {
                        System.gc();
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "conc-gc-poker");
        gcPoker.setDaemon(true);
        gcPoker.start();

        // Watchdog: on timeout, dump every thread and fail.
        final String[] dump = new String[1];
        Thread watchdog = new Thread(
                () -> {
                    try {
                        if (!finished.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                            dump[0] = LifetimeSupport.threadDump() + "\n" + Python.stats();
                            stop.set(true);
                        }
                    } catch (InterruptedException e) {
                        // test ended
                    }
                },
                "conc-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        start.countDown();
        watchdog.join();
        stop.set(true);
        if (dump[0] != null) {
            fail("the workload did not finish within " + TIMEOUT_SECONDS + " s; all threads:\n" + dump[0]);
        }
        gcPoker.join(5_000);
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError(errors.size() + " worker(s) failed; first: " + errors.peek());
            e.initCause(errors.peek());
            throw e;
        }
        f.close();

        assertTrue(
                "every finalizer object was released (" + LifetimeSupport.finalized(p) + " of " + finalizerObjects.get()
                        + ")",
                LifetimeSupport.await(() -> LifetimeSupport.finalized(p) == finalizerObjects.get(), 60_000, true));
        Stats after = LifetimeSupport.settle();
        assertEquals("finalizers that did not run exactly once", Collections.emptyList(), LifetimeSupport.notOnce(p));
        long created = after.created() - before.created();
        long released = (after.releasedByClose() - before.releasedByClose())
                + (after.releasedByScope() - before.releasedByScope())
                + (after.releasedByGc() - before.releasedByGc());
        assertTrue("a real workload ran: " + before + " -> " + after, created >= (long) THREADS * OPS / 2);
        assertEquals(
                "created - released == live delta: " + before + " -> " + after,
                after.liveHandles() - before.liveHandles(),
                created - released);
        assertTrue(
                "live back to the baseline: " + before + " -> " + after, after.liveHandles() <= before.liveHandles());
        assertEquals(0, after.queuedReleases());
        assertEquals("the handle table agrees: " + after, after.liveHandles(), after.tableSize());
        assertTrue(
                "each path was exercised: " + before + " -> " + after,
                after.releasedByClose() > before.releasedByClose()
                        && after.releasedByScope() > before.releasedByScope()
                        && after.releasedByGc() > before.releasedByGc());
    }

    private static void work(
            int tid, String p, PyObject f, PyObject lt, AtomicLong finalizerObjects, AtomicBoolean stop) {
        SplittableRandom rnd = new SplittableRandom(tid * 7919L + 1);
        PyObject carried = null;
        for (int op = 0; op < OPS && !stop.get(); op++) {
            switch (rnd.nextInt(9)) {
                case 0: { // call, close the result
                    PyObject r = f.call(tid, op);
                    check(r.len() == 2, "len");
                    r.close();
                    break;
                }
                case 1: { // scope with several handles, converted values survive
                    Object j;
                    try (ResourceScope s = Python.openScope()) {
                        PyObject r = f.call(op, "x", 1.5);
                        r.getItem(0);
                        r.callAttr("append", op);
                        j = r.toJava();
                    }
                    check(((List<?>) j).size() == 4, "scope toJava");
                    break;
                }
                case 2: // dropped wrapper: the GC path
                    f.call(op);
                    break;
                case 3: { // withGil around several calls and a nested scope
                    long v = Python.withGil(() -> {
                        try (ResourceScope s = Python.openScope()) {
                            PyObject r = f.call(1, 2, 3);
                            return Python.builtins().callAttrAs(Long.class, "sum", r);
                        }
                    });
                    check(v == 6, "withGil sum");
                    break;
                }
                case 4: { // fast path, no handle
                    List<?> l = f.callAs(List.class, op, tid);
                    check(l.size() == 2 && ((Number) l.get(0)).intValue() == op, "callAs");
                    break;
                }
                case 5: { // finalizer object, released by close, scope or GC
                    String key = p + tid + "-" + op;
                    finalizerObjects.incrementAndGet();
                    int how = rnd.nextInt(3);
                    if (how == 0) {
                        lt.callAttr("make", key).close();
                    } else if (how == 1) {
                        try (ResourceScope s = Python.openScope()) {
                            lt.callAttr("make", key);
                        }
                    } else {
                        lt.callAttr("make", key);
                    }
                    break;
                }
                case 6: { // withGilScope returning a kept handle, carried to a later op
                    PyObject kept = Python.withGilScope(() -> f.call(tid));
                    if (carried != null) {
                        carried.close();
                    }
                    carried = kept;
                    break;
                }
                case 7: { // keep() out of a scope to the GC
                    try (ResourceScope s = Python.openScope()) {
                        f.call(op).keep();
                    }
                    break;
                }
                default: { // conversions and attribute access
                    Map<?, ?> m = Python.eval("{'a': 1, 'b': [2, 3]}").toJava(Map.class);
                    check(m.size() == 2, "toJava map");
                    break;
                }
            }
        }
        if (carried != null) {
            carried.close();
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("wrong result: " + what);
        }
    }
}

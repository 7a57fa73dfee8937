package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The bridge without a GIL (docs/decisions/free-threading.md). On a
 * free-threaded CPython (3.13t, 3.14t) Java threads run Python in parallel in
 * one interpreter, and pybridge never turns the GIL back on; on both builds
 * handles made and closed on many threads at once balance, and a Java class
 * described by many threads at once is one Python class.
 */
public class FreeThreadingTest {
    static boolean freeThreaded;

    @BeforeClass
    public static void init() {
        Python.initialize();
        freeThreaded = Python.eval("bool(__import__('sysconfig').get_config_var('Py_GIL_DISABLED'))", Boolean.class);
    }

    private static void assumeFreeThreaded() {
        Assume.assumeTrue("not a free-threaded Python (Py_GIL_DISABLED unset): nothing to check here", freeThreaded);
    }

    private static <T> List<T> onThreads(int n, Callable<T> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(body));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void theGilStaysOffThroughPybridgeNumpyAndJava() {
        assumeFreeThreaded();
        assertFalse("after initialize()", Python.eval("__import__('sys')._is_gil_enabled()", Boolean.class));
        Python.exec("import numpy\nimport java.util\n_ft_l = java.util.ArrayList()\n_ft_l.add(1)\n");
        assertFalse(
                "after numpy and Java from Python", Python.eval("__import__('sys')._is_gil_enabled()", Boolean.class));
    }

    /**
     * Two JVM threads are inside Python at the same time with no blocking call
     * between: each spins in pure Python (no sleep, no I/O, with a switch
     * interval of an hour, so a GIL would never be handed over) until it has
     * seen the other one arrive. With a GIL the first one would spin its whole
     * 60 s bound alone and report it never saw the other.
     */
    @Test
    public void javaThreadsRunPythonInParallel() throws Exception {
        assumeFreeThreaded();
        Python.exec("import sys, time\n"
                + "_ft_arrived = [0]\n"
                + "def _ft_meet():\n"
                + "    _ft_arrived[0] += 1\n"
                + "    end = time.monotonic() + 60\n"
                + "    while _ft_arrived[0] < 2 and time.monotonic() < end:\n"
                + "        pass\n"
                + "    return _ft_arrived[0] >= 2\n");
        double old = Python.eval("__import__('sys').getswitchinterval()", Double.class);
        Python.exec("sys.setswitchinterval(3600)");
        try {
            PyObject meet = Python.eval("_ft_meet");
            CountDownLatch go = new CountDownLatch(2);
            List<Boolean> met = onThreads(2, () -> {
                go.countDown();
                go.await();
                return meet.callAs(Boolean.class);
            });
            assertEquals(List.of(true, true), met);
        } finally {
            Python.exec("sys.setswitchinterval(" + old + ")");
        }
    }

    /** Handles made, read and closed on eight threads at once: every one released once, none left. */
    @Test
    public void handlesMadeAndClosedInParallelBalance() throws Exception {
        PyObject make = Python.eval("lambda i: [i, str(i)]");
        Stats before = LifetimeSupport.settle();
        List<Long> sums = onThreads(8, () -> {
            long sum = 0;
            for (int i = 0; i < 5_000; i++) {
                try (PyObject o = make.call(i)) {
                    sum += o.getItem(0, Long.class);
                }
            }
            return sum;
        });
        for (long s : sums) {
            assertEquals(5_000L * 4_999 / 2, s);
        }
        Stats after = LifetimeSupport.settle();
        assertEquals("live handles back where they were", before.liveHandles(), after.liveHandles());
        assertEquals("the table's own count agrees", before.tableSize(), after.tableSize());
        assertEquals(
                "released exactly what was created",
                after.created() - before.created(),
                (after.releasedByClose() + after.releasedByScope() + after.releasedByGc())
                        - (before.releasedByClose() + before.releasedByScope() + before.releasedByGc()));
    }

    /**
     * Two threads ask for the same Java class at once, the first time it is
     * used from Python. Describing it calls Java, where other threads run
     * (in parallel without a GIL): here the description waits until both
     * threads are inside it, so both build the class; they must both end up
     * with the one class (isinstance and except clauses depend on it).
     */
    @Test
    public void oneJavaClassIsOnePythonClassWhateverTheRace() throws Exception {
        Python.exec("import pybridge, threading\n"
                + "_ft_g = pybridge.jclass.__globals__\n"
                + "_ft_meta = _ft_g['_meta']\n"
                + "_ft_both = threading.Barrier(2, timeout=30)\n"
                + "def _ft_slow_meta(op, name):\n"
                + "    if name == 'java.util.concurrent.ConcurrentSkipListSet':\n"
                + "        _ft_both.wait()\n"
                + "    return _ft_meta(op, name)\n"
                + "def _ft_class():\n"
                + "    return id(pybridge.jclass('java.util.concurrent.ConcurrentSkipListSet'))\n");
        Python.exec("_ft_g['_meta'] = _ft_slow_meta");
        try {
            PyObject cls = Python.eval("_ft_class");
            List<Long> ids = onThreads(2, () -> cls.callAs(Long.class));
            assertEquals(2, ids.size());
            assertEquals("the same class for both threads", ids.get(0), ids.get(1));
            assertEquals("and for a later caller", ids.get(0), cls.callAs(Long.class));
        } finally {
            Python.exec("_ft_g['_meta'] = _ft_meta");
        }
    }
    /**
     * A lease keeps other leases out of a call that runs long without
     * blocking (3 ms of pure Python), not only between calls: with the GIL
     * the GIL does it; without, the leases' critical section does
     * (docs/decisions/free-threading.md). Four threads, ten read-modify-writes
     * each, the read slow: no update lost.
     */
    @Test
    public void aLeaseKeepsOtherLeasesOutOfItsLongCalls() throws Exception {
        Python.exec("import time\n"
                + "_ft_counter = 0\n"
                + "def _ft_slow_get():\n"
                + "    end = time.perf_counter() + 0.003\n"
                + "    while time.perf_counter() < end:\n"
                + "        pass\n"
                + "    return _ft_counter\n"
                + "def _ft_put(v):\n"
                + "    global _ft_counter\n"
                + "    _ft_counter = v\n");
        PyObject get = Python.eval("_ft_slow_get");
        PyObject put = Python.eval("_ft_put");
        onThreads(4, () -> {
            for (int i = 0; i < 10; i++) {
                Python.withGil(() -> {
                    long v = get.callAs(Long.class);
                    put.call(v + 1);
                    return null;
                });
            }
            return null;
        });
        assertEquals(40L, (long) Python.eval("_ft_counter", Long.class));
    }
}

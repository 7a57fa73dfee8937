package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Issue 12, class 1: a {@code PyObject} reachable from an operation in flight
 * (an argument, an item nested in a list, map or keyword arguments, a
 * converter's output, a live view, a callback's result) stays alive until the
 * native side holds its own reference, however hard the JVM collects. Before
 * the fix, a temporary argument's wrapper could be collected and its handle
 * released between encoding and the native call ("was closed").
 */
public class InFlightHandlesTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec("def _inflight_k(a, b=None, c=None):\n"
                + "    return len(a) + (len(b) if b is not None else 0) + (len(c) if c is not None else 0)\n"
                + "def _inflight_nested(xs):\n"
                + "    return sum(len(x) for x in xs)\n"
                + "def _inflight_cb_loop(cb, n):\n"
                + "    bad = 0\n"
                + "    for _ in range(n):\n"
                + "        if len(cb()) != 3:\n"
                + "            bad += 1\n"
                + "    return bad\n");
    }

    /** Another JVM thread keeping Python busy, and a thread forcing collections. */
    private static final class Pressure implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong busyCalls = new AtomicLong();
        final AtomicLong gcs = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();

        Pressure(long gcPeriodMillis) {
            threads.add(new Thread(
                    () -> {
                        try (PyObject sum = Python.builtins().getAttr("sum");
                                PyObject r = Python.eval("range(40)")) {
                            while (!stop.get()) {
                                if (sum.callAs(Long.class, r) != 780L) {
                                    throw new AssertionError("busy thread: wrong sum");
                                }
                                busyCalls.incrementAndGet();
                                // some Java work between calls, so that both threads get turns
                                for (int i = 0; i < 200; i++) {
                                    Thread.onSpinWait();
                                }
                            }
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    },
                    "inflight-busy"));
            threads.add(new Thread(
                    () -> {
                        while (!stop.get()) {
                            System.gc();
                            gcs.incrementAndGet();
                            try {
                                Thread.sleep(gcPeriodMillis);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "inflight-gc"));
            for (Thread t : threads) {
                t.setDaemon(true);
                t.start();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("pressure thread failed", failure.get());
            }
        }
    }

    /** Runs {@code n} calls of {@code body}; returns the errors (a spurious "released" among them). */
    private static List<String> run(long n, Supplier<Long> body, long expected) {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        for (long i = 0; i < n; i++) {
            try {
                long v = body.get();
                if (v != expected) {
                    errors.add("call " + i + ": " + v + " instead of " + expected);
                }
            } catch (RuntimeException e) {
                errors.add("call " + i + ": " + e);
            }
            if (errors.size() >= 5) {
                break;
            }
        }
        return errors;
    }

    @Test
    public void temporariesPassedToCallsStayAliveUntilPythonHasThem() throws Exception {
        long calls = Long.getLong("pybridge.inflight.calls", 1_000_000L);
        PyObject len = Python.builtins().getAttr("len");
        PyObject k = Python.eval("_inflight_k");
        PyObject nested = Python.eval("_inflight_nested");
        // Fresh objects each call (a compiled Python.eval per call would cost more than the rest).
        PyObject l1 = Python.eval("lambda: [1]");
        PyObject l2 = Python.eval("lambda: (1, 2)");
        PyObject l3 = Python.eval("lambda: [1, 2, 3]");
        long[] n = {0};
        List<String> errors;
        long gcs;
        try (Pressure p = new Pressure(20)) {
            errors = run(
                    calls,
                    () -> {
                        switch ((int) (n[0]++ & 3)) {
                            case 0:
                                // the wrapper is unreachable as soon as it is encoded
                                return len.callAs(Long.class, l3.call());
                            case 1:
                                // nested in a list and in a map
                                return nested.callAs(Long.class, List.of(l1.call(), Map.of("k", 1, "v", 2), l2.call()))
                                        - 2;
                            case 2:
                                // in keyword arguments
                                return k.callKwAs(Long.class, Map.of("b", l1.call(), "c", l1.call()), l1.call());
                            default:
                                // a live view passed back: the view's handle
                                return len.callAs(Long.class, l3.call().asList());
                        }
                    },
                    3L);
            gcs = p.gcs.get();
            System.out.println("INFO inflight: " + calls + " calls, " + p.busyCalls.get() + " busy-thread calls, " + gcs
                    + " forced GCs, released by GC so far " + Python.stats().releasedByGc());
        }
        assertTrue("the pressure thread forced collections", gcs > 10);
        assertEquals("spurious errors: " + errors, Collections.emptyList(), errors);
    }

    @Test
    public void aCallbackResultStaysAliveUntilPythonHasIt() throws Exception {
        long calls = Long.getLong("pybridge.inflight.callbackCalls", 200_000L);
        PyObject mk = Python.eval("lambda: [7, 8, 9]");
        Supplier<Object> fresh = mk::call;
        PyObject loop = Python.eval("_inflight_cb_loop");
        long bad;
        try (Pressure p = new Pressure(2)) {
            bad = loop.callAs(Long.class, fresh, calls);
        }
        assertEquals("callback results that were wrong", 0L, bad);
    }

    @Test
    public void converterOutputsStayAliveUntilPythonHasThem() throws Exception {
        PyObject mk = Python.eval("lambda: [1, 2, 3]");
        Python.registerConverter(InFlightBox.class, b -> mk.call());
        PyObject len = Python.builtins().getAttr("len");
        List<String> errors;
        try (Pressure p = new Pressure(5)) {
            errors = run(
                    Long.getLong("pybridge.inflight.converterCalls", 200_000L),
                    () -> len.callAs(Long.class, new InFlightBox()),
                    3L);
        }
        assertEquals("spurious errors: " + errors, Collections.emptyList(), errors);
    }

    /** A class the test teaches pybridge to convert (to a fresh, unreferenced PyObject). */
    static final class InFlightBox {}
}

package org.pybridge.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLongArray;
import org.pybridge.PyObject;
import org.pybridge.Python;

/**
 * Free-threaded CPython (issue 24, point 3): N JVM threads each calling a
 * pure-Python CPU-bound function ({@code spin}: a loop of {@code N} integer
 * additions) and a numpy-using one ({@code npspin}: the same sum, a thousand
 * numbers per numpy call) in the main interpreter, on 1 and 2 threads, and
 * the cost of one small call ({@code f(x) = x}, {@code callLong}: workload
 * {@code a}). Run once per Python by {@code bench/freethreading.sh} (a GIL
 * build and a free-threaded one of the same version, side by side).
 *
 * Prints {@code RESULT pybridge <key> <value>}: {@code spin-<threads>t} and
 * {@code numpy-<threads>t} in calls per second (all threads), with
 * {@code cores-...} beside them, and {@code call-a} in ns per call.
 */
public final class FreeThreadScaling {
    static final String CODE = "def spin(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
            + "def f(x):\n    return x\n"
            + "import numpy as np\n"
            + "def npspin(n):\n"
            + "    s = 0\n"
            + "    for k in range(0, n, 1000):\n"
            + "        s += int(np.arange(k, min(k + 1000, n), dtype=np.int64).sum())\n"
            + "    return s\n";

    public static void main(String[] args) throws Exception {
        Python.initialize();
        Python.exec(CODE);
        String ft = Python.eval(
                "'free-threaded' if __import__('sysconfig').get_config_var('Py_GIL_DISABLED') " + "else 'GIL'",
                String.class);
        String tag = Python.info().version().split(" ")[0] + (ft.equals("GIL") ? "" : "t");
        System.out.println("INFO python=" + tag + " (" + ft + ", GIL enabled now: "
                + Python.eval("getattr(__import__('sys'), '_is_gil_enabled', lambda: True)()", Boolean.class) + ")");
        PyObject spin = Python.mainModule().getAttr("spin");
        PyObject npspin = Python.mainModule().getAttr("npspin");
        for (int threads = 1; threads <= 2; threads++) {
            reportSpin(tag, "spin-" + threads + "t", throughput(threads, spin));
            reportSpin(tag, "numpy-" + threads + "t", throughput(threads, npspin));
        }
        PyObject f = Python.mainModule().getAttr("f");
        report(tag, "call-a", perCall(CALLS, n -> {
            long s = 0;
            for (int i = 0; i < n; i++) {
                s += f.callLong(i);
            }
            if (s < 0) {
                throw new IllegalStateException();
            }
        }));
    }

    static final int N = Integer.getInteger("bench.n", 1_000_000);
    static final double SECONDS = Double.parseDouble(System.getProperty("bench.seconds", "4"));
    static final int CALLS = Integer.getInteger("bench.calls", 200_000);

    static void report(String python, String key, double v) {
        System.out.printf("RESULT %s %s %.2f%n", python, key, v);
        System.out.flush();
    }

    /** Process CPU time over wall time of the last {@link #throughput} window: cores kept busy. */
    static double lastParallelism;

    static void reportSpin(String python, String key, double callsPerSecond) {
        report(python, key, callsPerSecond);
        report(python, "cores-" + key, lastParallelism);
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * {@code threads} threads each calling {@code fn(N)} for {@link #SECONDS}
     * after one checked warm-up call: calls per second, all threads.
     */
    static double throughput(int threads, PyObject fn) throws Exception {
        CyclicBarrier ready = new CyclicBarrier(threads + 1);
        CyclicBarrier go = new CyclicBarrier(threads + 1);
        AtomicLongArray done = new AtomicLongArray(threads);
        long expected = (long) N * (N - 1) / 2;
        List<Thread> ts = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            final int k = t;
            Thread th = new Thread(() -> {
                try {
                    if (fn.callLong(N) != expected) {
                        throw new IllegalStateException(fn + "(" + N + ") gave a wrong sum");
                    }
                    ready.await();
                    go.await();
                    long end = System.nanoTime() + (long) (SECONDS * 1e9);
                    while (System.nanoTime() < end) {
                        fn.callLong(N);
                        done.incrementAndGet(k);
                    }
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                    ready.reset();
                    go.reset();
                }
            });
            ts.add(th);
            th.start();
        }
        ready.await();
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        go.await();
        for (Thread th : ts) {
            th.join();
        }
        long window = System.nanoTime() - t0;
        lastParallelism = (processCpuNanos() - cpu0) / (double) window;
        if (failure[0] != null) {
            throw new RuntimeException(failure[0]);
        }
        long total = 0;
        for (int t = 0; t < threads; t++) {
            total += done.get(t);
        }
        return total / (window / 1e9);
    }

    interface LongBody {
        void run(int n) throws Exception;
    }

    /** ns per call of {@code body} (run {@code n} times after a warm-up of n/5). */
    static double perCall(int n, LongBody body) throws Exception {
        body.run(n / 5);
        long t0 = System.nanoTime();
        body.run(n);
        return (System.nanoTime() - t0) / (double) n;
    }
}

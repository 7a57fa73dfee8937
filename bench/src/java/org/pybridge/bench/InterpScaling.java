package org.pybridge.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Parallel Python (issue 18): a pure-Python CPU-bound function (a loop of
 * {@code N} integer additions) on 1 and 2 JVM threads, and the cost of one
 * small call, in one library per JVM (run by {@code bench/interpreters.sh}):
 *
 * <ul>
 *   <li>{@code pybridge}: the main interpreter (one GIL shared by both
 *       threads), then isolated sub-interpreters (own GIL), one per thread;
 *       a call of {@code f(x) = x} in the main interpreter, inside an
 *       interpreter's task, and through {@code Interpreter.call} from another
 *       thread (one hand-off to the interpreter's thread per call).</li>
 *   <li>{@code jep}: Jep's {@code SharedInterpreter} (one GIL), then its
 *       isolated {@code SubInterpreter} ({@code SubInterpreterOptions.isolated()}),
 *       one per thread; a call of {@code f} in each.</li>
 * </ul>
 *
 * Prints {@code RESULT <lib> <key> <value>} lines: {@code spin-<mode>-<threads>t}
 * in loop calls per second (all threads), {@code call-<mode>} in ns per call.
 */
public final class InterpScaling {
    static final String CODE = "def spin(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n"
            + "def f(x):\n    return x\n";
    static final int N = Integer.getInteger("bench.n", 1_000_000);
    static final double SECONDS = Double.parseDouble(System.getProperty("bench.seconds", "4"));
    static final int CALLS = Integer.getInteger("bench.calls", 200_000);

    /** One thread's way to call {@code spin(N)} once; made on (and used from) that thread. */
    interface Spinner extends AutoCloseable {
        long spin() throws Exception;

        @Override
        void close() throws Exception;
    }

    interface SpinnerFactory {
        Spinner make() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String lib = args[0];
        if (lib.equals("pybridge")) {
            PybridgeSide.run();
        } else {
            JepSide.run();
        }
    }

    static void report(String lib, String key, double v) {
        System.out.printf("RESULT %s %s %.2f%n", lib, key, v);
        System.out.flush();
    }

    /**
     * {@code threads} threads, each with its own spinner, calling {@code spin(N)}
     * for {@link #SECONDS} after one warm-up call: calls per second, all threads.
     */
    static double throughput(int threads, SpinnerFactory factory) throws Exception {
        CyclicBarrier ready = new CyclicBarrier(threads + 1);
        CyclicBarrier go = new CyclicBarrier(threads + 1);
        AtomicLongArray done = new AtomicLongArray(threads);
        long expected = (long) N * (N - 1) / 2;
        List<Thread> ts = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        long[] window = new long[1];
        for (int t = 0; t < threads; t++) {
            final int k = t;
            Thread th = new Thread(() -> {
                try (Spinner s = factory.make()) {
                    if (s.spin() != expected) {
                        throw new IllegalStateException("spin(" + N + ") gave a wrong sum");
                    }
                    ready.await();
                    go.await();
                    long end = System.nanoTime() + (long) (SECONDS * 1e9);
                    while (System.nanoTime() < end) {
                        s.spin();
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
        window[0] = System.nanoTime() - t0;
        lastParallelism = (processCpuNanos() - cpu0) / (double) window[0];
        if (failure[0] != null) {
            throw new RuntimeException(failure[0]);
        }
        long total = 0;
        for (int t = 0; t < threads; t++) {
            total += done.get(t);
        }
        return total / (window[0] / 1e9);
    }

    /** Process CPU time over wall time of the last {@link #throughput} window: cores kept busy. */
    static double lastParallelism;

    static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }

    /** Reports a throughput and the cores the process kept busy meanwhile. */
    static void reportSpin(String lib, String key, double callsPerSecond) {
        report(lib, key, callsPerSecond);
        report(lib, "cores-" + key.substring("spin-".length()), lastParallelism);
    }

    /** ns per call of {@code body} (run {@code n} times after a warm-up of n/5). */
    static double perCall(int n, LongBody body) throws Exception {
        body.run(n / 5);
        long t0 = System.nanoTime();
        body.run(n);
        return (System.nanoTime() - t0) / (double) n;
    }

    interface LongBody {
        void run(int n) throws Exception;
    }

    static final class PybridgeSide {
        static void run() throws Exception {
            org.pybridge.Python.initialize();
            org.pybridge.Python.exec(CODE);
            System.out.println("INFO pybridge python="
                    + org.pybridge.Python.info().version().split(" ")[0]);
            org.pybridge.PyObject mainSpin = org.pybridge.Python.mainModule().getAttr("spin");
            for (int threads = 1; threads <= 2; threads++) {
                reportSpin("pybridge", "spin-shared-" + threads + "t", throughput(threads, () -> new Spinner() {
                    @Override
                    public long spin() {
                        return mainSpin.callLong(N);
                    }

                    @Override
                    public void close() {}
                }));
                reportSpin("pybridge", "spin-isolated-" + threads + "t", throughput(threads, () -> {
                    org.pybridge.Interpreter in =
                            org.pybridge.Python.newInterpreter(org.pybridge.InterpreterConfig.isolated());
                    in.exec(CODE);
                    org.pybridge.PyObject spin =
                            in.call(() -> org.pybridge.Python.mainModule().getAttr("spin"));
                    return new Spinner() {
                        @Override
                        public long spin() {
                            return in.call(() -> spin.callLong(N));
                        }

                        @Override
                        public void close() {
                            in.close();
                        }
                    };
                }));
            }
            // The cost of one small call.
            org.pybridge.PyObject f = org.pybridge.Python.mainModule().getAttr("f");
            report("pybridge", "call-main", perCall(CALLS, n -> {
                for (int i = 0; i < n; i++) {
                    f.callLong(i);
                }
            }));
            try (org.pybridge.Interpreter in =
                    org.pybridge.Python.newInterpreter(org.pybridge.InterpreterConfig.isolated())) {
                in.exec(CODE);
                org.pybridge.PyObject g =
                        in.call(() -> org.pybridge.Python.mainModule().getAttr("f"));
                report(
                        "pybridge",
                        "call-isolated-in-task",
                        perCall(
                                CALLS,
                                n -> in.run(() -> {
                                    for (int i = 0; i < n; i++) {
                                        g.callLong(i);
                                    }
                                })));
                report("pybridge", "call-isolated-handoff", perCall(CALLS / 10, n -> {
                    for (int i = 0; i < n; i++) {
                        final long x = i;
                        in.call(() -> g.callLong(x));
                    }
                }));
            }
        }
    }

    static final class JepSide {
        static void run() throws Exception {
            try (jep.SharedInterpreter probe = new jep.SharedInterpreter()) {
                probe.exec("import sys, jep\n_v = sys.version.split()[0] + ' jep ' + jep.__version__");
                System.out.println("INFO jep python=" + probe.getValue("_v"));
            }
            for (int threads = 1; threads <= 2; threads++) {
                reportSpin("jep", "spin-shared-" + threads + "t", throughput(threads, () -> jepSpinner(false)));
                reportSpin("jep", "spin-isolated-" + threads + "t", throughput(threads, () -> jepSpinner(true)));
            }
            for (boolean isolated : new boolean[] {false, true}) {
                jep.Interpreter in = isolated
                        ? new jep.JepConfig()
                                .setSubInterpreterOptions(jep.SubInterpreterOptions.isolated())
                                .createSubInterpreter()
                        : new jep.SharedInterpreter();
                in.exec(CODE);
                jep.python.PyCallable f = in.getValue("f", jep.python.PyCallable.class);
                report("jep", isolated ? "call-isolated-in-task" : "call-main", perCall(CALLS, n -> {
                    for (int i = 0; i < n; i++) {
                        f.callAs(Long.class, (long) i);
                    }
                }));
                in.close();
            }
        }

        static Spinner jepSpinner(boolean isolated) throws Exception {
            jep.Interpreter in = isolated
                    ? new jep.JepConfig()
                            .setSubInterpreterOptions(jep.SubInterpreterOptions.isolated())
                            .createSubInterpreter()
                    : new jep.SharedInterpreter();
            in.exec(CODE);
            jep.python.PyCallable spin = in.getValue("spin", jep.python.PyCallable.class);
            return new Spinner() {
                @Override
                public long spin() {
                    return spin.callAs(Long.class, (long) N);
                }

                @Override
                public void close() {
                    in.close();
                }
            };
        }
    }
}

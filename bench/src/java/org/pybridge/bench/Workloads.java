package org.pybridge.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The workloads, written once against {@link Lib}; each library's child JVM
 * ({@link PybridgeBench}, {@link JepBench}, {@link PemjaBench}) implements
 * {@code Lib} with that library's fastest API and calls {@link #run}.
 *
 * <p>Protocol to the {@link Driver}, one line each on stdout:
 * {@code RESULT <key> <v1> <v2> ...} (the measured iterations, in the unit of
 * the key) and {@code INFO <key> <text>}. Everything else is ignored.
 */
final class Workloads {
    private Workloads() {}

    /** Python run once in each library's interpreter before measuring. */
    static final String SETUP = String.join(
            "\n",
            "def f(x):",
            "    return x",
            "data = [{'a': 1, 'b': 2} for _ in range(1000)]",
            "def mk():",
            "    return [{'a': 1, 'b': 2} for _ in range(1000)]",
            "class Obj:",
            "    __slots__ = ()",
            "def loop(cb, n):",
            "    s = 0",
            "    for i in range(n):",
            "        s += cb(i)",
            "    return s",
            "def loop_apply(cb, n):",
            "    s = 0",
            "    for i in range(n):",
            "        s += cb.apply(i)",
            "    return s",
            "x = 12345",
            "def slen(s):",
            "    return len(s)",
            "def jmloop(lst, n):",
            "    for i in range(n):",
            "        lst.add(i)",
            "    return lst.size()",
            "");

    /**
     * Python run once more, only in d2's JVMs: {@code big}, a 1 MB str of varied
     * ASCII, the same characters as {@link #bigString()}.
     */
    static final String STR_SETUP = String.join(
            "\n",
            "big = (bytes(range(32, 127)) * (1_000_000 // 95 + 1))[:1_000_000].decode('ascii')",
            "def getbig():",
            "    return big",
            "");

    /** The value of the global x (SETUP), read by b. */
    static final long X = 12345;

    /** d1/d2: the length of the big string. */
    static final int BIG = 1_000_000;

    private static String bigString;

    /** d1's Java string and d2's expected value: 1M chars of varied ASCII, char i = 32 + i % 95; built once. */
    static String bigString() {
        if (bigString == null) {
            char[] c = new char[BIG];
            for (int i = 0; i < BIG; i++) {
                c[i] = (char) (32 + i % 95);
            }
            bigString = new String(c);
        }
        return bigString;
    }

    /** Python run once more, only in the JVMs of the numpy workloads (n0, n1, n2). */
    static final String NUMPY_SETUP = String.join(
            "\n",
            "import time, numpy",
            "_arr = numpy.random.rand(1_000_000)",
            "def _n0(k):",
            "    a = _arr",
            "    t0 = time.perf_counter_ns()",
            "    for _ in range(k):",
            "        a.sum()",
            "    return time.perf_counter_ns() - t0",
            "def npsum(a):",
            "    return float(a.sum())",
            "def npsum_bytes(b):",
            "    return float(numpy.frombuffer(b, dtype='float64').sum())",
            "");

    /** The numpy workloads' data: 1M doubles, the same values for every library. */
    static final int NP = 1_000_000;

    /** Element i of the data: multiples of 0.25, so that every order of summation is exact. */
    /** pd: a 200k × 10 DataFrame, five float64 and five int64 columns c0…c9. */
    static final String PANDAS_SETUP = String.join(
            "\n",
            "import numpy as _np, pandas as _pd",
            "_rng = _np.random.default_rng(0)",
            "df = _pd.DataFrame({'c%d' % i: (_rng.random(200_000) if i % 2 == 0 else _rng.integers(0, 1000, 200_000))",
            "                    for i in range(10)})",
            "");

    static double element(int i) {
        return (i % 1000) * 0.25;
    }

    /** The exact sum of the data. */
    static final double NP_SUM = 1000 * 0.25 * (999 * 1000 / 2);

    private static ByteBuffer direct;
    private static double[] array;

    /** n1's data: a direct ByteBuffer of NP doubles in native order, filled once. */
    static ByteBuffer directData() {
        if (direct == null) {
            direct = ByteBuffer.allocateDirect(8 * NP).order(ByteOrder.nativeOrder());
            DoubleBuffer d = direct.asDoubleBuffer();
            for (int i = 0; i < NP; i++) {
                d.put(i, element(i));
            }
        }
        return direct;
    }

    /** n2's data: a double[] of NP, filled once. */
    static double[] arrayData() {
        if (array == null) {
            array = new double[NP];
            for (int i = 0; i < NP; i++) {
                array[i] = element(i);
            }
        }
        return array;
    }

    /** The last sum a numpy workload (or the value a cb loop, b or d1) returned to Java, for the sanity checks. */
    static double lastSum;

    /** The last string d2 read, for its sanity check. */
    static String lastString;

    /**
     * g: one Java thread's way to call f(i) -> long, made on (and used only by)
     * that thread: a library whose interpreters are thread-bound makes one per thread.
     */
    interface ThreadCaller {
        /** n calls f(i) for i in 0..n-1 (the GIL taken per call, as in a); the sum of the results. */
        long run(int n);

        /**
         * g': as {@link #run}, with {@link #javaWork}{@code (work)} after each call (Java
         * work between calls, as a real caller has); the sum of the f(i).
         */
        long runWithWork(int n, int work);

        /** Releases what {@link Lib#threadCaller()} made; called on the same thread. */
        default void close() {}
    }

    /** One library, seen from the workloads. Every method returns the nanoseconds it measured. */
    interface Lib {
        String name();

        /** Version facts printed as INFO lines (library version, Python version). */
        List<String[]> info();

        /** a: n calls of f(i) -> long, GIL taken per call. */
        long call(int n);

        /** a': n calls of f(i) -> long, the GIL held around the loop; -1 if the library cannot. */
        long callHoldingGil(int n);

        /** b: n reads of the global x (an int, 12345) as a long; sets {@link #lastSum} to the last value. */
        long readGlobal(int n);

        /**
         * d1: n calls of slen(s) with the 1 MB Java string {@link #bigString()}, the
         * result as a long; sets {@link #lastSum} to the last result.
         */
        long strToPython(int n);

        /** d2: n reads of the 1 MB Python str big as a java.lang.String; sets {@link #lastString}. */
        long strFromPython(int n);

        /** After STR_SETUP ran: fetch handles if the library uses them. */
        default void bindStrings() {}

        /**
         * g: called on each worker thread before it measures; the library's way for
         * this thread to call f (pybridge shares one handle; Jep and pemja make an
         * interpreter per thread, each running SETUP).
         */
        ThreadCaller threadCaller() throws Exception;

        /**
         * Variants of a workload the library also offers, timed in the same JVM after
         * the workload (INFO lines, for the footnotes); none by default.
         */
        default List<String[]> variants(String key) {
            return new ArrayList<>();
        }

        /** c: n conversions of the prebuilt list of 1000 dicts into a Java List of Maps. */
        long convert(int n);

        /** c': n times: build the list in Python (mk()) and convert it, as one unit of work. */
        long buildConvert(int n);

        /** f: n times create an object() handle and close it. */
        long createClose(int n);

        /** f (like for like): n times create an Obj() handle (class Obj: __slots__ = ()) and close it. */
        long createCloseObj(int n);

        /** f': n times create an object() handle and drop it (GC path). */
        long createDrop(int n);

        /** h: create n handles (not timed), then release them all; the release is timed. */
        long releaseMany(int n);

        /** Runs Python statements in the interpreter's main namespace. */
        void exec(String code);

        /** A global of the main namespace, as a long. */
        long getLong(String name);

        /** After NUMPY_SETUP ran: fetch handles to npsum/npsum_bytes if the library uses them. */
        default void bindNumpy() {}

        /**
         * n1: n times hand the prefilled direct buffer ({@link #directData}) to numpy
         * without a copy, sum it, get the sum as a double; -1 if the library cannot.
         */
        long numpyZeroCopy(int n);

        /** n2: n times copy the prefilled double[] ({@link #arrayData}) into numpy, sum, get a double. */
        long numpyFromArray(int n);

        /**
         * cb: one call of loop(cb, n) (or loop_apply) with a Java function cb = x -> x, so n
         * Python→Java callbacks; -1 if the library cannot pass a Java function to Python.
         */
        long callback(int n);

        /** cb': the same with the library's other way of passing a Java function, if any; else -1. */
        default long callbackOther(int n) {
            return -1;
        }

        /** What cb' is, for the report. */
        default String callbackOtherWhat() {
            return "";
        }

        /**
         * jm: a Java method called from a Python loop: {@code jmloop(lst, n)}
         * runs {@code lst.add(i)} n times on a new java.util.ArrayList that
         * Python sees as a live Java object; returns the time, or -1 if the
         * library cannot hand Python a live Java object.
         */
        default long javaMethod(int n) {
            return -1;
        }

        /**
         * pd: n times the DataFrame {@code df} (PANDAS_SETUP: 200k rows × 10 numeric
         * columns) into Java: way 0 in one call (pybridge's {@code toColumns()}), 1 one
         * {@code to_numpy()} per column, 2 {@code df.to_dict('list')}; -1 if the
         * library cannot. Sets {@link #lastSum} to what it read.
         */
        default long dataframe(int n, int way) {
            return -1;
        }

        /** Sanity checks: results have the expected Java types and values; throws if not. */
        void check();

        /** Extra INFO lines after the run (counters). */
        default List<String[]> after() {
            return new ArrayList<>();
        }
    }

    static long sink;

    private static boolean quick() {
        return Boolean.getBoolean("bench.quick");
    }

    interface Body {
        long run(int n);
    }

    /** Warm-up, then measured iterations; prints RESULT key values (value = ns/op / divisor). */
    private static void measure(
            String key, Body body, int opsPerIter, int warmup, int iters, double divisor, boolean throughput) {
        if (quick()) {
            opsPerIter = Math.max(1, opsPerIter / 10);
            warmup = Math.min(warmup, 2);
            iters = Math.min(iters, 5);
        }
        System.gc();
        for (int i = 0; i < warmup; i++) {
            body.run(opsPerIter);
        }
        StringBuilder sb = new StringBuilder("RESULT ").append(key);
        for (int i = 0; i < iters; i++) {
            long ns = body.run(opsPerIter);
            double v = throughput ? opsPerIter / (ns / 1e9) : ns / (double) opsPerIter / divisor;
            sb.append(' ').append(String.format(Locale.ROOT, "%.6g", v));
        }
        System.out.println(sb);
        System.out.flush();
    }

    /** As {@link #measure}, for several bodies run one after the other (in rotating order) in each iteration. */
    private static void measureInterleaved(
            String[] keys, Body[] bodies, int[] ops, int warmup, int iters, double divisor) {
        if (quick()) {
            warmup = Math.min(warmup, 1);
            iters = Math.min(iters, 3);
        }
        System.gc();
        for (int i = 0; i < warmup; i++) {
            for (int k = 0; k < bodies.length; k++) {
                bodies[k].run(ops[k]);
            }
        }
        StringBuilder[] sb = new StringBuilder[keys.length];
        for (int k = 0; k < keys.length; k++) {
            sb[k] = new StringBuilder("RESULT ").append(keys[k]);
        }
        for (int i = 0; i < iters; i++) {
            // The order rotates, so that no body always follows the same other one (its garbage).
            for (int j = 0; j < keys.length; j++) {
                int k = (i + j) % keys.length;
                long ns = bodies[k].run(ops[k]);
                sb[k].append(' ').append(String.format(Locale.ROOT, "%.6g", ns / (double) ops[k] / divisor));
            }
        }
        for (StringBuilder b : sb) {
            System.out.println(b);
        }
        System.out.flush();
    }

    static void run(Lib lib) {
        String only = System.getProperty("bench.workloads", "");
        info("lib", lib.name());
        for (String[] kv : lib.info()) {
            info(kv[0], kv[1]);
        }
        info("rss_start_mb", fmt(rssMb("VmRSS")));
        lib.check();
        final double us = 1e3, ms = 1e6;
        if (wanted(only, "a")) {
            measure("a", lib::call, 200_000, 5, 10, us, false);
        }
        if (wanted(only, "a2") && lib.callHoldingGil(1) >= 0) {
            measure("a2", lib::callHoldingGil, 200_000, 5, 10, us, false);
        }
        if (wanted(only, "b")) {
            lastSum = Double.NaN;
            lib.readGlobal(1);
            require(lastSum == X, "b: x == " + X + ", got " + lastSum);
            measure("b", lib::readGlobal, 200_000, 5, 10, us, false);
            variants(lib, "b");
        }
        if (wanted(only, "c")) {
            measure("c", lib::convert, 100, 5, 10, ms, false);
        }
        if (wanted(only, "c2")) {
            measure("c2", lib::buildConvert, 100, 5, 10, ms, false);
        }
        if (wanted(only, "d1")) {
            bigString();
            lastSum = Double.NaN;
            lib.strToPython(1);
            require(lastSum == BIG, "d1: slen(s) == " + BIG + ", got " + lastSum);
            measure("d1", lib::strToPython, 200, 5, 10, ms, false);
            variants(lib, "d1");
        }
        if (wanted(only, "d2")) {
            bigString();
            lib.exec(STR_SETUP);
            lib.bindStrings();
            lastString = null;
            lib.strFromPython(1);
            require(
                    bigString().equals(lastString),
                    "d2: big read back equals the expected 1M chars, got "
                            + (lastString == null ? "null" : "a string of length " + lastString.length()));
            measure("d2", lib::strFromPython, 200, 5, 10, ms, false);
            variants(lib, "d2");
        }
        if (wanted(only, "f")) {
            measure("f", lib::createClose, 200_000, 5, 10, us, false);
        }
        if (wanted(only, "fo")) {
            measure("fo", lib::createCloseObj, 200_000, 5, 10, us, false);
        }
        if (wanted(only, "f2")) {
            // RSS after each measured iteration shows whether the GC path keeps up.
            List<Double> rss = new ArrayList<>();
            double before = rssMb("VmRSS");
            measure(
                    "f2",
                    n -> {
                        long t = lib.createDrop(n);
                        rss.add(rssMb("VmRSS"));
                        return t;
                    },
                    200_000,
                    5,
                    10,
                    us,
                    false);
            List<Double> measured = rss.subList(Math.max(0, rss.size() - (quick() ? 5 : 10)), rss.size());
            StringBuilder sb = new StringBuilder("RESULT f2_rss");
            for (double v : measured) {
                sb.append(' ').append(fmt(v));
            }
            System.out.println(sb);
            info("f2_rss_before_mb", fmt(before));
        }
        if (wanted(only, "g")) {
            threads(lib);
        }
        if (wanted(only, "gw")) {
            threadsWithWork(lib);
        }
        if (wanted(only, "h")) {
            measure("h", lib::releaseMany, 1_000_000, 1, 5, 1, true);
        }
        if (wanted(only, "n0") || wanted(only, "n1") || wanted(only, "n2")) {
            lib.exec(NUMPY_SETUP);
            lib.bindNumpy();
        }
        if (wanted(only, "n0")) {
            // numpy's own time, measured in Python: the floor for n1 and n2.
            lib.exec("_n0_t = _n0(1)");
            require(lib.getLong("_n0_t") > 0, "n0: _n0(1) > 0 ns");
            measure(
                    "n0",
                    n -> {
                        lib.exec("_n0_t = _n0(" + n + ")");
                        return lib.getLong("_n0_t");
                    },
                    200,
                    3,
                    10,
                    ms,
                    false);
        }
        if (wanted(only, "n1")) {
            directData();
            lastSum = Double.NaN;
            if (lib.numpyZeroCopy(1) < 0) {
                info("unsupported_n1", "no zero-copy path from a Java buffer to numpy");
            } else {
                require(lastSum == NP_SUM, "n1: sum == " + NP_SUM + ", got " + lastSum);
                measure("n1", lib::numpyZeroCopy, 200, 3, 10, ms, false);
            }
        }
        if (wanted(only, "n2")) {
            arrayData();
            lastSum = Double.NaN;
            lib.numpyFromArray(1);
            require(lastSum == NP_SUM, "n2: sum == " + NP_SUM + ", got " + lastSum);
            measure("n2", lib::numpyFromArray, 100, 3, 10, ms, false);
        }
        if (wanted(only, "cb")) {
            lastSum = Double.NaN;
            if (lib.callback(10) < 0) {
                info("unsupported_cb", "cannot pass a Java function to Python");
            } else {
                require(lastSum == 45, "cb: loop(cb, 10) == 45, got " + lastSum);
                measure("cb", lib::callback, 100_000, 3, 10, us, false);
            }
            lastSum = Double.NaN;
            if (lib.callbackOther(10) >= 0) {
                require(lastSum == 45, "cb': loop(cb, 10) == 45, got " + lastSum);
                info("cb2_what", lib.callbackOtherWhat());
                measure("cb2", lib::callbackOther, 100_000, 3, 10, us, false);
            } else {
                info("unsupported_cb2", "no other way to pass a Java function");
            }
        }
        if (wanted(only, "jm")) {
            lastSum = Double.NaN;
            if (lib.javaMethod(10) < 0) {
                info("unsupported_jm", "cannot call Java methods from Python");
            } else {
                require(lastSum == 10, "jm: jmloop(lst, 10) == 10, got " + lastSum);
                measure("jm", lib::javaMethod, 100_000, 3, 10, us, false);
            }
        }
        if (wanted(only, "pd")) {
            lastSum = Double.NaN;
            if (lib.dataframe(0, 0) < 0) {
                info("unsupported_pd", "no DataFrame → Java columns path");
            } else {
                lib.exec(PANDAS_SETUP);
                lib.dataframe(1, 0);
                require(lastSum == 200_010, "pd: one call reads 10 columns of 200k, got " + lastSum);
                lib.dataframe(1, 1);
                require(lastSum == 2_000_000, "pd: per column reads 10 × 200k, got " + lastSum);
                lib.dataframe(1, 2);
                require(lastSum == 200_010, "pd: to_dict reads 10 lists of 200k, got " + lastSum);
                // One call and per column alternate within each iteration (the machine drifts
                // alike for both); to_dict runs apart: whatever runs right after it pays for
                // its 2M objects' collection (measured: 5-10x slower).
                measureInterleaved(
                        new String[] {"pd", "pd_col"},
                        new Body[] {n -> lib.dataframe(n, 0), n -> lib.dataframe(n, 1)},
                        new int[] {10, 10},
                        3,
                        16,
                        ms);
                measure("pd_dict", n -> lib.dataframe(n, 2), 1, 1, 5, ms, false);
            }
        }
        for (String[] kv : lib.after()) {
            info(kv[0], kv[1]);
        }
        info("rss_end_mb", fmt(rssMb("VmRSS")));
        info("peak_rss_mb", fmt(rssMb("VmHWM")));
        info("sink", Long.toString(sink));
        System.out.println("DONE");
        System.out.flush();
    }

    private static void variants(Lib lib, String key) {
        for (String[] kv : lib.variants(key)) {
            info(kv[0], kv[1]);
        }
    }

    /**
     * For {@link Lib#variants}: warm-up, then {@code iters} rounds in each of which
     * every body runs {@code ops} operations, one after the other; the median of
     * each body, in ns/op / divisor.
     */
    static double[] interleavedMedians(List<Body> bodies, int ops, int warmup, int iters, double divisor) {
        if (quick()) {
            ops = Math.max(1, ops / 10);
        }
        for (int i = 0; i < warmup; i++) {
            for (Body b : bodies) {
                b.run(ops);
            }
        }
        List<List<Double>> v = new ArrayList<>();
        for (int k = 0; k < bodies.size(); k++) {
            v.add(new ArrayList<>());
        }
        for (int i = 0; i < iters; i++) {
            for (int k = 0; k < bodies.size(); k++) {
                v.get(k).add(bodies.get(k).run(ops) / (double) ops / divisor);
            }
        }
        double[] m = new double[bodies.size()];
        for (int k = 0; k < m.length; k++) {
            Collections.sort(v.get(k));
            m[k] = v.get(k).get(v.get(k).size() / 2);
        }
        return m;
    }

    /** Java work between two calls in g': {@code iters} steps of a 64-bit LCG (no allocation). */
    static long javaWork(long x, int iters) {
        for (int i = 0; i < iters; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    /** Where javaWork's results go, so that the JIT keeps the work. */
    static volatile long workSink;

    /** One worker thread of g: makes its ThreadCaller on itself, then runs the calls it is given. */
    private static final class Worker extends Thread {
        final Lib lib;
        final BlockingQueue<Object> tasks = new LinkedBlockingQueue<>();
        final BlockingQueue<Object> results = new LinkedBlockingQueue<>();

        Worker(Lib lib, int k) {
            super("bench-g-" + k);
            this.lib = lib;
            setDaemon(true);
        }

        @Override
        public void run() {
            ThreadCaller c = null;
            try {
                c = lib.threadCaller();
                long s = c.run(10);
                require(s == 45, "g: sum of f(i), i < 10 == 45 on " + getName() + ", got " + s);
                results.put("ready");
                while (true) {
                    Object task = tasks.take();
                    if (!(task instanceof Object[])) {
                        break;
                    }
                    Object[] t = (Object[]) task;
                    int n = (Integer) t[0];
                    CyclicBarrier start = (CyclicBarrier) t[1];
                    if (start != null) {
                        start.await();
                    }
                    int work = t.length > 2 ? (Integer) t[2] : 0;
                    long t0 = System.nanoTime();
                    long sum = work == 0 ? c.run(n) : c.runWithWork(n, work);
                    long t1 = System.nanoTime();
                    require(sum == (long) n * (n - 1) / 2, "g: sum of f(i), i < " + n + " on " + getName());
                    results.put(new long[] {t0, t1});
                }
            } catch (Throwable e) {
                results.add(e);
            } finally {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Throwable e) {
                        results.add(e);
                    }
                }
            }
        }

        Object await() throws Exception {
            Object r = results.take();
            if (r instanceof Throwable) {
                throw new IllegalStateException("g: worker " + getName() + " failed", (Throwable) r);
            }
            return r;
        }
    }

    /**
     * g: two worker threads, each with its own {@link ThreadCaller}. Each iteration
     * times n calls on worker 0 alone (1 thread), then n calls on each worker at
     * once, started together (2 threads, wall time from the first start to the
     * last end). RESULT g: the 2-thread throughput / the 1-thread one (higher is
     * better; 2 = perfect scaling); RESULT g1, g2: the two throughputs (calls/s).
     */
    private static void threads(Lib lib) {
        threads(lib, "g", 0, 200_000);
    }

    /**
     * g': as g, with {@code GW_WORK} LCG steps of Java work after each call (about 2 µs
     * here; the INFO line gives the measured time), so that calls from the two threads
     * interleave with work that runs in parallel. 2 = perfect scaling.
     */
    static final int GW_WORK = 1_000;

    private static void threadsWithWork(Lib lib) {
        long t0 = System.nanoTime();
        long x = 0;
        for (int i = 0; i < 20_000; i++) {
            x = javaWork(x + i, GW_WORK);
        }
        workSink = x;
        info(
                "gw_work",
                String.format(
                        Locale.ROOT,
                        "%.2f µs of Java work per call (%d LCG steps)",
                        (System.nanoTime() - t0) / 1e3 / 20_000,
                        GW_WORK));
        threads(lib, "gw", GW_WORK, 40_000);
    }

    private static void threads(Lib lib, String key, int work, int calls) {
        int n = calls, warmup = 3, iters = 10;
        if (quick()) {
            n /= 10;
            warmup = Math.min(warmup, 2);
            iters = Math.min(iters, 5);
        }
        Worker[] w = {new Worker(lib, 0), new Worker(lib, 1)};
        try {
            for (Worker x : w) {
                x.start();
                x.await(); // made its caller and passed the check, one thread at a time
            }
            StringBuilder ratio = new StringBuilder("RESULT " + key);
            StringBuilder one = new StringBuilder("RESULT " + key + "1");
            StringBuilder two = new StringBuilder("RESULT " + key + "2");
            List<Double> ones = new ArrayList<>(), twos = new ArrayList<>();
            System.gc();
            for (int it = 0; it < warmup + iters; it++) {
                w[0].tasks.put(new Object[] {n, null, work});
                long[] r = (long[]) w[0].await();
                double thr1 = n / ((r[1] - r[0]) / 1e9);
                CyclicBarrier start = new CyclicBarrier(2);
                for (Worker x : w) {
                    x.tasks.put(new Object[] {n, start, work});
                }
                long[] r0 = (long[]) w[0].await(), r1 = (long[]) w[1].await();
                double thr2 = 2.0 * n / ((Math.max(r0[1], r1[1]) - Math.min(r0[0], r1[0])) / 1e9);
                if (it >= warmup) {
                    ratio.append(' ').append(String.format(Locale.ROOT, "%.6g", thr2 / thr1));
                    one.append(' ').append(String.format(Locale.ROOT, "%.6g", thr1));
                    two.append(' ').append(String.format(Locale.ROOT, "%.6g", thr2));
                    ones.add(thr1);
                    twos.add(thr2);
                }
            }
            System.out.println(ratio);
            System.out.println(one);
            System.out.println(two);
            Collections.sort(ones);
            Collections.sort(twos);
            info(
                    key + "_throughput",
                    String.format(
                            Locale.ROOT,
                            "1 thread %.3g calls/s, 2 threads %.3g calls/s (medians;"
                                    + " %d calls per thread per iteration)",
                            ones.get(ones.size() / 2),
                            twos.get(twos.size() / 2),
                            n));
            for (Worker x : w) {
                x.tasks.put("stop");
            }
            for (Worker x : w) {
                x.join(60_000);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean wanted(String only, String key) {
        if (only.isEmpty()) {
            return true;
        }
        for (String k : only.split(",")) {
            if (k.trim().equals(key)) {
                return true;
            }
        }
        return false;
    }

    static void info(String key, String value) {
        System.out.println("INFO " + key + " " + value.replace('\n', ' '));
        System.out.flush();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A field of /proc/self/status in MB (VmRSS now, VmHWM peak). */
    static double rssMb(String field) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    String[] p = line.substring(field.length() + 1).trim().split("\\s+");
                    return Long.parseLong(p[0]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }

    static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("bench sanity check failed: " + what);
        }
    }
}

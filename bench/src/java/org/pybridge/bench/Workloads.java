package org.pybridge.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
    static final String SETUP = String.join("\n",
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
            "");

    /** Python run once more, only in the JVMs of the numpy workloads (n0, n1, n2). */
    static final String NUMPY_SETUP = String.join("\n",
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

    /** The last sum a numpy workload (or the value a cb loop) returned to Java, for the sanity checks. */
    static double lastSum;

    /** One library, seen from the workloads. Every method returns the nanoseconds it measured. */
    interface Lib {
        String name();

        /** Version facts printed as INFO lines (library version, Python version). */
        List<String[]> info();

        /** a: n calls of f(i) -> long, GIL taken per call. */
        long call(int n);

        /** a': n calls of f(i) -> long, the GIL held around the loop; -1 if the library cannot. */
        long callHoldingGil(int n);

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
    private static void measure(String key, Body body, int opsPerIter, int warmup, int iters, double divisor,
            boolean throughput) {
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
        if (wanted(only, "c")) {
            measure("c", lib::convert, 100, 5, 10, ms, false);
        }
        if (wanted(only, "c2")) {
            measure("c2", lib::buildConvert, 100, 5, 10, ms, false);
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
            measure("f2", n -> {
                long t = lib.createDrop(n);
                rss.add(rssMb("VmRSS"));
                return t;
            }, 200_000, 5, 10, us, false);
            List<Double> measured = rss.subList(Math.max(0, rss.size() - (quick() ? 5 : 10)), rss.size());
            StringBuilder sb = new StringBuilder("RESULT f2_rss");
            for (double v : measured) {
                sb.append(' ').append(fmt(v));
            }
            System.out.println(sb);
            info("f2_rss_before_mb", fmt(before));
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
            measure("n0", n -> {
                lib.exec("_n0_t = _n0(" + n + ")");
                return lib.getLong("_n0_t");
            }, 200, 3, 10, ms, false);
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
        for (String[] kv : lib.after()) {
            info(kv[0], kv[1]);
        }
        info("rss_end_mb", fmt(rssMb("VmRSS")));
        info("peak_rss_mb", fmt(rssMb("VmHWM")));
        info("sink", Long.toString(sink));
        System.out.println("DONE");
        System.out.flush();
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

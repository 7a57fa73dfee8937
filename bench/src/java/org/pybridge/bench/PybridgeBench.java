package org.pybridge.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.pybridge.Gil;
import org.pybridge.PyCallback;
import org.pybridge.PyNamespace;
import org.pybridge.PyObject;
import org.pybridge.Python;
import org.pybridge.ResourceScope;
import org.pybridge.Stats;

/** pybridge's child JVM: the workloads through the public API (jar from {@code gradle jar}). */
public final class PybridgeBench implements Workloads.Lib {
    private PyObject f;
    private PyObject data;
    private PyObject mk;
    private PyObject object;
    private PyObject obj;
    private PyObject loop;
    private PyObject jmloop;
    private PyObject main;
    private PyObject globals;
    private PyObject slen;

    public static void main(String[] args) {
        Python.initialize();
        Python.exec(Workloads.SETUP);
        PybridgeBench b = new PybridgeBench();
        PyObject main = Python.mainModule();
        b.f = main.getAttr("f");
        b.data = main.getAttr("data");
        b.mk = main.getAttr("mk");
        b.object = Python.builtins().getAttr("object");
        b.obj = main.getAttr("Obj");
        b.loop = main.getAttr("loop");
        b.jmloop = main.getAttr("jmloop");
        b.main = main;
        b.globals = main.getAttr("__dict__");
        b.slen = main.getAttr("slen");
        Workloads.run(b);
    }

    @Override
    public String name() {
        return "pybridge";
    }

    @Override
    public List<String[]> info() {
        return new ArrayList<>(Arrays.asList(
                new String[] {"python", Python.info().version()},
                new String[] {"python_exe", Python.info().executable()},
                new String[] {
                    "version", String.valueOf(Python.class.getPackage().getImplementationVersion())
                }));
    }

    @Override
    public void check() {
        Workloads.require(Long.valueOf(7).equals(f.callAs(Long.class, 7)), "f(7) == 7L");
        Object l = data.toJava();
        Workloads.require(
                l instanceof List && ((List<?>) l).size() == 1000 && ((List<?>) l).get(0) instanceof Map,
                "data -> List<Map> of 1000: " + l.getClass());
    }

    @Override
    public long call(int n) {
        PyObject f = this.f;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s += f.callAs(Long.class, i);
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long callHoldingGil(int n) {
        PyObject f = this.f;
        long s = 0;
        long t0 = System.nanoTime();
        try (Gil g = Python.acquireGil()) {
            for (int i = 0; i < n; i++) {
                s += f.callAs(Long.class, i);
            }
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    /**
     * b: {@code getItem("x", Long.class)} on {@code __main__}'s globals dict
     * ({@code main.getAttr("__dict__")}, fetched once): the fastest public way in a
     * quick check (≈ 25% under {@code main.getAttr("x", Long.class)}); the others
     * are timed as {@link #variants}.
     */
    @Override
    public long readGlobal(int n) {
        PyObject globals = this.globals;
        long s = 0, v = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = globals.getItem("x", Long.class);
            s += v;
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = v;
        Workloads.sink += s;
        return t;
    }

    /** d1: {@code slen.callAs(Long.class, s)} on a cached handle. */
    @Override
    public long strToPython(int n) {
        PyObject slen = this.slen;
        String str = Workloads.bigString();
        long s = 0, v = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = slen.callAs(Long.class, str);
            s += v;
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = v;
        Workloads.sink += s;
        return t;
    }

    /** d2: {@code getItem("big", String.class)} on the globals dict, as b. */
    @Override
    public long strFromPython(int n) {
        PyObject globals = this.globals;
        String v = null;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = globals.getItem("big", String.class);
            s += v.length();
        }
        long t = System.nanoTime() - t0;
        Workloads.lastString = v;
        Workloads.sink += s;
        return t;
    }

    /** g: any thread may call; the two threads share the handle f. */
    @Override
    public Workloads.ThreadCaller threadCaller() {
        PyObject f = this.f;
        return new Workloads.ThreadCaller() {
            @Override
            public long run(int n) {
                long s = 0;
                for (int i = 0; i < n; i++) {
                    s += f.callAs(Long.class, i);
                }
                return s;
            }

            @Override
            public long runWithWork(int n, int work) {
                long s = 0, x = 0;
                for (int i = 0; i < n; i++) {
                    s += f.callAs(Long.class, i);
                    x = Workloads.javaWork(x + s, work);
                }
                Workloads.workSink = x;
                return s;
            }
        };
    }

    /**
     * b and d2: pybridge's other public ways, timed after the workload in the same
     * JVM, interleaved with the way the workload uses (so that warm-up and drift
     * fall on all alike); INFO lines for the footnotes.
     */
    @Override
    public List<String[]> variants(String key) {
        PyObject main = this.main;
        PyObject globals = this.globals;
        List<String> names = new ArrayList<>();
        List<Workloads.Body> bodies = new ArrayList<>();
        if (key.equals("b")) {
            Long x = Workloads.X;
            PyNamespace ns = Python.newNamespace();
            ns.set("x", Workloads.X);
            Workloads.require(
                    x.equals(main.getAttr("x", Long.class))
                            && x.equals(Python.eval("x", Long.class))
                            && x.equals(ns.get("x", Long.class)),
                    "b variants: x == 12345");
            names.add("`globals.getItem(\"x\", Long.class)` (b's way)");
            bodies.add(this::readGlobal);
            names.add("the module handle's `main.getAttr(\"x\", Long.class)`");
            bodies.add(n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Workloads.sink += main.getAttr("x", Long.class);
                }
                return System.nanoTime() - t0;
            });
            names.add("a `PyNamespace` (`ns.set(\"x\", 12345L)`) `ns.get(\"x\", Long.class)`");
            bodies.add(n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Workloads.sink += ns.get("x", Long.class);
                }
                return System.nanoTime() - t0;
            });
            names.add("`Python.eval(\"x\", Long.class)`");
            bodies.add(n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Workloads.sink += Python.eval("x", Long.class);
                }
                return System.nanoTime() - t0;
            });
            List<String[]> r = compare(key, names, bodies, 100_000, 1e3, "µs");
            ns.close();
            return r;
        } else if (key.equals("d2")) {
            PyObject getbig = main.getAttr("getbig");
            String big = Workloads.bigString();
            Workloads.require(
                    big.equals(main.getAttr("big", String.class)) && big.equals(getbig.callAs(String.class)),
                    "d2 variants: big");
            names.add("`globals.getItem(\"big\", String.class)` (d2's way)");
            bodies.add(this::strFromPython);
            names.add("`main.getAttr(\"big\", String.class)`");
            bodies.add(n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Workloads.sink += main.getAttr("big", String.class).length();
                }
                return System.nanoTime() - t0;
            });
            names.add("`getbig.callAs(String.class)` (`def getbig(): return big`)");
            bodies.add(n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Workloads.sink += getbig.callAs(String.class).length();
                }
                return System.nanoTime() - t0;
            });
            return compare(key, names, bodies, 100, 1e6, "ms");
        }
        return new ArrayList<>();
    }

    private static List<String[]> compare(
            String key, List<String> names, List<Workloads.Body> bodies, int ops, double divisor, String unit) {
        double[] v = Workloads.interleavedMedians(bodies, ops, 2, 7, divisor);
        List<String[]> r = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            r.add(new String[] {
                key + "_other_" + i, names.get(i) + " " + String.format(Locale.ROOT, "%.3g %s", v[i], unit)
            });
        }
        return r;
    }

    @Override
    public long convert(int n) {
        PyObject data = this.data;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            List<?> l = (List<?>) data.toJava();
            s += l.size();
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long buildConvert(int n) {
        PyObject mk = this.mk;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            List<?> l = Python.withGilScope(() -> (List<?>) mk.call().toJava());
            s += l.size();
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long createClose(int n) {
        PyObject object = this.object;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            object.call().close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public long createCloseObj(int n) {
        PyObject obj = this.obj;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            obj.call().close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public long createDrop(int n) {
        PyObject object = this.object;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            PyObject o = object.call();
            s += o.hashCode() & 1;
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long releaseMany(int n) {
        PyObject object = this.object;
        ResourceScope scope = Python.openScope();
        for (int i = 0; i < n; i++) {
            object.call();
        }
        long t0 = System.nanoTime();
        scope.close();
        return System.nanoTime() - t0;
    }

    @Override
    public void exec(String code) {
        Python.exec(code);
    }

    @Override
    public long getLong(String name) {
        return Python.eval(name, Long.class);
    }

    /** n1: {@code Python.toNumpy(bb, "float64")}, no copy; sum; close. */
    @Override
    public long numpyZeroCopy(int n) {
        ByteBuffer bb = Workloads.directData();
        double s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (PyObject a = Python.toNumpy(bb, "float64")) {
                s = a.callAttrAs(Double.class, "sum");
            }
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += (long) s;
        return t;
    }

    /** n2: {@code Python.toNumpy(double[])} (one copy into numpy's memory); sum; close. */
    @Override
    public long numpyFromArray(int n) {
        double[] data = Workloads.arrayData();
        double s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (PyObject a = Python.toNumpy(data)) {
                s = a.callAttrAs(Double.class, "sum");
            }
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += (long) s;
        return t;
    }

    /** pd: the DataFrame df of {@link Workloads#PANDAS_SETUP} into Java, one of three ways. */
    @Override
    public long dataframe(int n, int way) {
        long t0 = System.nanoTime();
        long s = 0;
        for (int i = 0; i < n; i++) {
            try (ResourceScope scope = Python.openScope()) {
                PyObject df = Python.mainModule().getAttr("df");
                if (way == 0) {
                    Map<String, Object> cols = df.toColumns();
                    s += ((org.pybridge.NDArray) cols.get("c9")).size() + cols.size();
                } else if (way == 1) {
                    List<?> names = df.getAttr("columns").callAttrAs(List.class, "tolist");
                    for (Object name : names) {
                        s += df.getItem(name).callAttr("to_numpy").toNDArray().size();
                    }
                } else {
                    Map<?, ?> m = df.callAttrAs(Map.class, "to_dict", "list");
                    s += ((List<?>) m.get("c9")).size() + m.size();
                }
            }
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }

    /** cb: a {@code java.util.function.Function} x -> x passed to loop(cb, n). */
    @Override
    public long callback(int n) {
        Function<Object, Object> cb = x -> x;
        long t0 = System.nanoTime();
        long s = loop.callAs(Long.class, cb, n);
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }

    /** cb': a {@link PyCallback} (args, kwargs) -> args[0] passed to loop(cb, n). */
    @Override
    public long callbackOther(int n) {
        PyCallback cb = (args, kwargs) -> args[0];
        long t0 = System.nanoTime();
        long s = loop.callAs(Long.class, cb, n);
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }

    @Override
    public String callbackOtherWhat() {
        return "org.pybridge.PyCallback (args, kwargs) -> args[0]";
    }

    @Override
    public List<String[]> after() {
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Python.drainReleaseQueue();
        Stats st = Python.stats();
        List<String[]> r = new ArrayList<>();
        r.add(new String[] {"stats", st.toString()});
        return r;
    }

    /** jm: {@code jmloop(lst, n)} on {@code Python.bridge(new ArrayList<>())}, a live proxy. */
    @Override
    public long javaMethod(int n) {
        ArrayList<Object> list = new ArrayList<>();
        try (PyObject lst = Python.bridge(list)) {
            long t0 = System.nanoTime();
            long s = jmloop.callAs(Long.class, lst, n);
            long t = System.nanoTime() - t0;
            Workloads.lastSum = s;
            Workloads.sink += s;
            return t;
        }
    }
}

package org.pybridge.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jpy.PyLib;
import org.jpy.PyModule;
import org.jpy.PyObject;

/**
 * jpy's child JVM (jpy, the Python–Java bridge of Deephaven; the jar from Maven
 * Central, its native libraries from the PyPI wheel of the same version, located
 * through the {@code jpy.jpyLib}, {@code jpy.jdlLib}, {@code jpy.pythonLib}
 * system properties the Driver sets). jpy's public paths: the typed
 * {@code PyModule.call(returnType, name, argType, arg)} on {@code __main__},
 * {@code getAttribute(name, type)}, {@code PyObject.close()}. jpy takes the GIL
 * on every call and has no API to hold it across calls, so a' is not measured;
 * it hands Python no numpy view of Java memory (n1, n2 not measured) and no
 * conversion of a Python list of dicts into Java collections: c copies through
 * its {@code asList()}/{@code asDict()} wrappers, element by element.
 */
public final class JpyBench implements Workloads.Lib {
    private PyModule main;
    private PyModule builtins;

    public static void main(String[] args) {
        PyLib.startPython();
        JpyBench b = new JpyBench();
        b.main = PyModule.getMain();
        b.builtins = PyModule.importModule("builtins");
        b.exec(Workloads.SETUP);
        Workloads.run(b);
    }

    @Override
    public String name() {
        return "jpy";
    }

    @Override
    public List<String[]> info() {
        List<String[]> r = new ArrayList<>();
        exec("import sys, importlib.metadata\n_bench_py = sys.version\n"
                + "_bench_jpy = importlib.metadata.version('jpy')");
        r.add(new String[] {"python", main.getAttribute("_bench_py", String.class)});
        r.add(new String[] {"version", main.getAttribute("_bench_jpy", String.class)});
        return r;
    }

    @Override
    public void check() {
        Workloads.require(Long.valueOf(7).equals(main.call(Long.class, "f", Long.class, 7L)), "f(7) == 7L");
        List<Map<String, Object>> l = data();
        // jpy's getObjectValue gives a Python int that fits as an Integer
        Workloads.require(
                l.size() == 1000
                        && l.get(0).get("b") instanceof Number
                        && ((Number) l.get(0).get("b")).longValue() == 2,
                "data -> List<Map> of 1000: " + l.get(0));
    }

    @Override
    public long call(int n) {
        PyModule main = this.main;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s += main.call(Long.class, "f", Long.class, (long) i);
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long callHoldingGil(int n) {
        return -1;
    }

    /** b: {@code main.getAttribute("x", Long.class)}. */
    @Override
    public long readGlobal(int n) {
        PyModule main = this.main;
        long s = 0, v = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = main.getAttribute("x", Long.class);
            s += v;
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = v;
        Workloads.sink += s;
        return t;
    }

    /** d1: {@code main.call(Long.class, "slen", String.class, s)}. */
    @Override
    public long strToPython(int n) {
        PyModule main = this.main;
        String str = Workloads.bigString();
        long s = 0, v = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = main.call(Long.class, "slen", String.class, str);
            s += v;
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = v;
        Workloads.sink += s;
        return t;
    }

    /** d2: {@code main.getAttribute("big", String.class)}. */
    @Override
    public long strFromPython(int n) {
        PyModule main = this.main;
        String v = null;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = main.getAttribute("big", String.class);
            s += v.length();
        }
        long t = System.nanoTime() - t0;
        Workloads.lastString = v;
        Workloads.sink += s;
        return t;
    }

    /** g: jpy's interpreter is shared by all threads; each call takes the GIL (as in a). */
    @Override
    public Workloads.ThreadCaller threadCaller() {
        PyModule main = this.main;
        return new Workloads.ThreadCaller() {
            @Override
            public long run(int n) {
                long s = 0;
                for (int i = 0; i < n; i++) {
                    s += main.call(Long.class, "f", Long.class, (long) i);
                }
                return s;
            }

            @Override
            public long runWithWork(int n, int work) {
                long s = 0, x = 0;
                for (int i = 0; i < n; i++) {
                    s += main.call(Long.class, "f", Long.class, (long) i);
                    x = Workloads.javaWork(x + s, work);
                }
                Workloads.workSink = x;
                return s;
            }

            @Override
            public void close() {}
        };
    }

    /** The list of 1000 dicts copied into Java through jpy's list and dict wrappers. */
    private static List<Map<String, Object>> copy(PyObject list) {
        List<PyObject> items = list.asList();
        List<Map<String, Object>> out = new ArrayList<>(items.size());
        for (PyObject d : items) {
            Map<String, Object> m = new HashMap<>();
            for (Map.Entry<PyObject, PyObject> e : d.asDict().entrySet()) {
                try (PyObject k = e.getKey();
                        PyObject v = e.getValue()) {
                    m.put(k.getStringValue(), v.getObjectValue());
                }
            }
            d.close();
            out.add(m);
        }
        return out;
    }

    private List<Map<String, Object>> data() {
        try (PyObject l = main.getAttribute("data")) {
            return copy(l);
        }
    }

    @Override
    public long convert(int n) {
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s += data().size();
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long buildConvert(int n) {
        PyModule main = this.main;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (PyObject l = main.call("mk")) {
                s += copy(l).size();
            }
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long createClose(int n) {
        PyModule builtins = this.builtins;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            builtins.call("object").close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public long createCloseObj(int n) {
        PyModule main = this.main;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            main.call("Obj").close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public long createDrop(int n) {
        PyModule builtins = this.builtins;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            PyObject o = builtins.call("object");
            s += System.identityHashCode(o) & 1;
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    /** No scopes in jpy: close() on each handle; only the closing is timed. */
    @Override
    public long releaseMany(int n) {
        PyModule builtins = this.builtins;
        PyObject[] hs = new PyObject[n];
        for (int i = 0; i < n; i++) {
            hs[i] = builtins.call("object");
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            hs[i].close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public void exec(String code) {
        int rc = PyLib.execScript(code);
        Workloads.require(rc == 0, "jpy execScript failed (" + rc + ")");
    }

    @Override
    public long getLong(String name) {
        try (PyObject v = main.getAttribute(name)) {
            return v.getLongValue();
        }
    }

    @Override
    public long numpyZeroCopy(int n) {
        return -1;
    }

    @Override
    public long numpyFromArray(int n) {
        return -1;
    }

    /**
     * cb: the Function x -> x arrives in Python as a jpy Java object, which is not
     * callable, so {@code loop_apply} with {@code cb.apply(i)}.
     */
    @Override
    public long callback(int n) {
        Function<Object, Object> cb = x -> x;
        long t0 = System.nanoTime();
        long s = main.call(Long.class, "loop_apply", Function.class, cb, Integer.class, n);
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }

    /** jm: {@code jmloop(lst, n)} on a new ArrayList, a jpy Java object in Python. */
    @Override
    public long javaMethod(int n) {
        ArrayList<Object> list = new ArrayList<>();
        long t0 = System.nanoTime();
        long s = main.call(Long.class, "jmloop", ArrayList.class, list, Integer.class, n);
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }
}

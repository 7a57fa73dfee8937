package org.pybridge.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import pemja.core.PythonInterpreter;
import pemja.core.PythonInterpreterConfig;
import pemja.core.object.PyObject;

/**
 * pemja's child JVM. pemja's API is by name: {@code PythonInterpreter.invoke(name, args)}
 * (with typed one-argument fast paths) and {@code get(name, type)}. It takes
 * the GIL on every call; there is no API to hold it across calls, so a' is not
 * measured for pemja.
 *
 * <p>Known pemja bug (0.6.3 native): invoking one name, then another, then
 * the first again (e.g. {@code invoke("f", 7); invoke("Obj"); invoke("f", i)})
 * crashes the JVM (SIGSEGV in func_dealloc: the function object is freed).
 * So every workload runs in its own JVM (for all three libraries alike) and
 * invokes exactly one name.
 */
public final class PemjaBench implements Workloads.Lib {
    private PythonInterpreter interp;
    private PythonInterpreterConfig cfg;

    /**
     * pemja cannot return a plain {@code object()}: invoke("object") gives null
     * and leaves a SystemError pending that the next call raises. So f, f' and h
     * create {@code Obj()} ({@code class Obj: __slots__ = ()}) for pemja.
     */
    static final String OBJ = "Obj";

    public static void main(String[] args) throws Exception {
        String exe = System.getProperty("bench.pemja.python");
        PythonInterpreterConfig cfg = PythonInterpreterConfig.newBuilder()
                .setPythonExec(exe)
                .setExcType(PythonInterpreterConfig.ExecType.MULTI_THREAD)
                .build();
        PemjaBench b = new PemjaBench();
        b.cfg = cfg;
        b.interp = new PythonInterpreter(cfg);
        b.interp.exec(Workloads.SETUP);
        Workloads.run(b);
        b.interp.close();
    }

    @Override
    public String name() {
        return "pemja";
    }

    @Override
    public List<String[]> info() {
        List<String[]> r = new ArrayList<>();
        interp.exec("import sys, importlib.metadata\n_bench_py = sys.version\n"
                + "_bench_pemja = importlib.metadata.version('pemja')");
        r.add(new String[] {"python", String.valueOf(interp.get("_bench_py"))});
        r.add(new String[] {
            "version",
            interp.get("_bench_pemja") + " (native); jar "
                    + PythonInterpreter.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .getPath()
                            .replaceAll(".*/", "")
        });
        return r;
    }

    /**
     * Checks only what this JVM's workload uses: each workload runs in its own
     * JVM and must invoke a single function name (see the class comment).
     */
    @Override
    public void check() {
        String w = System.getProperty("bench.workloads", "");
        if (w.equals("a")) {
            Object r = interp.invoke("f", 7);
            Workloads.require(Long.valueOf(7).equals(r), "f(7) == 7L, got " + r);
        } else if (w.equals("c")) {
            Object l = interp.get("data", List.class);
            Workloads.require(
                    l instanceof List && ((List<?>) l).size() == 1000 && ((List<?>) l).get(0) instanceof Map,
                    "data -> List<Map> of 1000: " + l);
        } else if (w.equals("c2")) {
            Object l = interp.invoke("mk");
            Workloads.require(
                    l instanceof List && ((List<?>) l).size() == 1000 && ((List<?>) l).get(0) instanceof Map,
                    "mk() -> List<Map> of 1000: " + l);
        } else if (w.equals("b") || w.equals("d2")) {
            // checked by Workloads (get only, no invoke)
        } else if (w.equals("d1")) {
            Object r = interp.invoke("slen", "abc");
            Workloads.require(Long.valueOf(3).equals(r), "slen('abc') == 3L, got " + r);
        } else if (w.startsWith("f") || w.equals("h")) {
            Object o = interp.invoke(OBJ);
            Workloads.require(o instanceof PyObject, OBJ + "() -> PyObject, got " + o);
        }
    }

    @Override
    public long call(int n) {
        PythonInterpreter interp = this.interp;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s += (Long) interp.invoke("f", i);
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long callHoldingGil(int n) {
        return -1;
    }

    /** b: {@code get("x", Long.class)}. */
    @Override
    public long readGlobal(int n) {
        PythonInterpreter interp = this.interp;
        long s = 0, v = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = interp.get("x", Long.class);
            s += v;
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = v;
        Workloads.sink += s;
        return t;
    }

    /** d1: {@code invoke("slen", s)} (a Long back). */
    @Override
    public long strToPython(int n) {
        PythonInterpreter interp = this.interp;
        String str = Workloads.bigString();
        long s = 0, v = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = (Long) interp.invoke("slen", str);
            s += v;
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = v;
        Workloads.sink += s;
        return t;
    }

    /** d2: {@code get("big", String.class)}. */
    @Override
    public long strFromPython(int n) {
        PythonInterpreter interp = this.interp;
        String v = null;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = interp.get("big", String.class);
            s += v.length();
        }
        long t = System.nanoTime() - t0;
        Workloads.lastString = v;
        Workloads.sink += s;
        return t;
    }

    /**
     * g: each worker thread makes its own PythonInterpreter (same config), runs
     * SETUP in it and invokes only "f" (see the class comment on alternating names).
     */
    @Override
    public Workloads.ThreadCaller threadCaller() {
        PythonInterpreter own = new PythonInterpreter(cfg);
        own.exec(Workloads.SETUP);
        return new Workloads.ThreadCaller() {
            @Override
            public long run(int n) {
                long s = 0;
                for (int i = 0; i < n; i++) {
                    s += (Long) own.invoke("f", i);
                }
                return s;
            }

            @Override
            public long runWithWork(int n, int work) {
                long s = 0, x = 0;
                for (int i = 0; i < n; i++) {
                    s += (Long) own.invoke("f", i);
                    x = Workloads.javaWork(x + s, work);
                }
                Workloads.workSink = x;
                return s;
            }

            @Override
            public void close() {
                own.close();
            }
        };
    }

    @Override
    public long convert(int n) {
        PythonInterpreter interp = this.interp;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            List<?> l = interp.get("data", List.class);
            s += l.size();
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long buildConvert(int n) {
        PythonInterpreter interp = this.interp;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            List<?> l = (List<?>) interp.invoke("mk");
            s += l.size();
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long createClose(int n) {
        PythonInterpreter interp = this.interp;
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                ((PyObject) interp.invoke(OBJ)).close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return System.nanoTime() - t0;
    }

    @Override
    public long createCloseObj(int n) {
        return createClose(n);
    }

    @Override
    public long createDrop(int n) {
        PythonInterpreter interp = this.interp;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Object o = interp.invoke(OBJ);
            s += o.hashCode() & 1;
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    /** No scopes in pemja: the closest is close() on each handle; only the closing is timed. */
    @Override
    public long releaseMany(int n) {
        PythonInterpreter interp = this.interp;
        PyObject[] hs = new PyObject[n];
        for (int i = 0; i < n; i++) {
            hs[i] = (PyObject) interp.invoke(OBJ);
        }
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                hs[i].close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return System.nanoTime() - t0;
    }

    @Override
    public void exec(String code) {
        interp.exec(code);
    }

    @Override
    public long getLong(String name) {
        return ((Number) interp.get(name)).longValue();
    }

    /** n1: pemja has no zero-copy path from a Java buffer to numpy (a ByteBuffer arrives as a PyJObject). */
    @Override
    public long numpyZeroCopy(int n) {
        return -1;
    }

    /**
     * n2: pemja's nearest path: the double[] as bytes (a native-order ByteBuffer,
     * asDoubleBuffer().put, each op), passed as byte[] (pemja copies it into a
     * Python bytes) to npsum_bytes, which sums numpy.frombuffer(b, 'float64').
     */
    @Override
    public long numpyFromArray(int n) {
        PythonInterpreter interp = this.interp;
        double[] data = Workloads.arrayData();
        double s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ByteBuffer bb = ByteBuffer.allocate(8 * data.length).order(ByteOrder.nativeOrder());
            bb.asDoubleBuffer().put(data);
            s = (Double) interp.invoke("npsum_bytes", (Object) bb.array());
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += (long) s;
        return t;
    }

    /**
     * cb: the Function x -> x passed to loop_apply(cb, n). pemja hands Python a
     * PyJObject whose methods can be called ({@code cb.apply(i)}) but which is
     * not itself callable ({@code cb(i)}: TypeError), hence loop_apply.
     */
    @Override
    public long callback(int n) {
        PythonInterpreter interp = this.interp;
        Function<Object, Object> cb = x -> x;
        long t0 = System.nanoTime();
        long s = ((Number) interp.invoke("loop_apply", cb, n)).longValue();
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }
}

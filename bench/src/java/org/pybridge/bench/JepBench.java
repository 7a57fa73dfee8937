package org.pybridge.bench;

import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import jep.DirectNDArray;
import jep.JepException;
import jep.NDArray;
import jep.SharedInterpreter;
import jep.python.PyCallable;
import jep.python.PyObject;

/**
 * Jep's child JVM. Jep's fastest paths: a {@link PyCallable} fetched once
 * ({@code callAs}), {@code getValue(name, List.class)} for conversion,
 * {@code PyObject.close()}. Jep takes the GIL on every call (its interpreter
 * owns a thread state; there is no API to hold it across calls), so a' is
 * not measured for Jep.
 */
public final class JepBench implements Workloads.Lib {
    private SharedInterpreter interp;
    private PyCallable f;
    private PyCallable mk;
    private PyCallable object;
    private PyCallable obj;
    private PyCallable loop;
    private PyCallable jmloop;
    private PyCallable loopApply;
    private PyCallable npsum;
    private PyCallable slen;

    public static void main(String[] args) throws JepException {
        JepBench b = new JepBench();
        b.interp = new SharedInterpreter();
        b.interp.exec(Workloads.SETUP);
        b.f = b.interp.getValue("f", PyCallable.class);
        b.mk = b.interp.getValue("mk", PyCallable.class);
        b.object = b.interp.getValue("object", PyCallable.class);
        b.obj = b.interp.getValue("Obj", PyCallable.class);
        b.loop = b.interp.getValue("loop", PyCallable.class);
        b.jmloop = b.interp.getValue("jmloop", PyCallable.class);
        b.loopApply = b.interp.getValue("loop_apply", PyCallable.class);
        b.slen = b.interp.getValue("slen", PyCallable.class);
        Workloads.run(b);
        b.interp.close();
    }

    @Override
    public String name() {
        return "Jep";
    }

    @Override
    public List<String[]> info() {
        List<String[]> r = new ArrayList<>();
        interp.exec("import sys, jep\n_bench_py = sys.version\n_bench_jep = jep.__version__");
        r.add(new String[] {"python", String.valueOf(interp.getValue("_bench_py"))});
        r.add(new String[] {"version", String.valueOf(interp.getValue("_bench_jep"))});
        return r;
    }

    @Override
    public void check() {
        Workloads.require(Long.valueOf(7).equals(f.callAs(Long.class, 7)), "f(7) == 7L");
        Object l = interp.getValue("data", List.class);
        Workloads.require(
                l instanceof List && ((List<?>) l).size() == 1000 && ((List<?>) l).get(0) instanceof Map,
                "data -> List<Map> of 1000: " + l.getClass());
    }

    @Override
    public long call(int n) {
        PyCallable f = this.f;
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
        return -1;
    }

    /** b: {@code getValue("x", Long.class)}. */
    @Override
    public long readGlobal(int n) {
        SharedInterpreter interp = this.interp;
        long s = 0, v = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = interp.getValue("x", Long.class);
            s += v;
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = v;
        Workloads.sink += s;
        return t;
    }

    /** d1: {@code slen.callAs(Long.class, s)} on a PyCallable fetched once. */
    @Override
    public long strToPython(int n) {
        PyCallable slen = this.slen;
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

    /** d2: {@code getValue("big", String.class)}. */
    @Override
    public long strFromPython(int n) {
        SharedInterpreter interp = this.interp;
        String v = null;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            v = interp.getValue("big", String.class);
            s += v.length();
        }
        long t = System.nanoTime() - t0;
        Workloads.lastString = v;
        Workloads.sink += s;
        return t;
    }

    /**
     * g: a Jep interpreter may only be used on the thread that made it, so each
     * worker thread makes its own SharedInterpreter, runs SETUP in it and calls
     * its own f through a PyCallable (as in a).
     */
    @Override
    public Workloads.ThreadCaller threadCaller() {
        SharedInterpreter own = new SharedInterpreter();
        own.exec(Workloads.SETUP);
        PyCallable f = own.getValue("f", PyCallable.class);
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

            @Override
            public void close() {
                f.close();
                own.close();
            }
        };
    }

    @Override
    public long convert(int n) {
        SharedInterpreter interp = this.interp;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            List<?> l = interp.getValue("data", List.class);
            s += l.size();
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long buildConvert(int n) {
        PyCallable mk = this.mk;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            List<?> l = mk.callAs(List.class);
            s += l.size();
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    @Override
    public long createClose(int n) {
        PyCallable object = this.object;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            object.callAs(PyObject.class).close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public long createCloseObj(int n) {
        PyCallable obj = this.obj;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            obj.callAs(PyObject.class).close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public long createDrop(int n) {
        PyCallable object = this.object;
        long s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            PyObject o = object.callAs(PyObject.class);
            s += o.hashCode() & 1;
        }
        long t = System.nanoTime() - t0;
        Workloads.sink += s;
        return t;
    }

    /** No scopes in Jep: the closest is close() on each handle; only the closing is timed. */
    @Override
    public long releaseMany(int n) {
        PyCallable object = this.object;
        PyObject[] hs = new PyObject[n];
        for (int i = 0; i < n; i++) {
            hs[i] = object.callAs(PyObject.class);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            hs[i].close();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public void exec(String code) {
        interp.exec(code);
    }

    @Override
    public long getLong(String name) {
        return ((Number) interp.getValue(name)).longValue();
    }

    @Override
    public void bindNumpy() {
        npsum = interp.getValue("npsum", PyCallable.class);
    }

    /** n1: Jep's zero-copy path, a {@link DirectNDArray} over the direct buffer, passed to npsum. */
    @Override
    public long numpyZeroCopy(int n) {
        PyCallable npsum = this.npsum;
        DoubleBuffer db = Workloads.directData().asDoubleBuffer();
        double s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s = npsum.callAs(Double.class, new DirectNDArray<>(db, false, Workloads.NP));
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += (long) s;
        return t;
    }

    /** n2: a {@link NDArray} over the double[] (Jep copies it into a new numpy array), passed to npsum. */
    @Override
    public long numpyFromArray(int n) {
        PyCallable npsum = this.npsum;
        double[] data = Workloads.arrayData();
        double s = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s = npsum.callAs(Double.class, new NDArray<>(data, Workloads.NP));
        }
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += (long) s;
        return t;
    }

    /**
     * cb: the Function x -> x passed to loop(cb, n). It arrives in Python as a
     * PyJObject; Jep 4.3 makes one of a functional interface callable, so
     * {@code cb(i)} works (same loop as pybridge's).
     */
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

    /** cb': the same Function called as {@code cb.apply(i)} (loop_apply). */
    @Override
    public long callbackOther(int n) {
        Function<Object, Object> cb = x -> x;
        long t0 = System.nanoTime();
        long s = loopApply.callAs(Long.class, cb, n);
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }

    @Override
    public String callbackOtherWhat() {
        return "the Function called as cb.apply(i) (loop_apply)";
    }

    /** jm: {@code jmloop(lst, n)} on a new ArrayList, which Jep hands Python as a PyJObject. */
    @Override
    public long javaMethod(int n) {
        ArrayList<Object> list = new ArrayList<>();
        long t0 = System.nanoTime();
        long s = jmloop.callAs(Long.class, list, n);
        long t = System.nanoTime() - t0;
        Workloads.lastSum = s;
        Workloads.sink += s;
        return t;
    }
}

package org.pybridge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jep.JepException;
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

    public static void main(String[] args) throws JepException {
        JepBench b = new JepBench();
        b.interp = new SharedInterpreter();
        b.interp.exec(Workloads.SETUP);
        b.f = b.interp.getValue("f", PyCallable.class);
        b.mk = b.interp.getValue("mk", PyCallable.class);
        b.object = b.interp.getValue("object", PyCallable.class);
        b.obj = b.interp.getValue("Obj", PyCallable.class);
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
        Workloads.require(l instanceof List && ((List<?>) l).size() == 1000
                && ((List<?>) l).get(0) instanceof Map, "data -> List<Map> of 1000: " + l.getClass());
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
}

package org.pybridge.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.pybridge.Gil;
import org.pybridge.PyCallback;
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
                new String[] {"version", String.valueOf(Python.class.getPackage().getImplementationVersion())}));
    }

    @Override
    public void check() {
        Workloads.require(Long.valueOf(7).equals(f.callAs(Long.class, 7)), "f(7) == 7L");
        Object l = data.toJava();
        Workloads.require(l instanceof List && ((List<?>) l).size() == 1000
                && ((List<?>) l).get(0) instanceof Map, "data -> List<Map> of 1000: " + l.getClass());
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
}

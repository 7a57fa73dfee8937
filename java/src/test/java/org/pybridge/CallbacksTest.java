package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.BeforeClass;
import org.junit.Test;

/** Java function objects passed to Python become Python callables. */
public class CallbacksTest {

    @FunctionalInterface
    public interface Scale {
        double apply(double x, double factor);
    }

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "import threading",
                "def _cb_call(f, *a): return f(*a)",
                "def _cb_ident(x): return x",
                "def _cb_in_thread(f):",
                "    t = threading.Thread(target=f)",
                "    t.start(); t.join()",
                "def _cb_catch(f):",
                "    import pybridge",
                "    try:",
                "        f()",
                "    except pybridge.JavaException as e:",
                "        return [type(e).__name__, type(e).__module__, e.java_class, str(e)]",
                "def _cb_down(f, n): return f(n)",
                ""));
    }

    private static PyObject main(String name) {
        return Python.mainModule().getAttr(name);
    }

    @Test
    public void javaFunctionAsSortKeyAndInMap() {
        Function<Object, Object> neg = x -> -((Long) x);
        try (PyObject sorted = Python.builtins().getAttr("sorted")) {
            assertEquals(Arrays.asList(3L, 2L, 1L), sorted.callKwAs(List.class, Map.of("key", neg), List.of(2, 3, 1)));
        }
        Function<Object, Object> twice = x -> 2 * (Long) x;
        assertEquals(
                Arrays.asList(2L, 4L, 6L),
                Python.eval("lambda f, xs: list(map(f, xs))").callAs(List.class, twice, List.of(1, 2, 3)));
    }

    @Test
    public void theFunctionalShapes() {
        PyObject call = main("_cb_call");
        Supplier<String> s = () -> "supplied";
        assertEquals("supplied", call.callAs(String.class, s));
        BiFunction<Object, Object, Object> add = (a, b) -> (Long) a + (Long) b;
        assertEquals(Long.valueOf(5), call.callAs(Long.class, add, 2, 3));
        Predicate<Object> isEmpty = x -> ((String) x).isEmpty();
        assertEquals(Boolean.TRUE, call.callAs(Boolean.class, isEmpty, ""));
        Callable<Object> c = () -> List.of("a", "b");
        assertEquals(List.of("a", "b"), call.callAs(List.class, c));
        AtomicInteger ran = new AtomicInteger();
        Runnable r = ran::incrementAndGet;
        assertEquals(null, call.callAs(Object.class, r));
        assertEquals(1, ran.get());
        Scale scale = (x, f) -> x * f;
        assertEquals(Double.valueOf(7.5), call.callAs(Double.class, scale, 2.5, 3.0));
    }

    @Test
    public void aFunctionComesBackAsTheSameJavaObject() {
        Function<Object, Object> f = x -> x;
        assertSame(f, main("_cb_ident").callAs(Object.class, f));
    }

    @Test
    public void javaExceptionsSurfaceInPythonAndComeBackAsTheCause() {
        IllegalStateException boom = new IllegalStateException("nope");
        Supplier<Object> thrower = () -> {
            throw boom;
        };
        List<?> seen = main("_cb_catch").callAs(List.class, thrower);
        assertEquals(List.of("IllegalStateException", "java.lang", "java.lang.IllegalStateException", "nope"), seen);
        try {
            main("_cb_call").call(thrower);
            fail("expected a PythonException");
        } catch (PythonException e) {
            assertEquals("java.lang.IllegalStateException", e.pythonType());
            assertEquals("nope", e.pythonMessage());
            assertSame(boom, e.getCause());
        }
        // Messages of every length and kind arrive whole (long ones are
        // encoded natively, ASCII ones tagged as such).
        for (String msg :
                new String[] {repeat("m", 5000), repeat("\u00e9", 5000), repeat("\u4e2d", 5000), repeat("x", 200_000)
                }) {
            Supplier<Object> longThrower = () -> {
                throw new IllegalArgumentException(msg);
            };
            List<?> got = main("_cb_catch").callAs(List.class, longThrower);
            assertEquals(msg, got.get(3));
        }
    }

    private static String repeat(String s, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(s);
        }
        return b.toString();
    }

    @Test
    public void aPythonThreadTheJvmNeverSawCanCallBack() {
        AtomicInteger ran = new AtomicInteger();
        Runnable r = () -> ran.incrementAndGet();
        main("_cb_in_thread").call(r).close();
        assertEquals(1, ran.get());
    }

    @Test
    public void anExceptionInACallbackCalledByMapComesBackAsTheCause() {
        IllegalArgumentException boom = new IllegalArgumentException("three");
        Function<Object, Object> f = x -> {
            if ((Long) x == 3) {
                throw boom;
            }
            return x;
        };
        try {
            Python.eval("lambda f, xs: list(map(f, xs))").call(f, Arrays.asList(1, 2, 3, 4));
            fail("expected a PythonException");
        } catch (PythonException e) {
            assertEquals("java.lang.IllegalArgumentException", e.pythonType());
            assertSame(boom, e.getCause());
        }
    }

    @Test
    public void aCallbackStoredInPythonIsCalledLaterFromAPythonThread() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Function<Object, Object> f = x -> calls.addAndGet(((Long) x).intValue());
        Python.exec("class _CbHolder:\n    pass\n_cb_holder = _CbHolder()");
        Python.mainModule().getAttr("_cb_holder").setAttr("cb", f);
        Thread.sleep(50);
        Python.exec("_t = threading.Thread(target=lambda: _cb_holder.cb(5))\n_t.start()\n_t.join()");
        assertEquals(5, calls.get());
        Python.exec("del _cb_holder.cb");
    }

    @Test
    public void reentrancyAcrossTwoThreadsDoesNotDeadlock() throws Exception {
        // Java -> Python -> Java (thread A) starts thread B and waits for it;
        // B goes Java -> Python -> Java -> Python while A is inside its callback.
        PyObject down = main("_cb_down");
        Function<Object, Object>[] self = new Function[1];
        self[0] = n -> {
            long k = (Long) n;
            if (k == 0) {
                return 0L;
            }
            FutureTask<Long> other = new FutureTask<>(() -> down.callAs(Long.class, self[0], k - 1));
            Thread t = new Thread(other, "reentrant-" + k);
            t.start();
            try {
                return 1 + other.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("thread " + t.getName() + " did not finish: " + e, e);
            }
        };
        FutureTask<Long> top = new FutureTask<>(() -> down.callAs(Long.class, self[0], 10L));
        Thread t = new Thread(top, "reentrant-top");
        t.setDaemon(true);
        t.start();
        assertEquals(Long.valueOf(10), top.get(120, TimeUnit.SECONDS));
    }

    @Test
    public void reentrancyFiftyLevelsDeep() {
        PyObject down = main("_cb_down");
        Function<Object, Object>[] self = new Function[1];
        self[0] = n -> {
            long k = (Long) n;
            return k == 0 ? 0L : 1 + down.callAs(Long.class, self[0], k - 1);
        };
        assertEquals(Long.valueOf(50), down.callAs(Long.class, self[0], 50));
    }

    @Test
    public void repliesLargerThanTheNativeBufferArriveWholeAndSmallOnesStillFit() {
        // The reply is written in place into the native buffer the request
        // came in; one that outgrows it is handed over through takeReply.
        Function<Object, Object> sized = n -> {
            int k = ((Long) n).intValue();
            List<String> out = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                out.add("item-" + i);
            }
            return out;
        };
        PyObject call = main("_cb_call");
        for (int k : new int[] {1, 300, 20_000, 2, 50_000, 0, 100}) {
            List<?> got = call.callAs(List.class, sized, k);
            assertEquals(sized.apply((long) k), got);
        }
        // A large reply from a nested callback, inside an outer callback's large reply.
        Function<Object, Object> outer = n -> {
            List<?> inner = call.callAs(List.class, sized, n);
            List<Object> both = new ArrayList<>(inner);
            both.addAll(inner);
            return both;
        };
        List<?> got = call.callAs(List.class, outer, 30_000L);
        assertEquals(60_000, got.size());
        assertEquals("item-29999", got.get(29_999));
        assertEquals("item-0", got.get(30_000));
    }

    @Test
    public void closeRunsADelThatCallsJavaAndWorksInsideACallback() {
        // close() frees at once on its fast path (Native.release): the
        // object's __del__ runs inside it, here calling back into Java, which
        // calls Python again.
        Python.exec("class _CbDel:\n"
                + "    def __init__(self, f): self.f = f\n"
                + "    def __del__(self): self.f(len(str(self)) > 0)\n");
        AtomicInteger dels = new AtomicInteger();
        Function<Object, Object> onDel = ok -> {
            assertEquals(Long.valueOf(3), Python.eval("1 + 2", Long.class));
            return dels.incrementAndGet();
        };
        PyObject cls = main("_CbDel");
        for (int i = 0; i < 100; i++) {
            cls.call(onDel).close();
            assertEquals("__del__ ran inside close()", i + 1, dels.get());
        }
        // close() called inside a callback (a nested call: the ordinary path).
        Function<Object, Object> closer = x -> {
            PyObject o = cls.call(onDel);
            int before = dels.get();
            o.close();
            return dels.get() - before;
        };
        assertEquals(Long.valueOf(1), main("_cb_call").callAs(Long.class, closer, 0));
        // And with this thread holding the GIL through a lease.
        try (Gil g = Python.acquireGil()) {
            int before = dels.get();
            cls.call(onDel).close();
            assertEquals(before + 1, dels.get());
        }
    }

    @Test
    public void pythonFreeingTheFunctionForgetsItOnTheJavaSide() {
        int before = Callbacks.alive();
        for (int i = 0; i < 100; i++) {
            Function<Object, Object> f = x -> x;
            main("_cb_call").callAs(Long.class, f, 1);
        }
        assertEquals("every JavaFunction was freed by Python when the call returned", before, Callbacks.alive());
        Function<Object, Object> kept = x -> x;
        Python.mainModule().setAttr("_cb_kept", kept);
        assertEquals(before + 1, Callbacks.alive());
        Python.exec("del _cb_kept");
        assertEquals(before, Callbacks.alive());
    }

    @Test
    public void keywordArgumentsToAJavaFunctionAreAClearError() {
        Function<Object, Object> f = x -> x;
        try {
            Python.eval("lambda f: f(1, extra=2)").call(f);
            fail("expected a PythonException");
        } catch (PythonException e) {
            assertEquals("java.lang.IllegalArgumentException", e.pythonType());
            assertTrue(e.pythonMessage(), e.pythonMessage().contains("keyword"));
        }
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Cross-runtime cycles (docs/guide/lifetimes-and-the-gil.md): a Python object
 * holds a Java callback (a {@code pybridge.JavaFunction} in its
 * {@code __dict__}) and the callback holds a {@link PyObject} of that same
 * Python object. Java's registry keeps the callback, the callback keeps the
 * handle, the handle keeps the Python object, the Python object keeps the
 * JavaFunction: neither collector sees the whole loop, so it leaks, and
 * {@code Python.stats().javaFunctions()} shows it. The documented ways out
 * ({@code close()}, a {@link ResourceScope}, a {@link PyWeak} captured
 * instead of the handle) free both sides.
 *
 * <p>The Python objects come from a private helper namespace: instances of
 * a class without {@code __slots__} (so {@code cb} can be set on them) whose
 * {@code weakref.finalize} counts finalizations per key. Every test measures
 * its own baseline of live Java functions and uses unique keys.
 */
public class CrossRuntimeCycleTest {
    private static final String SRC = String.join(
            "\n",
            "import weakref",
            "counts = {}",
            "class Node:",
            "    pass",
            "def _fin(key):",
            "    counts[key] = counts.get(key, 0) + 1",
            "def make(key):",
            "    o = Node()",
            "    o.key = key",
            "    weakref.finalize(o, _fin, key)",
            "    return o",
            "def count(key):",
            "    return counts.get(key, 0)",
            "");

    private static final long WAIT_MS = 60_000;
    private static final AtomicLong SEQ = new AtomicLong();

    private static PyNamespace ns;
    private static PyObject makeFn;
    private static PyObject countFn;

    @BeforeClass
    public static void init() {
        Python.initialize();
        // Outside any scope: GC-tracked, held by the static fields, closed in @AfterClass.
        Python.unscoped(() -> {
            ns = Python.newNamespace();
            ns.exec(SRC);
            makeFn = ns.get("make");
            countFn = ns.get("count");
            return null;
        });
    }

    @AfterClass
    public static void done() {
        if (countFn != null) {
            countFn.close();
        }
        if (makeFn != null) {
            makeFn.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    private static String key(String name) {
        return "crc-" + name + "#" + SEQ.incrementAndGet();
    }

    /** A new finalizer-counted Python object with attributes; the handle is its only reference. */
    private static PyObject make(String key) {
        return makeFn.call(key);
    }

    private static long finalized(String key) {
        return countFn.callAs(Long.class, key);
    }

    /** Python's collector and the JVM's, a few rounds. */
    private static void collectBoth() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            LifetimeSupport.sleep(20);
            Python.gc().collect();
        }
    }

    /**
     * The number of live Java functions once the JVM, the release queue and
     * Python's collector are quiet: the same value three polls in a row.
     */
    private static int quietJavaFunctions() {
        LifetimeSupport.settle();
        int prev = -1;
        int stable = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            collectBoth();
            int n = Python.stats().javaFunctions();
            if (n == prev) {
                if (++stable >= 3) {
                    return n;
                }
            } else {
                stable = 0;
            }
            prev = n;
        }
        return Python.stats().javaFunctions();
    }

    /** Waits (running the JVM GC) until the object is finalized and the live Java functions are back to base. */
    private static boolean awaitFreed(String key, int base) {
        return LifetimeSupport.await(
                () -> {
                    Python.gc().collect();
                    return finalized(key) >= 1 && Python.stats().javaFunctions() <= base;
                },
                WAIT_MS,
                true);
    }

    private static void assertFreedExactlyOnce(String what, String key, int base) {
        boolean freed = awaitFreed(key, base);
        assertTrue(
                what + ": within " + WAIT_MS / 1000 + " s the object is finalized (" + finalized(key)
                        + ") and javaFunctions is back to " + base + " (now "
                        + Python.stats().javaFunctions() + "): "
                        + Python.stats(),
                freed);
        collectBoth();
        assertEquals(what + ": finalized exactly once", 1, finalized(key));
        assertEquals(
                what + ": javaFunctions back to the baseline",
                base,
                Python.stats().javaFunctions());
    }

    // ---- 1. the cycle leaks, and stats() shows it -------------------------------------------------

    /**
     * Builds {@code o.cb = x -> pyo.repr()} where {@code pyo} is the handle of
     * {@code o}, plus a control object whose callback captures nothing, and
     * drops every Java reference (this frame ends) except what the lambda
     * holds. Returns a {@link WeakReference} to {@code pyo}, which does not
     * keep it alive.
     */
    private static WeakReference<PyObject> buildCycleAndControl(String key, String controlKey) {
        PyObject pyo = make(key);
        Function<Object, Object> f = x -> pyo.repr();
        pyo.setAttr("cb", f);
        assertEquals("the callback works while the cycle is alive", pyo.repr(), pyo.callAttrAs(String.class, "cb", 1));

        PyObject control = make(controlKey);
        Function<Object, Object> g = x -> "no capture";
        control.setAttr("cb", g);
        assertEquals("no capture", control.callAttrAs(String.class, "cb", 1));
        return new WeakReference<>(pyo);
    }

    @Test
    public void aCallbackHoldingItsOwnerLeaksAndStatsShowIt() {
        String key = key("leak");
        String controlKey = key("leak-control");
        int base = quietJavaFunctions();
        WeakReference<PyObject> ref = buildCycleAndControl(key, controlKey);
        try {
            assertEquals(
                    "two Java functions live in Python",
                    base + 2,
                    Python.stats().javaFunctions());

            // The control (same shape, no cycle) is freed by the GC path: the collectors did run.
            boolean controlFreed = LifetimeSupport.await(
                    () -> {
                        Python.gc().collect();
                        return finalized(controlKey) == 1 && Python.stats().javaFunctions() == base + 1;
                    },
                    WAIT_MS,
                    true);
            assertTrue(
                    "the control object is finalized and its function freed: finalized=" + finalized(controlKey) + ", "
                            + Python.stats(),
                    controlFreed);

            // More rounds of both collectors: the cycle stays.
            LifetimeSupport.settle();
            collectBoth();
            LifetimeSupport.settle();
            collectBoth();
            assertEquals("the object in the cycle is not finalized", 0, finalized(key));
            assertNotNull("the JVM could not collect the handle either (the registry holds the lambda)", ref.get());
            assertEquals(
                    "the leak is visible: javaFunctions stays one above the baseline",
                    base + 1,
                    Python.stats().javaFunctions());
        } finally {
            // Breaking the cycle late (close the handle) frees both sides.
            PyObject pyo = ref.get();
            if (pyo != null) {
                pyo.close();
            }
        }
        assertFreedExactlyOnce("after the late close()", key, base);
    }

    // ---- 2. way out: close() -------------------------------------------------------------------------

    @Test
    public void closingTheHandleFreesBothSides() {
        String key = key("close");
        int base = quietJavaFunctions();
        AtomicInteger calls = new AtomicInteger();
        PyObject pyo = make(key);
        Function<Object, Object> f = x -> {
            calls.incrementAndGet();
            return pyo.repr();
        };
        pyo.setAttr("cb", f);
        assertEquals(pyo.repr(), pyo.callAttrAs(String.class, "cb", 1));
        assertEquals(1, calls.get());
        assertEquals(base + 1, Python.stats().javaFunctions());

        pyo.close(); // the owner is done with it

        assertFreedExactlyOnce("after close()", key, base);
        assertEquals("the callback was not called after close()", 1, calls.get());
        assertTrue(pyo.isReleased());
    }

    // ---- 3. way out: a ResourceScope -----------------------------------------------------------------

    @Test
    public void aScopeFreesBothSides() {
        String key = key("scope");
        int base = quietJavaFunctions();
        AtomicInteger calls = new AtomicInteger();
        PyObject escaped;
        try (ResourceScope s = Python.openScope()) {
            PyObject pyo = make(key);
            Function<Object, Object> f = x -> {
                calls.incrementAndGet();
                return pyo.repr();
            };
            pyo.setAttr("cb", f);
            assertEquals(pyo.repr(), pyo.callAttrAs(String.class, "cb", 1));
            assertEquals(base + 1, Python.stats().javaFunctions());
            escaped = pyo;
        }
        assertTrue("the scope released the handle", escaped.isReleased());
        assertFreedExactlyOnce("after the scope closed", key, base);
        assertEquals("the callback was not called after the scope closed", 1, calls.get());
    }

    // ---- 4. way out: capture a weak handle -------------------------------------------------------------

    /**
     * {@code o.cb} captures {@code pyo.weak()}, not {@code pyo}; the handle is
     * dropped when this frame ends (never closed). Returns the weak reference
     * (it does not keep {@code o} alive) so the test can close it at the end.
     */
    private static PyWeak buildWeakCallback(String key, AtomicInteger calls) {
        PyObject pyo = make(key);
        PyWeak w = pyo.weak();
        Function<Object, Object> f = x -> {
            calls.incrementAndGet();
            try (PyObject o = w.get()) { // a strong handle for the duration of the call, or null
                return o == null ? null : o.getAttr("key", String.class) + ":" + x;
            }
        };
        pyo.setAttr("cb", f);
        assertEquals("the callback works while the object is alive", key + ":7", pyo.callAttrAs(String.class, "cb", 7));
        try (PyObject viaPython = Python.eval("lambda o, x: o.cb(x)")) {
            assertEquals(key + ":8", viaPython.callAs(String.class, pyo, 8));
        }
        return w;
    }

    @Test
    public void aWeakHandleInTheCallbackLetsTheGcFreeBothSides() {
        String key = key("weak");
        int base = quietJavaFunctions();
        AtomicInteger calls = new AtomicInteger();
        PyWeak w = buildWeakCallback(key, calls);
        try {
            assertEquals(2, calls.get());
            assertEquals(base + 1, Python.stats().javaFunctions());
            // No close(): the JVM GC releases the handle, Python frees the object
            // (nothing else holds it), which frees the JavaFunction.
            assertFreedExactlyOnce("after the handle was dropped", key, base);
            assertNull("the weak handle sees the object gone", w.get());
            assertEquals("the callback was not called after the object died", 2, calls.get());
        } finally {
            w.close();
        }
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.pybridge.LifetimeSupport.count;
import static org.pybridge.LifetimeSupport.make;
import static org.pybridge.LifetimeSupport.orderOf;
import static org.pybridge.LifetimeSupport.prefix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@link ResourceScope} (libpython-clj's {@code stack-resource-context}) and
 * {@link Python#withGilScope}: deterministic release, newest first, nesting,
 * {@code keep()}, use after close, out-of-order and cross-thread close.
 */
public class ScopeTest {
    @BeforeClass
    public static void init() {
        Python.initialize();
        LifetimeSupport.lt();
    }

    @After
    public void noScopeLeftOpen() {
        int open = Python.stats().openScopes();
        if (open != 0) {
            Lifetimes.CURRENT.remove(); // do not let later test classes create handles into it
        }
        assertEquals("a test left a scope open on the test thread", 0, open);
    }

    @Test
    public void releasedNewestFirstWhenTheScopeCloses() {
        String p = prefix("order");
        try (ResourceScope s = Python.openScope()) {
            for (int i = 0; i < 5; i++) {
                make(p + i);
            }
            assertEquals(5, s.size());
            assertEquals("nothing released while the scope is open", 0, LifetimeSupport.finalized(p));
        }
        assertEquals(Arrays.asList(p + 4, p + 3, p + 2, p + 1, p + 0), orderOf(p));
    }

    @Test
    public void nestedScopesReleaseTheirOwnHandles() {
        String p = prefix("nested");
        try (ResourceScope outer = Python.openScope()) {
            PyObject a = make(p + "outer");
            assertEquals(1, Python.stats().openScopes());
            PyObject b;
            try (ResourceScope inner = Python.openScope()) {
                assertEquals(2, Python.stats().openScopes());
                b = make(p + "inner");
                assertEquals(1, inner.size());
                assertEquals(1, outer.size());
            }
            assertEquals(1, Python.stats().openScopes());
            assertTrue(b.isReleased());
            assertEquals(1, count(p + "inner"));
            assertFalse(a.isReleased());
            assertEquals(0, count(p + "outer"));
            assertEquals("the outer handle still works", "_pybridge_lt.Obj", a.typeName());
        }
        assertEquals(1, count(p + "outer"));
        assertEquals(0, Python.stats().openScopes());
    }

    @Test
    public void keepMovesAHandleToTheEnclosingScope() {
        String p = prefix("keep");
        PyObject kept;
        try (ResourceScope outer = Python.openScope()) {
            try (ResourceScope inner = Python.openScope()) {
                kept = make(p + "kept").keep();
                make(p + "dropped");
                assertEquals(1, inner.size());
                assertEquals(1, outer.size());
            }
            assertEquals(1, count(p + "dropped"));
            assertFalse("a kept handle survives the inner scope", kept.isReleased());
            assertEquals(0, count(p + "kept"));
            assertEquals("_pybridge_lt.Obj", kept.typeName());
            assertEquals(p + "kept", kept.getAttr("key", String.class));
        }
        assertTrue("the outer scope released the kept handle", kept.isReleased());
        assertEquals(1, count(p + "kept"));
    }

    @Test
    public void keepWithoutEnclosingScopeHandsTheHandleToTheGc() {
        String p = prefix("keep-gc");
        Stats before = Python.stats();
        keepOne(p + "x");
        Stats mid = Python.stats();
        assertEquals("the kept handle is now GC-tracked", 1, mid.gcTracked() - before.gcTracked());
        assertEquals("and still alive", 0, count(p + "x"));
        assertTrue(
                "the GC released the kept handle once its wrapper was dropped",
                LifetimeSupport.await(() -> count(p + "x") == 1, 30_000, true));
    }

    private static void keepOne(String key) {
        PyObject k;
        try (ResourceScope s = Python.openScope()) {
            k = make(key).keep();
            assertEquals(0, s.size());
        }
        assertFalse(k.isReleased());
        assertEquals(key, k.getAttr("key", String.class));
    }

    @Test
    public void withGilScopeKeepsTheReturnedHandle() {
        String p = prefix("wgs");
        PyObject r = Python.withGilScope(() -> {
            make(p + "temp");
            return make(p + "result");
        });
        assertEquals(1, count(p + "temp"));
        assertFalse(r.isReleased());
        assertEquals(0, count(p + "result"));
        assertEquals(p + "result", r.getAttr("key", String.class));
        r.close();
        assertEquals(1, count(p + "result"));

        // Inside an enclosing scope the returned handle moves to it.
        PyObject r2;
        try (ResourceScope outer = Python.openScope()) {
            r2 = Python.withGilScope(() -> make(p + "inner-result"));
            assertEquals(1, outer.size());
            assertFalse(r2.isReleased());
        }
        assertTrue(r2.isReleased());
        assertEquals(1, count(p + "inner-result"));
    }

    @Test
    public void handleUsedAfterItsScopeClosedThrows() {
        PyObject d;
        PyObject l;
        try (ResourceScope s = Python.openScope()) {
            d = Python.eval("{'a': 1}");
            l = Python.eval("[1, 2, 3]");
        }
        assertTrue(d.isReleased());
        try {
            d.getItem("a");
            fail("getItem on a released handle must throw");
        } catch (PyObjectReleasedException e) {
            assertTrue(
                    "the message names the Python type: " + e.getMessage(),
                    e.getMessage().contains("dict"));
        }
        try {
            l.len();
            fail("len on a released handle must throw");
        } catch (PyObjectReleasedException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("list"));
        }
        try {
            l.toJava();
            fail("toJava on a released handle must throw");
        } catch (PyObjectReleasedException expected) {
            // ok
        }
        try {
            Python.builtins().callAttr("len", l);
            fail("passing a released handle as an argument must throw");
        } catch (PyObjectReleasedException expected) {
            // ok
        }
        assertTrue(d.toString().contains("released"));
    }

    @Test
    public void toJavaValuesSurviveTheScope() {
        Object v;
        List<Object> items = new ArrayList<>();
        try (ResourceScope s = Python.openScope()) {
            v = Python.eval("{'a': [1, 2], 'b': 'x'}").toJava();
            for (PyObject o : Python.eval("[10, 20, 30]")) {
                items.add(o.toJava());
            }
        }
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", Arrays.asList(1L, 2L));
        expected.put("b", "x");
        assertEquals(expected, v);
        assertEquals(Arrays.asList(10L, 20L, 30L), items);
    }

    @Test
    public void closingOutOfOrderThrowsAndStillReleases() {
        String p = prefix("ooo");
        ResourceScope outer = Python.openScope();
        PyObject a = make(p + "outer");
        ResourceScope inner = Python.openScope();
        PyObject b = make(p + "inner");
        try {
            outer.close();
            fail("closing the outer scope while the inner one is open must throw");
        } catch (IllegalStateException e) {
            assertNotNull(e.getMessage());
        } finally {
            assertTrue("the out-of-order close still released what the outer scope owns", a.isReleased());
            assertEquals(1, count(p + "outer"));
            assertFalse("the inner scope's handle is not the outer's to release", b.isReleased());
            assertEquals(0, count(p + "inner"));
            assertTrue(outer.isClosed());
            inner.close();
        }
        assertTrue(b.isReleased());
        assertEquals(1, count(p + "inner"));
        // A new handle is not owned by a closed scope.
        assertEquals(0, Python.stats().openScopes());
        try (ResourceScope s = Python.openScope()) {
            make(p + "after");
            assertEquals(1, s.size());
        }
        assertEquals(1, count(p + "after"));
    }

    @Test
    public void closingOnAnotherThreadThrows() throws Exception {
        String p = prefix("xthread");
        ResourceScope s = Python.openScope();
        PyObject a = make(p + "a");
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                s.close();
            } catch (Throwable e) {
                seen.set(e);
            }
        });
        t.start();
        t.join(10_000);
        try {
            assertTrue(
                    "expected IllegalStateException, got " + seen.get(), seen.get() instanceof IllegalStateException);
            assertFalse(s.isClosed());
            assertFalse(a.isReleased());
            assertEquals(0, count(p + "a"));
            assertEquals(1, Python.stats().openScopes());
        } finally {
            s.close();
        }
        assertTrue(a.isReleased());
        assertEquals(1, count(p + "a"));
    }

    @Test
    public void openScopesCountsThisThreadOnly() throws Exception {
        int base = Python.stats().openScopes();
        assertEquals(0, base);
        try (ResourceScope a = Python.openScope()) {
            assertEquals(1, Python.stats().openScopes());
            try (ResourceScope b = Python.openScope()) {
                assertEquals(2, Python.stats().openScopes());
                int[] other = new int[] {-1};
                Thread t = new Thread(() -> other[0] = Python.stats().openScopes());
                t.start();
                t.join(10_000);
                assertEquals("another thread sees its own (no) scopes", 0, other[0]);
            }
            assertEquals(1, Python.stats().openScopes());
        }
        assertEquals(0, Python.stats().openScopes());
    }

    /** The seed's workload: 1000 dicts built and converted inside withGilScope leave nothing behind. */
    @Test
    public void seedWorkloadLeavesNoHandles() {
        Stats before = Python.stats();
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("a", 1);
        in.put("b", 2);
        List<Object> out = Python.withGilScope(() -> {
            List<Object> r = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                r.add(Python.toPython(in).toJava());
            }
            return r;
        });
        Stats after = Python.stats();
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", 1L);
        expected.put("b", 2L);
        assertEquals(1000, out.size());
        for (Object m : out) {
            assertEquals(expected, m);
            assertEquals("{a=1, b=2}", m.toString());
        }
        assertTrue("handles were made: " + before + " -> " + after, after.created() - before.created() >= 1000);
        assertEquals(
                "all released by the scope",
                after.created() - before.created(),
                after.releasedByScope() - before.releasedByScope());
        assertTrue(
                "live handles where they were: " + before + " -> " + after,
                after.liveHandles() <= before.liveHandles());
        assertEquals(0, after.openScopes());
    }

    /** libpython-clj's shape: a list of dicts, each converted, under one scope. */
    @Test
    public void seedWorkloadThroughAPythonList() {
        Stats before = Python.stats();
        List<?> maps = Python.withGilScope(() -> {
            PyObject list = Python.eval("[{'a': 1, 'b': 2} for _ in range(1000)]");
            List<Object> r = new ArrayList<>();
            for (PyObject d : list) {
                r.add(d.toJava());
            }
            return r;
        });
        Stats after = Python.stats();
        assertEquals(1000, maps.size());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", 1L);
        expected.put("b", 2L);
        for (Object m : maps) {
            assertEquals(expected, m);
        }
        assertSame(ArrayList.class, maps.getClass());
        assertTrue(after.liveHandles() <= before.liveHandles());
    }
}

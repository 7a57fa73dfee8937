package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.BeforeClass;
import org.junit.Test;

/** Live views, Python equality, namespaces, context managers, weak references. */
public class ViewsAndNamespacesTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
    }

    @Test
    public void listViewIsLiveBothWays() {
        try (ResourceScope s = Python.openScope()) {
            PyObject py = Python.eval("[3, 1, 2]");
            List<Object> l = py.asList();
            assertEquals(3, l.size());
            assertEquals(3L, l.get(0));
            l.set(0, 30);
            l.add("x");
            assertEquals("[30, 1, 2, 'x']", py.repr());
            py.callAttr("append", 7);
            assertEquals(5, l.size());
            assertEquals(7L, l.get(4));
            assertEquals("x", l.remove(3));
            assertEquals(Arrays.asList(30L, 1L, 2L, 7L), l);
            try {
                l.get(10);
                fail("expected IndexOutOfBoundsException");
            } catch (IndexOutOfBoundsException e) {
                // expected
            }
        }
    }

    @Test
    public void listSortNullSortsThePythonListInPlace() {
        try (ResourceScope s = Python.openScope()) {
            PyObject py = Python.eval("['b', 'c', 'a']");
            PyObject same = Python.mainModule();
            same.setAttr("_view_sorted", py);
            py.asList().sort(null);
            assertEquals("['a', 'b', 'c']", Python.eval("_view_sorted").repr());
            py.asList().sort((a, b) -> ((String) b).compareTo((String) a));
            assertEquals("['c', 'b', 'a']", Python.eval("_view_sorted").repr());
            Python.exec("del _view_sorted");
        }
    }

    @Test
    public void mapViewIsLiveBothWays() {
        try (ResourceScope s = Python.openScope()) {
            PyObject py = Python.eval("{'a': 1}");
            Map<Object, Object> m = py.asMap();
            assertEquals(1L, m.get("a"));
            assertNull("a missing key reads as null", m.get("zz"));
            assertTrue(m.containsKey("a"));
            assertFalse(m.containsKey("zz"));
            assertNull(m.put("b", List.of(1, 2)));
            assertEquals("{'a': 1, 'b': [1, 2]}", py.repr());
            py.setItem("c", 3.5);
            assertEquals(3, m.size());
            assertEquals(Set.of("a", "b", "c"), new HashSet<>(m.keySet()));
            assertEquals(1L, m.remove("a"));
            assertEquals("{'b': [1, 2], 'c': 3.5}", py.repr());
            for (Map.Entry<Object, Object> e : m.entrySet()) {
                if (e.getKey().equals("c")) {
                    e.setValue(4.5);
                }
            }
            assertEquals(4.5, py.getItem("c", Double.class), 0.0);
        }
    }

    @Test
    public void equalsAndHashCodeFollowPython() {
        try (ResourceScope s = Python.openScope()) {
            PyObject a = Python.eval("(1, 'x')");
            PyObject b = Python.eval("(1, 'x')");
            PyObject c = Python.eval("(2, 'x')");
            assertEquals(a, b);
            assertEquals(a.hashCode(), b.hashCode());
            assertEquals(Python.eval("hash((1, 'x'))", Long.class).hashCode(), a.hashCode());
            assertNotEquals(a, c);
            PyObject l1 = Python.eval("[1]");
            PyObject l2 = Python.eval("[1]");
            assertEquals("unhashable but equal", l1, l2);
            assertEquals(l1.hashCode(), l2.hashCode());
            Set<PyObject> set = new HashSet<>(List.of(a, b, c));
            assertEquals(2, set.size());
            assertNotEquals(a, "not a PyObject");
        }
    }

    @Test
    public void namespacesAreSeparateFromMainAndEachOther() {
        try (PyNamespace one = Python.newNamespace();
                PyNamespace two = Python.newNamespace()) {
            one.exec("x = 40\ndef f(y): return x + y");
            two.exec("x = 'other'");
            assertEquals(Long.valueOf(42), one.eval("f(2)", Long.class));
            assertEquals("other", two.get("x", String.class));
            assertNull(two.get("f"));
            assertFalse(
                    "__main__ did not get the namespace's names",
                    Python.eval("globals().get('x') == 40", Boolean.class));
            two.set("n", List.of(1, 2, 3));
            assertEquals(Long.valueOf(6), two.eval("sum(n)", Long.class));
            assertEquals(Long.valueOf(3), two.eval("len(n)", Long.class));
        }
    }

    @Test
    public void aNamespaceOutlivesTheScopeItWasMadeIn() {
        PyNamespace ns;
        try (ResourceScope s = Python.openScope()) {
            ns = Python.newNamespace();
            ns.exec("v = 1");
        }
        assertEquals(Long.valueOf(1), ns.eval("v", Long.class));
        ns.close();
        try {
            ns.eval("v", Long.class);
            fail("a closed namespace is released");
        } catch (PyObjectReleasedException e) {
            assertEquals("dict", e.pythonType());
        }
    }

    @Test
    public void contextManagersFromJava() {
        try (PyNamespace ns = Python.newNamespace();
                ResourceScope s = Python.openScope()) {
            ns.exec(String.join(
                    "\n",
                    "log = []",
                    "class CM:",
                    "    def __init__(self, suppress): self.suppress = suppress",
                    "    def __enter__(self): log.append('enter'); return 'value'",
                    "    def __exit__(self, t, v, tb):",
                    "        log.append('exit:' + (type(v).__name__ if v is not None else 'None'))",
                    "        return self.suppress",
                    ""));
            try (PyContext ctx = ns.eval("CM(False)").enter()) {
                assertEquals("value", ctx.value().toJava());
            }
            assertEquals(List.of("enter", "exit:None"), ns.get("log", List.class));
            ns.exec("log.clear()");
            String r = ns.eval("CM(True)").with(v -> {
                throw new IllegalStateException("inside");
            });
            assertNull("a true __exit__ suppresses the exception", r);
            assertEquals(List.of("enter", "exit:IllegalStateException"), ns.get("log", List.class));
            ns.exec("log.clear()");
            try {
                ns.eval("CM(False)").with(v -> {
                    throw new IllegalArgumentException("not suppressed");
                });
                fail("expected the exception to propagate");
            } catch (IllegalArgumentException e) {
                assertEquals("not suppressed", e.getMessage());
            }
            assertEquals(List.of("enter", "exit:IllegalArgumentException"), ns.get("log", List.class));
            assertEquals("ok", ns.eval("CM(False)").with(v -> "ok"));
        }
    }

    @Test
    public void weakReferencesDoNotKeepObjectsAlive() {
        try (PyNamespace ns = Python.newNamespace()) {
            ns.exec("class Node: pass\nn = Node()");
            PyObject n = ns.get("n");
            try (PyWeak w = n.weak()) {
                PyObject again = w.get();
                assertTrue(again.isSame(n));
                again.close();
                n.close();
                ns.exec("del n");
                assertNull("freed once the last strong reference went", w.get());
            }
        }
    }

    @Test
    public void refCountCountsThisHandle() {
        try (PyNamespace ns = Python.newNamespace()) {
            PyObject fresh = ns.eval("object()");
            assertEquals(1, fresh.refCount());
            ns.set("keep", fresh);
            assertEquals(2, fresh.refCount());
            fresh.close();
        }
    }
}

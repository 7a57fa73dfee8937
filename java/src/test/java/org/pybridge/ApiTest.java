package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.BeforeClass;
import org.junit.Test;

/** The PyObject and Python API: attributes, calls, items, iteration, identity, close(). */
public class ApiTest {
    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "class _ApiThing:",
                "    kind = 'thing'",
                "    def __init__(self, n):",
                "        self.n = n",
                "    def add(self, a, b=10):",
                "        return self.n + a + b",
                "    def __str__(self):",
                "        return 'Thing(%d)' % self.n",
                "    def __repr__(self):",
                "        return '<_ApiThing n=%d>' % self.n",
                "def _api_kw(a, b=2, *args, c=3, **kw):",
                "    return {'a': a, 'b': b, 'args': list(args), 'c': c, 'kw': kw}",
                "def _api_str():",
                "    return 'not a number'",
                "def _api_big():",
                "    return 2**40",
                "def _api_huge():",
                "    return 2**100",
                "def _api_obj():",
                "    return object()",
                "def _api_count():",
                "    i = 0",
                "    while True:",
                "        yield i",
                "        i += 1",
                "_api_pulled = []",
                "def _api_tracking(n):",
                "    for i in range(n):",
                "        _api_pulled.append(i)",
                "        yield i * i",
                ""));
    }

    private static PyObject main() {
        return Python.mainModule();
    }

    // ---- Python.* ----------------------------------------------------------------

    @Test
    public void initializeIsIdempotent() {
        PythonInfo a = Python.initialize();
        PythonInfo b = Python.initialize();
        assertSame(a, b);
        assertTrue(Python.isInitialized());
    }

    @Test
    public void execDefinesNamesSeenByMainModuleAndEval() {
        Python.exec("api_defined_value = 6 * 7\ndef api_defined_fn(x):\n    return x + 1\n");
        try (PyObject m = Python.mainModule()) {
            assertEquals("module", m.typeName());
            assertEquals(Long.valueOf(42), m.getAttr("api_defined_value", Long.class));
            assertTrue(m.hasAttr("api_defined_fn"));
            assertEquals(Long.valueOf(43), m.getAttr("api_defined_fn").callAs(Long.class, 42));
            assertEquals("__main__", m.getAttr("__name__", String.class));
        }
        assertEquals(Long.valueOf(42), Python.eval("api_defined_value", Long.class));
        // And the other way: setAttr on the module is seen by eval.
        try (PyObject m = Python.mainModule()) {
            m.setAttr("api_from_java", "hi");
        }
        assertEquals("hi!", Python.eval("api_from_java + '!'", String.class));
    }

    @Test
    public void importModuleDotted() {
        try (PyObject osPath = Python.importModule("os.path")) {
            assertEquals("module", osPath.typeName());
            assertEquals("a/b", osPath.callAttrAs(String.class, "join", "a", "b"));
            String name = osPath.getAttr("__name__", String.class);
            try (PyObject os = Python.importModule("os")) {
                assertTrue(os.getAttr("path").isSame(osPath));
                assertEquals(name, os.getAttr("path").getAttr("__name__", String.class));
            }
        }
        try (PyObject decoder = Python.importModule("json.decoder")) {
            assertTrue(decoder.hasAttr("JSONDecodeError"));
            assertEquals("json.decoder", decoder.getAttr("__name__", String.class));
        }
        try (PyObject a = Python.importModule("json");
                PyObject b = Python.importModule("json")) {
            assertTrue(a.isSame(b));
        }
    }

    @Test
    public void builtinsModule() {
        try (PyObject b = Python.builtins()) {
            assertEquals("builtins", b.getAttr("__name__", String.class));
            assertEquals(Long.valueOf(3), b.callAttrAs(Long.class, "len", Arrays.asList(1, 2, 3)));
            assertEquals(Long.valueOf(9), b.callAttrAs(Long.class, "max", 3, 9, 4));
            assertEquals("int", b.getAttr("int").getAttr("__name__", String.class));
        }
    }

    // ---- attributes ----------------------------------------------------------------

    @Test
    public void attributes() {
        try (PyObject t = main().callAttr("_ApiThing", 5)) {
            assertEquals("__main__._ApiThing", t.typeName());
            assertEquals(Long.valueOf(5), t.getAttr("n", Long.class));
            assertEquals("thing", t.getAttr("kind", String.class));
            assertTrue(t.hasAttr("n"));
            assertTrue(t.hasAttr("add"));
            assertFalse(t.hasAttr("missing"));
            t.setAttr("n", 8);
            assertEquals(Long.valueOf(8), t.getAttr("n", Long.class));
            t.setAttr("extra", Arrays.asList(1, "x"));
            assertTrue(t.hasAttr("extra"));
            assertEquals(Arrays.asList(1L, "x"), t.getAttr("extra").toJava());
            t.setAttr("none", null);
            assertTrue(t.hasAttr("none"));
            assertNull(t.getAttr("none", Object.class));
            try (PyObject n = t.getAttr("n")) {
                assertEquals("int", n.typeName());
                assertEquals(8L, n.toJava());
            }
            try {
                t.getAttr("missing");
                fail("expected PythonException");
            } catch (PythonException e) {
                assertEquals("AttributeError", e.pythonType());
                assertTrue(e.pythonMessage(), e.pythonMessage().contains("missing"));
            }
            try {
                t.getAttr("missing", Long.class);
                fail("expected PythonException");
            } catch (PythonException e) {
                assertEquals("AttributeError", e.pythonType());
            }
        }
        // Unicode attribute names.
        try (PyObject t = main().callAttr("_ApiThing", 1)) {
            t.setAttr("\u540d\u524d", 3);
            assertEquals(Long.valueOf(3), t.getAttr("\u540d\u524d", Long.class));
            assertTrue(t.hasAttr("\u540d\u524d"));
        }
    }

    @Test
    public void setAttrOnReadOnlyObjectRaisesAndChangesNothing() {
        try (PyObject i = Python.eval("5")) {
            i.setAttr("real", 6);
            fail("expected PythonException");
        } catch (PythonException e) {
            assertEquals("AttributeError", e.pythonType());
        }
        assertEquals(Long.valueOf(5), Python.eval("(5).real", Long.class));
    }

    // ---- calls ---------------------------------------------------------------------

    @Test
    public void callAndCallAttr() {
        try (PyObject cls = main().getAttr("_ApiThing");
                PyObject t = cls.call(3)) {
            assertEquals("__main__._ApiThing", t.typeName());
            try (PyObject r = t.callAttr("add", 1)) {
                assertEquals(14L, r.toJava());
            }
            try (PyObject r = t.callAttr("add", 1, 2)) {
                assertEquals(6L, r.toJava());
            }
            try (PyObject add = t.getAttr("add");
                    PyObject r = add.call(4, 5)) {
                assertEquals(12L, r.toJava());
            }
            assertEquals(Long.valueOf(6), t.callAttrAs(Long.class, "add", 1, 2));
        }
        try (PyObject sorted = Python.eval("sorted");
                PyObject r = sorted.call(Arrays.asList(3, 1, 2))) {
            assertEquals(Arrays.asList(1L, 2L, 3L), r.toJava());
        }
        // No arguments, and a null argument (None).
        try (PyObject f = Python.eval("lambda *a: len(a)")) {
            assertEquals(0L, f.call().toJava());
            assertEquals(1L, f.call((Object) null).toJava());
            assertEquals(2L, f.call(null, null).toJava());
            assertEquals(12L, f.call(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12).toJava());
        }
        try (PyObject isNone = Python.eval("lambda x: x is None")) {
            assertEquals(Boolean.TRUE, isNone.callAs(Boolean.class, (Object) null));
        }
    }

    @Test
    public void callKwPassesKeywordArguments() {
        try (PyObject f = main().getAttr("_api_kw")) {
            Map<String, Object> kw = new LinkedHashMap<>();
            kw.put("c", 30);
            kw.put("z", "zz");
            kw.put("b", 20);
            Map<?, ?> r = f.callKw(kw, 1).toJava(Map.class);
            assertEquals(1L, r.get("a"));
            assertEquals(20L, r.get("b"));
            assertEquals(30L, r.get("c"));
            assertEquals(Collections.emptyList(), r.get("args"));
            assertEquals(Collections.singletonMap("z", "zz"), r.get("kw"));
            Map<?, ?> r2 =
                    f.callKw(Collections.singletonMap("c", null), 1, 2, 3, 4).toJava(Map.class);
            assertEquals(2L, r2.get("b"));
            assertEquals(Arrays.asList(3L, 4L), r2.get("args"));
            assertNull(r2.get("c"));
            assertTrue(r2.containsKey("c"));
            // Empty kwargs behave like call().
            Map<?, ?> r3 = f.callKw(Collections.emptyMap(), 9).toJava(Map.class);
            assertEquals(9L, r3.get("a"));
            assertEquals(3L, r3.get("c"));
            // Only keywords.
            Map<?, ?> r4 = f.callKwAs(Map.class, Collections.singletonMap("a", "only"));
            assertEquals("only", r4.get("a"));
            // Keyword kwargs kept in order.
            Map<String, Object> ordered = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                ordered.put("k" + ((i * 7) % 20), i);
            }
            Map<?, ?> r5 = f.callKwAs(Map.class, ordered, 0);
            assertEquals(new ArrayList<>(ordered.keySet()), new ArrayList<>(((Map<?, ?>) r5.get("kw")).keySet()));
        }
        try (PyObject t = main().callAttr("_ApiThing", 1)) {
            assertEquals(
                    Long.valueOf(1 + 2 + 100),
                    t.callAttrKw("add", Collections.singletonMap("b", 100), 2).toJava(Long.class));
        }
        // A duplicate argument is Python's TypeError.
        try (PyObject f = main().getAttr("_api_kw")) {
            f.callKw(Collections.singletonMap("a", 5), 1);
            fail("expected PythonException");
        } catch (PythonException e) {
            assertEquals("TypeError", e.pythonType());
        }
    }

    @Test
    public void callAsTargets() {
        try (PyObject f = Python.eval("lambda x: x")) {
            assertEquals(Long.valueOf(5), f.callAs(Long.class, 5));
            assertEquals(Integer.valueOf(5), f.callAs(Integer.class, 5));
            assertEquals(Integer.valueOf(Integer.MIN_VALUE), f.callAs(Integer.class, Integer.MIN_VALUE));
            assertEquals(Double.valueOf(2.5), f.callAs(Double.class, 2.5));
            assertEquals(Double.valueOf(5.0), f.callAs(Double.class, 5));
            assertEquals("s\u00e9", f.callAs(String.class, "s\u00e9"));
            assertEquals(Arrays.asList(1L, 2L), f.callAs(List.class, Arrays.asList(1, 2)));
            assertEquals(Collections.singletonMap("a", 1L), f.callAs(Map.class, Collections.singletonMap("a", 1)));
            assertEquals(Boolean.TRUE, f.callAs(Boolean.class, true));
            assertEquals(Long.valueOf(7), f.callAs(Object.class, 7));
            assertEquals(Arrays.asList("x"), f.callAs(Object.class, Arrays.asList("x")));
            assertNull(f.callAs(Long.class, (Object) null));
            assertNull(f.callAs(String.class, (Object) null));
            assertEquals(
                    BigInteger.valueOf(2).pow(100),
                    f.callAs(BigInteger.class, BigInteger.valueOf(2).pow(100)));
            assertEquals(BigInteger.valueOf(3), f.callAs(BigInteger.class, 3));
            // A tuple result as a List.
            try (PyObject tup = Python.eval("lambda: (1, 'a')")) {
                assertEquals(Arrays.asList(1L, "a"), tup.callAs(List.class));
            }
            // PyObject: a handle, not a copy.
            try (PyObject l = Python.eval("[1]");
                    PyObject r = f.callAs(PyObject.class, l)) {
                assertTrue(r.isSame(l));
            }
        }
        // Object of something without a Java counterpart: the PyObject.
        try (PyObject g = main().getAttr("_api_obj")) {
            Object o = g.callAs(Object.class);
            assertTrue(o instanceof PyObject);
            assertEquals("object", ((PyObject) o).typeName());
            try (PyObject h = g.callAs(PyObject.class)) {
                assertEquals("object", h.typeName());
            }
        }
    }

    @Test
    public void callAsPrimitiveAndNarrowTargets() {
        try (PyObject f = Python.eval("lambda x: x")) {
            assertEquals(Integer.valueOf(5), f.callAs(int.class, 5));
            assertEquals(Long.valueOf(5), f.callAs(long.class, 5));
            assertEquals(Double.valueOf(2.0), f.callAs(double.class, 2));
            assertEquals(Boolean.TRUE, f.callAs(boolean.class, true));
            assertEquals(Short.valueOf((short) -300), f.callAs(Short.class, -300));
            assertEquals(Byte.valueOf((byte) 100), f.callAs(Byte.class, 100));
            assertEquals(Float.valueOf(1.5f), f.callAs(Float.class, 1.5));
            assertEquals(Character.valueOf('\u4e2d'), f.callAs(Character.class, "\u4e2d"));
            try {
                f.callAs(int.class, (Object) null);
                fail("None cannot be an int");
            } catch (ClassCastException e) {
                assertNotNull(e.getMessage());
            }
            try {
                f.callAs(Byte.class, 200);
                fail("200 does not fit in a Byte");
            } catch (ArithmeticException e) {
                assertNotNull(e.getMessage());
            }
            try {
                f.callAs(Character.class, "ab");
                fail("'ab' is not one Character");
            } catch (ClassCastException e) {
                assertNotNull(e.getMessage());
            }
        }
    }

    @Test
    public void keywordNamesMustBeStrings() {
        Map<Object, Object> bad = new LinkedHashMap<>();
        bad.put(1, "x");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Map<String, ?> kw = (Map) bad;
        Python.exec("_api_kw_calls = []\ndef _api_kw_rec(**kw):\n    _api_kw_calls.append(kw)\n");
        try (PyObject f = main().getAttr("_api_kw_rec")) {
            f.callKw(kw);
            fail("expected an exception for a non-string keyword name");
        } catch (IllegalArgumentException | PythonException e) {
            assertNotNull(e.getMessage());
        }
        assertEquals(Long.valueOf(0), Python.eval("len(_api_kw_calls)", Long.class));
    }

    @Test
    public void callsFromSeveralThreads() throws Exception {
        final int threads = 4;
        final int calls = 200;
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        Thread[] ts = new Thread[threads];
        try (PyObject f = Python.eval("lambda x, s: {'x': x * 2, 's': s + '!'}")) {
            for (int t = 0; t < threads; t++) {
                final int id = t;
                ts[t] = new Thread(() -> {
                    try {
                        for (int i = 0; i < calls; i++) {
                            Map<?, ?> r = f.callAs(Map.class, i, "t" + id + "\u4e2d" + i);
                            if (!Long.valueOf(i * 2L).equals(r.get("x"))
                                    || !("t" + id + "\u4e2d" + i + "!").equals(r.get("s"))) {
                                throw new AssertionError("thread " + id + " call " + i + " got " + r);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                ts[t].start();
            }
            for (Thread t : ts) {
                t.join(30_000);
            }
        }
        assertEquals(errors.toString(), 0, errors.size());
    }

    @Test
    public void callAsStrResultAsLongIsClassCastException() {
        try (PyObject f = main().getAttr("_api_str")) {
            f.callAs(Long.class);
            fail("expected ClassCastException");
        } catch (ClassCastException e) {
            assertNotNull(e.getMessage());
        }
        try (PyObject f = Python.eval("lambda: 1.5")) {
            f.callAs(Long.class);
            fail("expected ClassCastException");
        } catch (ClassCastException e) {
            assertNotNull(e.getMessage());
        }
        try (PyObject f = Python.eval("lambda: [1]")) {
            f.callAs(Map.class);
            fail("expected ClassCastException");
        } catch (ClassCastException e) {
            assertNotNull(e.getMessage());
        }
        try (PyObject f = Python.eval("lambda: 1")) {
            f.callAs(String.class);
            fail("expected ClassCastException");
        } catch (ClassCastException e) {
            assertNotNull(e.getMessage());
        }
    }

    @Test
    public void callAsObjectResultAsLongIsClassCastException() {
        // A result with no Java counterpart does not fit Long either.
        try (PyObject f = main().getAttr("_api_obj")) {
            f.callAs(Long.class);
            fail("expected ClassCastException");
        } catch (ClassCastException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("object"));
        }
        try (PyObject f = main().getAttr("_api_obj")) {
            f.callAs(String.class);
            fail("expected ClassCastException");
        } catch (ClassCastException e) {
            assertNotNull(e.getMessage());
        }
    }

    @Test
    public void conversionToAClassIsConsistentForObjectsWithoutCounterpart() {
        // toJava(Class) already says ClassCastException; eval(expr, Class) and callAs must agree.
        try (PyObject o = Python.eval("object()")) {
            try {
                o.toJava(Long.class);
                fail("expected ClassCastException from toJava(Long.class)");
            } catch (ClassCastException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("object"));
            }
        }
        try {
            Python.eval("object()", Long.class);
            fail("expected ClassCastException from eval(expr, Long.class)");
        } catch (ClassCastException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("object"));
        }
    }

    @Test
    public void evalOfIntBeyond64BitsAsLongIsArithmeticException() {
        try {
            Python.eval("2**64", Long.class);
            fail("expected ArithmeticException");
        } catch (ArithmeticException e) {
            assertNotNull(e.getMessage());
        }
    }

    @Test
    public void callAsIntTooBigForIntegerIsArithmeticException() {
        try (PyObject f = main().getAttr("_api_big")) {
            assertEquals(Long.valueOf(1L << 40), f.callAs(Long.class));
            try {
                f.callAs(Integer.class);
                fail("expected ArithmeticException");
            } catch (ArithmeticException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(Long.toString(1L << 40)));
            }
        }
        try (PyObject f = Python.eval("lambda: 2**31")) {
            f.callAs(Integer.class);
            fail("expected ArithmeticException");
        } catch (ArithmeticException e) {
            assertNotNull(e.getMessage());
        }
        try (PyObject f = Python.eval("lambda: -2**31 - 1")) {
            f.callAs(Integer.class);
            fail("expected ArithmeticException");
        } catch (ArithmeticException e) {
            assertNotNull(e.getMessage());
        }
    }

    @Test
    public void callAsIntBeyond64BitsIsArithmeticException() {
        try (PyObject f = main().getAttr("_api_huge")) {
            assertEquals(BigInteger.valueOf(2).pow(100), f.callAs(BigInteger.class));
            try {
                f.callAs(Integer.class);
                fail("expected ArithmeticException for Integer");
            } catch (ArithmeticException e) {
                assertNotNull(e.getMessage());
            }
            try {
                f.callAs(Long.class);
                fail("expected ArithmeticException for Long");
            } catch (ArithmeticException e) {
                assertNotNull(e.getMessage());
            }
        }
    }

    // ---- items -----------------------------------------------------------------------

    @Test
    public void items() {
        try (PyObject d = Python.eval("{'a': 1, 2: 'two'}")) {
            assertEquals(Long.valueOf(1), d.getItem("a", Long.class));
            assertEquals("two", d.getItem(2, String.class));
            try (PyObject v = d.getItem("a")) {
                assertEquals("int", v.typeName());
            }
            d.setItem("b", Arrays.asList(1, 2));
            d.setItem(3, null);
            assertTrue(d.contains("b"));
            assertTrue(d.contains(3));
            assertFalse(d.contains("zz"));
            assertEquals(4, d.len());
            d.delItem("a");
            assertFalse(d.contains("a"));
            assertEquals(3, d.len());
            Map<Object, Object> expected = new LinkedHashMap<>();
            expected.put(2L, "two");
            expected.put("b", Arrays.asList(1L, 2L));
            expected.put(3L, null);
            assertEquals(expected, d.toJava());
            try {
                d.getItem("missing");
                fail("expected PythonException");
            } catch (PythonException e) {
                assertEquals("KeyError", e.pythonType());
            }
            try {
                d.delItem("missing");
                fail("expected PythonException");
            } catch (PythonException e) {
                assertEquals("KeyError", e.pythonType());
            }
            assertEquals(expected, d.toJava());
        }
        try (PyObject l = Python.eval("[10, 20, 30]")) {
            assertEquals(Long.valueOf(30), l.getItem(-1, Long.class));
            l.setItem(0, "x");
            l.delItem(1);
            assertEquals(Arrays.asList("x", 30L), l.toJava());
            assertTrue(l.contains(30));
            assertFalse(l.contains(20));
            try {
                l.getItem(5);
                fail("expected PythonException");
            } catch (PythonException e) {
                assertEquals("IndexError", e.pythonType());
            }
        }
        // A tuple key from a PyObject, and a string slice via a slice object.
        try (PyObject d = Python.eval("{(1, 2): 'pair'}");
                PyObject key = Python.eval("(1, 2)")) {
            assertEquals("pair", d.getItem(key, String.class));
        }
        try (PyObject s = Python.eval("'hello'");
                PyObject sl = Python.eval("slice(1, 3)")) {
            assertEquals("el", s.getItem(sl, String.class));
        }
        // Contains on a string.
        try (PyObject s = Python.eval("'hello'")) {
            assertTrue(s.contains("ell"));
            assertFalse(s.contains("xyz"));
            assertEquals(5, s.len());
        }
    }

    @Test
    public void failedSetItemLeavesDictUnchanged() {
        try (PyObject d = Python.eval("{'a': 1}")) {
            try {
                d.setItem(Arrays.asList(1, 2), "v"); // a list key is unhashable in Python
                fail("expected an exception");
            } catch (PythonException e) {
                assertEquals("TypeError", e.pythonType());
            }
            assertEquals(Collections.singletonMap("a", 1L), d.toJava());
            assertEquals(1, d.len());
        }
        try (PyObject t = Python.eval("(1, 2)")) {
            t.setItem(0, 5);
            fail("expected PythonException");
        } catch (PythonException e) {
            assertEquals("TypeError", e.pythonType());
        }
    }

    @Test
    public void lenOfObjectWithoutLenIsPythonException() {
        try (PyObject o = Python.eval("object()")) {
            o.len();
            fail("expected PythonException");
        } catch (PythonException e) {
            assertEquals("TypeError", e.pythonType());
        }
        try (PyObject o = Python.eval("range(10**6)")) {
            assertEquals(1_000_000, o.len());
        }
    }

    // ---- description ------------------------------------------------------------------

    @Test
    public void typeNameIsQualified() {
        try (PyObject o = Python.eval("__import__('collections').OrderedDict()")) {
            assertEquals("collections.OrderedDict", o.typeName());
        }
        assertEquals("int", Python.eval("1").typeName());
        assertEquals("str", Python.eval("'x'").typeName());
        assertEquals("NoneType", Python.eval("None").typeName());
        assertEquals("function", Python.eval("lambda: 0").typeName());
        assertEquals("builtin_function_or_method", Python.eval("len").typeName());
        assertEquals("type", Python.eval("int").typeName());
        assertEquals("module", Python.importModule("json").typeName());
        assertEquals(
                "json.decoder.JSONDecoder",
                Python.eval("__import__('json').decoder.JSONDecoder()").typeName());
        assertEquals(
                "collections.defaultdict",
                Python.eval("__import__('collections').defaultdict(int)").typeName());
        Python.exec("class _ApiOuter:\n    class Inner:\n        pass\n");
        assertEquals(
                "__main__._ApiOuter.Inner", Python.eval("_ApiOuter.Inner()").typeName());
    }

    @Test
    public void reprAndToString() {
        try (PyObject t = main().callAttr("_ApiThing", 4)) {
            assertEquals("<_ApiThing n=4>", t.repr());
            assertEquals("Thing(4)", t.toString());
        }
        try (PyObject s = Python.eval("'it\\'s'")) {
            assertEquals("\"it's\"", s.repr());
            assertEquals("it's", s.toString());
        }
        try (PyObject s = Python.eval("chr(0x1F600) + chr(0x4e2d)")) {
            assertEquals("'\uD83D\uDE00\u4e2d'", s.repr());
            assertEquals("\uD83D\uDE00\u4e2d", s.toString());
        }
        assertEquals("None", Python.eval("None").toString());
        assertEquals("[1, 'a']", Python.eval("[1, 'a']").repr());
        assertEquals("[1, 'a']", Python.eval("[1, 'a']").toString());
        assertEquals("2.5", Python.eval("2.5").toString());
    }

    // ---- iteration -----------------------------------------------------------------------

    @Test
    public void iterateList() {
        List<Object> seen = new ArrayList<>();
        try (PyObject l = Python.eval("[1, 'two', None, [3]]")) {
            for (PyObject item : l) {
                seen.add(item.toJava());
                item.close();
            }
        }
        assertEquals(Arrays.asList(1L, "two", null, Arrays.asList(3L)), seen);
        // Empty.
        try (PyObject l = Python.eval("[]")) {
            Iterator<PyObject> it = l.iterator();
            assertFalse(it.hasNext());
            assertFalse(it.hasNext());
            try {
                it.next();
                fail("expected NoSuchElementException");
            } catch (NoSuchElementException expected) {
                // ok
            }
        }
        // A dict iterates its keys; a string its characters.
        List<Object> keys = new ArrayList<>();
        for (PyObject k : Python.eval("{'x': 1, 'y': 2}")) {
            keys.add(k.toJava());
        }
        assertEquals(Arrays.asList("x", "y"), keys);
        StringBuilder chars = new StringBuilder();
        for (PyObject c : Python.eval("'ab' + chr(0x1F600)")) {
            chars.append((String) c.toJava()).append('|');
        }
        assertEquals("a|b|\uD83D\uDE00|", chars.toString());
    }

    @Test
    public void iterateInfiniteGeneratorLazily() {
        try (PyObject gen = main().callAttr("_api_count")) {
            assertEquals("generator", gen.typeName());
            List<Long> got = new ArrayList<>();
            Iterator<PyObject> it = gen.iterator();
            for (int i = 0; i < 100 && it.hasNext(); i++) {
                try (PyObject v = it.next()) {
                    got.add(v.toJava(Long.class));
                }
            }
            assertEquals(100, got.size());
            for (int i = 0; i < 100; i++) {
                assertEquals(Long.valueOf(i), got.get(i));
            }
            // The generator continues where the iterator left off.
            assertEquals(Long.valueOf(100), Python.eval("next").callAs(Long.class, gen));
        }
    }

    @Test
    public void generatorAdvancesOneItemPerNext() {
        Python.exec("_api_pulled.clear()");
        try (PyObject gen = main().callAttr("_api_tracking", 5)) {
            Iterator<PyObject> it = gen.iterator();
            assertEquals(Long.valueOf(0), Python.eval("len(_api_pulled)", Long.class));
            assertTrue(it.hasNext());
            assertEquals(0L, it.next().toJava());
            assertEquals(Long.valueOf(1), Python.eval("len(_api_pulled)", Long.class));
            assertEquals(1L, it.next().toJava());
            assertEquals(Long.valueOf(2), Python.eval("len(_api_pulled)", Long.class));
            List<Object> rest = new ArrayList<>();
            while (it.hasNext()) {
                rest.add(it.next().toJava());
            }
            assertEquals(Arrays.asList(4L, 9L, 16L), rest);
            assertFalse(it.hasNext());
        }
    }

    @Test
    public void iteratorPropagatesPythonErrors() {
        Python.exec("def _api_failing():\n    yield 1\n    raise ValueError('gen broke')\n");
        try (PyObject gen = main().callAttr("_api_failing")) {
            Iterator<PyObject> it = gen.iterator();
            assertEquals(1L, it.next().toJava());
            try {
                it.hasNext();
                fail("expected PythonException");
            } catch (PythonException e) {
                assertEquals("ValueError", e.pythonType());
                assertEquals("gen broke", e.pythonMessage());
            }
        }
        try (PyObject o = Python.eval("object()")) {
            o.iterator();
            fail("expected PythonException");
        } catch (PythonException e) {
            assertEquals("TypeError", e.pythonType());
        }
    }

    // ---- identity ---------------------------------------------------------------------

    @Test
    public void isSame() {
        try (PyObject a = Python.eval("[]");
                PyObject b = Python.eval("[]")) {
            assertFalse(a.isSame(b));
            assertTrue(a.isSame(a));
            try (PyObject l = Python.toPython(Arrays.asList(a));
                    PyObject a2 = l.getItem(0)) {
                assertTrue(a2.isSame(a));
                assertFalse(a2.isSame(b));
                assertTrue(a2 != a); // another handle, same object
            }
        }
        try (PyObject n1 = Python.eval("None");
                PyObject n2 = Python.toPython(null)) {
            assertTrue(n1.isSame(n2));
        }
    }

    // ---- close ---------------------------------------------------------------------------

    private interface Use {
        void run(PyObject p);
    }

    private static void assertReleased(PyObject p, String type, Use use, String what) {
        try {
            use.run(p);
            fail(what + ": expected PyObjectReleasedException");
        } catch (PyObjectReleasedException e) {
            assertEquals(what, type, e.pythonType());
            assertTrue(what + ": " + e.getMessage(), e.getMessage().contains("'" + type + "'"));
        }
    }

    @Test
    public void closeIsIdempotentAndLaterUseThrows() {
        PyObject d = Python.eval("{'a': 1}");
        assertFalse(d.isReleased());
        d.close();
        assertTrue(d.isReleased());
        d.close();
        d.close();
        assertTrue(d.isReleased());
        String s = d.toString();
        assertNotNull(s);
        assertTrue(s, s.contains("released"));
        assertReleased(d, "dict", PyObject::len, "len");
        assertReleased(d, "dict", p -> p.getAttr("keys"), "getAttr");
        assertReleased(d, "dict", p -> p.getAttr("keys", Object.class), "getAttr(Class)");
        assertReleased(d, "dict", p -> p.setAttr("x", 1), "setAttr");
        assertReleased(d, "dict", p -> p.hasAttr("keys"), "hasAttr");
        assertReleased(d, "dict", p -> p.call(), "call");
        assertReleased(d, "dict", p -> p.callKw(Collections.singletonMap("a", 1)), "callKw");
        assertReleased(d, "dict", p -> p.callAs(Long.class), "callAs");
        assertReleased(d, "dict", p -> p.callAttr("keys"), "callAttr");
        assertReleased(d, "dict", p -> p.callAttrAs(Long.class, "keys"), "callAttrAs");
        assertReleased(d, "dict", p -> p.getItem("a"), "getItem");
        assertReleased(d, "dict", p -> p.getItem("a", Long.class), "getItem(Class)");
        assertReleased(d, "dict", p -> p.setItem("a", 2), "setItem");
        assertReleased(d, "dict", p -> p.delItem("a"), "delItem");
        assertReleased(d, "dict", p -> p.contains("a"), "contains");
        assertReleased(d, "dict", PyObject::toJava, "toJava");
        assertReleased(d, "dict", p -> p.toJava(Map.class), "toJava(Class)");
        assertReleased(d, "dict", PyObject::typeName, "typeName");
        assertReleased(d, "dict", PyObject::repr, "repr");
        assertReleased(d, "dict", PyObject::iterator, "iterator");
        assertReleased(d, "dict", p -> p.isSame(Python.eval("1")), "isSame");
        assertReleased(d, "dict", p -> Python.eval("1").isSame(p), "isSame(other)");
        assertReleased(d, "dict", Python::toPython, "toPython");
        assertReleased(d, "dict", p -> Python.toPython(Arrays.asList(1, p)), "toPython(list)");
        assertReleased(d, "dict", p -> Python.eval("len").call(p), "as an argument");
        assertReleased(d, "dict", p -> Python.eval("[]").callAttr("append", p), "as a method argument");
        assertReleased(d, "dict", Python::toJava, "Python.toJava");
        // Still released, still describable.
        assertTrue(d.isReleased());
        assertNotNull(d.toString());
    }

    @Test
    public void releasedExceptionNamesQualifiedType() {
        PyObject od = Python.eval("__import__('collections').OrderedDict(a=1)");
        od.close();
        assertReleased(od, "collections.OrderedDict", PyObject::len, "len");
        PyObject t = main().callAttr("_ApiThing", 1);
        t.close();
        assertReleased(t, "__main__._ApiThing", p -> p.getAttr("n"), "getAttr");
        PyObject i = Python.eval("12345");
        i.close();
        assertReleased(i, "int", PyObject::toJava, "toJava");
    }

    @Test
    public void closingOneHandleLeavesOthersToTheSameObject() {
        try (PyObject a = Python.eval("[1, 2]")) {
            PyObject b = Python.toPython(a);
            assertTrue(b.isSame(a));
            b.close();
            assertTrue(b.isReleased());
            assertFalse(a.isReleased());
            assertEquals(2, a.len());
            assertEquals(Arrays.asList(1L, 2L), a.toJava());
        }
    }

    @Test
    public void releasedOperationsChangeNothing() {
        try (PyObject d = Python.eval("{'k': 1}")) {
            PyObject gone = Python.eval("'value'");
            gone.close();
            try {
                d.setItem("x", gone);
                fail("expected PyObjectReleasedException");
            } catch (PyObjectReleasedException e) {
                assertEquals("str", e.pythonType());
            }
            assertEquals(Collections.singletonMap("k", 1L), d.toJava());
        }
    }
}

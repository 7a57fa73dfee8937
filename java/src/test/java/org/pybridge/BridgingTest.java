package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.math.BigInteger;
import java.time.LocalDate;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * What generic bridges (the Clojure layer) are built on: result conversions,
 * PyBacked pass-through, registered converters, PyCallback, kinds,
 * ValueFactory, unscoped, nested buffers.
 */
public class BridgingTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
    }

    @Test
    public void shallowConvertsScalarsOnly() {
        try (ResourceScope s = Python.openScope()) {
            PyObject d = Python.eval("{'n': 1, 'f': 1.5, 's': 'x', 'none': None, 'b': True, 'l': [1], 'd': {}}");
            assertEquals(1L, d.getItem("n", Conversion.SHALLOW));
            assertEquals(1.5, d.getItem("f", Conversion.SHALLOW));
            assertEquals("x", d.getItem("s", Conversion.SHALLOW));
            assertNull(d.getItem("none", Conversion.SHALLOW));
            assertEquals(Boolean.TRUE, d.getItem("b", Conversion.SHALLOW));
            Object l = d.getItem("l", Conversion.SHALLOW);
            assertTrue(l instanceof PyObject);
            assertEquals("list", ((PyObject) l).typeName());
            ((PyObject) l).callAttr("append", 2);
            assertEquals("[1, 2]", d.getItem("l").repr()); // a handle to the same list, not a copy
            assertTrue(d.getItem("d", Conversion.SHALLOW) instanceof PyObject);
            assertEquals(
                    new BigInteger("1267650600228229401496703205376"),
                    Python.eval("2**100").toJava(Conversion.SHALLOW));
        }
    }

    @Test
    public void shallowConvertsNumpyScalars() {
        try (ResourceScope s = Python.openScope()) {
            PyObject a = Python.importModule("numpy").callAttr("arange", 3);
            assertEquals(2L, a.getItem(2L, Conversion.SHALLOW));
            assertEquals(PyKind.SCALAR, a.getItem(0L).kind());
            assertEquals(PyKind.SEQUENCE, a.kind());
        }
    }

    @Test
    public void elementsGivesOneLevelInOneCall() {
        try (ResourceScope s = Python.openScope()) {
            PyObject l = Python.eval("[1, 'a', [2], {'k': 3}, None]");
            long before = Python.stats().created();
            List<?> items = (List<?>) l.toJava(Conversion.ELEMENTS);
            assertEquals(5, items.size());
            assertEquals(1L, items.get(0));
            assertEquals("a", items.get(1));
            assertTrue(items.get(2) instanceof PyObject);
            assertTrue(items.get(3) instanceof PyObject);
            assertNull(items.get(4));
            assertEquals(2, Python.stats().created() - before); // handles only for the two containers
            assertEquals(Arrays.asList(1L, 2L), Python.eval("(1, 2)").toJava(Conversion.ELEMENTS));
            PyObject obj = Python.eval("object()");
            assertSame(obj, obj.toJava(Conversion.ELEMENTS));
            assertSame(obj, obj.toJava(Conversion.SHALLOW));
            assertSame(obj, obj.toJava(Conversion.HANDLE));
            assertEquals(
                    Arrays.asList(1L, Arrays.asList(2L)),
                    Python.eval("[1, [2]]").toJava(Conversion.DEEP));
        }
    }

    @Test
    public void callsAndIterationTakeAConversion() {
        try (ResourceScope s = Python.openScope()) {
            PyObject b = Python.builtins();
            Map<String, Object> kw = new LinkedHashMap<>();
            kw.put("reverse", true);
            Object r = b.callAttrWith(Conversion.SHALLOW, "sorted", kw, Arrays.asList(1, 3, 2));
            assertTrue(r instanceof PyObject);
            assertEquals("[3, 2, 1]", ((PyObject) r).repr());
            assertEquals(
                    Arrays.asList(3L, 2L, 1L), b.callAttrWith(Conversion.DEEP, "sorted", kw, Arrays.asList(1, 3, 2)));
            assertEquals(3L, b.getAttr("len").callWith(Conversion.SHALLOW, null, Arrays.asList(1, 2, 3)));
            assertEquals("builtins", b.getAttr("__name__", Conversion.SHALLOW));
            List<Object> seen = new ArrayList<>();
            Iterator<Object> it = Python.eval("iter([1, None, [2]])").iterator(Conversion.SHALLOW);
            while (it.hasNext()) {
                seen.add(it.next());
            }
            assertEquals(3, seen.size());
            assertEquals(1L, seen.get(0));
            assertNull(seen.get(1)); // None is an item, not the end
            assertTrue(seen.get(2) instanceof PyObject);
        }
    }

    @Test
    public void viewsPassToPythonAsTheObjectItself() {
        try (ResourceScope s = Python.openScope()) {
            PyObject l = Python.eval("[1, 2]");
            List<Object> view = l.asList();
            assertTrue(view instanceof PyBacked);
            PyObject same = Python.toPython(view);
            assertTrue(same.isSame(l));
            Map<Object, Object> m = Python.eval("{'a': 1}").asMap(Conversion.SHALLOW);
            assertTrue(Python.toPython(m).isSame(((PyBacked) m).pyObject()));
        }
    }

    @Test
    public void shallowViewsKeepNestedContainersLive() {
        try (ResourceScope s = Python.openScope()) {
            PyObject d = Python.eval("{'inner': {'x': 1}, 'n': 2}");
            Map<Object, Object> m = d.asMap(Conversion.SHALLOW);
            assertEquals(2L, m.get("n"));
            PyObject inner = (PyObject) m.get("inner");
            inner.setItem("x", 10);
            assertEquals("{'inner': {'x': 10}, 'n': 2}", d.repr());
            int entries = 0;
            for (Map.Entry<Object, Object> e : m.entrySet()) {
                entries++;
                if ("n".equals(e.getKey())) {
                    assertEquals(2L, e.getValue());
                } else {
                    assertTrue(e.getValue() instanceof PyObject);
                }
            }
            assertEquals(2, entries);
            List<Object> l = Python.eval("[[1], 2]").asList(Conversion.SHALLOW);
            assertTrue(l.get(0) instanceof PyObject);
            assertEquals(2L, l.get(1));
        }
    }

    @Test
    public void registeredConvertersApplyToUnknownClassesOnly() {
        Python.registerConverter(LocalDate.class, LocalDate::toString);
        Python.registerConverter(CharSequence.class, cs -> "never used: strings convert built-in");
        try (ResourceScope s = Python.openScope()) {
            assertEquals(
                    "2026-11-22", Python.toPython(LocalDate.of(2026, 11, 22)).toJava());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("when", LocalDate.of(2020, 1, 2));
            assertEquals("{'when': '2020-01-02'}", Python.toPython(m).repr());
            assertEquals("abc", Python.toPython(new StringBuilder("abc")).toJava());
        }
        try {
            Python.registerConverter(null, x -> x);
            fail("null class accepted");
        } catch (IllegalArgumentException expected) {
            // a clear error
        }
    }

    /** An interface registered for conversion: implementations use it, the most specific wins. */
    interface Shape {
        String label();
    }

    static final class Square implements Shape {
        @Override
        public String label() {
            return "square";
        }
    }

    @Test
    public void convertersFollowInterfaces() {
        Python.registerConverter(Shape.class, Shape::label);
        try (ResourceScope s = Python.openScope()) {
            assertEquals(
                    "['square']", Python.toPython(Arrays.asList(new Square())).repr());
        }
    }

    @Test
    public void pyCallbackReceivesKeywordArguments() {
        try (ResourceScope s = Python.openScope()) {
            PyCallback f = (args, kwargs) -> Arrays.asList(args.length, new LinkedHashMap<>(kwargs));
            PyObject fn = Python.toPython(f);
            assertEquals(
                    "[2, {'scale': 10}]", fn.callKw(Map.of("scale", 10), 1, "x").repr());
            assertEquals("[0, {}]", fn.call().repr());
            Function<Object, Object> plain = x -> x;
            try {
                Python.toPython(plain).callKw(Map.of("k", 1), 1);
                fail("keyword arguments accepted by a Function");
            } catch (PythonException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("PyCallback"));
            }
        }
    }

    @Test
    public void callbackRepliesLargerThanTheCallBufferArriveWhole() {
        try (ResourceScope s = Python.openScope()) {
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 50_000; i++) {
                big.append((char) ('a' + i % 26));
            }
            String text = big.toString();
            Supplier<Object> f = () -> text;
            Function<Object, Object> echo = x -> x;
            PyObject len = Python.eval("lambda f: len(f())");
            for (int round = 0; round < 3; round++) {
                assertEquals(Long.valueOf(50_000), len.callAs(Long.class, f));
            }
            List<Long> many = new ArrayList<>();
            for (long i = 0; i < 20_000; i++) {
                many.add(i);
            }
            assertEquals(many, Python.eval("lambda f, xs: f(xs)").callAs(List.class, echo, many));
            // and small ones again, after the buffer grew
            assertEquals(Long.valueOf(3), Python.eval("lambda f: f(3)").callAs(Long.class, echo));
        }
    }

    @Test
    public void theTypedFastPathKeepsCallAsSemantics() {
        Python.exec(String.join(
                "\n",
                "def _fp(x):",
                "    if x == 1: return 2**70",
                "    if x == 2: return None",
                "    if x == 3: return 'three'",
                "    if x == 4: raise ValueError('four')",
                "    if x == 5: return True",
                "    if x == 6: return object()",
                "    if x == 7: return 1.5",
                "    return x * 10"));
        try (ResourceScope s = Python.openScope()) {
            PyObject f = Python.eval("_fp");
            assertEquals(100L, f.callLong(10));
            assertEquals(-90L, f.callLong(-9));
            assertEquals(Long.MIN_VALUE / 10 * 10, f.callLong(Long.MIN_VALUE / 10));
            assertEquals(Long.valueOf(80), f.callAs(Long.class, 8));
            assertEquals(Long.valueOf(80), f.callAs(Long.class, 8L));
            assertEquals(80L, f.callAs(Object.class, 8));
            try {
                f.callLong(1);
                fail("2**70 fit in a long");
            } catch (ArithmeticException expected) {
                // as callAs(long.class)
            }
            try {
                f.callAs(Long.class, 1);
                fail("2**70 fit in a Long");
            } catch (ArithmeticException expected) {
                // as before the fast path
            }
            assertEquals(new BigInteger("1180591620717411303424"), f.callAs(Object.class, 1));
            assertNull(f.callAs(Long.class, 2));
            try {
                f.callLong(2);
                fail("None as a long");
            } catch (ClassCastException expected) {
                // a primitive cannot be None
            }
            try {
                f.callLong(3);
                fail("a str as a long");
            } catch (ClassCastException expected) {
                // clear error
            }
            try {
                f.callLong(4);
                fail("no exception");
            } catch (PythonException e) {
                assertEquals("ValueError", e.pythonType());
            }
            try {
                f.callAs(Long.class, 5);
                fail("True as a Long");
            } catch (ClassCastException expected) {
                // a bool is not an int for Java
            }
            assertTrue(f.callAs(Object.class, 6) instanceof PyObject);
            assertEquals(1.5, f.callAs(Object.class, 7));
            assertEquals(1.5, f.callAs(Number.class, 7));
            f.close();
            try {
                f.callLong(10);
                fail("released handle called");
            } catch (PyObjectReleasedException expected) {
                // clear error, no crash
            }
        }
    }

    /**
     * callLong's fast path takes the GIL itself, outside pyo3's bookkeeping
     * (thread_state::with_gil_raw), where a dropped pyo3 reference would be parked
     * for later instead of freed. Exceptions and non-int results must still
     * be freed at once: `deleted` is read back through the same fast path,
     * which would not free parked references first.
     */
    @Test
    public void callLongFreesErrorsAndResultsAtOnceWithAndWithoutALease() {
        Python.exec(String.join(
                "\n",
                "_cl_deleted = 0",
                "class _ClBoom(Exception):",
                "    def __del__(self):",
                "        global _cl_deleted",
                "        _cl_deleted += 1",
                "class _ClObj:",
                "    def __del__(self):",
                "        global _cl_deleted",
                "        _cl_deleted += 1",
                "def _cl_raise(x):",
                "    raise _ClBoom(x)",
                "def _cl_obj(x):",
                "    return _ClObj()",
                "def _cl_count(x):",
                "    return _cl_deleted"));
        try (ResourceScope s = Python.openScope()) {
            PyObject raiser = Python.eval("_cl_raise");
            PyObject obj = Python.eval("_cl_obj");
            PyObject count = Python.eval("_cl_count");
            for (int lease = 0; lease < 2; lease++) {
                Gil g = lease == 1 ? Python.acquireGil() : null;
                try {
                    long before = count.callLong(0);
                    for (int i = 0; i < 100; i++) {
                        try {
                            raiser.callLong(i);
                            fail("no exception");
                        } catch (PythonException e) {
                            assertTrue(e.pythonType(), e.pythonType().endsWith("_ClBoom"));
                        }
                        assertEquals(
                                "exception freed at once (lease=" + lease + ")",
                                before + 2L * i + 1,
                                count.callLong(0));
                        try {
                            obj.callLong(i);
                            fail("an object as a long");
                        } catch (ClassCastException expected) {
                            // the result was converted, then freed
                        }
                        assertEquals(
                                "result freed at once (lease=" + lease + ")", before + 2L * i + 2, count.callLong(0));
                    }
                } finally {
                    if (g != null) {
                        g.close();
                    }
                }
            }
        }
    }

    @Test
    public void namesAndKeysResolveRightThroughTheNameCache() {
        // rust/src/values/names.rs keeps 256 interned names, direct-mapped: 2,000
        // distinct names collide and replace each other many times over.
        Python.exec("import types\n_nc = types.SimpleNamespace()\n_nd = {}\n"
                + "for _i in range(2000):\n"
                + "    setattr(_nc, 'attr_%d' % _i, _i)\n"
                + "    _nd['key_%d' % _i] = -_i\n");
        try (PyObject ns = Python.eval("_nc");
                PyObject d = Python.eval("_nd")) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 2000; i += round + 1) {
                    assertEquals(Long.valueOf(i), ns.getAttr("attr_" + i, Long.class));
                    assertEquals(Long.valueOf(-i), d.getItem("key_" + i, Long.class));
                    assertTrue(d.contains("key_" + i));
                }
            }
            assertFalse(d.contains("key_2000"));
            assertFalse(ns.hasAttr("attr_2000"));
            // Latin-1 beyond ASCII, UTF-16, empty, and longer than the cache keeps.
            String[] names = {
                "caf\u00e9", "\u00e9t\u00e9", "\u4e2d\u6587", "", "x", repeatX(48), repeatX(49), repeatX(300)
            };
            for (int i = 0; i < names.length; i++) {
                ns.setAttr(names[i], i);
                d.setItem(names[i], -i);
            }
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < names.length; i++) {
                    assertEquals(names[i], Long.valueOf(i), ns.getAttr(names[i], Long.class));
                    assertEquals(names[i], Long.valueOf(-i), d.getItem(names[i], Long.class));
                    assertEquals(Long.valueOf(i), Python.eval("getattr(_nc, " + pyRepr(names[i]) + ")", Long.class));
                }
            }
            // A cached key str is a plain, equal str: usable as a new key, and deletable.
            d.setItem("fresh", 1);
            assertEquals(Boolean.TRUE, Python.eval("'fresh' in _nd and type(list(_nd)[-1]) is str", Boolean.class));
            d.delItem("fresh");
            assertFalse(d.contains("fresh"));
            // Non-string keys take the ordinary path.
            d.setItem(7L, "seven");
            assertEquals("seven", d.getItem(7L, String.class));
        }
    }

    private static String repeatX(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + i % 26));
        }
        return b.toString();
    }

    private static String pyRepr(String s) {
        StringBuilder b = new StringBuilder("'");
        for (char c : s.toCharArray()) {
            b.append(String.format("\\u%04x", (int) c));
        }
        return b.append('\'').toString();
    }

    @Test
    public void kindsFollowPythonProtocols() {
        try (ResourceScope s = Python.openScope()) {
            assertEquals(PyKind.MAPPING, Python.eval("{}").kind());
            assertEquals(
                    PyKind.MAPPING,
                    Python.eval("__import__('collections').OrderedDict()").kind());
            assertEquals(PyKind.SEQUENCE, Python.eval("[]").kind());
            assertEquals(PyKind.SEQUENCE, Python.eval("()").kind());
            assertEquals(PyKind.SEQUENCE, Python.eval("range(3)").kind());
            assertEquals(PyKind.CALLABLE, Python.eval("len").kind());
            assertEquals(PyKind.CALLABLE, Python.eval("lambda: 1").kind());
            assertEquals(PyKind.CALLABLE, Python.eval("int").kind());
            assertEquals(PyKind.ITERABLE, Python.eval("(x for x in [])").kind());
            assertEquals(PyKind.ITERABLE, Python.eval("{1}").kind());
            assertEquals(PyKind.SCALAR, Python.eval("1").kind());
            assertEquals(PyKind.SCALAR, Python.eval("'s'").kind());
            assertEquals(PyKind.SCALAR, Python.eval("b'x'").kind());
            assertEquals(PyKind.OTHER, Python.importModule("math").kind());
            assertEquals(PyKind.OTHER, Python.eval("object()").kind());
            // cached per type: a second object of a type gets the same answer
            assertEquals(PyKind.MAPPING, Python.eval("{'a': 1}").kind());
        }
    }

    @Test
    public void valueFactoryBuildsContainersInOnePass() {
        ValueFactory tagged = new ValueFactory() {
            @Override
            public Object list(Object[] items, boolean tuple) {
                return (tuple ? "tuple" : "list") + Arrays.toString(items);
            }

            @Override
            public Object map(Object[] kv) {
                return "map" + Arrays.toString(kv);
            }

            @Override
            public Object set(Object[] items, boolean frozen) {
                return (frozen ? "frozenset" : "set") + Arrays.toString(items);
            }

            @Override
            public Object bigInteger(BigInteger v) {
                return "big" + v;
            }

            @Override
            public Object object(PyObject o) {
                return "obj:" + o.typeName();
            }
        };
        try (ResourceScope s = Python.openScope()) {
            assertEquals(
                    "map[a, list[1, tuple[2, 3]], b, set[x], c, big18446744073709551616, d, obj:object]",
                    Python.eval("{'a': [1, (2, 3)], 'b': {'x'}, 'c': 2**64, 'd': object()}")
                            .toJava(tagged));
            assertEquals(7L, Python.eval("7").toJava(tagged));
            PyObject obj = Python.eval("object()");
            assertSame(obj, obj.toJava(tagged));
        }
    }

    @Test
    public void unscopedHandlesOutliveTheScope() {
        PyObject kept;
        try (ResourceScope s = Python.openScope()) {
            kept = Python.unscoped(() -> Python.eval("[1, 2, 3]"));
            PyObject scoped = Python.eval("[4]");
            assertFalse(scoped.isReleased());
        }
        assertFalse(kept.isReleased());
        assertEquals(3L, kept.len());
        kept.close();
    }

    @Test
    public void nestedEncodingReusesBuffers() {
        // A value whose encoding calls Python (a lazily built list): each
        // nested request takes the next buffer of the thread's chain.
        try (ResourceScope s = Python.openScope()) {
            List<Object> lazy = new AbstractList<Object>() {
                @Override
                public Object get(int i) {
                    return Python.toPython(Arrays.asList(i, Python.toPython(i * 10)));
                }

                @Override
                public int size() {
                    return 20;
                }
            };
            for (int round = 0; round < 3; round++) {
                PyObject l = Python.toPython(lazy);
                assertEquals(20L, l.len());
                assertEquals("[19, 190]", l.getItem(19L).repr());
            }
        }
    }
}

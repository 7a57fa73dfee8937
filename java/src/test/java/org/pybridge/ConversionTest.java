package org.pybridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Java <-> Python value conversion (Python.toPython, PyObject.toJava,
 * Python.eval(expr, Class)) and round trips.
 *
 * <p>Non-ASCII characters are written as Java escapes and Python chr() calls
 * so that the test does not depend on the source encoding.
 */
public class ConversionTest {
    /** Same type and same repr: strict enough to tell 1 / 1.0 / True and -0.0 / 0.0 apart, and dict order. */
    private static PyObject same;
    /** Same type and ==, for sets (repr order of a set is not a contract). */
    private static PyObject sameEq;
    /** The code points of a str, as a list of ints. */
    private static PyObject codePoints;

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "import math, struct",
                "def _cv_same(a, e):",
                "    return type(a) is type(e) and repr(a) == repr(e)",
                "def _cv_same_eq(a, e):",
                "    return type(a) is type(e) and a == e",
                "def _cv_code_points(s):",
                "    assert type(s) is str, type(s)",
                "    return [ord(c) for c in s]",
                "def _cv_deep_same(a, b):",
                "    if type(a) is not type(b):",
                "        return False",
                "    if type(a) is dict:",
                "        return list(a) == list(b) and all(_cv_deep_same(a[k], b[k]) for k in a)",
                "    if type(a) in (list, tuple):",
                "        return len(a) == len(b) and all(_cv_deep_same(x, y) for x, y in zip(a, b))",
                "    if type(a) is float:",
                "        return repr(a) == repr(b)",
                "    return a == b",
                "def _cv_f32(x):",
                "    return struct.unpack('f', struct.pack('f', x))[0]",
                ""));
        PyObject main = Python.mainModule();
        same = main.getAttr("_cv_same");
        sameEq = main.getAttr("_cv_same_eq");
        codePoints = main.getAttr("_cv_code_points");
    }

    // ---- helpers -------------------------------------------------------------

    private static void assertToPython(String expectedPyExpr, Object javaValue) {
        try (PyObject p = Python.toPython(javaValue);
                PyObject e = Python.eval(expectedPyExpr)) {
            boolean ok = same.callAs(Boolean.class, p, e);
            assertTrue(
                    "Java " + javaValue + " became Python " + p.typeName() + " " + p.repr() + ", expected "
                            + e.typeName() + " " + e.repr(),
                    ok);
        }
    }

    private static void assertToPythonEq(String expectedPyExpr, Object javaValue) {
        try (PyObject p = Python.toPython(javaValue);
                PyObject e = Python.eval(expectedPyExpr)) {
            boolean ok = sameEq.callAs(Boolean.class, p, e);
            assertTrue(
                    "Java " + javaValue + " became Python " + p.typeName() + " " + p.repr() + ", expected "
                            + e.typeName() + " " + e.repr(),
                    ok);
        }
    }

    private static List<Long> javaCodePoints(String s) {
        List<Long> out = new ArrayList<>();
        s.codePoints().forEach(c -> out.add((long) c));
        return out;
    }

    /** A Java string must reach Python as exactly its code points (lone surrogates kept). */
    private static void assertStringToPython(String s) {
        try (PyObject p = Python.toPython(s)) {
            assertEquals("str", p.typeName());
            @SuppressWarnings("unchecked")
            List<Object> cps = codePoints.callAs(List.class, p);
            assertEquals("code points of " + escape(s), javaCodePoints(s), cps);
            assertEquals(s.codePointCount(0, s.length()), p.len());
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04X", (int) c));
            }
        }
        return b.append('"').toString();
    }

    private static String repeat(String s, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(s);
        }
        return b.toString();
    }

    private static void assertIllegalArgument(Object value, String mustMention) {
        try {
            PyObject p = Python.toPython(value);
            fail("expected IllegalArgumentException, got a Python " + p.typeName());
        } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
            if (mustMention != null) {
                assertTrue(
                        "message should name " + mustMention + ": " + e.getMessage(),
                        e.getMessage().contains(mustMention));
            }
        } catch (StackOverflowError e) {
            fail("StackOverflowError instead of IllegalArgumentException");
        }
    }

    // ---- Java -> Python: scalars -----------------------------------------------

    @Test
    public void nullBecomesNone() {
        assertToPython("None", null);
        try (PyObject p = Python.toPython(null)) {
            assertTrue(p.isSame(Python.eval("None")));
        }
    }

    @Test
    public void booleansBecomeBool() {
        assertToPython("True", Boolean.TRUE);
        assertToPython("False", Boolean.FALSE);
        try (PyObject p = Python.toPython(true)) {
            assertEquals("bool", p.typeName());
        }
    }

    @Test
    public void integralBoxesBecomeInt() {
        assertToPython("0", 0);
        assertToPython("-7", (byte) -7);
        assertToPython("-128", Byte.MIN_VALUE);
        assertToPython("127", Byte.MAX_VALUE);
        assertToPython("-32768", Short.MIN_VALUE);
        assertToPython("32767", Short.MAX_VALUE);
        assertToPython("-2147483648", Integer.MIN_VALUE);
        assertToPython("2147483647", Integer.MAX_VALUE);
        assertToPython("-2**63", Long.MIN_VALUE);
        assertToPython("2**63 - 1", Long.MAX_VALUE);
        assertToPython("123456789012345", 123456789012345L);
    }

    @Test
    public void bigIntegersBecomeIntOfAnySize() {
        BigInteger two = BigInteger.valueOf(2);
        assertToPython("2**100", two.pow(100));
        assertToPython("-2**100", two.pow(100).negate());
        assertToPython("2**1000 + 12345", two.pow(1000).add(BigInteger.valueOf(12345)));
        assertToPython("-(3**500)", BigInteger.valueOf(3).pow(500).negate());
        assertToPython("0", BigInteger.ZERO);
        assertToPython("-1", BigInteger.ONE.negate());
        // Around the 64-bit edge.
        BigInteger max = BigInteger.valueOf(Long.MAX_VALUE);
        BigInteger min = BigInteger.valueOf(Long.MIN_VALUE);
        assertToPython("2**63 - 1", max);
        assertToPython("2**63", max.add(BigInteger.ONE));
        assertToPython("2**63 + 1", max.add(BigInteger.valueOf(2)));
        assertToPython("-2**63", min);
        assertToPython("-2**63 - 1", min.subtract(BigInteger.ONE));
        assertToPython("2**64 - 1", two.pow(64).subtract(BigInteger.ONE));
        assertToPython("2**64", two.pow(64));
        assertToPython("-2**64", two.pow(64).negate());
        assertToPython("-2**64 + 1", two.pow(64).negate().add(BigInteger.ONE));
        assertToPython("-2**71", two.pow(71).negate());
        assertToPython("2**71", two.pow(71));
        assertToPython("255", BigInteger.valueOf(255));
    }

    @Test
    public void floatingPointBecomesFloat() {
        assertToPython("1.5", 1.5);
        assertToPython("1.5", 1.5f);
        assertToPython("-0.0", -0.0);
        assertToPython("-0.0", -0.0f);
        assertToPython("0.0", 0.0);
        assertToPython("float('inf')", Double.POSITIVE_INFINITY);
        assertToPython("float('-inf')", Double.NEGATIVE_INFINITY);
        assertToPython("float('inf')", Float.POSITIVE_INFINITY);
        assertToPython("float('nan')", Double.NaN);
        assertToPython("float('nan')", Float.NaN);
        assertToPython("5e-324", Double.MIN_VALUE);
        assertToPython("1.7976931348623157e308", Double.MAX_VALUE);
        assertToPython("0.1", 0.1);
        // A Java float is widened exactly, not re-rounded through its decimal form.
        assertToPython("_cv_f32(0.1)", 0.1f);
        try (PyObject p = Python.toPython(Double.NaN)) {
            assertEquals("float", p.typeName());
            assertTrue(Python.eval("math.isnan").callAs(Boolean.class, p));
        }
    }

    // ---- Java -> Python: strings -----------------------------------------------

    @Test
    public void charactersBecomeOneCharStr() {
        assertToPython("'x'", 'x');
        assertToPython("chr(0xe9)", '\u00e9');
        assertToPython("chr(0x4e2d)", '\u4e2d');
        assertToPython("chr(0)", '\u0000');
        assertToPython("chr(0xffff)", '\uffff');
        try (PyObject p = Python.toPython('\uD800')) {
            assertEquals(1, p.len());
            assertEquals(Long.valueOf(0xD800), Python.eval("ord").callAs(Long.class, p));
        }
    }

    @Test
    public void shortStringsBecomeStr() {
        assertToPython("''", "");
        assertToPython("'hello'", "hello");
        assertToPython("chr(0x4e2d) + chr(0x56fd)", "\u4e2d\u56fd");
        assertToPython("chr(0x1F600)", "\uD83D\uDE00");
        assertToPython("'caf' + chr(0xe9)", "caf\u00e9");
        assertToPython("'a' + chr(0) + 'b'", "a\u0000b");
        assertStringToPython("");
        assertStringToPython("hello");
        assertStringToPython("caf\u00e9\u00ff\u0080");
        assertStringToPython("\u4e2d\u56fd");
        assertStringToPython("\u0100");
        assertStringToPython("\uffff");
    }

    @Test
    public void supplementaryCharacterIsOnePythonCodePoint() {
        try (PyObject p = Python.toPython("\uD83D\uDE00")) {
            assertEquals(1, p.len());
            assertEquals(Long.valueOf(0x1F600), Python.eval("ord").callAs(Long.class, p));
        }
        assertStringToPython("\uD83D\uDE00");
        assertStringToPython("a\uD83D\uDE00b\uD83D\uDE01");
        assertStringToPython("\uDBFF\uDFFF"); // U+10FFFF
        assertStringToPython("\uD800\uDC00"); // U+10000
    }

    @Test
    public void loneSurrogatesAreCarried() {
        try (PyObject p = Python.toPython("\uD800")) {
            assertEquals(1, p.len());
            assertEquals(Long.valueOf(0xD800), Python.eval("ord").callAs(Long.class, p));
        }
        assertStringToPython("\uD800");
        assertStringToPython("\uDC00");
        assertStringToPython("\uDFFF");
        assertStringToPython("a\uD800b");
        assertStringToPython("\uDE00\uD83D"); // a pair in the wrong order: two lone surrogates
        assertStringToPython("\uD83D\uDE00\uD800"); // supplementary then lone
        assertStringToPython("\uD800\uD83D\uDE00"); // lone then supplementary
    }

    @Test
    public void longStringsBecomeStr() {
        // > 32 chars takes other paths on the Java side.
        assertStringToPython(repeat("abcdefgh", 10));
        assertStringToPython(repeat("caf\u00e9", 20));
        assertStringToPython(repeat("\u4e2d\u56fd", 40));
        assertStringToPython(repeat("\uD83D\uDE00", 40));
        assertStringToPython(repeat("x", 40) + "\u00e9");
        assertStringToPython(repeat("x", 40) + "\u4e2d");
        assertStringToPython(repeat("x", 40) + "\uD83D\uDE00");
        assertToPython("'ab' * 1000", repeat("ab", 1000));
        assertToPython("chr(0x1F600) * 100", repeat("\uD83D\uDE00", 100));
    }

    @Test
    public void longStringsWithLoneSurrogatesAreCarried() {
        assertStringToPython(repeat("\u4e2d", 40) + "\uD800");
        assertStringToPython(repeat("\u00e9", 40) + "\uDC00");
        assertStringToPython(repeat("\uD83D\uDE00", 20) + "\uD800");
        // Otherwise-ASCII text with one lone surrogate: must not become '?'.
        assertStringToPython(repeat("x", 40) + "\uD800");
        assertStringToPython("\uDFFF" + repeat("abc", 20));
    }

    @Test
    public void charSequenceBecomesStr() {
        assertToPython("'built'", new StringBuilder("bu").append("ilt"));
        assertToPython("chr(0x1F600)", new StringBuilder("\uD83D\uDE00"));
    }

    // ---- Java -> Python: arrays and collections ----------------------------------

    @Test
    public void byteArrayBecomesBytes() {
        assertToPython("b''", new byte[0]);
        assertToPython("b'\\x00\\x7f\\x80\\xff'", new byte[] {0, 127, (byte) 0x80, (byte) 0xff});
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        assertToPython("bytes((i * 31) % 256 for i in range(100000))", big);
    }

    @Test
    public void primitiveArraysBecomeLists() {
        assertToPython("[]", new int[0]);
        assertToPython("[1, -2, -2**31, 2**31 - 1]", new int[] {1, -2, Integer.MIN_VALUE, Integer.MAX_VALUE});
        assertToPython("[0, -2**63, 2**63 - 1]", new long[] {0, Long.MIN_VALUE, Long.MAX_VALUE});
        assertToPython("[-32768, 32767, 5]", new short[] {Short.MIN_VALUE, Short.MAX_VALUE, 5});
        assertToPython(
                "[1.5, float('nan'), float('inf'), float('-inf'), -0.0]",
                new double[] {1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0});
        assertToPython("[1.5, _cv_f32(0.1), -0.0, float('nan')]", new float[] {1.5f, 0.1f, -0.0f, Float.NaN});
        assertToPython("[True, False, True]", new boolean[] {true, false, true});
        assertToPython("['a', chr(0x4e2d), chr(0xd83d), chr(0xde00)]", new char[] {'a', '\u4e2d', '\uD83D', '\uDE00'});
        assertToPython("[]", new double[0]);
        assertToPython("[]", new boolean[0]);
        assertToPython("[]", new char[0]);
        long[] many = new long[10_000];
        for (int i = 0; i < many.length; i++) {
            many[i] = (long) i * i - 5000;
        }
        assertToPython("[i * i - 5000 for i in range(10000)]", many);
    }

    @Test
    public void objectArraysAndListsBecomeLists() {
        assertToPython("[1, 'a', None, 2.5, True]", new Object[] {1, "a", null, 2.5, true});
        assertToPython("[1, 'a', None, 2.5, True]", Arrays.asList(1, "a", null, 2.5, true));
        assertToPython("[1, 2, 3]", new ArrayList<>(Arrays.asList(1L, 2L, 3L)));
        assertToPython("[1, 2, 3]", new LinkedList<>(Arrays.asList(1, 2, 3)));
        assertToPython("['x', 'y']", List.of("x", "y"));
        assertToPython("[]", Collections.emptyList());
        assertToPython("[]", new Object[0]);
        assertToPython(
                "[[1, [2, [3]]], [], ['a']]",
                Arrays.asList(Arrays.asList(1, Arrays.asList(2, Arrays.asList(3))), List.of(), new String[] {"a"}));
        // A Collection that is neither List nor Set.
        assertToPython("[3, 1, 2]", new ArrayDeque<>(Arrays.asList(3, 1, 2)));
        try (PyObject p = Python.toPython(new String[] {"a", "b"})) {
            assertEquals("list", p.typeName());
        }
    }

    @Test
    public void mapsBecomeDictsInOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zeta", 1);
        m.put("alpha", 2L);
        m.put("mid", null);
        m.put("list", Arrays.asList(1, 2));
        assertToPython("{'zeta': 1, 'alpha': 2, 'mid': None, 'list': [1, 2]}", m);
        Map<Object, Object> odd = new LinkedHashMap<>();
        odd.put(1, "one");
        odd.put(null, "none");
        odd.put(2.5, true);
        odd.put(BigInteger.valueOf(2).pow(80), "big");
        assertToPython("{1: 'one', None: 'none', 2.5: True, 2**80: 'big'}", odd);
        TreeMap<String, Integer> sorted = new TreeMap<>();
        sorted.put("b", 2);
        sorted.put("a", 1);
        sorted.put("c", 3);
        assertToPython("{'a': 1, 'b': 2, 'c': 3}", sorted);
        assertToPython("{}", new HashMap<>());
        // 1000 keys in a non-sorted insertion order keep that order.
        Map<String, Integer> big = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            big.put("k" + ((i * 7919) % 1000), i);
        }
        assertToPython("{('k%d' % ((i * 7919) % 1000)): i for i in range(1000)}", big);
    }

    @Test
    public void setsBecomeSets() {
        assertToPythonEq("{1, 2, 3}", new HashSet<>(Arrays.asList(1, 2, 3)));
        assertToPythonEq("{'a', None, 2.5}", new LinkedHashSet<>(Arrays.asList("a", null, 2.5)));
        assertToPythonEq("set()", Collections.emptySet());
        assertToPythonEq("set(range(1000))", new HashSet<Object>() {
            private static final long serialVersionUID = 1L;

            {
                for (long i = 0; i < 1000; i++) {
                    add(i);
                }
            }
        });
        try (PyObject p = Python.toPython(Set.of("x"))) {
            assertEquals("set", p.typeName());
        }
    }

    @Test
    public void pyObjectBecomesTheSameObject() {
        try (PyObject o = Python.eval("object()")) {
            try (PyObject p = Python.toPython(o)) {
                assertTrue(p.isSame(o));
                assertTrue(o.isSame(p));
            }
            try (PyObject l = Python.toPython(Arrays.asList(o, o));
                    PyObject check = Python.eval("lambda l, o: l[0] is o and l[1] is o")) {
                assertTrue(check.callAs(Boolean.class, l, o));
            }
            Map<String, Object> m = new HashMap<>();
            m.put("o", o);
            try (PyObject d = Python.toPython(m);
                    PyObject got = d.getItem("o")) {
                assertTrue(got.isSame(o));
            }
            try (PyObject idf = Python.eval("id");
                    PyObject same = Python.toPython(o)) {
                assertEquals(idf.callAs(Long.class, o), idf.callAs(Long.class, same));
            }
        }
        // A mutable object is shared, not copied.
        try (PyObject l = Python.eval("[1]");
                PyObject wrap = Python.toPython(Collections.singletonList(l))) {
            wrap.getItem(0).callAttr("append", 2);
            assertEquals(Arrays.asList(1L, 2L), l.toJava());
        }
    }

    // ---- Java -> Python: errors ----------------------------------------------------

    @Test
    public void longStringsOfEveryKindRoundTrip() {
        StringBuilder ascii = new StringBuilder();
        StringBuilder latin1 = new StringBuilder();
        StringBuilder bmp = new StringBuilder();
        StringBuilder astral = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            ascii.append((char) (32 + i % 95));
            latin1.append((char) (160 + i % 96));
            bmp.append(i % 1000 == 999 ? '\u4e2d' : (char) ('a' + i % 26));
            astral.append(i % 500 == 0 ? "\ud83d\ude00" : "?");
        }
        String loneSurrogate = ascii.toString() + '\ud800' + "??";
        try (PyObject len = Python.eval("len");
                PyObject echo = Python.eval("lambda s: s")) {
            for (String t : new String[] {
                ascii.toString(),
                latin1.toString(),
                bmp.toString(),
                astral.toString(),
                loneSurrogate,
                ascii.toString() + "?"
            }) {
                assertEquals(t, echo.callAs(String.class, t));
                assertEquals((long) t.codePointCount(0, t.length()), (long) len.callAs(Long.class, t));
            }
        }
    }

    @Test
    public void objectsWithNoConversionBecomeLiveProxiesAndComeBackIdentical() {
        Object plain = new Object();
        Thread thread = new Thread(() -> {});
        Date date = new Date();
        Class<?> cls = StringBuilder.class;
        try (ResourceScope s = Python.openScope()) {
            for (Object o : Arrays.asList(plain, thread, date, cls)) {
                PyObject p = Python.toPython(o);
                assertEquals(o.getClass().getName(), p.typeName());
                assertTrue(Python.eval("lambda o: isinstance(o, __import__('pybridge').JavaObject)")
                        .callAs(Boolean.class, p));
                assertEquals(o.getClass().getName(), p.getAttr("java_class", String.class));
                assertEquals(o.toString(), p.toString());
                assertSame(o, p.toJava());
                assertSame(o, p.toJava(Conversion.SHALLOW));
                assertFalse(
                        "not a function object (a Thread, though Runnable, is not one)",
                        Python.eval("callable").callAs(Boolean.class, p));
            }
            // nested, and through Python code
            List<?> back = (List<?>) Python.eval("lambda xs: [xs[1], xs[0]]")
                    .callAs(List.class, Arrays.asList(plain, Collections.singletonMap("d", date)));
            assertEquals(Collections.singletonMap("d", date), back.get(0));
            assertSame(date, ((Map<?, ?>) back.get(0)).get("d"));
            assertSame(plain, back.get(1));
            // stored in Python, read back later
            PyObject box = Python.eval("{}");
            box.setItem("t", thread);
            assertSame(thread, box.getItem("t", Object.class));
            // into a Java callback, as the same object
            Function<Object, Object> same = x -> x == date;
            assertEquals(Boolean.TRUE, Python.eval("lambda f, x: f(x)").callAs(Boolean.class, same, date));
        }
    }

    @Test
    public void opaqueObjectsAreForgottenWhenPythonDropsThem() {
        int before = Python.stats().javaFunctions();
        try (PyObject p = Python.toPython(new Object())) {
            assertEquals(before + 1, Python.stats().javaFunctions());
        }
        assertTrue(LifetimeAwait.until(() -> Python.stats().javaFunctions() <= before, 10_000));
    }

    /** Polling without a dependency on the tests/ helpers. */
    static final class LifetimeAwait {
        static boolean until(BooleanSupplier c, long millis) {
            long end = System.nanoTime() + millis * 1_000_000L;
            while (!c.getAsBoolean()) {
                if (System.nanoTime() > end) {
                    return false;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return false;
                }
            }
            return true;
        }
    }

    @Test
    public void unconvertibleValueChangesNothing() {
        Python.exec("_cv_calls = []\n_cv_d = {'a': 1}\ndef _cv_record(*a):\n    _cv_calls.append(a)\n");
        long before = Python.stats().liveHandles();
        List<Object> selfContaining = new ArrayList<>();
        selfContaining.add(selfContaining);
        Map<Object, Object> unhashableKey = new HashMap<>();
        unhashableKey.put(Arrays.asList(1, 2), "v");
        try (PyObject d = Python.eval("_cv_d");
                PyObject rec = Python.eval("_cv_record")) {
            try {
                d.setItem("b", selfContaining);
                fail("expected IllegalArgumentException");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("deeper"));
            }
            try {
                rec.call(1, Arrays.asList(2, unhashableKey));
                fail("expected IllegalArgumentException");
            } catch (IllegalArgumentException e) {
                assertNotNull(e.getMessage());
            }
            try {
                d.setAttr("x", selfContaining);
                fail("expected IllegalArgumentException");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("deeper"));
            }
            assertEquals(Collections.singletonMap("a", 1L), d.toJava());
            assertEquals(Long.valueOf(0), Python.eval("len(_cv_calls)", Long.class));
        }
        // (Handles of other tests may be released by the GC meanwhile: the count must not grow.)
        long after = Python.stats().liveHandles();
        assertTrue("live handles grew from " + before + " to " + after, after <= before);
    }

    @Test
    public void unhashableJavaKeysAreIllegalArgument() {
        Map<Object, Object> m = new HashMap<>();
        m.put(Arrays.asList(1, 2), "v");
        try {
            Python.toPython(m);
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
        }
        Set<Object> s = new HashSet<>();
        s.add(Collections.singletonMap("a", 1));
        try {
            Python.toPython(s);
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
        }
    }

    @Test
    public void selfContainingJavaContainersAreIllegalArgument() {
        List<Object> list = new ArrayList<>();
        list.add(1);
        list.add(list);
        assertIllegalArgument(list, null);
        Map<String, Object> map = new HashMap<>();
        map.put("me", map);
        assertIllegalArgument(map, null);
        Object[] arr = new Object[1];
        arr[0] = arr;
        assertIllegalArgument(arr, null);
        List<Object> a = new LinkedList<>();
        List<Object> b = new LinkedList<>();
        a.add(b);
        b.add(a);
        assertIllegalArgument(a, null);
        // Also as a call argument.
        try (PyObject len = Python.eval("len")) {
            len.call(list);
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
        } catch (StackOverflowError e) {
            fail("StackOverflowError");
        }
    }

    private static Object nestJava(int levels) {
        Object v = 7L;
        for (int i = 0; i < levels; i++) {
            List<Object> l = new ArrayList<>();
            l.add(v);
            v = l;
        }
        return v;
    }

    @Test
    public void deepJavaNestingIsIllegalArgumentNotStackOverflow() {
        assertIllegalArgument(nestJava(600), "512");
        assertIllegalArgument(nestJava(100_000), null);
        Map<String, Object> m = new HashMap<>();
        Map<String, Object> cur = m;
        for (int i = 0; i < 2000; i++) {
            Map<String, Object> n = new HashMap<>();
            cur.put("k", n);
            cur = n;
        }
        assertIllegalArgument(m, null);
    }

    @Test
    public void nestingWithinTheLimitConverts() {
        try (PyObject p = Python.toPython(nestJava(500));
                PyObject depth = Python.eval("lambda x: (lambda f: f(f, x, 0))("
                        + "lambda f, v, d: f(f, v[0], d + 1) if type(v) is list else (d, v))")) {
            assertEquals(Arrays.asList(500L, 7L), depth.callAs(List.class, p));
        }
        // And it comes back unchanged.
        Object deep = nestJava(500);
        try (PyObject p = Python.toPython(deep)) {
            assertEquals(deep, p.toJava());
        }
    }

    @Test
    public void nestingLimitIsExactly512BothWays() {
        // 512 levels of lists around a scalar: the scalar sits at depth 512, the documented limit.
        Object atLimit = nestJava(512);
        try (PyObject p = Python.toPython(atLimit)) {
            assertEquals(atLimit, p.toJava());
        }
        assertIllegalArgument(nestJava(513), "512");
        Python.exec("_cv_lim = 7\nfor _ in range(512):\n    _cv_lim = [_cv_lim]\n" + "_cv_over = [_cv_lim]\n");
        assertEquals(atLimit, Python.eval("_cv_lim").toJava());
        try {
            Python.eval("_cv_over").toJava();
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("512"));
        }
        Python.exec("del _cv_lim, _cv_over");
    }

    @Test
    public void largeValuesCrossBothWays() {
        String[] units = {"a", "\u00e9", "\u4e2d", "\uD83D\uDE00"};
        String[] py = {"'a'", "chr(0xe9)", "chr(0x4e2d)", "chr(0x1F600)"};
        for (int k = 0; k < units.length; k++) {
            String big = repeat(units[k], 1 << 20);
            try (PyObject p = Python.toPython(big);
                    PyObject eq = Python.eval("lambda s: s == " + py[k] + " * (1 << 20)")) {
                assertEquals(1 << 20, p.len());
                assertTrue("1M x " + py[k], eq.callAs(Boolean.class, p));
                assertEquals(big, p.toJava());
            }
            assertEquals(big, Python.eval(py[k] + " * (1 << 20)", String.class));
        }
        List<?> l = Python.eval("list(range(300000))", List.class);
        assertEquals(300000, l.size());
        assertEquals(299999L, l.get(299999));
        byte[] b = Python.eval("bytes(5 * 1024 * 1024)", byte[].class);
        assertEquals(5 * 1024 * 1024, b.length);
        // And a small call right after a large reply still works (buffer reuse).
        assertEquals(Long.valueOf(3), Python.eval("1 + 2", Long.class));
    }

    // ---- Python -> Java: scalars -----------------------------------------------

    @Test
    public void noneBoolIntFloatToJava() {
        assertNull(Python.eval("None").toJava());
        assertNull(Python.eval("None", Object.class));
        assertEquals(Boolean.TRUE, Python.eval("True").toJava());
        assertEquals(Boolean.FALSE, Python.eval("1 == 2", Object.class));
        assertEquals(Long.valueOf(0), Python.eval("0").toJava());
        assertEquals(Long.valueOf(-5), Python.eval("-5", Object.class));
        assertEquals(Long.valueOf(Long.MAX_VALUE), Python.eval("2**63 - 1").toJava());
        assertEquals(Long.valueOf(Long.MIN_VALUE), Python.eval("-2**63").toJava());
        assertEquals(Double.valueOf(1.25), Python.eval("1.25").toJava());
        assertEquals(Double.valueOf(-0.0), Python.eval("-0.0").toJava()); // Double.equals tells -0.0 from 0.0
        assertEquals(Double.valueOf(Double.NaN), Python.eval("float('nan')").toJava());
        assertEquals(
                Double.valueOf(Double.POSITIVE_INFINITY),
                Python.eval("float('inf')").toJava());
        assertEquals(Double.valueOf(Double.NEGATIVE_INFINITY), Python.eval("-float('inf')", Double.class));
        assertEquals(Double.valueOf(Double.MIN_VALUE), Python.eval("5e-324", Double.class));
        assertTrue(Python.eval("True").toJava() instanceof Boolean);
        assertTrue(Python.eval("7").toJava() instanceof Long);
        assertTrue(Python.eval("7.0").toJava() instanceof Double);
        assertEquals(Long.valueOf(42), Python.toJava(Python.eval("42")));
        assertNull(Python.toJava(null));
    }

    @Test
    public void bigIntsBecomeBigInteger() {
        BigInteger two = BigInteger.valueOf(2);
        assertEquals(two.pow(100), Python.eval("2**100").toJava());
        assertEquals(two.pow(100).negate(), Python.eval("-2**100").toJava());
        assertEquals(two.pow(63), Python.eval("2**63").toJava());
        assertEquals(
                BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE),
                Python.eval("-2**63 - 1").toJava());
        assertEquals(two.pow(64), Python.eval("2**64").toJava());
        assertEquals(
                two.pow(64).subtract(BigInteger.ONE), Python.eval("2**64 - 1").toJava());
        assertEquals(two.pow(64).negate(), Python.eval("-2**64").toJava());
        assertEquals(two.pow(71).negate(), Python.eval("-2**71").toJava());
        assertEquals(two.pow(72).negate(), Python.eval("-2**72").toJava());
        assertEquals(
                BigInteger.TEN.pow(400).add(BigInteger.valueOf(17)),
                Python.eval("10**400 + 17").toJava());
        assertEquals(
                BigInteger.valueOf(3).pow(777).negate(),
                Python.eval("-(3**777)").toJava());
        // Every power of two from 2**60 to 2**130 and its negation, +-1.
        for (int k = 60; k <= 130; k++) {
            for (int d = -1; d <= 1; d++) {
                BigInteger pos = two.pow(k).add(BigInteger.valueOf(d));
                BigInteger neg = pos.negate();
                Object gotPos = Python.eval("2**" + k + " + (" + d + ")").toJava();
                Object gotNeg = Python.eval("-(2**" + k + " + (" + d + "))").toJava();
                assertEquals("2**" + k + "+" + d, pos, asBig(gotPos));
                assertEquals("-(2**" + k + "+" + d + ")", neg, asBig(gotNeg));
                boolean fitsLong = pos.bitLength() < 64;
                assertEquals("type of 2**" + k + "+" + d, fitsLong ? Long.class : BigInteger.class, gotPos.getClass());
                assertEquals(
                        "type of -(2**" + k + "+" + d + ")",
                        neg.bitLength() < 64 ? Long.class : BigInteger.class,
                        gotNeg.getClass());
            }
        }
    }

    private static BigInteger asBig(Object o) {
        return o instanceof Long ? BigInteger.valueOf((Long) o) : (BigInteger) o;
    }

    @Test
    public void intSubclassesConvertLikeInt() {
        Python.exec("import enum\nclass _CvColor(enum.IntEnum):\n    RED = 3\n");
        assertEquals(Long.valueOf(3), Python.eval("_CvColor.RED").toJava());
        assertEquals(
                Double.valueOf(2.0), Python.eval("type('F', (float,), {})(2.0)").toJava());
        assertEquals("sub", Python.eval("type('S', (str,), {})('sub')").toJava());
    }

    // ---- Python -> Java: strings -----------------------------------------------

    private static void assertPyStr(String pyExpr, String expectedJava) {
        Object got = Python.eval(pyExpr).toJava();
        assertEquals(pyExpr, escape(expectedJava), got instanceof String ? escape((String) got) : got);
        assertEquals(pyExpr, expectedJava, Python.eval(pyExpr, String.class));
    }

    @Test
    public void latin1StringsToJava() {
        assertPyStr("''", "");
        assertPyStr("'abc'", "abc");
        assertPyStr("'caf' + chr(0xe9)", "caf\u00e9");
        assertPyStr("chr(0) + chr(0xff) + chr(0x80)", "\u0000\u00ff\u0080");
        assertPyStr("'abcdefgh' * 10", repeat("abcdefgh", 10));
        assertPyStr("('caf' + chr(0xe9)) * 20", repeat("caf\u00e9", 20));
    }

    @Test
    public void bmpStringsToJava() {
        assertPyStr("chr(0x4e2d) + chr(0x56fd)", "\u4e2d\u56fd");
        assertPyStr("chr(0x100)", "\u0100");
        assertPyStr("chr(0xffff)", "\uffff");
        assertPyStr("chr(0xd800)", "\uD800");
        assertPyStr("chr(0xdc00)", "\uDC00");
        assertPyStr("'a' + chr(0xd800) + 'b'", "a\uD800b");
        assertPyStr("(chr(0x4e2d) + chr(0x56fd)) * 40", repeat("\u4e2d\u56fd", 40));
        assertPyStr("'x' * 40 + chr(0xd800)", repeat("x", 40) + "\uD800");
        assertPyStr("chr(0xe9) * 40 + chr(0x4e2d)", repeat("\u00e9", 40) + "\u4e2d");
    }

    @Test
    public void astralStringsToJava() {
        assertPyStr("chr(0x1F600)", "\uD83D\uDE00");
        assertPyStr("chr(0x10000)", "\uD800\uDC00");
        assertPyStr("chr(0x10FFFF)", "\uDBFF\uDFFF");
        assertPyStr("'a' + chr(0x1F600) + chr(0x4e2d) + chr(0xe9)", "a\uD83D\uDE00\u4e2d\u00e9");
        assertPyStr("chr(0x1F600) + chr(0xd800)", "\uD83D\uDE00\uD800");
        assertPyStr("chr(0xdc00) + chr(0x1F600)", "\uDC00\uD83D\uDE00");
        assertPyStr("chr(0x1F600) * 40", repeat("\uD83D\uDE00", 40));
        assertPyStr("'x' * 40 + chr(0x1F600)", repeat("x", 40) + "\uD83D\uDE00");
        assertPyStr(
                "'x' * 40 + chr(0x1F600) + chr(0xd800) + 'y' * 40",
                repeat("x", 40) + "\uD83D\uDE00\uD800" + repeat("y", 40));
        String s = (String) Python.eval("chr(0x1F600)").toJava();
        assertEquals(2, s.length());
        assertEquals(1, s.codePointCount(0, s.length()));
        assertEquals(0x1F600, s.codePointAt(0));
    }

    @Test
    public void stringsRoundTripThroughPython() {
        String[] cases = {
            "",
            "a",
            "caf\u00e9",
            "\u4e2d\u56fd",
            "\uD83D\uDE00",
            "\uD800",
            "\uDC00x",
            "\uDE00\uD83D",
            repeat("x", 40) + "\uD800",
            repeat("\u00e9", 40),
            repeat("\u4e2d", 40) + "\uDFFF",
            repeat("\uD83D\uDE00", 33),
            "a\u0000b",
            repeat("z", 33),
            repeat("z", 32),
            repeat("\u00e9", 32),
            repeat("\u00e9", 33)
        };
        for (String s : cases) {
            try (PyObject p = Python.toPython(s)) {
                assertEquals(escape(s), escape((String) p.toJava()));
                assertEquals(escape(s), escape(p.toString()));
            }
        }
    }

    // ---- Python -> Java: bytes and containers -------------------------------------

    @Test
    public void bytesAndBytearrayToByteArray() {
        assertArrayEquals(new byte[0], (byte[]) Python.eval("b''").toJava());
        assertArrayEquals(new byte[] {0, 127, (byte) 0x80, (byte) 0xff}, (byte[])
                Python.eval("b'\\x00\\x7f\\x80\\xff'").toJava());
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[])
                Python.eval("bytearray([1, 2, 3])").toJava());
        assertArrayEquals(new byte[0], (byte[]) Python.eval("bytearray()").toJava());
        assertArrayEquals(new byte[] {104, 105}, Python.eval("b'hi'", byte[].class));
        byte[] big =
                (byte[]) Python.eval("bytes(i % 256 for i in range(70000))").toJava();
        assertEquals(70000, big.length);
        for (int i = 0; i < big.length; i++) {
            assertEquals((byte) i, big[i]);
        }
    }

    @Test
    public void listBecomesArrayList() {
        Object l = Python.eval("[1, 'a', None, 2.5, True, [2, []]]").toJava();
        assertEquals(ArrayList.class, l.getClass());
        assertEquals(Arrays.asList(1L, "a", null, 2.5, true, Arrays.asList(2L, Collections.emptyList())), l);
        Object empty = Python.eval("[]").toJava();
        assertEquals(ArrayList.class, empty.getClass());
        assertTrue(((List<?>) empty).isEmpty());
        // Mutable.
        @SuppressWarnings("unchecked")
        List<Object> ml = (List<Object>) l;
        ml.add("more");
        assertEquals(7, ml.size());
    }

    @Test
    public void tupleBecomesUnmodifiableList() {
        Object t = Python.eval("(1, None, 'x', (2, 3), [4])").toJava();
        assertTrue(t instanceof List);
        List<?> l = (List<?>) t;
        assertEquals(5, l.size());
        assertEquals(1L, l.get(0));
        assertNull(l.get(1));
        assertEquals("x", l.get(2));
        assertEquals(Arrays.asList(2L, 3L), l.get(3));
        assertEquals(Arrays.asList(4L), l.get(4));
        @SuppressWarnings("unchecked")
        List<Object> lo = (List<Object>) t;
        try {
            lo.set(0, 5L);
            fail("tuple list must be unmodifiable");
        } catch (UnsupportedOperationException expected) {
            // ok
        }
        try {
            lo.add(5L);
            fail("tuple list must be unmodifiable");
        } catch (UnsupportedOperationException expected) {
            // ok
        }
        try {
            lo.remove(0);
            fail("tuple list must be unmodifiable");
        } catch (UnsupportedOperationException expected) {
            // ok
        }
        @SuppressWarnings("unchecked")
        List<Object> inner = (List<Object>) l.get(3);
        try {
            inner.set(0, 9L);
            fail("nested tuple list must be unmodifiable");
        } catch (UnsupportedOperationException expected) {
            // ok
        }
        assertEquals(1L, l.get(0));
        List<?> empty = (List<?>) Python.eval("()").toJava();
        assertTrue(empty.isEmpty());
        List<?> nones = (List<?>) Python.eval("(None, None)").toJava();
        assertEquals(Arrays.asList(null, null), nones);
    }

    @Test
    public void dictBecomesLinkedHashMapInOrder() {
        Object d = Python.eval("{'b': 1, 'a': [1, 2], 3: None, None: 'n', (1, 2): {'in': 1.5}}")
                .toJava();
        assertEquals(LinkedHashMap.class, d.getClass());
        Map<?, ?> m = (Map<?, ?>) d;
        assertEquals(Arrays.asList("b", "a", 3L, null, Arrays.asList(1L, 2L)), new ArrayList<>(m.keySet()));
        assertEquals(1L, m.get("b"));
        assertEquals(Arrays.asList(1L, 2L), m.get("a"));
        assertNull(m.get(3L));
        assertTrue(m.containsKey(3L));
        assertEquals("n", m.get(null));
        assertEquals(Collections.singletonMap("in", 1.5), m.get(Arrays.asList(1L, 2L)));
        assertEquals(LinkedHashMap.class, Python.eval("{}").toJava().getClass());
        assertTrue(((Map<?, ?>) Python.eval("{}").toJava()).isEmpty());
    }

    @Test
    public void dictWithThousandKeysKeepsInsertionOrder() {
        Python.exec("_cv_big = {}\nfor _i in range(1000):\n    _cv_big['k%d' % ((_i * 7919) % 1000)] = _i\n");
        Map<?, ?> m = Python.eval("_cv_big", Map.class);
        assertEquals(1000, m.size());
        List<String> expectedKeys = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            expectedKeys.add("k" + ((i * 7919) % 1000));
        }
        assertEquals(expectedKeys, new ArrayList<>(m.keySet()));
        int i = 0;
        for (Object v : m.values()) {
            assertEquals(Long.valueOf(i++), v);
        }
        // Same via toJava() of a handle.
        try (PyObject h = Python.eval("_cv_big")) {
            assertEquals(expectedKeys, new ArrayList<>(((Map<?, ?>) h.toJava()).keySet()));
        }
    }

    @Test
    public void dictSubclassesConvertToMaps() {
        Object od = Python.eval("__import__('collections').OrderedDict([('z', 1), ('a', 2)])")
                .toJava();
        assertEquals(Arrays.asList("z", "a"), new ArrayList<>(((Map<?, ?>) od).keySet()));
        Object dd = Python.eval("__import__('collections').defaultdict(list, {'k': [1]})")
                .toJava();
        assertEquals(Collections.singletonMap("k", Arrays.asList(1L)), dd);
    }

    @Test
    public void setAndFrozensetToJava() {
        Object s = Python.eval("{1, 2, 'x'}").toJava();
        assertTrue(s instanceof Set);
        assertEquals(new HashSet<>(Arrays.asList(1L, 2L, "x")), s);
        @SuppressWarnings("unchecked")
        Set<Object> ms = (Set<Object>) s;
        ms.add("y"); // a set is mutable
        assertEquals(4, ms.size());
        Object fs = Python.eval("frozenset([3, 4, (5, 6)])").toJava();
        assertTrue(fs instanceof Set);
        assertEquals(new HashSet<>(Arrays.asList(3L, 4L, Arrays.asList(5L, 6L))), fs);
        @SuppressWarnings("unchecked")
        Set<Object> mfs = (Set<Object>) fs;
        try {
            mfs.add(7L);
            fail("frozenset must be unmodifiable");
        } catch (UnsupportedOperationException expected) {
            // ok
        }
        try {
            mfs.remove(3L);
            fail("frozenset must be unmodifiable");
        } catch (UnsupportedOperationException expected) {
            // ok
        }
        assertEquals(3, mfs.size());
        assertTrue(((Set<?>) Python.eval("set()").toJava()).isEmpty());
        assertTrue(((Set<?>) Python.eval("frozenset()").toJava()).isEmpty());
    }

    @Test
    public void emptyAndNestedContainers() {
        Object v = Python.eval("{'l': [[], [[]], ()], 't': ((),), 'd': {'e': {}}, 's': [set(), frozenset()]}")
                .toJava();
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("l", Arrays.asList(List.of(), List.of(List.of()), List.of()));
        expected.put("t", List.of(List.of()));
        expected.put("d", Collections.singletonMap("e", Collections.emptyMap()));
        expected.put("s", Arrays.asList(Collections.emptySet(), Collections.emptySet()));
        assertEquals(expected, v);
    }

    @Test
    public void objectsWithoutCounterpartStayPyObjects() {
        try (PyObject o = Python.eval("object()")) {
            assertSame(o, o.toJava());
            assertSame(o, Python.toJava(o));
        }
        try (PyObject f = Python.eval("lambda: 1")) {
            assertSame(f, f.toJava());
            assertEquals(Long.valueOf(1), f.callAs(Long.class));
        }
        try (PyObject m = Python.importModule("math")) {
            assertSame(m, m.toJava());
        }
        // Nested: the element becomes a (new) handle to the same Python object.
        Python.exec("_cv_obj = object()\n_cv_fn = len\n");
        List<?> l = (List<?>) Python.eval("[1, _cv_obj, {'f': _cv_fn}]").toJava();
        assertEquals(1L, l.get(0));
        assertTrue(l.get(1) instanceof PyObject);
        try (PyObject obj = Python.eval("_cv_obj")) {
            assertTrue(((PyObject) l.get(1)).isSame(obj));
        }
        Object fn = ((Map<?, ?>) l.get(2)).get("f");
        assertTrue(fn instanceof PyObject);
        assertEquals(Long.valueOf(3), ((PyObject) fn).callAs(Long.class, "abc"));
        // eval(expr, Object.class) of such a value: a PyObject too.
        Object viaEval = Python.eval("_cv_obj", Object.class);
        assertTrue(viaEval instanceof PyObject);
        assertEquals("object", ((PyObject) viaEval).typeName());
    }

    @Test
    public void selfContainingPythonContainersAreIllegalArgument() {
        Python.exec("_cv_l = []\n_cv_l.append(_cv_l)\n_cv_d = {}\n_cv_d['me'] = _cv_d\n"
                + "_cv_a = []\n_cv_b = [_cv_a]\n_cv_a.append(_cv_b)\n");
        for (String name : new String[] {"_cv_l", "_cv_d", "_cv_a"}) {
            try (PyObject h = Python.eval(name)) {
                try {
                    h.toJava();
                    fail(name + ": expected IllegalArgumentException");
                } catch (IllegalArgumentException e) {
                    assertNotNull(e.getMessage());
                } catch (StackOverflowError e) {
                    fail(name + ": StackOverflowError");
                }
                try {
                    Python.eval(name, Object.class);
                    fail(name + ": expected IllegalArgumentException");
                } catch (IllegalArgumentException e) {
                    assertNotNull(e.getMessage());
                }
                // The handle and the interpreter are fine afterwards.
                assertEquals(1, h.len());
            }
        }
        assertEquals(Long.valueOf(2), Python.eval("1 + 1", Long.class));
    }

    @Test
    public void deepPythonNestingIsIllegalArgument() {
        Python.exec("_cv_deep = 7\nfor _ in range(20000):\n    _cv_deep = [_cv_deep]\n");
        try (PyObject h = Python.eval("_cv_deep")) {
            h.toJava();
            fail("expected IllegalArgumentException");
        } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
        } catch (StackOverflowError e) {
            fail("StackOverflowError");
        }
        Python.exec("del _cv_deep\n_cv_ok = 7\nfor _ in range(500):\n    _cv_ok = [_cv_ok]\n");
        assertEquals(nestJava(500), Python.eval("_cv_ok").toJava());
    }

    @Test
    public void evalWithTargetClass() {
        assertEquals(Long.valueOf(3), Python.eval("1 + 2", Long.class));
        assertEquals(Integer.valueOf(3), Python.eval("1 + 2", Integer.class));
        assertEquals(Double.valueOf(3.0), Python.eval("1 + 2", Double.class));
        assertEquals("ab", Python.eval("'a' + 'b'", String.class));
        assertEquals(Arrays.asList(1L, 2L), Python.eval("[1, 2]", List.class));
        assertEquals(Collections.singletonMap("a", 1L), Python.eval("{'a': 1}", Map.class));
        assertEquals(BigInteger.valueOf(2).pow(70), Python.eval("2**70", BigInteger.class));
        assertEquals(Boolean.TRUE, Python.eval("1 < 2", Boolean.class));
        try (PyObject p = Python.eval("[1]", PyObject.class)) {
            assertEquals("list", p.typeName());
        }
    }

    // ---- round trips ---------------------------------------------------------------

    @Test
    public void bigNestedStructureRoundTrips() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("zeta", 1L);
        root.put("alpha", Arrays.asList(Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L));
        root.put(
                "doubles",
                Arrays.asList(
                        1.5,
                        -0.0,
                        0.0,
                        Double.NaN,
                        Double.POSITIVE_INFINITY,
                        Double.NEGATIVE_INFINITY,
                        Double.MIN_VALUE,
                        Double.MAX_VALUE));
        root.put(
                "big",
                Arrays.asList(
                        BigInteger.valueOf(2).pow(100),
                        BigInteger.valueOf(2).pow(63),
                        BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE)));
        root.put(
                "strings",
                Arrays.asList(
                        "",
                        "caf\u00e9",
                        "\u4e2d\u56fd",
                        "\uD83D\uDE00",
                        "\uD800",
                        repeat("x", 40) + "\uD83D\uDE00",
                        repeat("\u00e9", 50)));
        root.put("flags", Arrays.asList(true, false, null));
        root.put("set", new LinkedHashSet<>(Arrays.asList(1L, "two", 3.0)));
        Map<Object, Object> inner = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            inner.put(
                    (long) ((i * 37) % 200), Arrays.asList((long) i, "v" + i, Collections.singletonMap("i", (long) i)));
        }
        root.put("inner", inner);
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", (long) i);
            row.put("name", "row" + i);
            row.put("score", i / 7.0);
            row.put("tags", Arrays.asList("t" + (i % 3), "t" + (i % 5)));
            rows.add(row);
        }
        root.put("rows", rows);
        root.put("empty", Arrays.asList(new ArrayList<>(), new LinkedHashMap<>(), new LinkedHashSet<>()));

        try (PyObject p = Python.toPython(root)) {
            assertEquals("dict", p.typeName());
            Object back = p.toJava();
            assertEquals(root, back);
            assertEquals(new ArrayList<>(root.keySet()), new ArrayList<>(((Map<?, ?>) back).keySet()));
            assertEquals(
                    new ArrayList<>(inner.keySet()),
                    new ArrayList<>(((Map<?, ?>) ((Map<?, ?>) back).get("inner")).keySet()));
            // A second trip gives the same Python value (same types, dict order, NaN and -0.0).
            try (PyObject again = Python.toPython(back);
                    PyObject deep = Python.eval("_cv_deep_same")) {
                assertTrue(deep.callAs(Boolean.class, again, p));
            }
        }
    }

    @Test
    public void primitiveArraysAndBytesRoundTrip() {
        try (PyObject p = Python.toPython(new byte[] {1, -1, 0})) {
            assertArrayEquals(new byte[] {1, -1, 0}, (byte[]) p.toJava());
        }
        try (PyObject p = Python.toPython(new double[] {1.0, Double.NaN, -0.0})) {
            assertEquals(Arrays.asList(1.0, Double.NaN, -0.0), p.toJava());
        }
        try (PyObject p = Python.toPython(new int[] {1, -1, Integer.MAX_VALUE})) {
            assertEquals(Arrays.asList(1L, -1L, (long) Integer.MAX_VALUE), p.toJava());
        }
        try (PyObject p = Python.toPython(new boolean[] {true, false})) {
            assertEquals(Arrays.asList(true, false), p.toJava());
        }
        try (PyObject p = Python.toPython(new char[] {'a', '\uD83D', '\uDE00'})) {
            assertEquals(Arrays.asList("a", "\uD83D", "\uDE00"), p.toJava());
        }
    }

    @Test
    public void pythonStructureRoundTripsThroughJava() {
        String expr = "{'a': [1, 2.5, None, True, 'x' * 50, chr(0x1F600), chr(0xd800)], "
                + "'b': {'n': 2**90, 'm': -2**63 - 1, 'k': {1, 2}}, 'c': [[], {}, b'\\x00\\xff'], "
                + "7: float('-inf')}";
        try (PyObject original = Python.eval(expr)) {
            Object j = original.toJava();
            try (PyObject back = Python.toPython(j);
                    PyObject eq = Python.eval("lambda a, b: a == b")) {
                assertTrue(
                        "round trip of " + original.repr() + " gave " + back.repr(),
                        eq.callAs(Boolean.class, original, back));
                assertEquals(original.repr(), back.repr());
            }
        }
    }

    @Test
    public void conversionDoesNotLeakHandles() {
        long before = Python.stats().liveHandles();
        for (int i = 0; i < 50; i++) {
            try (PyObject p = Python.toPython(Arrays.asList(i, "s" + i, Collections.singletonMap("k", i)))) {
                assertFalse(p.isReleased());
                assertEquals(Arrays.asList((long) i, "s" + i, Collections.singletonMap("k", (long) i)), p.toJava());
            }
        }
        long after = Python.stats().liveHandles();
        assertTrue("live handles grew from " + before + " to " + after, after <= before);
    }
}

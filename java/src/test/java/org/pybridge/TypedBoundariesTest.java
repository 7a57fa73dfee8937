package org.pybridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Typed boundaries (issue 16, point 2): Java callbacks receive their declared
 * parameter types, a mismatch is a Python TypeError, and results can be
 * asked for as arrays.
 */
public class TypedBoundariesTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "def call_catching(f, *a):",
                "    try:",
                "        return ('ok', f(*a))",
                "    except TypeError as e:",
                "        return ('TypeError', str(e), type(e).__module__ + '.' + type(e).__name__)",
                ""));
    }

    private static PyObject fn(String name) {
        return Python.mainModule().getAttr(name);
    }

    /** A class (not a lambda) keeps its type arguments: Function<boolean[], Object>. */
    static final class CountTrue implements Function<boolean[], Object> {
        @Override
        public Object apply(boolean[] a) {
            int n = 0;
            for (boolean b : a) {
                n += b ? 1 : 0;
            }
            return n;
        }
    }

    static final class WhatType implements Function<Integer, Object> {
        @Override
        public Object apply(Integer a) {
            return a.getClass().getName();
        }
    }

    /** A functional interface of one's own, with primitive-array and boxed parameter types. */
    @FunctionalInterface
    public interface IntsAndShort {
        String take(int[] xs, Short s);
    }

    @Test
    public void aCallbackClassReceivesItsDeclaredTypes() {
        PyObject call = fn("call_catching");
        assertEquals(List.of("ok", 2L), call.callAs(List.class, new CountTrue(), List.of(true, false, true)));
        assertEquals(List.of("ok", "java.lang.Integer"), call.callAs(List.class, new WhatType(), 5L));
        List<?> r = call.callAs(List.class, new CountTrue(), "not booleans");
        assertEquals("TypeError", r.get(0));
        assertEquals("a plain Python TypeError, not a ClassCastException", "builtins.TypeError", r.get(2));
        assertTrue(r.toString(), ((String) r.get(1)).contains("boolean[]"));
        r = call.callAs(List.class, new WhatType(), 1L << 40);
        assertEquals("an int beyond Integer's range", "TypeError", r.get(0));
    }

    @Test
    public void typedFactoriesGiveLambdasTheirTypes() {
        PyObject call = fn("call_catching");
        Function<int[], Integer> len = Python.function(int[].class, Integer.class, a -> a.length);
        assertEquals(List.of("ok", 3L), call.callAs(List.class, len, List.of(1, 2, 3)));
        List<?> r = call.callAs(List.class, len, List.of("a"));
        assertEquals("TypeError", r.get(0));
        Function<Integer, String> type =
                Python.function(Integer.class, String.class, a -> a.getClass().getName());
        assertEquals(List.of("ok", "java.lang.Integer"), call.callAs(List.class, type, 7L));
        BiFunction<String, double[], String> two =
                Python.function(String.class, double[].class, String.class, (s, d) -> s + d.length);
        assertEquals(List.of("ok", "x2"), call.callAs(List.class, two, "x", List.of(1.0, 2)));
        Function<Object, Long> wrong = Python.function(Object.class, Long.class, a -> (Long) null);
        assertEquals(
                List.of("ok", Collections.singletonList(null)).get(0),
                call.callAs(List.class, wrong, 1L).get(0));
        @SuppressWarnings({"unchecked", "rawtypes"})
        Function<Object, Long> lying = Python.function(Object.class, Long.class, (Function) a -> "a String");
        assertEquals("TypeError", call.callAs(List.class, lying, 1L).get(0));
    }

    @Test
    public void aFunctionalInterfaceOfOnesOwnReceivesItsParameterTypes() {
        AtomicReference<Object[]> got = new AtomicReference<>();
        IntsAndShort f = (xs, s) -> {
            got.set(new Object[] {xs, s});
            return xs.length + ":" + s;
        };
        PyObject call = fn("call_catching");
        assertEquals(List.of("ok", "2:7"), call.callAs(List.class, f, List.of(1, 2), 7L));
        assertTrue(got.get()[0] instanceof int[]);
        assertTrue(got.get()[1] instanceof Short);
        assertEquals("TypeError", call.callAs(List.class, f, "no", 7L).get(0));
    }

    @Test
    public void resultsCanBeAskedForAsArrays() {
        assertArrayEquals(new int[] {1, 2, 3}, Python.eval("[1, 2, 3]", int[].class));
        assertArrayEquals(new long[] {1, 2}, Python.eval("(1, 2)", long[].class));
        assertArrayEquals(new double[] {1.5, 2.0}, Python.eval("[1.5, 2]", double[].class), 0.0);
        assertArrayEquals(new boolean[] {true, false}, Python.eval("[True, False]", boolean[].class));
        assertArrayEquals(new String[] {"a", "b"}, Python.eval("['a', 'b']", String[].class));
        Object[][] grid = Python.eval("[[1, 'x'], [None]]", Object[][].class);
        assertEquals(2, grid.length);
        assertArrayEquals(new Object[] {1L, "x"}, grid[0]);
        assertArrayEquals(new Object[] {null}, grid[1]);
        assertArrayEquals(new int[][] {{1}, {2, 3}}, Python.eval("[[1], [2, 3]]", int[][].class));
        assertArrayEquals(
                new int[] {4, 5}, Python.eval("__import__('numpy').array([4, 5], dtype='int32')", int[].class));
        assertArrayEquals(
                new long[] {4, 5}, Python.eval("__import__('numpy').array([4, 5], dtype='int32')", long[].class));
        Python.exec("def three(): return [3, 2, 1]");
        assertArrayEquals(new int[] {3, 2, 1}, fn("three").callAs(int[].class));
        try {
            Python.eval("[1, 'x']", int[].class);
            fail("a str in an int[]");
        } catch (ClassCastException e) {
            assertTrue(
                    e.getMessage(),
                    e.getMessage().contains("element 1") && e.getMessage().contains("int[]"));
        }
        try {
            Python.eval("[2**40]", int[].class);
            fail("beyond int");
        } catch (ClassCastException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("element 0"));
        }
        try {
            Python.eval("[None]", int[].class);
            fail("None in an int[]");
        } catch (ClassCastException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("None"));
        }
        try {
            Python.eval("5", int[].class);
            fail("an int is no array");
        } catch (ClassCastException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("int[]"));
        }
    }

    /** Interface methods with array return types, on a Python object. */
    public interface Shapes {
        int[] sizes();

        String[] names();

        double[][] grid();
    }

    @Test
    public void proxyMethodsReturnArrays() {
        Python.exec(String.join(
                "\n",
                "class ShapesImpl:",
                "    def sizes(self): return [1, 2]",
                "    def names(self): return ('a', 'b')",
                "    def grid(self): return [[1.0], [2.0, 3]]",
                ""));
        Shapes s = Python.eval("ShapesImpl()").as(Shapes.class);
        assertArrayEquals(new int[] {1, 2}, s.sizes());
        assertArrayEquals(new String[] {"a", "b"}, s.names());
        assertArrayEquals(new double[] {2.0, 3.0}, s.grid()[1], 0.0);
    }

    @Test
    public void aStringResultMustBeAStr() {
        assertEquals("x", Python.eval("'x'", String.class));
        assertNull(Python.eval("None", String.class));
        for (String expr : new String[] {"1", "1.5", "[1]", "b'x'", "True"}) {
            try {
                Python.eval(expr, String.class);
                fail(expr + " as a String");
            } catch (ClassCastException e) {
                assertTrue(
                        e.getMessage(),
                        e.getMessage().contains("not a str") && e.getMessage().contains("str("));
            }
        }
        try {
            Python.eval("object()", String.class);
            fail("an object as a String");
        } catch (ClassCastException | IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("object"));
        }
    }
}

package org.pybridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Java from Python (issue 16, point 1): the {@code java} import hook and live
 * proxies. The behaviours follow the topics of Jep's own suite (imports,
 * overloads, fields, varargs, arrays, collections, object protocol,
 * exceptions), written for pybridge. Python code states its expectations
 * with {@code check(...)}, so a failure names the expression.
 */
public class JavaFromPythonTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "def check(cond, what):",
                "    if not cond:",
                "        raise AssertionError(what)",
                "def raises(exc, f, *a):",
                "    try:",
                "        f(*a)",
                "    except exc as e:",
                "        return e",
                "    raise AssertionError('%r did not raise %s' % (f, exc.__name__))",
                ""));
    }

    private static void py(String... lines) {
        Python.exec(String.join("\n", lines));
    }

    // ---- fixtures: public classes of the application class loader ------------

    /** Overloads, fields, varargs. */
    public static class Overloads {
        public static int sCount = 0;
        public static final String CONST = "const";
        public int count;
        public String label = "none";
        public final long fixed = 7;

        public Overloads() {}

        public Overloads(int count) {
            this.count = count;
        }

        public Overloads(String label) {
            this.label = label;
        }

        public String f(int x) {
            return "int";
        }

        public String f(long x) {
            return "long";
        }

        public String f(double x) {
            return "double";
        }

        public String f(String x) {
            return "String";
        }

        public String f(boolean x) {
            return "boolean";
        }

        public String f(Object x) {
            return "Object";
        }

        public String f(int[] x) {
            return "int[] of " + x.length;
        }

        public String g(char c) {
            return "char " + c;
        }

        public String g(short s) {
            return "short " + s;
        }

        public String amb(String s) {
            return "String";
        }

        public String amb(Integer i) {
            return "Integer";
        }

        /** Primitive/boxed pairs: javac picks the primitive for a literal. */
        public static String pb(boolean b) {
            return "boolean";
        }

        public static String pb(Boolean b) {
            return "Boolean";
        }

        public static String pi(int i) {
            return "int";
        }

        public static String pi(Integer i) {
            return "Integer";
        }

        public static String pd(double d) {
            return "double";
        }

        public static String pd(Double d) {
            return "Double";
        }

        public static String pc(char c) {
            return "char";
        }

        public static String pc(Character c) {
            return "Character";
        }

        /** javac: widening (phase 1) before boxing (phase 2): pw(0) is pw(long). */
        public static String pw(long l) {
            return "long";
        }

        public static String pw(Integer i) {
            return "Integer";
        }

        /** javac: boxing before Object (Integer is more specific). */
        public static String po(Object o) {
            return "Object";
        }

        public static String po(Integer i) {
            return "Integer";
        }

        public static String className(Class<?> c) {
            return c.getName();
        }

        public static boolean isClass(Object o) {
            return o instanceof Class;
        }

        /** javac: any fixed arity before varargs. */
        public static String pv(Object o) {
            return "Object";
        }

        public static String pv(int... xs) {
            return "int...";
        }

        public static String join(String sep, String... parts) {
            return String.join(sep, parts);
        }

        public static int sum(int... xs) {
            int s = 0;
            for (int x : xs) {
                s += x;
            }
            return s;
        }

        public static String kind(List<?> l) {
            return "List " + l;
        }

        public static String kind(Map<?, ?> m) {
            return "Map " + m;
        }

        public static String callIt(Function<Object, Object> fn, Object x) {
            return String.valueOf(fn.apply(x));
        }

        public static String cast(Object o) {
            return (String) o;
        }

        public static void error() {
            throw new StackOverflowError("deliberate");
        }

        public static final IllegalStateException THROWN = new IllegalStateException("the original");

        public static void throwOriginal() {
            throw THROWN;
        }

        public int[] ints() {
            return new int[] {1, 2, 3};
        }

        public String[] strings() {
            return new String[] {"a", "b"};
        }
    }

    /** AutoCloseable, Comparable. */
    public static class Resource implements AutoCloseable, Comparable<Resource> {
        public final int rank;
        public boolean closed;

        public Resource(int rank) {
            this.rank = rank;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public int compareTo(Resource o) {
            return Integer.compare(rank, o.rank);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Resource && ((Resource) o).rank == rank;
        }

        @Override
        public int hashCode() {
            return rank;
        }

        @Override
        public String toString() {
            return "Resource#" + rank;
        }
    }

    /** A Java Iterable that is no Collection. */
    public static class Countdown implements Iterable<Integer> {
        private final int from;

        public Countdown(int from) {
            this.from = from;
        }

        @Override
        public Iterator<Integer> iterator() {
            return new Iterator<Integer>() {
                int i = from;

                @Override
                public boolean hasNext() {
                    return i > 0;
                }

                @Override
                public Integer next() {
                    if (i <= 0) {
                        throw new NoSuchElementException();
                    }
                    return i--;
                }
            };
        }
    }

    // ---- imports ---------------------------------------------------------------

    @Test
    public void theImportHookFindsJdkAndApplicationClasses() {
        py(
                "import java.util",
                "from java.util import ArrayList, HashMap",
                "from java.lang import System",
                "check(java.util.ArrayList is ArrayList, 'one class object per Java class')",
                "check(System.getProperty('java.version') == __import__('platform').java_ver()[0]"
                        + " or isinstance(System.getProperty('java.version'), str), 'static method')",
                "from java.util.concurrent import ConcurrentHashMap",
                "import java.util.concurrent.atomic as atomic",
                "check(atomic.AtomicLong(5).incrementAndGet() == 6, 'subpackage')",
                "from org.pybridge import JavaFromPythonTest",
                "O = JavaFromPythonTest.Overloads",
                "check(O.__java_name__ == 'org.pybridge.JavaFromPythonTest$Overloads', O.__java_name__)",
                "e = raises(ImportError, exec, 'from java.util import NoSuchClass')",
                "raises(AttributeError, lambda: java.util.NoSuchClass)",
                "raises(ModuleNotFoundError, __import__, 'java.nosuchpackage')",
                "raises(ModuleNotFoundError, __import__, 'nosuchtoplevel_pkg')",
                "from java.util import Map",
                "check(Map.Entry.__java_name__ == 'java.util.Map$Entry', 'nested class')",
                "check(isinstance(ArrayList(), java.util.List), 'isinstance asks Java')",
                "check(issubclass(ArrayList, java.util.Collection), 'issubclass asks Java')",
                "check(not isinstance(HashMap(), java.util.List), 'not a List')");
    }

    @Test
    public void theClassFilterRefusesWhatItDoesNotAllow() {
        Predicate<String> before = JavaClasses.classFilter;
        JavaClasses.classFilter = name -> !name.startsWith("java.net.");
        try {
            py(
                    "import pybridge",
                    "e = raises(ImportError, pybridge.jclass, 'java.net.URI')",
                    "check('PythonConfig.javaClassFilter' in str(e), str(e))",
                    "check(pybridge.jclass('java.util.BitSet').__java_name__ == 'java.util.BitSet', 'allowed')");
        } finally {
            JavaClasses.classFilter = before;
        }
    }

    // ---- calls -------------------------------------------------------------------

    /**
     * Numeric narrowing has one set of rules (JavaOverloads.fits) for Java
     * calls from Python and for results asked for in Java; each reports a
     * value that does not fit its own way (TypeError in Python,
     * ArithmeticException in Java).
     */
    @Test
    public void numericNarrowingIsOneRuleForCallsAndResults() {
        py(
                "from java.lang import Float, Math, Short",
                "check(Float.valueOf(1.5) == 1.5, 'a float that fits a Java float')",
                "check(Float.valueOf(float('inf')) == float('inf'), 'an infinity fits')",
                "e = raises(TypeError, Float.valueOf, 1e300)",
                "check('no overload' in str(e), str(e))",
                "check(Short.valueOf(-32768) == -32768, 'the smallest short')",
                "raises(TypeError, Short.valueOf, 32768)",
                "check(Math.sqrt(2**70) == 2.0**35, 'an int beyond 64 bits as a double')");
        try {
            Python.eval("1e300", Float.class);
            fail("expected ArithmeticException");
        } catch (ArithmeticException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("does not fit in a Float"));
        }
        try {
            Python.eval("32768", Short.class);
            fail("expected ArithmeticException");
        } catch (ArithmeticException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("does not fit in a Short"));
        }
        assertEquals(Short.valueOf((short) -32768), Python.eval("-32768", Short.class));
        assertEquals(Double.valueOf(Math.pow(2, 70)), Python.eval("2**70", Double.class));
    }

    @Test
    public void primitiveAndBoxedOverloadsFollowJavac() {
        py(
                "from org.pybridge import JavaFromPythonTest",
                "O = JavaFromPythonTest.Overloads",
                "check(O.pb(True) == 'boolean', O.pb(True))",
                "check(O.pi(0) == 'int', O.pi(0))",
                "check(O.pd(1.5) == 'double', O.pd(1.5))",
                "check(O.pc('x') == 'char', O.pc('x'))",
                "check(O.pw(0) == 'long', 'widening before boxing: ' + O.pw(0))",
                "check(O.po(0) == 'Integer', 'boxing before Object: ' + O.po(0))",
                "check(O.pv(1) == 'Object', 'fixed arity before varargs: ' + O.pv(1))",
                "check(O.pv(1, 2) == 'int...', O.pv(1, 2))",
                "check(O.pi(None) == 'Integer', 'None: the reference type')",
                "check(O.pb(None) == 'Boolean', 'None: the reference type')");
    }

    @Test
    public void javaClassesAreJavaLangClass() {
        py(
                "import pybridge",
                "from org.pybridge import JavaFromPythonTest",
                "O = JavaFromPythonTest.Overloads",
                "from java.util import ArrayList",
                "from java.lang import StringBuilder, Integer, Boolean, Double",
                "x = ArrayList()",
                "check(x.getClass() == ArrayList, 'getClass() equals the imported class')",
                "check(ArrayList == x.getClass(), 'both ways')",
                "check(x.getClass() != StringBuilder, 'another class')",
                "check(O.className(ArrayList) == 'java.util.ArrayList', 'a Class parameter')",
                "check(O.isClass(StringBuilder), 'an Object parameter gets the Class')",
                "r = str(StringBuilder().append(StringBuilder))",
                "check(r == 'class java.lang.StringBuilder', r)",
                "check(O.className(Integer.TYPE) == 'int', 'primitive types are Classes')",
                "a = pybridge.jarray(Integer.TYPE, 3)",
                "check(a.tolist() == [0, 0, 0] and a.getClass().getName() == '[I', a.getClass().getName())",
                "b = pybridge.jarray(2, Boolean.TYPE)",
                "check(b.tolist() == [False, False], 'Jep order: jarray(size, type)')",
                "d = pybridge.jarray(Double.TYPE, [1.5, 2])",
                "check(d.tolist() == [1.5, 2.0], d.tolist())",
                "e = raises(TypeError, pybridge.jarray, 3, 'no.such.Klass')",
                "raises(TypeError, pybridge.jarray, x, 3)");
    }

    @Test
    public void boxedNumbersAreNumbersHoweverMade() {
        Python.mainModule().setAttr("bridged_seven", Python.bridge(Integer.valueOf(7)));
        Python.mainModule().setAttr("bridged_half", Python.bridge(Double.valueOf(0.5)));
        py(
                "import pybridge",
                "from java.lang import Integer, Double, Long, Boolean",
                "from java.math import BigInteger, BigDecimal",
                "from java.util.concurrent.atomic import AtomicLong",
                "from java.time import LocalDate",
                "check(Integer(-5) + 1 == -4 and Integer(-5) == -5, 'Integer(-5) is -5')",
                "check(bool(Integer(0)) is False and bool(Boolean(False)) is False, 'falsy')",
                "check(5 < Integer(9) and Integer(9) > 5, 'compares with Python ints')",
                "check(Double(2.5) * 2 == 5.0, 'Double arithmetic')",
                "check(bridged_seven + 1 == 8 and 1 + bridged_seven == 8, 'a bridged Integer proxy adds')",
                "check(bridged_seven == 7 and hash(bridged_seven) == hash(7), 'equal to 7, same hash')",
                "check(5 < bridged_seven and bridged_seven <= 7 and not bridged_seven < 3, 'orders')",
                "check(bridged_half < 1 and float(bridged_half) == 0.5 and bool(bridged_half), 'Double proxy')",
                "check(list(range(10))[bridged_seven] == 7 and int(bridged_seven) == 7, '__index__')",
                "big = BigInteger.valueOf(2).pow(70)",
                "check(big == 2**70 and big + 1 == 2**70 + 1 and big > 5 and -big == -2**70, 'BigInteger exact')",
                "check(BigDecimal('1.5') * 2 == 3.0, 'BigDecimal')",
                "n = AtomicLong(41); n.incrementAndGet()",
                "check(n == 42 and n - 2 == 40, 'any Number')",
                "e = raises(TypeError, lambda: LocalDate.of(2020, 1, 1) < 5)",
                "check(not isinstance(e, pybridge.JavaException), 'no ClassCastException leaks: %r' % (e,))",
                "e = raises(TypeError, lambda: bridged_seven < 'x')",
                "check(not isinstance(e, pybridge.JavaException), repr(e))",
                "from java.lang.reflect import Array",
                "from java.lang import String",
                "check(len(Array.newInstance(String, 3)) == 3, 'a class where Java expects a Class')");
    }

    @Test
    public void javaListsTakeSliceAssignmentAndListOperators() {
        py(
                "from java.util import ArrayList, HashMap",
                "lst = ArrayList(); lst.extend([0, 1, 2, 3, 4])",
                "lst[1:3] = ['a', 'b', 'c']",
                "check(list(lst) == [0, 'a', 'b', 'c', 3, 4], list(lst))",
                "lst[1:4] = []",
                "check(list(lst) == [0, 3, 4], list(lst))",
                "lst[::2] = [9, 8]",
                "check(list(lst) == [9, 3, 8], list(lst))",
                "raises(ValueError, lst.__setitem__, slice(None, None, 2), [1])",
                "lst[3:] = [7]",
                "check(list(lst) == [9, 3, 8, 7], list(lst))",
                "check(lst + [1] == [9, 3, 8, 7, 1] and [1] + lst == [1, 9, 3, 8, 7], 'list +')",
                "check(lst * 2 == [9, 3, 8, 7] * 2 and 2 * lst == lst * 2, 'list *')",
                "same = lst; lst *= 2",
                "check(same is lst and lst.size() == 8, 'in place *=')",
                "lst *= 0",
                "check(lst.size() == 0, '*= 0 clears')",
                "m = HashMap(); m['a'] = 1",
                "check(('a', 1) in m.items() and ('a', 2) not in m.items(), 'pairs')",
                "check('a' not in m.items(), 'a key alone is not an item, as in dict.items()')",
                "b = lst.add",
                "check(b.__func__ is ArrayList.add and b.__self__ is lst and b.__name__ == 'add', 'bound method')");
    }

    @Test
    public void dirOfAJavaPackageListsItsClasses() {
        py(
                "import java.util, org.pybridge",
                "d = dir(java.util)",
                "check('ArrayList' in d and 'HashMap' in d and 'concurrent' in d and 'function' in d, d[:20])",
                "check(not any('$' in n for n in d), 'no nested classes')",
                "p = dir(org.pybridge)",
                "check('Python' in p and 'JavaFromPythonTest' in p, p[:20])",
                "check('JavaBridge' not in p, 'not public: not listed')");
    }

    @Test
    public void fieldAndElementOverflowIsOverflowError() {
        py(
                "from org.pybridge import JavaFromPythonTest",
                "import pybridge",
                "o = JavaFromPythonTest.Overloads()",
                "e = raises(OverflowError, setattr, o, 'count', 2**40)",
                "check('is a Java int' in str(e) and '2147483647' in str(e) and str(2**40) in str(e), str(e))",
                "check(o.count == 0, 'unchanged')",
                "a = pybridge.jarray('byte', 2)",
                "e = raises(OverflowError, a.__setitem__, 0, 300)",
                "check('-128 to 127' in str(e), str(e))",
                "raises(TypeError, setattr, o, 'count', 1.5)");
    }

    @Test
    public void overloadsAreResolvedFromPythonArgumentTypes() {
        py(
                "from org.pybridge import JavaFromPythonTest",
                "o = JavaFromPythonTest.Overloads()",
                "check(o.f(1) == 'int', 'int in range: int')",
                "check(o.f(2**40) == 'long', 'beyond int: long')",
                "check(o.f(1.5) == 'double', 'float: double')",
                "check(o.f('x') == 'String', 'str: String before char')",
                "check(o.f(True) == 'boolean', 'bool: boolean')",
                "check(o.f([1, 2, 3]) == 'int[] of 3', 'a list of ints: int[]')",
                "check(o.f(object()) == 'Object', 'anything else: Object')",
                "check(o.g('c') == 'char c', 'a one-character str: char')",
                "check(o.g(7) == 'short 7', 'a small int: short')",
                "raises(TypeError, o.g, 70000)",
                "e = raises(TypeError, o.amb, None)",
                "check('ambiguous' in str(e) and 'amb(java.lang.String)' in str(e)"
                        + " and 'amb(java.lang.Integer)' in str(e), str(e))",
                "e = raises(TypeError, o.g, 1.5)",
                "check('no overload' in str(e) and 'g(char)' in str(e) and '(float)' in str(e), str(e))",
                "check(JavaFromPythonTest.Overloads.kind([1]) == 'List [1]', 'list: List')",
                "check(JavaFromPythonTest.Overloads.kind({'a': 1}) == 'Map {a=1}', 'dict: Map')",
                "check(JavaFromPythonTest.Overloads.callIt(lambda x: x * 2, 21) == '42', 'callable: the interface')",
                "from java.lang import Math, StringBuilder, String",
                "check(Math.max(1, 2) == 2 and Math.max(1.5, 2) == 2.0, 'Math.max')",
                "check(str(StringBuilder('a').append('b').append(1).append(2.5)) == 'ab12.5', 'chained')",
                "check(JavaFromPythonTest.Overloads(5).count == 5, 'constructor(int)')",
                "check(JavaFromPythonTest.Overloads('x').label == 'x', 'constructor(String)')",
                "raises(TypeError, JavaFromPythonTest.Overloads, 1, 2, 3)",
                "raises(TypeError, lambda: o.f(x=1))");
    }

    @Test
    public void varargsTakeTrailingArgumentsOrAnArray() {
        py(
                "from org.pybridge import JavaFromPythonTest",
                "O = JavaFromPythonTest.Overloads",
                "check(O.join('-', 'a', 'b', 'c') == 'a-b-c', 'varargs')",
                "check(O.join('-') == '', 'no varargs')",
                "check(O.join('-', ['x', 'y']) == 'x-y', 'the array itself')",
                "check(O.sum(1, 2, 3) == 6 and O.sum() == 0, 'primitive varargs')",
                "from java.lang import String",
                "check(String.format('%s=%d', 'a', 5) == 'a=5', 'String.format')",
                "from java.util import Arrays",
                "check(list(Arrays.asList(1, 2, 3)) == [1, 2, 3], 'Arrays.asList')");
    }

    @Test
    public void fieldsAreReadAndWrittenLive() {
        py(
                "from org.pybridge import JavaFromPythonTest",
                "O = JavaFromPythonTest.Overloads",
                "o = O()",
                "check(o.label == 'none' and o.count == 0 and o.fixed == 7, 'instance fields')",
                "o.count = 41; o.label = 'set'",
                "check(o.count == 41 and o.label == 'set', 'written')",
                "raises(AttributeError, setattr, o, 'fixed', 1)",
                "raises(TypeError, setattr, o, 'count', 'not an int')",
                "check(O.CONST == 'const' and o.CONST == 'const', 'static final, from class and object')",
                "O.sCount = 3",
                "check(O.sCount == 3, 'static written')",
                "from java.lang import Integer, System",
                "check(Integer.MAX_VALUE == 2**31 - 1, 'JDK static field')",
                "from java.io import PrintStream",
                "check(isinstance(System.out, PrintStream), 'a static field holding an object')");
        assertEquals(3, Overloads.sCount);
        Overloads.sCount = 0;
        Overloads o = (Overloads) Python.eval("o").toJava();
        assertEquals(41, o.count);
        assertEquals("set", o.label);
    }

    // ---- arrays ------------------------------------------------------------------

    @Test
    public void javaArraysAreLiveSequencesWithTheirBytes() {
        py(
                "import pybridge, struct, sys",
                "from org.pybridge import JavaFromPythonTest",
                "a = pybridge.jarray('int', 4)",
                "check(len(a) == 4 and list(a) == [0, 0, 0, 0], 'new int[4]')",
                "a[0] = 5; a[-1] = 9",
                "check(a[0] == 5 and a[3] == 9 and a[-1] == 9, 'set and get')",
                "raises(IndexError, lambda: a[4])",
                "raises(TypeError, a.__setitem__, 0, 'x')",
                "raises(OverflowError, a.__setitem__, 0, 2**40)",
                "check(a[1:3] == [0, 0] and a[::-1][0] == 9, 'slices copy')",
                "a[1:3] = [7, 8]",
                "check(list(a) == [5, 7, 8, 9] and a == [5, 7, 8, 9], 'slice assignment, == a list')",
                "raises(ValueError, a.__setitem__, slice(0, 2), [1])",
                "check(a.tobytes() == struct.pack('=4i', 5, 7, 8, 9), 'tobytes: native order')",
                "check(memoryview(a.tobytes()).cast('i').tolist() == [5, 7, 8, 9], 'memoryview')",
                "import numpy",
                "check(numpy.frombuffer(a.tobytes(), dtype=numpy.int32).sum() == 29, 'numpy')",
                "m = memoryview(a)",
                "check(m.format == 'i' and m.itemsize == 4 and m.shape == (4,) and m.tolist() == [5, 7, 8, 9],"
                        + " 'the buffer protocol: typed')",
                "m[0] = 50",
                "check(a[0] == 5, 'a copy while exported')",
                "m.release()",
                "check(a[0] == 50, 'written back when released')",
                "n = numpy.asarray(a)",
                "check(n.dtype == numpy.int32 and n.sum() == 74, 'numpy.asarray')",
                "n[1] = 70; del n",
                "check(a[1] == 70, 'numpy writes land when numpy lets go')",
                "a[1] = 7; a[0] = 5",
                "for kind, fmt, vals in (('double', 'd', [1.5, 2.5]), ('long', 'q', [2**40]), ('boolean', '?', [True,"
                    + " False]), ('byte', 'b', [-1, 2]), ('short', 'h', [300]), ('char', 'H', ['a']), ('float', 'f',"
                    + " [0.5])):",
                "    j = pybridge.jarray(kind, vals)",
                "    with memoryview(j) as mv:",
                "        check(mv.format == fmt and len(mv) == len(vals), (kind, mv.format))",
                "        if kind != 'char': check(mv.tolist() == vals, (kind, mv.tolist()))",
                "check(len(memoryview(pybridge.jarray('int', 0))) == 0, 'empty')",
                "raises((TypeError, BufferError), memoryview, pybridge.jarray(str, ['x']))",
                "s = pybridge.jarray(str, ['x', 'y'])",
                "check(s.__java_name__ == '[Ljava.lang.String;' and list(s) == ['x', 'y'], 'String[]')",
                "d = pybridge.jarray('double', [1.5, 2])",
                "check(list(d) == [1.5, 2.0], 'double[] from ints and floats')",
                "o = JavaFromPythonTest.Overloads()",
                "ints = o.ints()",
                "check(ints.__java_name__ == '[I' and list(ints) == [1, 2, 3], 'a method returning int[]')",
                "check(o.f(a) == 'int[] of 4', 'a Java array passed back is the same array')",
                "check(list(o.strings()) == ['a', 'b'], 'String[] result')",
                "check(str(a) == '[5, 7, 8, 9]', 'str')",
                "check(a[2:100] == [8, 9] and a[7:9] == [], 'slices past the end are clamped')",
                "from java.lang import Object, Integer",
                "objs = pybridge.jarray(Object, 4)",
                "objs[0] = None; objs[1] = 5; objs[2] = Integer; objs[3] = a",
                "check(objs[0] is None and objs[1] == 5 and pybridge.same(objs[3], a), 'Object[] takes anything')",
                "boxed = pybridge.jarray('java.lang.Integer', 1)",
                "boxed[0] = 3",
                "check(boxed[0] == 3, 'Integer[] takes an int')",
                "raises(TypeError, boxed.__setitem__, 0, object())",
                "raises(ValueError, pybridge.jarray, 'int', -1)");
        int[] a = (int[]) Python.eval("a").toJava();
        assertArrayEquals(new int[] {5, 7, 8, 9}, a);
    }

    // ---- collections ---------------------------------------------------------------

    @Test
    public void javaListsAreLiveMutableSequences() {
        List<Object> list = new ArrayList<>(Arrays.asList(1L, 2L, 3L));
        Python.mainModule().setAttr("jl", Python.bridge(list));
        py(
                "import collections.abc",
                "check(isinstance(jl, collections.abc.MutableSequence), 'a MutableSequence')",
                "check(len(jl) == 3 and jl[0] == 1 and jl[-1] == 3 and 2 in jl and 9 not in jl, 'read')",
                "jl.append(4); jl.insert(0, 0); jl.extend([5, 6]); jl[1] = 10",
                "del jl[2]",
                "check(list(jl) == [0, 10, 3, 4, 5, 6], list(jl))",
                "check(jl.pop() == 6 and jl.index(3) == 2 and jl.count(10) == 1, 'pop/index/count')",
                "check(jl[1:3] == [10, 3], 'slice')",
                "raises(IndexError, lambda: jl[10])",
                "jl.remove(0)",
                "check(list(jl) == [10, 3, 4, 5], 'remove(int) is Java: removes the index')",
                "jl += [7]",
                "check(jl == [10, 3, 4, 5, 7], '== compares with Java equals against the converted list')");
        assertEquals(Arrays.asList(10L, 3L, 4L, 5L, 7L), list);
    }

    @Test
    public void javaMapsAndSetsAreLiveContainers() {
        Map<Object, Object> map = new HashMap<>();
        map.put("a", 1L);
        Set<Object> set = new LinkedHashSet<>(Arrays.asList("x", "y"));
        Python.mainModule().setAttr("jm", Python.bridge(map));
        Python.mainModule().setAttr("js", Python.bridge(set));
        py(
                "import collections.abc",
                "check(isinstance(jm, collections.abc.MutableMapping), 'a MutableMapping')",
                "check(jm['a'] == 1 and 'a' in jm and len(jm) == 1, 'read')",
                "e = raises(KeyError, lambda: jm['zz'])",
                "check(jm.get('zz') is None and jm.get('zz', 5) == 5 and jm.get('a', 5) == 1, 'get(k, default)')",
                "jm['b'] = [1, 2]; jm['c'] = None",
                "check('c' in jm and jm['c'] is None, 'a null value is a value')",
                "del jm['c']",
                "raises(KeyError, jm.__delitem__, 'c')",
                "check(sorted(jm) == ['a', 'b'] and sorted(jm.keys()) == ['a', 'b'], 'iteration')",
                "check(dict(jm.items())['a'] == 1, 'items')",
                "check(list(jm['b']) == [1, 2], 'nested value: a live Java list')",
                "check(isinstance(js, collections.abc.MutableSet), 'a MutableSet')",
                "js.add('z'); js.discard('x')",
                "check(sorted(js) == ['y', 'z'] and 'y' in js, 'set read/write')",
                "check((js | {'q'}) == {'y', 'z', 'q'} and (js & {'y'}) == {'y'}, 'set operators give Python sets')");
        assertEquals(2, map.size());
        assertEquals(Arrays.asList(1L, 2L), map.get("b"));
        assertEquals(new LinkedHashSet<>(Arrays.asList("y", "z")), set);
    }

    @Test
    public void iteratorsAndIterablesAreIterable() {
        py(
                "from org.pybridge import JavaFromPythonTest",
                "check(list(JavaFromPythonTest.Countdown(3)) == [3, 2, 1], 'an Iterable')",
                "from java.util import ArrayList",
                "big = ArrayList()",
                "for i in range(1000): big.add(i)",
                "check(sum(big) == 499500, 'iterated in chunks')",
                "it = big.iterator()",
                "check(next(it) == 0 and next(it) == 1, 'an Iterator')",
                "check(it.next() == 2, 'its own next()')",
                "rest = list(it)",
                "check(len(rest) == 997, 'the rest')",
                "raises(StopIteration, next, it)",
                "e = raises(LookupError, it.next)",
                "check(e.java_class == 'java.util.NoSuchElementException', e.java_class)");
    }

    // ---- the object protocol ---------------------------------------------------------

    @Test
    public void withComparableStrEqualityAndIdentity() {
        py(
                "from org.pybridge import JavaFromPythonTest",
                "R = JavaFromPythonTest.Resource",
                "with R(1) as r:",
                "    check(not r.closed, 'open inside')",
                "check(r.closed, 'closed by with')",
                "a, b = R(1), R(2)",
                "check(a < b and b > a and a <= R(1) and not (a > b), 'Comparable')",
                "check(sorted([R(3), R(1), R(2)])[0].rank == 1, 'sorted')",
                "check(str(a) == 'Resource#1' and 'Resource#1' in repr(a), 'str is toString')",
                "check(a == R(1) and a != b and hash(a) == hash(R(1)) == 1, 'equals and hashCode')",
                "d = {a: 'one'}",
                "check(d[R(1)] == 'one', 'an equal Java object finds the key')");
        Object same = new Object();
        Python.mainModule().setAttr("p1", Python.bridge(same));
        Python.mainModule().setAttr("p2", Python.bridge(same));
        py(
                "import pybridge",
                "check(p1 is not p2 and p1 == p2 and pybridge.same(p1, p2), 'two proxies, one object')",
                "check({p1: 1}[p2] == 1, 'the same Java object handed over twice finds itself as a dict key')",
                "from java.lang import Object",
                "check(not pybridge.same(p1, Object()), 'another object')");
        assertSame(same, Python.eval("p2").toJava());
    }

    @Test
    public void bridgeAsksForTheLiveProxyWhereToPythonCopies() {
        List<Object> list = new ArrayList<>(Arrays.asList(1L));
        try (PyObject copy = Python.toPython(list);
                PyObject live = Python.bridge(list)) {
            assertEquals("list", copy.typeName());
            assertEquals("java.util.ArrayList", live.typeName());
            copy.callAttr("append", 2L).close();
            live.callAttr("append", 3L).close();
            assertEquals(Arrays.asList(1L, 3L), list);
            assertSame(list, live.toJava());
            assertSame(copy, Python.bridge(copy));
        }
    }

    // ---- exceptions ------------------------------------------------------------------

    @Test
    public void javaExceptionsAreTheMatchingPythonBuiltins() {
        py(
                "import pybridge",
                "from java.util import ArrayList, List",
                "from java.lang import Integer, Math",
                "from java.io import FileInputStream",
                "from org.pybridge import JavaFromPythonTest",
                "e = raises(IndexError, ArrayList().get, 3)",
                "check(isinstance(e, pybridge.JavaException) and e.java_class == 'java.lang.IndexOutOfBoundsException',"
                        + " 'IndexError')",
                "check(e.java_exception.getMessage() == str(e), 'the Java exception is reachable')",
                "e = raises(ValueError, Integer.parseInt, 'x')",
                "check(type(e).__name__ == 'NumberFormatException', 'NumberFormatException is a ValueError')",
                "check(issubclass(type(e), pybridge.JavaException), type(e).__mro__)",
                "raises(TypeError, JavaFromPythonTest.Overloads.cast, 5)",
                "e = raises(OSError, FileInputStream, '/no/such/file/pybridge')",
                "check(isinstance(e, FileNotFoundError), 'FileNotFoundException is a FileNotFoundError')",
                "raises(ArithmeticError, Math.floorDiv, 1, 0)",
                "raises(NotImplementedError, List.of().add, 1)",
                "raises(TypeError, Integer.parseInt, None) if False else None",
                "caught = None",
                "try:",
                "    JavaFromPythonTest.Overloads.error()",
                "except Exception:",
                "    caught = 'Exception'",
                "except BaseException as b:",
                "    caught = type(b)",
                "check(caught is not None and caught != 'Exception', 'a Java Error is no Exception')",
                "check(issubclass(caught, pybridge.JavaError) and caught.__name__ == 'StackOverflowError', caught)");
        try {
            py("from org.pybridge import JavaFromPythonTest", "JavaFromPythonTest.Overloads.throwOriginal()");
            fail("no exception");
        } catch (PythonException e) {
            assertSame("the Java exception unwraps to the original", Overloads.THROWN, e.getCause());
            assertTrue(e.getMessage(), e.getMessage().contains("the original"));
        }
    }

    // ---- lifetimes and threads ----------------------------------------------------------

    @Test
    public void proxiesPythonDropsAreForgottenByJava() throws Exception {
        py("from java.util import ArrayList", "import gc", "gc.collect()");
        int before = Python.stats().javaFunctions();
        py("keep = [ArrayList() for _ in range(2000)]");
        assertTrue("Java keeps the objects Python holds", Python.stats().javaFunctions() >= before + 2000);
        py("del keep", "for _ in range(3000): ArrayList().add(1)", "gc.collect()");
        long deadline = System.currentTimeMillis() + 30_000;
        while (Python.stats().javaFunctions() > before + 10 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(
                "back to the baseline " + before + ": " + Python.stats().javaFunctions(),
                Python.stats().javaFunctions() <= before + 10);
    }

    @Test
    public void pythonThreadsAndJvmThreadsCallJavaMethods() throws Exception {
        ConcurrentLinkedQueue<Object> q = new ConcurrentLinkedQueue<>();
        Python.mainModule().setAttr("q", Python.bridge(q));
        py(
                "import threading",
                "def fill(k):",
                "    for i in range(500):",
                "        q.add(k)",
                "ts = [threading.Thread(target=fill, args=(k,)) for k in range(4)]",
                "[t.start() for t in ts]; [t.join() for t in ts]");
        assertEquals(2000, q.size());
        PyObject fill = Python.mainModule().getAttr("fill");
        List<Thread> jts = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int k = 0; k < 4; k++) {
            long kk = k;
            Thread t = new Thread(() -> {
                try {
                    fill.call(kk).close();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            });
            jts.add(t);
            t.start();
        }
        for (Thread t : jts) {
            t.join();
        }
        assertEquals(0, failures.get());
        assertEquals(4000, q.size());
    }

    @Test
    public void theProxyOfAFunctionalInterfaceIsCallable() {
        py(
                "from java.util import Comparator",
                "from java.lang import String",
                "c = String.CASE_INSENSITIVE_ORDER",
                "check(callable(c) and c('a', 'B') < 0, 'a Comparator is called as compare')",
                "check(not callable(__import__('java.util', fromlist=['ArrayList']).ArrayList()), 'a list is not')");
    }

    @Test
    public void aPlainJavaObjectHasNoPythonBuiltinSurprises() {
        py(
                "from java.lang import Object",
                "o = Object()",
                "check(o == o and hash(o) == o.hashCode(), 'eq and hash')",
                "check(str(o).startswith('java.lang.Object@'), str(o))",
                "raises(AttributeError, lambda: o.noSuchMethod)",
                "raises(TypeError, __import__('pybridge').JavaObject)");
        assertFalse(Python.eval("o").toJava() instanceof PyObject);
    }

    @Test
    public void membersNamedLikePythonKeywordsAreAlsoNameUnderscore() {
        // System.in, LocalDate.from, BigInteger.and/or/not: not writable as attributes
        // in Python; `name_` is (and is what the type stubs of JavaStubs name).
        py(
                "import pybridge",
                "from java.lang import System",
                "from java.math import BigInteger",
                "from java.time import LocalDate",
                "check(pybridge.same(System.in_, getattr(System, 'in')), 'System.in_ is System.in')",
                "d = LocalDate.of(2020, 1, 2)",
                "check(LocalDate.from_(d) == d, 'LocalDate.from_')",
                "b = BigInteger.valueOf(12)",
                "check(b.and_(BigInteger.valueOf(10)) == 8 and b.or_(BigInteger.valueOf(3)) == 15, 'and_, or_')",
                "check(b.not_() == -13, 'not_')",
                "check(not hasattr(b, 'add_'), 'only keywords')");
    }

    @Test
    public void javaClassesTakeTypeArgumentsAsPythonGenericsDo() {
        // Annotations written for the stubs (ArrayList[str], Box[int]) run without
        // `from __future__ import annotations`; the arguments are not checked.
        py(
                "import typing",
                "from java.util import ArrayList, HashMap",
                "from java.lang import Object",
                "a = ArrayList[str]()",
                "a.add('x')",
                "check(list(a) == ['x'] and type(a) is ArrayList, 'ArrayList[str]() makes an ArrayList')",
                "check(typing.get_origin(HashMap[str, int]) is HashMap, 'HashMap[str, int]')",
                "check(typing.get_args(Object[int]) == (int,), 'any Java class')");
    }
}

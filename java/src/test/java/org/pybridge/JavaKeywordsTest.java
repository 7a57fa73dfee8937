package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntUnaryOperator;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Java from Python: keyword arguments bound to parameter names (issue 25,
 * point 8), where the names are known ({@link PyName}, {@code javac
 * -parameters}, a record's canonical constructor), and Python's own
 * TypeErrors otherwise.
 */
public class JavaKeywordsTest {

    private static Path dir;
    private static ClassLoader saved;

    /**
     * Compiles two fixtures at test time, so that the Gradle and the
     * {@code ./dev junit} builds see the same class files: one class with
     * {@code -parameters}, one record (the library and its tests target Java 11).
     */
    @BeforeClass
    public static void start() throws IOException {
        Python.initialize();
        dir = Files.createTempDirectory("pybridge-kw");
        Path src = dir.resolve("kwfix");
        Files.createDirectories(src);
        Files.write(
                src.resolve("Compiled.java"),
                String.join(
                                "\n",
                                "package kwfix;",
                                "public class Compiled {",
                                "    public final String text;",
                                "    public Compiled(String prefix, int times) { text = prefix.repeat(times); }",
                                "    public Compiled(String prefix, String suffix) { text = prefix + suffix; }",
                                "    public static String pad(String s, int width, char fill) {",
                                "        StringBuilder b = new StringBuilder(s);",
                                "        while (b.length() < width) b.append(fill);",
                                "        return b.toString();",
                                "    }",
                                "    public String kind(int n) { return \"int\"; }",
                                "    public String kind(long n) { return \"long\"; }",
                                "    public String kind(double n) { return \"double\"; }",
                                "}",
                                "")
                        .getBytes(StandardCharsets.UTF_8));
        Files.write(
                src.resolve("Point.java"),
                String.join(
                                "\n",
                                "package kwfix;",
                                "public record Point(int x, int y) {",
                                "    public Point scaled(int factor) { return new Point(x * factor, y * factor); }",
                                "}",
                                "")
                        .getBytes(StandardCharsets.UTF_8));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull("the tests run on a JDK", javac);
        assertEquals(
                "javac -parameters Compiled.java",
                0,
                javac.run(
                        null,
                        null,
                        null,
                        "-parameters",
                        "-d",
                        dir.toString(),
                        src.resolve("Compiled.java").toString()));
        // The record without -parameters: its names come from its components.
        assertEquals(
                "javac Point.java",
                0,
                javac.run(
                        null,
                        null,
                        null,
                        "-d",
                        dir.toString(),
                        src.resolve("Point.java").toString()));
        saved = Thread.currentThread().getContextClassLoader();
        // Java from Python finds classes through the calling thread's context class loader.
        Thread.currentThread()
                .setContextClassLoader(new URLClassLoader(new URL[] {dir.toUri().toURL()}, saved));
        Python.exec(String.join(
                "\n",
                "def check(cond, what):",
                "    if not cond:",
                "        raise AssertionError(what)",
                "def type_error(f):",
                "    try:",
                "        f()",
                "    except TypeError as e:",
                "        return str(e)",
                "    raise AssertionError('%r did not raise TypeError' % (f,))",
                ""));
    }

    @AfterClass
    public static void stop() {
        Thread.currentThread().setContextClassLoader(saved);
    }

    private static void py(String... lines) {
        Python.exec(String.join("\n", lines));
    }

    /** Parameter names from {@link PyName}. */
    public static class Annotated {
        public final int width;
        public final int height;

        public Annotated(@PyName("width") int w, @PyName("height") int h) {
            width = w;
            height = h;
        }

        public Annotated(@PyName("side") int s) {
            this(s, s);
        }

        public int area(@PyName("scale") int scale) {
            return width * height * scale;
        }

        public String pick(@PyName("count") int count) {
            return "count";
        }

        public String pick(@PyName("label") String label) {
            return "label";
        }

        public String num(@PyName("x") int x) {
            return "int";
        }

        public String num(@PyName("x") double x) {
            return "double";
        }

        public String num(@PyName("x") Integer x) {
            return "Integer";
        }

        public static String join(@PyName("sep") String sep, @PyName("parts") String... parts) {
            return String.join(sep, parts);
        }

        public static int applyTwice(@PyName("op") IntUnaryOperator op, @PyName("value") int value) {
            return op.applyAsInt(op.applyAsInt(value));
        }

        public static int sum(@PyName("a") int a, @PyName("b") int b, @PyName("c") int c) {
            return a * 100 + b * 10 + c;
        }
    }

    @Test
    public void keywordsBindToAnnotatedParameterNames() {
        py(
                "from org.pybridge import JavaKeywordsTest",
                "A = JavaKeywordsTest.Annotated",
                "a = A(width=3, height=4)",
                "check((a.width, a.height) == (3, 4), 'constructor by keywords')",
                "a = A(3, height=5)",
                "check((a.width, a.height) == (3, 5), 'positional then keyword')",
                "a = A(height=2, width=7)",
                "check((a.width, a.height) == (7, 2), 'keywords in any order')",
                "check(A(side=6).height == 6, 'the overload whose names fit: ' + str(A(side=6).height))",
                "check(a.area(scale=2) == 28, 'a method by keyword')",
                "check(A.sum(1, c=3, b=2) == 123, 'a static method: %r' % A.sum(1, c=3, b=2))",
                "check(A.area(a, scale=1) == 14, 'an instance method called on the class')",
                "check(a.pick(count=1) == 'count' and a.pick(label='x') == 'label', 'overloads chosen by name')");
    }

    @Test
    public void pythonObjectsPassedByKeywordCrossAsForPositionalCalls() {
        py(
                "import pybridge",
                "from org.pybridge import JavaKeywordsTest",
                "from java.util.function import IntUnaryOperator",
                "A = JavaKeywordsTest.Annotated",
                "@pybridge.implements(IntUnaryOperator)",
                "class Inc:",
                "    def applyAsInt(self, x):",
                "        return x + 1",
                "check(A.applyTwice(value=1, op=Inc()) == 3, 'an @implements object by keyword')",
                "check(A.applyTwice(op=lambda x: x * 3, value=2) == 18, 'a callable by keyword')");
    }

    @Test
    public void overloadsOfTheSameNamesResolveAsPositionalCalls() {
        py(
                "from org.pybridge import JavaKeywordsTest",
                "a = JavaKeywordsTest.Annotated(1, 1)",
                "check(a.num(x=1) == a.num(1) == 'int', 'the primitive int, as positionally: ' + a.num(x=1))",
                "check(a.num(x=1.5) == a.num(1.5) == 'double', a.num(x=1.5))",
                "check(a.num(x=None) == 'Integer', 'None only fits the boxed one')");
    }

    @Test
    public void varargsByKeywordOrLeftEmpty() {
        py(
                "from org.pybridge import JavaKeywordsTest",
                "A = JavaKeywordsTest.Annotated",
                "check(A.join(sep='-') == '', 'varargs left out are empty')",
                "check(A.join(sep='-', parts=['a', 'b']) == 'a-b', 'varargs as a list by keyword')",
                "check(A.join('-', parts=['x']) == 'x', 'positional then varargs keyword')",
                "check(A.join('-', 'a', 'b', 'c') == 'a-b-c', 'positional varargs unchanged')",
                "m = type_error(lambda: A.join('-', 'a', 'b', parts=['c']))",
                "check(\"multiple values for argument 'parts'\" in m, m)");
    }

    @Test
    public void unknownDuplicateAndMissingArgumentsAreTypeErrorsLikePythons() {
        py(
                "from org.pybridge import JavaKeywordsTest",
                "A = JavaKeywordsTest.Annotated",
                "a = A(2, 3)",
                "m = type_error(lambda: a.area(scale=1, z=2))",
                "check(\"got an unexpected keyword argument 'z'\" in m and 'area(int scale)' in m, m)",
                "m = type_error(lambda: A.sum(1, a=2, b=3, c=4))",
                "check(\"got multiple values for argument 'a'\" in m, m)",
                "m = type_error(lambda: A.sum(1, c=2))",
                "check(\"missing 1 required argument: 'b'\" in m, m)",
                "m = type_error(lambda: A.sum(c=2))",
                "check(\"missing 2 required arguments: 'a' and 'b'\" in m, m)",
                "m = type_error(lambda: A.sum(1, 2, 3, 4, c=5))",
                "check('takes 3 positional arguments but 4 were given' in m, m)",
                // Several overloads: each with its parameter names and why it does not fit.
                "m = type_error(lambda: A(depth=1))",
                "check('no overload of the constructor of' in m and 'Annotated(int width, int height)' in m",
                "      and 'Annotated(int side)' in m and \"unexpected keyword argument 'depth'\" in m, m)",
                "m = type_error(lambda: a.pick(count='x'))",
                "check(\"pick(int count): the arguments' types do not fit\" in m, m)");
    }

    @Test
    public void withoutKnownNamesTheErrorSaysHowToMakeThemKnown() {
        py(
                "from java.util import ArrayList",
                "lst = ArrayList()",
                "m = type_error(lambda: lst.add(e=1))",
                "check('the parameter names of java.util.ArrayList.add' in m and 'are not known, so it takes no"
                        + " keyword arguments' in m and '-parameters' in m and 'PyName' in m, m)",
                "check(len(lst) == 0, 'nothing was added')",
                "lst.add(1)",
                "check(list(lst) == [1], 'positional calls are unchanged')");
    }

    @Test
    public void namesCompiledWithParametersAndRecordComponents() {
        py(
                "import pybridge",
                "C = pybridge.jclass('kwfix.Compiled')",
                "check(C(prefix='ab', times=2).text == 'abab', 'a constructor compiled with -parameters')",
                "check(C('ab', suffix='cd').text == 'abcd', 'its other overload, by the names that fit')",
                "check(C.pad('x', fill='.', width=3) == 'x..', C.pad('x', fill='.', width=3))",
                "c = C('a', 1)",
                "check(c.kind(n=1) == 'int' and c.kind(n=2**40) == 'long' and c.kind(n=0.5) == 'double',",
                "      'costs as for positional calls')",
                "m = type_error(lambda: C(prefix='a', count=2))",
                "check('Compiled(String prefix, int times)' in m and 'Compiled(String prefix, String suffix)' in m, m)",
                "P = pybridge.jclass('kwfix.Point')",
                "p = P(y=2, x=1)",
                "check((p.x(), p.y()) == (1, 2), 'a record canonical constructor by component names')",
                "m = type_error(lambda: p.scaled(factor=2))",
                "check('not known' in m, 'a record method compiled without -parameters: ' + m)");
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.BeforeClass;
import org.junit.Test;

/** Issue 16 points 5 and 6: converters, dict views, delAttr, runScript, calls by dotted name. */
public class ConvertersAndConveniencesTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
    }

    static final class Point {
        final int x;
        final int y;

        Point(int x, int y) {
            this.x = x;
            this.y = y;
        }
    }

    static final class Opaque {}

    static final class Celsius {
        final double degrees;

        Celsius(double d) {
            degrees = d;
        }
    }

    @Test
    public void aConverterCanBeRemoved() {
        try (ResourceScope s = Python.openScope()) {
            Python.registerConverter(Point.class, p -> List.of(p.x, p.y));
            assertEquals("[1, 2]", Python.toPython(new Point(1, 2)).repr());
            Python.registerConverter(Point.class, null);
            Point p = new Point(3, 4);
            PyObject back = Python.toPython(p);
            // no converter: a live proxy of the Java object, its Python type named after the class
            assertEquals(Point.class.getName(), back.typeName());
            assertSame(p, back.toJava());
            Python.registerConverter(Point.class, q -> "pt");
            assertEquals("'pt'", Python.toPython(new Point(0, 0)).repr());
            Python.unregisterConverter(Point.class);
            Python.unregisterConverter(Point.class); // twice: nothing happens
            assertSame(p, Python.toPython(p).toJava());
        }
    }

    @Test
    public void aConverterReturningItsInputMeansPassItAsItIs() {
        try (ResourceScope s = Python.openScope()) {
            Python.registerConverter(Opaque.class, o -> o);
            Opaque o = new Opaque();
            assertSame(o, Python.toPython(o).toJava());
            assertSame(o, Python.eval("lambda x: x").callAs(Object.class, o));
            Python.unregisterConverter(Opaque.class);
        }
    }

    @Test
    public void aConverterMayCallPython() {
        try (ResourceScope s = Python.openScope()) {
            Python.exec("class Celsius:\n    def __init__(self, d):\n        self.d = d\n");
            Python.registerConverter(Celsius.class, c -> Python.mainModule().callAttr("Celsius", c.degrees));
            PyObject made = Python.toPython(List.of(new Celsius(21.5), new Celsius(-4)));
            assertEquals(
                    List.of(21.5, -4.0),
                    Python.eval("lambda l: [c.d for c in l]").callAs(Object.class, made));
            Python.unregisterConverter(Celsius.class);
        }
    }

    @Test
    public void dictViewsConvertAsTheCollectionsTheyAre() {
        try (ResourceScope s = Python.openScope()) {
            Python.exec("dv = {'b': 1, 'a': 2}");
            Object keys = Python.eval("dv.keys()").toJava();
            assertTrue(keys instanceof Set);
            assertEquals(List.of("b", "a"), List.copyOf((Set<?>) keys));
            assertEquals(List.of(1L, 2L), Python.eval("dv.values()").toJava());
            assertEquals(
                    List.of(List.of("b", 1L), List.of("a", 2L)),
                    Python.eval("dv.items()").toJava());
            assertEquals(List.of(1L, 2L), Python.eval("dv.values()", List.class));
            assertEquals(
                    Map.of("k", List.of(1L, 2L)),
                    Python.eval("{'k': dv.values()}").toJava());
        }
    }

    @Test
    public void delAttrRemovesAnAttribute() {
        try (ResourceScope s = Python.openScope()) {
            Python.exec("class Box: pass\nbox = Box()\nbox.v = 1");
            PyObject box = Python.eval("box");
            assertTrue(box.hasAttr("v"));
            box.delAttr("v");
            assertFalse(box.hasAttr("v"));
            try {
                box.delAttr("v");
                fail();
            } catch (PythonException e) {
                assertEquals("AttributeError", e.pythonType());
            }
        }
    }

    @Test
    public void aFunctionIsCalledByItsDottedName() {
        try (ResourceScope s = Python.openScope()) {
            assertEquals("a/b", Python.callAs(String.class, "os.path.join", "a", "b"));
            assertEquals(3L, (long) Python.callAs(Long.class, "len", List.of(1, 2, 3)));
            assertEquals("[1, 2]", Python.callAs(String.class, "json.dumps", List.of(1, 2)));
            assertEquals("\"x\"", Python.call("json.JSONEncoder").callAttrAs(String.class, "encode", "x"));
            assertEquals(2.0, Python.callAs(Double.class, "math.sqrt", 4), 0);
            for (String bad : new String[] {"no_such_module_xyz.f", "os.path.no_such_fn", "no_such_builtin"}) {
                try {
                    Python.call(bad);
                    fail(bad);
                } catch (PythonException e) {
                    assertTrue(
                            e.pythonType(),
                            Set.of("ModuleNotFoundError", "AttributeError", "NameError")
                                    .contains(e.pythonType()));
                }
            }
        }
    }

    @Test
    public void aScriptRunsAsMainWithArgvAndFileAndItsErrorsNameTheFile() throws Exception {
        Path dir = Files.createTempDirectory("pybridge-script");
        Path script = dir.resolve("job.py");
        Files.writeString(
                script,
                String.join(
                        "\n",
                        "import sys",
                        "total = sum(int(a) for a in sys.argv[1:])",
                        "me = __file__",
                        "main = __name__",
                        "argv0 = sys.argv[0]",
                        ""));
        try (PyNamespace ns = Python.runScript(script, "1", "2", "39")) {
            assertEquals(42L, (long) ns.get("total", Long.class));
            assertEquals(script.toAbsolutePath().toString(), ns.get("me", String.class));
            assertEquals("__main__", ns.get("main", String.class));
            assertEquals(script.toAbsolutePath().toString(), ns.get("argv0", String.class));
        }
        assertFalse(Python.eval("__import__('sys').argv", List.class).contains("39"));
        Path bad = dir.resolve("bad.py");
        Files.writeString(bad, "x = 1\n\nraise ValueError('boom')\n");
        try {
            Python.runScript(bad);
            fail();
        } catch (PythonException e) {
            assertEquals("ValueError", e.pythonType());
            assertTrue(e.pythonTraceback(), e.pythonTraceback().contains("bad.py\", line 3"));
        }
        Path exits = dir.resolve("exits.py");
        Files.writeString(exits, "import sys\nsys.exit(3)\n");
        try {
            Python.runScript(exits);
            fail("sys.exit in a script is an exception, not the end of the JVM");
        } catch (PythonException e) {
            assertEquals("SystemExit", e.pythonType());
        }
        assertEquals(2L, (long) Python.eval("1 + 1", Long.class));
        try {
            Python.runScript(dir.resolve("missing.py"));
            fail();
        } catch (PythonException e) {
            assertTrue(e.pythonType(), e.pythonType().contains("FileNotFoundError"));
        }
    }
}

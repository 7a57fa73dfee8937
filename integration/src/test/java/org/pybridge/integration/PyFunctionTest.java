package org.pybridge.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.junit.Test;
import org.pybridge.NDArray;
import org.pybridge.PyObject;
import org.pybridge.Python;

/** Functions that travel, the setup that runs once per JVM, and handles that refuse to travel. */
public class PyFunctionTest {
    static byte[] serialize(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    static Object deserialize(byte[] b) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
            return in.readObject();
        }
    }

    interface SerializableOp extends LongUnaryOperator, Serializable {}

    @Test
    public void aFunctionTravelsAndResolvesOncePerJvm() throws Exception {
        PyFunction f = PyFunction.fromSource("def twice(x):\n    return 2 * x\n", "twice");
        SerializableOp closure = x -> f.callLong(x);
        SerializableOp back = (SerializableOp) deserialize(serialize(closure));
        assertEquals(42L, back.applyAsLong(21));
        PyFunction g = (PyFunction) deserialize(serialize(f));
        assertEquals(f, g);
        assertSame("one handle per JVM", f.get(), g.get());
        assertEquals(10L, PyFunction.of("operator:add").callAs(Long.class, 3, 7).longValue());
        assertEquals(3L, PyFunction.of("math", "floor").callAs(Long.class, 3.7).longValue());
        assertEquals(2.0, PyFunction.of("math.sqrt").callAs(Double.class, 4.0), 0);
    }

    @Test
    public void aFunctionFromAShippedFile() throws Exception {
        Path dir = Files.createTempDirectory("pybridge-ship");
        Path file = dir.resolve("shipped_udfs.py");
        Files.write(file, "def plus_one(x):\n    return x + 1\n".getBytes("UTF-8"));
        ExecutorPython.addFileResolver(name -> name.equals("udfs-as-shipped.py") ? file : null);
        assertEquals(6L, PyFunction.fromFile("udfs-as-shipped.py", "plus_one").callLong(5));
        assertEquals(8L, PyFunction.fromFile(file.toString(), "plus_one").callLong(7));
        try {
            PyFunction.fromFile("never-shipped.py", "f").get();
            fail();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("registerCachedFile"));
        }
    }

    @Test
    public void aCapturedPyObjectFailsToSerializeNamingTheRightWay() throws Exception {
        Python.initialize();
        PyObject raw = Python.eval("lambda x: x");
        SerializableOp closure = x -> raw.callLong(x);
        try {
            serialize(closure);
            fail("a PyObject must not serialize");
        } catch (NotSerializableException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("PyFunction.of(module"));
            assertTrue(e.getMessage(), e.getMessage().contains("cannot be serialized"));
        }
    }

    @Test
    public void ndArraysTravel() throws Exception {
        NDArray a = new NDArray(new double[] {1, 2, 3, 4}, 2, 2);
        NDArray b = (NDArray) deserialize(serialize(a));
        assertEquals("float64", b.dtype());
        assertEquals(4.0, ((double[]) b.data())[3], 0);
        assertEquals(2, b.shape()[1]);
    }

    @Test
    public void setupStepsRunOncePerJvm() throws Exception {
        Map<String, String> conf = new HashMap<>();
        conf.put("x.modules", "json, colorsys");
        conf.put(
                "x.init",
                "import builtins\nbuiltins._pybridge_setup_runs = getattr(builtins, '_pybridge_setup_runs', 0) + 1\n");
        PythonSetup s = PythonSetup.fromProperties(conf, "x.");
        assertEquals(2, s.modules().size());
        for (int i = 0; i < 3; i++) {
            ExecutorPython.ensure(s);
            ExecutorPython.ensure(PythonSetup.create().merge(s));
        }
        assertEquals(1L, (long) Python.eval("__import__('builtins')._pybridge_setup_runs", Long.class));
        assertTrue(Python.eval("'colorsys' in __import__('sys').modules", Boolean.class));
    }
}

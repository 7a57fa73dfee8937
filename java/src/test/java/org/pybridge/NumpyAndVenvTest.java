package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/** numpy from the project's virtualenv, numpy scalars, and how the virtualenv was detected. */
public class NumpyAndVenvTest {
    private static PythonInfo info;
    private static PyObject np;

    @BeforeClass
    public static void start() {
        info = Python.initialize();
        np = Python.importModule("numpy");
    }

    private static String venvPython() {
        String p = System.getProperty("pybridge.test.python");
        if (p == null || p.isEmpty()) {
            p = new File(".venv/bin/python").getAbsolutePath();
        }
        return p;
    }

    // ---- numpy -----------------------------------------------------------------

    @Test
    public void numpyComesFromTheVenv() {
        String file = np.getAttr("__file__", String.class);
        assertNotNull(file);
        assertTrue(file + " should be under " + info.prefix(), file.startsWith(info.prefix() + File.separator));
        assertEquals("module", np.typeName());
        assertEquals("numpy", np.getAttr("__name__", String.class));
    }

    @Test
    public void arangeSum() {
        try (PyObject a = np.callAttr("arange", 10)) {
            assertEquals("numpy.ndarray", a.typeName());
            assertEquals(Long.valueOf(45), a.callAttrAs(Long.class, "sum"));
            assertEquals(10, a.len());
            assertEquals(Double.valueOf(4.5), a.callAttrAs(Double.class, "mean"));
            assertEquals(Arrays.asList(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), a.callAttrAs(List.class, "tolist"));
        }
        assertEquals(Long.valueOf(45), np.callAttr("arange", 10).callAttrAs(Long.class, "sum"));
    }

    @Test
    public void numpyScalarsConvert() {
        try (PyObject i = Python.eval("__import__('numpy').int64(7)")) {
            assertEquals("numpy.int64", i.typeName());
            Object j = i.toJava();
            assertEquals(Long.class, j.getClass());
            assertEquals(7L, j);
        }
        try (PyObject f = Python.eval("__import__('numpy').float64(2.5)")) {
            Object j = f.toJava();
            assertEquals(Double.class, j.getClass());
            assertEquals(2.5, j);
        }
        assertEquals(
                Long.valueOf(Long.MIN_VALUE),
                Python.eval("__import__('numpy').int64(-2**63)").toJava());
        assertEquals(
                Long.valueOf(-3), Python.eval("__import__('numpy').int32(-3)").toJava());
        assertEquals(
                Double.valueOf(0.5),
                Python.eval("__import__('numpy').float32(0.5)").toJava());
        assertEquals(
                Boolean.TRUE, Python.eval("__import__('numpy').bool_(True)").toJava());
        assertEquals(
                Double.valueOf(Double.NaN),
                Python.eval("__import__('numpy').float64('nan')").toJava());
        assertEquals(Long.valueOf(7), Python.eval("__import__('numpy').int64(7)", Long.class));
        assertEquals(Double.valueOf(2.5), Python.eval("__import__('numpy').float64(2.5)", Double.class));
        // Inside containers too.
        assertEquals(
                Arrays.asList(1L, 2.5),
                Python.eval("[__import__('numpy').int64(1), __import__('numpy').float64(2.5)]")
                        .toJava());
        Map<?, ?> m = Python.eval("{'n': __import__('numpy').int16(9)}", Map.class);
        assertEquals(9L, m.get("n"));
    }

    @Test
    public void numpyResultsThroughCallAs() {
        try (PyObject a = np.callAttr("array", new double[] {1.5, 2.5, 3.0})) {
            assertEquals("numpy.ndarray", a.typeName());
            assertEquals(Double.valueOf(7.0), a.callAttrAs(Double.class, "sum"));
            assertEquals(Double.valueOf(3.0), a.callAttrAs(Double.class, "max"));
            assertEquals(Long.valueOf(2), a.callAttrAs(Long.class, "argmax"));
            assertEquals(Arrays.asList(1.5, 2.5, 3.0), a.callAttrAs(List.class, "tolist"));
            assertEquals("float64", a.getAttr("dtype").toString());
        }
        try (PyObject a = np.callAttr("array", new long[] {1, 2, 3});
                PyObject b = a.callAttr("__mul__", 2)) {
            assertEquals(Long.valueOf(12), b.callAttrAs(Long.class, "sum"));
        }
        // An ndarray of a numeric dtype is copied into an NDArray; one of an
        // object dtype has no Java counterpart: toJava gives the same handle back.
        try (PyObject a = np.callAttr("zeros", 3)) {
            assertEquals(new NDArray(new double[3]), a.toJava());
        }
        try (PyObject a = Python.eval("__import__('numpy').array([None, 1], dtype=object)")) {
            assertTrue(a.toJava() == a);
        }
    }

    // ---- virtualenv detection ----------------------------------------------------------

    @Test
    public void runsInTheProjectVirtualenv() {
        assertTrue(info.toString(), info.inVirtualenv());
        assertEquals(venvPython(), info.executable());
        assertEquals(Python.info().executable(), info.executable());
        assertTrue(info.prefix() + " vs " + info.basePrefix(), !info.prefix().equals(info.basePrefix()));
        assertEquals(new File(venvPython()).getParentFile().getParentFile().getAbsolutePath(), info.prefix());
    }

    @Test
    public void sysAgreesWithInfo() {
        try (PyObject sys = Python.importModule("sys")) {
            assertEquals(info.executable(), sys.getAttr("executable", String.class));
            assertEquals(info.prefix(), sys.getAttr("prefix", String.class));
            assertEquals(info.basePrefix(), sys.getAttr("base_prefix", String.class));
            assertEquals(info.version(), sys.getAttr("version", String.class));
        }
        assertEquals(info.version(), Python.eval("__import__('sys').version", String.class));
        assertEquals(info.executable(), Python.eval("__import__('sys').executable", String.class));
    }

    @Test
    public void libpythonIsLoadedByFullPath() {
        String lib = info.libpython();
        assertNotNull(lib);
        assertTrue(lib, new File(lib).isAbsolute());
        assertTrue(lib, new File(lib).exists());
        String ver = Python.eval("'%d.%d' % __import__('sys').version_info[:2]", String.class);
        assertTrue(lib + " should be libpython" + ver, new File(lib).getName().contains("python" + ver));
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class SmokeTest {
    @Test
    public void evalAndNumpy() {
        Python.initialize();
        assertEquals(Long.valueOf(3), Python.eval("1 + 2", Long.class));
        try (PyObject np = Python.importModule("numpy")) {
            assertTrue(np.getAttr("__version__", String.class).startsWith("2."));
        }
    }
}

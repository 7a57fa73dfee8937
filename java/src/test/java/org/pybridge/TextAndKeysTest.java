package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Issue 12, class 10: text and keys that Python would treat differently from
 * Java are never changed silently. Source code with a lone surrogate raises
 * as CPython does (before the fix it ran with U+FFFD in its place); a name
 * that cannot be one is an error; Java map keys equal in Python follow a
 * documented rule, or are an error with {@code strictMapKeys} ({@link TextAndKeysE2ETest}).
 */
public class TextAndKeysTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
    }

    @Test
    public void sourceCodeWithALoneSurrogateRaisesAsCPythonDoes() {
        try {
            Python.exec("x_lone = '\uD800'");
            fail("exec of source with a lone surrogate must raise");
        } catch (PythonException e) {
            assertEquals("UnicodeEncodeError", e.pythonType());
            assertTrue(e.getMessage(), e.getMessage().contains("surrogates not allowed"));
        }
        assertEquals("nothing was assigned", Boolean.FALSE, Python.eval("'x_lone' in globals()", Boolean.class));
        try {
            Python.eval("'\uDC00'");
            fail("eval of source with a lone surrogate must raise");
        } catch (PythonException e) {
            assertEquals("UnicodeEncodeError", e.pythonType());
        }
        // a lone surrogate as a value (not source) is kept, as before
        assertEquals(1L, (long) Python.builtins().getAttr("len").callAs(Long.class, "\uD800"));
        assertEquals("\uD800", Python.toPython("\uD800").toJava());
        // escapes in source are Python's business
        assertEquals("\uD800", Python.eval("'\\ud800'", String.class));
    }

    @Test
    public void aModuleNameWithALoneSurrogateIsAnError() {
        try {
            Python.importModule("js\uD800on");
            fail("import of a name with a lone surrogate must fail");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("lone surrogate"));
        }
    }

    @Test
    public void keysEqualInPythonCollapseByDefaultTheLastOneWinning() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put(1L, "long");
        m.put(1.0, "double");
        m.put(true, "boolean");
        m.put("a", "string");
        m.put('a', "char");
        PyObject d = Python.toPython(m);
        assertEquals(2L, d.len());
        assertEquals("boolean", d.getItem(1L, String.class));
        assertEquals("char", d.getItem("a", String.class));
        Set<Object> s = new LinkedHashSet<>(List.of(1L, 1.0, 2L));
        assertEquals(2L, Python.toPython(s).len());
    }
}

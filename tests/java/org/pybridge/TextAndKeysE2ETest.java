package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

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
 * documented rule, or are an error with {@code strictMapKeys}.
 */
public class TextAndKeysE2ETest {

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

    @Test
    public void strictMapKeysMakesCollidingKeysAnError() {
        ChildJvm.Result r = ChildJvm.run(StrictKeys.class, Map.of(), 90);
        E2E.assertChildOk(r, "RESULT ok strict-keys");
    }

    /** Child: strictMapKeys(true). */
    public static final class StrictKeys {
        public static void main(String[] args) {
            E2E.child("strict-keys", args, a -> {
                Python.initialize(new PythonConfig().strictMapKeys(true));
                Map<Object, Object> m = new LinkedHashMap<>();
                m.put(1L, "long");
                m.put(1.0, "double");
                IllegalArgumentException e = expect(IllegalArgumentException.class, "colliding keys",
                        () -> Python.toPython(m));
                check(e.getMessage().contains("equal") && e.getMessage().contains("strictMapKeys"),
                        "the message explains: " + e.getMessage());
                expect(IllegalArgumentException.class, "colliding set elements",
                        () -> Python.toPython(new LinkedHashSet<>(List.of(1L, 1.0))));
                PyObject len = Python.builtins().getAttr("len");
                long live = Python.stats().liveHandles();
                expect(IllegalArgumentException.class, "colliding keys nested in an argument",
                        () -> len.callAs(Long.class, List.of(m)));
                checkEq(live, Python.stats().liveHandles(), "the failed call leaked no handle");
                checkEq(2L, Python.toPython(Map.of(1L, "a", 2L, "b")).len(), "distinct keys are fine");
            });
        }
    }
}

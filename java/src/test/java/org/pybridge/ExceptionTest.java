package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/** Python exceptions as PythonException: type, message, traceback, frames, SyntaxError position, SystemExit. */
public class ExceptionTest {
    /** The code the frame tests run; line numbers below refer to it. */
    private static final String FRAMES_CODE = String.join(
            "\n",
            "def _ex_inner(x):", // line 1
            "    raise ValueError('bad value %d' % x)", // line 2
            "def _ex_middle(x):", // line 3
            "    return _ex_inner(x + 1)", // line 4
            "def _ex_outer():", // line 5
            "    return _ex_middle(1)", // line 6
            "");

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(FRAMES_CODE);
        Python.exec(String.join(
                "\n",
                "def _ex_syntax_position(src, mode):",
                "    try:",
                "        compile(src, '<exec>', mode)",
                "    except SyntaxError as e:",
                "        return [e.lineno, e.offset]",
                "    return None",
                "class _ExError(Exception):",
                "    pass",
                ""));
    }

    private static PythonException expectPython(Runnable r) {
        try {
            r.run();
        } catch (PythonException e) {
            return e;
        }
        throw new AssertionError("expected a PythonException");
    }

    // ---- type names and messages ---------------------------------------------------

    @Test
    public void jsonDecodeErrorIsQualified() {
        PythonException e = expectPython(() -> Python.importModule("json").callAttr("loads", "{bad json"));
        assertEquals("json.decoder.JSONDecodeError", e.pythonType());
        assertTrue(e.is("json.decoder.JSONDecodeError"));
        assertFalse(e.is("ValueError"));
        assertTrue(e.pythonMessage(), e.pythonMessage().startsWith("Expecting property name"));
        assertTrue(e.getMessage(), e.getMessage().contains("json.decoder.JSONDecodeError"));
        assertTrue(e.getMessage(), e.getMessage().contains(e.pythonMessage()));
        assertTrue(e instanceof PyBridgeException);
        assertTrue(e instanceof RuntimeException);
    }

    @Test
    public void valueErrorTypeAndMessage() {
        PythonException e = expectPython(() -> Python.eval("int('abc')"));
        assertEquals("ValueError", e.pythonType());
        assertEquals("invalid literal for int() with base 10: 'abc'", e.pythonMessage());
        assertEquals("ValueError: invalid literal for int() with base 10: 'abc'", e.getMessage());
        assertEquals(-1, e.line());
        assertEquals(-1, e.offset());
    }

    @Test
    public void zeroDivisionError() {
        PythonException e = expectPython(() -> Python.eval("1 / 0"));
        assertEquals("ZeroDivisionError", e.pythonType());
        assertEquals("division by zero", e.pythonMessage());
        PythonException e2 =
                expectPython(() -> Python.eval("lambda a, b: a // b").call(1, 0));
        assertEquals("ZeroDivisionError", e2.pythonType());
    }

    @Test
    public void missingModuleIsModuleNotFoundError() {
        PythonException e = expectPython(() -> Python.importModule("pybridge_no_such_module_xyz"));
        assertEquals("ModuleNotFoundError", e.pythonType());
        assertTrue(e.pythonMessage(), e.pythonMessage().contains("pybridge_no_such_module_xyz"));
        PythonException e2 = expectPython(() -> Python.importModule("json.no_such_submodule"));
        assertEquals("ModuleNotFoundError", e2.pythonType());
        // The interpreter is fine afterwards.
        assertEquals(Long.valueOf(4), Python.eval("2 + 2", Long.class));
    }

    @Test
    public void userDefinedExceptionIsQualifiedByModule() {
        PythonException e = expectPython(() -> Python.exec("raise _ExError('mine')"));
        assertEquals("__main__._ExError", e.pythonType());
        assertEquals("mine", e.pythonMessage());
    }

    @Test
    public void emptyAndUnicodeMessages() {
        PythonException e = expectPython(() -> Python.exec("raise KeyError"));
        assertEquals("KeyError", e.pythonType());
        assertEquals("", e.pythonMessage());
        assertEquals("KeyError", e.getMessage());
        PythonException u = expectPython(() -> Python.exec("raise ValueError(chr(0x4e2d) + chr(0x1F600) + chr(0xe9))"));
        assertEquals("\u4e2d\uD83D\uDE00\u00e9", u.pythonMessage());
        PythonException k = expectPython(() -> Python.eval("{}").getItem("nope"));
        assertEquals("KeyError", k.pythonType());
        assertEquals("'nope'", k.pythonMessage());
    }

    // ---- traceback and frames -------------------------------------------------------

    @Test
    public void tracebackAndFramesNamePythonFunctions() {
        PythonException e = expectPython(() -> Python.mainModule().callAttr("_ex_outer"));
        assertEquals("ValueError", e.pythonType());
        assertEquals("bad value 2", e.pythonMessage());
        String tb = e.pythonTraceback();
        assertNotNull(tb);
        assertTrue(tb, tb.contains("Traceback (most recent call last)"));
        assertTrue(tb, tb.contains("_ex_outer"));
        assertTrue(tb, tb.contains("_ex_middle"));
        assertTrue(tb, tb.contains("_ex_inner"));
        assertTrue(tb, tb.contains("ValueError: bad value 2"));
        assertTrue(tb, tb.indexOf("_ex_outer") < tb.indexOf("_ex_middle"));
        assertTrue(tb, tb.indexOf("_ex_middle") < tb.indexOf("_ex_inner"));

        List<PythonException.Frame> frames = e.pythonFrames();
        assertFalse(frames.isEmpty());
        List<String> names = new ArrayList<>();
        for (PythonException.Frame f : frames) {
            names.add(f.function);
        }
        // Outermost first, as in a Python traceback; our three functions, in order, at the end.
        assertTrue(names.toString(), names.size() >= 3);
        assertEquals(
                Arrays.asList("_ex_outer", "_ex_middle", "_ex_inner"), names.subList(names.size() - 3, names.size()));
        PythonException.Frame inner = frames.get(frames.size() - 1);
        assertEquals("<exec>", inner.file);
        assertEquals(2, inner.line);
        assertEquals(4, frames.get(frames.size() - 2).line);
        assertEquals(6, frames.get(frames.size() - 3).line);
        assertTrue(inner.toString(), inner.toString().contains("_ex_inner"));
        try {
            frames.add(inner);
            fail("frames must be unmodifiable");
        } catch (UnsupportedOperationException expected) {
            // ok
        }
    }

    @Test
    public void javaStackTraceContainsPythonFrames() {
        PythonException e = expectPython(() -> Python.mainModule().callAttr("_ex_outer"));
        StackTraceElement[] st = e.getStackTrace();
        List<String> python = new ArrayList<>();
        int firstJava = -1;
        for (int i = 0; i < st.length; i++) {
            if ("<python>".equals(st[i].getClassName())) {
                python.add(st[i].getMethodName());
                assertEquals("python frames come first", i, python.size() - 1);
            } else if (firstJava < 0) {
                firstJava = i;
            }
        }
        assertTrue(Arrays.toString(st), python.size() >= 3);
        // Innermost first, as Java prints stacks.
        assertEquals(Arrays.asList("_ex_inner", "_ex_middle", "_ex_outer"), python.subList(0, 3));
        assertEquals("<exec>", st[0].getFileName());
        assertEquals(2, st[0].getLineNumber());
        // The Java part is still there, down to this test method.
        boolean sawTest = false;
        for (StackTraceElement el : st) {
            if (el.getClassName().equals(ExceptionTest.class.getName())) {
                sawTest = true;
            }
        }
        assertTrue(sawTest);
        assertTrue(firstJava >= 3);
    }

    @Test
    public void exceptionFromEvalHasFrames() {
        PythonException e = expectPython(() -> Python.eval("_ex_inner(41)"));
        assertEquals("bad value 41", e.pythonMessage());
        List<PythonException.Frame> frames = e.pythonFrames();
        assertFalse(frames.isEmpty());
        assertEquals("_ex_inner", frames.get(frames.size() - 1).function);
        assertTrue(e.pythonTraceback().contains("Traceback (most recent call last)"));
    }

    @Test
    public void chainedExceptionTraceback() {
        PythonException e = expectPython(() -> Python.exec(String.join(
                "\n", "try:", "    {}['k']", "except KeyError as k:", "    raise RuntimeError('wrapped') from k", "")));
        assertEquals("RuntimeError", e.pythonType());
        assertEquals("wrapped", e.pythonMessage());
        String tb = e.pythonTraceback();
        assertTrue(tb, tb.contains("KeyError"));
        assertTrue(tb, tb.contains("direct cause"));
        assertTrue(tb, tb.contains("RuntimeError: wrapped"));
    }

    // ---- SyntaxError -----------------------------------------------------------------

    private static void assertSyntaxPosition(String src, String mode, PythonException e) {
        @SuppressWarnings("unchecked")
        List<Object> pos = Python.mainModule().getAttr("_ex_syntax_position").callAs(List.class, src, mode);
        assertNotNull("the code should not compile: " + src, pos);
        assertEquals("line of " + src, ((Long) pos.get(0)).intValue(), e.line());
        assertEquals("offset of " + src, ((Long) pos.get(1)).intValue(), e.offset());
    }

    @Test
    public void syntaxErrorFromExecCarriesLineAndOffset() {
        String src = "x = 1\nif x == 1\n    y = 2\n";
        PythonException e = expectPython(() -> Python.exec(src));
        assertEquals("SyntaxError", e.pythonType());
        assertEquals(2, e.line());
        assertTrue("offset " + e.offset(), e.offset() > 0);
        assertSyntaxPosition(src, "exec", e);
        assertTrue(e.pythonTraceback(), e.pythonTraceback().contains("SyntaxError"));

        String src2 = "a = 1\nb = 2\nc = a +* b\n";
        PythonException e2 = expectPython(() -> Python.exec(src2));
        assertEquals("SyntaxError", e2.pythonType());
        assertEquals(3, e2.line());
        assertTrue("offset " + e2.offset(), e2.offset() >= 7 && e2.offset() <= 9);
        assertSyntaxPosition(src2, "exec", e2);
    }

    @Test
    public void syntaxErrorFromEval() {
        PythonException e = expectPython(() -> Python.eval("1 +"));
        assertEquals("SyntaxError", e.pythonType());
        assertEquals(1, e.line());
        assertSyntaxPosition("1 +", "eval", e);
        // A statement is not an expression.
        PythonException e2 = expectPython(() -> Python.eval("x = 1"));
        assertEquals("SyntaxError", e2.pythonType());
    }

    @Test
    public void indentationErrorIsASyntaxErrorWithPosition() {
        String src = "def f():\nreturn 1\n";
        PythonException e = expectPython(() -> Python.exec(src));
        assertEquals("IndentationError", e.pythonType());
        assertEquals(2, e.line());
        assertSyntaxPosition(src, "exec", e);
    }

    @Test
    public void badCodeChangesNothing() {
        Python.exec("_ex_untouched = 'before'");
        expectPython(() -> Python.exec("_ex_untouched = 'after'\nif (\n"));
        assertEquals("before", Python.eval("_ex_untouched", String.class));
    }

    // ---- SystemExit -------------------------------------------------------------------

    @Test
    public void systemExitWithCodeIsAPythonException() {
        PythonException e = expectPython(() -> Python.exec("raise SystemExit(3)"));
        assertEquals("SystemExit", e.pythonType());
        assertEquals("3", e.pythonMessage());
        // The JVM (and the interpreter) continue.
        assertEquals(Long.valueOf(2), Python.eval("1 + 1", Long.class));
    }

    @Test
    public void sysExitZeroIsAPythonException() {
        PythonException e = expectPython(() -> Python.exec("import sys\nsys.exit(0)"));
        assertEquals("SystemExit", e.pythonType());
        assertEquals("0", e.pythonMessage());
        assertEquals(Long.valueOf(2), Python.eval("1 + 1", Long.class));
        PythonException e2 = expectPython(() -> Python.exec("import sys\nsys.exit()"));
        assertEquals("SystemExit", e2.pythonType());
        assertEquals("", e2.pythonMessage());
        PythonException e3 = expectPython(() -> Python.importModule("sys").callAttr("exit", "bye"));
        assertEquals("SystemExit", e3.pythonType());
        assertEquals("bye", e3.pythonMessage());
        PythonException e4 = expectPython(() -> Python.eval("exit").call(7));
        assertEquals("SystemExit", e4.pythonType());
        assertEquals(Long.valueOf(10), Python.eval("sum(range(5))", Long.class));
    }

    @Test
    public void systemExitInsideAFunctionCallAs() {
        PythonException e = expectPython(() ->
                Python.eval("lambda: (_ for _ in ()).throw(SystemExit(5))").callAs(Long.class));
        assertEquals("SystemExit", e.pythonType());
        assertEquals("5", e.pythonMessage());
        assertEquals("ok", Python.eval("'ok'", String.class));
    }

    // ---- nothing changes -------------------------------------------------------------

    @Test
    public void failedOperationsLeaveStateUnchanged() {
        Python.exec(String.join(
                "\n",
                "class _ExGuarded(dict):",
                "    def __setitem__(self, k, v):",
                "        if k == 'bad':",
                "            raise ValueError('refused')",
                "        dict.__setitem__(self, k, v)",
                "_ex_guarded = _ExGuarded(a=1)",
                ""));
        try (PyObject g = Python.eval("_ex_guarded")) {
            PythonException e = expectPython(() -> g.setItem("bad", 2));
            assertEquals("ValueError", e.pythonType());
            assertEquals("refused", e.pythonMessage());
            assertEquals(Collections.singletonMap("a", 1L), g.toJava());
            g.setItem("good", 3);
            assertEquals(2, g.len());
        }
        try (PyObject d = Python.eval("{'x': 1}")) {
            expectPython(() -> d.setItem(Collections.singletonList(1), 2)); // unhashable list key
            assertEquals(Collections.singletonMap("x", 1L), d.toJava());
            expectPython(() -> d.delItem("nope"));
            assertEquals(Collections.singletonMap("x", 1L), d.toJava());
            expectPython(() -> d.callAttr("update", 5));
            assertEquals(Collections.singletonMap("x", 1L), d.toJava());
        }
    }

    @Test
    public void pythonExceptionInReprOrStr() {
        Python.exec("class _ExBadRepr:\n    def __repr__(self):\n        raise RuntimeError('no repr')\n"
                + "    def __str__(self):\n        raise RuntimeError('no str')\n");
        try (PyObject o = Python.eval("_ExBadRepr()")) {
            PythonException e = expectPython(o::repr);
            assertEquals("RuntimeError", e.pythonType());
            assertEquals("no repr", e.pythonMessage());
            assertEquals("__main__._ExBadRepr", o.typeName());
        }
    }

    @Test
    public void exceptionWhoseStrFails() {
        Python.exec("class _ExNoStr(Exception):\n    def __str__(self):\n        raise RuntimeError('nope')\n");
        PythonException e = expectPython(() -> Python.exec("raise _ExNoStr()"));
        assertEquals("__main__._ExNoStr", e.pythonType());
        assertNotNull(e.pythonMessage());
        assertNotNull(e.pythonTraceback());
        assertEquals(Long.valueOf(1), Python.eval("1", Long.class));
    }

    @Test
    public void baseExceptionsOtherThanSystemExit() {
        PythonException e = expectPython(() -> Python.exec("raise KeyboardInterrupt('ki')"));
        assertEquals("KeyboardInterrupt", e.pythonType());
        assertEquals("ki", e.pythonMessage());
        PythonException g = expectPython(() -> Python.exec("raise GeneratorExit"));
        assertEquals("GeneratorExit", g.pythonType());
        assertEquals(Long.valueOf(1), Python.eval("1", Long.class));
    }

    @Test
    public void manyExceptionsInARowKeepTheInterpreterHealthy() {
        for (int i = 0; i < 200; i++) {
            final int n = i;
            PythonException e = expectPython(() -> Python.eval("1 // (" + n + " - " + n + ")"));
            assertEquals("ZeroDivisionError", e.pythonType());
        }
        Map<?, ?> m = Python.eval("{'ok': True}", Map.class);
        assertEquals(Boolean.TRUE, m.get("ok"));
    }
}

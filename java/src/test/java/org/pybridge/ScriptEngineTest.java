package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.script.Bindings;
import javax.script.Compilable;
import javax.script.CompiledScript;
import javax.script.Invocable;
import javax.script.ScriptContext;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineFactory;
import javax.script.ScriptEngineManager;
import javax.script.ScriptException;
import javax.script.SimpleBindings;
import javax.script.SimpleScriptContext;
import org.junit.Test;

/**
 * The JSR-223 engine as a host that only knows {@code javax.script} sees it:
 * everything goes through {@link ScriptEngineManager} and the
 * {@code javax.script} interfaces.
 */
public class ScriptEngineTest {

    private static ScriptEngine engine() {
        ScriptEngine e = new ScriptEngineManager().getEngineByName("python");
        assertNotNull("ScriptEngineManager finds no engine named python", e);
        return e;
    }

    /** A Java interface a script implements (getInterface). */
    public interface Greeter {
        String greet(String name);

        long count();
    }

    @Test
    public void foundByNamesExtensionAndMimeType() {
        ScriptEngineManager m = new ScriptEngineManager();
        for (String name : Arrays.asList("python", "python3", "pybridge")) {
            ScriptEngine e = m.getEngineByName(name);
            assertNotNull(name, e);
            assertTrue(e instanceof Invocable && e instanceof Compilable);
        }
        assertNotNull(m.getEngineByExtension("py"));
        assertNotNull(m.getEngineByMimeType("text/x-python"));
        ScriptEngineFactory f = m.getEngineByName("python").getFactory();
        assertEquals("MULTITHREADED", f.getParameter("THREADING"));
        assertEquals("python", f.getLanguageName());
        assertTrue(f.getLanguageVersion(), f.getLanguageVersion().startsWith("3."));
        assertTrue(f.getExtensions().contains("py"));
        assertEquals("false", f.getParameter(PyScriptEngineFactory.ISOLATED));
        assertEquals("obj.m(a, b)", f.getMethodCallSyntax("obj", "m", "a", "b"));
    }

    @Test
    public void outputStatementAndProgramRun() throws Exception {
        ScriptEngine e = engine();
        ScriptEngineFactory f = e.getFactory();
        StringWriter out = new StringWriter();
        e.getContext().setWriter(out);
        e.eval(f.getProgram(f.getOutputStatement("say \"hi\"\n\\ok"), "x = 1"));
        assertEquals("say \"hi\"\n\\ok\n", out.toString());
    }

    @Test
    public void evalGivesTheValueOfAFinalExpression() throws Exception {
        ScriptEngine e = engine();
        assertEquals(42L, e.eval("6 * 7"));
        assertEquals(6765L, e.eval("def fib(k):\n    return k if k < 2 else fib(k - 1) + fib(k - 2)\nfib(20)"));
        assertNull(e.eval("y = 3"));
        assertEquals(Arrays.asList(1L, 2L), e.eval("[1, 2]"));
        assertEquals("abc", e.eval("'ab' + 'c'"));
        Object obj = e.eval("class P:\n    pass\nP()");
        assertTrue(obj instanceof PyObject);
    }

    @Test
    public void bindingsAreTheNamespaceAndConvert() throws Exception {
        ScriptEngine e = engine();
        e.put("xs", Arrays.asList(3, 1, 2));
        e.put("m", Map.of("k", 1));
        assertEquals("list dict", e.eval("type(xs).__name__ + ' ' + type(m).__name__"));
        e.eval("total = sum(xs)\nd = {'a': [1, 2]}");
        assertEquals(6L, e.get("total"));
        assertEquals(Map.of("a", Arrays.asList(1L, 2L)), e.get("d"));
        Bindings b = e.getBindings(ScriptContext.ENGINE_SCOPE);
        assertTrue(b.containsKey("total"));
        assertFalse(b.containsKey("nothing"));
        assertEquals(6L, b.remove("total"));
        assertFalse(b.containsKey("total"));
        assertTrue(b.keySet().contains("xs"));
        try {
            b.put("", 1);
            fail("an empty key");
        } catch (IllegalArgumentException expected) {
            // the javax.script contract
        }
    }

    @Test
    public void eachContextHasItsOwnNamespaceAndTheGlobalScopeIsSeen() throws Exception {
        ScriptEngineManager m = new ScriptEngineManager();
        m.put("shared", 10);
        ScriptEngine e = m.getEngineByName("python");
        e.eval("x = shared + 1");
        assertEquals(11L, e.get("x"));
        ScriptContext other = new SimpleScriptContext();
        other.setBindings(e.createBindings(), ScriptContext.ENGINE_SCOPE);
        other.setBindings(m.getBindings(), ScriptContext.GLOBAL_SCOPE);
        try {
            e.eval("x", other);
            fail("x is not defined in the other context");
        } catch (ScriptException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("NameError"));
        }
        e.eval("shared = 1", other); // the engine scope wins over the global scope
        assertEquals(2L, e.eval("shared + 1", other));
        assertEquals(11L, e.eval("shared + 1"));
        assertEquals(10, m.get("shared")); // the global scope is unchanged
    }

    @Test
    public void hostBindingsAreCopiedInAndBack() throws Exception {
        ScriptEngine e = engine();
        Bindings host = new SimpleBindings();
        host.put("a", 20);
        assertEquals(22L, e.eval("b = a + 2\nb", host));
        assertEquals(22L, host.get("b"));
        host.put("a", 1);
        assertEquals(3L, e.eval("a + 2", host));
        e.eval("def f():\n    return 'kept'", host);
        assertEquals("kept", e.eval("f()", host));
    }

    @Test
    public void theContextsWritersAreStdoutAndStderr() throws Exception {
        ScriptEngine e = engine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ScriptContext c = e.getContext();
        c.setWriter(out);
        c.setErrorWriter(err);
        e.eval("import sys\nprint('hello', 1)\nprint('oops', file=sys.stderr)\nsys.stdout.write('x')");
        assertEquals("hello 1\nx", out.toString());
        assertEquals("oops\n", err.toString());
    }

    @Test
    public void errorsAreScriptExceptionsWithFileAndLine() throws Exception {
        ScriptEngine e = engine();
        e.put(ScriptEngine.FILENAME, "rules.py");
        try {
            e.eval("a = 1\nb = 2\nraise ValueError('bad rule')\n");
            fail("no exception");
        } catch (ScriptException se) {
            assertEquals("rules.py", se.getFileName());
            assertEquals(3, se.getLineNumber());
            assertTrue(se.getMessage(), se.getMessage().contains("ValueError: bad rule"));
            assertTrue(se.getCause() instanceof PythonException);
        }
        try {
            e.eval("x = 1\ny = (\n");
            fail("no syntax error");
        } catch (ScriptException se) {
            assertEquals("rules.py", se.getFileName());
            assertTrue(se.getMessage(), se.getMessage().contains("SyntaxError"));
            assertTrue(String.valueOf(se.getLineNumber()), se.getLineNumber() >= 2);
        }
        e.eval("def g(n):\n    return 10 // n\n");
        try {
            ((Invocable) e).invokeFunction("g", 0);
            fail("no exception");
        } catch (ScriptException se) {
            assertEquals("rules.py", se.getFileName());
            assertEquals(2, se.getLineNumber());
        }
    }

    @Test
    public void invocable() throws Exception {
        ScriptEngine e = engine();
        e.eval("def add(a, b):\n    return a + b\n"
                + "n = 0\n"
                + "def greet(name):\n    global n\n    n += 1\n    return 'hello ' + name\n"
                + "def count():\n    return n\n"
                + "class Acc:\n    def __init__(self):\n        self.v = 0\n"
                + "    def add(self, x):\n        self.v += x\n        return self.v\n"
                + "    def greet(self, name):\n        return 'hi ' + name\n"
                + "    def count(self):\n        return self.v\n");
        Invocable inv = (Invocable) e;
        assertEquals(5L, inv.invokeFunction("add", 2, 3));
        assertEquals("ab", inv.invokeFunction("add", "a", "b"));
        try {
            inv.invokeFunction("missing", 1);
            fail("no NoSuchMethodException");
        } catch (NoSuchMethodException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("missing"));
        }
        Object acc = e.eval("Acc()");
        assertEquals(4L, inv.invokeMethod(acc, "add", 4));
        assertEquals(7L, inv.invokeMethod(acc, "add", 3));
        try {
            inv.invokeMethod(acc, "nope");
            fail("no NoSuchMethodException");
        } catch (NoSuchMethodException expected) {
            // Acc has no method nope
        }
        Greeter g = inv.getInterface(Greeter.class);
        assertEquals("hello Ann", g.greet("Ann"));
        assertEquals(1L, g.count());
        e.eval("def greet(name):\n    return 'redefined ' + name");
        assertEquals("redefined Bo", g.greet("Bo"));
        Greeter viaObject = inv.getInterface(acc, Greeter.class);
        assertEquals("hi Cy", viaObject.greet("Cy"));
        assertEquals(7L, viaObject.count());
        assertNull("Runnable has run(), the script has none", inv.getInterface(Runnable.class));
    }

    @Test
    public void compiledOnceEvaluatedMany() throws Exception {
        ScriptEngine e = engine();
        CompiledScript c = ((Compilable) e).compile("calls = globals().get('calls', 0) + 1\nx * 2");
        for (int i = 0; i < 5; i++) {
            Bindings b = e.createBindings();
            b.put("x", i);
            assertEquals((long) (2 * i), c.eval(b));
        }
        e.put("x", 21);
        assertEquals(42L, c.eval());
        assertEquals(42L, c.eval());
        assertEquals(2L, e.get("calls"));
        assertSame(e, c.getEngine());
        try {
            ((Compilable) e).compile("def (");
            fail("no syntax error");
        } catch (ScriptException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("SyntaxError"));
        }
    }

    @Test
    public void manyThreadsOneEngine() throws Exception {
        ScriptEngine e = engine();
        e.eval("def sq(x):\n    return x * x");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Object>> fs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                final int k = i;
                fs.add(pool.submit(() -> ((Invocable) e).invokeFunction("sq", k)));
            }
            for (int i = 0; i < 200; i++) {
                assertEquals((long) i * i, fs.get(i).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    public void anEnginePerSubInterpreter() throws Exception {
        ScriptEngineManager m = new ScriptEngineManager();
        ScriptEngine shared = m.getEngineByName("python");
        ScriptEngine own = m.getEngineByName("python-isolated");
        assertNotNull(own);
        assertEquals("true", own.getFactory().getParameter(PyScriptEngineFactory.ISOLATED));
        assertEquals("MULTITHREADED", own.getFactory().getParameter("THREADING"));
        try (AutoCloseable c = (AutoCloseable) own) {
            own.eval("import json\njson.marker = 'own'\ndef f(x):\n    return x + 1");
            assertEquals(false, shared.eval("import json\nhasattr(json, 'marker')"));
            assertEquals("own", own.eval("json.marker"));
            assertEquals(3L, ((Invocable) own).invokeFunction("f", 2));
            Object mainId = shared.eval("import _xxsubinterpreters as s\nint(s.get_current())");
            Object ownId = own.eval("import _xxsubinterpreters as s\nint(s.get_current())");
            assertFalse(mainId.equals(ownId));
            StringWriter out = new StringWriter();
            own.getContext().setWriter(out);
            own.eval("print('from the sub-interpreter')");
            assertEquals("from the sub-interpreter\n", out.toString());
            Greeter g = ((Invocable) own).getInterface(Greeter.class);
            assertNull(g); // no greet/count defined
            own.eval("def greet(n):\n    return n\ndef count():\n    return 9");
            Greeter g2 = ((Invocable) own).getInterface(Greeter.class);
            assertEquals(9L, g2.count());
        }
        assertTrue(((PyScriptEngine) own).interpreter().isClosed());
    }
}

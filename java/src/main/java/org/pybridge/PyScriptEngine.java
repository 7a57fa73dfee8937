package org.pybridge;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import javax.script.AbstractScriptEngine;
import javax.script.Bindings;
import javax.script.Compilable;
import javax.script.CompiledScript;
import javax.script.Invocable;
import javax.script.ScriptContext;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineFactory;
import javax.script.ScriptException;

/**
 * A JSR-223 engine running Python with pybridge: made by
 * {@link PyScriptEngineFactory} (what {@code ScriptEngineManager} finds as
 * {@code "python"}), or directly.
 *
 * <pre>{@code
 * ScriptEngine py = new ScriptEngineManager().getEngineByName("python");
 * py.put("items", List.of(3, 1, 2));
 * py.eval("total = sum(items)\ndef double(x):\n    return 2 * x");
 * long total = (Long) py.get("total");                                  // 6
 * Object four = ((Invocable) py).invokeFunction("double", 2);           // 4L
 * CompiledScript c = ((Compilable) py).compile("total * 10");
 * Object sixty = c.eval();                                              // 60L
 * }</pre>
 *
 * <ul>
 * <li><b>eval</b> runs statements; when the script's last statement is an
 * expression, its value is the result (else {@code null}), converted as
 * {@link PyObject#toJava()} converts (objects with no Java counterpart stay
 * {@link PyObject}s).
 * <li><b>Bindings</b>: the engine scope of each {@code ScriptContext} is the
 * globals of a Python namespace of its own (running as {@code __main__}).
 * Bindings made by {@link #createBindings()} are that namespace itself:
 * {@code put} converts with {@link Python#toPython}, {@code get} with
 * {@link PyObject#toJava()}. Other {@code Bindings} (a host's
 * {@code SimpleBindings}) are copied into the namespace before each eval and
 * the names the script defined are copied back after it. Names of the
 * global scope are seen by scripts the way builtins are: after the engine
 * scope's own names.
 * <li><b>Output</b>: while a script runs, what it prints on that thread goes
 * to the context's {@code getWriter()} and {@code getErrorWriter()} (other
 * threads keep their streams); both are flushed when the eval returns.
 * <li><b>Errors</b> are {@link ScriptException}s with the script's file name
 * ({@code ScriptEngine.FILENAME}, default {@code <script>}) and line; the
 * {@link PythonException} is the cause.
 * <li>{@link Invocable}: {@code invokeFunction} calls a function the script
 * defined, {@code invokeMethod} a method of a Python object an eval
 * returned, {@code getInterface} implements a Java interface with the
 * script's functions (or an object's methods); a name that is not there is
 * a {@link NoSuchMethodException} ({@code getInterface}: {@code null}).
 * <li>{@link Compilable}: {@code compile} parses and compiles once; each
 * {@code eval} of the {@link CompiledScript} runs the code objects.
 * </ul>
 *
 * <p>An engine of {@link PyScriptEngineFactory.Isolated} runs everything in a
 * sub-interpreter of its own (its objects never leave it); {@link #close()}
 * ends it. Engines of the plain factory share the main interpreter and
 * {@code close()} does nothing.
 */
public final class PyScriptEngine extends AbstractScriptEngine implements Invocable, Compilable, AutoCloseable {
    private static final String DEFAULT_FILE = "<script>";

    private final PyScriptEngineFactory factory;
    /** The sub-interpreter of an isolated engine, else null (the main interpreter). */
    private final Interpreter interpreter;
    /** Namespaces of Bindings pybridge did not make, per Bindings object. */
    private final Map<Bindings, PyObject> foreign = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * An engine of {@code factory} (a sub-interpreter of its own when the
     * factory is {@link PyScriptEngineFactory.Isolated}); starts Python if
     * needed.
     *
     * @param factory the factory reported by {@link #getFactory()}
     */
    public PyScriptEngine(PyScriptEngineFactory factory) {
        this.factory = factory;
        if (!Python.isInitialized()) {
            Python.initialize();
        }
        if (factory.isolated()) {
            String[] v = Python.info().version().split("[. ]");
            int minor = Integer.parseInt(v[1]);
            boolean own = Integer.parseInt(v[0]) > 3 || minor >= 12; // own GIL: Python 3.12+ (PEP 684)
            this.interpreter = Python.newInterpreter(own ? InterpreterConfig.isolated() : InterpreterConfig.shared());
        } else {
            this.interpreter = null;
        }
        setBindings(createBindings(), ScriptContext.ENGINE_SCOPE);
    }

    /**
     * The interpreter this engine runs in: its own sub-interpreter (an engine of
     * {@link PyScriptEngineFactory.Isolated}), else the main interpreter.
     *
     * @return the engine's interpreter
     */
    public Interpreter interpreter() {
        return interpreter != null ? interpreter : Interpreter.main();
    }

    private <T> T in(Callable<T> body) {
        if (interpreter != null) {
            return interpreter.call(body);
        }
        try {
            return body.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new PyBridgeException(e.toString(), e);
        }
    }

    static PyObject helper(String name) {
        return PyResources.function("jsr223", name);
    }

    @Override
    public Bindings createBindings() {
        PyObject g = in(() -> Lifetimes.unscoped(() -> helper("new_globals").call()));
        return new PyBindings(this, g);
    }

    @Override
    public ScriptEngineFactory getFactory() {
        return factory;
    }

    // ---- eval ------------------------------------------------------------------------

    @Override
    public Object eval(String script, ScriptContext context) throws ScriptException {
        return run(script, null, context);
    }

    @Override
    public Object eval(Reader reader, ScriptContext context) throws ScriptException {
        return eval(readAll(reader), context);
    }

    private static String readAll(Reader reader) throws ScriptException {
        StringBuilder b = new StringBuilder();
        char[] buf = new char[8192];
        try {
            int n;
            while ((n = reader.read(buf)) > 0) {
                b.append(buf, 0, n);
            }
        } catch (IOException e) {
            ScriptException se = new ScriptException("cannot read the script: " + e);
            se.initCause(e);
            throw se;
        }
        return b.toString();
    }

    private static String fileName(ScriptContext context) {
        Object f = context.getAttribute(ScriptEngine.FILENAME);
        return f != null ? f.toString() : DEFAULT_FILE;
    }

    /** Runs source (or code compiled by {@link #compile}) in the context's namespace. */
    Object run(String source, PyObject compiled, ScriptContext context) throws ScriptException {
        String file = compiled != null ? null : fileName(context);
        try {
            return in(() -> {
                {
                    Bindings engineScope = context.getBindings(ScriptContext.ENGINE_SCOPE);
                    Bindings globalScope = context.getBindings(ScriptContext.GLOBAL_SCOPE);
                    PyObject g = namespace(engineScope);
                    boolean copied = !(engineScope instanceof PyBindings && ((PyBindings) engineScope).owner == this);
                    if (copied && engineScope != null) {
                        for (Map.Entry<String, Object> e : engineScope.entrySet()) {
                            g.setItem(e.getKey(), e.getValue());
                        }
                    }
                    PyObject saved = globalsAsBuiltins(g, globalScope);
                    Writer out = context.getWriter();
                    Writer err = context.getErrorWriter();
                    Object result;
                    try {
                        Object outFn = out == null ? null : (Consumer<String>) s -> write(out, s);
                        Object errFn = err == null ? null : (Consumer<String>) s -> write(err, s);
                        if (compiled != null) {
                            result = helper("run").callWith(Conversion.DEEP, null, compiled, g, outFn, errFn);
                        } else {
                            result = helper("eval_source")
                                    .callWith(Conversion.DEEP, null, source, file, g, outFn, errFn);
                        }
                    } finally {
                        if (saved != null) {
                            g.setItem("__builtins__", saved);
                            saved.close();
                        }
                        flush(out);
                        flush(err);
                    }
                    if (copied && engineScope != null) {
                        for (Object name : helper("user_names").callAs(List.class, g)) {
                            String n = (String) name;
                            engineScope.put(n, g.getItem(n, Conversion.DEEP));
                        }
                    }
                    return result;
                }
            });
        } catch (PythonException e) {
            throw scriptException(e, compiled != null ? null : file);
        }
    }

    /**
     * The global scope's names made visible to the script after its own:
     * {@code __builtins__} replaced by builtins plus those names for the
     * eval. Returns what to restore, or null when nothing was replaced.
     */
    private static PyObject globalsAsBuiltins(PyObject g, Bindings globalScope) {
        if (globalScope == null || globalScope.isEmpty()) {
            return null;
        }
        PyObject saved = g.getItem("__builtins__");
        try (PyObject b = Python.builtins().callAttr("dict", Python.builtins().getAttr("__dict__"))) {
            for (Map.Entry<String, Object> e : globalScope.entrySet()) {
                b.setItem(e.getKey(), e.getValue());
            }
            g.setItem("__builtins__", b);
        }
        return saved;
    }

    private static void write(Writer w, String s) {
        try {
            w.write(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void flush(Writer w) {
        if (w != null) {
            try {
                w.flush();
            } catch (IOException ignored) {
                // output already written; a writer that cannot flush is the host's concern
            }
        }
    }

    /** The namespace (globals dict) of an engine scope. */
    PyObject namespace(Bindings b) {
        if (b instanceof PyBindings && ((PyBindings) b).owner == this) {
            return ((PyBindings) b).globals;
        }
        if (b == null) {
            b = getBindings(ScriptContext.ENGINE_SCOPE);
            if (b instanceof PyBindings && ((PyBindings) b).owner == this) {
                return ((PyBindings) b).globals;
            }
        }
        synchronized (foreign) {
            PyObject g = foreign.get(b);
            if (g == null) {
                g = Lifetimes.unscoped(() -> helper("new_globals").call());
                foreign.put(b, g);
            }
            return g;
        }
    }

    static ScriptException scriptException(PythonException e, String file) {
        int line = e.line();
        int column = e.offset();
        String where = file;
        if (line < 0) {
            List<PythonException.Frame> frames = e.pythonFrames();
            for (int i = frames.size() - 1; i >= 0; i--) {
                PythonException.Frame f = frames.get(i);
                if (file == null ? !f.file.startsWith("pybridge/") : f.file.equals(file)) {
                    line = f.line;
                    where = f.file;
                    break;
                }
            }
        }
        ScriptException se = new ScriptException(e.getMessage(), where, line, column);
        se.initCause(e);
        return se;
    }

    // ---- Compilable ------------------------------------------------------------------

    @Override
    public CompiledScript compile(String script) throws ScriptException {
        String file = fileName(context);
        try {
            PyObject code =
                    in(() -> Lifetimes.unscoped(() -> helper("compile_script").call(script, file)));
            return new Compiled(code);
        } catch (PythonException e) {
            throw scriptException(e, file);
        }
    }

    @Override
    public CompiledScript compile(Reader script) throws ScriptException {
        return compile(readAll(script));
    }

    private final class Compiled extends CompiledScript {
        private final PyObject code;

        Compiled(PyObject code) {
            this.code = code;
        }

        @Override
        public Object eval(ScriptContext context) throws ScriptException {
            return run(null, code, context);
        }

        @Override
        public ScriptEngine getEngine() {
            return PyScriptEngine.this;
        }
    }

    // ---- Invocable -------------------------------------------------------------------

    @Override
    public Object invokeFunction(String name, Object... args) throws ScriptException, NoSuchMethodException {
        if (name == null) {
            throw new NullPointerException("name");
        }
        Object[] all = new Object[(args == null ? 0 : args.length) + 2];
        if (args != null) {
            System.arraycopy(args, 0, all, 2, args.length);
        }
        all[1] = name;
        return invoke("invoke", all, name);
    }

    @Override
    public Object invokeMethod(Object thiz, String name, Object... args) throws ScriptException, NoSuchMethodException {
        if (name == null) {
            throw new NullPointerException("name");
        }
        if (!(thiz instanceof PyObject)) {
            throw new IllegalArgumentException("invokeMethod needs a Python object (a PyObject an eval returned),"
                    + " not " + (thiz == null ? "null" : thiz.getClass().getName()));
        }
        Object[] all = new Object[(args == null ? 0 : args.length) + 2];
        if (args != null) {
            System.arraycopy(args, 0, all, 2, args.length);
        }
        all[0] = thiz;
        all[1] = name;
        return invoke("invoke_method", all, name);
    }

    /** The jsr223.py helpers invoke and invoke_method of this engine's interpreter, looked up once. */
    private volatile PyObject invokeFn;

    private volatile PyObject invokeMethodFn;

    private PyObject invoker(String helper) {
        boolean method = helper.equals("invoke_method");
        PyObject f = method ? invokeMethodFn : invokeFn;
        if (f == null) {
            f = PyResources.function("jsr223", helper);
            if (method) {
                invokeMethodFn = f;
            } else {
                invokeFn = f;
            }
        }
        return f;
    }

    private Object invokeHere(String helper, Object[] all) {
        if (all[0] == null) {
            all[0] = namespace(context.getBindings(ScriptContext.ENGINE_SCOPE));
        }
        return invoker(helper).callWith(Conversion.DEEP, null, all);
    }

    private Object invoke(String helper, Object[] all, String name) throws ScriptException, NoSuchMethodException {
        try {
            return interpreter == null ? invokeHere(helper, all) : in(() -> invokeHere(helper, all));
        } catch (PythonException e) {
            if (e.pythonType().endsWith("NoSuchFunction")) {
                NoSuchMethodException n = new NoSuchMethodException(e.pythonMessage());
                n.initCause(e);
                throw n;
            }
            throw scriptException(e, null);
        }
    }

    @Override
    public <T> T getInterface(Class<T> iface) {
        return implement(null, iface);
    }

    @Override
    public <T> T getInterface(Object thiz, Class<T> iface) {
        if (!(thiz instanceof PyObject)) {
            throw new IllegalArgumentException("getInterface needs a Python object (a PyObject an eval returned),"
                    + " not " + (thiz == null ? "null" : thiz.getClass().getName()));
        }
        return implement((PyObject) thiz, iface);
    }

    private <T> T implement(PyObject thiz, Class<T> iface) {
        if (iface == null || !iface.isInterface()) {
            throw new IllegalArgumentException("getInterface needs an interface, not " + iface);
        }
        List<String> names = new ArrayList<>();
        for (Method m : iface.getMethods()) {
            if (Modifier.isAbstract(m.getModifiers())) {
                names.add(m.getName());
            }
        }
        T impl = in(() -> Lifetimes.unscoped(() -> {
            PyObject target;
            if (thiz == null) {
                PyObject g = namespace(context.getBindings(ScriptContext.ENGINE_SCOPE));
                if (!helper("defines_all").callAs(Boolean.class, g, names, true)) {
                    return null;
                }
                target = helper("Functions").call(g);
            } else {
                if (!helper("defines_all").callAs(Boolean.class, thiz, names, false)) {
                    return null;
                }
                target = thiz;
            }
            return target.as(iface);
        }));
        if (impl == null || interpreter == null) {
            return impl;
        }
        // Calls from any thread run in this engine's sub-interpreter.
        InvocationHandler h = (proxy, method, args) -> {
            try {
                return interpreter.call(() -> {
                    try {
                        return method.invoke(impl, args);
                    } catch (InvocationTargetException e) {
                        Throwable c = e.getCause();
                        if (c instanceof Exception) {
                            throw (Exception) c;
                        }
                        throw (Error) c;
                    }
                });
            } catch (PyBridgeException e) {
                throw e;
            }
        };
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, h));
    }

    /** Ends this engine's sub-interpreter (an engine of {@link PyScriptEngineFactory.Isolated}); else nothing. */
    @Override
    public void close() {
        if (interpreter != null) {
            interpreter.close();
        }
    }

    // ---- Bindings --------------------------------------------------------------------

    /**
     * Bindings that are a Python namespace: {@code put} converts with
     * {@link Python#toPython}, {@code get} with {@link PyObject#toJava()};
     * {@code keySet}/{@code entrySet}/{@code values} are snapshots.
     */
    static final class PyBindings extends AbstractMap<String, Object> implements Bindings {
        final PyScriptEngine owner;
        final PyObject globals;

        PyBindings(PyScriptEngine owner, PyObject globals) {
            this.owner = owner;
            this.globals = globals;
        }

        private static String check(Object key) {
            if (key == null) {
                throw new NullPointerException("a Bindings key is never null");
            }
            if (!(key instanceof String)) {
                throw new ClassCastException(
                        "a Bindings key is a String, not " + key.getClass().getName());
            }
            if (((String) key).isEmpty()) {
                throw new IllegalArgumentException("a Bindings key is never empty");
            }
            return (String) key;
        }

        @Override
        public Object put(String name, Object value) {
            String k = check(name);
            return owner.in(() -> {
                Object old = globals.contains(k) ? globals.getItem(k, Conversion.DEEP) : null;
                globals.setItem(k, value);
                return old;
            });
        }

        @Override
        public void putAll(Map<? extends String, ? extends Object> toMerge) {
            for (Map.Entry<? extends String, ? extends Object> e : toMerge.entrySet()) {
                put(e.getKey(), e.getValue());
            }
        }

        @Override
        public boolean containsKey(Object key) {
            String k = check(key);
            return owner.in(() -> globals.contains(k));
        }

        @Override
        public Object get(Object key) {
            String k = check(key);
            return owner.in(() -> globals.contains(k) ? globals.getItem(k, Conversion.DEEP) : null);
        }

        @Override
        public Object remove(Object key) {
            String k = check(key);
            return owner.in(() -> {
                if (!globals.contains(k)) {
                    return null;
                }
                Object old = globals.getItem(k, Conversion.DEEP);
                globals.delItem(k);
                return old;
            });
        }

        @Override
        public int size() {
            return owner.in(() -> (int) globals.len());
        }

        @Override
        public void clear() {
            owner.in(() -> {
                globals.callAttr("clear").close();
                globals.setItem("__builtins__", Python.builtins());
                globals.setItem("__name__", "__main__");
                return null;
            });
        }

        @Override
        public Set<Map.Entry<String, Object>> entrySet() {
            Map<String, Object> copy = owner.in(() -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (Object k : Support.fn("keys").callAs(List.class, globals)) {
                    if (k instanceof String) {
                        m.put((String) k, globals.getItem(k, Conversion.DEEP));
                    }
                }
                return m;
            });
            return Collections.unmodifiableMap(copy).entrySet();
        }
    }
}

package org.pybridge;

/**
 * A fresh Python namespace (a globals dict with its own builtins): two
 * components of one JVM can run code without trampling each other's names,
 * without sub-interpreters (which break numpy). Made by
 * {@link Python#newNamespace()}; {@link #close()} releases the dict and so
 * whatever only it referenced. Its lifetime is not tied to any
 * {@link ResourceScope}.
 *
 * <pre>{@code
 * try (PyNamespace ns = Python.newNamespace()) {
 *     ns.exec("x = 40");
 *     long y = ns.eval("x + 2", Long.class);   // 42; __main__ has no x
 * }
 * }</pre>
 */
public final class PyNamespace implements AutoCloseable {
    private final PyObject globals;

    PyNamespace(PyObject globals) {
        this.globals = globals;
    }

    /**
     * The globals dict itself.
     *
     * @return the result, a new handle
     */
    public PyObject globals() {
        return globals;
    }

    /**
     * Runs statements in this namespace.
     *
     * @param code Python statements
     */
    public void exec(String code) {
        exec(globals, code);
    }

    /**
     * Evaluates an expression in this namespace; the result as a handle.
     *
     * @param expr a Python expression
     * @return the result, a new handle
     */
    public PyObject eval(String expr) {
        return (PyObject) eval(globals, expr, Contract.Mode.HANDLE);
    }

    /**
     * Evaluates an expression in this namespace, converted to {@code type}.
     *
     * @param <T> the Java type of the result
     * @param expr a Python expression
     * @param type the Java type to convert the result to
     * @return the result, converted to {@code type}
     */
    public <T> T eval(String expr, Class<T> type) {
        return ResultTypes.coerce(eval(globals, expr, ResultTypes.modeFor(type)), type);
    }

    /**
     * The value bound to {@code name}, as a handle; {@code null} when unbound.
     *
     * @param name the variable's name
     * @return the result, a new handle
     */
    public PyObject get(String name) {
        return globals.contains(name) ? globals.getItem(name) : null;
    }

    /**
     * The value bound to {@code name}, converted to {@code type}; {@code null} when unbound.
     *
     * @param <T> the Java type of the result
     * @param name the variable's name
     * @param type the Java type to convert the result to
     * @return the result, converted to {@code type}
     */
    public <T> T get(String name, Class<T> type) {
        return globals.contains(name) ? globals.getItem(name, type) : null;
    }

    /**
     * Binds {@code name} to a value (converted with {@link Python#toPython}).
     *
     * @param name the variable's name
     * @param value the value, converted with {@link Python#toPython}
     */
    public void set(String name, Object value) {
        globals.setItem(name, value);
    }

    /** Releases the namespace. Idempotent. */
    @Override
    public void close() {
        globals.close();
    }

    static void exec(PyObject globals, String code) {
        Ops.exec(code, globals);
    }

    static Object eval(PyObject globals, String expr, byte mode) {
        return Ops.eval(expr, globals, mode);
    }
}

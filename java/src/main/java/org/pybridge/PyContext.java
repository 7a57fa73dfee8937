package org.pybridge;

import java.util.function.Function;

/**
 * A Python context manager entered from Java ({@link PyObject#enter()}):
 * {@link #value()} is what {@code __enter__} returned; {@link #close()}
 * calls {@code __exit__(None, None, None)} once.
 */
public final class PyContext implements AutoCloseable {
    private final PyObject manager;
    private final PyObject exit;
    private final PyObject value;
    private boolean closed;

    private PyContext(PyObject manager, PyObject exit, PyObject value) {
        this.manager = manager;
        this.exit = exit;
        this.value = value;
    }

    static PyContext enter(PyObject manager) {
        PyObject pair = Support.fn("enter").call(manager);
        try {
            return new PyContext(manager, pair.getItem(0), pair.getItem(1));
        } finally {
            pair.close();
        }
    }

    /**
     * The result of {@code __enter__} (for {@code with open(...) as f}: the file).
     *
     * @return the result, a new handle
     */
    public PyObject value() {
        return value;
    }

    /** {@code __exit__(None, None, None)}; returns whether it returned a true value. */
    boolean exitOk() {
        closed = true;
        return Support.fn("exit_ok").callAs(Boolean.class, exit, manager);
    }

    /** {@code __exit__} with the exception {@code t}; true = suppress it. */
    boolean exitWith(Throwable t) {
        closed = true;
        String msg = t.getMessage();
        return Support.fn("exit_err")
                .callAs(Boolean.class, exit, manager, t.getClass().getName(), msg == null ? "" : msg);
    }

    @Override
    public void close() {
        if (!closed) {
            exitOk();
        }
    }

    static <T> T with(PyObject manager, Function<PyObject, T> body) {
        PyContext ctx = enter(manager);
        T result;
        try {
            result = body.apply(ctx.value);
        } catch (RuntimeException | Error t) {
            if (ctx.exitWith(t)) {
                return null;
            }
            throw t;
        }
        ctx.exitOk();
        return result;
    }
}

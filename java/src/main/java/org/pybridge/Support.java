package org.pybridge;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Small Python helpers pybridge's Java API is built on
 * ({@code python/pybridge/runtime/support.py}), defined once per
 * interpreter in a private namespace and kept for the life of that
 * interpreter (never owned by a caller's scope).
 */
final class Support {

    private volatile PyObject namespace;
    private final ConcurrentHashMap<String, PyObject> fns = new ConcurrentHashMap<>();

    /** An empty set of helpers, for one interpreter ({@code Interpreter.support}; defined there on first use). */
    Support() {}

    private PyObject namespace() {
        PyObject ns = namespace;
        if (ns == null) {
            synchronized (this) {
                ns = namespace;
                if (ns == null) {
                    ns = Lifetimes.unscoped(() -> {
                        PyObject d = Python.eval("{'__builtins__': __builtins__, '__name__': '_pybridge_support'}");
                        PyNamespace.exec(d, PySources.text("support.py"));
                        return d;
                    });
                    namespace = ns;
                }
            }
        }
        return ns;
    }

    private PyObject get(String name) {
        PyObject f = fns.get(name);
        if (f == null) {
            PyObject ns = namespace();
            f = fns.computeIfAbsent(name, n -> Lifetimes.unscoped(() -> ns.getItem(n)));
        }
        return f;
    }

    /**
     * A helper function by name, of the interpreter the calling thread runs
     * (the main one, or the {@link Interpreter} whose task this is): kept for
     * the life of that interpreter.
     */
    static PyObject fn(String name) {
        return Interpreter.current().support.get(name);
    }
}

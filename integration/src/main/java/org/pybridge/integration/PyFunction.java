package org.pybridge.integration;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.pybridge.Interpreter;
import org.pybridge.PyObject;
import org.pybridge.Python;

/**
 * A Python function that travels: a serializable reference (a module and a
 * name, source text and a name, or a file shipped with the job and a name)
 * that resolves to the function in whichever JVM it arrives, once per JVM,
 * and caches the handle there. Capture this in Spark closures and Flink
 * functions, never a {@link PyObject} (a handle into one JVM's Python; it
 * fails to serialize, saying so).
 *
 * <pre>{@code
 * PyFunction f = PyFunction.of("mypkg.features", "score");          // import mypkg.features; .score
 * PyFunction g = PyFunction.fromSource("def twice(x):\n    return 2 * x\n", "twice");
 * PyFunction h = PyFunction.fromFile("udfs.py", "clean");          // sc.addFile("/path/udfs.py")
 * long y = g.callLong(21);                                         // 42, in this JVM's Python
 * }</pre>
 *
 * <p>Dotted names reach attributes ({@code "Model.predict"}). Source
 * functions of the same source text share one namespace per JVM.
 */
public final class PyFunction implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where the function comes from. */
    public enum Kind {
        MODULE,
        SOURCE,
        FILE
    }

    private static final Map<PyFunction, PyObject> resolved = new ConcurrentHashMap<>();
    /** [interpreter, function] -> the function in that sub-interpreter. */
    private static final Map<List<Object>, PyObject> inInterpreter = new ConcurrentHashMap<>();

    private final Kind kind;
    private final String origin;
    private final String name;
    private transient volatile PyObject handle;

    private PyFunction(Kind kind, String origin, String name) {
        this.kind = Objects.requireNonNull(kind);
        this.origin = Objects.requireNonNull(origin, "module, source or file");
        this.name = Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a PyFunction needs the function's name");
        }
    }

    /** {@code name} in module {@code module} (imported on first use in each JVM). */
    public static PyFunction of(String module, String name) {
        return new PyFunction(Kind.MODULE, module, name);
    }

    /** {@code "package.module:name"} (or {@code "package.module.name"}). */
    public static PyFunction of(String qualified) {
        int colon = qualified.indexOf(':');
        int dot = qualified.lastIndexOf('.');
        if (colon > 0) {
            return of(qualified.substring(0, colon), qualified.substring(colon + 1));
        }
        if (dot > 0) {
            return of(qualified.substring(0, dot), qualified.substring(dot + 1));
        }
        throw new IllegalArgumentException("'" + qualified + "' names no module: use \"module:function\"");
    }

    /** {@code name} as defined by running {@code source} (once per JVM, in a namespace of its own). */
    public static PyFunction fromSource(String source, String name) {
        return new PyFunction(Kind.SOURCE, source, name);
    }

    /**
     * {@code name} in a {@code .py} file shipped with the job
     * ({@code SparkContext.addFile}, spark-submit {@code --files}, Flink's
     * {@code registerCachedFile}) under {@code fileName}, or at that path.
     */
    public static PyFunction fromFile(String fileName, String name) {
        return new PyFunction(Kind.FILE, fileName, name);
    }

    public Kind kind() {
        return kind;
    }

    /** The module name, the source text or the file name. */
    public String origin() {
        return origin;
    }

    public String name() {
        return name;
    }

    /**
     * The function in this JVM's Python: resolved on first use (starting
     * Python if no task has yet), then cached for the life of the JVM; in a
     * sub-interpreter's task ({@link ExecutorPython#claim}), that
     * interpreter's own copy, resolved there.
     */
    public PyObject get() {
        Interpreter here = Interpreter.current();
        if (here != Interpreter.main()) {
            // A sub-interpreter's task (ExecutorPython.claim): that interpreter's own copy.
            return inInterpreter.computeIfAbsent(Arrays.asList(here, this), k -> resolve());
        }
        PyObject h = handle;
        if (h != null) {
            return h;
        }
        h = resolved.get(this);
        if (h == null) {
            synchronized (PyFunction.class) {
                h = resolved.get(this);
                if (h == null) {
                    h = resolve();
                    resolved.put(this, h);
                }
            }
        }
        handle = h;
        return h;
    }

    private PyObject resolve() {
        PyObject helper = ExecutorPython.functions();
        return Python.unscoped(() -> {
            switch (kind) {
                case MODULE:
                    return helper.callAttr("resolve_module", origin, name);
                case SOURCE:
                    return helper.callAttr("resolve_source", Hashing.sha256(origin), origin, name);
                default:
                    return helper.callAttr(
                            "resolve_file", ExecutorPython.resolveFile(origin).toString(), name);
            }
        });
    }

    /** {@code f(args...)} as a handle. */
    public PyObject call(Object... args) {
        return get().call(args);
    }

    /** {@code f(args...)} converted straight to {@code type}. */
    public <T> T callAs(Class<T> type, Object... args) {
        return get().callAs(type, args);
    }

    /** {@code f(x)} as a long: pybridge's fast path. */
    public long callLong(long x) {
        return get().callLong(x);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PyFunction)) {
            return false;
        }
        PyFunction f = (PyFunction) o;
        return kind == f.kind && origin.equals(f.origin) && name.equals(f.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, origin, name);
    }

    @Override
    public String toString() {
        switch (kind) {
            case MODULE:
                return "PyFunction(" + origin + ":" + name + ")";
            case SOURCE:
                return "PyFunction(" + name + " from source "
                        + Hashing.sha256(origin).substring(0, 12) + ")";
            default:
                return "PyFunction(" + name + " from file " + origin + ")";
        }
    }
}

package org.pybridge.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.pybridge.Interpreter;
import org.pybridge.PyObject;
import org.pybridge.integration.ExecutorPython;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * A Python function as a Flink map: {@code out = fn(in)}, the result
 * converted to {@code outClass} (a {@code Long -> Long} map takes
 * pybridge's {@code callLong} fast path). Python starts in {@link #open}
 * (Flink 1.20 and 2.x). Subclass it and override {@link #map} to call
 * {@link #function()} your own way. With the job parameter
 * {@value PyFlink#INTERPRETERS} set, each subtask runs the function in a
 * sub-interpreter of its own (isolated, with its own GIL, on Python 3.12+):
 * subtasks run Python in parallel, at the price of one hand-off to that
 * interpreter's thread per element (~15 µs), so this pays for functions
 * that compute for longer than that.
 *
 * <pre>{@code
 * env.fromSequence(1, 1000).map(new PyMapFunction<>(PyFunction.of("jobs", "score"), Long.class));
 * }</pre>
 */
public class PyMapFunction<IN, OUT> extends RichMapFunction<IN, OUT> implements ResultTypeQueryable<OUT> {
    private static final long serialVersionUID = 1L;

    private final PyFunction fn;
    private final Class<OUT> outClass;
    private final PythonSetup setup;
    private transient PyObject f;
    private transient Interpreter interp;

    public PyMapFunction(PyFunction fn, Class<OUT> outClass) {
        this(fn, outClass, null);
    }

    /** With a setup applied (once per JVM) before the first call. */
    public PyMapFunction(PyFunction fn, Class<OUT> outClass, PythonSetup setup) {
        this.fn = fn;
        this.outClass = outClass;
        this.setup = setup;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        PyFlink.ensurePython(getRuntimeContext(), setup, fn);
        int n = PyFlink.interpreters(getRuntimeContext());
        if (n > 0) {
            interp = ExecutorPython.claim(
                    PyFlink.environment(getRuntimeContext()).merge(setup), n);
        } else {
            f = fn.get();
        }
    }

    @Override
    public OUT map(IN value) throws Exception {
        Interpreter in = interp;
        if (in != null) {
            return in.call(() -> apply(fn.get(), value));
        }
        return apply(f, value);
    }

    @SuppressWarnings("unchecked")
    private OUT apply(PyObject g, IN value) {
        if (outClass == Long.class && value instanceof Long) {
            return (OUT) Long.valueOf(g.callLong((Long) value));
        }
        return g.callAs(outClass, value);
    }

    @Override
    public void close() throws Exception {
        Interpreter in = interp;
        interp = null;
        if (in != null) {
            ExecutorPython.release(in);
        }
    }

    /**
     * The function in this JVM's main interpreter (after {@link #open});
     * with {@value PyFlink#INTERPRETERS} set, null: use
     * {@link #interpreter()} and {@link PyFunction#get()} inside its
     * {@code call}.
     */
    protected PyObject function() {
        return f;
    }

    /** The sub-interpreter this subtask claimed ({@value PyFlink#INTERPRETERS}), or null. */
    protected Interpreter interpreter() {
        return interp;
    }

    @Override
    public TypeInformation<OUT> getProducedType() {
        return TypeInformation.of(outClass);
    }
}

package org.pybridge.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.pybridge.PyObject;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * A base for process functions that call Python: Python starts in
 * {@link #open} (Flink 1.20 and 2.x) and {@link #function()} is the Python
 * function, resolved once per JVM. Implement {@code processElement}.
 *
 * <pre>{@code
 * class Score extends PyProcessFunction<String, Double> {
 *     Score() { super(PyFunction.of("jobs", "score")); }
 *     public void processElement(String s, Context ctx, Collector<Double> out) {
 *         out.collect(function().callAs(Double.class, s));
 *     }
 * }
 * }</pre>
 */
public abstract class PyProcessFunction<IN, OUT> extends ProcessFunction<IN, OUT> {
    private static final long serialVersionUID = 1L;

    private final PyFunction fn;
    private final PythonSetup setup;
    private transient PyObject f;

    protected PyProcessFunction(PyFunction fn) {
        this(fn, null);
    }

    protected PyProcessFunction(PyFunction fn, PythonSetup setup) {
        this.fn = fn;
        this.setup = setup;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        PyFlink.ensurePython(getRuntimeContext(), setup, fn);
        f = fn == null ? null : fn.get();
    }

    /** The Python function (after {@link #open}). */
    protected PyObject function() {
        return f;
    }
}

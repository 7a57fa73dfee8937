package org.pybridge.flink;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.pybridge.PyObject;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * A Python function as a Flink map: {@code out = fn(in)}, the result
 * converted to {@code outClass} (a {@code Long -> Long} map takes
 * pybridge's {@code callLong} fast path). Python starts in {@link #open}
 * (Flink 1.20 and 2.x). Subclass it and override {@link #map} to call
 * {@link #function()} your own way.
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
        f = fn.get();
    }

    @Override
    @SuppressWarnings("unchecked")
    public OUT map(IN value) throws Exception {
        if (outClass == Long.class && value instanceof Long) {
            return (OUT) Long.valueOf(f.callLong((Long) value));
        }
        return f.callAs(outClass, value);
    }

    /** The function in this JVM's Python (after {@link #open}). */
    protected PyObject function() {
        return f;
    }

    @Override
    public TypeInformation<OUT> getProducedType() {
        return TypeInformation.of(outClass);
    }
}

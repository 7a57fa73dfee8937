package org.pybridge.flink;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.pybridge.PyObject;
import org.pybridge.integration.ArrowBridge;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.BatchReader;
import org.pybridge.integration.BatchWriter;
import org.pybridge.integration.ColumnType;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * Rows through Python in Arrow batches, for {@code mapPartition}: each batch
 * of up to {@code batchSize} rows becomes Arrow vectors that Python reads
 * without a copy ({@code pyarrow.RecordBatch}, pandas, or numpy arrays per
 * column, by {@link BatchFormat}); the rows of the batch it returns come
 * back without a copy and are emitted, with the declared output columns.
 *
 * <pre>{@code
 * DataStream<Row> out = rows.fullWindowPartition().mapPartition(
 *     PyBatchFunction.of(PyFunction.of("jobs", "scale"), BatchFormat.NUMPY)
 *         .input("x", ColumnType.INT64).output("y", ColumnType.FLOAT64));
 * }</pre>
 *
 * <p>{@code fullWindowPartition()} (Flink 1.20+) hands a bounded stream's
 * whole partition to one call; the batches are made inside it, so memory
 * stays at one batch.
 */
public class PyBatchFunction extends RichMapPartitionFunction<Row, Row> implements ResultTypeQueryable<Row> {
    private static final long serialVersionUID = 1L;

    private final PyFunction fn;
    private final BatchFormat format;
    private final List<String> inNames = new ArrayList<>();
    private final List<ColumnType> inTypes = new ArrayList<>();
    private final List<String> outNames = new ArrayList<>();
    private final List<ColumnType> outTypes = new ArrayList<>();
    private int batchSize = 8192;
    private PythonSetup setup;
    private transient PyObject f;

    protected PyBatchFunction(PyFunction fn, BatchFormat format) {
        this.fn = fn;
        this.format = format;
    }

    /** A batch function calling {@code fn} with batches in {@code format}; declare its columns next. */
    public static PyBatchFunction of(PyFunction fn, BatchFormat format) {
        return new PyBatchFunction(fn, format);
    }

    /** The next input column: the Row field at this position. */
    public PyBatchFunction input(String name, ColumnType type) {
        inNames.add(name);
        inTypes.add(type);
        return this;
    }

    /** The next output column, taken in order from Python's result. */
    public PyBatchFunction output(String name, ColumnType type) {
        outNames.add(name);
        outTypes.add(type);
        return this;
    }

    public PyBatchFunction batchSize(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        this.batchSize = rows;
        return this;
    }

    public PyBatchFunction setup(PythonSetup s) {
        this.setup = s;
        return this;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        openPython(getRuntimeContext());
    }

    void openPython(org.apache.flink.api.common.functions.RuntimeContext ctx) {
        if (inNames.isEmpty() || outNames.isEmpty()) {
            throw new IllegalStateException(
                    "declare the input and output columns of " + fn + " with input(name, type) and output(name, type)");
        }
        PyFlink.ensurePython(ctx, setup, fn);
        f = fn.get();
    }

    List<String> inNames() {
        return inNames;
    }

    List<ColumnType> inTypes() {
        return inTypes;
    }

    int batchSize() {
        return batchSize;
    }

    /** One batch through Python; the result's rows go to {@code out}. */
    void emit(BatchWriter writer, int n, BufferAllocator alloc, Collector<Row> out) {
        emit(writer, n, alloc, outTypes.toArray(new ColumnType[0]), out);
    }

    @Override
    public void mapPartition(Iterable<Row> values, Collector<Row> out) {
        ColumnType[] outT = outTypes.toArray(new ColumnType[0]);
        int cols = inTypes.size();
        try (BufferAllocator alloc =
                        ArrowBridge.rootAllocator().newChildAllocator("pybridge-flink-partition", 0, Long.MAX_VALUE);
                BatchWriter writer = new BatchWriter(alloc, inNames, inTypes, batchSize)) {
            int n = 0;
            boolean first = true;
            for (Row row : values) {
                if (n == 0 && !first) {
                    writer.next();
                }
                first = false;
                for (int c = 0; c < cols; c++) {
                    writer.set(c, n, row.getField(c));
                }
                if (++n == batchSize) {
                    emit(writer, n, alloc, outT, out);
                    n = 0;
                }
            }
            if (n > 0) {
                emit(writer, n, alloc, outT, out);
            }
        }
    }

    private void emit(BatchWriter writer, int n, BufferAllocator alloc, ColumnType[] outT, Collector<Row> out) {
        VectorSchemaRoot in = writer.finish(n);
        VectorSchemaRoot res = ArrowBridge.apply(f, format, in, outNames, outTypes, alloc);
        try {
            BatchReader r = new BatchReader(res);
            if (r.columns() < outT.length) {
                throw new IllegalStateException(fn + " returned " + r.columns() + " columns; " + outT.length
                        + " were declared (" + outNames + ")");
            }
            int rows = r.rows();
            for (int i = 0; i < rows; i++) {
                Object[] vals = new Object[outT.length];
                for (int c = 0; c < vals.length; c++) {
                    vals[c] = r.get(c, i, outT[c]);
                }
                out.collect(Row.of(vals));
            }
        } finally {
            ArrowBridge.release(res);
        }
    }

    @Override
    public TypeInformation<Row> getProducedType() {
        TypeInformation<?>[] types = new TypeInformation<?>[outTypes.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = typeInfo(outTypes.get(i));
        }
        return Types.ROW_NAMED(outNames.toArray(new String[0]), types);
    }

    /** Flink's type for a column type. */
    public static TypeInformation<?> typeInfo(ColumnType t) {
        switch (t) {
            case INT64:
                return Types.LONG;
            case INT32:
                return Types.INT;
            case FLOAT64:
                return Types.DOUBLE;
            case FLOAT32:
                return Types.FLOAT;
            case BOOLEAN:
                return Types.BOOLEAN;
            default:
                return Types.STRING;
        }
    }

    @Override
    public String toString() {
        return "PyBatchFunction(" + fn + ", " + format + ", in=" + Arrays.toString(inNames.toArray()) + ", out="
                + outNames + ")";
    }
}

package org.pybridge.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.pybridge.PyObject;
import org.pybridge.integration.ArrowBridge;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.BatchWriter;
import org.pybridge.integration.ColumnType;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * {@link BatchPartition} on Spark's internal rows (the same {@link ArrowBatches}): every column of a row is
 * read with its typed getter straight into Arrow; Python receives the input
 * columns (a root over those vectors, no copy); the output rows are a
 * {@code ColumnarBatch} over Arrow vectors (for a vectorized UDF: the input
 * vectors and the result's), read in place by Spark's projection.
 */
final class InternalBatchPartition implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    private static final long serialVersionUID = 1L;

    private final PyFunction fn;
    private final BatchFormat format;
    private final List<String> names;
    private final List<ColumnType> types;
    private final int[] inputCols;
    private final List<String> outNames;
    private final List<ColumnType> outTypes;
    private final boolean append;
    private final int batchSize;
    private final PythonSetup setup;

    InternalBatchPartition(
            PyFunction fn,
            BatchFormat format,
            List<String> names,
            List<ColumnType> types,
            int[] inputCols,
            List<String> outNames,
            List<ColumnType> outTypes,
            boolean append,
            int batchSize,
            PythonSetup setup) {
        this.fn = fn;
        this.format = format;
        this.names = new ArrayList<>(names);
        this.types = new ArrayList<>(types);
        this.inputCols = inputCols;
        this.outNames = new ArrayList<>(outNames);
        this.outTypes = new ArrayList<>(outTypes);
        this.append = append;
        this.batchSize = batchSize;
        this.setup = setup;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> input) {
        PySpark.ensurePython(setup);
        return new Batches(input, fn.get());
    }

    private final class Batches extends ArrowBatches<InternalRow, InternalRow> {
        private final PyObject f;
        private final ColumnType[] colTypes = types.toArray(new ColumnType[0]);
        private VectorSchemaRoot result;

        Batches(Iterator<InternalRow> input, PyObject f) {
            super(input, names, types, batchSize);
            this.f = f;
        }

        @Override
        void write(BatchWriter writer, InternalRow row, int n) {
            int cols = colTypes.length;
            for (int c = 0; c < cols; c++) {
                if (row.isNullAt(c)) {
                    writer.set(c, n, null);
                    continue;
                }
                switch (colTypes[c]) {
                    case INT64:
                        writer.setLong(c, n, row.getLong(c));
                        break;
                    case INT32:
                        writer.setLong(c, n, row.getInt(c));
                        break;
                    case FLOAT64:
                        writer.setDouble(c, n, row.getDouble(c));
                        break;
                    case FLOAT32:
                        writer.setDouble(c, n, row.getFloat(c));
                        break;
                    case BOOLEAN:
                        writer.setLong(c, n, row.getBoolean(c) ? 1 : 0);
                        break;
                    default:
                        writer.setUtf8(c, n, row.getUTF8String(c).getBytes());
                }
            }
        }

        @Override
        Iterator<InternalRow> apply(BatchWriter writer, int n) {
            writer.finish(n);
            List<FieldVector> in = new ArrayList<>();
            for (int c : inputCols) {
                in.add(writer.vector(c));
            }
            // A root over the input columns' vectors: no memory of its own (not closed).
            VectorSchemaRoot inRoot = new VectorSchemaRoot(in);
            inRoot.setRowCount(n);
            result = ArrowBridge.apply(f, format, inRoot, outNames, outTypes, allocator());
            int rowsOut = result.getRowCount();
            if (append && rowsOut != n) {
                throw new IllegalStateException(fn + " returned " + rowsOut + " values for a batch of " + n
                        + " rows: a vectorized UDF returns one value per row");
            }
            List<ColumnVector> vs = new ArrayList<>();
            if (append) {
                for (int c = 0; c < colTypes.length; c++) {
                    vs.add(new ArrowColumnVector(writer.vector(c)));
                }
            }
            for (int c = 0; c < outTypes.size(); c++) {
                vs.add(new ArrowColumnVector(result.getVector(c)));
            }
            return new ColumnarBatch(vs.toArray(new ColumnVector[0]), rowsOut).rowIterator();
        }

        /** The last batch's rows were all read (Spark's projection copied each): free its result. */
        @Override
        void releaseBatch() {
            if (result != null) {
                ArrowBridge.release(result);
                result = null;
            }
        }
    }
}

package org.pybridge.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.pybridge.PyObject;
import org.pybridge.integration.ArrowBridge;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.BatchReader;
import org.pybridge.integration.BatchWriter;
import org.pybridge.integration.ColumnType;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * One partition through Python in Arrow batches ({@link ArrowBatches}): rows
 * are written into Arrow vectors {@code batchSize} at a time, each batch
 * crosses to Python and back without a copy ({@link ArrowBridge#apply}), and
 * the result's rows are emitted before the next batch is read. With {@code appendTo} set, the
 * result is one column appended to each input row (a vectorized UDF);
 * otherwise the result's rows are the output (mapBatches).
 */
final class BatchPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final PyFunction fn;
    private final BatchFormat format;
    private final int[] inIndex;
    private final List<String> inNames;
    private final List<ColumnType> inTypes;
    private final List<String> outNames;
    private final ColumnType[] outTypes;
    private final boolean appendTo;
    private final int inputWidth;
    private final int batchSize;
    private final PythonSetup setup;

    BatchPartition(
            PyFunction fn,
            BatchFormat format,
            int[] inIndex,
            List<String> inNames,
            List<ColumnType> inTypes,
            List<String> outNames,
            ColumnType[] outTypes,
            boolean appendTo,
            int inputWidth,
            int batchSize,
            PythonSetup setup) {
        this.fn = fn;
        this.format = format;
        this.inIndex = inIndex;
        this.inNames = new ArrayList<>(inNames);
        this.inTypes = new ArrayList<>(inTypes);
        this.outNames = new ArrayList<>(outNames);
        this.outTypes = outTypes;
        this.appendTo = appendTo;
        this.inputWidth = inputWidth;
        this.batchSize = batchSize;
        this.setup = setup;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        PySpark.ensurePython(setup);
        return new Batches(input, fn.get());
    }

    private final class Batches extends ArrowBatches<Row, Row> {
        private final PyObject f;
        private final Row[] inRows = new Row[batchSize];
        private Row[] out = new Row[0];

        Batches(Iterator<Row> input, PyObject f) {
            super(input, inNames, inTypes, batchSize);
            this.f = f;
        }

        @Override
        void write(BatchWriter writer, Row row, int n) {
            int cols = inIndex.length;
            for (int c = 0; c < cols; c++) {
                int i = inIndex[c];
                if (row.isNullAt(i)) {
                    writer.set(c, n, null);
                } else if (inTypes.get(c) == ColumnType.INT64) {
                    writer.setLong(c, n, row.getLong(i));
                } else if (inTypes.get(c) == ColumnType.FLOAT64) {
                    writer.setDouble(c, n, row.getDouble(i));
                } else {
                    writer.set(c, n, row.get(i));
                }
            }
            if (appendTo) {
                inRows[n] = row;
            }
        }

        @Override
        Iterator<Row> apply(BatchWriter writer, int n) {
            VectorSchemaRoot in = writer.finish(n);
            VectorSchemaRoot res = ArrowBridge.apply(f, format, in, outNames, Arrays.asList(outTypes), allocator());
            try {
                BatchReader r = new BatchReader(res);
                int rows = r.rows();
                if (appendTo && rows != n) {
                    throw new IllegalStateException(fn + " returned " + rows + " values for a batch of " + n
                            + " rows: a vectorized UDF returns one value per row");
                }
                if (r.columns() < outTypes.length) {
                    throw new IllegalStateException(fn + " returned " + r.columns() + " columns; " + outTypes.length
                            + " were declared (" + outNames + ")");
                }
                if (out.length < rows) {
                    out = new Row[Math.max(rows, batchSize)];
                }
                for (int i = 0; i < rows; i++) {
                    if (appendTo) {
                        Row row = inRows[i];
                        Object[] vals = new Object[inputWidth + 1];
                        for (int c = 0; c < inputWidth; c++) {
                            vals[c] = row.get(c);
                        }
                        vals[inputWidth] = r.get(0, i, outTypes[0]);
                        inRows[i] = null;
                        out[i] = RowFactory.create(vals);
                    } else {
                        Object[] vals = new Object[outTypes.length];
                        for (int c = 0; c < vals.length; c++) {
                            vals[c] = r.get(c, i, outTypes[c]);
                        }
                        out[i] = RowFactory.create(vals);
                    }
                }
                return draining(out, rows);
            } finally {
                ArrowBridge.release(res);
            }
        }
    }
}

package org.pybridge.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.TaskContext;
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
 * One partition through Python in Arrow batches: rows are written into Arrow
 * vectors {@code batchSize} at a time, each batch crosses to Python and back
 * without a copy ({@link ArrowBridge#apply}), and the result's rows are
 * emitted before the next batch is read. With {@code appendTo} set, the
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

    BatchPartition(PyFunction fn, BatchFormat format, int[] inIndex, List<String> inNames, List<ColumnType> inTypes,
            List<String> outNames, ColumnType[] outTypes, boolean appendTo, int inputWidth, int batchSize,
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
        PyObject f = fn.get();
        BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("pybridge-spark-partition", 0,
                Long.MAX_VALUE);
        Batches it = new Batches(input, f, alloc);
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> it.close());
        }
        return it;
    }

    private final class Batches implements Iterator<Row> {
        private final Iterator<Row> input;
        private final PyObject f;
        private final BufferAllocator alloc;
        private BatchWriter writer;
        private final Row[] inRows = new Row[batchSize];
        private Row[] out = new Row[0];
        private int outPos;
        private int outLen;
        private boolean closed;

        Batches(Iterator<Row> input, PyObject f, BufferAllocator alloc) {
            this.input = input;
            this.f = f;
            this.alloc = alloc;
        }

        @Override
        public boolean hasNext() {
            while (outPos == outLen) {
                if (closed || !input.hasNext()) {
                    close();
                    return false;
                }
                nextBatch();
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row r = out[outPos];
            out[outPos++] = null;
            return r;
        }

        private void nextBatch() {
            if (writer == null) {
                writer = new BatchWriter(alloc, inNames, inTypes, batchSize);
            } else {
                writer.next();
            }
            int n = 0;
            int cols = inIndex.length;
            while (n < batchSize && input.hasNext()) {
                Row row = input.next();
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
                n++;
            }
            VectorSchemaRoot in = writer.finish(n);
            VectorSchemaRoot res = ArrowBridge.apply(f, format, in, outNames, java.util.Arrays.asList(outTypes), alloc);
            try {
                BatchReader r = new BatchReader(res);
                int rows = r.rows();
                if (appendTo && rows != n) {
                    throw new IllegalStateException(fn + " returned " + rows + " values for a batch of " + n
                            + " rows: a vectorized UDF returns one value per row");
                }
                if (r.columns() < outTypes.length) {
                    throw new IllegalStateException(fn + " returned " + r.columns() + " columns; "
                            + outTypes.length + " were declared (" + outNames + ")");
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
                outPos = 0;
                outLen = rows;
            } finally {
                ArrowBridge.release(res);
            }
        }

        /** Frees this partition's Arrow memory (idempotent; also run when the task ends). */
        void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (writer != null) {
                writer.close();
            }
            alloc.close();
        }
    }
}

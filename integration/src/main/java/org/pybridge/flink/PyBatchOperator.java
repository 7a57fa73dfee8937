package org.pybridge.flink;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.pybridge.integration.ArrowBridge;
import org.pybridge.integration.BatchWriter;

/**
 * A {@link PyBatchFunction} as a streaming operator: rows are written into
 * Arrow as they arrive and a batch goes to Python when it is full, at the end
 * of a bounded input, and before each checkpoint barrier (so no row waits in
 * a buffer across a checkpoint). Unlike {@code fullWindowPartition()}, it
 * holds one batch, works on unbounded streams, and chains with its
 * neighbours. Use {@link #apply}.
 *
 * <pre>{@code
 * DataStream<Row> out = PyBatchOperator.apply(rows,
 *     PyBatchFunction.of(PyFunction.of("jobs", "scale"), BatchFormat.NUMPY)
 *         .input("x", ColumnType.INT64).output("y", ColumnType.FLOAT64));
 * }</pre>
 */
public final class PyBatchOperator extends AbstractStreamOperator<Row>
        implements OneInputStreamOperator<Row, Row>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final PyBatchFunction fn;
    private transient BufferAllocator alloc;
    private transient BatchWriter writer;
    private transient int rows;
    private transient boolean fresh;
    private transient Collector<Row> collector;

    public PyBatchOperator(PyBatchFunction fn) {
        this.fn = fn;
    }

    /** {@code input} through {@code fn} in batches, as a stream of its output rows. */
    public static SingleOutputStreamOperator<Row> apply(DataStream<Row> input, PyBatchFunction fn) {
        return input.transform("pybridge " + fn, fn.getProducedType(), new PyBatchOperator(fn));
    }

    @Override
    public void open() throws Exception {
        super.open();
        fn.openPython(getRuntimeContext());
        alloc = ArrowBridge.rootAllocator().newChildAllocator("pybridge-flink-operator", 0, Long.MAX_VALUE);
        writer = new BatchWriter(alloc, fn.inNames(), fn.inTypes(), fn.batchSize());
        fresh = true;
        collector = new Collector<Row>() {
            private final StreamRecord<Row> reuse = new StreamRecord<>(null);

            @Override
            public void collect(Row r) {
                output.collect(reuse.replace(r));
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void processElement(StreamRecord<Row> element) {
        if (!fresh && rows == 0) {
            writer.next();
        }
        fresh = false;
        Row row = element.getValue();
        int cols = fn.inNames().size();
        for (int c = 0; c < cols; c++) {
            writer.set(c, rows, row.getField(c));
        }
        if (++rows == fn.batchSize()) {
            flush();
        }
    }

    private void flush() {
        if (rows > 0) {
            int n = rows;
            rows = 0;
            fn.emit(writer, n, alloc, collector);
        }
    }

    @Override
    public void endInput() {
        flush();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void close() throws Exception {
        try {
            if (writer != null) {
                writer.close();
            }
            if (alloc != null) {
                alloc.close();
            }
        } finally {
            super.close();
        }
    }
}

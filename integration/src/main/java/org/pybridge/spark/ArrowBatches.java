package org.pybridge.spark;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.TaskContext;
import org.pybridge.integration.ArrowBridge;
import org.pybridge.integration.BatchWriter;
import org.pybridge.integration.ColumnType;

/**
 * A partition through Python in Arrow batches, the part both row kinds
 * share ({@link BatchPartition} on {@code Row}s, {@link InternalBatchPartition}
 * on {@code InternalRow}s): input rows are written into one reused
 * {@link BatchWriter} {@code batchSize} at a time, each batch goes through
 * Python ({@link #apply}), and its output rows are emitted before the next
 * batch is read. The partition's Arrow memory (a child allocator) is freed
 * when the input ends, or when the Spark task ends, whichever comes first.
 *
 * @param <I> the input rows
 * @param <O> the output rows
 */
abstract class ArrowBatches<I, O> implements Iterator<O> {
    private final Iterator<I> input;
    private final BufferAllocator alloc;
    private final List<String> names;
    private final List<ColumnType> types;
    private final int batchSize;
    private BatchWriter writer;
    private Iterator<O> rows;
    private boolean closed;

    /** Over {@code input}, batches of {@code batchSize} rows of the columns {@code names} of {@code types}. */
    ArrowBatches(Iterator<I> input, List<String> names, List<ColumnType> types, int batchSize) {
        this.input = input;
        this.names = names;
        this.types = types;
        this.batchSize = batchSize;
        this.alloc = ArrowBridge.rootAllocator().newChildAllocator("pybridge-spark-partition", 0, Long.MAX_VALUE);
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> close());
        }
    }

    /** This partition's allocator (the batches' results are allocated from it). */
    final BufferAllocator allocator() {
        return alloc;
    }

    /** Writes {@code row} as row {@code n} of the batch being filled. */
    abstract void write(BatchWriter w, I row, int n);

    /**
     * Sends the batch ({@code n} rows written, {@link BatchWriter#finish} not
     * called yet) through Python; the rows it gives are emitted, and the
     * batch released ({@link #releaseBatch}) once they all were.
     */
    abstract Iterator<O> apply(BatchWriter w, int n);

    /** Frees what the last {@link #apply} kept for its rows (nothing by default). */
    void releaseBatch() {}

    @Override
    public final boolean hasNext() {
        while (rows == null || !rows.hasNext()) {
            releaseBatch();
            rows = null;
            if (closed || !input.hasNext()) {
                close();
                return false;
            }
            nextBatch();
        }
        return true;
    }

    @Override
    public final O next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return rows.next();
    }

    private void nextBatch() {
        if (writer == null) {
            writer = new BatchWriter(alloc, names, types, batchSize);
        } else {
            writer.next();
        }
        int n = 0;
        while (n < batchSize && input.hasNext()) {
            write(writer, input.next(), n);
            n++;
        }
        rows = apply(writer, n);
    }

    /** Frees this partition's Arrow memory (idempotent; also run when the task ends). */
    final void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseBatch();
        if (writer != null) {
            writer.close();
        }
        alloc.close();
    }

    /** The first {@code n} elements of {@code rows}, each dropped from the array once read. */
    static <T> Iterator<T> draining(T[] rows, int n) {
        return new Iterator<T>() {
            private int pos;

            @Override
            public boolean hasNext() {
                return pos < n;
            }

            @Override
            public T next() {
                if (pos >= n) {
                    throw new NoSuchElementException();
                }
                T r = rows[pos];
                rows[pos++] = null;
                return r;
            }
        };
    }
}

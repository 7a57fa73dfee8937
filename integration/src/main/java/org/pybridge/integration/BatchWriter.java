package org.pybridge.integration;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Fills Arrow vectors from Java values, row by row, for one batch at a time:
 * {@code set(col, row, value)} (a {@code Long}, {@code Double}, {@code String}
 * … or null), or the unboxed {@code setLong}/{@code setDouble}; then
 * {@link #finish(int)} gives the {@link VectorSchemaRoot}. {@link #next()}
 * starts a new batch in new buffers (the previous batch's buffers live on
 * while Python or anyone else still references them).
 */
public final class BatchWriter implements AutoCloseable {
    private final BufferAllocator allocator;
    private final ColumnType[] types;
    private final VectorSchemaRoot root;
    private final FieldVector[] vectors;
    private final int capacity;

    public BatchWriter(BufferAllocator allocator, List<String> names, List<ColumnType> types, int capacity) {
        if (names.size() != types.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + types.size() + " types");
        }
        this.allocator = allocator;
        this.types = types.toArray(new ColumnType[0]);
        this.capacity = Math.max(1, capacity);
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            fields.add(this.types[i].field(names.get(i)));
        }
        this.root = VectorSchemaRoot.create(new Schema(fields), allocator);
        this.vectors = root.getFieldVectors().toArray(new FieldVector[0]);
        allocate();
    }

    private void allocate() {
        for (FieldVector v : vectors) {
            if (v instanceof VarCharVector) {
                ((VarCharVector) v).allocateNew(16L * capacity, capacity);
            } else {
                v.setInitialCapacity(capacity);
                v.allocateNew();
            }
        }
    }

    public int columns() {
        return vectors.length;
    }

    public ColumnType type(int col) {
        return types[col];
    }

    public void setLong(int col, int row, long v) {
        FieldVector vec = vectors[col];
        switch (types[col]) {
            case INT64:
                ((BigIntVector) vec).setSafe(row, v);
                break;
            case INT32:
                ((IntVector) vec).setSafe(row, Math.toIntExact(v));
                break;
            case FLOAT64:
                ((Float8Vector) vec).setSafe(row, (double) v);
                break;
            case FLOAT32:
                ((Float4Vector) vec).setSafe(row, (float) v);
                break;
            case BOOLEAN:
                ((BitVector) vec).setSafe(row, v != 0 ? 1 : 0);
                break;
            default:
                set(col, row, Long.toString(v));
        }
    }

    public void setDouble(int col, int row, double v) {
        switch (types[col]) {
            case FLOAT64:
                ((Float8Vector) vectors[col]).setSafe(row, v);
                break;
            case FLOAT32:
                ((Float4Vector) vectors[col]).setSafe(row, (float) v);
                break;
            default:
                set(col, row, v);
        }
    }

    /** Sets a string column's value from its UTF-8 bytes (no decoding). */
    public void setUtf8(int col, int row, byte[] utf8) {
        ((VarCharVector) vectors[col]).setSafe(row, utf8);
    }

    /** The vector of column {@code col} (valid until {@link #next()}). */
    public FieldVector vector(int col) {
        return vectors[col];
    }

    /** Sets a value: a Number, Boolean, String (or anything, as its toString()), or null. */
    public void set(int col, int row, Object v) {
        FieldVector vec = vectors[col];
        if (v == null) {
            setNull(vec, row);
            return;
        }
        switch (types[col]) {
            case INT64:
                ((BigIntVector) vec).setSafe(row, ((Number) v).longValue());
                break;
            case INT32:
                ((IntVector) vec).setSafe(row, ((Number) v).intValue());
                break;
            case FLOAT64:
                ((Float8Vector) vec).setSafe(row, ((Number) v).doubleValue());
                break;
            case FLOAT32:
                ((Float4Vector) vec).setSafe(row, ((Number) v).floatValue());
                break;
            case BOOLEAN:
                ((BitVector) vec).setSafe(row, ((Boolean) v) ? 1 : 0);
                break;
            default:
                ((VarCharVector) vec).setSafe(row, v.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void setNull(FieldVector vec, int row) {
        if (vec instanceof BigIntVector) {
            ((BigIntVector) vec).setNull(row);
        } else if (vec instanceof IntVector) {
            ((IntVector) vec).setNull(row);
        } else if (vec instanceof Float8Vector) {
            ((Float8Vector) vec).setNull(row);
        } else if (vec instanceof Float4Vector) {
            ((Float4Vector) vec).setNull(row);
        } else if (vec instanceof BitVector) {
            ((BitVector) vec).setNull(row);
        } else {
            ((VarCharVector) vec).setNull(row);
        }
    }

    /** Ends the batch at {@code rows} rows; the root is ready to cross. */
    public VectorSchemaRoot finish(int rows) {
        for (FieldVector v : vectors) {
            v.setValueCount(rows);
        }
        root.setRowCount(rows);
        return root;
    }

    /** Drops this writer's hold on the last batch's buffers and starts a new batch. */
    public void next() {
        for (FieldVector v : vectors) {
            v.clear();
        }
        allocate();
    }

    public VectorSchemaRoot root() {
        return root;
    }

    public BufferAllocator allocator() {
        return allocator;
    }

    @Override
    public void close() {
        root.close();
    }
}

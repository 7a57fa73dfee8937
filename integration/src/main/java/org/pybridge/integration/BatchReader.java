package org.pybridge.integration;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Reads the columns of a batch (a {@link VectorSchemaRoot}, typically one
 * that came back from Python) as Java values of the types a row wants:
 * any integer vector reads as {@code long}, any integer or floating vector
 * as {@code double}, and {@link #get(int, int, ColumnType)} converts to a
 * declared {@link ColumnType}.
 */
public final class BatchReader {
    private final VectorSchemaRoot root;
    private final FieldVector[] vectors;

    public BatchReader(VectorSchemaRoot root) {
        this.root = root;
        List<FieldVector> vs = root.getFieldVectors();
        this.vectors = vs.toArray(new FieldVector[0]);
    }

    public int rows() {
        return root.getRowCount();
    }

    public int columns() {
        return vectors.length;
    }

    public FieldVector vector(int col) {
        return vectors[col];
    }

    public boolean isNull(int col, int row) {
        return vectors[col].isNull(row);
    }

    public long getLong(int col, int row) {
        FieldVector v = vectors[col];
        if (v instanceof BigIntVector) {
            return ((BigIntVector) v).get(row);
        }
        if (v instanceof IntVector) {
            return ((IntVector) v).get(row);
        }
        if (v instanceof BaseIntVector) {
            return ((BaseIntVector) v).getValueAsLong(row);
        }
        if (v instanceof BitVector) {
            return ((BitVector) v).get(row);
        }
        if (v instanceof Float8Vector) {
            return (long) ((Float8Vector) v).get(row);
        }
        if (v instanceof Float4Vector) {
            return (long) ((Float4Vector) v).get(row);
        }
        throw new ClassCastException("column " + col + " (" + v.getField() + ") is not numeric");
    }

    public double getDouble(int col, int row) {
        FieldVector v = vectors[col];
        if (v instanceof Float8Vector) {
            return ((Float8Vector) v).get(row);
        }
        if (v instanceof Float4Vector) {
            return ((Float4Vector) v).get(row);
        }
        return getLong(col, row);
    }

    /** The value at (col, row) as {@code type}'s Java class, or null. */
    public Object get(int col, int row, ColumnType type) {
        FieldVector v = vectors[col];
        if (v.isNull(row)) {
            return null;
        }
        switch (type) {
            case INT64:
                return getLong(col, row);
            case INT32:
                return (int) getLong(col, row);
            case FLOAT64:
                return getDouble(col, row);
            case FLOAT32:
                return (float) getDouble(col, row);
            case BOOLEAN:
                return getLong(col, row) != 0;
            default:
                if (v instanceof VarCharVector) {
                    return new String(((VarCharVector) v).get(row), StandardCharsets.UTF_8);
                }
                Object o = v.getObject(row);
                return o == null ? null : o.toString();
        }
    }
}

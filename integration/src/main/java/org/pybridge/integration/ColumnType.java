package org.pybridge.integration;

import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * The column types that batches carry between Java rows and Arrow: what a
 * Spark {@code DataType} or a Flink {@code TypeInformation} maps to.
 */
public enum ColumnType {
    INT64(new ArrowType.Int(64, true)),
    INT32(new ArrowType.Int(32, true)),
    FLOAT64(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
    FLOAT32(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
    BOOLEAN(ArrowType.Bool.INSTANCE),
    STRING(ArrowType.Utf8.INSTANCE);

    private final ArrowType arrowType;

    ColumnType(ArrowType arrowType) {
        this.arrowType = arrowType;
    }

    public ArrowType arrowType() {
        return arrowType;
    }

    /** A nullable Arrow field of this type. */
    public Field field(String name) {
        return Field.nullable(name, arrowType);
    }

    /** The Java class a value of this type has in a row ({@code Long}, {@code Double}, {@code String}…). */
    public Class<?> javaClass() {
        switch (this) {
            case INT64:
                return Long.class;
            case INT32:
                return Integer.class;
            case FLOAT64:
                return Double.class;
            case FLOAT32:
                return Float.class;
            case BOOLEAN:
                return Boolean.class;
            default:
                return String.class;
        }
    }
}

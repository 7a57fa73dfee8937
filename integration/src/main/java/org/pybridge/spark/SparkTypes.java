package org.pybridge.spark;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.pybridge.integration.ColumnType;

/** Spark SQL types as batch column types, and as the Java classes UDF results take. */
final class SparkTypes {
    private SparkTypes() {}

    static ColumnType column(DataType t, String what) {
        if (DataTypes.LongType.equals(t)) {
            return ColumnType.INT64;
        }
        if (DataTypes.IntegerType.equals(t)) {
            return ColumnType.INT32;
        }
        if (DataTypes.DoubleType.equals(t)) {
            return ColumnType.FLOAT64;
        }
        if (DataTypes.FloatType.equals(t)) {
            return ColumnType.FLOAT32;
        }
        if (DataTypes.BooleanType.equals(t)) {
            return ColumnType.BOOLEAN;
        }
        if (DataTypes.StringType.equals(t)) {
            return ColumnType.STRING;
        }
        throw new IllegalArgumentException(what + " has type " + t.simpleString() + ", which batches do not carry"
                + " (they carry bigint, int, double, float, boolean, string); cast it, or use a scalar UDF");
    }

    /**
     * A Java value Python returned as the Java class Spark's row encoder
     * takes for {@code t} (Python ints arrive as {@code Long}, floats as
     * {@code Double}); null stays null.
     *
     * @throws IllegalArgumentException naming {@code fn} if the value does not fit
     */
    static Object coerce(Object v, DataType t, Object fn) {
        if (v == null) {
            return null;
        }
        Class<?> c = javaClass(t);
        if (c.isInstance(v) || c == Object.class) {
            return v;
        }
        if (v instanceof Number) {
            Number n = (Number) v;
            boolean integral = v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte;
            if (c == Double.class) {
                return n.doubleValue();
            }
            if (c == Float.class) {
                return n.floatValue();
            }
            if (integral && c == Long.class) {
                return n.longValue();
            }
            long x = n.longValue();
            if (integral && c == Integer.class && x == (int) x) {
                return (int) x;
            }
            if (integral && c == Short.class && x == (short) x) {
                return (short) x;
            }
            if (integral && c == Byte.class && x == (byte) x) {
                return (byte) x;
            }
        }
        throw new IllegalArgumentException(fn + " returned " + v.getClass().getSimpleName() + " " + v
                + " for a column of type " + t.simpleString());
    }

    /** The Java class to ask Python's result as, for a UDF declared to return {@code t}. */
    static Class<?> javaClass(DataType t) {
        if (DataTypes.LongType.equals(t)) {
            return Long.class;
        }
        if (DataTypes.IntegerType.equals(t)) {
            return Integer.class;
        }
        if (DataTypes.DoubleType.equals(t)) {
            return Double.class;
        }
        if (DataTypes.FloatType.equals(t)) {
            return Float.class;
        }
        if (DataTypes.BooleanType.equals(t)) {
            return Boolean.class;
        }
        if (DataTypes.StringType.equals(t)) {
            return String.class;
        }
        if (DataTypes.ShortType.equals(t)) {
            return Short.class;
        }
        if (DataTypes.ByteType.equals(t)) {
            return Byte.class;
        }
        if (DataTypes.BinaryType.equals(t)) {
            return byte[].class;
        }
        // Arrays (Python lists -> java.util.List) and maps (dicts -> java.util.Map): Spark's
        // converters take the Java collections.
        return Object.class;
    }
}

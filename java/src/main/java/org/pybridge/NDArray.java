package org.pybridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A numpy array copied into Java: its dtype, its shape and its elements in
 * C (row-major) order in a primitive array. {@link PyObject#toJava()} gives
 * one for an {@code ndarray} of a supported dtype ({@code float64},
 * {@code float32}, {@code int64}, {@code int32}, {@code int16}, {@code int8},
 * {@code uint8}, {@code bool}), {@link PyObject#toNDArray()} asks for one
 * explicitly, and {@link Python#toPython} turns one back into a new numpy
 * array. For sharing memory without a copy, see {@link PyObject#asBuffer()}
 * and {@link Python#toNumpy(ByteBuffer, String, long...)}. Serializable (it is
 * plain data), so it can travel to a Spark executor or a Flink task.
 */
public final class NDArray implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** @serial numpy's name of the element type ({@code "float64"}, ...). */
    private final String dtype;
    /** @serial the dimensions. */
    private final long[] shape;
    /** @serial the elements, row-major, a Java primitive array. */
    private final Object data;

    /**
     * An array of {@code data} ({@code double[]}, {@code float[]},
     * {@code long[]}, {@code int[]}, {@code short[]}, {@code byte[]} or
     * {@code boolean[]}; a {@code byte[]} is {@code int8}) in this shape
     * (none: one dimension). The array is not copied.
     * @param data the elements, a Java primitive array
     * @param shape the dimensions (none given: one dimension over all the elements)
     */
    public NDArray(Object data, long... shape) {
        this(dtypeOf(data), data, shape.length == 0 ? new long[] {java.lang.reflect.Array.getLength(data)} : shape);
    }

    NDArray(String dtype, Object data, long[] shape) {
        this.dtype = dtype;
        this.data = data;
        this.shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        int len = java.lang.reflect.Array.getLength(data);
        if (n != len) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements, the array has " + len);
        }
    }

    /**
     * numpy's name of the element type: {@code float64}, {@code int32}, {@code uint8}, {@code bool}…
     *
     * @return numpy's name of the element type
     */
    public String dtype() {
        return dtype;
    }

    /**
     * The dimensions (a copy).
     *
     * @return the dimensions (a copy)
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Number of elements.
     *
     * @return the number of elements
     */
    public int size() {
        return java.lang.reflect.Array.getLength(data);
    }

    /**
     * The elements, row-major: a {@code double[]}, {@code long[]}, … (not a copy).
     *
     * @return the elements, row-major
     */
    public Object data() {
        return data;
    }

    /**
     * The elements of a {@code float64} array, not copied.
     *
     * @return the elements, row-major
     * @throws ClassCastException if the array's dtype is not {@code float64}
     */
    public double[] doubles() {
        return typed(double[].class, "float64");
    }

    /**
     * The elements of a {@code float32} array, not copied.
     *
     * @return the elements, row-major
     * @throws ClassCastException if the array's dtype is not {@code float32}
     */
    public float[] floats() {
        return typed(float[].class, "float32");
    }

    /**
     * The elements of a {@code int64} array, not copied.
     *
     * @return the elements, row-major
     * @throws ClassCastException if the array's dtype is not {@code int64}
     */
    public long[] longs() {
        return typed(long[].class, "int64");
    }

    /**
     * The elements of a {@code int32} array, not copied.
     *
     * @return the elements, row-major
     * @throws ClassCastException if the array's dtype is not {@code int32}
     */
    public int[] ints() {
        return typed(int[].class, "int32");
    }

    /**
     * The elements of a {@code int16} array, not copied.
     *
     * @return the elements, row-major
     * @throws ClassCastException if the array's dtype is not {@code int16}
     */
    public short[] shorts() {
        return typed(short[].class, "int16");
    }

    /**
     * The elements of an {@code int8} or {@code uint8} array (uint8 values read as signed bytes).
     *
     * @return the elements of an {@code int8} or {@code uint8} array (uint8 values read as signed bytes)
     */
    public byte[] bytes() {
        return typed(byte[].class, "int8 or uint8");
    }

    /**
     * The elements of a {@code bool} array, not copied.
     *
     * @return the elements, row-major
     * @throws ClassCastException if the array's dtype is not {@code bool}
     */
    public boolean[] booleans() {
        return typed(boolean[].class, "bool");
    }

    private <T> T typed(Class<T> c, String want) {
        if (!c.isInstance(data)) {
            throw new ClassCastException("this NDArray is " + dtype + ", not " + want);
        }
        return c.cast(data);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NDArray)) {
            return false;
        }
        NDArray a = (NDArray) o;
        return dtype.equals(a.dtype) && Arrays.equals(shape, a.shape)
                && Arrays.deepEquals(new Object[] {data}, new Object[] {a.data});
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.deepHashCode(new Object[] {data});
    }

    @Override
    public String toString() {
        return "NDArray(" + dtype + ", shape " + Arrays.toString(shape) + ")";
    }

    // ---- codes shared with the native side (Contract.DType) ------------------------

    static byte code(String dtype) {
        switch (dtype) {
            case "float64":
                return Contract.DType.F64;
            case "float32":
                return Contract.DType.F32;
            case "int64":
                return Contract.DType.I64;
            case "int32":
                return Contract.DType.I32;
            case "int16":
                return Contract.DType.I16;
            case "int8":
                return Contract.DType.I8;
            case "uint8":
                return Contract.DType.U8;
            case "bool":
                return Contract.DType.BOOL;
            default:
                throw new IllegalArgumentException("unsupported dtype '" + dtype
                        + "' (supported: float64, float32, int64, int32, int16, int8, uint8, bool)");
        }
    }

    static String name(int code) {
        switch (code) {
            case Contract.DType.F64:
                return "float64";
            case Contract.DType.F32:
                return "float32";
            case Contract.DType.I64:
                return "int64";
            case Contract.DType.I32:
                return "int32";
            case Contract.DType.I16:
                return "int16";
            case Contract.DType.I8:
                return "int8";
            case Contract.DType.U8:
                return "uint8";
            case Contract.DType.BOOL:
                return "bool";
            default:
                return null;
        }
    }

    static int itemSize(String dtype) {
        switch (dtype) {
            case "float64":
            case "int64":
                return 8;
            case "float32":
            case "int32":
                return Contract.DType.I32;
            case "int16":
                return 2;
            default:
                return 1;
        }
    }

    static String dtypeOf(Object data) {
        if (data instanceof double[]) {
            return "float64";
        }
        if (data instanceof float[]) {
            return "float32";
        }
        if (data instanceof long[]) {
            return "int64";
        }
        if (data instanceof int[]) {
            return "int32";
        }
        if (data instanceof short[]) {
            return "int16";
        }
        if (data instanceof byte[]) {
            return "int8";
        }
        if (data instanceof boolean[]) {
            return "bool";
        }
        throw new IllegalArgumentException("an NDArray holds a double[], float[], long[], int[], short[], byte[]"
                + " or boolean[], not " + (data == null ? "null" : data.getClass().getName()));
    }

    /** A new primitive array of {@code n} elements of {@code dtype}. */
    static Object newData(String dtype, int n) {
        switch (dtype) {
            case "float64":
                return new double[n];
            case "float32":
                return new float[n];
            case "int64":
                return new long[n];
            case "int32":
                return new int[n];
            case "int16":
                return new short[n];
            case "bool":
                return new boolean[n];
            default:
                return new byte[n];
        }
    }

    /** Copies {@code len} bytes of native memory at {@code addr} (kept valid by the caller) into {@code data}. */
    static void copyIn(long addr, long len, Object data) {
        if (data instanceof boolean[]) {
            copyIn(Native.newDirectBuffer(addr, len), data);
            return;
        }
        if (len != (long) java.lang.reflect.Array.getLength(data) * itemSize(dtypeOf(data))
                || Native.copyArray(data, addr, len, true) != 0) {
            throw new PyBridgeException("internal error: could not copy " + len + " bytes into a Java array");
        }
    }

    /** Copies {@code data} into {@code len} bytes of native memory at {@code addr} (kept valid by the caller). */
    static void copyOut(Object data, long addr, long len) {
        if (data instanceof boolean[]) {
            copyOut(data, Native.newDirectBuffer(addr, len));
            return;
        }
        if (len != (long) java.lang.reflect.Array.getLength(data) * itemSize(dtypeOf(data))
                || Native.copyArray(data, addr, len, false) != 0) {
            throw new PyBridgeException("internal error: could not copy " + len + " bytes from a Java array");
        }
    }

    /** Copies native-order elements from {@code src} (positioned at 0) into {@code data}. */
    static void copyIn(ByteBuffer src, Object data) {
        ByteBuffer b = src.order(ByteOrder.nativeOrder());
        if (data instanceof double[]) {
            b.asDoubleBuffer().get((double[]) data);
        } else if (data instanceof float[]) {
            b.asFloatBuffer().get((float[]) data);
        } else if (data instanceof long[]) {
            b.asLongBuffer().get((long[]) data);
        } else if (data instanceof int[]) {
            b.asIntBuffer().get((int[]) data);
        } else if (data instanceof short[]) {
            b.asShortBuffer().get((short[]) data);
        } else if (data instanceof byte[]) {
            b.get((byte[]) data);
        } else {
            boolean[] z = (boolean[]) data;
            for (int i = 0; i < z.length; i++) {
                z[i] = b.get(i) != 0;
            }
        }
    }

    /** Copies {@code data} into {@code dst} (positioned at 0) in native order. */
    static void copyOut(Object data, ByteBuffer dst) {
        ByteBuffer b = dst.order(ByteOrder.nativeOrder());
        if (data instanceof double[]) {
            b.asDoubleBuffer().put((double[]) data);
        } else if (data instanceof float[]) {
            b.asFloatBuffer().put((float[]) data);
        } else if (data instanceof long[]) {
            b.asLongBuffer().put((long[]) data);
        } else if (data instanceof int[]) {
            b.asIntBuffer().put((int[]) data);
        } else if (data instanceof short[]) {
            b.asShortBuffer().put((short[]) data);
        } else if (data instanceof byte[]) {
            b.put((byte[]) data);
        } else {
            boolean[] z = (boolean[]) data;
            for (int i = 0; i < z.length; i++) {
                b.put(i, (byte) (z[i] ? 1 : 0));
            }
        }
    }
}

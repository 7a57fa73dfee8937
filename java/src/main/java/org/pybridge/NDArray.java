package org.pybridge;

import java.io.Serializable;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * A numpy array copied into Java: its dtype, its shape and its elements in
 * C (row-major) order in a primitive array. {@link PyObject#toJava()} gives
 * one for an {@code ndarray} of a supported dtype, {@link PyObject#toNDArray()}
 * asks for one explicitly, and {@link Python#toPython} turns one back into a
 * new numpy array of the same dtype and shape (a shape of {@code []} is a
 * 0-d array). The dtypes and their Java arrays:
 *
 * <ul>
 *   <li>{@code float64} {@code double[]}, {@code float32} {@code float[]},
 *       {@code int64} {@code long[]}, {@code int32} {@code int[]},
 *       {@code int16} {@code short[]}, {@code int8} {@code byte[]},
 *       {@code bool} {@code boolean[]};
 *   <li>unsigned types in the signed array of their width, with the same
 *       bits ({@link #isUnsigned()} says so): {@code uint8} {@code byte[]},
 *       {@code uint16} {@code short[]}, {@code uint32} {@code int[]},
 *       {@code uint64} {@code long[]}; {@link #unsignedLongs()} widens
 *       uint8/16/32 exactly ({@code Long.toUnsignedString} and
 *       {@code Long.compareUnsigned} read uint64);
 *   <li>{@code float16} in {@code short[]} (the IEEE 754 half-precision
 *       bits); {@link #halfsAsFloats()} widens them;
 *   <li>{@code datetime64[unit]} and {@code timedelta64[unit]} (units
 *       {@code Y M W D h m s ms us ns ps fs as}) in {@code long[]}: counts of
 *       the unit since 1970-01-01T00:00Z, {@code Long.MIN_VALUE} for
 *       {@code NaT}; {@link #unit()} names the unit, {@link #toInstants()} and
 *       {@link #toDurations()} make java.time values.
 * </ul>
 *
 * <p>The same-width choice keeps a copy one {@code memcpy} and round trips
 * exact; widening is explicit. For sharing memory without a copy, see {@link PyObject#asBuffer()}
 * and {@link Python#toNumpy(ByteBuffer, String, long...)}. Serializable (it is
 * plain data), so it can travel to a Spark executor or a Flink task.
 */
public final class NDArray implements Serializable {
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
        this(DTypes.dtypeOf(data), data, shape.length == 0 ? new long[] {Array.getLength(data)} : shape);
    }

    /**
     * An array of a given dtype (see the class comment for the Java array
     * each takes: {@code "uint16"} a {@code short[]}, {@code "datetime64[ns]"}
     * a {@code long[]}…) and shape, taken as it is: {@code new long[0]} is a
     * 0-d array of one element, {@code null} one dimension. Not copied.
     *
     * @param dtype the numpy dtype name, e.g. {@code "float64"} or {@code "datetime64[ns]"}
     * @param data the Java array of the elements, row-major
     * @param shape the shape ({@code null}: one dimension; empty: 0-d)
     * @return the array
     */
    public static NDArray of(String dtype, Object data, long[] shape) {
        if (dtype == null || data == null) {
            throw new IllegalArgumentException("NDArray.of needs a dtype and a primitive array");
        }
        DTypes.code(dtype); // validates the name
        Class<?> want = DTypes.newData(dtype, 0).getClass();
        if (!want.isInstance(data)) {
            throw new IllegalArgumentException("an NDArray of dtype " + dtype + " holds a " + want.getSimpleName()
                    + ", not a " + data.getClass().getSimpleName());
        }
        return new NDArray(dtype, data, shape == null ? new long[] {Array.getLength(data)} : shape);
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
        int len = Array.getLength(data);
        if (n != len) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " elements, the array has " + len);
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
        return Array.getLength(data);
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
     * Whether the dtype is unsigned ({@code uint8/16/32/64}): the Java array holds the same bits.
     *
     * @return whether the dtype is {@code uint8}, {@code uint16}, {@code uint32} or {@code uint64}
     */
    public boolean isUnsigned() {
        return dtype.startsWith("uint");
    }

    /**
     * The unit of a {@code datetime64}/{@code timedelta64} array
     * ({@code "ns"}, {@code "us"}, {@code "s"}, {@code "D"}…), else null.
     *
     * @return the unit, or null for other dtypes
     */
    public String unit() {
        int at = dtype.indexOf('[');
        return at < 0 ? null : dtype.substring(at + 1, dtype.length() - 1);
    }

    /**
     * The values of an integer array, unsigned ones read as unsigned:
     * {@code uint8/16/32} widen exactly; {@code uint64} values above
     * {@code Long.MAX_VALUE} are an {@link ArithmeticException}.
     *
     * @return the values, widened to {@code long}
     * @throws ClassCastException if this is not an integer array
     */
    public long[] unsignedLongs() {
        long[] out = new long[size()];
        boolean u = isUnsigned();
        if (data instanceof byte[]) {
            byte[] a = (byte[]) data;
            for (int i = 0; i < a.length; i++) {
                out[i] = u ? a[i] & 0xffL : a[i];
            }
        } else if (data instanceof short[] && !dtype.equals("float16")) {
            short[] a = (short[]) data;
            for (int i = 0; i < a.length; i++) {
                out[i] = u ? a[i] & 0xffffL : a[i];
            }
        } else if (data instanceof int[]) {
            int[] a = (int[]) data;
            for (int i = 0; i < a.length; i++) {
                out[i] = u ? a[i] & 0xffffffffL : a[i];
            }
        } else if (data instanceof long[] && unit() == null) {
            long[] a = (long[]) data;
            for (int i = 0; i < a.length; i++) {
                if (u && a[i] < 0) {
                    throw new ArithmeticException("uint64 value " + Long.toUnsignedString(a[i])
                            + " does not fit in a long; read longs() with Long.toUnsignedString");
                }
                out[i] = a[i];
            }
        } else {
            throw new ClassCastException("this NDArray is " + dtype + ", not an integer array");
        }
        return out;
    }

    /**
     * The values of a {@code float16} array as floats (exact).
     *
     * @return the values as floats
     * @throws ClassCastException if this is not a {@code float16} array
     */
    public float[] halfsAsFloats() {
        if (!dtype.equals("float16")) {
            throw new ClassCastException("this NDArray is " + dtype + ", not float16");
        }
        short[] a = (short[]) data;
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = halfToFloat(a[i]);
        }
        return out;
    }

    /**
     * A {@code float16} array of these floats, rounded to nearest (overflow: infinity).
     *
     * @param values the values
     * @param shape the shape (none: one dimension)
     * @return a {@code float16} array
     */
    public static NDArray halfsOf(float[] values, long... shape) {
        short[] h = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            h[i] = floatToHalf(values[i]);
        }
        return of("float16", h, shape.length == 0 ? null : shape);
    }

    /**
     * The values of a {@code datetime64} array as Instants ({@code NaT}: null).
     *
     * @return one Instant per element, null for {@code NaT}
     * @throws ClassCastException if this is not a {@code datetime64} array
     */
    public Instant[] toInstants() {
        if (!dtype.startsWith("datetime64")) {
            throw new ClassCastException("this NDArray is " + dtype + ", not datetime64");
        }
        long[] a = (long[]) data;
        Instant[] out = new Instant[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != Long.MIN_VALUE) {
                out[i] = Instant.EPOCH.plus(amount(a[i], unit()));
            }
        }
        return out;
    }

    /**
     * The values of a {@code timedelta64} array as Durations ({@code NaT}: null).
     *
     * @return one Duration per element, null for {@code NaT}
     * @throws ClassCastException if this is not a {@code timedelta64} array
     */
    public Duration[] toDurations() {
        if (!dtype.startsWith("timedelta64")) {
            throw new ClassCastException("this NDArray is " + dtype + ", not timedelta64");
        }
        long[] a = (long[]) data;
        Duration[] out = new Duration[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != Long.MIN_VALUE) {
                out[i] = amount(a[i], unit());
            }
        }
        return out;
    }

    /**
     * A {@code datetime64[unit]} array of these instants (null: {@code NaT}); a finer part than the unit is an error.
     *
     * @param values the instants (null: {@code NaT})
     * @param unit the numpy unit: W, D, h, m, s, ms, us or ns
     * @return a one-dimensional {@code datetime64[unit]} array
     */
    public static NDArray datetime64(Instant[] values, String unit) {
        long[] a = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            a[i] = values[i] == null ? Long.MIN_VALUE : count(Duration.between(Instant.EPOCH, values[i]), unit);
        }
        return of("datetime64[" + unit + "]", a, null);
    }

    /**
     * A {@code timedelta64[unit]} array of these durations (null: {@code NaT}).
     *
     * @param values the durations (null: {@code NaT})
     * @param unit the numpy unit: W, D, h, m, s, ms, us or ns
     * @return a one-dimensional {@code timedelta64[unit]} array
     */
    public static NDArray timedelta64(Duration[] values, String unit) {
        long[] a = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            a[i] = values[i] == null ? Long.MIN_VALUE : count(values[i], unit);
        }
        return of("timedelta64[" + unit + "]", a, null);
    }

    /** Nanoseconds in one of a fixed-length unit (W…ns); 0 for Y and M (calendar), -1 below ns. */
    private static long unitNanos(String unit) {
        switch (unit) {
            case "W":
                return 7 * 86_400_000_000_000L;
            case "D":
                return 86_400_000_000_000L;
            case "h":
                return 3_600_000_000_000L;
            case "m":
                return 60_000_000_000L;
            case "s":
                return 1_000_000_000L;
            case "ms":
                return 1_000_000L;
            case "us":
                return 1_000L;
            case "ns":
                return 1L;
            case "Y":
            case "M":
                return 0;
            default:
                return -1;
        }
    }

    private static Duration amount(long n, String unit) {
        long per = unitNanos(unit);
        if (per <= 0) {
            throw new UnsupportedOperationException("a count of '" + unit + "' has no exact java.time value"
                    + " (years and months vary; units below ns are finer than java.time): convert in Python,"
                    + " e.g. .astype('datetime64[ns]')");
        }
        long perSec = 1_000_000_000L;
        if (per >= perSec) {
            return Duration.ofSeconds(Math.multiplyExact(n, per / perSec));
        }
        long k = perSec / per;
        return Duration.ofSeconds(Math.floorDiv(n, k), Math.floorMod(n, k) * per);
    }

    private static long count(Duration d, String unit) {
        long per = unitNanos(unit);
        if (per <= 0) {
            throw new UnsupportedOperationException("java.time values convert to datetime64/timedelta64 of"
                    + " units W, D, h, m, s, ms, us or ns, not '" + unit + "'");
        }
        BigInteger ns = BigInteger.valueOf(d.getSeconds())
                .multiply(BigInteger.valueOf(1_000_000_000L))
                .add(BigInteger.valueOf(d.getNano()));
        BigInteger[] qr = ns.divideAndRemainder(BigInteger.valueOf(per));
        if (qr[1].signum() != 0) {
            throw new ArithmeticException(d + " is not a whole number of '" + unit + "'");
        }
        return qr[0].longValueExact();
    }

    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    static short floatToHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        float a = Math.abs(f);
        if (a >= 65520f) {
            return (short) (sign | 0x7c00);
        }
        if (a < 0x1p-14f) {
            // subnormal: a multiple of 2^-24, rounded half to even by rint
            return (short) (sign | (int) Math.rint(a * 0x1p24f));
        }
        int e = Math.getExponent(a);
        float scaled = Math.scalb(a, 10 - e); // 1024..2048
        int m = (int) Math.rint(scaled);
        if (m == 2048) {
            m = 1024;
            e++;
        }
        return (short) (sign | ((e + 15) << 10) | (m - 1024));
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
        return dtype.equals(a.dtype)
                && Arrays.equals(shape, a.shape)
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
}

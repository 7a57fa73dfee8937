package org.pybridge;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire layer's numpy dtype codec: dtype names and their
 * {@link Contract.DType} codes (both ways), the Java primitive array of each
 * dtype, and the copies of an array's elements between that array and
 * native memory or a buffer (native byte order). {@link NDArray} is the
 * public value; {@link Wire} and {@link Ops} send and receive it with these.
 */
final class DTypes {
    private DTypes() {}

    /** The units of datetime64 and timedelta64, in the order of their codes ({@code DATETIME64 + index}). */
    static final String[] UNITS = {"Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as"};

    private static final String SUPPORTED = "float64, float32, float16, int64, int32, int16, int8, uint64,"
            + " uint32, uint16, uint8, bool, datetime64[unit], timedelta64[unit]";

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
            case "float16":
                return Contract.DType.F16;
            case "uint16":
                return Contract.DType.U16;
            case "uint32":
                return Contract.DType.U32;
            case "uint64":
                return Contract.DType.U64;
            default:
                for (int i = 0; i < UNITS.length; i++) {
                    if (dtype.equals("datetime64[" + UNITS[i] + "]")) {
                        return (byte) (Contract.DType.DATETIME64 + i);
                    }
                    if (dtype.equals("timedelta64[" + UNITS[i] + "]")) {
                        return (byte) (Contract.DType.TIMEDELTA64 + i);
                    }
                }
                throw new IllegalArgumentException("unsupported dtype '" + dtype + "' (supported: " + SUPPORTED + ")");
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
            case Contract.DType.F16:
                return "float16";
            case Contract.DType.U16:
                return "uint16";
            case Contract.DType.U32:
                return "uint32";
            case Contract.DType.U64:
                return "uint64";
            default:
                if (code >= Contract.DType.DATETIME64 && code < Contract.DType.DATETIME64 + UNITS.length) {
                    return "datetime64[" + UNITS[code - Contract.DType.DATETIME64] + "]";
                }
                if (code >= Contract.DType.TIMEDELTA64 && code < Contract.DType.TIMEDELTA64 + UNITS.length) {
                    return "timedelta64[" + UNITS[code - Contract.DType.TIMEDELTA64] + "]";
                }
                return null;
        }
    }

    /** The supported dtypes, for error messages. */
    static String supported() {
        return SUPPORTED;
    }

    static int itemSize(String dtype) {
        Object probe = newData(dtype, 0);
        if (probe instanceof double[] || probe instanceof long[]) {
            return 8;
        }
        if (probe instanceof float[] || probe instanceof int[]) {
            return 4;
        }
        if (probe instanceof short[]) {
            return 2;
        }
        return 1;
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
        throw new IllegalArgumentException(
                "an NDArray holds a double[], float[], long[], int[], short[], byte[]" + " or boolean[], not "
                        + (data == null ? "null" : data.getClass().getName()));
    }

    /** A new primitive array of {@code n} elements of {@code dtype}. */
    static Object newData(String dtype, int n) {
        switch (dtype) {
            case "float64":
                return new double[n];
            case "float32":
                return new float[n];
            case "int64":
            case "uint64":
                return new long[n];
            case "int32":
            case "uint32":
                return new int[n];
            case "int16":
            case "uint16":
            case "float16":
                return new short[n];
            case "bool":
                return new boolean[n];
            default:
                if (dtype.startsWith("datetime64[") || dtype.startsWith("timedelta64[")) {
                    return new long[n];
                }
                return new byte[n];
        }
    }

    /** Copies {@code len} bytes of native memory at {@code addr} (kept valid by the caller) into {@code data}. */
    static void copyIn(long addr, long len, Object data) {
        if (data instanceof boolean[]) {
            copyIn(Native.newDirectBuffer(addr, len), data);
            return;
        }
        if (len != (long) Array.getLength(data) * itemSize(dtypeOf(data))
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
        if (len != (long) Array.getLength(data) * itemSize(dtypeOf(data))
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

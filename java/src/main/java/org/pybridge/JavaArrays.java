package org.pybridge;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java from Python, the arrays: elements, slices, new arrays, and the
 * buffers primitive arrays export to Python (a copy in a direct buffer,
 * written back when Python releases it). Elements Python stores are
 * checked by {@link JavaOverloads#coerce}.
 */
final class JavaArrays {
    private JavaArrays() {}

    /** Elements {@code start}, {@code start + step}... before {@code stop} (Python's slice, resolved). */
    static List<Object> slice(Object arr, int start, int stop, int step) {
        List<Object> out = new ArrayList<>();
        for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(Array.get(arr, i));
        }
        return out;
    }

    /** A primitive array's elements exported as a buffer: [token, direct buffer (a copy), struct format, item size]. */
    static List<Object> exportBuffer(Object arr) {
        byte[] copy = arrayBytes(arr);
        ByteBuffer bb = ByteBuffer.allocateDirect(Math.max(1, copy.length)).order(ByteOrder.nativeOrder());
        bb.put(copy).clear();
        long token = NEXT_EXPORT.incrementAndGet();
        EXPORTS.put(token, bb);
        Class<?> c = arr.getClass().getComponentType();
        String format = c == int.class
                ? "i"
                : c == long.class
                        ? "q"
                        : c == double.class
                                ? "d"
                                : c == float.class
                                        ? "f"
                                        : c == short.class ? "h" : c == char.class ? "H" : c == byte.class ? "b" : "?";
        long size = c == boolean.class || c == byte.class
                ? 1
                : c == char.class || c == short.class ? 2 : c == int.class || c == float.class ? 4 : 8;
        bb.limit(Array.getLength(arr) * (int) size);
        return Arrays.asList(token, bb, format, size);
    }

    /** Ends an export ({@link #exportBuffer}'s token), copying the buffer back into {@code arr} if asked. */
    static void releaseBuffer(Object arr, long token, boolean writeBack) {
        ByteBuffer bb = EXPORTS.remove(token);
        if (bb != null && writeBack) {
            copyBack(bb, arr);
        }
    }

    static int index(Object arr, long i) {
        int n = Array.getLength(arr);
        if (i < 0) {
            i += n;
        }
        if (i < 0 || i >= n) {
            throw new JavaBridge.PyError("IndexError", "Java array index out of range: " + i + " (length " + n + ")");
        }
        return (int) i;
    }

    private static final Map<String, Class<?>> PRIMITIVES = Map.of(
            "boolean",
            boolean.class,
            "byte",
            byte.class,
            "char",
            char.class,
            "short",
            short.class,
            "int",
            int.class,
            "long",
            long.class,
            "float",
            float.class,
            "double",
            double.class);

    static Object newArray(Object component, int n, List<?> values) {
        if (!(component instanceof String) && !(component instanceof Class)) {
            throw new JavaBridge.PyError(
                    "TypeError",
                    "jarray needs a Java class, a java.lang.Class or a class name," + " not "
                            + JavaOverloads.describeValue(component));
        }
        Class<?> comp = component instanceof Class ? (Class<?>) component : PRIMITIVES.get(component);
        if (comp == void.class) {
            throw new JavaBridge.PyError("TypeError", "there are no arrays of void");
        }
        if (comp == null) {
            comp = JavaClasses.known((String) component);
            if (comp == null) {
                comp = JavaClasses.importable((String) component);
            }
            if (comp == null) {
                throw new JavaBridge.PyError("TypeError", "unknown Java class " + component + " for an array");
            }
        }
        if (values == null) {
            if (n < 0) {
                throw new JavaBridge.PyError("ValueError", "negative array size " + n);
            }
            Object arr = Array.newInstance(comp, n);
            JavaClasses.note(arr.getClass());
            return arr;
        }
        Object arr = Array.newInstance(comp, values.size());
        for (int i = 0; i < values.size(); i++) {
            Array.set(
                    arr, i, JavaOverloads.coerce(values.get(i), comp, "an element of a " + comp.getName() + " array"));
        }
        JavaClasses.note(arr.getClass());
        return arr;
    }

    static byte[] arrayBytes(Object arr) {
        Class<?> c = arr.getClass().getComponentType();
        if (c == byte.class) {
            return ((byte[]) arr).clone();
        }
        if (c == null || !c.isPrimitive()) {
            throw new JavaBridge.PyError(
                    "TypeError",
                    "a buffer (or tobytes()) needs a primitive array, not a "
                            + arr.getClass().getName());
        }
        int n = Array.getLength(arr);
        int size = c == boolean.class
                ? 1
                : c == char.class || c == short.class ? 2 : c == int.class || c == float.class ? 4 : 8;
        ByteBuffer bb = ByteBuffer.allocate(n * size).order(ByteOrder.nativeOrder());
        if (c == int.class) {
            bb.asIntBuffer().put((int[]) arr);
        } else if (c == long.class) {
            bb.asLongBuffer().put((long[]) arr);
        } else if (c == double.class) {
            bb.asDoubleBuffer().put((double[]) arr);
        } else if (c == float.class) {
            bb.asFloatBuffer().put((float[]) arr);
        } else if (c == short.class) {
            bb.asShortBuffer().put((short[]) arr);
        } else if (c == char.class) {
            bb.asCharBuffer().put((char[]) arr);
        } else {
            boolean[] z = (boolean[]) arr;
            for (int i = 0; i < n; i++) {
                bb.put(i, (byte) (z[i] ? 1 : 0));
            }
        }
        return bb.array();
    }

    /** Buffers exported by primitive arrays (M_ABUF), until Python releases them. */
    private static final Map<Long, ByteBuffer> EXPORTS = new ConcurrentHashMap<>();

    private static final AtomicLong NEXT_EXPORT = new AtomicLong();

    /** Writes an exported copy back into its array. */
    private static void copyBack(ByteBuffer src, Object arr) {
        ByteBuffer bb = src.duplicate().order(ByteOrder.nativeOrder());
        bb.clear();
        Class<?> c = arr.getClass().getComponentType();
        if (c == int.class) {
            bb.asIntBuffer().get((int[]) arr);
        } else if (c == long.class) {
            bb.asLongBuffer().get((long[]) arr);
        } else if (c == double.class) {
            bb.asDoubleBuffer().get((double[]) arr);
        } else if (c == float.class) {
            bb.asFloatBuffer().get((float[]) arr);
        } else if (c == short.class) {
            bb.asShortBuffer().get((short[]) arr);
        } else if (c == char.class) {
            bb.asCharBuffer().get((char[]) arr);
        } else if (c == byte.class) {
            bb.get((byte[]) arr);
        } else {
            boolean[] z = (boolean[]) arr;
            for (int i = 0; i < z.length; i++) {
                z[i] = bb.get(i) != 0;
            }
        }
    }

    static String arrayString(Object arr) {
        if (arr instanceof Object[]) {
            return Arrays.deepToString((Object[]) arr);
        }
        List<Object> l = new ArrayList<>();
        for (int i = 0; i < Array.getLength(arr); i++) {
            l.add(Array.get(arr, i));
        }
        return l.toString();
    }

    static boolean arrayEquals(Object arr, Object other) {
        if (other == null) {
            return false;
        }
        if (other.getClass().isArray()) {
            return Arrays.deepEquals(new Object[] {arr}, new Object[] {other});
        }
        if (other instanceof List) {
            List<?> l = (List<?>) other;
            int n = Array.getLength(arr);
            if (l.size() != n) {
                return false;
            }
            Class<?> comp = arr.getClass().getComponentType();
            for (int i = 0; i < n; i++) {
                Object o = l.get(i);
                if (JavaOverloads.cost(o, comp) >= JavaOverloads.NO
                        || !Objects.equals(Array.get(arr, i), JavaOverloads.convert(o, comp))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    static int arrayHash(Object arr) {
        return Arrays.deepHashCode(new Object[] {arr});
    }
}

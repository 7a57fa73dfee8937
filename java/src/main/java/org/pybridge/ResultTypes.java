package org.pybridge;

import java.lang.reflect.Array;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

/** Turning a decoded reply into the Java type a caller asked for. */
final class ResultTypes {
    private ResultTypes() {}

    static byte modeFor(Class<?> type) {
        if (type == PyObject.class) {
            return Contract.Mode.HANDLE;
        }
        if (type == Object.class || type.isArray()) {
            // Arrays: elements are checked one by one (coerce), with their own messages.
            return Contract.Mode.CONVERT;
        }
        return Contract.Mode.STRICT;
    }

    @SuppressWarnings("unchecked")
    static <T> T coerce(Object v, Class<T> type) {
        if (v == null) {
            if (type.isPrimitive()) {
                throw new ClassCastException("Python returned None, which cannot be a " + type.getName());
            }
            return null;
        }
        Class<?> t = box(type);
        if (t.isInstance(v)) {
            return (T) v;
        }
        if (t.isArray()) {
            return (T) toArray(v, t);
        }
        if (t == String.class && !(v instanceof PyObject)) {
            // The rule: a String result is a Python str, nothing else (no implicit str()).
            throw new ClassCastException("Python returned " + JavaOverloads.describeValue(v) + ", not a str: a String"
                    + " result must be a Python str (pybridge does not call str() for you); convert in Python"
                    + " (str(...)), or ask for Object.class, or use PyObject.toString()");
        }
        if (JavaOverloads.narrows(v.getClass(), t)) {
            // The rules are JavaOverloads.fits'; a result that does not fit is an ArithmeticException.
            Object n = JavaOverloads.narrow(v, t);
            if (n == null) {
                throw new ArithmeticException(
                        "Python " + (v instanceof Double || v instanceof Float ? "float " : "int ") + v
                                + " does not fit in a " + t.getSimpleName());
            }
            return (T) n;
        }
        if (v instanceof OffsetDateTime && t == Instant.class) {
            return (T) ((OffsetDateTime) v).toInstant();
        }
        if (v instanceof ZonedDateTime && t == Instant.class) {
            return (T) ((ZonedDateTime) v).toInstant();
        }
        if (v instanceof ZonedDateTime && t == OffsetDateTime.class) {
            return (T) ((ZonedDateTime) v).toOffsetDateTime();
        }
        if (t == Date.class
                && v instanceof TemporalAccessor
                && ((TemporalAccessor) v).isSupported(ChronoField.INSTANT_SECONDS)) {
            return (T) Date.from(Instant.from((TemporalAccessor) v));
        }
        if (SqlTimes.isSqlTime(t)) {
            Object sql = SqlTimes.fromJavaTime(v, t);
            if (sql != null) {
                return (T) sql;
            }
        }
        if (v instanceof String && t == Character.class && ((String) v).length() == 1) {
            return (T) Character.valueOf(((String) v).charAt(0));
        }
        if (v instanceof PyObject && t != PyObject.class) {
            PyObject p = (PyObject) v;
            String pt = p.typeName();
            throw new ClassCastException("a Python '" + pt + "' cannot be converted to " + type.getName());
        }
        throw new ClassCastException(
                "a Python value converted to " + v.getClass().getName() + " cannot be returned as " + type.getName());
    }

    /**
     * A converted Python sequence (a List, or a numpy array's NDArray, or
     * bytes) as the Java array type {@code t}, element by element (nested
     * arrays too): {@code callAs(int[].class)}, {@code String[]},
     * {@code Object[][]}.
     */
    static Object toArray(Object v, Class<?> t) {
        Class<?> comp = t.getComponentType();
        if (v instanceof NDArray) {
            NDArray a = (NDArray) v;
            if (a.shape().length == 1 && a.data().getClass() == t) {
                return a.data();
            }
            if (a.shape().length == 1) {
                int n = Array.getLength(a.data());
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(Array.get(a.data(), i));
                }
                v = l;
            } else {
                throw new ClassCastException("a numpy array of shape " + Arrays.toString(a.shape())
                        + " cannot be returned as " + t.getCanonicalName() + "; ask for NDArray");
            }
        }
        if (v instanceof byte[]) {
            byte[] b = (byte[]) v;
            List<Object> l = new ArrayList<>(b.length);
            for (byte x : b) {
                l.add((long) (x & 0xff));
            }
            v = l;
        }
        if (!(v instanceof List)) {
            throw new ClassCastException("Python returned " + JavaOverloads.describeValue(v)
                    + ", which cannot be returned as " + t.getCanonicalName() + " (a list or tuple can)");
        }
        List<?> l = (List<?>) v;
        Object out = Array.newInstance(comp, l.size());
        for (int i = 0; i < l.size(); i++) {
            Object e = l.get(i);
            try {
                Array.set(out, i, comp == Object.class ? e : coerce(e, comp));
            } catch (ClassCastException | ArithmeticException x) {
                throw new ClassCastException(
                        "element " + i + " of the result as " + t.getCanonicalName() + ": " + x.getMessage());
            }
        }
        return out;
    }

    static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        if (c == long.class) {
            return Long.class;
        }
        if (c == int.class) {
            return Integer.class;
        }
        if (c == double.class) {
            return Double.class;
        }
        if (c == boolean.class) {
            return Boolean.class;
        }
        if (c == float.class) {
            return Float.class;
        }
        if (c == short.class) {
            return Short.class;
        }
        if (c == byte.class) {
            return Byte.class;
        }
        if (c == char.class) {
            return Character.class;
        }
        return c;
    }
}

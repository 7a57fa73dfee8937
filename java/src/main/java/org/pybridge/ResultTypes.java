package org.pybridge;

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
                throw new ArithmeticException("Python " + (v instanceof Double || v instanceof Float ? "float " : "int ")
                        + v + " does not fit in a " + t.getSimpleName());
            }
            return (T) n;
        }
        if (v instanceof java.time.OffsetDateTime && t == java.time.Instant.class) {
            return (T) ((java.time.OffsetDateTime) v).toInstant();
        }
        if (v instanceof java.time.ZonedDateTime && t == java.time.Instant.class) {
            return (T) ((java.time.ZonedDateTime) v).toInstant();
        }
        if (v instanceof java.time.ZonedDateTime && t == java.time.OffsetDateTime.class) {
            return (T) ((java.time.ZonedDateTime) v).toOffsetDateTime();
        }
        if (t == java.util.Date.class && v instanceof java.time.temporal.TemporalAccessor
                && ((java.time.temporal.TemporalAccessor) v).isSupported(java.time.temporal.ChronoField.INSTANT_SECONDS)) {
            return (T) java.util.Date.from(java.time.Instant.from((java.time.temporal.TemporalAccessor) v));
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
        throw new ClassCastException("a Python value converted to " + v.getClass().getName()
                + " cannot be returned as " + type.getName());
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
                int n = java.lang.reflect.Array.getLength(a.data());
                java.util.List<Object> l = new java.util.ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(java.lang.reflect.Array.get(a.data(), i));
                }
                v = l;
            } else {
                throw new ClassCastException("a numpy array of shape " + java.util.Arrays.toString(a.shape())
                        + " cannot be returned as " + t.getCanonicalName() + "; ask for NDArray");
            }
        }
        if (v instanceof byte[]) {
            byte[] b = (byte[]) v;
            java.util.List<Object> l = new java.util.ArrayList<>(b.length);
            for (byte x : b) {
                l.add((long) (x & 0xff));
            }
            v = l;
        }
        if (!(v instanceof java.util.List)) {
            throw new ClassCastException("Python returned " + JavaOverloads.describeValue(v)
                    + ", which cannot be returned as " + t.getCanonicalName() + " (a list or tuple can)");
        }
        java.util.List<?> l = (java.util.List<?>) v;
        Object out = java.lang.reflect.Array.newInstance(comp, l.size());
        for (int i = 0; i < l.size(); i++) {
            Object e = l.get(i);
            try {
                java.lang.reflect.Array.set(out, i, comp == Object.class ? e : coerce(e, comp));
            } catch (ClassCastException | ArithmeticException x) {
                throw new ClassCastException("element " + i + " of the result as " + t.getCanonicalName() + ": "
                        + x.getMessage());
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

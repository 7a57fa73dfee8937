package org.pybridge;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * User conversions to Python ({@link Python#registerConverter}): consulted
 * for values of classes the built-in conversions do not know, before
 * function objects. Lookups are cached per class; the most specific
 * registration wins (the class itself, then its superclasses, then its
 * interfaces). Classes with a built-in conversion (maps, collections,
 * strings, numbers, arrays, PyObject) never use a registration: a Clojure
 * vector is a list even though it is also a function. A conversion may
 * call Python (it runs while a request is being encoded, and a nested call
 * takes the next per-thread buffer, as a callback does); a conversion that
 * returns its input unchanged means "pass it as it is" (what it would be
 * with no registration). Registering {@code null} removes a registration.
 */
final class ConverterRegistry {
    private ConverterRegistry() {}

    private static final Map<Class<?>, Function<Object, ?>> REGISTERED = new ConcurrentHashMap<>();
    private static final Function<Object, ?> NONE = v -> v;
    /** Per-class answers; replaced (not cleared) when a registration changes them. */
    private static volatile ClassValue<Function<Object, ?>> resolved = newCache();

    private static ClassValue<Function<Object, ?>> newCache() {
        return new ClassValue<Function<Object, ?>>() {
            @Override
            protected Function<Object, ?> computeValue(Class<?> c) {
                return builtIn(c) ? NONE : resolve(c);
            }
        };
    }

    @SuppressWarnings("unchecked")
    static synchronized <T> void register(Class<T> type, Function<? super T, ?> fn) {
        if (fn == null) {
            REGISTERED.remove(type);
        } else {
            REGISTERED.put(type, (Function<Object, ?>) fn);
        }
        resolved = newCache();
        Wire.invalidateCategories();
    }

    /** The conversion for this class, or null (always null for classes converted built-in). */
    static Function<Object, ?> find(Class<?> c) {
        Function<Object, ?> f = resolved.get(c);
        return f == NONE ? null : f;
    }

    /** Classes the built-in conversion takes: a registration never overrides them. */
    private static boolean builtIn(Class<?> c) {
        return PyObject.class.isAssignableFrom(c)
                || PyBacked.class.isAssignableFrom(c)
                || c == UnmanagedBuffer.class
                || ByteBuffer.class.isAssignableFrom(c)
                || Map.class.isAssignableFrom(c)
                || Collection.class.isAssignableFrom(c)
                || CharSequence.class.isAssignableFrom(c)
                || c.isArray()
                || c == Boolean.class
                || c == Character.class
                || c == Long.class
                || c == Integer.class
                || c == Short.class
                || c == Byte.class
                || c == Double.class
                || c == Float.class
                || c == BigInteger.class;
    }

    private static Function<Object, ?> resolve(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            Function<Object, ?> f = REGISTERED.get(k);
            if (f != null) {
                return f;
            }
        }
        List<Class<?>> todo = new ArrayList<>();
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            todo.addAll(List.of(k.getInterfaces()));
        }
        for (int i = 0; i < todo.size(); i++) {
            Function<Object, ?> f = REGISTERED.get(todo.get(i));
            if (f != null) {
                return f;
            }
            todo.addAll(List.of(todo.get(i).getInterfaces()));
        }
        return NONE;
    }
}

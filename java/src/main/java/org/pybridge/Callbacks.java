package org.pybridge;

import java.lang.reflect.Array;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Java function objects that Python holds, and the entry point through which
 * Python calls them (from {@code rust/src/jvm/upcall.rs}).
 *
 * <p>A function object sent to Python ({@code java.util.function} types,
 * {@code Runnable}, {@code Callable}, or any interface annotated
 * {@code @FunctionalInterface}) is kept here under an id until Python frees
 * its {@code pybridge.JavaFunction}; it comes back to Java as the same object.
 * A Java exception thrown inside is kept for a while so that, if it
 * propagates out of Python into Java, it is the cause of the
 * {@link PythonException}.
 */
final class Callbacks {
    private Callbacks() {}

    private static final AtomicLong NEXT = new AtomicLong(1);
    private static final Map<Long, Object> LIVE = new ConcurrentHashMap<>();
    private static final int KEEP_THROWN = 1024;
    private static final Map<Long, Throwable> THROWN =
            Collections.synchronizedMap(new LinkedHashMap<Long, Throwable>(64, 0.75f, false) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Throwable> e) {
                    return size() > KEEP_THROWN;
                }
            });

    /**
     * Whether instances of {@code c} are function objects Python can call:
     * {@code java.util.function} types, Runnable, Callable, PyCallback, any
     * {@code @FunctionalInterface} (not a Thread, which is a Runnable).
     */
    static boolean isFunctionClass(Class<?> c) {
        if (Thread.class.isAssignableFrom(c)) {
            return false;
        }
        for (Class<?> f : FUNCTION_TYPES) {
            if (f.isAssignableFrom(c)) {
                return true;
            }
        }
        return functionalMethod(c) != null;
    }

    private static final Class<?>[] FUNCTION_TYPES = {
        PyCallback.class,
        Function.class,
        BiFunction.class,
        Supplier.class,
        Consumer.class,
        BiConsumer.class,
        Predicate.class,
        BiPredicate.class,
        Runnable.class,
        Callable.class
    };

    /**
     * Functions Python has freed, kept a few seconds more: a function Python
     * returns to Java is freed by Python before Java reads the reply that
     * names it.
     */
    private static final Map<Long, Object[]> RECENTLY_FREED = new ConcurrentHashMap<>();

    private static final long GRACE_NANOS = 5_000_000_000L;
    private static volatile long lastPurge = System.nanoTime();

    /** Forgets the functions Python has freed since the last call (no GIL taken). */
    static void drainFreed() {
        purgeRecentlyFreed();
        if (LIVE.isEmpty() || !Python.isInitialized()) {
            return;
        }
        for (long id : Ops.takeFreed()) {
            release(id);
        }
    }

    static long register(Object fn) {
        long id = NEXT.getAndIncrement();
        LIVE.put(id, fn);
        purgeRecentlyFreed();
        return id;
    }

    /** Forgets functions past their grace period (at most once a second). */
    private static void purgeRecentlyFreed() {
        long now = System.nanoTime();
        if (!RECENTLY_FREED.isEmpty() && now - lastPurge > 1_000_000_000L) {
            lastPurge = now;
            RECENTLY_FREED.values().removeIf(e -> now - (Long) e[1] > GRACE_NANOS);
        }
    }

    static Object lookup(long id) {
        Object o = LIVE.get(id);
        if (o == null) {
            Object[] e = RECENTLY_FREED.get(id);
            o = e == null ? null : e[0];
        }
        if (o == null) {
            throw new PyBridgeException("internal error: Java function #" + id + " is no longer registered");
        }
        return o;
    }

    /** Forgets a function Python has freed (kept a few seconds more, see RECENTLY_FREED). */
    static void release(long id) {
        Object o = LIVE.remove(id);
        if (o != null) {
            RECENTLY_FREED.put(id, new Object[] {o, System.nanoTime()});
        }
    }

    static int alive() {
        drainFreed();
        return LIVE.size();
    }

    /** The Java exception with this id, still kept (null if unknown or forgotten). */
    static Throwable peekThrown(long id) {
        return id == 0 ? null : THROWN.get(id);
    }

    /** The Java exception with this id, thrown inside a callback (null if unknown). */
    static Throwable takeThrown(long id) {
        return id == 0 ? null : THROWN.remove(id);
    }

    /**
     * This thread's view of the native buffer its calls from Python arrive in
     * (by address and size): a {@link Buf} over that memory, from which the
     * request is read and into which the reply is written in place.
     */
    private static final class View {
        final long addr;
        final int cap;
        final Buf io;

        View(long addr, int cap) {
            this.addr = addr;
            this.cap = cap;
            this.io = Buf.over(Native.newDirectBuffer(addr, cap), addr);
        }
    }

    private static final ThreadLocal<View> VIEW = new ThreadLocal<>();
    /** A reply too large for the native buffer, until {@link #takeReply} fetches it. */
    private static final ThreadLocal<byte[]> PENDING = new ThreadLocal<>();

    private static View view(long addr, int cap) {
        View v = VIEW.get();
        if (v == null || v.addr != addr || v.cap != cap) {
            v = new View(addr, cap);
            VIEW.set(v);
        }
        return v;
    }

    /**
     * Called from Python (rust/src/jvm/upcall.rs) with a request of
     * {@code len} bytes at {@code addr} in a native buffer of {@code cap}
     * bytes: arguments ({@code i32 n}, values) and keyword arguments (NONE or
     * a dict). The reply goes into the same buffer once the request is read:
     * status byte 0, the id under which the reply's {@code PyObject}s are
     * kept reachable until Python has read them (0: none; Python frees the id
     * when done), and the result; or 1 and (class name, message, exception
     * id). Returns its length, or minus its length when it did not fit (then
     * {@link #takeReply} copies it into a larger buffer).
     *
     * <p>A nested call (the function calls Python, which calls Java again)
     * arrives with another native buffer and its own view; this call keeps
     * the {@code Buf} it started with.
     */
    static long invoke(long id, long addr, int len, int cap) {
        View v = view(addr, cap);
        Buf io = v.io;
        io.bb.clear();
        io.bb.limit(len);
        io.takePins();
        try {
            Object fn = lookup(id);
            int n = io.getInt();
            Object[] args = new Object[n];
            for (int i = 0; i < n; i++) {
                args[i] = Wire.read(io, null);
            }
            Object kw = Wire.read(io, null);
            Object result;
            if (fn instanceof PyCallback) {
                @SuppressWarnings("unchecked")
                Map<String, Object> kwargs = kw instanceof Map ? (Map<String, Object>) kw : Collections.emptyMap();
                result = ((PyCallback) fn).call(args, kwargs);
            } else {
                if (kw instanceof Map && !((Map<?, ?>) kw).isEmpty()) {
                    throw new IllegalArgumentException("a Java function takes no keyword arguments (got "
                            + ((Map<?, ?>) kw).keySet() + "); implement org.pybridge.PyCallback to receive them");
                }
                result = call(fn, args);
            }
            io.bb.clear();
            io.put((byte) 0);
            io.putLong(0);
            Wire.write(io, result);
            if (io.npins != 0) {
                // Handles in the reply stay alive until Python has its own
                // references: Python reads the reply after this returns, and
                // the GC may release an unreachable wrapper meanwhile. Python
                // hands the id back when done (drainFreed forgets it).
                io.bb.putLong(1, register(io.takePins()));
            }
        } catch (Throwable t) {
            io.takePins();
            Throwable cause = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
            long tid = NEXT.getAndIncrement();
            THROWN.put(tid, cause);
            io.bb.clear();
            io.put((byte) 1);
            Wire.writeString(io, cause.getClass().getName());
            String msg = cause.getMessage();
            Wire.writeString(io, msg == null ? "" : msg);
            io.putLong(tid);
        }
        int n = io.bb.position();
        if (io.addr == addr) {
            return n;
        }
        // The reply outgrew the native buffer, and the Buf moved to a Java
        // buffer of its own: park the reply, and forget this view so that
        // the next call sees the native memory again.
        byte[] reply = new byte[n];
        io.bb.flip();
        io.bb.get(reply);
        PENDING.set(reply);
        if (VIEW.get() == v) {
            VIEW.remove();
        }
        return -n;
    }

    /**
     * A log record of the native side ({@code rust/src/jni/logging.rs}):
     * {@code level} is a {@code System.Logger.Level} from TRACE (1) to ERROR (5).
     */
    static void log(int level, String message) {
        Logs.fromNative(level, message);
    }

    /** Copies the pending reply into the native buffer at {@code addr} ({@code cap} bytes); returns its length. */
    static int takeReply(long addr, int cap) {
        byte[] reply = PENDING.get();
        PENDING.remove();
        if (reply == null || reply.length > cap) {
            return -1;
        }
        ByteBuffer dst = Native.newDirectBuffer(addr, cap);
        dst.put(reply);
        return reply.length;
    }

    /**
     * The parameter types a function object's class declares through the
     * type arguments of the java.util.function interface it implements
     * ({@code class F implements Function<boolean[], Object>}); null when
     * erased (every lambda) or all Object.
     */
    private static final ClassValue<Class<?>[]> DECLARED = new ClassValue<Class<?>[]>() {
        @Override
        protected Class<?>[] computeValue(Class<?> c) {
            return declaredTypes(c);
        }
    };

    private static final Class<?>[] TYPED = {
        Function.class, BiFunction.class, Consumer.class, BiConsumer.class, Predicate.class, BiPredicate.class
    };

    private static Class<?>[] declaredTypes(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Type t : k.getGenericInterfaces()) {
                if (!(t instanceof ParameterizedType)) {
                    continue;
                }
                ParameterizedType pt = (ParameterizedType) t;
                for (Class<?> f : TYPED) {
                    if (pt.getRawType() != f) {
                        continue;
                    }
                    int n = f == Function.class || f == Consumer.class || f == Predicate.class ? 1 : 2;
                    Type[] args = pt.getActualTypeArguments();
                    Class<?>[] out = new Class<?>[n];
                    boolean any = false;
                    for (int i = 0; i < n; i++) {
                        out[i] = rawClass(args[i]);
                        any |= out[i] != Object.class;
                    }
                    return any ? out : null;
                }
            }
        }
        return null;
    }

    private static Class<?> rawClass(Type t) {
        if (t instanceof Class) {
            return (Class<?>) t;
        }
        if (t instanceof ParameterizedType) {
            return rawClass(((ParameterizedType) t).getRawType());
        }
        if (t instanceof GenericArrayType) {
            Class<?> comp = rawClass(((GenericArrayType) t).getGenericComponentType());
            return Array.newInstance(comp, 0).getClass();
        }
        return Object.class;
    }

    /** Python's arguments converted to declared parameter types (a mismatch is Python's TypeError). */
    private static void coerceArgs(Object[] a, Class<?>[] types) {
        for (int i = 0; i < a.length && i < types.length; i++) {
            if (types[i] != Object.class) {
                a[i] = JavaOverloads.coerce(a[i], types[i], "argument " + (i + 1) + " of this Java function");
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object call(Object fn, Object[] a) throws Exception {
        int n = a.length;
        Class<?>[] declared = DECLARED.get(fn.getClass());
        if (declared != null) {
            coerceArgs(a, declared);
        }
        if (fn instanceof Function && n == 1) {
            return ((Function) fn).apply(a[0]);
        }
        if (fn instanceof BiFunction && n == 2) {
            return ((BiFunction) fn).apply(a[0], a[1]);
        }
        if (fn instanceof Supplier && n == 0) {
            return ((Supplier) fn).get();
        }
        if (fn instanceof Consumer && n == 1) {
            ((Consumer) fn).accept(a[0]);
            return null;
        }
        if (fn instanceof BiConsumer && n == 2) {
            ((BiConsumer) fn).accept(a[0], a[1]);
            return null;
        }
        if (fn instanceof Predicate && n == 1) {
            return ((Predicate) fn).test(a[0]);
        }
        if (fn instanceof BiPredicate && n == 2) {
            return ((BiPredicate) fn).test(a[0], a[1]);
        }
        if (fn instanceof Callable && n == 0) {
            return ((Callable) fn).call();
        }
        if (fn instanceof Runnable && n == 0) {
            ((Runnable) fn).run();
            return null;
        }
        Method m = functionalMethod(fn.getClass());
        if (m != null && m.getParameterCount() == n) {
            m.setAccessible(true);
            coerceArgs(a, m.getParameterTypes());
            return m.invoke(fn, a);
        }
        throw new IllegalArgumentException(
                "the Java function " + fn.getClass().getName() + " cannot be called with " + n + " argument(s)");
    }

    private static final Map<Class<?>, Method> METHODS = new ConcurrentHashMap<>();
    private static final Method NONE;

    static {
        try {
            NONE = Object.class.getMethod("hashCode");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The single abstract method of a @FunctionalInterface the class implements, or null. */
    static Method functionalMethod(Class<?> c) {
        Method m = METHODS.computeIfAbsent(c, Callbacks::findFunctionalMethod);
        return m == NONE ? null : m;
    }

    private static Method findFunctionalMethod(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            List<Class<?>> ifaces = allInterfaces(k);
            if (k.isInterface()) {
                ifaces.add(0, k);
            }
            for (Class<?> i : ifaces) {
                if (i.isAnnotationPresent(FunctionalInterface.class)) {
                    for (Method m : i.getMethods()) {
                        if (Modifier.isAbstract(m.getModifiers()) && !isObjectMethod(m)) {
                            return m;
                        }
                    }
                }
            }
        }
        return NONE;
    }

    /** An interface's redeclaration of a public Object method (Comparator.equals): not its abstract method. */
    private static boolean isObjectMethod(Method m) {
        try {
            Object.class.getMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static List<Class<?>> allInterfaces(Class<?> c) {
        List<Class<?>> out = new ArrayList<>(Arrays.asList(c.getInterfaces()));
        for (int i = 0; i < out.size(); i++) {
            for (Class<?> s : out.get(i).getInterfaces()) {
                if (!out.contains(s)) {
                    out.add(s);
                }
            }
        }
        return out;
    }
}

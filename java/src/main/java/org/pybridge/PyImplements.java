package org.pybridge;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Python objects that stand for Java ones: the Java classes of the import
 * hook (their {@code java.lang.Class}) and Python classes implementing Java interfaces ({@code @pybridge.implements(...)}
 * in {@code python/pybridge/runtime/java_bridge.py}): an instance crossing
 * to Java (an argument of a Java method or constructor, a value stored
 * through a Java collection, field or array) becomes one
 * {@link java.lang.reflect.Proxy} of the interfaces its class declares,
 * made by {@link PyProxy} (methods call the Python attributes, default
 * methods without one run Java's, {@code equals}/{@code hashCode}/{@code
 * toString} are {@code ==}/{@code hash}/{@code str}, {@link PyBacked}: back
 * in Python it is the object itself).
 *
 * <p>Identity: the proxies are remembered by the Python object's {@code id}
 * through weak references, so the same Python object crossing again while
 * Java still holds its proxy gets the same proxy. While the weak reference
 * is set, the proxy's handle keeps the Python object alive, so its id
 * cannot have been reused. Lifetime: the proxy owns one GC-tracked handle
 * (never a scope's), released once Java drops the proxy; entries of
 * collected proxies are removed as new ones are made.
 */
final class PyImplements {
    private PyImplements() {}

    /** {@code pybridge._java_impl}: None, or (id, interface names) of an object whose class declares interfaces. */
    private static volatile PyObject describe;

    private static final Map<Long, Ref> BY_ID = new ConcurrentHashMap<>();
    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();

    private static final class Ref extends WeakReference<Object> {
        final long id;

        Ref(Object proxy, long id) {
            super(proxy, QUEUE);
            this.id = id;
        }
    }

    static void install(PyObject mod) {
        describe = mod.getAttr("_java_impl").keep();
        mod.setAttr("_java_default", (PyCallback) PyImplements::callDefault);
    }

    /** How many Python objects have a live proxy in the registry (for tests and stats). */
    static int registered() {
        drain();
        return BY_ID.size();
    }

    /**
     * Replaces, from index {@code from} on, every Python object that stands
     * for a Java one: a Java class by its {@code Class}, an object that
     * implements Java interfaces by its proxy.
     */
    static Object[] swap(Object[] a, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] instanceof PyObject) {
                a[i] = proxyOrSelf((PyObject) a[i]);
            }
        }
        return a;
    }

    /** The proxy of {@code o} if its Python class declares Java interfaces, else {@code o}. */
    static Object proxyOrSelf(PyObject o) {
        PyObject d = describe;
        if (d == null) {
            return o;
        }
        Object r = d.callAs(Object.class, o);
        if (r instanceof String) {
            // A Java class of the import hook: its java.lang.Class.
            Class<?> c = JavaClasses.known((String) r);
            return c != null ? c : o;
        }
        if (!(r instanceof List)) {
            return o;
        }
        List<?> l = (List<?>) r;
        long id = ((Number) l.get(0)).longValue();
        List<?> names = (List<?>) l.get(1);
        drain();
        Ref ref = BY_ID.get(id);
        Object p = ref == null ? null : ref.get();
        if (p != null) {
            return p;
        }
        Class<?>[] ifaces = new Class<?>[names.size()];
        for (int i = 0; i < ifaces.length; i++) {
            Class<?> c = JavaClasses.known((String) names.get(i));
            if (c == null || !c.isInterface()) {
                throw new JavaBridge.PyError(
                        "TypeError",
                        "a Python class can implement Java interfaces only, and " + names.get(i) + " is not one");
            }
            ifaces[i] = c;
        }
        synchronized (BY_ID) {
            ref = BY_ID.get(id);
            p = ref == null ? null : ref.get();
            if (p == null) {
                Lifetimes.gcOwned(o);
                p = PyProxy.create(o, ifaces);
                BY_ID.put(id, new Ref(p, id));
            }
        }
        return p;
    }

    private static void drain() {
        for (Object r; (r = QUEUE.poll()) != null; ) {
            Ref ref = (Ref) r;
            BY_ID.remove(ref.id, ref);
        }
    }

    /**
     * {@code _java_default(self, name, *args)}: the Java implementation of
     * the default method {@code name} of the interfaces {@code self}'s class
     * implements, overloads chosen from the arguments as for any Java call.
     */
    static Object callDefault(Object[] a, Map<String, Object> kw) throws Exception {
        Object self = a[0] instanceof PyObject ? proxyOrSelf((PyObject) a[0]) : a[0];
        String name = (String) a[1];
        if (self == null || !Proxy.isProxyClass(self.getClass()) || PyProxy.targetOf(self) == null) {
            throw new JavaBridge.PyError(
                    "TypeError", "jsuper() needs an instance of a class decorated with" + " @pybridge.implements(...)");
        }
        List<Executable> defaults = new ArrayList<>();
        for (Class<?> i : self.getClass().getInterfaces()) {
            for (Method m : i.getMethods()) {
                if (m.isDefault() && m.getName().equals(name)) {
                    defaults.add(m);
                }
            }
        }
        if (defaults.isEmpty()) {
            throw new JavaBridge.PyError(
                    "AttributeError", "no default method " + name + " in the Java interfaces of" + " this object");
        }
        JavaClasses.Group g =
                new JavaClasses.Group(self.getClass().getInterfaces()[0].getName(), name, defaults);
        Object[] args = swap(Arrays.copyOfRange(a, 2, a.length), 0);
        Method m = (Method) JavaOverloads.choose(g, args, self);
        Object r;
        try {
            r = PyProxy.invokeDefault(self, m, JavaOverloads.argsFor(m, args));
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new UndeclaredThrowableException(t);
        }
        return m.getReturnType() == void.class ? null : JavaBridge.result(r);
    }
}

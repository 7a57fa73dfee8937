package org.pybridge;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Java from Python: the dispatcher behind the live proxies and the
 * {@code java} import hook of {@code python/pybridge/runtime/java_bridge.py}.
 *
 * <p>Python reaches it through two Java functions registered at start-up
 * (the ordinary callback path, {@link Callbacks#invoke}): {@link #call}
 * (a method or constructor group by id, the target, the arguments) and
 * {@link #meta} (everything else, by the codes of {@link Contract.JavaMeta}).
 * Reflection happens once per class ({@link JavaClasses#describe}); a call
 * finds its overloads by index and argument count, resolves them from the
 * argument values' types ({@link JavaOverloads#choose}) and invokes the
 * {@link Method}. Results that are not scalars (String, boxed primitives,
 * null) go back as live proxies. Arrays: {@link JavaArrays}.
 * See docs/decisions/java-in-python.md.
 */
final class JavaBridge {
    private JavaBridge() {}

    /**
     * An error Python sees as the built-in named before the first ": " of
     * its message (TypeError, AttributeError, ...), not as a Java exception.
     */
    static final class PyError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PyError(String pythonType, String message) {
            super(pythonType + ": " + message, null, false, false);
        }
    }

    /** A value Python receives as a live proxy, whatever conversion its class has. */
    static final class Bridged {
        final Object value;

        Bridged(Object value) {
            this.value = value;
        }
    }

    /** A list whose elements Python receives as {@link #result}s (scalars converted, the rest proxies). */
    static final class BridgedList {
        final List<?> values;

        BridgedList(List<?> values) {
            this.values = values;
        }
    }

    /** Switches the bridge on: hands Python the dispatcher (once, at start-up). */
    static void install(PythonConfig cfg) {
        JavaClasses.classFilter = cfg.javaClassFilter();
        try (PyObject mod = Python.importModule("pybridge")) {
            mod.callAttr("_java_install", (PyCallback) JavaBridge::call, (PyCallback) JavaBridge::meta)
                    .close();
            PyImplements.install(mod);
            mod.setAttr("_java_package_names", (PyCallback) (a, kw) -> JavaClasses.packageNames((String) a[0]));
        }
    }

    // ---- calls -----------------------------------------------------------------

    /** {@code _call(group, target, *args)}: a method (target null: static) or constructor. */
    static Object call(Object[] a, Map<String, Object> kw) throws Exception {
        JavaClasses.Group g = JavaClasses.group(((Long) a[0]).intValue());
        Object target = a[1];
        int n = a.length - 2;
        Object[] args = new Object[n];
        System.arraycopy(a, 2, args, 0, n);
        PyImplements.swap(args, 0);
        if (!kw.isEmpty()) {
            return callByName(g, target, args, kw);
        }
        return invoke(g, target, args);
    }

    /** A call with keyword arguments: bound to parameter names ({@link JavaOverloads#chooseByName}). */
    private static Object callByName(JavaClasses.Group g, Object target, Object[] args, Map<String, Object> kw)
            throws Exception {
        Map<String, Object> named = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : kw.entrySet()) {
            Object v = e.getValue();
            named.put(e.getKey(), v instanceof PyObject ? PyImplements.proxyOrSelf((PyObject) v) : v);
        }
        JavaOverloads.Bound b = JavaOverloads.chooseByName(g, args, named, target);
        return invokeChosen(g, b.chosen, target, JavaOverloads.argsFor(b.chosen, b.args));
    }

    static Object invoke(JavaClasses.Group g, Object target, Object[] args) throws Exception {
        Executable chosen = JavaOverloads.choose(g, args, target);
        return invokeChosen(g, chosen, target, JavaOverloads.argsFor(chosen, args));
    }

    private static Object invokeChosen(JavaClasses.Group g, Executable chosen, Object target, Object[] converted)
            throws Exception {
        try {
            if (chosen instanceof Constructor) {
                Object made = ((Constructor<?>) chosen).newInstance(converted);
                // Integer(-5), String("x"): the same Python value as Integer.valueOf(-5) gives.
                Object r = result(made);
                return r == made ? r : new Bridged(made);
            }
            Method m = (Method) chosen;
            boolean isStatic = Modifier.isStatic(m.getModifiers());
            if (!isStatic && target == null) {
                throw new PyError("TypeError", g.owner + "." + g.name + " is an instance method: call it on an object");
            }
            if (!isStatic && !m.getDeclaringClass().isInstance(target)) {
                throw new PyError(
                        "TypeError",
                        g.owner + "." + g.name + " needs a "
                                + m.getDeclaringClass().getName() + ", not a " + JavaOverloads.describeValue(target));
            }
            Object r = m.invoke(isStatic ? null : target, converted);
            return m.getReturnType() == void.class ? null : result(r);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception) {
                throw (Exception) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw e;
        } catch (IllegalAccessException e) {
            throw new PyError("TypeError", "cannot call " + chosen + ": " + e.getMessage());
        }
    }

    /** A result as Python should see it: scalars converted, everything else a live proxy. */
    static Object result(Object r) {
        if (r == null
                || r instanceof String
                || r instanceof Long
                || r instanceof Integer
                || r instanceof Boolean
                || r instanceof Double
                || r instanceof Character
                || r instanceof Short
                || r instanceof Byte
                || r instanceof Float
                || r instanceof PyObject
                || r instanceof PyBacked) {
            return r;
        }
        return new Bridged(r);
    }

    // ---- everything else -------------------------------------------------------

    /** {@code _meta(op, ...)}. */
    static Object meta(Object[] a, Map<String, Object> kw) throws Exception {
        int op = ((Long) a[0]).intValue();
        // Python objects implementing Java interfaces cross as their proxies (map values, fields...).
        PyImplements.swap(a, 1);
        switch (op) {
            case Contract.JavaMeta.IMPORT: {
                Class<?> c = JavaClasses.importable((String) a[1]);
                return c == null ? null : JavaClasses.describe(c);
            }
            case Contract.JavaMeta.DESCRIBE: {
                Class<?> c = JavaClasses.known((String) a[1]);
                if (c == null) {
                    throw new PyError("TypeError", "unknown Java class " + a[1]);
                }
                return JavaClasses.describe(c);
            }
            case Contract.JavaMeta.PACKAGE:
                return JavaClasses.isPackage((String) a[1]);
            case Contract.JavaMeta.ANCESTRY: {
                Throwable t = Callbacks.peekThrown((Long) a[1]);
                if (t == null) {
                    return null;
                }
                List<String> chain = new ArrayList<>();
                for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                    chain.add(c.getName());
                }
                return chain;
            }
            case Contract.JavaMeta.THROWN: {
                Throwable t = Callbacks.peekThrown((Long) a[1]);
                return t == null ? null : new Bridged(t);
            }
            case Contract.JavaMeta.STR:
                return a[1] == null
                        ? "null"
                        : a[1].getClass().isArray() ? JavaArrays.arrayString(a[1]) : a[1].toString();
            case Contract.JavaMeta.EQ:
                return a[1].getClass().isArray() ? JavaArrays.arrayEquals(a[1], a[2]) : a[1].equals(a[2]);
            case Contract.JavaMeta.HASH:
                return (long) (a[1].getClass().isArray() ? JavaArrays.arrayHash(a[1]) : a[1].hashCode());
            case Contract.JavaMeta.SAME:
                return a[1] == a[2];
            case Contract.JavaMeta.CMP: {
                @SuppressWarnings("unchecked")
                Comparable<Object> c = (Comparable<Object>) a[1];
                try {
                    return (long) c.compareTo(a[2]);
                } catch (ClassCastException | NullPointerException e) {
                    // Python's answer for unorderable types, never a Java exception.
                    throw new PyError(
                            "TypeError",
                            "a " + a[1].getClass().getName() + " cannot be ordered against "
                                    + JavaOverloads.describeValue(a[2]));
                }
            }
            case Contract.JavaMeta.NEXT: {
                Iterator<?> it = (Iterator<?>) a[1];
                int n = ((Long) a[2]).intValue();
                List<Object> out = new ArrayList<>(Math.min(n, 256));
                while (out.size() < n && it.hasNext()) {
                    out.add(it.next());
                }
                return new BridgedList(out);
            }
            case Contract.JavaMeta.ALEN:
                return (long) Array.getLength(a[1]);
            case Contract.JavaMeta.AGET: {
                Object arr = a[1];
                int i = JavaArrays.index(arr, (Long) a[2]);
                return result(Array.get(arr, i));
            }
            case Contract.JavaMeta.ASET: {
                Object arr = a[1];
                int i = JavaArrays.index(arr, (Long) a[2]);
                Array.set(
                        arr,
                        i,
                        JavaOverloads.coerceStored(
                                a[3], arr.getClass().getComponentType(), "an element of this array"));
                return null;
            }
            case Contract.JavaMeta.ANEW:
                return new Bridged(JavaArrays.newArray(a[1], ((Long) a[2]).intValue(), (List<?>) a[3]));
            case Contract.JavaMeta.ASLICE:
                return new BridgedList(JavaArrays.slice(
                        a[1], ((Long) a[2]).intValue(), ((Long) a[3]).intValue(), ((Long) a[4]).intValue()));
            case Contract.JavaMeta.GET: {
                Field f = JavaClasses.field(((Long) a[1]).intValue());
                return result(f.get(Modifier.isStatic(f.getModifiers()) ? null : a[2]));
            }
            case Contract.JavaMeta.SET: {
                Field f = JavaClasses.field(((Long) a[1]).intValue());
                f.set(
                        Modifier.isStatic(f.getModifiers()) ? null : a[2],
                        JavaOverloads.coerceStored(
                                a[3],
                                f.getType(),
                                "the field " + f.getDeclaringClass().getName() + "." + f.getName()));
                return null;
            }
            case Contract.JavaMeta.INSTANCEOF: {
                Class<?> c = JavaClasses.known((String) a[1]);
                return c != null && c.isInstance(a[2]);
            }
            case Contract.JavaMeta.ASSIGNABLE: {
                Class<?> c = JavaClasses.known((String) a[1]);
                Class<?> s = JavaClasses.known((String) a[2]);
                return c != null && s != null && c.isAssignableFrom(s);
            }
            case Contract.JavaMeta.MGET: {
                @SuppressWarnings("unchecked")
                Map<Object, Object> m = (Map<Object, Object>) a[1];
                Object v = m.get(a[2]);
                if (v == null && !m.containsKey(a[2])) {
                    return new BridgedList(List.of());
                }
                return new BridgedList(Arrays.asList(v));
            }
            case Contract.JavaMeta.MPUT: {
                @SuppressWarnings("unchecked")
                Map<Object, Object> m = (Map<Object, Object>) a[1];
                m.put(a[2], a[3]);
                return null;
            }
            case Contract.JavaMeta.MDEL: {
                Map<?, ?> m = (Map<?, ?>) a[1];
                if (!m.containsKey(a[2])) {
                    return false;
                }
                m.remove(a[2]);
                return true;
            }
            case Contract.JavaMeta.LDEL:
                ((List<?>) a[1]).remove(((Long) a[2]).intValue());
                return null;
            case Contract.JavaMeta.FCALL:
                return functionCall(a[1], Arrays.copyOfRange(a, 2, a.length));
            case Contract.JavaMeta.CLASS:
                return new Bridged(a[1].getClass());
            case Contract.JavaMeta.ABYTES:
                return JavaArrays.arrayBytes(a[1]);
            case Contract.JavaMeta.ABUF:
                return JavaArrays.exportBuffer(a[1]);
            case Contract.JavaMeta.MONITOR:
                // pybridge.synchronized: the JVM monitor of the object, on this
                // (the Python caller's) thread; Python let go of the GIL for the call.
                if (Native.monitor(a[1], Boolean.TRUE.equals(a[2])) != 0) {
                    throw new PyError(
                            "RuntimeError",
                            "could not enter or exit the monitor of "
                                    + a[1].getClass().getName());
                }
                return null;
            case Contract.JavaMeta.ABUF_BACK:
                JavaArrays.releaseBuffer(a[1], (Long) a[2], Boolean.TRUE.equals(a[3]));
                return null;
            default:
                throw new PyError("SystemError", "unknown Java bridge operation " + op);
        }
    }

    /** Calls a functional object's single abstract method with arguments converted to its types. */
    static Object functionCall(Object fn, Object[] args) throws Exception {
        Method m = Callbacks.functionalMethod(fn.getClass());
        if (m == null) {
            throw new PyError("TypeError", "a " + fn.getClass().getName() + " is not callable");
        }
        Method a = JavaClasses.accessible(fn.getClass(), m);
        if (a == null) {
            throw new PyError("TypeError", "the method " + m + " is not accessible");
        }
        JavaClasses.Group g = FN_GROUPS.computeIfAbsent(
                a, k -> new JavaClasses.Group(k.getDeclaringClass().getName(), k.getName(), List.of(k)));
        return invoke(g, fn, args);
    }

    private static final Map<Method, JavaClasses.Group> FN_GROUPS = new ConcurrentHashMap<>();
}

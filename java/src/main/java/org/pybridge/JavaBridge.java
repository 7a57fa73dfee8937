package org.pybridge;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Java from Python: the dispatcher behind the live proxies and the
 * {@code java} import hook of {@code rust/src/py/java_bridge.py}.
 *
 * <p>Python reaches it through two Java functions registered at start-up
 * (the ordinary callback path, {@link Callbacks#invoke}): {@link #call}
 * (a method or constructor group by id, the target, the arguments) and
 * {@link #meta} (everything else, by operation code). Reflection happens
 * once per class ({@link #describe}); a call finds its overloads by index
 * and argument count, resolves them from the argument values' types
 * ({@link #cost}) and invokes the {@link Method}. Results that are not
 * scalars (String, boxed primitives, null) go back as live proxies.
 * See docs/decisions/java-in-python.md.
 */
final class JavaBridge {
    private JavaBridge() {}

    // _meta operations (M_* in java_bridge.py).
    static final int M_IMPORT = 1, M_DESCRIBE = 2, M_PACKAGE = 3, M_ANCESTRY = 4, M_THROWN = 5, M_STR = 6,
            M_EQ = 7, M_HASH = 8, M_SAME = 9, M_CMP = 10, M_NEXT = 11, M_ALEN = 12, M_AGET = 13, M_ASET = 14,
            M_ANEW = 15, M_ASLICE = 16, M_GET = 17, M_SET = 18, M_INSTANCEOF = 19, M_ASSIGNABLE = 20,
            M_MGET = 21, M_MPUT = 22, M_MDEL = 23, M_LDEL = 24, M_FCALL = 25, M_CLASS = 26, M_ABYTES = 27,
            M_ABUF = 28, M_ABUF_BACK = 29;

    // Kinds of a class (K_* in java_bridge.py).
    static final int K_ITERABLE = 1, K_COLLECTION = 2, K_LIST = 4, K_SET = 8, K_MAP = 16, K_ITERATOR = 32,
            K_CLOSEABLE = 64, K_COMPARABLE = 128, K_ARRAY = 256, K_FUNCTIONAL = 1024, K_AWAITABLE = 2048;

    /** Which class names Python may import ({@link PythonConfig#javaClassFilter}). */
    static volatile Predicate<String> classFilter = PythonConfig.DEFAULT_JAVA_CLASS_FILTER;

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
        classFilter = cfg.javaClassFilter();
        try (PyObject mod = Python.importModule("pybridge")) {
            mod.callAttr("_java_install", (PyCallback) JavaBridge::call, (PyCallback) JavaBridge::meta).close();
        }
    }

    // ---- classes ---------------------------------------------------------------

    /** Classes Python may describe by name: those of objects handed over, and those imported. */
    private static final Map<String, Class<?>> KNOWN = new ConcurrentHashMap<>();
    private static final ClassValue<Boolean> NOTED = new ClassValue<Boolean>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            KNOWN.putIfAbsent(c.getName(), c);
            return Boolean.TRUE;
        }
    };

    /** Called by {@link Wire} before an object of class {@code c} crosses as a proxy. */
    static void note(Class<?> c) {
        NOTED.get(c);
    }

    /** A group of same-named methods (or the constructors) of one class, by id. */
    static final class Group {
        final String owner;
        final String name;
        final Executable[] all;
        /** Non-varargs overloads by parameter count. */
        final Executable[][] byArity;
        final Executable[] varargs;

        Group(String owner, String name, List<Executable> list) {
            this.owner = owner;
            this.name = name;
            this.all = list.toArray(new Executable[0]);
            for (Executable e : all) {
                // Public members of exported packages: skips the per-call access check.
                e.trySetAccessible();
            }
            int max = 0;
            List<Executable> va = new ArrayList<>();
            for (Executable e : all) {
                max = Math.max(max, e.getParameterCount());
                if (e.isVarArgs()) {
                    va.add(e);
                }
            }
            byArity = new Executable[max + 1][];
            for (int n = 0; n <= max; n++) {
                List<Executable> l = new ArrayList<>();
                for (Executable e : all) {
                    if (e.getParameterCount() == n) {
                        l.add(e);
                    }
                }
                byArity[n] = l.toArray(new Executable[0]);
            }
            varargs = va.toArray(new Executable[0]);
        }
    }

    private static final Object LOCK = new Object();
    private static volatile Group[] groups = new Group[64];
    private static int ngroups;
    private static volatile Field[] fields = new Field[64];
    private static int nfields;

    private static int addGroup(Group g) {
        synchronized (LOCK) {
            // Filled before it is published (the volatile write): a reader
            // that finds the array finds the group in it.
            Group[] gs = ngroups == groups.length ? Arrays.copyOf(groups, ngroups * 2) : groups;
            gs[ngroups] = g;
            groups = gs;
            return ngroups++;
        }
    }

    private static int addField(Field f) {
        synchronized (LOCK) {
            Field[] fs = nfields == fields.length ? Arrays.copyOf(fields, nfields * 2) : fields;
            fs[nfields] = f;
            fields = fs;
            return nfields++;
        }
    }

    private static final ClassValue<Map<String, Object>> DESCRIPTIONS = new ClassValue<Map<String, Object>>() {
        @Override
        protected Map<String, Object> computeValue(Class<?> c) {
            return describeNow(c);
        }
    };

    /** What Python needs to build the proxy class of {@code c} (computed once per class). */
    static Map<String, Object> describe(Class<?> c) {
        KNOWN.putIfAbsent(c.getName(), c);
        return DESCRIPTIONS.get(c);
    }

    private static Map<String, Object> describeNow(Class<?> c) {
        Map<String, List<Executable>> byName = new TreeMap<>();
        Map<String, boolean[]> instance = new LinkedHashMap<>();
        for (Method m : c.getMethods()) {
            if (m.isSynthetic() || m.isBridge()) {
                continue;
            }
            Method a = accessible(c, m);
            if (a == null) {
                continue;
            }
            List<Executable> l = byName.computeIfAbsent(m.getName(), k -> new ArrayList<>());
            if (!containsSignature(l, a)) {
                l.add(a);
            }
            boolean[] inst = instance.computeIfAbsent(m.getName(), k -> new boolean[1]);
            inst[0] |= !Modifier.isStatic(m.getModifiers());
        }
        List<Object> methods = new ArrayList<>();
        for (Map.Entry<String, List<Executable>> e : byName.entrySet()) {
            int id = addGroup(new Group(c.getName(), e.getKey(), e.getValue()));
            methods.add(Arrays.asList(e.getKey(), (long) id, instance.get(e.getKey())[0]));
        }
        long ctor = -1;
        if (Modifier.isPublic(c.getModifiers()) && !Modifier.isAbstract(c.getModifiers()) && !c.isInterface()
                && exported(c)) {
            List<Executable> cs = new ArrayList<>(Arrays.asList(c.getConstructors()));
            if (!cs.isEmpty()) {
                ctor = addGroup(new Group(c.getName(), "<init>", cs));
            }
        }
        List<Object> fs = new ArrayList<>();
        Set<String> taken = new HashSet<>(byName.keySet());
        for (Field f : c.getFields()) {
            if (!taken.add(f.getName()) || !accessibleClass(f.getDeclaringClass())) {
                continue;
            }
            int mod = f.getModifiers();
            fs.add(Arrays.asList(f.getName(), (long) addField(f), Modifier.isStatic(mod), Modifier.isFinal(mod)));
        }
        List<Object> nested = new ArrayList<>();
        for (Class<?> n : c.getClasses()) {
            if (taken.add(n.getSimpleName())) {
                nested.add(n.getName());
            }
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", c.getName());
        d.put("kinds", (long) kinds(c));
        d.put("methods", methods);
        d.put("fields", fs);
        d.put("ctor", ctor);
        d.put("nested", nested);
        return d;
    }

    private static boolean containsSignature(List<Executable> l, Executable m) {
        for (Executable e : l) {
            if (Arrays.equals(e.getParameterTypes(), m.getParameterTypes())) {
                return true;
            }
        }
        return false;
    }

    static int kinds(Class<?> c) {
        int k = 0;
        if (c.isArray()) {
            return K_ARRAY;
        }
        if (Iterable.class.isAssignableFrom(c)) {
            k |= K_ITERABLE;
        }
        if (Collection.class.isAssignableFrom(c)) {
            k |= K_COLLECTION;
        }
        if (List.class.isAssignableFrom(c)) {
            k |= K_LIST;
        }
        if (Set.class.isAssignableFrom(c)) {
            k |= K_SET;
        }
        if (Map.class.isAssignableFrom(c)) {
            k |= K_MAP;
        }
        if (Iterator.class.isAssignableFrom(c)) {
            k |= K_ITERATOR;
        }
        if (AutoCloseable.class.isAssignableFrom(c)) {
            k |= K_CLOSEABLE;
        }
        if (Comparable.class.isAssignableFrom(c)) {
            k |= K_COMPARABLE;
        }
        if (Callbacks.isFunctionClass(c)) {
            k |= K_FUNCTIONAL;
        }
        if (java.util.concurrent.CompletionStage.class.isAssignableFrom(c)) {
            k |= K_AWAITABLE; // `await stage` in Python (PyAsync)
        }
        return k;
    }

    /** Whether code outside {@code c}'s module may call its public members. */
    private static boolean exported(Class<?> c) {
        Package p = c.getPackage();
        return p == null || c.getModule().isExported(p.getName());
    }

    private static boolean accessibleClass(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return exported(c);
    }

    /**
     * {@code m} itself when its class is public and exported, else the same
     * method declared by a public superclass or interface (a public method
     * of a private class, such as ArrayList's iterator, is called through the
     * interface); null when there is none.
     */
    private static Method accessible(Class<?> c, Method m) {
        if (accessibleClass(m.getDeclaringClass())) {
            return m;
        }
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            Method found = inSupers(k, m);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Method inSupers(Class<?> k, Method m) {
        if (accessibleClass(k)) {
            try {
                return k.getMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                // not here
            }
        }
        for (Class<?> i : k.getInterfaces()) {
            Method found = inSupers(i, m);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The class {@code name} for an import: public, and allowed by the filter; null if not found. */
    static Class<?> importable(String name) {
        Class<?> c;
        try {
            c = Class.forName(name, true, loader());
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            return null;
        } catch (LinkageError e) {
            throw new PyError("ImportError", "Java class " + name + " could not be loaded: " + e);
        }
        if (!accessibleClass(c)) {
            return null;
        }
        if (!classFilter.test(c.getName())) {
            throw new PyError("ImportError", "Java class " + name + " is not allowed by the class filter"
                    + " (PythonConfig.javaClassFilter)");
        }
        return c;
    }

    private static ClassLoader loader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : JavaBridge.class.getClassLoader();
    }

    private static volatile Set<String> bootPackages;
    private static final Map<String, Boolean> PACKAGES = new ConcurrentHashMap<>();

    /** Whether {@code name} is a Java package (or a prefix of one) Python may import. */
    static boolean isPackage(String name) {
        if (name.isEmpty() || name.startsWith(".") || name.endsWith(".") || name.contains("..")
                || name.indexOf('/') >= 0) {
            return false;
        }
        return PACKAGES.computeIfAbsent(name, JavaBridge::findPackage);
    }

    private static boolean findPackage(String name) {
        Set<String> boot = bootPackages;
        if (boot == null) {
            boot = new HashSet<>();
            for (Module m : ModuleLayer.boot().modules()) {
                boot.addAll(m.getPackages());
            }
            bootPackages = boot;
        }
        String prefix = name + ".";
        for (String p : boot) {
            if (p.equals(name) || p.startsWith(prefix)) {
                return exportedPackage(p);
            }
        }
        for (Package p : loader().getDefinedPackages()) {
            if (p.getName().equals(name) || p.getName().startsWith(prefix)) {
                return true;
            }
        }
        try {
            return loader().getResources(name.replace('.', '/')).hasMoreElements()
                    || loader().getResources(name.replace('.', '/') + "/").hasMoreElements();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean exportedPackage(String p) {
        for (Module m : ModuleLayer.boot().modules()) {
            if (m.getPackages().contains(p)) {
                return m.isExported(p);
            }
        }
        return false;
    }

    // ---- calls -----------------------------------------------------------------

    /** {@code _call(group, target, *args)}: a method (target null: static) or constructor. */
    static Object call(Object[] a, Map<String, Object> kw) throws Exception {
        if (!kw.isEmpty()) {
            throw new PyError("TypeError", "Java methods take no keyword arguments (got " + kw.keySet() + ")");
        }
        Group g = groups[((Long) a[0]).intValue()];
        Object target = a[1];
        int n = a.length - 2;
        Object[] args = new Object[n];
        System.arraycopy(a, 2, args, 0, n);
        return invoke(g, target, args);
    }

    static Object invoke(Group g, Object target, Object[] args) throws Exception {
        int n = args.length;
        Executable chosen = null;
        Object[] converted = null;
        // The fast path: one non-varargs overload takes this many arguments.
        if (n < g.byArity.length && g.byArity[n].length == 1 && g.varargs.length == 0) {
            Executable e = g.byArity[n][0];
            Class<?>[] ps = e.getParameterTypes();
            boolean ok = true;
            for (int i = 0; i < n && ok; i++) {
                ok = cost(args[i], ps[i]) < NO;
            }
            if (ok) {
                chosen = e;
                converted = args;
                for (int i = 0; i < n; i++) {
                    converted[i] = convert(args[i], ps[i]);
                }
            }
        }
        if (chosen == null) {
            chosen = resolve(g, args, target);
            converted = argsFor(chosen, args);
        }
        try {
            if (chosen instanceof Constructor) {
                return new Bridged(((Constructor<?>) chosen).newInstance(converted));
            }
            Method m = (Method) chosen;
            boolean isStatic = Modifier.isStatic(m.getModifiers());
            if (!isStatic && target == null) {
                throw new PyError("TypeError", g.owner + "." + g.name + " is an instance method: call it on an object");
            }
            if (!isStatic && !m.getDeclaringClass().isInstance(target)) {
                throw new PyError("TypeError", g.owner + "." + g.name + " needs a " + m.getDeclaringClass().getName()
                        + ", not a " + describeValue(target));
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
        if (r == null || r instanceof String || r instanceof Long || r instanceof Integer || r instanceof Boolean
                || r instanceof Double || r instanceof Character || r instanceof Short || r instanceof Byte
                || r instanceof Float || r instanceof PyObject || r instanceof PyBacked) {
            return r;
        }
        return new Bridged(r);
    }

    /** Costs of matching one argument to one parameter type: lower is better; NO means it does not fit. */
    static final int NO = 1 << 20;

    /**
     * How well a value Python sent (already decoded: int as Long, float as
     * Double, str as String, bytes as byte[], list/tuple as List, dict as
     * Map, a proxy as its Java object, anything else as a PyObject) fits a
     * parameter of type {@code p}. The rules are those documented in
     * docs/decisions/java-in-python.md.
     */
    static int cost(Object v, Class<?> p) {
        if (v == null) {
            return p.isPrimitive() ? NO : 10;
        }
        Class<?> c = v.getClass();
        if (p == c) {
            return 0;
        }
        if (c == Long.class) {
            long l = (Long) v;
            if (p == int.class || p == Integer.class) {
                return l == (int) l ? 0 : NO;
            }
            if (p == long.class || p == Long.class) {
                return 1;
            }
            if (p == short.class || p == Short.class) {
                return l == (short) l ? 2 : NO;
            }
            if (p == byte.class || p == Byte.class) {
                return l == (byte) l ? 3 : NO;
            }
            if (p == double.class || p == Double.class) {
                return 4;
            }
            if (p == float.class || p == Float.class) {
                return 5;
            }
            if (p == BigInteger.class) {
                return 6;
            }
            return p.isInstance(v) ? 8 : NO;
        }
        if (c == Double.class) {
            if (p == double.class) {
                return 0;
            }
            if (p == float.class || p == Float.class) {
                return 1;
            }
            return p.isInstance(v) ? 8 : NO;
        }
        if (c == Boolean.class) {
            return p == boolean.class ? 0 : p.isInstance(v) ? 8 : NO;
        }
        if (c == String.class) {
            if (p == CharSequence.class) {
                return 1;
            }
            if ((p == char.class || p == Character.class) && ((String) v).length() == 1) {
                return 2;
            }
            return p.isInstance(v) ? 8 : NO;
        }
        if (p.isPrimitive()) {
            return NO;
        }
        if (p.isArray() && v instanceof List) {
            Class<?> comp = p.getComponentType();
            int worst = 0;
            for (Object e : (List<?>) v) {
                int k = cost(e, comp);
                if (k >= NO) {
                    return NO;
                }
                worst = Math.max(worst, k);
            }
            return 3 + worst;
        }
        if (p.isArray() && v instanceof NDArray && ((NDArray) v).data().getClass() == p) {
            return 1;
        }
        if (v instanceof PyObject) {
            if (p == PyObject.class) {
                return 0;
            }
            if (p.isInterface() && Callbacks.functionalMethod(p) != null) {
                return 5;
            }
            return p.isInstance(v) ? 9 : NO;
        }
        if (p.isInstance(v)) {
            return p == Object.class ? 9 : 1;
        }
        return NO;
    }

    /** {@code v} as a {@code p} (after {@link #cost} said it fits). */
    static Object convert(Object v, Class<?> p) {
        if (v == null || p == Object.class) {
            return v;
        }
        if (v instanceof Long) {
            long l = (Long) v;
            if (p == int.class || p == Integer.class) {
                return (int) l;
            }
            if (p == short.class || p == Short.class) {
                return (short) l;
            }
            if (p == byte.class || p == Byte.class) {
                return (byte) l;
            }
            if (p == double.class || p == Double.class) {
                return (double) l;
            }
            if (p == float.class || p == Float.class) {
                return (float) l;
            }
            if (p == BigInteger.class) {
                return BigInteger.valueOf(l);
            }
            return v;
        }
        if (v instanceof Double && (p == float.class || p == Float.class)) {
            return ((Double) v).floatValue();
        }
        if (v instanceof String && (p == char.class || p == Character.class)) {
            return ((String) v).charAt(0);
        }
        if (p.isArray() && v instanceof List) {
            List<?> l = (List<?>) v;
            Class<?> comp = p.getComponentType();
            Object arr = Array.newInstance(comp, l.size());
            for (int i = 0; i < l.size(); i++) {
                Array.set(arr, i, convert(l.get(i), comp));
            }
            return arr;
        }
        if (p.isArray() && v instanceof NDArray) {
            return ((NDArray) v).data();
        }
        if (v instanceof PyObject && p != PyObject.class && p.isInterface() && !p.isInstance(v)) {
            return ((PyObject) v).as(p);
        }
        return v;
    }

    /**
     * {@code v} as a {@code type} for a typed boundary (a callback's declared
     * parameter, a result asked for as an array): a {@link PyError}
     * (Python's TypeError) when it does not fit.
     */
    static Object coerce(Object v, Class<?> type, String where) {
        if (cost(v, type) >= NO) {
            throw new PyError("TypeError", where + " takes a " + type.getCanonicalName() + ", not "
                    + describeValue(v));
        }
        return convert(v, type);
    }

    private static Executable resolve(Group g, Object[] args, Object target) {
        int n = args.length;
        List<Executable> best = new ArrayList<>();
        int bestCost = NO;
        for (Executable e : g.all) {
            if (target == null && e instanceof Method && !Modifier.isStatic(e.getModifiers())) {
                continue;
            }
            int k = applicable(e, args, n);
            if (k < bestCost) {
                bestCost = k;
                best.clear();
                best.add(e);
            } else if (k == bestCost && k < NO) {
                best.add(e);
            }
        }
        if (best.isEmpty()) {
            throw new PyError("TypeError", "no overload of " + signatureName(g) + " takes (" + describeArgs(args)
                    + "); candidates: " + candidates(g.all));
        }
        if (best.size() > 1) {
            // Java's rule: the most specific one wins, if there is one.
            List<Executable> most = new ArrayList<>();
            for (Executable e : best) {
                boolean dominated = false;
                for (Executable o : best) {
                    if (o != e && moreSpecific(o, e) && !moreSpecific(e, o)) {
                        dominated = true;
                        break;
                    }
                }
                if (!dominated) {
                    most.add(e);
                }
            }
            if (most.size() != 1) {
                throw new PyError("TypeError", "ambiguous call of " + signatureName(g) + " with ("
                        + describeArgs(args) + "): " + candidates(most.toArray(new Executable[0]))
                        + " fit equally well; convert the arguments (e.g. with jarray, or a Java object"
                        + " of the exact type) to choose one");
            }
            return most.get(0);
        }
        return best.get(0);
    }

    /** Cost of calling {@code e} with {@code args}; varargs cost more than a fixed-arity match. */
    private static int applicable(Executable e, Object[] args, int n) {
        Class<?>[] ps = e.getParameterTypes();
        if (ps.length == n) {
            int total = 0;
            for (int i = 0; i < n; i++) {
                int k = cost(args[i], ps[i]);
                if (k >= NO) {
                    total = NO;
                    break;
                }
                total += k;
            }
            if (total < NO) {
                return total;
            }
        }
        if (e.isVarArgs() && n >= ps.length - 1) {
            int total = 20;
            for (int i = 0; i < ps.length - 1; i++) {
                int k = cost(args[i], ps[i]);
                if (k >= NO) {
                    return NO;
                }
                total += k;
            }
            Class<?> comp = ps[ps.length - 1].getComponentType();
            for (int i = ps.length - 1; i < n; i++) {
                int k = cost(args[i], comp);
                if (k >= NO) {
                    return NO;
                }
                total += k;
            }
            return total;
        }
        return NO;
    }

    private static Object[] argsFor(Executable e, Object[] args) {
        Class<?>[] ps = e.getParameterTypes();
        int n = args.length;
        boolean direct = ps.length == n;
        if (direct) {
            for (int i = 0; i < n && direct; i++) {
                direct = cost(args[i], ps[i]) < NO;
            }
        }
        if (direct) {
            Object[] out = new Object[n];
            for (int i = 0; i < n; i++) {
                out[i] = convert(args[i], ps[i]);
            }
            return out;
        }
        // Varargs: the trailing arguments become the array.
        int fixed = ps.length - 1;
        Object[] out = new Object[ps.length];
        for (int i = 0; i < fixed; i++) {
            out[i] = convert(args[i], ps[i]);
        }
        Class<?> comp = ps[fixed].getComponentType();
        Object rest = Array.newInstance(comp, n - fixed);
        for (int i = fixed; i < n; i++) {
            Array.set(rest, i - fixed, convert(args[i], comp));
        }
        out[fixed] = rest;
        return out;
    }

    private static boolean moreSpecific(Executable a, Executable b) {
        Class<?>[] pa = a.getParameterTypes();
        Class<?>[] pb = b.getParameterTypes();
        if (pa.length != pb.length) {
            return pa.length > pb.length ? false : !a.isVarArgs();
        }
        for (int i = 0; i < pa.length; i++) {
            if (!ResultTypes.box(pb[i]).isAssignableFrom(ResultTypes.box(pa[i]))
                    && !(pa[i].isPrimitive() && pb[i].isPrimitive() && widens(pa[i], pb[i]))) {
                return false;
            }
        }
        return true;
    }

    /** Java's widening primitive conversion. */
    private static boolean widens(Class<?> from, Class<?> to) {
        String order = "byte short int long float double";
        int f = order.indexOf(from.getName());
        int t = order.indexOf(to.getName());
        return f >= 0 && t >= 0 && f < t;
    }

    private static String signatureName(Group g) {
        return g.name.equals("<init>") ? "the constructor of " + g.owner : g.owner + "." + g.name;
    }

    private static String candidates(Executable[] es) {
        StringBuilder b = new StringBuilder();
        for (Executable e : es) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(e instanceof Constructor ? e.getDeclaringClass().getSimpleName() : e.getName()).append('(');
            Class<?>[] ps = e.getParameterTypes();
            for (int i = 0; i < ps.length; i++) {
                b.append(i > 0 ? ", " : "").append(e.isVarArgs() && i == ps.length - 1
                        ? ps[i].getComponentType().getName() + "..." : ps[i].getCanonicalName());
            }
            b.append(')');
        }
        return b.toString();
    }

    private static String describeArgs(Object[] args) {
        StringBuilder b = new StringBuilder();
        for (Object a : args) {
            b.append(b.length() > 0 ? ", " : "").append(describeValue(a));
        }
        return b.toString();
    }

    /** A value Python sent, named as Python would name it. */
    static String describeValue(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Long || v instanceof BigInteger) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof byte[]) {
            return "bytes";
        }
        if (v instanceof ArrayList) {
            return "list";
        }
        if (v instanceof List) {
            return "tuple";
        }
        if (v instanceof Map) {
            return "dict";
        }
        if (v instanceof Set) {
            return "set";
        }
        if (v instanceof NDArray) {
            return "numpy.ndarray";
        }
        if (v instanceof PyObject) {
            try {
                return "Python " + ((PyObject) v).typeName();
            } catch (RuntimeException e) {
                return "Python object";
            }
        }
        return v.getClass().getName();
    }

    // ---- everything else -------------------------------------------------------

    /** {@code _meta(op, ...)}. */
    static Object meta(Object[] a, Map<String, Object> kw) throws Exception {
        int op = ((Long) a[0]).intValue();
        switch (op) {
            case M_IMPORT: {
                Class<?> c = importable((String) a[1]);
                return c == null ? null : describe(c);
            }
            case M_DESCRIBE: {
                Class<?> c = KNOWN.get((String) a[1]);
                if (c == null) {
                    throw new PyError("TypeError", "unknown Java class " + a[1]);
                }
                return describe(c);
            }
            case M_PACKAGE:
                return isPackage((String) a[1]);
            case M_ANCESTRY: {
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
            case M_THROWN: {
                Throwable t = Callbacks.peekThrown((Long) a[1]);
                return t == null ? null : new Bridged(t);
            }
            case M_STR:
                return a[1] == null ? "null" : a[1].getClass().isArray() ? arrayString(a[1]) : a[1].toString();
            case M_EQ:
                return a[1].getClass().isArray() ? arrayEquals(a[1], a[2]) : a[1].equals(a[2]);
            case M_HASH:
                return (long) (a[1].getClass().isArray() ? arrayHash(a[1]) : a[1].hashCode());
            case M_SAME:
                return a[1] == a[2];
            case M_CMP: {
                @SuppressWarnings("unchecked")
                Comparable<Object> c = (Comparable<Object>) a[1];
                return (long) c.compareTo(a[2]);
            }
            case M_NEXT: {
                Iterator<?> it = (Iterator<?>) a[1];
                int n = ((Long) a[2]).intValue();
                List<Object> out = new ArrayList<>(Math.min(n, 256));
                while (out.size() < n && it.hasNext()) {
                    out.add(it.next());
                }
                return new BridgedList(out);
            }
            case M_ALEN:
                return (long) Array.getLength(a[1]);
            case M_AGET: {
                Object arr = a[1];
                int i = index(arr, (Long) a[2]);
                return result(Array.get(arr, i));
            }
            case M_ASET: {
                Object arr = a[1];
                int i = index(arr, (Long) a[2]);
                Array.set(arr, i, coerce(a[3], arr.getClass().getComponentType(), "an element of this array"));
                return null;
            }
            case M_ANEW:
                return new Bridged(newArray((String) a[1], ((Long) a[2]).intValue(), (List<?>) a[3]));
            case M_ASLICE: {
                Object arr = a[1];
                int start = ((Long) a[2]).intValue();
                int stop = ((Long) a[3]).intValue();
                int step = ((Long) a[4]).intValue();
                List<Object> out = new ArrayList<>();
                for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
                    out.add(Array.get(arr, i));
                }
                return new BridgedList(out);
            }
            case M_GET: {
                Field f = fields[((Long) a[1]).intValue()];
                return result(f.get(Modifier.isStatic(f.getModifiers()) ? null : a[2]));
            }
            case M_SET: {
                Field f = fields[((Long) a[1]).intValue()];
                f.set(Modifier.isStatic(f.getModifiers()) ? null : a[2], coerce(a[3], f.getType(),
                        "the field " + f.getDeclaringClass().getName() + "." + f.getName()));
                return null;
            }
            case M_INSTANCEOF: {
                Class<?> c = KNOWN.get((String) a[1]);
                return c != null && c.isInstance(a[2]);
            }
            case M_ASSIGNABLE: {
                Class<?> c = KNOWN.get((String) a[1]);
                Class<?> s = KNOWN.get((String) a[2]);
                return c != null && s != null && c.isAssignableFrom(s);
            }
            case M_MGET: {
                @SuppressWarnings("unchecked")
                Map<Object, Object> m = (Map<Object, Object>) a[1];
                Object v = m.get(a[2]);
                if (v == null && !m.containsKey(a[2])) {
                    return new BridgedList(List.of());
                }
                return new BridgedList(Arrays.asList(v));
            }
            case M_MPUT: {
                @SuppressWarnings("unchecked")
                Map<Object, Object> m = (Map<Object, Object>) a[1];
                m.put(a[2], a[3]);
                return null;
            }
            case M_MDEL: {
                Map<?, ?> m = (Map<?, ?>) a[1];
                if (!m.containsKey(a[2])) {
                    return false;
                }
                m.remove(a[2]);
                return true;
            }
            case M_LDEL:
                ((List<?>) a[1]).remove(((Long) a[2]).intValue());
                return null;
            case M_FCALL:
                return functionCall(a[1], Arrays.copyOfRange(a, 2, a.length));
            case M_CLASS:
                return new Bridged(a[1].getClass());
            case M_ABYTES:
                return arrayBytes(a[1]);
            case M_ABUF: {
                Object arr = a[1];
                byte[] copy = arrayBytes(arr);
                ByteBuffer bb = ByteBuffer.allocateDirect(Math.max(1, copy.length)).order(ByteOrder.nativeOrder());
                bb.put(copy).clear();
                long token = NEXT_EXPORT.incrementAndGet();
                EXPORTS.put(token, bb);
                Class<?> c = arr.getClass().getComponentType();
                String format = c == int.class ? "i" : c == long.class ? "q" : c == double.class ? "d"
                        : c == float.class ? "f" : c == short.class ? "h" : c == char.class ? "H"
                        : c == byte.class ? "b" : "?";
                long size = c == boolean.class || c == byte.class ? 1 : c == char.class || c == short.class ? 2
                        : c == int.class || c == float.class ? 4 : 8;
                bb.limit(Array.getLength(arr) * (int) size);
                return Arrays.asList(token, bb, format, size);
            }
            case M_ABUF_BACK: {
                ByteBuffer bb = EXPORTS.remove((Long) a[2]);
                if (bb != null && Boolean.TRUE.equals(a[3])) {
                    copyBack(bb, a[1]);
                }
                return null;
            }
            default:
                throw new PyError("SystemError", "unknown Java bridge operation " + op);
        }
    }

    private static int index(Object arr, long i) {
        int n = Array.getLength(arr);
        if (i < 0) {
            i += n;
        }
        if (i < 0 || i >= n) {
            throw new PyError("IndexError", "Java array index out of range: " + i + " (length " + n + ")");
        }
        return (int) i;
    }

    private static final Map<String, Class<?>> PRIMITIVES = Map.of("boolean", boolean.class, "byte", byte.class,
            "char", char.class, "short", short.class, "int", int.class, "long", long.class, "float", float.class,
            "double", double.class);

    private static Object newArray(String component, int n, List<?> values) {
        Class<?> comp = PRIMITIVES.get(component);
        if (comp == null) {
            comp = KNOWN.get(component);
            if (comp == null) {
                comp = importable(component);
            }
            if (comp == null) {
                throw new PyError("TypeError", "unknown Java class " + component + " for an array");
            }
        }
        if (values == null) {
            if (n < 0) {
                throw new PyError("ValueError", "negative array size " + n);
            }
            Object arr = Array.newInstance(comp, n);
            note(arr.getClass());
            return arr;
        }
        Object arr = Array.newInstance(comp, values.size());
        for (int i = 0; i < values.size(); i++) {
            Array.set(arr, i, coerce(values.get(i), comp, "an element of a " + comp.getName() + " array"));
        }
        note(arr.getClass());
        return arr;
    }

    private static byte[] arrayBytes(Object arr) {
        Class<?> c = arr.getClass().getComponentType();
        if (c == byte.class) {
            return ((byte[]) arr).clone();
        }
        if (c == null || !c.isPrimitive()) {
            throw new PyError("TypeError", "a buffer (or tobytes()) needs a primitive array, not a " + arr.getClass().getName());
        }
        int n = Array.getLength(arr);
        int size = c == boolean.class ? 1 : c == char.class || c == short.class ? 2
                : c == int.class || c == float.class ? 4 : 8;
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
    private static final java.util.concurrent.atomic.AtomicLong NEXT_EXPORT = new java.util.concurrent.atomic.AtomicLong();

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

    private static String arrayString(Object arr) {
        if (arr instanceof Object[]) {
            return Arrays.deepToString((Object[]) arr);
        }
        List<Object> l = new ArrayList<>();
        for (int i = 0; i < Array.getLength(arr); i++) {
            l.add(Array.get(arr, i));
        }
        return l.toString();
    }

    private static boolean arrayEquals(Object arr, Object other) {
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
                if (cost(o, comp) >= NO || !java.util.Objects.equals(Array.get(arr, i), convert(o, comp))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static int arrayHash(Object arr) {
        return Arrays.deepHashCode(new Object[] {arr});
    }

    /** Calls a functional object's single abstract method with arguments converted to its types. */
    static Object functionCall(Object fn, Object[] args) throws Exception {
        Method m = Callbacks.functionalMethod(fn.getClass());
        if (m == null) {
            throw new PyError("TypeError", "a " + fn.getClass().getName() + " is not callable");
        }
        Method a = accessible(fn.getClass(), m);
        if (a == null) {
            throw new PyError("TypeError", "the method " + m + " is not accessible");
        }
        Group g = FN_GROUPS.computeIfAbsent(a, k -> new Group(k.getDeclaringClass().getName(), k.getName(),
                List.of(k)));
        return invoke(g, fn, args);
    }

    private static final Map<Method, Group> FN_GROUPS = new ConcurrentHashMap<>();
}

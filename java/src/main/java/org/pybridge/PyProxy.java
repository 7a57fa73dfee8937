package org.pybridge;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Reference;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link PyObject#as(Class)}: a {@link java.lang.reflect.Proxy} of a Java
 * interface whose methods call the Python attribute of the same name, as
 * GraalPy's {@code Value.as} does.
 *
 * <p>A call {@code proxy.m(a, b)} is {@code target.m(a, b)} in Python, the
 * arguments converted as {@link Python#toPython} does (a varargs array is
 * spread into positional arguments). The result is converted to the
 * method's return type:
 * <ul>
 * <li>{@code void}: ignored (nothing is copied; a handle the call made is
 *     closed at once);
 * <li>{@link PyObject}: a new handle;
 * <li>a class (primitives, boxed numbers, {@code String}, {@code Object},
 *     {@code BigInteger}, {@code byte[]}…): as
 *     {@link PyObject#callAttrAs(Class, String, Object...)} converts
 *     ({@code int} from a Python {@code int} in range, and so on);
 * <li>a {@code java.*} interface the conversion produces ({@code List},
 *     {@code Map}, {@code Set}, {@code Collection}, {@code Iterable},
 *     {@code CharSequence}…): a deep copy, as {@link PyObject#toJava()}; a
 *     result with no Java counterpart is wrapped as below;
 * <li>any other interface (the caller's own, {@code java.util.function}…):
 *     the result wrapped with {@code as(returnType)}, recursively (a Java
 *     object that already implements it, such as a Java function passed
 *     through Python, is returned itself).
 * </ul>
 *
 * <p>When the Python object has no attribute of the method's name: a
 * {@code default} method runs its Java implementation (checked at every
 * call, so an attribute added later takes over); the single abstract method
 * of a functional interface calls the object itself when it is callable
 * (a {@code lambda} as a {@code Function}, {@code Comparator},
 * {@code Runnable}…; decided at the first call through each proxy);
 * otherwise an {@link UnsupportedOperationException} names the Python type,
 * the attribute and the interface.
 *
 * <p>{@code equals} is Python {@code ==} between the targets of two such
 * proxies; {@code hashCode} and {@code toString} are the target's
 * ({@code hash}, {@code str}). The proxy also implements {@link PyBacked}:
 * passed to Python it is the target object itself.
 *
 * <p>A {@link PythonException} propagates unchanged, except that when its
 * cause (a Java exception thrown by a Java callback Python called) is an
 * instance of an exception type the interface method declares, the cause
 * is thrown instead ({@code Callable.call()} throws the original checked
 * exception).
 *
 * <p>The proxy holds the target handle: it lives as long as the handle does
 * (a {@link ResourceScope} closing releases it; {@link PyObject#keep()} it
 * first to let the proxy outlive the scope). Handles made for wrapped
 * interface results belong to the current scope, as any other.
 */
final class PyProxy {
    private PyProxy() {}

    static <T> T create(PyObject target, Class<T> iface) {
        Objects.requireNonNull(iface, "iface");
        return iface.cast(create(target, new Class<?>[] {iface}));
    }

    /**
     * One proxy implementing every interface of {@code ifaces} (and
     * {@link PyBacked}); the first one decides what a functional call means.
     * Used by {@link PyImplements} for Python classes that declare the Java
     * interfaces they implement.
     */
    static Object create(PyObject target, Class<?>[] ifaces) {
        Objects.requireNonNull(target, "target");
        for (Class<?> i : ifaces) {
            check(i);
        }
        Class<?> iface = ifaces[0];
        Set<Class<?>> all = new LinkedHashSet<>(Arrays.asList(ifaces));
        all.add(PyBacked.class);
        Class<?>[] withBacked = all.toArray(new Class<?>[0]);
        Handler h = new Handler(target, INFO.get(iface));
        ClassLoader own = PyProxy.class.getClassLoader();
        ClassLoader loader = iface.getClassLoader();
        if (loader == null) {
            loader = own;
        }
        try {
            return Proxy.newProxyInstance(loader, withBacked, h);
        } catch (IllegalArgumentException e) {
            // iface's loader does not see org.pybridge (pybridge in a child loader).
            if (loader == own) {
                throw e;
            }
            try {
                return Proxy.newProxyInstance(own, withBacked, h);
            } catch (IllegalArgumentException e2) {
                e2.addSuppressed(e);
                throw new IllegalArgumentException(
                        "cannot make a proxy of " + Arrays.toString(ifaces)
                                + ": no class loader sees both them and org.pybridge.PyBacked",
                        e2);
            }
        }
    }

    private static void check(Class<?> iface) {
        Objects.requireNonNull(iface, "iface");
        if (!iface.isInterface() || iface.isAnnotation()) {
            throw new IllegalArgumentException("PyObject.as needs an interface, and " + iface.getName()
                    + " is "
                    + (iface.isAnnotation()
                            ? "an annotation type"
                            : iface.isArray() ? "an array type" : iface.isPrimitive() ? "a primitive type" : "a class")
                    + " (a Python object can only"
                    + " stand for a Java interface; for a value, use toJava(Class) or callAs)");
        }
    }

    /**
     * Runs the Java implementation of the default method {@code m} on a proxy
     * {@link #create} made (what {@code pybridge.jsuper(self).name(...)} calls).
     */
    static Object invokeDefault(Object proxy, Method m, Object[] args) throws Throwable {
        MethodHandle h = DEFAULTS.computeIfAbsent(m, PyProxy::makeDefaultHandle);
        return h.invoke(proxy, args);
    }

    private static final ConcurrentHashMap<Method, MethodHandle> DEFAULTS = new ConcurrentHashMap<>();

    /** The target of a proxy {@link #create} made, or null for any other object. */
    static PyObject targetOf(Object o) {
        if (o != null && Proxy.isProxyClass(o.getClass())) {
            InvocationHandler h = Proxy.getInvocationHandler(o);
            if (h instanceof Handler) {
                return ((Handler) h).target;
            }
        }
        return null;
    }

    // ---- per-interface analysis -------------------------------------------------

    private static final ClassValue<IfaceInfo> INFO = new ClassValue<IfaceInfo>() {
        @Override
        protected IfaceInfo computeValue(Class<?> c) {
            return new IfaceInfo(c);
        }
    };

    private static final int K_PYTHON = 0;
    private static final int K_EQUALS = 1;
    private static final int K_HASHCODE = 2;
    private static final int K_TOSTRING = 3;
    private static final int K_PYOBJECT = 4;

    private static final int R_VOID = 0;
    private static final int R_HANDLE = 1;
    private static final int R_AS = 2;
    private static final int R_KNOWN_IFACE = 3;
    private static final int R_WRAP_IFACE = 4;

    /** What one interface is: its functional method (if any) and a plan per method. */
    private static final class IfaceInfo {
        final Class<?> iface;
        /** Name and parameter types of the single abstract method, or null if not functional. */
        final String fnName;

        final Class<?>[] fnParams;
        final ConcurrentHashMap<Method, Plan> plans = new ConcurrentHashMap<>();

        IfaceInfo(Class<?> iface) {
            this.iface = iface;
            Map<String, Method> abstracts = new LinkedHashMap<>();
            for (Method m : iface.getMethods()) {
                if (!Modifier.isAbstract(m.getModifiers()) || isPublicObjectMethod(m)) {
                    continue;
                }
                abstracts.putIfAbsent(m.getName() + Arrays.toString(m.getParameterTypes()), m);
            }
            if (abstracts.size() == 1) {
                Method f = abstracts.values().iterator().next();
                fnName = f.getName();
                fnParams = f.getParameterTypes();
            } else {
                fnName = null;
                fnParams = null;
            }
        }

        Plan plan(Method m) {
            Plan p = plans.get(m);
            if (p == null) {
                p = plans.computeIfAbsent(m, k -> new Plan(this, k));
            }
            return p;
        }
    }

    private static boolean isPublicObjectMethod(Method m) {
        try {
            Method o = Object.class.getMethod(m.getName(), m.getParameterTypes());
            return Modifier.isPublic(o.getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The values the conversion to Java produces: a java.* interface one of them implements is "known". */
    private static final Class<?>[] CONVERTED = {
        ArrayList.class,
        LinkedHashMap.class,
        HashSet.class,
        List.of().getClass(),
        Set.of().getClass(),
        String.class,
        Long.class,
        Double.class,
        Boolean.class,
        BigInteger.class,
        byte[].class,
        PyObject.class
    };

    private static boolean knownInterface(Class<?> r) {
        if (!r.getName().startsWith("java.")) {
            return false;
        }
        for (Class<?> c : CONVERTED) {
            if (r.isAssignableFrom(c)) {
                return true;
            }
        }
        return false;
    }

    /** How one interface method is carried out. */
    private static final class Plan {
        final int kind;
        final String name;
        final boolean isDefault;
        /** The interface's single abstract method (may call the object itself). */
        final boolean functional;

        final boolean varargs;
        final int result;
        /** R_AS: the return type (maybe primitive; ResultTypes.coerce boxes); R_*_IFACE: the interface. */
        final Class<?> type;

        final Class<?>[] exceptions;
        final Method method;
        private volatile MethodHandle defaultHandle;

        Plan(IfaceInfo info, Method m) {
            method = m;
            name = m.getName();
            int n = m.getParameterCount();
            Class<?> rt = m.getReturnType();
            if (name.equals("equals") && n == 1 && m.getParameterTypes()[0] == Object.class && rt == boolean.class) {
                kind = K_EQUALS;
            } else if (name.equals("hashCode") && n == 0 && rt == int.class) {
                kind = K_HASHCODE;
            } else if (name.equals("toString") && n == 0 && rt == String.class) {
                kind = K_TOSTRING;
            } else if (name.equals("pyObject") && n == 0 && rt.isAssignableFrom(PyObject.class)) {
                kind = K_PYOBJECT;
            } else {
                kind = K_PYTHON;
            }
            isDefault = m.isDefault();
            functional = !isDefault
                    && info.fnName != null
                    && name.equals(info.fnName)
                    && Arrays.equals(m.getParameterTypes(), info.fnParams);
            varargs = m.isVarArgs();
            exceptions = m.getExceptionTypes();
            if (rt == void.class || rt == Void.class) {
                result = R_VOID;
                type = null;
            } else if (rt == PyObject.class) {
                result = R_HANDLE;
                type = PyObject.class;
            } else if (!rt.isInterface()) {
                result = R_AS;
                type = rt; // a primitive stays one: None for an int is an error, not null
            } else if (knownInterface(rt)) {
                result = R_KNOWN_IFACE;
                type = rt;
            } else {
                result = R_WRAP_IFACE;
                type = rt;
            }
        }

        /** (proxy, Object[] args) → result, running the interface's Java implementation. */
        MethodHandle defaultHandle() {
            MethodHandle h = defaultHandle;
            if (h == null) {
                h = makeDefaultHandle(method);
                defaultHandle = h;
            }
            return h;
        }
    }

    /** {@code InvocationHandler.invokeDefault} (Java 16+), or null. */
    private static final MethodHandle INVOKE_DEFAULT = findInvokeDefault();

    private static MethodHandle findInvokeDefault() {
        try {
            Method m = InvocationHandler.class.getMethod("invokeDefault", Object.class, Method.class, Object[].class);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static MethodHandle makeDefaultHandle(Method m) {
        Class<?> decl = m.getDeclaringClass();
        int n = m.getParameterCount();
        IllegalAccessException denied;
        try {
            MethodHandle mh =
                    MethodHandles.privateLookupIn(decl, MethodHandles.lookup()).unreflectSpecial(m, decl);
            return mh.asType(MethodType.genericMethodType(n + 1)).asSpreader(Object[].class, n);
        } catch (IllegalAccessException e) {
            // An interface of a module that does not open its package to us (java.util.function.Function.andThen):
            // the JDK's own route for proxies, from Java 16 on.
            denied = e;
        }
        if (INVOKE_DEFAULT != null) {
            return MethodHandles.insertArguments(INVOKE_DEFAULT, 1, m)
                    .asType(MethodType.methodType(Object.class, Object.class, Object[].class));
        }
        throw new UnsupportedOperationException(
                "cannot run the default method " + decl.getName() + "." + m.getName()
                        + " for a Python object (its package is not open to pybridge on this Java version)",
                denied);
    }

    // ---- the handler ---------------------------------------------------------------

    private static final int ROUTE_UNKNOWN = 0;
    private static final int ROUTE_ATTR = 1;
    private static final int ROUTE_SELF = 2;

    private static final class Handler implements InvocationHandler {
        final PyObject target;
        final IfaceInfo info;
        /** For the functional method: call the attribute, or the object itself. Decided once. */
        private volatile int fnRoute = ROUTE_UNKNOWN;

        Handler(PyObject target, IfaceInfo info) {
            this.target = target;
            this.info = info;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            Plan p = info.plan(m);
            try {
                switch (p.kind) {
                    case K_EQUALS:
                        return equalsImpl(proxy, args[0]);
                    case K_HASHCODE:
                        return target.hashCode();
                    case K_TOSTRING:
                        return target.toString();
                    case K_PYOBJECT:
                        return target;
                    default:
                        return python(proxy, p, args);
                }
            } finally {
                Reference.reachabilityFence(target);
                Reference.reachabilityFence(proxy);
            }
        }

        private boolean equalsImpl(Object proxy, Object other) {
            if (proxy == other) {
                return true;
            }
            PyObject o = targetOf(other);
            return o != null && target.equals(o);
        }

        private Object python(Object proxy, Plan p, Object[] args) throws Throwable {
            if (p.isDefault) {
                // Checked every call (one cheap native call, no exception): an attribute set later takes over.
                if (!target.hasAttr(p.name)) {
                    return p.defaultHandle().invoke(proxy, args == null ? new Object[0] : args);
                }
                return call(p, p.name, pyArgs(p, args));
            }
            Object[] a = pyArgs(p, args);
            if (p.functional) {
                int route = fnRoute;
                if (route == ROUTE_UNKNOWN) {
                    route = target.hasAttr(p.name) ? ROUTE_ATTR : callable() ? ROUTE_SELF : ROUTE_UNKNOWN;
                    if (route == ROUTE_UNKNOWN) {
                        throw missing(p);
                    }
                    fnRoute = route;
                }
                if (route == ROUTE_SELF) {
                    return call(p, null, a);
                }
            }
            try {
                return call(p, p.name, a);
            } catch (PythonException e) {
                // Missing attribute (not an AttributeError raised inside the method)?
                if (!e.is("AttributeError") || target.hasAttr(p.name)) {
                    throw e;
                }
                if (p.functional && callable()) {
                    fnRoute = ROUTE_SELF;
                    return call(p, null, a);
                }
                UnsupportedOperationException u = missing(p);
                u.addSuppressed(e);
                throw u;
            }
        }

        private boolean callable() {
            if (target.kind() == PyKind.CALLABLE) {
                return true;
            }
            PyObject b = Python.builtins();
            try {
                return Boolean.TRUE.equals(b.callAttrAs(Boolean.class, "callable", target));
            } finally {
                b.close();
            }
        }

        private UnsupportedOperationException missing(Plan p) {
            String type;
            try {
                type = target.typeName();
            } catch (RuntimeException e) {
                type = "?";
            }
            return new UnsupportedOperationException("the Python '" + type + "' object has no attribute '"
                    + p.name + "' for " + info.iface.getName() + "." + p.name
                    + (info.fnName != null
                            ? " (and it is not callable, so it cannot stand for the functional" + " interface itself)"
                            : "")
                    + "; define it in Python or give the interface method a default implementation");
        }

        /** Calls {@code target.name(*a)} (or {@code target(*a)} when name is null) and converts the result. */
        private Object call(Plan p, String name, Object[] a) throws Throwable {
            try {
                switch (p.result) {
                    case R_VOID: {
                        Object r = name == null
                                ? target.callWith(Conversion.SHALLOW, null, a)
                                : target.callAttrWith(Conversion.SHALLOW, name, null, a);
                        if (r instanceof PyObject) {
                            ((PyObject) r).close();
                        }
                        return null;
                    }
                    case R_HANDLE:
                        return name == null ? target.call(a) : target.callAttr(name, a);
                    case R_AS:
                        return name == null ? target.callAs(p.type, a) : target.callAttrAs(p.type, name, a);
                    case R_KNOWN_IFACE: {
                        Object r = name == null
                                ? target.callWith(Conversion.DEEP, null, a)
                                : target.callAttrWith(Conversion.DEEP, name, null, a);
                        if (r == null || p.type.isInstance(r)) {
                            return r;
                        }
                        if (r instanceof PyObject) {
                            return create((PyObject) r, p.type);
                        }
                        return ResultTypes.coerce(r, p.type);
                    }
                    default: {
                        Object r = name == null
                                ? target.callWith(Conversion.SHALLOW, null, a)
                                : target.callAttrWith(Conversion.SHALLOW, name, null, a);
                        if (r == null || p.type.isInstance(r)) {
                            return r;
                        }
                        PyObject o = r instanceof PyObject ? (PyObject) r : Python.toPython(r);
                        return create(o, p.type);
                    }
                }
            } catch (PythonException e) {
                Throwable cause = e.getCause();
                if (cause != null) {
                    for (Class<?> x : p.exceptions) {
                        if (x.isInstance(cause)) {
                            throw cause;
                        }
                    }
                }
                throw e;
            }
        }
    }

    /** The Python positional arguments: the Java ones, a varargs array spread. */
    private static Object[] pyArgs(Plan p, Object[] args) {
        if (args == null) {
            return new Object[0];
        }
        if (!p.varargs) {
            return args;
        }
        int fixed = args.length - 1;
        Object rest = args[fixed];
        if (rest == null) {
            return Arrays.copyOf(args, fixed);
        }
        int n = Array.getLength(rest);
        Object[] a = Arrays.copyOf(args, fixed + n);
        for (int i = 0; i < n; i++) {
            a[fixed + i] = Array.get(rest, i);
        }
        return a;
    }
}

package org.pybridge;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Java from Python, the arguments: how well a value Python sent fits a
 * parameter type ({@link #cost}), the value as that type ({@link #convert}),
 * the overload of a group a call means ({@link #choose}), and the typed
 * boundaries' check ({@link #coerce}). The rules are those of
 * docs/decisions/java-in-python.md.
 */
final class JavaOverloads {
    private JavaOverloads() {}

    /**
     * The overload of {@code g} that {@code args} call: the only one of
     * their count when its parameters take them (the fast path), else the
     * cheapest applicable one, the most specific among equals; a
     * {@link JavaBridge.PyError} (TypeError) when none or several fit.
     */
    static Executable choose(JavaClasses.Group g, Object[] args, Object target) {
        int n = args.length;
        if (n < g.byArity.length && g.byArity[n].length == 1 && g.varargs.length == 0) {
            Executable e = g.byArity[n][0];
            Class<?>[] ps = e.getParameterTypes();
            boolean ok = true;
            for (int i = 0; i < n && ok; i++) {
                ok = cost(args[i], ps[i]) < NO;
            }
            if (ok) {
                return e;
            }
        }
        return resolve(g, args, target);
    }

    /** Costs of matching one argument to one parameter type: lower is better; NO means it does not fit. */
    static final int NO = 1 << 20;

    /**
     * The cost tables, in javac's phases: a Python {@code int}, {@code float},
     * {@code bool} or one-character {@code str} is a primitive literal, so
     * every primitive parameter it fits (phase 1: identity and widening)
     * costs less than any boxed or reference one (phase 2: boxing), and
     * varargs (phase 3) cost more than any fixed-arity match. Within a phase
     * the rank of the target type orders the choice:
     * {@code int} 0, {@code long} 1, {@code short} 2, {@code byte} 3,
     * {@code double} 4, {@code float} 5 for an integer; {@code double} 0,
     * {@code float} 1 for a float; {@code boolean} 0; {@code char} 2.
     * The boxed type of a primitive costs {@link #BOXING} more than it;
     * {@code BigInteger} {@code BOXING + 6}; {@code Object}, {@code Number},
     * {@code Comparable}... ({@link #TO_OBJECT}) {@code BOXING + 8}.
     */
    static final int BOXING = 16;
    /** A number, boolean or character passed as an {@code Object} (or another supertype of its box). */
    static final int TO_OBJECT = BOXING + 8;
    /** Added to a varargs match: phase 3, after every fixed-arity one. */
    static final int VARARGS = 1 << 10;

    private static int integralRank(Class<?> b) {
        return b == Integer.class
                ? 0
                : b == Long.class
                        ? 1
                        : b == Short.class ? 2 : b == Byte.class ? 3 : b == Double.class ? 4 : b == Float.class ? 5 : 6;
    }

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
        if (c == Long.class || c == BigInteger.class) {
            Class<?> b = ResultTypes.box(p);
            if (narrows(c, b) && (c == Long.class || b == Double.class || b == Float.class)) {
                if (!fits(v, b)) {
                    return NO;
                }
                int rank = integralRank(b);
                return p.isPrimitive() ? rank : BOXING + rank;
            }
            return p.isInstance(v) ? (p == c ? 0 : TO_OBJECT) : NO;
        }
        if (c == Double.class) {
            if (p == double.class) {
                return 0;
            }
            if (p == float.class) {
                return fits(v, Float.class) ? 1 : NO;
            }
            if (p == Float.class) {
                return fits(v, Float.class) ? BOXING + 1 : NO;
            }
            return p == Double.class ? BOXING : p.isInstance(v) ? TO_OBJECT : NO;
        }
        if (c == Boolean.class) {
            return p == boolean.class ? 0 : p == Boolean.class ? BOXING : p.isInstance(v) ? TO_OBJECT : NO;
        }
        if (p == c) {
            return 0;
        }
        if (c == String.class) {
            if (p == CharSequence.class) {
                return 1;
            }
            if ((p == char.class || p == Character.class) && ((String) v).length() == 1) {
                return p == char.class ? 2 : BOXING + 2;
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
        if (v instanceof Long || v instanceof BigInteger || v instanceof Double) {
            Class<?> b = ResultTypes.box(p);
            return narrows(v.getClass(), b) ? narrow(v, b) : v;
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

    // ---- numeric narrowing: the one home of its rules ----------------------------

    /**
     * Whether numeric conversion applies from a value of class {@code from}
     * to the boxed type {@code to}: an integer ({@code Long}, and the
     * {@code Integer}, {@code Short}, {@code Byte} of a numpy array's
     * elements, or a {@code BigInteger}) to any of {@code Long},
     * {@code Integer}, {@code Short}, {@code Byte}, {@code Double},
     * {@code Float}, {@code BigInteger}; a floating-point value
     * ({@code Double}, {@code Float}) to {@code Double} or {@code Float}.
     * Nothing else converts between numbers (a float is never an integer).
     */
    static boolean narrows(Class<?> from, Class<?> to) {
        boolean integral = from == Long.class
                || from == Integer.class
                || from == Short.class
                || from == Byte.class
                || from == BigInteger.class;
        if (integral) {
            return to == Long.class
                    || to == Integer.class
                    || to == Short.class
                    || to == Byte.class
                    || to == Double.class
                    || to == Float.class
                    || to == BigInteger.class;
        }
        return (from == Double.class || from == Float.class) && (to == Double.class || to == Float.class);
    }

    /**
     * Whether {@code v} (for which {@link #narrows} holds) keeps its value
     * as a {@code to}: an integer within the range of {@code Long},
     * {@code Integer}, {@code Short}, {@code Byte} (any integer becomes a
     * {@code Double}, {@code Float} or {@code BigInteger}, rounding to the
     * nearest); a double whose magnitude is within {@code Float}'s range as
     * a {@code Float} (infinities and NaN too; a smaller magnitude rounds,
     * to zero at worst). Callers turn "does not fit" into their own
     * failure: a {@code TypeError} in Python for a Java call or a typed
     * boundary, an {@link ArithmeticException} for a result asked for in
     * Java ({@link ResultTypes#coerce}).
     */
    static boolean fits(Object v, Class<?> to) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return to != Float.class || !Double.isFinite(d) || Math.abs(d) <= Float.MAX_VALUE;
        }
        if (to == Double.class || to == Float.class || to == BigInteger.class) {
            return true;
        }
        long l;
        if (v instanceof BigInteger) {
            BigInteger b = (BigInteger) v;
            if (b.bitLength() > 63) {
                return false;
            }
            l = b.longValue();
        } else {
            l = ((Number) v).longValue();
        }
        return to == Long.class
                || (to == Integer.class
                        ? l == (int) l
                        : to == Short.class ? l == (short) l : to == Byte.class && l == (byte) l);
    }

    /** {@code v} as a {@code to} ({@link #narrows} holds), or null when it does not {@link #fits fit}. */
    static Object narrow(Object v, Class<?> to) {
        if (v.getClass() == to) {
            return v;
        }
        if (!fits(v, to)) {
            return null;
        }
        Number n = (Number) v;
        if (to == Long.class) {
            return n.longValue();
        }
        if (to == Integer.class) {
            return n.intValue();
        }
        if (to == Short.class) {
            return n.shortValue();
        }
        if (to == Byte.class) {
            return n.byteValue();
        }
        if (to == Double.class) {
            return n.doubleValue();
        }
        if (to == Float.class) {
            return n.floatValue();
        }
        return v instanceof BigInteger ? v : BigInteger.valueOf(n.longValue());
    }

    /**
     * {@code v} as a {@code type} for a typed boundary (a callback's declared
     * parameter, a result asked for as an array): a {@link PyError}
     * (Python's TypeError) when it does not fit.
     */
    static Object coerce(Object v, Class<?> type, String where) {
        if (cost(v, type) >= NO) {
            throw new JavaBridge.PyError(
                    "TypeError", where + " takes a " + type.getCanonicalName() + ", not " + describeValue(v));
        }
        return convert(v, type);
    }

    /**
     * {@link #coerce} for a value Python stores into a field or an array
     * element: a number of the right kind but out of the type's range is
     * Python's {@code OverflowError} naming the range (as assigning to a
     * C-typed slot is in Python), anything else that does not fit a
     * {@code TypeError}.
     */
    static Object coerceStored(Object v, Class<?> type, String where) {
        Class<?> box = ResultTypes.box(type);
        if (v != null && box != BigInteger.class && narrows(v.getClass(), box) && !fits(v, box)) {
            throw new JavaBridge.PyError(
                    "OverflowError",
                    where + " is a Java " + type.getSimpleName() + ", which holds " + range(box) + "; " + v
                            + " does not fit");
        }
        return coerce(v, type, where);
    }

    private static String range(Class<?> box) {
        if (box == Integer.class) {
            return Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        }
        if (box == Short.class) {
            return Short.MIN_VALUE + " to " + Short.MAX_VALUE;
        }
        if (box == Byte.class) {
            return Byte.MIN_VALUE + " to " + Byte.MAX_VALUE;
        }
        if (box == Long.class) {
            return Long.MIN_VALUE + " to " + Long.MAX_VALUE;
        }
        return "magnitudes up to " + Float.MAX_VALUE;
    }

    private static Executable resolve(JavaClasses.Group g, Object[] args, Object target) {
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
            throw new JavaBridge.PyError(
                    "TypeError",
                    "no overload of " + signatureName(g) + " takes (" + describeArgs(args) + "); candidates: "
                            + candidates(g.all));
        }
        if (best.size() > 1) {
            List<Executable> most = mostSpecific(best);
            if (most.size() != 1) {
                throw new JavaBridge.PyError(
                        "TypeError",
                        "ambiguous call of " + signatureName(g) + " with ("
                                + describeArgs(args) + "): " + candidates(most.toArray(new Executable[0]))
                                + " fit equally well; convert the arguments (e.g. with jarray, or a Java object"
                                + " of the exact type) to choose one");
            }
            return most.get(0);
        }
        return best.get(0);
    }

    /** Java's rule among equally cheap overloads: the most specific ones (one, if there is one). */
    private static List<Executable> mostSpecific(List<Executable> best) {
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
        return most;
    }

    // ---- keyword arguments -------------------------------------------------------

    /** An overload chosen for a call with keyword arguments, and its arguments in parameter order. */
    static final class Bound {
        final Executable chosen;
        final Object[] args;

        Bound(Executable chosen, Object[] args) {
            this.chosen = chosen;
            this.args = args;
        }
    }

    /**
     * The overload of {@code g} that a call with keyword arguments means.
     * Each overload whose parameter names are known ({@link #parameterNames})
     * binds the positional arguments to its first parameters and each keyword
     * to the parameter of that name, as Python binds a call; a trailing
     * varargs parameter left unbound is empty. Among the overloads every
     * argument binds to, the cheapest by the costs of positional calls wins,
     * the most specific among equals. Otherwise a {@link JavaBridge.PyError}
     * (TypeError): Python's own message when there is one overload (an
     * unexpected keyword, a parameter given twice, one missing), else one
     * naming each overload's parameters and why it does not fit.
     */
    static Bound chooseByName(JavaClasses.Group g, Object[] positional, Map<String, Object> kw, Object target) {
        List<Executable> best = new ArrayList<>();
        List<Object[]> bestArgs = new ArrayList<>();
        int bestCost = NO;
        List<String> why = new ArrayList<>();
        boolean unknownNames = false;
        boolean allUnknown = true;
        List<Executable> unknown = new ArrayList<>();
        for (Executable e : g.all) {
            if (target == null && e instanceof Method && !Modifier.isStatic(e.getModifiers())) {
                continue;
            }
            String[] names = parameterNames(e);
            if (e.getParameterCount() > 0 && names != null) {
                allUnknown = false;
            }
            if (names == null) {
                unknownNames = true;
                unknown.add(e);
                why.add(candidates(new Executable[] {e}) + ": its parameter names are not known");
                continue;
            }
            Object[] bound = new Object[names.length];
            String failure = bind(e, names, positional, kw, bound);
            if (failure != null) {
                why.add(namedSignature(e, names) + ": " + failure);
                continue;
            }
            if (e.isVarArgs() && bound[names.length - 1] == UNBOUND) {
                bound = Arrays.copyOf(bound, names.length - 1);
            }
            int k = applicable(e, bound, bound.length);
            if (k >= NO) {
                why.add(namedSignature(e, names) + ": the arguments' types do not fit");
            } else if (k < bestCost) {
                bestCost = k;
                best.clear();
                bestArgs.clear();
                best.add(e);
                bestArgs.add(bound);
            } else if (k == bestCost) {
                best.add(e);
                bestArgs.add(bound);
            }
        }
        if (best.isEmpty()) {
            String call = callName(g) + "(" + describeCall(positional, kw) + ")";
            String hint = unknownNames
                    ? "; parameter names are known for classes compiled with javac -parameters, records' canonical"
                            + " constructors, and parameters annotated with @org.pybridge.PyName (pass the arguments"
                            + " by position otherwise)"
                    : "";
            if (unknownNames && allUnknown) {
                throw new JavaBridge.PyError(
                        "TypeError",
                        call + ": the parameter names of " + signatureName(g) + " ("
                                + candidates(unknown.toArray(new Executable[0]))
                                + ") are not known, so it takes no keyword arguments" + hint);
            }
            if (why.size() == 1) {
                throw new JavaBridge.PyError("TypeError", call + ": " + why.get(0) + hint);
            }
            throw new JavaBridge.PyError(
                    "TypeError",
                    "no overload of " + signatureName(g) + " takes " + call + ": " + String.join("; ", why) + hint);
        }
        if (best.size() > 1) {
            List<Executable> most = mostSpecific(best);
            if (most.size() != 1) {
                throw new JavaBridge.PyError(
                        "TypeError",
                        "ambiguous call " + callName(g) + "(" + describeCall(positional, kw) + "): "
                                + candidates(most.toArray(new Executable[0]))
                                + " fit equally well; convert the arguments (e.g. with jarray, or a Java object"
                                + " of the exact type) to choose one");
            }
            Executable e = most.get(0);
            return new Bound(e, bestArgs.get(best.indexOf(e)));
        }
        return new Bound(best.get(0), bestArgs.get(0));
    }

    /** A parameter no argument was bound to (only a trailing varargs one may stay so). */
    private static final Object UNBOUND = new Object();

    /**
     * Binds a call's arguments to {@code e}'s parameters (named
     * {@code names}) into {@code out}, as Python binds them: null if they
     * bind, else why not, in Python's words.
     */
    private static String bind(
            Executable e, String[] names, Object[] positional, Map<String, Object> kw, Object[] out) {
        int np = names.length;
        if (positional.length > np) {
            // Extra positional arguments could only be varargs elements, and
            // then every keyword names a parameter already given or none.
            if (!e.isVarArgs()) {
                return "takes " + np + " positional argument" + (np == 1 ? "" : "s") + " but " + positional.length
                        + " were given";
            }
        }
        Arrays.fill(out, UNBOUND);
        for (int i = 0; i < Math.min(np, positional.length); i++) {
            out[i] = positional[i];
        }
        for (Map.Entry<String, Object> k : kw.entrySet()) {
            int i = Arrays.asList(names).indexOf(k.getKey());
            if (i < 0) {
                return "got an unexpected keyword argument '" + k.getKey() + "'";
            }
            if (i < positional.length) {
                return "got multiple values for argument '" + k.getKey() + "'";
            }
            out[i] = k.getValue();
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < np; i++) {
            if (out[i] == UNBOUND && !(e.isVarArgs() && i == np - 1)) {
                missing.add("'" + names[i] + "'");
            }
        }
        if (!missing.isEmpty()) {
            String list = missing.size() == 1
                    ? missing.get(0)
                    : String.join(", ", missing.subList(0, missing.size() - 1)) + " and "
                            + missing.get(missing.size() - 1);
            return "missing " + missing.size() + " required argument" + (missing.size() == 1 ? "" : "s") + ": " + list;
        }
        return null;
    }

    private static final Map<Executable, String[]> NAMES = new ConcurrentHashMap<>();
    private static final String[] NAMES_UNKNOWN = new String[0];

    /**
     * The names Python may pass {@code e}'s parameters by, or null when they
     * are not known: for each parameter its {@link PyName}, else the name
     * {@code javac -parameters} kept, else (a record's canonical
     * constructor) its record component's name.
     */
    static String[] parameterNames(Executable e) {
        String[] n = NAMES.get(e);
        if (n == null) {
            n = findNames(e);
            NAMES.put(e, n);
        }
        return n == NAMES_UNKNOWN ? null : n;
    }

    private static String[] findNames(Executable e) {
        Parameter[] ps = e.getParameters();
        String[] out = new String[ps.length];
        String[] record = null;
        for (int i = 0; i < ps.length; i++) {
            PyName a = ps[i].getAnnotation(PyName.class);
            if (a != null) {
                out[i] = a.value();
            } else if (ps[i].isNamePresent()) {
                out[i] = ps[i].getName();
            } else {
                if (record == null) {
                    record = recordComponentNames(e);
                    if (record == null) {
                        return NAMES_UNKNOWN;
                    }
                }
                out[i] = record[i];
            }
        }
        return out;
    }

    /**
     * The component names of a record if {@code e} is its canonical
     * constructor (JDK 16+, read reflectively: the library targets Java 11).
     */
    private static String[] recordComponentNames(Executable e) {
        if (!(e instanceof Constructor)) {
            return null;
        }
        Class<?> c = e.getDeclaringClass();
        try {
            if (!Boolean.TRUE.equals(Class.class.getMethod("isRecord").invoke(c))) {
                return null;
            }
            Object[] comps =
                    (Object[]) Class.class.getMethod("getRecordComponents").invoke(c);
            Class<?>[] ps = e.getParameterTypes();
            if (comps == null || comps.length != ps.length) {
                return null;
            }
            String[] names = new String[comps.length];
            for (int i = 0; i < comps.length; i++) {
                Method type = comps[i].getClass().getMethod("getType");
                if (type.invoke(comps[i]) != ps[i]) {
                    return null;
                }
                names[i] = (String) comps[i].getClass().getMethod("getName").invoke(comps[i]);
            }
            return names;
        } catch (ReflectiveOperationException | RuntimeException x) {
            return null;
        }
    }

    private static String callName(JavaClasses.Group g) {
        String simple = g.owner.substring(g.owner.lastIndexOf('.') + 1).replace('$', '.');
        return g.name.equals("<init>") ? simple : simple + "." + g.name;
    }

    private static String namedSignature(Executable e, String[] names) {
        StringBuilder b = new StringBuilder();
        b.append(e instanceof Constructor ? e.getDeclaringClass().getSimpleName() : e.getName())
                .append('(');
        Class<?>[] ps = e.getParameterTypes();
        for (int i = 0; i < ps.length; i++) {
            b.append(i > 0 ? ", " : "")
                    .append(
                            e.isVarArgs() && i == ps.length - 1
                                    ? ps[i].getComponentType().getSimpleName() + "..."
                                    : ps[i].getSimpleName())
                    .append(' ')
                    .append(names[i]);
        }
        return b.append(')').toString();
    }

    private static String describeCall(Object[] positional, Map<String, Object> kw) {
        StringBuilder b = new StringBuilder(describeArgs(positional));
        for (Map.Entry<String, Object> k : kw.entrySet()) {
            b.append(b.length() > 0 ? ", " : "").append(k.getKey()).append('=').append(describeValue(k.getValue()));
        }
        return b.toString();
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
            int total = VARARGS;
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

    /**
     * The arguments of a call of {@code e} (from {@link #choose}) converted
     * to its parameter types, in place when they map one to one (the caller
     * owns {@code args}), or with the trailing ones gathered into the
     * varargs array.
     */
    static Object[] argsFor(Executable e, Object[] args) {
        Class<?>[] ps = e.getParameterTypes();
        int n = args.length;
        // A fixed-arity overload was chosen because every argument fits.
        boolean direct = ps.length == n;
        if (direct && e.isVarArgs()) {
            for (int i = 0; i < n && direct; i++) {
                direct = cost(args[i], ps[i]) < NO;
            }
        }
        if (direct) {
            for (int i = 0; i < n; i++) {
                args[i] = convert(args[i], ps[i]);
            }
            return args;
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

    private static String signatureName(JavaClasses.Group g) {
        return g.name.equals("<init>") ? "the constructor of " + g.owner : g.owner + "." + g.name;
    }

    private static String candidates(Executable[] es) {
        StringBuilder b = new StringBuilder();
        for (Executable e : es) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(e instanceof Constructor ? e.getDeclaringClass().getSimpleName() : e.getName())
                    .append('(');
            Class<?>[] ps = e.getParameterTypes();
            for (int i = 0; i < ps.length; i++) {
                b.append(i > 0 ? ", " : "")
                        .append(
                                e.isVarArgs() && i == ps.length - 1
                                        ? ps[i].getComponentType().getName() + "..."
                                        : ps[i].getCanonicalName());
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
}

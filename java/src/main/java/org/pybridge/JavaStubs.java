package org.pybridge;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/**
 * Writes Python type stubs ({@code .pyi}) for Java packages and classes, so
 * that an IDE completes, and a type checker (mypy, pyright) checks, Python
 * code that uses Java through pybridge ({@code from java.util import
 * ArrayList}). Generated from the JVM's reflection; no Python is needed.
 *
 * <pre>
 * java -cp pybridge.jar:app.jar org.pybridge.JavaStubs --out typings java.util java.lang com.acme.model
 * </pre>
 *
 * <p>Each Java package becomes the module pybridge's import hook exposes
 * ({@code typings/java/util/__init__.pyi}), with one Python class per public
 * class: its public constructors ({@code __init__}) and methods (overloads as
 * {@code typing.overload}, static ones as {@code staticmethod}), its public
 * fields (static ones as {@code typing.ClassVar}), its public nested classes,
 * its superclass and interfaces as bases, its type parameters as {@code
 * typing.Generic}, and the Python protocol methods pybridge adds (a {@code
 * java.util.List} is a {@code typing.MutableSequence}, a {@code Map} a
 * {@code typing.MutableMapping}...). Types are those pybridge converts to:
 * a {@code String} or {@code Integer} result is a Python {@code str} or
 * {@code int}, a {@code java.util.List} parameter takes a Python list; a Java
 * type of a package not generated in the same run is {@code typing.Any}.
 * The rules are in {@code docs/guide/java-from-python.md} ("Completion and
 * type checking").
 */
public final class JavaStubs {
    private JavaStubs() {}

    static final String USAGE = String.join(
            "\n",
            "usage: java -cp pybridge.jar:<your jars> org.pybridge.JavaStubs [--out DIR] NAME...",
            "",
            "Writes Python type stubs (.pyi) for the Java packages and classes NAME... (e.g. java.util,",
            "com.acme.model.Person) into DIR (default: typings, the directory pyright and Pylance read),",
            "one module per package: DIR/java/util/__init__.pyi. Types of packages not named are typing.Any:",
            "name every package your Python code uses (java.lang with java.util...).");

    /**
     * The command line: {@code [--out DIR] NAME...}; prints the files it wrote.
     *
     * @param args the options and the names of packages and classes
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path dir = Paths.get("typings");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--out") || a.equals("-o")) {
                if (i + 1 == args.length) {
                    err.println("pybridge stubs: --out needs a directory\n" + USAGE);
                    return 2;
                }
                dir = Paths.get(args[++i]);
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            } else if (a.startsWith("-")) {
                err.println("pybridge stubs: unknown option " + a + "\n" + USAGE);
                return 2;
            } else {
                names.add(a);
            }
        }
        if (names.isEmpty()) {
            err.println(USAGE);
            return 2;
        }
        try {
            for (Path p : write(dir, names)) {
                out.println(p);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("pybridge stubs: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("pybridge stubs: " + e);
            return 1;
        }
    }

    /**
     * Writes the stubs of the named Java packages and classes (found with the
     * thread's context class loader) under {@code dir}, one
     * {@code __init__.pyi} per package, and an empty one for each parent
     * package that has none yet.
     *
     * @param dir the stub directory (created if missing)
     * @param names packages ({@code java.util}) and classes ({@code com.acme.model.Person})
     * @return the files written, sorted
     * @throws IOException if a file cannot be written
     * @throws IllegalArgumentException if a name is neither a package nor a public class
     */
    public static List<Path> write(Path dir, Collection<String> names) throws IOException {
        Map<String, String> modules = generate(names);
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, String> m : modules.entrySet()) {
            Path f = moduleFile(dir, m.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, m.getValue().getBytes(StandardCharsets.UTF_8));
            written.add(f);
        }
        for (String pkg : modules.keySet()) {
            for (String p = parent(pkg); p != null; p = parent(p)) {
                Path f = moduleFile(dir, p);
                if (!modules.containsKey(p) && !Files.exists(f)) {
                    Files.createDirectories(f.getParent());
                    Files.write(f, header().getBytes(StandardCharsets.UTF_8));
                    written.add(f);
                }
            }
        }
        written.sort(null);
        return written;
    }

    private static Path moduleFile(Path dir, String pkg) {
        return dir.resolve(pkg.replace('.', '/')).resolve("__init__.pyi");
    }

    private static String parent(String pkg) {
        int i = pkg.lastIndexOf('.');
        return i < 0 ? null : pkg.substring(0, i);
    }

    /** Module name ({@code java.util}) to the text of its stub, for the named packages and classes. */
    static Map<String, String> generate(Collection<String> names) {
        Map<String, Set<Class<?>>> byPackage = new TreeMap<>();
        for (String n : names) {
            Class<?> c = loadClass(n);
            if (c != null) {
                byPackage
                        .computeIfAbsent(c.getPackageName(), k -> new TreeSet<>(BY_NAME))
                        .add(c);
                continue;
            }
            if (!JavaClasses.isPackage(n)) {
                throw new IllegalArgumentException(
                        n + " is neither a Java package nor a public class the class loader can see");
            }
            Set<Class<?>> set = byPackage.computeIfAbsent(n, k -> new TreeSet<>(BY_NAME));
            for (String member : JavaClasses.packageNames(n)) {
                Class<?> k = loadClass(n + "." + member);
                if (k != null) {
                    set.add(k);
                }
            }
        }
        Set<Class<?>> all = new HashSet<>();
        byPackage.values().forEach(all::addAll);
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, Set<Class<?>>> e : byPackage.entrySet()) {
            out.put(e.getKey(), new Module(e.getKey(), all).render(e.getValue()));
        }
        return out;
    }

    private static final Comparator<Class<?>> BY_NAME = Comparator.comparing(Class::getName);

    private static Class<?> loadClass(String name) {
        if (name.isEmpty() || name.endsWith(".")) {
            return null;
        }
        try {
            ClassLoader l = Thread.currentThread().getContextClassLoader();
            Class<?> c = Class.forName(name, false, l != null ? l : JavaStubs.class.getClassLoader());
            return c.getEnclosingClass() == null && JavaClasses.accessibleClass(c) ? c : null;
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    static String header() {
        return "# Python type stubs for Java classes, as pybridge shows them to Python.\n"
                + "# Generated by org.pybridge.JavaStubs from the reflection of Java "
                + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
                + ", " + System.getProperty("java.vendor") + "); do not edit.\n"
                + "# Java's overloading and inheritance are not Python's: the checks comparing a\n"
                + "# class with its bases, and overloads with each other, do not apply to them.\n"
                + "# mypy: disable-error-code=\"override, overload-overlap, overload-cannot-match, misc\"\n"
                + "# pyright: reportIncompatibleMethodOverride=false, reportIncompatibleVariableOverride=false\n"
                + "# pyright: reportOverlappingOverload=false, reportInconsistentOverload=false\n";
    }

    /**
     * Python's keywords that are valid Java identifiers: pybridge also binds
     * such a member as {@code name_} (java_bridge.py), which is what a stub can name.
     */
    static final Set<String> PYTHON_KEYWORDS = Set.of(
            "False",
            "None",
            "True",
            "and",
            "as",
            "assert",
            "async",
            "await",
            "break",
            "class",
            "continue",
            "def",
            "del",
            "elif",
            "else",
            "except",
            "finally",
            "for",
            "from",
            "global",
            "if",
            "import",
            "in",
            "is",
            "lambda",
            "nonlocal",
            "not",
            "or",
            "pass",
            "raise",
            "return",
            "try",
            "while",
            "with",
            "yield");

    /** The Python name of a Java member: itself, or {@code name_} for a Python keyword; null if not an identifier. */
    static String pyName(String javaName) {
        if (PYTHON_KEYWORDS.contains(javaName)) {
            return javaName + "_";
        }
        if (javaName.isEmpty() || !Character.isJavaIdentifierStart(javaName.charAt(0)) || javaName.indexOf('$') >= 0) {
            return null;
        }
        return javaName;
    }

    private enum Use {
        /** A parameter: what pybridge accepts for it. */
        PARAM,
        /** A result or field value: what arrives in Python. */
        RESULT,
        /** A type argument: as a result (elements arrive converted as results do). */
        ARG
    }

    private static final Map<Class<?>, String> SCALARS = new HashMap<>();

    private static final List<Class<?>> PREFERENCE = List.of(
            boolean.class,
            Boolean.class,
            int.class,
            long.class,
            short.class,
            byte.class,
            Integer.class,
            Long.class,
            Short.class,
            Byte.class,
            BigInteger.class,
            double.class,
            float.class,
            Double.class,
            Float.class,
            String.class,
            CharSequence.class,
            char.class,
            Character.class);

    static {
        for (Class<?> c : new Class<?>[] {
            int.class, long.class, short.class, byte.class, Integer.class, Long.class, Short.class, Byte.class
        }) {
            SCALARS.put(c, "builtins.int");
        }
        for (Class<?> c : new Class<?>[] {double.class, float.class, Double.class, Float.class}) {
            SCALARS.put(c, "builtins.float");
        }
        SCALARS.put(boolean.class, "builtins.bool");
        SCALARS.put(Boolean.class, "builtins.bool");
        SCALARS.put(char.class, "builtins.str");
        SCALARS.put(Character.class, "builtins.str");
        SCALARS.put(String.class, "builtins.str");
    }

    /** Whether a value of static type {@code c} may arrive in Python converted (a str, an int...) or as a proxy. */
    private static boolean mayConvert(Class<?> c) {
        for (Class<?> s : SCALARS.keySet()) {
            if (!s.isPrimitive() && c != s && c.isAssignableFrom(s)) {
                return true;
            }
        }
        return false;
    }

    /** The stub of one package. */
    private static final class Module {
        final String pkg;
        final Set<Class<?>> all;
        final Set<String> imports = new TreeSet<>();
        final Set<String> typeVars = new TreeSet<>();

        Module(String pkg, Set<Class<?>> all) {
            this.pkg = pkg;
            this.all = all;
        }

        boolean inSet(Class<?> c) {
            Class<?> top = c;
            while (top.getEnclosingClass() != null) {
                if (!emittedNested(top)) {
                    return false;
                }
                top = top.getEnclosingClass();
            }
            return all.contains(top) && JavaClasses.accessibleClass(c);
        }

        /**
         * Whether the stub has the nested class {@code n}: a public member
         * class whose name no method or field of its class takes (the
         * runtime's rule) and is a Python identifier.
         */
        boolean emittedNested(Class<?> n) {
            Class<?> outer = n.getEnclosingClass();
            if (outer == null
                    || !JavaClasses.accessibleClass(n)
                    || n.isSynthetic()
                    || n.isAnonymousClass()
                    || n.isLocalClass()
                    || !n.getSimpleName().equals(pyName(n.getSimpleName()))
                    || methodGroups(outer).containsKey(n.getSimpleName())) {
                return false;
            }
            for (Field f : outer.getFields()) {
                if (f.getName().equals(n.getSimpleName())) {
                    return false;
                }
            }
            return true;
        }

        String ref(Class<?> c) {
            String p = c.getPackageName();
            imports.add(p);
            StringBuilder sb = new StringBuilder();
            for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
                sb.insert(0, "." + k.getSimpleName());
            }
            return p + sb;
        }

        String render(Set<Class<?>> classes) {
            StringBuilder body = new StringBuilder();
            for (Class<?> c : classes) {
                body.append('\n');
                renderClass(c, "", body);
            }
            StringBuilder sb = new StringBuilder(header());
            sb.append("# Java package ").append(pkg).append(".\n\n");
            sb.append("import builtins\nimport typing\n\nimport typing_extensions\n\n");
            for (String i : imports) {
                sb.append("import ").append(i).append('\n');
            }
            sb.append('\n');
            for (String v : typeVars) {
                sb.append(v).append(" = typing_extensions.TypeVar(\"").append(v).append("\", default=typing.Any)\n");
            }
            sb.append(body);
            return sb.toString();
        }

        // ---- classes --------------------------------------------------------

        void renderClass(Class<?> c, String indent, StringBuilder out) {
            Ctx ctx = new Ctx(this, c);
            List<String> bases = bases(c, ctx);
            String name = c.getSimpleName();
            out.append(indent).append("class ").append(name);
            if (!bases.isEmpty()) {
                out.append('(').append(String.join(", ", bases)).append(')');
            }
            out.append(":\n");
            String in = indent + "    ";
            out.append(in)
                    .append("\"\"\"Java ")
                    .append(kindWord(c))
                    .append(' ')
                    .append(c.getName())
                    .append(".\"\"\"\n");
            int kinds = JavaClasses.kinds(c);
            Map<String, List<Method>> groups = methodGroups(c);
            Set<String> taken = new HashSet<>(groups.keySet());
            // Fields, as the runtime binds them: a method of the same name wins.
            List<Field> fields = new ArrayList<>();
            for (Field f : c.getFields()) {
                if (f.getDeclaringClass() == c
                        && !f.isSynthetic()
                        && JavaClasses.accessibleClass(c)
                        && !groups.containsKey(f.getName())) {
                    fields.add(f);
                }
            }
            fields.sort(Comparator.comparing(Field::getName));
            // Nested classes first: the members' annotations refer to them.
            List<Class<?>> nested = new ArrayList<>();
            for (Class<?> n : c.getDeclaredClasses()) {
                if (emittedNested(n)) {
                    nested.add(n);
                }
            }
            nested.sort(BY_NAME);
            for (Class<?> n : basesFirst(nested)) {
                renderClass(n, in, out);
            }
            for (Class<?> n : nested) {
                taken.add(n.getSimpleName());
            }
            for (Field f : fields) {
                taken.add(f.getName());
                String pn = pyName(f.getName());
                if (pn == null) {
                    continue;
                }
                String t = ctx.type(f.getGenericType(), Use.RESULT, Modifier.isStatic(f.getModifiers()));
                if (Modifier.isStatic(f.getModifiers())) {
                    t = "typing.ClassVar[" + t + "]";
                }
                out.append(in).append(pn).append(": ").append(t).append('\n');
            }
            // Constructors, when Python may call the class (java_bridge.py: __java_ctor__).
            if (Modifier.isPublic(c.getModifiers()) && !Modifier.isAbstract(c.getModifiers()) && !c.isInterface()) {
                List<Executable> ctors = new ArrayList<>(Arrays.asList(c.getConstructors()));
                renderGroup("__init__", ctors, ctx, false, in, out);
            }
            // Methods: those the class declares, and the groups it would not
            // inherit whole from a base of the stub (the runtime puts every
            // public method of the class, inherited ones included, on it).
            Set<String> owned = Set.of();
            if ((kinds & Contract.JavaKind.MAP) != 0 && (kinds & Contract.JavaKind.ARRAY) == 0) {
                owned = Set.of("get"); // java_bridge.py _PYTHON_OWNED: Map.get(k, default=None)
            }
            for (Map.Entry<String, List<Method>> g : groups.entrySet()) {
                String mname = g.getKey();
                if (owned.contains(mname)) {
                    continue;
                }
                boolean declared = false;
                for (Method m : g.getValue()) {
                    declared |= m.getDeclaringClass() == c;
                }
                if (!declared && sameGroupInBases(c, mname, g.getValue())) {
                    continue;
                }
                boolean allStatic = true;
                for (Method m : g.getValue()) {
                    allStatic &= Modifier.isStatic(m.getModifiers());
                }
                String pn = pyName(mname);
                if (pn == null) {
                    continue;
                }
                renderGroup(pn, new ArrayList<>(g.getValue()), ctx, allStatic, in, out);
            }
            Protocols.render(c, kinds, ctx, taken, owned, in, out);
        }

        /** Sibling classes in order, each after those of its bases among them (Python needs a base defined first). */
        List<Class<?>> basesFirst(List<Class<?>> sorted) {
            List<Class<?>> out = new ArrayList<>();
            for (Class<?> c : sorted) {
                addBasesFirst(c, sorted, out);
            }
            return out;
        }

        private void addBasesFirst(Class<?> c, List<Class<?>> siblings, List<Class<?>> out) {
            if (out.contains(c)) {
                return;
            }
            for (Class<?> b : stubBases(c)) {
                if (siblings.contains(b)) {
                    addBasesFirst(b, siblings, out);
                }
            }
            out.add(c);
        }

        /** The groups of {@code c} (public methods, inherited ones included, as the runtime finds them). */
        private final Map<Class<?>, Map<String, List<Method>>> groupsOf = new HashMap<>();

        Map<String, List<Method>> methodGroups(Class<?> c) {
            return groupsOf.computeIfAbsent(c, this::findGroups);
        }

        private Map<String, List<Method>> findGroups(Class<?> c) {
            Map<String, List<Method>> byName = new TreeMap<>();
            for (Method m : c.getMethods()) {
                if (m.isSynthetic() || m.isBridge() || JavaClasses.accessible(c, m) == null) {
                    continue;
                }
                List<Method> l = byName.computeIfAbsent(m.getName(), k -> new ArrayList<>());
                boolean dup = false;
                for (Method e : l) {
                    dup |= Arrays.equals(e.getParameterTypes(), m.getParameterTypes());
                }
                if (!dup) {
                    l.add(m);
                }
            }
            return byName;
        }

        /**
         * Whether the stub class of {@code c} inherits this group as it is:
         * the first class after it in the stub's method resolution order that
         * has methods of that name has the same signatures.
         */
        boolean sameGroupInBases(Class<?> c, String name, List<Method> group) {
            List<Class<?>> mro = mroOf(c);
            for (int i = 1; i < mro.size(); i++) {
                List<Method> theirs = methodGroups(mro.get(i)).get(name);
                if (theirs == null) {
                    continue;
                }
                if (theirs.size() != group.size()) {
                    return false;
                }
                for (Method m : group) {
                    boolean found = false;
                    for (Method t : theirs) {
                        found |= Arrays.equals(t.getParameterTypes(), m.getParameterTypes())
                                && t.getGenericReturnType().equals(m.getGenericReturnType())
                                && Modifier.isStatic(t.getModifiers()) == Modifier.isStatic(m.getModifiers());
                    }
                    if (!found) {
                        return false;
                    }
                }
                return true;
            }
            return false;
        }

        /** The Java supertypes of {@code c} that are classes of the stub, redundant ones dropped, in C3 order. */
        List<Class<?>> stubBases(Class<?> c) {
            List<Class<?>> cands = new ArrayList<>();
            if (c.getSuperclass() != null) {
                cands.add(c.getSuperclass());
            }
            cands.addAll(Arrays.asList(c.getInterfaces()));
            if (c.isInterface() && c.getInterfaces().length == 0) {
                cands.add(Object.class);
            }
            List<Class<?>> kept = new ArrayList<>();
            for (Class<?> b : cands) {
                if (!inSet(b) || kept.contains(b)) {
                    continue;
                }
                boolean redundant = false;
                for (Class<?> o : cands) {
                    if (o != b && inSet(o) && b.isAssignableFrom(o)) {
                        redundant = true;
                    }
                }
                if (!redundant) {
                    kept.add(b);
                }
            }
            // Python needs a consistent method resolution order: keep each base
            // only if the bases so far still linearize (C3).
            List<Class<?>> ok = new ArrayList<>();
            for (Class<?> b : kept) {
                ok.add(b);
                if (mro(ok) == null) {
                    ok.remove(ok.size() - 1);
                }
            }
            return ok;
        }

        private final Map<Class<?>, List<Class<?>>> mros = new HashMap<>();

        List<Class<?>> mroOf(Class<?> c) {
            List<Class<?>> m = mros.get(c);
            if (m == null) {
                List<Class<?>> tail = mro(stubBases(c));
                m = new ArrayList<>();
                m.add(c);
                if (tail != null) {
                    m.addAll(tail);
                }
                mros.put(c, m);
            }
            return m;
        }

        /** C3 merge of the bases' linearizations; null if there is none. */
        List<Class<?>> mro(List<Class<?>> bases) {
            List<List<Class<?>>> seqs = new ArrayList<>();
            for (Class<?> b : bases) {
                seqs.add(new ArrayList<>(mroOf(b)));
            }
            seqs.add(new ArrayList<>(bases));
            List<Class<?>> out = new ArrayList<>();
            while (true) {
                seqs.removeIf(List::isEmpty);
                if (seqs.isEmpty()) {
                    return out;
                }
                Class<?> next = null;
                for (List<Class<?>> s : seqs) {
                    Class<?> h = s.get(0);
                    boolean inTail = false;
                    for (List<Class<?>> t : seqs) {
                        inTail |= t.indexOf(h) > 0;
                    }
                    if (!inTail) {
                        next = h;
                        break;
                    }
                }
                if (next == null) {
                    return null;
                }
                out.add(next);
                for (List<Class<?>> s : seqs) {
                    if (s.get(0) == next) {
                        s.remove(0);
                    }
                }
            }
        }

        List<String> bases(Class<?> c, Ctx ctx) {
            List<String> out = new ArrayList<>();
            for (Class<?> b : stubBases(c)) {
                Type g = genericSupertype(c, b);
                String r = ref(b);
                if (g instanceof ParameterizedType && b.getTypeParameters().length > 0) {
                    List<String> as = new ArrayList<>();
                    for (Type a : ((ParameterizedType) g).getActualTypeArguments()) {
                        as.add(ctx.type(a, Use.ARG, false));
                    }
                    r += "[" + String.join(", ", as) + "]";
                }
                out.add(r);
            }
            String proto = Protocols.base(c, JavaClasses.kinds(c), ctx);
            if (proto != null && !protocolInherited(c)) {
                out.add(proto);
            }
            TypeVariable<?>[] tps = c.getTypeParameters();
            if (tps.length > 0) {
                StringBuilder sb = new StringBuilder("typing.Generic[");
                for (int i = 0; i < tps.length; i++) {
                    sb.append(i > 0 ? ", " : "").append(ctx.varName(tps[i]));
                }
                out.add(sb.append(']').toString());
            }
            return out;
        }

        private boolean protocolInherited(Class<?> c) {
            String mine = Protocols.baseName(JavaClasses.kinds(c));
            for (Class<?> b : stubBases(c)) {
                if (mine.equals(Protocols.baseName(JavaClasses.kinds(b)))) {
                    return true;
                }
            }
            return false;
        }

        private Type genericSupertype(Class<?> c, Class<?> b) {
            if (b == c.getSuperclass()) {
                return c.getGenericSuperclass();
            }
            Class<?>[] is = c.getInterfaces();
            Type[] gs = c.getGenericInterfaces();
            for (int i = 0; i < is.length; i++) {
                if (is[i] == b) {
                    return gs[i];
                }
            }
            return null;
        }

        // ---- methods --------------------------------------------------------

        void renderGroup(String name, List<Executable> group, Ctx ctx, boolean isStatic, String in, StringBuilder out) {
            if (group.isEmpty()) {
                return;
            }
            List<String[]> sigs = new ArrayList<>(); // {sort key, text}
            Set<String> seen = new HashSet<>();
            for (Executable e : group) {
                sigs.add(new String[] {sortKey(e), signature(name, e, ctx, isStatic)});
            }
            sigs.sort(Comparator.comparing((String[] s) -> s[0]).thenComparing(s -> s[1]));
            // Java overloads that look the same to Python (int and long): the one
            // pybridge prefers for a Python value, the first in this order.
            sigs.removeIf(s -> !seen.add(s[1].substring(0, s[1].lastIndexOf(") -> "))));
            boolean overloaded = sigs.size() > 1;
            for (String[] s : sigs) {
                if (overloaded) {
                    out.append(in).append("@typing.overload\n");
                }
                if (isStatic) {
                    out.append(in).append("@staticmethod\n");
                }
                out.append(in).append(s[1]).append('\n');
            }
        }

        /**
         * Overloads in the order a checker should try them (it takes the first
         * that fits), which is the order pybridge prefers them in for the
         * same Python values (JavaOverloads.cost): fewer parameters first;
         * then, parameter by parameter, {@code boolean} (a Python bool is
         * also an int), the integers ({@code int, long, short, byte}), the
         * floating types ({@code double, float}), {@code char} and
         * {@code String}, each primitive before its box, then other classes,
         * then {@code Object}.
         */
        private String sortKey(Executable e) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%03d", e.getParameterCount())).append(e.isVarArgs() ? '1' : '0');
            for (Class<?> p : e.getParameterTypes()) {
                int rank = PREFERENCE.indexOf(p);
                sb.append(String.format("%02d", rank >= 0 ? rank : p == Object.class ? 99 : 90));
            }
            return sb.toString();
        }

        String signature(String name, Executable e, Ctx classCtx, boolean isStatic) {
            Ctx ctx = classCtx.forMember(e, isStatic || Modifier.isStatic(e.getModifiers()));
            List<String> ps = new ArrayList<>();
            if (!isStatic) {
                ps.add("self");
            }
            Parameter[] params = e.getParameters();
            Type[] types = e.getGenericParameterTypes();
            if (types.length != params.length) {
                types = e.getParameterTypes(); // inner-class constructors: the outer instance is implicit
            }
            // Keyword arguments bind to the parameter names pybridge knows (@PyName,
            // javac -parameters, a record's components: JavaOverloads.parameterNames);
            // a method without them takes its arguments by position only.
            String[] known = JavaOverloads.parameterNames(e);
            Set<String> used = new HashSet<>(ps);
            boolean byName = known != null && known.length == params.length;
            for (int i = 0; byName && i < known.length; i++) {
                byName = known[i].equals(pyName(known[i])) && used.add(known[i]);
            }
            used = new HashSet<>(ps);
            for (int i = 0; i < params.length; i++) {
                String pn = byName ? known[i] : "arg" + i;
                if (!used.add(pn)) {
                    pn = "arg" + i + "_";
                    used.add(pn);
                }
                if (e.isVarArgs() && i == params.length - 1) {
                    Type comp = types[i] instanceof GenericArrayType
                            ? ((GenericArrayType) types[i]).getGenericComponentType()
                            : ((Class<?>) types[i]).getComponentType();
                    if (!ps.isEmpty() && !byName) {
                        ps.add("/");
                    }
                    ps.add("*" + pn + ": " + ctx.type(comp, Use.PARAM, true));
                    continue;
                }
                ps.add(pn + ": " + ctx.type(types[i], Use.PARAM, true));
            }
            if (params.length > 0 && !e.isVarArgs() && !byName) {
                ps.add("/"); // by position only
            }
            if (!(e instanceof Constructor)) {
                // A method's type variable the parameters do not show in Python (inside
                // a Java type outside the stub) cannot be inferred: typing.Any.
                String shown = String.join(", ", ps);
                Map<TypeVariable<?>, String> kept = new HashMap<>(ctx.names);
                kept.values().removeIf(n -> !shown.matches("(?s).*\\b" + n + "\\b.*"));
                kept.putAll(classCtx.names);
                if (isStatic || Modifier.isStatic(e.getModifiers())) {
                    kept.keySet().retainAll(Arrays.asList(e.getTypeParameters()));
                }
                ctx = ctx.with(kept);
            }
            String result =
                    e instanceof Constructor ? "None" : ctx.type(((Method) e).getGenericReturnType(), Use.RESULT, true);
            return "def " + name + "(" + String.join(", ", ps) + ") -> " + result + ": ...";
        }
    }

    /** Type rendering within one class (its type variables, the substitutions of its supertypes'). */
    private static final class Ctx {
        final Module mod;
        final Class<?> owner;
        final Map<TypeVariable<?>, Type> subst;
        final Map<TypeVariable<?>, String> names;
        /** Type variables given as Python types already (a functional interface's arguments). */
        final Map<TypeVariable<?>, String> fixed = new HashMap<>();

        Ctx(Module mod, Class<?> owner) {
            this.mod = mod;
            this.owner = owner;
            this.subst = new HashMap<>();
            this.names = new HashMap<>();
            collect(owner, this.subst, new HashSet<>());
            // A nested class may not reuse an enclosing class's type variables (Python's rule).
            int depth = 0;
            for (Class<?> k = owner.getEnclosingClass(); k != null; k = k.getEnclosingClass()) {
                depth++;
            }
            for (TypeVariable<?> v : owner.getTypeParameters()) {
                names.put(v, "_" + v.getName() + (depth > 0 ? "_" + depth : ""));
            }
        }

        private Ctx(Ctx parent, Map<TypeVariable<?>, String> names) {
            this.mod = parent.mod;
            this.owner = parent.owner;
            this.subst = parent.subst;
            this.names = names;
        }

        Ctx with(Map<TypeVariable<?>, String> names) {
            return new Ctx(this, names);
        }

        /** The context of a method or constructor: its own type variables, none of the class's if static. */
        Ctx forMember(Executable e, boolean isStatic) {
            Map<TypeVariable<?>, String> n = new HashMap<>(isStatic ? Map.of() : names);
            Set<String> classNames = new HashSet<>(names.values());
            for (Class<?> k = owner.getEnclosingClass(); k != null; k = k.getEnclosingClass()) {
                classNames.addAll(new Ctx(mod, k).names.values()); // outer classes' variables
            }
            Set<TypeVariable<?>> inParams = new HashSet<>();
            for (Type t : e.getGenericParameterTypes()) {
                variables(t, inParams);
            }
            for (TypeVariable<?> v : e.getTypeParameters()) {
                if (!inParams.contains(v)) {
                    continue; // only in the result (Java infers it from the target): typing.Any
                }
                String pn = "_" + v.getName();
                if (classNames.contains(pn)) {
                    pn = pn + "_m";
                }
                n.put(v, pn);
            }
            return new Ctx(this, n);
        }

        private static void variables(Type t, Set<TypeVariable<?>> into) {
            if (t instanceof TypeVariable) {
                into.add((TypeVariable<?>) t);
            } else if (t instanceof ParameterizedType) {
                for (Type a : ((ParameterizedType) t).getActualTypeArguments()) {
                    variables(a, into);
                }
            } else if (t instanceof GenericArrayType) {
                variables(((GenericArrayType) t).getGenericComponentType(), into);
            } else if (t instanceof WildcardType) {
                for (Type b : ((WildcardType) t).getUpperBounds()) {
                    variables(b, into);
                }
                for (Type b : ((WildcardType) t).getLowerBounds()) {
                    variables(b, into);
                }
            }
        }

        /** The type arguments the supertypes of {@code c} are given, transitively, in terms of {@code c}'s. */
        private void collect(Class<?> c, Map<TypeVariable<?>, Type> into, Set<Class<?>> seen) {
            if (c == null || !seen.add(c)) {
                return;
            }
            List<Type> sups = new ArrayList<>();
            if (c.getGenericSuperclass() != null) {
                sups.add(c.getGenericSuperclass());
            }
            sups.addAll(Arrays.asList(c.getGenericInterfaces()));
            for (Type s : sups) {
                Class<?> raw = raw(s);
                if (raw == null) {
                    continue;
                }
                TypeVariable<?>[] vs = raw.getTypeParameters();
                if (s instanceof ParameterizedType) {
                    Type[] args = ((ParameterizedType) s).getActualTypeArguments();
                    for (int i = 0; i < vs.length && i < args.length; i++) {
                        into.putIfAbsent(vs[i], substitute(args[i], into));
                    }
                } else {
                    for (TypeVariable<?> v : vs) {
                        into.putIfAbsent(v, Object.class); // a raw supertype: its variables are unknown
                    }
                }
                collect(raw, into, seen);
            }
        }

        private static Type substitute(Type t, Map<TypeVariable<?>, Type> m) {
            if (t instanceof TypeVariable && m.containsKey(t)) {
                return m.get(t);
            }
            return t;
        }

        String varName(TypeVariable<?> v) {
            String n = names.get(v);
            mod.typeVars.add(n);
            return n;
        }

        /** The Python type of a Java type where it is used; {@code top}: the parameter itself, not inside it. */
        String type(Type t, Use use, boolean top) {
            if (t instanceof TypeVariable) {
                TypeVariable<?> v = (TypeVariable<?>) t;
                String f = fixed.get(v);
                if (f != null) {
                    return f;
                }
                String n = names.get(v);
                if (n != null) {
                    mod.typeVars.add(n);
                    return n;
                }
                Type s = subst.get(v);
                if (s != null && !(s instanceof TypeVariable && s.equals(v))) {
                    return type(s, use, top);
                }
                return "typing.Any";
            }
            if (t instanceof WildcardType) {
                WildcardType w = (WildcardType) t;
                if (w.getLowerBounds().length > 0) {
                    return type(w.getLowerBounds()[0], use, false);
                }
                Type up = w.getUpperBounds().length > 0 ? w.getUpperBounds()[0] : Object.class;
                return up == Object.class ? "typing.Any" : type(up, use, false);
            }
            if (t instanceof GenericArrayType) {
                return "typing.Sequence[" + type(((GenericArrayType) t).getGenericComponentType(), Use.ARG, false)
                        + "]";
            }
            if (t instanceof ParameterizedType) {
                ParameterizedType p = (ParameterizedType) t;
                Class<?> raw = (Class<?>) p.getRawType();
                Type[] args = p.getActualTypeArguments();
                List<String> as = new ArrayList<>();
                for (Type a : args) {
                    as.add(type(a, Use.ARG, false));
                }
                return classType(raw, as, use, top);
            }
            if (t instanceof Class) {
                return classType((Class<?>) t, null, use, top);
            }
            return "typing.Any";
        }

        private String classType(Class<?> c, List<String> args, Use use, boolean top) {
            if (c == void.class) {
                return "None";
            }
            String scalar = SCALARS.get(c);
            if (scalar != null) {
                return scalar + (use == Use.PARAM && top && !c.isPrimitive() ? " | None" : "");
            }
            if (c.isArray()) {
                String s = "typing.Sequence[" + classType(c.getComponentType(), null, Use.ARG, false) + "]";
                return use == Use.PARAM && top ? s + " | None" : s;
            }
            String ref = mod.inSet(c) ? mod.ref(c) : null;
            if (ref != null && args != null && !args.isEmpty() && c.getTypeParameters().length == args.size()) {
                ref = ref + "[" + String.join(", ", args) + "]";
            }
            if (use != Use.PARAM) {
                if (c == Object.class || mayConvert(c) || ref == null) {
                    return "typing.Any"; // the value may arrive as a str or int, or as a proxy
                }
                return ref;
            }
            if (!top) {
                return ref == null ? "typing.Any" : ref;
            }
            // A parameter: what pybridge converts to this type (JavaOverloads.cost), and None.
            List<String> alts = new ArrayList<>();
            if (c == Object.class) {
                return "builtins.object";
            }
            String e0 = args != null && !args.isEmpty() ? args.get(0) : "typing.Any";
            if (c == Class.class) {
                alts.add("builtins.type");
            } else if (c == Number.class) {
                alts.add("builtins.int");
                alts.add("builtins.float");
            } else if (c == BigInteger.class) {
                alts.add("builtins.int");
            } else if (c == CharSequence.class) {
                alts.add("builtins.str");
            } else if (c == Comparable.class) {
                alts.add("builtins.int");
                alts.add("builtins.float");
                alts.add("builtins.str");
            } else if (c == List.class || c == Collection.class) {
                alts.add("typing.Sequence[" + e0 + "]");
            } else if (c == Map.class) {
                String v = args != null && args.size() > 1 ? args.get(1) : "typing.Any";
                alts.add("builtins.dict[" + e0 + ", " + v + "]");
            }
            if (Callbacks.isFunctionClass(c)) {
                alts.add(callable(c, args));
            }
            alts.add(0, ref == null ? (alts.isEmpty() ? "typing.Any" : null) : ref);
            alts.remove(null);
            if (!alts.contains("typing.Any")) {
                alts.add("None");
            }
            return String.join(" | ", new LinkedHashSet<>(alts));
        }

        /**
         * The Python callable a functional interface parameter takes: the
         * types of its single abstract method, as the callable sees them
         * (arguments converted as results are; {@code void}: any result).
         */
        private String callable(Class<?> c, List<String> args) {
            Method sam = Callbacks.functionalMethod(c);
            if (sam == null) {
                return "typing.Callable[..., typing.Any]";
            }
            Ctx k = new Ctx(mod, c);
            TypeVariable<?>[] vs = c.getTypeParameters();
            for (int i = 0; i < vs.length; i++) {
                k.names.remove(vs[i]);
                k.fixed.put(vs[i], args != null && i < args.size() ? args.get(i) : "typing.Any");
            }
            List<String> ps = new ArrayList<>();
            for (Type t : sam.getGenericParameterTypes()) {
                ps.add(k.type(t, Use.ARG, false));
            }
            String r = sam.getReturnType() == void.class
                    ? "builtins.object"
                    : k.type(sam.getGenericReturnType(), Use.ARG, false);
            return "typing.Callable[[" + String.join(", ", ps) + "], " + r + "]";
        }

        static Class<?> raw(Type t) {
            if (t instanceof Class) {
                return (Class<?>) t;
            }
            if (t instanceof ParameterizedType) {
                return (Class<?>) ((ParameterizedType) t).getRawType();
            }
            return null;
        }

        /** The Python type of the class's (resolved) type argument for {@code v}, as a result. */
        String resolved(TypeVariable<?> v) {
            return type(v, Use.ARG, false);
        }
    }

    /** The Python protocol methods pybridge's mixins add (java_bridge.py: JavaList, JavaMap...). */
    private static final class Protocols {
        static String baseName(int kinds) {
            if ((kinds & Contract.JavaKind.LIST) != 0) {
                return "typing.MutableSequence";
            }
            if ((kinds & Contract.JavaKind.SET) != 0) {
                return "typing.MutableSet";
            }
            if ((kinds & Contract.JavaKind.MAP) != 0) {
                return "typing.MutableMapping";
            }
            if ((kinds & Contract.JavaKind.COLLECTION) != 0) {
                return "typing.Collection";
            }
            if ((kinds & Contract.JavaKind.ITERABLE) != 0) {
                return "typing.Iterable";
            }
            if ((kinds & Contract.JavaKind.ITERATOR) != 0) {
                return "typing.Iterator";
            }
            return "";
        }

        /** The typing base of a class of these kinds, with its element types, or null. */
        static String base(Class<?> c, int kinds, Ctx ctx) {
            String b = baseName(kinds);
            if (b.isEmpty()) {
                return null;
            }
            if (b.equals("typing.MutableMapping")) {
                TypeVariable<?>[] mv = Map.class.getTypeParameters();
                return b + "[" + elem(c, Map.class, mv[0], ctx) + ", " + elem(c, Map.class, mv[1], ctx) + "]";
            }
            return b + "[" + element(c, kinds, ctx) + "]";
        }

        static String element(Class<?> c, int kinds, Ctx ctx) {
            if ((kinds & Contract.JavaKind.ITERABLE) != 0) {
                return elem(c, Iterable.class, Iterable.class.getTypeParameters()[0], ctx);
            }
            if ((kinds & Contract.JavaKind.ITERATOR) != 0) {
                return elem(c, Iterator.class, Iterator.class.getTypeParameters()[0], ctx);
            }
            return "typing.Any";
        }

        private static String elem(Class<?> c, Class<?> iface, TypeVariable<?> v, Ctx ctx) {
            if (c == iface) {
                return ctx.varName(v);
            }
            return ctx.resolved(v);
        }

        static void render(
                Class<?> c, int kinds, Ctx ctx, Set<String> taken, Set<String> owned, String in, StringBuilder out) {
            List<String> defs = new ArrayList<>();
            String e = element(c, kinds, ctx);
            if ((kinds & Contract.JavaKind.ARRAY) != 0) {
                return;
            }
            if ((kinds & Contract.JavaKind.MAP) != 0) {
                TypeVariable<?>[] mv = Map.class.getTypeParameters();
                String k = elem(c, Map.class, mv[0], ctx);
                String v = elem(c, Map.class, mv[1], ctx);
                defs.add("def __getitem__(self, key: " + k + ", /) -> " + v + ": ...");
                defs.add("def __setitem__(self, key: " + k + ", value: " + v + ", /) -> None: ...");
                defs.add("def __delitem__(self, key: " + k + ", /) -> None: ...");
                defs.add("def __iter__(self) -> typing.Iterator[" + k + "]: ...");
                defs.add("def __len__(self) -> builtins.int: ...");
                defs.add("def __contains__(self, key: builtins.object, /) -> builtins.bool: ...");
                if (owned.contains("get")) {
                    defs.add("@typing.overload\n" + in + "def get(self, key: builtins.object, /) -> " + v
                            + " | None: ...");
                    ctx.mod.typeVars.add("_D");
                    defs.add("@typing.overload\n" + in + "def get(self, key: builtins.object, default: " + v
                            + " | _D, /) -> " + v + " | _D: ...");
                }
                defs.add("def items(self) -> typing.ItemsView[" + k + ", " + v + "]: ...");
            } else if ((kinds & Contract.JavaKind.COLLECTION) != 0 || (kinds & Contract.JavaKind.ITERABLE) != 0) {
                defs.add("def __iter__(self) -> typing.Iterator[" + e + "]: ...");
                if ((kinds & Contract.JavaKind.COLLECTION) != 0) {
                    defs.add("def __len__(self) -> builtins.int: ...");
                    defs.add("def __contains__(self, value: builtins.object, /) -> builtins.bool: ...");
                }
                if ((kinds & Contract.JavaKind.LIST) != 0) {
                    defs.add("@typing.overload\n" + in + "def __getitem__(self, i: typing.SupportsIndex, /) -> " + e
                            + ": ...");
                    defs.add("@typing.overload\n" + in + "def __getitem__(self, i: builtins.slice, /) -> builtins.list["
                            + e + "]: ...");
                    defs.add("@typing.overload\n" + in + "def __setitem__(self, i: typing.SupportsIndex, value: " + e
                            + ", /) -> None: ...");
                    defs.add("@typing.overload\n" + in
                            + "def __setitem__(self, i: builtins.slice, value: typing.Iterable[" + e
                            + "], /) -> None: ...");
                    defs.add("def __delitem__(self, i: typing.SupportsIndex | builtins.slice, /) -> None: ...");
                    defs.add("def insert(self, i: typing.SupportsIndex, value: " + e + ", /) -> None: ...");
                    defs.add("def append(self, value: " + e + ", /) -> None: ...");
                    defs.add("def extend(self, values: typing.Iterable[" + e + "], /) -> None: ...");
                    defs.add(
                            "def __iadd__(self, values: typing.Iterable[" + e + "], /) -> typing_extensions.Self: ...");
                    defs.add(
                            "def __add__(self, other: typing.Sequence[" + e + "], /) -> builtins.list[" + e + "]: ...");
                    defs.add("def __mul__(self, n: typing.SupportsIndex, /) -> builtins.list[" + e + "]: ...");
                    defs.add("def __rmul__(self, n: typing.SupportsIndex, /) -> builtins.list[" + e + "]: ...");
                    defs.add("def __imul__(self, n: typing.SupportsIndex, /) -> typing_extensions.Self: ...");
                } else if ((kinds & Contract.JavaKind.SET) != 0) {
                    defs.add("def discard(self, value: " + e + ", /) -> None: ...");
                }
            }
            if ((kinds & Contract.JavaKind.ITERATOR) != 0) {
                String it = elem(c, Iterator.class, Iterator.class.getTypeParameters()[0], ctx);
                defs.add("def __iter__(self) -> typing_extensions.Self: ...");
                defs.add("def __next__(self) -> " + it + ": ...");
            }
            if ((kinds & Contract.JavaKind.CLOSEABLE) != 0) {
                defs.add("def __enter__(self) -> typing_extensions.Self: ...");
                defs.add("def __exit__(self, *exc: builtins.object) -> builtins.bool: ...");
            }
            if ((kinds & Contract.JavaKind.COMPARABLE) != 0) {
                for (String op : new String[] {"lt", "le", "gt", "ge"}) {
                    defs.add("def __" + op + "__(self, other: builtins.object, /) -> builtins.bool: ...");
                }
            }
            if (Number.class.isAssignableFrom(c)) {
                for (String op : new String[] {
                    "add",
                    "radd",
                    "sub",
                    "rsub",
                    "mul",
                    "rmul",
                    "truediv",
                    "rtruediv",
                    "floordiv",
                    "rfloordiv",
                    "mod",
                    "rmod",
                    "pow",
                    "rpow"
                }) {
                    defs.add("def __" + op + "__(self, other: builtins.int | builtins.float, /) -> typing.Any: ...");
                }
                defs.add("def __neg__(self) -> typing.Any: ...");
                defs.add("def __pos__(self) -> typing.Any: ...");
                defs.add("def __abs__(self) -> typing.Any: ...");
                defs.add("def __int__(self) -> builtins.int: ...");
                defs.add("def __float__(self) -> builtins.float: ...");
                defs.add("def __index__(self) -> builtins.int: ...");
                defs.add("def __bool__(self) -> builtins.bool: ...");
                defs.add("def __round__(self, n: builtins.int | None = None, /) -> typing.Any: ...");
            }
            if ((kinds & Contract.JavaKind.FUNCTIONAL) != 0) {
                defs.add("def __call__(self, *args: typing.Any) -> typing.Any: ...");
            }
            if ((kinds & Contract.JavaKind.AWAITABLE) != 0) {
                String r = elem(c, CompletionStage.class, CompletionStage.class.getTypeParameters()[0], ctx);
                defs.add("def __await__(self) -> typing.Generator[typing.Any, None, " + r + "]: ...");
            }
            Set<String> done = new HashSet<>();
            for (String d : defs) {
                String name = d.substring(d.indexOf("def ") + 4, d.indexOf('('));
                // Java's own methods of that name win (the runtime's class dict holds them).
                if (taken.contains(name) && !owned.contains(name)) {
                    continue;
                }
                if (!d.startsWith("@") && !done.add(name)) {
                    continue;
                }
                out.append(in).append(d).append('\n');
            }
        }
    }

    private static String kindWord(Class<?> c) {
        if (c.isAnnotation()) {
            return "annotation";
        }
        if (c.isInterface()) {
            return "interface";
        }
        if (c.isEnum()) {
            return "enum";
        }
        return "class";
    }
}

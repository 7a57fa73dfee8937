package org.pybridge;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Java from Python, the classes: what Python may import (packages, the
 * class filter, public members of exported packages) and the description
 * of a class Python builds its proxy class from (computed once per class:
 * method groups and fields by id, nested classes, the {@link
 * Contract.JavaKind} bits). The dispatcher ({@link JavaBridge}) finds the
 * groups and fields here by the ids the descriptions gave out.
 */
final class JavaClasses {
    private JavaClasses() {}

    /** Which class names Python may import ({@link PythonConfig#javaClassFilter}). */
    static volatile Predicate<String> classFilter = PythonConfig.DEFAULT_JAVA_CLASS_FILTER;

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
        if (Modifier.isPublic(c.getModifiers())
                && !Modifier.isAbstract(c.getModifiers())
                && !c.isInterface()
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
        d.put("interface", c.isInterface());
        d.put("number", Number.class.isAssignableFrom(c));
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
            return Contract.JavaKind.ARRAY;
        }
        if (Iterable.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.ITERABLE;
        }
        if (Collection.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.COLLECTION;
        }
        if (List.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.LIST;
        }
        if (Set.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.SET;
        }
        if (Map.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.MAP;
        }
        if (Iterator.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.ITERATOR;
        }
        if (AutoCloseable.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.CLOSEABLE;
        }
        if (Comparable.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.COMPARABLE;
        }
        if (Callbacks.isFunctionClass(c)) {
            k |= Contract.JavaKind.FUNCTIONAL;
        }
        if (CompletionStage.class.isAssignableFrom(c)) {
            k |= Contract.JavaKind.AWAITABLE; // `await stage` in Python (PyAsync)
        }
        return k;
    }

    /** Whether code outside {@code c}'s module may call its public members. */
    private static boolean exported(Class<?> c) {
        Package p = c.getPackage();
        return p == null || c.getModule().isExported(p.getName());
    }

    static boolean accessibleClass(Class<?> c) {
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
    static Method accessible(Class<?> c, Method m) {
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
            throw new JavaBridge.PyError("ImportError", "Java class " + name + " could not be loaded: " + e);
        }
        if (!accessibleClass(c)) {
            return null;
        }
        if (!classFilter.test(c.getName())) {
            throw new JavaBridge.PyError(
                    "ImportError",
                    "Java class " + name + " is not allowed by the class filter" + " (PythonConfig.javaClassFilter)");
        }
        return c;
    }

    private static ClassLoader loader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : JavaClasses.class.getClassLoader();
    }

    private static volatile Set<String> bootPackages;
    private static final Map<String, Boolean> PACKAGES = new ConcurrentHashMap<>();

    /** Whether {@code name} is a Java package (or a prefix of one) Python may import. */
    static boolean isPackage(String name) {
        if (name.isEmpty()
                || name.startsWith(".")
                || name.endsWith(".")
                || name.contains("..")
                || name.indexOf('/') >= 0) {
            return false;
        }
        return PACKAGES.computeIfAbsent(name, JavaClasses::findPackage);
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
        } catch (IOException e) {
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

    private static final Map<String, List<String>> LISTINGS = new ConcurrentHashMap<>();

    /**
     * The names {@code dir()} of the Java package {@code pkg} shows (for
     * completion): its public top-level classes the class filter allows and
     * its direct subpackages, found in the JDK's modules (the {@code jrt:}
     * file system: exported packages only) and in the directories and jars
     * the context class loader has for the package. Computed once per package.
     */
    static List<String> packageNames(String pkg) {
        if (!isPackage(pkg)) {
            return List.of();
        }
        return LISTINGS.computeIfAbsent(pkg, JavaClasses::listPackage);
    }

    private static List<String> listPackage(String pkg) {
        Set<String> classes = new TreeSet<>();
        Set<String> subs = new TreeSet<>();
        String path = pkg.replace('.', '/');
        String prefix = pkg + ".";
        for (String p : bootPackages) {
            if (p.startsWith(prefix) && exportedPackage(p)) {
                subs.add(p.substring(prefix.length()).split("\\.")[0]);
            }
        }
        if (bootPackages.contains(pkg)) {
            try {
                FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
                try (Stream<Path> mods = Files.list(jrt.getPath("/packages", pkg))) {
                    for (Path m : (Iterable<Path>) mods::iterator) {
                        addClassFiles(jrt.getPath("/modules", m.getFileName().toString(), path), classes, null);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // No jrt file system (a custom runtime image): only what the class loader shows.
            }
        }
        try {
            for (URL u : Collections.list(loader().getResources(path))) {
                if ("file".equals(u.getProtocol())) {
                    addClassFiles(Paths.get(u.toURI()), classes, subs);
                } else if ("jar".equals(u.getProtocol())) {
                    JarURLConnection c = (JarURLConnection) u.openConnection();
                    c.setUseCaches(false);
                    try (JarFile jar = c.getJarFile()) {
                        String dir = path + "/";
                        for (JarEntry e : Collections.list(jar.entries())) {
                            String n = e.getName();
                            if (!n.startsWith(dir) || n.length() == dir.length()) {
                                continue;
                            }
                            String rest = n.substring(dir.length());
                            int slash = rest.indexOf('/');
                            if (slash > 0) {
                                subs.add(rest.substring(0, slash));
                            } else if (rest.endsWith(".class")) {
                                classes.add(rest.substring(0, rest.length() - 6));
                            }
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // Listing is for completion only: what was found so far.
        }
        List<String> out = new ArrayList<>();
        for (String c : classes) {
            if (c.indexOf('$') >= 0
                    || c.equals("module-info")
                    || c.equals("package-info")
                    || !classFilter.test(prefix + c)) {
                continue;
            }
            try {
                Class<?> k = Class.forName(prefix + c, false, loader());
                if (accessibleClass(k)) {
                    out.add(c);
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // Not loadable here: not importable either.
            }
        }
        out.addAll(subs);
        return List.copyOf(out);
    }

    private static void addClassFiles(Path dir, Set<String> classes, Set<String> subs) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.endsWith(".class")) {
                    classes.add(n.substring(0, n.length() - 6));
                } else if (subs != null && Files.isDirectory(f)) {
                    subs.add(n);
                }
            }
        }
    }

    /** A class Python may describe by name (one handed over or imported), or null. */
    static Class<?> known(String name) {
        return KNOWN.get(name);
    }

    /** The method group of an id a description gave out. */
    static Group group(int id) {
        return groups[id];
    }

    /** The field of an id a description gave out. */
    static Field field(int id) {
        return fields[id];
    }
}

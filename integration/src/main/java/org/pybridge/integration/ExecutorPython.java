package org.pybridge.integration;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.pybridge.Interpreter;
import org.pybridge.InterpreterConfig;
import org.pybridge.PyObject;
import org.pybridge.Python;
import org.pybridge.PythonConfig;
import org.pybridge.PythonInitializationException;

/**
 * Python once per executor JVM. The first task that needs Python starts it
 * ({@link #ensure(PythonSetup)}); every later task, on any thread, finds it
 * running. Each step of a {@link PythonSetup} (a {@code sys.path} entry, a
 * shipped file, a module, a piece of source) runs once per JVM, however many
 * tasks or setups name it.
 *
 * <p>Task threads of one executor share the main interpreter and take turns
 * in its GIL. For parallel pure-Python work in one JVM, {@link #claim} gives
 * a task a sub-interpreter of its own (isolated, with its own GIL, on
 * Python 3.12+): {@code PySpark.mapRows} with {@code spark.pybridge.interpreters}.
 */
public final class ExecutorPython {
    private ExecutorPython() {}

    /** The name of the integration's Python helper module in {@code sys.modules}. */
    public static final String HELPER_MODULE = "_pybridge_integration";
    /** The name of its functions module (loaded in every interpreter; no Arrow). */
    public static final String FUNCTIONS_MODULE = "_pybridge_functions";

    private static final Set<String> applied = ConcurrentHashMap.newKeySet();
    private static final List<FileResolver> resolvers = new CopyOnWriteArrayList<>();
    private static volatile PyObject helper;

    /**
     * Starts Python in this JVM if it is not running (with {@code setup}'s
     * executable, else {@code PYBRIDGE_PYTHON}, {@code VIRTUAL_ENV},
     * {@code python3}), loads the integration's helper module, and applies the
     * steps of {@code setup} not applied yet. Thread-safe; cheap once done.
     */
    public static void ensure(PythonSetup setup) {
        if (helper != null && (setup == null || allApplied(setup))) {
            return;
        }
        synchronized (ExecutorPython.class) {
            if (helper == null) {
                start(setup);
            }
            if (setup != null) {
                apply(setup);
            }
        }
    }

    private static boolean allApplied(PythonSetup s) {
        for (String p : s.sysPath()) {
            if (!applied.contains("path:" + p)) {
                return false;
            }
        }
        for (String f : s.files()) {
            if (!applied.contains("file:" + f)) {
                return false;
            }
        }
        for (String m : s.modules()) {
            if (!applied.contains("module:" + m)) {
                return false;
            }
        }
        for (String src : s.sources()) {
            if (!applied.contains("source:" + Hashing.sha256(src))) {
                return false;
            }
        }
        return true;
    }

    private static void start(PythonSetup setup) {
        PythonConfig cfg = new PythonConfig();
        if (setup != null && setup.executable() != null) {
            cfg.executable(setup.executable());
        }
        try {
            Python.initialize(cfg);
        } catch (PythonInitializationException e) {
            throw new PythonInitializationException("pybridge could not start Python in this executor JVM ("
                    + e.getMessage() + "). Every node needs the Python environment: set spark.pybridge.python"
                    + " (Spark conf), pybridge.python (Flink job parameter), or PYBRIDGE_PYTHON / VIRTUAL_ENV"
                    + " in the executor's environment (spark.executorEnv.PYBRIDGE_PYTHON, Flink's"
                    + " containerized.taskmanager.env.PYBRIDGE_PYTHON), or ship Python as jars with the job"
                    + " (a CPython runtime jar and a packages jar in --jars: docs/guide/python-from-maven.md).");
        }
        loadModule(FUNCTIONS_MODULE, "pybridge_functions.py");
        helper = loadModule(HELPER_MODULE, "pybridge_integration.py");
    }

    /** The module of resource {@code file} as {@code sys.modules[name]} of the current interpreter. */
    private static PyObject loadModule(String name, String file) {
        String src = resource(file);
        return Python.unscoped(() -> {
            PyObject sys = Python.importModule("sys");
            PyObject modules = sys.getAttr("modules");
            if (modules.contains(name)) {
                return modules.getItem(name);
            }
            PyObject mod = Python.importModule("types").callAttr("ModuleType", name);
            PyObject b = Python.builtins();
            PyObject code = b.callAttr("compile", src, file, "exec");
            b.callAttr("exec", code, mod.getAttr("__dict__"));
            modules.setItem(name, mod);
            return mod;
        });
    }

    private static void apply(PythonSetup s) {
        apply(s, applied, helper);
    }

    /**
     * Applies the steps of {@code s} not in {@code done} in the current
     * interpreter, whose {@code load_file} is {@code functions}'.
     */
    private static void apply(PythonSetup s, Set<String> done, PyObject functions) {
        for (String p : s.sysPath()) {
            once(done, "path:" + p, () -> {
                PyObject path = Python.importModule("sys").getAttr("path");
                if (!path.contains(p)) {
                    path.callAttr("insert", 0, p);
                }
            });
        }
        for (String f : s.files()) {
            once(
                    done,
                    "file:" + f,
                    () -> functions.callAttr("load_file", resolveFile(f).toString()));
        }
        for (String m : s.modules()) {
            once(done, "module:" + m, () -> Python.importModule(m));
        }
        for (String src : s.sources()) {
            once(done, "source:" + Hashing.sha256(src), () -> Python.exec(src));
        }
    }

    private static void once(Set<String> done, String key, Runnable step) {
        if (done.contains(key)) {
            return;
        }
        Python.unscoped(() -> {
            step.run();
            return null;
        });
        done.add(key);
    }

    // ---- sub-interpreters for tasks -----------------------------------------------------

    /** What each sub-interpreter made here has applied, and its functions module. */
    private static final class Member {
        final Interpreter interp;
        final Set<String> applied = ConcurrentHashMap.newKeySet();
        final PyObject functions;

        Member(Interpreter interp, PyObject functions) {
            this.interp = interp;
            this.functions = functions;
        }
    }

    private static final LinkedBlockingQueue<Member> idle = new LinkedBlockingQueue<>();
    private static final Map<Interpreter, Member> members = new ConcurrentHashMap<>();
    private static int made;

    /**
     * A sub-interpreter of this JVM for one task, with {@code setup}
     * applied in it: an idle one, else a new one while fewer than
     * {@code max} exist, else the next to be released ({@link #release}).
     * Made with {@link InterpreterConfig#defaults()} (isolated, with its own
     * GIL, on Python 3.12+; sharing the main GIL before); kept for the life of
     * the JVM. Code run in it must not need extension modules that cannot be
     * isolated (numpy, pyarrow, pandas): the Arrow batch APIs run in the main
     * interpreter.
     *
     * @throws IllegalArgumentException if {@code max} is not positive
     */
    public static Interpreter claim(PythonSetup setup, int max) {
        if (max <= 0) {
            throw new IllegalArgumentException("the number of sub-interpreters must be positive, not " + max);
        }
        ensure(setup);
        Member m = idle.poll();
        if (m == null) {
            boolean mine;
            synchronized (ExecutorPython.class) {
                mine = made < max;
                if (mine) {
                    made++;
                }
            }
            if (mine) {
                try {
                    m = newMember();
                } catch (RuntimeException | Error e) {
                    synchronized (ExecutorPython.class) {
                        made--;
                    }
                    throw e;
                }
            } else {
                try {
                    m = idle.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a Python sub-interpreter", e);
                }
            }
        }
        if (setup != null) {
            Member mm = m;
            try {
                mm.interp.run(() -> apply(setup, mm.applied, mm.functions));
            } catch (RuntimeException | Error e) {
                idle.add(mm);
                throw e;
            }
        }
        return m.interp;
    }

    private static Member newMember() {
        Interpreter in =
                Python.newInterpreter(InterpreterConfig.defaults().withName("pybridge-task-" + members.size()));
        PyObject functions = in.call(() -> loadModule(FUNCTIONS_MODULE, "pybridge_functions.py"));
        Member m = new Member(in, functions);
        members.put(in, m);
        return m;
    }

    /** Gives back an interpreter {@link #claim} returned, for the next task. */
    public static void release(Interpreter interp) {
        Member m = members.get(interp);
        if (m == null) {
            throw new IllegalArgumentException(interp + " was not claimed from ExecutorPython");
        }
        idle.add(m);
    }

    /**
     * Calls {@code name} of the integration's functions module in the
     * current interpreter, the result converted to Java values (a list).
     */
    public static List<?> callFunctions(String name, Object... args) {
        return functions().getAttr(name).callAs(List.class, args);
    }

    /** The integration's functions module ({@code map_rows}, {@code resolve_*}) of the current interpreter. */
    static PyObject functions() {
        Interpreter here = Interpreter.current();
        if (here == Interpreter.main()) {
            return helper();
        }
        Member m = members.get(here);
        if (m == null) {
            throw new IllegalStateException(here + " is not one of the integration's interpreters");
        }
        return m.functions;
    }

    /** The integration's Python helper module (starts Python with the default setup if needed). */
    public static PyObject helper() {
        PyObject h = helper;
        if (h == null) {
            ensure(null);
            h = helper;
        }
        return h;
    }

    /**
     * Lets {@link #resolveFile} find files an engine shipped (added once per
     * JVM by the engine adapters; adding the same resolver again is a no-op).
     */
    public static void addFileResolver(FileResolver r) {
        if (!resolvers.contains(r)) {
            resolvers.add(r);
        }
    }

    /**
     * The local path of a file shipped with the job: asks each registered
     * resolver, then takes {@code name} as a path.
     *
     * @throws IllegalArgumentException naming the resolvers tried
     */
    public static Path resolveFile(String name) {
        List<String> tried = new ArrayList<>();
        for (FileResolver r : resolvers) {
            Path p;
            try {
                p = r.resolve(name);
            } catch (RuntimeException e) {
                p = null;
            }
            if (p != null && Files.exists(p)) {
                return p;
            }
            tried.add(r + (p == null ? "" : " -> " + p));
        }
        Path p = Paths.get(name);
        if (Files.exists(p)) {
            return p.toAbsolutePath();
        }
        tried.add("the path " + p.toAbsolutePath());
        throw new IllegalArgumentException("the file '" + name + "' was not shipped to this JVM (tried: " + tried
                + "). Ship it with SparkContext.addFile / spark-submit --files, or Flink's"
                + " env.registerCachedFile(path, name), under this name.");
    }

    static String resource(String name) {
        try (InputStream in = ExecutorPython.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the pybridge-integration jar");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }
}

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * <p>There is one interpreter and one GIL per JVM: task threads of one
 * executor take turns in Python. For parallel Python, run more executors
 * (JVMs) per node with fewer cores each.
 */
public final class ExecutorPython {
    private ExecutorPython() {}

    /** The name of the integration's Python helper module in {@code sys.modules}. */
    public static final String HELPER_MODULE = "_pybridge_integration";

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
                    + " containerized.taskmanager.env.PYBRIDGE_PYTHON).");
        }
        String src = resource("pybridge_integration.py");
        helper = Python.unscoped(() -> {
            PyObject sys = Python.importModule("sys");
            PyObject modules = sys.getAttr("modules");
            if (modules.contains(HELPER_MODULE)) {
                return modules.getItem(HELPER_MODULE);
            }
            PyObject mod = Python.importModule("types").callAttr("ModuleType", HELPER_MODULE);
            PyObject b = Python.builtins();
            PyObject code = b.callAttr("compile", src, "pybridge_integration.py", "exec");
            b.callAttr("exec", code, mod.getAttr("__dict__"));
            modules.setItem(HELPER_MODULE, mod);
            return mod;
        });
    }

    private static void apply(PythonSetup s) {
        for (String p : s.sysPath()) {
            once("path:" + p, () -> {
                PyObject path = Python.importModule("sys").getAttr("path");
                if (!path.contains(p)) {
                    path.callAttr("insert", 0, p);
                }
            });
        }
        for (String f : s.files()) {
            once("file:" + f, () -> helper.callAttr("load_file", resolveFile(f).toString()));
        }
        for (String m : s.modules()) {
            once("module:" + m, () -> Python.importModule(m));
        }
        for (String src : s.sources()) {
            once("source:" + Hashing.sha256(src), () -> Python.exec(src));
        }
    }

    private static void once(String key, Runnable step) {
        if (applied.contains(key)) {
            return;
        }
        Python.unscoped(() -> {
            step.run();
            return null;
        });
        applied.add(key);
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

package org.pybridge.integration;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the Python of an executor JVM (a Spark executor, a Flink task manager)
 * needs before the first task calls it: which Python, extra {@code sys.path}
 * entries, files shipped with the job, modules to import and source to run.
 * Serializable, so it travels with the job; applied once per JVM by
 * {@link ExecutorPython#ensure(PythonSetup)}, each step once however many
 * tasks ask.
 *
 * <p>The same settings can come from configuration keys (Spark conf
 * {@code spark.pybridge.*}, Flink's global job parameters {@code pybridge.*}):
 * {@code python} (an executable; otherwise {@code PYBRIDGE_PYTHON}, an active
 * {@code VIRTUAL_ENV}, or {@code python3} on {@code PATH}, as
 * {@code Python.initialize()} does), {@code sysPath}, {@code files},
 * {@code modules} (comma-separated) and {@code init} (Python source).
 */
public final class PythonSetup implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Key suffixes under an engine's prefix. */
    public static final String PYTHON = "python";

    public static final String SYS_PATH = "sysPath";
    public static final String FILES = "files";
    public static final String MODULES = "modules";
    public static final String INIT = "init";

    private String executable;
    private final List<String> sysPath = new ArrayList<>();
    private final List<String> files = new ArrayList<>();
    private final List<String> modules = new ArrayList<>();
    private final List<String> sources = new ArrayList<>();

    /** An empty setup: the default Python, nothing run at start. */
    public static PythonSetup create() {
        return new PythonSetup();
    }

    /** The Python executable to start (a venv's {@code bin/python} works). */
    public PythonSetup executable(String path) {
        this.executable = path;
        return this;
    }

    /** Adds a directory (or .zip) to {@code sys.path}. */
    public PythonSetup addSysPath(String entry) {
        sysPath.add(Objects.requireNonNull(entry));
        return this;
    }

    /**
     * A file shipped with the job ({@code SparkContext.addFile}, Flink's
     * {@code registerCachedFile}), by the name it was shipped under (or a
     * path): a {@code .py} file is imported as the module named after it (its
     * directory goes on {@code sys.path}, so files beside it import too); a
     * directory or {@code .zip} goes on {@code sys.path}.
     */
    public PythonSetup addFile(String name) {
        files.add(Objects.requireNonNull(name));
        return this;
    }

    /** A module imported at start (a warm-up: {@code numpy}, your own package). */
    public PythonSetup importModule(String module) {
        modules.add(Objects.requireNonNull(module));
        return this;
    }

    /** Python source run once in {@code __main__} at start (definitions, configuration). */
    public PythonSetup runSource(String source) {
        sources.add(Objects.requireNonNull(source));
        return this;
    }

    /**
     * The settings under {@code prefix} in {@code conf} ({@code prefix + "python"},
     * {@code "sysPath"}, {@code "files"}, {@code "modules"}, {@code "init"}).
     */
    public static PythonSetup fromProperties(Map<String, String> conf, String prefix) {
        PythonSetup s = new PythonSetup();
        String exe = conf.get(prefix + PYTHON);
        if (exe != null && !exe.trim().isEmpty()) {
            s.executable = exe.trim();
        }
        split(conf.get(prefix + SYS_PATH), s.sysPath);
        split(conf.get(prefix + FILES), s.files);
        split(conf.get(prefix + MODULES), s.modules);
        String init = conf.get(prefix + INIT);
        if (init != null && !init.trim().isEmpty()) {
            s.sources.add(init);
        }
        return s;
    }

    private static void split(String v, List<String> into) {
        if (v == null) {
            return;
        }
        for (String part : v.split(",")) {
            if (!part.trim().isEmpty()) {
                into.add(part.trim());
            }
        }
    }

    /**
     * This setup followed by {@code other}'s steps; {@code other}'s executable
     * wins when it names one.
     */
    public PythonSetup merge(PythonSetup other) {
        PythonSetup s = new PythonSetup();
        s.executable = other != null && other.executable != null ? other.executable : executable;
        s.sysPath.addAll(sysPath);
        s.files.addAll(files);
        s.modules.addAll(modules);
        s.sources.addAll(sources);
        if (other != null) {
            s.sysPath.addAll(other.sysPath);
            s.files.addAll(other.files);
            s.modules.addAll(other.modules);
            s.sources.addAll(other.sources);
        }
        return s;
    }

    public String executable() {
        return executable;
    }

    public List<String> sysPath() {
        return Collections.unmodifiableList(sysPath);
    }

    public List<String> files() {
        return Collections.unmodifiableList(files);
    }

    public List<String> modules() {
        return Collections.unmodifiableList(modules);
    }

    public List<String> sources() {
        return Collections.unmodifiableList(sources);
    }

    @Override
    public String toString() {
        return "PythonSetup{executable=" + executable + ", sysPath=" + sysPath + ", files=" + files + ", modules="
                + modules + ", sources=" + sources.size() + "}";
    }
}

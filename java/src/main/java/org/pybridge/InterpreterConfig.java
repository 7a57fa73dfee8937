package org.pybridge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * How {@link Python#newInterpreter(InterpreterConfig)} makes a sub-interpreter
 * (CPython's {@code PyInterpreterConfig}).
 *
 * <ul>
 *   <li>{@link #isolated()}: its own GIL (PEP 684, Python 3.12+), so it runs
 *       Python at the same time as the main interpreter and the other
 *       isolated ones; extension modules must support sub-interpreters
 *       (multi-phase init: numpy does not, and is refused with a message
 *       saying what to do instead). The default on 3.12+.</li>
 *   <li>{@link #shared()}: shares the main interpreter's GIL (any version):
 *       its own modules, {@code sys.modules} and {@code sys.path}, but one
 *       thread of Python at a time with the main interpreter, as Jep's and
 *       pemja's sub-interpreters. The default before 3.12.</li>
 * </ul>
 *
 * <p>Immutable; each {@code with...} returns a copy.
 */
public final class InterpreterConfig {
    /** null: isolated on 3.12+, shared before. */
    final Boolean ownGil;

    final String name;
    final List<String> sysPath;
    final boolean allowThreads;
    final boolean allowDaemonThreads;
    final boolean allowFork;
    final boolean allowExec;
    final List<String> startupCode;
    /** Not null: a process interpreter ({@link #process()}). */
    final ProcessSpec process;

    private InterpreterConfig(
            Boolean ownGil,
            String name,
            List<String> sysPath,
            boolean allowThreads,
            boolean allowDaemonThreads,
            boolean allowFork,
            boolean allowExec,
            List<String> startupCode) {
        this(ownGil, name, sysPath, allowThreads, allowDaemonThreads, allowFork, allowExec, startupCode, null);
    }

    private InterpreterConfig(
            Boolean ownGil,
            String name,
            List<String> sysPath,
            boolean allowThreads,
            boolean allowDaemonThreads,
            boolean allowFork,
            boolean allowExec,
            List<String> startupCode,
            ProcessSpec process) {
        this.process = process;
        this.ownGil = ownGil;
        this.name = name;
        this.sysPath = sysPath;
        this.allowThreads = allowThreads;
        this.allowDaemonThreads = allowDaemonThreads;
        this.allowFork = allowFork;
        this.allowExec = allowExec;
        this.startupCode = startupCode;
    }

    /**
     * The defaults: isolated on Python 3.12+ (shared before), threads
     * allowed, no daemon threads, no fork, no exec (CPython's defaults for
     * isolated interpreters).
     *
     * @return a new configuration
     */
    public static InterpreterConfig defaults() {
        return new InterpreterConfig(null, null, List.of(), true, false, false, false, List.of());
    }

    /**
     * An isolated interpreter with its own GIL (Python 3.12+; older ones refuse it when created).
     *
     * @return a new configuration
     */
    public static InterpreterConfig isolated() {
        return defaults().withOwnGil(true);
    }

    /**
     * An interpreter that shares the main GIL (any Python version).
     *
     * @return a new configuration
     */
    public static InterpreterConfig shared() {
        return defaults().withOwnGil(false);
    }

    /**
     * Own GIL (true) or the main one shared (false).
     *
     * @param own whether the interpreter has a GIL of its own
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withOwnGil(boolean own) {
        return new InterpreterConfig(
                own, name, sysPath, allowThreads, allowDaemonThreads, allowFork, allowExec, startupCode, process);
    }

    /**
     * A name for messages and the worker thread (default {@code interpreter-N}).
     *
     * @param n the name (in errors and thread names)
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withName(String n) {
        return new InterpreterConfig(
                ownGil, n, sysPath, allowThreads, allowDaemonThreads, allowFork, allowExec, startupCode, process);
    }

    /**
     * Directories put at the front of this interpreter's own {@code sys.path}.
     *
     * @param dirs directories for {@code sys.path}
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withSysPath(List<String> dirs) {
        return new InterpreterConfig(
                ownGil,
                name,
                Collections.unmodifiableList(new ArrayList<>(dirs)),
                allowThreads,
                allowDaemonThreads,
                allowFork,
                allowExec,
                startupCode,
                process);
    }

    /**
     * Whether its Python code may start threads ({@code threading}).
     *
     * @param allow whether Python code may start threads
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withThreads(boolean allow) {
        return new InterpreterConfig(
                ownGil, name, sysPath, allow, allowDaemonThreads, allowFork, allowExec, startupCode, process);
    }

    /**
     * Whether it may start daemon threads (which could outlive it: off by default).
     *
     * @param allow whether Python code may start daemon threads
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withDaemonThreads(boolean allow) {
        return new InterpreterConfig(
                ownGil, name, sysPath, allowThreads, allow, allowFork, allowExec, startupCode, process);
    }

    /**
     * Whether it may {@code os.fork()} (off by default: forking a JVM is never safe).
     *
     * @param allow whether Python code may fork
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withFork(boolean allow) {
        return new InterpreterConfig(
                ownGil, name, sysPath, allowThreads, allowDaemonThreads, allow, allowExec, startupCode, process);
    }

    /**
     * Whether it may {@code os.exec*()} (replace the JVM process: off by default).
     *
     * @param allow whether Python code may exec another program
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withExec(boolean allow) {
        return new InterpreterConfig(
                ownGil, name, sysPath, allowThreads, allowDaemonThreads, allowFork, allow, startupCode, process);
    }

    /**
     * Code run in the interpreter right after it starts (imports, definitions), in order.
     *
     * @param code Python statements
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withStartupCode(String code) {
        List<String> c = new ArrayList<>(startupCode);
        c.add(code);
        return new InterpreterConfig(
                ownGil,
                name,
                sysPath,
                allowThreads,
                allowDaemonThreads,
                allowFork,
                allowExec,
                Collections.unmodifiableList(c),
                process);
    }

    // ---- process interpreters -----------------------------------------------------------

    /**
     * A process interpreter: Python runs in a child process pybridge starts, with the same API as
     * the other interpreters ({@code exec}, {@code eval}, {@code importModule}, {@code call},
     * {@code submit}; {@code PyObject} handles whose every operation crosses to the child). A
     * crash of that Python (a C extension's segfault, {@code os._exit}, {@code os.abort()}, a
     * kill, the memory limit, the call timeout) leaves the JVM running: calls on the interpreter
     * then throw {@link PythonProcessDiedException}. See docs/guide/interpreters.md.
     *
     * <p>Defaults: the Python pybridge runs in-process (same X.Y), the JVM's environment and
     * working directory, no memory limit, no call timeout.
     *
     * @return a new configuration
     */
    public static InterpreterConfig process() {
        return new InterpreterConfig(
                false,
                null,
                List.of(),
                true,
                false,
                false,
                false,
                List.of(),
                new ProcessSpec(null, Map.of(), null, 0, 0));
    }

    private InterpreterConfig withProcess(ProcessSpec p) {
        if (process == null) {
            throw new IllegalStateException("this option is for process interpreters (InterpreterConfig.process())");
        }
        return new InterpreterConfig(
                ownGil, name, sysPath, allowThreads, allowDaemonThreads, allowFork, allowExec, startupCode, p);
    }

    /**
     * The Python executable of a process interpreter (a virtualenv's {@code bin/python} is fine);
     * it must be the same Python X.Y pybridge runs in-process. Process interpreters only.
     *
     * @param python path of a python executable
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withExecutable(String python) {
        return withProcess(new ProcessSpec(
                python, process.environment, process.workingDirectory, process.memoryLimit, process.callTimeoutMillis));
    }

    /**
     * Environment variables set (over the JVM's) in the child process. Process interpreters only.
     *
     * @param env variables and their values
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withEnvironment(Map<String, String> env) {
        return withProcess(new ProcessSpec(
                process.executable,
                Map.copyOf(env),
                process.workingDirectory,
                process.memoryLimit,
                process.callTimeoutMillis));
    }

    /**
     * The child process's working directory. Process interpreters only.
     *
     * @param dir a directory
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withWorkingDirectory(String dir) {
        return withProcess(new ProcessSpec(
                process.executable, process.environment, dir, process.memoryLimit, process.callTimeoutMillis));
    }

    /**
     * A memory limit for the child: when its resident memory goes over {@code bytes}, pybridge
     * kills it ({@code SIGKILL}) and its calls throw {@link PythonProcessDiedException} saying so
     * (checked every 50 ms). 0: none. Process interpreters only.
     *
     * @param bytes the limit of its resident set size, in bytes
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withMemoryLimit(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("memory limit must be >= 0");
        }
        return withProcess(new ProcessSpec(
                process.executable, process.environment, process.workingDirectory, bytes, process.callTimeoutMillis));
    }

    /**
     * How long one call into the child may run: a hung child (an endless loop, a deadlock in a C
     * extension) is killed after it, and the call throws {@link PythonProcessDiedException}
     * saying so. 0: no limit. Process interpreters only.
     *
     * @param millis the time limit of one call, in milliseconds
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withCallTimeout(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("call timeout must be >= 0");
        }
        return withProcess(new ProcessSpec(
                process.executable, process.environment, process.workingDirectory, process.memoryLimit, millis));
    }

    /** What a process interpreter's child is. */
    static final class ProcessSpec {
        final String executable;
        final Map<String, String> environment;
        final String workingDirectory;
        final long memoryLimit;
        final long callTimeoutMillis;

        ProcessSpec(
                String executable,
                Map<String, String> environment,
                String workingDirectory,
                long memoryLimit,
                long callTimeoutMillis) {
            this.executable = executable;
            this.environment = environment;
            this.workingDirectory = workingDirectory;
            this.memoryLimit = memoryLimit;
            this.callTimeoutMillis = callTimeoutMillis;
        }

        @Override
        public String toString() {
            return "executable=" + (executable != null ? executable : "(pybridge's Python)") + ", env="
                    + environment.keySet()
                    + (workingDirectory != null ? ", dir=" + workingDirectory : "")
                    + (memoryLimit > 0 ? ", memoryLimit=" + memoryLimit : "")
                    + (callTimeoutMillis > 0 ? ", callTimeout=" + callTimeoutMillis + "ms" : "");
        }
    }

    @Override
    public String toString() {
        if (process != null) {
            return "InterpreterConfig[process" + (name != null ? ", name=" + name : "") + ", " + process + "]";
        }
        return "InterpreterConfig[" + (ownGil == null ? "default GIL" : ownGil ? "own GIL" : "shared GIL")
                + (name != null ? ", name=" + name : "") + ", sysPath=" + sysPath + ", threads=" + allowThreads
                + ", daemonThreads=" + allowDaemonThreads + ", fork=" + allowFork + ", exec=" + allowExec + "]";
    }
}

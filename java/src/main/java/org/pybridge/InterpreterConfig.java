package org.pybridge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

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

    private InterpreterConfig(Boolean ownGil, String name, List<String> sysPath, boolean allowThreads,
            boolean allowDaemonThreads, boolean allowFork, boolean allowExec, List<String> startupCode) {
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
        return new InterpreterConfig(own, name, sysPath, allowThreads, allowDaemonThreads, allowFork, allowExec,
                startupCode);
    }

    /**
     * A name for messages and the worker thread (default {@code interpreter-N}).
     *
     * @param n the name (in errors and thread names)
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withName(String n) {
        return new InterpreterConfig(ownGil, n, sysPath, allowThreads, allowDaemonThreads, allowFork, allowExec,
                startupCode);
    }

    /**
     * Directories put at the front of this interpreter's own {@code sys.path}.
     *
     * @param dirs directories for {@code sys.path}
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withSysPath(List<String> dirs) {
        return new InterpreterConfig(ownGil, name, Collections.unmodifiableList(new ArrayList<>(dirs)), allowThreads,
                allowDaemonThreads, allowFork, allowExec, startupCode);
    }

    /**
     * Whether its Python code may start threads ({@code threading}).
     *
     * @param allow whether Python code may start threads
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withThreads(boolean allow) {
        return new InterpreterConfig(ownGil, name, sysPath, allow, allowDaemonThreads, allowFork, allowExec,
                startupCode);
    }

    /**
     * Whether it may start daemon threads (which could outlive it: off by default).
     *
     * @param allow whether Python code may start daemon threads
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withDaemonThreads(boolean allow) {
        return new InterpreterConfig(ownGil, name, sysPath, allowThreads, allow, allowFork, allowExec, startupCode);
    }

    /**
     * Whether it may {@code os.fork()} (off by default: forking a JVM is never safe).
     *
     * @param allow whether Python code may fork
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withFork(boolean allow) {
        return new InterpreterConfig(ownGil, name, sysPath, allowThreads, allowDaemonThreads, allow, allowExec,
                startupCode);
    }

    /**
     * Whether it may {@code os.exec*()} (replace the JVM process: off by default).
     *
     * @param allow whether Python code may exec another program
     * @return a new config, otherwise the same as this one
     */
    public InterpreterConfig withExec(boolean allow) {
        return new InterpreterConfig(ownGil, name, sysPath, allowThreads, allowDaemonThreads, allowFork, allow,
                startupCode);
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
        return new InterpreterConfig(ownGil, name, sysPath, allowThreads, allowDaemonThreads, allowFork, allowExec,
                Collections.unmodifiableList(c));
    }

    @Override
    public String toString() {
        return "InterpreterConfig[" + (ownGil == null ? "default GIL" : ownGil ? "own GIL" : "shared GIL")
                + (name != null ? ", name=" + name : "") + ", sysPath=" + sysPath + ", threads=" + allowThreads
                + ", daemonThreads=" + allowDaemonThreads + ", fork=" + allowFork + ", exec=" + allowExec + "]";
    }
}

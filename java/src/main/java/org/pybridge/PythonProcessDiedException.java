package org.pybridge;

/**
 * The Python process of a process interpreter ({@link InterpreterConfig#process()}) died: a crash
 * (a signal such as {@code SIGSEGV} or {@code SIGABRT}), an exit ({@code os._exit}), a kill
 * ({@code kill -9}, the memory limit, the call timeout). Every call on that interpreter that was
 * pending, and every later one, gets this exception; its objects are gone with the process. Close
 * the interpreter and start a new one ({@link InterpreterPool} replaces a dead member by itself).
 */
public class PythonProcessDiedException extends PyBridgeException {
    private static final long serialVersionUID = 1L;

    /** The exit status, as {@link #exitCode()} returns it. */
    private final int exitCode;

    /** The signal that ended the process, as {@link #signal()} returns it. */
    private final int signal;

    /** The child's last lines of standard error, as {@link #stderrTail()} returns them. */
    private final String stderrTail;

    PythonProcessDiedException(String message, int exitCode, int signal, String stderrTail) {
        super(message);
        this.exitCode = exitCode;
        this.signal = signal;
        this.stderrTail = stderrTail;
    }

    /**
     * The process's exit status as the JVM saw it ({@code 128 + n} for a process ended by signal n),
     * or -1 when it could not be read.
     *
     * @return the exit status
     */
    public int exitCode() {
        return exitCode;
    }

    /**
     * The signal that ended the process (9 for {@code SIGKILL}, 11 for {@code SIGSEGV}, 6 for
     * {@code SIGABRT}), or 0 when it exited by itself.
     *
     * @return the signal number, or 0
     */
    public int signal() {
        return signal;
    }

    /**
     * The last lines the process wrote to its standard error (Python's tracebacks and crash reports
     * end up there), oldest first; empty when there were none.
     *
     * @return the last lines of its stderr
     */
    public String stderrTail() {
        return stderrTail;
    }
}

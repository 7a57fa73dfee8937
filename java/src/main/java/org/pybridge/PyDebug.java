package org.pybridge;

/**
 * A debugger on the embedded interpreter: debugpy's server, which VS Code,
 * PyCharm or any DAP client attaches to ({@link Python#debug(int)}), and a
 * {@code breakpoint()} that never waits on a console that is not there.
 *
 * <p>debugpy finds threads Python's {@code threading} module started by
 * itself; threads the JVM made are made known to it here: once debugging
 * is on, each JVM thread's next call into Python first runs
 * {@code debugpy.debug_this_thread()}, naming the Python thread after the
 * Java thread (so the debugger's thread list shows the Java caller).
 */
final class PyDebug {
    private PyDebug() {}

    /** Whether debugging is on (read on every call: a plain volatile read until then). */
    static volatile boolean active;

    private static final ThreadLocal<Boolean> KNOWN = new ThreadLocal<>();

    static int listen(String host, int port, boolean waitForClient) {
        if (Interpreter.current() != Interpreter.main()) {
            throw new IllegalStateException(
                    "debugpy attaches to the main interpreter: call Python.debug outside" + " sub-interpreter tasks");
        }
        KNOWN.set(Boolean.TRUE); // this thread: listen() itself runs debug_this_thread's setup
        String python = Python.info().executable();
        int p = PyResources.function("debug", "listen")
                .callAs(Long.class, host, port, python, false)
                .intValue();
        PyResources.function("debug", "this_thread")
                .call(Thread.currentThread().getName())
                .close();
        active = true;
        if (waitForClient) {
            PyResources.function("debug", "listen")
                    .call(host, port, python, true)
                    .close();
        }
        return p;
    }

    /** Buf.invoke: the first call of each JVM thread once debugging is on. */
    static void onCall() {
        if (KNOWN.get() != null || Interpreter.current() != Interpreter.main()) {
            return;
        }
        KNOWN.set(Boolean.TRUE);
        try {
            PyResources.function("debug", "this_thread")
                    .call(Thread.currentThread().getName())
                    .close();
        } catch (RuntimeException e) {
            Logs.LOG.log(
                    System.Logger.Level.WARNING,
                    "cannot make thread " + Thread.currentThread().getName() + " known to the debugger: " + e);
        }
    }
}

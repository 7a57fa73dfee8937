package org.pybridge;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Python's {@code sys.stdout} and {@code sys.stderr} writing to Java, as
 * {@link PythonConfig.Output} says ({@code python/pybridge/runtime/output.py}).
 * Python keeps its own text layer
 * ({@code io.TextIOWrapper} over an 8 KB {@code io.BufferedWriter}, line
 * buffered, all in C); only the raw layer below is Python code. stderr, and
 * stdout to a {@code Consumer<String>}, hand each line to Java at once, on the
 * thread that printed it; stdout to {@code System.out} or a {@code PrintStream}
 * collects lines and hands them over in one call ({@link Sink}, UTF-8) at every boundary between Java and Python (before
 * Python calls Java, before a call into Python returns), at an explicit flush,
 * at 64 KB, 50 ms after its first line from a daemon thread, and at the JVM's
 * exit (a shutdown hook). A chunk the call fails to deliver (the JVM shutting
 * down, a consumer that threw) is written to the file descriptor instead, so
 * output is never lost silently. docs/decisions/output-batching.md has the
 * figures.
 */
final class PyOutput {
    private PyOutput() {}

    /** {@code output.py}'s {@code deliver_all}: hands over what Python's stdout collected. */
    private static volatile PyObject deliverAll;

    private static boolean hookAdded;

    /** How long the JVM's exit waits for Python to hand its output over. */
    static final long EXIT_WAIT_MS = 2000;

    /**
     * The shutdown hook: what Python's {@code sys.stdout} collected and no
     * boundary handed over yet (a Python thread printing while Java called
     * nothing), and a partial line, is written before the JVM ends. It waits at most
     * {@link #EXIT_WAIT_MS} for the GIL (a thread holding it across
     * {@code System.exit} must not hang the exit).
     */
    private static void deliverAtExit() {
        PyObject d = deliverAll;
        if (d == null) {
            return;
        }
        Thread t = new Thread(
                () -> {
                    try {
                        d.call(true).close();
                    } catch (RuntimeException e) {
                        // Python cannot run any more: what it collected cannot be had
                    }
                },
                "pybridge-output-deliver");
        t.setDaemon(true);
        t.start();
        try {
            t.join(EXIT_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Replaces {@code sys.stdout}/{@code sys.stderr} as configured (once, at start-up). */
    static void install(PythonConfig cfg) {
        install(cfg.stdout(), cfg.stderr(), false);
    }

    /**
     * {@link Python#redirectOutput}: as {@link #install(PythonConfig)}, after
     * start-up; a {@link PythonConfig.Output#fileDescriptor()} puts back the
     * stream Python started with.
     */
    static void redirect(PythonConfig.Output stdout, PythonConfig.Output stderr) {
        install(stdout, stderr, true);
    }

    private static void install(PythonConfig.Output stdout, PythonConfig.Output stderr, boolean restore) {
        Sink out = sink(stdout, false);
        Sink err = sink(stderr, true);
        Logs.debug(() -> "pybridge: Python's sys.stdout goes to " + describe(stdout, "System.out") + ", sys.stderr to "
                + describe(stderr, "System.err"));
        if (out == null && err == null && !restore) {
            return;
        }
        Lifetimes.unscoped(() -> {
            try (PyObject ns = (PyObject) Ops.eval(
                    "{'__builtins__': __builtins__, '__name__': '_pybridge_output'}", null, Contract.Mode.HANDLE)) {
                PyNamespace.exec(ns, PySources.text("output.py"));
                try (PyObject install = ns.getItem("install")) {
                    // a Consumer (Clojure's *out*, a logger) is handed each line on the
                    // thread that printed it, as before; System.out and a PrintStream get batches
                    boolean batch = stdout.kind != PythonConfig.Output.Kind.CONSUMER;
                    PyObject deliver = install.call(out, err, restore, batch);
                    PyObject old = deliverAll;
                    deliverAll = deliver;
                    if (old != null) {
                        old.close();
                    }
                }
                if (out != null && !hookAdded) {
                    hookAdded = true;
                    Runtime.getRuntime().addShutdownHook(new Thread(PyOutput::deliverAtExit, "pybridge-output-exit"));
                }
            }
            return null;
        });
    }

    private static String describe(PythonConfig.Output o, String system) {
        switch (o.kind) {
            case SYSTEM:
                return "the current " + system;
            case FILE_DESCRIPTOR:
                return "its file descriptor";
            default:
                return "a " + o;
        }
    }

    private static Sink sink(PythonConfig.Output o, boolean err) {
        return o.kind == PythonConfig.Output.Kind.FILE_DESCRIPTOR ? null : new Sink(o, err);
    }

    /**
     * What Python's raw layer calls with each chunk of UTF-8: stdout's
     * batches, stderr's lines, what was pending at a flush. A
     * {@code Consumer<String>} is handed one line at a time (and a flushed
     * partial line on its own), also from a chunk of several; a
     * {@code PrintStream} gets a batch in one {@code print} and one
     * {@code flush}. A character
     * split between two chunks (possible only when a long write is cut at
     * the buffer's size) is kept until the next one completes it.
     */
    static final class Sink implements Consumer<byte[]> {
        private final PythonConfig.Output output;
        private final boolean err;
        private byte[] partial = new byte[0];

        Sink(PythonConfig.Output output, boolean err) {
            this.output = output;
            this.err = err;
        }

        @Override
        public synchronized void accept(byte[] chunk) {
            byte[] b = chunk;
            if (partial.length > 0) {
                b = new byte[partial.length + chunk.length];
                System.arraycopy(partial, 0, b, 0, partial.length);
                System.arraycopy(chunk, 0, b, partial.length, chunk.length);
            }
            int end = completeLength(b);
            partial = Arrays.copyOfRange(b, end, b.length);
            if (end == 0) {
                return;
            }
            String text = new String(b, 0, end, StandardCharsets.UTF_8);
            switch (output.kind) {
                case CONSUMER:
                    // a batch of lines: the consumer still gets them one by one
                    int from = 0;
                    while (from < text.length()) {
                        int nl = text.indexOf('\n', from);
                        int to = nl < 0 ? text.length() : nl + 1;
                        output.consumer.accept(text.substring(from, to));
                        from = to;
                    }
                    break;
                case STREAM:
                    print(output.stream, text);
                    break;
                default:
                    print(err ? System.err : System.out, text);
            }
        }

        private static void print(PrintStream ps, String text) {
            ps.print(text);
            ps.flush();
        }
    }

    /** The length of {@code b} without a UTF-8 sequence cut short at its end. */
    static int completeLength(byte[] b) {
        int n = b.length;
        // Look back at most 3 bytes for the lead byte of the last sequence.
        for (int i = n - 1; i >= Math.max(0, n - 3); i--) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                return n; // ASCII: nothing is cut
            }
            if (c >= 0xC0) { // a lead byte: is its sequence complete?
                int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                return n - i >= need ? n : i;
            }
        }
        return n; // continuation bytes only: leave them to the decoder
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.junit.Test;

/**
 * Python's sys.stdout and sys.stderr in the default configuration: they
 * write to the System.out / System.err current at each write, as a test
 * runner that captures output with System.setOut (Maven Surefire, Gradle)
 * sees them.
 */
public class OutputTest {
    /** Runs {@code body} with System.out and System.err captured; returns {out, err}. */
    private static String[] captured(Runnable body) {
        return captured(body, new ByteArrayOutputStream(), new ByteArrayOutputStream());
    }

    /** {@link #captured(Runnable)} into {@code o} and {@code e}, which {@code body} may look at. */
    private static String[] captured(Runnable body, ByteArrayOutputStream o, ByteArrayOutputStream e) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    @Test
    public void surefireStyleCaptureSeesPythonsPrints() {
        Python.initialize();
        String[] got = captured(() ->
                Python.exec("import sys\nprint('hello from Python')\n" + "print('to stderr', file=sys.stderr)\n"));
        assertEquals("hello from Python\n", got[0]);
        assertEquals("to stderr\n", got[1]);
    }

    @Test
    public void javaAndPythonPrintsKeepTheirOrderOnOneThread() {
        Python.initialize();
        String[] got = captured(() -> {
            System.out.println("java 1");
            Python.exec("print('python 1')");
            System.out.println("java 2");
            Python.exec("print('python 2a', end='', flush=True)");
            System.out.println(" java 3");
            Python.exec("print('python', 3, sep='-')");
        });
        assertEquals("java 1\npython 1\njava 2\npython 2a java 3\npython-3\n", got[0]);
    }

    @Test
    public void aPartialLineWaitsForItsEndOrAFlush() {
        Python.initialize();
        String[] got = captured(() -> {
            Python.exec("import sys\nsys.stdout.write('par')");
            System.out.print("[java]");
            Python.exec("sys.stdout.write('tial\\n')");
            Python.exec("sys.stdout.write('x'); sys.stdout.flush()");
        });
        assertEquals("[java]partial\nx", got[0]);
    }

    @Test
    public void textOutsideAsciiAndLongWritesArriveWhole() {
        Python.initialize();
        String[] got = captured(() -> Python.exec("print('é€😀 ' * 5000)"));
        String expected = "é€😀 ".repeat(5000) + "\n";
        assertEquals(expected, got[0]);
    }

    @Test
    public void threadsPythonStartedPrintToo() {
        Python.initialize();
        String[] got = captured(() -> Python.exec(String.join(
                "\n",
                "import threading",
                "def work(i):",
                "    print('from thread', i)",
                "ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]",
                "for t in ts: t.start()",
                "for t in ts: t.join()")));
        List<String> lines = new ArrayList<>(List.of(got[0].split("\n")));
        lines.sort(null);
        assertEquals(List.of("from thread 0", "from thread 1", "from thread 2", "from thread 3"), lines);
    }

    @Test
    public void aGilHolderThatCallsJavaWhichPrintsDoesNotDeadlock() throws Exception {
        Python.initialize();
        String[] got = captured(() -> {
            try (Gil g = Python.acquireGil();
                    PyObject ns = Python.eval("{}")) {
                Supplier<String> javaPrints = () -> {
                    System.out.println("java inside Python");
                    return "ok";
                };
                ns.setItem("f", javaPrints);
                PyNamespace.exec(ns, "print('before'); print(f()); print('after')");
            }
        });
        assertEquals("before\njava inside Python\nok\nafter\n", got[0]);
    }

    /**
     * {@link Python#redirectOutput} after start-up: the same streams to other
     * outputs (a partial line is flushed to the output it was written for),
     * and {@code fileDescriptor()} puts back the streams Python started with.
     */
    @Test
    public void redirectOutputChangesTheStreamsOnceRunning() {
        Python.initialize();
        StringBuffer out = new StringBuffer();
        StringBuffer err = new StringBuffer();
        try {
            Python.redirectOutput(PythonConfig.Output.to(out::append), PythonConfig.Output.to(err::append));
            Python.exec("import sys\nprint('to the consumer')\nprint('oops', file=sys.stderr)\n"
                    + "print('partial', end='')");
            assertEquals("to the consumer\n", out.toString());
            assertEquals("oops\n", err.toString());
            assertEquals(Long.valueOf(1), Python.eval("__import__('sys').stdout.fileno()", Long.class));
            Python.redirectOutput(PythonConfig.Output.fileDescriptor(), PythonConfig.Output.fileDescriptor());
            assertEquals("to the consumer\npartial", out.toString());
            assertEquals(
                    Boolean.TRUE,
                    Python.eval(
                            "__import__('sys').stdout is __import__('sys').__stdout__"
                                    + " and __import__('sys').stderr is __import__('sys').__stderr__",
                            Boolean.class));
        } finally {
            Python.redirectOutput(PythonConfig.Output.system(), PythonConfig.Output.system());
        }
        String[] got = captured(() -> Python.exec("print('back to System.out')"));
        assertEquals("back to System.out\n", got[0]);
    }

    @Test
    public void theStreamsLookLikePythonsOwn() {
        Python.initialize();
        assertEquals("<stdout>", Python.eval("__import__('sys').stdout.name", String.class));
        assertEquals("utf-8", Python.eval("__import__('sys').stdout.encoding", String.class));
        assertEquals(Boolean.FALSE, Python.eval("__import__('sys').stderr.isatty()", Boolean.class));
        assertEquals(Boolean.TRUE, Python.eval("__import__('sys').stdout.line_buffering", Boolean.class));
        // the real descriptors, for faulthandler.enable() / register() and subprocess
        assertEquals(Long.valueOf(1), Python.eval("__import__('sys').stdout.fileno()", Long.class));
        assertEquals(Long.valueOf(2), Python.eval("__import__('sys').stderr.fileno()", Long.class));
    }

    /**
     * stdout hands Python's lines to Java in batches: a batch goes before
     * every call from Java into Python returns (exec, call, the callLong fast
     * path), so Java's own prints after each call come after what that call
     * printed, many times over.
     */
    @Test
    public void manyInterleavedPrintsKeepTheirExactOrder() {
        Python.initialize();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            expected.append("python ").append(i).append("\njava ").append(i).append('\n');
        }
        String[] got = captured(() -> {
            try (PyObject f = Python.eval("lambda i: print('python', i)");
                    PyObject g = Python.eval("lambda i: print('python', i) or i")) {
                for (int i = 0; i < 300; i++) {
                    if (i % 3 == 0) {
                        Python.exec("print('python', " + i + ")");
                    } else if (i % 3 == 1) {
                        f.call(i).close();
                    } else {
                        g.callLong(i); // the fast path (no pyo3 attach)
                    }
                    System.out.println("java " + i);
                }
            }
        });
        assertEquals(expected.toString(), got[0]);
    }

    /**
     * A batch also goes before Python calls Java: a Java callback sees on
     * System.out (and System.err) everything Python printed before calling it.
     */
    @Test
    public void aJavaCallbackSeesWhatPythonPrintedBeforeIt() {
        Python.initialize();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        List<String> seen = new ArrayList<>();
        String[] got = captured(
                () -> {
                    PrintStream out = System.out;
                    try (PyObject ns = Python.eval("{}")) {
                        IntConsumer look = i -> {
                            out.flush();
                            seen.add(o.size() + "/" + e.size());
                            System.out.println("java " + i);
                        };
                        ns.setItem("look", look);
                        PyNamespace.exec(
                                ns,
                                String.join(
                                        "\n",
                                        "import sys",
                                        "for i in range(50):",
                                        "    print('python', i)",
                                        "    print('err', i, file=sys.stderr)",
                                        "    look(i)"));
                    }
                },
                o,
                e);
        StringBuilder expected = new StringBuilder();
        StringBuilder errs = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            expected.append("python ").append(i).append("\njava ").append(i).append('\n');
            errs.append("err ").append(i).append('\n');
        }
        assertEquals(expected.toString(), got[0]);
        assertEquals(errs.toString(), got[1]);
        // each callback saw its own line (and the lines before it) on both streams
        int outSize = 0;
        int errSize = 0;
        for (int i = 0; i < 50; i++) {
            outSize += ("python " + i + "\n").length();
            errSize += ("err " + i + "\n").length();
            assertEquals("callback " + i, outSize + "/" + errSize, seen.get(i));
            outSize += ("java " + i + "\n").length();
        }
    }

    /**
     * A Python thread that prints while Java calls nothing: its lines reach
     * System.out on their own (the delay thread), not only at the next call.
     */
    @Test
    public void aQuietPythonThreadsLinesArriveWithoutAnyJavaCall() throws Exception {
        Python.initialize();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        String[] got = captured(
                () -> {
                    Python.exec(String.join(
                            "\n",
                            "import threading",
                            "_go = threading.Event()",
                            "def _quiet():",
                            "    _go.wait()",
                            "    for i in range(3):",
                            "        print('quiet', i)",
                            "threading.Thread(target=_quiet, daemon=True).start()"));
                    Python.exec("_go.set()");
                    // no call into Python from here on: wait (boundedly) for the lines
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (!o.toString(StandardCharsets.UTF_8).contains("quiet 2\n") && System.nanoTime() < deadline) {
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException x) {
                            throw new IllegalStateException(x);
                        }
                    }
                },
                o,
                e);
        assertEquals("quiet 0\nquiet 1\nquiet 2\n", got[0]);
    }

    /** Many lines in one call: all of them, in order, whole (several batches of 64 KB). */
    @Test
    public void largeOutputArrivesWholeAndInOrder() {
        Python.initialize();
        String[] got = captured(() -> Python.exec("for i in range(100000): print('line', i, 'é€')"));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 100000; i++) {
            expected.append("line ").append(i).append(" é€\n");
        }
        assertEquals(expected.toString(), got[0]);
    }

    /**
     * stderr stays line by line, as CPython's: each line has reached
     * System.err before the next Python statement runs (Python reads the
     * captured size before any call into Java), where stdout's line waits in
     * its batch for the next boundary (stderr's own hand-over is one, so the
     * two streams keep their order).
     */
    @Test
    public void stderrHandsEachLineOverAtOnce() {
        Python.initialize();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        String[] got = captured(
                () -> {
                    try (PyObject ns = Python.eval("{}")) {
                        ns.setItem("_out", o);
                        ns.setItem("_err", e);
                        PyNamespace.exec(
                                ns,
                                String.join(
                                        "\n",
                                        "import sys, pybridge",
                                        // pybridge's own streams, whatever wraps sys.stdout (the
                                        // JSR-223 engine routes it per thread once it has run)
                                        "mine = pybridge._output_state",
                                        "print('o')",
                                        "o_waits = len(mine['out']._java._pending)",
                                        "print('e', file=sys.stderr)",
                                        "waiting = '%d %d' % (o_waits, len(mine['err']._java._pending))",
                                        "sizes = '%d %d' % (_out.size(), _err.size())"));
                        try (PyObject waiting = ns.getItem("waiting");
                                PyObject sizes = ns.getItem("sizes")) {
                            // stdout's line waits in its batch, stderr's is gone ...
                            assertEquals("1 0", waiting.toJava(String.class));
                            // ... and stderr's hand-over (a call into Java: a boundary) took stdout's first
                            assertEquals("2 2", sizes.toJava(String.class));
                        }
                    }
                },
                o,
                e);
        assertEquals("o\n", got[0]);
        assertEquals("e\n", got[1]);
    }

    /**
     * stdout to a Consumer (Clojure's *out*, a logger) is not batched: each
     * line is handed over at once, on the thread that printed it.
     */
    @Test
    public void aConsumerIsHandedEachLineAtOnce() {
        Python.initialize();
        List<String> got = new ArrayList<>();
        try {
            Python.redirectOutput(PythonConfig.Output.to(got::add), PythonConfig.Output.system());
            Python.exec("import sys\nprint('one')\nwaiting = len(sys.stdout._java._pending)\nprint('two')");
            assertEquals(Long.valueOf(0), Python.eval("waiting", Long.class));
        } finally {
            Python.redirectOutput(PythonConfig.Output.system(), PythonConfig.Output.system());
        }
        assertEquals(List.of("one\n", "two\n"), got);
    }

    @Test
    public void completeLengthKeepsACutCharacterForLater() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes
        assertEquals(3, PyOutput.completeLength(euro));
        assertEquals(0, PyOutput.completeLength(new byte[] {euro[0], euro[1]}));
        assertEquals(1, PyOutput.completeLength(new byte[] {'a', euro[0]}));
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8); // 4 bytes
        assertEquals(4, PyOutput.completeLength(smile));
        assertEquals(0, PyOutput.completeLength(new byte[] {smile[0], smile[1], smile[2]}));
        assertEquals(2, PyOutput.completeLength("ab".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void aSinkJoinsACharacterSplitAcrossChunks() {
        List<String> got = new ArrayList<>();
        PyOutput.Sink s = new PyOutput.Sink(PythonConfig.Output.to(got::add), false);
        byte[] b = "a€b".getBytes(StandardCharsets.UTF_8);
        s.accept(new byte[] {b[0], b[1]});
        s.accept(new byte[] {b[2], b[3], b[4]});
        assertEquals(List.of("a", "€b"), got);
    }
}

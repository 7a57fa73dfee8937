package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.Test;

/**
 * Where Python's output and pybridge's own log records go, each choice in a
 * child JVM of its own (the choice is made once, at start-up): the raw file
 * descriptors, a Consumer, the default System.out at JVM shutdown; the
 * native and start-up log records through java.util.logging (the
 * System.Logger backend when no other is installed), or to stderr with
 * PYBRIDGE_LOG.
 */
public class OutputE2ETest {
    private static ChildJvm.Result run(Class<?> main, Map<String, String> env) {
        ChildJvm.Result r = ChildJvm.run(main, env, List.of(), 180);
        assertFalse(r.toString(), r.crashed() || r.timedOut);
        assertEquals(r.toString(), 0, r.exitCode);
        return r;
    }

    /** rawOutput(): Python writes to file descriptor 1, which System.setOut does not capture. */
    public static final class RawFd {
        public static void main(String[] args) {
            PrintStream real = System.out;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Python.initialize(new PythonConfig().rawOutput());
            Python.exec("import sys, os\nprint('python on fd 1', flush=True)\nos.write(1, b'os.write on fd 1\\n')\n"
                    + "print('python on fd 2', file=sys.stderr, flush=True)");
            System.setOut(real);
            System.out.println("captured=[" + captured.toString(StandardCharsets.UTF_8) + "]");
            System.out.println("stdout is " + Python.eval("type(__import__('sys').stdout).__name__", String.class));
        }
    }

    @Test
    public void rawOutputKeepsTheFileDescriptors() {
        String out = run(RawFd.class, Map.of()).output;
        assertTrue(out, out.contains("python on fd 1\n"));
        assertTrue(out, out.contains("os.write on fd 1\n"));
        assertTrue(out, out.contains("python on fd 2\n"));
        assertTrue(out, out.contains("captured=[]"));
        assertTrue(out, out.contains("stdout is TextIOWrapper"));
    }

    /** stdout to a Consumer, stderr to a PrintStream. */
    public static final class ToConsumer {
        public static void main(String[] args) {
            List<String> got = Collections.synchronizedList(new ArrayList<>());
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Python.initialize(new PythonConfig()
                    .stdout(PythonConfig.Output.to(got::add))
                    .stderr(PythonConfig.Output.to(new PrintStream(err, false, StandardCharsets.UTF_8))));
            Python.exec("import sys\nprint('one')\nprint('two', 'three')\nsys.stdout.write('par')\n"
                    + "sys.stdout.write('tial')\nsys.stdout.flush()\nprint('oops', file=sys.stderr)");
            System.out.println("consumer=" + got);
            System.out.println("stream=" + err.toString(StandardCharsets.UTF_8).replace("\n", "|"));
        }
    }

    @Test
    public void aConsumerGetsWholeLinesAndFlushedText() {
        String out = run(ToConsumer.class, Map.of()).output;
        assertTrue(out, out.contains("consumer=[one\n, two three\n, partial]"));
        assertTrue(out, out.contains("stream=oops|"));
    }

    /**
     * The default at JVM shutdown: a shutdown hook's print reaches System.out,
     * and a Python thread printing while the JVM exits neither hangs nor
     * crashes it (what no longer reaches Java goes to the file descriptor).
     */
    public static final class AtShutdown {
        public static void main(String[] args) throws Exception {
            Python.initialize();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Python.exec("print('from a shutdown hook')")));
            Python.exec(String.join(
                    "\n",
                    "import threading, time",
                    "started = threading.Event()",
                    "def chatter():",
                    "    i = 0",
                    "    while True:",
                    "        print('chatter', i)",
                    "        i += 1",
                    "        started.set()",
                    "        time.sleep(0.001)",
                    "threading.Thread(target=chatter, daemon=True).start()",
                    "started.wait()"));
            Thread.sleep(100);
            System.out.println("exiting");
            System.exit(0);
        }
    }

    @Test
    public void printsDuringShutdownNeitherHangNorCrash() {
        String out = run(AtShutdown.class, Map.of()).output;
        assertTrue(out, out.contains("chatter 0\n"));
        assertTrue(out, out.contains("exiting\n"));
        assertTrue(out, out.contains("from a shutdown hook\n"));
    }

    /**
     * Nothing Python wrote is lost when the JVM exits: lines a Python thread
     * printed after the last call into Python, and partial lines never
     * flushed (the main thread's and a thread's), reach System.out through
     * the shutdown hook.
     */
    public static final class ExitWithoutFlush {
        public static void main(String[] args) throws Exception {
            Python.initialize();
            CountDownLatch printed = new CountDownLatch(2);
            try (PyObject ns = Python.eval("{}")) {
                ns.setItem("printed", (Runnable) printed::countDown);
                PyNamespace.exec(
                        ns,
                        String.join(
                                "\n",
                                "import sys, threading",
                                "def late():",
                                "    print('late line')",
                                "    printed()",
                                "    sys.stdout.write('thread tail, no newline')",
                                "    printed()",
                                "threading.Thread(target=late, daemon=True).start()"));
            }
            printed.await();
            System.out.println("java's last line");
            Python.exec("import sys\nsys.stdout.write('main tail, no newline|')");
            System.exit(0);
        }
    }

    @Test
    public void nothingIsLostAtExit() {
        String out = run(ExitWithoutFlush.class, Map.of()).output;
        assertTrue(out, out.contains("late line\njava's last line\n"));
        assertTrue(out, out.contains("main tail, no newline|"));
        assertTrue(out, out.contains("thread tail, no newline"));
    }

    /** Many lines printed, then the JVM's main returns: every line arrives, in order. */
    public static final class LargeThenExit {
        public static void main(String[] args) {
            Python.initialize();
            Python.exec("import threading\n"
                    + "def many():\n"
                    + "    for i in range(50000): print('t', i)\n"
                    + "t = threading.Thread(target=many)\n"
                    + "t.start()\n");
            Python.exec("t.join()");
            Python.exec("print('end', end='')");
        }
    }

    @Test
    public void largeOutputFromAThreadArrivesWholeBeforeExit() {
        String out = run(LargeThenExit.class, Map.of()).output;
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50000; i++) {
            expected.append("t ").append(i).append('\n');
        }
        expected.append("end");
        assertTrue(out.length() > 200 ? out.substring(0, 200) : out, out.contains(expected.toString()));
    }

    /** Collects org.pybridge's records through java.util.logging at FINE (System.Logger's DEBUG). */
    public static final class Jul {
        public static void main(String[] args) throws Exception {
            List<String> records = Collections.synchronizedList(new ArrayList<>());
            Logger log = Logger.getLogger("org.pybridge");
            log.setLevel(Level.ALL);
            log.setUseParentHandlers(false);
            log.addHandler(new Handler() {
                @Override
                public void publish(LogRecord r) {
                    records.add(r.getLevel() + " " + r.getMessage() + " [thread " + r.getLongThreadID() + "]");
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            });
            Python.initialize();
            // An exception in __del__ is "unraisable": pybridge logs it at WARN, natively,
            // here on a thread Python started (attached to the JVM for the call).
            Python.exec(String.join(
                    "\n",
                    "import threading",
                    "class Noisy:",
                    "    def __del__(self):",
                    "        raise ValueError('boom in __del__')",
                    "def drop():",
                    "    Noisy()",
                    "t = threading.Thread(target=drop)",
                    "t.start()",
                    "t.join()"));
            for (int i = 0; i < 100 && records.stream().noneMatch(s -> s.contains("release thread")); i++) {
                Thread.sleep(50);
            }
            synchronized (records) {
                for (String r : records) {
                    System.out.println("record: " + r);
                }
            }
            System.out.println("main thread " + Thread.currentThread().getId());
        }
    }

    @Test
    public void logRecordsReachJavaLoggingFromAnyThread() {
        Map<String, String> noLogEnv = new HashMap<>();
        noLogEnv.put("PYBRIDGE_LOG", null);
        noLogEnv.put("RUST_LOG", null);
        String out = run(Jul.class, noLogEnv).output;
        // start-up decisions, at debug (JUL's FINE)
        assertTrue(out, out.matches("(?s).*record: FINE pybridge: Python \\d+\\.\\d+ at .*, chosen by .*"));
        assertTrue(out, out.contains("record: FINE pybridge: loading "));
        assertTrue(out, out.contains("record: FINE pybridge: Python's sys.stdout goes to the current System.out"));
        // native records: from the release thread, and a WARN from a thread Python started
        assertTrue(out, out.contains("record: FINE pybridge: the pybridge-release thread is running"));
        assertTrue(out, out.matches("(?s).*record: WARNING Python exception ignored .*ValueError: boom in __del__.*"));
        // none of them went to stderr instead, and the records of the JNI
        // attachments the forwarding makes are not forwarded
        assertFalse(out, out.contains("[pybridge WARN]"));
        assertFalse(out, out.contains("Attached thread"));
    }

    @Test
    public void pybridgeLogSendsNativeRecordsToStderrInstead() {
        String out = run(Jul.class, Map.of("PYBRIDGE_LOG", "debug")).output;
        // env_logger's format on stderr, not Java's logger
        assertTrue(
                out, out.matches("(?s).*\\[[^\\]]*DEBUG[^\\]]*\\] pybridge: the pybridge-release thread is running.*"));
        assertTrue(out, out.matches("(?s).*\\[[^\\]]*WARN[^\\]]*\\] Python exception ignored.*"));
        assertFalse(out, out.contains("record: FINE pybridge: the pybridge-release thread is running"));
        // Java's own start-up records still go to Java's logger
        assertTrue(out, out.contains("record: FINE pybridge: loading "));
    }
}

package org.pybridge;

import static org.junit.Assert.assertFalse;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.Test;

/**
 * The holes an adversarial run found (issue 28, points 1-6), each scenario
 * in a child JVM: sub-interpreter options before 3.12, a lease from a thread
 * whose name has a lone surrogate, NaN keys, closing a shared sub-interpreter
 * on 3.11 after {@code threading}, the class filter, and {@code asBuffer()}
 * over more than 2 GiB.
 */
public class HardeningE2ETest {

    // ---- 1. fork / exec / threads / daemon threads refused in a shared sub-interpreter ----

    @Test
    public void subInterpreterOptionsOnTheProjectPython() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 300, "options");
        E2E.assertChildOk(r, "RESULT ok hardening-options");
    }

    @Test
    public void subInterpreterOptions310() throws IOException {
        ChildJvm.Result r = InterpretersE2ETest.runBuild(Scenarios.class, "3.10", 300, "options");
        E2E.assertChildOk(r, "RESULT ok hardening-options");
    }

    @Test
    public void subInterpreterOptions39() throws IOException {
        ChildJvm.Result r = InterpretersE2ETest.runBuild(Scenarios.class, "3.9", 300, "options");
        E2E.assertChildOk(r, "RESULT ok hardening-options");
    }

    @Test
    public void subInterpreterOptions312() throws IOException {
        ChildJvm.Result r = InterpretersE2ETest.runBuild(Scenarios.class, "3.12", 300, "options");
        E2E.assertChildOk(r, "RESULT ok hardening-options");
    }

    // ---- 2. a lease on a thread whose name has a lone surrogate ----------------------------

    @Test
    public void leaseOnAThreadWithALoneSurrogateInItsName() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 120, "surrogate-name");
        E2E.assertChildOk(r, "RESULT ok hardening-surrogate-name");
    }

    // ---- 3. NaN keys: an error under strictMapKeys, a warning otherwise ----------------------

    @Test
    public void nanKeysStrict() {
        ChildJvm.Result r = ChildJvm.run(
                Scenarios.class, Map.of(), List.of("-Dpybridge.strictMapKeys=true"), 120, "nan-keys", "strict");
        E2E.assertChildOk(r, "RESULT ok hardening-nan-keys");
    }

    @Test
    public void nanKeysDefault() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 120, "nan-keys", "default");
        E2E.assertChildOk(r, "RESULT ok hardening-nan-keys");
        check(r.output.contains("has only 1 distinct keys in Java"), "a warning is logged: " + r);
    }

    // ---- 4. closing a shared sub-interpreter after main imported threading -----------------

    @Test
    public void closingASharedInterpreterPrintsNothing() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 120, "close-after-threading");
        E2E.assertChildOk(r, "RESULT ok hardening-close-after-threading");
        assertFalse("nothing on stderr: " + r, r.output.contains("Exception ignored"));
        assertFalse("nothing on stderr: " + r, r.output.contains("AssertionError"));
    }

    // ---- 5. the class filter holds whatever crossed before ----------------------------------

    @Test
    public void classFilterHoldsForClassesThatCrossedBefore() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 120, "class-filter");
        E2E.assertChildOk(r, "RESULT ok hardening-class-filter");
    }

    // ---- 6. asBuffer() over more than 2 GiB ----------------------------------------------

    @Test
    public void asBufferOverTwoGibIsAPybridgeError() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 120, "big-buffer");
        E2E.assertChildOk(r, "RESULT ok hardening-big-buffer");
    }

    // ---- the child side --------------------------------------------------------------------

    /** Child scenarios; the first argument names one. */
    public static final class Scenarios {
        public static void main(String[] args) {
            String which = args[0];
            E2E.child("hardening-" + which, args, a -> {
                switch (which) {
                    case "options":
                        Python.initialize();
                        options();
                        break;
                    case "surrogate-name":
                        Python.initialize();
                        surrogateName();
                        break;
                    case "nan-keys":
                        Python.initialize();
                        nanKeys("strict".equals(a[1]));
                        break;
                    case "close-after-threading":
                        Python.initialize();
                        closeAfterThreading();
                        break;
                    case "class-filter":
                        Python.initialize(new PythonConfig().javaClassPackages("java.util"));
                        classFilter();
                        break;
                    case "big-buffer":
                        Python.initialize();
                        bigBuffer();
                        break;
                    default:
                        throw new IllegalArgumentException(which);
                }
            });
        }

        static String refusal(Interpreter sub, String code) {
            return sub.call(() -> {
                PythonException e = expect(PythonException.class, code, () -> Python.exec(code));
                checkEq("RuntimeError", e.pythonType(), "the exception of " + code);
                return e.pythonMessage();
            });
        }

        static void options() throws Exception {
            String v = Python.info().version();
            System.out.println("python " + v);
            // The defaults: threads yes, daemon threads, fork and exec no.
            try (Interpreter sub = Python.newInterpreter(InterpreterConfig.shared())) {
                sub.exec("import os, threading");
                checkEq("fork not supported for isolated subinterpreters", refusal(sub, "os.fork()"), "fork");
                checkEq(
                        "exec not supported for isolated subinterpreters",
                        refusal(sub, "os.execv('/bin/echo', ['echo', 'replaced'])"),
                        "execv");
                checkEq(
                        "exec not supported for isolated subinterpreters",
                        refusal(sub, "os.execl('/bin/echo', 'echo', 'replaced')"),
                        "execl");
                checkEq(
                        "daemon threads are disabled in this (sub)interpreter",
                        refusal(sub, "threading.Thread(target=lambda: None, daemon=True).start()"),
                        "daemon thread");
                sub.exec("t = threading.Thread(target=lambda: None)\nt.start()\nt.join()");
                checkEq(0L, sub.eval("threading.active_count() - 1", Long.class), "an ordinary thread ran and ended");
            }
            try (Interpreter sub =
                    Python.newInterpreter(InterpreterConfig.shared().withThreads(false))) {
                sub.exec("import threading, _thread");
                checkEq(
                        "thread is not supported for isolated subinterpreters",
                        refusal(sub, "threading.Thread(target=lambda: None).start()"),
                        "thread");
                checkEq(
                        "thread is not supported for isolated subinterpreters",
                        refusal(sub, "_thread.start_new_thread(print, ())"),
                        "_thread");
            }
            // Allowed when asked for (daemon threads), and the main interpreter untouched.
            try (Interpreter sub =
                    Python.newInterpreter(InterpreterConfig.shared().withDaemonThreads(true))) {
                sub.exec("import threading\nt = threading.Thread(target=lambda: None, daemon=True)\nt.start()\n"
                        + "t.join()");
            }
            checkEq(
                    "builtin_function_or_method",
                    Python.eval("type(__import__('os').fork).__name__", String.class),
                    "the main interpreter's os.fork is CPython's");
            checkEq(
                    "builtin_function_or_method",
                    Python.eval("type(__import__('_thread').start_new_thread).__name__", String.class),
                    "the main interpreter's _thread is CPython's");
        }

        static void surrogateName() throws Exception {
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread t = new Thread(
                    () -> {
                        try {
                            long v = Python.withGil(() -> Python.eval("6 * 7", Long.class));
                            checkEq(42L, v, "withGil on the thread");
                            try (Gil g = Python.acquireGil()) {
                                checkEq(7L, Python.eval("3 + 4", Long.class), "acquireGil on the thread");
                            }
                        } catch (Throwable e) {
                            failed.set(e);
                        }
                    },
                    "t-\uD800");
            t.start();
            t.join();
            if (failed.get() != null) {
                throw new AssertionError("a lease on thread 't-\\uD800'", failed.get());
            }
            Thread v = new Thread(
                    () -> {
                        try {
                            Python.withGil(() -> Python.eval("1", Long.class));
                        } catch (Throwable e) {
                            failed.set(e);
                        }
                    },
                    "\uDC00\uD800lone");
            v.start();
            v.join();
            if (failed.get() != null) {
                throw new AssertionError("a lease on a thread named by lone surrogates only", failed.get());
            }
        }

        static void nanKeys(boolean strict) {
            String dict = "{float('nan'): 1, float('nan'): 2}";
            String set = "{float('nan'), float('nan')}";
            checkEq(2L, Python.eval("len(" + dict + ")", Long.class), "Python has two keys");
            if (strict) {
                PyBridgeException e = expect(PyBridgeException.class, "a dict of two NaN keys", () -> Python.eval(dict)
                        .toJava());
                check(
                        e.getMessage().contains("float('nan')")
                                && e.getMessage().contains("strictMapKeys"),
                        "the message says why and what to do: " + e.getMessage());
                expect(PyBridgeException.class, "a set of two NaNs", () -> Python.eval(set)
                        .toJava());
                expect(PyBridgeException.class, "nested", () -> Python.eval("[1, " + dict + ", 'x']")
                        .toJava());
                // The same call keeps working, and one NaN key is fine.
                checkEq(1, ((Map<?, ?>) Python.eval("{float('nan'): 1}").toJava()).size(), "one NaN key");
                checkEq(Map.of("a", 1L), Python.eval("{'a': 1}").toJava(), "an ordinary dict after the error");
            } else {
                Map<?, ?> m = (Map<?, ?>) Python.eval(dict).toJava();
                checkEq(1, m.size(), "the last entry kept");
                checkEq(2L, m.get(Double.NaN), "the last entry's value");
                checkEq(1, ((Set<?>) Python.eval(set).toJava()).size(), "a set of one");
            }
        }

        static void closeAfterThreading() throws Exception {
            Python.exec("import threading");
            for (int i = 0; i < 3; i++) {
                Interpreter sub = Python.newInterpreter(InterpreterConfig.shared());
                sub.exec("import threading\nx = threading.current_thread().name");
                // Closed from another Java thread than the one that made it.
                Thread t = new Thread(sub::close, "closer-" + i);
                t.start();
                t.join();
                check(sub.isClosed(), "closed");
            }
            System.err.flush();
        }

        /** A callback that hands Python an object of a class the filter refuses (a proxy, not a value). */
        public static Object makeFile() {
            return new File("/crossed");
        }

        static void classFilter() {
            Python.exec("import pybridge");
            expect(
                    PythonException.class,
                    "import refused before anything crossed",
                    () -> Python.exec("pybridge.jclass('java.io.File')"));
            PyObject f = Python.eval("lambda make: make().getPath()");
            checkEq(
                    "/crossed",
                    f.callAs(String.class, (Supplier<Object>) Scenarios::makeFile),
                    "a File crossed as a proxy");
            PythonException e = expect(
                    PythonException.class,
                    "import refused after an object crossed",
                    () -> Python.exec("pybridge.jclass('java.io.File')"));
            check(e.getMessage().contains("class filter"), "the filter's message: " + e.getMessage());
            expect(PythonException.class, "from-import refused too", () -> Python.exec("from java.io import File"));
            expect(
                    PythonException.class,
                    "import refused after an object crossed",
                    () -> Python.exec("pybridge.jclass('java.io.File')"));
            checkEq(
                    "java.util.ArrayList",
                    Python.eval("pybridge.jclass('java.util.ArrayList').__java_name__", String.class),
                    "an allowed class imports");
        }

        static void bigBuffer() {
            PyObject np = Python.importModule("numpy");
            long n = (1L << 31) + 16;
            // np.zeros is lazily committed: the 2 GiB are address space, not memory.
            PyObject a = np.callAttr("zeros", n, "uint8");
            IllegalArgumentException e = expect(IllegalArgumentException.class, "asBuffer over 2 GiB", a::asBuffer);
            check(
                    e.getMessage().contains(Long.toString(n)) && e.getMessage().contains("slices"),
                    "pybridge's message: " + e.getMessage());
            PyObject part = Python.eval("lambda a: a[: 1 << 20]").call(a);
            checkEq(1 << 20, part.asBuffer().capacity(), "a slice of it is shared");
            a.close();
        }
    }
}

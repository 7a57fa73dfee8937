package org.pybridge;

import static org.junit.Assert.assertTrue;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.Test;

/**
 * Process interpreters ({@link InterpreterConfig#process()}): Python in a child process, the same
 * API; a child that crashes (a segfault through ctypes, {@code os.abort()}, {@code os._exit(3)},
 * {@code kill -9}, the memory limit, the call timeout) leaves the JVM running with a
 * {@link PythonProcessDiedException}. Each scenario in a child JVM of its own.
 */
public class ProcessInterpretersE2ETest {

    @Test
    public void sameApiAsOtherInterpreters() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 180, "api");
        E2E.assertChildOk(r, "RESULT ok process-api");
    }

    @Test
    public void segfaultThroughCtypes() {
        ChildJvm.Result r =
                ChildJvm.run(Scenarios.class, Map.of(), 180, "die", "import ctypes; ctypes.string_at(0)", "11");
        E2E.assertChildOk(r, "RESULT ok process-die");
    }

    @Test
    public void osAbort() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 180, "die", "import os; os.abort()", "6");
        E2E.assertChildOk(r, "RESULT ok process-die");
    }

    @Test
    public void osExit3() {
        ChildJvm.Result r = ChildJvm.run(
                Scenarios.class,
                Map.of(),
                180,
                "die",
                "import sys, os; print('last words', file=sys.stderr, flush=True); os._exit(3)",
                "exit3");
        E2E.assertChildOk(r, "RESULT ok process-die");
    }

    @Test
    public void killMinus9OfTheChild() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 180, "kill9");
        E2E.assertChildOk(r, "RESULT ok process-kill9");
    }

    @Test
    public void oomKillUnderAMemoryLimit() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 180, "oom");
        E2E.assertChildOk(r, "RESULT ok process-oom");
    }

    @Test
    public void aHungChildIsStoppedByTheCallTimeout() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 180, "timeout");
        E2E.assertChildOk(r, "RESULT ok process-timeout");
    }

    @Test
    public void poolRestartsADeadMember() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 180, "pool");
        E2E.assertChildOk(r, "RESULT ok process-pool");
    }

    /** kill -9 of the JVM: its Python children go with it (pipe EOF, parent-death signal). */
    @Test
    public void childrenDoNotOutliveAKilledJvm() throws Exception {
        Path out = Files.createTempFile("pybridge-orphan", ".log");
        Process jvm = ChildJvm.start(Scenarios.class, Map.of(), List.of(), null, List.of(), out, "orphan");
        try {
            long childPid = -1;
            for (int i = 0; i < 600 && childPid < 0; i++) {
                Thread.sleep(100);
                for (String l : Files.readAllLines(out)) {
                    if (l.startsWith("CHILDPID ")) {
                        childPid = Long.parseLong(l.substring(9).trim());
                    }
                }
            }
            assertTrue("the scenario started a process interpreter: " + Files.readString(out), childPid > 0);
            ProcessHandle child = ProcessHandle.of(childPid).orElseThrow();
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            jvm.waitFor(30, TimeUnit.SECONDS);
            long pid = childPid;
            boolean gone = E2E.waitFor(10_000, () -> !child.isAlive());
            assertTrue("the Python child " + pid + " outlived the killed JVM", gone);
        } finally {
            jvm.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    // ---- the child side --------------------------------------------------------------------

    /** Child scenarios; the first argument names one. */
    public static final class Scenarios {
        public static void main(String[] args) {
            String which = args[0];
            E2E.child("process-" + which, args, a -> {
                Python.initialize();
                switch (which) {
                    case "api":
                        api();
                        break;
                    case "die":
                        die(a[1], a[2]);
                        break;
                    case "kill9":
                        kill9();
                        break;
                    case "oom":
                        oom();
                        break;
                    case "timeout":
                        timeout();
                        break;
                    case "pool":
                        pool();
                        break;
                    case "orphan":
                        orphan();
                        break;
                    default:
                        throw new IllegalArgumentException(which);
                }
            });
        }

        static long childPid(Interpreter p) {
            return p.call(() -> Python.eval("__import__('os').getpid()", Long.class));
        }

        static void api() throws Exception {
            long jvm = ProcessHandle.current().pid();
            try (Interpreter p = Python.newInterpreter(InterpreterConfig.process())) {
                check(p.isProcess(), "isProcess");
                long pid = childPid(p);
                check(pid != jvm, "Python runs in another process");
                checkEq(jvm, p.call(() -> Python.eval("__import__('os').getppid()", Long.class)), "its parent");
                p.exec("import json\nx = 41\ndef f(v):\n    return v");
                checkEq(42L, p.eval("x + 1", Long.class), "eval");
                checkEq("{\"a\": 1}", p.eval("json.dumps({'a': 1})", String.class), "json");
                // Values converted the same way, both ways, nested.
                Object back = p.call(() -> Python.mainModule()
                        .getAttr("f")
                        .call(Map.of("k", List.of(1L, 2.5, "three", true)))
                        .toJava());
                checkEq(Map.of("k", List.of(1L, 2.5, "three", true)), back, "a nested value round trip");
                String big = "x".repeat(100_000) + "\u20ac";
                checkEq(
                        big,
                        p.call(() -> Python.mainModule().getAttr("f").callAs(String.class, big)),
                        "a large str (inline, never by address)");
                // Handles: every operation crosses; released in the child exactly once.
                long before = p.call(() -> Python.stats().liveHandles());
                p.run(() -> {
                    PyObject d = Python.eval("{'a': [1, 2, 3]}");
                    PyObject m = Python.importModule("math");
                    try (ResourceScope s = Python.openScope()) {
                        checkEq(3L, d.getItem("a").len(), "getItem/len on a handle");
                        d.setItem("b", 5);
                        checkEq(5L, d.getItem("b", Long.class), "setItem");
                        checkEq("dict", d.typeName(), "typeName");
                        checkEq(3.0, m.callAttrAs(Double.class, "sqrt", 9), "callAttr");
                        checkEq(7L, Python.mainModule().getAttr("f").callLong(7), "callLong");
                    }
                    d.close();
                    d.close();
                    m.close();
                    try (ResourceScope s = Python.openScope()) {
                        for (int i = 0; i < 100; i++) {
                            Python.eval("[" + i + "]");
                        }
                    }
                });
                checkEq(before, p.call(() -> Python.stats().liveHandles()), "handles released by close and scope");
                // The GC path: handles collected by the JVM are released in the child by its worker.
                p.run(() -> {
                    for (int i = 0; i < 2000; i++) {
                        Python.eval("object()");
                    }
                });
                boolean gcDone = E2E.waitFor(30_000, () -> {
                    System.gc();
                    return p.call(() -> Python.stats().liveHandles()) <= before + 10;
                });
                check(
                        gcDone,
                        "GC-collected handles released in the child: live "
                                + p.call(() -> Python.stats().liveHandles()) + ", before " + before);
                // A handle used outside its interpreter is refused, as for sub-interpreters.
                PyObject h = p.eval("[1]");
                expect(WrongInterpreterException.class, "a process handle on another thread", h::len);
                h.close();
                // Python exceptions: PythonException with the traceback.
                PythonException e = expect(
                        PythonException.class,
                        "a Python error",
                        () -> p.exec("def g():\n    raise ValueError('bad ' + str(2))\ng()"));
                checkEq("ValueError", e.pythonType(), "type");
                checkEq("bad 2", e.pythonMessage(), "message");
                check(e.pythonTraceback().contains("in g"), "traceback: " + e.pythonTraceback());
                // submit, and the main interpreter untouched.
                CompletableFuture<Long> fut = p.submit(() -> Python.eval("x * 2", Long.class));
                checkEq(82L, fut.get(), "submit");
                Python.exec("x = 'main'");
                checkEq(41L, p.eval("x", Long.class), "its own namespace");
                // Java callbacks from the child, nested both ways (Java calls the child's Python again).
                p.exec("def twice(g, v):\n    return g(g(v))");
                long cb = p.call(() -> Python.mainModule()
                        .getAttr("twice")
                        .callAs(Long.class, (Function<Long, Long>) v -> v + Python.eval("x", Long.class), 1L));
                checkEq(83L, cb, "a callback calling the child's Python, twice");
                PythonException je = expect(
                        PythonException.class,
                        "a Java exception in a callback",
                        () -> p.call(() -> Python.mainModule()
                                .getAttr("f")
                                .call((Function<Object, Object>) v -> {
                                    throw new IllegalStateException("from Java");
                                })
                                .callAs(Object.class, 1)));
                check(je.getMessage().contains("IllegalStateException"), je.getMessage());
                // What cannot cross is refused with a message.
                IllegalArgumentException ia = expect(
                        IllegalArgumentException.class,
                        "JVM memory",
                        () -> p.call(() -> Python.mainModule().getAttr("f").call(ByteBuffer.allocateDirect(16))));
                check(ia.getMessage().contains("process interpreter"), ia.getMessage());
                checkEq(1L, Python.stats().processInterpreters(), "stats: one process interpreter open");
                checkEq(0L, Python.stats().processDeaths(), "stats: no death");
            }
            checkEq(0L, Python.stats().processInterpreters(), "stats: none open after close");
        }

        static void die(String code, String how) throws Exception {
            Interpreter p = Python.newInterpreter(InterpreterConfig.process());
            p.exec("y = 1");
            CompletableFuture<Object> crash = p.submit(() -> {
                Python.exec(code);
                return null;
            });
            CompletableFuture<Object> pending = p.submit(() -> Python.eval("y"));
            PythonProcessDiedException e = expect(PythonProcessDiedException.class, "the crash", () -> {
                try {
                    crash.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException x) {
                    throw (Exception) x.getCause();
                }
            });
            System.out.println("MESSAGE " + e.getMessage().replace('\n', '|'));
            if (how.equals("exit3")) {
                checkEq(3, e.exitCode(), "exit code");
                checkEq(0, e.signal(), "no signal");
                check(e.getMessage().contains("exit code 3"), e.getMessage());
                check(e.stderrTail().contains("last words"), "stderr tail: " + e.stderrTail());
            } else {
                checkEq(Integer.parseInt(how), e.signal(), "signal");
                check(e.getMessage().contains("signal " + how), e.getMessage());
            }
            // A pending call, and a later one, get the same clear error.
            try {
                pending.get(30, TimeUnit.SECONDS);
                throw new AssertionError("the pending call succeeded");
            } catch (ExecutionException x) {
                check(x.getCause() instanceof PythonProcessDiedException, "pending: " + x.getCause());
            }
            expect(PythonProcessDiedException.class, "a later call", () -> p.eval("1"));
            check(p.isDead(), "isDead");
            checkEq(1L, Python.stats().processDeaths(), "stats: one death");
            p.close();
            // The JVM goes on: its own Python, and a new process interpreter.
            checkEq(2L, Python.eval("1 + 1", Long.class), "the JVM's Python");
            try (Interpreter q = Python.newInterpreter(InterpreterConfig.process())) {
                checkEq(3L, q.eval("1 + 2", Long.class), "a new process interpreter");
            }
        }

        static void kill9() throws Exception {
            Interpreter p = Python.newInterpreter(InterpreterConfig.process());
            long pid = childPid(p);
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
            PythonProcessDiedException e = expect(PythonProcessDiedException.class, "after kill -9", () -> p.eval("1"));
            checkEq(9, e.signal(), "SIGKILL");
            check(e.getMessage().contains("SIGKILL"), e.getMessage());
            p.close();
        }

        static void oom() throws Exception {
            Interpreter p = Python.newInterpreter(InterpreterConfig.process().withMemoryLimit(200L << 20));
            p.exec("blocks = []");
            PythonProcessDiedException e = expect(
                    PythonProcessDiedException.class,
                    "over the memory limit",
                    () -> p.exec("import time\nwhile True:\n    blocks.append(bytearray(16 << 20))\n"
                            + "    time.sleep(0.01)"));
            checkEq(9, e.signal(), "killed");
            check(e.getMessage().contains("memory limit"), e.getMessage());
            p.close();
        }

        static void timeout() throws Exception {
            Interpreter p = Python.newInterpreter(InterpreterConfig.process().withCallTimeout(1500));
            checkEq(1L, p.eval("1", Long.class), "a quick call");
            long t0 = System.nanoTime();
            PythonProcessDiedException e =
                    expect(PythonProcessDiedException.class, "a hung call", () -> p.exec("while True:\n    pass"));
            check(e.getMessage().contains("call timeout"), e.getMessage());
            check(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60), "stopped");
            p.close();
        }

        static void pool() throws Exception {
            try (InterpreterPool pool = InterpreterPool.create(2, InterpreterConfig.process())) {
                List<Long> pids = new ArrayList<>();
                for (Interpreter m : pool.members()) {
                    pids.add(childPid(m));
                }
                try {
                    pool.submitTo(0, () -> {
                                Python.exec("import os; os._exit(5)");
                                return null;
                            })
                            .get();
                    throw new AssertionError("os._exit returned");
                } catch (ExecutionException x) {
                    check(x.getCause() instanceof PythonProcessDiedException, "the member died: " + x.getCause());
                }
                // Every task afterwards runs on live members: the dead one is replaced.
                for (int i = 0; i < 6; i++) {
                    checkEq(
                            4L,
                            pool.submit(() -> Python.eval("2 + 2", Long.class)).get(),
                            "task " + i);
                }
                long newPid = childPid(pool.members().get(0));
                check(!pids.contains(newPid), "member 0 is a new process");
            }
        }

        static void orphan() throws Exception {
            Interpreter p = Python.newInterpreter(InterpreterConfig.process());
            System.out.println("CHILDPID " + childPid(p));
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}

package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.Test;

/**
 * Invariant 1 (no JVM crash from any call sequence), end to end, each
 * scenario in its own child JVM: misuse of handles, scopes and the GIL, a
 * Rust panic, exceptions from deep Python stacks, a million alternating
 * calls, exit with many queued releases, a thread that dies holding the GIL.
 */
public class CrashSafetyE2ETest {

    // ---- 1. misuse -----------------------------------------------------------------------

    @Test
    public void misuseGivesJavaExceptionsNeverACrash() {
        ChildJvm.Result r = ChildJvm.run(Misuse.class, Map.of(), 120);
        E2E.assertChildOk(r, "RESULT ok misuse");
        assertEquals("debugPanic message: " + r, "true", E2E.line(r, "RESULT panic-contains-boom="));
    }

    /** Child: every kind of misuse, in one JVM; each must be a Java exception. */
    public static final class Misuse {
        public static void main(String[] args) {
            E2E.child("misuse", args, a -> {
                Python.initialize();

                // use after close, close twice
                PyObject list = Python.eval("[1, 2, 3]");
                checkEq(3L, list.len(), "len of a live list");
                list.close();
                check(list.isReleased(), "closed handle reports released");
                PyObjectReleasedException e1 = expect(PyObjectReleasedException.class, "len after close", list::len);
                checkEq("list", e1.pythonType(), "released exception names the Python type");
                expect(PyObjectReleasedException.class, "callAttr after close", () -> list.callAttr("append", 4));
                expect(PyObjectReleasedException.class, "getItem after close", () -> list.getItem(0));
                expect(PyObjectReleasedException.class, "toJava after close", list::toJava);
                expect(PyObjectReleasedException.class, "repr after close", list::repr);
                expect(PyObjectReleasedException.class, "iterate after close", () -> list.iterator()
                        .hasNext());
                check(list.toString().contains("released"), "toString of a released handle: " + list);
                list.close(); // second close: a no-op
                list.close();

                // a released handle passed as an argument
                PyObject len = Python.builtins().getAttr("len");
                expect(
                        PyObjectReleasedException.class,
                        "released handle as an argument",
                        () -> len.callAs(Long.class, list));
                PyObject other = Python.eval("object()");
                expect(PyObjectReleasedException.class, "isSame with a released handle", () -> other.isSame(list));

                // handle used after its scope closed
                PyObject scoped;
                ResourceScope scope = Python.openScope();
                try {
                    scoped = Python.eval("{'a': 1}");
                    checkEq(1L, scoped.getItem("a", Long.class), "item inside the scope");
                } finally {
                    scope.close();
                }
                scope.close(); // closing a scope twice: no-op
                check(scoped.isReleased(), "scope close released its handle");
                PyObjectReleasedException e2 =
                        expect(PyObjectReleasedException.class, "getItem after scope close", () -> scoped.getItem("a"));
                checkEq("dict", e2.pythonType(), "scope-released exception names the Python type");
                scoped.close(); // close after the scope released it: no-op

                // GIL lease closed twice
                Gil g = Python.acquireGil();
                checkEq(2L, Python.eval("1 + 1", Long.class), "call while holding the GIL");
                g.close();
                g.close();

                // a Rust panic at the boundary
                long liveBefore = Python.stats().liveHandles();
                PyBridgeException p = expect(PyBridgeException.class, "debugPanic", () -> Python.debugPanic("boom"));
                check(!(p instanceof PythonException), "a panic is not a PythonException: " + p);
                System.out.println("RESULT panic-contains-boom="
                        + (p.getMessage() != null && p.getMessage().contains("boom")));
                System.out.println("INFO panic message: " + E2E.oneLine(p.getMessage()));
                checkEq(4L, Python.eval("2 + 2", Long.class), "a call after the panic");
                checkEq(liveBefore, Python.stats().liveHandles(), "the panic leaked no handle");
                expect(PyBridgeException.class, "second debugPanic", () -> Python.debugPanic("boom again"));
                long inGil = Python.withGil(() -> {
                    expect(
                            PyBridgeException.class,
                            "debugPanic while holding the GIL",
                            () -> Python.debugPanic("boom in withGil"));
                    return Python.eval("5 + 5", Long.class);
                });
                checkEq(10L, inGil, "a call after a panic inside withGil");
                checkEq(0, Gil.depth(), "GIL depth after withGil");
                try (PyObject np = Python.importModule("numpy")) {
                    checkEq(
                            6L,
                            np.callAttr("arange", 4).callAttr("sum").callAttrAs(Long.class, "item"),
                            "numpy after panics");
                }

                // a brand-new thread that never touched Python, using a handle made elsewhere
                PyObject shared = Python.eval("list(range(10))");
                AtomicReference<Object> fromThread = new AtomicReference<>();
                Thread t = new Thread(
                        () -> {
                            try {
                                long s = Python.eval("sum(range(10))", Long.class);
                                long n = shared.len();
                                long m = shared.callAttr("__len__").toJava(Long.class);
                                fromThread.set(s + n + m);
                            } catch (Throwable x) {
                                fromThread.set(x);
                            }
                        },
                        "fresh-thread");
                t.start();
                t.join(30_000);
                check(!t.isAlive(), "fresh thread finished");
                checkEq(65L, fromThread.get(), "fresh thread results");
                // and one that only misuses: released handle on a new thread
                AtomicReference<Throwable> misuse = new AtomicReference<>();
                Thread t2 = new Thread(() -> {
                    try {
                        list.len();
                    } catch (Throwable x) {
                        misuse.set(x);
                    }
                });
                t2.start();
                t2.join(30_000);
                check(
                        misuse.get() instanceof PyObjectReleasedException,
                        "released handle on a fresh thread: " + misuse.get());

                // a Python exception deep inside nested calls
                Python.exec("def rec(n):\n"
                        + "    if n == 0:\n"
                        + "        raise ValueError('deep failure at the bottom')\n"
                        + "    return rec(n - 1) + 1\n");
                PythonException pe =
                        expect(PythonException.class, "exception 300 frames down", () -> Python.eval("rec(300)"));
                checkEq("ValueError", pe.pythonType(), "deep exception type");
                checkEq("deep failure at the bottom", pe.pythonMessage(), "deep exception message");
                check(pe.pythonTraceback().contains("rec"), "traceback names rec: " + pe.pythonTraceback());
                check(
                        pe.pythonFrames().size() >= 300,
                        "frames: " + pe.pythonFrames().size());
                PyObject rec = Python.mainModule().getAttr("rec");
                PythonException pe2 = expect(
                        PythonException.class, "deep exception through callAs", () -> rec.callAs(Long.class, 200));
                checkEq("ValueError", pe2.pythonType(), "callAs deep exception type");
                PythonException re =
                        expect(PythonException.class, "unbounded recursion", () -> rec.callAs(Long.class, 1_000_000));
                checkEq("RecursionError", re.pythonType(), "unbounded recursion type");
                expect(PythonException.class, "SystemExit does not exit", () -> Python.exec("raise SystemExit(3)"));
                checkEq(9L, Python.eval("3 * 3", Long.class), "call after the exceptions");

                // bookkeeping is consistent after all that
                len.close();
                other.close();
                shared.close();
                rec.close();
                Stats s = Python.stats();
                System.out.println("INFO stats " + s);
                checkEq(
                        s.created(),
                        s.releasedByClose() + s.releasedByScope() + s.releasedByGc() + s.liveHandles(),
                        "created == released + live");
                checkEq(0, s.openScopes(), "open scopes");
            });
        }
    }

    // ---- 6. alternating calls ------------------------------------------------------------

    @Test
    public void millionAlternatingCallsToTwoFunctions() {
        ChildJvm.Result r = ChildJvm.run(Alternating.class, Map.of(), 240, "1000000");
        E2E.assertChildOk(r, "RESULT ok alternating");
        Map<String, String> f = E2E.fields(r, "RESULT sums ");
        long n = 1_000_000;
        long expectF = 0;
        long expectG = 0;
        for (long i = 0; i < n; i++) {
            if (i % 2 == 0) {
                expectF += i + 1;
            } else {
                expectG += 2 * i;
            }
        }
        assertEquals(r.toString(), Long.toString(expectF), f.get("f"));
        assertEquals(r.toString(), Long.toString(expectG), f.get("g"));
        assertEquals(r.toString(), Long.toString(n), f.get("calls"));
    }

    /** Child: f, g, f, g, ... with callAs, then the same through callAttr and handles. */
    public static final class Alternating {
        public static void main(String[] args) {
            E2E.child("alternating", args, a -> {
                long n = Long.parseLong(a[0]);
                Python.exec("def f(x):\n    return x + 1\n\ndef g(x):\n    return x * 2\n");
                PyObject f = Python.mainModule().getAttr("f");
                PyObject g = Python.mainModule().getAttr("g");
                long sumF = 0;
                long sumG = 0;
                long calls = 0;
                long t0 = System.nanoTime();
                for (long i = 0; i < n; i++) {
                    if (i % 2 == 0) {
                        sumF += f.callAs(Long.class, i);
                    } else {
                        sumG += g.callAs(Long.class, i);
                    }
                    calls++;
                }
                long ns = System.nanoTime() - t0;
                System.out.println("RESULT sums f=" + sumF + " g=" + sumG + " calls=" + calls);
                System.out.println("INFO " + (ns / Math.max(1, n)) + " ns per call");
                // the same pattern through handles in a scope, fewer rounds
                Stats before = Python.stats();
                long s2 = 0;
                try (ResourceScope s = Python.openScope()) {
                    for (int i = 0; i < 20_000; i++) {
                        PyObject r = (i % 2 == 0 ? f : g).call(i);
                        s2 += r.toJava(Long.class);
                    }
                }
                long e2 = 0;
                for (int i = 0; i < 20_000; i++) {
                    e2 += i % 2 == 0 ? i + 1 : 2L * i;
                }
                checkEq(e2, s2, "handle-path sum");
                // The reclaimer may release older handles meanwhile (the JVM collected their
                // wrappers): those leave by the GC path, the loop's by the scope.
                Stats after = Python.stats();
                long byGc = after.releasedByGc() - before.releasedByGc();
                long byClose = after.releasedByClose() - before.releasedByClose();
                checkEq(20_000L, after.releasedByScope() - before.releasedByScope(), "the scope released each result");
                checkEq(
                        before.liveHandles() - byGc - byClose,
                        after.liveHandles(),
                        "scope released the handle-path results (meanwhile released by the GC: " + byGc + ")");
            });
        }
    }

    // ---- 7. exit with queued releases -----------------------------------------------------

    @Test
    public void jvmExitWithManyUnreleasedHandlesDoesNotHang() {
        ChildJvm.Result r = ChildJvm.run(ExitWithQueue.class, Map.of(), 90, "200000", "plain");
        E2E.assertChildOk(r, "RESULT exiting");
        assertTrue(
                "the shutdown hook ran (the JVM really exited through System.exit): " + r,
                r.output.contains("RESULT hook ran"));
    }

    @Test
    public void jvmExitWithReleasesStillQueuedDoesNotHang() {
        // CALLER_THREADS: nothing drains the queue until a thread calls in, so
        // the releases are certainly still queued when System.exit runs.
        ChildJvm.Result r = ChildJvm.run(ExitWithQueue.class, Map.of(), 90, "200000", "caller-threads");
        E2E.assertChildOk(r, "RESULT exiting");
        assertTrue("the shutdown hook ran: " + r, r.output.contains("RESULT hook ran"));
        long queued = Long.parseLong(E2E.fields(r, "RESULT exiting ").get("queued"));
        assertTrue("releases were queued at exit: " + r, queued >= 100_000);
    }

    @Test
    public void jvmExitWhileAThreadRunsPythonAndTheDrainIsBusy() {
        ChildJvm.Result r = ChildJvm.run(ExitWithQueue.class, Map.of(), 90, "200000", "busy");
        E2E.assertChildOk(r, "RESULT exiting");
        assertTrue("the shutdown hook ran: " + r, r.output.contains("RESULT hook ran"));
    }

    /**
     * Child: makes many handles, drops them, System.gc(), System.exit(0).
     * args: handle count; mode {@code plain} (exit at once), {@code caller-threads}
     * (that release policy; exit once the releases are queued), {@code busy}
     * (a non-daemon thread spins in Python while the drain works; exit at once
     * after the GC).
     */
    public static final class ExitWithQueue {
        public static void main(String[] args) {
            int n = Integer.parseInt(args[0]);
            String mode = args[1];
            try {
                PythonConfig cfg = new PythonConfig().gcNudgeThreshold(0);
                if (mode.equals("caller-threads")) {
                    cfg.releasePolicy(PythonConfig.ReleasePolicy.CALLER_THREADS);
                }
                Python.initialize(cfg);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    System.out.println("RESULT hook ran");
                    System.out.flush();
                }));
                PyObject range = Python.eval("list(range(" + n + "))");
                List<PyObject> held = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    held.add(range.getItem(i));
                }
                Stats s = Python.stats();
                System.out.println("INFO made " + held.size() + " handles; " + s);
                check(s.liveHandles() >= n, "live handles " + s.liveHandles());
                held = null;
                range = null;
                if (mode.equals("busy")) {
                    // Started only now: a thread spinning in pure Python lets
                    // others have the GIL once per switch interval (5 ms), which
                    // would make the 200k calls above take minutes.
                    Thread spin = new Thread(
                            () -> {
                                try {
                                    Python.exec("while True: pass");
                                } catch (Throwable t) {
                                    System.out.println("INFO spinner ended: " + t);
                                }
                            },
                            "python-spinner");
                    spin.start();
                }
                System.gc();
                if (mode.equals("caller-threads")) {
                    E2E.waitFor(20_000, () -> Python.stats().queuedReleases() >= n / 2);
                }
                System.out.println("RESULT exiting queued=" + Python.stats().queuedReleases());
                System.out.flush();
            } catch (Throwable t) {
                System.out.println("FAIL exit-with-queue: " + t);
                t.printStackTrace(System.out);
                System.exit(1);
            }
            System.exit(0);
        }
    }

    // ---- 8. a thread ends holding the GIL -------------------------------------------------

    @Test
    public void threadThatDiesHoldingTheGilDoesNotBlockOthers() {
        ChildJvm.Result r = ChildJvm.run(AbandonedGil.class, Map.of(), 90);
        E2E.assertChildOk(r, "RESULT ok abandoned-gil");
        assertNotNull(r.toString(), E2E.line(r, "RESULT gilAbandoned="));
        assertEquals(r.toString(), "1", E2E.line(r, "RESULT gilAbandoned="));
    }

    /** Child: one thread acquires the GIL (twice, nested) and ends; others must go on. */
    public static final class AbandonedGil {
        public static void main(String[] args) {
            E2E.child("abandoned-gil", args, a -> {
                Python.initialize();
                checkEq(0L, Python.stats().gilAbandoned(), "gilAbandoned at start");
                AtomicReference<Object> inside = new AtomicReference<>();
                Thread t = new Thread(
                        () -> {
                            try {
                                Python.acquireGil();
                                Python.acquireGil(); // nested, also never closed
                                inside.set(Python.eval("'held'", String.class));
                            } catch (Throwable x) {
                                inside.set(x);
                            }
                        },
                        "abandons-gil");
                t.start();
                t.join(20_000);
                check(!t.isAlive(), "the abandoning thread ended");
                checkEq("held", inside.get(), "call made while holding the GIL");

                ExecutorService ex = Executors.newSingleThreadExecutor();
                try {
                    Future<Long> other = ex.submit(() -> Python.eval("40 + 2", Long.class));
                    checkEq(42L, other.get(20, TimeUnit.SECONDS), "another thread calls after the abandon");
                } finally {
                    ex.shutdownNow();
                }
                Future<Long> mine = Executors.newSingleThreadExecutor(r -> {
                            Thread d = new Thread(r);
                            d.setDaemon(true);
                            return d;
                        })
                        .submit(() -> Python.withGil(() -> Python.eval("6 * 7", Long.class)));
                checkEq(42L, mine.get(20, TimeUnit.SECONDS), "withGil on a third thread");
                checkEq(3L, Python.eval("1 + 2", Long.class), "main thread calls after the abandon");
                Stats s = Python.stats();
                System.out.println("INFO " + s);
                System.out.println("RESULT gilAbandoned=" + s.gilAbandoned());
            });
        }
    }

    // ---- 9. Python and Java calling each other until the stack runs out -------------------

    @Test
    public void nestedCallsThatExhaustTheStackGiveAnExceptionNotACrash() {
        ChildJvm.Result r = ChildJvm.run(DeepNesting.class, Map.of(), 120);
        E2E.assertChildOk(r, "RESULT ok deep-nesting");
        assertEquals(r.toString(), "3", E2E.line(r, "RESULT overflowed="));
    }

    /**
     * Child: f(n) = 1 + down(f, n - 1), Java and Python calling each other,
     * on threads with 256 KiB, default and 4 MiB stacks. Shallow nesting
     * completes; nesting past what the stack holds must end in a
     * PythonException naming StackOverflowError (Python's RecursionError),
     * on every thread, and the JVM must go on working. (jni-rs 0.22's error
     * path once turned that StackOverflowError into a native stack overflow
     * that killed the process.)
     */
    public static final class DeepNesting {
        public static void main(String[] args) {
            E2E.child("deep-nesting", args, a -> {
                Python.initialize();
                Python.exec("import sys\nsys.setrecursionlimit(100000)\ndef _down(f, n): return f(n)");
                PyObject down = Python.eval("_down");
                @SuppressWarnings("unchecked")
                Function<Object, Object>[] self = new Function[1];
                self[0] = n -> {
                    long k = (Long) n;
                    return k == 0 ? 0L : 1 + down.callAs(Long.class, self[0], k - 1);
                };
                int overflowed = 0;
                for (long stack : new long[] {256 << 10, 0, 4 << 20}) {
                    AtomicReference<Object> out = new AtomicReference<>();
                    Thread t = new Thread(
                            null,
                            () -> {
                                try {
                                    out.set(down.callAs(Long.class, self[0], 20L));
                                    out.set(List.of(out.get(), down.callAs(Long.class, self[0], 20_000L)));
                                } catch (Throwable x) {
                                    out.set(x);
                                }
                            },
                            "nesting-" + stack,
                            stack);
                    t.start();
                    t.join(60_000);
                    check(!t.isAlive(), "the nesting thread ended (stack " + stack + ")");
                    Object o = out.get();
                    check(o instanceof PythonException, "nesting 20,000 deep must fail, got " + o);
                    Throwable c = (Throwable) o;
                    for (int i = 0; i < 100_000 && c.getCause() != null; i++) {
                        c = c.getCause();
                    }
                    String innermost = String.valueOf(c);
                    // Which limit comes first on the larger stacks depends on how big the JIT
                    // has made the Java frames so far, and on the version: CPython 3.12 bounds
                    // C recursion itself (Py_C_RECURSION_LIMIT, whatever sys.setrecursionlimit
                    // says). Either way the innermost error is the overflow itself, by its
                    // kind: Java's StackOverflowError or Python's RecursionError, not a
                    // RuntimeError that only quotes one (what came back when the exception
                    // could not be rebuilt at the recursion limit).
                    boolean pythonLimit =
                            c instanceof PythonException && "RecursionError".equals(((PythonException) c).pythonType());
                    check(
                            innermost.contains("StackOverflowError") || pythonLimit,
                            "the innermost error names the overflow (stack " + stack + "): "
                                    + innermost.substring(0, Math.min(300, innermost.length())));
                    overflowed++;
                }
                // Python's recursion limit first, on purpose: a low limit on a large stack.
                // The RecursionError crosses hundreds of levels at that limit, where no
                // Python code can run to rebuild an exception, and arrives as itself.
                Python.exec("sys.setrecursionlimit(1000)");
                AtomicReference<Object> low = new AtomicReference<>();
                Thread t = new Thread(
                        null,
                        () -> {
                            try {
                                low.set(down.callAs(Long.class, self[0], 20_000L));
                            } catch (Throwable x) {
                                low.set(x);
                            }
                        },
                        "nesting-python-limit",
                        64L << 20);
                t.start();
                t.join(60_000);
                check(low.get() instanceof PythonException, "nesting past Python's limit fails, got " + low.get());
                Throwable c = (Throwable) low.get();
                int crossings = 0;
                while (c.getCause() != null && crossings < 100_000) {
                    c = c.getCause();
                    crossings++;
                }
                check(crossings > 100, "the error crossed many levels: " + crossings);
                check(
                        c instanceof PythonException && "RecursionError".equals(((PythonException) c).pythonType()),
                        "the innermost error is Python's RecursionError: " + c);
                check(
                        ((PythonException) c).pythonMessage().contains("maximum recursion depth"),
                        "with its message: " + ((PythonException) c).pythonMessage());
                Python.exec("sys.setrecursionlimit(100000)");
                checkEq(20L, down.callAs(Long.class, self[0], 20L), "nesting still works afterwards");
                checkEq(3L, Python.eval("1 + 2", Long.class), "the JVM still calls Python");
                System.out.println("RESULT overflowed=" + overflowed);
            });
        }
    }
}

package org.pybridge;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A Python interpreter: the main one ({@link #main()}, what {@link Python}'s
 * static methods use) or a sub-interpreter made by
 * {@link Python#newInterpreter(InterpreterConfig)}, with its own modules,
 * {@code sys.path} and, when {@linkplain InterpreterConfig#isolated()
 * isolated} (Python 3.12+), its own GIL: isolated interpreters run Python in
 * parallel, one core each.
 *
 * <pre>{@code
 * try (Interpreter sub = Python.newInterpreter(InterpreterConfig.isolated())) {
 *     sub.exec("def f(n):\n    return sum(i * i for i in range(n))");
 *     long r = sub.call(() -> Python.mainModule().getAttr("f").callAs(Long.class, 1000));
 *     CompletableFuture<Long> later = sub.submit(() -> Python.eval("f(10)", Long.class));
 * }
 * }</pre>
 *
 * <p><b>One thread per sub-interpreter.</b> A sub-interpreter lives on a
 * thread of its own ({@code pybridge-interpreter-<name>}), which holds its
 * only Python thread state from creation to {@link #close()}. Work reaches
 * it as tasks: {@link #call}, {@link #submit}, and the shortcuts
 * {@link #exec}, {@link #eval}, {@link #importModule}, {@link #toPython}
 * (from any thread; a task submitted from inside a task runs at once).
 * Inside a task, every pybridge call runs in this interpreter: {@code
 * Python.eval(...)}, {@code PyObject} methods, scopes ({@link #openScope}).
 *
 * <p><b>Objects never cross.</b> Every {@link PyObject} belongs to the
 * interpreter that made it; using it on another interpreter's thread (or a
 * sub-interpreter's object outside its tasks) throws
 * {@link WrongInterpreterException} naming both, never touching the
 * object. Values cross as Java values (convert inside the task), or by an
 * explicit copy ({@link #copyOf(PyObject)}: pickled, or a buffer's bytes).
 * The main interpreter is reached from a sub-interpreter's task through
 * {@code Interpreter.main().call(...)}, which runs on a thread of the main
 * interpreter and returns when it is done (convert the result there).
 *
 * <p><b>Lifetimes.</b> An object is released once: by {@code close()}, a
 * scope, or the garbage collector, always on its interpreter's thread (a
 * {@code close()} from another thread is queued to it). Closing the
 * interpreter releases every object it still has (later use throws
 * {@link PyObjectReleasedException} naming it), is refused while Python
 * threads it started still run, waits for the tasks queued before it, and
 * ends it with {@code Py_EndInterpreter} on its own thread.
 */
public final class Interpreter implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final Interpreter MAIN = new Interpreter();
    /** Threads of the main interpreter for {@code main().call(...)} from a sub-interpreter's task. */
    private static final ExecutorService MAIN_CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pybridge-main-call");
        t.setDaemon(true);
        return t;
    });

    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;

    private final String name;
    private final boolean ownGil;
    private final Worker worker;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private volatile int state;
    private CompletableFuture<Void> closing;
    private int index;
    private long pythonId;
    /** A process interpreter's child and pipes (set on its worker before any task); null in-process. */
    volatile ProcessChannel channel;
    /** pybridge's Python helpers in this interpreter ({@link Support#fn}); released with it. */
    final Support support = new Support();

    /** The thread of a sub-interpreter. */
    static final class Worker extends Thread {
        final Interpreter interp;

        Worker(Interpreter interp, String name) {
            super(name);
            this.interp = interp;
            setDaemon(true);
        }

        @Override
        public void run() {
            interp.loop();
        }
    }

    private static final Runnable END = () -> {};

    private Interpreter() {
        this.name = "main";
        this.ownGil = false;
        this.worker = null;
    }

    /** A new interpreter whose worker is not started yet (process interpreters: see ProcessInterpreters). */
    static Interpreter unstarted(String name) {
        return new Interpreter(name, false);
    }

    /** Queues {@code r} as the worker's first task and starts the worker. */
    void startWorker(Runnable first) {
        tasks.add(first);
        worker.start();
    }

    /** The worker thread (null for the main interpreter). */
    Thread worker() {
        return worker;
    }

    /** Marks an interpreter whose start failed (the worker then ends). */
    void failedToStart() {
        state = CLOSED;
    }

    /**
     * Whether this is a process interpreter ({@link InterpreterConfig#process()}).
     *
     * @return whether its Python runs in a child process
     */
    public boolean isProcess() {
        return channel != null;
    }

    /**
     * Whether this is a process interpreter whose process died (its calls throw
     * {@link PythonProcessDiedException}; close it and start a new one).
     *
     * @return whether its child process died
     */
    public boolean isDead() {
        ProcessChannel c = channel;
        return c != null && c.isDead();
    }

    private Interpreter(String name, boolean ownGil) {
        this.name = name;
        this.ownGil = ownGil;
        this.worker = new Worker(this, "pybridge-interpreter-" + name);
    }

    /**
     * The main interpreter (the one {@link Python}'s static methods use outside sub-interpreter tasks).
     *
     * @return the main interpreter
     */
    public static Interpreter main() {
        return MAIN;
    }

    /**
     * The interpreter this thread runs: a sub-interpreter's on its thread, else the main one.
     *
     * @return the interpreter of the current thread
     */
    public static Interpreter current() {
        Thread t = Thread.currentThread();
        return t instanceof Worker ? ((Worker) t).interp : MAIN;
    }

    /** The sub-interpreter this thread belongs to, or null (main). What a new {@code PyObject} records. */
    static Interpreter ownerForNewObject() {
        Thread t = Thread.currentThread();
        return t instanceof Worker ? ((Worker) t).interp : null;
    }

    static Interpreter start(InterpreterConfig cfg, String pythonVersion) {
        if (cfg.process != null) {
            return ProcessInterpreters.start(cfg, pythonVersion);
        }
        boolean isolatedOk = atLeast312(pythonVersion);
        boolean own = cfg.ownGil != null ? cfg.ownGil : isolatedOk;
        if (own && !isolatedOk) {
            throw new PyBridgeException("an isolated interpreter with its own GIL needs Python 3.12 or later (PEP"
                    + " 684); this is Python " + pythonVersion + ". Use InterpreterConfig.shared() (its own modules"
                    + " and sys.path, sharing the main GIL), or a Python 3.12+ build of pybridge.");
        }
        String n = cfg.name != null ? cfg.name : "interpreter-" + SEQ.incrementAndGet();
        Interpreter in = new Interpreter(n, own);
        CompletableFuture<Void> started = new CompletableFuture<>();
        in.tasks.add(() -> in.begin(cfg, started));
        in.worker.start();
        try {
            started.join();
        } catch (CompletionException e) {
            throw rethrow(e.getCause());
        }
        return in;
    }

    private static boolean atLeast312(String v) {
        String[] p = v.split("\\.");
        try {
            int major = Integer.parseInt(p[0]);
            int minor = p.length > 1 ? Integer.parseInt(p[1]) : 0;
            return major > 3 || (major == 3 && minor >= 12);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** First task of the worker: make the interpreter, run the start-up code. */
    private void begin(InterpreterConfig cfg, CompletableFuture<Void> started) {
        try {
            long[] r = Ops.interpNew(ownGil, cfg);
            index = (int) r[0];
            pythonId = r[1];
        } catch (Throwable e) {
            state = CLOSED;
            started.completeExceptionally(e);
            return;
        }
        try {
            // The packages jars' trees, as in the main interpreter (PackagesJars).
            PackagesJars.addToPath(PackagesJars.extracted());
            for (String code : cfg.startupCode) {
                Ops.exec(code, null);
            }
        } catch (Throwable e) {
            try {
                Ops.interpEnd();
            } catch (Throwable ignored) {
                // the start-up error is the one to report
            }
            state = CLOSED;
            started.completeExceptionally(e);
            return;
        }
        started.complete(null);
    }

    /**
     * How long each side of a hand-off to a sub-interpreter's thread polls
     * before it parks, in nanoseconds: the caller of {@link #call} for the
     * result, the interpreter's thread (after a task) for the next task.
     * Two park/unpark pairs cost ~15 µs a call; a short poll saves them when
     * the other side answers within it, and parks as before when it does not,
     * so an idle interpreter's thread takes no CPU. Set with
     * {@code -Dpybridge.handoffSpinMicros=N}; 0, the default, parks at once:
     * on a loaded machine the poll measured slower (see
     * docs/decisions/where-the-time-goes.md), so it is for machines with a
     * core to spare.
     */
    static final long HANDOFF_SPIN_NANOS = Math.max(0, Long.getLong("pybridge.handoffSpinMicros", 0)) * 1000L;

    /**
     * Adaptive: after this many polls in a row that ended in a park anyway (the
     * other side was not running: a loaded machine), a side parks at once, and
     * polls again only every {@link #SPIN_PROBE}-th hand-off, so polling never
     * costs more than it saves. Measured under load, polling every time made a
     * call 8x slower (docs/decisions/where-the-time-goes.md).
     */
    private static final int SPIN_MISSES = 4;

    private static final int SPIN_PROBE = 64;

    /** The worker's polls that found nothing, in a row (the worker's thread only). */
    private int workerMisses;

    private int workerProbe;

    /** Callers' polls that ended in a park, in a row (any caller thread; races only blur it). */
    private volatile int callerMisses;

    private volatile int callerProbe;

    /** The next task if one arrives within {@link #HANDOFF_SPIN_NANOS}, else null. */
    private Runnable pollSpinning() {
        if (HANDOFF_SPIN_NANOS == 0) {
            return null;
        }
        if (workerMisses >= SPIN_MISSES && (++workerProbe & (SPIN_PROBE - 1)) != 0) {
            return null;
        }
        Runnable found = pollFor(HANDOFF_SPIN_NANOS);
        workerMisses = found != null ? 0 : Math.min(workerMisses + 1, SPIN_MISSES);
        return found;
    }

    private Runnable pollFor(long nanos) {
        long end = System.nanoTime() + nanos;
        do {
            Runnable r = tasks.poll();
            if (r != null) {
                return r;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - end < 0);
        return null;
    }

    /** Polls {@code f} for {@link #HANDOFF_SPIN_NANOS} (the caller's half of the hand-off), then returns. */
    private void spinUntilDone(CompletableFuture<?> f) {
        if (HANDOFF_SPIN_NANOS == 0 || f.isDone()) {
            return;
        }
        int misses = callerMisses;
        if (misses >= SPIN_MISSES && (callerProbe++ & (SPIN_PROBE - 1)) != 0) {
            return;
        }
        long end = System.nanoTime() + HANDOFF_SPIN_NANOS;
        do {
            Thread.onSpinWait();
            if (f.isDone()) {
                callerMisses = 0;
                return;
            }
        } while (System.nanoTime() - end < 0);
        callerMisses = Math.min(misses + 1, SPIN_MISSES);
    }

    private void loop() {
        boolean ran = false;
        while (true) {
            // Right after a task, the next one often follows within microseconds
            // (a caller in a loop): poll for it before parking.
            Runnable r = ran ? pollSpinning() : null;
            ran = false;
            if (r == null) {
                try {
                    r = tasks.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    continue; // the worker ends only by close()
                }
            }
            if (state == CLOSED) {
                return; // failed to start
            }
            if (r == null) {
                // Idle: release what the JVM collected meanwhile (it is queued for this thread).
                try {
                    if (channel != null) {
                        channel.drain();
                        continue;
                    }
                    Ops.longOp(Contract.Op.DRAIN);
                } catch (RuntimeException e) {
                    // nothing to report: the next call reports a broken interpreter
                }
                continue;
            }
            if (r == END) {
                CompletableFuture<Void> c;
                synchronized (lock) {
                    c = closing;
                }
                try {
                    if (channel != null) {
                        channel.close();
                    } else {
                        Ops.interpEnd();
                    }
                } catch (Throwable e) {
                    synchronized (lock) {
                        state = OPEN;
                        closing = null;
                    }
                    c.completeExceptionally(e);
                    continue;
                }
                state = CLOSED;
                c.complete(null);
                failQueued();
                return;
            }
            r.run();
            ran = true;
        }
    }

    /** Tasks that were queued behind a close that succeeded (submitted during the close) fail. */
    private void failQueued() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run(); // each task checks state and fails itself
        }
    }

    // ---- running code ----------------------------------------------------------------

    /**
     * Runs {@code body} in this interpreter and returns its result: on this
     * interpreter's thread (at once when already there), waiting for it.
     * Exceptions of {@code body} are rethrown (checked ones wrapped in
     * {@link PyBridgeException}).
     *
     * @param <T> the type of the result
     * @param body the code to run
     * @return what {@code body} returned
     * @throws IllegalStateException if the call would wait for ever: this
     *     interpreter's thread is itself waiting, through {@code call}, for
     *     the calling thread (A's task calls B, whose task calls A)
     */
    public <T> T call(Callable<T> body) {
        Thread me = Thread.currentThread();
        if (worker == null) {
            if (!(me instanceof Worker)) {
                return callHere(body);
            }
            // A sub-interpreter's task calls the main interpreter: on a thread of the main one.
            try {
                return MAIN_CALLS
                        .submit(() -> {
                            waitFor(me, Thread.currentThread());
                            return body.call();
                        })
                        .get();
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PyBridgeException("interrupted while waiting for the main interpreter", e);
            } finally {
                doneWaiting(me);
            }
        }
        if (me == worker) {
            return callHere(body);
        }
        waitFor(me, worker);
        try {
            CompletableFuture<T> f = submit(body);
            spinUntilDone(f);
            return f.join();
        } catch (CompletionException e) {
            throw rethrow(e.getCause());
        } finally {
            doneWaiting(me);
        }
    }

    /**
     * Threads blocked in {@link #call}, and the thread each waits for (the
     * target interpreter's, or the main-interpreter thread running its
     * call). Guarded by itself.
     */
    private static final Map<Thread, Thread> WAITS = new HashMap<>();

    /**
     * Records that {@code waiter} waits for {@code runner}, refusing a wait
     * that closes a cycle (each thread of it waiting for the next, for ever):
     * interpreter A's task calling B whose task calls A, say.
     */
    private static void waitFor(Thread waiter, Thread runner) {
        synchronized (WAITS) {
            Thread t = runner;
            for (int i = 0; t != null && i <= WAITS.size(); i++) {
                if (t == waiter) {
                    throw new IllegalStateException("this call would wait for ever: " + describe(runner)
                            + " is waiting, through Interpreter.call, for the thread making it ("
                            + describe(waiter) + "). Return values to the caller instead of calling back, or"
                            + " use submit() and do not wait for the future on an interpreter's thread");
                }
                t = WAITS.get(t);
            }
            WAITS.put(waiter, runner);
        }
    }

    private static void doneWaiting(Thread waiter) {
        synchronized (WAITS) {
            WAITS.remove(waiter);
        }
    }

    private static String describe(Thread t) {
        return t instanceof Worker
                ? "the thread of interpreter " + ((Worker) t).interp
                : "thread '" + t.getName() + "'";
    }

    /**
     * {@link #call(Callable)} for code with no result.
     *
     * @param body the code to run
     */
    public void run(Runnable body) {
        call(() -> {
            body.run();
            return null;
        });
    }

    /**
     * Queues {@code body} to run in this interpreter; the future completes
     * with its result or exception. A sub-interpreter runs its tasks one at a
     * time, in order.
     *
     * @param <T> the type of the result
     * @param body the code to run
     * @return a future of what {@code body} returns
     */
    public <T> CompletableFuture<T> submit(Callable<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (worker == null) {
            return CompletableFuture.supplyAsync(() -> callHere(body), MAIN_CALLS);
        }
        synchronized (lock) {
            if (state != OPEN) {
                f.completeExceptionally(closedError());
                return f;
            }
            tasks.add(() -> {
                if (state == CLOSED) {
                    f.completeExceptionally(closedError());
                    return;
                }
                try {
                    f.complete(body.call());
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        }
        return f;
    }

    private static <T> T callHere(Callable<T> body) {
        try {
            return body.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new PyBridgeException("the code run in the interpreter threw " + e, e);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new PyBridgeException("the code run in the interpreter threw " + t, t);
    }

    /**
     * Runs statements in this interpreter's {@code __main__}.
     *
     * @param code Python statements
     */
    public void exec(String code) {
        run(() -> Python.exec(code));
    }

    /**
     * Evaluates an expression in this interpreter's {@code __main__}: a handle of this interpreter.
     *
     * @param expr a Python expression
     * @return its value, a handle of this interpreter
     */
    public PyObject eval(String expr) {
        return call(() -> Python.eval(expr));
    }

    /**
     * Evaluates an expression and converts the result to {@code type} (in the interpreter).
     *
     * @param <T> the type of the result
     * @param expr a Python expression
     * @param type the class of the result
     * @return its value, converted
     */
    public <T> T eval(String expr, Class<T> type) {
        return call(() -> Python.eval(expr, type));
    }

    /**
     * {@code import name} in this interpreter.
     *
     * @param moduleName a dotted module name
     * @return the module, a handle of this interpreter
     */
    public PyObject importModule(String moduleName) {
        return call(() -> Python.importModule(moduleName));
    }

    /**
     * This interpreter's {@code __main__} module.
     *
     * @return this interpreter's {@code __main__} module
     */
    public PyObject mainModule() {
        return call(Python::mainModule);
    }

    /**
     * A Java value as a new Python object of this interpreter.
     *
     * @param value the Java value
     * @return the new Python object, a handle of this interpreter
     */
    public PyObject toPython(Object value) {
        return call(() -> Python.toPython(value));
    }

    /**
     * Runs {@code body} with this interpreter to itself: for the main
     * interpreter, {@link Python#withGil}; for a sub-interpreter, a task (its
     * thread is the only one that runs it).
     *
     * @param <T> the type of the result
     * @param body the code to run
     * @return what {@code body} returned
     */
    public <T> T withGil(Supplier<T> body) {
        if (worker == null) {
            return call(() -> Python.withGil(body));
        }
        return call(body::get);
    }

    /**
     * Opens a {@link ResourceScope} for this interpreter's objects; only on
     * its own thread (inside a task; for the main interpreter, outside
     * sub-interpreter tasks).
     *
     * @return the new scope
     */
    public ResourceScope openScope() {
        if (current() != this) {
            throw new WrongInterpreterException("openScope() on " + this + " from " + describeThread()
                    + ": open the scope inside a task of it (call/submit)");
        }
        return Python.openScope();
    }

    /**
     * Handle counters (process-wide: every interpreter's handles).
     *
     * @return this interpreter's counters
     */
    public Stats stats() {
        return Python.stats();
    }

    /**
     * A copy of {@code source} (an object of any interpreter) made in this
     * one: pickled there and unpickled here, or, for an object that cannot
     * be pickled but exports a buffer (a {@code memoryview}, an
     * {@code array.array}), its bytes, as {@code bytes}. For the same
     * interpreter, {@code source} itself.
     *
     * @param source an object of another interpreter
     * @return the copy, a handle of this interpreter
     */
    public PyObject copyOf(PyObject source) {
        Interpreter from = source.interp != null ? source.interp : MAIN;
        if (from == this) {
            return source;
        }
        byte[] data =
                from.call(() -> Python.eval("__import__('pybridge')._copy_out").callAs(byte[].class, source));
        return call(() -> Python.eval("__import__('pybridge')._copy_in").call((Object) data));
    }

    // ---- lifetime ---------------------------------------------------------------------

    /**
     * Ends this sub-interpreter: waits for the tasks queued before, releases
     * every object it still has, and ends it. Refused (with the reason, and
     * the interpreter still usable) while Python threads it started run.
     * Idempotent; not from inside one of its own tasks; the main interpreter
     * cannot be closed.
     */
    @Override
    public void close() {
        if (worker == null) {
            throw new UnsupportedOperationException("the main interpreter is never closed");
        }
        if (Thread.currentThread() == worker) {
            throw new IllegalStateException("close() of " + this + " from inside one of its own tasks: close it"
                    + " from another thread once the task is done");
        }
        if (state == OPEN) {
            PyAsync.beforeClose(this); // its event loop never outlives it
        }
        CompletableFuture<Void> c;
        synchronized (lock) {
            if (state == CLOSED) {
                return;
            }
            if (closing == null) {
                closing = new CompletableFuture<>();
                state = CLOSING;
                tasks.add(END);
            }
            c = closing;
        }
        try {
            c.join();
        } catch (CompletionException e) {
            throw rethrow(e.getCause());
        }
        PyResources.forget(this);
    }

    /**
     * Whether {@link #close()} has ended this interpreter.
     *
     * @return whether this interpreter was closed
     */
    public boolean isClosed() {
        return state == CLOSED;
    }

    /**
     * Whether it has its own GIL (runs in parallel with the others).
     *
     * @return whether it has a GIL of its own
     */
    public boolean isIsolated() {
        return ownGil;
    }

    /**
     * Its name (the main interpreter's is {@code main}).
     *
     * @return its name
     */
    public String name() {
        return name;
    }

    /**
     * CPython's id of it ({@code 0} for the main interpreter).
     *
     * @return CPython's id of this interpreter
     */
    public long pythonId() {
        return pythonId;
    }

    @Override
    public String toString() {
        if (channel != null) {
            return "process interpreter '" + name + "' (pid " + channel.pid + (channel.isDead() ? ", dead" : "")
                    + (state == CLOSED ? ", closed" : "") + ")";
        }
        return worker == null
                ? "the main interpreter"
                : "interpreter '" + name + "' (" + (ownGil ? "isolated, own GIL" : "shared GIL")
                        + (state == CLOSED ? ", closed" : "") + ")";
    }

    private PyBridgeException closedError() {
        return new PyBridgeException(this + " is " + (state == CLOSED ? "closed" : "closing")
                + ": it runs no more tasks. Create a new interpreter.");
    }

    // ---- objects of the wrong interpreter -------------------------------------------

    /**
     * Throws unless {@code o} may be used on this thread: an object of the
     * main interpreter outside sub-interpreter threads, a sub-interpreter's on
     * its thread. One field load and a class check on the main path.
     */
    static void check(PyObject o) {
        Interpreter owner = o.interp;
        Thread t = Thread.currentThread();
        if (owner == null) {
            if (!(t instanceof Worker)) {
                return;
            }
        } else if (t == owner.worker) {
            return;
        }
        throw misuse(o, owner, t);
    }

    private static RuntimeException misuse(PyObject o, Interpreter owner, Thread t) {
        Interpreter own = owner == null ? MAIN : owner;
        if (own.state == CLOSED) {
            return closedObject(own);
        }
        Interpreter here = t instanceof Worker ? ((Worker) t).interp : null;
        String where = here != null ? here.toString() : "the main interpreter (thread '" + t.getName() + "')";
        String advice = owner != null
                ? " Use it inside a task of " + own + " (interp.call(() -> ...)), converting the result to Java"
                        + " values there, or copy it (interp.copyOf(obj))."
                : " Use it outside sub-interpreter tasks (Interpreter.main().call(() -> ...) from inside one),"
                        + " or copy it (interp.copyOf(obj)).";
        return new WrongInterpreterException("this PyObject (handle #" + Long.toHexString(o.id) + ") belongs to " + own
                + " and was used in " + where + ": Python objects never cross interpreters." + advice);
    }

    static PyObjectReleasedException closedObject(Interpreter own) {
        return new PyObjectReleasedException(
                "<unknown>",
                "this PyObject belonged to " + own
                        + ", which was closed: closing an interpreter releases all its objects");
    }

    /**
     * {@code close()} of an object off its interpreter's thread: queued for
     * that interpreter (released there, once), or nothing when its
     * interpreter is closed already. Returns false when the caller is on the
     * right thread and should release it itself.
     */
    static boolean releaseElsewhere(PyObject o) {
        Interpreter owner = o.interp;
        if (owner != null && owner.channel != null) {
            owner.channel.release(o); // in its process: now on its worker, else queued for it
            return true;
        }
        Thread t = Thread.currentThread();
        if (owner == null ? !(t instanceof Worker) : t == owner.worker) {
            return false;
        }
        if (owner != null && owner.state == CLOSED) {
            return true;
        }
        // The native queue sends it to its interpreter (by the handle's slot).
        Ops.enqueue(new long[] {o.id}, new int[] {o.slot}, 1);
        return true;
    }

    private static String describeThread() {
        Thread t = Thread.currentThread();
        return t instanceof Worker
                ? ((Worker) t).interp.toString()
                : "the main interpreter (thread '" + t.getName() + "')";
    }

    /** For tests and diagnostics: the sub-interpreter's index in the native tables. */
    int index() {
        return index;
    }

    /** Interpreters of a list, closed in reverse order; the first failure is thrown after all were tried. */
    static void closeAll(List<Interpreter> all) {
        RuntimeException first = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}

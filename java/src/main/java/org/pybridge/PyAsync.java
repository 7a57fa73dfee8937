package org.pybridge;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * async Python from Java: a coroutine function called from Java runs as a
 * task on an event loop, and its result comes back as a
 * {@link CompletableFuture}. {@link PyObject#callAsync} is the usual entry.
 *
 * <pre>{@code
 * Python.exec("import asyncio\nasync def slow_add(a, b):\n    await asyncio.sleep(0.1)\n    return a + b");
 * PyObject slowAdd = Python.mainModule().getAttr("slow_add");
 * CompletableFuture<Long> f = slowAdd.callAsyncAs(Long.class, 2, 3);
 * long five = f.join();
 * f.cancel(true);   // (had it still been running: cancels the asyncio task)
 * }</pre>
 *
 * <p><b>The loop.</b> Unless a loop is given ({@link #callOn}), coroutines
 * run on pybridge's own event loop of the interpreter that calls: one per
 * interpreter, on a daemon thread of its own ({@code pybridge-asyncio}),
 * started on first use and stopped (its tasks cancelled) when the
 * interpreter closes or the JVM shuts down. The function is called on the
 * calling thread (so calling something that is not async fails at once, with
 * a {@link PythonException}); the awaitable it returns is scheduled on the
 * loop.
 *
 * <p><b>The future</b> completes with the result (converted as the
 * {@code As} variant says; a {@link PyObject} otherwise), or exceptionally
 * with the {@link PythonException} the coroutine raised; a task cancelled in
 * Python cancels it. Cancelling the future cancels the task. Dependent stages
 * attached with the non-{@code Async} methods may run on the loop's thread:
 * do not block there on another coroutine's future (use the
 * {@code ...Async} variants).
 *
 * <p><b>The other way</b>, Python awaiting Java: a Java
 * {@code CompletionStage} (a {@code CompletableFuture}) that reaches Python,
 * as an argument, a field or a Java callback's result, can be awaited:
 * {@code value = await java_future}. It does not block the loop; the Java
 * exception it fails with is raised as a {@code pybridge.JavaException}
 * named after its class; cancelling the awaiting task cancels a
 * {@code Future}.
 */
public final class PyAsync {
    private PyAsync() {}

    static final int OK = 0;
    static final int FAILED = 1;
    static final int CANCELLED = 2;

    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Long, Pending<?>> PENDING = new ConcurrentHashMap<>();
    private static final Map<Interpreter, Boolean> READY = new ConcurrentHashMap<>();
    private static volatile boolean hookInstalled;

    /** A future of one task: cancelling it cancels the task. */
    private static final class Pending<T> extends CompletableFuture<T> {
        final long id;
        final Class<T> type;
        final Conversion conversion;
        final Interpreter interp;
        final PyObject loop;

        Pending(long id, Class<T> type, Conversion conversion, Interpreter interp, PyObject loop) {
            this.id = id;
            this.type = type;
            this.conversion = conversion;
            this.interp = interp;
            this.loop = loop;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean done = super.cancel(mayInterruptIfRunning);
            if (done && PENDING.remove(id) != null) {
                Runnable r = () ->
                        PyResources.function("aio", "cancel").call(id, loop).close();
                if (Interpreter.current() == interp) {
                    r.run();
                } else {
                    interp.submit(() -> {
                        r.run();
                        return null;
                    });
                }
            }
            return done;
        }

        void settle(int status) {
            if (status == CANCELLED) {
                super.cancel(false);
                return;
            }
            try {
                PyObject take = PyResources.function("aio", "take");
                if (conversion != null) {
                    @SuppressWarnings("unchecked")
                    T r = (T) take.callWith(conversion, null, id);
                    complete(r);
                } else if (type == PyObject.class || type == null) {
                    @SuppressWarnings("unchecked")
                    T r = (T) take.call(id);
                    complete(r);
                } else {
                    complete(take.callAs(type, id));
                }
            } catch (Throwable e) {
                completeExceptionally(e);
            }
        }
    }

    /** Called from Python (the loop's thread) when task id ends. */
    private static void completed(Object idObj, Object statusObj) {
        long id = ((Number) idObj).longValue();
        int status = ((Number) statusObj).intValue();
        Pending<?> p = PENDING.remove(id);
        if (p == null) {
            // cancelled from Java meanwhile: forget the result
            if (status != CANCELLED) {
                discard(Interpreter.main(), id);
            }
            return;
        }
        if (p.interp == Interpreter.main()) {
            p.settle(status);
        } else {
            // the loop's thread is a Python thread of the sub-interpreter: the result is
            // taken on the interpreter's own thread
            p.interp.submit(() -> {
                p.settle(status);
                return null;
            });
        }
    }

    private static void discard(Interpreter interp, long id) {
        if (interp == Interpreter.main()) {
            PyResources.function("aio", "discard").call(id).close();
        }
    }

    private static void ready() {
        Interpreter in = Interpreter.current();
        if (READY.containsKey(in)) {
            return;
        }
        synchronized (READY) {
            if (READY.containsKey(in)) {
                return;
            }
            BiConsumer<Object, Object> cb = PyAsync::completed;
            PyResources.function("aio", "set_complete").call(cb).close();
            READY.put(in, Boolean.TRUE);
            if (in == Interpreter.main() && !hookInstalled) {
                hookInstalled = true;
                Runtime.getRuntime().addShutdownHook(new Thread(PyAsync::stopAtShutdown, "pybridge-asyncio-stop"));
            }
        }
    }

    /**
     * Calls the async function {@code fn} with {@code args} and runs the
     * coroutine it returns on pybridge's event loop of the calling
     * interpreter.
     *
     * @param <T> the Java type of the result
     * @param type what the result is converted to ({@code PyObject.class}: a handle)
     * @param fn an async function (or any callable returning an awaitable)
     * @param args its arguments, converted with {@link Python#toPython}
     * @return a future of the coroutine's result
     * @throws PythonException if calling {@code fn} fails, or it returns no awaitable
     */
    public static <T> CompletableFuture<T> call(Class<T> type, PyObject fn, Object... args) {
        return callOn(null, type, fn, null, args);
    }

    /**
     * As {@link #call}, on the event loop {@code loop} (an
     * {@code asyncio} loop running on some thread; {@code null}: pybridge's
     * own), with keyword arguments.
     *
     * @param <T> the Java type of the result
     * @param loop the event loop to run the coroutine on, or null for pybridge's own
     * @param type what the result is converted to ({@code PyObject.class}: a handle)
     * @param fn an async function
     * @param kwargs keyword arguments (null: none)
     * @param args its positional arguments
     * @return a future of the coroutine's result
     */
    public static <T> CompletableFuture<T> callOn(
            PyObject loop, Class<T> type, PyObject fn, Map<String, ?> kwargs, Object... args) {
        return start(loop, type, null, fn, kwargs, args);
    }

    /**
     * As {@link #callOn}, the result converted as {@code conversion} says
     * (e.g. {@link Conversion#SHALLOW}: scalars as Java values, anything else
     * a handle).
     *
     * @param loop the event loop to run the coroutine on, or null for pybridge's own
     * @param conversion how the result comes back
     * @param fn an async function
     * @param kwargs keyword arguments (null: none)
     * @param args its positional arguments
     * @return a future of the coroutine's result
     */
    public static CompletableFuture<Object> callOnWith(
            PyObject loop, Conversion conversion, PyObject fn, Map<String, ?> kwargs, Object... args) {
        return start(loop, Object.class, conversion, fn, kwargs, args);
    }

    private static <T> CompletableFuture<T> start(
            PyObject loop, Class<T> type, Conversion conversion, PyObject fn, Map<String, ?> kwargs, Object... args) {
        ready();
        long id = IDS.incrementAndGet();
        Pending<T> p = new Pending<>(id, type, conversion, Interpreter.current(), loop);
        PENDING.put(id, p);
        try {
            PyResources.function("aio", "submit")
                    .call(id, loop, fn, args == null ? new Object[0] : args, kwargs)
                    .close();
        } catch (RuntimeException e) {
            PENDING.remove(id);
            throw e;
        }
        return p;
    }

    /**
     * pybridge's event loop of the calling interpreter (started if needed),
     * e.g. to schedule other work on it from Python.
     *
     * @return the loop, a new handle
     */
    public static PyObject loop() {
        return PyResources.function("aio", "owned_loop").call();
    }

    /**
     * Stops pybridge's event loop of the calling interpreter, if it runs: its
     * tasks are cancelled (and their futures with them), its thread ends. A
     * later call starts a new one. Done by {@link Interpreter#close()} and at
     * JVM shutdown.
     *
     * @return whether the loop's thread ended within 5 seconds
     */
    public static boolean stop() {
        if (!READY.containsKey(Interpreter.current())) {
            return true;
        }
        return PyResources.function("aio", "stop").callAs(Boolean.class, 5.0);
    }

    /** Interpreter.close: the loop stops before the interpreter (on its thread). */
    static void beforeClose(Interpreter in) {
        if (READY.containsKey(in)) {
            in.call(PyAsync::stop);
            READY.remove(in);
        }
    }

    private static void stopAtShutdown() {
        // Bounded: shutdown never waits for Python longer than this.
        Thread t = new Thread(
                () -> {
                    try {
                        PyResources.function("aio", "stop").call(1.0).close();
                    } catch (Throwable ignored) {
                        // the JVM is going away; the loop's thread is a daemon
                    }
                },
                "pybridge-asyncio-stop-main");
        t.setDaemon(true);
        t.start();
        try {
            t.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package org.pybridge;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The embedded CPython interpreter: start it, run code, import modules,
 * convert values, and control handle lifetimes and the GIL.
 *
 * <pre>{@code
 * Python.initialize();                          // finds python3, a venv, or PYBRIDGE_PYTHON
 * PyObject np = Python.importModule("numpy");
 * double s = np.callAttr("arange", 10).callAttrAs(Double.class, "sum");
 * try (ResourceScope scope = Python.openScope()) {
 *     Object m = Python.eval("{'a': 1}").toJava();   // {a=1}; the handle dies with the scope
 * }
 * }</pre>
 *
 * <p>One interpreter per process, started once and never finalized. Any
 * thread may call at any time; each gets its own Python thread state, kept
 * until the thread ends.
 */
public final class Python {
    private Python() {}

    private static volatile PythonInfo info;

    // ---- start-up --------------------------------------------------------------

    /**
     * Starts Python with zero configuration: {@code PYBRIDGE_PYTHON}, else an
     * active virtualenv, else {@code python3} on {@code PATH}. Idempotent and
     * thread-safe. Throws {@link PythonInitializationException} saying what
     * was tried and how to fix it.
     */
    public static PythonInfo initialize() {
        return initialize(new PythonConfig());
    }

    /** Starts Python as configured; a no-op returning the same info once started. */
    public static synchronized PythonInfo initialize(PythonConfig cfg) {
        if (info != null) {
            if (cfg.executable() != null && !sameExecutable(cfg.executable(), info)) {
                throw new PythonInitializationException("Python is already initialized with " + info.executable()
                        + "; it cannot be restarted with " + cfg.executable() + " in the same JVM.");
            }
            return info;
        }
        PythonLocator.Found f = PythonLocator.locate(cfg);
        String built = NativeLoader.buildInfo().getProperty("python.version", "");
        String version = f.get("version_short");
        if (built.isEmpty()) {
            throw new PythonInitializationException("native/linux-x86_64/pybridge-build.properties is missing from"
                    + " the classpath, so the Python version pybridge's native library was built for is unknown:"
                    + " use the jar built by 'gradle jar' (build/libs/pybridge-*.jar)");
        }
        if (!built.equals(version)) {
            throw new PythonInitializationException("pybridge was built for Python " + built + " but "
                    + f.requested + " (" + f.reason + ") is Python " + version + ". Point PYBRIDGE_PYTHON at a"
                    + " Python " + built + ", or rebuild pybridge against Python " + version + ".");
        }
        NativeLoader.load(f.libpython);
        Leases.waitMillis = cfg.gilLeaseWaitMillis();
        Native.registerCallbacks(Callbacks.class);
        PythonInfo started = Ops.init(f, cfg);
        Lifetimes.start(cfg.gcNudgeThreshold());
        info = started;
        try {
            JavaBridge.install(cfg);
        } finally {
            info = null;
        }
        warmErrorPaths();
        info = started;
        return started;
    }

    /**
     * Initialises the JDK classes that turning an error into a
     * {@link PythonException} needs (stack traces), now, while there is
     * stack to spare: a class whose initialiser first runs deep in nested
     * Python/Java calls can fail with {@code StackOverflowError}, and the JVM
     * then refuses that class for good ({@code NoClassDefFoundError}).
     */
    private static void warmErrorPaths() {
        new PythonException("RecursionError", "", "", -1, -1, List.of(new PythonException.Frame("<init>", 1, "f")))
                .getStackTrace();
        // A trace with a java.base frame (forEach) initialises StackTraceElement's
        // module cache too: a main() that starts Python directly has none above it.
        List.of(1).forEach(x -> new Throwable().getStackTrace());
    }

    private static boolean sameExecutable(String exe, PythonInfo i) {
        try {
            PythonLocator.Found f = PythonLocator.query(exe);
            return f.get("executable").equals(i.executable());
        } catch (PythonInitializationException e) {
            return false;
        }
    }

    /** Whether {@link #initialize()} has completed. */
    public static boolean isInitialized() {
        return info != null;
    }

    /** Which Python is embedded and why; starts it if needed. */
    public static PythonInfo info() {
        ensure();
        return info;
    }

    private static void ensure() {
        if (info == null) {
            initialize();
        }
    }

    // ---- running code --------------------------------------------------------------

    /** Runs statements in {@code __main__} (starting Python if needed). */
    public static void exec(String code) {
        ensure();
        Ops.exec(code, null);
    }

    /** Evaluates an expression in {@code __main__}; the result as a handle. */
    public static PyObject eval(String expr) {
        return (PyObject) evalImpl(expr, Contract.Mode.HANDLE);
    }

    /** Evaluates an expression in {@code __main__}, converted to {@code type} (no handle for scalars). */
    public static <T> T eval(String expr, Class<T> type) {
        return ResultTypes.coerce(evalImpl(expr, ResultTypes.modeFor(type)), type);
    }

    private static Object evalImpl(String expr, byte mode) {
        ensure();
        return Ops.eval(expr, null, mode);
    }

    /** {@code import name} (dotted names work); the module as a handle. */
    public static PyObject importModule(String name) {
        return simple(Contract.Op.IMPORT, name);
    }

    /** The {@code builtins} module. */
    public static PyObject builtins() {
        return simple(Contract.Op.BUILTINS, null);
    }

    /** The {@code __main__} module, whose namespace {@link #exec} and {@link #eval} use. */
    public static PyObject mainModule() {
        return simple(Contract.Op.MAIN_MODULE, null);
    }

    private static PyObject simple(int op, String arg) {
        ensure();
        return Ops.handleOp(op, arg);
    }

    // ---- conversion ------------------------------------------------------------------

    /**
     * A new Python object copied from a Java value: null→None, Boolean→bool,
     * integral numbers and BigInteger→int, Float/Double→float,
     * Character/String→str (all of Unicode, lone surrogates kept), byte[]→bytes,
     * other primitive arrays, Object[], List and other Collections→list,
     * Map→dict, Set→set, PyObject→the same object. Anything else:
     * {@link IllegalArgumentException} naming its class.
     */
    public static PyObject toPython(Object value) {
        ensure();
        return Ops.toPython(value);
    }

    /**
     * A live Python proxy of a Java object, whatever conversion its class
     * has: {@code Python.bridge(list)} is a {@code java.util.ArrayList} that
     * Python code changes in place ({@code append}, {@code []}, {@code len},
     * its Java methods), where {@code toPython(list)} would copy it into a
     * Python list. Pass the returned handle as an argument to hand the live
     * object to Python code. A {@code PyObject} stays itself.
     */
    public static PyObject bridge(Object javaObject) {
        ensure();
        if (javaObject instanceof PyObject) {
            return (PyObject) javaObject;
        }
        return Ops.toPython(new JavaBridge.Bridged(javaObject));
    }

    /**
     * A function object whose argument Python's value is converted to
     * {@code argType} before {@code fn} runs (a lambda's own parameter types
     * are erased): {@code Python.function(boolean[].class, Object.class, a ->
     * a.length)} receives a {@code boolean[]} built from a Python list, and
     * {@code Integer.class} an Integer, not a Long. A value that does not
     * convert is a Python {@code TypeError}. {@code resultType} documents
     * the result (it is converted to Python as usual) and is checked.
     */
    public static <A, R> java.util.function.Function<A, R> function(Class<A> argType, Class<R> resultType,
            java.util.function.Function<A, R> fn) {
        return new TypedFunction<>(argType, resultType, fn);
    }

    /** {@link #function} for two arguments. */
    public static <A, B, R> java.util.function.BiFunction<A, B, R> function(Class<A> firstType,
            Class<B> secondType, Class<R> resultType, java.util.function.BiFunction<A, B, R> fn) {
        return new TypedFunction.Bi<>(firstType, secondType, resultType, fn);
    }

    // ---- numpy and buffers -------------------------------------------------------------

    /**
     * A new numpy array copied from a Java array ({@code double[]} → float64,
     * {@code float[]} → float32, {@code long[]} → int64, {@code int[]} →
     * int32, {@code short[]} → int16, {@code byte[]} → int8,
     * {@code boolean[]} → bool) in this shape (none: one dimension), in one
     * copy straight into the array's memory.
     */
    public static PyObject toNumpy(Object array, long... shape) {
        ensure();
        String dtype = NDArray.dtypeOf(array);
        int n = java.lang.reflect.Array.getLength(array);
        long[] dims = shape.length == 0 ? new long[] {n} : shape;
        new NDArray(dtype, array, dims); // validates the shape
        return Ops.numpyCopyOf(array, dtype, dims);
    }

    /**
     * A numpy array over a direct {@code ByteBuffer}'s memory, no copy: its
     * elements from the buffer's position on, in native byte order, of this
     * dtype ({@code "float64"}, {@code "int32"}, …) and shape. Writes on
     * either side are seen by the other. The buffer stays valid while either
     * side references it (Python keeps it reachable until the array and its
     * views are freed). A read-only buffer gives a read-only array.
     */
    public static PyObject toNumpy(java.nio.ByteBuffer buffer, String dtype, long... shape) {
        return toNumpyView(buffer, buffer, dtype, shape);
    }

    /**
     * {@link #toNumpy(java.nio.ByteBuffer, String, long...)} for memory that
     * pybridge cannot prove stays valid (an {@code Arena}'s segment, a mapped
     * file): the caller promises it outlives every Python view. See
     * {@link UnmanagedBuffer}.
     */
    public static PyObject toNumpy(UnmanagedBuffer buffer, String dtype, long... shape) {
        return toNumpyView(buffer, buffer.buffer(), dtype, shape);
    }

    /** {@code shared} is what crosses ({@code buffer}, or its {@link UnmanagedBuffer}). */
    private static PyObject toNumpyView(Object shared, java.nio.ByteBuffer buffer, String dtype, long... shape) {
        ensure();
        if (buffer == null || !buffer.isDirect()) {
            throw new IllegalArgumentException("Python.toNumpy shares a direct ByteBuffer"
                    + " (ByteBuffer.allocateDirect); copy a heap buffer's bytes, or use toNumpy(array, shape)");
        }
        int item = NDArray.itemSize(dtype);
        NDArray.code(dtype); // validates the dtype
        long[] dims = shape.length == 0 ? new long[] {buffer.remaining() / item} : shape;
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n * item > buffer.remaining()) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(dims) + " of " + dtype + " needs "
                    + n * item + " bytes; the buffer has " + buffer.remaining() + " remaining");
        }
        return Ops.numpyView(shared, dtype, dims);
    }

    /**
     * Teaches the conversion to Python a new class: a value of {@code type}
     * (or of a subclass or implementation) that no built-in conversion takes
     * is passed to {@code toPython}, and its result is converted in turn
     * (so it may return a String, a Map, a {@link PyObject}, a function
     * object…). Consulted before function objects are recognised. Example:
     * {@code Python.registerConverter(java.time.LocalDate.class, LocalDate::toString)}.
     * The Clojure layer registers keywords and symbols (to their name),
     * Clojure functions (to callables) and Clojure's numbers this way. Does
     * not start Python.
     */
    public static <T> void registerConverter(Class<T> type, Function<? super T, ?> toPython) {
        if (type == null || toPython == null) {
            throw new IllegalArgumentException("registerConverter needs a class and a function");
        }
        ConverterRegistry.register(type, toPython);
    }

    /**
     * A deep copy into Java: None→null, bool→Boolean, int→Long (BigInteger
     * beyond 64 bits), float→Double, str→String, bytes/bytearray→byte[],
     * list→ArrayList, tuple→unmodifiable List, dict→LinkedHashMap (order
     * kept), set→LinkedHashSet, frozenset→unmodifiable Set; anything else
     * stays a PyObject (the same one, at the top level).
     */
    public static Object toJava(PyObject obj) {
        return obj == null ? null : obj.toJava();
    }

    // ---- GIL and scopes ----------------------------------------------------------------

    /** Runs {@code body} holding the GIL throughout (calls inside skip re-taking it). Reentrant. */
    public static <T> T withGil(Supplier<T> body) {
        try (Gil g = acquireGil()) {
            return body.get();
        }
    }

    /** Takes the GIL until the returned lease is closed (on this thread). Reentrant. */
    public static Gil acquireGil() {
        ensure();
        return new Gil();
    }

    /**
     * While this thread holds the GIL, lets other threads run Python during
     * {@code body} (Java work that blocks); takes it back afterwards.
     * Outside a {@link #withGil} it just runs {@code body}.
     */
    public static void releaseGilWhile(Runnable body) {
        ensure();
        boolean suspended = Ops.gilSuspend();
        try {
            body.run();
        } finally {
            if (suspended) {
                Ops.gilResume();
            }
        }
    }

    /**
     * A fresh namespace (globals dict with its own builtins), independent of
     * {@code __main__} and of any scope; close it to release it.
     */
    public static PyNamespace newNamespace() {
        ensure();
        return new PyNamespace(Lifetimes.unscoped(() -> Support.fn("new_namespace").call()));
    }

    /** Opens a {@link ResourceScope} on this thread (use try-with-resources). */
    public static ResourceScope openScope() {
        ensure();
        return ResourceScope.open();
    }

    /**
     * Runs {@code body} as if no {@link ResourceScope} were open on this
     * thread: handles made inside belong to the GC (or to whoever closes
     * them), not to the innermost scope. For caches and other long-lived
     * objects created while a scope happens to be open.
     */
    public static <T> T unscoped(Supplier<T> body) {
        return Lifetimes.unscoped(body);
    }

    /**
     * {@code with-gil-stack-rc-context}: holds the GIL and a scope around
     * {@code body}; every handle made inside is released when it returns,
     * except a {@code PyObject} returned by {@code body}, which is kept
     * (moved to the enclosing scope, or to GC tracking).
     */
    public static <T> T withGilScope(Supplier<T> body) {
        try (Gil g = acquireGil(); ResourceScope s = ResourceScope.open()) {
            T r = body.get();
            if (r instanceof PyObject) {
                ((PyObject) r).keep();
            }
            return r;
        }
    }

    // ---- observability ------------------------------------------------------------------

    /** A snapshot of the counters (no GIL taken). */
    public static Stats stats() {
        long[] v = new long[Contract.Stat.COUNT];
        if (isInitialized()) {
            Lifetimes.ensureReclaimer();
            v = Ops.stats();
        }
        return new Stats(v, Lifetimes.trackedLive(), Lifetimes.GC_NUDGES.get(), ResourceScope.depth());
    }

    /** Python's garbage collector ({@code gc} module). */
    public static PyGc gc() {
        ensure();
        return PyGc.INSTANCE;
    }

    /**
     * Drops handles the JVM already collected and that wait in the release
     * queue, now, on this thread. Returns how many ids were dequeued.
     */
    public static long drainReleaseQueue() {
        ensure();
        return Ops.longOp(Contract.Op.DRAIN);
    }

    /** Number of thread states in the interpreter (walks CPython's list; takes the GIL). */
    public static long interpreterThreadStates() {
        ensure();
        return Ops.longOp(Contract.Op.THREAD_STATES);
    }

    /** For tests of the boundary: makes the native side panic inside a call. */
    static void debugPanic(String message) {
        ensure();
        Ops.debugPanic(message);
    }
}

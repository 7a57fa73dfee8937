package org.pybridge;

import java.lang.reflect.Array;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
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
 * <p>One main interpreter per process, started once and never finalized. Any
 * thread may call at any time; each gets its own Python thread state, kept
 * until the thread ends. Sub-interpreters ({@link #newInterpreter}) run on
 * threads of their own; inside their tasks these methods use them.
 */
public final class Python {
    private Python() {}

    private static volatile PythonInfo info;

    // ---- start-up --------------------------------------------------------------

    /**
     * Starts Python with zero configuration: {@code PYBRIDGE_PYTHON}, else an
     * active virtualenv, else a CPython runtime jar on the class path
     * ({@code org.bytedeco:cpython:<version>:linux-x86_64}, extracted once
     * into pybridge's cache), else {@code python3} on {@code PATH}. The
     * packages of every packages jar on the class path (made by
     * {@code java -jar pybridge.jar pack}) go on {@code sys.path} ahead of
     * site-packages. Idempotent and
     * thread-safe. Throws {@link PythonInitializationException} saying what
     * was tried and how to fix it.
     * @return which Python runs, and why it was chosen
     */
    public static PythonInfo initialize() {
        return initialize(new PythonConfig());
    }

    /**
     * Starts Python as configured; a no-op returning the same info once started.
     *
     * @param cfg the configuration
     * @return which Python runs, and why it was chosen
     */
    public static synchronized PythonInfo initialize(PythonConfig cfg) {
        if (info != null) {
            if (cfg.executable() != null && !sameExecutable(cfg.executable(), info)) {
                throw new PythonInitializationException("Python is already initialized with " + info.executable()
                        + "; it cannot be restarted with " + cfg.executable() + " in the same JVM.");
            }
            return info;
        }
        PythonLocator.Found f = PythonLocator.locate(cfg);
        String refused = NativeLoader.refusal(f);
        if (refused != null) {
            throw new PythonInitializationException(refused);
        }
        // Packages jars on the class path: checked against this Python and extracted before it starts.
        List<String> packages = PackagesJars.prepare(f);
        NativeLoader.load(f.libpython, NativeLoader.abi(f));
        Leases.waitMillis = cfg.gilLeaseWaitMillis();
        KeyCollisions.strict = cfg.strictMapKeys();
        Native.registerCallbacks(Callbacks.class);
        PythonInfo started = Ops.init(f, cfg);
        Lifetimes.start(cfg.gcNudgeThreshold());
        PyOutput.install(cfg);
        info = started;
        try {
            JavaBridge.install(cfg);
            PackagesJars.addToPath(packages);
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
        // Made inside a java.base frame (Iterable.forEach): formatting that frame initialises
        // StackTraceElement$HashedModules, which a trace through Thread.run needs (seen failing
        // 20,000 calls deep on CPython 3.10, where the stack ran out inside its initialiser).
        PythonException[] e = new PythonException[1];
        List.of(1)
                .forEach(x -> e[0] = new PythonException(
                        "RecursionError", "", "", -1, -1, List.of(new PythonException.Frame("<init>", 1, "f"))));
        e[0].getStackTrace();
    }

    private static boolean sameExecutable(String exe, PythonInfo i) {
        try {
            PythonLocator.Found f = PythonLocator.query(exe);
            return f.get("executable").equals(i.executable());
        } catch (PythonInitializationException e) {
            return false;
        }
    }

    /**
     * Starts debugpy's server on {@code 127.0.0.1:port} (0: a free port) so
     * that a debugger (VS Code's "Python: Attach", PyCharm, any DAP client)
     * attaches to this embedded Python; returns the port. Needs the
     * {@code debugpy} package in the Python pybridge runs. Breakpoints then
     * stop Python called from any Java thread (shown under the Java thread's
     * name). A debugger left attached does not keep the JVM from exiting.
     *
     * <pre>{@code
     * int port = Python.debug(5678);
     * // attach the IDE to localhost:5678, set breakpoints, then call Python as usual
     * }</pre>
     *
     * @param port the port to listen on (0: any free port)
     * @return the port debugpy listens on
     * @see #debug(String, int, boolean)
     */
    public static int debug(int port) {
        return debug("127.0.0.1", port, false);
    }

    /**
     * As {@link #debug(int)}, on {@code host}, optionally waiting until a
     * debugger has attached. Idempotent: a second call returns the port of the first.
     *
     * @param host the address to listen on ({@code 127.0.0.1}: this machine only)
     * @param port the port (0: any free port)
     * @param waitForClient whether to return only once a debugger has attached
     * @return the port debugpy listens on
     */
    public static int debug(String host, int port, boolean waitForClient) {
        ensure();
        return PyDebug.listen(host, port, waitForClient);
    }

    /**
     * Whether {@link #initialize()} has completed.
     *
     * @return whether {@link #initialize()} has completed
     */
    public static boolean isInitialized() {
        return info != null;
    }

    /**
     * Which Python is embedded and why; starts it if needed.
     *
     * @return which Python is embedded and why
     */
    public static PythonInfo info() {
        ensure();
        return info;
    }

    private static void ensure() {
        if (info == null) {
            initialize();
        }
    }

    /**
     * Changes where Python's {@code sys.stdout} and {@code sys.stderr}
     * write once it runs, as {@link PythonConfig#stdout(PythonConfig.Output)}
     * and {@link PythonConfig#stderr(PythonConfig.Output)} do at start-up
     * (the same line-buffered streams, handing text over to Java);
     * {@link PythonConfig.Output#fileDescriptor()} puts back the stream
     * Python started with (its file descriptor). Output pending in the
     * streams replaced is flushed first. Applies to the main interpreter
     * (the Clojure API's {@code *out*} redirection is built on it); starts
     * Python if needed.
     *
     * @param stdout where {@code sys.stdout} writes from now on
     * @param stderr where {@code sys.stderr} writes from now on
     */
    public static void redirectOutput(PythonConfig.Output stdout, PythonConfig.Output stderr) {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        ensure();
        mainInterpreter().run(() -> PyOutput.redirect(stdout, stderr));
    }

    // ---- interpreters --------------------------------------------------------------

    /**
     * A new sub-interpreter (starting Python if needed): isolated with its own
     * GIL on Python 3.12+ unless {@code cfg} says otherwise, sharing the main
     * GIL before (where an isolated one is refused with a clear error). See
     * {@link Interpreter}; close it when done.
     *
     * @param cfg the new interpreter's configuration
     * @return the new interpreter
     */
    public static Interpreter newInterpreter(InterpreterConfig cfg) {
        ensure();
        return Interpreter.start(cfg, info.version().split(" ")[0]);
    }

    /**
     * {@link #newInterpreter(InterpreterConfig)} with {@link InterpreterConfig#defaults()}.
     *
     * @return the new interpreter
     */
    public static Interpreter newInterpreter() {
        return newInterpreter(InterpreterConfig.defaults());
    }

    /**
     * The main interpreter, the one these static methods use (outside sub-interpreter tasks).
     *
     * @return the main interpreter
     */
    public static Interpreter mainInterpreter() {
        return Interpreter.main();
    }

    // ---- running code --------------------------------------------------------------

    /**
     * Runs statements in {@code __main__} (starting Python if needed).
     *
     * @param code Python statements
     */
    public static void exec(String code) {
        ensure();
        Ops.exec(code, null);
    }

    /**
     * Evaluates an expression in {@code __main__}; the result as a handle.
     *
     * @param expr a Python expression
     * @return the result, a new handle
     */
    public static PyObject eval(String expr) {
        return (PyObject) evalImpl(expr, Contract.Mode.HANDLE);
    }

    /**
     * Evaluates an expression in {@code __main__}, converted to {@code type} (no handle for scalars).
     *
     * @param <T> the Java type of the result
     * @param expr a Python expression
     * @param type the Java type to convert the result to
     * @return the result, converted to {@code type}
     */
    public static <T> T eval(String expr, Class<T> type) {
        return ResultTypes.coerce(evalImpl(expr, ResultTypes.modeFor(type)), type);
    }

    private static Object evalImpl(String expr, byte mode) {
        ensure();
        return Ops.eval(expr, null, mode);
    }

    /**
     * {@code import name} (dotted names work); the module as a handle.
     *
     * @param name the module's (dotted) name
     * @return the result, a new handle
     */
    public static PyObject importModule(String name) {
        return simple(Contract.Op.IMPORT, name);
    }

    /**
     * The {@code builtins} module.
     *
     * @return the result, a new handle
     */
    public static PyObject builtins() {
        return simple(Contract.Op.BUILTINS, null);
    }

    /**
     * The {@code __main__} module, whose namespace {@link #exec} and {@link #eval} use.
     *
     * @return the result, a new handle
     */
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
     * Map→dict, Set→set, PyObject (and live views)→the same object,
     * {@link NDArray}→a new numpy array, a direct ByteBuffer→a memoryview
     * over its memory (a heap one→bytes), java.time values→datetime, date,
     * time, timedelta (see the table in docs/guide/conversions.md), BigDecimal→Decimal, a Java
     * function object→a Python callable; a value of a class with a
     * {@linkplain #registerConverter registered converter}→the conversion
     * of what the converter returns. Anything else becomes a live proxy of
     * the Java object (see {@link #bridge}), which comes back as the same
     * Java object.
     *
     * @param value the Java value
     * @return the result, a new handle
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
     *
     * @param javaObject the Java object
     * @return a handle to its live Python proxy
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
     *
     * @param <A> the argument's type
     * @param <R> the result's type
     * @param argType the class Python's argument is converted to
     * @param resultType the class of the result
     * @param fn the Java code
     * @return a function object to pass to Python
     */
    public static <A, R> Function<A, R> function(Class<A> argType, Class<R> resultType, Function<A, R> fn) {
        return new TypedFunction<>(argType, resultType, fn);
    }

    /**
     * {@link #function} for two arguments.
     *
     * @param <A> the first argument's type
     * @param <B> the second argument's type
     * @param <R> the result's type
     * @param firstType the class the first argument is converted to
     * @param secondType the class the second argument is converted to
     * @param resultType the class of the result
     * @param fn the Java code
     * @return a function object to pass to Python
     */
    public static <A, B, R> BiFunction<A, B, R> function(
            Class<A> firstType, Class<B> secondType, Class<R> resultType, BiFunction<A, B, R> fn) {
        return new TypedFunction.Bi<>(firstType, secondType, resultType, fn);
    }

    // ---- numpy and buffers -------------------------------------------------------------

    /**
     * A new numpy array copied from a Java array ({@code double[]} → float64,
     * {@code float[]} → float32, {@code long[]} → int64, {@code int[]} →
     * int32, {@code short[]} → int16, {@code byte[]} → int8,
     * {@code boolean[]} → bool) in this shape (none: one dimension), in one
     * copy straight into the array's memory.
     * @param array a Java primitive array ({@code double[]}, {@code long[]}, ...)
     * @param shape the dimensions (none given: one dimension over all the elements)
     * @return the result, a new handle
     */
    public static PyObject toNumpy(Object array, long... shape) {
        if (array instanceof Buffer && !(array instanceof ByteBuffer)) {
            return toNumpy((Buffer) array, shape);
        }
        ensure();
        String dtype = DTypes.dtypeOf(array);
        int n = Array.getLength(array);
        long[] dims = shape.length == 0 ? new long[] {n} : shape;
        new NDArray(dtype, array, dims); // validates the shape
        return Ops.numpyCopyOf(array, dtype, dims);
    }

    /**
     * A numpy array over a direct {@code ByteBuffer}'s memory, no copy: its
     * elements from the buffer's position on, of this dtype
     * ({@code "float64"}, {@code "int32"}, …) and shape, in the buffer's
     * byte order: a big-endian buffer (Java's default) gives an array of a
     * big-endian dtype ({@code >f8}), still no copy, whose values are what
     * Java reads ({@code getDouble}); numpy computes with it as with any
     * array ({@code .astype('=f8')} makes a native copy). Writes on either
     * side are seen by the other. The buffer stays valid while either side
     * references it (Python keeps it reachable until the array and its
     * views are freed). A read-only buffer gives a read-only array.
     * @param buffer the buffer whose memory the array uses
     * @param dtype the numpy dtype's name ({@code "float64"}, {@code "int32"}, ...)
     * @param shape the dimensions (none given: one dimension over all the elements)
     * @return the result, a new handle
     */
    public static PyObject toNumpy(ByteBuffer buffer, String dtype, long... shape) {
        return toNumpyView(buffer, buffer, dtype, shape);
    }

    /**
     * {@link #toNumpy(java.nio.ByteBuffer, String, long...)} for memory that
     * pybridge cannot prove stays valid (an {@code Arena}'s segment, a mapped
     * file): the caller promises it outlives every Python view. See
     * {@link UnmanagedBuffer}.
     * @param buffer the buffer whose memory the array uses
     * @param dtype the numpy dtype's name ({@code "float64"}, {@code "int32"}, ...)
     * @param shape the dimensions (none given: one dimension over all the elements)
     * @return the result, a new handle
     */
    public static PyObject toNumpy(UnmanagedBuffer buffer, String dtype, long... shape) {
        return toNumpyView(buffer, buffer.buffer(), dtype, shape);
    }

    /**
     * A new numpy array copied from a typed NIO buffer's elements from its
     * position on ({@code DoubleBuffer}→float64, {@code FloatBuffer}→float32,
     * {@code LongBuffer}→int64, {@code IntBuffer}→int32,
     * {@code ShortBuffer}→int16, {@code CharBuffer}→uint16), direct or heap,
     * read in the buffer's own byte order (the values are what its
     * {@code get} returns), in this shape (none: one dimension). Copied: a
     * typed view does not tell pybridge whether its memory is a mapped file
     * or a closeable arena; to share memory without a copy, pass the
     * {@code ByteBuffer} it views to
     * {@link #toNumpy(java.nio.ByteBuffer, String, long...)}.
     *
     * @param buffer a typed NIO buffer
     * @param shape the shape (none: one dimension)
     * @return the new numpy array
     */
    public static PyObject toNumpy(Buffer buffer, long... shape) {
        if (buffer instanceof ByteBuffer) {
            throw new IllegalArgumentException("a ByteBuffer needs a dtype: toNumpy(buffer, \"float64\", shape...)");
        }
        if (buffer == null) {
            throw new IllegalArgumentException("Python.toNumpy needs a buffer, not null");
        }
        int n = buffer.remaining();
        Object copy;
        if (buffer instanceof DoubleBuffer) {
            copy = get(((DoubleBuffer) buffer).duplicate(), new double[n]);
        } else if (buffer instanceof FloatBuffer) {
            copy = get(((FloatBuffer) buffer).duplicate(), new float[n]);
        } else if (buffer instanceof LongBuffer) {
            copy = get(((LongBuffer) buffer).duplicate(), new long[n]);
        } else if (buffer instanceof IntBuffer) {
            copy = get(((IntBuffer) buffer).duplicate(), new int[n]);
        } else if (buffer instanceof ShortBuffer) {
            copy = get(((ShortBuffer) buffer).duplicate(), new short[n]);
        } else if (buffer instanceof CharBuffer) {
            char[] c = new char[n];
            ((CharBuffer) buffer).duplicate().get(c);
            short[] s = new short[n];
            for (int i = 0; i < n; i++) {
                s[i] = (short) c[i];
            }
            ensure();
            long[] dims = shape.length == 0 ? new long[] {n} : shape;
            new NDArray("uint16", s, dims); // validates the shape
            return Ops.numpyCopyOf(s, "uint16", dims);
        } else {
            throw new IllegalArgumentException(
                    "unsupported buffer type " + buffer.getClass().getName());
        }
        return toNumpy(copy, shape);
    }

    private static Object get(Buffer b, Object into) {
        if (b instanceof DoubleBuffer) {
            ((DoubleBuffer) b).get((double[]) into);
        } else if (b instanceof FloatBuffer) {
            ((FloatBuffer) b).get((float[]) into);
        } else if (b instanceof LongBuffer) {
            ((LongBuffer) b).get((long[]) into);
        } else if (b instanceof IntBuffer) {
            ((IntBuffer) b).get((int[]) into);
        } else {
            ((ShortBuffer) b).get((short[]) into);
        }
        return into;
    }

    /** {@code shared} is what crosses ({@code buffer}, or its {@link UnmanagedBuffer}). */
    private static PyObject toNumpyView(Object shared, ByteBuffer buffer, String dtype, long... shape) {
        ensure();
        if (buffer == null || !buffer.isDirect()) {
            throw new IllegalArgumentException("Python.toNumpy shares a direct ByteBuffer"
                    + " (ByteBuffer.allocateDirect); copy a heap buffer's bytes, or use toNumpy(array, shape)");
        }
        int item = DTypes.itemSize(dtype);
        DTypes.code(dtype); // validates the dtype
        long[] dims = shape.length == 0 ? new long[] {buffer.remaining() / item} : shape;
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n * item > buffer.remaining()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " of " + dtype + " needs " + n * item
                    + " bytes; the buffer has " + buffer.remaining() + " remaining");
        }
        boolean bigEndian =
                item > 1 && buffer.order() == ByteOrder.BIG_ENDIAN && ByteOrder.nativeOrder() != ByteOrder.BIG_ENDIAN;
        return Ops.numpyView(shared, dtype, bigEndian, dims);
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
     * @param <T> the class taught
     * @param type the class whose values (and its subclasses' and implementations') are converted
     * @param toPython turns a {@code type} value into one pybridge converts (a String, a Map, a {@link PyObject}, ...)
     */
    public static <T> void registerConverter(Class<T> type, Function<? super T, ?> toPython) {
        if (type == null) {
            throw new IllegalArgumentException(
                    "registerConverter needs a class (and a function, or null to remove" + " the registration)");
        }
        ConverterRegistry.register(type, toPython);
    }

    /**
     * Removes the converter registered for exactly {@code type} (as
     * {@code registerConverter(type, null)} does); values of it convert as
     * they would have without it. Returns nothing and changes nothing if
     * none was registered.
     *
     * @param type the class whose converter goes
     */
    public static void unregisterConverter(Class<?> type) {
        if (type == null) {
            throw new IllegalArgumentException("unregisterConverter needs a class");
        }
        ConverterRegistry.register(type, null);
    }

    // ---- calling by name, scripts, DataFrames ------------------------------------------------------

    /**
     * Calls a function by its dotted name: {@code Python.call("os.path.join", "a", "b")}
     * imports the longest importable module prefix ({@code os.path}) and
     * takes the rest as attributes ({@code join}; {@code "json.JSONEncoder.encode"}
     * works too); a name with no dot is a builtin ({@code "len"}). Arguments
     * are converted with {@link #toPython}. The result as a handle.
     *
     * @param dottedName e.g. {@code "os.path.join"}
     * @param args the arguments
     * @return the result, a new handle
     */
    public static PyObject call(String dottedName, Object... args) {
        return resolve(dottedName).call(args);
    }

    /**
     * {@link #call(String, Object...)} with the result converted to {@code type}.
     *
     * @param <T> the result's type
     * @param type the class of the result
     * @param dottedName e.g. {@code "os.path.join"}
     * @param args the arguments
     * @return the result, converted
     */
    public static <T> T callAs(Class<T> type, String dottedName, Object... args) {
        return resolve(dottedName).callAs(type, args);
    }

    /**
     * The object a dotted name names (see {@link #call(String, Object...)}), as a handle.
     *
     * @param dottedName e.g. {@code "os.path.join"}
     * @return the object it names
     */
    public static PyObject resolve(String dottedName) {
        if (dottedName == null || dottedName.isEmpty()) {
            throw new IllegalArgumentException("a dotted name such as \"os.path.join\" is needed");
        }
        ensure();
        return Support.fn("resolve").call(dottedName);
    }

    /**
     * Runs a Python script file as {@code runpy.run_path} does: as
     * {@code __main__} (so {@code if __name__ == "__main__":} blocks run),
     * with {@code __file__} set to the path, {@code sys.argv} set to the
     * path followed by {@code argv} while it runs (restored afterwards), and
     * the script's directory first on {@code sys.path} meanwhile. Returns
     * the script's globals when it finishes (a new namespace, not
     * {@code __main__}'s). An error in the script is a
     * {@link PythonException} whose traceback and frames name the file and
     * line; a missing file is a {@code PythonException} of type
     * {@code FileNotFoundError}.
     *
     * @param path the script file
     * @param argv the arguments after the path in {@code sys.argv}
     * @return the script's globals
     */
    public static PyNamespace runScript(Path path, String... argv) {
        if (path == null) {
            throw new IllegalArgumentException("runScript needs a path");
        }
        ensure();
        String p = path.toAbsolutePath().toString();
        return new PyNamespace(Lifetimes.unscoped(() -> Support.fn("run_script").call(p, List.of(argv))));
    }

    /**
     * A pandas {@code DataFrame} made from columns, in one call: the reverse
     * of {@link PyObject#toColumns()}. Each value is a column: an
     * {@link NDArray} (numeric, bool, {@code datetime64}…), a Java primitive
     * array, a {@code List} (strings, java.time values, mixed: an object
     * column), or a {@code PyObject} (a numpy array, a Series…). The map's
     * order is the column order.
     *
     * @param columns column name to column
     * @return the new DataFrame
     */
    public static PyObject fromColumns(Map<String, ?> columns) {
        if (columns == null) {
            throw new IllegalArgumentException("fromColumns needs a map of column name to column");
        }
        ensure();
        return Support.fn("frame_of").call(columns);
    }

    /**
     * A deep copy into Java: None→null, bool→Boolean, int→Long (BigInteger
     * beyond 64 bits), float→Double, str→String, bytes/bytearray→byte[],
     * list→ArrayList, tuple→unmodifiable List, dict→LinkedHashMap (order
     * kept), set→LinkedHashSet, frozenset→unmodifiable Set, dict views
     * ({@code keys()}→Set, {@code values()}→List, {@code items()}→List of
     * pairs), numpy arrays of a supported dtype→{@link NDArray}, numpy
     * scalars→their value, {@code datetime}/{@code date}/{@code time}/{@code timedelta}
     * (and pandas' Timestamp/Timedelta, numpy's datetime64/timedelta64
     * scalars)→java.time values, {@code Decimal}→BigDecimal, pandas'
     * {@code NaT}→null; anything else stays a PyObject (the same one, at the
     * top level).
     *
     * @param obj the handle to convert (null gives null)
     * @return a deep copy into Java
     */
    public static Object toJava(PyObject obj) {
        return obj == null ? null : obj.toJava();
    }

    // ---- GIL and scopes ----------------------------------------------------------------

    /**
     * Runs {@code body} holding the GIL throughout (calls inside skip re-taking it). Reentrant.
     *
     * @param <T> the type of {@code body}'s result
     * @param body the code to run
     * @return what {@code body} returned
     */
    public static <T> T withGil(Supplier<T> body) {
        try (Gil g = acquireGil()) {
            return body.get();
        }
    }

    /**
     * Takes the GIL until the returned lease is closed (on this thread). Reentrant.
     *
     * @return the lease: closing it (on this thread) lets the GIL go
     */
    public static Gil acquireGil() {
        ensure();
        return new Gil();
    }

    /**
     * While this thread holds the GIL, lets other threads run Python during
     * {@code body} (Java work that blocks); takes it back afterwards.
     * Outside a {@link #withGil} it just runs {@code body}.
     * @param body the Java work to run while other threads may run Python
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
     * @return a fresh namespace (globals dict with its own builtins), independent of {@code __main__} and of any scope
     */
    public static PyNamespace newNamespace() {
        ensure();
        return new PyNamespace(
                Lifetimes.unscoped(() -> Support.fn("new_namespace").call()));
    }

    /**
     * Opens a {@link ResourceScope} on this thread (use try-with-resources).
     *
     * @return the new scope, open on this thread
     */
    public static ResourceScope openScope() {
        ensure();
        return ResourceScope.open();
    }

    /**
     * Runs {@code body} as if no {@link ResourceScope} were open on this
     * thread: handles made inside belong to the GC (or to whoever closes
     * them), not to the innermost scope. For caches and other long-lived
     * objects created while a scope happens to be open.
     * @param <T> the type of {@code body}'s result
     * @param body the code to run
     * @return what {@code body} returned
     */
    public static <T> T unscoped(Supplier<T> body) {
        return Lifetimes.unscoped(body);
    }

    /**
     * {@code with-gil-stack-rc-context}: holds the GIL and a scope around
     * {@code body}; every handle made inside is released when it returns,
     * except a {@code PyObject} returned by {@code body}, which is kept
     * (moved to the enclosing scope, or to GC tracking).
     * @param <T> the type of {@code body}'s result
     * @param body the code to run
     * @return what {@code body} returned (a {@code PyObject} kept)
     */
    public static <T> T withGilScope(Supplier<T> body) {
        try (Gil g = acquireGil();
                ResourceScope s = ResourceScope.open()) {
            T r = body.get();
            if (r instanceof PyObject) {
                ((PyObject) r).keep();
            }
            return r;
        }
    }

    // ---- observability ------------------------------------------------------------------

    /**
     * A snapshot of the counters (no GIL taken).
     *
     * @return a snapshot of the counters (no GIL taken)
     */
    public static Stats stats() {
        long[] v = new long[Contract.Stat.COUNT];
        if (isInitialized()) {
            Lifetimes.ensureReclaimer();
            v = Ops.stats();
        }
        return new Stats(v, Lifetimes.trackedLive(), Lifetimes.GC_NUDGES.get(), ResourceScope.depth());
    }

    /**
     * Python's garbage collector ({@code gc} module).
     *
     * @return Python's garbage collector ({@code gc} module)
     */
    public static PyGc gc() {
        ensure();
        return PyGc.INSTANCE;
    }

    /**
     * Drops handles the JVM already collected and that wait in the release
     * queue, now, on this thread. Returns how many ids were dequeued.
     *
     * @return how many ids were dequeued
     */
    public static long drainReleaseQueue() {
        ensure();
        return Ops.longOp(Contract.Op.DRAIN);
    }

    /**
     * Number of thread states in the interpreter (walks CPython's list; takes the GIL).
     *
     * @return the number of thread states in the interpreter
     */
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

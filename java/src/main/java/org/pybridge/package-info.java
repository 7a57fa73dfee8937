/**
 * CPython embedded in the JVM: run Python code, call Python functions, and
 * move values between the two, in-process.
 *
 * <pre>{@code
 * Python.initialize();
 * try (ResourceScope scope = Python.openScope()) {          // handles made inside die with it
 *     PyObject np = Python.importModule("numpy");
 *     double mean = np.callAttr("arange", 10).callAttrAs(Double.class, "mean");   // 4.5
 *     List<Object> xs = Python.eval("[1, 'two', 3.0]").asList();                 // a live view
 * }
 * }</pre>
 *
 * <h2>Starting</h2>
 * {@link org.pybridge.Python#initialize()} finds a CPython (3.9 to 3.13,
 * built with a shared libpython: {@code PYBRIDGE_PYTHON}, an active
 * virtualenv, or {@code python3} on {@code PATH}), loads its libpython by
 * full path and starts one interpreter for the life of the JVM. Everything
 * else starts it on first use. {@link org.pybridge.PythonConfig} chooses
 * the executable, extra {@code sys.path} entries and the knobs below.
 *
 * <h2>Handles</h2>
 * A Python object seen from Java is a {@link org.pybridge.PyObject}: a
 * handle holding one Python reference. Methods that return
 * {@code PyObject} make a new handle; methods taking a {@code Class} (or a
 * {@link org.pybridge.Conversion}) convert the result to Java values and
 * make none for scalars, which is the fast path. A handle is released
 * exactly once, by the first of:
 * <ul>
 * <li>{@link org.pybridge.PyObject#close()};</li>
 * <li>closing the {@link org.pybridge.ResourceScope} it was made in
 *     ({@link org.pybridge.Python#openScope()}; {@code keep()} lets one
 *     escape);</li>
 * <li>the JVM's garbage collector, for handles made outside any scope: a
 *     phantom reference hands the id to a native release thread, which drops
 *     a batch at a time with one GIL acquisition.</li>
 * </ul>
 * Using a released handle throws
 * {@link org.pybridge.PyObjectReleasedException}; it never crashes. A handle
 * passed to a call stays alive until Python holds its own reference.
 *
 * <h2>Threads and the GIL</h2>
 * Any thread may call at any time; each gets a Python thread state, kept
 * until the thread ends. A call takes the GIL for its duration. A GIL lease
 * ({@link org.pybridge.Python#withGil}, {@link org.pybridge.Python#acquireGil()})
 * gives the holding thread, platform or virtual, exclusive use of Python
 * across many calls while its Java code runs, and lets other threads in
 * when its Python gives the GIL up (a sleep, I/O, a call back into Java),
 * as CPython does. Python code runs on a stack of its own, so deep
 * recursion raises {@code RecursionError} on any JVM thread instead of
 * overflowing it.
 *
 * <h2>Conversions</h2>
 * {@link org.pybridge.Python#toPython} copies Java values into Python
 * (numbers, strings, collections, maps, arrays; Java function objects
 * become Python callables; a direct {@code ByteBuffer} is shared with no
 * copy); {@link org.pybridge.PyObject#toJava()} copies Python values into
 * {@code java.util} collections and boxed values; numpy arrays cross as
 * {@link org.pybridge.NDArray} copies or as shared buffers
 * ({@link org.pybridge.Python#toNumpy}, {@link org.pybridge.PyObject#asBuffer()}).
 * {@link org.pybridge.PyObject#asList()} and {@link org.pybridge.PyObject#asMap()}
 * are live views with no copy.
 *
 * <h2>Output and logs</h2>
 * Python's {@code sys.stdout} and {@code sys.stderr} write to the
 * {@code System.out} and {@code System.err} current at each write (so
 * {@code System.setOut} and test runners capture them), a line at a time,
 * keeping their order with Java's own prints;
 * {@link org.pybridge.PythonConfig#stdout(PythonConfig.Output)} sends them
 * to a {@code PrintStream} or a {@code Consumer<String>} instead, or leaves
 * them on the file descriptors. pybridge's own log records, native ones
 * included, go to the {@code System.Logger} named {@code org.pybridge}
 * (start-up decisions at debug level), so the application's logging
 * configuration controls them.
 *
 * <h2>JDK 22 and later</h2>
 * pybridge loads native libraries (CPython and its own), which these JDKs
 * restrict: run with {@code --enable-native-access=ALL-UNNAMED} (or
 * {@code =org.pybridge} when the jar is on the module path). Without it
 * JDK 24+ warns, and with {@code --illegal-native-access=deny} start-up
 * fails with a {@link org.pybridge.PythonInitializationException} naming
 * the flag.
 *
 * <h2>Errors</h2>
 * A Python exception arrives as a {@link org.pybridge.PythonException}
 * (type, message, traceback, with the Python frames in its stack trace);
 * misuse is an {@code IllegalArgumentException} or
 * {@code IllegalStateException} that says what to do; nothing a caller does
 * crashes the JVM.
 */
package org.pybridge;

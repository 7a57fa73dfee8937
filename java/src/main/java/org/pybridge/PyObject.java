package org.pybridge;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A handle to a Python object.
 *
 * <p>Each {@code PyObject} holds one Python reference. It is released
 * exactly once, by whichever comes first: {@link #close()}; the close of the
 * {@link ResourceScope} it was created in; or, for a handle made outside any
 * scope (or {@link #keep() kept} out of one), the JVM garbage collector
 * (a phantom reference hands it to the native release queue). Using a
 * released handle throws {@link PyObjectReleasedException} naming the Python
 * type; it never crashes.
 *
 * <p>Methods that return {@code PyObject} make a new handle; methods with a
 * {@code Class<T>} parameter convert the result straight to Java and make no
 * handle (the fast path for scalars). Any thread may call any method; the
 * GIL is taken per call unless the thread holds it ({@link Python#withGil}).
 */
public class PyObject implements AutoCloseable, Iterable<PyObject>, Serializable {
    private static final long serialVersionUID = 1L;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PyObject.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Unique for the life of the process; never reused. */
    final long id;
    /** Where the object sits in the native table (reused; checked against id). */
    final int slot;
    /** 0 = live, 1 = released through this wrapper or its scope. */
    private volatile int state;
    /** The {@link ResourceScope} that owns it, or its GC tracker. */
    Object owner;
    /** The sub-interpreter it belongs to; null: the main interpreter. */
    final Interpreter interp;

    PyObject(long id, int slot) {
        this.id = id;
        this.slot = slot;
        this.interp = Interpreter.ownerForNewObject();
    }

    /** Wraps a handle the native side just made, and gives it an owner. */
    static PyObject adopt(long id, int slot) {
        PyObject o = new PyObject(id, slot);
        Lifetimes.adopt(o);
        return o;
    }

    /**
     * A handle cannot be serialized: it names an object in this JVM's Python
     * only. {@code PyObject} is {@link java.io.Serializable} so that a
     * closure capturing one (a Spark task, a Flink function) fails when it is
     * serialized, at submit time, with this message instead of a bare class name.
     * @param out the stream the handle is written to
     * @throws java.io.IOException always: {@link java.io.NotSerializableException}
     */
    private void writeObject(ObjectOutputStream out) throws IOException {
        throw new NotSerializableException(NOT_SERIALIZABLE);
    }

    /**
     * Never called (no handle is ever written); refuses as {@code writeObject} does.
     *
     * @param in the stream
     * @throws java.io.IOException always: {@link java.io.NotSerializableException}
     */
    private void readObject(ObjectInputStream in) throws IOException {
        throw new NotSerializableException(NOT_SERIALIZABLE);
    }

    static final String NOT_SERIALIZABLE = "org.pybridge.PyObject is a handle to an object in this JVM's"
            + " Python and cannot be serialized or sent to another JVM (a Spark executor, a Flink task)."
            + " Send a reference that resolves there instead: org.pybridge.integration.PyFunction.of(module,"
            + " name), PyFunction.fromSource(source, name) or PyFunction.fromFile(file, name) (the"
            + " pybridge-integration jar); send data as Java values (toJava(), NDArray).";

    /** Marks released; true if this call did it (the caller then frees the id). */
    boolean markReleased() {
        return STATE.compareAndSet(this, 0, 1);
    }

    static PyObjectReleasedException releasedError(long id, String type) {
        return new PyObjectReleasedException(
                type,
                "this PyObject (a Python '" + type + "', handle #"
                        + Long.toHexString(id) + ") was already released: it was closed, or the ResourceScope it"
                        + " was created in was closed. Call keep() inside the scope to let a handle outlive it.");
    }

    // ---- attributes ----------------------------------------------------------

    /**
     * {@code getattr(self, name)}.
     *
     * @param name the attribute's name
     * @return the result, a new handle
     */
    public PyObject getAttr(String name) {
        return (PyObject) getAttrImpl(name, Contract.Mode.HANDLE);
    }

    /**
     * {@code getattr(self, name)} converted to {@code type} (no handle made for scalars).
     *
     * @param <T> the Java type of the result
     * @param name the attribute's name
     * @param type the Java type to convert the result to
     * @return the result, converted to {@code type}
     */
    public <T> T getAttr(String name, Class<T> type) {
        return ResultTypes.coerce(getAttrImpl(name, ResultTypes.modeFor(type)), type);
    }

    /**
     * {@code getattr(self, name)}, returned as {@code conversion} says.
     *
     * @param name the attribute's name
     * @param conversion how the result comes back to Java
     * @return the result, as {@code conversion} says
     */
    public Object getAttr(String name, Conversion conversion) {
        return getAttrImpl(name, conversion.code);
    }

    private Object getAttrImpl(String name, byte mode) {
        return Ops.getAttr(this, name, mode);
    }

    /**
     * {@code setattr(self, name, value)}; {@code value} is converted with {@link Python#toPython}.
     *
     * @param name the attribute's name
     * @param value the value, converted with {@link Python#toPython}
     */
    public void setAttr(String name, Object value) {
        Ops.setAttr(this, name, value);
    }

    /**
     * {@code delattr(self, name)}.
     *
     * @param name the attribute's name
     * @throws PythonException an {@code AttributeError} if there is none
     */
    public void delAttr(String name) {
        if (name == null) {
            throw new IllegalArgumentException("delAttr needs an attribute name");
        }
        Support.fn("del_attr").call(this, name).close();
    }

    /**
     * {@code hasattr(self, name)}.
     *
     * @param name the attribute's name
     * @return {@code hasattr(self, name)}
     */
    public boolean hasAttr(String name) {
        return Ops.test(Contract.Op.HASATTR, this, name);
    }

    // ---- calls ---------------------------------------------------------------

    /**
     * {@code self(*args)}; arguments are converted with {@link Python#toPython}.
     *
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, a new handle
     */
    public PyObject call(Object... args) {
        return (PyObject) callImpl(Contract.Op.CALL, null, Contract.Mode.HANDLE, null, args);
    }

    /**
     * {@code self(*args, **kwargs)}.
     *
     * @param kwargs the keyword arguments, converted with {@link Python#toPython} (null or empty: none)
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, a new handle
     */
    public PyObject callKw(Map<String, ?> kwargs, Object... args) {
        return (PyObject) callImpl(Contract.Op.CALL, null, Contract.Mode.HANDLE, kwargs, args);
    }

    /**
     * {@code self(*args)} with the result converted straight to {@code type}
     * ({@code Long}, {@code Double}, {@code String}, {@code List}, {@code Map},
     * {@code Object}…): no handle is made. The fastest way to call Python.
     * @param <T> the Java type of the result
     * @param type the Java type to convert the result to
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, converted to {@code type}
     */
    @SuppressWarnings("unchecked")
    public <T> T callAs(Class<T> type, Object... args) {
        if ((type == Long.class || type == Object.class || type == Number.class)
                && args != null
                && args.length == 1
                && (args[0] instanceof Long || args[0] instanceof Integer)) {
            // The most common call, f(int) -> int: no boxing or encoding on the way.
            return (T) callLongAs(((Number) args[0]).longValue(), type);
        }
        return ResultTypes.coerce(callImpl(Contract.Op.CALL, null, ResultTypes.modeFor(type), null, args), type);
    }

    /**
     * {@code self(*args, **kwargs)} converted to {@code type}.
     *
     * @param <T> the Java type of the result
     * @param type the Java type to convert the result to
     * @param kwargs the keyword arguments, converted with {@link Python#toPython} (null or empty: none)
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, converted to {@code type}
     */
    public <T> T callKwAs(Class<T> type, Map<String, ?> kwargs, Object... args) {
        return ResultTypes.coerce(callImpl(Contract.Op.CALL, null, ResultTypes.modeFor(type), kwargs, args), type);
    }

    /**
     * {@code self.name(*args)}.
     *
     * @param name the attribute's name
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, a new handle
     */
    public PyObject callAttr(String name, Object... args) {
        return (PyObject) callImpl(Contract.Op.CALLATTR, name, Contract.Mode.HANDLE, null, args);
    }

    /**
     * {@code self.name(*args, **kwargs)}.
     *
     * @param name the attribute's name
     * @param kwargs the keyword arguments, converted with {@link Python#toPython} (null or empty: none)
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, a new handle
     */
    public PyObject callAttrKw(String name, Map<String, ?> kwargs, Object... args) {
        return (PyObject) callImpl(Contract.Op.CALLATTR, name, Contract.Mode.HANDLE, kwargs, args);
    }

    /**
     * {@code self.name(*args)} converted to {@code type}.
     *
     * @param <T> the Java type of the result
     * @param type the Java type to convert the result to
     * @param name the attribute's name
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, converted to {@code type}
     */
    public <T> T callAttrAs(Class<T> type, String name, Object... args) {
        return ResultTypes.coerce(callImpl(Contract.Op.CALLATTR, name, ResultTypes.modeFor(type), null, args), type);
    }

    /**
     * {@code self(x)} with the result as a {@code long}: the typed fast path
     * (no boxing, no encoding when Python returns an int that fits). Other
     * results convert as {@code callAs(long.class, x)} does: None, or a
     * non-int, is a {@link ClassCastException}; an int beyond 64 bits an
     * {@link ArithmeticException}.
     * @param x the argument
     * @return the result of {@code self(x)}
     */
    public long callLong(long x) {
        Object v = Ops.callLong(this, x, Contract.Mode.STRICT);
        return v instanceof Long ? (Long) v : ResultTypes.coerce(v, long.class);
    }

    /** {@code callAs(type, x)} for a {@code long} argument, through the fast path. */
    private Object callLongAs(long x, Class<?> type) {
        Object v = Ops.callLong(this, x, ResultTypes.modeFor(type));
        // The fast path's Long needs no coercion for the types that reach here (Long, Number, Object).
        return v instanceof Long ? v : ResultTypes.coerce(v, type);
    }

    /**
     * {@code self(*args, **kwargs)} ({@code kwargs} may be null), returned as {@code conversion} says.
     *
     * @param conversion how the result comes back to Java
     * @param kwargs the keyword arguments, converted with {@link Python#toPython} (null or empty: none)
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, as {@code conversion} says
     */
    public Object callWith(Conversion conversion, Map<String, ?> kwargs, Object... args) {
        return callImpl(Contract.Op.CALL, null, conversion.code, kwargs, args);
    }

    /**
     * {@code self.name(*args, **kwargs)} ({@code kwargs} may be null), returned as {@code conversion} says.
     *
     * @param conversion how the result comes back to Java
     * @param name the attribute's name
     * @param kwargs the keyword arguments, converted with {@link Python#toPython} (null or empty: none)
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @return the result, as {@code conversion} says
     */
    public Object callAttrWith(Conversion conversion, String name, Map<String, ?> kwargs, Object... args) {
        return callImpl(Contract.Op.CALLATTR, name, conversion.code, kwargs, args);
    }

    private Object callImpl(int op, String name, byte mode, Map<String, ?> kwargs, Object[] args) {
        return Ops.call(this, op == Contract.Op.CALLATTR ? name : null, mode, kwargs, args);
    }

    // ---- items ---------------------------------------------------------------

    /**
     * {@code self[key]}.
     *
     * @param key the key or index, converted with {@link Python#toPython}
     * @return the result, a new handle
     */
    public PyObject getItem(Object key) {
        return (PyObject) getItemImpl(key, Contract.Mode.HANDLE);
    }

    /**
     * {@code self[key]} converted to {@code type}.
     *
     * @param <T> the Java type of the result
     * @param key the key or index, converted with {@link Python#toPython}
     * @param type the Java type to convert the result to
     * @return the result, converted to {@code type}
     */
    public <T> T getItem(Object key, Class<T> type) {
        return ResultTypes.coerce(getItemImpl(key, ResultTypes.modeFor(type)), type);
    }

    /**
     * {@code self[key]}, returned as {@code conversion} says.
     *
     * @param key the key or index, converted with {@link Python#toPython}
     * @param conversion how the result comes back to Java
     * @return the result, as {@code conversion} says
     */
    public Object getItem(Object key, Conversion conversion) {
        return getItemImpl(key, conversion.code);
    }

    private Object getItemImpl(Object key, byte mode) {
        return Ops.getItem(this, key, mode);
    }

    /**
     * {@code self[key] = value}.
     *
     * @param key the key or index, converted with {@link Python#toPython}
     * @param value the value, converted with {@link Python#toPython}
     */
    public void setItem(Object key, Object value) {
        Ops.setItem(this, key, value);
    }

    /**
     * {@code del self[key]}.
     *
     * @param key the key or index, converted with {@link Python#toPython}
     */
    public void delItem(Object key) {
        Ops.delItem(this, key);
    }

    /**
     * {@code key in self}.
     *
     * @param key the key or index, converted with {@link Python#toPython}
     * @return {@code key in self}
     */
    public boolean contains(Object key) {
        return Ops.test(Contract.Op.CONTAINS, this, key);
    }

    /**
     * {@code len(self)}.
     *
     * @return {@code len(self)}
     */
    public long len() {
        return Ops.longOp(Contract.Op.LEN, this);
    }

    // ---- conversion and description ------------------------------------------

    /**
     * A deep copy into Java values (see {@link Python#toJava}); an object with
     * no Java counterpart returns this same {@code PyObject}.
     * @return a deep copy into Java values (see {@link Python#toJava})
     */
    public Object toJava() {
        return toJavaImpl(Contract.Mode.CONVERT);
    }

    /**
     * This object as {@code conversion} says: {@link Conversion#SHALLOW} gives
     * a Java value for a scalar and this same {@code PyObject} otherwise;
     * {@link Conversion#ELEMENTS} gives a list or tuple as a list of shallow
     * items (one call); {@link Conversion#DEEP} is {@link #toJava()}.
     * @param conversion how the result comes back to Java
     * @return the result, as {@code conversion} says
     */
    public Object toJava(Conversion conversion) {
        return conversion == Conversion.HANDLE ? this : toJavaImpl(conversion.code);
    }

    /**
     * A deep copy like {@link #toJava()}, with containers, big ints and
     * unconvertible objects built by {@code factory} in the same pass. An
     * object with no Java counterpart returns this same {@code PyObject}.
     * @param factory what makes the Java values
     * @return a deep copy like {@link #toJava()}, with containers, big ints and unconvertible objects built by {@code factory} in the same pass
     */
    public Object toJava(ValueFactory factory) {
        return Ops.toJava(this, Contract.Mode.CONVERT, factory);
    }

    private Object toJavaImpl(byte mode) {
        return Ops.toJava(this, mode, null);
    }

    /**
     * A deep copy converted to {@code type} (e.g. {@code Map.class}).
     *
     * @param <T> the Java type of the result
     * @param type the Java type to convert the result to
     * @return the result, converted to {@code type}
     */
    public <T> T toJava(Class<T> type) {
        return ResultTypes.coerce(toJava(), type);
    }

    /**
     * Which protocol this object's type follows first (mapping, sequence,
     * callable, iterable…); decided once per Python type and cached.
     *
     * @return which protocol this object's type follows first (mapping, sequence, callable, iterable…)
     */
    public PyKind kind() {
        return Kinds.of(this);
    }

    /**
     * Qualified Python type name: {@code int}, {@code collections.OrderedDict}, {@code numpy.ndarray}.
     *
     * @return the qualified Python type name
     */
    public String typeName() {
        return stringOp(Contract.Op.TYPENAME);
    }

    /**
     * {@code repr(self)}.
     *
     * @return {@code repr(self)}
     */
    public String repr() {
        return stringOp(Contract.Op.REPR);
    }

    /** {@code str(self)}; for a released handle a description instead of an exception. */
    @Override
    public String toString() {
        if (state != 0) {
            return "<released PyObject #" + Long.toHexString(id) + ">";
        }
        try {
            return stringOp(Contract.Op.STR);
        } catch (PyObjectReleasedException e) {
            return "<released PyObject #" + Long.toHexString(id) + ">";
        }
    }

    private String stringOp(int op) {
        return Ops.stringOp(op, this);
    }

    /**
     * Iterates {@code iter(self)}; each item is a new handle (owned like any
     * other: by the current scope, or the GC). Lazy: a generator is advanced
     * one item per {@code next()}, so an infinite one works with a bounded loop.
     */
    @Override
    public Iterator<PyObject> iterator() {
        @SuppressWarnings("unchecked")
        Iterator<PyObject> i = (Iterator<PyObject>) (Iterator<?>) iterator(Conversion.HANDLE);
        return i;
    }

    /**
     * Iterates {@code iter(self)} lazily, each item returned as
     * {@code conversion} says ({@link Conversion#SHALLOW}: scalars as Java
     * values, other items as handles).
     * @param conversion how the result comes back to Java
     * @return an iterator over {@code iter(self)}, each item as {@code conversion} says
     */
    public Iterator<Object> iterator(Conversion conversion) {
        final PyObject it = simpleOp(Contract.Op.ITER);
        final byte mode = conversion.code;
        return new Iterator<Object>() {
            private Object pending;
            private boolean fetched; // pending holds the next item (which may be null: None)
            private boolean done;

            @Override
            public boolean hasNext() {
                if (done) {
                    return false;
                }
                if (!fetched) {
                    boolean[] end = {false};
                    pending = Ops.next(it, mode, end);
                    if (end[0]) {
                        done = true;
                        it.close();
                        return false;
                    }
                    fetched = true;
                }
                return true;
            }

            @Override
            public Object next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Object v = pending;
                pending = null;
                fetched = false;
                return v;
            }
        };
    }

    private PyObject simpleOp(int op) {
        return Ops.handleOp(op, this);
    }

    /**
     * Python identity: {@code self is other}.
     *
     * @param other another handle
     * @return whether both refer to the same Python object
     */
    public boolean isSame(PyObject other) {
        return Ops.is(this, other);
    }

    // ---- views, equality, context managers, weak references --------------------

    /**
     * A live {@code java.util.List} over this Python sequence (no copy): reads
     * and writes go to Python, so mutations are visible on both sides;
     * {@code sort(null)} sorts a Python list in place.
     * @return a live {@code java.util.List} over this Python sequence (no copy)
     */
    public List<Object> asList() {
        return asList(Conversion.DEEP);
    }

    /**
     * {@link #asList()} with elements read as {@code conversion} says:
     * {@link Conversion#SHALLOW} gives scalars as Java values and every other
     * element as a {@code PyObject} (no copy, so nested containers stay live).
     * @param conversion how the result comes back to Java
     * @return {@link #asList()} with elements read as {@code conversion} says
     */
    public List<Object> asList(Conversion conversion) {
        if (kind() == PyKind.MAPPING) {
            String t = typeName();
            boolean frame = Support.fn("is_frame").callAs(Boolean.class, this);
            throw new IllegalArgumentException("a Python '" + t + "' is a mapping, not a sequence: "
                    + (frame
                            ? "toColumns() gives its columns, asMap() a live view by column name"
                            : "use asMap(), or asList() on its keys(), values() or items()"));
        }
        return new PyListView(this, conversion == Conversion.ELEMENTS ? Conversion.SHALLOW : conversion);
    }

    /**
     * A pandas {@code DataFrame}'s columns in one call, as a map in column
     * order from name ({@code str(name)}; two columns of one name are an
     * error) to column:
     *
     * <ul>
     *   <li>numeric and bool columns: an {@link NDArray} of their dtype
     *       (nullable {@code Int64}/{@code Float64}… with missing values: an
     *       NDArray of float64 with NaN for a float column, a {@code List}
     *       with nulls for an integer one);
     *   <li>{@code datetime64}/{@code timedelta64} columns: an NDArray of
     *       {@code long} counts with its unit ({@link NDArray#unit()},
     *       {@link NDArray#toInstants()}); a time-zone-aware column in UTC;
     *   <li>anything else (strings, {@code object}, categories): a
     *       {@code List} of its values converted as {@link #toJava()} does,
     *       missing values as null.
     * </ul>
     *
     * A {@code Series} gives its one column ({@link #toColumn()}). The
     * reverse is {@link Python#fromColumns}.
     *
     * @return the columns by name, in the frame's column order
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> toColumns() {
        Object v = Support.fn("columns").callAs(Object.class, this);
        if (!(v instanceof Map)) {
            throw new ClassCastException("a pandas Series has one column: use toColumn()");
        }
        return (Map<String, Object>) v;
    }

    /**
     * A pandas {@code Series} as its column: an {@link NDArray} or a {@code List}, as in {@link #toColumns()}.
     *
     * @return the column: an {@link NDArray} or a {@code List}
     */
    public Object toColumn() {
        return Support.fn("columns").callAs(Object.class, this);
    }

    /**
     * A live {@code java.util.Map} over this Python mapping (no copy); a
     * missing key reads as {@code null}.
     * @return a live {@code java.util.Map} over this Python mapping (no copy)
     */
    public Map<Object, Object> asMap() {
        return new PyMapView(this, Conversion.DEEP);
    }

    /**
     * {@link #asMap()} with keys and values read as {@code conversion} says (see {@link #asList(Conversion)}).
     *
     * @param conversion how the result comes back to Java
     * @return {@link #asMap()} with keys and values read as {@code conversion} says (see {@link #asList(Conversion)})
     */
    public Map<Object, Object> asMap(Conversion conversion) {
        return new PyMapView(this, conversion == Conversion.ELEMENTS ? Conversion.SHALLOW : conversion);
    }

    /**
     * Python equality: {@code self == other} (true for the same object; false
     * when the comparison raises). Only another {@code PyObject} can be equal.
     */
    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof PyObject) || isReleased() || ((PyObject) other).isReleased()) {
            return false;
        }
        try {
            return Support.fn("eq").callAs(Boolean.class, this, other);
        } catch (PyObjectReleasedException e) {
            return false;
        }
    }

    /**
     * Python's {@code hash(self)}, folded to an int; unhashable objects (a
     * list, a dict) all hash to the same constant, which keeps the contract
     * with {@link #equals} (equal objects, equal hashes).
     */
    @Override
    public int hashCode() {
        if (isReleased()) {
            return System.identityHashCode(this);
        }
        try {
            Long h = Support.fn("hash_or_none").callAs(Long.class, this);
            return h == null ? 0x2f1d7a1b : Long.hashCode(h);
        } catch (PyObjectReleasedException e) {
            return System.identityHashCode(this);
        }
    }

    /**
     * Enters this Python context manager ({@code with}): calls
     * {@code __enter__}; closing the returned context calls
     * {@code __exit__(None, None, None)}. For exception-aware exits (and
     * suppression), use {@link #with(java.util.function.Function)}.
     * @return the entered context: {@link PyContext#value()} is what {@code __enter__} returned
     */
    public PyContext enter() {
        return PyContext.enter(this);
    }

    /**
     * Runs {@code body} inside this context manager, as Python's {@code with}
     * does: if {@code body} throws, {@code __exit__} receives the exception
     * (as a {@code pybridge.JavaException}), and a true result suppresses
     * it (this then returns {@code null}).
     * @param <T> the type of {@code body}'s result
     * @param body what runs with the value {@code __enter__} returned
     * @return what {@code body} returned
     */
    public <T> T with(Function<PyObject, T> body) {
        return PyContext.with(this, body);
    }

    /**
     * Calls this async function and runs the coroutine it returns on
     * pybridge's event loop of this interpreter (see {@link PyAsync}): the
     * future completes with the result, or with the {@link PythonException}
     * the coroutine raised; cancelling it cancels the task.
     *
     * <pre>{@code
     * PyObject fetch = Python.resolve("mymodule.fetch_json");   // async def fetch_json(url)
     * CompletableFuture<PyObject> f = fetch.callAsync("http://127.0.0.1:8080/");
     * }</pre>
     *
     * @param args the arguments, converted with {@link Python#toPython}
     * @return a future of the coroutine's result, as a handle
     * @throws PythonException if the call fails or returns no awaitable
     */
    public CompletableFuture<PyObject> callAsync(Object... args) {
        return PyAsync.call(PyObject.class, this, args);
    }

    /**
     * As {@link #callAsync}, the result converted to {@code type} as
     * {@link #callAs} converts.
     *
     * @param <T> the Java type of the result
     * @param type the Java type to convert the result to
     * @param args the arguments, converted with {@link Python#toPython}
     * @return a future of the coroutine's converted result
     */
    public <T> CompletableFuture<T> callAsyncAs(Class<T> type, Object... args) {
        return PyAsync.call(type, this, args);
    }

    /**
     * A Java proxy implementing {@code iface} whose methods call the Python
     * attribute of the same name (GraalPy's {@code Value.as}): arguments are
     * converted with {@link Python#toPython}, results to the method's return
     * type. A callable object used as a functional interface (a Python
     * {@code lambda} as a {@code Function}) is called itself. The proxy keeps
     * this handle; {@code equals}/{@code hashCode}/{@code toString} are
     * Python's. See {@link PyProxy}.
     * @param <T> the interface
     * @param iface the interface the proxy implements
     * @return a Java proxy implementing {@code iface} whose methods call the Python attribute of the same name (GraalPy's {@code Value.as})
     */
    public <T> T as(Class<T> iface) {
        return PyProxy.create(this, iface);
    }

    /**
     * This numpy array copied into Java (dtype, shape, a primitive array);
     * a non-contiguous array is copied contiguous first.
     *
     * @throws ClassCastException if this is not a numpy array, or its dtype
     *     has no Java primitive type (complex, object, strings,
     *     datetime64 of a unit with a multiple…): always this exception,
     *     whatever the dtype
     * @return this numpy array copied into Java (dtype, shape, a primitive array)
     */
    public NDArray toNDArray() {
        Object v = toJava();
        if (v instanceof NDArray) {
            return (NDArray) v;
        }
        String t = typeName();
        if ("numpy.ndarray".equals(t)) {
            throw new ClassCastException(
                    "a numpy array of dtype " + Support.fn("dtype_name").callAs(String.class, this)
                            + " has no Java primitive type (supported: " + DTypes.supported() + "); convert it with"
                            + " .astype(...) first (strings and objects: .tolist() and toJava())");
        }
        throw new ClassCastException("a Python '" + t + "' is not a numpy array (numpy.asarray(x) makes one)");
    }

    /**
     * This object's memory as a direct {@code ByteBuffer}, no copy (the
     * buffer protocol: numpy arrays, {@code bytes} (read-only),
     * {@code bytearray}, {@code memoryview}, {@code array.array}…), in native
     * byte order. Writes through it are seen by Python and the other way
     * round. The Python object stays alive, and its memory in place, while
     * the buffer (or any buffer derived from it) is reachable.
     *
     * @throws IllegalArgumentException if the memory is not C-contiguous
     *     ({@code numpy.ascontiguousarray(x)} makes a contiguous copy), or larger than a
     *     {@code ByteBuffer} can be (2 GiB - 1 bytes: share slices of it instead)
     * @return a direct {@code ByteBuffer} over this object's memory
     */
    public ByteBuffer asBuffer() {
        return Ops.asBuffer(this);
    }

    /**
     * A weak reference: does not keep the object alive (the tool for breaking cycles).
     *
     * @return a weak reference
     */
    public PyWeak weak() {
        return new PyWeak(Support.fn("weak").call(this));
    }

    /**
     * The object's reference count ({@code Py_REFCNT}), counting the
     * reference this handle holds: an object held only by this handle reports
     * 1 (Python's {@code sys.getrefcount} would say one more, for its own
     * argument). For diagnostics.
     * @return the object's reference count ({@code Py_REFCNT}), counting the reference this handle holds
     */
    public long refCount() {
        return Ops.longOp(Contract.Op.REFCOUNT, this);
    }

    // ---- lifetime --------------------------------------------------------------

    /**
     * Throws {@link PyObjectReleasedException} if this handle was released
     * (for operations that may answer without asking the native side).
     */
    void ensureLive() {
        if (interp != null && interp.isClosed()) {
            throw Interpreter.closedObject(interp);
        }
        if (state != 0) {
            // The native side names the type (it keeps it by the handle's id).
            String type = stringOp(Contract.Op.TYPENAME);
            throw releasedError(id, type);
        }
    }

    /**
     * Whether this handle was released (closed, or its scope closed).
     *
     * @return whether this handle was released (closed, or its scope closed)
     */
    public boolean isReleased() {
        return state != 0 || (interp != null && interp.isClosed());
    }

    /**
     * The interpreter this object belongs to (where it may be used).
     *
     * @return the interpreter this object belongs to
     */
    public Interpreter interpreter() {
        return interp != null ? interp : Interpreter.main();
    }

    /**
     * A copy of this object in {@code target} (see {@link Interpreter#copyOf}):
     * pickled, or a buffer's bytes. This object itself for its own interpreter.
     *
     * @param target the interpreter to copy into
     * @return the copy, a handle of {@code target}
     */
    public PyObject copyTo(Interpreter target) {
        return target.copyOf(this);
    }

    /**
     * Lets this handle outlive the {@link ResourceScope} it belongs to: it
     * moves to the enclosing scope, or, when there is none, to tracking by the
     * JVM garbage collector. Returns {@code this}.
     * @return the result, a new handle
     */
    public PyObject keep() {
        Lifetimes.keep(this);
        return this;
    }

    /** Releases the Python reference now. Idempotent. */
    @Override
    public void close() {
        if (!markReleased()) {
            return;
        }
        Lifetimes.detach(this);
        Ops.release(this);
    }
}

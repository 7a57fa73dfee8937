package org.pybridge;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

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
public class PyObject implements AutoCloseable, Iterable<PyObject>, java.io.Serializable {
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
     */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        throw new java.io.NotSerializableException(NOT_SERIALIZABLE);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException {
        throw new java.io.NotSerializableException(NOT_SERIALIZABLE);
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
        return new PyObjectReleasedException(type, "this PyObject (a Python '" + type + "', handle #"
                + Long.toHexString(id) + ") was already released: it was closed, or the ResourceScope it"
                + " was created in was closed. Call keep() inside the scope to let a handle outlive it.");
    }

    // ---- attributes ----------------------------------------------------------

    /** {@code getattr(self, name)}. */
    public PyObject getAttr(String name) {
        return (PyObject) getAttrImpl(name, Contract.Mode.HANDLE);
    }

    /** {@code getattr(self, name)} converted to {@code type} (no handle made for scalars). */
    public <T> T getAttr(String name, Class<T> type) {
        return ResultTypes.coerce(getAttrImpl(name, ResultTypes.modeFor(type)), type);
    }

    /** {@code getattr(self, name)}, returned as {@code conversion} says. */
    public Object getAttr(String name, Conversion conversion) {
        return getAttrImpl(name, conversion.code);
    }

    private Object getAttrImpl(String name, byte mode) {
        return Ops.getAttr(this, name, mode);
    }

    /** {@code setattr(self, name, value)}; {@code value} is converted with {@link Python#toPython}. */
    public void setAttr(String name, Object value) {
        Ops.setAttr(this, name, value);
    }

    /** {@code hasattr(self, name)}. */
    public boolean hasAttr(String name) {
        return Ops.test(Contract.Op.HASATTR, this, name);
    }

    // ---- calls ---------------------------------------------------------------

    /** {@code self(*args)}; arguments are converted with {@link Python#toPython}. */
    public PyObject call(Object... args) {
        return (PyObject) callImpl(Contract.Op.CALL, null, Contract.Mode.HANDLE, null, args);
    }

    /** {@code self(*args, **kwargs)}. */
    public PyObject callKw(Map<String, ?> kwargs, Object... args) {
        return (PyObject) callImpl(Contract.Op.CALL, null, Contract.Mode.HANDLE, kwargs, args);
    }

    /**
     * {@code self(*args)} with the result converted straight to {@code type}
     * ({@code Long}, {@code Double}, {@code String}, {@code List}, {@code Map},
     * {@code Object}…): no handle is made. The fastest way to call Python.
     */
    @SuppressWarnings("unchecked")
    public <T> T callAs(Class<T> type, Object... args) {
        if ((type == Long.class || type == Object.class || type == Number.class) && args != null && args.length == 1
                && (args[0] instanceof Long || args[0] instanceof Integer)) {
            // The most common call, f(int) -> int: no boxing or encoding on the way.
            return (T) callLongAs(((Number) args[0]).longValue(), type);
        }
        return ResultTypes.coerce(callImpl(Contract.Op.CALL, null, ResultTypes.modeFor(type), null, args), type);
    }

    /** {@code self(*args, **kwargs)} converted to {@code type}. */
    public <T> T callKwAs(Class<T> type, Map<String, ?> kwargs, Object... args) {
        return ResultTypes.coerce(callImpl(Contract.Op.CALL, null, ResultTypes.modeFor(type), kwargs, args), type);
    }

    /** {@code self.name(*args)}. */
    public PyObject callAttr(String name, Object... args) {
        return (PyObject) callImpl(Contract.Op.CALLATTR, name, Contract.Mode.HANDLE, null, args);
    }

    /** {@code self.name(*args, **kwargs)}. */
    public PyObject callAttrKw(String name, Map<String, ?> kwargs, Object... args) {
        return (PyObject) callImpl(Contract.Op.CALLATTR, name, Contract.Mode.HANDLE, kwargs, args);
    }

    /** {@code self.name(*args)} converted to {@code type}. */
    public <T> T callAttrAs(Class<T> type, String name, Object... args) {
        return ResultTypes.coerce(callImpl(Contract.Op.CALLATTR, name, ResultTypes.modeFor(type), null, args), type);
    }

    /**
     * {@code self(x)} with the result as a {@code long}: the typed fast path
     * (no boxing, no encoding when Python returns an int that fits). Other
     * results convert as {@code callAs(long.class, x)} does: None, or a
     * non-int, is a {@link ClassCastException}; an int beyond 64 bits an
     * {@link ArithmeticException}.
     */
    public long callLong(long x) {
        return ResultTypes.coerce(Ops.callLong(this, x, Contract.Mode.STRICT), long.class);
    }

    /** {@code callAs(type, x)} for a {@code long} argument, through the fast path. */
    private Object callLongAs(long x, Class<?> type) {
        return ResultTypes.coerce(Ops.callLong(this, x, ResultTypes.modeFor(type)), type);
    }

    /** {@code self(*args, **kwargs)} ({@code kwargs} may be null), returned as {@code conversion} says. */
    public Object callWith(Conversion conversion, Map<String, ?> kwargs, Object... args) {
        return callImpl(Contract.Op.CALL, null, conversion.code, kwargs, args);
    }

    /** {@code self.name(*args, **kwargs)} ({@code kwargs} may be null), returned as {@code conversion} says. */
    public Object callAttrWith(Conversion conversion, String name, Map<String, ?> kwargs, Object... args) {
        return callImpl(Contract.Op.CALLATTR, name, conversion.code, kwargs, args);
    }

    private Object callImpl(int op, String name, byte mode, Map<String, ?> kwargs, Object[] args) {
        return Ops.call(this, op == Contract.Op.CALLATTR ? name : null, mode, kwargs, args);
    }

    // ---- items ---------------------------------------------------------------

    /** {@code self[key]}. */
    public PyObject getItem(Object key) {
        return (PyObject) getItemImpl(key, Contract.Mode.HANDLE);
    }

    /** {@code self[key]} converted to {@code type}. */
    public <T> T getItem(Object key, Class<T> type) {
        return ResultTypes.coerce(getItemImpl(key, ResultTypes.modeFor(type)), type);
    }

    /** {@code self[key]}, returned as {@code conversion} says. */
    public Object getItem(Object key, Conversion conversion) {
        return getItemImpl(key, conversion.code);
    }

    private Object getItemImpl(Object key, byte mode) {
        return Ops.getItem(this, key, mode);
    }

    /** {@code self[key] = value}. */
    public void setItem(Object key, Object value) {
        Ops.setItem(this, key, value);
    }

    /** {@code del self[key]}. */
    public void delItem(Object key) {
        Ops.delItem(this, key);
    }

    /** {@code key in self}. */
    public boolean contains(Object key) {
        return Ops.test(Contract.Op.CONTAINS, this, key);
    }

    /** {@code len(self)}. */
    public long len() {
        return Ops.longOp(Contract.Op.LEN, this);
    }

    // ---- conversion and description ------------------------------------------

    /**
     * A deep copy into Java values (see {@link Python#toJava}); an object with
     * no Java counterpart returns this same {@code PyObject}.
     */
    public Object toJava() {
        return toJavaImpl(Contract.Mode.CONVERT);
    }

    /**
     * This object as {@code conversion} says: {@link Conversion#SHALLOW} gives
     * a Java value for a scalar and this same {@code PyObject} otherwise;
     * {@link Conversion#ELEMENTS} gives a list or tuple as a list of shallow
     * items (one call); {@link Conversion#DEEP} is {@link #toJava()}.
     */
    public Object toJava(Conversion conversion) {
        return conversion == Conversion.HANDLE ? this : toJavaImpl(conversion.code);
    }

    /**
     * A deep copy like {@link #toJava()}, with containers, big ints and
     * unconvertible objects built by {@code factory} in the same pass. An
     * object with no Java counterpart returns this same {@code PyObject}.
     */
    public Object toJava(ValueFactory factory) {
        return Ops.toJava(this, Contract.Mode.CONVERT, factory);
    }

    private Object toJavaImpl(byte mode) {
        return Ops.toJava(this, mode, null);
    }

    /** A deep copy converted to {@code type} (e.g. {@code Map.class}). */
    public <T> T toJava(Class<T> type) {
        return ResultTypes.coerce(toJava(), type);
    }

    /**
     * Which protocol this object's type follows first (mapping, sequence,
     * callable, iterable…); decided once per Python type and cached.
     */
    public PyKind kind() {
        return Kinds.of(this);
    }

    /** Qualified Python type name: {@code int}, {@code collections.OrderedDict}, {@code numpy.ndarray}. */
    public String typeName() {
        return stringOp(Contract.Op.TYPENAME);
    }

    /** {@code repr(self)}. */
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

    /** Python identity: {@code self is other}. */
    public boolean isSame(PyObject other) {
        return Ops.is(this, other);
    }

    // ---- views, equality, context managers, weak references --------------------

    /**
     * A live {@code java.util.List} over this Python sequence (no copy): reads
     * and writes go to Python, so mutations are visible on both sides;
     * {@code sort(null)} sorts a Python list in place.
     */
    public java.util.List<Object> asList() {
        return new PyListView(this, Conversion.DEEP);
    }

    /**
     * {@link #asList()} with elements read as {@code conversion} says:
     * {@link Conversion#SHALLOW} gives scalars as Java values and every other
     * element as a {@code PyObject} (no copy, so nested containers stay live).
     */
    public java.util.List<Object> asList(Conversion conversion) {
        return new PyListView(this, conversion == Conversion.ELEMENTS ? Conversion.SHALLOW : conversion);
    }

    /**
     * A live {@code java.util.Map} over this Python mapping (no copy); a
     * missing key reads as {@code null}.
     */
    public java.util.Map<Object, Object> asMap() {
        return new PyMapView(this, Conversion.DEEP);
    }

    /** {@link #asMap()} with keys and values read as {@code conversion} says (see {@link #asList(Conversion)}). */
    public java.util.Map<Object, Object> asMap(Conversion conversion) {
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
     */
    public PyContext enter() {
        return PyContext.enter(this);
    }

    /**
     * Runs {@code body} inside this context manager, as Python's {@code with}
     * does: if {@code body} throws, {@code __exit__} receives the exception
     * (as a {@code pybridge.JavaException}), and a true result suppresses
     * it (this then returns {@code null}).
     */
    public <T> T with(java.util.function.Function<PyObject, T> body) {
        return PyContext.with(this, body);
    }

    /**
     * A Java proxy implementing {@code iface} whose methods call the Python
     * attribute of the same name (GraalPy's {@code Value.as}): arguments are
     * converted with {@link Python#toPython}, results to the method's return
     * type. A callable object used as a functional interface (a Python
     * {@code lambda} as a {@code Function}) is called itself. The proxy keeps
     * this handle; {@code equals}/{@code hashCode}/{@code toString} are
     * Python's. See {@link PyProxy}.
     */
    public <T> T as(Class<T> iface) {
        return PyProxy.create(this, iface);
    }

    /**
     * This numpy array copied into Java (dtype, shape, a primitive array);
     * a non-contiguous array is copied contiguous first.
     *
     * @throws ClassCastException if this is not a numpy array, or its dtype
     *     has no Java primitive type (complex, object, strings, unsigned
     *     wider than 8 bits…)
     */
    public NDArray toNDArray() {
        Object v = toJava();
        if (v instanceof NDArray) {
            return (NDArray) v;
        }
        String t = typeName();
        if ("numpy.ndarray".equals(t)) {
            throw new ClassCastException("a numpy array of dtype " + Support.fn("dtype_name").callAs(String.class, this)
                    + " has no Java primitive type (supported: float64, float32, int64, int32, int16, int8,"
                    + " uint8, bool); convert it with .astype(...) first");
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
     *     ({@code numpy.ascontiguousarray(x)} makes a contiguous copy)
     */
    public java.nio.ByteBuffer asBuffer() {
        return Ops.asBuffer(this);
    }

    /** A weak reference: does not keep the object alive (the tool for breaking cycles). */
    public PyWeak weak() {
        return new PyWeak(Support.fn("weak").call(this));
    }

    /**
     * The object's reference count ({@code Py_REFCNT}), counting the
     * reference this handle holds: an object held only by this handle reports
     * 1 (Python's {@code sys.getrefcount} would say one more, for its own
     * argument). For diagnostics.
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

    /** Whether this handle was released (closed, or its scope closed). */
    public boolean isReleased() {
        return state != 0 || (interp != null && interp.isClosed());
    }

    /** The interpreter this object belongs to (where it may be used). */
    public Interpreter interpreter() {
        return interp != null ? interp : Interpreter.main();
    }

    /**
     * A copy of this object in {@code target} (see {@link Interpreter#copyOf}):
     * pickled, or a buffer's bytes. This object itself for its own interpreter.
     */
    public PyObject copyTo(Interpreter target) {
        return target.copyOf(this);
    }

    /**
     * Lets this handle outlive the {@link ResourceScope} it belongs to: it
     * moves to the enclosing scope, or, when there is none, to tracking by the
     * JVM garbage collector. Returns {@code this}.
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

"""Java from Python: live proxies of Java objects and the `java` import hook.

Run once by rust/src/jvm/module.rs when the interpreter starts; switched on
by Java (org.pybridge.JavaBridge.install), which hands over its two
dispatcher functions. Everything about Java types (reflection, overload
resolution, conversions to parameter types) happens in Java; this module
only shapes the results as Python classes and protocols.
See docs/decisions/java-in-python.md.
"""

import builtins
import collections.abc as _abc
import importlib
import importlib.machinery
import keyword
import operator
import sys
import types

_mod = sys.modules["pybridge"]
JavaObject = _mod.JavaObject
JavaException = _mod.JavaException

# The dispatcher (JavaFunctions), set by _java_install:
#   _call(method_group_id, target_or_None, *args)  a method or constructor
#   _meta(op, ...)                                  everything else
_call = None
_meta = None

# The codes of _meta's operations (M.STR...) and the bits of a Java class's
# kinds (K.LIST...): contract.rs `java_meta` and `java_kind`, as the library
# hands them to the pybridge module (Java's JavaBridge uses the same, from
# the generated org.pybridge.Contract).
M = types.SimpleNamespace(**_mod._contract["java_meta"])
K = types.SimpleNamespace(**_mod._contract["java_kind"])

_CHUNK = 256


class JavaProxy(JavaObject):
    """A live Java object: its public methods and fields are attributes;
    str() is toString(), == and hash() are equals() and hashCode()."""

    __slots__ = ()

    # Box[str] is a generic alias, as list[str] is: annotations written for the
    # type stubs (org.pybridge.JavaStubs) also run without `from __future__
    # import annotations`. The type arguments are not checked at run time.
    __class_getitem__ = classmethod(types.GenericAlias)

    def __str__(self):
        return _meta(M.STR, self)

    def __repr__(self):
        s = _meta(M.STR, self)
        if len(s) > 200:
            s = s[:200] + "..."
        return "<%s %s>" % (type(self).__java_name__, s)

    def __eq__(self, other):
        return _meta(M.EQ, self, other)

    def __ne__(self, other):
        return not _meta(M.EQ, self, other)

    def __hash__(self):
        return _meta(M.HASH, self)


def _iterate(iterator):
    # Elements come in chunks: one call into Java per _CHUNK elements.
    while True:
        chunk = _meta(M.NEXT, iterator, _CHUNK)
        yield from chunk
        if len(chunk) < _CHUNK:
            return


class JavaIterable:
    __slots__ = ()

    def __iter__(self):
        return _iterate(self.iterator())


class JavaCollection(JavaIterable):
    __slots__ = ()

    def __len__(self):
        return self.size()

    def __contains__(self, value):
        return self.contains(value)


def _index(self, i):
    i = operator.index(i)
    if i < 0:
        i += self.size()
        if i < 0:
            raise IndexError("Java list index out of range")
    return i


class JavaList(JavaCollection, _abc.MutableSequence):
    """A java.util.List as a live MutableSequence. Java's own methods keep
    their names and meaning (lst.remove(0) removes index 0, as in Java)."""

    __slots__ = ()

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.get(j) for j in range(*i.indices(self.size()))]
        return self.get(_index(self, i))

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            values = list(value)
            start, stop, step = i.indices(self.size())
            if step == 1:
                # As Python lists do: the slice is replaced, the list may change size.
                stop = max(start, stop)
                if stop > start:
                    self.subList(start, stop).clear()
                if values:
                    self.addAll(start, values)
                return
            idx = range(start, stop, step)
            if len(values) != len(idx):
                raise ValueError(
                    "attempt to assign sequence of size %d to extended slice of size %d" % (len(values), len(idx))
                )
            for j, v in zip(idx, values):
                self.set(j, v)
            return
        self.set(_index(self, i), value)

    def __delitem__(self, i):
        if isinstance(i, slice):
            for j in sorted(range(*i.indices(self.size())), reverse=True):
                _meta(M.LDEL, self, j)
            return
        _meta(M.LDEL, self, _index(self, i))

    def insert(self, i, value):
        n = self.size()
        i = operator.index(i)
        if i < 0:
            i = max(0, i + n)
        self.add(min(i, n), value)

    def append(self, value):
        self.add(value)

    def extend(self, values):
        self.addAll(list(values))

    def __iadd__(self, values):
        self.extend(values)
        return self

    # + and * give Python lists (copies), as list + list does; *= repeats in place.
    def __add__(self, other):
        if isinstance(other, (list, tuple, JavaList)):
            return list(self) + list(other)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, (list, tuple)):
            return list(other) + list(self)
        return NotImplemented

    def __mul__(self, n):
        return list(self) * operator.index(n)

    __rmul__ = __mul__

    def __imul__(self, n):
        n = operator.index(n)
        if n <= 0:
            self.clear()
        else:
            items = list(self)
            for _ in range(n - 1):
                self.addAll(items)
        return self


class JavaSet(JavaCollection, _abc.MutableSet):
    """A java.util.Set as a live MutableSet (set operators give Python sets)."""

    __slots__ = ()

    def discard(self, value):
        self.remove(value)

    @classmethod
    def _from_iterable(cls, it):
        return set(it)


class _JavaItemsView(_abc.ItemsView):
    __slots__ = ()

    def __contains__(self, item):
        # As dict.items(): anything but a (key, value) pair is simply not in it.
        if not (isinstance(item, tuple) and len(item) == 2):
            return False
        return _abc.ItemsView.__contains__(self, item)


class JavaMap(_abc.MutableMapping):
    """A java.util.Map as a live MutableMapping; m.get(k, default) works."""

    __slots__ = ()

    def __getitem__(self, key):
        r = _meta(M.MGET, self, key)
        if not r:
            raise KeyError(key)
        return r[0]

    def __setitem__(self, key, value):
        _meta(M.MPUT, self, key, value)

    def __delitem__(self, key):
        if not _meta(M.MDEL, self, key):
            raise KeyError(key)

    def __iter__(self):
        return _iterate(self.keySet().iterator())

    def __len__(self):
        return self.size()

    def __contains__(self, key):
        return self.containsKey(key)

    def get(self, key, default=None):
        r = _meta(M.MGET, self, key)
        return r[0] if r else default

    def items(self):
        return _JavaItemsView(self)


class JavaIterator:
    __slots__ = ()

    def __iter__(self):
        return self

    def __next__(self):
        r = _meta(M.NEXT, self, 1)
        if not r:
            raise StopIteration
        return r[0]


class JavaCloseable:
    """AutoCloseable: `with` closes it."""

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class JavaComparable:
    __slots__ = ()

    def __lt__(self, other):
        return _meta(M.CMP, self, other) < 0

    def __le__(self, other):
        return _meta(M.CMP, self, other) <= 0

    def __gt__(self, other):
        return _meta(M.CMP, self, other) > 0

    def __ge__(self, other):
        return _meta(M.CMP, self, other) >= 0


def _pynum(x):
    # The Python number of a java.lang.Number proxy (exact for BigInteger).
    s = _meta(M.STR, x)
    try:
        return int(s)
    except ValueError:
        return float(s)


def _unwrap(o):
    return _pynum(o) if isinstance(o, JavaNumber) else o


def _binary(op):
    def f(self, other):
        other = _unwrap(other)
        if not isinstance(other, (int, float, complex)):
            return NotImplemented
        return op(_pynum(self), other)

    def r(self, other):
        if not isinstance(other, (int, float, complex)):
            return NotImplemented
        return op(other, _pynum(self))

    return f, r


class JavaNumber:
    """A java.lang.Number (Integer, BigInteger, BigDecimal, AtomicLong...) as a
    Python number: arithmetic, comparisons, int(), float(), bool() use its
    value (exact for integers)."""

    __slots__ = ()

    __add__, __radd__ = _binary(operator.add)
    __sub__, __rsub__ = _binary(operator.sub)
    __mul__, __rmul__ = _binary(operator.mul)
    __truediv__, __rtruediv__ = _binary(operator.truediv)
    __floordiv__, __rfloordiv__ = _binary(operator.floordiv)
    __mod__, __rmod__ = _binary(operator.mod)
    __pow__, __rpow__ = _binary(operator.pow)
    __lt__, _ = _binary(operator.lt)
    __le__, _ = _binary(operator.le)
    __gt__, _ = _binary(operator.gt)
    __ge__, _ = _binary(operator.ge)
    del _

    def __eq__(self, other):
        if isinstance(other, (int, float, complex, JavaNumber)):
            return _pynum(self) == _unwrap(other)
        return _meta(M.EQ, self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(_pynum(self))

    def __neg__(self):
        return -_pynum(self)

    def __pos__(self):
        return _pynum(self)

    def __abs__(self):
        return abs(_pynum(self))

    def __bool__(self):
        return bool(_pynum(self))

    def __int__(self):
        return int(_pynum(self))

    def __float__(self):
        return float(_pynum(self))

    def __index__(self):
        v = _pynum(self)
        if not isinstance(v, int):
            raise TypeError("a %s with a fraction is not an index" % type(self).__java_name__)
        return v

    def __round__(self, n=None):
        return round(_pynum(self), n)


class JavaCallable:
    """A functional interface (Runnable, Function, Comparator...): calling the
    proxy calls its single abstract method."""

    __slots__ = ()

    def __call__(self, *args):
        return _meta(M.FCALL, self, *args)


class JavaAwaitable:
    """A java.util.concurrent.CompletionStage (a CompletableFuture): `await` it
    in a coroutine; the loop goes on meanwhile. A Java exception it fails with
    is raised as a pybridge.JavaException named after its class (the
    CompletionException around it unwrapped); cancelling the awaiting task
    cancels a Java Future."""

    __slots__ = ()

    def __await__(self):
        import asyncio

        loop = asyncio.get_running_loop()
        fut = loop.create_future()

        def settle(value, error):  # on the Java thread that completes the stage
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle_awaited, fut, value, error)

        self.whenComplete(settle)
        if hasattr(self, "cancel"):
            fut.add_done_callback(lambda f: f.cancelled() and self.cancel(False))
        return (yield from fut.__await__())


def _settle_awaited(fut, value, error):
    if fut.done():
        return
    if error is None:
        fut.set_result(value)
        return
    name = error.getClass().getName()
    if name in ("java.util.concurrent.CompletionException", "java.util.concurrent.ExecutionException"):
        cause = error.getCause()
        if cause is not None:
            error, name = cause, cause.getClass().getName()
    if name == "java.util.concurrent.CancellationException":
        fut.cancel()
        return
    msg = error.getMessage()
    fut.set_exception(_mod._make_java_exception(name, "" if msg is None else str(msg), 0))


class JavaArray(_abc.Sequence):
    """A Java array as a live fixed-size sequence. A primitive array also
    exports its elements through the buffer protocol (memoryview(a),
    numpy.asarray(a)): a copy made when the buffer is requested, written
    back into the array when it is released. tobytes() copies them."""

    __slots__ = ()

    def _export_buffer(self):
        # (token, memoryview of a direct buffer holding a copy, format, item size)
        return _meta(M.ABUF, self)

    def _release_buffer(self, state, write_back):
        _meta(M.ABUF_BACK, self, state[0], write_back)

    def __len__(self):
        return _meta(M.ALEN, self)

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(_meta(M.ALEN, self))
            return _meta(M.ASLICE, self, start, stop, step)
        return _meta(M.AGET, self, operator.index(i))

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            idx = range(*i.indices(_meta(M.ALEN, self)))
            values = list(value)
            if len(values) != len(idx):
                raise ValueError("a Java array cannot change size: %d values for %d elements" % (len(values), len(idx)))
            for j, v in zip(idx, values):
                _meta(M.ASET, self, j, v)
            return
        _meta(M.ASET, self, operator.index(i), value)

    def __iter__(self):
        return iter(_meta(M.ASLICE, self, 0, _meta(M.ALEN, self), 1))

    def tolist(self):
        return _meta(M.ASLICE, self, 0, _meta(M.ALEN, self), 1)

    def tobytes(self):
        return _meta(M.ABYTES, self)

    def __eq__(self, other):
        return _meta(M.EQ, self, other)

    def __ne__(self, other):
        return not _meta(M.EQ, self, other)

    def __hash__(self):
        return _meta(M.HASH, self)


class _JavaArrayProxy(_mod.JavaArrayBase, JavaProxy):
    __slots__ = ()


class JavaType(type(_abc.Sequence)):
    """The metaclass of Java classes: calling one constructs, isinstance and
    issubclass ask Java, static fields are read and written on the class."""

    def __call__(cls, *args, **kwargs):
        # Keyword arguments bind to the constructors' parameter names in Java
        # (JavaOverloads.chooseByName), as for methods.
        if cls.__java_ctor__ < 0:
            raise TypeError("%s has no public constructor" % cls.__java_name__)
        if kwargs:
            return _call(cls.__java_ctor__, None, *args, **kwargs)
        return _call(cls.__java_ctor__, None, *args)

    def __setattr__(cls, name, value):
        for k in cls.__mro__:
            f = k.__dict__.get(name)
            if isinstance(f, _Field):
                f.__set__(None, value)
                return
        type.__setattr__(cls, name, value)

    def __instancecheck__(cls, obj):
        if cls in type(obj).__mro__:
            return True
        if isinstance(obj, JavaObject):
            return _meta(M.INSTANCEOF, cls.__java_name__, obj)
        # A Python object of a class that implements Java interfaces (@implements).
        for name in getattr(type(obj), "__java_interfaces__", ()):
            if _meta(M.ASSIGNABLE, cls.__java_name__, name):
                return True
        return False

    def __subclasscheck__(cls, sub):
        if cls in getattr(sub, "__mro__", ()):
            return True
        if isinstance(sub, JavaType):
            return _meta(M.ASSIGNABLE, cls.__java_name__, sub.__java_name__)
        return False

    def __repr__(cls):
        return "<java class '%s'>" % cls.__java_name__


class _Field:
    """A public Java field: read and written live (static ones on the class too)."""

    __slots__ = ("fid", "static", "final", "name")

    def __init__(self, name, fid, static, final):
        self.name, self.fid, self.static, self.final = name, fid, static, final

    def __get__(self, obj, owner=None):
        if self.static:
            return _meta(M.GET, self.fid, None)
        if obj is None:
            return self
        return _meta(M.GET, self.fid, obj)

    def __set__(self, obj, value):
        if self.final:
            raise AttributeError("%s is a final Java field" % self.name)
        _meta(M.SET, self.fid, None if self.static else obj, value)


class _Nested:
    """A public member class, imported on first use."""

    __slots__ = ("full",)

    def __init__(self, full):
        self.full = full

    def __get__(self, obj, owner=None):
        return jclass(self.full)


_classes = {}
# Names the class filter allowed (an M_IMPORT that succeeded). `_classes`
# also holds the classes of objects Java handed over (`_factory`), which the
# filter does not govern: a name is only importable once Java said so.
_importable = set()
# Names where the Python protocol's method replaces Java's: Map.get(k) is
# get(k, default=None), which means the same for one argument.
_PYTHON_OWNED = {JavaMap: ("get",)}


def _build(info):
    name = info["name"]
    c = _classes.get(name)
    if c is not None:
        return c
    kinds = info["kinds"]
    bases = []
    if info.get("number"):
        bases.append(JavaNumber)
    if kinds & K.ARRAY:
        bases.append(JavaArray)
        bases.append(_JavaArrayProxy)
    elif kinds & K.LIST:
        bases.append(JavaList)
    elif kinds & K.SET:
        bases.append(JavaSet)
    elif kinds & K.MAP:
        bases.append(JavaMap)
    elif kinds & K.COLLECTION:
        bases.append(JavaCollection)
    elif kinds & K.ITERABLE:
        bases.append(JavaIterable)
    if kinds & K.ITERATOR:
        bases.append(JavaIterator)
    if kinds & K.CLOSEABLE:
        bases.append(JavaCloseable)
    if kinds & K.COMPARABLE:
        bases.append(JavaComparable)
    if kinds & K.FUNCTIONAL:
        bases.append(JavaCallable)
    if kinds & K.AWAITABLE:
        bases.append(JavaAwaitable)
    if JavaProxy not in bases:
        bases.append(JavaProxy)
    ns = {
        "__slots__": (),
        "__java_name__": name,
        "__java_ctor__": info["ctor"],
        "__java_interface__": info["interface"],
        "__module__": name.rpartition(".")[0] or "java",
        "__doc__": "Java class %s" % name,
        # The Python protocols' own __eq__ would hide Java's (and unset __hash__).
        "__eq__": bases[0].__eq__ if kinds & K.ARRAY or info.get("number") else JavaProxy.__eq__,
        "__ne__": bases[0].__ne__ if info.get("number") else JavaProxy.__ne__,
        "__hash__": bases[0].__hash__ if info.get("number") else JavaProxy.__hash__,
    }
    for full in info["nested"]:
        ns[full.rpartition("$")[2]] = _Nested(full)
    for fname, fid, static, final in info["fields"]:
        ns[fname] = _Field(fname, fid, static, final)
    owned = _PYTHON_OWNED.get(bases[0], ())
    for mname, mid, instance in info["methods"]:
        if mname in owned:
            continue
        ns[mname] = _mod.JavaMethod(_call, mid, mname, instance)
    # A member named like a Python keyword (System.in, LocalDate.from,
    # BigInteger.and) is also `name_`, which Python code can write (and the
    # stubs of org.pybridge.JavaStubs name), unless Java has a member `name_`.
    for mname in [n for n in ns if keyword.iskeyword(n)]:
        ns.setdefault(mname + "_", ns[mname])
    simple = name.rpartition(".")[2]
    c = JavaType(simple, tuple(bases), ns)
    # Two threads may build the same class at once (describing it calls Java,
    # which lets other threads run; without a GIL they run in parallel): the
    # first one stored is the class, for every thread (setdefault is atomic).
    return _classes.setdefault(name, c)


def _factory(class_name):
    """Makes the proxy Rust is handing over (rust/src/jvm/types.rs, java_object)."""
    c = _classes.get(class_name)
    if c is None:
        c = _build(_meta(M.DESCRIBE, class_name))
    return c.__new__(c)


def jclass(name):
    """The Java class `name` (binary name, e.g. 'java.util.Map$Entry'), if the
    class filter (PythonConfig.javaClassFilter) allows it."""
    if name in _importable:
        return _classes[name]
    info = _meta(M.IMPORT, name)
    if info is None:
        raise ImportError("no public Java class %s is visible to pybridge" % name, name=name)
    c = _build(info)
    _importable.add(name)
    return c


_PRIMITIVES = ("boolean", "byte", "char", "short", "int", "long", "float", "double")


def jarray(component, size_or_values):
    """A new Java array: jarray('int', 10), jarray('double', [1.0, 2.0]),
    jarray(String, ['a', 'b']) (a Java class or its name, or a
    java.lang.Class such as Integer.TYPE). Jep's order, jarray(size, type),
    works too."""
    if (
        isinstance(component, int)
        and not isinstance(component, bool)
        and not isinstance(size_or_values, (int, list, tuple))
    ):
        component, size_or_values = size_or_values, component
    if isinstance(component, JavaType):
        component = component.__java_name__
    elif component is str:
        component = "java.lang.String"
    elif component is int:
        component = "long"
    elif component is float:
        component = "double"
    elif component is bool:
        component = "boolean"
    if isinstance(size_or_values, int):
        return _meta(M.ANEW, component, size_or_values, None)
    return _meta(M.ANEW, component, -1, list(size_or_values))


def same(a, b):
    """Whether a and b are the same Java object (Java's ==)."""
    return _meta(M.SAME, a, b)


def java_class_of(obj):
    """The java.lang.Class of a Java object, as a proxy."""
    return _meta(M.CLASS, obj)


class synchronized:
    """Holds a Java object's monitor, as Java's `synchronized (obj) { ... }`:

        with pybridge.synchronized(queue):
            queue.add(item)
            queue.notifyAll()

    It is the JVM's own monitor of the object, entered on the calling thread
    (JNI MonitorEnter), so Java code synchronizing on the same object waits
    while the block runs, and `wait`/`notify` may be called inside it. It is
    re-entrant, released when the block ends, by an exception too, and usable
    from any Python thread (one Python started stays attached to the JVM
    while it holds a monitor). Waiting for the monitor lets go of the GIL, so
    a Java thread that holds it and calls into Python meanwhile is not
    blocked. The object must be a Java object (a proxy); a Python str or
    number converts to a new Java object each time, so it is refused."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        if not isinstance(obj, JavaObject):
            raise TypeError("synchronized() needs a Java object, not %s" % type(obj).__name__)
        self._obj = obj

    def __enter__(self):
        _mod._java_pin_thread(True)
        try:
            _meta(M.MONITOR, self._obj, True)
        except BaseException:
            _mod._java_pin_thread(False)
            raise
        return self._obj

    def __exit__(self, *exc):
        try:
            _meta(M.MONITOR, self._obj, False)
        finally:
            _mod._java_pin_thread(False)
        return False


# ---- Python classes implementing Java interfaces -------------------------


def implements(*interfaces):
    """Class decorator: instances of the class cross to Java as one
    java.lang.reflect.Proxy each, implementing `interfaces` (Java interfaces,
    as imported classes or binary names). Its methods are called by name;
    a default method the class does not define runs Java's; equals,
    hashCode and toString are ==, hash() and str(). The same object crossing
    again is the same proxy while Java holds it; back in Python it is the
    object itself. Subclasses inherit the declaration. Abstract Java classes
    cannot be implemented this way.

        @pybridge.implements(Comparator)
        class ByLength:
            def compare(self, a, b):
                return len(a) - len(b)
    """
    if not interfaces:
        raise TypeError("implements() needs at least one Java interface")
    names = []
    for i in interfaces:
        c = jclass(i) if isinstance(i, str) else i
        if not isinstance(c, JavaType):
            raise TypeError("implements() takes Java interfaces, not %r" % (i,))
        if not c.__java_interface__:
            raise TypeError(
                "%s is not a Java interface (abstract classes cannot be implemented in Python)" % c.__java_name__
            )
        names.append(c.__java_name__)

    def decorate(cls):
        inherited = getattr(cls, "__java_interfaces__", ())
        cls.__java_interfaces__ = tuple(dict.fromkeys(tuple(inherited) + tuple(names)))
        return cls

    return decorate


def _java_impl(obj):
    # Asked by Java (PyImplements.proxyOrSelf) for each Python object crossing:
    # a Java class (its java.lang.Class is meant), an object of an @implements
    # class (its proxy), or None (the object itself).
    if isinstance(obj, JavaType):
        return obj.__java_name__
    names = getattr(type(obj), "__java_interfaces__", None)
    if names is None or isinstance(obj, type):
        return None
    return (id(obj), names)


class _JavaSuper:
    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def __getattr__(self, name):
        obj = self._obj

        def default(*args):
            return _mod._java_default(obj, name, *args)

        default.__name__ = name
        return default


def jsuper(obj):
    """The Java default methods of the interfaces obj's class implements:
    jsuper(self).reversed() runs Comparator.reversed's Java code on self's
    proxy, as `super()` would in Java."""
    return _JavaSuper(obj)


# ---- exceptions ---------------------------------------------------------


class JavaError(BaseException):
    """A java.lang.Error (OutOfMemoryError, StackOverflowError...): like Java,
    not caught by `except Exception`."""

    java_class = None
    java_id = 0


JavaError.__module__ = "pybridge"


def _java_exception(self):
    """The Java Throwable itself, as a live proxy (None once forgotten)."""
    return _meta(M.THROWN, self.java_id) if self.java_id else None


JavaException.java_exception = property(_java_exception)
JavaError.java_exception = property(_java_exception)

# Java exception classes -> the Python built-in their Python type also
# derives from (subclasses inherit it). docs/decisions/java-in-python.md.
BUILTIN_FOR = {
    "java.lang.IndexOutOfBoundsException": IndexError,
    "java.lang.IllegalArgumentException": ValueError,
    "java.lang.NegativeArraySizeException": ValueError,
    "java.lang.ClassCastException": TypeError,
    "java.lang.ArrayStoreException": TypeError,
    "java.lang.NullPointerException": TypeError,
    "java.lang.ArithmeticException": ArithmeticError,
    "java.lang.UnsupportedOperationException": NotImplementedError,
    "java.util.NoSuchElementException": LookupError,
    "java.lang.IllegalStateException": RuntimeError,
    "java.util.ConcurrentModificationException": RuntimeError,
    "java.lang.SecurityException": PermissionError,
    "java.io.IOException": OSError,
    "java.io.UncheckedIOException": OSError,
    "java.io.FileNotFoundException": FileNotFoundError,
    "java.nio.file.NoSuchFileException": FileNotFoundError,
    "java.nio.file.FileAlreadyExistsException": FileExistsError,
    "java.nio.file.AccessDeniedException": PermissionError,
    "java.nio.file.NotDirectoryException": NotADirectoryError,
    "java.net.SocketTimeoutException": TimeoutError,
    "java.net.ConnectException": ConnectionRefusedError,
    "java.util.concurrent.TimeoutException": TimeoutError,
}

_exc_types = {}
# Ancestries known without asking Java: errors that arrive when the stack is
# used up, where another call into Java is best avoided.
_KNOWN_CHAINS = {
    "java.lang.StackOverflowError": [
        "java.lang.StackOverflowError",
        "java.lang.VirtualMachineError",
        "java.lang.Error",
        "java.lang.Throwable",
    ],
    "java.lang.OutOfMemoryError": [
        "java.lang.OutOfMemoryError",
        "java.lang.VirtualMachineError",
        "java.lang.Error",
        "java.lang.Throwable",
    ],
}
_BRIDGE_ERROR = "org.pybridge.JavaBridge$PyError"


def _exception_for(chain):
    name = chain[0]
    t = _exc_types.get(name)
    if t is not None:
        return t
    if name == "java.lang.Throwable":
        bases = (JavaException,)
    elif name == "java.lang.Error":
        bases = (JavaError,)
    elif len(chain) > 1:
        bases = (_exception_for(chain[1:]),)
    else:
        bases = (JavaException,)
    extra = BUILTIN_FOR.get(name)
    if extra is not None and not issubclass(bases[0], extra):
        bases = bases + (extra,)
    module, _, simple = name.rpartition(".")
    t = type(simple, bases, {"__module__": module or "java"})
    # The first one stored wins, for every thread (see _build).
    return _exc_types.setdefault(name, t)


_PYTHON_EXCEPTION = "org.pybridge.PythonException"


def _python_again(java_id):
    try:
        pe = _meta(M.THROWN, java_id)
        if pe is None:
            return None
        cause = pe.getCause()
        if cause is not None and cause.getClass().getName() != _PYTHON_EXCEPTION:
            chain = []
            c = cause.getClass()
            while c is not None and c.getName() != "java.lang.Object":
                chain.append(c.getName())
                c = c.getSuperclass()
            msg = cause.getMessage()
            return _exception_for(chain)(msg if msg is not None else "")
        builtin = getattr(builtins, pe.pythonType(), None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            return builtin(pe.pythonMessage())
    except BaseException:
        return None
    return None


def _exception_hook(java_class, message, java_id):
    """The Python exception for a Java one (called by pybridge's make)."""
    if java_class == _BRIDGE_ERROR:
        # The bridge's own errors (no overload matches, ...): a plain built-in.
        kind, _, text = message.partition(": ")
        builtin = getattr(builtins, kind, None)
        if not (isinstance(builtin, type) and issubclass(builtin, BaseException)):
            builtin, text = TypeError, message
        e = builtin(text)
        e.java_id = java_id
        return e
    if java_class == _PYTHON_EXCEPTION and _meta is not None:
        # A Python exception that went out through Java (a Python method of an
        # @implements class, a callback) and back: the original kind again.
        e = _python_again(java_id)
        if e is not None:
            return e
    t = _exc_types.get(java_class)
    if t is None:
        if _meta is None:
            return None
        chain = _KNOWN_CHAINS.get(java_class)
        try:
            chain = chain or _meta(M.ANCESTRY, java_id)
        except BaseException:
            return None
        if not chain:
            return None
        t = _exception_for(chain)
    return t(message)


# ---- the import hook ----------------------------------------------------


class JavaPackage(types.ModuleType):
    """A Java package: its public classes and subpackages are attributes;
    dir() lists those the class loader knows (for completion)."""

    def __dir__(self):
        names = set(super().__dir__())
        names.update(_mod._java_package_names(self.__name__))
        return sorted(names)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        full = self.__name__ + "." + name
        info = _meta(M.IMPORT, full)
        if info is not None:
            c = _build(info)
            setattr(self, name, c)
            return c
        if _meta(M.PACKAGE, full):
            return importlib.import_module(full)
        raise AttributeError(
            "Java package %s has no public class or package %s (or the class filter"
            " PythonConfig.javaClassFilter does not allow it)" % (self.__name__, name)
        )


class _JavaLoader:
    @staticmethod
    def create_module(spec):
        m = JavaPackage(spec.name)
        m.__path__ = []
        return m

    @staticmethod
    def exec_module(module):
        pass


class JavaFinder:
    """Finds Java packages (`import java.util`, `from java.lang import
    System`) once Python's own finders have found no module of that name."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if _meta is None or not _meta(M.PACKAGE, fullname):
            return None
        return importlib.machinery.ModuleSpec(fullname, _JavaLoader, is_package=True)

    @staticmethod
    def invalidate_caches():
        pass


def _java_install(call, meta):
    global _call, _meta
    _call, _meta = call, meta
    _mod._set_proxy_factory(_factory)
    _mod._exception_type = _exception_hook
    if not any(isinstance(f, type) and f.__name__ == "JavaFinder" for f in sys.meta_path):
        sys.meta_path.append(JavaFinder)


for _name in (
    "JavaProxy",
    "JavaNumber",
    "JavaError",
    "JavaType",
    "JavaArray",
    "JavaList",
    "JavaMap",
    "JavaSet",
    "JavaIterator",
    "JavaPackage",
    "jclass",
    "jarray",
    "same",
    "java_class_of",
    "synchronized",
    "_java_install",
    "implements",
    "jsuper",
    "_java_impl",
):
    setattr(_mod, _name, globals()[_name])

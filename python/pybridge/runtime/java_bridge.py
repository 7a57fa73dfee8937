"""Java from Python: live proxies of Java objects and the `java` import hook.

Run once by rust/src/callbacks.rs when the interpreter starts; switched on
by Java (org.pybridge.JavaBridge.install), which hands over its two
dispatcher functions. Everything about Java types (reflection, overload
resolution, conversions to parameter types) happens in Java; this module
only shapes the results as Python classes and protocols.
See docs/decisions/java-in-python.md.
"""
import sys
import builtins
import collections.abc as _abc
import importlib
import importlib.machinery
import operator
import types

_mod = sys.modules['pybridge']
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
M = types.SimpleNamespace(**_mod._contract['java_meta'])
K = types.SimpleNamespace(**_mod._contract['java_kind'])

_CHUNK = 256


class JavaProxy(JavaObject):
    """A live Java object: its public methods and fields are attributes;
    str() is toString(), == and hash() are equals() and hashCode()."""
    __slots__ = ()

    def __str__(self):
        return _meta(M.STR, self)

    def __repr__(self):
        s = _meta(M.STR, self)
        if len(s) > 200:
            s = s[:200] + '...'
        return '<%s %s>' % (type(self).__java_name__, s)

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
            raise IndexError('Java list index out of range')
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
            raise TypeError('slice assignment to a Java List is not supported: use subList(...) or a loop')
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


class JavaSet(JavaCollection, _abc.MutableSet):
    """A java.util.Set as a live MutableSet (set operators give Python sets)."""
    __slots__ = ()

    def discard(self, value):
        self.remove(value)

    @classmethod
    def _from_iterable(cls, it):
        return set(it)


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


class JavaCallable:
    """A functional interface (Runnable, Function, Comparator...): calling the
    proxy calls its single abstract method."""
    __slots__ = ()

    def __call__(self, *args):
        return _meta(M.FCALL, self, *args)


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
                raise ValueError('a Java array cannot change size: %d values for %d elements'
                                 % (len(values), len(idx)))
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
        if kwargs:
            raise TypeError('Java constructors take no keyword arguments')
        if cls.__java_ctor__ < 0:
            raise TypeError('%s has no public constructor' % cls.__java_name__)
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
        return False

    def __subclasscheck__(cls, sub):
        if cls in getattr(sub, '__mro__', ()):
            return True
        if isinstance(sub, JavaType):
            return _meta(M.ASSIGNABLE, cls.__java_name__, sub.__java_name__)
        return False

    def __repr__(cls):
        return "<java class '%s'>" % cls.__java_name__


class _Field:
    """A public Java field: read and written live (static ones on the class too)."""
    __slots__ = ('fid', 'static', 'final', 'name')

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
            raise AttributeError('%s is a final Java field' % self.name)
        _meta(M.SET, self.fid, None if self.static else obj, value)


class _Nested:
    """A public member class, imported on first use."""
    __slots__ = ('full',)

    def __init__(self, full):
        self.full = full

    def __get__(self, obj, owner=None):
        return jclass(self.full)



_classes = {}
# Names where the Python protocol's method replaces Java's: Map.get(k) is
# get(k, default=None), which means the same for one argument.
_PYTHON_OWNED = {JavaMap: ('get',)}


def _build(info):
    name = info['name']
    c = _classes.get(name)
    if c is not None:
        return c
    kinds = info['kinds']
    bases = []
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
    if JavaProxy not in bases:
        bases.append(JavaProxy)
    ns = {'__slots__': (), '__java_name__': name, '__java_ctor__': info['ctor'],
          '__module__': name.rpartition('.')[0] or 'java', '__doc__': 'Java class %s' % name,
          # The Python protocols' own __eq__ would hide Java's (and unset __hash__).
          '__eq__': bases[0].__eq__ if kinds & K.ARRAY else JavaProxy.__eq__,
          '__ne__': JavaProxy.__ne__, '__hash__': JavaProxy.__hash__}
    for full in info['nested']:
        ns[full.rpartition('$')[2]] = _Nested(full)
    for fname, fid, static, final in info['fields']:
        ns[fname] = _Field(fname, fid, static, final)
    owned = _PYTHON_OWNED.get(bases[0], ())
    for mname, mid, instance in info['methods']:
        if mname in owned:
            continue
        ns[mname] = _mod.JavaMethod(_call, mid, mname, instance)
    simple = name.rpartition('.')[2]
    c = JavaType(simple, tuple(bases), ns)
    _classes[name] = c
    return c


def _factory(class_name):
    """Makes the proxy Rust is handing over (rust/src/callbacks.rs, java_object)."""
    c = _classes.get(class_name)
    if c is None:
        c = _build(_meta(M.DESCRIBE, class_name))
    return c.__new__(c)


def jclass(name):
    """The Java class `name` (binary name, e.g. 'java.util.Map$Entry'), if the
    class filter (PythonConfig.javaClassFilter) allows it."""
    c = _classes.get(name)
    if c is not None:
        return c
    info = _meta(M.IMPORT, name)
    if info is None:
        raise ImportError('no public Java class %s is visible to pybridge' % name, name=name)
    return _build(info)


_PRIMITIVES = ('boolean', 'byte', 'char', 'short', 'int', 'long', 'float', 'double')


def jarray(component, size_or_values):
    """A new Java array: jarray('int', 10), jarray('double', [1.0, 2.0]),
    jarray(String, ['a', 'b']) (a Java class or its name)."""
    if isinstance(component, JavaType):
        component = component.__java_name__
    elif component is str:
        component = 'java.lang.String'
    elif component is int:
        component = 'long'
    elif component is float:
        component = 'double'
    elif component is bool:
        component = 'boolean'
    if isinstance(size_or_values, int):
        return _meta(M.ANEW, component, size_or_values, None)
    return _meta(M.ANEW, component, -1, list(size_or_values))


def same(a, b):
    """Whether a and b are the same Java object (Java's ==)."""
    return _meta(M.SAME, a, b)


def java_class_of(obj):
    """The java.lang.Class of a Java object, as a proxy."""
    return _meta(M.CLASS, obj)


# ---- exceptions ---------------------------------------------------------

class JavaError(BaseException):
    """A java.lang.Error (OutOfMemoryError, StackOverflowError...): like Java,
    not caught by `except Exception`."""
    java_class = None
    java_id = 0


JavaError.__module__ = 'pybridge'


def _java_exception(self):
    """The Java Throwable itself, as a live proxy (None once forgotten)."""
    return _meta(M.THROWN, self.java_id) if self.java_id else None


JavaException.java_exception = property(_java_exception)
JavaError.java_exception = property(_java_exception)

# Java exception classes -> the Python built-in their Python type also
# derives from (subclasses inherit it). docs/decisions/java-in-python.md.
BUILTIN_FOR = {
    'java.lang.IndexOutOfBoundsException': IndexError,
    'java.lang.IllegalArgumentException': ValueError,
    'java.lang.NegativeArraySizeException': ValueError,
    'java.lang.ClassCastException': TypeError,
    'java.lang.ArrayStoreException': TypeError,
    'java.lang.NullPointerException': TypeError,
    'java.lang.ArithmeticException': ArithmeticError,
    'java.lang.UnsupportedOperationException': NotImplementedError,
    'java.util.NoSuchElementException': LookupError,
    'java.lang.IllegalStateException': RuntimeError,
    'java.util.ConcurrentModificationException': RuntimeError,
    'java.lang.SecurityException': PermissionError,
    'java.io.IOException': OSError,
    'java.io.UncheckedIOException': OSError,
    'java.io.FileNotFoundException': FileNotFoundError,
    'java.nio.file.NoSuchFileException': FileNotFoundError,
    'java.nio.file.FileAlreadyExistsException': FileExistsError,
    'java.nio.file.AccessDeniedException': PermissionError,
    'java.nio.file.NotDirectoryException': NotADirectoryError,
    'java.net.SocketTimeoutException': TimeoutError,
    'java.net.ConnectException': ConnectionRefusedError,
    'java.util.concurrent.TimeoutException': TimeoutError,
}

_exc_types = {}
# Ancestries known without asking Java: errors that arrive when the stack is
# used up, where another call into Java is best avoided.
_KNOWN_CHAINS = {
    'java.lang.StackOverflowError': ['java.lang.StackOverflowError', 'java.lang.VirtualMachineError',
                                     'java.lang.Error', 'java.lang.Throwable'],
    'java.lang.OutOfMemoryError': ['java.lang.OutOfMemoryError', 'java.lang.VirtualMachineError',
                                   'java.lang.Error', 'java.lang.Throwable'],
}
_BRIDGE_ERROR = 'org.pybridge.JavaBridge$PyError'


def _exception_for(chain):
    name = chain[0]
    t = _exc_types.get(name)
    if t is not None:
        return t
    if name == 'java.lang.Throwable':
        bases = (JavaException,)
    elif name == 'java.lang.Error':
        bases = (JavaError,)
    elif len(chain) > 1:
        bases = (_exception_for(chain[1:]),)
    else:
        bases = (JavaException,)
    extra = BUILTIN_FOR.get(name)
    if extra is not None and not issubclass(bases[0], extra):
        bases = bases + (extra,)
    module, _, simple = name.rpartition('.')
    t = type(simple, bases, {'__module__': module or 'java'})
    _exc_types[name] = t
    return t


def _exception_hook(java_class, message, java_id):
    """The Python exception for a Java one (called by pybridge's make)."""
    if java_class == _BRIDGE_ERROR:
        # The bridge's own errors (no overload matches, ...): a plain built-in.
        kind, _, text = message.partition(': ')
        builtin = getattr(builtins, kind, None)
        if not (isinstance(builtin, type) and issubclass(builtin, BaseException)):
            builtin, text = TypeError, message
        e = builtin(text)
        e.java_id = java_id
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
    """A Java package: its public classes and subpackages are attributes."""

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        full = self.__name__ + '.' + name
        info = _meta(M.IMPORT, full)
        if info is not None:
            c = _build(info)
            setattr(self, name, c)
            return c
        if _meta(M.PACKAGE, full):
            return importlib.import_module(full)
        raise AttributeError('Java package %s has no public class or package %s (or the class filter'
                             ' PythonConfig.javaClassFilter does not allow it)' % (self.__name__, name))


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
    if not any(isinstance(f, type) and f.__name__ == 'JavaFinder' for f in sys.meta_path):
        sys.meta_path.append(JavaFinder)


for _name in ('JavaProxy', 'JavaError', 'JavaType', 'JavaArray', 'JavaList', 'JavaMap', 'JavaSet',
              'JavaIterator', 'JavaPackage', 'jclass', 'jarray', 'same', 'java_class_of', '_java_install'):
    setattr(_mod, _name, globals()[_name])

# JVM collections as live Python objects (pybridge.python/as-python): no
# copy; every operation calls back into the JVM through `ops`, a Clojure
# callback taking an operation name and its arguments
# (pybridge.python.bridge-as-python). They are registered as the
# collections.abc types they implement, so isinstance(x, Mapping) and the
# ABCs' mixin methods (get, items, index, count...) work.
from collections import abc as _abc

_CHUNK = 1024


def _chunks(ops, handle):
    # Items of a JVM iterator, read in chunks of _CHUNK (one callback each).
    while True:
        items, more = ops("chunk", handle, _CHUNK)
        yield from items
        if not more:
            return


class _Jvm:
    """What every bridged JVM object shares: the ops callback, str() and
    repr() as the JVM object's toString()."""

    __slots__ = ("_ops",)

    def __init__(self, ops):
        self._ops = ops

    def __str__(self):
        return self._ops("str")

    __repr__ = __str__


class _JvmValue(_Jvm):
    """A JVM value compared and hashed as the JVM compares it (equals/hashCode)."""

    __slots__ = ()

    def __eq__(self, other):
        return self._ops("eq", other)

    def __hash__(self):
        return self._ops("hash")


class _JvmSized(_JvmValue):
    __slots__ = ()

    def __len__(self):
        return self._ops("len")


class JvmMap(_JvmSized, _abc.MutableMapping):
    """A java.util.Map (a Clojure map) as a Python mapping. A str key that is
    not found is looked up as a keyword too."""

    __slots__ = ()

    def __getitem__(self, key):
        found, value = self._ops("get", key)
        if not found:
            raise KeyError(key)
        return value

    def __contains__(self, key):
        return self._ops("contains", key)

    def __setitem__(self, key, value):
        self._ops("put", key, value)

    def __delitem__(self, key):
        if not self._ops("remove", key):
            raise KeyError(key)

    def __iter__(self):
        return iter(self._ops("keys"))


class JvmList(_JvmSized, _abc.MutableSequence):
    """A java.util.List (a Clojure vector) as a Python sequence."""

    __slots__ = ()

    def _index(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("list index out of range")
        return i

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._ops("get", self._index(i.__index__()))

    def __setitem__(self, i, value):
        self._ops("set", self._index(i.__index__()), value)

    def __delitem__(self, i):
        self._ops("remove", self._index(i.__index__()))

    def insert(self, i, value):
        n = len(self)
        i = max(0, min(n, i + n if i < 0 else i))
        self._ops("insert", i, value)

    def __iter__(self):
        return _chunks(self._ops, self._ops("iterator"))

    def __contains__(self, value):
        return self._ops("contains", value)


class JvmSet(_JvmSized, _abc.Set):
    """A java.util.Set (a Clojure set) as a Python set."""

    __slots__ = ()

    def __contains__(self, value):
        return self._ops("contains", value)

    def __iter__(self):
        return _chunks(self._ops, self._ops("iterator"))


class JvmIterable(_JvmValue, _abc.Iterable):
    """A JVM Iterable (a Clojure seq) as a Python iterable: each iter() is a
    new iteration, realized a chunk at a time (infinite seqs work)."""

    __slots__ = ()

    def __iter__(self):
        return _chunks(self._ops, self._ops("iterator"))


class JvmIterator(_Jvm, _abc.Iterator):
    """A java.util.Iterator as a Python iterator, one item per next()."""

    __slots__ = ()

    def __next__(self):
        more, value = self._ops("next")
        if not more:
            raise StopIteration
        return value


def make(kind, ops):
    return _CLASSES[kind](ops)


_CLASSES = {"map": JvmMap, "list": JvmList, "set": JvmSet, "iterable": JvmIterable, "iterator": JvmIterator}

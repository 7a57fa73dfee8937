# Python helpers of pybridge's Clojure layer (namespace pybridge.python).
# Loaded once per process from the classpath (pybridge.python.base) into a
# private module namespace; every function here is kept for the life of the
# process and called from Clojure.

_SENTINEL = object()


def java_iter(next_fn):
    """A lazy iterator over a JVM sequence: next_fn returns the next item, or
    the sentinel when the sequence is exhausted."""
    return iter(next_fn, _SENTINEL)


def sentinel():
    return _SENTINEL


def eq(a, b):
    """a == b as a bool; False when == itself raises."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:
        return False


def chunk(o, start, n):
    """Items start..start+n of a sequence (read in chunks by list views)."""
    if type(o) is list or type(o) is tuple:
        return o[start:start + n]
    return [o[i] for i in range(start, min(start + n, len(o)))]


def to_tuple(xs):
    return tuple(xs)


def dir_of(o):
    return dir(o)


def type_name(o):
    return type(o).__name__

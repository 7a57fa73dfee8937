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
        return o[start : start + n]
    return [o[i] for i in range(start, min(start + n, len(o)))]


def to_tuple(xs):
    return tuple(xs)


def dir_of(o):
    return dir(o)


def type_name(o):
    return type(o).__name__


def to_frozenset(xs):
    return frozenset(xs)


def type_name_qualified(o):
    """The qualified name of o's type as pybridge's exceptions name types:
    module.QualName, builtins unqualified."""
    t = type(o)
    m = getattr(t, "__module__", None)
    q = getattr(t, "__qualname__", t.__name__)
    return q if m in (None, "builtins") else m + "." + q


def type_key(o):
    """module.QualName of o's type, builtins included (pydafy's dispatch)."""
    t = type(o)
    return "%s.%s" % (getattr(t, "__module__", "builtins"), getattr(t, "__qualname__", t.__name__))


# ---- modules and code ----------------------------------------------------------


def add_module(name):
    """The module called name, created empty (and registered in sys.modules)
    when there is none, as PyImport_AddModule does."""
    import sys
    import types

    m = sys.modules.get(name)
    if m is None:
        m = types.ModuleType(name)
        sys.modules[name] = m
    return m


def module_dict(m):
    return m.__dict__


def main_dict():
    import __main__

    return __main__.__dict__


def run(code, globals_, locals_):
    """exec(code) in globals_ (default: __main__'s dict) and locals_
    (default: globals_); returns (globals, locals)."""
    if globals_ is None:
        globals_ = main_dict()
    if locals_ is None:
        locals_ = globals_
    exec(compile(code, "<string>", "exec"), globals_, locals_)
    return globals_, locals_


def reload(m):
    import importlib

    return importlib.reload(m)


# ---- objects ------------------------------------------------------------------


def is_instance(o, cls):
    return isinstance(o, cls)


def is_callable(o):
    return callable(o)


def has_item(o, key):
    """key in o, False when o does not support `in`."""
    try:
        return key in o
    except TypeError:
        return False


def attr_type_names(o):
    """[(name, type name)] of o's attributes (a getattr that raises: None)."""
    out = []
    for n in dir(o):
        try:
            out.append((n, type(getattr(o, n)).__name__))
        except Exception:
            out.append((n, None))
    return out


# ---- Clojure fns as functions and methods ---------------------------------------


def named_fn(f, name, doc):
    """A Python function calling f, with a name and a docstring."""

    def fn(*args, **kwargs):
        return f(*args, **kwargs)

    if name is not None:
        fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def instance_fn(f, name, doc):
    """A Python function (so a method when put in a class) calling f with
    self first."""

    def method(self, *args, **kwargs):
        return f(self, *args, **kwargs)

    if name is not None:
        method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def create_class(name, bases, members):
    return type(name, tuple(bases), dict(members))


# ---- the with statement (pybridge.python.with) ----------------------------------
# The body of a Clojure (py/with [x cm] body) runs inside a real Python with
# statement, as a callback. Python exceptions raised by calls the body makes
# through pybridge.python are captured on their way out (per thread), so
# that the exception __exit__ receives is the Python exception itself.

import threading as _threading  # noqa: E402 (this section's own import)

_captured = _threading.local()


class _Ref:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def with_run(cm, body):
    with cm as value:
        _captured.exc = None
        exc = body(_Ref(value))
        if exc is not None:
            raise exc


def capture_call(f, /, *args, **kwargs):
    try:
        return f(*args, **kwargs)
    except BaseException as e:
        _captured.exc = e
        raise


def capture_call_attr(o, name, /, *args, **kwargs):
    try:
        return getattr(o, name)(*args, **kwargs)
    except BaseException as e:
        _captured.exc = e
        raise


def capture_getattr(o, name):
    try:
        return getattr(o, name)
    except BaseException as e:
        _captured.exc = e
        raise


def capture_getitem(o, key):
    try:
        return o[key]
    except BaseException as e:
        _captured.exc = e
        raise


def take_captured(type_name, message):
    """The exception last captured on this thread, if it is the one named
    (type and str); else one of that type with that message, made without
    calling its __init__ (or an Exception when the type cannot be found)."""
    e = getattr(_captured, "exc", None)
    _captured.exc = None
    if e is not None and type_name_qualified(e) == type_name:
        try:
            if str(e) == message:
                return e
        except Exception:
            pass
    return rebuild_exception(type_name, message)


def _find_type(qualified):
    import builtins
    import importlib

    parts = qualified.split(".")
    for i in range(len(parts) - 1, -1, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i])) if i else builtins
        except Exception:
            continue
        try:
            for p in parts[i:]:
                obj = getattr(obj, p)
            return obj
        except AttributeError:
            continue
    return None


def rebuild_exception(type_name, message):
    t = _find_type(type_name)
    if isinstance(t, type) and issubclass(t, BaseException):
        try:
            e = t.__new__(t)
            e.args = (message,)
            return e
        except Exception:
            pass
    return Exception("%s: %s" % (type_name, message))

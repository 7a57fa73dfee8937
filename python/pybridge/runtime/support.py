"""Small helpers pybridge's Java API is built on (org.pybridge.Support).

Run once per interpreter, on first use, in a private namespace kept for the
life of that interpreter; Java calls the functions by name
(Support.fn("kind")...). The PyKind codes come from the library
(pybridge._contract, contract.rs `py_kind`).
"""

import sys as _sys
import weakref as _weakref

_PK = _sys.modules["pybridge"]._contract["py_kind"]


def eq(a, b):
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:
        return False


def hash_or_none(a):
    try:
        return hash(a)
    except TypeError:
        return None


def new_namespace():
    import builtins

    return {"__builtins__": builtins, "__name__": "__pybridge_namespace__"}


def weak(o):
    return _weakref.ref(o)


def alive(r):
    return r() is not None


def deref(r):
    return r()


def keys(m):
    return list(m)


def _has(t, name):
    # defined by the type itself (not found through its metaclass)
    return any(name in vars(k) for k in t.__mro__)


def kind(o):
    # PyKind codes (contract.rs py_kind); by type only (the answer is cached per type)
    import collections.abc as abc

    t = type(o)
    if o is None or issubclass(t, (bool, int, float, complex, str, bytes, bytearray)):
        return _PK["SCALAR"]
    if t.__module__ == "numpy" and _has(t, "item") and not _has(t, "__len__"):
        return _PK["SCALAR"]
    if issubclass(t, abc.Mapping) or all(_has(t, a) for a in ("keys", "__getitem__", "__len__")):
        return _PK["MAPPING"]
    if issubclass(t, (abc.Set, abc.Iterator)):
        return _PK["ITERABLE"]
    if issubclass(t, abc.Sequence) or (_has(t, "__getitem__") and _has(t, "__len__")):
        return _PK["SEQUENCE"]
    if _has(t, "__call__"):
        return _PK["CALLABLE"]
    if _has(t, "__iter__"):
        return _PK["ITERABLE"]
    return _PK["OTHER"]


def dtype_name(a):
    return str(getattr(a, "dtype", "?"))


def items_flat(m):
    out = []
    for k, v in m.items():
        out.append(k)
        out.append(v)
    return out


def list_sort(items):
    items.sort()


def enter(cm):
    return type(cm).__exit__, type(cm).__enter__(cm)


def exit_ok(exit, cm):
    return bool(exit(cm, None, None, None))


def del_attr(o, name):
    delattr(o, name)


def resolve(name):
    import builtins
    import importlib

    parts = name.split(".")
    if len(parts) == 1:
        try:
            return getattr(builtins, name)
        except AttributeError:
            raise NameError(
                'no builtin named %r (a dotted name such as "os.path.join" names a module and its attribute)' % name
            ) from None
    obj, rest, err = None, None, None
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError as e:
            err = e
            continue
        rest = parts[i:]
        break
    if obj is None:
        raise ModuleNotFoundError("no module found for %r: %s" % (name, err), name=parts[0])
    for a in rest:
        obj = getattr(obj, a)
    return obj


def run_script(path, argv):
    import os
    import runpy

    saved_argv, saved_path = _sys.argv, list(_sys.path)
    _sys.argv = [path] + list(argv)
    _sys.path.insert(0, os.path.dirname(path))
    try:
        return runpy.run_path(path, run_name="__main__")
    finally:
        _sys.argv = saved_argv
        _sys.path[:] = saved_path


def _column(s, name):
    import numpy as np

    dt = s.dtype
    if isinstance(dt, np.dtype) and dt.kind in "biufmM":
        return s.to_numpy()
    tz = getattr(dt, "tz", None)
    if tz is not None:
        return s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    kind = getattr(dt, "kind", "O")
    if kind in "biuf" and not s.hasnans:
        return s.to_numpy(dtype=dt.numpy_dtype)
    if kind == "f":
        return s.to_numpy(dtype=dt.numpy_dtype, na_value=np.nan)
    return s.astype(object).where(s.notna(), None).tolist()


def columns(df):
    import pandas as pd

    if isinstance(df, pd.Series):
        return _column(df, df.name)
    if not isinstance(df, pd.DataFrame):
        raise TypeError("toColumns() takes a pandas DataFrame or Series, not %s" % type(df).__qualname__)
    out = {}
    for name, s in df.items():
        key = str(name)
        if key in out:
            raise ValueError("the DataFrame has two columns named %r: rename them first" % key)
        out[key] = _column(s, key)
    return out


def frame_of(cols):
    import pandas as pd

    return pd.DataFrame(cols)


def is_frame(o):
    t = type(o)
    return t.__module__.startswith("pandas") and t.__name__ in ("DataFrame", "Series")


def exit_err(exit, cm, java_class, message):
    import pybridge

    e = pybridge._make_java_exception(java_class, message, 0)
    return bool(exit(cm, type(e), e, None))

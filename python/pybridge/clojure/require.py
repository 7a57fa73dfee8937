# Metadata of Python modules and classes for pybridge.require (Python modules
# as Clojure namespaces): one call describes every attribute, so requiring a
# module as large as numpy costs one crossing, not one per attribute.
import inspect as _inspect
import linecache as _linecache
import re as _re
import sys as _sys

_P = _inspect.Parameter


def _doc(o):
    d = getattr(o, "__doc__", None)
    return d if isinstance(d, str) else None


def _file(o):
    try:
        return _inspect.getsourcefile(o) or _inspect.getfile(o)
    except Exception:
        return None


def _class_line(cls, filename):
    """The line of `class Name` in filename: searched backwards from the
    first line of the class's own functions (linecache reads the file once)."""
    lines = _linecache.getlines(filename)
    if not lines:
        return None
    pat = _re.compile(r"\s*class\s+" + _re.escape(cls.__name__) + r"\b")
    firsts = [v.__code__.co_firstlineno for v in vars(cls).values() if hasattr(v, "__code__")]
    start = min(firsts) - 1 if firsts else len(lines)
    for i in range(min(start, len(lines)) - 1, -1, -1):
        if pat.match(lines[i]):
            return i + 1
    for i, line in enumerate(lines):
        if pat.match(line):
            return i + 1
    return None


def _line(o, filename):
    if _inspect.ismodule(o):
        return 1 if filename else None
    try:
        f = _inspect.unwrap(o)
    except Exception:
        f = o
    f = getattr(f, "__func__", f)
    code = getattr(f, "__code__", None)
    if code is not None:
        return code.co_firstlineno
    if isinstance(o, type) and filename:
        return _class_line(o, filename)
    return None


def _signature(o):
    """[required, optional, varargs, kwonly, varkw] parameter names, or None."""
    try:
        sig = _inspect.signature(o)
    except Exception:
        return None
    required, optional, varargs, kwonly, varkw = [], [], None, [], None
    for p in sig.parameters.values():
        if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD):
            (required if p.default is _P.empty else optional).append(p.name)
        elif p.kind is _P.VAR_POSITIONAL:
            varargs = p.name
        elif p.kind is _P.KEYWORD_ONLY:
            kwonly.append(p.name)
        else:
            varkw = p.name
    return [required, optional, varargs, kwonly, varkw]


def _describe(name, o):
    interesting = callable(o) or _inspect.ismodule(o)
    filename = _file(o) if interesting else None
    return [
        name,
        type(o).__name__,
        _doc(o) if interesting else None,
        filename,
        _line(o, filename) if interesting else None,
        _signature(o) if callable(o) else None,
    ]


def describe(obj, with_signatures):
    """(own, [[name, type, doc, file, line, signature] ...]) for the
    attributes of a module or class (vars(obj), names that are identifiers)."""
    own = _describe(getattr(obj, "__name__", None), obj)
    out = []
    for name, value in list(vars(obj).items()):
        if not (isinstance(name, str) and name.isidentifier()):
            continue
        try:
            d = _describe(name, value)
        except Exception:
            d = [name, type(value).__name__, None, None, None, None]
        if not with_signatures:
            d[5] = None
        out.append(d)
    return own, out


def values(obj, names):
    """getattr(obj, name) for each name (None when it raises)."""
    out = []
    for n in names:
        try:
            out.append(getattr(obj, n))
        except Exception:
            out.append(None)
    return out


def has_all(obj):
    return hasattr(obj, "__all__")


def all_names(obj):
    return [str(n) for n in getattr(obj, "__all__", ())]


def is_class(o):
    return isinstance(o, type)


def is_module(o):
    return _inspect.ismodule(o)


def push_path(p):
    _sys.path.insert(0, p)


def pop_path(p):
    try:
        _sys.path.remove(p)
    except ValueError:
        pass


def source_file(o):
    return _file(o)

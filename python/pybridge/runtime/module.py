# The Python half of the `pybridge` module, run once in every interpreter
# (rust/src/jvm/module.rs): JavaException and the factory of its per-class
# subtypes, and the copy helpers of Interpreter.copyOf. The Rust half adds
# JavaFunction, JavaObject, JavaBuffer (and, in the main interpreter,
# JavaMethod, JavaArrayBase and _set_proxy_factory).
import os
import sys
import types

_mod = sys.modules.get("pybridge") or types.ModuleType("pybridge", "pybridge: the JVM as seen from Python")
sys.modules["pybridge"] = _mod


class JavaException(Exception):
    """An exception thrown by Java code that Python called. java_class is the
    Java class name; the Java exception itself is kept on the Java side."""

    java_class = None
    java_id = 0


JavaException.__module__ = "pybridge"
_mod.JavaException = JavaException
_types = {}


def make(java_class, message, java_id):
    hook = getattr(_mod, "_exception_type", None)
    e = hook(java_class, message, java_id) if hook is not None else None
    if e is not None:
        e.java_class = java_class
        e.java_id = java_id
        return e
    t = _types.get(java_class)
    if t is None:
        module, _, simple = java_class.rpartition(".")
        t = type(simple or java_class, (JavaException,), {"__module__": module or "java"})
        # Threads racing here (in parallel without a GIL) all get the first one stored.
        t = _types.setdefault(java_class, t)
    e = t(message)
    e.java_class = java_class
    e.java_id = java_id
    return e


_mod._make_java_exception = make


def _copy_out(obj):
    # Interpreter.copyOf: the object as bytes another interpreter can rebuild.
    import pickle

    try:
        return b"P" + pickle.dumps(obj, protocol=5)
    except Exception as e:
        try:
            return b"B" + bytes(memoryview(obj))
        except TypeError:
            raise TypeError(
                "cannot copy a %s to another interpreter: it can neither be pickled (%s) "
                "nor does it export a buffer" % (type(obj).__qualname__, e)
            ) from None


def _copy_in(data):
    if data[:1] == b"P":
        import pickle

        return pickle.loads(memoryview(data)[1:])
    return bytes(memoryview(data)[1:])


_mod._copy_out = _copy_out
_mod._copy_in = _copy_in


class NoConsoleError(RuntimeError):
    """breakpoint() with no debugger attached and no console to run pdb on."""


NoConsoleError.__module__ = "pybridge.debug"
_mod.NoConsoleError = NoConsoleError


def _has_console():
    try:
        return os.isatty(0) and sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError, AttributeError):
        return False


def _breakpointhook(*args, **kwargs):
    """sys.breakpointhook: debugpy when a client is attached (Python.debug), pdb on a
    console, else NoConsoleError (never a wait for input nobody can type)."""
    attached = getattr(_mod, "_debug_attached", None)
    if attached is not None and attached():
        import debugpy

        return debugpy.breakpoint()
    if _has_console():
        import pdb

        return pdb.Pdb().set_trace(sys._getframe(1))
    raise NoConsoleError(
        "breakpoint() needs a debugger or a console: this embedded Python's stdin is not a terminal. "
        "Attach a debugger (org.pybridge.Python.debug(port), then a DAP client such as VS Code), "
        "run the JVM from a terminal for pdb, or set PYTHONBREAKPOINT=0 to ignore breakpoint() calls."
    )


_mod._breakpointhook = _breakpointhook
# Installed unless PYTHONBREAKPOINT chose another hook (or none).
if not os.environ.get("PYTHONBREAKPOINT") and sys.breakpointhook is sys.__breakpointhook__:
    sys.breakpointhook = _breakpointhook

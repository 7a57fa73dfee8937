"""Debugging embedded Python (org.pybridge.PyDebug, Python.debug).

Loaded by org.pybridge.PyResources as `pybridge.debug`. `listen` starts
debugpy's server (VS Code, PyCharm and any DAP client attach to it); every
JVM thread that then calls Python is made known to the debugger by
`this_thread` (threads the JVM made are not `threading` threads, which
debugpy would find by itself), named after the Java thread. `breakpoint()`
goes to the debugger when a client is attached, to pdb when the process has
a console, and is otherwise a clear error instead of a wait on a stdin
nobody types into.
"""

import os
import sys
import threading

_listening = None  # (host, port) once listen() ran


def listen(host, port, python, wait_for_client):
    """debugpy.listen on (host, port) (port 0: any free one); returns the port."""
    global _listening
    import debugpy

    if _listening is None:
        if python:
            # the adapter is a process of its own: run by the Python pybridge embeds
            debugpy.configure(python=python, subProcess=False)
        _listening = debugpy.listen((host, port))
    if wait_for_client:
        debugpy.wait_for_client()
    return _listening[1]


def is_listening():
    return _listening is not None


def is_attached():
    if _listening is None:
        return False
    import debugpy

    return debugpy.is_client_connected()


def this_thread(java_name):
    """Makes the calling thread (one the JVM made) known to the debugger, named
    after its Java thread."""
    import debugpy

    t = threading.current_thread()
    if isinstance(t, threading._DummyThread) or t.name.startswith("Dummy-"):
        t.name = java_name
    debugpy.debug_this_thread()


def _has_console():
    try:
        return os.isatty(0) and sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError, AttributeError):
        return False


class NoConsoleError(RuntimeError):
    """breakpoint() with no debugger attached and no console to run pdb on."""


def breakpointhook(*args, **kwargs):
    """sys.breakpointhook: debugpy when a client is attached, pdb on a console,
    else NoConsoleError (never a wait for input nobody can type)."""
    if is_attached():
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


def install_breakpointhook():
    """Installs breakpointhook unless PYTHONBREAKPOINT chose another (or none)."""
    if os.environ.get("PYTHONBREAKPOINT"):
        return False
    if sys.breakpointhook is sys.__breakpointhook__:
        sys.breakpointhook = breakpointhook
    return True

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

import sys

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
        sys.modules["pybridge"]._debug_attached = is_attached
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
    import threading  # here, not at start-up: installing the hook must not import threading

    import debugpy

    t = threading.current_thread()
    if isinstance(t, threading._DummyThread) or t.name.startswith("Dummy-"):
        t.name = java_name
    debugpy.debug_this_thread()


# breakpoint()'s hook is installed at start-up by the pybridge module itself
# (module.py: no handle, nothing imported); it asks is_attached() once listen() ran.
NoConsoleError = sys.modules["pybridge"].NoConsoleError
breakpointhook = sys.modules["pybridge"]._breakpointhook

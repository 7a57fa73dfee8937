"""What a shared sub-interpreter may do, enforced on Python 3.9-3.11.

CPython 3.12+ enforces ``PyInterpreterConfig`` itself (``allow_fork``,
``allow_exec``, ``allow_threads``, ``allow_daemon_threads``). Before 3.12 a
sub-interpreter made with ``Py_NewInterpreter`` has no such options, so a
shared sub-interpreter could ``os.fork()`` the JVM, ``os.exec*()`` over it
or start threads its configuration refuses. pybridge runs this module in
each such interpreter right after creating it, before any user code: the
refused functions are replaced, in this interpreter's own modules only,
by ones that raise ``RuntimeError`` with CPython 3.12's own messages.

This is a guard against ordinary Python code (``os``, ``pty``,
``threading``, ``subprocess``-free forks), as CPython's own checks are; a C
extension or ``ctypes`` calling libc directly is not stopped by either.
"""

import sys

FORK_MSG = "fork not supported for isolated subinterpreters"
EXEC_MSG = "exec not supported for isolated subinterpreters"
THREAD_MSG = "thread is not supported for isolated subinterpreters"
DAEMON_MSG = "daemon threads are disabled in this (sub)interpreter"


def _refuser(msg, name):
    def refused(*args, **kwargs):
        raise RuntimeError(msg)

    refused.__name__ = name
    refused.__qualname__ = name
    refused.__doc__ = "Refused in this sub-interpreter: " + msg + "."
    return refused


def _replace(modules, names, msg):
    for name in names:
        r = _refuser(msg, name)
        for m in modules:
            if m is not None and hasattr(m, name):
                setattr(m, name, r)


def install(allow_threads, allow_daemon_threads, allow_fork, allow_exec):
    """Replaces what this interpreter may not do (called once, at creation)."""
    import os
    import posix

    mods = (posix, os)
    if not allow_fork:
        _replace(mods, ("fork", "fork1", "forkpty"), FORK_MSG)
    if not allow_exec:
        _replace(mods, ("execv", "execve"), EXEC_MSG)
    if not allow_threads or not allow_daemon_threads:
        import _thread

        start = _thread.start_new_thread

        def start_new_thread(function, args, kwargs=None, /):
            if not allow_threads:
                raise RuntimeError(THREAD_MSG)
            owner = getattr(function, "__self__", None)
            if getattr(owner, "daemon", False) is True and _is_thread(owner):
                raise RuntimeError(DAEMON_MSG)
            if kwargs is None:
                return start(function, args)
            return start(function, args, kwargs)

        start_new_thread.__doc__ = start.__doc__
        _thread.start_new_thread = start_new_thread
        if hasattr(_thread, "start_new"):
            _thread.start_new = start_new_thread
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._start_new_thread = start_new_thread


def _is_thread(obj):
    threading = sys.modules.get("threading")
    return threading is not None and isinstance(obj, threading.Thread)

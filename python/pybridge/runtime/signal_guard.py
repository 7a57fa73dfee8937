# Installed by pybridge at start-up (rust/src/interp/runtime.rs): keeps Python code
# from taking the signals the JVM that embeds this interpreter relies on.
#
# HotSpot handles SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGTRAP itself (null
# checks, safepoints and stack banging in Java code raise them on purpose),
# suspends threads with SIGUSR2, dumps threads on SIGQUIT, and runs its
# shutdown hooks on SIGHUP, SIGINT and SIGTERM. A Python handler, or
# SIG_DFL, in their place kills the JVM at its next NullPointerException.
# So signal.signal() refuses them, pthread_sigmask() refuses to block the
# synchronous ones, and faulthandler, whose fatal-error handler would
# catch the JVM's own SIGSEGVs, records enable() without installing it.


def _install():
    import _signal
    import faulthandler
    import sys

    def numbers(names):
        return {int(getattr(_signal, n)): n for n in names if hasattr(_signal, n)}

    jvm_owned = numbers(
        [
            "SIGSEGV",
            "SIGBUS",
            "SIGFPE",
            "SIGILL",
            "SIGTRAP",
            "SIGQUIT",
            "SIGUSR2",
            "SIGPIPE",
            "SIGXFSZ",
            "SIGHUP",
            "SIGINT",
            "SIGTERM",
        ]
    )
    never_blocked = numbers(["SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGTRAP", "SIGUSR2"])

    class JvmSignalError(ValueError):
        """A signal the JVM embedding this Python (pybridge) relies on."""

    JvmSignalError.__module__ = "pybridge"
    JvmSignalError.__qualname__ = "JvmSignalError"
    pybridge = sys.modules.get("pybridge")
    if pybridge is not None:
        pybridge.JvmSignalError = JvmSignalError

    def refuse(what, signum, name):
        hint = ""
        if name in ("SIGINT", "SIGTERM", "SIGHUP"):
            hint = " To act on shutdown, register a hook on the Java side (Runtime.addShutdownHook)."
        return JvmSignalError(
            "%s(%s) refused: the JVM that embeds this Python (pybridge) handles %s itself, "
            "and changing that would crash the JVM or disable it.%s" % (what, name, name, hint)
        )

    original_signal = _signal.signal

    def signal(signalnum, handler, /):
        n = int(signalnum)
        if n in jvm_owned:
            raise refuse("signal.signal", n, jvm_owned[n])
        return original_signal(signalnum, handler)

    signal.__doc__ = original_signal.__doc__ + (
        "\n\nUnder pybridge, the signals the JVM handles itself are refused (JvmSignalError)."
    )
    _signal.signal = signal

    original_mask = getattr(_signal, "pthread_sigmask", None)
    if original_mask is not None:

        def pthread_sigmask(how, mask, /):
            if how != _signal.SIG_UNBLOCK:
                for s in mask:
                    n = int(s)
                    if n in never_blocked:
                        raise refuse("signal.pthread_sigmask", n, never_blocked[n])
            return original_mask(how, mask)

        pthread_sigmask.__doc__ = original_mask.__doc__
        _signal.pthread_sigmask = pthread_sigmask

    state = {"enabled": False}

    def enable(file=None, all_threads=True):
        """Records that the fault handler is wanted, without installing it:
        under pybridge the JVM handles SIGSEGV, SIGBUS, SIGFPE and SIGILL
        (Java code raises them on purpose), and a Python fatal-error handler
        in their place would kill the JVM. A real crash still produces the
        JVM's hs_err report. dump_traceback() and dump_traceback_later() work."""
        state["enabled"] = True

    def disable():
        """Undoes enable(); returns whether it was enabled."""
        was = state["enabled"]
        state["enabled"] = False
        return was

    def is_enabled():
        """Whether enable() was called (see enable: nothing is installed)."""
        return state["enabled"]

    original_register = faulthandler.register

    def register(signum, *args, **kwargs):
        n = int(signum)
        if n in jvm_owned:
            raise refuse("faulthandler.register", n, jvm_owned[n])
        return original_register(signum, *args, **kwargs)

    register.__doc__ = original_register.__doc__
    faulthandler.enable = enable
    faulthandler.disable = disable
    faulthandler.is_enabled = is_enabled
    faulthandler.register = register


_install()
del _install

"""async Python from Java (org.pybridge.PyAsync, PyObject.callAsync).

Loaded once per interpreter by org.pybridge.PyResources as `pybridge.aio`.
Java calls `submit` with an id; the coroutine runs as a task on pybridge's own
event loop (one per interpreter, on a thread of its own, started on first use)
or on the loop the caller gives; when it ends, the Java callback `complete`
(set by `set_complete`) is told (id, status), and Java takes the result with
`take(id)` (which raises the coroutine's exception, if any).
"""

import asyncio
import inspect
import threading

OK, FAILED, CANCELLED = 0, 1, 2

_lock = threading.Lock()
_owned = None  # (loop, thread) of the loop pybridge owns in this interpreter
_complete = None  # the Java callback (id, status)
_tasks = {}  # id -> task, while it runs
_results = {}  # id -> the value or exception, until Java takes it
_waiting = {}  # id -> (its loop, the awaitable), from submit until Java is told how it ended


def set_complete(callback):
    global _complete
    _complete = callback


def owned_loop():
    """pybridge's event loop of this interpreter, started on first use on a
    thread named pybridge-asyncio (a daemon thread where the interpreter allows one)."""
    global _owned
    with _lock:
        if _owned is None or _owned[0].is_closed() or not _owned[1].is_alive():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            try:
                t = threading.Thread(target=_serve, args=(loop, ready), name="pybridge-asyncio", daemon=True)
                t.start()
            except RuntimeError:
                # a sub-interpreter that allows no daemon threads (CPython 3.12+ refuses the Thread,
                # pybridge's guard on 3.9-3.11 its start): an ordinary one, which
                # Interpreter.close() stops before ending the interpreter
                t = threading.Thread(target=_serve, args=(loop, ready), name="pybridge-asyncio")
                t.start()
            ready.wait()
            _owned = (loop, t)
        return _owned[0]


def has_owned_loop():
    with _lock:
        return _owned is not None


def _serve(loop, ready):
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    try:
        loop.run_forever()
    finally:
        try:
            # Until no task is left: cancelling runs the loop again, which may start tasks
            # whose submission arrived with the stop.
            while True:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                if not pending:
                    break
                for t in pending:
                    t.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            # Submissions whose task never ran (they arrived after the last round): cancelled.
            with _lock:
                left = [(i, aw) for i, (lp, aw) in _waiting.items() if lp is loop]
            for ident, aw in left:
                if inspect.iscoroutine(aw):
                    aw.close()  # never started: no "never awaited" warning
                _tell(ident, CANCELLED)


def stop(timeout):
    """Stops the owned loop (its tasks are cancelled, Java's futures with them)
    and waits up to timeout seconds for its thread; True if it ended."""
    global _owned
    with _lock:
        owned, _owned = _owned, None
    if owned is None:
        return True
    loop, t = owned
    try:
        loop.call_soon_threadsafe(loop.stop)
    except RuntimeError:
        pass  # already closed
    t.join(timeout)
    return not t.is_alive()


def submit(ident, loop, fn, args, kwargs):
    """Calls fn(*args, **kwargs) here and runs the awaitable it returns as a task
    of loop (None: the owned loop)."""
    aw = fn(*args, **(kwargs or {}))
    if not inspect.isawaitable(aw):
        raise TypeError(
            "callAsync needs an async function (or one returning an awaitable); %r returned %s: "
            "use call for ordinary functions" % (fn, type(aw).__qualname__)
        )
    if loop is None:
        loop = owned_loop()
    if loop.is_closed():
        if inspect.iscoroutine(aw):
            aw.close()
        raise RuntimeError("the event loop is closed")
    with _lock:
        _waiting[ident] = (loop, aw)
    try:
        loop.call_soon_threadsafe(_start, ident, aw)
    except RuntimeError:
        with _lock:
            _waiting.pop(ident, None)
        if inspect.iscoroutine(aw):
            aw.close()
        raise


def _start(ident, aw):
    task = asyncio.ensure_future(_run(ident, aw))
    _tasks[ident] = task
    task.add_done_callback(lambda t: _cancelled_before_running(ident, t))


def _cancelled_before_running(ident, task):
    # A task cancelled before its first step never runs _run's body: Java is told here.
    if task.cancelled():
        _tasks.pop(ident, None)
        _tell(ident, CANCELLED)


def _tell(ident, status):
    """Tells Java how task ident ended, once."""
    with _lock:
        known = _waiting.pop(ident, None) is not None
    if known:
        _complete(ident, status)


async def _run(ident, aw):
    try:
        value = await aw
        status = OK
    except BaseException as e:  # noqa: BLE001 - every outcome goes back to Java
        value, status = (None, CANCELLED) if _is_cancelled(e) else (e, FAILED)
    _tasks.pop(ident, None)
    if status != CANCELLED:
        _results[ident] = value
    _tell(ident, status)


def _is_cancelled(e):
    # By name: in a sub-interpreter before Python 3.12, asyncio's C tasks raise the
    # main interpreter's CancelledError class (_asyncio keeps it in a static).
    return isinstance(e, asyncio.CancelledError) or (
        type(e).__name__ == "CancelledError" and type(e).__module__ == "asyncio.exceptions"
    )


def take(ident):
    """The result of task ident (raising its exception), forgotten here."""
    value = _results.pop(ident)
    if isinstance(value, BaseException):
        try:
            raise value
        finally:
            value = None
    return value


def discard(ident):
    _results.pop(ident, None)


def cancel(ident, loop):
    """Cancels task ident (from any thread)."""
    if loop is None:
        with _lock:
            loop = _owned[0] if _owned is not None else None
    if loop is None or loop.is_closed():
        return
    try:
        loop.call_soon_threadsafe(_cancel, ident)
    except RuntimeError:
        pass


def _cancel(ident):
    t = _tasks.get(ident)
    if t is not None:
        t.cancel()

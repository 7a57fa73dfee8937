"""Python's sys.stdout and sys.stderr writing to Java (org.pybridge.PyOutput).

The text layer is CPython's own (io.TextIOWrapper over an 8 KB
io.BufferedWriter, line buffered); only the raw layer below is Python code.

stderr hands each line to Java at once (one call of a Java sink with its
UTF-8 bytes), as CPython's stderr is line buffered; so does stdout to a
Java Consumer (install's batch=False: Clojure's *out*, a logger, on the
thread that printed). stdout to System.out or a PrintStream collects its
lines and hands them over in one call:

- before Python calls Java and before a call from Java into Python returns
  (rust/src/gil/output.rs: write() raises a flag, checked on every call), so
  Java's own prints come after what Python printed before them;
- at sys.stdout.flush() (print(..., flush=True)) and when the stream is
  replaced or closed;
- at LIMIT bytes;
- DELAY seconds after the first line collected, from a daemon thread, for
  Python threads that print while Java calls nothing;
- when the JVM exits (PyOutput's shutdown hook calls deliver_all), with
  a partial line.

A chunk the sink fails to take is written to the file descriptor, so output
is never lost silently. docs/decisions/output-batching.md.
"""

import _thread
import io as _io
import os as _os
import sys as _sys
import time as _time

import pybridge as _pybridge

LIMIT = 64 * 1024
DELAY = 0.05

_pending_flag = getattr(_pybridge, "_output_pending", None)
_register = getattr(_pybridge, "_output_register", None)
# Kept on the pybridge module: PyOutput runs this file again at each
# Python.redirectOutput, and the streams and the delay thread outlive that.
_state = _pybridge.__dict__.setdefault("_output_state", {})
_streams = _state.setdefault("streams", [])
_flusher = _state.setdefault("flusher", [])
_wake = _state.get("wake")
if _wake is None:
    _wake = _state["wake"] = _thread.allocate_lock()
    _wake.acquire()


class JavaStream(_io.RawIOBase):
    def __init__(self, sink, fd, name, batch):
        self._sink = sink
        self._fd = fd
        self._name = name
        self._batch = batch
        self._pending = []
        self._size = 0
        self._lock = _thread.RLock()

    @property
    def name(self):
        return self._name

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        # the descriptor below: faulthandler and subprocess write there directly
        return self._fd

    def write(self, b):
        data = bytes(b)
        if not self._batch:
            self._send(data)
            return len(data)
        with self._lock:
            if not self._pending:
                _started()
            self._pending.append(data)
            self._size += len(data)
            if self._size >= LIMIT:
                self.deliver()
        return len(data)

    def deliver(self):
        """Hands what was collected to Java (in the order written)."""
        with self._lock:
            p = self._pending
            if not p:
                return
            data = p[0] if len(p) == 1 else b"".join(p)
            self._pending = []
            self._size = 0
            # under the lock: a thread delivering after us comes after us
            self._send(data)

    def _send(self, data):
        try:
            self._sink(data)
        except Exception:
            try:
                _os.write(self._fd, data)
            except OSError:
                pass


def _started():
    # the first line of a batch: the boundaries and the delay thread learn of it
    if _pending_flag is not None:
        _pending_flag()
    if not _flusher:
        _start_flusher()
    if _wake.locked():
        try:
            _wake.release()
        except RuntimeError:
            pass


def _start_flusher():
    _flusher.append(True)
    try:
        _thread.start_new_thread(_flush_later, ())
    except RuntimeError:
        pass  # no threads here: the boundaries, flush and exit still deliver


def _flush_later():
    while True:
        _wake.acquire()
        _time.sleep(DELAY)
        deliver_all()


def deliver_all(at_exit=False):
    """Hands every stream's collected output to Java (the boundaries and the
    delay thread call this); at_exit (the JVM's exit) a partial line too."""
    for t in tuple(_streams):
        if at_exit:
            t.flush()
        else:
            t._java.deliver()


class _Text(_io.TextIOWrapper):
    # TextIOWrapper's own line buffering flushes its buffer, not this
    # method: only an explicit flush (print(flush=True), sys.stdout.flush(),
    # close) comes here and hands the collected output over at once.
    def flush(self):
        super().flush()
        self._java.deliver()


def _stream(sink, fd, name, errors, batch):
    raw = JavaStream(sink, fd, name, batch)
    t = _Text(_io.BufferedWriter(raw), encoding="utf-8", errors=errors, line_buffering=True)
    t._java = raw
    return t


def _replace(role, old, new):
    # old: what sys.stdout / sys.stderr is now (perhaps a wrapper of ours,
    # jsr223.py's); the Java stream this role had is flushed and forgotten
    if old is not None:
        old.flush()
    mine = _state.get(role)
    if mine is not None:
        mine.flush()
        if mine in _streams:
            _streams.remove(mine)
    _state[role] = new if isinstance(new, _Text) else None
    if _state[role] is not None:
        _streams.append(new)
    return new


def install(out_sink, err_sink, restore=False, batch=True):
    """Points sys.stdout / sys.stderr at their sinks. A None sink leaves the
    stream as it is, or, with restore, puts back the one Python started with
    (its file descriptor; Python.redirectOutput after start-up). batch:
    stdout collects lines (System.out, a PrintStream) rather than handing
    each over on the thread that printed it (a Consumer). Returns
    deliver_all."""
    # (sys.stdout is None when the process started with that descriptor closed)
    if out_sink is not None or restore:
        new = _stream(out_sink, 1, "<stdout>", "strict", batch) if out_sink is not None else _sys.__stdout__
        _sys.stdout = _replace("out", _sys.stdout, new)
    if err_sink is not None or restore:
        new = _stream(err_sink, 2, "<stderr>", "backslashreplace", False) if err_sink is not None else _sys.__stderr__
        _sys.stderr = _replace("err", _sys.stderr, new)
    if _register is not None:
        # the boundaries hand over stdout's batch (stderr's lines go at once)
        out = _state.get("out")
        _register(out._java.deliver if out is not None and out._java._batch else None)
    return deliver_all

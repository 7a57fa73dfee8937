"""Python's sys.stdout and sys.stderr writing to Java (org.pybridge.PyOutput).

The text layer is CPython's own (io.TextIOWrapper over an 8 KB
io.BufferedWriter, line buffered); only the raw layer below is Python code,
and each chunk it is handed is one call of a Java sink with the chunk's
UTF-8 bytes. A chunk the sink fails to take is written to the file
descriptor, so output is never lost silently.
docs/decisions/artifact-and-output.md.
"""

import io as _io
import os as _os
import sys as _sys


class JavaStream(_io.RawIOBase):
    def __init__(self, sink, fd, name):
        self._sink = sink
        self._fd = fd
        self._name = name

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
        try:
            self._sink(data)
        except Exception:
            try:
                _os.write(self._fd, data)
            except OSError:
                pass
        return len(data)


def _stream(sink, fd, name, errors):
    raw = JavaStream(sink, fd, name)
    return _io.TextIOWrapper(_io.BufferedWriter(raw), encoding="utf-8", errors=errors, line_buffering=True)


def install(out_sink, err_sink, restore=False):
    """Points sys.stdout / sys.stderr at their sinks. A None sink leaves the
    stream as it is, or, with restore, puts back the one Python started with
    (its file descriptor; Python.redirectOutput after start-up)."""
    # (sys.stdout is None when the process started with that descriptor closed)
    if out_sink is not None or restore:
        if _sys.stdout is not None:
            _sys.stdout.flush()
        _sys.stdout = _stream(out_sink, 1, "<stdout>", "strict") if out_sink is not None else _sys.__stdout__
    if err_sink is not None or restore:
        if _sys.stderr is not None:
            _sys.stderr.flush()
        _sys.stderr = _stream(err_sink, 2, "<stderr>", "backslashreplace") if err_sink is not None else _sys.__stderr__

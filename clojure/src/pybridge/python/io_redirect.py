# sys.stdout / sys.stderr replacements that write to the JVM (pybridge's
# Clojure layer, namespace pybridge.python.io-redirect): each write calls a
# Clojure callback that writes to *out* / *err* of the calling thread.
import io as _io
import sys as _sys


class JvmWriter(_io.TextIOBase):
    def __init__(self, write, flush, name):
        self._write = write
        self._flush = flush
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def encoding(self):
        return 'utf-8'

    @property
    def errors(self):
        return 'strict'

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError('write() argument must be str, not ' + type(s).__name__)
        if s:
            self._write(s)
        return len(s)

    def flush(self):
        self._flush()


def redirect(out_write, out_flush, err_write, err_flush):
    _sys.stdout = JvmWriter(out_write, out_flush, '<stdout>')
    _sys.stderr = JvmWriter(err_write, err_flush, '<stderr>')

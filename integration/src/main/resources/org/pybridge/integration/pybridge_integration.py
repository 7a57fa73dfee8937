"""pybridge's Spark/Flink integration, Python side (module _pybridge_integration).

Loaded once per JVM by org.pybridge.integration.ExecutorPython. Batches cross
as Apache Arrow through the C Data Interface: Java passes the addresses of an
ArrowArray/ArrowSchema pair it exported, pyarrow imports them (moving the
structs, so the release callback becomes pyarrow's to call, once), and the
result goes back by exporting into a second pair Java allocated. No buffer is
copied either way.
"""

import ctypes
import itertools
import sys
import threading

_pa = None


def _pyarrow():
    global _pa
    if _pa is None:
        try:
            import pyarrow
        except ImportError as e:
            raise ImportError(
                "pybridge's Arrow batches need pyarrow in the executor's Python (%s): "
                "pip install pyarrow (and pandas for the pandas format)" % sys.executable
            ) from e
        _pa = pyarrow
    return _pa


# ---- functions that travel: _pybridge_functions (loaded first, in every interpreter) --

from _pybridge_functions import load_file, map_rows, resolve_file, resolve_module, resolve_source  # noqa: E402, F401

# ---- Arrow through the C Data Interface -------------------------------------------

# Java's exported structs carry release callbacks that call into the JVM
# (JNI). pybridge runs Python on a stack of its own, where the JVM must never
# run: a JNI call made there directly (by pyarrow freeing a batch) wedges the
# thread. So Python never calls Java's release itself: import_batch moves each
# struct into a copy whose release is the Python trampoline below, which hands
# the original struct back to Java through a pybridge callback (pybridge runs
# callbacks on the thread's own stack); Java releases it there.


class _ArrowSchema(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_void_p),
        ("name", ctypes.c_void_p),
        ("metadata", ctypes.c_void_p),
        ("flags", ctypes.c_int64),
        ("n_children", ctypes.c_int64),
        ("children", ctypes.c_void_p),
        ("dictionary", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


class _ArrowArray(ctypes.Structure):
    _fields_ = [
        ("length", ctypes.c_int64),
        ("null_count", ctypes.c_int64),
        ("offset", ctypes.c_int64),
        ("n_buffers", ctypes.c_int64),
        ("n_children", ctypes.c_int64),
        ("buffers", ctypes.c_void_p),
        ("children", ctypes.c_void_p),
        ("dictionary", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


_java_release = None  # set by Java: java_release(kind, address) releases Java's struct
_originals = {}  # token -> (kind, ctypes copy of Java's struct as exported)
_tokens = itertools.count(1)
_lock = threading.Lock()
_RELEASE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def set_java_release(fn):
    global _java_release
    _java_release = fn


def _release(kind, ptr):
    cls = _ArrowArray if kind == 0 else _ArrowSchema
    st = cls.from_address(ptr)
    token = st.private_data
    st.release = None
    with _lock:
        entry = _originals.pop(token, None)
    if entry is not None:
        _java_release(kind, ctypes.addressof(entry[1]))


_array_release = _RELEASE(lambda ptr: _release(0, ptr))
_schema_release = _RELEASE(lambda ptr: _release(1, ptr))


def _move(kind, ptr):
    cls = _ArrowArray if kind == 0 else _ArrowSchema
    src = cls.from_address(ptr)
    if not src.release:
        raise ValueError("the Arrow struct at %#x was already released or moved" % ptr)
    original = cls.from_buffer_copy(src)
    mine = cls.from_buffer_copy(src)
    token = next(_tokens)
    with _lock:
        _originals[token] = (kind, original)
    mine.private_data = token
    mine.release = ctypes.cast(_array_release if kind == 0 else _schema_release, ctypes.c_void_p).value
    src.release = None  # moved: Java's struct no longer owns anything
    return mine


def pending_java_releases():
    """How many structs Java exported that Python has not released yet."""
    return len(_originals)


def import_batch(array_ptr, schema_ptr):
    """The RecordBatch Java exported at these addresses (no copy; moves the structs)."""
    a = _move(0, array_ptr)
    try:
        s = _move(1, schema_ptr)
    except BaseException:
        _release(0, ctypes.addressof(a))
        raise
    try:
        return _pyarrow().RecordBatch._import_from_c(ctypes.addressof(a), ctypes.addressof(s))
    finally:
        # pyarrow moved what it imported (release now NULL here); release what it did not.
        if s.release:
            _release(1, ctypes.addressof(s))
        if a.release:
            _release(0, ctypes.addressof(a))


def to_record_batch(obj, names=None):
    """A pyarrow.RecordBatch from what a batch function returned: a RecordBatch,
    a Table (one chunk, or its chunks combined), a pandas DataFrame, a dict of
    columns, or one column (numpy array, pyarrow Array, pandas Series, list) or
    a tuple/list of columns, named by `names`."""
    pa = _pyarrow()
    if isinstance(obj, pa.RecordBatch):
        return obj
    if isinstance(obj, pa.Table):
        batches = obj.combine_chunks().to_batches()
        if not batches:
            return pa.RecordBatch.from_pylist([], schema=obj.schema)
        return batches[0]
    mod = type(obj).__module__ or ""
    if mod.startswith("pandas") and type(obj).__name__ == "DataFrame":
        return pa.RecordBatch.from_pandas(obj, preserve_index=False)
    if isinstance(obj, dict):
        return pa.RecordBatch.from_arrays([_array(v) for v in obj.values()], names=[str(k) for k in obj])
    if isinstance(obj, tuple) or (isinstance(obj, list) and obj and _is_column(obj[0])):
        cols = [_array(c) for c in obj]
    else:
        cols = [_array(obj)]
    if not names or len(names) != len(cols):
        names = ["_%d" % i for i in range(len(cols))]
    return pa.RecordBatch.from_arrays(cols, names=list(names))


def _is_column(x):
    pa = _pyarrow()
    return isinstance(x, (pa.Array, pa.ChunkedArray, list)) or hasattr(x, "__array__")


def _array(x):
    pa = _pyarrow()
    if isinstance(x, pa.Array):
        return x
    if isinstance(x, pa.ChunkedArray):
        return x.combine_chunks()
    # numpy arrays of a primitive dtype become Arrow arrays over the same memory.
    return pa.array(x)


_TYPES = {
    "INT64": "int64",
    "INT32": "int32",
    "FLOAT64": "float64",
    "FLOAT32": "float32",
    "BOOLEAN": "bool_",
    "STRING": "string",
}


def _cast(rb, types):
    """The first len(types) columns of rb, cast to the declared types (no copy
    for a column that already has its type)."""
    if not types:
        return rb
    pa = _pyarrow()
    if rb.num_columns < len(types):
        raise ValueError("the function returned %d columns; %d were declared" % (rb.num_columns, len(types)))
    cols = []
    for i, t in enumerate(types):
        c = rb.column(i)
        want = getattr(pa, _TYPES[t])()
        cols.append(c if c.type == want else c.cast(want))
    return pa.RecordBatch.from_arrays(cols, names=rb.schema.names[: len(types)])


def export_batch(obj, names, array_ptr, schema_ptr, types=None):
    rb = _cast(to_record_batch(obj, names), types)
    rb._export_to_c(array_ptr, schema_ptr)
    return rb.num_rows


def _columns_numpy(rb):
    # zero_copy_only=False: a column without nulls of a primitive type is still a
    # view (no copy); a string column or one with nulls is converted.
    return [c.to_numpy(zero_copy_only=False) for c in rb.columns]


def call_batch(fn, fmt, names, in_array, in_schema, out_array, out_schema, types=None):
    """One batch: import, hand to fn in the format asked for, export the result.
    fmt: 'arrow' (fn(RecordBatch)), 'pandas' (fn(DataFrame)), 'numpy' (fn(*columns))."""
    rb = import_batch(in_array, in_schema)
    if fmt == "arrow":
        out = fn(rb)
    elif fmt == "pandas":
        # split_blocks: each column its own block, so primitive columns without nulls
        # stay views of the Arrow buffers (no copy).
        out = fn(rb.to_pandas(split_blocks=True))
    elif fmt == "numpy":
        out = fn(*_columns_numpy(rb))
    else:
        raise ValueError("unknown batch format %r" % (fmt,))
    del rb
    return export_batch(out, names, out_array, out_schema, types)


def buffer_addresses(rb):
    """[column][buffer] addresses of a RecordBatch (None for an absent buffer)."""
    return [[b.address if b is not None else None for b in c.buffers()] for c in rb.columns]

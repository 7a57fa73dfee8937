"""numpy arrays as dtype-next tensors and back, without a copy
(libpython-clj2.python.np-array in pybridge's libpython-clj compatibility jar)."""

import ctypes

_DTYPES = (
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float32",
    "float64",
)


def is_ndarray(o):
    t = type(o)
    return t.__module__ == "numpy" and t.__name__ == "ndarray"


def describe(a):
    """[address, shape, byte strides, dtype name] of a numpy array: what a
    dtype-next tensor over the same memory needs."""
    dt = a.dtype
    if dt.fields is not None:
        raise TypeError("cannot convert a numpy array with fields (%s) to a tensor" % dt)
    if dt.name not in _DTYPES:
        raise TypeError("numpy dtype %s has no dtype-next counterpart (int8..uint64, float32, float64)" % dt.name)
    if not dt.isnative:
        raise TypeError("numpy dtype %s is not in this machine's byte order: .astype('=%s') first" % (dt, dt.char))
    return [a.ctypes.data, list(a.shape), list(a.strides), dt.name]


def from_address(address, nbytes, dtype, shape, strides, owner):
    """A numpy array over nbytes of memory at address (no copy), in this shape and
    byte strides; owner (the Java object holding that memory) is kept alive as
    long as the array or a view of it is."""
    import numpy as np
    from numpy.lib.stride_tricks import as_strided

    kept = type("JvmMemory", (ctypes.c_char * max(int(nbytes), 1),), {})
    mem = kept.from_address(int(address))
    mem.owner = owner
    flat = np.frombuffer(mem, dtype=dtype)
    return as_strided(flat, shape=tuple(shape), strides=tuple(strides))

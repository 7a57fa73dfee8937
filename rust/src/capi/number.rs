//! Ints and floats (`longobject.h`, `floatobject.h`).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyInt;
use std::ffi::c_int;

/// A new int.
#[inline]
pub(crate) fn int_from_i64(py: Python<'_>, x: i64) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: the GIL is held (`py`); a new reference, or NULL with an
    // exception set.
    let p = unsafe { ffi::PyLong_FromLongLong(x) };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    unsafe { Bound::from_owned_ptr_or_err(py, p) }
}

/// A new float.
#[inline]
pub(crate) fn float_from_f64(py: Python<'_>, x: f64) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: the GIL is held (`py`); a new reference, or NULL with an
    // exception set.
    let p = unsafe { ffi::PyFloat_FromDouble(x) };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    unsafe { Bound::from_owned_ptr_or_err(py, p) }
}

/// What `PyLong_AsLongLongAndOverflow` says about an int.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum I64 {
    /// The value fits in 64 bits.
    Value(i64),
    /// It does not (no exception set).
    Overflow,
    /// The conversion failed: an exception is set.
    Error,
}

/// An int as an `i64`, with no `PyErr` made on any outcome.
#[inline]
pub(crate) fn int_to_i64(v: &Bound<'_, PyInt>) -> I64 {
    let mut overflow: c_int = 0;
    // SAFETY: the GIL is held and `v` is a live int (`Bound<PyInt>`);
    // `overflow` is a valid out-pointer.
    let r = unsafe { ffi::PyLong_AsLongLongAndOverflow(v.as_ptr(), &mut overflow) };
    if overflow != 0 {
        I64::Overflow
    } else if r == -1 && super::errors::occurred(v.py()) {
        I64::Error
    } else {
        I64::Value(r)
    }
}

/// An int from its big-endian two's complement bytes (`java.math.BigInteger`'s
/// `toByteArray`).
///
/// Version-specific: `_PyLong_FromByteArray` (3.13: `PyLong_FromNativeBytes`).
#[cfg(not(Py_3_13))]
pub(crate) fn int_from_be_signed<'py>(py: Python<'py>, b: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the GIL is held (`py`); `b` is valid for `b.len()` bytes; big
    // endian (0), signed (1); a new reference, or NULL with an exception set.
    let p = unsafe { ffi::_PyLong_FromByteArray(b.as_ptr(), b.len(), 0, 1) };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    unsafe { Bound::from_owned_ptr_or_err(py, p) }
}

/// Writes an int as big-endian two's complement into all of `out`
/// (`OverflowError` if it does not fit).
///
/// Version-specific: `_PyLong_AsByteArray` (3.13: `PyLong_AsNativeBytes`).
#[cfg(not(Py_3_13))]
pub(crate) fn int_to_be_signed(v: &Bound<'_, PyInt>, out: &mut [u8]) -> PyResult<()> {
    // SAFETY: the GIL is held and `v` is a live int, so a PyLongObject;
    // `out` is writable for `out.len()` bytes; big endian (0), signed (1).
    let rc =
        unsafe { ffi::_PyLong_AsByteArray(v.as_ptr().cast(), out.as_mut_ptr(), out.len(), 0, 1) };
    if rc != 0 {
        return Err(PyErr::fetch(v.py()));
    }
    Ok(())
}

/// An int from its big-endian two's complement bytes (`java.math.BigInteger`'s
/// `toByteArray`).
///
/// Version-specific: `PyLong_FromNativeBytes` (before 3.13: `_PyLong_FromByteArray`).
#[cfg(Py_3_13)]
pub(crate) fn int_from_be_signed<'py>(py: Python<'py>, b: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the GIL is held (`py`); `b` is valid for `b.len()` bytes, read
    // as big-endian two's complement (the flags ask for no unsigned
    // reading); a new reference, or NULL with an exception set.
    let p = unsafe {
        ffi::PyLong_FromNativeBytes(b.as_ptr().cast(), b.len(), ffi::Py_ASNATIVEBYTES_BIG_ENDIAN)
    };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    unsafe { Bound::from_owned_ptr_or_err(py, p) }
}

/// Writes an int as big-endian two's complement into all of `out`
/// (`OverflowError` if it does not fit).
///
/// Version-specific: `PyLong_AsNativeBytes` (before 3.13: `_PyLong_AsByteArray`),
/// which truncates silently and returns the size it would have needed.
#[cfg(Py_3_13)]
pub(crate) fn int_to_be_signed(v: &Bound<'_, PyInt>, out: &mut [u8]) -> PyResult<()> {
    // SAFETY: the GIL is held and `v` is a live int; `out` is writable for
    // `out.len()` bytes; big endian, signed (no UNSIGNED_BUFFER flag).
    let need = unsafe {
        ffi::PyLong_AsNativeBytes(
            v.as_ptr(),
            out.as_mut_ptr().cast(),
            out.len() as ffi::Py_ssize_t,
            ffi::Py_ASNATIVEBYTES_BIG_ENDIAN,
        )
    };
    if need < 0 {
        return Err(PyErr::fetch(v.py()));
    }
    if need as usize > out.len() {
        return Err(pyo3::exceptions::PyOverflowError::new_err(format!(
            "int too big to convert: needs {need} bytes, {} given",
            out.len()
        )));
    }
    Ok(())
}

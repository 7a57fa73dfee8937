//! The error indicator (`pyerrors.h`), for the paths that must not make a
//! `PyErr` (see `call::with_gil_raw`).

use pyo3::Python;
use pyo3::ffi;

/// Whether an exception is set on this thread.
#[inline]
pub(crate) fn occurred(_py: Python<'_>) -> bool {
    // SAFETY: the GIL is held (`py`); PyErr_Occurred only reads this
    // thread's error indicator.
    !unsafe { ffi::PyErr_Occurred() }.is_null()
}

/// Clears this thread's exception, if any.
#[inline]
pub(crate) fn clear(_py: Python<'_>) {
    // SAFETY: the GIL is held (`py`); valid with or without an exception set.
    unsafe { ffi::PyErr_Clear() }
}

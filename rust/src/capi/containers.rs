//! List items, dict entries and bytearray contents (`listobject.h`,
//! `dictobject.h`, `bytearrayobject.h`) where pyo3's own accessors check
//! or allocate more than the conversions need, or would panic where
//! pybridge gives an error (pyo3's dict iterator, on a dict that changes
//! size while a value converts).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict, PyList};

/// Item `i` of a list, or `None` past its end. The length is read on every
/// call, so a list that changes while its items convert (converting one
/// may run Python code) is read safely.
///
/// Without a GIL another thread may change the list meanwhile: the item is
/// taken as a new reference under the list's lock (`PyList_GetItemRef`),
/// never borrowed.
#[cfg(Py_GIL_DISABLED)]
#[inline]
pub(crate) fn list_item<'py>(l: &Bound<'py, PyList>, i: usize) -> Option<Bound<'py, PyAny>> {
    let Ok(i) = ffi::Py_ssize_t::try_from(i) else {
        return None;
    };
    // SAFETY: `l` is a live list and this thread is attached; the call
    // checks the index under the list's lock and returns a new reference,
    // or NULL with IndexError set.
    let item = unsafe { ffi::PyList_GetItemRef(l.as_ptr(), i) };
    if item.is_null() {
        // Past the end (the only error for a list and an index >= 0).
        let _ = PyErr::take(l.py());
        return None;
    }
    // SAFETY: a new reference to a live object, owned from here.
    Some(unsafe { Bound::from_owned_ptr(l.py(), item) })
}

/// Item `i` of a list (the GIL build's: see above).
#[cfg(not(Py_GIL_DISABLED))]
#[inline]
pub(crate) fn list_item<'py>(l: &Bound<'py, PyList>, i: usize) -> Option<Bound<'py, PyAny>> {
    let p = l.as_ptr();
    // SAFETY: `p` is a live list and the GIL is held.
    let n = unsafe { ffi::PyList_GET_SIZE(p) } as usize;
    if i >= n {
        return None;
    }
    // SAFETY: as above, and `i` is below the list's current length.
    let item = unsafe { ffi::PyList_GET_ITEM(p, i as ffi::Py_ssize_t) };
    // SAFETY: a borrowed reference to a live item, made owned before any
    // Python code can run.
    Some(unsafe { Bound::from_borrowed_ptr(l.py(), item) })
}

/// The next (key, value) of a dict from position `pos` (start at 0), or
/// `None` at the end. A dict changed meanwhile is read safely (CPython
/// checks `pos` against its current entries); entries may then be missed
/// or seen twice, and the caller counts what it wrote.
///
/// Without a GIL each step runs under the dict's lock (a critical section,
/// as CPython requires of `PyDict_Next` there), and the key and value are
/// owned before it ends.
#[inline]
pub(crate) fn dict_next<'py>(
    d: &Bound<'py, PyDict>,
    pos: &mut isize,
) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    #[cfg(Py_GIL_DISABLED)]
    {
        pyo3::sync::critical_section::with_critical_section(d.as_any(), || dict_next_locked(d, pos))
    }
    #[cfg(not(Py_GIL_DISABLED))]
    {
        dict_next_locked(d, pos)
    }
}

/// `dict_next`'s step, with the GIL or the dict's lock held.
#[inline]
fn dict_next_locked<'py>(
    d: &Bound<'py, PyDict>,
    pos: &mut isize,
) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let mut k: *mut ffi::PyObject = std::ptr::null_mut();
    let mut v: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: `d` is a live dict and the GIL is held; the out-pointers are
    // valid.
    if unsafe { ffi::PyDict_Next(d.as_ptr(), pos, &mut k, &mut v) } == 0 {
        return None;
    }
    // SAFETY: borrowed references to the live key and value, made owned
    // before any Python code can run.
    let k = unsafe { Bound::from_borrowed_ptr(d.py(), k) };
    // SAFETY: as above.
    let v = unsafe { Bound::from_borrowed_ptr(d.py(), v) };
    Some((k, v))
}

/// Appends a bytearray's current contents to `out` (no Python code runs
/// while they are read).
/// Without a GIL the copy runs under the bytearray's lock (a critical
/// section), so that a resize by another thread that takes it cannot free
/// the buffer while it is read.
#[inline]
pub(crate) fn bytearray_extend(b: &Bound<'_, PyByteArray>, out: &mut Vec<u8>) {
    #[cfg(Py_GIL_DISABLED)]
    {
        pyo3::sync::critical_section::with_critical_section(b.as_any(), || {
            bytearray_extend_locked(b, out)
        })
    }
    #[cfg(not(Py_GIL_DISABLED))]
    {
        bytearray_extend_locked(b, out)
    }
}

/// `bytearray_extend`'s copy, with the GIL or the bytearray's lock held.
#[inline]
fn bytearray_extend_locked(b: &Bound<'_, PyByteArray>, out: &mut Vec<u8>) {
    let p = b.as_ptr();
    // SAFETY: `p` is a live bytearray and the GIL is held.
    let n = unsafe { ffi::PyByteArray_Size(p) }.max(0) as usize;
    if n == 0 {
        return;
    }
    // SAFETY: as above; its buffer holds `n` bytes.
    let data = unsafe { ffi::PyByteArray_AsString(p) }.cast::<u8>();
    // SAFETY: `data` is valid for `n` bytes until Python code runs, and
    // none runs before the copy is done.
    out.extend_from_slice(unsafe { std::slice::from_raw_parts(data, n) });
}

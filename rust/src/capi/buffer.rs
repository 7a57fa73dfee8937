//! The buffer protocol (`pybuffer.h`): exporting Java memory to Python, and
//! reading the layout of the memory a Python object exports.

use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::{CStr, c_int, c_void};

/// `PyBUF_WRITABLE`: the consumer asks for a writable buffer.
pub(crate) const WRITABLE: c_int = ffi::PyBUF_WRITABLE;

/// Fills `view` for a `__getbuffer__` exporting `len` bytes at `addr`
/// (`PyBuffer_FillInfo`): one dimension of unsigned bytes; `view.obj`
/// becomes a new reference to `exporter`.
///
/// # Safety
/// `view` is the `Py_buffer` CPython passed to `__getbuffer__`, and
/// `[addr, addr + len)` stays valid (and writable unless `readonly`) while
/// `exporter` lives.
pub(crate) unsafe fn fill_info(
    view: *mut ffi::Py_buffer,
    exporter: &Bound<'_, PyAny>,
    addr: usize,
    len: usize,
    readonly: bool,
    flags: c_int,
) -> PyResult<()> {
    // SAFETY: the GIL is held (`exporter`); per the contract, `view` is
    // CPython's to fill and the memory outlives the exporter, which
    // `view.obj` keeps alive.
    let rc = unsafe {
        ffi::PyBuffer_FillInfo(
            view,
            exporter.as_ptr(),
            addr as *mut c_void,
            len as ffi::Py_ssize_t,
            readonly as c_int,
            flags,
        )
    };
    if rc != 0 {
        return Err(PyErr::fetch(exporter.py()));
    }
    Ok(())
}

/// `PyBUF_FORMAT`, `PyBUF_ND`: the consumer asks for the item format, the shape.
const FORMAT: c_int = ffi::PyBUF_FORMAT;
const ND: c_int = ffi::PyBUF_ND;

/// `fill_info` for items of `item_size` bytes of struct-module `format`
/// (one dimension of `*shape` items, C-contiguous), with `internal` kept in
/// `view.internal` for `__releasebuffer__` (`internal_of`).
///
/// # Safety
/// As `fill_info`; besides, `shape` points to a `Py_ssize_t` holding
/// `len / item_size` that stays valid until the buffer is released.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn fill_typed(
    view: *mut ffi::Py_buffer,
    exporter: &Bound<'_, PyAny>,
    addr: usize,
    len: usize,
    flags: c_int,
    format: &'static CStr,
    item_size: usize,
    shape: *mut ffi::Py_ssize_t,
    internal: *mut c_void,
) -> PyResult<()> {
    // SAFETY: per this function's contract.
    unsafe { fill_info(view, exporter, addr, len, false, flags) }?;
    // SAFETY: `view` was filled above and is CPython's, ours to complete.
    let v = unsafe { &mut *view };
    v.itemsize = item_size as ffi::Py_ssize_t;
    // `strides`, when asked for, already points at `itemsize`.
    if flags & FORMAT == FORMAT {
        // CPython never writes through `format`.
        v.format = format.as_ptr() as *mut std::ffi::c_char;
    }
    if flags & ND == ND {
        v.shape = shape;
    }
    v.internal = internal;
    Ok(())
}

/// The `internal` pointer `fill_typed` stored.
///
/// # Safety
/// `view` is a `Py_buffer` CPython passes to `__releasebuffer__`.
pub(crate) unsafe fn internal_of(view: *mut ffi::Py_buffer) -> *mut c_void {
    if view.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: per the contract, `view` is a live, filled Py_buffer.
    unsafe { (*view).internal }
}

/// The layout of an exported buffer, as `PyObject_GetBuffer(PyBUF_FULL_RO)`
/// describes it.
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) addr: usize,
    pub(crate) len: usize,
    pub(crate) readonly: bool,
    /// The struct-module format of an item (`B` when the exporter gives none).
    pub(crate) format: String,
    pub(crate) item_size: usize,
    /// Empty for a scalar (0 dimensions).
    pub(crate) shape: Vec<i64>,
    /// C-contiguous (row-major, no gaps).
    pub(crate) c_contiguous: bool,
}

/// Reads the layout of the memory `obj` exports. The export taken here is
/// released before returning: the address stays valid only while another
/// export holds it (a `memoryview` of `obj`, say).
pub(crate) fn layout(obj: &Bound<'_, PyAny>) -> PyResult<Layout> {
    let mut b = std::mem::MaybeUninit::<ffi::Py_buffer>::zeroed();
    let bp = b.as_mut_ptr();
    // SAFETY: the GIL is held and `obj` is live; `bp` points to writable
    // memory for a Py_buffer; on success it is filled and must be released
    // (below); on failure an exception is set and there is nothing to release.
    if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), bp, ffi::PyBUF_FULL_RO) } != 0 {
        return Err(PyErr::fetch(obj.py()));
    }
    // Released on every path from here on, unwinding included.
    struct Release(*mut ffi::Py_buffer);
    impl Drop for Release {
        fn drop(&mut self) {
            // SAFETY: a buffer PyObject_GetBuffer filled, released once;
            // the GIL is still held (the caller's `Bound` borrow).
            unsafe { ffi::PyBuffer_Release(self.0) }
        }
    }
    let _release = Release(bp);
    // SAFETY: PyObject_GetBuffer succeeded, so the Py_buffer is filled.
    let buf = unsafe { &*bp };
    let format = if buf.format.is_null() {
        "B".to_string()
    } else {
        // SAFETY: a non-null format is a NUL-terminated C string owned by
        // the export.
        unsafe { CStr::from_ptr(buf.format) }
            .to_string_lossy()
            .into_owned()
    };
    let ndim = buf.ndim.max(0) as usize;
    let shape = if ndim == 0 {
        Vec::new()
    } else if buf.shape.is_null() {
        // No shape: one dimension of `len / itemsize` items.
        vec![(buf.len / buf.itemsize.max(1)) as i64]
    } else {
        // SAFETY: a non-null shape holds `ndim` entries owned by the export.
        unsafe { std::slice::from_raw_parts(buf.shape, ndim) }
            .iter()
            .map(|&d| d as i64)
            .collect()
    };
    // SAFETY: `bp` is the filled Py_buffer.
    let c_contiguous = unsafe { ffi::PyBuffer_IsContiguous(bp, b'C' as _) } != 0;
    Ok(Layout {
        addr: buf.buf as usize,
        len: buf.len as usize,
        readonly: buf.readonly != 0,
        format,
        item_size: buf.itemsize as usize,
        shape,
        c_contiguous,
    })
}

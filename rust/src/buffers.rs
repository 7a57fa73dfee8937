//! numpy arrays and the buffer protocol, both ways, with no JNI types:
//!
//! - Java memory shown to Python without a copy: a `pybridge.JavaBuffer`
//!   exports a direct `ByteBuffer`'s memory through the buffer protocol; the
//!   Java side keeps the `ByteBuffer` reachable (registry id, freed through
//!   the same queue as Java functions) until Python drops the exporter.
//! - Python memory shown to Java: `buffer_info` exports an object's memory
//!   (a `memoryview`, which keeps the exporter alive and its buffer fixed)
//!   and hands Java the address, length and layout; Java wraps it in a
//!   direct `ByteBuffer` and releases the memoryview handle when done (a
//!   copy) or when that `ByteBuffer` is collected (zero copy).
//! - `numpy.empty` for copies from Java arrays (Java writes straight into
//!   the array's memory: one copy).

use crate::contract::dtype;
use crate::error::{Error, Result};
use crate::handles;
use crate::wire::{self, Writer};
use crate::{capi, capi::buffer};
use pyo3::prelude::*;
use pyo3::types::PyMemoryView;
use std::os::raw::c_int;

/// numpy dtypes Java has a primitive array for (codes: `contract::dtype`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DType {
    F64 = dtype::F64 as isize,
    F32 = dtype::F32 as isize,
    I64 = dtype::I64 as isize,
    I32 = dtype::I32 as isize,
    I16 = dtype::I16 as isize,
    I8 = dtype::I8 as isize,
    U8 = dtype::U8 as isize,
    Bool = dtype::BOOL as isize,
}

impl DType {
    pub(crate) fn from_code(c: u8) -> Result<DType> {
        Ok(match c {
            dtype::F64 => DType::F64,
            dtype::F32 => DType::F32,
            dtype::I64 => DType::I64,
            dtype::I32 => DType::I32,
            dtype::I16 => DType::I16,
            dtype::I8 => DType::I8,
            dtype::U8 => DType::U8,
            dtype::BOOL => DType::Bool,
            _ => return Err(Error::IllegalArgument(format!("unknown dtype code {c}"))),
        })
    }

    pub(crate) fn numpy_name(self) -> &'static str {
        match self {
            DType::F64 => "float64",
            DType::F32 => "float32",
            DType::I64 => "int64",
            DType::I32 => "int32",
            DType::I16 => "int16",
            DType::I8 => "int8",
            DType::U8 => "uint8",
            DType::Bool => "bool",
        }
    }

    /// The dtype of a buffer-protocol format string (native byte order only).
    fn from_format(format: &str, item_size: usize) -> Option<DType> {
        let f = format.trim_start_matches(['@', '=', '<']);
        if format.starts_with(['>', '!']) && item_size > 1 {
            return None;
        }
        Some(match (f, item_size) {
            ("d", 8) => DType::F64,
            ("f", 4) => DType::F32,
            ("q" | "l" | "n", 8) => DType::I64,
            ("i" | "l", 4) => DType::I32,
            ("h", 2) => DType::I16,
            ("b", 1) => DType::I8,
            ("B", 1) => DType::U8,
            ("?", 1) => DType::Bool,
            _ => return None,
        })
    }
}

/// Python's view of Java memory (a direct `ByteBuffer`): exports it through
/// the buffer protocol. Wrapped in a `memoryview` before Python code sees it.
#[pyclass(name = "JavaBuffer", module = "pybridge", frozen)]
pub(crate) struct JavaBuffer {
    id: i64,
    addr: usize,
    len: usize,
    readonly: bool,
}

impl JavaBuffer {
    pub(crate) fn new(id: i64, addr: usize, len: usize, readonly: bool) -> Self {
        JavaBuffer {
            id,
            addr,
            len,
            readonly,
        }
    }
}

impl Drop for JavaBuffer {
    fn drop(&mut self) {
        // The Java side may now let the ByteBuffer go (never calls the JVM here).
        crate::registry::push_freed(self.id);
    }
}

#[pymethods]
impl JavaBuffer {
    /// # Safety
    /// Called by CPython with a valid `view` to fill.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut capi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let me = slf.get();
        if view.is_null() {
            return Err(pyo3::exceptions::PyBufferError::new_err("no view"));
        }
        let writable = flags & buffer::WRITABLE != 0;
        if writable && me.readonly {
            return Err(pyo3::exceptions::PyBufferError::new_err(
                "the Java ByteBuffer is read-only",
            ));
        }
        // SAFETY: `view` is the one CPython passed in; the memory
        // [addr, addr+len) stays valid while this exporter lives (the Java
        // side keeps the ByteBuffer reachable until Python drops it).
        unsafe { buffer::fill_info(view, slf.as_any(), me.addr, me.len, me.readonly, flags) }
    }

    /// # Safety
    /// Called by CPython; nothing to free (the memory is Java's).
    unsafe fn __releasebuffer__(&self, _view: *mut capi::Py_buffer) {}

    fn __repr__(&self) -> String {
        format!(
            "<java buffer #{} of {} bytes{}>",
            self.id,
            self.len,
            if self.readonly { ", read-only" } else { "" }
        )
    }
}

/// A `memoryview` over a Java direct buffer.
pub(crate) fn java_buffer_view<'py>(
    py: Python<'py>,
    id: i64,
    addr: i64,
    len: i64,
    readonly: bool,
) -> Result<Bound<'py, PyAny>> {
    if addr == 0 || len < 0 {
        return Err(Error::IllegalArgument(
            "a ByteBuffer passed to Python must be direct".into(),
        ));
    }
    crate::per_interp::main_only(
        py,
        "a zero-copy view of a Java ByteBuffer (pybridge.JavaBuffer)",
    )?;
    let jb = Bound::new(
        py,
        JavaBuffer::new(id, addr as usize, len as usize, readonly),
    )
    .map_err(|e| Error::from_pyerr(py, e))?;
    PyMemoryView::from(jb.as_any())
        .map(Bound::into_any)
        .map_err(|e| Error::from_pyerr(py, e))
}

/// Whether a buffer-protocol format string has an object-reference item
/// (`O`), outside the `:name:` field names of a struct format (`T{...}`).
fn format_holds_objects(format: &str) -> bool {
    let mut in_name = false;
    for c in format.chars() {
        match c {
            ':' => in_name = !in_name,
            'O' if !in_name => return true,
            _ => {}
        }
    }
    false
}

/// The exported memory of an object, kept alive by the memoryview.
pub(crate) struct Exported<'py> {
    pub(crate) view: Bound<'py, PyAny>,
    pub(crate) addr: usize,
    pub(crate) len: usize,
    pub(crate) readonly: bool,
    pub(crate) dtype: Option<DType>,
    pub(crate) shape: Vec<i64>,
    /// Object references, not data (see `Layout::holds_objects`).
    pub(crate) holds_objects: bool,
}

/// Exports `obj`'s memory (buffer protocol). A non-contiguous buffer is an
/// error, unless `copy_if_needed`, which makes a contiguous numpy copy.
pub(crate) fn export<'py>(obj: &Bound<'py, PyAny>, copy_if_needed: bool) -> Result<Exported<'py>> {
    let py = obj.py();
    // An error if the object does not export buffers.
    let mut view = PyMemoryView::from(obj)
        .map(Bound::into_any)
        .map_err(|e| Error::from_pyerr(py, e))?;
    let mut info = layout(&view)?;
    if !info.contiguous {
        if !copy_if_needed {
            return Err(Error::IllegalArgument(format!(
                "a '{}' that is not C-contiguous cannot be shared without a copy \
                 (numpy.ascontiguousarray(x) makes a contiguous copy)",
                type_name(obj)
            )));
        }
        let np = py.import("numpy").map_err(|e| Error::from_pyerr(py, e))?;
        let c = np
            .call_method1("ascontiguousarray", (obj,))
            .map_err(|e| Error::from_pyerr(py, e))?;
        view = PyMemoryView::from(&c)
            .map(Bound::into_any)
            .map_err(|e| Error::from_pyerr(py, e))?;
        info = layout(&view)?;
    }
    Ok(Exported {
        holds_objects: info.holds_objects,
        addr: info.addr,
        len: info.len,
        readonly: info.readonly,
        dtype: info.dtype,
        shape: info.shape,
        view,
    })
}

struct Layout {
    /// The buffer holds object references (`O` in its format: numpy's
    /// `dtype=object`, or a structured dtype with such a field).
    holds_objects: bool,
    addr: usize,
    len: usize,
    readonly: bool,
    contiguous: bool,
    dtype: Option<DType>,
    shape: Vec<i64>,
}

/// The layout of a memoryview's buffer. The memoryview holds the export of
/// the underlying object, so the address stays valid while it lives; the
/// second export taken here to read the layout is released at once.
fn layout(view: &Bound<'_, PyAny>) -> Result<Layout> {
    let b = buffer::layout(view).map_err(|e| Error::from_pyerr(view.py(), e))?;
    Ok(Layout {
        holds_objects: format_holds_objects(&b.format),
        addr: b.addr,
        len: b.len,
        readonly: b.readonly,
        contiguous: b.c_contiguous,
        dtype: DType::from_format(&b.format, b.item_size),
        shape: b.shape,
    })
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Whether `obj` is exactly a `numpy.ndarray` (subclasses keep their own
/// semantics and stay handles).
pub(crate) fn is_ndarray(obj: &Bound<'_, PyAny>) -> bool {
    capi::object::type_name_is(obj, b"numpy.ndarray")
}

/// Writes an ndarray for Java to copy (`wire::NDARRAY`): dtype, shape, the
/// address and length of its contiguous data, and a memoryview handle that
/// keeps that memory valid until Java releases it. `None` if the dtype has
/// no Java primitive type (the caller makes a plain handle).
pub(crate) fn write_ndarray(obj: &Bound<'_, PyAny>, w: &mut Writer) -> Result<bool> {
    let e = export(obj, true)?;
    let Some(dtype) = e.dtype else {
        return Ok(false);
    };
    w.u8(wire::NDARRAY);
    w.u8(dtype as u8);
    w.i32(e.shape.len() as i32);
    for d in &e.shape {
        w.i64(*d);
    }
    w.i64(e.addr as i64);
    w.i64(e.len as i64);
    let h = handles::insert(e.view);
    w.i64(h.id as i64);
    w.i32(h.slot as i32);
    Ok(true)
}

/// `numpy.frombuffer`, `numpy.empty` and the dtype objects, looked up once.
struct Numpy {
    frombuffer: Py<PyAny>,
    empty: Py<PyAny>,
    dtypes: Vec<Py<PyAny>>,
}

/// One per interpreter (numpy itself refuses isolated sub-interpreters;
/// see `interpreters`).
static NUMPY: crate::per_interp::PerInterp<std::sync::Arc<Numpy>> =
    crate::per_interp::PerInterp::new();

fn numpy(py: Python<'_>) -> Result<std::sync::Arc<Numpy>> {
    if let Some(n) = NUMPY.with(py, |c| c.clone()) {
        return Ok(n);
    }
    let made = (|| -> PyResult<Numpy> {
        let m = py.import("numpy")?;
        let mut dtypes = Vec::with_capacity(8);
        for code in 1..=8u8 {
            let name = DType::from_code(code)
                .map(|d| d.numpy_name())
                .unwrap_or("float64");
            dtypes.push(m.getattr("dtype")?.call1((name,))?.unbind());
        }
        Ok(Numpy {
            frombuffer: m.getattr("frombuffer")?.unbind(),
            empty: m.getattr("empty")?.unbind(),
            dtypes,
        })
    })()
    .map_err(|e| Error::from_pyerr(py, e))
    .map_err(crate::per_interp::explain_import_error)?;
    let n = std::sync::Arc::new(made);
    let old = NUMPY.with(py, |c| c.replace(n.clone()));
    drop(old);
    Ok(n)
}

impl Numpy {
    fn dtype<'py>(&self, py: Python<'py>, d: DType) -> &Bound<'py, PyAny> {
        self.dtypes[d as usize - 1].bind(py)
    }
}

/// `numpy.frombuffer(buffer, dtype, count=prod(shape))`, reshaped when the
/// shape has other than one dimension: the array shares `buffer`'s memory.
/// One native call with cached numpy objects, so that a loop making a view
/// per iteration (bench workload n1) runs little code besides numpy's own.
pub(crate) fn frombuffer<'py>(
    py: Python<'py>,
    buffer: &Bound<'py, PyAny>,
    dtype: DType,
    shape: &[i64],
) -> Result<Bound<'py, PyAny>> {
    let np = numpy(py)?;
    let count = shape
        .iter()
        .try_fold(1i64, |n, &d| if d < 0 { None } else { n.checked_mul(d) });
    let Some(count) = count else {
        return Err(Error::IllegalArgument(format!(
            "shape {shape:?} has a negative or too large dimension"
        )));
    };
    let dt = np.dtype(py, dtype);
    let arr = np
        .frombuffer
        .bind(py)
        .call1((buffer, dt, count))
        .map_err(|e| Error::from_pyerr(py, e))?;
    if shape.len() == 1 {
        return Ok(arr);
    }
    arr.call_method1("reshape", (shape.to_vec(),))
        .map_err(|e| Error::from_pyerr(py, e))
}

/// A new `numpy.empty(shape, dtype)` array and its data address and length.
pub(crate) fn empty<'py>(
    py: Python<'py>,
    dtype: DType,
    shape: &[i64],
) -> Result<(Bound<'py, PyAny>, usize, usize)> {
    let np = numpy(py)?;
    let arr = np
        .empty
        .bind(py)
        .call1((shape.to_vec(), np.dtype(py, dtype)))
        .map_err(|e| Error::from_pyerr(py, e))?;
    let e = export(&arr, false)?;
    Ok((arr.clone(), e.addr, e.len))
}

#[cfg(test)]
mod tests {
    use super::format_holds_objects;

    #[test]
    fn object_items_are_found_outside_field_names() {
        assert!(format_holds_objects("O"));
        assert!(format_holds_objects("T{i:a:O:b:}"));
        assert!(!format_holds_objects("T{i:Odd:d:Other:}"));
        assert!(!format_holds_objects("<d"));
        assert!(!format_holds_objects("B"));
    }
}

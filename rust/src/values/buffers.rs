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

use crate::capi::types::{NativeType, NativeValue};
use crate::contract::dtype;
use crate::error::{Error, Result};
use crate::handles;
use crate::values::wire::{self, Writer};
use crate::{capi, capi::buffer};
use pyo3::prelude::*;
use pyo3::types::PyMemoryView;
use std::os::raw::c_int;

/// numpy dtypes Java has a primitive array for (codes: `contract::dtype`).
/// Unsigned and half-precision types travel as the signed array of their
/// width (the same bits); datetime64/timedelta64 as `long[]` with their unit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DType {
    F64,
    F32,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
    F16,
    U16,
    U32,
    U64,
    /// The index of the unit in `UNITS`.
    Datetime(u8),
    /// The index of the unit in `UNITS`.
    Timedelta(u8),
}

/// numpy's datetime units, in the order of the codes (`contract::dtype::DATETIME64`).
pub(crate) const UNITS: [&str; 13] = [
    "Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as",
];

impl DType {
    pub(crate) fn from_code(c: u8) -> Result<DType> {
        let units = UNITS.len() as u8;
        Ok(match c {
            dtype::F64 => DType::F64,
            dtype::F32 => DType::F32,
            dtype::I64 => DType::I64,
            dtype::I32 => DType::I32,
            dtype::I16 => DType::I16,
            dtype::I8 => DType::I8,
            dtype::U8 => DType::U8,
            dtype::BOOL => DType::Bool,
            dtype::F16 => DType::F16,
            dtype::U16 => DType::U16,
            dtype::U32 => DType::U32,
            dtype::U64 => DType::U64,
            c if (dtype::DATETIME64..dtype::DATETIME64 + units).contains(&c) => {
                DType::Datetime(c - dtype::DATETIME64)
            }
            c if (dtype::TIMEDELTA64..dtype::TIMEDELTA64 + units).contains(&c) => {
                DType::Timedelta(c - dtype::TIMEDELTA64)
            }
            _ => return Err(Error::IllegalArgument(format!("unknown dtype code {c}"))),
        })
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            DType::F64 => dtype::F64,
            DType::F32 => dtype::F32,
            DType::I64 => dtype::I64,
            DType::I32 => dtype::I32,
            DType::I16 => dtype::I16,
            DType::I8 => dtype::I8,
            DType::U8 => dtype::U8,
            DType::Bool => dtype::BOOL,
            DType::F16 => dtype::F16,
            DType::U16 => dtype::U16,
            DType::U32 => dtype::U32,
            DType::U64 => dtype::U64,
            DType::Datetime(u) => dtype::DATETIME64 + u,
            DType::Timedelta(u) => dtype::TIMEDELTA64 + u,
        }
    }

    pub(crate) fn numpy_name(self) -> String {
        match self {
            DType::F64 => "float64".into(),
            DType::F32 => "float32".into(),
            DType::I64 => "int64".into(),
            DType::I32 => "int32".into(),
            DType::I16 => "int16".into(),
            DType::I8 => "int8".into(),
            DType::U8 => "uint8".into(),
            DType::Bool => "bool".into(),
            DType::F16 => "float16".into(),
            DType::U16 => "uint16".into(),
            DType::U32 => "uint32".into(),
            DType::U64 => "uint64".into(),
            DType::Datetime(u) => format!("datetime64[{}]", UNITS[u as usize]),
            DType::Timedelta(u) => format!("timedelta64[{}]", UNITS[u as usize]),
        }
    }

    /// Whether numpy's buffer protocol cannot export arrays of this dtype
    /// (they are made and read as int64 and viewed).
    fn is_time(self) -> bool {
        matches!(self, DType::Datetime(_) | DType::Timedelta(_))
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
            ("e", 2) => DType::F16,
            ("q" | "l" | "n", 8) => DType::I64,
            ("i" | "l", 4) => DType::I32,
            ("h", 2) => DType::I16,
            ("b", 1) => DType::I8,
            ("B", 1) => DType::U8,
            ("H", 2) => DType::U16,
            ("I" | "L", 4) => DType::U32,
            ("Q" | "L" | "N", 8) => DType::U64,
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
        crate::handles::registry::push_freed(self.id);
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
        if view.is_null() {
            return Err(pyo3::exceptions::PyBufferError::new_err("no view"));
        }
        // SAFETY: per the function contract; `slf` holds the value.
        unsafe { slf.get().export(slf.as_any(), view, flags) }
    }

    /// # Safety
    /// Called by CPython; nothing to free (the memory is Java's).
    unsafe fn __releasebuffer__(&self, _view: *mut capi::Py_buffer) {}

    fn __repr__(&self) -> String {
        NativeValue::repr(self)
    }
}

impl JavaBuffer {
    /// Fills `view` with the Java memory.
    ///
    /// # Safety
    /// `view` is the `Py_buffer` CPython passed to a buffer request of
    /// `exporter`, which holds `self`.
    unsafe fn export(
        &self,
        exporter: &Bound<'_, PyAny>,
        view: *mut capi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let writable = flags & buffer::WRITABLE != 0;
        if writable && self.readonly {
            return Err(pyo3::exceptions::PyBufferError::new_err(
                "the Java ByteBuffer is read-only",
            ));
        }
        // SAFETY: `view` is the one CPython passed in; the memory
        // [addr, addr+len) stays valid while this exporter lives (the Java
        // side keeps the ByteBuffer reachable until Python drops it).
        unsafe { buffer::fill_info(view, exporter, self.addr, self.len, self.readonly, flags) }
    }
}

/// The sub-interpreters' `JavaBuffer` (a heap type of each, `capi::types`).
impl NativeValue for JavaBuffer {
    const NAME: &'static std::ffi::CStr = c"pybridge.JavaBuffer";
    const DOC: &'static std::ffi::CStr =
        c"The memory of a direct Java ByteBuffer, exported without a copy.";
    const BUFFER: bool = true;

    fn repr(&self) -> String {
        format!(
            "<java buffer #{} of {} bytes{}>",
            self.id,
            self.len,
            if self.readonly { ", read-only" } else { "" }
        )
    }

    /// # Safety
    /// As the trait method: `view` is CPython's to fill for `exporter`.
    unsafe fn get_buffer(
        &self,
        exporter: &Bound<'_, PyAny>,
        view: *mut capi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        // SAFETY: per the trait method's contract.
        unsafe { self.export(exporter, view, flags) }
    }
}

/// A `memoryview` over a Java direct buffer: its exporter is a `JavaBuffer`
/// of the main interpreter, or of the sub-interpreter whose type `sub` is.
pub(crate) fn java_buffer_view<'py>(
    py: Python<'py>,
    id: i64,
    addr: i64,
    len: i64,
    readonly: bool,
    sub: Option<&NativeType<JavaBuffer>>,
) -> Result<Bound<'py, PyAny>> {
    if addr == 0 || len < 0 {
        return Err(Error::IllegalArgument(
            "a ByteBuffer passed to Python must be direct".into(),
        ));
    }
    let value = JavaBuffer::new(id, addr as usize, len as usize, readonly);
    let jb = match sub {
        None => Bound::new(py, value).map(Bound::into_any),
        Some(t) => t.instance(py, value),
    }
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
/// no Java primitive type (the caller makes a plain handle). Arrays in the
/// other byte order are copied to native order first; datetime64 and
/// timedelta64 ones are read as their int64 counts (see `normalize`).
pub(crate) fn write_ndarray(obj: &Bound<'_, PyAny>, w: &mut Writer) -> Result<bool> {
    if crate::remote::active() {
        // Its address means nothing to the JVM: the caller makes a handle.
        return Ok(false);
    }
    let fast = export(obj, true).ok().and_then(|e| e.dtype.map(|d| (e, d)));
    let (e, dtype) = match fast {
        Some(x) => x,
        None => match normalize(obj)? {
            Some((arr, d)) => {
                let e = export(&arr, true)?;
                if e.dtype.is_none() {
                    return Ok(false);
                }
                (e, d)
            }
            None => return Ok(false),
        },
    };
    w.u8(wire::NDARRAY);
    w.u8(dtype.code());
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

/// An array the buffer protocol does not export as a Java type, as one it
/// does: a datetime64/timedelta64 array as its int64 counts (and its unit),
/// an array in the other byte order as a native-order copy. `None` for the
/// rest (strings, objects, complex, datetime64 of a unit with a multiple
/// or none: they stay handles).
fn normalize<'py>(obj: &Bound<'py, PyAny>) -> Result<Option<(Bound<'py, PyAny>, DType)>> {
    let py = obj.py();
    let err = |e| Error::from_pyerr(py, e);
    let dt = obj.getattr("dtype").map_err(err)?;
    let kind: String = dt.getattr("kind").and_then(|k| k.extract()).map_err(err)?;
    if kind == "M" || kind == "m" {
        let np = py.import("numpy").map_err(err)?;
        let (unit, count): (String, i64) = np
            .call_method1("datetime_data", (&dt,))
            .and_then(|d| d.extract())
            .map_err(err)?;
        // Units with a multiple (`10ms`) or none (generic) stay handles, as
        // strings and objects do (`toNDArray` says what to do).
        let Some(u) = UNITS.iter().position(|x| *x == unit).filter(|_| count == 1) else {
            return Ok(None);
        };
        let native = obj
            .call_method1("astype", (format!("{kind}8[{unit}]"),))
            .and_then(|a| a.call_method1("view", ("int64",)))
            .map_err(err)?;
        let d = if kind == "M" {
            DType::Datetime(u as u8)
        } else {
            DType::Timedelta(u as u8)
        };
        return Ok(Some((native, d)));
    }
    let not_native: bool = dt
        .getattr("isnative")
        .and_then(|n| n.extract::<bool>())
        .map(|n| !n)
        .map_err(err)?;
    if !not_native {
        return Ok(None);
    }
    let native = obj
        .call_method1(
            "astype",
            (dt.call_method1("newbyteorder", ("=",)).map_err(err)?,),
        )
        .map_err(err)?;
    let e = export(&native, true)?;
    Ok(e.dtype.map(|d| (native, d)))
}

/// `numpy.frombuffer`, `numpy.empty` and the dtype objects, looked up once.
struct Numpy {
    frombuffer: Py<PyAny>,
    empty: Py<PyAny>,
    /// By code, for the plain dtypes (codes 1..=12).
    dtypes: Vec<Py<PyAny>>,
    dtype: Py<PyAny>,
}

/// One per interpreter (numpy itself refuses isolated sub-interpreters;
/// see `interpreters`).
static NUMPY: crate::gil::per_interp::PerInterp<std::sync::Arc<Numpy>> =
    crate::gil::per_interp::PerInterp::new();

/// The highest code of a plain (cached) dtype.
const PLAIN_CODES: u8 = dtype::U64;

fn numpy(py: Python<'_>) -> Result<std::sync::Arc<Numpy>> {
    if let Some(n) = NUMPY.with(py, |c| c.clone()) {
        return Ok(n);
    }
    let made = (|| -> PyResult<Numpy> {
        let m = py.import("numpy")?;
        let mut dtypes = Vec::with_capacity(PLAIN_CODES as usize);
        for code in 1..=PLAIN_CODES {
            let name = DType::from_code(code)
                .map(|d| d.numpy_name())
                .unwrap_or_else(|_| "float64".into());
            dtypes.push(m.getattr("dtype")?.call1((name,))?.unbind());
        }
        Ok(Numpy {
            frombuffer: m.getattr("frombuffer")?.unbind(),
            empty: m.getattr("empty")?.unbind(),
            dtypes,
            dtype: m.getattr("dtype")?.unbind(),
        })
    })()
    .map_err(|e| Error::from_pyerr(py, e))
    .map_err(crate::gil::per_interp::explain_import_error)?;
    let n = std::sync::Arc::new(made);
    let old = NUMPY.with(py, |c| c.replace(n.clone()));
    drop(old);
    Ok(n)
}

impl Numpy {
    /// The dtype object, in big-endian byte order if `big_endian` (and wider than a byte).
    fn dtype<'py>(&self, py: Python<'py>, d: DType, big_endian: bool) -> Result<Bound<'py, PyAny>> {
        let code = d.code();
        let dt = if (1..=PLAIN_CODES).contains(&code) {
            self.dtypes[code as usize - 1].bind(py).clone()
        } else {
            self.dtype
                .bind(py)
                .call1((d.numpy_name(),))
                .map_err(|e| Error::from_pyerr(py, e))?
        };
        if !big_endian {
            return Ok(dt);
        }
        dt.call_method1("newbyteorder", (">",))
            .map_err(|e| Error::from_pyerr(py, e))
    }
}

/// `numpy.frombuffer(buffer, dtype, count=prod(shape))`, reshaped when the
/// shape has other than one dimension: the array shares `buffer`'s memory.
/// One native call with cached numpy objects, so that a loop making a view
/// per iteration (bench workload n1) runs little code besides numpy's own.
/// `big_endian`: the memory holds big-endian items (a Java buffer's
/// default order), and the array's dtype says so (`>f8`): still no copy.
pub(crate) fn frombuffer<'py>(
    py: Python<'py>,
    buffer: &Bound<'py, PyAny>,
    dtype: DType,
    big_endian: bool,
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
    let dt = np.dtype(py, dtype, big_endian)?;
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
    // datetime64/timedelta64: made as int64 (exportable), returned as a view.
    let made = if dtype.is_time() { DType::I64 } else { dtype };
    let arr = np
        .empty
        .bind(py)
        .call1((shape.to_vec(), np.dtype(py, made, false)?))
        .map_err(|e| Error::from_pyerr(py, e))?;
    let e = export(&arr, false)?;
    let arr = if dtype.is_time() {
        arr.call_method1("view", (np.dtype(py, dtype, false)?,))
            .map_err(|e| Error::from_pyerr(py, e))?
    } else {
        arr.clone()
    };
    Ok((arr, e.addr, e.len))
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

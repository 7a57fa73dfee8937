//! Java <-> Python values, through the wire format of `values::wire`.
//!
//! One pass each way, whole nested containers at once. Exact builtin types
//! are recognised by comparing type pointers (the common, fast case);
//! subclasses of the builtins fall back to the matching builtin conversion
//! (`capi::object::Builtin` tells them apart). Java functions and opaque
//! Java objects are the Python classes of `jvm::types`: that folder and this one
//! refer to each other, the one inherent module cycle.

use crate::capi::number::{self, I64};
use crate::capi::object::{self, Builtin};
use crate::capi::unicode::{self, StrData};
use crate::capi::{self, containers};
use crate::error::{Error, Result};
use crate::handles;
use crate::values::wire::{self, Reader, Writer};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};

/// Deepest nesting converted either way; deeper (or self-containing)
/// structures give a clear error instead of a stack overflow.
pub(crate) const MAX_DEPTH: usize = crate::contract::limit::MAX_DEPTH as usize;

/// How a Python result is handed to Java.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Always a handle (`PyObject`), no conversion.
    Handle,
    /// Converted to Java values; what has no Java counterpart becomes a handle.
    Convert,
    /// Converted; anything without a Java counterpart is an error (no
    /// handle is ever made: `callAs`).
    Strict,
    /// Scalars (None, bool, int, float, str, numpy scalars, Java functions)
    /// converted; anything else a handle, never copied (live views).
    Shallow,
    /// A list or tuple becomes a Java list of `Shallow` items (one call for
    /// all elements); anything else as `Shallow`.
    Elements,
}

impl Mode {
    pub(crate) fn from_code(c: u8) -> Result<Mode> {
        use crate::contract::mode;
        match c {
            mode::HANDLE => Ok(Mode::Handle),
            mode::CONVERT => Ok(Mode::Convert),
            mode::STRICT => Ok(Mode::Strict),
            mode::SHALLOW => Ok(Mode::Shallow),
            mode::ELEMENTS => Ok(Mode::Elements),
            _ => Err(Error::Internal(format!("bad result mode {c}"))),
        }
    }
}

fn too_deep() -> Error {
    Error::IllegalArgument(format!(
        "value nested deeper than {MAX_DEPTH} levels (or a container that contains itself) cannot be converted"
    ))
}

/// Builds a new Python object from the next wire value.
pub fn to_py<'py>(py: Python<'py>, r: &mut Reader<'_>, depth: usize) -> Result<Bound<'py, PyAny>> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    let tag = r.u8()?;
    let pyerr = |e| Error::from_pyerr(py, e);
    let obj = match tag {
        wire::NONE => py.None().into_bound(py),
        wire::FALSE => pyo3::types::PyBool::new(py, false).to_owned().into_any(),
        wire::TRUE => pyo3::types::PyBool::new(py, true).to_owned().into_any(),
        wire::INT => number::int_from_i64(py, r.i64()?).map_err(pyerr)?,
        wire::BIGINT => {
            let n = r.len(1)?;
            number::int_from_be_signed(py, r.bytes(n)?).map_err(pyerr)?
        }
        wire::FLOAT => number::float_from_f64(py, r.f64()?).map_err(pyerr)?,
        wire::STR_ASCII => {
            let n = r.len(1)?;
            let b = r.bytes(n)?;
            return new_1byte_str(py, b, 0x7f);
        }
        wire::STR_LATIN1 => {
            let n = r.len(1)?;
            let b = r.bytes(n)?;
            if n >= BIG_LATIN1 {
                return big_latin1_str(py, b);
            }
            unicode::from_latin1(py, b).map_err(pyerr)?.into_any()
        }
        wire::STR_UTF16 => {
            let n = r.len(2)?;
            let b = r.bytes(n * 2)?;
            unicode::from_utf16le(py, b).map_err(pyerr)?.into_any()
        }
        wire::BYTES => {
            let n = r.len(1)?;
            let b = r.bytes(n)?;
            pyo3::types::PyBytes::new(py, b).into_any()
        }
        wire::LIST | wire::TUPLE | wire::SET | wire::FROZENSET => {
            let n = r.len(1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(to_py(py, r, depth + 1)?);
            }
            match tag {
                wire::LIST => PyList::new(py, items).map_err(pyerr)?.into_any(),
                wire::TUPLE => PyTuple::new(py, items).map_err(pyerr)?.into_any(),
                wire::SET => {
                    let s = PySet::new(py, items).map_err(|e| unhashable(py, e, "set element"))?;
                    check_distinct(s.len(), n, "set", s.as_any())?;
                    s.into_any()
                }
                _ => {
                    let s = PyFrozenSet::new(py, items)
                        .map_err(|e| unhashable(py, e, "set element"))?;
                    check_distinct(s.len(), n, "set", s.as_any())?;
                    s.into_any()
                }
            }
        }
        wire::DICT => {
            let n = r.len(2)?;
            let d = PyDict::new(py);
            for _ in 0..n {
                let k = to_py(py, r, depth + 1)?;
                let v = to_py(py, r, depth + 1)?;
                d.set_item(k, v).map_err(|e| unhashable(py, e, "map key"))?;
            }
            check_distinct(d.len(), n, "map", d.as_any())?;
            d.into_any()
        }
        wire::HANDLE => handles::get(py, r.handle()?)?,
        wire::JAVA_BUF | wire::JAVA_OBJ if crate::remote::active() => {
            return Err(crate::remote::refused(match tag {
                wire::JAVA_OBJ => "a Java object (a proxy)",
                _ => "a direct ByteBuffer (memory of the JVM)",
            }));
        }
        wire::JAVA_FN => {
            let id = r.i64()?;
            let name = r.string()?;
            crate::jvm::types::function(py, id, name)?
        }
        wire::JAVA_BUF => {
            let id = r.i64()?;
            let addr = r.i64()?;
            let len = r.i64()?;
            let readonly = r.u8()? != 0;
            let sub = if crate::gil::per_interp::in_main(py) {
                None
            } else {
                Some(crate::jvm::types::sub_types(py)?)
            };
            crate::values::buffers::java_buffer_view(
                py,
                id,
                addr,
                len,
                readonly,
                sub.as_ref().map(|t| &t.buffer),
            )?
        }
        wire::NDARRAY_DATA => {
            let dtype = crate::values::buffers::DType::from_code(r.u8()?)?;
            let ndim = r.len(8)?;
            let mut shape = Vec::with_capacity(ndim);
            for _ in 0..ndim {
                shape.push(r.i64()?);
            }
            let n = r.i64()?;
            if n < 0 {
                return Err(Error::IllegalArgument("negative array length".into()));
            }
            let data = r.bytes(n as usize)?;
            let (arr, addr, len) = crate::values::buffers::empty(py, dtype, &shape)?;
            if len != data.len() {
                return Err(Error::IllegalArgument(format!(
                    "array data of {} bytes does not fill shape {shape:?} of {} ({len} bytes)",
                    data.len(),
                    dtype.numpy_name()
                )));
            }
            // SAFETY: `arr` owns `len` writable, contiguous bytes at `addr`
            // (numpy.empty), distinct from the request's `len` bytes.
            unsafe { crate::values::copy::copy(data.as_ptr(), addr as *mut u8, len) };
            arr
        }
        wire::JAVA_OBJ => {
            let id = r.i64()?;
            let class = r.string()?;
            crate::jvm::types::object(py, id, class)?
        }
        wire::EXT => {
            let kind = r.u8()?;
            let parts = to_py(py, r, depth + 1)?;
            crate::values::ext::build(py, kind, &parts)?
        }
        wire::LIST_I64 => {
            let n = r.len(8)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(number::int_from_i64(py, r.i64()?).map_err(pyerr)?);
            }
            PyList::new(py, items).map_err(pyerr)?.into_any()
        }
        wire::LIST_F64 => {
            let n = r.len(8)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(number::float_from_f64(py, r.f64()?).map_err(pyerr)?);
            }
            PyList::new(py, items).map_err(pyerr)?.into_any()
        }
        t => {
            return Err(Error::Internal(format!(
                "malformed request from Java: unknown tag {t}"
            )));
        }
    };
    Ok(obj)
}

/// `PythonConfig.strictMapKeys`: a Java map or set whose distinct elements
/// are equal in Python (`1L`, `1.0` and `true`; a `String` and a
/// `Character`) is an error instead of one Python entry for them all.
pub(crate) static STRICT_KEYS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// In strict mode: `n` elements were sent and `len` remain distinct in Python.
fn check_distinct(len: usize, n: usize, what: &str, container: &Bound<'_, PyAny>) -> Result<()> {
    if len == n || !STRICT_KEYS.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    let shown = container
        .repr()
        .map(|r| {
            let t = r.to_string();
            if t.chars().count() > 200 {
                format!("{}…", t.chars().take(200).collect::<String>())
            } else {
                t
            }
        })
        .unwrap_or_default();
    Err(Error::IllegalArgument(format!(
        "a Java {what} of {n} distinct elements has only {len} in Python, where some of them are \
         equal (1, 1.0 and true are one key; so are a String and a Character of the same text): \
         {shown}. PythonConfig.strictMapKeys(false) keeps the last of equal keys, as a Python \
         dict literal does"
    )))
}

fn unhashable(py: Python<'_>, e: PyErr, what: &str) -> Error {
    if e.is_instance_of::<pyo3::exceptions::PyTypeError>(py) {
        Error::IllegalArgument(format!(
            "a Java {what} became an unhashable Python value: {}",
            e.value(py)
        ))
    } else {
        Error::from_pyerr(py, e)
    }
}

/// Call arguments, inline for the common small counts (no allocation).
pub(crate) struct Args<'py> {
    inline: [Option<Bound<'py, PyAny>>; 4],
    len: usize,
    heap: Vec<Bound<'py, PyAny>>,
}

impl<'py> Args<'py> {
    /// Pointers for vectorcall, with one spare slot in front
    /// (`PY_VECTORCALL_ARGUMENTS_OFFSET`).
    pub(crate) fn pointers(&self, out: &mut Vec<*mut capi::PyObject>) {
        out.push(std::ptr::null_mut());
        if self.heap.is_empty() {
            for a in self.inline[..self.len].iter().flatten() {
                out.push(a.as_ptr());
            }
        } else {
            out.extend(self.heap.iter().map(|a| a.as_ptr()));
        }
    }

    pub(crate) fn to_vec(&self) -> Vec<Bound<'py, PyAny>> {
        if self.heap.is_empty() {
            self.inline[..self.len].iter().flatten().cloned().collect()
        } else {
            self.heap.clone()
        }
    }
}

/// Reads a tuple of arguments (`i32 n`, n values) into owned objects.
pub(crate) fn read_args<'py>(py: Python<'py>, r: &mut Reader<'_>) -> Result<Args<'py>> {
    let n = r.len(1)?;
    let mut a = Args {
        inline: [None, None, None, None],
        len: 0,
        heap: Vec::new(),
    };
    if n <= a.inline.len() {
        for slot in a.inline.iter_mut().take(n) {
            *slot = Some(to_py(py, r, 0)?);
        }
        a.len = n;
    } else {
        a.heap.reserve(n);
        for _ in 0..n {
            a.heap.push(to_py(py, r, 0)?);
        }
    }
    Ok(a)
}

/// Writes a result according to `mode`.
pub(crate) fn write_result(obj: &Bound<'_, PyAny>, w: &mut Writer, mode: Mode) -> Result<()> {
    match mode {
        Mode::Handle => {
            w.handle(handles::insert(obj.clone()));
            Ok(())
        }
        Mode::Shallow => write_shallow(obj, w),
        Mode::Elements => write_elements(obj, w),
        _ => to_wire(obj, w, mode, 0),
    }
}

/// A Java function or opaque Java object (converted back to the Java object).
pub(crate) fn is_java(obj: &Bound<'_, PyAny>) -> bool {
    crate::jvm::types::java_ref(obj).is_some()
}

/// Whether `Shallow` converts this object (rather than making a handle).
pub(crate) fn is_scalar(obj: &Bound<'_, PyAny>) -> bool {
    // numpy's C types are named `numpy.*`: a cheap pre-filter for its scalars.
    let cheap = obj.is_none()
        || object::is_int(obj)
        || object::is_float(obj)
        || object::is_str(obj)
        || object::type_name_starts_with(obj, b"numpy.");
    cheap || is_java(obj)
}

/// `Mode::Shallow`: a scalar as data, anything else as a new handle.
pub(crate) fn write_shallow(obj: &Bound<'_, PyAny>, w: &mut Writer) -> Result<()> {
    if is_scalar(obj) && to_wire_scalar(obj, w).is_ok() {
        return Ok(());
    }
    w.handle(handles::insert(obj.clone()));
    Ok(())
}

/// A scalar to the wire; a numpy object that is not a scalar is an `Err`
/// (the caller then makes a handle).
fn to_wire_scalar(obj: &Bound<'_, PyAny>, w: &mut Writer) -> Result<()> {
    let plain =
        obj.is_none() || object::is_int(obj) || object::is_float(obj) || object::is_str(obj);
    if plain || is_java(obj) {
        return to_wire(obj, w, Mode::Convert, 0);
    }
    match numpy_scalar(obj) {
        Some(v) if !is_container(&v) => to_wire(&v, w, Mode::Convert, 0),
        _ => Err(Error::Internal("not a scalar".into())),
    }
}

fn is_container(obj: &Bound<'_, PyAny>) -> bool {
    object::is_list(obj) || object::is_tuple(obj) || object::is_dict(obj) || object::is_anyset(obj)
}

/// `Mode::Elements`: a list or tuple as a Java list of `Shallow` items.
pub(crate) fn write_elements(obj: &Bound<'_, PyAny>, w: &mut Writer) -> Result<()> {
    let (list, tuple) = (object::is_list(obj), object::is_tuple(obj));
    if !list && !tuple {
        return write_shallow(obj, w);
    }
    // A snapshot of the items, owned: making handles cannot run Python code,
    // but a list may still be resized by another thread between items.
    let items: Vec<Bound<'_, PyAny>> = if list {
        obj.cast::<pyo3::types::PyList>()
            .map(|l| l.iter().collect())
            .unwrap_or_default()
    } else {
        obj.cast::<pyo3::types::PyTuple>()
            .map(|t| t.iter().collect())
            .unwrap_or_default()
    };
    w.u8(wire::LIST);
    w.len(items.len())?;
    for it in &items {
        write_shallow(it, w)?;
    }
    Ok(())
}

/// The tag a dict view converts as: `keys()` is a set (in the dict's
/// order), `values()` a list, `items()` a list of (key, value) tuples.
fn dict_view_tag(obj: &Bound<'_, PyAny>) -> Option<u8> {
    if object::type_name_is(obj, b"dict_keys") {
        Some(wire::SET)
    } else if object::type_name_is(obj, b"dict_values") || object::type_name_is(obj, b"dict_items")
    {
        Some(wire::LIST)
    } else {
        None
    }
}

/// Whether `to_wire` converts this object to a Java value (rather than a handle).
pub(crate) fn has_java_counterpart(obj: &Bound<'_, PyAny>) -> bool {
    let builtin = obj.is_none()
        || object::is_int(obj)
        || object::is_float(obj)
        || object::is_str(obj)
        || object::is_bytes(obj)
        || object::is_bytearray(obj)
        || object::is_list(obj)
        || object::is_tuple(obj)
        || object::is_dict(obj)
        || object::is_anyset(obj);
    builtin || is_java(obj) || dict_view_tag(obj).is_some()
}

/// Converts a Python value to the wire (Python -> Java).
pub fn to_wire(obj: &Bound<'_, PyAny>, w: &mut Writer, mode: Mode, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    let py = obj.py();
    // Exact builtin types first (a pointer compare each), then subclasses.
    // Items of containers are owned `Bound`s before anything that can run
    // Python code.
    match Builtin::of(obj) {
        Builtin::Int(i) => return write_int(i, w),
        Builtin::None => {
            w.u8(wire::NONE);
            return Ok(());
        }
        Builtin::Str(s) => return write_str(s, w),
        Builtin::Float(f) => {
            w.u8(wire::FLOAT);
            w.f64(f.value());
            return Ok(());
        }
        Builtin::Bool(b) => {
            w.u8(if b { wire::TRUE } else { wire::FALSE });
            return Ok(());
        }
        Builtin::Dict(d) => {
            w.u8(wire::DICT);
            let at = w.buf.len();
            w.len(d.len())?;
            let mut pos = 0;
            let mut written = 0usize;
            while let Some((k, v)) = containers::dict_next(d, &mut pos) {
                to_wire(&k, w, mode, depth + 1)?;
                to_wire(&v, w, mode, depth + 1)?;
                written += 1;
            }
            patch_len(w, at, written);
            return Ok(());
        }
        Builtin::List(l) => {
            w.u8(wire::LIST);
            let at = w.buf.len();
            w.len(l.len())?;
            let mut i = 0;
            // The length is read again for each item: converting one may run code.
            while let Some(item) = containers::list_item(l, i) {
                to_wire(&item, w, mode, depth + 1)?;
                i += 1;
            }
            patch_len(w, at, i);
            return Ok(());
        }
        Builtin::Tuple(t) => {
            w.u8(wire::TUPLE);
            w.len(t.len())?;
            for item in t.iter() {
                to_wire(&item, w, mode, depth + 1)?;
            }
            return Ok(());
        }
        Builtin::Bytes(b) => {
            let data = b.as_bytes();
            w.u8(wire::BYTES);
            w.len(data.len())?;
            w.buf.extend_from_slice(data);
            return Ok(());
        }
        Builtin::ByteArray(b) => {
            w.u8(wire::BYTES);
            w.len(b.len())?;
            containers::bytearray_extend(b, &mut w.buf);
            return Ok(());
        }
        Builtin::Set { frozen } => {
            w.u8(if frozen { wire::FROZENSET } else { wire::SET });
            let items: Vec<Bound<'_, PyAny>> = obj
                .try_iter()
                .map_err(|e| Error::from_pyerr(py, e))?
                .collect::<PyResult<_>>()
                .map_err(|e| Error::from_pyerr(py, e))?;
            w.len(items.len())?;
            for it in &items {
                to_wire(it, w, mode, depth + 1)?;
            }
            return Ok(());
        }
        Builtin::Other => {}
    }
    if let Some((tag, id)) = crate::jvm::types::java_ref(obj) {
        w.u8(tag);
        w.i64(id);
        w.str("");
        return Ok(());
    }
    if let Some(tag) = dict_view_tag(obj) {
        // A snapshot of the items, owned (converting one may run code).
        let items: Vec<Bound<'_, PyAny>> = obj
            .try_iter()
            .map_err(|e| Error::from_pyerr(py, e))?
            .collect::<PyResult<_>>()
            .map_err(|e| Error::from_pyerr(py, e))?;
        w.u8(tag);
        w.len(items.len())?;
        for it in &items {
            to_wire(it, w, mode, depth + 1)?;
        }
        return Ok(());
    }
    if crate::values::buffers::is_ndarray(obj) && crate::values::buffers::write_ndarray(obj, w)? {
        return Ok(());
    }
    // Before numpy scalars: `.item()` of a datetime64[ns] is an int.
    if let Some((kind, parts)) = crate::values::ext::decompose(obj)? {
        if kind == 0 {
            w.u8(wire::NONE);
        } else {
            w.u8(wire::EXT);
            w.u8(kind);
            to_wire(&parts, w, mode, depth + 1)?;
        }
        return Ok(());
    }
    if let Some(v) = numpy_scalar(obj) {
        return to_wire(&v, w, mode, depth + 1);
    }
    match mode {
        Mode::Strict => Err(Error::Unconvertible(format!(
            "a Python '{}' has no Java counterpart (ask for a PyObject instead)",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into())
        ))),
        _ => {
            w.handle(handles::insert(obj.clone()));
            Ok(())
        }
    }
}

/// A numpy scalar (`numpy.int64`, `numpy.float32`, `numpy.bool_`…) as the
/// equivalent Python scalar (`.item()`), so that it converts like one.
pub(crate) fn numpy_scalar<'py>(obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    let ty = obj.get_type();
    let module = ty.getattr("__module__").ok()?;
    if module.extract::<&str>().ok()? != "numpy" {
        return None;
    }
    let np = obj.py().import("numpy").ok()?;
    let generic = np.getattr("generic").ok()?;
    if !obj.is_instance(&generic).ok()? {
        return None;
    }
    let v = obj.call_method0("item").ok()?;
    // `.item()` of an exotic scalar may give back a numpy object: stop there.
    if v.get_type().is(&ty) {
        return None;
    }
    Some(v)
}

fn patch_len(w: &mut Writer, at: usize, n: usize) {
    w.buf[at..at + 4].copy_from_slice(&(n as i32).to_le_bytes());
}

/// An int: `INT` when it fits in 64 bits, else `BIGINT`.
fn write_int(v: &Bound<'_, PyInt>, w: &mut Writer) -> Result<()> {
    let py = v.py();
    match number::int_to_i64(v) {
        I64::Value(x) => {
            w.u8(wire::INT);
            w.i64(x);
            return Ok(());
        }
        I64::Error => return Err(Error::from_pyerr(py, PyErr::fetch(py))),
        I64::Overflow => {}
    }
    // Beyond 64 bits: big-endian two's complement, as java.math.BigInteger wants.
    let bits: usize = v
        .call_method0("bit_length")
        .and_then(|b| b.extract())
        .map_err(|e| Error::from_pyerr(py, e))?;
    let n = bits / 8 + 1;
    let mut buf = vec![0u8; n];
    number::int_to_be_signed(v, &mut buf).map_err(|e| Error::from_pyerr(py, e))?;
    w.u8(wire::BIGINT);
    w.len(n)?;
    w.buf.extend_from_slice(&buf);
    Ok(())
}

/// Latin-1 strings from Java at least this long are made by `big_latin1_str`.
const BIG_LATIN1: usize = 4096;

/// A str from Latin-1 bytes: one vectorised pass finds whether they are all
/// ASCII, then the bytes are copied into the new str (split across cores
/// when large). CPython's own `PyUnicode_FromKindAndData` scans byte by byte.
/// (ASCII text from `Native.encodeString` arrives as `STR_ASCII`, checked
/// during the copy that wrote it, and skips this pass.)
fn big_latin1_str<'py>(py: Python<'py>, b: &[u8]) -> Result<Bound<'py, PyAny>> {
    let or = crate::values::copy::or_bytes(b);
    new_1byte_str(py, b, if or < 0x80 { 0x7f } else { 0xff })
}

/// A str of the bytes `b`, every one at most `max` (0x7f: ASCII, or 0xff).
fn new_1byte_str<'py>(py: Python<'py>, b: &[u8], max: u32) -> Result<Bound<'py, PyAny>> {
    debug_assert!(b.iter().all(|&x| x as u32 <= max));
    // SAFETY: the str's `b.len()` bytes are written just below, before it is
    // used, and every byte of `b` is at most `max` (the caller checked them).
    let (s, data) = unsafe { unicode::new_1byte_uninit(py, b.len(), max) }
        .map_err(|e| Error::from_pyerr(py, e))?;
    // SAFETY: `data` has room for exactly `b.len()` bytes, and `b` is not
    // inside the new str.
    unsafe { crate::values::copy::copy(b.as_ptr(), data, b.len()) };
    Ok(s.into_any())
}

/// Strings whose data is at least this many bytes (1- or 2-byte kinds)
/// cross as `STR_REF`: Java copies the characters straight out of the str
/// (in parallel for large ones) instead of through the reply buffer, which
/// saves two copies; the extra release costs about what copying 2 KB does.
pub(crate) const STR_REF_MIN_BYTES: usize = 32 * 1024;

/// Writes a str.
fn write_str(s: &Bound<'_, PyString>, w: &mut Writer) -> Result<()> {
    let data = unicode::data(s).map_err(|e| Error::from_pyerr(s.py(), e))?;
    let n = data.len();
    let kind = data.kind();
    if kind != 4
        && n * kind >= STR_REF_MIN_BYTES
        && n <= i32::MAX as usize
        && !crate::remote::active()
    {
        // The handle keeps the (immutable) characters where they are
        // until Java has copied them and released it.
        let h = crate::handles::insert(s.clone().into_any());
        w.u8(wire::STR_REF);
        w.u8(kind as u8);
        w.i32(n as i32);
        w.i64(data.addr() as i64);
        w.i64(h.id as i64);
        w.i32(h.slot as i32);
        return Ok(());
    }
    match data {
        StrData::Latin1(bytes) => {
            w.u8(wire::STR_LATIN1);
            w.i32(n as i32);
            w.buf.extend_from_slice(bytes);
        }
        StrData::Ucs2(units) => {
            w.u8(wire::STR_UTF16);
            w.i32(n as i32);
            // UCS-2 is UTF-16 without pairs; lone surrogates stay as they are.
            w.buf.reserve(n * 2);
            for &u in units {
                w.buf.extend_from_slice(&u.to_le_bytes());
            }
        }
        StrData::Ucs4(cps) => {
            w.u8(wire::STR_UTF16);
            let at = w.buf.len();
            w.i32(0);
            let mut units = 0usize;
            for &c in cps {
                if c >= 0x10000 {
                    let c = c - 0x10000;
                    let hi = 0xD800 + (c >> 10) as u16;
                    let lo = 0xDC00 + (c & 0x3FF) as u16;
                    w.buf.extend_from_slice(&hi.to_le_bytes());
                    w.buf.extend_from_slice(&lo.to_le_bytes());
                    units += 2;
                } else {
                    w.buf.extend_from_slice(&(c as u16).to_le_bytes());
                    units += 1;
                }
            }
            patch_len(w, at, units);
        }
    }
    Ok(())
}

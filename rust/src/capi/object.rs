//! Objects (`object.h`, `abstract.h`): type checks, the builtin kinds the
//! conversions tell apart, calls, iteration.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::ffi::CStr;

/// The type object of a live object.
#[inline]
fn type_of(obj: &Bound<'_, PyAny>) -> *mut ffi::PyTypeObject {
    // SAFETY: `obj` is a live object, so its type pointer is valid.
    unsafe { ffi::Py_TYPE(obj.as_ptr()) }
}

/// `isinstance(obj, int)` (bool included).
#[inline]
pub(crate) fn is_int(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type-flag check.
    unsafe { ffi::PyLong_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, float)`.
#[inline]
pub(crate) fn is_float(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type check.
    unsafe { ffi::PyFloat_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, str)`.
#[inline]
pub(crate) fn is_str(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type-flag check.
    unsafe { ffi::PyUnicode_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, bytes)`.
#[inline]
pub(crate) fn is_bytes(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type-flag check.
    unsafe { ffi::PyBytes_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, bytearray)`.
#[inline]
pub(crate) fn is_bytearray(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type check.
    unsafe { ffi::PyByteArray_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, list)`.
#[inline]
pub(crate) fn is_list(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type-flag check.
    unsafe { ffi::PyList_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, tuple)`.
#[inline]
pub(crate) fn is_tuple(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type-flag check.
    unsafe { ffi::PyTuple_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, dict)`.
#[inline]
pub(crate) fn is_dict(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type-flag check.
    unsafe { ffi::PyDict_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, (set, frozenset))`.
#[inline]
pub(crate) fn is_anyset(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type check.
    unsafe { ffi::PyAnySet_Check(obj.as_ptr()) != 0 }
}

/// `isinstance(obj, frozenset)`.
#[inline]
fn is_frozenset(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `obj` is a live object and the GIL is held; a type check.
    unsafe { ffi::PyFrozenSet_Check(obj.as_ptr()) != 0 }
}

/// `obj` as an int when `type(obj) is int` (no subclass, bool excluded).
#[inline]
pub(crate) fn exact_int<'a, 'py>(obj: &'a Bound<'py, PyAny>) -> Option<&'a Bound<'py, PyInt>> {
    if type_of(obj) != &raw mut ffi::PyLong_Type {
        return None;
    }
    // SAFETY: its type is exactly int.
    Some(unsafe { obj.cast_unchecked() })
}

/// The C name of an object's type (`tp_name`, e.g. `numpy.ndarray`)
/// starts with `prefix`. Only a read of the type's static name: numpy's
/// C types are recognised without importing numpy.
#[inline]
pub(crate) fn type_name_starts_with(obj: &Bound<'_, PyAny>, prefix: &[u8]) -> bool {
    tp_name(obj).to_bytes().starts_with(prefix)
}

/// The C name of an object's type is exactly `name` (see
/// `type_name_starts_with`).
#[inline]
pub(crate) fn type_name_is(obj: &Bound<'_, PyAny>, name: &[u8]) -> bool {
    tp_name(obj).to_bytes() == name
}

/// `tp_name` of an object's type. Private, and only read at once by the
/// two functions above: an object's type can change (`__class__`
/// assignment), and a heap type go away, only when Python code runs.
#[inline]
fn tp_name<'a>(obj: &'a Bound<'_, PyAny>) -> &'a CStr {
    let t = type_of(obj);
    // SAFETY: `t` is the live type object of a live object.
    let name = unsafe { (*t).tp_name };
    // SAFETY: `tp_name` is a NUL-terminated C string owned by the type.
    unsafe { CStr::from_ptr(name) }
}

/// The builtin types the conversions tell apart, in the order
/// `convert::to_wire` tries them: the exact common types first (a pointer
/// compare each), then subclasses (type flags).
pub(crate) enum Builtin<'a, 'py> {
    /// An int or a subclass (bool is `Bool`).
    Int(&'a Bound<'py, PyInt>),
    None,
    Str(&'a Bound<'py, PyString>),
    Float(&'a Bound<'py, PyFloat>),
    Bool(bool),
    Dict(&'a Bound<'py, PyDict>),
    List(&'a Bound<'py, PyList>),
    Tuple(&'a Bound<'py, PyTuple>),
    Bytes(&'a Bound<'py, PyBytes>),
    ByteArray(&'a Bound<'py, PyByteArray>),
    /// A set or a frozenset (or a subclass of either).
    Set {
        frozen: bool,
    },
    /// Anything else.
    Other,
}

impl<'a, 'py> Builtin<'a, 'py> {
    /// Classifies `obj`.
    #[inline]
    pub(crate) fn of(obj: &'a Bound<'py, PyAny>) -> Self {
        let t = type_of(obj);
        if t == &raw mut ffi::PyLong_Type {
            // SAFETY: its type is exactly int.
            return Builtin::Int(unsafe { obj.cast_unchecked() });
        }
        if obj.is_none() {
            return Builtin::None;
        }
        if t == &raw mut ffi::PyUnicode_Type {
            // SAFETY: its type is exactly str.
            return Builtin::Str(unsafe { obj.cast_unchecked() });
        }
        if t == &raw mut ffi::PyFloat_Type {
            // SAFETY: its type is exactly float.
            return Builtin::Float(unsafe { obj.cast_unchecked() });
        }
        if t == &raw mut ffi::PyBool_Type {
            // bool has no subclasses; True and False are singletons.
            return Builtin::Bool(obj.as_ptr() == py_true(obj.py()));
        }
        if t == &raw mut ffi::PyDict_Type || is_dict(obj) {
            // SAFETY: a dict or a subclass.
            return Builtin::Dict(unsafe { obj.cast_unchecked() });
        }
        if t == &raw mut ffi::PyList_Type || is_list(obj) {
            // SAFETY: a list or a subclass.
            return Builtin::List(unsafe { obj.cast_unchecked() });
        }
        if t == &raw mut ffi::PyTuple_Type || is_tuple(obj) {
            // SAFETY: a tuple or a subclass.
            return Builtin::Tuple(unsafe { obj.cast_unchecked() });
        }
        if is_int(obj) {
            // SAFETY: an int subclass (bool was handled by exact type, and
            // cannot be subclassed).
            return Builtin::Int(unsafe { obj.cast_unchecked() });
        }
        if is_str(obj) {
            // SAFETY: a str subclass.
            return Builtin::Str(unsafe { obj.cast_unchecked() });
        }
        if is_float(obj) {
            // SAFETY: a float subclass.
            return Builtin::Float(unsafe { obj.cast_unchecked() });
        }
        if is_bytes(obj) {
            // SAFETY: bytes or a subclass.
            return Builtin::Bytes(unsafe { obj.cast_unchecked() });
        }
        if is_bytearray(obj) {
            // SAFETY: a bytearray or a subclass.
            return Builtin::ByteArray(unsafe { obj.cast_unchecked() });
        }
        if is_anyset(obj) {
            return Builtin::Set {
                frozen: is_frozenset(obj),
            };
        }
        Builtin::Other
    }
}

/// The address of `True`.
#[inline]
fn py_true(_py: Python<'_>) -> *mut ffi::PyObject {
    // SAFETY: the interpreter is initialised (`py`); the address of a static.
    unsafe { ffi::Py_True() }
}

/// An object's reference count.
#[inline]
pub(crate) fn refcnt(obj: &Bound<'_, PyAny>) -> isize {
    // SAFETY: `obj` is a live object and the GIL is held.
    unsafe { ffi::Py_REFCNT(obj.as_ptr()) }
}

/// `f(arg)`.
#[inline]
pub(crate) fn call_one_arg<'py>(
    f: &Bound<'py, PyAny>,
    arg: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: the GIL is held; `f` and `arg` are live; a new reference, or
    // NULL with an exception set.
    let p = unsafe { ffi::PyObject_CallOneArg(f.as_ptr(), arg.as_ptr()) };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    unsafe { Bound::from_owned_ptr_or_err(f.py(), p) }
}

/// `f(*args)` through vectorcall: `argv[0]` is a spare slot CPython may use
/// while the call runs (`PY_VECTORCALL_ARGUMENTS_OFFSET`: a bound method
/// then needs no new argument array), `argv[1..]` are the arguments.
///
/// # Safety
/// `argv` is not empty, and `argv[1..]` are pointers to live objects that
/// stay alive until the call returns.
#[inline]
pub(crate) unsafe fn vectorcall<'py>(
    f: &Bound<'py, PyAny>,
    argv: &mut [*mut ffi::PyObject],
) -> PyResult<Bound<'py, PyAny>> {
    debug_assert!(!argv.is_empty());
    let nargs = argv.len() - 1;
    let args = argv[1..].as_mut_ptr();
    // SAFETY: the GIL is held; `f` is live; per the contract, the `nargs`
    // pointers at `args` are live objects, and `argv[0]`, just before them,
    // is ours to lend; a new reference, or NULL with an exception set.
    let p = unsafe {
        ffi::PyObject_Vectorcall(
            f.as_ptr(),
            args,
            nargs | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
            std::ptr::null_mut(),
        )
    };
    // SAFETY: `p` is that new reference, owned from here on, or NULL.
    unsafe { Bound::from_owned_ptr_or_err(f.py(), p) }
}

/// `next(it)`: the next item, `None` when the iterator is exhausted.
///
/// # Safety
/// `it` is an iterator (its type has `tp_iternext`): `PyIter_Next` calls
/// that slot without checking it.
#[inline]
pub(crate) unsafe fn iter_next<'py>(it: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    // SAFETY: the GIL is held; `it` is a live iterator (per the contract); a
    // new reference, or NULL: exhausted (no exception set) or an error.
    let p = unsafe { ffi::PyIter_Next(it.as_ptr()) };
    if p.is_null() {
        return match PyErr::take(it.py()) {
            Some(e) => Err(e),
            None => Ok(None),
        };
    }
    // SAFETY: `p` is that new, non-null reference, owned from here on.
    Ok(Some(unsafe { Bound::from_owned_ptr(it.py(), p) }))
}

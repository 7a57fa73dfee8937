//! Heap types made per interpreter (`PyType_FromSpec`, PEP 630): Python
//! types whose instances carry a plain Rust value.
//!
//! PyO3 0.30 makes each `#[pyclass]`'s type object once per process, in
//! whichever interpreter asks first, and that type must not be used from
//! another interpreter (its reference count and its caches would be touched
//! under two GILs). pybridge's sub-interpreters therefore get their own
//! copies of pybridge's Java types, made with the C API when the
//! interpreter's `pybridge` module is installed and dropped when it closes
//! (`jvm::types::SubTypes`). A value type says what its Python type offers
//! through [`NativeValue`]; the slot functions here are the only code that
//! touches the instances' memory.
//!
//! The values hold no Python objects, so the types need no GC support; an
//! instance holds a strong reference to its (heap) type, as CPython
//! requires, given back by `dealloc`.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::ffi::{CStr, c_int, c_void};
use std::marker::PhantomData;

/// What a Rust value offers as a Python object of its own heap type.
pub(crate) trait NativeValue: Sized + Send + 'static {
    /// The qualified type name (`pybridge.JavaFunction`).
    const NAME: &'static CStr;
    /// The type's docstring.
    const DOC: &'static CStr;
    /// Whether instances are callable (`call`).
    const CALLABLE: bool = false;
    /// Whether instances export a buffer (`get_buffer`).
    const BUFFER: bool = false;

    fn repr(&self) -> String;

    /// An attribute of the instance other than the generic ones (`None`:
    /// look it up the usual way).
    fn attr(&self, _py: Python<'_>, _name: &str) -> Option<PyResult<Py<PyAny>>> {
        None
    }

    /// Calling an instance (when `CALLABLE`).
    fn call(
        &self,
        _py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        Err(pyo3::exceptions::PyTypeError::new_err("not callable"))
    }

    /// Fills `view` for a buffer request (when `BUFFER`).
    ///
    /// # Safety
    /// `view` is the `Py_buffer` CPython passed to `bf_getbuffer`, and
    /// `exporter` the instance holding `self`.
    unsafe fn get_buffer(
        &self,
        _exporter: &Bound<'_, PyAny>,
        _view: *mut ffi::Py_buffer,
        _flags: c_int,
    ) -> PyResult<()> {
        Err(pyo3::exceptions::PyBufferError::new_err("no buffer"))
    }
}

/// The memory of an instance: the object header, then the value.
#[repr(C)]
struct Instance<T> {
    ob_base: ffi::PyObject,
    value: T,
}

/// A heap type of `T` made in one interpreter (see the module docs). The
/// owner keeps it in that interpreter's state and drops it there.
pub(crate) struct NativeType<T: NativeValue> {
    ty: Py<PyType>,
    _value: PhantomData<fn(T)>,
}

impl<T: NativeValue> NativeType<T> {
    /// Makes the type in the current interpreter.
    pub(crate) fn new(py: Python<'_>) -> PyResult<Self> {
        let mut slots: Vec<ffi::PyType_Slot> = vec![
            slot(
                ffi::Py_tp_dealloc,
                dealloc::<T> as ffi::destructor as *mut c_void,
            ),
            slot(ffi::Py_tp_repr, repr::<T> as ffi::reprfunc as *mut c_void),
            slot(
                ffi::Py_tp_getattro,
                getattro::<T> as ffi::getattrofunc as *mut c_void,
            ),
            slot(ffi::Py_tp_new, refuse_new as ffi::newfunc as *mut c_void),
            slot(ffi::Py_tp_doc, T::DOC.as_ptr() as *mut c_void),
        ];
        if T::CALLABLE {
            slots.push(slot(
                ffi::Py_tp_call,
                call::<T> as ffi::ternaryfunc as *mut c_void,
            ));
        }
        if T::BUFFER {
            slots.push(slot(
                ffi::Py_bf_getbuffer,
                get_buffer::<T> as ffi::getbufferproc as *mut c_void,
            ));
        }
        slots.push(slot(0, std::ptr::null_mut()));
        let mut spec = ffi::PyType_Spec {
            name: T::NAME.as_ptr(),
            basicsize: std::mem::size_of::<Instance<T>>() as c_int,
            itemsize: 0,
            flags: ffi::Py_TPFLAGS_DEFAULT as _,
            slots: slots.as_mut_ptr(),
        };
        // SAFETY: the GIL is held (`py`); `spec` and `slots` are valid for
        // the call (CPython copies what it keeps; the name and the docstring
        // are 'static), and every slot function has the signature its slot
        // id requires.
        let ty = unsafe { ffi::PyType_FromSpec(&mut spec) };
        if ty.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: a new reference to a type object (checked non-null).
        let ty = unsafe { Bound::from_owned_ptr(py, ty) };
        Ok(NativeType {
            ty: ty.cast_into::<PyType>()?.unbind(),
            _value: PhantomData,
        })
    }

    /// The type object.
    pub(crate) fn type_object<'py>(&self, py: Python<'py>) -> &Bound<'py, PyType> {
        self.ty.bind(py)
    }

    /// A new instance holding `value`.
    pub(crate) fn instance<'py>(&self, py: Python<'py>, value: T) -> PyResult<Bound<'py, PyAny>> {
        let tp = self.ty.as_ptr().cast::<ffi::PyTypeObject>();
        // SAFETY: the GIL is held; `tp` is this type (alive: `self`), whose
        // basic size is `Instance<T>`'s.
        let obj = unsafe { ffi::PyType_GenericAlloc(tp, 0) };
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: `obj` is a new, zeroed instance of `Instance<T>`'s size
        // and alignment (CPython aligns objects for any field type).
        let slot = unsafe { std::ptr::addr_of_mut!((*obj.cast::<Instance<T>>()).value) };
        // SAFETY: the value is written once, before Python can see the object.
        unsafe { slot.write(value) };
        // SAFETY: a new reference (checked non-null).
        Ok(unsafe { Bound::from_owned_ptr(py, obj) })
    }

    /// The value of `obj` when it is an instance of exactly this type.
    pub(crate) fn value_of<'a>(&self, obj: &'a Bound<'_, PyAny>) -> Option<&'a T> {
        if obj.get_type().as_ptr() != self.ty.as_ptr() {
            return None;
        }
        // SAFETY: `obj` is an instance of this type, so an `Instance<T>`
        // whose value was written by `instance` (the only way to make one:
        // `tp_new` refuses); the value lives as long as `obj`, which the
        // borrow keeps alive, and is only ever read (`T` is used shared).
        Some(unsafe { &(*obj.as_ptr().cast::<Instance<T>>()).value })
    }
}

fn slot(id: c_int, pfunc: *mut c_void) -> ffi::PyType_Slot {
    ffi::PyType_Slot { slot: id, pfunc }
}

/// The value of an instance.
///
/// # Safety
/// `obj` is a live instance of a `NativeType<T>`.
unsafe fn value<'a, T>(obj: *mut ffi::PyObject) -> &'a T {
    // SAFETY: per the contract, written by `NativeType::instance`.
    unsafe { &(*obj.cast::<Instance<T>>()).value }
}

/// Runs a slot body with the GIL token; a panic becomes a Python
/// `SystemError` rather than unwinding into CPython.
fn trampoline<R>(fail: R, body: impl FnOnce(Python<'_>) -> PyResult<R>) -> R {
    // SAFETY: slot functions are called by CPython with the GIL held.
    let py = unsafe { Python::assume_attached() };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(py))) {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            e.restore(py);
            fail
        }
        Err(_) => {
            pyo3::exceptions::PySystemError::new_err("pybridge: a native type's slot panicked")
                .restore(py);
            fail
        }
    }
}

/// `tp_dealloc`.
///
/// # Safety
/// Called by CPython once, when `obj`'s reference count drops to zero.
unsafe extern "C" fn dealloc<T: NativeValue>(obj: *mut ffi::PyObject) {
    // SAFETY: `obj` is an instance of a heap type, alive until freed below.
    let tp = unsafe { ffi::Py_TYPE(obj) };
    // SAFETY: `obj` is an `Instance<T>` (see `instance`).
    let v = unsafe { std::ptr::addr_of_mut!((*obj.cast::<Instance<T>>()).value) };
    // SAFETY: the value was written by `instance` and is dropped once, here
    // (its drop runs no Python code: pybridge's values only queue ids).
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        std::ptr::drop_in_place(v)
    }));
    drop(dropped);
    // SAFETY: `tp` is the instance's type; `tp_free` is set on every type.
    let free = unsafe { ffi::PyType_GetSlot(tp, ffi::Py_tp_free) };
    if !free.is_null() {
        // SAFETY: `tp_free` has the `freefunc` signature; `obj` was allocated
        // by the type's `tp_alloc` and is not used after this.
        let free: ffi::freefunc =
            unsafe { std::mem::transmute::<*mut c_void, ffi::freefunc>(free) };
        // SAFETY: as above.
        unsafe { free(obj.cast()) };
    }
    // SAFETY: each instance of a heap type holds a reference to its type
    // (taken by `PyType_GenericAlloc`), given back here.
    unsafe { ffi::Py_DECREF(tp.cast()) };
}

/// `tp_repr`.
///
/// # Safety
/// Called by CPython with a live instance.
unsafe extern "C" fn repr<T: NativeValue>(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    trampoline(std::ptr::null_mut(), |py| {
        // SAFETY: per the function contract.
        let v = unsafe { value::<T>(obj) };
        Ok(pyo3::types::PyString::new(py, &v.repr()).into_ptr())
    })
}

/// `tp_getattro`: `NativeValue::attr`, then the generic lookup.
///
/// # Safety
/// Called by CPython with a live instance and an attribute name.
unsafe extern "C" fn getattro<T: NativeValue>(
    obj: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    trampoline(std::ptr::null_mut(), |py| {
        // SAFETY: CPython passes a live name object (borrowed).
        let n = unsafe { Bound::from_borrowed_ptr(py, name) };
        if let Ok(s) = n.cast::<pyo3::types::PyString>()
            && let Ok(s) = s.to_str()
            // SAFETY: per the function contract.
            && let Some(r) = unsafe { value::<T>(obj) }.attr(py, s)
        {
            return r.map(Py::into_ptr);
        }
        // SAFETY: the generic lookup, with the same live arguments.
        let r = unsafe { ffi::PyObject_GenericGetAttr(obj, name) };
        if r.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(r)
    })
}

/// `tp_new`: instances are only made by pybridge (`NativeType::instance`).
///
/// # Safety
/// Called by CPython.
unsafe extern "C" fn refuse_new(
    tp: *mut ffi::PyTypeObject,
    _args: *mut ffi::PyObject,
    _kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    trampoline(std::ptr::null_mut(), |py| {
        // SAFETY: CPython passes the live type being called.
        let ty = unsafe { Bound::from_borrowed_ptr(py, tp.cast()) };
        let name = ty
            .getattr("__name__")
            .map(|n| n.to_string())
            .unwrap_or_default();
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "pybridge.{name} objects are made by pybridge from Java values, not by calling the type"
        )))
    })
}

/// `tp_call`.
///
/// # Safety
/// Called by CPython with a live instance, an argument tuple and a keyword
/// dict or null.
unsafe extern "C" fn call<T: NativeValue>(
    obj: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    trampoline(std::ptr::null_mut(), |py| {
        // SAFETY: CPython passes a live tuple (borrowed).
        let args = unsafe { Bound::from_borrowed_ptr(py, args) };
        let args = args.cast_into::<PyTuple>()?;
        let kwargs = if kwargs.is_null() {
            None
        } else {
            // SAFETY: a live dict (borrowed) when not null.
            Some(unsafe { Bound::from_borrowed_ptr(py, kwargs) }.cast_into::<PyDict>()?)
        };
        // SAFETY: per the function contract.
        let v = unsafe { value::<T>(obj) };
        v.call(py, &args, kwargs.as_ref()).map(Py::into_ptr)
    })
}

/// `bf_getbuffer`.
///
/// # Safety
/// Called by CPython with a live instance and a view to fill.
unsafe extern "C" fn get_buffer<T: NativeValue>(
    obj: *mut ffi::PyObject,
    view: *mut ffi::Py_buffer,
    flags: c_int,
) -> c_int {
    trampoline(-1, |py| {
        if view.is_null() {
            return Err(pyo3::exceptions::PyBufferError::new_err("no view"));
        }
        // SAFETY: CPython passes the live exporter (borrowed).
        let exporter = unsafe { Bound::from_borrowed_ptr(py, obj) };
        // SAFETY: per the function contract.
        let v = unsafe { value::<T>(obj) };
        // SAFETY: `view` is CPython's to fill, `exporter` holds `v`.
        unsafe { v.get_buffer(&exporter, view, flags) }?;
        Ok(0)
    })
}

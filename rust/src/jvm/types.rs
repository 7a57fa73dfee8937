//! The Python types of Java objects: `JavaFunction` (a Java function
//! object), `JavaObject` (any other Java object, the base of the proxies of
//! `java_bridge.py`), `JavaArrayBase` (Java arrays, with the buffer
//! protocol), `JavaMethod` and `BoundJavaMethod` (the overloads of a Java
//! method, found and called by Java's dispatcher).

use super::call::call_java;
use crate::capi::types::{NativeType, NativeValue};
use crate::error::{Error, Result};
use crate::values::wire;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::ffi::CStr;

/// Python's view of a Java function object.
#[pyclass(name = "JavaFunction", module = "pybridge", frozen)]
pub(crate) struct JavaFunction {
    id: i64,
    name: String,
}

impl JavaFunction {
    pub(crate) fn new(id: i64, name: String) -> Self {
        JavaFunction { id, name }
    }

    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

impl Drop for JavaFunction {
    fn drop(&mut self) {
        // Java may now forget the function (see `registry`).
        crate::handles::registry::push_freed(self.id);
    }
}

/// Python's view of a Java object that has no conversion: it comes back to
/// Java as the same object. Shares the function registry (and its freed-id
/// queue) on the Java side. The live proxies of `java_bridge.py` are Python
/// subclasses of it (one per Java class), made only by `java_object` below.
#[pyclass(name = "JavaObject", module = "pybridge", frozen, subclass)]
pub(crate) struct JavaObject {
    pub(super) id: i64,
    class: String,
}

impl JavaObject {
    pub(crate) fn new(id: i64, class: String) -> Self {
        JavaObject { id, class }
    }

    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

impl Drop for JavaObject {
    fn drop(&mut self) {
        crate::handles::registry::push_freed(self.id);
    }
}

thread_local! {
    /// The Java object `java_object` is making, taken by `JavaObject.__new__`
    /// while the proxy factory runs: Python code cannot make a `JavaObject`
    /// (and so free a registry id it does not own) any other way.
    static MINT: std::cell::RefCell<Option<(i64, String)>> = const { std::cell::RefCell::new(None) };
}

/// The proxy factory `java_bridge.py` registers: `factory(class_name)`
/// returns `JavaObject.__new__(proxy_class_of(class_name))`.
/// Main interpreter only (Java from Python is not offered in sub-interpreters; see `install`).
static PROXY_FACTORY: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

/// Registers the proxy factory (once; `pybridge._set_proxy_factory`).
#[pyfunction]
pub(super) fn _set_proxy_factory(py: Python<'_>, factory: Py<PyAny>) -> PyResult<()> {
    PROXY_FACTORY
        .set(py, factory)
        .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the proxy factory is already set"))
}

/// `pybridge._java_pin_thread(enter)`: keeps the calling thread attached to
/// the JVM while `pybridge.synchronized` holds a Java monitor on it
/// (`upcall::pin_thread`).
#[pyfunction]
pub(super) fn _java_pin_thread(enter: bool) -> PyResult<()> {
    super::upcall::pin_thread(enter).map_err(pyo3::exceptions::PyRuntimeError::new_err)
}

/// The Python object for Java object `id` of class `class`: a live proxy
/// (an instance of the Python subclass of `JavaObject` for that class) once
/// the bridge is installed, a plain `JavaObject` before.
pub(crate) fn java_object<'py>(
    py: Python<'py>,
    id: i64,
    class: String,
) -> PyResult<Bound<'py, PyAny>> {
    let Some(factory) = PROXY_FACTORY.get(py) else {
        return Ok(Bound::new(py, JavaObject::new(id, class))?.into_any());
    };
    let name = pyo3::types::PyString::new(py, &class);
    MINT.with(|m| *m.borrow_mut() = Some((id, class)));
    let made = factory.bind(py).call1((name,));
    let unclaimed = MINT.with(|m| m.borrow_mut().take());
    match made {
        Ok(obj)
            if unclaimed.is_none() && obj.cast::<JavaObject>().is_ok_and(|o| o.get().id == id) =>
        {
            Ok(obj)
        }
        Ok(_) if unclaimed.is_some() => {
            let (id, class) = unclaimed.unwrap_or_default();
            Ok(Bound::new(py, JavaObject::new(id, class))?.into_any())
        }
        Ok(_) => Err(pyo3::exceptions::PyRuntimeError::new_err(
            "the proxy factory returned another object for a Java object",
        )),
        // The id is still ours when the factory failed before claiming it.
        Err(e) if unclaimed.is_some() => {
            crate::handles::registry::push_freed(id);
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// The Java object the proxy factory is making (see `MINT`).
fn minted() -> PyResult<JavaObject> {
    match MINT.with(|m| m.borrow_mut().take()) {
        Some((id, class)) => Ok(JavaObject { id, class }),
        None => Err(pyo3::exceptions::PyTypeError::new_err(
            "Java objects are not made this way: call the Java class (from java.util import ArrayList; \
             ArrayList()) or get them from Java",
        )),
    }
}

/// The base of the proxies of Java arrays: a `JavaObject` that exports a
/// primitive array's elements through the buffer protocol. The elements are
/// copied (by Java) into a direct buffer when a buffer is requested, and
/// copied back into the array when it is released, as Jep does: a Java
/// array lives in the moving Java heap, so no live view of it can be
/// handed out. The Python side (`JavaArray._export_buffer`) asks Java.
#[pyclass(name = "JavaArrayBase", module = "pybridge", extends = JavaObject, subclass, frozen)]
pub(crate) struct JavaArrayBase {}

/// One buffer exported by a `JavaArrayBase`, kept in `Py_buffer.internal`.
struct ArrayExport {
    /// What `_export_buffer` returned: (token, memoryview of the copy, format, item size).
    state: Py<PyAny>,
    /// The number of items: the buffer's shape.
    items: isize,
}

#[pymethods]
impl JavaArrayBase {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn py_new(
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        Ok(PyClassInitializer::from(minted()?).add_subclass(JavaArrayBase {}))
    }

    /// # Safety
    /// Called by CPython with a valid `view` to fill.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut crate::capi::Py_buffer,
        flags: std::os::raw::c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(pyo3::exceptions::PyBufferError::new_err("no view"));
        }
        let state = slf.call_method0("_export_buffer")?;
        let format: String = state.get_item(2)?.extract()?;
        let item_size: usize = state.get_item(3)?.extract()?;
        let format: &'static std::ffi::CStr = match format.as_str() {
            "b" => c"b",
            "h" => c"h",
            "H" => c"H",
            "i" => c"i",
            "q" => c"q",
            "f" => c"f",
            "d" => c"d",
            "?" => c"?",
            other => {
                return Err(pyo3::exceptions::PyBufferError::new_err(format!(
                    "unexpected item format {other}"
                )));
            }
        };
        let layout = crate::capi::buffer::layout(&state.get_item(1)?)?;
        let export = Box::into_raw(Box::new(ArrayExport {
            state: state.clone().unbind(),
            items: (layout.len / item_size.max(1)) as isize,
        }));
        // SAFETY: `export` is the live allocation made above.
        let shape = unsafe { std::ptr::addr_of_mut!((*export).items) };
        // SAFETY: `view` is CPython's to fill; the copy's memory stays valid
        // while the memoryview in `state` lives, which the export (freed in
        // `__releasebuffer__`) keeps, as it keeps `shape`.
        let filled = unsafe {
            crate::capi::buffer::fill_typed(
                view,
                slf.as_any(),
                layout.addr,
                layout.len,
                flags,
                format,
                item_size,
                shape,
                export.cast(),
            )
        };
        if filled.is_err() {
            // SAFETY: not handed to CPython: still ours alone.
            drop(unsafe { Box::from_raw(export) });
            let _ = slf.call_method1("_release_buffer", (state, false));
        }
        filled
    }

    /// # Safety
    /// Called by CPython with a view this object's `__getbuffer__` filled.
    unsafe fn __releasebuffer__(slf: Bound<'_, Self>, view: *mut crate::capi::Py_buffer) {
        // SAFETY: per the function contract.
        let export = unsafe { crate::capi::buffer::internal_of(view) }.cast::<ArrayExport>();
        if export.is_null() {
            return;
        }
        // SAFETY: made by Box::into_raw in `__getbuffer__`, released once.
        let export = unsafe { Box::from_raw(export) };
        let py = slf.py();
        if let Err(e) = slf.call_method1("_release_buffer", (export.state.bind(py), true)) {
            e.write_unraisable(py, Some(slf.as_any()));
        }
    }
}

#[pymethods]
impl JavaObject {
    /// Only the proxy factory, called by `java_object`, makes these.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn py_new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        minted()
    }

    fn __repr__(&self) -> String {
        NativeValue::repr(self)
    }

    /// The Java class name.
    #[getter]
    fn java_class(&self) -> String {
        self.class.clone()
    }
}

/// pybridge's Java types in a sub-interpreter: heap types of that
/// interpreter (`capi::types`), made when its `pybridge` module is installed
/// and dropped when it closes. The main interpreter uses the PyO3 classes
/// (on which Java from Python, `python/pybridge/runtime/java_bridge.py`, is built).
pub(crate) struct SubTypes {
    pub(crate) function: NativeType<JavaFunction>,
    pub(crate) object: NativeType<JavaObject>,
    pub(crate) buffer: NativeType<crate::values::buffers::JavaBuffer>,
}

pub(super) static SUB_TYPES: crate::gil::per_interp::PerInterp<std::sync::Arc<SubTypes>> =
    crate::gil::per_interp::PerInterp::new();

/// The current sub-interpreter's Java types (`install` made them).
pub(crate) fn sub_types(py: Python<'_>) -> Result<std::sync::Arc<SubTypes>> {
    SUB_TYPES
        .with(py, |t| t.clone())
        .ok_or_else(|| Error::IllegalState("this interpreter has no pybridge module".into()))
}

impl NativeValue for JavaFunction {
    const NAME: &'static CStr = c"pybridge.JavaFunction";
    const DOC: &'static CStr = c"A Java function object: calling it calls Java.";
    const CALLABLE: bool = true;

    fn repr(&self) -> String {
        format!("<java function {} #{}>", self.name, self.id)
    }

    fn call(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        call_java(py, self.id, None, args, kwargs)
    }
}

impl NativeValue for JavaObject {
    const NAME: &'static CStr = c"pybridge.JavaObject";
    const DOC: &'static CStr =
        c"A Java object with no Python conversion: it goes back to Java as the same object.";

    fn repr(&self) -> String {
        format!("<java object {} #{}>", self.class, self.id)
    }

    fn attr(&self, py: Python<'_>, name: &str) -> Option<PyResult<Py<PyAny>>> {
        (name == "java_class").then(|| {
            Ok(pyo3::types::PyString::new(py, &self.class)
                .into_any()
                .unbind())
        })
    }
}

/// A Java function for Python: the current interpreter's `JavaFunction`.
pub(crate) fn function<'py>(py: Python<'py>, id: i64, name: String) -> Result<Bound<'py, PyAny>> {
    let pyerr = |e| Error::from_pyerr(py, e);
    if crate::gil::per_interp::in_main(py) {
        return Ok(Bound::new(py, JavaFunction::new(id, name))
            .map_err(pyerr)?
            .into_any());
    }
    match sub_types(py) {
        Ok(t) => t
            .function
            .instance(py, JavaFunction::new(id, name))
            .map_err(pyerr),
        Err(e) => {
            crate::handles::registry::push_freed(id);
            Err(e)
        }
    }
}

/// A Java object with no conversion for Python: a live proxy in the main
/// interpreter (`java_object`), an opaque `JavaObject` in a sub-interpreter
/// (Java from Python, the proxies and the `java` import hook, is the main
/// interpreter's).
pub(crate) fn object<'py>(py: Python<'py>, id: i64, class: String) -> Result<Bound<'py, PyAny>> {
    let pyerr = |e| Error::from_pyerr(py, e);
    if crate::gil::per_interp::in_main(py) {
        return java_object(py, id, class).map_err(pyerr);
    }
    match sub_types(py) {
        Ok(t) => t
            .object
            .instance(py, JavaObject::new(id, class))
            .map_err(pyerr),
        Err(e) => {
            crate::handles::registry::push_freed(id);
            Err(e)
        }
    }
}

/// The wire tag (`JAVA_FN` or `JAVA_OBJ`) and id of a Python object that
/// stands for a Java object, in whichever interpreter this runs.
pub(crate) fn java_ref(obj: &Bound<'_, PyAny>) -> Option<(u8, i64)> {
    let py = obj.py();
    if crate::gil::per_interp::in_main(py) {
        if let Ok(f) = obj.cast::<JavaFunction>() {
            return Some((wire::JAVA_FN, f.get().id()));
        }
        if let Ok(o) = obj.cast::<JavaObject>() {
            return Some((wire::JAVA_OBJ, o.get().id()));
        }
        return None;
    }
    let t = sub_types(py).ok()?;
    if let Some(f) = t.function.value_of(obj) {
        return Some((wire::JAVA_FN, f.id()));
    }
    t.object.value_of(obj).map(|o| (wire::JAVA_OBJ, o.id()))
}

#[pymethods]
impl JavaFunction {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        NativeValue::call(self, py, args, kwargs)
    }

    fn __repr__(&self) -> String {
        NativeValue::repr(self)
    }
}

/// A method (or constructor) group of a Java class, as an attribute of its
/// proxy class (`python/pybridge/runtime/java_bridge.py`): reading it from a proxy binds the
/// proxy; calling it sends `(group, target, *args)` straight to the Java
/// dispatcher (`JavaBridge.call`), with no Python frame in between.
#[pyclass(name = "JavaMethod", module = "pybridge", frozen)]
pub(crate) struct JavaMethod {
    dispatcher: Py<JavaFunction>,
    group: i64,
    name: String,
    instance: bool,
}

#[pymethods]
impl JavaMethod {
    #[new]
    fn py_new(dispatcher: Py<JavaFunction>, group: i64, name: String, instance: bool) -> Self {
        JavaMethod {
            dispatcher,
            group,
            name,
            instance,
        }
    }

    fn __get__(
        slf: Bound<'_, Self>,
        obj: Option<Bound<'_, PyAny>>,
        _owner: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match obj {
            Some(o) if slf.get().instance && !o.is_none() => Ok(Bound::new(
                py,
                BoundJavaMethod {
                    method: slf.unbind(),
                    target: o.unbind(),
                },
            )?
            .into_any()
            .unbind()),
            _ => Ok(slf.into_any().unbind()),
        }
    }

    /// Called on the class: a static method, or an instance method given
    /// its target first (`ArrayList.add(lst, 1)`).
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        if self.instance {
            let target = args.get_item(0).map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "{} is an instance method: call it on an object",
                    self.name
                ))
            })?;
            let rest = args.get_slice(1, args.len());
            call_java(
                py,
                self.dispatcher.get().id,
                Some((self.group, &target)),
                &rest,
                kwargs,
            )
        } else {
            let none = py.None().into_bound(py);
            call_java(
                py,
                self.dispatcher.get().id,
                Some((self.group, &none)),
                args,
                kwargs,
            )
        }
    }

    #[getter]
    fn __name__(&self) -> String {
        self.name.clone()
    }

    fn __repr__(&self) -> String {
        format!("<java method {}>", self.name)
    }
}

/// A `JavaMethod` read from a proxy: calling it calls the method on it.
#[pyclass(name = "BoundJavaMethod", module = "pybridge", frozen)]
pub(crate) struct BoundJavaMethod {
    method: Py<JavaMethod>,
    target: Py<PyAny>,
}

#[pymethods]
impl BoundJavaMethod {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let m = self.method.get();
        call_java(
            py,
            m.dispatcher.get().id,
            Some((m.group, self.target.bind(py))),
            args,
            kwargs,
        )
    }

    #[getter]
    fn __self__(&self, py: Python<'_>) -> Py<PyAny> {
        self.target.clone_ref(py)
    }

    /// The method of the class (`lst.add.__func__ is ArrayList.add`), as
    /// a Python bound method has.
    #[getter]
    fn __func__(&self, py: Python<'_>) -> Py<JavaMethod> {
        self.method.clone_ref(py)
    }

    #[getter]
    fn __name__(&self) -> String {
        self.method.get().name.clone()
    }

    fn __repr__(&self) -> String {
        format!("<bound java method {}>", self.method.get().name)
    }
}

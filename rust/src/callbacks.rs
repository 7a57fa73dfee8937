//! Python -> JVM calls: the one module through which anything below the JNI
//! boundary calls back up (docs/architecture.md).
//!
//! A Java function object (a `java.util.function` type, `Runnable`,
//! `Callable`, or any functional interface) sent to Python becomes a
//! `pybridge.JavaFunction`: a Python callable that holds only the id under
//! which `org.pybridge.Callbacks` keeps the Java object. Calling it encodes
//! the arguments with the wire format, lets go of the GIL, attaches the
//! thread to the JVM if needed (a thread Python started), and calls
//! `Callbacks.invoke(id, request)`. A Java exception comes back as a Python
//! exception whose type is named after the Java class (a subclass of
//! `pybridge.JavaException`) and which carries the id of the Java exception,
//! so that if it propagates out to Java the original is the cause.
//! When Python frees the `JavaFunction`, the Java side forgets the object
//! (the freed id is queued in `registry`). The upcall uses raw JNI
//! (`jni::raw`) on the calling thread's own `JNIEnv`.
//!
//! This module and `convert` refer to each other, and that is inherent:
//! converting a Java value makes a `JavaFunction` or `JavaObject`, and
//! calling a `JavaFunction` converts its arguments and its result. It is the
//! one module cycle in the crate (`tests/boundaries.rs`).

use crate::capi::types::{NativeType, NativeValue};
use crate::convert::{self, Mode};
use crate::error::{Error, Result};
use crate::jni::raw;
use crate::wire::{self, Reader, Writer};
use jni::ids::JStaticMethodID;
use jni::objects::{Global, JClass};
use jni::sys::jvalue;
use jni::{JavaVM, jni_sig, jni_str};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::ffi::CStr;
use std::sync::OnceLock;

static JVM: OnceLock<JavaVM> = OnceLock::new();
static CALLBACKS_CLASS: OnceLock<Global<JClass<'static>>> = OnceLock::new();

/// Called from `JNI_OnLoad`.
pub(crate) fn set_vm(vm: JavaVM) {
    let _ = JVM.set(vm);
}

/// `Callbacks.invoke` and `Callbacks.takeReply`, looked up with the class,
/// and `java.lang.StackOverflowError`, to name that error without running
/// Java code on a stack that has none left.
struct Upcalls {
    invoke: JStaticMethodID,
    take_reply: JStaticMethodID,
    stack_overflow: Global<JClass<'static>>,
}

/// Why a call into Java did not return a reply.
enum UpcallError {
    /// The JVM found too little stack left to run Java code.
    StackOverflow,
    Other(String),
}

impl From<String> for UpcallError {
    fn from(m: String) -> Self {
        UpcallError::Other(m)
    }
}

static UPCALLS: OnceLock<Upcalls> = OnceLock::new();

/// Called once by Java (from a JVM thread, so the class is reachable through
/// its loader) before the interpreter starts. The method ids are looked up
/// here, so that calls from Python need no lookup and no check.
pub(crate) fn set_callbacks_class(
    env: &mut jni::Env<'_>,
    class: Global<JClass<'static>>,
) -> jni::errors::Result<()> {
    let invoke = env.get_static_method_id(&class, jni_str!("invoke"), jni_sig!("(JJII)J"))?;
    let take_reply = env.get_static_method_id(&class, jni_str!("takeReply"), jni_sig!("(JI)I"))?;
    let soe = env.find_class(jni_str!("java/lang/StackOverflowError"))?;
    let stack_overflow = env.new_global_ref(soe)?;
    let _ = UPCALLS.set(Upcalls {
        invoke,
        take_reply,
        stack_overflow,
    });
    let _ = CALLBACKS_CLASS.set(class);
    Ok(())
}

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
        crate::registry::push_freed(self.id);
    }
}

/// Python's view of a Java object that has no conversion: it comes back to
/// Java as the same object. Shares the function registry (and its freed-id
/// queue) on the Java side. The live proxies of `java_bridge.py` are Python
/// subclasses of it (one per Java class), made only by `java_object` below.
#[pyclass(name = "JavaObject", module = "pybridge", frozen, subclass)]
pub(crate) struct JavaObject {
    id: i64,
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
        crate::registry::push_freed(self.id);
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
fn _set_proxy_factory(py: Python<'_>, factory: Py<PyAny>) -> PyResult<()> {
    PROXY_FACTORY
        .set(py, factory)
        .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the proxy factory is already set"))
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
            crate::registry::push_freed(id);
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
/// (on which Java from Python, `py/java_bridge.py`, is built).
pub(crate) struct SubTypes {
    pub(crate) function: NativeType<JavaFunction>,
    pub(crate) object: NativeType<JavaObject>,
    pub(crate) buffer: NativeType<crate::buffers::JavaBuffer>,
}

static SUB_TYPES: crate::per_interp::PerInterp<std::sync::Arc<SubTypes>> =
    crate::per_interp::PerInterp::new();

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
    if crate::per_interp::in_main(py) {
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
            crate::registry::push_freed(id);
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
    if crate::per_interp::in_main(py) {
        return java_object(py, id, class).map_err(pyerr);
    }
    match sub_types(py) {
        Ok(t) => t
            .object
            .instance(py, JavaObject::new(id, class))
            .map_err(pyerr),
        Err(e) => {
            crate::registry::push_freed(id);
            Err(e)
        }
    }
}

/// The wire tag (`JAVA_FN` or `JAVA_OBJ`) and id of a Python object that
/// stands for a Java object, in whichever interpreter this runs.
pub(crate) fn java_ref(obj: &Bound<'_, PyAny>) -> Option<(u8, i64)> {
    let py = obj.py();
    if crate::per_interp::in_main(py) {
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
/// proxy class (`py/java_bridge.py`): reading it from a proxy binds the
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

    fn __repr__(&self) -> String {
        format!("<bound java method {}>", self.method.get().name)
    }
}

/// Calls the Java function object `id` with `args` (after `head`, a group
/// id and a target, for the dispatcher of `JavaMethod`s) and `kwargs`.
fn call_java(
    py: Python<'_>,
    id: i64,
    head: Option<(i64, &Bound<'_, PyAny>)>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let mut req = Writer::over(take_call_buf());
    let encoded = (|| -> Result<()> {
        match head {
            Some((group, target)) => {
                req.len(args.len() + 2)?;
                req.u8(wire::INT);
                req.i64(group);
                // The target is a proxy (or None) nearly always: no need
                // for the general classification.
                if let Ok(o) = target.cast::<JavaObject>() {
                    req.u8(wire::JAVA_OBJ);
                    req.i64(o.get().id);
                    req.str("");
                } else {
                    convert::to_wire(target, &mut req, Mode::Convert, 0)?;
                }
            }
            None => req.len(args.len())?,
        }
        for a in args.iter() {
            convert::to_wire(&a, &mut req, Mode::Convert, 0)?;
        }
        match kwargs {
            Some(k) if !k.is_empty() => convert::to_wire(k.as_any(), &mut req, Mode::Convert, 0)?,
            _ => req.u8(wire::NONE),
        }
        Ok(())
    })();
    encoded.map_err(|e| to_pyerr(py, e))?;
    let buf = req.buf;
    // Java code may run for long: let other JVM threads past the call gate.
    crate::gate::yield_gate();
    let reply = py
        .detach(move || crate::stack::on_thread_stack(|| call_java_invoke(id, buf)))
        .map_err(|e| match e {
            UpcallError::StackOverflow => pyo3::exceptions::PyRecursionError::new_err(
                "calling Java failed: java.lang.StackOverflowError (the thread's stack is used up by \
                 nested calls between Python and Java; give the thread a larger stack, -Xss or the \
                 Thread constructor's stackSize, or nest less deeply)",
            ),
            UpcallError::Other(m) => {
                pyo3::exceptions::PyRuntimeError::new_err(format!("calling Java failed: {m}"))
            }
        })?;
    let out = decode_reply(py, &reply);
    give_back_call_buf(reply);
    out
}

fn decode_reply(py: Python<'_>, reply: &[u8]) -> PyResult<Py<PyAny>> {
    {
        let mut r = Reader::new(reply);
        let status = r.u8().map_err(|e| to_pyerr(py, e))?;
        if status == 0 {
            // The Java objects keeping the reply's handles alive until the
            // values below hold their own references.
            let pins = r.i64().map_err(|e| to_pyerr(py, e))?;
            let v = convert::to_py(py, &mut r, 0).map_err(|e| to_pyerr(py, e));
            if pins != 0 {
                crate::registry::push_freed(pins);
            }
            return Ok(v?.unbind());
        }
        let class = r.string().map_err(|e| to_pyerr(py, e))?;
        let message = r.string().map_err(|e| to_pyerr(py, e))?;
        let thrown = r.i64().map_err(|e| to_pyerr(py, e))?;
        Err(java_exception(py, &class, &message, thrown))
    }
}

fn to_pyerr(py: Python<'_>, e: Error) -> PyErr {
    match e {
        Error::Python(info) => {
            let _ = py;
            pyo3::exceptions::PyRuntimeError::new_err(format!(
                "{}: {}",
                info.type_name, info.message
            ))
        }
        Error::IllegalArgument(m) | Error::Unconvertible(m) => {
            pyo3::exceptions::PyTypeError::new_err(m)
        }
        other => pyo3::exceptions::PyRuntimeError::new_err(other.to_string()),
    }
}

/// `pybridge._make_java_exception` of each interpreter.
static MAKE_EXCEPTION: crate::per_interp::PerInterp<Py<PyAny>> =
    crate::per_interp::PerInterp::new();

const SUPPORT: &std::ffi::CStr = c"
import sys, types
_mod = sys.modules.get('pybridge') or types.ModuleType('pybridge', 'pybridge: the JVM as seen from Python')
sys.modules['pybridge'] = _mod

class JavaException(Exception):
    '''An exception thrown by Java code that Python called. java_class is the
    Java class name; the Java exception itself is kept on the Java side.'''
    java_class = None
    java_id = 0

JavaException.__module__ = 'pybridge'
_mod.JavaException = JavaException
_types = {}

def make(java_class, message, java_id):
    hook = getattr(_mod, '_exception_type', None)
    e = hook(java_class, message, java_id) if hook is not None else None
    if e is not None:
        e.java_class = java_class
        e.java_id = java_id
        return e
    t = _types.get(java_class)
    if t is None:
        module, _, simple = java_class.rpartition('.')
        t = type(simple or java_class, (JavaException,), {'__module__': module or 'java'})
        _types[java_class] = t
    e = t(message)
    e.java_class = java_class
    e.java_id = java_id
    return e

_mod._make_java_exception = make

def _copy_out(obj):
    # Interpreter.copyOf: the object as bytes another interpreter can rebuild.
    import pickle
    try:
        return b'P' + pickle.dumps(obj, protocol=5)
    except Exception as e:
        try:
            return b'B' + bytes(memoryview(obj))
        except TypeError:
            raise TypeError('cannot copy a %s to another interpreter: it can neither be pickled (%s) '
                            'nor does it export a buffer' % (type(obj).__qualname__, e)) from None

def _copy_in(data):
    if data[:1] == b'P':
        import pickle
        return pickle.loads(memoryview(data)[1:])
    return bytes(memoryview(data)[1:])

_mod._copy_out = _copy_out
_mod._copy_in = _copy_in
";

/// Installs the `pybridge` module (JavaException, JavaFunction); GIL held.
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let globals = PyDict::new(py);
    py.run(SUPPORT, Some(&globals), None)?;
    let module = globals
        .get_item("_mod")?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no module"))?;
    // The contract's tables the `.py` files read (`contract::FOR_PYTHON`).
    let tables = PyDict::new(py);
    for (name, entries) in crate::contract::FOR_PYTHON {
        let t = PyDict::new(py);
        for (k, v) in entries.iter() {
            t.set_item(k, v)?;
        }
        tables.set_item(name, t)?;
    }
    module.setattr("_contract", tables)?;
    if !crate::per_interp::in_main(py) {
        // This interpreter's own heap types (see `SubTypes`).
        let t = SubTypes {
            function: NativeType::new(py)?,
            object: NativeType::new(py)?,
            buffer: NativeType::new(py)?,
        };
        module.setattr("JavaFunction", t.function.type_object(py))?;
        module.setattr("JavaObject", t.object.type_object(py))?;
        module.setattr("JavaBuffer", t.buffer.type_object(py))?;
        let old = SUB_TYPES.with(py, |c| c.replace(std::sync::Arc::new(t)));
        drop(old);
    } else {
        // PyO3 classes: one type object per process, the main interpreter's;
        // Java from Python (`py/java_bridge.py`, its proxies and the `java`
        // import hook) is built on them, so it is the main interpreter's too.
        module.setattr("JavaFunction", py.get_type::<JavaFunction>())?;
        module.setattr("JavaObject", py.get_type::<JavaObject>())?;
        module.setattr("JavaBuffer", py.get_type::<crate::buffers::JavaBuffer>())?;
        module.setattr("JavaMethod", py.get_type::<JavaMethod>())?;
        module.setattr("JavaArrayBase", py.get_type::<JavaArrayBase>())?;
        module.setattr(
            "_set_proxy_factory",
            pyo3::wrap_pyfunction!(_set_proxy_factory, py)?,
        )?;
    }
    // What every interpreter runs here, for measurements that compare an
    // interpreter pybridge made with one CPython made alone (the E2E tests).
    module.setattr("_setup_source", SUPPORT.to_str().unwrap_or(""))?;
    let make = globals
        .get_item("make")?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no make"))?;
    let old = MAKE_EXCEPTION.with(py, |c| c.replace(make.unbind()));
    drop(old);
    if crate::per_interp::in_main(py) {
        // Switched on by Java once its dispatcher is registered.
        let code = std::ffi::CString::new(include_str!("py/java_bridge.py"))
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        let g = PyDict::new(py);
        g.set_item("__name__", "pybridge.java_bridge")?;
        py.run(&code, Some(&g), None)?;
    }
    Ok(())
}

fn java_exception(py: Python<'_>, class: &str, message: &str, thrown: i64) -> PyErr {
    let make = MAKE_EXCEPTION.with(py, |c| c.as_ref().map(|m| m.clone_ref(py)));
    match make.map(|m| m.bind(py).call1((class, message, thrown))) {
        Some(Ok(e)) => PyErr::from_value(e),
        _ => pyo3::exceptions::PyRuntimeError::new_err(format!("{class}: {message}")),
    }
}

fn vm() -> std::result::Result<&'static JavaVM, String> {
    JVM.get()
        .ok_or_else(|| "the JVM is not known to pybridge".to_string())
}

fn class() -> std::result::Result<&'static Global<JClass<'static>>, String> {
    CALLBACKS_CLASS
        .get()
        .ok_or_else(|| "org.pybridge.Callbacks is not registered".to_string())
}

// `Callbacks.invoke` runs on this thread. A thread that is not a JVM thread
// (one Python started) is attached for each call only, so it never becomes a
// lasting non-daemon JVM thread.
thread_local! {
    /// The buffer a thread's calls into Java carry their request and reply
    /// in (reused: Java caches its view of it by address). A nested call
    /// finds it taken and uses a fresh one.
    static CALL_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A request buffer for this thread (the reused one when free).
fn take_call_buf() -> Vec<u8> {
    let mut v = CALL_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
    v.clear();
    if v.capacity() < 4096 {
        v.reserve(4096);
    }
    v
}

fn give_back_call_buf(v: Vec<u8>) {
    if v.capacity() <= 1 << 20 {
        CALL_BUF.with(|b| {
            let mut slot = b.borrow_mut();
            if slot.capacity() == 0 {
                *slot = v;
            }
        });
    }
}

/// The calling thread's `JNIEnv` if it is attached to the JVM (every JVM
/// thread is), without attaching it.
fn attached_env(vm: &JavaVM) -> Option<*mut jni::sys::JNIEnv> {
    // SAFETY: `vm` is the live JavaVM the library was loaded into.
    unsafe { raw::attached_env(vm.get_raw()) }
}

/// Calls `Callbacks.invoke(id, addr, len, cap)`: Java reads the request
/// from `buf` and writes its reply into the same memory (or, when it does
/// not fit, hands it over through `Callbacks.takeReply`). Returns the buffer
/// holding the reply.
///
/// A thread already attached (every JVM thread) calls through its own
/// `JNIEnv` directly: the upcall makes no local reference, so it needs no
/// local frame, and one `ExceptionCheck` covers it. A thread Python started
/// is attached for the call only, so it never becomes a lasting non-daemon
/// JVM thread.
fn call_java_invoke(id: i64, buf: Vec<u8>) -> std::result::Result<Vec<u8>, UpcallError> {
    let vm = vm()?;
    let class = class()?;
    let ups = UPCALLS
        .get()
        .ok_or_else(|| "org.pybridge.Callbacks is not registered".to_string())?;
    if let Some(env) = attached_env(vm) {
        // SAFETY: `env` is this thread's JNIEnv (it stays attached: a thread
        // is only detached by whoever attached it, and that is not this call).
        return unsafe { upcall(env, class, ups, id, buf) };
    }
    vm.attach_current_thread_for_scope(|env| -> jni::errors::Result<_> {
        // SAFETY: `env` is this thread's JNIEnv for the scope of the call.
        Ok(unsafe { upcall(env.get_raw(), class, ups, id, buf) })
    })
    .map_err(|e| UpcallError::Other(e.to_string()))?
}

/// The pending Java exception, cleared. `Callbacks.invoke` catches
/// everything, so this is an error the JVM raised around it: in practice a
/// `StackOverflowError`, thrown when nested Python/Java calls leave too
/// little stack to enter Java. No Java code runs here (describing the
/// error would need stack that is not there).
///
/// # Safety
/// `env` is the calling thread's JNIEnv, with an exception pending.
unsafe fn take_java_exception(env: *mut jni::sys::JNIEnv, ups: &Upcalls) -> UpcallError {
    // SAFETY: per the function contract (none of the calls below runs Java code).
    let e = unsafe { raw::exception_occurred(env) };
    // SAFETY: as above.
    unsafe { raw::exception_clear(env) };
    if e.is_null() {
        return UpcallError::Other("a Java exception was thrown".to_string());
    }
    // SAFETY: no exception pending any more; `e` and the class are live.
    let soe = unsafe { raw::is_instance_of(env, e, ups.stack_overflow.as_raw()) };
    // SAFETY: `e` is the local reference made above, not used afterwards.
    unsafe { raw::delete_local_ref(env, e) };
    if soe {
        UpcallError::StackOverflow
    } else {
        UpcallError::Other(
            "a Java error was thrown around org.pybridge.Callbacks.invoke".to_string(),
        )
    }
}

/// # Safety
/// `env` is the calling thread's JNIEnv, with no exception pending.
unsafe fn upcall(
    env: *mut jni::sys::JNIEnv,
    class: &Global<JClass<'static>>,
    ups: &Upcalls,
    id: i64,
    mut buf: Vec<u8>,
) -> std::result::Result<Vec<u8>, UpcallError> {
    let args = [
        jvalue { j: id },
        jvalue {
            j: buf.as_mut_ptr() as i64,
        },
        jvalue {
            i: buf.len() as i32,
        },
        jvalue {
            i: buf.capacity().min(i32::MAX as usize) as i32,
        },
    ];
    // SAFETY: per the function contract; `invoke` is the static method
    // (JJII)J of the registered Callbacks class (a global reference), called
    // with four arguments of those types; Java reads `len` bytes at `addr`
    // and writes at most `cap` bytes there, all inside `buf`'s allocation,
    // which outlives the call.
    let r = unsafe {
        raw::call_static_long_method_a(env, class.as_raw(), ups.invoke.into_raw(), &args)
    };
    // SAFETY: `env` is valid.
    if unsafe { raw::exception_check(env) } {
        // SAFETY: an exception is pending.
        return Err(unsafe { take_java_exception(env, ups) });
    }
    if r >= 0 {
        // SAFETY: Java wrote exactly `r` (<= capacity) initialised bytes at
        // the start of the allocation.
        unsafe { buf.set_len((r as usize).min(buf.capacity())) };
        return Ok(buf);
    }
    // The reply did not fit: make room, then have Java copy it in.
    let need = r.unsigned_abs() as usize;
    buf.clear();
    buf.reserve(need);
    let args = [
        jvalue {
            j: buf.as_mut_ptr() as i64,
        },
        jvalue {
            i: buf.capacity().min(i32::MAX as usize) as i32,
        },
    ];
    // SAFETY: as above, for `takeReply`, (JI)I: Java writes the pending
    // reply (at most `cap` bytes) at `addr`, inside `buf`'s allocation.
    let n = unsafe {
        raw::call_static_int_method_a(env, class.as_raw(), ups.take_reply.into_raw(), &args)
    };
    // SAFETY: `env` is valid.
    if unsafe { raw::exception_check(env) } {
        // SAFETY: an exception is pending.
        return Err(unsafe { take_java_exception(env, ups) });
    }
    if n < 0 || n as usize > buf.capacity() {
        return Err(UpcallError::Other(
            "the reply of a Java function was lost".to_string(),
        ));
    }
    // SAFETY: Java wrote exactly `n` (<= capacity) bytes.
    unsafe { buf.set_len(n as usize) };
    Ok(buf)
}

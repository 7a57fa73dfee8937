//! Python -> JVM calls: the one module through which anything below the JNI
//! boundary calls back up (DESIGN.md).
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
//! When Python frees the `JavaFunction`, the Java side forgets the object.

use crate::convert::{self, Mode};
use crate::error::{Error, Result};
use crate::wire::{self, Reader, Writer};
use jni::ids::JStaticMethodID;
use jni::objects::{Global, JClass};
use jni::signature::{Primitive, ReturnType};
use jni::sys::jvalue;
use jni::{JavaVM, jni_sig, jni_str};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};

static JVM: OnceLock<JavaVM> = OnceLock::new();
static CALLBACKS_CLASS: OnceLock<Global<JClass<'static>>> = OnceLock::new();
/// JavaFunction objects alive in Python.
pub static ALIVE: AtomicI64 = AtomicI64::new(0);

/// Called from `JNI_OnLoad`.
pub fn set_vm(vm: JavaVM) {
    let _ = JVM.set(vm);
}

/// Called once by Java (from a JVM thread, so the class is reachable through
/// its loader) before the interpreter starts.
pub fn set_callbacks_class(class: Global<JClass<'static>>) {
    let _ = CALLBACKS_CLASS.set(class);
}

/// Python's view of a Java function object.
#[pyclass(name = "JavaFunction", module = "pybridge", frozen)]
pub struct JavaFunction {
    id: i64,
    name: String,
}

impl JavaFunction {
    pub fn new(id: i64, name: String) -> Self {
        ALIVE.fetch_add(1, Ordering::Relaxed);
        JavaFunction { id, name }
    }

    pub fn id(&self) -> i64 {
        self.id
    }
}

/// Ids of functions Python has freed, for Java to forget (`take_freed`).
/// Freeing never calls into the JVM: it may happen on a thread that is not
/// attached (the release thread), and attaching it would make it a
/// non-daemon JVM thread that keeps the JVM from exiting.
static FREED: Mutex<Vec<i64>> = Mutex::new(Vec::new());

impl Drop for JavaFunction {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::Relaxed);
        FREED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(self.id);
    }
}

/// Queues an id for Java to forget (never calls the JVM).
pub fn push_freed(id: i64) {
    FREED.lock().unwrap_or_else(|p| p.into_inner()).push(id);
}

/// The ids Python freed since the last call (no GIL needed).
pub fn take_freed() -> Vec<i64> {
    std::mem::take(&mut *FREED.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Python's view of a Java object that has no conversion: opaque, it comes
/// back to Java as the same object. Shares the function registry (and its
/// freed-id queue) on the Java side.
#[pyclass(name = "JavaObject", module = "pybridge", frozen)]
pub struct JavaObject {
    id: i64,
    class: String,
}

impl JavaObject {
    pub fn new(id: i64, class: String) -> Self {
        ALIVE.fetch_add(1, Ordering::Relaxed);
        JavaObject { id, class }
    }

    pub fn id(&self) -> i64 {
        self.id
    }
}

impl Drop for JavaObject {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::Relaxed);
        FREED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(self.id);
    }
}

#[pymethods]
impl JavaObject {
    fn __repr__(&self) -> String {
        format!("<java object {} #{}>", self.class, self.id)
    }

    /// The Java class name.
    #[getter]
    fn java_class(&self) -> String {
        self.class.clone()
    }
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
        let mut req = Writer {
            buf: take_call_buf(),
        };
        let encoded = (|| -> Result<()> {
            req.len(args.len())?;
            for a in args.iter() {
                convert::to_wire(&a, &mut req, Mode::Convert, 0)?;
            }
            match kwargs {
                Some(k) if !k.is_empty() => {
                    convert::to_wire(k.as_any(), &mut req, Mode::Convert, 0)?
                }
                _ => req.u8(wire::NONE),
            }
            Ok(())
        })();
        encoded.map_err(|e| to_pyerr(py, e))?;
        let id = self.id;
        let buf = req.buf;
        // Java code may run for long: let other JVM threads past the call gate.
        crate::gil::gate_yield();
        let reply = py.detach(move || call_java_invoke(id, buf)).map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("calling Java failed: {e}"))
        })?;
        let out = decode_reply(py, &reply);
        give_back_call_buf(reply);
        out
    }

    fn __repr__(&self) -> String {
        format!("<java function {} #{}>", self.name, self.id)
    }
}

fn decode_reply(py: Python<'_>, reply: &[u8]) -> PyResult<Py<PyAny>> {
    {
        let mut r = Reader::new(reply);
        let status = r.u8().map_err(|e| to_pyerr(py, e))?;
        if status == 0 {
            let v = convert::to_py(py, &mut r, 0).map_err(|e| to_pyerr(py, e))?;
            return Ok(v.unbind());
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

static MAKE_EXCEPTION: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

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
";

/// Installs the `pybridge` module (JavaException, JavaFunction); GIL held.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let globals = PyDict::new(py);
    py.run(SUPPORT, Some(&globals), None)?;
    let module = globals
        .get_item("_mod")?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no module"))?;
    module.setattr("JavaFunction", py.get_type::<JavaFunction>())?;
    module.setattr("JavaObject", py.get_type::<JavaObject>())?;
    module.setattr("JavaBuffer", py.get_type::<crate::buffers::JavaBuffer>())?;
    let make = globals
        .get_item("make")?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no make"))?;
    let _ = MAKE_EXCEPTION.set(py, make.unbind());
    Ok(())
}

fn java_exception(py: Python<'_>, class: &str, message: &str, thrown: i64) -> PyErr {
    match MAKE_EXCEPTION
        .get(py)
        .map(|m| m.bind(py).call1((class, message, thrown)))
    {
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

static INVOKE_ID: OnceLock<JStaticMethodID> = OnceLock::new();
static TAKE_REPLY_ID: OnceLock<JStaticMethodID> = OnceLock::new();

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

fn method_id<'s, 'a>(
    env: &mut jni::Env<'_>,
    cell: &OnceLock<JStaticMethodID>,
    class: &Global<JClass<'static>>,
    name: &'static jni::strings::JNIStr,
    sig: jni::signature::MethodSignature<'s, 'a>,
) -> jni::errors::Result<JStaticMethodID> {
    if let Some(id) = cell.get() {
        return Ok(*id);
    }
    let id = env.get_static_method_id(class, name, sig)?;
    let _ = cell.set(id);
    Ok(id)
}

/// Calls `Callbacks.invoke(id, addr, len, cap)`: Java reads the request
/// from `buf` and writes its reply into the same memory (or, when it does
/// not fit, hands it over through `Callbacks.takeReply`). Returns the buffer
/// holding the reply.
fn call_java_invoke(id: i64, mut buf: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    let vm = vm()?;
    let class = class()?;
    vm.attach_current_thread_for_scope(|env| -> jni::errors::Result<Vec<u8>> {
        let invoke = method_id(
            env,
            &INVOKE_ID,
            class,
            jni_str!("invoke"),
            jni_sig!("(JJII)J"),
        )?;
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
        // SAFETY: `invoke` is the static method (JJII)J of the registered
        // Callbacks class, called with four arguments of those types; Java
        // reads `len` bytes at `addr` and writes at most `cap` bytes there,
        // all inside `buf`'s allocation, which outlives the call.
        let r = unsafe {
            env.call_static_method_unchecked(
                class,
                invoke,
                ReturnType::Primitive(Primitive::Long),
                &args,
            )?
        }
        .j()?;
        if r >= 0 {
            // SAFETY: Java wrote exactly `r` (<= capacity) initialised bytes
            // at the start of the allocation.
            unsafe { buf.set_len((r as usize).min(buf.capacity())) };
            return Ok(buf);
        }
        // The reply did not fit: make room, then have Java copy it in.
        let need = r.unsigned_abs() as usize;
        buf.clear();
        buf.reserve(need);
        let take = method_id(
            env,
            &TAKE_REPLY_ID,
            class,
            jni_str!("takeReply"),
            jni_sig!("(JI)I"),
        )?;
        let args = [
            jvalue {
                j: buf.as_mut_ptr() as i64,
            },
            jvalue {
                i: buf.capacity().min(i32::MAX as usize) as i32,
            },
        ];
        // SAFETY: as above, for (JI)I: Java writes the pending reply (at most
        // `cap` bytes) at `addr`, inside `buf`'s allocation.
        let n = unsafe {
            env.call_static_method_unchecked(
                class,
                take,
                ReturnType::Primitive(Primitive::Int),
                &args,
            )?
        }
        .i()?;
        if n < 0 || n as usize > buf.capacity() {
            return Err(jni::errors::Error::JniCall(jni::errors::JniError::Unknown));
        }
        // SAFETY: Java wrote exactly `n` (<= capacity) bytes.
        unsafe { buf.set_len(n as usize) };
        Ok(buf)
    })
    .map_err(|e| e.to_string())
}

/// The Java exception id carried by a Python exception (or its cause or
/// context), 0 if none.
pub fn java_id_of(value: &Bound<'_, PyAny>) -> i64 {
    let mut cur = Some(value.clone());
    for _ in 0..8 {
        let Some(v) = cur.take() else { break };
        if v.is_none() {
            break;
        }
        if let Ok(id) = v.getattr("java_id").and_then(|i| i.extract::<i64>())
            && id != 0
        {
            return id;
        }
        cur = v
            .getattr("__cause__")
            .ok()
            .filter(|c| !c.is_none())
            .or_else(|| v.getattr("__context__").ok());
    }
    0
}

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

/// Python's view of a Java object that has no conversion: opaque, it comes
/// back to Java as the same object. Shares the function registry (and its
/// freed-id queue) on the Java side.
#[pyclass(name = "JavaObject", module = "pybridge", frozen)]
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
        let mut req = Writer::over(take_call_buf());
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

    fn __repr__(&self) -> String {
        format!("<java function {} #{}>", self.name, self.id)
    }
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
    if crate::per_interp::in_main(py) {
        // PyO3 classes: one type object per process, the main interpreter's.
        module.setattr("JavaFunction", py.get_type::<JavaFunction>())?;
        module.setattr("JavaObject", py.get_type::<JavaObject>())?;
        module.setattr("JavaBuffer", py.get_type::<crate::buffers::JavaBuffer>())?;
    }
    // What every interpreter runs here, for measurements that compare an
    // interpreter pybridge made with one CPython made alone (the E2E tests).
    module.setattr("_setup_source", SUPPORT.to_str().unwrap_or(""))?;
    let make = globals
        .get_item("make")?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no make"))?;
    let old = MAKE_EXCEPTION.with(py, |c| c.replace(make.unbind()));
    drop(old);
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

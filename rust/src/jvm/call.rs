//! One call into Java from Python: the arguments encoded with the wire
//! format, the GIL let go and the upcall made, the reply decoded into a
//! Python value or the Java exception as a Python one.

use super::types::JavaObject;
use super::upcall::{UpcallError, call_java_invoke, give_back_call_buf, take_call_buf};
use crate::error::{Error, Result};
use crate::values::convert::{self, Mode};
use crate::values::wire::{self, Reader, Writer};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// Calls the Java function object `id` with `args` (after `head`, a group
/// id and a target, for the dispatcher of `JavaMethod`s) and `kwargs`.
pub(super) fn call_java(
    py: Python<'_>,
    id: i64,
    head: Option<(i64, &Bound<'_, PyAny>)>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    // What Python wrote before this call reaches Java before Java runs.
    crate::gil::output::flush_pending(py);
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
    crate::gil::gate::yield_gate();
    let reply = py
        .detach(move || crate::gil::stack::on_thread_stack(|| call_java_invoke(id, buf)))
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
                crate::handles::registry::push_freed(pins);
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

/// `pybridge._make_java_exception` of each interpreter (set by
/// `module::install`).
pub(super) static MAKE_EXCEPTION: crate::gil::per_interp::PerInterp<Py<PyAny>> =
    crate::gil::per_interp::PerInterp::new();

/// The Python exception for a Java exception that a call threw.
fn java_exception(py: Python<'_>, class: &str, message: &str, thrown: i64) -> PyErr {
    let make = MAKE_EXCEPTION.with(py, |c| c.as_ref().map(|m| m.clone_ref(py)));
    match make.map(|m| m.bind(py).call1((class, message, thrown))) {
        Some(Ok(e)) => PyErr::from_value(e),
        _ => exception_without_python(class, message),
    }
}

/// The Python exception for a Java one when `make` could not run: most
/// often because the thread is at Python's recursion limit (a
/// `RecursionError` coming back out of deep nesting between Python and
/// Java), where any Python function fails. Built without running Python
/// code, it keeps the kind that matters most there: a Python exception that
/// went out through Java comes back as its own built-in type (by name), a
/// `StackOverflowError` as a `RecursionError`; anything else is a
/// `RuntimeError` naming the Java class.
fn exception_without_python(class: &str, message: &str) -> PyErr {
    use pyo3::exceptions as x;
    if class == "java.lang.StackOverflowError" {
        return x::PyRecursionError::new_err(format!("calling Java failed: {class}: {message}"));
    }
    if class == "org.pybridge.PythonException" {
        let (kind, text) = message.split_once(": ").unwrap_or((message, ""));
        let text = text.to_owned();
        return match kind {
            "RecursionError" => x::PyRecursionError::new_err(text),
            "MemoryError" => x::PyMemoryError::new_err(text),
            "KeyboardInterrupt" => x::PyKeyboardInterrupt::new_err(text),
            "TypeError" => x::PyTypeError::new_err(text),
            "ValueError" => x::PyValueError::new_err(text),
            "KeyError" => x::PyKeyError::new_err(text),
            "IndexError" => x::PyIndexError::new_err(text),
            "AttributeError" => x::PyAttributeError::new_err(text),
            "RuntimeError" => x::PyRuntimeError::new_err(text),
            _ => x::PyRuntimeError::new_err(format!("{class}: {message}")),
        };
    }
    x::PyRuntimeError::new_err(format!("{class}: {message}"))
}

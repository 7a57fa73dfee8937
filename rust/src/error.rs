//! One error type for the whole core. The JNI boundary maps each variant to a
//! status code plus an encoded payload (`jni::reply`); the Java side turns
//! that into the matching exception class.

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTraceback};
use std::fmt;

/// One Python stack frame of a traceback: file, line, function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub(crate) file: String,
    pub(crate) line: i32,
    pub function: String,
}

/// A Python exception, captured under the GIL as plain Rust data so that it
/// can cross threads and outlive the GIL.
#[derive(Debug, Clone, Default)]
pub struct PyErrInfo {
    /// Qualified type name (`json.decoder.JSONDecodeError`; builtins unqualified).
    pub type_name: String,
    /// `str(exception)`.
    pub message: String,
    /// `traceback.format_exception(...)` joined.
    pub traceback: String,
    /// Innermost last, as Python prints them.
    pub frames: Vec<Frame>,
    /// For `SyntaxError`: line and offset (-1 when absent).
    pub line: i32,
    pub offset: i32,
    /// Id of a Java exception carried by this Python exception (a Java
    /// function called from Python threw it, see `jvm`); 0 = none.
    pub(crate) java_cause: u64,
}

#[derive(Debug, Clone)]
pub enum Error {
    /// Python raised.
    Python(Box<PyErrInfo>),
    /// A handle id that is not (or no longer) in the table.
    Released { id: u64 },
    /// A Java value that cannot be converted, or an argument out of range.
    IllegalArgument(String),
    /// A Python result with no Java counterpart where a Java value was asked for.
    Unconvertible(String),
    /// The interpreter could not be started, or is not started yet.
    Init(String),
    /// The call is not valid in the current state (GIL not held, scope order…).
    IllegalState(String),
    /// A bug: malformed wire data, a broken invariant.
    Internal(String),
    /// Another thread's GIL lease runs Java code: the Java side waits for
    /// its turn and tries again (see `lease`).
    LeaseBusy,
    /// A lease holder's call runs Python (it was made to give the GIL up
    /// to this call, see `lease`): wait and try again, with no time limit.
    LeaseWait,
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Python(info) => write!(f, "{}: {}", info.type_name, info.message),
            Error::Released { id } => write!(f, "handle {id:#x} was released"),
            Error::IllegalArgument(m)
            | Error::Unconvertible(m)
            | Error::Init(m)
            | Error::IllegalState(m)
            | Error::Internal(m) => f.write_str(m),
            Error::LeaseBusy => f.write_str("another thread's GIL lease runs Java code"),
            Error::LeaseWait => f.write_str("another thread's GIL lease runs Python code"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Captures a `PyErr` (type, message, traceback, frames) while the GIL is held.
    pub(crate) fn from_pyerr(py: Python<'_>, err: PyErr) -> Error {
        Error::Python(Box::new(describe(py, &err)))
    }

    /// An operation that needs the interpreter, asked before
    /// `Python.initialize()`.
    pub(crate) fn not_initialized() -> Error {
        Error::Init("Python is not initialized: call Python.initialize() first".into())
    }

    /// A call from Java into Python refused because nesting between Python
    /// and Java has used up Python's stack (see `stack`): a `RecursionError`,
    /// as Python raises for too deep a recursion. `stack_mib`: the size of that
    /// stack (`gil::stack::ALT_SIZE`; passed in, so that errors depend on no layer).
    pub(crate) fn stack_exhausted(stack_mib: usize) -> Error {
        let message = format!(
            "maximum recursion depth exceeded: calls nested between Python and Java have used up the \
             {stack_mib} MiB of stack pybridge gives Python on this thread; nest less deeply"
        );
        Error::Python(Box::new(PyErrInfo {
            type_name: "RecursionError".into(),
            traceback: format!("RecursionError: {message}\n"),
            message,
            line: -1,
            offset: -1,
            ..Default::default()
        }))
    }
}

/// Qualified name of a type object: `module.QualName`, or just `QualName` for builtins.
pub(crate) fn qualified_type_name(ty: &Bound<'_, pyo3::types::PyType>) -> String {
    let qual = ty
        .getattr("__qualname__")
        .and_then(|q| q.extract::<String>())
        .unwrap_or_else(|_| "<unknown>".to_string());
    match ty.getattr("__module__").and_then(|m| m.extract::<String>()) {
        Ok(m) if m != "builtins" => format!("{m}.{qual}"),
        _ => qual,
    }
}

fn describe(py: Python<'_>, err: &PyErr) -> PyErrInfo {
    let value = err.value(py);
    let type_name = qualified_type_name(&value.get_type());
    // str() fails at Python's recursion limit (it counts as a call): the
    // first argument, read without calling anything, then says the same
    // for the usual exception made from one message.
    let message = value
        .str()
        .map(|s| s.to_string_lossy().into_owned())
        .or_else(|_| {
            value
                .getattr("args")
                .and_then(|a| a.get_item(0))
                .and_then(|m| m.extract::<String>())
        })
        .unwrap_or_else(|_| "<str() of the exception failed>".to_string());
    let mut info = PyErrInfo {
        type_name,
        message,
        line: -1,
        offset: -1,
        ..Default::default()
    };
    info.java_cause = java_id_of(value) as u64;
    if let Some(tb) = err.traceback(py) {
        info.frames = frames_of(&tb);
    }
    if value.is_instance_of::<pyo3::exceptions::PySyntaxError>() {
        info.line = value
            .getattr("lineno")
            .and_then(|v| v.extract::<Option<i32>>())
            .ok()
            .flatten()
            .unwrap_or(-1);
        info.offset = value
            .getattr("offset")
            .and_then(|v| v.extract::<Option<i32>>())
            .ok()
            .flatten()
            .unwrap_or(-1);
    }
    info.traceback = format_traceback(py, err)
        .unwrap_or_else(|| format!("{}: {}\n", info.type_name, info.message));
    info
}

fn frames_of(tb: &Bound<'_, PyTraceback>) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut cur: Option<Bound<'_, PyAny>> = Some(tb.clone().into_any());
    // A traceback chain is finite, but never trust it blindly.
    while let Some(t) = cur.take() {
        if t.is_none() || out.len() >= 512 {
            break;
        }
        let frame = (|| -> PyResult<Frame> {
            let f = t.getattr("tb_frame")?;
            let code = f.getattr("f_code")?;
            Ok(Frame {
                file: code.getattr("co_filename")?.extract()?,
                line: t
                    .getattr("tb_lineno")?
                    .extract::<Option<i32>>()?
                    .unwrap_or(-1),
                function: code.getattr("co_name")?.extract()?,
            })
        })();
        if let Ok(fr) = frame {
            out.push(fr);
        }
        cur = t.getattr("tb_next").ok();
    }
    out
}

fn format_traceback(py: Python<'_>, err: &PyErr) -> Option<String> {
    let tb = py.import("traceback").ok()?;
    let value = err.value(py);
    let lines = tb
        .call_method1(
            "format_exception",
            (value.get_type(), value, err.traceback(py)),
        )
        .ok()?;
    let joined = PyString::new(py, "").call_method1("join", (lines,)).ok()?;
    joined.extract::<String>().ok()
}

/// The Java exception id carried by a Python exception (or its cause or
/// context), 0 if none.
fn java_id_of(value: &Bound<'_, PyAny>) -> i64 {
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

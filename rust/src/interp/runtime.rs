//! Starting the interpreter, once per process.
//!
//! The Java side has already chosen a Python (executable + libpython path,
//! see `PythonLocator.java`) and loaded that libpython by full path, so the
//! `DT_NEEDED` of this library bound to it and not to another libpython on
//! the machine. Here we:
//! 1. make libpython's symbols global (`RTLD_NOLOAD | RTLD_GLOBAL`), or C
//!    extensions such as numpy fail with `undefined symbol`;
//! 2. start CPython through `PyConfig`: no signal handlers (the JVM owns
//!    signals), no `faulthandler` (it would steal SIGSEGV from HotSpot),
//!    `program_name` = the chosen executable (so a virtualenv is honoured),
//!    `PYTHONHOME` ignored if it is set (a venv there kills the process),
//!    `home` and no user site-packages for a runtime extracted from a jar;
//! 3. check that the running interpreter is the one that was chosen;
//! 4. release the GIL. `Py_Finalize` is never called.

use crate::capi::init::{self, Step};
use crate::error::{Error, Result};
use crate::gil::thread_state;
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::Mutex;

#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub executable: String,
    pub libpython: String,
    /// `sys.version` the executable reported; the embedded one must match.
    pub expected_version: String,
    /// Used as `PyConfig.home` when `PYTHONHOME` is set in the environment
    /// (so that the bad value is ignored): the base prefix of the executable.
    pub home_override: Option<String>,
    /// Start without the user's site-packages (a runtime extracted from a jar).
    pub no_user_site: bool,
    pub extra_sys_path: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InitInfo {
    pub(crate) version: String,
    pub(crate) executable: String,
    pub(crate) prefix: String,
    pub(crate) base_prefix: String,
    pub(crate) libpython: String,
}

/// The outcome of the one start attempt: once CPython has been started (even
/// if a check after start-up failed) it cannot be started again, so the
/// same answer is given to every later caller.
static STATE: Mutex<Option<Result<InitInfo>>> = Mutex::new(None);

unsafe extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}
const RTLD_LAZY: c_int = 0x0001;
const RTLD_NOLOAD: c_int = 0x0004;
const RTLD_GLOBAL: c_int = 0x0100;

fn last_dl_error() -> String {
    // SAFETY: dlerror takes no arguments; it returns NULL or a C string.
    let e = unsafe { dlerror() };
    if e.is_null() {
        return "unknown dlopen error".into();
    }
    // SAFETY: a NUL-terminated C string owned by libc, valid until the next
    // dl* call on this thread.
    unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
}

/// Re-opens the already loaded libpython with `RTLD_GLOBAL`.
fn promote_global(path: &str) -> Result<()> {
    let c = CString::new(path).map_err(|_| Error::Init(format!("bad libpython path {path:?}")))?;
    // SAFETY: valid C string; RTLD_NOLOAD only looks up an already loaded
    // object and changes its symbol scope; the handle is never closed.
    let h = unsafe { dlopen(c.as_ptr(), RTLD_LAZY | RTLD_NOLOAD | RTLD_GLOBAL) };
    if h.is_null() {
        return Err(Error::Init(format!(
            "libpython {path} is not loaded in this process ({}); the Java loader must load it first",
            last_dl_error()
        )));
    }
    Ok(())
}

/// Starts the interpreter if needed. Idempotent and safe to race: the
/// second caller gets the first caller's `InitInfo`.
pub fn initialize(opts: &InitOptions) -> Result<InitInfo> {
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(outcome) = guard.as_ref() {
        return outcome.clone();
    }
    promote_global(&opts.libpython)?;
    if init::is_initialized() {
        return Err(Error::Init(
            "a Python interpreter is already running in this process, started by another library; \
             pybridge cannot share it"
                .into(),
        ));
    }
    let outcome = start(opts);
    let started = outcome.is_ok() || init::is_initialized();
    if started {
        *guard = Some(outcome.clone());
    }
    drop(guard);
    if outcome.is_ok() {
        crate::handles::release::start_after_init();
    }
    outcome
}

pub(crate) fn info() -> Option<InitInfo> {
    STATE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .and_then(|o| o.as_ref().ok().cloned())
}

fn start(opts: &InitOptions) -> Result<InitInfo> {
    // SAFETY: the one start (under STATE's lock, after checking that no
    // interpreter runs).
    if let Err(e) = unsafe {
        init::start(
            &opts.executable,
            opts.home_override.as_deref(),
            opts.no_user_site,
        )
    } {
        let what = match e.step {
            Step::ProgramName => "setting program_name".to_string(),
            Step::Home => "setting home".to_string(),
            Step::Start => format!("CPython failed to start from {}", opts.executable),
        };
        return Err(Error::Init(format!("{what}: {}", e.detail)));
    }
    // The GIL is held by this thread now, with the main thread state.
    // SAFETY: just initialised on this thread, GIL held.
    let py = unsafe { Python::assume_attached() };
    let checked = post_init(py, opts);
    // SAFETY: called once, right after a successful init, GIL held. The
    // interpreter is only declared usable if the checks passed.
    unsafe { thread_state::adopt_main_thread_and_release(checked.is_ok()) };
    checked
}

fn post_init(py: Python<'_>, opts: &InitOptions) -> Result<InitInfo> {
    let pyerr = |e: PyErr| Error::from_pyerr(py, e);
    let sys = py.import("sys").map_err(pyerr)?;
    if !opts.extra_sys_path.is_empty() {
        let path = sys.getattr("path").map_err(pyerr)?;
        let path = path
            .cast::<PyList>()
            .map_err(|e| Error::Init(e.to_string()))?;
        for (i, p) in opts.extra_sys_path.iter().enumerate() {
            path.insert(i, p).map_err(pyerr)?;
        }
    }
    let get = |name: &str| -> Result<String> {
        sys.getattr(name)
            .and_then(|v| v.extract::<Option<String>>())
            .map(|v| v.unwrap_or_default())
            .map_err(|e| Error::from_pyerr(py, e))
    };
    crate::gil::per_interp::set_main(py);
    // Attached through pyo3 (not `assume_attached`), so that what the
    // warm-up drops is freed now rather than parked in pyo3's deferred pool,
    // which the next thread to attach, in any interpreter, would empty.
    Python::attach(warm_pyo3_interned);
    install_unraisable_hook(py).map_err(pyerr)?;
    crate::jvm::module::install(py).map_err(pyerr)?;
    install_signal_guard(py).map_err(pyerr)?;
    if let Ok(i) = sys
        .call_method0("getswitchinterval")
        .and_then(|v| v.extract::<f64>())
    {
        crate::gil::lease::set_switch_interval(i);
    }
    let info = InitInfo {
        version: get("version")?,
        executable: get("executable")?,
        prefix: get("prefix")?,
        base_prefix: get("base_prefix")?,
        libpython: opts.libpython.clone(),
    };
    if !opts.expected_version.is_empty() && info.version != opts.expected_version {
        return Err(Error::Init(format!(
            "the embedded interpreter reports version {:?} but {} reports {:?}: \
             a different libpython was loaded ({}). Point PYBRIDGE_PYTHON at a Python whose \
             shared library matches it.",
            info.version, opts.executable, opts.expected_version, opts.libpython
        )));
    }
    Ok(info)
}

/// PyO3 keeps some attribute names as process-wide interned strs (its
/// `intern!`), made by whichever interpreter asks first. Interned strs
/// belong to the interpreter that made them and die with it (CPython frees
/// a sub-interpreter's interned strs when it ends), so the main interpreter
/// makes those that pybridge's paths can reach now, before any
/// sub-interpreter exists: type names, the traceback text of an error.
fn warm_pyo3_interned(py: Python<'_>) {
    let ty = py.get_type::<pyo3::types::PyInt>();
    let _ = ty.name();
    let _ = ty.qualname();
    let _ = ty.module();
    let _ = ty.fully_qualified_name();
    let _ = ty.mro();
    let _ = ty.bases();
    if let Ok(m) = py.import("builtins") {
        let _ = m.name();
    }
    let err = py.run(c"raise ValueError('warm-up')", None, None);
    if let Err(e) = err
        && let Some(tb) = e.traceback(py)
    {
        let _ = tb.format();
    }
}

/// Keeps Python code from taking the signals HotSpot relies on (see
/// `python/pybridge/runtime/signal_guard.py`): `signal.signal` refuses them, `faulthandler.enable`
/// installs nothing. Runs after `jvm::module::install` (the `pybridge` module
/// gets `JvmSignalError`).
fn install_signal_guard(py: Python<'_>) -> PyResult<()> {
    let code = std::ffi::CString::new(include_str!(
        "../../../python/pybridge/runtime/signal_guard.py"
    ))
    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let globals = pyo3::types::PyDict::new(py);
    py.run(&code, Some(&globals), None)
}

/// Counts and logs exceptions Python cannot raise anywhere (`__del__`,
/// weakref callbacks, typically run by a release), then lets the previous
/// hook print them as usual.
#[pyo3::pyfunction]
fn pybridge_unraisable(u: &Bound<'_, PyAny>) {
    crate::stats::gil_bump(&crate::stats::RELEASE_ERRORS, 1);
    let field = |name: &str| {
        u.getattr(name)
            .and_then(|v| v.str().map(|s| s.to_string()))
            .unwrap_or_default()
    };
    let ty = u
        .getattr("exc_type")
        .ok()
        .and_then(|t| t.cast_into::<pyo3::types::PyType>().ok())
        .map(|t| crate::error::qualified_type_name(&t))
        .unwrap_or_default();
    log::warn!(
        "Python exception ignored ({}) in {}: {}: {}",
        field("err_msg"),
        field("object"),
        ty,
        field("exc_value")
    );
}

fn install_unraisable_hook(py: Python<'_>) -> PyResult<()> {
    let code = c"
def _install(counter):
    import sys
    previous = sys.unraisablehook
    def pybridge_unraisablehook(u, _previous=previous, _counter=counter):
        try:
            _counter(u)
        finally:
            _previous(u)
    sys.unraisablehook = pybridge_unraisablehook
";
    let globals = pyo3::types::PyDict::new(py);
    py.run(code, Some(&globals), None)?;
    let f = pyo3::wrap_pyfunction!(pybridge_unraisable, py)?;
    globals
        .get_item("_install")?
        .map(|i| i.call1((f,)))
        .transpose()?;
    Ok(())
}

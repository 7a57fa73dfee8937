//! Starting the interpreter (`initconfig.h`, `pylifecycle.h`) through
//! `PyConfig`.

use pyo3::ffi;
use std::ffi::CStr;

/// Whether an interpreter runs in this process (`Py_IsInitialized`).
#[inline]
pub(crate) fn is_initialized() -> bool {
    // SAFETY: a plain query, valid at any time, with or without the GIL.
    unsafe { ffi::Py_IsInitialized() != 0 }
}

/// The step of `start` that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    ProgramName,
    Home,
    Start,
}

/// Why `start` failed: the step, and CPython's message (`PyStatus`).
#[derive(Debug)]
pub(crate) struct StartError {
    pub(crate) step: Step,
    /// `err_msg`, and the function that reported it: `msg (in func)`.
    pub(crate) detail: String,
}

/// A `PyConfig`, cleared (freeing what CPython allocated in it) when dropped.
struct Config(ffi::PyConfig);

impl Drop for Config {
    fn drop(&mut self) {
        // SAFETY: a PyConfig that PyConfig_InitPythonConfig initialised.
        unsafe { ffi::PyConfig_Clear(&mut self.0) }
    }
}

/// `wchar_t` as the target defines it: signed on x86-64, unsigned on aarch64.
type WChar = libc::wchar_t;

/// A NUL-terminated wide string.
fn wide(s: &str) -> Vec<WChar> {
    s.chars()
        .map(|c| c as WChar)
        .chain(std::iter::once(0))
        .collect()
}

/// Starts CPython with no signal handlers (the JVM owns signals), no
/// `faulthandler` (it would steal SIGSEGV from HotSpot), no argument
/// parsing, C stdio left alone, no path-configuration warnings;
/// `program_name` = `program` (so that a virtualenv is honoured) and, when
/// given, `home` (so that a bad `PYTHONHOME` is ignored). On success this
/// thread holds the GIL with the main thread state.
///
/// Version-specific: the `PyConfig` fields set here.
///
/// # Safety
/// Called at most once per process, with no interpreter running.
pub(crate) unsafe fn start(
    program: &str,
    home: Option<&str>,
    no_user_site: bool,
) -> Result<(), StartError> {
    let program = wide(program);
    let home = home.map(wide);
    let mut raw = std::mem::MaybeUninit::<ffi::PyConfig>::zeroed();
    // SAFETY: `raw` is writable memory for a PyConfig, which this fully
    // initialises.
    unsafe { ffi::PyConfig_InitPythonConfig(raw.as_mut_ptr()) };
    // SAFETY: initialised just above.
    let mut cfg = Config(unsafe { raw.assume_init() });
    let c = &mut cfg.0;
    c.install_signal_handlers = 0;
    c.faulthandler = 0;
    c.parse_argv = 0;
    c.configure_c_stdio = 0;
    c.pathconfig_warnings = 0;
    if no_user_site {
        c.user_site_directory = 0;
    }
    // The config and its string fields, as CPython writes them: through
    // pointers derived from one.
    let cp: *mut ffi::PyConfig = c;
    // SAFETY: `cp` points to the live PyConfig in `cfg`; only an address is taken.
    let program_name = unsafe { &raw mut (*cp).program_name };
    // SAFETY: `cp` is an initialised PyConfig, `program_name` one of its
    // string fields, `program` a NUL-terminated wide string (CPython copies it).
    let st = unsafe { ffi::PyConfig_SetString(cp, program_name, program.as_ptr()) };
    check(st, Step::ProgramName)?;
    if let Some(h) = &home {
        // SAFETY: as above.
        let field = unsafe { &raw mut (*cp).home };
        // SAFETY: as above, for `home`.
        let st = unsafe { ffi::PyConfig_SetString(cp, field, h.as_ptr()) };
        check(st, Step::Home)?;
    }
    // SAFETY: per the contract, no interpreter runs and this is the one
    // start; `cfg` is complete (and cleared when dropped, after this).
    let st = unsafe { ffi::Py_InitializeFromConfig(&cfg.0) };
    check(st, Step::Start)
}

fn check(st: ffi::PyStatus, step: Step) -> Result<(), StartError> {
    // SAFETY: reads a status CPython returned.
    if unsafe { ffi::PyStatus_Exception(st) } == 0 {
        return Ok(());
    }
    let msg = if st.err_msg.is_null() {
        "no message".to_string()
    } else {
        // SAFETY: CPython fills err_msg with a static C string.
        unsafe { CStr::from_ptr(st.err_msg) }
            .to_string_lossy()
            .into_owned()
    };
    let func = if st.func.is_null() {
        String::new()
    } else {
        // SAFETY: as above, for the function name.
        let f = unsafe { CStr::from_ptr(st.func) };
        format!(" (in {})", f.to_string_lossy())
    };
    Err(StartError {
        step,
        detail: format!("{msg}{func}"),
    })
}

//! Interpreters (`pylifecycle.h`, `pystate.h`): creating and ending
//! sub-interpreters, and which interpreter a thread runs in.
//!
//! **Version-specific**: `new_interpreter` uses `Py_NewInterpreterFromConfig`
//! (3.12+, PEP 684: an interpreter with its own GIL) and, before 3.12,
//! `Py_NewInterpreter` (the main GIL shared); `own_gil_supported` says which.
//! The `unsafe fn`s are steps of the protocol `interpreters` keeps (which
//! thread state is current, which GIL is held).

use pyo3::Python;
use pyo3::ffi;

/// What a new interpreter may do (`PyInterpreterConfig`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    pub(crate) own_gil: bool,
    pub(crate) allow_threads: bool,
    pub(crate) allow_daemon_threads: bool,
    pub(crate) allow_fork: bool,
    pub(crate) allow_exec: bool,
}

/// Whether this CPython can give a sub-interpreter its own GIL (3.12+).
pub(crate) const fn own_gil_supported() -> bool {
    cfg!(Py_3_12)
}

/// The interpreter of the current thread state, as an address (GIL held).
#[inline]
pub(crate) fn current(_py: Python<'_>) -> usize {
    // SAFETY: the GIL is held (`py`), so there is a current thread state.
    unsafe { ffi::PyInterpreterState_Get() as usize }
}

/// The interpreter a thread state belongs to.
///
/// # Safety
/// `ts` is a live thread state.
pub(crate) unsafe fn of_thread_state(ts: *mut ffi::PyThreadState) -> usize {
    // SAFETY: per the contract.
    unsafe { ffi::PyThreadState_GetInterpreter(ts) as usize }
}

/// CPython's id of an interpreter (`PyInterpreterState_GetID`).
///
/// # Safety
/// `interp` is a live interpreter.
pub(crate) unsafe fn id(interp: usize) -> i64 {
    // SAFETY: per the contract.
    unsafe { ffi::PyInterpreterState_GetID(interp as *mut ffi::PyInterpreterState) }
}

/// Creates a sub-interpreter; on success its first thread state is current
/// (and holds its GIL). On failure the calling thread state is current
/// again and the message says why.
///
/// # Safety
/// The calling thread holds the main interpreter's GIL with its current
/// thread state.
pub(crate) unsafe fn new_interpreter(
    cfg: &Config,
) -> std::result::Result<*mut ffi::PyThreadState, String> {
    #[cfg(Py_3_12)]
    {
        let c = ffi::PyInterpreterConfig {
            use_main_obmalloc: (!cfg.own_gil) as i32,
            allow_fork: cfg.allow_fork as i32,
            allow_exec: cfg.allow_exec as i32,
            allow_threads: cfg.allow_threads as i32,
            allow_daemon_threads: cfg.allow_daemon_threads as i32,
            check_multi_interp_extensions: cfg.own_gil as i32,
            gil: if cfg.own_gil {
                ffi::PyInterpreterConfig_OWN_GIL
            } else {
                ffi::PyInterpreterConfig_SHARED_GIL
            },
        };
        let mut ts: *mut ffi::PyThreadState = std::ptr::null_mut();
        // SAFETY: per the contract; `c` and `ts` outlive the call.
        let status = unsafe { ffi::Py_NewInterpreterFromConfig(&mut ts, &c) };
        let err_msg = status.err_msg;
        // SAFETY: reads the status CPython just returned.
        let failed = unsafe { ffi::PyStatus_Exception(status) } != 0;
        if failed || ts.is_null() {
            let msg = if err_msg.is_null() {
                "Py_NewInterpreterFromConfig failed".to_string()
            } else {
                // SAFETY: CPython fills err_msg with a static C string.
                unsafe { std::ffi::CStr::from_ptr(err_msg) }
                    .to_string_lossy()
                    .into_owned()
            };
            return Err(msg);
        }
        Ok(ts)
    }
    #[cfg(not(Py_3_12))]
    {
        if cfg.own_gil {
            return Err("an interpreter with its own GIL needs Python 3.12 or later".into());
        }
        let _ = (
            cfg.allow_threads,
            cfg.allow_daemon_threads,
            cfg.allow_fork,
            cfg.allow_exec,
        );
        // SAFETY: per the contract.
        let ts = unsafe { ffi::Py_NewInterpreter() };
        if ts.is_null() {
            return Err("Py_NewInterpreter failed".into());
        }
        Ok(ts)
    }
}

/// `PyThreadState_New`: a new thread state of `interp` for this thread (not
/// current; the first one of a thread becomes its `PyGILState` state).
///
/// # Safety
/// `interp` is live.
pub(crate) unsafe fn new_thread_state(interp: usize) -> *mut ffi::PyThreadState {
    // SAFETY: per the contract.
    unsafe { ffi::PyThreadState_New(interp as *mut ffi::PyInterpreterState) }
}

/// `PyThreadState_Clear` + `PyThreadState_DeleteCurrent`: deletes the
/// current thread state and drops the GIL it held.
///
/// # Safety
/// `ts` is current on this thread and holds its interpreter's GIL; no
/// `Python` token is used afterwards.
pub(crate) unsafe fn delete_current(ts: *mut ffi::PyThreadState) {
    // SAFETY: per the contract (GIL held, `ts` current).
    unsafe { ffi::PyThreadState_Clear(ts) };
    // SAFETY: `ts` is current and cleared.
    unsafe { ffi::PyThreadState_DeleteCurrent() };
}

/// `PyThreadState_Clear` + `PyThreadState_Delete` of a thread state that is
/// not current.
///
/// # Safety
/// `ts` is live, current on no thread, runs nothing; this thread holds the
/// GIL of its interpreter (with another thread state of it).
pub(crate) unsafe fn delete_other(ts: *mut ffi::PyThreadState) {
    // SAFETY: per the contract (the interpreter's GIL is held).
    unsafe { ffi::PyThreadState_Clear(ts) };
    // SAFETY: `ts` is cleared and not current.
    unsafe { ffi::PyThreadState_Delete(ts) };
}

/// `Py_EndInterpreter`: ends the interpreter of `ts` (and every thread
/// state it still has); no GIL is held afterwards.
///
/// **Version-specific**: before 3.12, `Py_EndInterpreter` returns with the
/// (shared) GIL still held and no thread state current: it is dropped here.
///
/// # Safety
/// `ts` is current, holds its interpreter's GIL, runs no Python frame, and
/// is the interpreter's only thread state; its interpreter is not the main one.
pub(crate) unsafe fn end_interpreter(ts: *mut ffi::PyThreadState) {
    // SAFETY: per the contract.
    unsafe { ffi::Py_EndInterpreter(ts) };
    #[cfg(not(Py_3_12))]
    {
        // The GIL is held with no current thread state: a thread state of
        // the main interpreter is made current and deleted, which drops the
        // GIL the documented way.
        // SAFETY: the main interpreter lives for the life of the process.
        let main = unsafe { ffi::PyInterpreterState_Main() };
        // SAFETY: `main` is live; the GIL need not be held.
        let tmp = unsafe { ffi::PyThreadState_New(main) };
        // SAFETY: this thread holds the GIL and has no current thread state.
        unsafe { ffi::PyThreadState_Swap(tmp) };
        // SAFETY: `tmp` is current and holds the GIL.
        unsafe { delete_current(tmp) };
    }
}

/// Whether a type is a heap type (made at run time, so owned by one
/// interpreter), rather than a static type shared by all of them.
pub(crate) fn is_heap_type(ty: &pyo3::Bound<'_, pyo3::types::PyType>) -> bool {
    // SAFETY: `ty` is a live type object (the GIL is held: `Bound`).
    let flags = unsafe { ffi::PyType_GetFlags(ty.as_ptr() as *mut ffi::PyTypeObject) };
    flags & ffi::Py_TPFLAGS_HEAPTYPE != 0
}

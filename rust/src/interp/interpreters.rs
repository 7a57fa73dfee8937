//! Sub-interpreters: creating one on the calling thread, which becomes its
//! thread, and ending it there.
//!
//! Each sub-interpreter is bound to one JVM thread (the Java side's
//! `Interpreter` worker), which holds its only thread state for the
//! interpreter's whole life, registered as the thread's `PyGILState` state:
//! the per-call paths (`call::with_gil_as`, pyo3's `Python::attach`) then
//! take *that* interpreter's GIL with no change, and no thread ever switches
//! between interpreters (a thread state of one interpreter made current
//! while another's objects are in use is how embedders crash). The thread
//! runs no lease, no call gate and no release thread: it has the
//! interpreter to itself, and releases that interpreter's collected handles
//! itself (`release::drain_if_caller_policy`).
//!
//! Creating (`create`), with no thread state on this thread yet:
//!
//! 1. a temporary thread state of the main interpreter takes the main GIL
//!    (CPython creates interpreters from a current thread state);
//! 2. `Py_NewInterpreterFromConfig` (3.12+; `Py_NewInterpreter` before)
//!    makes the interpreter and its first thread state;
//! 3. the main interpreter's thread state is deleted (the main GIL with
//!    it), so the thread has none that `PyGILState` knows;
//! 4. a new thread state of the sub-interpreter is made for this thread:
//!    being the thread's only one, CPython registers it as the thread's
//!    `PyGILState` state on every supported version (checked, else
//!    refused); then the first one (step 2) is deleted (made first: CPython
//!    reuses an interpreter's static first thread state when it has none
//!    left, and aborts if that one was used before);
//! 5. the interpreter's per-interpreter state is set up (the `pybridge`
//!    module, `sys.path`).
//!
//! Ending (`end`), on the same thread: refused while the interpreter has
//! other thread states (its Python threads run); otherwise every handle
//! and cached object of the interpreter is released with its GIL
//! (`handles::release_all_current`, `per_interp::clear_current`), then
//! `Py_EndInterpreter`.

use crate::capi::interp::{self as cinterp, Config};
use crate::capi::threads;
use crate::error::{Error, Result};
use crate::gil::{per_interp, thread_state};
use crate::handles::release;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// A sub-interpreter just created on this thread.
pub(crate) struct Created {
    /// pybridge's index of it (bits of its handles' slots).
    pub(crate) index: usize,
    /// CPython's id of it.
    pub(crate) id: i64,
}

/// Creates a sub-interpreter bound to this thread (see the module docs).
pub(crate) fn create(cfg: &Config, sys_path: &[String]) -> Result<Created> {
    if cfg.own_gil && !cinterp::own_gil_supported() {
        return Err(Error::IllegalState(
            "an isolated interpreter with its own GIL needs Python 3.12 or later (PEP 684); this \
             native library is built for an older Python. Use an interpreter that shares the main \
             GIL (InterpreterConfig.shared()): it isolates modules and sys.path, but runs one \
             thread of Python at a time with the main interpreter"
                .into(),
        ));
    }
    thread_state::claim_for_sub()?;
    let Some(index) = per_interp::reserve() else {
        thread_state::set_sub_state(std::ptr::null_mut());
        return Err(Error::IllegalState(format!(
            "{} sub-interpreters are open already: close some first",
            per_interp::MAX - 1
        )));
    };
    let made = make_on_this_thread(cfg);
    let (ts, interp) = match made {
        Ok(x) => x,
        Err(e) => {
            per_interp::free(index);
            thread_state::set_sub_state(std::ptr::null_mut());
            return Err(e);
        }
    };
    per_interp::bind(index, interp);
    release::open_sub(index);
    thread_state::set_sub_state(ts);
    // SAFETY: `interp` is live (its thread state `ts` is).
    let id = unsafe { cinterp::id(interp) };
    let setup = crate::gil::stack::run_python(|| Python::attach(|py| setup(py, cfg, sys_path)))
        .map_err(|_| Error::stack_exhausted(crate::gil::stack::ALT_SIZE >> 20))
        .and_then(|r| r);
    if let Err(e) = setup {
        // Not usable: ended again, as a close would.
        let _ = end();
        return Err(e);
    }
    Ok(Created { index, id })
}

/// Steps 1-4 of the module docs: the sub-interpreter's thread state for
/// this thread (registered, GIL not held) and its interpreter.
fn make_on_this_thread(cfg: &Config) -> Result<(*mut crate::capi::PyThreadState, usize)> {
    // The main GIL is taken in turn with JVM callers while leases are open
    // (see lease::internal_waiter); the turn ends once it is given back.
    let mut turn = crate::gil::lease::internal_waiter();
    // SAFETY: the interpreter is up (`claim_for_sub` checked) and this
    // thread has no thread state: this creates one and takes the main GIL.
    let _g = unsafe { threads::gilstate_ensure() };
    turn.had_gil();
    // pyo3 frees the references it deferred (dropped without the GIL) at
    // the next attach of any thread: here, in the main interpreter, they
    // belong to, and not at this thread's first attach in the new one. (No
    // pybridge path defers a reference: architecture promise 5.)
    Python::attach(|py| {
        if cfg.own_gil {
            prime_single_phase_modules(py);
        }
    });
    // SAFETY: as above; it reads this thread's registered state.
    let main_ts = unsafe { threads::this_thread_state() };
    // SAFETY: this thread holds the main GIL with `main_ts`, current.
    let made = unsafe { cinterp::new_interpreter(cfg) };
    let sub_ts = match made {
        Ok(ts) => ts,
        Err(m) => {
            // CPython made `main_ts` current again, with the main GIL.
            // SAFETY: `main_ts` is current and holds the main GIL.
            unsafe { cinterp::delete_current(main_ts) };
            drop(turn);
            return Err(Error::IllegalState(format!(
                "CPython could not create the interpreter: {m}"
            )));
        }
    };
    // SAFETY: `sub_ts` is live (just made).
    let interp = unsafe { cinterp::of_thread_state(sub_ts) };
    // SAFETY: `sub_ts` is current and holds the new interpreter's GIL (its
    // own, or the main one it shares); no token of it is used.
    let saved = unsafe { threads::save_thread() };
    debug_assert_eq!(saved, sub_ts);
    // SAFETY: `main_ts` is this thread's, not current; no GIL is held.
    unsafe { threads::restore_thread(main_ts) };
    // SAFETY: `main_ts` is current with the main GIL; no token is used.
    unsafe { cinterp::delete_current(main_ts) };
    drop(turn);
    // This thread has no registered thread state now: the next one made is
    // registered. Made while `sub_ts` still exists (CPython reuses an
    // interpreter's static initial thread state when it has none, and
    // refuses it when it was used before).
    // SAFETY: `interp` is live (`sub_ts` is).
    let ts = unsafe { cinterp::new_thread_state(interp) };
    // SAFETY: the interpreter is initialised; reads thread-specific storage.
    let registered = unsafe { threads::this_thread_state() };
    if ts.is_null() {
        // SAFETY: `sub_ts` is this thread's, not current; no GIL held.
        unsafe { threads::restore_thread(sub_ts) };
        // SAFETY: current, with the GIL, no frame, the only thread state.
        unsafe { cinterp::end_interpreter(sub_ts) };
        return Err(Error::IllegalState(
            "CPython could not make a thread state for the new interpreter".into(),
        ));
    }
    // SAFETY: `ts` is this thread's, not current; no GIL is held.
    unsafe { threads::restore_thread(ts) };
    // SAFETY: the GIL of `sub_ts`'s interpreter is held (by `ts`); `sub_ts`
    // is not current on any thread and runs nothing.
    unsafe { cinterp::delete_other(sub_ts) };
    if registered != ts {
        // SAFETY: `ts` is current, holds the GIL, runs no frame, and is the
        // interpreter's only thread state.
        unsafe { cinterp::end_interpreter(ts) };
        return Err(Error::IllegalState(
            "this CPython did not register the sub-interpreter's thread state for its thread \
             (PyGILState); pybridge cannot run it safely"
                .into(),
        ));
    }
    // SAFETY: `ts` is current with the GIL; no token of it is used.
    unsafe { threads::save_thread() };
    Ok((ts, interp))
}

/// Standard-library extension modules that still use single-phase init in
/// CPython 3.12 (and are harmless to import: no terminal, no GUI).
const SINGLE_PHASE_STDLIB: &[&str] = &[
    "_decimal",
    "_datetime",
    "_ctypes",
    "_elementtree",
    "_multibytecodec",
    "_lsprof",
    "_testbuffer",
];

/// CPython 3.12 refuses a single-phase-init extension module in an isolated
/// interpreter only after calling its init function, whose process-wide side
/// effects (static types readied, globals set to objects of that
/// interpreter) then outlive the refusal: two isolated interpreters
/// importing `decimal` at once crash in `_decimal`'s init
/// (cpython#110411's review, and ninia/jep#599). An extension module the main
/// interpreter imported already is refused without calling it. So, before
/// the first isolated interpreter, the main interpreter imports the
/// standard library's single-phase modules (each once; one that is missing
/// is skipped); `decimal` and `datetime` then fall back to their pure-Python
/// versions in isolated interpreters, as CPython means them to.
fn prime_single_phase_modules(py: Python<'_>) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return;
    }
    for m in SINGLE_PHASE_STDLIB {
        let _ = py.import(*m);
    }
}

/// Step 5: the interpreter's own `pybridge` module, the options CPython
/// does not enforce before 3.12 (`sub_options`) and `sys.path`.
fn setup(py: Python<'_>, cfg: &Config, sys_path: &[String]) -> Result<()> {
    crate::jvm::module::install(py).map_err(|e| Error::from_pyerr(py, e))?;
    super::sub_options::install(py, cfg).map_err(|e| Error::from_pyerr(py, e))?;
    if !sys_path.is_empty() {
        let path = py
            .import("sys")
            .and_then(|s| s.getattr("path"))
            .and_then(|p| p.cast_into::<PyList>().map_err(PyErr::from))
            .map_err(|e| Error::from_pyerr(py, e))?;
        for (i, p) in sys_path.iter().enumerate() {
            path.insert(i, p).map_err(|e| Error::from_pyerr(py, e))?;
        }
    }
    Ok(())
}

/// Ends the sub-interpreter of this thread (see the module docs).
pub(crate) fn end() -> Result<()> {
    let Some(ts) = thread_state::sub_state() else {
        return Err(Error::IllegalState(
            "this thread runs no pybridge sub-interpreter (it was closed already)".into(),
        ));
    };
    let index = crate::gil::stack::run_python(|| {
        Python::attach(|py| -> Result<usize> {
            let others = threads::thread_state_count(py) - 1;
            if others > 0 {
                return Err(Error::IllegalState(format!(
                    "the interpreter cannot be closed while its own Python threads run \
                     ({others} thread(s) still alive): stop them (join them) first, then close it"
                )));
            }
            let index = per_interp::current(py);
            release::discard_sub(index);
            crate::handles::release_all_current(py);
            per_interp::clear_current(py);
            Ok(index)
        })
    })
    .map_err(|_| Error::stack_exhausted(crate::gil::stack::ALT_SIZE >> 20))??;
    // SAFETY: `ts` is this thread's sub-interpreter state, not current
    // (the attach above ended); no GIL is held.
    unsafe { threads::restore_thread(ts) };
    // SAFETY: `ts` is current with its interpreter's GIL, runs no frame
    // (no call is in progress on this thread), and is the interpreter's
    // only thread state (checked above, with its GIL, which no other thread
    // could take since: the interpreter has no other thread state).
    unsafe { cinterp::end_interpreter(ts) };
    thread_state::set_sub_state(std::ptr::null_mut());
    per_interp::free(index);
    Ok(())
}

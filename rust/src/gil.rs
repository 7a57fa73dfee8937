//! Thread states and holding the GIL across several JNI calls.
//!
//! * Every JVM thread that calls in gets one Python thread state, created on
//!   its first call and kept ("pinned") until the thread ends: creating and
//!   destroying one per call costs ~5 µs and loses `threading.local`. A
//!   thread-local destructor frees it when the JVM thread exits.
//! * Per call, pyo3's `Python::attach` takes the GIL (`PyGILState_Ensure`
//!   finds the pinned state, so this is a cheap `PyEval_RestoreThread`).
//! * `acquire()` / `release()` hold the GIL across calls (`Python.acquireGil`,
//!   `withGil`); they nest. While it is held, `Python::attach` inside a call
//!   finds the GIL already held by this thread and only bumps counters, so
//!   releases stay immediate (pyo3's deferred pool is never used).
//!
//! Threads Python itself created (a `threading.Thread` calling into Java
//! and back) are "foreign": their state belongs to Python and is left alone.

use crate::error::{Error, Result};
use crate::stats;
use pyo3::ffi;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Not looked at yet.
    Unknown,
    /// pybridge created this thread state and frees it at thread exit.
    Owned,
    /// The thread that started the interpreter: its state is Python's main
    /// thread state and is never freed.
    Main,
    /// Python owns this thread's state (a thread Python started).
    Foreign,
}

struct Pin {
    kind: Cell<Kind>,
    tstate: Cell<*mut ffi::PyThreadState>,
    /// Nesting depth of `acquire()` on this thread.
    held: Cell<u32>,
    /// What the outermost `acquire()`'s `PyGILState_Ensure` returned.
    held_state: Cell<ffi::PyGILState_STATE>,
    /// Thread state saved by `suspend()` (`releaseGilWhile`).
    suspended: Cell<*mut ffi::PyThreadState>,
}

impl Drop for Pin {
    fn drop(&mut self) {
        if !INTERPRETER_UP.load(Ordering::Acquire) {
            return;
        }
        let held = self.held.get();
        if held > 0 {
            stats::GIL_ABANDONED.fetch_add(1, Ordering::Relaxed);
            log::error!(
                "a thread ended while holding the GIL through acquireGil() ({held} level(s) not closed); \
                 pybridge released it so that other threads can go on"
            );
            let saved = self.suspended.replace(std::ptr::null_mut());
            // SAFETY: this thread took the GIL with PyGILState_Ensure in
            // `acquire()`; if it was suspended, restore it first so that the
            // release below runs with the GIL held, as the API requires.
            unsafe {
                if !saved.is_null() {
                    ffi::PyEval_RestoreThread(saved);
                }
                ffi::PyGILState_Release(self.held_state.get());
            }
            self.held.set(0);
        }
        if self.kind.get() == Kind::Owned {
            let ts = self.tstate.get();
            // SAFETY: `ts` is the thread state PyGILState_Ensure created for
            // this thread in `pin_now`, with gilstate counter 1 and the GIL
            // released. Restoring it and releasing the last gilstate count
            // makes CPython clear and delete it (and release the GIL).
            unsafe {
                ffi::PyEval_RestoreThread(ts);
                ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_UNLOCKED);
            }
            stats::THREAD_STATES.fetch_sub(1, Ordering::Relaxed);
            stats::THREAD_STATES_FREED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

thread_local! {
    static PIN: Pin = const {
        Pin {
            kind: Cell::new(Kind::Unknown),
            tstate: Cell::new(std::ptr::null_mut()),
            held: Cell::new(0),
            held_state: Cell::new(ffi::PyGILState_STATE::PyGILState_UNLOCKED),
            suspended: Cell::new(std::ptr::null_mut()),
        }
    };
}

/// Set once the interpreter is up; thread-exit destructors do nothing before.
static INTERPRETER_UP: AtomicBool = AtomicBool::new(false);

pub fn interpreter_up() -> bool {
    INTERPRETER_UP.load(Ordering::Acquire)
}

/// Called by `runtime` on the thread that just started the interpreter, with
/// the GIL held: records the main thread state and releases the GIL;
/// `usable` = the post-start checks passed (otherwise calls keep failing).
///
/// # Safety
/// Must be called exactly once, right after a successful
/// `Py_InitializeFromConfig` on this thread, with the GIL held.
pub unsafe fn adopt_main_thread_and_release(usable: bool) {
    // SAFETY: caller guarantees the GIL is held by this thread.
    let ts = unsafe { ffi::PyEval_SaveThread() };
    PIN.with(|p| {
        p.kind.set(Kind::Main);
        p.tstate.set(ts);
    });
    stats::THREAD_STATES.fetch_add(1, Ordering::Relaxed);
    if usable {
        INTERPRETER_UP.store(true, Ordering::Release);
    }
}

/// Makes sure this thread has a kept Python thread state. Cheap after the
/// first call (one thread-local read).
#[inline]
pub fn ensure_pinned() {
    let _ = PIN.try_with(|p| {
        if p.kind.get() == Kind::Unknown {
            pin_now(p);
        }
    });
}

#[cold]
fn pin_now(p: &Pin) {
    if !interpreter_up() {
        return;
    }
    // SAFETY: the interpreter is initialised (checked above) and never
    // finalised; these calls are valid from any thread.
    unsafe {
        if !ffi::PyGILState_GetThisThreadState().is_null() {
            // Python already knows this thread (it started it, or someone
            // else registered it): not ours to keep or free.
            p.kind.set(Kind::Foreign);
            return;
        }
        let g = ffi::PyGILState_Ensure();
        debug_assert_eq!(g, ffi::PyGILState_STATE::PyGILState_UNLOCKED);
        // Keep the gilstate count at 1 (the state survives) but let go of
        // the GIL until the first real call.
        let ts = ffi::PyEval_SaveThread();
        p.tstate.set(ts);
        p.kind.set(Kind::Owned);
    }
    stats::THREAD_STATES.fetch_add(1, Ordering::Relaxed);
}

/// Holds the GIL on this thread until the matching `release()`; nests.
pub fn acquire() -> Result<()> {
    if !interpreter_up() {
        return Err(Error::Init("Python is not initialized".into()));
    }
    ensure_pinned();
    PIN.try_with(|p| {
        if !p.suspended.get().is_null() {
            return Err(Error::IllegalState(
                "acquireGil() inside releaseGilWhile(): the GIL is deliberately released here"
                    .into(),
            ));
        }
        if p.held.get() == 0 {
            // SAFETY: interpreter is up; PyGILState_Ensure is valid on any
            // thread and is matched by PyGILState_Release in `release()` or
            // in the thread-exit destructor.
            let g = unsafe { ffi::PyGILState_Ensure() };
            p.held_state.set(g);
        }
        p.held.set(p.held.get() + 1);
        Ok(())
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))?
}

/// Ends one level of `acquire()`. Returns the depth left.
pub fn release() -> Result<u32> {
    PIN.try_with(|p| {
        let h = p.held.get();
        if h == 0 {
            return Err(Error::IllegalState(
                "the GIL is not held by this thread through acquireGil()/withGil() \
                 (closed twice, or closed on another thread)"
                    .into(),
            ));
        }
        if !p.suspended.get().is_null() {
            return Err(Error::IllegalState(
                "cannot release the GIL inside releaseGilWhile()".into(),
            ));
        }
        if h == 1 {
            // SAFETY: matches the PyGILState_Ensure of the outermost acquire
            // on this same thread.
            unsafe { ffi::PyGILState_Release(p.held_state.get()) };
        }
        p.held.set(h - 1);
        Ok(h - 1)
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))?
}

/// Depth of `acquire()` on this thread (0 = not held explicitly).
pub fn held_depth() -> u32 {
    PIN.try_with(|p| p.held.get()).unwrap_or(0)
}

/// Lets other threads run while this thread, which holds the GIL through
/// `acquire()`, blocks on Java work. Must be paired with `resume()`.
pub fn suspend() -> Result<bool> {
    PIN.try_with(|p| {
        if p.held.get() == 0 || !p.suspended.get().is_null() {
            return Ok(false);
        }
        // SAFETY: the GIL is held by this thread (held > 0, not suspended).
        let ts = unsafe { ffi::PyEval_SaveThread() };
        p.suspended.set(ts);
        Ok(true)
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))?
}

pub fn resume() -> Result<()> {
    PIN.try_with(|p| {
        let ts = p.suspended.replace(std::ptr::null_mut());
        if !ts.is_null() {
            // SAFETY: `ts` was returned by PyEval_SaveThread on this thread.
            unsafe { ffi::PyEval_RestoreThread(ts) };
        }
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))
}

/// Number of thread states in the interpreter (walks CPython's list; GIL held).
pub fn interpreter_thread_states(_py: pyo3::Python<'_>) -> i64 {
    let mut n = 0;
    // SAFETY: the GIL is held (token); the thread-state list is stable while
    // we hold it.
    unsafe {
        let interp = ffi::PyInterpreterState_Get();
        let mut ts = ffi::PyInterpreterState_ThreadHead(interp);
        while !ts.is_null() {
            n += 1;
            ts = ffi::PyThreadState_Next(ts);
        }
    }
    n
}

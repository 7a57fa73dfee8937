//! Python thread states for JVM threads, and the GIL a thread holds with
//! its own.
//!
//! * Every JVM thread that calls in gets one Python thread state, created on
//!   its first call and kept ("pinned") until the thread ends: creating and
//!   destroying one per call costs ~5 µs and loses `threading.local`. A
//!   thread-local destructor frees it when the JVM thread exits.
//! * Per call, pyo3's `Python::attach` takes the GIL (`PyGILState_Ensure`
//!   finds the pinned state, so this is a cheap `PyEval_RestoreThread`), or
//!   `call::with_gil_raw` restores the pinned state itself (the hottest paths).
//! * `acquire()` / `release()` hold the GIL across calls (`Python.acquireGil`,
//!   `withGil`: a platform thread's lease); they nest. While it is held,
//!   `Python::attach` inside a call finds the GIL already held by this
//!   thread and only bumps counters, so releases stay immediate (pyo3's
//!   deferred pool is never used). `suspend()` / `resume()` let it go
//!   meanwhile (`releaseGilWhile`).
//!
//! Threads Python itself created (a `threading.Thread` calling into Java
//! and back) are "foreign": their state belongs to Python and is left alone.
//!
//! Why a platform lease's GIL holding is here and not in `lease`: its depth,
//! its `PyGILState` and a suspended state are fields of the same
//! thread-local as the pinned thread state (`Pin`), so that the per-call
//! paths (`raw_entry`, `gate_eligible`) read all they need with one
//! thread-local lookup (each costs 3–5 ns in this `dlopen`ed library), and
//! so that one thread-exit destructor ends an abandoned lease before it
//! frees the thread state. `lease` keeps the protocol (which lease may run
//! Java code with exclusive use of Python), which needs no thread state.
//! The call gate, in front of the GIL for the per-call paths, is `gate`.

use crate::capi::PyThreadState;
use crate::capi::threads::{self, GilState};
use crate::error::{Error, Result};
use crate::stats;
use pyo3::Python;
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
    /// The thread of a pybridge sub-interpreter (`interpreters`): its only
    /// thread state is that interpreter's, registered as its `PyGILState`
    /// state, so that `Python::attach` takes that interpreter's GIL. It
    /// never runs the main interpreter, holds no lease, passes no gate.
    Sub,
}

struct Pin {
    kind: Cell<Kind>,
    tstate: Cell<*mut PyThreadState>,
    /// Nesting depth of `acquire()` on this thread.
    held: Cell<u32>,
    /// What the outermost `acquire()`'s `PyGILState_Ensure` returned.
    held_state: Cell<GilState>,
    /// Thread state saved by `suspend()` (`releaseGilWhile`).
    suspended: Cell<*mut PyThreadState>,
    /// Without a GIL: the critical section this thread's platform lease
    /// holds in its place (`lease::section`), from the outermost `acquire`
    /// to the matching `release` (or the thread's end).
    #[cfg(Py_GIL_DISABLED)]
    lease_section: std::cell::RefCell<Option<crate::gil::lease::section::Section>>,
}

impl Pin {
    /// Ends this thread's lease section, if it holds one.
    ///
    /// # Safety
    ///
    /// This thread is attached through its lease (`held > 0`, not
    /// suspended) and outside any call (no section begun since).
    #[cfg(Py_GIL_DISABLED)]
    unsafe fn end_lease_section(&self) {
        if let Some(s) = self.lease_section.borrow_mut().take() {
            // SAFETY: as the caller guarantees; `s` was begun on this thread.
            unsafe { crate::gil::lease::section::end(s) };
        }
    }
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
            if !saved.is_null() {
                // SAFETY: `saved` is this thread's state, saved by `suspend()`:
                // restored first, so that the release below runs with the GIL
                // held, as the API requires.
                unsafe { threads::restore_thread(saved) };
            }
            crate::gil::lease::platform_released(self as *const Pin as u64);
            // SAFETY: the GIL (attachment) of the lease is held again
            // (restored above if it was suspended), and the thread is ending
            // outside any call.
            #[cfg(Py_GIL_DISABLED)]
            unsafe {
                self.end_lease_section()
            };
            // SAFETY: this thread took the GIL with `gilstate_ensure` in
            // `acquire()`, and holds it.
            unsafe { threads::gilstate_release(self.held_state.get()) };
            self.held.set(0);
        }
        if self.kind.get() == Kind::Sub && !self.tstate.get().is_null() {
            // The Java side ends an interpreter on its thread before the
            // thread ends; a thread that died without doing so leaves it
            // (and its objects) allocated, never half-ended.
            log::error!(
                "the thread of a pybridge sub-interpreter ended without closing it; the interpreter is left allocated"
            );
            return;
        }
        if self.kind.get() == Kind::Owned {
            // Takes the GIL: in turn with the JVM callers while leases are
            // open (see lease::internal_waiter); dropped after it is given back.
            let mut turn = crate::gil::lease::internal_waiter();
            let ts = self.tstate.get();
            // SAFETY: `ts` is the thread state `gilstate_ensure` created for
            // this thread in `pin_now`, with gilstate counter 1 and the GIL
            // released.
            unsafe { threads::restore_thread(ts) };
            turn.had_gil();
            // SAFETY: releasing the last gilstate count of that state, with
            // the GIL held, makes CPython clear and delete it (and drop the GIL).
            unsafe { threads::gilstate_release(threads::UNLOCKED) };
            drop(turn);
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
            held_state: Cell::new(threads::UNLOCKED),
            suspended: Cell::new(std::ptr::null_mut()),
            #[cfg(Py_GIL_DISABLED)]
            lease_section: std::cell::RefCell::new(None),
        }
    };
}

/// Set once the interpreter is up; thread-exit destructors do nothing before.
static INTERPRETER_UP: AtomicBool = AtomicBool::new(false);

pub(crate) fn interpreter_up() -> bool {
    INTERPRETER_UP.load(Ordering::Acquire)
}

/// Called by `runtime` on the thread that just started the interpreter, with
/// the GIL held: records the main thread state and releases the GIL;
/// `usable` = the post-start checks passed (otherwise calls keep failing).
///
/// # Safety
/// Must be called exactly once, right after a successful
/// `Py_InitializeFromConfig` on this thread, with the GIL held.
pub(crate) unsafe fn adopt_main_thread_and_release(usable: bool) {
    // SAFETY: the caller guarantees that this thread holds the GIL, and
    // uses no `Python` token of it afterwards.
    let ts = unsafe { threads::save_thread() };
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
pub(crate) fn ensure_pinned() {
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
    // finalised.
    if !unsafe { threads::this_thread_state() }.is_null() {
        // Python already knows this thread (it started it, or someone
        // else registered it): not ours to keep or free.
        p.kind.set(Kind::Foreign);
        return;
    }
    // SAFETY: as above; this thread has no thread state, so this creates
    // one; its count is released in the thread-exit destructor.
    let g = unsafe { threads::gilstate_ensure() };
    debug_assert_eq!(g, threads::UNLOCKED);
    // Keep the gilstate count at 1 (the state survives) but let go of
    // the GIL until the first real call.
    // SAFETY: the GIL was just taken by this thread; no token of it is used.
    let ts = unsafe { threads::save_thread() };
    p.tstate.set(ts);
    p.kind.set(Kind::Owned);
    stats::THREAD_STATES.fetch_add(1, Ordering::Relaxed);
}

/// This thread's platform lease token (see `lease`): the address of its
/// thread-local pin, which identifies the thread even inside its thread-exit
/// destructor, where `std::thread::current()` is no longer available.
pub(crate) fn my_token() -> u64 {
    PIN.try_with(|p| p as *const Pin as u64).unwrap_or(0)
}

/// Holds the GIL on this thread until the matching `release()`; nests.
/// `thread_name` names the lease in diagnostics. The outermost acquisition
/// is refused with `LeaseBusy` (the Java side waits and tries again) while
/// another lease runs Java code.
pub(crate) fn acquire_named(thread_name: &str) -> Result<()> {
    let outermost = held_depth() == 0;
    // Dropped last: after a refused acquisition has given the GIL back.
    let mut waited = if outermost {
        Some(crate::gil::lease::platform_may_acquire()?)
    } else {
        None
    };
    acquire()?;
    // Without a GIL, the lease's own exclusion (lease::section), taken
    // before the lease claims the right to run Java code.
    #[cfg(Py_GIL_DISABLED)]
    if outermost {
        // SAFETY: `acquire()` attached this thread (held > 0).
        let mut s = Some(crate::gil::lease::section::begin(unsafe {
            Python::assume_attached()
        }));
        let _ = PIN.try_with(|p| *p.lease_section.borrow_mut() = s.take());
        if let Some(s) = s {
            // The pin is gone (the thread is ending): not kept, ended now.
            // SAFETY: begun just above on this attached thread.
            unsafe { crate::gil::lease::section::end(s) };
        }
    }
    if let Some(waited) = waited.as_mut()
        && let Err(e) = crate::gil::lease::platform_acquired(my_token(), thread_name, waited)
    {
        // A virtual thread's lease started before this thread got the GIL.
        // `release()` ends the section (held == 1).
        release()?;
        return Err(e);
    }
    Ok(())
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
            // SAFETY: the interpreter is up; matched by `gilstate_release`
            // in `release()` or in the thread-exit destructor.
            let g = unsafe { threads::gilstate_ensure() };
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
            crate::gil::lease::platform_released(p as *const Pin as u64);
            // SAFETY: held == 1 and not suspended: attached through the
            // lease; a lease ends between calls.
            #[cfg(Py_GIL_DISABLED)]
            unsafe {
                p.end_lease_section()
            };
            // SAFETY: matches the `gilstate_ensure` of the outermost acquire
            // on this same thread.
            unsafe { threads::gilstate_release(p.held_state.get()) };
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
pub(crate) fn suspend() -> Result<bool> {
    PIN.try_with(|p| {
        if p.held.get() == 0 || !p.suspended.get().is_null() {
            return Ok(false);
        }
        // Other threads may take the GIL now: they must not wait for this lease.
        crate::gil::lease::platform_suspended(p as *const Pin as u64);
        // SAFETY: the GIL is held by this thread (held > 0, not suspended);
        // no token of it is used until `resume()`.
        let ts = unsafe { threads::save_thread() };
        p.suspended.set(ts);
        Ok(true)
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))?
}

pub(crate) fn resume() -> Result<()> {
    PIN.try_with(|p| {
        let ts = p.suspended.replace(std::ptr::null_mut());
        if !ts.is_null() {
            // SAFETY: `ts` was returned by `save_thread` on this thread.
            unsafe { threads::restore_thread(ts) };
            // SAFETY: the GIL is held again by this thread.
            let py = unsafe { Python::assume_attached() };
            crate::gil::lease::platform_resumed(py, p as *const Pin as u64);
        }
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))
}

/// Number of thread states in the interpreter (walks CPython's list; GIL held).
pub(crate) fn interpreter_thread_states(py: pyo3::Python<'_>) -> i64 {
    threads::thread_state_count(py)
}

/// For `call::with_gil_raw`: on a thread pybridge pinned (or the main
/// thread) that holds no `releaseGilWhile`, the thread state to restore and
/// a zero token, or, when a lease holds the GIL on this thread, a null state
/// and the thread's platform token; `None` when the raw path does not serve
/// this thread.
#[inline]
pub(crate) fn raw_entry() -> Option<(*mut PyThreadState, u64)> {
    PIN.try_with(|p| {
        if !matches!(p.kind.get(), Kind::Owned | Kind::Main) || !p.suspended.get().is_null() {
            return None;
        }
        if p.held.get() > 0 {
            // A lease holds the GIL on this thread.
            return Some((std::ptr::null_mut(), p as *const Pin as u64));
        }
        let ts = p.tstate.get();
        (!ts.is_null()).then_some((ts, 0))
    })
    .ok()
    .flatten()
}

/// Whether this thread's per-call sections may use the call gate (see
/// `gate`): a JVM thread whose thread state pybridge pinned, holding no
/// lease. One thread-local lookup; asked only when the gate is on.
#[inline]
pub fn gate_eligible() -> bool {
    PIN.try_with(|p| {
        matches!(p.kind.get(), Kind::Owned | Kind::Main)
            && p.held.get() == 0
            && p.suspended.get().is_null()
    })
    .unwrap_or(false)
}

/// Makes this thread the thread of a sub-interpreter about to be created:
/// it must not run Python yet (no thread state of its own, no lease).
pub(crate) fn claim_for_sub() -> Result<()> {
    if !interpreter_up() {
        return Err(Error::Init(
            "Python is not initialized: call Python.initialize() first".into(),
        ));
    }
    PIN.try_with(|p| {
        // SAFETY: the interpreter is initialised (checked above).
        let known = !unsafe { threads::this_thread_state() }.is_null();
        if p.kind.get() != Kind::Unknown || known || p.held.get() != 0 {
            return Err(Error::IllegalState(
                "a sub-interpreter needs a thread of its own that has not run Python yet".into(),
            ));
        }
        p.kind.set(Kind::Sub);
        Ok(())
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))?
}

/// Records the sub-interpreter thread state of this thread (null: none
/// any more, after its interpreter ended or failed to start).
pub(crate) fn set_sub_state(ts: *mut PyThreadState) {
    let _ = PIN.try_with(|p| {
        p.tstate.set(ts);
        if ts.is_null() {
            // Ended: the thread may run the main interpreter again.
            p.kind.set(Kind::Unknown);
        }
    });
}

/// This thread's sub-interpreter thread state, if it is a sub-interpreter's thread.
pub(crate) fn sub_state() -> Option<*mut PyThreadState> {
    PIN.try_with(|p| {
        (p.kind.get() == Kind::Sub && !p.tstate.get().is_null()).then(|| p.tstate.get())
    })
    .ok()
    .flatten()
}

/// Whether this thread is a sub-interpreter's thread (one thread-local read).
#[inline]
pub(crate) fn bound_to_sub() -> bool {
    PIN.try_with(|p| p.kind.get() == Kind::Sub).unwrap_or(false)
}

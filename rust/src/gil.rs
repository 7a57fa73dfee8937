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
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
    /// The lease holder name, put aside while suspended.
    suspended_holder: Cell<Option<String>>,
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
            let _ = clear_holder(self as *const Pin as usize);
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
            suspended_holder: Cell::new(None),
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

/// Who holds the GIL through `acquire()` (a lease), for diagnostics.
struct Holder {
    /// Address of the holder thread's `Pin` (a thread-local): identifies the
    /// thread even inside its thread-exit destructor, where
    /// `std::thread::current()` is no longer available.
    thread: usize,
    name: String,
    since: Instant,
}

static HOLDER: Mutex<Option<Holder>> = Mutex::new(None);
/// Fast check: is any lease held (by any thread)?
static HOLDER_PRESENT: AtomicBool = AtomicBool::new(false);
/// How long a call waits for a GIL held by another thread's lease before it
/// fails with a clear error instead of hanging (0 = wait forever).
static LEASE_WAIT_MS: AtomicU64 = AtomicU64::new(60_000);

pub fn set_lease_wait(ms: u64) {
    LEASE_WAIT_MS.store(ms, Ordering::Relaxed);
}

fn my_token() -> usize {
    PIN.try_with(|p| p as *const Pin as usize).unwrap_or(0)
}

fn set_holder(name: String) {
    let mut h = HOLDER.lock().unwrap_or_else(|p| p.into_inner());
    *h = Some(Holder {
        thread: my_token(),
        name,
        since: Instant::now(),
    });
    HOLDER_PRESENT.store(true, Ordering::Release);
}

/// Clears the holder record if `token`'s thread holds it; returns the name.
fn clear_holder(token: usize) -> Option<String> {
    let mut h = HOLDER.lock().unwrap_or_else(|p| p.into_inner());
    if h.as_ref().is_some_and(|x| x.thread == token) {
        HOLDER_PRESENT.store(false, Ordering::Release);
        return h.take().map(|x| x.name);
    }
    None
}

/// Before blocking on the GIL: if another thread holds it through a lease,
/// wait for that lease to end, but not forever. A lease kept longer than the
/// limit (a thread that forgot to close it) gives a clear error naming the
/// holder instead of wedging this thread too.
#[inline]
pub fn check_lease_holder() -> Result<()> {
    if !HOLDER_PRESENT.load(Ordering::Acquire) || held_depth() > 0 {
        return Ok(());
    }
    wait_for_lease_holder()
}

#[cold]
fn wait_for_lease_holder() -> Result<()> {
    let limit = LEASE_WAIT_MS.load(Ordering::Relaxed);
    if limit == 0 {
        return Ok(());
    }
    let me = my_token();
    let start = Instant::now();
    let mut pause = Duration::from_micros(50);
    loop {
        let (name, held_for) = {
            let h = HOLDER.lock().unwrap_or_else(|p| p.into_inner());
            match h.as_ref() {
                Some(x) if x.thread != me => (x.name.clone(), x.since.elapsed()),
                _ => return Ok(()),
            }
        };
        if held_for >= Duration::from_millis(limit)
            && start.elapsed() >= Duration::from_millis(limit.min(1000))
        {
            log::error!(
                "thread '{name}' has held the GIL through acquireGil()/withGil() for {:.1} s; \
                 other threads cannot run Python",
                held_for.as_secs_f64()
            );
            return Err(Error::IllegalState(format!(
                "the GIL has been held by thread '{name}' through acquireGil()/withGil() for {:.1} s \
                 without being released (a lease that was never closed?); this call gave up after \
                 waiting {:.1} s. Close the lease (try-with-resources), or raise \
                 PythonConfig.gilLeaseWait.",
                held_for.as_secs_f64(),
                start.elapsed().as_secs_f64()
            )));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Holds the GIL on this thread until the matching `release()`; nests.
/// `thread_name` names the holder in diagnostics.
pub fn acquire_named(thread_name: &str) -> Result<()> {
    let outermost = held_depth() == 0;
    if outermost {
        check_lease_holder()?;
    }
    acquire()?;
    if outermost {
        set_holder(thread_name.to_string());
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
            let _ = clear_holder(p as *const Pin as usize);
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
        // Other threads may take the GIL now: they must not wait for this lease.
        p.suspended_holder
            .set(clear_holder(p as *const Pin as usize));
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
            if let Some(name) = p.suspended_holder.take() {
                set_holder(name);
            }
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

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

use crate::capi::PyThreadState;
use crate::capi::threads::{self, GilState};
use crate::error::{Error, Result};
use crate::stats;
use pyo3::Python;
use std::cell::Cell;
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
    tstate: Cell<*mut PyThreadState>,
    /// Nesting depth of `acquire()` on this thread.
    held: Cell<u32>,
    /// What the outermost `acquire()`'s `PyGILState_Ensure` returned.
    held_state: Cell<GilState>,
    /// Thread state saved by `suspend()` (`releaseGilWhile`).
    suspended: Cell<*mut PyThreadState>,
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
            crate::lease::platform_released(self as *const Pin as u64);
            // SAFETY: this thread took the GIL with `gilstate_ensure` in
            // `acquire()`, and holds it.
            unsafe { threads::gilstate_release(self.held_state.get()) };
            self.held.set(0);
        }
        if self.kind.get() == Kind::Owned {
            // Takes the GIL: in turn with the JVM callers while leases are
            // open (see lease::internal_waiter); dropped after it is given back.
            let mut turn = crate::lease::internal_waiter();
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
pub fn my_token() -> u64 {
    PIN.try_with(|p| p as *const Pin as u64).unwrap_or(0)
}

/// Whether this thread is inside a call already (a call from Python out to
/// Java that calls Python again).
#[inline]
pub fn nested_call() -> bool {
    CALL.try_with(|c| c.depth.get() > 0).unwrap_or(false)
}

/// Holds the GIL on this thread until the matching `release()`; nests.
/// `thread_name` names the lease in diagnostics. The outermost acquisition
/// is refused with `LeaseBusy` (the Java side waits and tries again) while
/// another lease runs Java code.
pub fn acquire_named(thread_name: &str) -> Result<()> {
    let outermost = held_depth() == 0;
    // Dropped last: after a refused acquisition has given the GIL back.
    let mut waited = if outermost {
        Some(crate::lease::platform_may_acquire()?)
    } else {
        None
    };
    acquire()?;
    if let Some(waited) = waited.as_mut()
        && let Err(e) = crate::lease::platform_acquired(my_token(), thread_name, waited)
    {
        // A virtual thread's lease started before this thread got the GIL.
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
            crate::lease::platform_released(p as *const Pin as u64);
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
pub fn suspend() -> Result<bool> {
    PIN.try_with(|p| {
        if p.held.get() == 0 || !p.suspended.get().is_null() {
            return Ok(false);
        }
        // Other threads may take the GIL now: they must not wait for this lease.
        crate::lease::platform_suspended(p as *const Pin as u64);
        // SAFETY: the GIL is held by this thread (held > 0, not suspended);
        // no token of it is used until `resume()`.
        let ts = unsafe { threads::save_thread() };
        p.suspended.set(ts);
        Ok(true)
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))?
}

pub fn resume() -> Result<()> {
    PIN.try_with(|p| {
        let ts = p.suspended.replace(std::ptr::null_mut());
        if !ts.is_null() {
            // SAFETY: `ts` was returned by `save_thread` on this thread.
            unsafe { threads::restore_thread(ts) };
            // SAFETY: the GIL is held again by this thread.
            let py = unsafe { Python::assume_attached() };
            crate::lease::platform_resumed(py, p as *const Pin as u64);
        }
    })
    .map_err(|_| Error::IllegalState("thread is exiting".into()))
}

/// Number of thread states in the interpreter (walks CPython's list; GIL held).
pub fn interpreter_thread_states(py: pyo3::Python<'_>) -> i64 {
    threads::thread_state_count(py)
}

/// Drops the GIL taken by `with_gil_raw` (also when unwinding).
struct RawGil(*mut PyThreadState);

impl Drop for RawGil {
    fn drop(&mut self) {
        // SAFETY: `with_gil_raw` restored this thread state on this thread;
        // saving it drops the GIL and leaves the state pinned.
        let ts = unsafe { threads::save_thread() };
        debug_assert_eq!(ts, self.0);
    }
}

/// The per-call path of the hottest op (`PyObject.callLong`) without pyo3's
/// attach bookkeeping: on a thread pybridge pinned, between calls, it
/// restores the pinned thread state itself (or, under a lease, uses the GIL
/// it already holds) instead of `PyGILState_Ensure`/`Release`, thread-local
/// lookups and pyo3's counters: 15-25 ns of a ~180 ns call.
///
/// `f` runs with pyo3's attach count at 0, so it must not drop a `Py<T>`
/// (pyo3 would defer the decref): `f` works with `Bound`s and raw pointers,
/// and runs anything else (errors, conversions) inside `Python::attach`,
/// which nests cheaply. Returns `None`, having done nothing, when the thread
/// is not eligible; the caller then takes the ordinary path.
#[inline]
pub fn with_gil_raw<T>(f: impl for<'py> FnOnce(Python<'py>) -> T) -> Option<T> {
    let (ts, token) = PIN
        .try_with(|p| {
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
        .flatten()?;
    // Only between calls: inside a call (a callback out of Python, say) the
    // GIL may be released or held, and the ordinary path knows which.
    if CALL.try_with(|c| c.depth.get()).unwrap_or(1) != 0 {
        return None;
    }
    let caller = crate::lease::Caller::of(0, || token, || false);
    // Another lease runs Java code: the ordinary path reports it.
    let mut waited = caller.before_gil().ok()?;
    let _gate = enter_call();
    let _gil = if ts.is_null() {
        None
    } else {
        // SAFETY: `ts` is this thread's pinned thread state, not current
        // (no lease, no call in progress on this thread): restoring it takes
        // the GIL; `RawGil` saves it again, also on unwinding.
        unsafe { threads::restore_thread(ts) };
        Some(RawGil(ts))
    };
    // SAFETY: this thread holds the GIL (restored above, or through its lease).
    let py = unsafe { Python::assume_attached() };
    // A virtual thread's lease may have started before the GIL was ours:
    // give it back (dropping `_gil`) and let the ordinary path report it.
    caller.enter(py, &mut waited).ok()?;
    let r = f(py);
    caller.leave(py);
    Some(r)
}

// ---------------------------------------------------------------------------
// The call gate: fewer, cheaper GIL hand-offs between JVM threads.
//
// Two JVM threads calling small Python functions lose more than half their
// throughput to the hand-offs between them, with CPython's GIL as with
// every peer's. Measured here (bench workload g, DESIGN-NOTES.md): the
// sleep/wake on the GIL's condition variable is not the main cost; every
// hand-off moves the interpreter's hot state (the GIL, the thread-state
// pointer, the function, its frame memory, small ints' reference counts)
// from one core's cache to the other's, and a hand-off per call costs more
// than the call.
//
// The gate is a spin lock in front of the GIL for the per-call path
// (`with_gil` on a thread pybridge pinned, outside leases and nested calls):
//
// * The holder takes the GIL after the gate and gives the gate back after
//   dropping the GIL, so among gated threads the GIL is free when taken: its
//   uncontended path, no condition variable, no system call.
// * Hand-offs come in bursts: while someone waits, a holder that comes back
//   within the grace period of its last call keeps the gate (it "lingers"
//   between calls), until a waiter has waited a burst (`BURST_NS`) and asks
//   for it. Waiters spin; a lingering holder that does not come back in time
//   loses the gate to them.
// * The gate is only a hint, never needed for correctness: a waiter spins at
//   most the configured budget, then goes to the GIL the usual way. If the
//   holding did not change meanwhile (a long call, or Python code that
//   released the GIL to block, e.g. on a queue another JVM thread will
//   feed), it is marked stale and every other caller skips the gate until it
//   ends: a blocked holder costs the others one spin, never a deadlock, never
//   a spin per call.
// * Threads that run Python otherwise (leases, callbacks out of Python,
//   Python's own threads, the release thread) never touch the gate; a holder
//   that calls out to Java from Python gives the gate up first (`gate_yield`).
// ---------------------------------------------------------------------------

/// The gate word, written by its holder twice per call (never a clock read
/// on the holder's path: `rdtsc` alone costs ~22 ns in this VM):
///
/// * `0`: free.
/// * `n`: a holder is in a call; `n` numbers that call. `n | REQ`: the same,
///   and a waiter that has waited a whole burst asks for the gate.
/// * `n | LINGER`: the holder is between calls and gets the gate back if it
///   returns before a waiter has seen this same word for the grace period.
/// * `n | HANDOFF`: the holder left at a waiter's request: any other thread
///   takes the gate now, the one that left only after the grace period.
#[repr(align(64))]
struct Gate {
    word: AtomicU64,
}

const LINGER: u64 = 1 << 63;
const HANDOFF: u64 = 1 << 62;
const REQ: u64 = 1 << 61;
const FLAGS: u64 = LINGER | HANDOFF | REQ;
/// Placeholder while the winner of the gate numbers its call.
const TAKING: u64 = REQ - 1;

static GATE: Gate = Gate {
    word: AtomicU64::new(0),
};
/// Number of the last call through the gate, written only by gate holders.
static GATE_SEQ: AtomicU64 = AtomicU64::new(0);
/// A call that made a waiter give up: callers skip the gate while it lasts.
static GATE_STALE: AtomicU64 = AtomicU64::new(0);
/// Spin budget before a waiter goes to the GIL directly, in ns; 0 = off.
static SPIN_NS: AtomicU64 = AtomicU64::new(0);
/// How long a waiter lets a holder keep the gate across calls, in ns.
static BURST_NS: AtomicU64 = AtomicU64::new(0);

/// How long a holder may be away between two calls and keep the gate (ns).
/// Waiters adapt it: it halves when they take the gate from a holder that
/// did not come back in time (threads doing Java work between calls, where
/// lingering only makes the others wait) and grows by a quarter when they
/// see a holder come back in time (tight loops, where lingering saves a
/// hand-off per call).
static GRACE_NS: AtomicU64 = AtomicU64::new(2_000);
const GRACE_MIN_NS: u64 = 250;
const GRACE_MAX_NS: u64 = 4_000;
/// Longest burst: a waiter asks for the gate after this long.
const MAX_BURST_NS: u64 = 100_000;
/// Most pauses between two looks at the gate word while waiting.
const PAUSES: u32 = 32;

/// Sets the spin budget (`PythonConfig.gilSpin`); 0 turns the gate off. Only
/// meaningful with more than one CPU: on one, the holder cannot run while a
/// waiter spins, so the gate stays off there. Bursts last at most half the
/// budget (and 100 µs), so that a waiter is let in before it gives up.
pub fn set_gate_spin(ns: u64) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    BURST_NS.store(MAX_BURST_NS.min(ns / 2), Ordering::Relaxed);
    SPIN_NS.store(if cpus > 1 { ns } else { 0 }, Ordering::Relaxed);
}

struct CallState {
    /// Calls in progress on this thread (any path through `enter_call`).
    depth: Cell<u32>,
    /// This call holds the gate.
    gated: Cell<bool>,
    /// The gate word this thread last stored without flags (0: none).
    last: Cell<u64>,
}

thread_local! {
    static CALL: CallState = const {
        CallState {
            depth: Cell::new(0),
            gated: Cell::new(false),
            last: Cell::new(0),
        }
    };
}

/// Marks a per-call GIL section; dropping it gives the gate back (after the
/// GIL was dropped: create it before taking the GIL).
pub struct CallGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Enters a per-call section: takes the gate when this is the outermost call
/// of a pinned JVM thread that holds no lease. Call before taking the GIL.
#[inline]
pub fn enter_call() -> CallGuard {
    let _ = CALL.try_with(|c| {
        let d = c.depth.get();
        c.depth.set(d + 1);
        if d == 0 && SPIN_NS.load(Ordering::Relaxed) != 0 && gate_eligible() {
            c.gated.set(gate_take(c));
        }
    });
    CallGuard {
        _not_send: std::marker::PhantomData,
    }
}

impl Drop for CallGuard {
    #[inline]
    fn drop(&mut self) {
        let _ = CALL.try_with(|c| {
            let d = c.depth.get();
            c.depth.set(d.saturating_sub(1));
            if d == 1 && c.gated.replace(false) {
                gate_leave(c);
            }
        });
    }
}

/// Gives the gate up if this thread holds it: before this thread leaves
/// Python for a while with the GIL released (a call out to Java).
#[inline]
pub fn gate_yield() {
    let _ = CALL.try_with(|c| {
        if c.gated.replace(false) {
            GATE.word.store(0, Ordering::Release);
        }
    });
}

#[inline]
fn gate_eligible() -> bool {
    PIN.try_with(|p| {
        matches!(p.kind.get(), Kind::Owned | Kind::Main)
            && p.held.get() == 0
            && p.suspended.get().is_null()
    })
    .unwrap_or(false)
}

/// The next call number (only the gate holder calls this).
#[inline]
fn next_seq() -> u64 {
    let n = (GATE_SEQ.load(Ordering::Relaxed) + 1) % TAKING;
    let n = n.max(1);
    GATE_SEQ.store(n, Ordering::Relaxed);
    n
}

#[inline]
fn gate_leave(c: &CallState) {
    let last = c.last.get();
    // Linger only if someone waits: otherwise a thread that comes later
    // would have to wait out the grace period of a holder long gone.
    let next = if GATE_WAITERS.n.load(Ordering::Relaxed) != 0 {
        next_seq() | LINGER
    } else {
        0
    };
    if GATE
        .word
        .compare_exchange(last, next, Ordering::Release, Ordering::Relaxed)
        .is_ok()
    {
        c.last.set(next & !FLAGS);
    } else {
        // A waiter asked for the gate (`last | REQ`): it goes next.
        GATE.word.store(last | HANDOFF, Ordering::Release);
    }
}

#[inline]
fn gate_take(c: &CallState) -> bool {
    let last = c.last.get();
    if last != 0
        && GATE
            .word
            .compare_exchange(last | LINGER, last, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    {
        // Back within the grace period: the burst goes on.
        return true;
    }
    let cur = GATE.word.load(Ordering::Acquire);
    if cur == 0 && gate_claim(c, 0) {
        return true;
    }
    // The call in the gate made an earlier waiter give up: skip the gate.
    if cur != 0 && cur & (LINGER | HANDOFF) == 0 && cur & !REQ == GATE_STALE.load(Ordering::Relaxed)
    {
        return false;
    }
    GATE_WAITERS.n.fetch_add(1, Ordering::Relaxed);
    let got = gate_spin(c, last);
    GATE_WAITERS.n.fetch_sub(1, Ordering::Relaxed);
    got
}

/// Threads waiting at the gate now; its own cache line, since holders read
/// it at the end of every call.
#[repr(align(64))]
struct Waiters {
    n: AtomicU64,
}
static GATE_WAITERS: Waiters = Waiters {
    n: AtomicU64::new(0),
};

/// Tries to take the gate from state `from`.
#[inline]
fn gate_claim(c: &CallState, from: u64) -> bool {
    if GATE
        .word
        .compare_exchange(from, TAKING, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return false;
    }
    let n = next_seq();
    GATE.word.store(n, Ordering::Relaxed);
    c.last.set(n);
    true
}

#[cold]
fn gate_spin(c: &CallState, last: u64) -> bool {
    let start = Instant::now();
    let budget = Duration::from_nanos(SPIN_NS.load(Ordering::Relaxed));
    let burst = Duration::from_nanos(BURST_NS.load(Ordering::Relaxed));
    let grace_ns = GRACE_NS.load(Ordering::Relaxed);
    let grace = Duration::from_nanos(grace_ns);
    // The word as last seen, and since when it has not changed.
    let mut seen = GATE.word.load(Ordering::Relaxed);
    let mut seen_at = start;
    let mut progressed = false;
    let mut i: u32 = 0;
    loop {
        let cur = GATE.word.load(Ordering::Acquire);
        let now = Instant::now();
        if cur != seen {
            if cur & !FLAGS != seen & !FLAGS {
                progressed = true;
            }
            if seen & LINGER != 0 && cur & HANDOFF == 0 {
                // A lingering holder came back in time: lingering pays.
                GRACE_NS.store(
                    (grace_ns + grace_ns / 4).min(GRACE_MAX_NS),
                    Ordering::Relaxed,
                );
            }
            seen = cur;
            seen_at = now;
        }
        let unchanged = now - seen_at;
        let expired = cur & LINGER != 0 && unchanged >= grace && now - start < burst;
        let open = cur == 0
            || (cur & HANDOFF != 0 && (cur & !FLAGS != last || unchanged >= grace))
            || (cur & LINGER != 0 && (unchanged >= grace || now - start >= burst));
        if open {
            if gate_claim(c, cur) {
                if expired {
                    // The holder did not come back in time: lingering cost
                    // this thread the grace period.
                    GRACE_NS.store((grace_ns / 2).max(GRACE_MIN_NS), Ordering::Relaxed);
                }
                // Gate holders are serialised like GIL holders: no locked RMW.
                stats::gil_bump(&stats::GATE_WAITS, 1);
                return true;
            }
            continue;
        }
        if cur & FLAGS == 0 && cur != TAKING && now - start >= burst {
            // In a call after a whole burst: ask for the gate at its end.
            let _ =
                GATE.word
                    .compare_exchange(cur, cur | REQ, Ordering::Relaxed, Ordering::Relaxed);
        }
        if now - start >= budget {
            if !progressed && cur & (LINGER | HANDOFF) == 0 && cur != TAKING {
                // One call held the gate for the whole budget: let other
                // callers skip it while it lasts.
                GATE_STALE.store(cur & !REQ, Ordering::Relaxed);
            }
            stats::GATE_FALLBACKS.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        i = i.wrapping_add(1);
        if i.is_multiple_of(16) {
            // More spinners than CPUs: let the holder run.
            std::thread::yield_now();
        }
        // Look at the gate word only now and then: every look pulls its
        // cache line away from the holder, who writes it twice per call.
        for _ in 0..(4u32 << (i.min(80) / 16)).min(PAUSES) {
            std::hint::spin_loop();
        }
    }
}

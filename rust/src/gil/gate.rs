//! The call gate: fewer, cheaper GIL hand-offs between JVM threads.
//!
//! Two JVM threads calling small Python functions lose more than half their
//! throughput to the hand-offs between them, with CPython's GIL as with
//! every peer's. Measured here (bench workload g, docs/decisions/call-gate.md): the
//! sleep/wake on the GIL's condition variable is not the main cost; every
//! hand-off moves the interpreter's hot state (the GIL, the thread-state
//! pointer, the function, its frame memory, small ints' reference counts)
//! from one core's cache to the other's, and a hand-off per call costs more
//! than the call.
//!
//! The gate is a spin lock in front of the GIL for the per-call path
//! (`call::with_gil_as` and `call::with_gil_raw`, on a thread
//! pybridge pinned, outside leases and nested calls):
//!
//! * The holder takes the GIL after the gate and gives the gate back after
//!   dropping the GIL, so among gated threads the GIL is free when taken: its
//!   uncontended path, no condition variable, no system call.
//! * Hand-offs come in bursts: while someone waits, a holder that comes back
//!   within the grace period of its last call keeps the gate (it "lingers"
//!   between calls), until a waiter has waited a burst (`BURST_NS`) and asks
//!   for it. Waiters spin; a lingering holder that does not come back in time
//!   loses the gate to them.
//! * The gate is only a hint, never needed for correctness: a waiter spins at
//!   most the configured budget, then goes to the GIL the usual way. If the
//!   holding did not change meanwhile (a long call, or Python code that
//!   released the GIL to block, e.g. on a queue another JVM thread will
//!   feed), it is marked stale and every other caller skips the gate until it
//!   ends: a blocked holder costs the others one spin, never a deadlock, never
//!   a spin per call.
//! * Threads that run Python otherwise (leases, callbacks out of Python,
//!   Python's own threads, the release thread) never touch the gate; a holder
//!   that calls out to Java from Python gives the gate up first (`yield_gate`).
//!
//! The gate also keeps the per-thread count of calls in progress
//! (`enter_call` / `CallGuard`), which the per-call paths consult: only the
//! outermost call of a thread touches the gate, and the raw path
//! (`call::with_gil_raw`) serves only threads between calls.
//! Which threads are eligible is `thread_state`'s to say (`enter_call`
//! takes it as a closure, asked only when the gate is on), so this module
//! depends on no thread state. Measurements: docs/decisions/call-gate.md, "The call
//! gate".

use crate::stats;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
///
/// On a free-threaded CPython there is no GIL to hand off: the gate would
/// only serialise calls that can run in parallel, so it stays off there
/// whatever the configuration says (docs/decisions/free-threading.md).
pub(crate) fn set_spin(ns: u64) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let on = cpus > 1 && !cfg!(Py_GIL_DISABLED);
    BURST_NS.store(MAX_BURST_NS.min(ns / 2), Ordering::Relaxed);
    SPIN_NS.store(if on { ns } else { 0 }, Ordering::Relaxed);
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
/// of a thread that is `eligible` (asked only then, and only when the gate
/// is on: `thread_state::gate_eligible`, a pinned JVM thread that holds no
/// lease). Call before taking the GIL.
#[inline]
pub fn enter_call(eligible: impl FnOnce() -> bool) -> CallGuard {
    let _ = CALL.try_with(|c| {
        let d = c.depth.get();
        c.depth.set(d + 1);
        if d == 0 && SPIN_NS.load(Ordering::Relaxed) != 0 && eligible() {
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

/// Calls in progress on this thread (`None` while the thread is exiting).
#[inline]
pub(crate) fn call_depth() -> Option<u32> {
    CALL.try_with(|c| c.depth.get()).ok()
}

/// Whether this thread is inside a call already (a call from Python out to
/// Java that calls Python again).
#[inline]
pub(crate) fn nested_call() -> bool {
    call_depth().is_some_and(|d| d > 0)
}

/// Gives the gate up if this thread holds it: before this thread leaves
/// Python for a while with the GIL released (a call out to Java).
#[inline]
pub(crate) fn yield_gate() {
    let _ = CALL.try_with(|c| {
        if c.gated.replace(false) {
            GATE.word.store(0, Ordering::Release);
        }
    });
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

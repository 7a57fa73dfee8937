//! Counters, always on, read without the GIL (`Python.stats()`).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

pub static CREATED: AtomicU64 = AtomicU64::new(0);
pub static RELEASED_CLOSE: AtomicU64 = AtomicU64::new(0);
pub static RELEASED_SCOPE: AtomicU64 = AtomicU64::new(0);
pub static RELEASED_GC: AtomicU64 = AtomicU64::new(0);
/// Ids handed to the release queue and not yet dropped.
pub static QUEUED: AtomicI64 = AtomicI64::new(0);
/// Python thread states pybridge created for JVM threads and still holds.
pub static THREAD_STATES: AtomicI64 = AtomicI64::new(0);
/// Thread states torn down because their JVM thread ended.
pub static THREAD_STATES_FREED: AtomicU64 = AtomicU64::new(0);
/// Threads that ended while holding the GIL through `acquireGil()`.
pub static GIL_ABANDONED: AtomicU64 = AtomicU64::new(0);
/// Batches dropped by the release thread or by caller threads (GIL held).
pub static RELEASE_BATCHES: AtomicU64 = AtomicU64::new(0);
/// Exceptions raised by `__del__` or finalizers (`sys.unraisablehook`; GIL held).
pub static RELEASE_ERRORS: AtomicU64 = AtomicU64::new(0);
/// Occupied slots of the handle table, counted by the table itself (GIL
/// held) independently of the created/released counters: a cross-check.
pub static TABLE_SIZE: AtomicU64 = AtomicU64::new(0);
/// Calls that waited for the call gate and got it (see `gil`; written by
/// gate holders only).
pub static GATE_WAITS: AtomicU64 = AtomicU64::new(0);
/// Calls that gave up waiting for the call gate and went to the GIL directly.
pub static GATE_FALLBACKS: AtomicU64 = AtomicU64::new(0);
/// Panics the `pybridge-release` thread caught while releasing a batch (it
/// goes on with the next one).
pub static RELEASE_RECOVERIES: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleasePath {
    Close,
    Scope,
    Gc,
}

impl ReleasePath {
    pub fn from_code(c: i32) -> Option<Self> {
        match c {
            0 => Some(ReleasePath::Close),
            1 => Some(ReleasePath::Scope),
            2 => Some(ReleasePath::Gc),
            _ => None,
        }
    }
}

/// Adds to a counter that only threads holding the GIL write: the GIL
/// serialises the writers, so a plain load + store suffices (no locked
/// read-modify-write on the hot path); readers without the GIL see a value
/// that is at most momentarily stale.
#[inline]
pub fn gil_bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

/// Subtracts from a counter that only GIL holders write (see `gil_bump`).
#[inline]
pub fn gil_sub(c: &AtomicU64, n: u64) {
    c.store(
        c.load(Ordering::Relaxed).saturating_sub(n),
        Ordering::Relaxed,
    );
}

/// Counts releases (called with the GIL held).
pub fn count_release(path: ReleasePath, n: u64) {
    if n == 0 {
        return;
    }
    let c = match path {
        ReleasePath::Close => &RELEASED_CLOSE,
        ReleasePath::Scope => &RELEASED_SCOPE,
        ReleasePath::Gc => &RELEASED_GC,
    };
    gil_bump(c, n);
}

/// The order of these fields is the contract with `Stats.java`.
pub fn snapshot() -> [i64; 14] {
    let created = CREATED.load(Ordering::Relaxed) as i64;
    let close = RELEASED_CLOSE.load(Ordering::Relaxed) as i64;
    let scope = RELEASED_SCOPE.load(Ordering::Relaxed) as i64;
    let gc = RELEASED_GC.load(Ordering::Relaxed) as i64;
    [
        created - close - scope - gc,
        created,
        close,
        scope,
        gc,
        QUEUED.load(Ordering::Relaxed),
        THREAD_STATES.load(Ordering::Relaxed),
        THREAD_STATES_FREED.load(Ordering::Relaxed) as i64,
        GIL_ABANDONED.load(Ordering::Relaxed) as i64,
        RELEASE_BATCHES.load(Ordering::Relaxed) as i64,
        RELEASE_ERRORS.load(Ordering::Relaxed) as i64,
        GATE_WAITS.load(Ordering::Relaxed) as i64,
        GATE_FALLBACKS.load(Ordering::Relaxed) as i64,
        RELEASE_RECOVERIES.load(Ordering::Relaxed) as i64,
    ]
}

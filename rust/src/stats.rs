//! Counters, always on, read without the GIL (`Python.stats()`).

use crate::contract::{path, stat};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

pub(crate) static CREATED: AtomicU64 = AtomicU64::new(0);
pub(crate) static RELEASED_CLOSE: AtomicU64 = AtomicU64::new(0);
pub(crate) static RELEASED_SCOPE: AtomicU64 = AtomicU64::new(0);
pub(crate) static RELEASED_GC: AtomicU64 = AtomicU64::new(0);
/// Ids handed to the release queue and not yet dropped.
pub(crate) static QUEUED: AtomicI64 = AtomicI64::new(0);
/// Python thread states pybridge created for JVM threads and still holds.
pub(crate) static THREAD_STATES: AtomicI64 = AtomicI64::new(0);
/// Thread states torn down because their JVM thread ended.
pub(crate) static THREAD_STATES_FREED: AtomicU64 = AtomicU64::new(0);
/// Threads that ended while holding the GIL through `acquireGil()`.
pub(crate) static GIL_ABANDONED: AtomicU64 = AtomicU64::new(0);
/// Batches dropped by the release thread or by caller threads (GIL held).
pub(crate) static RELEASE_BATCHES: AtomicU64 = AtomicU64::new(0);
/// Exceptions raised by `__del__` or finalizers (`sys.unraisablehook`; GIL held).
pub(crate) static RELEASE_ERRORS: AtomicU64 = AtomicU64::new(0);
/// Occupied slots of the handle table, counted by the table itself (GIL
/// held) independently of the created/released counters: a cross-check.
pub(crate) static TABLE_SIZE: AtomicU64 = AtomicU64::new(0);
/// Calls that waited for the call gate and got it (see `gate`; written by
/// gate holders only).
pub(crate) static GATE_WAITS: AtomicU64 = AtomicU64::new(0);
/// Calls that gave up waiting for the call gate and went to the GIL directly.
pub(crate) static GATE_FALLBACKS: AtomicU64 = AtomicU64::new(0);
/// Panics the `pybridge-release` thread caught while releasing a batch (it
/// goes on with the next one).
pub(crate) static RELEASE_RECOVERIES: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleasePath {
    Close,
    Scope,
    Gc,
}

impl ReleasePath {
    pub(crate) fn from_code(c: i32) -> Option<Self> {
        match c {
            path::CLOSE => Some(ReleasePath::Close),
            path::SCOPE => Some(ReleasePath::Scope),
            path::GC => Some(ReleasePath::Gc),
            _ => None,
        }
    }
}

/// Adds to a counter that only threads holding the GIL write: the GIL
/// serialises the writers, so a plain load + store suffices (no locked
/// read-modify-write on the hot path); readers without the GIL see a value
/// that is at most momentarily stale.
///
/// Once a sub-interpreter exists, threads holding *different* GILs may
/// write at once: then it is a locked add (see `per_interp`); and always on a
/// free-threaded CPython, where no GIL serialises the writers.
#[inline]
pub(crate) fn gil_bump(c: &AtomicU64, n: u64) {
    if cfg!(Py_GIL_DISABLED) || crate::gil::per_interp::any_sub() {
        c.fetch_add(n, Ordering::Relaxed);
        return;
    }
    c.store(c.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

/// Subtracts from a counter that only GIL holders write (see `gil_bump`).
#[inline]
pub(crate) fn gil_sub(c: &AtomicU64, n: u64) {
    if cfg!(Py_GIL_DISABLED) || crate::gil::per_interp::any_sub() {
        let _ = c.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            Some(v.saturating_sub(n))
        });
        return;
    }
    c.store(
        c.load(Ordering::Relaxed).saturating_sub(n),
        Ordering::Relaxed,
    );
}

/// Counts releases (called with the GIL held).
pub(crate) fn count_release(path: ReleasePath, n: u64) {
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

/// Every counter, in `contract::stat` order (what `Python.stats()` reads).
pub(crate) fn snapshot() -> [i64; stat::COUNT as usize] {
    let created = CREATED.load(Ordering::Relaxed) as i64;
    let close = RELEASED_CLOSE.load(Ordering::Relaxed) as i64;
    let scope = RELEASED_SCOPE.load(Ordering::Relaxed) as i64;
    let gc = RELEASED_GC.load(Ordering::Relaxed) as i64;
    let mut v = [0i64; stat::COUNT as usize];
    let mut set = |i: i32, x: i64| v[i as usize] = x;
    set(stat::LIVE, created - close - scope - gc);
    set(stat::CREATED, created);
    set(stat::RELEASED_CLOSE, close);
    set(stat::RELEASED_SCOPE, scope);
    set(stat::RELEASED_GC, gc);
    set(stat::QUEUED, QUEUED.load(Ordering::Relaxed));
    set(stat::THREAD_STATES, THREAD_STATES.load(Ordering::Relaxed));
    set(
        stat::THREAD_STATES_FREED,
        THREAD_STATES_FREED.load(Ordering::Relaxed) as i64,
    );
    set(
        stat::GIL_ABANDONED,
        GIL_ABANDONED.load(Ordering::Relaxed) as i64,
    );
    set(
        stat::RELEASE_BATCHES,
        RELEASE_BATCHES.load(Ordering::Relaxed) as i64,
    );
    set(
        stat::RELEASE_ERRORS,
        RELEASE_ERRORS.load(Ordering::Relaxed) as i64,
    );
    set(stat::TABLE_SIZE, TABLE_SIZE.load(Ordering::Relaxed) as i64);
    set(stat::GATE_WAITS, GATE_WAITS.load(Ordering::Relaxed) as i64);
    set(
        stat::GATE_FALLBACKS,
        GATE_FALLBACKS.load(Ordering::Relaxed) as i64,
    );
    set(
        stat::RELEASE_RECOVERIES,
        RELEASE_RECOVERIES.load(Ordering::Relaxed) as i64,
    );
    v
}

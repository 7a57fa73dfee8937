//! The release queue for handles whose Java wrappers the JVM collected.
//!
//! The Java reclaimer thread hands over batches of ids; `enqueue` only takes
//! a short mutex (no GIL, never blocks on Python). Depending on the policy,
//! a dedicated native thread (`pybridge-release`) or the caller threads
//! drop them, taking the GIL once per batch. The release thread never holds
//! the GIL while it waits for work.

use crate::gil::per_interp;
use crate::handles::{self, Handle};
use crate::stats::{self, ReleasePath};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Condvar, Mutex};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Policy {
    /// A dedicated native thread drops queued handles (default).
    DedicatedThread = 0,
    /// No extra thread touches Python: threads that call in drop them.
    CallerThreads = 1,
}

static POLICY: AtomicU8 = AtomicU8::new(Policy::DedicatedThread as u8);
static QUEUE: Mutex<Vec<Handle>> = Mutex::new(Vec::new());
static WAKE: Condvar = Condvar::new();
/// Set when the queue may be non-empty (cheap check on hot paths).
static PENDING: AtomicBool = AtomicBool::new(false);
static STARTED: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_policy(p: Policy) {
    POLICY.store(p as u8, Ordering::Relaxed);
}

pub(crate) fn policy() -> Policy {
    if POLICY.load(Ordering::Relaxed) == Policy::CallerThreads as u8 {
        Policy::CallerThreads
    } else {
        Policy::DedicatedThread
    }
}

/// Called once the interpreter is up.
pub(crate) fn start_after_init() {
    if policy() != Policy::DedicatedThread || STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("pybridge-release".into())
        .spawn(drain_loop);
    if let Err(e) = spawned {
        log::error!(
            "could not start the pybridge-release thread ({e}); caller threads will release instead"
        );
        set_policy(Policy::CallerThreads);
    }
}

/// Handles of each sub-interpreter the JVM collected: released by that
/// interpreter's own thread, with its GIL (`drain_if_caller_policy`, `drain_now`),
/// never by the release thread, which runs in the main interpreter.
static SUB_QUEUES: [Mutex<SubQueue>; per_interp::MAX] = [const {
    Mutex::new(SubQueue {
        open: false,
        handles: Vec::new(),
    })
}; per_interp::MAX];

struct SubQueue {
    /// Whether an interpreter runs at this index (`open_sub`..`discard_sub`).
    /// Handles collected after its close were released by the close: they
    /// are not queued, or they would wait (and count as queued) for good.
    open: bool,
    handles: Vec<Handle>,
}
static SUB_PENDING: [AtomicBool; per_interp::MAX] =
    [const { AtomicBool::new(false) }; per_interp::MAX];

/// Queues ids for release. Never takes the GIL.
pub(crate) fn enqueue(ids: &[Handle]) {
    if ids.is_empty() {
        return;
    }
    if per_interp::any_sub() && ids.iter().any(|h| handles::interp_of(*h) != 0) {
        let main: Vec<Handle> = ids
            .iter()
            .copied()
            .filter(|h| handles::interp_of(*h) == 0)
            .collect();
        for h in ids.iter().filter(|&&h| handles::interp_of(h) != 0) {
            let i = handles::interp_of(*h);
            let mut q = SUB_QUEUES[i].lock().unwrap_or_else(|p| p.into_inner());
            if q.open {
                q.handles.push(*h);
                stats::QUEUED.fetch_add(1, Ordering::Relaxed);
                SUB_PENDING[i].store(true, Ordering::Release);
            }
        }
        if !main.is_empty() {
            enqueue(&main);
        }
        return;
    }
    let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    q.extend_from_slice(ids);
    stats::QUEUED.fetch_add(ids.len() as i64, Ordering::Relaxed);
    PENDING.store(true, Ordering::Release);
    drop(q);
    WAKE.notify_one();
}

fn take_batch() -> Vec<Handle> {
    let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    PENDING.store(false, Ordering::Release);
    std::mem::take(&mut *q)
}

fn release_batch(py: Python<'_>, batch: &[Handle]) {
    handles::release_many(py, batch, ReleasePath::Gc);
    stats::QUEUED.fetch_sub(batch.len() as i64, Ordering::Relaxed);
    stats::gil_bump(&stats::RELEASE_BATCHES, 1);
}

fn drain_loop() {
    log::debug!("pybridge: the pybridge-release thread is running");
    loop {
        let batch = {
            let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
            while q.is_empty() {
                q = WAKE.wait(q).unwrap_or_else(|p| p.into_inner());
            }
            PENDING.store(false, Ordering::Release);
            std::mem::take(&mut *q)
        };
        crate::gil::thread_state::ensure_pinned();
        // A panic here must not kill the thread silently.
        // `__del__` methods run here: Python code, on Python's own stack.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Dropped after the GIL is given back (see lease::internal_waiter).
            let mut turn = crate::gil::lease::internal_waiter();
            crate::gil::stack::run_python(|| {
                Python::attach(|py| {
                    turn.had_gil();
                    release_batch(py, &batch)
                })
            })
        }));
        let r = match r {
            Ok(Err(crate::gil::stack::Exhausted)) => {
                // Cannot happen on this thread (nothing nests here); never
                // drop the batch silently.
                Python::attach(|py| release_batch(py, &batch));
                Ok(())
            }
            Ok(Ok(())) => Ok(()),
            Err(p) => Err(p),
        };
        if r.is_err() {
            stats::RELEASE_RECOVERIES.fetch_add(1, Ordering::Relaxed);
            log::error!(
                "pybridge-release: a panic while releasing a batch of {} handles",
                batch.len()
            );
        }
    }
}

/// Whether a caller thread that takes the GIL should drain the queue now.
#[inline]
pub(crate) fn drain_wanted() -> bool {
    PENDING.load(Ordering::Acquire) && policy() == Policy::CallerThreads
}

/// With the GIL held: drop whatever is queued if this thread is supposed to
/// (caller-threads policy). Cheap when nothing is queued.
#[inline]
pub(crate) fn drain_if_caller_policy(py: Python<'_>) {
    if per_interp::any_sub() {
        let i = per_interp::current(py);
        if i != 0 {
            if SUB_PENDING[i].load(Ordering::Acquire) {
                drain_sub(py, i);
            }
            return;
        }
    }
    if PENDING.load(Ordering::Acquire) && policy() == Policy::CallerThreads {
        drain_now(py);
    }
}

/// With the GIL held: drop whatever is queued, now, on this thread.
pub(crate) fn drain_now(py: Python<'_>) -> usize {
    if per_interp::any_sub() {
        let i = per_interp::current(py);
        if i != 0 {
            return drain_sub(py, i);
        }
    }
    let batch = take_batch();
    if !batch.is_empty() {
        release_batch(py, &batch);
    }
    batch.len()
}

fn take_sub(i: usize) -> Vec<Handle> {
    let mut q = SUB_QUEUES[i].lock().unwrap_or_else(|p| p.into_inner());
    SUB_PENDING[i].store(false, Ordering::Release);
    std::mem::take(&mut q.handles)
}

/// Sub-interpreter `i` is starting: from now on its collected handles are
/// queued for it.
pub(crate) fn open_sub(i: usize) {
    SUB_QUEUES[i].lock().unwrap_or_else(|p| p.into_inner()).open = true;
}

/// Releases the queued handles of sub-interpreter `i`, which this thread
/// runs in (its GIL held).
fn drain_sub(py: Python<'_>, i: usize) -> usize {
    let batch = take_sub(i);
    if !batch.is_empty() {
        release_batch(py, &batch);
    }
    batch.len()
}

/// Forgets what is queued for sub-interpreter `i`, which is closing (its
/// handles are all released by the closing itself), and queues nothing for
/// it from now on (until an interpreter opens at `i` again).
pub(crate) fn discard_sub(i: usize) {
    let mut q = SUB_QUEUES[i].lock().unwrap_or_else(|p| p.into_inner());
    q.open = false;
    SUB_PENDING[i].store(false, Ordering::Release);
    let batch = std::mem::take(&mut q.handles);
    drop(q);
    stats::QUEUED.fetch_sub(batch.len() as i64, Ordering::Relaxed);
}

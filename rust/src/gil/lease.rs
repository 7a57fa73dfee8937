//! GIL leases (`Python.acquireGil()`, `withGil`) with CPython's semantics.
//!
//! A lease gives the Java thread holding it exclusive use of Python while
//! its Java code runs between calls, as a C extension holding the GIL has;
//! and, as there, Python itself may give the GIL up inside a call
//! (`time.sleep`, I/O, numpy, a call back into Java), and then other threads
//! run Python until the call wants it back.
//!
//! One word says which lease, if any, is running Java code with that right
//! now: `IN_JAVA`, a lease *token* (0: none). Every call from Java checks it
//! before taking the GIL and again once it holds it; a call that finds
//! another lease there does not wait in native code but returns `LeaseBusy`,
//! and the Java side waits (parking, so that a virtual thread unmounts) and
//! tries again, and gives up with a message naming the holder after
//! `PythonConfig.gilLeaseWait`. The holder's own outermost calls clear the
//! word when they start (Python may let others in from here) and put their
//! token back when they end.
//!
//! Two kinds of holder:
//!
//! * A platform thread holds the GIL itself across its calls (the fast
//!   path: calls inside the lease take no lock). Its token is the address
//!   of its thread-local pin (even). Nobody else can hold the GIL while it
//!   runs Java code, so `IN_JAVA` can only be its token then.
//! * A virtual thread can move to another carrier whenever it blocks, so it
//!   must not hold the GIL (a thread-bound lock) across its Java code. Its
//!   lease is a slot in `SLOTS` (token `slot << 1 | 1`, odd); Java tags each
//!   of its calls with the slot. Between its calls the GIL is free, and
//!   `IN_JAVA` alone keeps other JVM threads out (Python's own threads, which
//!   never take leases, may run meanwhile: a virtual thread cannot keep them
//!   out without pinning its carrier). When one of its calls ends while
//!   another lease runs Java code (it started while Python had given the
//!   GIL up), the call returns with `reenter` set: Java waits for its turn
//!   (`reenter`) before its code goes on, as a platform thread waits for the
//!   GIL at the end of such a call.
//!
//! While a holder is inside a call, others may get the GIL when its Python
//! gives it up, but CPython also *takes* the GIL from running Python code
//! for a thread that has waited a switch interval (5 ms): a lease must not
//! be broken into that way (two read-modify-writes, each across two calls
//! in a lease, would interleave). CPython cannot tell the two apart for us,
//! so pybridge arranges never to be the cause, and to know when it is:
//!
//! * callers wait for the GIL only once the holder's call has run for
//!   `CALL_AGE_NS` (a short call simply ends first);
//! * while leases are open, one pybridge thread at a time waits in CPython's
//!   queue for the GIL (`WAITER`: JVM callers, the release thread, threads
//!   ending), the others wait outside it; the waiter times its wait, and a
//!   wait of half a switch interval or more may have taken the GIL from a
//!   holder's running call: it gives the GIL back (`LeaseWait`) and keeps
//!   the right to wait (`HANDBACK_AT`) until a holder is seen with the GIL
//!   again, so that the holder, woken up, gets it before anyone else.
//!
//! Python's own threads (`threading.Thread`) wait for the GIL as CPython
//! lets them and can still take it from a holder's running call; a JVM
//! caller that then gets it promptly cannot tell, and goes on.

use crate::error::{Error, Result};
use crate::stats;
use pyo3::Python;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// The lease running Java code with exclusive use of Python (0: none).
static IN_JAVA: AtomicU64 = AtomicU64::new(0);
/// Leases open now (platform and virtual).
static ACTIVE: AtomicU64 = AtomicU64::new(0);
/// Lease holders inside a call now (their Python may give the GIL up).
static IN_CALL: AtomicU64 = AtomicU64::new(0);
/// Half of Python's switch interval (`sys.getswitchinterval()`), in ns.
static GRACE_NS: AtomicU64 = AtomicU64::new(2_500_000);

/// Records Python's switch interval (at start-up): see `Caller::enter`.
pub(crate) fn set_switch_interval(seconds: f64) {
    GRACE_NS.store((seconds * 0.5e9).max(1e5) as u64, Ordering::Relaxed);
}

/// Java tags a virtual thread's calls with its lease slot: `op | slot << SLOT_SHIFT`.
pub(crate) const SLOT_SHIFT: u32 = crate::contract::limit::LEASE_SLOT_SHIFT as u32;
/// Virtual-thread leases at once (slots 1..MAX_SLOTS).
const MAX_SLOTS: usize = 255;

/// A lease, for diagnostics.
struct Record {
    token: u64,
    name: String,
    since: Instant,
}

/// Live leases (platform and virtual), for the message of a caller that gave up.
static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());
/// Virtual-thread lease slots in use.
static SLOTS: Mutex<[bool; MAX_SLOTS + 1]> = Mutex::new([false; MAX_SLOTS + 1]);

fn records() -> std::sync::MutexGuard<'static, Vec<Record>> {
    RECORDS.lock().unwrap_or_else(|p| p.into_inner())
}

fn record(token: u64, name: &str) {
    let mut r = records();
    r.retain(|x| x.token != token);
    r.push(Record {
        token,
        name: name.to_string(),
        since: Instant::now(),
    });
}

/// Drops a lease's record; whether there was one.
fn forget(token: u64) -> bool {
    let mut r = records();
    let n = r.len();
    r.retain(|x| x.token != token);
    r.len() != n
}

/// The token of a virtual thread's lease slot.
#[inline]
pub(crate) fn virtual_token(slot: u32) -> u64 {
    ((slot as u64) << 1) | 1
}

/// Who makes a call, as far as leases go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// Not a lease holder's outermost call.
    Plain,
    /// A platform thread's lease, in Java until this call: it holds the GIL.
    Platform(u64),
    /// A virtual thread's lease (its token).
    Virtual(u64),
}

/// A call is refused because another lease runs Java code now.
#[inline]
fn busy() -> Error {
    Error::LeaseBusy
}

/// How long a lease holder's call must have been running before a JVM
/// caller tries to take the GIL from it (see `Caller::before_gil`).
const CALL_AGE_NS: u64 = 1_000_000;

/// One JVM caller at a time may wait for the GIL while a lease holder is in
/// a call (see `Caller::before_gil`); the others wait in Java.
static WAITER: AtomicBool = AtomicBool::new(false);
/// Numbers lease holders' calls (written by holders, with the GIL).
static CALL_SEQ: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// A waiting caller's view of the holders' calls: the call number it
    /// saw, and since when.
    static SEEN: std::cell::Cell<(u64, Option<Instant>)> = const { std::cell::Cell::new((0, None)) };
}

/// How a call waits for the GIL: holding the right to wait (`WAITER`), and
/// since when, while lease holders are in calls. Gives the right up when
/// dropped: after the GIL was given back by a call that was refused, so
/// that the holder it took the GIL from gets it back first.
pub(crate) struct Waited {
    since: Option<Instant>,
    claimed: bool,
    /// It took the GIL from a lease holder's call and gave it back: the
    /// right to wait passes to that hand-back (see `HANDBACK_AT`).
    handback: bool,
}

/// When a caller last gave the GIL back to a lease holder's call it may
/// have taken it from (ns since `EPOCH`; 0: none pending). Until a holder
/// is seen to have it again (its call ends, or another starts), or a while
/// has passed, the right to wait stays taken: the GIL is free, but the
/// holder, woken up, has yet to take it, and no other JVM caller may.
static HANDBACK_AT: AtomicU64 = AtomicU64::new(0);
/// How long a hand-back keeps the right to wait at most.
const HANDBACK_NS: u64 = 20_000_000;
static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

fn now_ns() -> u64 {
    (EPOCH.elapsed().as_nanos() as u64).max(1)
}

impl Waited {
    const NONE: Waited = Waited {
        since: None,
        claimed: false,
        handback: false,
    };

    /// The GIL is ours to keep: the next waiter may go.
    #[inline]
    fn done(&mut self) {
        if self.claimed {
            self.claimed = false;
            WAITER.store(false, Ordering::Release);
        }
    }
}

impl Drop for Waited {
    fn drop(&mut self) {
        if self.claimed && self.handback {
            // The GIL was given back; the right to wait stays with the
            // hand-back until the holder has the GIL again.
            self.claimed = false;
            HANDBACK_AT.store(now_ns(), Ordering::Release);
            return;
        }
        self.done();
    }
}

/// A lease holder has the GIL (it starts or ends a call, or its lease ends):
/// a pending hand-back is over.
#[inline]
fn holder_has_gil() {
    if HANDBACK_AT.load(Ordering::Acquire) != 0 {
        settle_handback();
    }
}

#[cold]
fn settle_handback() {
    let t = HANDBACK_AT.swap(0, Ordering::AcqRel);
    if t != 0 {
        WAITER.store(false, Ordering::Release);
    }
}

impl Caller {
    /// Who makes this call: `slot` is the virtual-thread lease slot Java
    /// tagged the call with (0: none); `platform_token` gives this thread's
    /// platform token (only asked when a lease runs Java code); `nested`
    /// says whether this thread is inside a call already (a call from a
    /// callback: only outermost calls change lease state).
    #[inline]
    pub(crate) fn of(
        slot: u32,
        platform_token: impl FnOnce() -> u64,
        nested: impl FnOnce() -> bool,
    ) -> Caller {
        if slot != 0 {
            return if nested() {
                Caller::Plain
            } else {
                Caller::Virtual(virtual_token(slot))
            };
        }
        let t = IN_JAVA.load(Ordering::Acquire);
        if t != 0 && t & 1 == 0 && t == platform_token() {
            // This thread's lease runs Java code: this is its outermost call.
            return Caller::Platform(t);
        }
        Caller::Plain
    }

    fn token(self) -> u64 {
        match self {
            Caller::Plain => 0,
            Caller::Platform(t) | Caller::Virtual(t) => t,
        }
    }

    /// Before taking the GIL. Another lease running Java code: wait (in
    /// Java, `LeaseBusy`). A lease holder inside a call: CPython would hand
    /// the GIL to a waiting thread when the holder's Python gives it up (a
    /// sleep, I/O, a call out to Java), and also, after a switch interval,
    /// take it from the holder's running Python: a lease must not be broken
    /// into that way. So a caller waits for the GIL only once the holder's
    /// call has run for `CALL_AGE_NS` (a short call ends first), one caller
    /// at a time (`WAITER`; the others wait in Java, `LeaseWait`), timing
    /// its wait: `enter` then knows whether it can have forced the holder.
    /// A platform holder never waits: it has the GIL.
    #[inline]
    pub(crate) fn before_gil(self) -> Result<Waited> {
        let t = IN_JAVA.load(Ordering::Acquire);
        if t != 0 && t != self.token() {
            return Err(busy());
        }
        if matches!(self, Caller::Platform(_)) {
            return Ok(Waited::NONE);
        }
        if IN_CALL.load(Ordering::Acquire) != 0 {
            return wait_for_holder();
        }
        if ACTIVE.load(Ordering::Acquire) == 0 {
            // No lease: nothing to protect (the common case, no cost).
            return Ok(Waited::NONE);
        }
        claim_waiter()
    }

    /// With the GIL: check again and, for a holder, mark it in Python.
    /// A caller that got the GIL while a lease holder is in a call goes on
    /// only if it waited less than half a switch interval (`GRACE_NS`): then
    /// the holder gave the GIL up; otherwise it may have made CPython take it
    /// from the holder, and gives it back (`LeaseWait`), keeping the right to
    /// wait until then, so that the holder, which waits for it, gets it.
    #[inline]
    pub(crate) fn enter(self, py: Python<'_>, waited: &mut Waited) -> Result<()> {
        let r = self.check(py, waited);
        match r {
            Ok(()) => waited.done(),
            Err(Error::LeaseWait) => waited.handback = true,
            Err(_) => {}
        }
        r
    }

    #[inline]
    fn check(self, _py: Python<'_>, waited: &Waited) -> Result<()> {
        let t = IN_JAVA.load(Ordering::Acquire);
        if t != 0 && t != self.token() {
            // A virtual thread's lease holds no GIL: it may have started meanwhile.
            return Err(busy());
        }
        if !matches!(self, Caller::Platform(_))
            && IN_CALL.load(Ordering::Acquire) != 0
            && !prompt(waited)
        {
            return Err(Error::LeaseWait);
        }
        if let Caller::Platform(_) | Caller::Virtual(_) = self {
            holder_has_gil();
            IN_JAVA.store(0, Ordering::Release);
            // Only holders with the GIL write these (serialised by it; by
            // nothing on a free-threaded CPython: `bump`).
            bump(&IN_CALL);
            bump(&CALL_SEQ);
        }
        Ok(())
    }

    /// With the GIL, at the end of the call: a holder's lease runs Java code
    /// again. Returns true when a virtual thread must `reenter` first
    /// (another lease runs Java code now); a platform thread waits here.
    #[inline]
    pub(crate) fn leave(self, py: Python<'_>) -> bool {
        if let Caller::Plain = self {
            return false;
        }
        holder_has_gil();
        unbump(&IN_CALL);
        bump(&CALL_SEQ);
        match self {
            Caller::Platform(me) => {
                reclaim_platform(py, me);
                false
            }
            Caller::Virtual(me) => IN_JAVA
                .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
                .is_err(),
            Caller::Plain => false,
        }
    }
}

/// Adds one to a word only lease holders with the GIL write: a plain store
/// with the GIL (it serialises them), a locked add without one.
#[inline]
fn bump(w: &AtomicU64) {
    if cfg!(Py_GIL_DISABLED) {
        w.fetch_add(1, Ordering::AcqRel);
    } else {
        w.store(w.load(Ordering::Relaxed) + 1, Ordering::Release);
    }
}

/// Subtracts one (not below 0) from a word `bump` adds to.
#[inline]
fn unbump(w: &AtomicU64) {
    if cfg!(Py_GIL_DISABLED) {
        let _ = w.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
            Some(v.saturating_sub(1))
        });
    } else {
        w.store(
            w.load(Ordering::Relaxed).saturating_sub(1),
            Ordering::Release,
        );
    }
}

/// A caller that finds a lease holder in a call (see `Caller::before_gil`).
#[cold]
fn wait_for_holder() -> Result<Waited> {
    // How long the holders have been in the calls seen now (a new call
    // number starts the clock again).
    let seq = CALL_SEQ.load(Ordering::Acquire);
    let age = SEEN
        .try_with(|c| {
            let (s, since) = c.get();
            match since {
                Some(t0) if s == seq => t0.elapsed().as_nanos() as u64,
                _ => {
                    c.set((seq, Some(Instant::now())));
                    0
                }
            }
        })
        .unwrap_or(u64::MAX);
    if age < CALL_AGE_NS {
        return Err(Error::LeaseWait);
    }
    claim_waiter()
}

/// The right to wait for the GIL while leases are open, timed; `LeaseWait`
/// if another caller has it. Only the waiter waits in CPython's queue for
/// the GIL then, so CPython never takes the GIL from a lease holder's call
/// for a caller other than the one whose wait `prompt` measures.
fn claim_waiter() -> Result<Waited> {
    if WAITER
        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
        .is_err()
    {
        // A hand-back that no holder has settled for long: take the right over.
        let t = HANDBACK_AT.load(Ordering::Acquire);
        if t == 0
            || now_ns().saturating_sub(t) < HANDBACK_NS
            || HANDBACK_AT
                .compare_exchange(t, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return Err(Error::LeaseWait);
        }
    }
    Ok(Waited {
        since: Some(Instant::now()),
        claimed: true,
        handback: false,
    })
}

/// Whether a call got the GIL soon enough after it began waiting that it
/// cannot have made CPython take it from a lease holder's call: CPython does
/// that only for a thread that has waited a whole switch interval.
#[inline]
fn prompt(waited: &Waited) -> bool {
    match waited.since {
        // It did not wait as the waiter: it began before the holder's call.
        None => false,
        Some(t0) => (t0.elapsed().as_nanos() as u64) < GRACE_NS.load(Ordering::Relaxed),
    }
}

/// A platform lease holder takes `IN_JAVA` back, with the GIL: if a virtual
/// thread's lease started while this thread's Python had given the GIL up,
/// wait (without the GIL) until it is no longer running Java code.
fn reclaim_platform(py: Python<'_>, me: u64) {
    let mut pause = std::time::Duration::from_micros(20);
    while IN_JAVA
        .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        if IN_JAVA.load(Ordering::Acquire) == me {
            return;
        }
        py.detach(|| {
            while IN_JAVA.load(Ordering::Acquire) != 0 {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(2));
            }
        });
    }
}

/// A platform thread's outermost `acquireGil()`, with the GIL just taken
/// (`waited`: from `platform_may_acquire`): refused (the caller gives the
/// GIL back, then drops `waited`) if a virtual thread's lease runs Java
/// code, or if the GIL came from a lease holder's call that may have been
/// made to give it up (see `Caller::enter`).
pub(crate) fn platform_acquired(me: u64, name: &str, waited: &mut Waited) -> Result<()> {
    if let Err(e) = Caller::Plain.check_acquire(waited) {
        waited.handback = true;
        return Err(e);
    }
    if IN_JAVA
        .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return Err(busy());
    }
    waited.done();
    ACTIVE.fetch_add(1, Ordering::AcqRel);
    record(me, name);
    Ok(())
}

impl Caller {
    fn check_acquire(self, waited: &Waited) -> Result<()> {
        if IN_CALL.load(Ordering::Acquire) != 0 && !prompt(waited) {
            return Err(Error::LeaseWait);
        }
        Ok(())
    }
}

/// For threads that are not JVM callers but take the GIL for pybridge (the
/// release thread): take turns with JVM callers for the right to wait for
/// the GIL, so that a lease holder this thread makes give the GIL up gets
/// it back before any JVM caller can. Returns the right (drop it after
/// giving the GIL back).
pub(crate) fn internal_waiter() -> InternalWaiter {
    let mut pause = std::time::Duration::from_micros(20);
    loop {
        if WAITER
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            return InternalWaiter(Waited {
                since: None,
                claimed: true,
                handback: false,
            });
        }
        // A hand-back nobody settled for long: take the right over.
        let t = HANDBACK_AT.load(Ordering::Acquire);
        if t != 0
            && now_ns().saturating_sub(t) >= HANDBACK_NS
            && HANDBACK_AT
                .compare_exchange(t, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            return InternalWaiter(Waited {
                since: None,
                claimed: true,
                handback: false,
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_millis(1));
    }
}

/// `internal_waiter`'s right to wait. Call `had_gil` while holding the GIL:
/// if a lease holder was in a call then, this thread may have made CPython
/// take the GIL from it, and the right passes to the hand-back when dropped.
pub(crate) struct InternalWaiter(Waited);

impl InternalWaiter {
    #[inline]
    pub(crate) fn had_gil(&mut self) {
        if IN_CALL.load(Ordering::Acquire) != 0 {
            self.0.handback = true;
        }
    }
}

/// Before a platform thread's outermost `acquireGil()` takes the GIL: the
/// threads starting leases wait for the GIL one at a time (the others in
/// Java), so that none of them waits in CPython's queue from before a lease
/// began, where it could make CPython take the GIL from the lease holder's
/// call for another waiter.
#[inline]
pub(crate) fn platform_may_acquire() -> Result<Waited> {
    if IN_JAVA.load(Ordering::Acquire) != 0 {
        return Err(busy());
    }
    if IN_CALL.load(Ordering::Acquire) != 0 {
        return wait_for_holder();
    }
    claim_waiter()
}

/// A platform thread's lease ends (GIL still held), or its thread died.
pub(crate) fn platform_released(me: u64) {
    holder_has_gil();
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
    if forget(me) {
        ACTIVE.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `releaseGilWhile` on a platform thread: others may run Python meanwhile.
pub(crate) fn platform_suspended(me: u64) {
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
}

/// After `releaseGilWhile` on a platform thread (GIL taken back).
pub(crate) fn platform_resumed(py: Python<'_>, me: u64) {
    reclaim_platform(py, me);
}

/// A new virtual-thread lease slot (not yet running Java code with the
/// lease: `reenter` does that).
pub(crate) fn virtual_new(name: &str) -> Result<u32> {
    let mut s = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    let Some(slot) = (1..=MAX_SLOTS).find(|&i| !s[i]) else {
        return Err(Error::IllegalState(format!(
            "{MAX_SLOTS} virtual threads hold GIL leases already; close some (withGil/acquireGil) first"
        )));
    };
    s[slot] = true;
    drop(s);
    record(virtual_token(slot as u32), name);
    ACTIVE.fetch_add(1, Ordering::AcqRel);
    Ok(slot as u32)
}

/// A virtual thread's lease takes its exclusive right back (after
/// `virtual_new`, a `reenter` reply, or `releaseGilWhile`), with the GIL.
pub(crate) fn virtual_reenter(py: Python<'_>, slot: u32) -> Result<()> {
    let _ = py;
    let me = virtual_token(slot);
    match IN_JAVA.compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(()),
        Err(t) if t == me => Ok(()),
        Err(_) => Err(busy()),
    }
}

/// Before `virtual_reenter` (which needs the GIL, to know that no call runs
/// Python): `Ok(true)` if the lease has its right already, `LeaseBusy` if
/// another lease runs Java code.
pub(crate) fn virtual_may_reenter(slot: u32) -> Result<bool> {
    match IN_JAVA.load(Ordering::Acquire) {
        0 => Ok(false),
        t if t == virtual_token(slot) => Ok(true),
        _ => Err(busy()),
    }
}

/// A virtual thread's lease gives up its right (`releaseGilWhile`).
pub(crate) fn virtual_suspend(slot: u32) {
    let me = virtual_token(slot);
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
}

/// A virtual thread's lease ends (`abandoned`: its thread died without
/// closing it, found by a caller that waited for it).
pub(crate) fn virtual_end(slot: u32, abandoned: bool) -> Result<()> {
    if slot == 0 || slot as usize > MAX_SLOTS {
        return Err(Error::IllegalState(format!(
            "no virtual-thread lease #{slot}"
        )));
    }
    let me = virtual_token(slot);
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
    if IN_CALL.load(Ordering::Acquire) == 0 {
        holder_has_gil();
    }
    {
        let mut s = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
        if !s[slot as usize] {
            return Err(Error::IllegalState(format!(
                "no virtual-thread lease #{slot}"
            )));
        }
        s[slot as usize] = false;
    }
    if abandoned {
        stats::GIL_ABANDONED.fetch_add(1, Ordering::Relaxed);
        log::error!(
            "a virtual thread ended while holding a GIL lease (acquireGil() not closed); pybridge released it"
        );
    }
    if forget(me) {
        ACTIVE.fetch_sub(1, Ordering::AcqRel);
    }
    Ok(())
}

/// The lease running Java code now, for a caller that gave up waiting:
/// (name, seconds it has existed, virtual-thread slot or 0), or `None`.
pub(crate) fn holder() -> Option<(String, f64, u32)> {
    let t = IN_JAVA.load(Ordering::Acquire);
    if t == 0 {
        return None;
    }
    let r = records();
    let rec = r.iter().find(|x| x.token == t)?;
    let slot = if t & 1 == 1 { (t >> 1) as u32 } else { 0 };
    Some((rec.name.clone(), rec.since.elapsed().as_secs_f64(), slot))
}

/// Without a GIL (free-threaded CPython), what a platform thread's lease
/// holds in place of the GIL: a critical section on one private object of
/// the main interpreter, begun when the lease starts and ended when it ends.
/// Lease holders exclude each other as the GIL made them do, and CPython
/// suspends the section wherever a GIL would have been given up (the
/// holder's Python blocks, sleeps, calls out to Java, `releaseGilWhile`), so
/// leases of other threads run meanwhile. Plain calls never take it: they run
/// in parallel with every lease except while a lease runs Java code
/// (`IN_JAVA`). A virtual thread's lease takes it for each of its calls
/// (`begin_call`). See docs/decisions/free-threading.md.
#[cfg(Py_GIL_DISABLED)]
pub(crate) mod section {
    use crate::capi::critical;
    pub(crate) use crate::capi::critical::Section;
    use pyo3::prelude::*;

    /// The object whose critical section the leases take.
    static LEASES: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

    /// Begins a platform lease's section (attached: `py`); waits while
    /// another lease holds it. Before the lease claims `IN_JAVA`, so that a
    /// holder that waits for `IN_JAVA` never holds the section meanwhile.
    /// The thread keeps it (`thread_state`'s pin) until `end`.
    pub(crate) fn begin(py: Python<'_>) -> Section {
        let obj = LEASES.get_or_init(py, || pyo3::types::PyList::empty(py).into_any().unbind());
        critical::begin(obj.bind(py))
    }

    /// Ends a platform lease's section.
    ///
    /// # Safety
    ///
    /// On the thread that began it, still attached (its lease holds the
    /// thread state), with every section begun since ended (leases end
    /// between calls, or when their thread dies outside any call).
    pub(crate) unsafe fn end(s: Section) {
        // SAFETY: as the caller guarantees.
        unsafe { critical::end(s) };
    }

    /// A virtual thread's lease holds its section for each of its calls
    /// (it cannot hold it across its Java code: the thread may move to
    /// another carrier); ended when dropped, at the end of the call.
    pub(crate) struct CallSection(Option<Section>);

    /// Begins a virtual thread's lease section for one call (attached: `py`).
    pub(crate) fn begin_call(py: Python<'_>) -> CallSection {
        let obj = LEASES.get_or_init(py, || pyo3::types::PyList::empty(py).into_any().unbind());
        CallSection(Some(critical::begin(obj.bind(py))))
    }

    impl Drop for CallSection {
        fn drop(&mut self) {
            if let Some(s) = self.0.take() {
                // SAFETY: dropped in the call that began it (`call::Entry::run`),
                // on that thread, still attached, after every section begun
                // inside the call ended (they are scoped to it).
                unsafe { critical::end(s) };
            }
        }
    }
}

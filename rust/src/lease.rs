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

use crate::error::{Error, Result};
use crate::stats;
use pyo3::Python;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
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
pub fn set_switch_interval(seconds: f64) {
    GRACE_NS.store((seconds * 0.5e9).max(1e5) as u64, Ordering::Relaxed);
}

/// Java tags a virtual thread's calls with its lease slot: `op | slot << SLOT_SHIFT`.
pub const SLOT_SHIFT: u32 = 16;
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
pub fn virtual_token(slot: u32) -> u64 {
    ((slot as u64) << 1) | 1
}

/// Who makes a call, as far as leases go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
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

/// When a call began waiting for the GIL, if leases are open (only then
/// does `enter` need it).
#[derive(Clone, Copy)]
pub struct Waited(Option<Instant>);

impl Caller {
    /// Who makes this call: `slot` is the virtual-thread lease slot Java
    /// tagged the call with (0: none); `platform_token` gives this thread's
    /// platform token (only asked when a lease runs Java code); `nested`
    /// says whether this thread is inside a call already (a call from a
    /// callback: only outermost calls change lease state).
    #[inline]
    pub fn of(
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

    /// Before taking the GIL: another lease running Java code means wait
    /// (in Java). Notes the time when leases are open (see `enter`).
    #[inline]
    pub fn before_gil(self) -> Result<Waited> {
        let t = IN_JAVA.load(Ordering::Acquire);
        if t != 0 && t != self.token() {
            return Err(busy());
        }
        if ACTIVE.load(Ordering::Acquire) == 0 {
            return Ok(Waited(None));
        }
        Ok(Waited(Some(Instant::now())))
    }

    /// With the GIL: check again (a virtual thread's lease holds no GIL, so
    /// it may have started meanwhile) and, for a holder, mark it in Python.
    ///
    /// A call that got the GIL while a lease holder is inside a call of its
    /// own got it from that call's Python, which either gave it up (a sleep,
    /// I/O, a call out to Java: CPython lets others run then) or was made to
    /// by CPython's switch interval because this call had waited that long.
    /// A lease must not be broken into that way, so such a call goes on only
    /// if it got the GIL well within the interval (`GRACE_NS`); otherwise it
    /// gives the GIL back and waits (`LeaseWait`) for the holder's call to
    /// end or to give the GIL up.
    #[inline]
    pub fn enter(self, _py: Python<'_>, waited: Waited) -> Result<()> {
        let t = IN_JAVA.load(Ordering::Acquire);
        match self {
            Caller::Plain if t != 0 => Err(busy()),
            Caller::Plain => {
                if IN_CALL.load(Ordering::Acquire) != 0 && !prompt(waited) {
                    return Err(Error::LeaseWait);
                }
                Ok(())
            }
            Caller::Platform(me) | Caller::Virtual(me) => {
                if t != 0 && t != me {
                    return Err(busy());
                }
                if let Caller::Virtual(_) = self
                    && IN_CALL.load(Ordering::Acquire) != 0
                    && !prompt(waited)
                {
                    return Err(Error::LeaseWait);
                }
                IN_JAVA.store(0, Ordering::Release);
                IN_CALL.fetch_add(1, Ordering::AcqRel);
                Ok(())
            }
        }
    }

    /// With the GIL, at the end of the call: a holder's lease runs Java code
    /// again. Returns true when a virtual thread must `reenter` first
    /// (another lease runs Java code now); a platform thread waits here.
    #[inline]
    pub fn leave(self, py: Python<'_>) -> bool {
        match self {
            Caller::Plain => false,
            Caller::Platform(me) => {
                IN_CALL.fetch_sub(1, Ordering::AcqRel);
                reclaim_platform(py, me);
                false
            }
            Caller::Virtual(me) => {
                IN_CALL.fetch_sub(1, Ordering::AcqRel);
                IN_JAVA
                    .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
            }
        }
    }
}

/// Whether a call got the GIL soon enough after it began waiting that it
/// cannot have forced a lease holder's call to give it up (see `enter`).
#[inline]
fn prompt(waited: Waited) -> bool {
    match waited.0 {
        // Leases opened while it waited: cannot tell, so ask again (timed).
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
/// (`waited`: from `platform_may_acquire`): refused (the caller drops the
/// GIL) if a virtual thread's lease runs Java code, or if the GIL came from
/// a lease holder's call that was made to give it up (see `Caller::enter`).
pub fn platform_acquired(me: u64, name: &str, waited: Waited) -> Result<()> {
    if IN_CALL.load(Ordering::Acquire) != 0 && !prompt(waited) {
        return Err(Error::LeaseWait);
    }
    if IN_JAVA
        .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return Err(busy());
    }
    ACTIVE.fetch_add(1, Ordering::AcqRel);
    record(me, name);
    Ok(())
}

/// Before a platform thread's outermost `acquireGil()` takes the GIL.
#[inline]
pub fn platform_may_acquire() -> Result<Waited> {
    Caller::Plain.before_gil()
}

/// A platform thread's lease ends (GIL still held), or its thread died.
pub fn platform_released(me: u64) {
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
    if forget(me) {
        ACTIVE.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `releaseGilWhile` on a platform thread: others may run Python meanwhile.
pub fn platform_suspended(me: u64) {
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
}

/// After `releaseGilWhile` on a platform thread (GIL taken back).
pub fn platform_resumed(py: Python<'_>, me: u64) {
    reclaim_platform(py, me);
}

/// A new virtual-thread lease slot (not yet running Java code with the
/// lease: `reenter` does that).
pub fn virtual_new(name: &str) -> Result<u32> {
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
pub fn virtual_reenter(py: Python<'_>, slot: u32) -> Result<()> {
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
pub fn virtual_may_reenter(slot: u32) -> Result<bool> {
    match IN_JAVA.load(Ordering::Acquire) {
        0 => Ok(false),
        t if t == virtual_token(slot) => Ok(true),
        _ => Err(busy()),
    }
}

/// A virtual thread's lease gives up its right (`releaseGilWhile`).
pub fn virtual_suspend(slot: u32) {
    let me = virtual_token(slot);
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
}

/// A virtual thread's lease ends (`abandoned`: its thread died without
/// closing it, found by a caller that waited for it).
pub fn virtual_end(slot: u32, abandoned: bool) -> Result<()> {
    if slot == 0 || slot as usize > MAX_SLOTS {
        return Err(Error::IllegalState(format!(
            "no virtual-thread lease #{slot}"
        )));
    }
    let me = virtual_token(slot);
    let _ = IN_JAVA.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire);
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
pub fn holder() -> Option<(String, f64, u32)> {
    let t = IN_JAVA.load(Ordering::Acquire);
    if t == 0 {
        return None;
    }
    let r = records();
    let rec = r.iter().find(|x| x.token == t)?;
    let slot = if t & 1 == 1 { (t >> 1) as u32 } else { 0 };
    Some((rec.name.clone(), rec.since.elapsed().as_secs_f64(), slot))
}

/// Whether a lease runs Java code now (the raw per-call paths then leave
/// the call to the ordinary one).
#[inline]
pub fn any_in_java() -> bool {
    IN_JAVA.load(Ordering::Acquire) != 0
}

//! Critical sections of the free-threaded CPython (`PyCriticalSection_Begin`,
//! 3.13t and later): a lock on one object that CPython suspends whenever the
//! thread holding it detaches its thread state (blocking I/O, `time.sleep`,
//! a call out to Java, `PyEval_SaveThread`) and takes back when it
//! re-attaches: the GIL's semantics, for the threads that use that object.
//! pybridge uses one for its GIL leases without a GIL
//! (docs/decisions/free-threading.md).

use pyo3::ffi;
use pyo3::prelude::*;

/// A critical section begun by `begin`; CPython links it into the thread
/// state's stack of critical sections, so it stays at one address (boxed)
/// until `end`.
pub(crate) struct Section(Box<ffi::PyCriticalSection>);

/// Begins a critical section on `obj`: waits (detached, so a stop-the-world
/// pause or another holder's blocking can go on) until no other thread
/// holds one on it.
pub(crate) fn begin(obj: &Bound<'_, PyAny>) -> Section {
    // SAFETY: `PyCriticalSection` is two plain words that `Begin` fills in;
    // all-zero is a valid value for both (0 and a null pointer).
    let zero: ffi::PyCriticalSection = unsafe { std::mem::zeroed() };
    let mut s = Box::new(zero);
    // SAFETY: the thread is attached (`obj` is a `Bound`), `obj` is alive,
    // and `s` stays at this address until `end` (it is boxed and owned by
    // the returned value).
    unsafe { ffi::PyCriticalSection_Begin(&mut *s, obj.as_ptr()) };
    Section(s)
}

/// Ends a critical section.
///
/// # Safety
///
/// On the thread that began it, attached, and `s` is that thread's innermost
/// critical section (sections end in the reverse order they began).
pub(crate) unsafe fn end(s: Section) {
    let mut b = s.0;
    // SAFETY: the caller guarantees the thread, attachment and order; `b`
    // is the section `begin` linked in, at the same address.
    unsafe { ffi::PyCriticalSection_End(&mut *b) };
}

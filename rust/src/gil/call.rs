//! Taking the GIL for one call from a JVM thread, assembled once.
//!
//! Every call takes the same steps around the GIL, in this order: the
//! lease's admission before the GIL (`lease::Caller::before_gil`: another
//! lease may refuse or delay it), the call gate (`gate::enter_call`), then,
//! with the GIL, the lease's check (`lease::Caller::enter`), the call, and
//! the lease's hand-back (`lease::Caller::leave`). [`Entry`] holds those
//! steps; two paths use it:
//!
//! * [`with_gil_as`], the ordinary path: pyo3's `Python::attach` on
//!   Python's own stack (`stack`);
//! * [`with_gil_raw`], the fast path of `PyObject.callLong` and
//!   `PyObject.close`: the pinned thread state restored directly.

use crate::capi::PyThreadState;
use crate::capi::threads;
use crate::error::{Error, Result};
use crate::gil::gate::{self, CallGuard};
use crate::gil::lease::{Caller, Waited};
use crate::gil::thread_state;
use pyo3::Python;

/// One call's passage through the lease protocol and the call gate. Create
/// it before taking the GIL and drop it after the GIL is released: its
/// fields drop in order, the gate first, then the lease's wait (which must
/// outlast a refused call's giving the GIL back).
pub(crate) struct Entry {
    _gate: CallGuard,
    waited: Waited,
    caller: Caller,
}

impl Entry {
    /// Before the GIL: the lease's admission (`LeaseBusy` when another
    /// lease runs Java code), then `before_gate` (the ordinary path pins
    /// the thread's state there), then the call gate.
    #[inline]
    pub(crate) fn admit(caller: Caller, before_gate: impl FnOnce()) -> Result<Entry> {
        let waited = caller.before_gil()?;
        before_gate();
        let gate = gate::enter_call(thread_state::gate_eligible);
        Ok(Entry {
            _gate: gate,
            waited,
            caller,
        })
    }

    /// With the GIL: the lease's check (a lease that started before the GIL
    /// was ours refuses the call, nothing run), `f`, and the lease's
    /// hand-back. Also returns whether the calling virtual thread must take
    /// its lease back before its Java code goes on.
    #[inline]
    pub(crate) fn run<'py, T>(
        &mut self,
        py: Python<'py>,
        f: impl FnOnce(Python<'py>) -> T,
    ) -> Result<(T, bool)> {
        self.caller.enter(py, &mut self.waited)?;
        // Without a GIL, a virtual thread's lease holds the leases' critical
        // section for its call (lease::section), ended before `leave`.
        #[cfg(Py_GIL_DISABLED)]
        let section = matches!(self.caller, Caller::Virtual(_))
            .then(|| crate::gil::lease::section::begin_call(py));
        let r = f(py);
        // What Python wrote during the call reaches Java before it returns.
        crate::gil::output::flush_pending(py);
        #[cfg(Py_GIL_DISABLED)]
        drop(section);
        Ok((r, self.caller.leave(py)))
    }
}

/// Runs `f` with the GIL (taking it for this call if the thread does not
/// hold it already), for a call that is not a virtual thread's.
#[inline]
pub(crate) fn with_gil<T>(f: impl for<'py> FnOnce(Python<'py>) -> T) -> Result<T> {
    let caller = Caller::of(0, thread_state::my_token, gate::nested_call);
    with_gil_as(caller, f).map(|(t, _)| t)
}

/// `with_gil` for `caller` (see `lease`). Also returns whether the calling
/// virtual thread must take its lease back before its Java code goes on.
/// `LeaseBusy` when another lease runs Java code (nothing was run).
#[inline]
pub(crate) fn with_gil_as<T>(
    caller: Caller,
    f: impl for<'py> FnOnce(Python<'py>) -> T,
) -> Result<(T, bool)> {
    if !thread_state::interpreter_up() {
        return Err(Error::not_initialized());
    }
    if thread_state::bound_to_sub() {
        // A sub-interpreter's thread: `Python::attach` takes its GIL (see
        // `interpreters`); no lease, no gate.
        return crate::gil::stack::run_python(|| Python::attach(|py| (f(py), false)))
            .map_err(|_| Error::stack_exhausted(crate::gil::stack::ALT_SIZE >> 20));
    }
    let mut entry = Entry::admit(caller, thread_state::ensure_pinned)?;
    crate::gil::stack::run_python(|| Python::attach(|py| entry.run(py, f)))
        .map_err(|_| Error::stack_exhausted(crate::gil::stack::ALT_SIZE >> 20))?
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
pub(crate) fn with_gil_raw<T>(f: impl for<'py> FnOnce(Python<'py>) -> T) -> Option<T> {
    let (ts, token) = thread_state::raw_entry()?;
    // Only between calls: inside a call (a callback out of Python, say) the
    // GIL may be released or held, and the ordinary path knows which.
    if gate::call_depth() != Some(0) {
        return None;
    }
    let caller = Caller::of(0, || token, || false);
    // Another lease runs Java code: the ordinary path reports it.
    let mut entry = Entry::admit(caller, || {}).ok()?;
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
    entry.run(py, f).ok().map(|(r, _)| r)
}

//! Thread states and the GIL (`pystate.h`, `ceval.h`): the calls with which
//! `thread_state` pins a Python thread state to each JVM thread, takes and
//! drops the GIL with it, and frees it when the thread ends.
//!
//! These are `unsafe fn`s: each is sound only as one step of the protocol
//! `thread_state` keeps (which thread holds the GIL, which state is whose);
//! no type can say that.

use pyo3::Python;
use pyo3::ffi;

/// What `gilstate_ensure` returns, for the matching `gilstate_release`.
pub(crate) type GilState = ffi::PyGILState_STATE;

/// `GilState` of a thread that did not hold the GIL before.
pub(crate) const UNLOCKED: GilState = ffi::PyGILState_STATE::PyGILState_UNLOCKED;

/// `PyGILState_Ensure`: takes the GIL with this thread's thread state,
/// creating and registering one if the thread has none.
///
/// # Safety
/// The interpreter is initialised (pybridge never finalises it). Matched
/// by one `gilstate_release` on this thread, in LIFO order.
#[inline]
pub(crate) unsafe fn gilstate_ensure() -> GilState {
    // SAFETY: per the contract.
    unsafe { ffi::PyGILState_Ensure() }
}

/// `PyGILState_Release`: undoes one `gilstate_ensure` (the last one also
/// drops the GIL; a thread state `gilstate_ensure` created is deleted when
/// its count reaches 0).
///
/// # Safety
/// This thread holds the GIL through the matching `gilstate_ensure`, whose
/// result `state` is.
#[inline]
pub(crate) unsafe fn gilstate_release(state: GilState) {
    // SAFETY: per the contract.
    unsafe { ffi::PyGILState_Release(state) }
}

/// `PyGILState_GetThisThreadState`: the thread state registered for this
/// thread, or null.
///
/// # Safety
/// The interpreter is initialised.
#[inline]
pub(crate) unsafe fn this_thread_state() -> *mut ffi::PyThreadState {
    // SAFETY: per the contract; it only reads thread-specific storage.
    unsafe { ffi::PyGILState_GetThisThreadState() }
}

#[cfg(Py_3_14)]
unsafe extern "C" {
    // cpython/pystate.h (3.14+); pyo3-ffi does not declare it.
    fn PyUnstable_ThreadState_SetStackProtection(
        tstate: *mut ffi::PyThreadState,
        stack_start_addr: *mut std::ffi::c_void,
        stack_size: usize,
    ) -> std::ffi::c_int;
}

/// `PyUnstable_ThreadState_SetStackProtection` (3.14+): the C stack `tstate`
/// runs Python on is `[start, start + size)`. CPython 3.14 bounds recursion
/// through C by the stack pointer, within the bounds it reads from the
/// thread at first use; Python that runs on another stack (pybridge's
/// alternate stack, `gil::stack`) must say where, or CPython takes every
/// deallocation there for one at the edge of the stack and defers it (its
/// trashcan) indefinitely. Whether CPython accepted the bounds.
///
/// # Safety
/// The interpreter is initialised; `tstate` is this thread's, live, and no
/// other thread uses it meanwhile; `[start, start + size)` is this thread's
/// stack for Python from now on.
#[cfg(Py_3_14)]
pub(crate) unsafe fn set_stack_protection(
    tstate: *mut ffi::PyThreadState,
    start: usize,
    size: usize,
) -> bool {
    // SAFETY: per the contract; it stores the bounds in the thread state
    // (the size is far above its minimum, so it raises nothing).
    unsafe {
        PyUnstable_ThreadState_SetStackProtection(tstate, start as *mut std::ffi::c_void, size) == 0
    }
}

/// `PyEval_SaveThread`: drops the GIL and returns this thread's state,
/// which stays registered.
///
/// # Safety
/// This thread holds the GIL, and nothing uses a `Python` token of it
/// until the GIL is taken again.
#[inline]
pub(crate) unsafe fn save_thread() -> *mut ffi::PyThreadState {
    // SAFETY: per the contract.
    unsafe { ffi::PyEval_SaveThread() }
}

/// `PyEval_RestoreThread`: takes the GIL with `ts` (waiting for it).
///
/// # Safety
/// `ts` is this thread's own thread state, saved by `save_thread` or
/// registered by `gilstate_ensure` and not current; this thread does not
/// hold the GIL.
#[inline]
pub(crate) unsafe fn restore_thread(ts: *mut ffi::PyThreadState) {
    // SAFETY: per the contract.
    unsafe { ffi::PyEval_RestoreThread(ts) }
}

/// The number of thread states in the interpreter (walks its list).
pub(crate) fn thread_state_count(_py: Python<'_>) -> i64 {
    let mut n = 0;
    // SAFETY: the GIL is held (`py`): there is a current interpreter.
    let interp = unsafe { ffi::PyInterpreterState_Get() };
    // SAFETY: `interp` is live; its thread-state list cannot change while
    // the GIL is held.
    let mut ts = unsafe { ffi::PyInterpreterState_ThreadHead(interp) };
    while !ts.is_null() {
        n += 1;
        // SAFETY: `ts` is a live thread state of that list (GIL held).
        ts = unsafe { ffi::PyThreadState_Next(ts) };
    }
    n
}

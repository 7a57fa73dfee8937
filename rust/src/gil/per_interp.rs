//! State kept per Python interpreter, and which interpreter a thread runs.
//!
//! pybridge runs the main interpreter and any number of sub-interpreters
//! (`interpreters`); from Python 3.12 a sub-interpreter may have its own GIL
//! (PEP 684), so two interpreters run Python at the same time, and *any*
//! Python object used by one of them while the other uses it is a crash.
//! Every piece of native state that holds Python objects (the handle table,
//! the name cache, cached modules and functions) is therefore kept once per
//! interpreter: a [`PerInterp`] has one cell per interpreter *index* (0 is
//! the main interpreter), and each cell is only touched by threads holding
//! that interpreter's GIL, which serialises them exactly as the one GIL
//! serialised the old process-wide statics ([`GilCell`]).
//!
//! The index of the interpreter a thread runs in is found from the thread
//! state CPython made current (`PyInterpreterState_Get`), so it is right for
//! every thread, including threads Python started; while no sub-interpreter
//! was ever created it is 0 without any call. Per-interpreter cells are
//! dropped when their interpreter closes, on its thread, with its GIL
//! ([`clear_current`]).
//!
//! The full audit of process-wide statics is in docs/decisions/interpreters.md.
//! On a free-threaded CPython no GIL serialises a cell's users: each cell is
//! a mutex there ([`GilCell`]; docs/decisions/free-threading.md).

use crate::capi;
use pyo3::Python;
#[cfg(not(Py_GIL_DISABLED))]
use std::cell::{Cell, UnsafeCell};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Interpreters at once: the main one and up to `MAX - 1` sub-interpreters.
pub(crate) const MAX: usize = 256;

/// A value only touched with the GIL of one interpreter held.
///
/// On a free-threaded CPython (`Py_GIL_DISABLED`: 3.13t, 3.14t) there is no
/// GIL to serialise its users, so the cell is a mutex there (see
/// docs/decisions/free-threading.md); the GIL build keeps the lock-free
/// path below unchanged.
#[cfg(not(Py_GIL_DISABLED))]
pub(crate) struct GilCell<T> {
    value: UnsafeCell<T>,
    borrowed: Cell<bool>,
}

// SAFETY: all access goes through `with`, which requires a `Python` token:
// the GIL of the interpreter the cell belongs to (every `GilCell` is either
// one interpreter's cell of a `PerInterp`, used only while that interpreter's
// GIL is held, see `PerInterp::with`) serialises every access across
// threads, and `borrowed` (also only touched under that GIL) rejects
// re-entrant access on the same thread.
#[cfg(not(Py_GIL_DISABLED))]
unsafe impl<T> Sync for GilCell<T> {}

#[cfg(not(Py_GIL_DISABLED))]
impl<T> GilCell<T> {
    pub(crate) const fn new(v: T) -> Self {
        GilCell {
            value: UnsafeCell::new(v),
            borrowed: Cell::new(false),
        }
    }

    /// Runs `f` with exclusive access. `f` must not run Python code.
    #[inline]
    pub(crate) fn with<R>(&self, _py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        assert!(
            !self.borrowed.replace(true),
            "GIL-protected table re-entered (a bug: Python code ran while it was borrowed)"
        );
        struct Reset<'a>(&'a Cell<bool>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let _reset = Reset(&self.borrowed);
        // SAFETY: the GIL is held (token) and `borrowed` was false, so no
        // other reference to the value exists on any thread.
        f(unsafe { &mut *self.value.get() })
    }
}

/// The free-threaded cell: a mutex, held only while `f` runs (which runs no
/// Python code, so a holder never waits for Python and never blocks a
/// stop-the-world pause for longer than its few loads and stores).
/// Re-entry on one thread is still a bug, reported as in the GIL build
/// instead of deadlocking.
#[cfg(Py_GIL_DISABLED)]
pub(crate) struct GilCell<T> {
    value: Mutex<T>,
    /// The thread inside `with` now (`thread_tag`), 0: none.
    owner: AtomicUsize,
}

/// A number unique to the calling thread while it lives (the address of a
/// thread-local).
#[cfg(Py_GIL_DISABLED)]
#[inline]
fn thread_tag() -> usize {
    thread_local! {
        static TAG: u8 = const { 0 };
    }
    TAG.with(|t| t as *const u8 as usize)
}

#[cfg(Py_GIL_DISABLED)]
impl<T> GilCell<T> {
    pub(crate) const fn new(v: T) -> Self {
        GilCell {
            value: Mutex::new(v),
            owner: AtomicUsize::new(0),
        }
    }

    /// Runs `f` with exclusive access. `f` must not run Python code.
    #[inline]
    pub(crate) fn with<R>(&self, _py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        let me = thread_tag();
        let mut guard = match self.value.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                assert!(
                    self.owner.load(Ordering::Relaxed) != me,
                    "GIL-protected table re-entered (a bug: Python code ran while it was borrowed)"
                );
                self.value.lock().unwrap_or_else(|p| p.into_inner())
            }
        };
        struct Reset<'a>(&'a AtomicUsize);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.store(0, Ordering::Relaxed);
            }
        }
        self.owner.store(me, Ordering::Relaxed);
        let _reset = Reset(&self.owner);
        f(&mut guard)
    }
}

/// Set (for good) when the first sub-interpreter is created: until then
/// every thread runs in the main interpreter and nothing is looked up.
static ANY_SUB: AtomicBool = AtomicBool::new(false);
/// `PyInterpreterState*` of each live interpreter index (0: free); index 0
/// is the main interpreter.
static PTRS: [AtomicUsize; MAX] = [const { AtomicUsize::new(0) }; MAX];
/// Which indexes are taken (creation and close only).
static TAKEN: Mutex<[bool; MAX]> = Mutex::new([false; MAX]);

/// Whether a sub-interpreter was ever created in this process.
#[inline]
pub(crate) fn any_sub() -> bool {
    ANY_SUB.load(Ordering::Relaxed)
}

/// Records the main interpreter (at start-up, GIL held).
pub(crate) fn set_main(py: Python<'_>) {
    PTRS[0].store(capi::interp::current(py), Ordering::Release);
}

/// Takes a free index for a new sub-interpreter (released by `free`).
pub(crate) fn reserve() -> Option<usize> {
    let mut t = TAKEN.lock().unwrap_or_else(|p| p.into_inner());
    let i = (1..MAX).find(|&i| !t[i])?;
    t[i] = true;
    Some(i)
}

/// Binds index `i` to the interpreter `ptr` (before any of its code runs).
pub(crate) fn bind(i: usize, ptr: usize) {
    ANY_SUB.store(true, Ordering::Release);
    PTRS[i].store(ptr, Ordering::Release);
}

/// Gives index `i` back (its interpreter has ended, its cells are empty).
pub(crate) fn free(i: usize) {
    PTRS[i].store(0, Ordering::Release);
    let mut t = TAKEN.lock().unwrap_or_else(|p| p.into_inner());
    t[i] = false;
}

/// The index of the interpreter this thread runs in (GIL held: `py`).
#[inline]
pub(crate) fn current(py: Python<'_>) -> usize {
    if !any_sub() {
        return 0;
    }
    index_of(capi::interp::current(py))
}

#[cold]
fn index_of(ptr: usize) -> usize {
    if ptr == PTRS[0].load(Ordering::Acquire) {
        return 0;
    }
    match (1..MAX).find(|&i| PTRS[i].load(Ordering::Acquire) == ptr) {
        Some(i) => i,
        // An interpreter pybridge did not create (another library's): it has
        // none of pybridge's state, and must not touch the main one's.
        None => panic!(
            "pybridge was called from a Python interpreter it did not create (interpreter {ptr:#x}); \
             call pybridge only from the main interpreter or from a pybridge Interpreter"
        ),
    }
}

/// Whether this thread runs in the main interpreter (GIL held).
#[inline]
pub(crate) fn in_main(py: Python<'_>) -> bool {
    current(py) == 0
}

/// Something kept per interpreter that can drop one interpreter's value.
trait Clear: Sync {
    fn clear(&self, py: Python<'_>, i: usize);
}

/// Every `PerInterp` that ever held a value (for `clear_current`).
static ALL: Mutex<Vec<&'static dyn Clear>> = Mutex::new(Vec::new());

/// One value per interpreter, each only touched with its interpreter's GIL.
pub(crate) struct PerInterp<T: 'static> {
    cells: [GilCell<Option<T>>; MAX],
    registered: AtomicBool,
}

impl<T: Send + 'static> PerInterp<T> {
    pub(crate) const fn new() -> Self {
        PerInterp {
            cells: [const { GilCell::new(None) }; MAX],
            registered: AtomicBool::new(false),
        }
    }

    /// Runs `f` on the current interpreter's value (`None` until set). `f`
    /// must not run Python code.
    #[inline]
    pub(crate) fn with<R>(&'static self, py: Python<'_>, f: impl FnOnce(&mut Option<T>) -> R) -> R {
        let i = current(py);
        if !self.registered.load(Ordering::Relaxed) {
            self.register();
        }
        self.cells[i].with(py, f)
    }

    /// `with`, the value made with `Default` when there is none.
    #[inline]
    pub(crate) fn with_default<R>(&'static self, py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R
    where
        T: Default,
    {
        self.with(py, |v| f(v.get_or_insert_with(T::default)))
    }

    #[cold]
    fn register(&'static self) {
        let mut all = ALL.lock().unwrap_or_else(|p| p.into_inner());
        if !self.registered.swap(true, Ordering::AcqRel) {
            all.push(self);
        }
    }
}

impl<T: Send + 'static> Clear for PerInterp<T> {
    fn clear(&self, py: Python<'_>, i: usize) {
        // Moved out first, dropped after: dropping may run Python code.
        let v = self.cells[i].with(py, |v| v.take());
        drop(v);
    }
}

// SAFETY: every cell is a `GilCell` (Sync, see there: with the GIL, the GIL
// serialises its users; without, its mutex does, which needs `T: Send` as a
// `Mutex<T>` does); `registered` is atomic.
#[cfg(not(Py_GIL_DISABLED))]
unsafe impl<T: Send + 'static> Sync for PerInterp<T> {}
// SAFETY: as above; the free-threaded cells are mutexes, shared between
// threads as `Mutex<Option<T>>` is when `T: Send`.
#[cfg(Py_GIL_DISABLED)]
unsafe impl<T: Send + 'static> Sync for PerInterp<T> {}

/// Drops every per-interpreter value of the current interpreter, with its
/// GIL held (`py`); the caller ends the interpreter next. Values are
/// dropped in the order their statics were first used, one at a time, each
/// outside its cell (a drop may run Python code).
pub(crate) fn clear_current(py: Python<'_>) {
    let i = current(py);
    // Copied out: a drop must be able to reach `ALL` (a new registration).
    let all: Vec<&'static dyn Clear> = ALL.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for c in all {
        c.clear(py, i);
    }
}

/// A Python error about an extension module that cannot be loaded in an
/// isolated interpreter gets a hint at what to do instead.
pub(crate) fn explain_import_error(e: crate::error::Error) -> crate::error::Error {
    match e {
        crate::error::Error::Python(mut info)
            if info
                .message
                .contains("does not support loading in subinterpreters")
                && !info.message.contains("pybridge:") =>
        {
            info.message.push_str(
                " (pybridge: this extension module uses single-phase initialisation, which CPython \
                 refuses in an isolated interpreter with its own GIL. Run that part in the main \
                 interpreter (Python.exec/eval, then pass the converted values), or use an \
                 interpreter that shares the main GIL: InterpreterConfig.shared())",
            );
            crate::error::Error::Python(info)
        }
        other => other,
    }
}

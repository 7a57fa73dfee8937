//! Python's output handed to Java at the boundaries (issue 29).
//!
//! `python/pybridge/runtime/output.py` collects what Python's `sys.stdout`
//! and `sys.stderr` write (complete lines, in the main interpreter) and
//! hands it to Java in batches. So that a user sees Python's and Java's
//! writes in the order they were made, whatever Python collected is handed
//! over before Python calls Java (`jvm::call`) and before a call from Java
//! into Python returns (`gil::call::Entry::run`). Python raises [`PENDING`]
//! (`pybridge._output_pending()`) when it starts collecting, so the check
//! on every call is one relaxed load; the hand-over itself is the function
//! it registered (`pybridge._output_register`). docs/decisions/output-batching.md.

use crate::gil::per_interp::PerInterp;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the main interpreter's streams hold output not yet handed to Java.
static PENDING: AtomicBool = AtomicBool::new(false);

/// The function that hands it over (`output.py`: stdout's `JavaStream.deliver`).
static DELIVER: PerInterp<Py<PyAny>> = PerInterp::new();

/// `pybridge._output_pending()`: Python started collecting output.
#[pyfunction]
pub(crate) fn _output_pending() {
    PENDING.store(true, Ordering::Release);
}

/// `pybridge._output_register(deliver)`: the function the boundaries call
/// (None: none).
#[pyfunction]
pub(crate) fn _output_register(py: Python<'_>, deliver: Option<Py<PyAny>>) {
    let old = DELIVER.with(py, |c| std::mem::replace(c, deliver));
    drop(old);
}

/// At a boundary (GIL held): hands what Python collected to Java, if
/// anything. One relaxed load when there is nothing.
#[inline]
pub(crate) fn flush_pending(py: Python<'_>) {
    if PENDING.load(Ordering::Relaxed) {
        deliver(py);
    }
}

#[cold]
fn deliver(py: Python<'_>) {
    // Only the main interpreter's streams write to Java; a Python error
    // being raised is left alone (the next boundary hands the output over).
    if !crate::gil::per_interp::in_main(py) || PyErr::occurred(py) {
        return;
    }
    PENDING.store(false, Ordering::Release);
    // Inside `attach`: on the fast path (`call::with_gil_raw`) pyo3's attach
    // count is 0, where dropping a `Py` would only defer its decref.
    Python::attach(|py| {
        let f = DELIVER.with(py, |c| c.as_ref().map(|f| f.clone_ref(py)));
        if let Some(f) = f {
            // `deliver` writes what Java cannot take to the file
            // descriptors; an error here (a KeyboardInterrupt, say) must not
            // become the call's.
            if let Err(e) = f.bind(py).call0() {
                drop(e);
            }
        }
    });
}

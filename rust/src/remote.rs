//! Whether this process is a process interpreter's child
//! (`process_child.rs`): then values never cross by address (large strs
//! inline, numpy arrays as handles) and Java objects never at all.

use std::sync::atomic::{AtomicBool, Ordering};

static REMOTE: AtomicBool = AtomicBool::new(false);

/// Whether this process is a process interpreter's child.
#[inline]
pub(crate) fn active() -> bool {
    REMOTE.load(Ordering::Relaxed)
}

/// Switches the child's mode on (once, before serving).
pub(crate) fn activate() {
    REMOTE.store(true, Ordering::Relaxed);
}

/// The error for what cannot reach a process interpreter.
pub(crate) fn refused(what: &str) -> crate::error::Error {
    crate::error::Error::IllegalArgument(format!(
        "{what} cannot cross to a process interpreter (its Python runs in another process): \
         pass values (lists, arrays, bytes), or use an in-process interpreter"
    ))
}

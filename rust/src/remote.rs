//! Whether this process is a process interpreter's child
//! (`process_child.rs`): then values never cross by address (large strs
//! inline, numpy arrays as handles) and Java objects never at all.

use std::sync::OnceLock;
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

/// How the child calls into the JVM: `process_child` registers it when it
/// starts serving (a function pointer, so that `jvm` needs no path to
/// `process_child`).
pub(crate) type Upcall = fn(i64, Vec<u8>) -> std::result::Result<Vec<u8>, String>;

static UPCALL: OnceLock<Upcall> = OnceLock::new();

/// Registers the child's upcall (once).
pub(crate) fn set_upcall(f: Upcall) {
    let _ = UPCALL.set(f);
}

/// A call of Java function `id` from the child: its request bytes to the
/// JVM through the pipe, its reply bytes back.
pub(crate) fn upcall(id: i64, req: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    match UPCALL.get() {
        Some(f) => f(id, req),
        None => Err("no JVM to call (not a process interpreter's child)".into()),
    }
}

//! Java objects Python holds (`JavaFunction`, `JavaObject`, `JavaBuffer`):
//! Python knows each by the id under which `org.pybridge.Callbacks` keeps
//! the Java object. When Python frees one, its id is queued here for Java
//! to forget (`TAKE_FREED_FUNCTIONS`).
//!
//! Freeing never calls into the JVM: it may happen on a thread that is not
//! attached (the release thread), and attaching it would make it a
//! non-daemon JVM thread that keeps the JVM from exiting.

use std::sync::Mutex;

/// Ids Python has freed, not yet taken by Java.
static FREED: Mutex<Vec<i64>> = Mutex::new(Vec::new());

/// Queues an id for Java to forget (never calls the JVM).
pub(crate) fn push_freed(id: i64) {
    FREED.lock().unwrap_or_else(|p| p.into_inner()).push(id);
}

/// The ids Python freed since the last call (no GIL needed).
pub(crate) fn take_freed() -> Vec<i64> {
    std::mem::take(&mut *FREED.lock().unwrap_or_else(|p| p.into_inner()))
}

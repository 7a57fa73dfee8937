//! pybridge: CPython embedded in the JVM.
//!
//! Layers (see DESIGN.md and DESIGN-NOTES.md): `jni` (the exported functions,
//! thin) -> `ops` (operations, JNI-free) -> `convert` / `handles` / `gil` /
//! `release` / `runtime` -> pyo3 -> CPython.

mod buffers;
mod callbacks;
mod capi;
pub mod contract;
pub mod convert;
pub mod copy;
pub mod error;
pub mod gate;
pub mod handles;
mod jni;
mod lease;
mod names;
pub mod ops;
mod registry;
mod release;
pub mod runtime;
pub mod stack;
pub mod stats;
pub mod thread_state;
pub mod wire;

/// Initialises `env_logger` once, from `PYBRIDGE_LOG` (or `RUST_LOG`).
pub(crate) fn init_logging() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = std::env::var("PYBRIDGE_LOG")
            .or_else(|_| std::env::var("RUST_LOG"))
            .unwrap_or_else(|_| "warn".to_string());
        let _ = env_logger::Builder::new()
            .parse_filters(&filter)
            .format_timestamp_millis()
            .try_init();
    });
}

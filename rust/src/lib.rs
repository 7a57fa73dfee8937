//! pybridge: CPython embedded in the JVM.
//!
//! Layers (see docs/architecture.md), top to bottom, one folder (or file)
//! each: a module refers to its own layer and the layers below, never up,
//! but for two documented exceptions (`tests/boundaries.rs` checks it):
//!
//! | layer | concern |
//! |---|---|
//! | `jni/` | the exported functions; `jni::raw` raw JNI, `jni::reply` replies and errors, `jni::strings` `encodeString`, `jni::nio` buffer origins, `jni::policy` the `with_env` error policy, `jni::logging` log records into Java's `System.Logger` |
//! | `ops.rs` | the operations, free of JNI types |
//! | `interp/` | `runtime` starting the interpreter; `interpreters` sub-interpreters, each created on, bound to and ended on one thread |
//! | `jvm/` | Python -> JVM: `types` the Python types of Java objects (`JavaFunction`, `JavaObject`, ...), `call` one call into Java, `module` the `pybridge` module, `upcall` the raw upcall |
//! | `values/` | `wire` the wire format, `convert` Java <-> Python values, `names` interned names, `buffers` numpy arrays and the buffer protocol, `ext` datetime and Decimal, `copy` large copies on several cores |
//! | `handles/` | the handle table (one per interpreter); `release` the release queue and its thread; `registry` the ids of Java objects Python freed |
//! | `gil/`, `error.rs`, `stats.rs` | `call` the GIL for one call (lease, gate, thread state, assembled once); `thread_state` Python thread states for JVM threads; `gate` the call gate; `lease` the GIL-lease protocol; `stack` the alternate stack Python runs on; `per_interp` state kept per interpreter; the error type; the counters |
//! | `contract.rs`, `capi/` | the numbers shared with Java (generated into `Contract.java`); raw CPython, one file per C-API area |
//!
//! Each foreign API is called raw in one place: CPython in `capi`, JNI in
//! `jni::raw` (every unsafe operation carries its `// SAFETY:`, which the
//! `[lints]` of `Cargo.toml` enforce). The two references up a layer are
//! inherent: `values::convert` names `jvm::types` (converting a value can
//! make a `JavaFunction`, and calling one converts its arguments and result:
//! the one module cycle), and `jvm::upcall` calls Java through `jni::raw`.
//! Items are `pub` only where `rust/tests` and `rust/examples` use them.

mod capi;
pub mod contract;
pub mod error;
pub mod gil;
pub mod handles;
pub mod interp;
mod jni;
mod jvm;
pub mod ops;
pub mod process_child;
mod remote;
pub mod stats;
pub mod values;

//! pybridge: CPython embedded in the JVM.
//!
//! Layers (see docs/architecture.md): `jni` (the exported
//! functions) -> `ops` (operations, JNI-free) -> the core -> pyo3 ->
//! CPython. Each foreign API is called raw in one place: CPython in `capi`,
//! JNI in `jni::raw` (every unsafe operation carries its `// SAFETY:`, which
//! the `[lints]` of `Cargo.toml` enforce). The modules, by concern:
//!
//! | module | concern |
//! |---|---|
//! | `contract` | the numbers shared with Java (generated into `Contract.java`) |
//! | `jni` | the exported functions; `jni::raw` raw JNI, `jni::reply` replies and errors, `jni::strings` `encodeString`, `jni::nio` buffer origins, `jni::policy` the `with_env` error policy, `jni::logging` log records into Java's `System.Logger` |
//! | `ops` | the operations, and taking the GIL for one call |
//! | `wire` | the wire format's reader and writer |
//! | `convert` | Java <-> Python values |
//! | `names` | the cache of interned attribute names and keys |
//! | `buffers` | numpy arrays and the buffer protocol |
//! | `ext` | datetime and Decimal values <-> java.time and BigDecimal |
//! | `callbacks` | Python -> JVM calls (`JavaFunction`, `JavaObject`) |
//! | `registry` | the ids of Java objects Python freed |
//! | `handles` | the handle table (one per interpreter) |
//! | `interpreters` | sub-interpreters: created on, bound to and ended on one thread each |
//! | `per_interp` | state kept per interpreter; which interpreter a thread runs |
//! | `release` | the release queue and its thread |
//! | `thread_state` | Python thread states for JVM threads; the GIL a thread holds with its own |
//! | `gate` | the call gate in front of the GIL |
//! | `lease` | the GIL-lease protocol |
//! | `stack` | the alternate stack Python runs on |
//! | `runtime` | starting the interpreter |
//! | `capi` | raw CPython, one file per C-API area |
//! | `copy` | large copies on several cores |
//! | `error`, `stats` | the error type; the counters |
//!
//! The module references form no cycle but `convert` <-> `callbacks`, which
//! is inherent: converting a value can make a `JavaFunction`, and calling
//! one converts its arguments and result (`tests/boundaries.rs` checks it).
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
pub mod stats;
pub mod values;

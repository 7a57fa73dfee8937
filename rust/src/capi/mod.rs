//! The CPython C API boundary: the only module that calls `pyo3::ffi`.
//!
//! pyo3's safe API covers most of what pybridge does. What it does not
//! (a str's raw data, the GIL-state and thread-state functions, PyConfig,
//! the buffer protocol without an element type, the cheapest calls and type
//! checks on the hot paths) is wrapped here, one CPython area per file,
//! after the way pyo3 mirrors CPython's `Include/` tree in `pyo3-ffi`:
//!
//! | file | CPython area |
//! |---|---|
//! | `object.rs` | objects: type checks, builtin kinds, calls, iteration |
//! | `number.rs` | ints and floats |
//! | `unicode.rs` | strs |
//! | `containers.rs` | list items, dict entries, bytearray contents |
//! | `critical.rs` | critical sections (free-threaded builds only) |
//! | `buffer.rs` | the buffer protocol |
//! | `errors.rs` | the error indicator |
//! | `threads.rs` | thread states and the GIL |
//! | `types.rs` | heap types made per interpreter (`PyType_FromSpec`) |
//! | `interp.rs` | sub-interpreters (`Py_NewInterpreterFromConfig`, `Py_EndInterpreter`) |
//! | `init.rs` | starting the interpreter (PyConfig) |
//!
//! Each wrapper makes one C call and says why it is sound (`// SAFETY:`,
//! one unsafe operation per block, enforced by the crate's lints). A
//! wrapper is a safe function when a `Python<'py>` token or a `Bound` is
//! all it takes (the GIL is held, the objects are alive); it is an
//! `unsafe fn` with a `# Safety` section only where the caller must uphold
//! something no type expresses (a thread-state protocol, bytes still to be
//! written, raw argument pointers).
//!
//! **Version-specific pieces live only here**, so that support for other
//! CPython versions (3.9–3.13) adds `#[cfg(Py_3_x)]` branches in this
//! module and nowhere else (`build.rs` declares the cfgs). Today's are
//! marked "Version-specific" in their docs:
//! `number::int_from_be_signed` / `number::int_to_be_signed`
//! (`_PyLong_FromByteArray` / `_PyLong_AsByteArray`, gone in 3.13, which has
//! `PyLong_FromNativeBytes` / `PyLong_AsNativeBytes`), `unicode::data`
//! (a str is always "ready" from 3.12 on, not before), and
//! `init::start` (the `PyConfig` fields set).

pub(crate) mod buffer;
pub(crate) mod containers;
#[cfg(Py_GIL_DISABLED)]
pub(crate) mod critical;
pub(crate) mod errors;
pub(crate) mod init;
pub(crate) mod interp;
pub(crate) mod number;
pub(crate) mod object;
pub(crate) mod threads;
pub(crate) mod types;
pub(crate) mod unicode;

/// CPython's object, buffer and thread-state structs, for the few
/// signatures outside this module that carry raw pointers to them.
pub(crate) use pyo3::ffi::{Py_buffer, PyObject, PyThreadState};

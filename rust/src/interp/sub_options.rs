//! What a shared sub-interpreter may do (fork, exec, threads, daemon
//! threads), enforced before Python 3.12.
//!
//! CPython 3.12+ enforces `PyInterpreterConfig` itself. Before 3.12,
//! `Py_NewInterpreter` has no such options, so pybridge runs
//! `python/pybridge/runtime/sub_options.py` in each new sub-interpreter, before any
//! user code: it replaces, in that interpreter's own modules only, the
//! functions its configuration refuses by ones raising `RuntimeError` with
//! CPython 3.12's messages. On 3.12+ this is a no-op.

use crate::capi::interp::Config;
use pyo3::prelude::*;

/// Installs the refusals `cfg` asks for into the current (new)
/// sub-interpreter (GIL held, in that interpreter).
pub(crate) fn install(py: Python<'_>, cfg: &Config) -> PyResult<()> {
    if crate::capi::interp::own_gil_supported() {
        // CPython enforces the configuration itself.
        return Ok(());
    }
    if cfg.allow_threads && cfg.allow_daemon_threads && cfg.allow_fork && cfg.allow_exec {
        return Ok(());
    }
    let code = std::ffi::CString::new(include_str!(
        "../../../python/pybridge/runtime/sub_options.py"
    ))
    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let globals = pyo3::types::PyDict::new(py);
    globals.set_item("__name__", "pybridge.sub_options")?;
    py.run(&code, Some(&globals), None)?;
    let install = globals.get_item("install")?.ok_or_else(|| {
        pyo3::exceptions::PyRuntimeError::new_err("sub_options.py defines no install")
    })?;
    install.call1((
        cfg.allow_threads,
        cfg.allow_daemon_threads,
        cfg.allow_fork,
        cfg.allow_exec,
    ))?;
    Ok(())
}

//! The `pybridge` module of each interpreter: its Python half
//! (`python/pybridge/runtime/module.py`: `JavaException`, the copy helpers),
//! the native types set on it, and in the main interpreter Java from Python
//! (`python/pybridge/runtime/java_bridge.py`).

use super::types::{
    _java_pin_thread, _set_proxy_factory, JavaArrayBase, JavaFunction, JavaMethod, JavaObject,
    SUB_TYPES, SubTypes,
};
use crate::capi::types::NativeType;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The Python half of the module, run in every interpreter.
const SUPPORT: &str = include_str!("../../../python/pybridge/runtime/module.py");

/// Installs the `pybridge` module (JavaException, JavaFunction); GIL held.
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let globals = PyDict::new(py);
    let support = std::ffi::CString::new(SUPPORT)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    py.run(&support, Some(&globals), None)?;
    let module = globals
        .get_item("_mod")?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no module"))?;
    // The contract's tables the `.py` files read (`contract::FOR_PYTHON`).
    let tables = PyDict::new(py);
    for (name, entries) in crate::contract::FOR_PYTHON {
        let t = PyDict::new(py);
        for (k, v) in entries.iter() {
            t.set_item(k, v)?;
        }
        tables.set_item(name, t)?;
    }
    module.setattr("_contract", tables)?;
    if !crate::gil::per_interp::in_main(py) {
        // This interpreter's own heap types (see `SubTypes`).
        let t = SubTypes {
            function: NativeType::new(py)?,
            object: NativeType::new(py)?,
            buffer: NativeType::new(py)?,
        };
        module.setattr("JavaFunction", t.function.type_object(py))?;
        module.setattr("JavaObject", t.object.type_object(py))?;
        module.setattr("JavaBuffer", t.buffer.type_object(py))?;
        let old = SUB_TYPES.with(py, |c| c.replace(std::sync::Arc::new(t)));
        drop(old);
    } else {
        // PyO3 classes: one type object per process, the main interpreter's;
        // Java from Python (`java_bridge.py`, its proxies and the `java`
        // import hook) is built on them, so it is the main interpreter's too.
        module.setattr("JavaFunction", py.get_type::<JavaFunction>())?;
        module.setattr("JavaObject", py.get_type::<JavaObject>())?;
        module.setattr(
            "JavaBuffer",
            py.get_type::<crate::values::buffers::JavaBuffer>(),
        )?;
        module.setattr("JavaMethod", py.get_type::<JavaMethod>())?;
        module.setattr("JavaArrayBase", py.get_type::<JavaArrayBase>())?;
        module.setattr(
            "_set_proxy_factory",
            pyo3::wrap_pyfunction!(_set_proxy_factory, py)?,
        )?;
        module.setattr(
            "_java_pin_thread",
            pyo3::wrap_pyfunction!(_java_pin_thread, py)?,
        )?;
        module.setattr(
            "_output_pending",
            pyo3::wrap_pyfunction!(crate::gil::output::_output_pending, py)?,
        )?;
        module.setattr(
            "_output_register",
            pyo3::wrap_pyfunction!(crate::gil::output::_output_register, py)?,
        )?;
    }
    // What every interpreter runs here, for measurements that compare an
    // interpreter pybridge made with one CPython made alone (the E2E tests).
    module.setattr("_setup_source", SUPPORT)?;
    let make = globals
        .get_item("make")?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no make"))?;
    let old = super::call::MAKE_EXCEPTION.with(py, |c| c.replace(make.unbind()));
    drop(old);
    if crate::gil::per_interp::in_main(py) {
        // Switched on by Java once its dispatcher is registered.
        let code = std::ffi::CString::new(include_str!(
            "../../../python/pybridge/runtime/java_bridge.py"
        ))
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        let g = PyDict::new(py);
        g.set_item("__name__", "pybridge.java_bridge")?;
        py.run(&code, Some(&g), None)?;
    }
    Ok(())
}

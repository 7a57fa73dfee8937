//! Values of Python library types that have a Java counterpart, crossing as
//! `tag::EXT` (a kind and a list of parts): `datetime` and `decimal` values
//! and java.time / `BigDecimal` (kinds: `contract::ext`). The parts are
//! taken apart and put together by `py/ext.py`, run once in a private
//! namespace; which types are such values is decided once per type (a dict
//! keyed by type), so objects of other types cost one dict lookup.

use crate::error::{Error, Result};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The helpers of `py/ext.py` and the per-type answers.
struct Ext {
    families: Py<PyDict>,
    classify: Py<PyAny>,
    parts: Py<PyAny>,
    build: Py<PyAny>,
}

/// One per interpreter: the helpers hold that interpreter's objects.
static EXT: crate::gil::per_interp::PerInterp<std::sync::Arc<Ext>> =
    crate::gil::per_interp::PerInterp::new();

fn ext(py: Python<'_>) -> Result<std::sync::Arc<Ext>> {
    if let Some(x) = EXT.with(py, |c| c.clone()) {
        return Ok(x);
    }
    let made = (|| -> PyResult<Ext> {
        let code = std::ffi::CString::new(include_str!("../../../python/pybridge/runtime/ext.py"))
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        let globals = PyDict::new(py);
        py.run(&code, Some(&globals), None)?;
        let get = |name: &str| -> PyResult<Py<PyAny>> {
            globals
                .get_item(name)?
                .map(Bound::unbind)
                .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_string()))
        };
        Ok(Ext {
            families: PyDict::new(py).unbind(),
            classify: get("classify")?,
            parts: get("parts")?,
            build: get("build")?,
        })
    })()
    .map_err(|e| Error::from_pyerr(py, e))?;
    let x = std::sync::Arc::new(made);
    let old = EXT.with(py, |c| c.replace(x.clone()));
    drop(old);
    Ok(x)
}

/// Whether `obj`'s type is one of those `decompose` takes.
pub(crate) fn has_counterpart(obj: &Bound<'_, PyAny>) -> Result<bool> {
    let x = ext(obj.py())?;
    Ok(family(&x, obj)? != 0)
}

/// The family of `obj`'s type (`py/ext.py`'s `classify`), asked once per
/// type. A type that cannot be a dict key, or that `classify` fails on, has
/// none (its objects stay handles, as before this conversion existed).
fn family(x: &Ext, obj: &Bound<'_, PyAny>) -> Result<u8> {
    let py = obj.py();
    let t = obj.get_type();
    let families = x.families.bind(py);
    if let Ok(Some(f)) = families.get_item(&t) {
        return Ok(f.extract().unwrap_or(0));
    }
    let f: u8 = x
        .classify
        .bind(py)
        .call1((&t,))
        .and_then(|f| f.extract())
        .unwrap_or(0);
    // Not cached if the type cannot be a key: asked again next time.
    let _ = families.set_item(&t, f);
    Ok(f)
}

/// `obj` as an `EXT` value: its kind (0: `None`, pandas' `NaT`) and its
/// parts (a list), or `None` if its type has no Java counterpart.
pub(crate) fn decompose<'py>(obj: &Bound<'py, PyAny>) -> Result<Option<(u8, Bound<'py, PyAny>)>> {
    let py = obj.py();
    let x = ext(py)?;
    let family = family(&x, obj)?;
    if family == 0 {
        return Ok(None);
    }
    let (kind, parts): (u8, Bound<'py, PyAny>) = x
        .parts
        .bind(py)
        .call1((family, obj))
        .and_then(|r| r.extract())
        .map_err(|e| {
            if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
                Error::IllegalArgument(e.value(py).to_string())
            } else {
                Error::from_pyerr(py, e)
            }
        })?;
    Ok(Some((kind, parts)))
}

/// The Python value of a Java one's `kind` and `parts`.
pub(crate) fn build<'py>(
    py: Python<'py>,
    kind: u8,
    parts: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyAny>> {
    let x = ext(py)?;
    x.build.bind(py).call1((kind, parts)).map_err(|e| {
        if e.is_instance_of::<pyo3::exceptions::PyValueError>(py)
            || e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py)
        {
            Error::IllegalArgument(format!(
                "a Java value has no Python counterpart: {}",
                e.value(py)
            ))
        } else {
            Error::from_pyerr(py, e)
        }
    })
}

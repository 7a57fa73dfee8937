//! Declares pyo3's `Py_3_x` cfgs for the CPython this crate is built
//! against (the one pyo3 finds: `PYO3_PYTHON`), so that `capi` can hold the
//! pieces that differ between CPython versions as `#[cfg(Py_3_x)]` branches.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    pyo3_build_config::use_pyo3_cfgs();
}

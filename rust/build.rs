//! Declares pyo3's `Py_3_x` cfgs for the CPython this crate is built
//! against (the one pyo3 finds: `PYO3_PYTHON`), so that `capi` can hold the
//! pieces that differ between CPython versions as `#[cfg(Py_3_x)]` branches.
//!
//! `PYBRIDGE_LIBPYTHON_DIR`, when set, is one more directory the linker
//! searches for `libpython3.Y.so`: the one that really holds it, for a Python
//! whose sysconfig `LIBDIR` (which pyo3 uses) is wrong (a relocated build such
//! as JavaCPP's CPython 3.14) or lies in another root (the Debian unstable
//! root's CPython 3.15). build.gradle sets it from `tools/libpython_dir.py`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PYBRIDGE_LIBPYTHON_DIR");
    pyo3_build_config::use_pyo3_cfgs();
    if let Some(dir) = std::env::var_os("PYBRIDGE_LIBPYTHON_DIR").filter(|d| !d.is_empty()) {
        println!("cargo:rustc-link-search=native={}", dir.to_string_lossy());
    }
}

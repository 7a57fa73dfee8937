#!/usr/bin/env bash
# PyO3 0.29+ refuses to build for free-threaded CPython 3.13 (3.13t): pyo3-ffi's
# build script stops at MIN_FREE_THREADED_VERSION = 3.14, with no override,
# although pyo3-ffi still has every 3.13t layout and function
# (cfg(all(Py_GIL_DISABLED, not(Py_3_14)))). This makes, once, a copy of the
# pyo3-ffi that Cargo.lock names (from cargo's registry cache) whose floor is
# 3.13, in ~/.cache/pybridge-dev/pyo3-ffi-313t/<version>, and prints the cargo
# argument that uses it for one build (the repository's Cargo.toml and
# Cargo.lock are not changed; cargo rewrites Cargo.lock's pyo3-ffi entry while
# it builds, so restore it after, or build from a copy):
#
#   PYO3_PYTHON=<3.13t>/bin/python cargo build --release --target-dir <dir> \
#       --config "$(tools/pyo3-ffi-313t.sh)"
#
# A 3.14t or later needs none of this. Why: docs/decisions/free-threading.md.
set -euo pipefail
cd "$(dirname "$0")/.."
V=$(awk '/^name = "pyo3-ffi"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
[ -n "$V" ] || { echo "pyo3-ffi is not in Cargo.lock" >&2; exit 1; }
D=${PYBRIDGE_DEV_CACHE:-$HOME/.cache/pybridge-dev}/pyo3-ffi-313t/$V
if [ ! -f "$D/.patched" ]; then
    cargo fetch -q >/dev/null 2>&1 || true
    SRC=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/pyo3-ffi-"$V" 2>/dev/null | head -1)
    [ -n "$SRC" ] || { echo "pyo3-ffi $V is not in cargo's registry cache (cargo fetch)" >&2; exit 1; }
    rm -rf "$D.tmp" && mkdir -p "$(dirname "$D")" && cp -r "$SRC" "$D.tmp"
    sed -i 's/^const MIN_FREE_THREADED_VERSION: PythonVersion = PY_3_14;/const MIN_FREE_THREADED_VERSION: PythonVersion = PythonVersion { major: 3, minor: 13 };/' \
        "$D.tmp/build.rs"
    grep -q 'MIN_FREE_THREADED_VERSION: PythonVersion = PythonVersion { major: 3, minor: 13 }' "$D.tmp/build.rs" \
        || { echo "pyo3-ffi $V: its free-threaded floor is not where this script expects it" >&2; exit 1; }
    touch "$D.tmp/.patched" && rm -rf "$D" && mv "$D.tmp" "$D"
fi
echo "patch.crates-io.pyo3-ffi.path=\"$D\""

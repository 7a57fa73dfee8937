//! Core tests with a real interpreter (no JVM): conversions, the handle
//! table, operations, errors. The interpreter is the one in PYBRIDGE_PYTHON
//! (the build sets it to the project venv); LD_LIBRARY_PATH must point at
//! its libpython (the Gradle task `cargoTest` does both).

use pybridge::error::Error;
use pybridge::handles::{self, Handle};
use pybridge::interp::runtime::{self, InitOptions};
use pybridge::ops;
use pybridge::stats::ReleasePath;
use pybridge::values::convert::{self, Mode};
use pybridge::values::wire::{self, Reader, Writer};
use pyo3::prelude::*;
use std::process::Command;
use std::sync::Once;

fn python() -> String {
    std::env::var("PYBRIDGE_PYTHON")
        .unwrap_or_else(|_| format!("{}/../.venv/bin/python", env!("CARGO_MANIFEST_DIR")))
}

fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let exe = python();
        let out = Command::new(&exe)
            .args([
                "-c",
                "import sys, sysconfig, os; print(os.path.realpath(os.path.join(sysconfig.get_config_var('LIBDIR'), sysconfig.get_config_var('INSTSONAME')))); print(sys.version)",
            ])
            .output()
            .expect("run python");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let lib = lines.next().unwrap().to_string();
        let version = lines.collect::<Vec<_>>().join("\n");
        runtime::initialize(&InitOptions {
            executable: exe,
            libpython: lib,
            expected_version: version,
            ..Default::default()
        })
        .expect("interpreter starts and is the expected one");
    });
}

const NO_HANDLE: Handle = Handle { id: 0, slot: 0 };

fn run(op: i32, h: Handle, req: &Writer) -> Result<Vec<u8>, Error> {
    let mut w = Writer::default();
    ops::dispatch(op, h, &mut Reader::new(&req.buf), &mut w)?;
    Ok(w.buf)
}

fn exec(code: &str) {
    let mut req = Writer::default();
    req.str(code);
    req.u8(wire::NONE);
    run(ops::EXEC, NO_HANDLE, &req).unwrap();
}

/// Python value -> wire -> Python value, compared with `==` in Python.
fn round_trip(expr: &str) {
    init();
    Python::attach(|py| {
        let v = py
            .eval(&std::ffi::CString::new(expr).unwrap(), None, None)
            .unwrap();
        let mut w = Writer::default();
        convert::to_wire(&v, &mut w, Mode::Strict, 0).unwrap();
        let back = convert::to_py(py, &mut Reader::new(&w.buf), 0).unwrap();
        let same: bool = v.eq(&back).unwrap() || (v.ne(&v).unwrap() && back.ne(&back).unwrap());
        assert!(same, "{expr}: {v} came back as {back}");
        assert!(
            back.get_type().is(v.get_type()) || expr.contains("bytearray"),
            "{expr}: type changed"
        );
    });
}

#[test]
fn scalars_round_trip() {
    for e in [
        "None",
        "True",
        "False",
        "0",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
        "2**63",
        "-2**63-1",
        "2**100",
        "-(2**100)",
        "1.5",
        "float('nan')",
        "float('-inf')",
        "-0.0",
        "''",
        "'ascii'",
        "'é'*40",
        "'中国'",
        "'😀'",
        "'\\ud800'",
        "'a\\udc00b😀c'",
        "b''",
        "b'\\x00\\xff'",
    ] {
        round_trip(e);
    }
}

#[test]
fn containers_round_trip() {
    for e in [
        "[]",
        "()",
        "{}",
        "set()",
        "frozenset()",
        "[1, [2, [3, []]], 'x']",
        "(1, None, (2,))",
        "{'b': 1, 'a': [1, 2], 3: {'z': None}}",
        "{1, 2, 3}",
        "frozenset({'a'})",
        "[{'a': 1, 'b': 2} for _ in range(1000)]",
    ] {
        round_trip(e);
    }
}

#[test]
fn bytearray_arrives_as_bytes() {
    init();
    Python::attach(|py| {
        let v = py.eval(c"bytearray(b'ab')", None, None).unwrap();
        let mut w = Writer::default();
        convert::to_wire(&v, &mut w, Mode::Strict, 0).unwrap();
        assert_eq!(w.buf[0], wire::BYTES);
    });
}

#[test]
fn self_containing_list_is_a_clear_error() {
    init();
    Python::attach(|py| {
        let l = py
            .eval(c"(lambda l: (l.append(l), l)[1])([])", None, None)
            .unwrap();
        let mut w = Writer::default();
        match convert::to_wire(&l, &mut w, Mode::Convert, 0) {
            Err(Error::IllegalArgument(m)) => assert!(m.contains("nested deeper"), "{m}"),
            other => panic!("expected IllegalArgument, got {other:?}"),
        }
    });
}

#[test]
fn strict_mode_refuses_objects_convert_mode_makes_handles() {
    init();
    Python::attach(|py| {
        let o = py.eval(c"[object()]", None, None).unwrap();
        let mut w = Writer::default();
        assert!(matches!(
            convert::to_wire(&o, &mut w, Mode::Strict, 0),
            Err(Error::Unconvertible(_))
        ));
        let mut w = Writer::default();
        convert::to_wire(&o, &mut w, Mode::Convert, 0).unwrap();
        let mut r = Reader::new(&w.buf);
        assert_eq!(r.u8().unwrap(), wire::LIST);
        assert_eq!(r.i32().unwrap(), 1);
        assert_eq!(r.u8().unwrap(), wire::HANDLE);
        let h = r.handle().unwrap();
        assert_eq!(handles::type_name_of_id(h.id), "object");
        assert!(handles::release(py, h, ReleasePath::Close));
    });
}

#[test]
fn stale_handles_never_reach_a_newer_object() {
    init();
    Python::attach(|py| {
        let a = handles::insert(py.eval(c"{'first': 1}", None, None).unwrap());
        assert!(handles::release(py, a, ReleasePath::Close));
        // A new object may reuse the slot; the old handle must not see it.
        let b = handles::insert(py.eval(c"[1, 2, 3]", None, None).unwrap());
        assert_ne!(a.id, b.id);
        match handles::get(py, a) {
            Err(Error::Released { id }) => {
                assert_eq!(id, a.id);
                assert_eq!(handles::type_name_of_id(id), "dict");
            }
            Ok(v) => panic!("stale handle returned {v}"),
            Err(e) => panic!("unexpected {e:?}"),
        }
        // Releasing twice is a no-op, also for the stale one.
        assert!(!handles::release(py, a, ReleasePath::Close));
        assert_eq!(handles::get(py, b).unwrap().len().unwrap(), 3);
        assert!(handles::release(py, b, ReleasePath::Close));
        assert!(!handles::release(py, b, ReleasePath::Close));
    });
}

#[test]
fn release_with_the_gil_held_is_immediate() {
    init();
    exec(
        "import weakref\nclass _Probe: pass\n_probe_state = {'freed': 0}\ndef _make_probe():\n    p = _Probe()\n    weakref.finalize(p, lambda: _probe_state.__setitem__('freed', _probe_state['freed'] + 1))\n    return p\n",
    );
    Python::attach(|py| {
        let main = py.import("__main__").unwrap();
        let p = main.getattr("_make_probe").unwrap().call0().unwrap();
        let h = handles::insert(p);
        let state = main.getattr("_probe_state").unwrap();
        let freed = || state.get_item("freed").unwrap().extract::<i64>().unwrap();
        let before = freed();
        assert!(handles::release(py, h, ReleasePath::Scope));
        assert_eq!(
            freed(),
            before + 1,
            "finalizer ran before release() returned"
        );
    });
}

#[test]
fn python_errors_carry_type_message_frames_and_syntax_position() {
    init();
    exec("def _boom():\n    raise ValueError('bad value')\n");
    let mut req = Writer::default();
    req.str("_boom()");
    req.u8(wire::NONE);
    req.u8(2);
    match run(ops::EVAL, NO_HANDLE, &req) {
        Err(Error::Python(info)) => {
            assert_eq!(info.type_name, "ValueError");
            assert_eq!(info.message, "bad value");
            assert!(
                info.frames.iter().any(|f| f.function == "_boom"),
                "{:?}",
                info.frames
            );
            assert!(info.traceback.contains("Traceback (most recent call last)"));
        }
        other => panic!("expected a Python error, got {other:?}"),
    }
    let mut req = Writer::default();
    req.str("x = (1,\ny = 2");
    req.u8(wire::NONE);
    match run(ops::EXEC, NO_HANDLE, &req) {
        Err(Error::Python(info)) => {
            assert_eq!(info.type_name, "SyntaxError");
            assert!(info.line >= 1, "line {}", info.line);
            assert!(info.offset >= 1, "offset {}", info.offset);
        }
        other => panic!("expected SyntaxError, got {other:?}"),
    }
    let mut req = Writer::default();
    req.str("raise SystemExit(3)");
    req.u8(wire::NONE);
    match run(ops::EXEC, NO_HANDLE, &req) {
        Err(Error::Python(info)) => assert_eq!(info.type_name, "SystemExit"),
        other => panic!("expected SystemExit as an error, got {other:?}"),
    }
    let mut req = Writer::default();
    req.str("json.decoder_missing_module_xyz");
    match run(ops::IMPORT, NO_HANDLE, &req) {
        Err(Error::Python(info)) => assert_eq!(info.type_name, "ModuleNotFoundError"),
        other => panic!("expected ModuleNotFoundError, got {other:?}"),
    }
}

#[test]
fn call_with_args_and_kwargs_through_dispatch() {
    init();
    exec("def _kw(a, b=0, *rest, c=10): return [a, b, list(rest), c]\n");
    let mut req = Writer::default();
    req.str("_kw");
    req.u8(wire::NONE);
    req.u8(0);
    let out = run(ops::EVAL, NO_HANDLE, &req).unwrap();
    let mut r = Reader::new(&out);
    assert_eq!(r.u8().unwrap(), wire::HANDLE);
    let f = r.handle().unwrap();
    // _kw(1, 2, 3, 4, 5, 6, c=7): more than the inline argument slots.
    let mut call = Writer::default();
    call.u8(2);
    call.i32(6);
    for i in 1..=6 {
        call.u8(wire::INT);
        call.i64(i);
    }
    call.u8(wire::DICT);
    call.i32(1);
    call.str("c");
    call.u8(wire::INT);
    call.i64(7);
    let out = run(ops::CALL, f, &call).unwrap();
    Python::attach(|py| {
        let v = convert::to_py(py, &mut Reader::new(&out), 0).unwrap();
        assert_eq!(v.repr().unwrap().to_string(), "[1, 2, [3, 4, 5, 6], 7]");
        handles::release(py, f, ReleasePath::Close);
    });
}

#[test]
fn malformed_requests_are_errors_not_crashes() {
    init();
    for bytes in [
        &[][..],
        &[wire::STR_LATIN1, 255, 255, 255, 127][..],
        &[99][..],
    ] {
        let mut w = Writer::default();
        let r = ops::dispatch(ops::EXEC, NO_HANDLE, &mut Reader::new(bytes), &mut w);
        assert!(matches!(r, Err(Error::Internal(_))), "{bytes:?}: {r:?}");
    }
    let mut w = Writer::default();
    let r = ops::dispatch(9999, NO_HANDLE, &mut Reader::new(&[]), &mut w);
    assert!(matches!(r, Err(Error::Internal(_))));
}

#[test]
fn gil_leases_nest_and_unbalanced_release_is_an_error() {
    init();
    std::thread::spawn(|| {
        assert!(matches!(
            pybridge::gil::thread_state::release(),
            Err(Error::IllegalState(_))
        ));
        pybridge::gil::thread_state::acquire().unwrap();
        pybridge::gil::thread_state::acquire().unwrap();
        assert_eq!(pybridge::gil::thread_state::held_depth(), 2);
        assert_eq!(pybridge::gil::thread_state::release().unwrap(), 1);
        assert_eq!(pybridge::gil::thread_state::release().unwrap(), 0);
        assert!(pybridge::gil::thread_state::release().is_err());
    })
    .join()
    .unwrap();
}

//! Decomposes the cost of one native call (no JVM): run with
//! `LD_LIBRARY_PATH=<libdir> cargo run --release --example native_call -- <python>`.
use pybridge::handles::Handle;
use pybridge::interp::runtime::{self, InitOptions};
use pybridge::ops;
use pybridge::values::wire::{self, Reader, Writer};
use pyo3::prelude::*;
use std::time::Instant;

fn best<F: FnMut()>(label: &str, n: u32, mut f: F) {
    let n = std::env::var("ITER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    let rounds = if n < 1000 { 1 } else { 7 };
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
    }
    println!("{label:40} {best:8.1} ns");
}

/// A handle to the value of a Python expression (EVAL in handle mode).
fn eval_handle(code: &str) -> Handle {
    let mut req = Writer::default();
    req.str(code);
    req.u8(wire::NONE);
    req.u8(0);
    let mut w = Writer::default();
    ops::dispatch(
        ops::EVAL,
        Handle { id: 0, slot: 0 },
        &mut Reader::new(&req.buf),
        &mut w,
    )
    .unwrap();
    let mut r = Reader::new(&w.buf);
    assert_eq!(r.u8().unwrap(), wire::HANDLE);
    r.handle().unwrap()
}

fn main() {
    let exe = std::env::args().nth(1).expect("python executable");
    let lib = std::env::args().nth(2).expect("libpython path");
    runtime::initialize(&InitOptions {
        executable: exe,
        libpython: lib,
        ..Default::default()
    })
    .unwrap();
    let mut w = Writer::default();
    let mut req = Writer::default();
    req.str("def f(x): return x");
    req.u8(wire::NONE);
    ops::dispatch(
        ops::EXEC,
        Handle { id: 0, slot: 0 },
        &mut Reader::new(&req.buf),
        &mut w,
    )
    .unwrap();
    let h = eval_handle("f");

    let mut call = Writer::default();
    call.u8(2);
    call.i32(1);
    call.u8(wire::INT);
    call.i64(7);
    call.u8(wire::NONE);
    best("dispatch CALL (GIL per call)", 200_000, || {
        w.clear();
        ops::dispatch(ops::CALL, h, &mut Reader::new(&call.buf), &mut w).unwrap();
    });
    best("call_long (callLong, GIL per call)", 200_000, || {
        w.clear();
        assert_eq!(ops::call_long(h, 7, 2, &mut w).unwrap(), Some(7));
    });
    pybridge::gil::thread_state::acquire().unwrap();
    best("call_long (callLong, GIL held)", 200_000, || {
        w.clear();
        assert_eq!(ops::call_long(h, 7, 2, &mut w).unwrap(), Some(7));
    });
    best("dispatch CALL (GIL held)", 200_000, || {
        w.clear();
        ops::dispatch(ops::CALL, h, &mut Reader::new(&call.buf), &mut w).unwrap();
    });
    let dict = eval_handle("{'a': 1, 'b': 2}");
    for (label, mode) in [
        ("dispatch TO_JAVA {'a':1,'b':2} (GIL held)", 1u8),
        ("dispatch TO_JAVA dict SHALLOW (GIL held)", 3u8),
    ] {
        let mut tj = Writer::default();
        tj.u8(mode);
        best(label, 200_000, || {
            w.clear();
            ops::dispatch(ops::TO_JAVA, dict, &mut Reader::new(&tj.buf), &mut w).unwrap();
        });
    }
    let mut tp = Writer::default();
    tp.u8(wire::DICT);
    tp.i32(2);
    tp.str("a");
    tp.u8(wire::INT);
    tp.i64(1);
    tp.str("b");
    tp.u8(wire::INT);
    tp.i64(2);
    best("dispatch TO_PYTHON {a:1,b:2} + release", 200_000, || {
        w.clear();
        ops::dispatch(ops::TO_PYTHON, dict, &mut Reader::new(&tp.buf), &mut w).unwrap();
        let mut r = Reader::new(&w.buf);
        r.u8().unwrap();
        let h = r.handle().unwrap();
        Python::attach(|py| {
            pybridge::handles::release_many(py, &[h], pybridge::stats::ReleasePath::Close)
        });
    });
    let mut ln = Writer::default();
    ln.u8(0);
    best("dispatch LEN (GIL held)", 200_000, || {
        w.clear();
        ops::dispatch(ops::LEN, dict, &mut Reader::new(&ln.buf), &mut w).unwrap();
    });
    let mut gi = Writer::default();
    gi.str("a");
    gi.u8(2);
    best("dispatch GETITEM 'a' → long (GIL held)", 200_000, || {
        w.clear();
        ops::dispatch(ops::GETITEM, dict, &mut Reader::new(&gi.buf), &mut w).unwrap();
    });
    pybridge::gil::thread_state::release().unwrap();
    best(
        "dispatch GETITEM 'a' → long (GIL per call)",
        200_000,
        || {
            w.clear();
            ops::dispatch(ops::GETITEM, dict, &mut Reader::new(&gi.buf), &mut w).unwrap();
        },
    );
    best("gate::enter_call + drop (one thread)", 1_000_000, || {
        drop(std::hint::black_box(pybridge::gil::gate::enter_call(
            pybridge::gil::thread_state::gate_eligible,
        )));
    });
    best("Python::attach only", 200_000, || {
        Python::attach(|py| {
            std::hint::black_box(py);
        })
    });
    best("PyGILState_Ensure+Release", 200_000, || {
        // SAFETY: the interpreter is up; this thread does not hold the GIL.
        let g = unsafe { pyo3::ffi::PyGILState_Ensure() };
        // SAFETY: matches the Ensure just above, on this thread.
        unsafe { pyo3::ffi::PyGILState_Release(g) };
    });
    let fobj = Python::attach(|py| pybridge::handles::get(py, h).unwrap().unbind());
    best("attach + f(x) per call", 200_000, || {
        Python::attach(|py| {
            let x = 7i64.into_pyobject(py).unwrap();
            std::hint::black_box(fobj.bind(py).call1((&x,)).unwrap());
        })
    });
    best("attach + get + f(x) per call", 200_000, || {
        Python::attach(|py| {
            let f = pybridge::handles::get(py, h).unwrap();
            let x = 7i64.into_pyobject(py).unwrap();
            std::hint::black_box(f.call1((&x,)).unwrap());
        })
    });
    Python::attach(|py| {
        let f = pybridge::handles::get(py, h).unwrap();
        let x = 7i64.into_pyobject(py).unwrap();
        best("f(x) vectorcall, GIL held", 200_000, || {
            std::hint::black_box(f.call1((&x,)).unwrap());
        });
        best("handles::get", 200_000, || {
            std::hint::black_box(pybridge::handles::get(py, h).unwrap());
        });
    });
}

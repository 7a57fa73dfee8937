//! The operations Java can ask for, free of JNI types: each reads its
//! arguments from a `Reader` over the request bytes and writes its result
//! to a `Writer`. `dispatch` is what the one hot JNI entry point calls.
//!
//! The op codes are in `contract.rs` (Java's `Contract.Op` is generated
//! from it). The GIL is taken for one call by `gil::call` (`with_gil`,
//! `with_gil_as`, and `with_gil_raw` for the fast paths).

use crate::capi::number::{self, I64};
use crate::capi::{self, object};
use crate::error::{Error, Result};
use crate::gil::call::{self, with_gil, with_gil_as};
use crate::gil::per_interp::PerInterp;
use crate::gil::{gate, lease, thread_state};
use crate::handles::Handle;
use crate::handles::{self, release};
use crate::interp::runtime::{self, InitOptions};
use crate::stats::{self, ReleasePath};
use crate::values::convert::{self, Mode};
use crate::values::names;
use crate::values::wire::{self, Reader, Writer};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

pub use crate::contract::op::*;

/// Runs one operation. `op` is the operation code, tagged with the calling
/// virtual thread's GIL lease slot when it has one (`lease::SLOT_SHIFT`);
/// `id` is the handle the op applies to (id 0 if none).
pub fn dispatch(op: i32, id: Handle, r: &mut Reader<'_>, w: &mut Writer) -> Result<()> {
    let slot = (op as u32) >> lease::SLOT_SHIFT;
    let op = op & ((1 << lease::SLOT_SHIFT) - 1);
    if crate::remote::active() && matches!(op, NUMPY_EMPTY | NUMPY_VIEW | AS_BUFFER | INTERP_NEW) {
        return Err(crate::remote::refused(match op {
            AS_BUFFER => "memory shared without a copy (asBuffer)",
            INTERP_NEW => "a sub-interpreter of a process interpreter",
            _ => {
                "memory shared without a copy (toNumpy of a Java array or buffer; \
                  Python.toPython(NDArray) copies one)"
            }
        }));
    }
    match op {
        // Ops that never need the GIL.
        INIT => init(r, w),
        STATS => {
            for x in stats::snapshot() {
                w.i64(x);
            }
            Ok(())
        }
        ENQUEUE => {
            let n = r.len(12)?;
            let mut hs = Vec::with_capacity(n);
            for _ in 0..n {
                hs.push(r.handle()?);
            }
            release::enqueue(&hs);
            Ok(())
        }
        INTERP_NEW => {
            let cfg = crate::capi::interp::Config {
                own_gil: r.u8()? != 0,
                allow_threads: r.u8()? != 0,
                allow_daemon_threads: r.u8()? != 0,
                allow_fork: r.u8()? != 0,
                allow_exec: r.u8()? != 0,
            };
            let n = r.len(1)?;
            let mut path = Vec::with_capacity(n);
            for _ in 0..n {
                path.push(r.string()?);
            }
            let c = crate::interp::interpreters::create(&cfg, &path)?;
            w.i32(c.index as i32);
            w.i64(c.id);
            Ok(())
        }
        INTERP_END => crate::interp::interpreters::end(),
        GIL_ACQUIRE | GIL_RELEASE | GIL_SUSPEND | GIL_RESUME if thread_state::bound_to_sub() => {
            Err(Error::IllegalState(
                "GIL leases (withGil, acquireGil, releaseGilWhile) are for the main interpreter: an \
                 Interpreter's own thread has that interpreter to itself already (use Interpreter.call)"
                    .into(),
            ))
        }
        GIL_ACQUIRE => {
            // The holder's name is for messages only: any Java name is taken.
            let name = r.label()?;
            if r.u8()? != 0 {
                // A virtual thread: a lease slot, taken up by GIL_RESUME.
                let slot = lease::virtual_new(&name)?;
                w.i32(slot as i32);
                return Ok(());
            }
            thread_state::acquire_named(&name)?;
            w.i32(0);
            Ok(())
        }
        GIL_RELEASE if slot != 0 => {
            lease::virtual_end(slot, false)?;
            w.i32(0);
            Ok(())
        }
        GIL_RELEASE => {
            if thread_state::held_depth() == 1
                && release::policy() == release::Policy::CallerThreads
            {
                // Outermost withGil ends on a thread that holds the GIL: drop
                // what the JVM collected meanwhile.
                with_gil(release::drain_now)?;
            }
            let left = thread_state::release()?;
            w.i32(left as i32);
            Ok(())
        }
        GIL_SUSPEND if slot != 0 => {
            lease::virtual_suspend(slot);
            w.u8(1);
            Ok(())
        }
        GIL_SUSPEND => {
            let s = thread_state::suspend()?;
            w.u8(s as u8);
            Ok(())
        }
        GIL_RESUME if slot != 0 => {
            // A virtual thread's lease takes its right back: only with the
            // GIL is it certain that no call runs Python now.
            if lease::virtual_may_reenter(slot)? {
                return Ok(());
            }
            with_gil(|py| lease::virtual_reenter(py, slot))?
        }
        GIL_RESUME => thread_state::resume(),
        LEASE_INFO => {
            match lease::holder() {
                Some((name, secs, vslot)) => {
                    w.u8(1);
                    w.str(&name);
                    w.f64(secs);
                    w.i32(vslot as i32);
                }
                None => w.u8(0),
            }
            Ok(())
        }
        LEASE_BREAK => lease::virtual_end(slot, true),
        GIL_DEPTH => {
            w.i32(thread_state::held_depth() as i32);
            Ok(())
        }
        DEBUG_PANIC => {
            let msg = r.string()?;
            panic!("{}", msg);
        }
        TAKE_FREED_FUNCTIONS => {
            let ids = crate::handles::registry::take_freed();
            w.len(ids.len())?;
            for i in ids {
                w.i64(i);
            }
            Ok(())
        }
        INFO => {
            let info = runtime::info().ok_or_else(Error::not_initialized)?;
            w.str(&info.version);
            w.str(&info.executable);
            w.str(&info.prefix);
            w.str(&info.base_prefix);
            w.str(&info.libpython);
            Ok(())
        }
        _ => {
            let caller = lease::Caller::of(slot, thread_state::my_token, gate::nested_call);
            let (r, reenter) = with_gil_as(caller, |py| {
                if op != DRAIN {
                    release::drain_if_caller_policy(py);
                }
                dispatch_py(py, op, id, r, w)
            })?;
            w.reenter = reenter;
            r.map_err(crate::gil::per_interp::explain_import_error)
        }
    }
}

/// The typed fast path `PyObject.callLong(long)`: `f(x)` with a Python int
/// made from `x`. An int result that fits in 64 bits is returned as is (no
/// wire format); any other result is written to `w` in result mode `mode`
/// (as `callAs` would) and `None` is returned.
pub fn call_long(id: Handle, x: i64, mode: u8, w: &mut Writer) -> Result<Option<i64>> {
    let mode = Mode::from_code(mode)?;
    if thread_state::interpreter_up() && !release::drain_wanted() {
        thread_state::ensure_pinned();
        let raw = crate::gil::stack::run_python(|| {
            call::with_gil_raw(|py| call_long_in(py, id, x, mode, w, true))
        })
        .map_err(|_| Error::stack_exhausted(crate::gil::stack::ALT_SIZE >> 20))?;
        if let Some(r) = raw {
            return r;
        }
    }
    // Virtual threads holding a lease never come here (Java sends their
    // calls through CALL, tagged with the lease).
    let caller = lease::Caller::of(0, thread_state::my_token, gate::nested_call);
    with_gil_as(caller, |py| {
        release::drain_if_caller_policy(py);
        call_long_in(py, id, x, mode, w, false)
    })?
    .0
}

/// Releases one handle (`PyObject.close()`) through `call::with_gil_raw`,
/// without the wire format: whether it was live, or `None` when the caller
/// must take the ordinary path (`RELEASE`; not initialised, a lease held
/// by another thread, releases waiting to be drained, a thread the raw
/// path does not serve). The object is freed at once, its `__del__` run
/// here; it works with `Bound`s only, as `with_gil_raw` requires.
pub(crate) fn release_one(h: Handle) -> Option<bool> {
    if !thread_state::interpreter_up() || release::drain_wanted() {
        return None;
    }
    thread_state::ensure_pinned();
    // `__del__` may run: Python code, on Python's stack. An exhausted stack
    // sends the caller the ordinary way, which reports it.
    crate::gil::stack::run_python(|| {
        call::with_gil_raw(|py| handles::release(py, h, ReleasePath::Close))
    })
    .ok()
    .flatten()
}

/// `call_long`'s body. `raw`: running under `call::with_gil_raw` (pyo3's
/// attach count at 0), so anything that may drop a `Py<T>` (errors,
/// conversions) runs inside a nested `Python::attach`.
#[inline]
fn call_long_in(
    py: Python<'_>,
    id: Handle,
    x: i64,
    mode: Mode,
    w: &mut Writer,
    raw: bool,
) -> Result<Option<i64>> {
    let f = handles::get(py, id)?;
    // Under `raw`, a `PyErr` is only dropped inside `nested` (it holds
    // `Py<T>`s, which pyo3 would otherwise park in its deferred pool).
    let arg = match number::int_from_i64(py, x) {
        Ok(a) => a,
        Err(e) => return nested(py, raw, move |py| Err(Error::from_pyerr(py, e))),
    };
    let v = object::call_one_arg(&f, &arg);
    drop(arg);
    let v = match v {
        Ok(v) => v,
        Err(e) => return nested(py, raw, move |py| Err(Error::from_pyerr(py, e))),
    };
    if let Some(i) = object::exact_int(&v) {
        match number::int_to_i64(i) {
            I64::Value(r) => return Ok(Some(r)),
            // Left to the conversion below, which reports it.
            I64::Error => capi::errors::clear(py),
            I64::Overflow => {}
        }
    }
    nested(py, raw, |_| {
        convert::write_result(&v, w, mode)?;
        Ok(None)
    })
}

/// Runs `f` with pyo3's attach count raised when `raw` (see `call_long_in`):
/// a nested `Python::attach`, cheap since the GIL is held.
fn nested<T>(py: Python<'_>, raw: bool, f: impl for<'p> FnOnce(Python<'p>) -> T) -> T {
    if raw { Python::attach(f) } else { f(py) }
}

fn pyerr(py: Python<'_>) -> impl Fn(PyErr) -> Error + '_ {
    move |e| Error::from_pyerr(py, e)
}

/// `__main__`'s dict and `builtins`, looked up once per interpreter.
static MAIN_DICT: PerInterp<Py<PyDict>> = PerInterp::new();
static BUILTINS_MOD: PerInterp<Py<PyAny>> = PerInterp::new();

fn main_dict(py: Python<'_>) -> Result<Bound<'_, PyDict>> {
    if let Some(d) = MAIN_DICT.with(py, |c| c.as_ref().map(|d| d.clone_ref(py))) {
        return Ok(d.into_bound(py));
    }
    let d = py.import("__main__").map_err(pyerr(py))?.dict();
    let keep = d.clone().unbind();
    let old = MAIN_DICT.with(py, |c| c.replace(keep));
    drop(old);
    Ok(d)
}

fn builtins(py: Python<'_>) -> Result<Bound<'_, PyAny>> {
    if let Some(b) = BUILTINS_MOD.with(py, |c| c.as_ref().map(|b| b.clone_ref(py))) {
        return Ok(b.into_bound(py));
    }
    let b = py.import("builtins").map_err(pyerr(py))?.into_any();
    let keep = b.clone().unbind();
    let old = BUILTINS_MOD.with(py, |c| c.replace(keep));
    drop(old);
    Ok(b)
}

/// Reads a globals namespace: `NONE` for `__main__`, or a handle to a dict.
fn read_globals<'py>(py: Python<'py>, r: &mut Reader<'_>) -> Result<Bound<'py, PyDict>> {
    let tag = r.u8()?;
    match tag {
        wire::NONE => main_dict(py),
        wire::HANDLE => {
            let g = handles::get(py, r.handle()?)?;
            g.cast_into::<PyDict>()
                .map_err(|_| Error::IllegalArgument("globals must be a Python dict".into()))
        }
        t => Err(Error::Internal(format!("bad globals tag {t}"))),
    }
}

fn run_code<'py>(
    py: Python<'py>,
    code: &Bound<'py, PyAny>,
    globals: &Bound<'py, PyDict>,
    mode: &str,
    filename: &str,
) -> Result<Bound<'py, PyAny>> {
    let b = builtins(py)?;
    if !globals.contains("__builtins__").map_err(pyerr(py))? {
        globals.set_item("__builtins__", &b).map_err(pyerr(py))?;
    }
    let compiled = b
        .getattr("compile")
        .and_then(|c| c.call1((code, filename, mode)))
        .map_err(pyerr(py))?;
    let runner = if mode == "eval" { "eval" } else { "exec" };
    b.getattr(runner)
        .and_then(|f| f.call1((compiled, globals)))
        .map_err(pyerr(py))
}

/// Source code as the exact Python str Java sent (lone surrogates kept), so
/// that `compile` treats it as CPython would: a lone surrogate in source is
/// CPython's `UnicodeEncodeError`, never a silent U+FFFD.
fn read_code<'py>(py: Python<'py>, r: &mut Reader<'_>) -> Result<Bound<'py, PyAny>> {
    let code = convert::to_py(py, r, 0)?;
    if !code.is_instance_of::<PyString>() {
        return Err(Error::Internal(
            "malformed request from Java: code is not a string".into(),
        ));
    }
    Ok(code)
}

fn read_mode(r: &mut Reader<'_>) -> Result<Mode> {
    Mode::from_code(r.u8()?)
}

fn read_kwargs<'py>(py: Python<'py>, r: &mut Reader<'_>) -> Result<Option<Bound<'py, PyDict>>> {
    if r.peek()? == wire::NONE {
        r.u8()?;
        return Ok(None);
    }
    let v = convert::to_py(py, r, 1)?;
    if v.is_none() {
        return Ok(None);
    }
    let d = v
        .cast_into::<PyDict>()
        .map_err(|_| Error::Internal("keyword arguments must be a map".into()))?;
    for k in d.keys() {
        if !k.is_instance_of::<PyString>() {
            return Err(Error::IllegalArgument(format!(
                "keyword argument names must be strings, found {}",
                k.repr().map(|r| r.to_string()).unwrap_or_default()
            )));
        }
    }
    Ok(Some(d))
}

/// Calls `f` with positional `args` and optional `kwargs`: vectorcall for the
/// common no-keyword case (no tuple built, no allocation for <= 4 arguments).
fn call<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    args: &convert::Args<'py>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> Result<Bound<'py, PyAny>> {
    if let Some(kw) = kwargs {
        let t = PyTuple::new(py, args.to_vec()).map_err(pyerr(py))?;
        return f.call(t, Some(kw)).map_err(pyerr(py));
    }
    ARGV.with(|cell| {
        let mut ptrs = cell.take();
        ptrs.clear();
        args.pointers(&mut ptrs);
        // SAFETY: `ptrs` is the spare slot followed by pointers borrowed
        // from `args`, which outlives the call.
        let res = unsafe { object::vectorcall(f, &mut ptrs) };
        ptrs.clear();
        cell.set(ptrs);
        res.map_err(pyerr(py))
    })
}

thread_local! {
    /// Reused argument-pointer array (taken out while in use: a nested call
    /// made by the Python code gets its own).
    static ARGV: std::cell::Cell<Vec<*mut capi::PyObject>> = const { std::cell::Cell::new(Vec::new()) };
}

fn dispatch_py(
    py: Python<'_>,
    op: i32,
    id: Handle,
    r: &mut Reader<'_>,
    w: &mut Writer,
) -> Result<()> {
    match op {
        EXEC => {
            let code = read_code(py, r)?;
            let globals = read_globals(py, r)?;
            run_code(py, &code, &globals, "exec", "<exec>")?;
            Ok(())
        }
        EVAL => {
            let code = read_code(py, r)?;
            let globals = read_globals(py, r)?;
            let mode = read_mode(r)?;
            let v = run_code(py, &code, &globals, "eval", "<eval>")?;
            convert::write_result(&v, w, mode)
        }
        IMPORT => {
            let name = r.string()?;
            let m = py.import(name.as_str()).map_err(pyerr(py))?;
            convert::write_result(m.as_any(), w, Mode::Handle)
        }
        BUILTINS => convert::write_result(&builtins(py)?, w, Mode::Handle),
        MAIN_MODULE => {
            let m = py.import("__main__").map_err(pyerr(py))?;
            convert::write_result(m.as_any(), w, Mode::Handle)
        }
        TO_PYTHON => {
            let v = convert::to_py(py, r, 0)?;
            convert::write_result(&v, w, Mode::Handle)
        }
        TO_JAVA => {
            let obj = handles::get(py, id)?;
            let mode = read_mode(r)?;
            to_java_top(&obj, w, mode)
        }
        GETATTR => {
            let obj = handles::get(py, id)?;
            let name = names::read_name(py, r)?;
            let mode = read_mode(r)?;
            let v = obj.getattr(&name).map_err(pyerr(py))?;
            convert::write_result(&v, w, mode)
        }
        SETATTR => {
            let obj = handles::get(py, id)?;
            let name = names::read_name(py, r)?;
            let v = convert::to_py(py, r, 0)?;
            obj.setattr(&name, v).map_err(pyerr(py))
        }
        HASATTR => {
            let obj = handles::get(py, id)?;
            let name = names::read_name(py, r)?;
            let has = obj.hasattr(&name).map_err(pyerr(py))?;
            w.u8(if has { wire::TRUE } else { wire::FALSE });
            Ok(())
        }
        CALL => {
            let f = handles::get(py, id)?;
            let mode = read_mode(r)?;
            let args = convert::read_args(py, r)?;
            let kwargs = read_kwargs(py, r)?;
            let v = call(py, &f, &args, kwargs.as_ref())?;
            convert::write_result(&v, w, mode)
        }
        CALLATTR => {
            let obj = handles::get(py, id)?;
            let name = names::read_name(py, r)?;
            let mode = read_mode(r)?;
            let args = convert::read_args(py, r)?;
            let kwargs = read_kwargs(py, r)?;
            let f = obj.getattr(&name).map_err(pyerr(py))?;
            let v = call(py, &f, &args, kwargs.as_ref())?;
            convert::write_result(&v, w, mode)
        }
        GETITEM => {
            let obj = handles::get(py, id)?;
            let key = names::read_key(py, r)?;
            let mode = read_mode(r)?;
            let v = obj.get_item(key).map_err(pyerr(py))?;
            convert::write_result(&v, w, mode)
        }
        SETITEM => {
            let obj = handles::get(py, id)?;
            let key = names::read_key(py, r)?;
            let v = convert::to_py(py, r, 0)?;
            obj.set_item(key, v).map_err(pyerr(py))
        }
        DELITEM => {
            let obj = handles::get(py, id)?;
            let key = names::read_key(py, r)?;
            obj.del_item(key).map_err(pyerr(py))
        }
        CONTAINS => {
            let obj = handles::get(py, id)?;
            let key = names::read_key(py, r)?;
            let has = obj.contains(key).map_err(pyerr(py))?;
            w.u8(if has { wire::TRUE } else { wire::FALSE });
            Ok(())
        }
        LEN => {
            let obj = handles::get(py, id)?;
            let n = obj.len().map_err(pyerr(py))?;
            w.i64(n as i64);
            Ok(())
        }
        TYPENAME => {
            let obj = handles::get(py, id)?;
            w.str(&crate::error::qualified_type_name(&obj.get_type()));
            Ok(())
        }
        REPR => {
            let obj = handles::get(py, id)?;
            let s = obj.repr().map_err(pyerr(py))?;
            convert::to_wire(s.as_any(), w, Mode::Strict, 0)
        }
        STR => {
            let obj = handles::get(py, id)?;
            let s = obj.str().map_err(pyerr(py))?;
            convert::to_wire(s.as_any(), w, Mode::Strict, 0)
        }
        RELEASE => {
            let path = ReleasePath::from_code(r.i32()?)
                .ok_or_else(|| Error::Internal("bad release path".into()))?;
            let done = handles::release(py, id, path);
            w.u8(done as u8);
            Ok(())
        }
        RELEASE_BATCH => {
            let path = ReleasePath::from_code(r.i32()?)
                .ok_or_else(|| Error::Internal("bad release path".into()))?;
            let n = r.len(12)?;
            let mut hs = Vec::with_capacity(n);
            for _ in 0..n {
                hs.push(r.handle()?);
            }
            let done = handles::release_many(py, &hs, path);
            w.i64(done as i64);
            Ok(())
        }
        THREAD_STATES => {
            w.i64(thread_state::interpreter_thread_states(py));
            Ok(())
        }
        NUMPY_EMPTY => {
            let dtype = crate::values::buffers::DType::from_code(r.u8()?)?;
            let ndim = r.len(8)?;
            let mut shape = Vec::with_capacity(ndim);
            for _ in 0..ndim {
                shape.push(r.i64()?);
            }
            let (arr, addr, len) = crate::values::buffers::empty(py, dtype, &shape)?;
            w.handle(handles::insert(arr));
            w.i64(addr as i64);
            w.i64(len as i64);
            Ok(())
        }
        NUMPY_VIEW => {
            let mv = convert::to_py(py, r, 0)?;
            let code = r.u8()?;
            let big_endian = code & crate::contract::dtype::BIG_ENDIAN != 0;
            let dtype = crate::values::buffers::DType::from_code(
                code & !crate::contract::dtype::BIG_ENDIAN,
            )?;
            let ndim = r.len(8)?;
            let mut shape = Vec::with_capacity(ndim);
            for _ in 0..ndim {
                shape.push(r.i64()?);
            }
            let arr = crate::values::buffers::frombuffer(py, &mv, dtype, big_endian, &shape)?;
            w.handle(handles::insert(arr));
            Ok(())
        }
        AS_BUFFER => {
            let obj = handles::get(py, id)?;
            let e = crate::values::buffers::export(&obj, false)?;
            if e.holds_objects {
                // Raw PyObject pointers: reading them discloses addresses,
                // writing one crashes the process.
                return Err(Error::IllegalArgument(format!(
                    "a '{}' whose items are Python object references (dtype=object) has no memory \
                     Java can share: convert it (e.g. .astype(float) or .tolist())",
                    crate::error::qualified_type_name(&obj.get_type())
                )));
            }
            w.i64(e.addr as i64);
            w.i64(e.len as i64);
            w.u8(e.readonly as u8);
            w.u8(e.dtype.map(|d| d.code()).unwrap_or(0));
            w.i32(e.shape.len() as i32);
            for d in &e.shape {
                w.i64(*d);
            }
            let h = handles::insert(e.view);
            w.i64(h.id as i64);
            w.i32(h.slot as i32);
            Ok(())
        }
        ITER => {
            let obj = handles::get(py, id)?;
            let it = obj.try_iter().map_err(pyerr(py))?;
            convert::write_result(it.as_any(), w, Mode::Handle)
        }
        ITER_NEXT => {
            let it = handles::get(py, id)?;
            let mode = read_mode(r)?;
            // SAFETY: Java sends ITER_NEXT only for the handles ITER made
            // (`PyObject.iterator()`): iterators.
            let Some(v) = unsafe { object::iter_next(&it) }.map_err(pyerr(py))? else {
                w.u8(0);
                return Ok(());
            };
            w.u8(1);
            convert::write_result(&v, w, mode)
        }
        IS => {
            let a = handles::get(py, id)?;
            let b = handles::get(py, r.handle()?)?;
            w.u8(a.is(&b) as u8);
            Ok(())
        }
        REFCOUNT => {
            let obj = handles::get(py, id)?;
            // Minus the reference `get` just took.
            w.i64(object::refcnt(&obj) as i64 - 1);
            Ok(())
        }
        DRAIN => {
            let n = release::drain_now(py);
            w.i64(n as i64);
            Ok(())
        }
        _ => Err(Error::Internal(format!("unknown operation {op}"))),
    }
}

/// `toJava` of a handle: a convertible value is written as data (nested
/// objects without a Java counterpart become handles); an object with no
/// Java counterpart is the same object (`SELF`), no new handle is made.
fn to_java_top(obj: &Bound<'_, PyAny>, w: &mut Writer, mode: Mode) -> Result<()> {
    match mode {
        Mode::Shallow | Mode::Elements => {
            if convert::is_scalar(obj) {
                return convert::write_shallow(obj, w);
            }
            if mode == Mode::Elements && (object::is_list(obj) || object::is_tuple(obj)) {
                return convert::write_elements(obj, w);
            }
            w.u8(SELF);
            return Ok(());
        }
        _ => {}
    }
    if crate::values::buffers::is_ndarray(obj) && mode != Mode::Handle {
        if crate::values::buffers::write_ndarray(obj, w)? {
            return Ok(());
        }
        if mode == Mode::Strict {
            return convert::to_wire(obj, w, Mode::Strict, 0);
        }
        w.u8(SELF);
        return Ok(());
    }
    if !convert::has_java_counterpart(obj)
        && convert::numpy_scalar(obj).is_none()
        && !crate::values::ext::has_counterpart(obj)?
    {
        if mode == Mode::Strict {
            return convert::to_wire(obj, w, Mode::Strict, 0);
        }
        w.u8(SELF);
        return Ok(());
    }
    convert::to_wire(obj, w, mode, 0)
}

/// Tag meaning "the object you asked about, unchanged".
use crate::contract::tag::SELF;

fn init(r: &mut Reader<'_>, w: &mut Writer) -> Result<()> {
    let executable = r.string()?;
    let libpython = r.string()?;
    let expected_version = r.string()?;
    let flags = r.u8()?;
    let home_override = if flags & crate::contract::init_flag::HOME != 0 {
        Some(r.string()?)
    } else {
        None
    };
    let no_user_site = flags & crate::contract::init_flag::NO_USER_SITE != 0;
    let n = r.len(1)?;
    let mut extra_sys_path = Vec::with_capacity(n);
    for _ in 0..n {
        extra_sys_path.push(r.string()?);
    }
    let policy = match r.i32()? {
        1 => release::Policy::CallerThreads,
        _ => release::Policy::DedicatedThread,
    };
    let spin_us = r.i64()?;
    gate::set_spin((spin_us.max(0) as u64).saturating_mul(1000));
    convert::STRICT_KEYS.store(r.u8()? != 0, std::sync::atomic::Ordering::Relaxed);
    if !thread_state::interpreter_up() {
        release::set_policy(policy);
    }
    let opts = InitOptions {
        executable,
        libpython,
        expected_version,
        home_override,
        no_user_site,
        extra_sys_path,
    };
    let info = runtime::initialize(&opts)?;
    w.str(&info.version);
    w.str(&info.executable);
    w.str(&info.prefix);
    w.str(&info.base_prefix);
    w.str(&info.libpython);
    w.i32(release::policy() as i32);
    Ok(())
}

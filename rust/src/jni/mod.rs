//! The exported JNI functions, and only those: each unmarshals its
//! arguments, calls the core (`ops`, `jni::strings`, `jni::nio`, `copy`)
//! and marshals the result. Raw JNI calls are in `raw`, replies in `reply`.
//!
//! The hot entry point `invoke` takes only primitives: the request and the
//! reply travel through the calling thread's direct `ByteBuffer` (its
//! address is passed in), so no JNI call is made on the normal path.
//! Panics are caught here and returned as a `PANIC` status (the Java side
//! throws `PyBridgeException`). `invoke` therefore needs no `Env` and does
//! not use `EnvUnowned::with_env`, which adds ~23 ns per call (31 ns against
//! 8 ns for a bare JNI call, measured in the prototype, docs/decisions/where-the-time-goes.md).
//! `registerCallbacks`, and the error paths of `bufferAddress` and
//! `newDirectBuffer`, use `with_env(..).resolve::<ThrowPyBridge>()`; the
//! functions that take a raw `JNIEnv` catch panics themselves.

mod logging;
mod nio;
mod policy;
pub(crate) mod raw;
pub(crate) mod reply;
mod strings;

use crate::ops;
use crate::values::wire::Reader;
use jni::EnvUnowned;
use jni::objects::JClass;
use jni::sys::{jint, jlong};
use policy::{ThrowPyBridge, panic_message};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// `Native.invoke(op, id, slot, addr, len, cap)`: runs operation `op` (see
/// `ops::dispatch`) on handle `(id, slot)`, with the `len` request bytes at
/// `addr`; the reply goes back into the same buffer of `cap` bytes.
#[unsafe(no_mangle)]
pub(crate) extern "system" fn Java_org_pybridge_Native_invoke<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
    op: jint,
    id: jlong,
    slot: jint,
    addr: jlong,
    len: jint,
    cap: jint,
) -> jlong {
    let run = catch_unwind(AssertUnwindSafe(|| {
        let mut w = reply::writer();
        let input: &[u8] = if len > 0 && addr != 0 {
            // SAFETY: Java wrote `len` request bytes at `addr` (its direct
            // buffer) and keeps the buffer reachable during the call.
            unsafe { std::slice::from_raw_parts(addr as *const u8, len as usize) }
        } else {
            &[]
        };
        let mut r = Reader::new(input);
        let h = crate::handles::Handle::from_java(id, slot);
        let status = match ops::dispatch(op, h, &mut r, &mut w) {
            Ok(()) if w.reenter => reply::OK_REENTER,
            Ok(()) => reply::OK,
            Err(e) => reply::encode_error(&e, &mut w),
        };
        reply::finish(w, status, addr, cap)
    }));
    match run {
        Ok(v) => v,
        Err(payload) => {
            let msg = panic_message(payload);
            log::error!("Rust panic in pybridge operation {op}: {msg}");
            let mut w = crate::values::wire::Writer::default();
            w.str(&format!(
                "internal error (Rust panic in operation {op}): {msg}"
            ));
            reply::finish(w, reply::PANIC, addr, cap)
        }
    }
}

/// The contract version (`contract::ABI_VERSION`): Java checks it right
/// after loading, before calling anything else, so that a stale library
/// gives a clear error instead of a call with the wrong arguments.
#[unsafe(no_mangle)]
pub(crate) extern "system" fn Java_org_pybridge_Native_abiVersion<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
) -> jint {
    crate::contract::ABI_VERSION
}

/// Registers `org.pybridge.Callbacks` (looked up by Java, so through the
/// right class loader) for calls from Python back into the JVM.
#[unsafe(no_mangle)]
pub(crate) extern "system" fn Java_org_pybridge_Native_registerCallbacks<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    callbacks: JClass<'l>,
) {
    env.with_env(|env| -> jni::errors::Result<()> {
        let g = env.new_global_ref(&callbacks)?;
        crate::jvm::upcall::set_callbacks_class(env, g)?;
        logging::set_class(env.new_global_ref(callbacks)?);
        Ok(())
    })
    .resolve::<ThrowPyBridge>()
}

/// Copies a parked reply into a buffer large enough for it; returns its length.
#[unsafe(no_mangle)]
pub(crate) extern "system" fn Java_org_pybridge_Native_takePending<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
    addr: jlong,
    cap: jint,
) -> jint {
    catch_unwind(AssertUnwindSafe(|| reply::take_pending(addr, cap))).unwrap_or(-1)
}

/// The native address of a direct `ByteBuffer` (asked once per buffer).
///
/// This and `newDirectBuffer` call JNI directly on their normal path: they
/// run at any depth of nested Python/Java calls, and when the JVM throws
/// `StackOverflowError` there, jni-rs 0.22's error path (it checks the
/// exception's type by loading classes through Java, which overflows
/// again) recurses until the native stack is gone and the process dies.
/// Raw JNI leaves the error pending and Java throws it on return.
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live reference.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn Java_org_pybridge_Native_bufferAddress(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    buffer: jni::sys::jobject,
) -> jlong {
    // SAFETY: per the function contract.
    let p = unsafe { raw::direct_buffer_address(env, buffer) };
    if !p.is_null() {
        return p as jlong;
    }
    // Not a direct buffer (Java only passes direct ones).
    // SAFETY: the JVM's JNIEnv for this native call.
    let mut env = unsafe { EnvUnowned::from_raw(env) };
    env.with_env(|_| -> jni::errors::Result<jlong> {
        Err(jni::errors::Error::NullPtr(
            "bufferAddress: not a direct ByteBuffer",
        ))
    })
    .resolve::<ThrowPyBridge>()
}

/// What `callLong` returns when the caller must ask `callLongStatus`.
const CALL_LONG_SLOW: i64 = crate::contract::limit::CALL_LONG_SLOW;
/// The parked reply is a result, not an error.
const CALL_LONG_RESULT: u64 = crate::contract::status::CALL_LONG_RESULT as u64;

/// `PyObject.callLong(long)`: no wire format and no buffer on the fast path,
/// the result is the return value. Anything else (a result that is not an
/// int fitting in 64 bits, converted in `mode` as `callAs` would; an error)
/// is parked for `takePending` and `CALL_LONG_SLOW` returned.
#[unsafe(no_mangle)]
pub(crate) extern "system" fn Java_org_pybridge_Native_callLong<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
    id: jlong,
    slot: jint,
    x: jlong,
    mode: jni::sys::jbyte,
) -> jlong {
    let h = crate::handles::Handle::from_java(id, slot);
    let mut w = crate::values::wire::Writer::default();
    let run = catch_unwind(AssertUnwindSafe(|| {
        ops::call_long(h, x, mode as u8, &mut w)
    }));
    let status: u64 = match run {
        Ok(Ok(Some(v))) => {
            if v == CALL_LONG_SLOW {
                reply::call_long_sentinel_is_result();
            }
            return v;
        }
        Ok(Ok(None)) => CALL_LONG_RESULT,
        Ok(Err(e)) => reply::encode_error(&e, &mut w) as u64,
        Err(payload) => {
            let msg = panic_message(payload);
            log::error!("Rust panic in callLong: {msg}");
            w.clear();
            w.str(&format!("internal error (Rust panic in callLong): {msg}"));
            reply::PANIC as u64
        }
    };
    reply::park_call_long(w, status);
    CALL_LONG_SLOW
}

/// After `callLong` returned `CALL_LONG_SLOW` on this thread: 0 if that
/// was the result, else `status << 32 | reply length`.
#[unsafe(no_mangle)]
pub(crate) extern "system" fn Java_org_pybridge_Native_callLongStatus<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
) -> jlong {
    reply::call_long_status()
}

/// `PyObject.close()`'s fast path (see `ops::release_one`): 1 if the handle
/// was live, 0 if not, -1 to send Java the ordinary way.
#[unsafe(no_mangle)]
pub(crate) extern "system" fn Java_org_pybridge_Native_release<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
    id: jlong,
    slot: jint,
) -> jint {
    let h = crate::handles::Handle::from_java(id, slot);
    match catch_unwind(AssertUnwindSafe(|| ops::release_one(h))) {
        Ok(Some(live)) => live as jint,
        Ok(None) => -1,
        Err(payload) => {
            log::error!("Rust panic in release: {}", panic_message(payload));
            -1
        }
    }
}

/// Encodes a long Java string straight into the request buffer as the wire
/// does (`STR_LATIN1` when every unit is below 0x100, else `STR_UTF16`).
/// A string the JVM stores as Latin-1 is copied from its own bytes (one
/// copy, split across cores when large); others take one JNI copy of their
/// UTF-16 units and an in-place narrowing when they allow it. Returns the
/// bytes written, or -1 if a Java exception is pending.
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live `jstring`.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn Java_org_pybridge_Native_encodeString(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    s: jni::sys::jstring,
    n: jint,
    addr: jlong,
    cap: jint,
) -> jint {
    let run = catch_unwind(AssertUnwindSafe(|| {
        let n = n.max(0) as usize;
        let cap = cap.max(0) as usize;
        if env.is_null() || addr == 0 || cap < 5 + 2 * n {
            return -1;
        }
        // SAFETY: Java passes its live direct buffer of `cap` bytes at
        // `addr`, not otherwise accessed during this call.
        let out = unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, cap) };
        // SAFETY: per the function contract (`s` has `n` units, as Java says).
        unsafe { strings::encode(env, s, n, out) }
    }));
    run.unwrap_or(-1)
}

/// Enters (`enter` true) or exits an object's monitor on the calling thread
/// (Java's `Native.monitor`, for `pybridge.synchronized` in Python). 0 on
/// success; otherwise a Java exception is pending (`MonitorExit` by a thread
/// that does not own the monitor) or the JVM failed (-1, Java throws).
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live object.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn Java_org_pybridge_Native_monitor(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    obj: jni::sys::jobject,
    enter: jni::sys::jboolean,
) -> jint {
    if obj.is_null() {
        return -1;
    }
    if enter {
        // SAFETY: per the function contract (no exception is pending on entry to a native method).
        unsafe { raw::monitor_enter(env, obj) }
    } else {
        // SAFETY: as above.
        unsafe { raw::monitor_exit(env, obj) }
    }
}

/// What a direct buffer's memory is (Java's `Native.bufferOrigin`): bit 0,
/// a mapped file; bit 1, a memory segment (returned in `Native.bufferSegment`);
/// -1 when the JVM's buffers do not have the fields looked for (unknown).
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live `ByteBuffer`.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn Java_org_pybridge_Native_bufferOrigin(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    buffer: jni::sys::jobject,
) -> jint {
    // SAFETY: per the function contract (Java asks only about direct buffers).
    catch_unwind(AssertUnwindSafe(|| unsafe { nio::origin(env, buffer) })).unwrap_or(-1)
}

/// The memory segment a direct buffer was made from (`java.nio.Buffer.segment`), or null.
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live `ByteBuffer`.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn Java_org_pybridge_Native_bufferSegment(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    buffer: jni::sys::jobject,
) -> jni::sys::jobject {
    // SAFETY: per the function contract; the reference returned is a local
    // reference the JVM frees when this native method returns.
    catch_unwind(AssertUnwindSafe(|| unsafe { nio::segment(env, buffer) }))
        .unwrap_or(std::ptr::null_mut())
}

/// Copies `nbytes` between a Java primitive array and native memory that
/// the caller keeps valid (a numpy array it holds a handle to), in one
/// `memcpy` inside a JNI critical section: no Python runs meanwhile.
/// `to_array` false: array -> memory; true: memory -> array. Returns 0, or
/// -1 if the array could not be pinned (Java checks that it holds `nbytes`).
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live primitive array.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn Java_org_pybridge_Native_copyArray(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    array: jni::sys::jarray,
    addr: jlong,
    nbytes: jlong,
    to_array: jni::sys::jboolean,
) -> jint {
    let run = catch_unwind(AssertUnwindSafe(|| {
        if env.is_null() || array.is_null() || addr == 0 || nbytes < 0 {
            return -1;
        }
        // The critical section holds no other JNI call and no Python, and
        // is always released.
        // SAFETY: per the function contract.
        let p = unsafe { raw::get_primitive_array_critical(env, array) };
        if p.is_null() {
            return -1;
        }
        // Large copies use several cores (crate::values::copy); the helpers only
        // move bytes, and all are done before the array is released.
        let (src, dst) = if to_array {
            (addr as *const u8, p.cast::<u8>())
        } else {
            (p.cast_const().cast::<u8>(), addr as *mut u8)
        };
        // SAFETY: the array holds at least `nbytes` bytes (Java checks its
        // length), the memory at `addr` as well (Java holds the handle that
        // keeps it alive), and the two do not overlap.
        unsafe { crate::values::copy::copy(src, dst, nbytes as usize) };
        // SAFETY: ends the critical section opened above on `array`
        // (mode 0: copy back if the elements were a copy).
        unsafe { raw::release_primitive_array_critical(env, array, p, 0) };
        0
    }));
    run.unwrap_or(-1)
}

/// A direct `ByteBuffer` over native memory that the Java caller keeps valid
/// (a memoryview handle or a numpy array it holds; see `buffers`). Raw JNI:
/// see `bufferAddress`.
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv`.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn Java_org_pybridge_Native_newDirectBuffer(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    addr: jlong,
    len: jlong,
) -> jni::sys::jobject {
    if addr != 0 && len > 0 {
        // SAFETY: Java passes the address and length of memory it keeps
        // alive (it holds the Python object that owns it) for as long as the
        // returned ByteBuffer is reachable (`Lifetimes` buffer trackers). On
        // failure the result is null with the JVM's exception pending.
        return unsafe { raw::new_direct_byte_buffer(env, addr as *mut std::ffi::c_void, len) };
    }
    // SAFETY: the JVM's JNIEnv for this native call.
    let mut env = unsafe { EnvUnowned::from_raw(env) };
    env.with_env(|_| -> jni::errors::Result<jni::sys::jobject> {
        Err(jni::errors::Error::NullPtr("newDirectBuffer: no memory"))
    })
    .resolve::<ThrowPyBridge>()
}

/// Runs once when the JVM loads the library (the JVM guarantees `vm` is
/// its valid `JavaVM`; hence `unsafe`): pybridge's log records go to Java's
/// `System.Logger` `org.pybridge`, or, with `PYBRIDGE_LOG` (or `RUST_LOG`)
/// set, to stderr (`jni::logging`).
///
/// # Safety
/// Called by the JVM only, with its own valid `JavaVM` pointer.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "system" fn JNI_OnLoad(
    vm: *mut jni::sys::JavaVM,
    _reserved: *mut std::ffi::c_void,
) -> jint {
    if !vm.is_null() {
        // SAFETY: the JVM passes its own, valid JavaVM pointer to JNI_OnLoad.
        crate::jvm::upcall::set_vm(unsafe { jni::JavaVM::from_raw(vm) });
        // SAFETY: as above; a second handle on the same JavaVM.
        let for_log = unsafe { jni::JavaVM::from_raw(vm) };
        let _ = catch_unwind(AssertUnwindSafe(|| logging::init(Some(for_log))));
    }
    jni::sys::JNI_VERSION_1_8
}

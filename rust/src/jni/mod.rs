//! The exported JNI functions: thin. Unmarshal, call the core, marshal.
//!
//! The hot entry point `invoke` takes only primitives: the request and the
//! reply travel through the calling thread's direct `ByteBuffer` (its address
//! is passed in), so no JNI call is made on the normal path. Panics are
//! caught here and returned as a `PANIC` status (the Java side throws
//! `PyBridgeException`); `invoke` therefore needs no `Env` and skips the
//! ~23 ns of `EnvUnowned::with_env` on every call. Functions that do touch
//! JNI objects use `with_env(..).resolve::<ThrowPyBridge>()`.

mod policy;

use crate::error::Error;
use crate::ops;
use crate::wire::{Reader, Writer};
use jni::EnvUnowned;
use jni::objects::JClass;
use jni::sys::{jint, jlong};
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};

pub use policy::{ThrowPyBridge, panic_message};

use crate::contract::status;

/// A status code, placed in the upper 32 bits of `invoke`'s result.
const fn st(code: i32) -> i64 {
    code as i64
}
const OK: i64 = st(status::OK);
const PYTHON_ERROR: i64 = st(status::PYTHON_ERROR);
const RELEASED: i64 = st(status::RELEASED);
const ILLEGAL_ARGUMENT: i64 = st(status::ILLEGAL_ARGUMENT);
const INIT_ERROR: i64 = st(status::INIT_ERROR);
const ILLEGAL_STATE: i64 = st(status::ILLEGAL_STATE);
const INTERNAL: i64 = st(status::INTERNAL);
const PANIC: i64 = st(status::PANIC);
const CLASS_CAST: i64 = st(status::CLASS_CAST);
const LEASE_BUSY: i64 = st(status::LEASE_BUSY);
const OK_REENTER: i64 = st(status::OK_REENTER);
const LEASE_WAIT: i64 = st(status::LEASE_WAIT);

thread_local! {
    /// A reply buffer reused across calls; taken out while in use so that a
    /// nested call (Python -> Java -> Python) gets its own.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// A reply larger than the caller's buffer, waiting for `takePending`.
    static PENDING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn encode_error(e: &Error, w: &mut Writer) -> i64 {
    w.clear();
    match e {
        Error::Python(info) => {
            w.str(&info.type_name);
            w.str(&info.message);
            w.str(&info.traceback);
            w.i32(info.line);
            w.i32(info.offset);
            w.i32(info.frames.len() as i32);
            for f in &info.frames {
                w.str(&f.file);
                w.i32(f.line);
                w.str(&f.function);
            }
            w.i64(info.java_cause as i64);
            PYTHON_ERROR
        }
        Error::Released { id } => {
            w.i64(*id as i64);
            w.str(&crate::handles::type_name_of_id(*id));
            RELEASED
        }
        Error::IllegalArgument(m) => {
            w.str(m);
            ILLEGAL_ARGUMENT
        }
        Error::Init(m) => {
            w.str(m);
            INIT_ERROR
        }
        Error::Unconvertible(m) => {
            w.str(m);
            CLASS_CAST
        }
        Error::IllegalState(m) => {
            w.str(m);
            ILLEGAL_STATE
        }
        Error::Internal(m) => {
            w.str(m);
            INTERNAL
        }
        Error::LeaseBusy => LEASE_BUSY,
        Error::LeaseWait => LEASE_WAIT,
    }
}

/// Hands the reply to Java: copied into its buffer if it fits, otherwise
/// parked for `takePending` (the length then exceeds `cap`).
fn finish(w: Writer, status: i64, addr: jlong, cap: jint) -> jlong {
    let len = w.buf.len();
    if len <= cap.max(0) as usize {
        if len > 0 {
            // SAFETY: Java guarantees `addr` points to a live direct buffer
            // of `cap` bytes for the duration of this call; the request
            // bytes it held were fully consumed before this point.
            unsafe { std::ptr::copy_nonoverlapping(w.buf.as_ptr(), addr as *mut u8, len) };
        }
        let mut buf = w.buf;
        buf.clear();
        SPARE.with(|s| {
            let old = s.take();
            s.set(if old.capacity() > buf.capacity() {
                old
            } else {
                buf
            });
        });
    } else {
        PENDING.with(|p| *p.borrow_mut() = w.buf);
    }
    let len = len.min(i32::MAX as usize) as i64;
    (status << 32) | len
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_org_pybridge_Native_invoke<'l>(
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
        let mut w = Writer::over(SPARE.with(|s| s.take()));
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
            Ok(()) if w.reenter => OK_REENTER,
            Ok(()) => OK,
            Err(e) => encode_error(&e, &mut w),
        };
        finish(w, status, addr, cap)
    }));
    match run {
        Ok(v) => v,
        Err(payload) => {
            let msg = panic_message(payload);
            log::error!("Rust panic in pybridge operation {op}: {msg}");
            let mut w = Writer::default();
            w.str(&format!(
                "internal error (Rust panic in operation {op}): {msg}"
            ));
            finish(w, PANIC, addr, cap)
        }
    }
}

/// The contract version (`contract::ABI_VERSION`): Java checks it right
/// after loading, before calling anything else, so that a stale library
/// gives a clear error instead of a call with the wrong arguments.
pub const ABI_VERSION: jint = crate::contract::ABI_VERSION;

#[unsafe(no_mangle)]
pub extern "system" fn Java_org_pybridge_Native_abiVersion<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
) -> jint {
    ABI_VERSION
}

/// Registers `org.pybridge.Callbacks` (looked up by Java, so through the
/// right class loader) for calls from Python back into the JVM.
#[unsafe(no_mangle)]
pub extern "system" fn Java_org_pybridge_Native_registerCallbacks<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    callbacks: JClass<'l>,
) {
    env.with_env(|env| -> jni::errors::Result<()> {
        let g = env.new_global_ref(callbacks)?;
        crate::callbacks::set_callbacks_class(env, g)
    })
    .resolve::<ThrowPyBridge>()
}

/// Copies a parked reply into a buffer large enough for it; returns its length.
#[unsafe(no_mangle)]
pub extern "system" fn Java_org_pybridge_Native_takePending<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
    addr: jlong,
    cap: jint,
) -> jint {
    catch_unwind(AssertUnwindSafe(|| {
        PENDING.with(|p| {
            let v = std::mem::take(&mut *p.borrow_mut());
            if v.len() > cap.max(0) as usize || addr == 0 {
                *p.borrow_mut() = v;
                return -1;
            }
            // SAFETY: Java passes a live direct buffer of `cap` bytes.
            unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), addr as *mut u8, v.len()) };
            v.len() as jint
        })
    }))
    .unwrap_or(-1)
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
pub unsafe extern "system" fn Java_org_pybridge_Native_bufferAddress(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    buffer: jni::sys::jobject,
) -> jlong {
    // SAFETY: per the function contract.
    let p = unsafe { ((**env).v1_4.GetDirectBufferAddress)(env, buffer) };
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
pub const CALL_LONG_SLOW: i64 = crate::contract::limit::CALL_LONG_SLOW;
/// The parked reply is a result, not an error.
const CALL_LONG_RESULT: u64 = status::CALL_LONG_RESULT as u64;

thread_local! {
    /// After `callLong` returned `CALL_LONG_SLOW` on this thread: 0 if that
    /// was the result, else `status << 32 | reply length`.
    static CALL_LONG_STATUS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// `PyObject.callLong(long)`: no wire format and no buffer on the fast path,
/// the result is the return value. Anything else (a result that is not an
/// int fitting in 64 bits, converted in `mode` as `callAs` would; an error)
/// is parked for `takePending` and `CALL_LONG_SLOW` returned.
#[unsafe(no_mangle)]
pub extern "system" fn Java_org_pybridge_Native_callLong<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
    id: jlong,
    slot: jint,
    x: jlong,
    mode: jni::sys::jbyte,
) -> jlong {
    let h = crate::handles::Handle::from_java(id, slot);
    let mut w = Writer::default();
    let run = catch_unwind(AssertUnwindSafe(|| {
        ops::call_long(h, x, mode as u8, &mut w)
    }));
    let status: u64 = match run {
        Ok(Ok(Some(v))) => {
            if v == CALL_LONG_SLOW {
                CALL_LONG_STATUS.with(|c| c.set(0));
            }
            return v;
        }
        Ok(Ok(None)) => CALL_LONG_RESULT,
        Ok(Err(e)) => encode_error(&e, &mut w) as u64,
        Err(payload) => {
            let msg = panic_message(payload);
            log::error!("Rust panic in callLong: {msg}");
            w.clear();
            w.str(&format!("internal error (Rust panic in callLong): {msg}"));
            PANIC as u64
        }
    };
    let len = w.buf.len().min(i32::MAX as usize) as u64;
    PENDING.with(|p| *p.borrow_mut() = w.buf);
    CALL_LONG_STATUS.with(|c| c.set(status << 32 | len));
    CALL_LONG_SLOW
}

/// See `CALL_LONG_STATUS`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_org_pybridge_Native_callLongStatus<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
) -> jlong {
    CALL_LONG_STATUS.with(|c| c.get()) as jlong
}

/// `PyObject.close()`'s fast path (see `ops::release_one`): 1 if the handle
/// was live, 0 if not, -1 to send Java the ordinary way.
#[unsafe(no_mangle)]
pub extern "system" fn Java_org_pybridge_Native_release<'l>(
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

/// `java.lang.String`'s own fields on JVMs with compact strings (JDK 9+):
/// `value` (`byte[]`) and `coder` (0: one Latin-1 byte per char, 1: UTF-16).
/// JNI reads private fields without access checks; the layout is checked on
/// every use (`value` must hold exactly `n` bytes for a Latin-1 `coder`), and
/// a JVM without these fields gets `None` and the portable path.
struct StringFields {
    value: jni::sys::jfieldID,
    coder: jni::sys::jfieldID,
}

// SAFETY: field ids are plain process-wide identifiers, valid for as long as
// their class is loaded (java.lang.String never unloads), on any thread.
unsafe impl Send for StringFields {}
// SAFETY: as above; they are only read.
unsafe impl Sync for StringFields {}

static STRING_FIELDS: std::sync::OnceLock<Option<StringFields>> = std::sync::OnceLock::new();

/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending.
unsafe fn string_fields(env: *mut jni::sys::JNIEnv) -> Option<&'static StringFields> {
    STRING_FIELDS
        .get_or_init(|| {
            // SAFETY: per the function contract; every failed lookup's
            // NoSuchFieldError is cleared before returning.
            unsafe {
                let f = &(**env).v1_2;
                let class = (f.FindClass)(env, c"java/lang/String".as_ptr());
                if class.is_null() {
                    (f.ExceptionClear)(env);
                    return None;
                }
                let value = (f.GetFieldID)(env, class, c"value".as_ptr(), c"[B".as_ptr());
                let coder = if value.is_null() {
                    std::ptr::null_mut()
                } else {
                    (f.GetFieldID)(env, class, c"coder".as_ptr(), c"B".as_ptr())
                };
                if (f.ExceptionCheck)(env) {
                    (f.ExceptionClear)(env);
                }
                (f.DeleteLocalRef)(env, class);
                if value.is_null() || coder.is_null() {
                    log::info!("pybridge: no compact-string fields in java.lang.String; long strings are copied as UTF-16");
                    return None;
                }
                Some(StringFields { value, coder })
            }
        })
        .as_ref()
}

/// Copies the characters of a Latin-1 (compact) Java string of `n` chars to
/// `dst` straight from the string's own array, and returns the OR of them
/// (below 0x80: ASCII). `None` when the string is not stored that way (or
/// the JVM does not store strings so), and nothing was written.
///
/// # Safety
/// `env` valid with no exception pending, `s` a live string of `n` chars,
/// `dst` writable for `n` bytes.
unsafe fn copy_latin1_string(
    env: *mut jni::sys::JNIEnv,
    s: jni::sys::jstring,
    n: usize,
    dst: *mut u8,
) -> Option<u8> {
    // SAFETY: per the function contract. The array is only read, inside a
    // critical section that makes no other JNI call, and released with
    // JNI_ABORT (nothing to copy back).
    unsafe {
        let fields = string_fields(env)?;
        let f = &(**env).v1_2;
        if (f.GetByteField)(env, s, fields.coder) != 0 {
            return None;
        }
        let value = (f.GetObjectField)(env, s, fields.value);
        if value.is_null() {
            return None;
        }
        let mut done = None;
        if (f.GetArrayLength)(env, value) as usize == n {
            let p = (f.GetPrimitiveArrayCritical)(env, value, std::ptr::null_mut());
            if !p.is_null() {
                let or = crate::copy::copy_or(p as *const u8, dst, n);
                (f.ReleasePrimitiveArrayCritical)(env, value, p, jni::sys::JNI_ABORT);
                done = Some(or);
            }
        }
        (f.DeleteLocalRef)(env, value);
        done
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
pub unsafe extern "system" fn Java_org_pybridge_Native_encodeString(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    s: jni::sys::jstring,
    n: jint,
    addr: jlong,
    cap: jint,
) -> jint {
    let run = catch_unwind(AssertUnwindSafe(|| {
        let n = n.max(0) as usize;
        if env.is_null() || addr == 0 || (cap.max(0) as usize) < 5 + 2 * n {
            return -1;
        }
        let base = addr as *mut u8;
        // SAFETY: Java passes its live direct buffer with `cap` >= 5 + 2n
        // bytes at `addr`, and `s` a live string of exactly `n` UTF-16 units;
        // the units are written 2-byte aligned or not, so they are read and
        // written through byte pointers and `read_unaligned`.
        unsafe {
            if let Some(or) = copy_latin1_string(env, s, n, base.add(5)) {
                *base = if or < 0x80 {
                    crate::wire::STR_ASCII
                } else {
                    crate::wire::STR_LATIN1
                };
                std::ptr::copy_nonoverlapping((n as i32).to_le_bytes().as_ptr(), base.add(1), 4);
                return (5 + n) as jint;
            }
            let units = base.add(5);
            ((**env).v1_2.GetStringRegion)(env, s, 0, n as jni::sys::jsize, units as *mut u16);
            if ((**env).v1_2.ExceptionCheck)(env) {
                return -1;
            }
            let mut max: u16 = 0;
            for i in 0..n {
                max |= std::ptr::read_unaligned((units as *const u16).add(i));
            }
            if max < 0x100 {
                // Narrow in place: byte i is written at or before unit i is read.
                for i in 0..n {
                    let u = std::ptr::read_unaligned((units as *const u16).add(i));
                    *units.add(i) = u as u8;
                }
                *base = if max < 0x80 {
                    crate::wire::STR_ASCII
                } else {
                    crate::wire::STR_LATIN1
                };
                std::ptr::copy_nonoverlapping((n as i32).to_le_bytes().as_ptr(), base.add(1), 4);
                (5 + n) as jint
            } else {
                // Already UTF-16LE (x86-64 and aarch64 are little-endian).
                *base = crate::wire::STR_UTF16;
                std::ptr::copy_nonoverlapping((n as i32).to_le_bytes().as_ptr(), base.add(1), 4);
                (5 + 2 * n) as jint
            }
        }
    }));
    run.unwrap_or(-1)
}

/// `java.nio.MappedByteBuffer.fd` and `java.nio.Buffer.segment`, read with
/// JNI (no access checks): whether a direct buffer maps a file, and the
/// memory segment (of an `Arena`) it was made from, if any.
struct BufferFields {
    fd: jni::sys::jfieldID,
    segment: jni::sys::jfieldID,
}

// SAFETY: field ids are process-wide identifiers, valid while their classes
// are loaded (java.nio classes never unload), on any thread.
unsafe impl Send for BufferFields {}
// SAFETY: as above; only read.
unsafe impl Sync for BufferFields {}

static BUFFER_FIELDS: std::sync::OnceLock<Option<BufferFields>> = std::sync::OnceLock::new();

/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending.
unsafe fn buffer_fields(env: *mut jni::sys::JNIEnv) -> Option<&'static BufferFields> {
    BUFFER_FIELDS
        .get_or_init(|| {
            // SAFETY: per the function contract; a failed lookup's error is
            // cleared before returning.
            unsafe {
                let f = &(**env).v1_2;
                let lookup = |class: &std::ffi::CStr, name: &std::ffi::CStr, sig: &std::ffi::CStr| {
                    let c = (f.FindClass)(env, class.as_ptr());
                    if c.is_null() {
                        (f.ExceptionClear)(env);
                        return std::ptr::null_mut();
                    }
                    let id = (f.GetFieldID)(env, c, name.as_ptr(), sig.as_ptr());
                    if (f.ExceptionCheck)(env) {
                        (f.ExceptionClear)(env);
                    }
                    (f.DeleteLocalRef)(env, c);
                    id
                };
                let fd = lookup(c"java/nio/MappedByteBuffer", c"fd", c"Ljava/io/FileDescriptor;");
                // The field's type changed across JDKs (an incubator proxy in
                // 17, java.lang.foreign.MemorySegment since 19).
                let mut segment = lookup(
                    c"java/nio/Buffer",
                    c"segment",
                    c"Ljava/lang/foreign/MemorySegment;",
                );
                if segment.is_null() {
                    segment = lookup(
                        c"java/nio/Buffer",
                        c"segment",
                        c"Ljdk/internal/access/foreign/MemorySegmentProxy;",
                    );
                }
                if fd.is_null() {
                    log::warn!("pybridge: java.nio.MappedByteBuffer has no 'fd' field; memory-mapped buffers cannot be recognised");
                    return None;
                }
                Some(BufferFields { fd, segment })
            }
        })
        .as_ref()
}

/// What a direct buffer's memory is (Java's `Native.bufferOrigin`): bit 0,
/// a mapped file; bit 1, a memory segment (returned in `Native.bufferSegment`);
/// -1 when the JVM's buffers do not have the fields looked for (unknown).
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live `ByteBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn Java_org_pybridge_Native_bufferOrigin(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    buffer: jni::sys::jobject,
) -> jint {
    let run = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per the function contract; the local references made here
        // are deleted before returning.
        unsafe {
            let Some(fields) = buffer_fields(env) else {
                return -1;
            };
            let f = &(**env).v1_2;
            let mut flags = 0;
            let fd = (f.GetObjectField)(env, buffer, fields.fd);
            if !fd.is_null() {
                flags |= 1;
                (f.DeleteLocalRef)(env, fd);
            }
            if !fields.segment.is_null() {
                let seg = (f.GetObjectField)(env, buffer, fields.segment);
                if !seg.is_null() {
                    flags |= 2;
                    (f.DeleteLocalRef)(env, seg);
                }
            }
            flags
        }
    }));
    run.unwrap_or(-1)
}

/// The memory segment a direct buffer was made from (`java.nio.Buffer.segment`), or null.
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live `ByteBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn Java_org_pybridge_Native_bufferSegment(
    env: *mut jni::sys::JNIEnv,
    _class: jni::sys::jclass,
    buffer: jni::sys::jobject,
) -> jni::sys::jobject {
    let run = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per the function contract; the reference returned is a
        // local reference the JVM frees when this native method returns.
        unsafe {
            match buffer_fields(env) {
                Some(fields) if !fields.segment.is_null() => {
                    ((**env).v1_2.GetObjectField)(env, buffer, fields.segment)
                }
                _ => std::ptr::null_mut(),
            }
        }
    }));
    run.unwrap_or(std::ptr::null_mut())
}

/// Copies `nbytes` between a Java primitive array and native memory that
/// the caller keeps valid (a numpy array it holds a handle to), in one
/// `memcpy` inside a JNI critical section: no Python runs meanwhile.
/// `to_array` false: array -> memory; true: memory -> array. Returns 0, or
/// -1 if the array could not be pinned or is too small.
///
/// # Safety
/// Called by the JVM only, with its valid `JNIEnv` and a live primitive array.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn Java_org_pybridge_Native_copyArray(
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
        // SAFETY: per the function contract; the critical section holds no
        // other JNI call and no Python, and is always released.
        unsafe {
            let p = ((**env).v1_2.GetPrimitiveArrayCritical)(env, array, std::ptr::null_mut());
            if p.is_null() {
                return -1;
            }
            // Large copies use several cores (crate::copy); the helpers only
            // move bytes, and all are done before the array is released.
            if to_array {
                crate::copy::copy(addr as *const u8, p as *mut u8, nbytes as usize);
            } else {
                crate::copy::copy(p as *const u8, addr as *mut u8, nbytes as usize);
            }
            ((**env).v1_2.ReleasePrimitiveArrayCritical)(env, array, p, 0);
        }
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
pub unsafe extern "system" fn Java_org_pybridge_Native_newDirectBuffer(
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
        return unsafe {
            ((**env).v1_4.NewDirectByteBuffer)(env, addr as *mut std::ffi::c_void, len)
        };
    }
    // SAFETY: the JVM's JNIEnv for this native call.
    let mut env = unsafe { EnvUnowned::from_raw(env) };
    env.with_env(|_| -> jni::errors::Result<jni::sys::jobject> {
        Err(jni::errors::Error::NullPtr("newDirectBuffer: no memory"))
    })
    .resolve::<ThrowPyBridge>()
}

/// Runs once when the JVM loads the library (the JVM guarantees `vm` is
/// its valid `JavaVM`; hence `unsafe`): logging from `PYBRIDGE_LOG`
/// (falls back to `RUST_LOG`, default `warn`).
///
/// # Safety
/// Called by the JVM only, with its own valid `JavaVM` pointer.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn JNI_OnLoad(
    vm: *mut jni::sys::JavaVM,
    _reserved: *mut std::ffi::c_void,
) -> jint {
    let _ = catch_unwind(crate::init_logging);
    if !vm.is_null() {
        // SAFETY: the JVM passes its own, valid JavaVM pointer to JNI_OnLoad.
        let vm = unsafe { jni::JavaVM::from_raw(vm) };
        crate::callbacks::set_vm(vm);
    }
    jni::sys::JNI_VERSION_1_8
}

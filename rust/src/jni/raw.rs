//! Raw JNI: the only module that calls through a `JNIEnv`'s or a
//! `JavaVM`'s function table.
//!
//! pybridge uses jni-rs (`Env`, `with_env`) where it can afford it, and the
//! raw functions here where it cannot: on the per-call paths (an upcall
//! from Python, a string's own bytes), and at any depth of nested Python
//! and Java calls, where jni-rs 0.22's error path would overflow the stack
//! (see `bufferAddress`). Each function makes one JNI call and says why it
//! is sound (`// SAFETY:`, one unsafe operation per block, enforced by the
//! crate's lints); each is an `unsafe fn` whose `# Safety` section is what
//! JNI asks of the caller: mostly "`env` is the calling thread's `JNIEnv`,
//! with no exception pending", which no type here expresses.

use jni::sys::{
    JNIEnv, JNIInvokeInterface__1_4, JNINativeInterface__1_4, JavaVM, jarray, jbyte, jclass,
    jfieldID, jint, jlong, jmethodID, jobject, jsize, jstring, jthrowable, jvalue,
};
use std::ffi::{CStr, c_void};

/// The function table behind `env`. Every function pybridge calls exists
/// since JNI 1.4, and `JNI_OnLoad` asks for 1.8: the table has them all.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`.
#[inline(always)]
unsafe fn table<'e>(env: *mut JNIEnv) -> &'e JNINativeInterface__1_4 {
    // SAFETY: per the contract, `env` points to the thread's JNIEnv, which
    // is a pointer to the JVM's function table.
    let t = unsafe { *env };
    // SAFETY: the table lives as long as the JVM.
    let t = unsafe { &*t };
    // SAFETY: it is a JNI >= 1.4 table (see above): its `v1_4` view is the
    // one to read (the views only differ in how many entries they name).
    unsafe { &t.v1_4 }
}

/// `ExceptionCheck`: whether a Java exception is pending.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`.
#[inline]
pub(crate) unsafe fn exception_check(env: *mut JNIEnv) -> bool {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.ExceptionCheck;
    // SAFETY: callable with or without an exception pending.
    unsafe { f(env) }
}

/// `ExceptionClear`.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`.
#[inline]
pub(crate) unsafe fn exception_clear(env: *mut JNIEnv) {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.ExceptionClear;
    // SAFETY: callable with or without an exception pending.
    unsafe { f(env) }
}

/// `ExceptionOccurred`: a new local reference to the pending exception, or null.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`.
#[inline]
pub(crate) unsafe fn exception_occurred(env: *mut JNIEnv) -> jthrowable {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.ExceptionOccurred;
    // SAFETY: callable with or without an exception pending.
    unsafe { f(env) }
}

/// `IsInstanceOf`. Runs no Java code.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `obj` and `class` are live references.
#[inline]
pub(crate) unsafe fn is_instance_of(env: *mut JNIEnv, obj: jobject, class: jclass) -> bool {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.IsInstanceOf;
    // SAFETY: per the contract.
    unsafe { f(env, obj, class) }
}

/// `DeleteLocalRef`.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`; `obj` is a local reference
/// of this native frame (or null), not used afterwards.
#[inline]
pub(crate) unsafe fn delete_local_ref(env: *mut JNIEnv, obj: jobject) {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.DeleteLocalRef;
    // SAFETY: per the contract; allowed with an exception pending.
    unsafe { f(env, obj) }
}

/// A field of a class, looked up by name and type signature; null when the
/// class or the field does not exist (the `NoClassDefFoundError` or
/// `NoSuchFieldError` is cleared, and the class's local reference deleted).
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending.
pub(crate) unsafe fn field_id(env: *mut JNIEnv, class: &CStr, name: &CStr, sig: &CStr) -> jfieldID {
    // SAFETY: per the contract.
    let t = unsafe { table(env) };
    // SAFETY: no exception pending; a NUL-terminated class name; a new
    // local reference, or null with an exception pending.
    let c = unsafe { (t.FindClass)(env, class.as_ptr()) };
    if c.is_null() {
        // SAFETY: clears the pending lookup error.
        unsafe { (t.ExceptionClear)(env) };
        return std::ptr::null_mut();
    }
    // SAFETY: no exception pending; `c` is a live class; NUL-terminated
    // name and signature; null with an exception pending when missing.
    let id = unsafe { (t.GetFieldID)(env, c, name.as_ptr(), sig.as_ptr()) };
    // SAFETY: callable with or without an exception pending.
    if unsafe { (t.ExceptionCheck)(env) } {
        // SAFETY: clears the pending lookup error.
        unsafe { (t.ExceptionClear)(env) };
    }
    // SAFETY: `c` is the local reference made above, not used afterwards.
    unsafe { (t.DeleteLocalRef)(env, c) };
    id
}

/// `GetByteField`.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `obj` is a live object of a class that has the `byte` field `field`.
#[inline]
pub(crate) unsafe fn get_byte_field(env: *mut JNIEnv, obj: jobject, field: jfieldID) -> jbyte {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.GetByteField;
    // SAFETY: per the contract.
    unsafe { f(env, obj, field) }
}

/// `GetObjectField`: a new local reference to the field's value, or null.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `obj` is a live object of a class that has the reference field `field`.
#[inline]
pub(crate) unsafe fn get_object_field(env: *mut JNIEnv, obj: jobject, field: jfieldID) -> jobject {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.GetObjectField;
    // SAFETY: per the contract.
    unsafe { f(env, obj, field) }
}

/// `GetArrayLength`.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `array` is a live array.
#[inline]
pub(crate) unsafe fn get_array_length(env: *mut JNIEnv, array: jarray) -> jsize {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.GetArrayLength;
    // SAFETY: per the contract.
    unsafe { f(env, array) }
}

/// `GetPrimitiveArrayCritical`: the array's elements, pinned (or null, out
/// of memory). Opens a critical section: until the matching
/// `release_primitive_array_critical`, no other JNI call, no blocking on
/// another Java thread, no Python.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `array` is a live primitive array. The caller keeps the critical
/// section's rules and releases it.
#[inline]
pub(crate) unsafe fn get_primitive_array_critical(env: *mut JNIEnv, array: jarray) -> *mut c_void {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.GetPrimitiveArrayCritical;
    // SAFETY: per the contract; no is-copy flag asked for.
    unsafe { f(env, array, std::ptr::null_mut()) }
}

/// `ReleasePrimitiveArrayCritical`: ends the critical section (`mode` 0:
/// copy back if it was a copy; `JNI_ABORT`: do not).
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`; `elems` is what
/// `get_primitive_array_critical` returned for `array`, not used afterwards.
#[inline]
pub(crate) unsafe fn release_primitive_array_critical(
    env: *mut JNIEnv,
    array: jarray,
    elems: *mut c_void,
    mode: jint,
) {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.ReleasePrimitiveArrayCritical;
    // SAFETY: per the contract.
    unsafe { f(env, array, elems, mode) }
}

/// `GetStringRegion`: copies `len` UTF-16 units of `s` from `start` to
/// `buf` (`StringIndexOutOfBoundsException` pending if out of range).
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `s` is a live string; `buf` is writable for `len` units (x86-64 and
/// aarch64 JVMs write them unaligned as well).
#[inline]
pub(crate) unsafe fn get_string_region(
    env: *mut JNIEnv,
    s: jstring,
    start: jsize,
    len: jsize,
    buf: *mut u16,
) {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.GetStringRegion;
    // SAFETY: per the contract.
    unsafe { f(env, s, start, len, buf) }
}

/// `GetDirectBufferAddress`: null when `buf` is not a direct buffer.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`; `buf` is a live reference.
#[inline]
pub(crate) unsafe fn direct_buffer_address(env: *mut JNIEnv, buf: jobject) -> *mut c_void {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.GetDirectBufferAddress;
    // SAFETY: per the contract; raises nothing.
    unsafe { f(env, buf) }
}

/// `NewDirectByteBuffer`: a new local reference to a `ByteBuffer` over
/// `[addr, addr + len)`, or null with an exception pending.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// the memory stays valid for as long as the buffer is reachable.
#[inline]
pub(crate) unsafe fn new_direct_byte_buffer(
    env: *mut JNIEnv,
    addr: *mut c_void,
    len: jlong,
) -> jobject {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.NewDirectByteBuffer;
    // SAFETY: per the contract.
    unsafe { f(env, addr, len) }
}

/// `CallStaticLongMethodA`. Java code runs; an exception may be pending
/// afterwards (`exception_check`).
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `method` is a static method of `class` (a live reference) returning
/// `long`, and `args` holds its arguments, of its parameter types.
#[inline]
pub(crate) unsafe fn call_static_long_method_a(
    env: *mut JNIEnv,
    class: jclass,
    method: jmethodID,
    args: &[jvalue],
) -> jlong {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.CallStaticLongMethodA;
    // SAFETY: per the contract.
    unsafe { f(env, class, method, args.as_ptr()) }
}

/// `CallStaticIntMethodA` (see `call_static_long_method_a`).
///
/// # Safety
/// As for `call_static_long_method_a`, for a method returning `int`.
#[inline]
pub(crate) unsafe fn call_static_int_method_a(
    env: *mut JNIEnv,
    class: jclass,
    method: jmethodID,
    args: &[jvalue],
) -> jint {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.CallStaticIntMethodA;
    // SAFETY: per the contract.
    unsafe { f(env, class, method, args.as_ptr()) }
}

/// The JVM's invocation interface (GetEnv, AttachCurrentThreadAsDaemon,
/// DetachCurrentThread: all in its JNI 1.4 view; the JVM is 1.6 or later).
///
/// # Safety
/// `vm` is the JVM this library was loaded into.
#[inline]
unsafe fn invoke_table(vm: *mut JavaVM) -> &'static JNIInvokeInterface__1_4 {
    // SAFETY: per the contract, `vm` points to the JVM's invocation
    // interface pointer.
    let t = unsafe { *vm };
    // SAFETY: the JVM's invocation table, alive as long as the JVM (the process).
    let t = unsafe { &*t };
    // SAFETY: the JVM implements JNI 1.6 or later, so the table has the `v1_4` view.
    unsafe { &t.v1_4 }
}

/// The calling thread's `JNIEnv` if it is attached to the JVM (every JVM
/// thread is), without attaching it (`GetEnv`).
///
/// # Safety
/// `vm` is the JVM this library was loaded into.
#[inline]
pub(crate) unsafe fn attached_env(vm: *mut JavaVM) -> Option<*mut JNIEnv> {
    // SAFETY: per the contract.
    let table = unsafe { invoke_table(vm) };
    let mut env: *mut c_void = std::ptr::null_mut();
    // SAFETY: `vm` is live; GetEnv only reads this thread's attachment.
    let rc = unsafe { (table.GetEnv)(vm, &mut env, jni::sys::JNI_VERSION_1_6) };
    (rc == jni::sys::JNI_OK && !env.is_null()).then_some(env.cast::<JNIEnv>())
}

/// `MonitorEnter`: blocks until the calling thread owns `obj`'s monitor
/// (re-entrant, as Java's `synchronized`). 0 on success.
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `obj` is a live reference.
#[inline]
pub(crate) unsafe fn monitor_enter(env: *mut JNIEnv, obj: jobject) -> jint {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.MonitorEnter;
    // SAFETY: per the contract.
    unsafe { f(env, obj) }
}

/// `MonitorExit`: releases one entry of `obj`'s monitor held by the calling
/// thread. 0 on success; otherwise an `IllegalMonitorStateException` is
/// pending (the thread does not own the monitor).
///
/// # Safety
/// `env` is the calling thread's valid `JNIEnv`, with no exception pending;
/// `obj` is a live reference.
#[inline]
pub(crate) unsafe fn monitor_exit(env: *mut JNIEnv, obj: jobject) -> jint {
    // SAFETY: per the contract.
    let f = unsafe { table(env) }.MonitorExit;
    // SAFETY: per the contract.
    unsafe { f(env, obj) }
}

/// `AttachCurrentThreadAsDaemon`: attaches the calling thread (if it is not
/// already), as a daemon thread; its `JNIEnv`, or None on failure.
///
/// # Safety
/// `vm` is the JVM this library was loaded into.
#[inline]
pub(crate) unsafe fn attach_as_daemon(vm: *mut JavaVM) -> Option<*mut JNIEnv> {
    // SAFETY: per the contract.
    let table = unsafe { invoke_table(vm) };
    let mut env: *mut c_void = std::ptr::null_mut();
    // SAFETY: `vm` is live; null arguments attach with the JVM's defaults.
    let rc = unsafe { (table.AttachCurrentThreadAsDaemon)(vm, &mut env, std::ptr::null_mut()) };
    (rc == jni::sys::JNI_OK && !env.is_null()).then_some(env.cast::<JNIEnv>())
}

/// `DetachCurrentThread` (releases any monitor the thread still holds).
///
/// # Safety
/// `vm` is the JVM this library was loaded into; the calling thread was
/// attached by `attach_as_daemon` and has no Java frame on its stack.
#[inline]
pub(crate) unsafe fn detach_current_thread(vm: *mut JavaVM) -> jint {
    // SAFETY: per the contract.
    let table = unsafe { invoke_table(vm) };
    // SAFETY: per the contract.
    unsafe { (table.DetachCurrentThread)(vm) }
}

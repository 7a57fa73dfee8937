//! The raw upcall: `Callbacks.invoke` and `Callbacks.takeReply` called
//! through `jni::raw` on the calling thread's own `JNIEnv` (a thread
//! Python started is attached for the call only), the method ids looked up
//! once, and the per-thread request buffer.

use crate::jni::raw;
use jni::ids::JStaticMethodID;
use jni::objects::{Global, JClass};
use jni::sys::jvalue;
use jni::{JavaVM, jni_sig, jni_str};
use std::sync::OnceLock;

static JVM: OnceLock<JavaVM> = OnceLock::new();
static CALLBACKS_CLASS: OnceLock<Global<JClass<'static>>> = OnceLock::new();

/// Called from `JNI_OnLoad`.
pub(crate) fn set_vm(vm: JavaVM) {
    let _ = JVM.set(vm);
}

/// `Callbacks.invoke` and `Callbacks.takeReply`, looked up with the class,
/// and `java.lang.StackOverflowError`, to name that error without running
/// Java code on a stack that has none left.
struct Upcalls {
    invoke: JStaticMethodID,
    take_reply: JStaticMethodID,
    stack_overflow: Global<JClass<'static>>,
}

/// Why a call into Java did not return a reply.
pub(super) enum UpcallError {
    /// The JVM found too little stack left to run Java code.
    StackOverflow,
    Other(String),
}

impl From<String> for UpcallError {
    fn from(m: String) -> Self {
        UpcallError::Other(m)
    }
}

static UPCALLS: OnceLock<Upcalls> = OnceLock::new();

/// Called once by Java (from a JVM thread, so the class is reachable through
/// its loader) before the interpreter starts. The method ids are looked up
/// here, so that calls from Python need no lookup and no check.
pub(crate) fn set_callbacks_class(
    env: &mut jni::Env<'_>,
    class: Global<JClass<'static>>,
) -> jni::errors::Result<()> {
    let invoke = env.get_static_method_id(&class, jni_str!("invoke"), jni_sig!("(JJII)J"))?;
    let take_reply = env.get_static_method_id(&class, jni_str!("takeReply"), jni_sig!("(JI)I"))?;
    let soe = env.find_class(jni_str!("java/lang/StackOverflowError"))?;
    let stack_overflow = env.new_global_ref(soe)?;
    let _ = UPCALLS.set(Upcalls {
        invoke,
        take_reply,
        stack_overflow,
    });
    let _ = CALLBACKS_CLASS.set(class);
    Ok(())
}

fn vm() -> std::result::Result<&'static JavaVM, String> {
    JVM.get()
        .ok_or_else(|| "the JVM is not known to pybridge".to_string())
}

fn class() -> std::result::Result<&'static Global<JClass<'static>>, String> {
    CALLBACKS_CLASS
        .get()
        .ok_or_else(|| "org.pybridge.Callbacks is not registered".to_string())
}

// `Callbacks.invoke` runs on this thread. A thread that is not a JVM thread
// (one Python started) is attached for each call only, so it never becomes a
// lasting non-daemon JVM thread.
thread_local! {
    /// The buffer a thread's calls into Java carry their request and reply
    /// in (reused: Java caches its view of it by address). A nested call
    /// finds it taken and uses a fresh one.
    static CALL_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A request buffer for this thread (the reused one when free).
pub(super) fn take_call_buf() -> Vec<u8> {
    let mut v = CALL_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
    v.clear();
    if v.capacity() < 4096 {
        v.reserve(4096);
    }
    v
}

pub(super) fn give_back_call_buf(v: Vec<u8>) {
    if v.capacity() <= 1 << 20 {
        CALL_BUF.with(|b| {
            let mut slot = b.borrow_mut();
            if slot.capacity() == 0 {
                *slot = v;
            }
        });
    }
}

/// The calling thread's `JNIEnv` if it is attached to the JVM (every JVM
/// thread is), without attaching it.
fn attached_env(vm: &JavaVM) -> Option<*mut jni::sys::JNIEnv> {
    // SAFETY: `vm` is the live JavaVM the library was loaded into.
    unsafe { raw::attached_env(vm.get_raw()) }
}

/// Calls `Callbacks.invoke(id, addr, len, cap)`: Java reads the request
/// from `buf` and writes its reply into the same memory (or, when it does
/// not fit, hands it over through `Callbacks.takeReply`). Returns the buffer
/// holding the reply.
///
/// A thread already attached (every JVM thread) calls through its own
/// `JNIEnv` directly: the upcall makes no local reference, so it needs no
/// local frame, and one `ExceptionCheck` covers it. A thread Python started
/// is attached for the call only, so it never becomes a lasting non-daemon
/// JVM thread.
pub(super) fn call_java_invoke(id: i64, buf: Vec<u8>) -> std::result::Result<Vec<u8>, UpcallError> {
    if crate::remote::active() {
        // A process interpreter's child: the JVM is at the other end of its pipe.
        return crate::remote::upcall(id, buf).map_err(UpcallError::Other);
    }
    let vm = vm()?;
    let class = class()?;
    let ups = UPCALLS
        .get()
        .ok_or_else(|| "org.pybridge.Callbacks is not registered".to_string())?;
    if let Some(env) = attached_env(vm) {
        // SAFETY: `env` is this thread's JNIEnv (it stays attached: a thread
        // is only detached by whoever attached it, and that is not this call).
        return unsafe { upcall(env, class, ups, id, buf) };
    }
    vm.attach_current_thread_for_scope(|env| -> jni::errors::Result<_> {
        // SAFETY: `env` is this thread's JNIEnv for the scope of the call.
        Ok(unsafe { upcall(env.get_raw(), class, ups, id, buf) })
    })
    .map_err(|e| UpcallError::Other(e.to_string()))?
}

/// The pending Java exception, cleared. `Callbacks.invoke` catches
/// everything, so this is an error the JVM raised around it: in practice a
/// `StackOverflowError`, thrown when nested Python/Java calls leave too
/// little stack to enter Java. No Java code runs here (describing the
/// error would need stack that is not there).
///
/// # Safety
/// `env` is the calling thread's JNIEnv, with an exception pending.
unsafe fn take_java_exception(env: *mut jni::sys::JNIEnv, ups: &Upcalls) -> UpcallError {
    // SAFETY: per the function contract (none of the calls below runs Java code).
    let e = unsafe { raw::exception_occurred(env) };
    // SAFETY: as above.
    unsafe { raw::exception_clear(env) };
    if e.is_null() {
        return UpcallError::Other("a Java exception was thrown".to_string());
    }
    // SAFETY: no exception pending any more; `e` and the class are live.
    let soe = unsafe { raw::is_instance_of(env, e, ups.stack_overflow.as_raw()) };
    // SAFETY: `e` is the local reference made above, not used afterwards.
    unsafe { raw::delete_local_ref(env, e) };
    if soe {
        UpcallError::StackOverflow
    } else {
        UpcallError::Other(
            "a Java error was thrown around org.pybridge.Callbacks.invoke".to_string(),
        )
    }
}

/// # Safety
/// `env` is the calling thread's JNIEnv, with no exception pending.
unsafe fn upcall(
    env: *mut jni::sys::JNIEnv,
    class: &Global<JClass<'static>>,
    ups: &Upcalls,
    id: i64,
    mut buf: Vec<u8>,
) -> std::result::Result<Vec<u8>, UpcallError> {
    let args = [
        jvalue { j: id },
        jvalue {
            j: buf.as_mut_ptr() as i64,
        },
        jvalue {
            i: buf.len() as i32,
        },
        jvalue {
            i: buf.capacity().min(i32::MAX as usize) as i32,
        },
    ];
    // SAFETY: per the function contract; `invoke` is the static method
    // (JJII)J of the registered Callbacks class (a global reference), called
    // with four arguments of those types; Java reads `len` bytes at `addr`
    // and writes at most `cap` bytes there, all inside `buf`'s allocation,
    // which outlives the call.
    let r = unsafe {
        raw::call_static_long_method_a(env, class.as_raw(), ups.invoke.into_raw(), &args)
    };
    // SAFETY: `env` is valid.
    if unsafe { raw::exception_check(env) } {
        // SAFETY: an exception is pending.
        return Err(unsafe { take_java_exception(env, ups) });
    }
    if r >= 0 {
        // SAFETY: Java wrote exactly `r` (<= capacity) initialised bytes at
        // the start of the allocation.
        unsafe { buf.set_len((r as usize).min(buf.capacity())) };
        return Ok(buf);
    }
    // The reply did not fit: make room, then have Java copy it in.
    let need = r.unsigned_abs() as usize;
    buf.clear();
    buf.reserve(need);
    let args = [
        jvalue {
            j: buf.as_mut_ptr() as i64,
        },
        jvalue {
            i: buf.capacity().min(i32::MAX as usize) as i32,
        },
    ];
    // SAFETY: as above, for `takeReply`, (JI)I: Java writes the pending
    // reply (at most `cap` bytes) at `addr`, inside `buf`'s allocation.
    let n = unsafe {
        raw::call_static_int_method_a(env, class.as_raw(), ups.take_reply.into_raw(), &args)
    };
    // SAFETY: `env` is valid.
    if unsafe { raw::exception_check(env) } {
        // SAFETY: an exception is pending.
        return Err(unsafe { take_java_exception(env, ups) });
    }
    if n < 0 || n as usize > buf.capacity() {
        return Err(UpcallError::Other(
            "the reply of a Java function was lost".to_string(),
        ));
    }
    // SAFETY: Java wrote exactly `n` (<= capacity) bytes.
    unsafe { buf.set_len(n as usize) };
    Ok(buf)
}

thread_local! {
    /// Monitors this thread holds through `pybridge.synchronized`, and
    /// whether `pin_thread` attached it for them (see there).
    static PINNED: std::cell::Cell<(u32, bool)> = const { std::cell::Cell::new((0, false)) };
}

/// Keeps the calling thread attached to the JVM while it holds Java monitors
/// (`enter` true before entering one, false after leaving it). A JVM thread
/// is attached already. A thread Python started is otherwise attached for
/// each call only, and detaching a thread releases the monitors it holds:
/// so the first pin attaches it (as a daemon thread, so that it never keeps
/// the JVM alive) and the last unpin detaches it again.
pub(super) fn pin_thread(enter: bool) -> std::result::Result<(), String> {
    if crate::remote::active() {
        return Err(
            "Java monitors cannot be held from a process interpreter (its JVM is in another process)"
                .to_string(),
        );
    }
    let vm = vm()?;
    let (n, ours) = PINNED.with(|p| p.get());
    if enter {
        let mut attached_here = ours;
        if n == 0 && attached_env(vm).is_none() {
            // SAFETY: `vm` is the live JavaVM the library was loaded into.
            if unsafe { raw::attach_as_daemon(vm.get_raw()) }.is_none() {
                return Err("could not attach this thread to the JVM".to_string());
            }
            attached_here = true;
        }
        PINNED.with(|p| p.set((n + 1, attached_here)));
    } else if n > 0 {
        if n == 1 && ours {
            // SAFETY: `vm` is the live JavaVM; this thread was attached by
            // `attach_as_daemon` above and runs no Java code (it is in Python).
            unsafe { raw::detach_current_thread(vm.get_raw()) };
            PINNED.with(|p| p.set((0, false)));
        } else {
            PINNED.with(|p| p.set((n - 1, ours)));
        }
    }
    Ok(())
}

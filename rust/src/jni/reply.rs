//! Replies to Java: a status code and a reply in the wire format.
//!
//! `invoke` returns `status << 32 | length`, and the reply bytes go into
//! the caller's direct buffer when they fit, otherwise they are parked for
//! `takePending`. Errors travel the same way (an encoded payload: Python
//! type, message, traceback, frames, SyntaxError position), so Rust never
//! throws Java exceptions on the normal path. The reply buffer is reused
//! across calls on a thread.

use crate::contract::status;
use crate::error::Error;
use crate::values::wire::Writer;
use jni::sys::{jint, jlong};
use std::cell::{Cell, RefCell};

/// A status code, placed in the upper 32 bits of `invoke`'s result.
const fn st(code: i32) -> i64 {
    code as i64
}
pub(super) const OK: i64 = st(status::OK);
const PYTHON_ERROR: i64 = st(status::PYTHON_ERROR);
const RELEASED: i64 = st(status::RELEASED);
const ILLEGAL_ARGUMENT: i64 = st(status::ILLEGAL_ARGUMENT);
const INIT_ERROR: i64 = st(status::INIT_ERROR);
const ILLEGAL_STATE: i64 = st(status::ILLEGAL_STATE);
const INTERNAL: i64 = st(status::INTERNAL);
pub(super) const PANIC: i64 = st(status::PANIC);
const CLASS_CAST: i64 = st(status::CLASS_CAST);
const LEASE_BUSY: i64 = st(status::LEASE_BUSY);
pub(super) const OK_REENTER: i64 = st(status::OK_REENTER);
const LEASE_WAIT: i64 = st(status::LEASE_WAIT);

thread_local! {
    /// A reply buffer reused across calls; taken out while in use so that a
    /// nested call (Python -> Java -> Python) gets its own.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// A reply larger than the caller's buffer, waiting for `takePending`.
    static PENDING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// After `callLong` returned `CALL_LONG_SLOW` on this thread: 0 if that
    /// was the result, else `status << 32 | reply length`.
    static CALL_LONG_STATUS: Cell<u64> = const { Cell::new(0) };
}

/// A writer over this thread's spare reply buffer.
#[inline]
pub(super) fn writer() -> Writer {
    Writer::over(SPARE.with(|s| s.take()))
}

/// Encodes an error as the reply; returns its status.
pub(crate) fn encode_error(e: &Error, w: &mut Writer) -> i64 {
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
#[inline]
pub(super) fn finish(w: Writer, status: i64, addr: jlong, cap: jint) -> jlong {
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

/// Copies the parked reply into a buffer of `cap` bytes at `addr` if it
/// fits (returns its length; else -1, and it stays parked).
pub(super) fn take_pending(addr: jlong, cap: jint) -> jint {
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
}

/// `callLong`'s slow outcome: parks the reply for `takePending` and records
/// `status` for `callLongStatus`.
pub(super) fn park_call_long(w: Writer, status: u64) {
    let len = w.buf.len().min(i32::MAX as usize) as u64;
    PENDING.with(|p| *p.borrow_mut() = w.buf);
    CALL_LONG_STATUS.with(|c| c.set(status << 32 | len));
}

/// `callLong` returned its sentinel as the actual result.
#[inline]
pub(super) fn call_long_sentinel_is_result() {
    CALL_LONG_STATUS.with(|c| c.set(0));
}

/// What `callLongStatus` returns (see `CALL_LONG_STATUS`).
pub(super) fn call_long_status() -> jlong {
    CALL_LONG_STATUS.with(|c| c.get()) as jlong
}

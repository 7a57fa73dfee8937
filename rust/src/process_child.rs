//! The child side of a process interpreter: CPython in a process of its
//! own, which the JVM starts (`pybridge-process`, the binary in
//! `src/bin/`) and talks to through two pipes (see
//! `docs/decisions/process-interpreters.md`).
//!
//! The child runs the very operations the JVM runs in-process
//! (`ops::dispatch`) on the very request bytes Java writes for
//! `Native.invoke`: a frame (`contract::process`) carries the op, the
//! handle, and those bytes; the reply frame carries the status and the
//! reply bytes, errors encoded as in-process. Handles are this process's.
//!
//! What cannot cross a process boundary is refused or sent by value while
//! `remote::active()` is on: replies never point into this process's memory (large
//! strs are sent inline, numpy arrays as handles instead of `NDARRAY`),
//! requests that point into the JVM's memory (direct buffers) or name Java
//! objects (callbacks, proxies) are refused with a message.
//!
//! The child never outlives the JVM: it asks the kernel for `SIGKILL` when
//! its parent dies (`PR_SET_PDEATHSIG`), checks the parent is still the
//! one that started it, and exits when its request pipe reaches end of file.

use crate::contract::process::{
    CALLBACK, CALLBACK_REPLY, HELLO_STATUS, OP_EXIT, REPLY_HEADER, REQUEST_HEADER,
};
use crate::contract::status;
use crate::handles::Handle;
use crate::values::wire::{Reader, Writer};
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::sync::OnceLock;

/// The protocol's pipes (request in, reply out) and the thread that serves them.
static PIPES: OnceLock<(std::fs::File, std::fs::File, std::thread::ThreadId)> = OnceLock::new();

mod sys {
    unsafe extern "C" {
        pub(super) fn dup(fd: i32) -> i32;
        pub(super) fn dup2(from: i32, to: i32) -> i32;
        pub(super) fn getppid() -> i32;
        pub(super) fn prctl(option: i32, a2: u64, a3: u64, a4: u64, a5: u64) -> i32;
    }
    pub(super) const PR_SET_PDEATHSIG: i32 = 1;
    pub(super) const SIGKILL: u64 = 9;
}

/// Ties this process's life to its parent's: `SIGKILL` when the parent
/// dies, and an exit now if it died already (the parent's pid is in
/// `PYBRIDGE_PROCESS_PARENT`).
fn tie_to_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and changes
    // nothing but this process's death signal.
    unsafe { sys::prctl(sys::PR_SET_PDEATHSIG, sys::SIGKILL, 0, 0, 0) };
    let want: Option<i32> = std::env::var("PYBRIDGE_PROCESS_PARENT")
        .ok()
        .and_then(|v| v.parse().ok());
    // SAFETY: getppid has no preconditions.
    let now = unsafe { sys::getppid() };
    if let Some(p) = want
        && p != now
    {
        // The JVM died between starting this process and the prctl.
        std::process::exit(70);
    }
}

/// The protocol's pipes: the original stdin and stdout, moved to new file
/// descriptors; Python's own stdout then writes to stderr (which the JVM
/// reads and shows), and its stdin reads nothing.
fn take_pipes() -> std::io::Result<(std::fs::File, std::fs::File)> {
    // SAFETY: dup of the standard descriptors, which this process owns.
    let inp = unsafe { sys::dup(0) };
    // SAFETY: as above.
    let out = unsafe { sys::dup(1) };
    if inp < 0 || out < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let null = std::fs::File::open("/dev/null")?;
    // SAFETY: replaces fd 0 with /dev/null and fd 1 with fd 2; both stay open.
    let ok = unsafe { sys::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), 0) } >= 0
        // SAFETY: as above.
        && unsafe { sys::dup2(2, 1) } >= 0;
    if !ok {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `inp` is a fresh descriptor this process owns alone.
    let inp = unsafe { std::fs::File::from_raw_fd(inp) };
    // SAFETY: as above, `out`.
    let out = unsafe { std::fs::File::from_raw_fd(out) };
    Ok((inp, out))
}

/// One reply frame: header and bytes in one write.
fn send(out: &mut &std::fs::File, st: i32, body: &[u8]) -> std::io::Result<()> {
    let mut f = Vec::with_capacity(REPLY_HEADER as usize + body.len());
    f.extend_from_slice(&st.to_le_bytes());
    f.extend_from_slice(&(body.len() as i32).to_le_bytes());
    f.extend_from_slice(body);
    out.write_all(&f)
}

/// Serves requests until the pipe closes or `OP_EXIT`; never returns.
pub fn serve() -> ! {
    tie_to_parent();
    let (inp, out) = match take_pipes() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("pybridge-process: cannot set up its pipes: {e}");
            std::process::exit(71);
        }
    };
    let _ = PIPES.set((inp, out, std::thread::current().id()));
    crate::remote::activate();
    crate::remote::set_upcall(upcall);
    if send(&mut writer(), HELLO_STATUS, &[]).is_err() {
        std::process::exit(0);
    }
    // Only a callback's reply ends `serve_until_reply`: none is awaited here.
    let _ = serve_until_reply();
    eprintln!("pybridge-process: a callback reply came with no callback waiting");
    std::process::exit(72)
}

fn reader() -> &'static std::fs::File {
    match PIPES.get() {
        Some(p) => &p.0,
        None => std::process::exit(0),
    }
}

fn writer() -> &'static std::fs::File {
    match PIPES.get() {
        Some(p) => &p.1,
        None => std::process::exit(0),
    }
}

/// Serves requests until a `CALLBACK_REPLY` frame arrives (returned), the
/// pipe closes or `OP_EXIT` (the process exits).
fn serve_until_reply() -> Vec<u8> {
    let mut head = [0u8; REQUEST_HEADER as usize];
    loop {
        let mut inp = reader();
        if inp.read_exact(&mut head).is_err() {
            // The JVM closed the pipe (or died): nothing is left to serve.
            std::process::exit(0);
        }
        let op = i32::from_le_bytes(head[0..4].try_into().unwrap_or_default());
        let id = i64::from_le_bytes(head[4..12].try_into().unwrap_or_default());
        let slot = i32::from_le_bytes(head[12..16].try_into().unwrap_or_default());
        let len = i32::from_le_bytes(head[16..20].try_into().unwrap_or_default()).max(0) as usize;
        let mut body = vec![0u8; len];
        if inp.read_exact(&mut body).is_err() {
            std::process::exit(0);
        }
        if op == OP_EXIT {
            let _ = writer().flush();
            std::process::exit(0);
        }
        if op == CALLBACK_REPLY {
            return body;
        }
        let (st, reply) = run(op, id, slot, &body);
        if send(&mut writer(), st, &reply).is_err() {
            std::process::exit(0);
        }
    }
}

/// A call of Java function `id` (`Callbacks.invoke`'s request bytes): a
/// `CALLBACK` frame to the JVM, then requests the JVM sends meanwhile (the
/// Java function calling Python back) are served until its reply comes.
fn upcall(id: i64, req: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    match PIPES.get() {
        Some(p) if p.2 == std::thread::current().id() => {}
        _ => {
            return Err(
                "a process interpreter calls Java only from the thread serving the JVM's \
                        call (not from Python threads of its own)"
                    .into(),
            );
        }
    }
    let mut frame = Vec::with_capacity(8 + req.len());
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(&req);
    if send(&mut writer(), CALLBACK, &frame).is_err() {
        std::process::exit(0);
    }
    Ok(serve_until_reply())
}

/// One operation, as `Native.invoke` runs it in-process (panics caught).
fn run(op: i32, id: i64, slot: i32, body: &[u8]) -> (i32, Vec<u8>) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut r = Reader::new(body);
        let mut w = Writer::default();
        let h = Handle::from_java(id, slot);
        match crate::ops::dispatch(op, h, &mut r, &mut w) {
            Ok(()) => (status::OK, w.buf),
            Err(e) => {
                let st = crate::jni::reply::encode_error(&e, &mut w);
                (st as i32, w.buf)
            }
        }
    }));
    match r {
        Ok(x) => x,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            let mut w = Writer::default();
            w.str(&format!(
                "internal error (Rust panic in operation {op}, process interpreter): {msg}"
            ));
            (status::PANIC, w.buf)
        }
    }
}

//! Python runs on a stack of pybridge's own, never on whatever is left of
//! the calling JVM thread's.
//!
//! A JVM thread has 1 MiB of stack by default and often less (`-Xss`,
//! `new Thread(group, body, name, 256 << 10)`), while CPython assumes the
//! 8 MiB of a process's main thread: its recursion limit counts frames, not
//! bytes, and recursion through C (`map()`, `__getattr__`, `sorted(key=)`)
//! or deeply nested source (the parser, the compiler) uses kilobytes of C
//! stack per level. Under the limit, on a small JVM stack, that ran off the
//! end of the stack into HotSpot's guard pages: SIGSEGV with no stack left
//! for a handler, and no hs_err file.
//!
//! So every call from Java that runs Python switches to an *alternate
//! stack* (`ALT_SIZE` of address space per thread, reserved lazily, pages
//! committed only as they are touched, freed when the thread ends), as if
//! Python ran on a big thread of its own, but on the same OS thread (same
//! Python thread state, `threading.local`, GIL). Java code never runs on it:
//! a call from Python back into the JVM (`on_thread_stack`) switches back to
//! the thread's own stack, below where the call from Java left it, so that
//! HotSpot sees its frames where it expects them and its own stack-overflow
//! checks (a `StackOverflowError`) work as before. A call from that Java
//! code into Python again continues on the alternate stack below the Python
//! frames already there. Both stacks only grow; each holds its own kind of
//! frame.
//!
//! An entry that finds less than `MIN_ENTRY` left on the alternate stack
//! (nesting between Python and Java so deep that it is used up) is refused
//! with a `RecursionError`, so the worst case is an exception, not a crash.
//! Python code that raises its own recursion limit far beyond the default
//! can still exhaust the stack, as it can in plain CPython.

use libc::{
    MAP_ANONYMOUS, MAP_FAILED, MAP_NORESERVE, MAP_PRIVATE, MAP_STACK, PROT_NONE, PROT_READ,
    PROT_WRITE, mmap, mprotect, munmap,
};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// Address space reserved per thread for Python's stack.
pub(crate) const ALT_SIZE: usize = 64 << 20;
/// Inaccessible bytes at the bottom of the alternate stack (at least; see
/// `guard_size`).
const GUARD: usize = 64 << 10;
/// Room an entry into Python needs on the alternate stack: Python's default
/// recursion limit through C code takes a few MiB (3.12+ also bound C
/// recursion by a count that assumes an 8 MiB stack).
pub(crate) const MIN_ENTRY: usize = 16 << 20;
/// Left unused below a stack pointer before the other stack continues
/// there (x86-64's red zone is 128 bytes; aarch64 has none).
const GAP: usize = 512;

/// The alternate stack could not be used: nesting between Python and Java
/// has used it up.
#[derive(Debug)]
pub struct Exhausted;

struct Alt {
    /// Lowest address of the reservation (0: not reserved yet, or failed).
    base: Cell<usize>,
    /// Where the next entry starts on the alternate stack (0: at its top).
    /// Set while Python has called out to Java: below Python's frames.
    resume: Cell<usize>,
    /// While Python runs on the alternate stack: where calls out to Java
    /// continue on the thread's own stack (0: not on the alternate stack).
    thread_resume: Cell<usize>,
    /// Reserving failed once: run in place from then on (logged).
    failed: Cell<bool>,
}

impl Drop for Alt {
    fn drop(&mut self) {
        let base = self.base.get();
        if base != 0 {
            // SAFETY: `base` is this thread's reservation of ALT_SIZE bytes
            // (mmap), and the thread is ending: nothing runs on it any more.
            unsafe { munmap(base as *mut std::ffi::c_void, ALT_SIZE) };
        }
    }
}

thread_local! {
    static ALT: Alt = const {
        Alt {
            base: Cell::new(0),
            resume: Cell::new(0),
            thread_resume: Cell::new(0),
            failed: Cell::new(false),
        }
    };
}

/// The guard's size: `GUARD`, or one page where pages are bigger (aarch64
/// kernels run with 4, 16 or 64 KiB pages; `mprotect` needs whole pages).
/// Read once (every entry into Python uses it).
fn guard_size() -> usize {
    static SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        // SAFETY: sysconf only reads a system constant.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let page = if page > 0 { page as usize } else { 4096 };
        GUARD.div_ceil(page) * page
    })
}

/// Reserves the alternate stack: address space only, pages are committed
/// when first touched; the lowest `guard_size()` bytes are inaccessible.
fn reserve() -> Option<usize> {
    // SAFETY: asks for a fresh anonymous private mapping; touches no
    // existing memory.
    let p = unsafe {
        mmap(
            std::ptr::null_mut(),
            ALT_SIZE,
            PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
            -1,
            0,
        )
    };
    if p == MAP_FAILED {
        return None;
    }
    // SAFETY: the lowest guard_size() bytes of that mapping (whole pages:
    // the mapping starts on a page), which nothing else refers to.
    if unsafe { mprotect(p, guard_size(), PROT_NONE) } != 0 {
        // SAFETY: the whole mapping made above, unused.
        unsafe { munmap(p, ALT_SIZE) };
        return None;
    }
    Some(p as usize)
}

#[inline]
fn align_down(x: usize) -> usize {
    x & !15
}

/// This thread's state, looked up once per switch (a thread-local lookup in
/// a `dlopen`ed library is a call to `__tls_get_addr`), or `None` while the
/// thread is exiting.
#[inline]
fn this_thread() -> Option<&'static Alt> {
    // SAFETY: the thread-local lives until this thread ends; the reference
    // is used only by this thread, within the current call.
    ALT.try_with(|a| a as *const Alt)
        .ok()
        .map(|p| unsafe { &*p })
}

/// The stack pointer of the function this is inlined into: every frame
/// live on this stack, that function's whole frame included, is at or
/// above it; what the switch pushes below it (`psm::on_stack`'s frame and
/// its trampoline's, about 160 bytes) fits in `GAP`.
///
/// The address of a local variable, which this used to be, is not enough:
/// once `run_python` is inlined into a large caller (`ops::dispatch`), the
/// local may sit high in a frame of half a kilobyte, the other stack then
/// continued inside live frames, and the return into them crashed
/// (`GilGateE2ETest.aCallbackOutOfPythonLetsOtherJvmThreadsPastTheGate`).
#[inline(always)]
fn here() -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let sp: usize;
        // SAFETY: copies the stack pointer to a register; touches no memory,
        // no stack and no flags.
        unsafe {
            std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
        };
        sp
    }
    #[cfg(target_arch = "aarch64")]
    {
        let sp: usize;
        // SAFETY: as above.
        unsafe {
            std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
        };
        sp
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        // The caller's stack pointer, through a call (not inlined).
        psm::stack_pointer() as usize
    }
}

/// Runs `f` (which runs Python) on this thread's alternate stack; in place
/// if it is already running there, or if no alternate stack could be had.
#[inline]
pub fn run_python<R>(f: impl FnOnce() -> R) -> Result<R, Exhausted> {
    let Some(a) = this_thread() else {
        return Ok(f());
    };
    if a.thread_resume.get() != 0 {
        // Already on the alternate stack.
        return Ok(f());
    }
    let mut base = a.base.get();
    if base == 0 {
        match reserve_for(a) {
            Some(b) => base = b,
            None => return Ok(f()),
        }
    }
    let resume = a.resume.get();
    let top = if resume != 0 { resume } else { base + ALT_SIZE };
    let limit = base + guard_size();
    if top - limit < MIN_ENTRY {
        return Err(Exhausted);
    }
    a.thread_resume.set(align_down(here() - GAP));
    // SAFETY: [limit, top) is this thread's own mapping, unused below `top`
    // (the top of the reservation, or below the frames of the Python code
    // that called out to Java and waits for it); 16-aligned; `f` cannot
    // unwind across the switch (caught inside, resumed outside).
    let r = unsafe {
        psm::on_stack(limit as *mut u8, align_down(top) - limit, move || {
            catch_unwind(AssertUnwindSafe(f))
        })
    };
    a.thread_resume.set(0);
    match r {
        Ok(v) => Ok(v),
        Err(p) => resume_unwind(p),
    }
}

/// The first reservation on this thread (or none: `failed`, logged once).
#[cold]
fn reserve_for(a: &Alt) -> Option<usize> {
    if a.failed.get() {
        return None;
    }
    match reserve() {
        Some(b) => {
            a.base.set(b);
            Some(b)
        }
        None => {
            a.failed.set(true);
            log::warn!(
                "pybridge: could not reserve {} MiB for Python's stack on this thread; Python runs on the \
                 thread's own stack, where deep recursion can overflow it",
                ALT_SIZE >> 20
            );
            None
        }
    }
}

/// Runs `f` (which calls into the JVM) on the thread's own stack when
/// Python is running on the alternate stack, below where the call from Java
/// left it; in place otherwise (a thread Python started, say).
pub fn on_thread_stack<R>(f: impl FnOnce() -> R) -> R {
    let Some(a) = this_thread() else {
        return f();
    };
    let tr = a.thread_resume.get();
    if tr == 0 {
        return f();
    }
    let saved = a.resume.replace(align_down(here() - GAP));
    a.thread_resume.set(0);
    // Only the start matters: the stack below `tr` is the thread's own,
    // unused since the call from Java switched away at `tr`.
    const WINDOW: usize = 4096;
    // SAFETY: [tr - WINDOW, tr) and everything below it down to the
    // thread's stack guard is this thread's own stack, unused (its frames
    // are all above `tr`); 16-aligned; `f` cannot unwind across the switch.
    let r = unsafe {
        psm::on_stack((tr - WINDOW) as *mut u8, WINDOW, move || {
            catch_unwind(AssertUnwindSafe(f))
        })
    };
    a.resume.set(saved);
    a.thread_resume.set(tr);
    match r {
        Ok(v) => v,
        Err(p) => resume_unwind(p),
    }
}

/// Whether this thread is running Python on its alternate stack now (for
/// the tests).
#[cfg(test)]
fn on_alternate_stack() -> bool {
    ALT.try_with(|a| a.thread_resume.get() != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(n: u32) -> u32 {
        // A frame that cannot be optimised away: 1 KiB per level.
        let buf = std::hint::black_box([n as u8; 1024]);
        if n == 0 {
            buf[0] as u32
        } else {
            1 + depth(n - 1)
        }
    }

    #[test]
    fn deep_recursion_fits_on_the_alternate_stack_of_a_small_thread() {
        let t = std::thread::Builder::new()
            .stack_size(128 << 10)
            .spawn(|| run_python(|| depth(20_000)).map_err(|_| ()))
            .unwrap();
        assert_eq!(t.join().unwrap(), Ok(20_000));
    }

    #[test]
    fn calls_out_return_to_the_thread_stack_and_nested_entries_continue_below() {
        let r = run_python(|| {
            assert!(on_alternate_stack());
            let outer = psm::stack_pointer() as usize;
            on_thread_stack(|| {
                assert!(!on_alternate_stack());
                let nested = run_python(|| psm::stack_pointer() as usize).unwrap();
                assert!(
                    nested < outer,
                    "a nested entry continues below the outer frames"
                );
            });
            assert!(on_alternate_stack());
            7
        });
        assert_eq!(r.unwrap(), 7);
        assert!(!on_alternate_stack());
    }

    #[test]
    fn panics_cross_both_switches() {
        let r = std::panic::catch_unwind(|| {
            run_python(|| on_thread_stack(|| panic!("boom"))).map(|_: ()| ())
        });
        assert!(r.is_err());
        assert!(!on_alternate_stack());
        assert_eq!(run_python(|| 1).unwrap(), 1);
    }
}

//! Large copies (Java primitive arrays to and from numpy) on more than one
//! core.
//!
//! One core does not saturate this VM's memory bandwidth: an 8 MB `memcpy`
//! takes 0.70 ms on one thread and 0.43 ms split across two, thread creation
//! included (measured with a standalone Rust program; see docs/decisions/parallel-copies.md).
//! Copies of at least `PARALLEL_MIN` bytes are split into equal parts: the
//! caller copies one, helper threads the others. The helpers are plain
//! native threads that only move bytes (no JNI, no Python), started on first
//! use, at most `MAX_HELPERS`, one fewer than the CPUs. One copy uses them at
//! a time; a copy that finds them busy is done by its caller alone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock};

/// Below this, handing work to another thread costs more than it saves:
/// waking the helpers costs 12–18 µs here, and a cache-warm copy breaks even
/// at about 768 KiB (split / one core: 512 KiB 1.46, 768 KiB 0.97–1.02,
/// 1 MiB 0.68–0.72, 2 MiB 0.36–0.43; `cargo run --release --example
/// copy_split`). Starting a little above break-even keeps the split from
/// ever being the slower way.
pub(crate) const PARALLEL_MIN: usize = 896 * 1024;
const MAX_HELPERS: usize = 3;

/// One part of a copy, as addresses (so that it can cross threads).
struct Part {
    src: usize,
    dst: usize,
    len: usize,
    /// Also OR the bytes together (`copy_or`).
    or: bool,
}

struct Helpers {
    jobs: Vec<Sender<Part>>,
    /// Each finished part's OR of its bytes (0 when not asked for).
    done: Mutex<Receiver<u8>>,
    busy: AtomicBool,
}

fn helpers() -> Option<&'static Helpers> {
    static HELPERS: OnceLock<Option<Helpers>> = OnceLock::new();
    HELPERS
        .get_or_init(|| {
            let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
            let n = cpus.saturating_sub(1).min(MAX_HELPERS);
            if n == 0 {
                return None;
            }
            let (done_tx, done_rx) = channel::<u8>();
            let mut jobs = Vec::with_capacity(n);
            for k in 0..n {
                let (tx, rx) = channel::<Part>();
                let done = done_tx.clone();
                let started = std::thread::Builder::new()
                    .name(format!("pybridge-copy-{k}"))
                    .spawn(move || {
                        while let Ok(p) = rx.recv() {
                            // SAFETY: `copy_split` hands out disjoint parts
                            // of two regions it guarantees valid and
                            // non-overlapping until it has received this
                            // part's `done`.
                            let or = unsafe {
                                copy_part(p.src as *const u8, p.dst as *mut u8, p.len, p.or)
                            };
                            if done.send(or).is_err() {
                                return;
                            }
                        }
                    });
                match started {
                    Ok(_) => jobs.push(tx),
                    Err(e) => {
                        log::warn!(
                            "pybridge: no copy helper thread ({e}); large copies use one core"
                        );
                        break;
                    }
                }
            }
            if jobs.is_empty() {
                return None;
            }
            Some(Helpers {
                jobs,
                done: Mutex::new(done_rx),
                busy: AtomicBool::new(false),
            })
        })
        .as_ref()
}

/// Copies `len` bytes from `src` to `dst`, on several cores when it is large
/// and the helpers are free.
///
/// # Safety
/// As `std::ptr::copy_nonoverlapping`: `src` readable and `dst` writable for
/// `len` bytes, the two not overlapping, both valid until this returns.
pub(crate) unsafe fn copy(src: *const u8, dst: *mut u8, len: usize) {
    if len >= PARALLEL_MIN {
        // SAFETY: per this function's contract.
        unsafe { copy_split(src, dst, len, false) };
    } else {
        // SAFETY: per this function's contract.
        unsafe { std::ptr::copy_nonoverlapping(src, dst, len) };
    }
}

/// `copy` that also returns the OR of all the bytes (below 0x80: all
/// ASCII), in the same pass: scanning afterwards would read back, on one
/// core, data that the split copy left in the other cores' caches.
///
/// # Safety
/// As `copy`.
pub(crate) unsafe fn copy_or(src: *const u8, dst: *mut u8, len: usize) -> u8 {
    if len >= PARALLEL_MIN {
        // SAFETY: per this function's contract.
        unsafe { copy_split(src, dst, len, true) }
    } else {
        // SAFETY: per this function's contract.
        unsafe { copy_part(src, dst, len, true) }
    }
}

/// `copy` (or `copy_or`) whatever the size: split between the caller and
/// the helpers when they are free (`rust/examples/copy_split.rs` uses it to
/// find `PARALLEL_MIN`). Returns the OR of the bytes if `or`, else 0.
///
/// # Safety
/// As `copy`.
pub unsafe fn copy_split(src: *const u8, dst: *mut u8, len: usize, or: bool) -> u8 {
    if len >= 64 * (MAX_HELPERS + 1)
        && let Some(h) = helpers()
        && h.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    {
        let done = h.done.lock().unwrap_or_else(|p| p.into_inner());
        let parts = h.jobs.len() + 1;
        // Parts of equal size, on 64-byte boundaries (whole cache lines).
        let step = (len / parts).next_multiple_of(64);
        let mut acc = 0u8;
        let mut sent = 0;
        let mut at = step;
        for tx in &h.jobs {
            if at >= len {
                break;
            }
            let n = step.min(len - at);
            let part = Part {
                src: src as usize + at,
                dst: dst as usize + at,
                len: n,
                or,
            };
            if tx.send(part).is_err() {
                // The helper is gone: copy its part here.
                let (s, d) = (src.wrapping_add(at), dst.wrapping_add(at));
                // SAFETY: within the caller's regions (at + n <= len).
                acc |= unsafe { copy_part(s, d, n, or) };
            } else {
                sent += 1;
            }
            at += n;
        }
        if at < len {
            let (s, d) = (src.wrapping_add(at), dst.wrapping_add(at));
            // SAFETY: the tail, within the caller's regions.
            acc |= unsafe { copy_part(s, d, len - at, or) };
        }
        // SAFETY: the first part, within the caller's regions (step <= len
        // since len >= 64 * parts).
        acc |= unsafe { copy_part(src, dst, step.min(len), or) };
        // The regions must stay valid until every helper is done with them:
        // wait for all of them, whatever happens.
        for _ in 0..sent {
            match done.recv() {
                Ok(o) => acc |= o,
                // Every helper has exited, so none is still copying. (Its
                // part's OR is lost: report "not ASCII", the safe answer.)
                Err(_) => {
                    acc |= 0x80;
                    break;
                }
            }
        }
        drop(done);
        h.busy.store(false, Ordering::Release);
        return acc;
    }
    // SAFETY: per this function's contract.
    unsafe { copy_part(src, dst, len, or) }
}

/// One thread's share: a plain copy, or a copy that ORs the bytes as it
/// goes (with AVX2 when the CPU has it).
///
/// # Safety
/// As `copy`.
unsafe fn copy_part(src: *const u8, dst: *mut u8, len: usize, or: bool) -> u8 {
    if !or {
        // SAFETY: per this function's contract.
        unsafe { std::ptr::copy_nonoverlapping(src, dst, len) };
        return 0;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked); the rest per the contract.
        return unsafe { copy_or_avx2(src, dst, len) };
    }
    // SAFETY: per this function's contract.
    unsafe { copy_or_plain(src, dst, len) }
}

/// `copy_or_plain` compiled for AVX2.
///
/// # Safety
/// As `copy`, and the CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn copy_or_avx2(src: *const u8, dst: *mut u8, len: usize) -> u8 {
    // SAFETY: per `copy_part`; the same loop, compiled for AVX2.
    unsafe { copy_or_plain(src, dst, len) }
}

/// The OR of all the bytes (below 0x80: all ASCII), without copying: the
/// same lanes as `copy_or`, with AVX2 when the CPU has it.
pub(crate) fn or_bytes(b: &[u8]) -> u8 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked).
        return unsafe { or_bytes_avx2(b) };
    }
    or_bytes_plain(b)
}

/// `or_bytes_plain` compiled for AVX2.
///
/// # Safety
/// The CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn or_bytes_avx2(b: &[u8]) -> u8 {
    or_bytes_plain(b)
}

#[inline(always)]
fn or_bytes_plain(b: &[u8]) -> u8 {
    let mut lanes = [0u8; 64];
    let mut chunks = b.chunks_exact(64);
    for c in &mut chunks {
        for (l, x) in lanes.iter_mut().zip(c) {
            *l |= *x;
        }
    }
    lanes
        .iter()
        .chain(chunks.remainder())
        .fold(0u8, |a, &x| a | x)
}

/// 64 bytes at a time into 64 OR lanes (the compiler makes these vector
/// loads, stores and ORs), reduced once at the end.
///
/// # Safety
/// As `copy`.
#[inline(always)]
unsafe fn copy_or_plain(src: *const u8, dst: *mut u8, len: usize) -> u8 {
    // SAFETY: per `copy_part`: `src` readable for `len` bytes, and not
    // overlapping `dst`.
    let s = unsafe { std::slice::from_raw_parts(src, len) };
    // SAFETY: per `copy_part`: `dst` writable for `len` bytes, and not
    // overlapping `src`.
    let d = unsafe { std::slice::from_raw_parts_mut(dst, len) };
    let mut lanes = [0u8; 64];
    let mut sc = s.chunks_exact(64);
    let mut dc = d.chunks_exact_mut(64);
    for (a, b) in (&mut sc).zip(&mut dc) {
        for ((x, y), l) in a.iter().zip(b.iter_mut()).zip(lanes.iter_mut()) {
            *y = *x;
            *l |= *x;
        }
    }
    let mut acc = 0u8;
    for (a, b) in sc.remainder().iter().zip(dc.into_remainder()) {
        *b = *a;
        acc |= *a;
    }
    lanes.iter().fold(acc, |x, &y| x | y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_every_byte_at_every_size_around_the_split() {
        for len in [
            0,
            1,
            63,
            PARALLEL_MIN - 1,
            PARALLEL_MIN,
            PARALLEL_MIN + 1,
            PARALLEL_MIN * 3 + 7,
            8_000_000,
        ] {
            let src: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mut dst = vec![0u8; len];
            // SAFETY: two distinct vectors of `len` bytes.
            unsafe { copy(src.as_ptr(), dst.as_mut_ptr(), len) };
            assert!(src == dst, "copy of {len} bytes differs");
        }
    }

    #[test]
    fn copy_or_copies_and_tells_ascii_at_every_size_around_the_split() {
        for len in [
            0,
            1,
            63,
            64,
            65,
            1000,
            PARALLEL_MIN - 1,
            PARALLEL_MIN,
            PARALLEL_MIN * 2 + 5,
        ] {
            let ascii: Vec<u8> = (0..len).map(|i| (i % 128) as u8).collect();
            let mut dst = vec![0u8; len];
            // SAFETY: two distinct vectors of `len` bytes.
            let or = unsafe { copy_or(ascii.as_ptr(), dst.as_mut_ptr(), len) };
            assert!(ascii == dst, "copy_or of {len} bytes differs");
            assert!(or < 0x80, "{len} ASCII bytes reported as not ASCII");
            // One byte >= 0x80 anywhere (first, middle, last) must show.
            for at in [0, len / 2, len.saturating_sub(1)] {
                if len == 0 {
                    break;
                }
                let mut src = ascii.clone();
                src[at] = 0xE9;
                let mut dst = vec![0u8; len];
                // SAFETY: two distinct vectors of `len` bytes.
                let or = unsafe { copy_or(src.as_ptr(), dst.as_mut_ptr(), len) };
                assert!(src == dst);
                assert!(or >= 0x80, "byte 0xE9 at {at} of {len} missed");
            }
        }
    }

    #[test]
    fn or_bytes_finds_a_high_byte_anywhere() {
        for len in [0usize, 1, 63, 64, 65, 1000, 4097] {
            let ascii: Vec<u8> = (0..len).map(|i| (i % 128) as u8).collect();
            assert!(or_bytes(&ascii) < 0x80, "{len} ASCII bytes");
            for at in [0, len / 2, len.saturating_sub(1)] {
                if len == 0 {
                    break;
                }
                let mut b = ascii.clone();
                b[at] = 0xE9;
                assert!(or_bytes(&b) >= 0x80, "0xE9 at {at} of {len} missed");
            }
        }
    }

    #[test]
    fn concurrent_copies_all_complete() {
        let threads: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let len = PARALLEL_MIN * 2 + t * 4096 + 3;
                    let src: Vec<u8> = (0..len).map(|i| (i + t) as u8).collect();
                    for _ in 0..20 {
                        let mut dst = vec![0u8; len];
                        // SAFETY: two distinct vectors of `len` bytes.
                        unsafe { copy(src.as_ptr(), dst.as_mut_ptr(), len) };
                        assert!(src == dst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
}

//! How long a cache-warm copy takes on one core and split across the copy
//! helpers, by size: the figures behind `copy::PARALLEL_MIN`.
//!
//! `cargo run --release --example copy_split` (from `rust/`).

use std::time::Instant;

fn best_of<F: FnMut()>(reps: usize, mut f: F) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() * 1e6 / reps as f64);
    }
    best
}

fn main() {
    println!("| bytes | one core (µs) | split (µs) | split / one |");
    println!("|---|---|---|---|");
    for kb in [64usize, 256, 512, 768, 1024, 2048, 8192] {
        let len = kb * 1024;
        let src: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut dst = vec![0u8; len];
        let reps = (64 * 1024 * 1024 / len).clamp(20, 2000);
        let one = best_of(reps, || {
            // SAFETY: two distinct vectors of `len` bytes.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr(), len) };
            std::hint::black_box(&mut dst);
        });
        let split = best_of(reps, || {
            // SAFETY: two distinct vectors of `len` bytes.
            unsafe {
                pybridge::values::copy::copy_split(src.as_ptr(), dst.as_mut_ptr(), len, false)
            };
            std::hint::black_box(&mut dst);
        });
        assert!(src == dst);
        println!("| {len} | {one:.1} | {split:.1} | {:.2} |", split / one);
    }
}

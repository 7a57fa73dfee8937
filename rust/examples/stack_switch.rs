//! What switching to Python's stack (`pybridge::gil::stack`) costs per call, with
//! no Python and no JVM: `run_python` around a trivial closure against the
//! closure alone. Best of 7 runs of 10M calls each.
//!
//! `cargo run --release --example stack_switch`

use std::hint::black_box;
use std::time::Instant;

fn best(f: &dyn Fn(u64) -> u64) -> f64 {
    let n = 10_000_000u64;
    (0..7)
        .map(|_| {
            let t = Instant::now();
            let mut s = 0u64;
            for i in 0..n {
                s = s.wrapping_add(f(i));
            }
            black_box(s);
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let direct = best(&|i| black_box(i) + 1);
    let switched = best(&|i| pybridge::gil::stack::run_python(|| black_box(i) + 1).unwrap_or(0));
    let out_and_back = best(&|i| {
        pybridge::gil::stack::run_python(|| {
            pybridge::gil::stack::on_thread_stack(|| black_box(i) + 1)
        })
        .unwrap_or(0)
    });
    println!(
        "direct {direct:.2} ns, run_python {switched:.2} ns, run_python + on_thread_stack {out_and_back:.2} ns"
    );
}

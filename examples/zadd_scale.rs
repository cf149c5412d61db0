//! ZADD of new members into one large sorted set (issue 16: redis-benchmark's ZADD test
//! inserts into one big zset, and the order index's chunk inserts and splits dominate).
//!
//! Usage: `cargo run --release --example zadd_scale [N] [ROUNDS]`. Inserts N members
//! (default 1,000,000) with pseudo-random scores (a fixed LCG, so every run inserts the
//! same sequence), one `ZADD key score member` per call, in process; prints nanoseconds
//! per insert for each tenth of the set and over all, best of ROUNDS rounds (default 3),
//! each round into a fresh store.

use std::hint::black_box;
use std::time::Instant;

use emu::Redis;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let args: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
        .map(|i| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let score = (x >> 33) % 100_000_000;
            (
                score.to_string().into_bytes(),
                format!("member:{i}").into_bytes(),
            )
        })
        .collect();
    let tenth = (n / 10).max(1);
    let mut best_total = f64::MAX;
    let mut best_parts = vec![f64::MAX; n.div_ceil(tenth)];
    for _ in 0..rounds {
        let r = Redis::new();
        let start = Instant::now();
        let mut t = Instant::now();
        for (i, (s, m)) in args.iter().enumerate() {
            black_box(r.execute(&[b"ZADD", b"big", s, m]).expect("ZADD runs"));
            if (i + 1) % tenth == 0 || i + 1 == n {
                let part = i / tenth;
                let per = t.elapsed().as_nanos() as f64 / tenth as f64;
                best_parts[part] = best_parts[part].min(per);
                t = Instant::now();
            }
        }
        best_total = best_total.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    for (k, ns) in best_parts.iter().enumerate() {
        println!(
            "members {:>9}..{:<9} {:>8.0} ns/ZADD",
            k * tenth,
            ((k + 1) * tenth).min(n),
            ns
        );
    }
    println!("all {n}: {best_total:.0} ns/ZADD (best of {rounds})");
}

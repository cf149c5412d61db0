//! The longest single SET while loading keys into an in-process store (issue 16: growth of
//! the keyspace table must not stall one command for the whole relink).
//!
//! Usage: `cargo run --release --example set_pause [KEYS]` (default 2,200,000, past the
//! 2^21-bucket growth). Prints the slowest SETs' positions and durations and the median.

use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_200_000);
    let redis = emu::Redis::new();
    let mut times: Vec<(Duration, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        let key = format!("key:{i:08}");
        let t = Instant::now();
        redis
            .execute(&[b"SET", key.as_bytes(), b"value-00000000"])
            .expect("SET runs");
        times.push((t.elapsed(), i));
    }
    let mut sorted: Vec<Duration> = times.iter().map(|t| t.0).collect();
    sorted.sort();
    times.sort_by_key(|t| std::cmp::Reverse(t.0));
    println!("keys {n}, median SET {:?}", sorted[n / 2]);
    for (d, i) in times.iter().take(5) {
        println!("slowest: SET #{i} took {d:?}");
    }
}

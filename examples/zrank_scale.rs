//! ZRANK on 1,000,000 members against ZRANK on 1,000 (issue 16's target: within 3×), with
//! ZSCORE on the same sets for comparison (ZSCORE shares the key lookup and the member
//! lookup; what ZRANK adds is the walk of the order index).
//!
//! Usage: `cargo run --release --example zrank_scale [ROUNDS] [ONLY_N]`. Builds one set of
//! 1,000 and one of 1,000,000 members (the `engine` bench's leaderboard: distinct integer
//! scores, `player:N` members), probes members spread over the whole set (so the large
//! set pays its cache misses), alternates the sizes for ROUNDS rounds (default 5) of
//! 200,000 calls each and prints the best round per size and the ratios. Rounds are timed
//! in thread CPU time (`CLOCK_THREAD_CPUTIME_ID`), so time the thread spends descheduled on
//! a loaded machine does not count. With ONLY_N, only that size runs, in a long loop (for
//! `perf record`).

use std::hint::black_box;

use emu::{Redis, Value};

fn build(n: usize) -> Redis {
    let r = Redis::new();
    let mut argv: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"lb".to_vec()];
    for i in 0..n {
        argv.push(((i * 7919) % n).to_string().into_bytes());
        argv.push(format!("player:{i}").into_bytes());
        if argv.len() > 20_000 || i + 1 == n {
            let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
            r.execute(&refs).expect("ZADD runs");
            argv.truncate(2);
        }
    }
    r
}

fn probes(n: usize) -> Vec<Vec<u8>> {
    (0..65_536usize)
        .map(|k| format!("player:{}", (k.wrapping_mul(2_654_435_761)) % n).into_bytes())
        .collect()
}

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::cpu_now;

/// CPU nanoseconds per call over `calls` calls of `cmd` on the probes.
fn time(r: &Redis, cmd: &[u8], probes: &[Vec<u8>], calls: usize) -> f64 {
    let t = cpu_now();
    for k in 0..calls {
        let v = r
            .execute(&[cmd, b"lb", &probes[k % probes.len()]])
            .expect("runs");
        assert!(!matches!(v, Value::Nil), "every probe is a member");
        black_box(v);
    }
    (cpu_now() - t).as_nanos() as f64 / calls as f64
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let only: Option<usize> = std::env::args().nth(2).and_then(|a| a.parse().ok());
    if let Some(n) = only {
        let r = build(n);
        let p = probes(n);
        for _ in 0..rounds {
            println!("ZRANK {n}: {:.0} ns", time(&r, b"ZRANK", &p, 2_000_000));
        }
        return;
    }
    let sizes = [1_000usize, 1_000_000];
    let sets: Vec<(Redis, Vec<Vec<u8>>)> = sizes.iter().map(|&n| (build(n), probes(n))).collect();
    let mut best = [[f64::MAX; 2]; 2]; // [size][ZRANK, ZSCORE]
    for _ in 0..rounds {
        for (i, (r, p)) in sets.iter().enumerate() {
            for (j, cmd) in [&b"ZRANK"[..], b"ZSCORE"].iter().enumerate() {
                let ns = time(r, cmd, p, 200_000);
                best[i][j] = best[i][j].min(ns);
            }
        }
    }
    for (i, n) in sizes.iter().enumerate() {
        println!(
            "{n:>9} members: ZRANK {:7.0} ns  ZSCORE {:7.0} ns",
            best[i][0], best[i][1]
        );
    }
    println!(
        "ratio 1M / 1K: ZRANK {:.2}x  ZSCORE {:.2}x",
        best[1][0] / best[0][0],
        best[1][1] / best[0][1]
    );
}

//! Point commands on a 128-member sorted set in its listpack form against the same set in
//! the skiplist form (dict + order index): issue 16 wants the listpack at most 1.05× the
//! skiplist's time on ZSCORE, ZADD updating a score, and ZINCRBY (and ZRANK, ZMSCORE,
//! ZREM likewise where it can).
//!
//! Usage: `cargo run --release --example zset_small [ROUNDS]`. Builds `p` (listpack) and
//! `d` (the same members, created while `zset-max-listpack-entries` is 0, so skiplist),
//! 128 members `member-N` with integer scores, then alternates the two forms for ROUNDS
//! rounds (default 7) of 200,000 calls per command, timed in thread CPU time, and prints
//! the best round of each and the ratios listpack / skiplist.

use std::hint::black_box;

use emu::Redis;

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::cpu_now;

const N: usize = 128;

/// A timed command: its name, its bytes and the argument before the member (see [`time`]).
type Case = (&'static str, &'static [u8], Option<&'static [u8]>);
const CALLS: usize = 200_000;

fn build(r: &Redis, key: &[u8]) {
    let mut argv: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), key.to_vec()];
    for j in 0..N {
        argv.push(((j * 37) % N).to_string().into_bytes());
        argv.push(format!("member-{j}").into_bytes());
    }
    let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    r.execute(&refs).expect("ZADD runs");
}

/// CPU nanoseconds per call of `cmd` on `key`, cycling through the members; `arg` gives
/// the argument before the member (none for ZSCORE).
fn time(r: &Redis, cmd: &[u8], key: &[u8], members: &[Vec<u8>], arg: Option<&[u8]>) -> f64 {
    let scores: Vec<Vec<u8>> = (0..N).map(|j| j.to_string().into_bytes()).collect();
    let t = cpu_now();
    for k in 0..CALLS {
        let m = &members[(k * 37) % N];
        let v = match arg {
            None => r.execute(&[cmd, key, m]),
            // ZADD: a new score each call (the pair moves); ZINCRBY: the given increment.
            Some(b"score") => r.execute(&[cmd, key, &scores[(k * 11) % N], m]),
            // The whole set with scores (iteration, not a lookup).
            Some(b"range") => r.execute(&[cmd, key, b"0", b"-1", b"WITHSCORES"]),
            // ZREM, then ZADD puts the member back with its score (the set stays whole).
            Some(b"back") => {
                black_box(r.execute(&[cmd, key, m]).expect("runs"));
                r.execute(&[b"ZADD", key, &scores[(k * 37) % N], m])
            }
            Some(a) => r.execute(&[cmd, key, a, m]),
        };
        black_box(v.expect("runs"));
    }
    (cpu_now() - t).as_nanos() as f64 / CALLS as f64
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let r = Redis::new();
    build(&r, b"p");
    r.execute(&[b"CONFIG", b"SET", b"zset-max-listpack-entries", b"0"])
        .expect("CONFIG SET");
    build(&r, b"d");
    r.execute(&[b"CONFIG", b"SET", b"zset-max-listpack-entries", b"128"])
        .expect("CONFIG SET");
    for (key, want) in [(&b"p"[..], "listpack"), (b"d", "skiplist")] {
        let enc = r.execute(&[b"OBJECT", b"ENCODING", key]).expect("OBJECT");
        assert_eq!(enc, emu::Value::Bulk(want.as_bytes().to_vec()));
    }
    let members: Vec<Vec<u8>> = (0..N).map(|j| format!("member-{j}").into_bytes()).collect();
    let cases: [Case; 7] = [
        ("ZSCORE", b"ZSCORE", None),
        ("ZADD update", b"ZADD", Some(b"score")),
        ("ZINCRBY 1", b"ZINCRBY", Some(b"1")),
        ("ZRANK", b"ZRANK", None),
        ("ZMSCORE 1", b"ZMSCORE", None),
        ("ZREM+ZADD", b"ZREM", Some(b"back")),
        ("ZRANGE all", b"ZRANGE", Some(b"range")),
    ];
    let mut best = [[f64::MAX; 2]; 7];
    for _ in 0..rounds {
        for (c, (_, cmd, arg)) in cases.iter().enumerate() {
            for (f, key) in [&b"p"[..], b"d"].iter().enumerate() {
                best[c][f] = best[c][f].min(time(&r, cmd, key, &members, *arg));
            }
        }
    }
    for (c, (name, _, _)) in cases.iter().enumerate() {
        println!(
            "{name:<12} listpack {:6.1} ns  skiplist {:6.1} ns  ratio {:.3}",
            best[c][0],
            best[c][1],
            best[c][0] / best[c][1]
        );
    }
}

//! Point commands on a 128-field hash and a 128-member set of integers in their compact
//! forms (listpack, intset) against the same values in the hashtable form: issue 16 wants
//! small-aggregate commands on the compact forms at least as fast as on the large ones,
//! as `zset_small` checks for sorted sets.
//!
//! Usage: `cargo run --release --example hash_set_small [ROUNDS]`. Builds `hp` (listpack)
//! and `hd` (hashtable: created while `hash-max-listpack-entries` is 0), 128 fields
//! `field-N` → `value-N`, and `sp` (intset) and `sd` (hashtable: `set-max-intset-entries`
//! 0), the integers `N * 1000` for N < 128; then alternates the two forms for ROUNDS rounds
//! (default 7) of 200,000 calls per command, timed in thread CPU time, and prints the best
//! round of each and the ratios compact / large.

use std::hint::black_box;

use emu::Redis;

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::cpu_now;

const N: usize = 128;
const CALLS: usize = 200_000;

/// A timed command: its name, its bytes, the two keys (compact, large) and what follows
/// the element (HSET's value).
type Case = (
    &'static str,
    &'static [u8],
    [&'static [u8]; 2],
    Option<&'static [u8]>,
);

fn build(r: &Redis, hash: &[u8], set: &[u8]) {
    let mut h: Vec<Vec<u8>> = vec![b"HSET".to_vec(), hash.to_vec()];
    let mut s: Vec<Vec<u8>> = vec![b"SADD".to_vec(), set.to_vec()];
    for j in 0..N {
        h.push(format!("field-{j}").into_bytes());
        h.push(format!("value-{j}").into_bytes());
        s.push((j * 1000).to_string().into_bytes());
    }
    for argv in [h, s] {
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        r.execute(&refs).expect("builds");
    }
}

/// CPU nanoseconds per call of `cmd key element [extra]`, cycling through the elements.
fn time(r: &Redis, cmd: &[u8], key: &[u8], elems: &[Vec<u8>], extra: Option<&[u8]>) -> f64 {
    let t = cpu_now();
    for k in 0..CALLS {
        let e = &elems[(k * 37) % N];
        let v = match extra {
            None => r.execute(&[cmd, key, e]),
            Some(x) => r.execute(&[cmd, key, e, x]),
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
    build(&r, b"hp", b"sp");
    for (name, v) in [
        (&b"hash-max-listpack-entries"[..], &b"0"[..]),
        (b"set-max-intset-entries", b"0"),
    ] {
        r.execute(&[b"CONFIG", b"SET", name, v])
            .expect("CONFIG SET");
    }
    build(&r, b"hd", b"sd");
    for (key, want) in [
        (&b"hp"[..], "listpack"),
        (b"hd", "hashtable"),
        (b"sp", "intset"),
        (b"sd", "hashtable"),
    ] {
        let enc = r.execute(&[b"OBJECT", b"ENCODING", key]).expect("OBJECT");
        assert_eq!(enc, emu::Value::Bulk(want.as_bytes().to_vec()), "{key:?}");
    }
    let fields: Vec<Vec<u8>> = (0..N).map(|j| format!("field-{j}").into_bytes()).collect();
    let ints: Vec<Vec<u8>> = (0..N)
        .map(|j| (j * 1000).to_string().into_bytes())
        .collect();
    let cases: [Case; 5] = [
        ("HGET", b"HGET", [b"hp", b"hd"], None),
        // Same field count: an update of a present field (the value changes length
        // neither way: the listpack keeps its size).
        ("HSET update", b"HSET", [b"hp", b"hd"], Some(b"value-x")),
        ("HEXISTS", b"HEXISTS", [b"hp", b"hd"], None),
        ("SISMEMBER", b"SISMEMBER", [b"sp", b"sd"], None),
        ("SADD present", b"SADD", [b"sp", b"sd"], None),
    ];
    let mut best = [[f64::MAX; 2]; 5];
    for _ in 0..rounds {
        for (c, (_, cmd, keys, extra)) in cases.iter().enumerate() {
            let elems = if cmd.starts_with(b"H") {
                &fields
            } else {
                &ints
            };
            for (f, key) in keys.iter().enumerate() {
                best[c][f] = best[c][f].min(time(&r, cmd, key, elems, *extra));
            }
        }
    }
    for (c, (name, _, _, _)) in cases.iter().enumerate() {
        println!(
            "{name:<12} compact {:6.1} ns  large {:6.1} ns  ratio {:.3}",
            best[c][0],
            best[c][1],
            best[c][0] / best[c][1]
        );
    }
}

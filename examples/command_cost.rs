//! CPU time per command through the embedded dispatch path (`Redis::execute`), timed in
//! thread CPU time so a loaded machine skews it less. For finding per-command costs of one
//! command against another (XADD vs SET, …) before profiling the server. The last rows
//! time the typed API (`r.set(k, v)`, `r.get(k)`: building the argument buffer, dispatch and
//! reply conversion) on the same keys.
//!
//! `cargo run --release --example command_cost [N]`

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::cpu_now;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let cases: [(&str, Vec<&[u8]>); 5] = [
        ("SET k v", vec![b"SET", b"k", b"v"]),
        ("INCR c", vec![b"INCR", b"c"]),
        // redis-benchmark's HSET: one field of one hash, rewritten.
        (
            "HSET h f xxx",
            vec![b"HSET", b"h", b"element:__rand_int__", b"xxx"],
        ),
        ("XADD s * f v", vec![b"XADD", b"s", b"*", b"f", b"v"]),
        ("XLEN s", vec![b"XLEN", b"s"]),
    ];
    for (name, argv) in &cases {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let r = emu::Redis::new();
            let t = cpu_now();
            for _ in 0..n {
                r.execute(argv).expect("command");
            }
            best = best.min((cpu_now() - t).as_nanos() as f64 / n as f64);
        }
        println!("{name:<14} {best:7.0} ns CPU per call (best of 3, {n} calls)");
    }
    let keys: Vec<String> = (0..1000).map(|i| format!("key:{i}")).collect();
    let value = "x".repeat(32);
    type Op<'a> = &'a dyn Fn(&emu::Redis, &str);
    let typed: [(&str, Op); 2] = [
        ("typed set", &|r, k| r.set(k, &value).expect("SET")),
        ("typed get", &|r, k| {
            let v: Option<Vec<u8>> = r.get(k).expect("GET");
            assert!(v.is_some());
        }),
    ];
    let r = emu::Redis::new();
    for k in &keys {
        r.set(k, &value).expect("SET");
    }
    for (name, op) in typed {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = cpu_now();
            for i in 0..n {
                op(&r, &keys[i % keys.len()]);
            }
            best = best.min((cpu_now() - t).as_nanos() as f64 / n as f64);
        }
        println!("{name:<14} {best:7.0} ns CPU per call (best of 3, {n} calls)");
    }
}

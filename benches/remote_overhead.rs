//! The remote backend's overhead over plain redis-rs, in one run against the same
//! `redis-server` (issue 18, item 5; target: within 10 %).
//!
//! `cargo bench --features remote --bench remote_overhead` (knobs: `OPS`, default 20000
//! commands per measurement; `ROUNDS`, default 7; `PIPELINE`, default 100). Starts its own
//! `redis-server` on a free loopback port. Both clients speak RESP3 on one connection; the
//! workload is SET then GET of the same key, alternately:
//!
//! * `-P 1`: one request at a time (`r.set(k, v)` / `r.get(k)` vs `con.set` / `con.get`);
//! * pipelined: `PIPELINE` commands per round trip (`r.pipeline_batch()` vs `redis::pipe()`).
//!
//! The two clients alternate round by round and the best round of each counts (these
//! machines are noisy); the ratio is emu's time over redis-rs's.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let ops = env("OPS", 20_000);
    let rounds = env("ROUNDS", 7);
    let depth = env("PIPELINE", 100).max(2);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let mut server = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--logfile", ""])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server on PATH (apt-get install redis-server)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let emu = emu::from_url(&format!("remote+redis://127.0.0.1:{port}")).expect("emu remote");
    let client =
        redis::Client::open(format!("redis://127.0.0.1:{port}?protocol=resp3")).expect("client");
    let mut con = client.get_connection().expect("redis-rs connection");
    let keys: Vec<String> = (0..1000).map(|i| format!("key:{i}")).collect();
    let value = "x".repeat(32);

    let emu_p1 = || {
        let t = Instant::now();
        for i in 0..ops / 2 {
            let k = &keys[i % keys.len()];
            emu.set(k, &value).expect("SET");
            let v: Option<Vec<u8>> = emu.get(k).expect("GET");
            assert!(v.is_some());
        }
        t.elapsed()
    };
    let plain_p1 = |con: &mut redis::Connection| {
        let t = Instant::now();
        for i in 0..ops / 2 {
            let k = &keys[i % keys.len()];
            let _: () = con.set(k, &value).expect("SET");
            let v: Option<Vec<u8>> = con.get(k).expect("GET");
            assert!(v.is_some());
        }
        t.elapsed()
    };
    let emu_pipe = || {
        let t = Instant::now();
        for b in 0..ops / depth {
            let mut p = emu.pipeline_batch();
            for j in 0..depth / 2 {
                let k = &keys[(b * depth + j) % keys.len()];
                p.set(k, &value).get(k);
            }
            let out = p.execute().expect("pipeline");
            assert_eq!(out.len(), depth / 2 * 2);
        }
        t.elapsed()
    };
    let plain_pipe = |con: &mut redis::Connection| {
        let t = Instant::now();
        for b in 0..ops / depth {
            let mut p = redis::pipe();
            for j in 0..depth / 2 {
                let k = &keys[(b * depth + j) % keys.len()];
                p.set(k, &value).get(k);
            }
            let out: Vec<redis::Value> = p.query(con).expect("pipeline");
            assert_eq!(out.len(), depth / 2 * 2);
        }
        t.elapsed()
    };

    // Profiling aid: ONLY=emu_pipe|plain_pipe|emu_p1|plain_p1 runs just that, ROUNDS times.
    if let Ok(only) = std::env::var("ONLY") {
        let t = Instant::now();
        for _ in 0..rounds {
            match only.as_str() {
                "emu_pipe" => drop(emu_pipe()),
                "plain_pipe" => drop(plain_pipe(&mut con)),
                "emu_p1" => drop(emu_p1()),
                _ => drop(plain_p1(&mut con)),
            }
        }
        println!("{only}: {:?}", t.elapsed());
        let _ = server.kill();
        let _ = server.wait();
        return;
    }
    // Warm-up (connections, server allocations).
    emu_p1();
    plain_p1(&mut con);
    let (mut best_emu_p1, mut best_plain_p1) = (Duration::MAX, Duration::MAX);
    let (mut best_emu_pipe, mut best_plain_pipe) = (Duration::MAX, Duration::MAX);
    for round in 0..rounds {
        // Alternate who goes first.
        if round % 2 == 0 {
            best_emu_p1 = best_emu_p1.min(emu_p1());
            best_plain_p1 = best_plain_p1.min(plain_p1(&mut con));
            best_emu_pipe = best_emu_pipe.min(emu_pipe());
            best_plain_pipe = best_plain_pipe.min(plain_pipe(&mut con));
        } else {
            best_plain_p1 = best_plain_p1.min(plain_p1(&mut con));
            best_emu_p1 = best_emu_p1.min(emu_p1());
            best_plain_pipe = best_plain_pipe.min(plain_pipe(&mut con));
            best_emu_pipe = best_emu_pipe.min(emu_pipe());
        }
    }
    let _ = server.kill();
    let _ = server.wait();

    let rate = |d: Duration| ops as f64 / d.as_secs_f64();
    println!("remote overhead: {ops} GET/SET per run, best of {rounds} alternating rounds, redis-server 127.0.0.1:{port}");
    println!(
        "{:<14} {:>14} {:>14} {:>8}",
        "mode", "emu ops/s", "redis-rs ops/s", "ratio"
    );
    for (mode, e, p) in [
        ("-P 1", best_emu_p1, best_plain_p1),
        (&*format!("-P {depth}"), best_emu_pipe, best_plain_pipe),
    ] {
        println!(
            "{:<14} {:>14.0} {:>14.0} {:>8.3}",
            mode,
            rate(e),
            rate(p),
            e.as_secs_f64() / p.as_secs_f64()
        );
    }
    println!("(ratio = emu time / redis-rs time; target <= 1.10)");
}

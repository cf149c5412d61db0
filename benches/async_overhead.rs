//! The cost of the async surface over the sync handle, in one run: SET then GET of the same
//! key, one request at a time, through `Redis` and through `AsyncRedis` (awaited one by one
//! on a current-thread tokio runtime), on an embedded store and on a `redis-server` (feature
//! `remote`; the bench starts its own on a free loopback port).
//!
//! Then, on the same server, `AsyncRedis` against redis-rs's own async connection (the
//! issue's "remote overhead over plain redis-rs", async side), at `-P 1` and `-P 100`.
//!
//! `cargo bench --features remote --bench async_overhead` (knobs: `OPS`, default 20000
//! commands per measurement; `ROUNDS`, default 7; for a profile, `ONLY=emu` or
//! `ONLY=redis-rs` runs just that side's pipelined rounds against the server (any other
//! value, e.g. `ONLY=both`, runs both sides but skips the embedded and sync rows), and
//! `DEPTHS=100` (default `1,100`) picks the pipeline depths). The two forms alternate round by round
//! and the best round of each counts (these machines are noisy); the ratio printed is the
//! async time over the sync time.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn measure(name: &str, r: emu::Redis, ops: usize, rounds: usize) {
    let a = r.to_async();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let keys: Vec<String> = (0..1000).map(|i| format!("key:{i}")).collect();
    let value = "x".repeat(32);
    let sync_round = || {
        let t = Instant::now();
        for i in 0..ops / 2 {
            let k = &keys[i % keys.len()];
            r.set(k, &value).expect("SET");
            let v: Option<Vec<u8>> = r.get(k).expect("GET");
            assert!(v.is_some());
        }
        t.elapsed()
    };
    let async_round = || {
        rt.block_on(async {
            let t = Instant::now();
            for i in 0..ops / 2 {
                let k = &keys[i % keys.len()];
                a.set(k, &value).await.expect("SET");
                let v: Option<Vec<u8>> = a.get(k).await.expect("GET");
                assert!(v.is_some());
            }
            t.elapsed()
        })
    };
    let (mut best_sync, mut best_async) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        best_sync = best_sync.min(sync_round());
        best_async = best_async.min(async_round());
    }
    let per = |d: Duration| d.as_nanos() as f64 / ops as f64 / 1000.0;
    println!(
        "{name:<9} sync {:>7.2} µs/op   async {:>7.2} µs/op   ratio {:.3}",
        per(best_sync),
        per(best_async),
        best_async.as_secs_f64() / best_sync.as_secs_f64()
    );
}

/// `AsyncRedis` on a redis-server against redis-rs's own async multiplexed connection
/// (both RESP3, awaited one by one on a current-thread tokio runtime; both connections'
/// driver tasks run on that same runtime): SET+GET at `-P 1`, and the same commands in
/// pipelines of 100.
fn measure_vs_redis_rs(port: u16, ops: usize, rounds: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let a = emu::from_url(&format!("remote+redis://127.0.0.1:{port}"))
        .expect("remote")
        .into_async();
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/?protocol=resp3"))
        .expect("redis-rs client");
    let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
    let mut plain = rt
        .block_on(client.get_multiplexed_async_connection_with_config(&config))
        .expect("redis-rs async connection");
    let keys: Vec<String> = (0..1000).map(|i| format!("key:{i}")).collect();
    let value = "x".repeat(32);
    let only = std::env::var("ONLY").ok();
    let depths: Vec<usize> = std::env::var("DEPTHS")
        .unwrap_or_else(|_| "1,100".into())
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    for depth in depths {
        let emu_round = || {
            rt.block_on(async {
                let t = Instant::now();
                if depth == 1 {
                    for i in 0..ops / 2 {
                        let k = &keys[i % keys.len()];
                        a.set(k, &value).await.expect("SET");
                        let v: Option<Vec<u8>> = a.get(k).await.expect("GET");
                        assert!(v.is_some());
                    }
                } else {
                    for chunk in 0..ops / depth {
                        let mut p = a.pipeline_batch();
                        for i in 0..depth / 2 {
                            let k = &keys[(chunk * depth + i) % keys.len()];
                            p.set(k, &value).get(k);
                        }
                        let out = a.run_pipeline(p).await.expect("pipeline");
                        assert_eq!(out.len(), depth);
                    }
                }
                t.elapsed()
            })
        };
        let mut plain_round = || {
            rt.block_on(async {
                let t = Instant::now();
                if depth == 1 {
                    for i in 0..ops / 2 {
                        let k = &keys[i % keys.len()];
                        redis::cmd("SET")
                            .arg(k)
                            .arg(&value)
                            .query_async::<()>(&mut plain)
                            .await
                            .expect("SET");
                        let v: Option<Vec<u8>> = redis::cmd("GET")
                            .arg(k)
                            .query_async(&mut plain)
                            .await
                            .expect("GET");
                        assert!(v.is_some());
                    }
                } else {
                    for chunk in 0..ops / depth {
                        let mut p = redis::pipe();
                        for i in 0..depth / 2 {
                            let k = &keys[(chunk * depth + i) % keys.len()];
                            p.cmd("SET").arg(k).arg(&value).cmd("GET").arg(k);
                        }
                        let out: Vec<redis::Value> =
                            p.query_async(&mut plain).await.expect("pipeline");
                        assert_eq!(out.len(), depth);
                    }
                }
                t.elapsed()
            })
        };
        let (mut best_emu, mut best_plain) = (Duration::MAX, Duration::MAX);
        for _ in 0..rounds {
            if only.as_deref() != Some("emu") {
                best_plain = best_plain.min(plain_round());
            }
            if only.as_deref() != Some("redis-rs") {
                best_emu = best_emu.min(emu_round());
            }
        }
        let per = |d: Duration| d.as_nanos() as f64 / ops as f64 / 1000.0;
        println!(
            "async -P {depth:<3} redis-rs {:>7.2} µs/op   emu {:>7.2} µs/op   ratio {:.3}",
            per(best_plain),
            per(best_emu),
            best_emu.as_secs_f64() / best_plain.as_secs_f64()
        );
    }
}

fn main() {
    let ops = env("OPS", 20_000);
    let rounds = env("ROUNDS", 7);
    let profiling = std::env::var("ONLY").is_ok();
    if !profiling {
        measure("embedded", emu::Redis::new(), ops, rounds);
    }
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
    if !profiling {
        let remote = emu::from_url(&format!("remote+redis://127.0.0.1:{port}")).expect("remote");
        measure("server", remote, ops, rounds);
    }
    measure_vs_redis_rs(port, ops, rounds);
    let _ = server.kill();
    let _ = server.wait();
}

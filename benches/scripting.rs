//! In-process EVALSHA throughput in calls per CPU-second (issue 12 target: EVALSHA of
//! `return redis.call('GET', KEYS[1])` ≥ 1 M calls/s single-threaded), for three scripts
//! and, for scale, a plain GET through the same handle:
//!
//! * `get` — `return redis.call('GET', KEYS[1])`;
//! * `lock-release` — redis-py `Lock`'s release script (compare, then DEL; the key is set
//!   again outside the timing so every call deletes);
//! * `10-incr` — ten `redis.call('INCR', KEYS[1])` per call.
//!
//! Run: `cargo bench --bench scripting` (or `-- get` to run the cases whose name starts with
//! `get`; `SECS=3` for longer rounds; `--features cli,server` to run on the `emu` binary's
//! allocator, mimalloc, instead of the system's). Each case runs `ROUNDS` rounds of about `SECS`
//! seconds and reports the best round's calls per second of the thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`: the figure does not depend on what else the machine runs,
//! only on how fast this thread's work is). The side-by-side comparison with redis-server
//! is `benches/scripting_compare.sh`.

/// With `--features cli,server` the bench runs on the allocator the `emu` binary uses
/// (mimalloc; the library itself never sets one); without, on the system's.
#[cfg(feature = "cli")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::{Duration, Instant};

use emu::Redis;

const GET: &str = "return redis.call('GET', KEYS[1])";
const LOCK_RELEASE: &str = "if redis.call(\"get\",KEYS[1]) == ARGV[1] then return redis.call(\"del\",KEYS[1]) else return 0 end";
const TEN_INCR: &str = "for i = 1, 10 do redis.call('INCR', KEYS[1]) end return 10";

/// This thread's CPU time.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `call` in batches for about `secs` of wall time, `rounds` times; returns the best
/// round's calls per CPU-second.
fn measure(secs: f64, rounds: usize, mut call: impl FnMut()) -> f64 {
    // Warm up (first call compiles, caches fill).
    for _ in 0..1000 {
        call();
    }
    let mut best = 0.0f64;
    for _ in 0..rounds {
        let wall = Instant::now();
        let cpu = thread_cpu();
        let mut calls = 0u64;
        while wall.elapsed().as_secs_f64() < secs {
            for _ in 0..1000 {
                call();
            }
            calls += 1000;
        }
        let used = (thread_cpu() - cpu).as_secs_f64();
        best = best.max(calls as f64 / used);
    }
    best
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let secs: f64 = std::env::var("SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.starts_with(f));

    let r = Redis::new();
    r.execute(&[b"SET", b"key:42", b"value"]).unwrap();
    let get = r.script_load(GET).unwrap();
    let release = r.script_load(LOCK_RELEASE).unwrap();
    let incr = r.script_load(TEN_INCR).unwrap();

    // Sanity: each script does what it should before it is timed.
    assert_eq!(
        r.execute(&[b"EVALSHA", get.as_bytes(), b"1", b"key:42"])
            .unwrap(),
        emu::Value::Bulk(b"value".to_vec())
    );
    r.execute(&[b"SET", b"lock", b"token"]).unwrap();
    assert_eq!(
        r.execute(&[b"EVALSHA", release.as_bytes(), b"1", b"lock", b"token"])
            .unwrap(),
        emu::Value::Int(1)
    );
    assert_eq!(
        r.execute(&[b"EVALSHA", incr.as_bytes(), b"1", b"counter"])
            .unwrap(),
        emu::Value::Int(10)
    );

    println!(
        "allocator: {}",
        if cfg!(feature = "cli") {
            "mimalloc (as the emu binary)"
        } else {
            "system"
        }
    );
    println!("{:<16} {:>14}", "case", "calls/cpu-s");
    let report = |name: &str, rate: f64| println!("{name:<16} {rate:>14.0}");

    if wanted("plain-get") {
        report(
            "plain-get",
            measure(secs, rounds, || {
                black_box(r.execute(&[b"GET", b"key:42"]).unwrap());
            }),
        );
    }
    if wanted("get") {
        report(
            "get",
            measure(secs, rounds, || {
                black_box(
                    r.execute(&[b"EVALSHA", get.as_bytes(), b"1", b"key:42"])
                        .unwrap(),
                );
            }),
        );
    }
    if wanted("lock-release") {
        // Every call deletes: the key is set again before each one, so the timed loop is
        // "SET + release"; the SET alone is timed too and its time taken out.
        let pair = measure(secs, rounds, || {
            r.execute(&[b"SET", b"lock", b"token"]).unwrap();
            black_box(
                r.execute(&[b"EVALSHA", release.as_bytes(), b"1", b"lock", b"token"])
                    .unwrap(),
            );
        });
        let set = measure(secs, rounds, || {
            black_box(r.execute(&[b"SET", b"lock", b"token"]).unwrap());
        });
        report("lock-release", 1.0 / (1.0 / pair - 1.0 / set));
        report("  (SET+release)", pair);
    }
    if wanted("10-incr") {
        report(
            "10-incr",
            measure(secs, rounds, || {
                black_box(
                    r.execute(&[b"EVALSHA", incr.as_bytes(), b"1", b"counter"])
                        .unwrap(),
                );
            }),
        );
    }
}

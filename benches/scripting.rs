//! In-process EVALSHA throughput (issue 12 target: EVALSHA of
//! `return redis.call('GET', KEYS[1])` ≥ 1 M calls/s single-threaded), with GET measured in
//! the same run for the ratio.
//!
//! Run: `cargo bench --bench scripting`. Each benchmark reports time per call; calls/s is
//! its inverse.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use emu::Redis;

fn evalsha(c: &mut Criterion) {
    let r = Redis::new();
    r.execute(&[b"SET", b"key:42", b"value"]).unwrap();
    let sha = r.script_load("return redis.call('GET', KEYS[1])").unwrap();
    let mut g = c.benchmark_group("scripting");
    g.bench_function("GET (raw argv)", |b| {
        b.iter(|| black_box(r.execute(&[b"GET", b"key:42"]).unwrap()))
    });
    g.bench_function("EVALSHA GET (raw argv)", |b| {
        b.iter(|| {
            black_box(
                r.execute(&[b"EVALSHA", sha.as_bytes(), b"1", b"key:42"])
                    .unwrap(),
            )
        })
    });
    g.bench_function("EVAL GET (cached body)", |b| {
        b.iter(|| {
            black_box(
                r.execute(&[
                    b"EVAL",
                    b"return redis.call('GET', KEYS[1])",
                    b"1",
                    b"key:42",
                ])
                .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, evalsha);
criterion_main!(benches);

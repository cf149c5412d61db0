//! In-process throughput of the embedded engine (issue 2 targets: GET ≥ 5 M ops/s,
//! SET ≥ 3 M ops/s single-threaded; ZRANK at 1 M members within 3× of ZRANK at 1 K).
//!
//! Run: `cargo bench --bench engine`. Each benchmark reports time per operation; ops/s is
//! its inverse. The ZRANK pair is measured in the same run so the ratio is meaningful.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use emu::{Redis, Value};

fn strings(c: &mut Criterion) {
    let r = Redis::new();
    for i in 0..10_000 {
        r.execute(&[b"SET", format!("key:{i}").as_bytes(), b"value"])
            .unwrap();
    }
    let mut g = c.benchmark_group("strings");
    g.bench_function("GET (raw argv)", |b| {
        b.iter(|| black_box(r.execute(&[b"GET", b"key:42"]).unwrap()))
    });
    g.bench_function("GET (typed, Option<Vec<u8>>)", |b| {
        b.iter(|| {
            let v: Option<Vec<u8>> = r.get(black_box("key:42")).unwrap();
            black_box(v)
        })
    });
    g.bench_function("SET (raw argv)", |b| {
        b.iter(|| black_box(r.execute(&[b"SET", b"key:42", b"value"]).unwrap()))
    });
    g.bench_function("SET (typed)", |b| {
        b.iter(|| {
            r.set(black_box("key:42"), "value").unwrap();
        })
    });
    g.finish();
}

fn aggregates(c: &mut Criterion) {
    let r = Redis::new();
    let mut g = c.benchmark_group("aggregates");
    let mut i = 0u64;
    g.bench_function("HSET", |b| {
        b.iter(|| {
            i += 1;
            let f = (i % 1000).to_string();
            black_box(r.execute(&[b"HSET", b"h", f.as_bytes(), b"v"]).unwrap())
        })
    });
    g.bench_function("LPUSH", |b| {
        b.iter(|| black_box(r.execute(&[b"LPUSH", b"l", b"v"]).unwrap()))
    });
    let mut j = 0u64;
    g.bench_function("ZADD", |b| {
        b.iter(|| {
            j += 1;
            let m = (j % 100_000).to_string();
            black_box(
                r.execute(&[b"ZADD", b"z", m.as_bytes(), m.as_bytes()])
                    .unwrap(),
            )
        })
    });
    g.finish();
}

fn zrank(c: &mut Criterion) {
    let mut g = c.benchmark_group("ZRANK");
    for n in [1_000usize, 1_000_000] {
        let r = Redis::new();
        let mut argv: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"lb".to_vec()];
        for i in 0..n {
            argv.push(((i * 7919) % n).to_string().into_bytes());
            argv.push(format!("player:{i}").into_bytes());
            if argv.len() > 20_000 {
                let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                r.execute(&refs).unwrap();
                argv.truncate(2);
            }
        }
        if argv.len() > 2 {
            let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
            r.execute(&refs).unwrap();
        }
        // Probe members spread over the whole set (not a few hot ones), so the 1 M case pays
        // its real cache misses.
        let probes: Vec<Vec<u8>> = (0..65_536usize)
            .map(|k| format!("player:{}", (k.wrapping_mul(2_654_435_761)) % n).into_bytes())
            .collect();
        let mut k = 0usize;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                k = (k + 1) % probes.len();
                let v = r.execute(&[b"ZRANK", b"lb", &probes[k]]).unwrap();
                assert!(matches!(v, Value::Int(_)));
                black_box(v)
            })
        });
        g.bench_with_input(BenchmarkId::new("ZSCORE", n), &n, |b, _| {
            b.iter(|| {
                k = (k + 1) % probes.len();
                black_box(r.execute(&[b"ZSCORE", b"lb", &probes[k]]).unwrap())
            })
        });
    }
    g.finish();
}

/// GET / SET by a handle authenticated as an ACL user with key patterns and a category
/// rule (the full permission check), next to the `strings` group's `default` fast path.
fn acl(c: &mut Criterion) {
    let r = Redis::new();
    r.execute(&[
        b"ACL",
        b"SETUSER",
        b"app",
        b"on",
        b">pw",
        b"+@all",
        b"-@dangerous",
        b"%R~other:*",
        b"~key:*",
    ])
    .unwrap();
    r.execute(&[b"SET", b"key:42", b"value"]).unwrap();
    let app = r.with_db(0);
    app.execute(&[b"AUTH", b"app", b"pw"]).unwrap();
    let mut g = c.benchmark_group("acl");
    g.bench_function("GET as ACL user (raw argv)", |b| {
        b.iter(|| black_box(app.execute(&[b"GET", b"key:42"]).unwrap()))
    });
    g.bench_function("SET as ACL user (raw argv)", |b| {
        b.iter(|| black_box(app.execute(&[b"SET", b"key:42", b"value"]).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, strings, aggregates, zrank, acl);
criterion_main!(benches);

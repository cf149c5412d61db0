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

/// Commands on small aggregates — the compact encodings (listpack hash, intset, listpack
/// zset) of up to 128 members (issue 16): building one and DEL, point reads, updates.
fn small_aggregates(c: &mut Criterion) {
    let r = Redis::new();
    let mut g = c.benchmark_group("small aggregates");
    g.warm_up_time(std::time::Duration::from_secs(1));
    g.measurement_time(std::time::Duration::from_secs(3));
    let owned =
        |v: Vec<String>| -> Vec<Vec<u8>> { v.into_iter().map(String::into_bytes).collect() };
    let run = |argv: &[Vec<u8>]| {
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        r.execute(&refs).unwrap()
    };
    // 10 fields, as the memory benchmark's hashes.
    let mut hset10 = vec!["HSET".to_string(), "h10".to_string()];
    for f in 0..10 {
        hset10.push(format!("field{f}"));
        hset10.push(format!("value-{f:06}"));
    }
    let hset10 = owned(hset10);
    g.bench_function("HSET 10 fields + DEL", |b| {
        b.iter(|| {
            black_box(run(&hset10));
            black_box(r.execute(&[b"DEL", b"h10"]).unwrap())
        })
    });
    run(&hset10);
    let fields: Vec<Vec<u8>> = (0..10).map(|f| format!("field{f}").into_bytes()).collect();
    let mut i = 0usize;
    g.bench_function("HGET (10 fields)", |b| {
        b.iter(|| {
            i = (i + 7) % 10;
            black_box(r.execute(&[b"HGET", b"h10", &fields[i]]).unwrap())
        })
    });
    g.bench_function("HSET overwrite (10 fields)", |b| {
        b.iter(|| {
            i = (i + 7) % 10;
            black_box(
                r.execute(&[b"HSET", b"h10", &fields[i], b"value-xxxxxx"])
                    .unwrap(),
            )
        })
    });
    let mut sadd = vec!["SADD".to_string(), "s100".to_string()];
    sadd.extend((0..100).map(|j| (j * 37 % 100 + 1000).to_string()));
    let sadd = owned(sadd);
    g.bench_function("SADD 100 integers + DEL", |b| {
        b.iter(|| {
            black_box(run(&sadd));
            black_box(r.execute(&[b"DEL", b"s100"]).unwrap())
        })
    });
    run(&sadd);
    let ints: Vec<Vec<u8>> = (0..100)
        .map(|j| (j + 1000).to_string().into_bytes())
        .collect();
    g.bench_function("SISMEMBER (100 integers)", |b| {
        b.iter(|| {
            i = (i + 37) % 100;
            black_box(r.execute(&[b"SISMEMBER", b"s100", &ints[i]]).unwrap())
        })
    });
    let mut zadd = vec!["ZADD".to_string(), "z100".to_string()];
    for j in 0..100 {
        zadd.push((j * 37 % 100).to_string());
        zadd.push(format!("member-{j}"));
    }
    let zadd = owned(zadd);
    g.bench_function("ZADD 100 members + DEL", |b| {
        b.iter(|| {
            black_box(run(&zadd));
            black_box(r.execute(&[b"DEL", b"z100"]).unwrap())
        })
    });
    run(&zadd);
    let members: Vec<Vec<u8>> = (0..100)
        .map(|j| format!("member-{j}").into_bytes())
        .collect();
    let scores: Vec<Vec<u8>> = (0..100).map(|j| (j * 3).to_string().into_bytes()).collect();
    g.bench_function("ZSCORE (100 members)", |b| {
        b.iter(|| {
            i = (i + 37) % 100;
            black_box(r.execute(&[b"ZSCORE", b"z100", &members[i]]).unwrap())
        })
    });
    g.bench_function("ZRANGE 0 -1 WITHSCORES (100 members)", |b| {
        b.iter(|| {
            black_box(
                r.execute(&[b"ZRANGE", b"z100", b"0", b"-1", b"WITHSCORES"])
                    .unwrap(),
            )
        })
    });
    g.bench_function("ZRANK (100 members)", |b| {
        b.iter(|| {
            i = (i + 37) % 100;
            black_box(r.execute(&[b"ZRANK", b"z100", &members[i]]).unwrap())
        })
    });
    g.bench_function("ZADD update (100 members)", |b| {
        b.iter(|| {
            i = (i + 37) % 100;
            black_box(
                r.execute(&[b"ZADD", b"z100", &scores[(i * 11) % 100], &members[i]])
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

criterion_group!(benches, strings, aggregates, small_aggregates, zrank, acl);
criterion_main!(benches);

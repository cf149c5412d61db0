//! Persistence benchmarks (run once, short: the machine is shared).
//!
//! * `set/memory` vs `set/everysec` — SET through the same front-end path (engine + commit)
//!   without and with a data directory, one thread (under everysec every SET is written to
//!   the log file before it returns: copied into the mapped file, see `emu::persist::log`);
//! * `set/memory_4_writers` vs `set/everysec_4_writers` — the same from 4 threads;
//! * `set/always_8_writers` — 8 threads under `appendfsync always`; prints writes per fsync;
//! * `replay/200k` — opening a directory whose log holds 200,000 SET records (prints
//!   records/s);
//! * `open/1m_snapshot` — opening a directory holding a 1,000,000-key snapshot (compare with
//!   redis-server loading an RDB of the same data: `benches/rdb_compare.sh`).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use emu::config::Config;
use emu::engine::Store;
use emu::keyspace::Clock;
use emu::persist::{self, AppendFsync, Durable, Options};

fn template() -> Store {
    Store::new(Config::default(), Clock::System, 0)
}

fn opts(fsync: AppendFsync) -> Options {
    Options {
        fsync,
        compaction_min_bytes: u64::MAX,
        ..Options::default()
    }
}

fn bench_set(c: &mut Criterion) {
    let mut g = c.benchmark_group("set");
    let keys: Vec<Vec<u8>> = (0..100_000)
        .map(|i| format!("key:{i}").into_bytes())
        .collect();
    let mem = Durable::from_store(template());
    let mut i = 0usize;
    g.bench_function("memory", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            mem.execute(&[b"SET", &keys[i], b"some value"]).unwrap()
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let d = Durable::open(dir.path(), opts(AppendFsync::Everysec), template()).unwrap();
    g.bench_function("everysec", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            d.execute(&[b"SET", &keys[i], b"some value"]).unwrap()
        })
    });
    drop(d);
    let mem = Arc::new(Durable::from_store(template()));
    g.bench_function("memory_4_writers", |b| {
        b.iter_custom(|iters| set_from_threads(&mem, 4, iters))
    });
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path(), opts(AppendFsync::Everysec), template()).unwrap());
    g.bench_function("everysec_4_writers", |b| {
        b.iter_custom(|iters| set_from_threads(&d, 4, iters))
    });
    let s = d.with_store(|s| emu::persist::handle_of(s).unwrap().stats());
    eprintln!(
        "everysec/4 writers: {} records, {} fsyncs",
        s.records, s.fsyncs
    );
    drop(d);
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path(), opts(AppendFsync::Always), template()).unwrap());
    g.sample_size(10);
    g.bench_function("always_8_writers", |b| {
        b.iter_custom(|iters| {
            let per = (iters as usize).div_ceil(8).max(1);
            let start = Instant::now();
            let ts: Vec<_> = (0..8)
                .map(|t| {
                    let d = d.clone();
                    std::thread::spawn(move || {
                        for j in 0..per {
                            let k = format!("t{t}:{j}");
                            d.execute(&[b"SET", k.as_bytes(), b"v"]).unwrap();
                        }
                    })
                })
                .collect();
            for t in ts {
                t.join().unwrap();
            }
            // `iters` writes in total: the wall time per write (aggregate throughput).
            start.elapsed()
        })
    });
    let s = d.with_store(|s| emu::persist::handle_of(s).unwrap().stats());
    eprintln!(
        "always/8 writers: {} records, {} fsyncs, {:.2} writes per fsync",
        s.synced_records,
        s.fsyncs,
        s.synced_records as f64 / s.fsyncs.max(1) as f64
    );
    g.finish();
}

/// `iters` SETs split over `threads` threads: the wall time (aggregate throughput).
fn set_from_threads(d: &Arc<Durable>, threads: usize, iters: u64) -> Duration {
    let per = (iters as usize).div_ceil(threads).max(1);
    let start = Instant::now();
    let ts: Vec<_> = (0..threads)
        .map(|t| {
            let d = d.clone();
            std::thread::spawn(move || {
                for j in 0..per {
                    let k = format!("w{t}:{}", j % 100_000);
                    d.execute(&[b"SET", k.as_bytes(), b"some value"]).unwrap();
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    start.elapsed()
}

fn build_log(dir: &Path, n: usize) {
    let d = Durable::open(dir, opts(AppendFsync::No), template()).unwrap();
    for i in 0..n {
        let k = format!("key:{i}");
        d.execute(&[b"SET", k.as_bytes(), b"value"]).unwrap();
    }
}

fn bench_replay(c: &mut Criterion) {
    let n = 200_000;
    let dir = tempfile::tempdir().unwrap();
    build_log(dir.path(), n);
    let mut g = c.benchmark_group("replay");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let mut best = Duration::MAX;
    g.bench_function("200k", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let t = Instant::now();
                let (s, info) = persist::open_read_only(dir.path(), template()).unwrap();
                assert_eq!(info.records_replayed, n as u64);
                best = best.min(t.elapsed());
                drop(s);
            }
            start.elapsed()
        })
    });
    // Filtered out (`cargo bench -- set/`): nothing ran, nothing to report.
    if best != Duration::MAX {
        eprintln!(
            "replay: {n} records in {:?} (best) = {:.2} M records/s",
            best,
            n as f64 / best.as_secs_f64() / 1e6
        );
    }
    g.finish();
}

fn bench_open(c: &mut Criterion) {
    let n = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    build_log(dir.path(), n);
    persist::tools::compact(dir.path()).unwrap();
    let mut g = c.benchmark_group("open");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("1m_snapshot", |b| {
        b.iter(|| {
            let (s, _) = persist::open_read_only(dir.path(), template()).unwrap();
            assert_eq!(s.total_keys(), n);
            s
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_set, bench_replay, bench_open
}
criterion_main!(benches);

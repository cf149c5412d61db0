//! SET through the persistence front end, memory-only vs `appendfsync everysec`, timed in
//! thread CPU time so a loaded machine does not skew the ratio (profile with
//! `perf record target/release/examples/everysec_loop everysec`).
//!
//! `cargo run --release --example everysec_loop [memory|everysec|both] [N]`

use emu::config::Config;
use emu::engine::Store;
use emu::keyspace::Clock;
use emu::persist::{AppendFsync, Durable, Options};

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::cpu_now;

fn run(d: &Durable, keys: &[Vec<u8>], n: usize) -> f64 {
    let t = cpu_now();
    for i in 0..n {
        d.execute(&[b"SET", &keys[i % keys.len()], b"some value"])
            .expect("SET");
    }
    (cpu_now() - t).as_nanos() as f64 / n as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("both");
    let n: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let keys: Vec<Vec<u8>> = (0..100_000)
        .map(|i| format!("key:{i}").into_bytes())
        .collect();
    let template = || Store::new(Config::default(), Clock::System, 0);
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = Options {
        fsync: AppendFsync::Everysec,
        compaction_min_bytes: u64::MAX,
        ..Options::default()
    };
    let mem = Durable::from_store(template());
    let disk = Durable::open(dir.path(), opts, template()).expect("open");
    let (mut best_m, mut best_e) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        if which != "everysec" {
            best_m = best_m.min(run(&mem, &keys, n));
        }
        if which != "memory" {
            best_e = best_e.min(run(&disk, &keys, n));
        }
    }
    if which == "both" {
        println!(
            "SET memory {best_m:.0} ns, everysec {best_e:.0} ns (CPU per op, best of 3): everysec/memory throughput {:.2}",
            best_m / best_e
        );
    } else {
        println!("memory {best_m:.0} ns, everysec {best_e:.0} ns");
    }
}

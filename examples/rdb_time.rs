//! Times the phases of `emu load DIR dump.rdb` for benches/rdb_load_compare.sh: reading the
//! file, parsing it into a store (`persist::tools::parse_rdb`), and writing the store back
//! as an RDB (`persist::tools::dump_rdb`, to memory).
//!
//! `cargo run --release --example rdb_time -- dump.rdb`

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rdb_time FILE.rdb");
        std::process::exit(2);
    };
    let t = Instant::now();
    let data = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(1);
    });
    let read_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let (store, _) = emu::persist::tools::parse_rdb(&data, &mut |_, _| {}).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    let parse_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let mut out = Vec::with_capacity(data.len() + 1024);
    let n = emu::persist::tools::dump_rdb(&store, &mut out, &mut |_, _| {}).unwrap_or(0);
    let write_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    drop(store);
    let drop_ms = t.elapsed().as_secs_f64() * 1000.0;
    let dir = tempfile::tempdir().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    let t = Instant::now();
    let _ = emu::persist::tools::load_rdb(&dir.path().join("d"), &data, &mut |_, _| {});
    let load_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "read {read_ms:.1} ms, parse {parse_ms:.1} ms, rdb write {write_ms:.1} ms, drop {drop_ms:.1} ms, \
         load_rdb (parse + snapshot + drop) {load_ms:.1} ms ({n} keys, {} bytes)",
        out.len()
    );
}

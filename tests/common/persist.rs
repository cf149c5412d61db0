//! Durable-store templates: the store a test opens a data directory with, and the options
//! most persistence tests share (no automatic compaction unless the test is about it).

use emu::config::Config;
use emu::engine::Store;
use emu::keyspace::Clock;
use emu::persist::{AppendFsync, Durable, Options};
use emu::Value;

use super::T0;

/// A store on a manual clock at [`T0`] with the given RNG seed.
pub fn manual_store(seed: u64) -> Store {
    Store::new(Config::default(), Clock::Manual(T0), seed)
}

/// A store on a manual clock at `now`.
pub fn manual_store_at(now: u64, seed: u64) -> Store {
    Store::new(Config::default(), Clock::Manual(now), seed)
}

/// A store on the system clock.
pub fn system_store() -> Store {
    Store::new(Config::default(), Clock::System, 0)
}

/// Options with the given fsync policy and automatic compaction off.
pub fn opts(fsync: AppendFsync) -> Options {
    Options {
        fsync,
        compaction_min_bytes: u64::MAX,
        ..Options::default()
    }
}

/// Runs a command in database `db` of a durable store and returns its reply.
pub fn run_in(d: &Durable, db: usize, args: &[&[u8]]) -> Value {
    d.execute_in(db, args).unwrap_or_else(|e| {
        panic!(
            "{:?} failed: {e}",
            args.iter()
                .map(|a| String::from_utf8_lossy(a))
                .collect::<Vec<_>>()
        )
    })
}

/// Runs a command given as text in the store's default database.
pub fn run_str(d: &Durable, args: &[&str]) -> Value {
    run_str_in(d, 0, args)
}

/// Runs a command given as text in database `db`.
pub fn run_str_in(d: &Durable, db: usize, args: &[&str]) -> Value {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    run_in(d, db, &argv)
}

/// The store's contents as JSON Lines (`emu dump`'s format), for comparing two stores.
pub fn dump_jsonl(s: &Store) -> String {
    let mut out = Vec::new();
    emu::persist::tools::dump_store(s, emu::persist::tools::Format::Jsonl, &mut out)
        .expect("dump to memory");
    String::from_utf8(out).expect("JSON Lines are UTF-8")
}

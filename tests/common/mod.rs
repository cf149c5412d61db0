//! Helpers shared by the integration tests.
//!
//! Convention: a test binary is either one file `tests/<area>.rs` or a folder
//! `tests/<area>/main.rs` whose topics are plain submodules (`mod model;` →
//! `tests/<area>/model.rs`). Every binary that needs these helpers declares
//! `mod common;` (a file at the top of `tests/`) or `#[path = "../common/mod.rs"] mod common;`
//! (a folder binary), and imports what it uses: `use common::*;` for the embedded-handle
//! helpers below, `common::engine::T` for a store driven through the engine directly,
//! `common::persist` for durable-store templates, `common::zset` for sorted-set replies.

#![allow(dead_code, unused_imports)]

pub mod engine;
pub mod persist;
pub mod rng;
pub mod zset;

use emu::{Redis, Value};

/// The fixed start time every manual-clock test uses (2023-11-14T22:13:20Z, in ms).
pub const T0: u64 = 1_700_000_000_000;

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const SYNTAX: &str = "ERR syntax error";
pub const NOT_INT: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";

/// An embedded handle on a manual clock at [`T0`].
pub fn redis() -> Redis {
    Redis::builder().manual_clock(T0).build()
}

/// Runs a command given as text arguments.
pub fn run(r: &Redis, args: &[&str]) -> emu::Result<Value> {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    r.execute(&argv)
}

/// Runs a command and returns its reply, panicking (with the command) on an error.
pub fn ok(r: &Redis, args: &[&str]) -> Value {
    run(r, args).unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

/// Runs a command that must fail and returns its error message.
pub fn err(r: &Redis, args: &[&str]) -> String {
    match run(r, args) {
        Ok(v) => panic!("{args:?} should fail, got {v:?}"),
        Err(e) => e.message().to_string(),
    }
}

/// Runs a command whose reply must be an integer.
pub fn ok_int(r: &Redis, args: &[&str]) -> i64 {
    match ok(r, args) {
        Value::Int(n) => n,
        other => panic!("{args:?} gave {other:?}"),
    }
}

pub fn b(s: &str) -> Value {
    Value::bulk(s)
}

pub fn int(n: i64) -> Value {
    Value::Int(n)
}

pub fn okv() -> Value {
    Value::ok()
}

/// An array of bulk strings.
pub fn arr(items: &[&str]) -> Value {
    Value::bulks(items.iter().copied())
}

/// Drains the effects a store has logged, each as its argv joined by spaces.
pub fn take_effects_text(store: &mut emu::engine::Store) -> Vec<String> {
    store
        .take_effects()
        .iter()
        .map(|e| argv_text(&e.argv))
        .collect()
}

/// An argument vector as one line of text, arguments joined by spaces.
pub fn argv_text(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An array of integers.
pub fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|&i| Value::Int(i)).collect())
}

/// The keyspace notifications the store queued since the last call, as `"event key"`
/// (the event is the channel's last `:` part), draining them.
pub fn drain_events(r: &Redis) -> Vec<String> {
    r.with_store(|s| {
        s.notifications
            .drain(..)
            .map(|(ch, k)| {
                format!(
                    "{} {}",
                    String::from_utf8_lossy(&ch)
                        .rsplit(':')
                        .next()
                        .unwrap_or(""),
                    String::from_utf8_lossy(&k)
                )
            })
            .collect()
    })
    .unwrap()
}

/// Pearson's chi-square of the picks against a uniform draw over the distinct values seen
/// (the TCL suite's `chi_square_value`): with 10 values (9 degrees of freedom) anything
/// under 40 has a probability above 0.99999 for a fair draw.
pub fn chi_square(picks: &[Vec<u8>]) -> f64 {
    let mut counts = std::collections::BTreeMap::new();
    for p in picks {
        *counts.entry(p.as_slice()).or_insert(0u64) += 1;
    }
    let expected = (picks.len() / counts.len()) as f64;
    counts
        .values()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

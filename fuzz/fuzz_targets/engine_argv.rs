//! Arbitrary argument vectors through the command engine: no input may panic.
//!
//! The input is split on 0xFF bytes into argv; the first part picks a command from the table
//! by index so every command is reached.
#![no_main]

use emu::engine::{self, Session};
use emu::config::Config;
use emu::keyspace::Clock;
use emu::engine::Store;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0xFF);
    let Some(first) = parts.next() else { return };
    let all = emu::commands::table().all();
    let pick = first.iter().fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(*b as usize));
    let spec = all[pick % all.len()];
    if spec.name == "debug" {
        return;
    }
    let mut store = Store::new(Config::default(), Clock::Manual(1_700_000_000_000), 1);
    let mut s = Session::default();
    for argv in [
        &[&b"RPUSH"[..], b"l", b"a", b"b"][..],
        &[b"HSET", b"h", b"f", b"1"],
        &[b"SADD", b"s", b"1", b"x"],
        &[b"ZADD", b"z", b"1", b"a", b"2", b"b"],
        &[b"SET", b"k", b"10"],
    ] {
        let _ = engine::execute(&mut store, &mut s, argv);
    }
    let mut argv: Vec<&[u8]> = vec![spec.name.as_bytes()];
    argv.extend(parts.take(16));
    let _ = engine::execute(&mut store, &mut s, &argv);
    let _ = engine::execute(&mut store, &mut s, &argv);
});

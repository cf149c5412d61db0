//! The typed API: every command method at least once, with its options, through the real
//! engine (the embedded handle speaks RESP3), plus pipelines and SCAN iterators.

// Arguments are passed as `&[..]` on purpose in places: the borrowed-slice form of `ToArg`
// is part of what these tests cover.
#![allow(clippy::needless_borrows_for_generic_args)]

mod hashes;
mod keys;
mod lists;
mod pipeline;
mod sets;
mod shapes;
mod strings;
mod zsets;

/// A store with a manual clock at Unix time 1 000 000 s, so TTLs are exact.
pub fn redis() -> emu::Redis {
    emu::Redis::builder().manual_clock(1_000_000_000).build()
}

/// Asserts that `result` is an error with exactly this message.
#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(result: emu::Result<T>, message: &str) {
    match result {
        Err(e) => assert_eq!(e.message(), message),
        Ok(v) => panic!("expected error {message:?}, got Ok({v:?})"),
    }
}

/// Redis's WRONGTYPE text.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

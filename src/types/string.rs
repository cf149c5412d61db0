//! Strings: GET, SET and friends, counters, ranges.
//!
//! Strings are stored as raw bytes; integers as their decimal text (Redis parses them on
//! every INCR, so "010" is not an integer).

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::Result;
use crate::value::Value;

/// OBJECT ENCODING of a string value as Redis 7.0 reports it.
pub fn encoding(s: &[u8]) -> &'static str {
    if s.len() <= 20 && crate::util::parse_i64(s).is_some() {
        "int"
    } else if s.len() <= 44 {
        "embstr"
    } else {
        "raw"
    }
}

/// # Format
/// `GET key`
fn get(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    match ctx.read(argv[1]) {
        None => Ok(Value::Nil),
        Some(o) => Ok(Value::bulk(o.as_str()?)),
    }
}

/// String commands.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::new(
    "get",
    2,
    READONLY | FAST,
    (1, 1, 1),
    "string",
    get,
)];

//! Reply builders and error texts for the sorted-set tests.

pub use super::engine::T;
pub use super::{b, int as i, NOT_FLOAT, NOT_INT, SYNTAX, WRONGTYPE};
use emu::Value;

pub fn d(f: f64) -> Value {
    Value::Double(f)
}

pub fn arr(v: Vec<Value>) -> Value {
    Value::Array(v)
}

pub fn bulks(v: &[&str]) -> Value {
    Value::Array(v.iter().map(|s| b(s)).collect())
}

/// RESP3 `[[member, score], …]`.
pub fn pairs3(v: &[(&str, f64)]) -> Value {
    Value::Array(v.iter().map(|(m, s)| arr(vec![b(m), d(*s)])).collect())
}

/// RESP2 flat `[member, score, …]`.
pub fn pairs2(v: &[(&str, f64)]) -> Value {
    Value::Array(v.iter().flat_map(|(m, s)| [b(m), d(*s)]).collect())
}

pub const RANGE_FLOAT: &str = "ERR min or max is not a float";
pub const RANGE_LEX: &str = "ERR min or max not valid string range item";

//! Conversions between Rust values and command arguments ([`ToArg`], [`ToPair`]) and
//! between replies and Rust values ([`FromValue`]).
//!
//! # Arguments
//!
//! [`ToArg`] is implemented for strings (`&str`, `String`), bytes (`&[u8]`, `Vec<u8>`,
//! `[u8; N]`), every integer type, `f32`/`f64`, the option types of
//! [`crate::client::options`], slices, arrays and `Vec`s of arguments (one argument per
//! element, except `u8` sequences which are one binary argument), tuples of arguments (one
//! argument per element), `Option<T>` (nothing for `None`) and references to all of these.
//! So a variadic command accepts one key or many: `r.delete("a")`, `r.delete(&["a", "b"])`.
//!
//! Floats are written in the shortest form that parses back to the same `f64`
//! (`1.5`, `0.1`, `1e300`, `inf`, `-inf`), so a score survives a round trip exactly.
//!
//! # Replies
//!
//! [`FromValue`] turns a [`Value`] into what you ask for — the Rust form of redis-py's
//! `decode_responses`. It accepts both RESP3 shapes (what the embedded handle produces:
//! maps, sets, doubles, booleans, pair arrays) and the RESP2 shapes the same data takes on
//! the wire (flat arrays, numbers in bulk strings), so code written against either works:
//!
//! | Target | Accepted replies |
//! |---|---|
//! | [`Value`] | anything, unchanged (error replies too) |
//! | `()` | anything (the reply is discarded) |
//! | `String` | bulk (valid UTF-8), simple, integer, double (as Redis prints it, `%.17g`), verbatim text |
//! | `Vec<u8>` | bulk, simple, verbatim (the raw bytes) |
//! | integers | integer (range-checked), boolean (0/1), bulk/simple holding a decimal integer |
//! | `f64`, `f32` | double, integer, bulk/simple holding a float (`"1.5"`, `"inf"`, `"-inf"`) |
//! | `bool` | integer (non-zero is `true`), boolean, simple `OK` (`true`), nil (`false`), bulk `"1"`/`"0"` |
//! | `Option<T>` | nil and nil-array are `None`, anything else `Some(T)` |
//! | `Vec<T>`, `VecDeque<T>` | array, set, push; a map is flattened to `k1, v1, k2, v2…` (the RESP2 view); nil is empty |
//! | `Vec<(A, B)>` | an array of 2-element arrays (RESP3 pairs), a flat array of even length (RESP2), or a map |
//! | `HashMap`, `BTreeMap` | map, array of 2-element arrays, or flat array of even length; nil is empty |
//! | `HashSet`, `BTreeSet` | set, array, push; nil is empty |
//! | `(A, B)`, `(A, B, C)`, `(A, B, C, D)` | an array (or set) of exactly that many elements |
//!
//! Anything else is an [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) error — a
//! conversion never panics. An error reply (`Value::Error`, as found in pipeline results)
//! converts to that error (`Err`), not to a conversion error, except into [`Value`].

mod args;
mod reply;

pub use crate::util::argbuf::ArgBuf;
pub(crate) use crate::util::argbuf::CommandBuf;

use crate::error::{Error, Result};
use crate::value::Value;

/// Something that can be passed as zero, one or more command arguments.
///
/// See the [module documentation](self) for the implementations.
///
/// ```
/// let redis = emu::Redis::new();
/// redis.rpush("l", "one")?;                    // one argument
/// redis.rpush("l", ["two", "three"])?;         // an array
/// redis.rpush("l", vec![4, 5])?;               // a Vec of numbers
/// redis.rpush("l", &b"\xff"[..])?;             // raw bytes
/// assert_eq!(redis.llen("l")?, 6);
/// # Ok::<(), emu::Error>(())
/// ```
pub trait ToArg {
    /// Appends this value's argument(s) to `out`.
    fn write_args(&self, out: &mut ArgBuf);

    /// Appends a slice of values. The default writes each element as its own argument(s);
    /// `u8` overrides it so that byte slices are one binary argument.
    fn write_slice(items: &[Self], out: &mut ArgBuf)
    where
        Self: Sized,
    {
        for item in items {
            item.write_args(out);
        }
    }

    /// This value's arguments as owned vectors.
    fn to_args(&self) -> Vec<Vec<u8>> {
        self.to_arg_buf().to_vecs()
    }

    /// This value's arguments in a fresh [`ArgBuf`].
    fn to_arg_buf(&self) -> ArgBuf {
        let mut out = ArgBuf::new();
        self.write_args(&mut out);
        out
    }
}

/// A two-part argument: a `(key, value)` pair for MSET, HSET, or a `(member, score)` pair for
/// ZADD (written score first, as Redis wants it; the member-first order is redis-py's
/// `zadd(name, {member: score})` mapping).
///
/// Implemented for `(A, B)` where both are [`ToArg`], and for references to pairs, so
/// `&[("a", "1")]`, `vec![(k, v)]` and `&HashMap<K, V>` (whose items are `(&K, &V)`) all work.
pub trait ToPair {
    /// Writes the first element, then the second.
    fn write_pair(&self, out: &mut ArgBuf);
    /// Writes the second element, then the first (ZADD's `score member`).
    fn write_pair_swapped(&self, out: &mut ArgBuf);
}

impl<A: ToArg, B: ToArg> ToPair for (A, B) {
    fn write_pair(&self, out: &mut ArgBuf) {
        self.0.write_args(out);
        self.1.write_args(out);
    }
    fn write_pair_swapped(&self, out: &mut ArgBuf) {
        self.1.write_args(out);
        self.0.write_args(out);
    }
}

impl<T: ToPair + ?Sized> ToPair for &T {
    fn write_pair(&self, out: &mut ArgBuf) {
        (**self).write_pair(out)
    }
    fn write_pair_swapped(&self, out: &mut ArgBuf) {
        (**self).write_pair_swapped(out)
    }
}

/// Conversion of a reply into a Rust type. A conversion that cannot apply is an
/// [`ErrorKind::Conversion`](crate::ErrorKind::Conversion) error, never a panic.
///
/// See the [module documentation](self) for the accepted shapes.
///
/// ```
/// use std::collections::BTreeSet;
/// let redis = emu::Redis::new();
/// redis.sadd("tags", ["b", "a"])?;
/// let tags: BTreeSet<String> = redis.smembers("tags")?;
/// assert_eq!(tags.into_iter().collect::<Vec<_>>(), ["a", "b"]);
/// let missing: Option<String> = redis.get("nope")?; // nil reads as None
/// assert_eq!(missing, None);
/// # Ok::<(), emu::Error>(())
/// ```
pub trait FromValue: Sized {
    /// Converts the reply.
    fn from_value(v: Value) -> Result<Self>;

    /// Converts the elements of an array reply into a `Vec<Self>`. The default converts
    /// each element; pairs `(A, B)` override it to also accept a flat array (the RESP2
    /// shape of maps and `WITHSCORES` replies).
    fn from_value_list(items: Vec<Value>) -> Result<Vec<Self>> {
        items.into_iter().map(Self::from_value).collect()
    }

    /// Converts a bulk string into a `Vec<Self>` when that makes sense: only `u8` does, so
    /// `Vec<u8>` reads bytes. Others hand the bytes back.
    fn from_byte_vec(bytes: Vec<u8>) -> std::result::Result<Vec<Self>, Vec<u8>> {
        Err(bytes)
    }
}

/// Error for a reply that does not fit the requested type. An error reply becomes that
/// error instead.
pub fn incompatible(v: &Value, what: &str) -> Error {
    match v {
        Value::Error(text) => Error::from_reply(text.clone()),
        Value::Nil | Value::NilArray => Error::conversion(format!(
            "reply is nil (no such key, field or member) and cannot be converted to {what}; \
             ask for Option<{what}> to get None instead"
        )),
        _ => Error::conversion(format!("reply {v:?} cannot be converted to {what}")),
    }
}

/// Converts a reply into `T`: `T::from_value(v)`, usable as a function value.
pub fn from_value<T: FromValue>(v: Value) -> Result<T> {
    T::from_value(v)
}

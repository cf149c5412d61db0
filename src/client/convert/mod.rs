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

use crate::error::{Error, Result};
use crate::value::Value;

/// Command arguments stored flat: every argument's bytes back to back in one buffer, and
/// where each one ends. [`ToArg`] writes into it, so building a command costs two
/// allocations however many arguments it has (and none per argument), and the same
/// buffer serves the embedded store (as `&[&[u8]]` views) and the remote backend (packed
/// into a redis-rs command).
///
/// ```
/// use emu::{ArgBuf, ToArg};
/// let mut out = ArgBuf::new();
/// ("k", 42, 1.5).write_args(&mut out);
/// assert_eq!(out.iter().collect::<Vec<_>>(), [&b"k"[..], b"42", b"1.5"]);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ArgBuf {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl ArgBuf {
    /// An empty buffer.
    pub fn new() -> ArgBuf {
        ArgBuf::default()
    }

    /// An empty buffer with room for `args` arguments of `bytes` bytes in all.
    pub fn with_capacity(args: usize, bytes: usize) -> ArgBuf {
        ArgBuf {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(args),
        }
    }

    /// Appends one argument.
    pub fn push(&mut self, arg: impl AsRef<[u8]>) {
        self.data.extend_from_slice(arg.as_ref());
        self.ends.push(self.data.len());
    }

    /// Appends an integer's decimal text as one argument (no intermediate string).
    pub(crate) fn push_int(&mut self, n: impl itoa::Integer) {
        self.push(itoa::Buffer::new().format(n));
    }

    /// Appends each item as one argument.
    pub fn extend<I>(&mut self, items: I)
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for item in items {
            self.push(item);
        }
    }

    /// Appends every argument of `other`.
    pub fn append(&mut self, other: &ArgBuf) {
        let base = self.data.len();
        self.data.extend_from_slice(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// The number of arguments.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True without arguments.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The total size of the arguments in bytes.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }

    /// The bytes the buffer holds without reallocating.
    pub(crate) fn byte_capacity(&self) -> usize {
        self.data.capacity()
    }

    /// The `i`-th argument.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    /// The arguments in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let arg = &self.data[start..end];
            start = end;
            arg
        })
    }

    /// The arguments as a vector of views (the embedded store's `argv`).
    pub fn slices(&self) -> Vec<&[u8]> {
        self.iter().collect()
    }

    /// The arguments as owned vectors.
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }

    /// Forgets every argument, keeping the memory.
    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }
}

impl<A: AsRef<[u8]>> FromIterator<A> for ArgBuf {
    fn from_iter<I: IntoIterator<Item = A>>(items: I) -> ArgBuf {
        let mut out = ArgBuf::new();
        out.extend(items);
        out
    }
}

impl std::fmt::Debug for ArgBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// Several commands in one flat [`ArgBuf`] (a pipeline's queue): the commands' arguments
/// back to back, and where each command ends.
#[derive(Clone, Default, Debug)]
pub(crate) struct CommandBuf {
    args: ArgBuf,
    ends: Vec<usize>,
}

impl CommandBuf {
    /// Appends a command.
    pub(crate) fn push(&mut self, argv: &ArgBuf) {
        self.args.append(argv);
        self.ends.push(self.args.len());
    }

    /// Appends `a`'s arguments to the last command (none: nothing).
    pub(crate) fn extend_last(&mut self, a: impl ToArg) {
        if let Some(end) = self.ends.last_mut() {
            a.write_args(&mut self.args);
            *end = self.args.len();
        }
    }

    /// The number of commands.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.args.clear();
        self.ends.clear();
    }

    /// Every command's arguments as views, in one vector; [`CommandBuf::split`] cuts it
    /// into commands.
    pub(crate) fn views(&self) -> Vec<&[u8]> {
        self.args.slices()
    }

    /// `views` (from [`CommandBuf::views`]) cut into one `argv` per command.
    pub(crate) fn split<'a>(&self, views: &'a [&'a [u8]]) -> Vec<&'a [&'a [u8]]> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&end| {
                let argv = &views[start..end];
                start = end;
                argv
            })
            .collect()
    }

    /// The `i`-th command as a buffer of its own.
    #[cfg(feature = "remote")]
    pub(crate) fn command(&self, i: usize) -> ArgBuf {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (start..self.ends[i])
            .filter_map(|j| self.args.get(j))
            .collect()
    }

    /// The total size of the arguments in bytes.
    #[cfg(feature = "remote")]
    pub(crate) fn byte_len(&self) -> usize {
        self.args.byte_len()
    }
}

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

//! A cursor over a command's arguments, for the handlers that parse option lists (in the
//! spirit of mini-redis's `Parse`).
//!
//! [`Args`] walks `argv` from a start index. Keywords match case-insensitively and are only
//! consumed on a match, so a handler writes Redis's `if (!strcasecmp(opt,"limit") &&
//! moreargs)` chains as `if args.eat_with("limit", 2) { … } else if args.eat("rev") { … }
//! else { return Err(Error::syntax()) }`. Values come out with Redis's exact errors
//! ([`Error::not_integer`], [`Error::not_float`], [`Error::syntax`] for a missing
//! argument, `ERR <msg>` for a range check with a message). It borrows and never allocates.
//!
//! [`mpop`] is the one parser of `numkeys key [key ...] <end> [COUNT count]`, shared by
//! LMPOP, BLMPOP, ZMPOP and BZMPOP.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::util::{arg_f64, arg_i64, eq_ic, parse_i64};

/// An argument as C sees it: Redis compares option names as NUL-terminated strings.
#[inline]
fn cstr(a: &[u8]) -> &[u8] {
    match a.iter().position(|&c| c == 0) {
        Some(i) => &a[..i],
        None => a,
    }
}

/// Case-insensitive keyword match with C-string semantics (`strcasecmp` on the argument's
/// bytes up to the first NUL).
#[inline]
pub fn eq_ic_cstr(a: &[u8], kw: &str) -> bool {
    eq_ic(cstr(a), kw)
}

/// The most picks a negative-count SRANDMEMBER, HRANDFIELD or ZRANDMEMBER may make. Redis
/// streams such replies to the socket and would loop (and buffer) for as long as the count
/// says; emu materialises the reply, so beyond this many elements it answers
/// `ERR value is out of range` instead of exhausting memory or stalling every client.
pub const MAX_RANDOM_REPEATS: u64 = 1 << 24;

/// [`MAX_RANDOM_REPEATS`] as a check: `Err(ERR value is out of range)` above it.
#[inline]
pub fn check_random_repeats(count: u64) -> Result<()> {
    if count > MAX_RANDOM_REPEATS {
        return Err(Error::out_of_range("value is out of range"));
    }
    Ok(())
}

/// Redis `getRangeLongFromObjectOrReply` with a message: an integer in `min..=max`, else
/// `ERR <msg>` for a non-integer and an out-of-range value alike.
#[inline]
pub fn int_in(a: &[u8], min: i64, max: i64, msg: &str) -> Result<i64> {
    match parse_i64(a) {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(Error::from_reply(format!("ERR {msg}"))),
    }
}

/// A cursor over `argv[start..]`.
#[derive(Clone, Debug)]
pub struct Args<'a> {
    /// The arguments not consumed yet.
    rest: &'a [&'a [u8]],
    /// `argv.len()`, to report positions.
    len: usize,
    cstr: bool,
}

impl<'a> Args<'a> {
    /// A cursor at `argv[start]` (past the end: empty).
    #[inline]
    pub fn new(argv: &'a [&'a [u8]], start: usize) -> Args<'a> {
        Args {
            rest: argv.get(start..).unwrap_or_default(),
            len: argv.len(),
            cstr: false,
        }
    }

    /// Keywords compare as C strings (up to the first NUL), as SET and GETEX need to
    /// match Redis byte for byte.
    #[inline]
    pub fn c_strings(mut self) -> Args<'a> {
        self.cstr = true;
        self
    }

    /// Index in `argv` of the next argument.
    #[inline]
    pub fn pos(&self) -> usize {
        self.len - self.rest.len()
    }

    /// Number of arguments left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// True when every argument was consumed.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next argument, not consumed.
    #[inline]
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.rest.first().copied()
    }

    /// The arguments left, not consumed.
    #[inline]
    pub fn rest(&self) -> &'a [&'a [u8]] {
        self.rest
    }

    /// Consumes the next argument, or `ERR syntax error` when there is none.
    #[inline]
    pub fn value(&mut self) -> Result<&'a [u8]> {
        self.next().ok_or_else(Error::syntax)
    }

    /// Consumes the next `n` arguments, if there are that many.
    #[inline]
    pub fn next_n(&mut self, n: usize) -> Option<&'a [&'a [u8]]> {
        if n > self.rest.len() {
            return None;
        }
        let (out, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(out)
    }

    #[inline]
    fn is(&self, a: &[u8], kw: &str) -> bool {
        if self.cstr {
            eq_ic_cstr(a, kw)
        } else {
            eq_ic(a, kw)
        }
    }

    /// True if the next argument is `kw` (case-insensitive); nothing is consumed.
    #[inline]
    pub fn peek_keyword(&self, kw: &str) -> bool {
        self.peek().is_some_and(|a| self.is(a, kw))
    }

    /// Consumes the next argument if it is the keyword `kw` (case-insensitive).
    #[inline]
    pub fn eat(&mut self, kw: &str) -> bool {
        self.eat_with(kw, 0)
    }

    /// Consumes the next argument if it is `kw` and at least `n` arguments follow it (an
    /// option with `n` values; Redis's `moreargs` test). The values are left for the caller.
    #[inline]
    pub fn eat_with(&mut self, kw: &str, n: usize) -> bool {
        match self.rest {
            [a, tail @ ..] if tail.len() >= n && self.is(a, kw) => {
                self.rest = tail;
                true
            }
            _ => false,
        }
    }

    /// Consumes the next argument if it is one of the keywords of `options`, returning its
    /// value.
    #[inline]
    pub fn eat_one_of<T: Copy>(&mut self, options: &[(&str, T)]) -> Option<T> {
        let (a, tail) = self.rest.split_first()?;
        let (_, v) = options.iter().find(|(kw, _)| self.is(a, kw))?;
        self.rest = tail;
        Some(*v)
    }

    /// Consumes the next argument, which must be one of the keywords of `options`:
    /// its value, else `ERR syntax error`.
    #[inline]
    pub fn one_of<T: Copy>(&mut self, options: &[(&str, T)]) -> Result<T> {
        match self.eat_one_of(options) {
            Some(v) => Ok(v),
            None => Err(Error::syntax()),
        }
    }

    /// Consumes an integer: `ERR value is not an integer or out of range` if it is not one,
    /// `ERR syntax error` if there is no argument left.
    #[inline]
    pub fn i64(&mut self) -> Result<i64> {
        arg_i64(self.value()?)
    }

    /// Consumes a float: `ERR value is not a valid float` if it is not one, `ERR syntax
    /// error` if there is no argument left.
    #[inline]
    pub fn f64(&mut self) -> Result<f64> {
        arg_f64(self.value()?)
    }

    /// Consumes an integer in `min..=max`, else `ERR <msg>` (see [`int_in`]); `ERR syntax
    /// error` if there is no argument left.
    #[inline]
    pub fn i64_in(&mut self, min: i64, max: i64, msg: &str) -> Result<i64> {
        int_in(self.value()?, min, max, msg)
    }
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a [u8];

    /// Consumes the next argument.
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let (a, tail) = self.rest.split_first()?;
        self.rest = tail;
        Some(a)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining(), Some(self.remaining()))
    }
}

impl ExactSizeIterator for Args<'_> {}

/// Parsed `numkeys key [key ...] <end> [COUNT count]` of LMPOP, BLMPOP, ZMPOP and BZMPOP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mpop<E> {
    /// Positions of the keys in argv.
    pub keys: Range<usize>,
    /// Which end to pop from.
    pub end: E,
    /// COUNT (at least 1; default 1).
    pub count: i64,
}

/// Parses `numkeys key [key ...] <end> [COUNT count]` from `argv[numkeys_idx]` (1 for
/// LMPOP/ZMPOP, 2 for BLMPOP/BZMPOP), `ends` naming the accepted end keywords, as Redis's
/// `lmpopGenericCommand` / `zmpopGenericCommand` do, with their errors in their order.
pub fn mpop<E: Copy>(argv: &[&[u8]], numkeys_idx: usize, ends: &[(&str, E)]) -> Result<Mpop<E>> {
    let mut args = Args::new(argv, numkeys_idx);
    let numkeys = args.i64_in(1, i64::MAX, "numkeys should be greater than 0")?;
    let first = args.pos();
    // The keys and then the end keyword must all be there.
    let numkeys = usize::try_from(numkeys)
        .ok()
        .filter(|&n| n < args.remaining())
        .ok_or_else(Error::syntax)?;
    args.next_n(numkeys);
    let keys = first..args.pos();
    let end = args.one_of(ends)?;
    let mut count = None;
    while !args.is_empty() {
        if count.is_none() && args.eat_with("count", 1) {
            count = Some(args.i64_in(1, i64::MAX, "count should be greater than 0")?);
        } else {
            return Err(Error::syntax());
        }
    }
    Ok(Mpop {
        keys,
        end,
        count: count.unwrap_or(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&'static str]) -> Vec<&'static [u8]> {
        args.iter().map(|a| a.as_bytes()).collect()
    }

    #[test]
    fn cursor_basics() {
        let argv = v(&["SET", "k", "v", "nx", "EX", "10"]);
        let mut a = Args::new(&argv, 3);
        assert_eq!((a.pos(), a.remaining(), a.is_empty()), (3, 3, false));
        assert!(!a.eat("xx"));
        assert!(a.peek_keyword("NX"));
        assert!(a.eat("NX"));
        assert!(!a.eat_with("ex", 2));
        assert!(a.eat_with("ex", 1));
        assert_eq!(a.i64().unwrap(), 10);
        assert!(a.is_empty());
        assert_eq!(a.value().unwrap_err(), Error::syntax());
        assert_eq!(a.i64().unwrap_err(), Error::syntax());
        assert_eq!(a.next(), None);
        assert_eq!(Args::new(&argv, 99).remaining(), 0);
    }

    #[test]
    fn values_with_redis_errors() {
        let argv = v(&["x", "1.5", "abc", "-3"]);
        let mut a = Args::new(&argv, 1);
        assert_eq!(a.f64().unwrap(), 1.5);
        assert_eq!(a.clone().f64().unwrap_err(), Error::not_float());
        assert_eq!(a.i64().unwrap_err(), Error::not_integer());
        assert_eq!(
            a.i64_in(0, 5, "COUNT can't be negative")
                .unwrap_err()
                .message(),
            "ERR COUNT can't be negative"
        );
        let mut b = Args::new(&argv, 1);
        assert_eq!(b.next_n(4), None);
        assert_eq!(b.next_n(3), Some(&argv[1..]));
        assert!(b.is_empty());
    }

    #[test]
    fn keywords_and_c_strings() {
        let argv = v(&["nx\0junk", "Min"]);
        assert!(!Args::new(&argv, 0).eat("nx"));
        assert!(Args::new(&argv, 0).c_strings().eat("nx"));
        let mut a = Args::new(&argv, 1);
        assert_eq!(a.eat_one_of(&[("max", 1), ("min", 2)]), Some(2));
        assert_eq!(a.one_of(&[("max", 1)]), Err(Error::syntax()));
    }

    #[test]
    fn mpop_like_redis() {
        let ends = [("left", 'L'), ("right", 'R')];
        let argv = v(&["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "3"]);
        assert_eq!(
            mpop(&argv, 1, &ends).unwrap(),
            Mpop {
                keys: 2..4,
                end: 'R',
                count: 3
            }
        );
        let msg = |argv: &[&'static str]| match mpop(&v(argv), 1, &ends) {
            Ok(_) => String::new(),
            Err(e) => e.message().to_string(),
        };
        assert_eq!(
            msg(&["LMPOP", "0", "a", "LEFT"]),
            "ERR numkeys should be greater than 0"
        );
        assert_eq!(msg(&["LMPOP", "2", "a", "LEFT"]), "ERR syntax error");
        assert_eq!(msg(&["LMPOP", "1", "a", "UP"]), "ERR syntax error");
        assert_eq!(
            msg(&["LMPOP", "1", "a", "LEFT", "COUNT", "0"]),
            "ERR count should be greater than 0"
        );
        assert_eq!(
            msg(&["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"]),
            "ERR syntax error"
        );
        assert_eq!(
            msg(&["LMPOP", "1", "a", "LEFT", "COUNT"]),
            "ERR syntax error"
        );
        assert_eq!(msg(&["LMPOP", "1", "a", "LEFT"]), "");
    }
}

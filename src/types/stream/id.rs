//! Stream IDs (`<ms>-<seq>`) and their argument syntax (Redis `streamGenericParseIDOrReply`).

use crate::error::{Error, Result};

/// A stream entry ID.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`.
    pub const ZERO: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// An ID from its two parts.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID (Redis `streamIncrID`), None past the last.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                None
            } else {
                Some(StreamId::new(self.ms + 1, 0))
            }
        } else {
            Some(StreamId::new(self.ms, self.seq + 1))
        }
    }

    /// The previous ID (Redis `streamDecrID`), None before 0-0.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                None
            } else {
                Some(StreamId::new(self.ms - 1, u64::MAX))
            }
        } else {
            Some(StreamId::new(self.ms, self.seq - 1))
        }
    }

    /// The 16-byte key Redis indexes stream nodes by: `ms` then `seq`, big-endian.
    pub fn to_be_key(self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&self.ms.to_be_bytes());
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }

    /// `ms-seq` bytes.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(41);
        self.write_to(&mut out);
        out
    }

    /// Appends `ms-seq` to `out` (replies carry one per entry: no `fmt` machinery).
    pub fn write_to(self, out: &mut Vec<u8>) {
        let mut b = itoa::Buffer::new();
        out.extend_from_slice(b.format(self.ms).as_bytes());
        out.push(b'-');
        out.extend_from_slice(b.format(self.seq).as_bytes());
    }

    /// Parses `ms-seq` exactly (both parts, as written by [`StreamId::to_bytes`]).
    pub fn parse_exact(b: &[u8]) -> Option<StreamId> {
        match parse(b, 0, true, false)? {
            Parsed::Id(id) => Some(id),
            Parsed::Partial(_) => None,
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// `ERR Invalid stream ID specified as stream command argument`.
pub fn invalid_id() -> Error {
    Error::from_reply("ERR Invalid stream ID specified as stream command argument")
}

/// Outcome of parsing an ID argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A complete ID.
    Id(StreamId),
    /// `<ms>-*` (only where a partial ID is allowed: XADD).
    Partial(u64),
}

/// Redis `string2ull`: `string2ll` when it succeeds (negative → invalid), else C's `strtoull`
/// (leading spaces, a sign, leading zeros; `-n` wraps) over the whole input.
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::util::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    if i >= s.len() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[i..] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The generic parser: `-`/`+` (unless `strict`), `ms`, `ms-seq`, and `ms-*` when
/// `partial_ok`. A missing sequence becomes `missing_seq`.
pub fn parse(b: &[u8], missing_seq: u64, strict: bool, partial_ok: bool) -> Option<Parsed> {
    if b.len() > 127 {
        return None;
    }
    // C strings stop at a NUL byte.
    let b = match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    };
    if b == b"-" || b == b"+" {
        if strict {
            return None;
        }
        return Some(Parsed::Id(if b == b"-" {
            StreamId::ZERO
        } else {
            StreamId::MAX
        }));
    }
    match b.iter().position(|&c| c == b'-') {
        None => Some(Parsed::Id(StreamId::new(string2ull(b)?, missing_seq))),
        Some(dash) => {
            let ms = string2ull(&b[..dash])?;
            let rest = &b[dash + 1..];
            if partial_ok && rest == b"*" {
                return Some(Parsed::Partial(ms));
            }
            Some(Parsed::Id(StreamId::new(ms, string2ull(rest)?)))
        }
    }
}

/// An ID argument where `-` and `+` are allowed (Redis `streamParseIDOrReply`).
pub fn parse_id(b: &[u8], missing_seq: u64) -> Result<StreamId> {
    match parse(b, missing_seq, false, false) {
        Some(Parsed::Id(id)) => Ok(id),
        _ => Err(invalid_id()),
    }
}

/// An ID argument where `-` and `+` are not allowed (Redis `streamParseStrictIDOrReply`).
pub fn parse_strict(b: &[u8], missing_seq: u64) -> Result<StreamId> {
    match parse(b, missing_seq, true, false) {
        Some(Parsed::Id(id)) => Ok(id),
        _ => Err(invalid_id()),
    }
}

/// An interval bound (`(` for exclusive, Redis `streamParseIntervalIDOrReply`): the ID and
/// whether it was exclusive.
pub fn parse_interval(b: &[u8], missing_seq: u64) -> Result<(StreamId, bool)> {
    if b.len() > 1 && b[0] == b'(' {
        Ok((parse_strict(&b[1..], missing_seq)?, true))
    } else {
        Ok((parse_id(b, missing_seq)?, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_id(b"5", 0).ok(), Some(StreamId::new(5, 0)));
        assert_eq!(
            parse_id(b"5", u64::MAX).ok(),
            Some(StreamId::new(5, u64::MAX))
        );
        assert_eq!(parse_id(b"5-3", 0).ok(), Some(StreamId::new(5, 3)));
        assert_eq!(parse_id(b"-", 9).ok(), Some(StreamId::ZERO));
        assert_eq!(parse_id(b"+", 0).ok(), Some(StreamId::MAX));
        assert!(parse_strict(b"+", 0).is_err());
        assert!(parse_id(b"-5", 0).is_err());
        assert!(parse_id(b"5-", 0).is_err());
        assert!(parse_id(b"a-1", 0).is_err());
        assert_eq!(parse_id(b"007-+1", 0).ok(), Some(StreamId::new(7, 1)));
        assert_eq!(parse(b"5-*", 0, true, true), Some(Parsed::Partial(5)));
        assert!(parse_id(b"5-*", 0).is_err());
        assert_eq!(
            parse_interval(b"(5-1", 0).ok(),
            Some((StreamId::new(5, 1), true))
        );
        assert_eq!(StreamId::new(1, u64::MAX).incr(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(StreamId::ZERO.decr(), None);
    }
}

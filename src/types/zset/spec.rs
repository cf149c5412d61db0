//! Range specifications: score ranges (`1`, `(1.5`, `-inf`, `+inf`) and lex ranges
//! (`[a`, `(a`, `-`, `+`), parsed exactly as Redis's `zslParseRange` / `zslParseLexRange`.

use std::cmp::Ordering;

use crate::error::{Error, Result};

/// `ERR min or max is not a float`.
pub fn not_float_range() -> Error {
    Error::err("min or max is not a float")
}

/// `ERR min or max not valid string range item`.
pub fn not_lex_range() -> Error {
    Error::err("min or max not valid string range item")
}

/// A score interval with optional exclusive ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
    /// `(` on the lower end.
    pub minex: bool,
    /// `(` on the upper end.
    pub maxex: bool,
}

/// C `isspace` in the "C" locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `strtod(s, &end)` followed by Redis's `end[0] == '\0' && !isnan(v)` check: leading
/// whitespace is skipped, the empty string is 0, overflow gives ±inf.
pub fn strtod_whole(s: &[u8]) -> Option<f64> {
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s.iter().position(|&c| !is_c_space(c))?;
    let text = std::str::from_utf8(&s[start..]).ok()?;
    // Rust's parser takes a few spellings strtod does not ("+nan" handled below by the NaN
    // check); hex floats are strtod-only.
    let v = match text.parse::<f64>() {
        Ok(v) => v,
        Err(_) => crate::util::parse_f64(text.as_bytes())?,
    };
    if v.is_nan() {
        return None;
    }
    Some(v)
}

impl ScoreRange {
    /// Parses `min max`; `ERR min or max is not a float` on failure.
    pub fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange> {
        let (min, minex) = parse_score_end(min).ok_or_else(not_float_range)?;
        let (max, maxex) = parse_score_end(max).ok_or_else(not_float_range)?;
        Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    /// True when `v` is above the lower end.
    #[inline]
    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    /// True when `v` is below the upper end.
    #[inline]
    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// Ranges that can never contain anything.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

fn parse_score_end(a: &[u8]) -> Option<(f64, bool)> {
    match a.split_first() {
        Some((b'(', rest)) => Some((strtod_whole(rest)?, true)),
        _ => Some((strtod_whole(a)?, false)),
    }
}

/// One end of a lex range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexValue {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// A string.
    Str(Vec<u8>),
}

/// Redis's `sdscmplex`.
fn cmp_lex(a: &LexValue, b: &LexValue) -> Ordering {
    match (a, b) {
        (LexValue::Min, LexValue::Min) | (LexValue::Max, LexValue::Max) => Ordering::Equal,
        (LexValue::Min, _) | (_, LexValue::Max) => Ordering::Less,
        (LexValue::Max, _) | (_, LexValue::Min) => Ordering::Greater,
        (LexValue::Str(x), LexValue::Str(y)) => x.cmp(y),
    }
}

fn cmp_member(m: &[u8], b: &LexValue) -> Ordering {
    match b {
        LexValue::Min => Ordering::Greater,
        LexValue::Max => Ordering::Less,
        LexValue::Str(s) => m.cmp(s.as_slice()),
    }
}

/// A lex interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    /// Lower end.
    pub min: LexValue,
    /// Upper end.
    pub max: LexValue,
    /// Lower end exclusive (`(`, and always for `-`/`+`).
    pub minex: bool,
    /// Upper end exclusive.
    pub maxex: bool,
}

fn parse_lex_item(a: &[u8]) -> Option<(LexValue, bool)> {
    match a.split_first()? {
        (b'+', []) => Some((LexValue::Max, true)),
        (b'-', []) => Some((LexValue::Min, true)),
        (b'(', rest) => Some((LexValue::Str(rest.to_vec()), true)),
        (b'[', rest) => Some((LexValue::Str(rest.to_vec()), false)),
        _ => None,
    }
}

impl LexRange {
    /// Parses `min max`; `ERR min or max not valid string range item` on failure.
    pub fn parse(min: &[u8], max: &[u8]) -> Result<LexRange> {
        let (min, minex) = parse_lex_item(min).ok_or_else(not_lex_range)?;
        let (max, maxex) = parse_lex_item(max).ok_or_else(not_lex_range)?;
        Ok(LexRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    /// True when `m` is above the lower end.
    #[inline]
    pub fn gte_min(&self, m: &[u8]) -> bool {
        let c = cmp_member(m, &self.min);
        if self.minex {
            c.is_gt()
        } else {
            c.is_ge()
        }
    }

    /// True when `m` is below the upper end.
    #[inline]
    pub fn lte_max(&self, m: &[u8]) -> bool {
        let c = cmp_member(m, &self.max);
        if self.maxex {
            c.is_lt()
        } else {
            c.is_le()
        }
    }

    /// Ranges that can never contain anything.
    pub fn is_empty(&self) -> bool {
        let c = cmp_lex(&self.min, &self.max);
        c.is_gt() || (c.is_eq() && (self.minex || self.maxex))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_rules() {
        assert_eq!(strtod_whole(b""), Some(0.0));
        assert_eq!(strtod_whole(b" 1"), Some(1.0));
        assert_eq!(strtod_whole(b"1 "), None);
        assert_eq!(strtod_whole(b"  "), None);
        assert_eq!(strtod_whole(b"1e400"), Some(f64::INFINITY));
        assert_eq!(strtod_whole(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(strtod_whole(b"+inf"), Some(f64::INFINITY));
        assert_eq!(strtod_whole(b"0x10"), Some(16.0));
        assert_eq!(strtod_whole(b"nan"), None);
        assert_eq!(strtod_whole(b"abc"), None);
    }

    #[test]
    fn score_ranges() {
        let r = ScoreRange::parse(b"(1", b"2").unwrap();
        assert!(!r.gte_min(1.0) && r.gte_min(1.5) && r.lte_max(2.0) && !r.lte_max(2.1));
        assert!(ScoreRange::parse(b"(1", b"(1").unwrap().is_empty());
        assert!(!ScoreRange::parse(b"1", b"1").unwrap().is_empty());
        assert!(ScoreRange::parse(b"2", b"1").unwrap().is_empty());
        assert_eq!(
            ScoreRange::parse(b"x", b"1").unwrap_err().message(),
            "ERR min or max is not a float"
        );
        assert!(ScoreRange::parse(b"((1", b"1").is_err());
    }

    #[test]
    fn lex_ranges() {
        let r = LexRange::parse(b"[b", b"(d").unwrap();
        assert!(!r.gte_min(b"a") && r.gte_min(b"b") && r.lte_max(b"c") && !r.lte_max(b"d"));
        let all = LexRange::parse(b"-", b"+").unwrap();
        assert!(all.gte_min(b"") && all.lte_max(b"\xff\xff"));
        assert!(LexRange::parse(b"+", b"-").unwrap().is_empty());
        assert!(LexRange::parse(b"-", b"-").unwrap().is_empty());
        assert!(LexRange::parse(b"(a", b"[a").unwrap().is_empty());
        assert!(!LexRange::parse(b"[a", b"[a").unwrap().is_empty());
        for bad in [&b"a"[..], b"", b"+a", b"-a"] {
            assert_eq!(
                LexRange::parse(bad, b"+").unwrap_err().message(),
                "ERR min or max not valid string range item"
            );
        }
    }
}

//! Small shared helpers: Redis-exact number parsing and formatting, glob matching, argument
//! parsing and the SCAN family's common loop.

pub mod argbuf;
pub mod args;
pub mod dict;
pub use dict::Dict;
pub mod float;
pub mod glob;
pub mod longdouble;
pub mod scan;
pub mod shutdown;
pub mod slot;
pub mod socket_cache;
pub mod text;

use crate::error::{Error, Result};

/// Parses a signed 64-bit integer exactly as Redis's `string2ll`: optional `-`, no `+`, no
/// spaces, no leading zeros (except "0" itself), no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = if s[0] == b'-' {
        (true, &s[1..])
    } else {
        (false, s)
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

/// Parses a double as Redis's `string2d`/`getDoubleFromObject` (strtod): no leading space, the
/// whole input consumed, `inf`/`-inf`/`infinity` accepted, NaN and out-of-range rejected.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s[0].is_ascii_whitespace() {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    // Rust accepts a few spellings strtod does not ("infinity" is fine in both; reject
    // anything with an underscore or that Rust alone would take).
    let v: f64 = match text.parse() {
        Ok(v) => v,
        Err(_) => return parse_hex_float(text),
    };
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        let t = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
        if t != "inf" && t != "infinity" {
            return None; // overflow: strtod sets ERANGE
        }
    }
    if v == 0.0 && text.bytes().any(|c| (b'1'..=b'9').contains(&c)) {
        // Underflow to zero: strtod sets ERANGE unless every digit of the mantissa is 0.
        let mantissa = text.split(['e', 'E']).next().unwrap_or("");
        if mantissa.bytes().any(|c| (b'1'..=b'9').contains(&c)) {
            return None;
        }
    }
    Some(v)
}

/// strtod also reads C99 hex floats (`0x1p3`); Redis inherits that.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (neg, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest
        .strip_prefix("0x")
        .or_else(|| rest.strip_prefix("0X"))?;
    let (mant, exp) = match rest.find(['p', 'P']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp);
    if v.is_infinite() || v.is_nan() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// An integer argument, or `ERR value is not an integer or out of range`.
#[inline]
pub fn arg_i64(a: &[u8]) -> Result<i64> {
    parse_i64(a).ok_or_else(Error::not_integer)
}

/// A float argument, or `ERR value is not a valid float`.
#[inline]
pub fn arg_f64(a: &[u8]) -> Result<f64> {
    parse_f64(a).ok_or_else(Error::not_float)
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
#[inline]
pub fn eq_ic(a: &[u8], kw: &str) -> bool {
    a.eq_ignore_ascii_case(kw.as_bytes())
}

/// Formats an integer as decimal bytes.
#[inline]
pub fn i64_bytes(v: i64) -> Vec<u8> {
    v.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_like_redis() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b"9223372036854775808"[..],
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"",
            b"-",
            b"1.0",
            b"abc",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn floats_like_strtod() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"+1.5"), Some(1.5));
        assert_eq!(parse_f64(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"0x10"), Some(16.0));
        assert_eq!(parse_f64(b"1e400"), None);
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"1 "), None);
        assert_eq!(parse_f64(b""), None);
        assert_eq!(parse_f64(b"0e5"), Some(0.0));
    }
}

//! x87 80-bit extended precision ("long double") emulation for INCRBYFLOAT/HINCRBYFLOAT.
//!
//! Redis 7.0 on x86-64 parses numbers with `strtold` into an x87 extended value (64-bit
//! significand with explicit integer bit, 15-bit exponent, gradual underflow), adds them in
//! that precision and prints the result with `"%.17Lf"`, then trims trailing zeros and a
//! trailing `.` (`ld2string(.., LD_STR_HUMAN)`). This module reproduces those three steps
//! exactly with arbitrary-precision integers:
//!
//! * [`parse`] — `string2ld`: correctly rounded (round-half-even) decimal or C99 hex input,
//!   `inf`/`infinity` accepted, NaN, overflow, underflow to zero, any whitespace and inputs of
//!   5120 bytes or more rejected.
//! * [`LongDouble::checked_add`] — one correctly rounded extended-precision addition.
//! * [`LongDouble::to_human`] — `%.17Lf` rounded half-even on the exact binary value (as glibc
//!   does), trailing zeros trimmed, `-0` printed as `0`.

use num_bigint::BigUint;
use num_traits::{One, Zero};

use crate::error::{Error, Result};

/// Exponent of the least significant significand bit of the smallest subnormal (2^-16445).
const EXP_MIN: i64 = -16445;
/// Exponent of the least significant significand bit of the largest finite value
/// ((2^64-1) * 2^16320).
const EXP_MAX: i64 = 16320;
/// Redis's `MAX_LONG_DOUBLE_CHARS`: `string2ld` rejects inputs of this length or more.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;
/// Decimal exponents are clamped to this magnitude while parsing (far beyond the range).
const EXP_CLAMP: i64 = 1_000_000;

/// An x87 extended-precision value (NaN is never represented: operations that would produce
/// it return `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongDouble {
    /// `(-1)^neg * mant * 2^exp`. Normalized: `mant` has bit 63 set, or `exp == -16445`
    /// (zero and subnormals).
    Finite {
        /// Sign (true for negative, including -0).
        neg: bool,
        /// Significand.
        mant: u64,
        /// Exponent of the least significant significand bit.
        exp: i32,
    },
    /// Positive or negative infinity.
    Inf {
        /// Sign.
        neg: bool,
    },
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble::Finite {
        neg: false,
        mant: 0,
        exp: EXP_MIN as i32,
    };

    /// True for ±infinity.
    pub fn is_inf(&self) -> bool {
        matches!(self, LongDouble::Inf { .. })
    }

    /// `self + other` rounded to extended precision (round-half-even). `None` for
    /// `inf + -inf` (NaN).
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        match (self, other) {
            (LongDouble::Inf { neg: a }, LongDouble::Inf { neg: b }) => {
                if a == b {
                    Some(self)
                } else {
                    None
                }
            }
            (LongDouble::Inf { .. }, _) => Some(self),
            (_, LongDouble::Inf { .. }) => Some(other),
            (
                LongDouble::Finite {
                    neg: na,
                    mant: ma,
                    exp: ea,
                },
                LongDouble::Finite {
                    neg: nb,
                    mant: mb,
                    exp: eb,
                },
            ) => {
                if ma == 0 && mb == 0 {
                    // IEEE: -0 + -0 = -0, any other combination of zeros is +0.
                    return Some(LongDouble::Finite {
                        neg: na && nb,
                        mant: 0,
                        exp: EXP_MIN as i32,
                    });
                }
                if mb == 0 {
                    return Some(self);
                }
                if ma == 0 {
                    return Some(other);
                }
                // Exact sum as an integer multiple of 2^e0.
                let e0 = ea.min(eb);
                let a = BigUint::from(ma) << (ea - e0) as usize;
                let b = BigUint::from(mb) << (eb - e0) as usize;
                let (neg, mag) = if na == nb {
                    (na, a + b)
                } else if a >= b {
                    (na, a - b)
                } else {
                    (nb, b - a)
                };
                if mag.is_zero() {
                    // Exact cancellation gives +0 in round-to-nearest.
                    return Some(LongDouble::ZERO);
                }
                Some(round(neg, &mag, &BigUint::one(), e0 as i64))
            }
        }
    }

    /// `printf("%.17Lf")` with trailing zeros (and a trailing `.`) removed and `-0` shown as
    /// `0`: Redis's `ld2string(.., LD_STR_HUMAN)`. Infinities print as `inf`/`-inf`.
    pub fn to_human(&self) -> String {
        let (neg, mant, exp) = match *self {
            LongDouble::Inf { neg } => return if neg { "-inf" } else { "inf" }.to_string(),
            LongDouble::Finite { neg, mant, exp } => (neg, mant, exp),
        };
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if exp >= 0 {
            let int = BigUint::from(mant) << exp as usize;
            out.push_str(&int.to_string());
        } else {
            // Exact value in units of 10^-17, rounded half-even.
            let k = (-exp) as usize;
            let scaled = BigUint::from(mant) * BigUint::from(10u64.pow(17));
            let mut q: BigUint = &scaled >> k;
            let rem = &scaled - (&q << k);
            let half = BigUint::one() << (k - 1);
            if rem > half || (rem == half && q.bit(0)) {
                q += 1u32;
            }
            let unit = BigUint::from(10u64.pow(17));
            let int = &q / &unit;
            let frac = &q % &unit;
            out.push_str(&int.to_string());
            let frac = format!("{:0>17}", frac.to_string());
            let frac = frac.trim_end_matches('0');
            if !frac.is_empty() {
                out.push('.');
                out.push_str(frac);
            }
        }
        if out == "-0" {
            out = "0".to_string();
        }
        out
    }
}

/// Rounds `num / den * 2^scale2` (with sign `neg`) to extended precision, round-half-even,
/// with gradual underflow; overflows to infinity.
fn round(neg: bool, num: &BigUint, den: &BigUint, scale2: i64) -> LongDouble {
    if num.is_zero() {
        return LongDouble::Finite {
            neg,
            mant: 0,
            exp: EXP_MIN as i32,
        };
    }
    // value lies in [2^(bl-1), 2^(bl+1)).
    let bl = num.bits() as i64 - den.bits() as i64 + scale2;
    if bl > EXP_MAX + 66 {
        return LongDouble::Inf { neg };
    }
    if bl < EXP_MIN - 4 {
        // Below a quarter of the smallest subnormal: rounds to zero.
        return LongDouble::Finite {
            neg,
            mant: 0,
            exp: EXP_MIN as i32,
        };
    }
    let quotient = |e: i64| -> (BigUint, BigUint, BigUint) {
        let sh = scale2 - e;
        let (n, d) = if sh >= 0 {
            (num << sh as usize, den.clone())
        } else {
            (num.clone(), den << (-sh) as usize)
        };
        let q = &n / &d;
        let r = n - &q * &d;
        (q, r, d)
    };
    let two63 = BigUint::one() << 63u32;
    let two64 = BigUint::one() << 64u32;
    let mut e = (bl - 64).max(EXP_MIN);
    let (mut q, mut r, mut d) = quotient(e);
    while q >= two64 {
        e += 1;
        (q, r, d) = quotient(e);
    }
    while q < two63 && e > EXP_MIN {
        e -= 1;
        (q, r, d) = quotient(e);
    }
    let twice = r << 1u32;
    if twice > d || (twice == d && q.bit(0)) {
        q += 1u32;
        if q == two64 {
            q = two63;
            e += 1;
        }
    }
    if e > EXP_MAX {
        return LongDouble::Inf { neg };
    }
    let mant = q.iter_u64_digits().next().unwrap_or(0);
    LongDouble::Finite {
        neg,
        mant,
        exp: e as i32,
    }
}

/// Parses like Redis's `string2ld` (glibc `strtold` on x86-64): the whole input must be a
/// number, no leading whitespace, NaN rejected, overflow and underflow to zero rejected.
pub fn parse(s: &[u8]) -> Option<LongDouble> {
    if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(LongDouble::Inf { neg });
    }
    let v = if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        parse_hex(neg, &body[2..])?
    } else {
        parse_dec(neg, body)?
    };
    match v {
        LongDouble::Inf { .. } => None, // ERANGE overflow
        _ => Some(v),
    }
}

/// True if `s` is accepted by [`parse`] (Redis's `string2ld`).
pub fn is_valid(s: &[u8]) -> bool {
    parse(s).is_some()
}

/// Splits `[digits][.digits]` (radix given by `is_digit`) off the front of `s`; returns the
/// integer digits, fraction digits and the rest. None if there is no digit at all.
fn split_mantissa(s: &[u8], is_digit: fn(&u8) -> bool) -> Option<(&[u8], &[u8], &[u8])> {
    let int_len = s.iter().take_while(|c| is_digit(c)).count();
    let (int, rest) = s.split_at(int_len);
    let (frac, rest) = match rest.first() {
        Some(b'.') => {
            let r = &rest[1..];
            let n = r.iter().take_while(|c| is_digit(c)).count();
            r.split_at(n)
        }
        _ => (&rest[..0], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    Some((int, frac, rest))
}

/// Parses a whole `[+-]digits` exponent, clamped to ±[`EXP_CLAMP`].
fn parse_exponent(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        v = (v * 10 + (c - b'0') as i64).min(EXP_CLAMP);
    }
    Some(if neg { -v } else { v })
}

/// Digits to a big integer, skipping leading zeros.
fn digits_value(digits: &[u8], radix: u32) -> BigUint {
    let start = digits.iter().take_while(|&&c| c == b'0').count();
    let d = &digits[start..];
    if d.is_empty() {
        return BigUint::zero();
    }
    BigUint::parse_bytes(d, radix).unwrap_or_default()
}

fn parse_dec(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let (int, frac, rest) = split_mantissa(s, u8::is_ascii_digit)?;
    let exp10 = match rest.first() {
        None => 0,
        Some(b'e' | b'E') => parse_exponent(&rest[1..])?,
        Some(_) => return None,
    };
    let mut digits: Vec<u8> = Vec::with_capacity(int.len() + frac.len());
    digits.extend_from_slice(int);
    digits.extend_from_slice(frac);
    let mut eff = exp10 - frac.len() as i64;
    let lead = digits.iter().take_while(|&&c| c == b'0').count();
    let digits = &digits[lead..];
    let trail = digits.iter().rev().take_while(|&&c| c == b'0').count();
    let digits = &digits[..digits.len() - trail];
    eff += trail as i64;
    if digits.is_empty() {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: EXP_MIN as i32,
        });
    }
    let nd = digits.len() as i64;
    // value in [10^(eff+nd-1), 10^(eff+nd)); max finite < 1.19e4932, half the smallest
    // subnormal is about 1.8e-4951.
    if eff + nd > 4933 {
        return Some(LongDouble::Inf { neg });
    }
    if eff + nd <= -4951 {
        return None; // underflow to zero: ERANGE
    }
    let m = digits_value(digits, 10);
    let v = if eff >= 0 {
        round(
            neg,
            &(m * BigUint::from(10u32).pow(eff as u32)),
            &BigUint::one(),
            0,
        )
    } else {
        round(neg, &m, &BigUint::from(10u32).pow((-eff) as u32), 0)
    };
    underflow_check(v)
}

fn parse_hex(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let (int, frac, rest) = split_mantissa(s, u8::is_ascii_hexdigit)?;
    let exp2 = match rest.first() {
        None => 0,
        Some(b'p' | b'P') => parse_exponent(&rest[1..])?,
        Some(_) => return None,
    };
    let mut digits: Vec<u8> = Vec::with_capacity(int.len() + frac.len());
    digits.extend_from_slice(int);
    digits.extend_from_slice(frac);
    let m = digits_value(&digits, 16);
    if m.is_zero() {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: EXP_MIN as i32,
        });
    }
    let scale2 = exp2 - 4 * frac.len() as i64;
    underflow_check(round(neg, &m, &BigUint::one(), scale2))
}

/// A nonzero input that rounded to zero is an ERANGE underflow, which `string2ld` rejects.
fn underflow_check(v: LongDouble) -> Option<LongDouble> {
    match v {
        LongDouble::Finite { mant: 0, .. } => None,
        _ => Some(v),
    }
}

/// INCRBYFLOAT's arithmetic (see [`crate::util::float::incr_by_float`]): the current value
/// (absent = 0) plus the increment in extended precision, formatted as Redis does.
/// Errors: `ERR value is not a valid float` (either operand), `ERR increment would produce
/// NaN or Infinity`.
pub fn incr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>> {
    let cur = match current {
        Some(c) => parse(c).ok_or_else(Error::not_float)?,
        None => LongDouble::ZERO,
    };
    let inc = parse(incr).ok_or_else(Error::not_float)?;
    match cur.checked_add(inc) {
        Some(v) if !v.is_inf() => Ok(v.to_human().into_bytes()),
        _ => Err(crate::util::float::nan_or_inf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> String {
        parse(s.as_bytes()).expect("valid").to_human()
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(h("10.5"), "10.5");
        assert_eq!(h("5.0e3"), "5000");
        assert_eq!(h("0x1p3"), "8");
        assert_eq!(h("0x1.8p1"), "3");
        assert_eq!(h("-0"), "0");
        assert_eq!(h("0.000003814697265625"), "0.00000381469726562");
        assert_eq!(h("18446744073709551617"), "18446744073709551616");
        assert_eq!(h("18446744073709551619"), "18446744073709551620");
        assert!(parse(b"1e5000").is_none());
        assert!(parse(b"1e-5000").is_none());
        assert!(parse(b"0e5000").is_some());
        assert!(parse(b"1e-4940").is_some());
        assert!(parse(b"nan").is_none());
        assert!(parse(b" 1").is_none());
        assert!(parse(b"1e").is_none());
        assert!(parse(b".").is_none());
        assert!(parse(b"0x").is_none());
        assert_eq!(parse(b"-inf"), Some(LongDouble::Inf { neg: true }));
    }

    #[test]
    fn extremes() {
        // Largest finite: (2^64-1) * 2^16320.
        let max = LongDouble::Finite {
            neg: false,
            mant: u64::MAX,
            exp: EXP_MAX as i32,
        };
        assert_eq!(parse(max.to_human().as_bytes()), Some(max));
        let min_sub = LongDouble::Finite {
            neg: false,
            mant: 1,
            exp: EXP_MIN as i32,
        };
        assert_eq!(parse(b"3.6451995318824746025e-4951"), Some(min_sub));
        assert_eq!(
            min_sub.checked_add(min_sub).map(|v| v.to_human()),
            Some("0".into())
        );
        assert_eq!(max.checked_add(max), Some(LongDouble::Inf { neg: false }));
    }
}

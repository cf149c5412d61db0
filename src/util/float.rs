//! Float formatting exactly as Redis 7.0 prints it.
//!
//! * Scores and RESP doubles: `%.17g` ([`fmt_g17`]), `inf` / `-inf`.
//! * INCRBYFLOAT / HINCRBYFLOAT: Redis computes in C `long double` (x87 80-bit extended on
//!   x86-64) and prints `%.17Lf` with trailing zeros trimmed ([`incr_by_float`]).

use crate::error::{Error, Result};

/// `printf("%.17g", v)` as glibc prints it, with Redis's spelling of infinities.
pub fn fmt_g17(v: f64) -> String {
    fmt_g(v, 17)
}

/// `printf("%.<prec>g", v)`.
pub fn fmt_g(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return "nan".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let prec = prec.max(1);
    // Scientific form with prec significant digits gives the decimal exponent after rounding.
    let sci = format!("{:.*e}", prec - 1, v);
    let (mant, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    if exp < -4 || exp >= prec as i32 {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, v)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// INCRBYFLOAT's arithmetic: parses the current value and the increment, adds them in
/// x87 extended precision and formats the result as Redis does. Errors:
/// `ERR value is not a valid float` and `ERR increment would produce NaN or Infinity`.
pub fn incr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>> {
    crate::util::longdouble::incr_by_float(current, incr)
}

/// `ERR increment would produce NaN or Infinity`.
pub fn nan_or_inf() -> Error {
    Error::err("increment would produce NaN or Infinity")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g17() {
        assert_eq!(fmt_g17(1.0), "1");
        assert_eq!(fmt_g17(1.5), "1.5");
        assert_eq!(fmt_g17(1.1), "1.1000000000000001");
        assert_eq!(fmt_g17(0.1), "0.10000000000000001");
        assert_eq!(fmt_g17(1e20), "1e+20");
        assert_eq!(fmt_g17(1e16), "10000000000000000");
        assert_eq!(fmt_g17(1e17), "1e+17");
        assert_eq!(fmt_g17(0.0001), "0.0001");
        assert_eq!(fmt_g17(0.00001), "1.0000000000000001e-05");
        assert_eq!(fmt_g17(-2.5), "-2.5");
        assert_eq!(fmt_g17(f64::INFINITY), "inf");
        assert_eq!(fmt_g17(f64::NEG_INFINITY), "-inf");
        assert_eq!(fmt_g17(3000.0), "3000");
    }
}

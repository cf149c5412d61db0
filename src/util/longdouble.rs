//! x87 80-bit extended precision ("long double") emulation for INCRBYFLOAT/HINCRBYFLOAT.
//!
//! PLACEHOLDER: computes in f64. To be replaced by an exact emulation.

use crate::error::{Error, Result};

/// See [`crate::util::float::incr_by_float`].
pub fn incr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>> {
    let cur = match current {
        Some(c) => crate::util::parse_f64(c).ok_or_else(Error::not_float)?,
        None => 0.0,
    };
    let inc = crate::util::parse_f64(incr).ok_or_else(Error::not_float)?;
    let v = cur + inc;
    if !v.is_finite() {
        return Err(crate::util::float::nan_or_inf());
    }
    let s = format!("{v:.17}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    Ok(s.as_bytes().to_vec())
}

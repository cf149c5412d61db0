//! The SCAN family's shared argument parsing (on [`Args`]) and cursor loop (Redis `scanGenericCommand`).

use crate::error::{Error, Result};
use crate::util::args::Args;
use crate::util::glob;
use crate::util::Dict;

/// Parsed `cursor [MATCH pattern] [COUNT count] [TYPE type]`.
#[derive(Debug, Clone, Default)]
pub struct ScanArgs {
    /// Cursor to resume from.
    pub cursor: u64,
    /// MATCH pattern.
    pub pattern: Option<Vec<u8>>,
    /// COUNT hint (default 10).
    pub count: usize,
    /// TYPE filter (SCAN only), lowercased.
    pub type_filter: Option<Vec<u8>>,
}

/// Parses a cursor as Redis 7.0 does (`parseScanCursorOrReply`, i.e. C `strtoul`): no
/// leading space, optional sign (a negative value wraps), the whole argument consumed, no
/// overflow; the empty string reads as 0.
pub fn parse_cursor(a: &[u8]) -> Result<u64> {
    let invalid = || Error::err("invalid cursor");
    if a.is_empty() {
        return Ok(0);
    }
    let (neg, digits) = match a[0] {
        b'-' => (true, &a[1..]),
        b'+' => (false, &a[1..]),
        _ => (false, a),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u64))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// Parses the options after the cursor. `allow_type` is true only for SCAN.
pub fn parse(cursor: &[u8], opts: &[&[u8]], allow_type: bool) -> Result<ScanArgs> {
    let mut out = ScanArgs {
        cursor: parse_cursor(cursor)?,
        count: 10,
        ..Default::default()
    };
    let mut args = Args::new(opts, 0);
    while !args.is_empty() {
        if args.eat_with("count", 1) {
            let n = args.i64()?;
            if n < 1 {
                return Err(Error::syntax());
            }
            out.count = n as usize;
        } else if args.eat_with("match", 1) {
            let p = args.value()?;
            // "*" matches everything: skip the matcher like Redis does.
            out.pattern = if p == b"*" { None } else { Some(p.to_vec()) };
        } else if allow_type && args.eat_with("type", 1) {
            out.type_filter = Some(args.value()?.to_ascii_lowercase());
        } else {
            return Err(Error::syntax());
        }
    }
    Ok(out)
}

/// Runs one SCAN step over `dict`: visits buckets from `args.cursor` until `count` elements
/// were visited or `count * 10` buckets were looked at (Redis's `maxiterations`), and calls
/// `emit(key, value)` for each visited element that passes MATCH. Returns the next cursor.
pub fn scan_dict<V>(dict: &Dict<V>, args: &ScanArgs, mut emit: impl FnMut(&[u8], &V)) -> u64 {
    let mut cursor = args.cursor;
    let mut budget = args.count.saturating_mul(10).max(1);
    let mut visited = 0usize;
    loop {
        cursor = dict.scan_step(cursor, |k, v| {
            visited += 1;
            if args.pattern.as_ref().is_none_or(|p| glob::matches(p, k)) {
                emit(k, v);
            }
        });
        budget -= 1;
        if cursor == 0 || budget == 0 || visited >= args.count {
            break;
        }
    }
    cursor
}

#[cfg(test)]
mod tests {
    use super::parse_cursor;

    #[test]
    fn cursor_like_strtoul() {
        assert_eq!(parse_cursor(b"0").unwrap(), 0);
        assert_eq!(parse_cursor(b"").unwrap(), 0);
        assert_eq!(parse_cursor(b"+5").unwrap(), 5);
        assert_eq!(parse_cursor(b"-1").unwrap(), u64::MAX);
        assert_eq!(parse_cursor(b"18446744073709551615").unwrap(), u64::MAX);
        for bad in [
            &b"18446744073709551616"[..],
            b" 1",
            b"1 ",
            b"x",
            b"+",
            b"1.5",
        ] {
            assert_eq!(
                parse_cursor(bad).unwrap_err().message(),
                "ERR invalid cursor"
            );
        }
    }
}

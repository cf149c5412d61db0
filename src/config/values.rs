//! Parsing and formatting of parameter values, with Redis 7.0's rules and reason texts
//! (`config.c`'s `numericParseString`, `memtoull`, `setConfigSaveOption`,
//! `updateClientOutputBufferLimit`, `keyspaceEventsStringToFlags`).

use super::{notify, ObufLimit, ObufLimits, Reason, SavePoint};
use crate::util::{eq_ic, parse_i64};

pub(super) fn parse_bool(v: &[u8]) -> Result<bool, Reason> {
    if eq_ic(v, "yes") {
        Ok(true)
    } else if eq_ic(v, "no") {
        Ok(false)
    } else {
        Err("argument must be 'yes' or 'no'".into())
    }
}

/// A number as Redis's numeric configs read it: `string2ll`, or with `mem` `memtoull`. The
/// bits are returned unsigned; signed kinds reinterpret them (so a huge memory value is
/// negative for them and fails their bounds, as in Redis).
pub(super) fn parse_number(v: &[u8], mem: bool) -> Result<u64, Reason> {
    if mem {
        memtoull(v).ok_or_else(|| "argument must be a memory value".into())
    } else {
        parse_i64(v)
            .map(|n| n as u64)
            .ok_or_else(|| "argument couldn't be parsed into an integer".into())
    }
}

/// A `PERCENT_CONFIG | MEMORY_CONFIG` value (Redis `numericParseString`): a memory amount,
/// or `N%` stored as `-N`, at most 100 %.
pub(super) fn parse_mem_or_percent(v: &[u8]) -> Result<i64, Reason> {
    if let Some(n) = memtoull(v) {
        return i64::try_from(n).map_err(|_| out_of_range(-100, i64::MAX));
    }
    match v.split_last() {
        Some((b'%', digits)) if !digits.is_empty() => match parse_i64(digits) {
            Some(p) if p > 100 => Err("percentage argument must be less or equal to 100".into()),
            Some(p) if p >= 0 => Ok(-p),
            _ => Err("argument must be a memory or percent value".into()),
        },
        _ => Err("argument must be a memory or percent value".into()),
    }
}

pub(super) fn out_of_range(lo: impl std::fmt::Display, hi: impl std::fmt::Display) -> Reason {
    format!("argument must be between {lo} and {hi} inclusive").into()
}

/// `oom-score-adj-values` (Redis `setConfigOOMScoreAdjValuesOption`): exactly three
/// arguments ([`split_args`]), each a whole `strtoll` number in -2000..=2000.
pub(super) fn parse_oom_values(v: &[u8]) -> Result<[i32; 3], Reason> {
    let parts = split_args(v);
    if parts.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = strtoll_whole(part)
            .filter(|n| (-2000..=2000).contains(n))
            .ok_or("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")?
            as i32;
    }
    Ok(out)
}

pub(super) fn parse_enum(names: &[&str], v: &[u8]) -> Result<usize, Reason> {
    names.iter().position(|w| eq_ic(v, w)).ok_or_else(|| {
        format!(
            "argument(s) must be one of the following: {}",
            names.join(", ")
        )
        .into()
    })
}

/// Redis `memtoull`: digits with an optional unit `b`, `k`, `kb`, `m`, `mb`, `g`, `gb`
/// (case-insensitive). As in Redis, no digits reads as 0, too many digits saturate and the
/// unit multiplication wraps. None on a sign, a space or an unknown unit.
pub fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let split = s
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let mul: u64 = match unit.to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.len() >= 128 {
        return None;
    }
    let val = digits.iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some(val.wrapping_mul(mul))
}

/// C `strtoll(s, &end, 10)` followed by Redis's `*end == '\0'` check: leading white space
/// and a sign allowed, out-of-range values clamped, and an empty string reads as 0.
fn strtoll_whole(s: &[u8]) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    let mut i = s
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let neg = match s[i] {
        b'-' => {
            i += 1;
            true
        }
        b'+' => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &s[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mag = digits.iter().fold(0u128, |acc, &d| {
        (acc * 10 + u128::from(d - b'0')).min(1 << 64)
    });
    Some(if neg {
        (-(mag as i128)).max(i64::MIN as i128) as i64
    } else {
        mag.min(i64::MAX as u128) as i64
    })
}

/// Splits a multi-argument value on single spaces, as Redis's `sdssplitlen(value, " ")`
/// does for CONFIG SET (so doubled or trailing spaces give empty arguments); an empty value
/// has no arguments.
fn split_args(v: &[u8]) -> Vec<&[u8]> {
    if v.is_empty() {
        Vec::new()
    } else {
        v.split(|&c| c == b' ').collect()
    }
}

pub(super) fn parse_save(v: &[u8]) -> Result<Vec<SavePoint>, Reason> {
    let invalid = || Reason::from("Invalid save parameters");
    let args = split_args(v);
    if args.len() % 2 != 0 {
        return Err(invalid());
    }
    args.chunks(2)
        .map(|pair| {
            let seconds = strtoll_whole(pair[0])
                .filter(|&s| s >= 1)
                .ok_or_else(invalid)?;
            let changes = strtoll_whole(pair[1])
                .filter(|&c| c >= 0)
                .ok_or_else(invalid)?;
            Ok(SavePoint {
                seconds,
                // A C int in Redis: wider values wrap.
                changes: changes as i32,
            })
        })
        .collect()
}

pub(super) fn format_save(points: &[SavePoint]) -> String {
    points
        .iter()
        .map(|p| format!("{} {}", p.seconds, p.changes))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses `<class> <hard> <soft> <seconds>` groups into `limits`: all groups are checked
/// before any is applied.
pub(super) fn parse_obuf(v: &[u8], limits: &mut ObufLimits) -> Result<(), Reason> {
    let args = split_args(v);
    if args.len() % 4 != 0 {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut next = *limits;
    for g in args.chunks(4) {
        let class = if eq_ic(g[0], "normal") {
            &mut next.normal
        } else if eq_ic(g[0], "slave") || eq_ic(g[0], "replica") {
            &mut next.replica
        } else if eq_ic(g[0], "pubsub") {
            &mut next.pubsub
        } else {
            return Err("Invalid client class specified in buffer limit configuration.".into());
        };
        // `soft_seconds` is a C int in Redis: wider values wrap before the sign check.
        let secs = strtoll_whole(g[3]).map(|s| s as i32);
        match (memtoull(g[1]), memtoull(g[2]), secs) {
            (Some(hard), Some(soft), Some(secs)) if secs >= 0 => {
                *class = ObufLimit {
                    hard,
                    soft,
                    soft_secs: secs as u64,
                }
            }
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                )
            }
        }
    }
    *limits = next;
    Ok(())
}

pub(super) fn format_obuf(l: &ObufLimits) -> String {
    [
        ("normal", l.normal),
        ("slave", l.replica),
        ("pubsub", l.pubsub),
    ]
    .iter()
    .map(|(name, c)| format!("{name} {} {} {}", c.hard, c.soft, c.soft_secs))
    .collect::<Vec<_>>()
    .join(" ")
}

pub(super) fn parse_notify(v: &[u8]) -> Result<u32, Reason> {
    notify_flags_from_str(v)
        .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into())
}

/// Every class `A` stands for.
const ALL: u32 = notify::GENERIC
    | notify::STRING
    | notify::LIST
    | notify::SET
    | notify::HASH
    | notify::ZSET
    | notify::EXPIRED
    | notify::EVICTED
    | notify::STREAM
    | notify::MODULE;

/// Redis `keyspaceEventsStringToFlags`: None on an unknown letter.
pub fn notify_flags_from_str(s: &[u8]) -> Option<u32> {
    let mut f = 0;
    for &c in s {
        f |= match c {
            b'A' => ALL,
            b'g' => notify::GENERIC,
            b'$' => notify::STRING,
            b'l' => notify::LIST,
            b's' => notify::SET,
            b'h' => notify::HASH,
            b'z' => notify::ZSET,
            b'x' => notify::EXPIRED,
            b'e' => notify::EVICTED,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            b't' => notify::STREAM,
            b'm' => notify::KEY_MISS,
            b'd' => notify::MODULE,
            b'n' => notify::NEW,
            _ => return None,
        };
    }
    Some(f)
}

/// Redis `keyspaceEventsFlagsToString`.
pub fn notify_flags_to_string(f: u32) -> String {
    let mut s = String::new();
    if f & ALL == ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (notify::GENERIC, 'g'),
            (notify::STRING, '$'),
            (notify::LIST, 'l'),
            (notify::SET, 's'),
            (notify::HASH, 'h'),
            (notify::ZSET, 'z'),
            (notify::EXPIRED, 'x'),
            (notify::EVICTED, 'e'),
            (notify::STREAM, 't'),
            (notify::MODULE, 'd'),
        ] {
            if f & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (notify::KEYSPACE, 'K'),
        (notify::KEYEVENT, 'E'),
        (notify::KEY_MISS, 'm'),
        (notify::NEW, 'n'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// `latency-tracking-info-percentiles` (Redis `setConfigLatencyTrackingInfoPercentilesOutputOption`):
/// numbers (`strtod`, whole argument) within 0..=100, space-separated; empty is allowed.
pub(super) fn parse_percentiles(v: &[u8]) -> Result<Vec<f64>, Reason> {
    split_args(v)
        .into_iter()
        .map(|a| {
            let p = std::str::from_utf8(a)
                .ok()
                .filter(|t| !t.is_empty() && !t.starts_with(char::is_whitespace))
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|p| !p.is_nan())
                .ok_or(Reason::from(
                    "Invalid latency-tracking-info-percentiles parameters",
                ))?;
            if !(0.0..=100.0).contains(&p) {
                return Err(Reason::from(
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
                ));
            }
            Ok(p)
        })
        .collect()
}

/// A percentile as Redis prints it (`%f` with the trailing zeros and point trimmed).
pub fn format_percentile(p: f64) -> String {
    let s = format!("{p:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(super) fn format_percentiles(ps: &[f64]) -> String {
    ps.iter()
        .map(|&p| format_percentile(p))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoll_like_c() {
        assert_eq!(strtoll_whole(b""), Some(0));
        assert_eq!(strtoll_whole(b"+7"), Some(7));
        assert_eq!(strtoll_whole(b"-0"), Some(0));
        assert_eq!(strtoll_whole(b"\t5"), Some(5));
        assert_eq!(strtoll_whole(b"5 "), None);
        assert_eq!(strtoll_whole(b"+"), None);
        assert_eq!(strtoll_whole(b"\t"), None);
        assert_eq!(strtoll_whole(b"99999999999999999999"), Some(i64::MAX));
        assert_eq!(strtoll_whole(b"-99999999999999999999"), Some(i64::MIN));
    }

    #[test]
    fn memtoull_like_redis() {
        assert_eq!(memtoull(b"10mb"), Some(10 * 1024 * 1024));
        assert_eq!(memtoull(b"1GB"), Some(1 << 30));
        assert_eq!(memtoull(b"5k"), Some(5000));
        assert_eq!(memtoull(b"7B"), Some(7));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"kb"), Some(0));
        assert_eq!(memtoull(b"99999999999999999999"), Some(u64::MAX));
        assert_eq!(
            memtoull(b"99999999999999999gb"),
            Some(99999999999999999u64.wrapping_mul(1 << 30))
        );
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"+1"), None);
        assert_eq!(memtoull(b" 1"), None);
        assert_eq!(memtoull(b"1.5gb"), None);
        assert_eq!(memtoull(b"abc"), None);
    }

    #[test]
    fn notify_round_trip() {
        assert_eq!(
            notify_flags_to_string(notify_flags_from_str(b"KEA").unwrap()),
            "AKE"
        );
        assert_eq!(
            notify_flags_to_string(notify_flags_from_str(b"Elg").unwrap()),
            "glE"
        );
        assert_eq!(notify_flags_from_str(b"Q"), None);
        assert_eq!(notify_flags_from_str(b""), Some(0));
    }
}

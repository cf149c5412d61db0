//! Connection and server commands: PING ECHO TIME LASTSAVE DEBUG, AUTH HELLO QUIT RESET
//! CLIENT ([`connection`]), COMMAND ([`command`]), INFO ([`info`]), CONFIG ([`config`]),
//! SHUTDOWN ROLE WAIT LOLWUT ([`lifecycle`]), SENTINEL ([`sentinel`]), SLOWLOG
//! ([`slowlog`]), MONITOR ([`monitor`]), LATENCY ([`latency`]), MEMORY ([`memory`]).
//!
//! They are ordinary entries of the one command table. Connection commands act on the
//! caller's [`crate::engine::Session`] (protocol, name, auth, close-after-reply); the ones
//! that need the whole server (CLIENT LIST/KILL, INFO clients/stats) reach it through the
//! session's [`Link`], which only network connections have.

pub mod command;
pub mod config;
pub mod connection;
pub mod info;
pub mod latency;
pub mod lifecycle;
pub mod memory;
pub mod monitor;
pub mod sentinel;
pub mod slowlog;
mod state;

pub use state::{unix_ms, ClientEntry, ClientInfo, Link, ServerState, ShutdownHook, Stats};

use std::sync::OnceLock;

use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// The Redis version emu reports (HELLO, INFO).
pub const REDIS_VERSION: &str = "7.0.15";

/// # Format
/// `PING [message]`
fn ping(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.resp() == 2 && argv.len() <= 2 && crate::pubsub::subscribed(ctx.session) {
        // Subscribed RESP2 clients get ["pong", message] (Redis pingCommand).
        let msg: &[u8] = argv.get(1).copied().unwrap_or(b"");
        return Ok(Value::Array(vec![Value::bulk("pong"), Value::bulk(msg)]));
    }
    match argv.len() {
        1 => Ok(Value::Simple("PONG".into())),
        2 => Ok(Value::bulk(argv[1])),
        _ => Err(Error::arity("ping")),
    }
}

/// # Format
/// `ECHO message`
fn echo(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::bulk(argv[1]))
}

/// # Format
/// `TIME`
fn time(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let us = ctx.store.clock.now_us();
    Ok(Value::Array(vec![
        Value::bulk((us / 1_000_000).to_string()),
        Value::bulk((us % 1_000_000).to_string()),
    ]))
}

/// Unix ms of the process's first use of the engine (LASTSAVE of an embedded store that was
/// never saved).
fn process_start_ms() -> u64 {
    static START: OnceLock<u64> = OnceLock::new();
    *START.get_or_init(unix_ms)
}

/// Unix seconds of the last successful save: of the data directory's last snapshot when
/// the store is persistent; on a server without a data directory, of its last SAVE/BGSAVE
/// ([`note_memory_save`]); else — as Redis does before its first save — the start time.
pub fn last_save_secs(ctx: &Ctx) -> u64 {
    if let Some(t) = ctx.store.durability().map(|d| d.last_save()) {
        return t;
    }
    match &ctx.session.link {
        Some(l) => match l
            .server
            .memory_last_save
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            0 => l.server.started_unix_ms / 1000,
            t => t,
        },
        None => process_start_ms() / 1000,
    }
}

/// A SAVE or BGSAVE of a store without a data directory succeeded (there is nothing to
/// write): as after Redis's save to its dump file, LASTSAVE and INFO's
/// `rdb_last_save_time` advance to now and `rdb_changes_since_last_save` restarts at 0, so
/// clients that wait for LASTSAVE to change after BGSAVE do not hang. Over a network server
/// only: an embedded memory-only store keeps its start time (no server to hold it).
///
/// Called by the persistence commands (`crate::persist::commands`) on their memory-only
/// path.
pub fn note_memory_save(ctx: &mut Ctx) {
    if let Some(l) = &ctx.session.link {
        l.server
            .memory_last_save
            .store(unix_ms() / 1000, std::sync::atomic::Ordering::Relaxed);
        ctx.store.dirty = 0;
    }
}

/// # Format
/// `LASTSAVE`
fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(last_save_secs(ctx) as i64))
}

/// C `strtod(s, NULL)` (C locale): leading white space, a sign, then the longest prefix
/// that is a decimal float, a hexadecimal float (`0x1.8p3`), `inf`/`infinity` or `nan`;
/// 0 when there is none. DEBUG SLEEP parses its argument this way.
fn strtod(a: &[u8]) -> f64 {
    let mut i = a
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let neg = match a.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = &a[i..];
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    let v = if starts(b"inf") {
        f64::INFINITY
    } else if starts(b"nan") {
        f64::NAN
    } else if (starts(b"0x") || starts(b"0X"))
        && rest.get(2).is_some_and(|b| {
            b.is_ascii_hexdigit() || (*b == b'.' && rest.get(3).is_some_and(u8::is_ascii_hexdigit))
        })
    {
        hex_float(&rest[2..])
    } else {
        let digits = |from: usize| {
            rest[from.min(rest.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let int = digits(0);
        let mut end = int;
        let mut frac = 0;
        if rest.get(end) == Some(&b'.') {
            frac = digits(end + 1);
            if int + frac > 0 {
                end += 1 + frac;
            }
        }
        if int + frac == 0 {
            return 0.0;
        }
        if matches!(rest.get(end), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(rest.get(end + 1), Some(b'+' | b'-')));
            let exp = digits(end + 1 + sign);
            if exp > 0 {
                end += 1 + sign + exp;
            }
        }
        std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    if neg {
        -v
    } else {
        v
    }
}

/// The value of a hexadecimal float's digits after `0x` (`1.8p3`): close enough for a
/// sleep duration (digits beyond f64 precision are rounded by the accumulation).
fn hex_float(h: &[u8]) -> f64 {
    let mut v = 0.0f64;
    let mut scale = 0i32;
    let mut i = 0;
    while let Some(d) = h.get(i).and_then(|b| (*b as char).to_digit(16)) {
        v = v * 16.0 + f64::from(d);
        i += 1;
    }
    if h.get(i) == Some(&b'.') {
        i += 1;
        while let Some(d) = h.get(i).and_then(|b| (*b as char).to_digit(16)) {
            v = v * 16.0 + f64::from(d);
            scale -= 4;
            i += 1;
        }
    }
    if matches!(h.get(i), Some(b'p' | b'P')) {
        let mut j = i + 1;
        let neg = match h.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let mut e: i32 = 0;
        let mut any = false;
        while let Some(d) = h.get(j).filter(|b| b.is_ascii_digit()) {
            e = e.saturating_mul(10).saturating_add(i32::from(d - b'0'));
            any = true;
            j += 1;
        }
        if any {
            scale = scale.saturating_add(if neg { -e } else { e });
        }
    }
    v * 2f64.powi(scale)
}

/// How long DEBUG SLEEP sleeps, as Redis's `debugCommand` computes it: `long long utime =
/// strtod(arg) * 1000000`, then `nanosleep`. The conversion of a NaN or out-of-range double
/// gives LLONG_MIN on x86-64, and nanosleep refuses a negative time at once, so `1e20`,
/// `9223372036854775807`, `inf`, `nan` and negative values return at once, as in Redis.
fn debug_sleep_duration(arg: &[u8]) -> Option<std::time::Duration> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let us = strtod(arg) * 1_000_000.0;
    let utime = if us.is_nan() || !(-TWO_63..TWO_63).contains(&us) {
        i64::MIN
    } else {
        us as i64
    };
    (utime > 0).then(|| std::time::Duration::from_micros(utime as u64))
}

/// # Format
/// `DEBUG SLEEP seconds | DEBUG SET-ACTIVE-EXPIRE 0|1 | DEBUG HELP`
///
/// DEBUG SLEEP blocks the whole server for the duration, as in Redis (it holds the store),
/// but ends early when a shutdown is requested (`util::shutdown`). Network clients may run
/// DEBUG only as `enable-debug-command` allows (checked by the dispatcher).
fn debug(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let sub = argv[1];
    let is = |n: &str| sub.eq_ignore_ascii_case(n.as_bytes());
    if is("help") && argv.len() == 2 {
        return Ok(help_reply(
            "debug",
            &[
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Accepted for compatibility; active expiry always runs.",
                "RELOAD",
                "    Save the RDB on disk and reload it back to memory.",
            ],
        ));
    }
    if is("reload") && argv.len() == 2 {
        return (ctx.store.services().reload)(ctx.store).map(|()| Value::ok());
    }
    if is("sleep") && argv.len() == 3 {
        if let Some(d) = debug_sleep_duration(argv[2]) {
            crate::util::shutdown::sleep_unless_requested(d);
        }
        return Ok(Value::ok());
    }
    if is("set-active-expire") && argv.len() == 3 {
        return Ok(Value::ok());
    }
    Err(Error::new(
        ErrorKind::UnknownCommand,
        crate::engine::sanitize(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(sub)
        )),
    ))
}

/// Connection and server commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, FAST | STALE, (0, 0, 0), "connection", ping),
    CommandSpec::new("echo", 2, FAST | STALE, (0, 0, 0), "connection", echo),
    CommandSpec::new(
        "time",
        1,
        FAST | LOADING | STALE | RANDOM,
        (0, 0, 0),
        "server",
        time,
    ),
    CommandSpec::new(
        "lastsave",
        1,
        FAST | LOADING | STALE | RANDOM,
        (0, 0, 0),
        "server",
        lastsave,
    ),
    CommandSpec::new(
        "command",
        -1,
        LOADING | STALE,
        (0, 0, 0),
        "server",
        command::command,
    ),
    CommandSpec::new("info", -1, LOADING | STALE, (0, 0, 0), "server", info::info),
    CommandSpec::new(
        "config",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        config::config,
    ),
    CommandSpec::new(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        debug,
    ),
    CommandSpec::new(
        "latency",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        latency::latency,
    ),
    CommandSpec::new("memory", -2, 0, (0, 0, 0), "server", memory::memory),
    CommandSpec::new(
        "monitor",
        1,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        monitor::monitor,
    ),
    CommandSpec::new(
        "slowlog",
        -2,
        ADMIN | LOADING | STALE,
        (0, 0, 0),
        "server",
        slowlog::slowlog,
    ),
    CommandSpec::new(
        "auth",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION,
        (0, 0, 0),
        "connection",
        connection::auth,
    ),
    CommandSpec::new(
        "hello",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION,
        (0, 0, 0),
        "connection",
        connection::hello,
    ),
    CommandSpec::new(
        "quit",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION,
        (0, 0, 0),
        "connection",
        connection::quit,
    ),
    CommandSpec::new(
        "reset",
        1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION,
        (0, 0, 0),
        "connection",
        connection::reset,
    ),
    CommandSpec::new(
        "client",
        -2,
        NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "connection",
        connection::client,
    ),
];

#[cfg(test)]
mod tests {
    use super::{debug_sleep_duration, strtod};
    use std::time::Duration;

    #[test]
    fn strtod_like_c() {
        assert_eq!(strtod(b"1.5"), 1.5);
        assert_eq!(strtod(b"0.5"), 0.5);
        assert_eq!(strtod(b"2x"), 2.0);
        assert_eq!(strtod(b""), 0.0);
        assert_eq!(strtod(b"  -2e3xyz"), -2000.0);
        assert_eq!(strtod(b"1e"), 1.0);
        assert_eq!(strtod(b".5"), 0.5);
        assert_eq!(strtod(b"5."), 5.0);
        assert_eq!(strtod(b"."), 0.0);
        assert_eq!(strtod(b"abc"), 0.0);
        assert_eq!(strtod(b"0x10"), 16.0);
        assert_eq!(strtod(b"0x1.8p1"), 3.0);
        assert_eq!(strtod(b"0xg"), 0.0);
        assert_eq!(strtod(b"Infinity"), f64::INFINITY);
        assert!(strtod(b"nan").is_nan());
    }

    #[test]
    fn debug_sleep_values_as_redis() {
        let d = |s: &str| debug_sleep_duration(s.as_bytes());
        assert_eq!(d("0.2"), Some(Duration::from_millis(200)));
        assert_eq!(d("0"), None);
        assert_eq!(d("abc"), None);
        assert_eq!(d("-1"), None);
        // Overflowing `long long` gives LLONG_MIN: Redis returns at once.
        for s in ["1e20", "9223372036854775807", "inf", "nan", "-inf", "1e300"] {
            assert_eq!(d(s), None, "{s}");
        }
        // Just below the overflow it really sleeps (for ~292,000 years).
        assert!(d("9223372036854").is_some());
    }
}

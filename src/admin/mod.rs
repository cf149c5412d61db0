//! Connection and server commands: PING ECHO TIME LASTSAVE DEBUG, AUTH HELLO QUIT RESET
//! CLIENT ([`connection`]), COMMAND ([`command`]), INFO ([`info`]), CONFIG ([`config`]).
//!
//! They are ordinary entries of the one command table. Connection commands act on the
//! caller's [`crate::engine::Session`] (protocol, name, auth, close-after-reply); the ones
//! that need the whole server (CLIENT LIST/KILL, INFO clients/stats) reach it through the
//! session's [`Link`], which only network connections have.

pub mod command;
pub mod config;
pub mod connection;
pub mod info;
pub mod sentinel;
mod state;

pub use state::{unix_ms, ClientEntry, ClientInfo, Link, ServerState, Stats};

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
/// the store is persistent, else — as Redis does before its first save — the start time.
pub fn last_save_secs(ctx: &Ctx) -> u64 {
    if let Some(t) = ctx.store.durability().map(|d| d.last_save()) {
        return t;
    }
    match &ctx.session.link {
        Some(l) => l.server.started_unix_ms / 1000,
        None => process_start_ms() / 1000,
    }
}

/// # Format
/// `LASTSAVE`
fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(last_save_secs(ctx) as i64))
}

/// C `strtod` on the longest valid prefix, 0 when none (DEBUG SLEEP parses this way).
fn strtod_prefix(a: &[u8]) -> f64 {
    let a = &a[..a.len().min(64)];
    let s = String::from_utf8_lossy(a);
    let s = s.trim_start();
    let mut best = 0.0;
    for end in (1..=s.len()).rev() {
        if !s.is_char_boundary(end) {
            continue;
        }
        if let Ok(v) = s[..end].parse::<f64>() {
            best = v;
            break;
        }
    }
    best
}

/// # Format
/// `DEBUG SLEEP seconds | DEBUG SET-ACTIVE-EXPIRE 0|1 | DEBUG HELP`
///
/// DEBUG SLEEP blocks the whole server for the duration, as in Redis (it holds the store).
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
        let secs = strtod_prefix(argv[2]);
        if secs.is_finite() && secs > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(1e9)));
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
    use super::*;

    #[test]
    fn strtod_prefix_like_c() {
        assert_eq!(strtod_prefix(b"0.5"), 0.5);
        assert_eq!(strtod_prefix(b"abc"), 0.0);
        assert_eq!(strtod_prefix(b"2x"), 2.0);
        assert_eq!(strtod_prefix(b""), 0.0);
    }
}

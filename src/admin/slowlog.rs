//! SLOWLOG GET / LEN / RESET / HELP over the slow log the dispatcher keeps
//! ([`crate::engine::observe`]): commands that ran at least `slowlog-log-slower-than` µs
//! (−1: none, 0: all), the newest `slowlog-max-len` of them.
//!
//! Each entry is Redis 7.0's six fields: id, Unix time, duration in µs, the arguments
//! (at most 32, the last then `... (N more arguments)`; each cut at 128 bytes with
//! `... (N more bytes)`; AUTH / HELLO AUTH / ACL SETUSER / MIGRATE AUTH / CONFIG SET
//! requirepass arguments shown as `(redacted)`), the client's address and name. EXEC is
//! not logged (its commands are), a script's commands are, with the address `?:0` and no
//! name, as in Redis.

use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::value::Value;

/// # Format
/// `SLOWLOG GET [count]` — newest first; `count` −1 is all, default 10.
fn slowlog_get(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 3 {
        return Err(subcommand_syntax_error("SLOWLOG", argv[1]));
    }
    let count = match argv.get(2) {
        None => 10,
        Some(a) => match crate::util::parse_i64(a) {
            Some(n) if n >= -1 => n,
            _ => return Err(Error::err("count should be greater than or equal to -1")),
        },
    };
    let log = &ctx.store.observer.slowlog;
    let n = if count == -1 {
        log.len()
    } else {
        (count as usize).min(log.len())
    };
    Ok(Value::Array(
        log.iter()
            .take(n)
            .map(|e| {
                Value::Array(vec![
                    Value::Int(e.id as i64),
                    Value::Int(e.time as i64),
                    Value::Int(e.duration as i64),
                    Value::Array(e.args.iter().map(|a| Value::bulk(a.clone())).collect()),
                    Value::bulk(e.addr.clone()),
                    Value::bulk(e.name.clone()),
                ])
            })
            .collect(),
    ))
}

/// Redis's `addReplySubcommandSyntaxError`: a known subcommand with arguments its handler
/// does not accept (the subcommand as the client spelled it).
pub fn subcommand_syntax_error(container: &str, sub: &[u8]) -> Error {
    let shown: String = String::from_utf8_lossy(sub).chars().take(128).collect();
    Error::err(crate::engine::sanitize(&format!(
        "unknown subcommand or wrong number of arguments for '{shown}'. Try {container} HELP."
    )))
}

/// # Format
/// `SLOWLOG LEN`
fn slowlog_len(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(ctx.store.observer.slowlog.len() as i64))
}

/// # Format
/// `SLOWLOG RESET` — empties the log (ids keep counting, as in Redis).
fn slowlog_reset(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    ctx.store.observer.slowlog.clear();
    Ok(Value::ok())
}

fn slowlog_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "slowlog",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    ))
}

const SUBS: &[Sub] = &[
    Sub {
        name: "get",
        arity: -2,
        handler: slowlog_get,
    },
    Sub {
        name: "len",
        arity: 2,
        handler: slowlog_len,
    },
    Sub {
        name: "reset",
        arity: 2,
        handler: slowlog_reset,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: slowlog_help,
    },
];

/// # Format
/// `SLOWLOG GET [count] | LEN | RESET | HELP`
pub fn slowlog(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("slowlog", SUBS, ctx, argv)
}

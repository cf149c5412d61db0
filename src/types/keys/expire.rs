//! Expiry commands (Redis `expire.c`): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL,
//! EXPIRETIME, PEXPIRETIME, PERSIST.

use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::keyspace::notify;
use crate::util::arg_i64;
use crate::util::args::Args;
use crate::value::Value;

const NX: u8 = 1;
const XX: u8 = 2;
const GT: u8 = 4;
const LT: u8 = 8;

/// Redis `parseExtendedExpireArgumentsOrReply`: the options after the time argument.
fn parse_flags(opts: &[&[u8]]) -> Result<u8> {
    let mut flags = 0;
    let mut args = Args::new(opts, 0);
    while let Some(opt) = args.peek() {
        if let Some(f) = args.eat_one_of(&[("nx", NX), ("xx", XX), ("gt", GT), ("lt", LT)]) {
            flags |= f;
        } else {
            // Redis formats the option with %s: it stops at a NUL byte.
            let text = opt.split(|&b| b == 0).next().unwrap_or(b"");
            return Err(Error::err(crate::engine::sanitize(&format!(
                "Unsupported option {}",
                String::from_utf8_lossy(text)
            ))));
        }
    }
    if flags & NX != 0 && flags & (XX | GT | LT) != 0 {
        return Err(Error::err(
            "NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if flags & GT != 0 && flags & LT != 0 {
        return Err(Error::err(
            "GT and LT options at the same time are not compatible",
        ));
    }
    Ok(flags)
}

/// Redis `expireGenericCommand`. `relative` adds the command time; `seconds` scales the
/// argument. A deadline already reached deletes the key (logged as `DEL key`); otherwise the
/// deadline is set and logged as `PEXPIREAT key <abs-ms>`.
fn expire_generic(ctx: &mut Ctx, argv: &[&[u8]], relative: bool, seconds: bool) -> Result<Value> {
    let key = argv[1];
    let flags = parse_flags(&argv[3..])?;
    let mut when = arg_i64(argv[2])?;
    let invalid = || {
        Error::err(format!(
            "invalid expire time in '{}' command",
            String::from_utf8_lossy(argv[0]).to_lowercase()
        ))
    };
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    if relative {
        let base = i64::try_from(ctx.now).map_err(|_| invalid())?;
        when = when.checked_add(base).ok_or_else(invalid)?;
    }
    let Some(entry) = ctx.entry(key) else {
        return Ok(Value::Int(0));
    };
    let current = entry.expire().map(|at| at.min(i64::MAX as u64) as i64);
    if flags & NX != 0 && current.is_some() {
        return Ok(Value::Int(0));
    }
    if flags & XX != 0 && current.is_none() {
        return Ok(Value::Int(0));
    }
    if flags & GT != 0 && current.is_none_or(|cur| when <= cur) {
        return Ok(Value::Int(0));
    }
    if flags & LT != 0 && current.is_some_and(|cur| when >= cur) {
        return Ok(Value::Int(0));
    }
    let now = i64::try_from(ctx.now).unwrap_or(i64::MAX);
    if when <= now && !ctx.store.loading {
        ctx.db().remove(key);
        // Redis 7.0 `expireGenericCommand`: UNLINK under `lazyfree-lazy-expire`.
        let del = ctx.store.expire_deletion();
        ctx.propagate_with(|| vec![del.to_vec(), key.to_vec()]);
        ctx.modified(key, notify::GENERIC, "del");
        return Ok(Value::Int(1));
    }
    // While replaying a log a past deadline is kept (Redis waits for the DEL); a negative
    // one is clamped to the epoch, which is just as expired.
    let at = when.max(0) as u64;
    ctx.set_expire(key, Some(at));
    // The NX/XX/GT/LT flags stay as given (Redis rewrites only the name and the time).
    ctx.propagate_with(|| {
        let mut effect = vec![
            b"PEXPIREAT".to_vec(),
            key.to_vec(),
            at.to_string().into_bytes(),
        ];
        effect.extend(argv[3..].iter().map(|a| a.to_vec()));
        effect
    });
    ctx.modified(key, notify::GENERIC, "expire");
    Ok(Value::Int(1))
}

/// # Format
/// `EXPIRE key seconds [NX | XX | GT | LT]`
pub(super) fn expire(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    expire_generic(ctx, argv, true, true)
}

/// # Format
/// `PEXPIRE key milliseconds [NX | XX | GT | LT]`
pub(super) fn pexpire(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    expire_generic(ctx, argv, true, false)
}

/// # Format
/// `EXPIREAT key unix-time-seconds [NX | XX | GT | LT]`
pub(super) fn expireat(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    expire_generic(ctx, argv, false, true)
}

/// # Format
/// `PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]`
pub(super) fn pexpireat(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    expire_generic(ctx, argv, false, false)
}

/// Redis `ttlGenericCommand`: -2 for a missing key, -1 without TTL; seconds are rounded
/// to the nearest (`(ms + 500) / 1000`).
fn ttl_generic(ctx: &mut Ctx, argv: &[&[u8]], ms: bool, absolute: bool) -> Result<Value> {
    // Not an access (Redis `LOOKUP_NOTOUCH`).
    ctx.no_touch();
    let now = ctx.now;
    let Some(entry) = ctx.entry(argv[1]) else {
        return Ok(Value::Int(-2));
    };
    let Some(at) = entry.expire() else {
        return Ok(Value::Int(-1));
    };
    let at = at.min(i64::MAX as u64) as i64;
    let ttl = if absolute {
        at
    } else {
        at.saturating_sub(now.min(i64::MAX as u64) as i64)
    }
    .max(0);
    // Rounded in unsigned arithmetic: what Redis 7.0 replies even for a deadline near
    // i64::MAX.
    Ok(Value::Int(if ms {
        ttl
    } else {
        ((ttl as u64 + 500) / 1000) as i64
    }))
}

/// # Format
/// `TTL key`
pub(super) fn ttl(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ttl_generic(ctx, argv, false, false)
}

/// # Format
/// `PTTL key`
pub(super) fn pttl(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ttl_generic(ctx, argv, true, false)
}

/// # Format
/// `EXPIRETIME key`
pub(super) fn expiretime(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ttl_generic(ctx, argv, false, true)
}

/// # Format
/// `PEXPIRETIME key`
pub(super) fn pexpiretime(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ttl_generic(ctx, argv, true, true)
}

/// # Format
/// `PERSIST key`
pub(super) fn persist(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    match ctx.entry(key) {
        Some(e) if e.expire().is_some() => {
            ctx.set_expire(key, None);
            ctx.modified(key, notify::GENERIC, "persist");
            Ok(Value::Int(1))
        }
        _ => Ok(Value::Int(0)),
    }
}

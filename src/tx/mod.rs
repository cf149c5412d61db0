//! Transactions: MULTI / EXEC / DISCARD / WATCH / UNWATCH with Redis 7.0 semantics
//! (redis/src/multi.c).
//!
//! * **Queueing** is a step of the one dispatch path ([`crate::engine::dispatch`]): while a
//!   session is in MULTI ([`crate::engine::TxState::multi`]), every command except EXEC,
//!   DISCARD, MULTI, WATCH, QUIT and RESET is queued and answered `+QUEUED`. A command
//!   rejected while queueing (unknown, wrong arity, NO_MULTI, MISCONF, NOAUTH, …) flags the
//!   transaction and EXEC then answers `EXECABORT Transaction discarded because of previous
//!   errors.` with nothing applied.
//! * **EXEC** runs the queue inside the one command (so under the one store lock the front
//!   end holds, and its effects go to the log in that front-end call's batch), with the
//!   command time frozen at EXEC's, as Redis does (`fixed_time_expire`); a command failing at
//!   run time (WRONGTYPE) is that command's reply and the others still apply.
//!   [`crate::engine::Session::in_multi`] is true while the queue runs (blocking commands
//!   then do not block).
//! * **WATCH** uses the store's watch table ([`crate::engine::watch`]): every modification
//!   reported through `Ctx::modified` / expiry deletion invalidates the key's watchers,
//!   FLUSHDB / FLUSHALL / SWAPDB invalidate as Redis 7.0's `touchAllWatchedKeysInDb` does
//!   (only watched keys that exist in the emptied db or in the db swapped in). A watched key
//!   that logically expires before EXEC fails the transaction (`isWatchedKeyExpired`),
//!   except one that was already expired when WATCH ran (Redis 7.0's `watchedKey.expired`:
//!   its deletion is no logical change). EXEC after an invalidation answers a null array.
//! * **Cleanup.** UNWATCH, EXEC, DISCARD and RESET drop the session's watches. A session that
//!   watched holds a [`crate::engine::WatchGuard`]; when the last copy of the session is
//!   dropped (connection closed, handle dropped) the guard hands the client id to the
//!   store, and the next command run on the store removes that client's watches.
//!
//! # Known differences from Redis
//!
//! None known in replies. Watches are kept per (db, key) in hash maps rather than Redis's
//! per-db dictionaries of lists; the observable invalidation rules are Redis 7.0's.

use crate::engine::{begin_transaction, discard_transaction, flags, CommandSpec, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// # Format
/// `MULTI`
fn multi(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    if ctx.session.tx.multi.is_some() {
        return Err(Error::err("MULTI calls can not be nested"));
    }
    begin_transaction(ctx.session);
    Ok(Value::ok())
}

/// # Format
/// `DISCARD`
fn discard(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    if ctx.session.tx.multi.is_none() {
        return Err(Error::err("DISCARD without MULTI"));
    }
    discard_transaction(ctx.store, ctx.session);
    Ok(Value::ok())
}

/// # Format
/// `EXEC`
fn exec(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let Some(queue) = ctx.session.tx.multi.take() else {
        return Err(Error::err("EXEC without MULTI"));
    };
    let id = ctx.session.id;
    let dirty_cas = ctx.store.watch_failed(id, ctx.now);
    ctx.store.unwatch_all(id);
    if queue.dirty_exec {
        return Err(Error::new(
            ErrorKind::ExecAbort,
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    if dirty_cas {
        return Ok(Value::NilArray);
    }
    // MISCONF: a transaction with writes is refused as a whole (Redis rejects the EXEC).
    if queue.commands.iter().any(|(s, _)| s.has(flags::WRITE)) {
        if let Some(e) = ctx.store.deny_writes() {
            let text = e.message().trim_start_matches('-').to_string();
            return Err(Error::new(
                ErrorKind::ExecAbort,
                format!("EXECABORT Transaction discarded because of: {text}"),
            ));
        }
    }
    let frozen = ctx.store.frozen_now.replace(ctx.now);
    let was_in_multi = std::mem::replace(&mut ctx.session.in_multi, true);
    let mut replies = Vec::with_capacity(queue.commands.len());
    for (spec, argv) in &queue.commands {
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let reply = match crate::engine::call(ctx.store, ctx.session, spec, &argv) {
            Ok(v) => v,
            Err(e) => Value::Error(crate::engine::sanitize(e.message())),
        };
        replies.push(reply);
    }
    ctx.session.in_multi = was_in_multi;
    ctx.store.frozen_now = frozen;
    Ok(Value::Array(replies))
}

/// # Format
/// `WATCH key [key ...]`
fn watch(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.session.tx.multi.is_some() {
        return Err(Error::err("WATCH inside MULTI is not allowed"));
    }
    ctx.store.reap_dropped_watchers();
    let id = ctx.session.id;
    let db = ctx.session.db;
    if ctx.session.tx.guard.is_none() {
        ctx.session.tx.guard = Some(ctx.store.watches().guard(id));
    }
    for key in &argv[1..] {
        ctx.store.watch_key(id, db, key, ctx.now);
    }
    Ok(Value::ok())
}

/// # Format
/// `UNWATCH`
fn unwatch(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    ctx.store.unwatch_all(ctx.session.id);
    Ok(Value::ok())
}

/// Transaction commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "multi",
        1,
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST,
        (0, 0, 0),
        "transactions",
        multi,
    ),
    CommandSpec::new(
        "exec",
        1,
        flags::NOSCRIPT | flags::LOADING | flags::STALE,
        (0, 0, 0),
        "transactions",
        exec,
    ),
    CommandSpec::new(
        "discard",
        1,
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST,
        (0, 0, 0),
        "transactions",
        discard,
    ),
    CommandSpec::new(
        "watch",
        -2,
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST,
        (1, -1, 1),
        "transactions",
        watch,
    ),
    CommandSpec::new(
        "unwatch",
        1,
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST,
        (0, 0, 0),
        "transactions",
        unwatch,
    ),
];

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
//! * **Pub/Sub in a transaction**, as Redis 7.0: SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE,
//!   PUNSUBSCRIBE and SUNSUBSCRIBE are queued and run by EXEC; the rest of the queue still
//!   runs (the subscribed-mode restriction was checked when queueing); their confirmations
//!   (and anything else pushed to the client meanwhile) are written inside the EXEC reply
//!   where they happen, after an array header that counts the queued commands, exactly
//!   Redis's bytes. SSUBSCRIBE is queued and fails at EXEC with Redis's `SSUBSCRIBE isn't
//!   allowed for a DENY BLOCKING client`. An embedded caller (no connection) gets an
//!   array of the same elements.
//!
//! # Known differences from Redis
//!
//! None known in replies over a connection. An embedded EXEC whose commands pushed
//! replies returns them as extra elements of its array (Redis's header counts only the
//! commands, which a `Value` cannot express). Watches are kept per (db, key) in hash maps rather than Redis's
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
    // Replies pushed to this client while its queue runs (SUBSCRIBE-family confirmations,
    // its own keyspace notifications), per command: Redis writes them where they happen,
    // inside the EXEC array.
    let mut pushed: Vec<(usize, Vec<Value>, u8)> = Vec::new();
    for (i, (spec, argv)) in queue.commands.iter().enumerate() {
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let mark = ctx.session.pubsub.as_ref().map(|m| m.mark());
        // The rules may have changed since the command was queued (Redis checks again).
        let permitted = crate::engine::acl_check(
            ctx.store,
            ctx.session,
            spec,
            &argv,
            crate::engine::AclContext::Multi,
        );
        let reply = match permitted {
            Err(Some(d)) => Value::Error(d.at_exec().message().to_string()),
            Err(None) => Value::Error(crate::engine::noauth().message().to_string()),
            Ok(()) => match crate::engine::call(ctx.store, ctx.session, spec, &argv) {
                Ok(v) => v,
                Err(e) => Value::Error(crate::engine::sanitize(e.message())),
            },
        };
        if let Some(mb) = &ctx.session.pubsub {
            let items = mb.take_since(mark.unwrap_or(0));
            if !items.is_empty() {
                pushed.push((i, items, ctx.session.resp));
            }
        }
        replies.push((reply, ctx.session.resp));
    }
    ctx.session.in_multi = was_in_multi;
    ctx.store.frozen_now = frozen;
    if pushed.is_empty() {
        return Ok(Value::Array(replies.into_iter().map(|(v, _)| v).collect()));
    }
    Ok(exec_with_pushes(ctx, replies, pushed))
}

/// The EXEC reply when its commands pushed replies to this client (see the module docs).
///
/// Over a connection the bytes are Redis's: the array header counts the queued commands,
/// and each command's pushed replies come right before its own reply (a subscription
/// command's reply *is* its confirmations); they are queued in the connection's mailbox,
/// in order with what was pushed before, and EXEC itself answers the "no reply" marker. An
/// embedded caller gets one array holding the same elements in the same order.
fn exec_with_pushes(
    ctx: &mut Ctx,
    replies: Vec<(Value, u8)>,
    pushed: Vec<(usize, Vec<Value>, u8)>,
) -> Value {
    let n = replies.len();
    let mut pushed = pushed.into_iter().peekable();
    let mut elements: Vec<(Value, u8)> = Vec::with_capacity(n);
    for (i, (reply, resp)) in replies.into_iter().enumerate() {
        while let Some((_, items, resp)) = pushed.next_if(|(at, _, _)| *at == i) {
            elements.extend(items.into_iter().map(|v| (v, resp)));
        }
        if !crate::engine::is_no_reply(&reply) {
            elements.push((reply, resp));
        }
    }
    match (&ctx.session.link, &ctx.session.pubsub) {
        (Some(_), Some(mb)) => {
            let mut out = Vec::new();
            out.extend_from_slice(format!("*{n}\r\n").as_bytes());
            for (v, resp) in &elements {
                crate::resp::encode(&mut out, v, *resp);
            }
            mb.push_encoded(out);
            crate::engine::no_reply()
        }
        _ => Value::Array(elements.into_iter().map(|(v, _)| v).collect()),
    }
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
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::ALLOW_BUSY,
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
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::ALLOW_BUSY,
        (0, 0, 0),
        "transactions",
        discard,
    ),
    CommandSpec::new(
        "watch",
        -2,
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::ALLOW_BUSY,
        (1, -1, 1),
        "transactions",
        watch,
    ),
    CommandSpec::new(
        "unwatch",
        1,
        flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::ALLOW_BUSY,
        (0, 0, 0),
        "transactions",
        unwatch,
    ),
];

//! Transactions: MULTI / EXEC / DISCARD / WATCH / UNWATCH with Redis 7.0 semantics
//! (redis/src/multi.c).
//!
//! * **Queueing.** While a session is in MULTI ([`TxState::multi`]), the dispatcher hands every
//!   command except EXEC, DISCARD, MULTI, WATCH, QUIT and RESET to [`queue`], which answers
//!   `+QUEUED`. A command rejected while queueing (unknown, wrong arity, NO_MULTI, MISCONF,
//!   NOAUTH, …) flags the transaction ([`flag_transaction`]) and EXEC then answers
//!   `EXECABORT Transaction discarded because of previous errors.` with nothing applied.
//! * **EXEC** runs the queue inside the one command (so under the one store lock the front
//!   end holds, and its effects go to the log in that front-end call's batch), with the
//!   command time frozen at EXEC's, as Redis does (`fixed_time_expire`); a command failing at
//!   run time (WRONGTYPE) is that command's reply and the others still apply.
//!   [`crate::engine::Session::in_multi`] is true while the queue runs (blocking commands
//!   then do not block).
//! * **WATCH.** `Store::watched` maps (db, key) to its watchers; every modification reported
//!   through `Ctx::modified` / expiry deletion calls [`touch_watched_key`], FLUSHDB /
//!   FLUSHALL / SWAPDB call [`touch_all_watched_keys_in_db`] (Redis 7.0's
//!   `touchAllWatchedKeysInDb`: only watched keys that exist in the emptied db or in the db
//!   swapped in). A watched key that logically expires before EXEC fails the transaction
//!   (`isWatchedKeyExpired`), except one that was already expired when WATCH ran (Redis 7.0's
//!   `watchedKey.expired`: its deletion is no logical change). EXEC after an invalidation
//!   answers a null array.
//! * **Cleanup.** UNWATCH, EXEC, DISCARD and RESET drop the session's watches. A session that
//!   watched holds a [`WatchGuard`]; when the last copy of the session is dropped (connection
//!   closed, handle dropped) the guard hands the client id to the store's drop list, and
//!   the next command run on the store removes that client's watches ([`reap_dropped`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::engine::{flags, CommandSpec, Ctx, Session};
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::Store;
use crate::value::Value;

/// One client watching one key (Redis `watchedKey`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watcher {
    /// The watching client's id.
    pub client: u64,
    /// The key was already logically expired when WATCH ran (Redis 7.0 `wk->expired`).
    pub expired: bool,
}

impl From<u64> for Watcher {
    /// A watcher of a key that was not expired when watched.
    fn from(client: u64) -> Watcher {
        Watcher {
            client,
            expired: false,
        }
    }
}

/// Store-side bookkeeping of watches beyond `Store::watched`: which keys each client watches
/// (to unwatch without scanning) and the ids of dropped sessions waiting to be reaped.
#[derive(Clone, Debug, Default)]
pub struct Watches {
    /// client id → the (db, key) pairs it watches, in WATCH order.
    pub by_client: HashMap<u64, Vec<(usize, Vec<u8>)>>,
    /// Ids of sessions dropped while watching (filled by [`WatchGuard`]'s `Drop`).
    pub dropped: Arc<DropSink>,
}

impl Watches {
    /// True when no dropped session waits to be reaped (one atomic load).
    #[inline]
    pub fn dropped_is_empty(&self) -> bool {
        !self.dropped.pending.load(Ordering::Acquire)
    }
}

/// Where dropped sessions leave their client id.
#[derive(Debug, Default)]
pub struct DropSink {
    pending: AtomicBool,
    ids: Mutex<Vec<u64>>,
}

impl DropSink {
    fn take(&self) -> Vec<u64> {
        let mut ids = self.ids.lock();
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut *ids)
    }
}

/// Held by a session that has watched keys; dropping its last copy reports the client id
/// to the store so its watches are removed.
#[derive(Debug)]
pub struct WatchGuard {
    client: u64,
    sink: Arc<DropSink>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.sink.ids.lock().push(self.client);
        self.sink.pending.store(true, Ordering::Release);
    }
}

/// The queue of a session in MULTI.
#[derive(Clone, Default)]
pub struct Queue {
    /// Queued commands (spec, argv).
    pub commands: Vec<(&'static CommandSpec, Vec<Vec<u8>>)>,
    /// A command was rejected while queueing (Redis `CLIENT_DIRTY_EXEC`).
    pub dirty_exec: bool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("commands", &self.commands.len())
            .field("dirty_exec", &self.dirty_exec)
            .finish()
    }
}

/// Per-session transaction state.
#[derive(Clone, Debug, Default)]
pub struct TxState {
    /// Some while the session is in MULTI.
    pub multi: Option<Queue>,
    /// Present once the session has watched a key (see [`WatchGuard`]).
    pub guard: Option<Arc<WatchGuard>>,
}

// ---------------------------------------------------------------------------------------
// Dispatcher hooks
// ---------------------------------------------------------------------------------------

/// Commands that run immediately even inside MULTI.
#[inline]
fn runs_in_multi(spec: &CommandSpec) -> bool {
    matches!(
        spec.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// True if `session` is in MULTI and `spec` must be queued rather than run.
#[inline]
pub fn should_queue(session: &Session, spec: &CommandSpec) -> bool {
    session.tx.multi.is_some() && !runs_in_multi(spec)
}

/// Flags the transaction of a session in MULTI as failed (Redis `flagTransaction`): called
/// for every command rejected before it would be queued.
#[inline]
pub fn flag_transaction(session: &mut Session) {
    if let Some(q) = session.tx.multi.as_mut() {
        q.dirty_exec = true;
    }
}

/// A command rejected before dispatch (unknown, wrong arity, NOAUTH, …), as Redis's
/// `rejectCommand`: flags the transaction of a session in MULTI and returns the error —
/// except that a rejected EXEC discards the transaction (and the watches) and answers
/// `EXECABORT Transaction discarded because of: <reason>` (`execCommandAbort`).
pub fn reject<T>(
    store: &mut Store,
    session: &mut Session,
    spec: Option<&CommandSpec>,
    e: Error,
) -> Result<T> {
    if spec.is_some_and(|s| s.name == "exec") {
        discard_transaction(store, session);
        // Reasons formatted by rejectCommandFormat carry no "ERR " (it is added by
        // addReplyError); shared error objects (NOAUTH, MISCONF, …) keep their code.
        let reason = e.message().strip_prefix("ERR ").unwrap_or(e.message());
        return Err(Error::new(
            ErrorKind::ExecAbort,
            format!("EXECABORT Transaction discarded because of: {reason}"),
        ));
    }
    flag_transaction(session);
    Err(e)
}

/// Queues a command of a session in MULTI, after the checks Redis's `processCommand` makes
/// before queueing; a rejection flags the transaction.
pub fn queue(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Result<Value> {
    let rejected = if spec.has(flags::NO_MULTI) {
        Some(Error::err("Command not allowed inside a transaction"))
    } else if spec.has(flags::WRITE) {
        store.persist.as_ref().and_then(|p| p.deny_writes())
    } else {
        None
    };
    if let Some(e) = rejected {
        flag_transaction(session);
        return Err(e);
    }
    if let Some(q) = session.tx.multi.as_mut() {
        // Redis does not keep the commands of an already failed transaction.
        if !q.dirty_exec {
            q.commands
                .push((spec, argv.iter().map(|a| a.to_vec()).collect()));
        }
    }
    Ok(Value::Simple("QUEUED".into()))
}

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------

/// # Format
/// `MULTI`
fn multi(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    if ctx.session.tx.multi.is_some() {
        return Err(Error::err("MULTI calls can not be nested"));
    }
    ctx.session.tx.multi = Some(Queue::default());
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

/// Leaves MULTI, drops the queue and every watch of the session (Redis
/// `discardTransaction`).
pub fn discard_transaction(store: &mut Store, session: &mut Session) {
    session.tx.multi = None;
    unwatch_all(store, session.id);
}

/// # Format
/// `EXEC`
fn exec(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let Some(queue) = ctx.session.tx.multi.take() else {
        return Err(Error::err("EXEC without MULTI"));
    };
    let id = ctx.session.id;
    if is_watched_key_expired(ctx.store, id, ctx.now) {
        ctx.store.watch_dirty.insert(id);
    }
    let dirty_cas = ctx.store.watch_dirty.contains(&id);
    unwatch_all(ctx.store, id);
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
        if let Some(e) = ctx.store.persist.as_ref().and_then(|p| p.deny_writes()) {
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
    reap_dropped(ctx.store);
    let id = ctx.session.id;
    let db = ctx.session.db;
    if ctx.session.tx.guard.is_none() {
        ctx.session.tx.guard = Some(Arc::new(WatchGuard {
            client: id,
            sink: ctx.store.watches.dropped.clone(),
        }));
    }
    for key in &argv[1..] {
        let mine = ctx.store.watches.by_client.entry(id).or_default();
        if mine.iter().any(|(d, k)| *d == db && k == key) {
            continue;
        }
        mine.push((db, key.to_vec()));
        let expired = key_is_expired(ctx.store, db, key, ctx.now);
        ctx.store
            .watched
            .entry((db, key.to_vec()))
            .or_default()
            .push(Watcher {
                client: id,
                expired,
            });
    }
    Ok(Value::ok())
}

/// # Format
/// `UNWATCH`
fn unwatch(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    unwatch_all(ctx.store, ctx.session.id);
    Ok(Value::ok())
}

// ---------------------------------------------------------------------------------------
// Watch bookkeeping
// ---------------------------------------------------------------------------------------

/// Redis `keyIsExpired`: the key is in the dict with a passed deadline (never while loading).
fn key_is_expired(store: &Store, db: usize, key: &[u8], now: u64) -> bool {
    if store.loading {
        return false;
    }
    store
        .dbs
        .get(db)
        .and_then(|d| d.dict.get(key))
        .and_then(|e| e.expire)
        .is_some_and(|at| at < now)
}

/// True if the key is present in `db`'s dict (expired or not), as Redis's `dictFind`.
fn in_dict(store: &Store, db: usize, key: &[u8]) -> bool {
    store.dbs.get(db).is_some_and(|d| d.dict.get(key).is_some())
}

/// Redis `isWatchedKeyExpired`.
fn is_watched_key_expired(store: &Store, client: u64, now: u64) -> bool {
    let Some(keys) = store.watches.by_client.get(&client) else {
        return false;
    };
    keys.iter().any(|(db, key)| {
        let already = store
            .watched
            .get(&(*db, key.clone()))
            .and_then(|ws| ws.iter().find(|w| w.client == client))
            .is_some_and(|w| w.expired);
        !already && key_is_expired(store, *db, key, now)
    })
}

/// Removes every watch of `client` and clears its dirty flag (Redis `unwatchAllKeys` plus
/// the callers' flag reset).
pub fn unwatch_all(store: &mut Store, client: u64) {
    store.watch_dirty.remove(&client);
    let Some(keys) = store.watches.by_client.remove(&client) else {
        return;
    };
    for (db, key) in keys {
        let slot = (db, key);
        if let Some(ws) = store.watched.get_mut(&slot) {
            ws.retain(|w| w.client != client);
            if ws.is_empty() {
                store.watched.remove(&slot);
            }
        }
    }
}

/// Removes the watches of sessions dropped since the last call.
pub fn reap_dropped(store: &mut Store) {
    for id in store.watches.dropped.take() {
        unwatch_all(store, id);
    }
}

/// Redis `touchWatchedKey`: `key` in `db` was modified (or deleted by expiry).
pub fn touch_watched_key(store: &mut Store, db: usize, key: &[u8]) {
    if store.watched.is_empty() {
        return;
    }
    let present = in_dict(store, db, key);
    let Some(ws) = store.watched.get_mut(&(db, key.to_vec())) else {
        return;
    };
    for w in ws.iter_mut() {
        if w.expired {
            w.expired = false;
            if !present {
                // The key was already expired at WATCH time and is now deleted: no
                // logical change.
                continue;
            }
        }
        store.watch_dirty.insert(w.client);
    }
}

/// Redis 7.0 `touchAllWatchedKeysInDb`: `emptied` is being flushed (or, for SWAPDB, replaced
/// by the content of `replaced_with`). Call it before the data changes.
pub fn touch_all_watched_keys_in_db(
    store: &mut Store,
    emptied: usize,
    replaced_with: Option<usize>,
) {
    if store.watched.is_empty() {
        return;
    }
    let now = store.frozen_now.unwrap_or(store.last_command_ms);
    let keys: Vec<Vec<u8>> = store
        .watched
        .keys()
        .filter(|(d, _)| *d == emptied)
        .map(|(_, k)| k.clone())
        .collect();
    let mut dirty = Vec::new();
    for key in keys {
        let in_emptied = in_dict(store, emptied, &key);
        let in_replacement = replaced_with.is_some_and(|r| in_dict(store, r, &key));
        if !in_emptied && !in_replacement {
            continue;
        }
        let replacement_expired =
            replaced_with.is_some_and(|r| key_is_expired(store, r, &key, now));
        let Some(ws) = store.watched.get_mut(&(emptied, key)) else {
            continue;
        };
        for w in ws.iter_mut() {
            if w.expired {
                if !in_replacement {
                    // The expired key is deleted: no logical change.
                    w.expired = false;
                    continue;
                } else if replacement_expired {
                    // An expired key stays expired.
                    continue;
                }
            } else if !in_emptied && replacement_expired {
                // A missing key is replaced by an expired one.
                w.expired = true;
                continue;
            }
            dirty.push(w.client);
        }
    }
    store.watch_dirty.extend(dirty);
}

/// RESET: leave MULTI and drop every watch (Redis `clearClientConnectionState`).
pub fn reset(store: &mut Store, session: &mut Session) {
    discard_transaction(store, session);
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

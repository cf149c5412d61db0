//! The one dispatch path. Every front end (typed API and pipelines, the RESP server,
//! Pub/Sub handles, the redis-rs adapter, log replay, EXEC's queue) runs commands through
//! [`execute`], and takes the store through [`Shared`], which owns "lock → run → commit →
//! unlock → wait for durability".
//!
//! The steps, in Redis's `processCommand` order: lookup → arity → authentication → ACL
//! permissions ([`acl_check`]) → replica read-only → eviction and the OOM refusal
//! (`maxmemory`, see [`crate::engine::evict`]) → CLIENT PAUSE ([`pause_applies`]) →
//! [`call`]: Pub/Sub context (RESP2 subscribed mode) → MULTI queueing →
//! MISCONF → active expiry → handler → effects → wake-ups of blocked clients. A command
//! rejected before it runs flags an open transaction ([`reject`]).

use parking_lot::{Mutex, MutexGuard};

use crate::engine::spec::{flags, unknown_command, CommandSpec};
use crate::engine::{observe, sanitize, Ctx, Queue, Session, Store};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// How often (in commands) the dispatcher reclaims expired keys, and how many per round.
const ACTIVE_EXPIRE_EVERY: u64 = 16;
const ACTIVE_EXPIRE_BATCH: usize = 32;

/// Runs one command for `session`: see the module docs. Its effects (with those of the
/// transaction, script or blocked clients it ran) are one unit of the replication stream.
pub fn execute(store: &mut Store, session: &mut Session, argv: &[&[u8]]) -> Result<Value> {
    // A replica of a master (REPLICAOF) with `replica-read-only`: every client but the
    // link's own session is read-only for this command (admission and scripts check it).
    let result = if store.repl.follow.is_some() && !session.read_only {
        session.read_only = store.repl.read_only_for(session.id, &store.config);
        let r = execute_unit(store, session, argv);
        session.read_only = false;
        r
    } else {
        execute_unit(store, session, argv)
    };
    if store.repl.is_active() && store.end_unit() {
        session.woff = store.repl.offset;
    }
    if session.tx.guard.is_some() || !store.tracking.is_idle() {
        // (Only while keys are watched or tracked does a command pay for the lookups.)
        session.tx.bookkeeping = store.session_bookkeeping(session.id);
    }
    if std::mem::take(&mut store.evictor.evict_after_command) {
        store.evict_before_command();
    }
    if store.repl.is_active() {
        // WAIT asked the replicas for an acknowledgement (after its own offset is taken).
        if store.repl.getack_pending {
            store.repl.flush_getack(&store.config);
        }
    }
    result
}

fn execute_unit(store: &mut Store, session: &mut Session, argv: &[&[u8]]) -> Result<Value> {
    let Some(name) = argv.first() else {
        return Err(Error::err("empty command"));
    };
    observe::top_level(store);
    let Some(spec) = store.table().get(name) else {
        session.last_command = None;
        return reject(store, session, None, unknown_command(argv));
    };
    session.last_command = Some(spec);
    if !spec.arity_ok(argv.len()) {
        return reject_argv(
            store,
            session,
            Some(spec),
            Some(argv),
            Error::arity(spec.name),
        );
    }
    // Redis checks DEBUG right after the arity, before authentication.
    if spec.name == "debug" && !session.allows(store.config.enable_debug_command) {
        return reject_argv(
            store,
            session,
            Some(spec),
            Some(argv),
            Error::err(DEBUG_NOT_ALLOWED),
        );
    }
    if spec.name == "module"
        && crate::admin::module::is_protected(argv)
        && !session.allows(store.config.enable_module_command)
    {
        return reject_argv(
            store,
            session,
            Some(spec),
            Some(argv),
            Error::err(crate::admin::module::NOT_ALLOWED),
        );
    }
    if let Err(e) = admit(store, session, spec, argv) {
        return reject_argv(store, session, Some(spec), Some(argv), e);
    }
    // Cluster mode: the per-slot key index follows every key added from the first command
    // on (log replay included), so GETKEYSINSLOT lists them newest first as Redis does.
    if store.config.cluster_enabled {
        if let Some(db0) = store.dbs.first_mut() {
            db0.track_slots();
        }
    }
    // Cluster mode: every key of the command (of the whole transaction, for EXEC) must hash
    // to one slot. A refused EXEC discards the transaction and answers CROSSSLOT itself.
    if store.config.cluster_enabled && !store.loading && crosses_slots(store, session, spec, argv) {
        let e = cross_slot_error();
        if spec.name == "exec" {
            discard_transaction(store, session);
            observe::after_reject(store, Some(spec), Some(argv), &e);
            return Err(e);
        }
        return reject_argv(store, session, Some(spec), Some(argv), e);
    }
    // (No eviction while a CLIENT PAUSE holds the dataset still.)
    if !store.blocking.is_paused()
        && !store.evict_before_command()
        && refused_on_oom(session, spec, argv)
    {
        return reject_argv(
            store,
            session,
            Some(spec),
            Some(argv),
            crate::engine::evict::oom_error(),
        );
    }
    // A client in MONITOR mode is a replica to Redis: it may not touch the keyspace.
    if session.monitor && (spec.has(flags::READONLY) || may_write(spec, argv)) {
        return reject_argv(
            store,
            session,
            Some(spec),
            Some(argv),
            Error::err("Replica can't interact with the keyspace"),
        );
    }
    // CLIENT PAUSE: after every check that can refuse the command, before queueing, as
    // Redis's processCommand (only for front ends that can wait: see Session::postponable).
    if session.postponable {
        if let Some(until) = pause_applies(store, session, spec, argv) {
            session.postpone = Some(until);
            return Ok(Value::Nil);
        }
    }
    // Client-side caching: keep the table within its limit, then mark this client as the
    // one running (its own invalidations wait for its reply).
    if !store.tracking.is_idle() {
        store.tracking_limit_used_slots();
    }
    let prev = store.tracking_enter(session.id);
    let result = call(store, session, spec, argv).map_err(|e| {
        // Errors echo user input; a newline would break the protocol (addReplyErrorFormat).
        if e.message().contains(['\r', '\n']) {
            Error::new(e.kind(), sanitize(e.message()))
        } else {
            e
        }
    });
    store.tracking_leave(prev);
    after_command(store, session, spec);
    result
}

/// Client-side caching bookkeeping after a top-level command (Redis `resetClient` and the
/// end of `call`): CLIENT CACHING is spent by the next command (other than CLIENT, outside
/// MULTI); the mailbox learns the client's protocol; a session without a network
/// connection gets its held-back invalidations and the BCAST ones now (the network front
/// end sends them after the reply and after the batch).
fn after_command(store: &mut Store, session: &mut Session, spec: &CommandSpec) {
    if let Some(mb) = &session.pubsub {
        mb.set_resp(session.resp);
    }
    if store.tracking.is_idle() {
        return;
    }
    if session.tx.multi.is_none() && spec.name != "client" {
        store.tracking.clear_caching(session.id);
    }
    if session.link.is_none() {
        store.tracking_deliver_pending(session.id);
        store.tracking_broadcast();
    }
}

/// Redis Cluster's refusal of keys in several slots.
pub fn cross_slot_error() -> Error {
    Error::new(
        ErrorKind::CrossSlot,
        "CROSSSLOT Keys in request don't hash to the same slot",
    )
}

/// Whether the keys of the call — of every queued command, for EXEC in MULTI — hash to
/// more than one slot (Redis `getNodeByQuery`; shard channels count as keys there).
///
/// For EXEC emu also counts the keys the client WATCHes, which Redis does not: on a real
/// cluster a transaction on other slots than its WATCHed keys fails with MOVED whenever
/// those slots live on another node (and cluster clients refuse it up front), so emu's
/// one-node cluster refuses it always, with CROSSSLOT, instead of only in production.
fn crosses_slots(store: &Store, session: &Session, spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    let mut first = None;
    match (&session.tx.multi, spec.name) {
        (Some(q), "exec") => {
            let watched = store.watches.watched_by(session.id);
            watched.into_iter().any(|k| another_slot_key(&mut first, k))
                || q.commands.iter().any(|(s, a)| {
                    let a: Vec<&[u8]> = a.iter().map(Vec::as_slice).collect();
                    another_slot(&mut first, s, &a)
                })
        }
        (None, "exec") => false,
        _ => another_slot(&mut first, spec, argv),
    }
}

/// True if a single command's keys hash to more than one slot (a script's `redis.call` in
/// cluster mode: Redis refuses it as a non-local access).
pub fn command_crosses_slots(spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    another_slot(&mut None, spec, argv)
}

/// Whether a key of the call is in another slot than `first` (the first key seen, set
/// here if none was yet): the same key twice is never a conflict.
fn another_slot(first: &mut Option<(Vec<u8>, u16)>, spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    cluster_keys(spec, argv)
        .into_iter()
        .any(|k| another_slot_key(first, k))
}

/// [`another_slot`] for one key.
fn another_slot_key(first: &mut Option<(Vec<u8>, u16)>, k: &[u8]) -> bool {
    use crate::util::slot::key_hash_slot;
    match first {
        None => {
            *first = Some((k.to_vec(), key_hash_slot(k)));
            false
        }
        Some((f, slot)) => f.as_slice() != k && *slot != key_hash_slot(k),
    }
}

/// The keys a cluster routes a call by: its key arguments, or the channels of the shard
/// Pub/Sub commands.
fn cluster_keys<'a>(spec: &CommandSpec, argv: &[&'a [u8]]) -> Vec<&'a [u8]> {
    match spec.name {
        "ssubscribe" | "sunsubscribe" => argv.get(1..).unwrap_or_default().to_vec(),
        "spublish" => argv.get(1..2).unwrap_or_default().to_vec(),
        _ => spec
            .key_positions(argv)
            .into_iter()
            .filter_map(|i| argv.get(i).copied())
            .collect(),
    }
}

/// Whether a command is refused when eviction cannot free enough memory (Redis
/// `processCommand`): `denyoom` commands, EXEC of a transaction that queued one, and any
/// command but EXEC/DISCARD/QUIT/RESET while queueing in MULTI (queueing itself takes
/// memory).
fn refused_on_oom(session: &Session, spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    if denyoom(spec, argv) {
        return true;
    }
    match &session.tx.multi {
        Some(q) if spec.name == "exec" => q.commands.iter().any(|(s, a)| {
            let a: Vec<&[u8]> = a.iter().map(Vec::as_slice).collect();
            denyoom(s, &a)
        }),
        Some(_) => !matches!(spec.name, "discard" | "quit" | "reset"),
        None => false,
    }
}

/// Redis 7.0's `denyoom` flag, subcommands included: the table flags whole commands, and
/// XGROUP CREATE / CREATECONSUMER and FUNCTION LOAD / RESTORE are the container
/// subcommands 7.0 marks `denyoom`.
fn denyoom(spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    let sub_is = |names: &[&str]| {
        argv.get(1)
            .is_some_and(|s| names.iter().any(|n| s.eq_ignore_ascii_case(n.as_bytes())))
    };
    spec.has(flags::DENYOOM)
        || (spec.name == "xgroup" && sub_is(&["create", "createconsumer"]))
        || (spec.name == "function" && sub_is(&["load", "restore"]))
}

/// Redis 7.0's refusal of DEBUG when `enable-debug-command` does not allow the client.
pub const DEBUG_NOT_ALLOWED: &str = "DEBUG command not allowed. If the enable-debug-command \
     option is set to \"local\", you can run it from a local connection, otherwise you need \
     to set this option in the configuration file, and then restart the server.";

/// True if `session` has not authenticated while the `default` user needs it (it has a
/// password — `requirepass` — or is off): Redis's `authRequired`.
#[inline]
pub fn auth_required(store: &Store, session: &Session) -> bool {
    !session.authenticated && store.acl.needs_auth()
}

/// When a CLIENT PAUSE in force holds this command back (Redis `processCommand`), the
/// pause's end: every command under `ALL`; under `WRITE` the commands that may write or
/// replicate ([`may_write`]), and EXEC of a transaction that queued one.
pub fn pause_applies(
    store: &mut Store,
    session: &Session,
    spec: &CommandSpec,
    argv: &[&[u8]],
) -> Option<std::time::Instant> {
    let (all, end) = store.blocking.paused().map(|p| (p.all, p.end))?;
    // EVALSHA and FCALL take the flags of the script or function they name.
    let no_writes = store.services().script_no_writes;
    let writes = |store: &mut Store, spec: &CommandSpec, argv: &[&[u8]]| {
        may_write(spec, argv) && !no_writes(store, argv)
    };
    let held = all
        || writes(store, spec, argv)
        || (spec.name == "exec"
            && session.tx.multi.as_ref().is_some_and(|q| {
                q.commands.iter().any(|(s, a)| {
                    let a: Vec<&[u8]> = a.iter().map(Vec::as_slice).collect();
                    writes(store, s, &a)
                })
            }));
    held.then_some(end)
}

/// Redis's `CMD_WRITE | CMD_MAY_REPLICATE`: write commands, and those 7.0 flags
/// `may_replicate` — EVAL/EVALSHA/FCALL (EVAL of a script whose shebang declares
/// `no-writes` excepted, as Redis takes the script's flags), PUBLISH, SPUBLISH, PFCOUNT.
/// (SCRIPT LOAD and FLUSH are not: a write pause of Redis 7.0.15 does not hold them.)
pub fn may_write(spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    if spec.has(flags::WRITE) || spec.has(flags::MAY_REPLICATE) {
        return true;
    }
    match spec.name {
        "publish" | "spublish" | "evalsha" | "fcall" => true,
        "eval" => !argv.get(1).is_some_and(|body| declares_no_writes(body)),
        _ => false,
    }
}

/// True if a script body starts with a `#!` line whose `flags=` list has `no-writes`.
fn declares_no_writes(body: &[u8]) -> bool {
    let Some(rest) = body.strip_prefix(b"#!") else {
        return false;
    };
    let line = rest.split(|&c| c == b'\n').next().unwrap_or_default();
    line.split(|&c| c == b' ')
        .filter_map(|w| w.strip_prefix(b"flags="))
        .any(|list| list.split(|&c| c == b',').any(|f| f == b"no-writes"))
}

/// The ACL check of one call (see [`crate::acl`]): `Ok` at once for a `default` session
/// while `default` may run everything; otherwise the user's selectors decide, and a refusal
/// is logged in ACL LOG with `context`. `Err(None)`: the session's user was deleted and it
/// is no longer authenticated (NOAUTH).
#[inline]
pub fn acl_check(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
    context: crate::acl::Context,
) -> std::result::Result<(), Option<crate::acl::Denial>> {
    if session.user.is_none() && store.acl.open() {
        return Ok(());
    }
    crate::acl::permit(store, session, spec, argv, context)
}

/// Whether `session`'s user may run the call, without logging (Lua's
/// `redis.acl_check_cmd`).
pub fn acl_allows(
    store: &Store,
    session: &Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> bool {
    if session.user.is_none() && store.acl.open() {
        return true;
    }
    store.acl.user_of(session).is_some_and(|u| {
        crate::acl::check_user(crate::acl::index(store.table()), u, spec, argv).is_ok()
    })
}

/// Whether `session`'s user may read every key with this call (SORT's BY and GET
/// patterns): see `acl::unrestricted_key_access`.
pub fn unrestricted_key_access(
    store: &Store,
    session: &Session,
    spec: &CommandSpec,
    argv: &[&[u8]],
) -> bool {
    if session.user.is_none() && store.acl.open() {
        return true;
    }
    store.acl.user_of(session).is_some_and(|u| {
        crate::acl::unrestricted_key_access(crate::acl::index(store.table()), u, spec, argv)
    })
}

/// Authentication, ACL and replica read-only checks.
fn admit(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Result<()> {
    if !spec.has(flags::NO_AUTH) && auth_required(store, session) {
        return Err(Error::new(
            ErrorKind::Auth,
            "NOAUTH Authentication required.",
        ));
    }
    // Redis refuses a no-multi command inside MULTI before its ACL check (queueing does
    // that refusal here), so such a command skips the check.
    let in_multi = session.tx.multi.is_some();
    if !(in_multi && spec.has(flags::NO_MULTI)) {
        let context = if in_multi {
            crate::acl::Context::Multi
        } else {
            crate::acl::Context::TopLevel
        };
        acl_check(store, session, spec, argv, context).map_err(|d| match d {
            Some(d) => crate::acl::noperm(&d),
            None => crate::acl::noauth(),
        })?;
    }
    // EXEC counts as the commands it queued (Redis's `mstate.cmd_flags` and
    // `cmd_inv_flags`): the replica's state may have changed since they were queued.
    let queued = match &session.tx.multi {
        Some(q) if spec.name == "exec" => q.commands.as_slice(),
        _ => &[],
    };
    let writes = spec.writes(argv.get(1).copied())
        || queued
            .iter()
            .any(|(s, a)| s.writes(a.get(1).map(Vec::as_slice)));
    if session.read_only && writes {
        return Err(Error::new(
            ErrorKind::Other,
            "READONLY You can't write against a read only replica.",
        ));
    }
    let deny_stale = !spec.has(flags::STALE) || queued.iter().any(|(s, _)| !s.has(flags::STALE));
    if deny_stale && store.repl.stale_for(session.id, &store.config) {
        return Err(Error::new(
            ErrorKind::Other,
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        ));
    }
    Ok(())
}

/// Runs a looked-up, admitted command (also how EXEC runs its queue): Pub/Sub context,
/// queueing, then the run (MISCONF, active expiry, handler, effects, wake-ups).
pub fn call(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Result<Value> {
    // RESP2 subscribed mode allows only a few commands.
    if let Err(e) = crate::pubsub::check_context(session, spec, argv) {
        return reject_argv(store, session, Some(spec), Some(argv), e);
    }
    if session.tx.multi.is_some() && !runs_in_multi(spec) {
        return queue(store, session, spec, argv);
    }
    run(store, session, spec, argv)
}

/// MISCONF → active expiry → handler → effects → wake-ups.
fn run(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Result<Value> {
    store.reap_dropped_watchers();
    if spec.writes(argv.get(1).copied()) {
        if let Some(e) = store.deny_writes() {
            observe::after_reject(store, Some(spec), Some(argv), &e);
            return Err(e);
        }
    }
    session.block = None;
    store.commands_processed += 1;
    // Not inside EXEC: its commands share one time snapshot (and Redis does not run active
    // expiry in the middle of a transaction either).
    if store.commands_processed % ACTIVE_EXPIRE_EVERY == 0
        && !store.loading
        && store.frozen_now.is_none()
    {
        store.active_expire(ACTIVE_EXPIRE_BATCH);
    }
    let dirty_before = store.dirty;
    let db_before = session.db;
    // Introspection hook (commandstats, errorstats, slow log, latency, MONITOR): see
    // `engine::observe`.
    let started = observe::before_call(store, session, spec, argv);
    let mut ctx = Ctx::new(store, session, started);
    ctx.keyspace_stats = counts_keyspace_stats(spec, argv);
    if ctx.keyspace_stats && spec.has(flags::WRITE) {
        if let Some(dest) = store_destination(spec, argv) {
            ctx.no_stats_for(dest);
        }
    }
    ctx.writes = spec.has(flags::WRITE);
    let result = (spec.handler)(&mut ctx, argv);
    let (rewritten, log_only) = ctx.take_rewritten();
    // A writable replica's own writes with a TTL expire there (its master never sends
    // their DELs).
    if spec.has(flags::WRITE) && store.dirty != dirty_before {
        if let Some(f) = &store.repl.follow {
            if f.client_id != session.id {
                store.remember_replica_writes(db_before, spec, argv);
            }
        }
    }
    // Client-side caching: remember the keys this read returned to the tracking client.
    if spec.has(flags::READONLY) {
        store.tracking_remember(spec, argv);
    }
    // A MAY_REPLICATE read (PFCOUNT refreshing its cache) is logged only through what it
    // propagated.
    let logs = spec.has(flags::WRITE) || (spec.has(flags::MAY_REPLICATE) && rewritten.is_some());
    if store.records_effects() && logs {
        match rewritten {
            Some(list) => {
                for (i, argv) in list.into_iter().enumerate() {
                    if log_only.contains(&i) {
                        store.record_log_only_effect(db_before, &argv);
                    } else {
                        store.record_effect(db_before, &argv);
                    }
                }
            }
            None if store.dirty != dirty_before => store.record_effect(db_before, argv),
            None => {}
        }
    }
    // Serve clients blocked on keys this command made ready (not between the commands
    // of a transaction: after EXEC, as Redis does).
    if !session.in_multi {
        // A top-level command's effects are one replication unit; each client it served
        // below is another (Redis 7.0 propagates them after the command).
        let wrap = !spec.has(flags::TOUCHES_ARBITRARY_KEYS);
        if store.observer.depth() == 1 && store.end_unit_as(wrap) {
            session.woff = store.repl.offset;
        }
        crate::blocking::serve_ready(store);
    }
    observe::after_call(store, session, spec, argv, started, &result);
    result
}

/// A command another client sent while a script is timed out, run on the script's thread
/// in the middle of the script (Redis's `processEventsWhileBlocked` → `processCommand`):
/// the checks Redis makes before its busy check (lookup, arity, authentication, `no-multi`
/// in MULTI, ACL, replica read-only, the RESP2 Pub/Sub context), then `busy` — the
/// `-BUSY` error — for any command without [`flags::ALLOW_BUSY`] (a rejection, so an
/// open transaction is flagged and EXEC aborts it), else queueing in MULTI or the
/// handler. These commands neither write nor block, so nothing is recorded between the
/// script's own commands (no effects, wake-ups or replication unit); they are counted as
/// the client's own commands (commandstats, errorstats, slow log, latency), as in Redis.
pub fn execute_while_busy(
    store: &mut Store,
    session: &mut Session,
    argv: &[&[u8]],
    busy: Error,
) -> Result<Value> {
    // Counted (commandstats, errorstats, slow log, latency) as this client's own
    // command, not as one the script called.
    observe::Observer::as_top_level(store, |store| serve_while_busy(store, session, argv, busy))
}

fn serve_while_busy(
    store: &mut Store,
    session: &mut Session,
    argv: &[&[u8]],
    busy: Error,
) -> Result<Value> {
    let Some(name) = argv.first() else {
        return Err(Error::err("empty command"));
    };
    let Some(spec) = store.table().get(name) else {
        return reject(store, session, None, unknown_command(argv));
    };
    if !spec.arity_ok(argv.len()) {
        return reject_argv(
            store,
            session,
            Some(spec),
            Some(argv),
            Error::arity(spec.name),
        );
    }
    if session.tx.multi.is_some() && spec.has(flags::NO_MULTI) {
        return reject_argv(
            store,
            session,
            Some(spec),
            Some(argv),
            Error::err("Command not allowed inside a transaction"),
        );
    }
    if let Err(e) = admit(store, session, spec, argv) {
        return reject_argv(store, session, Some(spec), Some(argv), e);
    }
    if let Err(e) = crate::pubsub::check_context(session, spec, argv) {
        return reject_argv(store, session, Some(spec), Some(argv), e);
    }
    if !spec.has(flags::ALLOW_BUSY) {
        return reject_argv(store, session, Some(spec), Some(argv), busy);
    }
    if session.tx.multi.is_some() && !runs_in_multi(spec) {
        return queue(store, session, spec, argv);
    }
    session.last_command = Some(spec);
    let started = observe::before_call(store, session, spec, argv);
    let mut ctx = Ctx::new(store, session, started);
    let result = (spec.handler)(&mut ctx, argv);
    observe::after_call(store, session, spec, argv, started, &result);
    result
}

// ---------------------------------------------------------------------------------------
// Queueing (MULTI)
// ---------------------------------------------------------------------------------------

/// Commands that run immediately even inside MULTI.
#[inline]
fn runs_in_multi(spec: &CommandSpec) -> bool {
    matches!(
        spec.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// A command rejected before dispatch (unknown, wrong arity, NOAUTH, …), as Redis's
/// `rejectCommand`: flags the transaction of a session in MULTI and returns the error —
/// except that a rejected EXEC discards the transaction (and the watches) and answers
/// `EXECABORT Transaction discarded because of: <reason>` (`execCommandAbort`).
pub fn reject<T>(
    store: &mut Store,
    session: &mut Session,
    spec: Option<&'static CommandSpec>,
    e: Error,
) -> Result<T> {
    reject_argv(store, session, spec, None, e)
}

/// [`reject`] knowing the arguments (so a container's rejection is counted under its
/// subcommand).
fn reject_argv<T>(
    store: &mut Store,
    session: &mut Session,
    spec: Option<&'static CommandSpec>,
    argv: Option<&[&[u8]]>,
    e: Error,
) -> Result<T> {
    if spec.is_some_and(|s| s.name == "exec") {
        discard_transaction(store, session);
        // Reasons formatted by rejectCommandFormat carry no "ERR " (it is added by
        // addReplyError); shared error objects (NOAUTH, MISCONF, …) keep their code.
        let reason = e.message().strip_prefix("ERR ").unwrap_or(e.message());
        let e = Error::new(
            ErrorKind::ExecAbort,
            format!("EXECABORT Transaction discarded because of: {reason}"),
        );
        observe::after_reject(store, spec, argv, &e);
        return Err(e);
    }
    flag_transaction(session);
    observe::after_reject(store, spec, argv, &e);
    Err(e)
}

/// Flags the transaction of a session in MULTI as failed (Redis `flagTransaction`).
#[inline]
fn flag_transaction(session: &mut Session) {
    if let Some(q) = session.tx.multi.as_mut() {
        q.dirty_exec = true;
    }
}

/// Queues a command of a session in MULTI, after the checks Redis's `processCommand` makes
/// before queueing; a rejection flags the transaction.
fn queue(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Result<Value> {
    let rejected = if spec.has(flags::NO_MULTI) {
        Some(Error::err("Command not allowed inside a transaction"))
    } else if spec.has(flags::WRITE) {
        store.deny_writes()
    } else {
        None
    };
    if let Some(e) = rejected {
        flag_transaction(session);
        observe::after_reject(store, Some(spec), Some(argv), &e);
        return Err(e);
    }
    if let Some(q) = session.tx.multi.as_mut() {
        // Redis does not keep the commands of an already failed transaction.
        if !q.dirty_exec {
            q.push(spec, argv);
        }
    }
    Ok(Value::Simple("QUEUED".into()))
}

/// Leaves MULTI, drops the queue and every watch of the session (Redis
/// `discardTransaction`).
pub fn discard_transaction(store: &mut Store, session: &mut Session) {
    session.tx.multi = None;
    store.unwatch_all(session.id);
}

/// Starts queueing for `session` (MULTI).
pub fn begin_transaction(session: &mut Session) {
    session.tx.multi = Some(Queue::default());
}

// ---------------------------------------------------------------------------------------
// The lock
// ---------------------------------------------------------------------------------------

/// A store shared by several clients (handles, connections), behind its one lock.
#[derive(Debug)]
pub struct Shared {
    store: Mutex<Store>,
    /// The store's [`Store::busy`], reachable without the lock.
    busy: std::sync::Arc<crate::engine::busy::Busy>,
}

impl Shared {
    /// Wraps a store.
    pub fn new(store: Store) -> Shared {
        Shared {
            busy: store.busy.clone(),
            store: Mutex::new(store),
        }
    }

    /// Locks the store for inspection or configuration. Commands go through
    /// [`Shared::run`] or a [`Batch`], which also log and wait for durability.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock()
    }

    /// Locks the store if it is free at once (samplers that must never wait).
    pub fn try_lock(&self) -> Option<MutexGuard<'_, Store>> {
        self.store.try_lock()
    }

    /// The running-script state, read without the lock.
    pub fn busy(&self) -> &crate::engine::busy::Busy {
        &self.busy
    }

    /// Locks the store, unless a script holds it past `busy-reply-threshold` (None then:
    /// the caller answers without the store, see [`crate::engine::busy`]). A front end that
    /// serves other clients must not sit in `lock()` behind a script that SCRIPT KILL
    /// could stop.
    pub fn lock_unless_busy(&self) -> Option<MutexGuard<'_, Store>> {
        loop {
            if let Some(g) = self.store.try_lock_for(std::time::Duration::from_millis(5)) {
                return Some(g);
            }
            if self.busy.timed_out() {
                return None;
            }
        }
    }

    /// Runs `f` under the lock, hands the effects to the log, unlocks, then waits for
    /// durability as the fsync policy requires. `Err` means the writes may not survive a
    /// crash (they must not be acknowledged); `f`'s result is dropped then.
    pub fn run<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Result<T> {
        let mut batch = self.batch();
        let out = f(batch.store());
        batch.finish()?;
        Ok(out)
    }

    /// A batch of commands under one lock acquisition, taken lazily (the RESP server runs a
    /// pipeline in one batch).
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            shared: self,
            guard: None,
        }
    }

    /// A batch with the store already locked, if it is free at once (for a task of the
    /// server's async runtime, which must not block its thread on the lock: see
    /// `server::lock_batch`).
    pub fn try_batch(&self) -> Option<Batch<'_>> {
        Some(Batch {
            shared: self,
            guard: Some(self.store.try_lock()?),
        })
    }

    /// Consumes the wrapper, returning the store.
    pub fn into_inner(self) -> Store {
        self.store.into_inner()
    }
}

/// See [`Shared::batch`].
pub struct Batch<'a> {
    shared: &'a Shared,
    guard: Option<MutexGuard<'a, Store>>,
}

impl Batch<'_> {
    /// The store, locking it on first use.
    pub fn store(&mut self) -> &mut Store {
        self.guard.get_or_insert_with(|| self.shared.store.lock())
    }

    /// The store, locking it on first use unless a script holds it past
    /// `busy-reply-threshold` ([`Shared::lock_unless_busy`]).
    pub fn store_unless_busy(&mut self) -> Option<&mut Store> {
        if self.guard.is_none() {
            self.guard = Some(self.shared.lock_unless_busy()?);
        }
        self.guard.as_deref_mut()
    }

    /// The running-script state of the batch's store, read without the lock.
    pub fn busy(&self) -> &crate::engine::busy::Busy {
        self.shared.busy()
    }

    /// True once the store is locked.
    pub fn is_locked(&self) -> bool {
        self.guard.is_some()
    }

    /// Commits (effects to the log), unlocks, and waits for durability.
    pub fn finish(self) -> Result<()> {
        let Some(mut guard) = self.guard else {
            return Ok(());
        };
        let ticket = guard.commit_durable();
        drop(guard);
        ticket.wait()
    }
}

/// Whether a command's key lookups count in INFO `keyspace_hits` / `keyspace_misses`: Redis
/// counts `lookupKeyRead` and not `lookupKeyWrite`, so reads count, writes do not — except
/// the writes that read their keys with `lookupKeyRead` (the GET forms of SET, GETSET,
/// GETDEL, GETEX; the sources of the STORE commands, BITOP, COPY, SORT; PFMERGE; the stream
/// acknowledgement and claim commands; a BITFIELD of GETs only), and MEMORY USAGE, which
/// reads the table directly. (XREAD and XREADGROUP count each stream twice: their handlers
/// do that, see `blocking::streams`.) Checked against redis-server by `tests/introspect`.
fn counts_keyspace_stats(spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    if !spec.has(flags::WRITE) {
        return !(spec.name == "memory"
            && argv.len() > 1
            && argv[1].eq_ignore_ascii_case(b"usage"));
    }
    match spec.name {
        "getset" | "getdel" | "getex" | "copy" | "sort" | "pfmerge" | "xack" | "xclaim"
        | "xautoclaim" | "xreadgroup" | "georadius" | "georadiusbymember" | "bitop"
        | "sinterstore" | "sunionstore" | "sdiffstore" | "zunionstore" | "zinterstore"
        | "zdiffstore" | "zrangestore" | "geosearchstore" => true,
        "set" => argv[3..].iter().any(|a| a.eq_ignore_ascii_case(b"get")),
        "bitfield" => !argv[2..]
            .iter()
            .any(|a| a.eq_ignore_ascii_case(b"set") || a.eq_ignore_ascii_case(b"incrby")),
        _ => false,
    }
}

/// The destination key of a write that reads its sources (see [`counts_keyspace_stats`]).
fn store_destination<'a>(spec: &CommandSpec, argv: &[&'a [u8]]) -> Option<&'a [u8]> {
    let after = |word: &[u8]| {
        argv.iter()
            .position(|a| a.eq_ignore_ascii_case(word))
            .and_then(|i| argv.get(i + 1).copied())
    };
    match spec.name {
        "sinterstore" | "sunionstore" | "sdiffstore" | "zunionstore" | "zinterstore"
        | "zdiffstore" | "zrangestore" | "geosearchstore" => argv.get(1).copied(),
        "bitop" | "copy" => argv.get(2).copied(),
        "sort" | "georadius" | "georadiusbymember" => {
            after(b"store").or_else(|| after(b"storedist"))
        }
        _ => None,
    }
}

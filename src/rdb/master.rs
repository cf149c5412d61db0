//! `emu serve` as a replication master: SYNC, PSYNC and REPLCONF (Redis 7.0
//! `replication.c`: `syncCommand`, `masterTryPartialResynchronization`, `replconfCommand`).
//!
//! A connection that sends SYNC or PSYNC becomes a replica link
//! ([`crate::engine::repl::ReplicaLink`], left in `Session::replica`); the server's front end
//! then hands the connection over to the stream. A full resynchronisation:
//!
//! 0. a replica that announced `REPLCONF capa eof` (disk-less transfer) while
//!    `repl-diskless-sync` is `yes` waits `repl-diskless-sync-delay` seconds first (or
//!    until `repl-diskless-sync-max-replicas` wait), so that replicas attaching together
//!    share one RDB, as Redis's `replicationCron` starts one child for all of them; the
//!    server's once-a-second timer ([`cron`]) starts it. Nothing is sent meanwhile;
//! 1. under the store lock, at one point of the command stream: the reply
//!    (`+FULLRESYNC <replid> <offset>`; nothing for SYNC) for each replica starting, a copy
//!    of the keyspace and the function libraries, and the links registered, so every later
//!    unit of effects queues behind the RDB (the next one starts with a SELECT);
//! 2. on a thread of its own: one RDB of that copy (version 10, as
//!    [`crate::rdb::file::Writer`] writes it), framed `$EOF:<40 random chars>` … mark (one
//!    mark for all the replicas of the batch) for a disk-less replica, else `$<length>`;
//! 3. each front end sends it, then the stream.
//!
//! The same timer applies `repl-timeout` (an online replica that sent no REPLCONF ACK for
//! longer, or whose RDB transfer wrote nothing for longer, is dropped; one attached with
//! SYNC is exempt while streaming, as it never acknowledges) and `repl-backlog-ttl` (with no
//! replica for longer the backlog is freed and the replication id changes), see
//! [`crate::engine::repl::Master::cron`]. `min-replicas-to-write` / `min-replicas-max-lag`
//! refuse writes with NOREPLICAS ([`crate::engine::Store::deny_writes`]).
//!
//! PSYNC with the master's replication id and an offset the backlog still holds continues
//! instead (`+CONTINUE <replid>` to a `capa psync2` replica, `+CONTINUE` otherwise, then
//! the backlog from that offset).
//!
//! # Known differences from Redis
//!
//! * The RDB is produced from a copy of the keyspace on a thread (Redis forks), in memory,
//!   once per transfer: every replica of the transfer sends the same bytes (one
//!   `Arc<[u8]>`, never copied per replica). With `repl-diskless-sync no` a replica gets
//!   it framed `$<length>`, as Redis's disk-based transfer is framed, but no file is
//!   written. A replica that starts a disk-based sync while such a transfer is being
//!   produced joins it, as Redis attaches it to the BGSAVE in progress: the same
//!   `+FULLRESYNC` offset, a copy of the stream queued since, the same RDB
//!   ([`crate::engine::repl::DiskTransfer`]). Redis also waits for a running child
//!   (BGSAVE, AOF rewrite) before starting a replication one; emu never has to.
//! * Redis counts good replicas for `min-replicas-to-write` once a second; emu counts them
//!   at each write, so a replica's ACK counts at once.
//! * SYNC and PSYNC from an embedded handle (no network connection) are refused.
//! * A consumer group read (XREADGROUP) is sent as Redis 7.2 propagates it — the consumer's
//!   creation and the group's position explicit next to the XCLAIM, in MULTI/EXEC — where
//!   7.0 sends the XCLAIM alone; XTRIM's trimming is sent with `=`. Both are valid 7.0
//!   commands with the same outcome (see `tests/replication/stream.rs`).
//! * `master_replid2` / `second_repl_offset` stay unset.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::blocking::PausePurpose;
use crate::engine::repl::{DiskTransfer, Failover, FailoverState, Master, Phase, ReplicaLink};
use crate::engine::{flags::*, CommandSpec, Ctx, Store};
use crate::error::{Error, Result};
use crate::keyspace::Db;
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// The commands of this module.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "sync",
        1,
        ADMIN | NOSCRIPT | NO_MULTI,
        (0, 0, 0),
        "server",
        sync,
    ),
    CommandSpec::new(
        "psync",
        -3,
        ADMIN | NOSCRIPT | NO_MULTI,
        (0, 0, 0),
        "server",
        psync,
    ),
    CommandSpec::new(
        "replconf",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY,
        (0, 0, 0),
        "server",
        replconf,
    ),
    CommandSpec::new(
        "failover",
        -1,
        ADMIN | NOSCRIPT | STALE,
        (0, 0, 0),
        "server",
        failover,
    ),
    CommandSpec::new(
        "replicaof",
        3,
        ADMIN | NOSCRIPT | STALE,
        (0, 0, 0),
        "server",
        replicaof,
    ),
    CommandSpec::new(
        "slaveof",
        3,
        ADMIN | NOSCRIPT | STALE,
        (0, 0, 0),
        "server",
        replicaof,
    ),
];

/// # Format
/// `REPLICAOF host port` / `REPLICAOF NO ONE` (also `SLAVEOF`), Redis 7.0's
/// `replicaofCommand`: the link itself is the server's (`emu serve`'s link supervisor
/// connects within 100 ms); an embedded store without a server only records the target.
fn replicaof(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.store.config.cluster_enabled {
        return Err(Error::err("REPLICAOF not allowed in cluster mode."));
    }
    if eq_ic(argv[1], "no") && eq_ic(argv[2], "one") {
        if ctx.store.repl.follow.is_some() {
            ctx.store.repl.set_follow(None);
            set_replicaof_config(ctx.store, "");
        }
        return Ok(Value::ok());
    }
    if ctx
        .session
        .replica
        .as_ref()
        .is_some_and(|l| l.is_attached())
    {
        return Err(Error::err("Command is not valid when client is a replica."));
    }
    let port = parse_i64(argv[2])
        .filter(|p| (0..=65535).contains(p))
        .ok_or_else(|| Error::err("Invalid master port"))?;
    let host = String::from_utf8_lossy(argv[1]).into_owned();
    if let Some(f) = &ctx.store.repl.follow {
        if f.host.eq_ignore_ascii_case(&host) && i64::from(f.port) == port {
            return Ok(Value::Simple(
                "OK Already connected to specified master".into(),
            ));
        }
    }
    set_replicaof_config(ctx.store, &format!("{host} {port}"));
    ctx.store.repl.set_follow(Some((host, port as u16)));
    Ok(Value::ok())
}

/// # Format
/// `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]`, Redis 7.0's `failoverCommand`:
/// checks and errors in Redis's order; then writes are paused (`CLIENT PAUSE WRITE`) and the
/// state is `waiting-for-sync` until a replica (the target, or the first one) acknowledges
/// this store's whole stream ([`update_failover`], run by `emu serve`'s link supervisor
/// every 100 ms). Then this store follows that replica and sends it `PSYNC <replid>
/// <offset> FAILOVER`, which promotes it ([`failover_psync_done`]; an emu replica is
/// promoted the same way, in [`psync`]).
fn failover(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.store.config.cluster_enabled {
        return Err(Error::err(
            "FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.",
        ));
    }
    if argv.len() == 2 && eq_ic(argv[1], "abort") {
        if ctx.store.repl.failover.is_none() {
            return Err(Error::err("No failover in progress."));
        }
        abort_failover(ctx.store, "Failover manually aborted");
        return Ok(Value::ok());
    }
    let mut timeout: i64 = 0;
    let mut force = false;
    let mut target: Option<(String, i64)> = None;
    let mut j = 1;
    while j < argv.len() {
        if eq_ic(argv[j], "timeout") && j + 1 < argv.len() && timeout == 0 {
            timeout = parse_i64(argv[j + 1]).ok_or_else(Error::not_integer)?;
            if timeout <= 0 {
                return Err(Error::err("FAILOVER timeout must be greater than 0"));
            }
            j += 2;
        } else if eq_ic(argv[j], "to") && j + 2 < argv.len() && target.is_none() {
            let port = parse_i64(argv[j + 2]).ok_or_else(Error::not_integer)?;
            target = Some((String::from_utf8_lossy(argv[j + 1]).into_owned(), port));
            j += 3;
        } else if eq_ic(argv[j], "force") && !force {
            force = true;
            j += 1;
        } else {
            return Err(Error::syntax());
        }
    }
    let repl = &ctx.store.repl;
    if repl.failover.is_some() {
        return Err(Error::err("FAILOVER already in progress."));
    }
    if repl.follow.is_some() {
        return Err(Error::err(
            "FAILOVER is not valid when server is a replica.",
        ));
    }
    if !repl.replicas.iter().any(|r| !r.is_closed()) {
        return Err(Error::err("FAILOVER requires connected replicas."));
    }
    if force && (timeout == 0 || target.is_none()) {
        return Err(Error::err(
            "FAILOVER with force option requires both a timeout and target HOST and IP.",
        ));
    }
    let target = match target {
        Some((host, port)) => {
            let Some(link) = find_replica(&ctx.store.repl, &host, port) else {
                return Err(Error::err(
                    "FAILOVER target HOST and PORT is not a replica.",
                ));
            };
            if link.state().phase != Phase::Online {
                return Err(Error::err("FAILOVER target replica is not online."));
            }
            eprintln!("emu: FAILOVER requested to {host}:{port}.");
            Some((host, port as u16))
        }
        None => {
            eprintln!("emu: FAILOVER requested to any replica.");
            None
        }
    };
    let end = (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout as u64));
    ctx.store.repl.failover = Some(Failover {
        state: FailoverState::WaitForSync,
        target,
        end,
        force,
    });
    ctx.store
        .repl
        .failover_waiting
        .store(true, std::sync::atomic::Ordering::Release);
    // Redis pauses writes until the failover ends (PAUSE_DURING_FAILOVER).
    ctx.store.blocking.pause(
        PausePurpose::Failover,
        Instant::now() + FAILOVER_PAUSE,
        false,
    );
    Ok(Value::ok())
}

/// The pause of a FAILOVER lasts until it ends: "for ever" (Redis `LLONG_MAX`).
const FAILOVER_PAUSE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Redis `findReplica`: the replica whose address (announced, or the peer's) and
/// listening port are `host` and `port`.
fn find_replica(repl: &Master, host: &str, port: i64) -> Option<Arc<ReplicaLink>> {
    repl.replicas
        .iter()
        .find(|r| {
            if r.is_closed() {
                return false;
            }
            let st = r.state();
            let addr = st.announced_ip.clone().unwrap_or_else(|| r.ip.clone());
            addr.eq_ignore_ascii_case(host) && i64::from(st.listening_port) == port
        })
        .cloned()
}

/// Redis `clearFailoverState`: no failover; the failover's pause ends (a CLIENT PAUSE
/// stays).
fn clear_failover(store: &mut Store) {
    store.repl.failover = None;
    store
        .repl
        .failover_waiting
        .store(false, std::sync::atomic::Ordering::Release);
    store.blocking.unpause(PausePurpose::Failover);
}

/// Redis `abortFailover`: logged; a failover that had started following its target goes
/// back to being a master (the link stops).
pub(crate) fn abort_failover(store: &mut Store, why: &str) {
    let Some(f) = &store.repl.failover else {
        return;
    };
    match &f.target {
        Some((h, p)) => eprintln!("emu: FAILOVER to {h}:{p} aborted: {why}"),
        None => eprintln!("emu: FAILOVER to any replica aborted: {why}"),
    }
    if f.state == FailoverState::InProgress {
        store.repl.set_follow(None);
        set_replicaof_config(store, "");
    }
    clear_failover(store);
}

#[cfg(feature = "server")]
/// Redis `updateFailoverStatus`, for a failover waiting for its replica: past the
/// TIMEOUT it gives up (or, with FORCE, fails over anyway); once the target (or, without
/// TO, any replica) has acknowledged this store's whole stream, this store starts
/// following it (Redis `replicationSetMaster`), offering its own replication id and
/// offset so that the link's `PSYNC … FAILOVER` continues where the stream is.
pub(crate) fn update_failover(store: &mut Store) {
    let Some(f) = store.repl.failover.clone() else {
        store
            .repl
            .failover_waiting
            .store(false, std::sync::atomic::Ordering::Release);
        return;
    };
    if f.state != FailoverState::WaitForSync {
        return;
    }
    if f.end.is_some_and(|e| e <= Instant::now()) {
        if f.force {
            if let Some((h, p)) = &f.target {
                eprintln!("emu: FAILOVER to {h}:{p} time out exceeded, failing over.");
            }
            start_failover(store, f.target);
        } else {
            abort_failover(store, "Replica never caught up before timeout");
        }
        return;
    }
    let offset = store.repl.offset;
    let caught_up = |r: &Arc<ReplicaLink>| {
        let st = r.state();
        st.ack_offset == offset
    };
    let target = match &f.target {
        Some((h, p)) => find_replica(&store.repl, h, i64::from(*p))
            .filter(caught_up)
            .map(|_| (h.clone(), *p)),
        None => store
            .repl
            .replicas
            .iter()
            .filter(|r| !r.is_closed())
            .find(|r| caught_up(r))
            .map(|r| {
                let st = r.state();
                (
                    st.announced_ip.clone().unwrap_or_else(|| r.ip.clone()),
                    st.listening_port,
                )
            }),
    };
    if let Some((h, p)) = target {
        eprintln!("emu: Failover target {h}:{p} is synced, failing over.");
        start_failover(store, Some((h, p)));
    }
}

#[cfg(feature = "server")]
/// The failover's switch: this store follows `target` with its own id and offset cached.
fn start_failover(store: &mut Store, target: Option<(String, u16)>) {
    let Some((host, port)) = target else {
        abort_failover(store, "no target replica");
        return;
    };
    store
        .repl
        .failover_waiting
        .store(false, std::sync::atomic::Ordering::Release);
    if let Some(f) = &mut store.repl.failover {
        f.state = FailoverState::InProgress;
        f.target = Some((host.clone(), port));
    }
    set_replicaof_config(store, &format!("{host} {port}"));
    let (replid, offset) = (store.repl.replid.clone(), store.repl.offset);
    store.repl.set_follow(Some((host, port)));
    if let Some(fo) = &mut store.repl.follow {
        fo.replid = Some(replid);
        fo.offset = Some(offset);
    }
}

#[cfg(feature = "server")]
/// The target's reply to `PSYNC … FAILOVER` (Redis, in `syncWithMaster`): a continued or
/// full resynchronisation ends the failover; anything else aborts it.
pub(crate) fn failover_psync_done(store: &mut Store, accepted: bool) {
    if store
        .repl
        .failover
        .as_ref()
        .is_none_or(|f| f.state != FailoverState::InProgress)
    {
        return;
    }
    if accepted {
        clear_failover(store);
    } else {
        abort_failover(store, "Failover target rejected psync request");
    }
}

/// CONFIG GET replicaof shows the master followed ("host port"), or "" for a master.
fn set_replicaof_config(store: &mut Store, value: &str) {
    // The parameter is immutable for CONFIG SET; `set_initial` bypasses that.
    let _ = store.config.set_initial("replicaof", value.as_bytes());
    // The role changes the process's OOM class (Redis `replicationSetMaster` /
    // `replicationUnsetMaster` call `setOOMScoreAdj(-1)`; a failure is only logged).
    if let Err(why) = crate::config::oom::apply(&store.config) {
        eprintln!("emu: {why}");
    }
}

/// The link of this connection, created on its first REPLCONF / SYNC / PSYNC.
fn link_of(ctx: &mut Ctx) -> Arc<ReplicaLink> {
    if let Some(l) = &ctx.session.replica {
        return l.clone();
    }
    let ip = ctx
        .session
        .link
        .as_ref()
        .map(|l| {
            let a = &l.me.addr;
            a.rsplit_once(':')
                .map(|(ip, _)| ip.to_string())
                .unwrap_or_else(|| a.clone())
        })
        .unwrap_or_else(|| "127.0.0.1".into());
    let link = Arc::new(ReplicaLink::new(ctx.session.id, ip));
    ctx.session.replica = Some(link.clone());
    link
}

/// # Format
/// `REPLCONF [option value] …` — listening-port, ip-address, capa, ack, getack,
/// rdb-only, rdb-filter-only.
fn replconf(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() % 2 == 0 {
        return Err(Error::syntax());
    }
    let mut i = 1;
    while i < argv.len() {
        let (opt, val) = (argv[i], argv[i + 1]);
        if eq_ic(opt, "listening-port") {
            let port = parse_i64(val).ok_or_else(Error::not_integer)?;
            link_of(ctx).state().listening_port = port as u16;
        } else if eq_ic(opt, "ip-address") {
            link_of(ctx).state().announced_ip = Some(String::from_utf8_lossy(val).into_owned());
        } else if eq_ic(opt, "capa") {
            let link = link_of(ctx);
            let mut st = link.state();
            if eq_ic(val, "eof") {
                st.capa_eof = true;
            } else if eq_ic(val, "psync2") {
                st.capa_psync2 = true;
            }
        } else if eq_ic(opt, "ack") {
            // Only a replica acknowledges, and it gets no reply (its link's front end
            // handles ACKs on the stream; this is for one that sends it as a command).
            if let Some(l) = &ctx.session.replica {
                if l.state().phase != Phase::Handshake {
                    if let Some(off) = parse_i64(val) {
                        l.ack(off.max(0) as u64);
                    }
                }
            }
            return Ok(crate::engine::no_reply());
        } else if eq_ic(opt, "getack") {
            // Sent by a master to its replicas; emu is never a replica.
            return Ok(crate::engine::no_reply());
        } else if eq_ic(opt, "rdb-only") || eq_ic(opt, "rdb-filter-only") {
            // Accepted (Redis uses them for `redis-cli --rdb`); the stream still follows.
        } else {
            return Err(Error::err(format!(
                "Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(opt)
            )));
        }
        i += 2;
    }
    Ok(Value::ok())
}

/// # Format
/// `SYNC`
fn sync(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    start(ctx, None)
}

/// # Format
/// `PSYNC replicationid offset`
fn psync(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    // `PSYNC <replid> <offset> FAILOVER` from a failing-over master (Redis `syncCommand`):
    // the replid must be the one this server follows (a replica's is its master's), or
    // its own for a master; a replica then stops following and becomes a master
    // (`replicationUnsetMaster`) before answering the PSYNC like any other. Its own stream
    // has its own replication id and offsets, so the old master full-resyncs.
    if argv.len() > 3 && eq_ic(argv[3], "failover") {
        let mine = match &ctx.store.repl.follow {
            Some(f) => f.replid.clone(),
            None => Some(replid_of(ctx)),
        };
        if mine.as_deref().map(str::as_bytes) != Some(argv[1]) {
            return Err(Error::err("PSYNC FAILOVER replid must match my replid."));
        }
        if ctx.store.repl.follow.is_some() {
            ctx.store.repl.set_follow(None);
            set_replicaof_config(ctx.store, "");
            let from = ctx
                .session
                .link
                .as_ref()
                .map(|l| l.me.addr.clone())
                .unwrap_or_default();
            eprintln!("emu: MASTER MODE enabled (failover request from {from})");
        }
    }
    if ctx.store.repl.failover.is_some() {
        return Err(Error::from_reply(
            "NOMASTERLINK Can't SYNC while failing over",
        ));
    }
    start(ctx, Some((argv[1], argv[2])))
}

/// The replication id: the server's (INFO `master_replid`), or a fixed one in-process.
fn replid_of(ctx: &Ctx) -> String {
    if ctx.store.repl.is_active() {
        return ctx.store.repl.replid.clone();
    }
    ctx.session
        .link
        .as_ref()
        .map(|l| l.server.repl_id())
        .unwrap_or_else(|| "0".repeat(40))
}

fn start(ctx: &mut Ctx, psync: Option<(&[u8], &[u8])>) -> Result<Value> {
    if ctx.session.link.is_none() {
        // Only a network connection can carry the stream (nothing would drain it).
        return Err(Error::err(
            "SYNC and PSYNC need a network connection (emu serve)",
        ));
    }
    if ctx
        .session
        .replica
        .as_ref()
        .is_some_and(|l| l.state().phase != Phase::Handshake)
    {
        // Already a replica: ignored, as Redis does.
        return Ok(crate::engine::no_reply());
    }
    let replid = replid_of(ctx);
    let link = link_of(ctx);
    ctx.store.start_replication(&replid);
    // Partial resynchronisation.
    if let Some((id, off)) = psync {
        let offset = parse_i64(off).filter(|&o| o >= 0);
        if let (Some(off), true) = (offset, id == replid.as_bytes()) {
            // The offset is the first byte the replica lacks.
            if let Some(rest) = ctx.store.repl.backlog_from(off as u64) {
                let mut st = link.state();
                st.head = if st.capa_psync2 {
                    format!("+CONTINUE {replid}\r\n").into_bytes()
                } else {
                    b"+CONTINUE\r\n".to_vec()
                };
                st.head.extend_from_slice(&rest);
                st.rdb_ready = true;
                st.phase = Phase::Online;
                st.ack_offset = (off as u64).saturating_sub(1);
                st.ack_time = std::time::Instant::now();
                drop(st);
                ctx.store.repl.add(link);
                return Ok(crate::engine::no_reply());
            }
        }
    }
    // Full resynchronisation.
    {
        let mut st = link.state();
        st.psync = psync.is_some();
        st.pre_psync = psync.is_none();
        st.since = std::time::Instant::now();
    }
    let diskless = link.state().capa_eof && diskless_sync(&ctx.store.config);
    if !diskless {
        // A disk-based transfer in progress takes this replica too (same offset, same RDB).
        if let Some(t) = ctx.store.repl.disk_transfer.clone() {
            if t.replid == replid && t.join(&link) {
                ctx.store.repl.add(link);
                return Ok(crate::engine::no_reply());
            }
        }
    }
    if diskless && ctx.store.config.repl_diskless_sync_delay > 0 {
        // Redis waits `repl-diskless-sync-delay` for more replicas to share the RDB
        // (`syncCommand` → `replicationCron`): the cron starts it (see [`cron`]).
        link.state().phase = Phase::WaitStart;
        ctx.store.repl.add(link);
        return Ok(crate::engine::no_reply());
    }
    ctx.store.repl.add(link.clone());
    begin_full_sync(ctx.store, vec![link], ctx.now)
        .map_err(|e| Error::err(format!("can't start the replication RDB: {e}")))?;
    Ok(crate::engine::no_reply())
}

/// `repl-diskless-sync` (a stored `yes`/`no`): a replica with `capa eof` gets the RDB
/// framed `$EOF:` and waits `repl-diskless-sync-delay`; with `no`, every replica gets
/// `$<length>` at once, as Redis's disk-based transfer frames it.
fn diskless_sync(cfg: &crate::config::Config) -> bool {
    crate::config::lookup(b"repl-diskless-sync").is_none_or(|(spec, _)| spec.get(cfg) != "no")
}

/// The replication duties of one second (Redis `replicationCron`, master side), for the
/// server's timer: timeouts, the backlog's TTL and the disk-less full resyncs that are
/// due (see [`crate::engine::repl::Master::cron`]); the replicas due now share one RDB.
/// True if the backlog was freed: the caller takes a new replication id.
pub fn cron(store: &mut Store, now_ms: u64) -> bool {
    let out = store.repl.cron(&store.config);
    if out.backlog_freed {
        store.replication_stopped();
    }
    for r in &store.repl.replicas {
        r.keepalive();
    }
    if !out.start.is_empty() {
        let links = out.start.clone();
        if let Err(e) = begin_full_sync(store, out.start, now_ms) {
            for l in links {
                l.close(&format!("can't start the replication RDB: {e}"));
            }
        }
    }
    out.backlog_freed
}

/// Starts the full resync of `links`, at this point of the command stream: each gets its
/// `+FULLRESYNC <replid> <offset>` (PSYNC) and queues the stream from here on (the next
/// unit starts with a SELECT); a copy of the keyspace and the function libraries goes to a
/// thread that writes one RDB for all of them (one `$EOF:` mark, as Redis's one child
/// feeds every replica of a disk-less sync).
fn begin_full_sync(
    store: &mut Store,
    links: Vec<Arc<ReplicaLink>>,
    now: u64,
) -> std::io::Result<()> {
    let replid = store.repl.replid.clone();
    let offset = store.repl.offset;
    let diskless = diskless_sync(&store.config);
    store.repl.reset_select();
    let mut framing = Vec::with_capacity(links.len());
    for link in &links {
        let mut st = link.state();
        st.phase = Phase::WaitBgsave;
        if st.psync {
            st.head = format!("+FULLRESYNC {replid} {offset}\r\n").into_bytes();
        }
        st.stream_on_ack = st.capa_eof && diskless;
        framing.push(st.stream_on_ack);
        drop(st);
        // The reply goes out now, the RDB when it is ready (Redis answers when its child
        // starts).
        link.wake();
    }
    let dbs: Vec<Db> = store.dbs.clone();
    let libs: Vec<Vec<u8>> = store.libraries.iter().map(|(_, c)| c.clone()).collect();
    let cfg = store.config.clone();
    let mark = framing
        .iter()
        .any(|&e| e)
        .then(|| eof_mark(&replid, offset, now));
    // An all disk-based batch can be joined while its RDB is produced (Redis attaches a
    // replica to a BGSAVE in progress); a disk-less one cannot (Redis's child writes to
    // the replicas' sockets from the start).
    let joinable = !framing.iter().any(|&e| e);
    let transfer = Arc::new(DiskTransfer::new(replid, offset, links));
    store.repl.disk_transfer = joinable.then(|| transfer.clone());
    std::thread::Builder::new()
        .name("emu-repl-rdb".into())
        .spawn(move || {
            let repl = Some((transfer.replid.as_str(), transfer.offset));
            let rdb = rdb_bytes(&dbs, &libs, &cfg, now, repl).map(Arc::<[u8]>::from);
            drop(dbs);
            // One payload for every replica of the transfer (joined ones included).
            let links = transfer.close();
            for link in links {
                let eof = link.state().stream_on_ack;
                match &rdb {
                    Ok(rdb) => {
                        let (head, tail) = match (&mark, eof) {
                            (Some(m), true) => (format!("$EOF:{m}\r\n"), m.clone()),
                            _ => (format!("${}\r\n", rdb.len()), String::new()),
                        };
                        link.rdb_done(Ok((head.as_bytes(), rdb, tail.as_bytes())));
                    }
                    Err(e) => link.rdb_done(Err(e.clone())),
                }
            }
        })
        .map(|_| ())
}

/// 40 characters marking the end of a disk-less transfer (Redis `getRandomHexChars`).
fn eof_mark(replid: &str, offset: u64, now: u64) -> String {
    let seed = replid.bytes().fold(now ^ offset.rotate_left(17), |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = crate::keyspace::Rng::new(seed);
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
        .collect()
}

/// The RDB of `dbs` (keys expired at `now` left out), unframed; `repl` (replication id,
/// offset) adds the replication AUX fields.
pub fn rdb_bytes(
    dbs: &[Db],
    libs: &[Vec<u8>],
    cfg: &crate::config::Config,
    now: u64,
    repl: Option<(&str, u64)>,
) -> std::result::Result<Vec<u8>, String> {
    let mut rdb = Vec::new();
    let mut w = crate::rdb::file::Writer::with_repl_info(&mut rdb, now, cfg.rdbchecksum, repl)
        .map_err(|e| e.to_string())?;
    for code in libs {
        w.function(code, cfg.rdbcompression)
            .map_err(|e| e.to_string())?;
    }
    for (i, db) in dbs.iter().enumerate() {
        let live: Vec<_> = db
            .dict
            .iter()
            .filter(|(_, e)| !e.is_expired_at(now))
            .collect();
        if live.is_empty() {
            continue;
        }
        let expires = live.iter().filter(|(_, e)| e.expire().is_some()).count();
        w.select_db(i, live.len(), expires)
            .map_err(|e| e.to_string())?;
        for (k, e) in live {
            w.key(k, e, cfg).map_err(|e| e.to_string())?;
        }
    }
    w.finish().map_err(|e| e.to_string())?;
    Ok(rdb)
}

//! Consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM.
//!
//! # What is logged
//!
//! Group state changes are logged as the commands Redis propagates to replicas, rewritten
//! to be deterministic: a delivery or claim as `XCLAIM key group consumer 0 id TIME t
//! RETRYCOUNT n FORCE JUSTID LASTID id SEENTIME t`, the group's position as `XGROUP SETID
//! key group id ENTRIESREAD n`, a consumer created or refreshed as `XGROUP CREATECONSUMER
//! key group consumer SEENTIME t`. `SEENTIME` (the consumer's `seen-time`, which Redis
//! does not replicate) is an emu extension accepted only while replaying a log.
//!
//! XREADGROUP logs all of its group changes (the consumer, each delivery, the new
//! position), but the replication stream carries only what Redis 7.0.15 propagates
//! (`streamPropagateXCLAIM`, `streamPropagateGroupID`, `streamPropagateConsumerCreation`):
//! an `XCLAIM` per new delivery; with NOACK, `XGROUP CREATECONSUMER` for a consumer the
//! read created and `XGROUP SETID … ENTRIESREAD` for the new position; nothing for a
//! history read. The rest is logged with `Ctx::propagate_log_only`.

use super::id::{self, StreamId};
use super::read::{entry_reply, parse_read, streams_reply, BlockPlan};
use super::write::{read_stream, write_stream};
use super::{Consumer, Group, Nack, Stream};
use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

fn nogroup(key: &[u8], group: &[u8]) -> Error {
    Error::from_reply(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        String::from_utf8_lossy(key),
        String::from_utf8_lossy(group)
    ))
}

fn ll(a: &[u8], msg: &str) -> Result<i64> {
    parse_i64(a).ok_or_else(|| {
        if msg.is_empty() {
            Error::not_integer()
        } else {
            Error::err(msg)
        }
    })
}

fn id_bulk(id: StreamId) -> Value {
    Value::Bulk(id.to_bytes())
}

/// Time to stamp consumers with: the command time, or the logged `SEENTIME` on replay.
fn seen_time(ctx: &Ctx, logged: Option<u64>) -> u64 {
    logged.unwrap_or(ctx.now)
}

/// Parses a trailing `SEENTIME t` (accepted only while loading); returns the arguments
/// without it.
fn split_seentime<'a, 'b>(
    ctx: &Ctx,
    argv: &'b [&'a [u8]],
) -> Result<(&'b [&'a [u8]], Option<u64>)> {
    let n = argv.len();
    if ctx.store.loading && n >= 2 && eq_ic(argv[n - 2], "seentime") {
        let t = ll(argv[n - 1], "")?;
        return Ok((&argv[..n - 2], Some(t.max(0) as u64)));
    }
    Ok((argv, None))
}

/// True if `consumer` exists in group `gname` of the stream under `key`.
fn has_consumer(ctx: &mut Ctx, key: &[u8], gname: &[u8], consumer: &[u8]) -> bool {
    matches!(read_stream(ctx, key), Ok(Some(s)) if s.groups.get(gname).is_some_and(|g| g.consumers.contains_key(consumer)))
}

/// Fires `xgroup-createconsumer` when a read or claim created the consumer (Redis
/// `streamCreateConsumer` with notifications on).
fn notify_if_created(ctx: &mut Ctx, key: &[u8], gname: &[u8], consumer: &[u8], existed: bool) {
    if !existed && has_consumer(ctx, key, gname, consumer) {
        ctx.notify(notify::STREAM, "xgroup-createconsumer", key);
    }
}

/// Looks a consumer up, creating it (Redis `streamLookupConsumer` + `streamCreateConsumer`),
/// stamping its seen-time. Returns true when created.
fn touch_consumer(g: &mut Group, name: &[u8], now: u64) -> bool {
    match g.consumers.get_mut(name) {
        Some(c) => {
            c.seen_time = now;
            false
        }
        None => {
            g.consumers.insert(
                name.to_vec(),
                Consumer {
                    seen_time: now,
                    pel: Default::default(),
                },
            );
            true
        }
    }
}

/// The `XCLAIM` effect recording a NACK's state (Redis `streamPropagateXCLAIM`).
fn claim_effect(
    key: &[u8],
    group: &[u8],
    g: &Group,
    id: StreamId,
    nack: &Nack,
    seen: u64,
) -> Vec<Vec<u8>> {
    vec![
        b"XCLAIM".to_vec(),
        key.to_vec(),
        group.to_vec(),
        nack.consumer.clone(),
        b"0".to_vec(),
        id.to_bytes(),
        b"TIME".to_vec(),
        nack.delivery_time.to_string().into_bytes(),
        b"RETRYCOUNT".to_vec(),
        nack.delivery_count.to_string().into_bytes(),
        b"FORCE".to_vec(),
        b"JUSTID".to_vec(),
        b"LASTID".to_vec(),
        g.last_id.to_bytes(),
        b"SEENTIME".to_vec(),
        seen.to_string().into_bytes(),
    ]
}

fn setid_effect(key: &[u8], group: &[u8], g: &Group) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"SETID".to_vec(),
        key.to_vec(),
        group.to_vec(),
        g.last_id.to_bytes(),
        b"ENTRIESREAD".to_vec(),
        g.entries_read
            .map_or(-1, |n| n as i64)
            .to_string()
            .into_bytes(),
    ]
}

fn consumer_effect(key: &[u8], group: &[u8], consumer: &[u8], seen: u64) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"CREATECONSUMER".to_vec(),
        key.to_vec(),
        group.to_vec(),
        consumer.to_vec(),
        b"SEENTIME".to_vec(),
        seen.to_string().into_bytes(),
    ]
}

/// Removes a NACK from the group PEL and its consumer's PEL.
fn drop_nack(g: &mut Group, id: StreamId) -> Option<Nack> {
    let nack = g.pel.remove(&id)?;
    if let Some(c) = g.consumers.get_mut(&nack.consumer) {
        c.pel.remove(&id);
    }
    Some(nack)
}

/// Gives the NACK `id` to `consumer` (which must exist).
fn assign_nack(g: &mut Group, id: StreamId, consumer: &[u8]) {
    let old = match g.pel.get_mut(&id) {
        Some(n) if n.consumer != consumer => {
            Some(std::mem::replace(&mut n.consumer, consumer.to_vec()))
        }
        _ => None,
    };
    if let Some(old) = old {
        if let Some(c) = g.consumers.get_mut(&old) {
            c.pel.remove(&id);
        }
    }
    if let Some(c) = g.consumers.get_mut(consumer) {
        c.pel.insert(id);
    }
}

// ---------------------------------------------------------------------------------------
// XGROUP

const XGROUP_SUBS: &[Sub] = &[
    Sub {
        name: "create",
        arity: -5,
        handler: xgroup_create,
    },
    Sub {
        name: "setid",
        arity: -5,
        handler: xgroup_setid,
    },
    Sub {
        name: "destroy",
        arity: 4,
        handler: xgroup_destroy,
    },
    Sub {
        name: "createconsumer",
        arity: -5,
        handler: xgroup_createconsumer,
    },
    Sub {
        name: "delconsumer",
        arity: 5,
        handler: xgroup_delconsumer,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: xgroup_help,
    },
];

/// # Format
/// `XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP …`
pub fn xgroup(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("xgroup", XGROUP_SUBS, ctx, argv)
}

fn sub_syntax(argv: &[&[u8]]) -> Error {
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try XGROUP HELP.",
        String::from_utf8_lossy(argv[1])
    ))
}

/// Options after the ID of CREATE/SETID: (MKSTREAM, ENTRIESREAD).
fn create_setid_opts(argv: &[&[u8]], create: bool) -> Result<(bool, Option<i64>)> {
    let mut mkstream = false;
    let mut entries_read = None;
    let mut i = 5;
    while i < argv.len() {
        if create && eq_ic(argv[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if eq_ic(argv[i], "entriesread") && i + 1 < argv.len() {
            let n = ll(argv[i + 1], "")?;
            if n < 0 && n != -1 {
                return Err(Error::err("value for ENTRIESREAD must be positive or -1"));
            }
            entries_read = Some(n);
            i += 2;
        } else {
            return Err(sub_syntax(argv));
        }
    }
    Ok((mkstream, entries_read))
}

fn require_key(exists: bool) -> Result<()> {
    if exists {
        Ok(())
    } else {
        Err(Error::err(
            "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
        ))
    }
}

fn no_such_group(key: &[u8], group: &[u8]) -> Error {
    Error::from_reply(format!(
        "NOGROUP No such consumer group '{}' for key name '{}'",
        String::from_utf8_lossy(group),
        String::from_utf8_lossy(key)
    ))
}

/// The group for a subcommand that needs key and group to exist.
fn existing_group<'c>(ctx: &'c mut Ctx, key: &[u8], group: &[u8]) -> Result<&'c mut Stream> {
    let s = write_stream(ctx, key)?;
    require_key(s.is_some())?;
    match s {
        Some(s) if s.groups.contains_key(group) => Ok(s),
        _ => Err(no_such_group(key, group)),
    }
}

/// # Format
/// `XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]`
fn xgroup_create(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (mkstream, entries_read) = create_setid_opts(argv, true)?;
    if argv.len() > 8 {
        return Err(sub_syntax(argv));
    }
    let (key, name) = (argv[2], argv[3]);
    let exists = write_stream(ctx, key)?.is_some();
    if !mkstream {
        require_key(exists)?;
    }
    let id = if argv[4] == b"$" {
        read_stream(ctx, key)?.map_or(StreamId::ZERO, |s| s.last_id)
    } else {
        id::parse_strict(argv[4], 0)?
    };
    if !exists {
        ctx.insert(key, Object::Stream(Box::default()));
    }
    let Some(s) = write_stream(ctx, key)? else {
        return Err(Error::err("internal error: stream vanished"));
    };
    if s.groups.contains_key(name) {
        return Err(Error::from_reply(
            "BUSYGROUP Consumer Group name already exists",
        ));
    }
    s.groups.insert(
        name.to_vec(),
        Group {
            last_id: id,
            entries_read: entries_read.and_then(|n| u64::try_from(n).ok()),
            ..Group::default()
        },
    );
    ctx.modified(key, notify::STREAM, "xgroup-create");
    Ok(Value::ok())
}

/// # Format
/// `XGROUP SETID key group id|$ [ENTRIESREAD entries-read]`
fn xgroup_setid(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (_, entries_read) = create_setid_opts(argv, false)?;
    let (key, name) = (argv[2], argv[3]);
    let s = existing_group(ctx, key, name)?;
    if argv.len() != 5 && argv.len() != 7 {
        return Err(sub_syntax(argv));
    }
    let id = if argv[4] == b"$" {
        s.last_id
    } else {
        id::parse_id(argv[4], 0)?
    };
    if let Some(g) = s.groups.get_mut(name) {
        g.last_id = id;
        g.entries_read = entries_read.and_then(|n| u64::try_from(n).ok());
    }
    ctx.modified(key, notify::STREAM, "xgroup-setid");
    Ok(Value::ok())
}

/// # Format
/// `XGROUP DESTROY key group`
fn xgroup_destroy(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, name) = (argv[2], argv[3]);
    let s = write_stream(ctx, key)?;
    require_key(s.is_some())?;
    let removed = s.is_some_and(|s| s.groups.remove(name).is_some());
    if removed {
        ctx.modified(key, notify::STREAM, "xgroup-destroy");
    }
    Ok(Value::Int(removed as i64))
}

/// # Format
/// `XGROUP CREATECONSUMER key group consumer`
fn xgroup_createconsumer(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (argv, logged) = split_seentime(ctx, argv)?;
    if argv.len() != 5 {
        return Err(Error::arity("xgroup|createconsumer"));
    }
    let (key, name, consumer) = (argv[2], argv[3], argv[4]);
    let now = seen_time(ctx, logged);
    let s = existing_group(ctx, key, name)?;
    let Some(g) = s.groups.get_mut(name) else {
        return Err(no_such_group(key, name));
    };
    let created = if let Some(t) = logged {
        // Replay: create or refresh with the logged time.
        touch_consumer(g, consumer, t)
    } else if g.consumers.contains_key(consumer) {
        false
    } else {
        touch_consumer(g, consumer, now)
    };
    if created {
        ctx.modified(key, notify::STREAM, "xgroup-createconsumer");
        ctx.propagate_with(|| consumer_effect(key, name, consumer, now));
    } else {
        ctx.propagate_nothing();
    }
    Ok(Value::Int(created as i64))
}

/// # Format
/// `XGROUP DELCONSUMER key group consumer`
fn xgroup_delconsumer(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, name, consumer) = (argv[2], argv[3], argv[4]);
    let s = existing_group(ctx, key, name)?;
    let Some(g) = s.groups.get_mut(name) else {
        return Err(no_such_group(key, name));
    };
    // A consumer that does not exist: no change, no event, nothing propagated (Redis 7.0).
    let Some(c) = g.consumers.remove(consumer) else {
        return Ok(Value::Int(0));
    };
    for id in &c.pel {
        g.pel.remove(id);
    }
    let pending = c.pel.len();
    ctx.modified(key, notify::STREAM, "xgroup-delconsumer");
    Ok(Value::Int(pending as i64))
}

fn xgroup_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(prints_help(help_reply(
        "xgroup",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    )))
}

// ---------------------------------------------------------------------------------------
// XREADGROUP

/// XREADGROUP (Redis `xreadCommand` with GROUP): the reply, and the block plan when
/// nothing was served and BLOCK was given. With `wakeup` (the ready key of a blocked
/// client) just that key is served, and a deleted key or group is an error, as Redis 7.0
/// answers its blocked clients.
///
/// # Format
/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key
/// [key ...] id [id ...]`
pub fn xreadgroup_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    wakeup: Option<&[u8]>,
) -> Result<(Value, Option<BlockPlan>)> {
    let a = parse_read(argv, true, ctx.store.busy.running())?;
    let Some((gname, cname)) = a.group else {
        return Err(Error::err("Missing GROUP option for XREADGROUP"));
    };
    if let Some(k) = wakeup {
        match read_stream(ctx, k) {
            Ok(Some(s)) if !s.groups.contains_key(gname) => {
                return Err(Error::from_reply(
                    "NOGROUP the consumer group this client was blocked on no longer exists",
                ))
            }
            Ok(Some(_)) => {}
            _ => {
                return Err(Error::from_reply(
                    "UNBLOCKED the stream key no longer exists",
                ))
            }
        }
    }
    // Resolve every key, group and ID first (errors before any change).
    let mut ids: Vec<Option<StreamId>> = Vec::with_capacity(a.keys.len());
    for (k, raw) in a.keys.iter().zip(&a.ids) {
        let has_group = read_stream(ctx, k)?.is_some_and(|s| s.groups.contains_key(gname));
        if !has_group {
            return Err(Error::from_reply(format!(
                "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(gname)
            )));
        }
        if *raw == b"$" {
            return Err(Error::err(
                "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
            ));
        }
        ids.push(if *raw == b">" {
            None
        } else {
            Some(id::parse_strict(raw, 0)?)
        });
    }
    let now = ctx.now;
    let mut out = Vec::new();
    for (k, want) in a.keys.iter().zip(ids) {
        if wakeup.is_some_and(|w| w != *k) {
            continue;
        }
        let existed = has_consumer(ctx, k, gname, cname);
        let Some(s) = write_stream(ctx, k)? else {
            continue;
        };
        let mut effects = Vec::new();
        let reply = match want {
            Some(start) => Some(read_history(
                s,
                gname,
                cname,
                start,
                a.count,
                now,
                k,
                &mut effects,
            )),
            None => read_new(s, gname, cname, a.count, a.noack, now, k, &mut effects),
        };
        if let Some(r) = reply {
            for (e, wire) in effects {
                if wire {
                    ctx.propagate(e);
                } else {
                    ctx.propagate_log_only(e);
                }
            }
            notify_if_created(ctx, k, gname, cname, existed);
            out.push((k.to_vec(), r));
        }
    }
    if out.is_empty() {
        ctx.propagate_nothing();
    }
    let plan = match a.block {
        Some(ms) if out.is_empty() => Some(BlockPlan {
            keys: a.keys.iter().map(|k| k.to_vec()).collect(),
            ms,
            rerun: argv.iter().map(|x| x.to_vec()).collect(),
            wake_on_delete: true,
        }),
        _ => None,
    };
    Ok((streams_reply(ctx.resp(), out), plan))
}

/// Serves `>`: new entries after the group's last ID. None when there is nothing new.
#[allow(clippy::too_many_arguments)]
fn read_new(
    s: &mut Stream,
    gname: &[u8],
    cname: &[u8],
    count: usize,
    noack: bool,
    now: u64,
    key: &[u8],
    effects: &mut Vec<(Vec<Vec<u8>>, bool)>,
) -> Option<Value> {
    let last = s.groups.get(gname)?.last_id;
    if s.is_empty() || s.edge(true).is_none_or(|m| m <= last) {
        return None;
    }
    let start = last.incr()?;
    let entries = s.range(start, StreamId::MAX, count, false);
    let mut positions = Vec::with_capacity(entries.len());
    {
        let g = s.groups.get(gname)?;
        let mut read = g.entries_read;
        let mut last_id = g.last_id;
        for (id, _) in &entries {
            if *id > last_id {
                read = match read {
                    Some(n) if !s.range_has_tombstones(*id, StreamId::MAX) => Some(n + 1),
                    _ if s.entries_added > 0 => s.estimate_distance(*id),
                    other => other,
                };
                last_id = *id;
            }
            positions.push((last_id, read));
        }
    }
    let g = s.groups.get_mut(gname)?;
    let created = touch_consumer(g, cname, now);
    effects.push((consumer_effect(key, gname, cname, now), noack && created));
    for ((id, _), (last_id, read)) in entries.iter().zip(&positions) {
        g.last_id = *last_id;
        g.entries_read = *read;
        if !noack {
            let prev = g.pel.insert(
                *id,
                Nack {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: cname.to_vec(),
                },
            );
            if let Some(p) = prev {
                if let Some(c) = g.consumers.get_mut(&p.consumer) {
                    c.pel.remove(id);
                }
            }
            if let Some(c) = g.consumers.get_mut(cname) {
                c.pel.insert(*id);
            }
            if let Some(n) = g.pel.get(id) {
                effects.push((claim_effect(key, gname, g, *id, n, now), true));
            }
        }
    }
    if !entries.is_empty() {
        effects.push((setid_effect(key, gname, g), noack));
    }
    Some(Value::Array(
        entries
            .into_iter()
            .map(|(id, p)| entry_reply(id, p))
            .collect(),
    ))
}

/// Serves a history read: the consumer's own pending entries from `start`.
#[allow(clippy::too_many_arguments)]
fn read_history(
    s: &mut Stream,
    gname: &[u8],
    cname: &[u8],
    start: StreamId,
    count: usize,
    now: u64,
    key: &[u8],
    effects: &mut Vec<(Vec<Vec<u8>>, bool)>,
) -> Value {
    let Some(g) = s.groups.get_mut(gname) else {
        return Value::Array(Vec::new());
    };
    touch_consumer(g, cname, now);
    effects.push((consumer_effect(key, gname, cname, now), false));
    // Like every XREAD form, the ID given is exclusive (Redis increments it first).
    let Some(start) = start.incr() else {
        return Value::Array(Vec::new());
    };
    let ids: Vec<StreamId> = g
        .consumers
        .get(cname)
        .map(|c| {
            c.pel
                .range(start..)
                .take(if count == 0 { usize::MAX } else { count })
                .copied()
                .collect()
        })
        .unwrap_or_default();
    let mut items = Vec::with_capacity(ids.len());
    let mut touched = Vec::new();
    for id in ids {
        match s.range(id, id, 1, false).pop() {
            Some((id, pairs)) => {
                items.push(entry_reply(id, pairs));
                touched.push(id);
            }
            None => items.push(Value::Array(vec![id_bulk(id), Value::NilArray])),
        }
    }
    if let Some(g) = s.groups.get_mut(gname) {
        for id in touched {
            if let Some(n) = g.pel.get_mut(&id) {
                n.delivery_time = now;
                n.delivery_count += 1;
            }
            if let Some(n) = g.pel.get(&id) {
                effects.push((claim_effect(key, gname, g, id, n, now), false));
            }
        }
    }
    Value::Array(items)
}

// ---------------------------------------------------------------------------------------
// XACK, XPENDING

/// # Format
/// `XACK key group id [id ...]`
pub fn xack(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, gname) = (argv[1], argv[2]);
    let has = read_stream(ctx, key)?.is_some_and(|s| s.groups.contains_key(gname));
    if !has {
        return Ok(Value::Int(0));
    }
    let ids = argv[3..]
        .iter()
        .map(|a| id::parse_strict(a, 0))
        .collect::<Result<Vec<_>>>()?;
    let Some(g) = write_stream(ctx, key)?.and_then(|s| s.groups.get_mut(gname)) else {
        return Ok(Value::Int(0));
    };
    let acked = ids.iter().filter(|id| drop_nack(g, **id).is_some()).count();
    if acked > 0 {
        ctx.store.dirty += 1;
    }
    Ok(Value::Int(acked as i64))
}

/// # Format
/// `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`
pub fn xpending(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, gname) = (argv[1], argv[2]);
    let argc = argv.len();
    let justinfo = argc == 3;
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(Error::syntax());
    }
    let mut minidle = 0i64;
    let mut count = 0i64;
    let (mut start, mut end) = (StreamId::ZERO, StreamId::MAX);
    let mut consumer: Option<&[u8]> = None;
    if argc >= 6 {
        let mut si = 3;
        if eq_ic(argv[3], "idle") {
            minidle = ll(argv[4], "")?;
            if argc < 8 {
                return Err(Error::syntax());
            }
            si += 2;
        }
        count = ll(argv[si + 2], "")?.max(0);
        let (s, sx) = id::parse_interval(argv[si], 0)?;
        start = s;
        if sx {
            start = start
                .incr()
                .ok_or_else(|| Error::err("invalid start ID for the interval"))?;
        }
        let (e, ex) = id::parse_interval(argv[si + 1], u64::MAX)?;
        end = e;
        if ex {
            end = end
                .decr()
                .ok_or_else(|| Error::err("invalid end ID for the interval"))?;
        }
        if si + 3 < argc {
            consumer = Some(argv[si + 3]);
        }
    }
    let now = ctx.now;
    let Some(g) = read_stream(ctx, key)?.and_then(|s| s.groups.get(gname)) else {
        return Err(nogroup(key, gname));
    };
    if justinfo {
        let (Some(first), Some(last)) = (g.pel.keys().next(), g.pel.keys().next_back()) else {
            return Ok(Value::Array(vec![
                Value::Int(0),
                Value::Nil,
                Value::Nil,
                Value::NilArray,
            ]));
        };
        let consumers = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(n, c)| {
                Value::Array(vec![
                    Value::bulk(n),
                    Value::Bulk(c.pel.len().to_string().into_bytes()),
                ])
            })
            .collect();
        return Ok(Value::Array(vec![
            Value::Int(g.pel.len() as i64),
            id_bulk(*first),
            id_bulk(*last),
            Value::Array(consumers),
        ]));
    }
    let ids: Box<dyn Iterator<Item = StreamId>> = match consumer {
        Some(c) => match g.consumers.get(c) {
            None => return Ok(Value::Array(Vec::new())),
            Some(c) if start <= end => Box::new(c.pel.range(start..=end).copied()),
            Some(_) => Box::new(std::iter::empty()),
        },
        None if start <= end => Box::new(g.pel.range(start..=end).map(|(id, _)| *id)),
        None => Box::new(std::iter::empty()),
    };
    let mut out = Vec::new();
    for id in ids {
        if count == 0 {
            break;
        }
        let Some(n) = g.pel.get(&id) else { continue };
        let idle = now as i64 - n.delivery_time as i64;
        if minidle != 0 && idle < minidle {
            continue;
        }
        count -= 1;
        out.push(Value::Array(vec![
            id_bulk(id),
            Value::bulk(&n.consumer),
            Value::Int(idle.max(0)),
            Value::Int(n.delivery_count as i64),
        ]));
    }
    Ok(Value::Array(out))
}

// ---------------------------------------------------------------------------------------
// XCLAIM, XAUTOCLAIM

/// # Format
/// `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
/// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]`
pub fn xclaim(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (argv, logged_seen) = split_seentime(ctx, argv)?;
    let (key, gname, cname) = (argv[1], argv[2], argv[3]);
    let has = read_stream(ctx, key)?.is_some_and(|s| s.groups.contains_key(gname));
    if !has {
        return Err(nogroup(key, gname));
    }
    let minidle = ll(argv[4], "Invalid min-idle-time argument for XCLAIM")?.max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < argv.len() {
        match id::parse_strict(argv[j], 0) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = ctx.now as i64;
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::ZERO;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = argv[j];
        if eq_ic(opt, "force") {
            force = true;
        } else if eq_ic(opt, "justid") {
            justid = true;
        } else if eq_ic(opt, "idle") && more > 0 {
            j += 1;
            deliverytime = now - ll(argv[j], "Invalid IDLE option argument for XCLAIM")?;
        } else if eq_ic(opt, "time") && more > 0 {
            j += 1;
            deliverytime = ll(argv[j], "Invalid TIME option argument for XCLAIM")?;
        } else if eq_ic(opt, "retrycount") && more > 0 {
            j += 1;
            retrycount = ll(argv[j], "Invalid RETRYCOUNT option argument for XCLAIM")?;
        } else if eq_ic(opt, "lastid") && more > 0 {
            j += 1;
            last_id = id::parse_strict(argv[j], 0)?;
        } else {
            return Err(Error::err(format!(
                "Unrecognized XCLAIM option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
        j += 1;
    }
    // On replay the logged TIME is taken as is (the replica's clock is not the writer's).
    if deliverytime < 0 || (logged_seen.is_none() && deliverytime > now) {
        deliverytime = now;
    }
    let deliverytime = deliverytime as u64;
    let seen = seen_time(ctx, logged_seen);
    let existed = has_consumer(ctx, key, gname, cname);
    let Some(s) = write_stream(ctx, key)? else {
        return Err(nogroup(key, gname));
    };
    let exists: Vec<bool> = ids.iter().map(|id| s.contains(*id)).collect();
    let Some(g) = s.groups.get_mut(gname) else {
        return Err(nogroup(key, gname));
    };
    let mut propagate_last_id = false;
    if last_id > g.last_id {
        g.last_id = last_id;
        propagate_last_id = true;
    }
    let mut effects = Vec::new();
    let mut claimed = Vec::new();
    let mut consumer_ready = false;
    for (id, exists) in ids.iter().zip(exists) {
        let id = *id;
        if !exists {
            if let Some(n) = g.pel.get(&id) {
                effects.push(claim_effect(key, gname, g, id, n, seen));
                propagate_last_id = false;
                drop_nack(g, id);
            }
            continue;
        }
        let mut fresh = false;
        if force && !g.pel.contains_key(&id) {
            g.pel.insert(
                id,
                Nack {
                    delivery_time: now as u64,
                    delivery_count: 1,
                    consumer: Vec::new(),
                },
            );
            fresh = true;
        }
        let Some(n) = g.pel.get(&id) else { continue };
        if !fresh && minidle > 0 && now - (n.delivery_time as i64) < minidle {
            continue;
        }
        if !consumer_ready {
            touch_consumer(g, cname, seen);
            consumer_ready = true;
        }
        assign_nack(g, id, cname);
        if let Some(n) = g.pel.get_mut(&id) {
            n.delivery_time = deliverytime;
            if retrycount >= 0 {
                n.delivery_count = retrycount as u64;
            } else if !justid {
                n.delivery_count += 1;
            }
        }
        claimed.push(id);
        if let Some(n) = g.pel.get(&id) {
            effects.push(claim_effect(key, gname, g, id, n, seen));
        }
        propagate_last_id = false;
    }
    if propagate_last_id {
        effects.push(setid_effect(key, gname, g));
    }
    let reply: Vec<Value> = claimed
        .iter()
        .map(|id| {
            if justid {
                id_bulk(*id)
            } else {
                match s.range(*id, *id, 1, false).pop() {
                    Some((id, p)) => entry_reply(id, p),
                    None => Value::Nil,
                }
            }
        })
        .collect();
    let changed = !effects.is_empty();
    for e in effects {
        ctx.propagate(e);
    }
    if changed {
        ctx.store.dirty += 1;
    } else {
        ctx.propagate_nothing();
    }
    notify_if_created(ctx, key, gname, cname, existed);
    Ok(Value::Array(reply))
}

/// # Format
/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`
pub fn xautoclaim(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, gname, cname) = (argv[1], argv[2], argv[3]);
    let minidle = ll(argv[4], "Invalid min-idle-time argument for XAUTOCLAIM")?.max(0);
    let (mut start, sx) = id::parse_interval(argv[5], 0)?;
    if sx {
        start = start
            .incr()
            .ok_or_else(|| Error::err("invalid start ID for the interval"))?;
    }
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if eq_ic(argv[j], "count") && more > 0 {
            let max = i64::MAX / 16;
            count = match parse_i64(argv[j + 1]) {
                Some(c) if (1..=max).contains(&c) => c,
                _ => return Err(Error::err("COUNT must be > 0")),
            };
            j += 1;
        } else if eq_ic(argv[j], "justid") {
            justid = true;
        } else {
            return Err(Error::syntax());
        }
        j += 1;
    }
    let has = read_stream(ctx, key)?.is_some_and(|s| s.groups.contains_key(gname));
    if !has {
        return Err(nogroup(key, gname));
    }
    let now = ctx.now;
    let existed = has_consumer(ctx, key, gname, cname);
    let Some(s) = write_stream(ctx, key)? else {
        return Err(nogroup(key, gname));
    };
    let pel_ids: Vec<StreamId> = match s.groups.get(gname) {
        Some(g) => g.pel.range(start..).map(|(id, _)| *id).collect(),
        None => Vec::new(),
    };
    let exists: Vec<bool> = pel_ids
        .iter()
        .take((count as usize).saturating_mul(10))
        .map(|id| s.contains(*id))
        .collect();
    let Some(g) = s.groups.get_mut(gname) else {
        return Err(nogroup(key, gname));
    };
    let mut attempts = count.saturating_mul(10);
    let mut effects = Vec::new();
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut consumer_ready = false;
    let mut pos = 0;
    while attempts > 0 && count > 0 && pos < pel_ids.len() {
        attempts -= 1;
        let id = pel_ids[pos];
        let live = exists.get(pos).copied().unwrap_or(false);
        pos += 1;
        if !live {
            if let Some(n) = g.pel.get(&id) {
                effects.push(claim_effect(key, gname, g, id, n, now));
            }
            drop_nack(g, id);
            deleted.push(id);
            count -= 1;
            continue;
        }
        let Some(n) = g.pel.get(&id) else { continue };
        if minidle > 0 && (now as i64 - n.delivery_time as i64) < minidle {
            continue;
        }
        if !consumer_ready {
            touch_consumer(g, cname, now);
            consumer_ready = true;
        }
        assign_nack(g, id, cname);
        if let Some(n) = g.pel.get_mut(&id) {
            n.delivery_time = now;
            if !justid {
                n.delivery_count += 1;
            }
        }
        if let Some(n) = g.pel.get(&id) {
            effects.push(claim_effect(key, gname, g, id, n, now));
        }
        claimed.push(id);
        count -= 1;
    }
    let cursor = pel_ids.get(pos).copied().unwrap_or(StreamId::ZERO);
    let claimed_reply: Vec<Value> = claimed
        .iter()
        .map(|id| {
            if justid {
                id_bulk(*id)
            } else {
                match s.range(*id, *id, 1, false).pop() {
                    Some((id, p)) => entry_reply(id, p),
                    None => Value::Nil,
                }
            }
        })
        .collect();
    let changed = !effects.is_empty();
    for e in effects {
        ctx.propagate(e);
    }
    if changed {
        ctx.store.dirty += 1;
    } else {
        ctx.propagate_nothing();
    }
    notify_if_created(ctx, key, gname, cname, existed);
    Ok(Value::Array(vec![
        id_bulk(cursor),
        Value::Array(claimed_reply),
        Value::Array(deleted.into_iter().map(id_bulk).collect()),
    ]))
}

/// XGROUP and XINFO HELP end with "Prints this help." in Redis 7.0 (other commands say
/// "Print").
fn prints_help(v: Value) -> Value {
    match v {
        Value::Array(mut lines) => {
            if let Some(last) = lines.last_mut() {
                *last = Value::Simple("    Prints this help.".into());
            }
            Value::Array(lines)
        }
        other => other,
    }
}

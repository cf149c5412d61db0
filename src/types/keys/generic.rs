//! Key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX,
//! COPY, MOVE, OBJECT.

use super::{db_add, db_arg, same_object, signal};
use crate::engine::{BulkArray, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::memory;
use crate::keyspace::notify;
use crate::util::args::Args;
use crate::util::{eq_ic, glob, scan};
use crate::value::Value;

/// DEL and UNLINK (Redis `delGenericCommand`): lazy-expires each key first, so an expired key
/// counts as missing. With `lazy` a value that is costly to free is freed in the background
/// ([`crate::keyspace::lazyfree`]).
fn del_generic(ctx: &mut Ctx, argv: &[&[u8]], lazy: bool) -> Result<Value> {
    let mut deleted = 0;
    for key in &argv[1..] {
        if let Some(obj) = ctx.remove(key) {
            if lazy {
                crate::keyspace::lazyfree::free(obj, &ctx.store.lazyfree);
            }
            ctx.modified(key, notify::GENERIC, "del");
            deleted += 1;
        }
    }
    Ok(Value::Int(deleted))
}

/// # Format
/// `DEL key [key ...]`
pub(super) fn del(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let lazy = ctx.store.config.lazyfree_lazy_user_del;
    del_generic(ctx, argv, lazy)
}

/// # Format
/// `UNLINK key [key ...]`
pub(super) fn unlink(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    del_generic(ctx, argv, true)
}

/// # Format
/// `EXISTS key [key ...]` — a key named twice counts twice. Not an access (Redis
/// `LOOKUP_NOTOUCH`).
pub(super) fn exists(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ctx.no_touch();
    count_existing(ctx, argv)
}

fn count_existing(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut n = 0;
    for key in &argv[1..] {
        if ctx.exists(key) {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

/// # Format
/// `TOUCH key [key ...]` — counts the keys and records an access to each.
pub(super) fn touch(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    count_existing(ctx, argv)
}

/// # Format
/// `TYPE key` — not an access (Redis `LOOKUP_NOTOUCH`).
pub(super) fn type_(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    ctx.no_touch();
    let name = ctx.read(argv[1]).map_or("none", |o| o.type_name());
    Ok(Value::Simple(name.to_string()))
}

/// # Format
/// `KEYS pattern` — like Redis, skips logically expired keys without deleting them, and
/// treats the pattern `*` as "every key" without running the matcher.
pub(super) fn keys(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let pattern = argv[1];
    let all = pattern == b"*";
    let now = ctx.now;
    let db = ctx.session.db;
    let stream = ctx.can_stream_replies();
    let store = &*ctx.store;
    // References first (the count heads the reply), then one `BulkArray`: a long reply is
    // encoded straight to a connection's output, no `Value` per key (issue 10).
    let found: Vec<&[u8]> = store.dbs[db]
        .dict
        .iter()
        .filter(|(k, e)| {
            (all || glob::matches(pattern, k)) && !store.deadline_passed(e.expire(), now)
        })
        .map(|(k, _)| k)
        .collect();
    let hint = if stream {
        found.iter().map(|k| k.len() + 16).sum()
    } else {
        0
    };
    let mut reply = BulkArray::new(stream, found.len(), hint);
    for k in found {
        reply.push(k);
    }
    Ok(reply.finish(ctx))
}

/// # Format
/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`
///
/// Mirrors `scanGenericCommand` for the keyspace: collect a page of keys, drop those that do
/// not match the pattern, then those of another type (looking them up, which lazily expires
/// them), then expired ones (deleting them as Redis does).
pub(super) fn scan(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let args = scan::parse(argv[1], &argv[2..], true)?;
    let db = ctx.session.db;
    let mut page: Vec<Vec<u8>> = Vec::new();
    let cursor = scan::scan_dict(&ctx.store.dbs[db].dict, &args, |k, _| page.push(k.to_vec()));
    let mut out = Vec::with_capacity(page.len());
    for key in page {
        if let Some(want) = &args.type_filter {
            let have = ctx.read(&key).map_or("none", |o| o.type_name());
            if have.as_bytes() != want.as_slice() {
                continue;
            }
        }
        let at = ctx.store.dbs[db].dict.get(&key).and_then(|e| e.expire());
        if ctx.store.deadline_passed(at, ctx.now) {
            ctx.store.expire_key(db, &key);
            continue;
        }
        out.push(Value::Bulk(key));
    }
    Ok(Value::Array(vec![
        Value::bulk(cursor.to_string()),
        Value::Array(out),
    ]))
}

/// # Format
/// `RANDOMKEY` — Redis `dbRandomKey`: a picked key that turns out to be expired is deleted
/// and another one is drawn.
pub(super) fn randomkey(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let db = ctx.session.db;
    loop {
        let store = &mut *ctx.store;
        let picked = store.dbs[db]
            .dict
            .random_entry(|n| store.rng.below(n))
            .map(|(k, e)| (k.to_vec(), e.expire()));
        let Some((key, at)) = picked else {
            return Ok(Value::Nil);
        };
        if ctx.store.deadline_passed(at, ctx.now) {
            ctx.store.expire_key(db, &key);
            continue;
        }
        return Ok(Value::Bulk(key));
    }
}

/// RENAME and RENAMENX (Redis `renameGenericCommand`): the value keeps its TTL; an existing
/// destination is replaced (RENAME) or left alone (RENAMENX → 0).
fn rename_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) -> Result<Value> {
    let (src, dst) = (argv[1], argv[2]);
    if ctx.entry(src).is_none() {
        return Err(Error::no_such_key());
    }
    if src == dst {
        return Ok(if nx { Value::Int(0) } else { Value::ok() });
    }
    if ctx.entry(dst).is_some() {
        if nx {
            return Ok(Value::Int(0));
        }
        ctx.db().remove(dst);
    }
    let db = ctx.session.db;
    let Some(entry) = ctx.db().remove(src) else {
        return Err(Error::no_such_key());
    };
    db_add(ctx.db(), dst, entry);
    let store = &mut *ctx.store;
    store.notify(notify::NEW, "new", db, dst);
    signal(store, db, src, notify::GENERIC, "rename_from");
    signal(store, db, dst, notify::GENERIC, "rename_to");
    store.dirty += 1;
    Ok(if nx { Value::Int(1) } else { Value::ok() })
}

/// # Format
/// `RENAME key newkey`
pub(super) fn rename(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    rename_generic(ctx, argv, false)
}

/// # Format
/// `RENAMENX key newkey`
pub(super) fn renamenx(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    rename_generic(ctx, argv, true)
}

/// # Format
/// `COPY source destination [DB destination-db] [REPLACE]` — copies the value and its TTL.
pub(super) fn copy(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, newkey) = (argv[1], argv[2]);
    let src = ctx.session.db;
    let mut dst = src;
    let mut dst_arg = None;
    let mut replace = false;
    let mut args = Args::new(argv, 3);
    while !args.is_empty() {
        if args.eat("replace") {
            replace = true;
        } else if args.eat_with("db", 1) {
            dst_arg = Some(args.value()?);
        } else {
            return Err(Error::syntax());
        }
    }
    if let Some(a) = dst_arg {
        dst = db_arg(ctx.store, a)?;
    }
    if ctx.config().cluster_enabled && (src != 0 || dst != 0) {
        return Err(Error::err(
            "Copying to another database is not allowed in cluster mode",
        ));
    }
    if src == dst && key == newkey {
        return Err(same_object());
    }
    let Some(mut entry) = ctx.entry(key).cloned() else {
        return Ok(Value::Int(0));
    };
    // The copy is a new object (Redis `dupStringObject` & co.): fresh LRU/LFU data.
    entry.set_lru(ctx.store.new_key_lru(ctx.now));
    if ctx.entry_in(dst, newkey).is_some() {
        if !replace {
            return Ok(Value::Int(0));
        }
        ctx.store.dbs[dst].remove(newkey);
    }
    let store = &mut *ctx.store;
    db_add(&mut store.dbs[dst], newkey, entry);
    store.notify(notify::NEW, "new", dst, newkey);
    signal(store, dst, newkey, notify::GENERIC, "copy_to");
    store.dirty += 1;
    Ok(Value::Int(1))
}

/// # Format
/// `MOVE key db` — moves the key with its TTL; 0 when missing or already in the target.
pub(super) fn move_(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.config().cluster_enabled {
        return Err(Error::err("MOVE is not allowed in cluster mode"));
    }
    let key = argv[1];
    let src = ctx.session.db;
    let dst = db_arg(ctx.store, argv[2])?;
    if src == dst {
        return Err(same_object());
    }
    if ctx.entry(key).is_none() || ctx.entry_in(dst, key).is_some() {
        return Ok(Value::Int(0));
    }
    let store = &mut *ctx.store;
    let Some(entry) = store.dbs[src].remove(key) else {
        return Ok(Value::Int(0));
    };
    db_add(&mut store.dbs[dst], key, entry);
    store.notify(notify::NEW, "new", dst, key);
    signal(store, src, key, notify::GENERIC, "move_from");
    signal(store, dst, key, notify::GENERIC, "move_to");
    store.dirty += 1;
    Ok(Value::Int(1))
}

/// OBJECT HELP text (Redis 7.0 `objectCommand`), after the header line.
const OBJECT_HELP: &[&str] = &[
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// Redis shares the string objects of the integers 0..=9999 (`OBJ_SHARED_INTEGERS`); their
/// REFCOUNT is `OBJ_SHARED_REFCOUNT`.
const SHARED_INTEGERS: i64 = 10_000;
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// `ERR unknown subcommand '<sub>'. Try <CMD> HELP.` as Redis 7's `processCommand` words it.
fn unknown_subcommand(argv: &[&[u8]]) -> Error {
    let sub = argv.get(1).copied().unwrap_or(b"");
    let sub = &sub[..sub.len().min(128)];
    let cmd = String::from_utf8_lossy(argv[0]).to_uppercase();
    Error::new(
        ErrorKind::UnknownCommand,
        crate::engine::sanitize(&format!(
            "ERR unknown subcommand '{}'. Try {cmd} HELP.",
            String::from_utf8_lossy(sub)
        )),
    )
}

/// # Format
/// `OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key`, `OBJECT HELP`
pub(super) fn object(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let sub = argv[1];
    if eq_ic(sub, "help") {
        if argv.len() != 2 {
            return Err(Error::arity("object|help"));
        }
        let header = format!(
            "{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            String::from_utf8_lossy(argv[0]).to_uppercase()
        );
        let mut lines = vec![Value::Simple(header)];
        lines.extend(OBJECT_HELP.iter().map(|l| Value::Simple(l.to_string())));
        return Ok(Value::Array(lines));
    }
    let Some(name) = ["encoding", "freq", "idletime", "refcount"]
        .into_iter()
        .find(|n| eq_ic(sub, n))
    else {
        return Err(unknown_subcommand(argv));
    };
    if argv.len() != 3 {
        return Err(Error::arity(&format!("object|{name}")));
    }
    let key = argv[2];
    // OBJECT looks keys up without touching them (Redis `objectCommandLookup`).
    ctx.no_touch();
    if !ctx.exists(key) {
        return Ok(Value::Nil);
    }
    let now = ctx.now;
    let db = ctx.session.db;
    let store = &*ctx.store;
    let Some(entry) = store.dbs[db].dict.get(key) else {
        return Ok(Value::Nil);
    };
    let obj = &entry.obj;
    match name {
        "encoding" => Ok(Value::bulk(entry.encoding(&store.config))),
        "refcount" => {
            // Redis does not share integers under maxmemory with an LRU or LFU policy
            // (`MAXMEMORY_FLAG_NO_SHARED_INTEGERS`: each key needs its own LRU field). It
            // decides when the value is stored; emu answers by the configuration now.
            let policy = store.config.maxmemory_policy;
            let sharing = store.config.maxmemory == 0 || !(policy.is_lru() || policy.is_lfu());
            let shared = sharing
                && entry.encoding(&store.config) == "int"
                && obj
                    .as_str()
                    .ok()
                    .and_then(|s| crate::util::parse_i64(s))
                    .is_some_and(|v| (0..SHARED_INTEGERS).contains(&v));
            Ok(Value::Int(if shared { SHARED_REFCOUNT } else { 1 }))
        }
        "idletime" if store.config.maxmemory_policy.is_lfu() => Err(Error::err(
            "An LFU maxmemory policy is selected, idle time not tracked. Please note that \
             when switching between policies at runtime LRU and LFU data will take some time \
             to adjust.",
        )),
        "idletime" => Ok(Value::Int(
            (memory::idle_ms(entry.lru(), now) / 1000) as i64,
        )),
        _ if store.config.maxmemory_policy.is_lfu() => Ok(Value::Int(i64::from(
            memory::lfu_decr_and_return(entry.lru(), now, store.config.lfu_decay_time),
        ))),
        _ => Err(Error::err(
            "An LFU maxmemory policy is not selected, access frequency not tracked. Please \
             note that when switching between policies at runtime LRU and LFU data will take \
             some time to adjust.",
        )),
    }
}

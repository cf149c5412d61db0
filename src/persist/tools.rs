//! Library side of the CLI data commands: `emu dump`, `emu load`, `emu check [--repair]`,
//! `emu compact` (formats in FORMAT.md §8–§9).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::files::{self, DirLock};
use super::frame::{self, Next};
use super::json::{self, Json};
use super::model::{self, kind, DiskValue, KeyRecord, ValueRef};
use super::recovery::{self, scan_log};
use super::{snapshot, Options, PersistError};
use crate::config::Config;
use crate::engine::Store;
use crate::engine::{self, Session};
use crate::keyspace::Entry;
use crate::util::float::fmt_g17;

/// Dump formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines, one key per line.
    Jsonl,
    /// RESP commands for `redis-cli --pipe`.
    Resp,
    /// A Redis RDB file (version 10, what Redis 7.0 writes; FORMAT.md "RDB").
    Rdb,
}

impl Format {
    /// Parses `jsonl` / `resp`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "jsonl" | "json" => Some(Format::Jsonl),
            "resp" => Some(Format::Resp),
            "rdb" => Some(Format::Rdb),
            _ => None,
        }
    }
}

fn template() -> Store {
    Store::new(Config::default(), crate::keyspace::Clock::System, 0)
}

/// Every key of `store` in canonical order: databases ascending, keys sorted bytewise.
pub fn sorted_entries(store: &Store) -> Vec<(usize, &[u8], &Entry)> {
    let mut out = Vec::with_capacity(store.total_keys());
    for (i, db) in store.dbs.iter().enumerate() {
        let mut keys: Vec<(&[u8], &Entry)> = db.dict.iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out.extend(keys.into_iter().map(|(k, e)| (i, k, e)));
    }
    out
}

/// One JSON-Lines line (without the newline) for a key.
pub fn jsonl_line(db: usize, key: &[u8], e: &Entry) -> String {
    let mut s = String::with_capacity(64);
    s.push_str("{\"db\":");
    s.push_str(&db.to_string());
    s.push_str(",\"key\":");
    json::write_bytes(&mut s, key);
    let v = ValueRef::of(&e.obj);
    s.push_str(",\"type\":\"");
    s.push_str(e.obj.type_name());
    s.push_str("\",\"value\":");
    match &v {
        ValueRef::Str(b) => json::write_bytes(&mut s, b),
        ValueRef::List(_) | ValueRef::Set(_) => {
            let items: Vec<&[u8]> = match &v {
                ValueRef::List(items) => items.clone(),
                ValueRef::Set(items) => items.iter().map(|m| &**m).collect(),
                _ => Vec::new(),
            };
            s.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                json::write_bytes(&mut s, x);
            }
            s.push(']');
        }
        ValueRef::Hash(pairs) => {
            s.push('[');
            for (i, (f, x)) in pairs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push('[');
                json::write_bytes(&mut s, f);
                s.push(',');
                json::write_bytes(&mut s, x);
                s.push(']');
            }
            s.push(']');
        }
        ValueRef::ZSet(pairs) => {
            s.push('[');
            for (i, (m, sc)) in pairs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push('[');
                json::write_bytes(&mut s, m);
                s.push(',');
                json::write_score(&mut s, *sc);
                s.push(']');
            }
            s.push(']');
        }
        ValueRef::Stream(st) => super::streams::write_json(&mut s, st),
    }
    s.push_str(",\"expire_at_ms\":");
    match e.expire() {
        Some(at) => s.push_str(&at.to_string()),
        None => s.push_str("null"),
    }
    s.push('}');
    s
}

fn resp_cmd(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Elements per generated RESP command for big collections.
const RESP_CHUNK: usize = 512;

/// RESP commands recreating one key (SELECT is emitted by the caller).
pub fn resp_commands(out: &mut Vec<u8>, key: &[u8], e: &Entry) {
    let v = ValueRef::of(&e.obj);
    let chunked = |out: &mut Vec<u8>, cmd: &[u8], items: Vec<Vec<&[u8]>>| {
        for chunk in items.chunks(RESP_CHUNK) {
            let mut args: Vec<&[u8]> = vec![cmd, key];
            for it in chunk {
                args.extend_from_slice(it);
            }
            resp_cmd(out, &args);
        }
    };
    match &v {
        ValueRef::Str(b) => resp_cmd(out, &[b"SET", key, b]),
        ValueRef::List(items) => chunked(out, b"RPUSH", items.iter().map(|x| vec![*x]).collect()),
        ValueRef::Set(items) => chunked(out, b"SADD", items.iter().map(|x| vec![&**x]).collect()),
        ValueRef::Hash(pairs) => chunked(
            out,
            b"HSET",
            pairs.iter().map(|(f, x)| vec![*f, *x]).collect(),
        ),
        ValueRef::ZSet(pairs) => {
            let scores: Vec<String> = pairs.iter().map(|(_, s)| fmt_g17(*s)).collect();
            chunked(
                out,
                b"ZADD",
                pairs
                    .iter()
                    .zip(&scores)
                    .map(|((m, _), s)| vec![s.as_bytes(), *m])
                    .collect(),
            )
        }
        ValueRef::Stream(st) => {
            for cmd in super::streams::resp_commands(key, st) {
                let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
                resp_cmd(out, &args);
            }
        }
    }
    if let Some(at) = e.expire() {
        resp_cmd(out, &[b"PEXPIREAT", key, at.to_string().as_bytes()]);
    }
}

/// Writes the canonical dump of `store` in `format`.
pub fn dump_store(store: &Store, format: Format, out: &mut dyn Write) -> std::io::Result<u64> {
    if format == Format::Rdb {
        return dump_rdb(store, out, &mut |_, _| {});
    }
    write_libraries(format, store.libraries.iter(), out)?;
    let mut cur_db = usize::MAX;
    let mut n = 0;
    for (db, key, e) in sorted_entries(store) {
        write_text_key(format, out, &mut cur_db, db, key, e)?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// The function libraries of a JSON-Lines or RESP dump (they come first, by name).
fn write_libraries<'a>(
    format: Format,
    libs: impl Iterator<Item = (&'a String, &'a Vec<u8>)>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for (name, code) in libs {
        match format {
            Format::Jsonl => {
                let mut line = String::from("{\"library\":");
                json::write_bytes(&mut line, name.as_bytes());
                line.push_str(",\"code\":");
                json::write_bytes(&mut line, code);
                line.push_str("}\n");
                out.write_all(line.as_bytes())?;
            }
            Format::Resp => {
                let mut buf = Vec::new();
                resp_cmd(&mut buf, &[b"FUNCTION", b"LOAD", code]);
                out.write_all(&buf)?;
            }
            // Written by the RDB writer.
            Format::Rdb => {}
        }
    }
    Ok(())
}

/// One key of a JSON-Lines or RESP dump (`cur_db`: the database the RESP stream selected).
fn write_text_key(
    format: Format,
    out: &mut dyn Write,
    cur_db: &mut usize,
    db: usize,
    key: &[u8],
    e: &Entry,
) -> std::io::Result<()> {
    match format {
        // Written by the RDB writer.
        Format::Rdb => Ok(()),
        Format::Jsonl => {
            let mut line = jsonl_line(db, key, e);
            line.push('\n');
            out.write_all(line.as_bytes())
        }
        Format::Resp => {
            let mut buf = Vec::new();
            if db != *cur_db {
                resp_cmd(&mut buf, &[b"SELECT", db.to_string().as_bytes()]);
                *cur_db = db;
            }
            resp_commands(&mut buf, key, e);
            out.write_all(&buf)
        }
    }
}

/// Progress of a long tool run: `(done, total)` in keys or bytes (total when known).
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

/// Writes `store` as an RDB file (Redis 7.0, version 10) that `redis-server` loads at
/// start: every database in order, keys sorted bytewise (as in a snapshot), values in the
/// encodings Redis would hold, `rdbcompression` and `rdbchecksum` of the store's
/// configuration honoured. `progress` gets `(keys written, total keys)`. Returns the
/// number of keys.
pub fn dump_rdb(store: &Store, out: &mut dyn Write, progress: Progress) -> std::io::Result<u64> {
    dump_rdb_at(store, store.clock.now_ms(), out, progress)
}

/// [`dump_rdb`] as of `now` (Unix ms: the `ctime` AUX field; keys expired then are left
/// out).
pub fn dump_rdb_at(
    store: &Store,
    now: u64,
    out: &mut dyn Write,
    progress: Progress,
) -> std::io::Result<u64> {
    let cfg = &store.config;
    let total = store.total_keys() as u64;
    let mut w = crate::rdb::file::Writer::new(out, now, cfg.rdbchecksum)?;
    for (_, code) in store.libraries.iter() {
        w.function(code, cfg.rdbcompression)?;
    }
    let mut n = 0u64;
    for (i, db) in store.dbs.iter().enumerate() {
        let mut live: Vec<(&[u8], &Entry)> = db
            .dict
            .iter()
            .filter(|(_, e)| !e.is_expired_at(now))
            .collect();
        if live.is_empty() {
            continue;
        }
        live.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let expires = live.iter().filter(|(_, e)| e.expire().is_some()).count();
        w.select_db(i, live.len(), expires)?;
        for (k, e) in live {
            w.key(k, e, cfg)?;
            n += 1;
            if n % 4096 == 0 {
                progress(n, Some(total));
            }
        }
    }
    w.finish()?;
    progress(n, Some(total));
    Ok(n)
}

/// `emu dump DIR --format rdb` with progress: reads the directory (shared lock, nothing
/// modified) and writes it as an RDB file. Streams from the snapshot when the directory
/// allows it ([`scan`](super::scan)), else reads the directory into a store first.
pub fn dump_rdb_dir(
    dir: &Path,
    out: &mut dyn Write,
    progress: Progress,
) -> Result<u64, PersistError> {
    let now = crate::keyspace::Clock::System.now_ms();
    if let Some(n) = dump_streamed(dir, Format::Rdb, now, out, progress)? {
        return Ok(n);
    }
    dump_via_store(dir, Format::Rdb, now, out, progress)
}

/// The store path of `emu dump` (the reference the streaming path is tested against):
/// the directory read into a store, then written.
pub fn dump_via_store(
    dir: &Path,
    format: Format,
    now: u64,
    out: &mut dyn Write,
    progress: Progress,
) -> Result<u64, PersistError> {
    let (store, _) = recovery::open_read_only(dir, template())?;
    let r = match format {
        Format::Rdb => dump_rdb_at(&store, now, out, progress),
        _ => dump_store(&store, format, out),
    };
    r.map_err(|e| PersistError::io("writing the dump of", dir, e))
}

/// `emu dump` without a whole store ([`overlay`](super::overlay)): the snapshot's keys are
/// decoded, written and dropped one at a time, merged with the keys the log records touch
/// (replayed into a small store). The output is byte for byte [`dump_via_store`]'s.
/// `Ok(None)`: the directory needs the store path (nothing was written).
pub fn dump_streamed(
    dir: &Path,
    format: Format,
    now: u64,
    out: &mut dyn Write,
    progress: Progress,
) -> Result<Option<u64>, PersistError> {
    files::require_dir(dir)?;
    let _lock = DirLock::acquire_shared(dir)?;
    let listing = files::list(dir)?;
    let Some(s) = super::overlay::open(dir, &listing, template(), now)? else {
        return Ok(None);
    };
    if let Some(w) = s.torn_warning(dir, "ignoring the last") {
        eprintln!("{w}");
    }
    let counts = s.counts(now);
    let cfg = s.store.config.clone();
    let io = |e: std::io::Error| PersistError::io("writing the dump of", dir, e);
    let mut n = 0u64;
    if format == Format::Rdb {
        let total: u64 = counts.iter().map(|c| c.all).sum();
        let mut w = crate::rdb::file::Writer::new(&mut *out, now, cfg.rdbchecksum).map_err(io)?;
        for (_, code) in s.store.libraries.iter() {
            w.function(code, cfg.rdbcompression).map_err(io)?;
        }
        let mut cur_db = usize::MAX;
        s.for_each(|db, key, e| {
            if e.is_expired_at(now) {
                return Ok(());
            }
            if db != cur_db {
                cur_db = db;
                let c = &counts[db];
                w.select_db(db, c.live as usize, c.live_expires as usize)
                    .map_err(io)?;
            }
            w.key(key, e, &cfg).map_err(io)?;
            n += 1;
            if n % 4096 == 0 {
                progress(n, Some(total));
            }
            Ok(())
        })?;
        w.finish().map_err(io)?;
        progress(n, Some(total));
    } else {
        write_libraries(format, s.store.libraries.iter(), out).map_err(io)?;
        let mut cur_db = usize::MAX;
        s.for_each(|db, key, e| {
            write_text_key(format, out, &mut cur_db, db, key, e).map_err(io)?;
            n += 1;
            Ok(())
        })?;
        out.flush().map_err(io)?;
    }
    Ok(Some(n))
}

/// Builds a store from an RDB file's bytes (versions 1–10). Keys already expired are
/// skipped (as a Redis master does when loading); function libraries are loaded as
/// FUNCTION LOAD does and counted in the returned number. `progress` gets `(bytes read,
/// total bytes)`. Errors are [`PersistError::Dump`] naming the byte offset. Keys' access
/// data is read as under the default `maxmemory-policy` (see [`parse_rdb_for`]).
pub fn parse_rdb(data: &[u8], progress: Progress) -> Result<(Store, u64), PersistError> {
    parse_rdb_for(data, Config::default().maxmemory_policy, progress)
}

/// [`parse_rdb`] for a store whose `maxmemory-policy` is `policy`: keys' access data
/// (`IDLE` / `FREQ`) is honoured as Redis's `rdbLoad` does — an LFU policy takes the saved
/// counters, the others the saved idle times; keys without them start as new keys.
pub fn parse_rdb_for(
    data: &[u8],
    policy: crate::config::MaxmemoryPolicy,
    progress: Progress,
) -> Result<(Store, u64), PersistError> {
    let cfg = Config {
        maxmemory_policy: policy,
        ..Config::default()
    };
    let mut store = Store::new(cfg, crate::keyspace::Clock::System, 0);
    store.loading = true;
    let now = store.clock.now_ms();
    let cfg = store.config.clone();
    let mut functions = 0u64;
    let total = data.len() as u64;
    let mut dup: Option<(u64, Vec<u8>)> = None;
    let r = crate::rdb::file::read(
        data,
        &cfg,
        |item| {
            use crate::rdb::file::Item;
            match item {
                Item::Key {
                    db,
                    key,
                    obj,
                    expire,
                    idle,
                    freq,
                } => {
                    if expire.is_some_and(|at| at < now) {
                        return Ok(());
                    }
                    let lru =
                        crate::keyspace::memory::saved_access(policy.is_lfu(), freq, idle, now)
                            .unwrap_or_else(|| store.new_key_lru(now));
                    let d = &mut store.dbs[db as usize];
                    // One table operation per key (this loop is `emu load`'s hot path).
                    let mut e = Entry::new(obj, expire);
                    e.set_lru(lru);
                    e.measure(&key);
                    if let Some(at) = expire {
                        d.index_expire(at, &key);
                    }
                    if d.dict.contains_key(&key) {
                        dup = Some((db, key));
                        return Err(crate::rdb::RdbError {
                            offset: 0,
                            msg: "duplicate key".into(),
                        });
                    }
                    d.used += e.mem();
                    d.dict.insert(key, e);
                }
                Item::ResizeDb { db, keys, .. } => {
                    // Size the table once instead of growing it key by key.
                    let d = &mut store.dbs[db as usize];
                    if d.dict.is_empty() {
                        d.dict =
                            crate::util::Dict::with_capacity(keys.min(data.len() as u64) as usize);
                    }
                }
                Item::Function(code) => {
                    load_function(&mut store, &code)?;
                    functions += 1;
                }
                Item::Aux(..) => {}
            }
            Ok(())
        },
        |off| {
            if off % (1 << 20) < 64 {
                progress(off as u64, Some(total))
            }
        },
    );
    if let Some((db, key)) = dup {
        return Err(PersistError::dump(format!(
            "rdb: duplicated key '{}' in DB {db}",
            String::from_utf8_lossy(&key)
        )));
    }
    r.map_err(|e| PersistError::dump(format!("rdb: {e}")))?;
    progress(total, Some(total));
    store.loading = false;
    store.clear_effects();
    Ok((store, functions))
}

/// `emu dump DIR`: reads the directory (shared lock, nothing modified) and writes every key.
/// Returns the number of keys.
pub fn dump(dir: &Path, format: Format, out: &mut dyn Write) -> Result<u64, PersistError> {
    let now = crate::keyspace::Clock::System.now_ms();
    if let Some(n) = dump_streamed(dir, format, now, out, &mut |_, _| {})? {
        return Ok(n);
    }
    dump_via_store(dir, format, now, out, &mut |_, _| {})
}

/// A function library of a dump: its name and code.
pub type LibraryLine = (Vec<u8>, Vec<u8>);

/// A JSON-Lines line that is a function library (`{"library":…,"code":…}`, format
/// version 3): its name and code. None for any other line (a key's).
pub fn parse_library_line(line: &str) -> Option<Result<LibraryLine, PersistError>> {
    let Ok(Json::Obj(fields)) = json::parse(line) else {
        return None;
    };
    if !fields.iter().any(|(k, _)| k == "library") {
        return None;
    }
    let mut name = None;
    let mut code = None;
    for (k, v) in fields {
        let slot = match k.as_str() {
            "library" => &mut name,
            "code" => &mut code,
            other => {
                return Some(Err(PersistError::json(format!(
                    "unknown field \"{other}\" in a library line"
                ))))
            }
        };
        if slot.replace(v).is_some() {
            return Some(Err(PersistError::json(format!("duplicate field \"{k}\""))));
        }
    }
    let (Some(name), Some(code)) = (name, code) else {
        return Some(Err(PersistError::json(
            "a library line needs \"library\" and \"code\"",
        )));
    };
    Some(json::as_bytes(&name).and_then(|n| json::as_bytes(&code).map(|c| (n, c))))
}

/// Loads a library into `store` as FUNCTION LOAD does (its code must load, under the name
/// it declares).
fn load_library(store: &mut Store, name: &[u8], code: &[u8]) -> Result<(), PersistError> {
    let mut session = Session::default();
    let loaded = engine::execute(store, &mut session, &[b"FUNCTION", b"LOAD", code])
        .map_err(|e| PersistError::invalid(format!("library rejected: {}", e.message())))?;
    if loaded != crate::value::Value::Bulk(name.to_vec()) {
        return Err(PersistError::invalid(
            "the library's code declares another name",
        ));
    }
    Ok(())
}

/// Parses one JSON-Lines line into a key record. Errors are [`PersistError::Json`]
/// (placed on their line by [`parse_dump`]).
pub fn parse_jsonl_line(line: &str) -> Result<KeyRecord, PersistError> {
    let Json::Obj(fields) = json::parse(line)? else {
        return Err(PersistError::json("a line must be a JSON object"));
    };
    let mut db = None;
    let mut key = None;
    let mut ty = None;
    let mut value = None;
    let mut expire = None;
    for (k, v) in fields {
        let slot = match k.as_str() {
            "db" => &mut db,
            "key" => &mut key,
            "type" => &mut ty,
            "value" => &mut value,
            "expire_at_ms" => &mut expire,
            other => return Err(PersistError::json(format!("unknown field \"{other}\""))),
        };
        if slot.replace(v).is_some() {
            return Err(PersistError::json(format!("duplicate field \"{k}\"")));
        }
    }
    let need = |f: Option<Json>, name: &str| {
        f.ok_or_else(|| PersistError::json(format!("missing field \"{name}\"")))
    };
    // Fields with a natural default may be omitted: `db` (0) and `expire_at_ms` (null).
    let db = match db {
        None => 0,
        Some(v) => json::as_u64(&v)?,
    };
    let db = u32::try_from(db).map_err(|_| PersistError::json("db out of range"))?;
    let key = json::as_bytes(&need(key, "key")?)?;
    let Json::Str(ty) = need(ty, "type")? else {
        return Err(PersistError::json("\"type\" must be a string"));
    };
    let value = need(value, "value")?;
    let expire = match expire {
        None | Some(Json::Null) => None,
        Some(v) => Some(json::as_u64(&v)?),
    };
    let arr = |v: &Json| -> Result<Vec<Json>, PersistError> {
        match v {
            Json::Arr(a) => Ok(a.clone()),
            _ => Err(PersistError::json(format!(
                "the value of a {ty} must be an array"
            ))),
        }
    };
    let pair = |v: &Json| -> Result<(Json, Json), PersistError> {
        match v {
            Json::Arr(a) if a.len() == 2 => Ok((a[0].clone(), a[1].clone())),
            _ => Err(PersistError::json("expected a two-element array")),
        }
    };
    let value = match ty.as_str() {
        "string" => DiskValue::Str(json::as_bytes(&value)?),
        "list" => DiskValue::List(
            arr(&value)?
                .iter()
                .map(json::as_bytes)
                .collect::<Result<_, _>>()?,
        ),
        "set" => DiskValue::Set(
            arr(&value)?
                .iter()
                .map(json::as_bytes)
                .collect::<Result<_, _>>()?,
        ),
        "hash" => DiskValue::Hash(
            arr(&value)?
                .iter()
                .map(|p| {
                    let (f, v) = pair(p)?;
                    Ok((json::as_bytes(&f)?, json::as_bytes(&v)?))
                })
                .collect::<Result<_, PersistError>>()?,
        ),
        "zset" => DiskValue::ZSet(
            arr(&value)?
                .iter()
                .map(|p| {
                    let (m, s) = pair(p)?;
                    Ok((json::as_bytes(&m)?, json::as_score(&s)?))
                })
                .collect::<Result<_, PersistError>>()?,
        ),
        "stream" => DiskValue::Stream(Box::new(super::streams::read_json(&value)?)),
        other => return Err(PersistError::json(format!("unknown type \"{other}\""))),
    };
    Ok(KeyRecord {
        db,
        key,
        expire,
        value,
    })
}

/// Inserts a parsed record into `store` (duplicates and bad values are errors,
/// [`PersistError::Invalid`]).
pub fn insert_record(store: &mut Store, rec: KeyRecord) -> Result<(), PersistError> {
    let ndb = store.dbs.len();
    let cfg = store.config.clone();
    let lru = store.new_key_lru(store.clock.now_ms());
    let db = store.dbs.get_mut(rec.db as usize).ok_or_else(|| {
        PersistError::invalid(format!("database {} out of range (0..{ndb})", rec.db))
    })?;
    if db.dict.contains_key(&rec.key) {
        return Err(PersistError::invalid("duplicate key"));
    }
    let obj = rec.value.into_object(&cfg)?;
    db.insert_lru(&rec.key, obj, false, lru);
    if rec.expire.is_some() {
        db.set_expire(&rec.key, rec.expire);
    }
    Ok(())
}

/// Reads RESP commands (arrays of bulk strings) and runs them through the engine. Errors
/// are [`PersistError::Dump`] without a line (their reasons name the command).
fn load_resp(store: &mut Store, input: &mut dyn BufRead) -> Result<u64, PersistError> {
    let mut session = Session::default();
    let mut n = 0u64;
    let mut line = Vec::new();
    let read_line = |input: &mut dyn BufRead, line: &mut Vec<u8>| -> Result<bool, PersistError> {
        line.clear();
        let r = input
            .read_until(b'\n', line)
            .map_err(|e| PersistError::dump(e.to_string()))?;
        if r == 0 {
            return Ok(false);
        }
        if !line.ends_with(b"\r\n") {
            return Err(PersistError::dump(
                "protocol error: line not terminated by CRLF",
            ));
        }
        line.truncate(line.len() - 2);
        Ok(true)
    };
    let num = |b: &[u8]| -> Result<usize, PersistError> {
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| PersistError::dump("protocol error: bad length"))
    };
    loop {
        if !read_line(input, &mut line)? {
            break;
        }
        n += 1;
        let Some(rest) = line.strip_prefix(b"*") else {
            return Err(PersistError::dump(format!(
                "protocol error in command #{n}: expected '*'"
            )));
        };
        let argc = num(rest)?;
        let mut argv: Vec<Vec<u8>> = Vec::with_capacity(argc.min(1 << 16));
        for _ in 0..argc {
            if !read_line(input, &mut line)? {
                return Err(PersistError::dump(format!("command #{n} is truncated")));
            }
            let Some(rest) = line.strip_prefix(b"$") else {
                return Err(PersistError::dump(format!(
                    "protocol error in command #{n}: expected '$'"
                )));
            };
            let len = num(rest)?;
            let mut data = vec![0u8; len.min(1 << 30) + 2];
            input
                .read_exact(&mut data)
                .map_err(|_| PersistError::dump(format!("command #{n} is truncated")))?;
            if !data.ends_with(b"\r\n") {
                return Err(PersistError::dump(format!(
                    "protocol error in command #{n}: bulk not terminated"
                )));
            }
            data.truncate(len);
            argv.push(data);
        }
        let args: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        engine::execute(store, &mut session, &args).map_err(|e| {
            PersistError::dump(format!(
                "command #{n} ({}) failed: {}",
                String::from_utf8_lossy(args.first().copied().unwrap_or(b"")),
                e.message()
            ))
        })?;
    }
    Ok(n)
}

/// Builds a store from a dump in `format` (auto-detected from the first byte when None):
/// the parsing half of [`load`]. Errors are [`PersistError::Dump`] (displayed as `load: …`).
pub fn parse_dump(input: &mut dyn BufRead, format: Option<Format>) -> Result<Store, PersistError> {
    let format = match format {
        Some(f) => f,
        None => {
            let buf = input
                .fill_buf()
                .map_err(|e| PersistError::dump(e.to_string()))?;
            if buf.starts_with(b"REDIS") {
                Format::Rdb
            } else if buf.first() == Some(&b'*') {
                Format::Resp
            } else {
                Format::Jsonl
            }
        }
    };
    if format == Format::Rdb {
        let mut data = Vec::new();
        input
            .read_to_end(&mut data)
            .map_err(|e| PersistError::dump(e.to_string()))?;
        return parse_rdb(&data, &mut |_, _| {}).map(|(s, _)| s);
    }
    let mut store = Store::new(Config::default(), crate::keyspace::Clock::System, 0);
    match format {
        // Parsed above.
        Format::Rdb => {}
        Format::Resp => {
            store.loading = true;
            load_resp(&mut store, input)?;
            store.loading = false;
        }
        Format::Jsonl => {
            let mut line = String::new();
            let mut no = 0;
            loop {
                line.clear();
                no += 1;
                let r = input.read_line(&mut line).map_err(|e| PersistError::Dump {
                    line: Some(no),
                    reason: e.to_string(),
                })?;
                if r == 0 {
                    break;
                }
                if line.trim().is_empty() {
                    continue;
                }
                if let Some(lib) = parse_library_line(&line) {
                    let (name, code) = lib.map_err(|e| e.on_line(no))?;
                    store.loading = true;
                    let r = load_library(&mut store, &name, &code);
                    store.loading = false;
                    r.map_err(|e| e.on_line(no))?;
                    continue;
                }
                let rec = parse_jsonl_line(&line).map_err(|e| e.on_line(no))?;
                insert_record(&mut store, rec).map_err(|e| e.on_line(no))?;
            }
        }
    }
    store.clear_effects();
    Ok(store)
}

/// `emu load DIR [FILE|-]`: replaces the data of `dir` (created if missing) with the dump
/// read from `input`. Atomic: everything is parsed first; the new data becomes visible
/// through one rename of a new snapshot generation, which supersedes every older file.
/// Returns the number of keys loaded.
pub fn load(
    dir: &Path,
    input: &mut dyn BufRead,
    format: Option<Format>,
) -> Result<u64, PersistError> {
    // Read the whole dump before touching the directory: bad input changes nothing.
    let store = parse_dump(input, format)?;
    let created = files::missing_ancestors(dir);
    let r = load_parsed(dir, &store);
    if r.is_err() {
        // A failed load leaves no new directory behind.
        if let Some(top) = created.first() {
            let _ = std::fs::remove_dir_all(top);
        }
    }
    r
}

/// `emu load DIR dump.rdb` with progress: like [`load`] for an RDB file's bytes. Returns
/// the number of keys and of function libraries skipped.
///
/// The keys go straight from the RDB parser into a [`snapshot::Builder`] (each value
/// decoded as [`parse_rdb`] decodes it, encoded as a snapshot record and dropped), so the
/// keyspace is never built in memory; the snapshot is the one [`parse_rdb`]'s store would
/// give.
pub fn load_rdb(dir: &Path, data: &[u8], progress: Progress) -> Result<(u64, u64), PersistError> {
    let (snap, store, functions) = build_rdb_snapshot(data, progress)?;
    let keys = snap.len();
    let created = files::missing_ancestors(dir);
    let r = replace_with(dir, |dir, gen| {
        snap.write(dir, gen, store.libraries.all(), store.rng.state(), 0)
            .map(|_| ())
    });
    if r.is_err() {
        if let Some(top) = created.first() {
            let _ = std::fs::remove_dir_all(top);
        }
    }
    r.map(|_| (keys, functions))
}

/// Parses an RDB file into a snapshot [`snapshot::Builder`] (keys) and a store holding
/// only the function libraries (loaded as FUNCTION LOAD does, counted in the returned
/// number). Keys already expired are skipped. Errors name the byte offset.
///
/// Two threads: this one parses (and loads the functions); a second one encodes each
/// parsed key as its snapshot record (and frees the value), then sorts the records. Keys
/// cross in batches over a bounded channel, so memory stays that of a few batches.
fn build_rdb_snapshot(
    data: &[u8],
    progress: Progress,
) -> Result<(snapshot::Builder, Store, u64), PersistError> {
    use crate::keyspace::Object;
    /// Keys per batch handed to the encoding thread.
    const BATCH: usize = 1024;
    enum Msg {
        Keys(Vec<(usize, Vec<u8>, Option<u64>, Object)>),
        Reserve(usize),
    }
    let mut store = Store::new(Config::default(), crate::keyspace::Clock::System, 0);
    store.loading = true;
    let now = store.clock.now_ms();
    let cfg = store.config.clone();
    let ndb = store.dbs.len();
    let mut functions = 0u64;
    let total = data.len() as u64;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(8);
    let (r, encoded) = std::thread::scope(|scope| {
        let encoder = scope.spawn(move || -> Result<snapshot::Builder, PersistError> {
            let mut snap = snapshot::Builder::new(ndb);
            for msg in rx {
                match msg {
                    Msg::Keys(keys) => {
                        for (db, key, expire, obj) in keys {
                            // On error the receiver is dropped: the parser stops.
                            snap.add(db, &key, expire, &obj)?;
                        }
                    }
                    Msg::Reserve(n) => snap.reserve(n),
                }
            }
            Ok(snap)
        });
        let mut batch = Vec::with_capacity(BATCH);
        let gone = || crate::rdb::RdbError {
            offset: 0,
            msg: "key rejected".into(),
        };
        let r = crate::rdb::file::read(
            data,
            &cfg,
            |item| {
                use crate::rdb::file::Item;
                match item {
                    Item::Key {
                        db,
                        key,
                        obj,
                        expire,
                        ..
                    } => {
                        if expire.is_some_and(|at| at < now) {
                            return Ok(());
                        }
                        batch.push((db as usize, key, expire, obj));
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            tx.send(Msg::Keys(full)).map_err(|_| gone())?;
                        }
                    }
                    Item::ResizeDb { keys, .. } => {
                        // A hint, never trusted past one key per 16 bytes of input (a real
                        // file has more per key; a lie costs untouched address space only).
                        let n = keys.min(data.len() as u64 / 16) as usize;
                        tx.send(Msg::Reserve(n)).map_err(|_| gone())?;
                    }
                    Item::Function(code) => {
                        load_function(&mut store, &code)?;
                        functions += 1;
                    }
                    Item::Aux(..) => {}
                }
                Ok(())
            },
            |off| {
                if off % (1 << 20) < 64 {
                    progress(off as u64, Some(total))
                }
            },
        );
        let r = match r {
            Ok(_) if !batch.is_empty() => tx
                .send(Msg::Keys(std::mem::take(&mut batch)))
                .map_err(|_| gone()),
            other => other.map(drop),
        };
        drop(tx);
        let encoded = encoder
            .join()
            .unwrap_or_else(|_| Err(PersistError::Other("the encoding thread panicked".into())));
        (r, encoded)
    });
    // The encoder's error (a key it refused) explains a parse stopped by it.
    let mut snap = match (r, encoded) {
        (_, Err(e)) => return Err(PersistError::dump(format!("rdb: {e}"))),
        (Err(e), Ok(_)) => return Err(PersistError::dump(format!("rdb: {e}"))),
        (Ok(()), Ok(snap)) => snap,
    };
    if let Err((db, key)) = snap.finish() {
        return Err(PersistError::dump(format!(
            "rdb: duplicated key '{}' in DB {db}",
            String::from_utf8_lossy(&key)
        )));
    }
    progress(total, Some(total));
    store.loading = false;
    store.clear_effects();
    Ok((snap, store, functions))
}

/// `emu pull redis://[user:pass@]host:port DIR`: takes the server's dataset over the
/// replication handshake ([`crate::rdb::pull`]) and loads it like [`load_rdb`]. `progress`
/// gets the bytes received, then the bytes parsed. Returns keys and function libraries
/// skipped.
pub fn pull(url: &str, dir: &Path, progress: Progress) -> Result<(u64, u64), PersistError> {
    let u = crate::rdb::pull::Url::parse(url).map_err(|e| PersistError::Other(e.to_string()))?;
    let data = crate::rdb::pull::pull(&u, progress)
        .map_err(|e| PersistError::Other(format!("pull from {}:{}: {e}", u.host, u.port)))?;
    load_rdb(dir, &data, progress)
}

fn load_parsed(dir: &Path, store: &Store) -> Result<u64, PersistError> {
    replace_with(dir, |dir, gen| {
        snapshot::write(
            dir,
            gen,
            &store.dbs,
            store.libraries.all(),
            store.rng.state(),
            0,
        )
        .map(|_| ())
    })?;
    Ok(store.total_keys() as u64)
}

/// Replaces the data of `dir` (created if missing) with one new snapshot generation that
/// `write(dir, generation)` writes crash-safely, then retires every older file.
fn replace_with(
    dir: &Path,
    write: impl FnOnce(&Path, u64) -> Result<(), PersistError>,
) -> Result<(), PersistError> {
    std::fs::create_dir_all(dir).map_err(|e| PersistError::io("creating directory", dir, e))?;
    let _lock = DirLock::acquire(dir)?;
    let l = files::list(dir)?;
    let next = l
        .snapshots
        .iter()
        .chain(l.logs.iter())
        .max()
        .map(|g| g + 1)
        .unwrap_or(1);
    write(dir, next)?;
    for g in l.snapshots.iter().filter(|g| **g < next) {
        files::remove(&files::snapshot_path(dir, *g))?;
    }
    for g in l.logs.iter().filter(|g| **g < next) {
        files::remove(&files::log_path(dir, *g))?;
    }
    files::sync_dir(dir)?;
    Ok(())
}

/// `emu compact DIR`: writes a fresh snapshot and starts an empty log. Streams from the
/// snapshot when the directory's data is that snapshot alone ([`scan`](super::scan)),
/// else opens the directory into a store and saves it ([`compact_via_store`]).
pub fn compact(dir: &Path) -> Result<(), PersistError> {
    files::require_dir(dir)?;
    if compact_streamed(dir)? {
        return Ok(());
    }
    compact_via_store(dir)
}

/// `emu compact` without a whole store ([`overlay`](super::overlay)): the snapshot's keys
/// are decoded and re-encoded one at a time into the next generation, merged with the keys
/// the log records touch (replayed into a small store). The files left are byte for byte
/// what [`compact_via_store`] leaves. False (nothing changed) when the directory needs the
/// store path.
pub fn compact_streamed(dir: &Path) -> Result<bool, PersistError> {
    files::require_dir(dir)?;
    let _lock = DirLock::acquire(dir)?;
    let listing = files::list(dir)?;
    let Some(s) = super::overlay::open(dir, &listing, template(), 0)? else {
        return Ok(false);
    };
    for tmp in &listing.temps {
        files::remove(tmp)?;
    }
    // As the store path, which truncates the torn tail before it saves.
    if let Some(w) = s.torn_warning(dir, "truncated") {
        eprintln!("{w}");
    }
    let counts = s.counts(0);
    // As the store path: the last live log (or a new one of the snapshot's generation) is
    // the active log, and the compaction rotates to the next generation.
    let g = listing.newest_snapshot().unwrap_or(0);
    let active = listing.live_logs().last().copied().unwrap_or(g);
    let next = active + 1;
    drop(super::log::create_log(dir, next)?);
    let mut failed: Option<PersistError> = None;
    let written = snapshot::write_with(dir, next, |w| {
        let mut out = snapshot::Records::start(w, next)?;
        let m = model::SnapMeta {
            rng_state: s.store.rng.state(),
            recorded_at_ms: s.recorded_at_ms,
            db_keys: counts.iter().map(|c| c.all).collect(),
        };
        model::encode_payload(out.payload(), kind::META, &m).map_err(std::io::Error::other)?;
        out.emit(w)?;
        for (name, code) in s.store.libraries.iter() {
            let lib = model::LibraryRecord {
                name: name.as_bytes().to_vec(),
                code: code.clone(),
            };
            model::encode_payload(out.payload(), kind::LIBRARY, &lib)
                .map_err(std::io::Error::other)?;
            out.emit(w)?;
        }
        let mut count = 0u64;
        let mut io_err: Option<std::io::Error> = None;
        let r = s.for_each(|db, key, e| {
            model::write_key_payload(out.payload(), db as u32, key, e.expire(), &e.obj);
            out.emit(w).map_err(|e| {
                let msg = e.to_string();
                io_err = Some(e);
                PersistError::Other(msg)
            })?;
            count += 1;
            Ok(())
        });
        if let Err(e) = r {
            if let Some(io) = io_err.take() {
                return Err(io);
            }
            let msg = e.to_string();
            failed = Some(e);
            return Err(std::io::Error::other(msg));
        }
        model::encode_payload(out.payload(), kind::END, &count).map_err(std::io::Error::other)?;
        out.emit(w)?;
        Ok(out.total)
    });
    if let Some(e) = failed {
        // The new log holds nothing: the directory reads as before.
        let _ = files::remove(&files::log_path(dir, next));
        return Err(e);
    }
    written?;
    for old in listing.snapshots.iter().filter(|x| **x < next) {
        files::remove(&files::snapshot_path(dir, *old))?;
    }
    for old in listing.logs.iter().filter(|x| **x < next) {
        files::remove(&files::log_path(dir, *old))?;
    }
    files::sync_dir(dir)?;
    Ok(true)
}

/// The store path of `emu compact` (the reference the streaming path is tested against).
pub fn compact_via_store(dir: &Path) -> Result<(), PersistError> {
    files::require_dir(dir)?;
    let opts = Options {
        compaction_min_bytes: u64::MAX,
        ..Options::default()
    };
    let mut store = recovery::open(dir, opts, template())?;
    let h = super::handle_of(&store).ok_or_else(|| PersistError::Other("no handle".into()))?;
    h.save(&mut store)?;
    Ok(())
}

/// Result of `emu check`.
#[derive(Debug, Default, Clone)]
pub struct CheckReport {
    /// Human-readable lines (one per file, plus actions taken).
    pub lines: Vec<String>,
    /// True when every file is intact (a torn tail counts as a problem to repair).
    pub ok: bool,
    /// Where a repair kept copies of what it dropped.
    pub dropped_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    /// Damaged snapshot of this generation.
    Snapshot(u64),
    /// First damaged log: generation and offset of the bad record (below
    /// [`frame::HEADER_LEN`]: the file header itself).
    Log(u64, u64),
}

/// One verification pass over `dir`: a line per file and the first problem found (a
/// damaged snapshot stops the pass: the logs apply on top of it).
fn verify(dir: &Path) -> Result<(Vec<String>, Option<Problem>), PersistError> {
    let l = files::list(dir)?;
    if let Some(r) = verify_streamed(dir, &l) {
        return Ok(r);
    }
    verify_via_store(dir, &l)
}

/// [`verify`] without a whole store ([`overlay`](super::overlay)): every snapshot key
/// decoded with the checks a load makes and dropped, the log records replayed over the
/// keys they touch. A torn tail of the last log is reported as the store path reports it.
/// `None` when the directory needs the store path, or when anything else is wrong (the
/// store path then reports it, with the same lines as always).
fn verify_streamed(dir: &Path, l: &files::Listing) -> Option<(Vec<String>, Option<Problem>)> {
    let s = super::overlay::open(dir, l, template(), 0).ok()??;
    s.for_each(|_, _, _| Ok(())).ok()?;
    let mut lines = vec![format!(
        "{}: ok, {} keys, {} bytes",
        s.path.display(),
        s.snapshot_keys,
        s.snapshot_bytes
    )];
    for (g, scan) in &s.logs {
        lines.push(log_check_line(&files::log_path(dir, *g), scan));
        if let Some((off, _)) = scan.torn {
            return Some((lines, Some(Problem::Log(*g, off))));
        }
    }
    Some((lines, None))
}

/// `emu check`'s line for a scanned log (the streamed and the store path print the same).
fn log_check_line(path: &Path, scan: &recovery::LogScan) -> String {
    match scan.torn {
        None => format!(
            "{}: ok, {} records, {} bytes",
            path.display(),
            scan.records,
            scan.file_len
        ),
        Some((off, why)) => format!(
            "{}: torn tail at byte offset {off} ({why}); {} records before it",
            path.display(),
            scan.records
        ),
    }
}

/// The store path of [`verify`]: the snapshot loaded, the logs replayed through the engine.
fn verify_via_store(
    dir: &Path,
    l: &files::Listing,
) -> Result<(Vec<String>, Option<Problem>), PersistError> {
    let mut lines = Vec::new();
    let mut store = template();
    store.loading = true;
    if let Some(g) = l.newest_snapshot() {
        let path = files::snapshot_path(dir, g);
        let damaged = match snapshot::load(&path, &mut store) {
            Ok(info) if info.generation != g => Some((
                12,
                format!(
                    "header says generation {} but the file name says {g}",
                    info.generation
                ),
            )),
            Ok(info) => {
                lines.push(format!(
                    "{}: ok, {} keys, {} bytes",
                    path.display(),
                    info.keys,
                    info.bytes
                ));
                None
            }
            Err(PersistError::Corrupt { offset, reason, .. }) => Some((offset, reason)),
            Err(e) => return Err(e),
        };
        if let Some((offset, reason)) = damaged {
            lines.push(format!(
                "{}: DAMAGED at byte offset {offset}: {reason}",
                path.display()
            ));
            return Ok((lines, Some(Problem::Snapshot(g))));
        }
    }
    let live = l.live_logs();
    for (i, g) in live.iter().enumerate() {
        let path = files::log_path(dir, *g);
        let last = i + 1 == live.len();
        match scan_log(&path, *g, last, |_, b| {
            recovery::apply_batch(&mut store, &b)
        }) {
            Ok(scan) => {
                lines.push(log_check_line(&path, &scan));
                if let Some((off, _)) = scan.torn {
                    return Ok((lines, Some(Problem::Log(*g, off))));
                }
            }
            Err(PersistError::Corrupt { offset, reason, .. }) => {
                lines.push(format!(
                    "{}: DAMAGED at byte offset {offset}: {reason}",
                    path.display()
                ));
                return Ok((lines, Some(Problem::Log(*g, offset))));
            }
            Err(e) => return Err(e),
        }
    }
    Ok((lines, None))
}

/// `emu check DIR` through the store path only (the reference the streaming path is tested
/// against): no repair.
pub fn check_via_store(dir: &Path) -> Result<CheckReport, PersistError> {
    files::require_dir(dir)?;
    let _lock = DirLock::acquire(dir)?;
    let l = files::list(dir)?;
    let (mut lines, problem) = verify_via_store(dir, &l)?;
    lines.push(if problem.is_none() {
        "no problems found".into()
    } else {
        format!("run `emu check --repair {}` to repair", dir.display())
    });
    Ok(CheckReport {
        lines,
        ok: problem.is_none(),
        dropped_dir: None,
    })
}

/// `emu check DIR [--repair]`: verifies every file (checksums, decoding, replay through
/// the engine). With `repair`, keeps copies of the damaged files under
/// `DIR/dropped-<unix ms>/`, then salvages the snapshot's intact keys, truncates the first
/// damaged log at the bad record (a damaged file header is rewritten, keeping the records
/// after it when they are intact) and drops the logs after it; it verifies again and
/// repeats until the directory is clean, so a repair that returns `Ok` leaves a directory
/// that opens and checks clean. A clean directory is never touched: repairing it again
/// creates no `dropped-*` folder.
pub fn check(dir: &Path, repair: bool) -> Result<CheckReport, PersistError> {
    files::require_dir(dir)?;
    let _lock = DirLock::acquire(dir)?;
    let (lines, mut problem) = verify(dir)?;
    let mut rep = CheckReport {
        lines,
        ok: problem.is_none(),
        dropped_dir: None,
    };
    if rep.ok {
        rep.lines.push("no problems found".into());
        return Ok(rep);
    }
    if !repair {
        rep.lines.push(format!(
            "run `emu check --repair {}` to repair",
            dir.display()
        ));
        return Ok(rep);
    }
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let keep = dir.join(format!("dropped-{ms}"));
    std::fs::create_dir_all(&keep).map_err(|e| PersistError::io("creating", &keep, e))?;
    // Each round fixes the first problem and can only shorten or rewrite a file, drop a
    // file or replace a damaged snapshot by an intact one; the bound is a safety net.
    let mut rounds = 0;
    while let Some(p) = problem {
        rounds += 1;
        if rounds > 1000 {
            return Err(PersistError::Other(format!(
                "repair of {} did not converge; the originals are in {}",
                dir.display(),
                keep.display()
            )));
        }
        repair_one(dir, p, &keep, &mut rep.lines)?;
        let (lines, next) = verify(dir)?;
        if let (Some(Problem::Snapshot(g)), Problem::Snapshot(_)) = (next, p) {
            // A freshly written snapshot that does not verify: nothing more to try.
            return Err(PersistError::Other(format!(
                "the rewritten {} does not verify; the original is in {}",
                files::snapshot_path(dir, g).display(),
                keep.display()
            )));
        }
        if next.is_some() {
            rep.lines
                .extend(lines.into_iter().filter(|l| !l.contains(": ok,")));
        }
        problem = next;
    }
    rep.lines.push("repair done: no problems remain".into());
    files::sync_dir(dir)?;
    rep.dropped_dir = Some(keep);
    Ok(rep)
}

/// Copies `from` into `keep` unless an earlier round already kept its original.
fn keep_original(from: &Path, keep: &Path) -> Result<(), PersistError> {
    let to = keep.join(from.file_name().unwrap_or_default());
    if to.exists() {
        return Ok(());
    }
    std::fs::copy(from, &to)
        .map(|_| ())
        .map_err(|e| PersistError::io("copying", from, e))
}

/// Fixes one problem found by [`verify`], after keeping a copy of each file it changes.
fn repair_one(
    dir: &Path,
    problem: Problem,
    keep: &Path,
    lines: &mut Vec<String>,
) -> Result<(), PersistError> {
    match problem {
        Problem::Snapshot(g) => {
            let path = files::snapshot_path(dir, g);
            keep_original(&path, keep)?;
            let (salvaged, skipped, recorded_at_ms) = salvage_snapshot(&path)?;
            snapshot::write(
                dir,
                g,
                &salvaged.dbs,
                salvaged.libraries.all(),
                salvaged.rng.state(),
                recorded_at_ms,
            )?;
            lines.push(format!(
                "repaired {}: kept {} keys, dropped {skipped} damaged byte ranges (original \
                 copied to {})",
                path.display(),
                salvaged.total_keys(),
                keep.display()
            ));
        }
        Problem::Log(g, off) if off < frame::HEADER_LEN as u64 => {
            // The file header is damaged: write a good one; the records after it stay
            // (the next verification truncates at the first one that is not intact).
            let path = files::log_path(dir, g);
            keep_original(&path, keep)?;
            let old = std::fs::read(&path).map_err(|e| PersistError::io("reading", &path, e))?;
            let rest = old.get(frame::HEADER_LEN..).unwrap_or_default();
            rewrite_log(dir, g, rest)?;
            lines.push(format!(
                "repaired {}: rewrote the damaged file header (original copied to {})",
                path.display(),
                keep.display()
            ));
        }
        Problem::Log(g, off) => {
            let path = files::log_path(dir, g);
            keep_original(&path, keep)?;
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| PersistError::io("opening", &path, e))?;
            f.set_len(off)
                .and_then(|_| f.sync_all())
                .map_err(|e| PersistError::io("truncating", &path, e))?;
            lines.push(format!(
                "repaired {}: truncated at byte offset {off} (original copied to {})",
                path.display(),
                keep.display()
            ));
            let l = files::list(dir)?;
            for later in l.logs.iter().filter(|x| **x > g) {
                let p = files::log_path(dir, *later);
                keep_original(&p, keep)?;
                files::remove(&p)?;
                lines.push(format!(
                    "dropped {} (follows the damage; moved to {})",
                    p.display(),
                    keep.display()
                ));
            }
        }
    }
    Ok(())
}

/// Replaces log `gen` by a good header followed by `records` (temporary file, fsync,
/// rename, directory fsync).
fn rewrite_log(dir: &Path, gen: u64, records: &[u8]) -> Result<(), PersistError> {
    let path = files::log_path(dir, gen);
    let tmp = tempfile::Builder::new()
        .prefix(files::TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| PersistError::io("creating a temporary log in", dir, e))?;
    tmp.as_file()
        .write_all(&frame::header(frame::LOG_MAGIC, gen))
        .and_then(|_| tmp.as_file().write_all(records))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| PersistError::io("writing", &path, e))?;
    tmp.persist(&path)
        .map_err(|e| PersistError::io("renaming log to", &path, e.error))?;
    files::sync_dir(dir)
}

/// Reads every intact key record of a damaged snapshot, resynchronizing after damage by
/// searching for the next valid record. Returns the store, the number of skipped ranges and
/// the recorded time of its metadata record (0 when that is lost).
fn salvage_snapshot(path: &Path) -> Result<(Store, u64, u64), PersistError> {
    let m = snapshot::Mapped::open(path)?;
    let buf = m.bytes();
    let mut store = template();
    let mut off = frame::HEADER_LEN.min(buf.len());
    let mut skipped = 0u64;
    let mut recorded_at_ms = 0;
    let mut in_gap = false;
    while off < buf.len() {
        match frame::next_record(buf, off) {
            Next::Record { start, end } => {
                let payload = &buf[start..end];
                let ok = match payload.split_first() {
                    Some((&kind::KEY, body)) => model::decode_body::<KeyRecord>(body)
                        .ok()
                        .map(|rec| insert_record(&mut store, rec).is_ok())
                        .unwrap_or(false),
                    Some((&kind::META, body)) => {
                        if let Ok(meta) = model::decode_body::<model::SnapMeta>(body) {
                            store.rng = crate::keyspace::Rng::new(meta.rng_state);
                            recorded_at_ms = meta.recorded_at_ms;
                            true
                        } else {
                            false
                        }
                    }
                    Some((&kind::LIBRARY, body)) => {
                        match model::decode_body::<model::LibraryRecord>(body) {
                            Ok(lib) => match String::from_utf8(lib.name) {
                                Ok(name) => {
                                    let mut all = store.libraries.all().clone();
                                    all.insert(name, lib.code);
                                    store.libraries.set_all(all);
                                    true
                                }
                                Err(_) => false,
                            },
                            Err(_) => false,
                        }
                    }
                    Some((&kind::END, _)) => true,
                    _ => false,
                };
                if ok {
                    in_gap = false;
                    off = end;
                    continue;
                }
            }
            Next::End => break,
            _ => {}
        }
        if !in_gap {
            skipped += 1;
            in_gap = true;
        }
        off += 1;
    }
    Ok((store, skipped, recorded_at_ms))
}

/// Loads one RDB function library into `store` (FUNCTION LOAD, as Redis's loader does).
fn load_function(store: &mut Store, code: &[u8]) -> Result<(), crate::rdb::RdbError> {
    let mut session = Session::default();
    engine::execute(store, &mut session, &[b"FUNCTION", b"LOAD", code])
        .map(drop)
        .map_err(|e| crate::rdb::RdbError {
            offset: 0,
            msg: format!("function library rejected: {}", e.message()),
        })
}

//! DUMP, RESTORE and RESTORE-ASKING (Redis 7.0 `cluster.c`), on the value codec of
//! [`super::value`].
//!
//! RESTORE is logged as Redis propagates it: a relative TTL is rewritten to an absolute
//! one with `ABSTTL` appended, and a RESTORE whose TTL has already passed and that replaced
//! a key is logged as `DEL key`. Replay runs the same command through the engine.
//!
//! # Known differences from Redis
//!
//! * `sanitize-dump-payload` is accepted and reported, but every payload is checked fully
//!   whatever its value (a malformed payload is refused with `Bad data format`, never
//!   trusted).
//! * Payloads of hash-table sets and hashes list members in emu's table order, Redis's in
//!   its own (seeded) order: the bytes differ, the contents do not. Compact encodings
//!   (listpack, intset, quicklist of tail-pushed elements), strings and skiplists are
//!   byte-identical.

use super::codec::{open_payload, seal_payload, Reader};
use super::value::{read_object, write_object};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::{memory, notify, Object};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// The commands of this module.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("dump", 2, READONLY, (1, 1, 1), "generic", dump),
    CommandSpec::new(
        "restore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "generic",
        restore,
    ),
    CommandSpec::new(
        "restore-asking",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "generic",
        restore,
    ),
];

/// The DUMP payload of `obj` under the store's configuration (`createDumpPayload`).
pub fn dump_payload(obj: &Object, cfg: &crate::config::Config) -> Vec<u8> {
    let mut body = Vec::with_capacity(64);
    write_object(&mut body, obj, cfg);
    seal_payload(body)
}

/// Decodes a DUMP payload into a value (`verifyDumpPayload` + `rdbLoadObject`), with
/// Redis's two error replies.
pub fn parse_payload(payload: &[u8], cfg: &crate::config::Config) -> Result<Object> {
    let Some((body, _ver)) = open_payload(payload, false) else {
        return Err(Error::err("DUMP payload version or checksum are wrong"));
    };
    let bad = || Error::err("Bad data format");
    let mut r = Reader::new(body);
    let ty = r.u8().map_err(|_| bad())?;
    match read_object(&mut r, ty, cfg, true) {
        Ok(Some(obj)) => Ok(obj),
        _ => Err(bad()),
    }
}

/// # Format
/// `DUMP key` — the serialized value (RDB value + version + CRC64), or nil.
pub fn dump(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let cfg = ctx.config().clone();
    match ctx.read(argv[1]) {
        Some(obj) => Ok(Value::Bulk(dump_payload(obj, &cfg))),
        None => Ok(Value::Nil),
    }
}

/// # Format
/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]`
/// (and `RESTORE-ASKING`, the same for cluster migrations).
pub fn restore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let (mut replace, mut absttl) = (false, false);
    let (mut lfu_freq, mut lru_idle) = (-1i64, -1i64);
    let mut j = 4;
    while j < argv.len() {
        let additional = argv.len() - j - 1;
        let a = argv[j];
        if eq_ic(a, "replace") {
            replace = true;
        } else if eq_ic(a, "absttl") {
            absttl = true;
        } else if eq_ic(a, "idletime") && additional >= 1 && lfu_freq == -1 {
            lru_idle = parse_i64(argv[j + 1]).ok_or_else(Error::not_integer)?;
            if lru_idle < 0 {
                return Err(Error::err("Invalid IDLETIME value, must be >= 0"));
            }
            j += 1;
        } else if eq_ic(a, "freq") && additional >= 1 && lru_idle == -1 {
            lfu_freq = parse_i64(argv[j + 1]).ok_or_else(Error::not_integer)?;
            if !(0..=255).contains(&lfu_freq) {
                return Err(Error::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            j += 1;
        } else {
            return Err(Error::syntax());
        }
        j += 1;
    }
    if !replace && ctx.exists(key) {
        return Err(Error::from_reply("BUSYKEY Target key name already exists."));
    }
    let mut ttl = parse_i64(argv[2]).ok_or_else(Error::not_integer)?;
    if ttl < 0 {
        return Err(Error::err("Invalid TTL value, must be >= 0"));
    }
    let cfg = ctx.config().clone();
    let obj = parse_payload(argv[3], &cfg)?;
    let deleted = replace && ctx.remove(key).is_some();
    if ttl != 0 && !absttl {
        ttl = ttl.saturating_add(ctx.now as i64);
    }
    // Redis `checkAlreadyExpired`: not while loading (replaying the log).
    if ttl != 0 && (ttl as u64) <= ctx.now && !ctx.store.loading {
        if deleted {
            ctx.propagate_with(|| vec![b"DEL".to_vec(), key.to_vec()]);
            ctx.modified(key, notify::GENERIC, "del");
        }
        return Ok(Value::ok());
    }
    ctx.insert(key, obj);
    if ttl != 0 {
        ctx.set_expire(key, Some(ttl as u64));
        if !absttl {
            let mut v: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
            v[2] = ttl.to_string().into_bytes();
            v.push(b"ABSTTL".to_vec());
            ctx.propagate(v);
        }
    }
    let policy = cfg.maxmemory_policy;
    let now = ctx.now;
    let saved = memory::saved_access(
        policy.is_lfu(),
        u8::try_from(lfu_freq).ok(),
        u64::try_from(lru_idle).ok(),
        now,
    );
    if let (Some(lru), Some(e)) = (saved, ctx.entry(key)) {
        e.set_lru(lru);
    }
    ctx.modified(key, notify::GENERIC, "restore");
    Ok(Value::ok())
}

//! Strings: GET, SET and friends, counters, ranges (Redis `t_string.c`).
//!
//! Strings are stored as raw bytes; integers as their decimal text (Redis parses them on
//! every INCR, so "010" is not an integer).
//!
//! SET, SETNX, SETEX and PSETEX share `set_generic`, as Redis's `setGenericCommand`; SET and
//! GETEX share the option parser `parse_extended` (`parseExtendedStringArgumentsOrReply`).

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object, StrEncoding};
use crate::util::args::{eq_ic_cstr, Args};
use crate::util::{arg_i64, longdouble, parse_i64};
use crate::value::Value;

/// OBJECT ENCODING of a string value as Redis 7.0 reports it after `tryObjectEncoding`.
///
/// Commands whose result Redis encodes differently (APPEND on an existing key and SETRANGE:
/// raw; INCRBYFLOAT: never int) record that on the key's entry; see
/// [`crate::keyspace::Entry::encoding`].
pub fn encoding(s: &[u8]) -> &'static str {
    if s.len() <= 20 && crate::util::parse_i64(s).is_some() {
        "int"
    } else if s.len() <= 44 {
        "embstr"
    } else {
        "raw"
    }
}

// Option flags of SET / GETEX (Redis OBJ_*).
const NX: u32 = 1 << 0;
const XX: u32 = 1 << 1;
const EX: u32 = 1 << 2;
const PX: u32 = 1 << 3;
const KEEPTTL: u32 = 1 << 4;
const GET: u32 = 1 << 5;
const EXAT: u32 = 1 << 6;
const PXAT: u32 = 1 << 7;
const PERSIST: u32 = 1 << 8;
const ANY_EXPIRE: u32 = EX | PX | EXAT | PXAT;

/// Which command the extended options belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OptsFor {
    Set,
    GetEx,
}

/// `parseExtendedStringArgumentsOrReply`: the NX/XX/GET/KEEPTTL/PERSIST/EX/PX/EXAT/PXAT
/// options of SET (from argv[3]) and GETEX (from argv[2]). Returns the flags and the index
/// of the expire argument. Option names compare as C strings, as in Redis.
fn parse_extended(argv: &[&[u8]], kind: OptsFor) -> Result<(u32, Option<usize>)> {
    let mut flags = 0u32;
    let mut expire = None;
    let set = kind == OptsFor::Set;
    let mut args = Args::new(argv, if set { 3 } else { 2 }).c_strings();
    while !args.is_empty() {
        if set && flags & XX == 0 && args.eat("nx") {
            flags |= NX;
        } else if set && flags & NX == 0 && args.eat("xx") {
            flags |= XX;
        } else if set && args.eat("get") {
            flags |= GET;
        } else if set && flags & (PERSIST | ANY_EXPIRE) == 0 && args.eat("keepttl") {
            flags |= KEEPTTL;
        } else if !set && flags & (ANY_EXPIRE | KEEPTTL) == 0 && args.eat("persist") {
            flags |= PERSIST;
        } else if let Some(f) = args.eat_one_of(EXPIRE_OPTIONS) {
            // The same expire option may repeat (the last value wins); two different ones
            // conflict, as do KEEPTTL / PERSIST.
            let conflicts = (KEEPTTL | PERSIST | ANY_EXPIRE) & !f;
            if flags & conflicts != 0 || args.is_empty() {
                return Err(Error::syntax());
            }
            flags |= f;
            expire = Some(args.pos());
            args.next();
        } else {
            return Err(Error::syntax());
        }
    }
    Ok((flags, expire))
}

const EXPIRE_OPTIONS: &[(&str, u32)] = &[("ex", EX), ("px", PX), ("exat", EXAT), ("pxat", PXAT)];

/// `ERR invalid expire time in '<cmd>' command`.
fn invalid_expire(cmd: &str) -> Error {
    Error::err(format!("invalid expire time in '{cmd}' command"))
}

/// `getExpireMillisecondsOrReply`: the absolute expiry in Unix ms for an EX/PX/EXAT/PXAT
/// argument. Values <= 0 and overflows are `invalid expire time`.
fn expire_at_ms(ctx: &Ctx, arg: &[u8], flags: u32, cmd: &str) -> Result<u64> {
    let mut ms = arg_i64(arg)?;
    let seconds = flags & (EX | EXAT) != 0;
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        return Err(invalid_expire(cmd));
    }
    if seconds {
        ms *= 1000;
    }
    if flags & (EX | PX) != 0 {
        ms = ms
            .checked_add(ctx.now as i64)
            .ok_or_else(|| invalid_expire(cmd))?;
    }
    Ok(ms as u64)
}

/// `getGenericCommand`: the string under `key` (Nil if absent), or WRONGTYPE.
fn get_generic(ctx: &mut Ctx, key: &[u8]) -> Result<Value> {
    match ctx.read(key) {
        None => Ok(Value::Nil),
        Some(o) => Ok(Value::bulk(o.as_str()?)),
    }
}

/// `setGenericCommand`: the one implementation behind SET, SETNX, SETEX and PSETEX.
///
/// `expire` is the index of the expire argument; `ok` / `abort` override the replies for a
/// performed / skipped set (SETNX answers 1 / 0; SET answers OK / nil).
fn set_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    flags: u32,
    (key, val): (&[u8], &[u8]),
    expire: Option<usize>,
    (ok, abort): (Value, Value),
    cmd: &str,
) -> Result<Value> {
    let when = match expire {
        Some(i) => Some(expire_at_ms(ctx, argv[i], flags, cmd)?),
        None => None,
    };
    let old = if flags & GET != 0 {
        Some(get_generic(ctx, key)?)
    } else {
        None
    };
    let found = ctx.exists(key);
    if (flags & NX != 0 && found) || (flags & XX != 0 && !found) {
        return Ok(old.unwrap_or(abort));
    }
    let obj = Object::string(val.to_vec());
    if flags & KEEPTTL != 0 {
        ctx.insert_keep_ttl(key, obj);
    } else {
        ctx.insert(key, obj);
    }
    ctx.modified(key, notify::STRING, "set");
    if let Some(at) = when {
        ctx.set_expire(key, Some(at));
        ctx.notify(notify::GENERIC, "expire", key);
        // Replicated as an absolute expiry, whatever form the request used.
        ctx.propagate_with(|| {
            vec![
                b"SET".to_vec(),
                key.to_vec(),
                val.to_vec(),
                b"PXAT".to_vec(),
                at.to_string().into_bytes(),
            ]
        });
    } else if flags & GET != 0 {
        // Replicated without the GET option(s).
        let args = argv
            .iter()
            .enumerate()
            .filter(|&(j, a)| j < 3 || !eq_ic_cstr(a, "get"))
            .map(|(_, a)| a.to_vec())
            .collect();
        ctx.propagate(args);
    }
    Ok(old.unwrap_or(ok))
}

/// Records how Redis encoded the string now under `key` (see [`StrEncoding`]).
fn set_str_encoding(ctx: &mut Ctx, key: &[u8], enc: StrEncoding) {
    if let Some(e) = ctx.entry(key) {
        e.set_str_enc(enc);
    }
}

/// # Format
/// `GET key`
fn get(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    get_generic(ctx, argv[1])
}

/// # Format
/// `SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | KEEPTTL]`
fn set(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (flags, expire) = parse_extended(argv, OptsFor::Set)?;
    set_generic(
        ctx,
        argv,
        flags,
        (argv[1], argv[2]),
        expire,
        (Value::ok(), Value::Nil),
        "set",
    )
}

/// # Format
/// `SETNX key value`
fn setnx(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    set_generic(
        ctx,
        argv,
        NX,
        (argv[1], argv[2]),
        None,
        (Value::Int(1), Value::Int(0)),
        "setnx",
    )
}

/// # Format
/// `SETEX key seconds value`
fn setex(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    set_generic(
        ctx,
        argv,
        EX,
        (argv[1], argv[3]),
        Some(2),
        (Value::ok(), Value::Nil),
        "setex",
    )
}

/// # Format
/// `PSETEX key milliseconds value`
fn psetex(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    set_generic(
        ctx,
        argv,
        PX,
        (argv[1], argv[3]),
        Some(2),
        (Value::ok(), Value::Nil),
        "psetex",
    )
}

/// # Format
/// `GETSET key value`
fn getset(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let old = get_generic(ctx, argv[1])?;
    ctx.insert(argv[1], Object::string(argv[2].to_vec()));
    ctx.modified(argv[1], notify::STRING, "set");
    ctx.propagate_with(|| vec![b"SET".to_vec(), argv[1].to_vec(), argv[2].to_vec()]);
    Ok(old)
}

/// # Format
/// `GETDEL key`
fn getdel(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let old = get_generic(ctx, argv[1])?;
    if ctx.remove(argv[1]).is_some() {
        ctx.propagate_with(|| vec![b"DEL".to_vec(), argv[1].to_vec()]);
        ctx.modified(argv[1], notify::GENERIC, "del");
    }
    Ok(old)
}

/// # Format
/// `GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]`
fn getex(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (flags, expire) = parse_extended(argv, OptsFor::GetEx)?;
    let key = argv[1];
    let reply = match ctx.read(key) {
        None => return Ok(Value::Nil),
        Some(o) => Value::bulk(o.as_str()?),
    };
    let when = match expire {
        Some(i) => Some(expire_at_ms(ctx, argv[i], flags, "getex")?),
        None => None,
    };
    match when {
        Some(at) if flags & (EXAT | PXAT) != 0 && at <= ctx.now && !ctx.store.loading => {
            // An absolute time already in the past deletes the key.
            ctx.remove(key);
            // Redis 7.0 `getexCommand`: UNLINK under `lazyfree-lazy-expire`.
            let del = ctx.store.expire_deletion();
            ctx.propagate_with(|| vec![del.to_vec(), key.to_vec()]);
            ctx.modified(key, notify::GENERIC, "del");
        }
        Some(at) => {
            ctx.set_expire(key, Some(at));
            ctx.propagate_with(|| {
                vec![
                    b"PEXPIREAT".to_vec(),
                    key.to_vec(),
                    at.to_string().into_bytes(),
                ]
            });
            ctx.modified(key, notify::GENERIC, "expire");
        }
        None if flags & PERSIST != 0 && ctx.expire_of(key).is_some() => {
            ctx.set_expire(key, None);
            ctx.propagate_with(|| vec![b"PERSIST".to_vec(), key.to_vec()]);
            ctx.modified(key, notify::GENERIC, "persist");
        }
        None => {}
    }
    Ok(reply)
}

/// # Format
/// `MGET key [key ...]`
fn mget(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut out = Vec::with_capacity(argv.len() - 1);
    for key in &argv[1..] {
        out.push(match ctx.read(key) {
            Some(Object::Str(s)) => Value::bulk(s),
            _ => Value::Nil,
        });
    }
    Ok(Value::Array(out))
}

/// `msetGenericCommand`: MSET and MSETNX.
fn mset_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) -> Result<Value> {
    if argv.len() % 2 == 0 {
        return Err(Error::arity(if nx { "msetnx" } else { "mset" }));
    }
    if nx && argv[1..].chunks(2).any(|kv| ctx.exists(kv[0])) {
        return Ok(Value::Int(0));
    }
    for kv in argv[1..].chunks(2) {
        ctx.insert(kv[0], Object::string(kv[1].to_vec()));
        ctx.modified(kv[0], notify::STRING, "set");
    }
    Ok(if nx { Value::Int(1) } else { Value::ok() })
}

/// # Format
/// `MSET key value [key value ...]`
fn mset(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    mset_generic(ctx, argv, false)
}

/// # Format
/// `MSETNX key value [key value ...]`
fn msetnx(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    mset_generic(ctx, argv, true)
}

/// `checkStringLength`: `ERR string exceeds maximum allowed size (proto-max-bulk-len)` when
/// `size + append` exceeds `proto-max-bulk-len`. Unlike Redis (which skips the check for its
/// master and AOF clients) it also applies while replaying a log, so a crafted log can never
/// make SETRANGE allocate an arbitrary amount of memory.
fn check_string_length(ctx: &Ctx, size: u64, append: u64) -> Result<()> {
    let total = size as u128 + append as u128;
    if total > ctx.store.config.proto_max_bulk_len as u128 {
        return Err(Error::err(
            "string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    Ok(())
}

/// # Format
/// `APPEND key value`
fn append(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, tail) = (argv[1], argv[2]);
    let cur_len = match ctx.read(key) {
        None => None,
        Some(o) => Some(o.as_str()?.len()),
    };
    let total = match cur_len {
        None => {
            ctx.insert(key, Object::string(tail.to_vec()));
            tail.len()
        }
        Some(len) => {
            check_string_length(ctx, len as u64, tail.len() as u64)?;
            let s = ctx.write(key).map(|o| o.as_str_mut()).transpose()?;
            let total = match s {
                Some(s) => {
                    s.extend_from_slice(tail);
                    s.len()
                }
                None => 0,
            };
            // Redis unshares the value into a raw string before appending.
            set_str_encoding(ctx, key, StrEncoding::Raw);
            total
        }
    };
    ctx.modified(key, notify::STRING, "append");
    Ok(Value::Int(total as i64))
}

/// # Format
/// `STRLEN key`
fn strlen(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    match ctx.read(argv[1]) {
        None => Ok(Value::Int(0)),
        Some(o) => Ok(Value::Int(o.as_str()?.len() as i64)),
    }
}

/// `incrDecrCommand`: adds `incr` to the integer under `key` (absent = 0), keeping its TTL.
/// An existing value is replaced in its entry (one lookup), as Redis overwrites an unshared
/// integer object in place.
fn incr_decr(ctx: &mut Ctx, key: &[u8], incr: i64) -> Result<Value> {
    let mut digits = itoa::Buffer::new();
    let new = match ctx.entry(key) {
        Some(e) => {
            let old = parse_i64(e.obj.as_str()?).ok_or_else(Error::not_integer)?;
            let new = old
                .checked_add(incr)
                .ok_or_else(|| Error::err("increment or decrement would overflow"))?;
            e.obj = Object::string(digits.format(new).as_bytes());
            e.set_str_enc(StrEncoding::FromBytes);
            new
        }
        None => {
            ctx.insert_keep_ttl(key, Object::string(digits.format(incr).as_bytes()));
            incr
        }
    };
    ctx.modified(key, notify::STRING, "incrby");
    Ok(Value::Int(new))
}

/// # Format
/// `INCR key`
fn incr(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    incr_decr(ctx, argv[1], 1)
}

/// # Format
/// `DECR key`
fn decr(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    incr_decr(ctx, argv[1], -1)
}

/// # Format
/// `INCRBY key increment`
fn incrby(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let by = arg_i64(argv[2])?;
    incr_decr(ctx, argv[1], by)
}

/// # Format
/// `DECRBY key decrement`
fn decrby(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let by = arg_i64(argv[2])?;
    if by == i64::MIN {
        return Err(Error::err("decrement would overflow"));
    }
    incr_decr(ctx, argv[1], -by)
}

/// # Format
/// `INCRBYFLOAT key increment`
fn incrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let new = match ctx.read(key) {
        None => longdouble::incr_by_float(None, argv[2])?,
        Some(o) => longdouble::incr_by_float(Some(o.as_str()?), argv[2])?,
    };
    ctx.insert_keep_ttl(key, Object::string(new.clone()));
    // createStringObjectFromLongDouble: embstr (or raw), never int.
    set_str_encoding(ctx, key, StrEncoding::NoInt);
    ctx.modified(key, notify::STRING, "incrbyfloat");
    // Replicated as the resulting value, so float formatting never diverges on replay.
    ctx.propagate_with(|| {
        vec![
            b"SET".to_vec(),
            key.to_vec(),
            new.clone(),
            b"KEEPTTL".to_vec(),
        ]
    });
    Ok(Value::Bulk(new))
}

/// # Format
/// `GETRANGE key start end` (and its old alias `SUBSTR key start end`)
fn getrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut start = arg_i64(argv[2])?;
    let mut end = arg_i64(argv[3])?;
    let s = match ctx.read(argv[1]) {
        None => return Ok(Value::bulk("")),
        Some(o) => o.as_str()?,
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Ok(Value::bulk(""));
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Ok(Value::bulk(""));
    }
    Ok(Value::bulk(&s[start as usize..=end as usize]))
}

/// # Format
/// `SETRANGE key offset value`
fn setrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, value) = (argv[1], argv[3]);
    let offset = arg_i64(argv[2])?;
    if offset < 0 {
        return Err(Error::err("offset is out of range"));
    }
    let cur_len = match ctx.read(key) {
        None => None,
        Some(o) => Some(o.as_str()?.len()),
    };
    match cur_len {
        None if value.is_empty() => return Ok(Value::Int(0)),
        Some(len) if value.is_empty() => return Ok(Value::Int(len as i64)),
        _ => {}
    }
    check_string_length(ctx, offset as u64, value.len() as u64)?;
    // Within proto-max-bulk-len, so the end fits in usize.
    let start = offset as usize;
    let end = start + value.len();
    if cur_len.is_none() {
        ctx.insert(key, Object::string(Vec::new()));
    }
    let new_len = match ctx.write(key).map(|o| o.as_str_mut()).transpose()? {
        Some(s) => {
            if s.len() < end {
                s.resize(end, 0);
            }
            s[start..end].copy_from_slice(value);
            s.len()
        }
        None => 0,
    };
    // SETRANGE always leaves a raw string (new, or unshared before writing).
    set_str_encoding(ctx, key, StrEncoding::Raw);
    ctx.modified(key, notify::STRING, "setrange");
    Ok(Value::Int(new_len as i64))
}

/// String commands (arity, flags and key positions as in Redis 7.0's COMMAND INFO).
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, (1, 1, 1), "string", get),
    CommandSpec::new("set", -3, WRITE | DENYOOM, (1, 1, 1), "string", set),
    CommandSpec::new(
        "setnx",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        setnx,
    ),
    CommandSpec::new("setex", 4, WRITE | DENYOOM, (1, 1, 1), "string", setex),
    CommandSpec::new("psetex", 4, WRITE | DENYOOM, (1, 1, 1), "string", psetex),
    CommandSpec::new(
        "getset",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        getset,
    ),
    CommandSpec::new("getdel", 2, WRITE | FAST, (1, 1, 1), "string", getdel),
    CommandSpec::new("getex", -2, WRITE | FAST, (1, 1, 1), "string", getex),
    CommandSpec::new("mget", -2, READONLY | FAST, (1, -1, 1), "string", mget),
    CommandSpec::new("mset", -3, WRITE | DENYOOM, (1, -1, 2), "string", mset),
    CommandSpec::new("msetnx", -3, WRITE | DENYOOM, (1, -1, 2), "string", msetnx),
    CommandSpec::new(
        "append",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        append,
    ),
    CommandSpec::new("strlen", 2, READONLY | FAST, (1, 1, 1), "string", strlen),
    CommandSpec::new("incr", 2, WRITE | DENYOOM | FAST, (1, 1, 1), "string", incr),
    CommandSpec::new("decr", 2, WRITE | DENYOOM | FAST, (1, 1, 1), "string", decr),
    CommandSpec::new(
        "incrby",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        incrby,
    ),
    CommandSpec::new(
        "decrby",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        decrby,
    ),
    CommandSpec::new(
        "incrbyfloat",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        incrbyfloat,
    ),
    CommandSpec::new("getrange", 4, READONLY, (1, 1, 1), "string", getrange),
    CommandSpec::new("substr", 4, READONLY, (1, 1, 1), "string", getrange),
    CommandSpec::new(
        "setrange",
        4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "string",
        setrange,
    ),
];

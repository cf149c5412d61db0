//! Lists: pushes and pops at both ends, ranges, positional access, LINSERT/LREM/LTRIM/LPOS,
//! LMOVE/RPOPLPUSH and LMPOP (Redis 7.0 `t_list.c`).
//!
//! The pop and move logic lives in reusable helpers ([`pop_elements`], [`pop_generic`],
//! [`lmove_generic`], [`mpop_generic`], [`MPOP_ENDS`]) so the blocking variants
//! (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) can serve their non-blocking path, and a
//! woken client, through exactly the same code, as Redis's `popGenericCommand`,
//! `lmoveGenericCommand` and `mpopGenericCommand` do.

pub mod quick;

use std::ops::Range;

use crate::config::Config;
use crate::engine::{flags::*, BulkArray, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object};
use crate::util::args::{int_in, Args};
use crate::util::{arg_i64, eq_ic, parse_i64};
use crate::value::Value;

pub use quick::List;

impl List {
    /// OBJECT ENCODING: Redis 7.0 always reports quicklist.
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        "quicklist"
    }

    /// Resolves a Redis index (negative counts from the tail) to a position, if in range.
    pub fn resolve_index(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let i = if index < 0 {
            len.checked_add(index)?
        } else {
            index
        };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// The clamped `start..end` (inclusive, Redis semantics) as a half-open range of
    /// positions; empty when the range selects nothing. Shared by LRANGE and LTRIM.
    pub fn range(&self, start: i64, end: i64) -> Range<usize> {
        let llen = self.len() as i64;
        let mut start = if start < 0 { llen + start } else { start };
        let mut end = if end < 0 { llen + end } else { end };
        if start < 0 {
            start = 0;
        }
        if start > end || start >= llen {
            return 0..0;
        }
        if end >= llen {
            end = llen - 1;
        }
        start as usize..end as usize + 1
    }
}

/// An end of a list: `LEFT` is the head, `RIGHT` the tail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// LEFT.
    Head,
    /// RIGHT.
    Tail,
}

impl End {
    /// Parses `LEFT`/`RIGHT` (case-insensitive), else `ERR syntax error`
    /// (Redis `getListPositionFromObjectOrReply`).
    pub fn parse(arg: &[u8]) -> Result<End> {
        if eq_ic(arg, "right") {
            Ok(End::Tail)
        } else if eq_ic(arg, "left") {
            Ok(End::Head)
        } else {
            Err(Error::syntax())
        }
    }

    /// The keyspace event of a pop at this end.
    pub fn pop_event(self) -> &'static str {
        match self {
            End::Head => "lpop",
            End::Tail => "rpop",
        }
    }

    /// The keyspace event of a push at this end.
    pub fn push_event(self) -> &'static str {
        match self {
            End::Head => "lpush",
            End::Tail => "rpush",
        }
    }

    /// The single-pop command name for this end (`LPOP`/`RPOP`), used when propagating.
    pub fn pop_command(self) -> &'static [u8] {
        match self {
            End::Head => b"LPOP",
            End::Tail => b"RPOP",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------------------

/// Redis `getPositiveLongFromObjectOrReply` without a custom message.
fn positive_arg(a: &[u8]) -> Result<i64> {
    int_in(a, 0, i64::MAX, "value is out of range, must be positive")
}

/// The list under `key` for reading: `Ok(None)` when missing, WRONGTYPE for other types.
fn read_list<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c List>> {
    match ctx.read(key) {
        None => Ok(None),
        Some(o) => o.as_list().map(Some),
    }
}

/// The list under `key` for writing: `Ok(None)` when missing, WRONGTYPE for other types.
fn write_list<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut List>> {
    match ctx.write(key) {
        None => Ok(None),
        Some(o) => o.as_list_mut().map(Some),
    }
}

/// Length of the list under `key` as a write lookup would see it: `Ok(None)` when the key
/// is missing, WRONGTYPE when it holds another type. Blocking commands use it to decide
/// whether a key can serve them right away.
pub fn list_len(ctx: &mut Ctx, key: &[u8]) -> Result<Option<usize>> {
    Ok(write_list(ctx, key)?.map(|l| l.len()))
}

// ---------------------------------------------------------------------------------------
// Reusable pop / move machinery (shared with the blocking variants)
// ---------------------------------------------------------------------------------------

/// Pops up to `count` elements from `end` of the existing list under `key`, in pop order,
/// then reports them as Redis's `listElementsRemoved` does: the `lpop`/`rpop` event, and
/// deletion (with `del`) when the list became empty. Returns nothing if the key is not a
/// list; callers check the type first.
pub fn pop_elements(ctx: &mut Ctx, key: &[u8], end: End, count: usize) -> Vec<Vec<u8>> {
    let popped: Vec<Vec<u8>> = match write_list(ctx, key) {
        Ok(Some(list)) => {
            let n = count.min(list.len());
            (0..n).filter_map(|_| list.pop(end)).collect()
        }
        _ => Vec::new(),
    };
    if !popped.is_empty() {
        ctx.modified(key, notify::LIST, end.pop_event());
        ctx.remove_if_empty(key);
    }
    popped
}

/// LPOP/RPOP `key [count]` (Redis `popGenericCommand`). `count` is the raw optional
/// argument. Without it: a bulk or Nil; with it: an array, NilArray for a missing key, an
/// empty array for count 0.
pub fn pop_generic(ctx: &mut Ctx, key: &[u8], end: End, count: Option<&[u8]>) -> Result<Value> {
    let count = count.map(positive_arg).transpose()?;
    let Some(len) = list_len(ctx, key)? else {
        return Ok(match count {
            Some(_) => Value::NilArray,
            None => Value::Nil,
        });
    };
    match count {
        None => {
            if len == 0 {
                return Ok(Value::Nil);
            }
            let v = pop_elements(ctx, key, end, 1);
            Ok(Value::opt_bulk(v.into_iter().next()))
        }
        Some(0) => Ok(Value::Array(Vec::new())),
        Some(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            Ok(Value::bulks(pop_elements(ctx, key, end, n)))
        }
    }
}

/// LMOVE/RPOPLPUSH core (Redis `lmoveGenericCommand`): pops from `from` of `src`, pushes at
/// `to` of `dst` (creating it), replies with the element, or Nil when `src` is missing or
/// empty. A destination of the wrong type fails before anything changes. Events: the push
/// on `dst`, then the pop on `src` (and `del` if it emptied). `src == dst` rotates.
pub fn lmove_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> Result<Value> {
    match list_len(ctx, src)? {
        None | Some(0) => return Ok(Value::Nil),
        Some(_) => {}
    }
    let dst_exists = list_len(ctx, dst)?.is_some();
    let fill = ctx.store.config.list_max_listpack_size;
    let Some(value) = write_list(ctx, src)?.and_then(|l| l.pop(from)) else {
        return Ok(Value::Nil);
    };
    if dst_exists {
        if let Some(l) = write_list(ctx, dst)? {
            l.push_with(to, &value, fill);
        }
    } else {
        let mut l = List::default();
        l.push_with(to, &value, fill);
        ctx.insert(dst, Object::List(Box::new(l)));
    }
    ctx.modified(dst, notify::LIST, to.push_event());
    ctx.modified(src, notify::LIST, from.pop_event());
    ctx.remove_if_empty(src);
    Ok(Value::Bulk(value))
}

/// The end keywords of LMPOP/BLMPOP, for [`crate::util::args::mpop`].
pub const MPOP_ENDS: &[(&str, End)] = &[("left", End::Head), ("right", End::Tail)];

/// Key positions of LMPOP/BLMPOP for the command table (movable keys): the `numkeys`
/// arguments after `numkeys_idx`, clamped to argv; none if `numkeys` is not valid.
pub fn mpop_key_positions(argv: &[&[u8]], numkeys_idx: usize) -> Vec<usize> {
    let Some(n) = argv.get(numkeys_idx).and_then(|a| parse_i64(a)) else {
        return Vec::new();
    };
    if n <= 0 {
        return Vec::new();
    }
    let first = numkeys_idx + 1;
    let last = first.saturating_add(usize::try_from(n).unwrap_or(usize::MAX));
    (first..last.min(argv.len())).collect()
}

/// LMPOP/BLMPOP core (Redis `mpopGenericCommand`): pops up to `count` from the first
/// non-empty list among `keys`, replying `[key, [elements]]`, or NilArray when all are
/// missing. A key of the wrong type met before a non-empty list is an error. Propagated as
/// `LPOP|RPOP key n` with the number actually popped.
pub fn mpop_generic(ctx: &mut Ctx, keys: &[&[u8]], end: End, count: usize) -> Result<Value> {
    for &key in keys {
        match list_len(ctx, key)? {
            None | Some(0) => continue,
            Some(_) => {}
        }
        let popped = pop_elements(ctx, key, end, count);
        ctx.propagate_with(|| {
            vec![
                end.pop_command().to_vec(),
                key.to_vec(),
                popped.len().to_string().into_bytes(),
            ]
        });
        return Ok(Value::Array(vec![Value::bulk(key), Value::bulks(popped)]));
    }
    Ok(Value::NilArray)
}

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------

/// LPUSH/RPUSH/LPUSHX/RPUSHX core (Redis `pushGenericCommand`/`pushxGenericCommand`).
fn push_generic(ctx: &mut Ctx, argv: &[&[u8]], end: End, only_existing: bool) -> Result<Value> {
    let key = argv[1];
    let values = &argv[2..];
    let fill = ctx.store.config.list_max_listpack_size;
    let len = match write_list(ctx, key)? {
        Some(list) => {
            for v in values {
                list.push_with(end, v, fill);
            }
            list.len()
        }
        None if only_existing => return Ok(Value::Int(0)),
        None => {
            let mut list = List::default();
            for v in values {
                list.push_with(end, v, fill);
            }
            let len = list.len();
            ctx.insert(key, Object::List(Box::new(list)));
            len
        }
    };
    ctx.modified(key, notify::LIST, end.push_event());
    Ok(Value::Int(len as i64))
}

/// # Format
/// `LPUSH key element [element ...]`
fn lpush(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    push_generic(ctx, argv, End::Head, false)
}

/// # Format
/// `RPUSH key element [element ...]`
fn rpush(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    push_generic(ctx, argv, End::Tail, false)
}

/// # Format
/// `LPUSHX key element [element ...]`
fn lpushx(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    push_generic(ctx, argv, End::Head, true)
}

/// # Format
/// `RPUSHX key element [element ...]`
fn rpushx(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    push_generic(ctx, argv, End::Tail, true)
}

/// # Format
/// `LPOP key [count]`
fn lpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    pop_cmd(ctx, argv, End::Head)
}

/// # Format
/// `RPOP key [count]`
fn rpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    pop_cmd(ctx, argv, End::Tail)
}

fn pop_cmd(ctx: &mut Ctx, argv: &[&[u8]], end: End) -> Result<Value> {
    if argv.len() > 3 {
        return Err(Error::arity(match end {
            End::Head => "lpop",
            End::Tail => "rpop",
        }));
    }
    pop_generic(ctx, argv[1], end, argv.get(2).copied())
}

/// # Format
/// `LLEN key`
fn llen(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let n = read_list(ctx, argv[1])?.map_or(0, |l| l.len());
    Ok(Value::Int(n as i64))
}

/// # Format
/// `LINDEX key index`
fn lindex(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let Some(list) = read_list(ctx, argv[1])? else {
        return Ok(Value::Nil);
    };
    let index = arg_i64(argv[2])?;
    Ok(Value::opt_bulk(
        list.resolve_index(index).and_then(|i| list.get(i)),
    ))
}

/// # Format
/// `LSET key index element`
fn lset(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let fill = ctx.store.config.list_max_listpack_size;
    let Some(list) = write_list(ctx, key)? else {
        return Err(Error::no_such_key());
    };
    let index = arg_i64(argv[2])?;
    let i = list
        .resolve_index(index)
        .ok_or_else(|| Error::out_of_range("index out of range"))?;
    list.set(i, argv[3], fill);
    ctx.modified(key, notify::LIST, "lset");
    Ok(Value::ok())
}

/// # Format
/// `LINSERT key BEFORE|AFTER pivot element`
fn linsert(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let after = if eq_ic(argv[2], "after") {
        true
    } else if eq_ic(argv[2], "before") {
        false
    } else {
        return Err(Error::syntax());
    };
    let key = argv[1];
    let fill = ctx.store.config.list_max_listpack_size;
    let Some(list) = write_list(ctx, key)? else {
        return Ok(Value::Int(0));
    };
    let Some(pos) = list.iter().position(|e| e == argv[3]) else {
        return Ok(Value::Int(-1));
    };
    list.insert(pos + usize::from(after), argv[4], fill);
    let len = list.len();
    ctx.modified(key, notify::LIST, "linsert");
    Ok(Value::Int(len as i64))
}

/// # Format
/// `LRANGE key start stop`
fn lrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let start = arg_i64(argv[2])?;
    let end = arg_i64(argv[3])?;
    let stream = ctx.can_stream_replies();
    let Some(list) = read_list(ctx, argv[1])? else {
        return Ok(Value::Array(Vec::new()));
    };
    let range = list.range(start, end);
    let hint = if stream && range.len() >= crate::engine::ctx::STREAM_MIN_ELEMENTS {
        list.slice(range.clone()).map(|e| e.len() + 8).sum()
    } else {
        0
    };
    let mut reply = BulkArray::new(stream, range.len(), hint);
    for e in list.slice(range) {
        reply.push(e);
    }
    Ok(reply.finish(ctx))
}

/// # Format
/// `LTRIM key start stop`
fn ltrim(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let start = arg_i64(argv[2])?;
    let end = arg_i64(argv[3])?;
    let key = argv[1];
    let Some(list) = write_list(ctx, key)? else {
        return Ok(Value::ok());
    };
    let keep = list.range(start, end);
    let removed = list.len() - keep.len();
    list.trim(keep);
    if removed > 0 {
        ctx.modified(key, notify::LIST, "ltrim");
    } else {
        // Redis signals and notifies even when nothing was trimmed, but adds 0 to dirty,
        // so the command is not propagated.
        let db = ctx.db_index();
        ctx.store.signal_modified(db, key);
        ctx.notify(notify::LIST, "ltrim", key);
    }
    ctx.remove_if_empty(key);
    Ok(Value::ok())
}

/// # Format
/// `LREM key count element`
fn lrem(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut toremove = arg_i64(argv[2])?;
    let key = argv[1];
    let ele = argv[3];
    let Some(list) = write_list(ctx, key)? else {
        return Ok(Value::Int(0));
    };
    let from_tail = toremove < 0;
    if from_tail {
        // Like Redis's `-toremove`: i64::MIN stays negative and never matches `removed`,
        // so everything matching is removed.
        toremove = toremove.wrapping_neg();
    }
    let len = list.len();
    let mut doomed = vec![false; len];
    let mut removed: i64 = 0;
    let mut mark = |i: usize, e: &[u8]| {
        if e == ele {
            doomed[i] = true;
            removed += 1;
            if toremove != 0 && removed == toremove {
                return false;
            }
        }
        true
    };
    if from_tail {
        for (step, e) in list.iter().rev().enumerate() {
            if !mark(len - 1 - step, e) {
                break;
            }
        }
    } else {
        for (i, e) in list.iter().enumerate() {
            if !mark(i, e) {
                break;
            }
        }
    }
    if removed > 0 {
        list.retain_indexed(|i, _| !doomed[i]);
    }
    if removed > 0 {
        ctx.modified(key, notify::LIST, "lrem");
        ctx.remove_if_empty(key);
    }
    Ok(Value::Int(removed))
}

/// # Format
/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`
fn lpos(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let ele = argv[2];
    let mut rank: i64 = 1;
    let mut count: i64 = -1; // -1: option not given.
    let mut maxlen: i64 = 0;
    let mut args = Args::new(argv, 3);
    while !args.is_empty() {
        if args.eat_with("rank", 1) {
            rank = args.i64()?;
            if rank == 0 {
                return Err(Error::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if args.eat_with("count", 1) {
            count = args.i64_in(0, i64::MAX, "COUNT can't be negative")?;
        } else if args.eat_with("maxlen", 1) {
            maxlen = args.i64_in(0, i64::MAX, "MAXLEN can't be negative")?;
        } else {
            return Err(Error::syntax());
        }
    }
    // A negative rank searches from the tail. Redis negates a C long: i64::MIN stays
    // negative, so every match satisfies `matches >= rank`; wrapping ops reproduce that.
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let Some(list) = read_list(ctx, argv[1])? else {
        return Ok(if count != -1 {
            Value::Array(Vec::new())
        } else {
            Value::Nil
        });
    };
    let llen = list.len();
    let mut out = Vec::new();
    let mut matches: i64 = 0;
    let walk: Box<dyn Iterator<Item = &[u8]>> = if from_tail {
        Box::new(list.iter().rev())
    } else {
        Box::new(list.iter())
    };
    for (index, e) in walk.enumerate() {
        if maxlen != 0 && index as i64 >= maxlen {
            break;
        }
        let pos = if from_tail { llen - index - 1 } else { index };
        if e != ele {
            continue;
        }
        matches += 1;
        if matches >= rank {
            if count == -1 {
                return Ok(Value::Int(pos as i64));
            }
            out.push(Value::Int(pos as i64));
            if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count {
                break;
            }
        }
    }
    Ok(if count == -1 {
        Value::Nil
    } else {
        Value::Array(out)
    })
}

/// # Format
/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`
fn lmove(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let from = End::parse(argv[3])?;
    let to = End::parse(argv[4])?;
    lmove_generic(ctx, argv[1], argv[2], from, to)
}

/// # Format
/// `RPOPLPUSH source destination`
fn rpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    lmove_generic(ctx, argv[1], argv[2], End::Tail, End::Head)
}

/// # Format
/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`
fn lmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let a = crate::util::args::mpop(argv, 1, MPOP_ENDS)?;
    let count = usize::try_from(a.count).unwrap_or(usize::MAX);
    mpop_generic(ctx, &argv[a.keys], a.end, count)
}

fn lmpop_keys(argv: &[&[u8]]) -> Vec<usize> {
    mpop_key_positions(argv, 1)
}

/// List commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "lpush",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        lpush,
    ),
    CommandSpec::new(
        "rpush",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        rpush,
    ),
    CommandSpec::new(
        "lpushx",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        lpushx,
    ),
    CommandSpec::new(
        "rpushx",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        rpushx,
    ),
    CommandSpec::new("lpop", -2, WRITE | FAST, (1, 1, 1), "list", lpop),
    CommandSpec::new("rpop", -2, WRITE | FAST, (1, 1, 1), "list", rpop),
    CommandSpec::new("lrange", 4, READONLY, (1, 1, 1), "list", lrange),
    CommandSpec::new("llen", 2, READONLY | FAST, (1, 1, 1), "list", llen),
    CommandSpec::new("lindex", 3, READONLY, (1, 1, 1), "list", lindex),
    CommandSpec::new("lset", 4, WRITE | DENYOOM, (1, 1, 1), "list", lset),
    CommandSpec::new("linsert", 5, WRITE | DENYOOM, (1, 1, 1), "list", linsert),
    CommandSpec::new("lrem", 4, WRITE, (1, 1, 1), "list", lrem),
    CommandSpec::new("ltrim", 4, WRITE, (1, 1, 1), "list", ltrim),
    CommandSpec::new("lpos", -3, READONLY, (1, 1, 1), "list", lpos),
    CommandSpec::new("lmove", 5, WRITE | DENYOOM, (1, 2, 1), "list", lmove),
    CommandSpec::new(
        "rpoplpush",
        3,
        WRITE | DENYOOM,
        (1, 2, 1),
        "list",
        rpoplpush,
    ),
    CommandSpec::new("lmpop", -4, WRITE, (0, 0, 0), "list", lmpop).with_keys(lmpop_keys),
];

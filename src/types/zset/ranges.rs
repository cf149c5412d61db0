//! The ZRANGE family (Redis `zrangeGenericCommand`): ZRANGE, ZREVRANGE, ZRANGEBYSCORE,
//! ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX and ZRANGESTORE.

use super::spec::{LexRange, ScoreRange};
use super::{pairs_reply, read_zset, ZSet};
use crate::engine::Ctx;
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::{notify, Object};
use crate::util::arg_i64;
use crate::util::args::Args;
use crate::value::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Auto,
    Fwd,
    Rev,
}

enum Range {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// # Format
/// `ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`
pub fn zrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zrange_generic(ctx, argv, 1, None, Kind::Auto, Dir::Auto)
}

/// # Format
/// `ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]`
pub fn zrangestore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zrange_generic(ctx, argv, 2, Some(argv[1]), Kind::Auto, Dir::Auto)
}

/// # Format
/// `ZREVRANGE key start stop [WITHSCORES]`
pub fn zrevrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zrange_generic(ctx, argv, 1, None, Kind::Rank, Dir::Rev)
}

/// # Format
/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`
pub fn zrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zrange_generic(ctx, argv, 1, None, Kind::Score, Dir::Fwd)
}

/// # Format
/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`
pub fn zrevrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zrange_generic(ctx, argv, 1, None, Kind::Score, Dir::Rev)
}

/// # Format
/// `ZRANGEBYLEX key min max [LIMIT offset count]`
pub fn zrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zrange_generic(ctx, argv, 1, None, Kind::Lex, Dir::Fwd)
}

/// # Format
/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`
pub fn zrevrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zrange_generic(ctx, argv, 1, None, Kind::Lex, Dir::Rev)
}

fn zrange_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    start_idx: usize,
    store: Option<&[u8]>,
    mut kind: Kind,
    mut dir: Dir,
) -> Result<Value> {
    let key = argv[start_idx];
    let (mut minidx, mut maxidx) = (start_idx + 1, start_idx + 2);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut args = Args::new(argv, start_idx + 3);
    while !args.is_empty() {
        if store.is_none() && args.eat("withscores") {
            withscores = true;
        } else if args.eat_with("limit", 2) {
            offset = args.i64()?;
            limit = args.i64()?;
        } else if dir == Dir::Auto && args.eat("rev") {
            dir = Dir::Rev;
        } else if kind == Kind::Auto && args.eat("bylex") {
            kind = Kind::Lex;
        } else if kind == Kind::Auto && args.eat("byscore") {
            kind = Kind::Score;
        } else {
            return Err(Error::syntax());
        }
    }
    let rev = dir == Dir::Rev;
    if kind == Kind::Auto {
        kind = Kind::Rank;
    }
    if limit != -1 && kind == Kind::Rank {
        return Err(Error::new(
            ErrorKind::Syntax,
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == Kind::Lex {
        return Err(Error::new(
            ErrorKind::Syntax,
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    if rev && kind != Kind::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let range = match kind {
        Kind::Score => Range::Score(ScoreRange::parse(argv[minidx], argv[maxidx])?),
        Kind::Lex => Range::Lex(LexRange::parse(argv[minidx], argv[maxidx])?),
        _ => Range::Rank(arg_i64(argv[minidx])?, arg_i64(argv[maxidx])?),
    };

    let items = match read_zset(ctx, key)? {
        Some(z) => collect(z, &range, rev, offset, limit),
        None if store.is_some() => Vec::new(),
        None => return Ok(Value::Array(vec![])),
    };
    match store {
        Some(dst) => Ok(store_result(ctx, dst, items, "zrangestore")),
        None => Ok(pairs_reply(ctx.resp(), items, withscores)),
    }
}

/// Stores a computed result under `dst` as Redis's store commands do: a non-empty result
/// replaces the key (TTL cleared) and fires `event`; an empty one deletes it.
pub(crate) fn store_result(
    ctx: &mut Ctx,
    dst: &[u8],
    items: Vec<(Vec<u8>, f64)>,
    event: &str,
) -> Value {
    let n = items.len();
    if n > 0 {
        let z = ZSet::from_pairs_fit(items, &ctx.store.config);
        ctx.insert(dst, Object::ZSet(Box::new(z)));
        ctx.modified(dst, notify::ZSET, event);
    } else if ctx.remove(dst).is_some() {
        ctx.modified(dst, notify::GENERIC, "del");
    }
    Value::Int(n as i64)
}

/// Walks the range the way Redis does: find the first element, skip `offset` elements
/// unconditionally, then emit while still in range, at most `limit` (negative: no limit).
fn collect(z: &ZSet, range: &Range, rev: bool, offset: i64, limit: i64) -> Vec<(Vec<u8>, f64)> {
    let own = |(m, s): (&[u8], f64)| (m.to_vec(), s);
    let cap = if limit < 0 {
        usize::MAX
    } else {
        limit as usize
    };
    match range {
        Range::Rank(start, end) => {
            let llen = z.len() as i64;
            let (mut start, mut end) = (*start, *end);
            if start < 0 {
                start += llen;
            }
            if end < 0 {
                end += llen;
            }
            start = start.max(0);
            if start > end || start >= llen {
                return Vec::new();
            }
            end = end.min(llen - 1);
            let n = (end - start + 1) as usize;
            if rev {
                z.iter_rev_from((llen - 1 - start) as usize)
                    .take(n)
                    .map(own)
                    .collect()
            } else {
                z.iter_from(start as usize).take(n).map(own).collect()
            }
        }
        Range::Score(r) => {
            if offset < 0 || (offset > 0 && offset as u64 >= z.len() as u64) {
                return Vec::new();
            }
            let offset = offset as usize;
            if rev {
                match z.score_last(r).and_then(|p| p.checked_sub(offset)) {
                    Some(pos) => z
                        .iter_rev_from(pos)
                        .take_while(|(_, s)| r.gte_min(*s))
                        .take(cap)
                        .map(own)
                        .collect(),
                    None => Vec::new(),
                }
            } else {
                match z.score_first(r) {
                    Some(pos) => z
                        .iter_from(pos + offset)
                        .take_while(|(_, s)| r.lte_max(*s))
                        .take(cap)
                        .map(own)
                        .collect(),
                    None => Vec::new(),
                }
            }
        }
        Range::Lex(r) => {
            if offset < 0 || (offset > 0 && offset as u64 >= z.len() as u64) {
                return Vec::new();
            }
            let offset = offset as usize;
            if rev {
                match z.lex_last(r).and_then(|p| p.checked_sub(offset)) {
                    Some(pos) => z
                        .iter_rev_from(pos)
                        .take_while(|(m, _)| r.gte_min(m))
                        .take(cap)
                        .map(own)
                        .collect(),
                    None => Vec::new(),
                }
            } else {
                match z.lex_first(r) {
                    Some(pos) => z
                        .iter_from(pos + offset)
                        .take_while(|(m, _)| r.lte_max(m))
                        .take(cap)
                        .map(own)
                        .collect(),
                    None => Vec::new(),
                }
            }
        }
    }
}

//! Read-only single-key commands: ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK,
//! ZREVRANK, ZRANDMEMBER, ZSCAN.

use std::collections::HashSet;

use super::spec::{LexRange, ScoreRange};
use super::{pairs_reply, read_zset};
use crate::engine::{BulkArray, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::util::{eq_ic, float::fmt_g17, glob, parse_i64, scan};
use crate::value::Value;

/// # Format
/// `ZSCORE key member`
pub fn zscore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    Ok(
        match read_zset(ctx, argv[1])?.and_then(|z| z.score(argv[2])) {
            Some(s) => Value::Double(s),
            None => Value::Nil,
        },
    )
}

/// # Format
/// `ZMSCORE key member [member ...]`
pub fn zmscore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let z = read_zset(ctx, argv[1])?;
    Ok(Value::Array(
        argv[2..]
            .iter()
            .map(|m| match z.and_then(|z| z.score(m)) {
                Some(s) => Value::Double(s),
                None => Value::Nil,
            })
            .collect(),
    ))
}

/// # Format
/// `ZCARD key`
pub fn zcard(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(
        read_zset(ctx, argv[1])?.map_or(0, |z| z.len() as i64),
    ))
}

/// # Format
/// `ZCOUNT key min max`
pub fn zcount(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let r = ScoreRange::parse(argv[2], argv[3])?;
    Ok(Value::Int(
        read_zset(ctx, argv[1])?.map_or(0, |z| z.count_in_score_range(&r) as i64),
    ))
}

/// # Format
/// `ZLEXCOUNT key min max`
pub fn zlexcount(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let r = LexRange::parse(argv[2], argv[3])?;
    Ok(Value::Int(
        read_zset(ctx, argv[1])?.map_or(0, |z| z.count_in_lex_range(&r) as i64),
    ))
}

fn rank_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) -> Result<Value> {
    let Some(z) = read_zset(ctx, argv[1])? else {
        return Ok(Value::Nil);
    };
    Ok(match z.rank(argv[2]) {
        Some(r) if rev => Value::Int((z.len() - 1 - r) as i64),
        Some(r) => Value::Int(r as i64),
        None => Value::Nil,
    })
}

/// # Format
/// `ZRANK key member`
pub fn zrank(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    rank_generic(ctx, argv, false)
}

/// # Format
/// `ZREVRANK key member`
pub fn zrevrank(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    rank_generic(ctx, argv, true)
}

/// Redis's `ZRANDMEMBER_SUB_STRATEGY_MUL`.
const SUB_STRATEGY_MUL: u64 = 3;

/// # Format
/// `ZRANDMEMBER key [count [WITHSCORES]]`
pub fn zrandmember(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    if argv.len() >= 3 {
        let l = parse_i64(argv[2]).ok_or_else(Error::not_integer)?;
        if l == i64::MIN {
            return Err(Error::new(
                ErrorKind::OutOfRange,
                "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        let withscores = match argv.len() {
            3 => false,
            4 if eq_ic(argv[3], "withscores") => true,
            _ => return Err(Error::syntax()),
        };
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(Error::out_of_range("value is out of range"));
        }
        return randmember_with_count(ctx, key, l, withscores);
    }
    let Some(z) = read_zset(ctx, key)? else {
        return Ok(Value::Nil);
    };
    let n = z.len() as u64;
    let rank = ctx.rand_below(n) as usize;
    let z = read_zset(ctx, key)?.ok_or_else(Error::no_such_key)?;
    Ok(Value::opt_bulk(z.get_by_rank(rank).map(|(m, _)| m)))
}

fn randmember_with_count(ctx: &mut Ctx, key: &[u8], l: i64, withscores: bool) -> Result<Value> {
    let resp = ctx.resp();
    let stream = ctx.can_stream_replies();
    // Apply expiry and the type check, then borrow the value and the RNG side by side.
    if read_zset(ctx, key)?.is_none() {
        return Ok(Value::Array(vec![]));
    }
    let (obj, rng) = ctx.write_with_rng(key).ok_or_else(Error::no_such_key)?;
    let z = obj.as_zset()?;
    let size = z.len() as u64;
    let (count, uniq) = if l >= 0 {
        (l as u64, true)
    } else {
        (l.unsigned_abs(), false)
    };
    if count == 0 {
        return Ok(Value::Array(vec![]));
    }
    let item = |rank: usize| -> (Vec<u8>, f64) {
        let (m, s) = z.get_by_rank(rank).unwrap_or((b"", 0.0));
        (m.to_vec(), s)
    };

    // CASE 1: repetitions allowed (or a single element): independent uniform picks.
    if !uniq || count == 1 {
        crate::util::args::check_random_repeats(count)?;
        if !withscores {
            // Members only: encoded straight to a connection's output when long
            // (`BulkArray`, issue 10), no `Value` per pick.
            let mut reply =
                BulkArray::new(stream, count as usize, (count as usize).saturating_mul(24));
            for _ in 0..count {
                let (m, _) = z
                    .get_by_rank(rng.below(size) as usize)
                    .unwrap_or((b"", 0.0));
                reply.push(m);
            }
            return Ok(reply.finish(ctx));
        }
        let items = (0..count).map(|_| item(rng.below(size) as usize)).collect();
        return Ok(pairs_reply(resp, items, withscores));
    }

    // CASE 2: the whole set, in Redis's iterator order (highest score first).
    if count >= size {
        let items = z
            .iter_rev_from(size as usize - 1)
            .map(|(m, s)| (m.to_vec(), s));
        return Ok(pairs_reply(resp, items.collect(), withscores));
    }

    // CASE 3: most of the set: start from everything and drop random elements.
    if count * SUB_STRATEGY_MUL > size {
        let mut ranks: Vec<usize> = (0..size as usize).rev().collect();
        while ranks.len() as u64 > count {
            let i = rng.below(ranks.len() as u64) as usize;
            ranks.swap_remove(i);
        }
        let items = ranks.into_iter().map(item).collect();
        return Ok(pairs_reply(resp, items, withscores));
    }

    // CASE 4: few elements: pick until enough distinct ones, in pick order.
    let mut seen = HashSet::with_capacity(count as usize);
    let mut items = Vec::with_capacity(count as usize);
    while (items.len() as u64) < count {
        let r = rng.below(size) as usize;
        if seen.insert(r) {
            items.push(item(r));
        }
    }
    Ok(pairs_reply(resp, items, withscores))
}

/// How a listpack stores a score, as ZSCAN prints it for a listpack-encoded set: integral
/// values within ±2^62 as integers, anything else as `%.17g`.
pub fn listpack_score_text(v: f64) -> String {
    const LIM: f64 = 4611686018427387904.0; // (double)(LLONG_MAX / 2)
    if (-LIM..=LIM).contains(&v) && v.fract() == 0.0 {
        (v as i64).to_string()
    } else {
        fmt_g17(v)
    }
}

/// # Format
/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`
pub fn zscan(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    scan::parse_cursor(argv[2])?;
    let empty = || Value::Array(vec![Value::bulk("0"), Value::Array(vec![])]);
    let Some(z) = read_zset(ctx, argv[1])? else {
        return Ok(empty());
    };
    let args = scan::parse(argv[2], &argv[3..], false)?;
    let mut out = Vec::new();
    let cursor = if let Some(table) = z.table() {
        scan::scan_dict(table, &args, |m, s| {
            out.push(Value::bulk(m));
            out.push(Value::Bulk(fmt_g17(*s).into_bytes()));
        })
    } else {
        for (m, s) in z.iter() {
            if args.pattern.as_ref().is_none_or(|p| glob::matches(p, m)) {
                out.push(Value::bulk(m));
                out.push(Value::Bulk(listpack_score_text(s).into_bytes()));
            }
        }
        0
    };
    Ok(Value::Array(vec![
        Value::Bulk(cursor.to_string().into_bytes()),
        Value::Array(out),
    ]))
}

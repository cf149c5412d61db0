//! ZADD, ZINCRBY, ZREM and the ZREMRANGEBY* family.

use super::spec::{LexRange, ScoreRange};
use super::{write_zset, ZSet};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object};
use crate::util::args::Args;
use crate::util::{arg_f64, arg_i64};
use crate::value::Value;

/// # Format
/// `ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]`
pub fn zadd(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zadd_generic(ctx, argv, false)
}

/// # Format
/// `ZINCRBY key increment member`
pub fn zincrby(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zadd_generic(ctx, argv, true)
}

/// Redis's `zaddGenericCommand`: ZINCRBY is ZADD with the INCR flag preset, and parses
/// its arguments the same way.
fn zadd_generic(ctx: &mut Ctx, argv: &[&[u8]], incr_cmd: bool) -> Result<Value> {
    let key = argv[1];
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, incr_cmd);
    let mut args = Args::new(argv, 2);
    loop {
        if args.eat("nx") {
            nx = true;
        } else if args.eat("xx") {
            xx = true;
        } else if args.eat("ch") {
            ch = true;
        } else if args.eat("incr") {
            incr = true;
        } else if args.eat("gt") {
            gt = true;
        } else if args.eat("lt") {
            lt = true;
        } else {
            break;
        }
    }
    let pairs = args.rest();
    if pairs.is_empty() || pairs.len() % 2 != 0 {
        return Err(Error::syntax());
    }
    if nx && xx {
        return Err(Error::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return Err(Error::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if incr && pairs.len() > 2 {
        return Err(Error::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    let scores = pairs
        .chunks(2)
        .map(|p| arg_f64(p[0]))
        .collect::<Result<Vec<f64>>>()?;

    let exists = match ctx.read(key) {
        Some(o) => {
            o.as_zset()?;
            true
        }
        None => false,
    };
    let nothing = if incr { Value::Nil } else { Value::Int(0) };
    if !exists {
        if xx {
            return Ok(nothing);
        }
        ctx.insert(key, Object::ZSet(ZSet::new().into()));
    }
    // The two thresholds, copied: ZADD must not clone the whole config per call.
    let limits = (
        ctx.config().zset_max_listpack_entries,
        ctx.config().zset_max_listpack_value,
    );
    let Some(z) = write_zset(ctx, key)? else {
        return Ok(nothing);
    };

    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = 0.0;
    let mut nan = false;
    let reserve = !xx && pairs.len() > 2;
    if reserve {
        z.reserve_for(
            limits,
            pairs.chunks(2).zip(&scores).map(|(p, s)| (p[1], *s)),
        );
    }
    for (j, pair) in pairs.chunks(2).enumerate() {
        let member = pair[1];
        let score = scores[j];
        let (found, spot) = z.locate(member, score);
        match found {
            Some(cur) => {
                if nx {
                    continue;
                }
                let mut new = score;
                if incr {
                    new += cur;
                    if new.is_nan() {
                        nan = true;
                        break;
                    }
                }
                if (lt && new >= cur) || (gt && new <= cur) {
                    continue;
                }
                processed += 1;
                last = new;
                if new != cur {
                    z.update_at_spot(spot, member, new);
                    updated += 1;
                }
            }
            None => {
                if xx {
                    continue;
                }
                z.prepare_new_member(limits, member.len());
                z.insert_at_spot(spot, member, score);
                added += 1;
                processed += 1;
                last = score;
            }
        }
    }
    if reserve {
        z.trim();
    }
    let empty = z.is_empty();
    if empty {
        // Only reachable for a key created above that received nothing.
        ctx.remove(key);
    }
    if added + updated > 0 {
        ctx.modified(key, notify::ZSET, if incr { "zincr" } else { "zadd" });
    }
    if nan {
        return Err(Error::err("resulting score is not a number (NaN)"));
    }
    Ok(if incr {
        if processed > 0 {
            Value::Double(last)
        } else {
            Value::Nil
        }
    } else {
        Value::Int(if ch { added + updated } else { added })
    })
}

/// # Format
/// `ZREM key member [member ...]`
pub fn zrem(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let Some(z) = write_zset(ctx, key)? else {
        return Ok(Value::Int(0));
    };
    let mut deleted = 0;
    for m in &argv[2..] {
        if z.remove(m).is_some() {
            deleted += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    if deleted > 0 {
        ctx.modified(key, notify::ZSET, "zrem");
        ctx.remove_if_empty(key);
    }
    Ok(Value::Int(deleted))
}

enum RemRange {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// # Format
/// `ZREMRANGEBYRANK key start stop`
pub fn zremrangebyrank(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let r = RemRange::Rank(arg_i64(argv[2])?, arg_i64(argv[3])?);
    zremrange_generic(ctx, argv[1], r, "zremrangebyrank")
}

/// # Format
/// `ZREMRANGEBYSCORE key min max`
pub fn zremrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let r = RemRange::Score(ScoreRange::parse(argv[2], argv[3])?);
    zremrange_generic(ctx, argv[1], r, "zremrangebyscore")
}

/// # Format
/// `ZREMRANGEBYLEX key min max`
pub fn zremrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let r = RemRange::Lex(LexRange::parse(argv[2], argv[3])?);
    zremrange_generic(ctx, argv[1], r, "zremrangebylex")
}

fn zremrange_generic(ctx: &mut Ctx, key: &[u8], range: RemRange, event: &str) -> Result<Value> {
    let Some(z) = write_zset(ctx, key)? else {
        return Ok(Value::Int(0));
    };
    let (start, end) = match &range {
        RemRange::Rank(start, end) => {
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
                return Ok(Value::Int(0));
            }
            end = end.min(llen - 1);
            (start as usize, end as usize + 1)
        }
        RemRange::Score(r) => match z.score_first(r) {
            Some(first) => {
                let n = z
                    .iter_from(first)
                    .take_while(|(_, s)| r.lte_max(*s))
                    .count();
                (first, first + n)
            }
            None => (0, 0),
        },
        RemRange::Lex(r) => match z.lex_delete_start(r) {
            Some(first) => {
                let n = z.iter_from(first).take_while(|(m, _)| r.lte_max(m)).count();
                (first, first + n)
            }
            None => (0, 0),
        },
    };
    let deleted = z.remove_range(start, end);
    if deleted > 0 {
        ctx.modified(key, notify::ZSET, event);
        ctx.remove_if_empty(key);
    }
    Ok(Value::Int(deleted as i64))
}

//! ZUNION, ZINTER, ZDIFF, ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE and ZINTERCARD (Redis
//! `zunionInterDiffGenericCommand`). Plain sets are accepted as inputs, every member with
//! score 1.

use std::borrow::Cow;
use std::collections::HashMap;

use super::index::cmp_key;
use super::pairs_reply;
use super::pop::numkeys_keys;
use super::ranges::store_result;
use super::ZSet;
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::keyspace::Object;
use crate::types::set::{Member, Set};
use crate::util::args::Args;
use crate::util::{arg_i64, parse_f64};
use crate::value::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// One input of a set operation (Redis `zsetopsrc`).
enum Src<'a> {
    Missing,
    Z(&'a ZSet),
    S(&'a Set),
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::Missing => 0,
            Src::Z(z) => z.len(),
            Src::S(s) => s.len(),
        }
    }

    fn find(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::Missing => None,
            Src::Z(z) => z.score(m),
            Src::S(s) => s.contains(m).then_some(1.0),
        }
    }

    /// Calls `f` on each (member, score); an intset's members are formatted on the way.
    fn for_each<'s>(&'s self, mut f: impl FnMut(Cow<'s, [u8]>, f64) -> bool) {
        match self {
            Src::Missing => {}
            Src::Z(z) => {
                for (m, s) in z.iter() {
                    if !f(Cow::Borrowed(m), s) {
                        break;
                    }
                }
            }
            Src::S(s) => {
                for m in s.iter() {
                    let m = match m {
                        Member::Bytes(b) => Cow::Borrowed(b),
                        Member::Int(t) => Cow::Owned(t.as_bytes().to_vec()),
                    };
                    if !f(m, 1.0) {
                        break;
                    }
                }
            }
        }
    }
}

/// Redis `zunionInterAggregate`.
#[inline]
fn aggregate(target: &mut f64, v: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += v;
            // inf + -inf: Redis keeps the convention that the result is 0.
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *target {
                *target = v;
            }
        }
        Aggregate::Max => {
            if v > *target {
                *target = v;
            }
        }
    }
}

/// # Format
/// `ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
pub fn zunion(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    generic(ctx, argv, None, 1, Op::Union, false, "zunion")
}

/// # Format
/// `ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
pub fn zinter(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    generic(ctx, argv, None, 1, Op::Inter, false, "zinter")
}

/// # Format
/// `ZDIFF numkeys key [key ...] [WITHSCORES]`
pub fn zdiff(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    generic(ctx, argv, None, 1, Op::Diff, false, "zdiff")
}

/// # Format
/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]`
pub fn zunionstore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    generic(ctx, argv, Some(argv[1]), 2, Op::Union, false, "zunionstore")
}

/// # Format
/// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]`
pub fn zinterstore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    generic(ctx, argv, Some(argv[1]), 2, Op::Inter, false, "zinterstore")
}

/// # Format
/// `ZDIFFSTORE destination numkeys key [key ...]`
pub fn zdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    generic(ctx, argv, Some(argv[1]), 2, Op::Diff, false, "zdiffstore")
}

/// # Format
/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`
pub fn zintercard(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    generic(ctx, argv, None, 1, Op::Inter, true, "zintercard")
}

/// Key positions of ZUNION, ZINTER, ZDIFF, ZINTERCARD: `numkeys` at 1, keys from 2.
pub fn numkeys_at_1(argv: &[&[u8]]) -> Vec<usize> {
    numkeys_keys(argv, 1)
}

/// Key positions of the STORE variants: the sources (`numkeys` at 2), then the destination.
pub fn store_keys(argv: &[&[u8]]) -> Vec<usize> {
    let mut keys = numkeys_keys(argv, 2);
    if !keys.is_empty() {
        keys.push(1);
    }
    keys
}

fn generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    dst: Option<&[u8]>,
    numkeys_idx: usize,
    op: Op,
    card_only: bool,
    name: &str,
) -> Result<Value> {
    let setnum = arg_i64(argv[numkeys_idx])?;
    if setnum < 1 {
        return Err(Error::err(format!(
            "at least 1 input key is needed for '{name}' command"
        )));
    }
    let first = numkeys_idx + 1;
    if setnum as u64 > (argv.len() - first) as u64 {
        return Err(Error::syntax());
    }
    let setnum = setnum as usize;
    let keys = &argv[first..first + setnum];
    // Lookups (with lazy expiry) and type checks come before option parsing, as in Redis.
    for k in keys {
        if let Some(o) = ctx.read(k) {
            if !matches!(o, Object::ZSet(_) | Object::Set(_)) {
                return Err(Error::wrong_type());
            }
        }
    }

    let mut weights = vec![1.0f64; setnum];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0u64;
    let mut args = Args::new(argv, first + setnum);
    while !args.is_empty() {
        if op != Op::Diff && !card_only && args.eat_with("weights", setnum) {
            for (w, a) in weights.iter_mut().zip(&mut args) {
                *w = parse_f64(a).ok_or_else(|| Error::err("weight value is not a float"))?;
            }
        } else if op != Op::Diff && !card_only && args.eat_with("aggregate", 1) {
            agg = args.one_of(&[
                ("sum", Aggregate::Sum),
                ("min", Aggregate::Min),
                ("max", Aggregate::Max),
            ])?;
        } else if dst.is_none() && !card_only && args.eat("withscores") {
            withscores = true;
        } else if card_only && args.eat_with("limit", 1) {
            limit = args.i64_in(0, i64::MAX, "LIMIT can't be negative")? as u64;
        } else {
            return Err(Error::syntax());
        }
    }

    let (items, card) = {
        let mut srcs: Vec<(Src, f64)> = ctx
            .read_many(keys)
            .into_iter()
            .zip(weights)
            .map(|(o, w)| {
                let src = match o {
                    Some(Object::ZSet(z)) => Src::Z(z),
                    Some(Object::Set(s)) => Src::S(s),
                    _ => Src::Missing,
                };
                (src, w)
            })
            .collect();
        if op != Op::Diff {
            // Smallest input first (stable, like glibc's merge-sort qsort).
            srcs.sort_by_key(|(s, _)| s.len());
        }
        compute(&srcs, op, agg, card_only, limit)
    };

    if card_only {
        return Ok(Value::Int(card as i64));
    }
    match dst {
        Some(dst) => {
            let event = match op {
                Op::Union => "zunionstore",
                Op::Inter => "zinterstore",
                Op::Diff => "zdiffstore",
            };
            Ok(store_result(ctx, dst, items, event))
        }
        None => {
            let mut items = items;
            items.sort_by(|a, b| cmp_key(a.1, &a.0, b.1, &b.0));
            Ok(pairs_reply(ctx.resp(), items, withscores))
        }
    }
}

type Pairs = Vec<(Vec<u8>, f64)>;

fn compute(
    srcs: &[(Src, f64)],
    op: Op,
    agg: Aggregate,
    card_only: bool,
    limit: u64,
) -> (Pairs, u64) {
    let mut out = Vec::new();
    let mut card = 0u64;
    match op {
        Op::Inter => {
            let (first, w0) = &srcs[0];
            first.for_each(|m, s| {
                let mut score = w0 * s;
                if score.is_nan() {
                    score = 0.0;
                }
                for (src, w) in &srcs[1..] {
                    match src.find(&m) {
                        Some(v) => aggregate(&mut score, v * w, agg),
                        None => return true,
                    }
                }
                if card_only {
                    card += 1;
                    if limit > 0 && card >= limit {
                        return false;
                    }
                } else {
                    out.push((m.to_vec(), score));
                }
                true
            });
        }
        Op::Union => {
            let mut pos: HashMap<Cow<[u8]>, usize> = HashMap::new();
            let mut acc: Vec<(Cow<[u8]>, f64)> = Vec::new();
            for (src, w) in srcs {
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match pos.get(&m) {
                        Some(&i) => aggregate(&mut acc[i].1, score, agg),
                        None => {
                            pos.insert(m.clone(), acc.len());
                            acc.push((m, score));
                        }
                    }
                    true
                });
            }
            out = acc.into_iter().map(|(m, s)| (m.into_owned(), s)).collect();
        }
        Op::Diff => {
            let (first, _) = &srcs[0];
            first.for_each(|m, s| {
                if !srcs[1..].iter().any(|(src, _)| src.find(&m).is_some()) {
                    out.push((m.to_vec(), s));
                }
                true
            });
        }
    }
    (out, card)
}

//! Multi-key set commands: SMEMBERS, SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE,
//! SDIFF, SDIFFSTORE, SMOVE (Redis `sinterGenericCommand`, `sunionDiffGenericCommand`,
//! `smoveCommand`).

use super::{existing_set_mut, max_intset, read_set, set_or_create, Member, Set};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object};
use crate::util::args::{int_in, Args};
use crate::util::parse_i64;
use crate::value::Value;

/// Looks every key up in order (lazy expiry applied), failing with WRONGTYPE at the first
/// non-set, then returns the sets (None for a missing key). Several positions naming the
/// same key yield the same reference, so `std::ptr::eq` spots them as Redis compares
/// object pointers.
fn lookup_sets<'c>(ctx: &'c mut Ctx, keys: &[&[u8]]) -> Result<Vec<Option<&'c Set>>> {
    for k in keys {
        read_set(ctx, k)?;
    }
    Ok(ctx
        .read_many(keys)
        .into_iter()
        .map(|o| o.and_then(|o| o.as_set().ok()))
        .collect())
}

/// Stores the result of a *STORE command: a non-empty result replaces `dst` whatever it
/// held (TTL cleared, `event` fired); an empty one deletes `dst` ("del" if it existed).
fn store_result(ctx: &mut Ctx, dst: &[u8], result: Set, event: &str) -> Value {
    let n = result.len();
    if n > 0 {
        ctx.insert(dst, Object::Set(result));
        ctx.modified(dst, notify::SET, event);
    } else if ctx.remove(dst).is_some() {
        ctx.modified(dst, notify::GENERIC, "del");
    }
    Value::Int(n as i64)
}

fn bulks_set(members: Vec<Member<'_>>) -> Value {
    Value::Set(members.into_iter().map(|m| Value::bulk(&*m)).collect())
}

/// What `sinter_generic` produces.
#[derive(Clone, Copy)]
enum InterMode<'k> {
    /// SINTER / SMEMBERS: reply the members.
    Reply,
    /// SINTERCARD: count up to `limit` (0 = no limit).
    Card(u64),
    /// SINTERSTORE into the key.
    Store(&'k [u8]),
}

/// Redis `sinterGenericCommand`.
fn sinter_generic(ctx: &mut Ctx, keys: &[&[u8]], mode: InterMode) -> Result<Value> {
    let max = max_intset(ctx);
    let found = lookup_sets(ctx, keys)?;
    // Intersection with a missing (empty) set is empty.
    let Some(mut sets) = found.into_iter().collect::<Option<Vec<&Set>>>() else {
        return Ok(match mode {
            InterMode::Reply => Value::Set(Vec::new()),
            InterMode::Card(_) => Value::Int(0),
            InterMode::Store(dst) => store_result(ctx, dst, Set::new(), "sinterstore"),
        });
    };
    // Smallest first; stable, like glibc's merge-sort qsort on ties.
    sets.sort_by_key(|s| s.len());
    let first = sets[0];
    let mut card = 0u64;
    let mut out: Vec<Member<'_>> = Vec::new();
    for m in first.ordered() {
        let everywhere = sets[1..]
            .iter()
            .all(|s| std::ptr::eq(*s, first) || s.contains(&m));
        if !everywhere {
            continue;
        }
        match mode {
            InterMode::Card(limit) => {
                card += 1;
                if limit != 0 && card >= limit {
                    break;
                }
            }
            _ => out.push(m),
        }
    }
    match mode {
        InterMode::Reply => Ok(bulks_set(out)),
        InterMode::Card(_) => Ok(Value::Int(card as i64)),
        InterMode::Store(dst) => {
            let result = Set::from_members(out, max);
            Ok(store_result(ctx, dst, result, "sinterstore"))
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Diff,
}

/// Redis `sunionDiffGenericCommand`: computes into a fresh set (which starts as an intset
/// and converts like any other), then replies it or stores it.
fn sunion_diff_generic(ctx: &mut Ctx, keys: &[&[u8]], dst: Option<&[u8]>, op: Op) -> Result<Value> {
    let max = max_intset(ctx);
    let sets = lookup_sets(ctx, keys)?;
    let mut result = Set::new();
    match op {
        Op::Union => {
            for s in sets.iter().flatten() {
                for m in s.iter() {
                    result.add(&m, max);
                }
            }
        }
        Op::Diff => {
            if let Some(first) = sets[0] {
                let sameset = sets[1..]
                    .iter()
                    .any(|s| s.is_some_and(|s| std::ptr::eq(s, first)));
                // SDIFF a ... a ... is empty.
                if !sameset {
                    diff_into(&mut result, first, &sets, max);
                }
            }
        }
    }
    match dst {
        None => Ok(bulks_set(result.ordered())),
        Some(dst) => {
            let event = match op {
                Op::Union => "sunionstore",
                Op::Diff => "sdiffstore",
            };
            Ok(store_result(ctx, dst, result, event))
        }
    }
}

/// The difference `first - sets[1..]`, choosing between Redis's two algorithms with its
/// cost estimate (the choice decides the result's insertion order and so its encoding).
fn diff_into(result: &mut Set, first: &Set, sets: &[Option<&Set>], max: usize) {
    let mut algo_one: u64 = 0;
    let mut algo_two: u64 = 0;
    for s in sets.iter().flatten() {
        algo_one = algo_one.saturating_add(first.len() as u64);
        algo_two = algo_two.saturating_add(s.len() as u64);
    }
    // Algorithm 1 has better constant times: give it some advantage.
    algo_one /= 2;
    if algo_one <= algo_two {
        // Keep each member of the first set that no other set has.
        for m in first.iter() {
            if !sets[1..].iter().flatten().any(|s| s.contains(&m)) {
                result.add(&m, max);
            }
        }
    } else {
        // Add the first set, remove every other set's members.
        for (j, s) in sets.iter().enumerate() {
            let Some(s) = s else { continue };
            for m in s.iter() {
                if j == 0 {
                    result.add(&m, max);
                } else {
                    result.remove(&m);
                }
            }
            if result.is_empty() {
                break;
            }
        }
    }
}

/// # Format
/// `SMEMBERS key` (Redis serves it with `sinterCommand`).
pub(super) fn smembers(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sinter_generic(ctx, &argv[1..2], InterMode::Reply)
}

/// # Format
/// `SINTER key [key ...]`
pub(super) fn sinter(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sinter_generic(ctx, &argv[1..], InterMode::Reply)
}

/// # Format
/// `SINTERSTORE destination key [key ...]`
pub(super) fn sinterstore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sinter_generic(ctx, &argv[2..], InterMode::Store(argv[1]))
}

/// # Format
/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`
pub(super) fn sintercard(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let numkeys = int_in(argv[1], 1, i64::MAX, "numkeys should be greater than 0")? as u64;
    let available = argv.len() as u64 - 2;
    if numkeys > available {
        return Err(Error::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let keys_end = 2 + numkeys as usize;
    let mut limit = 0u64;
    let mut args = Args::new(argv, keys_end);
    while !args.is_empty() {
        if args.eat_with("limit", 1) {
            limit = args.i64_in(0, i64::MAX, "LIMIT can't be negative")? as u64;
        } else {
            return Err(Error::syntax());
        }
    }
    sinter_generic(ctx, &argv[2..keys_end], InterMode::Card(limit))
}

/// Key positions of SINTERCARD: `numkeys` keys starting at argument 2 (none when
/// `numkeys` is invalid).
pub(super) fn sintercard_keys(argv: &[&[u8]]) -> Vec<usize> {
    let available = argv.len().saturating_sub(2) as u64;
    match argv.get(1).and_then(|a| parse_i64(a)) {
        Some(n) if n >= 1 && n as u64 <= available => (2..2 + n as usize).collect(),
        _ => Vec::new(),
    }
}

/// # Format
/// `SUNION key [key ...]`
pub(super) fn sunion(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sunion_diff_generic(ctx, &argv[1..], None, Op::Union)
}

/// # Format
/// `SUNIONSTORE destination key [key ...]`
pub(super) fn sunionstore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sunion_diff_generic(ctx, &argv[2..], Some(argv[1]), Op::Union)
}

/// # Format
/// `SDIFF key [key ...]`
pub(super) fn sdiff(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sunion_diff_generic(ctx, &argv[1..], None, Op::Diff)
}

/// # Format
/// `SDIFFSTORE destination key [key ...]`
pub(super) fn sdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sunion_diff_generic(ctx, &argv[2..], Some(argv[1]), Op::Diff)
}

/// # Format
/// `SMOVE source destination member`
///
/// Both keys are looked up first; a missing source answers 0 even when the destination has
/// the wrong type; otherwise a non-set on either side is WRONGTYPE and nothing changes.
pub(super) fn smove(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (src, dst, member) = (argv[1], argv[2], argv[3]);
    let max = max_intset(ctx);
    let src_type = ctx.read(src).map(|o| o.as_set().map(|_| ()));
    let dst_type = ctx.read(dst).map(|o| o.as_set().map(|_| ()));
    let Some(src_type) = src_type else {
        return Ok(Value::Int(0));
    };
    src_type?;
    if let Some(dst_type) = dst_type {
        dst_type?;
    }
    if src == dst {
        let is_member = read_set(ctx, src)?.is_some_and(|s| s.contains(member));
        return Ok(Value::Int(is_member as i64));
    }
    if !existing_set_mut(ctx, src)?.remove(member) {
        return Ok(Value::Int(0));
    }
    ctx.modified(src, notify::SET, "srem");
    ctx.remove_if_empty(src);
    if set_or_create(ctx, dst)?.add(member, max) {
        ctx.modified(dst, notify::SET, "sadd");
    }
    Ok(Value::Int(1))
}

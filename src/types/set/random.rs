//! SPOP and SRANDMEMBER (Redis `spopCommand`, `spopWithCountCommand`,
//! `srandmemberCommand`, `srandmemberWithCountCommand`), with the same case analysis so the
//! shape of each reply (and which elements can repeat) matches Redis. Every pick comes from
//! the store's seeded RNG.

use super::{max_intset, read_set, set_and_rng, Set};
use crate::engine::{BulkArray, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::notify;
use crate::util::parse_i64;
use crate::util::Dict;
use crate::value::Value;

/// SPOP picks random members while the set stays this many times bigger than what is left.
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;
/// SRANDMEMBER builds the reply by subtraction when the set is at most this many times the
/// requested count.
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;

/// Cap on up-front reply allocation: counts come from users.
const PREALLOC_MAX: u64 = 1024;

fn srem_argv(key: &[u8], member: &[u8]) -> Vec<Vec<u8>> {
    vec![b"SREM".to_vec(), key.to_vec(), member.to_vec()]
}

/// # Format
/// `SPOP key [count]`
///
/// Logged as `SREM key member` per popped member, or `DEL key` when the whole set went.
pub(super) fn spop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() == 3 {
        return spop_with_count(ctx, argv);
    }
    if argv.len() > 3 {
        return Err(Error::syntax());
    }
    let key = argv[1];
    if read_set(ctx, key)?.is_none() {
        return Ok(Value::Nil);
    }
    let (set, rng) = set_and_rng(ctx, key)?;
    let Some(member) = set.random_member(rng).map(|m| m.to_vec()) else {
        return Ok(Value::Nil);
    };
    set.remove(&member);
    ctx.modified(key, notify::SET, "spop");
    ctx.propagate_with(|| srem_argv(key, &member));
    ctx.remove_if_empty(key);
    Ok(Value::Bulk(member))
}

fn spop_with_count(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let count = match parse_i64(argv[2]) {
        Some(n) if n >= 0 => n as u64,
        _ => {
            return Err(Error::new(
                ErrorKind::OutOfRange,
                "ERR value is out of range, must be positive",
            ))
        }
    };
    let max = max_intset(ctx);
    let Some(set) = read_set(ctx, key)? else {
        return Ok(Value::Set(Vec::new()));
    };
    if count == 0 {
        return Ok(Value::Set(Vec::new()));
    }
    let size = set.len() as u64;

    // CASE 1: everything goes. The reply is SUNION of the set (a fresh set built from
    // it), the key is deleted and the command is logged as DEL.
    if count >= size {
        let whole = Set::from_members(set.ordered(), max);
        let reply: Vec<Value> = whole.iter().map(|m| Value::bulk(&*m)).collect();
        ctx.modified(key, notify::SET, "spop");
        ctx.remove(key);
        ctx.notify(notify::GENERIC, "del", key);
        ctx.propagate_with(|| vec![b"DEL".to_vec(), key.to_vec()]);
        return Ok(Value::Set(reply));
    }

    let remaining = size - count;
    let (set, rng) = set_and_rng(ctx, key)?;
    let mut popped: Vec<Vec<u8>> = Vec::with_capacity(count.min(PREALLOC_MAX) as usize);
    if remaining.saturating_mul(SPOP_MOVE_STRATEGY_MUL) > count {
        // CASE 2: few to pop: pick and remove them one by one.
        for _ in 0..count {
            let Some(m) = set.random_member(rng).map(|m| m.to_vec()) else {
                break;
            };
            set.remove(&m);
            popped.push(m);
        }
    } else {
        // CASE 3: most go: move the random survivors into a new set (which becomes the
        // value, TTL kept) and pop whatever is left in the old one.
        let mut survivors = Set::new();
        for _ in 0..remaining {
            let Some(m) = set.random_member(rng).map(|m| m.to_vec()) else {
                break;
            };
            survivors.add(&m, max);
            set.remove(&m);
        }
        popped = set.iter().map(|m| m.to_vec()).collect();
        *set = survivors;
    }
    ctx.modified(key, notify::SET, "spop");
    for m in &popped {
        ctx.propagate_with(|| srem_argv(key, m));
    }
    Ok(Value::Set(popped.into_iter().map(Value::Bulk).collect()))
}

/// # Format
/// `SRANDMEMBER key [count]`
pub(super) fn srandmember(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() == 3 {
        return srandmember_with_count(ctx, argv);
    }
    if argv.len() > 3 {
        return Err(Error::syntax());
    }
    let key = argv[1];
    if read_set(ctx, key)?.is_none() {
        return Ok(Value::Nil);
    }
    let (set, rng) = set_and_rng(ctx, key)?;
    Ok(Value::opt_bulk(set.random_member(rng).as_deref()))
}

fn srandmember_with_count(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let l = parse_i64(argv[2]).ok_or_else(Error::not_integer)?;
    if l == i64::MIN {
        return Err(Error::new(
            ErrorKind::OutOfRange,
            "ERR value is out of range, value must between -9223372036854775807 and \
             9223372036854775807",
        ));
    }
    // A negative count may repeat members.
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    let Some(set) = read_set(ctx, key)? else {
        return Ok(Value::Array(Vec::new()));
    };
    if count == 0 {
        return Ok(Value::Array(Vec::new()));
    }
    let size = set.len() as u64;

    // CASE 2: all of it (checked before CASE 1 only for borrowing; CASE 1 needs the RNG).
    if uniq && count != 1 && count >= size {
        return Ok(Value::Array(set.iter().map(|m| Value::bulk(&*m)).collect()));
    }

    let stream = ctx.can_stream_replies();
    let (set, rng) = set_and_rng(ctx, key)?;
    let set: &Set = set;

    // CASE 1: independent picks, repeats allowed (also serves a count of 1). Encoded
    // straight to a connection's output when long (`BulkArray`): a `Value` per pick made
    // `SRANDMEMBER s -10000000` cost ~10x its reply (issue 10).
    if !uniq || count == 1 {
        crate::util::args::check_random_repeats(count)?;
        // Reserved, not touched: pages beyond the reply never become resident.
        let hint = (count as usize).saturating_mul(24);
        let mut reply = BulkArray::new(stream, count as usize, hint);
        for _ in 0..count {
            match set.random_member(rng) {
                Some(m) => reply.push(&m),
                None => break,
            }
        }
        return Ok(reply.finish(ctx));
    }

    let mut picked: Dict<()> = Dict::new();
    if count.saturating_mul(SRANDMEMBER_SUB_STRATEGY_MUL) > size {
        // CASE 3: copy the set, then drop random members until `count` remain.
        for m in set.iter() {
            picked.insert(&*m, ());
        }
        while picked.len() as u64 > count {
            let Some(victim) = picked
                .random_entry(|n| rng.below(n))
                .map(|(k, _)| k.to_vec())
            else {
                break;
            };
            picked.remove(&victim);
        }
    } else {
        // CASE 4: pick until `count` distinct members were drawn.
        while (picked.len() as u64) < count {
            let Some(m) = set.random_member(rng) else {
                break;
            };
            if !picked.contains_key(&m) {
                picked.insert(&*m, ());
            }
        }
    }
    Ok(Value::Array(picked.keys().map(Value::bulk).collect()))
}

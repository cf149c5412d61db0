//! The blocking command handlers (Redis 7.0 `t_list.c` / `t_zset.c` blocking variants).
//!
//! Each first parses its timeout (and, for BLMOVE, its directions) as Redis does, then tries
//! to serve through the non-blocking code (`list::pop_elements`, `list::lmove_generic`,
//! `list::mpop_generic`, `zset::pop::generic_zpop`) and logs what it did as the
//! non-blocking form. When nothing can be served it asks to block (`block`); inside MULTI
//! it replies the timeout reply (a null array) right away. Re-run as a wakeup
//! (`Registry::serving_key` set) it only considers the key that became ready, and a ready
//! key of another type leaves it blocked, as Redis 7.0 does.

use std::time::Duration;

use super::{deadline, parse_timeout, BlockRequest};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::Result;
use crate::keyspace::Object;
use crate::types::list::{self, End};
use crate::types::zset::pop::{self as zpop, PopShape};
use crate::util::args;
use crate::value::Value;

/// Leaves a block request for the front end (unless inside MULTI) and returns the reply a
/// timeout would give.
fn block(ctx: &mut Ctx, keys: &[&[u8]], timeout: Option<Duration>) -> Result<Value> {
    if !ctx.session.in_multi {
        ctx.session.block = Some(BlockRequest::new(
            keys.iter().map(|k| k.to_vec()).collect(),
            deadline(timeout),
        ));
    }
    Ok(Value::NilArray)
}

/// The keys to try: all of them, or only the ready key when re-run as a wakeup. The flag
/// says whether this is a wakeup.
fn candidates<'a>(ctx: &Ctx, keys: &[&'a [u8]]) -> (Vec<&'a [u8]>, bool) {
    match ctx.store.blocking.serving_key() {
        Some(ready) => (
            keys.iter()
                .copied()
                .filter(|k| *k == ready)
                .take(1)
                .collect(),
            true,
        ),
        None => (keys.to_vec(), false),
    }
}

/// On a wakeup, true if the ready key holds another type than `want` (stay blocked).
fn wrong_type_on_wakeup(ctx: &mut Ctx, key: &[u8], want: fn(&Object) -> bool) -> bool {
    matches!(ctx.read(key), Some(o) if !want(o))
}

fn is_list(o: &Object) -> bool {
    matches!(o, Object::List(_))
}

fn is_zset(o: &Object) -> bool {
    matches!(o, Object::ZSet(_))
}

/// BLPOP/BRPOP `key [key ...] timeout` (Redis `blockingPopGenericCommand`).
fn bpop(ctx: &mut Ctx, argv: &[&[u8]], end: End) -> Result<Value> {
    let last = argv.len() - 1;
    let timeout = parse_timeout(argv[last])?;
    let keys = &argv[1..last];
    let (cands, wakeup) = candidates(ctx, keys);
    for k in cands {
        if wakeup && wrong_type_on_wakeup(ctx, k, is_list) {
            continue;
        }
        match list::list_len(ctx, k)? {
            None | Some(0) => continue,
            Some(_) => {
                let v = list::pop_elements(ctx, k, end, 1);
                ctx.propagate_with(|| vec![end.pop_command().to_vec(), k.to_vec()]);
                let mut reply = vec![Value::bulk(k)];
                reply.extend(v.into_iter().map(Value::Bulk));
                return Ok(Value::Array(reply));
            }
        }
    }
    block(ctx, keys, timeout)
}

/// # Format
/// `BLPOP key [key ...] timeout`
fn blpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    bpop(ctx, argv, End::Head)
}

/// # Format
/// `BRPOP key [key ...] timeout`
fn brpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    bpop(ctx, argv, End::Tail)
}

/// BLMOVE/BRPOPLPUSH core (Redis `blmoveGenericCommand`). `logged` is the non-blocking
/// command vector to log when an element moved.
fn bmove(
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
    timeout: Option<Duration>,
    logged: Vec<Vec<u8>>,
) -> Result<Value> {
    let (cands, wakeup) = candidates(ctx, &[src]);
    let skip = cands.is_empty() || (wakeup && wrong_type_on_wakeup(ctx, src, is_list));
    if !skip {
        if let Some(n) = list::list_len(ctx, src)? {
            if n > 0 {
                let v = list::lmove_generic(ctx, src, dst, from, to)?;
                if matches!(v, Value::Bulk(_)) {
                    if wakeup && logged[0] == b"LMOVE" {
                        // A BLMOVE served after blocking: Redis's `serveClientBlockedOnList`
                        // logs `LMOVE src dst left|right left|right` in lowercase
                        // (a BRPOPLPUSH stays RPOPLPUSH).
                        let word = |e: End| if e == End::Head { "left" } else { "right" };
                        ctx.propagate_with(|| {
                            vec![
                                b"LMOVE".to_vec(),
                                src.to_vec(),
                                dst.to_vec(),
                                word(from).as_bytes().to_vec(),
                                word(to).as_bytes().to_vec(),
                            ]
                        });
                    } else {
                        ctx.propagate(logged);
                    }
                }
                return Ok(v);
            }
        }
    }
    block(ctx, &[src], timeout)
}

/// # Format
/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`
fn blmove(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let from = End::parse(argv[3])?;
    let to = End::parse(argv[4])?;
    let timeout = parse_timeout(argv[5])?;
    let logged = [b"LMOVE" as &[u8], argv[1], argv[2], argv[3], argv[4]]
        .iter()
        .map(|a| a.to_vec())
        .collect();
    bmove(ctx, argv[1], argv[2], from, to, timeout, logged)
}

/// # Format
/// `BRPOPLPUSH source destination timeout`
fn brpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let timeout = parse_timeout(argv[3])?;
    let logged = vec![b"RPOPLPUSH".to_vec(), argv[1].to_vec(), argv[2].to_vec()];
    bmove(ctx, argv[1], argv[2], End::Tail, End::Head, timeout, logged)
}

/// # Format
/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`
///
/// Logged as `LPOP|RPOP key n` (by `mpop_generic`).
fn blmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let a = args::mpop(argv, 2, list::MPOP_ENDS)?;
    let timeout = parse_timeout(argv[1])?;
    let keys = &argv[a.keys];
    let count = usize::try_from(a.count).unwrap_or(usize::MAX);
    let (cands, wakeup) = candidates(ctx, keys);
    for k in cands {
        if wakeup && wrong_type_on_wakeup(ctx, k, is_list) {
            continue;
        }
        match list::list_len(ctx, k)? {
            None | Some(0) => continue,
            Some(_) => return list::mpop_generic(ctx, &[k], a.end, count),
        }
    }
    block(ctx, keys, timeout)
}

fn zpop_name(end: zpop::End) -> &'static [u8] {
    match end {
        zpop::End::Min => b"ZPOPMIN",
        zpop::End::Max => b"ZPOPMAX",
    }
}

/// BZPOPMIN/BZPOPMAX/BZMPOP core (Redis `blockingGenericZpopCommand`). `count` None is the
/// single-element form.
fn bzpop(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    end: zpop::End,
    count: Option<i64>,
    timeout: Option<Duration>,
) -> Result<Value> {
    let (cands, wakeup) = candidates(ctx, keys);
    for k in cands {
        if wakeup && wrong_type_on_wakeup(ctx, k, is_zset) {
            continue;
        }
        if ctx.read(k).is_none() {
            continue;
        }
        let shape = PopShape {
            emit_key: true,
            nested: count.is_some(),
            nil_when_empty: true,
        };
        let out = zpop::generic_zpop(ctx, &[k], end, count.unwrap_or(-1), shape)?;
        if out.key.is_some() {
            let mut logged = vec![zpop_name(end).to_vec(), k.to_vec()];
            // *MPOP: the number popped, not the COUNT asked for (as Redis propagates).
            if count.is_some() {
                logged.push(out.popped.len().to_string().into_bytes());
            }
            ctx.propagate(logged);
        }
        return Ok(out.reply);
    }
    block(ctx, keys, timeout)
}

/// # Format
/// `BZPOPMIN key [key ...] timeout`
fn bzpopmin(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let last = argv.len() - 1;
    let timeout = parse_timeout(argv[last])?;
    bzpop(ctx, &argv[1..last], zpop::End::Min, None, timeout)
}

/// # Format
/// `BZPOPMAX key [key ...] timeout`
fn bzpopmax(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let last = argv.len() - 1;
    let timeout = parse_timeout(argv[last])?;
    bzpop(ctx, &argv[1..last], zpop::End::Max, None, timeout)
}

/// # Format
/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`
///
/// Logged as `ZPOPMIN|ZPOPMAX key count`.
fn bzmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let a = args::mpop(argv, 2, zpop::MPOP_ENDS)?;
    let timeout = parse_timeout(argv[1])?;
    let keys = &argv[a.keys];
    bzpop(ctx, keys, a.end, Some(a.count), timeout)
}

fn blmpop_keys(argv: &[&[u8]]) -> Vec<usize> {
    list::mpop_key_positions(argv, 2)
}

fn bzmpop_keys(argv: &[&[u8]]) -> Vec<usize> {
    zpop::numkeys_keys(argv, 2)
}

/// The blocking commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "blpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        (1, -2, 1),
        "list",
        blpop,
    ),
    CommandSpec::new(
        "brpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        (1, -2, 1),
        "list",
        brpop,
    ),
    CommandSpec::new(
        "blmove",
        6,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        (1, 2, 1),
        "list",
        blmove,
    ),
    CommandSpec::new(
        "brpoplpush",
        4,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        (1, 2, 1),
        "list",
        brpoplpush,
    ),
    CommandSpec::new("blmpop", -5, WRITE | BLOCKING, (0, 0, 0), "list", blmpop)
        .with_keys(blmpop_keys),
    CommandSpec::new(
        "bzpopmin",
        -3,
        WRITE | NOSCRIPT | BLOCKING | FAST,
        (1, -2, 1),
        "sorted-set",
        bzpopmin,
    ),
    CommandSpec::new(
        "bzpopmax",
        -3,
        WRITE | NOSCRIPT | BLOCKING | FAST,
        (1, -2, 1),
        "sorted-set",
        bzpopmax,
    ),
    CommandSpec::new(
        "bzmpop",
        -5,
        WRITE | BLOCKING,
        (0, 0, 0),
        "sorted-set",
        bzmpop,
    )
    .with_keys(bzmpop_keys),
];

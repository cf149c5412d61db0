//! XREAD and XREADGROUP with BLOCK (Redis 7.0 `xreadCommand` blocking part).
//!
//! The stream module serves the read ([`stream::read::xread_generic`],
//! [`stream::group::xreadgroup_generic`]); when nothing could be served and BLOCK was given,
//! the client blocks on its keys like BLPOP does (FIFO per key), unless inside MULTI or a
//! script, where the timeout reply (a null array) comes at once. A wakeup re-runs the
//! command restricted to the ready key: XREAD with its `$` IDs resolved at the time it
//! blocked, XREADGROUP reading after the group's last ID then — and answering
//! `-UNBLOCKED the stream key no longer exists` / `-NOGROUP the consumer group this client
//! was blocked on no longer exists` when the key or group went away, as Redis 7.0 does.
//! A served XREADGROUP is logged in the waking batch (its deliveries as XCLAIM/XGROUP
//! SETID effects).

use std::time::Duration;

use super::{deadline, BlockRequest};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::Result;
use crate::types::stream::{self, read::BlockPlan};
use crate::value::Value;

fn maybe_block(ctx: &mut Ctx, plan: Option<BlockPlan>, reply: Value) -> Value {
    let Some(p) = plan else { return reply };
    if ctx.session.in_multi {
        return Value::NilArray;
    }
    let timeout = (p.ms > 0).then(|| Duration::from_millis(p.ms));
    let mut req = BlockRequest::new(p.keys, deadline(timeout));
    req.rerun = Some(p.rerun);
    req.wake_on_delete = p.wake_on_delete;
    ctx.session.block = Some(req);
    Value::NilArray
}

/// Runs `read`, counting its keyspace hits and misses twice: Redis looks each stream up
/// once to check the IDs and groups and once to serve it (INFO `keyspace_hits`).
fn counted_twice<T>(ctx: &mut Ctx, read: impl FnOnce(&mut Ctx) -> T) -> T {
    let (hits, misses) = (ctx.store.keyspace_hits, ctx.store.keyspace_misses);
    let out = read(ctx);
    ctx.store.keyspace_hits += ctx.store.keyspace_hits - hits;
    ctx.store.keyspace_misses += ctx.store.keyspace_misses - misses;
    out
}

/// # Format
/// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`
fn xread(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let only = ctx.store.blocking.serving_key().map(|k| k.to_vec());
    let (reply, plan) = counted_twice(ctx, |ctx| {
        stream::read::xread_generic(ctx, argv, only.as_deref())
    })?;
    Ok(maybe_block(ctx, plan, reply))
}

/// # Format
/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key
/// [key ...] id [id ...]`
fn xreadgroup(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let only = ctx.store.blocking.serving_key().map(|k| k.to_vec());
    let (reply, plan) = counted_twice(ctx, |ctx| {
        stream::group::xreadgroup_generic(ctx, argv, only.as_deref())
    })?;
    Ok(maybe_block(ctx, plan, reply))
}

/// XREAD and XREADGROUP.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xread", -4, READONLY | BLOCKING, (0, 0, 0), "stream", xread)
        .with_keys(stream::xread_keys),
    CommandSpec::new(
        "xreadgroup",
        -7,
        WRITE | BLOCKING,
        (0, 0, 0),
        "stream",
        xreadgroup,
    )
    .with_keys(stream::xread_keys),
];

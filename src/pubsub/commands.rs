//! SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH
//! PUBSUB, as Redis 7.0's pubsub.c.

use super::{no_reply, Kind};
use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

fn sub_generic(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> Result<Value> {
    let store = &mut *ctx.store;
    store.pubsub.subscribe(ctx.session, kind, &argv[1..]);
    Ok(no_reply())
}

fn unsub_generic(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> Result<Value> {
    let store = &mut *ctx.store;
    store.pubsub.unsubscribe(ctx.session, kind, &argv[1..]);
    Ok(no_reply())
}

/// # Format
/// `SUBSCRIBE channel [channel ...]`
fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sub_generic(ctx, argv, Kind::Channel)
}

/// # Format
/// `UNSUBSCRIBE [channel ...]`
fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    unsub_generic(ctx, argv, Kind::Channel)
}

/// # Format
/// `PSUBSCRIBE pattern [pattern ...]`
fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sub_generic(ctx, argv, Kind::Pattern)
}

/// # Format
/// `PUNSUBSCRIBE [pattern ...]`
fn punsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    unsub_generic(ctx, argv, Kind::Pattern)
}

/// # Format
/// `SSUBSCRIBE shardchannel [shardchannel ...]`
fn ssubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    // Redis queues SSUBSCRIBE in MULTI and refuses it when EXEC runs it (CLIENT_DENY_BLOCKING;
    // SUBSCRIBE and PSUBSCRIBE are let through there for backward compatibility).
    if ctx.session.in_multi {
        return Err(Error::err(
            "SSUBSCRIBE isn't allowed for a DENY BLOCKING client",
        ));
    }
    sub_generic(ctx, argv, Kind::Shard)
}

/// # Format
/// `SUNSUBSCRIBE [shardchannel ...]`
fn sunsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    unsub_generic(ctx, argv, Kind::Shard)
}

fn publish_generic(ctx: &mut Ctx, argv: &[&[u8]], shard: bool) -> Result<Value> {
    let store = &mut *ctx.store;
    let limit = store.config.client_output_buffer_limit.pubsub;
    let n = store.pubsub.publish(limit, argv[1], argv[2], shard);
    // Replicas get the message too (Redis `forceCommandPropagation(c, PROPAGATE_REPL)`).
    store.record_repl_only_effect(ctx.session.db, argv);
    Ok(Value::Int(n as i64))
}

/// # Format
/// `PUBLISH channel message`
fn publish(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    publish_generic(ctx, argv, false)
}

/// # Format
/// `SPUBLISH shardchannel message`
fn spublish(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    publish_generic(ctx, argv, true)
}

fn syntax_sub(argv: &[&[u8]]) -> Error {
    Error::new(
        ErrorKind::UnknownCommand,
        crate::engine::sanitize(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            String::from_utf8_lossy(argv[1])
                .chars()
                .take(128)
                .collect::<String>()
        )),
    )
}

fn channels_generic(ctx: &mut Ctx, argv: &[&[u8]], shard: bool) -> Result<Value> {
    if argv.len() > 3 {
        return Err(syntax_sub(argv));
    }
    let list = ctx.store.pubsub.channel_list(shard, argv.get(2).copied());
    Ok(Value::bulks(list))
}

fn numsub_generic(ctx: &mut Ctx, argv: &[&[u8]], shard: bool) -> Result<Value> {
    let mut out = Vec::with_capacity((argv.len() - 2) * 2);
    for ch in &argv[2..] {
        out.push(Value::bulk(*ch));
        out.push(Value::Int(ctx.store.pubsub.numsub(shard, ch) as i64));
    }
    Ok(Value::Array(out))
}

fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    channels_generic(ctx, argv, false)
}

fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    channels_generic(ctx, argv, true)
}

fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    numsub_generic(ctx, argv, false)
}

fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    numsub_generic(ctx, argv, true)
}

fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(ctx.store.pubsub.numpat() as i64))
}

fn pubsub_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "pubsub",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    ))
}

const PUBSUB_SUBS: &[Sub] = &[
    Sub {
        name: "channels",
        arity: -2,
        handler: pubsub_channels,
    },
    Sub {
        name: "numsub",
        arity: -2,
        handler: pubsub_numsub,
    },
    Sub {
        name: "numpat",
        arity: 2,
        handler: pubsub_numpat,
    },
    Sub {
        name: "shardchannels",
        arity: -2,
        handler: pubsub_shardchannels,
    },
    Sub {
        name: "shardnumsub",
        arity: -2,
        handler: pubsub_shardnumsub,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: pubsub_help,
    },
];

/// # Format
/// `PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT | SHARDCHANNELS [pattern] |
/// SHARDNUMSUB [shardchannel ...] | HELP`
fn pubsub(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("pubsub", PUBSUB_SUBS, ctx, argv)
}

/// The Pub/Sub commands (flags and arity from Redis 7.0's commands/*.json). Shard channels
/// are not declared as keys (Redis declares them with the `not_key` flag; emu's table has
/// no such flag), so COMMAND INFO shows 0 0 0 for SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "subscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "pubsub",
        subscribe,
    ),
    CommandSpec::new(
        "unsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "pubsub",
        unsubscribe,
    ),
    CommandSpec::new(
        "psubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "pubsub",
        psubscribe,
    ),
    CommandSpec::new(
        "punsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "pubsub",
        punsubscribe,
    ),
    CommandSpec::new(
        "ssubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "pubsub",
        ssubscribe,
    ),
    CommandSpec::new(
        "sunsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "pubsub",
        sunsubscribe,
    ),
    CommandSpec::new(
        "publish",
        3,
        PUBSUB | LOADING | STALE | FAST | CONNECTION,
        (0, 0, 0),
        "pubsub",
        publish,
    ),
    CommandSpec::new(
        "spublish",
        3,
        PUBSUB | LOADING | STALE | FAST | CONNECTION,
        (0, 0, 0),
        "pubsub",
        spublish,
    ),
    CommandSpec::new("pubsub", -2, CONNECTION, (0, 0, 0), "pubsub", pubsub),
];

//! XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP.

use super::id::StreamId;
use super::read::entry_reply;
use super::write::read_stream;
use super::{Group, Stream};
use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

const SUBS: &[Sub] = &[
    Sub {
        name: "stream",
        arity: -3,
        handler: xinfo_stream,
    },
    Sub {
        name: "groups",
        arity: 3,
        handler: xinfo_groups,
    },
    Sub {
        name: "consumers",
        arity: 4,
        handler: xinfo_consumers,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: xinfo_help,
    },
];

/// # Format
/// `XINFO STREAM key [FULL [COUNT count]]` / `XINFO GROUPS key` / `XINFO CONSUMERS key group`
pub fn xinfo(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("xinfo", SUBS, ctx, argv)
}

fn kv(k: &str, v: Value) -> (Value, Value) {
    (Value::bulk(k), v)
}

fn id_bulk(id: StreamId) -> Value {
    Value::Bulk(id.to_bytes())
}

fn the_stream<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c Stream> {
    read_stream(ctx, key)?.ok_or_else(Error::no_such_key)
}

/// Redis's `radix-tree-nodes`: the node count of the rax that indexes the stream's nodes by
/// their 16-byte big-endian master IDs. A rax keeps itself maximally compressed (inserts
/// split compressed nodes, removals re-compress chains), so for keys of one fixed length
/// its shape depends only on the set of keys: the head, one node per key (a leaf), one per
/// branching point, and one compressed node for every edge of two or more bytes that leaves
/// a branching point (its first byte lives in the branching node). An edge leaving the head
/// when the head does not branch is the head itself.
fn rax_nodes(s: &Stream) -> i64 {
    let keys: Vec<[u8; 16]> = s.nodes.keys().map(|id| id.to_be_key()).collect();
    rax_node_count(&keys) as i64
}

/// See [`rax_nodes`]; `keys` sorted and distinct.
pub(crate) fn rax_node_count(keys: &[[u8; 16]]) -> usize {
    match keys {
        [] => 1,
        [_] => 2,
        [first, .., last] if common_prefix(first, last) == 0 => branching(keys, 0),
        _ => 1 + branching(keys, 0),
    }
}

fn common_prefix(a: &[u8; 16], b: &[u8; 16]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Nodes of the subtree whose keys (sorted, ≥ 1) all share their first `depth` bytes,
/// counted from the next significant node down: a leaf for one key, else the branching
/// node where they part, its compressed edges and its subtrees.
fn branching(keys: &[[u8; 16]], depth: usize) -> usize {
    let (first, last) = match keys {
        [] => return 0,
        [_] => return 1,
        [first, .., last] => (first, last),
    };
    let at = common_prefix(first, last).max(depth);
    let mut n = 1;
    let mut rest = keys;
    while let Some(head) = rest.first() {
        let len = rest.iter().take_while(|k| k[at] == head[at]).count();
        let (group, tail) = rest.split_at(len);
        let next = match group {
            [_] => 16,
            [a, .., b] => common_prefix(a, b),
            [] => 16,
        };
        if next - at >= 2 {
            n += 1;
        }
        n += branching(group, at + 1);
        rest = tail;
    }
    n
}

fn opt_u64(v: Option<u64>) -> Value {
    v.map_or(Value::Nil, |n| Value::Int(n as i64))
}

fn lag(s: &Stream, g: &Group) -> Value {
    s.group_lag(g).map_or(Value::Nil, Value::Int)
}

fn xinfo_stream(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[2];
    let mut full = false;
    let mut count: i64 = 10;
    if argv.len() > 3 {
        if argv.len() != 4 && argv.len() != 6 {
            return Err(Error::syntax());
        }
        if !eq_ic(argv[3], "full") {
            return Err(Error::syntax());
        }
        full = true;
        if argv.len() == 6 {
            if !eq_ic(argv[4], "count") {
                return Err(Error::syntax());
            }
            count = parse_i64(argv[5]).ok_or_else(Error::not_integer)?;
            if count < 0 {
                count = 10;
            }
        }
    }
    let now = ctx.now;
    let s = the_stream(ctx, key)?;
    let mut m = vec![
        kv("length", Value::Int(s.len() as i64)),
        kv("radix-tree-keys", Value::Int(s.node_count() as i64)),
        kv("radix-tree-nodes", Value::Int(rax_nodes(s))),
        kv("last-generated-id", id_bulk(s.last_id)),
        kv("max-deleted-entry-id", id_bulk(s.max_deleted_id)),
        kv("entries-added", Value::Int(s.entries_added as i64)),
        kv("recorded-first-entry-id", id_bulk(s.first_id)),
    ];
    let limit = if count == 0 { 0 } else { count as usize };
    if !full {
        m.push(kv("groups", Value::Int(s.groups.len() as i64)));
        let first = s.range(StreamId::ZERO, StreamId::MAX, 1, false).pop();
        let last = s.range(StreamId::ZERO, StreamId::MAX, 1, true).pop();
        m.push(kv(
            "first-entry",
            first.map_or(Value::Nil, |(id, p)| entry_reply(id, p)),
        ));
        m.push(kv(
            "last-entry",
            last.map_or(Value::Nil, |(id, p)| entry_reply(id, p)),
        ));
        return Ok(Value::Map(m));
    }
    let entries = s.range(StreamId::ZERO, StreamId::MAX, limit, false);
    m.push(kv(
        "entries",
        Value::Array(
            entries
                .into_iter()
                .map(|(id, p)| entry_reply(id, p))
                .collect(),
        ),
    ));
    let take = |n: usize| if limit == 0 { n } else { n.min(limit) };
    let mut groups = Vec::new();
    for (name, g) in &s.groups {
        let pending: Vec<Value> = g
            .pel
            .iter()
            .take(take(g.pel.len()))
            .map(|(id, n)| {
                Value::Array(vec![
                    id_bulk(*id),
                    Value::bulk(&n.consumer),
                    Value::Int(n.delivery_time as i64),
                    Value::Int(n.delivery_count as i64),
                ])
            })
            .collect();
        let consumers: Vec<Value> = g
            .consumers
            .iter()
            .map(|(cname, c)| {
                let pend: Vec<Value> = c
                    .pel
                    .iter()
                    .take(take(c.pel.len()))
                    .filter_map(|id| {
                        g.pel.get(id).map(|n| {
                            Value::Array(vec![
                                id_bulk(*id),
                                Value::Int(n.delivery_time as i64),
                                Value::Int(n.delivery_count as i64),
                            ])
                        })
                    })
                    .collect();
                Value::Map(vec![
                    kv("name", Value::bulk(cname)),
                    kv("seen-time", Value::Int(c.seen_time as i64)),
                    kv("pel-count", Value::Int(c.pel.len() as i64)),
                    kv("pending", Value::Array(pend)),
                ])
            })
            .collect();
        groups.push(Value::Map(vec![
            kv("name", Value::bulk(name)),
            kv("last-delivered-id", id_bulk(g.last_id)),
            kv("entries-read", opt_u64(g.entries_read)),
            kv("lag", lag(s, g)),
            kv("pel-count", Value::Int(g.pel.len() as i64)),
            kv("pending", Value::Array(pending)),
            kv("consumers", Value::Array(consumers)),
        ]));
    }
    let _ = now;
    m.push(kv("groups", Value::Array(groups)));
    Ok(Value::Map(m))
}

fn xinfo_groups(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let s = the_stream(ctx, argv[2])?;
    Ok(Value::Array(
        s.groups
            .iter()
            .map(|(name, g)| {
                Value::Map(vec![
                    kv("name", Value::bulk(name)),
                    kv("consumers", Value::Int(g.consumers.len() as i64)),
                    kv("pending", Value::Int(g.pel.len() as i64)),
                    kv("last-delivered-id", id_bulk(g.last_id)),
                    kv("entries-read", opt_u64(g.entries_read)),
                    kv("lag", lag(s, g)),
                ])
            })
            .collect(),
    ))
}

fn xinfo_consumers(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, gname) = (argv[2], argv[3]);
    let now = ctx.now;
    let s = the_stream(ctx, key)?;
    let Some(g) = s.groups.get(gname) else {
        return Err(Error::from_reply(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(gname),
            String::from_utf8_lossy(key)
        )));
    };
    Ok(Value::Array(
        g.consumers
            .iter()
            .map(|(name, c)| {
                Value::Map(vec![
                    kv("name", Value::bulk(name)),
                    kv("pending", Value::Int(c.pel.len() as i64)),
                    kv("idle", Value::Int((now as i64 - c.seen_time as i64).max(0))),
                ])
            })
            .collect(),
    ))
}

fn xinfo_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(prints_help(help_reply(
        "xinfo",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    )))
}

/// XGROUP and XINFO HELP end with "Prints this help." in Redis 7.0 (other commands say
/// "Print").
fn prints_help(v: Value) -> Value {
    match v {
        Value::Array(mut lines) => {
            if let Some(last) = lines.last_mut() {
                *last = Value::Simple("    Prints this help.".into());
            }
            Value::Array(lines)
        }
        other => other,
    }
}

//! MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP (Redis 7.0's `object.c`),
//! over emu's own memory model ([`crate::keyspace::memory`]): the figures are the same
//! estimates `used_memory`, `maxmemory` and eviction work with, not the allocator's.
//!
//! Known differences: MEMORY USAGE reports a key's cached estimate (key, value, its share
//! of the table, its expiry entry), which samples big aggregates on its own terms (the
//! first elements of the value), so `SAMPLES` is checked as Redis checks it but does not
//! change the figure. MEMORY STATS' allocator fields are derived from the estimate and the
//! process RSS (emu has no allocator statistics of its own); MEMORY DOCTOR reports Redis's
//! "empty instance" text under 5 MB and otherwise that it found no issue (the checks
//! Redis makes are about jemalloc fragmentation, replicas and big client buffers);
//! MALLOC-STATS answers as Redis built with libc malloc does.

use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::util::Dict;
use crate::value::Value;

/// # Format
/// `MEMORY USAGE key [SAMPLES count]` — bytes, or nil for a missing key.
fn usage(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut i = 3;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"samples") && i + 1 < argv.len() {
            match crate::util::parse_i64(argv[i + 1]) {
                Some(n) if n >= 0 => {}
                Some(_) => return Err(Error::syntax()),
                None => return Err(Error::not_integer()),
            }
            i += 2;
        } else {
            return Err(Error::syntax());
        }
    }
    ctx.no_touch();
    let slot = Dict::<crate::keyspace::Entry>::slot_bytes() + 4;
    Ok(match ctx.entry(argv[2]) {
        Some(e) => Value::Int((e.mem() + slot) as i64),
        None => Value::Nil,
    })
}

/// # Format
/// `MEMORY STATS` — Redis 7.0's fields (`getMemoryOverheadData`).
fn stats(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    ctx.store.note_memory_peak();
    let store = &*ctx.store;
    let link = ctx.session.link.as_ref();
    let used = store.used_memory() as u64;
    let peak = (store.memory_peak() as u64).max(used);
    let clients = link.map(|l| l.server.clients_memory()).unwrap_or(0);
    let overhead_db = store.memory_overhead() as u64;
    let overhead = overhead_db + clients;
    let keys = store.total_keys() as u64;
    let dataset = used.saturating_sub(overhead_db);
    let rss = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0);
    let int = |n: u64| Value::Int(n as i64);
    let ratio = |a: u64, b: u64| Value::Double(if b == 0 { 0.0 } else { a as f64 / b as f64 });
    let pct = |a: u64, b: u64| {
        Value::Double(if b == 0 {
            0.0
        } else {
            (a as f64 * 100.0 / b as f64) as f32 as f64
        })
    };
    let mut m: Vec<(Value, Value)> = vec![
        (Value::bulk("peak.allocated"), int(peak)),
        (Value::bulk("total.allocated"), int(used)),
        (Value::bulk("startup.allocated"), int(0)),
        (Value::bulk("replication.backlog"), int(0)),
        (Value::bulk("clients.slaves"), int(0)),
        (Value::bulk("clients.normal"), int(clients)),
        (Value::bulk("cluster.links"), int(0)),
        (Value::bulk("aof.buffer"), int(0)),
        (Value::bulk("lua.caches"), int(0)),
        (Value::bulk("functions.caches"), int(0)),
    ];
    for (i, db) in store.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let main = crate::keyspace::memory::db_tables(&db.dict) as u64;
        let expires = (crate::keyspace::memory::EXPIRE_ELEMENT * db.expires_len()) as u64;
        m.push((
            Value::bulk(format!("db.{i}")),
            Value::Map(vec![
                (Value::bulk("overhead.hashtable.main"), int(main)),
                (Value::bulk("overhead.hashtable.expires"), int(expires)),
                (Value::bulk("overhead.hashtable.slot-to-keys"), int(0)),
            ]),
        ));
    }
    m.extend([
        (Value::bulk("overhead.total"), int(overhead)),
        (Value::bulk("keys.count"), int(keys)),
        (
            Value::bulk("keys.bytes-per-key"),
            int(used.checked_div(keys).unwrap_or(0)),
        ),
        (Value::bulk("dataset.bytes"), int(dataset)),
        (Value::bulk("dataset.percentage"), pct(dataset, used)),
        (Value::bulk("peak.percentage"), pct(used, peak)),
        (Value::bulk("allocator.allocated"), int(used)),
        (Value::bulk("allocator.active"), int(used)),
        (Value::bulk("allocator.resident"), int(rss)),
        (
            Value::bulk("allocator-fragmentation.ratio"),
            Value::Double(1.0),
        ),
        (Value::bulk("allocator-fragmentation.bytes"), int(0)),
        (Value::bulk("allocator-rss.ratio"), ratio(rss, used)),
        (
            Value::bulk("allocator-rss.bytes"),
            Value::Int(rss as i64 - used as i64),
        ),
        (Value::bulk("rss-overhead.ratio"), Value::Double(1.0)),
        (Value::bulk("rss-overhead.bytes"), int(0)),
        (Value::bulk("fragmentation"), ratio(rss, used)),
        (
            Value::bulk("fragmentation.bytes"),
            Value::Int(rss as i64 - used as i64),
        ),
    ]);
    Ok(Value::Map(m))
}

/// # Format
/// `MEMORY DOCTOR`
fn doctor(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let text = if ctx.store.used_memory() < 5 * 1024 * 1024 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
    } else {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
    };
    Ok(Value::Verbatim("txt".into(), text.as_bytes().to_vec()))
}

/// # Format
/// `MEMORY MALLOC-STATS` — as Redis built without jemalloc.
fn malloc_stats(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Verbatim(
        "txt".into(),
        b"Stats not supported for the current allocator".to_vec(),
    ))
}

/// # Format
/// `MEMORY PURGE` — OK (the server returns freed memory to the OS on its own).
fn purge(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::ok())
}

fn help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "memory",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    ))
}

const SUBS: &[Sub] = &[
    Sub {
        name: "usage",
        arity: -3,
        handler: usage,
    },
    Sub {
        name: "stats",
        arity: 2,
        handler: stats,
    },
    Sub {
        name: "doctor",
        arity: 2,
        handler: doctor,
    },
    Sub {
        name: "malloc-stats",
        arity: 2,
        handler: malloc_stats,
    },
    Sub {
        name: "purge",
        arity: 2,
        handler: purge,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: help,
    },
];

/// # Format
/// `MEMORY USAGE key [SAMPLES count] | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP`
pub fn memory(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("memory", SUBS, ctx, argv)
}

//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP and the parameter table.
//!
//! Parameters that change behaviour live in typed fields of [`crate::keyspace::Config`]
//! (databases, listpack limits, notify-keyspace-events, proto-max-bulk-len); every other
//! parameter is kept as canonical text in `Config::params` and validated here with Redis
//! 7.0's rules and error texts.

use super::{dispatch_sub, help_reply, Sub};
use crate::engine::Ctx;
use crate::engine::Store;
use crate::error::{Error, Result};
use crate::keyspace::{notify, Config};
use crate::util::glob::matches_nocase;
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// How a parameter's value is validated and rendered.
#[derive(Clone, Copy)]
enum Kind {
    /// Integer in `min..=max`.
    Int(i64, i64),
    /// Memory amount (`1gb`, `100mb`, `12k`) in `min..=max` bytes; rendered in bytes.
    Mem(i64, i64),
    /// `yes` / `no`.
    Bool,
    /// One of the listed words.
    Enum(&'static [&'static str]),
    /// Any text.
    Str,
    /// `save`: pairs of seconds and changes.
    Save,
    /// `notify-keyspace-events` flag letters.
    Notify,
}

struct Param {
    name: &'static str,
    alias: Option<&'static str>,
    kind: Kind,
    default: &'static str,
    immutable: bool,
}

const fn p(name: &'static str, kind: Kind, default: &'static str) -> Param {
    Param {
        name,
        alias: None,
        kind,
        default,
        immutable: false,
    }
}

const fn aliased(
    name: &'static str,
    alias: &'static str,
    kind: Kind,
    default: &'static str,
) -> Param {
    Param {
        name,
        alias: Some(alias),
        kind,
        default,
        immutable: false,
    }
}

const fn fixed(name: &'static str, kind: Kind, default: &'static str) -> Param {
    Param {
        name,
        alias: None,
        kind,
        default,
        immutable: true,
    }
}

const LONG: i64 = i64::MAX;
const INT: i64 = i32::MAX as i64;
const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

const PARAMS: &[Param] = &[
    fixed("databases", Kind::Int(1, INT), "16"),
    p("maxmemory", Kind::Mem(0, LONG), "0"),
    p("maxmemory-policy", Kind::Enum(POLICIES), "noeviction"),
    p("maxmemory-samples", Kind::Int(1, 64), "5"),
    p("maxmemory-eviction-tenacity", Kind::Int(0, 100), "10"),
    p("save", Kind::Save, ""),
    p("appendonly", Kind::Bool, "no"),
    p(
        "appendfsync",
        Kind::Enum(&["everysec", "always", "no"]),
        "everysec",
    ),
    fixed("appendfilename", Kind::Str, "appendonly.aof"),
    p("dbfilename", Kind::Str, "dump.rdb"),
    p("dir", Kind::Str, ""),
    p("notify-keyspace-events", Kind::Notify, ""),
    aliased(
        "hash-max-listpack-entries",
        "hash-max-ziplist-entries",
        Kind::Int(0, LONG),
        "128",
    ),
    aliased(
        "hash-max-listpack-value",
        "hash-max-ziplist-value",
        Kind::Int(0, LONG),
        "64",
    ),
    p("set-max-intset-entries", Kind::Int(0, LONG), "512"),
    aliased(
        "zset-max-listpack-entries",
        "zset-max-ziplist-entries",
        Kind::Int(0, LONG),
        "128",
    ),
    aliased(
        "zset-max-listpack-value",
        "zset-max-ziplist-value",
        Kind::Int(0, LONG),
        "64",
    ),
    aliased(
        "list-max-listpack-size",
        "list-max-ziplist-size",
        Kind::Int(-(INT + 1), INT),
        "-2",
    ),
    p("list-compress-depth", Kind::Int(0, INT), "0"),
    p(
        "proto-max-bulk-len",
        Kind::Mem(1024 * 1024, LONG),
        "536870912",
    ),
    p(
        "client-query-buffer-limit",
        Kind::Mem(1024 * 1024, LONG),
        "1073741824",
    ),
    p("requirepass", Kind::Str, ""),
    p("timeout", Kind::Int(0, INT), "0"),
    fixed("port", Kind::Int(0, 65535), "6379"),
    fixed("bind", Kind::Str, "127.0.0.1"),
    fixed("unixsocket", Kind::Str, ""),
    p("maxclients", Kind::Int(1, INT), "10000"),
    p("tcp-keepalive", Kind::Int(0, INT), "300"),
    p(
        "loglevel",
        Kind::Enum(&["debug", "verbose", "notice", "warning"]),
        "notice",
    ),
    p("hz", Kind::Int(0, INT), "10"),
    p("activerehashing", Kind::Bool, "yes"),
    p("active-expire-effort", Kind::Int(1, 10), "1"),
    aliased(
        "busy-reply-threshold",
        "lua-time-limit",
        Kind::Int(0, LONG),
        "5000",
    ),
    p("slowlog-log-slower-than", Kind::Int(-1, LONG), "10000"),
    p("slowlog-max-len", Kind::Int(0, LONG), "128"),
    p("latency-monitor-threshold", Kind::Int(0, LONG), "0"),
    p("lazyfree-lazy-eviction", Kind::Bool, "no"),
    p("lazyfree-lazy-expire", Kind::Bool, "no"),
    p("lazyfree-lazy-server-del", Kind::Bool, "no"),
    p("lazyfree-lazy-user-del", Kind::Bool, "no"),
    p("lazyfree-lazy-user-flush", Kind::Bool, "no"),
    p("stream-node-max-bytes", Kind::Mem(0, LONG), "4096"),
    p("stream-node-max-entries", Kind::Int(0, LONG), "100"),
    p("lfu-log-factor", Kind::Int(0, INT), "10"),
    p("lfu-decay-time", Kind::Int(0, INT), "1"),
    p("protected-mode", Kind::Bool, "yes"),
    fixed("daemonize", Kind::Bool, "no"),
    fixed("io-threads", Kind::Int(1, 128), "1"),
    p("rdbcompression", Kind::Bool, "yes"),
    p("rdbchecksum", Kind::Bool, "yes"),
    p("stop-writes-on-bgsave-error", Kind::Bool, "yes"),
    p("aof-use-rdb-preamble", Kind::Bool, "yes"),
    p("replica-read-only", Kind::Bool, "yes"),
    fixed("cluster-enabled", Kind::Bool, "no"),
    p(
        "client-output-buffer-limit",
        Kind::Str,
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    ),
];

fn find(name: &[u8]) -> Option<&'static Param> {
    PARAMS.iter().find(|p| {
        p.name.as_bytes().eq_ignore_ascii_case(name)
            || p.alias
                .is_some_and(|a| a.as_bytes().eq_ignore_ascii_case(name))
    })
}

/// The password clients must AUTH with, if one is configured.
pub fn requirepass(store: &Store) -> Option<&str> {
    store
        .config
        .params
        .get("requirepass")
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

/// `NOTIFY_STREAM` (t) and `NOTIFY_MODULE` (d): accepted and shown, never fired.
const STREAM: u32 = 1 << 10;
const MODULE: u32 = 1 << 13;
const ALL: u32 = notify::GENERIC
    | notify::STRING
    | notify::LIST
    | notify::SET
    | notify::HASH
    | notify::ZSET
    | notify::EXPIRED
    | notify::EVICTED
    | STREAM
    | MODULE;

/// Redis `keyspaceEventsStringToFlags`: None on an unknown letter.
pub fn notify_flags_from_str(s: &[u8]) -> Option<u32> {
    let mut f = 0;
    for &c in s {
        f |= match c {
            b'A' => ALL,
            b'g' => notify::GENERIC,
            b'$' => notify::STRING,
            b'l' => notify::LIST,
            b's' => notify::SET,
            b'h' => notify::HASH,
            b'z' => notify::ZSET,
            b'x' => notify::EXPIRED,
            b'e' => notify::EVICTED,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            b't' => STREAM,
            b'm' => notify::KEY_MISS,
            b'd' => MODULE,
            b'n' => notify::NEW,
            _ => return None,
        };
    }
    Some(f)
}

/// Redis `keyspaceEventsFlagsToString`.
pub fn notify_flags_to_string(f: u32) -> String {
    let mut s = String::new();
    if f & ALL == ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (notify::GENERIC, 'g'),
            (notify::STRING, '$'),
            (notify::LIST, 'l'),
            (notify::SET, 's'),
            (notify::HASH, 'h'),
            (notify::ZSET, 'z'),
            (notify::EXPIRED, 'x'),
            (notify::EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
        ] {
            if f & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (notify::KEYSPACE, 'K'),
        (notify::KEYEVENT, 'E'),
        (notify::KEY_MISS, 'm'),
        (notify::NEW, 'n'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// Redis `memtoull`: digits with an optional b/k/kb/m/mb/g/gb unit (case-insensitive).
pub fn parse_memory(s: &[u8]) -> Option<i64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let mul: i64 = match unit {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if num.is_empty() {
        return None;
    }
    let n: i64 = std::str::from_utf8(num).ok()?.parse().ok()?;
    n.checked_mul(mul)
}

fn valid_save(s: &[u8]) -> bool {
    let text = String::from_utf8_lossy(s);
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() % 2 != 0 {
        return false;
    }
    parts.iter().all(|p| p.parse::<i64>().is_ok_and(|n| n >= 0))
}

/// Validates `v` for `p`; returns the canonical text or the reason (the part after " - ").
fn validate(p: &Param, v: &[u8]) -> std::result::Result<String, String> {
    let text = String::from_utf8_lossy(v).into_owned();
    match p.kind {
        Kind::Int(min, max) => {
            let n = parse_i64(v).ok_or("argument couldn't be parsed into an integer")?;
            if n < min || n > max {
                return Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ));
            }
            Ok(n.to_string())
        }
        Kind::Mem(min, max) => {
            let n = parse_memory(v).ok_or("argument must be a memory value")?;
            if n < min || n > max {
                return Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ));
            }
            Ok(n.to_string())
        }
        Kind::Bool => {
            if eq_ic(v, "yes") {
                Ok("yes".into())
            } else if eq_ic(v, "no") {
                Ok("no".into())
            } else {
                Err("argument must be 'yes' or 'no'".into())
            }
        }
        Kind::Enum(words) => words
            .iter()
            .find(|w| eq_ic(v, w))
            .map(|w| w.to_string())
            .ok_or_else(|| {
                format!(
                    "argument(s) must be one of the following: {}",
                    words.join(", ")
                )
            }),
        Kind::Str => Ok(text),
        Kind::Save => {
            if valid_save(v) {
                Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
            } else {
                Err("Invalid save parameters".into())
            }
        }
        Kind::Notify => notify_flags_from_str(v)
            .map(notify_flags_to_string)
            .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
    }
}

/// The current value of `p` as CONFIG GET shows it.
fn get_value(cfg: &Config, p: &Param) -> String {
    match p.name {
        "databases" => cfg.databases.to_string(),
        "hash-max-listpack-entries" => cfg.hash_max_listpack_entries.to_string(),
        "hash-max-listpack-value" => cfg.hash_max_listpack_value.to_string(),
        "set-max-intset-entries" => cfg.set_max_intset_entries.to_string(),
        "zset-max-listpack-entries" => cfg.zset_max_listpack_entries.to_string(),
        "zset-max-listpack-value" => cfg.zset_max_listpack_value.to_string(),
        "list-max-listpack-size" => cfg.list_max_listpack_size.to_string(),
        "notify-keyspace-events" => notify_flags_to_string(cfg.notify_keyspace_events),
        "proto-max-bulk-len" => cfg.proto_max_bulk_len.to_string(),
        _ => cfg
            .params
            .get(p.name)
            .cloned()
            .unwrap_or_else(|| p.default.to_string()),
    }
}

/// Applies a validated canonical value.
fn apply(cfg: &mut Config, p: &Param, v: &str) {
    let num = || v.parse::<i64>().unwrap_or(0);
    let size = || v.parse::<usize>().unwrap_or(0);
    match p.name {
        "hash-max-listpack-entries" => cfg.hash_max_listpack_entries = size(),
        "hash-max-listpack-value" => cfg.hash_max_listpack_value = size(),
        "set-max-intset-entries" => cfg.set_max_intset_entries = size(),
        "zset-max-listpack-entries" => cfg.zset_max_listpack_entries = size(),
        "zset-max-listpack-value" => cfg.zset_max_listpack_value = size(),
        "list-max-listpack-size" => cfg.list_max_listpack_size = num(),
        "notify-keyspace-events" => {
            cfg.notify_keyspace_events = notify_flags_from_str(v.as_bytes()).unwrap_or(0)
        }
        "proto-max-bulk-len" => cfg.proto_max_bulk_len = num().max(0) as u64,
        "databases" => cfg.databases = size(),
        _ => {
            cfg.params.insert(p.name.to_string(), v.to_string());
        }
    }
}

/// Sets a parameter at startup (server flags), bypassing the immutability check. Errors
/// carry Redis's reason text.
pub fn set_initial(cfg: &mut Config, name: &str, value: &[u8]) -> std::result::Result<(), String> {
    let p = find(name.as_bytes()).ok_or_else(|| format!("unknown parameter '{name}'"))?;
    let v = validate(p, value)?;
    apply(cfg, p, &v);
    Ok(())
}

fn config_get(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let cfg = &ctx.store.config;
    let mut out: Vec<(Value, Value)> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for pat in &argv[2..] {
        for p in PARAMS {
            for name in std::iter::once(p.name).chain(p.alias) {
                if seen.contains(&name) {
                    continue;
                }
                if matches_nocase(pat, name.as_bytes()) {
                    seen.push(name);
                    out.push((Value::bulk(name), Value::bulk(get_value(cfg, p))));
                }
            }
        }
    }
    Ok(Value::Map(out))
}

fn set_failed(name: &[u8], reason: &str) -> Error {
    Error::err(format!(
        "CONFIG SET failed (possibly related to argument '{}') - {reason}",
        String::from_utf8_lossy(name)
    ))
}

fn config_set(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() % 2 != 0 {
        return Err(Error::syntax());
    }
    let mut planned: Vec<(&'static Param, String)> = Vec::new();
    for pair in argv[2..].chunks(2) {
        let (name, value) = (pair[0], pair[1]);
        let Some(p) = find(name) else {
            return Err(Error::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(name)
            )));
        };
        if p.immutable {
            return Err(set_failed(name, "can't set immutable config"));
        }
        if planned.iter().any(|(q, _)| std::ptr::eq(*q, p)) {
            return Err(set_failed(name, "duplicate parameter"));
        }
        let v = validate(p, value).map_err(|r| set_failed(name, &r))?;
        planned.push((p, v));
    }
    for (p, v) in planned {
        apply(&mut ctx.store.config, p, &v);
    }
    Ok(Value::ok())
}

fn config_resetstat(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    ctx.store.commands_processed = 0;
    ctx.store.expired_keys = 0;
    if let Some(l) = &ctx.session.link {
        l.server.stats.reset();
    }
    Ok(Value::ok())
}

fn config_rewrite(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Err(Error::err("The server is running without a config file"))
}

fn config_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "config",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    ))
}

const CONFIG_SUBS: &[Sub] = &[
    Sub {
        name: "get",
        arity: -3,
        handler: config_get,
    },
    Sub {
        name: "set",
        arity: -4,
        handler: config_set,
    },
    Sub {
        name: "resetstat",
        arity: 2,
        handler: config_resetstat,
    },
    Sub {
        name: "rewrite",
        arity: 2,
        handler: config_rewrite,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: config_help,
    },
];

/// # Format
/// `CONFIG GET pattern… | SET name value… | RESETSTAT | REWRITE | HELP`
pub fn config(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("config", CONFIG_SUBS, ctx, argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_round_trip() {
        assert_eq!(
            notify_flags_to_string(notify_flags_from_str(b"KEA").unwrap()),
            "AKE"
        );
        assert_eq!(
            notify_flags_to_string(notify_flags_from_str(b"Elg").unwrap()),
            "glE"
        );
        assert_eq!(notify_flags_from_str(b"Q"), None);
        assert_eq!(notify_flags_from_str(b""), Some(0));
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory(b"10mb"), Some(10 * 1024 * 1024));
        assert_eq!(parse_memory(b"1GB"), Some(1 << 30));
        assert_eq!(parse_memory(b"5k"), Some(5000));
        assert_eq!(parse_memory(b"-1"), None);
        assert_eq!(parse_memory(b"abc"), None);
        assert_eq!(parse_memory(b""), None);
    }
}

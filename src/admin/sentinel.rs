//! Sentinel: redis-py's `Sentinel([(host, port)]).master_for(name)` / `slave_for(name)`
//! against the embedded store, and the SENTINEL commands a client uses to discover the
//! master.
//!
//! ```
//! use emu::{ErrorKind, Sentinel};
//!
//! let sentinel = Sentinel::new(&[("localhost", 26379)]);
//! assert_eq!(sentinel.discover_master("mymaster").unwrap(), ("127.0.0.1".to_string(), 6379));
//! let master = sentinel.master_for("mymaster").unwrap();
//! let replica = sentinel.slave_for("mymaster").unwrap();
//! master.set("doc:sentinel", "1").unwrap();
//! assert_eq!(replica.get::<_, Option<String>>("doc:sentinel").unwrap().as_deref(), Some("1"));
//! let err = replica.set("doc:sentinel", "2").unwrap_err();
//! assert_eq!(err.message(), "READONLY You can't write against a read only replica.");
//! # master.delete("doc:sentinel").unwrap();
//! ```
//!
//! # The embedded deployment
//!
//! Every embedded sentinel (whatever its address) shares one process-wide view of the
//! monitored masters, as a sentinel quorum agrees on one. It starts with the master of
//! Redis's sample `sentinel.conf`: `mymaster`, quorum 2, which is the store that answers:
//! embedded, at `127.0.0.1:6379` — the store every `Redis::options()` handle of
//! `localhost:6379` shares —, and over `emu serve` at the address the asking client is
//! connected to (so redis-py's `Sentinel([('localhost', 17090)]).master_for('mymaster')`
//! talks to the server on port 17090, not to whatever listens on 6379). More are added with
//! [`crate::Sentinel::monitor`] or `SENTINEL MONITOR name ip port quorum`.
//!
//! Each master has one replica, which *is* the master's store seen read-only: SENTINEL
//! REPLICAS lists it at the master's address, and a [`crate::Sentinel::slave_for`] handle reads
//! the master's data and gets `READONLY You can't write against a read only replica.` for
//! writes. There is no failover (the master never goes down) and no other sentinel
//! (`SENTINEL SENTINELS` is empty). SENTINEL is answered by every store (a real
//! non-sentinel server replies `ERR unknown command 'sentinel'`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use parking_lot::Mutex;

use crate::engine::flags::*;
use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::{CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::util::parse_i64;
use crate::value::Value;

#[derive(Clone, Debug)]
struct Master {
    ip: String,
    port: u16,
    quorum: i64,
    /// The default `mymaster`: the store that answers. Over a network server its address
    /// is the one the asking client connected to ([`own_address`]).
    own: bool,
}

/// The address a client reaches the answering store at: over TCP, the local address of
/// the client's own connection (the address `emu serve` really listens on, even when bound
/// to every interface); over a Unix socket, 127.0.0.1 and the server's TCP port if it has
/// one; embedded, `127.0.0.1:6379` (the address `Redis::options()` handles share).
fn own_address(ctx: &Ctx) -> (String, u16) {
    if let Some(link) = &ctx.session.link {
        if !link.me.unix {
            if let Ok(a) = link.me.laddr.parse::<std::net::SocketAddr>() {
                return (a.ip().to_string(), a.port());
            }
        }
        if link.server.tcp_port() != 0 {
            return ("127.0.0.1".into(), link.server.tcp_port());
        }
    }
    ("127.0.0.1".into(), 6379)
}

/// `m` with the default master's address resolved for this client.
fn resolved(ctx: &Ctx, mut m: Master) -> Master {
    if m.own {
        (m.ip, m.port) = own_address(ctx);
    }
    m
}

fn masters() -> &'static Mutex<BTreeMap<String, Master>> {
    static MASTERS: OnceLock<Mutex<BTreeMap<String, Master>>> = OnceLock::new();
    MASTERS.get_or_init(|| {
        let mut m = BTreeMap::new();
        m.insert(
            "mymaster".to_string(),
            Master {
                ip: "127.0.0.1".into(),
                port: 6379,
                quorum: 2,
                own: true,
            },
        );
        Mutex::new(m)
    })
}

fn no_such_master() -> Error {
    Error::err("No such master with that name")
}

fn lookup(name: &[u8]) -> Result<Master> {
    let name = std::str::from_utf8(name).map_err(|_| no_such_master())?;
    masters()
        .lock()
        .get(name)
        .cloned()
        .ok_or_else(no_such_master)
}

fn run_id(ip: &str, port: u16) -> String {
    let h = xxhash_rust::xxh3::xxh3_128(format!("emu:{ip}:{port}").as_bytes());
    format!("{h:032x}{:08x}", (h >> 96) as u32)
}

fn fields(pairs: Vec<(&str, String)>) -> Value {
    Value::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Value::bulk(k), Value::bulk(v)))
            .collect(),
    )
}

fn master_reply(name: &str, m: &Master) -> Value {
    fields(vec![
        ("name", name.to_string()),
        ("ip", m.ip.clone()),
        ("port", m.port.to_string()),
        ("runid", run_id(&m.ip, m.port)),
        ("flags", "master".into()),
        ("link-pending-commands", "0".into()),
        ("link-refcount", "1".into()),
        ("last-ping-sent", "0".into()),
        ("last-ok-ping-reply", "0".into()),
        ("last-ping-reply", "0".into()),
        ("down-after-milliseconds", "30000".into()),
        ("info-refresh", "0".into()),
        ("role-reported", "master".into()),
        ("role-reported-time", "0".into()),
        ("config-epoch", "0".into()),
        ("num-slaves", "1".into()),
        ("num-other-sentinels", "0".into()),
        ("quorum", m.quorum.to_string()),
        ("failover-timeout", "180000".into()),
        ("parallel-syncs", "1".into()),
    ])
}

fn replica_reply(m: &Master) -> Value {
    fields(vec![
        ("name", format!("{}:{}", m.ip, m.port)),
        ("ip", m.ip.clone()),
        ("port", m.port.to_string()),
        ("runid", run_id(&m.ip, m.port)),
        ("flags", "slave".into()),
        ("link-pending-commands", "0".into()),
        ("link-refcount", "1".into()),
        ("last-ping-sent", "0".into()),
        ("last-ok-ping-reply", "0".into()),
        ("last-ping-reply", "0".into()),
        ("down-after-milliseconds", "30000".into()),
        ("info-refresh", "0".into()),
        ("role-reported", "slave".into()),
        ("role-reported-time", "0".into()),
        ("master-link-down-time", "0".into()),
        ("master-link-status", "ok".into()),
        ("master-host", m.ip.clone()),
        ("master-port", m.port.to_string()),
        ("slave-priority", "100".into()),
        ("slave-repl-offset", "0".into()),
        ("replica-announced", "1".into()),
    ])
}

fn s_masters(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let all = masters().lock().clone();
    Ok(Value::Array(
        all.into_iter()
            .map(|(n, m)| master_reply(&n, &resolved(ctx, m)))
            .collect(),
    ))
}

fn s_master(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let m = resolved(ctx, lookup(argv[2])?);
    Ok(master_reply(&String::from_utf8_lossy(argv[2]), &m))
}

fn s_replicas(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let m = resolved(ctx, lookup(argv[2])?);
    Ok(Value::Array(vec![replica_reply(&m)]))
}

fn s_sentinels(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    lookup(argv[2])?;
    Ok(Value::Array(vec![]))
}

fn s_get_addr(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    Ok(match lookup(argv[2]).map(|m| resolved(ctx, m)) {
        Ok(m) => Value::Array(vec![Value::bulk(m.ip), Value::bulk(m.port.to_string())]),
        Err(_) => Value::NilArray,
    })
}

fn s_monitor(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let name = String::from_utf8_lossy(argv[2]).into_owned();
    let ip = String::from_utf8_lossy(argv[3]).into_owned();
    let quorum = parse_i64(argv[5]).ok_or_else(|| Error::err("Invalid quorum"))?;
    let port = parse_i64(argv[4]).ok_or_else(|| Error::err("Invalid port"))?;
    if quorum <= 0 {
        return Err(Error::err("Quorum must be 1 or greater."));
    }
    // Host names are accepted as given (a real Sentinel resolves or refuses them).
    if !(0..=65535).contains(&port) {
        return Err(Error::err("Invalid port number."));
    }
    let mut all = masters().lock();
    if all.contains_key(&name) {
        return Err(Error::err("Duplicate master name."));
    }
    all.insert(
        name,
        Master {
            ip,
            port: port as u16,
            quorum,
            own: false,
        },
    );
    Ok(Value::ok())
}

fn s_remove(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let name = String::from_utf8_lossy(argv[2]).into_owned();
    match masters().lock().remove(&name) {
        Some(_) => Ok(Value::ok()),
        None => Err(no_such_master()),
    }
}

fn s_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(help_reply(
        "sentinel",
        &[
            "GET-MASTER-ADDR-BY-NAME <master-name>",
            "    Return the ip and port number of the master with that name.",
            "MASTER <master-name>",
            "    Show the state and info of the specified master.",
            "MASTERS",
            "    Show a list of monitored masters and their state.",
            "MONITOR <name> <ip> <port> <quorum>",
            "    Start monitoring a new master with the specified name, ip, port and quorum.",
            "REMOVE <master-name>",
            "    Remove master from Sentinel's monitor list.",
            "REPLICAS <master-name>",
            "    Show a list of replicas for this master and their state.",
            "SENTINELS <master-name>",
            "    Show a list of Sentinel instances for this master and their state.",
        ],
    ))
}

const SUBS: &[Sub] = &[
    Sub {
        name: "masters",
        arity: 2,
        handler: s_masters,
    },
    Sub {
        name: "master",
        arity: 3,
        handler: s_master,
    },
    Sub {
        name: "replicas",
        arity: 3,
        handler: s_replicas,
    },
    Sub {
        name: "slaves",
        arity: 3,
        handler: s_replicas,
    },
    Sub {
        name: "sentinels",
        arity: 3,
        handler: s_sentinels,
    },
    Sub {
        name: "get-master-addr-by-name",
        arity: 3,
        handler: s_get_addr,
    },
    Sub {
        name: "monitor",
        arity: 6,
        handler: s_monitor,
    },
    Sub {
        name: "remove",
        arity: 3,
        handler: s_remove,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: s_help,
    },
];

/// # Format
/// `SENTINEL <subcommand> [args]` — see the [module docs](self).
fn sentinel(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("sentinel", SUBS, ctx, argv)
}

/// The SENTINEL command.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::new(
    "sentinel",
    -2,
    ADMIN | NOSCRIPT,
    (0, 0, 0),
    "sentinel",
    sentinel,
)];

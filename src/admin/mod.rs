//! Connection and server commands: PING ECHO TIME LASTSAVE, DEBUG ([`debug`]), AUTH HELLO QUIT RESET
//! CLIENT ([`connection`]), COMMAND ([`command`]), INFO ([`info`]), CONFIG ([`config`]),
//! SHUTDOWN ROLE WAIT LOLWUT ([`lifecycle`]), SENTINEL ([`sentinel`]), SLOWLOG
//! ([`slowlog`]), MONITOR ([`monitor`]), LATENCY ([`latency`]), MEMORY ([`memory`]), MODULE
//! ([`module`]).
//!
//! They are ordinary entries of the one command table. Connection commands act on the
//! caller's [`crate::engine::Session`] (protocol, name, auth, close-after-reply); the ones
//! that need the whole server (CLIENT LIST/KILL, INFO clients/stats) reach it through the
//! session's [`Link`], which only network connections have.

pub mod cluster;
pub mod command;
pub mod command_meta;
pub mod config;
pub mod connection;
pub mod debug;
mod digest;
pub mod info;
pub mod latency;
pub mod lifecycle;
pub mod memory;
pub mod module;
pub mod monitor;
pub mod sentinel;
pub mod slowlog;
mod state;
pub mod tracking;

pub use state::{unix_ms, ClientEntry, ClientInfo, Link, ServerState, ShutdownHook, Stats};

use std::sync::OnceLock;

use crate::engine::spec::{dispatch_sub, help_reply, Sub};
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::value::Value;

/// The Redis version emu reports (HELLO, INFO).
pub const REDIS_VERSION: &str = "7.0.15";

/// # Format
/// `PING [message]`
fn ping(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.resp() == 2 && argv.len() <= 2 && crate::pubsub::subscribed(ctx.session) {
        // Subscribed RESP2 clients get ["pong", message] (Redis pingCommand).
        let msg: &[u8] = argv.get(1).copied().unwrap_or(b"");
        return Ok(Value::Array(vec![Value::bulk("pong"), Value::bulk(msg)]));
    }
    match argv.len() {
        1 => Ok(Value::Simple("PONG".into())),
        2 => Ok(Value::bulk(argv[1])),
        _ => Err(Error::arity("ping")),
    }
}

/// # Format
/// `ECHO message`
fn echo(_ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::bulk(argv[1]))
}

/// # Format
/// `TIME`
fn time(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let us = ctx.store.clock.now_us();
    Ok(Value::Array(vec![
        Value::bulk((us / 1_000_000).to_string()),
        Value::bulk((us % 1_000_000).to_string()),
    ]))
}

/// Unix ms of the process's first use of the engine (LASTSAVE of an embedded store that was
/// never saved).
fn process_start_ms() -> u64 {
    static START: OnceLock<u64> = OnceLock::new();
    *START.get_or_init(unix_ms)
}

/// Unix seconds of the last successful save: of the data directory's last snapshot when
/// the store is persistent; on a server without a data directory, of its last SAVE/BGSAVE
/// ([`note_memory_save`]); else — as Redis does before its first save — the start time.
pub fn last_save_secs(ctx: &Ctx) -> u64 {
    if let Some(t) = ctx.store.durability().map(|d| d.last_save()) {
        return t;
    }
    match &ctx.session.link {
        Some(l) => match l
            .server
            .memory_last_save
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            0 => l.server.started_unix_ms / 1000,
            t => t,
        },
        None => process_start_ms() / 1000,
    }
}

/// A SAVE or BGSAVE of a store without a data directory succeeded (there is nothing to
/// write): as after Redis's save to its dump file, LASTSAVE and INFO's
/// `rdb_last_save_time` advance to now and `rdb_changes_since_last_save` restarts at 0, so
/// clients that wait for LASTSAVE to change after BGSAVE do not hang. Over a network server
/// only: an embedded memory-only store keeps its start time (no server to hold it).
///
/// Called by the persistence commands (`crate::persist::commands`) on their memory-only
/// path.
pub fn note_memory_save(ctx: &mut Ctx) {
    if let Some(l) = &ctx.session.link {
        l.server
            .memory_last_save
            .store(unix_ms() / 1000, std::sync::atomic::Ordering::Relaxed);
        l.server
            .memory_saves
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ctx.store.dirty = 0;
    }
}

/// # Format
/// `LASTSAVE`
fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(last_save_secs(ctx) as i64))
}

/// Connection and server commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, FAST, (0, 0, 0), "connection", ping),
    CommandSpec::new(
        "echo",
        2,
        FAST | STALE | LOADING,
        (0, 0, 0),
        "connection",
        echo,
    ),
    CommandSpec::new(
        "time",
        1,
        FAST | LOADING | STALE | RANDOM,
        (0, 0, 0),
        "server",
        time,
    ),
    CommandSpec::new(
        "lastsave",
        1,
        FAST | LOADING | STALE | RANDOM,
        (0, 0, 0),
        "server",
        lastsave,
    ),
    CommandSpec::new(
        "command",
        -1,
        LOADING | STALE,
        (0, 0, 0),
        "server",
        command::command,
    ),
    CommandSpec::new("info", -1, LOADING | STALE, (0, 0, 0), "server", info::info),
    CommandSpec::new(
        "config",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        config::config,
    ),
    CommandSpec::new(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        debug::debug,
    ),
    CommandSpec::new(
        "latency",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        latency::latency,
    ),
    // The key of MEMORY USAGE (its subcommand's key spec) and its `readonly`, as OBJECT's
    // container carries them.
    CommandSpec::new("memory", -2, READONLY, (2, 2, 1), "server", memory::memory),
    CommandSpec::new(
        "monitor",
        1,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        monitor::monitor,
    ),
    CommandSpec::new(
        "module",
        -2,
        ADMIN | NOSCRIPT,
        (0, 0, 0),
        "server",
        module::module,
    ),
    CommandSpec::new(
        "slowlog",
        -2,
        ADMIN | LOADING | STALE,
        (0, 0, 0),
        "server",
        slowlog::slowlog,
    ),
    CommandSpec::new(
        "auth",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION | ALLOW_BUSY,
        (0, 0, 0),
        "connection",
        connection::auth,
    ),
    CommandSpec::new(
        "hello",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION | ALLOW_BUSY,
        (0, 0, 0),
        "connection",
        connection::hello,
    ),
    CommandSpec::new(
        "quit",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION | ALLOW_BUSY,
        (0, 0, 0),
        "connection",
        connection::quit,
    ),
    CommandSpec::new(
        "reset",
        1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | CONNECTION | ALLOW_BUSY,
        (0, 0, 0),
        "connection",
        connection::reset,
    ),
    CommandSpec::new(
        "client",
        -2,
        NOSCRIPT | LOADING | STALE | CONNECTION,
        (0, 0, 0),
        "connection",
        connection::client,
    ),
];

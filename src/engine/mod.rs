//! The command engine: one table of command specs and one dispatcher that every front end
//! (typed API, pipelines, RESP server, log replay) goes through.
//!
//! Each data-type module exports `COMMANDS: &[CommandSpec]`; [`table`] merges them once.
//! Arity and unknown-command errors are produced here, centrally, with Redis's exact texts.

mod ctx;

pub use ctx::{Ctx, Session};

use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::keyspace::{Effect, Store};
use crate::util::Dict;
use crate::value::Value;

/// Command handler: receives the context and the full argument vector (`argv[0]` is the
/// command name as sent), like a Redis `*Command(client *c)`.
pub type Handler = fn(&mut Ctx, &[&[u8]]) -> Result<Value>;

/// Computes key positions for commands whose keys move (`movablekeys`), e.g. ZUNIONSTORE.
pub type KeysFn = fn(&[&[u8]]) -> Vec<usize>;

/// Command flags (names as in COMMAND INFO).
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads.
    pub const READONLY: u32 = 1 << 1;
    /// O(1) or O(log n).
    pub const FAST: u32 = 1 << 2;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 3;
    /// May grow memory.
    pub const DENYOOM: u32 = 1 << 4;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 5;
    /// Pub/Sub related.
    pub const PUBSUB: u32 = 1 << 6;
    /// Not allowed from scripts.
    pub const NOSCRIPT: u32 = 1 << 7;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 8;
    /// Allowed on stale replicas.
    pub const STALE: u32 = 1 << 9;
    /// Allowed before AUTH.
    pub const NO_AUTH: u32 = 1 << 10;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 11;
    /// Random output.
    pub const RANDOM: u32 = 1 << 12;
    /// Not shown in MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 13;
    /// Affects only the connection, never the keyspace (never logged).
    pub const CONNECTION: u32 = 1 << 14;

    /// (flag, name) pairs in COMMAND INFO order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_MULTI, "no_multi"),
    ];
}

/// One command's spec: the single place its arity, flags, keys and semantics live.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// Lowercase name.
    pub name: &'static str,
    /// Arity as in Redis: `n` exactly n args (name included), `-n` at least n.
    pub arity: i32,
    /// Bit set of [`flags`].
    pub flags: u32,
    /// Position of the first key (0 = no keys).
    pub first_key: i32,
    /// Position of the last key (-1 = last argument).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// Key finder for commands with movable keys.
    pub keys: Option<KeysFn>,
    /// Command group (COMMAND DOCS): "string", "list", "generic", …
    pub group: &'static str,
    /// The implementation.
    pub handler: Handler,
}

impl CommandSpec {
    /// A spec with the common fields; use the builder methods for the rest.
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: u32,
        keys: (i32, i32, i32),
        group: &'static str,
        handler: Handler,
    ) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags,
            first_key: keys.0,
            last_key: keys.1,
            step: keys.2,
            keys: None,
            group,
            handler,
        }
    }

    /// Sets a movable-keys finder.
    pub const fn with_keys(mut self, f: KeysFn) -> CommandSpec {
        self.keys = Some(f);
        self
    }

    /// True if the spec has the flag.
    #[inline]
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// Checks arity against `argc` (name included).
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a >= 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)
    }

    /// Positions of the keys in `argv`.
    pub fn key_positions(&self, argv: &[&[u8]]) -> Vec<usize> {
        if let Some(f) = self.keys {
            return f(argv);
        }
        if self.first_key <= 0 {
            return Vec::new();
        }
        let last = if self.last_key < 0 {
            argv.len() as i32 + self.last_key
        } else {
            self.last_key
        };
        let step = self.step.max(1);
        let mut out = Vec::new();
        let mut i = self.first_key;
        while i <= last && (i as usize) < argv.len() {
            out.push(i as usize);
            i += step;
        }
        out
    }
}

/// The merged command table.
pub struct Table {
    by_name: Dict<&'static CommandSpec>,
    all: Vec<&'static CommandSpec>,
}

impl Table {
    /// Looks a command up by name, case-insensitively.
    #[inline]
    pub fn get(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.by_name.get(lower).copied()
    }

    /// Every command, in table order.
    pub fn all(&self) -> &[&'static CommandSpec] {
        &self.all
    }
}

/// Every module's command slice. Adding a module means adding it here.
pub fn sources() -> [&'static [CommandSpec]; 12] {
    [
        crate::types::string::COMMANDS,
        crate::types::hash::COMMANDS,
        crate::types::list::COMMANDS,
        crate::types::set::COMMANDS,
        crate::types::zset::COMMANDS,
        crate::types::keys::COMMANDS,
        crate::admin::COMMANDS,
        crate::tx::COMMANDS,
        crate::persist::commands::COMMANDS,
        crate::admin::sentinel::COMMANDS,
        crate::blocking::commands::COMMANDS,
        crate::pubsub::commands::COMMANDS,
    ]
}

/// The command table, built once.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_name = Dict::new();
        let mut all = Vec::new();
        for src in sources() {
            for spec in src {
                let prev = by_name.insert(spec.name.as_bytes(), spec);
                assert!(prev.is_none(), "duplicate command {}", spec.name);
                all.push(spec);
            }
        }
        Table { by_name, all }
    })
}

/// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' …` as Redis 7 words it.
pub fn unknown_command(argv: &[&[u8]]) -> Error {
    let mut args = String::new();
    for a in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let text = String::from_utf8_lossy(a);
        let text: String = text.chars().take(room).collect();
        args.push_str(&format!("'{text}' "));
    }
    let name = String::from_utf8_lossy(argv.first().copied().unwrap_or(b""));
    let name: String = name.chars().take(128).collect();
    Error::new(
        crate::error::ErrorKind::UnknownCommand,
        sanitize(&format!(
            "ERR unknown command '{name}', with args beginning with: {args}"
        )),
    )
}

/// Error texts never contain newlines (Redis replaces them with spaces).
pub fn sanitize(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// How often (in commands) the dispatcher reclaims expired keys, and how many per round.
const ACTIVE_EXPIRE_EVERY: u64 = 16;
const ACTIVE_EXPIRE_BATCH: usize = 32;

/// Runs one command: table lookup, arity check, handler, effect recording, active expiry.
pub fn execute(store: &mut Store, session: &mut Session, argv: &[&[u8]]) -> Result<Value> {
    let Some(name) = argv.first() else {
        return Err(Error::err("empty command"));
    };
    let Some(spec) = table().get(name) else {
        return crate::tx::reject(store, session, None, unknown_command(argv));
    };
    if !spec.arity_ok(argv.len()) {
        return crate::tx::reject(store, session, Some(spec), Error::arity(spec.name));
    }
    // Embedded clients made with a password / as a replica handle (client::connect).
    // Refused commands flag an open transaction, like any queueing error.
    if let Err(e) = crate::client::connect::admit(store, session, spec) {
        return crate::tx::reject(store, session, Some(spec), e);
    }
    call(store, session, spec, argv).map_err(|e| {
        // Errors echo user input; a newline would break the protocol (addReplyErrorFormat).
        if e.message().contains(['\r', '\n']) {
            Error::new(e.kind(), sanitize(e.message()))
        } else {
            e
        }
    })
}

/// Runs a looked-up, arity-checked command.
pub fn call(
    store: &mut Store,
    session: &mut Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Result<Value> {
    // RESP2 subscribed mode allows only a few commands; a refusal flags an open transaction.
    if let Err(e) = crate::pubsub::check_context(session, spec, argv) {
        return crate::tx::reject(store, session, Some(spec), e);
    }
    if crate::tx::should_queue(session, spec) {
        return crate::tx::queue(store, session, spec, argv);
    }
    if !store.watches.dropped_is_empty() {
        crate::tx::reap_dropped(store);
    }
    if spec.has(flags::WRITE) {
        if let Some(e) = store.persist.as_ref().and_then(|p| p.deny_writes()) {
            return Err(e);
        }
    }
    session.block = None;
    store.commands_processed += 1;
    // Not inside EXEC: its commands share one time snapshot (and Redis does not run active
    // expiry in the middle of a transaction either).
    if store.commands_processed % ACTIVE_EXPIRE_EVERY == 0
        && !store.loading
        && store.frozen_now.is_none()
    {
        store.active_expire(ACTIVE_EXPIRE_BATCH);
    }
    let dirty_before = store.dirty;
    let db_before = session.db;
    let mut ctx = Ctx::new(store, session);
    let result = (spec.handler)(&mut ctx, argv);
    let rewritten = ctx.take_rewritten();
    if store.record_effects && spec.has(flags::WRITE) {
        match rewritten {
            Some(list) => {
                for argv in list {
                    store.push_effect(Effect {
                        db: db_before,
                        argv,
                    });
                }
            }
            None if store.dirty != dirty_before => store.record_effect(db_before, argv),
            None => {}
        }
    }
    // Serve clients blocked on keys this command made ready (not between the commands
    // of a transaction: after EXEC, as Redis does).
    if !session.in_multi {
        crate::blocking::serve_ready(store);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_unique_lowercase_and_sane() {
        let t = table();
        assert!(!t.all().is_empty());
        for spec in t.all() {
            assert_eq!(spec.name, spec.name.to_ascii_lowercase());
            assert!(spec.arity != 0, "{}", spec.name);
            assert!(
                !(spec.has(flags::WRITE) && spec.has(flags::READONLY)),
                "{} is both write and readonly",
                spec.name
            );
        }
    }

    #[test]
    fn unknown_command_text() {
        let e = unknown_command(&[b"foo", b"a", b"b"]);
        assert_eq!(
            e.message(),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        let e = unknown_command(&[b"foo"]);
        assert_eq!(
            e.message(),
            "ERR unknown command 'foo', with args beginning with: "
        );
    }
}

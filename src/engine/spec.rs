//! Command specs and the table: the single place a command's name, arity, flags, keys,
//! group and handler live. Each command module exports `COMMANDS: &[CommandSpec]`; the
//! registry ([`crate::commands`]) merges them into one [`Table`].

use crate::engine::Ctx;
use crate::error::{Error, ErrorKind, Result};
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
    /// A read command that may still change a value and must then be logged (PFCOUNT's
    /// cached cardinality); its effects are recorded only through `Ctx::propagate`.
    pub const MAY_REPLICATE: u32 = 1 << 15;
    /// Served while a script runs past `busy-reply-threshold` (Redis `CMD_ALLOW_BUSY`;
    /// the SCRIPT KILL, FUNCTION KILL and FUNCTION STATS subcommands too, which
    /// [`crate::engine::busy`] answers itself).
    pub const ALLOW_BUSY: u32 = 1 << 16;
    /// May delete (expire) keys it did not name, run directly: those deletions are
    /// propagated one by one, not wrapped in MULTI/EXEC (Redis
    /// `CMD_TOUCHES_ARBITRARY_KEYS`, SCAN and RANDOMKEY; hidden from COMMAND INFO as in
    /// Redis).
    pub const TOUCHES_ARBITRARY_KEYS: u32 = 1 << 17;

    /// (flag, name) pairs in COMMAND INFO order (Redis 7.0 does not show `may_replicate`).
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
        (ALLOW_BUSY, "allow_busy"),
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
    /// Subcommands that write although the container is not flagged `write` (Redis flags
    /// subcommands of their own: FUNCTION LOAD / DELETE / FLUSH / RESTORE).
    pub write_subs: &'static [&'static str],
    /// Command group (COMMAND DOCS): "string", "list", "generic", …
    pub group: &'static str,
    /// The implementation.
    pub handler: Handler,
}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
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
            write_subs: &[],
            group,
            handler,
        }
    }

    /// Sets the subcommands that write (see [`CommandSpec::write_subs`]).
    pub const fn with_write_subcommands(mut self, subs: &'static [&'static str]) -> CommandSpec {
        self.write_subs = subs;
        self
    }

    /// Whether a call with subcommand `sub` (the second argument) writes: the `write` flag,
    /// or a subcommand listed as writing. What a read-only replica and MISCONF refuse.
    pub fn writes(&self, sub: Option<&[u8]>) -> bool {
        self.has(flags::WRITE)
            || sub.is_some_and(|s| {
                self.write_subs
                    .iter()
                    .any(|w| s.eq_ignore_ascii_case(w.as_bytes()))
            })
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
    /// Merges command slices into a table; panics on a duplicate name (a programming error
    /// caught by every test run).
    pub fn new(sources: &[&'static [CommandSpec]]) -> Table {
        let mut by_name = Dict::new();
        let mut all = Vec::new();
        for src in sources {
            for spec in src.iter() {
                let prev = by_name.insert(spec.name.as_bytes(), spec);
                assert!(prev.is_none(), "duplicate command {}", spec.name);
                all.push(spec);
            }
        }
        Table { by_name, all }
    }

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

/// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' …` as Redis 7 words it.
pub fn unknown_command(argv: &[&[u8]]) -> Error {
    // Byte for byte as Redis's `sdscatprintf(args, "'%.*s' ", 128 - sdslen(args), arg)`
    // and `%.128s` of the name: C strings, so each ends at its first NUL.
    let c_str = |a: &'_ [u8]| -> usize { a.iter().position(|&b| b == 0).unwrap_or(a.len()) };
    let mut args: Vec<u8> = Vec::new();
    for a in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let a = &a[..c_str(a)];
        let room = 128 - args.len();
        args.push(b'\'');
        args.extend_from_slice(&a[..a.len().min(room)]);
        args.extend_from_slice(b"' ");
    }
    let name = argv.first().copied().unwrap_or(b"");
    let name = &name[..c_str(name)];
    let mut text = b"ERR unknown command '".to_vec();
    text.extend_from_slice(&name[..name.len().min(128)]);
    text.extend_from_slice(b"', with args beginning with: ");
    text.extend_from_slice(&args);
    Error::new(
        crate::error::ErrorKind::UnknownCommand,
        sanitize(&crate::util::text::lossless(&text)),
    )
}

/// Error texts never contain newlines (Redis replaces them with spaces).
pub fn sanitize(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// One subcommand of a container command (CLIENT, CONFIG, COMMAND).
pub struct Sub {
    /// Lowercase name.
    pub name: &'static str,
    /// Arity counted like Redis's `container|sub` arity (container name included).
    pub arity: i32,
    /// Implementation; receives the full argv.
    pub handler: Handler,
}

/// Runs the subcommand `argv[1]` of `container`, with Redis 7's errors for unknown
/// subcommands and wrong arity.
pub fn dispatch_sub(container: &str, subs: &[Sub], ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let Some(sub_name) = argv.get(1) else {
        return Err(Error::arity(container));
    };
    let Some(sub) = subs
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(sub_name))
    else {
        let shown: String = String::from_utf8_lossy(sub_name)
            .chars()
            .take(128)
            .collect();
        return Err(Error::new(
            ErrorKind::UnknownCommand,
            sanitize(&format!(
                "ERR unknown subcommand '{shown}'. Try {} HELP.",
                container.to_ascii_uppercase()
            )),
        ));
    };
    let argc = argv.len();
    let ok = (sub.arity >= 0 && argc == sub.arity as usize)
        || (sub.arity < 0 && argc >= (-sub.arity) as usize);
    if !ok {
        return Err(Error::arity(&format!("{container}|{}", sub.name)));
    }
    (sub.handler)(ctx, argv)
}

/// A HELP reply: the title line, the lines, then `HELP` / `    Prints this help.`, as
/// simple strings (Redis 7.0's `addReplyHelp`).
pub fn help_reply(container: &str, lines: &[&str]) -> Value {
    let mut out = vec![Value::Simple(format!(
        "{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        container.to_ascii_uppercase()
    ))];
    out.extend(lines.iter().map(|l| Value::Simple((*l).to_string())));
    out.push(Value::Simple("HELP".into()));
    out.push(Value::Simple("    Prints this help.".into()));
    Value::Array(out)
}

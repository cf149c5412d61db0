//! What the dispatcher records about every command it runs, for the introspection
//! commands of `crate::admin` (INFO commandstats / errorstats / latencystats, SLOWLOG,
//! LATENCY, MONITOR): one [`Observer`] per store, fed from the two hook points of the one
//! dispatch path — [`after_call`] once a handler ran and [`after_reject`] when a command was
//! refused before it ran (Redis's `call()` and `rejectCommand()`).
//!
//! The rules are Redis 7.0's (`server.c` `call`, `afterErrorReply`,
//! `incrCommandStatsOnError`, `slowlog.c`, `replicationFeedMonitors`):
//!
//! - every error reply counts once in `total_error_replies` and under its code (the first
//!   word: `errorstat_WRONGTYPE`), including the replies of commands run by EXEC and by
//!   scripts; a script that returns (or raises) an error one of its commands already
//!   produced does not count it again;
//! - a command refused before it runs (arity, NOAUTH, NOPERM, OOM, MISCONF, queueing
//!   refusals, …) counts as `rejected_calls`, one whose handler replied an error as
//!   `failed_calls`; an unknown command or subcommand is counted nowhere but in the
//!   error stats;
//! - container commands are counted per subcommand (`client|list`);
//! - the slow log takes every command over `slowlog-log-slower-than` µs except EXEC (Redis's
//!   `skip_slowlog`), with AUTH/HELLO/ACL SETUSER/MIGRATE/CONFIG SET secrets redacted;
//! - MONITOR is fed every executed command except admin ones and the scripting commands
//!   (EVAL & co. are fed before their body runs, their commands as `[0 lua]`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use crate::engine::spec::{flags, CommandSpec};
use crate::engine::{Session, Store};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// Redis 7.0's container commands and their subcommands, with `A` marking the admin ones
/// (hidden from MONITOR). A subcommand not listed is unknown to the statistics (Redis
/// refuses it at lookup).
pub const SUBCOMMANDS: &[(&str, &[(&str, bool)])] = &[
    (
        "acl",
        &[
            ("cat", false),
            ("deluser", true),
            ("dryrun", true),
            ("genpass", false),
            ("getuser", true),
            ("help", false),
            ("list", true),
            ("load", true),
            ("log", true),
            ("save", true),
            ("setuser", true),
            ("users", true),
            ("whoami", false),
        ],
    ),
    (
        "client",
        &[
            ("caching", false),
            ("getname", false),
            ("getredir", false),
            ("help", false),
            ("id", false),
            ("info", false),
            ("kill", true),
            ("list", true),
            ("no-evict", true),
            ("pause", true),
            ("reply", false),
            ("setname", false),
            ("tracking", false),
            ("trackinginfo", false),
            ("unblock", true),
            ("unpause", true),
        ],
    ),
    (
        "cluster",
        &[
            ("addslots", true),
            ("addslotsrange", true),
            ("bumpepoch", true),
            ("count-failure-reports", true),
            ("countkeysinslot", false),
            ("delslots", true),
            ("delslotsrange", true),
            ("failover", true),
            ("flushslots", true),
            ("forget", true),
            ("getkeysinslot", false),
            ("help", false),
            ("info", false),
            ("keyslot", false),
            ("links", false),
            ("meet", true),
            ("myid", false),
            ("nodes", false),
            ("replicas", true),
            ("replicate", true),
            ("reset", true),
            ("saveconfig", true),
            ("set-config-epoch", true),
            ("setslot", true),
            ("shards", false),
            ("slaves", true),
            ("slots", false),
        ],
    ),
    (
        "command",
        &[
            ("count", false),
            ("docs", false),
            ("getkeys", false),
            ("getkeysandflags", false),
            ("help", false),
            ("info", false),
            ("list", false),
        ],
    ),
    (
        "config",
        &[
            ("get", true),
            ("help", false),
            ("resetstat", true),
            ("rewrite", true),
            ("set", true),
        ],
    ),
    (
        "function",
        &[
            ("delete", false),
            ("dump", false),
            ("flush", false),
            ("help", false),
            ("kill", false),
            ("list", false),
            ("load", false),
            ("restore", false),
            ("stats", false),
        ],
    ),
    (
        "latency",
        &[
            ("doctor", true),
            ("graph", true),
            ("help", false),
            ("histogram", true),
            ("history", true),
            ("latest", true),
            ("reset", true),
        ],
    ),
    (
        "memory",
        &[
            ("doctor", false),
            ("help", false),
            ("malloc-stats", false),
            ("purge", false),
            ("stats", false),
            ("usage", false),
        ],
    ),
    (
        "module",
        &[
            ("help", false),
            ("list", true),
            ("load", true),
            ("loadex", true),
            ("unload", true),
        ],
    ),
    (
        "object",
        &[
            ("encoding", false),
            ("freq", false),
            ("help", false),
            ("idletime", false),
            ("refcount", false),
        ],
    ),
    (
        "pubsub",
        &[
            ("channels", false),
            ("help", false),
            ("numpat", false),
            ("numsub", false),
            ("shardchannels", false),
            ("shardnumsub", false),
        ],
    ),
    (
        "script",
        &[
            ("debug", false),
            ("exists", false),
            ("flush", false),
            ("help", false),
            ("kill", false),
            ("load", false),
        ],
    ),
    (
        "slowlog",
        &[
            ("get", true),
            ("help", false),
            ("len", true),
            ("reset", true),
        ],
    ),
    (
        "xgroup",
        &[
            ("create", false),
            ("createconsumer", false),
            ("delconsumer", false),
            ("destroy", false),
            ("help", false),
            ("setid", false),
        ],
    ),
    (
        "xinfo",
        &[
            ("consumers", false),
            ("groups", false),
            ("help", false),
            ("stream", false),
        ],
    ),
];

/// Commands whose scripts' commands MONITOR shows as `lua` (Redis feeds these before the
/// script runs).
const SCRIPT_COMMANDS: &[&str] = &[
    "eval",
    "evalsha",
    "eval_ro",
    "evalsha_ro",
    "fcall",
    "fcall_ro",
];

/// Redis's `SLOWLOG_ENTRY_MAX_ARGC` and `SLOWLOG_ENTRY_MAX_STRING`.
pub const SLOWLOG_MAX_ARGC: usize = 32;
/// See [`SLOWLOG_MAX_ARGC`].
pub const SLOWLOG_MAX_STRING: usize = 128;

/// The subcommand entry of `spec` named by `argv[1]`: `Some(None)` for a command that is
/// not a container, `Some(Some((full name, admin)))` for a known subcommand, `None` for an
/// unknown one (or a container called without one).
/// A name of at most 8 bytes as one integer (its bytes, zero-padded); `None` when longer.
const fn name_word(name: &[u8]) -> Option<u64> {
    if name.len() > 8 {
        return None;
    }
    let mut bytes = [0u8; 8];
    let mut i = 0;
    while i < name.len() {
        bytes[i] = name[i];
        i += 1;
    }
    Some(u64::from_le_bytes(bytes))
}

/// [`SUBCOMMANDS`]' container names as [`name_word`]s, in the same order (a container
/// name longer than 8 bytes fails the build here).
const CONTAINER_WORDS: [u64; SUBCOMMANDS.len()] = {
    let mut out = [0u64; SUBCOMMANDS.len()];
    let mut i = 0;
    while i < SUBCOMMANDS.len() {
        out[i] = match name_word(SUBCOMMANDS[i].0.as_bytes()) {
            Some(w) => w,
            None => panic!("a container name is longer than 8 bytes"),
        };
        i += 1;
    }
    out
};

fn subcommand(spec: &CommandSpec, argv: &[&[u8]]) -> Option<Option<(String, bool)>> {
    // Every command pays this lookup: names are compared as integers, not with memcmp.
    let Some(word) = name_word(spec.name.as_bytes()) else {
        return Some(None);
    };
    let Some(i) = CONTAINER_WORDS.iter().position(|&w| w == word) else {
        return Some(None);
    };
    let (_, subs) = SUBCOMMANDS[i];
    let sub = argv.get(1)?;
    subs.iter()
        .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(sub))
        .map(|(n, admin)| Some((format!("{}|{n}", spec.name), *admin)))
}

/// The name INFO commandstats and LATENCY HISTOGRAM show for a call (`get`, `client|list`),
/// or `None` for an unknown subcommand.
pub fn stat_name(spec: &CommandSpec, argv: &[&[u8]]) -> Option<String> {
    match subcommand(spec, argv) {
        Some(Some((full, _))) => Some(full),
        Some(None) => Some(spec.name.to_string()),
        // A container without a subcommand is refused (arity) under its own name.
        None if argv.len() < 2 => Some(spec.name.to_string()),
        None => None,
    }
}

/// One command's counters (INFO commandstats).
#[derive(Clone, Debug, Default)]
pub struct CommandStat {
    /// Calls that ran.
    pub calls: u64,
    /// Total run time, µs.
    pub usec: u64,
    /// Calls refused before running.
    pub rejected_calls: u64,
    /// Calls whose handler replied an error.
    pub failed_calls: u64,
    /// Run times, ns, for LATENCY HISTOGRAM and INFO latencystats.
    pub latency: Histogram,
}

/// A latency histogram with Redis's resolution: buckets by power of two in ns (LATENCY
/// HISTOGRAM reports `2^k` µs buckets), plus a log-linear fine grid for percentiles
/// (~1% relative error: 64 sub-buckets per power of two).
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    /// Number of samples.
    pub count: u64,
    /// fine[p * 64 + s]: values in [2^p + s*2^p/64, 2^p + (s+1)*2^p/64) ns.
    fine: Vec<u64>,
}

const SUB: usize = 64;

impl Histogram {
    fn index(ns: u64) -> usize {
        let v = ns.max(1);
        let p = 63 - v.leading_zeros() as usize;
        let s = if p >= 6 {
            ((v >> (p - 6)) & 63) as usize
        } else {
            ((v << (6 - p)) & 63) as usize
        };
        p * SUB + s
    }

    fn lower(i: usize) -> f64 {
        let p = i / SUB;
        let s = i % SUB;
        (1u64 << p) as f64 * (1.0 + s as f64 / SUB as f64)
    }

    /// Records one value, ns.
    pub fn record(&mut self, ns: u64) {
        let i = Histogram::index(ns);
        if self.fine.len() <= i {
            self.fine.resize(i + 1, 0);
        }
        self.fine[i] += 1;
        self.count += 1;
    }

    /// The value at percentile `p` (0..=100), ns: the upper edge of the bucket it falls in
    /// (as hdr_histogram's `hdr_value_at_percentile` returns the highest equivalent value).
    pub fn percentile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let want = ((p / 100.0) * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &n) in self.fine.iter().enumerate() {
            seen += n;
            if seen >= want {
                return Histogram::lower(i + 1);
            }
        }
        Histogram::lower(self.fine.len())
    }

    /// Cumulative counts at Redis's LATENCY HISTOGRAM bounds: hdr_histogram's log
    /// iterator from 1024 ns doubling, each bound printed as its highest equivalent value
    /// (2 significant digits) in µs — 1, 2, 4, 8, 16, 33, 66, … — with a row only where the
    /// count grew.
    pub fn cumulative_usec(&self) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        let mut seen = 0u64;
        let mut i = 0usize;
        let mut m = 10u32;
        while seen < self.count && m < 63 {
            let b = 1u64 << m;
            let highest = b + (1u64 << (m - 7)) - 1;
            while i < self.fine.len() && Histogram::lower(i) <= highest as f64 {
                seen += self.fine[i];
                i += 1;
            }
            if seen > out.last().map_or(0, |&(_, c)| c) {
                out.push((highest / 1000, seen));
            }
            m += 1;
        }
        out
    }
}

/// One SLOWLOG entry.
#[derive(Clone, Debug)]
pub struct SlowEntry {
    /// Unique id.
    pub id: u64,
    /// Unix time, seconds.
    pub time: u64,
    /// Run time, µs.
    pub duration: u64,
    /// Arguments, truncated and redacted.
    pub args: Vec<Vec<u8>>,
    /// Client address (`?:0` for scripts).
    pub addr: String,
    /// Client name.
    pub name: Vec<u8>,
}

/// One latency event's record (LATENCY LATEST / HISTORY).
#[derive(Clone, Debug, Default)]
pub struct LatencyEvent {
    /// (unix seconds, ms) samples, at most 160, one per second.
    pub samples: VecDeque<(u64, u64)>,
    /// Highest latency ever seen, ms.
    pub max: u64,
}

/// Where MONITOR lines go.
pub enum MonitorSink {
    /// A server connection's mailbox (the line is written as a status reply), and its
    /// registry entry (to close a monitor that falls behind the `slave` output limit).
    Mailbox(
        Arc<crate::pubsub::Mailbox>,
        Option<Arc<crate::admin::ClientEntry>>,
    ),
    /// An embedded reader (`crate::admin::monitor::Monitor`): lines without the `+` and
    /// CRLF.
    Channel(std::sync::mpsc::Sender<String>),
}

impl std::fmt::Debug for MonitorSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MonitorSink::Mailbox(..) => "MonitorSink::Mailbox",
            MonitorSink::Channel(_) => "MonitorSink::Channel",
        })
    }
}

/// FNV-1a for the command-stats table: every command looks its record up by name, and the
/// names are short, so SipHash's setup cost was a measurable share of a fast command.
#[derive(Clone, Copy, Debug)]
pub struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hashes a command spec's address (a Fibonacci multiply: the map's probe uses the top
/// bits).
#[derive(Clone, Copy, Debug, Default)]
pub struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The per-command counters (INFO commandstats, LATENCY HISTOGRAM), by stat name
/// (`get`, `client|list`). A command without subcommands is also found by its spec's
/// address: the dispatcher counts every call, and a nested one (a script's `redis.call`)
/// twice per script, so it skips the name's hash and compare (and the container check).
#[derive(Debug, Default)]
pub struct CommandStats {
    /// Stat name → position in `stats`.
    index: hashbrown::HashMap<String, usize, std::hash::BuildHasherDefault<NameHasher>>,
    /// The records, in order of first use; none is removed but by [`CommandStats::clear`].
    stats: Vec<(String, CommandStat)>,
    /// A command without subcommands, by the address of its (`'static`) spec → position
    /// in `stats`.
    by_spec: hashbrown::HashMap<usize, usize, std::hash::BuildHasherDefault<AddrHasher>>,
}

impl CommandStats {
    /// The record of `name`, if it has one.
    pub fn get(&self, name: &str) -> Option<&CommandStat> {
        self.index.get(name).map(|&i| &self.stats[i].1)
    }

    /// Every record with its name (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &CommandStat)> {
        self.stats.iter().map(|(n, c)| (n, c))
    }

    /// Every name that has a record.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.stats.iter().map(|(n, _)| n)
    }

    /// Forgets every record (CONFIG RESETSTAT).
    pub fn clear(&mut self) {
        self.index.clear();
        self.stats.clear();
        self.by_spec.clear();
    }

    /// The record of a command without subcommands, by its spec (None until it has one).
    #[inline]
    fn of_spec(&self, spec: &'static CommandSpec) -> Option<usize> {
        self.by_spec
            .get(&(spec as *const CommandSpec as usize))
            .copied()
    }

    /// The record of `name` (made if absent); `plain` is the spec when `name` is a
    /// command without subcommands, remembered for [`CommandStats::of_spec`].
    fn named(&mut self, name: &str, plain: Option<&'static CommandSpec>) -> usize {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.stats.push((name.to_string(), CommandStat::default()));
                self.index.insert(name.to_string(), self.stats.len() - 1);
                self.stats.len() - 1
            }
        };
        if let Some(spec) = plain {
            self.by_spec.insert(spec as *const CommandSpec as usize, i);
        }
        i
    }

    fn at(&mut self, i: usize) -> &mut CommandStat {
        &mut self.stats[i].1
    }
}

/// Everything recorded; see the module docs.
#[derive(Debug, Default)]
pub struct Observer {
    /// Per-command counters.
    pub commands: CommandStats,
    /// Error replies by code.
    pub errors: BTreeMap<String, u64>,
    /// Every error reply (INFO `total_error_replies`).
    pub total_error_replies: u64,
    /// Slow log, newest first.
    pub slowlog: VecDeque<SlowEntry>,
    /// Next slow log id.
    pub slowlog_next_id: u64,
    /// Latency events by name.
    pub latency: BTreeMap<String, LatencyEvent>,
    /// MONITOR clients, with their client id (0 for embedded readers).
    pub monitors: Vec<(u64, MonitorSink)>,
    /// A line for the monitoring client's own command: it goes out after that command's
    /// reply (Redis appends it to the same output buffer), see [`Observer::take_own_line`].
    own_line: Option<(u64, String)>,
    depth: u32,
    top: Option<&'static str>,
    inner_errors: Vec<String>,
}

impl Observer {
    /// How many commands are running, nested (0 between commands, 1 in a top-level one,
    /// more inside EXEC, scripts and served blocked clients).
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Runs `f` as a top-level command of another client, in the middle of a running
    /// one: a request served while a script is busy (Redis's
    /// `processEventsWhileBlocked`) is counted and slow-logged as its own command, not as
    /// one the script called.
    pub fn as_top_level<T>(store: &mut Store, f: impl FnOnce(&mut Store) -> T) -> T {
        let o = &mut store.observer;
        let saved = (
            std::mem::take(&mut o.depth),
            o.top.take(),
            std::mem::take(&mut o.inner_errors),
        );
        let out = f(store);
        let o = &mut store.observer;
        (o.depth, o.top, o.inner_errors) = saved;
        out
    }
}

impl Clone for Observer {
    /// A cloned store starts with fresh statistics and no monitors.
    fn clone(&self) -> Self {
        Observer::default()
    }
}

impl Observer {
    /// CONFIG RESETSTAT: zeroes the command and error statistics.
    pub fn reset_stats(&mut self) {
        self.commands.clear();
        self.errors.clear();
        self.total_error_replies = 0;
    }

    fn count_error(&mut self, e: &Error) {
        self.total_error_replies += 1;
        let msg = e.message();
        let head = &msg.as_bytes()[..msg.len().min(32)];
        let code = match head.iter().position(|&b| b == b' ') {
            Some(n) if n > 0 => &msg[..n],
            _ => "ERR",
        };
        match self.errors.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                // Redis stops adding codes past 128 distinct ones (ERROR_STATS_NUMBER).
                if self.errors.len() < 128 {
                    self.errors.insert(code.to_string(), 1);
                }
            }
        }
        if self.depth > 0 {
            self.inner_errors.push(msg.to_string());
        }
    }

    fn stat(&mut self, name: &str) -> &mut CommandStat {
        let i = self.commands.named(name, None);
        self.commands.at(i)
    }

    /// The MONITOR line of client `id`'s own last command, to send after its reply.
    pub fn take_own_line(&mut self, id: u64) -> Option<String> {
        match self.own_line.take() {
            Some((c, line)) if c == id => Some(line),
            other => {
                self.own_line = other;
                None
            }
        }
    }

    /// Records a latency event of `ms` (when over `latency-monitor-threshold`).
    pub fn latency_sample(&mut self, threshold_ms: i64, event: &str, ms: u64, now_secs: u64) {
        if threshold_ms <= 0 || (ms as i64) < threshold_ms {
            return;
        }
        let ev = self.latency.entry(event.to_string()).or_default();
        ev.max = ev.max.max(ms);
        match ev.samples.back_mut() {
            Some(last) if last.0 == now_secs => last.1 = last.1.max(ms),
            _ => {
                ev.samples.push_back((now_secs, ms));
                if ev.samples.len() > 160 {
                    ev.samples.pop_front();
                }
            }
        }
    }
}

/// Called when a front end starts a command ([`crate::engine::execute`]): nothing runs
/// yet, so the nesting depth is 0 (this also recovers from a handler that panicked
/// between [`before_call`] and [`after_call`]).
#[inline]
pub fn top_level(store: &mut Store) {
    store.observer.depth = 0;
}

/// Called by the dispatcher before a handler runs (see [`after_call`]).
#[inline]
pub fn before_call(
    store: &mut Store,
    session: &Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Instant {
    let o = &mut store.observer;
    if o.depth == 0 {
        o.top = Some(spec.name);
        o.inner_errors.clear();
        if !o.monitors.is_empty() && SCRIPT_COMMANDS.contains(&spec.name) {
            // Redis feeds the scripting commands before their body runs.
            let line = monitor_line(Some(session), session.db, argv);
            feed_monitors_but(store, line, 0);
        }
    }
    store.observer.depth += 1;
    Instant::now()
}

/// The dispatcher's hook after a handler ran: commandstats, errors, latency histogram,
/// latency events, slow log, MONITOR.
pub fn after_call(
    store: &mut Store,
    session: &Session,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
    started: Instant,
    result: &Result<Value>,
) {
    let elapsed = started.elapsed();
    let o = &mut store.observer;
    o.depth = o.depth.saturating_sub(1);
    let nested = o.depth > 0;
    let replied;
    let error = match result {
        Err(e) => Some(e),
        Ok(Value::Error(m)) => {
            replied = Error::from_reply(m.clone());
            Some(&replied)
        }
        _ => None,
    };
    // A command without subcommands that ran before has its record by spec: no
    // container check, no name lookup.
    let known = o.commands.of_spec(spec);
    let sub = match known {
        Some(_) => Some(None),
        None => subcommand(spec, argv),
    };
    // A container's unknown subcommand or wrong subcommand arity is a lookup refusal in
    // Redis: counted as rejected (arity) or not at all (unknown).
    let mut rejected = false;
    if let Some(e) = error {
        let already = !nested && o.inner_errors.iter().any(|m| e.message().starts_with(m));
        if !already {
            o.count_error(e);
        }
        if matches!(sub, Some(Some(_)) | None) {
            rejected = e.kind() == ErrorKind::UnknownCommand
                || e.message()
                    .starts_with("ERR wrong number of arguments for '");
        }
    }
    let name = match &sub {
        Some(Some((full, _))) => Some(full.as_str()),
        Some(None) => Some(spec.name),
        None if argv.len() < 2 => Some(spec.name),
        None => None,
    };
    let us = elapsed.as_micros() as u64;
    let unknown_sub = error.is_some_and(|e| e.kind() == ErrorKind::UnknownCommand);
    if let (Some(name), false) = (name, unknown_sub) {
        let tracking = store.config.latency_tracking;
        // A blocked client's command served later (re-run by `blocking::serve_ready`) was
        // counted when it blocked: Redis counts a blocking command once (its served or
        // failed outcome included, `updateStatsOnUnblock`).
        let rerun = store.blocking.serving_key().is_some();
        let stats = &mut store.observer.commands;
        let i = match known {
            Some(i) => i,
            None => stats.named(name, matches!(sub, Some(None)).then_some(spec)),
        };
        let st = stats.at(i);
        if rejected {
            st.rejected_calls += 1;
        } else {
            st.calls += u64::from(!rerun);
            st.usec += us;
            if error.is_some() {
                st.failed_calls += 1;
            }
            if tracking {
                st.latency.record(elapsed.as_nanos().max(1) as u64);
            }
        }
    }
    if rejected {
        return;
    }
    let top = store.observer.top;
    if !nested {
        store.observer.inner_errors.clear();
        store.observer.top = None;
    }
    // (Only the slow log and MONITOR ask.)
    let in_script = || nested && top.is_some_and(|t| SCRIPT_COMMANDS.contains(&t));
    // Latency monitor: "command" / "fast-command" events.
    let threshold = store.config.latency_monitor_threshold;
    if threshold > 0 && us / 1000 >= threshold as u64 {
        let now_us = unix_us();
        let event = if spec.has(flags::FAST) {
            "fast-command"
        } else {
            "command"
        };
        store
            .observer
            .latency_sample(threshold, event, us / 1000, now_us / 1_000_000);
    }
    // Slow log.
    let slower = store.config.slowlog_log_slower_than;
    if slower >= 0 && us >= slower as u64 && spec.name != "exec" && session.block.is_none() {
        let now_us = unix_us();
        let args = slowlog_args(spec, argv);
        let (addr, cname) = if in_script() {
            ("?:0".to_string(), Vec::new())
        } else {
            (
                session
                    .link
                    .as_ref()
                    .map(|l| l.me.addr.clone())
                    .unwrap_or_default(),
                session.name.clone().unwrap_or_default(),
            )
        };
        let max = store.config.slowlog_max_len.max(0) as usize;
        let o = &mut store.observer;
        let id = o.slowlog_next_id;
        o.slowlog_next_id += 1;
        o.slowlog.push_front(SlowEntry {
            id,
            time: now_us / 1_000_000,
            duration: us,
            args,
            addr,
            name: cname,
        });
        o.slowlog.truncate(max);
    }
    // MONITOR (scripting commands were fed before they ran).
    let admin = match &sub {
        Some(Some((_, admin))) => *admin,
        _ => spec.has(flags::ADMIN),
    };
    if !store.observer.monitors.is_empty()
        && !admin
        && !spec.has(flags::SKIP_MONITOR)
        && !SCRIPT_COMMANDS.contains(&spec.name)
    {
        let line = monitor_line((!in_script()).then_some(session), session.db, argv);
        if session.monitor && !nested {
            store.observer.own_line = Some((session.id, line.clone()));
            let id = session.id;
            feed_monitors_but(store, line, id);
        } else {
            feed_monitors_but(store, line, 0);
        }
    }
}

/// The dispatcher's hook for a command refused before it ran (Redis `rejectCommand`):
/// counts the error, and `rejected_calls` of the command when it is known.
pub fn after_reject(
    store: &mut Store,
    spec: Option<&'static CommandSpec>,
    argv: Option<&[&[u8]]>,
    e: &Error,
) {
    store.observer.count_error(e);
    if let Some(spec) = spec {
        let name = match argv {
            Some(argv) => stat_name(spec, argv),
            None => Some(spec.name.to_string()),
        };
        if let Some(name) = name {
            store.observer.stat(&name).rejected_calls += 1;
        }
    }
}

/// A command a script called was refused before it ran (Redis `scriptCall`'s error path,
/// `incrCommandStatsOnError(cmd, ERROR_COMMAND_REJECTED)`): its `rejected_calls`. The
/// caller counts the error ([`count_error`]).
pub fn rejected_in_script(store: &mut Store, spec: &CommandSpec, argv: &[&[u8]]) {
    if let Some(name) = stat_name(spec, argv) {
        store.observer.stat(&name).rejected_calls += 1;
    }
}

/// Counts a command a front end answered without the store while a script was busy
/// (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN: see [`crate::engine::busy`]),
/// once the script ended: a call, failed with `error`, as Redis counts it.
pub fn count_answered(store: &mut Store, name: &str, error: Option<&Error>) {
    if let Some(e) = error {
        store.observer.count_error(e);
    }
    let st = store.observer.stat(name);
    st.calls += 1;
    if error.is_some() {
        st.failed_calls += 1;
    }
}

/// Counts the error a blocked client gets when CLIENT UNBLOCK ends its wait with ERROR:
/// the error, and a failed call of its command `cmd` (counted as a call when it blocked).
/// Redis also counts CLIENT UNBLOCK itself as failed: the error reply was produced while
/// it ran (`call()` compares the error count before and after).
pub fn count_failed_unblock(store: &mut Store, cmd: &[u8], e: &Error) {
    store.observer.count_error(e);
    if let Some(spec) = store.table().get(cmd) {
        store.observer.stat(spec.name).failed_calls += 1;
    }
    store.observer.stat("client|unblock").failed_calls += 1;
}

/// Counts an error reply produced outside the dispatcher (a script's own error, a front
/// end's refusal).
pub fn count_error(store: &mut Store, e: &Error) {
    store.observer.count_error(e);
}

fn unix_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Which arguments Redis redacts (`redactClientCommandArgument`): AUTH's, HELLO's after
/// AUTH, ACL SETUSER's after the name, MIGRATE's after AUTH/AUTH2, CONFIG SET's value of
/// `requirepass` and `masterauth`.
pub fn redacted(spec_name: &str, argv: &[&[u8]]) -> Vec<bool> {
    let mut r = vec![false; argv.len()];
    let is = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    match spec_name {
        "auth" => r.iter_mut().skip(1).for_each(|x| *x = true),
        "hello" => {
            let mut i = 2;
            while i < argv.len() {
                if is(i, "auth") && i + 2 < argv.len() {
                    r[i + 1] = true;
                    r[i + 2] = true;
                    i += 3;
                } else if is(i, "setname") {
                    i += 2;
                } else {
                    i += 1;
                }
            }
        }
        "acl" if is(1, "setuser") => r.iter_mut().skip(2).for_each(|x| *x = true),
        "migrate" => {
            let mut i = 6;
            while i < argv.len() {
                if is(i, "auth") && i + 1 < argv.len() {
                    r[i + 1] = true;
                    i += 2;
                } else if is(i, "auth2") && i + 2 < argv.len() {
                    r[i + 1] = true;
                    r[i + 2] = true;
                    i += 3;
                } else if is(i, "keys") {
                    break;
                } else {
                    i += 1;
                }
            }
        }
        "config" if is(1, "set") => {
            let mut i = 2;
            while i + 1 < argv.len() {
                if is(i, "requirepass") || is(i, "masterauth") {
                    r[i + 1] = true;
                }
                i += 2;
            }
        }
        _ => {}
    }
    r
}

const REDACTED: &[u8] = b"(redacted)";

/// A slow log entry's arguments (Redis `slowlogCreateEntry`): at most 32, the last of them
/// `... (N more arguments)` when there are more; each cut to 128 bytes plus
/// `... (N more bytes)`; secrets redacted.
pub fn slowlog_args(spec: &CommandSpec, argv: &[&[u8]]) -> Vec<Vec<u8>> {
    let red = redacted(spec.name, argv);
    let n = argv.len().min(SLOWLOG_MAX_ARGC);
    let mut out = Vec::with_capacity(n);
    for (j, a) in argv.iter().take(n).enumerate() {
        if n != argv.len() && j == n - 1 {
            out.push(
                format!("... ({} more arguments)", argv.len() - SLOWLOG_MAX_ARGC + 1).into_bytes(),
            );
        } else if red[j] {
            out.push(REDACTED.to_vec());
        } else if a.len() > SLOWLOG_MAX_STRING {
            let mut v = a[..SLOWLOG_MAX_STRING].to_vec();
            v.extend_from_slice(
                format!("... ({} more bytes)", a.len() - SLOWLOG_MAX_STRING).as_bytes(),
            );
            out.push(v);
        } else {
            out.push(a.to_vec());
        }
    }
    out
}

/// A MONITOR line (Redis `replicationFeedMonitors`): `+<secs>.<µs> [<db> <addr>]
/// "arg" …` with each argument quoted as `sdscatrepr` does, secrets redacted; `addr` is
/// `lua` for a script's commands, `unix:<path>` over a Unix socket.
pub fn monitor_line(session: Option<&Session>, db: usize, argv: &[&[u8]]) -> String {
    let name = argv
        .first()
        .map(|n| String::from_utf8_lossy(n).to_ascii_lowercase())
        .unwrap_or_default();
    let red = redacted(&name, argv);
    let now = unix_us();
    let addr = match session.map(|s| s.link.as_ref()) {
        Some(Some(l)) if l.me.unix => format!("unix:{}", l.me.addr.trim_end_matches(":0")),
        Some(Some(l)) => l.me.addr.clone(),
        Some(None) => "embedded".into(),
        None => "lua".into(),
    };
    let mut line = format!(
        "+{}.{:06} [{} {}]",
        now / 1_000_000,
        now % 1_000_000,
        db,
        addr
    );
    for (i, a) in argv.iter().enumerate() {
        line.push(' ');
        if red[i] {
            line.push_str("\"(redacted)\"");
        } else {
            push_repr(&mut line, a);
        }
    }
    line.push_str("\r\n");
    line
}

/// Sends a line to every monitor but client `skip`'s (0: none skipped). A monitor is a
/// replica to Redis: one whose unsent lines pass the hard `slave` limit of
/// `client-output-buffer-limit` is closed (the soft limit is not applied).
fn feed_monitors_but(store: &mut Store, text: String, skip: u64) {
    let hard = store.config.client_output_buffer_limit.replica.hard;
    store.observer.monitors.retain(|(id, m)| match m {
        MonitorSink::Mailbox(..) if skip != 0 && *id == skip => true,
        MonitorSink::Mailbox(mb, entry) => {
            if mb.is_closed() || Arc::strong_count(mb) == 1 {
                return false;
            }
            if hard != 0 && mb.queued_bytes() as u64 >= hard {
                if let Some(e) = entry {
                    e.kill();
                }
                return false;
            }
            mb.push_encoded(text.as_bytes().to_vec());
            true
        }
        MonitorSink::Channel(tx) => {
            let line = text.trim_start_matches('+').trim_end_matches("\r\n");
            tx.send(line.to_string()).is_ok()
        }
    });
}

/// Appends `bytes` quoted as Redis's `sdscatrepr`: `"…"` with `\\`, `\"`, `\n`, `\r`,
/// `\t`, `\a`, `\b` escaped, other printable ASCII as is, anything else as `\xHH`.
pub fn push_repr(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_found_by_their_name_word() {
        assert_eq!(
            name_word(b"function"),
            Some(u64::from_le_bytes(*b"function"))
        );
        assert_eq!(name_word(b"functions"), None);
        let long = CommandSpec::new("georadius_ro", -6, 0, (1, 1, 1), "geo", |_, _| {
            Ok(Value::Nil)
        });
        let args: &[&[u8]] = &[b"georadius_ro", b"k"];
        assert_eq!(stat_name(&long, args).as_deref(), Some("georadius_ro"));
        let config = CommandSpec::new("config", -2, 0, (0, 0, 0), "server", |_, _| Ok(Value::Nil));
        let get: &[&[u8]] = &[b"CONFIG", b"GET", b"x"];
        assert_eq!(stat_name(&config, get).as_deref(), Some("config|get"));
        let xinfo = CommandSpec::new("xinfo", -2, 0, (0, 0, 0), "stream", |_, _| Ok(Value::Nil));
        let help: &[&[u8]] = &[b"xinfo", b"help"];
        assert_eq!(stat_name(&xinfo, help).as_deref(), Some("xinfo|help"));
        let get_spec = CommandSpec::new("get", 2, 0, (1, 1, 1), "string", |_, _| Ok(Value::Nil));
        assert_eq!(
            stat_name(&get_spec, &[b"get", b"k"]).as_deref(),
            Some("get")
        );
    }

    #[test]
    fn repr_as_sdscatrepr() {
        let mut s = String::new();
        push_repr(&mut s, b"a b\"c\\n\x01\n\xff");
        assert_eq!(s, r#""a b\"c\\n\x01\n\xff""#);
    }

    #[test]
    fn slowlog_args_truncate_as_redis() {
        let spec = CommandSpec::new("set", -3, 0, (1, 1, 1), "string", |_, _| Ok(Value::Nil));
        let long = [b'x'; 130];
        let args: Vec<&[u8]> = std::iter::repeat_n(&long[..], 40).collect();
        let out = slowlog_args(&spec, &args);
        assert_eq!(out.len(), 32);
        assert_eq!(out[31], b"... (9 more arguments)".to_vec());
        let mut want = vec![b'x'; 128];
        want.extend_from_slice(b"... (2 more bytes)");
        assert_eq!(out[0], want);
        let auth = CommandSpec::new("auth", -2, 0, (0, 0, 0), "connection", |_, _| {
            Ok(Value::Nil)
        });
        let out = slowlog_args(&auth, &[b"AUTH", b"u", b"p"]);
        assert_eq!(
            out,
            vec![b"AUTH".to_vec(), REDACTED.to_vec(), REDACTED.to_vec()]
        );
    }

    #[test]
    fn histogram_percentiles_are_close() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v * 1000);
        }
        let p50 = h.percentile(50.0);
        assert!((p50 - 500_000.0).abs() / 500_000.0 < 0.03, "{p50}");
        let p99 = h.percentile(99.0);
        assert!((p99 - 990_000.0).abs() / 990_000.0 < 0.03, "{p99}");
    }
}

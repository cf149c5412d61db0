//! The server configuration: one typed field per parameter ([`Config`]) and one table
//! describing every parameter ([`TABLE`]): its name and alias, kind, default text, flags,
//! validation and where its value lives.
//!
//! A value is parsed once, when it is set (CONFIG SET, the server's startup flags, the
//! table's default): readers use the typed field (`config.timeout`,
//! `config.client_output_buffer_limit.pubsub`, `config.requirepass()`), never text.
//! CONFIG GET/SET/RESETSTAT (`crate::admin::config`), INFO and the server all go through
//! this module, and the texts of its errors are Redis 7.0's.
//!
//! This module sits at the bottom of the layout with `error` and `util` (the only modules
//! it imports), so `types/` can read the encoding thresholds and `engine`, `pubsub` and the
//! server their limits.
//!
//! # Adding a parameter
//!
//! Add a typed field to [`Config`] (and to `Config::blank`) and one row to [`TABLE`]
//! (`table.rs`). The row's default text is what [`Config::default`] applies, so the unit
//! tests check every row's default parses and reads back through CONFIG GET. A parameter
//! that emu accepts and reports but does not act on says so in a comment on its row.

pub mod oom;
mod table;
mod values;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

pub use table::TABLE;
pub use values::{format_percentile, memtoull, notify_flags_from_str, notify_flags_to_string};

/// Text-valued parameters. The table's defaults are borrowed, so cloning a [`Config`]
/// (some handlers do, per call) allocates nothing until a text parameter is set.
pub type Text = Cow<'static, str>;

/// Why a value was refused: Redis's reason text, the part of `ERR CONFIG SET failed
/// (possibly related to argument '…') - <reason>` after the dash.
pub type Reason = Cow<'static, str>;

/// Keyspace-notification classes (Redis `NOTIFY_*`): the parsed form of
/// `notify-keyspace-events`, used with `Ctx::modified`/`Ctx::notify`.
pub mod notify {
    /// K
    pub const KEYSPACE: u32 = 1 << 0;
    /// E
    pub const KEYEVENT: u32 = 1 << 1;
    /// g
    pub const GENERIC: u32 = 1 << 2;
    /// $
    pub const STRING: u32 = 1 << 3;
    /// l
    pub const LIST: u32 = 1 << 4;
    /// s
    pub const SET: u32 = 1 << 5;
    /// h
    pub const HASH: u32 = 1 << 6;
    /// z
    pub const ZSET: u32 = 1 << 7;
    /// x
    pub const EXPIRED: u32 = 1 << 8;
    /// e
    pub const EVICTED: u32 = 1 << 9;
    /// t (accepted and shown; emu has no streams yet, so never fired)
    pub const STREAM: u32 = 1 << 10;
    /// m
    pub const KEY_MISS: u32 = 1 << 11;
    /// d (accepted and shown; never fired: emu has no modules)
    pub const MODULE: u32 = 1 << 13;
    /// n
    pub const NEW: u32 = 1 << 14;
}

/// Defines a parameter's enum: its variants, the words CONFIG SET accepts (in Redis's
/// order, which its error text lists) and the word CONFIG GET shows.
macro_rules! config_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vm])* $variant,)+
        }

        impl $name {
            /// The accepted words, in Redis's order.
            pub const NAMES: &'static [&'static str] = &[$($text,)+];
            const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The word CONFIG GET and INFO show.
            pub fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            fn from_index(i: usize) -> $name {
                Self::ALL[i]
            }
        }
    };
}

config_enum! {
    /// `maxmemory-policy`.
    MaxmemoryPolicy {
        /// volatile-lru
        VolatileLru = "volatile-lru",
        /// volatile-lfu
        VolatileLfu = "volatile-lfu",
        /// volatile-random
        VolatileRandom = "volatile-random",
        /// volatile-ttl
        VolatileTtl = "volatile-ttl",
        /// allkeys-lru
        AllkeysLru = "allkeys-lru",
        /// allkeys-lfu
        AllkeysLfu = "allkeys-lfu",
        /// allkeys-random
        AllkeysRandom = "allkeys-random",
        /// noeviction
        Noeviction = "noeviction",
    }
}

config_enum! {
    /// `oom-score-adj`: whether and how the process's `/proc/self/oom_score_adj` follows
    /// `oom-score-adj-values` (see [`oom`]).
    OomScoreAdj {
        /// no: left alone (the value found is restored if emu changed it).
        No = "no",
        /// yes: as `relative` (CONFIG GET shows `yes`, as Redis).
        Yes = "yes",
        /// relative: the class's value added to the score the process had.
        Relative = "relative",
        /// absolute: the class's value.
        Absolute = "absolute",
    }
}

impl MaxmemoryPolicy {
    /// An LRU policy (Redis `MAXMEMORY_FLAG_LRU`).
    pub fn is_lru(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLru | MaxmemoryPolicy::AllkeysLru
        )
    }

    /// An LFU policy (Redis `MAXMEMORY_FLAG_LFU`): keys carry an access-frequency counter.
    pub fn is_lfu(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu
        )
    }

    /// Evicts among all keys rather than only those with a TTL
    /// (Redis `MAXMEMORY_FLAG_ALLKEYS`).
    pub fn is_allkeys(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::AllkeysLru
                | MaxmemoryPolicy::AllkeysLfu
                | MaxmemoryPolicy::AllkeysRandom
        )
    }
}

config_enum! {
    /// `appendfsync`.
    Fsync {
        /// everysec
        Everysec = "everysec",
        /// always
        Always = "always",
        /// no
        No = "no",
    }
}

config_enum! {
    /// `loglevel`.
    LogLevel {
        /// debug
        Debug = "debug",
        /// verbose
        Verbose = "verbose",
        /// notice
        Notice = "notice",
        /// warning
        Warning = "warning",
    }
}

config_enum! {
    /// `enable-debug-command`, `enable-protected-configs`, `enable-module-command` (Redis's
    /// `protected_action_enum`): who may use a protected action. Startup only (immutable).
    /// The rule itself is `crate::engine::Session::allows`.
    ProtectedAction {
        /// no: nobody (except embedded callers, see `Session::allows`).
        No = "no",
        /// yes: every client.
        Yes = "yes",
        /// local: loopback and Unix-socket connections (and embedded callers).
        Local = "local",
    }
}

config_enum! {
    /// `sanitize-dump-payload`: when RESTORE payloads get the deep integrity check. emu
    /// always checks every payload fully (a malformed one is refused, never trusted), so
    /// the setting is accepted and reported but every value behaves like `yes`.
    SanitizeDump {
        /// no
        No = "no",
        /// yes
        Yes = "yes",
        /// clients
        Clients = "clients",
    }
}

/// One `save <seconds> <changes>` point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavePoint {
    /// Seconds.
    pub seconds: i64,
    /// Changes (a C `int` in Redis, so wider input wraps as it does there).
    pub changes: i32,
}

/// One client class's output buffer limit (`<hard> <soft> <soft seconds>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObufLimit {
    /// Hard limit in bytes (0 = none).
    pub hard: u64,
    /// Soft limit in bytes (0 = none).
    pub soft: u64,
    /// How long the soft limit may be exceeded, in seconds.
    pub soft_secs: u64,
}

/// Which limit of a class an output buffer reached (see [`ObufLimit::reached`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObufReached {
    /// At or over the hard limit.
    Hard,
    /// Over the soft limit for longer than its seconds.
    Soft,
}

impl ObufLimit {
    /// Redis's `checkClientOutputBufferLimits` for `used` bytes: the hard limit at once,
    /// the soft limit once it has been reached continuously for more than `soft_secs`
    /// (on a monotonic clock, where Redis compares whole Unix seconds; `soft_since`, the client's own clock of that, is kept here).
    pub fn reached(
        &self,
        used: u64,
        soft_since: &mut Option<std::time::Instant>,
    ) -> Option<ObufReached> {
        if self.hard != 0 && used >= self.hard {
            return Some(ObufReached::Hard);
        }
        if self.soft == 0 || used < self.soft {
            *soft_since = None;
            return None;
        }
        let now = std::time::Instant::now();
        match *soft_since {
            None => {
                *soft_since = Some(now);
                None
            }
            Some(t) => (now.duration_since(t) > std::time::Duration::from_secs(self.soft_secs))
                .then_some(ObufReached::Soft),
        }
    }
}

/// `client-output-buffer-limit`, per client class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObufLimits {
    /// `normal`: enforced by the server on every client's unsent replies.
    pub normal: ObufLimit,
    /// `slave` (also accepted as `replica`): enforced on each replica link's queued stream
    /// (see `crate::engine::repl`).
    pub replica: ObufLimit,
    /// `pubsub`: enforced on every subscriber's mailbox (see `crate::pubsub`) and unsent
    /// replies.
    pub pubsub: ObufLimit,
}

/// Every parameter's current value, typed. Field docs name the parameter; the table rows
/// say which ones emu only stores and reports.
#[derive(Clone, Debug)]
pub struct Config {
    /// `databases`
    pub databases: usize,
    /// `maxmemory` (bytes)
    pub maxmemory: u64,
    /// `maxmemory-clients`: bytes, or minus a percentage of `maxmemory` (0: no limit); see
    /// [`Config::client_eviction_limit`].
    pub maxmemory_clients: i64,
    /// `maxmemory-policy`
    pub maxmemory_policy: MaxmemoryPolicy,
    /// `maxmemory-samples`
    pub maxmemory_samples: i64,
    /// `maxmemory-eviction-tenacity`
    pub maxmemory_eviction_tenacity: i64,
    /// `save`
    pub save: Vec<SavePoint>,
    /// `appendonly`
    pub appendonly: bool,
    /// `appendfsync`
    pub appendfsync: Fsync,
    /// `appendfilename`
    pub appendfilename: Text,
    /// `aclfile` (empty: none): the file ACL LOAD and ACL SAVE use.
    pub aclfile: Text,
    /// `dbfilename`
    pub dbfilename: Text,
    /// `dir`
    pub dir: Text,
    /// `notify-keyspace-events`, as flag bits (see [`notify`]).
    pub notify_keyspace_events: u32,
    /// `hash-max-listpack-entries`
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`
    pub set_max_intset_entries: usize,
    /// `zset-max-listpack-entries`
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`
    pub zset_max_listpack_value: usize,
    /// `hll-sparse-max-bytes`
    pub hll_sparse_max_bytes: usize,
    /// `list-max-listpack-size`
    pub list_max_listpack_size: i64,
    /// `list-compress-depth`
    pub list_compress_depth: i64,
    /// `proto-max-bulk-len`
    pub proto_max_bulk_len: u64,
    /// `client-query-buffer-limit`
    pub client_query_buffer_limit: u64,
    /// `requirepass` (empty: no password; read it with [`Config::requirepass`]).
    pub requirepass: Text,
    /// `timeout` (seconds; 0 = never)
    pub timeout: u64,
    /// `port`
    pub port: u16,
    /// `bind`
    pub bind: Text,
    /// `unixsocket`
    pub unixsocket: Text,
    /// `maxclients`
    pub maxclients: u32,
    /// `tcp-keepalive`
    pub tcp_keepalive: i64,
    /// `tcp-backlog`
    pub tcp_backlog: i64,
    /// `loglevel`
    pub loglevel: LogLevel,
    /// `hz` (kept within 1..=500 as Redis does)
    pub hz: i64,
    /// `activerehashing`
    pub activerehashing: bool,
    /// `active-expire-effort`
    pub active_expire_effort: i64,
    /// `busy-reply-threshold` (milliseconds)
    pub busy_reply_threshold: i64,
    /// `slowlog-log-slower-than` (microseconds; -1 disables, 0 logs everything)
    pub slowlog_log_slower_than: i64,
    /// `slowlog-max-len`
    pub slowlog_max_len: i64,
    /// `latency-monitor-threshold`
    pub latency_monitor_threshold: i64,
    /// `latency-tracking`: per-command latency histograms (LATENCY HISTOGRAM, INFO
    /// latencystats).
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`.
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// `lazyfree-lazy-eviction`
    pub lazyfree_lazy_eviction: bool,
    /// `lazyfree-lazy-expire`
    pub lazyfree_lazy_expire: bool,
    /// `lazyfree-lazy-server-del`
    pub lazyfree_lazy_server_del: bool,
    /// `lazyfree-lazy-user-del`
    pub lazyfree_lazy_user_del: bool,
    /// `lazyfree-lazy-user-flush`
    pub lazyfree_lazy_user_flush: bool,
    /// `stream-node-max-bytes`
    pub stream_node_max_bytes: u64,
    /// `stream-node-max-entries`
    pub stream_node_max_entries: i64,
    /// `lfu-log-factor`
    pub lfu_log_factor: i64,
    /// `lfu-decay-time`
    pub lfu_decay_time: i64,
    /// `tracking-table-max-keys`
    pub tracking_table_max_keys: u64,
    /// `protected-mode`
    pub protected_mode: bool,
    /// `daemonize`
    pub daemonize: bool,
    /// `io-threads`
    pub io_threads: i64,
    /// `rdbcompression`
    pub rdbcompression: bool,
    /// `sanitize-dump-payload`
    pub sanitize_dump_payload: SanitizeDump,
    /// `rdbchecksum`
    pub rdbchecksum: bool,
    /// `stop-writes-on-bgsave-error`
    pub stop_writes_on_bgsave_error: bool,
    /// `aof-use-rdb-preamble`
    pub aof_use_rdb_preamble: bool,
    /// `replica-read-only`
    pub replica_read_only: bool,
    /// `replica-serve-stale-data`: off, a replica whose link is not up answers commands not
    /// flagged `stale` with MASTERDOWN.
    pub replica_serve_stale_data: bool,
    /// `cluster-enabled`
    pub cluster_enabled: bool,
    /// `client-output-buffer-limit`
    pub client_output_buffer_limit: ObufLimits,
    /// `repl-backlog-ttl` (seconds; 0 = never): the replication backlog is freed after this
    /// long without replicas (see `crate::engine::repl`).
    pub repl_backlog_ttl: i64,
    /// `repl-timeout` (seconds): an online replica silent (no REPLCONF ACK) for longer is
    /// dropped.
    pub repl_timeout: i64,
    /// `min-replicas-to-write` (0 = off): writes are refused with NOREPLICAS when fewer
    /// replicas are good.
    pub min_replicas_to_write: i64,
    /// `min-replicas-max-lag` (seconds; 0 = off): a good replica acknowledged within this.
    pub min_replicas_max_lag: i64,
    /// `repl-diskless-sync-delay` (seconds): how long a full sync waits for more replicas
    /// to share its RDB.
    pub repl_diskless_sync_delay: i64,
    /// `repl-diskless-sync-max-replicas` (0 = no limit): a full sync starts before the
    /// delay once this many replicas wait.
    pub repl_diskless_sync_max_replicas: i64,
    /// `enable-protected-configs`: who may CONFIG SET the protected parameters.
    pub enable_protected_configs: ProtectedAction,
    /// `enable-debug-command`: who may run DEBUG.
    pub enable_debug_command: ProtectedAction,
    /// `enable-module-command`: who may run MODULE LOAD / LOADEX / UNLOAD.
    pub enable_module_command: ProtectedAction,
    /// Values of the stored-only parameters (replication, cluster, TLS, defrag, …) that were
    /// set, by name, in the form CONFIG GET shows; a parameter not here has its default.
    /// Shared until written, so cloning a `Config` stays cheap.
    pub stored: std::sync::Arc<std::collections::BTreeMap<&'static str, String>>,
    /// Not a parameter: DEBUG SET-ACTIVE-EXPIRE 0 turns the reclaiming of expired keys in
    /// the background off (keys still expire when accessed), as Redis's
    /// `server.active_expire_enabled`.
    pub active_expire_enabled: bool,
    /// `oom-score-adj` (`relative` is kept as `Yes`, which it means).
    pub oom_score_adj: OomScoreAdj,
    /// `oom-score-adj-values`: the master, replica and background-child scores.
    pub oom_score_adj_values: [i32; 3],
}

impl Default for Config {
    /// Every parameter at its default: the row's default text set through the table, so the
    /// table is the one place a default is written.
    fn default() -> Config {
        let mut cfg = Config::blank();
        for spec in TABLE {
            spec.set_default(&mut cfg);
        }
        cfg
    }
}

impl Config {
    /// The client memory limit `maxmemory-clients` sets, in bytes (Redis
    /// `getClientEvictionLimit`): 0 when off (also a percentage while `maxmemory` is 0),
    /// never below 128 KiB.
    pub fn client_eviction_limit(&self) -> u64 {
        let bytes = match self.maxmemory_clients {
            0 => return 0,
            n if n < 0 => {
                if self.maxmemory == 0 {
                    return 0;
                }
                (self.maxmemory as f64 * (-n) as f64 / 100.0) as u64
            }
            n => n as u64,
        };
        bytes.max(128 * 1024)
    }

    /// Placeholder values, overwritten by every row's default in [`Config::default`].
    fn blank() -> Config {
        let none = ObufLimit {
            hard: 0,
            soft: 0,
            soft_secs: 0,
        };
        Config {
            active_expire_enabled: true,
            oom_score_adj: OomScoreAdj::No,
            oom_score_adj_values: [0; 3],
            stored: Default::default(),
            databases: 0,
            maxmemory: 0,
            maxmemory_clients: 0,
            maxmemory_policy: MaxmemoryPolicy::Noeviction,
            maxmemory_samples: 0,
            maxmemory_eviction_tenacity: 0,
            save: Vec::new(),
            appendonly: false,
            appendfsync: Fsync::Everysec,
            appendfilename: Text::Borrowed(""),
            aclfile: Text::Borrowed(""),
            dbfilename: Text::Borrowed(""),
            dir: Text::Borrowed(""),
            notify_keyspace_events: 0,
            hash_max_listpack_entries: 0,
            hash_max_listpack_value: 0,
            set_max_intset_entries: 0,
            zset_max_listpack_entries: 0,
            zset_max_listpack_value: 0,
            hll_sparse_max_bytes: 0,
            list_max_listpack_size: 0,
            list_compress_depth: 0,
            proto_max_bulk_len: 0,
            client_query_buffer_limit: 0,
            requirepass: Text::Borrowed(""),
            timeout: 0,
            port: 0,
            bind: Text::Borrowed(""),
            unixsocket: Text::Borrowed(""),
            maxclients: 0,
            tcp_keepalive: 0,
            tcp_backlog: 0,
            loglevel: LogLevel::Notice,
            hz: 0,
            activerehashing: false,
            active_expire_effort: 0,
            busy_reply_threshold: 0,
            slowlog_log_slower_than: 0,
            slowlog_max_len: 0,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: Vec::new(),
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            stream_node_max_bytes: 0,
            stream_node_max_entries: 0,
            lfu_log_factor: 0,
            lfu_decay_time: 0,
            tracking_table_max_keys: 0,
            protected_mode: false,
            daemonize: false,
            io_threads: 0,
            rdbcompression: false,
            sanitize_dump_payload: SanitizeDump::No,
            rdbchecksum: false,
            stop_writes_on_bgsave_error: false,
            aof_use_rdb_preamble: false,
            replica_read_only: false,
            replica_serve_stale_data: false,
            cluster_enabled: false,
            client_output_buffer_limit: ObufLimits {
                normal: none,
                replica: none,
                pubsub: none,
            },
            repl_backlog_ttl: 0,
            repl_timeout: 0,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 0,
            repl_diskless_sync_delay: 0,
            repl_diskless_sync_max_replicas: 0,
            enable_protected_configs: ProtectedAction::No,
            enable_debug_command: ProtectedAction::No,
            enable_module_command: ProtectedAction::No,
        }
    }

    /// The password clients must AUTH with, if one is configured (`requirepass`).
    #[inline]
    pub fn requirepass(&self) -> Option<&str> {
        Some(&*self.requirepass).filter(|p| !p.is_empty())
    }

    /// Sets parameter `name` (or its alias) as the server does from its startup flags:
    /// validated like CONFIG SET, but immutable and protected parameters are allowed.
    pub fn set_initial(&mut self, name: &str, value: &[u8]) -> Result<(), Reason> {
        let (spec, _) =
            lookup(name.as_bytes()).ok_or_else(|| format!("unknown parameter '{name}'"))?;
        spec.set(self, value)
    }
}

/// Flags of a [`ConfigSpec`].
pub mod flags {
    /// CONFIG SET refuses it: "can't set immutable config" (startup only).
    pub const IMMUTABLE: u8 = 1 << 0;
    /// CONFIG SET refuses it: "can't set protected config", unless `enable-protected-configs`
    /// allows the caller (`yes`, or `local` from a local connection).
    pub const PROTECTED: u8 = 1 << 1;
}

/// How a parameter's value is parsed, validated, stored and shown. Each kind carries the
/// accessors of its typed field.
#[derive(Clone, Copy)]
pub enum Kind {
    /// `yes` / `no` (case-insensitive).
    Bool {
        /// Reads the field.
        get: fn(&Config) -> bool,
        /// Writes the field.
        set: fn(&mut Config, bool),
    },
    /// A signed integer within `lo..=hi` (Redis's int, long, long long): `string2ll`, or
    /// with `mem` a memory amount (`memtoull`, `1gb`, `100mb`, wrapping as Redis's does),
    /// bounds compared as signed.
    Int {
        /// Lowest accepted.
        lo: i64,
        /// Highest accepted.
        hi: i64,
        /// Parsed as a memory amount.
        mem: bool,
        /// Reads the field.
        get: fn(&Config) -> i64,
        /// Writes the field.
        set: fn(&mut Config, i64),
    },
    /// An unsigned integer within `lo..=hi` (Redis's unsigned int, size_t, unsigned long
    /// long): parsed as [`Kind::Int`], bounds compared as unsigned (so `-1` is out of range).
    UInt {
        /// Lowest accepted.
        lo: u64,
        /// Highest accepted.
        hi: u64,
        /// Parsed as a memory amount.
        mem: bool,
        /// Reads the field.
        get: fn(&Config) -> u64,
        /// Writes the field.
        set: fn(&mut Config, u64),
    },
    /// One of `names` (case-insensitive), stored as the enum's index.
    Enum {
        /// Accepted words, in order.
        names: &'static [&'static str],
        /// Reads the field (index into `names`).
        get: fn(&Config) -> usize,
        /// Writes the field.
        set: fn(&mut Config, usize),
    },
    /// Any text.
    Text {
        /// Reads the field.
        get: fn(&Config) -> &str,
        /// Writes the field.
        set: fn(&mut Config, Text),
    },
    /// `save`: pairs of seconds (≥ 1) and changes (≥ 0), space-separated.
    Save,
    /// `client-output-buffer-limit`: `<class> <hard> <soft> <seconds>` groups; the classes
    /// given are replaced, the others kept.
    Obuf,
    /// `notify-keyspace-events` flag letters.
    Notify,
    /// `latency-tracking-info-percentiles`: space-separated numbers in 0..=100.
    Percentiles,
    /// `oom-score-adj-values`: three space-separated integers in -2000..=2000.
    OomValues,
    /// A memory amount or a percentage (`10%`, Redis's `PERCENT_CONFIG`), stored as Redis
    /// stores it: bytes, or minus the percentage.
    MemOrPercent {
        /// Reads the field.
        get: fn(&Config) -> i64,
        /// Writes the field.
        set: fn(&mut Config, i64),
    },
    /// A stored-only yes/no parameter (kept as text in [`Config::stored`]).
    StoredBool,
    /// A stored-only integer within `lo..=hi` (`mem`: memory amount), kept as text.
    StoredInt {
        /// Lowest accepted.
        lo: i64,
        /// Highest accepted.
        hi: i64,
        /// Parsed as a memory amount.
        mem: bool,
    },
    /// A stored-only choice among `names`; `multi`: several space-separated words.
    StoredEnum {
        /// Accepted words, in Redis's order.
        names: &'static [&'static str],
        /// Several words allowed (`shutdown-on-sigint save now`).
        multi: bool,
    },
    /// Stored-only free text.
    StoredText,
}

/// One parameter: a row of [`TABLE`].
#[derive(Clone, Copy)]
pub struct ConfigSpec {
    /// Name (lowercase).
    pub name: &'static str,
    /// Other name accepted by CONFIG GET/SET (an entry of its own, as in Redis).
    pub alias: Option<&'static str>,
    /// [`flags`].
    pub flags: u8,
    /// Default, as CONFIG SET would take it.
    pub default: &'static str,
    /// Parsing, validation and storage.
    pub kind: Kind,
}

impl ConfigSpec {
    const fn new(name: &'static str, default: &'static str, kind: Kind) -> ConfigSpec {
        ConfigSpec {
            name,
            alias: None,
            flags: 0,
            default,
            kind,
        }
    }

    const fn alias(mut self, alias: &'static str) -> ConfigSpec {
        self.alias = Some(alias);
        self
    }

    const fn immutable(mut self) -> ConfigSpec {
        self.flags |= flags::IMMUTABLE;
        self
    }

    const fn protected(mut self) -> ConfigSpec {
        self.flags |= flags::PROTECTED;
        self
    }

    /// True if CONFIG SET refuses it as immutable.
    pub fn is_immutable(&self) -> bool {
        self.flags & flags::IMMUTABLE != 0
    }

    /// True if CONFIG SET refuses it as protected.
    pub fn is_protected(&self) -> bool {
        self.flags & flags::PROTECTED != 0
    }

    /// Parses and validates `value` and stores it in `cfg`'s field; on error `cfg` is
    /// unchanged and the reason is Redis's text.
    pub fn set(&self, cfg: &mut Config, value: &[u8]) -> Result<(), Reason> {
        match self.kind {
            Kind::Bool { set, .. } => set(cfg, values::parse_bool(value)?),
            Kind::Int {
                lo, hi, mem, set, ..
            } => {
                let n = values::parse_number(value, mem)? as i64;
                if n < lo || n > hi {
                    return Err(values::out_of_range(lo, hi));
                }
                set(cfg, n)
            }
            Kind::UInt {
                lo, hi, mem, set, ..
            } => {
                let n = values::parse_number(value, mem)?;
                if n < lo || n > hi {
                    return Err(values::out_of_range(lo, hi));
                }
                set(cfg, n)
            }
            Kind::Enum { names, set, .. } => set(cfg, values::parse_enum(names, value)?),
            Kind::Text { set, .. } => set(
                cfg,
                Text::Owned(String::from_utf8_lossy(value).into_owned()),
            ),
            Kind::Save => cfg.save = values::parse_save(value)?,
            Kind::Obuf => {
                values::parse_obuf(value, &mut cfg.client_output_buffer_limit)?;
            }
            Kind::Notify => cfg.notify_keyspace_events = values::parse_notify(value)?,
            Kind::MemOrPercent { set, .. } => set(cfg, values::parse_mem_or_percent(value)?),
            Kind::Percentiles => {
                cfg.latency_tracking_info_percentiles = values::parse_percentiles(value)?
            }
            Kind::OomValues => cfg.oom_score_adj_values = values::parse_oom_values(value)?,
            Kind::StoredBool
            | Kind::StoredInt { .. }
            | Kind::StoredEnum { .. }
            | Kind::StoredText => {
                let text = self.stored_text(value)?;
                if text == self.default {
                    if cfg.stored.contains_key(self.name) {
                        std::sync::Arc::make_mut(&mut cfg.stored).remove(self.name);
                    }
                } else {
                    std::sync::Arc::make_mut(&mut cfg.stored).insert(self.name, text);
                }
            }
        }
        Ok(())
    }

    /// A stored-only parameter's value checked as Redis checks it, in the form CONFIG GET
    /// shows.
    fn stored_text(&self, value: &[u8]) -> Result<String, Reason> {
        Ok(match self.kind {
            Kind::StoredBool => if values::parse_bool(value)? {
                "yes"
            } else {
                "no"
            }
            .to_string(),
            Kind::StoredInt { lo, hi, mem } => {
                let n = values::parse_number(value, mem)? as i64;
                if n < lo || n > hi {
                    return Err(values::out_of_range(lo, hi));
                }
                n.to_string()
            }
            Kind::StoredEnum { names, multi } => {
                let words: Vec<&[u8]> = if multi {
                    value
                        .split(|&c| c == b' ')
                        .filter(|w| !w.is_empty())
                        .collect()
                } else {
                    vec![value]
                };
                if words.is_empty() {
                    return Err(values::parse_enum(names, value).err().unwrap_or_default());
                }
                let mut out = Vec::new();
                for w in words {
                    out.push(names[values::parse_enum(names, w)?]);
                }
                out.join(" ")
            }
            _ => String::from_utf8_lossy(value).into_owned(),
        })
    }

    /// Sets the default (text parameters borrow it: no allocation).
    fn set_default(&self, cfg: &mut Config) {
        match self.kind {
            Kind::Text { set, .. } => set(cfg, Text::Borrowed(self.default)),
            // The default is what an absent entry reads as.
            Kind::StoredBool
            | Kind::StoredInt { .. }
            | Kind::StoredEnum { .. }
            | Kind::StoredText => {
                if cfg.stored.contains_key(self.name) {
                    std::sync::Arc::make_mut(&mut cfg.stored).remove(self.name);
                }
            }
            _ => {
                let r = self.set(cfg, self.default.as_bytes());
                debug_assert!(r.is_ok(), "default of {} is invalid: {r:?}", self.name);
            }
        }
    }

    /// The value as CONFIG GET shows it.
    pub fn get(&self, cfg: &Config) -> String {
        match self.kind {
            Kind::Bool { get, .. } => if get(cfg) { "yes" } else { "no" }.to_string(),
            Kind::Int { get, .. } => get(cfg).to_string(),
            Kind::UInt { get, .. } => get(cfg).to_string(),
            Kind::Enum { names, get, .. } => names[get(cfg)].to_string(),
            Kind::Text { get, .. } => get(cfg).to_string(),
            Kind::Save => values::format_save(&cfg.save),
            Kind::Obuf => values::format_obuf(&cfg.client_output_buffer_limit),
            Kind::Notify => notify_flags_to_string(cfg.notify_keyspace_events),
            Kind::MemOrPercent { get, .. } => match get(cfg) {
                n if n < 0 => format!("{}%", -n),
                n => n.to_string(),
            },
            Kind::Percentiles => values::format_percentiles(&cfg.latency_tracking_info_percentiles),
            Kind::OomValues => cfg.oom_score_adj_values.map(|v| v.to_string()).join(" "),
            Kind::StoredBool
            | Kind::StoredInt { .. }
            | Kind::StoredEnum { .. }
            | Kind::StoredText => cfg
                .stored
                .get(self.name)
                .cloned()
                .unwrap_or_else(|| self.default.to_string()),
        }
    }
}

/// Every name CONFIG GET/SET knows, in table order: (row, name or alias), the alias right
/// after its row's name.
pub fn entries() -> impl Iterator<Item = (&'static ConfigSpec, &'static str)> {
    TABLE
        .iter()
        .flat_map(|s| std::iter::once((s, s.name)).chain(s.alias.map(|a| (s, a))))
}

/// The row named `name` (its name or alias, case-insensitive), with the entry that matched.
pub fn lookup(name: &[u8]) -> Option<(&'static ConfigSpec, &'static str)> {
    entries().find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(name))
}

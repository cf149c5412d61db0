//! [`TABLE`]: every parameter CONFIG GET/SET knows, with Redis 7.0.15's kinds, bounds,
//! defaults (where emu's differ, the row says why) and flags.
//!
//! Rows are in the order CONFIG GET lists them. A parameter emu stores and reports but
//! does not act on is marked "stored only" with what would honour it.

use super::{
    ConfigSpec, Fsync, Kind, LogLevel, MaxmemoryPolicy, OomScoreAdj, ProtectedAction, SanitizeDump,
    Text,
};

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const LONG_MAX: i64 = i64::MAX;
const MB: i64 = 1024 * 1024;

/// `yes`/`no` parameter stored in `Config::$field`.
macro_rules! boolean {
    ($name:literal, $field:ident, $default:literal) => {
        ConfigSpec::new(
            $name,
            $default,
            Kind::Bool {
                get: |c| c.$field,
                set: |c, v| c.$field = v,
            },
        )
    };
}

/// Signed integer in `$lo..=$hi` (`mem`: memory amount) stored in `Config::$field`.
macro_rules! int {
    (@mem mem) => { true };
    (@mem) => { false };
    ($name:literal, $field:ident, $lo:expr, $hi:expr, $default:literal $(, $mem:ident)?) => {
        ConfigSpec::new(
            $name,
            $default,
            Kind::Int {
                lo: $lo,
                hi: $hi,
                mem: int!(@mem $($mem)?),
                get: |c| c.$field as i64,
                set: |c, v| c.$field = v as _,
            },
        )
    };
}

/// Unsigned integer in `$lo..=$hi` (`mem`: memory amount) stored in `Config::$field`.
macro_rules! uint {
    ($name:literal, $field:ident, $lo:expr, $hi:expr, $default:literal $(, $mem:ident)?) => {
        ConfigSpec::new(
            $name,
            $default,
            Kind::UInt {
                lo: $lo as u64,
                hi: $hi as u64,
                mem: int!(@mem $($mem)?),
                get: |c| c.$field as u64,
                set: |c, v| c.$field = v as _,
            },
        )
    };
}

/// One of `$ty::NAMES`, stored in `Config::$field`.
macro_rules! enumerated {
    ($name:literal, $field:ident, $ty:ident, $default:literal) => {
        ConfigSpec::new(
            $name,
            $default,
            Kind::Enum {
                names: $ty::NAMES,
                get: |c| c.$field as usize,
                set: |c, i| c.$field = $ty::from_index(i),
            },
        )
    };
}

/// Free text stored in `Config::$field`.
macro_rules! text {
    ($name:literal, $field:ident, $default:literal) => {
        ConfigSpec::new(
            $name,
            $default,
            Kind::Text {
                get: |c| &*c.$field,
                set: |c, v: Text| c.$field = v,
            },
        )
    };
}

/// A stored-only `yes`/`no` parameter (see [`Kind::StoredBool`]).
macro_rules! sbool {
    ($name:literal, $default:literal) => {
        ConfigSpec::new($name, $default, Kind::StoredBool)
    };
}

/// A stored-only integer in `$lo..=$hi` (`mem`: memory amount).
macro_rules! sint {
    ($name:literal, $lo:expr, $hi:expr, $default:literal $(, $mem:ident)?) => {
        ConfigSpec::new(
            $name,
            $default,
            Kind::StoredInt {
                lo: $lo,
                hi: $hi,
                mem: int!(@mem $($mem)?),
            },
        )
    };
}

/// A stored-only choice (`multi`: several words).
macro_rules! senum {
    (@multi multi) => { true };
    (@multi) => { false };
    ($name:literal, [$($w:literal),+], $default:literal $(, $multi:ident)?) => {
        ConfigSpec::new(
            $name,
            $default,
            Kind::StoredEnum {
                names: &[$($w),+],
                multi: senum!(@multi $($multi)?),
            },
        )
    };
}

/// Stored-only text.
macro_rules! stext {
    ($name:literal, $default:literal) => {
        ConfigSpec::new($name, $default, Kind::StoredText)
    };
}

const LLONG_MAX: i64 = i64::MAX;
const UINT_MAX: i64 = u32::MAX as i64;

/// Every parameter, in CONFIG GET order.
pub static TABLE: &[ConfigSpec] = &[
    int!("databases", databases, 1, INT_MAX, "16").immutable(),
    // Honoured: the memory bound eviction keeps `used_memory` under (`engine::evict`).
    uint!("maxmemory", maxmemory, 0, u64::MAX, "0", mem),
    // Honoured: client eviction (`admin::state`, `server`).
    ConfigSpec::new(
        "maxmemory-clients",
        "0",
        Kind::MemOrPercent {
            get: |c| c.maxmemory_clients,
            set: |c, v| c.maxmemory_clients = v,
        },
    ),
    // Honoured: which keys eviction picks (`engine::evict`).
    enumerated!(
        "maxmemory-policy",
        maxmemory_policy,
        MaxmemoryPolicy,
        "noeviction"
    ),
    // Honoured: keys sampled per database and eviction round.
    int!("maxmemory-samples", maxmemory_samples, 1, INT_MAX, "5"),
    // Honoured on system-clock stores: the time budget of one eviction pass (Redis's
    // `evictionTimeLimitUs`); manual-clock stores evict until done (see `engine::evict`).
    int!(
        "maxmemory-eviction-tenacity",
        maxmemory_eviction_tenacity,
        0,
        100,
        "10"
    ),
    // Honoured with a data directory: a reached save point starts a background save (a
    // compaction: snapshot and fresh log) as Redis's serverCron does (`persist::handle`).
    // Stored only without one (emu writes no dump.rdb). Default empty, as redis-server run
    // without a config file and with `--save ''`, not Redis's "3600 1 300 100 60 10000".
    ConfigSpec::new("save", "", Kind::Save),
    // Stored only: the log is turned on by opening a data directory, not by this.
    boolean!("appendonly", appendonly, "no"),
    // Honoured with a data directory: the policy the store was opened with
    // (`Builder::appendfsync` / `--appendfsync`), changed by CONFIG SET at the next batch.
    enumerated!("appendfsync", appendfsync, Fsync, "everysec"),
    // Reported only.
    text!("appendfilename", appendfilename, "appendonly.aof").immutable(),
    // Reported only.
    text!("dbfilename", dbfilename, "dump.rdb").protected(),
    // The data directory the server was started with (`--dir`); empty without one
    // (Redis shows its working directory).
    text!("dir", dir, "").protected(),
    // Honoured: keyspace notifications.
    ConfigSpec::new("notify-keyspace-events", "", Kind::Notify),
    // Honoured: hash encoding (OBJECT ENCODING, conversions).
    uint!(
        "hash-max-listpack-entries",
        hash_max_listpack_entries,
        0,
        LONG_MAX,
        "512"
    )
    .alias("hash-max-ziplist-entries"),
    uint!(
        "hash-max-listpack-value",
        hash_max_listpack_value,
        0,
        LONG_MAX,
        "64",
        mem
    )
    .alias("hash-max-ziplist-value"),
    // Honoured: set encoding.
    uint!(
        "set-max-intset-entries",
        set_max_intset_entries,
        0,
        LONG_MAX,
        "512"
    ),
    // Honoured: sorted set encoding.
    uint!(
        "zset-max-listpack-entries",
        zset_max_listpack_entries,
        0,
        LONG_MAX,
        "128"
    )
    .alias("zset-max-ziplist-entries"),
    uint!(
        "zset-max-listpack-value",
        zset_max_listpack_value,
        0,
        LONG_MAX,
        "64",
        mem
    )
    .alias("zset-max-ziplist-value"),
    // Honoured: a sparse HyperLogLog is promoted to dense past this size.
    uint!(
        "hll-sparse-max-bytes",
        hll_sparse_max_bytes,
        0,
        LONG_MAX,
        "3000",
        mem
    ),
    // Honoured: how full a list's nodes get, in memory (types::list::quick, on each push,
    // LSET and LINSERT) and in RDB output. Lists always report quicklist, as Redis 7.0 does.
    int!(
        "list-max-listpack-size",
        list_max_listpack_size,
        INT_MIN,
        INT_MAX,
        "-2"
    )
    .alias("list-max-ziplist-size"),
    // Honoured in RDB output (DUMP, `emu dump --format rdb`): inner quicklist nodes are
    // LZF-compressed as Redis keeps them; emu's own memory holds lists uncompressed.
    int!("list-compress-depth", list_compress_depth, 0, INT_MAX, "0"),
    // Honoured: the RESP parser's bulk limit and string-growing commands.
    int!(
        "proto-max-bulk-len",
        proto_max_bulk_len,
        MB,
        LONG_MAX,
        "536870912",
        mem
    ),
    // Honoured: the server closes a client whose unfinished request (or unprocessed input)
    // passes it, without a reply, as Redis does.
    uint!(
        "client-query-buffer-limit",
        client_query_buffer_limit,
        MB,
        LONG_MAX,
        "1073741824",
        mem
    ),
    // Honoured: AUTH, NOAUTH, the unauthenticated protocol limits.
    text!("requirepass", requirepass, ""),
    // Honoured: the ACL file of `emu serve --aclfile` (ACL LOAD / SAVE); set at startup.
    text!("aclfile", aclfile, "").immutable(),
    // Honoured: the server closes idle clients.
    int!("timeout", timeout, 0, INT_MAX, "0"),
    // The port the server listens on (set at startup); Redis can change it at run time.
    // Honoured by the server: CONFIG SET port / bind listen anew (`admin::config`).
    int!("port", port, 0, 65535, "6379"),
    // The address the server listens on (set at startup); Redis can rebind at run time.
    text!("bind", bind, "127.0.0.1"),
    text!("unixsocket", unixsocket, "").immutable(),
    // `emu serve` refuses a connection past it (read at each accept).
    uint!("maxclients", maxclients, 1, u32::MAX, "10000"),
    // Honoured by `emu serve`: keepalive probes of each accepted TCP connection (Redis's
    // `anetKeepAlive`), read at each accept.
    int!("tcp-keepalive", tcp_keepalive, 0, INT_MAX, "300"),
    // Honoured: the listen backlog of the TCP listener (set at startup, as in Redis; the
    // kernel caps it at net.core.somaxconn).
    int!("tcp-backlog", tcp_backlog, 0, INT_MAX, "511").immutable(),
    // Stored only: emu does not log.
    enumerated!("loglevel", loglevel, LogLevel, "notice"),
    // Honoured: the active-expiry timer's frequency (`engine::cron`). Redis keeps it within
    // 1..=500, and so does this row.
    ConfigSpec::new(
        "hz",
        "10",
        Kind::Int {
            lo: 0,
            hi: INT_MAX,
            mem: false,
            get: |c| c.hz,
            set: |c, v| c.hz = v.clamp(1, 500),
        },
    ),
    // Stored only.
    boolean!("activerehashing", activerehashing, "yes"),
    // Honoured: the share of each `1/hz` period the active-expiry timer may use.
    int!("active-expire-effort", active_expire_effort, 1, 10, "1"),
    // Honoured: a script running longer is timed out (other clients get -BUSY, SCRIPT
    // KILL can stop it); 0 never times out.
    int!(
        "busy-reply-threshold",
        busy_reply_threshold,
        0,
        LONG_MAX,
        "5000"
    )
    .alias("lua-time-limit"),
    // Honoured: the slow log's threshold in µs (-1 off, 0 every command).
    int!(
        "slowlog-log-slower-than",
        slowlog_log_slower_than,
        -1,
        LONG_MAX,
        "10000"
    ),
    // Honoured: entries the slow log keeps.
    int!("slowlog-max-len", slowlog_max_len, 0, LONG_MAX, "128"),
    // Honoured: the latency monitor's event threshold in ms (0 off).
    int!(
        "latency-monitor-threshold",
        latency_monitor_threshold,
        0,
        LONG_MAX,
        "0"
    ),
    // Honoured: per-command latency histograms (LATENCY HISTOGRAM, INFO latencystats).
    boolean!("latency-tracking", latency_tracking, "yes"),
    // Honoured: the percentiles INFO latencystats shows.
    ConfigSpec::new(
        "latency-tracking-info-percentiles",
        "50 99 99.9",
        Kind::Percentiles,
    ),
    // Stored only: frees are synchronous.
    boolean!("lazyfree-lazy-eviction", lazyfree_lazy_eviction, "no"),
    boolean!("lazyfree-lazy-expire", lazyfree_lazy_expire, "no"),
    boolean!("lazyfree-lazy-server-del", lazyfree_lazy_server_del, "no"),
    boolean!("lazyfree-lazy-user-del", lazyfree_lazy_user_del, "no"),
    boolean!("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush, "no"),
    // Honoured: where a stream starts a new node (types/stream).
    uint!(
        "stream-node-max-bytes",
        stream_node_max_bytes,
        0,
        LONG_MAX,
        "4096",
        mem
    ),
    int!(
        "stream-node-max-entries",
        stream_node_max_entries,
        0,
        LONG_MAX,
        "100"
    ),
    // Honoured: the LFU counter's increments and decay (`keyspace::memory`).
    int!("lfu-log-factor", lfu_log_factor, 0, INT_MAX, "10"),
    int!("lfu-decay-time", lfu_decay_time, 0, INT_MAX, "1"),
    // Honoured: the size of the client-side caching invalidation table
    // (`pubsub::tracking`); over it, tracked keys are dropped with an invalidation.
    uint!(
        "tracking-table-max-keys",
        tracking_table_max_keys,
        0,
        LONG_MAX,
        "1000000"
    ),
    // Honoured by `emu serve`: while `default` has no password, connections from other than
    // 127.0.0.1 / ::1 get Redis's -DENIED and are closed (read at each accept).
    boolean!("protected-mode", protected_mode, "yes"),
    // Honoured (startup only, `emu serve --enable-protected-configs`): who may CONFIG SET
    // `dir` and `dbfilename`.
    enumerated!(
        "enable-protected-configs",
        enable_protected_configs,
        ProtectedAction,
        "no"
    )
    .immutable(),
    // Honoured (startup only, `emu serve --enable-debug-command`): who may run DEBUG.
    enumerated!(
        "enable-debug-command",
        enable_debug_command,
        ProtectedAction,
        "no"
    )
    .immutable(),
    // Stored only: emu has no MODULE command.
    enumerated!(
        "enable-module-command",
        enable_module_command,
        ProtectedAction,
        "no"
    )
    .immutable(),
    // Reported only.
    boolean!("daemonize", daemonize, "no").immutable(),
    // Reported only (`--threads` sets the server's worker threads).
    int!("io-threads", io_threads, 1, 128, "1").immutable(),
    // Stored only: no RDB files.
    // Honoured by DUMP and `emu dump --format rdb` (LZF for strings over 20 bytes).
    boolean!("rdbcompression", rdbcompression, "yes"),
    // Accepted and reported; RESTORE always validates payloads fully (see SanitizeDump).
    enumerated!(
        "sanitize-dump-payload",
        sanitize_dump_payload,
        SanitizeDump,
        "no"
    ),
    boolean!("rdbchecksum", rdbchecksum, "yes").immutable(),
    // Honoured with save points and a data directory: writes get MISCONF while the last
    // save failed (`Store::deny_writes`).
    boolean!(
        "stop-writes-on-bgsave-error",
        stop_writes_on_bgsave_error,
        "yes"
    ),
    boolean!("aof-use-rdb-preamble", aof_use_rdb_preamble, "yes"),
    // Honoured while a replica (REPLICAOF): clients' writes get READONLY (`engine::repl`).
    boolean!("replica-read-only", replica_read_only, "yes").alias("slave-read-only"),
    // Honoured (startup only: `emu serve --cluster-enabled`, `Builder::cluster_mode`):
    // cluster mode, see `admin::cluster`.
    boolean!("cluster-enabled", cluster_enabled, "no").immutable(),
    // ---- Stored only (kept and reported, never acted on) unless noted: replication (the
    // rows either side uses are marked), cluster (no cluster bus), TLS (no TLS listener), active defrag (no
    // jemalloc), AOF/RDB tuning (emu's own log and snapshots), process and logging.
    // Read by the ACL layer (`acl::add_log`): the ACL LOG's length.
    sint!("acllog-max-len", 0, LONG_MAX, "128"),
    // Read by the ACL layer (`acl::pubsub_all`): channels of new users, selectors, `reset`.
    senum!(
        "acl-pubsub-default",
        ["allchannels", "resetchannels"],
        "resetchannels"
    ),
    sbool!("activedefrag", "no"),
    sint!("active-defrag-cycle-max", 1, 99, "25"),
    sint!("active-defrag-cycle-min", 1, 99, "1"),
    sint!("active-defrag-ignore-bytes", 1, LLONG_MAX, "104857600", mem),
    sint!("active-defrag-max-scan-fields", 1, LONG_MAX, "1000"),
    sint!("active-defrag-threshold-lower", 0, 1000, "10"),
    sint!("active-defrag-threshold-upper", 0, 1000, "100"),
    sbool!("always-show-logo", "no").immutable(),
    sbool!("aof-disable-auto-gc", "no"),
    sbool!("aof-load-truncated", "yes"),
    sbool!("aof-rewrite-incremental-fsync", "yes"),
    sbool!("aof-timestamp-enabled", "no"),
    stext!("aof_rewrite_cpulist", "").immutable(),
    stext!("appenddirname", "appendonlydir").immutable(),
    sint!("auto-aof-rewrite-min-size", 0, LLONG_MAX, "67108864", mem),
    sint!("auto-aof-rewrite-percentage", 0, INT_MAX, "100"),
    stext!("bgsave_cpulist", "").immutable(),
    stext!("bind-source-addr", ""),
    stext!("bio_cpulist", "").immutable(),
    sbool!("cluster-allow-pubsubshard-when-down", "yes"),
    sbool!("cluster-allow-reads-when-down", "no"),
    sbool!("cluster-allow-replica-migration", "yes"),
    sint!("cluster-announce-bus-port", 0, 65535, "0"),
    stext!("cluster-announce-hostname", ""),
    stext!("cluster-announce-ip", ""),
    sint!("cluster-announce-port", 0, 65535, "0"),
    sint!("cluster-announce-tls-port", 0, 65535, "0"),
    stext!("cluster-config-file", "nodes.conf").immutable(),
    sint!("cluster-link-sendbuf-limit", 0, LLONG_MAX, "0", mem),
    sint!("cluster-migration-barrier", 0, INT_MAX, "1"),
    sint!("cluster-node-timeout", 0, LLONG_MAX, "15000"),
    // Read by CLUSTER NODES (the bus port), as are the cluster-announce-* rows: see
    // `admin::cluster`.
    sint!("cluster-port", 0, 65535, "0").immutable(),
    senum!(
        "cluster-preferred-endpoint-type",
        ["ip", "hostname", "unknown-endpoint"],
        "ip"
    ),
    sbool!("cluster-replica-no-failover", "no").alias("cluster-slave-no-failover"),
    sint!("cluster-replica-validity-factor", 0, INT_MAX, "10")
        .alias("cluster-slave-validity-factor"),
    sbool!("cluster-require-full-coverage", "yes"),
    sbool!("crash-log-enabled", "yes"),
    sbool!("crash-memcheck-enabled", "yes"),
    // Applied by the `emu` binary (`emu serve`: prctl PR_SET_THP_DISABLE, as Redis); the
    // library does not change its host process.
    sbool!("disable-thp", "yes").immutable(),
    sbool!("dynamic-hz", "yes"),
    stext!("ignore-warnings", ""),
    sbool!("io-threads-do-reads", "no").immutable(),
    sbool!("jemalloc-bg-thread", "yes"),
    stext!("logfile", "").immutable(),
    // Used by the replica's link (`server::follow`): AUTH to the master.
    stext!("masterauth", ""),
    stext!("masteruser", ""),
    // Honoured by the replication master (`engine::repl`): NOREPLICAS below enough good
    // replicas.
    int!(
        "min-replicas-max-lag",
        min_replicas_max_lag,
        0,
        INT_MAX,
        "10"
    )
    .alias("min-slaves-max-lag"),
    int!(
        "min-replicas-to-write",
        min_replicas_to_write,
        0,
        INT_MAX,
        "0"
    )
    .alias("min-slaves-to-write"),
    sbool!("no-appendfsync-on-rewrite", "no"),
    // Honoured (`config::oom`): CONFIG SET, REPLICAOF and `emu serve`'s start write
    // /proc/self/oom_score_adj, as Redis's `setOOMScoreAdj` (emu forks no background child,
    // so the third value has no process to apply to).
    ConfigSpec::new(
        "oom-score-adj",
        "no",
        Kind::Enum {
            names: OomScoreAdj::NAMES,
            get: |c| c.oom_score_adj as usize,
            set: |c, i| {
                c.oom_score_adj = match OomScoreAdj::from_index(i) {
                    OomScoreAdj::Relative => OomScoreAdj::Yes,
                    o => o,
                }
            },
        },
    ),
    ConfigSpec::new("oom-score-adj-values", "0 200 800", Kind::OomValues),
    stext!("pidfile", "").immutable(),
    stext!("proc-title-template", "{title} {listen-addr} {server-mode}"),
    senum!(
        "propagation-error-behavior",
        ["ignore", "panic", "panic-on-replicas"],
        "ignore"
    ),
    sbool!("rdb-del-sync-files", "no"),
    sbool!("rdb-save-incremental-fsync", "yes"),
    // Read by the replication master (`engine::repl`) when its backlog is created.
    sint!("repl-backlog-size", 1, LLONG_MAX, "1048576", mem),
    // Honoured (`engine::repl`): the backlog is freed after this long without replicas.
    int!("repl-backlog-ttl", repl_backlog_ttl, 0, LONG_MAX, "3600"),
    sbool!("repl-disable-tcp-nodelay", "no"),
    senum!(
        "repl-diskless-load",
        ["disabled", "on-empty-db", "swapdb"],
        "disabled"
    ),
    // Read by the replication master (`rdb::master`) at each full sync: `no` frames the
    // RDB `$<length>` without waiting.
    sbool!("repl-diskless-sync", "yes"),
    // Honoured (`rdb::master`): a full sync waits for more replicas to share its RDB.
    int!(
        "repl-diskless-sync-delay",
        repl_diskless_sync_delay,
        0,
        INT_MAX,
        "5"
    ),
    int!(
        "repl-diskless-sync-max-replicas",
        repl_diskless_sync_max_replicas,
        0,
        INT_MAX,
        "0"
    ),
    // Read by the replication master (`engine::repl`): PING into the stream.
    sint!("repl-ping-replica-period", 1, INT_MAX, "10").alias("repl-ping-slave-period"),
    // Honoured (`engine::repl`): a silent online replica is dropped.
    int!("repl-timeout", repl_timeout, 1, INT_MAX, "60"),
    stext!("replica-announce-ip", "").alias("slave-announce-ip"),
    sint!("replica-announce-port", 0, 65535, "0").alias("slave-announce-port"),
    sbool!("replica-announced", "yes"),
    sbool!("replica-ignore-disk-write-errors", "no"),
    sbool!("replica-ignore-maxmemory", "yes").alias("slave-ignore-maxmemory"),
    sbool!("replica-lazy-flush", "no").alias("slave-lazy-flush"),
    sint!("replica-priority", 0, INT_MAX, "100").alias("slave-priority"),
    boolean!("replica-serve-stale-data", replica_serve_stale_data, "yes")
        .alias("slave-serve-stale-data"),
    // The master followed ("host port"): set by REPLICAOF (CONFIG GET shows it, as Redis)
    // and read at start (`emu serve --replicaof`); immutable for CONFIG SET, as in Redis.
    stext!("replicaof", "").alias("slaveof").immutable(),
    stext!("server_cpulist", "").immutable(),
    sbool!("set-proc-title", "yes").immutable(),
    senum!(
        "shutdown-on-sigint",
        ["default", "save", "nosave", "now", "force"],
        "default",
        multi
    ),
    senum!(
        "shutdown-on-sigterm",
        ["default", "save", "nosave", "now", "force"],
        "default",
        multi
    ),
    sint!("shutdown-timeout", 0, INT_MAX, "10"),
    sint!("socket-mark-id", 0, UINT_MAX, "0").immutable(),
    senum!("supervised", ["upstart", "systemd", "auto", "no"], "no").immutable(),
    sbool!("syslog-enabled", "no").immutable(),
    stext!("syslog-facility", "local0").immutable(),
    stext!("syslog-ident", "redis").immutable(),
    stext!("unixsocketperm", "0").immutable(),
    // Honoured: `normal` on every client's unsent replies, `pubsub` on subscribers' (and
    // their queued pushes), hard and soft limits; `slave` is stored only (no replicas).
    ConfigSpec::new(
        "client-output-buffer-limit",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        Kind::Obuf,
    ),
];

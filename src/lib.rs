#![doc = include_str!("../README.md")]
//!
//! # API reference
//!
//! The handle is [`Redis`] (typed methods in [`client`], one per command; [`Redis::cmd`]
//! for anything else; [`AsyncRedis`] is the same handle with `async` methods), [`Pipeline`] for batches and transactions, [`client::PubSub`] for
//! messages, [`Error`] / [`ErrorKind`] for Redis's errors and [`Value`] for raw replies.
//! Options of the `*_options` methods are the structs re-exported here ([`SetOptions`],
//! [`ZRangeOptions`], …); persistence is configured with [`AppendFsync`] and fixtures with
//! [`FixtureClock`].
//!
//! # Layout
//!
//! Rooms from the bottom up; a module imports only from rooms below it (the exceptions
//! that remain are listed last).
//!
//! * Leaves: [`error`] (the one error type, Redis's messages), [`value`] (the reply type).
//! * [`util`] — Redis-exact number parsing and formatting, glob matching, the
//!   deterministic [`util::Dict`], the SCAN loop, MIGRATE's kept connections.
//! * [`resp`] — the RESP2/RESP3 wire format (parser and encoder).
//! * [`config`] — the typed configuration ([`config::Config`], one field per parameter)
//!   and the table of parameters (names, kinds, defaults, validation) behind CONFIG
//!   GET/SET, INFO and the server's startup values, and `oom-score-adj` applied to the
//!   process ([`config::oom`]); imports only `error` and `util`.
//! * [`types`] — one module per data type (string, hash, list, set, zset, stream) plus the key
//!   commands ([`types::keys`]): each holds its value representation, its handlers (each
//!   with a `# Format` line) and its `COMMANDS` spec slice. Bitmaps ([`types::bitmap`]),
//!   HyperLogLog ([`types::hll`]) and LCS ([`types::lcs`]) operate on string values.
//!   Geo ([`types::geo`]) operates on sorted sets through the zset module's helpers.
//! * [`keyspace`] — databases, entries (with the one expiry rule,
//!   [`keyspace::Entry::is_expired_at`]), `Object`, clock, RNG, notification classes.
//! * [`engine`] — command specs and [`engine::Table`], the one dispatch path
//!   ([`engine::execute`]; [`engine::Shared`] owns lock → run → commit → unlock → wait),
//!   `Ctx` (the only way handlers reach the keyspace; `BulkArray` encodes long replies
//!   straight into a connection's output), `Session`, and `Store` composed of
//!   private parts: the effect buffer (the only writer of FORMAT.md's effect records), the
//!   watch table, the durability hook ([`engine::Durability`]).
//! * Features: [`tx`] (MULTI/EXEC/WATCH), [`blocking`] (BLPOP & co., XREAD BLOCK), [`pubsub`]
//!   (Pub/Sub registry, mailboxes, keyspace notification delivery, and client-side caching
//!   — CLIENT TRACKING's invalidation table, delivered through the same mailboxes —
//!   in [`pubsub::tracking`]), [`scripting`] (EVAL
//!   & co. and FUNCTION / FCALL on Lua 5.1; its per-store Lua states sit in the engine's
//!   opaque [`engine::Extension`] slot, so the engine never names it; function libraries
//!   are store data, [`engine::Libraries`]), [`acl`] (users,
//!   selectors, categories, the permission check, ACL and its subcommands, the ACL file),
//!   then [`admin`]
//!   (connection and server commands: AUTH HELLO RESET CLIENT CONFIG INFO COMMAND DEBUG
//!   SHUTDOWN ROLE WAIT LOLWUT SENTINEL …), which may use the other features.
//! * [`rdb`] — Redis's RDB format: the value codec (every type and encoding Redis 7.0
//!   writes, the older ones it reads), LZF, CRC64, DUMP payloads and RDB files; DUMP and
//!   RESTORE's handlers; the replication master's SYNC / PSYNC / REPLCONF
//!   ([`rdb::master`]: the RDB of a full resync). It reads and writes keyspace values and
//!   takes `engine::Ctx`. The stream itself (effects rendered per unit, backlog, replica
//!   links) is the engine's [`engine::repl`], fed by the dispatcher; WAIT blocks through
//!   [`blocking`]. REPLICAOF / SLAVEOF and FAILOVER are here too; the replica side's link (handshake,
//!   RDB swapped in, the master's stream applied through the dispatch path) runs in the
//!   network server (`server::follow`, feature `server`), which may use [`persist`].
//! * [`persist`] — append log, snapshots, recovery, fixtures, dump/load/check tools (which
//!   stream the snapshot and replay only the keys the log names: `persist::overlay`), and
//!   SAVE/BGSAVE/BGREWRITEAOF; it is the store's `Durability` and replays through the
//!   engine.
//! * [`commands`] — the registry: the one list of every module's spec slice, the table,
//!   and the services (`Store::new`) a store is made with.
//! * `remote` (feature `remote`) — the remote backend: redis-rs connections to a Redis /
//!   Valkey server or a Redis Cluster (slot routing by the command table's key positions,
//!   CROSSSLOT, MOVED/ASK, fan-out), reply and error conversion to [`Value`] / [`Error`],
//!   and `emu push` (RESTORE of DUMP payloads). The client's one execute path calls it;
//!   `remote::asynchronous` is the async side (redis-rs multiplexed connections on one I/O
//!   thread) that `AsyncRedis` calls. TLS (`rediss`) with feature `tls`.
//! * Front ends: [`client`] (the `Redis` handle, typed methods, pipelines, the embedded
//!   `PubSub`, conversions, redis-py-style connections, the async surface
//!   [`client::asynchronous`]), [`server`] (the connection state
//!   machine and, with feature `server`, the network server behind `emu serve`), `adapters`
//!   (feature `redis-rs`: redis-rs connections and Pub/Sub in-process).
//! * `bin/emu.rs` — the CLI.
//!
//! `tests/layout.rs` checks the rule on every `crate::` path. Known upward edges, kept
//! deliberately and listed there: `types/` handlers take [`engine::Ctx`] (a type's value
//! sits below `keyspace`, its handlers above `engine`, in one file per type); the engine
//! calls the `blocking` and `pubsub` registries it holds in `Store` (`signal`,
//! `serve_ready`, `publish`, `check_context`, and the client-side caching hooks
//! `pubsub::tracking` adds to `Store`) and `Session` holds their per-client state
//! and a served connection's `admin::Link`; likewise `Store` holds the `acl` registry,
//! `Session` its user, and dispatch (through `engine::acl_check`, also used by EXEC and
//! scripts) calls `acl::permit`.

#![deny(unsafe_code)]
// docs.rs (`--cfg docsrs`, nightly) badges items that need a cargo feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
// A panic in the library is a bug: no `unwrap()` outside tests (`expect` with a reason where an
// invariant guarantees the value).
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod acl;
#[cfg(feature = "redis-rs")]
pub mod adapters;
pub mod admin;
pub mod blocking;
pub mod client;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod keyspace;
pub mod persist;
pub mod pubsub;
pub mod rdb;
#[cfg(feature = "remote")]
pub mod remote;
pub mod resp;
pub mod scripting;
pub mod server;
pub mod tx;
pub mod types;
pub mod util;
pub mod value;

pub use admin::monitor::Monitor;
pub use client::options::{
    Condition, CopyOptions, Direction, ExpireOption, Expiry, InsertPosition, LPosOptions, MinMax,
    RestoreOptions, ScanOptions, SetExpiry, SetOptions, ZAddOptions, ZAggregate, ZAggregateOptions,
    ZRangeOptions,
};
pub use client::streams::{
    AutoClaim, PendingEntry, PendingSummary, StreamEntry, XAddOptions, XClaimOptions,
    XPendingOptions, XReadOptions, XTrim,
};
pub use client::{
    from_url, ConnectOptions, ConnectionPool, Lock, LockGuard, LockOptions, PooledConnection,
    Sentinel,
};
pub use client::{
    ArgBuf, Builder, Cmd, FromValue, FunctionInfo, FunctionLibrary, Pipeline, PipelineCmd, Redis,
    ScanIter, ScanStream, Script, ToArg, ToPair,
};
pub use client::{AsyncCmd, AsyncLock, AsyncPubSub, AsyncRedis, AsyncReply};
pub use client::{
    BitField, BitFieldType, BitOffset, BitOp, BitOverflow, BitPosRange, BitRange, BitUnit, LcsIdx,
    LcsMatch, LcsOptions, SortOptions,
};
pub use client::{GeoAddOptions, GeoMatch, GeoSearch, GeoUnit, GeoWith};
pub use config::MaxmemoryPolicy;
pub use error::{Error, ErrorKind, Result};
pub use persist::{AppendFsync, FixtureClock};
pub use types::stream::StreamId;
pub use value::Value;

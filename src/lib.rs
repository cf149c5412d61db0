//! # emu — Redis without a server
//!
//! An embedded, Redis 7.0-compatible store for Rust: the same commands, replies and error
//! texts, in-process.
//!
//! ```
//! let r = emu::Redis::new();
//! let v: emu::Value = r.cmd("ECHO").arg("hi").query().unwrap();
//! assert_eq!(v, emu::Value::bulk("hi"));
//! ```
//!
//! # Layout
//!
//! * [`value`] — the reply type (RESP3-rich).
//! * [`error`] — the one error type, with Redis's messages.
//! * [`config`] — the typed configuration and the table of parameters (names, kinds,
//!   defaults, validation) behind CONFIG GET/SET, INFO and the server's flags.
//! * [`engine`] — the command table and dispatcher every front end uses; `Ctx` for handlers.
//! * [`keyspace`] — databases, expiry, clock, RNG, the deterministic `Dict`, key commands.
//! * [`types`] — strings, hashes, lists, sets, sorted sets: representation and handlers.
//! * [`persist`] — append log, snapshots, recovery, fixtures, dump/load/check tools.
//! * [`client`] — the `Redis` handle, typed methods, pipelines, reply conversion.
//! * [`util`] — number parsing/formatting, glob matching, the SCAN loop.
//! * [`server`] — the RESP2/RESP3 wire format, and (feature `server`) the network server
//!   behind `emu serve`.
//! * `adapters` (feature `redis-rs`) — run redis-rs code against an embedded store.

#[cfg(feature = "redis-rs")]
pub mod adapters;
pub mod admin;
pub mod blocking;
pub mod client;
pub mod config;
pub mod engine;
pub mod error;
pub mod keyspace;
pub mod persist;
pub mod pubsub;
pub mod server;
pub mod tx;
pub mod types;
pub mod util;
pub mod value;

pub use client::options::{
    Condition, CopyOptions, Direction, ExpireOption, Expiry, InsertPosition, LPosOptions, MinMax,
    ScanOptions, SetExpiry, SetOptions, ZAddOptions, ZAggregate, ZAggregateOptions, ZRangeOptions,
};
pub use client::{
    from_url, ConnectOptions, ConnectionPool, Lock, LockGuard, LockOptions, PooledConnection,
    Sentinel,
};
pub use client::{Builder, Cmd, FromValue, Pipeline, PipelineCmd, Redis, ScanIter, ToArg, ToPair};
pub use error::{Error, ErrorKind, Result};
pub use value::Value;

/// The README's examples are compiled and run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

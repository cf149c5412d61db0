//! Streams (issue 13): differential tests against a real `redis-server`, replay and
//! persistence of consumer groups, the embedded API.
//!
//! - `differential`: generated stream command sequences (explicit IDs, groups, claims, trims,
//!   deletions) sent to emu and Redis 7.0, replies compared byte for byte after masking what
//!   depends on the wall clock (idle times, delivery/seen times);
//! - `durable`: groups, consumers and PELs survive reopen and replay identically;
//! - `blocking`: XREAD/XREADGROUP BLOCK over the server (against Redis) and the redis-rs
//!   adapter; redis-py's stream API against `emu serve` (`tests/clients/redis_py_streams.py`);
//! - `model`: the node representation against a reference model (proptest);
//! - `embedded`: the typed methods, blocking on a thread, key behaviour, notifications.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod blocking;
#[cfg(feature = "server")]
mod differential;
mod durable;
mod embedded;
mod model;

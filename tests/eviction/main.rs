//! maxmemory, eviction, LRU/LFU and OOM (issue 11 item 2): one test binary, one topic per
//! module.
//!
//! - `model`: the LFU counter arithmetic and the LRU clock against straightforward models;
//! - `embedded`: the accounting, the eight policies, OBJECT IDLETIME/FREQ on a manual clock,
//!   touch rules, notifications, WATCH, determinism and replay, the builder options;
//! - `differential`: against a real redis-server — OOM, MULTI/EXECABORT and script replies
//!   byte for byte, the denyoom flags of the command table, and the same eviction workload
//!   on both (key counts and `used_memory` within stated tolerances, LRU keeps what is read).

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod differential;
mod embedded;
mod model;

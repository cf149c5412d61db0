//! Client plumbing: one test binary, one topic per module.
//!
//! - `client`: redis-py-style construction, ConnectionPool, from_url, Sentinel (the seed);
//! - `lock`: `Redis::lock` with redis-py Lock semantics and the seed's lock pattern;
//! - `server`: SENTINEL over `emu serve` against a real Redis 7.0 Sentinel.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

mod client;
mod lock;
mod server;

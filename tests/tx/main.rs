//! Transactions: one test binary, one topic per module.
//!
//! - `embedded`: transactional pipelines, watch/multi/execute and the retry helper;
//! - `engine`: MULTI/EXEC/DISCARD/WATCH through the engine with several sessions;
//! - `server`: over `emu serve` and against a real redis-server, byte for byte.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

mod embedded;
mod engine;
mod server;

//! Blocking commands: one test binary, one topic per module.
//!
//! - `embedded`: immediate and timeout paths, wake-ups from other threads, FIFO, MULTI;
//! - `pause`: CLIENT PAUSE/UNPAUSE on embedded handles (the server side is in tests/server/);
//! - `server`: over `emu serve`, through the redis-rs adapter, and against a real redis-server.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

mod embedded;
mod pause;
mod server;

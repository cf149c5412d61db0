//! Robustness (issue 10): no client can stall, bloat or desynchronise the server.
//!
//! - `server`: the connection-level reproductions (pipelines, query and output buffers, bulk
//!   headers, idle expiry, memory returned, connection bursts, signals) against a spawned
//!   `emu serve`, with a PING liveness probe and an RSS bound, and against a real redis-server;
//! - `commands`: commands a client could use to stall the server (globs, tiny blocking
//!   timeouts, DEBUG, protected configs, SUBSCRIBE in MULTI, long replies), byte for byte
//!   against redis-server;
//! - `serve_flags`: `emu serve --enable-debug-command` / `--enable-protected-configs`.
//!
//! `tests/debug_sleep_shutdown.rs` stays a binary of its own: it raises the process-wide
//! shutdown flag.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

/// Every test of this binary runs alone: the probes load the machine on purpose, and a
/// liveness bound is about the server under test, not about other tests sharing the CPU.
#[cfg(feature = "server")]
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(feature = "server")]
fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

mod commands;
mod serve_flags;
mod server;

//! Scripting (EVAL, EVALSHA, SCRIPT): one test binary, one topic per module.
//!
//! - `busy`: scripts past busy-reply-threshold (-BUSY, SCRIPT KILL, UNKILLABLE), against
//!   redis-server and embedded;
//! - `differential`: a corpus of scripts against a real redis-server, byte for byte;
//! - `embedded`: the typed API (`eval`, `evalsha`, `register_script`), atomicity, the log
//!   (effects, never the script) and replay determinism;
//! - `lock`: redis-py's `Lock` and the seed's lock example through `emu serve`.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "redis-rs")]
mod adapter;
mod busy;
#[cfg(feature = "server")]
mod differential;
mod embedded;
mod function_persist;
#[cfg(feature = "server")]
mod functions;
#[cfg(feature = "server")]
mod lock;

//! The RDB codec (issue 17): one test binary, one topic per module.
//!
//! - `dump_restore`: DUMP byte equality with a real redis-server 7.0 per type and
//!   encoding, RESTORE in both directions (a Redis payload into emu, an emu payload into
//!   Redis), RESTORE's errors and options, replay of RESTORE from the log;
//! - `files`: RDB files written by redis-server (BGSAVE of random data) loaded by
//!   `emu load`, `emu dump --format rdb` loaded by redis-server at start, corruption at
//!   every byte of a small RDB;
//! - `migrate`: MIGRATE from emu and from redis-server into real Redis targets, replies and
//!   transferred contents compared.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod dump_restore;
#[cfg(feature = "server")]
mod files;
#[cfg(feature = "server")]
mod migrate;
#[cfg(feature = "server")]
mod resp;

//! Introspection: INFO (every section, commandstats, errorstats, latencystats), SLOWLOG,
//! LATENCY, MONITOR, MEMORY — one test binary, one topic per module. The differential
//! tests run the same commands on `emu serve` (in process) and on a real `redis-server`
//! 7.0, and compare what does not depend on time.

#![cfg(feature = "server")]

#[path = "../server_util/mod.rs"]
mod server_util;

mod config;
mod debug;
mod info;
mod latency;
mod memory;
mod monitor;
mod slowlog;
#[allow(dead_code)]
mod util;

//! The RESP server: one test binary, one topic per module.
//!
//! - `accept`: protected-mode and tcp-keepalive at accept, against redis-server;
//! - `adapter`: redis-rs code against an embedded store through the in-process adapter;
//! - `clients`: real clients (redis-cli, redis-benchmark, redis-py, redis-rs) and `emu serve`;
//! - `lifecycle`: SHUTDOWN, ROLE, WAIT, LOLWUT, SENTINEL's own address, against redis-server;
//! - `listen`: CONFIG SET port / bind listening anew, against redis-server;
//! - `oom_score_adj`: `oom-score-adj` writing the process's score, against redis-server;
//! - `protocol`: framing, protocol errors, inline commands, pipelining, RESP3, auth, load;
//! - `pause`: CLIENT PAUSE/UNPAUSE, CLIENT LIST flags, against redis-server and embedded;
//! - `unblock`: CLIENT UNBLOCK against redis-server, and of embedded handles;
//! - `resp_proptest`: the request parser and connection state machine under random input.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

mod accept;
mod adapter;
mod client_eviction;
mod clients;
mod lifecycle;
#[cfg(feature = "server")]
mod listen;
#[cfg(feature = "server")]
mod oom_score_adj;
mod pause;
mod protocol;
mod resp_proptest;
mod unblock;

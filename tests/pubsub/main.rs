//! Pub/Sub: one test binary, one topic per module.
//!
//! - `api`: the embedded redis-py-style API (the seed's examples, listen, threads, limits);
//! - `conformance`: multi-connection scripts on a real redis-server and on emu, same bytes;
//! - `model`: random (un)subscribes and publishes from several clients against a model;
//! - `redis_rs`: an async stream of `redis::Msg` through the redis-rs adapter;
//! - `server`: over the RESP server with raw sockets (RESP2 shapes, RESP3 pushes, cleanup).

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

mod api;
mod conformance;
mod model;
mod redis_rs;
mod server;

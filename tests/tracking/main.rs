//! Client-side caching (issue 15 item 7): CLIENT TRACKING / CACHING / GETREDIR /
//! TRACKINGINFO and the invalidation messages.
//!
//! - `differential`: multi-connection scripts run on a real redis-server and on `emu serve`;
//!   every connection's bytes (replies and pushes) compared after every step — RESP3
//!   pushes, RESP2 messages on `__redis__:invalidate` to a REDIRECT client, BCAST with
//!   prefixes and NOLOOP, OPTIN/OPTOUT with CLIENT CACHING, expiry, FLUSHALL, a broken
//!   redirect, and every error text.
//! - `emu_only`: what a second server cannot show byte for byte (the table's random
//!   eviction under `tracking-table-max-keys`, INFO figures), and redis-py's client-side
//!   cache against `emu serve`.

#![cfg(feature = "server")]

#[path = "../server_util/mod.rs"]
mod server_util;

mod differential;
mod emu_only;

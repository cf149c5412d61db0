//! SORT and SORT_RO (issue 14): one test binary, one topic per module.
//!
//! - `differential`: random lists, sets and sorted sets with string and hash weights, random
//!   option combinations (BY, LIMIT, GET, ASC/DESC, ALPHA, STORE then LRANGE), errors, in
//!   RESP2 and RESP3 — all against a real redis-server, byte for byte; a BLPOP woken by
//!   SORT … STORE;
//! - `embedded`: the typed API (`sort` with [`emu::SortOptions`], `sort_store`, `sort_ro`),
//!   pipelines, the log (replay of the effects), keyspace notifications.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod differential;
mod embedded;

//! Cluster mode (issue 18): emu as a one-node Redis Cluster owning all 16,384 slots.
//!
//! - `differential`: CLUSTER's subcommands, ASKING/READONLY/READWRITE, CROSSSLOT for
//!   commands, transactions, scripts and shard Pub/Sub, database 0 only — byte for byte
//!   against a real redis-server 7.0 started with `--cluster-enabled yes` and given every
//!   slot (node id and ports normalised), in RESP2 and RESP3; and the same commands on
//!   servers without cluster mode;
//! - `embedded`: `Redis::builder().cluster_mode(true)`: `ErrorKind::CrossSlot` from typed
//!   methods, pipelines and transactions, hash tags, SELECT refused;
//! - `clients`: redis-py's `RedisCluster` and emu's own `remote+cluster://` client against
//!   `emu serve` in cluster mode.

#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod clients;
#[cfg(feature = "server")]
mod differential;
mod embedded;

//! `emu serve` as a replication master (issue 17 items 4 and 5): one test binary.
//!
//! - `follow`: a real `redis-server --replicaof` of `emu serve` ends identical (every key's
//!   DUMP and PEXPIRETIME, in every db) after a random write load with expiring keys,
//!   MULTI, EVAL, FLUSHALL and several dbs; WAIT, ROLE and INFO see it; REPLICAOF NO ONE
//!   promotes it with the data.
//! - `stream`: the replication stream as a conformance check — a raw replica link on a
//!   real redis-server and on `emu serve`, the same commands to both, the two streams
//!   compared command for command, byte for byte (keepalives left out, wall-clock
//!   timestamps masked).
//! - `link`: the raw replica link both use (PSYNC, read past the RDB, read commands).
//! - `replicaof`: `emu serve` as a replica (REPLICAOF): differential against a real
//!   replica of the same master, convergence under a write load of every type, durability,
//!   an emu replica of emu, and evictions reaching a replica as DELs.
//! - `access`: keys' LRU/LFU data through a full resync both ways and DEBUG RELOAD.
//! - `failover`: FAILOVER from emu to a real replica and from a real master to emu, its
//!   errors, and its pause beside CLIENT PAUSE.
//! - `settings`: `min-replicas-to-write`/`-max-lag`, `repl-timeout`, `repl-backlog-ttl`
//!   and `repl-diskless-sync-delay`/`-max-replicas`, each run on redis-server and on emu.

#![cfg(feature = "server")]

#[path = "../server_util/mod.rs"]
mod server_util;

mod access;
mod failover;
mod follow;
mod link;
mod replicaof;
mod settings;
mod stream;

//! `used_memory` as Redis reports it (`zmalloc_used_memory()`): what the process holds
//! for a store, not only its data — the figure INFO memory, MEMORY STATS, `maxmemory` and
//! eviction work with.
//!
//! It is a sum of parts, each kept current where it changes, so that reading it costs a
//! few additions (the eviction check reads it before every command when `maxmemory` is
//! set):
//!
//! * [`STARTUP_MEMORY`]: the server's own structures (Redis's `used_memory_startup`,
//!   ~0.85 MB for redis-server 7.0 with no data); a constant, so that an embedded store's
//!   eviction stays deterministic;
//! * the keyspace: the model of [`crate::keyspace::memory`] (entries, tables, expiry
//!   index), per database;
//! * client buffers (`mem_clients_normal`): query and output buffers, Pub/Sub mailboxes
//!   and each connection's fixed part, which the network front end keeps in
//!   [`ClientsMemory`] (embedded handles have none);
//! * replication: the backlog (`mem_replication_backlog`) and the replicas' output
//!   buffers (`mem_clients_slaves`);
//! * the script caches: EVAL's cached scripts (`used_memory_scripts_eval`: body, SHA,
//!   entry) and the function libraries (`used_memory_functions`).
//!
//! As in Redis 7.0, the Lua interpreters' own heaps are not part of it (Redis's Lua uses
//! libc's allocator, not zmalloc: `used_memory_vm_*` are reported apart), and eviction
//! compares `used_memory - mem_not_counted_for_evict` with `maxmemory`, where what is not
//! counted is the replicas' output buffers (Redis's replication buffer past the backlog)
//! and the AOF buffer (emu has none: a log write reaches the kernel before the reply).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::Store;

/// What the server's structures take before any data (Redis's `used_memory_startup`):
/// emu's command table, configuration, ACL user, sixteen empty databases and the
/// server's bookkeeping, rounded. Measured as the heap an empty `emu serve` holds (see the
/// notes of issue 11); redis-server 7.0.15 reports 876,280 bytes.
pub const STARTUP_MEMORY: usize = 900 * 1024;

/// The memory the network front end holds for a store's normal clients (Redis's
/// `mem_clients_normal`), shared between the store (which reads it) and the server (which
/// keeps it current as buffers grow and shrink). Zero for an embedded store.
#[derive(Debug, Default)]
pub struct ClientsMemory(AtomicU64);

impl ClientsMemory {
    /// The current total.
    #[inline]
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Adds `n` bytes.
    #[inline]
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// Removes `n` bytes.
    #[inline]
    pub fn sub(&self, n: u64) {
        self.0.fetch_sub(n, Ordering::Relaxed);
    }
}

/// `used_memory` and its parts (INFO memory, MEMORY STATS; Redis's
/// `getMemoryOverheadData`).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryReport {
    /// `used_memory`: the sum of everything below.
    pub used: u64,
    /// `used_memory_startup` ([`STARTUP_MEMORY`]).
    pub startup: u64,
    /// The keys and values (`used_memory_dataset`).
    pub dataset: u64,
    /// The databases' tables and expiry indexes (MEMORY STATS `overhead.hashtable.*`).
    pub keyspace_overhead: u64,
    /// `mem_clients_normal`.
    pub clients_normal: u64,
    /// `mem_clients_slaves`: the replicas' output buffers.
    pub clients_replicas: u64,
    /// `mem_replication_backlog`.
    pub backlog: u64,
    /// `used_memory_scripts_eval`: EVAL's script cache.
    pub scripts_eval: u64,
    /// `used_memory_functions`: the function libraries.
    pub functions: u64,
}

impl MemoryReport {
    /// `used_memory_overhead`: everything but the dataset.
    pub fn overhead(&self) -> u64 {
        self.used - self.dataset
    }

    /// `mem_not_counted_for_evict`.
    pub fn not_counted_for_evict(&self) -> u64 {
        self.clients_replicas
    }
}

/// What a watched key adds to its client's memory (Redis 7.0: a `listNode` and a
/// `watchedKey`, 24 + 32 bytes).
const WATCHED_KEY_MEMORY: usize = 56;

/// What a BCAST prefix adds to its client's memory: Redis counts each node of the client's
/// prefix radix tree as `sizeof(raxNode) * sizeof(raxNode*)` (32 bytes), about two nodes
/// per prefix.
const TRACKING_PREFIX_MEMORY: usize = 64;

impl Store {
    /// What the store keeps for client `id` besides its buffers (its watched keys and BCAST
    /// prefixes), counted in its client memory (CLIENT LIST `tot-mem`, client eviction).
    pub fn session_bookkeeping(&self, id: u64) -> usize {
        let prefixes = self.tracking.get(id).map_or(0, |t| t.prefixes.len());
        self.watches.keys_of(id) * WATCHED_KEY_MEMORY + prefixes * TRACKING_PREFIX_MEMORY
    }

    /// `used_memory` (see the module docs).
    #[inline]
    pub fn used_memory(&self) -> usize {
        STARTUP_MEMORY
            + self.keyspace_memory()
            + self.clients_memory.get() as usize
            + self.repl.memory()
            + self.script_cache_memory
            + self.libraries.memory()
    }

    /// What eviction compares with `maxmemory`: `used_memory` less what Redis does not
    /// count for eviction (the replicas' output buffers).
    pub fn used_memory_for_evict(&self) -> usize {
        self.used_memory()
            .saturating_sub(self.repl.replicas_output_memory())
    }

    /// The keyspace's part of `used_memory`: every database's keys, values and tables
    /// (see [`crate::keyspace::memory`]).
    #[inline]
    pub fn keyspace_memory(&self) -> usize {
        self.dbs.iter().map(crate::keyspace::Db::used_memory).sum()
    }

    /// `used_memory` in parts.
    pub fn memory_report(&self) -> MemoryReport {
        let keyspace = self.keyspace_memory() as u64;
        let keyspace_overhead = (self.keyspace_overhead() as u64).min(keyspace);
        let replicas = self.repl.replicas_output_memory() as u64;
        let report = MemoryReport {
            used: 0,
            startup: STARTUP_MEMORY as u64,
            dataset: keyspace - keyspace_overhead,
            keyspace_overhead,
            clients_normal: self.clients_memory.get(),
            clients_replicas: replicas,
            backlog: (self.repl.memory() as u64).saturating_sub(replicas),
            scripts_eval: self.script_cache_memory as u64,
            functions: self.libraries.memory() as u64,
        };
        MemoryReport {
            used: report.startup
                + keyspace
                + report.clients_normal
                + report.clients_replicas
                + report.backlog
                + report.scripts_eval
                + report.functions,
            ..report
        }
    }

    /// The part of the keyspace's memory that is bookkeeping rather than data: the
    /// databases' tables (slots and buckets) and the deadline index.
    pub fn keyspace_overhead(&self) -> usize {
        self.dbs
            .iter()
            .map(|d| {
                crate::keyspace::memory::db_tables(&d.dict)
                    + crate::keyspace::memory::EXPIRE_ELEMENT * d.expires_len()
            })
            .sum()
    }
}

//! `Store`: everything the commands of one server share — the databases, the clock and RNG,
//! the configuration — composed with the engine's private parts (the effect buffer, the
//! watch table, the durability hook) and the hooks every modification goes through
//! ([`Store::signal_modified`], [`Store::notify`], [`Store::expire_key`]).
//!
//! Handlers never reach a `Store` directly: they go through [`crate::engine::Ctx`]. The
//! front ends reach it through [`crate::engine::Shared`], which owns the lock.

use std::sync::Arc;

use crate::config::Config;
use crate::engine::durability::Durability;
use crate::engine::effects::{Effect, EffectBuffer};
use crate::engine::spec::Table;
use crate::engine::watch::WatchTable;
use crate::error::Result;
use crate::keyspace::{notify, Clock, Db, Entry, Notification, Rng};

/// FUNCTION RESTORE's payload reader: the libraries' codes, or the error text.
pub type FunctionRestore = fn(&[u8]) -> std::result::Result<Vec<Vec<u8>>, String>;

/// What the layers above the engine plug into a store when it is made (see
/// [`crate::commands::services`]): the engine itself imports none of them.
#[derive(Clone, Copy)]
pub struct Services {
    /// The command table the dispatcher looks commands up in.
    pub table: &'static Table,
    /// DEBUG RELOAD: save the keyspace and load it back (through a snapshot).
    pub reload: fn(&mut Store, ReloadOptions) -> Result<()>,
    /// DEBUG LOADAOF: rebuild the keyspace from the data directory's snapshot and log.
    pub load_log: fn(&mut Store) -> Result<()>,
    /// A client's CLIENT INFO line (the ACL LOG's `client-info`).
    pub client_info: fn(&Store, &crate::engine::Session) -> String,
    /// Closes the connections authenticated as user `name` whose client id passes the
    /// filter (ACL DELUSER and LOAD: all; SETUSER: subscribers to revoked channels); the
    /// caller's own connection closes after its reply.
    pub kill_user: fn(&mut crate::engine::Session, &[u8], &dyn Fn(u64) -> bool),
    /// FUNCTION DUMP's payload for the libraries' codes (`rdbcompression` given): Redis's
    /// RDB encoding, which lives above the scripting room.
    pub function_dump: fn(&[&[u8]], bool) -> Vec<u8>,
    /// FUNCTION RESTORE's reading of a payload: the libraries' codes, or the error text.
    pub function_restore: FunctionRestore,
    /// True if the script an EVALSHA names (cached) or the function an FCALL names
    /// declares `no-writes` (Redis `evalGetCommandFlags` / `fcallGetCommandFlags`: such a
    /// call is not held by CLIENT PAUSE WRITE).
    pub script_no_writes: fn(&mut Store, &[&[u8]]) -> bool,
    /// What SAVE does (FLUSHALL with save points saves too): a snapshot of a store with a
    /// data directory, else a save counted as done.
    pub save: fn(&mut crate::engine::Ctx) -> Result<()>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("commands", &self.table.all().len())
            .finish()
    }
}

/// DEBUG RELOAD's options (Redis's NOSAVE, NOFLUSH, MERGE).
#[derive(Clone, Copy, Debug)]
pub struct ReloadOptions {
    /// Save the dataset first (not NOSAVE): else the last saved snapshot is loaded.
    pub save: bool,
    /// Empty the dataset before loading (not NOFLUSH).
    pub flush: bool,
    /// A loaded key or library replaces one that exists (MERGE); else that is an error.
    pub merge: bool,
}

/// A slot for the per-store state of a feature room above the engine (the scripting room
/// keeps its Lua interpreter here), so the engine need not name that room's types. The
/// room takes its state out while it uses it ([`Extension::take`]) and puts it back
/// ([`Extension::put`]). A cloned store starts with an empty slot: the state is a cache
/// the room rebuilds on demand (Redis does not persist its script cache either).
#[derive(Default)]
pub struct Extension(Option<Box<dyn std::any::Any + Send>>);

impl Extension {
    /// Takes the state out if it is of type `T`; leaves the slot empty.
    pub fn take<T: std::any::Any + Send>(&mut self) -> Option<Box<T>> {
        self.0.take().and_then(|b| b.downcast::<T>().ok())
    }

    /// Puts a state in (replacing any).
    pub fn put<T: std::any::Any + Send>(&mut self, state: Box<T>) {
        self.0 = Some(state);
    }

    /// The state, if it is of type `T`.
    pub fn get_mut<T: std::any::Any + Send>(&mut self) -> Option<&mut T> {
        self.0.as_mut().and_then(|b| b.downcast_mut::<T>())
    }

    /// True when the slot holds a state.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

/// The function libraries loaded by FUNCTION LOAD / RESTORE: library name → its code.
/// Unlike the scripting room's Lua state (a cache in the [`Extension`] slot), these are
/// data: cloned with the store, saved in snapshots, logged. The scripting room compiles
/// them into its Lua state on demand and knows its copy is current by [`Libraries::version`]
/// (every change takes a process-wide fresh number, so two stores never share one by chance).
#[derive(Clone, Debug, Default)]
pub struct Libraries {
    code: std::collections::BTreeMap<String, Vec<u8>>,
    version: u64,
    /// Bytes of names and codes (see [`Libraries::memory`]).
    bytes: usize,
}

/// What Redis's function room holds with no library (`functionsMemoryOverhead`: its
/// dictionaries), in `used_memory_functions`.
const FUNCTIONS_BASE_MEMORY: usize = 200;

/// Per library, besides its name and code: its entry, its functions' bookkeeping.
const LIBRARY_MEMORY: usize = 64;

impl Libraries {
    fn bump(&mut self) {
        self.bytes = self
            .code
            .iter()
            .map(|(name, code)| name.len() + code.len() + LIBRARY_MEMORY)
            .sum();
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        self.version = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The libraries' memory (Redis's `used_memory_functions`): names, codes and per
    /// library its bookkeeping, over a fixed base.
    #[inline]
    pub fn memory(&self) -> usize {
        FUNCTIONS_BASE_MEMORY + self.bytes
    }

    /// Identifies the current contents (0: never changed, empty).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The libraries, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.code.iter()
    }

    /// A library's code.
    pub fn get(&self, name: &str) -> Option<&Vec<u8>> {
        self.code.get(name)
    }

    /// How many libraries.
    pub fn len(&self) -> usize {
        self.code.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }

    /// Replaces the whole set.
    pub fn set_all(&mut self, code: std::collections::BTreeMap<String, Vec<u8>>) {
        self.code = code;
        self.bump();
    }

    /// Adds or replaces a library.
    pub fn insert(&mut self, name: String, code: Vec<u8>) {
        self.code.insert(name, code);
        self.bump();
    }

    /// Removes a library; false if there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        let had = self.code.remove(name).is_some();
        self.bump();
        had
    }

    /// The whole set.
    pub fn all(&self) -> &std::collections::BTreeMap<String, Vec<u8>> {
        &self.code
    }
}

impl Clone for Extension {
    fn clone(&self) -> Self {
        Extension(None)
    }
}

impl std::fmt::Debug for Extension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Extension(set)"
        } else {
            "Extension(empty)"
        })
    }
}

/// A store's identity as a Redis Cluster node: its id and epochs (Redis
/// `clusterState.currentEpoch`, `myself->configEpoch`).
#[derive(Clone, Debug)]
pub struct ClusterNode {
    /// 40 hex digits, drawn from the store's seed (deterministic, like the rest of emu).
    pub id: String,
    /// The cluster's current epoch.
    pub current_epoch: u64,
    /// This node's config epoch.
    pub config_epoch: u64,
}

impl ClusterNode {
    /// A node whose id is drawn from `seed` (without touching the store's RNG).
    pub fn new(seed: u64) -> ClusterNode {
        let mut rng = Rng::new(seed ^ 0x636c_7573_7465_7220);
        ClusterNode {
            id: (0..40)
                .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
                .collect(),
            current_epoch: 0,
            config_epoch: 0,
        }
    }
}

/// The whole store. See the module docs.
#[derive(Clone, Debug)]
pub struct Store {
    /// The databases (16 by default).
    pub dbs: Vec<Db>,
    /// Source of time.
    pub clock: Clock,
    /// Source of randomness.
    pub rng: Rng,
    /// Behaviour tunables.
    pub config: Config,
    /// Count of modifications since start (Redis `server.dirty`).
    pub dirty: u64,
    /// Time snapshot (Unix ms) of the last command run (`Ctx::now`); the log stamps
    /// batches with it instead of reading the clock again.
    pub last_command_ms: u64,
    /// Set while EXEC runs its queue: every command of the transaction sees this time.
    pub frozen_now: Option<u64>,
    /// Keyspace notifications produced (bounded; for inspection — they are published at
    /// once).
    pub notifications: Vec<Notification>,
    /// Commands executed since start (drives active-expiry pacing).
    pub commands_processed: u64,
    /// Keys reclaimed by expiry since start (INFO `expired_keys`).
    pub expired_keys: u64,
    /// Read lookups that found their key (INFO `keyspace_hits`; see `Ctx`).
    pub keyspace_hits: u64,
    /// Read lookups that did not (INFO `keyspace_misses`).
    pub keyspace_misses: u64,
    /// True while replaying a log: keys are never expired, so replay does not depend on the
    /// clock (Redis does not expire keys while loading either).
    pub loading: bool,
    /// A store without a data directory: the snapshot its last DEBUG RELOAD saved (what
    /// `DEBUG RELOAD NOSAVE` loads, as Redis loads its last dump.rdb).
    pub reload_dump: Option<std::sync::Arc<Vec<u8>>>,
    /// MIGRATE's kept connections (INFO `migrate_cached_sockets`).
    pub migrate_sockets: crate::util::socket_cache::SocketCache,
    /// DEBUG PAUSE-CRON 1: the periodic work (active expiry, the eviction cycle, the
    /// tracking table's limit, the replication timer) is skipped, as Redis skips serverCron.
    pub cron_paused: bool,
    /// DEBUG SET-DISABLE-DENY-SCRIPTS 1: scripts may call commands flagged noscript
    /// (Redis's `script_disable_deny_script`, a testing aid).
    pub disable_deny_script: bool,
    /// Clients blocked on keys (BLPOP & co.) and the keys made ready for them.
    pub blocking: crate::blocking::Registry,
    /// Pub/Sub subscriptions of every client of this store.
    pub pubsub: crate::pubsub::Registry,
    /// Client-side caching: tracking clients, the invalidation table, BCAST prefixes.
    pub tracking: crate::pubsub::tracking::Tracking,
    /// The scripting room's per-store state (its Lua interpreter and script cache), opaque
    /// to the engine: see [`Extension`].
    pub scripting: Extension,
    /// Function libraries (FUNCTION LOAD): see [`Libraries`].
    pub libraries: Libraries,
    /// Whether a script runs past `busy-reply-threshold` (shared with the front ends, which
    /// answer `-BUSY` instead of waiting for the lock): see [`crate::engine::busy`].
    pub busy: std::sync::Arc<crate::engine::busy::Busy>,
    /// ACL users, the ACL LOG and the ACL file (see [`crate::acl`]).
    pub acl: crate::acl::Registry,
    /// This store's identity as a cluster node (`cluster-enabled yes`, see
    /// `crate::admin::cluster`).
    pub cluster: ClusterNode,
    /// Command and error statistics, slow log, latency events and MONITOR clients (see
    /// [`crate::engine::observe`]).
    pub observer: crate::engine::observe::Observer,
    /// Replication, master side: the stream, its backlog and the replicas (see
    /// [`crate::engine::repl`]).
    pub repl: crate::engine::repl::Master,
    effects: EffectBuffer,
    pub(super) watches: WatchTable,
    pub(super) evictor: crate::engine::evict::Evictor,
    durability: Option<Arc<dyn Durability>>,
    services: Services,
    /// UNLINK's background freeing and its INFO counters ([`crate::keyspace::lazyfree`]).
    pub lazyfree: Arc<crate::keyspace::lazyfree::LazyFree>,
    /// The memory of the store's network clients, kept by the server (part of
    /// `used_memory`, see [`crate::engine::memory`]).
    pub clients_memory: Arc<crate::engine::memory::ClientsMemory>,
    /// The EVAL script cache's memory (`used_memory_scripts_eval`), kept by the scripting
    /// room as scripts are cached and flushed.
    pub script_cache_memory: usize,
}

impl Store {
    /// A store with `config.databases` empty databases, using `services`.
    pub fn with_services(services: Services, config: Config, clock: Clock, seed: u64) -> Store {
        let acl = crate::acl::Registry::new(config.requirepass());
        Store {
            dbs: (0..config.databases.max(1))
                .map(|_| Db::default())
                .collect(),
            clock,
            rng: Rng::new(seed),
            config,
            dirty: 0,
            last_command_ms: 0,
            frozen_now: None,
            notifications: Vec::new(),
            commands_processed: 0,
            expired_keys: 0,
            keyspace_hits: 0,
            keyspace_misses: 0,
            loading: false,
            reload_dump: None,
            migrate_sockets: Default::default(),
            cron_paused: false,
            disable_deny_script: false,
            blocking: crate::blocking::Registry::default(),
            pubsub: crate::pubsub::Registry::default(),
            tracking: Default::default(),
            scripting: Extension::default(),
            libraries: Libraries::default(),
            busy: Default::default(),
            acl,
            cluster: ClusterNode::new(seed),
            observer: Default::default(),
            repl: Default::default(),
            effects: EffectBuffer::default(),
            watches: WatchTable::default(),
            evictor: crate::engine::evict::Evictor::new(seed),
            durability: None,
            services,
            lazyfree: Default::default(),
            clients_memory: Default::default(),
            script_cache_memory: 0,
        }
    }

    /// An empty store like this one (same services, configuration and clock; RNG seed 0).
    pub fn empty_like(&self) -> Store {
        Store::with_services(self.services, self.config.clone(), self.clock.clone(), 0)
    }

    /// The command table.
    #[inline]
    pub fn table(&self) -> &'static Table {
        self.services.table
    }

    /// What the layers above plugged in.
    pub fn services(&self) -> Services {
        self.services
    }

    /// The watch table (read-only; WATCH and friends use the `Store` methods).
    pub fn watches(&self) -> &WatchTable {
        &self.watches
    }

    /// Forgets every watch (tests and tools).
    pub fn clear_watches(&mut self) {
        self.watches.clear();
    }

    // -- durability ------------------------------------------------------------------

    /// Attaches persistence: from now on every batch's effects go to it (see
    /// [`crate::engine::Shared`]) and write commands are refused once it has failed.
    pub fn attach_durability(&mut self, d: Arc<dyn Durability>) {
        self.effects.set_recording(true);
        self.durability = Some(d);
    }

    /// The attached persistence, if any.
    pub fn durability(&self) -> Option<&Arc<dyn Durability>> {
        self.durability.as_ref()
    }

    /// Hands the effects waiting in the buffer to the durability hook, if any
    /// ([`Durability::commit`]), and returns what to wait for. The hook is lent to the call
    /// (moved out of the store and back, no reference-count update) by a guard that puts it
    /// back when dropped — also when the commit unwinds: a store must never be left without
    /// its log.
    #[inline]
    pub fn commit_durable(&mut self) -> crate::engine::Ticket {
        let Some(d) = self.durability.take() else {
            return crate::engine::Ticket::none();
        };
        let mut lent = LentDurability {
            store: self,
            hook: Some(d),
        };
        let LentDurability { store, hook } = &mut lent;
        match hook {
            Some(d) => d.commit(store),
            None => crate::engine::Ticket::none(),
        }
    }

    /// The error a write command gets now, if any: MISCONF after a failed save (with save
    /// points and `stop-writes-on-bgsave-error`) or a failed log write or fsync, else
    /// NOREPLICAS while fewer than `min-replicas-to-write` replicas acknowledged within
    /// `min-replicas-max-lag` seconds (Redis `checkGoodReplicasStatus`; both settings
    /// non-zero, and not on a replica). Redis checks them in this order in
    /// `processCommand`, and both where a script's write command is checked.
    #[inline]
    pub fn deny_writes(&self) -> Option<crate::error::Error> {
        if let Some(d) = self.durability.as_ref() {
            // Redis `writeCommandsDeniedByDiskError`: a failed save first, then the log.
            if !self.config.save.is_empty()
                && self.config.stop_writes_on_bgsave_error
                && d.save_failed()
            {
                return Some(crate::engine::durability::bgsave_misconf());
            }
            if let Some(e) = d.deny_writes() {
                return Some(e);
            }
        }
        let (need, lag) = (
            self.config.min_replicas_to_write,
            self.config.min_replicas_max_lag,
        );
        // A replica never checks (Redis `checkGoodReplicasStatus` with `masterhost` set):
        // its writes come from its master.
        if need > 0
            && lag > 0
            && self.repl.follow.is_none()
            && (self.repl.good_replicas(lag as u64) as i64) < need
        {
            return Some(crate::engine::repl::noreplicas_error());
        }
        None
    }

    /// The MISCONF error of a failed log write or fsync, if any (INFO's write status).
    pub fn disk_error(&self) -> Option<crate::error::Error> {
        self.durability.as_ref().and_then(|d| d.deny_writes())
    }

    // -- effects ---------------------------------------------------------------------

    /// The effect buffer (for the log: `pending` then `clear`).
    pub fn effects_mut(&mut self) -> &mut EffectBuffer {
        &mut self.effects
    }

    /// True when write commands record their effects.
    #[inline]
    pub fn records_effects(&self) -> bool {
        self.effects.is_recording()
    }

    /// Turns effect recording on or off (tests inspect [`Store::effects`]; replay turns it
    /// off).
    pub fn set_record_effects(&mut self, on: bool) {
        self.effects.set_recording(on);
    }

    /// The effects recorded and not yet taken by the log, decoded.
    pub fn effects(&self) -> Vec<Effect> {
        self.effects.to_vec()
    }

    /// Takes the effects recorded and not yet taken by the log, decoded.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        let v = self.effects.to_vec();
        self.effects.clear();
        v
    }

    /// True if effects are waiting for the log.
    pub fn has_effects(&self) -> bool {
        !self.effects.is_empty()
    }

    /// Drops every waiting effect.
    pub fn clear_effects(&mut self) {
        self.effects.clear();
    }

    /// Starts feeding the replication stream (the first replica attached): effects are
    /// recorded from now on, with or without a log.
    pub fn start_replication(&mut self, replid: &str) {
        if !self.repl.is_active() {
            // Whatever was recorded before belongs to no unit of the stream.
            self.effects.take_unit();
            self.repl.recorded_before = self.effects.is_recording();
            self.effects.set_recording(true);
            self.repl.activate(replid, &self.config);
        }
    }

    /// The backlog was freed ([`crate::engine::repl::Master::cron`]): effects are recorded
    /// only if they were before the first replica attached (a log needs them).
    pub fn replication_stopped(&mut self) {
        self.effects.take_unit();
        if !self.repl.recorded_before && self.durability.is_none() {
            self.effects.clear();
            self.effects.set_recording(false);
        }
    }

    /// Ends a replication unit (see [`crate::engine::repl`]): the effects recorded since
    /// the last one go to the replicas, wrapped in MULTI/EXEC if there are several. Without
    /// a log they are dropped from the buffer then. True if anything was fed.
    pub fn end_unit(&mut self) -> bool {
        self.end_unit_as(true)
    }

    /// [`Store::end_unit`], with `wrap` false feeding each effect as a unit of its own
    /// (the expiry deletions of a command that touches arbitrary keys: Redis 7.0 does not
    /// wrap those in MULTI/EXEC, `CMD_TOUCHES_ARBITRARY_KEYS`).
    pub fn end_unit_as(&mut self, wrap: bool) -> bool {
        if !self.repl.is_active() {
            return false;
        }
        let unit = self.effects.take_unit();
        if wrap {
            if !unit.is_empty() {
                self.repl.feed_unit(&unit, &self.config);
            }
        } else {
            for e in &unit {
                self.repl.feed_unit(std::slice::from_ref(e), &self.config);
            }
        }
        if self.durability.is_none() {
            self.effects.clear();
        }
        !unit.is_empty()
    }

    /// A key deleted by expiry or eviction outside any command (the active cycle, the
    /// timer) is its own replication unit; one a command met belongs to that command's unit
    /// (Redis 7.0 wraps `DEL key` and the write in MULTI/EXEC then).
    pub(crate) fn deletion_unit(&mut self) {
        if self.repl.is_active() && self.observer.depth() == 0 {
            self.end_unit();
        }
    }

    /// Records an effect (a deterministic command vector on database `db`).
    #[inline]
    pub fn record_effect<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        self.effects.record(db, argv);
    }

    /// Records an effect for the replication stream only, when replicas are fed (see
    /// [`EffectBuffer::record_repl_only`]): PUBLISH and SPUBLISH, as Redis propagates them.
    pub fn record_repl_only_effect<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        if self.repl.is_active() {
            self.effects.record_repl_only(db, argv);
        }
    }

    /// Records an effect for the log only (see [`EffectBuffer::record_log_only`]).
    pub fn record_log_only_effect<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        self.effects.record_log_only(db, argv);
    }

    // -- expiry ----------------------------------------------------------------------

    /// The one expiry rule (Redis `keyIsExpired`): the entry's deadline has passed at `now`
    /// (a key lives through its deadline millisecond) and the store is not loading.
    #[inline]
    pub fn is_expired(&self, e: &Entry, now: u64) -> bool {
        self.deadline_passed(e.expire(), now)
    }

    /// [`Store::is_expired`] for a bare deadline.
    #[inline]
    pub fn deadline_passed(&self, at: Option<u64>, now: u64) -> bool {
        !self.loading && at.is_some_and(|at| crate::keyspace::deadline_passed(at, now))
    }

    /// The command an expiry's deletion is propagated as (Redis `propagateDeletion` with
    /// `lazyfree-lazy-expire`): UNLINK when it is on, else DEL.
    pub fn expire_deletion(&self) -> &'static [u8] {
        if self.config.lazyfree_lazy_expire {
            b"UNLINK"
        } else {
            b"DEL"
        }
    }

    /// Deletes an expired key as Redis's `deleteExpiredKeyAndPropagate` does: logs a DEL
    /// (UNLINK under `lazyfree-lazy-expire`, as Redis's `propagateDeletion`),
    /// fires the `expired` notification and invalidates WATCH. Like Redis it leaves the
    /// dirty counter alone: the DEL is the logged effect, and a write command whose only
    /// change was such a deletion must not also be logged as its request (which would put
    /// e.g. `BLPOP key 0` or a relative `EXPIRE` in the log).
    pub fn expire_key(&mut self, db: usize, key: &[u8]) {
        if self.dbs[db].remove(key).is_some() {
            self.expired_keys += 1;
            let del = self.expire_deletion();
            self.effects.record(db, &[del, key]);
            self.deletion_unit();
            self.notify(notify::EXPIRED, "expired", db, key);
            self.signal_modified(db, key);
        }
    }

    /// Reclaims up to `limit` expired keys across all databases; returns how many. Nothing
    /// while a CLIENT PAUSE is in force (the dataset stays constant, as in Redis), after
    /// DEBUG SET-ACTIVE-EXPIRE 0, or on a replica (REPLICAOF).
    pub fn active_expire(&mut self, limit: usize) -> usize {
        // A replica leaves expiry to its master's DELs (Redis runs the cycle on masters).
        if self.blocking.is_paused()
            || !self.config.active_expire_enabled
            || self.repl.follow.is_some()
        {
            return 0;
        }
        let now = self.clock.now_ms();
        let mut done = 0;
        for db in 0..self.dbs.len() {
            if done >= limit {
                break;
            }
            for key in self.dbs[db].due(now, limit - done) {
                self.expire_key(db, &key);
                done += 1;
            }
        }
        done
    }

    // -- modification hooks ------------------------------------------------------------

    /// `key` in `db` changed (Redis `signalModifiedKey`): invalidates WATCH and
    /// client-side caches of the key (`trackingInvalidateKey`), and re-checks clients
    /// blocked on it.
    #[inline]
    pub fn signal_modified(&mut self, db: usize, key: &[u8]) {
        if !self.blocking.is_empty() {
            self.blocking.signal(db, key);
        }
        self.touch_watched_key(db, key);
        self.tracking_invalidate_key(key);
    }

    /// FLUSHDB / FLUSHALL of `db`, called before emptying it: invalidates the watchers of
    /// keys that exist in it (Redis 7.0 `touchAllWatchedKeysInDb(db, NULL)`).
    pub fn signal_flushed_db(&mut self, db: usize) {
        self.blocking.signal_db(db);
        self.touch_all_watched_keys_in_db(db, None);
    }

    /// SWAPDB `a` `b`, called before swapping: invalidates the watchers of keys that exist
    /// in either database, and re-checks clients blocked in either.
    pub fn signal_swapped_dbs(&mut self, a: usize, b: usize) {
        self.blocking.signal_db(a);
        self.blocking.signal_db(b);
        self.touch_all_watched_keys_in_db(a, Some(b));
        self.touch_all_watched_keys_in_db(b, Some(a));
    }

    /// Queues a keyspace notification if `class` is enabled (Redis `notifyKeyspaceEvent`).
    pub fn notify(&mut self, class: u32, event: &str, db: usize, key: &[u8]) {
        let flags = self.config.notify_keyspace_events;
        if flags & class == 0 {
            return;
        }
        // Published at once, as Redis does, and kept in `notifications` (bounded) for
        // inspection.
        if self.notifications.len() >= 1 << 16 {
            self.notifications.drain(..1 << 15);
        }
        if flags & notify::KEYSPACE != 0 {
            let mut ch = format!("__keyspace@{db}__:").into_bytes();
            ch.extend_from_slice(key);
            let limit = self.config.client_output_buffer_limit.pubsub;
            self.pubsub.publish(limit, &ch, event.as_bytes(), false);
            self.notifications.push((ch, event.as_bytes().to_vec()));
        }
        if flags & notify::KEYEVENT != 0 {
            let ch = format!("__keyevent@{db}__:{event}").into_bytes();
            let limit = self.config.client_output_buffer_limit.pubsub;
            self.pubsub.publish(limit, &ch, key, false);
            self.notifications.push((ch, key.to_vec()));
        }
    }

    /// Total keys across databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
}

/// The durability hook lent out of its store for one commit ([`Store::commit_durable`]):
/// dropping the guard (at the end of the commit, or while it unwinds) puts the hook back.
struct LentDurability<'a> {
    store: &'a mut Store,
    hook: Option<Arc<dyn Durability>>,
}

impl Drop for LentDurability<'_> {
    fn drop(&mut self) {
        self.store.durability = self.hook.take();
    }
}

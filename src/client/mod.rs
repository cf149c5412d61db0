//! The embedded client: the [`Redis`] handle users hold, its [`Builder`], the typed command
//! methods (named as in redis-py), the [`Redis::cmd`] escape hatch, [`Pipeline`]s, SCAN
//! iterators and reply conversion.
//!
//! ```
//! use emu::{Redis, SetOptions};
//!
//! let r = Redis::new();
//! r.set("username", "john_doe").unwrap();
//! // Data replies: the caller chooses the type — the Rust form of `decode_responses=True`.
//! let name: Option<String> = r.get("username").unwrap();
//! assert_eq!(name.as_deref(), Some("john_doe"));
//! let raw: Option<Vec<u8>> = r.get("username").unwrap();
//! assert_eq!(raw.as_deref(), Some(&b"john_doe"[..]));
//!
//! // Fixed-shape replies: the method returns the one type.
//! assert!(r.set_options("lock", "me", SetOptions::default().nx().ex(10)).unwrap());
//! assert_eq!(r.incrby("counter", 5).unwrap(), 5);
//! ```
//!
//! # Return types
//!
//! The rule is stated once, in the crate docs ([Reply types](crate#reply-types)): a command
//! whose reply has one fixed shape returns that type (`set` → `()`, `incr` → `i64`,
//! `expire` → `bool`); a command that returns stored data is generic in `RV: FromValue` —
//! annotate the binding (`let v: Option<String> = r.get("k")?;`) or turbofish the last
//! parameter (`r.get::<_, Option<String>>("k")?`). [`Redis::cmd`] is always generic. See
//! [`convert`] for which replies convert to which types. Error replies are `Err` with
//! Redis's exact text.
//!
//! # Time and determinism
//!
//! The store reads time only from its [`Clock`] and randomness only from its seeded RNG, so
//! tests can be exact: build with [`Builder::manual_clock`] (or call [`Redis::set_time`]) and
//! move time with [`Redis::advance_time`]; TTL, PTTL, expiry and `TIME` follow it. Expired
//! keys vanish lazily on access (and a few at a time as commands run);
//! [`Redis::purge_expired`] reclaims them all at once. [`Builder::seed`] fixes the RNG
//! behind SPOP, SRANDMEMBER, RANDOMKEY, HRANDFIELD, ZRANDMEMBER: the same seed and commands
//! give the same results.
//!
//! # Databases
//!
//! A store has 16 databases by default ([`Builder::databases`]). [`Redis::with_db`] gives a
//! handle on the same store selecting another one — redis-py's `Redis(db=n)`.
//!
//! # Connecting like redis-py
//!
//! [`Redis::new`] is a private store. To have several clients share one, as clients of one
//! server do, connect them to the same address: [`Redis::options`]`.host(..).port(..).db(..)
//! .password(..).connect()` ([`connect`]), [`from_url`] (`redis://`, `unix://`, `emu://`;
//! [`url`]), a [`ConnectionPool`] ([`pool`]) or a [`Sentinel`] ([`sentinel`]). Distributed
//! locks with redis-py's `Lock` semantics: [`Redis::lock`] ([`lock`]).

pub mod asynchronous;
mod commands;
/// Stream option structs and reply types (re-exported at the crate root).
pub mod streams {
    pub use super::commands::streams::{
        AutoClaim, PendingEntry, PendingSummary, StreamEntry, XAddOptions, XClaimOptions,
        XPendingOptions, XReadOptions, XTrim,
    };
}
pub mod connect;
pub mod convert;
pub mod lock;
pub mod options;
mod pipeline;
pub mod pool;
pub mod pubsub;
mod scan;
pub mod scripting;
pub mod sentinel;
pub mod url;

pub use asynchronous::{AsyncCmd, AsyncPubSub, AsyncRedis, AsyncReply, PubSubStream};
pub use commands::bits::{
    BitField, BitFieldType, BitOffset, BitOp, BitOverflow, BitPosRange, BitRange, BitUnit, LcsIdx,
    LcsMatch, LcsOptions,
};
pub use commands::geo::{GeoAddOptions, GeoMatch, GeoSearch, GeoUnit, GeoWith};
pub use commands::sort::SortOptions;
pub use convert::{ArgBuf, FromValue, ToArg, ToPair};
pub use options::{
    Condition, CopyOptions, Direction, ExpireOption, Expiry, InsertPosition, LPosOptions, MinMax,
    RestoreOptions, ScanOptions, SetExpiry, SetOptions, ZAddOptions, ZAggregate, ZAggregateOptions,
    ZRangeOptions,
};
pub use pipeline::{Pipeline, PipelineCmd};
pub use pubsub::{Message, MessageKind, PubSub, PubSubWorker};
pub use scan::{ScanIter, ScanStream};
pub use scripting::{FunctionInfo, FunctionLibrary, Script};

pub use connect::ConnectOptions;
pub use lock::{AsyncLock, Lock, LockGuard, LockOptions};
pub use pool::{ConnectionPool, PooledConnection};
pub use sentinel::Sentinel;
pub use url::from_url;

use std::sync::Arc;

use parking_lot::Mutex;

use crate::config::Config;
use crate::engine::Store;
use crate::engine::{self, Session, Shared};
use crate::error::Result;
use crate::keyspace::Clock;
use crate::value::Value;

/// An embedded Redis-compatible store handle.
///
/// Cheap to clone; clones share the store (like clients of one server) and the selected
/// database. Every command runs atomically under the store's lock.
///
/// Besides the methods below that manage the handle and the clock, `Redis` has one typed
/// method per Redis command, named as in redis-py (`get`, `set`, `set_options`, `incrby`,
/// `hset_mapping`, `zadd`, `zrange_withscores`, `delete`, `expire`, …), returning the reply's
/// type where it has one fixed shape and generic in it where it carries your data (see the
/// crate docs' [Reply types](crate#reply-types) and [`convert`]).
///
/// ```
/// use std::collections::HashMap;
/// let redis = emu::Redis::new();
/// redis.hset_mapping("user:1", &[("name", "Ada"), ("lang", "en")])?;
/// let user: HashMap<String, String> = redis.hgetall("user:1")?;
/// assert_eq!(user["name"], "Ada");
/// let worker = redis.clone(); // same store, usable from another thread
/// std::thread::spawn(move || worker.incr("visits")).join().unwrap()?;
/// assert_eq!(redis.get::<_, i64>("visits")?, 1);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone)]
pub struct Redis {
    shared: Arc<Shared>,
    session: Arc<Mutex<Session>>,
    /// How the handle was connected ([`Redis::connect`], [`from_url`]); None otherwise.
    info: Option<Arc<connect::ConnInfo>>,
    /// The remote backend ([`Redis::remote`]): when set, every command goes there and
    /// `shared` is an unused placeholder store.
    #[cfg(feature = "remote")]
    remote: Option<crate::remote::Handle>,
}

impl Default for Redis {
    fn default() -> Self {
        Redis::new()
    }
}

/// Builds a [`Redis`] with options.
///
/// ```
/// use std::time::Duration;
/// let redis = emu::Redis::builder()
///     .manual_clock(1_700_000_000_000) // time moves only when told
///     .seed(42)                        // reproducible SPOP, RANDOMKEY, …
///     .databases(4)
///     .build();
/// redis.set_options("otp", "123456", emu::SetOptions::default().ex(60))?;
/// redis.advance_time(Duration::from_secs(61))?;
/// assert_eq!(redis.get::<_, Option<String>>("otp")?, None);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: Config,
    clock: Clock,
    seed: u64,
    db: usize,
    persist: crate::persist::Options,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            config: Config::default(),
            clock: Clock::System,
            seed: 0,
            db: 0,
            persist: crate::persist::Options::default(),
        }
    }
}

impl Builder {
    /// Seed of the store's RNG (SPOP, RANDOMKEY, …). Default 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A manual clock frozen at `unix_ms`; move it with [`Redis::set_time`] /
    /// [`Redis::advance_time`].
    pub fn manual_clock(mut self, unix_ms: u64) -> Self {
        self.clock = Clock::Manual(unix_ms);
        self
    }

    /// Number of databases (default 16).
    pub fn databases(mut self, n: usize) -> Self {
        self.config.databases = n.max(1);
        self
    }

    /// The database the first handle selects.
    pub fn db(mut self, db: usize) -> Self {
        self.db = db;
        self
    }

    /// A memory bound in bytes (`maxmemory`; 0, the default, means none): past it, keys are
    /// evicted as [`Builder::maxmemory_policy`] says, or write commands fail with `OOM`.
    /// The figure is INFO `used_memory`: a fixed startup part (900 KiB) and the store's own
    /// estimate of its data and caches (see `emu::engine::memory`), not the process's.
    pub fn maxmemory(mut self, bytes: u64) -> Self {
        self.config.maxmemory = bytes;
        self
    }

    /// What to do past [`Builder::maxmemory`] (`maxmemory-policy`; default
    /// [`MaxmemoryPolicy::Noeviction`](crate::MaxmemoryPolicy::Noeviction)).
    pub fn maxmemory_policy(mut self, policy: crate::MaxmemoryPolicy) -> Self {
        self.config.maxmemory_policy = policy;
        self
    }

    /// Cluster mode (`cluster-enabled yes`): the store acts as a one-node Redis Cluster
    /// owning all 16,384 slots, with Redis Cluster's rules — commands and transactions whose
    /// keys hash to several slots fail with `CROSSSLOT` ([`crate::ErrorKind::CrossSlot`]),
    /// only database 0 — so tests catch code that would fail on a real cluster.
    pub fn cluster_mode(mut self, on: bool) -> Self {
        self.config.cluster_enabled = on;
        self
    }

    /// fsync policy of a persistent store ([`Builder::open`]); default `everysec`.
    pub fn appendfsync(mut self, policy: crate::persist::AppendFsync) -> Self {
        self.persist.fsync = policy;
        self
    }

    /// Compact when the log outgrows the snapshot by this factor (default 2.0) and
    /// `min_bytes` (default 4 MiB; `u64::MAX` disables automatic compaction).
    pub fn compaction(mut self, factor: f64, min_bytes: u64) -> Self {
        self.persist.compaction_factor = factor;
        self.persist.compaction_min_bytes = min_bytes;
        self
    }

    /// Opens (creating) the data directory `dir`: the recorded data is loaded and every
    /// write is logged there (FORMAT.md). Fails if another process or handle holds it.
    pub fn open(self, dir: impl AsRef<std::path::Path>) -> Result<Redis> {
        let db = self.db;
        let store = crate::persist::open(
            dir.as_ref(),
            self.persist,
            Store::new(self.config, self.clock, self.seed),
        )?;
        let r = Redis::from_store(store);
        r.session.lock().db = db;
        Ok(r)
    }

    /// Opens a recorded directory as a test fixture: loaded into memory (the files are
    /// never modified; changes stay in memory) with the clock frozen at the recording time
    /// (or as `clock` says). See [`crate::persist::fixture`].
    pub fn fixture(
        self,
        dir: impl AsRef<std::path::Path>,
        clock: crate::persist::FixtureClock,
    ) -> Result<Redis> {
        let db = self.db;
        let (store, _) = crate::persist::Fixture::new(dir)
            .clock(clock)
            .open(Store::new(self.config, self.clock, self.seed))?;
        let r = Redis::from_store(store);
        r.session.lock().db = db;
        Ok(r)
    }

    /// Like [`Builder::fixture`] but copies the directory into a temporary one opened with
    /// persistence (deleted when the store is dropped).
    pub fn fixture_copy(
        self,
        dir: impl AsRef<std::path::Path>,
        clock: crate::persist::FixtureClock,
    ) -> Result<Redis> {
        let db = self.db;
        let (store, _) = crate::persist::Fixture::new(dir)
            .clock(clock)
            .copy_on_open(self.persist)
            .open(Store::new(self.config, self.clock, self.seed))?;
        let r = Redis::from_store(store);
        r.session.lock().db = db;
        Ok(r)
    }

    /// Builds an in-memory store.
    pub fn build(self) -> Redis {
        let store = Store::new(self.config, self.clock, self.seed);
        let r = Redis::from_store(store);
        r.session.lock().db = self.db;
        r
    }
}

impl Redis {
    /// A new in-memory store with default settings (system clock, seed 0, 16 databases).
    pub fn new() -> Redis {
        Builder::default().build()
    }

    /// Opens (creating) a persistent store in `dir` with default options (`everysec`).
    /// See [`Builder::open`].
    pub fn open(dir: impl AsRef<std::path::Path>) -> Result<Redis> {
        Builder::default().open(dir)
    }

    /// Opens a recorded directory as a fixture (in memory, clock frozen at the recording
    /// time). See [`Builder::fixture`].
    pub fn fixture(dir: impl AsRef<std::path::Path>) -> Result<Redis> {
        Builder::default().fixture(dir, crate::persist::FixtureClock::Recorded)
    }

    /// The persistence handle of a store opened with [`Redis::open`] (log statistics,
    /// warnings, compaction state); None for an in-memory store and for a remote handle.
    pub fn persistence(&self) -> Option<std::sync::Arc<crate::persist::Handle>> {
        self.embedded("persistence").ok()?;
        crate::persist::handle_of(&self.shared.lock())
    }

    /// A builder for options (seed, manual clock, databases).
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The shared store (for front ends in this crate: the RESP server, adapters).
    #[cfg_attr(not(any(feature = "server", feature = "redis-rs")), allow(dead_code))]
    pub(crate) fn shared_store(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn from_store(store: Store) -> Redis {
        let durable = store.durability().is_some();
        let shared = Arc::new(Shared::new(store));
        // Active expiry on a timer (stores with the system clock only). Not for a persistent
        // store: the timer may hold the last reference when the program exits, and the
        // store's final flush must run on the program's own thread (the server runs the
        // cycle for the stores it serves).
        if !durable {
            crate::engine::cron::register(&shared);
        }
        Redis {
            shared,
            session: Arc::new(Mutex::new(new_session(0))),
            info: None,
            #[cfg(feature = "remote")]
            remote: None,
        }
    }

    /// A handle on a real Redis / Valkey server or a Redis Cluster (feature `remote`):
    /// `remote+redis://[[user]:password@]host[:port][/db]`, `remote+unix:///path.sock`,
    /// `remote+cluster://host:port[,host:port…]` (also `redis+cluster://…`). Every typed
    /// method, [`Redis::cmd`], pipelines, transactions, [`Redis::pubsub`], scripts, SCAN
    /// iterators and [`Redis::lock`] then run there, with the same reply conversions and
    /// error kinds; [`crate::from_url`] accepts the same URLs, so one configuration string
    /// switches a program between embedded (`emu://…`) and remote. See [`crate::remote`].
    ///
    /// Methods that manage an embedded store have no store to act on here:
    /// [`Redis::with_store`], [`Redis::set_time`], [`Redis::advance_time`],
    /// [`Redis::now_ms`], [`Redis::purge_expired`] and [`Redis::monitor`] return an error
    /// of kind [`ErrorKind::Other`](crate::ErrorKind::Other) on a remote handle, naming the
    /// method and the URL (the same as [`Redis::embedded`]'s);
    /// [`Redis::persistence`] is `None`; the redis-rs adapter (`emu::adapters::redis_rs`)
    /// answers every command with an error (use redis-rs's own client for a server). A
    /// seed or clock is the server's business: [`Builder`] options do not apply.
    #[cfg(feature = "remote")]
    pub fn remote(url: &str) -> Result<Redis> {
        Redis::remote_with(url, &crate::remote::RemoteOptions::default())
    }

    /// [`Redis::remote`] with [`RemoteOptions`](crate::remote::RemoteOptions): e.g. the CA
    /// file a TLS server's certificate is checked against (feature `tls`):
    ///
    /// ```no_run
    /// let options = emu::remote::RemoteOptions {
    ///     ca_file: Some("/etc/redis/ca.crt".into()),
    /// };
    /// let r = emu::Redis::remote_with("remote+rediss://redis.internal:6380", &options)?;
    /// # Ok::<(), emu::Error>(())
    /// ```
    #[cfg(feature = "remote")]
    pub fn remote_with(url: &str, options: &crate::remote::RemoteOptions) -> Result<Redis> {
        let remote = crate::remote::Remote::connect_with(url, options)?;
        let db = url_db(url);
        // A private store whose only use is its RNG, which makes `Lock` tokens
        // (`token_bits`): seeded per handle and process, so two programs sharing a server
        // never draw the same tokens. Nothing else reaches it (`Redis::embedded`).
        static HANDLES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seed = Clock::System.now_ms()
            ^ (u64::from(std::process::id()) << 40)
            ^ HANDLES
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut r = Redis {
            shared: Arc::new(Shared::new(Store::new(
                Config::default(),
                Clock::System,
                seed,
            ))),
            session: Arc::new(Mutex::new(new_session(db))),
            info: None,
            remote: Some(crate::remote::Handle::new(remote)),
        };
        if db != 0 && r.is_cluster() {
            // Redis Cluster's own answer, from a dedicated connection's SELECT.
            r = r.with_db(db);
        }
        Ok(r)
    }

    /// This handle, if it runs on an embedded store (in memory, a data directory, a
    /// fixture); on a remote handle (feature `remote`) an error of kind
    /// [`ErrorKind::Other`](crate::ErrorKind::Other) saying that `what` needs an embedded
    /// store. The embedded-only methods ([`Redis::with_store`], the clock methods,
    /// [`Redis::purge_expired`], [`Redis::monitor`]) return this error on a remote handle;
    /// code that may run on either can also check first:
    ///
    /// ```
    /// let r = emu::from_url("emu://memory")?;
    /// if r.embedded("advance_time").is_ok() {
    ///     r.advance_time(std::time::Duration::from_secs(5))?;
    /// }
    /// # Ok::<(), emu::Error>(())
    /// ```
    pub fn embedded(&self, what: &str) -> Result<&Redis> {
        #[cfg(feature = "remote")]
        if let Some(h) = &self.remote {
            return Err(crate::error::Error::new(
                crate::error::ErrorKind::Other,
                format!(
                    "{what} needs an embedded store, but this handle is remote ({}): \
                     there is no local store, clock or RNG to act on",
                    h.remote().url()
                ),
            ));
        }
        #[cfg(not(feature = "remote"))]
        let _ = what;
        Ok(self)
    }

    /// The local store of an embedded handle, or [`Redis::embedded`]'s error on a remote
    /// one (an embedded-only method called on it must not silently act on nothing).
    fn local(&self, what: &str) -> Result<&Shared> {
        Ok(&self.embedded(what)?.shared)
    }

    /// Runs `f` on this handle's own store, for front ends in this crate that only ever
    /// hold embedded handles (the RESP server refuses remote ones when it is built). On a
    /// remote handle it would act on the handle's private seeding store, never a server.
    pub(crate) fn with_local_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.shared.lock())
    }

    /// 128 random bits for a [`Lock`] token: from the store's seeded RNG (on a remote
    /// handle, the RNG of its private seeding store, seeded per handle and process).
    pub(crate) fn token_bits(&self) -> (u64, u64) {
        let mut s = self.shared.lock();
        (s.rng.next_u64(), s.rng.next_u64())
    }

    /// True if this handle talks to a Redis Cluster (feature `remote`).
    pub fn is_cluster(&self) -> bool {
        #[cfg(feature = "remote")]
        if let Some(h) = &self.remote {
            return h.remote().is_cluster();
        }
        self.shared.lock().config.cluster_enabled
    }

    /// True if this handle talks to a server or cluster over the network (feature
    /// `remote`), false for an embedded store.
    pub fn is_remote(&self) -> bool {
        #[cfg(feature = "remote")]
        if self.remote.is_some() {
            return true;
        }
        false
    }

    /// The remote backend of this handle, if any.
    #[cfg(feature = "remote")]
    pub(crate) fn remote_handle(&self) -> Option<&crate::remote::Handle> {
        self.remote.as_ref()
    }

    /// A handle on the same store with its own session selecting database `db`.
    pub fn with_db(&self, db: usize) -> Redis {
        let mut session = new_session(db);
        {
            // A connected handle's auth state (its ACL user too) and replica mode carry over.
            let mine = self.session.lock();
            session.authenticated = mine.authenticated;
            session.user.clone_from(&mine.user);
            session.read_only = mine.read_only;
        }
        Redis {
            shared: self.shared.clone(),
            session: Arc::new(Mutex::new(session)),
            info: self.info.clone(),
            #[cfg(feature = "remote")]
            remote: self.remote.as_ref().map(|h| h.dedicated(db)),
        }
    }

    /// The database this handle's session has selected.
    pub fn db(&self) -> usize {
        self.session.lock().db
    }

    /// Runs one command given as an argument vector and returns the raw reply. Error
    /// replies come back as `Err`.
    ///
    /// A blocking command (BLPOP, BZPOPMIN, …) that cannot be served at once blocks the
    /// calling thread, holding no lock, until another handle or thread makes its key ready
    /// or its timeout passes (see [`crate::blocking`]).
    pub fn execute(&self, argv: &[&[u8]]) -> Result<Value> {
        #[cfg(feature = "remote")]
        if let Some(h) = &self.remote {
            return h.execute(argv);
        }
        loop {
            let Some((reply, waiter)) = self.attempt(argv)? else {
                match self.answer_while_busy(argv) {
                    Some(answer) => return answer,
                    None => continue,
                }
            };
            match waiter {
                // Postponed by CLIENT PAUSE: wait for its end, then run the command again.
                Some(w) if w.is_postponement() => {
                    w.wait(&self.shared)?;
                }
                Some(w) => return w.wait(&self.shared),
                None => return reply,
            }
        }
    }

    /// A script holds the store past busy-reply-threshold: SCRIPT KILL, FUNCTION KILL and
    /// FUNCTION STATS are answered now; the commands Redis allows while busy (MULTI,
    /// WATCH, …) run between two stretches of the script with this handle's session,
    /// everything else gets -BUSY. (A session in use elsewhere — the script's own — gets
    /// -BUSY for all.) None: the script ended, run the command the usual way. The wait
    /// for the script's next hook (every 100,000 Lua instructions) holds the calling
    /// thread, as the wait for the lock does, also for [`Redis::execute_async`].
    fn answer_while_busy(&self, argv: &[&[u8]]) -> Option<Result<Value>> {
        match self.session.try_lock() {
            Some(mut session) => {
                engine::busy::answer_while_busy_for(self.shared.busy(), &mut session, argv)
            }
            None => engine::busy::answer_while_busy(self.shared.busy(), argv),
        }
    }

    /// [`Redis::execute`] on the embedded store for [`AsyncRedis`]: the same steps, with a
    /// blocked or postponed command awaited as a future that holds no thread.
    pub(crate) async fn execute_async(&self, argv: &[&[u8]]) -> Result<Value> {
        loop {
            let Some((reply, waiter)) = self.attempt(argv)? else {
                match self.answer_while_busy(argv) {
                    Some(answer) => return answer,
                    None => continue,
                }
            };
            match waiter {
                Some(w) if w.is_postponement() => {
                    w.wait_async(&self.shared).await?;
                }
                Some(w) => return w.wait_async(&self.shared).await,
                None => return reply,
            }
        }
    }

    /// One run of `argv` on the embedded store: its reply and, when it blocked or was
    /// postponed, the waiter; None when a script holds the store (busy).
    #[allow(clippy::type_complexity)]
    fn attempt(
        &self,
        argv: &[&[u8]],
    ) -> Result<Option<(Result<Value>, Option<crate::blocking::Waiter>)>> {
        self.with_session_and_store_unless_busy(|store, session| {
            // A single command can wait for a CLIENT PAUSE to end (holding no lock).
            session.postponable = true;
            let mut reply = engine::execute(store, session, argv);
            session.postponable = false;
            if session.postpone.is_none() && session.reply_suppressed() {
                // CLIENT REPLY OFF / SKIP: the command ran; its reply reads as nil.
                reply = Ok(Value::Nil);
            }
            let waiter = match (session.block.take(), session.postpone.take()) {
                (Some(req), _) => Some(store.blocking.register(req, argv, session)),
                (None, Some(until)) => Some(store.blocking.postpone(until, argv, session)),
                (None, None) => None,
            };
            (reply, waiter)
        })
    }

    /// Waits, holding no lock, while a CLIENT PAUSE would hold back any of `commands`
    /// (embedded pipelines and transactions: they hold the store for their whole batch,
    /// so they wait before taking it, as one client whose commands are postponed).
    pub(crate) fn wait_while_paused(&self, commands: &[&[&[u8]]]) -> Result<()> {
        loop {
            let waiter = self.with_session_and_store(|store, session| {
                let until = commands.iter().find_map(|argv| {
                    let spec = store.table().get(argv.first()?)?;
                    engine::pause_applies(store, session, spec, argv)
                })?;
                Some(store.blocking.postpone(until, commands[0], session))
            })?;
            match waiter {
                Some(w) => {
                    w.wait(&self.shared)?;
                }
                None => return Ok(()),
            }
        }
    }

    /// Runs `f` holding this handle's session and the store (session first, always, so
    /// handles never deadlock).
    ///
    /// With a data directory ([`Redis::open`]) the effects of `f` are appended to the log
    /// under the lock, and durability (`appendfsync always`) is awaited after releasing
    /// it; an `Err` then means the write may not survive a crash (MISCONF).
    pub(crate) fn with_session_and_store<T>(
        &self,
        f: impl FnOnce(&mut Store, &mut Session) -> T,
    ) -> Result<T> {
        let mut session = self.session.lock();
        let mut batch = self.shared.batch();
        let out = f(batch.store(), &mut session);
        // Clones of a handle share its session: release it before waiting for an fsync
        // so their writes can share it (group commit).
        drop(session);
        batch.finish()?;
        Ok(out)
    }

    /// [`Redis::with_session_and_store`], but None (nothing run) when a script holds the
    /// store past `busy-reply-threshold` (see [`crate::engine::busy`]).
    fn with_session_and_store_unless_busy<T>(
        &self,
        f: impl FnOnce(&mut Store, &mut Session) -> T,
    ) -> Result<Option<T>> {
        let mut session = self.session.lock();
        let mut batch = self.shared.batch();
        let Some(store) = batch.store_unless_busy() else {
            return Ok(None);
        };
        let out = f(store, &mut session);
        drop(session);
        batch.finish()?;
        Ok(Some(out))
    }

    /// Runs a built argument vector and converts the reply (the typed methods' common tail).
    pub(crate) fn run<RV: FromValue>(&self, a: commands::Args) -> Result<RV> {
        // Short commands build their argument slice on the stack.
        const STACK: usize = 8;
        let n = a.0.len();
        if n <= STACK {
            let mut argv: [&[u8]; STACK] = [&[]; STACK];
            for (slot, arg) in argv.iter_mut().zip(a.0.iter()) {
                *slot = arg;
            }
            return RV::from_value(self.execute(&argv[..n])?);
        }
        RV::from_value(self.execute(&a.0.slices())?)
    }

    /// A MONITOR stream of this store: every command any client of it runs from now on
    /// (handles, pipelines, server connections, scripts), one line each in Redis's format
    /// without the leading `+` — see [`crate::admin::monitor`].
    ///
    /// ```
    /// let redis = emu::Redis::new();
    /// let mon = redis.monitor()?;
    /// redis.cmd("SET").arg("k").arg("v").query::<()>()?;
    /// let line = mon.next_timeout(std::time::Duration::from_secs(1)).unwrap();
    /// assert!(line.ends_with(r#"[0 embedded] "SET" "k" "v""#));
    /// # Ok::<(), emu::Error>(())
    /// ```
    ///
    /// # Errors
    /// On a remote handle, [`Redis::embedded`]'s error (kind `Other`): a server's own
    /// MONITOR is a connection of its own — `redis-cli monitor`.
    pub fn monitor(&self) -> Result<crate::admin::monitor::Monitor> {
        Ok(crate::admin::monitor::Monitor::attach(
            self.local("Redis::monitor")?,
        ))
    }

    /// A new, empty transactional [`Pipeline`] on this handle (same store, same session):
    /// `execute` runs it in MULTI/EXEC, like redis-py's `pipeline()`. See also
    /// [`Redis::pipeline_batch`] and [`Redis::transaction`].
    pub fn pipeline(&self) -> Pipeline {
        Pipeline::new(self.clone())
    }

    /// Starts an arbitrary command: `r.cmd("SET").arg("k").arg(1).query::<bool>()`.
    pub fn cmd(&self, name: &str) -> Cmd<'_> {
        let mut args = ArgBuf::new();
        args.push(name);
        Cmd { redis: self, args }
    }

    /// Runs `f` with exclusive access to the store (tests, persistence).
    ///
    /// # Errors
    /// On a remote handle, [`Redis::embedded`]'s error (kind `Other`; `f` does not run).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Result<T> {
        Ok(f(&mut self.local("Redis::with_store")?.lock()))
    }

    /// Sets the manual clock to `unix_ms` (switching to a manual clock if needed). Every
    /// handle of the store sees the new time; keys whose expiry has passed are gone on
    /// their next access.
    ///
    /// # Errors
    /// On a remote handle, [`Redis::embedded`]'s error (kind `Other`): a server's clock is
    /// not emu's.
    pub fn set_time(&self, unix_ms: u64) -> Result<()> {
        self.local("Redis::set_time")?.lock().clock = Clock::Manual(unix_ms);
        Ok(())
    }

    /// Advances the manual clock by `by` (switching from the system clock freezes it at the
    /// current wall time first): `r.advance_time(Duration::from_secs(61))` lets a 60-second
    /// TTL lapse instantly.
    ///
    /// # Errors
    /// On a remote handle, [`Redis::embedded`]'s error (kind `Other`).
    pub fn advance_time(&self, by: std::time::Duration) -> Result<()> {
        let mut s = self.local("Redis::advance_time")?.lock();
        let now = s.clock.now_ms();
        s.clock = Clock::Manual(now + by.as_millis() as u64);
        Ok(())
    }

    /// The store's current time in Unix milliseconds.
    ///
    /// # Errors
    /// On a remote handle, [`Redis::embedded`]'s error (kind `Other`; the server's time is
    /// `TIME`).
    pub fn now_ms(&self) -> Result<u64> {
        Ok(self.local("Redis::now_ms")?.lock().clock.now_ms())
    }

    /// Reclaims every expired key now (normally done incrementally); returns how many.
    ///
    /// # Errors
    /// On a remote handle, [`Redis::embedded`]'s error (kind `Other`).
    pub fn purge_expired(&self) -> Result<usize> {
        Ok(self
            .local("Redis::purge_expired")?
            .lock()
            .active_expire(usize::MAX))
    }
}

/// The database a `remote+redis://host/N` or `?db=N` URL selects (0 when none).
#[cfg(feature = "remote")]
fn url_db(url: &str) -> usize {
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    };
    if let Some(db) = query.and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("db="))
            .and_then(|v| v.parse().ok())
    }) {
        return db;
    }
    let after = path.split_once("://").map(|(_, a)| a).unwrap_or("");
    if path.to_ascii_lowercase().contains("unix://") {
        return 0;
    }
    after
        .split_once('/')
        .and_then(|(_, db)| db.parse().ok())
        .unwrap_or(0)
}

fn new_session(db: usize) -> Session {
    Session {
        id: crate::engine::next_client_id(),
        db,
        resp: 3,
        name: None,
        ..Session::default()
    }
}

/// A command being built by [`Redis::cmd`]: any command the engine knows, with any
/// arguments ([`ToArg`]), its reply converted by [`Cmd::query`].
///
/// ```
/// let redis = emu::Redis::new();
/// redis.cmd("SET").arg("k").arg(10).arg("EX").arg(60).query::<()>()?;
/// let ttl: i64 = redis.cmd("TTL").arg("k").query()?;
/// assert_eq!(ttl, 60);
/// let raw: emu::Value = redis.cmd("OBJECT").arg("ENCODING").arg("k").query()?;
/// assert_eq!(raw, emu::Value::bulk("int"));
/// # Ok::<(), emu::Error>(())
/// ```
pub struct Cmd<'r> {
    redis: &'r Redis,
    args: ArgBuf,
}

impl Cmd<'_> {
    /// Appends an argument.
    pub fn arg(mut self, a: impl ToArg) -> Self {
        a.write_args(&mut self.args);
        self
    }

    /// Runs the command and converts the reply.
    pub fn query<T: FromValue>(self) -> Result<T> {
        T::from_value(self.redis.execute(&self.args.slices())?)
    }
}

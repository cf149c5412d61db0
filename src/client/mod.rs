//! The embedded client: the `Redis` handle users hold, its builder, the `cmd` escape hatch
//! and the typed command methods, plus pipelines and reply conversion.

pub mod convert;

pub use convert::{FromValue, ToArg};

use std::sync::Arc;

use parking_lot::Mutex;

use crate::engine::{self, Session};
use crate::error::Result;
use crate::keyspace::{Clock, Config, Store};
use crate::value::Value;

/// State shared by every handle of one store.
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
}

/// An embedded Redis-compatible store handle.
///
/// Cheap to clone; clones share the store (like clients of one server) and the selected
/// database. Every command runs atomically under the store's lock.
#[derive(Clone)]
pub struct Redis {
    shared: Arc<Shared>,
    session: Arc<Mutex<Session>>,
}

impl Default for Redis {
    fn default() -> Self {
        Redis::new()
    }
}

/// Builds a [`Redis`] with options.
#[derive(Clone, Debug)]
pub struct Builder {
    config: Config,
    clock: Clock,
    seed: u64,
    db: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            config: Config::default(),
            clock: Clock::System,
            seed: 0,
            db: 0,
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

    /// A builder for options (seed, manual clock, databases).
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The shared store (for front ends in this crate: the RESP server, adapters).
    #[cfg_attr(not(any(feature = "server", feature = "redis-rs")), allow(dead_code))]
    pub(crate) fn shared_store(&self) -> &Mutex<Store> {
        &self.shared.store
    }

    pub(crate) fn from_store(store: Store) -> Redis {
        Redis {
            shared: Arc::new(Shared {
                store: Mutex::new(store),
            }),
            session: Arc::new(Mutex::new(new_session(0))),
        }
    }

    /// A handle on the same store with its own session selecting database `db`.
    pub fn with_db(&self, db: usize) -> Redis {
        Redis {
            shared: self.shared.clone(),
            session: Arc::new(Mutex::new(new_session(db))),
        }
    }

    /// The database this handle's session has selected.
    pub fn db(&self) -> usize {
        self.session.lock().db
    }

    /// Runs one command given as an argument vector and returns the raw reply. Error
    /// replies come back as `Err`.
    pub fn execute(&self, argv: &[&[u8]]) -> Result<Value> {
        let mut session = self.session.lock();
        let mut store = self.shared.store.lock();
        engine::execute(&mut store, &mut session, argv)
    }

    /// Starts an arbitrary command: `r.cmd("SET").arg("k").arg(1).query::<bool>()`.
    pub fn cmd(&self, name: &str) -> Cmd<'_> {
        Cmd {
            redis: self,
            args: vec![name.as_bytes().to_vec()],
        }
    }

    /// Runs `f` with exclusive access to the store (tests, persistence).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.shared.store.lock())
    }

    /// Sets the manual clock to `unix_ms` (switching to a manual clock if needed).
    pub fn set_time(&self, unix_ms: u64) {
        self.shared.store.lock().clock = Clock::Manual(unix_ms);
    }

    /// Advances the manual clock (switching from the system clock freezes it at now first).
    pub fn advance_time(&self, by: std::time::Duration) {
        let mut s = self.shared.store.lock();
        let now = s.clock.now_ms();
        s.clock = Clock::Manual(now + by.as_millis() as u64);
    }

    /// The store's current time in Unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.shared.store.lock().clock.now_ms()
    }

    /// Reclaims every expired key now (normally done incrementally); returns how many.
    pub fn purge_expired(&self) -> usize {
        self.shared.store.lock().active_expire(usize::MAX)
    }
}

fn new_session(db: usize) -> Session {
    Session {
        id: crate::engine::server::next_client_id(),
        db,
        resp: 3,
        name: None,
        ..Session::default()
    }
}

/// A command being built by [`Redis::cmd`].
pub struct Cmd<'r> {
    redis: &'r Redis,
    args: Vec<Vec<u8>>,
}

impl Cmd<'_> {
    /// Appends an argument.
    pub fn arg(mut self, a: impl ToArg) -> Self {
        a.write_args(&mut self.args);
        self
    }

    /// Runs the command and converts the reply.
    pub fn query<T: FromValue>(self) -> Result<T> {
        let argv: Vec<&[u8]> = self.args.iter().map(|a| a.as_slice()).collect();
        T::from_value(self.redis.execute(&argv)?)
    }
}

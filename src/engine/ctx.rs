//! `Ctx`: what a command handler sees — the store, the calling session, the command's time
//! snapshot — and the only way handlers read and write keys.
//!
//! Every lookup applies lazy expiry. Every modification must be reported with
//! [`Ctx::modified`] (WATCH invalidation + keyspace notification + dirty counter); handlers
//! whose request is not deterministic to replay (EXPIRE, SET EX, SPOP, INCRBYFLOAT, …) record
//! what they *did* with [`Ctx::propagate`].

use crate::error::{Error, Result};
use crate::keyspace::{notify, Db, Entry, Object, Store};

/// Per-connection state. Never shared between connections.
#[derive(Clone, Debug)]
pub struct Session {
    /// Client id (CLIENT ID).
    pub id: u64,
    /// Selected database.
    pub db: usize,
    /// Protocol version: 2 or 3.
    pub resp: u8,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// False until AUTH succeeds when a password is required (Redis `c->authenticated`).
    pub authenticated: bool,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Vec<u8>>,
    /// Set by QUIT (or CLIENT KILL of oneself): the front end closes the connection after
    /// sending this command's reply.
    pub close_after_reply: bool,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// The network connection this session belongs to, when served by `emu serve`: gives
    /// CLIENT LIST / KILL / INFO access to the server's client registry and statistics.
    pub link: Option<crate::admin::Link>,
    /// The client talks to a read-only replica (a Sentinel `slave_for` handle): write
    /// commands fail with `READONLY` (checked by [`crate::engine::execute`]).
    pub read_only: bool,
    /// True while EXEC runs the queued commands: blocking commands never block then.
    pub in_multi: bool,
    /// MULTI queue and WATCH guard (see `engine::multi`).
    pub tx: crate::tx::TxState,
    /// Set by a blocking command that could not be served: the front end blocks the
    /// client on these keys (see `crate::blocking`). Cleared before every command.
    pub block: Option<crate::blocking::BlockRequest>,
    /// Pub/Sub mailbox of this client (created by the front end, or on first SUBSCRIBE).
    pub pubsub: Option<std::sync::Arc<crate::pubsub::Mailbox>>,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            id: 0,
            db: 0,
            resp: 2,
            name: None,
            authenticated: true,
            lib_name: None,
            lib_ver: None,
            close_after_reply: false,
            no_evict: false,
            link: None,
            read_only: false,
            in_multi: false,
            tx: Default::default(),
            block: None,
            pubsub: None,
        }
    }
}

/// The handler context. See the module docs.
pub struct Ctx<'a> {
    /// The whole store.
    pub store: &'a mut Store,
    /// The calling session.
    pub session: &'a mut Session,
    /// Command time snapshot (Unix ms): every expiry decision of one command uses it.
    pub now: u64,
    rewritten: Option<Vec<Vec<Vec<u8>>>>,
}

impl<'a> Ctx<'a> {
    /// A context for one command.
    pub fn new(store: &'a mut Store, session: &'a mut Session) -> Ctx<'a> {
        // Inside EXEC every command sees EXEC's time (Redis `fixed_time_expire`).
        let now = store.frozen_now.unwrap_or_else(|| store.clock.now_ms());
        store.last_command_ms = now;
        Ctx {
            store,
            session,
            now,
            rewritten: None,
        }
    }

    /// Protocol version of the caller (2 or 3).
    #[inline]
    pub fn resp(&self) -> u8 {
        self.session.resp
    }

    /// Index of the selected database.
    #[inline]
    pub fn db_index(&self) -> usize {
        self.session.db
    }

    /// The selected database, raw (no expiry applied). Prefer the lookup methods.
    #[inline]
    pub fn db(&mut self) -> &mut Db {
        &mut self.store.dbs[self.session.db]
    }

    /// Deletes `key` if it is logically expired; returns its slot if it is still live.
    #[inline]
    fn live_slot(&mut self, db: usize, key: &[u8]) -> Option<u32> {
        let d = &self.store.dbs[db];
        let i = d.dict.find_slot(key)?;
        if let Some(at) = d.dict.at(i).expire {
            // Redis keyIsExpired: a key is live through its deadline millisecond.
            if at < self.now && !self.store.loading {
                self.store.expire_key(db, key);
                return None;
            }
        }
        Some(i)
    }

    /// The live entry under `key` in the selected db (lazy expiry applied).
    #[inline]
    pub fn entry(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.entry_in(self.session.db, key)
    }

    /// The live entry under `key` in database `db`.
    #[inline]
    pub fn entry_in(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let i = self.live_slot(db, key)?;
        Some(self.store.dbs[db].dict.at_mut(i))
    }

    /// The live value under `key` for reading.
    #[inline]
    pub fn read(&mut self, key: &[u8]) -> Option<&Object> {
        self.entry(key).map(|e| &e.obj)
    }

    /// The live value under `key` for modification. Call [`Ctx::modified`] afterwards.
    #[inline]
    pub fn write(&mut self, key: &[u8]) -> Option<&mut Object> {
        self.entry(key).map(|e| &mut e.obj)
    }

    /// True if `key` exists (and is not expired).
    #[inline]
    pub fn exists(&mut self, key: &[u8]) -> bool {
        self.live_slot(self.session.db, key).is_some()
    }

    /// Stores `obj` under `key`, clearing any TTL (SET semantics). Does not report the
    /// modification: call [`Ctx::modified`].
    pub fn insert(&mut self, key: &[u8], obj: Object) {
        self.insert_impl(key, obj, false);
    }

    /// Stores `obj` under `key`, keeping an existing TTL.
    pub fn insert_keep_ttl(&mut self, key: &[u8], obj: Object) {
        self.insert_impl(key, obj, true);
    }

    fn insert_impl(&mut self, key: &[u8], obj: Object, keep_ttl: bool) {
        let db = self.session.db;
        // A logically expired key is reclaimed first so the write creates a fresh key.
        let existed = self.live_slot(db, key).is_some();
        self.store.dbs[db].insert(key, obj, keep_ttl);
        if !existed {
            // Redis's dbAdd fires the "new" event (class n) for every created key.
            self.store.notify(notify::NEW, "new", db, key);
        }
    }

    /// Removes `key` (live or not) and returns its value. Does not report the modification.
    pub fn remove(&mut self, key: &[u8]) -> Option<Object> {
        let db = self.session.db;
        self.live_slot(db, key)?;
        self.store.dbs[db].remove(key).map(|e| e.obj)
    }

    /// If the aggregate under `key` became empty, deletes it and fires the `del` event, as
    /// Redis does after every removal from a hash, list, set or sorted set. Returns true if
    /// it deleted.
    pub fn remove_if_empty(&mut self, key: &[u8]) -> bool {
        let db = self.session.db;
        let empty = self.store.dbs[db]
            .dict
            .get(key)
            .is_some_and(|e| e.obj.is_empty_aggregate());
        if empty {
            self.store.dbs[db].remove(key);
            self.store.notify(notify::GENERIC, "del", db, key);
        }
        empty
    }

    /// Absolute expiry (Unix ms) of a live key, or None.
    pub fn expire_of(&mut self, key: &[u8]) -> Option<u64> {
        self.entry(key).and_then(|e| e.expire)
    }

    /// Sets or clears the expiry of an existing key; false if the key is absent.
    pub fn set_expire(&mut self, key: &[u8], at: Option<u64>) -> bool {
        let db = self.session.db;
        if self.live_slot(db, key).is_none() {
            return false;
        }
        self.store.dbs[db].set_expire(key, at)
    }

    /// Reports a modification of `key` in the selected db: invalidates WATCH, fires the
    /// keyspace notification `event` of `class`, bumps the dirty counter (which makes the
    /// command's request be logged unless [`Ctx::propagate`] was used).
    pub fn modified(&mut self, key: &[u8], class: u32, event: &str) {
        let db = self.session.db;
        self.modified_in(db, key, class, event);
    }

    /// [`Ctx::modified`] for another database (MOVE, COPY … DB).
    pub fn modified_in(&mut self, db: usize, key: &[u8], class: u32, event: &str) {
        self.store.signal_modified(db, key);
        self.store.notify(class, event, db, key);
        self.store.dirty += 1;
    }

    /// Fires an extra keyspace notification without counting a modification.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.session.db;
        self.store.notify(class, event, db, key);
    }

    /// Records a deterministic command vector to log instead of the request (Redis
    /// `rewriteClientCommandVector` / `alsoPropagate`). Call once per logged command;
    /// calling it with nothing means "log nothing" only via [`Ctx::propagate_nothing`].
    pub fn propagate(&mut self, argv: Vec<Vec<u8>>) {
        if self.store.record_effects {
            self.rewritten.get_or_insert_with(Vec::new).push(argv);
        }
    }

    /// Marks that the request must not be logged even though it modified the store (e.g. a
    /// command whose effects were all recorded by other means).
    pub fn propagate_nothing(&mut self) {
        if self.store.record_effects {
            self.rewritten.get_or_insert_with(Vec::new);
        }
    }

    pub(crate) fn take_rewritten(&mut self) -> Option<Vec<Vec<Vec<u8>>>> {
        self.rewritten.take()
    }

    /// Uniform random number in `0..n` from the store's seeded RNG.
    #[inline]
    pub fn rand_below(&mut self, n: u64) -> u64 {
        self.store.rng.below(n)
    }

    /// Parses a database index argument as SELECT/MOVE/COPY do.
    pub fn db_arg(&self, a: &[u8]) -> Result<usize> {
        let n = crate::util::parse_i64(a).ok_or_else(|| {
            Error::new(
                crate::error::ErrorKind::NotInteger,
                "ERR value is not an integer or out of range",
            )
        })?;
        if n < 0 || n as usize >= self.store.dbs.len() {
            return Err(Error::out_of_range("DB index is out of range"));
        }
        Ok(n as usize)
    }
}

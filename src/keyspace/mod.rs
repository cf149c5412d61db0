//! The keyspace: databases of keys, their values and expiry, plus the store-wide clock, RNG,
//! configuration and the hooks (effects for the log, WATCH invalidation, keyspace
//! notifications) that every modification goes through.
//!
//! Handlers never touch a [`Db`] directly: they go through [`crate::engine::Ctx`], which
//! applies lazy expiry on every lookup and records what happened.

pub mod clock;
pub mod rng;

use std::collections::{BTreeSet, HashMap, HashSet};

pub use clock::Clock;
pub use rng::Rng;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::types::{hash::Hash, list::List, set::Set, zset::ZSet};
use crate::util::Dict;

/// A value stored under a key.
#[derive(Clone, Debug)]
pub enum Object {
    /// String (binary-safe bytes; integers are stored as their decimal text).
    Str(Vec<u8>),
    /// List.
    List(List),
    /// Hash.
    Hash(Hash),
    /// Set.
    Set(Set),
    /// Sorted set.
    ZSet(ZSet),
}

macro_rules! accessors {
    ($($variant:ident, $ty:ty, $as:ident, $as_mut:ident;)*) => {
        impl Object {
            $(
                /// This value as the named type, or a WRONGTYPE error.
                #[inline]
                pub fn $as(&self) -> Result<&$ty> {
                    match self {
                        Object::$variant(v) => Ok(v),
                        _ => Err(Error::wrong_type()),
                    }
                }
                /// This value as the named type (mutable), or a WRONGTYPE error.
                #[inline]
                pub fn $as_mut(&mut self) -> Result<&mut $ty> {
                    match self {
                        Object::$variant(v) => Ok(v),
                        _ => Err(Error::wrong_type()),
                    }
                }
            )*
        }
    };
}

accessors! {
    Str, Vec<u8>, as_str, as_str_mut;
    List, List, as_list, as_list_mut;
    Hash, Hash, as_hash, as_hash_mut;
    Set, Set, as_set, as_set_mut;
    ZSet, ZSet, as_zset, as_zset_mut;
}

impl Object {
    /// The TYPE name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::Str(_) => "string",
            Object::List(_) => "list",
            Object::Hash(_) => "hash",
            Object::Set(_) => "set",
            Object::ZSet(_) => "zset",
        }
    }

    /// The OBJECT ENCODING name Redis 7.0 would report.
    pub fn encoding(&self, cfg: &Config) -> &'static str {
        match self {
            Object::Str(s) => crate::types::string::encoding(s),
            Object::List(l) => l.encoding(cfg),
            Object::Hash(h) => h.encoding(cfg),
            Object::Set(s) => s.encoding(cfg),
            Object::ZSet(z) => z.encoding(cfg),
        }
    }

    /// True for an aggregate with no elements (which Redis never keeps).
    pub fn is_empty_aggregate(&self) -> bool {
        match self {
            Object::Str(_) => false,
            Object::List(l) => l.is_empty(),
            Object::Hash(h) => h.is_empty(),
            Object::Set(s) => s.is_empty(),
            Object::ZSet(z) => z.is_empty(),
        }
    }
}

/// A key's value and its absolute expiry (Unix ms), if any.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The value.
    pub obj: Object,
    /// Absolute expiry time in Unix milliseconds.
    pub expire: Option<u64>,
    /// How Redis would have encoded a string value, where that depends on the command that
    /// produced it rather than on its bytes (OBJECT ENCODING / REFCOUNT only).
    pub str_enc: StrEncoding,
}

/// Redis's string encoding decision for a stored string (see [`Entry::encoding`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StrEncoding {
    /// As `tryObjectEncoding` decides from the bytes: int, embstr or raw (SET and most writes).
    #[default]
    FromBytes,
    /// Always `raw`: APPEND to an existing string and SETRANGE build a raw object.
    Raw,
    /// embstr up to 44 bytes, else raw — never int (INCRBYFLOAT's
    /// `createStringObjectFromLongDouble`).
    NoInt,
}

impl Entry {
    /// A new entry without expiry.
    pub fn new(obj: Object, expire: Option<u64>) -> Entry {
        Entry {
            obj,
            expire,
            str_enc: StrEncoding::FromBytes,
        }
    }

    /// The OBJECT ENCODING Redis 7.0 would report for this value.
    pub fn encoding(&self, cfg: &Config) -> &'static str {
        match (&self.obj, self.str_enc) {
            (Object::Str(_), StrEncoding::Raw) => "raw",
            (Object::Str(s), StrEncoding::NoInt) if s.len() <= 44 => "embstr",
            (Object::Str(_), StrEncoding::NoInt) => "raw",
            (obj, _) => obj.encoding(cfg),
        }
    }
}

/// One logical database (SELECT n).
#[derive(Clone, Debug, Default)]
pub struct Db {
    /// Keys and values.
    pub dict: Dict<Entry>,
    /// Keys with a TTL, ordered by deadline: drives active expiry.
    pub expires: BTreeSet<(u64, Vec<u8>)>,
}

impl Db {
    /// Number of keys (including logically expired ones not yet reclaimed).
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    /// True when the database holds no keys.
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// Inserts `obj` under `key`. With `keep_ttl` an existing expiry is kept; otherwise the key
    /// ends up without one (SET semantics).
    pub fn insert(&mut self, key: &[u8], obj: Object, keep_ttl: bool) {
        match self.dict.get_mut(key) {
            Some(e) => {
                e.obj = obj;
                e.str_enc = StrEncoding::FromBytes;
                if !keep_ttl {
                    if let Some(at) = e.expire.take() {
                        self.expires.remove(&(at, key.to_vec()));
                    }
                }
            }
            None => {
                self.dict.insert(key, Entry::new(obj, None));
            }
        }
    }

    /// Removes `key` and its expiry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.dict.remove(key)?;
        if let Some(at) = e.expire {
            self.expires.remove(&(at, key.to_vec()));
        }
        Some(e)
    }

    /// Sets (Some) or clears (None) the expiry of an existing key. Returns false if absent.
    pub fn set_expire(&mut self, key: &[u8], at: Option<u64>) -> bool {
        let Some(e) = self.dict.get_mut(key) else {
            return false;
        };
        if let Some(old) = e.expire {
            self.expires.remove(&(old, key.to_vec()));
        }
        e.expire = at;
        if let Some(at) = at {
            self.expires.insert((at, key.to_vec()));
        }
        true
    }

    /// Keys whose deadline has passed (`< now`, as Redis keyIsExpired), at most `limit`,
    /// earliest first.
    pub fn due(&self, now: u64, limit: usize) -> Vec<Vec<u8>> {
        self.expires
            .iter()
            .take_while(|(at, _)| *at < now)
            .take(limit)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Removes all keys.
    pub fn clear(&mut self) {
        self.dict.clear();
        self.expires.clear();
    }
}

/// Keyspace-notification classes (Redis `NOTIFY_*`): defined with the parameter they
/// parse from, `notify-keyspace-events`, and re-exported here for the handlers that fire
/// them.
pub use crate::config::notify;

/// A keyspace notification waiting to be published: (channel, message).
pub type Notification = (Vec<u8>, Vec<u8>);

/// The whole store: databases, clock, RNG, configuration, and modification hooks.
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
    /// When true, write commands append what they did to `effects` (for the log).
    pub record_effects: bool,
    /// Effects of the commands executed since the log last drained them.
    pub effects: Vec<Effect>,
    /// Time snapshot (Unix ms) of the last command run (`Ctx::now`); the log stamps
    /// batches with it instead of reading the clock again.
    pub last_command_ms: u64,
    /// When true (a log is attached), effects are encoded straight into `effect_bytes`
    /// in the log's layout (FORMAT.md §6) instead of being collected in `effects`.
    pub encode_effects: bool,
    /// Encoded effects waiting for the log (see `encode_effects`).
    pub effect_bytes: Vec<u8>,
    /// Number of effects in `effect_bytes`.
    pub effect_count: u64,
    /// WATCHed keys: (db, key) → watching clients (see `engine::multi`).
    pub watched: HashMap<(usize, Vec<u8>), Vec<crate::tx::Watcher>>,
    /// Which keys each client watches, and dropped watching sessions (`engine::multi`).
    pub watches: crate::tx::Watches,
    /// Set while EXEC runs its queue: every command of the transaction sees this time.
    pub frozen_now: Option<u64>,
    /// Clients whose WATCHed keys were modified.
    pub watch_dirty: HashSet<u64>,
    /// Keyspace notifications produced and not yet published.
    pub notifications: Vec<Notification>,
    /// Commands executed since start (drives active-expiry pacing).
    pub commands_processed: u64,
    /// Keys reclaimed by expiry since start (INFO `expired_keys`).
    pub expired_keys: u64,
    /// True while replaying a log: keys are never expired, so replay does not depend on the
    /// clock (Redis does not expire keys while loading either).
    pub loading: bool,
    /// Persistence attached by `persist::open` (None for a memory-only store): SAVE and
    /// friends reach the log through it, and writes are refused once it has failed.
    pub persist: Option<std::sync::Arc<crate::persist::Handle>>,
    /// Clients blocked on keys (BLPOP & co.) and the keys made ready for them.
    pub blocking: crate::blocking::Registry,
    /// Pub/Sub subscriptions of every client of this store.
    pub pubsub: crate::pubsub::Registry,
}

/// One logged effect: the db it applies to and a deterministic command vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// Database index.
    pub db: usize,
    /// Command and arguments (replayed through the engine).
    pub argv: Vec<Vec<u8>>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new(Config::default(), Clock::System, 0)
    }
}

impl Store {
    /// A store with `config.databases` empty databases.
    pub fn new(config: Config, clock: Clock, seed: u64) -> Store {
        Store {
            dbs: (0..config.databases.max(1))
                .map(|_| Db::default())
                .collect(),
            clock,
            rng: Rng::new(seed),
            config,
            dirty: 0,
            record_effects: false,
            effects: Vec::new(),
            encode_effects: false,
            effect_bytes: Vec::new(),
            effect_count: 0,
            last_command_ms: 0,
            watched: HashMap::new(),
            watch_dirty: HashSet::new(),
            watches: Default::default(),
            frozen_now: None,
            notifications: Vec::new(),
            commands_processed: 0,
            expired_keys: 0,
            loading: false,
            persist: None,
            blocking: crate::blocking::Registry::default(),
            pubsub: crate::pubsub::Registry::default(),
        }
    }

    /// Marks clients watching `key` in `db` as dirty (Redis `signalModifiedKey`).
    #[inline]
    pub fn signal_modified(&mut self, db: usize, key: &[u8]) {
        if !self.blocking.is_empty() {
            self.blocking.signal(db, key);
        }
        if self.watched.is_empty() {
            return;
        }
        crate::tx::touch_watched_key(self, db, key);
    }

    /// FLUSHDB / FLUSHALL of `db`, called before emptying it: invalidates the watchers of
    /// keys that exist in it (Redis 7.0 `touchAllWatchedKeysInDb(db, NULL)`).
    pub fn signal_flushed_db(&mut self, db: usize) {
        self.blocking.signal_db(db);
        crate::tx::touch_all_watched_keys_in_db(self, db, None);
    }

    /// SWAPDB `a` `b`, called before swapping: invalidates the watchers of keys that exist
    /// in either database, and re-checks clients blocked in either.
    pub fn signal_swapped_dbs(&mut self, a: usize, b: usize) {
        self.blocking.signal_db(a);
        self.blocking.signal_db(b);
        crate::tx::touch_all_watched_keys_in_db(self, a, Some(b));
        crate::tx::touch_all_watched_keys_in_db(self, b, Some(a));
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

    /// Records an effect (a deterministic command vector on database `db`).
    #[inline]
    pub fn record_effect(&mut self, db: usize, argv: &[&[u8]]) {
        if self.encode_effects {
            let out = &mut self.effect_bytes;
            crate::persist::model::put_varint(out, db as u64);
            crate::persist::model::put_varint(out, argv.len() as u64);
            for a in argv {
                crate::persist::model::put_varint(out, a.len() as u64);
                out.extend_from_slice(a);
            }
            self.effect_count += 1;
        } else {
            self.effects.push(Effect {
                db,
                argv: argv.iter().map(|a| a.to_vec()).collect(),
            });
        }
    }

    /// Records an owned effect.
    pub fn push_effect(&mut self, e: Effect) {
        if self.encode_effects {
            let argv: Vec<&[u8]> = e.argv.iter().map(|a| a.as_slice()).collect();
            self.record_effect(e.db, &argv);
        } else {
            self.effects.push(e);
        }
    }

    /// True if effects are waiting for the log.
    pub fn has_effects(&self) -> bool {
        self.effect_count > 0 || !self.effects.is_empty()
    }

    /// Drops every waiting effect.
    pub fn clear_effects(&mut self) {
        self.effects.clear();
        self.effect_bytes.clear();
        self.effect_count = 0;
    }

    /// Deletes an expired key as Redis's `deleteExpiredKeyAndPropagate` does: logs a DEL,
    /// fires the `expired` notification and invalidates WATCH.
    pub fn expire_key(&mut self, db: usize, key: &[u8]) {
        if self.dbs[db].remove(key).is_some() {
            self.expired_keys += 1;
            if self.record_effects {
                self.record_effect(db, &[b"DEL", key]);
            }
            self.notify(notify::EXPIRED, "expired", db, key);
            self.signal_modified(db, key);
            self.dirty += 1;
        }
    }

    /// Reclaims up to `limit` expired keys across all databases; returns how many.
    pub fn active_expire(&mut self, limit: usize) -> usize {
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

    /// Total keys across databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
}

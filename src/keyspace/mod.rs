//! The keyspace: databases of keys, their values and expiry, plus the store-wide clock, RNG,
//! configuration and the hooks (effects for the log, WATCH invalidation, keyspace
//! notifications) that every modification goes through.
//!
//! Handlers never touch a [`Db`] directly: they go through [`crate::engine::Ctx`], which
//! applies lazy expiry on every lookup and records what happened.

pub mod clock;
pub mod memory;
pub mod rng;

use std::collections::BTreeSet;

pub use clock::Clock;
pub use rng::Rng;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::types::{hash::Hash, list::List, set::Set, stream::Stream, zset::ZSet};
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
    /// Stream (boxed: its header is larger than the other variants).
    Stream(Box<Stream>),
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
    Stream, Box<Stream>, as_stream, as_stream_mut;
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
            Object::Stream(_) => "stream",
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
            Object::Stream(_) => "stream",
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
            // An empty stream is still a key (XDEL/XTRIM never delete it).
            Object::Stream(_) => false,
        }
    }
}

/// The expiry rule (Redis `keyIsExpired`): a key with deadline `at` (Unix ms) is live
/// through that millisecond and expired after it.
#[inline]
pub fn deadline_passed(at: u64, now: u64) -> bool {
    at < now
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
    /// Redis's 24-bit `robj.lru`: the LRU clock of the last access, or under an LFU policy
    /// the LFU decrement time and counter (see [`memory`]). Not persisted.
    pub lru: u32,
    /// This key's estimated size in bytes (see [`memory`]), as last accounted in its
    /// [`Db::used`]. Maintained by [`Db`]'s methods and [`Db::resize`].
    pub mem: usize,
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
            lru: 0,
            mem: 0,
        }
    }

    /// This entry's size under `key` by the model of [`memory`].
    pub fn size(&self, key: &[u8]) -> usize {
        memory::key_overhead(key.len(), self.expire.is_some())
            + memory::object(&self.obj, self.str_enc)
    }

    /// True if the deadline has passed at `now` (Redis `keyIsExpired`: a key is live
    /// through its deadline millisecond). Callers use [`crate::engine::Store::is_expired`],
    /// which also knows that nothing expires while loading.
    #[inline]
    pub fn is_expired_at(&self, now: u64) -> bool {
        self.expire.is_some_and(|at| deadline_passed(at, now))
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
    /// Sum of the entries' `mem` (see [`memory`]); kept by the methods below.
    pub used: usize,
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
    /// ends up without one (SET semantics). A new key's LRU/LFU field is 0 (see
    /// [`Db::insert_lru`]).
    pub fn insert(&mut self, key: &[u8], obj: Object, keep_ttl: bool) {
        self.insert_lru(key, obj, keep_ttl, 0);
    }

    /// [`Db::insert`], giving a new key `lru` as its LRU/LFU field; an existing key keeps
    /// its field (the lookup before the write touched it).
    pub fn insert_lru(&mut self, key: &[u8], obj: Object, keep_ttl: bool, lru: u32) {
        match self.dict.get_mut(key) {
            Some(e) => {
                e.obj = obj;
                e.str_enc = StrEncoding::FromBytes;
                if !keep_ttl {
                    if let Some(at) = e.expire.take() {
                        self.expires.remove(&(at, key.to_vec()));
                    }
                }
                let mem = e.size(key);
                self.used = self.used - e.mem + mem;
                e.mem = mem;
            }
            None => {
                let mut e = Entry::new(obj, None);
                e.lru = lru;
                e.mem = e.size(key);
                self.used += e.mem;
                self.dict.insert(key, e);
            }
        }
    }

    /// Adds a whole entry (value, expiry, LRU/LFU field) under `key`, which must be absent
    /// (RENAME, MOVE, COPY, loading).
    pub fn add_entry(&mut self, key: &[u8], mut entry: Entry) {
        self.remove(key);
        if let Some(at) = entry.expire {
            self.expires.insert((at, key.to_vec()));
        }
        entry.mem = entry.size(key);
        self.used += entry.mem;
        self.dict.insert(key, entry);
    }

    /// Re-measures `key` after its value changed in place; returns the size change.
    pub fn resize(&mut self, key: &[u8]) -> isize {
        let Some(e) = self.dict.get_mut(key) else {
            return 0;
        };
        let mem = e.size(key);
        let delta = mem as isize - e.mem as isize;
        self.used = self.used - e.mem + mem;
        e.mem = mem;
        delta
    }

    /// Re-measures every key and stamps each with `lru` (after a load, which inserts
    /// entries directly).
    pub fn recount(&mut self, lru: u32) {
        let mut used = 0;
        self.dict.retain(|k, e| {
            e.lru = lru;
            e.mem = e.size(k);
            used += e.mem;
            true
        });
        self.used = used;
    }

    /// This database's estimated memory: its keys plus its table (see [`memory`]).
    pub fn used_memory(&self) -> usize {
        self.used + memory::db_tables(&self.dict)
    }

    /// Removes `key` and its expiry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.dict.remove(key)?;
        if let Some(at) = e.expire {
            self.expires.remove(&(at, key.to_vec()));
        }
        self.used -= e.mem;
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
        let mem = e.size(key);
        self.used = self.used - e.mem + mem;
        e.mem = mem;
        true
    }

    /// Keys whose deadline has passed (`< now`, as Redis keyIsExpired), at most `limit`,
    /// earliest first.
    pub fn due(&self, now: u64, limit: usize) -> Vec<Vec<u8>> {
        self.expires
            .iter()
            .take_while(|(at, _)| deadline_passed(*at, now))
            .take(limit)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Removes all keys.
    pub fn clear(&mut self) {
        self.dict.clear();
        self.expires.clear();
        self.used = 0;
    }
}

/// Keyspace-notification classes (Redis `NOTIFY_*`): defined with the parameter they
/// parse from, `notify-keyspace-events`, and re-exported here for the handlers that fire
/// them.
pub use crate::config::notify;

/// A keyspace notification waiting to be published: (channel, message).
pub type Notification = (Vec<u8>, Vec<u8>);

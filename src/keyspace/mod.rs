//! The keyspace: databases of keys, their values and expiry, plus the store-wide clock, RNG,
//! configuration and the hooks (effects for the log, WATCH invalidation, keyspace
//! notifications) that every modification goes through.
//!
//! Handlers never touch a [`Db`] directly: they go through [`crate::engine::Ctx`], which
//! applies lazy expiry on every lookup and records what happened.

pub mod clock;
pub mod lazyfree;
pub mod memory;
pub mod rng;
pub mod slots;
pub mod str;

use std::collections::BTreeSet;

pub use clock::Clock;
pub use rng::Rng;
pub use str::Str;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::types::{hash::Hash, list::List, set::Set, stream::Stream, zset::ZSet};
use crate::util::dict::hash_bytes;
use crate::util::Dict;

/// A value stored under a key: 24 bytes, so that it sits in the database table's slot.
/// A string is a [`Str`] (short ones inline, integers as their decimal text); a set is its
/// 16-byte handle (an intset is one fat pointer: no box between the slot and its members,
/// as Redis's robj points at the intset); other aggregates are boxed (their headers are
/// 32–200 bytes, and most keys of most datasets are strings).
#[derive(Clone, Debug)]
pub enum Object {
    /// String (binary-safe bytes; integers are stored as their decimal text).
    Str(Str),
    /// List.
    List(Box<List>),
    /// Hash.
    Hash(Box<Hash>),
    /// Set (16 bytes, held inline: an intset's handle is one fat pointer, a hashtable's
    /// a box).
    Set(Set),
    /// Sorted set.
    ZSet(Box<ZSet>),
    /// Stream.
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
                        Object::$variant(v) => {
                            let v: &$ty = v;
                            Ok(v)
                        }
                        _ => Err(Error::wrong_type()),
                    }
                }
                /// This value as the named type (mutable), or a WRONGTYPE error.
                #[inline]
                pub fn $as_mut(&mut self) -> Result<&mut $ty> {
                    match self {
                        Object::$variant(v) => {
                            let v: &mut $ty = v;
                            Ok(v)
                        }
                        _ => Err(Error::wrong_type()),
                    }
                }
            )*
        }
    };
}

accessors! {
    List, List, as_list, as_list_mut;
    Hash, Hash, as_hash, as_hash_mut;
    Set, Set, as_set, as_set_mut;
    ZSet, ZSet, as_zset, as_zset_mut;
    Stream, Box<Stream>, as_stream, as_stream_mut;
}

impl Object {
    /// A string value (inline when short; see [`Str`]).
    #[inline]
    pub fn string(v: impl Into<Str>) -> Object {
        Object::Str(v.into())
    }

    /// This value as a string, or a WRONGTYPE error.
    #[inline]
    pub fn as_str(&self) -> Result<&Str> {
        match self {
            Object::Str(v) => Ok(v),
            _ => Err(Error::wrong_type()),
        }
    }

    /// This string's bytes for an in-place write (converted to the growable form by
    /// [`Str::make_mut`]), or a WRONGTYPE error.
    #[inline]
    pub fn as_str_mut(&mut self) -> Result<&mut Vec<u8>> {
        match self {
            Object::Str(v) => Ok(v.make_mut()),
            _ => Err(Error::wrong_type()),
        }
    }

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

/// A key's value, its absolute expiry (Unix ms) if any, and its bookkeeping: 40 bytes, all
/// inline in the database table's slot (the expiry with a sentinel instead of an `Option`,
/// the LRU/LFU field and the string encoding packed in one word, the size estimate in 32
/// bits).
#[derive(Clone, Debug)]
pub struct Entry {
    /// The value.
    pub obj: Object,
    /// Absolute expiry time in Unix milliseconds, [`NO_EXPIRE`] for none.
    at: u64,
    /// Low 24 bits: Redis's `robj.lru` — the LRU clock of the last access, or under an LFU
    /// policy the LFU decrement time and counter (see [`memory`]); not persisted. High 8
    /// bits: the [`StrEncoding`].
    meta: u32,
    /// This key's estimated size in bytes (see [`memory`]), as last accounted in its
    /// [`Db::used`] (saturating at 4 GiB). Maintained by [`Db`]'s methods and
    /// [`Db::resize`].
    mem: u32,
}

/// [`Entry`]'s expiry for "none" (a deadline is at most `i64::MAX`).
pub const NO_EXPIRE: u64 = u64::MAX;

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

const LRU_MASK: u32 = memory::LRU_CLOCK_MAX;

impl Entry {
    /// A new entry.
    pub fn new(obj: Object, expire: Option<u64>) -> Entry {
        Entry {
            obj,
            at: expire.unwrap_or(NO_EXPIRE),
            meta: 0,
            mem: 0,
        }
    }

    /// Absolute expiry time in Unix milliseconds, if any.
    #[inline]
    pub fn expire(&self) -> Option<u64> {
        (self.at != NO_EXPIRE).then_some(self.at)
    }

    /// True if the key has an expiry.
    #[inline]
    pub fn has_expire(&self) -> bool {
        self.at != NO_EXPIRE
    }

    /// Sets the expiry field only (the deadline index is [`Db`]'s: use
    /// [`Db::set_expire`] on a stored key).
    #[inline]
    pub fn set_expire_field(&mut self, at: Option<u64>) {
        self.at = at.unwrap_or(NO_EXPIRE);
    }

    /// Redis's 24-bit `robj.lru` field (see [`memory`]).
    #[inline]
    pub fn lru(&self) -> u32 {
        self.meta & LRU_MASK
    }

    /// Sets the 24-bit LRU/LFU field (higher bits are dropped).
    #[inline]
    pub fn set_lru(&mut self, lru: u32) {
        self.meta = (self.meta & !LRU_MASK) | (lru & LRU_MASK);
    }

    /// How Redis would have encoded a string value, where that depends on the command that
    /// produced it rather than on its bytes (OBJECT ENCODING / REFCOUNT only).
    #[inline]
    pub fn str_enc(&self) -> StrEncoding {
        match self.meta >> 24 {
            1 => StrEncoding::Raw,
            2 => StrEncoding::NoInt,
            _ => StrEncoding::FromBytes,
        }
    }

    /// Records the string encoding (see [`Entry::str_enc`]).
    #[inline]
    pub fn set_str_enc(&mut self, enc: StrEncoding) {
        let code = match enc {
            StrEncoding::FromBytes => 0,
            StrEncoding::Raw => 1,
            StrEncoding::NoInt => 2,
        };
        self.meta = (self.meta & LRU_MASK) | (code << 24);
    }

    /// The size last accounted for this key (see [`memory`]).
    #[inline]
    pub fn mem(&self) -> usize {
        self.mem as usize
    }

    /// Measures this entry under `key`, stores the figure and returns it (for loaders that
    /// fill a table directly and add to [`Db::used`] themselves).
    #[inline]
    pub fn measure(&mut self, key: &[u8]) -> usize {
        self.mem = u32::try_from(self.size(key)).unwrap_or(u32::MAX);
        self.mem()
    }

    /// This entry's size under `key` by the model of [`memory`].
    pub fn size(&self, key: &[u8]) -> usize {
        memory::key_overhead(key.len(), self.has_expire()) + memory::object(&self.obj)
    }

    /// True if the deadline has passed at `now` (Redis `keyIsExpired`: a key is live
    /// through its deadline millisecond). Callers use [`crate::engine::Store::is_expired`],
    /// which also knows that nothing expires while loading.
    #[inline]
    pub fn is_expired_at(&self, now: u64) -> bool {
        self.has_expire() && deadline_passed(self.at, now)
    }

    /// The OBJECT ENCODING Redis 7.0 would report for this value.
    pub fn encoding(&self, cfg: &Config) -> &'static str {
        match (&self.obj, self.str_enc()) {
            (Object::Str(_), StrEncoding::Raw) => "raw",
            (Object::Str(s), StrEncoding::NoInt) if s.len() <= 44 => "embstr",
            (Object::Str(_), StrEncoding::NoInt) => "raw",
            (obj, _) => obj.encoding(cfg),
        }
    }
}

/// One logical database (SELECT n).
///
/// The deadline index holds `(deadline, hash of the key)` — 16 bytes, no second copy of
/// the key: a due element is resolved to its key(s) through the table's bucket for that
/// hash (keys with that hash and that deadline; two keys colliding on all 64 bits and on
/// the deadline share one element, which stays while either has it).
#[derive(Clone, Debug, Default)]
pub struct Db {
    /// Keys and values.
    pub dict: Dict<Entry>,
    /// Keys with a TTL, ordered by deadline: drives active expiry.
    ttl: BTreeSet<(u64, u64)>,
    /// Sum of the entries' `mem` (see [`memory`]); kept by the methods below.
    pub used: usize,
    /// Cluster mode's per-slot key index, once COUNTKEYSINSLOT / GETKEYSINSLOT asked for it
    /// ([`slots`]); kept by the methods below.
    slots: Option<Box<slots::SlotIndex>>,
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

    /// Number of keys with a TTL (Redis `dictSize(db->expires)`).
    pub fn expires_len(&self) -> usize {
        self.ttl.len()
    }

    /// The deadlines of the keys with a TTL (one per distinct key, but for the 64-bit
    /// hash collisions described on [`Db`]), earliest first.
    pub fn deadlines(&self) -> impl Iterator<Item = u64> + '_ {
        self.ttl.iter().map(|(at, _)| *at)
    }

    /// The `i`-th key with a TTL in deadline order (for a random volatile key).
    pub fn volatile_nth(&self, i: usize) -> Option<&[u8]> {
        let (at, h) = *self.ttl.iter().nth(i)?;
        self.keys_at(at, h).next()
    }

    /// Keys with hash `h` and deadline `at`.
    fn keys_at(&self, at: u64, h: u64) -> impl Iterator<Item = &[u8]> {
        self.dict
            .with_hash(h)
            .filter(move |(_, e)| e.at == at)
            .map(|(k, _)| k)
    }

    /// Adds `key`'s deadline to the index (for loaders that fill the table directly).
    pub fn index_expire(&mut self, at: u64, key: &[u8]) {
        self.ttl.insert((at, hash_bytes(key)));
    }

    /// Drops `key`'s deadline `at` from the index, unless another key with the same hash
    /// still has it. Call after `key`'s entry no longer carries `at`.
    fn unindex_expire(&mut self, at: u64, key: &[u8]) {
        let h = hash_bytes(key);
        if self.keys_at(at, h).next().is_none() {
            self.ttl.remove(&(at, h));
        }
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
                e.set_str_enc(StrEncoding::FromBytes);
                let dropped = if !keep_ttl && e.has_expire() {
                    let at = e.at;
                    e.at = NO_EXPIRE;
                    Some(at)
                } else {
                    None
                };
                let old = e.mem();
                let mem = e.measure(key);
                self.used = self.used - old + mem;
                if let Some(at) = dropped {
                    self.unindex_expire(at, key);
                }
            }
            None => {
                let mut e = Entry::new(obj, None);
                e.set_lru(lru);
                self.used += e.measure(key);
                self.dict.insert(key, e);
                if let Some(ix) = &mut self.slots {
                    ix.add(key);
                }
            }
        }
    }

    /// Adds a whole entry (value, expiry, LRU/LFU field) under `key`, which must be absent
    /// (RENAME, MOVE, COPY, loading).
    pub fn add_entry(&mut self, key: &[u8], mut entry: Entry) {
        self.remove(key);
        if let Some(at) = entry.expire() {
            self.index_expire(at, key);
        }
        self.used += entry.measure(key);
        self.dict.insert(key, entry);
        if let Some(ix) = &mut self.slots {
            ix.add(key);
        }
    }

    /// Re-measures `key` after its value changed in place; returns the size change.
    pub fn resize(&mut self, key: &[u8]) -> isize {
        let Some(e) = self.dict.get_mut(key) else {
            return 0;
        };
        let old = e.mem();
        let mem = e.measure(key);
        self.used = self.used - old + mem;
        mem as isize - old as isize
    }

    /// Re-measures every key and stamps each with `lru` (after a load, which inserts
    /// entries directly; the slot index, if any, is dropped and rebuilt when next needed).
    pub fn recount(&mut self, lru: u32) {
        self.slots = None;
        let mut used = 0;
        self.dict.retain(|k, e| {
            e.set_lru(lru);
            used += e.measure(k);
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
        if let Some(at) = e.expire() {
            self.unindex_expire(at, key);
        }
        if let Some(ix) = &mut self.slots {
            ix.remove(key, &self.dict);
        }
        self.used -= e.mem();
        Some(e)
    }

    /// Sets (Some) or clears (None) the expiry of an existing key. Returns false if absent.
    pub fn set_expire(&mut self, key: &[u8], at: Option<u64>) -> bool {
        let Some(e) = self.dict.get_mut(key) else {
            return false;
        };
        let old_at = e.expire();
        e.set_expire_field(at);
        let old = e.mem();
        let mem = e.measure(key);
        self.used = self.used - old + mem;
        if let Some(old_at) = old_at {
            self.unindex_expire(old_at, key);
        }
        if let Some(at) = at {
            self.index_expire(at, key);
        }
        true
    }

    /// Keys whose deadline has passed (`< now`, as Redis keyIsExpired), at most `limit`,
    /// earliest first (keys sharing a deadline: by hash).
    pub fn due(&self, now: u64, limit: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for &(at, h) in self.ttl.iter() {
            if !deadline_passed(at, now) || out.len() >= limit {
                break;
            }
            for k in self.keys_at(at, h) {
                if out.len() < limit {
                    out.push(k.to_vec());
                }
            }
        }
        out
    }

    /// True if the deadline index holds exactly the keys' deadlines (a check for tests).
    pub fn ttl_index_consistent(&self) -> bool {
        let want: BTreeSet<(u64, u64)> = self
            .dict
            .iter()
            .filter_map(|(k, e)| e.expire().map(|at| (at, hash_bytes(k))))
            .collect();
        want == self.ttl
    }

    /// Removes all keys.
    pub fn clear(&mut self) {
        self.dict.clear();
        self.ttl.clear();
        self.used = 0;
        if let Some(ix) = &mut self.slots {
            **ix = slots::SlotIndex::build(&self.dict);
        }
    }

    /// Keeps the slot index from now on (cluster mode: the dispatcher calls it before every
    /// command, so keys are indexed, in order, as they are added; see [`slots`]). Builds
    /// it if there is none.
    pub fn track_slots(&mut self) {
        if self.slots.is_none() {
            self.slots = Some(Box::new(slots::SlotIndex::build(&self.dict)));
        }
    }

    /// The slot index, built now if there is none or it no longer fits the table (see
    /// [`slots`]).
    fn slot_index(&mut self) -> &slots::SlotIndex {
        if !self.slots.as_ref().is_some_and(|ix| ix.fits(&self.dict)) {
            self.slots = Some(Box::new(slots::SlotIndex::build(&self.dict)));
        }
        self.slots.as_ref().expect("just built")
    }

    /// Number of keys in hash slot `slot` (CLUSTER COUNTKEYSINSLOT; expired keys not yet
    /// reclaimed count, as in Redis). Builds the slot index on first use.
    pub fn count_keys_in_slot(&mut self, slot: u16) -> usize {
        self.slot_index().count(slot)
    }

    /// The keys in hash slot `slot`, newest first as in Redis 7.0 (CLUSTER GETKEYSINSLOT;
    /// see [`slots`]). Builds the slot index if there is none.
    pub fn keys_in_slot(&mut self, slot: u16) -> impl Iterator<Item = &[u8]> {
        self.slot_index();
        let ix = self.slots.as_deref().expect("built by slot_index");
        ix.keys(&self.dict, slot)
    }

    /// True if there is no slot index or it equals one built from the table now (a check
    /// for tests).
    pub fn slot_index_consistent(&self) -> bool {
        self.slots.as_ref().is_none_or(|ix| ix.matches(&self.dict))
    }

    /// True if the slot index exists (cluster mode, from the first command on).
    pub fn has_slot_index(&self) -> bool {
        self.slots.is_some()
    }
}

/// Keyspace-notification classes (Redis `NOTIFY_*`): defined with the parameter they
/// parse from, `notify-keyspace-events`, and re-exported here for the handlers that fire
/// them.
pub use crate::config::notify;

/// A keyspace notification waiting to be published: (channel, message).
pub type Notification = (Vec<u8>, Vec<u8>);

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes the memory model and README rely on: a value in 24 bytes, an entry in
    /// 40, a table slot (hash, link, inline key, entry) in 72.
    #[test]
    fn compact_sizes() {
        assert_eq!(std::mem::size_of::<Object>(), 24);
        assert_eq!(std::mem::size_of::<Entry>(), 40);
        assert_eq!(Dict::<Entry>::slot_bytes(), 72);
    }

    #[test]
    fn meta_packs_lru_and_encoding() {
        let mut e = Entry::new(Object::string(&b"x"[..]), None);
        e.set_lru(memory::LRU_CLOCK_MAX);
        e.set_str_enc(StrEncoding::NoInt);
        assert_eq!(e.lru(), memory::LRU_CLOCK_MAX);
        assert_eq!(e.str_enc(), StrEncoding::NoInt);
        e.set_lru(5);
        assert_eq!(e.str_enc(), StrEncoding::NoInt);
        e.set_str_enc(StrEncoding::Raw);
        assert_eq!((e.lru(), e.str_enc()), (5, StrEncoding::Raw));
        assert_eq!(e.expire(), None);
        e.set_expire_field(Some(0));
        assert_eq!(e.expire(), Some(0));
    }

    /// The deadline index against a reference map under random inserts, expiries and
    /// removals: `due` returns exactly the keys whose deadline passed, earliest first.
    #[test]
    fn deadline_index_matches_reference() {
        use std::collections::BTreeMap;
        let mut rng = Rng::new(7);
        let mut db = Db::default();
        let mut model: BTreeMap<Vec<u8>, Option<u64>> = BTreeMap::new();
        for step in 0..20_000u64 {
            let key = format!("k{}", rng.below(500)).into_bytes();
            match rng.below(5) {
                0 | 1 => {
                    db.insert(&key, Object::string(&b"v"[..]), rng.below(2) == 0);
                    let keep = db.dict.get(&key).and_then(|e| e.expire());
                    model.insert(key, keep);
                }
                2 => {
                    if model.contains_key(&key) {
                        let at = 1000 + rng.below(100);
                        assert!(db.set_expire(&key, Some(at)));
                        model.insert(key, Some(at));
                    }
                }
                3 => {
                    if model.contains_key(&key) {
                        assert!(db.set_expire(&key, None));
                        model.insert(key, None);
                    }
                }
                _ => {
                    assert_eq!(db.remove(&key).is_some(), model.remove(&key).is_some());
                }
            }
            if step % 500 == 0 {
                let now = 1000 + rng.below(110);
                let mut want: Vec<(u64, Vec<u8>)> = model
                    .iter()
                    .filter_map(|(k, at)| at.filter(|&a| a < now).map(|a| (a, k.clone())))
                    .collect();
                want.sort();
                let got = db.due(now, usize::MAX);
                let mut got_sorted: Vec<(u64, Vec<u8>)> = got
                    .iter()
                    .map(|k| {
                        (
                            db.dict.get(k).and_then(|e| e.expire()).unwrap_or(0),
                            k.clone(),
                        )
                    })
                    .collect();
                let deadlines: Vec<u64> = got_sorted.iter().map(|(a, _)| *a).collect();
                assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "earliest first");
                got_sorted.sort();
                assert_eq!(got_sorted, want);
                assert_eq!(
                    db.expires_len(),
                    model.values().filter(|a| a.is_some()).count()
                );
            }
        }
    }
}

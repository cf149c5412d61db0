//! What a key costs, and how recently and how often it was used: the model behind INFO's
//! `used_memory`, `maxmemory` and the eviction policies (Redis `object.c`'s memory
//! helpers, `evict.c`'s LRU clock and LFU counter).
//!
//! # Why a model and not the allocator
//!
//! The keyspace's part of `used_memory` is an estimate of what the store's data occupies in
//! this process, kept per store and updated on every modification: each [`super::Entry`]
//! caches its size in `mem`,
//! each [`super::Db`] sums them and adds its table. It is not read from the allocator, for
//! two reasons: several stores share one process (an embedded store must not count its
//! neighbours or the application), and eviction decisions must be deterministic (the same
//! commands on two stores with the same seed evict the same keys — an allocator figure
//! depends on fragmentation and on everything else the process does).
//!
//! The model follows emu's own representations, not Redis's: the database table's slots
//! (72 bytes: each entry is inline in its slot — value header, expiry, LRU field and
//! size; keys up to 22 bytes and string values up to 22 bytes too, see
//! [`super::Str`]), heap blocks as glibc's malloc sizes them ([`heap`]: request + 8,
//! rounded to 16, at least 32) — a longer string's block, an aggregate's boxed header —,
//! byte vectors by capacity, the tables of hashes, sets and sorted sets by capacity, the
//! single buffer of a listpack-encoded (compact) hash or of an intset, a sorted set's
//! order index, a key's element in the deadline index ([`EXPIRE_ELEMENT`]: deadline and
//! key hash, no key copy). An aggregate with more than
//! [`EXACT_LIMIT`] elements is estimated from its first [`SAMPLE`] elements (iteration
//! order is deterministic), so a modification of a big value costs O(1), not O(n). This is
//! the keyspace's part of `used_memory`; the startup part, client buffers, replication
//! and the script caches are added by [`crate::engine::memory`]. Not counted: the Lua
//! interpreters, allocator fragmentation. `benches/memory.sh` reports how close the figure
//! comes to the process's RSS growth, and to Redis's `used_memory` for the same data.
//!
//! # LRU and LFU (Redis's 24-bit `robj.lru` field)
//!
//! Under an LRU policy (and under the non-LRU/LFU ones) the field is the LRU clock in
//! seconds modulo 2^24 ([`lru_clock`]); under an LFU policy it is the last decrement time
//! in minutes modulo 2^16 (high 16 bits) and a logarithmic 8-bit counter (low 8 bits),
//! starting at [`LFU_INIT_VAL`]. Times come from the store's clock (the command's time
//! snapshot), never from the wall clock directly. Neither is persisted: a loaded key starts
//! as a new one, as after an RDB load in Redis 7.0 without `LRU`/`FREQ` opcodes.

use crate::keyspace::{Object, Str};
use crate::util::Dict;

/// Bits of the LRU clock (Redis `LRU_BITS`).
pub const LRU_BITS: u32 = 24;
/// Largest LRU clock value (Redis `LRU_CLOCK_MAX`).
pub const LRU_CLOCK_MAX: u32 = (1 << LRU_BITS) - 1;
/// Milliseconds per LRU clock tick (Redis `LRU_CLOCK_RESOLUTION`).
pub const LRU_CLOCK_RESOLUTION: u64 = 1000;
/// A new key's LFU counter (Redis `LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u8 = 5;

/// The LRU clock at `now_ms` (Redis `getLRUClock`).
#[inline]
pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / LRU_CLOCK_RESOLUTION) & u64::from(LRU_CLOCK_MAX)) as u32
}

/// Milliseconds since an LRU stamp (Redis `estimateObjectIdleTime`), wrapping as Redis does.
pub fn idle_ms(lru: u32, now_ms: u64) -> u64 {
    let clock = u64::from(lru_clock(now_ms));
    let lru = u64::from(lru & LRU_CLOCK_MAX);
    if clock >= lru {
        (clock - lru) * LRU_CLOCK_RESOLUTION
    } else {
        (clock + (u64::from(LRU_CLOCK_MAX) - lru)) * LRU_CLOCK_RESOLUTION
    }
}

/// Minutes modulo 2^16 (Redis `LFUGetTimeInMinutes`, from `server.unixtime`).
#[inline]
pub fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 1000 / 60) & 65535) as u32
}

/// Minutes since `ldt`, wrapping (Redis `LFUTimeElapsed`).
pub fn lfu_elapsed(ldt: u32, now_ms: u64) -> u32 {
    let now = lfu_minutes(now_ms);
    if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    }
}

/// The counter after decay (Redis `LFUDecrAndReturn`): minus one per `decay_time` minutes
/// since the last decrement time (no decay when `decay_time` is 0).
pub fn lfu_decr_and_return(lru: u32, now_ms: u64, decay_time: i64) -> u8 {
    let ldt = lru >> 8;
    let counter = lru & 255;
    let periods = match u32::try_from(decay_time) {
        Ok(d) if d > 0 => lfu_elapsed(ldt, now_ms) / d,
        _ => 0,
    };
    counter.saturating_sub(periods) as u8
}

/// One logarithmic increment (Redis `LFULogIncr`): with `r` uniform in [0, 1], the counter
/// grows with probability `1 / ((counter - LFU_INIT_VAL) * log_factor + 1)`; 255 stays.
pub fn lfu_log_incr(counter: u8, r: f64, log_factor: i64) -> u8 {
    if counter == 255 {
        return 255;
    }
    let base = (f64::from(counter) - f64::from(LFU_INIT_VAL)).max(0.0);
    let p = 1.0 / (base * log_factor as f64 + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// The field after an access (Redis `updateLFU`): decay, increment, stamp the minutes.
pub fn lfu_touch(lru: u32, now_ms: u64, r: f64, log_factor: i64, decay_time: i64) -> u32 {
    let counter = lfu_decr_and_return(lru, now_ms, decay_time);
    let counter = lfu_log_incr(counter, r, log_factor);
    (lfu_minutes(now_ms) << 8) | u32::from(counter)
}

/// The field of a key whose saved access data (RESTORE's IDLETIME / FREQ, an RDB file's
/// IDLE / FREQ) is honoured under the current policy (Redis `objectSetLRUOrLFU`): under an
/// LFU policy the counter `freq` stamped now, otherwise the LRU stamp `idle_secs` ago; None
/// when the policy has no use for what was given (the key keeps its new-key field).
pub fn saved_access(
    lfu_policy: bool,
    freq: Option<u8>,
    idle_secs: Option<u64>,
    now_ms: u64,
) -> Option<u32> {
    if lfu_policy {
        return freq.map(|f| (lfu_minutes(now_ms) << 8) | u32::from(f));
    }
    let idle = i64::try_from(idle_secs?).unwrap_or(i64::MAX);
    let clock = i64::from(lru_clock(now_ms));
    let mut abs = clock.saturating_sub(idle);
    if abs < 0 {
        let max = i64::from(LRU_CLOCK_MAX);
        abs = (clock + max / 2) % max;
    }
    Some(abs as u32)
}

/// A new key's field under an LFU policy (`createObject`).
#[inline]
pub fn lfu_init(now_ms: u64) -> u32 {
    (lfu_minutes(now_ms) << 8) | u32::from(LFU_INIT_VAL)
}

// -----------------------------------------------------------------------------------------
// Sizes
// -----------------------------------------------------------------------------------------

/// Aggregates up to this many elements are measured exactly on each modification.
pub const EXACT_LIMIT: usize = 32;
/// Elements a bigger aggregate's size is extrapolated from.
pub const SAMPLE: usize = 8;

/// Bytes a `malloc(n)` occupies with glibc's allocator: the request plus an 8-byte header,
/// rounded up to 16, at least 32 (0 for no allocation).
#[inline]
pub fn heap(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        ((n + 8 + 15) & !15).max(32)
    }
}

/// The heap part of a key of `len` bytes stored in a [`Dict`] (short keys are inline).
#[inline]
fn dict_key<V>(len: usize) -> usize {
    if Dict::<V>::key_on_heap(len) {
        heap(len)
    } else {
        0
    }
}

/// What a key of `key_len` bytes costs besides its slot in the database's table: its bytes
/// if they do not fit in the slot, and for a key with a TTL its element in the deadline
/// index.
#[inline]
pub fn key_overhead(key_len: usize, has_expire: bool) -> usize {
    dict_key::<super::Entry>(key_len) + if has_expire { EXPIRE_ELEMENT } else { 0 }
}

/// One element of the deadline index (`(deadline, key hash)`, 16 bytes, no key copy) with
/// the node slack of a B-tree.
pub const EXPIRE_ELEMENT: usize = 24;

/// The heap part of a string value: nothing inline, else its block(s) (see [`Str`]).
#[inline]
pub fn string(s: &Str) -> usize {
    let (a, b) = s.blocks();
    heap(a) + heap(b)
}

#[cfg(test)]
thread_local! {
    /// Elements the size functions looked at on this thread (see [`visit`]).
    static VISITS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Called by every per-element (or per-node) size function: the guard test counts the
/// calls to prove a measure looks at a bounded number of elements whatever the value's
/// size (an O(n) walk per write made XADD 0.06× Redis once). Free outside tests.
#[inline(always)]
pub(crate) fn visit() {
    #[cfg(test)]
    VISITS.with(|v| v.set(v.get() + 1));
}

/// Sum of `f` over the elements, exact up to [`EXACT_LIMIT`] elements, else extrapolated
/// from the first [`SAMPLE`].
pub(crate) fn sum_of<I: Iterator<Item = usize>>(len: usize, it: I) -> usize {
    if len <= EXACT_LIMIT {
        return it.sum();
    }
    let mut n = 0usize;
    let mut total = 0usize;
    for v in it.take(SAMPLE) {
        n += 1;
        total += v;
    }
    match (total.checked_div(n), total.checked_rem(n)) {
        (Some(q), Some(r)) => q * len + r * len / n,
        _ => 0,
    }
}

/// A value's heap allocations (its inline part, 24 bytes, lives in the database table's
/// slot): a string's block if it is not inline; an aggregate's boxed header and its parts.
pub fn object(obj: &Object) -> usize {
    match obj {
        Object::Str(s) => string(s),
        Object::List(l) => {
            // The boxed header, the node deque and each node's packed buffer.
            let (deque, nodes) = l.heap_parts();
            heap(std::mem::size_of::<crate::types::list::List>())
                + heap(deque)
                + sum_of(l.node_count(), nodes.map(heap))
        }
        Object::Hash(h) => {
            heap(std::mem::size_of::<crate::types::hash::Hash>())
                + match (h.listpack(), h.table()) {
                    // Listpack-encoded: one buffer, fields and values back to back.
                    (Some(lp), _) => heap(lp.capacity()),
                    // Hashtable-encoded: the boxed table, its arrays, each field and value.
                    (_, Some(t)) => {
                        heap(std::mem::size_of::<Dict<Vec<u8>>>())
                            + t.table_bytes()
                            + sum_of(
                                h.len(),
                                t.iter().map(|(f, v)| {
                                    visit();
                                    dict_key::<Vec<u8>>(f.len()) + heap(v.len())
                                }),
                            )
                    }
                    _ => 0,
                }
        }
        // The set's handle sits in the slot (no box of its own).
        Object::Set(s) => {
            match (s.intset(), s.table()) {
                // Intset-encoded: one sorted vector of 2-, 4- or 8-byte integers.
                (Some(i), _) => heap(i.heap_bytes()),
                (_, Some(t)) => {
                    heap(std::mem::size_of::<Dict<()>>())
                        + t.table_bytes()
                        + sum_of(
                            s.len(),
                            t.keys().map(|m| {
                                visit();
                                dict_key::<()>(m.len())
                            }),
                        )
                }
                _ => 0,
            }
        }
        Object::ZSet(z) => {
            use crate::types::zset::ZSet;
            heap(std::mem::size_of::<ZSet>())
                + match (z.pack_capacity(), z.table()) {
                    // Listpack-encoded: one buffer of (member, score) entry pairs.
                    (Some(cap), _) => heap(cap),
                    // The member → score table, plus the order index: per member its
                    // score and its slot in the table, in chunks kept 3/4 full.
                    (_, Some(t)) => {
                        heap(ZSet::FULL_BYTES)
                            + t.table_bytes()
                            + sum_of(
                                z.len(),
                                t.keys().map(|m| {
                                    visit();
                                    dict_key::<f64>(m.len()) + (8 + 4) * 4 / 3
                                }),
                            )
                    }
                    _ => 0,
                }
        }
        Object::Stream(st) => st.heap_bytes(),
    }
}

/// A key's share of its table's buckets: 4-byte buckets, between one and two per key (the
/// bucket array doubles), 1.5 on average.
pub const BUCKET_BYTES_PER_KEY: usize = 6;

/// The table part of a [`super::Db`]: a slot per key (each entry is inline in its slot)
/// and its share of the buckets ([`BUCKET_BYTES_PER_KEY`]). Counted by length, not
/// capacity, and without the doubling's steps: a table does not shrink when keys go, and
/// eviction must see memory fall as it deletes; nor does one key more cost a whole new
/// bucket array (Redis does not grow a table past `maxmemory` either: `dictExpandAllowed`).
#[inline]
pub fn db_tables(dict: &Dict<super::Entry>) -> usize {
    dict.len() * (Dict::<super::Entry>::slot_bytes() + BUCKET_BYTES_PER_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_chunks() {
        for (n, c) in [
            (0, 0),
            (1, 32),
            (24, 32),
            (25, 48),
            (40, 48),
            (41, 64),
            (1024, 1040),
        ] {
            assert_eq!(heap(n), c, "heap({n})");
        }
    }

    /// Elements [`object`] looks at when measuring `obj`.
    fn visits(obj: &Object) -> (usize, usize) {
        VISITS.with(|v| v.set(0));
        let bytes = object(obj);
        (VISITS.with(|v| v.get()), bytes)
    }

    /// Every type, at 2 sizes of 100 K+ elements: the measure a write pays looks at a
    /// bounded number of elements (the same number at both sizes, at most a sample's
    /// worth), and still grows with the value. Catches an O(n) size function (Stream's
    /// `heap_bytes` once made XADD 0.06× Redis) as long as per-element size functions
    /// call [`visit`] — the ones of every type do.
    #[test]
    fn measuring_a_large_value_is_bounded() {
        use crate::config::Config;
        use crate::types::stream::{NodeLimits, StreamId};
        use crate::types::{hash::Hash, list::List, set::Set, stream::Stream, zset::ZSet};
        let cfg = Config::default();
        let members = |n: usize| (0..n).map(|i| format!("member:{i:08}").into_bytes());
        type Build = Box<dyn Fn(usize) -> Object>;
        let builds: Vec<(&str, Build)> = vec![
            // A string, and a dense HyperLogLog (a 12 KB string to the model).
            (
                "string",
                Box::new(|n| Object::Str(Str::from(vec![b'x'; n * 10]))),
            ),
            (
                "list",
                Box::new(move |n| Object::List(Box::new(members(n).collect::<List>()))),
            ),
            (
                "hash (table)",
                Box::new(move |n| {
                    Object::Hash(Box::new(Hash::from_pairs(
                        members(n).map(|m| (m.clone(), m)),
                        &cfg,
                    )))
                }),
            ),
            (
                "hash (listpack)",
                Box::new(move |n| {
                    let pairs = members(n).map(|m| (m.clone(), m)).collect();
                    Object::Hash(Box::new(Hash::from_listpack(pairs).expect("listpack")))
                }),
            ),
            (
                "set (table)",
                Box::new(move |n| Object::Set(Set::from_members(members(n), 512))),
            ),
            (
                "set (intset)",
                Box::new(|n| {
                    let ints = (0..n).map(|i| (i * 3).to_string().into_bytes());
                    Object::Set(Set::from_members(ints, usize::MAX))
                }),
            ),
            (
                "zset (skiplist)",
                Box::new(move |n| {
                    let pairs = members(n).enumerate().map(|(i, m)| (m, i as f64)).collect();
                    Object::ZSet(Box::new(ZSet::from_pairs_in(pairs, false)))
                }),
            ),
            (
                "zset (listpack)",
                Box::new(move |n| {
                    let pairs = members(n).enumerate().map(|(i, m)| (m, i as f64)).collect();
                    Object::ZSet(Box::new(ZSet::from_pairs_in(pairs, true)))
                }),
            ),
            (
                "stream",
                Box::new(move |n| {
                    let mut st = Stream::new();
                    let lim = NodeLimits::of(&Config::default());
                    for i in 0..n as u64 {
                        let v = i.to_string();
                        st.append(StreamId { ms: i + 1, seq: 0 }, &[b"f", v.as_bytes()], lim);
                    }
                    Object::Stream(Box::new(st))
                }),
            ),
        ];
        let bound = EXACT_LIMIT + SAMPLE;
        for (name, build) in &builds {
            let (v1, b1) = visits(&build(100_000));
            let (v2, b2) = visits(&build(200_000));
            assert!(v1 <= bound && v2 <= bound, "{name}: {v1} / {v2} visits");
            assert_eq!(v1, v2, "{name}: visits grow with the size");
            assert!(b2 > b1 + b1 / 2, "{name}: {b1} -> {b2} bytes");
        }
        // The hook sees a walk: the exact measure of a small value visits each element.
        let small = Object::ZSet(Box::new(ZSet::from_pairs_in(
            (0..20).map(|i| (vec![b'a'; i + 1], 1.0)).collect(),
            false,
        )));
        assert_eq!(visits(&small).0, 20);
    }

    /// A compact hash costs its buffer plus a 32-byte box, a set its buffer and nothing
    /// else (its 16-byte handle sits in the key's slot, in [`Object`]'s 24 bytes): the
    /// hashtable form's table header (96 bytes) is boxed apart, not paid by every small
    /// value.
    #[test]
    fn compact_handles_are_small() {
        use crate::types::{hash::Hash, set::Set, zset::ZSet};
        assert!(std::mem::size_of::<Hash>() <= 32);
        assert_eq!(std::mem::size_of::<Set>(), 16);
        assert_eq!(std::mem::size_of::<Object>(), 24);
        assert!(std::mem::size_of::<ZSet>() <= 32);
    }

    #[test]
    fn lru_idle_wraps() {
        let now = 5_000_000u64 * 1000;
        let stamp = lru_clock(now - 7_000);
        assert_eq!(idle_ms(stamp, now), 7_000);
        // A stamp "ahead" of the clock means the clock wrapped.
        let near_max = LRU_CLOCK_MAX - 2;
        let at = (u64::from(LRU_CLOCK_MAX) + 1 + 3) * 1000; // clock = 3
        assert_eq!(idle_ms(near_max, at), (3 + 2) * 1000);
    }
}

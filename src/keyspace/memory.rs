//! What a key costs, and how recently and how often it was used: the model behind INFO's
//! `used_memory`, `maxmemory` and the eviction policies (Redis `object.c`'s memory
//! helpers, `evict.c`'s LRU clock and LFU counter).
//!
//! # Why a model and not the allocator
//!
//! `used_memory` is an estimate of what Redis 7.0 (with jemalloc) would allocate for the
//! same data, kept per store and updated on every modification: each [`super::Entry`] caches
//! its size in `mem`, each [`super::Db`] sums them. It is not the process's allocation, for
//! three reasons: several stores share one process (an embedded store must not count its
//! neighbours), eviction decisions must be deterministic (the same commands on two stores
//! with the same seed evict the same keys — an allocator figure depends on fragmentation and
//! on everything else the process does), and Redis's figure is what users size `maxmemory`
//! against. The notes of issue 11 give how close the figure comes to the process RSS.
//!
//! Sizes are jemalloc size classes ([`alloc`]) of the structures Redis allocates: a
//! `dictEntry` (24 bytes) and a key `sds` per key, a `robj` (16) per value, another
//! `dictEntry` in the expires dict for a key with a TTL, 8 bytes per hash-table bucket
//! (table sizes are powers of two, see [`super::Db::used_memory`]); values by encoding
//! (embstr/raw/int strings, listpacks, quicklist nodes, hash tables, skiplists, intsets).
//! An aggregate with more than [`EXACT_LIMIT`] elements is estimated from its first
//! [`SAMPLE`] elements (iteration order is deterministic), so a modification of a big value
//! costs O(1), not O(n).
//!
//! # LRU and LFU (Redis's 24-bit `robj.lru` field)
//!
//! Under an LRU policy (and under the non-LRU/LFU ones) the field is the LRU clock in
//! seconds modulo 2^24 ([`lru_clock`]); under an LFU policy it is the last decrement time
//! in minutes modulo 2^16 (high 16 bits) and a logarithmic 8-bit counter (low 8 bits),
//! starting at [`LFU_INIT_VAL`]. Times come from the store's clock (the command's time
//! snapshot), never from the wall clock directly. Neither is persisted: a loaded key starts
//! as a new one, as after an RDB load in Redis 7.0 without `LRU`/`FREQ` opcodes.

use crate::keyspace::{Object, StrEncoding};

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

/// A new key's field under an LFU policy (`createObject`).
#[inline]
pub fn lfu_init(now_ms: u64) -> u32 {
    (lfu_minutes(now_ms) << 8) | u32::from(LFU_INIT_VAL)
}

// -----------------------------------------------------------------------------------------
// Sizes
// -----------------------------------------------------------------------------------------

/// Aggregates up to this many elements are measured exactly on each modification.
pub const EXACT_LIMIT: usize = 128;
/// Elements a bigger aggregate's size is extrapolated from.
pub const SAMPLE: usize = 32;

/// Bytes of a `dictEntry` (key, value, next pointers).
pub const DICT_ENTRY: usize = 24;
/// Bytes of a `robj`.
pub const ROBJ: usize = 16;
/// Bytes of a hash-table bucket (a pointer).
pub const BUCKET: usize = 8;

/// The jemalloc size class an allocation of `n` bytes occupies (8, 16, 32, 48, …, 128,
/// then four classes per doubling; page multiples above 16 KiB).
pub fn alloc(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    if n > 16384 {
        return n.div_ceil(4096) * 4096;
    }
    // (2^k, 2^(k+1)] in steps of 2^(k-2).
    let k = usize::BITS - (n - 1).leading_zeros() - 1;
    let step = 1usize << (k - 2);
    n.div_ceil(step) * step
}

/// An `sds` of `len` bytes: header (by length type), bytes and the terminating NUL.
pub fn sds(len: usize) -> usize {
    let header = if len < 32 {
        1
    } else if len < 256 {
        3
    } else if len < 65536 {
        5
    } else {
        9
    };
    alloc(header + len + 1)
}

/// What a key costs besides its value: its `dictEntry`, its `sds`, and an expires-dict
/// entry if it has a TTL.
#[inline]
pub fn key_overhead(key_len: usize, has_expire: bool) -> usize {
    DICT_ENTRY + sds(key_len) + if has_expire { DICT_ENTRY } else { 0 }
}

/// A hash table's bucket array for `n` elements (power of two, at least 4, as `dictExpand`).
#[inline]
pub fn table(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        n.next_power_of_two().max(4) * BUCKET
    }
}

/// True if Redis would store these bytes as a shared or embedded integer.
fn int_encodable(s: &[u8]) -> bool {
    s.len() <= 20 && crate::util::parse_i64(s).is_some()
}

/// A string value with its `robj`.
pub fn string(s: &[u8], enc: StrEncoding) -> usize {
    match enc {
        StrEncoding::FromBytes if int_encodable(s) => ROBJ,
        StrEncoding::FromBytes | StrEncoding::NoInt if s.len() <= 44 => {
            alloc(ROBJ + 3 + s.len() + 1)
        }
        _ => ROBJ + sds(s.len()),
    }
}

/// Bytes of one listpack element of `len` bytes (encoding byte(s), data, backlen).
#[inline]
fn lp_elem(len: usize) -> usize {
    len + if len < 64 {
        2
    } else if len < 4096 {
        4
    } else {
        10
    }
}

/// Sum of `f` over the elements, exact up to [`EXACT_LIMIT`] elements, else extrapolated
/// from the first [`SAMPLE`].
fn sum_of<I: Iterator<Item = usize>>(len: usize, it: I) -> usize {
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

/// A value's size with its `robj` (Redis `objectComputeSize`'s allocations, approximately).
pub fn object(obj: &Object, enc: StrEncoding) -> usize {
    match obj {
        Object::Str(s) => string(s, enc),
        Object::List(l) => {
            // A quicklist of 8 KiB listpack nodes.
            let bytes = sum_of(l.len(), l.items.iter().map(|v| lp_elem(v.len())));
            let nodes = bytes.div_ceil(8192).max(1);
            ROBJ + 40 + nodes * (32 + 7) + alloc(bytes.min(8192)) * nodes
        }
        Object::Hash(h) => {
            if h.is_listpack() {
                let bytes = sum_of(
                    h.len(),
                    h.iter().map(|(f, v)| lp_elem(f.len()) + lp_elem(v.len())),
                );
                ROBJ + alloc(7 + bytes)
            } else {
                let each = sum_of(
                    h.len(),
                    h.iter()
                        .map(|(f, v)| DICT_ENTRY + sds(f.len()) + sds(v.len())),
                );
                ROBJ + 96 + table(h.len()) + each
            }
        }
        Object::Set(s) => {
            if s.intset {
                let width =
                    if s.members.keys().take(SAMPLE).all(|m| {
                        crate::util::parse_i64(m).is_some_and(|v| i32::try_from(v).is_ok())
                    }) {
                        4
                    } else {
                        8
                    };
                ROBJ + alloc(8 + s.len() * width)
            } else {
                let each = sum_of(s.len(), s.members.keys().map(|m| DICT_ENTRY + sds(m.len())));
                ROBJ + 96 + table(s.len()) + each
            }
        }
        Object::ZSet(z) => {
            if z.is_compact() {
                let bytes = sum_of(z.len(), z.iter().map(|(m, _)| lp_elem(m.len()) + 10));
                ROBJ + alloc(7 + bytes)
            } else {
                // dict entry + skiplist node (score, backward, ~1.33 levels) + member sds.
                let each = sum_of(
                    z.len(),
                    z.iter().map(|(m, _)| DICT_ENTRY + alloc(48) + sds(m.len())),
                );
                ROBJ + 96 + 64 + table(z.len()) + each
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes() {
        let classes = [
            (1, 8),
            (8, 8),
            (9, 16),
            (17, 32),
            (33, 48),
            (128, 128),
            (129, 160),
            (160, 160),
            (161, 192),
            (257, 320),
            (1028, 1280),
            (1025, 1280),
            (2049, 2560),
            (16384, 16384),
            (16385, 20480),
        ];
        for (n, c) in classes {
            assert_eq!(alloc(n), c, "alloc({n})");
        }
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

//! `Dict`: the deterministic hash table behind the keyspace, hashes, sets and sorted sets.
//!
//! Why not `std::collections::HashMap`: users observe iteration order (KEYS, SMEMBERS,
//! HGETALL, SCAN) and random picks (SPOP, RANDOMKEY), and both must depend only on the
//! operations performed — never on a per-process random seed. This table hashes with xxh3
//! under a fixed seed, chains entries per bucket, and scans with Redis's reverse-binary
//! cursor (`dictScan`), so SCAN keeps Redis's guarantee: an element present for the whole
//! scan is returned at least once, even when the table grows or shrinks between calls.
//!
//! Layout: `buckets[i]` is the slot index of the first node in bucket `i` (or `NONE`);
//! nodes live in the `slots` slab and link through `next`. Removed slots go on a free list.
//! A slot holds the low 32 bits of its key's hash, the link, the key (inline up to 22
//! bytes) and the value.
//!
//! Growth is incremental, as Redis's `dictRehash`: when the table is full the bucket array
//! doubles into a second one and the old buckets are relinked into it a few at a time, on
//! each later insert or remove (`REHASH_STEP` buckets), so no single command pays for a
//! million-key relink (elements never move in the slab: only the chains change). Lookups
//! look in both arrays meanwhile; SCAN visits both as Redis's `dictScan` does. Every step
//! is driven by the operations, so iteration and SCAN order still depend only on them.
//! Shrinking (below 1/8 full) rebuilds at once: it happens after many removals and
//! touches a table that is mostly empty.

use std::borrow::Borrow;

const NONE: u32 = u32::MAX;
const MIN_BUCKETS: usize = 4;

/// Hash of a byte string, fixed across processes and platforms.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(b)
}

/// A stored key: short keys (most keys and members) live inline in the slot, so a lookup
/// does not chase a heap pointer — at millions of entries that pointer is a cache miss.
#[derive(Clone)]
enum Key {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<[u8]>),
}

const INLINE: usize = 22;

impl Key {
    fn new(v: Vec<u8>) -> Key {
        if v.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..v.len()].copy_from_slice(&v);
            Key::Inline {
                len: v.len() as u8,
                buf,
            }
        } else {
            Key::Heap(v.into_boxed_slice())
        }
    }

    fn from_slice(v: &[u8]) -> Key {
        if v.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..v.len()].copy_from_slice(v);
            Key::Inline {
                len: v.len() as u8,
                buf,
            }
        } else {
            Key::Heap(v.into())
        }
    }

    #[inline]
    fn as_slice(&self) -> &[u8] {
        match self {
            Key::Inline { len, buf } => &buf[..*len as usize],
            Key::Heap(b) => b,
        }
    }

    fn into_vec(self) -> Vec<u8> {
        match self {
            Key::Inline { len, buf } => buf[..len as usize].to_vec(),
            Key::Heap(b) => b.into_vec(),
        }
    }
}

/// A slot of the slab: an element with the low 32 bits of its key's hash (the bucket index
/// and a cheap pre-check before comparing keys; tables never exceed 2^32 buckets, slot
/// indices being `u32`), or a link of the free list.
#[derive(Clone)]
enum Slot<V> {
    Full {
        hash: u32,
        next: u32,
        key: Key,
        val: V,
    },
    Free {
        next_free: u32,
    },
}

/// A deterministic byte-keyed hash table. See the module docs.
#[derive(Clone)]
pub struct Dict<V> {
    /// The bucket array new elements go to.
    buckets: Vec<u32>,
    /// While growing: the previous, smaller bucket array, drained from `rehash` up by a
    /// few buckets per modification (empty when not growing).
    old: Vec<u32>,
    /// The next bucket of `old` to move.
    rehash: usize,
    slots: Vec<Slot<V>>,
    free: u32,
    len: usize,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Dict::new()
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (String::from_utf8_lossy(k), v)))
            .finish()
    }
}

/// Buckets of the old table moved per modification while growing. One per insert is
/// enough to finish before the new table fills (it has twice the buckets); a few more keep
/// the two-table phase short.
const REHASH_STEP: usize = 4;
/// Empty old buckets a step may skip per bucket it should move (Redis `empty_visits`).
const EMPTY_VISITS: usize = 10;

impl<V> Dict<V> {
    /// An empty table.
    pub fn new() -> Self {
        Dict {
            buckets: vec![NONE; MIN_BUCKETS],
            old: Vec::new(),
            rehash: 0,
            slots: Vec::new(),
            free: NONE,
            len: 0,
        }
    }

    /// An empty table sized for `n` elements.
    pub fn with_capacity(n: usize) -> Self {
        let nb = n.next_power_of_two().max(MIN_BUCKETS);
        Dict {
            buckets: vec![NONE; nb],
            old: Vec::new(),
            rehash: 0,
            slots: Vec::with_capacity(n),
            free: NONE,
            len: 0,
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    /// True while the table grows (two bucket arrays).
    #[inline]
    pub fn is_rehashing(&self) -> bool {
        !self.old.is_empty()
    }

    /// The chain head for `hash` in the old table, if that bucket is not moved yet.
    #[inline]
    fn old_head(&self, hash: u64) -> Option<usize> {
        if self.old.is_empty() {
            return None;
        }
        let b = (hash as usize) & (self.old.len() - 1);
        (b >= self.rehash).then_some(b)
    }

    /// The slot of `key` in the chain starting at `i`.
    #[inline]
    fn find_in(&self, mut i: u32, key: &[u8], hash: u64) -> Option<u32> {
        while i != NONE {
            match &self.slots[i as usize] {
                Slot::Full {
                    hash: h,
                    next,
                    key: k,
                    ..
                } => {
                    if *h == hash as u32 && k.as_slice() == key {
                        return Some(i);
                    }
                    i = *next;
                }
                Slot::Free { .. } => unreachable!("free slot linked into a bucket"),
            }
        }
        None
    }

    #[inline]
    fn find(&self, key: &[u8], hash: u64) -> Option<u32> {
        if let Some(i) = self.find_in(self.buckets[(hash as usize) & self.mask()], key, hash) {
            return Some(i);
        }
        let b = self.old_head(hash)?;
        self.find_in(self.old[b], key, hash)
    }

    /// The slot index holding `key`, for a later [`Dict::at`] / [`Dict::at_mut`] without
    /// hashing again. Valid until the next insert or remove.
    #[inline]
    pub fn find_slot(&self, key: &[u8]) -> Option<u32> {
        self.find(key, hash_bytes(key))
    }

    /// The value in slot `i` (from [`Dict::find_slot`]).
    #[inline]
    pub fn at(&self, i: u32) -> &V {
        match &self.slots[i as usize] {
            Slot::Full { val, .. } => val,
            Slot::Free { .. } => panic!("Dict::at on a free slot"),
        }
    }

    /// The key in slot `i` (from [`Dict::find_slot`] or [`Dict::insert_slot`]).
    #[inline]
    pub fn key_at(&self, i: u32) -> &[u8] {
        match &self.slots[i as usize] {
            Slot::Full { key, .. } => key.as_slice(),
            Slot::Free { .. } => panic!("Dict::key_at on a free slot"),
        }
    }

    /// Length of the slot slab (elements plus free slots). A slot index stays valid across
    /// inserts and removes of other keys, except when a removal shrinks the table: that
    /// compacts the slab (keeping the order of the remaining slots), which a caller holding
    /// slot indices sees as this length changing.
    #[inline]
    pub fn slab_len(&self) -> usize {
        self.slots.len()
    }

    /// Inserts `key`, which must be absent, and returns its slot.
    pub fn insert_slot(&mut self, key: &[u8], val: V) -> u32 {
        debug_assert!(!self.contains_key(key));
        let hash = hash_bytes(key);
        self.insert_new(Key::from_slice(key), hash, val)
    }

    /// The value in slot `i` (mutable).
    #[inline]
    pub fn at_mut(&mut self, i: u32) -> &mut V {
        match &mut self.slots[i as usize] {
            Slot::Full { val, .. } => val,
            Slot::Free { .. } => panic!("Dict::at_mut on a free slot"),
        }
    }

    /// The value stored under `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        let i = self.find(key, hash_bytes(key))?;
        match &self.slots[i as usize] {
            Slot::Full { val, .. } => Some(val),
            Slot::Free { .. } => None,
        }
    }

    /// The key and value stored under `key`.
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&[u8], &V)> {
        let i = self.find(key, hash_bytes(key))?;
        match &self.slots[i as usize] {
            Slot::Full { key, val, .. } => Some((key.as_slice(), val)),
            Slot::Free { .. } => None,
        }
    }

    /// Mutable access to the value stored under `key`.
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        let i = self.find(key, hash_bytes(key))?;
        match &mut self.slots[i as usize] {
            Slot::Full { val, .. } => Some(val),
            Slot::Free { .. } => None,
        }
    }

    /// The elements of the chain starting at `i`.
    fn chain(&self, mut i: u32) -> impl Iterator<Item = (u32, &[u8], &V)> {
        std::iter::from_fn(move || {
            if i == NONE {
                return None;
            }
            let Slot::Full { next, key, val, .. } = &self.slots[i as usize] else {
                unreachable!("free slot linked into a bucket")
            };
            let at = i;
            i = *next;
            Some((at, key.as_slice(), val))
        })
    }

    /// The elements whose key hashes ([`hash_bytes`]) to `h`: usually one or none (for an
    /// index that refers to keys by hash instead of holding copies of them).
    pub fn with_hash(&self, h: u64) -> impl Iterator<Item = (&[u8], &V)> {
        let new = self.chain(self.buckets[(h as usize) & self.mask()]);
        let old = self
            .old_head(h)
            .map(|b| self.chain(self.old[b]))
            .into_iter()
            .flatten();
        new.chain(old).filter_map(move |(i, k, v)| {
            let stored = match &self.slots[i as usize] {
                Slot::Full { hash, .. } => *hash,
                Slot::Free { .. } => unreachable!(),
            };
            (stored == h as u32 && hash_bytes(k) == h).then_some((k, v))
        })
    }

    /// True if `key` is present.
    #[inline]
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.find(key, hash_bytes(key)).is_some()
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: impl Into<Vec<u8>> + Borrow<[u8]>, val: V) -> Option<V> {
        let hash = hash_bytes(key.borrow());
        if let Some(i) = self.find(key.borrow(), hash) {
            if let Slot::Full { val: old, .. } = &mut self.slots[i as usize] {
                return Some(std::mem::replace(old, val));
            }
        }
        self.insert_new(Key::new(key.into()), hash, val);
        None
    }

    /// Returns the value under `key`, inserting `f()` first when absent.
    pub fn get_or_insert_with(&mut self, key: &[u8], f: impl FnOnce() -> V) -> &mut V {
        let hash = hash_bytes(key);
        let i = match self.find(key, hash) {
            Some(i) => i,
            None => self.insert_new(Key::from_slice(key), hash, f()),
        };
        match &mut self.slots[i as usize] {
            Slot::Full { val, .. } => val,
            Slot::Free { .. } => unreachable!(),
        }
    }

    fn insert_new(&mut self, key: Key, hash: u64, val: V) -> u32 {
        if self.is_rehashing() {
            self.rehash_step(REHASH_STEP);
        } else if self.len + 1 > self.buckets.len() {
            self.start_growth();
        }
        let b = (hash as usize) & self.mask();
        let node = Slot::Full {
            hash: hash as u32,
            next: self.buckets[b],
            key,
            val,
        };
        let idx = if self.free != NONE {
            let idx = self.free;
            if let Slot::Free { next_free } = self.slots[idx as usize] {
                self.free = next_free;
            }
            self.slots[idx as usize] = node;
            idx
        } else {
            self.slots.push(node);
            (self.slots.len() - 1) as u32
        };
        self.buckets[b] = idx;
        self.len += 1;
        idx
    }

    /// Starts doubling: the current buckets become the old table, drained by
    /// [`Dict::rehash_step`] on later modifications (Redis `_dictExpandIfNeeded` +
    /// `dictRehash`), so no single command relinks the whole table.
    fn start_growth(&mut self) {
        let nb = self.buckets.len() * 2;
        self.old = std::mem::replace(&mut self.buckets, vec![NONE; nb]);
        self.rehash = 0;
        self.rehash_step(REHASH_STEP);
    }

    /// Moves up to `n` non-empty buckets of the old table into the new one (visiting at
    /// most `n * EMPTY_VISITS` empty ones); ends the growth when the old table is drained.
    fn rehash_step(&mut self, n: usize) {
        let mut moved = 0;
        let mut empty = 0;
        let mask = self.mask();
        while moved < n && self.rehash < self.old.len() {
            let mut i = self.old[self.rehash];
            self.old[self.rehash] = NONE;
            self.rehash += 1;
            if i == NONE {
                empty += 1;
                if empty >= n * EMPTY_VISITS {
                    break;
                }
                continue;
            }
            while i != NONE {
                let Slot::Full { hash, next, .. } = &mut self.slots[i as usize] else {
                    unreachable!("free slot linked into a bucket")
                };
                let b = (*hash as usize) & mask;
                let after = *next;
                *next = self.buckets[b];
                self.buckets[b] = i;
                i = after;
            }
            moved += 1;
        }
        if self.rehash >= self.old.len() {
            self.old = Vec::new();
            self.rehash = 0;
        }
    }

    /// Ends a growth at once (before a shrink, which rebuilds the table anyway).
    fn finish_rehash(&mut self) {
        while self.is_rehashing() {
            self.rehash_step(usize::MAX / EMPTY_VISITS);
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Unlinks `key` from the chain whose head is `head`; returns its slot.
    fn unlink(slots: &mut [Slot<V>], head: &mut u32, key: &[u8], hash: u64) -> Option<u32> {
        let mut prev = NONE;
        let mut i = *head;
        while i != NONE {
            let (next, matches) = match &slots[i as usize] {
                Slot::Full {
                    hash: h,
                    next,
                    key: k,
                    ..
                } => (*next, *h == hash as u32 && k.as_slice() == key),
                Slot::Free { .. } => unreachable!(),
            };
            if matches {
                if prev == NONE {
                    *head = next;
                } else if let Slot::Full { next: pn, .. } = &mut slots[prev as usize] {
                    *pn = next;
                }
                return Some(i);
            }
            prev = i;
            i = next;
        }
        None
    }

    /// Removes `key`; returns the stored key and value.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Vec<u8>, V)> {
        let hash = hash_bytes(key);
        let b = (hash as usize) & self.mask();
        let mut found = Self::unlink(&mut self.slots, &mut self.buckets[b], key, hash);
        if found.is_none() {
            if let Some(ob) = self.old_head(hash) {
                found = Self::unlink(&mut self.slots, &mut self.old[ob], key, hash);
            }
        }
        let i = found?;
        let old = std::mem::replace(
            &mut self.slots[i as usize],
            Slot::Free {
                next_free: self.free,
            },
        );
        self.free = i;
        self.len -= 1;
        let out = match old {
            Slot::Full { key, val, .. } => (key.into_vec(), val),
            Slot::Free { .. } => unreachable!(),
        };
        if self.is_rehashing() {
            self.rehash_step(REHASH_STEP);
        }
        if self.buckets.len() > MIN_BUCKETS && self.len * 8 < self.buckets.len() {
            self.finish_rehash();
            self.resize((self.len.next_power_of_two() * 2).max(MIN_BUCKETS));
        }
        Some(out)
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        *self = Dict::new();
    }

    /// Rebuilds with `nb` buckets, compacting the slab (a shrink: the table is at most an
    /// eighth full, so this is cheap next to the removals that led to it). Deterministic:
    /// slots are relinked in slab order.
    fn resize(&mut self, nb: usize) {
        if self.free == NONE && self.slots.len() == self.len {
            self.relink(nb);
        } else {
            self.compact(nb);
        }
    }

    /// [`Dict::resize`] for a slab without free slots.
    fn relink(&mut self, nb: usize) {
        // No free slot: compacting would leave the slab as it is, so relink in place
        // (the same result, without moving every entry).
        let mut buckets = vec![NONE; nb];
        let mask = nb - 1;
        for (i, s) in self.slots.iter_mut().enumerate() {
            if let Slot::Full { hash, next, .. } = s {
                let b = (*hash as usize) & mask;
                *next = buckets[b];
                buckets[b] = i as u32;
            }
        }
        self.buckets = buckets;
    }

    /// [`Dict::resize`] compacting the slab.
    fn compact(&mut self, nb: usize) {
        let old = std::mem::take(&mut self.slots);
        let mut slots = Vec::with_capacity(self.len.max(nb / 2));
        let mut buckets = vec![NONE; nb];
        let mask = nb - 1;
        for s in old {
            if let Slot::Full { hash, key, val, .. } = s {
                let b = (hash as usize) & mask;
                slots.push(Slot::Full {
                    hash,
                    next: buckets[b],
                    key,
                    val,
                });
                buckets[b] = (slots.len() - 1) as u32;
            }
        }
        self.slots = slots;
        self.buckets = buckets;
        self.free = NONE;
    }

    /// Iterates in a deterministic order: the new table's buckets, then the old table's
    /// buckets not moved yet, each chain in order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter {
            dict: self,
            bucket: 0,
            node: NONE,
        }
    }

    /// Iterates the keys.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.iter().map(|(k, _)| k)
    }

    /// Iterates the values.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    /// Mutable iteration over values (slab order).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.slots.iter_mut().filter_map(|s| match s {
            Slot::Full { val, .. } => Some(val),
            Slot::Free { .. } => None,
        })
    }

    /// Removes every element for which `keep` returns false.
    pub fn retain(&mut self, mut keep: impl FnMut(&[u8], &mut V) -> bool) {
        let doomed: Vec<Vec<u8>> = self
            .slots
            .iter_mut()
            .filter_map(|s| match s {
                Slot::Full { key, val, .. } => {
                    (!keep(key.as_slice(), val)).then(|| key.as_slice().to_vec())
                }
                Slot::Free { .. } => None,
            })
            .collect();
        for k in doomed {
            self.remove(&k);
        }
    }

    /// Calls `f` on each element of the chain starting at `i`.
    fn visit(&self, mut i: u32, f: &mut impl FnMut(&[u8], &V)) {
        while i != NONE {
            let Slot::Full { next, key, val, .. } = &self.slots[i as usize] else {
                unreachable!("free slot linked into a bucket")
            };
            f(key.as_slice(), val);
            i = *next;
        }
    }

    /// One step of a SCAN: visits every element of the bucket(s) named by `cursor`, calling
    /// `f(key, value)`, and returns the next cursor (0 when the scan is complete). Uses
    /// Redis's reverse-binary cursor increment so growth and shrinkage between calls never
    /// skip an element that stays present. While the table grows, the cursor's bucket of
    /// the smaller table is visited and then every bucket of the larger one that it expands
    /// to (Redis `dictScan` with two tables); buckets of the old table already moved are
    /// empty, their elements being in the new one.
    pub fn scan_step(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.len == 0 {
            return 0;
        }
        let mut v = cursor;
        let m0;
        if !self.is_rehashing() {
            m0 = self.mask() as u64;
            self.visit(self.buckets[(v & m0) as usize], &mut f);
        } else {
            let (small, large) = if self.old.len() <= self.buckets.len() {
                (&self.old, &self.buckets)
            } else {
                (&self.buckets, &self.old)
            };
            m0 = (small.len() - 1) as u64;
            let m1 = (large.len() - 1) as u64;
            self.visit(small[(v & m0) as usize], &mut f);
            loop {
                self.visit(large[(v & m1) as usize], &mut f);
                // Increment the bits not covered by the smaller mask.
                v = (((v | m0).wrapping_add(1)) & !m0) | (v & m0);
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v |= !m0;
        v = v.reverse_bits();
        v = v.wrapping_add(1);
        v.reverse_bits()
    }

    /// Bytes of one slot (key inline up to 22 bytes, hash, chain link and value).
    pub const fn slot_bytes() -> usize {
        std::mem::size_of::<Slot<V>>()
    }

    /// True if a key of `len` bytes lives on the heap rather than inline in its slot.
    pub const fn key_on_heap(len: usize) -> bool {
        len > INLINE
    }

    /// Bytes of the table itself: the bucket arrays and the slot array, by capacity (memory
    /// accounting; keys on the heap and the values' own allocations are not included).
    pub fn table_bytes(&self) -> usize {
        (self.buckets.capacity() + self.old.capacity()) * std::mem::size_of::<u32>()
            + self.slots.capacity() * std::mem::size_of::<Slot<V>>()
    }

    /// Number of buckets, of both tables while growing (for SCAN's work estimate and
    /// OBJECT-style introspection).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len() + self.old.len()
    }

    /// The chain head of bucket `b` counting the new table's buckets first, then the old
    /// table's.
    #[inline]
    fn head(&self, b: usize) -> u32 {
        if b < self.buckets.len() {
            self.buckets[b]
        } else {
            self.old[b - self.buckets.len()]
        }
    }

    /// A random element, or None when empty. `rand(n)` must return a number in `0..n`; it
    /// is the store's seeded RNG. Redis `dictGetFairRandomKey`: up to `FAIR_SAMPLE`
    /// elements are gathered from consecutive buckets starting at a random one and one of
    /// them is drawn, so an element sharing its bucket is not half as likely as a lone one
    /// (as it is with a plain bucket-then-chain pick, which is the fallback when the walk
    /// finds nothing).
    pub fn random_entry(&self, mut rand: impl FnMut(u64) -> u64) -> Option<(&[u8], &V)> {
        if self.len == 0 {
            return None;
        }
        // Never more than the dict holds, so the walk does not come round to an element
        // twice.
        let want = FAIR_SAMPLE.min(self.len);
        let mut picked = [NONE; FAIR_SAMPLE];
        let mut n = 0;
        let total = self.buckets.len() + self.old.len();
        let mut b = rand(total as u64) as usize;
        let mut empty = 0;
        // Redis `dictGetSomeKeys`: at most ten bucket visits per wanted element, and a
        // fresh random start after a run of empty buckets.
        'walk: for _ in 0..want * 10 {
            let head = self.head(b);
            if head == NONE {
                empty += 1;
                if empty >= 5 && empty > want {
                    b = rand(total as u64) as usize;
                    empty = 0;
                    continue;
                }
            } else {
                empty = 0;
                for (at, _, _) in self.chain(head) {
                    picked[n] = at;
                    n += 1;
                    if n == want {
                        break 'walk;
                    }
                }
            }
            b = (b + 1) % total;
        }
        if n == 0 {
            return self.bucket_random_entry(rand);
        }
        match &self.slots[picked[rand(n as u64) as usize] as usize] {
            Slot::Full { key, val, .. } => Some((key.as_slice(), val)),
            Slot::Free { .. } => unreachable!("free slot linked into a bucket"),
        }
    }

    /// A uniformly-chosen-bucket random element (Redis `dictGetRandomKey`), or None when
    /// empty.
    fn bucket_random_entry(&self, mut rand: impl FnMut(u64) -> u64) -> Option<(&[u8], &V)> {
        if self.len == 0 {
            return None;
        }
        loop {
            // While growing, the old table's moved buckets (below `rehash`) are empty:
            // draw among the new table's and the rest (Redis `dictGetRandomKey`).
            let span = self.buckets.len() + self.old.len() - self.rehash;
            let mut b = rand(span as u64) as usize;
            if b >= self.buckets.len() {
                b += self.rehash;
            }
            let head = self.head(b);
            if head == NONE {
                continue;
            }
            let n = self.chain(head).count() as u64;
            let pick = rand(n) as usize;
            if let Some((_, k, v)) = self.chain(head).nth(pick) {
                return Some((k, v));
            }
        }
    }
}

/// Elements sampled by [`Dict::random_entry`] (Redis `GETFAIR_NUM_ENTRIES`).
const FAIR_SAMPLE: usize = 15;

/// Iterator over a [`Dict`], see [`Dict::iter`].
pub struct Iter<'a, V> {
    dict: &'a Dict<V>,
    bucket: usize,
    node: u32,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.node != NONE {
                if let Slot::Full { next, key, val, .. } = &self.dict.slots[self.node as usize] {
                    self.node = *next;
                    return Some((key.as_slice(), val));
                }
                unreachable!()
            }
            if self.bucket >= self.dict.buckets.len() + self.dict.old.len() {
                return None;
            }
            self.node = self.dict.head(self.bucket);
            self.bucket += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Relinking in place gives exactly the table compaction gives when no slot is free
    /// (so iteration and SCAN orders do not depend on which path a resize took).
    #[test]
    fn relink_in_place_equals_compaction() {
        for n in [0usize, 1, 5, 100, 1000] {
            let mut d: Dict<usize> = Dict::new();
            for i in 0..n {
                d.insert(format!("key:{i}").into_bytes(), i);
            }
            for nb in [4usize, 64, 4096] {
                let mut a = d.clone();
                let mut b = d.clone();
                a.relink(nb);
                b.compact(nb);
                assert_eq!(a.buckets, b.buckets, "n {n} nb {nb}");
                let links = |x: &Dict<usize>| -> Vec<(u32, usize)> {
                    x.slots
                        .iter()
                        .map(|s| match s {
                            Slot::Full { next, val, .. } => (*next, *val),
                            Slot::Free { .. } => (NONE, usize::MAX),
                        })
                        .collect()
                };
                assert_eq!(links(&a), links(&b), "n {n} nb {nb}");
                let ka: Vec<&[u8]> = a.keys().collect();
                let kb: Vec<&[u8]> = b.keys().collect();
                assert_eq!(ka, kb);
            }
        }
    }

    #[test]
    fn insert_get_remove() {
        let mut d = Dict::new();
        for i in 0..1000u32 {
            assert!(d.insert(i.to_string().into_bytes(), i).is_none());
        }
        assert_eq!(d.len(), 1000);
        for i in 0..1000u32 {
            assert_eq!(d.get(i.to_string().as_bytes()), Some(&i));
        }
        for i in 0..990u32 {
            assert_eq!(d.remove(i.to_string().as_bytes()), Some(i));
        }
        assert_eq!(d.len(), 10);
        assert!(d.bucket_count() <= 64);
        assert_eq!(d.iter().count(), 10);
    }

    #[test]
    fn scan_returns_stable_members_across_resize() {
        let mut d = Dict::new();
        for i in 0..500u32 {
            d.insert(format!("k{i}").into_bytes(), ());
        }
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan_step(cursor, |k, _| {
                seen.insert(k.to_vec());
            });
            step += 1;
            // Grow and shrink the table mid-scan with keys that come and go.
            if step == 20 {
                for i in 0..3000u32 {
                    d.insert(format!("tmp{i}").into_bytes(), ());
                }
            }
            if step == 200 {
                for i in 0..3000u32 {
                    d.remove(format!("tmp{i}").as_bytes());
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..500u32 {
            assert!(seen.contains(format!("k{i}").as_bytes()), "missed k{i}");
        }
    }

    /// A big table's growth is spread: the insert that fills the table starts a rehash
    /// and later inserts drain it; meanwhile every element stays reachable.
    #[test]
    fn growth_is_incremental() {
        let mut d: Dict<u32> = Dict::new();
        let n = 1u32 << 14;
        for i in 0..n {
            d.insert(format!("key:{i}").into_bytes(), i);
        }
        assert!(!d.is_rehashing());
        d.insert(b"one more".to_vec(), 0);
        assert!(
            d.is_rehashing(),
            "growth must not relink the whole table at once"
        );
        let mut steps = 0;
        while d.is_rehashing() {
            d.insert(format!("more:{steps}").into_bytes(), steps);
            steps += 1;
            for i in (0..n).step_by(997) {
                assert_eq!(d.get(format!("key:{i}").as_bytes()), Some(&i));
            }
        }
        assert!(steps > 100, "drained in {steps} inserts");
        assert!(steps <= n, "drained in {steps} inserts");
        assert_eq!(d.iter().count(), d.len());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Random inserts and removals against a `BTreeMap`, with SCANs running through
        /// growth and shrinkage: lookups, lengths and iteration agree with the model, and
        /// every SCAN returns each element present for the whole scan.
        #[test]
        fn matches_a_model_while_rehashing(
            ops in proptest::collection::vec((0u8..8, 0u16..1500), 1..2500),
        ) {
            use std::collections::BTreeMap;
            let mut d: Dict<u16> = Dict::new();
            let mut model: BTreeMap<Vec<u8>, u16> = BTreeMap::new();
            // Scans in progress: cursor, keys seen, keys present since the scan began.
            type Keys = BTreeSet<Vec<u8>>;
            let mut scans: Vec<(u64, Keys, Keys)> = Vec::new();
            for (op, k) in ops {
                let key = format!("k{k}").into_bytes();
                match op {
                    0..=3 => {
                        proptest::prop_assert_eq!(d.insert(key.clone(), k), model.insert(key, k));
                    }
                    4 | 5 => {
                        let gone = d.remove(&key);
                        proptest::prop_assert_eq!(gone, model.remove(&key));
                        for (_, _, stable) in &mut scans {
                            stable.remove(&key);
                        }
                    }
                    6 => {
                        let stable: BTreeSet<Vec<u8>> = model.keys().cloned().collect();
                        scans.push((0, BTreeSet::new(), stable));
                    }
                    _ => {
                        let mut done = Vec::new();
                        for (i, (cursor, seen, stable)) in scans.iter_mut().enumerate() {
                            *cursor = d.scan_step(*cursor, |k, _| {
                                seen.insert(k.to_vec());
                            });
                            if *cursor == 0 {
                                for k in stable.iter() {
                                    proptest::prop_assert!(seen.contains(k), "scan missed {:?}", k);
                                }
                                done.push(i);
                            }
                        }
                        for i in done.into_iter().rev() {
                            scans.remove(i);
                        }
                    }
                }
                proptest::prop_assert_eq!(d.len(), model.len());
                proptest::prop_assert_eq!(d.get(format!("k{k}").as_bytes()), model.get(format!("k{k}").as_bytes()));
            }
            let mut all: Vec<(Vec<u8>, u16)> = d.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
            all.sort();
            let want: Vec<(Vec<u8>, u16)> = model.into_iter().collect();
            proptest::prop_assert_eq!(all, want);
            // Finish the scans still open on the final table.
            for (mut cursor, mut seen, stable) in scans {
                loop {
                    cursor = d.scan_step(cursor, |k, _| {
                        seen.insert(k.to_vec());
                    });
                    if cursor == 0 {
                        break;
                    }
                }
                for k in &stable {
                    proptest::prop_assert!(seen.contains(k), "scan missed {:?}", k);
                }
            }
        }
    }

    #[test]
    fn order_is_deterministic() {
        let build = || {
            let mut d = Dict::new();
            for i in 0..100u32 {
                d.insert(format!("m{i}").into_bytes(), i);
            }
            d.iter().map(|(k, _)| k.to_vec()).collect::<Vec<_>>()
        };
        assert_eq!(build(), build());
    }
}

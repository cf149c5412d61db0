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

#[derive(Clone)]
enum Slot<V> {
    Full {
        hash: u64,
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
    buckets: Vec<u32>,
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

impl<V> Dict<V> {
    /// An empty table.
    pub fn new() -> Self {
        Dict {
            buckets: vec![NONE; MIN_BUCKETS],
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

    fn find(&self, key: &[u8], hash: u64) -> Option<u32> {
        let mut i = self.buckets[(hash as usize) & self.mask()];
        while i != NONE {
            match &self.slots[i as usize] {
                Slot::Full {
                    hash: h,
                    next,
                    key: k,
                    ..
                } => {
                    if *h == hash && k.as_slice() == key {
                        return Some(i);
                    }
                    i = *next;
                }
                Slot::Free { .. } => unreachable!("free slot linked into a bucket"),
            }
        }
        None
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
        if self.len + 1 > self.buckets.len() {
            self.resize(self.buckets.len() * 2);
        }
        let b = (hash as usize) & self.mask();
        let node = Slot::Full {
            hash,
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

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`; returns the stored key and value.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Vec<u8>, V)> {
        let hash = hash_bytes(key);
        let b = (hash as usize) & self.mask();
        let mut prev = NONE;
        let mut i = self.buckets[b];
        while i != NONE {
            let (h, next, matches) = match &self.slots[i as usize] {
                Slot::Full {
                    hash: h,
                    next,
                    key: k,
                    ..
                } => (*h, *next, *h == hash && k.as_slice() == key),
                Slot::Free { .. } => unreachable!(),
            };
            let _ = h;
            if matches {
                if prev == NONE {
                    self.buckets[b] = next;
                } else if let Slot::Full { next: pn, .. } = &mut self.slots[prev as usize] {
                    *pn = next;
                }
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
                if self.buckets.len() > MIN_BUCKETS && self.len * 8 < self.buckets.len() {
                    self.resize((self.len.next_power_of_two() * 2).max(MIN_BUCKETS));
                }
                return Some(out);
            }
            prev = i;
            i = next;
        }
        None
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        *self = Dict::new();
    }

    /// Rebuilds with `nb` buckets, compacting the slab. Deterministic: slots are relinked in
    /// slab order.
    fn resize(&mut self, nb: usize) {
        if self.free == NONE && self.slots.len() == self.len {
            self.relink(nb);
        } else {
            self.compact(nb);
        }
    }

    /// [`Dict::resize`] for a slab without free slots.
    fn relink(&mut self, nb: usize) {
        {
            // No free slot: compacting would leave the slab as it is, so relink in place
            // (the same result, without moving every entry: at a million keys the move
            // held the store for seconds).
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

    /// Iterates in a deterministic order (bucket order, then chain order).
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

    /// Mutable iteration over values (order as `iter`).
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

    /// One step of a SCAN: visits every element of the bucket(s) named by `cursor`, calling
    /// `f(key, value)`, and returns the next cursor (0 when the scan is complete). Uses
    /// Redis's reverse-binary cursor increment so growth and shrinkage between calls never
    /// skip an element that stays present.
    pub fn scan_step(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.len == 0 {
            return 0;
        }
        let m0 = self.mask() as u64;
        let mut i = self.buckets[(cursor & m0) as usize];
        while i != NONE {
            if let Slot::Full { next, key, val, .. } = &self.slots[i as usize] {
                f(key.as_slice(), val);
                i = *next;
            } else {
                unreachable!()
            }
        }
        let mut v = cursor | !m0;
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

    /// Bytes of the table itself: the bucket array and the slot array, by capacity (memory
    /// accounting; keys on the heap and the values' own allocations are not included).
    pub fn table_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<u32>()
            + self.slots.capacity() * std::mem::size_of::<Slot<V>>()
    }

    /// Number of buckets (for SCAN's work estimate and OBJECT-style introspection).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// A uniformly-chosen-bucket random element, or None when empty. `rand(n)` must return a
    /// number in `0..n`; it is the store's seeded RNG.
    pub fn random_entry(&self, mut rand: impl FnMut(u64) -> u64) -> Option<(&[u8], &V)> {
        if self.len == 0 {
            return None;
        }
        loop {
            let b = rand(self.buckets.len() as u64) as usize;
            let mut i = self.buckets[b];
            if i == NONE {
                continue;
            }
            // Count the chain, then pick within it.
            let mut n = 0u64;
            let head = i;
            while i != NONE {
                n += 1;
                i = match &self.slots[i as usize] {
                    Slot::Full { next, .. } => *next,
                    Slot::Free { .. } => unreachable!(),
                };
            }
            let mut pick = rand(n);
            i = head;
            loop {
                match &self.slots[i as usize] {
                    Slot::Full { next, key, val, .. } => {
                        if pick == 0 {
                            return Some((key.as_slice(), val));
                        }
                        pick -= 1;
                        i = *next;
                    }
                    Slot::Free { .. } => unreachable!(),
                }
            }
        }
    }
}

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
            if self.bucket >= self.dict.buckets.len() {
                return None;
            }
            self.node = self.dict.buckets[self.bucket];
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

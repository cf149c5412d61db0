//! The per-slot key index of cluster mode (Redis 7.0's `db->slots_to_keys`): how many keys
//! each hash slot holds, and which, so that CLUSTER COUNTKEYSINSLOT is O(1) and
//! GETKEYSINSLOT O(log n + keys returned) instead of a scan of the database.
//!
//! Like the deadline index of [`super::Db`], it holds no copies of keys: a `(slot, hash of
//! the key)` pair per key (keys colliding on all 64 bits in one slot share a pair), resolved
//! through the table's bucket for that hash, plus a count per slot.
//!
//! It exists only in cluster mode: a [`super::Db`] has none until the first COUNTKEYSINSLOT
//! or GETKEYSINSLOT builds it (one scan); from then on the `Db` methods that add or remove a
//! key keep it. Loaders that fill the table directly drop it ([`super::Db::recount`]), and
//! a count that disagrees with the table's makes the next use rebuild it.

use std::collections::BTreeSet;

use crate::util::dict::hash_bytes;
use crate::util::slot::{key_hash_slot, SLOTS};
use crate::util::Dict;

use super::Entry;

/// Keys per slot, by hash (see the module docs).
#[derive(Clone, Debug)]
pub struct SlotIndex {
    /// Number of keys in each slot.
    counts: Box<[u32]>,
    /// `(slot, hash)` of every key.
    members: BTreeSet<(u16, u64)>,
    /// Sum of `counts`: must equal the table's length.
    total: usize,
}

impl SlotIndex {
    /// The index of the keys of `dict`.
    pub fn build(dict: &Dict<Entry>) -> SlotIndex {
        let mut ix = SlotIndex {
            counts: vec![0; SLOTS as usize].into_boxed_slice(),
            members: BTreeSet::new(),
            total: 0,
        };
        for k in dict.keys() {
            ix.add(k);
        }
        ix
    }

    /// True if the index counts as many keys as `dict` holds.
    pub fn fits(&self, dict: &Dict<Entry>) -> bool {
        self.total == dict.len()
    }

    /// Records `key`, just added to the table.
    pub fn add(&mut self, key: &[u8]) {
        let slot = key_hash_slot(key);
        self.counts[slot as usize] += 1;
        self.total += 1;
        self.members.insert((slot, hash_bytes(key)));
    }

    /// Forgets `key`, just removed from `dict`.
    pub fn remove(&mut self, key: &[u8], dict: &Dict<Entry>) {
        let slot = key_hash_slot(key);
        let n = &mut self.counts[slot as usize];
        *n = n.saturating_sub(1);
        self.total = self.total.saturating_sub(1);
        let h = hash_bytes(key);
        if !dict.with_hash(h).any(|(k, _)| key_hash_slot(k) == slot) {
            self.members.remove(&(slot, h));
        }
    }

    /// Number of keys in `slot`.
    pub fn count(&self, slot: u16) -> usize {
        self.counts.get(slot as usize).copied().unwrap_or(0) as usize
    }

    /// The keys of `dict` in `slot`, ordered by hash.
    pub fn keys<'a>(
        &'a self,
        dict: &'a Dict<Entry>,
        slot: u16,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.members
            .range((slot, 0)..=(slot, u64::MAX))
            .flat_map(move |&(_, h)| {
                dict.with_hash(h)
                    .filter(move |(k, _)| key_hash_slot(k) == slot)
                    .map(|(k, _)| k)
            })
    }

    /// True if this index equals one built from `dict` now (a check for tests).
    pub fn matches(&self, dict: &Dict<Entry>) -> bool {
        let fresh = SlotIndex::build(dict);
        fresh.total == self.total && fresh.counts == self.counts && fresh.members == self.members
    }
}

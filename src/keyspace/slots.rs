//! The per-slot key index of cluster mode (Redis 7.0's `db->slots_to_keys`): how many keys
//! each hash slot holds, and which, so that CLUSTER COUNTKEYSINSLOT is O(1) and
//! GETKEYSINSLOT O(log n + keys returned) instead of a scan of the database.
//!
//! Like the deadline index of [`super::Db`], it holds no copies of keys: a `(slot, hash of
//! the key)` pair per key (keys colliding on all 64 bits in one slot share a pair), resolved
//! through the table's bucket for that hash, plus a count per slot.
//!
//! GETKEYSINSLOT lists a slot's keys newest first, as Redis 7.0 does: its slot-to-keys
//! lists put each key added to the database (SET of a new key, RENAME's and COPY's
//! destination, a key re-created after it expired or emptied) at the head, and an
//! overwrite keeps the key where it was. Each pair gets an ever-growing sequence number
//! when it enters the index and is ordered by it, latest first. (Keys sharing a pair sit at
//! the first one's place.)
//!
//! In cluster mode the dispatcher asks every database-0 command to keep the index
//! ([`super::Db::track_slots`]) before it runs, so it follows every key from the first
//! command on, log replay included. Loaders that fill the table directly drop it
//! ([`super::Db::recount`]), and a count that disagrees with the table's makes the next use
//! rebuild it; a rebuilt index holds the keys there were in the table's order.

use std::collections::{BTreeSet, HashMap};

use crate::util::dict::hash_bytes;
use crate::util::slot::{key_hash_slot, SLOTS};
use crate::util::Dict;

use super::Entry;

/// Keys per slot, newest first (see the module docs).
#[derive(Clone, Debug)]
pub struct SlotIndex {
    /// Number of keys in each slot.
    counts: Box<[u32]>,
    /// `(slot, rank, hash)` of every pair: a slot's pairs in rank order, the newest
    /// first (rank = `u64::MAX` − sequence number).
    members: BTreeSet<(u16, u64, u64)>,
    /// The rank of each `(slot, hash)` pair in `members`.
    ranks: HashMap<(u16, u64), u64>,
    /// The next pair's sequence number.
    next: u64,
    /// Sum of `counts`: must equal the table's length.
    total: usize,
}

impl SlotIndex {
    /// The index of the keys of `dict`.
    pub fn build(dict: &Dict<Entry>) -> SlotIndex {
        let mut ix = SlotIndex {
            counts: vec![0; SLOTS as usize].into_boxed_slice(),
            members: BTreeSet::new(),
            ranks: HashMap::new(),
            next: 0,
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
        let h = hash_bytes(key);
        if let std::collections::hash_map::Entry::Vacant(v) = self.ranks.entry((slot, h)) {
            let rank = u64::MAX - self.next;
            self.next += 1;
            v.insert(rank);
            self.members.insert((slot, rank, h));
        }
    }

    /// Forgets `key`, just removed from `dict`.
    pub fn remove(&mut self, key: &[u8], dict: &Dict<Entry>) {
        let slot = key_hash_slot(key);
        let n = &mut self.counts[slot as usize];
        *n = n.saturating_sub(1);
        self.total = self.total.saturating_sub(1);
        let h = hash_bytes(key);
        if !dict.with_hash(h).any(|(k, _)| key_hash_slot(k) == slot) {
            if let Some(rank) = self.ranks.remove(&(slot, h)) {
                self.members.remove(&(slot, rank, h));
            }
        }
    }

    /// Number of keys in `slot`.
    pub fn count(&self, slot: u16) -> usize {
        self.counts.get(slot as usize).copied().unwrap_or(0) as usize
    }

    /// The keys of `dict` in `slot`, the most recently added first.
    pub fn keys<'a>(
        &'a self,
        dict: &'a Dict<Entry>,
        slot: u16,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.members
            .range((slot, 0, 0)..=(slot, u64::MAX, u64::MAX))
            .flat_map(move |&(_, _, h)| {
                dict.with_hash(h)
                    .filter(move |(k, _)| key_hash_slot(k) == slot)
                    .map(|(k, _)| k)
            })
    }

    /// True if this index holds what one built from `dict` now would, order aside (a
    /// check for tests), and its two maps agree.
    pub fn matches(&self, dict: &Dict<Entry>) -> bool {
        let fresh = SlotIndex::build(dict);
        let pairs = |ix: &SlotIndex| {
            let mut p: Vec<(u16, u64)> = ix.members.iter().map(|&(s, _, h)| (s, h)).collect();
            p.sort_unstable();
            p
        };
        fresh.total == self.total
            && fresh.counts == self.counts
            && pairs(&fresh) == pairs(self)
            && self.ranks.len() == self.members.len()
            && self
                .members
                .iter()
                .all(|&(s, r, h)| self.ranks.get(&(s, h)) == Some(&r))
    }
}

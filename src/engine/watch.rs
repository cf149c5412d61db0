//! The watch table behind WATCH (Redis `multi.c`'s watched-keys dictionaries): which clients
//! watch which keys, which of them a modification has invalidated, and the sessions dropped
//! while watching. The commands are in [`crate::tx`]; the modification hooks
//! (`touch_watched_key`, `touch_all_watched_keys_in_db`) are called by the
//! store when keys change, expire, or databases are flushed or swapped.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::engine::Store;

/// One client watching one key (Redis `watchedKey`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Watcher {
    /// The watching client's id.
    client: u64,
    /// The key was already logically expired when WATCH ran (Redis 7.0 `wk->expired`).
    expired: bool,
}

/// Every watch of a store.
#[derive(Clone, Debug, Default)]
pub struct WatchTable {
    /// (db, key) → watching clients.
    by_key: HashMap<(usize, Vec<u8>), Vec<Watcher>>,
    /// client id → the (db, key) pairs it watches, in WATCH order.
    by_client: HashMap<u64, Vec<(usize, Vec<u8>)>>,
    /// Clients whose watched keys were modified (Redis `CLIENT_DIRTY_CAS`).
    dirty: HashSet<u64>,
    /// Ids of sessions dropped while watching (filled by [`WatchGuard`]'s `Drop`).
    dropped: Arc<DropSink>,
}

impl WatchTable {
    /// True when nobody watches anything.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Number of watched (db, key) pairs (INFO `watching_clients`-style figures, tests).
    pub fn watched_keys(&self) -> usize {
        self.by_key.len()
    }

    /// True if some client watches `key` in `db`.
    pub fn is_watched(&self, db: usize, key: &[u8]) -> bool {
        self.by_key.contains_key(&(db, key.to_vec()))
    }

    /// Number of clients watching at least one key.
    pub fn clients(&self) -> usize {
        self.by_client.len()
    }

    /// Number of keys `client` watches (CLIENT LIST `watch=`).
    pub fn keys_of(&self, client: u64) -> usize {
        self.by_client.get(&client).map_or(0, Vec::len)
    }

    /// The keys `client` watches, in WATCH order (cluster mode's EXEC check).
    pub fn watched_by(&self, client: u64) -> impl Iterator<Item = &[u8]> {
        self.by_client
            .get(&client)
            .into_iter()
            .flatten()
            .map(|(_, k)| k.as_slice())
    }

    /// Clients whose watches a modification invalidated, sorted.
    pub fn dirty_clients(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.dirty.iter().copied().collect();
        v.sort_unstable();
        v
    }

    /// Forgets every watch and invalidation (DEBUG-style reset for tests and tools).
    pub fn clear(&mut self) {
        self.by_key.clear();
        self.by_client.clear();
        self.dirty.clear();
    }

    /// True if a modification invalidated `client`'s watches.
    pub fn is_dirty(&self, client: u64) -> bool {
        self.dirty.contains(&client)
    }

    /// True when no dropped session waits to be reaped (one atomic load).
    #[inline]
    fn dropped_is_empty(&self) -> bool {
        !self.dropped.pending.load(Ordering::Acquire)
    }

    /// A guard for a session that starts watching: dropping its last copy reports `client`
    /// so its watches are removed.
    pub fn guard(&self, client: u64) -> Arc<WatchGuard> {
        Arc::new(WatchGuard {
            client,
            sink: self.dropped.clone(),
        })
    }
}

/// Where dropped sessions leave their client id.
#[derive(Debug, Default)]
struct DropSink {
    pending: AtomicBool,
    ids: Mutex<Vec<u64>>,
}

impl DropSink {
    fn take(&self) -> Vec<u64> {
        let mut ids = self.ids.lock();
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut *ids)
    }
}

/// Held by a session that has watched keys; dropping its last copy reports the client id
/// to the store so its watches are removed.
#[derive(Debug)]
pub struct WatchGuard {
    client: u64,
    sink: Arc<DropSink>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.sink.ids.lock().push(self.client);
        self.sink.pending.store(true, Ordering::Release);
    }
}

impl Store {
    /// True if the key is present in `db`'s dict (expired or not), as Redis's `dictFind`.
    fn in_dict(&self, db: usize, key: &[u8]) -> bool {
        self.dbs.get(db).is_some_and(|d| d.dict.get(key).is_some())
    }

    /// Redis `keyIsExpired` for a key of another database than the caller's.
    fn key_is_expired(&self, db: usize, key: &[u8], now: u64) -> bool {
        self.dbs
            .get(db)
            .and_then(|d| d.dict.get(key))
            .is_some_and(|e| self.is_expired(e, now))
    }

    /// WATCH `key` in `db` for `client` (Redis `watchForKey`); a key watched twice counts
    /// once.
    pub fn watch_key(&mut self, client: u64, db: usize, key: &[u8], now: u64) {
        let expired = self.key_is_expired(db, key, now);
        let w = &mut self.watches;
        let mine = w.by_client.entry(client).or_default();
        if mine.iter().any(|(d, k)| *d == db && k == key) {
            return;
        }
        mine.push((db, key.to_vec()));
        w.by_key
            .entry((db, key.to_vec()))
            .or_default()
            .push(Watcher { client, expired });
    }

    /// EXEC's check (Redis `isWatchedKeyExpired` + `CLIENT_DIRTY_CAS`): true if the
    /// transaction of `client` must fail because a watched key changed or expired.
    pub fn watch_failed(&mut self, client: u64, now: u64) -> bool {
        if self.watched_key_expired(client, now) {
            self.watches.dirty.insert(client);
        }
        self.watches.dirty.contains(&client)
    }

    /// True once a key `client` watches was modified (CLIENT LIST flag `d`).
    pub fn watch_dirty(&self, client: u64) -> bool {
        self.watches.dirty.contains(&client)
    }

    /// Redis `isWatchedKeyExpired`.
    fn watched_key_expired(&self, client: u64, now: u64) -> bool {
        let w = &self.watches;
        let Some(keys) = w.by_client.get(&client) else {
            return false;
        };
        keys.iter().any(|(db, key)| {
            let already = w
                .by_key
                .get(&(*db, key.clone()))
                .and_then(|ws| ws.iter().find(|x| x.client == client))
                .is_some_and(|x| x.expired);
            !already && self.key_is_expired(*db, key, now)
        })
    }

    /// Removes every watch of `client` and clears its dirty flag (Redis `unwatchAllKeys` plus
    /// the callers' flag reset).
    pub fn unwatch_all(&mut self, client: u64) {
        let w = &mut self.watches;
        w.dirty.remove(&client);
        let Some(keys) = w.by_client.remove(&client) else {
            return;
        };
        for slot in keys {
            if let Some(ws) = w.by_key.get_mut(&slot) {
                ws.retain(|x| x.client != client);
                if ws.is_empty() {
                    w.by_key.remove(&slot);
                }
            }
        }
    }

    /// Removes the watches of sessions dropped since the last call.
    pub fn reap_dropped_watchers(&mut self) {
        if self.watches.dropped_is_empty() {
            return;
        }
        for id in self.watches.dropped.take() {
            self.unwatch_all(id);
        }
    }

    /// Redis `touchWatchedKey`: `key` in `db` was modified (or deleted by expiry).
    pub(crate) fn touch_watched_key(&mut self, db: usize, key: &[u8]) {
        if self.watches.is_empty() {
            return;
        }
        let present = self.in_dict(db, key);
        let w = &mut self.watches;
        let Some(ws) = w.by_key.get_mut(&(db, key.to_vec())) else {
            return;
        };
        for x in ws.iter_mut() {
            if x.expired {
                x.expired = false;
                if !present {
                    // The key was already expired at WATCH time and is now deleted: no
                    // logical change.
                    continue;
                }
            }
            w.dirty.insert(x.client);
        }
    }

    /// Redis 7.0 `touchAllWatchedKeysInDb`: `emptied` is being flushed (or, for SWAPDB,
    /// replaced by the content of `replaced_with`). Call it before the data changes.
    pub(crate) fn touch_all_watched_keys_in_db(
        &mut self,
        emptied: usize,
        replaced_with: Option<usize>,
    ) {
        if self.watches.is_empty() {
            return;
        }
        let now = self.frozen_now.unwrap_or(self.last_command_ms);
        let keys: Vec<Vec<u8>> = self
            .watches
            .by_key
            .keys()
            .filter(|(d, _)| *d == emptied)
            .map(|(_, k)| k.clone())
            .collect();
        let mut dirty = Vec::new();
        for key in keys {
            let in_emptied = self.in_dict(emptied, &key);
            let in_replacement = replaced_with.is_some_and(|r| self.in_dict(r, &key));
            if !in_emptied && !in_replacement {
                continue;
            }
            let replacement_expired =
                replaced_with.is_some_and(|r| self.key_is_expired(r, &key, now));
            let Some(ws) = self.watches.by_key.get_mut(&(emptied, key)) else {
                continue;
            };
            for x in ws.iter_mut() {
                if x.expired {
                    if !in_replacement {
                        // The expired key is deleted: no logical change.
                        x.expired = false;
                        continue;
                    } else if replacement_expired {
                        // An expired key stays expired.
                        continue;
                    }
                } else if !in_emptied && replacement_expired {
                    // A missing key is replaced by an expired one.
                    x.expired = true;
                    continue;
                }
                dirty.push(x.client);
            }
        }
        self.watches.dirty.extend(dirty);
    }
}

//! `maxmemory`: key access bookkeeping (LRU clock / LFU counter) and eviction, as Redis
//! 7.0's `evict.c` (`performEvictions`, `evictionPoolPopulate`) and `db.c`'s `lookupKey`.
//!
//! The dispatcher calls [`Store::perform_evictions`] before every command when
//! `maxmemory` is set (not while loading, not for the commands of EXEC or of a script,
//! which Redis does not check either); a command flagged `denyoom` (or any command but
//! EXEC/DISCARD/QUIT/RESET while queueing in MULTI) is refused with [`oom_error`] when
//! eviction cannot bring `used_memory` (see [`crate::engine::memory`]) under
//! the limit.
//!
//! Candidates are sampled with the store's RNG (`maxmemory-samples` per database and
//! round) into Redis's eviction pool of 16, best candidate last; `allkeys-random` /
//! `volatile-random` pick one random key from the next non-empty database. An evicted key
//! is deleted as Redis's `dbGenericDelete` + `propagateDeletion`: a `DEL` effect in the log
//! (so a replay never evicts by itself), the `evicted` keyspace notification, WATCH
//! invalidated, INFO `evicted_keys` counted.
//!
//! # Known differences from Redis
//!
//! * `maxmemory-eviction-tenacity` bounds one pass as in Redis (`evictionTimeLimitUs`:
//!   50 µs per step up to 10, then +15 % a step, no limit at 100; checked every 16 keys):
//!   past it the command runs anyway and the store's background cycle
//!   ([`crate::engine::cron`], every millisecond while this lasts) goes on evicting. Only stores on the system clock have a time budget: a store on a manual
//!   clock (fixtures, tests) evicts until done, so its outcome never depends on the
//!   machine's speed.
//! * `volatile-*` policies sample keys with a TTL by drawing from the whole keyspace and
//!   keeping those with a TTL (up to 64 draws per sample), then fall back to a uniform pick
//!   from the TTL index: the same distribution, different draws than Redis's
//!   `dictGetSomeKeys` on the expires dict.
//! * The LFU counter's random increments use a generator of their own seeded from the
//!   store's seed, so that reads do not move the store's RNG (whose state the log records:
//!   every read would otherwise cost a log record). It is not persisted.

use crate::engine::Store;
use crate::error::{Error, ErrorKind};
use crate::keyspace::memory::{self, idle_ms, lfu_decr_and_return};
use crate::keyspace::{notify, Db, Rng};

/// Redis's eviction pool size (`EVPOOL_SIZE`).
pub const EVPOOL_SIZE: usize = 16;

/// Draws from the whole keyspace per sample before a `volatile-*` policy picks from the
/// TTL index instead.
const VOLATILE_DRAWS: usize = 64;

/// `-OOM command not allowed when used memory > 'maxmemory'.` (Redis `shared.oomerr`).
pub fn oom_error() -> Error {
    Error::new(
        ErrorKind::Other,
        "OOM command not allowed when used memory > 'maxmemory'.",
    )
}

#[derive(Clone, Debug)]
struct PoolEntry {
    idle: u64,
    key: Vec<u8>,
    db: usize,
}

/// The eviction state of a store: the pool, the round-robin database of the random
/// policies, and the LFU increments' generator.
#[derive(Clone, Debug)]
pub struct Evictor {
    pool: Vec<Option<PoolEntry>>,
    next_db: usize,
    lfu_rng: Rng,
    /// Keys evicted since start (INFO `evicted_keys`).
    pub evicted_keys: u64,
    /// CONFIG SET changed `maxmemory`: evict as soon as the command is over (Redis's
    /// `updateMaxmemory`), each deletion its own replication unit as usual.
    pub evict_after_command: bool,
    /// Highest `used_memory` observed (by INFO and the eviction check).
    peak: usize,
    /// Eviction could not bring memory under the limit before the current command (Redis
    /// `server.pre_command_oom_state`; scripts consult it).
    oom: bool,
    /// A pass stopped at its time limit with memory still over it: the background cycle
    /// goes on (Redis `isEvictionProcRunning`).
    running: bool,
}

impl Evictor {
    /// A fresh state; `seed` seeds the LFU generator.
    pub fn new(seed: u64) -> Evictor {
        Evictor {
            pool: vec![None; EVPOOL_SIZE],
            next_db: 0,
            lfu_rng: Rng::new(seed ^ 0x4c46_555f_5345_4544),
            evicted_keys: 0,
            evict_after_command: false,
            peak: 0,
            oom: false,
            running: false,
        }
    }

    /// Inserts a sample into the pool as `evictionPoolPopulate` does (ascending idle, the
    /// best candidate at the right end; a sample worse than all of a full pool is dropped).
    fn insert(&mut self, idle: u64, key: &[u8], db: usize) {
        let pool = &mut self.pool;
        let mut k = 0;
        while k < EVPOOL_SIZE && pool[k].as_ref().is_some_and(|e| e.idle < idle) {
            k += 1;
        }
        if k == 0 && pool[EVPOOL_SIZE - 1].is_some() {
            return;
        } else if k < EVPOOL_SIZE && pool[k].is_none() {
            // An empty slot: nothing to shift.
        } else if pool[EVPOOL_SIZE - 1].is_none() {
            // Free space on the right: shift k.. right by one.
            pool[k..].rotate_right(1);
        } else {
            // Full: drop the worst (leftmost) and insert at k-1.
            k -= 1;
            pool[..=k].rotate_left(1);
        }
        pool[k] = Some(PoolEntry {
            idle,
            key: key.to_vec(),
            db,
        });
    }
}

/// A uniform random 53-bit fraction in [0, 1).
#[inline]
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random key of `db` with a TTL, or None when it has none.
fn random_volatile<'a>(db: &'a Db, rng: &mut Rng) -> Option<&'a [u8]> {
    if db.expires_len() == 0 {
        return None;
    }
    for _ in 0..VOLATILE_DRAWS {
        if let Some((k, e)) = db.dict.random_entry(|n| rng.below(n)) {
            if e.expire().is_some() {
                return Some(k);
            }
        }
    }
    let i = rng.below(db.expires_len() as u64) as usize;
    db.volatile_nth(i)
}

/// Redis `evictionTimeLimitUs`: how long one eviction pass may run at a tenacity (0–100).
pub fn eviction_time_limit(tenacity: i64) -> Option<std::time::Duration> {
    let us = if tenacity <= 10 {
        50 * tenacity.max(0) as u64
    } else if tenacity < 100 {
        (500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64
    } else {
        return None;
    };
    Some(std::time::Duration::from_micros(us))
}

impl Store {
    /// The LRU/LFU field a key created at `now` gets (Redis `createObject`).
    #[inline]
    pub fn new_key_lru(&self, now: u64) -> u32 {
        if self.config.maxmemory_policy.is_lfu() {
            memory::lfu_init(now)
        } else {
            memory::lru_clock(now)
        }
    }

    /// Records an access to the entry in slot `i` of `db` (Redis `lookupKey` without
    /// `LOOKUP_NOTOUCH`): the LRU clock, or an LFU decay and increment.
    #[inline]
    pub fn touch_slot(&mut self, db: usize, i: u32, now: u64) {
        if self.config.maxmemory_policy.is_lfu() {
            let r = unit(&mut self.evictor.lfu_rng);
            let (factor, decay) = (self.config.lfu_log_factor, self.config.lfu_decay_time);
            let e = self.dbs[db].dict.at_mut(i);
            e.set_lru(memory::lfu_touch(e.lru(), now, r, factor, decay));
        } else {
            self.dbs[db].dict.at_mut(i).set_lru(memory::lru_clock(now));
        }
    }

    /// Re-measures `key` of `db` after a modification (see [`Db::resize`]).
    #[inline]
    pub fn resize_key(&mut self, db: usize, key: &[u8]) {
        self.dbs[db].resize(key);
    }

    /// INFO `evicted_keys`.
    pub fn evicted_keys(&self) -> u64 {
        self.evictor.evicted_keys
    }

    /// True if the current command started over `maxmemory` with nothing left to evict
    /// (Redis `server.pre_command_oom_state`).
    #[inline]
    pub fn pre_command_oom(&self) -> bool {
        self.evictor.oom
    }

    /// Runs the eviction check before a command (the dispatcher): false when memory is
    /// still over the limit, which [`Store::pre_command_oom`] then reports.
    pub fn evict_before_command(&mut self) -> bool {
        let ok = self.config.maxmemory == 0 || self.loading || self.perform_evictions();
        self.evictor.oom = !ok;
        ok
    }

    /// Asks for an eviction pass as soon as the running command is over (CONFIG SET
    /// maxmemory, see [`Evictor::evict_after_command`]).
    pub fn evict_after_command(&mut self) {
        self.evictor.evict_after_command = true;
    }

    /// CONFIG RESETSTAT: forgets `evicted_keys`.
    pub fn reset_evicted_keys(&mut self) {
        self.evictor.evicted_keys = 0;
    }

    /// Records the current `used_memory` in the peak and returns the peak (INFO
    /// `used_memory_peak`; observed at INFO and at each eviction check).
    pub fn note_memory_peak(&mut self) -> usize {
        let used = self.used_memory();
        self.evictor.peak = self.evictor.peak.max(used);
        self.evictor.peak
    }

    /// The highest `used_memory` recorded by [`Store::note_memory_peak`].
    pub fn memory_peak(&self) -> usize {
        self.evictor.peak
    }

    /// Bytes over `maxmemory` (0 when under it or when there is no limit), as Redis's
    /// `getMaxmemoryState`: `used_memory` less what is not counted for eviction (see
    /// [`crate::engine::memory`]).
    pub fn memory_to_free(&self) -> usize {
        let max = self.config.maxmemory;
        if max == 0 {
            return 0;
        }
        let used = self.used_memory_for_evict() as u64;
        used.saturating_sub(max) as usize
    }

    /// Evicts keys until `used_memory` is under `maxmemory` (Redis `performEvictions`);
    /// false (Redis `EVICT_FAIL`) when the policy is `noeviction` or nothing is left to
    /// evict while memory is still over the limit.
    pub fn perform_evictions(&mut self) -> bool {
        if self.loading {
            return true;
        }
        let to_free = self.memory_to_free();
        if to_free == 0 {
            return true;
        }
        self.note_memory_peak();
        let policy = self.config.maxmemory_policy;
        if policy == crate::config::MaxmemoryPolicy::Noeviction {
            return false;
        }
        let limit = match self.clock {
            crate::keyspace::Clock::System => {
                eviction_time_limit(self.config.maxmemory_eviction_tenacity)
            }
            crate::keyspace::Clock::Manual(_) => None,
        };
        let started = std::time::Instant::now();
        self.evictor.running = false;
        let mut freed = 0usize;
        let mut keys_freed = 0u64;
        while freed < to_free {
            let best = if policy.is_lru()
                || policy.is_lfu()
                || policy == crate::config::MaxmemoryPolicy::VolatileTtl
            {
                self.best_from_pool()
            } else {
                self.random_victim()
            };
            let Some((db, key)) = best else {
                return false;
            };
            // Only the keyspace changes meanwhile (client buffers move with the
            // connections' own threads, not with this deletion).
            let before = self.keyspace_memory();
            self.evict_key(db, &key);
            freed += before.saturating_sub(self.keyspace_memory());
            keys_freed += 1;
            if keys_freed % 16 == 0 && limit.is_some_and(|l| started.elapsed() > l) {
                // Redis `EVICT_RUNNING`: the command runs; the background cycle goes on.
                self.evictor.running = true;
                return true;
            }
        }
        true
    }

    /// True while a pass that stopped at its time limit waits for the background cycle.
    pub fn evictor_running(&self) -> bool {
        self.evictor.running
    }

    /// The background cycle's turn after a pass stopped at its time limit (Redis
    /// `evictionTimeProc`): another pass, which may stop at the limit again.
    pub fn continue_evictions(&mut self) {
        if self.evictor.running && !self.blocking.is_paused() {
            self.perform_evictions();
        }
    }

    /// Deletes `key` of `db` as an eviction: DEL effect (UNLINK under
    /// `lazyfree-lazy-eviction`, as Redis's `propagateDeletion`), `evicted` event, WATCH.
    fn evict_key(&mut self, db: usize, key: &[u8]) {
        if self.dbs[db].remove(key).is_some() {
            self.evictor.evicted_keys += 1;
            let del: &[u8] = if self.config.lazyfree_lazy_eviction {
                b"UNLINK"
            } else {
                b"DEL"
            };
            self.record_effect(db, &[del, key]);
            self.deletion_unit();
            self.signal_modified(db, key);
            self.notify(notify::EVICTED, "evicted", db, key);
        }
    }

    /// `allkeys-random` / `volatile-random`: a random key of the next non-empty database.
    fn random_victim(&mut self) -> Option<(usize, Vec<u8>)> {
        let n = self.dbs.len();
        let allkeys = self.config.maxmemory_policy.is_allkeys();
        for _ in 0..n {
            self.evictor.next_db = self.evictor.next_db.wrapping_add(1);
            let j = self.evictor.next_db % n;
            let db = &self.dbs[j];
            let rng = &mut self.rng;
            let key = if allkeys {
                db.dict.random_entry(|m| rng.below(m)).map(|(k, _)| k)
            } else {
                random_volatile(db, rng)
            };
            if let Some(k) = key {
                return Some((j, k.to_vec()));
            }
        }
        None
    }

    /// The LRU / LFU / TTL policies: fill the pool from every database, then take the best
    /// candidate that still exists (ghosts are dropped and the pool refilled).
    fn best_from_pool(&mut self) -> Option<(usize, Vec<u8>)> {
        let policy = self.config.maxmemory_policy;
        let allkeys = policy.is_allkeys();
        loop {
            let mut total = 0usize;
            for i in 0..self.dbs.len() {
                let keys = if allkeys {
                    self.dbs[i].dict.len()
                } else {
                    self.dbs[i].expires_len()
                };
                if keys != 0 {
                    self.populate(i);
                    total += keys;
                }
            }
            if total == 0 {
                return None;
            }
            for k in (0..EVPOOL_SIZE).rev() {
                let Some(e) = self.evictor.pool[k].take() else {
                    continue;
                };
                let found = match self.dbs[e.db].dict.get(&e.key) {
                    Some(entry) => allkeys || entry.expire().is_some(),
                    None => false,
                };
                if found {
                    return Some((e.db, e.key));
                }
            }
        }
    }

    /// Samples `maxmemory-samples` keys of database `i` into the pool
    /// (`evictionPoolPopulate`).
    fn populate(&mut self, i: usize) {
        let policy = self.config.maxmemory_policy;
        let samples = usize::try_from(self.config.maxmemory_samples)
            .unwrap_or(1)
            .max(1);
        let decay = self.config.lfu_decay_time;
        let now = self.clock.now_ms();
        for _ in 0..samples {
            let db = &self.dbs[i];
            let rng = &mut self.rng;
            let key = if policy.is_allkeys() {
                db.dict.random_entry(|m| rng.below(m)).map(|(k, _)| k)
            } else {
                random_volatile(db, rng)
            };
            let Some(key) = key else {
                return;
            };
            let Some(e) = db.dict.get(key) else {
                continue;
            };
            let idle = if policy.is_lru() {
                idle_ms(e.lru(), now)
            } else if policy.is_lfu() {
                255 - u64::from(lfu_decr_and_return(e.lru(), now, decay))
            } else {
                u64::MAX - e.expire().unwrap_or(u64::MAX)
            };
            let key = key.to_vec();
            self.evictor.insert(idle, &key, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idles(ev: &Evictor) -> Vec<Option<u64>> {
        ev.pool.iter().map(|e| e.as_ref().map(|e| e.idle)).collect()
    }

    /// The pool against a model: it holds the (up to) 16 largest idle times seen since it
    /// was last emptied, ascending, and a sample no better than all of a full pool is
    /// dropped.
    #[test]
    fn pool_keeps_the_best_sixteen_in_order() {
        let mut ev = Evictor::new(1);
        let mut rng = Rng::new(7);
        let mut seen: Vec<u64> = Vec::new();
        for n in 0..500u64 {
            let idle = rng.below(1000);
            ev.insert(idle, format!("k{n}").as_bytes(), 0);
            seen.push(idle);
            let got: Vec<u64> = idles(&ev).into_iter().flatten().collect();
            let mut sorted = got.clone();
            sorted.sort_unstable();
            assert_eq!(got, sorted, "ascending");
            assert_eq!(got.len(), seen.len().min(EVPOOL_SIZE));
            // The best of everything seen is always kept.
            assert_eq!(got.last(), seen.iter().max());
        }
    }
}

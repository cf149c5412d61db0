//! The store's timer: active expiry on a schedule, as Redis's `serverCron` runs
//! `activeExpireCycle` `hz` times a second, so expired keys are reclaimed on an idle store
//! too (issue 10: before, only command handling reclaimed them).
//!
//! One process-wide thread, started with the first store, serves every live store that uses
//! the system clock: each gets a slow cycle every `1/hz` seconds, bounded in time by
//! `active-expire-effort` as in Redis (25% + 2% per effort step above 1 of each period).
//! Stores are held weakly: the timer never keeps one alive. A store with a manual clock is
//! never touched (its time moves only when told, and nothing happens on its own), nor one
//! that is loading or inside a frozen-time section. Persistent stores are not registered
//! (the timer could end up dropping one after the program's last handle, too late for its
//! final flush); `emu serve` runs the same cycle for the store it serves
//! (`crate::server`), so only an embedded persistent store relies on lazy and per-command
//! expiry.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::{Shared, Store};

/// Keys reclaimed per step of a cycle before the time budget is checked again.
const STEP: usize = 64;

struct Entry {
    store: Weak<Shared>,
    next: Instant,
}

static STORES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
static STARTED: std::sync::Once = std::sync::Once::new();

/// Puts `shared` on the timer (the timer thread starts with the first store).
pub fn register(shared: &Arc<Shared>) {
    STORES.lock().push(Entry {
        store: Arc::downgrade(shared),
        next: Instant::now(),
    });
    STARTED.call_once(|| {
        // Without the thread the store still works (lazy expiry and the per-command
        // cycle); nothing to report to the caller.
        let _ = std::thread::Builder::new()
            .name("emu-expire".into())
            .spawn(run);
    });
}

fn run() {
    loop {
        let now = Instant::now();
        let due: Vec<Arc<Shared>> = {
            let mut stores = STORES.lock();
            stores.retain(|e| e.store.strong_count() > 0);
            stores
                .iter()
                .filter(|e| e.next <= now)
                .filter_map(|e| e.store.upgrade())
                .collect()
        };
        let mut periods = Vec::with_capacity(due.len());
        for shared in &due {
            // Any error is the log's, and the next command reports it.
            let period = shared
                .run(|store| {
                    store.cron_tick();
                    period(store)
                })
                .unwrap_or(Duration::from_millis(100));
            periods.push((Arc::as_ptr(shared), period));
        }
        drop(due);
        let next_wake = {
            let mut stores = STORES.lock();
            for e in stores.iter_mut() {
                if let Some(&(_, p)) = periods
                    .iter()
                    .find(|(ptr, _)| std::ptr::eq(*ptr, e.store.as_ptr()))
                {
                    e.next = now + p;
                }
            }
            stores.iter().map(|e| e.next).min()
        };
        let sleep = next_wake
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_millis(100))
            .clamp(Duration::from_millis(1), Duration::from_millis(100));
        std::thread::sleep(sleep);
    }
}

/// One period of the store's `hz` — or 1 ms while an eviction stopped at its time limit
/// goes on (Redis runs its `evictionTimeProc` on every event-loop turn).
pub(crate) fn period(store: &Store) -> Duration {
    if store.evictor_running() {
        return Duration::from_millis(1);
    }
    Duration::from_micros(1_000_000 / store.config.hz.clamp(1, 500) as u64)
}

impl Store {
    /// One timer tick of a store (Redis's serverCron, then beforeSleep's tracking work):
    /// active expiry, evictions still owed, the tracking table's limit, and the BCAST
    /// invalidations of keys expired or evicted meanwhile. Run by the process-wide timer for
    /// in-memory stores and by `emu serve`'s runtime for a persistent one.
    pub fn cron_tick(&mut self) {
        if !self.cron_paused {
            self.active_expire_cycle();
            self.expire_replica_writes();
            self.continue_evictions();
            // The table's limit (Redis serverCron → trackingLimitUsedSlots).
            self.tracking_limit_used_slots();
            // MIGRATE connections unused for 10 s (serverCron → migrateCloseTimedoutSockets).
            self.migrate_sockets.close_idle();
        }
        // Expired and evicted keys' BCAST invalidations (beforeSleep).
        self.tracking_broadcast();
        // Save points and scheduled compactions of a persistent store.
        if let Some(d) = self.durability().cloned() {
            d.cron(self);
        }
    }

    /// Redis `rememberSlaveKeyWithExpire`: on a writable replica, the keys of a client's
    /// write (not its master's) that now have a TTL, for [`Store::expire_replica_writes`].
    pub(crate) fn remember_replica_writes(
        &mut self,
        db: usize,
        spec: &crate::engine::CommandSpec,
        argv: &[&[u8]],
    ) {
        for i in spec.key_positions(argv) {
            let d = &self.dbs[db];
            let key = argv[i];
            if d.dict
                .find_slot(key)
                .is_some_and(|s| d.dict.at(s).has_expire())
            {
                self.repl.replica_writes_with_ttl.insert((db, key.to_vec()));
            }
        }
    }

    /// Redis `expireSlaveKeys` (the replica's part of its databases cron): reclaims the
    /// expired keys of [`Master::replica_writes_with_ttl`](crate::engine::repl::Master),
    /// forgetting those that no longer exist or have no TTL. Not after DEBUG
    /// SET-ACTIVE-EXPIRE 0, nor during a CLIENT PAUSE. As in Redis, about 1 ms per tick at
    /// most (checked every 64 keys); the next tick resumes after the last key looked at, so
    /// a replica with many such keys never holds the store for long.
    pub fn expire_replica_writes(&mut self) {
        use std::ops::Bound::{Excluded, Unbounded};
        if self.repl.replica_writes_with_ttl.is_empty()
            || !self.config.active_expire_enabled
            || self.blocking.is_paused()
            || self.repl.follow.is_none()
        {
            return;
        }
        let now = self.clock.now_ms();
        let start = Instant::now();
        let mut cursor = self.repl.replica_writes_cursor.take();
        loop {
            let chunk: Vec<(usize, Vec<u8>)> = {
                let lower = cursor.as_ref().map_or(Unbounded, Excluded);
                let set = &self.repl.replica_writes_with_ttl;
                set.range((lower, Unbounded)).take(64).cloned().collect()
            };
            let end = chunk.len() < 64;
            for (db, key) in chunk {
                let at = self
                    .dbs
                    .get(db)
                    .and_then(|d| d.dict.find_slot(&key).and_then(|s| d.dict.at(s).expire()));
                if at.is_none_or(|at| crate::keyspace::deadline_passed(at, now)) {
                    self.repl.replica_writes_with_ttl.remove(&(db, key.clone()));
                    if at.is_some() {
                        self.expire_key(db, &key);
                    }
                }
                cursor = Some((db, key));
            }
            if end {
                // The whole set was visited: the next tick starts over.
                cursor = None;
                break;
            }
            if start.elapsed() >= Duration::from_millis(1) {
                break;
            }
        }
        self.repl.replica_writes_cursor = cursor;
    }

    /// Redis's slow `activeExpireCycle`: reclaims expired keys for at most
    /// `(25 + 2 × (active-expire-effort − 1))`% of one `1/hz` period; returns how many.
    /// Does nothing for a manual clock, while loading, or with time frozen.
    pub fn active_expire_cycle(&mut self) -> usize {
        if !matches!(self.clock, crate::keyspace::Clock::System)
            || self.loading
            || self.frozen_now.is_some()
        {
            return 0;
        }
        let effort = self.config.active_expire_effort.clamp(1, 10) as u64 - 1;
        let perc = 25 + 2 * effort;
        let budget =
            Duration::from_micros(perc * 1_000_000 / self.config.hz.clamp(1, 500) as u64 / 100);
        let start = Instant::now();
        let mut done = 0;
        loop {
            let n = self.active_expire(STEP);
            done += n;
            if n < STEP || start.elapsed() >= budget {
                return done;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// A writable replica's own TTL keys are reclaimed by the timer's walk, which resumes
    /// where it stopped and forgets keys that lost their TTL or are gone.
    #[test]
    fn replica_writes_with_ttl_are_walked_and_reclaimed() {
        use crate::keyspace::{Clock, Object};
        let mut s = crate::engine::Store::new(
            crate::config::Config::default(),
            Clock::Manual(1_000_000),
            0,
        );
        s.repl.set_follow(Some(("127.0.0.1".into(), 1)));
        for i in 0..1000u32 {
            let key = format!("k{i}").into_bytes();
            s.dbs[0].insert(&key, Object::string(b"v".to_vec()), false);
            // Even keys expire at once, odd ones later; every tenth loses its TTL.
            let at = if i % 2 == 0 { 1_000_001 } else { 9_000_000 };
            if i % 10 != 9 {
                s.dbs[0].set_expire(&key, Some(at));
            }
            s.repl.replica_writes_with_ttl.insert((0, key));
        }
        s.clock = Clock::Manual(2_000_000);
        // Enough ticks to walk the whole set whatever the budget allowed per tick.
        for _ in 0..1000 {
            s.expire_replica_writes();
            if s.repl.replica_writes_cursor.is_none() {
                break;
            }
        }
        assert!(
            s.repl.replica_writes_cursor.is_none(),
            "the walk never ended"
        );
        assert_eq!(s.dbs[0].len(), 500);
        assert_eq!(s.expired_keys, 500);
        // Left: the odd keys that still have a TTL (every tenth has none).
        assert_eq!(s.repl.replica_writes_with_ttl.len(), 400);
    }

    fn keys(r: &crate::Redis) -> usize {
        r.with_local_store(|s| s.dbs[0].len())
    }

    #[test]
    fn system_clock_store_reclaims_without_commands() {
        let r = crate::Redis::new();
        for i in 0..1000 {
            r.execute(&[b"SET", format!("k{i}").as_bytes(), b"v", b"PX", b"50"])
                .unwrap();
        }
        r.execute(&[b"SET", b"stays", b"v"]).unwrap();
        assert_eq!(keys(&r), 1001);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        // Only the timer runs: no command is sent while waiting.
        while keys(&r) > 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "{} keys left after 5 s",
                keys(&r)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(r.with_local_store(|s| s.expired_keys), 1000);
    }

    #[test]
    fn manual_clock_store_is_never_touched() {
        let r = crate::Redis::builder().manual_clock(1_000_000).build();
        r.execute(&[b"SET", b"k", b"v", b"PX", b"10"]).unwrap();
        r.advance_time(Duration::from_secs(1)).unwrap();
        std::thread::sleep(Duration::from_millis(400));
        // Expired by the manual clock, but nothing happens until a command looks.
        assert_eq!(keys(&r), 1);
        assert_eq!(r.execute(&[b"EXISTS", b"k"]).unwrap(), crate::Value::Int(0));
    }
}

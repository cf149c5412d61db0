//! [`Handle`]: the persistence state attached to a store (`Store::persist`): the log, the
//! snapshot bookkeeping, compaction (foreground and background), the fsync thread and the
//! directory lock.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;

use super::files::{self, DirLock};
use super::log::{AppendFsync, LogCore, LogStats};
use super::{snapshot, Options, PersistError};
use crate::engine::{Durability, Store, Ticket};
use crate::error::Error;
use crate::keyspace::Db;

/// What a finished background compaction reports.
type BgResult = Result<(u64, u64, u64), PersistError>;

struct State {
    /// Generation of the newest durable snapshot (0 = none).
    snapshot_gen: u64,
    /// Its size in bytes.
    snapshot_bytes: u64,
    /// Logical log sequence number where its logs begin.
    snapshot_seq: u64,
    /// A running background compaction.
    bg: Option<JoinHandle<BgResult>>,
    /// Unix seconds of the last successful save (LASTSAVE).
    last_save: u64,
    /// The last background compaction error, as its message ([`PersistError::short`]):
    /// [`Handle::last_compaction_error`] and [`Handle::wait_compaction`] report it after
    /// the thread's error itself was consumed by whichever call reaped the thread.
    last_bg_error: Option<String>,
}

/// Persistence attached to a store. Dropping the last reference flushes and fsyncs the log,
/// waits for a background compaction and releases the directory lock.
pub struct Handle {
    dir: PathBuf,
    opts: Options,
    log: Arc<LogCore>,
    state: Mutex<State>,
    bg_running: AtomicBool,
    /// RNG state as of the last appended record.
    rng_logged: AtomicU64,
    bg_done: Arc<AtomicBool>,
    /// Logical sequence number past which the next automatic compaction check fires.
    auto_at: AtomicU64,
    ticker: Mutex<Option<JoinHandle<()>>>,
    /// Messages printed while opening (not errors: the open succeeded).
    warnings: Vec<String>,
    _lock: DirLock,
    _temp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("dir", &self.dir)
            .field("fsync", &self.opts.fsync)
            .finish()
    }
}

/// Everything recovery hands over to build a handle.
pub(crate) struct Parts {
    pub dir: PathBuf,
    pub opts: Options,
    pub log: LogCore,
    pub lock: DirLock,
    pub snapshot_gen: u64,
    pub snapshot_bytes: u64,
    pub snapshot_seq: u64,
    pub last_save: u64,
    pub rng_state: u64,
    pub warnings: Vec<String>,
    pub temp: Option<tempfile::TempDir>,
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Handle {
    pub(crate) fn start(p: Parts) -> Arc<Handle> {
        let log = Arc::new(p.log);
        let h = Arc::new(Handle {
            dir: p.dir,
            log: log.clone(),
            state: Mutex::new(State {
                snapshot_gen: p.snapshot_gen,
                snapshot_bytes: p.snapshot_bytes,
                snapshot_seq: p.snapshot_seq,
                bg: None,
                last_save: p.last_save,
                last_bg_error: None,
            }),
            rng_logged: AtomicU64::new(p.rng_state),
            bg_running: AtomicBool::new(false),
            bg_done: Arc::new(AtomicBool::new(false)),
            auto_at: AtomicU64::new(0),
            ticker: Mutex::new(None),
            warnings: p.warnings,
            _lock: p.lock,
            _temp: p.temp,
            opts: p.opts,
        });
        h.rearm_auto();
        drop(log);
        if h.opts.fsync != AppendFsync::Always {
            h.start_ticker();
        }
        h
    }

    /// Starts the background thread of `everysec` / `no` (once).
    fn start_ticker(&self) {
        let mut ticker = self.ticker.lock();
        if ticker.is_some() {
            return;
        }
        let log = self.log.clone();
        let t = std::thread::Builder::new()
            .name("emu-log-sync".into())
            .spawn(move || log.background_loop());
        if let Ok(t) = t {
            *ticker = Some(t);
        }
    }

    /// Follows CONFIG SET appendfsync: the store's `appendfsync` is the policy of the next
    /// batches (the background thread starts when a policy first needs it).
    fn follow_config(&self, store: &Store) {
        let want = match store.config.appendfsync {
            crate::config::Fsync::Always => AppendFsync::Always,
            crate::config::Fsync::Everysec => AppendFsync::Everysec,
            crate::config::Fsync::No => AppendFsync::No,
        };
        if want != self.log.policy() {
            self.log.set_policy(want);
            if want != AppendFsync::Always {
                self.start_ticker();
            }
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The fsync policy in force (the opening one, or the last CONFIG SET appendfsync).
    pub fn fsync_policy(&self) -> AppendFsync {
        self.log.policy()
    }

    /// Warnings produced while opening (e.g. a truncated torn tail).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The fault injector of this store (tests).
    pub fn fault_injector(&self) -> Arc<super::FaultInjector> {
        self.opts.faults.clone()
    }

    /// Log counters (records, fsyncs, records per fsync).
    pub fn stats(&self) -> LogStats {
        self.log.stats()
    }

    /// Unix seconds of the last successful save (LASTSAVE).
    pub fn last_save(&self) -> u64 {
        self.state.lock().last_save
    }

    /// True while a background compaction runs.
    pub fn compaction_running(&self) -> bool {
        self.bg_running.load(Ordering::Acquire)
    }

    /// Error of the last failed background compaction, if any.
    pub fn last_compaction_error(&self) -> Option<String> {
        self.state.lock().last_bg_error.clone()
    }

    /// Generation of the active log.
    pub fn generation(&self) -> u64 {
        self.log.generation()
    }

    /// The MISCONF error once the log has failed: write commands are refused.
    #[inline]
    pub fn deny_writes(&self) -> Option<Error> {
        self.log.failure().map(|m| super::misconf(&m))
    }

    /// Hands the batch's effects to the log (see [`Durability::commit`]).
    pub fn commit(&self, store: &mut Store) -> Ticket {
        if self.bg_done.load(Ordering::Acquire) {
            self.reap_bg(false);
        }
        self.follow_config(store);
        let rng = store.rng.state();
        let ticket = if !store.has_effects() {
            if rng != self.rng_logged.load(Ordering::Relaxed) {
                // Only the RNG moved (SRANDMEMBER, RANDOMKEY…): log it so random picks
                // continue identically after a reopen; not worth an fsync wait.
                self.rng_logged.store(rng, Ordering::Relaxed);
                self.log.append_store(batch_time(store), rng, store);
            }
            Ticket::none()
        } else {
            self.rng_logged.store(rng, Ordering::Relaxed);
            let seq = self.log.append_store(batch_time(store), rng, store);
            // An error (`PersistError::Failed`, which converts into the MISCONF error)
            // means the write may not survive a crash and the store now refuses writes.
            if self.log.policy() == AppendFsync::Always {
                let log = self.log.clone();
                Ticket::new(move || log.wait_durable(seq).map_err(Error::from))
            } else if !self.log.has_failed() {
                // everysec / no: the batch reached the kernel as it was appended (a process
                // crash loses nothing acknowledged); the fsync comes later.
                Ticket::none()
            } else {
                let log = self.log.clone();
                Ticket::new(move || log.wait_written(seq).map_err(Error::from))
            }
        };
        if self.log.appended_relaxed() >= self.auto_at.load(Ordering::Relaxed) {
            self.maybe_auto_compact(store);
        }
        ticket
    }

    fn rearm_auto(&self) {
        let st = self.state.lock();
        let limit = if self.opts.compaction_min_bytes == u64::MAX {
            u64::MAX
        } else {
            let by_factor = (st.snapshot_bytes as f64 * self.opts.compaction_factor) as u64;
            by_factor.max(self.opts.compaction_min_bytes)
        };
        self.auto_at
            .store(st.snapshot_seq.saturating_add(limit), Ordering::Relaxed);
    }

    fn maybe_auto_compact(&self, store: &mut Store) {
        if self.bg_running.load(Ordering::Acquire) || self.log.failure().is_some() {
            return;
        }
        if let Err(e) = self.start_background(store) {
            let msg = e.short();
            self.state.lock().last_bg_error = Some(msg);
            // Back off: try again after the log has grown by the same margin once more.
            let appended = self.log.appended();
            let st = self.state.lock();
            let margin = appended.saturating_sub(st.snapshot_seq).max(1);
            self.auto_at
                .store(appended.saturating_add(margin), Ordering::Relaxed);
        }
    }

    /// Joins a finished (or, with `block`, a running) background compaction and records
    /// its outcome.
    fn reap_bg(&self, block: bool) {
        let mut st = self.state.lock();
        let Some(t) = st.bg.as_ref() else { return };
        if !block && !t.is_finished() {
            return;
        }
        let Some(t) = st.bg.take() else { return };
        drop(st);
        let r = t
            .join()
            .unwrap_or_else(|_| Err(PersistError::Other("compaction thread panicked".into())));
        let mut st = self.state.lock();
        match r {
            Ok((gen, bytes, seq)) => {
                st.snapshot_gen = gen;
                st.snapshot_bytes = bytes;
                st.snapshot_seq = seq;
                st.last_save = unix_secs();
                st.last_bg_error = None;
            }
            Err(e) => st.last_bg_error = Some(e.short()),
        }
        drop(st);
        self.bg_done.store(false, Ordering::Release);
        self.bg_running.store(false, Ordering::Release);
        self.rearm_auto();
    }

    /// Appends pending effects so they land in the log generation being closed.
    fn flush_effects(&self, store: &mut Store) {
        let rng = store.rng.state();
        if store.has_effects() || rng != self.rng_logged.load(Ordering::Relaxed) {
            self.rng_logged.store(rng, Ordering::Relaxed);
            self.log.append_store(batch_time(store), rng, store);
        }
    }

    /// BGSAVE / BGREWRITEAOF / automatic compaction: rotates the log and writes a snapshot
    /// of a copy of the keyspace on a background thread. Errors with `Busy` if one runs.
    pub fn start_background(&self, store: &mut Store) -> Result<(), PersistError> {
        if self.bg_done.load(Ordering::Acquire) {
            self.reap_bg(false);
        }
        if self.bg_running.swap(true, Ordering::AcqRel) {
            return Err(PersistError::Other("busy".into()));
        }
        let r = self.start_background_inner(store, None);
        if r.is_err() {
            self.bg_running.store(false, Ordering::Release);
        }
        r
    }

    /// [`Handle::start_background`] with `dbs`, a copy of `store.dbs` the caller made
    /// without the store lock (a replica's full resync copies the dataset it is about to
    /// swap in before taking the lock), so the lock is not held for a copy of the keyspace.
    pub fn start_background_from(
        &self,
        store: &mut Store,
        dbs: Vec<Db>,
    ) -> Result<(), PersistError> {
        if self.bg_done.load(Ordering::Acquire) {
            self.reap_bg(false);
        }
        if self.bg_running.swap(true, Ordering::AcqRel) {
            return Err(PersistError::Other("busy".into()));
        }
        let r = self.start_background_inner(store, Some(dbs));
        if r.is_err() {
            self.bg_running.store(false, Ordering::Release);
        }
        r
    }

    fn start_background_inner(
        &self,
        store: &mut Store,
        dbs: Option<Vec<Db>>,
    ) -> Result<(), PersistError> {
        self.flush_effects(store);
        let next = self.log.generation() + 1;
        let seq = self.log.rotate(next)?;
        let dbs: Vec<Db> = dbs.unwrap_or_else(|| store.dbs.clone());
        let libs = store.libraries.all().clone();
        let rng = store.rng.state();
        let recorded = self.log.last_time_ms.load(Ordering::Relaxed);
        let dir = self.dir.clone();
        let done = self.bg_done.clone();
        let t = std::thread::Builder::new()
            .name("emu-compact".into())
            .spawn(move || {
                let r = snapshot::write(&dir, next, &dbs, &libs, rng, recorded)
                    .and_then(|bytes| retire_before(&dir, next).map(|_| (next, bytes, seq)));
                drop(dbs);
                done.store(true, Ordering::Release);
                r
            })
            .map_err(|e| PersistError::io("spawning compaction thread for", &self.dir, e))?;
        self.state.lock().bg = Some(t);
        Ok(())
    }

    /// SAVE: a foreground compaction of the store as it is (call under the store lock).
    pub fn save(&self, store: &mut Store) -> Result<(), PersistError> {
        if self.bg_running.load(Ordering::Acquire) {
            return Err(PersistError::Other("busy".into()));
        }
        self.flush_effects(store);
        let next = self.log.generation() + 1;
        let seq = self.log.rotate(next)?;
        let recorded = self.log.last_time_ms.load(Ordering::Relaxed);
        let bytes = snapshot::write(
            &self.dir,
            next,
            &store.dbs,
            store.libraries.all(),
            store.rng.state(),
            recorded,
        )?;
        retire_before(&self.dir, next)?;
        {
            let mut st = self.state.lock();
            st.snapshot_gen = next;
            st.snapshot_bytes = bytes;
            st.snapshot_seq = seq;
            st.last_save = unix_secs();
        }
        self.rearm_auto();
        Ok(())
    }

    /// Waits for a running background compaction; returns its error, if it failed (as
    /// [`PersistError::Other`] holding the message recorded for `last_bg_error`).
    pub fn wait_compaction(&self) -> Result<(), PersistError> {
        self.reap_bg(true);
        match self.state.lock().last_bg_error.clone() {
            Some(e) => Err(PersistError::Other(e)),
            None => Ok(()),
        }
    }

    /// Flushes and fsyncs the log now.
    pub fn sync(&self) -> Result<(), Error> {
        self.log.sync_all().map_err(Error::from)
    }

    /// Clock time (Unix ms) of the last recorded write.
    pub fn recorded_at_ms(&self) -> u64 {
        self.log.last_time_ms.load(Ordering::Relaxed)
    }

    /// Generation of the newest durable snapshot (0 = none yet).
    pub fn snapshot_generation(&self) -> u64 {
        self.state.lock().snapshot_gen
    }
}

/// The time stamped on a batch: the last command's time snapshot (no second clock read).
#[inline]
fn batch_time(store: &Store) -> u64 {
    if store.last_command_ms != 0 {
        store.last_command_ms
    } else {
        store.clock.now_ms()
    }
}

/// Deletes snapshots and logs older than generation `gen` (after snapshot `gen` is durable).
fn retire_before(dir: &Path, gen: u64) -> Result<(), PersistError> {
    let l = files::list(dir)?;
    for g in l.snapshots.iter().filter(|g| **g < gen) {
        files::remove(&files::snapshot_path(dir, *g))?;
    }
    for g in l.logs.iter().filter(|g| **g < gen) {
        files::remove(&files::log_path(dir, *g))?;
    }
    Ok(())
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.reap_bg(true);
        self.log.stop();
        if let Some(t) = self.ticker.lock().take() {
            let _ = t.join();
        }
        // Nothing more can be done about an error from a destructor: the log is then in the
        // failed state and the next open recovers what reached the disk.
        let _ = self.log.close();
    }
}

impl Durability for Handle {
    fn commit(&self, store: &mut Store) -> Ticket {
        Handle::commit(self, store)
    }

    fn deny_writes(&self) -> Option<Error> {
        Handle::deny_writes(self)
    }

    fn last_save(&self) -> u64 {
        Handle::last_save(self)
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

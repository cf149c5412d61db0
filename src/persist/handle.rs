//! [`Handle`]: the persistence state attached to a store (`Store::persist`): the log, the
//! snapshot bookkeeping, compaction (foreground and background), the fsync thread and the
//! directory lock.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use parking_lot::Mutex;

use super::files::{self, DirLock};
use super::log::{AppendFsync, LogCore, LogStats};
use super::{snapshot, Options, PersistError};
use crate::engine::{BgReport, Durability, Store, Ticket};
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
    /// What the running compaction was started as, and when.
    bg_kind: BgKind,
    bg_started: Instant,
    /// Compactions asked for while another ran (or inside EXEC), started when none runs.
    scheduled_save: bool,
    scheduled_rewrite: bool,
    /// INFO persistence's counters and outcomes.
    report: BgReport,
    /// `rdb_changes_since_last_save` is the store's `dirty` counter minus this: its value
    /// at the start of the last successful save (Redis subtracts `dirty_before_bgsave`).
    dirty_base: u64,
    /// `dirty` when the running compaction started.
    bg_dirty: u64,
    /// Unix seconds of the last save attempt (a failed one is retried by the save points
    /// after 5 s, Redis's `CONFIG_BGSAVE_RETRY_DELAY`) and of the open (the save points'
    /// clock before the first save, as Redis's `lastsave` starts at startup).
    last_try: u64,
    opened: u64,
}

/// What a compaction is started as. emu's one compaction (a snapshot and a fresh log) is
/// both Redis's RDB save and its AOF rewrite; INFO, BGSAVE and BGREWRITEAOF tell them apart
/// as Redis tells its two child types apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BgKind {
    /// SAVE, BGSAVE.
    Save,
    /// BGREWRITEAOF, the automatic compaction (Redis's `auto-aof-rewrite-percentage`), the
    /// snapshot after a replica's full resync.
    Rewrite,
}

/// What BGSAVE / BGREWRITEAOF do, decided as Redis's `bgsaveCommand` and
/// `bgrewriteaofCommand` decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BgStart {
    /// A compaction of this kind started.
    Started,
    /// It will start once the running one ends.
    Scheduled,
    /// One of the same kind runs.
    SameRunning,
    /// One of the other kind runs, and scheduling was not asked for (BGSAVE only).
    OtherRunning,
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
    /// The last save failed (SAVE, BGSAVE, a save point): read by every write command under
    /// `stop-writes-on-bgsave-error`, so kept outside the state's lock.
    save_failed: AtomicBool,
    /// Set when the compaction thread ends or a compaction is scheduled: the next commit
    /// reaps the thread and starts what was scheduled ([`Handle::tend`]).
    attention: Arc<AtomicBool>,
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
                bg_kind: BgKind::Rewrite,
                bg_started: Instant::now(),
                scheduled_save: false,
                scheduled_rewrite: false,
                report: BgReport::default(),
                dirty_base: 0,
                bg_dirty: 0,
                last_try: 0,
                opened: unix_secs(),
            }),
            rng_logged: AtomicU64::new(p.rng_state),
            bg_running: AtomicBool::new(false),
            save_failed: AtomicBool::new(false),
            attention: Arc::new(AtomicBool::new(false)),
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

    /// True while a background compaction runs. A finished one is reaped first, unless
    /// another is scheduled behind it: then the next commit or timer tick reaps it and
    /// starts that one together (`Handle::tend`), so no one sees neither running, as in
    /// Redis's serverCron.
    pub fn compaction_running(&self) -> bool {
        if self.bg_running.load(Ordering::Acquire) {
            let scheduled = {
                let st = self.state.lock();
                st.scheduled_save || st.scheduled_rewrite
            };
            if !scheduled {
                self.reap_bg(false);
            }
        }
        self.bg_running.load(Ordering::Acquire)
    }

    /// INFO's `rdb_changes_since_last_save`, given the store's `dirty` counter.
    pub fn changes_since_save(&self, dirty: u64) -> u64 {
        dirty.saturating_sub(self.state.lock().dirty_base)
    }

    /// Redis serverCron's persistence part: reaps a finished compaction, starts a scheduled
    /// one, else a save whose `save <seconds> <changes>` point is reached (at least that many
    /// changes and more than that many seconds since the last save; after a failed save,
    /// not before 5 s).
    fn cron_tick(&self, store: &mut Store) {
        if self.attention.load(Ordering::Acquire) {
            self.tend(store);
        }
        if store.config.save.is_empty() || self.compaction_running() {
            return;
        }
        let now = unix_secs();
        let due = {
            let st = self.state.lock();
            let changes = store.dirty.saturating_sub(st.dirty_base) as i64;
            let since = now.saturating_sub(st.last_save.max(st.opened)) as i64;
            let may_try = st.report.last_save_ok || now.saturating_sub(st.last_try) > 5;
            may_try
                && store
                    .config
                    .save
                    .iter()
                    .any(|p| changes >= i64::from(p.changes) && since > p.seconds)
        };
        if due {
            // A failure is the save's status (INFO, MISCONF under stop-writes-on-bgsave-error).
            let _ = self.start_background(store, BgKind::Save);
        }
    }

    /// INFO persistence's compaction figures.
    pub fn bg_report(&self) -> BgReport {
        let running = self.compaction_running();
        let st = self.state.lock();
        let mut r = st.report.clone();
        let secs = st.bg_started.elapsed().as_secs() as i64;
        r.save_in_progress = running && st.bg_kind == BgKind::Save;
        r.rewrite_in_progress = running && st.bg_kind == BgKind::Rewrite;
        r.rewrite_scheduled = st.scheduled_rewrite;
        r.current_save_secs = if r.save_in_progress { secs } else { -1 };
        r.current_rewrite_secs = if r.rewrite_in_progress { secs } else { -1 };
        r
    }

    /// `BGSAVE [SCHEDULE]` (`schedule` also when run by EXEC) and BGREWRITEAOF (`schedule`
    /// always): starts a compaction of `kind`, or schedules it behind the running one, as
    /// Redis does with its child processes.
    pub fn request_background(
        &self,
        store: &mut Store,
        kind: BgKind,
        schedule: bool,
        in_exec: bool,
    ) -> Result<BgStart, PersistError> {
        let running = self.compaction_running();
        if running && self.state.lock().bg_kind == kind {
            return Ok(BgStart::SameRunning);
        }
        if running || in_exec {
            if !schedule && !in_exec {
                return Ok(BgStart::OtherRunning);
            }
            let mut st = self.state.lock();
            match kind {
                BgKind::Save => st.scheduled_save = true,
                BgKind::Rewrite => {
                    st.scheduled_rewrite = true;
                    st.report.rewrite_failures_in_a_row = 0;
                }
            }
            drop(st);
            self.attention.store(true, Ordering::Release);
            return Ok(BgStart::Scheduled);
        }
        self.start_background(store, kind)?;
        Ok(BgStart::Started)
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
        if self.attention.load(Ordering::Acquire) {
            self.tend(store);
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

    /// Reaps a finished compaction and starts a scheduled one once none runs (both done by
    /// Redis's serverCron; here by the next commit, and the server's timer commits every
    /// tick). A scheduled rewrite goes first, as in Redis.
    fn tend(&self, store: &mut Store) {
        self.attention.store(false, Ordering::Release);
        self.reap_bg(false);
        if self.bg_running.load(Ordering::Acquire) {
            // The thread raises the flag again when it ends.
            return;
        }
        let next = {
            let mut st = self.state.lock();
            if std::mem::take(&mut st.scheduled_rewrite) {
                Some(BgKind::Rewrite)
            } else if std::mem::take(&mut st.scheduled_save) {
                Some(BgKind::Save)
            } else {
                None
            }
        };
        if let Some(kind) = next {
            // A failure is recorded as the kind's last status; the next one is tried after
            // this one ends.
            let _ = self.start_background(store, kind);
            let st = self.state.lock();
            if st.scheduled_rewrite || st.scheduled_save {
                self.attention.store(true, Ordering::Release);
            }
        }
    }

    fn maybe_auto_compact(&self, store: &mut Store) {
        if self.bg_running.load(Ordering::Acquire) || self.log.failure().is_some() {
            return;
        }
        if let Err(e) = self.start_background(store, BgKind::Rewrite) {
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
        let ok = r.is_ok();
        match r {
            Ok((gen, bytes, seq)) => {
                st.snapshot_gen = gen;
                st.snapshot_bytes = bytes;
                st.snapshot_seq = seq;
                st.last_bg_error = None;
                // As Redis: an RDB save moves LASTSAVE and the changes counter, an AOF
                // rewrite neither.
                if st.bg_kind == BgKind::Save {
                    st.last_save = unix_secs();
                    st.dirty_base = st.bg_dirty;
                }
            }
            Err(e) => st.last_bg_error = Some(e.short()),
        }
        if st.bg_kind == BgKind::Save {
            self.save_failed.store(!ok, Ordering::Relaxed);
        }
        let secs = st.bg_started.elapsed().as_secs() as i64;
        let kind = st.bg_kind;
        let report = &mut st.report;
        match kind {
            BgKind::Save => {
                report.last_save_ok = ok;
                report.last_save_secs = secs;
            }
            BgKind::Rewrite => {
                report.last_rewrite_ok = ok;
                report.last_rewrite_secs = secs;
                report.rewrite_failures_in_a_row = if ok {
                    0
                } else {
                    report.rewrite_failures_in_a_row + 1
                };
            }
        }
        if st.scheduled_save || st.scheduled_rewrite {
            self.attention.store(true, Ordering::Release);
        }
        drop(st);
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

    /// A compaction of `kind`: rotates the log and writes a snapshot of a copy of the
    /// keyspace on a background thread. Errors with `busy` if one runs.
    pub fn start_background(&self, store: &mut Store, kind: BgKind) -> Result<(), PersistError> {
        self.start_background_with(store, kind, None)
    }

    fn start_background_with(
        &self,
        store: &mut Store,
        kind: BgKind,
        dbs: Option<Vec<Db>>,
    ) -> Result<(), PersistError> {
        if self.bg_running.load(Ordering::Acquire) {
            self.reap_bg(false);
        }
        if self.bg_running.swap(true, Ordering::AcqRel) {
            return Err(PersistError::Other("busy".into()));
        }
        {
            let mut st = self.state.lock();
            st.bg_kind = kind;
            st.bg_started = Instant::now();
            st.bg_dirty = store.dirty;
            match kind {
                BgKind::Save => {
                    st.report.saves += 1;
                    st.last_try = unix_secs();
                }
                BgKind::Rewrite => st.report.rewrites += 1,
            }
        }
        let r = self.start_background_inner(store, dbs);
        if r.is_err() {
            self.bg_running.store(false, Ordering::Release);
            let mut st = self.state.lock();
            match kind {
                BgKind::Save => {
                    st.report.last_save_ok = false;
                    self.save_failed.store(true, Ordering::Relaxed);
                }
                BgKind::Rewrite => {
                    st.report.last_rewrite_ok = false;
                    st.report.rewrite_failures_in_a_row += 1;
                }
            }
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
        self.start_background_with(store, BgKind::Rewrite, Some(dbs))
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
        let done = self.attention.clone();
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
        if self.compaction_running() {
            return Err(PersistError::Other("busy".into()));
        }
        self.flush_effects(store);
        {
            let mut st = self.state.lock();
            st.report.saves += 1;
            st.last_try = unix_secs();
        }
        let written = (|| {
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
            Ok((next, bytes, seq))
        })();
        let mut st = self.state.lock();
        st.report.last_save_ok = written.is_ok();
        self.save_failed.store(written.is_err(), Ordering::Relaxed);
        let (next, bytes, seq) = written?;
        st.dirty_base = store.dirty;
        st.snapshot_gen = next;
        st.snapshot_bytes = bytes;
        st.snapshot_seq = seq;
        st.last_save = unix_secs();
        drop(st);
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

    fn cron(&self, store: &mut Store) {
        self.cron_tick(store)
    }

    fn save_failed(&self) -> bool {
        self.save_failed.load(Ordering::Relaxed)
    }

    fn bg_report(&self) -> BgReport {
        Handle::bg_report(self)
    }

    fn changes_since_save(&self, dirty: u64) -> u64 {
        Handle::changes_since_save(self, dirty)
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

//! The append log writer. Records are appended under the store lock (so log order is
//! execution order) straight into the log file through a shared mapping: they are in the
//! kernel's page cache as soon as they are appended, before any reply of their batch —
//! as after a `write(2)`, for the cost of a memcpy (see `Window`). They are fsynced by
//!
//! * `always`: the writers themselves, after releasing the store lock, with group commit —
//!   the first waiter becomes the leader and fsyncs once; the writers that appended
//!   meanwhile wait on a condition variable and are covered by that fsync or the next one;
//! * `everysec`: a background thread once a second. A process crash (panic, SIGKILL)
//!   loses no acknowledged write; an OS crash or power loss loses at most about the last
//!   second, as with Redis;
//! * `no`: never (the OS decides), except at close and compaction.
//!
//! A failed append (the file cannot grow) or fsync is never retried (PostgreSQL's
//! "fsyncgate"): the log enters the failed state, every waiter gets the error, and the
//! store refuses further writes.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::{files, frame, model, PersistError};
use crate::engine::{Effect, Store};

/// When the log is fsynced (Redis `appendfsync`).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let redis = emu::Redis::builder()
///     .appendfsync(emu::AppendFsync::Always) // fsync before each reply
///     .open(dir.path())?;
/// redis.set("k", "v")?;
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AppendFsync {
    /// fsync before acknowledging each write (group commit shares one fsync among
    /// concurrent writers).
    Always,
    /// Write to the kernel before acknowledging, fsync once a second in the background
    /// (default): a process crash loses no acknowledged write, an OS crash or power loss
    /// at most about the last second of writes.
    #[default]
    Everysec,
    /// Write to the kernel before acknowledging, never fsync (the OS decides when the data
    /// reaches the disk).
    No,
}

impl AppendFsync {
    /// Parses `always` / `everysec` / `no` (case-insensitive).
    pub fn parse(s: &str) -> Option<AppendFsync> {
        match s.to_ascii_lowercase().as_str() {
            "always" => Some(AppendFsync::Always),
            "everysec" => Some(AppendFsync::Everysec),
            "no" => Some(AppendFsync::No),
            _ => None,
        }
    }

    /// The Redis name.
    pub fn name(self) -> &'static str {
        match self {
            AppendFsync::Always => "always",
            AppendFsync::Everysec => "everysec",
            AppendFsync::No => "no",
        }
    }
}

/// Wake-up state of the background thread.
#[derive(Default)]
pub struct Kick {
    /// Set at close.
    pub stop: bool,
    /// Set when the writer swapped in a new window: map the next one (`Prep`).
    pub prepare: bool,
}

/// The next window, mapped ahead by the background thread (`everysec` / `no`), and the
/// last one, unmapped by it: allocating the file ahead, mapping 4 MiB, faulting it in
/// writable and unmapping the old window cost the writer about a tenth of an `everysec`
/// SET when it did them itself between two appends. Without a background thread
/// (`always`) the writer does them as before.
#[derive(Default)]
struct Prep {
    /// What to map next, set by the writer when it swaps windows; cleared at close.
    request: Option<PrepRequest>,
    /// The mapped next window of generation `.0`.
    spare: Option<(u64, Window)>,
    /// The window the writer left, for the background thread to unmap.
    retired: Option<Window>,
}

struct PrepRequest {
    generation: u64,
    file: Arc<File>,
    path: PathBuf,
    start: u64,
}

/// The log's state, under one lock: the active file and its window, and the counters.
struct Active {
    file: Arc<File>,
    /// The window of the file mapped for writing (see [`Window`]); None until the first
    /// record and after the file is closed.
    window: Option<Window>,
    generation: u64,
    path: PathBuf,
    /// Bytes of records in the file (header included); the file may be longer (space
    /// allocated ahead, zeros).
    size: u64,
    /// Logical bytes ever appended (across generations): the sequence number of the end of
    /// the last appended record.
    appended: u64,
    /// Records ever appended.
    records: u64,
}

/// Records are copied into a shared writable mapping of the log file as they are appended
/// (under the store lock), not written with `write(2)` later: a store into a `MAP_SHARED`
/// mapping is in the kernel's page cache at once, so it survives a crash of the process
/// exactly as a `write(2)` does, for the cost of a memcpy instead of a system call. The file
/// is extended [`WINDOW`] bytes at a time with `fallocate` (so a full disk is an error here,
/// never a SIGBUS later), and only the window being filled is mapped (the resident memory
/// the log costs stays bounded). The zeros beyond the last record are cut off when the file
/// is closed or rotated; after a crash, recovery truncates them as a torn tail (FORMAT.md
/// §3).
struct Window {
    map: memmap2::MmapMut,
    /// File offset of the mapping's first byte.
    start: u64,
}

/// Bytes mapped (and allocated ahead in the file) at a time.
const WINDOW: u64 = 4 << 20;

struct SyncState {
    /// Sequence number up to which the log is durable.
    durable: u64,
    leader: bool,
    fsyncs: u64,
    synced_records: u64,
}

/// Counters for benchmarks and INFO-like reporting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Records appended since open.
    pub records: u64,
    /// fsyncs of the log since open.
    pub fsyncs: u64,
    /// Records covered by those fsyncs.
    pub synced_records: u64,
    /// Bytes appended since open (logical).
    pub bytes: u64,
    /// Copies of records into the log file since open (one per record: records reach the
    /// kernel as they are appended).
    pub writes: u64,
}

/// Test-only fault injection: makes the next fsyncs fail.
#[derive(Debug, Default)]
pub struct FaultInjector {
    /// When set, every log fsync fails with EIO.
    pub fail_fsync: AtomicBool,
}

/// The shared log state. See the module docs.
pub struct LogCore {
    /// The fsync policy ([`AppendFsync`] as a `u8`): CONFIG SET appendfsync changes it.
    policy: std::sync::atomic::AtomicU8,
    dir: PathBuf,
    active: Mutex<Active>,
    sync: Mutex<SyncState>,
    cv: Condvar,
    failed: AtomicBool,
    /// The text of the first failure ([`PersistError::short`]), kept as a message: it is
    /// handed to every later waiter as [`PersistError::Failed`] and to MISCONF replies, and
    /// the original error (whose `io::Error` cannot be cloned) went to the caller that hit it.
    failure: Mutex<Option<String>>,
    start_appended: u64,
    faults: Arc<FaultInjector>,
    /// Time (Unix ms) of the last appended batch.
    pub last_time_ms: AtomicU64,
    appended_hint: AtomicU64,
    /// Wakes the background thread (see [`LogCore::background_loop`]).
    kick: Mutex<Kick>,
    kick_cv: Condvar,
    /// Windows mapped ahead and left behind (see [`Prep`]). Lock order: `active`, then
    /// `prep`; the background thread takes `prep` alone.
    prep: Mutex<Prep>,
}

impl LogCore {
    /// Takes over an open log file of `generation` holding `size` valid bytes.
    pub fn new(
        policy: AppendFsync,
        dir: &Path,
        file: File,
        generation: u64,
        size: u64,
        logical_base: u64,
        faults: Arc<FaultInjector>,
    ) -> LogCore {
        LogCore {
            policy: std::sync::atomic::AtomicU8::new(policy as u8),
            dir: dir.to_path_buf(),
            active: Mutex::new(Active {
                file: Arc::new(file),
                window: None,
                generation,
                path: files::log_path(dir, generation),
                size,
                appended: logical_base,
                records: 0,
            }),
            sync: Mutex::new(SyncState {
                durable: logical_base,
                leader: false,
                fsyncs: 0,
                synced_records: 0,
            }),
            cv: Condvar::new(),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
            start_appended: logical_base,
            faults,
            last_time_ms: AtomicU64::new(0),
            appended_hint: AtomicU64::new(logical_base),
            kick: Mutex::new(Kick::default()),
            kick_cv: Condvar::new(),
            prep: Mutex::new(Prep::default()),
        }
    }

    /// The fsync policy.
    pub fn policy(&self) -> AppendFsync {
        match self.policy.load(Ordering::Relaxed) {
            x if x == AppendFsync::Always as u8 => AppendFsync::Always,
            x if x == AppendFsync::No as u8 => AppendFsync::No,
            _ => AppendFsync::Everysec,
        }
    }

    /// Changes the fsync policy (CONFIG SET appendfsync): the next batches follow it.
    pub fn set_policy(&self, policy: AppendFsync) {
        self.policy.store(policy as u8, Ordering::Relaxed);
    }

    /// True once the log has failed (see [`LogCore::failure`]).
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// The error text once the log has failed.
    pub fn failure(&self) -> Option<String> {
        if !self.failed.load(Ordering::Acquire) {
            return None;
        }
        self.failure.lock().clone()
    }

    fn fail(&self, e: &PersistError) {
        let mut f = self.failure.lock();
        if f.is_none() {
            *f = Some(e.short());
        }
        self.failed.store(true, Ordering::Release);
        self.cv.notify_all();
    }

    /// Appends one batch record (call under the store lock): it reaches the kernel before
    /// this returns. Returns the sequence number to wait for (policy `always`).
    pub fn append(&self, time_ms: u64, rng_state: u64, effects: &[Effect]) -> u64 {
        let mut payload = Vec::new();
        let batch = model::BatchRef {
            time_ms,
            rng_state,
            effects,
        };
        batch.write_payload(&mut payload);
        self.append_record(time_ms, &[], &payload)
    }

    /// Appends the store's waiting effects (its effect buffer, already in the record
    /// layout) as one batch record and clears them. See [`LogCore::append`].
    pub fn append_store(&self, time_ms: u64, rng_state: u64, store: &mut Store) -> u64 {
        let buf = store.effects_mut();
        let (count, _) = buf.pending();
        let payload = buf.framed(model::kind::BATCH, [time_ms, rng_state, count]);
        let seq = self.append_record(time_ms, &[], payload);
        buf.clear();
        seq
    }

    /// Appends one batch record whose effects are already encoded (`count` effects in
    /// `effects`, FORMAT.md §6 layout).
    pub fn append_encoded(&self, time_ms: u64, rng_state: u64, count: u64, effects: &[u8]) -> u64 {
        let head = batch_head(time_ms, rng_state, count);
        self.append_record(time_ms, &head.0[..head.1], effects)
    }

    /// Frames `head` followed by `body` as one record at the end of the active file: the
    /// checksum runs over both parts in place and each is copied once, straight into the
    /// mapped file. Once the log has failed nothing more is written (writes are refused by
    /// then; only expiry DELs from reads can get here).
    fn append_record(&self, time_ms: u64, head: &[u8], body: &[u8]) -> u64 {
        // The checksums depend on the bytes only: computed before the lock is taken.
        let header = frame::record_header(head, body);
        let len = frame::RECORD_HEADER_LEN + head.len() + body.len();
        let mut guard = self.active.lock();
        let a = &mut *guard;
        if self.failed.load(Ordering::Acquire) {
            return a.appended;
        }
        let size = a.size;
        let r = self.reserve(a, len as u64).map(|w| {
            // In file order — header, then payload — so that a process killed in the middle
            // leaves a prefix of the record before the allocated zeros: a torn tail
            // (FORMAT.md §3), never a payload behind an empty header.
            let at = (size - w.start) as usize;
            let rec = &mut w.map[at..at + len];
            let (h, p) = rec.split_at_mut(frame::RECORD_HEADER_LEN);
            h.copy_from_slice(&header);
            let pb = if head.is_empty() {
                p
            } else {
                let (ph, pb) = p.split_at_mut(head.len());
                ph.copy_from_slice(head);
                pb
            };
            pb.copy_from_slice(body);
            prefetch_ahead(&w.map[at + len..]);
        });
        if let Err(e) = r {
            drop(guard);
            self.fail(&e);
            return self.appended();
        }
        a.size += len as u64;
        a.appended += len as u64;
        a.records += 1;
        let seq = a.appended;
        drop(guard);
        self.last_time_ms.store(time_ms, Ordering::Relaxed);
        self.appended_hint.store(seq, Ordering::Relaxed);
        seq
    }

    /// The background thread of `everysec`: fsyncs once a second what was appended since
    /// the last fsync. Returns at [`LogCore::stop`].
    pub fn background_loop(&self) {
        let second = std::time::Duration::from_secs(1);
        let mut last = std::time::Instant::now();
        loop {
            let prepare = {
                let mut k = self.kick.lock();
                if !k.stop && !k.prepare {
                    let left = second.saturating_sub(last.elapsed());
                    self.kick_cv.wait_for(&mut k, left);
                }
                if k.stop {
                    return;
                }
                std::mem::take(&mut k.prepare)
            };
            if prepare {
                self.prepare_window();
            }
            if last.elapsed() >= second {
                self.tick();
                last = std::time::Instant::now();
            }
        }
    }

    /// Maps the window the writer asked for ([`Prep`]) and unmaps the one it left. A
    /// failure here is not the log's: the writer then maps the window itself and reports
    /// what goes wrong.
    fn prepare_window(&self) {
        let mut p = self.prep.lock();
        let retired = p.retired.take();
        if let Some(req) = p.request.take() {
            // Written ahead only where no writer fsyncs each batch: under `always` the
            // first fsync would write the whole window of zeros.
            let populate_write = self.policy() != AppendFsync::Always;
            if let Ok(w) = map_window(
                &req.file,
                &req.path,
                req.start,
                WINDOW,
                true,
                populate_write,
            ) {
                p.spare = Some((req.generation, w));
            }
        }
        drop(p);
        drop(retired);
    }

    /// Forgets the windows mapped ahead and left behind (before the active file is cut
    /// or replaced). Waits for a preparation in progress.
    fn drop_prepared(&self) {
        let mut p = self.prep.lock();
        p.request = None;
        p.spare = None;
        p.retired = None;
    }

    /// The window with room for `len` more bytes at the end of the active file, moving it
    /// on when they do not fit: to the window the background thread mapped ahead when it
    /// fits, else to one mapped here (allocating the file ahead).
    fn reserve<'a>(&self, a: &'a mut Active, len: u64) -> Result<&'a mut Window, PersistError> {
        let end = a.size + len;
        let fits = a
            .window
            .as_ref()
            .is_some_and(|w| w.start <= a.size && end <= w.start + w.map.len() as u64);
        if !fits {
            let ahead = self.policy() != AppendFsync::Always;
            let old = a.window.take();
            let spare = {
                let mut p = self.prep.lock();
                // A request the background thread has not served yet is stale now: the
                // writer maps for itself below, and a new request follows its mapping, so
                // the two never extend the file at the same time.
                p.request = None;
                if ahead && p.retired.is_none() {
                    p.retired = old;
                } else {
                    drop(old);
                }
                p.spare.take()
            }
            .filter(|(generation, w)| {
                *generation == a.generation
                    && w.start <= a.size
                    && end <= w.start + w.map.len() as u64
            });
            let w = match spare {
                Some((_, w)) => w,
                None => {
                    // The window starts at the page holding the end of the data.
                    let start = a.size & !(page_size() - 1);
                    let wlen = (end - start).div_ceil(WINDOW) * WINDOW;
                    map_window(&a.file, &a.path, start, wlen, false, false)?
                }
            };
            if ahead {
                // The next window overlaps this one by a page, so that a record crossing
                // the end still fits into it.
                let next = w.start + w.map.len() as u64 - page_size();
                self.prep.lock().request = Some(PrepRequest {
                    generation: a.generation,
                    file: a.file.clone(),
                    path: a.path.clone(),
                    start: next,
                });
                self.kick.lock().prepare = true;
                self.kick_cv.notify_one();
            }
            a.window = Some(w);
        }
        a.window.as_mut().ok_or_else(|| {
            PersistError::io("mapping log", &a.path, std::io::Error::other("no window"))
        })
    }

    /// Stops [`LogCore::background_loop`].
    pub fn stop(&self) {
        let mut k = self.kick.lock();
        k.stop = true;
        self.kick_cv.notify_all();
    }

    fn fsync(&self, file: &File, path: &Path) -> Result<(), PersistError> {
        if self.faults.fail_fsync.load(Ordering::Relaxed) {
            return Err(PersistError::io(
                "syncing log",
                path,
                std::io::Error::from_raw_os_error(5),
            ));
        }
        // On Linux fdatasync also writes back the pages dirtied through the mapping.
        file.sync_data()
            .map_err(|e| PersistError::io("syncing log", path, e))
    }

    /// One fsync of everything appended so far, serialized through the leader flag.
    fn sync_as_leader(&self) -> Result<(), PersistError> {
        let (file, path, upto, records) = {
            let a = self.active.lock();
            (a.file.clone(), a.path.clone(), a.appended, a.records)
        };
        self.fsync(&file, &path)?;
        let mut st = self.sync.lock();
        st.durable = st.durable.max(upto);
        st.fsyncs += 1;
        st.synced_records = st.synced_records.max(records);
        Ok(())
    }

    /// Blocks until everything up to `seq` is durable (policy `always`), sharing fsyncs
    /// with concurrent writers. Once the log has failed (now or earlier), every caller gets
    /// [`PersistError::Failed`] with the first failure's text.
    pub fn wait_durable(&self, seq: u64) -> Result<(), PersistError> {
        let mut st = self.sync.lock();
        loop {
            if self.failed.load(Ordering::Acquire) {
                return Err(PersistError::Failed(self.failure().unwrap_or_default()));
            }
            if st.durable >= seq {
                return Ok(());
            }
            if st.leader {
                self.cv.wait(&mut st);
                continue;
            }
            st.leader = true;
            drop(st);
            let r = self.sync_as_leader();
            if let Err(e) = &r {
                self.fail(e);
            }
            st = self.sync.lock();
            st.leader = false;
            self.cv.notify_all();
        }
    }

    /// Checks that the records up to `seq` reached the kernel (policies `everysec` and
    /// `no`): they did when they were appended, unless the log has failed since (then
    /// every caller gets [`PersistError::Failed`]).
    pub fn wait_written(&self, _seq: u64) -> Result<(), PersistError> {
        match self.failure() {
            Some(f) => Err(PersistError::Failed(f)),
            None => Ok(()),
        }
    }

    /// Background tick: fsync (policy `everysec`) what was appended since the last one.
    /// Skips when a leader is active.
    pub fn tick(&self) {
        if self.failed.load(Ordering::Acquire) || self.policy() == AppendFsync::No {
            return;
        }
        {
            let mut st = self.sync.lock();
            if st.leader || self.appended() <= st.durable {
                return;
            }
            st.leader = true;
        }
        let r = self.sync_as_leader();
        if let Err(e) = &r {
            self.fail(e);
        }
        let mut st = self.sync.lock();
        st.leader = false;
        self.cv.notify_all();
    }

    /// fsyncs everything (close, SAVE). Errors put the log in the failed state.
    pub fn sync_all(&self) -> Result<(), PersistError> {
        let seq = self.appended();
        self.wait_durable(seq)
    }

    /// fsyncs everything, then cuts the space allocated ahead off the file (the handle's
    /// close). Errors put the log in the failed state.
    pub fn close(&self) -> Result<(), PersistError> {
        self.sync_all()?;
        let mut a = self.active.lock();
        self.drop_prepared();
        let r = close_file(&mut a).and_then(|()| self.fsync(&a.file, &a.path));
        if let Err(e) = &r {
            self.fail(e);
        }
        r
    }

    /// Switches to a fresh log of generation `next` (compaction start; call under the
    /// store lock). The old log is cut to its records and fsynced first. Returns the logical
    /// sequence number at the switch.
    pub fn rotate(&self, next: u64) -> Result<u64, PersistError> {
        if let Some(f) = self.failure() {
            return Err(PersistError::Failed(f));
        }
        let r = self.rotate_inner(next);
        if let Err(e) = &r {
            self.fail(e);
        }
        r
    }

    fn rotate_inner(&self, next: u64) -> Result<u64, PersistError> {
        let mut a = self.active.lock();
        self.drop_prepared();
        close_file(&mut a)?;
        self.fsync(&a.file, &a.path)?;
        let (upto, records) = (a.appended, a.records);
        let file = create_log(&self.dir, next)?;
        a.file = Arc::new(file);
        a.generation = next;
        a.path = files::log_path(&self.dir, next);
        a.size = frame::HEADER_LEN as u64;
        drop(a);
        let mut st = self.sync.lock();
        st.durable = st.durable.max(upto);
        st.fsyncs += 1;
        st.synced_records = st.synced_records.max(records);
        Ok(upto)
    }

    /// Generation of the active log.
    pub fn generation(&self) -> u64 {
        self.active.lock().generation
    }

    /// [`LogCore::appended`] without taking the lock (may lag by a record).
    pub fn appended_relaxed(&self) -> u64 {
        self.appended_hint.load(Ordering::Relaxed)
    }

    /// Logical bytes appended so far (grows across generations).
    pub fn appended(&self) -> u64 {
        self.active.lock().appended
    }

    /// Counters.
    pub fn stats(&self) -> LogStats {
        let (records, appended) = {
            let a = self.active.lock();
            (a.records, a.appended)
        };
        let st = self.sync.lock();
        LogStats {
            records,
            fsyncs: st.fsyncs,
            synced_records: st.synced_records,
            bytes: appended - self.start_appended,
            writes: records,
        }
    }
}

/// Creates log file `gen` crash-safely (temp file with the header, fsync, rename, fsync
/// directory) and returns it opened for appending.
pub fn create_log(dir: &Path, gen: u64) -> Result<File, PersistError> {
    let path = files::log_path(dir, gen);
    let tmp = tempfile::Builder::new()
        .prefix(files::TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| PersistError::io("creating a temporary log in", dir, e))?;
    let h = frame::header(frame::LOG_MAGIC, gen);
    tmp.as_file()
        .write_all(&h)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| PersistError::io("writing log header", &path, e))?;
    tmp.persist(&path)
        .map_err(|e| PersistError::io("renaming log to", &path, e.error))?;
    files::sync_dir(dir)?;
    open_append(&path)
}

/// Opens an existing log for appending (records go in through a mapping, see the module docs).
pub fn open_append(path: &Path) -> Result<File, PersistError> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| PersistError::io("opening log", path, e))
}

/// A batch record's first bytes (kind and three varints, at most
/// [`crate::engine::effects::HEAD_ROOM`]), built on the stack: the array and the used length.
fn batch_head(time_ms: u64, rng_state: u64, count: u64) -> ([u8; 28], usize) {
    let mut head = [0u8; crate::engine::effects::HEAD_ROOM];
    head[0] = model::kind::BATCH;
    let mut n = 1;
    for v in [time_ms, rng_state, count] {
        n += model::varint_into(&mut head[n..], v);
    }
    (head, n)
}

/// Maps `wlen` bytes of the log file from `start` for writing, allocating the file that
/// far first. `ahead` (the background thread) only allocates, never extends the length by
/// other means: a length set concurrently with the writer could cut the file under its
/// window. `populate_write` faults the pages in writable (no write-protect fault per page
/// later; the pages become dirty at once).
fn map_window(
    file: &File,
    path: &Path,
    start: u64,
    wlen: u64,
    ahead: bool,
    populate_write: bool,
) -> Result<Window, PersistError> {
    let io = |what, e| PersistError::io(what, path, e);
    let file_len = file
        .metadata()
        .map_err(|e| io("reading the size of log", e))?
        .len();
    if file_len < start + wlen {
        // A file system without fallocate gets a sparse extension instead (the writer's
        // own mappings only).
        fs2::FileExt::allocate(file, start + wlen)
            .or_else(|e| match e.raw_os_error() {
                Some(95) if !ahead => file.set_len(start + wlen),
                _ => Err(e),
            })
            .map_err(|e| io("allocating space for log", e))?;
    }
    // The crate's second unsafe block: a writable shared mapping of the log. Sound as
    // long as no one truncates the file while it is mapped: emu holds the data
    // directory's lock, and the file is only cut (`close_file`, under the `active` lock)
    // after the writer dropped its window and the windows mapped ahead were forgotten
    // (`LogCore::drop_prepared`); the background thread only ever grows the file.
    #[allow(unsafe_code)]
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(start)
            .len(wlen as usize)
            // Fault the window in at once: one bulk zeroing instead of a page fault
            // in the middle of an append every 4 KiB.
            .populate()
            .map_mut(file)
    }
    .map_err(|e| io("mapping log", e))?;
    if populate_write {
        // Linux 5.14+; older kernels refuse it and the pages fault writable on first use.
        let _ = map.advise(memmap2::Advice::PopulateWrite);
    }
    Ok(Window { map, start })
}

/// Asks the CPU to bring the cache lines where the next records go into the cache now,
/// while the command's reply and the next command run: log pages are written once, in
/// order, so each new line is otherwise a cache miss that the lock release after the append
/// waits for (a third of the append's cost under `everysec`).
#[inline]
fn prefetch_ahead(next: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for off in [64usize, 128, 192] {
        if let Some(b) = next.get(off) {
            // SAFETY: a prefetch is a hint: it reads nothing the program can observe and
            // cannot fault; the address is inside the mapping anyway.
            #[allow(unsafe_code)]
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    b as *const u8 as *const i8,
                );
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = next;
}

/// Unmaps the active file and cuts it to its records (the zeros allocated ahead go).
fn close_file(a: &mut Active) -> Result<(), PersistError> {
    a.window = None;
    let len = a
        .file
        .metadata()
        .map_err(|e| PersistError::io("reading the size of log", &a.path, e))?
        .len();
    if len != a.size {
        a.file
            .set_len(a.size)
            .map_err(|e| PersistError::io("truncating log", &a.path, e))?;
    }
    Ok(())
}

/// The mapping granularity (offsets of mappings are multiples of it).
fn page_size() -> u64 {
    // memmap2 requires page-aligned offsets; 64 KiB is a multiple of every page size Linux
    // and macOS use (4 KiB, 16 KiB, 64 KiB).
    64 * 1024
}

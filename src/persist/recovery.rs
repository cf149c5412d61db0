//! Opening a data directory: lock, load the newest snapshot, replay the logs that follow it
//! through the engine, truncate a torn tail (with a warning), retire leftovers, attach a
//! [`Handle`] to the store.
//!
//! Recovery rules (FORMAT.md §7): an incomplete record at the end of the LAST log is a torn
//! write — truncated with a warning. A bad record anywhere else, a log whose tail is torn
//! but which is followed by another log, any damage in the snapshot, or a record the engine
//! cannot replay (unknown command, wrong arity) is corruption: the open fails with the file
//! name and byte offset, and `emu check --repair` is needed.

use std::path::{Path, PathBuf};

use super::files::{self, DirLock, Listing};
use super::frame::{self, Next};
use super::handle::{Handle, Parts};
use super::log::{self, LogCore};
use super::model::{self, kind, Batch};
use super::snapshot::{self, Mapped};
use super::{Options, PersistError};
use crate::engine::Store;
use crate::engine::{self, Session};
use crate::error::ErrorKind;
use crate::keyspace::Rng;

/// What a directory recorded, for fixtures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedInfo {
    /// Clock time (Unix ms) of the last recorded write (0 if nothing was ever written).
    pub recorded_at_ms: u64,
    /// Generation of the snapshot loaded (None without a snapshot).
    pub snapshot_generation: Option<u64>,
    /// Log records replayed.
    pub records_replayed: u64,
    /// Warnings (torn tails), as the messages printed on stderr: the open succeeded, so
    /// they are text for display, not errors.
    pub warnings: Vec<String>,
}

/// Outcome of scanning one log.
#[derive(Debug, Clone, Default)]
pub struct LogScan {
    /// Bytes of valid data (header + whole records).
    pub valid_len: u64,
    /// File length.
    pub file_len: u64,
    /// Records read.
    pub records: u64,
    /// Offset and reason of a torn tail.
    pub torn: Option<(u64, &'static str)>,
    /// Time of the last batch.
    pub last_time_ms: u64,
}

/// Reads log `path` (generation `gen`) and hands each batch to `f` with its offset. A torn
/// tail is reported in the result when `tail_ok`, and is corruption otherwise. An
/// [`PersistError::Invalid`] from `f` is corruption at that record's offset; other errors
/// from `f` are returned as they are.
pub fn scan_log(
    path: &Path,
    gen: u64,
    tail_ok: bool,
    mut f: impl FnMut(u64, Batch) -> Result<(), PersistError>,
) -> Result<LogScan, PersistError> {
    let m = Mapped::open(path)?;
    let buf = m.bytes();
    let corrupt = |off: usize, why: String| PersistError::Corrupt {
        path: path.to_path_buf(),
        offset: off as u64,
        reason: why,
    };
    let g = frame::parse_header(buf, frame::LOG_MAGIC).map_err(|e| corrupt(0, e.to_string()))?;
    if g != gen {
        return Err(corrupt(
            12,
            format!("header says generation {g} but the file name says {gen}"),
        ));
    }
    let mut scan = LogScan {
        file_len: buf.len() as u64,
        ..LogScan::default()
    };
    let mut off = frame::HEADER_LEN;
    loop {
        match frame::next_record(buf, off) {
            Next::Record { start, end } => {
                let payload = &buf[start..end];
                match payload.split_first() {
                    Some((&kind::BATCH, body)) => {
                        let b: Batch =
                            model::decode_body(body).map_err(|e| e.at(path, off as u64))?;
                        scan.last_time_ms = b.time_ms;
                        f(off as u64, b).map_err(|e| e.at(path, off as u64))?;
                    }
                    Some((k, _)) => {
                        return Err(corrupt(off, format!("unknown log record kind 0x{k:02x}")))
                    }
                    None => return Err(corrupt(off, "empty record".into())),
                }
                scan.records += 1;
                off = end;
            }
            Next::End => break,
            Next::Torn(why) if tail_ok => {
                scan.torn = Some((off as u64, why));
                break;
            }
            Next::Torn(why) => {
                return Err(corrupt(
                    off,
                    format!("{why} (in a log that is followed by a newer one)"),
                ))
            }
            Next::Corrupt(why) => return Err(corrupt(off, why.into())),
        }
    }
    scan.valid_len = off as u64;
    Ok(scan)
}

/// Applies one batch to `store` through the engine (replay never consults the clock or
/// the RNG: `store.loading` is set, and the RNG is restored from the batch). A batch that
/// cannot be replayed is [`PersistError::Invalid`].
pub fn apply_batch(store: &mut Store, b: &Batch) -> Result<(), PersistError> {
    let mut session = Session::default();
    for eff in &b.effects {
        if eff.db >= store.dbs.len() {
            return Err(PersistError::invalid(format!(
                "effect on database {} but the store is configured with {} databases",
                eff.db,
                store.dbs.len()
            )));
        }
        session.db = eff.db;
        let argv: Vec<&[u8]> = eff.argv.iter().map(|a| a.as_slice()).collect();
        if let Err(e) = engine::execute(store, &mut session, &argv) {
            if matches!(e.kind(), ErrorKind::UnknownCommand | ErrorKind::Arity) {
                return Err(PersistError::invalid(format!(
                    "cannot replay: {}",
                    e.message()
                )));
            }
            // Any other error reply happened identically when the command first ran.
        }
    }
    store.rng = Rng::new(b.rng_state);
    Ok(())
}

/// State loaded from a directory.
pub(crate) struct Loaded {
    pub snapshot: Option<snapshot::SnapInfo>,
    pub logs: Vec<(u64, LogScan)>,
    pub records: u64,
    pub recorded_at_ms: u64,
}

/// Loads snapshot + logs of `listing` into `store` (which must be empty).
pub(crate) fn load_into(
    dir: &Path,
    listing: &Listing,
    store: &mut Store,
) -> Result<Loaded, PersistError> {
    let was_recording = store.records_effects();
    store.set_record_effects(false);
    store.loading = true;
    let r = load_inner(dir, listing, store);
    store.loading = false;
    store.set_record_effects(was_recording);
    store.clear_effects();
    r
}

fn load_inner(dir: &Path, listing: &Listing, store: &mut Store) -> Result<Loaded, PersistError> {
    let snap = match listing.newest_snapshot() {
        Some(g) => Some(snapshot::load(&files::snapshot_path(dir, g), store)?),
        None => None,
    };
    if let Some(s) = &snap {
        let expected = listing.newest_snapshot().unwrap_or(0);
        if s.generation != expected {
            return Err(PersistError::Corrupt {
                path: files::snapshot_path(dir, expected),
                offset: 12,
                reason: format!(
                    "header says generation {} but the file name says {expected}",
                    s.generation
                ),
            });
        }
    }
    let mut recorded = snap.as_ref().map(|s| s.recorded_at_ms).unwrap_or(0);
    let live = listing.live_logs();
    let mut logs = Vec::new();
    let mut records = 0;
    for (i, g) in live.iter().enumerate() {
        let last = i + 1 == live.len();
        let scan = scan_log(&files::log_path(dir, *g), *g, last, |_, b| {
            apply_batch(store, &b)
        })?;
        records += scan.records;
        if scan.records > 0 {
            recorded = recorded.max(scan.last_time_ms);
        }
        logs.push((*g, scan));
    }
    Ok(Loaded {
        snapshot: snap,
        logs,
        records,
        recorded_at_ms: recorded,
    })
}

fn torn_warning(dir: &Path, gen: u64, scan: &LogScan, action: &str) -> Option<String> {
    let (off, why) = scan.torn?;
    Some(format!(
        "emu: warning: {} has a torn tail at byte offset {off} ({why}); {} {} bytes",
        files::log_path(dir, gen).display(),
        action,
        scan.file_len - off
    ))
}

/// Opens (creating if needed) the data directory `dir` for reading and writing: the
/// returned store is `template` with the recorded data loaded and a [`Handle`] attached.
pub fn open(dir: &Path, opts: Options, template: Store) -> Result<Store, PersistError> {
    open_impl(dir, opts, template, None)
}

pub(crate) fn open_impl(
    dir: &Path,
    opts: Options,
    mut store: Store,
    temp: Option<tempfile::TempDir>,
) -> Result<Store, PersistError> {
    std::fs::create_dir_all(dir).map_err(|e| PersistError::io("creating directory", dir, e))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| PersistError::io("resolving", dir, e))?;
    let lock = DirLock::acquire(&dir)?;
    let listing = files::list(&dir)?;
    for t in &listing.temps {
        files::remove(t)?;
    }
    let loaded = load_into(&dir, &listing, &mut store)?;
    let mut warnings = Vec::new();
    // Truncate a torn tail of the last log.
    if let Some((g, scan)) = loaded.logs.last() {
        if let Some(w) = torn_warning(&dir, *g, scan, "truncated") {
            let path = files::log_path(&dir, *g);
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| PersistError::io("opening", &path, e))?;
            f.set_len(scan.valid_len)
                .and_then(|_| f.sync_all())
                .map_err(|e| PersistError::io("truncating", &path, e))?;
            eprintln!("{w}");
            warnings.push(w);
        }
    }
    // Retire files older than the snapshot (left by a compaction interrupted after its
    // rename).
    let snap_gen = listing.newest_snapshot().unwrap_or(0);
    for g in listing.snapshots.iter().filter(|g| **g < snap_gen) {
        files::remove(&files::snapshot_path(&dir, *g))?;
    }
    for g in listing.logs.iter().filter(|g| **g < snap_gen) {
        files::remove(&files::log_path(&dir, *g))?;
    }
    let logical: u64 = loaded.logs.iter().map(|(_, s)| s.valid_len).sum();
    let (file, gen, size, logical) = match loaded.logs.last() {
        Some((g, scan)) => (
            log::open_append(&files::log_path(&dir, *g))?,
            *g,
            scan.valid_len,
            logical,
        ),
        None => (
            log::create_log(&dir, snap_gen)?,
            snap_gen,
            frame::HEADER_LEN as u64,
            frame::HEADER_LEN as u64,
        ),
    };
    let core = LogCore::new(
        opts.fsync,
        &dir,
        file,
        gen,
        size,
        logical,
        opts.faults.clone(),
    );
    core.last_time_ms
        .store(loaded.recorded_at_ms, std::sync::atomic::Ordering::Relaxed);
    let snapshot_bytes = loaded.snapshot.as_ref().map(|s| s.bytes).unwrap_or(0);
    let last_save = listing
        .newest_snapshot()
        .and_then(|g| std::fs::metadata(files::snapshot_path(&dir, g)).ok())
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    let opts_fsync = opts.fsync;
    let handle = Handle::start(Parts {
        dir: dir.clone(),
        opts,
        log: core,
        lock,
        snapshot_gen: snap_gen,
        snapshot_bytes,
        snapshot_seq: 0,
        last_save,
        rng_state: store.rng.state(),
        warnings,
        temp,
    });
    // CONFIG GET appendfsync tells the policy the store was opened with; CONFIG SET
    // changes it (the handle follows the config at each commit).
    store.config.appendfsync = match opts_fsync {
        crate::persist::AppendFsync::Always => crate::config::Fsync::Always,
        crate::persist::AppendFsync::Everysec => crate::config::Fsync::Everysec,
        crate::persist::AppendFsync::No => crate::config::Fsync::No,
    };
    store.attach_durability(handle);
    Ok(store)
}

/// Loads `dir` into `template` without attaching a log: the directory is only read
/// (under a shared lock, released on return) and later changes stay in memory. A torn tail
/// is skipped with a warning, not truncated.
pub fn open_read_only(dir: &Path, mut store: Store) -> Result<(Store, RecordedInfo), PersistError> {
    files::require_dir(dir)?;
    let _lock = DirLock::acquire_shared(dir)?;
    let listing = files::list(dir)?;
    let loaded = load_into(dir, &listing, &mut store)?;
    let mut warnings = Vec::new();
    if let Some((g, scan)) = loaded.logs.last() {
        if let Some(w) = torn_warning(dir, *g, scan, "ignoring the last") {
            eprintln!("{w}");
            warnings.push(w);
        }
    }
    Ok((
        store,
        RecordedInfo {
            recorded_at_ms: loaded.recorded_at_ms,
            snapshot_generation: loaded.snapshot.map(|s| s.generation),
            records_replayed: loaded.records,
            warnings,
        },
    ))
}

/// Copies the snapshot and logs of `dir` into a new temporary directory (copy-on-open for
/// fixtures) and opens the copy read-write; the copy is deleted when the store's handle
/// is dropped.
pub fn open_copy(
    dir: &Path,
    opts: Options,
    template: Store,
) -> Result<(Store, RecordedInfo), PersistError> {
    let _lock = DirLock::acquire_shared(dir)?;
    let listing = files::list(dir)?;
    let tmp = tempfile::Builder::new()
        .prefix("emu-fixture-")
        .tempdir()
        .map_err(|e| PersistError::io("creating a temporary directory for", dir, e))?;
    let copy = |from: PathBuf| -> Result<(), PersistError> {
        let name = from
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        std::fs::copy(&from, tmp.path().join(name))
            .map(|_| ())
            .map_err(|e| PersistError::io("copying", &from, e))
    };
    if let Some(g) = listing.newest_snapshot() {
        copy(files::snapshot_path(dir, g))?;
    }
    for g in listing.live_logs() {
        copy(files::log_path(dir, g))?;
    }
    let path = tmp.path().to_path_buf();
    let store = open_impl(&path, opts, template, Some(tmp))?;
    let info = RecordedInfo {
        recorded_at_ms: super::handle_of(&store)
            .map(|h| h.recorded_at_ms())
            .unwrap_or(0),
        snapshot_generation: listing.newest_snapshot(),
        records_replayed: 0,
        warnings: super::handle_of(&store)
            .map(|h| h.warnings().to_vec())
            .unwrap_or_default(),
    };
    Ok((store, info))
}

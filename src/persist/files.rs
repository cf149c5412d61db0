//! File names in a data directory, directory listing, directory fsync and the lock.
//!
//! ```text
//! DIR/LOCK                         advisory lock (fs2), holds the owner's pid
//! DIR/emu-00000000000000000003.snap  snapshot of generation 3
//! DIR/emu-00000000000000000003.log   log of generation 3 (effects after snapshot 3)
//! DIR/.emu-tmp-*                   temporary files (deleted at open)
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs2::FileExt;

use super::PersistError;

/// Prefix of temporary files (removed at open).
pub const TMP_PREFIX: &str = ".emu-tmp-";
/// Name of the lock file.
pub const LOCK_NAME: &str = "LOCK";

/// `DIR/emu-<gen>.snap`.
pub fn snapshot_path(dir: &Path, gen: u64) -> PathBuf {
    dir.join(format!("emu-{gen:020}.snap"))
}

/// `DIR/emu-<gen>.log`.
pub fn log_path(dir: &Path, gen: u64) -> PathBuf {
    dir.join(format!("emu-{gen:020}.log"))
}

/// What a data directory holds.
#[derive(Debug, Default, Clone)]
pub struct Listing {
    /// Snapshot generations, ascending.
    pub snapshots: Vec<u64>,
    /// Log generations, ascending.
    pub logs: Vec<u64>,
    /// Leftover temporary files.
    pub temps: Vec<PathBuf>,
}

impl Listing {
    /// The newest snapshot generation.
    pub fn newest_snapshot(&self) -> Option<u64> {
        self.snapshots.last().copied()
    }

    /// The logs that apply on top of the newest snapshot (generation ≥ its own).
    pub fn live_logs(&self) -> Vec<u64> {
        let base = self.newest_snapshot().unwrap_or(0);
        self.logs.iter().copied().filter(|g| *g >= base).collect()
    }
}

fn parse_gen(name: &str, ext: &str) -> Option<u64> {
    let digits = name.strip_prefix("emu-")?.strip_suffix(ext)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Lists a data directory.
pub fn list(dir: &Path) -> Result<Listing, PersistError> {
    let mut l = Listing::default();
    let rd = fs::read_dir(dir).map_err(|e| PersistError::io("reading directory", dir, e))?;
    for ent in rd {
        let ent = ent.map_err(|e| PersistError::io("reading directory", dir, e))?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(g) = parse_gen(name, ".snap") {
            l.snapshots.push(g);
        } else if let Some(g) = parse_gen(name, ".log") {
            l.logs.push(g);
        } else if name.starts_with(TMP_PREFIX) {
            l.temps.push(ent.path());
        }
    }
    l.snapshots.sort_unstable();
    l.logs.sort_unstable();
    Ok(l)
}

/// Fails with [`PersistError::NoSuchDir`] unless `dir` is an existing directory: the
/// commands that only read or fix a directory (`emu check`, `dump`, `compact`, `cli`) must
/// not create one from a typo.
pub fn require_dir(dir: &Path) -> Result<(), PersistError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(PersistError::NoSuchDir(dir.to_path_buf()))
    }
}

/// The directories `create_dir_all(dir)` would create, outermost first (empty when `dir`
/// exists): what to remove if the operation that needed them fails.
pub fn missing_ancestors(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| !a.exists())
        .map(Path::to_path_buf)
        .collect();
    out.reverse();
    out
}

/// fsyncs a directory so renames and creations in it are durable.
pub fn sync_dir(dir: &Path) -> Result<(), PersistError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| PersistError::io("syncing directory", dir, e))
}

/// Removes a file, ignoring "not found".
pub fn remove(path: &Path) -> Result<(), PersistError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(PersistError::io("removing", path, e)),
    }
}

/// An exclusive lock on a data directory, released on drop.
#[derive(Debug)]
pub struct DirLock {
    file: File,
}

impl DirLock {
    /// Takes the exclusive lock on `dir` (which must exist), or fails with a clear
    /// "locked by another process" error. Works between processes and between two opens in
    /// one process (each open has its own file description).
    pub fn acquire(dir: &Path) -> Result<DirLock, PersistError> {
        let path = dir.join(LOCK_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| PersistError::io("opening lock file", &path, e))?;
        if file.try_lock_exclusive().is_err() {
            let mut owner = String::new();
            let _ = file.read_to_string(&mut owner);
            let owner = owner.trim();
            return Err(PersistError::Locked {
                dir: dir.to_path_buf(),
                owner: if owner.is_empty() {
                    None
                } else {
                    Some(owner.to_string())
                },
            });
        }
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        Ok(DirLock { file })
    }

    /// Takes a shared lock (readers such as `emu dump` and read-only fixtures): fails while
    /// a writer holds the directory.
    pub fn acquire_shared(dir: &Path) -> Result<DirLock, PersistError> {
        let path = dir.join(LOCK_NAME);
        let file = match File::open(&path) {
            Ok(f) => f,
            // No lock file: nobody ever opened it for writing (e.g. a committed fixture
            // without its LOCK); nothing to lock against, and we must not write into it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return File::open(dir)
                    .map(|file| DirLock { file })
                    .map_err(|e| PersistError::io("opening", dir, e))
            }
            Err(e) => return Err(PersistError::io("opening lock file", &path, e)),
        };
        if FileExt::try_lock_shared(&file).is_err() {
            let mut owner = String::new();
            let _ = (&file).read_to_string(&mut owner);
            let owner = owner.trim();
            return Err(PersistError::Locked {
                dir: dir.to_path_buf(),
                owner: (!owner.is_empty()).then(|| owner.to_string()),
            });
        }
        Ok(DirLock { file })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = FileExt::unlock(&self.file);
    }
}

//! Durability: an append log of effects, bincode snapshots, crash recovery, fixtures and the
//! data tools behind `emu dump/load/check/compact`. The on-disk format is specified in
//! FORMAT.md at the crate root.
//!
//! * [`frame`] — file headers and CRC-framed records;
//! * [`model`] — the neutral on-disk model (type tags, canonical order) and its bincode
//!   encoding;
//! * [`snapshot`] — writing (temp file → sync → rename → fsync dir) and mapped reading;
//! * [`log`] — the append log writer with group commit and the fsync policies;
//! * [`recovery`] — opening a directory: snapshot + replay, torn-tail truncation;
//! * [`files`] — file names, listing, the directory lock;
//! * [`fixture`] — [`Fixture`]: open a recorded directory without modifying it, clock frozen;
//! * [`handle`] — [`Handle`], the persistence state attached to a [`Store`];
//! * [`durable`] — [`Durable`], a minimal thread-safe persistent store on [`crate::engine::Shared`];
//! * [`commands`] — SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE;
//! * [`tools`] — dump (jsonl/resp), load, check [--repair], compact;
//! * [`json`] — the small JSON reader/writer used by the JSON-Lines format.
//!
//! Integration: [`Handle`] is the store's [`crate::engine::Durability`]. The engine's
//! [`crate::engine::Shared`] runs a batch of commands under the store lock, then calls
//! `commit` (still under the lock), which drains the store's effect buffer into one log
//! record; it releases the lock and waits on the returned [`crate::engine::Ticket`] before
//! any reply goes out.

pub mod commands;
pub mod durable;
pub mod files;
pub mod fixture;
pub mod frame;
pub mod function_payload;
pub mod handle;
pub mod json;
pub mod log;
pub mod model;
pub mod overlay;
pub mod recovery;
pub mod scan;
pub mod snapshot;
pub mod streams;
pub mod tools;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use durable::Durable;
pub use fixture::{Fixture, FixtureClock};
pub use handle::Handle;
pub use log::{AppendFsync, FaultInjector, LogStats};
pub use recovery::{open, open_copy, open_read_only, RecordedInfo};

use crate::engine::Store;
use crate::error::{Error, ErrorKind};

/// Persistence options (the store itself — config, clock, seed — comes from a template
/// [`Store`]).
#[derive(Clone, Debug)]
pub struct Options {
    /// fsync policy (default `everysec`).
    pub fsync: AppendFsync,
    /// Compact when the log has grown past `compaction_factor` × the snapshot size
    /// (default 2.0; Redis's `auto-aof-rewrite-percentage 100` is factor 1).
    pub compaction_factor: f64,
    /// …and past this many bytes (default 4 MiB; Redis `auto-aof-rewrite-min-size`).
    /// `u64::MAX` disables automatic compaction.
    pub compaction_min_bytes: u64,
    /// Fault injection for tests.
    pub faults: Arc<FaultInjector>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fsync: AppendFsync::Everysec,
            compaction_factor: 2.0,
            compaction_min_bytes: 4 << 20,
            faults: Arc::new(FaultInjector::default()),
        }
    }
}

/// Everything that can go wrong in this module: every fallible function of `persist/`
/// returns it (frame headers have their own [`frame::HeaderError`], which only becomes an
/// error with a file name, as [`PersistError::Corrupt`]).
///
/// The variants without a position ([`PersistError::Invalid`], [`PersistError::Json`]) are
/// what the decoding layers report; the readers that know where the bytes came from place
/// them: [`PersistError::at`] in a file (→ `Corrupt`), [`PersistError::on_line`] in a dump
/// given to `emu load` (→ `Dump`).
#[derive(Debug)]
pub enum PersistError {
    /// An I/O call failed.
    Io {
        /// What was being done.
        what: String,
        /// On which file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is damaged.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first bad record (or header).
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Another process (or another open handle) holds the directory.
    Locked {
        /// The directory.
        dir: PathBuf,
        /// The pid written in its LOCK file, if readable.
        owner: Option<String>,
    },
    /// A command that reads a data directory was given one that does not exist.
    NoSuchDir(PathBuf),
    /// The log is in the failed state (an earlier write or fsync failed). Holds the text
    /// of the failure (the first one, kept by the log for every later waiter).
    Failed(String),
    /// A record or value that does not decode, or that decodes but cannot be applied: a
    /// bad bincode body, trailing bytes, an empty aggregate, a duplicate key, a database
    /// out of range, an effect the engine cannot replay. No position yet (see the enum's
    /// docs).
    Invalid(String),
    /// A JSON text (a line of a JSON-Lines dump) that does not parse, or that parses but
    /// does not have the shape FORMAT.md §8 requires.
    Json {
        /// 1-based column of a syntax error (None for shape errors).
        column: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// A dump given to `emu load` cannot be read (the input, not the directory).
    Dump {
        /// The line of a JSON-Lines dump (None for RESP input, whose reasons name the
        /// command, and for errors before the first line).
        line: Option<u64>,
        /// What is wrong.
        reason: String,
    },
    /// Anything else.
    Other(String),
}

impl PersistError {
    /// An I/O error on `path`.
    pub fn io(what: &str, path: &Path, source: std::io::Error) -> PersistError {
        PersistError::Io {
            what: what.to_string(),
            path: path.to_path_buf(),
            source,
        }
    }

    /// A record or value that does not decode or cannot be applied.
    pub fn invalid(reason: impl Into<String>) -> PersistError {
        PersistError::Invalid(reason.into())
    }

    /// A JSON shape error (no column).
    pub fn json(reason: impl Into<String>) -> PersistError {
        PersistError::Json {
            column: None,
            reason: reason.into(),
        }
    }

    /// An unreadable `emu load` input, at no particular line.
    pub fn dump(reason: impl Into<String>) -> PersistError {
        PersistError::Dump {
            line: None,
            reason: reason.into(),
        }
    }

    /// Places an error found in the record at byte `offset` of `path`: a positionless
    /// [`PersistError::Invalid`] becomes [`PersistError::Corrupt`]; any other error (an I/O
    /// failure, say) is not about the file's bytes and is returned unchanged.
    pub fn at(self, path: &Path, offset: u64) -> PersistError {
        match self {
            PersistError::Invalid(reason) => PersistError::Corrupt {
                path: path.to_path_buf(),
                offset,
                reason,
            },
            e => e,
        }
    }

    /// Places an error found while reading line `line` of a dump given to `emu load`.
    pub fn on_line(self, line: u64) -> PersistError {
        PersistError::Dump {
            line: Some(line),
            reason: self.short(),
        }
    }

    /// One-line description.
    pub fn short(&self) -> String {
        match self {
            PersistError::Io { what, path, source } => {
                format!("{what} {}: {source}", path.display())
            }
            PersistError::Corrupt {
                path,
                offset,
                reason,
            } => format!(
                "{} is damaged at byte offset {offset}: {reason}",
                path.display()
            ),
            PersistError::Locked { dir, owner } => locked_message(dir, owner.as_deref()),
            PersistError::NoSuchDir(dir) => format!("no such data directory: {}", dir.display()),
            PersistError::Failed(m) | PersistError::Invalid(m) | PersistError::Other(m) => {
                m.clone()
            }
            PersistError::Json {
                column: None,
                reason,
            } => reason.clone(),
            PersistError::Json {
                column: Some(c),
                reason,
            } => format!("{reason} at column {c}"),
            PersistError::Dump { line: None, reason } => format!("load: {reason}"),
            PersistError::Dump {
                line: Some(n),
                reason,
            } => format!("load: line {n}: {reason}"),
        }
    }
}

/// "data directory … is locked by …", naming the holder: this process (another open
/// handle), or the pid in the LOCK file with its command line where the OS shows it
/// (`/proc/PID/cmdline`), e.g. `pid 4242: emu serve --dir data`.
fn locked_message(dir: &Path, owner: Option<&str>) -> String {
    let dir = dir.display();
    let Some(pid) = owner else {
        return format!("data directory {dir} is locked by another process");
    };
    if pid == std::process::id().to_string() {
        return format!(
            "data directory {dir} is locked by another handle in this process (pid {pid}): \
             drop that handle first, or clone it instead of opening the directory twice"
        );
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|w| !w.is_empty())
                .enumerate()
                .map(|(i, w)| {
                    let w = String::from_utf8_lossy(w);
                    // The program's file name, not its full path.
                    match i {
                        0 => w.rsplit('/').next().unwrap_or(&w).to_string(),
                        _ => w.into_owned(),
                    }
                })
                .collect::<Vec<_>>()
        })
        .filter(|words| !words.is_empty());
    match cmdline {
        Some(words) => format!(
            "data directory {dir} is locked by another process (pid {pid}: {})",
            words.join(" ")
        ),
        None => format!("data directory {dir} is locked by another process (pid {pid})"),
    }
}

impl std::fmt::Display for PersistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PersistError::Corrupt { path, .. } => {
                let dir = path
                    .parent()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                write!(
                    f,
                    "{}; the store will not open until `emu check --repair {dir}` is run",
                    self.short()
                )
            }
            _ => f.write_str(&self.short()),
        }
    }
}

impl std::error::Error for PersistError {}

impl From<PersistError> for Error {
    fn from(e: PersistError) -> Error {
        match &e {
            PersistError::Failed(m) => misconf(m),
            _ => Error::new(ErrorKind::Io, e.to_string()),
        }
    }
}

/// Redis's reply when writes are refused after a failed AOF write or fsync.
pub fn misconf(detail: &str) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("MISCONF Errors writing to the AOF file: {detail}"),
    )
}

/// The persistence handle of a store opened on a data directory, if any.
pub fn handle_of(store: &Store) -> Option<std::sync::Arc<Handle>> {
    store
        .durability()
        .and_then(|d| d.clone().as_any().downcast::<Handle>().ok())
}

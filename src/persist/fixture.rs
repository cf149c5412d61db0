//! Fixtures: open a recorded data directory for a test without ever modifying it.
//!
//! Workflow: record once (run the app or a script against a directory, e.g.
//! `Redis::open("tests/fixtures/users")`), commit the directory (its `emu-*.snap` /
//! `emu-*.log` files; `LOCK` need not be committed), and open it in tests with
//! [`Fixture`]. By default the fixture is loaded into memory (changes stay in memory) and
//! the clock is frozen at the recording time — the time of the last recorded write — so
//! TTLs behave identically in every run.

use std::path::{Path, PathBuf};

use super::{recovery, Options, PersistError, RecordedInfo};
use crate::engine::Store;
use crate::keyspace::Clock;

/// Which clock a fixture runs with.
///
/// ```
/// use emu::{FixtureClock, Redis};
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1");
/// // Loaded into memory; the directory is never written; the clock frozen at 1 s past 2023-11-14.
/// let redis = Redis::builder().fixture(&dir, FixtureClock::At(1_700_000_001_000))?;
/// assert_eq!(redis.now_ms()?, 1_700_000_001_000);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FixtureClock {
    /// Frozen at the recording time (default).
    #[default]
    Recorded,
    /// Frozen at this Unix time in ms.
    At(u64),
    /// Whatever clock the template store has (e.g. the system clock).
    Template,
}

/// Options for opening a recorded directory. See the module docs.
#[derive(Clone, Debug)]
pub struct Fixture {
    dir: PathBuf,
    clock: FixtureClock,
    copy: Option<Options>,
}

impl Fixture {
    /// A fixture of the recorded directory `dir`.
    pub fn new(dir: impl AsRef<Path>) -> Fixture {
        Fixture {
            dir: dir.as_ref().to_path_buf(),
            clock: FixtureClock::Recorded,
            copy: None,
        }
    }

    /// Chooses the clock.
    pub fn clock(mut self, c: FixtureClock) -> Fixture {
        self.clock = c;
        self
    }

    /// Instead of loading into memory, copy the directory into a temporary one and open
    /// the copy with persistence (writes are logged there; the copy is deleted when the
    /// store is dropped). Useful to test code that reopens its store.
    pub fn copy_on_open(mut self, opts: Options) -> Fixture {
        self.copy = Some(opts);
        self
    }

    /// Opens the fixture into `template` (config, seed). Returns the store and what the
    /// directory recorded.
    pub fn open(self, template: Store) -> Result<(Store, RecordedInfo), PersistError> {
        let (mut store, info) = match self.copy {
            None => recovery::open_read_only(&self.dir, template)?,
            Some(opts) => recovery::open_copy(&self.dir, opts, template)?,
        };
        match self.clock {
            FixtureClock::Recorded => store.clock = Clock::Manual(info.recorded_at_ms),
            FixtureClock::At(ms) => store.clock = Clock::Manual(ms),
            FixtureClock::Template => {}
        }
        Ok((store, info))
    }
}

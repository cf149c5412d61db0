//! [`Durable`]: a minimal thread-safe persistent store (a [`Shared`] store and one
//! command per call) for tools, tests and benchmarks that need no typed API.

use std::path::Path;

use super::{recovery, Options, PersistError, RecordedInfo};
use crate::engine::Store;
use crate::engine::{self, Session, Shared};
use crate::error::Result;
use crate::value::Value;

/// A persistent store usable from many threads (each call is one command of one shared
/// session on database `db` given per call).
pub struct Durable {
    store: Shared,
}

impl Durable {
    /// Opens (creating) `dir` with `opts`; `template` supplies config, clock and seed.
    pub fn open(
        dir: &Path,
        opts: Options,
        template: Store,
    ) -> std::result::Result<Durable, PersistError> {
        Ok(Durable {
            store: Shared::new(recovery::open(dir, opts, template)?),
        })
    }

    /// Opens a copy of `dir` in a temporary directory (fixtures): the recorded files are
    /// never modified.
    pub fn open_copy(
        dir: &Path,
        opts: Options,
        template: Store,
    ) -> std::result::Result<(Durable, RecordedInfo), PersistError> {
        let (s, info) = recovery::open_copy(dir, opts, template)?;
        Ok((
            Durable {
                store: Shared::new(s),
            },
            info,
        ))
    }

    /// Wraps an already opened store (with or without persistence).
    pub fn from_store(store: Store) -> Durable {
        Durable {
            store: Shared::new(store),
        }
    }

    /// Runs one command on database `db` (RESP3 session) and waits for durability as the
    /// fsync policy requires: its effects are written to the log file (reach the kernel)
    /// before it returns, and under `always` also fsynced.
    pub fn execute_in(&self, db: usize, argv: &[&[u8]]) -> Result<Value> {
        let mut session = Session {
            db,
            resp: 3,
            ..Session::default()
        };
        self.store
            .run(|store| engine::execute(store, &mut session, argv))?
    }

    /// [`Durable::execute_in`] on database 0.
    pub fn execute(&self, argv: &[&[u8]]) -> Result<Value> {
        self.execute_in(0, argv)
    }

    /// Runs `f` with exclusive access to the store.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store.lock())
    }

    /// Consumes the wrapper, returning the store (dropping it closes the directory).
    pub fn into_store(self) -> Store {
        self.store.into_inner()
    }
}

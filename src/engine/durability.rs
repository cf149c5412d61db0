//! The durability hook: how a store with persistence (`crate::persist::Handle`) is told about
//! each batch of commands, without the engine knowing what a log is.

use std::any::Any;
use std::sync::Arc;

use crate::engine::Store;
use crate::error::{Error, Result};

/// Persistence attached to a [`Store`] ([`Store::attach_durability`]).
pub trait Durability: Send + Sync + std::fmt::Debug {
    /// Called under the store lock after every batch of commands: takes the batch's effects
    /// from the store's effect buffer. The returned ticket is waited on after the lock is
    /// released, before any reply of the batch is sent. The hook is lent to the call:
    /// `store.durability()` is `None` until it returns.
    fn commit(&self, store: &mut Store) -> Ticket;

    /// The error write commands get now (MISCONF after a failed write or fsync), if any.
    fn deny_writes(&self) -> Option<Error>;

    /// Unix seconds of the last successful save (LASTSAVE, INFO persistence).
    fn last_save(&self) -> u64;

    /// The store's timer tick (Redis's serverCron): save points (`save`), compactions
    /// scheduled behind a running one.
    fn cron(&self, _store: &mut Store) {}

    /// True while the last save failed: with save points and `stop-writes-on-bgsave-error`
    /// writes are refused ([`Store::deny_writes`]).
    fn save_failed(&self) -> bool {
        false
    }

    /// INFO persistence's compaction figures.
    fn bg_report(&self) -> BgReport {
        BgReport::default()
    }

    /// INFO's `rdb_changes_since_last_save`, given the store's `dirty` counter.
    fn changes_since_save(&self, dirty: u64) -> u64 {
        dirty
    }

    /// The concrete type, for the persistence commands and `Redis::persistence`.
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// Redis's MISCONF error for writes after a failed save (`stop-writes-on-bgsave-error`).
pub fn bgsave_misconf() -> Error {
    Error::new(
        crate::error::ErrorKind::Io,
        "MISCONF Redis is configured to save RDB snapshots, but it is currently not able to \
         persist on disk. Commands that may modify the data set are disabled, because this \
         instance is configured to report errors during writes if RDB snapshotting fails \
         (stop-writes-on-bgsave-error option). Please check the Redis logs for details about \
         the RDB error.",
    )
}

/// The `rdb_*` / `aof_*` figures of INFO persistence that describe compactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BgReport {
    /// `rdb_bgsave_in_progress`, `aof_rewrite_in_progress`.
    pub save_in_progress: bool,
    pub rewrite_in_progress: bool,
    /// `aof_rewrite_scheduled`.
    pub rewrite_scheduled: bool,
    /// `rdb_saves`: SAVEs and BGSAVEs started.
    pub saves: u64,
    /// `rdb_last_bgsave_status` is `ok`.
    pub last_save_ok: bool,
    /// `rdb_last_bgsave_time_sec`, `rdb_current_bgsave_time_sec` (-1: none).
    pub last_save_secs: i64,
    pub current_save_secs: i64,
    /// `aof_rewrites`, `aof_rewrites_consecutive_failures`.
    pub rewrites: u64,
    pub rewrite_failures_in_a_row: u64,
    /// `aof_last_bgrewrite_status` is `ok`.
    pub last_rewrite_ok: bool,
    /// `aof_last_rewrite_time_sec`, `aof_current_rewrite_time_sec` (-1: none).
    pub last_rewrite_secs: i64,
    pub current_rewrite_secs: i64,
}

impl Default for BgReport {
    fn default() -> Self {
        BgReport {
            save_in_progress: false,
            rewrite_in_progress: false,
            rewrite_scheduled: false,
            saves: 0,
            last_save_ok: true,
            last_save_secs: -1,
            current_save_secs: -1,
            rewrites: 0,
            rewrite_failures_in_a_row: 0,
            last_rewrite_ok: true,
            last_rewrite_secs: -1,
            current_rewrite_secs: -1,
        }
    }
}

/// What a committed batch waits on before its replies go out (an fsync under
/// `appendfsync always`); usually nothing.
#[must_use = "wait on the ticket after releasing the store lock"]
pub struct Ticket(Option<Box<dyn FnOnce() -> Result<()> + Send>>);

impl Ticket {
    /// Nothing to wait for.
    #[inline]
    pub fn none() -> Ticket {
        Ticket(None)
    }

    /// Waits by running `f` (which fails if the batch is not durable).
    pub fn new(f: impl FnOnce() -> Result<()> + Send + 'static) -> Ticket {
        Ticket(Some(Box::new(f)))
    }

    /// Blocks until the batch is durable as the policy requires; `Err` means it may not
    /// survive a crash and must not be acknowledged.
    #[inline]
    pub fn wait(self) -> Result<()> {
        match self.0 {
            Some(f) => f(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::keyspace::Clock;

    /// A hook whose commit checks it was lent out of the store, then panics if asked to.
    #[derive(Debug)]
    struct Hook {
        panic: bool,
    }

    impl Durability for Hook {
        fn commit(&self, store: &mut Store) -> Ticket {
            assert!(
                store.durability().is_none(),
                "the hook is lent to its commit"
            );
            if self.panic {
                panic!("commit unwinds");
            }
            Ticket::none()
        }

        fn deny_writes(&self) -> Option<Error> {
            None
        }

        fn last_save(&self) -> u64 {
            0
        }

        fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
            self
        }
    }

    #[test]
    fn the_hook_is_back_after_a_commit_even_one_that_unwinds() {
        for panic in [false, true] {
            let mut store = Store::new(Config::default(), Clock::System, 0);
            let hook = Arc::new(Hook { panic });
            store.attach_durability(hook.clone());
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                store.commit_durable().wait()
            }));
            assert_eq!(r.is_err(), panic);
            let back = store.durability().expect("hook attached");
            assert!(Arc::ptr_eq(
                &back.clone().as_any(),
                &(hook.clone() as Arc<dyn Durability>).as_any()
            ));
            // The store and this test hold it (plus `back`'s clone, dropped above): no
            // reference was leaked or lost.
            assert_eq!(Arc::strong_count(&hook), 2);
        }
    }
}

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

    /// The concrete type, for the persistence commands and `Redis::persistence`.
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
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

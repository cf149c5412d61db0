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
    /// released, before any reply of the batch is sent.
    fn commit(&self, store: &mut Store) -> Ticket;

    /// The error write commands get now (MISCONF after a failed write or fsync), if any.
    fn deny_writes(&self) -> Option<Error>;

    /// Unix seconds of the last successful save (LASTSAVE, INFO persistence).
    fn last_save(&self) -> u64;

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

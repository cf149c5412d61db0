//! The command engine: the command table's types, the one dispatch path every front end
//! goes through, the handler context, and the store with its private parts.
//!
//! * [`spec`] — `CommandSpec`, flags, the merged `Table` (built by [`crate::commands`]).
//! * [`dispatch`] — [`execute`] (lookup → arity → auth → queueing → handler → effects →
//!   wake-ups) and [`Shared`] (lock → run → commit → unlock → wait for durability).
//! * [`busy`] — a script running past `busy-reply-threshold` (`-BUSY`, SCRIPT KILL).
//! * [`ctx`] — `Ctx`, the only way handlers reach the keyspace.
//! * [`session`] — per-client state; [`store`] — the shared state; [`effects`] — the
//!   effect buffer (the only writer of FORMAT.md's effect records); [`watch`] — the WATCH
//!   table; [`durability`] — the hook persistence plugs into; [`cron`] — the timer that
//!   reclaims expired keys on idle stores (Redis's `activeExpireCycle`); [`evict`] —
//!   `maxmemory`: LRU/LFU bookkeeping, eviction and the OOM refusal; [`memory`] —
//!   `used_memory` as Redis reports it, in parts; [`observe`] — what
//!   the dispatcher records per command (INFO commandstats, SLOWLOG, LATENCY, MONITOR);
//!   [`repl`] — replication, master side: effects rendered as the replication stream.
//!
//! The engine imports only the rooms below it (`keyspace`, `types`' values, `util`,
//! `error`, `value`) — see the crate's `# Layout` for the known exceptions.

pub mod busy;
pub mod cron;
pub mod ctx;
pub mod dispatch;
pub mod durability;
pub mod effects;
pub mod evict;
pub mod memory;
pub mod observe;
pub mod repl;
pub mod session;
pub mod spec;
pub mod store;
pub mod watch;

/// The ACL room's check context and refusal, for the features that run commands (EXEC,
/// scripts) through [`acl_check`].
pub use crate::acl::{noauth, Context as AclContext, Denial as AclDenial};
/// The reply marker of commands whose output went to the client's Pub/Sub mailbox (front
/// ends send nothing for it), for the features that run commands (EXEC).
pub use crate::pubsub::{is_no_reply, no_reply};
pub use ctx::{BulkArray, Ctx};
pub use dispatch::{
    acl_allows, acl_check, auth_required, begin_transaction, call, command_crosses_slots,
    cross_slot_error, discard_transaction, execute, execute_while_busy, may_write, pause_applies,
    reject, unrestricted_key_access, Batch, Shared,
};
pub use durability::{BgReport, Durability, Ticket};
pub use effects::Effect;
pub use session::{next_client_id, Queue, Session, TxState, UserRef};
pub use spec::{flags, sanitize, unknown_command, CommandSpec, Handler, KeysFn, Table};
pub use store::{ClusterNode, Extension, Libraries, ReloadOptions, Services, Store};
pub use watch::WatchGuard;

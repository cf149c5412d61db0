//! `Session`: the state of one client (connection or handle) that the dispatcher and the
//! connection commands read and write. Never shared between clients.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::engine::watch::WatchGuard;
use crate::engine::CommandSpec;

static NEXT_CLIENT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh client id, unique in the process (embedded handles and connections alike, so
/// WATCH bookkeeping keyed by id never mixes two clients).
pub fn next_client_id() -> u64 {
    NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Per-connection state. Never shared between connections.
#[derive(Clone, Debug)]
pub struct Session {
    /// Client id (CLIENT ID).
    pub id: u64,
    /// Selected database.
    pub db: usize,
    /// Protocol version: 2 or 3.
    pub resp: u8,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// False until AUTH succeeds when a password is required (Redis `c->authenticated`).
    pub authenticated: bool,
    /// The ACL user this client runs as; `None` is `default` (see [`crate::acl`]).
    pub user: Option<UserRef>,
    /// Set by QUIT (or CLIENT KILL of oneself): the front end closes the connection after
    /// sending this command's reply.
    pub close_after_reply: bool,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// The network connection this session belongs to, when served by `emu serve`: gives
    /// CLIENT LIST / KILL / INFO access to the server's client registry and statistics.
    pub link: Option<crate::admin::Link>,
    /// The client talks to a read-only replica (a Sentinel `slave_for` handle): write
    /// commands fail with `READONLY` (checked by [`crate::engine::execute`]).
    pub read_only: bool,
    /// True while EXEC runs the queued commands: blocking commands never block then.
    pub in_multi: bool,
    /// MULTI queue and WATCH guard (see [`crate::tx`]).
    pub tx: TxState,
    /// Set by a blocking command that could not be served: the front end blocks the
    /// client on these keys (see `crate::blocking`). Cleared before every command.
    pub block: Option<crate::blocking::BlockRequest>,
    /// Set by the dispatcher when CLIENT PAUSE postpones this client's command: the front
    /// end waits until then (see `crate::blocking::Registry::postpone`) and runs the
    /// command again. Only for sessions whose front end can wait ([`Session::postponable`]).
    pub postpone: Option<std::time::Instant>,
    /// True while the front end can wait for a CLIENT PAUSE to end (a server connection,
    /// the embedded handle's single commands); pipelines holding the store and internal
    /// callers run through a pause.
    pub postponable: bool,
    /// CLIENT REPLY OFF: no replies until CLIENT REPLY ON.
    pub reply_off: bool,
    /// CLIENT REPLY SKIP was the previous command: this command's reply is dropped.
    pub reply_skip: bool,
    /// Set by CLIENT REPLY SKIP while it runs (Redis `CLIENT_REPLY_SKIP_NEXT`).
    pub reply_skip_next: bool,
    /// In MONITOR mode (see `crate::admin::monitor`): commands that read or write keys
    /// are refused, as Redis refuses them to a replica.
    pub monitor: bool,
    /// The last command the dispatcher looked up for this client (CLIENT LIST `cmd=`).
    pub last_command: Option<&'static CommandSpec>,
    /// Pub/Sub mailbox of this client (created by the front end, or on first SUBSCRIBE).
    pub pubsub: Option<std::sync::Arc<crate::pubsub::Mailbox>>,
    /// The replication offset right after this client's last command that fed the
    /// stream (Redis `c->woff`, what WAIT waits for).
    pub woff: u64,
    /// Set by REPLCONF (and SYNC/PSYNC): this connection is, or is becoming, a replica;
    /// after SYNC/PSYNC the front end hands the connection over to the stream.
    pub replica: Option<Arc<crate::engine::repl::ReplicaLink>>,
}

impl Session {
    /// After a command: true if its reply must be dropped (CLIENT REPLY OFF, or SKIP
    /// before it); then moves a fresh SKIP on to the next command (Redis `resetClient`).
    pub fn reply_suppressed(&mut self) -> bool {
        let suppressed = self.reply_off || self.reply_skip;
        self.reply_skip = std::mem::take(&mut self.reply_skip_next);
        suppressed
    }

    /// Whether this client may perform a protected action (DEBUG, CONFIG SET of a
    /// protected parameter) under `setting` (Redis `allowProtectedAction`): `yes` for
    /// everyone, `local` for connections over a Unix socket or from `127.0.0.1` / `::1`,
    /// `no` for no connection.
    ///
    /// Embedded callers are always allowed, whatever the setting: sessions without a network
    /// connection (no `link`) — the typed API, `cmd`/`execute`, pipelines and transactions
    /// of a [`crate::Redis`] handle, the in-process redis-rs adapter. These settings protect
    /// a server from its network clients; an embedded caller runs in the process that owns
    /// the store and can reach it through the API anyway.
    pub fn allows(&self, setting: crate::config::ProtectedAction) -> bool {
        use crate::config::ProtectedAction;
        match &self.link {
            None => true,
            Some(link) => match setting {
                ProtectedAction::Yes => true,
                ProtectedAction::Local => link.me.is_local(),
                ProtectedAction::No => false,
            },
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Session {
            id: 0,
            db: 0,
            resp: 2,
            name: None,
            authenticated: true,
            user: None,
            close_after_reply: false,
            no_evict: false,
            link: None,
            read_only: false,
            in_multi: false,
            tx: Default::default(),
            block: None,
            postpone: None,
            postponable: false,
            reply_off: false,
            reply_skip: false,
            reply_skip_next: false,
            monitor: false,
            last_command: None,
            pubsub: None,
            woff: 0,
            replica: None,
        }
    }
}

/// The ACL user a session is authenticated as: its name, and the identity the ACL room gave
/// that user object (a deleted and recreated user is a different one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRef {
    /// User name.
    pub name: Arc<[u8]>,
    /// Identity of the user object.
    pub uid: u64,
}

/// The queue of a session in MULTI.
#[derive(Clone, Default)]
pub struct Queue {
    /// Queued commands (spec, argv).
    pub commands: Vec<(&'static CommandSpec, Vec<Vec<u8>>)>,
    /// A command was rejected while queueing (Redis `CLIENT_DIRTY_EXEC`).
    pub dirty_exec: bool,
    /// Bytes of the queued arguments and their vectors (CLIENT LIST `multi-mem`, client
    /// eviction).
    pub argv_bytes: usize,
}

impl Queue {
    /// Queues a command.
    pub fn push(&mut self, spec: &'static CommandSpec, argv: &[&[u8]]) {
        self.argv_bytes += argv
            .iter()
            .map(|a| a.len() + std::mem::size_of::<Vec<u8>>())
            .sum::<usize>();
        self.commands
            .push((spec, argv.iter().map(|a| a.to_vec()).collect()));
    }

    /// Memory the queue holds, as Redis's `multiStateMemOverhead` counts it: the
    /// arguments, plus a command slot per queued command.
    pub fn memory(&self) -> usize {
        self.argv_bytes
            + self.commands.capacity() * std::mem::size_of::<(&CommandSpec, Vec<Vec<u8>>)>()
    }
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("commands", &self.commands.len())
            .field("dirty_exec", &self.dirty_exec)
            .finish()
    }
}

/// Per-session transaction state.
#[derive(Clone, Debug, Default)]
pub struct TxState {
    /// Some while the session is in MULTI.
    pub multi: Option<Queue>,
    /// Present once the session has watched a key (see [`WatchGuard`]).
    pub guard: Option<Arc<WatchGuard>>,
    /// What the store keeps for this session besides its buffers, as of its last command:
    /// watched keys and BCAST tracking prefixes, as Redis's `getClientMemoryUsage` counts
    /// them (part of its client memory, see `Store::session_bookkeeping`).
    pub bookkeeping: usize,
}

//! Replication, master side: the replication stream, its backlog and the replica links
//! (Redis `replication.c`'s `replicationFeedSlaves`, `server.c`'s `propagatePendingCommands`).
//!
//! The stream is the store's write effects ([`crate::engine::effects`], FORMAT.md §6)
//! rendered as RESP commands, one *execution unit* at a time: everything a top-level
//! command recorded (EXEC's queue, a script's writes, SPOP's SREMs, blocked clients it
//! served) is one unit, wrapped in `MULTI` … `EXEC` when it holds more than one command, as
//! Redis 7.0 wraps `server.also_propagate`. A `SELECT` goes before a command whose db is not
//! the one the stream last selected (Redis `server.slaveseldb`), and after every full
//! resynchronisation the next command selects again. Keys expired by a command's lookup or
//! by the active cycle are their own units (`DEL key`), as Redis propagates them at once.
//!
//! Nothing is rendered until a replica first attaches (Redis creates the backlog then); from
//! then on every unit goes to the backlog (`repl-backlog-size`, for partial resyncs) and to
//! each replica's link buffer, which the link's front end (the `emu serve` connection task)
//! drains to the socket. A replica whose buffer passes `client-output-buffer-limit replica`
//! is dropped, so a slow replica never blocks the server.
//!
//! Once a second the server's timer runs [`Master::cron`] (Redis `replicationCron`):
//! `repl-timeout` drops silent replicas, `repl-backlog-ttl` frees the backlog of a master
//! left without replicas (recording stops, a later replica starts a new history), and
//! delayed disk-less full resyncs start together. [`Master::good_replicas`] is what
//! `min-replicas-to-write` counts.
//!
//! The SYNC/PSYNC/REPLCONF handlers (and the RDB of the full resync) live in
//! `crate::rdb::master`; ROLE, WAIT and INFO replication in `crate::admin`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use crate::config::{Config, ObufReached};
use crate::engine::effects::Effect;

/// The pseudo-key WAIT blocks on (in the client's db; no command can name it since it
/// is only ever signalled by [`Master::signal_acks`]).
pub const WAIT_KEY: &[u8] = b"\0replica-ack";

/// Appends `argv` as a RESP array of bulk strings.
pub fn render<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    out.push(b'*');
    out.extend_from_slice(argv.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// An effect as Redis 7.0 understands it: emu's log-only `SEENTIME t` (a consumer's
/// seen-time, which emu's replay restores without the clock; see
/// `crate::types::stream`'s group module) is left out of `XCLAIM` and
/// `XGROUP CREATECONSUMER`, which a 7.0 replica would refuse with it.
fn wire_argv(argv: &[Vec<u8>]) -> &[Vec<u8>] {
    let n = argv.len();
    let stream_cmd =
        |a: &[u8]| a.eq_ignore_ascii_case(b"XCLAIM") || a.eq_ignore_ascii_case(b"XGROUP");
    if n >= 4 && stream_cmd(&argv[0]) && argv[n - 2].eq_ignore_ascii_case(b"SEENTIME") {
        &argv[..n - 2]
    } else {
        argv
    }
}

/// Where a replica link stands (INFO replication `state=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// REPLCONF seen, no SYNC/PSYNC yet.
    Handshake,
    /// A disk-less full resync waits `repl-diskless-sync-delay` for more replicas to share
    /// its RDB (`wait_bgsave`; Redis `SLAVE_STATE_WAIT_BGSAVE_START`). Nothing but
    /// keepalive newlines is sent yet, not even the `+FULLRESYNC` reply, and the stream is
    /// not queued.
    WaitStart,
    /// The RDB of the full resync is being produced (`wait_bgsave`).
    WaitBgsave,
    /// The RDB is being sent (`send_bulk`).
    SendBulk,
    /// Streaming (`online`).
    Online,
}

impl Phase {
    /// INFO's name of the phase.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Handshake => "handshake",
            Phase::WaitStart | Phase::WaitBgsave => "wait_bgsave",
            Phase::SendBulk => "send_bulk",
            Phase::Online => "online",
        }
    }
}

/// The mutable part of a [`ReplicaLink`].
pub struct LinkState {
    /// Where the link stands.
    pub phase: Phase,
    /// REPLCONF listening-port.
    pub listening_port: u16,
    /// REPLCONF ip-address.
    pub announced_ip: Option<String>,
    /// REPLCONF capa eof: the RDB may be sent disk-less (`$EOF:<mark>`).
    pub capa_eof: bool,
    /// REPLCONF capa psync2.
    pub capa_psync2: bool,
    /// Attached with SYNC (Redis `CLIENT_PRE_PSYNC`): an old-protocol replica that sends no
    /// ACKs, so `repl-timeout` never drops it while streaming.
    pub pre_psync: bool,
    /// Attached with PSYNC: the full resync starts with `+FULLRESYNC <replid> <offset>`.
    pub psync: bool,
    /// When SYNC/PSYNC arrived (the wait for `repl-diskless-sync-delay` counts from here).
    pub since: Instant,
    /// When the front end last wrote bytes of the RDB transfer (`repl-timeout` drops a
    /// replica whose transfer stalls that long).
    pub last_write: Instant,
    /// The last REPLCONF ACK offset.
    pub ack_offset: u64,
    /// When the last REPLCONF ACK arrived (INFO `lag`).
    pub ack_time: Instant,
    /// What goes out first: the PSYNC reply, then the RDB transfer's framing once ready.
    pub head: Vec<u8>,
    /// The RDB payload, shared by every replica of its transfer (sent after `head`).
    rdb: Option<Arc<[u8]>>,
    /// After the RDB payload: the `$EOF:` mark of a disk-less transfer.
    rdb_tail: Vec<u8>,
    /// False until the RDB is in `head` (the stream waits behind it).
    pub rdb_ready: bool,
    /// A disk-less (`$EOF:`) transfer: the stream starts at the replica's first ACK (Redis
    /// `repl_start_cmd_stream_on_ack`), since a replica reading the RDB up to the end mark
    /// may read past it and miss the mark if stream bytes follow at once.
    pub stream_on_ack: bool,
    /// Stream bytes not yet taken by the front end.
    pub buf: Vec<u8>,
    /// Dropped (output limit, error, server gone): the front end closes the connection.
    pub closed: Option<String>,
    /// Since when `buf` has been over the soft limit.
    soft_since: Option<Instant>,
    /// Wakes the front end when bytes are queued or the link is closed.
    waker: Option<Box<dyn Fn() + Send + Sync>>,
}

/// One replica connection as the master sees it.
pub struct ReplicaLink {
    /// Client id of the connection.
    pub id: u64,
    /// Peer IP address (INFO `ip=`).
    pub ip: String,
    state: Mutex<LinkState>,
}

impl std::fmt::Debug for ReplicaLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaLink")
            .field("id", &self.id)
            .field("ip", &self.ip)
            .finish()
    }
}

impl ReplicaLink {
    /// A link in the handshake phase.
    pub fn new(id: u64, ip: String) -> ReplicaLink {
        ReplicaLink {
            id,
            ip,
            state: Mutex::new(LinkState {
                phase: Phase::Handshake,
                listening_port: 0,
                announced_ip: None,
                capa_eof: false,
                capa_psync2: false,
                pre_psync: false,
                psync: false,
                since: Instant::now(),
                last_write: Instant::now(),
                ack_offset: 0,
                ack_time: Instant::now(),
                head: Vec::new(),
                rdb: None,
                rdb_tail: Vec::new(),
                rdb_ready: false,
                stream_on_ack: false,
                buf: Vec::new(),
                closed: None,
                soft_since: None,
                waker: None,
            }),
        }
    }

    /// The link's state, locked (short critical sections only: the store lock may be held).
    pub fn state(&self) -> parking_lot::MutexGuard<'_, LinkState> {
        self.state.lock()
    }

    /// Installs the front end's wake-up and wakes it once (something may already wait).
    pub fn set_waker(&self, w: Box<dyn Fn() + Send + Sync>) {
        let mut st = self.state.lock();
        w();
        st.waker = Some(w);
    }

    /// Queues the RDB transfer (after the PSYNC reply already in `head`): its framing
    /// `head`, the payload (shared with the other replicas of the transfer, not copied),
    /// and `tail` (a disk-less transfer's end mark); the stream follows.
    pub fn rdb_done(&self, transfer: Result<Transfer<'_>, String>) {
        let mut st = self.state.lock();
        match transfer {
            Ok((head, rdb, tail)) => {
                st.head.extend_from_slice(head);
                st.rdb = Some(rdb.clone());
                st.rdb_tail = tail.to_vec();
                st.rdb_ready = true;
                st.phase = Phase::SendBulk;
                st.last_write = Instant::now();
            }
            Err(e) => st.closed = Some(e),
        }
        wake(&st);
    }

    /// A newline while the replica waits for its RDB (Redis's once-a-second keepalive to
    /// replicas waiting for a BGSAVE; a replica reads it as "still preparing").
    pub fn keepalive(&self) {
        let mut st = self.state.lock();
        if st.closed.is_none() && matches!(st.phase, Phase::WaitStart | Phase::WaitBgsave) {
            st.head.push(b'\n');
            wake(&st);
        }
    }

    /// Wakes the front end (something was queued in `head`).
    pub fn wake(&self) {
        wake(&self.state.lock());
    }

    /// Drops the link: its front end closes the connection.
    pub fn close(&self, why: &str) {
        let mut st = self.state.lock();
        if st.closed.is_none() {
            st.closed = Some(why.to_string());
        }
        wake(&st);
    }

    /// True once SYNC/PSYNC made this connection a replica: its front end stops running
    /// requests and sends the stream.
    pub fn is_attached(&self) -> bool {
        self.state.lock().phase != Phase::Handshake
    }

    /// True once dropped.
    pub fn is_closed(&self) -> bool {
        self.state.lock().closed.is_some()
    }

    /// What the front end sends next: the head (reply and RDB framing) first, the RDB
    /// payload (shared), its end mark, then, once the RDB is out, the stream. `Err` when
    /// the link was dropped.
    pub fn take_output(&self) -> Result<Output, String> {
        let mut st = self.state.lock();
        if let Some(why) = &st.closed {
            return Err(why.clone());
        }
        if !st.head.is_empty() {
            return Ok(Output::Owned(std::mem::take(&mut st.head)));
        }
        if let Some(rdb) = st.rdb.take() {
            return Ok(Output::Shared(rdb));
        }
        let mut out = std::mem::take(&mut st.rdb_tail);
        if st.rdb_ready {
            if st.phase == Phase::SendBulk && out.is_empty() {
                st.phase = Phase::Online;
                // Redis `putSlaveOnline`: the ACK clock starts now (no false timeout).
                st.ack_time = Instant::now();
            }
            if st.phase == Phase::Online && !st.stream_on_ack {
                if out.is_empty() {
                    out = std::mem::take(&mut st.buf);
                } else {
                    out.append(&mut st.buf);
                }
            }
        }
        Ok(Output::Owned(out))
    }

    /// The front end wrote bytes to the replica (a stalled RDB transfer times out).
    pub fn wrote(&self) {
        self.state.lock().last_write = Instant::now();
    }

    /// Records a REPLCONF ACK.
    pub fn ack(&self, offset: u64) {
        let mut st = self.state.lock();
        st.ack_offset = st.ack_offset.max(offset);
        st.ack_time = Instant::now();
        if st.stream_on_ack && st.phase == Phase::Online {
            st.stream_on_ack = false;
            wake(&st);
        }
    }

    /// Queues stream bytes, dropping the link past `client-output-buffer-limit replica`.
    fn push(&self, bytes: &[u8], cfg: &Config) {
        let mut st = self.state.lock();
        if st.closed.is_some() || matches!(st.phase, Phase::Handshake | Phase::WaitStart) {
            // Redis feeds no replica in WAIT_BGSAVE_START: its stream starts at the offset
            // of the RDB it will get.
            return;
        }
        st.buf.extend_from_slice(bytes);
        let used = st.buf.len() as u64;
        let st = &mut *st;
        match cfg
            .client_output_buffer_limit
            .replica
            .reached(used, &mut st.soft_since)
        {
            Some(ObufReached::Hard) => {
                st.closed = Some("client-output-buffer-limit replica (hard)".into())
            }
            Some(ObufReached::Soft) => {
                st.closed = Some("client-output-buffer-limit replica (soft)".into())
            }
            None => {}
        }
        if st.closed.is_some() {
            st.buf = Vec::new();
        }
        wake(st);
    }
}

/// An RDB transfer for [`ReplicaLink::rdb_done`]: framing head, payload, tail.
pub type Transfer<'a> = (&'a [u8], &'a Arc<[u8]>, &'a [u8]);

/// Bytes for a replica's front end to send: its own, or an RDB payload shared by every
/// replica of one transfer.
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    /// Bytes of this link only.
    Owned(Vec<u8>),
    /// An RDB payload that other links send too.
    Shared(Arc<[u8]>),
}

impl Output {
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Output::Owned(v) => v,
            Output::Shared(a) => a,
        }
    }

    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }
}

/// A full resync's RDB being produced for a disk-based transfer (`$<length>` framing):
/// a replica that attaches meanwhile joins it (Redis attaches a replica to a BGSAVE in
/// progress: `syncCommand`'s "Waiting for end of BGSAVE for SYNC"), getting the same
/// `+FULLRESYNC` offset, a copy of the stream queued since, and the same RDB.
pub struct DiskTransfer {
    /// Replication id and offset of the transfer's `+FULLRESYNC`.
    pub replid: String,
    /// The offset the RDB was taken at.
    pub offset: u64,
    /// The replicas to deliver to; `None` once delivered (too late to join).
    links: Mutex<Option<Vec<Arc<ReplicaLink>>>>,
}

impl DiskTransfer {
    /// A transfer for `links` at `offset`.
    pub fn new(replid: String, offset: u64, links: Vec<Arc<ReplicaLink>>) -> DiskTransfer {
        DiskTransfer {
            replid,
            offset,
            links: Mutex::new(Some(links)),
        }
    }

    /// Joins `link` (a replica starting a disk-based full resync) to this transfer if it
    /// is still being produced and one of its replicas still waits with its stream intact;
    /// called under the store lock, so no stream bytes are queued meanwhile. True if
    /// joined: the link got its `+FULLRESYNC` (PSYNC) and the stream queued since.
    pub fn join(&self, link: &Arc<ReplicaLink>) -> bool {
        let mut links = self.links.lock();
        let Some(list) = links.as_mut() else {
            return false;
        };
        let Some(buf) = list.iter().find_map(|l| {
            let st = l.state();
            (st.closed.is_none() && st.phase == Phase::WaitBgsave).then(|| st.buf.clone())
        }) else {
            return false;
        };
        let mut st = link.state();
        st.phase = Phase::WaitBgsave;
        if st.psync {
            st.head = format!("+FULLRESYNC {} {}\r\n", self.replid, self.offset).into_bytes();
        }
        st.stream_on_ack = false;
        st.buf = buf;
        wake(&st);
        drop(st);
        list.push(link.clone());
        true
    }

    /// The replicas to deliver the RDB to; from now on nobody joins.
    pub fn close(&self) -> Vec<Arc<ReplicaLink>> {
        self.links.lock().take().unwrap_or_default()
    }
}

fn wake(st: &LinkState) {
    if let Some(w) = &st.waker {
        w();
    }
}

/// The master's replication state in the store.
#[derive(Default)]
pub struct Master {
    /// Replication id (set when the backlog is created).
    pub replid: String,
    /// `master_repl_offset`: bytes of stream produced so far.
    pub offset: u64,
    backlog: Option<Backlog>,
    /// The db the stream last selected (`None`: the next command selects).
    seldb: Option<usize>,
    /// Replicas that sent SYNC/PSYNC.
    pub replicas: Vec<Arc<ReplicaLink>>,
    /// The disk-based full resync being produced, which a replica attaching now joins.
    pub disk_transfer: Option<Arc<DiskTransfer>>,
    /// Calls of [`Master::cron`] so far (Redis's `replication_cron_loops`): a PING goes
    /// into the stream when it is a multiple of `repl-ping-replica-period`.
    pub cron_loops: u64,
    /// WAIT asked for acknowledgements: a `REPLCONF GETACK *` goes out at the end of the
    /// batch (once, however many WAITs).
    pub getack_pending: bool,
    /// Since when no replica is attached (Redis `repl_no_slaves_since`): the backlog is
    /// freed `repl-backlog-ttl` seconds later.
    no_replicas_since: Option<Instant>,
    /// Whether the store recorded effects before the backlog was created (it records them
    /// while the backlog lives, and goes back to this when it is freed).
    pub recorded_before: bool,
    /// The replica side: the master this store follows (REPLICAOF), `None` for a master.
    pub follow: Option<Follow>,
    /// Redis `slaveKeysWithExpire`: keys with a TTL that this store's own clients wrote
    /// while it was a writable replica (`replica-read-only no`). Its master never sends
    /// their expiry, so the timer reclaims them (`Store::expire_replica_writes`).
    pub replica_writes_with_ttl: std::collections::BTreeSet<(usize, Vec<u8>)>,
    /// Where the timer's walk of [`Master::replica_writes_with_ttl`] resumes (the last key
    /// it looked at; `None`: from the start).
    pub replica_writes_cursor: Option<(usize, Vec<u8>)>,
    /// Bumped at every change of [`Master::follow`]'s target, so the server's link
    /// supervisor (which reads it without the store lock) knows to (re)connect or stop.
    pub follow_epoch: Arc<std::sync::atomic::AtomicU64>,
    /// A FAILOVER being carried out (Redis `server.failover_state` and its fields).
    pub failover: Option<Failover>,
    /// Set while [`Master::failover`] waits for its replica to catch up: the server's link
    /// supervisor (which reads it without the store lock) then checks it every 100 ms.
    pub failover_waiting: Arc<std::sync::atomic::AtomicBool>,
}

/// Where a FAILOVER is (Redis `failover_state`, as INFO `master_failover_state` names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverState {
    /// Writes are paused; waiting for the target to acknowledge the whole stream.
    WaitForSync,
    /// This store follows the target and sends it `PSYNC … FAILOVER`.
    InProgress,
}

/// A FAILOVER in progress (Redis `failoverCommand`'s state).
#[derive(Clone, Debug)]
pub struct Failover {
    /// Where it is.
    pub state: FailoverState,
    /// The replica to hand over to (`TO host port`, or the first caught up).
    pub target: Option<(String, u16)>,
    /// `TIMEOUT`: when waiting gives up (or, with `FORCE`, fails over anyway).
    pub end: Option<Instant>,
    /// `FORCE`.
    pub force: bool,
}

impl Master {
    /// INFO `master_failover_state`.
    pub fn failover_state_name(&self) -> &'static str {
        match self.failover.as_ref().map(|f| f.state) {
            None => "no-failover",
            Some(FailoverState::WaitForSync) => "waiting-for-sync",
            Some(FailoverState::InProgress) => "failover-in-progress",
        }
    }
}

/// Where a replica's link to its master is (Redis `server.repl_state`, as ROLE names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowPhase {
    /// Waiting to connect (Redis `REPL_STATE_CONNECT`).
    Connect,
    /// The TCP connection is being made.
    Connecting,
    /// PING / AUTH / REPLCONF / PSYNC exchange.
    Handshake,
    /// Receiving the master's RDB.
    Sync,
    /// Following the stream.
    Connected,
}

impl FollowPhase {
    /// ROLE's name of the phase.
    pub fn name(self) -> &'static str {
        match self {
            FollowPhase::Connect => "connect",
            FollowPhase::Connecting => "connecting",
            FollowPhase::Handshake => "handshake",
            FollowPhase::Sync => "sync",
            FollowPhase::Connected => "connected",
        }
    }
}

/// The replica side of replication (REPLICAOF host port): the master followed and the
/// link's state, kept in the store and updated by the link (the server's `follow`
/// module), which applies the master's stream through the one dispatch path.
#[derive(Clone, Debug)]
pub struct Follow {
    /// The master's host, as given to REPLICAOF.
    pub host: String,
    /// The master's port.
    pub port: u16,
    /// The link's phase.
    pub phase: FollowPhase,
    /// The master's replication id, once a sync told it (the next PSYNC offers it).
    pub replid: Option<String>,
    /// Bytes of the master's stream processed (`slave_repl_offset`); `None` before the
    /// first sync.
    pub offset: Option<u64>,
    /// Last time anything came from the master.
    pub last_io: Option<Instant>,
    /// Since when the link is down (`None`: never connected yet).
    pub down_since: Option<Instant>,
    /// Client id of the session the stream's commands run as (exempt from READONLY).
    pub client_id: u64,
    /// RDB bytes expected (`None`: disk-less, unknown) and received, while in `Sync`.
    pub sync_total: Option<u64>,
    /// RDB bytes received so far, while in `Sync`.
    pub sync_read: u64,
}

impl Follow {
    /// A new target: nothing known of it yet.
    pub fn new(host: String, port: u16) -> Follow {
        Follow {
            host,
            port,
            phase: FollowPhase::Connect,
            replid: None,
            offset: None,
            last_io: None,
            down_since: None,
            client_id: 0,
            sync_total: None,
            sync_read: 0,
        }
    }

    /// Whether the link is up (INFO `master_link_status`).
    pub fn is_up(&self) -> bool {
        self.phase == FollowPhase::Connected
    }
}

/// What [`Master::cron`] leaves to its caller.
#[derive(Debug, Default)]
pub struct CronOutcome {
    /// The backlog was freed (`repl-backlog-ttl`): the caller takes a new replication id
    /// and stops recording effects for the stream.
    pub backlog_freed: bool,
    /// Replicas whose disk-less full resync is due now: they share one RDB.
    pub start: Vec<Arc<ReplicaLink>>,
}

/// `-NOREPLICAS Not enough good replicas to write.` (Redis `shared.noreplicaserr`).
pub fn noreplicas_error() -> crate::error::Error {
    crate::error::Error::new(
        crate::error::ErrorKind::Other,
        "NOREPLICAS Not enough good replicas to write.",
    )
}

struct Backlog {
    bytes: VecDeque<u8>,
    size: usize,
}

impl Clone for Master {
    /// Not data: a cloned store has no replicas.
    fn clone(&self) -> Self {
        Master::default()
    }
}

impl std::fmt::Debug for Master {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Master")
            .field("offset", &self.offset)
            .field("replicas", &self.replicas.len())
            .finish()
    }
}

/// A stored-only integer parameter's current value.
pub fn config_int(cfg: &Config, name: &str, default: i64) -> i64 {
    crate::config::lookup(name.as_bytes())
        .and_then(|(spec, _)| {
            let text = spec.get(cfg);
            crate::util::parse_i64(text.as_bytes())
        })
        .unwrap_or(default)
}

impl Master {
    /// Whether a client's write commands get `-READONLY` now: this store follows a master,
    /// `replica-read-only` is on, and `client` is not the link's own session.
    #[inline]
    pub fn read_only_for(&self, client: u64, cfg: &Config) -> bool {
        match &self.follow {
            Some(f) => cfg.replica_read_only && f.client_id != client,
            None => false,
        }
    }

    /// Whether a client's commands not flagged `stale` get `-MASTERDOWN` now (Redis
    /// `processCommand`): this store follows a master whose link is not up and
    /// `replica-serve-stale-data` is off (`client` is not the link's own session).
    #[inline]
    pub fn stale_for(&self, client: u64, cfg: &Config) -> bool {
        match &self.follow {
            Some(f) => {
                !cfg.replica_serve_stale_data
                    && f.phase != FollowPhase::Connected
                    && f.client_id != client
            }
            None => false,
        }
    }

    /// Changes the target of REPLICAOF (`None`: REPLICAOF NO ONE) and tells the link
    /// supervisor. A new target keeps the cached master id and offset, so the next link
    /// can try a partial resync (as Redis keeps its cached master).
    pub fn set_follow(&mut self, target: Option<(String, u16)>) {
        let cached = self.follow.take().map(|f| (f.replid, f.offset));
        self.follow = target.map(|(host, port)| {
            let mut f = Follow::new(host, port);
            if let Some((replid, offset)) = cached {
                f.replid = replid;
                f.offset = offset;
            }
            f
        });
        self.follow_epoch
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// True once a replica has attached: units are rendered and fed.
    #[inline]
    pub fn is_active(&self) -> bool {
        self.backlog.is_some()
    }

    /// Creates the backlog (first replica) with replication id `replid`.
    pub fn activate(&mut self, replid: &str, cfg: &Config) {
        if self.backlog.is_none() {
            self.replid = replid.to_string();
            self.backlog = Some(Backlog {
                bytes: VecDeque::new(),
                size: config_int(cfg, "repl-backlog-size", 1 << 20).max(1) as usize,
            });
            self.seldb = None;
        }
    }

    /// Forces a SELECT before the next command (a full resync starts here).
    pub fn reset_select(&mut self) {
        self.seldb = None;
    }

    /// The memory replication holds (part of `used_memory`): the backlog's bytes and the
    /// replicas' output buffers.
    #[inline]
    pub fn memory(&self) -> usize {
        let backlog = self.backlog.as_ref().map_or(0, |b| b.bytes.len());
        if self.replicas.is_empty() {
            backlog
        } else {
            backlog + self.replicas_output_memory()
        }
    }

    /// The replicas' output buffers (INFO `mem_clients_slaves`; not counted for eviction).
    pub fn replicas_output_memory(&self) -> usize {
        self.replicas
            .iter()
            .map(|r| {
                let s = r.state();
                s.head.len() + s.buf.len() + s.rdb_tail.len()
            })
            .sum()
    }

    /// Backlog figures: (size, first byte offset, bytes held).
    pub fn backlog_info(&self) -> Option<(usize, u64, usize)> {
        self.backlog.as_ref().map(|b| {
            (
                b.size,
                self.offset + 1 - b.bytes.len() as u64,
                b.bytes.len(),
            )
        })
    }

    /// The stream from byte `next` on (1-based, PSYNC's offset: the first byte the replica
    /// lacks), if the backlog still holds it (Redis `masterTryPartialResynchronization`'s
    /// check).
    pub fn backlog_from(&self, next: u64) -> Option<Vec<u8>> {
        let b = self.backlog.as_ref()?;
        let first = self.offset + 1 - b.bytes.len() as u64;
        if next < first || next > self.offset + 1 {
            return None;
        }
        let skip = (next - first) as usize;
        Some(b.bytes.iter().skip(skip).copied().collect())
    }

    /// Registers a replica that is being resynchronised.
    pub fn add(&mut self, link: Arc<ReplicaLink>) {
        self.replicas.retain(|r| r.id != link.id && !r.is_closed());
        self.replicas.push(link);
        self.no_replicas_since = None;
    }

    /// Forgets replica `id` (its connection closed).
    pub fn remove(&mut self, id: u64) {
        self.replicas.retain(|r| r.id != id);
        self.note_if_alone();
    }

    /// Starts the `repl-backlog-ttl` clock when the last replica is gone.
    fn note_if_alone(&mut self) {
        if self.replicas.is_empty() && self.no_replicas_since.is_none() {
            self.no_replicas_since = Some(Instant::now());
        }
    }

    /// The once-a-second duties of Redis's `replicationCron` for a master:
    ///
    /// * `repl-timeout`: an online replica that sent no REPLCONF ACK for more than that
    ///   many seconds is dropped (not one attached with SYNC, which never acknowledges),
    ///   and so is one whose RDB transfer wrote nothing for that long;
    /// * `repl-backlog-ttl`: with no replica for more than that many seconds (0: never),
    ///   the backlog is freed (INFO `repl_backlog_active:0`); the caller changes the
    ///   replication id, as Redis does, so no old replica can continue partially;
    /// * disk-less full resyncs waiting in [`Phase::WaitStart`] start together once the
    ///   longest waiting one waited `repl-diskless-sync-delay` seconds, or (with
    ///   `repl-diskless-sync-max-replicas` > 0) once that many wait (Redis
    ///   `shouldStartChildForReplication`).
    pub fn cron(&mut self, cfg: &Config) -> CronOutcome {
        let mut out = CronOutcome::default();
        self.ping_if_due(cfg);
        let timeout = cfg.repl_timeout.max(1) as u64;
        for r in &self.replicas {
            let st = r.state();
            let why = match st.phase {
                Phase::Online if !st.pre_psync && st.ack_time.elapsed().as_secs() > timeout => {
                    Some("timeout (streaming sync)")
                }
                Phase::SendBulk if st.last_write.elapsed().as_secs() > timeout => {
                    Some("timeout (full sync)")
                }
                _ => None,
            };
            drop(st);
            if let Some(why) = why {
                r.close(why);
            }
        }
        self.replicas.retain(|r| !r.is_closed());
        self.note_if_alone();
        let ttl = u64::try_from(cfg.repl_backlog_ttl).unwrap_or(0);
        if self.replicas.is_empty() && ttl > 0 && self.backlog.is_some() {
            if let Some(since) = self.no_replicas_since {
                if since.elapsed().as_secs() > ttl {
                    self.backlog = None;
                    self.seldb = None;
                    out.backlog_freed = true;
                }
            }
        }
        let waiting: Vec<&Arc<ReplicaLink>> = self
            .replicas
            .iter()
            .filter(|r| r.state().phase == Phase::WaitStart)
            .collect();
        if !waiting.is_empty() {
            let max_idle = waiting
                .iter()
                .map(|r| r.state().since.elapsed().as_secs())
                .max()
                .unwrap_or(0);
            let delay = cfg.repl_diskless_sync_delay.max(0) as u64;
            let max = cfg.repl_diskless_sync_max_replicas.max(0) as usize;
            if max_idle >= delay || (max > 0 && waiting.len() >= max) {
                out.start = waiting.into_iter().cloned().collect();
            }
        }
        out
    }

    /// Replicas that count for `min-replicas-to-write`: online, and acknowledged within
    /// `max_lag` seconds (Redis `refreshGoodSlavesCount`).
    pub fn good_replicas(&self, max_lag: u64) -> usize {
        self.replicas
            .iter()
            .filter(|r| {
                let st = r.state();
                st.closed.is_none()
                    && st.phase == Phase::Online
                    && st.ack_time.elapsed().as_secs() <= max_lag
            })
            .count()
    }

    /// Replicas (online) whose acknowledged offset reached `offset` (WAIT).
    pub fn acked(&self, offset: u64) -> usize {
        self.replicas
            .iter()
            .filter(|r| {
                let st = r.state();
                st.closed.is_none() && st.phase == Phase::Online && st.ack_offset >= offset
            })
            .count()
    }

    /// Renders one execution unit and feeds it.
    pub fn feed_unit(&mut self, unit: &[Effect], cfg: &Config) {
        if !self.is_active() || unit.is_empty() {
            return;
        }
        let mut out = Vec::new();
        let wrap = unit.len() > 1;
        if wrap {
            self.select_into(&mut out, unit[0].db);
            render(&mut out, &[b"MULTI"]);
        }
        for e in unit {
            self.select_into(&mut out, e.db);
            render(&mut out, wire_argv(&e.argv));
        }
        if wrap {
            render(&mut out, &[b"EXEC"]);
        }
        self.feed_raw(&out, cfg);
    }

    fn select_into(&mut self, out: &mut Vec<u8>, db: usize) {
        if self.seldb != Some(db) {
            render(out, &[b"SELECT".as_slice(), db.to_string().as_bytes()]);
            self.seldb = Some(db);
        }
    }

    /// Feeds bytes that need no SELECT (PING, REPLCONF GETACK) or are already rendered.
    pub fn feed_raw(&mut self, bytes: &[u8], cfg: &Config) {
        let Some(b) = self.backlog.as_mut() else {
            return;
        };
        self.offset += bytes.len() as u64;
        b.bytes.extend(bytes.iter().copied());
        let over = b.bytes.len().saturating_sub(b.size);
        if over > 0 {
            b.bytes.drain(..over);
        }
        let mut dropped = false;
        for r in &self.replicas {
            r.push(bytes, cfg);
            dropped |= r.is_closed();
        }
        if dropped {
            self.replicas.retain(|r| !r.is_closed());
            self.note_if_alone();
        }
    }

    /// Wakes the clients blocked in WAIT (an ACK arrived): call
    /// `crate::blocking::serve_ready` afterwards.
    pub fn signal_acks(blocking: &mut crate::blocking::Registry, databases: usize) {
        for db in 0..databases {
            blocking.signal(db, WAIT_KEY);
        }
    }

    /// Feeds a PING when this cron call's number is a multiple of `repl-ping-replica-period`
    /// (as Redis's replicationCron: counted from the server's start, not from a replica's
    /// attach, so a replica that attaches right after `CONFIG SET repl-ping-replica-period
    /// 3600` sees no PING for up to an hour). Called once per [`Master::cron`].
    fn ping_if_due(&mut self, cfg: &Config) {
        let period = config_int(cfg, "repl-ping-replica-period", 10).max(1) as u64;
        let due = self.cron_loops % period == 0;
        self.cron_loops += 1;
        // Not while a FAILOVER waits for the replicas' offsets to reach this one (Redis
        // skips the PING during a manual failover).
        if !due || !self.is_active() || self.replicas.is_empty() || self.failover.is_some() {
            return;
        }
        let mut out = Vec::new();
        render(&mut out, &[b"PING"]);
        self.feed_raw(&out, cfg);
    }

    /// Sends `REPLCONF GETACK *` if WAIT asked for it.
    pub fn flush_getack(&mut self, cfg: &Config) {
        if std::mem::take(&mut self.getack_pending) && !self.replicas.is_empty() {
            let mut out = Vec::new();
            render(&mut out, &[b"REPLCONF".as_slice(), b"GETACK", b"*"]);
            self.feed_raw(&out, cfg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eff(db: usize, argv: &[&str]) -> Effect {
        Effect {
            db,
            argv: argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
        }
    }

    #[test]
    fn units_select_wrap_and_backlog() {
        let cfg = Config::default();
        let mut m = Master::default();
        m.feed_unit(&[eff(0, &["SET", "a", "1"])], &cfg);
        assert_eq!(m.offset, 0, "inactive until a replica attaches");
        m.activate("x", &cfg);
        let link = Arc::new(ReplicaLink::new(7, "127.0.0.1".into()));
        link.state().phase = Phase::WaitBgsave;
        m.add(link.clone());
        m.feed_unit(&[eff(0, &["SET", "a", "1"])], &cfg);
        m.feed_unit(&[eff(0, &["SET", "b", "2"]), eff(2, &["DEL", "c"])], &cfg);
        let want = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n\
                    *1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n\
                    *2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n*1\r\n$4\r\nEXEC\r\n";
        assert_eq!(m.offset, want.len() as u64);
        // The stream waits behind the RDB.
        assert!(link.take_output().is_ok_and(|o| o.is_empty()));
        let rdb: Arc<[u8]> = Arc::from(&b"RDB"[..]);
        link.rdb_done(Ok((b"$3\r\n", &rdb, b"")));
        assert_eq!(
            link.take_output().ok(),
            Some(Output::Owned(b"$3\r\n".to_vec()))
        );
        assert_eq!(link.take_output().ok(), Some(Output::Shared(rdb.clone())));
        assert_eq!(
            link.take_output().ok(),
            Some(Output::Owned(want.as_bytes().to_vec()))
        );
        assert_eq!(m.backlog_from(1), Some(want.as_bytes().to_vec()));
        assert_eq!(m.backlog_from(0), None);
        assert_eq!(
            m.backlog_from(m.offset),
            Some(b"\n".to_vec()),
            "the last byte"
        );
        assert_eq!(m.backlog_from(m.offset + 1), Some(Vec::new()));
        assert_eq!(m.backlog_from(m.offset + 2), None);
    }

    #[test]
    fn slow_replica_is_dropped_at_the_hard_limit() {
        let mut cfg = Config::default();
        cfg.client_output_buffer_limit.replica.hard = 100;
        let mut m = Master::default();
        m.activate("x", &cfg);
        let link = Arc::new(ReplicaLink::new(1, "127.0.0.1".into()));
        link.state().phase = Phase::Online;
        m.add(link.clone());
        for _ in 0..10 {
            m.feed_unit(&[eff(0, &["SET", "key", "value"])], &cfg);
        }
        assert!(link.is_closed());
        assert!(m.replicas.is_empty());
        assert!(link.take_output().is_err());
    }
}

//! Server-wide state that connection commands reach through their session: the client
//! registry (CLIENT LIST / KILL, INFO clients) and network statistics (INFO stats).
//!
//! The network front end (`crate::server`, feature `server`) creates one [`ServerState`] and
//! registers a [`ClientEntry`] per connection; each connection's [`crate::engine::Session`]
//! holds a [`Link`] to both. Embedded sessions have no link: CLIENT LIST then shows only the
//! caller. Everything here is plain `std` + `parking_lot`, so it compiles without the
//! `server` feature.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use crate::engine::memory::ClientsMemory;
use crate::engine::Session;

/// Current Unix time in milliseconds (for server bookkeeping, not command semantics).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Counters reported by INFO stats (reset by CONFIG RESETSTAT).
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections_received: AtomicU64,
    /// Connections refused (maxclients).
    pub rejected_connections: AtomicU64,
    /// Bytes read from clients.
    pub net_input_bytes: AtomicU64,
    /// Bytes written to clients.
    pub net_output_bytes: AtomicU64,
    /// Error replies sent.
    pub error_replies: AtomicU64,
    /// Clients closed by client eviction (`maxmemory-clients`).
    pub evicted_clients: AtomicU64,
    /// Read events that brought bytes or EOF (INFO `total_reads_processed`).
    pub reads_processed: AtomicU64,
    /// Writes to client sockets (INFO `total_writes_processed`).
    pub writes_processed: AtomicU64,
}

impl Stats {
    /// Zeroes every counter.
    pub fn reset(&self) {
        for c in [
            &self.connections_received,
            &self.rejected_connections,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.error_replies,
            &self.evicted_clients,
            &self.reads_processed,
            &self.writes_processed,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// The server a connection belongs to.
pub struct ServerState {
    /// When the server started.
    pub started: Instant,
    /// Start time, Unix ms.
    pub started_unix_ms: u64,
    /// TCP port (0 when not listening on TCP); CONFIG SET port changes it.
    tcp_port: std::sync::atomic::AtomicU16,
    /// Hands a new TCP listener (CONFIG SET port / bind) to the accept loop, which closes
    /// the one it had; set once by the network front end.
    relisten: OnceLock<Relisten>,
    /// Unix socket path, if any.
    pub unixsocket: Option<String>,
    /// `--dir`, if given.
    pub dir: Option<String>,
    /// Live connections by id.
    pub clients: Mutex<BTreeMap<u64, Arc<ClientEntry>>>,
    /// INFO stats counters.
    pub stats: Stats,
    /// `maxclients` as last read from the store's configuration (at each accept; kept for
    /// when the store is busy).
    pub maxclients: std::sync::atomic::AtomicUsize,
    /// `protected-mode yes` while `default` has no password: connections from other than
    /// the loopback addresses are refused (read at each accept, like `maxclients`).
    pub protected: std::sync::atomic::AtomicBool,
    /// `tcp-keepalive` seconds (0: off), applied to each accepted TCP connection.
    pub tcp_keepalive: std::sync::atomic::AtomicI64,
    /// A random-looking run id, fixed for the server's life.
    pub run_id: String,
    /// The replication id (INFO `master_replid`): the run id until DEBUG CHANGE-REPL-ID.
    repl_id: Mutex<String>,
    /// Peak client buffer sizes of the last [`RECENT_SLOTS`] seconds (INFO
    /// `client_recent_max_input_buffer` / `client_recent_max_output_buffer`).
    recent: RecentPeaks,
    /// Unix seconds of the last SAVE/BGSAVE of a server without a data directory (0:
    /// none yet); see [`crate::admin::note_memory_save`].
    pub memory_last_save: AtomicU64,
    /// SAVEs and BGSAVEs of a server without a data directory (INFO `rdb_saves`).
    pub memory_saves: AtomicU64,
    /// What SHUTDOWN runs (set once by the network front end, see [`ShutdownHook`]).
    shutdown: OnceLock<ShutdownHook>,
    /// INFO's `instantaneous_*` rates: ops/s, input and output bytes/s (see
    /// [`ServerState::sample_metrics`]).
    metrics: Mutex<[Metric; 3]>,
    /// Sum of the live clients' [`ClientEntry::total_memory`] as last reported, kept by
    /// [`Link::note_buffers`] (client eviction compares it with `maxmemory-clients`); the
    /// store's (see [`ServerState::set_clients_memory`]), whose `used_memory` counts it.
    client_memory: OnceLock<Arc<ClientsMemory>>,
    /// The total and the limit of the last eviction pass that ended still over the limit
    /// (limit 0: none), so that what cannot be evicted is not rescanned on every request.
    futile_total: AtomicU64,
    futile_limit: AtomicU64,
}

/// Samples kept per instantaneous metric (Redis `STATS_METRIC_SAMPLES`).
const METRIC_SAMPLES: usize = 16;

/// One instantaneous metric (Redis `inst_metric`): per-second rates of the last
/// [`METRIC_SAMPLES`] samples, and the reading they were taken from.
#[derive(Default)]
struct Metric {
    samples: [u64; METRIC_SAMPLES],
    idx: usize,
    last_at: Option<Instant>,
    last_count: u64,
}

impl Metric {
    /// Redis `trackInstantaneousMetric`.
    fn track(&mut self, now: Instant, reading: u64) {
        let rate = self.last_at.map_or(0, |t| {
            let ms = now.duration_since(t).as_millis() as u64;
            (reading.saturating_sub(self.last_count) * 1000)
                .checked_div(ms)
                .unwrap_or(0)
        });
        self.samples[self.idx] = rate;
        self.idx = (self.idx + 1) % METRIC_SAMPLES;
        self.last_at = Some(now);
        self.last_count = reading;
    }

    /// Redis `getInstantaneousMetric`: the mean of the samples.
    fn value(&self) -> u64 {
        self.samples.iter().sum::<u64>() / METRIC_SAMPLES as u64
    }
}

/// How the network front end carries out SHUTDOWN: called under the store lock with
/// `save` (take a snapshot of a durable store first); on success it has stopped the
/// server the way SIGTERM does. `Err` is the save failure, and the server keeps running.
pub type ShutdownHook =
    Box<dyn Fn(&mut crate::engine::Store, bool) -> std::result::Result<(), String> + Send + Sync>;

/// Seconds over which INFO's `client_recent_max_*_buffer` peaks are kept (Redis's
/// `CLIENTS_PEAK_MEM_USAGE_SLOTS`).
pub const RECENT_SLOTS: usize = 8;

/// Per-second peaks of the clients' input and output buffers, in a ring of
/// [`RECENT_SLOTS`] seconds (as Redis's `ClientsPeakMemInput`/`Output`).
#[derive(Default)]
struct RecentPeaks {
    second: [AtomicU64; RECENT_SLOTS],
    input: [AtomicU64; RECENT_SLOTS],
    output: [AtomicU64; RECENT_SLOTS],
}

/// Memory a connection costs besides its buffers (task, session, registry entry, parser),
/// counted in INFO `mem_clients_normal` as Redis counts its `client` struct (measured: ~3 KiB
/// of RSS per idle connection).
pub const CLIENT_BASE_MEMORY: u64 = 3 * 1024;

impl fmt::Debug for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerState")
            .field("tcp_port", &self.tcp_port())
            .field("clients", &self.clients.lock().len())
            .finish()
    }
}

/// Where the accept loop takes a new TCP listener from (see [`ServerState::listen_on`]).
pub type Relisten = Box<dyn Fn(std::net::TcpListener) + Send + Sync>;

impl ServerState {
    /// The TCP port listened on (0: none).
    pub fn tcp_port(&self) -> u16 {
        self.tcp_port.load(Ordering::Relaxed)
    }

    /// Sets where new TCP listeners go (the network front end, once).
    pub fn set_relisten(&self, f: Relisten) {
        let _ = self.relisten.set(f);
    }

    /// Redis `changeListenPort` / `changeBindAddr`: listens on `bind`:`port` (every
    /// address of `bind` tried in turn) and, once that worked, makes it the server's TCP
    /// listener in place of the old one (connections stay). Err: no listener could be made
    /// (the old one is kept), or this server has no TCP front end.
    pub fn listen_on(&self, bind: &str, port: u16) -> std::io::Result<()> {
        let Some(relisten) = self.relisten.get() else {
            return Err(std::io::Error::other("no TCP listener to replace"));
        };
        let l = std::net::TcpListener::bind((bind, port))?;
        l.set_nonblocking(true)?;
        let port = l.local_addr()?.port();
        relisten(l);
        self.tcp_port.store(port, Ordering::Relaxed);
        Ok(())
    }

    /// A server state for a listener on `tcp_port`.
    pub fn new(tcp_port: u16, unixsocket: Option<String>, dir: Option<String>) -> ServerState {
        let started_unix_ms = unix_ms();
        let seed = started_unix_ms ^ ((std::process::id() as u64) << 32);
        let mut rng = crate::keyspace::Rng::new(seed);
        let run_id: String = (0..40)
            .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
            .collect();
        ServerState {
            started: Instant::now(),
            started_unix_ms,
            tcp_port: std::sync::atomic::AtomicU16::new(tcp_port),
            relisten: OnceLock::new(),
            unixsocket,
            dir,
            clients: Mutex::new(BTreeMap::new()),
            stats: Stats::default(),
            maxclients: std::sync::atomic::AtomicUsize::new(10000),
            protected: std::sync::atomic::AtomicBool::new(true),
            tcp_keepalive: std::sync::atomic::AtomicI64::new(300),
            repl_id: Mutex::new(run_id.clone()),
            run_id,
            recent: RecentPeaks::default(),
            memory_last_save: AtomicU64::new(0),
            memory_saves: AtomicU64::new(0),
            shutdown: OnceLock::new(),
            client_memory: OnceLock::new(),
            futile_total: AtomicU64::new(0),
            futile_limit: AtomicU64::new(0),
            metrics: Mutex::new(Default::default()),
        }
    }

    /// Shares the store's client memory total (set once, before the first connection;
    /// without it the server keeps a total of its own).
    pub fn set_clients_memory(&self, total: Arc<ClientsMemory>) {
        let _ = self.client_memory.set(total);
    }

    /// The clients' memory total.
    fn client_memory(&self) -> &ClientsMemory {
        self.client_memory.get_or_init(Default::default)
    }

    /// Takes one sample of the instantaneous metrics (the server does it every 100 ms, as
    /// Redis's serverCron): `commands` is the store's command count, or None when the store
    /// is busy (that metric skips the sample).
    pub fn sample_metrics(&self, commands: Option<u64>) {
        let now = Instant::now();
        let mut m = self.metrics.lock();
        if let Some(c) = commands {
            m[0].track(now, c);
        }
        m[1].track(now, self.stats.net_input_bytes.load(Ordering::Relaxed));
        m[2].track(now, self.stats.net_output_bytes.load(Ordering::Relaxed));
    }

    /// CONFIG RESETSTAT: the instantaneous metrics start over.
    pub fn reset_metrics(&self) {
        *self.metrics.lock() = Default::default();
    }

    /// INFO `instantaneous_ops_per_sec`, `instantaneous_input_kbps` and
    /// `instantaneous_output_kbps`.
    pub fn instantaneous(&self) -> (u64, f64, f64) {
        let m = self.metrics.lock();
        (
            m[0].value(),
            m[1].value() as f64 / 1024.0,
            m[2].value() as f64 / 1024.0,
        )
    }

    /// Installs what SHUTDOWN runs (the network front end does it once at start; later
    /// calls are ignored).
    pub fn set_shutdown_hook(&self, hook: ShutdownHook) {
        let _ = self.shutdown.set(hook);
    }

    /// Runs the SHUTDOWN hook: `Ok(false)` when no hook is installed (nothing can stop
    /// this server from a command).
    pub fn shutdown(
        &self,
        store: &mut crate::engine::Store,
        save: bool,
    ) -> std::result::Result<bool, String> {
        match self.shutdown.get() {
            Some(h) => h(store, save).map(|()| true),
            None => Ok(false),
        }
    }

    /// The replication id (INFO replication `master_replid`).
    pub fn repl_id(&self) -> String {
        self.repl_id.lock().clone()
    }

    /// DEBUG CHANGE-REPL-ID: a new random replication id.
    pub fn change_repl_id(&self) {
        let mut id = self.repl_id.lock();
        let mut rng = crate::keyspace::Rng::new(unix_ms() ^ id.len() as u64 ^ 0x9e37_79b9);
        let next: String = id
            .bytes()
            .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
            .collect();
        *id = next;
    }

    /// Records a client's buffer sizes in the current second's peaks.
    pub fn note_peaks(&self, input: u64, output: u64) {
        let sec = self.started.elapsed().as_secs() + 1;
        let i = (sec % RECENT_SLOTS as u64) as usize;
        let r = &self.recent;
        if r.second[i].load(Ordering::Relaxed) != sec {
            r.second[i].store(sec, Ordering::Relaxed);
            r.input[i].store(0, Ordering::Relaxed);
            r.output[i].store(0, Ordering::Relaxed);
        }
        r.input[i].fetch_max(input, Ordering::Relaxed);
        r.output[i].fetch_max(output, Ordering::Relaxed);
    }

    /// The largest input and output buffers any client had in the last
    /// `RECENT_SLOTS` seconds, live clients' current buffers included.
    pub fn recent_max_buffers(&self) -> (u64, u64) {
        let now = self.started.elapsed().as_secs() + 1;
        let r = &self.recent;
        let (mut input, mut output) = (0, 0);
        for i in 0..RECENT_SLOTS {
            let sec = r.second[i].load(Ordering::Relaxed);
            if sec + (RECENT_SLOTS as u64) > now {
                input = input.max(r.input[i].load(Ordering::Relaxed));
                output = output.max(r.output[i].load(Ordering::Relaxed));
            }
        }
        for c in self.snapshot() {
            input = input.max(c.query_mem.load(Ordering::Relaxed));
            output = output.max(c.output_pending.load(Ordering::Relaxed));
        }
        (input, output)
    }

    /// Registers a connection.
    pub fn register(&self, entry: Arc<ClientEntry>) {
        self.stats
            .connections_received
            .fetch_add(1, Ordering::Relaxed);
        self.clients.lock().insert(entry.id, entry);
    }

    /// Removes a connection (called when it closes).
    pub fn unregister(&self, id: u64) {
        if let Some(e) = self.clients.lock().remove(&id) {
            let gone = e.reported.swap(0, Ordering::Relaxed);
            self.client_memory().sub(gone);
        }
    }

    /// Client eviction (Redis `evictClients`): while the clients' memory is at or above
    /// `limit` bytes, closes the evictable client using the most memory (not CLIENT
    /// NO-EVICT, not already closing), largest first, counting each in INFO
    /// `evicted_clients`. A no-op when `limit` is 0 or the total is below it (one atomic
    /// read on the hot path).
    pub fn evict_clients(&self, limit: u64) {
        let total = self.client_memory().get();
        if limit == 0 || total < limit {
            if self.futile_limit.load(Ordering::Relaxed) != 0 {
                self.futile_limit.store(0, Ordering::Relaxed);
            }
            return;
        }
        // The last pass could not get under this limit (what is left cannot be evicted):
        // no new pass over every client until the total grows, the limit changes, the total
        // went under the limit meanwhile, or a client became evictable.
        if self.futile_limit.load(Ordering::Relaxed) == limit
            && total <= self.futile_total.load(Ordering::Relaxed)
        {
            return;
        }
        let mut candidates: Vec<(u64, Arc<ClientEntry>)> = self
            .snapshot()
            .into_iter()
            .filter(|c| {
                let i = c.info.lock();
                // Replicas are never evicted (Redis `clientEvictionAllowed`).
                !c.is_killed() && !i.no_evict && !i.replica
            })
            .map(|c| (c.reported.load(Ordering::Relaxed), c))
            .collect();
        // Largest first; the older client first among equals.
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        for (_, c) in candidates {
            if self.client_memory().get() < limit {
                break;
            }
            c.kill();
            self.stats.evicted_clients.fetch_add(1, Ordering::Relaxed);
            // Its memory leaves the total now, not when its connection gets to close:
            // another client checking meanwhile must not evict more than needed.
            let gone = c.reported.swap(0, Ordering::Relaxed);
            self.client_memory().sub(gone);
        }
        let left = self.client_memory().get();
        self.futile_total.store(left, Ordering::Relaxed);
        self.futile_limit
            .store(if left >= limit { limit } else { 0 }, Ordering::Relaxed);
    }

    /// A client became evictable (CLIENT NO-EVICT off): the next check makes a full pass.
    pub fn eviction_candidates_changed(&self) {
        self.futile_limit.store(0, Ordering::Relaxed);
    }

    /// Number of live connections.
    pub fn connected(&self) -> usize {
        self.clients.lock().len()
    }

    /// A snapshot of every connection, by id.
    pub fn snapshot(&self) -> Vec<Arc<ClientEntry>> {
        self.clients.lock().values().cloned().collect()
    }
}

/// What CLIENT LIST shows about a connection, refreshed by the connection after each batch
/// of commands it runs.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// Selected db.
    pub db: usize,
    /// Protocol version.
    pub resp: u8,
    /// Last command (lowercase, `container|sub` for subcommands).
    pub last_cmd: String,
    /// When the last command ran.
    pub last_interaction: Option<Instant>,
    /// Bytes waiting in the query buffer.
    pub qbuf: usize,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// An attached replica (CLIENT LIST flag `S`, type replica).
    pub replica: bool,
    /// In MONITOR mode (flag `O`).
    pub monitor: bool,
    /// Commands queued in MULTI (CLIENT LIST `multi=`); -1 outside MULTI.
    pub multi: i64,
    /// Memory of the MULTI queue (CLIENT LIST `multi-mem=`).
    pub multi_mem: usize,
    /// The ACL user (`None`: `default`).
    pub user: Option<crate::engine::UserRef>,
}

/// One connection in the registry.
pub struct ClientEntry {
    /// Client id.
    pub id: u64,
    /// Peer address (`ip:port` or `path:0` for Unix sockets).
    pub addr: String,
    /// Local address.
    pub laddr: String,
    /// File descriptor number (-1 if unknown).
    pub fd: i64,
    /// True for a Unix-socket connection.
    pub unix: bool,
    /// When the connection was accepted.
    pub created: Instant,
    /// Live details.
    pub info: Mutex<ClientInfo>,
    /// Set by CLIENT KILL.
    pub killed: AtomicBool,
    /// Bytes the connection's input side holds (query buffer capacity and arguments of an
    /// unfinished request).
    pub query_mem: AtomicU64,
    /// Capacity of the connection's output buffer.
    pub output_mem: AtomicU64,
    /// Reply bytes waiting to be sent (including Pub/Sub messages queued for it).
    pub output_pending: AtomicU64,
    /// Memory held besides the buffers: the MULTI queue and the subscriptions' entries.
    pub other_mem: AtomicU64,
    /// This client's [`ClientEntry::total_memory`] as last added to the server's total.
    reported: AtomicU64,
    waker: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

impl fmt::Debug for ClientEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientEntry")
            .field("id", &self.id)
            .field("addr", &self.addr)
            .finish()
    }
}

impl ClientEntry {
    /// A new entry; `waker` is called when another client kills this one.
    pub fn new(
        id: u64,
        addr: String,
        laddr: String,
        fd: i64,
        unix: bool,
        waker: Box<dyn Fn() + Send + Sync>,
    ) -> ClientEntry {
        ClientEntry {
            id,
            addr,
            laddr,
            fd,
            unix,
            created: Instant::now(),
            info: Mutex::new(ClientInfo {
                resp: 2,
                multi: -1,
                ..ClientInfo::default()
            }),
            killed: AtomicBool::new(false),
            query_mem: AtomicU64::new(0),
            output_mem: AtomicU64::new(0),
            output_pending: AtomicU64::new(0),
            other_mem: AtomicU64::new(0),
            reported: AtomicU64::new(0),
            waker: Mutex::new(Some(waker)),
        }
    }

    /// What this client costs (CLIENT LIST `tot-mem`, client eviction), as Redis's
    /// `getClientMemoryUsage` counts it: the fixed part (`CLIENT_BASE_MEMORY`), the query
    /// buffer, the output buffer and unsent replies, the MULTI queue and subscriptions.
    pub fn total_memory(&self) -> u64 {
        let out = self
            .output_mem
            .load(Ordering::Relaxed)
            .max(self.output_pending.load(Ordering::Relaxed));
        CLIENT_BASE_MEMORY
            + self.query_mem.load(Ordering::Relaxed)
            + out
            + self.other_mem.load(Ordering::Relaxed)
    }

    /// Marks the connection killed and wakes it so it closes.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        if let Some(w) = self.waker.lock().as_ref() {
            w();
        }
    }

    /// True for a Unix-socket connection or one from `127.0.0.1` / `::1` (Redis
    /// `islocalClient`: those two addresses exactly, not all of 127.0.0.0/8).
    pub fn is_local(&self) -> bool {
        if self.unix {
            return true;
        }
        let ip = self.addr.rsplit_once(':').map_or(&*self.addr, |(ip, _)| ip);
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        ip == "127.0.0.1" || ip == "::1"
    }

    /// True once CLIENT KILL targeted this connection.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// Copies the session's user-visible state into the registry.
    ///
    /// Returns true when the client just turned CLIENT NO-EVICT off (it may now be evicted).
    pub fn sync_from(&self, s: &Session, last_cmd: &str, qbuf: usize) -> bool {
        let mut i = self.info.lock();
        if i.name != s.name {
            i.name.clone_from(&s.name);
        }
        i.db = s.db;
        i.resp = s.resp;
        let now_evictable = i.no_evict && !s.no_evict;
        i.no_evict = s.no_evict;
        i.replica = s.replica.as_ref().is_some_and(|l| l.is_attached());
        i.monitor = s.monitor;
        i.multi = s.tx.multi.as_ref().map_or(-1, |q| q.commands.len() as i64);
        i.multi_mem = s.tx.multi.as_ref().map_or(0, |q| q.memory());
        // Redis counts a dict entry and a bucket pointer per subscription, and what the
        // store keeps for the client (watched keys, tracking prefixes).
        let subs = s.pubsub.as_ref().map_or(0, |m| m.subscriptions());
        self.other_mem.store(
            (i.multi_mem + subs * 32 + s.tx.bookkeeping) as u64,
            Ordering::Relaxed,
        );
        if i.user != s.user {
            i.user.clone_from(&s.user);
        }
        if !last_cmd.is_empty() {
            i.last_cmd.clear();
            i.last_cmd.push_str(last_cmd);
        }
        i.last_interaction = Some(Instant::now());
        i.qbuf = qbuf;
        now_evictable
    }
}

/// A session's connection to the server it is served by.
#[derive(Clone)]
pub struct Link {
    /// The server.
    pub server: Arc<ServerState>,
    /// This connection's registry entry.
    pub me: Arc<ClientEntry>,
}

impl Link {
    /// Records this connection's buffer sizes (input memory, output capacity, unsent reply
    /// bytes) for INFO clients / memory.
    pub fn note_buffers(&self, input: usize, output_cap: usize, pending: usize) {
        let me = &self.me;
        me.query_mem.store(input as u64, Ordering::Relaxed);
        me.output_mem.store(output_cap as u64, Ordering::Relaxed);
        me.output_pending.store(pending as u64, Ordering::Relaxed);
        let total = if me.is_killed() { 0 } else { me.total_memory() };
        let before = me.reported.swap(total, Ordering::Relaxed);
        if total >= before {
            self.server.client_memory().add(total - before);
        } else {
            self.server.client_memory().sub(before - total);
        }
        if input > 0 || pending > 0 {
            self.server.note_peaks(input as u64, pending as u64);
        }
    }
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Link(client {})", self.me.id)
    }
}

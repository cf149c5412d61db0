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
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

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
    /// TCP port (0 when not listening on TCP).
    pub tcp_port: u16,
    /// Unix socket path, if any.
    pub unixsocket: Option<String>,
    /// `--dir`, if given.
    pub dir: Option<String>,
    /// Live connections by id.
    pub clients: Mutex<BTreeMap<u64, Arc<ClientEntry>>>,
    /// INFO stats counters.
    pub stats: Stats,
    /// Highest number of clients allowed (`maxclients`).
    pub maxclients: usize,
    /// A random-looking run id, fixed for the server's life.
    pub run_id: String,
}

impl fmt::Debug for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerState")
            .field("tcp_port", &self.tcp_port)
            .field("clients", &self.clients.lock().len())
            .finish()
    }
}

impl ServerState {
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
            tcp_port,
            unixsocket,
            dir,
            clients: Mutex::new(BTreeMap::new()),
            stats: Stats::default(),
            maxclients: 10000,
            run_id,
        }
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
        self.clients.lock().remove(&id);
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
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Vec<u8>>,
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
                ..ClientInfo::default()
            }),
            killed: AtomicBool::new(false),
            waker: Mutex::new(Some(waker)),
        }
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
    pub fn sync_from(&self, s: &Session, last_cmd: &str, qbuf: usize) {
        let mut i = self.info.lock();
        if i.name != s.name {
            i.name.clone_from(&s.name);
        }
        if i.lib_name != s.lib_name {
            i.lib_name.clone_from(&s.lib_name);
        }
        if i.lib_ver != s.lib_ver {
            i.lib_ver.clone_from(&s.lib_ver);
        }
        i.db = s.db;
        i.resp = s.resp;
        i.no_evict = s.no_evict;
        if !last_cmd.is_empty() {
            i.last_cmd.clear();
            i.last_cmd.push_str(last_cmd);
        }
        i.last_interaction = Some(Instant::now());
        i.qbuf = qbuf;
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

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Link(client {})", self.me.id)
    }
}

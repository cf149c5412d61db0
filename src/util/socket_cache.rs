//! Connections kept for reuse, by `host:port`: MIGRATE's (Redis
//! `server.migrate_cached_sockets`, `migrateGetSocket`), with Redis's policy — at most
//! [`ITEMS`], one dropped at random to make room, and closed once unused for more than
//! [`TTL`] (the store's timer calls [`SocketCache::close_idle`]).

use std::collections::HashMap;
use std::io::BufReader;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Redis's `MIGRATE_SOCKET_CACHE_ITEMS`.
pub const ITEMS: usize = 64;
/// Redis's `MIGRATE_SOCKET_CACHE_TTL`.
pub const TTL: Duration = Duration::from_secs(10);

/// A kept connection.
pub struct Kept {
    /// The connection (its reader: replies are read through it).
    pub conn: BufReader<TcpStream>,
    /// The database last selected on it.
    pub db: Option<i64>,
    /// When it was last used.
    pub last_use: Instant,
}

/// The kept connections. Shared by the clones of a store (a connection is not copied).
#[derive(Clone, Default)]
pub struct SocketCache(Arc<Mutex<HashMap<String, Kept>>>);

impl std::fmt::Debug for SocketCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SocketCache({})", self.len())
    }
}

impl SocketCache {
    /// Connections kept (INFO `migrate_cached_sockets`).
    pub fn len(&self) -> usize {
        self.0.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the connection kept for `name`, if any (it is put back after use).
    pub fn take(&self, name: &str) -> Option<Kept> {
        self.0.lock().remove(name)
    }

    /// Keeps `kept` for `name`, dropping another one when [`ITEMS`] are kept.
    pub fn put(&self, name: String, kept: Kept) {
        let mut all = self.0.lock();
        if all.len() >= ITEMS && !all.contains_key(&name) {
            if let Some(victim) = all.keys().next().cloned() {
                all.remove(&victim);
            }
        }
        all.insert(name, kept);
    }

    /// Closes the connections unused for more than [`TTL`] (Redis
    /// `migrateCloseTimedoutSockets`, from serverCron).
    pub fn close_idle(&self) {
        self.0.lock().retain(|_, k| k.last_use.elapsed() <= TTL);
    }
}

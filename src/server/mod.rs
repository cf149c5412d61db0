//! The RESP server: what `emu serve` runs, also usable in-process.
//!
//! * [`crate::resp`] — the wire format (request parser with Redis's exact protocol errors, RESP2/3
//!   reply encoder). Always compiled: it has no dependencies.
//! * [`conn`] — one connection's protocol state machine, independent of I/O.
//! * [`output`] — a connection's unsent replies, queued in chunks.
//! * `net` (feature `server`) — tokio listeners for TCP and Unix sockets, one task per
//!   connection, signal handling and clean shutdown.
//! * `replica` (feature `server`) — a connection that sent SYNC/PSYNC: sends the RDB and
//!   the replication stream, reads REPLCONF ACKs (see `crate::rdb::master`).
//! * `follow` (feature `server`) — the replica side: REPLICAOF's link to a master (handshake,
//!   full or partial resync, the stream applied through the dispatch path).
//!
//! # Limits (Redis 7.0's, issue 10)
//!
//! * A connection reads and writes at once: replies queue while requests keep arriving,
//!   bounded by `client-output-buffer-limit` (`normal`, `pubsub`; hard, and soft for N
//!   seconds), checked as each reply is added; only bytes past the 16 KiB static reply
//!   buffer count, as in Redis. With a password set, an unauthenticated client is closed
//!   once its replies overflow that buffer.
//! * The query buffer grows with what arrives (a bulk header reserves nothing); completed
//!   arguments of an unfinished request are set aside instead of being copied as the buffer
//!   grows. `client-query-buffer-limit` closes a client whose unprocessed input (the whole
//!   unfinished request, arguments included) passes it — stricter than Redis 7.0, which
//!   counts only the buffer and not arguments of 32 KiB and more already parsed.
//! * Idle connections hold no buffers. The TCP listener's backlog is `tcp-backlog` (511).
//! * SIGINT/SIGTERM are handled on a thread of their own: they raise
//!   [`crate::util::shutdown::request`] and stop the server; `emu serve` waits at most
//!   0.8 s for a command still holding the store (`Running::wait_or_abandon`).
//! * [`Server::release_memory`] hands freed memory back to the OS once a second.
//!
//! ```no_run
//! # #[cfg(feature = "server")] {
//! let redis = emu::Redis::new();
//! let running = emu::server::Server::new(redis.clone())
//!     .port(0)
//!     .start()
//!     .unwrap();
//! println!("listening on {}", running.addr().unwrap());
//! running.shutdown();
//! # }
//! ```

pub mod conn;
pub mod output;

#[cfg(feature = "server")]
mod follow;
#[cfg(feature = "server")]
mod net;
#[cfg(feature = "server")]
mod replica;

#[cfg(feature = "server")]
pub use net::{Running, Stopper};

use std::path::PathBuf;

/// Server options, named after redis-server's configuration.
#[derive(Clone, Debug)]
pub struct Options {
    /// Address to listen on for TCP (`None`: no TCP listener).
    pub bind: Option<String>,
    /// TCP port (0: pick a free one).
    pub port: u16,
    /// Unix socket path.
    pub unixsocket: Option<PathBuf>,
    /// Data directory (reported by INFO / CONFIG GET dir).
    pub dir: Option<String>,
    /// Worker threads: 1 runs every connection on one thread (like Redis's event loop).
    pub threads: usize,
    /// Stop on SIGINT / SIGTERM.
    pub handle_signals: bool,
    /// Listen backlog of the TCP listener (`tcp-backlog`; `None`: the store's configured
    /// value, 511 by default as in Redis).
    pub tcp_backlog: Option<u32>,
    /// Called on the server's thread once a second to hand freed memory back to the
    /// operating system (see [`Server::release_memory`]).
    pub release_memory: Option<fn()>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bind: Some("127.0.0.1".into()),
            port: 6379,
            unixsocket: None,
            dir: None,
            threads: 1,
            handle_signals: false,
            tcp_backlog: None,
            release_memory: None,
        }
    }
}

/// Builder for a server over an embedded [`crate::Redis`] store.
///
/// A remote handle (`remote+…` URL, feature `remote`) has no store to serve:
/// [`Server::try_new`] refuses it with an [`crate::Error`] naming the URL, and a server made
/// with [`Server::new`] from one fails at [`Server::start`] (and [`Server::aclfile`]) with
/// that message — no panic.
pub struct Server {
    redis: crate::Redis,
    opts: Options,
}

impl Server {
    /// A server for `redis`'s store (clones of the handle see the same data). For a remote
    /// handle see [`Server::try_new`].
    pub fn new(redis: crate::Redis) -> Server {
        Server {
            redis,
            opts: Options::default(),
        }
    }

    /// [`Server::new`], or an error (kind [`crate::ErrorKind::Other`]) when `redis` is a
    /// remote handle, whose store is a server elsewhere.
    pub fn try_new(redis: crate::Redis) -> crate::Result<Server> {
        redis.embedded("Server::new")?;
        Ok(Server::new(redis))
    }

    /// The embedded-store check of the methods that configure the store.
    fn embedded(&self, what: &str) -> std::result::Result<(), String> {
        self.redis
            .embedded(what)
            .map(|_| ())
            .map_err(|e| e.message().to_string())
    }

    /// All options at once.
    pub fn options(mut self, opts: Options) -> Server {
        self.opts = opts;
        self
    }

    /// TCP bind address (`--bind`).
    pub fn bind(mut self, addr: impl Into<String>) -> Server {
        self.opts.bind = Some(addr.into());
        self
    }

    /// TCP port (`--port`); 0 picks a free port.
    pub fn port(mut self, port: u16) -> Server {
        self.opts.port = port;
        self
    }

    /// No TCP listener (Unix socket only).
    pub fn no_tcp(mut self) -> Server {
        self.opts.bind = None;
        self
    }

    /// Also listen on a Unix socket (`--unixsocket`).
    pub fn unixsocket(mut self, path: impl Into<PathBuf>) -> Server {
        self.opts.unixsocket = Some(path.into());
        self
    }

    /// Requires clients to AUTH with `password` (`--requirepass`).
    /// On a remote handle this does nothing; [`Server::start`] fails.
    pub fn requirepass(self, password: &str) -> Server {
        if self.embedded("Server::requirepass").is_err() {
            return self;
        }
        self.redis.with_local_store(|s| {
            s.config
                .set_initial("requirepass", password.as_bytes())
                .expect("requirepass takes any text");
            let p = s.config.requirepass().map(str::to_owned);
            s.acl.set_default_password(p.as_deref());
        });
        self
    }

    /// Loads users from the ACL file `path` and makes it the file ACL LOAD and SAVE use
    /// (`--aclfile`). `Err` is Redis's message naming the file and the bad line(s).
    pub fn aclfile(self, path: impl AsRef<std::path::Path>) -> std::result::Result<Server, String> {
        self.embedded("Server::aclfile")?;
        self.redis
            .with_local_store(|s| crate::acl::use_file(s, path.as_ref()))?;
        Ok(self)
    }

    /// Data directory (`--dir`); reported by CONFIG GET dir. Persistence comes from the
    /// store itself: build it with [`crate::Redis::open`].
    pub fn dir(mut self, dir: impl Into<String>) -> Server {
        self.opts.dir = Some(dir.into());
        self
    }

    /// Worker threads (default 1).
    pub fn threads(mut self, n: usize) -> Server {
        self.opts.threads = n.max(1);
        self
    }

    /// Stop on SIGINT / SIGTERM.
    pub fn handle_signals(mut self, yes: bool) -> Server {
        self.opts.handle_signals = yes;
        self
    }

    /// A function the server calls on its own thread once a second to return freed memory
    /// to the operating system: the library never sets a global allocator, so the program
    /// that does passes its purge call (the `emu` binary: mimalloc's `mi_collect(true)`;
    /// with glibc malloc, `malloc_trim(0)`). Without it, memory freed by FLUSHALL or a large
    /// DEL stays with the allocator for reuse.
    pub fn release_memory(mut self, f: fn()) -> Server {
        self.opts.release_memory = Some(f);
        self
    }

    /// Listen backlog of the TCP listener (`--tcp-backlog`, default 511 as in Redis).
    pub fn tcp_backlog(mut self, n: u32) -> Server {
        self.opts.tcp_backlog = Some(n);
        self
    }

    /// Binds and starts serving on a background thread. On a remote handle: an error of
    /// kind `InvalidInput` saying the handle has no store to serve.
    #[cfg(feature = "server")]
    pub fn start(mut self) -> std::io::Result<Running> {
        self.embedded("Server::start")
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        match self.opts.tcp_backlog {
            Some(n) => self
                .redis
                .with_local_store(|s| {
                    s.config
                        .set_initial("tcp-backlog", n.to_string().as_bytes())
                })
                .map_err(invalid_option)?,
            None => {
                let n = self.redis.with_local_store(|s| s.config.tcp_backlog);
                self.opts.tcp_backlog = Some(u32::try_from(n).unwrap_or(u32::MAX));
            }
        }
        if let Some(dir) = &self.opts.dir {
            self.redis
                .with_local_store(|s| s.config.set_initial("dir", dir.as_bytes()))
                .map_err(invalid_option)?;
        }
        let port = self.opts.port;
        let bind = self.opts.bind.clone();
        let unix = self.opts.unixsocket.clone();
        let running = net::start(self.redis.clone(), self.opts)?;
        let real_port = running.addr().map(|a| a.port()).unwrap_or(port);
        self.redis
            .with_local_store(|s| {
                let cfg = &mut s.config;
                cfg.set_initial("port", real_port.to_string().as_bytes())?;
                if let Some(b) = bind {
                    cfg.set_initial("bind", b.as_bytes())?;
                }
                if let Some(u) = unix {
                    cfg.set_initial("unixsocket", u.display().to_string().as_bytes())?;
                }
                Ok(())
            })
            .map_err(invalid_option)?;
        Ok(running)
    }
}

/// How long a task of the async runtime waits between two attempts at the store's lock.
#[cfg(feature = "server")]
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(1);

/// The store's lock for a task of the server's async runtime. Such a task never blocks its
/// worker thread on the lock: a script past `busy-reply-threshold` holds it while it hands
/// its own worker to another thread (`net::yield_worker`), and a worker parked in the lock
/// then would leave no thread to run SCRIPT KILL — the whole server would stall for as long
/// as the script runs, forever for `while true do end`. The task sleeps between attempts
/// instead, so its worker serves the other connections meanwhile.
#[cfg(feature = "server")]
pub(crate) async fn lock_store(
    shared: &crate::engine::Shared,
) -> parking_lot::MutexGuard<'_, crate::engine::Store> {
    loop {
        if let Some(g) = shared.try_lock() {
            return g;
        }
        tokio::time::sleep(LOCK_RETRY).await;
    }
}

/// [`lock_store`] for a batch of commands (their effects are logged by
/// [`crate::engine::Batch::finish`]).
#[cfg(feature = "server")]
pub(crate) async fn lock_batch(shared: &crate::engine::Shared) -> crate::engine::Batch<'_> {
    loop {
        if let Some(b) = shared.try_batch() {
            return b;
        }
        tokio::time::sleep(LOCK_RETRY).await;
    }
}

/// A startup value the configuration table refused.
#[cfg(feature = "server")]
fn invalid_option(reason: crate::config::Reason) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, reason.into_owned())
}

//! Construction with redis-py's arguments, and the process-wide address registry.
//!
//! ```
//! use std::time::Duration;
//! use emu::Redis;
//!
//! // redis-py: Redis(host='localhost', port=6379, db=0, socket_timeout=5.0)
//! let a = Redis::options()
//!     .host("localhost")
//!     .port(16379)
//!     .db(0)
//!     .socket_timeout(Duration::from_secs(5))
//!     .connect()
//!     .unwrap();
//! let b = Redis::options().port(16379).connect().unwrap();
//! a.set("shared", "yes").unwrap();
//! // Two clients of one address see the same data, as clients of one server do.
//! assert_eq!(b.get::<_, Option<String>>("shared").unwrap().as_deref(), Some("yes"));
//! ```
//!
//! # Addresses
//!
//! There is no socket: an address names a store inside this process. Every handle connected
//! to the same address (`host:port`, a Unix socket path, or an `emu:///dir` data directory)
//! shares one store; the registry only holds weak references, so a store lives as long as
//! some handle (or pool) of it does — when the last one is dropped the "server" is gone and
//! the next client gets a fresh, empty store. `localhost`, `127.0.0.1`, `::1` and an
//! empty host name the same (loopback) address. [`Redis::new`] is a private store that no
//! address reaches, unless published with [`Redis::register_address`] (e.g. at the port an
//! in-process `emu serve` listens on, so embedded and network clients share it).
//!
//! # Arguments
//!
//! * `db` — the database this handle selects (SELECT is sent on connect, so an index
//!   beyond `databases` fails with `ERR DB index is out of range`, as in redis-py).
//! * `password` (+ `username`) — sent with AUTH on connect; a wrong one fails with
//!   `WRONGPASS invalid username-password pair or user is disabled.` A handle without a
//!   password on a store that requires one connects, and its commands fail with
//!   `NOAUTH Authentication required.` A password given to a store that has none is
//!   refused as Redis refuses it (`ERR AUTH <password> called without any password
//!   configured …`) — except when this connection *creates* the store for its address:
//!   the new store is then configured with that password (`requirepass`), like a server
//!   started with it. With a `username`, the handle authenticates as that ACL user
//!   (created with ACL SETUSER or loaded from an ACL file) and every command it runs is
//!   checked against that user's permissions, as a network client's would be.
//! * `decode_responses` — recorded on the handle ([`Redis::decode_responses`]). In Rust the
//!   caller picks the reply type per call (`String` decodes, `Vec<u8>` keeps bytes), so it
//!   changes no reply.
//! * `socket_timeout` / `socket_connect_timeout` — accepted and recorded
//!   ([`Redis::socket_timeout`]); an in-process command never waits on a socket.
//! * `client_name` — CLIENT SETNAME on connect.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use super::{new_session, Redis, Shared};
use crate::engine::Store;
use crate::engine::{self, Session};
use crate::error::{Error, ErrorKind, Result};

/// What a handle was connected with (see [`Redis::decode_responses`] and friends).
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnInfo {
    pub(crate) address: Option<String>,
    pub(crate) decode_responses: bool,
    pub(crate) socket_timeout: Option<Duration>,
    pub(crate) socket_connect_timeout: Option<Duration>,
}

/// redis-py's connection arguments: `Redis(host=, port=, db=, password=, socket_timeout=,
/// decode_responses=, …)`. Build with [`Redis::options`] and the setters, or fill the
/// fields (`ConnectOptions { port: 6380, ..Default::default() }`), then
/// [`ConnectOptions::connect`] / [`Redis::connect`]. See the [module docs](self).
///
/// `Debug` output shows the password as `"***"`.
#[derive(Clone)]
pub struct ConnectOptions {
    /// Host name (default `localhost`).
    pub host: String,
    /// Port (default 6379).
    pub port: u16,
    /// A Unix socket path: the address is the path instead of `host:port`.
    pub unix_socket_path: Option<PathBuf>,
    /// A data directory (`emu:///dir`): the store persists there ([`Redis::open`]); the
    /// address is the directory.
    pub data_dir: Option<PathBuf>,
    /// A fresh private in-memory store (`emu://memory`), reachable by no address.
    pub in_memory: bool,
    /// RNG seed of a store this connection creates (`emu://memory?seed=N`).
    pub seed: Option<u64>,
    /// Database selected by the handle (default 0).
    pub db: usize,
    /// AUTH user name (only `default` exists).
    pub username: Option<String>,
    /// AUTH password.
    pub password: Option<String>,
    /// Recorded only: an embedded command never waits on a socket.
    pub socket_timeout: Option<Duration>,
    /// Recorded only.
    pub socket_connect_timeout: Option<Duration>,
    /// Recorded only: Rust picks the reply type per call.
    pub decode_responses: bool,
    /// CLIENT SETNAME on connect.
    pub client_name: Option<String>,
    /// Connect as a read-only replica client (Sentinel `slave_for`): writes fail with
    /// `READONLY You can't write against a read only replica.`
    pub read_only: bool,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("unix_socket_path", &self.unix_socket_path)
            .field("data_dir", &self.data_dir)
            .field("in_memory", &self.in_memory)
            .field("seed", &self.seed)
            .field("db", &self.db)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("socket_timeout", &self.socket_timeout)
            .field("socket_connect_timeout", &self.socket_connect_timeout)
            .field("decode_responses", &self.decode_responses)
            .field("client_name", &self.client_name)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            host: "localhost".into(),
            port: 6379,
            unix_socket_path: None,
            data_dir: None,
            in_memory: false,
            seed: None,
            db: 0,
            username: None,
            password: None,
            socket_timeout: None,
            socket_connect_timeout: None,
            decode_responses: false,
            client_name: None,
            read_only: false,
        }
    }
}

impl ConnectOptions {
    /// Host name.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }
    /// Port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Database index.
    pub fn db(mut self, db: usize) -> Self {
        self.db = db;
        self
    }
    /// AUTH user name.
    pub fn username(mut self, user: impl Into<String>) -> Self {
        self.username = Some(user.into());
        self
    }
    /// AUTH password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }
    /// Socket timeout (recorded only).
    pub fn socket_timeout(mut self, t: Duration) -> Self {
        self.socket_timeout = Some(t);
        self
    }
    /// Socket connect timeout (recorded only).
    pub fn socket_connect_timeout(mut self, t: Duration) -> Self {
        self.socket_connect_timeout = Some(t);
        self
    }
    /// `decode_responses` (recorded only).
    pub fn decode_responses(mut self, yes: bool) -> Self {
        self.decode_responses = yes;
        self
    }
    /// Unix socket path (the address).
    pub fn unix_socket_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.unix_socket_path = Some(path.into());
        self
    }
    /// A persistent data directory (the address).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }
    /// A fresh private in-memory store.
    pub fn in_memory(mut self) -> Self {
        self.in_memory = true;
        self
    }
    /// RNG seed of a store this connection creates.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// CLIENT SETNAME on connect.
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }
    /// Connect as a read-only replica client.
    pub fn read_only(mut self, yes: bool) -> Self {
        self.read_only = yes;
        self
    }

    /// Connects: finds (or creates) the store of the address, then AUTH / SELECT /
    /// CLIENT SETNAME as a client does on connect.
    pub fn connect(&self) -> Result<Redis> {
        let (shared, created) = self.resolve()?;
        self.attach(shared, created)
    }

    /// The registry key of the address, or None for a private in-memory store.
    pub(crate) fn address_key(&self) -> Result<Option<String>> {
        if let Some(p) = &self.unix_socket_path {
            return Ok(Some(format!("unix:{}", p.display())));
        }
        if let Some(d) = &self.data_dir {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d.display(), e))?;
            let canon = d.canonicalize().map_err(|e| Error::io(d.display(), e))?;
            return Ok(Some(format!("dir:{}", canon.display())));
        }
        if self.in_memory {
            return Ok(None);
        }
        Ok(Some(format!(
            "tcp:{}:{}",
            canonical_host(&self.host),
            self.port
        )))
    }

    fn display_address(&self) -> String {
        if let Some(p) = &self.unix_socket_path {
            return p.display().to_string();
        }
        if let Some(d) = &self.data_dir {
            return format!("emu://{}", d.display());
        }
        if self.in_memory {
            return "emu://memory".into();
        }
        format!("{}:{}", self.host, self.port)
    }

    /// True if a live in-process store already has this address (no store is created).
    pub(crate) fn has_live_store(&self) -> Result<bool> {
        if self.data_dir.is_some() || self.in_memory {
            return Ok(false);
        }
        let Some(key) = self.address_key()? else {
            return Ok(false);
        };
        Ok(registry()
            .lock()
            .get(&key)
            .is_some_and(|w| w.strong_count() > 0))
    }

    /// Finds or creates the store this connection talks to; `true` if created now.
    pub(crate) fn resolve(&self) -> Result<(Arc<Shared>, bool)> {
        let key = self.address_key()?;
        let Some(key) = key else {
            return Ok((self.new_store()?, true));
        };
        let mut reg = registry().lock();
        if let Some(shared) = reg.get(&key).and_then(Weak::upgrade) {
            return Ok((shared, false));
        }
        let shared = self.new_store()?;
        reg.retain(|_, w| w.strong_count() > 0);
        reg.insert(key, Arc::downgrade(&shared));
        Ok((shared, true))
    }

    fn new_store(&self) -> Result<Arc<Shared>> {
        let mut b = Redis::builder();
        if let Some(seed) = self.seed {
            b = b.seed(seed);
        }
        let r = match &self.data_dir {
            Some(dir) => b.open(dir)?,
            None => b.build(),
        };
        Ok(r.shared)
    }

    /// A new handle (own session) on `shared`, set up as a client does on connect.
    pub(crate) fn attach(&self, shared: Arc<Shared>, created: bool) -> Result<Redis> {
        let mut session = new_session(0);
        session.read_only = self.read_only;
        {
            let mut store = shared.lock();
            if created {
                if let Some(p) = self.password.as_ref().filter(|p| !p.is_empty()) {
                    store
                        .config
                        .set_initial("requirepass", p.as_bytes())
                        .expect("requirepass takes any text");
                    let p = store.config.requirepass().map(str::to_owned);
                    store.acl.set_default_password(p.as_deref());
                }
            }
            session.authenticated = !store.acl.needs_auth();
            self.handshake(&mut store, &mut session)?;
        }
        Ok(Redis {
            shared,
            session: Arc::new(Mutex::new(session)),
            info: Some(Arc::new(ConnInfo {
                address: Some(self.display_address()),
                decode_responses: self.decode_responses,
                socket_timeout: self.socket_timeout,
                socket_connect_timeout: self.socket_connect_timeout,
            })),
            #[cfg(feature = "remote")]
            remote: None,
        })
    }

    /// AUTH, SELECT and CLIENT SETNAME, as redis-py's `on_connect` sends them.
    pub(crate) fn handshake(&self, store: &mut Store, session: &mut Session) -> Result<()> {
        if let Some(pass) = &self.password {
            match &self.username {
                Some(user) => {
                    engine::execute(store, session, &[b"AUTH", user.as_bytes(), pass.as_bytes()])?
                }
                None => engine::execute(store, session, &[b"AUTH", pass.as_bytes()])?,
            };
        }
        if let Some(name) = &self.client_name {
            engine::execute(store, session, &[b"CLIENT", b"SETNAME", name.as_bytes()])?;
        }
        if self.db != 0 {
            engine::execute(store, session, &[b"SELECT", self.db.to_string().as_bytes()])?;
        }
        Ok(())
    }
}

fn registry() -> &'static Mutex<HashMap<String, Weak<Shared>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<Shared>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Loopback spellings name one address.
fn canonical_host(host: &str) -> String {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    let h = h.to_ascii_lowercase();
    match h.as_str() {
        "" | "localhost" | "127.0.0.1" | "::1" | "0:0:0:0:0:0:0:1" => "localhost".into(),
        _ => h,
    }
}

impl Redis {
    /// redis-py-style connection options (host, port, db, password, socket_timeout,
    /// decode_responses, …); finish with [`ConnectOptions::connect`]. Handles connected to
    /// the same address share one store. See [`connect`](self).
    pub fn options() -> ConnectOptions {
        ConnectOptions::default()
    }

    /// Connects with `options` (see [`Redis::options`]).
    pub fn connect(options: ConnectOptions) -> Result<Redis> {
        options.connect()
    }

    /// The `decode_responses` flag this handle was connected with (false for
    /// [`Redis::new`]). Informational: the reply type is chosen per call.
    pub fn decode_responses(&self) -> bool {
        self.info.as_ref().is_some_and(|i| i.decode_responses)
    }

    /// The `socket_timeout` this handle was connected with (informational).
    pub fn socket_timeout(&self) -> Option<Duration> {
        self.info.as_ref().and_then(|i| i.socket_timeout)
    }

    /// The `socket_connect_timeout` this handle was connected with (informational).
    pub fn socket_connect_timeout(&self) -> Option<Duration> {
        self.info.as_ref().and_then(|i| i.socket_connect_timeout)
    }

    /// The address this handle was connected to (`host:port`, a socket path,
    /// `emu://…`), or None for [`Redis::new`] / [`Redis::open`] handles.
    pub fn address(&self) -> Option<&str> {
        self.info.as_ref().and_then(|i| i.address.as_deref())
    }

    /// Publishes this handle's store at `host:port`, so handles connected to that address
    /// ([`Redis::options`], [`crate::from_url`], pools, Sentinel) reach it — e.g. the
    /// address an in-process `emu serve` ([`crate::server`]) listens on, making embedded
    /// and network clients share data. Fails if another live store already has the
    /// address. The registry holds the store weakly: it stays published while a handle
    /// lives.
    pub fn register_address(&self, host: &str, port: u16) -> Result<()> {
        let key = format!("tcp:{}:{}", canonical_host(host), port);
        let mut reg = registry().lock();
        if let Some(live) = reg.get(&key).and_then(Weak::upgrade) {
            if Arc::ptr_eq(&live, &self.shared) {
                return Ok(());
            }
            return Err(Error::new(
                ErrorKind::Connection,
                format!("address {host}:{port} is already served by another store"),
            ));
        }
        reg.insert(key, Arc::downgrade(&self.shared));
        Ok(())
    }

    /// True if `other` talks to the same store.
    pub fn same_store(&self, other: &Redis) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("address", &self.address())
            .field("db", &self.db())
            .finish()
    }
}

//! `ConnectionPool`: a bounded set of connections (handles with their own session) to one
//! store, as redis-py's `ConnectionPool(host=, port=, db=, max_connections=)`.
//!
//! ```
//! use emu::{ConnectionPool, ErrorKind, Redis};
//!
//! let pool = ConnectionPool::new(Redis::options().port(16380).db(0)).max_connections(2);
//! let a = pool.get().unwrap();
//! let b = pool.get().unwrap();
//! a.set("k", "v").unwrap();
//! assert_eq!(b.get::<_, Option<String>>("k").unwrap().as_deref(), Some("v"));
//! // Both connections are checked out: redis-py's default pool refuses a third.
//! let err = pool.get().unwrap_err();
//! assert_eq!((err.kind(), err.message()), (ErrorKind::Connection, "Too many connections"));
//! drop(a); // returns the connection
//! assert!(pool.get().is_ok());
//! ```
//!
//! [`ConnectionPool::get`] checks a connection out; the [`PooledConnection`] guard derefs to
//! [`Redis`] and returns the connection when dropped (a clone of the guard's `Redis` shares
//! its session: drop clones with the guard). Every connection has its own session
//! (selected db, name, auth…), so a SELECT on one never shows on another checked out at
//! the same time; when a connection comes back the pool RESETs it to a fresh connection's
//! state (the pool's db and credentials) before handing it out again — redis-py instead
//! returns it as the last user left it, which makes a SELECT leak into later users.
//!
//! [`Redis::from_pool`] is redis-py's `Redis(connection_pool=pool)`: a handle on the pool's
//! store and db. redis-py checks a connection out only for the duration of each command;
//! an embedded command runs in an instant under the store's lock, so such a handle does
//! not count against `max_connections` (use [`ConnectionPool::get`] to hold one).
//!
//! With [`ConnectionPool::blocking`] the pool behaves as redis-py's
//! `BlockingConnectionPool`: `get()` waits (up to the timeout; `None` = forever) for a
//! connection to come back, then fails with `No connection available.`

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::connect::ConnectOptions;
use super::{Redis, Shared};
use crate::engine;
use crate::error::{Error, ErrorKind, Result};

/// redis-py's default `max_connections` (2**31).
const DEFAULT_MAX: usize = 1 << 31;

struct PoolState {
    idle: Vec<Redis>,
    in_use: usize,
    /// The pool's store once resolved: every connection of the pool uses it (an
    /// `emu://memory` pool is one store, not one per connection).
    store: Option<Arc<Shared>>,
}

struct PoolShared {
    state: Mutex<PoolState>,
    returned: Condvar,
}

/// A pool of connections to one store. Cheap to clone (clones are the same pool). See the
/// [module docs](self).
///
/// ```
/// use emu::{ConnectionPool, Redis};
/// let pool = ConnectionPool::new(Redis::options().port(16401)).max_connections(2);
/// let conn = pool.get()?; // back to the pool when dropped
/// conn.set("k", "v")?;
/// assert_eq!(pool.get()?.get::<_, String>("k")?, "v");
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone)]
pub struct ConnectionPool {
    options: ConnectOptions,
    max: usize,
    /// `Some(timeout)`: a BlockingConnectionPool waiting up to `timeout` (None: forever).
    blocking: Option<Option<Duration>>,
    shared: Arc<PoolShared>,
    /// A pool of the remote backend ([`ConnectionPool::from_url`] of a `remote+` URL):
    /// each pooled connection is a connection of its own to the server
    /// ([`Redis::with_db`] of this handle).
    #[cfg(feature = "remote")]
    remote: Option<Redis>,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.shared.state.lock();
        f.debug_struct("ConnectionPool")
            .field("options", &self.options)
            .field("max_connections", &self.max)
            .field("in_use", &st.in_use)
            .field("idle", &st.idle.len())
            .finish()
    }
}

impl ConnectionPool {
    /// A pool connecting with `options` (host, port, db, password, …); no connection is
    /// made until [`ConnectionPool::get`].
    pub fn new(options: ConnectOptions) -> ConnectionPool {
        ConnectionPool {
            options,
            max: DEFAULT_MAX,
            blocking: None,
            shared: Arc::new(PoolShared {
                state: Mutex::new(PoolState {
                    idle: Vec::new(),
                    in_use: 0,
                    store: None,
                }),
                returned: Condvar::new(),
            }),
            #[cfg(feature = "remote")]
            remote: None,
        }
    }

    /// A pool for a URL ([`crate::from_url`]'s forms and its guard against a listening
    /// server; `?max_connections=N` is honoured).
    ///
    /// With feature `remote`, a `remote+…` URL makes a pool of connections to that server
    /// (see [`Redis::remote`]).
    pub fn from_url(url: &str) -> Result<ConnectionPool> {
        #[cfg(feature = "remote")]
        if crate::remote::is_remote_url(url) {
            let mut pool = ConnectionPool::new(ConnectOptions::default());
            pool.remote = Some(Redis::remote(url)?);
            return Ok(pool);
        }
        let (options, max) = super::url::parse(url)?;
        super::url::refuse_listening_server(url, &options)?;
        let pool = ConnectionPool::new(options);
        Ok(match max {
            Some(n) => pool.max_connections(n),
            None => pool,
        })
    }

    /// Most connections that may exist at once (default 2³¹ as in redis-py).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max = n;
        self
    }

    /// Makes this a redis-py `BlockingConnectionPool`: when every connection is checked out
    /// `get()` waits up to `timeout` (None: forever) for one to be returned.
    pub fn blocking(mut self, timeout: Option<Duration>) -> Self {
        self.blocking = Some(timeout);
        self
    }

    /// The options connections are made with.
    pub fn options(&self) -> &ConnectOptions {
        &self.options
    }

    /// The configured maximum.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Connections currently checked out.
    pub fn in_use(&self) -> usize {
        self.shared.state.lock().in_use
    }

    /// Connections made and waiting in the pool.
    pub fn idle(&self) -> usize {
        self.shared.state.lock().idle.len()
    }

    /// Drops the idle connections (redis-py `disconnect()`); checked-out ones stay valid.
    pub fn disconnect(&self) {
        self.shared.state.lock().idle.clear();
    }

    /// Checks a connection out. When `max_connections` are checked out: fails with
    /// `Too many connections` ([`ErrorKind::Connection`]), or for a blocking pool waits and
    /// fails with `No connection available.` after the timeout.
    pub fn get(&self) -> Result<PooledConnection> {
        let deadline = self.blocking.flatten().map(|t| Instant::now() + t);
        let mut st = self.shared.state.lock();
        loop {
            if let Some(r) = st.idle.pop() {
                st.in_use += 1;
                return Ok(self.guard(r));
            }
            if st.in_use < self.max {
                st.in_use += 1;
                let made = self.make(&mut st);
                return match made {
                    Ok(r) => Ok(self.guard(r)),
                    Err(e) => {
                        st.in_use -= 1;
                        self.shared.returned.notify_one();
                        Err(e)
                    }
                };
            }
            match (self.blocking, deadline) {
                (None, _) => {
                    return Err(Error::new(ErrorKind::Connection, "Too many connections"));
                }
                (Some(_), None) => self.shared.returned.wait(&mut st),
                (Some(_), Some(d)) => {
                    if self.shared.returned.wait_until(&mut st, d).timed_out()
                        && st.idle.is_empty()
                        && st.in_use >= self.max
                    {
                        return Err(Error::new(
                            ErrorKind::Connection,
                            "No connection available.",
                        ));
                    }
                }
            }
        }
    }

    /// redis-py's name for [`ConnectionPool::get`].
    pub fn get_connection(&self) -> Result<PooledConnection> {
        self.get()
    }

    fn make(&self, st: &mut PoolState) -> Result<Redis> {
        #[cfg(feature = "remote")]
        if let Some(base) = &self.remote {
            return Ok(base.with_db(base.db()));
        }
        let (shared, created) = match &st.store {
            Some(s) => (s.clone(), false),
            None => self.options.resolve()?,
        };
        let r = self.options.attach(shared.clone(), created)?;
        st.store = Some(shared);
        Ok(r)
    }

    fn guard(&self, r: Redis) -> PooledConnection {
        PooledConnection {
            redis: Some(r),
            pool: self.clone(),
        }
    }

    /// Back to a fresh connection's state, then into the idle list.
    fn release(&self, r: Redis) {
        #[cfg(feature = "remote")]
        if self.remote.is_some() {
            // A remote connection keeps its database; only a WATCH left open is undone.
            let ok = r.execute(&[b"UNWATCH"]).is_ok();
            let mut st = self.shared.state.lock();
            st.in_use = st.in_use.saturating_sub(1);
            if ok {
                st.idle.push(r);
            }
            drop(st);
            self.shared.returned.notify_one();
            return;
        }
        let reset = r.with_session_and_store(|store, session| {
            let (authenticated, user) = (session.authenticated, session.user.clone());
            engine::execute(store, session, &[b"RESET"])?;
            session.resp = 3;
            session.authenticated = authenticated;
            session.user = user;
            self.options.handshake(store, session)
        });
        let mut st = self.shared.state.lock();
        st.in_use = st.in_use.saturating_sub(1);
        // A connection that cannot be reset is dropped (a new one is made when needed).
        if matches!(reset, Ok(Ok(()))) {
            st.idle.push(r);
        }
        drop(st);
        self.shared.returned.notify_one();
    }
}

/// A connection checked out of a [`ConnectionPool`]: derefs to [`Redis`], goes back to the
/// pool when dropped.
pub struct PooledConnection {
    redis: Option<Redis>,
    pool: ConnectionPool,
}

impl Deref for PooledConnection {
    type Target = Redis;
    fn deref(&self) -> &Redis {
        self.redis
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(r) = self.redis.take() {
            self.pool.release(r);
        }
    }
}

impl std::fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PooledConnection")
            .field("db", &self.redis.as_ref().map(Redis::db))
            .finish()
    }
}

impl Redis {
    /// redis-py's `Redis(connection_pool=pool)`: a handle on the pool's store, selecting the
    /// pool's db, with the pool's credentials. It holds no pooled connection (see the
    /// [pool docs](crate::client::pool)).
    pub fn from_pool(pool: &ConnectionPool) -> Result<Redis> {
        let mut st = pool.shared.state.lock();
        let (shared, created) = match &st.store {
            Some(s) => (s.clone(), false),
            None => pool.options.resolve()?,
        };
        let r = pool.options.attach(shared.clone(), created)?;
        st.store = Some(shared);
        Ok(r)
    }
}

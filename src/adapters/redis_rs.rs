//! Run code written for the [redis](https://docs.rs/redis) crate (redis-rs 1.x) against an
//! embedded emu store, in-process, with no socket.
//!
//! [`EmuConnection`] implements `redis::ConnectionLike`, so `redis::Commands` methods,
//! `redis::cmd(..).query(&mut con)` and `redis::pipe()` work on it; [`EmuAsyncConnection`]
//! implements `redis::aio::ConnectionLike`, so `redis::AsyncCommands` and `query_async` work
//! too (on any executor: nothing here awaits I/O).
//!
//! Requests go through the same RESP parser and reply encoder as `emu serve`, and replies
//! are decoded by redis-rs's own parser, so what your code sees is exactly what it would see
//! from a server: error replies are `redis::RedisError`s of the same kind (`ERR …` →
//! `ErrorKind::Server(ServerErrorKind::ResponseError)`, `WRONGTYPE …` → an
//! `ErrorKind::Extension` error whose `code()` is `"WRONGTYPE"`), pipelines answer in order,
//! and `redis::pipe().atomic()` sends MULTI/EXEC like a real connection (`redis::transaction`
//! with WATCH works too: each connection is its own client).
//!
//! ```
//! use redis::Commands;
//! let store = emu::Redis::new();
//! let mut con = emu::adapters::redis_rs::EmuConnection::new(&store);
//! let _: () = con.set("greeting", "hello").unwrap();
//! let v: String = con.get("greeting").unwrap();
//! assert_eq!(v, "hello");
//! ```
//!
//! Each connection has its own session (selected db, protocol, name), like a client of a
//! server; all connections made from clones of one `emu::Redis` share its data.

use std::sync::Arc;

pub use crate::adapters::pubsub::{next, EmuAsyncPubSub, MessageStream, OwnedMessageStream};

use parking_lot::Mutex;
use redis::{ErrorKind, RedisError, RedisFuture, RedisResult, Value};

use crate::engine::{next_client_id, Session};
use crate::server::conn::{Conn, Flow};
use crate::Redis;

/// The adapter runs commands in process on an embedded store: over a remote handle
/// (feature `remote`) every request fails with [`Redis::embedded`]'s message (redis-rs's
/// own client reaches a server directly).
pub(crate) fn embedded_only(redis: &Redis) -> RedisResult<()> {
    match redis.embedded("the redis-rs adapter") {
        Ok(_) => Ok(()),
        Err(e) => Err(RedisError::from((
            ErrorKind::Client,
            "not an embedded store",
            e.message().to_string(),
        ))),
    }
}

/// Runs packed RESP requests on a session and returns the raw replies, one per request. A
/// blocking command that blocks waits on this thread (holding no lock).
fn run_packed(redis: &Redis, conn: &mut Conn, packed: &[u8]) -> RedisResult<Vec<Value>> {
    embedded_only(redis)?;
    conn.input().extend_from_slice(packed);
    let store = redis.shared_store();
    let mut flow = conn.process(store);
    while let Some(w) = conn.blocked.take() {
        let reply = w.wait(store);
        conn.finish_blocked(reply);
        flow = conn.process(store);
    }
    let out = conn.out.take_all();
    parse_replies(conn, out, flow)
}

/// The async form of [`run_packed`]: a blocked command is awaited as a future that holds
/// no executor thread; meanwhile other clones of the connection keep working (the rest of
/// this request's pipeline is set aside until the reply arrives).
async fn run_packed_async(
    redis: &Redis,
    conn: &Mutex<Conn>,
    packed: &[u8],
) -> RedisResult<Vec<Value>> {
    embedded_only(redis)?;
    let store = redis.shared_store();
    let mut out = Vec::new();
    let (mut flow, mut blocked) = {
        let mut c = conn.lock();
        c.input().extend_from_slice(packed);
        let flow = c.process(store);
        out.append(&mut c.out.take_all());
        let blocked = c.blocked.take().map(|w| (w, c.take_pending_input()));
        (flow, blocked)
    };
    while let Some((w, rest)) = blocked.take() {
        let reply = w.wait_async(store).await;
        let mut c = conn.lock();
        c.finish_blocked(reply);
        c.input().extend_from_slice(&rest);
        flow = c.process(store);
        out.append(&mut c.out.take_all());
        blocked = c.blocked.take().map(|w| (w, c.take_pending_input()));
    }
    parse_replies(&mut conn.lock(), out, flow)
}

/// Splits the encoded replies and handles a partial request or a close.
fn parse_replies(conn: &mut Conn, out: Vec<u8>, flow: Flow) -> RedisResult<Vec<Value>> {
    let mut replies = Vec::new();
    let mut rest: &[u8] = &out;
    while !rest.is_empty() {
        let n = reply_len(rest, 0).ok_or_else(|| {
            RedisError::from((ErrorKind::Parse, "emu produced an incomplete reply"))
        })?;
        replies.push(redis::parse_redis_value(&rest[..n])?);
        rest = &rest[n..];
    }
    if conn.pending_input() > 0 {
        // The caller sent a partial request; drop it so the session stays usable.
        *conn = Conn::new(conn.session.clone());
        return Err(RedisError::from((
            ErrorKind::Client,
            "incomplete request packed into the command",
        )));
    }
    if flow == Flow::Close {
        // QUIT / CLIENT KILL of self: start over with a fresh session, like a reconnect.
        conn.session = new_session(conn.session.resp);
    }
    Ok(replies)
}

/// Length of the complete reply at `b[at..]`.
fn reply_len(b: &[u8], at: usize) -> Option<usize> {
    let tag = *b.get(at)?;
    let end = at + b.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
    let head = std::str::from_utf8(&b[at + 1..end]).ok()?;
    let after = end + 2;
    match tag {
        b'$' | b'=' | b'!' => {
            let n: i64 = head.parse().ok()?;
            if n < 0 {
                Some(after - at)
            } else {
                Some(after + n as usize + 2 - at)
            }
        }
        b'*' | b'~' | b'>' | b'%' => {
            let n: i64 = head.parse().ok()?;
            if n < 0 {
                return Some(after - at);
            }
            let items = if tag == b'%' { 2 * n } else { n };
            let mut pos = after;
            for _ in 0..items {
                pos += reply_len(b, pos)?;
            }
            Some(pos - at)
        }
        _ => Some(after - at),
    }
}

fn new_session(resp: u8) -> Session {
    Session {
        id: next_client_id(),
        resp,
        ..Session::default()
    }
}

/// Applies redis-rs's pipeline reply rules: skip `offset` replies (MULTI and QUEUED
/// acknowledgements), collect `count`; if a queued command was rejected, the transaction
/// was aborted and that rejection is the error (redis-rs's socket connection wraps it in a
/// "transaction aborted" error it alone can build; here it is the server error itself).
fn select_pipeline_replies(
    replies: Vec<Value>,
    offset: usize,
    count: usize,
) -> RedisResult<Vec<Value>> {
    let mut rv = Vec::with_capacity(count);
    let mut first_queued_error = None;
    for (idx, v) in replies.into_iter().enumerate().take(offset + count) {
        match v {
            Value::ServerError(err) if idx < offset => {
                first_queued_error.get_or_insert(err);
            }
            v if idx >= offset => rv.push(v),
            _ => {}
        }
    }
    if let Some(err) = first_queued_error {
        return Err(err.into());
    }
    if rv.len() < count {
        return Err(RedisError::from((
            ErrorKind::Client,
            "fewer replies than commands in the pipeline",
        )));
    }
    Ok(rv)
}

/// A synchronous redis-rs connection to an embedded store.
pub struct EmuConnection {
    redis: Redis,
    conn: Conn,
}

impl EmuConnection {
    /// A RESP2 connection (redis-rs's default protocol) to `redis`'s store.
    pub fn new(redis: &Redis) -> EmuConnection {
        EmuConnection {
            redis: redis.clone(),
            conn: Conn::new(new_session(2)),
        }
    }

    /// A connection speaking RESP3 (maps, sets, doubles, booleans arrive as such).
    pub fn resp3(redis: &Redis) -> EmuConnection {
        EmuConnection {
            redis: redis.clone(),
            conn: Conn::new(new_session(3)),
        }
    }
}

impl redis::ConnectionLike for EmuConnection {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let mut replies = run_packed(&self.redis, &mut self.conn, cmd)?;
        replies
            .pop()
            .ok_or_else(|| RedisError::from((ErrorKind::Client, "empty request")))
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let replies = run_packed(&self.redis, &mut self.conn, cmd)?;
        select_pipeline_replies(replies, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.session.db as i64
    }

    fn check_connection(&mut self) -> bool {
        true
    }

    fn is_open(&self) -> bool {
        true
    }
}

/// An async redis-rs connection to an embedded store. Cheap to clone; clones share one
/// session (like redis-rs's multiplexed connection shares one server connection).
#[derive(Clone)]
pub struct EmuAsyncConnection {
    redis: Redis,
    conn: Arc<Mutex<Conn>>,
}

impl EmuAsyncConnection {
    /// A RESP2 connection to `redis`'s store.
    pub fn new(redis: &Redis) -> EmuAsyncConnection {
        EmuAsyncConnection {
            redis: redis.clone(),
            conn: Arc::new(Mutex::new(Conn::new(new_session(2)))),
        }
    }

    /// A connection speaking RESP3.
    pub fn resp3(redis: &Redis) -> EmuAsyncConnection {
        EmuAsyncConnection {
            redis: redis.clone(),
            conn: Arc::new(Mutex::new(Conn::new(new_session(3)))),
        }
    }
}

impl redis::aio::ConnectionLike for EmuAsyncConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> RedisFuture<'a, Value> {
        let packed = cmd.get_packed_command();
        Box::pin(async move {
            run_packed_async(&self.redis, &self.conn, &packed)
                .await?
                .pop()
                .ok_or_else(|| RedisError::from((ErrorKind::Client, "empty request")))
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        let packed = pipeline.get_packed_pipeline();
        Box::pin(async move {
            let replies = run_packed_async(&self.redis, &self.conn, &packed).await?;
            select_pipeline_replies(replies, offset, count)
        })
    }

    fn get_db(&self) -> i64 {
        self.conn.lock().session.db as i64
    }
}

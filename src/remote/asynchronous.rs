//! The async side of the remote backend: what [`crate::AsyncRedis`] runs on a remote handle.
//!
//! Commands go through redis-rs's async connections — no thread is held per call:
//!
//! * each server (each master of a cluster) has one shared multiplexed connection
//!   (redis-rs's `MultiplexedConnection`; after an I/O failure the next call opens a new
//!   one): typed methods,
//!   scripts, plain pipelines and MULTI … EXEC transactions (sent as one unit, so they
//!   cannot interleave with other tasks' commands);
//! * a command that may block (BLPOP, BRPOPLPUSH, XREAD BLOCK, WAIT … — the `blocking`
//!   flag of emu's command table) takes a connection of its own from a per-server idle
//!   pool, so it never holds up the shared one;
//! * a pinned handle (`AsyncRedis::watch`, `with_db`) has its own async connection, which
//!   holds the WATCH until EXEC.
//!
//! Routing, CROSSSLOT checks, fan-out, MOVED / ASK and the reply conversions are the sync
//! side's ([`super::Handle`]): only the I/O differs.
//!
//! # Where the connections run
//!
//! A redis-rs async connection is driven by a task on the tokio runtime that opened it. A
//! call polled inside a tokio runtime (`#[tokio::main]`, `#[tokio::test]`, a task of any
//! runtime whose I/O and time drivers are on) runs right there, in the caller's task, on
//! that runtime's own connections — opened by the first call on it, no hop to another
//! thread. Anywhere else (another executor, `futures::executor::block_on`, a runtime built
//! without `enable_io` / `enable_time`) the call is a task on one background thread
//! (`emu-remote-io`, a current-thread tokio runtime started by the first such call) and the
//! caller's future waits for it, so the futures work on any executor; they are `Send +
//! 'static` either way. Dropping a future stops its call (a blocking command's connection
//! is closed, so the server stops waiting for it).
//!
//! Each runtime has its own connections per node (at most [`MAX_RUNTIMES`] runtimes are
//! remembered; the oldest's are dropped after that — a connection in use stays open until
//! its call ends). A runtime that shuts down takes its connections' tasks with it; the
//! ones it leaves in the table are never used again (runtime ids are not reused).
//!
//! Whether a runtime has its drivers on cannot be asked of tokio without a panic: the first
//! call on a runtime checks it once under `catch_unwind`, and a runtime built without them
//! prints that panic's message once and uses the background thread.
//!
//! redis-rs's async connections have a 500 ms response timeout by default; emu sets none
//! (a BLPOP may wait as long as its own timeout says).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use parking_lot::Mutex;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use tokio::runtime::Id as RuntimeId;

use super::{
    combine, conn_error, first, from_redis, next_hop, reply_result, to_value, with_asking, Handle,
    Node, PinnedConn, Plan, Remote, MAX_IDLE, MAX_REDIRECTS,
};
use crate::error::{Error, Result};
use crate::util::argbuf::{ArgBuf, CommandBuf};
use crate::value::Value;

/// How many runtimes' connections a node keeps.
pub const MAX_RUNTIMES: usize = 16;

/// The boxed future of an async remote call.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

/// A node's async connections, per tokio runtime.
#[derive(Default)]
pub(super) struct NodeAio {
    runtimes: Mutex<Vec<RuntimeConns>>,
}

/// The connections a node has on one runtime: the shared multiplexed one and the idle
/// dedicated ones (blocking commands).
struct RuntimeConns {
    runtime: RuntimeId,
    shared: Option<MultiplexedConnection>,
    idle: Vec<MultiplexedConnection>,
}

impl NodeAio {
    /// Runs `f` on `rt`'s connections (an empty entry if new; the oldest entry goes when
    /// there are [`MAX_RUNTIMES`]).
    fn on<T>(&self, rt: RuntimeId, f: impl FnOnce(&mut RuntimeConns) -> T) -> T {
        let mut all = self.runtimes.lock();
        let i = match all.iter().position(|c| c.runtime == rt) {
            Some(i) => i,
            None => {
                if all.len() >= MAX_RUNTIMES {
                    all.remove(0);
                }
                all.push(RuntimeConns {
                    runtime: rt,
                    shared: None,
                    idle: Vec::new(),
                });
                all.len() - 1
            }
        };
        f(&mut all[i])
    }
}

/// The runtime the current task runs on (every async remote call runs on one: the
/// caller's or the I/O thread's).
pub(super) fn current_runtime() -> Result<RuntimeId> {
    tokio::runtime::Handle::try_current()
        .map(|h| h.id())
        .map_err(|_| conn_error("not inside a tokio runtime"))
}

/// True when the caller is inside a tokio runtime with its I/O and time drivers on (the
/// answer is remembered per runtime: per thread for the last one, and process-wide).
fn on_usable_runtime() -> bool {
    thread_local! {
        static LAST: Cell<Option<(RuntimeId, bool)>> = const { Cell::new(None) };
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    let id = rt.id();
    if let Some((last, usable)) = LAST.get() {
        if last == id {
            return usable;
        }
    }
    static KNOWN: Mutex<Vec<(RuntimeId, bool)>> = Mutex::new(Vec::new());
    let known = KNOWN.lock().iter().find(|(r, _)| *r == id).map(|(_, u)| *u);
    let usable = match known {
        Some(u) => u,
        None => {
            let u = drivers_enabled();
            let mut all = KNOWN.lock();
            if all.len() >= 4 * MAX_RUNTIMES {
                all.remove(0);
            }
            all.push((id, u));
            u
        }
    };
    LAST.set(Some((id, usable)));
    usable
}

/// Whether the current runtime has its time and I/O drivers (tokio panics when a timer or
/// a socket is made on a runtime without them, and has no other way to ask).
fn drivers_enabled() -> bool {
    std::panic::catch_unwind(|| {
        let _timer = tokio::time::sleep(std::time::Duration::ZERO);
        #[cfg(unix)]
        {
            let Ok((a, _b)) = std::os::unix::net::UnixStream::pair() else {
                return false;
            };
            if a.set_nonblocking(true).is_err() {
                return false;
            }
            return tokio::net::UnixStream::from_std(a).is_ok();
        }
        #[allow(unreachable_code)]
        true
    })
    .unwrap_or(false)
}

/// Runs the call `f`: in the caller's task when it is polled on a usable tokio runtime
/// (the connections of that runtime), else as a task on the I/O thread.
pub fn run<T: Send + 'static>(f: impl Future<Output = Result<T>> + Send + 'static) -> BoxFuture<T> {
    Box::pin(async move {
        if on_usable_runtime() {
            f.await
        } else {
            spawn(f).await
        }
    })
}

/// The I/O runtime's handle (started on first use).
fn runtime() -> Result<tokio::runtime::Handle> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Handle, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let handle = rt.handle().clone();
            std::thread::Builder::new()
                .name("emu-remote-io".into())
                .spawn(move || rt.block_on(std::future::pending::<()>()))
                .map_err(|e| e.to_string())?;
            Ok(handle)
        })
        .clone()
        .map_err(|e| conn_error(format!("cannot start the remote I/O thread: {e}")))
}

/// Runs `f` as a task on the I/O thread; the returned future resolves to its result, and
/// dropping it aborts the task.
pub fn spawn<T: Send + 'static>(
    f: impl Future<Output = Result<T>> + Send + 'static,
) -> BoxFuture<T> {
    match runtime() {
        Ok(rt) => Box::pin(Task(rt.spawn(f))),
        Err(e) => Box::pin(std::future::ready(Err(e))),
    }
}

/// A task's join handle that aborts the task when dropped.
struct Task<T>(tokio::task::JoinHandle<Result<T>>);

impl<T> Future for Task<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(Ok(r)) => Poll::Ready(r),
            Poll::Ready(Err(e)) => Poll::Ready(Err(conn_error(format!("remote task: {e}")))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The async connection options: no response timeout (blocking commands wait as long as
/// they say), redis-rs's default connection timeout.
fn config() -> redis::AsyncConnectionConfig {
    redis::AsyncConnectionConfig::new().set_response_timeout(None)
}

/// One command as a redis-rs command (sized up front: one allocation for the data).
fn command<A: AsRef<[u8]>>(argv: &[A]) -> redis::Cmd {
    let size = argv.iter().map(|a| a.as_ref().len()).sum();
    let mut c = redis::Cmd::with_capacity(argv.len(), size);
    for a in argv {
        c.arg(a.as_ref());
    }
    c
}

/// Sends pipeline `p` of `n` commands and returns one reply each.
async fn send_pipeline(
    conn: &mut impl ConnectionLike,
    p: &redis::Pipeline,
    n: usize,
) -> Result<Vec<Value>> {
    let replies = conn
        .req_packed_commands(p, 0, n)
        .await
        .map_err(from_redis)?;
    if replies.len() != n {
        return Err(conn_error(format!(
            "{} replies to {} commands",
            replies.len(),
            n
        )));
    }
    Ok(replies.into_iter().map(to_value).collect())
}

/// Sends `commands` on `conn` and returns one reply each (server errors as
/// [`Value::Error`]s in their slots, as the sync `roundtrip`). One command goes as a
/// command, several as one pipeline (one write, one unit on the connection).
async fn roundtrip(conn: &mut impl ConnectionLike, commands: &[&[&[u8]]]) -> Result<Vec<Value>> {
    if let [one] = commands {
        return match conn.req_packed_command(&command(one)).await {
            Ok(v) => Ok(vec![to_value(v)]),
            // A server error reply is that command's reply, not a failed round trip.
            Err(e) if !e.is_io_error() && e.code().is_some() => {
                Ok(vec![Value::Error(from_redis(e).message().to_string())])
            }
            Err(e) => Err(from_redis(e)),
        };
    }
    let mut p = redis::Pipeline::with_capacity(commands.len());
    for argv in commands {
        p.add_command(command(argv));
    }
    send_pipeline(conn, &p, commands.len()).await
}

impl Node {
    async fn open_async(&self) -> Result<MultiplexedConnection> {
        self.client
            .get_multiplexed_async_connection_with_config(&config())
            .await
            .map_err(|e| conn_error(format!("{}: {e}", self.addr)))
    }

    /// The current runtime's shared multiplexed connection (opened by the first call that
    /// needs it; two racing first calls may both open one, and the later replaces the
    /// earlier).
    async fn shared(&self, rt: RuntimeId) -> Result<MultiplexedConnection> {
        if let Some(c) = self.aio.on(rt, |c| c.shared.clone()) {
            return Ok(c);
        }
        let c = self.open_async().await?;
        self.aio.on(rt, |conns| conns.shared = Some(c.clone()));
        Ok(c)
    }

    /// Runs `commands` (after ASKING when `asking`) on the shared connection, or on a
    /// connection of its own when `alone` (a command that may block).
    async fn run_async(
        &self,
        commands: &[&[&[u8]]],
        asking: bool,
        alone: bool,
    ) -> Result<Vec<Value>> {
        let with;
        let all = match asking {
            true => {
                with = with_asking(commands);
                &with[..]
            }
            false => commands,
        };
        let rt = current_runtime()?;
        let mut out = if alone {
            let mut conn = match self.aio.on(rt, |c| c.idle.pop()) {
                Some(c) => c,
                None => self.open_async().await?,
            };
            let out = roundtrip(&mut conn, all).await?;
            self.aio.on(rt, |c| {
                if c.idle.len() < MAX_IDLE {
                    c.idle.push(conn);
                }
            });
            out
        } else {
            let result = roundtrip(&mut self.shared(rt).await?, all).await;
            if matches!(&result, Err(e) if e.kind() == crate::error::ErrorKind::Connection) {
                // Broken: the next call opens a new one.
                self.aio.on(rt, |c| c.shared = None);
            }
            result?
        };
        if asking && !out.is_empty() {
            out.remove(0);
        }
        Ok(out)
    }
}

impl Remote {
    /// [`Remote::refresh_slots`] over the async connections.
    async fn refresh_slots_async(&self) -> Result<()> {
        let mut last = conn_error("no cluster node answered");
        for node in self.slot_sources() {
            let reply = match node {
                Ok(node) => match node
                    .run_async(&[&[b"CLUSTER", b"SLOTS"]], false, false)
                    .await
                {
                    Ok(r) => first(r)
                        .and_then(reply_result)
                        .map(|v| (v, node.addr.clone())),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            match reply.and_then(|(v, from)| self.install_slots(v, &from)) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

impl Handle {
    /// [`Handle::execute`] on the async connections (see the [module docs](self)).
    pub(crate) fn execute_async(&self, argv: ArgBuf) -> BoxFuture<Value> {
        let h = self.clone();
        run(async move {
            let argv = argv.slices();
            match h.plan(&argv)? {
                Plan::FanOut(how) => {
                    let mut replies = Vec::new();
                    for node in h.remote.masters() {
                        let r = node.run_async(&[&argv], false, false).await?;
                        replies.push(reply_result(first(r)?)?);
                    }
                    Ok(combine(how, replies))
                }
                Plan::Slot(slot) => {
                    let r = h.routed_async(slot, &[&argv]).await?;
                    reply_result(first(r)?)
                }
            }
        })
    }

    /// [`Handle::execute_on`] (SCAN over a cluster's `i`-th master) on the async side.
    pub fn execute_on_async(&self, i: usize, argv: Vec<Vec<u8>>) -> BoxFuture<Value> {
        let h = self.clone();
        run(async move {
            let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            let node = h
                .remote
                .masters()
                .get(i)
                .cloned()
                .ok_or_else(|| Error::err("no such cluster node"))?;
            reply_result(first(node.run_async(&[&argv], false, false).await?)?)
        })
    }

    /// [`Handle::batch_owned`] (a plain pipeline) on the async side.
    pub(crate) fn batch_async(&self, commands: CommandBuf) -> BoxFuture<Vec<Value>> {
        let h = self.clone();
        run(async move {
            let views = commands.views();
            let refs = commands.split(&views);
            // A single server, several commands (one alone may block: it goes the routed
            // way, on a connection of its own).
            if let (super::Target::Server(node), None, false) =
                (&h.remote.target, &h.pinned, commands.len() == 1)
            {
                let rt = current_runtime()?;
                let result = roundtrip(&mut node.shared(rt).await?, &refs).await;
                if matches!(&result, Err(e) if e.kind() == crate::error::ErrorKind::Connection) {
                    node.aio.on(rt, |c| c.shared = None);
                }
                return result;
            }
            if !h.remote.is_cluster() || h.pinned.is_some() {
                let slot = match h.remote.is_cluster() {
                    true => super::commands_slot(refs.iter().copied()).ok().flatten(),
                    false => None,
                };
                return h.routed_async(slot, &refs).await;
            }
            let mut plan = h.batch_plan(&refs)?;
            for i in std::mem::take(&mut plan.alone) {
                let r = h.execute_async(commands.command(i)).await;
                plan.out[i] = Some(super::as_reply(r));
            }
            for (node, idx) in std::mem::take(&mut plan.groups) {
                let cmds: Vec<&[&[u8]]> = idx.iter().map(|&i| refs[i]).collect();
                let replies = node.run_async(&cmds, false, false).await?;
                for (&i, reply) in idx.iter().zip(replies) {
                    let reply = match super::redirect(&reply) {
                        Some(_) => super::as_reply(h.execute_async(commands.command(i)).await),
                        None => reply,
                    };
                    plan.out[i] = Some(reply);
                }
            }
            Ok(plan.finish())
        })
    }

    /// [`Handle::transaction`] on the async side: EXEC's reply.
    pub(crate) fn transaction_async(&self, commands: CommandBuf) -> BoxFuture<Value> {
        let h = self.clone();
        run(async move {
            let views = commands.views();
            let refs = commands.split(&views);
            let (slot, all) = h.tx_prepare(&refs)?;
            super::tx_outcome(h.routed_async(slot, &all).await?)
        })
    }

    /// [`Handle::run_routed`] on the async side.
    async fn routed_async(&self, slot: Option<u16>, commands: &[&[&[u8]]]) -> Result<Vec<Value>> {
        if let Some(p) = &self.pinned {
            return self.pinned_async(p, slot, commands).await;
        }
        let alone = commands.len() == 1 && super::may_block(commands[0]);
        let mut node = self.remote.node_for(slot)?;
        let mut asking = false;
        for _ in 0..MAX_REDIRECTS {
            let replies = node.run_async(commands, asking, alone).await?;
            let Some((ask, addr)) = next_hop(commands.len(), &replies) else {
                return Ok(replies);
            };
            if !ask {
                self.remote.refresh_slots_async().await?;
            }
            asking = ask;
            node = self.remote.node_at(&addr)?;
        }
        Err(self.too_many_redirects())
    }

    /// [`Handle::run_pinned`] on the async side: the pinned handle's own async connection.
    async fn pinned_async(
        &self,
        p: &Mutex<super::Pinned>,
        slot: Option<u16>,
        commands: &[&[&[u8]]],
    ) -> Result<Vec<Value>> {
        let rt = current_runtime()?;
        let (conn, select) = {
            let mut g = p.lock();
            g.prepare(&self.remote, slot, super::Side::Async(rt))?;
            match &g.conn {
                Some((_, PinnedConn::Async(c, _))) => (Some(c.clone()), None),
                _ => (None, g.select()),
            }
        };
        let mut conn = match conn {
            Some(c) => c,
            None => {
                let node = self.remote.node_for(slot)?;
                let mut c = node.open_async().await?;
                if let Some(db) = select {
                    let r = roundtrip(&mut c, &[&[b"SELECT", db.as_bytes()]]).await?;
                    reply_result(r.into_iter().next().unwrap_or(Value::Nil))?;
                }
                p.lock().conn = Some((node, PinnedConn::Async(c.clone(), rt)));
                c
            }
        };
        let result = roundtrip(&mut conn, commands).await;
        p.lock().note(slot, commands, &result);
        result
    }
}

/// An async Pub/Sub connection on redis-rs's async `PubSub` (TLS included): what
/// [`crate::AsyncPubSub`] uses on a remote handle. Subscription commands wait for their
/// confirmations (redis-rs keeps them off the message stream); the messages come as
/// [`Value::Push`] `[kind, (pattern,) channel, payload]`, the shape of the embedded
/// subscriber's.
pub struct AsyncSubscriber {
    sink: redis::aio::PubSubSink,
    stream: redis::aio::PubSubStream,
}

impl std::fmt::Debug for AsyncSubscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSubscriber").finish_non_exhaustive()
    }
}

impl Handle {
    /// A new async Pub/Sub connection: to the server, or to the cluster's first master
    /// (PUBLISH reaches every node of a cluster). Its reader task runs on the caller's
    /// runtime when there is a usable one, else on the I/O thread (see the module docs).
    pub fn async_subscriber(&self) -> BoxFuture<AsyncSubscriber> {
        let h = self.clone();
        run(async move {
            let node = h.remote.node_for(None)?;
            let pubsub = node
                .client
                .get_async_pubsub()
                .await
                .map_err(|e| conn_error(format!("{}: {e}", node.addr)))?;
            let (sink, stream) = pubsub.split();
            Ok(AsyncSubscriber { sink, stream })
        })
    }
}

impl AsyncSubscriber {
    /// Sends SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE (`name`, lower case) with
    /// `args` and waits for all its confirmations; runs on any executor.
    pub fn command(&self, name: &str, args: Vec<Vec<u8>>) -> BoxFuture<()> {
        let mut sink = self.sink.clone();
        let name = name.to_ascii_lowercase();
        Box::pin(async move {
            let r = match name.as_str() {
                "subscribe" => sink.subscribe(args).await,
                "psubscribe" => sink.psubscribe(args).await,
                "unsubscribe" => sink.unsubscribe(args).await,
                "punsubscribe" => sink.punsubscribe(args).await,
                other => {
                    return Err(Error::err(format!(
                        "unsupported Pub/Sub command '{other}' on an async subscriber"
                    )))
                }
            };
            r.map_err(from_redis)
        })
    }

    /// The next message (`Ready(None)`: the connection is gone).
    pub fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Value>> {
        use futures_core::Stream;
        match Pin::new(&mut self.stream).poll_next(cx) {
            Poll::Ready(Some(msg)) => Poll::Ready(Some(message_value(&msg))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A redis-rs message as the embedded subscriber's push value.
fn message_value(msg: &redis::Msg) -> Value {
    let channel: Vec<u8> = msg.get_channel().unwrap_or_default();
    let payload = Value::Bulk(msg.get_payload_bytes().to_vec());
    match msg.from_pattern() {
        true => {
            let pattern: Vec<u8> = msg.get_pattern().unwrap_or_default();
            Value::Push(vec![
                Value::bulk("pmessage"),
                Value::Bulk(pattern),
                Value::Bulk(channel),
                payload,
            ])
        }
        false => Value::Push(vec![Value::bulk("message"), Value::Bulk(channel), payload]),
    }
}

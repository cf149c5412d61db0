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
//! # The I/O thread
//!
//! The connections live on one background thread (`emu-remote-io`, a current-thread tokio
//! runtime started by the first async remote call): each call is a task there, and the
//! caller's future waits for it. So the futures work on any executor (tokio, async-std, a
//! hand-rolled one) and are `Send + 'static`. Dropping a future aborts its task (a blocking
//! command's connection is closed, so the server stops waiting for it).
//!
//! redis-rs's async connections have a 500 ms response timeout by default; emu sets none
//! (a BLPOP may wait as long as its own timeout says).

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use parking_lot::Mutex;
use redis::aio::{ConnectionLike, MultiplexedConnection};

use super::{
    combine, conn_error, first, from_redis, next_hop, reply_result, to_value, with_asking, Handle,
    Node, PinnedConn, Plan, Remote, MAX_IDLE, MAX_REDIRECTS,
};
use crate::error::{Error, Result};
use crate::value::Value;

/// A node's async connections.
#[derive(Default)]
pub(super) struct NodeAio {
    shared: Mutex<Option<MultiplexedConnection>>,
    idle: Mutex<Vec<MultiplexedConnection>>,
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
) -> Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>> {
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

/// `commands` as one redis-rs pipeline (sent as one unit, one reply each).
fn packed(commands: &[&[&[u8]]]) -> redis::Pipeline {
    let mut p = redis::pipe();
    for argv in commands {
        let mut c = redis::Cmd::new();
        for a in *argv {
            c.arg(*a);
        }
        p.add_command(c);
    }
    p
}

/// Sends `commands` on `conn` and returns one reply each (server errors as
/// [`Value::Error`]s in their slots, as the sync `roundtrip`).
async fn roundtrip(conn: &mut impl ConnectionLike, commands: &[&[&[u8]]]) -> Result<Vec<Value>> {
    let replies = conn
        .req_packed_commands(&packed(commands), 0, commands.len())
        .await
        .map_err(from_redis)?;
    if replies.len() != commands.len() {
        return Err(conn_error(format!(
            "{} replies to {} commands",
            replies.len(),
            commands.len()
        )));
    }
    Ok(replies.into_iter().map(to_value).collect())
}

impl Node {
    async fn open_async(&self) -> Result<MultiplexedConnection> {
        self.client
            .get_multiplexed_async_connection_with_config(&config())
            .await
            .map_err(|e| conn_error(format!("{}: {e}", self.addr)))
    }

    /// The shared multiplexed connection (opened by the first call that needs it; two
    /// racing first calls may both open one, and the later replaces the earlier).
    async fn shared(&self) -> Result<MultiplexedConnection> {
        let current = self.aio.shared.lock().clone();
        if let Some(c) = current {
            return Ok(c);
        }
        let c = self.open_async().await?;
        *self.aio.shared.lock() = Some(c.clone());
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
        let mut out = if alone {
            let idle = self.aio.idle.lock().pop();
            let mut conn = match idle {
                Some(c) => c,
                None => self.open_async().await?,
            };
            let out = roundtrip(&mut conn, all).await?;
            let mut idle = self.aio.idle.lock();
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
            out
        } else {
            let result = roundtrip(&mut self.shared().await?, all).await;
            if matches!(&result, Err(e) if e.kind() == crate::error::ErrorKind::Connection) {
                // Broken: the next call opens a new one.
                *self.aio.shared.lock() = None;
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
                    Ok(r) => first(r).and_then(reply_result),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            match reply.and_then(|v| self.install_slots(v)) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// Borrowed views of owned argument vectors.
fn views(commands: &[Vec<Vec<u8>>]) -> Vec<Vec<&[u8]>> {
    commands
        .iter()
        .map(|c| c.iter().map(Vec::as_slice).collect())
        .collect()
}

impl Handle {
    /// [`Handle::execute`] on the async connections (see the [module docs](self)).
    pub fn execute_async(
        &self,
        argv: Vec<Vec<u8>>,
    ) -> Pin<Box<dyn Future<Output = Result<Value>> + Send + 'static>> {
        let h = self.clone();
        spawn(async move {
            let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
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
    pub fn execute_on_async(
        &self,
        i: usize,
        argv: Vec<Vec<u8>>,
    ) -> Pin<Box<dyn Future<Output = Result<Value>> + Send + 'static>> {
        let h = self.clone();
        spawn(async move {
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
    pub fn batch_async(
        &self,
        commands: Vec<Vec<Vec<u8>>>,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Value>>> + Send + 'static>> {
        let h = self.clone();
        spawn(async move {
            let argvs = views(&commands);
            let refs: Vec<&[&[u8]]> = argvs.iter().map(Vec::as_slice).collect();
            if !h.remote.is_cluster() || h.pinned.is_some() {
                let slot = match h.remote.is_cluster() {
                    true => super::commands_slot(refs.iter().copied()).ok().flatten(),
                    false => None,
                };
                return h.routed_async(slot, &refs).await;
            }
            let mut plan = h.batch_plan(&refs)?;
            for i in std::mem::take(&mut plan.alone) {
                let r = h.execute_async(commands[i].clone()).await;
                plan.out[i] = Some(super::as_reply(r));
            }
            for (node, idx) in std::mem::take(&mut plan.groups) {
                let cmds: Vec<&[&[u8]]> = idx.iter().map(|&i| refs[i]).collect();
                let replies = node.run_async(&cmds, false, false).await?;
                for (&i, reply) in idx.iter().zip(replies) {
                    let reply = match super::redirect(&reply) {
                        Some(_) => super::as_reply(h.execute_async(commands[i].clone()).await),
                        None => reply,
                    };
                    plan.out[i] = Some(reply);
                }
            }
            Ok(plan.finish())
        })
    }

    /// [`Handle::transaction`] on the async side: EXEC's reply.
    pub fn transaction_async(
        &self,
        commands: Vec<Vec<Vec<u8>>>,
    ) -> Pin<Box<dyn Future<Output = Result<Value>> + Send + 'static>> {
        let h = self.clone();
        spawn(async move {
            let argvs = views(&commands);
            let refs: Vec<&[&[u8]]> = argvs.iter().map(Vec::as_slice).collect();
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
        let (conn, select) = {
            let mut g = p.lock();
            g.prepare(&self.remote, slot, true)?;
            match &g.conn {
                Some((_, PinnedConn::Async(c))) => (Some(c.clone()), None),
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
                p.lock().conn = Some((node, PinnedConn::Async(c.clone())));
                c
            }
        };
        let result = roundtrip(&mut conn, commands).await;
        p.lock().note(slot, commands, &result);
        result
    }
}

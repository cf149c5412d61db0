//! The async surface: [`AsyncRedis`], the same handle with `async` methods — every typed
//! command method (defined once by the `commands!` macro for `Redis`, `Pipeline` and
//! `AsyncRedis`), [`AsyncRedis::cmd`], EVAL / EVALSHA / [`Script::call_async`],
//! pipelines and transactions ([`AsyncRedis::run_pipeline`]), Pub/Sub ([`AsyncPubSub`]),
//! and [`AsyncRedis::blocking`] for everything else.
//!
//! ```
//! # async fn demo() -> emu::Result<()> {
//! let r = emu::Redis::new().into_async();
//! r.set("k", 1).await?;
//! assert_eq!(r.incr("k").await?, 2);
//! let v: Option<String> = r.get("k").await?;
//! assert_eq!(v.as_deref(), Some("2"));
//! # Ok(()) }
//! # futures_executor_stub::block_on(demo()).unwrap();
//! # mod futures_executor_stub {
//! #     pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #         let waker = std::task::Waker::noop();
//! #         let mut cx = std::task::Context::from_waker(&waker);
//! #         let mut f = std::pin::pin!(f);
//! #         loop {
//! #             if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
//! #             std::thread::yield_now();
//! #         }
//! #     }
//! # }
//! ```
//!
//! # How it runs
//!
//! The futures need no particular runtime (tokio, async-std, a hand-rolled executor) and are
//! `Send + 'static`: the arguments are encoded when the method is called, so they borrow
//! nothing.
//!
//! * **Embedded** (memory, data directory, fixture): a command runs in the calling task, as
//!   on the sync handle (it takes the store's lock for the command only); a blocking
//!   command that must wait (BLPOP, XREAD BLOCK, WAIT …) and a command held back by CLIENT
//!   PAUSE wait as futures that hold no thread, as the redis-rs adapter's do. Pipelines
//!   run in the calling task too (one held back by CLIENT PAUSE blocks that thread until
//!   the pause ends, as on the sync handle).
//! * **Remote** (feature `remote`: server or cluster): redis-rs's async multiplexed
//!   connections. Polled on a tokio runtime, a call runs in the caller's task on that
//!   runtime's own connections (opened by its first call; no other thread involved);
//!   elsewhere it runs on one emu I/O thread (`emu::remote::asynchronous`). Typed
//!   methods, scripts, pipelines and transactions share one connection per server (per
//!   master of a cluster); a blocking command (BLPOP …) gets a connection of its own; a
//!   WATCH ([`AsyncRedis::watch`]) holds a connection of its own until EXEC. Routing,
//!   CROSSSLOT, MOVED/ASK and fan-out are the sync handle's. No thread is held per call.
//!
//! SCAN iterators are async streams ([`AsyncRedis::scan_stream`] …, [`crate::ScanStream`]).
//! Locks are [`AsyncRedis::lock`] ([`crate::AsyncLock`]). Pub/Sub ([`AsyncPubSub`]) waits
//! without a thread: embedded, on a mailbox that wakes the task; remote, on redis-rs's
//! async `PubSub` connection (TLS too). [`AsyncRedis::blocking`] runs any sync code with
//! the handle on a helper thread: `Redis::transaction`, the embedded-only methods.
//!
//! Dropping a future before it completes: embedded, a blocking command is unregistered (as
//! a client that disconnects); remote, its task is aborted (a blocking command's own
//! connection is closed, so the server forgets it too).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use crate::client::commands::Args;
use crate::client::convert::{ArgBuf, FromValue, ToArg};
use crate::client::pubsub::{Message, PubSub};
use crate::client::{Pipeline, Redis, Script};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// A boxed future of this module's calls: `Send + 'static` (it owns what it needs).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

/// The future of a typed call: the raw reply's future, converted to `RV` ([`FromValue`])
/// when it completes. `Send + 'static` whatever `RV` is (the conversion happens at the
/// end), so typed calls can be spawned.
#[must_use = "futures do nothing unless awaited"]
pub struct AsyncReply<RV> {
    raw: BoxFuture<Value>,
    _rv: PhantomData<fn() -> RV>,
}

impl<RV> AsyncReply<RV> {
    fn new(raw: BoxFuture<Value>) -> AsyncReply<RV> {
        AsyncReply {
            raw,
            _rv: PhantomData,
        }
    }
}

impl<RV: FromValue> Future for AsyncReply<RV> {
    type Output = Result<RV>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<RV>> {
        match self.raw.as_mut().poll(cx) {
            Poll::Ready(r) => Poll::Ready(r.and_then(RV::from_value)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A [`Redis`] handle with `async` methods (see the [module docs](self)). Cheap to clone;
/// clones share the store (or the remote connections) and the session, like the sync
/// handle's.
#[derive(Clone)]
pub struct AsyncRedis {
    redis: Redis,
}

impl std::fmt::Debug for AsyncRedis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncRedis")
            .field("remote", &self.redis.is_remote())
            .field("db", &self.redis.db())
            .finish()
    }
}

impl Redis {
    /// This handle as an [`AsyncRedis`] (same store or server, same session).
    pub fn into_async(self) -> AsyncRedis {
        AsyncRedis { redis: self }
    }

    /// A clone of this handle as an [`AsyncRedis`].
    pub fn to_async(&self) -> AsyncRedis {
        self.clone().into_async()
    }
}

impl AsyncRedis {
    /// The sync handle (same store, same session).
    pub fn sync(&self) -> &Redis {
        &self.redis
    }

    /// Back to the sync handle.
    pub fn into_sync(self) -> Redis {
        self.redis
    }

    /// Runs one command given as an owned argument vector; its raw reply (error replies as
    /// `Err`).
    pub fn execute_owned(&self, argv: Vec<Vec<u8>>) -> BoxFuture<Value> {
        self.execute_args(argv.iter().collect())
    }

    /// Runs one command given as an argument vector (copied now); its raw reply.
    pub fn execute(&self, argv: &[&[u8]]) -> BoxFuture<Value> {
        self.execute_args(argv.iter().collect())
    }

    /// Runs one command given as a flat argument buffer (name first); its raw reply (error
    /// replies as `Err`).
    pub fn execute_args(&self, argv: ArgBuf) -> BoxFuture<Value> {
        #[cfg(feature = "remote")]
        if let Some(h) = self.redis.remote_handle() {
            return h.execute_async(argv);
        }
        let redis = self.redis.clone();
        Box::pin(async move { redis.execute_async(&argv.slices()).await })
    }

    /// The typed methods' common tail: runs the built vector and converts the reply.
    pub(crate) fn run<RV: FromValue>(&self, a: Args) -> AsyncReply<RV> {
        AsyncReply::new(self.execute_args(a.into_buf()))
    }

    /// Starts an arbitrary command: `r.cmd("SET").arg("k").arg(1).query::<()>().await`.
    pub fn cmd(&self, name: &str) -> AsyncCmd {
        let mut args = ArgBuf::new();
        args.push(name);
        AsyncCmd {
            redis: self.clone(),
            args,
        }
    }

    /// A new transactional [`Pipeline`] on this handle (queue commands on it, then
    /// [`AsyncRedis::run_pipeline`]).
    pub fn pipeline(&self) -> Pipeline {
        self.redis.pipeline()
    }

    /// A new plain (non-transactional) [`Pipeline`] on this handle.
    pub fn pipeline_batch(&self) -> Pipeline {
        self.redis.pipeline_batch()
    }

    /// Executes `pipe` ([`Pipeline::execute`]: one reply per command, error replies in
    /// their slots; `Err` for a transaction that did not run — [`ErrorKind::Watch`] when a
    /// key WATCHed through [`AsyncRedis::watch`] changed). On a remote handle it runs on the
    /// async connections; embedded, in the calling task.
    pub fn run_pipeline(&self, mut pipe: Pipeline) -> BoxFuture<Vec<Value>> {
        #[cfg(feature = "remote")]
        if let Some(f) = pipe.execute_remote_async() {
            return f;
        }
        Box::pin(async move { pipe.execute() })
    }

    /// WATCHes `keys` on a connection of its own and returns a handle on it (remote: its
    /// own async connection; embedded: its own session): read with its methods, queue the
    /// writes on its [`AsyncRedis::pipeline`] and run them with its
    /// [`AsyncRedis::run_pipeline`] — `Err` of kind [`ErrorKind::Watch`] when a watched
    /// key changed meanwhile (start over). Redis-py's `pipe.watch()` + `multi()`:
    ///
    /// ```
    /// # async fn demo(r: emu::AsyncRedis) -> emu::Result<()> {
    /// loop {
    ///     let tx = r.watch("balance").await?;
    ///     let n: i64 = tx.get::<_, Option<i64>>("balance").await?.unwrap_or(0);
    ///     let mut pipe = tx.pipeline();
    ///     pipe.set("balance", n + 10);
    ///     match tx.run_pipeline(pipe).await {
    ///         Err(e) if e.kind() == emu::ErrorKind::Watch => continue,
    ///         other => break other.map(|_| ()),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn watch(&self, keys: impl ToArg) -> BoxFuture<AsyncRedis> {
        let tx = self.redis.with_db(self.redis.db()).into_async();
        let mut argv = ArgBuf::new();
        argv.push("WATCH");
        keys.write_args(&mut argv);
        Box::pin(async move {
            tx.execute_args(argv).await?;
            Ok(tx)
        })
    }

    /// A handle with a session (remote: a connection) of its own selecting `db`
    /// ([`Redis::with_db`]).
    pub fn with_db(&self, db: usize) -> AsyncRedis {
        self.redis.with_db(db).into_async()
    }

    /// Runs `f` with the sync handle on a helper thread (see the module docs) and resolves
    /// to its result: anything without an async form — `Redis::transaction` with WATCH,
    /// the embedded-only methods.
    pub fn blocking<T, F>(&self, f: F) -> BoxFuture<T>
    where
        T: Send + 'static,
        F: FnOnce(&Redis) -> Result<T> + Send + 'static,
    {
        let redis = self.redis.clone();
        offload(move || f(&redis))
    }

    /// EVAL: runs `script` with `keys` (KEYS) and `args` (ARGV); `()` for none.
    pub fn eval<T: FromValue>(
        &self,
        script: impl AsRef<[u8]>,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> AsyncReply<T> {
        self.run_vec(super::scripting::eval_argv(
            "EVAL",
            script.as_ref(),
            &keys,
            &args,
        ))
    }

    /// EVAL_RO: like [`AsyncRedis::eval`], refusing writes.
    pub fn eval_ro<T: FromValue>(
        &self,
        script: impl AsRef<[u8]>,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> AsyncReply<T> {
        self.run_vec(super::scripting::eval_argv(
            "EVAL_RO",
            script.as_ref(),
            &keys,
            &args,
        ))
    }

    /// EVALSHA: runs a cached script by its SHA1 (NOSCRIPT if the store does not have it).
    pub fn evalsha<T: FromValue>(
        &self,
        sha1: impl AsRef<[u8]>,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> AsyncReply<T> {
        self.run_vec(super::scripting::eval_argv(
            "EVALSHA",
            sha1.as_ref(),
            &keys,
            &args,
        ))
    }

    /// SCRIPT LOAD: caches `script`; its SHA1.
    pub fn script_load(&self, script: impl AsRef<[u8]>) -> AsyncReply<String> {
        self.run_vec(vec![
            b"SCRIPT".to_vec(),
            b"LOAD".to_vec(),
            script.as_ref().to_vec(),
        ])
    }

    fn run_vec<T: FromValue>(&self, argv: Vec<Vec<u8>>) -> AsyncReply<T> {
        AsyncReply::new(self.execute_owned(argv))
    }

    /// PUBLISH: sends `message` to `channel`'s subscribers; how many received it.
    pub fn publish(&self, channel: impl ToArg, message: impl ToArg) -> AsyncReply<i64> {
        let mut argv = ArgBuf::new();
        argv.push("PUBLISH");
        channel.write_args(&mut argv);
        message.write_args(&mut argv);
        AsyncReply::new(self.execute_args(argv))
    }
}

impl Script {
    /// [`Script::call`] on an [`AsyncRedis`]: EVALSHA, and on NOSCRIPT SCRIPT LOAD then
    /// EVALSHA again.
    pub fn call_async<T: FromValue>(
        &self,
        r: &AsyncRedis,
        keys: impl ToArg,
        args: impl ToArg,
    ) -> AsyncReply<T> {
        let argv = super::scripting::eval_argv("EVALSHA", self.sha().as_bytes(), &keys, &args);
        let (r, body) = (r.clone(), self.body().to_vec());
        AsyncReply::new(Box::pin(async move {
            match r.execute_owned(argv.clone()).await {
                Err(e) if e.code() == "NOSCRIPT" => {
                    r.script_load(body).await?;
                    r.execute_owned(argv).await
                }
                other => other,
            }
        }))
    }
}

/// A command being built by [`AsyncRedis::cmd`].
pub struct AsyncCmd {
    redis: AsyncRedis,
    args: ArgBuf,
}

impl AsyncCmd {
    /// Appends an argument.
    pub fn arg(mut self, a: impl ToArg) -> Self {
        a.write_args(&mut self.args);
        self
    }

    /// Runs the command and converts the reply.
    pub fn query<T: FromValue>(self) -> AsyncReply<T> {
        AsyncReply::new(self.redis.execute_args(self.args))
    }
}

/// A Pub/Sub subscriber with async methods, waiting without a thread: embedded, a mailbox
/// that wakes the waiting task; remote, redis-rs's async `PubSub` connection (over TLS
/// too), opened by the first subscription. Clones share the subscriber (one reader at a
/// time: a second concurrent `get_message` takes over the wake-ups).
///
/// The (un)subscribe confirmations come first, as from the sync [`PubSub`] (unless
/// [`AsyncPubSub::ignore_subscribe_messages`]). Remote, redis-rs consumes the server's
/// confirmations, so emu makes them from the subscriptions it tracks: the same kinds,
/// channels and counts; an UNSUBSCRIBE of everything lists the channels in subscription
/// order (Redis: its dictionary's), and a confirmation is returned before messages that
/// arrived while its command was in flight.
#[derive(Clone)]
pub struct AsyncPubSub {
    state: Arc<SubState>,
}

struct SubState {
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    redis: Redis,
    ignore: std::sync::atomic::AtomicBool,
    /// Embedded: the sync subscriber on a mailbox that wakes `waker`.
    embedded: Option<Mutex<PubSub>>,
    waker: Arc<Mutex<Option<Waker>>>,
    /// Remote: the connection (after the first subscription) and the confirmations.
    #[cfg(feature = "remote")]
    remote: Mutex<RemoteSub>,
}

#[cfg(feature = "remote")]
#[derive(Default)]
struct RemoteSub {
    conn: Option<crate::remote::asynchronous::AsyncSubscriber>,
    channels: Vec<Vec<u8>>,
    patterns: Vec<Vec<u8>>,
    queued: std::collections::VecDeque<Value>,
}

#[cfg(feature = "remote")]
impl RemoteSub {
    /// Records a confirmed (un)subscription command and queues its confirmations as the
    /// server sent them: one per name (for an unsubscribe of everything, one per current
    /// subscription, or one with no channel), each with the count after it.
    fn confirmed(&mut self, name: &str, names: Vec<Vec<u8>>) {
        let (pattern, subscribe) = match name {
            "subscribe" => (false, true),
            "psubscribe" => (true, true),
            "unsubscribe" => (false, false),
            _ => (true, false),
        };
        let kind = Value::bulk(name);
        let list = if pattern {
            &mut self.patterns
        } else {
            &mut self.channels
        };
        let targets = match (subscribe, names.is_empty()) {
            (false, true) => list.clone(),
            _ => names,
        };
        if targets.is_empty() {
            let count = (self.channels.len() + self.patterns.len()) as i64;
            self.queued
                .push_back(Value::Push(vec![kind, Value::Nil, Value::Int(count)]));
            return;
        }
        for n in targets {
            let list = if pattern {
                &mut self.patterns
            } else {
                &mut self.channels
            };
            match (subscribe, list.iter().position(|c| *c == n)) {
                (true, None) => list.push(n.clone()),
                (false, Some(i)) => {
                    list.remove(i);
                }
                _ => {}
            }
            let count = (self.channels.len() + self.patterns.len()) as i64;
            self.queued.push_back(Value::Push(vec![
                kind.clone(),
                Value::Bulk(n),
                Value::Int(count),
            ]));
        }
    }
}

impl AsyncRedis {
    /// A Pub/Sub subscriber of this store or server ([`AsyncPubSub`]).
    pub fn pubsub(&self) -> AsyncPubSub {
        let waker: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let embedded = (!self.redis.is_remote()).then(|| {
            let w = waker.clone();
            let mailbox = crate::pubsub::Mailbox::with_waker(
                crate::engine::next_client_id(),
                Box::new(move || {
                    if let Some(w) = w.lock().take() {
                        w.wake();
                    }
                }),
            );
            Mutex::new(PubSub::with_mailbox(&self.redis, mailbox))
        });
        AsyncPubSub {
            state: Arc::new(SubState {
                redis: self.redis.clone(),
                ignore: std::sync::atomic::AtomicBool::new(false),
                embedded,
                waker,
                #[cfg(feature = "remote")]
                remote: Mutex::new(RemoteSub::default()),
            }),
        }
    }
}

impl AsyncPubSub {
    /// redis-py's `ignore_subscribe_messages`: confirmations are not returned.
    pub fn ignore_subscribe_messages(self, yes: bool) -> AsyncPubSub {
        self.state
            .ignore
            .store(yes, std::sync::atomic::Ordering::Relaxed);
        self
    }

    fn command(&self, name: &'static str, names: Vec<Vec<u8>>) -> BoxFuture<()> {
        let state = self.state.clone();
        Box::pin(async move {
            if let Some(p) = &state.embedded {
                let mut argv = vec![name.as_bytes().to_vec()];
                argv.extend(names);
                return p.lock().exec(argv);
            }
            #[cfg(feature = "remote")]
            if let Some(h) = state.redis.remote_handle() {
                let pending = state
                    .remote
                    .lock()
                    .conn
                    .as_ref()
                    .map(|c| c.command(name, names.clone()));
                let sent = match pending {
                    Some(f) => f,
                    None => {
                        let conn = h.async_subscriber().await?;
                        let f = conn.command(name, names.clone());
                        let mut r = state.remote.lock();
                        match &r.conn {
                            // Another clone connected meanwhile: use that one.
                            Some(c) => c.command(name, names.clone()),
                            None => {
                                r.conn = Some(conn);
                                f
                            }
                        }
                    }
                };
                sent.await?;
                state.remote.lock().confirmed(name, names);
                if let Some(w) = state.waker.lock().take() {
                    w.wake();
                }
                return Ok(());
            }
            Err(Error::err("no subscriber"))
        })
    }

    /// SUBSCRIBE `channels`.
    pub fn subscribe(&self, channels: impl ToArg) -> BoxFuture<()> {
        self.command("subscribe", channels.to_args())
    }

    /// PSUBSCRIBE `patterns`.
    pub fn psubscribe(&self, patterns: impl ToArg) -> BoxFuture<()> {
        self.command("psubscribe", patterns.to_args())
    }

    /// UNSUBSCRIBE `channels` (all of them when none are given).
    pub fn unsubscribe(&self, channels: impl ToArg) -> BoxFuture<()> {
        self.command("unsubscribe", channels.to_args())
    }

    /// PUNSUBSCRIBE `patterns` (all of them when none are given).
    pub fn punsubscribe(&self, patterns: impl ToArg) -> BoxFuture<()> {
        self.command("punsubscribe", patterns.to_args())
    }

    /// The next message or (un)subscribe confirmation, waiting up to `timeout` (None: until
    /// one arrives) without holding a thread; `None` when the timeout passed.
    pub fn get_message(&self, timeout: Option<Duration>) -> BoxFuture<Option<Message>> {
        let state = self.state.clone();
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        Box::pin(async move {
            let mut timer = deadline.map(crate::blocking::sleep_until);
            std::future::poll_fn(move |cx| {
                if let Poll::Ready(m) = state.poll_message(cx) {
                    return Poll::Ready(m.map(Some));
                }
                let expired = timer
                    .as_mut()
                    .is_some_and(|t| Pin::new(t).poll(cx).is_ready());
                match expired {
                    true => Poll::Ready(Ok(None)),
                    false => Poll::Pending,
                }
            })
            .await
        })
    }

    /// The messages as a stream ([`PubSubStream::next`]`.await`, or a
    /// `futures_core::Stream` with features `remote` or `redis-rs`); it ends after an
    /// error (the subscriber was disconnected).
    pub fn stream(&self) -> PubSubStream {
        PubSubStream {
            state: Some(self.state.clone()),
        }
    }
}

impl SubState {
    fn poll_message(&self, cx: &mut Context<'_>) -> Poll<Result<Message>> {
        let ignore = self.ignore.load(std::sync::atomic::Ordering::Relaxed);
        // Register before looking, so a message pushed in between wakes us.
        *self.waker.lock() = Some(cx.waker().clone());
        loop {
            let next: Poll<Result<Value>> = match &self.embedded {
                Some(p) => match p.lock().try_message() {
                    Ok(Some(m)) => {
                        if ignore && m.kind.is_subscription() {
                            continue;
                        }
                        return Poll::Ready(Ok(m));
                    }
                    Ok(None) => Poll::Pending,
                    Err(e) => Poll::Ready(Err(e)),
                },
                #[cfg(feature = "remote")]
                None => self.poll_remote(cx),
                #[cfg(not(feature = "remote"))]
                None => Poll::Pending,
            };
            match next {
                Poll::Ready(Ok(v)) => match Message::from_value(v) {
                    Some(m) if !(ignore && m.kind.is_subscription()) => return Poll::Ready(Ok(m)),
                    _ => continue,
                },
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    #[cfg(feature = "remote")]
    fn poll_remote(&self, cx: &mut Context<'_>) -> Poll<Result<Value>> {
        let mut r = self.remote.lock();
        if let Some(v) = r.queued.pop_front() {
            return Poll::Ready(Ok(v));
        }
        let Some(conn) = r.conn.as_mut() else {
            // Nothing subscribed yet: a subscription wakes us.
            return Poll::Pending;
        };
        match conn.poll_message(cx) {
            Poll::Ready(Some(v)) => Poll::Ready(Ok(v)),
            Poll::Ready(None) => {
                r.conn = None;
                r.channels.clear();
                r.patterns.clear();
                Poll::Ready(Err(Error::new(
                    ErrorKind::Connection,
                    "Connection error: the Pub/Sub connection was closed",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The messages of an [`AsyncPubSub`] ([`AsyncPubSub::stream`]).
pub struct PubSubStream {
    state: Option<Arc<SubState>>,
}

impl PubSubStream {
    /// The next message (`None` after an error was yielded).
    pub async fn next(&mut self) -> Option<Result<Message>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        let Some(state) = &self.state else {
            return Poll::Ready(None);
        };
        match state.poll_message(cx) {
            Poll::Ready(Ok(m)) => Poll::Ready(Some(Ok(m))),
            Poll::Ready(Err(e)) => {
                self.state = None;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(any(feature = "remote", feature = "redis-rs"))]
impl futures_core::Stream for PubSubStream {
    type Item = Result<Message>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        self.poll_item(cx)
    }
}

/// Runs `f` on a helper thread; the future resolves to its result. If the job is lost (the
/// thread panicked or could not be started) the future resolves to an error instead of
/// never.
fn offload<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> BoxFuture<T> {
    let slot: Arc<Mutex<Outcome<T>>> = Arc::new(Mutex::new(Outcome {
        value: None,
        waker: None,
    }));
    let done = Completion {
        slot: slot.clone(),
        sent: false,
    };
    pool::submit(Box::new(move || {
        let v = f();
        done.complete(v);
    }));
    Box::pin(Offloaded { slot })
}

struct Outcome<T> {
    value: Option<Result<T>>,
    waker: Option<Waker>,
}

/// The sending end: completes the future, or on drop without a value (a panic, a lost
/// job) completes it with an error.
struct Completion<T> {
    slot: Arc<Mutex<Outcome<T>>>,
    sent: bool,
}

impl<T> Completion<T> {
    fn complete(mut self, v: Result<T>) {
        self.sent = true;
        self.send(v);
    }

    fn send(&self, v: Result<T>) {
        let waker = {
            let mut o = self.slot.lock();
            o.value = Some(v);
            o.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Completion<T> {
    fn drop(&mut self) {
        if !self.sent {
            self.send(Err(Error::new(
                ErrorKind::Other,
                "emu: the helper thread running this call stopped (panic or no thread)",
            )));
        }
    }
}

struct Offloaded<T> {
    slot: Arc<Mutex<Outcome<T>>>,
}

impl<T> Future for Offloaded<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let mut o = self.slot.lock();
        match o.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                o.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The helper threads: an idle one takes the job, else a new one starts; a thread waits
/// for its next job up to [`pool::IDLE_FOR`] and at most [`pool::MAX_IDLE`] wait.
mod pool {
    use super::*;

    pub(super) type Job = Box<dyn FnOnce() + Send>;

    pub(super) const IDLE_FOR: Duration = Duration::from_secs(10);
    pub(super) const MAX_IDLE: usize = 64;

    /// Idle threads: (id, the sender of its job channel).
    static IDLE: Mutex<Vec<(u64, mpsc::Sender<Job>)>> = Mutex::new(Vec::new());
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

    pub(super) fn submit(mut job: Job) {
        loop {
            let idle = IDLE.lock().pop();
            match idle {
                // The thread popped here waits for this send (see `worker`).
                Some((_, tx)) => match tx.send(job) {
                    Ok(()) => return,
                    Err(mpsc::SendError(j)) => job = j,
                },
                None => break,
            }
        }
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A thread that cannot start drops the job, which completes its future with an
        // error (`Completion`'s drop).
        let _ = std::thread::Builder::new()
            .name("emu-async".into())
            .spawn(move || worker(id, job));
    }

    fn worker(id: u64, first: Job) {
        let (tx, rx) = mpsc::channel::<Job>();
        let mut job = first;
        loop {
            job();
            {
                let mut idle = IDLE.lock();
                if idle.len() >= MAX_IDLE {
                    return;
                }
                idle.push((id, tx.clone()));
            }
            job = match rx.recv_timeout(IDLE_FOR) {
                Ok(j) => j,
                Err(_) => {
                    let mut idle = IDLE.lock();
                    match idle.iter().position(|(i, _)| *i == id) {
                        Some(at) => {
                            idle.remove(at);
                            return;
                        }
                        // Popped by `submit` meanwhile: its job is on the way.
                        None => {
                            drop(idle);
                            match rx.recv() {
                                Ok(j) => j,
                                Err(_) => return,
                            }
                        }
                    }
                }
            };
        }
    }
}

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
//! [`AsyncRedis::blocking`] runs any sync code with the handle on a helper thread: `Lock`,
//! the embedded-only methods. Pub/Sub ([`AsyncPubSub`]) drives the sync subscriber from
//! helper threads.
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
use crate::client::convert::{FromValue, ToArg};
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
        #[cfg(feature = "remote")]
        if let Some(h) = self.redis.remote_handle() {
            return h.execute_async(argv);
        }
        let redis = self.redis.clone();
        Box::pin(async move {
            let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            redis.execute_async(&refs).await
        })
    }

    /// Runs one command given as an argument vector (copied now); its raw reply.
    pub fn execute(&self, argv: &[&[u8]]) -> BoxFuture<Value> {
        self.execute_owned(argv.iter().map(|a| a.to_vec()).collect())
    }

    /// The typed methods' common tail: runs the built vector and converts the reply.
    pub(crate) fn run<RV: FromValue>(&self, a: Args) -> AsyncReply<RV> {
        AsyncReply::new(self.execute_owned(a.into_vec()))
    }

    /// Starts an arbitrary command: `r.cmd("SET").arg("k").arg(1).query::<()>().await`.
    pub fn cmd(&self, name: &str) -> AsyncCmd {
        AsyncCmd {
            redis: self.clone(),
            args: vec![name.as_bytes().to_vec()],
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
        let mut argv = vec![b"WATCH".to_vec()];
        keys.write_args(&mut argv);
        Box::pin(async move {
            tx.execute_owned(argv).await?;
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
    /// SCAN iterators, `Lock`, the embedded-only methods.
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
        let mut argv = vec![b"PUBLISH".to_vec()];
        channel.write_args(&mut argv);
        message.write_args(&mut argv);
        self.run_vec(argv)
    }

    /// A Pub/Sub subscriber of this store or server ([`AsyncPubSub`]).
    pub fn pubsub(&self) -> AsyncPubSub {
        AsyncPubSub {
            inner: Arc::new(Mutex::new(self.redis.pubsub())),
        }
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
    args: Vec<Vec<u8>>,
}

impl AsyncCmd {
    /// Appends an argument.
    pub fn arg(mut self, a: impl ToArg) -> Self {
        a.write_args(&mut self.args);
        self
    }

    /// Runs the command and converts the reply.
    pub fn query<T: FromValue>(self) -> AsyncReply<T> {
        self.redis.run_vec(self.args)
    }
}

/// A Pub/Sub subscriber with async methods: the sync [`PubSub`] (embedded mailbox, or a
/// remote subscriber connection) driven from helper threads. Clones share the subscriber;
/// a [`AsyncPubSub::get_message`] in progress holds it, so (un)subscribing waits for it
/// to return (give it a timeout).
#[derive(Clone)]
pub struct AsyncPubSub {
    inner: Arc<Mutex<PubSub>>,
}

impl AsyncPubSub {
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PubSub) -> Result<T> + Send + 'static,
    ) -> BoxFuture<T> {
        let inner = self.inner.clone();
        offload(move || f(&mut inner.lock()))
    }

    /// SUBSCRIBE `channels`.
    pub fn subscribe(&self, channels: impl ToArg) -> BoxFuture<()> {
        let c = channels.to_args();
        self.with(move |p| p.subscribe(&c))
    }

    /// PSUBSCRIBE `patterns`.
    pub fn psubscribe(&self, patterns: impl ToArg) -> BoxFuture<()> {
        let c = patterns.to_args();
        self.with(move |p| p.psubscribe(&c))
    }

    /// UNSUBSCRIBE `channels`.
    pub fn unsubscribe(&self, channels: impl ToArg) -> BoxFuture<()> {
        let c = channels.to_args();
        self.with(move |p| p.unsubscribe(&c))
    }

    /// PUNSUBSCRIBE `patterns`.
    pub fn punsubscribe(&self, patterns: impl ToArg) -> BoxFuture<()> {
        let c = patterns.to_args();
        self.with(move |p| p.punsubscribe(&c))
    }

    /// The next message or (un)subscribe confirmation, waiting up to `timeout` (None: until
    /// one arrives); `None` when the timeout passed ([`PubSub::get_message`]).
    pub fn get_message(&self, timeout: Option<Duration>) -> BoxFuture<Option<Message>> {
        self.with(move |p| p.get_message(timeout))
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

//! The embedded Pub/Sub object, redis-py style: [`crate::Redis::pubsub`] gives a [`PubSub`]
//! with `subscribe` / `psubscribe` / `ssubscribe` (and the unsubscribes), [`PubSub::get_message`],
//! a blocking [`PubSub::listen`] iterator and [`PubSub::run_in_thread`];
//! [`crate::Redis::publish`] publishes.
//!
//! ```
//! use std::time::Duration;
//! let r = emu::Redis::new();
//! let mut p = r.pubsub();
//! p.subscribe(&["news", "updates"]).unwrap();
//! p.psubscribe(&["user:*:notifications"]).unwrap();
//! assert_eq!(r.publish("news", "Breaking news!").unwrap(), 1);
//! // The confirmations come first, like redis-py's {'type': 'subscribe', ...} dicts.
//! let first = p.get_message(Some(Duration::ZERO)).unwrap().unwrap();
//! assert_eq!(first.kind, emu::client::MessageKind::Subscribe);
//! let p = p.ignore_subscribe_messages(true);
//! # let mut p = p;
//! let m = p.get_message(Some(Duration::from_secs(1))).unwrap().unwrap();
//! assert_eq!(m.channel, b"news");
//! assert_eq!(m.data_str(), Some("Breaking news!"));
//! ```
//!
//! Differences from redis-py: with `ignore_subscribe_messages`, `get_message` skips
//! confirmations and keeps waiting for a real message until the timeout (redis-py returns
//! `None` for the skipped confirmation); `run_in_thread` takes one handler for every message
//! (redis-py's per-channel handlers can be written as a `match` on `msg.channel`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::client::{FromValue, ToArg};
use crate::engine::{self, next_client_id, Session};
use crate::error::Result;
use crate::pubsub::Mailbox;
use crate::value::Value;
use crate::Redis;

/// What a [`Message`] is (redis-py's `message['type']`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A SUBSCRIBE confirmation (`data` is the subscription count).
    Subscribe,
    /// An UNSUBSCRIBE confirmation.
    Unsubscribe,
    /// A PSUBSCRIBE confirmation.
    PSubscribe,
    /// A PUNSUBSCRIBE confirmation.
    PUnsubscribe,
    /// An SSUBSCRIBE confirmation.
    SSubscribe,
    /// An SUNSUBSCRIBE confirmation.
    SUnsubscribe,
    /// A message published on a subscribed channel.
    Message,
    /// A message on a channel matching a subscribed pattern (`pattern` is set).
    PMessage,
    /// A message published with SPUBLISH on a subscribed shard channel.
    SMessage,
}

impl MessageKind {
    /// The name Redis sends (`"message"`, `"psubscribe"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Subscribe => "subscribe",
            MessageKind::Unsubscribe => "unsubscribe",
            MessageKind::PSubscribe => "psubscribe",
            MessageKind::PUnsubscribe => "punsubscribe",
            MessageKind::SSubscribe => "ssubscribe",
            MessageKind::SUnsubscribe => "sunsubscribe",
            MessageKind::Message => "message",
            MessageKind::PMessage => "pmessage",
            MessageKind::SMessage => "smessage",
        }
    }

    fn parse(s: &[u8]) -> Option<MessageKind> {
        Some(match s {
            b"subscribe" => MessageKind::Subscribe,
            b"unsubscribe" => MessageKind::Unsubscribe,
            b"psubscribe" => MessageKind::PSubscribe,
            b"punsubscribe" => MessageKind::PUnsubscribe,
            b"ssubscribe" => MessageKind::SSubscribe,
            b"sunsubscribe" => MessageKind::SUnsubscribe,
            b"message" => MessageKind::Message,
            b"pmessage" => MessageKind::PMessage,
            b"smessage" => MessageKind::SMessage,
            _ => return None,
        })
    }

    /// True for the (un)subscribe confirmations.
    pub fn is_subscription(self) -> bool {
        !matches!(
            self,
            MessageKind::Message | MessageKind::PMessage | MessageKind::SMessage
        )
    }
}

/// One received item — redis-py's message dict as a struct.
///
/// ```
/// use std::time::Duration;
/// let redis = emu::Redis::new();
/// let mut sub = redis.pubsub();
/// sub.psubscribe(&["user:*"])?;
/// let confirm = sub.get_message(Some(Duration::from_secs(1)))?.unwrap();
/// assert!(confirm.kind.is_subscription());
/// redis.publish("user:7", "42")?;
/// let msg = sub.get_message(Some(Duration::from_secs(1)))?.unwrap();
/// assert_eq!((msg.channel_str(), msg.payload::<i64>()?), (Some("user:7"), 42));
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// `type`.
    pub kind: MessageKind,
    /// `pattern`: the matching pattern of a `pmessage`.
    pub pattern: Option<Vec<u8>>,
    /// `channel`. Empty for an unsubscribe confirmation that named no channel (Redis sends
    /// nil there; redis-py shows `None`).
    pub channel: Vec<u8>,
    /// `data`: the payload (`Value::Bulk`) of a message, the subscription count
    /// (`Value::Int`) of a confirmation.
    pub data: Value,
}

impl Message {
    pub(crate) fn from_value(v: Value) -> Option<Message> {
        let Value::Push(items) = v else {
            return None;
        };
        let mut it = items.into_iter();
        let Some(Value::Bulk(kind)) = it.next() else {
            return None;
        };
        let kind = MessageKind::parse(&kind)?;
        let bytes = |v: Option<Value>| match v {
            Some(Value::Bulk(b)) => b,
            _ => Vec::new(),
        };
        let pattern = if kind == MessageKind::PMessage {
            Some(bytes(it.next()))
        } else {
            None
        };
        let channel = bytes(it.next());
        let data = it.next().unwrap_or(Value::Nil);
        Some(Message {
            kind,
            pattern,
            channel,
            data,
        })
    }

    /// The channel as UTF-8, if it is.
    pub fn channel_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.channel).ok()
    }

    /// The payload bytes of a message (None for a confirmation).
    pub fn data_bytes(&self) -> Option<&[u8]> {
        match &self.data {
            Value::Bulk(b) => Some(b),
            _ => None,
        }
    }

    /// The payload as UTF-8 (None for a confirmation or non-UTF-8 data).
    pub fn data_str(&self) -> Option<&str> {
        self.data_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The payload converted like a command reply (`msg.payload::<i64>()`).
    pub fn payload<T: FromValue>(&self) -> Result<T> {
        T::from_value(self.data.clone())
    }
}

/// A Pub/Sub subscriber on an embedded store (redis-py's `PubSub`). Dropping it
/// unsubscribes from everything.
///
/// ```
/// use std::time::Duration;
/// let redis = emu::Redis::new();
/// let mut sub = redis.pubsub().ignore_subscribe_messages(true);
/// sub.subscribe(&["news"])?;
/// assert_eq!(redis.publish("news", "hello")?, 1);
/// let msg = sub.get_message(Some(Duration::from_secs(1)))?.unwrap();
/// assert_eq!(msg.data_str(), Some("hello"));
/// # Ok::<(), emu::Error>(())
/// ```
pub struct PubSub {
    redis: Redis,
    session: Session,
    mailbox: Arc<Mailbox>,
    ignore_subscribe_messages: bool,
    /// A remote handle's subscriber connection (opened by the first subscription).
    #[cfg(feature = "remote")]
    remote: Option<RemoteSub>,
}

/// The subscriber connection of a remote [`PubSub`]: commands are written to it, their
/// confirmations and the messages are read from it by `get_message` (RESP2 arrays).
#[cfg(feature = "remote")]
struct RemoteSub {
    conn: Option<crate::remote::subscriber::Subscriber>,
    /// The subscription count: the last confirmation's, or 1 right after a subscribe
    /// was sent (redis-py sets `subscribed` at once, too).
    subs: usize,
}

/// How long a remote subscriber's read waits before checking its stop flag.
#[cfg(feature = "remote")]
const REMOTE_POLL: Duration = Duration::from_millis(50);

impl std::fmt::Debug for PubSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubSub")
            .field("id", &self.session.id)
            .field("subscriptions", &self.mailbox.subscriptions())
            .finish()
    }
}

fn argv_of<A: ToArg>(name: &str, items: &[A]) -> Vec<Vec<u8>> {
    let mut v = crate::client::convert::ArgBuf::new();
    v.push(name);
    for a in items {
        a.write_args(&mut v);
    }
    v.to_vecs()
}

impl PubSub {
    fn new(redis: &Redis) -> PubSub {
        PubSub::with_mailbox(redis, Mailbox::new(next_client_id()))
    }

    #[cfg_attr(not(feature = "redis-rs"), allow(dead_code))]
    pub(crate) fn with_mailbox(redis: &Redis, mailbox: Arc<Mailbox>) -> PubSub {
        let session = Session {
            id: mailbox.id(),
            db: redis.db(),
            resp: 3,
            pubsub: Some(mailbox.clone()),
            ..Session::default()
        };
        PubSub {
            redis: redis.clone(),
            session,
            mailbox,
            ignore_subscribe_messages: false,
            #[cfg(feature = "remote")]
            remote: redis.remote_handle().map(|_| RemoteSub {
                conn: None,
                subs: 0,
            }),
        }
    }

    /// redis-py's `ignore_subscribe_messages`: confirmations are not returned by
    /// `get_message` / `listen` / the worker thread.
    pub fn ignore_subscribe_messages(mut self, yes: bool) -> PubSub {
        self.ignore_subscribe_messages = yes;
        self
    }

    /// Runs a subscription command on behalf of the redis-rs adapter.
    #[cfg(feature = "redis-rs")]
    pub(crate) fn exec_raw(&mut self, argv: Vec<Vec<u8>>) -> Result<()> {
        self.exec(argv)
    }

    /// A message already there, without waiting (the async subscriber's poll).
    pub(crate) fn try_message(&mut self) -> Result<Option<Message>> {
        self.next(Some(Instant::now()), &|| false)
    }

    /// Runs a subscription command (the async subscriber's).
    pub(crate) fn exec(&mut self, argv: Vec<Vec<u8>>) -> Result<()> {
        let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        #[cfg(feature = "remote")]
        if let (Some(sub), Some(h)) = (self.remote.as_mut(), self.redis.remote_handle()) {
            if sub.conn.is_none() {
                sub.conn = Some(h.subscriber()?);
            }
            let Some(conn) = sub.conn.as_mut() else {
                return Ok(());
            };
            conn.send(&args)?;
            let name = args
                .first()
                .map(|n| n.to_ascii_lowercase())
                .unwrap_or_default();
            if name.ends_with(b"subscribe") && !name.ends_with(b"unsubscribe") {
                sub.subs = sub.subs.max(1);
            }
            return Ok(());
        }
        let store = self.redis.shared_store();
        let session = &mut self.session;
        store
            .run(|g| engine::execute(g, session, &args))?
            .map(|_| ())
    }

    /// SUBSCRIBE to channels (confirmations arrive as messages).
    pub fn subscribe<A: ToArg>(&mut self, channels: &[A]) -> Result<()> {
        self.exec(argv_of("SUBSCRIBE", channels))
    }

    /// PSUBSCRIBE to glob-style patterns.
    pub fn psubscribe<A: ToArg>(&mut self, patterns: &[A]) -> Result<()> {
        self.exec(argv_of("PSUBSCRIBE", patterns))
    }

    /// SSUBSCRIBE to shard channels.
    pub fn ssubscribe<A: ToArg>(&mut self, channels: &[A]) -> Result<()> {
        self.exec(argv_of("SSUBSCRIBE", channels))
    }

    /// UNSUBSCRIBE from channels (all of them when `channels` is empty).
    pub fn unsubscribe<A: ToArg>(&mut self, channels: &[A]) -> Result<()> {
        self.exec(argv_of("UNSUBSCRIBE", channels))
    }

    /// PUNSUBSCRIBE from patterns (all of them when empty).
    pub fn punsubscribe<A: ToArg>(&mut self, patterns: &[A]) -> Result<()> {
        self.exec(argv_of("PUNSUBSCRIBE", patterns))
    }

    /// SUNSUBSCRIBE from shard channels (all of them when empty).
    pub fn sunsubscribe<A: ToArg>(&mut self, channels: &[A]) -> Result<()> {
        self.exec(argv_of("SUNSUBSCRIBE", channels))
    }

    /// True while subscribed to any channel, pattern or shard channel (redis-py's
    /// `subscribed`).
    pub fn subscribed(&self) -> bool {
        #[cfg(feature = "remote")]
        if let Some(sub) = &self.remote {
            return sub.subs > 0;
        }
        self.mailbox.subscribed()
    }

    /// Bytes waiting to be read (what counts against the output buffer limit).
    pub fn pending_bytes(&self) -> usize {
        self.mailbox.queued_bytes()
    }

    /// After a disconnect (output buffer limit): a fresh session with no subscriptions.
    fn restart(&mut self) {
        let id = next_client_id();
        self.mailbox = Mailbox::new(id);
        self.session.id = id;
        self.session.pubsub = Some(self.mailbox.clone());
    }

    fn next(
        &mut self,
        deadline: Option<Instant>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Message>> {
        #[cfg(feature = "remote")]
        if self.remote.is_some() {
            return self.next_remote(deadline, stop);
        }
        loop {
            let v = match self.mailbox.wait_pop(deadline, stop) {
                Ok(Some(v)) => v,
                Ok(None) => return Ok(None),
                Err(e) => {
                    self.restart();
                    return Err(e);
                }
            };
            let Some(m) = Message::from_value(v) else {
                continue;
            };
            if self.ignore_subscribe_messages && m.kind.is_subscription() {
                continue;
            }
            return Ok(Some(m));
        }
    }

    /// [`PubSub::next`] of a remote subscriber: reads its connection in short slices,
    /// checking `stop` between them.
    #[cfg(feature = "remote")]
    fn next_remote(
        &mut self,
        deadline: Option<Instant>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Message>> {
        let ignore = self.ignore_subscribe_messages;
        let Some(sub) = self.remote.as_mut() else {
            return Ok(None);
        };
        loop {
            if stop() {
                return Ok(None);
            }
            let Some(conn) = sub.conn.as_mut() else {
                // Never subscribed: nothing can arrive.
                if let Some(d) = deadline {
                    std::thread::sleep(d.saturating_duration_since(Instant::now()));
                    return Ok(None);
                }
                std::thread::sleep(REMOTE_POLL);
                continue;
            };
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(REMOTE_POLL),
                None => REMOTE_POLL,
            };
            let v = match conn.recv(Some(slice)) {
                Ok(Some(v)) => v,
                Ok(None) => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                    continue;
                }
                Err(e) => {
                    sub.conn = None;
                    sub.subs = 0;
                    return Err(e);
                }
            };
            let items = match v {
                Value::Array(items) | Value::Push(items) => items,
                Value::Error(e) => return Err(crate::error::Error::from_reply(e)),
                _ => continue,
            };
            let Some(m) = Message::from_value(Value::Push(items)) else {
                continue;
            };
            if m.kind.is_subscription() {
                if let Value::Int(n) = m.data {
                    sub.subs = usize::try_from(n).unwrap_or(0);
                }
                if ignore {
                    continue;
                }
            }
            return Ok(Some(m));
        }
    }

    /// The next message, waiting up to `timeout` (`None`: until one arrives;
    /// `Some(Duration::ZERO)`: only what is already there). `Err` if this subscriber was
    /// disconnected for exceeding `client-output-buffer-limit pubsub` (it then has no
    /// subscriptions left and may subscribe again).
    pub fn get_message(&mut self, timeout: Option<Duration>) -> Result<Option<Message>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        self.next(deadline, &|| false)
    }

    /// A blocking iterator over incoming messages (redis-py's `listen()`); it ends when
    /// nothing is subscribed any more and everything queued was read, or after an error.
    pub fn listen(&mut self) -> Listen<'_> {
        Listen {
            pubsub: self,
            done: false,
        }
    }

    /// Runs `handler` on every message on a new thread (redis-py's `run_in_thread`).
    /// Stop it with [`PubSubWorker::stop`], which returns the `PubSub`.
    pub fn run_in_thread<F>(self, mut handler: F) -> PubSubWorker
    where
        F: FnMut(Message) + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let mailbox = self.mailbox.clone();
        let s2 = stop.clone();
        let mut me = self;
        let thread = std::thread::Builder::new()
            .name("emu-pubsub".into())
            .spawn(move || {
                let stop_fn = || s2.load(Ordering::Acquire);
                loop {
                    match me.next(None, &stop_fn) {
                        Ok(Some(m)) => handler(m),
                        Ok(None) => return (me, Ok(())),
                        Err(e) => return (me, Err(e)),
                    }
                }
            })
            .expect("spawn pubsub thread");
        PubSubWorker {
            stop,
            mailbox,
            thread: Some(thread),
        }
    }
}

impl Drop for PubSub {
    fn drop(&mut self) {
        crate::pubsub::disconnect(self.redis.shared_store(), &self.mailbox);
    }
}

/// The iterator returned by [`PubSub::listen`].
pub struct Listen<'a> {
    pubsub: &'a mut PubSub,
    done: bool,
}

impl Iterator for Listen<'_> {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Result<Message>> {
        if self.done {
            return None;
        }
        let mb = self.pubsub.mailbox.clone();
        let r = self.pubsub.next(None, &|| !mb.subscribed());
        match r {
            Ok(Some(m)) => Some(Ok(m)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A running [`PubSub::run_in_thread`] worker.
pub struct PubSubWorker {
    stop: Arc<AtomicBool>,
    mailbox: Arc<Mailbox>,
    thread: Option<JoinHandle<(PubSub, Result<()>)>>,
}

impl PubSubWorker {
    /// Stops the thread after the message it is handling (if any) and gives the `PubSub`
    /// back, with the worker's outcome (`Err` if it was disconnected).
    pub fn stop(mut self) -> (PubSub, Result<()>) {
        self.stop.store(true, Ordering::Release);
        self.mailbox.interrupt();
        let t = self.thread.take().expect("worker joined once");
        match t.join() {
            Ok(x) => x,
            Err(p) => std::panic::resume_unwind(p),
        }
    }

    /// True while the thread runs.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for PubSubWorker {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stop.store(true, Ordering::Release);
            self.mailbox.interrupt();
            let _ = t.join();
        }
    }
}

impl Redis {
    /// A new Pub/Sub subscriber on this store (redis-py's `r.pubsub()`), selecting this
    /// handle's database (for nothing but CLIENT-like bookkeeping: channels are global).
    pub fn pubsub(&self) -> PubSub {
        PubSub::new(self)
    }

    /// PUBLISH: sends `message` to `channel`'s subscribers; returns how many received it.
    pub fn publish(&self, channel: impl ToArg, message: impl ToArg) -> Result<i64> {
        self.run_raw("PUBLISH", &[&channel, &message])
    }

    /// SPUBLISH: publishes on a shard channel.
    pub fn spublish(&self, channel: impl ToArg, message: impl ToArg) -> Result<i64> {
        self.run_raw("SPUBLISH", &[&channel, &message])
    }

    /// `PUBSUB CHANNELS [pattern]`.
    pub fn pubsub_channels(&self, pattern: Option<&str>) -> Result<Vec<Vec<u8>>> {
        match pattern {
            Some(p) => self.run_raw("PUBSUB", &[&"CHANNELS", &p]),
            None => self.run_raw("PUBSUB", &[&"CHANNELS"]),
        }
    }

    /// PUBSUB NUMSUB channel…: (channel, subscribers) pairs in argument order.
    pub fn pubsub_numsub<A: ToArg>(&self, channels: &[A]) -> Result<Vec<(Vec<u8>, i64)>> {
        let mut argv = argv_of("PUBSUB", channels);
        argv.insert(1, b"NUMSUB".to_vec());
        self.run_vec(argv)
    }

    /// PUBSUB NUMPAT.
    pub fn pubsub_numpat(&self) -> Result<i64> {
        self.run_raw("PUBSUB", &[&"NUMPAT"])
    }

    fn run_raw<T: FromValue>(&self, name: &str, args: &[&dyn ToArgDyn]) -> Result<T> {
        let mut argv = crate::client::convert::ArgBuf::new();
        argv.push(name);
        for a in args {
            a.write_dyn(&mut argv);
        }
        T::from_value(self.execute(&argv.slices())?)
    }

    fn run_vec<T: FromValue>(&self, argv: Vec<Vec<u8>>) -> Result<T> {
        let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        T::from_value(self.execute(&args)?)
    }
}

/// Object-safe [`ToArg`].
trait ToArgDyn {
    fn write_dyn(&self, out: &mut crate::client::convert::ArgBuf);
}

impl<T: ToArg> ToArgDyn for T {
    fn write_dyn(&self, out: &mut crate::client::convert::ArgBuf) {
        self.write_args(out)
    }
}

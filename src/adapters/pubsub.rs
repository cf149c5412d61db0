//! Pub/Sub for the redis-rs adapter: [`EmuAsyncPubSub`] mirrors `redis::aio::PubSub`
//! (`subscribe` / `psubscribe` / `ssubscribe` and the unsubscribes, `on_message()` and
//! `into_on_message()` streams of `redis::Msg`). It waits without holding an executor
//! thread: the subscriber's mailbox wakes the task's `Waker` when a message arrives, on any
//! executor.
//!
//! ```
//! let store = emu::Redis::new();
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! rt.block_on(async {
//!     let mut ps = emu::adapters::redis_rs::EmuAsyncPubSub::new(&store);
//!     ps.subscribe("news").await.unwrap();
//!     store.publish("news", "hi").unwrap();
//!     let mut stream = ps.on_message();
//!     let msg = emu::adapters::redis_rs::next(&mut stream).await.unwrap();
//!     assert_eq!(msg.get_channel_name(), "news");
//!     assert_eq!(msg.get_payload::<String>().unwrap(), "hi");
//! });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use parking_lot::Mutex;
use redis::{PushKind, RedisError, RedisResult, ToRedisArgs};

use crate::client::PubSub;
use crate::engine::next_client_id;
use crate::pubsub::Mailbox;
use crate::value::Value;
use crate::Redis;

type Slot = Arc<Mutex<Option<Waker>>>;

/// An async Pub/Sub subscriber on an embedded store, shaped like `redis::aio::PubSub`.
pub struct EmuAsyncPubSub {
    /// The handle (checked to be embedded on every request).
    redis: Redis,
    inner: PubSub,
    mailbox: Arc<Mailbox>,
    slot: Slot,
}

fn to_redis_err(e: crate::error::Error) -> RedisError {
    RedisError::from((
        redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError),
        "emu",
        e.message().to_string(),
    ))
}

fn args(cmd: &str, a: impl ToRedisArgs) -> Vec<Vec<u8>> {
    let mut v = vec![cmd.as_bytes().to_vec()];
    v.extend(a.to_redis_args());
    v
}

impl EmuAsyncPubSub {
    /// A subscriber on `redis`'s store.
    pub fn new(redis: &Redis) -> EmuAsyncPubSub {
        let slot: Slot = Arc::new(Mutex::new(None));
        let s2 = slot.clone();
        let mailbox = Mailbox::with_waker(
            next_client_id(),
            Box::new(move || {
                if let Some(w) = s2.lock().take() {
                    w.wake();
                }
            }),
        );
        EmuAsyncPubSub {
            redis: redis.clone(),
            inner: PubSub::with_mailbox(redis, mailbox.clone()),
            mailbox,
            slot,
        }
    }

    fn run(&mut self, argv: Vec<Vec<u8>>) -> RedisResult<()> {
        crate::adapters::redis_rs::embedded_only(&self.redis)?;
        self.inner.exec_raw(argv).map_err(to_redis_err)
    }

    /// SUBSCRIBE.
    pub async fn subscribe(&mut self, channel: impl ToRedisArgs) -> RedisResult<()> {
        self.run(args("SUBSCRIBE", channel))
    }

    /// PSUBSCRIBE.
    pub async fn psubscribe(&mut self, pattern: impl ToRedisArgs) -> RedisResult<()> {
        self.run(args("PSUBSCRIBE", pattern))
    }

    /// SSUBSCRIBE.
    pub async fn ssubscribe(&mut self, channel: impl ToRedisArgs) -> RedisResult<()> {
        self.run(args("SSUBSCRIBE", channel))
    }

    /// UNSUBSCRIBE.
    pub async fn unsubscribe(&mut self, channel: impl ToRedisArgs) -> RedisResult<()> {
        self.run(args("UNSUBSCRIBE", channel))
    }

    /// PUNSUBSCRIBE.
    pub async fn punsubscribe(&mut self, pattern: impl ToRedisArgs) -> RedisResult<()> {
        self.run(args("PUNSUBSCRIBE", pattern))
    }

    /// SUNSUBSCRIBE.
    pub async fn sunsubscribe(&mut self, channel: impl ToRedisArgs) -> RedisResult<()> {
        self.run(args("SUNSUBSCRIBE", channel))
    }

    /// The messages (`message`, `pmessage`, `smessage`; confirmations are skipped) as a
    /// stream borrowing the subscriber. It ends if the subscriber is disconnected
    /// (client-output-buffer-limit).
    pub fn on_message(&mut self) -> MessageStream<'_> {
        MessageStream { ps: Some(self) }
    }

    /// Like [`EmuAsyncPubSub::on_message`], owning the subscriber.
    pub fn into_on_message(self) -> OwnedMessageStream {
        OwnedMessageStream { ps: Some(self) }
    }

    fn poll_msg(&mut self, cx: &mut Context<'_>) -> Poll<Option<redis::Msg>> {
        loop {
            // Register before looking, so a push in between wakes us.
            *self.slot.lock() = Some(cx.waker().clone());
            match self.mailbox.pop() {
                Ok(Some(v)) => {
                    if let Some(m) = to_msg(v) {
                        return Poll::Ready(Some(m));
                    }
                }
                Ok(None) => return Poll::Pending,
                Err(_) => return Poll::Ready(None),
            }
        }
    }
}

fn to_msg(v: Value) -> Option<redis::Msg> {
    let Value::Push(items) = v else {
        return None;
    };
    let mut it = items.into_iter();
    let kind = match it.next()? {
        Value::Bulk(k) if k == b"message" => PushKind::Message,
        Value::Bulk(k) if k == b"pmessage" => PushKind::PMessage,
        Value::Bulk(k) if k == b"smessage" => PushKind::SMessage,
        _ => return None,
    };
    let data = it
        .map(|v| match v {
            Value::Bulk(b) => redis::Value::BulkString(b),
            _ => redis::Value::Nil,
        })
        .collect();
    redis::Msg::from_push_info(redis::PushInfo { kind, data })
}

/// Stream returned by [`EmuAsyncPubSub::on_message`].
pub struct MessageStream<'a> {
    ps: Option<&'a mut EmuAsyncPubSub>,
}

impl Stream for MessageStream<'_> {
    type Item = redis::Msg;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<redis::Msg>> {
        match self.ps.as_mut() {
            Some(ps) => ps.poll_msg(cx),
            None => Poll::Ready(None),
        }
    }
}

/// Stream returned by [`EmuAsyncPubSub::into_on_message`].
pub struct OwnedMessageStream {
    ps: Option<EmuAsyncPubSub>,
}

impl Stream for OwnedMessageStream {
    type Item = redis::Msg;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<redis::Msg>> {
        match self.ps.as_mut() {
            Some(ps) => ps.poll_msg(cx),
            None => Poll::Ready(None),
        }
    }
}

/// The next item of a stream (`StreamExt::next` without the futures crate).
pub fn next<S: Stream + Unpin>(s: &mut S) -> impl Future<Output = Option<S::Item>> + '_ {
    std::future::poll_fn(move |cx| Pin::new(&mut *s).poll_next(cx))
}

//! Cursor iterators over SCAN, HSCAN, SSCAN and ZSCAN, like redis-py's `scan_iter` family.
//!
//! Each iterator calls the command repeatedly, following the cursor until Redis returns 0,
//! and yields the elements one by one as `Result<T>` (a failing call — WRONGTYPE, a bad
//! option, a reply that does not convert — is yielded once, then the iteration ends).
//! SCAN's guarantees apply: every element present for the whole iteration is returned at
//! least once; an element may be returned more than once if the collection changes.

use std::collections::VecDeque;
use std::marker::PhantomData;

use crate::client::asynchronous::BoxFuture;
use crate::client::commands::{args, Args};
use crate::client::convert::{ArgBuf, FromValue, ToArg};
use crate::client::options::ScanOptions;
use crate::client::{AsyncRedis, Redis};
use crate::error::Result;
use crate::value::Value;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An iterator over a SCAN-family command, made by [`Redis::scan_iter`],
/// [`Redis::hscan_iter`], [`Redis::sscan_iter`] or [`Redis::zscan_iter`].
///
/// It calls the command repeatedly, following the cursor until Redis returns 0, and yields
/// the elements one by one as `Result<T>`; a failing call (WRONGTYPE, a bad option, a reply
/// that does not convert) is yielded once, then the iteration ends. SCAN's guarantees
/// apply: an element present for the whole iteration is returned at least once, and may be
/// returned more than once if the collection changes meanwhile.
///
/// ```
/// let redis = emu::Redis::new();
/// redis.mset([("user:1", "a"), ("user:2", "b"), ("post:1", "c")])?;
/// let mut users: Vec<String> = redis
///     .scan_iter(emu::ScanOptions::default().pattern("user:*"))
///     .collect::<emu::Result<_>>()?;
/// users.sort();
/// assert_eq!(users, ["user:1", "user:2"]);
/// # Ok::<(), emu::Error>(())
/// ```
pub struct ScanIter<T> {
    redis: Redis,
    /// Command name and key (if any); the cursor and options are appended per call.
    head: ArgBuf,
    options: ArgBuf,
    cursor: u64,
    buffer: VecDeque<T>,
    done: bool,
    /// The cluster master being scanned (remote cluster, keyless SCAN: every master in
    /// turn).
    node: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: FromValue> ScanIter<T> {
    fn new(redis: &Redis, head: Args, options: ScanOptions) -> ScanIter<T> {
        ScanIter {
            redis: redis.clone(),
            head: head.into_buf(),
            options: options.to_arg_buf(),
            cursor: 0,
            buffer: VecDeque::new(),
            done: false,
            node: 0,
            _t: PhantomData,
        }
    }

    /// The next call: its argument vector, and on a remote cluster walking every master
    /// (a keyless SCAN) the master's index.
    fn next_call(&self) -> (ArgBuf, Option<usize>) {
        let mut argv = self.head.clone();
        argv.push_int(self.cursor);
        argv.append(&self.options);
        (argv, (self.masters() > 1).then_some(self.node))
    }

    /// How many masters this iteration walks (1 but for a keyless SCAN on a cluster).
    fn masters(&self) -> usize {
        #[cfg(feature = "remote")]
        if let Some(h) = self.redis.remote_handle() {
            if self.head.len() == 1 {
                return h.masters();
            }
        }
        1
    }

    /// Takes in a call's reply: the next cursor and the elements.
    fn absorb(&mut self, reply: Value) -> Result<()> {
        let (next, items): (u64, Vec<T>) = FromValue::from_value(reply)?;
        self.cursor = next;
        self.done = next == 0;
        if self.done && self.node + 1 < self.masters() {
            self.node += 1;
            self.cursor = 0;
            self.done = false;
        }
        self.buffer.extend(items);
        Ok(())
    }

    fn fetch(&mut self) -> Result<()> {
        let (argv, node) = self.next_call();
        let refs = argv.slices();
        let reply = match node {
            #[cfg(feature = "remote")]
            Some(i) => match self.redis.remote_handle() {
                Some(h) => h.execute_on(i, &refs)?,
                None => self.redis.execute(&refs)?,
            },
            _ => self.redis.execute(&refs)?,
        };
        self.absorb(reply)
    }
}

/// The async form of [`ScanIter`] ([`AsyncRedis::scan_stream`] and its HSCAN / SSCAN /
/// ZSCAN twins): the same calls and guarantees, one element per
/// [`ScanStream::next`]`.await` — or as a `futures_core::Stream` (features `remote` or
/// `redis-rs`). On a remote handle each call goes through the async connections
/// ([`crate::remote::asynchronous`]).
#[must_use = "streams do nothing unless polled"]
pub struct ScanStream<T> {
    state: ScanIter<T>,
    pending: Option<BoxFuture<Value>>,
}

impl<T: FromValue + Unpin> ScanStream<T> {
    /// The next element (`None` at the end; an error is yielded once, then the end).
    pub async fn next(&mut self) -> Option<Result<T>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_item(cx)).await
    }

    /// Collects every remaining element (the first error stops it).
    pub async fn collect_all(mut self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }

    fn start(&self) -> BoxFuture<Value> {
        let (argv, node) = self.state.next_call();
        match node {
            #[cfg(feature = "remote")]
            Some(i) => match self.state.redis.remote_handle() {
                Some(h) => h.execute_on_async(i, argv.to_vecs()),
                None => self.state.redis.to_async().execute_args(argv),
            },
            _ => self.state.redis.to_async().execute_args(argv),
        }
    }

    fn poll_item(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.state.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.state.done {
                return Poll::Ready(None);
            }
            let pending = match &mut this.pending {
                Some(f) => f,
                None => this.pending.insert(this.start()),
            };
            let reply = match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            };
            this.pending = None;
            if let Err(e) = reply.and_then(|v| this.state.absorb(v)) {
                this.state.done = true;
                return Poll::Ready(Some(Err(e)));
            }
        }
    }
}

#[cfg(any(feature = "remote", feature = "redis-rs"))]
impl<T: FromValue + Unpin> futures_core::Stream for ScanStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        self.poll_item(cx)
    }
}

impl<T> std::fmt::Debug for ScanStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanStream")
            .field("state", &self.state)
            .finish()
    }
}

impl AsyncRedis {
    /// [`Redis::scan_iter`] as an async stream: `let mut s = r.scan_stream::<String>(opts);
    /// while let Some(key) = s.next().await { let key = key?; … }`.
    pub fn scan_stream<T: FromValue>(&self, options: ScanOptions) -> ScanStream<T> {
        ScanStream::of(self.sync().scan_iter(options))
    }

    /// [`Redis::hscan_iter`] as an async stream.
    pub fn hscan_stream<K: ToArg, F: FromValue, V: FromValue>(
        &self,
        key: K,
        options: ScanOptions,
    ) -> ScanStream<(F, V)> {
        ScanStream::of(self.sync().hscan_iter(key, options))
    }

    /// [`Redis::sscan_iter`] as an async stream.
    pub fn sscan_stream<K: ToArg, T: FromValue>(
        &self,
        key: K,
        options: ScanOptions,
    ) -> ScanStream<T> {
        ScanStream::of(self.sync().sscan_iter(key, options))
    }

    /// [`Redis::zscan_iter`] as an async stream.
    pub fn zscan_stream<K: ToArg, M: FromValue>(
        &self,
        key: K,
        options: ScanOptions,
    ) -> ScanStream<(M, f64)> {
        ScanStream::of(self.sync().zscan_iter(key, options))
    }
}

impl<T> ScanStream<T> {
    /// A stream continuing `iter`'s state (nothing is sent until it is polled).
    fn of(iter: ScanIter<T>) -> ScanStream<T> {
        ScanStream {
            state: iter,
            pending: None,
        }
    }
}

impl<T: FromValue> Iterator for ScanIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

impl<T> std::fmt::Debug for ScanIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanIter")
            .field(
                "command",
                &String::from_utf8_lossy(self.head.get(0).unwrap_or_default()),
            )
            .field("cursor", &self.cursor)
            .field("done", &self.done)
            .finish()
    }
}

impl Redis {
    /// Iterates over every key matching the options with SCAN (redis-py `scan_iter(match=,
    /// count=, _type=)`): `for key in r.scan_iter::<String>(ScanOptions::default()
    /// .pattern("user:*")) { let key = key?; … }`.
    pub fn scan_iter<T: FromValue>(&self, options: ScanOptions) -> ScanIter<T> {
        ScanIter::new(self, args("SCAN"), options)
    }

    /// Iterates over a hash's `(field, value)` pairs with HSCAN.
    pub fn hscan_iter<K: ToArg, F: FromValue, V: FromValue>(
        &self,
        key: K,
        options: ScanOptions,
    ) -> ScanIter<(F, V)> {
        ScanIter::new(self, args("HSCAN").arg(key), options)
    }

    /// Iterates over a set's members with SSCAN.
    pub fn sscan_iter<K: ToArg, T: FromValue>(&self, key: K, options: ScanOptions) -> ScanIter<T> {
        ScanIter::new(self, args("SSCAN").arg(key), options)
    }

    /// Iterates over a sorted set's `(member, score)` pairs with ZSCAN.
    pub fn zscan_iter<K: ToArg, M: FromValue>(
        &self,
        key: K,
        options: ScanOptions,
    ) -> ScanIter<(M, f64)> {
        ScanIter::new(self, args("ZSCAN").arg(key), options)
    }
}

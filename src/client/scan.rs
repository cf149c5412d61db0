//! Cursor iterators over SCAN, HSCAN, SSCAN and ZSCAN, like redis-py's `scan_iter` family.
//!
//! Each iterator calls the command repeatedly, following the cursor until Redis returns 0,
//! and yields the elements one by one as `Result<T>` (a failing call — WRONGTYPE, a bad
//! option, a reply that does not convert — is yielded once, then the iteration ends).
//! SCAN's guarantees apply: every element present for the whole iteration is returned at
//! least once; an element may be returned more than once if the collection changes.

use std::collections::VecDeque;
use std::marker::PhantomData;

use crate::client::commands::{args, Args};
use crate::client::convert::{FromValue, ToArg};
use crate::client::options::ScanOptions;
use crate::client::Redis;
use crate::error::Result;
use crate::value::Value;

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
    head: Vec<Vec<u8>>,
    options: Vec<Vec<u8>>,
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
            head: head.into_vec(),
            options: options.to_args(),
            cursor: 0,
            buffer: VecDeque::new(),
            done: false,
            node: 0,
            _t: PhantomData,
        }
    }

    fn fetch(&mut self) -> Result<()> {
        let mut argv: Vec<&[u8]> = self.head.iter().map(Vec::as_slice).collect();
        let cursor = self.cursor.to_string();
        argv.push(cursor.as_bytes());
        argv.extend(self.options.iter().map(Vec::as_slice));
        #[cfg(feature = "remote")]
        let masters = match self.redis.remote_handle() {
            Some(h) if self.head.len() == 1 => h.masters(),
            _ => 1,
        };
        #[cfg(not(feature = "remote"))]
        let masters = 1;
        let reply: Value = if masters > 1 {
            #[cfg(feature = "remote")]
            match self.redis.remote_handle() {
                Some(h) => h.execute_on(self.node, &argv)?,
                None => self.redis.execute(&argv)?,
            }
            #[cfg(not(feature = "remote"))]
            self.redis.execute(&argv)?
        } else {
            self.redis.execute(&argv)?
        };
        let (next, items): (u64, Vec<T>) = FromValue::from_value(reply)?;
        self.cursor = next;
        self.done = next == 0;
        if self.done && self.node + 1 < masters {
            self.node += 1;
            self.done = false;
        }
        self.buffer.extend(items);
        Ok(())
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
            .field("command", &String::from_utf8_lossy(&self.head[0]))
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

//! Pub/Sub: the subscription registry shared by every client of one store, per-subscriber
//! mailboxes, the commands ([`commands`]) and the embedded `pubsub()` object ([`crate::client::pubsub`]).
//!
//! # Delivery
//!
//! The [`Registry`] lives in the [`Store`] (`store.pubsub`), so every handle and every
//! connection of one store sees the same channels. Each subscriber (a server connection, an
//! embedded [`crate::client::PubSub`]) owns one [`Mailbox`]: a FIFO of pushed replies. PUBLISH runs under
//! the store lock and appends to each receiver's mailbox, so every subscriber sees messages
//! in the global publish order, and keyspace notifications (delivered synchronously by
//! `Store::notify`, as Redis's `notifyKeyspaceEvent` does) interleave with PUBLISHed
//! messages exactly as they happened. Subscription confirmations (`subscribe`, `unsubscribe`,
//! …) go through the same mailbox, so they are ordered with the messages too; the
//! subscription commands' own reply is the "no reply" marker (see [`is_no_reply`]) because,
//! as in Redis, all their output is those confirmations.
//!
//! A server connection drains its mailbox into its output before each reply and whenever it
//! is woken while idle; an embedded `PubSub` drains it in `get_message` / `listen`.
//!
//! # Slow subscribers (client-output-buffer-limit pubsub)
//!
//! A mailbox is bounded like Redis's `client-output-buffer-limit pubsub <hard> <soft>
//! <seconds>` (default `32mb 8mb 60`; PUBLISH passes the store's typed
//! `config.client_output_buffer_limit.pubsub`): the queued bytes (an estimate of the
//! RESP encoding of the queued messages) may not exceed `hard`, nor stay above `soft` for
//! more than `seconds` (checked when a message is queued, as Redis checks when it appends
//! output). A subscriber over the limit is disconnected: its subscriptions are removed at
//! once, its queue is dropped, a server connection is closed, and an embedded `PubSub` gets
//! an error from its next read (and starts over with no subscriptions). `0` disables a limit.
//! Messages are never dropped for a subscriber within its limits.

pub mod commands;
pub mod tracking;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use crate::config::ObufLimit;
use crate::engine::Store;
use crate::engine::{CommandSpec, Session};
use crate::error::{Error, Result};
use crate::util::glob;
use crate::util::Dict;
use crate::value::Value;

/// A queued output: a pushed reply, or bytes already encoded for the connection (an EXEC
/// reply that holds confirmations, see [`Mailbox::take_since`]).
enum Entry {
    Push(Value),
    Encoded(Vec<u8>),
}

struct Inner {
    queue: VecDeque<(Entry, usize)>,
    bytes: usize,
    soft_since: Option<Instant>,
    /// Set when the subscriber was disconnected (output buffer limit).
    closed: Option<String>,
}

/// One subscriber's queue of pushed replies. See the module docs.
pub struct Mailbox {
    id: u64,
    inner: Mutex<Inner>,
    cond: Condvar,
    waker: Option<Box<dyn Fn() + Send + Sync>>,
    /// Channels + patterns + shard channels subscribed (kept by the registry).
    subs: AtomicUsize,
    /// Queue length, readable without the lock (front ends check it before every reply).
    queued: AtomicUsize,
    /// Set (for good) when disconnected by the output buffer limit.
    dead: AtomicBool,
    /// The client's protocol version as of its last command (invalidation messages are
    /// shaped by the receiver's protocol, see [`tracking`]).
    resp: AtomicU8,
    /// The client has CLIENT TRACKING on (its disconnect must reach the store).
    tracking: AtomicBool,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("id", &self.id)
            .field("subscriptions", &self.subscriptions())
            .finish()
    }
}

/// Estimated RESP size of a pushed reply (what it costs in an output buffer).
fn size_of(v: &Value) -> usize {
    match v {
        Value::Bulk(b) => b.len() + 16,
        Value::Push(items) | Value::Array(items) => 16 + items.iter().map(size_of).sum::<usize>(),
        _ => 16,
    }
}

impl Mailbox {
    /// A mailbox for client `id`, woken by condition variable only (embedded use).
    pub fn new(id: u64) -> Arc<Mailbox> {
        Mailbox::build(id, None)
    }

    /// A mailbox that also calls `waker` when it goes from empty to non-empty or is closed
    /// (the server connection's event loop).
    pub fn with_waker(id: u64, waker: Box<dyn Fn() + Send + Sync>) -> Arc<Mailbox> {
        Mailbox::build(id, Some(waker))
    }

    fn build(id: u64, waker: Option<Box<dyn Fn() + Send + Sync>>) -> Arc<Mailbox> {
        Arc::new(Mailbox {
            id,
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                bytes: 0,
                soft_since: None,
                closed: None,
            }),
            cond: Condvar::new(),
            waker,
            subs: AtomicUsize::new(0),
            queued: AtomicUsize::new(0),
            dead: AtomicBool::new(false),
            resp: AtomicU8::new(2),
            tracking: AtomicBool::new(false),
        })
    }

    /// Records the client's protocol version (after each of its commands).
    #[inline]
    pub fn set_resp(&self, resp: u8) {
        self.resp.store(resp, Ordering::Relaxed);
    }

    /// The client's protocol version as of its last command.
    #[inline]
    pub fn resp(&self) -> u8 {
        self.resp.load(Ordering::Relaxed)
    }

    /// Marks the client as tracking (or not).
    pub fn set_tracking(&self, on: bool) {
        self.tracking.store(on, Ordering::Release);
    }

    /// True while the client has CLIENT TRACKING on.
    pub fn is_tracking(&self) -> bool {
        self.tracking.load(Ordering::Acquire)
    }

    /// The client id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Number of subscriptions (channels, patterns and shard channels).
    pub fn subscriptions(&self) -> usize {
        self.subs.load(Ordering::Acquire)
    }

    /// True while subscribed to anything (Redis's `CLIENT_PUBSUB` flag).
    pub fn subscribed(&self) -> bool {
        self.subscriptions() > 0
    }

    /// Replies queued (read without locking).
    pub fn pending(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Bytes queued.
    pub fn queued_bytes(&self) -> usize {
        self.inner.lock().bytes
    }

    fn wake(&self) {
        self.cond.notify_all();
        if let Some(w) = &self.waker {
            w();
        }
    }

    /// Queues a reply. With `limits`, returns false (and closes the mailbox) when the
    /// subscriber went over its output buffer limit.
    fn push(&self, v: Value, limits: Option<ObufLimit>) -> bool {
        let size = size_of(&v);
        let mut g = self.inner.lock();
        if g.closed.is_some() {
            return false;
        }
        let was_empty = g.queue.is_empty();
        g.queue.push_back((Entry::Push(v), size));
        g.bytes += size;
        self.queued.store(g.queue.len(), Ordering::Release);
        if let Some(l) = limits {
            if self.close_if_over(&mut g, l) {
                drop(g);
                self.wake();
                return false;
            }
        }
        // Woken for the first message, and again each time the queue grows past another
        // 16 KiB (Redis's reply block): the connection then reports its buffers (CLIENT
        // LIST `omem`), which `used_memory` (maxmemory) and client eviction count, while it
        // cannot write.
        let grew = (g.bytes >> 14) != ((g.bytes - size) >> 14);
        drop(g);
        if was_empty || grew {
            self.wake();
        }
        true
    }

    /// Checks the queue against the `pubsub` limit `l` and, when reached, drops it and
    /// marks the subscriber disconnected (true).
    fn close_if_over(&self, g: &mut Inner, l: ObufLimit) -> bool {
        let bytes = g.bytes as u64;
        if l.reached(bytes, &mut g.soft_since).is_none() {
            return false;
        }
        g.queue.clear();
        g.bytes = 0;
        self.queued.store(0, Ordering::Release);
        self.dead.store(true, Ordering::Release);
        g.closed = Some(format!(
            "client-output-buffer-limit pubsub exceeded ({bytes} bytes queued; limit {} hard / {} soft for {}s): subscriber disconnected",
            l.hard, l.soft, l.soft_secs
        ));
        true
    }

    /// The soft limit's time check without a new message (Redis's `clientsCron`, for a
    /// subscriber that stopped receiving while over the soft limit): true when the
    /// subscriber is (now) disconnected.
    pub fn over_limit_now(&self, l: ObufLimit) -> bool {
        let mut g = self.inner.lock();
        g.closed.is_some() || self.close_if_over(&mut g, l)
    }

    /// Takes the next queued reply; `Err` once the subscriber was disconnected and
    /// everything before that was read.
    pub fn pop(&self) -> Result<Option<Value>> {
        let mut g = self.inner.lock();
        self.pop_locked(&mut g)
    }

    fn pop_locked(&self, g: &mut Inner) -> Result<Option<Value>> {
        loop {
            match g.queue.pop_front() {
                Some((entry, size)) => {
                    g.bytes -= size;
                    self.queued.store(g.queue.len(), Ordering::Release);
                    match entry {
                        Entry::Push(v) => return Ok(Some(v)),
                        // Only network sessions get encoded entries, and they drain with
                        // `drain_encoded`.
                        Entry::Encoded(_) => continue,
                    }
                }
                None => {
                    return match &g.closed {
                        Some(why) => Err(Error::err(why.clone())),
                        None => Ok(None),
                    }
                }
            }
        }
    }

    /// Number of queued entries: a mark for [`Mailbox::take_since`].
    pub fn mark(&self) -> usize {
        self.inner.lock().queue.len()
    }

    /// Removes and returns the replies queued after `mark` (EXEC moves the confirmations
    /// and messages its commands queued into its own reply, where Redis writes them).
    pub fn take_since(&self, mark: usize) -> Vec<Value> {
        let mut g = self.inner.lock();
        if g.queue.len() <= mark {
            return Vec::new();
        }
        let tail: Vec<(Entry, usize)> = g.queue.drain(mark..).collect();
        self.queued.store(g.queue.len(), Ordering::Release);
        let mut out = Vec::with_capacity(tail.len());
        for (entry, size) in tail {
            g.bytes -= size;
            if let Entry::Push(v) = entry {
                out.push(v);
            }
        }
        out
    }

    /// Queues bytes already encoded for the connection (written by `drain_encoded` in
    /// order with the pushed replies).
    pub fn push_encoded(&self, bytes: Vec<u8>) {
        let size = bytes.len();
        let mut g = self.inner.lock();
        if g.closed.is_some() {
            return;
        }
        let was_empty = g.queue.is_empty();
        g.queue.push_back((Entry::Encoded(bytes), size));
        g.bytes += size;
        self.queued.store(g.queue.len(), Ordering::Release);
        drop(g);
        if was_empty {
            self.wake();
        }
    }

    /// Waits for the next reply until `deadline` (None: forever) or until `stop()` is true
    /// (checked whenever the mailbox is woken, see [`Mailbox::interrupt`]).
    pub fn wait_pop(
        &self,
        deadline: Option<Instant>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Value>> {
        let mut g = self.inner.lock();
        loop {
            if let Some(v) = self.pop_locked(&mut g)? {
                return Ok(Some(v));
            }
            if stop() {
                return Ok(None);
            }
            match deadline {
                Some(d) => {
                    if Instant::now() >= d || self.cond.wait_until(&mut g, d).timed_out() {
                        return self.pop_locked(&mut g);
                    }
                }
                None => self.cond.wait(&mut g),
            }
        }
    }

    /// Wakes every waiter (used to stop a worker thread).
    pub fn interrupt(&self) {
        let _g = self.inner.lock();
        self.cond.notify_all();
    }

    /// Moves every queued reply into `out`, encoded for protocol `resp`. Returns false if
    /// the subscriber was disconnected (the connection must be closed).
    pub fn drain_encoded(&self, out: &mut Vec<u8>, resp: u8) -> bool {
        // Fast path: nothing queued (a pushed reply stores `queued` under the lock before
        // waking anyone, so a wake-up always finds it).
        if self.queued.load(Ordering::Acquire) == 0 && !self.dead.load(Ordering::Acquire) {
            return true;
        }
        let mut g = self.inner.lock();
        for (entry, _) in g.queue.drain(..) {
            match entry {
                Entry::Push(v) => crate::resp::encode(out, &v, resp),
                // A large streamed reply (`engine::BulkArray`) moves in whole when nothing
                // is pending, instead of being copied.
                Entry::Encoded(b) if out.is_empty() => *out = b,
                Entry::Encoded(b) => out.extend_from_slice(&b),
            }
        }
        self.queued.store(0, Ordering::Release);
        g.bytes = 0;
        g.soft_since = None;
        g.closed.is_none()
    }

    /// The connection went away (a REDIRECT to it is broken from now on).
    pub fn mark_gone(&self) {
        self.dead.store(true, Ordering::Release);
    }

    /// True once disconnected for exceeding the output buffer limit.
    pub fn is_closed(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }
}

/// Which namespace a subscription lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH.
    Channel,
    /// PSUBSCRIBE.
    Pattern,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

#[derive(Default)]
struct ClientSubs {
    mailbox: Option<Arc<Mailbox>>,
    channels: Dict<()>,
    patterns: Dict<()>,
    shard: Dict<()>,
}

impl ClientSubs {
    fn set(&mut self, kind: Kind) -> &mut Dict<()> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    fn total(&self) -> usize {
        self.channels.len() + self.patterns.len() + self.shard.len()
    }

    /// The count Redis reports in confirmations: channels + patterns, or shard channels.
    fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.shard.len(),
            _ => self.channels.len() + self.patterns.len(),
        }
    }
}

/// Every subscription of one store. See the module docs.
#[derive(Default)]
pub struct Registry {
    channels: Dict<Vec<Arc<Mailbox>>>,
    patterns: Dict<Vec<Arc<Mailbox>>>,
    shard: Dict<Vec<Arc<Mailbox>>>,
    clients: HashMap<u64, ClientSubs>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("channels", &self.channels.len())
            .field("patterns", &self.patterns.len())
            .field("shard", &self.shard.len())
            .field("clients", &self.clients.len())
            .finish()
    }
}

/// A cloned store starts with no subscribers (subscriptions belong to live clients).
impl Clone for Registry {
    fn clone(&self) -> Self {
        Registry::default()
    }
}

fn confirm(what: &str, name: Option<&[u8]>, count: usize) -> Value {
    Value::Push(vec![
        Value::bulk(what),
        name.map(Value::bulk).unwrap_or(Value::Nil),
        Value::Int(count as i64),
    ])
}

impl Registry {
    /// True when nobody is subscribed to anything.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    fn server_map(&mut self, kind: Kind) -> &mut Dict<Vec<Arc<Mailbox>>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// Active channels (or shard channels) matching `pat`, in table order.
    pub fn channel_list(&self, shard: bool, pat: Option<&[u8]>) -> Vec<Vec<u8>> {
        let map = if shard { &self.shard } else { &self.channels };
        map.keys()
            .filter(|c| pat.is_none_or(|p| glob::matches(p, c)))
            .map(|c| c.to_vec())
            .collect()
    }

    /// Subscribers of a channel (or shard channel), patterns excluded.
    pub fn numsub(&self, shard: bool, channel: &[u8]) -> usize {
        let map = if shard { &self.shard } else { &self.channels };
        map.get(channel).map_or(0, Vec::len)
    }

    /// Client `id`'s (channels, patterns, shard channels) counts, for CLIENT LIST.
    pub fn counts(&self, id: u64) -> [usize; 3] {
        self.clients.get(&id).map_or([0; 3], |c| {
            [c.channels.len(), c.patterns.len(), c.shard.len()]
        })
    }

    /// Client `id`'s subscriptions: channels, patterns, shard channels (ACL SETUSER checks
    /// them against the user's new channel permissions).
    pub fn subscriptions_of(&self, id: u64) -> [Vec<Vec<u8>>; 3] {
        self.clients.get(&id).map_or_else(Default::default, |c| {
            [&c.channels, &c.patterns, &c.shard].map(|d| d.keys().map(|k| k.to_vec()).collect())
        })
    }

    /// Distinct (channels, patterns, shard channels) with subscribers (INFO stats).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.channels.len(), self.patterns.len(), self.shard.len())
    }

    /// Number of distinct patterns subscribed.
    pub fn numpat(&self) -> usize {
        self.patterns.len()
    }

    /// Delivers `msg` on `channel` to its subscribers (and, unless `shard`, to matching
    /// patterns), each held to `limit` (`client-output-buffer-limit pubsub`); returns the
    /// number of receivers, as PUBLISH replies.
    pub fn publish(&mut self, limit: ObufLimit, channel: &[u8], msg: &[u8], shard: bool) -> usize {
        if self.clients.is_empty() {
            return 0;
        }
        let limits = Some(limit);
        let mut receivers = 0;
        let mut dead = Vec::new();
        let map = if shard { &self.shard } else { &self.channels };
        if let Some(list) = map.get(channel) {
            let kind = if shard { "smessage" } else { "message" };
            for mb in list {
                receivers += 1;
                let v = Value::Push(vec![
                    Value::bulk(kind),
                    Value::bulk(channel),
                    Value::bulk(msg),
                ]);
                if !mb.push(v, limits) {
                    dead.push(mb.id);
                }
            }
        }
        if !shard {
            for (pat, list) in self.patterns.iter() {
                if !glob::matches(pat, channel) {
                    continue;
                }
                for mb in list {
                    receivers += 1;
                    let v = Value::Push(vec![
                        Value::bulk("pmessage"),
                        Value::bulk(pat),
                        Value::bulk(channel),
                        Value::bulk(msg),
                    ]);
                    if !mb.push(v, limits) {
                        dead.push(mb.id);
                    }
                }
            }
        }
        for id in dead {
            self.drop_client(id);
        }
        receivers
    }

    /// Subscribes the session to `names`, queueing one confirmation per name.
    pub fn subscribe(&mut self, session: &mut Session, kind: Kind, names: &[&[u8]]) {
        let mb = mailbox_of(session);
        let id = mb.id;
        let entry = self.clients.entry(id).or_default();
        entry.mailbox = Some(mb.clone());
        let mut added = Vec::new();
        for &name in names {
            if entry.set(kind).insert(name, ()).is_none() {
                added.push(name);
            }
            mb.push(
                confirm(subscribe_word(kind), Some(name), entry.count(kind)),
                None,
            );
        }
        mb.subs.store(entry.total(), Ordering::Release);
        for name in added {
            self.server_map(kind)
                .get_or_insert_with(name, Vec::new)
                .push(mb.clone());
        }
    }

    /// Unsubscribes the session from `names` (all of `kind` when empty), queueing the
    /// confirmations (`notify`) as Redis does.
    pub fn unsubscribe(&mut self, session: &mut Session, kind: Kind, names: &[&[u8]]) {
        let mb = mailbox_of(session);
        let id = mb.id;
        let word = unsubscribe_word(kind);
        let owned: Vec<Vec<u8>> = if names.is_empty() {
            self.clients
                .get(&id)
                .map(|c| {
                    let set = match kind {
                        Kind::Channel => &c.channels,
                        Kind::Pattern => &c.patterns,
                        Kind::Shard => &c.shard,
                    };
                    set.keys().map(|k| k.to_vec()).collect()
                })
                .unwrap_or_default()
        } else {
            names.iter().map(|n| n.to_vec()).collect()
        };
        if owned.is_empty() {
            let count = self.clients.get(&id).map_or(0, |c| c.count(kind));
            mb.push(confirm(word, None, count), None);
            return;
        }
        for name in &owned {
            let removed = self
                .clients
                .get_mut(&id)
                .is_some_and(|c| c.set(kind).remove(name).is_some());
            if removed {
                self.detach(kind, name, id);
            }
            let count = self.clients.get(&id).map_or(0, |c| c.count(kind));
            mb.push(confirm(word, Some(name), count), None);
        }
        self.settle(id, &mb);
    }

    fn settle(&mut self, id: u64, mb: &Mailbox) {
        let total = self.clients.get(&id).map_or(0, ClientSubs::total);
        mb.subs.store(total, Ordering::Release);
        if total == 0 {
            self.clients.remove(&id);
        }
    }

    fn detach(&mut self, kind: Kind, name: &[u8], id: u64) {
        let map = self.server_map(kind);
        let now_empty = match map.get_mut(name) {
            Some(list) => {
                list.retain(|m| m.id != id);
                list.is_empty()
            }
            None => false,
        };
        if now_empty {
            map.remove(name);
        }
    }

    /// Removes every subscription of client `id` without notifying it (disconnect, RESET,
    /// output buffer limit).
    pub fn drop_client(&mut self, id: u64) {
        let Some(c) = self.clients.remove(&id) else {
            return;
        };
        for (kind, set) in [
            (Kind::Channel, &c.channels),
            (Kind::Pattern, &c.patterns),
            (Kind::Shard, &c.shard),
        ] {
            for name in set.keys() {
                self.detach(kind, name, id);
            }
        }
        if let Some(mb) = &c.mailbox {
            mb.subs.store(0, Ordering::Release);
        }
    }
}

fn subscribe_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Channel => "subscribe",
        Kind::Pattern => "psubscribe",
        Kind::Shard => "ssubscribe",
    }
}

fn unsubscribe_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Channel => "unsubscribe",
        Kind::Pattern => "punsubscribe",
        Kind::Shard => "sunsubscribe",
    }
}

/// The session's mailbox, created on first use (a session with no front end reading it,
/// e.g. a plain `Redis` handle, then accumulates messages up to its limit).
pub fn mailbox_of(session: &mut Session) -> Arc<Mailbox> {
    session
        .pubsub
        .get_or_insert_with(|| Mailbox::new(session.id))
        .clone()
}

/// The reply of the subscription commands: their output is the confirmations queued in the
/// mailbox, so there is nothing else to send. Front ends skip it.
pub fn no_reply() -> Value {
    Value::Push(Vec::new())
}

/// True for [`no_reply`].
#[inline]
pub fn is_no_reply(v: &Value) -> bool {
    matches!(v, Value::Push(p) if p.is_empty())
}

/// True if the session is subscribed to anything (Redis's `CLIENT_PUBSUB`).
#[inline]
pub fn subscribed(session: &Session) -> bool {
    session.pubsub.as_ref().is_some_and(|m| m.subscribed())
}

/// Commands a RESP2 client may run while subscribed.
const ALLOWED: &[&str] = &[
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "ping",
    "quit",
    "reset",
];

/// Container commands whose full name (in errors) includes the subcommand.
const CONTAINERS: &[&str] = &[
    "client", "config", "command", "object", "memory", "script", "pubsub", "acl", "cluster",
    "function", "latency", "module", "slowlog", "xinfo",
];

/// Redis 7.0's `processCommand` check: a RESP2 client in subscribed mode may only run
/// (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET.
#[inline]
///
/// Not checked for the commands EXEC runs (`Session::in_multi`): Redis checked them when
/// they were queued, before a queued SUBSCRIBE made the client subscribed.
pub fn check_context(session: &Session, spec: &CommandSpec, argv: &[&[u8]]) -> Result<()> {
    if session.in_multi || session.resp != 2 || !subscribed(session) || ALLOWED.contains(&spec.name)
    {
        return Ok(());
    }
    let mut name = spec.name.to_string();
    if argv.len() > 1 && CONTAINERS.contains(&spec.name) {
        name.push('|');
        name.push_str(&String::from_utf8_lossy(argv[1]).to_ascii_lowercase());
    }
    Err(Error::err(format!(
        "Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    )))
}

/// RESET: drops every subscription without confirmations.
pub fn reset(store: &mut Store, session: &Session) {
    if let Some(mb) = &session.pubsub {
        if mb.subscribed() {
            store.pubsub.drop_client(mb.id);
        }
    }
}

/// A connection or `PubSub` went away: drop its subscriptions and its client-side caching
/// state, and forget it as a REDIRECT target (locks only if it had any of them).
pub fn disconnect(store: &crate::engine::Shared, mailbox: &Mailbox) {
    let subscribed = mailbox.subscribed();
    let tracking = mailbox.is_tracking();
    if subscribed || tracking {
        // Not `store.lock()`: a script running past busy-reply-threshold holds the store,
        // and Redis frees a closed client meanwhile (processEventsWhileBlocked); the
        // script's thread does it between two stretches of the script.
        let id = mailbox.id;
        crate::engine::busy::with_store(store, move |g| {
            if subscribed {
                g.pubsub.drop_client(id);
            }
            g.tracking.drop_client(id);
        });
    } else {
        // A REDIRECT target that never tracked: its weak entry dies with the mailbox; the
        // closed flag makes the redirect broken at once.
        mailbox.mark_gone();
    }
}

/// Writes the session's queued pushes into `out` (front ends call it before each reply
/// and when woken). Returns false if the subscriber was disconnected.
#[inline]
pub fn drain_into(session: &Session, out: &mut Vec<u8>) -> bool {
    match &session.pubsub {
        Some(mb) => mb.drain_encoded(out, session.resp),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn mailbox_hard_limit_closes_and_errors_after_queue() {
        let mb = Mailbox::new(1);
        let l = ObufLimit {
            hard: 100,
            soft: 0,
            soft_secs: 0,
        };
        assert!(mb.push(Value::bulk("x"), Some(l)));
        assert_eq!(mb.pop().unwrap(), Some(Value::bulk("x")));
        assert!(mb.push(Value::bulk(vec![b'a'; 50]), Some(l)));
        assert!(!mb.push(Value::bulk(vec![b'a'; 50]), Some(l)));
        assert!(mb.is_closed());
        assert_eq!(mb.queued_bytes(), 0);
        assert!(mb.pop().is_err());
        let mut out = Vec::new();
        assert!(!mb.drain_encoded(&mut out, 2));
        assert!(out.is_empty());
    }

    #[test]
    fn unlimited_mailbox_keeps_everything_in_order() {
        let mb = Mailbox::new(2);
        let none = ObufLimit {
            hard: 0,
            soft: 0,
            soft_secs: 0,
        };
        for i in 0..1000 {
            assert!(mb.push(Value::Int(i), Some(none)));
        }
        for i in 0..1000 {
            assert_eq!(mb.pop().unwrap(), Some(Value::Int(i)));
        }
        assert_eq!(mb.pop().unwrap(), None);
        let t = Instant::now();
        assert_eq!(
            mb.wait_pop(Some(Instant::now() + Duration::from_millis(30)), &|| false)
                .unwrap(),
            None
        );
        assert!(t.elapsed() >= Duration::from_millis(25));
    }
}

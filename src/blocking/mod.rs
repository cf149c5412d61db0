//! Blocking commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP, and
//! XREAD / XREADGROUP with BLOCK ([`streams`]).
//!
//! # How a client blocks
//!
//! A blocking handler ([`commands`]) first tries to serve right away through the same code
//! as its non-blocking form. When no key can serve it (and the caller is not inside MULTI,
//! `Session::in_multi`), it leaves a [`BlockRequest`] in `Session::block` and returns a
//! placeholder. The front end that ran it (the embedded [`crate::Redis`], the RESP
//! connection, the redis-rs adapter) then [`Registry::register`]s a waiter in the store's
//! [`Registry`] (FIFO per `(db, key)`), releases the store lock and waits on the waiter's
//! [`Slot`]: a thread on a condvar, an async task on a future (no executor thread held).
//!
//! # How a client is served
//!
//! Every modification goes through `Store::signal_modified`, which (when someone waits on
//! that key) queues the key as *ready* (Redis `signalKeyAsReady`). After each top-level
//! command (`engine::call`, not inside EXEC's queue), [`serve_ready`] takes the ready keys in
//! signal order and, for each, re-runs the waiters' commands in FIFO order (longest waiting
//! first), restricted to that key, under the same store lock as the write that made it
//! ready: so no other client can take the element first, and the served pop is logged in
//! the same batch, as its non-blocking form (`LPOP key`, `LMOVE …`, `ZPOPMIN key`, …). The
//! reply goes into the waiter's slot and wakes it.
//!
//! Timeouts use real time ([`std::time::Instant`], as Redis does), never the store clock: a
//! single timer thread expires slots at their deadline; the waiter then removes itself from
//! the registry (unless it was served in the meantime, in which case it gets that reply).

//! # Front ends
//!
//! * [`crate::Redis`] (typed methods, `cmd`, `execute`): the calling thread blocks, holding
//!   no lock (clones of the handle keep working meanwhile).
//! * `emu serve`: the connection task awaits the slot; requests pipelined behind the
//!   blocked command wait for its reply, as in Redis; a client that disconnects (or is
//!   killed) while blocked is unregistered and is never served.
//! * `adapters::redis_rs`: `EmuConnection` blocks its thread; `EmuAsyncConnection` returns
//!   a future that holds no executor thread (any executor: the timeout comes from the
//!   timer thread, not from a runtime).
//! * A plain embedded [`crate::Pipeline`] and EXEC run blocking commands without blocking:
//!   with no data they reply the timeout reply at once (a pipeline holds the store lock
//!   for its whole batch).
//!
//! # Wakeups covered
//!
//! Any command that reports a modification of a waited key (`Ctx::modified`): LPUSH,
//! RPUSH, LPUSHX, RPUSHX, LINSERT, LMOVE/RPOPLPUSH (and served BLMOVEs, in chains), ZADD,
//! ZINCRBY, ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE/ZRANGESTORE, RENAME, MOVE, COPY, …; SWAPDB and FLUSHDB
//! re-check every waiter of the db. A transaction's writes are served after EXEC.
//!
//! # Known differences from Redis 7.0
//!
//! * A ready key holding another type leaves the client blocked (as 7.0 does); a client
//!   woken for BLMOVE whose destination has the wrong type gets WRONGTYPE (as 7.0 does).
//! * With `appendfsync always`, a woken client may get its reply before the pusher's batch
//!   is fsynced (the pusher itself is acknowledged only after).
//! * Timeouts are rounded up to milliseconds as Redis 7.0.15 does (`ceill(timeout * 1000)`
//!   in long double), so any positive timeout times out; a timeout so large that the
//!   deadline cannot be represented waits forever (Redis overflows `now + timeout`).
//! * CLIENT LIST's `b` flag is not shown.
//!
//! # CLIENT PAUSE
//!
//! `CLIENT PAUSE ms [WRITE|ALL]` ([`Registry::pause`]) makes the dispatcher postpone
//! commands (all of them, or those that may write: `engine::pause_applies`) of the clients
//! whose front end can wait — `emu serve` connections and the embedded handle's single
//! commands; an embedded pipeline or transaction waits before it takes the store. A
//! postponed client waits like a blocked one ([`Registry::postpone`]), then runs the
//! command again when the pause ends or at `CLIENT UNPAUSE` ([`Registry::unpause`]).
//! As in Redis 7.0 (`pause_purpose`), each purpose has its own pause — CLIENT PAUSE's and
//! FAILOVER's ([`PausePurpose`]) — and the one in force is the strictest of them (ALL over
//! WRITE, then the later end); CLIENT UNPAUSE lifts only its own, the end of a failover
//! only the failover's. (Redis's third purpose, a SHUTDOWN waiting for its replicas, has
//! no counterpart: emu's SHUTDOWN does not wait for replicas.)
//! Internal callers (log replay, the embedded `Lock`'s own steps) are never paused. While
//! a pause is in force keys are neither expired nor evicted ([`Registry::is_paused`]).
//!
//! # CLIENT UNBLOCK
//!
//! `CLIENT UNBLOCK id [TIMEOUT|ERROR]` ([`Registry::unblock_client`]) ends a blocked
//! client's wait with its timeout reply, or with `-UNBLOCKED client unblocked via CLIENT
//! UNBLOCK`; it answers 1, or 0 when that client is not blocked (a client postponed by
//! CLIENT PAUSE does not count) — embedded handles
//! blocked in a blocking call included (their session id is what CLIENT ID answers).

pub mod commands;
mod slot;
pub mod streams;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::Store;
use crate::engine::{self, Session};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

pub use slot::{Slot, SlotFuture};

/// A future that resolves at `at` (real time), woken by the timer thread of blocking
/// timeouts: a sleep for async front ends that needs no runtime (async `Lock` retries,
/// async Pub/Sub timeouts).
pub(crate) fn sleep_until(at: Instant) -> SlotFuture {
    let slot = Arc::new(Slot::default());
    slot::schedule_timeout(at, Arc::downgrade(&slot));
    SlotFuture::new(slot)
}

/// What a blocking handler asks the front end to do when it could not serve at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRequest {
    /// Keys to wait on, in the selected db.
    pub keys: Vec<Vec<u8>>,
    /// Deadline in real time; None waits forever (timeout 0).
    pub deadline: Option<Instant>,
    /// The command to re-run on a wakeup instead of the request, when the request's
    /// meaning depends on the moment it blocked (XREAD's `$` becomes the concrete ID).
    pub rerun: Option<Vec<Vec<u8>>>,
    /// Re-run also when the key is deleted (XREADGROUP answers an error then).
    pub wake_on_delete: bool,
    /// The reply at the deadline, when it is an integer rather than the null array (WAIT:
    /// the replicas acknowledged so far; a re-run that blocks again updates it).
    pub timeout_int: Option<i64>,
}

impl BlockRequest {
    /// A request to wait on `keys` until `deadline`.
    pub fn new(keys: Vec<Vec<u8>>, deadline: Option<Instant>) -> BlockRequest {
        BlockRequest {
            keys,
            deadline,
            rerun: None,
            wake_on_delete: false,
            timeout_int: None,
        }
    }
}

/// One blocked client.
struct Blocked {
    db: usize,
    keys: Vec<Vec<u8>>,
    argv: Vec<Vec<u8>>,
    session: Session,
    slot: Arc<Slot>,
    wake_on_delete: bool,
    timeout_int: Option<i64>,
    /// A client postponed by CLIENT PAUSE (no keys): woken when the pause ends, then its
    /// front end runs the command again.
    postponed: bool,
}

/// Why clients are paused (Redis 7.0 `pause_purpose`): each purpose holds its own pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PausePurpose {
    /// CLIENT PAUSE / CLIENT UNPAUSE (`PAUSE_BY_CLIENT_COMMAND`).
    ClientCommand = 0,
    /// A FAILOVER waiting for its replica or handing over (`PAUSE_DURING_FAILOVER`).
    Failover = 1,
}

/// An active pause (Redis `pause_event`; the one in force is Redis's
/// `client_pause_type` / `client_pause_end_time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    /// When the pause ends (real time, like blocking timeouts).
    pub end: Instant,
    /// `ALL` (every command waits) rather than `WRITE` (commands that may write wait).
    pub all: bool,
}

/// Blocked clients of one store, FIFO per key, plus the keys made ready since the last
/// serving pass. Not data: cloning a store gives an empty registry.
#[derive(Default)]
pub struct Registry {
    next_id: u64,
    waiters: HashMap<u64, Blocked>,
    by_key: HashMap<(usize, Vec<u8>), VecDeque<u64>>,
    ready: VecDeque<(usize, Vec<u8>)>,
    ready_set: HashSet<(usize, Vec<u8>)>,
    serving: bool,
    /// The ready key a re-run blocking command must serve from (Redis 7.0 serves a woken
    /// client from the key that became ready, not from its first non-empty key).
    serving_key: Option<Vec<u8>>,
    /// The pause of each [`PausePurpose`], if any.
    pauses: [Option<Pause>; 2],
}

impl Clone for Registry {
    fn clone(&self) -> Self {
        Registry::default()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("blocked", &self.waiters.len())
            .field("ready", &self.ready.len())
            .finish()
    }
}

impl Registry {
    /// Number of blocked clients (INFO `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.waiters
            .values()
            .filter(|w| !w.slot.is_abandoned())
            .count()
    }

    /// True if client `client_id` is blocked or postponed (CLIENT LIST flag `b`).
    pub fn is_blocked(&self, client_id: u64) -> bool {
        self.waiters
            .values()
            .any(|w| w.session.id == client_id && !w.slot.is_abandoned())
    }

    /// True when nobody is blocked.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// The key a re-run blocking command must serve from, if it runs as a wakeup.
    pub fn serving_key(&self) -> Option<&[u8]> {
        self.serving_key.as_deref()
    }

    /// Redis `signalKeyAsReady`: queues `(db, key)` if a client waits on it.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.waiters.is_empty() {
            return;
        }
        let k = (db, key.to_vec());
        if self.by_key.contains_key(&k) && !self.ready_set.contains(&k) {
            self.ready_set.insert(k.clone());
            self.ready.push_back(k);
        }
    }

    /// Queues every waited key of `db` (FLUSHDB, SWAPDB: the db's contents changed).
    pub fn signal_db(&mut self, db: usize) {
        let mut keys: Vec<Vec<u8>> = self
            .by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect();
        keys.sort();
        for k in keys {
            self.signal(db, &k);
        }
    }

    /// Registers a blocked client running `argv` with `session`; returns the handle its
    /// front end waits on.
    pub fn register(&mut self, req: BlockRequest, argv: &[&[u8]], session: &Session) -> Waiter {
        // Waiters whose owner vanished (a dropped future) are forgotten here.
        let gone: Vec<u64> = self
            .waiters
            .iter()
            .filter(|(_, w)| w.slot.is_abandoned())
            .map(|(&id, _)| id)
            .collect();
        for id in gone {
            self.remove(id);
        }
        self.next_id += 1;
        let id = self.next_id;
        let slot = Arc::new(Slot::default());
        let db = session.db;
        let mut snapshot = session.clone();
        snapshot.block = None;
        snapshot.in_multi = false;
        for k in &req.keys {
            let q = self.by_key.entry((db, k.clone())).or_default();
            if !q.contains(&id) {
                q.push_back(id);
            }
        }
        self.waiters.insert(
            id,
            Blocked {
                db,
                keys: req.keys.clone(),
                argv: match &req.rerun {
                    Some(v) => v.clone(),
                    None => argv.iter().map(|a| a.to_vec()).collect(),
                },
                session: snapshot,
                slot: slot.clone(),
                postponed: false,
                wake_on_delete: req.wake_on_delete,
                timeout_int: req.timeout_int,
            },
        );
        if let Some(at) = req.deadline {
            slot::schedule_timeout(at, Arc::downgrade(&slot));
        }
        Waiter {
            id,
            slot,
            postponed: false,
        }
    }

    /// Postpones a client during a CLIENT PAUSE (Redis `blockPostponeClient`): it waits,
    /// holding no lock, until the pause ends (at `until`, or at CLIENT UNPAUSE); then its
    /// front end runs `argv` again, which may postpone it again if the pause was extended.
    /// It shows as blocked (INFO `blocked_clients`, CLIENT LIST flag `b`) meanwhile.
    pub fn postpone(&mut self, until: Instant, argv: &[&[u8]], session: &Session) -> Waiter {
        let mut w = self.register(BlockRequest::new(Vec::new(), Some(until)), argv, session);
        if let Some(b) = self.waiters.get_mut(&w.id) {
            b.postponed = true;
        }
        w.postponed = true;
        w
    }

    /// Pauses (for `purpose`) `all` commands or only those that may write, until `end`. A
    /// purpose's pause in force is only ever extended, as Redis 7.0's `pauseClients` does:
    /// the later end and the stricter kind win.
    pub fn pause(&mut self, purpose: PausePurpose, end: Instant, all: bool) {
        let slot = &mut self.pauses[purpose as usize];
        *slot = Some(match *slot {
            Some(p) if p.end > Instant::now() => Pause {
                end: p.end.max(end),
                all: p.all || all,
            },
            _ => Pause { end, all },
        });
        // Clients postponed under the old deadline wake at the new one (they re-check).
    }

    /// CLIENT UNPAUSE (`PausePurpose::ClientCommand`) or a failover's end: clears that
    /// purpose's pause and wakes every postponed client, in the order they were postponed
    /// (each runs its command again, postponed anew if another pause still holds it).
    pub fn unpause(&mut self, purpose: PausePurpose) {
        if self.pauses[purpose as usize].take().is_some() {
            self.wake_postponed();
        }
    }

    fn wake_postponed(&mut self) {
        let mut ids: Vec<u64> = self
            .waiters
            .iter()
            .filter(|(_, w)| w.postponed)
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        for id in ids {
            if let Some(w) = self.remove(id) {
                w.slot.fulfil(Ok(Value::Nil));
            }
        }
    }

    /// The pause in force, if any (Redis `updateClientPauseTypeAndEndTime`): the strictest
    /// of the purposes' pauses — ALL over WRITE, then the later end. Ended ones are
    /// cleared here.
    pub fn paused(&mut self) -> Option<Pause> {
        // Asked before every command: no clock read while nothing is paused.
        if self.pauses.iter().all(Option::is_none) {
            return None;
        }
        let now = Instant::now();
        let mut ended = false;
        let mut best: Option<Pause> = None;
        for slot in &mut self.pauses {
            match *slot {
                Some(p) if p.end <= now => {
                    *slot = None;
                    ended = true;
                }
                Some(p) => {
                    best = Some(match best {
                        Some(b) if (b.all, b.end) >= (p.all, p.end) => b,
                        _ => p,
                    });
                }
                None => {}
            }
        }
        if ended {
            self.wake_postponed();
        }
        best
    }

    /// True while a pause is in force (Redis `checkClientPauseTimeoutAndReturnIfPaused`):
    /// keys are not expired or evicted meanwhile, so the dataset stays as it is.
    pub fn is_paused(&mut self) -> bool {
        self.paused().is_some()
    }

    /// Removes waiter `id` (served, timed out, disconnected).
    fn remove(&mut self, id: u64) -> Option<Blocked> {
        let w = self.waiters.remove(&id)?;
        for k in &w.keys {
            let key = (w.db, k.clone());
            if let Some(q) = self.by_key.get_mut(&key) {
                q.retain(|&x| x != id);
                if q.is_empty() {
                    self.by_key.remove(&key);
                }
            }
        }
        Some(w)
    }

    /// CLIENT UNBLOCK: ends the wait of client `client_id` (a connection's or embedded
    /// session's id) as if it timed out (the timeout reply, a null array) or, with
    /// `error`, with `-UNBLOCKED client unblocked via CLIENT UNBLOCK`. False when that
    /// client is not blocked. Returns the name of the command it was blocked in.
    pub fn unblock_client(&mut self, client_id: u64, error: bool) -> Option<Vec<u8>> {
        let found = self
            .waiters
            .iter()
            .filter(|(_, w)| w.session.id == client_id && !w.postponed && !w.slot.is_abandoned())
            .map(|(&id, _)| id)
            .min();
        let w = found.and_then(|id| self.remove(id))?;
        w.slot.fulfil(if error {
            Err(Error::new(
                ErrorKind::Other,
                "UNBLOCKED client unblocked via CLIENT UNBLOCK",
            ))
        } else {
            Ok(Value::NilArray)
        });
        w.argv.first().cloned()
    }

    /// Unregisters a waiter that stops waiting (timeout, disconnect). Returns the reply if
    /// it was served first.
    pub fn cancel(&mut self, w: &Waiter) -> Option<Result<Value>> {
        let b = self.remove(w.id);
        w.slot
            .take_reply()
            .or_else(|| b.and_then(|b| b.timeout_int).map(|n| Ok(Value::Int(n))))
    }
}

/// The handle a blocked front end waits on.
#[derive(Debug)]
pub struct Waiter {
    id: u64,
    slot: Arc<Slot>,
    postponed: bool,
}

impl Waiter {
    /// True for a client postponed by CLIENT PAUSE ([`Registry::postpone`]): when the wait
    /// ends, the front end runs the command again instead of taking a reply.
    pub fn is_postponement(&self) -> bool {
        self.postponed
    }

    /// Waits (blocking this thread, holding no lock) until served or timed out; then the
    /// reply: the served one, or the timeout reply (a null array).
    pub fn wait(self, store: &crate::engine::Shared) -> Result<Value> {
        self.slot.wait();
        self.finish(&mut store.lock())
    }

    /// [`Waiter::wait`] as a future: holds no thread while waiting.
    pub async fn wait_async(self, store: &crate::engine::Shared) -> Result<Value> {
        SlotFuture::new(self.slot.clone()).await;
        self.finish(&mut store.lock())
    }

    /// The future that resolves when the waiter is served or times out (for `select!`);
    /// follow it with [`Waiter::finish`].
    pub fn ready(&self) -> SlotFuture {
        SlotFuture::new(self.slot.clone())
    }

    /// Under the store lock: the served reply, or (timed out / gave up) unregisters and
    /// returns the timeout reply.
    pub fn finish(self, store: &mut Store) -> Result<Value> {
        match store.blocking.cancel(&self) {
            Some(r) => r,
            None => Ok(Value::NilArray),
        }
    }

    /// Gives up waiting (client gone): unregisters.
    pub fn abandon(self, store: &mut Store) {
        store.blocking.cancel(&self);
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        // If the owner vanished without finishing (task aborted), nobody may be served
        // on its behalf: an element popped for it would be lost.
        self.slot.abandon();
    }
}

/// Serves blocked clients whose keys became ready (Redis `handleClientsBlockedOnKeys`).
/// Called by the engine after each top-level command, under the store lock.
pub fn serve_ready(store: &mut Store) {
    if store.blocking.serving || store.blocking.ready.is_empty() {
        return;
    }
    store.blocking.serving = true;
    while let Some(k) = store.blocking.ready.pop_front() {
        store.blocking.ready_set.remove(&k);
        let (db, key) = k;
        let ids: Vec<u64> = match store.blocking.by_key.get(&(db, key.clone())) {
            Some(q) => q.iter().copied().collect(),
            None => continue,
        };
        for id in ids {
            let exists = store.dbs.get(db).is_some_and(|d| d.dict.contains_key(&key));
            let Some(w) = store.blocking.waiters.get(&id) else {
                continue;
            };
            // A deleted key wakes only the waiters that answer it (XREADGROUP).
            if !exists && !w.wake_on_delete {
                continue;
            }
            if w.slot.is_abandoned() {
                store.blocking.remove(id);
                continue;
            }
            let argv = w.argv.clone();
            let mut session = w.session.clone();
            let Some(spec) = argv.first().and_then(|n| store.table().get(n)) else {
                continue;
            };
            store.blocking.serving_key = Some(key.clone());
            let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            let tracking = store.tracking_enter_served(session.id);
            let result = engine::call(store, &mut session, spec, &args);
            store.blocking.serving_key = None;
            // The served command is a replication unit of its own.
            store.end_unit();
            if let Some(req) = session.block.take() {
                // Still blocked: it keeps its place; its reply at the deadline may change.
                if let (Some(n), Some(w)) = (req.timeout_int, store.blocking.waiters.get_mut(&id)) {
                    w.timeout_int = Some(n);
                }
                store.tracking_leave_served(session.id, tracking);
                continue;
            }
            if let Some(w) = store.blocking.remove(id) {
                w.slot.fulfil(result);
            }
            // Its own invalidations after its reply.
            store.tracking_leave_served(session.id, tracking);
        }
    }
    store.blocking.serving = false;
}

/// Redis `getTimeoutFromObjectOrReply(.., UNIT_SECONDS)`: the argument is parsed as a long
/// double, multiplied by 1000 and truncated to milliseconds (an overflowing product, like
/// `inf`, turns negative as the C conversion does); 0 means forever.
pub fn parse_timeout(arg: &[u8]) -> Result<Option<Duration>> {
    use crate::util::longdouble::{parse, LongDouble};
    let Some(v) = parse(arg) else {
        return Err(Error::err("timeout is not a float or out of range"));
    };
    let negative = || Error::new(ErrorKind::OutOfRange, "ERR timeout is negative");
    let LongDouble::Finite { neg, mant, exp } = v else {
        return Err(negative());
    };
    // Redis: `ftval *= 1000.0` in long double (the exact product rounded to 64 significant
    // bits, ties to even), then `(long long) ceill(ftval)`.
    let prod = u128::from(mant) * 1000;
    let bits = 128 - prod.leading_zeros();
    let (q, exp) = if bits > 64 {
        let sh = bits - 64;
        let (q, rem, half) = (prod >> sh, prod & ((1u128 << sh) - 1), 1u128 << (sh - 1));
        let up = rem > half || (rem == half && q & 1 == 1);
        (q + u128::from(up), exp + sh as i32)
    } else {
        (prod, exp)
    };
    // `ceill`, then the conversion to long long: out of range gives LLONG_MIN on x86-64
    // ("timeout is negative"), as Redis 7.0 answers for `1e20`.
    let ms: i128 = if exp >= 0 {
        if exp > 64 || q.leading_zeros() < exp as u32 {
            return Err(negative());
        }
        let m = (q << exp) as i128;
        if neg {
            -m
        } else {
            m
        }
    } else {
        let shift = exp.unsigned_abs();
        let (int, frac) = if shift >= 128 {
            (0, q != 0)
        } else {
            (q >> shift, q & ((1u128 << shift) - 1) != 0)
        };
        if neg {
            -(int as i128)
        } else {
            int as i128 + i128::from(frac)
        }
    };
    if ms > i128::from(i64::MAX) || ms < 0 {
        return Err(negative());
    }
    // Any positive timeout, however small, waits at least 1 ms and then times out
    // (`BRPOP list 0.0001`); 0 (and what rounds up to it, e.g. -0.5 ms) waits forever.
    Ok((ms > 0).then(|| Duration::from_millis(ms as u64)))
}

/// The deadline of a timeout parsed by [`parse_timeout`] (None: forever, or too far away
/// to represent).
pub fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|d| Instant::now().checked_add(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_redis() {
        let ms = |s: &str| parse_timeout(s.as_bytes()).map(|d| d.map(|d| d.as_millis() as u64));
        assert_eq!(ms("0"), Ok(None));
        assert_eq!(ms("0.1"), Ok(Some(100)));
        assert_eq!(ms("1.5"), Ok(Some(1500)));
        // Rounded up as Redis 7.0.15 does (`ceill`): tiny positive timeouts time out.
        assert_eq!(ms("0.001"), Ok(Some(1)));
        assert_eq!(ms("0.0009"), Ok(Some(1)));
        assert_eq!(ms("0.0000001"), Ok(Some(1)));
        assert_eq!(ms("1e-300"), Ok(Some(1)));
        assert_eq!(ms("1e-4950"), Ok(Some(1)));
        assert_eq!(ms("0.0015"), Ok(Some(2)));
        assert_eq!(ms("1.0001"), Ok(Some(1001)));
        assert_eq!(ms("-0.0001"), Ok(None));
        assert_eq!(ms("-0"), Ok(None));
        assert_eq!(ms("0x10"), Ok(Some(16_000)));
        assert_eq!(ms("1e15"), Ok(Some(1_000_000_000_000_000_000)));
        assert_eq!(ms("+2"), Ok(Some(2000)));
        let neg = Err(Error::new(ErrorKind::OutOfRange, "ERR timeout is negative"));
        assert_eq!(ms("-1"), neg);
        assert_eq!(ms("-inf"), neg);
        assert_eq!(ms("inf"), neg);
        assert_eq!(ms("1e400"), neg);
        assert_eq!(ms("9223372036854775807"), neg);
        let bad = Err(Error::err("timeout is not a float or out of range"));
        for s in ["", " 1", "1 ", "abc", "nan", "1e"] {
            assert_eq!(ms(s), bad, "{s:?}");
        }
        assert_eq!(deadline(Some(Duration::from_secs(u64::MAX))), None);
    }
}

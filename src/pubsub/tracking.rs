//! Server-assisted client-side caching (Redis `tracking.c`): which client read which key,
//! and the invalidation messages sent when those keys change.
//!
//! # State
//!
//! [`Tracking`] lives in the [`Store`] (`store.tracking`) next to the Pub/Sub registry,
//! because invalidations are delivered the way Pub/Sub messages are: into the receiving
//! connection's [`Mailbox`]. It holds
//!
//! * the tracking clients ([`Tracker`]: mode flags, redirect id, BCAST prefixes, mailbox);
//! * the invalidation table: key → ids of the clients that read it (keys only, not
//!   databases: as in Redis, caching is not per database), bounded by
//!   `tracking-table-max-keys` ([`Store::tracking_limit_used_slots`] drops random keys
//!   with an invalidation, like Redis's `trackingLimitUsedSlots`);
//! * the BCAST prefix table: prefix → subscribed clients and the keys modified since the
//!   last broadcast (with the client that modified each, for NOLOOP);
//! * the peers: every connection's mailbox (a redirect target need not track anything),
//!   registered when the connection starts ([`connect`]).
//!
//! # Hooks
//!
//! * reads: after a `readonly` command, [`Store::tracking_remember`] records its keys for
//!   the client executing it (OPTIN/OPTOUT and CLIENT CACHING respected);
//! * writes, expiry and eviction: the store's one modification hook
//!   (`Store::signal_modified`, which also serves WATCH) calls
//!   [`Store::tracking_invalidate_key`];
//! * FLUSHDB/FLUSHALL: `Store::signal_flushed_db` calls
//!   [`Store::tracking_invalidate_on_flush`] (a null invalidation to every tracking client);
//! * invalidations addressed to the client whose own command caused them are held back
//!   until its reply is written ([`Store::tracking_deliver_pending`]), as Redis 7.0 holds
//!   them in `tracking_pending_keys`;
//! * BCAST invalidations are sent once per batch of commands
//!   ([`Store::tracking_broadcast`], Redis's `beforeSleep` →
//!   `trackingBroadcastInvalidationMessages`).
//!
//! # Messages
//!
//! RESP3: `>2 invalidate [keys]` (or `_` for a flush) on the client's connection, or on the
//! REDIRECT client's; a RESP2 REDIRECT client in Pub/Sub mode gets a `message` on
//! `__redis__:invalidate`; a RESP2 client without a redirect gets nothing. A redirect
//! to a client that went away sets `broken_redirect` and, to a RESP3 tracking client,
//! pushes `tracking-redir-broken <id>`. Bytes are built here exactly as Redis writes them.
//!
//! # Known differences from Redis
//!
//! * Overlapping prefixes given in one CLIENT TRACKING call are refused with Redis's error;
//!   Redis 7.0 then also enables tracking and replies `+OK` after the error when the
//!   overlap is not with the first prefix (a bug), emu does not.
//! * Keys are evicted from a full table in the order of a seeded random walk over the
//!   table, not Redis's radix-tree random walk: which keys go differs, how many does not.
//! * BCAST keys are sent after each connection's batch of commands; Redis sends them once
//!   per event-loop turn, which can gather the writes of many clients into one message.
//!   The keys are the same, the grouping can be finer: with 50 clients writing one key
//!   each at a time, a BCAST client receives up to 50 times more (smaller) messages, and
//!   SET throughput with such a client connected was measured at ~0.3× Redis's (P=1) where
//!   it is ~1× without one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Weak};

use crate::engine::{CommandSpec, Store};
use crate::pubsub::Mailbox;

/// CLIENT TRACKING options (Redis `CLIENT_TRACKING_*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// BCAST.
    pub bcast: bool,
    /// OPTIN.
    pub optin: bool,
    /// OPTOUT.
    pub optout: bool,
    /// NOLOOP.
    pub noloop: bool,
}

/// One tracking client.
#[derive(Debug)]
pub struct Tracker {
    /// Mode flags.
    pub options: Options,
    /// CLIENT CACHING YES/NO given for the next command.
    pub caching: bool,
    /// The redirect client went away.
    pub broken_redirect: bool,
    /// REDIRECT id (0: none).
    pub redirect: u64,
    /// BCAST prefixes, sorted as Redis's radix tree lists them.
    pub prefixes: BTreeSet<Vec<u8>>,
    mailbox: Arc<Mailbox>,
}

/// A BCAST prefix: its clients and the keys modified since the last broadcast.
#[derive(Debug, Default)]
struct Bcast {
    clients: BTreeSet<u64>,
    /// key → id of the client that modified it last (0: none, e.g. expiry).
    keys: BTreeMap<Vec<u8>, u64>,
}

/// What an invalidation carries.
enum Payload<'a> {
    /// Array of keys, already RESP-encoded (`*n` + bulks).
    Keys(&'a [u8]),
    /// A null: every key (flush).
    Null,
}

/// The tracking state of a store. See the module docs.
#[derive(Debug, Default)]
pub struct Tracking {
    clients: HashMap<u64, Tracker>,
    peers: HashMap<u64, Weak<Mailbox>>,
    purge_peers_at: usize,
    /// Tracked keys, for random eviction (index in `table`).
    keys: Vec<Vec<u8>>,
    /// key → (index in `keys`, ids of the clients that read it).
    table: HashMap<Vec<u8>, (usize, BTreeSet<u64>)>,
    /// Sum of the id sets' sizes (INFO `tracking_total_items`).
    items: usize,
    prefixes: BTreeMap<Vec<u8>, Bcast>,
    /// The client whose command is running (0: none).
    current: u64,
    /// The keys a running script (EVAL, FCALL) declared: what its reads remember for the
    /// tracking client that called it (Redis 7.0's `trackingRememberKeys` takes the keys
    /// of the caller's command).
    script_keys: Option<Vec<Vec<u8>>>,
    /// Invalidations for `current`'s own connection, sent after its reply (`None`: null).
    pending: Vec<Option<Vec<u8>>>,
    rng: u64,
    /// Rounds in a row that ended over `tracking-table-max-keys`.
    over_limit_rounds: u32,
}

/// A cloned store starts with no tracking clients (they belong to live connections).
impl Clone for Tracking {
    fn clone(&self) -> Self {
        Tracking::default()
    }
}

impl Tracking {
    /// True when nothing is tracked (no client, no remembered key, no prefix): the hooks
    /// return at once.
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.clients.is_empty() && self.table.is_empty()
    }

    /// Number of clients with tracking on (INFO `tracking_clients`).
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// Number of keys in the invalidation table (INFO `tracking_total_keys`).
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    /// Number of (key, client) pairs in the table (INFO `tracking_total_items`).
    pub fn total_items(&self) -> usize {
        self.items
    }

    /// Number of BCAST prefixes (INFO `tracking_total_prefixes`).
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }

    /// The tracking state of client `id`, if tracking is on.
    pub fn get(&self, id: u64) -> Option<&Tracker> {
        self.clients.get(&id)
    }

    /// Records a connection's mailbox, so it can be a REDIRECT target.
    pub fn register_peer(&mut self, mb: &Arc<Mailbox>) {
        if self.peers.len() >= self.purge_peers_at {
            self.peers.retain(|_, w| w.strong_count() > 0);
            self.purge_peers_at = (self.peers.len() * 2).max(64);
        }
        self.peers.insert(mb.id(), Arc::downgrade(mb));
    }

    /// True if client `id` is alive (Redis `lookupClientByID`).
    pub fn peer_exists(&self, id: u64) -> bool {
        self.peer(id).is_some()
    }

    fn peer(&self, id: u64) -> Option<Arc<Mailbox>> {
        let mb = self.peers.get(&id)?.upgrade()?;
        (!mb.is_closed()).then_some(mb)
    }

    /// A connection went away: forget it as a peer and disable its tracking.
    pub fn drop_client(&mut self, id: u64) {
        self.peers.remove(&id);
        self.disable(id);
    }

    /// Redis `enableTracking` (the caller checked the options): turns tracking on for
    /// client `id` whose mailbox is `mb`.
    pub fn enable(
        &mut self,
        mb: &Arc<Mailbox>,
        redirect: u64,
        options: Options,
        prefixes: &[&[u8]],
    ) {
        let id = mb.id();
        self.register_peer(mb);
        mb.set_tracking(true);
        let t = self.clients.entry(id).or_insert_with(|| Tracker {
            options: Options::default(),
            caching: false,
            broken_redirect: false,
            redirect: 0,
            prefixes: BTreeSet::new(),
            mailbox: mb.clone(),
        });
        t.broken_redirect = false;
        t.redirect = redirect;
        t.options = Options {
            bcast: options.bcast,
            ..Options::default()
        };
        if options.bcast {
            let mut wanted: Vec<&[u8]> = prefixes.to_vec();
            if wanted.is_empty() {
                wanted.push(b"");
            }
            for p in wanted {
                if t.prefixes.insert(p.to_vec()) {
                    self.prefixes
                        .entry(p.to_vec())
                        .or_default()
                        .clients
                        .insert(id);
                }
            }
        }
        t.options.optin = options.optin;
        t.options.optout = options.optout;
        t.options.noloop = options.noloop;
    }

    /// Redis `disableTracking`: the keys the client read stay in the table (removed
    /// lazily, when invalidated).
    pub fn disable(&mut self, id: u64) {
        let Some(t) = self.clients.remove(&id) else {
            return;
        };
        t.mailbox.set_tracking(false);
        for p in &t.prefixes {
            if let Some(b) = self.prefixes.get_mut(p) {
                b.clients.remove(&id);
                if b.clients.is_empty() {
                    self.prefixes.remove(p);
                }
            }
        }
    }

    /// CLIENT CACHING YES/NO (checked by the caller).
    pub fn set_caching(&mut self, id: u64) {
        if let Some(t) = self.clients.get_mut(&id) {
            t.caching = true;
        }
    }

    /// After a command other than CLIENT, outside MULTI: the CACHING flag is spent
    /// (Redis `resetClient`).
    pub fn clear_caching(&mut self, id: u64) {
        if let Some(t) = self.clients.get_mut(&id) {
            t.caching = false;
        }
    }

    /// Existing prefixes of `id` (CLIENT TRACKING's overlap check).
    pub fn prefixes_of(&self, id: u64) -> Vec<Vec<u8>> {
        self.clients
            .get(&id)
            .map(|t| t.prefixes.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn remember(&mut self, id: u64, key: &[u8]) {
        let n = self.keys.len();
        let entry = self
            .table
            .entry(key.to_vec())
            .or_insert_with(|| (n, BTreeSet::new()));
        if entry.0 == n {
            self.keys.push(key.to_vec());
        }
        if entry.1.insert(id) {
            self.items += 1;
        }
    }

    /// Removes `key` from the table, returning the ids that had read it.
    fn take_key(&mut self, key: &[u8]) -> Option<BTreeSet<u64>> {
        let (idx, ids) = self.table.remove(key)?;
        self.keys.swap_remove(idx);
        if let Some(moved) = self.keys.get(idx) {
            if let Some(e) = self.table.get_mut(moved) {
                e.0 = idx;
            }
        }
        self.items -= ids.len();
        Some(ids)
    }

    /// Redis `sendTrackingMessage`.
    fn send(&mut self, id: u64, payload: Payload<'_>) {
        let Some(t) = self.clients.get(&id) else {
            return;
        };
        let own_resp = t.mailbox.resp();
        let (target, redirected) = if t.redirect != 0 {
            match self.peer(t.redirect) {
                Some(mb) => (mb, true),
                None => {
                    let redirect = t.redirect;
                    let mb = t.mailbox.clone();
                    if let Some(t) = self.clients.get_mut(&id) {
                        t.broken_redirect = true;
                    }
                    if own_resp > 2 {
                        let mut out = b">2\r\n$21\r\ntracking-redir-broken\r\n".to_vec();
                        out.extend_from_slice(format!(":{redirect}\r\n").as_bytes());
                        mb.push_encoded(out);
                    }
                    return;
                }
            }
        } else {
            (t.mailbox.clone(), false)
        };
        let mut out = if target.resp() > 2 {
            b">2\r\n$10\r\ninvalidate\r\n".to_vec()
        } else if redirected && target.subscribed() {
            b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n".to_vec()
        } else {
            return;
        };
        match payload {
            Payload::Keys(k) => out.extend_from_slice(k),
            // Redis sends the null of the tracking client's protocol.
            Payload::Null if own_resp > 2 => out.extend_from_slice(b"_\r\n"),
            Payload::Null => out.extend_from_slice(b"$-1\r\n"),
        }
        target.push_encoded(out);
    }

    /// Redis `trackingInvalidateKey`: `key` changed (or, with `bcast` false, is dropped
    /// from a full table).
    fn invalidate_key(&mut self, key: &[u8], bcast: bool) {
        if bcast && !self.prefixes.is_empty() {
            let by = self.current;
            for (p, b) in self.prefixes.iter_mut() {
                if key.starts_with(p) {
                    b.keys.insert(key.to_vec(), by);
                }
            }
        }
        let Some(ids) = self.take_key(key) else {
            return;
        };
        let proto = keys_proto(std::iter::once(key));
        for id in ids {
            let Some(t) = self.clients.get(&id) else {
                continue;
            };
            if t.options.bcast {
                continue;
            }
            if id == self.current {
                if t.options.noloop {
                    continue;
                }
                self.pending.push(Some(key.to_vec()));
            } else {
                self.send(id, Payload::Keys(&proto));
            }
        }
    }

    /// Redis `trackingInvalidateKeysOnFlush`: a null to every tracking client, and the
    /// table is emptied.
    fn invalidate_on_flush(&mut self) {
        let mut ids: Vec<u64> = self.clients.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            if id == self.current {
                self.pending.push(None);
            } else {
                self.send(id, Payload::Null);
            }
        }
        self.table.clear();
        self.keys.clear();
        self.items = 0;
    }

    /// Sends the invalidations held back for the client whose command just replied.
    fn deliver_pending(&mut self, id: u64) {
        if self.pending.is_empty() {
            return;
        }
        for key in std::mem::take(&mut self.pending) {
            match key {
                Some(k) => {
                    let proto = keys_proto(std::iter::once(&k[..]));
                    self.send(id, Payload::Keys(&proto));
                }
                None => self.send(id, Payload::Null),
            }
        }
    }

    /// Redis `trackingBroadcastInvalidationMessages`.
    fn broadcast(&mut self) {
        if self.clients.is_empty() || self.prefixes.values().all(|b| b.keys.is_empty()) {
            return;
        }
        let mut sends: Vec<(u64, Vec<u8>)> = Vec::new();
        for b in self.prefixes.values_mut() {
            if b.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut b.keys);
            let all = keys_proto(keys.keys().map(|k| &k[..]));
            for &id in &b.clients {
                let noloop = self.clients.get(&id).is_some_and(|t| t.options.noloop);
                if noloop {
                    let mine: Vec<&[u8]> = keys
                        .iter()
                        .filter(|(_, by)| **by != id)
                        .map(|(k, _)| &k[..])
                        .collect();
                    if !mine.is_empty() {
                        sends.push((id, keys_proto(mine.into_iter())));
                    }
                } else {
                    sends.push((id, all.clone()));
                }
            }
        }
        for (id, proto) in sends {
            self.send(id, Payload::Keys(&proto));
        }
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*, seeded with a constant: eviction order never depends on the process.
        if self.rng == 0 {
            self.rng = 0x9E37_79B9_7F4A_7C15;
        }
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Redis `trackingLimitUsedSlots`.
    fn limit_used_slots(&mut self, max_keys: u64) {
        if max_keys == 0 || self.table.len() as u64 <= max_keys {
            self.over_limit_rounds = 0;
            return;
        }
        let mut effort = 100 * (self.over_limit_rounds as u64 + 1);
        while effort > 0 && !self.keys.is_empty() {
            effort -= 1;
            let i = (self.next_random() % self.keys.len() as u64) as usize;
            let key = self.keys[i].clone();
            self.invalidate_key(&key, false);
            if self.table.len() as u64 <= max_keys {
                self.over_limit_rounds = 0;
                return;
            }
        }
        self.over_limit_rounds += 1;
    }
}

/// `*n` followed by the keys as bulk strings.
fn keys_proto<'a>(keys: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let keys: Vec<&[u8]> = keys.collect();
    let mut out = format!("*{}\r\n", keys.len()).into_bytes();
    for k in keys {
        crate::resp::encode_bulk(&mut out, k);
    }
    out
}

/// A connection starts: its mailbox may be a REDIRECT target.
pub fn connect(store: &crate::engine::Shared, mb: &Arc<Mailbox>) {
    store.lock().tracking.register_peer(mb);
}

impl Store {
    /// The client `id` starts running a command (0 when none): the hooks address
    /// invalidations it causes to itself to [`Store::tracking_deliver_pending`]. Returns the
    /// previous one, to restore.
    #[inline]
    pub fn tracking_enter(&mut self, id: u64) -> u64 {
        std::mem::replace(&mut self.tracking.current, id)
    }

    /// Restores the running client after a command ([`Store::tracking_enter`]).
    #[inline]
    pub fn tracking_leave(&mut self, prev: u64) {
        self.tracking.current = prev;
    }

    /// After a `readonly` command of the running client: remembers its keys (Redis
    /// `trackingRememberKeys`). EVAL_RO/EVALSHA_RO/FCALL_RO remember nothing themselves;
    /// the reads their script runs remember the script's declared keys.
    pub fn tracking_remember(&mut self, spec: &CommandSpec, argv: &[&[u8]]) {
        if self.tracking.clients.is_empty() {
            return;
        }
        let id = self.tracking.current;
        let Some(t) = self.tracking.clients.get(&id) else {
            return;
        };
        if t.options.bcast
            || spec.has(crate::engine::flags::PUBSUB)
            || matches!(spec.name, "eval_ro" | "evalsha_ro" | "fcall_ro")
        {
            return;
        }
        if (t.options.optin && !t.caching) || (t.options.optout && t.caching) {
            return;
        }
        if let Some(keys) = self.tracking.script_keys.take() {
            for k in &keys {
                self.tracking.remember(id, k);
            }
            self.tracking.script_keys = Some(keys);
            return;
        }
        for pos in spec.key_positions(argv) {
            if let Some(k) = argv.get(pos) {
                self.tracking.remember(id, k);
            }
        }
    }

    /// A script starts with the declared `keys`: a read it runs remembers those for the
    /// calling tracking client (Redis 7.0), not the read's own keys. Returns what
    /// [`Store::tracking_script_leave`] restores.
    pub fn tracking_script_enter(&mut self, keys: &[&[u8]]) -> Option<Vec<Vec<u8>>> {
        if self.tracking.clients.is_empty() {
            return self.tracking.script_keys.take();
        }
        let keys = keys.iter().map(|k| k.to_vec()).collect();
        self.tracking.script_keys.replace(keys)
    }

    /// The script ended ([`Store::tracking_script_enter`]).
    pub fn tracking_script_leave(&mut self, prev: Option<Vec<Vec<u8>>>) {
        self.tracking.script_keys = prev;
    }

    /// The one modification hook's tracking part (Redis `trackingInvalidateKey(c, key, 1)`
    /// from `signalModifiedKey`).
    #[inline]
    pub fn tracking_invalidate_key(&mut self, key: &[u8]) {
        if self.tracking.table.is_empty() && self.tracking.prefixes.is_empty() {
            return;
        }
        self.tracking.invalidate_key(key, true);
    }

    /// FLUSHDB / FLUSHALL (Redis `trackingInvalidateKeysOnFlush`).
    pub fn tracking_invalidate_on_flush(&mut self) {
        if self.tracking.is_idle() {
            return;
        }
        self.tracking.invalidate_on_flush();
    }

    /// A blocked client `id` is served (its command runs again during another client's):
    /// it is the running client meanwhile, so the invalidations it causes to itself wait
    /// for its reply, as Redis 7.0 sends them after the unblocked client's response. The
    /// invalidations held for the client that was running are set aside; pass the result
    /// to [`Store::tracking_leave_served`].
    pub fn tracking_enter_served(&mut self, id: u64) -> (u64, Vec<Option<Vec<u8>>>) {
        let prev = std::mem::replace(&mut self.tracking.current, id);
        (prev, std::mem::take(&mut self.tracking.pending))
    }

    /// After the served client's reply was handed over: sends it the invalidations it
    /// caused to itself, and restores the running client.
    pub fn tracking_leave_served(&mut self, id: u64, prev: (u64, Vec<Option<Vec<u8>>>)) {
        self.tracking.deliver_pending(id);
        self.tracking.current = prev.0;
        self.tracking.pending = prev.1;
    }

    /// Sends the invalidations client `id`'s own command caused, after its reply.
    pub fn tracking_deliver_pending(&mut self, id: u64) {
        self.tracking.deliver_pending(id);
    }

    /// Sends the BCAST invalidations collected since the last call.
    pub fn tracking_broadcast(&mut self) {
        self.tracking.broadcast();
    }

    /// Keeps the table within `tracking-table-max-keys`.
    pub fn tracking_limit_used_slots(&mut self) {
        if self.tracking.table.is_empty() {
            return;
        }
        let max = self.config.tracking_table_max_keys;
        self.tracking.limit_used_slots(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(id: u64, resp: u8) -> Arc<Mailbox> {
        let mb = Mailbox::new(id);
        mb.set_resp(resp);
        mb
    }

    fn drained(mb: &Mailbox) -> String {
        let mut out = Vec::new();
        mb.drain_encoded(&mut out, mb.resp());
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn a_read_key_is_invalidated_once() {
        let mut t = Tracking::default();
        let a = mailbox(1, 3);
        t.enable(&a, 0, Options::default(), &[]);
        t.remember(1, b"k");
        t.remember(1, b"k");
        assert_eq!((t.table.len(), t.items), (1, 1));
        t.invalidate_key(b"k", true);
        assert_eq!(drained(&a), ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
        t.invalidate_key(b"k", true);
        assert_eq!(drained(&a), "");
        assert_eq!((t.table.len(), t.items, t.keys.len()), (0, 0, 0));
    }

    #[test]
    fn the_table_stays_within_its_limit() {
        let mut t = Tracking::default();
        let a = mailbox(1, 3);
        t.enable(&a, 0, Options::default(), &[]);
        for i in 0..100 {
            t.remember(1, format!("k{i}").as_bytes());
        }
        t.limit_used_slots(10);
        assert_eq!(t.table.len(), 10);
        assert_eq!(t.keys.len(), 10);
        assert_eq!(drained(&a).matches("invalidate").count(), 90);
        for (i, k) in t.keys.iter().enumerate() {
            assert_eq!(t.table[k].0, i);
        }
    }

    #[test]
    fn broadcast_groups_keys_per_prefix_and_honours_noloop() {
        let mut t = Tracking::default();
        let a = mailbox(1, 3);
        let b = mailbox(2, 3);
        t.enable(
            &a,
            0,
            Options {
                bcast: true,
                ..Options::default()
            },
            &[b"a", b"b"],
        );
        t.enable(
            &b,
            0,
            Options {
                bcast: true,
                noloop: true,
                ..Options::default()
            },
            &[],
        );
        t.current = 2;
        t.invalidate_key(b"a2", true);
        t.current = 0;
        t.invalidate_key(b"a1", true);
        t.invalidate_key(b"c", true);
        t.broadcast();
        assert_eq!(
            drained(&a),
            ">2\r\n$10\r\ninvalidate\r\n*2\r\n$2\r\na1\r\n$2\r\na2\r\n"
        );
        assert_eq!(
            drained(&b),
            ">2\r\n$10\r\ninvalidate\r\n*2\r\n$2\r\na1\r\n$1\r\nc\r\n"
        );
    }
}

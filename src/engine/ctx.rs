//! `Ctx`: what a command handler sees — the store, the calling session, the command's time
//! snapshot — and the only way handlers read and write keys.
//!
//! Every lookup applies lazy expiry. Every modification must be reported with
//! [`Ctx::modified`] (WATCH invalidation + keyspace notification + dirty counter); handlers
//! whose request is not deterministic to replay (EXPIRE, SET EX, SPOP, INCRBYFLOAT, …) record
//! what they *did* with [`Ctx::propagate`].

use crate::engine::{Session, Store, Table};
use crate::keyspace::{notify, Db, Entry, Object, Rng};

/// The handler context. See the module docs.
pub struct Ctx<'a> {
    /// The whole store.
    pub store: &'a mut Store,
    /// The calling session.
    pub session: &'a mut Session,
    /// Command time snapshot (Unix ms): every expiry decision of one command uses it.
    pub now: u64,
    /// The dispatcher's clock reading when the command started (a script's busy watch
    /// starts from it rather than reading the clock again).
    pub started: std::time::Instant,
    rewritten: Option<Rewritten>,
    /// Indexes into `rewritten` of the effects for the log only ([`Ctx::propagate_log_only`]).
    log_only: Vec<usize>,
    no_touch: bool,
    /// Lookups count in INFO `keyspace_hits` / `keyspace_misses` (set by the dispatcher,
    /// see `dispatch::counts_keyspace_stats`: Redis counts its `lookupKeyRead` lookups).
    pub(crate) keyspace_stats: bool,
    /// The command is a write (set by the dispatcher): on a writable replica its lookups
    /// delete an expired key first, as Redis's `lookupKeyWrite` does.
    pub(crate) writes: bool,
    /// Keys (argument address and length) already counted by this command: a handler that
    /// looks a key up twice counts it once, as Redis's single lookup does.
    stat_seen: [(usize, usize); 8],
    stat_seen_len: u8,
}

/// The command vectors a handler recorded to log instead of its request.
type Rewritten = Vec<Vec<Vec<u8>>>;

impl<'a> Ctx<'a> {
    /// A context for one command that started at `started` (the dispatcher's clock reading
    /// for commandstats, from which the wall-clock time is derived).
    pub fn new(
        store: &'a mut Store,
        session: &'a mut Session,
        started: std::time::Instant,
    ) -> Ctx<'a> {
        // Inside EXEC every command sees EXEC's time (Redis `fixed_time_expire`).
        let now = store
            .frozen_now
            .unwrap_or_else(|| store.clock.now_ms_at(started));
        store.last_command_ms = now;
        Ctx {
            store,
            session,
            now,
            started,
            rewritten: None,
            log_only: Vec::new(),
            no_touch: false,
            keyspace_stats: false,
            writes: false,
            stat_seen: [(0, 0); 8],
            stat_seen_len: 0,
        }
    }

    /// The command table (COMMAND, and EXEC-like callers that look commands up).
    #[inline]
    pub fn table(&self) -> &'static Table {
        self.store.table()
    }

    /// Protocol version of the caller (2 or 3).
    #[inline]
    pub fn resp(&self) -> u8 {
        self.session.resp
    }

    /// Index of the selected database.
    #[inline]
    pub fn db_index(&self) -> usize {
        self.session.db
    }

    /// The selected database, raw (no expiry applied). Prefer the lookup methods.
    #[inline]
    pub fn db(&mut self) -> &mut Db {
        &mut self.store.dbs[self.session.db]
    }

    /// Deletes `key` if it is logically expired; returns its slot if it is still live, and
    /// records the access (LRU clock / LFU counter) unless [`Ctx::no_touch`] was called.
    #[inline]
    fn live_slot(&mut self, db: usize, key: &[u8]) -> Option<u32> {
        let d = &self.store.dbs[db];
        let Some(i) = d.dict.find_slot(key) else {
            if self.keyspace_stats && self.first_stat(key) {
                self.store.keyspace_misses += 1;
            }
            return None;
        };
        // (The master's stream on a replica runs with `loading` set, which turns expiry off:
        // it sees every key its master has not deleted, as Redis's master client does.)
        if self.store.is_expired(d.dict.at(i), self.now) {
            if self.keyspace_stats && self.first_stat(key) {
                self.store.keyspace_misses += 1;
            }
            // During a CLIENT PAUSE the key reads as expired but stays (Redis keeps the
            // dataset constant while paused); so on a replica, whose master sends the DEL
            // (Redis `expireIfNeeded` with `masterhost` set), except before a client's
            // write there (a writable replica: Redis 7.0's EXPIRE_FORCE_DELETE_EXPIRED).
            if !self.store.blocking.is_paused() && (self.store.repl.follow.is_none() || self.writes)
            {
                self.store.expire_key(db, key);
            }
            return None;
        }
        if !self.no_touch && !self.store.loading {
            self.store.touch_slot(db, i, self.now);
        }
        if self.keyspace_stats && self.first_stat(key) {
            self.store.keyspace_hits += 1;
        }
        Some(i)
    }

    /// Lookups of `key` (an argument of this command) do not count in the keyspace
    /// statistics: a STORE command's destination, which Redis looks up for writing.
    pub(crate) fn no_stats_for(&mut self, key: &[u8]) {
        self.first_stat(key);
    }

    /// This command's remaining lookups are writes: they do not count in the keyspace
    /// statistics.
    pub(crate) fn lookups_are_writes(&mut self) {
        self.keyspace_stats = false;
    }

    /// True the first time this command looks `key` up (see `stat_seen`).
    fn first_stat(&mut self, key: &[u8]) -> bool {
        let id = (key.as_ptr() as usize, key.len());
        let n = self.stat_seen_len as usize;
        if self.stat_seen[..n].contains(&id) {
            return false;
        }
        if n < self.stat_seen.len() {
            self.stat_seen[n] = id;
            self.stat_seen_len += 1;
        }
        true
    }

    /// From now on this command's lookups do not count as accesses (Redis
    /// `LOOKUP_NOTOUCH`: OBJECT, TYPE, TTL, EXISTS, … leave the LRU/LFU data alone).
    #[inline]
    pub fn no_touch(&mut self) {
        self.no_touch = true;
    }

    /// The live entry under `key` in the selected db (lazy expiry applied).
    #[inline]
    pub fn entry(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.entry_in(self.session.db, key)
    }

    /// The live entry under `key` in database `db`.
    #[inline]
    pub fn entry_in(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let i = self.live_slot(db, key)?;
        Some(self.store.dbs[db].dict.at_mut(i))
    }

    /// The live value under `key` for reading.
    #[inline]
    pub fn read(&mut self, key: &[u8]) -> Option<&Object> {
        self.entry(key).map(|e| &e.obj)
    }

    /// The live value under `key` for modification. Call [`Ctx::modified`] afterwards.
    #[inline]
    pub fn write(&mut self, key: &[u8]) -> Option<&mut Object> {
        self.entry(key).map(|e| &mut e.obj)
    }

    /// True if `key` exists (and is not expired).
    #[inline]
    pub fn exists(&mut self, key: &[u8]) -> bool {
        self.live_slot(self.session.db, key).is_some()
    }

    /// Stores `obj` under `key`, clearing any TTL (SET semantics). Does not report the
    /// modification: call [`Ctx::modified`].
    pub fn insert(&mut self, key: &[u8], obj: Object) {
        self.insert_impl(key, obj, false);
    }

    /// Stores `obj` under `key`, keeping an existing TTL.
    pub fn insert_keep_ttl(&mut self, key: &[u8], obj: Object) {
        self.insert_impl(key, obj, true);
    }

    fn insert_impl(&mut self, key: &[u8], obj: Object, keep_ttl: bool) {
        let db = self.session.db;
        // A logically expired key is reclaimed first so the write creates a fresh key.
        let existed = self.live_slot(db, key).is_some();
        let lru = self.store.new_key_lru(self.now);
        self.store.dbs[db].insert_lru(key, obj, keep_ttl, lru);
        if !existed {
            // Redis's dbAdd fires the "new" event (class n) for every created key.
            self.store.notify(notify::NEW, "new", db, key);
        }
    }

    /// Removes `key` (live or not) and returns its value. Does not report the modification.
    pub fn remove(&mut self, key: &[u8]) -> Option<Object> {
        let db = self.session.db;
        self.live_slot(db, key)?;
        self.store.dbs[db].remove(key).map(|e| e.obj)
    }

    /// If the aggregate under `key` became empty, deletes it and fires the `del` event, as
    /// Redis does after every removal from a hash, list, set or sorted set. Returns true if
    /// it deleted.
    pub fn remove_if_empty(&mut self, key: &[u8]) -> bool {
        let db = self.session.db;
        let empty = self.store.dbs[db]
            .dict
            .get(key)
            .is_some_and(|e| e.obj.is_empty_aggregate());
        if empty {
            self.store.dbs[db].remove(key);
            self.store.notify(notify::GENERIC, "del", db, key);
        }
        empty
    }

    /// Absolute expiry (Unix ms) of a live key, or None.
    pub fn expire_of(&mut self, key: &[u8]) -> Option<u64> {
        self.entry(key).and_then(|e| e.expire())
    }

    /// Sets or clears the expiry of an existing key; false if the key is absent.
    pub fn set_expire(&mut self, key: &[u8], at: Option<u64>) -> bool {
        let db = self.session.db;
        if self.live_slot(db, key).is_none() {
            return false;
        }
        self.store.dbs[db].set_expire(key, at)
    }

    /// Reports a modification of `key` in the selected db: invalidates WATCH, fires the
    /// keyspace notification `event` of `class`, bumps the dirty counter (which makes the
    /// command's request be logged unless [`Ctx::propagate`] was used).
    pub fn modified(&mut self, key: &[u8], class: u32, event: &str) {
        let db = self.session.db;
        self.modified_in(db, key, class, event);
    }

    /// [`Ctx::modified`] for another database (MOVE, COPY … DB).
    pub fn modified_in(&mut self, db: usize, key: &[u8], class: u32, event: &str) {
        self.store.resize_key(db, key);
        self.store.signal_modified(db, key);
        self.store.notify(class, event, db, key);
        self.store.dirty += 1;
    }

    /// Reports a modification of `key` without a keyspace notification: invalidates WATCH
    /// and bumps the dirty counter (PFCOUNT refreshing an HLL's cached cardinality, which
    /// Redis signals but does not notify).
    pub fn modified_silently(&mut self, key: &[u8]) {
        let db = self.session.db;
        self.store.signal_modified(db, key);
        self.store.dirty += 1;
    }

    /// Fires an extra keyspace notification without counting a modification.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.session.db;
        self.store.notify(class, event, db, key);
    }

    /// True when [`Ctx::propagate`] keeps what it is given (the store records effects for
    /// a log or replicas): hot commands skip building their rewritten form otherwise.
    pub fn propagating(&self) -> bool {
        self.store.records_effects()
    }

    /// True for a client whose commands are obeyed without some checks (Redis
    /// `mustObeyClient`): the log's replay and the link of the master this store follows.
    pub fn must_obey(&self) -> bool {
        self.store.loading
            || self
                .store
                .repl
                .follow
                .as_ref()
                .is_some_and(|f| f.client_id == self.session.id)
    }

    /// Records a deterministic command vector to log instead of the request (Redis
    /// `rewriteClientCommandVector` / `alsoPropagate`). Call once per logged command;
    /// calling it with nothing means "log nothing" only via [`Ctx::propagate_nothing`].
    pub fn propagate(&mut self, argv: Vec<Vec<u8>>) {
        if self.store.records_effects() {
            self.rewritten.get_or_insert_with(Vec::new).push(argv);
        }
    }

    /// [`Ctx::propagate`] with the vector built only when something records effects (a
    /// memory-only store with no replica or MONITOR skips the allocations).
    #[inline]
    pub fn propagate_with(&mut self, argv: impl FnOnce() -> Vec<Vec<u8>>) {
        if self.store.records_effects() {
            self.rewritten.get_or_insert_with(Vec::new).push(argv());
        }
    }

    /// [`Ctx::propagate`] for emu's log only: the replication stream leaves the effect out
    /// (group state Redis 7.0 does not propagate but emu's replay restores).
    pub fn propagate_log_only(&mut self, argv: Vec<Vec<u8>>) {
        if self.store.records_effects() {
            let list = self.rewritten.get_or_insert_with(Vec::new);
            self.log_only.push(list.len());
            list.push(argv);
        }
    }

    /// Marks that the request must not be logged even though it modified the store (e.g. a
    /// command whose effects were all recorded by other means).
    pub fn propagate_nothing(&mut self) {
        if self.store.records_effects() {
            self.rewritten.get_or_insert_with(Vec::new);
        }
    }

    /// The effects the handler recorded, if it recorded any, and which of them are for the
    /// log only (indexes).
    pub(crate) fn take_rewritten(&mut self) -> (Option<Rewritten>, Vec<usize>) {
        (self.rewritten.take(), std::mem::take(&mut self.log_only))
    }

    /// The live value under `key` together with the store's RNG (SPOP, SRANDMEMBER,
    /// HRANDFIELD, ZRANDMEMBER pick from a value while drawing numbers).
    pub fn write_with_rng(&mut self, key: &[u8]) -> Option<(&mut Object, &mut Rng)> {
        let db = self.session.db;
        let i = self.live_slot(db, key)?;
        let store = &mut *self.store;
        Some((&mut store.dbs[db].dict.at_mut(i).obj, &mut store.rng))
    }

    /// Several live values at once (SINTER, ZUNION, … read all their sources together),
    /// in `keys` order, None for a missing key. Lazy expiry is applied to each first, so a
    /// key named twice yields the same reference twice.
    pub fn read_many(&mut self, keys: &[&[u8]]) -> Vec<Option<&Object>> {
        let db = self.session.db;
        for k in keys {
            self.live_slot(db, k);
        }
        let d = &self.store.dbs[db];
        keys.iter().map(|k| d.dict.get(k).map(|e| &e.obj)).collect()
    }

    /// The store's configuration (encoding thresholds, limits).
    #[inline]
    pub fn config(&self) -> &crate::config::Config {
        &self.store.config
    }

    /// Uniform random number in `0..n` from the store's seeded RNG.
    #[inline]
    pub fn rand_below(&mut self, n: u64) -> u64 {
        self.store.rng.below(n)
    }
}

/// Array replies at least this long are encoded straight into a connection's output (see
/// [`BulkArray`]); shorter ones are built as a `Value` as usual.
pub const STREAM_MIN_ELEMENTS: usize = 4096;

/// An array (or map) reply of bulk strings that may be large (LRANGE, KEYS, HGETALL,
/// SRANDMEMBER with a negative count, …), built element by element.
///
/// For a network client, when the reply is long ([`STREAM_MIN_ELEMENTS`]) and not part of an
/// EXEC, the elements are encoded straight into RESP bytes and queued in the connection's
/// output queue (its mailbox, drained into the socket before the reply slot, which gets the
/// no-reply marker): no `Value` per element, so the reply costs about its encoded size
/// instead of 8–12× (issue 10). The bytes are exactly what encoding the `Value` would give.
/// Embedded callers and transactions get the `Value::Array` / `Value::Map` as before.
pub struct BulkArray {
    len: usize,
    map: bool,
    encoded: Option<Vec<u8>>,
    tree: Vec<crate::value::Value>,
}

impl BulkArray {
    /// An array of `len` bulks whose encoded size is about `bytes_hint` (reserved once
    /// when streaming); `stream` comes from [`Ctx::can_stream_replies`].
    pub fn new(stream: bool, len: usize, bytes_hint: usize) -> BulkArray {
        let mut a = BulkArray::start(stream, len, len, bytes_hint);
        if let Some(out) = &mut a.encoded {
            crate::resp::encode_array_header(out, len);
        }
        a
    }

    /// A map of `pairs` bulk pairs (push key, value, key, value, …): `%pairs` in RESP3, a
    /// flat array in RESP2, `Value::Map` when built as a value.
    pub fn map(stream: bool, resp: u8, pairs: usize, bytes_hint: usize) -> BulkArray {
        let mut a = BulkArray::start(stream, pairs, pairs.saturating_mul(2), bytes_hint);
        a.map = true;
        if let Some(out) = &mut a.encoded {
            if resp >= 3 {
                out.extend_from_slice(format!("%{pairs}\r\n").as_bytes());
            } else {
                crate::resp::encode_array_header(out, pairs.saturating_mul(2));
            }
        }
        a
    }

    fn start(stream: bool, len: usize, elements: usize, bytes_hint: usize) -> BulkArray {
        let encoded = (stream && elements >= STREAM_MIN_ELEMENTS)
            .then(|| Vec::with_capacity(bytes_hint.saturating_add(32)));
        let tree = match encoded {
            Some(_) => Vec::new(),
            None => Vec::with_capacity(elements.min(1 << 20)),
        };
        BulkArray {
            len,
            map: false,
            encoded,
            tree,
        }
    }

    /// Appends one element.
    #[inline]
    pub fn push(&mut self, b: &[u8]) {
        match &mut self.encoded {
            Some(out) => crate::resp::encode_bulk(out, b),
            None => self.tree.push(crate::value::Value::bulk(b)),
        }
    }

    /// The reply: the value, or the no-reply marker once the bytes are queued.
    pub fn finish(self, ctx: &mut Ctx) -> crate::value::Value {
        use crate::value::Value;
        match (self.encoded, &ctx.session.pubsub) {
            (None, _) if self.map => {
                let mut it = self.tree.into_iter();
                let mut pairs = Vec::with_capacity(self.len);
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Value::Map(pairs)
            }
            (None, _) => Value::Array(self.tree),
            (Some(out), Some(mb)) => {
                mb.push_encoded(out);
                crate::engine::no_reply()
            }
            // `stream` said yes for a session without an output queue: a caller bug.
            (Some(_), None) => Value::Error("ERR streamed reply without an output queue".into()),
        }
    }
}

impl Ctx<'_> {
    /// Whether a long array reply may be encoded straight into the client's output
    /// ([`BulkArray`]): a network client, not inside EXEC.
    pub fn can_stream_replies(&self) -> bool {
        self.session.link.is_some() && self.session.pubsub.is_some() && !self.session.in_multi
    }
}

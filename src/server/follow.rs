//! Replication, replica side: `emu serve` following a master (REPLICAOF / SLAVEOF,
//! `--replicaof`), as Redis 7.0's `replication.c` (`connectWithMaster`,
//! `syncWithMaster`, `readSyncBulkPayload`, `replicationSendAck`).
//!
//! The target lives in the store ([`crate::engine::repl::Follow`], set by the REPLICAOF
//! handler in `crate::rdb::master`); a supervisor task of the server notices each change
//! (an epoch counter read without the store lock, every 100 ms) and runs one link thread
//! per target. The link, on its own thread, never holds the store while it waits:
//!
//! 1. connects; `PING`, `AUTH` (`masteruser` / `masterauth`), `REPLCONF listening-port
//!    <port>`, `REPLCONF capa eof capa psync2`, then `PSYNC <replid> <offset+1>` when a
//!    previous link left the master's id and offset (partial resync, `+CONTINUE`), else
//!    `PSYNC ? -1`;
//! 2. on `+FULLRESYNC <replid> <offset>`: receives the RDB (`$<len>` or `$EOF:<mark>`
//!    framing), parses it into a fresh store *without the lock*, then under the lock swaps
//!    the databases in (the old ones are freed after the lock is released), replaces the
//!    function libraries through FUNCTION FLUSH / FUNCTION LOAD, drops the store's own
//!    replicas (they must resync, as Redis disconnects its sub-replicas), and starts a
//!    background compaction of a persistent store so the new dataset is durable (a new
//!    snapshot of a copy made before the lock was taken; the log continues after it);
//! 3. follows the stream: each command runs through the one dispatch path
//!    ([`crate::engine::execute`]) as the link's session (exempt from `replica-read-only`),
//!    a batch per read, committed to the append log like any write; `REPLCONF GETACK`
//!    is answered with `REPLCONF ACK <offset>` (the offset before the GETACK, as Redis),
//!    and an ACK goes out every second;
//! 4. on loss (socket error, `repl-timeout` of silence) the link is down
//!    (`master_link_status:down`) and reconnects a second later.
//!
//! # Known differences from Redis
//!
//! * As in Redis, the replica runs no active expiry, the master's commands see every key
//!   (expired or not) and a client's read of an expired key answers as if it were gone
//!   without deleting it; but SCAN and RANDOMKEY still delete the expired keys they meet,
//!   and keys already expired in the master's RDB are not loaded.
//! * The link's commands are not exempt from `maxmemory` (Redis's master client is, and
//!   `replica-ignore-maxmemory` is stored only): give a replica at least the master's
//!   memory.
//! * A replica's own replicas get emu's stream (re-rendered effects, its own replication id
//!   and offsets), not the master's bytes proxied as Redis does; they full-resync after
//!   every full resync of this store.
//! * The master's replication id and offset are not persisted: after a restart the replica
//!   starts with a full resync.
//! * FAILOVER (`crate::rdb::master`): this supervisor checks a waiting failover every
//!   100 ms (Redis: every cron tick and before each sleep). The failover's write pause is
//!   its own (CLIENT UNPAUSE does not lift it, its end does not lift a CLIENT PAUSE). A
//!   replica accepts `PSYNC <its master's replid> <offset> FAILOVER` and becomes a master,
//!   as Redis does; since its stream has its own replication id and offsets, the old
//!   master then full-resyncs from it where Redis would continue partially.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::repl::{config_int, FollowPhase};
use crate::engine::{Session, Shared, Store};
use crate::resp::{Limits, Parsed, Parser};
use crate::util::eq_ic;
use crate::Redis;

/// How long a read waits before the link checks whether it was stopped.
const POLL: Duration = Duration::from_millis(100);

/// The server task that runs the link of the current REPLICAOF target: started once per
/// server; `replicaof` from the configuration (`emu serve --replicaof`) is the first
/// target.
pub(super) async fn supervise(redis: Redis) {
    // (The store's lock is taken without blocking the runtime's thread: see
    // `super::lock_store`.)
    let shared = redis.shared_store();
    let epoch = {
        let mut s = super::lock_store(shared).await;
        if s.repl.follow.is_none() {
            let conf = crate::config::lookup(b"replicaof")
                .map(|(spec, _)| spec.get(&s.config))
                .unwrap_or_default();
            if let Some(target) = parse_target(&conf) {
                s.repl.set_follow(Some(target));
            }
        }
        (s.repl.follow_epoch.clone(), s.repl.failover_waiting.clone())
    };
    let (epoch, failover_waiting) = epoch;
    let mut seen = None;
    let mut link: Option<LinkThread> = None;
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if failover_waiting.load(Ordering::Acquire) {
            crate::rdb::master::update_failover(&mut *super::lock_store(shared).await);
        }
        let now = epoch.load(Ordering::Acquire);
        if seen == Some(now) {
            continue;
        }
        seen = Some(now);
        if let Some(old) = link.take() {
            // Not waiting for the old thread here (its exit may wait for the store's
            // lock): it sees the new epoch and stops without touching the state.
            old.detach();
        }
        let target = super::lock_store(shared)
            .await
            .repl
            .follow
            .as_ref()
            .map(|f| (f.host.clone(), f.port));
        if let Some((host, port)) = target {
            link = LinkThread::spawn(redis.clone(), host, port, now);
        }
    }
}

/// `"host port"` (the `replicaof` parameter).
fn parse_target(conf: &str) -> Option<(String, u16)> {
    let mut it = conf.split_whitespace();
    let host = it.next()?.to_string();
    let port = it.next()?.parse().ok()?;
    Some((host, port))
}

/// A running link; dropping it (the server stopping) stops the thread and waits for it
/// briefly, so the store is not held past the server.
struct LinkThread {
    cancel: Arc<AtomicBool>,
    /// Signalled when the thread ends (None: not waited for, see [`LinkThread::detach`]).
    done: Option<std::sync::mpsc::Receiver<()>>,
}

impl LinkThread {
    fn spawn(redis: Redis, host: String, port: u16, epoch: u64) -> Option<LinkThread> {
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, done) = std::sync::mpsc::channel();
        let c = cancel.clone();
        let r = std::thread::Builder::new()
            .name("emu-replica-link".into())
            .spawn(move || {
                let link = Link {
                    shared: redis.shared_store(),
                    host,
                    port,
                    epoch,
                    cancel: c,
                    session: Session {
                        id: crate::engine::next_client_id(),
                        ..Session::default()
                    },
                };
                link.run();
                drop(redis);
                let _ = tx.send(());
            });
        match r {
            Ok(_) => Some(LinkThread {
                cancel,
                done: Some(done),
            }),
            Err(e) => {
                eprintln!("emu: cannot start the replication link thread: {e}");
                None
            }
        }
    }
}

impl LinkThread {
    /// Stops the link without waiting for its thread.
    fn detach(mut self) {
        self.cancel.store(true, Ordering::Release);
        self.done = None;
    }
}

impl Drop for LinkThread {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Release);
        // Only the runtime's shutdown drops a link that is still running.
        if let Some(done) = &self.done {
            let _ = done.recv_timeout(Duration::from_secs(2));
        }
    }
}

/// Why a link ended.
#[derive(Debug)]
enum Lost {
    /// Stopped (REPLICAOF changed, the server stops).
    Cancelled,
    /// Anything else: the link is down and reconnects.
    Error(String),
}

impl From<io::Error> for Lost {
    fn from(e: io::Error) -> Self {
        Lost::Error(e.to_string())
    }
}

struct Link<'a> {
    shared: &'a Shared,
    host: String,
    port: u16,
    epoch: u64,
    cancel: Arc<AtomicBool>,
    /// The session the master's commands run as.
    session: Session,
}

/// A connection with its own read buffer (the RDB's end and the stream's start may arrive
/// in one read).
struct Conn {
    sock: TcpStream,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    last_io: Instant,
    timeout: Duration,
}

impl Conn {
    fn send(&mut self, args: &[&[u8]]) -> io::Result<()> {
        let mut out = Vec::new();
        crate::resp::encode_request(&mut out, args);
        self.sock.write_all(&out)
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more (at most [`POLL`]); false when nothing came.
    fn fill(&mut self, cancel: &AtomicBool) -> Result<bool, Lost> {
        if cancel.load(Ordering::Acquire) {
            return Err(Lost::Cancelled);
        }
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > (1 << 20) {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut chunk = [0u8; 1 << 16];
        match self.sock.read(&mut chunk) {
            Ok(0) => Err(Lost::Error("connection closed by the master".into())),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.last_io = Instant::now();
                Ok(true)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if self.last_io.elapsed() > self.timeout {
                    return Err(Lost::Error("timeout: no data from the master".into()));
                }
                Ok(false)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// One reply line (without CRLF), skipping the bare newlines a master sends while it
    /// prepares the RDB.
    fn line(&mut self, cancel: &AtomicBool) -> Result<String, Lost> {
        loop {
            while self.unread().first() == Some(&b'\n') {
                self.pos += 1;
            }
            if let Some(i) = self.unread().iter().position(|&b| b == b'\n') {
                let raw = &self.buf[self.pos..self.pos + i];
                let l =
                    String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw)).into_owned();
                self.pos += i + 1;
                return Ok(l);
            }
            self.fill(cancel)?;
        }
    }
}

impl Link<'_> {
    /// Updates the store's follow state, unless the target changed meanwhile (then the
    /// link must stop: another link owns the state).
    fn update(&self, f: impl FnOnce(&mut crate::engine::repl::Follow)) -> Result<(), Lost> {
        let mut s = self.shared.lock();
        self.owned(&mut s, f)
    }

    fn owned(
        &self,
        s: &mut Store,
        f: impl FnOnce(&mut crate::engine::repl::Follow),
    ) -> Result<(), Lost> {
        if s.repl.follow_epoch.load(Ordering::Acquire) != self.epoch {
            return Err(Lost::Cancelled);
        }
        match s.repl.follow.as_mut() {
            Some(fo) => {
                f(fo);
                Ok(())
            }
            None => Err(Lost::Cancelled),
        }
    }

    fn run(mut self) {
        let id = self.session.id;
        if self.update(|f| f.client_id = id).is_err() {
            return;
        }
        loop {
            let r = self.connect_and_follow();
            let was_up = self.update(|f| {
                if f.phase == FollowPhase::Connected || f.down_since.is_none() {
                    f.down_since = Some(Instant::now());
                }
                f.phase = FollowPhase::Connect;
                f.sync_total = None;
                f.sync_read = 0;
            });
            match (r, was_up) {
                (Err(Lost::Cancelled), _) | (_, Err(_)) => return,
                (Err(Lost::Error(e)), _) => {
                    // On stdout, where `emu serve` logs (as redis-server's log): scripts
                    // watching a replica's log wait for these lines there.
                    println!(
                        "emu: replication link to {}:{} lost: {e}",
                        self.host, self.port
                    );
                }
                (Ok(()), _) => {}
            }
            // A transaction the master started is gone with the link.
            crate::engine::discard_transaction(&mut self.shared.lock(), &mut self.session);
            for _ in 0..10 {
                std::thread::sleep(POLL);
                if self.cancel.load(Ordering::Acquire) {
                    return;
                }
            }
        }
    }

    fn connect_and_follow(&mut self) -> Result<(), Lost> {
        self.update(|f| f.phase = FollowPhase::Connecting)?;
        let (cfg_timeout, port, user, pass) = {
            let s = self.shared.lock();
            let text = |name: &str| {
                crate::config::lookup(name.as_bytes())
                    .map(|(spec, _)| spec.get(&s.config))
                    .unwrap_or_default()
            };
            (
                config_int(&s.config, "repl-timeout", 60).max(1) as u64,
                config_int(&s.config, "port", 0),
                text("masteruser"),
                text("masterauth"),
            )
        };
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| Lost::Error(format!("cannot resolve {}", self.host)))?;
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        sock.set_read_timeout(Some(POLL))?;
        sock.set_nodelay(true)?;
        let mut c = Conn {
            sock,
            buf: Vec::new(),
            pos: 0,
            last_io: Instant::now(),
            timeout: Duration::from_secs(cfg_timeout),
        };
        self.update(|f| f.phase = FollowPhase::Handshake)?;
        let cancel = self.cancel.clone();
        c.send(&[b"PING"])?;
        let l = c.line(&cancel)?;
        // Redis accepts -NOAUTH here (the AUTH follows) and refuses other errors.
        if l.starts_with('-') && !l.starts_with("-NOAUTH") && !l.starts_with("-NOPERM") {
            return Err(Lost::Error(format!(
                "error reply to PING from master: '{l}'"
            )));
        }
        if !pass.is_empty() {
            if user.is_empty() {
                c.send(&[b"AUTH", pass.as_bytes()])?;
            } else {
                c.send(&[b"AUTH", user.as_bytes(), pass.as_bytes()])?;
            }
            let l = c.line(&cancel)?;
            if l.starts_with('-') {
                return Err(Lost::Error(format!("Unable to AUTH to MASTER: {l}")));
            }
        }
        c.send(&[b"REPLCONF", b"listening-port", port.to_string().as_bytes()])?;
        // Redis ignores an error here (an old master), and so does emu.
        c.line(&cancel)?;
        c.send(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"])?;
        c.line(&cancel)?;
        let (cached, failing_over) = {
            let s = self.shared.lock();
            let cached = s
                .repl
                .follow
                .as_ref()
                .and_then(|f| Some((f.replid.clone()?, f.offset?)));
            let fo = s
                .repl
                .failover
                .as_ref()
                .is_some_and(|f| f.state == crate::engine::repl::FailoverState::InProgress);
            (cached, fo)
        };
        match (&cached, failing_over) {
            // A FAILOVER hands over with the old master's own id and offset.
            (Some((id, off)), true) => c.send(&[
                b"PSYNC",
                id.as_bytes(),
                (off + 1).to_string().as_bytes(),
                b"FAILOVER",
            ])?,
            (Some((id, off)), false) => {
                c.send(&[b"PSYNC", id.as_bytes(), (off + 1).to_string().as_bytes()])?
            }
            (None, _) => c.send(&[b"PSYNC", b"?", b"-1"])?,
        }
        let l = c.line(&cancel)?;
        if failing_over {
            let accepted = l.starts_with("+FULLRESYNC") || l.starts_with("+CONTINUE");
            let mut s = self.shared.lock();
            if s.repl.follow_epoch.load(Ordering::Acquire) == self.epoch {
                crate::rdb::master::failover_psync_done(&mut s, accepted);
            }
            if !accepted {
                return Err(Lost::Error(format!(
                    "the FAILOVER target rejected PSYNC: '{l}'"
                )));
            }
        }
        if let Some(rest) = l.strip_prefix("+FULLRESYNC") {
            let mut it = rest.split_whitespace();
            let replid = it.next().unwrap_or("").to_string();
            let offset = it.next().and_then(|o| o.parse::<u64>().ok()).unwrap_or(0);
            self.full_sync(&mut c, replid, offset)?;
        } else if let Some(rest) = l.strip_prefix("+CONTINUE") {
            let new_id = rest.trim().to_string();
            self.update(|f| {
                if !new_id.is_empty() {
                    f.replid = Some(new_id);
                }
                f.phase = FollowPhase::Connected;
                f.last_io = Some(Instant::now());
                f.down_since = None;
            })?;
            eprintln!("emu: MASTER <-> REPLICA sync: master accepted a partial resynchronization");
        } else {
            return Err(Lost::Error(format!("unexpected reply to PSYNC: '{l}'")));
        }
        self.follow(&mut c)
    }

    /// Receives the RDB, loads it into a fresh store and swaps it in.
    fn full_sync(&mut self, c: &mut Conn, replid: String, offset: u64) -> Result<(), Lost> {
        let cancel = self.cancel.clone();
        let head = c.line(&cancel)?;
        let Some(spec) = head.strip_prefix('$') else {
            return Err(Lost::Error(format!(
                "bad protocol from MASTER, the first byte is not '$': '{head}'"
            )));
        };
        let mark = spec.strip_prefix("EOF:").map(|m| m.as_bytes().to_vec());
        let total = match &mark {
            Some(m) if m.len() == 40 => None,
            Some(_) => return Err(Lost::Error("bad EOF mark from MASTER".into())),
            None => Some(
                spec.parse::<u64>()
                    .map_err(|_| Lost::Error(format!("bad RDB length from MASTER: '{spec}'")))?,
            ),
        };
        self.update(|f| {
            f.phase = FollowPhase::Sync;
            f.sync_total = total;
            f.sync_read = 0;
            f.last_io = Some(Instant::now());
        })?;
        let mut data: Vec<u8> = Vec::new();
        let mut reported = Instant::now();
        loop {
            let avail = c.unread();
            match &mark {
                Some(m) => {
                    // The mark may straddle reads: look at the newly appended bytes
                    // together with the 39 before them.
                    let from = data.len().saturating_sub(39);
                    data.extend_from_slice(avail);
                    c.pos = c.buf.len();
                    if let Some(i) = find(&data[from..], m) {
                        let end = from + i;
                        // Bytes after the mark are the stream's: give them back.
                        let extra = data.split_off(end + 40);
                        data.truncate(end);
                        c.buf = extra;
                        c.pos = 0;
                        break;
                    }
                }
                None => {
                    let t = total.unwrap_or(0);
                    let want = (t as usize - data.len()).min(avail.len());
                    data.extend_from_slice(&avail[..want]);
                    c.pos += want;
                    if data.len() as u64 == t {
                        break;
                    }
                }
            }
            if reported.elapsed() > Duration::from_millis(200) {
                let n = data.len() as u64;
                self.update(|f| {
                    f.sync_read = n;
                    f.last_io = Some(Instant::now());
                })?;
                reported = Instant::now();
            }
            c.fill(&cancel)?;
        }
        let n = data.len() as u64;
        self.update(|f| f.sync_read = n)?;
        // Parsed without the store: clients keep being served meanwhile.
        let policy = self.shared.lock().config.maxmemory_policy;
        let (mut loaded, _functions) =
            crate::persist::tools::parse_rdb_for(&data, policy, &mut |_, _| {})
                .map_err(|e| Lost::Error(format!("failed loading the RDB from MASTER: {e}")))?;
        drop(data);
        let keys = loaded.total_keys();
        // A persistent store snapshots the new dataset: its copy is made here, without the
        // lock (the swap below only moves the databases).
        let (durable, ndb) = {
            let s = self.shared.lock();
            (crate::persist::handle_of(&s).is_some(), s.dbs.len())
        };
        loaded
            .dbs
            .resize_with(ndb.max(loaded.dbs.len()), Default::default);
        let copy = durable.then(|| loaded.dbs[..ndb].to_vec());
        let (old, held) = self.install(loaded, replid, offset, copy)?;
        // The previous dataset is freed after the lock is released.
        drop(old);
        eprintln!(
            "emu: MASTER <-> REPLICA sync: finished with success ({keys} keys from {}:{}; \
             the store was held {} ms to swap them in)",
            self.host,
            self.port,
            held.as_millis()
        );
        Ok(())
    }

    /// Under the lock: the loaded databases and libraries replace the store's. Returns the
    /// old databases (to be dropped without the lock) and how long the lock was held.
    fn install(
        &mut self,
        mut loaded: Store,
        replid: String,
        offset: u64,
        copy: Option<Vec<crate::keyspace::Db>>,
    ) -> Result<(Vec<crate::keyspace::Db>, Duration), Lost> {
        let mut batch = self.shared.batch();
        let s = batch.store();
        let locked = Instant::now();
        self.owned(s, |_| {})?;
        let session = &mut self.session;
        crate::engine::discard_transaction(s, session);
        session.db = 0;
        let _ = crate::engine::execute(s, session, &[b"FUNCTION", b"FLUSH", b"SYNC"]);
        for (_, code) in loaded.libraries.iter() {
            let _ = crate::engine::execute(s, session, &[b"FUNCTION", b"LOAD", code]);
        }
        let mut old = Vec::with_capacity(s.dbs.len());
        for i in 0..s.dbs.len() {
            s.signal_flushed_db(i);
            let new = loaded
                .dbs
                .get_mut(i)
                .map(std::mem::take)
                .unwrap_or_default();
            old.push(std::mem::replace(&mut s.dbs[i], new));
            s.signal_flushed_db(i);
        }
        s.dirty += 1;
        // This store's own replicas have a history that just ended.
        for r in &s.repl.replicas {
            r.close("the master of this replica resynchronized");
        }
        s.repl.reset_select();
        // Durability: a new snapshot of the new dataset (the log continues after it).
        if let Some(h) = crate::persist::handle_of(s) {
            if h.compaction_running() {
                let _ = h.wait_compaction();
            }
            let r = match copy {
                Some(dbs) if dbs.len() == s.dbs.len() => h.start_background_from(s, dbs),
                _ => h.start_background(s, crate::persist::handle::BgKind::Rewrite),
            };
            if let Err(e) = r {
                eprintln!("emu: snapshot after the full resync failed: {e}");
            }
        }
        self.owned(s, |f| {
            f.replid = Some(replid);
            f.offset = Some(offset);
            f.phase = FollowPhase::Connected;
            f.last_io = Some(Instant::now());
            f.down_since = None;
            f.sync_total = None;
        })?;
        batch
            .finish()
            .map_err(|e| Lost::Error(e.message().to_string()))?;
        Ok((old, locked.elapsed()))
    }

    /// Applies the stream until the link is lost or stopped.
    fn follow(&mut self, c: &mut Conn) -> Result<(), Lost> {
        let cancel = self.cancel.clone();
        let mut parser = Parser::new();
        let mut offset = self
            .shared
            .lock()
            .repl
            .follow
            .as_ref()
            .and_then(|f| f.offset)
            .unwrap_or(0);
        let mut last_ack = Instant::now();
        self.ack(c, offset)?;
        loop {
            let mut acks = Vec::new();
            if !c.unread().is_empty() {
                let mut batch = self.shared.batch();
                let s = batch.store();
                self.owned(s, |_| {})?;
                loop {
                    let buf = &c.buf[c.pos..];
                    if buf.is_empty() {
                        break;
                    }
                    match parser.parse(buf, Limits::default()) {
                        Ok(Parsed::Request { consumed, source }) => {
                            let argv = parser.argv(buf, source);
                            if argv.len() >= 2
                                && eq_ic(argv[0], "replconf")
                                && eq_ic(argv[1], "getack")
                            {
                                acks.push(offset);
                            } else if !argv.is_empty() && !eq_ic(argv[0], "ping") {
                                // Replies go nowhere, as for Redis's master client,
                                // which sees every key, expired or not: the master's
                                // DEL decides (`loading` turns expiry off).
                                s.loading = true;
                                let _ = crate::engine::execute(s, &mut self.session, &argv);
                                s.loading = false;
                            }
                            offset += consumed as u64;
                            c.pos += consumed;
                        }
                        Ok(Parsed::Incomplete { .. }) => break,
                        Err(e) => {
                            return Err(Lost::Error(format!(
                                "protocol error from MASTER: {}",
                                e.message()
                            )))
                        }
                    }
                }
                self.owned(s, |f| {
                    f.offset = Some(offset);
                    f.last_io = Some(Instant::now());
                })?;
                batch
                    .finish()
                    .map_err(|e| Lost::Error(e.message().to_string()))?;
            }
            for off in acks {
                self.ack(c, off)?;
                last_ack = Instant::now();
            }
            if last_ack.elapsed() >= Duration::from_secs(1) {
                self.ack(c, offset)?;
                last_ack = Instant::now();
            }
            c.fill(&cancel)?;
        }
    }

    fn ack(&self, c: &mut Conn, offset: u64) -> Result<(), Lost> {
        c.send(&[b"REPLCONF", b"ACK", offset.to_string().as_bytes()])?;
        Ok(())
    }
}

/// Position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_marks() {
        assert_eq!(
            parse_target("127.0.0.1 6380"),
            Some(("127.0.0.1".to_string(), 6380))
        );
        assert_eq!(parse_target(""), None);
        assert_eq!(parse_target("h notaport"), None);
        assert_eq!(find(b"abcXYZd", b"XYZ"), Some(3));
        assert_eq!(find(b"ab", b"XYZ"), None);
    }
}

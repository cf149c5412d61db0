//! One client connection's protocol state machine, independent of any I/O library: bytes
//! in ([`Conn::input`]), bytes out ([`Conn::out`]). The network layer reads into the input
//! buffer, calls [`Conn::process`], writes the output, and closes when told.
//!
//! `process` runs every complete request in the buffer under ONE acquisition of the store
//! lock (pipelined requests are batched, see [`crate::engine::Batch`]), in order, as
//! Redis's `processInputBuffer` does: protocol errors reply and close; every request goes
//! through the one dispatch path, [`crate::engine::execute`].

use crate::admin::Link;
use crate::config::ObufLimits;
use crate::engine::{self, auth_required, Session, Shared, Store};
use crate::resp::{self, Limits, Parsed, Parser, Source};
use crate::server::output::Output;

/// Completed arguments of an unfinished request are moved out of the input buffer once
/// they hold at least this many bytes (and no fewer than the partial argument after them),
/// so the buffer never grows by copying arguments that are already whole. Each byte is
/// copied at most once more that way: the growth stays linear in what arrives.
const SPILL_MIN: usize = 64 * 1024;

/// Size of one read: Redis reads 16 KiB at a time (`PROTO_IOBUF_LEN`); a few times that
/// saves system calls on large arguments.
pub(super) const READ_CHUNK: usize = 64 * 1024;

/// Replies up to this many bytes are Redis's static per-client buffer (`PROTO_REPLY_CHUNK_BYTES`):
/// the output limits count only what waits beyond it (Redis's reply list).
pub const STATIC_REPLY_BYTES: usize = 16 * 1024;

/// A budgeted [`Conn::process_up_to`] also stops once its replies reach this many bytes:
/// writing large replies into fresh memory is the slow part (the kernel zeroes every new
/// page), so a pipeline of big GETs gets turns of bounded length too.
pub const REPLY_BUDGET: usize = 1024 * 1024;

/// What the network layer should do after flushing [`Conn::out`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    Continue,
    /// Close the connection after writing the pending output.
    Close,
}

/// Containers whose CLIENT LIST `cmd=` shows `name|subcommand`.
const CONTAINERS: &[&str] = &["client", "config", "command", "object", "memory", "script"];

/// Protocol state of one connection.
pub struct Conn {
    /// The engine session (db, protocol, name, auth…).
    pub session: Session,
    parser: Parser,
    /// Received bytes; `consumed` of them are processed.
    input: Vec<u8>,
    consumed: usize,
    /// Completed arguments of the unfinished request, moved out of `input` (see
    /// [`SPILL_MIN`]), and their total size.
    spilled: Vec<Vec<u8>>,
    spilled_bytes: usize,
    /// Replies to send.
    pub out: Output,
    /// Set by [`Conn::process_up_to`] when it stopped at its budget: requests may be left
    /// in the input buffer, to run after the other connections had their turn.
    pub more: bool,
    /// Set by `process` when the replies passed the output limits
    /// ([`Conn::output_over_limit`]): it stopped there, and the client must be closed at
    /// once, without sending them (as Redis frees such a client).
    pub over_limit: bool,
    max_bulk: u64,
    /// CONFIG `client-query-buffer-limit`.
    pub query_limit: u64,
    /// CONFIG `client-output-buffer-limit`.
    pub obuf_limits: ObufLimits,
    /// CONFIG `maxmemory-clients` in bytes (0: no client eviction).
    pub client_limit: u64,
    /// A password is set and this client has not authenticated: Redis closes such a client
    /// as soon as its replies overflow the static reply buffer.
    pub unauthenticated: bool,
    /// CONFIG `timeout`: close after this many idle seconds (0 = never), refreshed from the
    /// store on every batch.
    pub idle_timeout_secs: u64,
    last_cmd: String,
    /// Error replies the last `process` call produced outside the dispatcher (protocol
    /// errors, -BUSY, failed durability): INFO total_error_replies adds them to the
    /// dispatcher's count.
    pub errors: u64,
    /// Since when the output has been over the soft limit of its class.
    soft_since: Option<std::time::Instant>,
    /// Set when a blocking command blocked the client: `process` stopped there; the network
    /// layer waits on it, then calls [`Conn::finish_blocked`] and `process` again.
    pub blocked: Option<crate::blocking::Waiter>,
    /// The command CLIENT PAUSE postponed (`blocked` is then its postponement): the network
    /// layer runs it again with [`Conn::resume_postponed`] when the wait ends.
    postponed: Option<Vec<Vec<u8>>>,
}

impl Conn {
    /// A connection with `session`.
    pub fn new(session: Session) -> Conn {
        Conn {
            session,
            parser: Parser::new(),
            // Buffers grow with what arrives and are released when empty, so an idle
            // connection holds none.
            input: Vec::new(),
            consumed: 0,
            spilled: Vec::new(),
            spilled_bytes: 0,
            out: Output::new(),
            more: false,
            over_limit: false,
            max_bulk: 512 * 1024 * 1024,
            query_limit: 1 << 30,
            obuf_limits: crate::config::Config::default().client_output_buffer_limit,
            client_limit: 0,
            unauthenticated: false,
            idle_timeout_secs: 0,
            last_cmd: String::new(),
            errors: 0,
            soft_since: None,
            blocked: None,
            postponed: None,
        }
    }

    /// The input buffer, to read into (append at the end).
    pub fn input(&mut self) -> &mut Vec<u8> {
        &mut self.input
    }

    /// The next unsent bytes of output, and the input buffer to read into, at once.
    pub fn buffers(&mut self) -> (&[u8], &mut Vec<u8>) {
        (self.out.unsent(), &mut self.input)
    }

    /// Removes and returns the received bytes not yet processed (a blocked async
    /// adapter request sets the rest of its pipeline aside).
    pub fn take_pending_input(&mut self) -> Vec<u8> {
        // Arguments are set aside only inside an unfinished request, and the adapter hands
        // over whole requests: nothing is spilled when it calls this.
        debug_assert!(self.spilled.is_empty());
        let rest = self.input.split_off(self.consumed);
        self.input.clear();
        self.consumed = 0;
        rest
    }

    /// Bytes received and not yet processed (the query buffer, with the completed
    /// arguments of an unfinished request).
    pub fn pending_input(&self) -> usize {
        self.input.len() - self.consumed + self.spilled_bytes
    }

    /// Grows the input buffer towards `need` bytes past the unprocessed start (the request
    /// being received, as far as its headers tell): by doubling while far from it, and
    /// exactly to it for the last step, so that a big argument's buffer is its size (as
    /// Redis allocates a big bulk's) rather than up to twice that. Never by more than the
    /// bytes already held (or one read), so a header that lies cannot make it reserve much.
    fn reserve_for(&mut self, need: usize) {
        let want = self.consumed + need;
        if want > self.input.capacity() {
            let more = want - self.input.len();
            let step = self.input.len().max(READ_CHUNK);
            self.input.reserve_exact(more.min(step));
        }
    }

    /// Memory the input side holds (buffer capacity and set-aside arguments).
    pub fn input_memory(&self) -> usize {
        self.input.capacity() + self.spilled_bytes
    }

    /// Whether the query buffer exceeds `client-query-buffer-limit`: the client must be
    /// closed (without a reply, as Redis does).
    pub fn over_query_limit(&self) -> bool {
        self.pending_input() as u64 > self.query_limit
    }

    /// Releases the input buffer's memory when it holds nothing.
    pub fn trim_input(&mut self) {
        if self.input.len() == self.consumed && self.spilled.is_empty() {
            self.consumed = 0;
            if self.input.capacity() > 4096 {
                self.input = Vec::new();
            } else {
                self.input.clear();
            }
        }
    }

    /// Runs every complete request in the input buffer and appends the replies to `out`.
    pub fn process(&mut self, store: &Shared) -> Flow {
        self.process_up_to(store, usize::MAX)
    }

    /// Runs the complete requests in the input buffer, in order, until they add up to at
    /// least `budget` bytes or their replies to [`REPLY_BUDGET`] (then sets
    /// [`Conn::more`]), and appends the replies to `out`. The server passes 16 KiB, what
    /// Redis reads and runs for one client per event-loop turn, so a long pipeline cannot
    /// hold the others up.
    pub fn process_up_to(&mut self, store: &Shared, budget: usize) -> Flow {
        self.errors = 0;
        self.more = false;
        let first = self.consumed;
        let replies_before = self.out.pending();
        // Replies of earlier batches may still wait in `out`; this batch's start here.
        let out_start = self.out.mark();
        // Parse the first request before locking: a partial request needs no lock.
        // The unauthenticated limits only matter when a password is set; check lazily.
        let mut batch = store.batch();
        let mut flow = Flow::Continue;
        loop {
            let buf = &self.input[self.consumed..];
            if buf.is_empty() {
                break;
            }
            // (A script holding the store past busy-reply-threshold answers -BUSY below,
            // authenticated or not.)
            let authenticated = self.session.authenticated
                || batch
                    .store_unless_busy()
                    .is_some_and(|g| !auth_required(g, &self.session));
            let limits = Limits {
                max_bulk: self.max_bulk,
                authenticated,
            };
            if self.consumed - first >= budget
                || (budget != usize::MAX && self.out.pending() - replies_before >= REPLY_BUDGET)
            {
                self.more = true;
                break;
            }
            match self.parser.parse(buf, limits) {
                Ok(Parsed::Incomplete { hint }) => {
                    // Nothing is reserved for a bulk that has not arrived (its header
                    // may lie); set completed arguments aside instead of growing the buffer
                    // around them.
                    let mut done = self.parser.completed_len();
                    if done >= SPILL_MIN && done >= buf.len() - done {
                        let start = self.consumed;
                        for &(s, e) in self.parser.args() {
                            self.spilled.push(self.input[start + s..start + e].to_vec());
                            self.spilled_bytes += e - s;
                        }
                        self.input.drain(start..start + done);
                        self.parser.forget_completed();
                    } else {
                        done = 0;
                    }
                    self.reserve_for(hint.saturating_sub(done));
                    break;
                }
                Err(e) => {
                    resp::encode_error(self.out.buf(), &e.message());
                    self.errors += 1;
                    self.input.clear();
                    self.consumed = 0;
                    self.spilled.clear();
                    self.spilled_bytes = 0;
                    self.parser = Parser::new();
                    flow = Flow::Close;
                    break;
                }
                Ok(Parsed::Request { consumed, source }) => {
                    let start = self.consumed;
                    self.consumed += consumed;
                    if self.parser.args().is_empty() {
                        continue;
                    }
                    let base: &[u8] = match source {
                        Source::Buffer => &self.input[start..start + consumed],
                        Source::Inline => self.parser.inline_args(),
                    };
                    let ranges = self.parser.args();
                    // Most commands have few arguments: no allocation for them.
                    let mut small: [&[u8]; 16] = [&[]; 16];
                    let big: Vec<&[u8]>;
                    let argv: &[&[u8]] = if !self.spilled.is_empty() {
                        big = self
                            .spilled
                            .iter()
                            .map(|a| a.as_slice())
                            .chain(ranges.iter().map(|&(s, e)| &base[s..e]))
                            .collect();
                        &big
                    } else if ranges.len() <= small.len() {
                        for (slot, &(s, e)) in small.iter_mut().zip(ranges) {
                            *slot = &base[s..e];
                        }
                        &small[..ranges.len()]
                    } else {
                        big = ranges.iter().map(|&(s, e)| &base[s..e]).collect();
                        &big
                    };
                    if !batch.is_locked() && batch.store_unless_busy().is_none() {
                        // A script holds the store past busy-reply-threshold: the command
                        // is answered as Redis does then (engine::busy; if the script just
                        // ended, it runs as usual).
                        if let Some(reply) = engine::busy::answer_while_busy_for(
                            batch.busy(),
                            &mut self.session,
                            argv,
                        ) {
                            match reply {
                                Ok(v) => resp::encode(self.out.buf(), &v, self.session.resp),
                                Err(e) => {
                                    self.errors += 1;
                                    resp::encode_error(self.out.buf(), e.message());
                                }
                            }
                            if !self.spilled.is_empty() {
                                self.spilled = Vec::new();
                                self.spilled_bytes = 0;
                            }
                            if self.session.close_after_reply {
                                flow = Flow::Close;
                                break;
                            }
                            continue;
                        }
                    }
                    let g = batch.store();
                    run_one(
                        g,
                        &mut self.session,
                        argv,
                        self.out.buf(),
                        &mut self.last_cmd,
                    );
                    wait_if_blocked(
                        g,
                        argv,
                        &mut self.session,
                        &mut self.blocked,
                        &mut self.postponed,
                    );
                    if !self.spilled.is_empty() {
                        self.spilled = Vec::new();
                        self.spilled_bytes = 0;
                    }
                    if self.blocked.is_some() || self.replica_attached() {
                        break;
                    }
                    if self.session.close_after_reply {
                        flow = Flow::Close;
                        break;
                    }
                    // Checked as each reply is added, as Redis does: a client over its
                    // limit runs nothing more.
                    self.unauthenticated = auth_required(g, &self.session);
                    let pending = self.out.pending();
                    if pending > STATIC_REPLY_BYTES
                        && self.output_over_limit(pending, crate::pubsub::subscribed(&self.session))
                    {
                        self.over_limit = true;
                        flow = Flow::Close;
                        break;
                    }
                }
            }
        }
        // Log the effects of the batch under the lock; after releasing it, wait until they
        // are in the kernel (and fsynced under appendfsync always), before any reply goes out.
        if batch.is_locked() {
            // BCAST invalidations go out once per batch (Redis: once per event-loop turn).
            batch.store().tracking_broadcast();
            self.refresh_limits(batch.store());
        }
        if let Err(e) = batch.finish() {
            // The writes are not durable: never acknowledge them (earlier batches' replies
            // were, and still go out).
            self.out.truncate(out_start);
            resp::encode_error(self.out.buf(), e.message());
            self.errors += 1;
            flow = Flow::Close;
        }
        // Drop processed bytes once they are half the buffer (so requests left for the next
        // turn are not moved every turn); a request in progress starts at `consumed`, and
        // the parser's offsets are relative to that start, so they stay valid.
        if self.consumed > 0 && self.consumed >= self.input.len() / 2 {
            self.input.drain(..self.consumed);
            self.consumed = 0;
        }
        self.trim_input();
        if self.input.capacity() > 1024 * 1024 && self.input.len() < 64 * 1024 {
            self.input.shrink_to(64 * 1024);
        }
        flow
    }

    /// True once SYNC/PSYNC made this connection a replica link: the network layer stops
    /// running its requests and sends the replication stream instead (see
    /// `crate::rdb::master`).
    pub fn replica_attached(&self) -> bool {
        self.session
            .replica
            .as_ref()
            .is_some_and(|l| l.is_attached())
    }

    /// The received bytes not yet processed (handed over with the connection).
    pub fn unprocessed_input(&mut self) -> Vec<u8> {
        let rest = self.input.split_off(self.consumed);
        self.input.clear();
        self.consumed = 0;
        rest
    }

    /// True if the wait that just ended was a CLIENT PAUSE postponement: run
    /// [`Conn::resume_postponed`] instead of [`Conn::finish_blocked`].
    pub fn is_postponed(&self) -> bool {
        self.postponed.is_some()
    }

    /// Runs the command a CLIENT PAUSE postponed, now that the pause ended (it may be
    /// postponed again if the pause was extended, or block), in `batch`.
    pub fn resume_postponed(&mut self, mut batch: crate::engine::Batch<'_>) -> Flow {
        let Some(argv) = self.postponed.take() else {
            return batch.finish().map_or(Flow::Close, |()| Flow::Continue);
        };
        let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let g = batch.store();
        run_one(
            g,
            &mut self.session,
            &args,
            self.out.buf(),
            &mut self.last_cmd,
        );
        wait_if_blocked(
            g,
            &args,
            &mut self.session,
            &mut self.blocked,
            &mut self.postponed,
        );
        let mut flow = if self.session.close_after_reply {
            Flow::Close
        } else {
            Flow::Continue
        };
        self.refresh_limits(batch.store());
        if let Err(e) = batch.finish() {
            resp::encode_error(self.out.buf(), e.message());
            self.errors += 1;
            flow = Flow::Close;
        }
        flow
    }

    /// Encodes the reply a blocked client finally got (served or timed out).
    pub fn finish_blocked(&mut self, reply: crate::error::Result<crate::value::Value>) {
        match reply {
            Ok(v) => resp::encode(self.out.buf(), &v, self.session.resp),
            Err(e) => resp::encode_error(self.out.buf(), e.message()),
        }
    }

    /// Re-reads the limits that come from CONFIG (proto-max-bulk-len, timeout).
    pub fn refresh_limits(&mut self, store: &Store) {
        self.max_bulk = store.config.proto_max_bulk_len;
        self.idle_timeout_secs = store.config.timeout;
        self.query_limit = store.config.client_query_buffer_limit;
        self.obuf_limits = store.config.client_output_buffer_limit;
        self.client_limit = store.config.client_eviction_limit();
        self.unauthenticated = auth_required(store, &self.session);
    }

    /// Moves queued Pub/Sub pushes into [`Conn::out`] (called when the connection is woken
    /// while idle). False if the subscriber was disconnected for exceeding the
    /// `client-output-buffer-limit pubsub`: the connection must be closed.
    pub fn deliver_pushes(&mut self) -> bool {
        crate::pubsub::drain_into(&self.session, self.out.buf())
    }

    /// Checks `pending` unsent reply bytes against the output limits, as Redis's
    /// `checkClientOutputBufferLimits` does (class `pubsub` for a subscriber, else `normal`;
    /// only the bytes beyond the static reply buffer count): true when the client must be
    /// closed. An unauthenticated client (a password is set) is closed as soon as its
    /// replies overflow the static buffer, as Redis does.
    pub fn output_over_limit(&mut self, pending: usize, pubsub: bool) -> bool {
        if self.unauthenticated && pending > STATIC_REPLY_BYTES {
            return true;
        }
        let used = pending.saturating_sub(STATIC_REPLY_BYTES) as u64;
        let l = if pubsub {
            self.obuf_limits.pubsub
        } else {
            self.obuf_limits.normal
        };
        l.reached(used, &mut self.soft_since).is_some()
    }

    /// Copies the session's visible state into the server registry.
    pub fn sync_registry(&self, link: &Link) {
        if link
            .me
            .sync_from(&self.session, &self.last_cmd, self.pending_input())
        {
            link.server.eviction_candidates_changed();
        }
    }
}

/// After a command ran: registers the client's wait if it blocked (BLPOP & co.) or was
/// postponed by CLIENT PAUSE (keeping the command to run again); later requests wait.
fn wait_if_blocked(
    g: &mut Store,
    argv: &[&[u8]],
    session: &mut Session,
    blocked: &mut Option<crate::blocking::Waiter>,
    postponed: &mut Option<Vec<Vec<u8>>>,
) {
    if let Some(req) = session.block.take() {
        *blocked = Some(g.blocking.register(req, argv, session));
    } else if let Some(until) = session.postpone.take() {
        *blocked = Some(g.blocking.postpone(until, argv, session));
        *postponed = Some(argv.iter().map(|a| a.to_vec()).collect());
    }
}

/// Writes the `cmd=` name CLIENT LIST shows into `out` (reusing its buffer).
fn display_name(out: &mut String, spec_name: &str, argv: &[&[u8]]) {
    out.clear();
    out.push_str(spec_name);
    if argv.len() > 1 && CONTAINERS.contains(&spec_name) {
        out.push('|');
        out.push_str(&String::from_utf8_lossy(argv[1]).to_ascii_lowercase());
    }
}

/// Runs one command through the engine and encodes its reply; then come the client-side
/// caching invalidations its own command caused (Redis sends them after the reply).
fn run_one(
    store: &mut Store,
    session: &mut Session,
    argv: &[&[u8]],
    out: &mut Vec<u8>,
    last_cmd: &mut String,
) {
    run_and_reply(store, session, argv, out, last_cmd);
    if !store.tracking.is_idle() {
        store.tracking_deliver_pending(session.id);
        crate::pubsub::drain_into(session, out);
    }
}

/// Runs one command through the engine and encodes its reply (its error replies are
/// counted by the dispatcher, see `engine::observe`).
fn run_and_reply(
    store: &mut Store,
    session: &mut Session,
    argv: &[&[u8]],
    out: &mut Vec<u8>,
    last_cmd: &mut String,
) {
    let result = engine::execute(store, session, argv);
    if let Some(spec) = session.last_command {
        display_name(last_cmd, spec.name, argv);
    }
    // Pushed Pub/Sub replies queued so far go out before this reply, as in Redis 7.0.
    crate::pubsub::drain_into(session, out);
    if session.block.is_some() || session.postpone.is_some() {
        // Blocked: the reply comes later (Conn::finish_blocked); postponed by CLIENT
        // PAUSE: the command runs again later (Conn::resume_postponed).
        return;
    }
    if session.reply_suppressed() {
        // CLIENT REPLY OFF / SKIP: the command ran; its reply is dropped.
        return;
    }
    match result {
        Ok(v) if crate::pubsub::is_no_reply(&v) => {}
        Ok(v) => resp::encode(out, &v, session.resp),
        Err(e) => resp::encode_error(out, e.message()),
    }
    // A monitoring client sees its own command after the reply, as in Redis.
    if session.monitor {
        if let Some(line) = store.observer.take_own_line(session.id) {
            out.extend_from_slice(line.as_bytes());
        }
    }
}

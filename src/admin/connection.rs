//! Connection commands: AUTH, HELLO, QUIT, RESET and CLIENT.

use std::sync::Arc;
use std::time::Instant;

use super::{dispatch_sub, help_reply, ClientEntry, Sub, REDIS_VERSION};
use crate::engine::{Ctx, Session};
use crate::error::{Error, ErrorKind, Result};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// # Format
/// `AUTH [username] password` — against the ACL users (`default` when no name is given).
pub fn auth(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 3 {
        return Err(Error::syntax());
    }
    let (user, pass) = if argv.len() == 2 {
        if ctx
            .store
            .acl
            .get(crate::acl::DEFAULT)
            .is_some_and(|u| u.nopass())
        {
            return Err(Error::err(
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ));
        }
        (crate::acl::DEFAULT, argv[1])
    } else {
        (argv[1], argv[2])
    };
    crate::acl::authenticate(ctx.store, ctx.session, user, pass, argv[0])?;
    Ok(Value::ok())
}

/// The CLIENT INFO line of `session` (the ACL LOG's `client-info`).
pub fn client_info_line(store: &crate::engine::Store, session: &Session) -> String {
    let cmd = session.last_command.map_or("NULL", |s| s.name);
    String::from_utf8_lossy(&line_of(store, session, cmd).render()).into_owned()
}

/// Closes every served connection authenticated as `name` whose id passes `filter` (ACL
/// DELUSER / LOAD / SETUSER): other connections at once, the caller's after its reply.
pub fn kill_user_clients(session: &mut Session, name: &[u8], filter: &dyn Fn(u64) -> bool) {
    if session.user.as_ref().is_some_and(|u| &*u.name == name) && filter(session.id) {
        session.close_after_reply = true;
    }
    let Some(link) = &session.link else { return };
    for e in link.server.snapshot() {
        if e.id == session.id {
            continue;
        }
        let hit = e
            .info
            .lock()
            .user
            .as_ref()
            .is_some_and(|u| &*u.name == name);
        if hit && filter(e.id) {
            e.kill();
        }
    }
}

/// Validates a client name: printable ASCII without spaces.
fn valid_name(n: &[u8]) -> bool {
    n.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

fn set_name(session: &mut Session, name: &[u8]) -> Result<()> {
    if !valid_name(name) {
        return Err(Error::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    session.name = if name.is_empty() {
        None
    } else {
        Some(name.to_vec())
    };
    Ok(())
}

/// # Format
/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
pub fn hello(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut ver = None;
    if argv.len() >= 2 {
        let v = parse_i64(argv[1]).ok_or_else(|| {
            Error::new(
                ErrorKind::NotInteger,
                "ERR Protocol version is not an integer or out of range",
            )
        })?;
        if !(2..=3).contains(&v) {
            return Err(Error::new(
                ErrorKind::Other,
                "NOPROTO unsupported protocol version",
            ));
        }
        ver = Some(v as u8);
    }
    let mut creds = None;
    let mut name = None;
    let mut j = 2;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if eq_ic(argv[j], "auth") && more >= 2 {
            creds = Some((argv[j + 1], argv[j + 2]));
            j += 2;
        } else if eq_ic(argv[j], "setname") && more >= 1 {
            name = Some(argv[j + 1]);
            j += 1;
        } else {
            return Err(Error::new(
                ErrorKind::Syntax,
                crate::engine::sanitize(&format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(argv[j])
                )),
            ));
        }
        j += 1;
    }
    if let Some((user, pass)) = creds {
        crate::acl::authenticate(ctx.store, ctx.session, user, pass, argv[0])?;
    }
    if !ctx.session.authenticated {
        return Err(Error::new(
            ErrorKind::Auth,
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    if let Some(n) = name {
        set_name(ctx.session, n)?;
    }
    if let Some(v) = ver {
        ctx.session.resp = v;
    }
    Ok(Value::Map(vec![
        (Value::bulk("server"), Value::bulk("redis")),
        (Value::bulk("version"), Value::bulk(REDIS_VERSION)),
        (Value::bulk("proto"), Value::Int(ctx.session.resp as i64)),
        (Value::bulk("id"), Value::Int(ctx.session.id as i64)),
        (Value::bulk("mode"), Value::bulk(server_mode(ctx.config()))),
        (Value::bulk("role"), Value::bulk("master")),
        (Value::bulk("modules"), Value::Array(vec![])),
    ]))
}

/// # Format
/// `QUIT` — replies OK; the connection closes after the reply.
pub fn quit(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    ctx.session.close_after_reply = true;
    Ok(Value::ok())
}

/// # Format
/// `RESET` — back to a fresh connection's state: db 0, RESP2, no name, and (when a password
/// is required) unauthenticated.
pub fn reset(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    crate::engine::discard_transaction(ctx.store, ctx.session);
    crate::pubsub::reset(ctx.store, ctx.session);
    // Redis `clearClientConnectionState`: tracking off.
    super::tracking::disable(ctx);
    super::monitor::stop(ctx);
    let s = &mut *ctx.session;
    s.db = 0;
    s.resp = 2;
    s.name = None;
    s.no_evict = false;
    s.reply_off = false;
    s.reply_skip = false;
    s.reply_skip_next = false;
    s.user = None;
    s.authenticated = !ctx.store.acl.needs_auth();
    Ok(Value::Simple("RESET".into()))
}

// ---------------------------------------------------------------------------------------
// CLIENT
// ---------------------------------------------------------------------------------------

/// CLIENT LIST's buffer and memory fields.
#[derive(Default)]
struct Mem {
    qbuf_free: u64,
    multi_mem: usize,
    /// Unsent reply bytes in Redis's static reply buffer (up to 16 KiB).
    obl: u64,
    /// Redis's reply-list nodes (16 KiB each) holding the rest.
    oll: u64,
    /// Bytes of the reply list.
    omem: u64,
    tot_mem: u64,
}

impl Mem {
    /// The fields of a registered connection, shaped as Redis's: its unsent replies fill
    /// the 16 KiB static buffer (`obl`) and then a list of 16 KiB nodes (`oll`, `omem`).
    fn of(e: &ClientEntry, multi_mem: usize, qbuf: usize) -> Mem {
        use std::sync::atomic::Ordering::Relaxed;
        // Redis's PROTO_REPLY_CHUNK_BYTES (the server's STATIC_REPLY_BYTES).
        let chunk: u64 = 16 * 1024;
        let pending = e.output_pending.load(Relaxed);
        let obl = pending.min(chunk);
        let omem = pending - obl;
        Mem {
            qbuf_free: e.query_mem.load(Relaxed).saturating_sub(qbuf as u64),
            multi_mem,
            obl,
            oll: omem.div_ceil(chunk),
            omem,
            tot_mem: e.total_memory(),
        }
    }
}

/// One CLIENT LIST line's worth of data.
struct Line {
    id: u64,
    addr: String,
    laddr: String,
    fd: i64,
    name: Vec<u8>,
    age: u64,
    idle: u64,
    unix: bool,
    no_evict: bool,
    /// An attached replica (flag `S`, type replica).
    replica: bool,
    /// In MONITOR mode (flag `O`).
    monitor: bool,
    /// Blocked on keys or postponed by CLIENT PAUSE.
    blocked: bool,
    /// A watched key changed (EXEC will fail).
    dirty_cas: bool,
    /// Commands queued in MULTI; -1 outside MULTI.
    multi: i64,
    db: usize,
    qbuf: usize,
    cmd: String,
    resp: u8,
    user: Vec<u8>,
    /// Buffer and memory fields (CLIENT LIST `qbuf-free` … `tot-mem`).
    mem: Mem,
    /// Pub/Sub channels, patterns, shard channels.
    subs: [usize; 3],
    /// CLIENT TRACKING: (broken redirect, bcast, redirect id), when on.
    tracking: Option<(bool, bool, u64)>,
}

impl Line {
    /// Fills what the store knows of the client: its Pub/Sub counts (flag `P`) and whether
    /// it is blocked (flag `b`).
    fn with_store(mut self, store: &crate::engine::Store) -> Line {
        self.subs = store.pubsub.counts(self.id);
        self.blocked = store.blocking.is_blocked(self.id);
        self.tracking = store
            .tracking
            .get(self.id)
            .map(|t| (t.broken_redirect, t.options.bcast, t.redirect));
        self
    }

    /// True when the client has subscriptions (flag `P`).
    fn is_pubsub(&self) -> bool {
        self.subs.iter().any(|&n| n > 0)
    }

    /// The client's type (CLIENT LIST/KILL TYPE).
    fn kind(&self) -> ClientKind {
        kind_of(self.replica, self.is_pubsub())
    }

    /// The `flags=` field, in the order of Redis 7.0's `getClientInfoString`.
    fn flags(&self) -> String {
        let mut f = String::new();
        for (on, c) in [
            (self.monitor, 'O'),
            (self.replica && !self.monitor, 'S'),
            (self.is_pubsub(), 'P'),
            (self.multi >= 0, 'x'),
            (self.blocked, 'b'),
            (self.tracking.is_some(), 't'),
            (self.tracking.is_some_and(|t| t.0), 'R'),
            (self.tracking.is_some_and(|t| t.1), 'B'),
            (self.dirty_cas, 'd'),
            (self.unix, 'U'),
            (self.no_evict, 'e'),
        ] {
            if on {
                f.push(c);
            }
        }
        if f.is_empty() {
            f.push('N');
        }
        f
    }

    fn render(&self) -> Vec<u8> {
        let mut s = format!(
            "id={} addr={} laddr={} fd={} name=",
            self.id, self.addr, self.laddr, self.fd
        )
        .into_bytes();
        s.extend_from_slice(&self.name);
        s.extend_from_slice(
            format!(
                " age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem={} rbs=16384 rbp=0 obl={} oll={} omem={} tot-mem={} events=r cmd={} user=",
                self.age, self.idle, self.flags(), self.db, self.subs[0], self.subs[1], self.subs[2], self.multi, self.qbuf,
                self.mem.qbuf_free, self.mem.multi_mem, self.mem.obl, self.mem.oll, self.mem.omem, self.mem.tot_mem, self.cmd
            )
            .as_bytes(),
        );
        s.extend_from_slice(&self.user);
        let redir = self.tracking.map_or(-1, |t| t.2 as i64);
        s.extend_from_slice(format!(" redir={redir} resp={}", self.resp).as_bytes());
        s
    }
}

/// The caller's own line, from its live session.
fn own_line(ctx: &Ctx, cmd: &str) -> Line {
    line_of(ctx.store, ctx.session, cmd)
}

/// A session's line.
fn line_of(store: &crate::engine::Store, s: &Session, cmd: &str) -> Line {
    let (addr, laddr, fd, age, unix) = match &s.link {
        Some(l) => (
            l.me.addr.clone(),
            l.me.laddr.clone(),
            l.me.fd,
            l.me.created.elapsed().as_secs(),
            l.me.unix,
        ),
        None => (String::new(), String::new(), -1, 0, false),
    };
    Line {
        id: s.id,
        addr,
        laddr,
        fd,
        name: s.name.clone().unwrap_or_default(),
        age,
        idle: 0,
        unix,
        no_evict: s.no_evict,
        replica: s.replica.as_ref().is_some_and(|l| l.is_attached()),
        monitor: s.monitor,
        blocked: false,
        dirty_cas: store.watch_dirty(s.id),
        multi: s.tx.multi.as_ref().map_or(-1, |q| q.commands.len() as i64),
        db: s.db,
        qbuf: 0,
        cmd: cmd.to_string(),
        resp: s.resp,
        user: crate::acl::username(s).to_vec(),
        mem: s.link.as_ref().map_or_else(Mem::default, |l| {
            Mem::of(&l.me, s.tx.multi.as_ref().map_or(0, |q| q.memory()), 0)
        }),
        subs: [0; 3],
        tracking: None,
    }
    .with_store(store)
}

fn entry_line(ctx: &Ctx, e: &ClientEntry) -> Line {
    let i = e.info.lock();
    let now = Instant::now();
    Line {
        id: e.id,
        addr: e.addr.clone(),
        laddr: e.laddr.clone(),
        fd: e.fd,
        name: i.name.clone().unwrap_or_default(),
        age: now.duration_since(e.created).as_secs(),
        idle: i
            .last_interaction
            .map(|t| now.duration_since(t).as_secs())
            .unwrap_or_else(|| now.duration_since(e.created).as_secs()),
        unix: e.unix,
        no_evict: i.no_evict,
        replica: i.replica,
        monitor: i.monitor,
        blocked: false,
        dirty_cas: ctx.store.watch_dirty(e.id),
        multi: i.multi,
        db: i.db,
        qbuf: i.qbuf,
        cmd: if i.last_cmd.is_empty() {
            "NULL".to_string()
        } else {
            i.last_cmd.clone()
        },
        resp: i.resp,
        mem: Mem::of(e, i.multi_mem, i.qbuf),
        user: i
            .user
            .as_ref()
            .map_or(crate::acl::DEFAULT.to_vec(), |u| u.name.to_vec()),
        subs: [0; 3],
        tracking: None,
    }
    .with_store(ctx.store)
}

/// Every client's line (the caller's from its session), by id.
fn all_lines(ctx: &Ctx, cmd: &str) -> Vec<Line> {
    let me = ctx.session.id;
    let mut out = Vec::new();
    match &ctx.session.link {
        Some(l) => {
            for e in l.server.snapshot() {
                if e.id == me {
                    out.push(own_line(ctx, cmd));
                } else {
                    out.push(entry_line(ctx, &e));
                }
            }
            if !out.iter().any(|x| x.id == me) {
                out.push(own_line(ctx, cmd));
            }
        }
        None => out.push(own_line(ctx, cmd)),
    }
    out
}

fn txt(lines: &[Line]) -> Value {
    let mut buf = Vec::new();
    for l in lines {
        buf.extend_from_slice(&l.render());
        buf.push(b'\n');
    }
    Value::Verbatim("txt".into(), buf)
}

fn client_id(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(ctx.session.id as i64))
}

fn client_info(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(txt(&[own_line(ctx, "client|info")]))
}

/// A client type of CLIENT LIST / CLIENT KILL TYPE (Redis `getClientTypeByName`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientKind {
    Normal,
    Pubsub,
    Replica,
    /// emu is never a replica, so no client is its master.
    Master,
}

/// Parses a TYPE argument, or Redis's error.
fn client_type(t: &[u8]) -> Result<ClientKind> {
    if eq_ic(t, "normal") {
        Ok(ClientKind::Normal)
    } else if eq_ic(t, "pubsub") {
        Ok(ClientKind::Pubsub)
    } else if eq_ic(t, "replica") || eq_ic(t, "slave") {
        Ok(ClientKind::Replica)
    } else if eq_ic(t, "master") {
        Ok(ClientKind::Master)
    } else {
        Err(Error::err(format!(
            "Unknown client type '{}'",
            String::from_utf8_lossy(t)
        )))
    }
}

/// A client's type (Redis `getClientType`): an attached replica, else pubsub with
/// subscriptions, else normal — MONITOR clients count as normal, as in Redis.
fn kind_of(replica: bool, pubsub: bool) -> ClientKind {
    if replica {
        ClientKind::Replica
    } else if pubsub {
        ClientKind::Pubsub
    } else {
        ClientKind::Normal
    }
}

fn client_list(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut lines = all_lines(ctx, "client|list");
    let mut i = 2;
    while i < argv.len() {
        if eq_ic(argv[i], "type") && i + 1 < argv.len() {
            let kind = client_type(argv[i + 1])?;
            lines.retain(|l| l.kind() == kind);
            i += 2;
        } else if eq_ic(argv[i], "id") && i + 1 < argv.len() {
            let mut ids = Vec::new();
            for a in &argv[i + 1..] {
                match parse_i64(a) {
                    Some(n) if n > 0 => ids.push(n as u64),
                    _ => return Err(Error::err("Invalid client ID")),
                }
            }
            lines.retain(|l| ids.contains(&l.id));
            i = argv.len();
        } else {
            return Err(Error::syntax());
        }
    }
    Ok(txt(&lines))
}

fn client_setname(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    set_name(ctx.session, argv[2])?;
    Ok(Value::ok())
}

fn client_getname(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::opt_bulk(ctx.session.name.as_ref()))
}

fn client_no_evict(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if eq_ic(argv[2], "on") {
        ctx.session.no_evict = true;
    } else if eq_ic(argv[2], "off") {
        ctx.session.no_evict = false;
    } else {
        return Err(Error::syntax());
    }
    Ok(Value::ok())
}

/// Filters of CLIENT KILL's new form.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    /// TYPE.
    kind: Option<ClientKind>,
    maxage: Option<u64>,
    skipme: bool,
    user: Option<Vec<u8>>,
}

fn client_kill(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let me = ctx.session.id;
    let old_form = argv.len() == 3;
    let mut f = KillFilter {
        skipme: !old_form,
        ..KillFilter::default()
    };
    if old_form {
        f.addr = Some(argv[2].to_vec());
    } else {
        if argv.len() % 2 != 0 {
            return Err(Error::syntax());
        }
        let mut i = 2;
        while i + 1 < argv.len() {
            let (k, v) = (argv[i], argv[i + 1]);
            if eq_ic(k, "id") {
                match parse_i64(v) {
                    Some(n) if n > 0 => f.id = Some(n as u64),
                    _ => return Err(Error::err("client-id should be greater than 0")),
                }
            } else if eq_ic(k, "type") {
                f.kind = Some(client_type(v)?);
            } else if eq_ic(k, "addr") {
                f.addr = Some(v.to_vec());
            } else if eq_ic(k, "laddr") {
                f.laddr = Some(v.to_vec());
            } else if eq_ic(k, "user") {
                if ctx.store.acl.get(v).is_none() {
                    return Err(Error::err(format!(
                        "No such user '{}'",
                        String::from_utf8_lossy(v)
                    )));
                }
                f.user = Some(v.to_vec());
            } else if eq_ic(k, "skipme") {
                if eq_ic(v, "yes") {
                    f.skipme = true;
                } else if eq_ic(v, "no") {
                    f.skipme = false;
                } else {
                    return Err(Error::syntax());
                }
            } else if eq_ic(k, "maxage") {
                match parse_i64(v) {
                    Some(n) if n >= 0 => f.maxage = Some(n as u64),
                    _ => return Err(Error::not_integer()),
                }
            } else {
                return Err(Error::syntax());
            }
            i += 2;
        }
    }
    // Candidates: (id, addr, laddr, age, user, replica, entry-if-remote).
    type Candidate = (
        u64,
        String,
        String,
        u64,
        Vec<u8>,
        bool,
        Option<Arc<ClientEntry>>,
    );
    let mut cands: Vec<Candidate> = Vec::new();
    let my_user = crate::acl::username(ctx.session).to_vec();
    match &ctx.session.link {
        Some(l) => {
            for e in l.server.snapshot() {
                let age = e.created.elapsed().as_secs();
                let replica = e.info.lock().replica;
                let (remote, user) = if e.id == me {
                    (None, my_user.clone())
                } else {
                    let user = e
                        .info
                        .lock()
                        .user
                        .as_ref()
                        .map_or(crate::acl::DEFAULT.to_vec(), |u| u.name.to_vec());
                    (Some(e.clone()), user)
                };
                cands.push((
                    e.id,
                    e.addr.clone(),
                    e.laddr.clone(),
                    age,
                    user,
                    replica,
                    remote,
                ));
            }
        }
        None => cands.push((me, String::new(), String::new(), 0, my_user, false, None)),
    }
    let mut killed = 0i64;
    for (id, addr, laddr, age, user, replica, entry) in cands {
        let pubsub = ctx.store.pubsub.counts(id).iter().any(|&n| n > 0);
        if f.kind.is_some_and(|k| k != kind_of(replica, pubsub))
            || f.id.is_some_and(|x| x != id)
            || f.addr.as_deref().is_some_and(|a| a != addr.as_bytes())
            || f.laddr.as_deref().is_some_and(|a| a != laddr.as_bytes())
            || f.maxage.is_some_and(|m| age < m)
            || f.user.as_deref().is_some_and(|u| u != user.as_slice())
            || (f.skipme && id == me)
        {
            continue;
        }
        match entry {
            Some(e) => e.kill(),
            None => ctx.session.close_after_reply = true,
        }
        killed += 1;
    }
    if old_form {
        if killed == 0 {
            return Err(Error::err("No such client"));
        }
        return Ok(Value::ok());
    }
    Ok(Value::Int(killed))
}

/// `CLIENT REPLY ON|OFF|SKIP`: ON answers OK and turns replies back on; OFF drops every
/// reply from now on; SKIP drops the next command's reply (both answer nothing).
fn client_reply(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let s = &mut *ctx.session;
    if eq_ic(argv[2], "on") {
        s.reply_off = false;
        s.reply_skip = false;
        s.reply_skip_next = false;
        Ok(Value::ok())
    } else if eq_ic(argv[2], "off") {
        s.reply_off = true;
        Ok(crate::engine::no_reply())
    } else if eq_ic(argv[2], "skip") {
        if !s.reply_off {
            s.reply_skip_next = true;
        }
        Ok(crate::engine::no_reply())
    } else {
        Err(Error::syntax())
    }
}

/// `CLIENT PAUSE timeout [WRITE|ALL]`: postpones every client's commands (ALL, the
/// default) or those that may write (WRITE) for `timeout` milliseconds (see
/// [`crate::blocking`]); a pause in force is only extended.
fn client_pause(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 4 {
        return Err(unknown_subcommand(argv[1]));
    }
    let ms = parse_i64(argv[2])
        .ok_or_else(|| Error::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(Error::new(ErrorKind::OutOfRange, "ERR timeout is negative"));
    }
    let all = match argv.get(3) {
        None => true,
        Some(m) if eq_ic(m, "all") => true,
        Some(m) if eq_ic(m, "write") => false,
        Some(_) => return Err(Error::err("CLIENT PAUSE mode must be WRITE or ALL")),
    };
    let now = Instant::now();
    let end = now
        .checked_add(std::time::Duration::from_millis(ms as u64))
        .unwrap_or_else(|| now + std::time::Duration::from_secs(u64::from(u32::MAX)));
    ctx.store
        .blocking
        .pause(crate::blocking::PausePurpose::ClientCommand, end, all);
    Ok(Value::ok())
}

/// `CLIENT UNPAUSE`: ends CLIENT PAUSE's pause (not a failover's); postponed clients run
/// their commands (postponed again if a failover still holds them).
fn client_unpause(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    ctx.store
        .blocking
        .unpause(crate::blocking::PausePurpose::ClientCommand);
    Ok(Value::ok())
}

/// Redis's reply to a subcommand called with a wrong number of arguments.
fn unknown_subcommand(sub: &[u8]) -> Error {
    Error::new(
        ErrorKind::UnknownCommand,
        crate::engine::sanitize(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(sub)
        )),
    )
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: the reason is checked before the id, as Redis
/// does; 1 if client `id` was blocked (see [`crate::blocking`]), else 0.
fn client_unblock(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 4 {
        return Err(unknown_subcommand(argv[1]));
    }
    let error = match argv.get(3) {
        None => false,
        Some(r) if eq_ic(r, "timeout") => false,
        Some(r) if eq_ic(r, "error") => true,
        Some(_) => {
            return Err(Error::err(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    let id = parse_i64(argv[2]).ok_or_else(Error::not_integer)?;
    let Some(cmd) = u64::try_from(id)
        .ok()
        .and_then(|id| ctx.store.blocking.unblock_client(id, error))
    else {
        return Ok(Value::Int(0));
    };
    if error {
        // The error reply the blocked client gets counts as Redis counts it (errorstats,
        // total_error_replies, and a failed call of its command: `updateStatsOnUnblock`;
        // the call itself was counted when it blocked).
        let e = Error::from_reply("UNBLOCKED client unblocked via CLIENT UNBLOCK");
        crate::engine::observe::count_failed_unblock(ctx.store, &cmd, &e);
    }
    Ok(Value::Int(1))
}

fn client_help(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    // Redis 7.0's text, line for line.
    Ok(help_reply(
        "client",
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    ))
}

const CLIENT_SUBS: &[Sub] = &[
    Sub {
        name: "id",
        arity: 2,
        handler: client_id,
    },
    Sub {
        name: "info",
        arity: 2,
        handler: client_info,
    },
    Sub {
        name: "list",
        arity: -2,
        handler: client_list,
    },
    Sub {
        name: "setname",
        arity: 3,
        handler: client_setname,
    },
    Sub {
        name: "getname",
        arity: 2,
        handler: client_getname,
    },
    Sub {
        name: "kill",
        arity: -3,
        handler: client_kill,
    },
    Sub {
        name: "unblock",
        arity: -3,
        handler: client_unblock,
    },
    Sub {
        name: "reply",
        arity: 3,
        handler: client_reply,
    },
    Sub {
        name: "pause",
        arity: -3,
        handler: client_pause,
    },
    Sub {
        name: "unpause",
        arity: 2,
        handler: client_unpause,
    },
    Sub {
        name: "no-evict",
        arity: 3,
        handler: client_no_evict,
    },
    Sub {
        name: "tracking",
        arity: -3,
        handler: super::tracking::client_tracking,
    },
    Sub {
        name: "caching",
        arity: 3,
        handler: super::tracking::client_caching,
    },
    Sub {
        name: "getredir",
        arity: 2,
        handler: super::tracking::client_getredir,
    },
    Sub {
        name: "trackinginfo",
        arity: 2,
        handler: super::tracking::client_trackinginfo,
    },
    Sub {
        name: "help",
        arity: 2,
        handler: client_help,
    },
];

/// # Format
/// `CLIENT ID | INFO | LIST [TYPE t] [ID id…] | SETNAME n | GETNAME | SETINFO attr v |
/// KILL … | UNBLOCK id [TIMEOUT|ERROR] | PAUSE ms [WRITE|ALL] | UNPAUSE | REPLY on|off|skip |
/// NO-EVICT on|off | TRACKING … | CACHING yes|no | GETREDIR | TRACKINGINFO | HELP`
pub fn client(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    dispatch_sub("client", CLIENT_SUBS, ctx, argv)
}

/// HELLO's `mode` and INFO's `redis_mode`: `cluster` with `cluster-enabled yes`.
pub fn server_mode(config: &crate::config::Config) -> &'static str {
    if config.cluster_enabled {
        "cluster"
    } else {
        "standalone"
    }
}

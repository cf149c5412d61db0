//! MIGRATE (Redis 7.0 `cluster.c` `migrateCommand`): moves keys to another Redis-compatible
//! server as DUMP payloads sent with RESTORE (RESTORE-ASKING in cluster mode), then deletes
//! them here unless COPY — the way out of a single process one key at a time.
//!
//! As in Redis the transfer is synchronous: the command holds the store for the connect,
//! the writes and the replies, each bounded by `timeout` milliseconds (1000 when ≤ 0). A
//! socket error other than a timeout is retried once on a fresh connection. Keys the target
//! acknowledged are deleted (and logged as `DEL`); the first error reply of the target is
//! returned as `ERR Target instance replied with error: …`.
//!
//! # Known differences from Redis
//!
//! As Redis's (`migrateGetSocket`), the connection to each target is kept for the next
//! MIGRATE ([`crate::util::socket_cache`], INFO `migrate_cached_sockets`): at most 64, closed after 10 s
//! unused by the store's timer, or at once after an error; `SELECT` is sent only when the
//! database differs from the last one selected on it.
//!
//! # Known differences from Redis
//!
//! * Only plain TCP targets (`tls-cluster` does not apply).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::commands::dump_payload;
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::util::socket_cache::{Kept, SocketCache};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// The commands of this module.
pub const COMMANDS: &[CommandSpec] =
    &[
        CommandSpec::new("migrate", -6, WRITE | RANDOM, (3, 3, 1), "generic", migrate)
            .with_keys(migrate_keys),
    ];

/// What MIGRATE's options say.
struct Options<'a> {
    copy: bool,
    replace: bool,
    /// AUTH password, or AUTH2 username and password.
    auth: Option<(Option<&'a [u8]>, &'a [u8])>,
    /// Index of the first key and number of keys.
    keys: (usize, usize),
}

fn parse_options<'a>(argv: &[&'a [u8]]) -> Result<Options<'a>> {
    let mut o = Options {
        copy: false,
        replace: false,
        auth: None,
        keys: (3, 1),
    };
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        let a = argv[j];
        if eq_ic(a, "copy") {
            o.copy = true;
        } else if eq_ic(a, "replace") {
            o.replace = true;
        } else if eq_ic(a, "auth") {
            if more < 1 {
                return Err(Error::syntax());
            }
            j += 1;
            o.auth = Some((None, argv[j]));
        } else if eq_ic(a, "auth2") {
            if more < 2 {
                return Err(Error::syntax());
            }
            o.auth = Some((Some(argv[j + 1]), argv[j + 2]));
            j += 2;
        } else if eq_ic(a, "keys") {
            if !argv[3].is_empty() {
                return Err(Error::err(
                    "When using MIGRATE KEYS option, the key argument must be set to the empty string",
                ));
            }
            o.keys = (j + 1, argv.len() - j - 1);
            break;
        } else {
            return Err(Error::syntax());
        }
        j += 1;
    }
    Ok(o)
}

/// Key positions (`movablekeys`): the key argument, or everything after KEYS.
pub fn migrate_keys(argv: &[&[u8]]) -> Vec<usize> {
    match parse_options(argv) {
        Ok(o) if o.keys.0 == 3 => vec![3],
        Ok(o) => (o.keys.0..o.keys.0 + o.keys.1).collect(),
        Err(_) => Vec::new(),
    }
}

/// A failed exchange with the target: which way (Redis's wording) and whether it timed out
/// (no retry then).
struct SocketError {
    writing: bool,
    timed_out: bool,
}

impl SocketError {
    fn of(writing: bool, e: &std::io::Error) -> SocketError {
        SocketError {
            writing,
            timed_out: matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ),
        }
    }
}

fn push_bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'$');
    out.extend_from_slice(itoa::Buffer::new().format(b.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

fn push_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.push(b'*');
    out.extend_from_slice(itoa::Buffer::new().format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        push_bulk(out, a);
    }
}

/// The kept connection to `host`:`port`, or a new one. `new`: it was just made.
fn get_conn(
    cache: &SocketCache,
    host: &str,
    port: u16,
    timeout: Duration,
) -> std::result::Result<(Kept, bool), SocketError> {
    if let Some(c) = cache.take(&format!("{host}:{port}")) {
        return Ok((c, false));
    }
    // A refused or unreachable target surfaces, as in Redis (non-blocking connect, then the
    // write fails), as a write error.
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| SocketError::of(true, &e))?
        .collect();
    let mut last = std::io::Error::from(std::io::ErrorKind::AddrNotAvailable);
    let mut conn = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                conn = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let sock = conn.ok_or_else(|| SocketError::of(true, &last))?;
    let _ = sock.set_nodelay(true);
    Ok((
        Kept {
            conn: BufReader::new(sock),
            db: None,
            last_use: Instant::now(),
        },
        true,
    ))
}

/// One exchange on `c`: sends `request` (AUTH?, SELECT?, the RESTOREs) and reads one reply
/// line for each command sent. Returns the reply lines.
fn exchange(
    c: &mut Kept,
    timeout: Duration,
    request: &[u8],
    replies: usize,
) -> std::result::Result<Vec<Vec<u8>>, SocketError> {
    let reader = &mut c.conn;
    let sock = reader.get_mut();
    sock.set_write_timeout(Some(timeout))
        .and_then(|()| sock.set_read_timeout(Some(timeout)))
        .map_err(|e| SocketError::of(true, &e))?;
    sock.write_all(request)
        .map_err(|e| SocketError::of(true, &e))?;
    let mut lines = Vec::with_capacity(replies);
    for _ in 0..replies {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => {
                return Err(SocketError {
                    writing: false,
                    timed_out: false,
                })
            }
            Ok(_) => {}
            Err(e) => return Err(SocketError::of(false, &e)),
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        lines.push(line);
    }
    Ok(lines)
}

/// # Format
/// `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
/// [AUTH2 username password] [KEYS key [key ...]]`
///
/// Logged as `DEL` of the keys the target acknowledged (nothing with COPY).
pub fn migrate(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let o = parse_options(argv)?;
    let timeout = parse_i64(argv[5]).ok_or_else(Error::not_integer)?;
    let dbid = parse_i64(argv[4]).ok_or_else(Error::not_integer)?;
    let timeout = Duration::from_millis(if timeout <= 0 { 1000 } else { timeout as u64 });
    let keys: Vec<&[u8]> = argv[o.keys.0..o.keys.0 + o.keys.1]
        .iter()
        .copied()
        .filter(|k| ctx.read(k).is_some())
        .collect();
    if keys.is_empty() {
        return Ok(Value::Simple("NOKEY".into()));
    }
    // The request: AUTH, SELECT (unless the connection has the database selected), then
    // one RESTORE per key still alive.
    let mut auth = Vec::new();
    match o.auth {
        Some((Some(user), pass)) => push_command(&mut auth, &[b"AUTH", user, pass]),
        Some((None, pass)) => push_command(&mut auth, &[b"AUTH", pass]),
        None => {}
    }
    let mut request = Vec::new();
    let restore: &[u8] = if ctx.config().cluster_enabled {
        b"RESTORE-ASKING"
    } else {
        b"RESTORE"
    };
    let cfg = ctx.config().clone();
    let now = ctx.now;
    let mut moved: Vec<&[u8]> = Vec::with_capacity(keys.len());
    for key in keys {
        let ttl = match ctx.expire_of(key) {
            Some(at) if at < now => continue,
            Some(at) => (at - now).max(1),
            None => 0,
        };
        let Some(obj) = ctx.read(key) else { continue };
        let payload = dump_payload(obj, &cfg);
        let ttl = ttl.to_string();
        let mut args: Vec<&[u8]> = vec![restore, key, ttl.as_bytes(), &payload];
        if o.replace {
            args.push(b"REPLACE");
        }
        push_command(&mut request, &args);
        moved.push(key);
    }
    let host = String::from_utf8_lossy(argv[1]).into_owned();
    // Redis reads the port with atoi: what does not parse connects nowhere.
    let port = std::str::from_utf8(argv[2])
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(0);
    let cache = ctx.store.migrate_sockets.clone();
    let send = |c: &mut Kept| {
        let select = c.db != Some(dbid);
        let mut all = auth.clone();
        if select {
            push_command(&mut all, &[b"SELECT", dbid.to_string().as_bytes()]);
        }
        all.extend_from_slice(&request);
        let extra = usize::from(o.auth.is_some()) + usize::from(select);
        let lines = exchange(c, timeout, &all, extra + moved.len())?;
        if select {
            c.db = Some(dbid);
        }
        Ok((lines, extra))
    };
    // A socket error other than a timeout is retried once on a fresh connection; a
    // connection that failed is closed (not put back).
    let mut retried = false;
    let (lines, extra) = loop {
        let attempt = get_conn(&cache, &host, port, timeout).and_then(|(mut c, _)| {
            let r = send(&mut c)?;
            c.last_use = Instant::now();
            cache.put(format!("{host}:{port}"), c);
            Ok(r)
        });
        match attempt {
            Ok(r) => break r,
            Err(e) if !e.timed_out && !retried => retried = true,
            Err(e) => {
                return Err(Error::from_reply(if e.writing {
                    "IOERR error or timeout writing to target instance"
                } else {
                    "IOERR error or timeout reading to target instance"
                }))
            }
        }
    };
    let (head, replies) = lines.split_at(extra);
    let head_error = head.iter().find(|l| l.first() == Some(&b'-'));
    let mut error: Option<&[u8]> = None;
    let mut deleted: Vec<Vec<u8>> = Vec::new();
    for (key, reply) in moved.iter().zip(replies) {
        let failed = head_error.or((reply.first() == Some(&b'-')).then_some(reply));
        match failed {
            Some(line) => {
                error.get_or_insert(&line[1..]);
            }
            None if !o.copy => {
                ctx.remove(key);
                ctx.modified_silently(key);
                deleted.push(key.to_vec());
            }
            None => {}
        }
    }
    if deleted.is_empty() {
        ctx.propagate_nothing();
    } else {
        let mut del = Vec::with_capacity(deleted.len() + 1);
        del.push(b"DEL".to_vec());
        del.extend(deleted);
        ctx.propagate(del);
    }
    match error {
        Some(msg) => Err(Error::from_reply(format!(
            "ERR Target instance replied with error: {}",
            String::from_utf8_lossy(msg)
        ))),
        None => Ok(Value::ok()),
    }
}

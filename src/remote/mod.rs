//! The remote backend (feature `remote`): the argument vectors the typed API builds are sent
//! to a real Redis / Valkey server or a Redis Cluster through redis-rs connections, and the
//! replies come back as the same [`Value`]s the embedded engine produces (RESP3, like the
//! embedded handle's session), error replies as the same [`Error`] kinds
//! ([`Error::from_reply`] classifies the server's text exactly as it classifies the
//! engine's).
//!
//! [`crate::client`] holds the switch: a `Redis` handle made from a `remote+…` URL
//! ([`crate::from_url`]) sends every command through a [`Handle`] instead of the engine.
//!
//! # Connections
//!
//! * A [`Remote`] owns a pool of idle connections per server (one per master of a cluster).
//!   A command takes one, runs, and gives it back — a blocking command (BLPOP …) holds its
//!   connection only for the call.
//! * A pinned handle ([`Handle::dedicated`]: `Redis::with_db`, the WATCH … EXEC span of a
//!   pipeline, Pub/Sub) has a connection of its own, opened on first use.
//!
//! # Cluster routing
//!
//! The slot map comes from `CLUSTER SLOTS` of a seed node; each command goes to the master
//! of its keys' slot. The keys are found with emu's own command table (the key positions
//! the embedded cluster mode uses too), so a command or a transaction whose keys hash to
//! several slots fails here with Redis Cluster's `CROSSSLOT Keys in request don't hash to the
//! same slot` before anything is sent — the same error the embedded cluster mode gives, and
//! the one a single cluster node gives. On a pinned handle the WATCHed keys' slot counts
//! too: until EXEC / DISCARD / UNWATCH, a WATCH or a transaction (or any keyed command) on
//! another slot fails with that same `CROSSSLOT`, instead of a `MOVED` from the node that
//! holds the WATCH (the embedded cluster mode refuses such an EXEC alike). `MOVED` refreshes the map and retries; `ASK` is
//! followed with `ASKING`. Keyless commands go to the first master, except those a cluster
//! client fans out: FLUSHALL, FLUSHDB, SCRIPT LOAD / FLUSH, FUNCTION LOAD / DELETE / FLUSH
//! (every master, the first reply), DBSIZE (the sum) and KEYS (the union). SCAN iterators
//! walk every master in turn ([`Handle::masters`], [`Handle::execute_on`]).

pub mod asynchronous;
pub mod push;
pub mod subscriber;

use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::error::{Error, ErrorKind, Result};
use crate::util::argbuf::CommandBuf;
use crate::util::slot::key_hash_slot;
use crate::value::Value;

/// Number of cluster hash slots.
const SLOTS: usize = 16384;

/// How many `MOVED` redirections one command follows before giving up.
const MAX_REDIRECTS: usize = 5;

/// Idle connections kept per server.
const MAX_IDLE: usize = 64;

fn conn_error(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Connection, format!("Connection error: {what}"))
}

/// A redis-rs error as an emu error: a server error reply keeps its text (so its kind is
/// the embedded one); everything else is a connection error.
fn from_redis(e: redis::RedisError) -> Error {
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) if !e.is_io_error() => {
            Error::from_reply(format!("{code} {detail}"))
        }
        (Some(code), None) if !e.is_io_error() => Error::from_reply(code.to_string()),
        _ => conn_error(e),
    }
}

/// A redis-rs reply as an emu [`Value`] (server errors become [`Value::Error`]).
pub fn to_value(v: redis::Value) -> Value {
    use redis::Value as R;
    match v {
        R::Nil => Value::Nil,
        R::Int(n) => Value::Int(n),
        R::BulkString(b) => Value::Bulk(b),
        R::Array(items) => Value::Array(items.into_iter().map(to_value).collect()),
        R::SimpleString(s) => Value::Simple(s),
        R::Okay => Value::ok(),
        R::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (to_value(k), to_value(v)))
                .collect(),
        ),
        R::Attribute { data, attributes } => Value::Attribute(
            attributes
                .into_iter()
                .map(|(k, v)| (to_value(k), to_value(v)))
                .collect(),
            Box::new(to_value(*data)),
        ),
        R::Set(items) => Value::Set(items.into_iter().map(to_value).collect()),
        R::Double(d) => Value::Double(d),
        R::Boolean(b) => Value::Bool(b),
        R::VerbatimString { format, text } => {
            Value::Verbatim(format.to_string(), text.into_bytes())
        }
        R::BigNumber(n) => Value::BigNumber(n.to_string()),
        R::Push { kind, data } => {
            let mut items = vec![Value::bulk(kind.to_string())];
            items.extend(data.into_iter().map(to_value));
            Value::Push(items)
        }
        R::ServerError(e) => Value::Error(match e.details() {
            Some(d) => format!("{} {d}", e.code()),
            None => e.code().to_string(),
        }),
        // redis::Value is non-exhaustive.
        #[allow(unreachable_patterns)]
        other => Value::Error(format!("ERR unsupported reply {other:?}")),
    }
}

/// The first reply of a round trip (`Err` if there is none, which a round trip of at least
/// one command never gives).
fn first(replies: Vec<Value>) -> Result<Value> {
    replies
        .into_iter()
        .next()
        .ok_or_else(|| conn_error("no reply"))
}

/// An error reply as `Err`, anything else as `Ok`.
pub fn reply_result(v: Value) -> Result<Value> {
    match v {
        Value::Error(text) => Err(Error::from_reply(text)),
        v => Ok(v),
    }
}

/// Appends one command in RESP (an array of bulk strings) to `out`.
pub fn pack<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    out.push(b'*');
    push_decimal(out, argv.len());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        push_decimal(out, a.len());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends `n` in decimal (no formatting machinery: this runs for every argument sent).
fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Sends `commands` on `conn` in one write and reads one reply per command (RESP3 push
/// messages in between are skipped). An I/O failure is `Err`; server errors are
/// [`Value::Error`]s in their slots.
fn roundtrip(conn: &mut redis::Connection, commands: &[&[&[u8]]]) -> Result<Vec<Value>> {
    let mut packed = Vec::new();
    for argv in commands {
        pack(&mut packed, argv);
    }
    roundtrip_packed(conn, &packed, commands.len())
}

/// [`roundtrip`] of `count` commands already packed.
fn roundtrip_packed(
    conn: &mut redis::Connection,
    packed: &[u8],
    count: usize,
) -> Result<Vec<Value>> {
    conn.send_packed_command(packed).map_err(from_redis)?;
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        match conn.recv_response() {
            Ok(redis::Value::Push { .. }) => continue,
            Ok(v) => out.push(to_value(v)),
            Err(e) => return Err(conn_error(e)),
        }
    }
    Ok(out)
}

/// One server's connection parameters and its idle connections.
struct Node {
    /// `host:port` (as the cluster names it) or the socket path.
    addr: String,
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
    /// The async side ([`asynchronous`]): the shared multiplexed connection and the idle
    /// dedicated ones (blocking commands).
    aio: asynchronous::NodeAio,
}

/// Connection options beyond the URL (TLS trust).
#[derive(Clone, Debug, Default)]
pub struct RemoteOptions {
    /// PEM file of the CA certificate(s) that signed the server's certificate (TLS; trusted
    /// instead of the built-in webpki roots, as redis-rs does). Also settable as `ca_file=PATH` in the URL's query.
    pub ca_file: Option<std::path::PathBuf>,
}

/// How a [`Node`]'s client is built: the TLS root certificate (PEM), if any.
#[derive(Clone, Debug, Default)]
struct Trust {
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    root_pem: Option<Vec<u8>>,
}

impl Node {
    /// A node at `url` (without `protocol=`; its connections speak RESP3).
    fn new(url: &str, addr: String, trust: &Trust) -> Result<Node> {
        let invalid = |e: redis::RedisError| {
            Error::new(
                ErrorKind::Connection,
                format!("invalid URL {:?}: {e}", hide_password(url)),
            )
        };
        let url = with_resp3(url);
        #[cfg(feature = "tls")]
        let client = match &trust.root_pem {
            Some(pem) => redis::Client::build_with_tls(
                url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            ),
            None => redis::Client::open(url.as_str()),
        }
        .map_err(invalid)?;
        #[cfg(not(feature = "tls"))]
        let client = {
            let _ = trust;
            redis::Client::open(url.as_str()).map_err(invalid)?
        };
        Ok(Node {
            addr,
            client,
            idle: Mutex::new(Vec::new()),
            aio: asynchronous::NodeAio::default(),
        })
    }

    fn open(&self) -> Result<redis::Connection> {
        self.client
            .get_connection()
            .map_err(|e| conn_error(format!("{}: {e}", self.addr)))
    }

    fn take(&self) -> Result<redis::Connection> {
        if let Some(c) = self.idle.lock().pop() {
            return Ok(c);
        }
        self.open()
    }

    fn give_back(&self, c: redis::Connection) {
        let mut idle = self.idle.lock();
        if idle.len() < MAX_IDLE {
            idle.push(c);
        }
    }

    /// Runs `commands` on a pooled connection (dropped instead of returned on I/O errors).
    fn run(&self, commands: &[&[&[u8]]]) -> Result<Vec<Value>> {
        let mut c = self.take()?;
        let out = roundtrip(&mut c, commands)?;
        self.give_back(c);
        Ok(out)
    }

    /// [`Node::run`], preceded by ASKING when `asking` (its reply dropped).
    fn run_asking(&self, commands: &[&[&[u8]]], asking: bool) -> Result<Vec<Value>> {
        if !asking {
            return self.run(commands);
        }
        let mut r = self.run(&with_asking(commands))?;
        if !r.is_empty() {
            r.remove(0);
        }
        Ok(r)
    }

    /// [`Node::run`] of `count` commands already packed.
    fn run_packed(&self, packed: &[u8], count: usize) -> Result<Vec<Value>> {
        let mut c = self.take()?;
        let out = roundtrip_packed(&mut c, packed, count)?;
        self.give_back(c);
        Ok(out)
    }
}

/// The cluster's slot map: the master serving each slot.
struct SlotMap {
    masters: Vec<Arc<Node>>,
    /// Index into `masters` per slot (`usize::MAX`: no owner).
    slots: Vec<usize>,
}

/// Where the commands go.
enum Target {
    Server(Arc<Node>),
    Cluster {
        /// URL template parts: `redis://[user:pass@]` (or `rediss://`) before the address,
        /// and the query (`?insecure`, or empty) after it.
        prefix: String,
        suffix: String,
        seeds: Vec<String>,
        map: RwLock<SlotMap>,
    },
}

/// A connected remote backend: a server or a cluster (shared by a handle's clones).
pub struct Remote {
    target: Target,
    trust: Trust,
    /// The URL it was made from, password hidden (for `Debug` and errors).
    display: String,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("url", &self.display)
            .finish()
    }
}

/// The URL schemes of the remote backend (after `remote+`): see [`Remote::connect`].
pub fn is_remote_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("remote+") || lower.starts_with("redis+cluster://")
}

fn hide_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

impl Remote {
    /// Connects to what `url` names:
    ///
    /// | URL | backend |
    /// |---|---|
    /// | `remote+redis://[[user]:password@]host[:port][/db]` | a Redis / Valkey server |
    /// | `remote+unix:///path/to.sock[?db=N]` | a server on a Unix socket |
    /// | `remote+cluster://[[user]:password@]host:port[,host:port…]` (or `redis+cluster://…`) | a Redis Cluster, seeded by any of its nodes |
    /// | `remote+rediss://[[user]:password@]host[:port][/db][?insecure]` | a server over TLS (feature `tls`) |
    /// | `remote+rediss+cluster://host:port[,host:port…][?insecure]` | a Redis Cluster over TLS (feature `tls`) |
    ///
    /// With TLS the server's certificate is checked against the webpki roots, or against
    /// the certificates of `ca_file=PATH` from the query or [`RemoteOptions::ca_file`]
    /// when one is given (redis-rs's rule; the sync Pub/Sub connection follows it too);
    /// `?insecure` skips the check (as redis-rs's `#insecure`). Without the `tls` feature a
    /// `rediss` URL is a connection error saying so.
    ///
    /// One connection is opened (and `PING`ed) now, so a wrong address fails here.
    pub fn connect(url: &str) -> Result<Arc<Remote>> {
        Remote::connect_with(url, &RemoteOptions::default())
    }

    /// [`Remote::connect`] with [`RemoteOptions`].
    pub fn connect_with(url: &str, options: &RemoteOptions) -> Result<Arc<Remote>> {
        let display = hide_password(url);
        let (url, ca_file) = take_query_param(url, "ca_file");
        // `?insecure` (emu) or `#insecure` (redis-rs): no certificate check.
        let (url, insecure_query) = take_query_param(&url, "insecure");
        let (url, insecure) = match url.strip_suffix("#insecure") {
            Some(u) => (u.to_string(), true),
            None => (url, insecure_query.is_some()),
        };
        let fragment = if insecure { "#insecure" } else { "" };
        let url = url.as_str();
        let ca_file = options.ca_file.clone().or(ca_file.map(Into::into));
        let trust = match &ca_file {
            Some(path) => Trust {
                root_pem: Some(std::fs::read(path).map_err(|e| {
                    Error::new(
                        ErrorKind::Connection,
                        format!("{display}: cannot read the CA file {}: {e}", path.display()),
                    )
                })?),
            },
            None => Trust::default(),
        };
        let lower = url.to_ascii_lowercase();
        let rest = if let Some(r) = lower.strip_prefix("remote+") {
            &url[url.len() - r.len()..]
        } else if lower.starts_with("redis+cluster://") {
            &url["redis+".len()..]
        } else {
            return Err(Error::err(format!("not a remote URL: {display}")));
        };
        let (scheme, after) = rest
            .split_once("://")
            .ok_or_else(|| Error::err(format!("invalid remote URL: {display}")))?;
        // `seed` (emu://memory?seed=N) configures an embedded store's RNG: a server's
        // cannot be seeded, so say so instead of ignoring it.
        if let Some((_, query)) = after.split_once('?') {
            if query
                .split('&')
                .any(|kv| kv.split('=').next() == Some("seed"))
            {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "{display}: `seed` applies to embedded stores only (a server's RNG \
                         cannot be seeded)"
                    ),
                ));
            }
        }
        let scheme = scheme.to_ascii_lowercase();
        let tls = matches!(scheme.as_str(), "rediss" | "rediss+cluster" | "cluster+tls");
        if tls {
            tls_ready(&display)?;
        }
        let target = match scheme.as_str() {
            "redis" | "rediss" => {
                let url = format!("{scheme}://{after}{fragment}");
                let node = Node::new(&url, after.to_string(), &trust)?;
                Target::Server(Arc::new(node))
            }
            "unix" => {
                let url = format!("redis+unix://{after}");
                let node = Node::new(&url, after.to_string(), &trust)?;
                Target::Server(Arc::new(node))
            }
            "cluster" | "rediss+cluster" | "cluster+tls" => {
                let (after, suffix) = match after.split_once('?') {
                    Some((a, q)) => (a, format!("?{q}{fragment}")),
                    None => (after, fragment.to_string()),
                };
                let (auth, hosts) = match after.rfind('@') {
                    Some(at) => (&after[..=at], &after[at + 1..]),
                    None => ("", after),
                };
                let hosts = hosts.trim_end_matches('/');
                let seeds: Vec<String> = hosts
                    .split(',')
                    .filter(|h| !h.is_empty())
                    .map(str::to_string)
                    .collect();
                if seeds.is_empty() {
                    return Err(Error::err(format!("no cluster node in {display}")));
                }
                Target::Cluster {
                    prefix: format!("{}://{auth}", if tls { "rediss" } else { "redis" }),
                    suffix,
                    seeds,
                    map: RwLock::new(SlotMap {
                        masters: Vec::new(),
                        slots: vec![usize::MAX; SLOTS],
                    }),
                }
            }
            other => {
                return Err(Error::err(format!(
                    "unknown remote URL scheme remote+{other}:// (expected remote+redis, \
                     remote+rediss, remote+unix, remote+cluster or remote+rediss+cluster)"
                )))
            }
        };
        let remote = Arc::new(Remote {
            target,
            trust,
            display,
        });
        match &remote.target {
            Target::Server(node) => {
                reply_result(first(node.run(&[&[b"PING"]])?)?)?;
            }
            Target::Cluster { .. } => remote.refresh_slots()?,
        }
        Ok(remote)
    }

    /// True for a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.target, Target::Cluster { .. })
    }

    /// The URL it was made from, password hidden.
    pub fn url(&self) -> &str {
        &self.display
    }

    /// Reloads the slot map from the first seed or known master that answers.
    fn refresh_slots(&self) -> Result<()> {
        let mut last = conn_error("no cluster node answered");
        for node in self.slot_sources() {
            let reply = match node {
                Ok(node) => match node.run(&[&[b"CLUSTER", b"SLOTS"]]) {
                    Ok(r) => first(r)
                        .and_then(reply_result)
                        .map(|v| (v, node.addr.clone())),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            match reply.and_then(|(v, from)| self.install_slots(v, &from)) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The nodes to ask for the slot map, in order: the known masters, then the seeds
    /// (none for a single server).
    fn slot_sources(&self) -> Vec<Result<Arc<Node>>> {
        let Target::Cluster {
            prefix,
            suffix,
            seeds,
            map,
        } = &self.target
        else {
            return Vec::new();
        };
        let mut out: Vec<Result<Arc<Node>>> = map.read().masters.iter().cloned().map(Ok).collect();
        for addr in seeds {
            out.push(
                Node::new(
                    &format!("{prefix}{addr}{suffix}"),
                    addr.clone(),
                    &self.trust,
                )
                .map(Arc::new),
            );
        }
        out
    }

    /// Replaces the slot map with a CLUSTER SLOTS reply's; `from` is the address of the
    /// node that answered.
    fn install_slots(&self, v: Value, from: &str) -> Result<()> {
        let Target::Cluster { map, .. } = &self.target else {
            return Ok(());
        };
        let new = self.parse_slots(v, &map.read(), from)?;
        *map.write() = new;
        Ok(())
    }

    /// A [`SlotMap`] from a CLUSTER SLOTS reply, reusing the pools of known masters.
    /// An empty host means the host of the node that answered (`answered_by`), as Redis 7.0's
    /// CLUSTER SLOTS documentation says: a node that never learnt its own address (a lone
    /// node given all slots, `emu serve --cluster-enabled yes`) answers `""`.
    fn parse_slots(&self, v: Value, old: &SlotMap, answered_by: &str) -> Result<SlotMap> {
        let bad = || Error::conversion("unexpected CLUSTER SLOTS reply");
        let Value::Array(ranges) = v else {
            return Err(bad());
        };
        let mut map = SlotMap {
            masters: Vec::new(),
            slots: vec![usize::MAX; SLOTS],
        };
        for range in ranges {
            let Value::Array(fields) = range else {
                return Err(bad());
            };
            let (Some(Value::Int(from)), Some(Value::Int(to)), Some(Value::Array(master))) =
                (fields.first(), fields.get(1), fields.get(2))
            else {
                return Err(bad());
            };
            let host = match master.first() {
                Some(Value::Bulk(h)) => String::from_utf8_lossy(h).into_owned(),
                _ => return Err(bad()),
            };
            let Some(Value::Int(port)) = master.get(1) else {
                return Err(bad());
            };
            let host = if host.is_empty() {
                // `answered_by` is `host:port` (IPv6 hosts already in brackets).
                answered_by
                    .rsplit_once(':')
                    .map_or(answered_by, |(h, _)| h)
                    .to_string()
            } else if host.contains(':') {
                format!("[{host}]")
            } else {
                host
            };
            let addr = format!("{host}:{port}");
            let idx = match map.masters.iter().position(|n| n.addr == addr) {
                Some(i) => i,
                None => {
                    let node = match old.masters.iter().find(|n| n.addr == addr) {
                        Some(n) => n.clone(),
                        None => Arc::new(self.new_node(&addr)?),
                    };
                    map.masters.push(node);
                    map.masters.len() - 1
                }
            };
            for s in (*from).max(0) as usize..=((*to).max(0) as usize).min(SLOTS - 1) {
                map.slots[s] = idx;
            }
        }
        if map.masters.is_empty() {
            return Err(Error::new(
                ErrorKind::Other,
                "CLUSTERDOWN Hash slot not served",
            ));
        }
        Ok(map)
    }

    /// The node serving `slot` (None: keyless, the first master); the server itself for a
    /// single server.
    fn node_for(&self, slot: Option<u16>) -> Result<Arc<Node>> {
        match &self.target {
            Target::Server(n) => Ok(n.clone()),
            Target::Cluster { map, .. } => {
                let m = map.read();
                let idx = match slot {
                    Some(s) => m.slots[s as usize],
                    None => 0,
                };
                m.masters
                    .get(idx)
                    .cloned()
                    .ok_or_else(|| Error::new(ErrorKind::Other, "CLUSTERDOWN Hash slot not served"))
            }
        }
    }

    fn masters(&self) -> Vec<Arc<Node>> {
        match &self.target {
            Target::Server(n) => vec![n.clone()],
            Target::Cluster { map, .. } => map.read().masters.clone(),
        }
    }

    /// A node by its `host:port` (a MOVED / ASK target), creating its pool if new.
    fn node_at(&self, addr: &str) -> Result<Arc<Node>> {
        match &self.target {
            Target::Server(n) => Ok(n.clone()),
            Target::Cluster { map, .. } => {
                if let Some(n) = map.read().masters.iter().find(|n| n.addr == addr) {
                    return Ok(n.clone());
                }
                Ok(Arc::new(self.new_node(addr)?))
            }
        }
    }

    /// A cluster node at `addr` (`host:port`) with the cluster URL's credentials and TLS.
    fn new_node(&self, addr: &str) -> Result<Node> {
        let (prefix, suffix) = match &self.target {
            Target::Cluster { prefix, suffix, .. } => (prefix.as_str(), suffix.as_str()),
            Target::Server(_) => ("redis://", ""),
        };
        Node::new(
            &format!("{prefix}{addr}{suffix}"),
            addr.to_string(),
            &self.trust,
        )
    }
}

/// Removes `name=value` from `url`'s query: the URL without it, and the value.
fn take_query_param(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut value = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            if k == name {
                value = Some(v.to_string());
            }
            k != name
        })
        .collect();
    match rest.is_empty() {
        true => (base.to_string(), value),
        false => (format!("{base}?{}", rest.join("&")), value),
    }
}

/// TLS is usable: the `tls` feature is built in, and rustls has its crypto provider.
#[cfg(feature = "tls")]
fn tls_ready(_display: &str) -> Result<()> {
    // rustls needs one process-wide provider; emu builds only ring's. Installing fails
    // harmlessly when the program (or an earlier call) installed one already.
    // (`ring::default_provider` is deprecated only for lacking post-quantum key exchange.)
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(())
}

#[cfg(not(feature = "tls"))]
fn tls_ready(display: &str) -> Result<()> {
    Err(Error::new(
        ErrorKind::Connection,
        format!("{display}: TLS (rediss) needs emu's `tls` cargo feature"),
    ))
}

/// `url` asking for RESP3 (`protocol=resp3` in the query, before a `#insecure` fragment).
fn with_resp3(url: &str) -> String {
    let (url, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}protocol=resp3{fragment}")
}

/// The slot of a command's keys: None without keys (or for a command emu does not know),
/// `CROSSSLOT` when they hash to several slots.
pub fn command_slot(argv: &[&[u8]]) -> Result<Option<u16>> {
    let Some(name) = argv.first() else {
        return Ok(None);
    };
    let Some(spec) = crate::commands::table().get(name) else {
        return Ok(None);
    };
    let mut slot = None;
    for pos in spec.key_positions(argv) {
        let Some(key) = argv.get(pos) else { continue };
        let s = key_hash_slot(key);
        match slot {
            None => slot = Some(s),
            Some(prev) if prev != s => return Err(crate::engine::cross_slot_error()),
            Some(_) => {}
        }
    }
    Ok(slot)
}

/// The common slot of several commands' keys (a transaction's), or `CROSSSLOT`.
fn commands_slot<'a>(commands: impl IntoIterator<Item = &'a [&'a [u8]]>) -> Result<Option<u16>> {
    let mut slot = None;
    for argv in commands {
        if let Some(s) = command_slot(argv)? {
            match slot {
                None => slot = Some(s),
                Some(prev) if prev != s => return Err(crate::engine::cross_slot_error()),
                Some(_) => {}
            }
        }
    }
    Ok(slot)
}

/// How a keyless command is spread over a cluster's masters.
enum FanOut {
    /// Every master; the first reply (an error if any failed).
    All,
    /// Every master; the integer replies added (DBSIZE).
    Sum,
    /// Every master; the array replies concatenated (KEYS).
    Concat,
}

fn fan_out(argv: &[&[u8]]) -> Option<FanOut> {
    let name = argv.first()?.to_ascii_lowercase();
    let sub = argv
        .get(1)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    match (name.as_slice(), sub.as_slice()) {
        (b"flushall" | b"flushdb", _) => Some(FanOut::All),
        (b"script", b"load" | b"flush") => Some(FanOut::All),
        (b"function", b"load" | b"delete" | b"flush" | b"restore") => Some(FanOut::All),
        (b"dbsize", _) => Some(FanOut::Sum),
        (b"keys", _) => Some(FanOut::Concat),
        _ => None,
    }
}

/// `commands` preceded by ASKING.
fn with_asking<'a>(commands: &[&'a [&'a [u8]]]) -> Vec<&'a [&'a [u8]]> {
    let mut with: Vec<&[&[u8]]> = Vec::with_capacity(commands.len() + 1);
    with.push(&[b"ASKING"]);
    with.extend_from_slice(commands);
    with
}

/// The redirection to follow after `replies` to `count` commands: only a single command
/// is redirected (a batch's moved commands are re-run one by one).
fn next_hop(count: usize, replies: &[Value]) -> Option<(bool, String)> {
    match count {
        1 => replies.first().and_then(redirect),
        _ => None,
    }
}

/// What to do with one command on a pooled handle.
enum Plan {
    /// Spread over every master of a cluster.
    FanOut(FanOut),
    /// To the node of this slot (None: keyless, or a single server).
    Slot(Option<u16>),
}

/// A fanned-out command's replies combined as its [`FanOut`] says.
fn combine(how: FanOut, replies: Vec<Value>) -> Value {
    match how {
        FanOut::All => replies.into_iter().next().unwrap_or(Value::ok()),
        FanOut::Sum => Value::Int(
            replies
                .iter()
                .map(|v| match v {
                    Value::Int(n) => *n,
                    _ => 0,
                })
                .sum(),
        ),
        FanOut::Concat => Value::Array(
            replies
                .into_iter()
                .flat_map(|v| match v {
                    Value::Array(a) | Value::Set(a) => a,
                    _ => Vec::new(),
                })
                .collect(),
        ),
    }
}

/// EXEC's outcome from the replies to MULTI, the queued commands and EXEC: EXEC's array,
/// `NilArray` when a WATCHed key changed, or `Err` with the first queueing error.
fn tx_outcome(mut replies: Vec<Value>) -> Result<Value> {
    let exec = replies.pop().unwrap_or(Value::Nil);
    let queue_error = replies.into_iter().find_map(|r| match r {
        Value::Error(t) => Some(t),
        _ => None,
    });
    match (exec, queue_error) {
        (Value::Error(exec), Some(first)) if exec.starts_with("EXECABORT") => {
            Err(Error::from_reply(first))
        }
        (Value::Error(exec), _) => Err(Error::from_reply(exec)),
        (Value::Nil, _) => Ok(Value::NilArray),
        (v, _) => Ok(v),
    }
}

/// True for a command that may block (BLPOP, XREAD BLOCK, WAIT …): the async side runs it
/// on a connection of its own so it does not hold up the shared one.
fn may_block(argv: &[&[u8]]) -> bool {
    argv.first()
        .and_then(|n| crate::commands::table().get(n))
        .is_some_and(|spec| spec.flags & crate::engine::spec::flags::BLOCKING != 0)
}

/// A redirection in an error reply: (`ASK`?, target address).
fn redirect(reply: &Value) -> Option<(bool, String)> {
    let Value::Error(text) = reply else {
        return None;
    };
    let mut words = text.split(' ');
    let ask = match words.next()? {
        "MOVED" => false,
        "ASK" => true,
        _ => return None,
    };
    let _slot = words.next()?;
    Some((ask, words.next()?.to_string()))
}

/// One command's argument vector, borrowed.
type Argv<'a> = &'a [&'a [u8]];

/// A cluster pipeline's plan ([`Handle::batch_plan`]).
struct BatchPlan {
    /// The replies, filled in as they come.
    out: Vec<Option<Value>>,
    /// Commands run on their own (fanned out).
    alone: Vec<usize>,
    /// Commands per node.
    groups: Vec<(Arc<Node>, Vec<usize>)>,
}

impl BatchPlan {
    fn finish(self) -> Vec<Value> {
        self.out
            .into_iter()
            .map(|v| v.unwrap_or(Value::Nil))
            .collect()
    }
}

/// A command's result as a pipeline reply: errors in their slot.
fn as_reply(r: Result<Value>) -> Value {
    r.unwrap_or_else(|e| Value::Error(e.message().to_string()))
}

/// What a [`crate::Redis`] handle of the remote backend holds: the shared [`Remote`] and,
/// for a pinned handle, its own connection.
#[derive(Clone, Debug)]
pub struct Handle {
    remote: Arc<Remote>,
    pinned: Option<Arc<Mutex<Pinned>>>,
}

/// A dedicated connection, opened on first use (for a cluster: to the node of the first
/// command's keys).
struct Pinned {
    db: usize,
    conn: Option<(Arc<Node>, PinnedConn)>,
    /// Between WATCH and EXEC / DISCARD / UNWATCH: the connection stays where it is.
    watching: bool,
    /// On a cluster, the slot of the WATCHed keys: until EXEC / DISCARD / UNWATCH every
    /// command with keys (another WATCH, the transaction) must use that slot, or it fails
    /// with `CROSSSLOT` before anything is sent — not with a MOVED from the WATCHing node.
    watched_slot: Option<u16>,
}

impl std::fmt::Debug for Pinned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pinned")
            .field("db", &self.db)
            .field("node", &self.conn.as_ref().map(|(n, _)| n.addr.clone()))
            .finish()
    }
}

/// A pinned handle's connection: the sync or the async one, whichever side used it first
/// (an async one with the tokio runtime that drives it).
enum PinnedConn {
    Sync(redis::Connection),
    Async(redis::aio::MultiplexedConnection, tokio::runtime::Id),
}

/// The side a pinned handle's call comes from: sync, or async on a tokio runtime.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Sync,
    Async(tokio::runtime::Id),
}

impl PinnedConn {
    fn side(&self) -> Side {
        match self {
            PinnedConn::Sync(_) => Side::Sync,
            PinnedConn::Async(_, rt) => Side::Async(*rt),
        }
    }
}

impl Pinned {
    /// Checks `slot` against the WATCHed keys' and drops the connection when it must be
    /// reopened: on the other side (`side`: sync, or async on another tokio runtime — a
    /// connection is driven by the runtime that opened it, which may not be running any
    /// more), or — idle, on a cluster — on another node than `slot`'s. While WATCHing,
    /// switching side is an error (the WATCH lives on the connection).
    fn prepare(&mut self, remote: &Remote, slot: Option<u16>, side: Side) -> Result<()> {
        if let (Some(s), Some(w), true) = (slot, self.watched_slot, self.watching) {
            if s != w {
                return Err(crate::engine::cross_slot_error());
            }
        }
        let Some((node, conn)) = &self.conn else {
            return Ok(());
        };
        let other_side = conn.side() != side;
        if other_side && self.watching {
            return Err(Error::new(
                ErrorKind::Other,
                "this handle's connection holds a WATCH from its sync side, its async side \
                 or another tokio runtime: finish the transaction there",
            ));
        }
        let moved = match (slot, self.watching) {
            (Some(s), false) => !Arc::ptr_eq(node, &remote.node_for(Some(s))?),
            _ => false,
        };
        if other_side || moved {
            self.conn = None;
        }
        Ok(())
    }

    /// The SELECT a new pinned connection sends first (none for database 0).
    fn select(&self) -> Option<String> {
        (self.db != 0).then(|| self.db.to_string())
    }

    /// Bookkeeping after `commands` ran: WATCH starts watching, EXEC / DISCARD / UNWATCH
    /// end it; an I/O error drops the connection (its WATCHes are gone, as with a
    /// reconnecting client; the next command reopens it).
    fn note(&mut self, slot: Option<u16>, commands: &[&[&[u8]]], result: &Result<Vec<Value>>) {
        let Ok(replies) = result else {
            self.conn = None;
            self.watching = false;
            self.watched_slot = None;
            return;
        };
        for (argv, reply) in commands.iter().zip(replies) {
            match argv.first().map(|n| n.to_ascii_lowercase()).as_deref() {
                Some(b"watch") if !matches!(reply, Value::Error(_)) => {
                    self.watching = true;
                    self.watched_slot = self.watched_slot.or(slot);
                }
                Some(b"exec" | b"discard" | b"unwatch") => {
                    self.watching = false;
                    self.watched_slot = None;
                }
                _ => {}
            }
        }
    }
}

impl Handle {
    /// A pooled handle on `remote`.
    pub fn new(remote: Arc<Remote>) -> Handle {
        Handle {
            remote,
            pinned: None,
        }
    }

    /// A handle with a connection of its own selecting `db` (sent as SELECT when not 0, so
    /// a cluster answers with its own error).
    pub fn dedicated(&self, db: usize) -> Handle {
        Handle {
            remote: self.remote.clone(),
            pinned: Some(Arc::new(Mutex::new(Pinned {
                db,
                conn: None,
                watching: false,
                watched_slot: None,
            }))),
        }
    }

    /// The backend.
    pub fn remote(&self) -> &Arc<Remote> {
        &self.remote
    }

    /// True if this handle has a connection of its own.
    pub fn is_pinned(&self) -> bool {
        self.pinned.is_some()
    }

    /// The database a pinned handle selects (0 for pooled ones: the URL's database).
    pub fn db(&self) -> Option<usize> {
        self.pinned.as_ref().map(|p| p.lock().db)
    }

    /// Where one command goes.
    fn plan(&self, argv: &[&[u8]]) -> Result<Plan> {
        if !self.remote.is_cluster() {
            return Ok(Plan::Slot(None));
        }
        if self.pinned.is_none() {
            if let Some(how) = fan_out(argv) {
                return Ok(Plan::FanOut(how));
            }
        }
        Ok(Plan::Slot(command_slot(argv)?))
    }

    /// Runs one command and returns its reply (error replies as `Err`).
    pub fn execute(&self, argv: &[&[u8]]) -> Result<Value> {
        match self.plan(argv)? {
            Plan::FanOut(how) => self.fan_out(argv, how),
            Plan::Slot(slot) => {
                let replies = self.run_routed(slot, &[argv])?;
                reply_result(first(replies)?)
            }
        }
    }

    /// Runs one command on the `i`-th master (SCAN over a cluster).
    pub fn execute_on(&self, i: usize, argv: &[&[u8]]) -> Result<Value> {
        let masters = self.remote.masters();
        let node = masters
            .get(i)
            .ok_or_else(|| Error::err("no such cluster node"))?;
        reply_result(first(node.run(&[argv])?)?)
    }

    /// How many masters a SCAN must walk (1 for a server; a pinned handle scans its own
    /// connection).
    pub fn masters(&self) -> usize {
        if self.pinned.is_some() {
            1
        } else {
            self.remote.masters().len()
        }
    }

    fn fan_out(&self, argv: &[&[u8]], how: FanOut) -> Result<Value> {
        let mut replies = Vec::new();
        for node in self.remote.masters() {
            replies.push(reply_result(first(node.run(&[argv])?)?)?);
        }
        Ok(combine(how, replies))
    }

    /// Runs `commands` on one connection: the pinned one, or a pooled one of the node of
    /// `slot`; follows MOVED / ASK for a single command.
    fn run_routed(&self, slot: Option<u16>, commands: &[&[&[u8]]]) -> Result<Vec<Value>> {
        if let Some(p) = &self.pinned {
            return self.run_pinned(p, slot, commands);
        }
        let mut node = self.remote.node_for(slot)?;
        let mut asking = false;
        for _ in 0..MAX_REDIRECTS {
            let replies = node.run_asking(commands, asking)?;
            let Some((ask, addr)) = next_hop(commands.len(), &replies) else {
                return Ok(replies);
            };
            if !ask {
                self.remote.refresh_slots()?;
            }
            asking = ask;
            node = self.remote.node_at(&addr)?;
        }
        Err(self.too_many_redirects())
    }

    fn too_many_redirects(&self) -> Error {
        Error::new(
            ErrorKind::Other,
            format!("too many cluster redirections ({})", self.remote.url()),
        )
    }

    fn run_pinned(
        &self,
        p: &Mutex<Pinned>,
        slot: Option<u16>,
        commands: &[&[&[u8]]],
    ) -> Result<Vec<Value>> {
        let mut p = p.lock();
        p.prepare(&self.remote, slot, Side::Sync)?;
        if p.conn.is_none() {
            let node = self.remote.node_for(slot)?;
            let mut conn = node.open()?;
            if let Some(db) = p.select() {
                let r = roundtrip(&mut conn, &[&[b"SELECT", db.as_bytes()]])?;
                reply_result(r.into_iter().next().unwrap_or(Value::Nil))?;
            }
            p.conn = Some((node, PinnedConn::Sync(conn)));
        }
        let result = match p.conn.as_mut() {
            Some((_, PinnedConn::Sync(conn))) => roundtrip(conn, commands),
            _ => Err(conn_error("no connection")),
        };
        p.note(slot, commands, &result);
        result
    }

    /// [`Handle::batch`] of owned argument vectors (a [`crate::client`] pipeline's queue):
    /// on a single server through a pooled connection, packed straight from them.
    pub(crate) fn batch_owned(&self, commands: &CommandBuf) -> Result<Vec<Value>> {
        let views = commands.views();
        let argvs = commands.split(&views);
        if let (Target::Server(node), None) = (&self.remote.target, &self.pinned) {
            let mut packed = Vec::with_capacity(commands.byte_len() + commands.len() * 32);
            for argv in &argvs {
                pack(&mut packed, argv);
            }
            return node.run_packed(&packed, commands.len());
        }
        self.batch(&argvs)
    }

    /// Runs a plain pipeline: each reply (or error reply) in its slot. On a cluster the
    /// commands are grouped by node (order kept per node); a command whose keys cross slots
    /// gets `CROSSSLOT` in its slot.
    pub fn batch(&self, commands: &[&[&[u8]]]) -> Result<Vec<Value>> {
        if !self.remote.is_cluster() || self.pinned.is_some() {
            let slot = match self.remote.is_cluster() {
                true => commands_slot(commands.iter().copied()).ok().flatten(),
                false => None,
            };
            return self.run_routed(slot, commands);
        }
        let mut plan = self.batch_plan(commands)?;
        for i in std::mem::take(&mut plan.alone) {
            plan.out[i] = Some(as_reply(self.execute(commands[i])));
        }
        for (node, idx) in std::mem::take(&mut plan.groups) {
            let cmds: Vec<&[&[u8]]> = idx.iter().map(|&i| commands[i]).collect();
            let replies = node.run(&cmds)?;
            for (&i, reply) in idx.iter().zip(replies) {
                // A slot that moved meanwhile: that command again, routed afresh.
                let reply = match redirect(&reply) {
                    Some(_) => as_reply(self.execute(commands[i])),
                    None => reply,
                };
                plan.out[i] = Some(reply);
            }
        }
        Ok(plan.finish())
    }

    /// How a plain pipeline runs on a cluster: the commands grouped by node (order kept
    /// per node), those fanned out to run alone, CROSSSLOT errors in their slots.
    fn batch_plan(&self, commands: &[&[&[u8]]]) -> Result<BatchPlan> {
        let mut plan = BatchPlan {
            out: vec![None; commands.len()],
            alone: Vec::new(),
            groups: Vec::new(),
        };
        for (i, argv) in commands.iter().enumerate() {
            if fan_out(argv).is_some() {
                plan.alone.push(i);
                continue;
            }
            match command_slot(argv) {
                Err(e) => plan.out[i] = Some(Value::Error(e.message().to_string())),
                Ok(slot) => {
                    let node = self.remote.node_for(slot)?;
                    match plan.groups.iter_mut().find(|(n, _)| Arc::ptr_eq(n, &node)) {
                        Some((_, idx)) => idx.push(i),
                        None => plan.groups.push((node, vec![i])),
                    }
                }
            }
        }
        Ok(plan)
    }

    /// Runs `commands` as MULTI … EXEC on one connection (the pinned one when watching).
    /// Returns EXEC's reply (an array, or Nil when a WATCHed key changed); a command
    /// rejected while queueing makes it `Err` with that command's error, as the embedded
    /// transaction does. On a cluster every key — the WATCHed ones included — must hash to
    /// one slot (`CROSSSLOT`, nothing sent).
    pub fn transaction(&self, commands: &[&[&[u8]]]) -> Result<Value> {
        let (slot, all) = self.tx_prepare(commands)?;
        tx_outcome(self.run_routed(slot, &all)?)
    }

    /// A transaction's slot (CROSSSLOT checked, the WATCHed keys' included) and its
    /// commands wrapped in MULTI … EXEC.
    fn tx_prepare<'a>(&self, commands: &[&'a [&'a [u8]]]) -> Result<(Option<u16>, Vec<Argv<'a>>)> {
        let mut slot = match self.remote.is_cluster() {
            true => commands_slot(commands.iter().copied())?,
            false => None,
        };
        if let Some(p) = &self.pinned {
            let p = p.lock();
            match (slot, p.watched_slot) {
                (Some(s), Some(w)) if s != w => return Err(crate::engine::cross_slot_error()),
                // Keyless commands run where the WATCHed keys are.
                (None, Some(w)) => slot = Some(w),
                _ => {}
            }
        }
        let mut all: Vec<&[&[u8]]> = Vec::with_capacity(commands.len() + 2);
        all.push(&[b"MULTI"]);
        all.extend_from_slice(commands);
        all.push(&[b"EXEC"]);
        Ok((slot, all))
    }

    /// A connection of its own for Pub/Sub (RESP2, so messages are plain arrays): the
    /// server, or the cluster's first master (PUBLISH reaches every node of a cluster).
    pub fn subscriber(&self) -> Result<subscriber::Subscriber> {
        let node = self.remote.node_for(None)?;
        subscriber::Subscriber::connect(
            node.client.get_connection_info(),
            self.remote.trust.root_pem.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_writes_resp_arrays_of_bulks() {
        let mut out = Vec::new();
        let long = vec![b'x'; 1234];
        pack(&mut out, &[&b"SET"[..], b"k", &long, b""]);
        let mut want = b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1234\r\n".to_vec();
        want.extend_from_slice(&long);
        want.extend_from_slice(b"\r\n$0\r\n\r\n");
        assert_eq!(out, want);
        for n in [0usize, 7, 10, 99, 100, 65535, usize::MAX] {
            let mut d = Vec::new();
            push_decimal(&mut d, n);
            assert_eq!(d, n.to_string().into_bytes());
        }
    }

    #[test]
    fn slots_and_crossslot() {
        assert_eq!(command_slot(&[b"PING"]).unwrap(), None);
        let a = command_slot(&[b"GET", b"{u}a"]).unwrap();
        assert_eq!(
            a,
            command_slot(&[b"MSET", b"{u}a", b"1", b"{u}b", b"2"]).unwrap()
        );
        let e = command_slot(&[b"MSET", b"a", b"1", b"b", b"2"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CrossSlot);
        let t: [&[&[u8]]; 2] = [&[b"SET", b"a", b"1"], &[b"SET", b"b", b"1"]];
        assert!(commands_slot(t.iter().copied()).is_err());
        assert!(is_remote_url("remote+redis://h:1") && is_remote_url("REDIS+CLUSTER://h:1"));
        assert!(!is_remote_url("redis://h:1"));
        assert_eq!(
            hide_password("remote+redis://u:pw@h:1/0"),
            "remote+redis://u:***@h:1/0"
        );
        assert_eq!(
            redirect(&Value::Error("MOVED 12 127.0.0.1:7001".into())),
            Some((false, "127.0.0.1:7001".into()))
        );
    }
}

//! `from_url`: redis-py's URL forms, plus `emu://` for an address, a data directory or memory.
//!
//! **Nothing here opens a socket.** A URL names a store *inside this process*: the same
//! address gives the same store, as clients of one server share its data. `emu://host:port`
//! says so explicitly; `redis://host:port` means the same, for code written for redis-py, with
//! one guard: when no in-process store has that address yet and a server is actually
//! listening there (a loopback or IP-literal host, probed with a short TCP connect; for
//! `unix://`, the socket), `from_url` fails instead of silently creating a separate store
//! that the server never sees. (`redis://` is kept for redis-py compatibility; the network
//! backend, feature `remote`, has its own explicit schemes: `remote+redis://`, `remote+unix://`,
//! `remote+cluster://` — see `Redis::remote`.)
//!
//! | URL | store |
//! |---|---|
//! | `emu://[[user]:password@]host:port[/db]` | the in-process store of `host:port` (explicit form; port required) |
//! | `redis://[[user]:password@]host[:port][/db]` | the same store as `emu://host:port` (default `localhost:6379`); refused while a server listens there |
//! | `redis://…?db=N` | as above; the query's `db` wins over the path's (redis-py) |
//! | `unix:///path/to.sock[?db=N]` | the store of that socket path |
//! | `emu://memory[?seed=N]` | a new private in-memory store (RNG seed `N`) |
//! | `emu:///path/to/dir[?db=N]` | the persistent store in that directory ([`crate::Redis::open`]) |
//! | `rediss://…` | error: `TLS is not supported by the embedded store` |
//! | `remote+redis://…`, `remote+unix://…`, `remote+cluster://h:p,…`, `redis+cluster://…` | **a real server or cluster** over the network (feature `remote`; `Redis::remote`) |
//!
//! Query options: `db`, `socket_timeout`, `socket_connect_timeout` (seconds),
//! `decode_responses` (`true`/`false`/`1`/`0`/`yes`/`no`), `client_name`, `password`,
//! `username`, `max_connections` (pools), `seed` (stores created by the connection). A bad
//! value fails with redis-py's `Invalid value for 'db' in connection URL.`; an unknown
//! option or scheme fails naming it.
//!
//! ```
//! let r = emu::from_url("emu://localhost:16381/2").unwrap();
//! assert_eq!(r.db(), 2);
//! let same = emu::from_url("redis://127.0.0.1:16381?db=2").unwrap();
//! assert!(r.same_store(&same));
//! let err = emu::from_url("rediss://localhost:6379/0").unwrap_err();
//! assert!(err.message().starts_with("TLS is not supported by the embedded store"));
//! ```

use std::time::Duration;

use super::connect::ConnectOptions;
use super::Redis;
use crate::error::{Error, ErrorKind, Result};

/// Connects to the store a URL names (see the [module docs](self)); handles of the same
/// address share one store.
pub fn from_url(url: &str) -> Result<Redis> {
    #[cfg(feature = "remote")]
    if crate::remote::is_remote_url(url) {
        return Redis::remote(url);
    }
    #[cfg(not(feature = "remote"))]
    {
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("remote+") || lower.starts_with("redis+cluster://") {
            return Err(conn_err(format!(
                "{url}: the remote backend needs emu's cargo feature `remote`"
            )));
        }
    }
    let (options, _) = parse(url)?;
    refuse_listening_server(url, &options)?;
    options.connect()
}

/// The guard of `redis://` and `unix://` URLs (see the [module docs](self)): fails when the
/// URL's address has no in-process store yet and a real server listens there, since the
/// caller most likely meant to connect to it.
pub(crate) fn refuse_listening_server(url: &str, o: &ConnectOptions) -> Result<()> {
    let scheme = url
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(scheme.as_str(), "redis" | "unix") || o.has_live_store()? {
        return Ok(());
    }
    let (listening, explicit) = match &o.unix_socket_path {
        Some(path) => (unix_listening(path), None),
        None => (
            tcp_listening(&o.host, o.port),
            Some(format!(
                "emu://{}:{}/{}",
                if o.host.contains(':') {
                    format!("[{}]", o.host)
                } else {
                    o.host.clone()
                },
                o.port,
                o.db
            )),
        ),
    };
    if !listening {
        return Ok(());
    }
    let instead = match explicit {
        Some(e) => format!("for the in-process store of that address use {e}; "),
        None => String::new(),
    };
    Err(conn_err(format!(
        "{url}: a server is listening at that address, but emu's from_url does not connect \
         over the network: it would create a separate in-process store that the server never \
         sees. {instead}to talk to the server use a network client (e.g. the redis crate)"
    )))
}

/// True if a TCP server accepts connections at `host:port`. Only loopback names and IP
/// literals are probed (no DNS lookup, which could block), with a short timeout.
fn tcp_listening(host: &str, port: u16) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    let ip: std::net::IpAddr = match h.to_ascii_lowercase().as_str() {
        "" | "localhost" => std::net::Ipv4Addr::LOCALHOST.into(),
        other => match other.parse() {
            Ok(ip) => ip,
            Err(_) => return false,
        },
    };
    let addr = std::net::SocketAddr::new(ip, port);
    std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(250)).is_ok()
}

/// True if a server accepts connections on the Unix socket `path`.
fn unix_listening(path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        path.exists() && std::os::unix::net::UnixStream::connect(path).is_ok()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

impl Redis {
    /// [`from_url`] as an associated function: `Redis::from_url("redis://localhost/0")`.
    pub fn from_url(url: &str) -> Result<Redis> {
        from_url(url)
    }
}

fn conn_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Connection, msg)
}

fn invalid(name: &str) -> Error {
    conn_err(format!("Invalid value for '{name}' in connection URL."))
}

/// `%XX` decoding (redis-py unquotes user, password, host and path).
fn unquote(s: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| conn_err(format!("Invalid percent-encoding in URL: {s}")))
}

fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "" | "0" | "f" | "false" | "n" | "no" => Ok(false),
        "1" | "t" | "true" | "y" | "yes" => Ok(true),
        _ => Err(invalid(name)),
    }
}

fn parse_secs(name: &str, v: &str) -> Result<Duration> {
    v.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| invalid(name))
}

/// Parses a URL into connection options and an optional `max_connections`.
pub(crate) fn parse(url: &str) -> Result<(ConnectOptions, Option<usize>)> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(conn_err(format!(
            "Redis URL must specify one of the following schemes (redis://, unix://, emu://): {url}"
        )));
    };
    let scheme = scheme.to_ascii_lowercase();
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let mut o = ConnectOptions::default();
    let mut path_db: Option<usize> = None;
    match scheme.as_str() {
        "redis" => parse_tcp(rest, &mut o, &mut path_db)?,
        "rediss" => {
            return Err(conn_err(
                "TLS is not supported by the embedded store (rediss://): use redis://, unix:// or emu://",
            ));
        }
        "unix" => {
            // unix://[[user]:password@]/path — the authority before the path carries creds.
            let (auth, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            // Only credentials before an '@' count; a host name there is ignored.
            if let Some((userinfo, _host)) = auth.rsplit_once('@') {
                let (user, pass) = match userinfo.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (userinfo, None),
                };
                if !user.is_empty() {
                    o.username = Some(unquote(user)?);
                }
                if let Some(p) = pass.filter(|p| !p.is_empty()) {
                    o.password = Some(unquote(p)?);
                }
            }
            if path.is_empty() {
                return Err(conn_err(format!("unix:// URL has no socket path: {url}")));
            }
            o.unix_socket_path = Some(unquote(path)?.into());
        }
        "emu" => {
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            let host_port = authority.rsplit('@').next().unwrap_or("");
            if authority.eq_ignore_ascii_case("memory") && (path.is_empty() || path == "/") {
                o.in_memory = true;
            } else if authority.is_empty() && path.len() > 1 {
                o.data_dir = Some(unquote(path)?.into());
            } else if matches!(split_host_port(host_port), Ok((h, Some(_))) if !h.is_empty()) {
                // emu://host:port/db — the in-process store of that address, explicitly.
                parse_tcp(rest, &mut o, &mut path_db)?;
            } else {
                return Err(conn_err(format!(
                    "emu:// URL must be emu://memory, emu:///path/to/dir or emu://host:port[/db], \
                     got {url}"
                )));
            }
        }
        other => {
            return Err(conn_err(format!(
                "unsupported URL scheme '{other}://': the embedded store serves redis://, unix:// and emu:// URLs"
            )));
        }
    }
    let mut query_db = None;
    let mut max = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = unquote(k)?;
        let v = unquote(v)?;
        match k.as_str() {
            "db" => query_db = Some(v.parse::<usize>().map_err(|_| invalid("db"))?),
            "socket_timeout" => o.socket_timeout = Some(parse_secs(&k, &v)?),
            "socket_connect_timeout" => o.socket_connect_timeout = Some(parse_secs(&k, &v)?),
            "decode_responses" => o.decode_responses = parse_bool(&k, &v)?,
            "client_name" => o.client_name = Some(v),
            "password" => o.password = Some(v),
            "username" => o.username = Some(v),
            "max_connections" => {
                max = Some(v.parse::<usize>().map_err(|_| invalid("max_connections"))?)
            }
            "seed" => o.seed = Some(v.parse::<u64>().map_err(|_| invalid("seed"))?),
            _ => {
                return Err(conn_err(format!(
                    "unsupported URL query option '{k}' in {url}"
                )))
            }
        }
    }
    if let Some(db) = query_db.or(path_db) {
        o.db = db;
    }
    Ok((o, max))
}

/// The part after `redis://` (or `emu://` with a host): `[[user]:password@]host[:port][/db]`.
fn parse_tcp(rest: &str, o: &mut ConnectOptions, path_db: &mut Option<usize>) -> Result<()> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let hostport = match authority.rsplit_once('@') {
        Some((userinfo, hp)) => {
            let (user, pass) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                o.username = Some(unquote(user)?);
            }
            if let Some(p) = pass.filter(|p| !p.is_empty()) {
                o.password = Some(unquote(p)?);
            }
            hp
        }
        None => authority,
    };
    let (host, port) = split_host_port(hostport)?;
    if !host.is_empty() {
        o.host = unquote(host)?;
    }
    if let Some(p) = port {
        o.port = p;
    }
    // redis-py: a path that is not a number is ignored.
    let p = unquote(path)?.replace('/', "");
    if !p.is_empty() {
        *path_db = p.parse().ok();
    }
    Ok(())
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(hp: &str) -> Result<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = hp.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => return Err(conn_err(format!("Invalid IPv6 URL host: {hp}"))),
        }
    } else {
        match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        }
    };
    let port =
        match port {
            None | Some("") => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| {
                conn_err(format!("Port could not be cast to integer value as {p:?}"))
            })?),
        };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let (o, _) = parse("redis://user:p%40ss@example.com:6390/3").unwrap();
        assert_eq!(o.host, "example.com");
        assert_eq!(o.port, 6390);
        assert_eq!(o.db, 3);
        assert_eq!(o.username.as_deref(), Some("user"));
        assert_eq!(o.password.as_deref(), Some("p@ss"));
        let (o, _) = parse("redis://:secret@localhost/1?db=4").unwrap();
        assert_eq!(
            (o.db, o.password.as_deref(), o.username),
            (4, Some("secret"), None)
        );
        let (o, _) = parse("redis://[::1]:7000").unwrap();
        assert_eq!((o.host.as_str(), o.port), ("::1", 7000));
        let (o, _) = parse("redis://h/notanumber").unwrap();
        assert_eq!(o.db, 0);
        let (o, _) = parse("unix:///tmp/r.sock?db=2").unwrap();
        assert_eq!(o.unix_socket_path.unwrap().to_str(), Some("/tmp/r.sock"));
        assert_eq!(o.db, 2);
        let (o, _) = parse("unix://:pw@/tmp/r.sock").unwrap();
        assert_eq!(o.password.as_deref(), Some("pw"));
        let (o, _) = parse("unix://localhost/tmp/r.sock").unwrap();
        assert_eq!((o.username, o.password), (None, None));
        assert_eq!(o.unix_socket_path.unwrap().to_str(), Some("/tmp/r.sock"));
        let (o, m) = parse("emu://memory?seed=7&max_connections=3").unwrap();
        assert!(o.in_memory);
        assert_eq!((o.seed, m), (Some(7), Some(3)));
        let (o, _) = parse("emu:///var/data?db=1").unwrap();
        assert_eq!(o.data_dir.unwrap().to_str(), Some("/var/data"));
        assert_eq!(o.db, 1);
    }

    #[test]
    fn errors() {
        let e = parse("redis://h:port/0").unwrap_err();
        assert_eq!(
            e.message(),
            "Port could not be cast to integer value as \"port\""
        );
        let e = parse("redis://h/0?db=x").unwrap_err();
        assert_eq!(e.message(), "Invalid value for 'db' in connection URL.");
        let e = parse("http://h").unwrap_err();
        assert!(e.message().contains("'http://'"));
        assert!(parse("emu://elsewhere").is_err());
        assert!(parse("localhost:6379").is_err());
        let e = parse("redis://h?bogus=1").unwrap_err();
        assert!(e.message().contains("'bogus'"));
    }
}

//! Taking a live Redis server's dataset as a replica does (`replication.c`): the handshake
//! `[AUTH] PING REPLCONF listening-port 0 REPLCONF capa eof capa psync2 PSYNC ? -1`, the
//! `+FULLRESYNC <replid> <offset>` answer, then the RDB either as `$<len>\r\n<bytes>` (disk
//! based) or as `$EOF:<40-byte mark>\r\n<bytes><mark>` (diskless). The connection is
//! closed once the RDB is in: the server sees a replica come and go and keeps running.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// A `redis://[user:pass@]host:port` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// Host name or address.
    pub host: String,
    /// Port (6379 when absent).
    pub port: u16,
    /// ACL user (with a password).
    pub user: Option<String>,
    /// Password.
    pub pass: Option<String>,
}

/// A failed pull.
#[derive(Debug)]
pub enum PullError {
    /// The URL does not parse.
    Url(String),
    /// A socket error.
    Io(io::Error),
    /// The server answered something unexpected (its error text, or what was expected).
    Protocol(String),
}

impl fmt::Display for PullError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PullError::Url(u) => write!(f, "bad URL '{u}' (want redis://[user:pass@]host:port)"),
            PullError::Io(e) => write!(f, "{e}"),
            PullError::Protocol(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for PullError {}

impl From<io::Error> for PullError {
    fn from(e: io::Error) -> Self {
        PullError::Io(e)
    }
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Url {
    /// Parses `redis://[[user]:pass@]host[:port][/db]`.
    pub fn parse(s: &str) -> Result<Url, PullError> {
        let bad = || PullError::Url(s.to_string());
        let rest = s.strip_prefix("redis://").ok_or_else(bad)?;
        let rest = rest.split('/').next().unwrap_or("");
        let (cred, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let (user, pass) = match cred {
            None => (None, None),
            Some(c) => match c.split_once(':') {
                Some((u, p)) => ((!u.is_empty()).then(|| unescape(u)), Some(unescape(p))),
                None => (None, Some(unescape(c))),
            },
        };
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let (h, p) = h.split_once(']').ok_or_else(bad)?;
            (h.to_string(), p.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| bad())?,
            None => 6379,
        };
        Ok(Url {
            host,
            port,
            user,
            pass,
        })
    }
}

fn send(s: &mut TcpStream, args: &[&str]) -> io::Result<()> {
    let mut b = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        b.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        b.extend_from_slice(a.as_bytes());
        b.extend_from_slice(b"\r\n");
    }
    s.write_all(&b)
}

/// One line, skipping the bare newlines a master sends as keep-alives.
fn line(r: &mut BufReader<TcpStream>) -> Result<String, PullError> {
    loop {
        let mut l = Vec::new();
        let n = r.read_until(b'\n', &mut l)?;
        if n == 0 {
            return Err(PullError::Protocol(
                "the server closed the connection".into(),
            ));
        }
        while l.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
            l.pop();
        }
        if !l.is_empty() {
            return Ok(String::from_utf8_lossy(&l).into_owned());
        }
    }
}

fn expect_ok(r: &mut BufReader<TcpStream>, what: &str) -> Result<String, PullError> {
    let l = line(r)?;
    if let Some(e) = l.strip_prefix('-') {
        return Err(PullError::Protocol(format!("{what}: {e}")));
    }
    Ok(l)
}

/// Connects to `url`, performs the replica handshake and returns the server's RDB bytes.
/// `progress` gets `(bytes received, total)` (total unknown for a diskless transfer).
pub fn pull(url: &Url, progress: &mut dyn FnMut(u64, Option<u64>)) -> Result<Vec<u8>, PullError> {
    let addr = (url.host.as_str(), url.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| PullError::Protocol(format!("cannot resolve {}", url.host)))?;
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    // A master may take long to produce its RDB, but sends a newline every second.
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut r = BufReader::with_capacity(1 << 16, s.try_clone()?);
    if let Some(pass) = &url.pass {
        match &url.user {
            Some(u) => send(&mut s, &["AUTH", u, pass])?,
            None => send(&mut s, &["AUTH", pass])?,
        }
        expect_ok(&mut r, "AUTH")?;
    }
    send(&mut s, &["PING"])?;
    expect_ok(&mut r, "PING")?;
    send(&mut s, &["REPLCONF", "listening-port", "0"])?;
    expect_ok(&mut r, "REPLCONF listening-port")?;
    send(&mut s, &["REPLCONF", "capa", "eof", "capa", "psync2"])?;
    expect_ok(&mut r, "REPLCONF capa")?;
    send(&mut s, &["PSYNC", "?", "-1"])?;
    let l = expect_ok(&mut r, "PSYNC")?;
    if !l.starts_with("+FULLRESYNC") {
        return Err(PullError::Protocol(format!(
            "PSYNC: expected +FULLRESYNC, got '{l}'"
        )));
    }
    let l = expect_ok(&mut r, "RDB transfer")?;
    let Some(spec) = l.strip_prefix('$') else {
        return Err(PullError::Protocol(format!(
            "expected the RDB bulk length, got '{l}'"
        )));
    };
    let mut data = Vec::new();
    if let Some(mark) = spec.strip_prefix("EOF:") {
        let mark = mark.as_bytes().to_vec();
        if mark.len() != 40 {
            return Err(PullError::Protocol("bad EOF mark".into()));
        }
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            let n = r.read(&mut chunk)?;
            if n == 0 {
                return Err(PullError::Protocol(
                    "the server closed the connection mid-transfer".into(),
                ));
            }
            data.extend_from_slice(&chunk[..n]);
            progress(data.len() as u64, None);
            if data.ends_with(&mark) {
                data.truncate(data.len() - 40);
                break;
            }
        }
    } else {
        let len: u64 = spec
            .parse()
            .map_err(|_| PullError::Protocol(format!("bad RDB length '{spec}'")))?;
        let mut left = len;
        let mut chunk = vec![0u8; 1 << 16];
        while left > 0 {
            let want = chunk.len().min(left as usize);
            let n = r.read(&mut chunk[..want])?;
            if n == 0 {
                return Err(PullError::Protocol(
                    "the server closed the connection mid-transfer".into(),
                ));
            }
            data.extend_from_slice(&chunk[..n]);
            left -= n as u64;
            progress(data.len() as u64, Some(len));
        }
    }
    let _ = s.shutdown(std::net::Shutdown::Both);
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("redis://bob:s%40cret@example.org:7000").expect("parses");
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert_eq!(u.pass.as_deref(), Some("s@cret"));
        assert_eq!((u.host.as_str(), u.port), ("example.org", 7000));
        let u = Url::parse("redis://:pw@127.0.0.1").expect("parses");
        assert_eq!(
            (u.user, u.pass.as_deref(), u.port),
            (None, Some("pw"), 6379)
        );
        assert!(Url::parse("http://x").is_err());
        assert!(Url::parse("redis://h:notaport").is_err());
    }
}

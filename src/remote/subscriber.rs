//! The connection of a remote `PubSub`: a socket of its own (TCP or Unix, with AUTH from
//! the URL), speaking RESP2 so every message is a plain array.
//!
//! Not a redis-rs connection: a subscriber reads with short timeouts (to notice a stop
//! request or a `get_message` deadline), and redis-rs's sync connection treats a timed-out
//! response read as a reply to skip. Here a timeout leaves the partial bytes in the buffer
//! and the next read continues the same frame.

use std::io::{Read, Write};
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

enum Stream {
    Tcp(std::net::TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

/// A subscriber socket.
pub struct Subscriber {
    stream: Stream,
    buf: Vec<u8>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("buffered", &self.buf.len())
            .finish()
    }
}

fn io_err(e: std::io::Error) -> Error {
    Error::new(ErrorKind::Connection, format!("Connection error: {e}"))
}

impl Subscriber {
    /// Connects to the server `info` names and authenticates as it says.
    pub(crate) fn connect(info: &redis::ConnectionInfo) -> Result<Subscriber> {
        let stream = match info.addr() {
            redis::ConnectionAddr::Tcp(host, port) => {
                let s = std::net::TcpStream::connect((host.as_str(), *port)).map_err(io_err)?;
                let _ = s.set_nodelay(true);
                Stream::Tcp(s)
            }
            #[cfg(unix)]
            redis::ConnectionAddr::Unix(path) => {
                Stream::Unix(std::os::unix::net::UnixStream::connect(path).map_err(io_err)?)
            }
            other => {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!("unsupported address for Pub/Sub: {other:?}"),
                ))
            }
        };
        let mut sub = Subscriber {
            stream,
            buf: Vec::new(),
        };
        let settings = info.redis_settings();
        if let Some(pass) = settings.password() {
            match settings.username() {
                Some(user) => sub.send(&[b"AUTH", user.as_bytes(), pass.as_bytes()])?,
                None => sub.send(&[b"AUTH", pass.as_bytes()])?,
            }
            if let Some(Value::Error(e)) = sub.recv(None)? {
                return Err(Error::from_reply(e));
            }
        }
        Ok(sub)
    }

    /// Writes one command.
    pub fn send(&mut self, argv: &[&[u8]]) -> Result<()> {
        let mut out = Vec::new();
        super::pack(&mut out, argv);
        match &mut self.stream {
            Stream::Tcp(s) => s.write_all(&out),
            #[cfg(unix)]
            Stream::Unix(s) => s.write_all(&out),
        }
        .map_err(io_err)
    }

    /// The next frame, waiting up to `timeout` (None: forever); `Ok(None)` on timeout.
    pub fn recv(&mut self, timeout: Option<Duration>) -> Result<Option<Value>> {
        loop {
            if let Some((v, used)) = parse(&self.buf)? {
                self.buf.drain(..used);
                return Ok(Some(v));
            }
            let t = timeout.map(|t| t.max(Duration::from_millis(1)));
            let mut chunk = [0u8; 16 * 1024];
            let n = match &mut self.stream {
                Stream::Tcp(s) => {
                    s.set_read_timeout(t).map_err(io_err)?;
                    s.read(&mut chunk)
                }
                #[cfg(unix)]
                Stream::Unix(s) => {
                    s.set_read_timeout(t).map_err(io_err)?;
                    s.read(&mut chunk)
                }
            };
            match n {
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::Connection,
                        "Connection closed by server.",
                    ))
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
    }
}

/// One complete RESP2 frame at the start of `b` and its length; None if incomplete.
fn parse(b: &[u8]) -> Result<Option<(Value, usize)>> {
    let Some(end) = b.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let Some(&tag) = b.first() else {
        return Ok(None);
    };
    let line = &b[1..end];
    let text = String::from_utf8_lossy(line).into_owned();
    let num = || {
        text.parse::<i64>()
            .map_err(|_| Error::new(ErrorKind::Connection, "Protocol error: bad length"))
    };
    let after = end + 2;
    Ok(match tag {
        b'+' => Some((Value::Simple(text), after)),
        b'-' => Some((Value::Error(text), after)),
        b':' => Some((Value::Int(num()?), after)),
        b'$' => {
            let n = num()?;
            if n < 0 {
                return Ok(Some((Value::Nil, after)));
            }
            let n = n as usize;
            if b.len() < after + n + 2 {
                return Ok(None);
            }
            Some((Value::Bulk(b[after..after + n].to_vec()), after + n + 2))
        }
        b'*' => {
            let n = num()?;
            if n < 0 {
                return Ok(Some((Value::NilArray, after)));
            }
            let mut items = Vec::with_capacity(n as usize);
            let mut at = after;
            for _ in 0..n {
                match parse(&b[at..])? {
                    Some((v, used)) => {
                        items.push(v);
                        at += used;
                    }
                    None => return Ok(None),
                }
            }
            Some((Value::Array(items), at))
        }
        _ => {
            return Err(Error::new(
                ErrorKind::Connection,
                format!("Protocol error: unexpected byte {tag:#04x}"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_whole_and_in_pieces() {
        let frame = b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n:1\r\n";
        let (v, used) = parse(frame).unwrap().unwrap();
        assert_eq!(
            v,
            Value::Array(vec![
                Value::bulk("message"),
                Value::bulk("ch"),
                Value::bulk("hello")
            ])
        );
        assert_eq!(&frame[used..], b":1\r\n");
        for cut in 0..used {
            assert!(parse(&frame[..cut]).unwrap().is_none(), "cut at {cut}");
        }
        let unsub = b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n";
        let (v, _) = parse(unsub).unwrap().unwrap();
        assert_eq!(
            v,
            Value::Array(vec![Value::bulk("unsubscribe"), Value::Nil, Value::Int(0)])
        );
        assert!(parse(b"?x\r\n").is_err());
    }
}

//! A raw replica link: the handshake a replica makes (PING, REPLCONF, PSYNC), the RDB
//! transfer skipped (`$<len>` or `$EOF:<mark>`), then the stream read as commands.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

pub struct ReplLink {
    s: TcpStream,
    buf: Vec<u8>,
    /// The first line of the PSYNC reply.
    pub psync_reply: String,
    /// The RDB payload received.
    pub rdb: Vec<u8>,
    /// The `$EOF:` mark of a disk-less transfer.
    pub mark: Option<String>,
}

fn render(argv: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl ReplLink {
    /// Connects and resynchronises fully; `eof`: announce `capa eof` (disk-less transfer).
    pub fn attach(addr: SocketAddr, eof: bool) -> ReplLink {
        let mut l = ReplLink::begin(addr, eof);
        l.receive_rdb(eof);
        l
    }

    /// Connects and sends the handshake up to the `+FULLRESYNC` reply (read into
    /// `psync_reply`); [`ReplLink::receive_rdb`] reads the transfer.
    pub fn begin(addr: SocketAddr, eof: bool) -> ReplLink {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut l = ReplLink {
            s,
            buf: Vec::new(),
            psync_reply: String::new(),
            rdb: Vec::new(),
            mark: None,
        };
        l.send(&[b"PING"]);
        assert_eq!(l.line(), "+PONG");
        if eof {
            l.send(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]);
        } else {
            l.send(&[b"REPLCONF", b"capa", b"psync2"]);
        }
        assert_eq!(l.line(), "+OK");
        l.send(&[b"PSYNC", b"?", b"-1"]);
        let mut reply = l.line();
        while reply.is_empty() {
            reply = l.line(); // keepalive newlines while the RDB is prepared
        }
        assert!(reply.starts_with("+FULLRESYNC "), "{reply}");
        l.psync_reply = reply;
        l
    }

    /// Reads the RDB transfer after [`ReplLink::begin`] and acknowledges.
    pub fn receive_rdb(&mut self, eof: bool) {
        let l = self;
        let mut head = l.line();
        while head.is_empty() {
            head = l.line();
        }
        if let Some(mark) = head.strip_prefix("$EOF:") {
            assert!(eof, "disk-less transfer to a replica without capa eof");
            assert_eq!(mark.len(), 40);
            l.mark = Some(mark.to_string());
            let mark = mark.as_bytes().to_vec();
            loop {
                if let Some(p) = l.buf.windows(40).position(|w| w == mark.as_slice()) {
                    l.rdb = l.buf.drain(..p + 40).take(p).collect();
                    break;
                }
                l.fill();
            }
        } else {
            let n: usize = head[1..].parse().expect("RDB length");
            while l.buf.len() < n {
                l.fill();
            }
            l.rdb = l.buf.drain(..n).collect();
        }
        assert!(l.rdb.starts_with(b"REDIS0010"), "an RDB v10");
        if std::env::var("REPL_DEBUG").is_ok() {
            eprintln!(
                "attached: {} rdb {} bytes, {} buffered",
                l.psync_reply,
                l.rdb.len(),
                l.buf.len()
            );
        }
        // A disk-less replica is put online by its first ACK.
        l.send(&[b"REPLCONF", b"ACK", b"0"]);
    }

    /// Attaches with the old protocol: `SYNC`, which gets the RDB (`$<len>`) with no
    /// `+FULLRESYNC` line and never acknowledges.
    pub fn attach_sync(addr: SocketAddr) -> ReplLink {
        let s = TcpStream::connect(addr).expect("connect");
        let mut l = ReplLink {
            s,
            buf: Vec::new(),
            psync_reply: String::new(),
            rdb: Vec::new(),
            mark: None,
        };
        l.send(&[b"SYNC"]);
        let mut head = l.line();
        while head.is_empty() {
            head = l.line();
        }
        let n: usize = head
            .strip_prefix('$')
            .unwrap_or_else(|| panic!("not an RDB transfer: {head:?}"))
            .parse()
            .expect("RDB length");
        while l.buf.len() < n {
            l.fill();
        }
        l.rdb = l.buf.drain(..n).collect();
        assert!(l.rdb.starts_with(b"REDIS0010"), "an RDB v10");
        l
    }

    /// True if the master closes the link within `limit` (whatever it sends meanwhile is
    /// read and dropped; nothing is acknowledged).
    pub fn closed_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut tmp = [0u8; 65536];
        self.s
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        while Instant::now() < deadline {
            match self.s.read(&mut tmp) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => {}
            }
        }
        false
    }

    pub fn send(&mut self, argv: &[&[u8]]) {
        self.s.write_all(&render(argv)).expect("write");
    }

    /// Reads more; while nothing arrives, acknowledges every half second as a replica
    /// does (Redis starts a disk-less replica's stream on an ACK that arrives after it
    /// considers the transfer done).
    fn fill(&mut self) {
        let mut tmp = [0u8; 65536];
        let deadline = Instant::now() + Duration::from_secs(20);
        self.s
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        loop {
            match self.s.read(&mut tmp) {
                Ok(0) => panic!("replication link closed"),
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return;
                }
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    if !self.rdb.is_empty() {
                        self.send(&[b"REPLCONF", b"ACK", b"0"]);
                    }
                }
                Err(e) => panic!("replication link read: {e}"),
            }
        }
    }

    fn line(&mut self) -> String {
        loop {
            if let Some(p) = self.buf.iter().position(|&b| b == b'\n') {
                let l: Vec<u8> = self.buf.drain(..=p).collect();
                return String::from_utf8_lossy(&l)
                    .trim_end_matches(['\r', '\n'])
                    .to_string();
            }
            self.fill();
        }
    }

    /// The next command of the stream.
    pub fn command(&mut self) -> Vec<Vec<u8>> {
        let head = self.line();
        let n: usize = head
            .strip_prefix('*')
            .unwrap_or_else(|| panic!("not a command: {head:?}"))
            .parse()
            .unwrap();
        (0..n)
            .map(|_| {
                let h = self.line();
                let len: usize = h.strip_prefix('$').expect("bulk").parse().unwrap();
                while self.buf.len() < len + 2 {
                    self.fill();
                }
                let a: Vec<u8> = self.buf.drain(..len + 2).take(len).collect();
                a
            })
            .collect()
    }

    /// Commands up to and including one equal to `last` (keepalives — PING, REPLCONF —
    /// left out).
    pub fn until(&mut self, last: &[&[u8]], limit: Duration) -> Vec<Vec<Vec<u8>>> {
        let start = Instant::now();
        let mut out = Vec::new();
        loop {
            assert!(
                start.elapsed() < limit,
                "no {last:?} in the stream: {out:?}"
            );
            let c = self.command();
            if std::env::var("REPL_DEBUG").is_ok() {
                eprintln!(
                    "{:?}",
                    c.iter()
                        .map(|a| String::from_utf8_lossy(a))
                        .collect::<Vec<_>>()
                );
            }
            let name = c[0].to_ascii_uppercase();
            if name == b"PING" || name == b"REPLCONF" {
                continue;
            }
            let done = c.len() == last.len() && c.iter().zip(last).all(|(a, b)| a == b);
            out.push(c);
            if done {
                return out;
            }
        }
    }
}

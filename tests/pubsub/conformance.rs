//! Pub/Sub conformance against a real redis-server: the same multi-connection scripts run on
//! Redis 7.0 and on emu; every connection's received bytes (replies and pushes) must be
//! identical. The real server is the oracle for how many replies each step produces on each
//! connection; emu must then produce exactly those bytes (and nothing more).
//!
//! Needs `redis-server` on PATH (Debian package `redis-server`).

#![cfg(feature = "server")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::server_util::{reply_len, start, start_real_redis};

struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).unwrap();
        s.set_nodelay(true).unwrap();
        Client { s, buf: Vec::new() }
    }

    fn send(&mut self, argv: &[Vec<u8>]) {
        let mut out = Vec::new();
        emu::resp::encode_request(&mut out, argv);
        self.s.write_all(&out).unwrap();
    }

    fn fill(&mut self, timeout: Duration) -> bool {
        self.s.set_read_timeout(Some(timeout)).unwrap();
        let mut tmp = [0u8; 65536];
        match self.s.read(&mut tmp) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                true
            }
            Err(_) => false,
        }
    }

    fn take_one(&mut self) -> Option<Vec<u8>> {
        let n = reply_len(&self.buf, 0)?;
        Some(self.buf.drain(..n).collect())
    }

    /// Everything that arrives within a short settle time.
    fn read_available(&mut self) -> Vec<Vec<u8>> {
        while self.fill(Duration::from_millis(25)) {}
        let mut out = Vec::new();
        while let Some(r) = self.take_one() {
            out.push(r);
        }
        assert!(self.buf.is_empty(), "partial reply from redis");
        out
    }

    /// Exactly `n` replies (waiting for them).
    fn read_n(&mut self, n: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while out.len() < n {
            if let Some(r) = self.take_one() {
                out.push(r);
                continue;
            }
            assert!(Instant::now() < deadline, "timed out; got {out:?}");
            self.fill(Duration::from_millis(100));
        }
        out
    }
}

/// One step: connection index, command. A command starting with `!` is run but its
/// replies are not compared (e.g. HELLO, whose reply carries the client id); one starting
/// with `~` has its replies compared as a multiset (Redis delivers the pmessages of several
/// matching patterns in its hash-table order, which depends on a per-process random seed).
type Step = (usize, &'static str);

fn argv(cmd: &str) -> Vec<Vec<u8>> {
    let cmd = cmd.trim_start_matches(['!', '~']);
    // `'…'` groups one argument with spaces.
    let mut out = Vec::new();
    let mut rest = cmd;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix('\'') {
            let end = r.find('\'').unwrap();
            out.push(r.as_bytes()[..end].to_vec());
            rest = &r[end + 1..];
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(rest.as_bytes()[..end].to_vec());
            rest = &rest[end..];
        }
    }
    out
}

type Transcript = Vec<Vec<Vec<Vec<u8>>>>; // step → connection → replies

fn record(addr: SocketAddr, conns: usize, script: &[Step]) -> Transcript {
    let mut cs: Vec<Client> = (0..conns).map(|_| Client::connect(addr)).collect();
    let mut t = Vec::new();
    for (i, cmd) in script {
        cs[*i].send(&argv(cmd));
        cs[*i].fill(Duration::from_secs(5));
        t.push(cs.iter_mut().map(Client::read_available).collect());
    }
    t
}

fn replay(addr: SocketAddr, script: &[Step], oracle: &Transcript) {
    let conns = oracle.first().map_or(0, Vec::len);
    let mut cs: Vec<Client> = (0..conns).map(|_| Client::connect(addr)).collect();
    for (step, ((i, cmd), want)) in script.iter().zip(oracle).enumerate() {
        cs[*i].send(&argv(cmd));
        for (c, want_c) in want.iter().enumerate() {
            let mut got = cs[c].read_n(want_c.len());
            if cmd.starts_with('!') {
                continue;
            }
            let mut want_c = want_c.clone();
            if cmd.starts_with('~') {
                got.sort();
                want_c.sort();
            }
            let show = |v: &[Vec<u8>]| {
                v.iter()
                    .map(|r| String::from_utf8_lossy(r).into_owned())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                show(&got),
                show(&want_c),
                "step {step} `{cmd}` on conn {i}: connection {c} differs"
            );
        }
    }
    for (c, cl) in cs.iter_mut().enumerate() {
        let extra = cl.read_available();
        assert!(extra.is_empty(), "conn {c} got extra replies: {extra:?}");
    }
}

fn check(conns: usize, script: &[Step]) {
    let Some(real) = start_real_redis("the pub/sub conformance test") else {
        return;
    };
    let oracle = record(real.addr, conns, script);
    let (_r, srv) = start();
    replay(srv.addr().unwrap(), script, &oracle);
}

#[test]
fn resp2_subscribe_publish_unsubscribe_pubsub() {
    check(
        4,
        &[
            (0, "UNSUBSCRIBE"),
            (0, "PUNSUBSCRIBE"),
            (0, "SUNSUBSCRIBE"),
            (0, "SUBSCRIBE news updates news"),
            (1, "PSUBSCRIBE n* user:*:notifications"),
            (1, "SUBSCRIBE news"),
            (2, "PUBLISH news 'Breaking news!'"),
            (2, "PUBLISH user:42:notifications hi"),
            (2, "PUBLISH nothing x"),
            (2, "PUBSUB NUMSUB news updates nothing"),
            (2, "PUBSUB NUMSUB"),
            (2, "PUBSUB NUMPAT"),
            (2, "PUBSUB CHANNELS up*"),
            (2, "PUBSUB CHANNELS zz*"),
            (2, "PUBSUB SHARDCHANNELS"),
            (2, "PUBSUB SHARDNUMSUB a"),
            (2, "PUBSUB HELP"),
            (2, "PUBSUB NOPE"),
            (2, "PUBSUB NUMPAT x"),
            (2, "PUBSUB CHANNELS a b"),
            (2, "PUBSUB HELP x"),
            (2, "PUBLISH"),
            (2, "SUBSCRIBE"),
            (2, "PSUBSCRIBE"),
            (0, "GET k"),
            (0, "SET k v"),
            (0, "CLIENT ID"),
            (0, "CONFIG GET maxmemory"),
            (0, "PUBLISH news x"),
            (0, "PING"),
            (0, "PING hello"),
            (0, "PING a b"),
            (0, "NOSUCH x"),
            (0, "GET"),
            (3, "SSUBSCRIBE s1 s2"),
            (3, "SUBSCRIBE news"),
            (2, "SPUBLISH s1 shard-msg"),
            (2, "SPUBLISH news not-to-plain"),
            (2, "PUBLISH s1 not-to-shard"),
            (2, "PUBSUB SHARDNUMSUB s1 s2 s3"),
            (2, "PUBSUB SHARDCHANNELS s1"),
            (3, "SUNSUBSCRIBE s1"),
            (3, "SUNSUBSCRIBE"),
            (3, "UNSUBSCRIBE"),
            (3, "GET k"),
            (0, "UNSUBSCRIBE news nothing"),
            (0, "UNSUBSCRIBE"),
            (0, "UNSUBSCRIBE"),
            (0, "GET k"),
            (1, "PUNSUBSCRIBE n*"),
            (2, "PUBLISH news again"),
            (1, "RESET"),
            (1, "GET k"),
            (2, "PUBLISH news after-reset"),
            (2, "PUBSUB NUMPAT"),
            (2, "PUBSUB NUMSUB news"),
            (1, "PSUBSCRIBE h?llo h[ae]llo x\\*y"),
            (2, "~PUBLISH hello 1"),
            (2, "~PUBLISH hallo 2"),
            (2, "PUBLISH x*y 3"),
            (2, "PUBLISH xzy 4"),
            (1, "QUIT"),
        ],
    );
}

#[test]
fn resp3_pushes() {
    check(
        3,
        &[
            (0, "!HELLO 3"),
            (1, "!HELLO 3"),
            (0, "UNSUBSCRIBE"),
            (0, "PUNSUBSCRIBE"),
            (0, "SUBSCRIBE a b"),
            (0, "PSUBSCRIBE a*"),
            (0, "SSUBSCRIBE a"),
            (0, "GET k"),
            (0, "PING"),
            (0, "PUBLISH a self"),
            (0, "SPUBLISH a self-shard"),
            (2, "PUBLISH a from-2"),
            (2, "PUBLISH abc from-2"),
            (1, "SUBSCRIBE b"),
            (1, "PUBLISH b both"),
            (1, "PUBSUB NUMSUB a b"),
            (0, "UNSUBSCRIBE a zz"),
            (0, "SUNSUBSCRIBE"),
            (0, "PUNSUBSCRIBE"),
            (0, "UNSUBSCRIBE"),
            (2, "PUBLISH b last"),
            (1, "RESET"),
            (2, "PUBLISH b gone"),
        ],
    );
}

#[test]
fn keyspace_notifications_match_redis() {
    check(
        3,
        &[
            (2, "CONFIG SET notify-keyspace-events KEA"),
            (0, "PSUBSCRIBE __key*__:*"),
            (1, "SUBSCRIBE __keyevent@0__:del __keyspace@0__:s"),
            (2, "SET s v"),
            (2, "SETRANGE s 1 xx"),
            (2, "APPEND s z"),
            (2, "INCR n"),
            (2, "INCRBY n 5"),
            (2, "DECR n"),
            (2, "GETDEL n"),
            (2, "MSET a 1 b 2"),
            (2, "RPUSH l a b c d"),
            (2, "LPOP l"),
            (2, "RPOP l"),
            (2, "LSET l 0 z"),
            (2, "LINSERT l BEFORE z y"),
            (2, "LTRIM l 0 0"),
            (2, "LREM l 0 y"),
            (2, "RPUSH l2 a"),
            (2, "LMOVE l2 l3 LEFT RIGHT"),
            (2, "HSET h f v g w"),
            (2, "HINCRBY h n 1"),
            (2, "HDEL h f g n"),
            (2, "SADD st a b c"),
            (2, "SREM st a"),
            (2, "SMOVE st st2 b"),
            (2, "SINTERSTORE dst st st2"),
            (2, "SUNIONSTORE dst st st2"),
            (2, "ZADD z 1 a 2 b"),
            (2, "ZINCRBY z 2 a"),
            (2, "ZREM z a"),
            (2, "ZPOPMIN z"),
            (2, "ZADD z2 1 x"),
            (2, "ZUNIONSTORE zu 1 z2"),
            (2, "EXPIRE s 100"),
            (2, "PERSIST s"),
            (2, "RENAME s s2"),
            (2, "DEL s2 a b missing"),
            (2, "SET s v"),
            (2, "DEL s"),
            (2, "SELECT 3"),
            (2, "SET other v"),
            (2, "SELECT 0"),
            (2, "CONFIG SET notify-keyspace-events Elg"),
            (2, "SET q v"),
            (2, "RPUSH q2 x"),
            (2, "DEL q q2"),
            (2, "CONFIG SET notify-keyspace-events ''"),
            (2, "SET q v"),
        ],
    );
}

//! Helpers: a pair of connections (emu, real Redis), bulk-reply decoding and INFO parsing.

use std::collections::BTreeMap;

use crate::server_util::{start, start_real_redis, Raw, RealRedis};

/// An in-process `emu serve` and a real `redis-server`, each with one raw connection.
pub struct Pair {
    pub emu: Raw,
    pub real: Raw,
    pub emu_redis: emu::Redis,
    pub emu_srv: emu::server::Running,
    pub real_srv: RealRedis,
}

impl Pair {
    /// Starts both, or `None` (test skipped) without a redis-server.
    pub fn start(why: &str) -> Option<Pair> {
        let real_srv = start_real_redis(why)?;
        let (emu_redis, emu_srv) = start();
        let emu = Raw::connect(emu_srv.addr().expect("tcp"));
        let real = Raw::connect(real_srv.addr);
        Some(Pair {
            emu,
            real,
            emu_redis,
            emu_srv,
            real_srv,
        })
    }

    /// Like [`Pair::start`], with DEBUG allowed on emu (as on the real server).
    pub fn start_debug(why: &str) -> Option<Pair> {
        let real_srv = start_real_redis(why)?;
        let (emu_redis, emu_srv) = crate::server_util::start_with(|s| s);
        emu_redis
            .with_store(|s| s.config.enable_debug_command = emu::config::ProtectedAction::Yes)
            .unwrap();
        let emu = Raw::connect(emu_srv.addr().expect("tcp"));
        let real = Raw::connect(real_srv.addr);
        Some(Pair {
            emu,
            real,
            emu_redis,
            emu_srv,
            real_srv,
        })
    }

    /// A second connection to each.
    pub fn connect(&self) -> (Raw, Raw) {
        (
            Raw::connect(self.emu_srv.addr().expect("tcp")),
            Raw::connect(self.real_srv.addr),
        )
    }

    /// Sends `argv` to both; returns (emu reply, real reply).
    pub fn both(&mut self, argv: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
        (self.emu.cmd(argv), self.real.cmd(argv))
    }

    /// Sends `argv` to both and asserts identical replies.
    pub fn same(&mut self, argv: &[&[u8]]) -> Vec<u8> {
        let (e, r) = self.both(argv);
        assert_eq!(
            String::from_utf8_lossy(&e),
            String::from_utf8_lossy(&r),
            "reply to {:?}",
            argv.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        );
        e
    }
}

/// The payload of a bulk (or verbatim) reply.
pub fn bulk(reply: &[u8]) -> String {
    let s = String::from_utf8_lossy(reply).into_owned();
    assert!(
        s.starts_with('$') || s.starts_with('='),
        "not a bulk reply: {s:?}"
    );
    let start = s.find("\r\n").expect("header") + 2;
    let mut body = s[start..s.len() - 2].to_string();
    if s.starts_with('=') {
        body = body[4..].to_string();
    }
    body
}

/// INFO text → section title → (field → value), in order of appearance.
pub fn parse_info(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.split("\r\n") {
        if let Some(title) = line.strip_prefix("# ") {
            current = title.to_string();
            out.entry(current.clone()).or_default();
        } else if let Some((k, v)) = line.split_once(':') {
            out.entry(current.clone())
                .or_default()
                .insert(k.to_string(), v.to_string());
        } else {
            assert!(line.is_empty(), "stray INFO line {line:?}");
        }
    }
    out
}

/// Splits a space-separated command line into arguments.
pub fn words(line: &str) -> Vec<Vec<u8>> {
    line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

/// `&[Vec<u8>]` → `Vec<&[u8]>`.
pub fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(|a| a.as_slice()).collect()
}

/// A decoded RESP2/RESP3 reply (enough for the introspection replies).
#[derive(Clone, Debug, PartialEq)]
pub enum R {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<R>),
    Map(Vec<(R, R)>),
    Double(String),
}

impl R {
    /// Decodes one complete reply.
    pub fn parse(b: &[u8]) -> R {
        let (r, n) = R::at(b, 0);
        assert_eq!(
            n,
            b.len(),
            "trailing bytes in {:?}",
            String::from_utf8_lossy(b)
        );
        r
    }

    fn at(b: &[u8], i: usize) -> (R, usize) {
        let end = i + b[i..].windows(2).position(|w| w == b"\r\n").expect("line");
        let head = std::str::from_utf8(&b[i + 1..end]).expect("utf8 header");
        let next = end + 2;
        match b[i] {
            b'+' => (R::Simple(head.into()), next),
            b'-' => (R::Error(head.into()), next),
            b':' => (R::Int(head.parse().expect("int")), next),
            b',' => (R::Double(head.into()), next),
            b'_' => (R::Nil, next),
            b'$' | b'=' => {
                let n: i64 = head.parse().expect("len");
                if n < 0 {
                    return (R::Nil, next);
                }
                let n = n as usize;
                (R::Bulk(b[next..next + n].to_vec()), next + n + 2)
            }
            b'*' | b'~' | b'>' => {
                let n: i64 = head.parse().expect("len");
                if n < 0 {
                    return (R::Nil, next);
                }
                let mut at = next;
                let mut v = Vec::new();
                for _ in 0..n {
                    let (r, a) = R::at(b, at);
                    v.push(r);
                    at = a;
                }
                (R::Array(v), at)
            }
            b'%' => {
                let n: usize = head.parse().expect("len");
                let mut at = next;
                let mut v = Vec::new();
                for _ in 0..n {
                    let (k, a) = R::at(b, at);
                    let (val, a) = R::at(b, a);
                    v.push((k, val));
                    at = a;
                }
                (R::Map(v), at)
            }
            t => panic!("unknown reply type {}", t as char),
        }
    }

    /// The items of an array.
    pub fn items(&self) -> &[R] {
        match self {
            R::Array(v) => v,
            other => panic!("not an array: {other:?}"),
        }
    }
}

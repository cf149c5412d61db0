//! Differential tests against a real redis-server (see the binary's docs).

use crate::common::rng::Rng;
use crate::server_util::{start, start_real_redis, Raw};

/// The two servers and a log of what was sent, for failure messages.
struct Pair {
    redis: Raw,
    emu: Raw,
    history: Vec<String>,
    compared: usize,
}

impl Pair {
    fn run(&mut self, argv: &[Vec<u8>]) -> Vec<u8> {
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let x = self.redis.cmd(&refs);
        let y = self.emu.cmd(&refs);
        let shown = argv
            .iter()
            .map(|a| {
                let s = String::from_utf8_lossy(a);
                if s.len() > 40 {
                    format!(
                        "{:?}…",
                        &s[..s.char_indices().nth(40).map_or(s.len(), |c| c.0)]
                    )
                } else {
                    format!("{s:?}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        self.history.push(shown);
        self.compared += 1;
        if x != y {
            let from = self.history.len().saturating_sub(15);
            panic!(
                "replies differ for {}\n  redis: {:?}\n  emu:   {:?}\n  after: {}",
                self.history.last().map_or("", |s| s.as_str()),
                String::from_utf8_lossy(&x),
                String::from_utf8_lossy(&y),
                self.history[from..self.history.len() - 1].join(" | ")
            );
        }
        x
    }

    /// Sends to both without comparing (HELLO's client id differs).
    fn both_unchecked(&mut self, words: &[&str]) {
        let refs: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        self.redis.cmd(&refs);
        self.emu.cmd(&refs);
    }

    fn cmd(&mut self, words: &[&str]) -> Vec<u8> {
        let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        self.run(&argv)
    }
}

/// Starts both servers; None when redis-server is missing (after `skip`).
fn pair(why: &str) -> Option<(Pair, crate::server_util::RealRedis, emu::server::Running)> {
    let real = start_real_redis(why)?;
    let (_store, emu_srv) = start();
    let p = Pair {
        redis: Raw::connect(real.addr),
        emu: Raw::connect(emu_srv.addr().expect("emu address")),
        history: Vec::new(),
        compared: 0,
    };
    Some((p, real, emu_srv))
}

const BIT_KEYS: &[&str] = &["b1", "b2", "b3"];

fn int_arg(r: &mut Rng) -> String {
    match r.below(10) {
        0 => r.pick(&["-1", "-2", "-9", "-100", "0"]).to_string(),
        1 => r
            .pick(&[
                "abc",
                "",
                "1.5",
                "9223372036854775807",
                "-9223372036854775808",
                "4294967296",
            ])
            .to_string(),
        2 => (r.below(4000) as i64 - 2000).to_string(),
        _ => r.below(120).to_string(),
    }
}

fn offset_arg(r: &mut Rng) -> String {
    match r.below(20) {
        0 => r
            .pick(&[
                "-1",
                "abc",
                "4294967296",
                "8388607",
                "8388608",
                "1.0",
                "",
                " 1",
                "+5",
            ])
            .to_string(),
        1 => r.below(100_000).to_string(),
        _ => r.below(300).to_string(),
    }
}

fn bitfield_type(r: &mut Rng) -> String {
    match r.below(25) {
        0 => r
            .pick(&["u64", "i65", "i0", "u0", "x8", "i", "U8", "8", "", "i-1"])
            .to_string(),
        _ => {
            let signed = r.chance(50);
            let bits = 1 + r.below(if signed { 64 } else { 63 });
            format!("{}{bits}", if signed { "i" } else { "u" })
        }
    }
}

fn bitfield_value(r: &mut Rng) -> String {
    match r.below(8) {
        0 => r
            .pick(&[
                "9223372036854775807",
                "-9223372036854775808",
                "x",
                "4294967295",
                "-4294967296",
            ])
            .to_string(),
        1 => ((r.next() as i64) >> r.below(64)).to_string(),
        _ => (r.below(600) as i64 - 300).to_string(),
    }
}

fn gen_bits(r: &mut Rng) -> Vec<String> {
    let k = if r.chance(8) {
        r.pick(&["str", "list", "missing"]).to_string()
    } else {
        r.pick(BIT_KEYS).to_string()
    };
    let mut v: Vec<String> = Vec::new();
    match r.below(16) {
        0..=2 => {
            v.extend(["SETBIT".into(), k, offset_arg(r)]);
            v.push(
                if r.chance(5) {
                    r.pick(&["2", "-1", "x", ""])
                } else {
                    r.pick(&["0", "1", "1"])
                }
                .to_string(),
            );
        }
        3 => v.extend(["GETBIT".into(), k, offset_arg(r)]),
        4 | 5 => {
            v.extend(["BITCOUNT".into(), k]);
            let n = r.below(5);
            if n >= 1 {
                v.push(int_arg(r));
            }
            if n >= 2 {
                v.push(int_arg(r));
            }
            if n >= 3 {
                v.push(r.pick(&["BIT", "BYTE", "bit", "BAD"]).into());
            }
        }
        6 | 7 => {
            v.extend(["BITPOS".into(), k]);
            v.push(r.pick(&["0", "1", "1", "0", "2", "x"]).into());
            let n = r.below(5);
            if n >= 1 {
                v.push(int_arg(r));
            }
            if n >= 2 {
                v.push(int_arg(r));
            }
            if n >= 3 {
                v.push(r.pick(&["BIT", "BYTE", "bit", "BAD"]).into());
            }
        }
        8 => {
            let op = r.pick(&["AND", "OR", "XOR", "NOT", "and", "BAD"]);
            v.extend(["BITOP".into(), op.into(), r.pick(BIT_KEYS).into()]);
            for _ in 0..1 + r.below(if op == "NOT" { 1 } else { 3 }) {
                v.push(r.pick(&["b1", "b2", "b3", "missing", "str"]).into());
            }
            if op == "NOT" && r.chance(10) {
                v.push("b1".into());
            }
        }
        9..=11 => {
            v.extend([
                if r.chance(10) {
                    "BITFIELD_RO"
                } else {
                    "BITFIELD"
                }
                .into(),
                k,
            ]);
            for _ in 0..r.below(5) {
                match r.below(8) {
                    0 => {
                        v.push("OVERFLOW".into());
                        v.push(r.pick(&["WRAP", "SAT", "FAIL", "fail", "BAD"]).into());
                    }
                    1 | 2 => {
                        v.push(r.pick(&["GET", "get"]).into());
                        v.push(bitfield_type(r));
                        v.push(field_offset(r));
                    }
                    3 | 4 => {
                        v.push("SET".into());
                        v.push(bitfield_type(r));
                        v.push(field_offset(r));
                        v.push(bitfield_value(r));
                    }
                    5 | 6 => {
                        v.push("INCRBY".into());
                        v.push(bitfield_type(r));
                        v.push(field_offset(r));
                        v.push(bitfield_value(r));
                    }
                    _ => v.push(r.pick(&["BAD", "GET", "SET", "INCRBY", "OVERFLOW"]).into()),
                }
            }
        }
        12 => v.extend(["GET".into(), k]),
        13 => v.extend(["STRLEN".into(), k]),
        14 => v.extend([
            "SET".into(),
            r.pick(BIT_KEYS).into(),
            r.pick(&["", "\u{ff}", "foobar", "12345", "\u{0}\u{0}x"])
                .into(),
        ]),
        _ => v.extend(["OBJECT".into(), "ENCODING".into(), k]),
    }
    v
}

fn field_offset(r: &mut Rng) -> String {
    match r.below(6) {
        0 => format!("#{}", r.below(20)),
        1 => r.pick(&["#x", "#", "-1", "#-1", "x", "4294967296"]).into(),
        _ => r.below(200).to_string(),
    }
}

/// The payload of a RESP bulk-string reply.
fn bulk_payload(reply: &[u8]) -> Vec<u8> {
    let nl = reply.iter().position(|&c| c == b'\n').expect("bulk header");
    let n: usize = std::str::from_utf8(&reply[1..nl - 1])
        .expect("length")
        .parse()
        .expect("length");
    reply[nl + 1..nl + 1 + n].to_vec()
}

fn words(v: &[String]) -> Vec<Vec<u8>> {
    v.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn random_bitmap_streams_match_redis() {
    let Some((mut p, _real, _srv)) = pair("random bitmap streams") else {
        return;
    };
    let mut r = Rng::new(0xB17);
    for round in 0..40 {
        p.cmd(&["FLUSHALL"]);
        // A 1 MB limit: offsets 8388607 and 8388608 sit on both sides of it.
        p.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]);
        if round % 2 == 1 {
            p.both_unchecked(&["HELLO", "3"]);
        } else {
            p.both_unchecked(&["HELLO", "2"]);
        }
        p.cmd(&["SET", "str", "hello"]);
        p.cmd(&["RPUSH", "list", "a"]);
        for _ in 0..150 {
            let argv = gen_bits(&mut r);
            p.run(&words(&argv));
        }
        for k in BIT_KEYS {
            p.cmd(&["GET", k]);
        }
    }
    assert!(p.compared > 5000);
}

/// Random bit patterns over a longer string: every BITCOUNT / BITPOS range form.
#[test]
fn bitcount_and_bitpos_ranges_match_redis() {
    let Some((mut p, _real, _srv)) = pair("bitcount ranges") else {
        return;
    };
    let mut r = Rng::new(42);
    for len in [0usize, 1, 2, 7, 8, 9, 31, 33, 100] {
        for pattern in 0..4 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| match pattern {
                    0 => 0,
                    1 => 0xff,
                    2 => r.next() as u8,
                    _ => {
                        if r.chance(80) {
                            0xff
                        } else {
                            r.next() as u8
                        }
                    }
                })
                .collect();
            p.run(&[b"SET".to_vec(), b"k".to_vec(), bytes]);
            for _ in 0..60 {
                let (s, e) = (
                    r.below(len as u64 * 10 + 20) as i64 - (len as i64 * 5 + 10),
                    r.below(len as u64 * 10 + 20) as i64 - (len as i64 * 5 + 10),
                );
                let (s, e) = (s.to_string(), e.to_string());
                for unit in ["BIT", "BYTE"] {
                    p.cmd(&["BITCOUNT", "k", &s, &e, unit]);
                    for bit in ["0", "1"] {
                        p.cmd(&["BITPOS", "k", bit, &s, &e, unit]);
                        p.cmd(&["BITPOS", "k", bit, &s]);
                    }
                }
                p.cmd(&["BITCOUNT", "k", &s, &e]);
            }
            p.cmd(&["BITCOUNT", "k"]);
            p.cmd(&["BITPOS", "k", "0"]);
            p.cmd(&["BITPOS", "k", "1"]);
        }
    }
}

/// Random PFADD / PFMERGE sequences: after each step the bytes of every HLL (GET), its
/// count and its sparse decoding are Redis's, through the sparse → dense promotion.
#[test]
fn hll_bytes_equal_redis_after_random_adds_and_merges() {
    let Some((mut p, _real, _srv)) = pair("HLL byte equality") else {
        return;
    };
    let mut r = Rng::new(0x4C4C);
    let keys = ["h1", "h2", "h3"];
    for round in 0..6 {
        p.cmd(&["FLUSHALL"]);
        if round == 3 {
            // A small sparse limit promotes early.
            p.cmd(&["CONFIG", "SET", "hll-sparse-max-bytes", "200"]);
        }
        for step in 0..120 {
            let k = r.pick(&keys);
            match r.below(10) {
                0 => {
                    let a = r.pick(&keys);
                    let b = r.pick(&["h1", "h2", "h3", "missing"]);
                    p.cmd(&["PFMERGE", k, a, b]);
                }
                1 => {
                    p.cmd(&["PFCOUNT", k, r.pick(&keys)]);
                }
                _ => {
                    // Bursts of growing size cross the sparse limits and the promotion.
                    let n = 1 + r.below(if step > 60 { 400 } else { 12 });
                    let mut argv = vec![b"PFADD".to_vec(), k.as_bytes().to_vec()];
                    for _ in 0..n {
                        argv.push(format!("e{}", r.below(1 << 20)).into_bytes());
                    }
                    p.run(&argv);
                }
            }
            for k in keys {
                p.cmd(&["GET", k]);
                p.cmd(&["PFCOUNT", k]);
                p.cmd(&["GET", k]);
            }
            if step % 10 == 0 {
                for k in keys {
                    if p.cmd(&["EXISTS", k]) == b":1\r\n" {
                        p.cmd(&["PFDEBUG", "ENCODING", k]);
                        let enc = p.cmd(&["PFDEBUG", "ENCODING", k]);
                        if enc == b"+sparse\r\n" {
                            p.cmd(&["PFDEBUG", "DECODE", k]);
                        }
                    }
                }
            }
        }
        p.cmd(&["PFCOUNT", "h1", "h2", "h3", "missing"]);
        p.cmd(&["PFDEBUG", "GETREG", "h1"]);
        p.cmd(&["GET", "h1"]);
        p.cmd(&["PFDEBUG", "TODENSE", "h2"]);
        p.cmd(&["PFDEBUG", "TODENSE", "h2"]);
        p.cmd(&["GET", "h2"]);
        p.cmd(&["CONFIG", "SET", "hll-sparse-max-bytes", "3000"]);
    }
}

/// Large cardinalities: a dense HLL of 200k elements counts the same, merges the same.
#[test]
fn dense_hll_counts_equal_redis() {
    let Some((mut p, _real, _srv)) = pair("dense HLL counts") else {
        return;
    };
    for (k, n) in [("d1", 200_000u32), ("d2", 50_000)] {
        let mut i = 0;
        while i < n {
            let mut argv = vec![b"PFADD".to_vec(), k.as_bytes().to_vec()];
            for j in i..(i + 1000).min(n) {
                argv.push(format!("{k}:{j}").into_bytes());
            }
            p.run(&argv);
            i += 1000;
        }
        p.cmd(&["PFCOUNT", k]);
        p.cmd(&["GET", k]);
    }
    p.cmd(&["PFCOUNT", "d1", "d2"]);
    p.cmd(&["PFMERGE", "d3", "d1", "d2"]);
    p.cmd(&["GET", "d3"]);
    p.cmd(&["PFCOUNT", "d3"]);
}

/// Values written by Redis (GET there, SET here) count the same in emu; corrupted and
/// foreign values get Redis's errors.
#[test]
fn hll_values_from_redis_and_corruption() {
    let Some((mut p, _real, _srv)) = pair("HLL values from Redis") else {
        return;
    };
    let mut argv = vec![b"PFADD".to_vec(), b"src".to_vec()];
    for j in 0..3000 {
        argv.push(format!("x{j}").into_bytes());
    }
    let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    p.redis.cmd(&refs);
    let only_redis = |p: &mut Pair, words: &[&str]| {
        let refs: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        p.redis.cmd(&refs)
    };
    let dense = only_redis(&mut p, &["GET", "src"]);
    let dense = bulk_payload(&dense);
    only_redis(&mut p, &["PFADD", "small", "a", "b", "c"]);
    let sparse = only_redis(&mut p, &["GET", "small"]);
    let sparse = bulk_payload(&sparse);
    for (k, bytes) in [("dense", &dense), ("sparse", &sparse)] {
        p.run(&[b"SET".to_vec(), k.as_bytes().to_vec(), bytes.clone()]);
        p.cmd(&["PFCOUNT", k]);
        p.cmd(&["PFADD", k, "new", "elements"]);
        p.cmd(&["GET", k]);
        // Stale cache bit on a copy: recomputed.
        let mut stale = bytes.clone();
        stale[15] |= 0x80;
        p.run(&[b"SET".to_vec(), b"stale".to_vec(), stale]);
        p.cmd(&["PFCOUNT", "stale"]);
        p.cmd(&["GET", "stale"]);
    }
    // Corruptions: a sparse value whose opcodes do not cover 16384 registers, a bad
    // encoding byte, a short dense value, no magic.
    let mut bad = sparse.clone();
    bad.push(0x80);
    bad[15] |= 0x80;
    let mut enc = sparse.clone();
    enc[4] = 2;
    let short = dense[..dense.len() - 1].to_vec();
    let mut magic = dense.clone();
    magic[0] = b'h';
    for (k, v) in [
        ("bad", bad),
        ("enc", enc),
        ("short", short),
        ("magic", magic),
        ("tiny", b"HYLL".to_vec()),
        ("int", b"12345".to_vec()),
    ] {
        p.run(&[b"SET".to_vec(), k.as_bytes().to_vec(), v]);
        p.cmd(&["PFCOUNT", k]);
        p.cmd(&["PFCOUNT", k, "dense"]);
        p.cmd(&["PFADD", k, "zzz"]);
        p.cmd(&["PFMERGE", "out", k]);
        p.cmd(&["PFDEBUG", "ENCODING", k]);
        p.cmd(&["PFDEBUG", "DECODE", k]);
    }
    p.cmd(&["RPUSH", "list", "a"]);
    for c in [
        &["PFADD", "list", "a"][..],
        &["PFCOUNT", "list"],
        &["PFMERGE", "list", "dense"],
        &["PFMERGE", "dest", "list"],
        &["PFDEBUG", "GETREG", "list"],
        &["PFDEBUG", "GETREG", "nokey"],
        &["PFDEBUG", "NOPE", "dense"],
        &["PFDEBUG", "ENCODING", "dense", "x"],
        &["PFDEBUG", "DECODE", "dense"],
        &["PFADD", "fresh"],
        &["PFADD", "fresh"],
        &["GET", "fresh"],
        &["PFCOUNT", "nokey", "nokey2"],
        &["PFMERGE", "m"],
        &["GET", "m"],
        &["PFSELFTEST"],
        &["PFSELFTEST", "x"],
    ] {
        p.cmd(c);
    }
}

fn random_string(r: &mut Rng, alphabet: &[u8], max: u64) -> Vec<u8> {
    let n = r.below(max + 1);
    (0..n)
        .map(|_| alphabet[r.below(alphabet.len() as u64) as usize])
        .collect()
}

#[test]
fn lcs_replies_match_redis() {
    let Some((mut p, _real, _srv)) = pair("LCS") else {
        return;
    };
    let mut r = Rng::new(7);
    for i in 0..400 {
        if i % 2 == 0 {
            p.both_unchecked(&["HELLO", if i % 4 == 0 { "3" } else { "2" }]);
        }
        let alphabet: &[u8] = if i % 3 == 0 { b"ab" } else { b"abcdefgh" };
        let a = random_string(&mut r, alphabet, 40);
        let b = random_string(&mut r, alphabet, 40);
        p.run(&[b"SET".to_vec(), b"a".to_vec(), a]);
        p.run(&[b"SET".to_vec(), b"b".to_vec(), b]);
        let mut argv: Vec<String> = vec!["LCS".into(), "a".into(), "b".into()];
        for _ in 0..r.below(4) {
            match r.below(7) {
                0 => argv.push("LEN".into()),
                1 | 2 => argv.push("IDX".into()),
                3 | 4 => {
                    argv.push("MINMATCHLEN".into());
                    argv.push(r.pick(&["0", "1", "2", "3", "5", "-1", "x"]).into());
                }
                5 => argv.push("WITHMATCHLEN".into()),
                _ => argv.push(r.pick(&["BAD", "MINMATCHLEN"]).into()),
            }
        }
        p.run(&words(&argv));
    }
    p.cmd(&["RPUSH", "l", "x"]);
    p.cmd(&["LCS", "a", "l"]);
    p.cmd(&["LCS", "missing", "a", "IDX", "WITHMATCHLEN"]);
    p.cmd(&["LCS", "missing", "nothing"]);
    p.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]);
    p.run(&[b"SET".to_vec(), b"big".to_vec(), vec![b'x'; 600]]);
    p.cmd(&["LCS", "big", "big"]);
    p.cmd(&["LCS", "big", "a", "LEN"]);
}

/// PFCOUNT refreshing a stale cache touches the key (a WATCH on it fails); answering from
/// the cache does not. SETBIT and BITFIELD touch theirs, BITFIELD_RO does not.
#[test]
fn watch_sees_cache_refreshes_and_bit_writes() {
    let Some((mut p, real, srv)) = pair("WATCH and PFCOUNT") else {
        return;
    };
    let mut other = Pair {
        redis: Raw::connect(real.addr),
        emu: Raw::connect(srv.addr().expect("emu address")),
        history: Vec::new(),
        compared: 0,
    };
    p.cmd(&["PFADD", "h", "a", "b"]);
    p.cmd(&["SETBIT", "b", "3", "1"]);
    for (key, touch) in [
        ("h", &["PFCOUNT", "h"][..]),
        ("h", &["PFCOUNT", "h"]),
        ("h", &["PFCOUNT", "h", "h"]),
        ("b", &["SETBIT", "b", "3", "1"]),
        ("b", &["BITFIELD_RO", "b", "GET", "u8", "0"]),
        (
            "b",
            &[
                "BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9",
            ],
        ),
        ("b", &["BITCOUNT", "b"]),
    ] {
        p.cmd(&["WATCH", key]);
        other.cmd(touch);
        p.cmd(&["MULTI"]);
        p.cmd(&["PING"]);
        p.cmd(&["EXEC"]);
    }
}

/// The dirty counter (`rdb_changes_since_last_save`) after each SETBIT/BITFIELD as Redis
/// counts it: a write that leaves the bits as they were changes nothing unless it created
/// or grew the string, and a BITFIELD adds one per changed field (the TCL bitops unit's
/// "SETBIT/BITFIELD only increase dirty when the value changed").
#[test]
fn bit_writes_count_dirty_as_redis() {
    let Some((mut p, _real, _emu)) = pair("the BITFIELD dirty test") else {
        return;
    };
    let dirty = |raw: &mut Raw| -> i64 {
        let info = String::from_utf8_lossy(&raw.cmd(&[b"INFO", b"persistence"])).into_owned();
        info.lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .expect("rdb_changes_since_last_save")
            .trim()
            .parse()
            .unwrap()
    };
    let start = (dirty(&mut p.redis), dirty(&mut p.emu));
    let mut deltas = Vec::new();
    for line in [
        "SETBIT foo 0 0",
        "BITFIELD foo2 SET i5 0 0",
        "SETBIT foo 0 0",
        "BITFIELD foo2 SET i5 0 0",
        "SETBIT foo 0 1",
        "SETBIT foo 0 1",
        "BITFIELD foo2 SET i5 0 1",
        "BITFIELD foo2 SET i5 0 1",
        "BITFIELD foo2 SET u4 0 3 INCRBY u4 4 0 SET u4 8 1",
        "BITFIELD foo2 SET u4 0 3 INCRBY u4 4 0 SET u4 8 1",
        "BITFIELD foo2 INCRBY u4 0 1 INCRBY i8 8 0 SET u8 64 0",
        "BITFIELD foo2 OVERFLOW FAIL INCRBY u2 0 100",
    ] {
        let words: Vec<&str> = line.split(' ').collect();
        p.cmd(&words);
        deltas.push((dirty(&mut p.redis) - start.0, dirty(&mut p.emu) - start.1));
    }
    let (want, got): (Vec<i64>, Vec<i64>) = deltas.into_iter().unzip();
    assert_eq!(want, got, "dirty deltas: redis (left), emu (right)");
}

//! Differential tests against a real redis-server (see the binary's docs).

use std::time::Duration;

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
    fn cmd(&mut self, words: &[&str]) -> Vec<u8> {
        let refs: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        let x = self.redis.cmd(&refs);
        let y = self.emu.cmd(&refs);
        self.history.push(format!("{words:?}"));
        self.compared += 1;
        if x != y {
            let from = self.history.len().saturating_sub(40);
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

/// Canonical integers (a set of only these is an intset in both: same iteration order).
const INTS: &[&str] = &[
    "0", "1", "2", "3", "5", "7", "10", "11", "-1", "-4", "100", "42",
];
/// Numbers as strtod reads them, some of them not canonical integers.
const NUMS: &[&str] = &[
    "1.5", "-2.25", "007", "1e3", "0x10", " 4", "+6", "3.0", "-0", "1e-3", ".5",
];
/// Words (ALPHA material; numeric SORT of them is the conversion error).
const WORDS: &[&str] = &[
    "a", "b", "apple", "Banana", "cherry", "A", "zz", "a b", "é", "10", "9", "-",
];
/// Weights: numbers, ties, and a few values that do not convert.
const WEIGHTS: &[&str] = &[
    "1", "2", "3", "10", "-5", "2.5", "1e2", "0x1A", " 7", "", "inf", "-inf", "2", "3",
];
/// (No out-of-range values: Redis 7.0 leaves `errno` at ERANGE after one, which makes later
/// numeric SORTs of the same process fail; see the module docs of `emu::types::sort`.)
const BAD_WEIGHTS: &[&str] = &["abc", "nan", "3 ", "1e", "0x"];

/// One scenario: fresh data, then a few SORTs.
fn scenario(p: &mut Pair, r: &mut Rng) {
    p.cmd(&["FLUSHALL"]);
    let kind = r.below(3);
    let pool: Vec<&str> = match kind {
        0 => INTS.to_vec(),
        1 => INTS.iter().chain(NUMS).copied().collect(),
        _ => WORDS.to_vec(),
    };
    let n = r.below(14) as usize;
    let mut elems: Vec<&str> = (0..n)
        .map(|_| pool[r.below(pool.len() as u64) as usize])
        .collect();
    // List (duplicates kept), set and sorted set of the same material.
    let mut cmd = vec!["RPUSH", "l"];
    cmd.extend(&elems);
    if n > 0 {
        p.cmd(&cmd);
    }
    let mut cmd = vec!["SADD", "s"];
    cmd.extend(&elems);
    if n > 0 {
        p.cmd(&cmd);
    }
    let scores: Vec<String> = elems.iter().map(|_| r.below(4).to_string()).collect();
    let mut cmd = vec!["ZADD", "z"];
    for (e, s) in elems.iter().zip(&scores) {
        cmd.push(s);
        cmd.push(e);
    }
    if n > 0 {
        p.cmd(&cmd);
    }
    elems.sort();
    elems.dedup();
    // Weights: `w_*` strings (some missing, a few bad), `h_*` hashes with fields `f` (numeric)
    // and `g` (unique text), `u_*` unique numeric strings (for ALPHA BY, where ties would be
    // left in hash-table order by Redis), `d_*` data for GET.
    let bad_rounds = r.chance(15);
    for (i, e) in elems.iter().enumerate() {
        if r.chance(80) {
            let w = if bad_rounds && r.chance(30) {
                r.pick(BAD_WEIGHTS)
            } else {
                r.pick(WEIGHTS)
            };
            p.cmd(&["SET", &format!("w_{e}"), w]);
        }
        let f = r.pick(WEIGHTS).to_string();
        let g = format!("{}-{i}", r.pick(&["x", "y", "X", "10"]));
        if r.chance(85) {
            p.cmd(&["HSET", &format!("h_{e}"), "f", &f, "g", &g]);
        }
        p.cmd(&[
            "SET",
            &format!("u_{e}"),
            &format!("{:03}", (i * 7919 + 13) % 997),
        ]);
        if r.chance(70) {
            p.cmd(&["SET", &format!("d_{e}"), &format!("data-{e}")]);
        }
    }
    p.cmd(&["SET", "str", "x"]);
    for _ in 0..8 {
        one_sort(p, r);
    }
}

fn one_sort(p: &mut Pair, r: &mut Rng) {
    let key = r.pick(&["l", "l", "s", "z", "z", "missing", "str"]);
    let ro = r.chance(25);
    let mut v: Vec<String> = vec![if ro { "SORT_RO" } else { "sort" }.into(), key.into()];
    let alpha = r.chance(40);
    let store = !ro && r.chance(30) || ro && r.chance(3);
    let limited = r.chance(40);
    // Which BY: none, a constant (no sorting), or a pattern.
    let by: Option<&str> = match r.below(6) {
        0 | 1 => None,
        2 => Some(r.pick(&["nosort", "constant", "w_", "nosort->f"])),
        _ if alpha => {
            // ALPHA BY: ties keep the input order in both only for a list without LIMIT;
            // elsewhere use the unique weights every element has (`u_*`).
            // (`str` may have become a list of other values through STORE: no BY there.)
            if key == "l" && !limited {
                Some(r.pick(&["w_*", "h_*->g", "u_*", "x_*", "h_*->f"]))
            } else if key == "str" {
                None
            } else {
                Some("u_*")
            }
        }
        _ => Some(r.pick(&[
            "w_*", "h_*->f", "h_*->g", "u_*", "x_*", "w_*->", "*", "h_*->",
        ])),
    };
    // A set with no sorting is returned in iteration order: only intsets agree.
    let mut opts: Vec<Vec<String>> = Vec::new();
    if let Some(b) = by {
        let constant = !b.contains('*');
        if constant && key == "s" && !store {
            let all_ints = p.cmd(&["OBJECT", "ENCODING", "s"]) == b"$6\r\nintset\r\n";
            if !all_ints {
                return;
            }
        }
        opts.push(vec!["BY".into(), b.into()]);
    }
    if alpha {
        opts.push(vec![r.pick(&["ALPHA", "alpha"]).into()]);
    }
    if limited {
        let off = r.pick(&["0", "1", "2", "-1", "5", "100", "x", "9223372036854775807"]);
        let cnt = r.pick(&[
            "0",
            "1",
            "3",
            "-1",
            "-5",
            "100",
            "9223372036854775807",
            "1.5",
        ]);
        opts.push(vec!["LIMIT".into(), off.into(), cnt.into()]);
    }
    for _ in 0..r.below(3) {
        opts.push(vec![
            "GET".into(),
            r.pick(&[
                "#",
                "d_*",
                "h_*->g",
                "h_*->f",
                "w_*",
                "h_*->missing",
                "#x",
                "nokey",
            ])
            .into(),
        ]);
    }
    if r.chance(50) {
        opts.push(vec![r.pick(&["ASC", "DESC", "desc"]).into()]);
    }
    if store {
        opts.push(vec![
            "STORE".into(),
            r.pick(&["dst", "dst", "l", "str"]).into(),
        ]);
    }
    // Options in any order.
    for i in (1..opts.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        opts.swap(i, j);
    }
    // A dangling keyword last (anywhere else it would take the next option as its argument,
    // e.g. `BY ALPHA`, and make orders Redis leaves to its hash tables).
    if r.chance(5) {
        opts.push(vec![r.pick(&["LIMIT", "BY", "GET", "STORE", "foo"]).into()]);
    }
    v.extend(opts.into_iter().flatten());
    let words: Vec<&str> = v.iter().map(|s| s.as_str()).collect();
    let reply = p.cmd(&words);
    if store && reply.first() == Some(&b':') {
        for dst in ["dst", "l", "str"] {
            p.cmd(&["TYPE", dst]);
            p.cmd(&["LRANGE", dst, "0", "-1"]);
            p.cmd(&["TTL", dst]);
        }
    }
}

#[test]
fn random_sorts_match_redis() {
    let Some((mut p, _real, _srv)) = pair("the SORT differential test") else {
        return;
    };
    for seed in [0x50_27, 0x2222, 0x6666] {
        let mut r = Rng::new(seed);
        p.both_unchecked(&["HELLO", "2"]);
        for round in 0..300 {
            if round == 150 {
                p.both_unchecked(&["HELLO", "3"]);
            }
            scenario(&mut p, &mut r);
        }
    }
    assert!(p.compared > 9000, "compared {}", p.compared);
}

#[test]
fn fixed_cases_match_redis() {
    let Some((mut p, _real, _srv)) = pair("the SORT differential test") else {
        return;
    };
    for resp in ["2", "3"] {
        p.both_unchecked(&["HELLO", resp]);
        p.cmd(&["FLUSHALL"]);
        p.cmd(&["RPUSH", "l", "3", "1", "2", "", "1.5e0"]);
        p.cmd(&["RPUSH", "w", "b", "a", "a\u{0}z", "a", "c"]);
        p.cmd(&["ZADD", "z", "3", "c", "1", "a", "2", "b", "2", "bb"]);
        p.cmd(&["SADD", "si", "5", "-1", "3"]);
        p.cmd(&["SET", "str", "x"]);
        p.cmd(&["HSET", "h_a", "f", "9"]);
        p.cmd(&["MSET", "k_c", "1", "k_a", "3", "k_b", "2", "k_bb", "2"]);
        for cmd in [
            "SORT l",
            "SORT l DESC",
            "SORT l LIMIT 1 2",
            "SORT l LIMIT 1",
            "SORT l LIMIT a 2",
            "SORT l LIMIT 1 b",
            "SORT l BY nosort DESC LIMIT 1 2",
            "SORT l BY nosort LIMIT 10 2",
            "SORT l BY nosort BY k_*",
            "SORT z BY k_* BY nosort DESC",
            "SORT z BY nosort BY k_* DESC",
            "SORT w",
            "SORT w ALPHA",
            "SORT w ALPHA DESC",
            "SORT w ALPHA STORE d",
            "SORT z",
            "OBJECT ENCODING z",
            "SORT z ALPHA",
            "OBJECT ENCODING z",
            "SORT z BY nosort",
            "SORT z BY nosort DESC",
            "SORT z BY nosort DESC LIMIT 1 2",
            "SORT z BY k_*",
            "SORT z BY k_* DESC GET # GET k_* GET h_*->f",
            "SORT z BY k_* STORE d",
            "SORT si BY nosort",
            "SORT si BY nosort DESC",
            "SORT si BY nosort STORE d",
            "SORT str",
            "SORT missing",
            "SORT missing STORE d",
            "SORT_RO l STORE d",
            "SORT_RO l",
            "SORT l STORE",
            "SORT l foo",
            "SORT l GET",
            "SORT l ALPHA LIMIT 0 0 STORE d",
            "SORT l BY x_* STORE d",
        ] {
            let words: Vec<&str> = cmd.split(' ').collect();
            p.cmd(&words);
            if cmd.contains("STORE d") {
                p.cmd(&["LRANGE", "d", "0", "-1"]);
                p.cmd(&["EXISTS", "d"]);
            }
        }
        // A script (or function) gets a set sorted ALPHA under BY nosort, as STORE does;
        // a list or sorted set keeps its order. Members that order differently as numbers
        // and as strings, in a string set (hash table) and an intset.
        p.cmd(&["SADD", "sw", "10", "9", "1", "-2", "b", "a"]);
        p.cmd(&["SADD", "sn", "10", "9", "1", "-2", "100"]);
        for script in [
            "return redis.call('SORT', KEYS[1], 'BY', 'nosort')",
            "return redis.call('SORT_RO', KEYS[1], 'BY', 'nosort')",
            "return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'DESC', 'LIMIT', '1', '3')",
            "return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'GET', '#', 'GET', 'k_*')",
        ] {
            for key in ["sw", "sn", "si", "l", "z"] {
                p.cmd(&["EVAL", script, "1", key]);
            }
        }
        p.cmd(&[
            "FUNCTION",
            "LOAD",
            "REPLACE",
            "#!lua name=sortlib\nredis.register_function('sortset', function(keys) return redis.call('SORT', keys[1], 'BY', 'nosort') end)",
        ]);
        p.cmd(&["FCALL", "sortset", "1", "sw"]);
        p.cmd(&["FUNCTION", "FLUSH"]);
        // An empty result deletes the destination, whatever its type.
        p.cmd(&["SET", "d", "v"]);
        p.cmd(&["SORT", "missing", "STORE", "d"]);
        p.cmd(&["EXISTS", "d"]);
        // STORE clears the TTL.
        p.cmd(&["SET", "d", "v", "EX", "100"]);
        p.cmd(&["SORT", "l", "STORE", "d"]);
        p.cmd(&["TTL", "d"]);
        for name in ["sort", "sort_ro"] {
            // Key specs aside (emu shows none), the head of COMMAND INFO is Redis's.
            let info = p.emu.cmd(&[b"COMMAND", b"INFO", name.as_bytes()]);
            let text = String::from_utf8_lossy(&info);
            assert!(
                text.contains("+movablekeys\r\n:1\r\n:1\r\n:1\r\n"),
                "{text}"
            );
        }
        p.cmd(&[
            "COMMAND", "GETKEYS", "SORT", "k", "LIMIT", "0", "1", "STORE", "a", "STORE", "b",
        ]);
        p.cmd(&["COMMAND", "GETKEYS", "SORT_RO", "k", "BY", "w_*"]);
    }
}

/// SORT … STORE creating a list wakes a client blocked on it, in emu as in Redis.
#[test]
fn sort_store_wakes_blocked_pop() {
    let Some((mut p, _real, srv)) = pair("the SORT wake-up test") else {
        return;
    };
    p.cmd(&["RPUSH", "src", "3", "1", "2"]);
    let mut blocked = Raw::connect(srv.addr().expect("emu address"));
    blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$3\r\ndst\r\n$1\r\n0\r\n");
    // Make sure the BLPOP is registered before the STORE (a generous bound).
    assert!(blocked.silent(200), "BLPOP returned at once");
    assert_eq!(p.emu.cmds("SORT src STORE dst"), b":3\r\n");
    blocked
        .s
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    assert_eq!(blocked.reply(), b"*2\r\n$3\r\ndst\r\n$1\r\n1\r\n");
    assert_eq!(
        p.emu.cmds("LRANGE dst 0 -1"),
        b"*2\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
}

/// BY and GET patterns read keys no argument names: Redis allows them only to a user one
/// of whose selectors allows the call and reads every key (`~*`, `%R~*`, …).
#[test]
fn by_and_get_need_full_key_access_as_redis() {
    let Some((mut p, _real, _emu)) = pair("SORT BY/GET ACL check") else {
        return;
    };
    p.cmd(&["RPUSH", "l", "3", "1", "2"]);
    p.cmd(&["SET", "w_1", "9"]);
    for (user, rules) in [
        ("u1", &["~*", "+@all"][..]),
        ("u2", &["%R~*", "+@all"]),
        ("u3", &["~l*", "+@all"]),
        ("u4", &["%W~*", "+@all"]),
        ("u5", &["~l*", "+@all", "(~* +sort)"]),
    ] {
        let mut words = vec!["ACL", "SETUSER", user, "on", "nopass"];
        words.extend_from_slice(rules);
        p.cmd(&words);
    }
    for user in ["u1", "u2", "u3", "u4", "u5"] {
        p.cmd(&["AUTH", user, "x"]);
        for c in [
            &["SORT", "l", "BY", "w_*"][..],
            &["SORT", "l", "GET", "#"],
            &["SORT", "l", "BY", "nosort"],
            &["SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*"],
            &["SORT", "l", "LIMIT", "x", "1", "GET", "#"],
            &["SORT_RO", "l", "GET", "#"],
            &["SORT", "l", "BY", "const", "GET", "#"],
        ] {
            p.cmd(c);
        }
    }
}

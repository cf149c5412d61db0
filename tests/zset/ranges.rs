//! Sorted sets: the ZRANGE family, ZRANGESTORE and ZREMRANGEBY*. Replies checked against
//! Redis 7.0.15 in both protocols.

use crate::common::zset::*;
use emu::Value;

const LIMIT_ERR: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
const WITHSCORES_ERR: &str = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";

fn five(t: &mut T) {
    t.ok(&[
        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]);
}

fn lex(t: &mut T) {
    for m in ["a", "b", "c", "d", "e", "f", "g"] {
        t.ok(&["ZADD", "l", "0", m]);
    }
}

#[test]
fn zrange_by_rank() {
    let mut t = T::new(2);
    five(&mut t);
    assert_eq!(
        t.ok(&["ZRANGE", "z", "0", "-1"]),
        bulks(&["a", "b", "c", "d", "e"])
    );
    assert_eq!(t.ok(&["ZRANGE", "z", "1", "2"]), bulks(&["b", "c"]));
    assert_eq!(t.ok(&["ZRANGE", "z", "-2", "-1"]), bulks(&["d", "e"]));
    assert_eq!(
        t.ok(&["ZRANGE", "z", "-100", "100"]),
        bulks(&["a", "b", "c", "d", "e"])
    );
    assert_eq!(t.ok(&["ZRANGE", "z", "3", "1"]), bulks(&[]));
    assert_eq!(t.ok(&["ZRANGE", "z", "5", "10"]), bulks(&[]));
    assert_eq!(
        t.ok(&["ZRANGE", "z", "-9223372036854775808", "9223372036854775807"]),
        bulks(&["a", "b", "c", "d", "e"])
    );
    assert_eq!(t.ok(&["ZRANGE", "z", "0", "1", "REV"]), bulks(&["e", "d"]));
    assert_eq!(t.ok(&["ZREVRANGE", "z", "0", "1"]), bulks(&["e", "d"]));
    assert_eq!(t.ok(&["ZREVRANGE", "z", "-1", "-1"]), bulks(&["a"]));
    assert_eq!(
        t.ok(&["ZRANGE", "z", "0", "1", "WITHSCORES"]),
        pairs2(&[("a", 1.0), ("b", 2.0)])
    );
    assert_eq!(
        t.ok(&["ZREVRANGE", "z", "0", "0", "withscores"]),
        pairs2(&[("e", 5.0)])
    );
    // LIMIT 0 -1 is "no limit" and so passes the rank check, as in Redis.
    assert_eq!(
        t.ok(&["ZRANGE", "z", "0", "0", "LIMIT", "0", "-1"]),
        bulks(&["a"])
    );
}

#[test]
fn zrange_withscores_resp3_pairs() {
    let mut t = T::new(3);
    five(&mut t);
    assert_eq!(
        t.ok(&["ZRANGE", "z", "0", "1", "WITHSCORES"]),
        pairs3(&[("a", 1.0), ("b", 2.0)])
    );
    assert_eq!(
        t.ok(&["ZRANGEBYSCORE", "z", "(4", "+inf", "WITHSCORES"]),
        pairs3(&[("e", 5.0)])
    );
    assert_eq!(t.ok(&["ZRANGE", "z", "0", "1"]), bulks(&["a", "b"]));
}

#[test]
fn zrange_by_score() {
    let mut t = T::new(2);
    five(&mut t);
    assert_eq!(
        t.ok(&["ZRANGE", "z", "(1", "3", "BYSCORE"]),
        bulks(&["b", "c"])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES"]),
        pairs2(&[("c", 3.0), ("b", 2.0)])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"]),
        bulks(&["b", "c"])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-1"]),
        bulks(&["b", "c", "d", "e"])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"]),
        bulks(&[])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "5", "2"]),
        bulks(&[])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0"]),
        bulks(&[])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"]),
        bulks(&["d", "c"])
    );
    assert_eq!(t.ok(&["ZRANGE", "z", "(5", "+inf", "BYSCORE"]), bulks(&[]));
    assert_eq!(t.ok(&["ZRANGE", "z", "3", "3", "BYSCORE"]), bulks(&["c"]));
    assert_eq!(t.ok(&["ZRANGE", "z", "(3", "3", "BYSCORE"]), bulks(&[]));
    assert_eq!(t.ok(&["ZRANGEBYSCORE", "z", "2", "3"]), bulks(&["b", "c"]));
    assert_eq!(
        t.ok(&[
            "ZRANGEBYSCORE",
            "z",
            "-inf",
            "+inf",
            "WITHSCORES",
            "LIMIT",
            "4",
            "9"
        ]),
        pairs2(&[("e", 5.0)])
    );
    assert_eq!(t.ok(&["ZREVRANGEBYSCORE", "z", "(3", "(1"]), bulks(&["b"]));
    assert_eq!(
        t.ok(&["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "0", "2"]),
        bulks(&["e", "d"])
    );
    // strtod quirks in ranges: empty is 0, leading spaces, hex, overflow to inf.
    assert_eq!(t.ok(&["ZRANGEBYSCORE", "z", "", "1"]), bulks(&["a"]));
    assert_eq!(t.ok(&["ZRANGEBYSCORE", "z", " 2", "2"]), bulks(&["b"]));
    assert_eq!(
        t.ok(&["ZRANGEBYSCORE", "z", "0x4", "5"]),
        bulks(&["d", "e"])
    );
    assert_eq!(t.ok(&["ZRANGEBYSCORE", "z", "1e400", "+inf"]), bulks(&[]));
    assert_eq!(t.ok(&["ZRANGEBYSCORE", "z", "(", "(2"]), bulks(&["a"]));
}

#[test]
fn zrange_by_score_with_infinities() {
    let mut t = T::new(2);
    t.ok(&["ZADD", "z", "-inf", "lo", "0", "mid", "+inf", "hi"]);
    assert_eq!(
        t.ok(&["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"]),
        pairs2(&[
            ("lo", f64::NEG_INFINITY),
            ("mid", 0.0),
            ("hi", f64::INFINITY)
        ])
    );
    assert_eq!(
        t.ok(&["ZRANGEBYSCORE", "z", "(-inf", "(+inf"]),
        bulks(&["mid"])
    );
    assert_eq!(t.ok(&["ZCOUNT", "z", "-inf", "-inf"]), i(1));
}

#[test]
fn zrange_by_lex() {
    let mut t = T::new(2);
    lex(&mut t);
    assert_eq!(
        t.ok(&["ZRANGEBYLEX", "l", "[b", "(e"]),
        bulks(&["b", "c", "d"])
    );
    assert_eq!(
        t.ok(&["ZRANGEBYLEX", "l", "(b", "[e"]),
        bulks(&["c", "d", "e"])
    );
    assert_eq!(
        t.ok(&["ZRANGEBYLEX", "l", "-", "[c"]),
        bulks(&["a", "b", "c"])
    );
    assert_eq!(t.ok(&["ZRANGEBYLEX", "l", "(e", "+"]), bulks(&["f", "g"]));
    assert_eq!(t.ok(&["ZRANGEBYLEX", "l", "+", "-"]), bulks(&[]));
    assert_eq!(t.ok(&["ZRANGEBYLEX", "l", "-", "-"]), bulks(&[]));
    assert_eq!(t.ok(&["ZRANGEBYLEX", "l", "(c", "[c"]), bulks(&[]));
    assert_eq!(
        t.ok(&["ZRANGEBYLEX", "l", "-", "+", "LIMIT", "2", "3"]),
        bulks(&["c", "d", "e"])
    );
    assert_eq!(
        t.ok(&["ZRANGEBYLEX", "l", "-", "+", "LIMIT", "5", "-1"]),
        bulks(&["f", "g"])
    );
    assert_eq!(
        t.ok(&["ZRANGEBYLEX", "l", "-", "+", "LIMIT", "-1", "3"]),
        bulks(&[])
    );
    assert_eq!(
        t.ok(&["ZREVRANGEBYLEX", "l", "[e", "(b"]),
        bulks(&["e", "d", "c"])
    );
    assert_eq!(
        t.ok(&["ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "1", "2"]),
        bulks(&["f", "e"])
    );
    assert_eq!(t.ok(&["ZREVRANGEBYLEX", "l", "-", "+"]), bulks(&[]));
    assert_eq!(
        t.ok(&["ZRANGE", "l", "[e", "(b", "BYLEX", "REV"]),
        bulks(&["e", "d", "c"])
    );
    assert_eq!(
        t.ok(&["ZRANGE", "l", "(b", "[e", "BYLEX", "LIMIT", "1", "10"]),
        bulks(&["d", "e"])
    );
    assert_eq!(t.ok(&["ZRANGE", "l", "[", "(b", "BYLEX"]), bulks(&["a"]));
}

#[test]
fn zrange_syntax_errors() {
    let mut t = T::new(2);
    five(&mut t);
    assert_eq!(
        t.err(&["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"]),
        LIMIT_ERR
    );
    assert_eq!(
        t.err(&["ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
        LIMIT_ERR
    );
    assert_eq!(
        t.err(&["ZRANGE", "z", "a", "b", "BYLEX", "WITHSCORES"]),
        WITHSCORES_ERR
    );
    assert_eq!(
        t.err(&["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"]),
        WITHSCORES_ERR
    );
    assert_eq!(t.err(&["ZRANGE", "z", "0", "1", "REV", "REV"]), SYNTAX);
    assert_eq!(
        t.err(&["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"]),
        SYNTAX
    );
    assert_eq!(t.err(&["ZRANGEBYSCORE", "z", "0", "1", "REV"]), SYNTAX);
    assert_eq!(t.err(&["ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"]), SYNTAX);
    assert_eq!(
        t.err(&["ZRANGE", "z", "[a", "[z", "BYLEX", "LIMIT", "0"]),
        SYNTAX
    );
    assert_eq!(t.err(&["ZRANGE", "z", "0", "1", "foo"]), SYNTAX);
    assert_eq!(t.err(&["ZRANGE", "z", "x", "1"]), NOT_INT);
    assert_eq!(t.err(&["ZRANGE", "z", "0", "1.5"]), NOT_INT);
    assert_eq!(t.err(&["ZRANGE", "z", "a", "b", "BYLEX"]), RANGE_LEX);
    assert_eq!(t.err(&["ZRANGE", "z", "a", "b", "BYSCORE"]), RANGE_FLOAT);
    assert_eq!(t.err(&["ZRANGEBYSCORE", "z", "nan", "1"]), RANGE_FLOAT);
    assert_eq!(t.err(&["ZRANGEBYSCORE", "z", "(nan", "1"]), RANGE_FLOAT);
    assert_eq!(t.err(&["ZRANGEBYLEX", "z", "[a", ""]), RANGE_LEX);
    assert_eq!(
        t.err(&["ZRANGE", "z", "(1", "5", "BYSCORE", "LIMIT", "x", "1"]),
        NOT_INT
    );
    assert_eq!(
        t.err(&["ZRANGE", "z", "0"]),
        "ERR wrong number of arguments for 'zrange' command"
    );
    assert_eq!(
        t.err(&["ZRANGEBYLEX", "z", "-"]),
        "ERR wrong number of arguments for 'zrangebylex' command"
    );
}

#[test]
fn zrange_missing_and_wrong_type() {
    let mut t = T::new(2);
    assert_eq!(t.ok(&["ZRANGE", "nokey", "0", "-1"]), bulks(&[]));
    assert_eq!(t.ok(&["ZRANGEBYLEX", "nokey", "[a", "[b"]), bulks(&[]));
    assert_eq!(t.err(&["ZRANGE", "nokey", "x", "y", "BYLEX"]), RANGE_LEX);
    t.set_str("s", "x");
    for cmd in [
        &["ZRANGE", "s", "0", "-1"][..],
        &["ZREVRANGE", "s", "0", "-1"],
        &["ZRANGEBYSCORE", "s", "0", "1"],
        &["ZREVRANGEBYSCORE", "s", "1", "0"],
        &["ZRANGEBYLEX", "s", "-", "+"],
        &["ZREVRANGEBYLEX", "s", "+", "-"],
    ] {
        assert_eq!(t.err(cmd), WRONGTYPE, "{cmd:?}");
    }
    // Argument errors come first.
    assert_eq!(t.err(&["ZRANGE", "s", "0", "-1", "BYLEX"]), RANGE_LEX);
}

#[test]
fn zrangestore() {
    let mut t = T::new(2);
    t.watch_events();
    five(&mut t);
    t.events();
    assert_eq!(t.ok(&["ZRANGESTORE", "d", "z", "0", "1"]), i(2));
    assert_eq!(
        t.ok(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
        pairs2(&[("a", 1.0), ("b", 2.0)])
    );
    assert_eq!(t.encoding("d"), "listpack");
    assert_eq!(
        t.ok(&[
            "ZRANGESTORE",
            "d",
            "z",
            "(1",
            "+inf",
            "BYSCORE",
            "LIMIT",
            "1",
            "1"
        ]),
        i(1)
    );
    assert_eq!(t.ok(&["ZRANGE", "d", "0", "-1"]), bulks(&["c"]));
    assert_eq!(t.ok(&["ZRANGESTORE", "d", "z", "0", "1", "REV"]), i(2));
    assert_eq!(t.ok(&["ZRANGE", "d", "0", "-1"]), bulks(&["d", "e"]));
    assert_eq!(t.ok(&["ZRANGESTORE", "d", "z", "-", "+", "BYLEX"]), i(5));
    assert_eq!(t.ok(&["ZRANGESTORE", "d", "z", "5", "6"]), i(0));
    assert!(!t.exists("d"));
    assert_eq!(t.ok(&["ZRANGESTORE", "d", "z", "5", "6"]), i(0));
    assert_eq!(t.ok(&["ZRANGESTORE", "d", "nokey", "0", "-1"]), i(0));
    assert_eq!(
        t.events(),
        vec![
            ("zrangestore".to_string(), "d".to_string()),
            ("zrangestore".to_string(), "d".to_string()),
            ("zrangestore".to_string(), "d".to_string()),
            ("zrangestore".to_string(), "d".to_string()),
            ("del".to_string(), "d".to_string()),
        ]
    );
    assert_eq!(
        t.err(&["ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"]),
        SYNTAX
    );
    assert_eq!(
        t.err(&["ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "0", "1"]),
        LIMIT_ERR
    );
    assert_eq!(
        t.err(&["ZRANGESTORE", "d", "z", "0"]),
        "ERR wrong number of arguments for 'zrangestore' command"
    );
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZRANGESTORE", "d", "s", "0", "-1"]), WRONGTYPE);
    // The destination may hold another type: it is replaced.
    assert_eq!(t.ok(&["ZRANGESTORE", "s", "z", "0", "0"]), i(1));
    assert_eq!(t.ok(&["ZRANGE", "s", "0", "-1"]), bulks(&["a"]));
    // Source and destination may be the same key.
    assert_eq!(t.ok(&["ZRANGESTORE", "z", "z", "1", "2"]), i(2));
    assert_eq!(t.ok(&["ZRANGE", "z", "0", "-1"]), bulks(&["b", "c"]));
}

#[test]
fn zrangestore_encoding_and_negative_zero() {
    let mut t = T::new(2);
    t.store.config.zset_max_listpack_entries = 0;
    t.ok(&["ZADD", "z", "-0", "m", "1", "n"]);
    assert_eq!(t.encoding("z"), "skiplist");
    t.store.config.zset_max_listpack_entries = 128;
    t.ok(&["ZRANGESTORE", "d", "z", "0", "-1"]);
    assert_eq!(t.encoding("d"), "listpack");
    // Stored in a listpack, -0 becomes 0.
    match t.ok(&["ZSCORE", "d", "m"]) {
        Value::Double(v) => assert!(v == 0.0 && v.is_sign_positive()),
        v => panic!("{v:?}"),
    }
    t.store.config.zset_max_listpack_entries = 1;
    t.ok(&["ZRANGESTORE", "d", "z", "0", "-1"]);
    assert_eq!(t.encoding("d"), "skiplist");
}

#[test]
fn zremrangebyrank() {
    let mut t = T::new(2);
    t.watch_events();
    t.ok(&[
        "ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f",
    ]);
    t.events();
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "r", "0", "0"]), i(1));
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "r", "-1", "-1"]), i(1));
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "r", "5", "10"]), i(0));
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "r", "2", "1"]), i(0));
    assert_eq!(
        t.ok(&["ZRANGE", "r", "0", "-1"]),
        bulks(&["b", "c", "d", "e"])
    );
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "r", "1", "100"]), i(3));
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "r", "-100", "0"]), i(1));
    assert!(!t.exists("r"));
    assert_eq!(
        t.events(),
        [
            ("zremrangebyrank", "r"),
            ("zremrangebyrank", "r"),
            ("zremrangebyrank", "r"),
            ("zremrangebyrank", "r"),
            ("del", "r")
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect::<Vec<_>>()
    );
    assert_eq!(t.err(&["ZREMRANGEBYRANK", "r", "x", "1"]), NOT_INT);
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "nokey", "0", "-1"]), i(0));
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZREMRANGEBYRANK", "s", "0", "1"]), WRONGTYPE);
    assert_eq!(t.err(&["ZREMRANGEBYRANK", "s", "a", "1"]), NOT_INT);
}

#[test]
fn zremrangebyscore() {
    let mut t = T::new(2);
    t.watch_events();
    t.ok(&[
        "ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]);
    t.events();
    assert_eq!(t.ok(&["ZREMRANGEBYSCORE", "r", "(2", "4"]), i(2));
    assert_eq!(t.ok(&["ZREMRANGEBYSCORE", "r", "10", "20"]), i(0));
    assert_eq!(
        t.ok(&["ZRANGE", "r", "0", "-1", "WITHSCORES"]),
        pairs2(&[("a", 1.0), ("b", 2.0), ("e", 5.0)])
    );
    assert_eq!(t.ok(&["ZREMRANGEBYSCORE", "r", "-inf", "+inf"]), i(3));
    assert!(!t.exists("r"));
    assert_eq!(
        t.events(),
        [
            ("zremrangebyscore", "r"),
            ("zremrangebyscore", "r"),
            ("del", "r")
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect::<Vec<_>>()
    );
    assert_eq!(t.err(&["ZREMRANGEBYSCORE", "r", "x", "4"]), RANGE_FLOAT);
    assert_eq!(t.ok(&["ZREMRANGEBYSCORE", "nokey", "0", "1"]), i(0));
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZREMRANGEBYSCORE", "s", "0", "1"]), WRONGTYPE);
}

#[test]
fn zremrangebylex() {
    let mut t = T::new(2);
    t.watch_events();
    lex(&mut t);
    t.events();
    assert_eq!(t.ok(&["ZREMRANGEBYLEX", "l", "[b", "(e"]), i(3));
    assert_eq!(t.ok(&["ZREMRANGEBYLEX", "l", "+", "-"]), i(0));
    assert_eq!(
        t.ok(&["ZRANGE", "l", "0", "-1"]),
        bulks(&["a", "e", "f", "g"])
    );
    assert_eq!(t.ok(&["ZREMRANGEBYLEX", "l", "-", "+"]), i(4));
    assert!(!t.exists("l"));
    assert_eq!(
        t.events(),
        [
            ("zremrangebylex", "l"),
            ("zremrangebylex", "l"),
            ("del", "l")
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect::<Vec<_>>()
    );
    assert_eq!(t.err(&["ZREMRANGEBYLEX", "l", "x", "+"]), RANGE_LEX);
    assert_eq!(t.ok(&["ZREMRANGEBYLEX", "nokey", "-", "+"]), i(0));
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZREMRANGEBYLEX", "s", "-", "+"]), WRONGTYPE);
    assert_eq!(t.err(&["ZREMRANGEBYLEX", "s", "x", "+"]), RANGE_LEX);
}

#[test]
fn ranges_on_a_large_skiplist_set() {
    let mut t = T::new(3);
    let mut args: Vec<String> = vec!["ZADD".into(), "big".into()];
    for k in 0..2000 {
        args.push((k / 3).to_string());
        args.push(format!("m{k:04}"));
    }
    let argv: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    assert_eq!(t.ok(&argv), i(2000));
    assert_eq!(t.encoding("big"), "skiplist");
    assert_eq!(
        t.ok(&["ZRANGE", "big", "1000", "1002", "WITHSCORES"]),
        pairs3(&[("m1000", 333.0), ("m1001", 333.0), ("m1002", 334.0)])
    );
    assert_eq!(
        t.ok(&["ZREVRANGE", "big", "0", "1"]),
        bulks(&["m1999", "m1998"])
    );
    assert_eq!(t.ok(&["ZCOUNT", "big", "(100", "200"]), i(300));
    assert_eq!(
        t.ok(&["ZRANGEBYSCORE", "big", "(100", "200", "LIMIT", "299", "5"]),
        bulks(&["m0602"])
    );
    assert_eq!(
        t.ok(&["ZREVRANGEBYSCORE", "big", "200", "(100", "LIMIT", "0", "2"]),
        bulks(&["m0602", "m0601"])
    );
    assert_eq!(t.ok(&["ZREMRANGEBYSCORE", "big", "(100", "200"]), i(300));
    assert_eq!(t.ok(&["ZCARD", "big"]), i(1700));
    assert_eq!(t.ok(&["ZRANK", "big", "m0603"]), i(303));
    assert_eq!(t.ok(&["ZREMRANGEBYRANK", "big", "10", "1689"]), i(1680));
    assert_eq!(t.ok(&["ZCARD", "big"]), i(20));
    assert_eq!(
        t.ok(&["ZRANGE", "big", "9", "10"]),
        bulks(&["m0009", "m1990"])
    );
}

/// Lex ranges over a skiplist-encoded set whose scores differ (outside what lex ranges are
/// for): the listpack form answers exactly as Redis (a walk from the head); the skiplist
/// form walks a small set from the head too — where Redis's search ends unless one of its
/// random upper levels skips ahead — and ZREMRANGEBYLEX does not first check the range
/// against the first and last members, as `zslDeleteRangeByLex` does not. Redis's own
/// answer on a skiplist depends on its node levels, so this is checked against the walk,
/// not against a server.
#[test]
fn lex_ranges_over_mixed_scores_walk_from_the_head() {
    for listpack_entries in ["128", "0"] {
        let mut t = T::new(2);
        t.ok(&[
            "CONFIG",
            "SET",
            "zset-max-listpack-entries",
            listpack_entries,
        ]);
        // In order: a, 1, d — "1" sorts before "a" as bytes.
        t.ok(&["ZADD", "z", "-1", "a", "5", "1", "inf", "d"]);
        let enc = if listpack_entries == "0" {
            "skiplist"
        } else {
            "listpack"
        };
        assert_eq!(t.ok(&["OBJECT", "ENCODING", "z"]), Value::bulk(enc));
        if enc == "listpack" {
            // (On a skiplist Redis answers these by its node levels: 0 or 3, nothing or
            // "a", "1", from one run to the next.)
            assert_eq!(t.ok(&["ZLEXCOUNT", "z", "[a", "[a"]), i(2));
            assert_eq!(t.ok(&["ZRANGEBYLEX", "z", "[a", "[a"]), bulks(&["a", "1"]));
        }
        // a is in range, then 1 (≤ "a"), then d stops the walk.
        assert_eq!(t.ok(&["ZREMRANGEBYLEX", "z", "[a", "[a"]), i(2), "{enc}");
        assert_eq!(t.ok(&["ZRANGE", "z", "0", "-1"]), bulks(&["d"]));
        // The last member ("b") is below the minimum: the listpack's range check finds
        // nothing; the skiplist's deletion has no such check and deletes from c on (what
        // Redis answers in most runs).
        t.ok(&["DEL", "z"]);
        t.ok(&["ZADD", "z", "1", "c", "2", "d", "3", "b"]);
        let deleted = if listpack_entries == "0" { 3 } else { 0 };
        assert_eq!(
            t.ok(&["ZREMRANGEBYLEX", "z", "[c", "+"]),
            i(deleted),
            "{enc}"
        );
    }
}

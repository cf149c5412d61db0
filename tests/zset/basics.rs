//! Sorted sets: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK,
//! ZREVRANK, encodings, notifications and effects. Replies checked against Redis 7.0.15.

use crate::common::zset::*;
use emu::Value;

fn abc(t: &mut T) {
    assert_eq!(t.ok(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]), i(3));
}

#[test]
fn zadd_basic_and_update() {
    let mut t = T::new(2);
    abc(&mut t);
    assert_eq!(t.ok(&["ZADD", "z", "1", "a"]), i(0));
    assert_eq!(t.ok(&["ZADD", "z", "5", "a", "9", "new"]), i(1));
    assert_eq!(t.ok(&["ZSCORE", "z", "a"]), d(5.0));
    assert_eq!(t.ok(&["ZCARD", "z"]), i(4));
    // Duplicate members in one call: the last score wins, counted once.
    assert_eq!(t.ok(&["ZADD", "y", "1", "m", "2", "m"]), i(1));
    assert_eq!(t.ok(&["ZSCORE", "y", "m"]), d(2.0));
}

#[test]
fn zadd_option_errors() {
    let mut t = T::new(2);
    abc(&mut t);
    assert_eq!(
        t.err(&["ZADD", "z", "nx", "xx", "1", "a"]),
        "ERR XX and NX options at the same time are not compatible"
    );
    for opts in [["nx", "gt"], ["nx", "lt"], ["gt", "lt"]] {
        assert_eq!(
            t.err(&["ZADD", "z", opts[0], opts[1], "1", "a"]),
            "ERR GT, LT, and/or NX options at the same time are not compatible"
        );
    }
    assert_eq!(
        t.err(&["ZADD", "z", "incr", "1", "a", "2", "b"]),
        "ERR INCR option supports a single increment-element pair"
    );
    assert_eq!(t.err(&["ZADD", "z", "1", "a", "2"]), SYNTAX);
    // Odd pair count is checked before option conflicts.
    assert_eq!(t.err(&["ZADD", "z", "xx", "nx", "1"]), SYNTAX);
    assert_eq!(t.err(&["ZADD", "z", "nx", "xx", "ch"]), SYNTAX);
    assert_eq!(
        t.err(&["ZADD", "z", "1"]),
        "ERR wrong number of arguments for 'zadd' command"
    );
    assert_eq!(t.err(&["ZADD", "z", "x", "a"]), NOT_FLOAT);
    assert_eq!(t.err(&["ZADD", "z", "nan", "a"]), NOT_FLOAT);
    assert_eq!(t.err(&["ZADD", "z", "", "a"]), NOT_FLOAT);
    assert_eq!(t.err(&["ZADD", "z", " 1", "a"]), NOT_FLOAT);
    assert_eq!(t.err(&["ZADD", "z", "1e400", "a"]), NOT_FLOAT);
    // Nothing was applied by the failed calls.
    assert_eq!(t.ok(&["ZCARD", "z"]), i(3));
}

#[test]
fn zadd_wrong_type_after_score_parsing() {
    let mut t = T::new(2);
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZADD", "s", "1", "a"]), WRONGTYPE);
    assert_eq!(t.err(&["ZADD", "s", "x", "a"]), NOT_FLOAT);
    assert_eq!(t.err(&["ZADD", "s", "xx", "1", "a"]), WRONGTYPE);
}

#[test]
fn zadd_nx_xx_gt_lt_ch() {
    let mut t = T::new(2);
    abc(&mut t);
    assert_eq!(t.ok(&["ZADD", "z", "nx", "10", "a", "4", "d"]), i(1));
    assert_eq!(t.ok(&["ZSCORE", "z", "a"]), d(1.0));
    assert_eq!(t.ok(&["ZADD", "z", "xx", "10", "a", "5", "e"]), i(0));
    assert_eq!(t.ok(&["ZSCORE", "z", "a"]), d(10.0));
    assert_eq!(t.ok(&["ZSCORE", "z", "e"]), Value::Nil);
    assert_eq!(t.ok(&["ZADD", "z", "xx", "ch", "11", "a", "5", "e"]), i(1));
    // GT only raises, LT only lowers; both still add new members.
    assert_eq!(
        t.ok(&["ZADD", "z", "gt", "ch", "1", "a", "9", "b", "1", "f"]),
        i(2)
    );
    assert_eq!(t.ok(&["ZSCORE", "z", "a"]), d(11.0));
    assert_eq!(t.ok(&["ZSCORE", "z", "b"]), d(9.0));
    assert_eq!(t.ok(&["ZADD", "z", "lt", "ch", "1", "a", "99", "b"]), i(1));
    assert_eq!(t.ok(&["ZSCORE", "z", "a"]), d(1.0));
    assert_eq!(t.ok(&["ZSCORE", "z", "b"]), d(9.0));
    assert_eq!(
        t.ok(&["ZADD", "z", "xx", "gt", "ch", "100", "b", "1", "zz"]),
        i(1)
    );
    assert_eq!(t.ok(&["ZSCORE", "z", "zz"]), Value::Nil);
    // Same score: not counted by CH.
    assert_eq!(t.ok(&["ZADD", "z", "ch", "100", "b"]), i(0));
    // XX on a missing key creates nothing.
    assert_eq!(t.ok(&["ZADD", "nokey", "xx", "1", "a"]), i(0));
    assert!(!t.exists("nokey"));
    // Options are case-insensitive.
    assert_eq!(t.ok(&["ZADD", "z", "Nx", "cH", "1", "q"]), i(1));
}

#[test]
fn zadd_incr() {
    let mut t = T::new(2);
    abc(&mut t);
    assert_eq!(t.ok(&["ZADD", "z", "incr", "2.5", "a"]), d(3.5));
    assert_eq!(t.ok(&["ZADD", "z", "incr", "nx", "1", "a"]), Value::Nil);
    assert_eq!(t.ok(&["ZADD", "z", "incr", "nx", "1", "n"]), d(1.0));
    assert_eq!(
        t.ok(&["ZADD", "z", "incr", "xx", "1", "missing"]),
        Value::Nil
    );
    assert_eq!(t.ok(&["ZADD", "z", "incr", "gt", "0", "a"]), Value::Nil);
    assert_eq!(t.ok(&["ZADD", "z", "incr", "lt", "-1", "a"]), d(2.5));
    assert_eq!(t.ok(&["ZADD", "z", "incr", "gt", "-1", "a"]), Value::Nil);
    assert_eq!(t.ok(&["ZADD", "nokey", "xx", "incr", "1", "a"]), Value::Nil);
    // A zero increment still replies the (unchanged) score.
    assert_eq!(t.ok(&["ZADD", "z", "incr", "0", "a"]), d(2.5));
}

#[test]
fn zadd_incr_nan() {
    let mut t = T::new(2);
    assert_eq!(t.ok(&["ZADD", "z", "inf", "i"]), i(1));
    assert_eq!(
        t.err(&["ZADD", "z", "incr", "-inf", "i"]),
        "ERR resulting score is not a number (NaN)"
    );
    assert_eq!(
        t.err(&["ZINCRBY", "z", "-inf", "i"]),
        "ERR resulting score is not a number (NaN)"
    );
    assert_eq!(t.ok(&["ZSCORE", "z", "i"]), d(f64::INFINITY));
    assert_eq!(t.ok(&["ZINCRBY", "z", "inf", "i"]), d(f64::INFINITY));
}

#[test]
fn zincrby() {
    let mut t = T::new(2);
    assert_eq!(t.ok(&["ZINCRBY", "z", "1.5", "a"]), d(1.5));
    assert_eq!(t.ok(&["ZINCRBY", "z", "-3", "a"]), d(-1.5));
    assert_eq!(t.ok(&["ZSCORE", "z", "a"]), d(-1.5));
    assert_eq!(t.err(&["ZINCRBY", "z", "abc", "a"]), NOT_FLOAT);
    // Redis parses ZINCRBY's increment position as a ZADD option.
    assert_eq!(t.err(&["ZINCRBY", "z", "nx", "a"]), SYNTAX);
    assert_eq!(
        t.err(&["ZINCRBY", "z", "1"]),
        "ERR wrong number of arguments for 'zincrby' command"
    );
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZINCRBY", "s", "1", "a"]), WRONGTYPE);
}

#[test]
fn resp2_double_rendering_is_a_double_value() {
    let mut t = T::new(2);
    assert_eq!(t.ok(&["ZADD", "z", "0.1", "a"]), i(1));
    assert_eq!(t.ok(&["ZINCRBY", "z", "0.2", "a"]), d(0.1 + 0.2));
    assert_eq!(emu::util::float::fmt_g17(0.1 + 0.2), "0.30000000000000004");
}

#[test]
fn negative_zero_like_redis() {
    // Listpack stores integral scores as integers: -0 reads back as 0.
    let mut t = T::new(2);
    assert_eq!(t.ok(&["ZINCRBY", "z", "-0", "x"]), d(-0.0));
    match t.ok(&["ZSCORE", "z", "x"]) {
        Value::Double(v) => assert!(v == 0.0 && v.is_sign_positive()),
        v => panic!("{v:?}"),
    }
    // The skiplist encoding keeps the sign.
    t.store.config.zset_max_listpack_entries = 0;
    assert_eq!(t.ok(&["ZADD", "s", "-0", "m"]), i(1));
    match t.ok(&["ZSCORE", "s", "m"]) {
        Value::Double(v) => assert!(v == 0.0 && v.is_sign_negative()),
        v => panic!("{v:?}"),
    }
    // 0 == -0: not an update.
    assert_eq!(t.ok(&["ZADD", "s", "ch", "0", "m"]), i(0));
}

#[test]
fn zrem() {
    let mut t = T::new(2);
    abc(&mut t);
    assert_eq!(t.ok(&["ZREM", "z", "a", "nope", "a"]), i(1));
    assert_eq!(t.ok(&["ZREM", "z", "nope"]), i(0));
    assert_eq!(t.ok(&["ZREM", "nokey", "a"]), i(0));
    assert_eq!(t.ok(&["ZREM", "z", "b", "c", "x"]), i(2));
    assert!(!t.exists("z"));
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZREM", "s", "a"]), WRONGTYPE);
    assert_eq!(
        t.err(&["ZREM", "z"]),
        "ERR wrong number of arguments for 'zrem' command"
    );
}

#[test]
fn zscore_zmscore_zcard() {
    let mut t = T::new(2);
    abc(&mut t);
    assert_eq!(t.ok(&["ZSCORE", "z", "b"]), d(2.0));
    assert_eq!(t.ok(&["ZSCORE", "z", "x"]), Value::Nil);
    assert_eq!(t.ok(&["ZSCORE", "nokey", "x"]), Value::Nil);
    assert_eq!(
        t.ok(&["ZMSCORE", "z", "a", "x", "c"]),
        arr(vec![d(1.0), Value::Nil, d(3.0)])
    );
    assert_eq!(
        t.ok(&["ZMSCORE", "nokey", "a", "b"]),
        arr(vec![Value::Nil, Value::Nil])
    );
    assert_eq!(t.ok(&["ZCARD", "z"]), i(3));
    assert_eq!(t.ok(&["ZCARD", "nokey"]), i(0));
    t.set_str("s", "x");
    for cmd in [
        &["ZSCORE", "s", "a"][..],
        &["ZMSCORE", "s", "a"],
        &["ZCARD", "s"],
    ] {
        assert_eq!(t.err(cmd), WRONGTYPE);
    }
    assert_eq!(
        t.err(&["ZMSCORE", "z"]),
        "ERR wrong number of arguments for 'zmscore' command"
    );
    assert_eq!(
        t.err(&["ZSCORE", "z", "a", "b"]),
        "ERR wrong number of arguments for 'zscore' command"
    );
}

#[test]
fn zrank_zrevrank() {
    let mut t = T::new(2);
    abc(&mut t);
    assert_eq!(t.ok(&["ZRANK", "z", "a"]), i(0));
    assert_eq!(t.ok(&["ZRANK", "z", "c"]), i(2));
    assert_eq!(t.ok(&["ZREVRANK", "z", "a"]), i(2));
    assert_eq!(t.ok(&["ZREVRANK", "z", "c"]), i(0));
    assert_eq!(t.ok(&["ZRANK", "z", "x"]), Value::Nil);
    assert_eq!(t.ok(&["ZRANK", "nokey", "x"]), Value::Nil);
    assert_eq!(t.ok(&["ZREVRANK", "nokey", "x"]), Value::Nil);
    // 7.0 has no WITHSCORE option.
    assert_eq!(
        t.err(&["ZRANK", "z", "a", "withscore"]),
        "ERR wrong number of arguments for 'zrank' command"
    );
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZRANK", "s", "a"]), WRONGTYPE);
    assert_eq!(t.err(&["ZREVRANK", "s", "a"]), WRONGTYPE);
}

#[test]
fn zrank_with_equal_scores_orders_by_member() {
    let mut t = T::new(2);
    assert_eq!(
        t.ok(&["ZADD", "z", "1", "b", "1", "a", "1", "ab", "0", "z", "2", "0"]),
        i(5)
    );
    let order = ["z", "a", "ab", "b", "0"];
    for (r, m) in order.iter().enumerate() {
        assert_eq!(t.ok(&["ZRANK", "z", m]), i(r as i64), "{m}");
    }
}

#[test]
fn zrank_large_set() {
    let mut t = T::new(2);
    // 3000 members, many sharing scores, so chunks split and ties cross chunk borders.
    let mut args: Vec<String> = vec!["ZADD".into(), "big".into()];
    for k in 0..3000 {
        args.push(((k * 7) % 50).to_string());
        args.push(format!("m{k:05}"));
    }
    let argv: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    assert_eq!(t.ok(&argv), i(3000));
    let mut model: Vec<(i64, String)> = (0..3000)
        .map(|k| ((k * 7) % 50, format!("m{k:05}")))
        .collect();
    model.sort();
    for (r, (_, m)) in model.iter().enumerate().step_by(37) {
        assert_eq!(t.ok(&["ZRANK", "big", m]), i(r as i64));
        assert_eq!(t.ok(&["ZREVRANK", "big", m]), i(2999 - r as i64));
    }
}

#[test]
fn zcount() {
    let mut t = T::new(2);
    assert_eq!(
        t.ok(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]),
        i(5)
    );
    let cases: &[(&str, &str, i64)] = &[
        ("-inf", "+inf", 5),
        ("(1", "(5", 3),
        ("2", "4", 3),
        ("4", "2", 0),
        ("(2", "(2", 0),
        ("2", "2", 1),
        ("(2", "2", 0),
        ("", "1", 1),
        (" 2", "2", 1),
        ("(", "(3", 2),
        ("0x2", "3", 2),
        ("-1e400", "1e400", 5),
    ];
    for (min, max, n) in cases {
        assert_eq!(t.ok(&["ZCOUNT", "z", min, max]), i(*n), "{min} {max}");
    }
    for (min, max) in [
        ("x", "1"),
        ("1", "x"),
        ("nan", "1"),
        ("((1", "2"),
        ("1 ", "2"),
    ] {
        assert_eq!(t.err(&["ZCOUNT", "z", min, max]), RANGE_FLOAT);
    }
    assert_eq!(t.ok(&["ZCOUNT", "nokey", "0", "1"]), i(0));
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZCOUNT", "s", "0", "1"]), WRONGTYPE);
    // Range errors come before the type check.
    assert_eq!(t.err(&["ZCOUNT", "s", "x", "1"]), RANGE_FLOAT);
}

#[test]
fn zlexcount() {
    let mut t = T::new(2);
    for m in ["a", "b", "c", "d", "e", "f", "g"] {
        t.ok(&["ZADD", "z", "0", m]);
    }
    let cases: &[(&str, &str, i64)] = &[
        ("-", "+", 7),
        ("[b", "(e", 3),
        ("(b", "[e", 3),
        ("+", "-", 0),
        ("-", "-", 0),
        ("+", "+", 0),
        ("[c", "[c", 1),
        ("(c", "[c", 0),
        ("[", "+", 7),
        ("(", "(", 0),
        ("[aa", "[bb", 1),
    ];
    for (min, max, n) in cases {
        assert_eq!(t.ok(&["ZLEXCOUNT", "z", min, max]), i(*n), "{min} {max}");
    }
    for (min, max) in [("a", "+"), ("", "+"), ("-", "+a"), ("-a", "+")] {
        assert_eq!(t.err(&["ZLEXCOUNT", "z", min, max]), RANGE_LEX);
    }
    assert_eq!(t.ok(&["ZLEXCOUNT", "nokey", "-", "+"]), i(0));
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZLEXCOUNT", "s", "-", "+"]), WRONGTYPE);
    assert_eq!(t.err(&["ZLEXCOUNT", "s", "x", "+"]), RANGE_LEX);
}

#[test]
fn zlexcount_mixed_scores_follows_listpack_walk() {
    // Redis only defines lex ranges for equal scores; a listpack is walked linearly, and
    // the same answers come back here (checked against Redis 7.0.15).
    let mut t = T::new(2);
    t.ok(&[
        "ZADD", "mx", "1", "d", "2", "a", "3", "c", "4", "b", "5", "e",
    ]);
    assert_eq!(t.ok(&["ZLEXCOUNT", "mx", "[b", "[d"]), i(4));
    assert_eq!(t.ok(&["ZLEXCOUNT", "mx", "[a", "[c"]), i(0));
    assert_eq!(
        t.ok(&["ZRANGEBYLEX", "mx", "[b", "[d"]),
        bulks(&["d", "a", "c", "b"])
    );
    assert_eq!(
        t.ok(&["ZREVRANGEBYLEX", "mx", "[d", "[b"]),
        bulks(&["b", "c"])
    );
}

#[test]
fn encoding_listpack_then_skiplist() {
    let mut t = T::new(2);
    t.store.config.zset_max_listpack_entries = 3;
    t.ok(&["ZADD", "e", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(t.encoding("e"), "listpack");
    t.ok(&["ZADD", "e", "4", "d"]);
    assert_eq!(t.encoding("e"), "skiplist");
    t.ok(&["ZREM", "e", "a", "b", "c"]);
    assert_eq!(t.encoding("e"), "skiplist", "sticky");

    t.store.config.zset_max_listpack_entries = 128;
    t.store.config.zset_max_listpack_value = 5;
    t.ok(&["ZADD", "v", "1", "abcde"]);
    assert_eq!(t.encoding("v"), "listpack");
    t.ok(&["ZADD", "v", "2", "abcdef"]);
    assert_eq!(t.encoding("v"), "skiplist");
    t.ok(&["ZADD", "v2", "1", "abcdefg"]);
    assert_eq!(t.encoding("v2"), "skiplist");

    // Updating an existing member never converts; only new members count.
    t.store.config.zset_max_listpack_value = 64;
    t.ok(&["ZADD", "w", "1", "a", "2", "b"]);
    t.store.config.zset_max_listpack_entries = 1;
    t.ok(&["ZINCRBY", "w", "1", "a"]);
    assert_eq!(t.encoding("w"), "listpack");
    t.ok(&["ZADD", "w", "1", "c"]);
    assert_eq!(t.encoding("w"), "skiplist");

    // 200 pairs of one member stay a listpack (one element).
    t.store.config.zset_max_listpack_entries = 128;
    let mut args = vec!["ZADD", "dup"];
    for _ in 0..200 {
        args.extend(["1", "a"]);
    }
    assert_eq!(t.ok(&args), i(1));
    assert_eq!(t.encoding("dup"), "listpack");
}

#[test]
fn notifications() {
    let mut t = T::new(2);
    t.watch_events();
    abc(&mut t);
    t.ok(&["ZADD", "z", "1", "a"]);
    t.ok(&["ZADD", "z", "xx", "5", "nope"]);
    t.ok(&["ZADD", "z", "incr", "1", "a"]);
    t.ok(&["ZINCRBY", "z", "0", "a"]);
    t.ok(&["ZINCRBY", "z", "1", "a"]);
    t.ok(&["ZREM", "z", "nope"]);
    t.ok(&["ZREM", "z", "a"]);
    t.ok(&["ZREM", "z", "b", "c"]);
    let ev: Vec<(String, String)> = t.events();
    let want: Vec<(String, String)> = [
        ("zadd", "z"),
        ("zincr", "z"),
        ("zincr", "z"),
        ("zrem", "z"),
        ("zrem", "z"),
        ("del", "z"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(ev, want);
}

#[test]
fn effects_log_requests_that_changed_something() {
    let mut t = T::new(2);
    t.store.set_record_effects(true);
    abc(&mut t);
    t.ok(&["ZADD", "z", "nx", "5", "a"]);
    t.ok(&["ZINCRBY", "z", "2", "a"]);
    t.ok(&["ZSCORE", "z", "a"]);
    t.ok(&["ZREM", "z", "nope"]);
    assert_eq!(
        t.effects(),
        vec![
            "ZADD z 1 a 2 b 3 c".to_string(),
            "ZINCRBY z 2 a".to_string()
        ]
    );
}

#[test]
fn embedded_handle_speaks_resp3() {
    let r = emu::Redis::new();
    let v: Value = r
        .cmd("ZADD")
        .arg("z")
        .arg(1)
        .arg("a")
        .arg(2.5)
        .arg("b")
        .query()
        .unwrap();
    assert_eq!(v, i(2));
    let v: Value = r
        .cmd("ZRANGE")
        .arg("z")
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query()
        .unwrap();
    assert_eq!(v, pairs3(&[("a", 1.0), ("b", 2.5)]));
    let e = r
        .cmd("ZADD")
        .arg("z")
        .arg("x")
        .arg("a")
        .query::<Value>()
        .unwrap_err();
    assert_eq!(e.message(), NOT_FLOAT);
    assert_eq!(e.kind(), emu::ErrorKind::NotFloat);
}

#[test]
fn binary_members() {
    let mut t = T::new(2);
    let m1: &[u8] = b"\x00\xff";
    let m2: &[u8] = b"\x00";
    assert_eq!(
        t.run_bytes(&[b"ZADD", b"z", b"0", m1, b"0", m2]).unwrap(),
        i(2)
    );
    assert_eq!(
        t.run_bytes(&[b"ZRANGE", b"z", b"0", b"-1"]).unwrap(),
        arr(vec![Value::bulk(m2), Value::bulk(m1)])
    );
    assert_eq!(t.run_bytes(&[b"ZRANK", b"z", m1]).unwrap(), i(1));
}

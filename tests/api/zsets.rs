//! Sorted-set commands.

use std::collections::{BTreeMap, HashMap};

use emu::{MinMax, ScanOptions, ZAddOptions, ZAggregate, ZAggregateOptions, ZRangeOptions};

use super::{assert_err, WRONGTYPE};

fn pairs(items: &[(&str, f64)]) -> Vec<(String, f64)> {
    items.iter().map(|(m, s)| (m.to_string(), *s)).collect()
}

fn board(r: &emu::Redis) {
    let n: i64 = r
        .zadd(
            "lb",
            &[
                ("player1", 1000.0),
                ("player2", 1500.0),
                ("player3", 2000.0),
                ("player4", 1200.0),
            ],
        )
        .unwrap();
    assert_eq!(n, 4);
}

backends!(zadd_and_options);
fn zadd_and_options(r: emu::Redis) {
    board(&r);
    let n: i64 = r.zadd("lb", [("player1", 1100.0), ("new", 1.0)]).unwrap();
    assert_eq!(n, 1);
    let n: i64 = r
        .zadd_options(
            "lb",
            [("player1", 900.0), ("p9", 5.0)],
            ZAddOptions::default().xx().ch(),
        )
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(r.zscore::<_, _, f64>("lb", "player1").unwrap(), 900.0);
    assert_eq!(r.zscore::<_, _, Option<f64>>("lb", "p9").unwrap(), None);
    let n: i64 = r
        .zadd_options("lb", [("player1", 5.0)], ZAddOptions::default().nx())
        .unwrap();
    assert_eq!(n, 0);
    let n: i64 = r
        .zadd_options(
            "lb",
            [("player1", 5.0), ("player2", 9999.0)],
            ZAddOptions::default().gt().ch(),
        )
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(r.zscore::<_, _, f64>("lb", "player1").unwrap(), 900.0);
    let n: i64 = r
        .zadd_options("lb", [("player1", 5.0)], ZAddOptions::default().lt().ch())
        .unwrap();
    assert_eq!(n, 1);
    let s: Option<f64> = r
        .zadd_options("lb", [("player1", 10.0)], ZAddOptions::default().incr())
        .unwrap();
    assert_eq!(s, Some(15.0));
    let s: Option<f64> = r
        .zadd_options(
            "lb",
            [("player1", 10.0)],
            ZAddOptions::default().incr().nx(),
        )
        .unwrap();
    assert_eq!(s, None);
    // A map of member → score, as in redis-py.
    let m = HashMap::from([("x".to_string(), 0.25)]);
    assert_eq!(r.zadd("m", &m).unwrap(), 1);
    assert_err(
        r.zadd_options::<_, _, i64>("lb", [("a", 1.0)], ZAddOptions::default().nx().gt()),
        "ERR GT, LT, and/or NX options at the same time are not compatible",
    );
    assert_err(
        r.zadd_options::<_, _, i64>(
            "lb",
            [("a", 1.0), ("b", 2.0)],
            ZAddOptions::default().incr(),
        ),
        "ERR INCR option supports a single increment-element pair",
    );
    assert_err(
        r.zadd("lb", [("a", f64::NAN)]),
        "ERR value is not a valid float",
    );
    let _: () = r.set("str", "x").unwrap();
    assert_err(r.zadd("str", [("a", 1.0)]), WRONGTYPE);
}

backends!(scores_counts_ranks);
fn scores_counts_ranks(r: emu::Redis) {
    board(&r);
    assert_eq!(r.zscore::<_, _, f64>("lb", "player3").unwrap(), 2000.0);
    let s: Vec<Option<f64>> = r.zmscore("lb", ["player1", "nobody"]).unwrap();
    assert_eq!(s, vec![Some(1000.0), None]);
    assert_eq!(
        r.zincrby::<_, _, f64>("lb", 0.5, "player1").unwrap(),
        1000.5
    );
    assert_eq!(r.zcard("lb").unwrap(), 4);
    assert_eq!(r.zcount("lb", 1200, 2000).unwrap(), 3);
    assert_eq!(r.zcount("lb", "(1200", "+inf").unwrap(), 2);
    assert_eq!(
        r.zrank::<_, _, Option<i64>>("lb", "player4").unwrap(),
        Some(1)
    );
    assert_eq!(
        r.zrevrank::<_, _, Option<i64>>("lb", "player4").unwrap(),
        Some(2)
    );
    assert_eq!(r.zrank::<_, _, Option<i64>>("lb", "nobody").unwrap(), None);
    assert_eq!(r.zrem("lb", &["player1", "nobody"]).unwrap(), 1);
    r.zadd("lex", [("a", 0.0), ("b", 0.0), ("c", 0.0), ("d", 0.0)])
        .unwrap();
    assert_eq!(r.zlexcount("lex", "[b", "+").unwrap(), 3);
    assert_eq!(r.zlexcount("lex", "(a", "(d").unwrap(), 2);
    assert_err(
        r.zlexcount("lex", "b", "+"),
        "ERR min or max not valid string range item",
    );
}

backends!(ranges; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn ranges(r: emu::Redis) {
    board(&r);
    let bottom: Vec<String> = r.zrange("lb", 0, 2).unwrap();
    assert_eq!(bottom, vec!["player1", "player4", "player2"]);
    let top: Vec<(String, f64)> = r.zrange_withscores("lb", 0, 2).unwrap();
    assert_eq!(
        top,
        pairs(&[
            ("player1", 1000.0),
            ("player4", 1200.0),
            ("player2", 1500.0)
        ])
    );
    let as_map: BTreeMap<String, f64> = r.zrange_withscores("lb", -1, -1).unwrap();
    assert_eq!(as_map["player3"], 2000.0);
    let by_score: Vec<String> = r
        .zrange_options(
            "lb",
            1100,
            "+inf",
            ZRangeOptions::default().by_score().limit(1, 2),
        )
        .unwrap();
    assert_eq!(by_score, vec!["player2", "player3"]);
    let rev: Vec<(String, f64)> = r
        .zrange_options(
            "lb",
            "+inf",
            "(1200",
            ZRangeOptions::default().by_score().rev().withscores(),
        )
        .unwrap();
    assert_eq!(rev, pairs(&[("player3", 2000.0), ("player2", 1500.0)]));
    let rev_rank: Vec<String> = r
        .zrange_options("lb", 0, 0, ZRangeOptions::default().rev())
        .unwrap();
    assert_eq!(rev_rank, vec!["player3"]);
    assert_eq!(
        r.zrevrange::<_, Vec<String>>("lb", 0, 1).unwrap(),
        vec!["player3", "player2"]
    );
    let rv: Vec<(String, f64)> = r.zrevrange_withscores("lb", 0, 0).unwrap();
    assert_eq!(rv, pairs(&[("player3", 2000.0)]));
    let s: Vec<String> = r.zrangebyscore("lb", "-inf", 1200).unwrap();
    assert_eq!(s, vec!["player1", "player4"]);
    let s: Vec<(String, f64)> = r
        .zrangebyscore_options(
            "lb",
            1000,
            2000,
            ZRangeOptions::default().withscores().limit(1, 1),
        )
        .unwrap();
    assert_eq!(s, pairs(&[("player4", 1200.0)]));
    let s: Vec<String> = r.zrevrangebyscore("lb", "+inf", 1500).unwrap();
    assert_eq!(s, vec!["player3", "player2"]);
    let s: Vec<String> = r
        .zrevrangebyscore_options("lb", "+inf", "-inf", ZRangeOptions::default().limit(0, 1))
        .unwrap();
    assert_eq!(s, vec!["player3"]);
    assert_err(
        r.zrangebyscore_options::<_, _, _, Vec<String>>(
            "lb",
            0,
            1,
            ZRangeOptions::default().by_score(),
        ),
        "ERR syntax error",
    );

    r.zadd("lex", [("a", 0.0), ("b", 0.0), ("c", 0.0), ("d", 0.0)])
        .unwrap();
    let l: Vec<String> = r.zrangebylex("lex", "[b", "(d").unwrap();
    assert_eq!(l, vec!["b", "c"]);
    let l: Vec<String> = r
        .zrangebylex_options("lex", "-", "+", ZRangeOptions::default().limit(1, 2))
        .unwrap();
    assert_eq!(l, vec!["b", "c"]);
    let l: Vec<String> = r.zrevrangebylex("lex", "+", "[c").unwrap();
    assert_eq!(l, vec!["d", "c"]);
    let l: Vec<String> = r
        .zrevrangebylex_options("lex", "+", "-", ZRangeOptions::default().limit(0, 1))
        .unwrap();
    assert_eq!(l, vec!["d"]);
    let l: Vec<String> = r
        .zrange_options("lex", "[c", "-", ZRangeOptions::default().by_lex().rev())
        .unwrap();
    assert_eq!(l, vec!["c", "b", "a"]);
    assert_err(
        r.zrange_options::<_, _, _, Vec<String>>(
            "lex",
            "-",
            "+",
            ZRangeOptions::default().by_lex().withscores(),
        ),
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
    );

    let n: i64 = r
        .zrangestore(
            "dst",
            "lb",
            1500,
            "+inf",
            ZRangeOptions::default().by_score(),
        )
        .unwrap();
    assert_eq!(n, 2);
    let d: Vec<(String, f64)> = r.zrange_withscores("dst", 0, -1).unwrap();
    assert_eq!(d, pairs(&[("player2", 1500.0), ("player3", 2000.0)]));
    assert_err(
        r.zrangestore("dst", "lb", 0, -1, ZRangeOptions::default().withscores()),
        "ERR syntax error",
    );
}

backends!(removals_and_pops; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn removals_and_pops(r: emu::Redis) {
    board(&r);
    assert_eq!(r.zremrangebyrank("lb", 0, 0).unwrap(), 1);
    assert_eq!(r.zremrangebyscore("lb", "(1500", "+inf").unwrap(), 1);
    assert_eq!(
        r.zrange::<_, Vec<String>>("lb", 0, -1).unwrap(),
        vec!["player4", "player2"]
    );
    r.zadd("lex", [("a", 0.0), ("b", 0.0), ("c", 0.0)]).unwrap();
    assert_eq!(r.zremrangebylex("lex", "[a", "(c").unwrap(), 2);

    r.delete("lb").unwrap();
    board(&r);
    let min: Vec<(String, f64)> = r.zpopmin("lb").unwrap();
    assert_eq!(min, pairs(&[("player1", 1000.0)]));
    let max: Vec<(String, f64)> = r.zpopmax("lb").unwrap();
    assert_eq!(max, pairs(&[("player3", 2000.0)]));
    let mins: Vec<(String, f64)> = r.zpopmin_count("lb", 1).unwrap();
    assert_eq!(mins, pairs(&[("player4", 1200.0)]));
    let maxs: Vec<(String, f64)> = r.zpopmax_count("lb", 5).unwrap();
    assert_eq!(maxs, pairs(&[("player2", 1500.0)]));
    let none: Vec<(String, f64)> = r.zpopmin("lb").unwrap();
    assert!(none.is_empty());

    board(&r);
    let popped: Option<(String, Vec<(String, f64)>)> =
        r.zmpop(["empty", "lb"], MinMax::Max, 2).unwrap();
    assert_eq!(
        popped,
        Some((
            "lb".to_string(),
            pairs(&[("player3", 2000.0), ("player2", 1500.0)])
        ))
    );
    let popped: Option<(String, Vec<(String, f64)>)> = r.zmpop("lb", MinMax::Min, 1).unwrap();
    assert_eq!(
        popped,
        Some(("lb".to_string(), pairs(&[("player1", 1000.0)])))
    );
    let popped: Option<(String, Vec<(String, f64)>)> = r.zmpop("empty", MinMax::Min, 1).unwrap();
    assert_eq!(popped, None);
}

#[test]
fn random_members() {
    let r = emu::Redis::builder().seed(3).build();
    assert_eq!(r.zrandmember::<_, Option<String>>("none").unwrap(), None);
    board(&r);
    let one: String = r.zrandmember("lb").unwrap();
    assert!(one.starts_with("player"));
    let some: Vec<String> = r.zrandmember_count("lb", 3).unwrap();
    assert_eq!(some.len(), 3);
    let many: Vec<String> = r.zrandmember_count("lb", -6).unwrap();
    assert_eq!(many.len(), 6);
    let with: Vec<(String, f64)> = r.zrandmember_withscores("lb", 2).unwrap();
    assert_eq!(with.len(), 2);
    for (m, s) in with {
        assert_eq!(r.zscore::<_, _, f64>("lb", &m).unwrap(), s);
    }
}

backends!(algebra; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn algebra(r: emu::Redis) {
    r.zadd("a", [("x", 1.0), ("y", 2.0), ("z", 3.0)]).unwrap();
    r.zadd("b", [("y", 10.0), ("z", 20.0), ("w", 5.0)]).unwrap();
    let u: Vec<String> = r.zunion(["a", "b"]).unwrap();
    assert_eq!(u, vec!["x", "w", "y", "z"]);
    let u: Vec<(String, f64)> = r
        .zunion_options(["a", "b"], ZAggregateOptions::default().withscores())
        .unwrap();
    assert_eq!(
        u,
        pairs(&[("x", 1.0), ("w", 5.0), ("y", 12.0), ("z", 23.0)])
    );
    let i: Vec<String> = r.zinter(["a", "b"]).unwrap();
    assert_eq!(i, vec!["y", "z"]);
    let i: Vec<(String, f64)> = r
        .zinter_options(
            ["a", "b"],
            ZAggregateOptions::default()
                .weights([2.0, 1.0])
                .aggregate(ZAggregate::Min)
                .withscores(),
        )
        .unwrap();
    assert_eq!(i, pairs(&[("y", 4.0), ("z", 6.0)]));
    let d: Vec<String> = r.zdiff(["a", "b"]).unwrap();
    assert_eq!(d, vec!["x"]);
    let d: Vec<(String, f64)> = r.zdiff_withscores(["b", "a"]).unwrap();
    assert_eq!(d, pairs(&[("w", 5.0)]));
    assert_eq!(r.zunionstore("u", &["a", "b"]).unwrap(), 4);
    assert_eq!(
        r.zunionstore_options(
            "u2",
            &["a", "b"],
            ZAggregateOptions::default().aggregate(ZAggregate::Max)
        )
        .unwrap(),
        4
    );
    assert_eq!(r.zscore::<_, _, f64>("u2", "z").unwrap(), 20.0);
    assert_eq!(r.zinterstore("i", &["a", "b"]).unwrap(), 2);
    assert_eq!(r.zscore::<_, _, f64>("i", "y").unwrap(), 12.0);
    assert_eq!(
        r.zinterstore_options(
            "i2",
            &["a", "b"],
            ZAggregateOptions::default().weights([0.5, 0.0])
        )
        .unwrap(),
        2
    );
    assert_eq!(r.zscore::<_, _, f64>("i2", "z").unwrap(), 1.5);
    assert_eq!(r.zdiffstore("d", &["a", "b"]).unwrap(), 1);
    assert_eq!(r.zintercard(&["a", "b"], 0).unwrap(), 2);
    assert_eq!(r.zintercard(&["a", "b"], 1).unwrap(), 1);
    assert_err(
        r.zunionstore_options("u", "a", ZAggregateOptions::default().withscores()),
        "ERR syntax error",
    );
    assert_err(
        r.zunion_options::<_, Vec<String>>(
            &["a", "b"],
            ZAggregateOptions::default().weights([1.0]),
        ),
        "ERR syntax error",
    );
}

backends!(zscan_and_iterator);
fn zscan_and_iterator(r: emu::Redis) {
    r.zadd("small", [("a", 1.5), ("b", 2.0)]).unwrap();
    let (cursor, items): (u64, Vec<(String, f64)>) =
        r.zscan("small", 0, ScanOptions::default()).unwrap();
    assert_eq!(cursor, 0);
    assert_eq!(items, pairs(&[("a", 1.5), ("b", 2.0)]));
    assert_err(
        r.zscan::<_, emu::Value>("small", 0, ScanOptions::default().key_type("string")),
        "ERR syntax error",
    );
    let members: Vec<(String, f64)> = (0..300).map(|i| (format!("m{i}"), i as f64)).collect();
    r.zadd("big", &members).unwrap();
    let seen: BTreeMap<String, f64> = r
        .zscan_iter::<_, String>("big", ScanOptions::default())
        .collect::<emu::Result<_>>()
        .unwrap();
    assert_eq!(seen.len(), 300);
    assert_eq!(seen["m250"], 250.0);
}

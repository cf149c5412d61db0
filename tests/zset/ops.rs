//! Sorted sets: ZPOPMIN/ZPOPMAX/ZMPOP, ZUNION/ZINTER/ZDIFF (+STORE), ZINTERCARD,
//! ZRANDMEMBER and ZSCAN. Replies checked against Redis 7.0.15 in both protocols.

use crate::common::zset::*;
use emu::Value;

fn ev(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn zpop_resp2() {
    let mut t = T::new(2);
    t.ok(&[
        "ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]);
    assert_eq!(t.ok(&["ZPOPMIN", "p"]), pairs2(&[("a", 1.0)]));
    assert_eq!(t.ok(&["ZPOPMAX", "p"]), pairs2(&[("e", 5.0)]));
    assert_eq!(
        t.ok(&["ZPOPMIN", "p", "2"]),
        pairs2(&[("b", 2.0), ("c", 3.0)])
    );
    assert_eq!(t.ok(&["ZPOPMIN", "p", "0"]), arr(vec![]));
    assert_eq!(t.ok(&["ZPOPMAX", "p", "10"]), pairs2(&[("d", 4.0)]));
    assert!(!t.exists("p"));
    assert_eq!(t.ok(&["ZPOPMIN", "p"]), arr(vec![]));
    assert_eq!(t.ok(&["ZPOPMIN", "p", "3"]), arr(vec![]));
}

#[test]
fn zpop_resp3_nests_only_with_count() {
    let mut t = T::new(3);
    t.ok(&["ZADD", "p", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(t.ok(&["ZPOPMIN", "p"]), arr(vec![b("a"), d(1.0)]));
    assert_eq!(t.ok(&["ZPOPMAX", "p", "1"]), pairs3(&[("c", 3.0)]));
    assert_eq!(t.ok(&["ZPOPMIN", "p", "0"]), arr(vec![]));
    assert_eq!(t.ok(&["ZPOPMIN", "p", "5"]), pairs3(&[("b", 2.0)]));
}

#[test]
fn zpop_errors() {
    let mut t = T::new(2);
    t.ok(&["ZADD", "p", "1", "a"]);
    let pos = "ERR value is out of range, must be positive";
    assert_eq!(t.err(&["ZPOPMIN", "p", "-1"]), pos);
    assert_eq!(t.err(&["ZPOPMIN", "p", "abc"]), pos);
    assert_eq!(t.err(&["ZPOPMAX", "p", "1", "2"]), SYNTAX);
    assert_eq!(
        t.err(&["ZPOPMIN"]),
        "ERR wrong number of arguments for 'zpopmin' command"
    );
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZPOPMIN", "s"]), WRONGTYPE);
    assert_eq!(t.err(&["ZPOPMIN", "s", "0"]), WRONGTYPE);
    // The count is validated before the key is looked at.
    assert_eq!(t.err(&["ZPOPMIN", "s", "-5"]), pos);
    assert_eq!(t.ok(&["ZCARD", "p"]), i(1));
}

#[test]
fn zpop_events_and_effects() {
    let mut t = T::new(2);
    t.watch_events();
    t.store.set_record_effects(true);
    t.ok(&["ZADD", "p", "1", "a", "2", "b", "3", "c"]);
    t.ok(&["ZPOPMIN", "p"]);
    t.ok(&["ZPOPMAX", "p", "5"]);
    t.ok(&["ZPOPMIN", "p"]);
    assert_eq!(
        t.events(),
        ev(&[
            ("zadd", "p"),
            ("zpopmin", "p"),
            ("zpopmax", "p"),
            ("del", "p")
        ])
    );
    assert_eq!(
        t.effects(),
        vec!["ZADD p 1 a 2 b 3 c", "ZPOPMIN p", "ZPOPMAX p 5"]
    );
}

#[test]
fn zmpop() {
    let mut t = T::new(2);
    t.ok(&["ZADD", "p", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(
        t.ok(&["ZMPOP", "1", "p", "MIN"]),
        arr(vec![b("p"), pairs3(&[("a", 1.0)])])
    );
    assert_eq!(
        t.ok(&["ZMPOP", "2", "nokey", "p", "max", "COUNT", "10"]),
        arr(vec![b("p"), pairs3(&[("c", 3.0), ("b", 2.0)])])
    );
    assert!(!t.exists("p"));
    assert_eq!(t.ok(&["ZMPOP", "1", "p", "MIN"]), Value::NilArray);
    let mut t3 = T::new(3);
    assert_eq!(t3.ok(&["ZMPOP", "1", "p", "MIN"]), Value::NilArray);
    t3.ok(&["ZADD", "q", "1", "x"]);
    assert_eq!(
        t3.ok(&["ZMPOP", "1", "q", "MIN"]),
        arr(vec![b("q"), pairs3(&[("x", 1.0)])])
    );
}

#[test]
fn zmpop_errors() {
    let mut t = T::new(2);
    t.ok(&["ZADD", "z", "1", "a"]);
    let numkeys = "ERR numkeys should be greater than 0";
    let count = "ERR count should be greater than 0";
    assert_eq!(t.err(&["ZMPOP", "abc", "z", "MIN"]), numkeys);
    assert_eq!(t.err(&["ZMPOP", "0", "z", "MIN"]), numkeys);
    assert_eq!(t.err(&["ZMPOP", "-1", "z", "MIN"]), numkeys);
    assert_eq!(t.err(&["ZMPOP", "1", "z", "MIN", "COUNT", "0"]), count);
    assert_eq!(t.err(&["ZMPOP", "1", "z", "MIN", "COUNT", "abc"]), count);
    assert_eq!(t.err(&["ZMPOP", "2", "z", "MIN"]), SYNTAX);
    assert_eq!(t.err(&["ZMPOP", "3", "a", "b"]), SYNTAX);
    assert_eq!(t.err(&["ZMPOP", "9223372036854775807", "a", "b"]), SYNTAX);
    assert_eq!(t.err(&["ZMPOP", "1", "z", "foo"]), SYNTAX);
    assert_eq!(t.err(&["ZMPOP", "1", "z", "MIN", "COUNT"]), SYNTAX);
    assert_eq!(
        t.err(&["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"]),
        SYNTAX
    );
    assert_eq!(
        t.err(&["ZMPOP", "1", "z"]),
        "ERR wrong number of arguments for 'zmpop' command"
    );
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZMPOP", "2", "nokey", "s", "MIN"]), WRONGTYPE);
    assert_eq!(t.err(&["ZMPOP", "2", "s", "z", "MIN"]), WRONGTYPE);
    assert_eq!(t.ok(&["ZCARD", "z"]), i(1));
}

#[test]
fn zmpop_propagates_as_zpop_and_keys() {
    let mut t = T::new(2);
    t.watch_events();
    t.store.set_record_effects(true);
    t.ok(&["ZADD", "p", "1", "a", "2", "b", "3", "c"]);
    t.ok(&["ZMPOP", "2", "nokey", "p", "MAX", "COUNT", "2"]);
    t.ok(&["ZMPOP", "1", "nokey", "MIN"]);
    t.ok(&["ZMPOP", "1", "p", "MIN", "COUNT", "5"]);
    assert_eq!(
        t.effects(),
        // The count propagated is the number popped (1 left), not COUNT (Redis 7.0; the
        // TCL suite's "ZMPOP propagate as pop with count command to replica").
        vec!["ZADD p 1 a 2 b 3 c", "ZPOPMAX p 2", "ZPOPMIN p 1"]
    );
    assert_eq!(
        t.events(),
        ev(&[
            ("zadd", "p"),
            ("zpopmax", "p"),
            ("zpopmin", "p"),
            ("del", "p")
        ])
    );
    let spec = emu::commands::table().get(b"zmpop").unwrap();
    let argv: [&[u8]; 6] = [b"ZMPOP", b"2", b"a", b"b", b"MIN", b"COUNT"];
    assert_eq!(spec.key_positions(&argv), vec![2, 3]);
    assert_eq!(
        spec.key_positions(&[b"ZMPOP", b"5", b"a", b"MIN"]),
        Vec::<usize>::new()
    );
    assert_eq!(
        spec.key_positions(&[b"ZMPOP", b"x", b"a", b"MIN"]),
        Vec::<usize>::new()
    );
}

#[test]
fn generic_pop_helper_shapes() {
    use emu::engine::{Ctx, Session};
    use emu::types::zset::pop::{generic_zpop, End, PopShape};
    let mut t = T::new(2);
    t.ok(&["ZADD", "p", "1", "a", "2", "b"]);
    let mut session = Session::default();
    let mut ctx = Ctx::new(&mut t.store, &mut session, std::time::Instant::now());
    let shape = PopShape {
        emit_key: true,
        nested: false,
        nil_when_empty: true,
    };
    let out = generic_zpop(&mut ctx, &[b"none", b"p"], End::Max, -1, shape).unwrap();
    assert_eq!(out.reply, arr(vec![b("p"), b("b"), d(2.0)]));
    assert_eq!(out.key.as_deref(), Some(&b"p"[..]));
    assert_eq!(out.popped, vec![(b"b".to_vec(), 2.0)]);
    assert!(!out.deleted);
    let out = generic_zpop(&mut ctx, &[b"p"], End::Min, 3, shape).unwrap();
    assert_eq!(out.reply, arr(vec![b("p"), b("a"), d(1.0)]));
    assert!(out.deleted);
    let out = generic_zpop(&mut ctx, &[b"p"], End::Min, 1, shape).unwrap();
    assert_eq!(out.reply, Value::NilArray);
    assert_eq!(out.key, None);
}

fn setup_ops(t: &mut T) {
    t.ok(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "9", "new"]);
    t.sadd("s", &["a", "b", "d"]);
    t.set_str("str", "x");
}

#[test]
fn zunion_zinter_zdiff() {
    let mut t = T::new(2);
    setup_ops(&mut t);
    assert_eq!(
        t.ok(&["ZUNION", "2", "z", "s", "WITHSCORES"]),
        pairs2(&[("d", 1.0), ("a", 2.0), ("b", 3.0), ("c", 3.0), ("new", 9.0)])
    );
    assert_eq!(
        t.ok(&["ZUNION", "2", "z", "s"]),
        bulks(&["d", "a", "b", "c", "new"])
    );
    assert_eq!(
        t.ok(&[
            "ZINTER",
            "2",
            "z",
            "s",
            "WITHSCORES",
            "AGGREGATE",
            "MAX",
            "WEIGHTS",
            "2",
            "3"
        ]),
        pairs2(&[("a", 3.0), ("b", 4.0)])
    );
    assert_eq!(
        t.ok(&[
            "ZINTER",
            "2",
            "z",
            "s",
            "WITHSCORES",
            "aggregate",
            "min",
            "weights",
            "2",
            "3"
        ]),
        pairs2(&[("a", 2.0), ("b", 3.0)])
    );
    assert_eq!(
        t.ok(&["ZINTER", "2", "z", "s", "WITHSCORES", "WEIGHTS", "2", "3"]),
        pairs2(&[("a", 5.0), ("b", 7.0)])
    );
    assert_eq!(
        t.ok(&["ZDIFF", "2", "z", "s", "WITHSCORES"]),
        pairs2(&[("c", 3.0), ("new", 9.0)])
    );
    assert_eq!(
        t.ok(&["ZDIFF", "2", "s", "z", "WITHSCORES"]),
        pairs2(&[("d", 1.0)])
    );
    assert_eq!(t.ok(&["ZDIFF", "1", "nokey"]), bulks(&[]));
    assert_eq!(t.ok(&["ZINTER", "2", "z", "nokey"]), bulks(&[]));
    assert_eq!(t.ok(&["ZUNION", "2", "nokey", "nokey2"]), bulks(&[]));
    assert_eq!(
        t.ok(&["ZUNION", "2", "z", "z", "WITHSCORES"]),
        pairs2(&[("a", 2.0), ("b", 4.0), ("c", 6.0), ("new", 18.0)])
    );
    let mut t3 = T::new(3);
    setup_ops(&mut t3);
    assert_eq!(
        t3.ok(&["ZDIFF", "2", "z", "s", "WITHSCORES"]),
        pairs3(&[("c", 3.0), ("new", 9.0)])
    );
}

#[test]
fn setop_infinities_and_nan_rules() {
    let mut t = T::new(2);
    t.ok(&["ZADD", "a", "0", "m", "1", "n", "inf", "p"]);
    t.ok(&["ZADD", "b", "1", "n", "-inf", "p"]);
    // inf + -inf is 0 in SUM; 0 * inf (weight 0) is 0.
    assert_eq!(
        t.ok(&["ZUNION", "2", "a", "b", "WITHSCORES"]),
        pairs2(&[("m", 0.0), ("p", 0.0), ("n", 2.0)])
    );
    assert_eq!(
        t.ok(&["ZUNION", "2", "a", "b", "WITHSCORES", "WEIGHTS", "0", "1"]),
        pairs2(&[("p", f64::NEG_INFINITY), ("m", 0.0), ("n", 1.0)])
    );
    assert_eq!(
        t.ok(&["ZUNION", "2", "a", "b", "WITHSCORES", "AGGREGATE", "MAX"]),
        pairs2(&[("m", 0.0), ("n", 1.0), ("p", f64::INFINITY)])
    );
    assert_eq!(
        t.err(&["ZUNION", "2", "a", "b", "WEIGHTS", "nan", "1"]),
        "ERR weight value is not a float"
    );
    // A negative weight on 0 gives -0 in the reply (the result is a skiplist).
    match t.ok(&["ZUNION", "1", "a", "WEIGHTS", "-1", "WITHSCORES"]) {
        Value::Array(v) => match v.as_slice() {
            [p, Value::Double(pinf), n, Value::Double(n1), m, Value::Double(z)] => {
                assert_eq!((p, n, m), (&b("p"), &b("n"), &b("m")));
                assert_eq!((*pinf, *n1), (f64::NEG_INFINITY, -1.0));
                assert!(*z == 0.0 && z.is_sign_negative());
            }
            other => panic!("{other:?}"),
        },
        v => panic!("{v:?}"),
    }
}

#[test]
fn setop_errors() {
    let mut t = T::new(2);
    setup_ops(&mut t);
    for (cmd, name) in [
        (&["ZUNIONSTORE", "d", "0", "z"][..], "zunionstore"),
        (&["ZUNION", "0", "z"], "zunion"),
        (&["ZINTER", "0", "z"], "zinter"),
        (&["ZDIFF", "0", "z"], "zdiff"),
        (&["ZINTERCARD", "0", "z"], "zintercard"),
        (&["ZINTERSTORE", "d", "-1", "z"], "zinterstore"),
        (&["ZDIFFSTORE", "d", "0", "z"], "zdiffstore"),
    ] {
        assert_eq!(
            t.err(cmd),
            format!("ERR at least 1 input key is needed for '{name}' command")
        );
    }
    assert_eq!(t.err(&["ZUNION", "abc", "z"]), NOT_INT);
    assert_eq!(t.err(&["ZUNION", "3", "z", "s"]), SYNTAX);
    assert_eq!(
        t.err(&["ZUNION", "2", "z", "s", "WEIGHTS", "1", "x"]),
        "ERR weight value is not a float"
    );
    assert_eq!(t.err(&["ZUNION", "2", "z", "s", "WEIGHTS", "1"]), SYNTAX);
    assert_eq!(
        t.err(&["ZUNION", "2", "z", "s", "AGGREGATE", "foo"]),
        SYNTAX
    );
    assert_eq!(t.err(&["ZUNION", "2", "z", "s", "AGGREGATE"]), SYNTAX);
    assert_eq!(
        t.err(&["ZDIFF", "2", "z", "s", "WEIGHTS", "1", "1"]),
        SYNTAX
    );
    assert_eq!(t.err(&["ZDIFF", "2", "z", "s", "AGGREGATE", "SUM"]), SYNTAX);
    assert_eq!(
        t.err(&["ZUNIONSTORE", "d", "2", "z", "s", "WITHSCORES"]),
        SYNTAX
    );
    assert_eq!(t.err(&["ZINTERCARD", "2", "z", "s", "WITHSCORES"]), SYNTAX);
    // Types are checked before options.
    assert_eq!(
        t.err(&["ZUNION", "2", "z", "str", "WEIGHTS", "1", "x"]),
        WRONGTYPE
    );
    assert_eq!(t.err(&["ZINTERCARD", "2", "z", "str"]), WRONGTYPE);
    assert_eq!(t.err(&["ZDIFFSTORE", "d", "1", "str"]), WRONGTYPE);
    assert_eq!(
        t.err(&["ZUNION", "1"]),
        "ERR wrong number of arguments for 'zunion' command"
    );
    assert_eq!(
        t.err(&["ZUNIONSTORE", "d", "1"]),
        "ERR wrong number of arguments for 'zunionstore' command"
    );
}

#[test]
fn setop_store() {
    let mut t = T::new(2);
    setup_ops(&mut t);
    t.watch_events();
    assert_eq!(t.ok(&["ZUNIONSTORE", "d", "2", "z", "s"]), i(5));
    assert_eq!(
        t.ok(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
        pairs2(&[("d", 1.0), ("a", 2.0), ("b", 3.0), ("c", 3.0), ("new", 9.0)])
    );
    assert_eq!(t.encoding("d"), "listpack");
    assert_eq!(
        t.ok(&["ZINTERSTORE", "d", "2", "z", "s", "WEIGHTS", "1", "2"]),
        i(2)
    );
    assert_eq!(
        t.ok(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
        pairs2(&[("a", 3.0), ("b", 4.0)])
    );
    assert_eq!(t.ok(&["ZDIFFSTORE", "d", "2", "z", "s"]), i(2));
    assert_eq!(t.ok(&["ZDIFFSTORE", "d", "2", "z", "z"]), i(0));
    assert!(!t.exists("d"));
    assert_eq!(t.ok(&["ZDIFFSTORE", "d", "2", "z", "z"]), i(0));
    // Destination of another type is replaced; source may be the destination.
    assert_eq!(t.ok(&["ZINTERSTORE", "str", "2", "z", "s"]), i(2));
    assert_eq!(t.ok(&["ZUNIONSTORE", "z", "1", "z", "WEIGHTS", "2"]), i(4));
    assert_eq!(t.ok(&["ZSCORE", "z", "new"]), d(18.0));
    assert_eq!(
        t.events(),
        ev(&[
            ("zunionstore", "d"),
            ("zinterstore", "d"),
            ("zdiffstore", "d"),
            ("del", "d"),
            ("zinterstore", "str"),
            ("zunionstore", "z"),
        ])
    );
}

#[test]
fn setop_store_encoding() {
    let mut t = T::new(2);
    t.store.config.zset_max_listpack_entries = 2;
    t.ok(&["ZADD", "e", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(t.encoding("e"), "skiplist");
    t.ok(&["ZUNIONSTORE", "u", "1", "e"]);
    assert_eq!(t.encoding("u"), "skiplist");
    t.ok(&["ZDIFFSTORE", "u", "1", "e"]);
    assert_eq!(t.encoding("u"), "skiplist");
    t.store.config.zset_max_listpack_entries = 128;
    t.ok(&["ZUNIONSTORE", "u", "1", "e"]);
    assert_eq!(t.encoding("u"), "listpack");
    t.store.config.zset_max_listpack_value = 1;
    t.ok(&["ZADD", "long", "1", "xx"]);
    t.ok(&["ZUNIONSTORE", "u", "2", "e", "long"]);
    assert_eq!(t.encoding("u"), "skiplist");
}

#[test]
fn setop_key_positions() {
    let table = emu::commands::table();
    let zu = table.get(b"zunion").unwrap();
    assert_eq!(
        zu.key_positions(&[b"ZUNION", b"2", b"a", b"b", b"WITHSCORES"]),
        vec![2, 3]
    );
    let zs = table.get(b"ZINTERSTORE").unwrap();
    assert_eq!(
        zs.key_positions(&[b"ZINTERSTORE", b"d", b"2", b"a", b"b"]),
        vec![3, 4, 1]
    );
    assert_eq!(
        zs.key_positions(&[b"ZINTERSTORE", b"d", b"3", b"a", b"b"]),
        Vec::<usize>::new()
    );
    let zc = table.get(b"zintercard").unwrap();
    assert_eq!(
        zc.key_positions(&[b"ZINTERCARD", b"1", b"a", b"LIMIT", b"1"]),
        vec![2]
    );
}

#[test]
fn zintercard() {
    let mut t = T::new(2);
    setup_ops(&mut t);
    assert_eq!(t.ok(&["ZINTERCARD", "2", "z", "s"]), i(2));
    assert_eq!(t.ok(&["ZINTERCARD", "2", "z", "s", "LIMIT", "1"]), i(1));
    assert_eq!(t.ok(&["ZINTERCARD", "2", "z", "s", "LIMIT", "0"]), i(2));
    assert_eq!(t.ok(&["ZINTERCARD", "1", "z"]), i(4));
    assert_eq!(t.ok(&["ZINTERCARD", "2", "z", "nokey"]), i(0));
    let neg = "ERR LIMIT can't be negative";
    assert_eq!(t.err(&["ZINTERCARD", "1", "z", "LIMIT", "-1"]), neg);
    assert_eq!(t.err(&["ZINTERCARD", "1", "z", "LIMIT", "abc"]), neg);
    assert_eq!(t.err(&["ZINTERCARD", "1", "z", "LIMIT"]), SYNTAX);
    assert_eq!(t.err(&["ZINTERCARD", "1", "z", "WEIGHTS", "1"]), SYNTAX);
}

#[test]
fn zrandmember_deterministic_cases() {
    let mut t = T::new(2);
    t.ok(&["ZADD", "rm", "1", "a", "2", "b", "3", "c"]);
    // Count >= size: the whole set, highest score first (Redis's iterator order).
    assert_eq!(t.ok(&["ZRANDMEMBER", "rm", "3"]), bulks(&["c", "b", "a"]));
    assert_eq!(
        t.ok(&["ZRANDMEMBER", "rm", "5", "WITHSCORES"]),
        pairs2(&[("c", 3.0), ("b", 2.0), ("a", 1.0)])
    );
    assert_eq!(t.ok(&["ZRANDMEMBER", "rm", "0"]), arr(vec![]));
    assert_eq!(t.ok(&["ZRANDMEMBER", "rm", "0", "withscores"]), arr(vec![]));
    assert_eq!(t.ok(&["ZRANDMEMBER", "nokey"]), Value::Nil);
    assert_eq!(t.ok(&["ZRANDMEMBER", "nokey", "5"]), arr(vec![]));
    let mut t3 = T::new(3);
    t3.ok(&["ZADD", "rm", "1", "a", "2", "b"]);
    assert_eq!(
        t3.ok(&["ZRANDMEMBER", "rm", "2", "WITHSCORES"]),
        pairs3(&[("b", 2.0), ("a", 1.0)])
    );
    assert_eq!(t3.ok(&["ZRANDMEMBER", "nokey"]), Value::Nil);
}

#[test]
fn zrandmember_errors() {
    let mut t = T::new(2);
    t.ok(&["ZADD", "rm", "1", "a"]);
    assert_eq!(
        t.err(&["ZRANDMEMBER", "rm", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
    assert_eq!(
        t.err(&["ZRANDMEMBER", "rm", "-9223372036854775807", "WITHSCORES"]),
        "ERR value is out of range"
    );
    assert_eq!(
        t.err(&["ZRANDMEMBER", "rm", "4611686018427387904", "WITHSCORES"]),
        "ERR value is out of range"
    );
    assert_eq!(
        t.ok(&["ZRANDMEMBER", "rm", "4611686018427387903", "WITHSCORES"]),
        pairs2(&[("a", 1.0)])
    );
    assert_eq!(t.err(&["ZRANDMEMBER", "rm", "1", "withscore"]), SYNTAX);
    assert_eq!(
        t.err(&["ZRANDMEMBER", "rm", "1", "withscores", "x"]),
        SYNTAX
    );
    assert_eq!(t.err(&["ZRANDMEMBER", "rm", "x"]), NOT_INT);
    assert_eq!(t.err(&["ZRANDMEMBER", "nokey", "x"]), NOT_INT);
    assert_eq!(t.err(&["ZRANDMEMBER", "nokey", "1", "foo"]), SYNTAX);
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZRANDMEMBER", "s"]), WRONGTYPE);
    assert_eq!(t.err(&["ZRANDMEMBER", "s", "1"]), WRONGTYPE);
}

fn members_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::Bulk(b) => String::from_utf8(b.clone()).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn zrandmember_random_cases_are_valid_and_seeded() {
    let build = |seed: u64| {
        let r = emu::Redis::builder().seed(seed).build();
        let mut args = vec!["z".to_string()];
        for k in 0..50 {
            args.push(k.to_string());
            args.push(format!("m{k}"));
        }
        let mut c = r.cmd("ZADD");
        for a in &args {
            c = c.arg(a.as_str());
        }
        c.query::<Value>().unwrap();
        r
    };
    let r = build(7);
    let q = |r: &emu::Redis, n: i64| -> Vec<String> {
        members_of(
            &r.cmd("ZRANDMEMBER")
                .arg("z")
                .arg(n)
                .query::<Value>()
                .unwrap(),
        )
    };
    // Distinct picks, few (case 4) and many (case 3).
    for n in [5i64, 40] {
        let got = q(&r, n);
        assert_eq!(got.len(), n as usize);
        let mut uniq = got.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), n as usize);
        assert!(got.iter().all(|m| m.starts_with('m')));
    }
    // Negative count: repetitions allowed, exact length.
    let got = q(&r, -200);
    assert_eq!(got.len(), 200);
    let mut uniq = got.clone();
    uniq.sort();
    uniq.dedup();
    assert!(uniq.len() < 200);
    // Same seed, same answers.
    let (r1, r2) = (build(99), build(99));
    for n in [1i64, 5, 40, -20] {
        assert_eq!(q(&r1, n), q(&r2, n));
    }
    let one: Value = r1.cmd("ZRANDMEMBER").arg("z").query().unwrap();
    assert!(matches!(one, Value::Bulk(_)));
    // WITHSCORES pairs carry the member's real score (RESP3 nesting).
    let v: Value = r1
        .cmd("ZRANDMEMBER")
        .arg("z")
        .arg(-5)
        .arg("WITHSCORES")
        .query()
        .unwrap();
    match v {
        Value::Array(pairs) => {
            assert_eq!(pairs.len(), 5);
            for p in pairs {
                match p {
                    Value::Array(kv) => match kv.as_slice() {
                        [Value::Bulk(m), Value::Double(s)] => {
                            assert_eq!(String::from_utf8_lossy(m), format!("m{s}"));
                        }
                        other => panic!("{other:?}"),
                    },
                    other => panic!("{other:?}"),
                }
            }
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn zscan_listpack_returns_everything_in_order() {
    let mut t = T::new(2);
    t.ok(&[
        "ZADD",
        "z",
        "1.1",
        "x1",
        "0.1",
        "x2",
        "1e17",
        "x3",
        "4611686018427387904",
        "x4",
        "5e18",
        "x5",
        "-inf",
        "x6",
        "3",
        "y",
    ]);
    let want = |items: &[(&str, &str)]| {
        arr(vec![
            b("0"),
            arr(items.iter().flat_map(|(m, s)| [b(m), b(s)]).collect()),
        ])
    };
    assert_eq!(
        t.ok(&["ZSCAN", "z", "0"]),
        want(&[
            ("x6", "-inf"),
            ("x2", "0.10000000000000001"),
            ("x1", "1.1000000000000001"),
            ("y", "3"),
            ("x3", "100000000000000000"),
            ("x4", "4611686018427387904"),
            ("x5", "5e+18"),
        ])
    );
    assert_eq!(
        t.ok(&["ZSCAN", "z", "0", "MATCH", "*1", "COUNT", "1"]),
        want(&[("x1", "1.1000000000000001")])
    );
    assert_eq!(t.ok(&["ZSCAN", "nokey", "0", "COUNT", "0"]), want(&[]));
    assert_eq!(t.err(&["ZSCAN", "z", "abc"]), "ERR invalid cursor");
    assert_eq!(t.err(&["ZSCAN", "z", "0", "COUNT", "0"]), SYNTAX);
    assert_eq!(t.err(&["ZSCAN", "z", "0", "TYPE", "string"]), SYNTAX);
    assert_eq!(t.err(&["ZSCAN", "z", "0", "NOVALUES"]), SYNTAX);
    t.set_str("s", "x");
    assert_eq!(t.err(&["ZSCAN", "s", "0"]), WRONGTYPE);
    assert_eq!(t.err(&["ZSCAN", "s", "x"]), "ERR invalid cursor");
}

#[test]
fn zscan_skiplist_iterates_with_cursor() {
    let mut t = T::new(2);
    let mut args: Vec<String> = vec!["ZADD".into(), "big".into()];
    for k in 0..500 {
        args.push(k.to_string());
        args.push(format!("m{k}"));
    }
    let argv: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    t.ok(&argv);
    assert_eq!(t.encoding("big"), "skiplist");
    let mut seen = std::collections::BTreeMap::new();
    let mut cursor = "0".to_string();
    let mut rounds = 0;
    loop {
        let v = t.ok(&["ZSCAN", "big", &cursor, "COUNT", "20"]);
        let Value::Array(parts) = v else { panic!() };
        let Value::Bulk(c) = &parts[0] else { panic!() };
        let Value::Array(items) = &parts[1] else {
            panic!()
        };
        for kv in items.chunks(2) {
            let (Value::Bulk(m), Value::Bulk(s)) = (&kv[0], &kv[1]) else {
                panic!()
            };
            seen.insert(
                String::from_utf8(m.clone()).unwrap(),
                String::from_utf8(s.clone()).unwrap(),
            );
        }
        cursor = String::from_utf8(c.clone()).unwrap();
        rounds += 1;
        if cursor == "0" {
            break;
        }
    }
    assert!(rounds > 1);
    assert_eq!(seen.len(), 500);
    assert_eq!(seen["m42"], "42");
}

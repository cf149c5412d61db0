//! The same replies in RESP2 and RESP3 shapes convert to the same Rust values.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use emu::engine::Store;
use emu::engine::{execute, Session};
use emu::{FromValue, Value};

/// Runs `cmd` (space-separated) in a RESP2 and a RESP3 session of one store and returns
/// both replies.
fn both(store: &mut Store, cmd: &str) -> (Value, Value) {
    let argv: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
    let mut s2 = Session::default();
    let mut s3 = Session {
        resp: 3,
        ..Session::default()
    };
    let v2 = execute(store, &mut s2, &argv).unwrap();
    let v3 = execute(store, &mut s3, &argv).unwrap();
    (v2, v3)
}

/// Asserts both shapes convert to `want`.
#[track_caller]
fn same<T: FromValue + PartialEq + std::fmt::Debug>(store: &mut Store, cmd: &str, want: T) {
    let (v2, v3) = both(store, cmd);
    assert_eq!(
        T::from_value(v2.clone()).unwrap(),
        want,
        "RESP2 {cmd}: {v2:?}"
    );
    assert_eq!(
        T::from_value(v3.clone()).unwrap(),
        want,
        "RESP3 {cmd}: {v3:?}"
    );
}

fn setup(cmds: &[&str]) -> Store {
    let mut store = Store::default();
    for cmd in cmds {
        let argv: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
        execute(&mut store, &mut Session::default(), &argv).unwrap();
    }
    store
}

fn owned(items: &[(&str, f64)]) -> Vec<(String, f64)> {
    items.iter().map(|(m, s)| (m.to_string(), *s)).collect()
}

#[test]
fn hashes() {
    let mut st = setup(&["HSET h a 1 b 2"]);
    let h: HashMap<String, i64> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
    same(&mut st, "HGETALL h", h);
    same(
        &mut st,
        "HGETALL h",
        vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ],
    );
    same(
        &mut st,
        "HSCAN h 0",
        (0u64, vec![("a".to_string(), 1i64), ("b".to_string(), 2)]),
    );
    let (v2, v3) = both(&mut st, "HRANDFIELD h 5 WITHVALUES");
    let p2: BTreeMap<String, i64> = FromValue::from_value(v2).unwrap();
    let p3: BTreeMap<String, i64> = FromValue::from_value(v3).unwrap();
    assert_eq!(p2, p3);
    assert_eq!(p2.len(), 2);
    same(&mut st, "HMGET h a nope", vec![Some(1.0f64), None]);
}

#[test]
fn sets_and_lists() {
    let mut st = setup(&["SADD s m n", "RPUSH l 1 2 3"]);
    same(
        &mut st,
        "SMEMBERS s",
        BTreeSet::from(["m".to_string(), "n".to_string()]),
    );
    same(&mut st, "SISMEMBER s m", true);
    same(&mut st, "SMISMEMBER s m zz", vec![true, false]);
    same(&mut st, "LPOP nokey 2", Vec::<String>::new());
    same(&mut st, "LRANGE l 0 -1", vec![1i64, 2, 3]);
    same(&mut st, "LMPOP 1 nokey LEFT", None::<(String, Vec<String>)>);
}

#[test]
fn zset_scores_and_pairs() {
    let mut st = setup(&["ZADD z 1.5 x 2 y"]);
    same(
        &mut st,
        "ZRANGE z 0 -1 WITHSCORES",
        owned(&[("x", 1.5), ("y", 2.0)]),
    );
    let m: BTreeMap<String, f64> = [("x".to_string(), 1.5), ("y".to_string(), 2.0)].into();
    same(&mut st, "ZRANGE z 0 -1 WITHSCORES", m);
    same(&mut st, "ZSCORE z x", 1.5f64);
    same(&mut st, "ZSCORE z nope", None::<f64>);
    same(&mut st, "ZMSCORE z x nope", vec![Some(1.5f64), None]);
    same(&mut st, "ZINCRBY z 0 x", 1.5f64);
    same(
        &mut st,
        "ZSCAN z 0",
        (0u64, owned(&[("x", 1.5), ("y", 2.0)])),
    );
    // Random picks differ between the two runs; check shape and content only.
    let (v2, v3) = both(&mut st, "ZRANDMEMBER z -3 WITHSCORES");
    for v in [v2, v3] {
        let picks: Vec<(String, f64)> = FromValue::from_value(v).unwrap();
        assert_eq!(picks.len(), 3);
        for (m, s) in picks {
            assert_eq!(s, if m == "x" { 1.5 } else { 2.0 });
        }
    }
}

#[test]
fn zset_pops() {
    let mut st = setup(&["ZADD z 1.5 x 2 y", "ZADD z2 1 p 2 q"]);
    // Each pop runs twice (RESP2 then RESP3), so pop from a set with two equal shapes.
    let (v2, v3) = both(&mut st, "ZPOPMIN z2");
    let a: Vec<(String, f64)> = FromValue::from_value(v2).unwrap();
    let b: Vec<(String, f64)> = FromValue::from_value(v3).unwrap();
    assert_eq!((a, b), (owned(&[("p", 1.0)]), owned(&[("q", 2.0)])));
    let (v2, v3) = both(&mut st, "ZMPOP 1 z MIN COUNT 1");
    let a: Option<(String, Vec<(String, f64)>)> = FromValue::from_value(v2).unwrap();
    let b: Option<(String, Vec<(String, f64)>)> = FromValue::from_value(v3).unwrap();
    assert_eq!(a, Some(("z".to_string(), owned(&[("x", 1.5)]))));
    assert_eq!(b, Some(("z".to_string(), owned(&[("y", 2.0)]))));
    same(
        &mut st,
        "ZMPOP 1 z MIN COUNT 1",
        None::<(String, Vec<(String, f64)>)>,
    );
}

//! Hash commands.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use emu::ScanOptions;

use super::{assert_err, WRONGTYPE};

backends!(hset_hget_hgetall);
fn hset_hget_hgetall(r: emu::Redis) {
    let n: i64 = r.hset("user:1000", "username", "john_doe").unwrap();
    assert_eq!(n, 1);
    let n: i64 = r.hset("user:1000", "username", "john").unwrap();
    assert_eq!(n, 0);
    let n: i64 = r
        .hset_mapping("user:1000", &[("email", "john@example.com"), ("age", "28")])
        .unwrap();
    assert_eq!(n, 2);
    let v: Option<String> = r.hget("user:1000", "username").unwrap();
    assert_eq!(v.as_deref(), Some("john"));
    let v: Option<String> = r.hget("user:1000", "nope").unwrap();
    assert_eq!(v, None);
    let all: HashMap<String, String> = r.hgetall("user:1000").unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all["email"], "john@example.com");
    // Small hashes keep insertion order (listpack).
    let ordered: Vec<(String, String)> = r.hgetall("user:1000").unwrap();
    assert_eq!(
        ordered,
        vec![
            ("username".to_string(), "john".to_string()),
            ("email".to_string(), "john@example.com".to_string()),
            ("age".to_string(), "28".to_string()),
        ]
    );
    let none: HashMap<String, String> = r.hgetall("missing").unwrap();
    assert!(none.is_empty());
    // A map (or anything iterable over pairs) is a mapping too.
    let m = BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 2)]);
    let n: i64 = r.hset_mapping("h2", &m).unwrap();
    assert_eq!(n, 2);
    let back: BTreeMap<String, i64> = r.hgetall("h2").unwrap();
    assert_eq!(back, m);
    let _: () = r.set("str", "x").unwrap();
    assert_err(r.hset("str", "f", "v"), WRONGTYPE);
}

backends!(hsetnx_hmset_hmget);
fn hsetnx_hmset_hmget(r: emu::Redis) {
    let a: bool = r.hsetnx("h", "f", "1").unwrap();
    let b: bool = r.hsetnx("h", "f", "2").unwrap();
    assert_eq!((a, b), (true, false));
    r.hmset("h", vec![("g", "2"), ("h", "3")]).unwrap();
    let vs: Vec<Option<String>> = r.hmget("h", ["f", "x", "h"]).unwrap();
    assert_eq!(vs, vec![Some("1".into()), None, Some("3".into())]);
    let vs: Vec<Option<i64>> = r.hmget("h", "g").unwrap();
    assert_eq!(vs, vec![Some(2)]);
}

backends!(hdel_hexists_hlen_hkeys_hvals_hstrlen);
fn hdel_hexists_hlen_hkeys_hvals_hstrlen(r: emu::Redis) {
    r.hset_mapping("h", [("a", "1"), ("b", "22"), ("c", "333")])
        .unwrap();
    assert!(r.hexists("h", "a").unwrap());
    assert!(!r.hexists("h", "z").unwrap());
    assert_eq!(r.hlen("h").unwrap(), 3);
    let keys: Vec<String> = r.hkeys("h").unwrap();
    assert_eq!(keys, vec!["a", "b", "c"]);
    let vals: Vec<i64> = r.hvals("h").unwrap();
    assert_eq!(vals, vec![1, 22, 333]);
    assert_eq!(r.hstrlen("h", "c").unwrap(), 3);
    assert_eq!(r.hstrlen("h", "zz").unwrap(), 0);
    let n: i64 = r.hdel("h", ["a", "phone"]).unwrap();
    assert_eq!(n, 1);
    let n: i64 = r.hdel("h", ["b", "c"]).unwrap();
    assert_eq!(n, 2);
    assert_eq!(r.exists("h").unwrap(), 0);
    assert_eq!(r.hlen("h").unwrap(), 0);
}

backends!(hincrby_hincrbyfloat);
fn hincrby_hincrbyfloat(r: emu::Redis) {
    assert_eq!(r.hincrby("user:1", "points", 10).unwrap(), 10);
    assert_eq!(r.hincrby("user:1", "points", -3).unwrap(), 7);
    let f: f64 = r.hincrbyfloat("user:1", "ratio", 0.5).unwrap();
    assert_eq!(f, 0.5);
    let f: String = r.hincrbyfloat("user:1", "ratio", 0.25).unwrap();
    assert_eq!(f, "0.75");
    r.hset("user:1", "name", "x").unwrap();
    assert_err(
        r.hincrby("user:1", "name", 1),
        "ERR hash value is not an integer",
    );
    assert_err(
        r.hincrbyfloat::<_, _, f64>("user:1", "name", 1.0),
        "ERR hash value is not a float",
    );
}

#[test]
fn hrandfield_forms() {
    let r = emu::Redis::builder().seed(7).build();
    let none: Option<String> = r.hrandfield("missing").unwrap();
    assert_eq!(none, None);
    r.hset_mapping("h", [("a", "1"), ("b", "2"), ("c", "3")])
        .unwrap();
    let f: String = r.hrandfield("h").unwrap();
    assert!(["a", "b", "c"].contains(&f.as_str()));
    let fields: BTreeSet<String> = r.hrandfield_count("h", 5).unwrap();
    assert_eq!(fields, BTreeSet::from(["a".into(), "b".into(), "c".into()]));
    let repeated: Vec<String> = r.hrandfield_count("h", -7).unwrap();
    assert_eq!(repeated.len(), 7);
    let pairs: Vec<(String, i64)> = r.hrandfield_withvalues("h", 2).unwrap();
    assert_eq!(pairs.len(), 2);
    for (f, v) in &pairs {
        assert_eq!(*v, (f.as_bytes()[0] - b'a' + 1) as i64);
    }
    let as_map: HashMap<String, String> = r.hrandfield_withvalues("h", 3).unwrap();
    assert_eq!(as_map.len(), 3);
    // Same seed, same commands: same answers.
    let r2 = emu::Redis::builder().seed(7).build();
    let _: Option<String> = r2.hrandfield("missing").unwrap();
    r2.hset_mapping("h", [("a", "1"), ("b", "2"), ("c", "3")])
        .unwrap();
    let f2: String = r2.hrandfield("h").unwrap();
    assert_eq!(f, f2);
}

backends!(hscan_and_iterator);
fn hscan_and_iterator(r: emu::Redis) {
    r.hset_mapping("small", [("f1", "v1"), ("f2", "v2"), ("x", "v3")])
        .unwrap();
    let (cursor, pairs): (u64, Vec<(String, String)>) =
        r.hscan("small", 0, ScanOptions::default()).unwrap();
    assert_eq!(cursor, 0);
    assert_eq!(pairs.len(), 3);
    let (_, matched): (u64, Vec<(String, String)>) = r
        .hscan("small", 0, ScanOptions::default().pattern("f*"))
        .unwrap();
    assert_eq!(
        matched,
        vec![("f1".into(), "v1".into()), ("f2".into(), "v2".into())]
    );
    // A big (hashtable) hash walked with the iterator.
    let items: Vec<(String, String)> = (0..300)
        .map(|i| (format!("f{i}"), format!("v{i}")))
        .collect();
    r.hset_mapping("big", &items).unwrap();
    let seen: BTreeMap<String, String> = r
        .hscan_iter::<_, String, String>("big", ScanOptions::default().count(20))
        .collect::<emu::Result<_>>()
        .unwrap();
    assert_eq!(seen.len(), 300);
    assert_eq!(seen["f299"], "v299");
    let _: () = r.set("str", "x").unwrap();
    let mut it = r.hscan_iter::<_, String, String>("str", ScanOptions::default());
    assert_eq!(it.next().unwrap().unwrap_err().message(), super::WRONGTYPE);
    assert!(it.next().is_none());
}

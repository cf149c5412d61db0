//! Hash commands: replies, error texts, encodings, notifications, propagation, and a
//! model-based proptest. Expected values were checked against Redis 7.0.15.

#[path = "../common/mod.rs"]
mod common;
use common::{arr, b, err, int, ok, run};

use std::collections::BTreeMap;

use emu::engine::Store;
use emu::engine::{self, Session};
use emu::keyspace::{notify, Object};
use emu::{Redis, Value};

fn map(pairs: &[(&str, &str)]) -> Value {
    Value::Map(pairs.iter().map(|(f, v)| (b(f), b(v))).collect())
}

fn encoding(r: &Redis, key: &str) -> &'static str {
    r.with_store(|s| {
        let e = s.dbs[0].dict.get(key.as_bytes()).expect("key exists");
        e.obj.encoding(&s.config)
    })
    .unwrap()
}

fn set_string(r: &Redis, key: &str, val: &str) {
    r.with_store(|s| {
        s.dbs[0].insert(
            key.as_bytes(),
            Object::string(val.as_bytes().to_vec()),
            false,
        )
    })
    .unwrap();
}

fn exists(r: &Redis, key: &str) -> bool {
    r.with_store(|s| s.dbs[0].dict.contains_key(key.as_bytes()))
        .unwrap()
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// The hash used by the order tests: Redis keeps listpack insertion order, updates in
/// place and appends re-added fields.
fn ordered_hash(r: &Redis) {
    assert_eq!(ok(r, &["HSET", "o", "c", "1", "a", "2", "b", "3"]), int(3));
    assert_eq!(ok(r, &["HSET", "o", "a", "9", "d", "4"]), int(1));
    assert_eq!(ok(r, &["HDEL", "o", "c"]), int(1));
    assert_eq!(ok(r, &["HSET", "o", "c", "5"]), int(1));
}

#[test]
fn hset_hget_hmset() {
    let r = Redis::new();
    assert_eq!(ok(&r, &["HSET", "h", "f1", "v1", "f2", "v2"]), int(2));
    assert_eq!(ok(&r, &["HSET", "h", "f1", "x", "f3", "v3"]), int(1));
    assert_eq!(ok(&r, &["HSET", "h", "f1", "x"]), int(0));
    assert_eq!(ok(&r, &["HGET", "h", "f1"]), b("x"));
    assert_eq!(ok(&r, &["HGET", "h", "nope"]), Value::Nil);
    assert_eq!(ok(&r, &["HGET", "missing", "f"]), Value::Nil);
    assert_eq!(ok(&r, &["HMSET", "h", "f4", "v4", "f1", "y"]), Value::ok());
    assert_eq!(ok(&r, &["hmset", "h2", "a", "b"]), Value::ok());
    assert_eq!(ok(&r, &["HGET", "h", "f1"]), b("y"));
    assert_eq!(ok(&r, &["HLEN", "h"]), int(4));
    // Same field twice in one command: counted once, last value wins.
    assert_eq!(ok(&r, &["HSET", "d", "f", "1", "f", "2"]), int(1));
    assert_eq!(ok(&r, &["HGET", "d", "f"]), b("2"));
    // Binary-safe and empty values.
    assert_eq!(ok(&r, &["HSET", "e", "", ""]), int(1));
    assert_eq!(ok(&r, &["HGET", "e", ""]), b(""));
}

#[test]
fn hset_errors() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    assert_eq!(
        err(&r, &["HSET", "h", "f", "v", "g"]),
        "ERR wrong number of arguments for 'hset' command"
    );
    assert_eq!(
        err(&r, &["HMSET", "h", "f", "v", "g"]),
        "ERR wrong number of arguments for 'hmset' command"
    );
    // The arity check comes before the type check.
    assert_eq!(
        err(&r, &["HSET", "s", "f", "v", "g"]),
        "ERR wrong number of arguments for 'hset' command"
    );
    assert_eq!(err(&r, &["HSET", "s", "f", "v"]), WRONGTYPE);
    assert_eq!(err(&r, &["HMSET", "s", "f", "v"]), WRONGTYPE);
    assert!(!exists(&r, "h"));
    let e = run(&r, &["HSET", "h", "f"]).unwrap_err();
    assert_eq!(e.kind(), emu::ErrorKind::Arity);
}

#[test]
fn dispatcher_arity() {
    let r = Redis::new();
    for args in [
        &["HSET", "k", "f"][..],
        &["HSETNX", "k", "f"],
        &["HSETNX", "k", "f", "v", "x"],
        &["HMSET", "k", "f"],
        &["HGET", "k"],
        &["HMGET", "k"],
        &["HGETALL"],
        &["HGETALL", "k", "x"],
        &["HDEL", "k"],
        &["HEXISTS", "k"],
        &["HLEN", "k", "x"],
        &["HKEYS"],
        &["HVALS", "k", "x"],
        &["HINCRBY", "k", "f"],
        &["HINCRBYFLOAT", "k", "f", "1", "2"],
        &["HSTRLEN", "k"],
        &["HRANDFIELD"],
        &["HSCAN", "k"],
    ] {
        let name = args[0].to_ascii_lowercase();
        assert_eq!(
            err(&r, args),
            format!("ERR wrong number of arguments for '{name}' command"),
            "{args:?}"
        );
    }
}

#[test]
fn hsetnx() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    assert_eq!(ok(&r, &["HSETNX", "h", "f", "1"]), int(1));
    assert_eq!(ok(&r, &["HSETNX", "h", "f", "2"]), int(0));
    assert_eq!(ok(&r, &["HGET", "h", "f"]), b("1"));
    assert_eq!(ok(&r, &["HSETNX", "h", "g", "2"]), int(1));
    assert_eq!(ok(&r, &["HLEN", "h"]), int(2));
    assert_eq!(err(&r, &["HSETNX", "s", "f", "v"]), WRONGTYPE);
}

#[test]
fn hmget() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    ok(&r, &["HSET", "h", "a", "1", "b", "2"]);
    assert_eq!(
        ok(&r, &["HMGET", "h", "a", "zz", "b", "a"]),
        Value::Array(vec![b("1"), Value::Nil, b("2"), b("1")])
    );
    assert_eq!(
        ok(&r, &["HMGET", "missing", "a", "b"]),
        Value::Array(vec![Value::Nil, Value::Nil])
    );
    assert_eq!(err(&r, &["HMGET", "s", "a"]), WRONGTYPE);
}

#[test]
fn hgetall_hkeys_hvals_keep_listpack_order() {
    let r = Redis::new();
    ordered_hash(&r);
    assert_eq!(
        ok(&r, &["HGETALL", "o"]),
        map(&[("a", "9"), ("b", "3"), ("d", "4"), ("c", "5")])
    );
    assert_eq!(ok(&r, &["HKEYS", "o"]), arr(&["a", "b", "d", "c"]));
    assert_eq!(ok(&r, &["HVALS", "o"]), arr(&["9", "3", "4", "5"]));
    // Missing key: empty map / empty arrays.
    assert_eq!(ok(&r, &["HGETALL", "missing"]), Value::Map(vec![]));
    assert_eq!(ok(&r, &["HKEYS", "missing"]), Value::Array(vec![]));
    assert_eq!(ok(&r, &["HVALS", "missing"]), Value::Array(vec![]));
    set_string(&r, "s", "x");
    for cmd in ["HGETALL", "HKEYS", "HVALS", "HLEN"] {
        assert_eq!(err(&r, &[cmd, "s"]), WRONGTYPE);
    }
}

#[test]
fn hgetall_hashtable_has_everything() {
    let r = Redis::new();
    for i in 0..600 {
        ok(&r, &["HSET", "big", &format!("f{i}"), &format!("v{i}")]);
    }
    assert_eq!(encoding(&r, "big"), "hashtable");
    let Value::Map(pairs) = ok(&r, &["HGETALL", "big"]) else {
        panic!("map expected");
    };
    let got: BTreeMap<Vec<u8>, Vec<u8>> = pairs
        .into_iter()
        .map(|(f, v)| match (f, v) {
            (Value::Bulk(f), Value::Bulk(v)) => (f, v),
            other => panic!("{other:?}"),
        })
        .collect();
    let want: BTreeMap<Vec<u8>, Vec<u8>> = (0..600)
        .map(|i| (format!("f{i}").into_bytes(), format!("v{i}").into_bytes()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn hdel() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    ordered_hash(&r);
    assert_eq!(ok(&r, &["HDEL", "missing", "a"]), int(0));
    assert_eq!(ok(&r, &["HDEL", "o", "zz"]), int(0));
    assert_eq!(ok(&r, &["HDEL", "o", "a", "a", "zz"]), int(1));
    assert_eq!(ok(&r, &["HKEYS", "o"]), arr(&["b", "d", "c"]));
    assert_eq!(ok(&r, &["HDEL", "o", "b", "d", "c", "zz"]), int(3));
    assert!(!exists(&r, "o"), "emptied hash is deleted");
    assert_eq!(ok(&r, &["HLEN", "o"]), int(0));
    assert_eq!(err(&r, &["HDEL", "s", "a"]), WRONGTYPE);
}

#[test]
fn hexists_hlen_hstrlen() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    ok(&r, &["HSET", "h", "a", "hello", "n", "-12345", "e", ""]);
    assert_eq!(ok(&r, &["HEXISTS", "h", "a"]), int(1));
    assert_eq!(ok(&r, &["HEXISTS", "h", "z"]), int(0));
    assert_eq!(ok(&r, &["HEXISTS", "missing", "a"]), int(0));
    assert_eq!(ok(&r, &["HLEN", "h"]), int(3));
    assert_eq!(ok(&r, &["HLEN", "missing"]), int(0));
    assert_eq!(ok(&r, &["HSTRLEN", "h", "a"]), int(5));
    assert_eq!(ok(&r, &["HSTRLEN", "h", "n"]), int(6));
    assert_eq!(ok(&r, &["HSTRLEN", "h", "e"]), int(0));
    assert_eq!(ok(&r, &["HSTRLEN", "h", "z"]), int(0));
    assert_eq!(ok(&r, &["HSTRLEN", "missing", "a"]), int(0));
    assert_eq!(err(&r, &["HEXISTS", "s", "a"]), WRONGTYPE);
    assert_eq!(err(&r, &["HSTRLEN", "s", "a"]), WRONGTYPE);
}

#[test]
fn hincrby() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    assert_eq!(ok(&r, &["HINCRBY", "h", "n", "5"]), int(5));
    assert_eq!(ok(&r, &["HINCRBY", "h", "n", "-7"]), int(-2));
    assert_eq!(ok(&r, &["HGET", "h", "n"]), b("-2"));
    ok(
        &r,
        &[
            "HSET",
            "h",
            "str",
            "abc",
            "f",
            "1.5",
            "z",
            "010",
            "sp",
            " 1",
            "max",
            "9223372036854775807",
            "min",
            "-9223372036854775808",
        ],
    );
    for field in ["str", "f", "z", "sp"] {
        assert_eq!(
            err(&r, &["HINCRBY", "h", field, "1"]),
            "ERR hash value is not an integer"
        );
    }
    assert_eq!(
        err(&r, &["HINCRBY", "h", "max", "1"]),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(
        err(&r, &["HINCRBY", "h", "min", "-1"]),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(ok(&r, &["HINCRBY", "h", "max", "-1"]), int(i64::MAX - 1));
    assert_eq!(
        ok(&r, &["HINCRBY", "h", "new", "-9223372036854775808"]),
        int(i64::MIN)
    );
    assert_eq!(
        err(&r, &["HINCRBY", "h", "new", "-1"]),
        "ERR increment or decrement would overflow"
    );
    for bad in ["x", "1.0", "", "9223372036854775808", "+1", " 1"] {
        assert_eq!(
            err(&r, &["HINCRBY", "h", "n", bad]),
            "ERR value is not an integer or out of range",
            "{bad:?}"
        );
    }
    // The increment is validated before the key's type; no key is created by errors.
    assert_eq!(
        err(&r, &["HINCRBY", "s", "n", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(err(&r, &["HINCRBY", "s", "n", "1"]), WRONGTYPE);
    assert_eq!(
        err(&r, &["HINCRBY", "nokey", "n", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert!(!exists(&r, "nokey"));
    assert_eq!(ok(&r, &["HGET", "h", "n"]), b("-2"));
}

#[test]
fn hincrbyfloat() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    ok(
        &r,
        &[
            "HSET", "h", "b", "1.5", "c", "10.5", "inf", "inf", "str", "abc", "sp", " 1",
        ],
    );
    assert_eq!(ok(&r, &["HINCRBYFLOAT", "h", "b", "1"]), b("2.5"));
    assert_eq!(ok(&r, &["HINCRBYFLOAT", "h", "c", "0.25"]), b("10.75"));
    assert_eq!(ok(&r, &["HINCRBYFLOAT", "h", "new", "3"]), b("3"));
    assert_eq!(ok(&r, &["HINCRBYFLOAT", "h", "new", "-3"]), b("0"));
    assert_eq!(ok(&r, &["HINCRBYFLOAT", "h", "e", "5.0e3"]), b("5000"));
    assert_eq!(ok(&r, &["HGET", "h", "e"]), b("5000"));
    assert_eq!(ok(&r, &["HINCRBYFLOAT", "nokey", "f", "-2.5"]), b("-2.5"));
    assert_eq!(
        err(&r, &["HINCRBYFLOAT", "h", "inf", "1"]),
        "ERR increment would produce NaN or Infinity"
    );
    for field in ["str", "sp"] {
        assert_eq!(
            err(&r, &["HINCRBYFLOAT", "h", field, "1"]),
            "ERR hash value is not a float"
        );
    }
    for bad in ["abc", "nan", "", " 1", "1 "] {
        assert_eq!(
            err(&r, &["HINCRBYFLOAT", "h", "b", bad]),
            "ERR value is not a valid float",
            "{bad:?}"
        );
    }
    for inf in ["inf", "-inf", "+Infinity"] {
        assert_eq!(
            err(&r, &["HINCRBYFLOAT", "h2", "b", inf]),
            "ERR value is NaN or Infinity"
        );
    }
    assert!(!exists(&r, "h2"), "an invalid increment creates nothing");
    assert_eq!(
        err(&r, &["HINCRBYFLOAT", "s", "f", "abc"]),
        "ERR value is not a valid float"
    );
    assert_eq!(err(&r, &["HINCRBYFLOAT", "s", "f", "1"]), WRONGTYPE);
}

#[test]
fn hincrbyfloat_propagates_as_hset() {
    let r = Redis::new();
    r.with_store(|s| s.set_record_effects(true)).unwrap();
    ok(&r, &["HSET", "h", "b", "1.5"]);
    ok(&r, &["HINCRBYFLOAT", "h", "b", "1"]);
    ok(&r, &["HINCRBY", "h", "i", "2"]);
    let _ = run(&r, &["HINCRBYFLOAT", "h", "b", "x"]);
    ok(&r, &["HGET", "h", "b"]);
    let effects: Vec<Vec<Vec<u8>>> = r
        .with_store(|s| s.effects().iter().map(|e| e.argv.clone()).collect())
        .unwrap();
    let want: Vec<Vec<Vec<u8>>> = [
        &["HSET", "h", "b", "1.5"][..],
        &["HSET", "h", "b", "2.5"],
        &["HINCRBY", "h", "i", "2"],
    ]
    .iter()
    .map(|a| a.iter().map(|s| s.as_bytes().to_vec()).collect())
    .collect();
    assert_eq!(effects, want);
}

#[test]
fn writes_that_change_nothing_are_not_logged() {
    let r = Redis::new();
    r.with_store(|s| s.set_record_effects(true)).unwrap();
    ok(&r, &["HSET", "h", "a", "1"]);
    ok(&r, &["HSETNX", "h", "a", "2"]);
    ok(&r, &["HDEL", "h", "zz"]);
    ok(&r, &["HDEL", "nokey", "zz"]);
    assert_eq!(r.with_store(|s| s.effects().len()).unwrap(), 1);
}

#[test]
fn notifications() {
    let r = Redis::new();
    r.with_store(|s| {
        s.config.notify_keyspace_events = notify::KEYEVENT | notify::HASH | notify::GENERIC
    })
    .unwrap();
    ok(&r, &["HSET", "n", "a", "1"]);
    ok(&r, &["HSETNX", "n", "a", "2"]);
    ok(&r, &["HSETNX", "n", "b", "2"]);
    ok(&r, &["HINCRBY", "n", "a", "1"]);
    ok(&r, &["HINCRBYFLOAT", "n", "a", "1.5"]);
    ok(&r, &["HMSET", "n", "c", "3"]);
    ok(&r, &["HDEL", "n", "zz"]);
    ok(&r, &["HDEL", "n", "a", "b", "c"]);
    let _ = run(&r, &["HINCRBY", "n", "a", "x"]);
    let events: Vec<String> = r
        .with_store(|s| {
            s.notifications
                .iter()
                .map(|(ch, msg)| {
                    assert_eq!(msg, b"n");
                    String::from_utf8_lossy(ch).into_owned()
                })
                .collect()
        })
        .unwrap();
    let want: Vec<String> = [
        "hset",
        "hset",
        "hincrby",
        "hincrbyfloat",
        "hset",
        "hdel",
        "del",
    ]
    .iter()
    .map(|e| format!("__keyevent@0__:{e}"))
    .collect();
    assert_eq!(events, want);
}

#[test]
fn encoding_listpack_until_limits_then_sticky_hashtable() {
    let r = Redis::new();
    let v64 = "x".repeat(64);
    let v65 = "x".repeat(65);
    ok(&r, &["HSET", "h", "f", &v64]);
    ok(&r, &["HSET", "h", &v64, "v"]);
    assert_eq!(encoding(&r, "h"), "listpack");
    // Redis 7.0's default hash-max-listpack-entries is 512.
    for i in 0..510 {
        ok(&r, &["HSET", "h", &format!("f{i}"), "v"]);
    }
    assert_eq!(ok(&r, &["HLEN", "h"]), int(512));
    assert_eq!(encoding(&r, "h"), "listpack");
    ok(&r, &["HSET", "h", "one-more", "v"]);
    assert_eq!(encoding(&r, "h"), "hashtable");
    ok(&r, &["HDEL", "h", "one-more", "f0", "f1"]);
    assert_eq!(encoding(&r, "h"), "hashtable", "never converts back");

    // A long value or field converts at once.
    ok(&r, &["HSET", "v", "f", &v65]);
    assert_eq!(encoding(&r, "v"), "hashtable");
    ok(&r, &["HSET", "k", &v65, "1"]);
    assert_eq!(encoding(&r, "k"), "hashtable");
    // Even when the long argument is an overwrite.
    ok(&r, &["HSET", "w", "f", "1"]);
    ok(&r, &["HSET", "w", "f", &v65]);
    assert_eq!(encoding(&r, "w"), "hashtable");

    // 129 copies of the same pair: still one field, still a listpack (Redis 7.0).
    let mut args = vec!["HSET", "dup"];
    for _ in 0..129 {
        args.extend(["f", "v"]);
    }
    assert_eq!(ok(&r, &args), int(1));
    assert_eq!(encoding(&r, "dup"), "listpack");

    // HSETNX on an existing field does not convert; on a new field it does.
    ok(&r, &["HSET", "nx", "a", "1"]);
    assert_eq!(ok(&r, &["HSETNX", "nx", "a", &v65]), int(0));
    assert_eq!(encoding(&r, "nx"), "listpack");
    assert_eq!(ok(&r, &["HSETNX", "nx", "b", &v65]), int(1));
    assert_eq!(encoding(&r, "nx"), "hashtable");

    // HINCRBY with a long field, HINCRBYFLOAT with a long result.
    ok(&r, &["HINCRBY", "i", &v65, "1"]);
    assert_eq!(encoding(&r, "i"), "hashtable");
    ok(&r, &["HSET", "fl", "a", "1"]);
    ok(&r, &["HINCRBYFLOAT", "fl", "a", "1e70"]);
    assert_eq!(encoding(&r, "fl"), "hashtable");
}

#[test]
fn encoding_follows_config() {
    let r = Redis::new();
    r.with_store(|s| {
        s.config.hash_max_listpack_entries = 2;
        s.config.hash_max_listpack_value = 3;
    })
    .unwrap();
    ok(&r, &["HSET", "a", "f1", "v", "f2", "v"]);
    assert_eq!(encoding(&r, "a"), "listpack");
    ok(&r, &["HSET", "a", "f3", "v"]);
    assert_eq!(encoding(&r, "a"), "hashtable");
    ok(&r, &["HSET", "b", "f", "abcd"]);
    assert_eq!(encoding(&r, "b"), "hashtable");
    ok(&r, &["HSET", "c", "f", "999"]);
    ok(&r, &["HINCRBY", "c", "f", "1"]);
    assert_eq!(
        encoding(&r, "c"),
        "hashtable",
        "the new value 1000 is too long"
    );
}

#[test]
fn hrandfield_without_count() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    assert_eq!(ok(&r, &["HRANDFIELD", "missing"]), Value::Nil);
    assert_eq!(err(&r, &["HRANDFIELD", "s"]), WRONGTYPE);
    ok(&r, &["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        match ok(&r, &["HRANDFIELD", "h"]) {
            Value::Bulk(f) => {
                assert!([&b"a"[..], b"b", b"c"].contains(&f.as_slice()));
                seen.insert(f);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seen.len(), 3, "every field gets picked eventually");
}

/// Negative-count picks from a hash-table hash are uniform even for fields that share a
/// bucket (Redis draws from a sample of consecutive buckets, `dictGetFairRandomKey`; a
/// plain bucket-then-chain pick makes a chained field half as likely: the TCL suite's
/// "HRANDFIELD with <count> - hashtable" failed with a chi-square of 215).
#[test]
fn hrandfield_negative_count_is_uniform_on_a_table() {
    let r = Redis::new();
    for round in 0..20 {
        let key = format!("h{round}");
        let long = "x".repeat(70 + round);
        let mut args = vec!["HSET".to_string(), key.clone()];
        for (f, v) in [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")] {
            args.push(format!("{f}{round}"));
            args.push(v.to_string());
        }
        for (f, v) in [("6", "f"), ("7", "g"), ("8", "h"), ("9", "i")] {
            args.push(f.to_string());
            args.push(v.to_string());
        }
        args.push(long);
        args.push("10".to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(ok(&r, &args), int(10));
        assert_eq!(encoding(&r, &key), "hashtable");
        let picks = fields_of(&ok(&r, &["HRANDFIELD", &key, "-1000"]));
        assert_eq!(picks.len(), 1000);
        let x2 = common::chi_square(&picks);
        assert!(x2 < 40.0, "round {round}: chi-square {x2}");
    }
}

fn fields_of(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Bulk(f) => f.clone(),
                Value::Array(pair) => match &pair[..] {
                    [Value::Bulk(f), Value::Bulk(_)] => f.clone(),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn hrandfield_with_count() {
    let r = Redis::new();
    ordered_hash(&r);
    assert_eq!(ok(&r, &["HRANDFIELD", "o", "0"]), Value::Array(vec![]));
    assert_eq!(
        ok(&r, &["HRANDFIELD", "o", "0", "WITHVALUES"]),
        Value::Array(vec![])
    );
    assert_eq!(
        ok(&r, &["HRANDFIELD", "missing", "5"]),
        Value::Array(vec![])
    );
    assert_eq!(
        ok(&r, &["HRANDFIELD", "missing", "-5", "withvalues"]),
        Value::Array(vec![])
    );
    // count >= size: the whole hash, in listpack order.
    assert_eq!(
        ok(&r, &["HRANDFIELD", "o", "4"]),
        arr(&["a", "b", "d", "c"])
    );
    assert_eq!(
        ok(&r, &["HRANDFIELD", "o", "100"]),
        arr(&["a", "b", "d", "c"])
    );
    // RESP3 (the embedded handle): WITHVALUES gives [field, value] pairs.
    let pair = |f: &str, v: &str| Value::Array(vec![b(f), b(v)]);
    assert_eq!(
        ok(&r, &["HRANDFIELD", "o", "10", "withvalues"]),
        Value::Array(vec![
            pair("a", "9"),
            pair("b", "3"),
            pair("d", "4"),
            pair("c", "5")
        ])
    );
    // Negative count: exactly |count| picks, repeats allowed.
    let v = ok(&r, &["HRANDFIELD", "o", "-20"]);
    let picks = fields_of(&v);
    assert_eq!(picks.len(), 20);
    assert!(picks
        .iter()
        .all(|f| [&b"a"[..], b"b", b"c", b"d"].contains(&f.as_slice())));
    let v = ok(&r, &["HRANDFIELD", "o", "-3", "WITHVALUES"]);
    let Value::Array(items) = &v else { panic!() };
    assert_eq!(items.len(), 3);
    for item in items {
        let Value::Array(p) = item else {
            panic!("{item:?}")
        };
        let (Value::Bulk(f), Value::Bulk(val)) = (&p[0], &p[1]) else {
            panic!()
        };
        let expect = ok(&r, &["HGET", "o", std::str::from_utf8(f).unwrap()]);
        assert_eq!(Value::Bulk(val.clone()), expect);
    }
    // Positive count below the size: distinct fields, in listpack order.
    let order = [&b"a"[..], b"b", b"d", b"c"];
    for _ in 0..50 {
        let picks = fields_of(&ok(&r, &["HRANDFIELD", "o", "3"]));
        assert_eq!(picks.len(), 3);
        let pos: Vec<usize> = picks
            .iter()
            .map(|f| order.iter().position(|o| *o == f.as_slice()).unwrap())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    }
}

#[test]
fn hrandfield_hashtable_distinct() {
    let r = Redis::new();
    for i in 0..500 {
        ok(&r, &["HSET", "big", &format!("f{i}"), &i.to_string()]);
    }
    for count in [1usize, 5, 100, 200, 400, 499, 500, 600] {
        let picks = fields_of(&ok(&r, &["HRANDFIELD", "big", &count.to_string()]));
        assert_eq!(picks.len(), count.min(500), "count {count}");
        let uniq: std::collections::BTreeSet<_> = picks.iter().collect();
        assert_eq!(uniq.len(), picks.len(), "count {count} must be distinct");
        for f in &picks {
            assert!(f.starts_with(b"f"));
        }
    }
    let picks = fields_of(&ok(&r, &["HRANDFIELD", "big", "-1000"]));
    assert_eq!(picks.len(), 1000);
}

#[test]
fn hrandfield_is_deterministic_for_a_seed() {
    let go = || {
        let r = Redis::builder().seed(42).build();
        for i in 0..300 {
            ok(&r, &["HSET", "big", &format!("f{i}"), "v"]);
        }
        ok(
            &r,
            &["HSET", "small", "a", "1", "b", "2", "c", "3", "d", "4"],
        );
        vec![
            ok(&r, &["HRANDFIELD", "big", "-7"]),
            ok(&r, &["HRANDFIELD", "big", "20"]),
            ok(&r, &["HRANDFIELD", "big", "150", "withvalues"]),
            ok(&r, &["HRANDFIELD", "small", "2"]),
            ok(&r, &["HRANDFIELD", "small", "-5"]),
            ok(&r, &["HRANDFIELD", "small"]),
            ok(&r, &["HRANDFIELD", "big"]),
        ]
    };
    assert_eq!(go(), go());
}

#[test]
fn hrandfield_errors() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    ok(&r, &["HSET", "h", "a", "1"]);
    for bad in ["x", "1.5", "", "9223372036854775808"] {
        assert_eq!(
            err(&r, &["HRANDFIELD", "h", bad]),
            "ERR value is not an integer or out of range"
        );
    }
    assert_eq!(
        err(&r, &["HRANDFIELD", "missing", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
    assert_eq!(
        err(&r, &["HRANDFIELD", "h", "1", "withvalue"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&r, &["HRANDFIELD", "h", "1", "withvalues", "x"]),
        "ERR syntax error"
    );
    for n in [
        "4611686018427387904",
        "-4611686018427387904",
        "-9223372036854775807",
    ] {
        assert_eq!(
            err(&r, &["HRANDFIELD", "h", n, "WITHVALUES"]),
            "ERR value is out of range",
            "{n}"
        );
    }
    assert_eq!(
        ok(
            &r,
            &[
                "HRANDFIELD",
                "missing",
                "-4611686018427387903",
                "WITHVALUES"
            ]
        ),
        Value::Array(vec![])
    );
    // Argument errors come before the type check.
    assert_eq!(
        err(&r, &["HRANDFIELD", "s", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&r, &["HRANDFIELD", "s", "1", "withvalue"]),
        "ERR syntax error"
    );
    assert_eq!(err(&r, &["HRANDFIELD", "s", "1", "withvalues"]), WRONGTYPE);
    assert_eq!(err(&r, &["HRANDFIELD", "s", "1"]), WRONGTYPE);
}

/// RESP2 session on a bare store.
fn exec2(store: &mut Store, session: &mut Session, args: &[&str]) -> Value {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    engine::execute(store, session, &argv).unwrap()
}

#[test]
fn hrandfield_resp2_withvalues_is_flat() {
    let mut store = Store::default();
    let mut s = Session::default();
    assert_eq!(s.resp, 2);
    exec2(&mut store, &mut s, &["HSET", "o", "a", "1", "b", "2"]);
    assert_eq!(
        exec2(&mut store, &mut s, &["HRANDFIELD", "o", "5", "WITHVALUES"]),
        arr(&["a", "1", "b", "2"])
    );
    let Value::Array(items) = exec2(&mut store, &mut s, &["HRANDFIELD", "o", "-3", "WITHVALUES"])
    else {
        panic!()
    };
    assert_eq!(items.len(), 6);
    for pair in items.chunks(2) {
        let want = if pair[0] == b("a") { b("1") } else { b("2") };
        assert_eq!(pair[1], want);
    }
    let Value::Array(items) = exec2(&mut store, &mut s, &["HRANDFIELD", "o", "1", "WITHVALUES"])
    else {
        panic!()
    };
    assert_eq!(items.len(), 2);
}

fn scan_reply(v: Value) -> (String, Vec<Vec<u8>>) {
    let Value::Array(parts) = v else {
        panic!("{v:?}")
    };
    let [Value::Bulk(c), Value::Array(items)] = &parts[..] else {
        panic!("{parts:?}")
    };
    let items = items
        .iter()
        .map(|i| match i {
            Value::Bulk(x) => x.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    (String::from_utf8(c.clone()).unwrap(), items)
}

#[test]
fn hscan_listpack_returns_everything() {
    let r = Redis::new();
    ordered_hash(&r);
    let all = Value::Array(vec![b("0"), arr(&["a", "9", "b", "3", "d", "4", "c", "5"])]);
    assert_eq!(ok(&r, &["HSCAN", "o", "0"]), all);
    assert_eq!(ok(&r, &["HSCAN", "o", "5", "COUNT", "1"]), all);
    assert_eq!(ok(&r, &["HSCAN", "o", "18446744073709551615"]), all);
    assert_eq!(
        ok(&r, &["HSCAN", "o", "0", "MATCH", "[ab]"]),
        Value::Array(vec![b("0"), arr(&["a", "9", "b", "3"])])
    );
    assert_eq!(
        ok(&r, &["HSCAN", "o", "0", "count", "1", "match", "a"]),
        Value::Array(vec![b("0"), arr(&["a", "9"])])
    );
    assert_eq!(
        ok(&r, &["HSCAN", "o", "0", "MATCH", "zz*"]),
        Value::Array(vec![b("0"), arr(&[])])
    );
}

#[test]
fn hscan_errors() {
    let r = Redis::new();
    set_string(&r, "s", "x");
    ok(&r, &["HSET", "o", "a", "1"]);
    let empty = Value::Array(vec![b("0"), Value::Array(vec![])]);
    assert_eq!(ok(&r, &["HSCAN", "missing", "0"]), empty);
    // A missing key answers before the options are looked at.
    assert_eq!(ok(&r, &["HSCAN", "missing", "0", "COUNT", "abc"]), empty);
    assert_eq!(err(&r, &["HSCAN", "missing", "x"]), "ERR invalid cursor");
    assert_eq!(
        err(&r, &["HSCAN", "o", "18446744073709551616"]),
        "ERR invalid cursor"
    );
    assert_eq!(err(&r, &["HSCAN", "s", "x"]), "ERR invalid cursor");
    assert_eq!(err(&r, &["HSCAN", "s", "0", "COUNT", "0"]), WRONGTYPE);
    for opts in [
        &["COUNT", "0"][..],
        &["COUNT", "-1"],
        &["TYPE", "hash"],
        &["MATCH"],
        &["COUNT"],
        &["FOO", "bar"],
    ] {
        let mut args = vec!["HSCAN", "o", "0"];
        args.extend_from_slice(opts);
        assert_eq!(err(&r, &args), "ERR syntax error", "{opts:?}");
    }
    assert_eq!(
        err(&r, &["HSCAN", "o", "0", "COUNT", "x"]),
        "ERR value is not an integer or out of range"
    );
}

#[test]
fn hscan_hashtable_iterates_with_cursor() {
    let r = Redis::new();
    for i in 0..1000 {
        ok(&r, &["HSET", "big", &format!("f{i}"), &format!("v{i}")]);
    }
    let mut cursor = "0".to_string();
    let mut seen = BTreeMap::new();
    let mut rounds = 0;
    loop {
        let (next, items) = scan_reply(ok(&r, &["HSCAN", "big", &cursor, "COUNT", "50"]));
        assert!(items.len() % 2 == 0);
        for pair in items.chunks(2) {
            let prev = seen.insert(pair[0].clone(), pair[1].clone());
            assert!(prev.is_none(), "no duplicates without rehashing");
        }
        rounds += 1;
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert!(rounds > 1, "a hash table is scanned in several steps");
    assert_eq!(seen.len(), 1000);
    for i in 0..1000 {
        assert_eq!(
            seen[format!("f{i}").as_bytes()],
            format!("v{i}").into_bytes()
        );
    }
    // MATCH filters fields.
    let mut cursor = "0".to_string();
    let mut matched = Vec::new();
    loop {
        let (next, items) = scan_reply(ok(&r, &["HSCAN", "big", &cursor, "MATCH", "f99*"]));
        matched.extend(items.chunks(2).map(|p| p[0].clone()));
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    matched.sort();
    assert_eq!(
        matched,
        vec![
            b"f99".to_vec(),
            b"f990".to_vec(),
            b"f991".to_vec(),
            b"f992".to_vec(),
            b"f993".to_vec(),
            b"f994".to_vec(),
            b"f995".to_vec(),
            b"f996".to_vec(),
            b"f997".to_vec(),
            b"f998".to_vec(),
            b"f999".to_vec()
        ]
    );
}

#[test]
fn expired_hash_is_gone() {
    let r = Redis::builder().manual_clock(1_000_000).build();
    ok(&r, &["HSET", "h", "a", "1"]);
    r.with_store(|s| s.dbs[0].set_expire(b"h", Some(1_000_500)))
        .unwrap();
    assert_eq!(ok(&r, &["HGET", "h", "a"]), b("1"));
    r.set_time(1_000_501).unwrap(); // live through its deadline millisecond, as in Redis
    assert_eq!(ok(&r, &["HGET", "h", "a"]), Value::Nil);
    assert_eq!(ok(&r, &["HLEN", "h"]), int(0));
    // Writing recreates it without the old TTL.
    assert_eq!(ok(&r, &["HINCRBY", "h", "a", "5"]), int(5));
    assert_eq!(
        r.with_store(|s| s.dbs[0].dict.get(b"h").unwrap().expire())
            .unwrap(),
        None
    );
}

#[test]
fn hash_api_from_pairs_and_order() {
    use emu::types::hash::Hash;
    let cfg = emu::config::Config::default();
    let h = Hash::from_pairs([("b", "1"), ("a", "2"), ("b", "3")], &cfg);
    assert_eq!(h.len(), 2);
    assert_eq!(h.encoding(&cfg), "listpack");
    let got: Vec<(&[u8], &[u8])> = h.iter().collect();
    assert_eq!(got, vec![(&b"b"[..], &b"3"[..]), (&b"a"[..], &b"2"[..])]);
    let long = "x".repeat(65);
    let h = Hash::from_pairs([("a", long.as_str())], &cfg);
    assert_eq!(h.encoding(&cfg), "hashtable");
    let many: Vec<(String, String)> = (0..513).map(|i| (i.to_string(), "v".into())).collect();
    let h = Hash::from_pairs(many, &cfg);
    assert_eq!(h.encoding(&cfg), "hashtable");
    assert_eq!(h.iter().count(), 513);
}

mod model;

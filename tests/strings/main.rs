//! String commands: replies, error texts, expiry, effects and notifications, checked against
//! what Redis 7.0.15 answers.

#[path = "../common/mod.rs"]
mod common;
use common::{b, err, int, ok, okv, redis, run as q, T0 as NOW};

mod incrbyfloat_cases;

use std::collections::HashMap;
use std::time::Duration;

use emu::keyspace::{notify, Object};
use emu::types::list::List;
use emu::{Redis, Value};
use proptest::prelude::*;

fn expire_of(r: &Redis, key: &str) -> Option<u64> {
    r.with_store(|s| s.dbs[0].dict.get(key.as_bytes()).and_then(|e| e.expire()))
        .unwrap()
}

fn exists(r: &Redis, key: &str) -> bool {
    r.with_store(|s| s.dbs[0].dict.get(key.as_bytes()).is_some())
        .unwrap()
}

/// Stores a list under `key` (list commands live elsewhere).
fn put_list(r: &Redis, key: &str) {
    r.with_store(|s| {
        let mut l = List::default();
        l.push(emu::types::list::End::Tail, b"a");
        s.dbs[0].insert(key.as_bytes(), Object::List(Box::new(l)), false);
    })
    .unwrap();
}

fn record_effects(r: &Redis) {
    r.with_store(|s| s.set_record_effects(true)).unwrap();
}

fn effects(r: &Redis) -> Vec<String> {
    r.with_store(common::take_effects_text).unwrap()
}

fn enable_events(r: &Redis) {
    r.with_store(|s| {
        s.config.notify_keyspace_events =
            notify::KEYEVENT | notify::GENERIC | notify::STRING | notify::EXPIRED
    })
    .unwrap();
}

/// Keyevent notifications as "event key".
fn events(r: &Redis) -> Vec<String> {
    r.with_store(|s| {
        s.notifications
            .drain(..)
            .map(|(ch, key)| {
                let ch = String::from_utf8_lossy(&ch).into_owned();
                let ev = ch.rsplit(':').next().unwrap_or("").to_string();
                format!("{ev} {}", String::from_utf8_lossy(&key))
            })
            .collect()
    })
    .unwrap()
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";
const SYNTAX: &str = "ERR syntax error";

#[test]
fn get_and_plain_set() {
    let r = redis();
    assert_eq!(ok(&r, &["GET", "k"]), Value::Nil);
    assert_eq!(ok(&r, &["SET", "k", "v"]), okv());
    assert_eq!(ok(&r, &["GET", "k"]), b("v"));
    assert_eq!(ok(&r, &["set", "k", ""]), okv());
    assert_eq!(ok(&r, &["GET", "k"]), b(""));
    put_list(&r, "l");
    assert_eq!(err(&r, &["GET", "l"]), WRONGTYPE);
    // SET overwrites any type.
    assert_eq!(ok(&r, &["SET", "l", "x"]), okv());
    assert_eq!(ok(&r, &["GET", "l"]), b("x"));
    let bin: &[u8] = b"a\0b\xff";
    assert_eq!(r.execute(&[b"SET", b"bin", bin]).unwrap(), okv());
    assert_eq!(r.execute(&[b"GET", b"bin"]).unwrap(), Value::bulk(bin));
}

#[test]
fn set_nx_xx_get() {
    let r = redis();
    assert_eq!(ok(&r, &["SET", "k", "v", "XX"]), Value::Nil);
    assert!(!exists(&r, "k"));
    assert_eq!(ok(&r, &["SET", "k", "v", "XX", "GET"]), Value::Nil);
    assert_eq!(ok(&r, &["SET", "k", "v", "NX", "GET"]), Value::Nil);
    assert_eq!(ok(&r, &["GET", "k"]), b("v"));
    assert_eq!(ok(&r, &["SET", "k", "v2", "nx", "get"]), b("v"));
    assert_eq!(ok(&r, &["GET", "k"]), b("v"));
    assert_eq!(ok(&r, &["SET", "k", "v2", "NX"]), Value::Nil);
    assert_eq!(ok(&r, &["SET", "k", "v3", "XX", "GET"]), b("v"));
    assert_eq!(ok(&r, &["SET", "k", "v4", "XX"]), okv());
    assert_eq!(ok(&r, &["SET", "k", "v5", "GET", "GET"]), b("v4"));
    assert_eq!(ok(&r, &["SET", "k", "v6", "NX", "NX"]), Value::Nil);
    assert_eq!(ok(&r, &["SET", "new", "x", "GET"]), Value::Nil);
    assert_eq!(ok(&r, &["GET", "new"]), b("x"));
    put_list(&r, "l");
    assert_eq!(err(&r, &["SET", "l", "v", "GET"]), WRONGTYPE);
    assert_eq!(err(&r, &["SET", "l", "v", "NX", "GET"]), WRONGTYPE);
    // The value itself may be spelled like an option.
    assert_eq!(ok(&r, &["SET", "g", "GET"]), okv());
    assert_eq!(ok(&r, &["GET", "g"]), b("GET"));
}

#[test]
fn set_syntax_errors() {
    let r = redis();
    for args in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "XX", "NX"],
        &["SET", "k", "v", "EX", "10", "PX", "10"],
        &["SET", "k", "v", "EX", "10", "EXAT", "10"],
        &["SET", "k", "v", "PXAT", "10", "PX", "10"],
        &["SET", "k", "v", "KEEPTTL", "EX", "10"],
        &["SET", "k", "v", "EX", "10", "KEEPTTL"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "PX"],
        &["SET", "k", "v", "foo"],
        &["SET", "k", "v", "PERSIST"],
        &["SET", "k", "v", "NXX"],
    ] {
        assert_eq!(err(&r, args), SYNTAX, "{args:?}");
    }
    assert!(!exists(&r, "k"));
    assert_eq!(err(&r, &["SET", "k", "v", "EX", "abc"]), NOT_INT);
    assert_eq!(err(&r, &["SET", "k", "v", "EX", "1.5"]), NOT_INT);
    assert_eq!(err(&r, &["SET", "k", "v", "PX", " 1"]), NOT_INT);
    // Options compare as C strings: an embedded NUL ends the name.
    assert_eq!(
        r.execute(&[b"SET", b"k", b"v", b"nx\0junk"]).unwrap(),
        okv()
    );
    assert_eq!(
        r.execute(&[b"SET", b"k", b"v", b"nx\0"]).unwrap(),
        Value::Nil
    );
}

#[test]
fn set_expire_options() {
    let r = redis();
    assert_eq!(ok(&r, &["SET", "k", "v", "EX", "10"]), okv());
    assert_eq!(expire_of(&r, "k"), Some(NOW + 10_000));
    assert_eq!(ok(&r, &["SET", "k", "v", "px", "1500"]), okv());
    assert_eq!(expire_of(&r, "k"), Some(NOW + 1500));
    assert_eq!(ok(&r, &["SET", "k", "v", "EXAT", "1800000000"]), okv());
    assert_eq!(expire_of(&r, "k"), Some(1_800_000_000_000));
    assert_eq!(ok(&r, &["SET", "k", "v", "PXAT", "1800000000123"]), okv());
    assert_eq!(expire_of(&r, "k"), Some(1_800_000_000_123));
    // The same option twice: the last value wins.
    assert_eq!(ok(&r, &["SET", "k", "v", "EX", "10", "EX", "20"]), okv());
    assert_eq!(expire_of(&r, "k"), Some(NOW + 20_000));
    // KEEPTTL keeps it, a plain SET clears it.
    assert_eq!(ok(&r, &["SET", "k", "w", "KEEPTTL"]), okv());
    assert_eq!(expire_of(&r, "k"), Some(NOW + 20_000));
    assert_eq!(ok(&r, &["GET", "k"]), b("w"));
    assert_eq!(ok(&r, &["SET", "k", "w"]), okv());
    assert_eq!(expire_of(&r, "k"), None);
    // Combined with NX / GET.
    assert_eq!(ok(&r, &["SET", "k", "z", "EX", "5", "GET"]), b("w"));
    assert_eq!(expire_of(&r, "k"), Some(NOW + 5000));
    assert_eq!(ok(&r, &["SET", "k", "z", "EX", "50", "NX"]), Value::Nil);
    assert_eq!(expire_of(&r, "k"), Some(NOW + 5000));
    // The key expires.
    r.advance_time(Duration::from_millis(5001)).unwrap();
    assert_eq!(ok(&r, &["GET", "k"]), Value::Nil);
    assert!(!exists(&r, "k"));
}

#[test]
fn set_expire_limits() {
    let r = redis();
    let inv = "ERR invalid expire time in 'set' command";
    for args in [
        &["SET", "k", "v", "EX", "0"][..],
        &["SET", "k", "v", "EX", "-1"],
        &["SET", "k", "v", "PX", "0"],
        &["SET", "k", "v", "PX", "-5"],
        &["SET", "k", "v", "EXAT", "0"],
        &["SET", "k", "v", "PXAT", "0"],
        &["SET", "k", "v", "PXAT", "-9223372036854775808"],
        // seconds * 1000 would overflow
        &["SET", "k", "v", "EX", "9223372036854776"],
        &["SET", "k", "v", "EXAT", "9223372036854776"],
        // seconds * 1000 fits, adding the current time overflows
        &["SET", "k", "v", "EX", "9223372036854775"],
        &["SET", "k", "v", "PX", "9223372036854775807"],
        &["SET", "k", "v", "GET", "EX", "0"],
    ] {
        assert_eq!(err(&r, args), inv, "{args:?}");
    }
    assert!(!exists(&r, "k"));
    // The error comes before the GET option's type check.
    put_list(&r, "l");
    assert_eq!(err(&r, &["SET", "l", "v", "EX", "0", "GET"]), inv);
    assert_eq!(
        ok(&r, &["SET", "k", "v", "EXAT", "9223372036854775"]),
        okv()
    );
    assert_eq!(expire_of(&r, "k"), Some(9_223_372_036_854_775_000));
    assert_eq!(
        ok(&r, &["SET", "k", "v", "PXAT", "9223372036854775807"]),
        okv()
    );
    assert_eq!(expire_of(&r, "k"), Some(i64::MAX as u64));
    assert_eq!(
        ok(&r, &["SET", "k", "v", "PX", "9223370000000000000"]),
        okv()
    );
    assert_eq!(expire_of(&r, "k"), Some(9_223_370_000_000_000_000 + NOW));
    // An absolute time in the past is accepted; the key is then gone.
    assert_eq!(ok(&r, &["SET", "k", "v", "EXAT", "1"]), okv());
    assert_eq!(ok(&r, &["GET", "k"]), Value::Nil);
    assert_eq!(ok(&r, &["SET", "k", "v", "PXAT", "1"]), okv());
    assert_eq!(ok(&r, &["SET", "k", "v2", "XX"]), Value::Nil);
}

#[test]
fn setnx_setex_psetex() {
    let r = redis();
    assert_eq!(ok(&r, &["SETNX", "k", "v"]), int(1));
    assert_eq!(ok(&r, &["SETNX", "k", "w"]), int(0));
    assert_eq!(ok(&r, &["GET", "k"]), b("v"));
    put_list(&r, "l");
    assert_eq!(ok(&r, &["SETNX", "l", "w"]), int(0));

    assert_eq!(ok(&r, &["SETEX", "k", "10", "x"]), okv());
    assert_eq!(ok(&r, &["GET", "k"]), b("x"));
    assert_eq!(expire_of(&r, "k"), Some(NOW + 10_000));
    assert_eq!(ok(&r, &["PSETEX", "k", "10", "y"]), okv());
    assert_eq!(expire_of(&r, "k"), Some(NOW + 10));
    assert_eq!(ok(&r, &["SETEX", "l", "10", "y"]), okv());
    assert_eq!(ok(&r, &["GET", "l"]), b("y"));

    assert_eq!(
        err(&r, &["SETEX", "k", "0", "v"]),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        err(&r, &["SETEX", "k", "-1", "v"]),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        err(&r, &["SETEX", "k", "9223372036854776", "v"]),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        err(&r, &["PSETEX", "k", "0", "v"]),
        "ERR invalid expire time in 'psetex' command"
    );
    assert_eq!(err(&r, &["SETEX", "k", "abc", "v"]), NOT_INT);
    assert_eq!(err(&r, &["PSETEX", "k", "1.0", "v"]), NOT_INT);
    assert_eq!(ok(&r, &["GET", "k"]), b("y"));
    r.advance_time(Duration::from_millis(11)).unwrap();
    assert_eq!(ok(&r, &["GET", "k"]), Value::Nil);
}

#[test]
fn getset_getdel() {
    let r = redis();
    assert_eq!(ok(&r, &["GETSET", "k", "a"]), Value::Nil);
    assert_eq!(ok(&r, &["GETSET", "k", "b"]), b("a"));
    assert_eq!(ok(&r, &["GET", "k"]), b("b"));
    ok(&r, &["SET", "t", "v", "EX", "100"]);
    assert_eq!(ok(&r, &["GETSET", "t", "w"]), b("v"));
    assert_eq!(expire_of(&r, "t"), None);
    put_list(&r, "l");
    assert_eq!(err(&r, &["GETSET", "l", "x"]), WRONGTYPE);
    assert_eq!(err(&r, &["GETDEL", "l"]), WRONGTYPE);
    assert!(exists(&r, "l"));
    assert_eq!(ok(&r, &["GETDEL", "k"]), b("b"));
    assert_eq!(ok(&r, &["GETDEL", "k"]), Value::Nil);
    assert!(!exists(&r, "k"));
}

#[test]
fn getex_options() {
    let r = redis();
    assert_eq!(ok(&r, &["GETEX", "k"]), Value::Nil);
    // A missing key answers nil before the expire value is validated.
    assert_eq!(ok(&r, &["GETEX", "k", "EX", "0"]), Value::Nil);
    assert_eq!(ok(&r, &["GETEX", "k", "EX", "abc"]), Value::Nil);
    assert_eq!(err(&r, &["GETEX", "k", "foo"]), SYNTAX);
    ok(&r, &["SET", "k", "v"]);
    assert_eq!(ok(&r, &["GETEX", "k"]), b("v"));
    assert_eq!(expire_of(&r, "k"), None);
    assert_eq!(ok(&r, &["GETEX", "k", "EX", "10"]), b("v"));
    assert_eq!(expire_of(&r, "k"), Some(NOW + 10_000));
    assert_eq!(ok(&r, &["GETEX", "k", "PX", "10"]), b("v"));
    assert_eq!(expire_of(&r, "k"), Some(NOW + 10));
    assert_eq!(ok(&r, &["GETEX", "k", "EXAT", "1800000000"]), b("v"));
    assert_eq!(expire_of(&r, "k"), Some(1_800_000_000_000));
    assert_eq!(ok(&r, &["GETEX", "k", "PXAT", "1800000000001"]), b("v"));
    assert_eq!(expire_of(&r, "k"), Some(1_800_000_000_001));
    assert_eq!(ok(&r, &["GETEX", "k", "EX", "10", "EX", "20"]), b("v"));
    assert_eq!(expire_of(&r, "k"), Some(NOW + 20_000));
    assert_eq!(ok(&r, &["GETEX", "k", "persist"]), b("v"));
    assert_eq!(expire_of(&r, "k"), None);
    for args in [
        &["GETEX", "k", "PERSIST", "EX", "10"][..],
        &["GETEX", "k", "EX", "10", "PERSIST"],
        &["GETEX", "k", "KEEPTTL"],
        &["GETEX", "k", "NX"],
        &["GETEX", "k", "XX"],
        &["GETEX", "k", "GET"],
        &["GETEX", "k", "EX"],
        &["GETEX", "k", "EX", "1", "PX", "1"],
    ] {
        assert_eq!(err(&r, args), SYNTAX, "{args:?}");
    }
    assert_eq!(
        err(&r, &["GETEX", "k", "EX", "0"]),
        "ERR invalid expire time in 'getex' command"
    );
    assert_eq!(
        err(&r, &["GETEX", "k", "EX", "9223372036854775"]),
        "ERR invalid expire time in 'getex' command"
    );
    assert_eq!(err(&r, &["GETEX", "k", "PX", "x"]), NOT_INT);
    put_list(&r, "l");
    assert_eq!(err(&r, &["GETEX", "l"]), WRONGTYPE);
    assert_eq!(err(&r, &["GETEX", "l", "EX", "0"]), WRONGTYPE);
    // An absolute time already past deletes the key (after replying with its value).
    assert_eq!(ok(&r, &["GETEX", "k", "PXAT", "1"]), b("v"));
    assert!(!exists(&r, "k"));
    ok(&r, &["SET", "k", "v"]);
    assert_eq!(
        ok(&r, &["GETEX", "k", "EXAT", &(NOW / 1000).to_string()]),
        b("v")
    );
    assert!(!exists(&r, "k"));
}

#[test]
fn mget_mset_msetnx() {
    let r = redis();
    assert_eq!(ok(&r, &["MSET", "a", "1", "b", "2"]), okv());
    put_list(&r, "l");
    assert_eq!(
        ok(&r, &["MGET", "a", "l", "nokey", "b"]),
        Value::Array(vec![b("1"), Value::Nil, Value::Nil, b("2")])
    );
    assert_eq!(
        err(&r, &["MSET", "a", "1", "b"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(
        err(&r, &["MSET", "a"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(
        err(&r, &["MSETNX", "x", "1", "y"]),
        "ERR wrong number of arguments for 'msetnx' command"
    );
    ok(&r, &["SET", "t", "v", "EX", "100"]);
    assert_eq!(ok(&r, &["MSET", "t", "w", "l", "s"]), okv());
    assert_eq!(expire_of(&r, "t"), None);
    assert_eq!(ok(&r, &["GET", "l"]), b("s"));
    assert_eq!(ok(&r, &["MSETNX", "a", "9", "c", "3"]), int(0));
    assert!(!exists(&r, "c"));
    assert_eq!(ok(&r, &["MSETNX", "c", "3", "d", "4"]), int(1));
    assert_eq!(ok(&r, &["MSETNX", "q", "1", "q", "2"]), int(1));
    assert_eq!(ok(&r, &["GET", "q"]), b("2"));
    assert_eq!(
        ok(&r, &["MGET", "c", "d"]),
        Value::Array(vec![b("3"), b("4")])
    );
}

#[test]
fn append_strlen() {
    let r = redis();
    assert_eq!(ok(&r, &["STRLEN", "k"]), int(0));
    assert_eq!(ok(&r, &["APPEND", "k", "hello"]), int(5));
    assert_eq!(ok(&r, &["APPEND", "k", " world"]), int(11));
    assert_eq!(ok(&r, &["APPEND", "k", ""]), int(11));
    assert_eq!(ok(&r, &["GET", "k"]), b("hello world"));
    assert_eq!(ok(&r, &["STRLEN", "k"]), int(11));
    assert_eq!(ok(&r, &["APPEND", "e", ""]), int(0));
    assert!(exists(&r, "e"));
    ok(&r, &["SET", "n", "12", "EX", "100"]);
    assert_eq!(ok(&r, &["APPEND", "n", "3"]), int(3));
    assert_eq!(ok(&r, &["GET", "n"]), b("123"));
    assert_eq!(expire_of(&r, "n"), Some(NOW + 100_000));
    put_list(&r, "l");
    assert_eq!(err(&r, &["APPEND", "l", "x"]), WRONGTYPE);
    assert_eq!(err(&r, &["STRLEN", "l"]), WRONGTYPE);
    // The size limit.
    r.with_store(|s| s.config.proto_max_bulk_len = 12).unwrap();
    assert_eq!(ok(&r, &["APPEND", "k", "!"]), int(12));
    assert_eq!(
        err(&r, &["APPEND", "k", "!"]),
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    );
    assert_eq!(ok(&r, &["STRLEN", "k"]), int(12));
}

#[test]
fn incr_decr_family() {
    let r = redis();
    assert_eq!(ok(&r, &["INCR", "n"]), int(1));
    assert_eq!(ok(&r, &["INCRBY", "n", "41"]), int(42));
    assert_eq!(ok(&r, &["DECR", "n"]), int(41));
    assert_eq!(ok(&r, &["DECRBY", "n", "50"]), int(-9));
    assert_eq!(ok(&r, &["GET", "n"]), b("-9"));
    assert_eq!(ok(&r, &["DECRBY", "m", "-5"]), int(5));
    assert_eq!(ok(&r, &["INCRBY", "z", "0"]), int(0));
    assert_eq!(ok(&r, &["GET", "z"]), b("0"));

    ok(&r, &["SET", "n", "9223372036854775806"]);
    assert_eq!(ok(&r, &["INCR", "n"]), int(i64::MAX));
    let ovf = "ERR increment or decrement would overflow";
    assert_eq!(err(&r, &["INCR", "n"]), ovf);
    assert_eq!(err(&r, &["DECRBY", "n", "-1"]), ovf);
    assert_eq!(err(&r, &["INCRBY", "n", "9223372036854775807"]), ovf);
    assert_eq!(ok(&r, &["GET", "n"]), b("9223372036854775807"));
    ok(&r, &["SET", "n", "-9223372036854775808"]);
    assert_eq!(err(&r, &["DECR", "n"]), ovf);
    assert_eq!(err(&r, &["INCRBY", "n", "-1"]), ovf);
    assert_eq!(err(&r, &["DECRBY", "n", "1"]), ovf);
    assert_eq!(ok(&r, &["INCRBY", "n", "9223372036854775807"]), int(-1));
    assert_eq!(
        err(&r, &["DECRBY", "n", "-9223372036854775808"]),
        "ERR decrement would overflow"
    );
    ok(&r, &["SET", "n", "0"]);
    assert_eq!(
        ok(&r, &["INCRBY", "n", "-9223372036854775808"]),
        int(i64::MIN)
    );

    for bad in [
        "010",
        " 1",
        "1 ",
        "1.0",
        "+1",
        "abc",
        "",
        "9223372036854775808",
        "-0",
    ] {
        ok(&r, &["SET", "s", bad]);
        assert_eq!(err(&r, &["INCR", "s"]), NOT_INT, "{bad:?}");
        assert_eq!(err(&r, &["DECRBY", "s", "1"]), NOT_INT, "{bad:?}");
        assert_eq!(ok(&r, &["GET", "s"]), b(bad));
    }
    assert_eq!(err(&r, &["INCRBY", "n", "abc"]), NOT_INT);
    assert_eq!(err(&r, &["INCRBY", "n", "1.5"]), NOT_INT);
    assert_eq!(err(&r, &["INCRBY", "n", "+1"]), NOT_INT);
    assert_eq!(err(&r, &["DECRBY", "n", "9223372036854775808"]), NOT_INT);
    put_list(&r, "l");
    assert_eq!(err(&r, &["INCR", "l"]), WRONGTYPE);
    assert_eq!(err(&r, &["DECRBY", "l", "1"]), WRONGTYPE);
    // The increment is parsed before the key is looked at.
    assert_eq!(err(&r, &["INCRBY", "l", "x"]), NOT_INT);
    assert_eq!(
        err(&r, &["DECRBY", "l", "-9223372036854775808"]),
        "ERR decrement would overflow"
    );
    // Counters keep their TTL.
    ok(&r, &["SET", "t", "5", "EX", "100"]);
    assert_eq!(ok(&r, &["INCR", "t"]), int(6));
    assert_eq!(expire_of(&r, "t"), Some(NOW + 100_000));
    // The counter is replaced in its entry: the encoding and the memory accounting are those
    // of a fresh SET of the same digits (a raw string that INCR turns back into an int).
    ok(&r, &["SET", "c", "41"]);
    ok(&r, &["APPEND", "c", "0"]);
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "c"]), b("raw"));
    assert_eq!(
        ok(&r, &["INCRBY", "c", "1000000000000"]),
        int(1_000_000_000_410)
    );
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "c"]), b("int"));
    ok(&r, &["SET", "fresh", "1000000000410"]);
    assert_eq!(
        ok(&r, &["MEMORY", "USAGE", "c"]),
        ok(&r, &["MEMORY", "USAGE", "fresh"])
    );
    let used = |r: &Redis| r.with_store(|s| s.dbs[0].used).unwrap();
    let before = used(&r);
    ok(&r, &["INCRBY", "c", "-1000000000000"]);
    ok(&r, &["SET", "fresh", "410"]);
    assert_eq!(
        ok(&r, &["MEMORY", "USAGE", "c"]),
        ok(&r, &["MEMORY", "USAGE", "fresh"])
    );
    assert!(
        used(&r) <= before,
        "a shorter counter frees what the longer one held"
    );
}

#[test]
fn incrbyfloat_basics() {
    let r = redis();
    ok(&r, &["SET", "x", "10.5"]);
    assert_eq!(ok(&r, &["INCRBYFLOAT", "x", "0.1"]), b("10.6"));
    assert_eq!(ok(&r, &["INCRBYFLOAT", "y", "5.0e3"]), b("5000"));
    assert_eq!(ok(&r, &["GET", "y"]), b("5000"));
    assert_eq!(ok(&r, &["INCRBYFLOAT", "y", "-5000"]), b("0"));
    assert_eq!(ok(&r, &["INCRBYFLOAT", "i", "1"]), b("1"));
    // Integers and floats mix.
    assert_eq!(ok(&r, &["INCR", "i"]), int(2));
    assert_eq!(ok(&r, &["INCRBYFLOAT", "i", "0.5"]), b("2.5"));
    assert_eq!(err(&r, &["INCR", "i"]), NOT_INT);
    ok(&r, &["SET", "i", "9223372036854775807"]);
    assert_eq!(ok(&r, &["INCRBYFLOAT", "i", "1"]), b("9223372036854775808"));

    let nan_inf = "ERR increment would produce NaN or Infinity";
    assert_eq!(err(&r, &["INCRBYFLOAT", "a", "inf"]), nan_inf);
    assert_eq!(err(&r, &["INCRBYFLOAT", "a", "-Infinity"]), nan_inf);
    assert!(!exists(&r, "a"));
    for bad in [
        "nan", " 1", "1 ", "1e", ".", "abc", "", "1e5000", "1e-5000", "0x",
    ] {
        assert_eq!(err(&r, &["INCRBYFLOAT", "a", bad]), NOT_FLOAT, "{bad:?}");
    }
    assert_eq!(
        r.execute(&[b"INCRBYFLOAT", b"a", b"1\0"])
            .unwrap_err()
            .message(),
        NOT_FLOAT
    );
    assert_eq!(
        r.execute(&[b"INCRBYFLOAT", b"a", b"\t1"])
            .unwrap_err()
            .message(),
        NOT_FLOAT
    );
    // The current value must parse too.
    for bad in ["abc", "", "1e4933", "inf ", "1,5"] {
        ok(&r, &["SET", "w", bad]);
        assert_eq!(err(&r, &["INCRBYFLOAT", "w", "1"]), NOT_FLOAT, "{bad:?}");
    }
    ok(&r, &["SET", "w", "inf"]);
    assert_eq!(err(&r, &["INCRBYFLOAT", "w", "1"]), nan_inf);
    assert_eq!(err(&r, &["INCRBYFLOAT", "w", "-inf"]), nan_inf);
    put_list(&r, "l");
    assert_eq!(err(&r, &["INCRBYFLOAT", "l", "1"]), WRONGTYPE);
    assert_eq!(err(&r, &["INCRBYFLOAT", "l", "abc"]), WRONGTYPE);
    // TTL is kept.
    ok(&r, &["SET", "t", "1", "PX", "500"]);
    assert_eq!(ok(&r, &["INCRBYFLOAT", "t", "1.25"]), b("2.25"));
    assert_eq!(expire_of(&r, "t"), Some(NOW + 500));
}

#[test]
fn incrbyfloat_matches_redis_cases() {
    let r = redis();
    for &(cur, incr, want) in incrbyfloat_cases::CASES {
        match cur {
            Some(c) => ok(&r, &["SET", "k", c]),
            None => {
                r.with_store(|s| s.dbs[0].remove(b"k")).unwrap();
                Value::Nil
            }
        };
        let got = match q(&r, &["INCRBYFLOAT", "k", incr]) {
            Ok(Value::Bulk(v)) => String::from_utf8(v).unwrap(),
            Ok(v) => panic!("unexpected {v:?}"),
            Err(e) => e.message().to_string(),
        };
        assert_eq!(got, want, "current {cur:?} increment {incr:?}");
        // Direct API used by HINCRBYFLOAT agrees.
        let direct = emu::util::float::incr_by_float(cur.map(str::as_bytes), incr.as_bytes());
        let direct = match direct {
            Ok(v) => String::from_utf8(v).unwrap(),
            Err(e) => e.message().to_string(),
        };
        assert_eq!(direct, want);
    }
    assert!(incrbyfloat_cases::CASES.len() > 600);
}

#[test]
fn incrbyfloat_chain_matches_redis() {
    let r = redis();
    for &(incr, want) in incrbyfloat_cases::CHAIN {
        assert_eq!(ok(&r, &["INCRBYFLOAT", "x", incr]), b(want), "+{incr}");
    }
}

#[test]
fn getrange_substr() {
    let r = redis();
    assert_eq!(ok(&r, &["GETRANGE", "nokey", "0", "-1"]), b(""));
    ok(&r, &["SET", "s", "Hello World"]);
    let cases: &[(&str, &str, &str)] = &[
        ("0", "4", "Hello"),
        ("0", "-1", "Hello World"),
        ("-5", "-1", "World"),
        ("-3", "-1", "rld"),
        ("5", "3", ""),
        ("-1", "-5", ""),
        ("-100", "-50", "H"),
        ("-100", "2", "Hel"),
        ("2", "100", "llo World"),
        ("11", "20", ""),
        ("10", "10", "d"),
        ("0", "0", "H"),
        ("-9223372036854775808", "9223372036854775807", "Hello World"),
        ("9223372036854775807", "-9223372036854775808", ""),
    ];
    for &(a, z, want) in cases {
        assert_eq!(ok(&r, &["GETRANGE", "s", a, z]), b(want), "{a} {z}");
        assert_eq!(ok(&r, &["SUBSTR", "s", a, z]), b(want), "{a} {z}");
    }
    ok(&r, &["SET", "e", ""]);
    assert_eq!(ok(&r, &["GETRANGE", "e", "0", "-1"]), b(""));
    assert_eq!(ok(&r, &["GETRANGE", "e", "0", "0"]), b(""));
    ok(&r, &["SET", "n", "12345"]);
    assert_eq!(ok(&r, &["GETRANGE", "n", "1", "2"]), b("23"));
    assert_eq!(err(&r, &["GETRANGE", "s", "abc", "1"]), NOT_INT);
    assert_eq!(err(&r, &["GETRANGE", "s", "0", "1.0"]), NOT_INT);
    assert_eq!(err(&r, &["GETRANGE", "nokey", "abc", "1"]), NOT_INT);
    put_list(&r, "l");
    assert_eq!(err(&r, &["GETRANGE", "l", "0", "1"]), WRONGTYPE);
    assert_eq!(err(&r, &["GETRANGE", "l", "x", "1"]), NOT_INT);
}

#[test]
fn setrange_cases() {
    let r = redis();
    assert_eq!(ok(&r, &["SETRANGE", "k", "0", ""]), int(0));
    assert!(!exists(&r, "k"));
    assert_eq!(ok(&r, &["SETRANGE", "k", "3", "ab"]), int(5));
    assert_eq!(ok(&r, &["GET", "k"]), Value::bulk(b"\0\0\0ab"));
    assert_eq!(ok(&r, &["SETRANGE", "k", "1", "XYZW"]), int(5));
    assert_eq!(ok(&r, &["GET", "k"]), Value::bulk(b"\0XYZW"));
    assert_eq!(ok(&r, &["SETRANGE", "k", "7", "!"]), int(8));
    assert_eq!(ok(&r, &["GET", "k"]), Value::bulk(b"\0XYZW\0\0!"));
    assert_eq!(ok(&r, &["SETRANGE", "k", "100", ""]), int(8));
    ok(&r, &["SET", "h", "Hello World", "EX", "100"]);
    assert_eq!(ok(&r, &["SETRANGE", "h", "6", "Redis"]), int(11));
    assert_eq!(ok(&r, &["GET", "h"]), b("Hello Redis"));
    assert_eq!(expire_of(&r, "h"), Some(NOW + 100_000));

    assert_eq!(
        err(&r, &["SETRANGE", "k", "-1", "x"]),
        "ERR offset is out of range"
    );
    assert_eq!(err(&r, &["SETRANGE", "k", "abc", "x"]), NOT_INT);
    put_list(&r, "l");
    // The offset is checked before the type.
    assert_eq!(
        err(&r, &["SETRANGE", "l", "-1", "x"]),
        "ERR offset is out of range"
    );
    assert_eq!(err(&r, &["SETRANGE", "l", "abc", "x"]), NOT_INT);
    assert_eq!(err(&r, &["SETRANGE", "l", "0", "x"]), WRONGTYPE);
    assert_eq!(err(&r, &["SETRANGE", "l", "0", ""]), WRONGTYPE);

    let too_big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    assert_eq!(err(&r, &["SETRANGE", "new", "536870912", "x"]), too_big);
    assert_eq!(err(&r, &["SETRANGE", "k", "536870911", "xy"]), too_big);
    assert_eq!(
        err(&r, &["SETRANGE", "k", "9223372036854775807", "x"]),
        too_big
    );
    assert_eq!(
        err(&r, &["SETRANGE", "k", "9223372036854775806", "xy"]),
        too_big
    );
    assert!(!exists(&r, "new"));
    // Empty value: no size check, no key created.
    assert_eq!(
        ok(&r, &["SETRANGE", "new", "9223372036854775807", ""]),
        int(0)
    );
    assert!(!exists(&r, "new"));
    r.with_store(|s| s.config.proto_max_bulk_len = 10).unwrap();
    assert_eq!(ok(&r, &["SETRANGE", "new", "9", "x"]), int(10));
    assert_eq!(err(&r, &["SETRANGE", "new", "10", "x"]), too_big);
}

#[test]
fn arity_errors_come_from_the_dispatcher() {
    let r = redis();
    for (args, name) in [
        (&["GET"][..], "get"),
        (&["GET", "a", "b"], "get"),
        (&["SET", "k"], "set"),
        (&["SETNX", "k"], "setnx"),
        (&["SETEX", "k", "10"], "setex"),
        (&["PSETEX", "k", "10"], "psetex"),
        (&["GETSET", "k"], "getset"),
        (&["GETDEL"], "getdel"),
        (&["GETEX"], "getex"),
        (&["MGET"], "mget"),
        (&["MSET", "k"], "mset"),
        (&["MSETNX", "k"], "msetnx"),
        (&["APPEND", "k"], "append"),
        (&["STRLEN"], "strlen"),
        (&["INCR"], "incr"),
        (&["DECR", "a", "b"], "decr"),
        (&["INCRBY", "k"], "incrby"),
        (&["DECRBY", "k"], "decrby"),
        (&["INCRBYFLOAT", "k"], "incrbyfloat"),
        (&["GETRANGE", "k", "0"], "getrange"),
        (&["SUBSTR", "k", "0"], "substr"),
        (&["SETRANGE", "k", "0"], "setrange"),
    ] {
        assert_eq!(
            err(&r, args),
            format!("ERR wrong number of arguments for '{name}' command")
        );
    }
}

#[test]
fn resp2_replies() {
    let mut store = emu::engine::Store::default();
    let mut s = emu::engine::Session::default();
    assert_eq!(s.resp, 2);
    let mut run = |argv: &[&[u8]]| emu::engine::execute(&mut store, &mut s, argv);
    assert_eq!(run(&[b"SET", b"k", b"v"]).unwrap(), okv());
    assert_eq!(run(&[b"SET", b"k", b"v", b"NX"]).unwrap(), Value::Nil);
    assert_eq!(run(&[b"GETEX", b"nokey"]).unwrap(), Value::Nil);
    assert_eq!(
        run(&[b"MGET", b"k", b"x"]).unwrap(),
        Value::Array(vec![b("v"), Value::Nil])
    );
    assert_eq!(run(&[b"INCRBYFLOAT", b"f", b"1.5"]).unwrap(), b("1.5"));
}

#[test]
fn effects_are_deterministic() {
    let r = redis();
    record_effects(&r);
    ok(&r, &["SET", "a", "1"]);
    ok(&r, &["SET", "a", "2", "NX"]); // not performed: not logged
    ok(&r, &["SET", "a", "3", "XX", "GET", "get"]);
    ok(&r, &["SET", "b", "x", "EX", "10", "GET"]);
    ok(&r, &["SET", "b", "x", "PXAT", "1800000000000", "NX"]); // not performed
    ok(&r, &["SET", "b", "y", "EXAT", "1800000000"]);
    ok(&r, &["SET", "b", "z", "KEEPTTL", "GET"]);
    ok(&r, &["SETEX", "c", "5", "v"]);
    ok(&r, &["PSETEX", "c", "5", "v"]);
    ok(&r, &["SETNX", "c", "v"]);
    ok(&r, &["SETNX", "d", "v"]);
    ok(&r, &["GETSET", "d", "w"]);
    ok(&r, &["GETEX", "d", "EX", "7"]);
    ok(&r, &["GETEX", "d", "PERSIST"]);
    ok(&r, &["GETEX", "d", "PERSIST"]); // no TTL: nothing
    ok(&r, &["GETEX", "d"]);
    ok(&r, &["GETEX", "d", "PXAT", "1"]);
    ok(&r, &["GETDEL", "a"]);
    ok(&r, &["GETDEL", "a"]);
    ok(&r, &["INCRBYFLOAT", "f", "0.1"]);
    ok(&r, &["INCR", "n"]);
    ok(&r, &["APPEND", "n", "0"]);
    ok(&r, &["SETRANGE", "n", "0", "2"]);
    ok(&r, &["SETRANGE", "n", "0", ""]);
    ok(&r, &["MSET", "m", "1", "o", "2"]);
    ok(&r, &["MSETNX", "m", "1", "p", "2"]);
    let _ = q(&r, &["SET", "a", "v", "EX", "0"]);
    let _ = q(&r, &["INCR", "b"]);
    assert_eq!(
        effects(&r),
        vec![
            "SET a 1".to_string(),
            "SET a 3 XX".into(),
            format!("SET b x PXAT {}", NOW + 10_000),
            "SET b y PXAT 1800000000000".into(),
            "SET b z KEEPTTL".into(),
            format!("SET c v PXAT {}", NOW + 5000),
            format!("SET c v PXAT {}", NOW + 5),
            "SETNX d v".into(),
            "SET d w".into(),
            format!("PEXPIREAT d {}", NOW + 7000),
            "PERSIST d".into(),
            "DEL d".into(),
            "DEL a".into(),
            "SET f 0.1 KEEPTTL".into(),
            "INCR n".into(),
            "APPEND n 0".into(),
            "SETRANGE n 0 2".into(),
            "MSET m 1 o 2".into(),
        ]
    );
}

#[test]
fn keyspace_events() {
    let r = redis();
    enable_events(&r);
    ok(&r, &["SET", "k", "v", "EX", "100"]);
    ok(&r, &["SET", "k", "v", "EXAT", "1"]);
    ok(&r, &["SET", "k", "v", "KEEPTTL"]);
    ok(&r, &["SET", "k", "v", "NX"]);
    ok(&r, &["SETNX", "k", "v"]);
    ok(&r, &["SETNX", "k2", "v"]);
    ok(&r, &["SETEX", "k3", "10", "v"]);
    ok(&r, &["GETEX", "k3", "EX", "100"]);
    ok(&r, &["GETEX", "k3", "PERSIST"]);
    ok(&r, &["GETEX", "k3", "PERSIST"]);
    ok(&r, &["GETEX", "k3", "PXAT", "1"]);
    ok(&r, &["GETDEL", "k2"]);
    ok(&r, &["GETSET", "k2", "x"]);
    ok(&r, &["MSET", "a", "1", "b", "2"]);
    ok(&r, &["MSETNX", "c", "1", "d", "2"]);
    ok(&r, &["INCR", "a"]);
    ok(&r, &["DECRBY", "a", "2"]);
    ok(&r, &["INCRBYFLOAT", "a", "1.5"]);
    ok(&r, &["APPEND", "a", "x"]);
    ok(&r, &["SETRANGE", "a", "0", "y"]);
    ok(&r, &["SETRANGE", "a", "0", ""]);
    let _ = q(&r, &["INCRBYFLOAT", "a", "x"]);
    let _ = q(&r, &["INCR", "a"]);
    assert_eq!(
        events(&r),
        [
            "set k",
            "expire k",
            "set k",
            "expire k",
            "expired k",
            "set k",
            "set k2",
            "set k3",
            "expire k3",
            "expire k3",
            "persist k3",
            "del k3",
            "del k2",
            "set k2",
            "set a",
            "set b",
            "set c",
            "set d",
            "incrby a",
            "incrby a",
            "incrbyfloat a",
            "append a",
            "setrange a",
        ]
    );
}

#[test]
fn object_encoding_of_string_bytes() {
    use emu::types::string::encoding;
    assert_eq!(encoding(b"12"), "int");
    assert_eq!(encoding(b"-9223372036854775808"), "int");
    assert_eq!(encoding(b"12345678901234567890"), "embstr");
    assert_eq!(encoding(b"012"), "embstr");
    assert_eq!(encoding(&[b'a'; 44]), "embstr");
    assert_eq!(encoding(&[b'a'; 45]), "raw");
    assert_eq!(encoding(b""), "embstr");
}

/// One step of the model test.
#[derive(Clone, Debug)]
enum Op {
    Set(u8, Vec<u8>),
    Append(u8, Vec<u8>),
    SetRange(u8, u16, Vec<u8>),
    GetRange(u8, i64, i64),
    IncrBy(u8, i64),
    Strlen(u8),
    Get(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..4;
    let val = prop::collection::vec(
        prop_oneof![Just(b'1'), Just(b'-'), Just(b'0'), any::<u8>()],
        0..6,
    );
    prop_oneof![
        (key.clone(), val.clone()).prop_map(|(k, v)| Op::Set(k, v)),
        (key.clone(), (-20i64..20)).prop_map(|(k, n)| Op::Set(k, n.to_string().into_bytes())),
        (key.clone(), val.clone()).prop_map(|(k, v)| Op::Append(k, v)),
        (key.clone(), 0u16..12, val).prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
        (key.clone(), -15i64..15, -15i64..15).prop_map(|(k, a, z)| Op::GetRange(k, a, z)),
        (
            key.clone(),
            prop_oneof![-100i64..100, Just(i64::MAX), Just(i64::MIN)]
        )
            .prop_map(|(k, n)| Op::IncrBy(k, n)),
        key.clone().prop_map(Op::Strlen),
        key.prop_map(Op::Get),
    ]
}

fn model_getrange(s: &[u8], mut a: i64, mut z: i64) -> Vec<u8> {
    let n = s.len() as i64;
    if a < 0 && z < 0 && a > z {
        return Vec::new();
    }
    if a < 0 {
        a = (n + a).max(0);
    }
    if z < 0 {
        z = (n + z).max(0);
    }
    z = z.min(n - 1);
    if a > z || n == 0 {
        return Vec::new();
    }
    s[a as usize..=z as usize].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn strings_follow_a_byte_model(ops in prop::collection::vec(op(), 1..40)) {
        let r = Redis::new();
        let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        for op in ops {
            let key = |k: u8| vec![b'k', b'0' + k];
            match op {
                Op::Set(k, v) => {
                    let got = r.execute(&[b"SET", &key(k), &v]).unwrap();
                    prop_assert_eq!(got, Value::ok());
                    model.insert(key(k), v);
                }
                Op::Append(k, v) => {
                    let got = r.execute(&[b"APPEND", &key(k), &v]).unwrap();
                    let e = model.entry(key(k)).or_default();
                    e.extend_from_slice(&v);
                    prop_assert_eq!(got, Value::Int(e.len() as i64));
                }
                Op::SetRange(k, off, v) => {
                    let got = r
                        .execute(&[b"SETRANGE", &key(k), off.to_string().as_bytes(), &v])
                        .unwrap();
                    let off = off as usize;
                    let len = match model.get_mut(&key(k)) {
                        None if v.is_empty() => 0,
                        Some(s) if v.is_empty() => s.len(),
                        _ => {
                            let s = model.entry(key(k)).or_default();
                            if s.len() < off + v.len() {
                                s.resize(off + v.len(), 0);
                            }
                            s[off..off + v.len()].copy_from_slice(&v);
                            s.len()
                        }
                    };
                    prop_assert_eq!(got, Value::Int(len as i64));
                }
                Op::GetRange(k, a, z) => {
                    let got = r
                        .execute(&[
                            b"GETRANGE",
                            &key(k),
                            a.to_string().as_bytes(),
                            z.to_string().as_bytes(),
                        ])
                        .unwrap();
                    let s = model.get(&key(k)).cloned().unwrap_or_default();
                    prop_assert_eq!(got, Value::Bulk(model_getrange(&s, a, z)));
                }
                Op::IncrBy(k, n) => {
                    let got = r
                        .execute(&[b"INCRBY", &key(k), n.to_string().as_bytes()])
                        .map_err(|e| e.message().to_string());
                    let cur = match model.get(&key(k)) {
                        None => Some(0),
                        Some(s) => emu::util::parse_i64(s),
                    };
                    match cur {
                        None => prop_assert_eq!(got, Err(NOT_INT.to_string())),
                        Some(c) => match c.checked_add(n) {
                            None => prop_assert_eq!(
                                got,
                                Err("ERR increment or decrement would overflow".to_string())
                            ),
                            Some(v) => {
                                prop_assert_eq!(got, Ok(Value::Int(v)));
                                model.insert(key(k), v.to_string().into_bytes());
                            }
                        },
                    }
                }
                Op::Strlen(k) => {
                    let got = r.execute(&[b"STRLEN", &key(k)]).unwrap();
                    let n = model.get(&key(k)).map_or(0, |s| s.len());
                    prop_assert_eq!(got, Value::Int(n as i64));
                }
                Op::Get(k) => {
                    let got = r.execute(&[b"GET", &key(k)]).unwrap();
                    prop_assert_eq!(got, Value::opt_bulk(model.get(&key(k))));
                }
            }
        }
    }
}

/// OBJECT ENCODING of strings follows the producing command, as in Redis 7.0.15 (checked with
/// redis-cli): APPEND to an existing key and SETRANGE give raw; INCRBYFLOAT gives embstr even
/// for "3"; SET and INCR give int again.
#[test]
fn string_encoding_follows_the_producing_command() {
    let r = redis();
    let enc = |k: &str| ok(&r, &["OBJECT", "ENCODING", k]);
    ok(&r, &["SET", "a", "12"]);
    ok(&r, &["APPEND", "a", "3"]);
    assert_eq!(enc("a"), b("raw"));
    ok(&r, &["APPEND", "b", "12"]);
    assert_eq!(enc("b"), b("int"));
    ok(&r, &["SETRANGE", "c", "0", "5"]);
    assert_eq!(enc("c"), b("raw"));
    ok(&r, &["SET", "d", "1"]);
    ok(&r, &["INCRBYFLOAT", "d", "2"]);
    assert_eq!(enc("d"), b("embstr"));
    assert_eq!(ok(&r, &["OBJECT", "REFCOUNT", "d"]), Value::Int(1));
    ok(&r, &["SET", "a", "5"]);
    assert_eq!(enc("a"), b("int"));
    ok(&r, &["SET", "e", "7"]);
    ok(&r, &["INCR", "e"]);
    assert_eq!(enc("e"), b("int"));
}

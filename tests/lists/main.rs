//! List commands: replies and error texts checked against Redis 7.0.15.

#[path = "../common/mod.rs"]
mod common;
use common::{arr, b, err, int, ints, ok, run as q};

use emu::engine::Store;
use emu::engine::{self, Session};
use emu::keyspace::{notify, Object};
use emu::{Redis, Value};

fn all(r: &Redis, key: &str) -> Value {
    ok(r, &["LRANGE", key, "0", "-1"])
}

fn exists(r: &Redis, key: &str) -> bool {
    r.with_store(|s| s.dbs[0].dict.get(key.as_bytes()).is_some())
        .unwrap()
}

/// A string key, for WRONGTYPE checks (no string setter needed).
fn set_string(r: &Redis, key: &str) {
    r.with_store(|s| s.dbs[0].insert(key.as_bytes(), Object::string(b"x".to_vec()), false))
        .unwrap();
}

fn with_list(items: &[&str]) -> Redis {
    let r = Redis::new();
    if !items.is_empty() {
        let mut args = vec!["RPUSH", "l"];
        args.extend_from_slice(items);
        ok(&r, &args);
    }
    r
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
const SYNTAX: &str = "ERR syntax error";

// ---------------------------------------------------------------------------------------
// Pushes
// ---------------------------------------------------------------------------------------

#[test]
fn lpush_rpush_order_and_length() {
    let r = Redis::new();
    assert_eq!(ok(&r, &["LPUSH", "l", "a", "b", "c"]), int(3));
    assert_eq!(all(&r, "l"), arr(&["c", "b", "a"]));
    assert_eq!(ok(&r, &["RPUSH", "l", "x", "y"]), int(5));
    assert_eq!(all(&r, "l"), arr(&["c", "b", "a", "x", "y"]));
    assert_eq!(ok(&r, &["lpush", "l", ""]), int(6));
    assert_eq!(ok(&r, &["LINDEX", "l", "0"]), b(""));
}

#[test]
fn push_errors() {
    let r = Redis::new();
    set_string(&r, "s");
    assert_eq!(err(&r, &["LPUSH", "s", "a"]), WRONGTYPE);
    assert_eq!(err(&r, &["RPUSH", "s", "a"]), WRONGTYPE);
    assert_eq!(err(&r, &["LPUSHX", "s", "a"]), WRONGTYPE);
    assert_eq!(err(&r, &["RPUSHX", "s", "a"]), WRONGTYPE);
    assert_eq!(
        err(&r, &["LPUSH", "l"]),
        "ERR wrong number of arguments for 'lpush' command"
    );
    assert_eq!(
        err(&r, &["RPUSHX", "l"]),
        "ERR wrong number of arguments for 'rpushx' command"
    );
}

#[test]
fn pushx_only_on_existing() {
    let r = Redis::new();
    assert_eq!(ok(&r, &["LPUSHX", "l", "a"]), int(0));
    assert_eq!(ok(&r, &["RPUSHX", "l", "a"]), int(0));
    assert!(!exists(&r, "l"));
    ok(&r, &["RPUSH", "l", "m"]);
    assert_eq!(ok(&r, &["LPUSHX", "l", "a", "b"]), int(3));
    assert_eq!(ok(&r, &["RPUSHX", "l", "y", "z"]), int(5));
    assert_eq!(all(&r, "l"), arr(&["b", "a", "m", "y", "z"]));
}

// ---------------------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------------------

#[test]
fn pop_single() {
    let r = with_list(&["a", "b", "c"]);
    assert_eq!(ok(&r, &["LPOP", "l"]), b("a"));
    assert_eq!(ok(&r, &["RPOP", "l"]), b("c"));
    assert_eq!(ok(&r, &["RPOP", "l"]), b("b"));
    assert!(!exists(&r, "l"), "emptied list is deleted");
    assert_eq!(ok(&r, &["LPOP", "l"]), Value::Nil);
    assert_eq!(ok(&r, &["RPOP", "l"]), Value::Nil);
}

#[test]
fn pop_with_count() {
    let r = with_list(&["a", "b", "c", "d", "a", "b", "a"]);
    assert_eq!(ok(&r, &["RPOP", "l", "3"]), arr(&["a", "b", "a"]));
    assert_eq!(ok(&r, &["LPOP", "l", "2"]), arr(&["a", "b"]));
    assert_eq!(ok(&r, &["LPOP", "l", "0"]), Value::Array(vec![]));
    assert_eq!(all(&r, "l"), arr(&["c", "d"]));
    assert_eq!(
        ok(&r, &["LPOP", "l", "9223372036854775807"]),
        arr(&["c", "d"])
    );
    assert!(!exists(&r, "l"));
    // Missing key with a count (even 0): null array.
    assert_eq!(ok(&r, &["LPOP", "l", "1"]), Value::NilArray);
    assert_eq!(ok(&r, &["RPOP", "l", "0"]), Value::NilArray);
}

#[test]
fn pop_errors() {
    let r = with_list(&["a"]);
    set_string(&r, "s");
    for cmd in ["LPOP", "RPOP"] {
        assert_eq!(err(&r, &[cmd, "l", "-1"]), MUST_BE_POSITIVE);
        assert_eq!(err(&r, &[cmd, "l", "abc"]), MUST_BE_POSITIVE);
        assert_eq!(
            err(&r, &[cmd, "l", "99999999999999999999"]),
            MUST_BE_POSITIVE
        );
        assert_eq!(err(&r, &[cmd, "nokey", "-1"]), MUST_BE_POSITIVE);
        // The count is parsed before the type check.
        assert_eq!(err(&r, &[cmd, "s", "-1"]), MUST_BE_POSITIVE);
        assert_eq!(err(&r, &[cmd, "s", "0"]), WRONGTYPE);
        assert_eq!(err(&r, &[cmd, "s"]), WRONGTYPE);
    }
    assert_eq!(
        err(&r, &["LPOP", "l", "1", "2"]),
        "ERR wrong number of arguments for 'lpop' command"
    );
    assert_eq!(
        err(&r, &["rpop", "l", "1", "2"]),
        "ERR wrong number of arguments for 'rpop' command"
    );
    assert_eq!(
        err(&r, &["LPOP"]),
        "ERR wrong number of arguments for 'lpop' command"
    );
    assert_eq!(all(&r, "l"), arr(&["a"]));
}

#[test]
fn resp2_null_shapes() {
    let mut store = Store::default();
    let mut s = Session::default();
    assert_eq!(s.resp, 2);
    let mut run = |argv: &[&[u8]]| engine::execute(&mut store, &mut s, argv).unwrap();
    assert_eq!(run(&[b"LPOP", b"k", b"1"]), Value::NilArray);
    assert_eq!(run(&[b"LPOP", b"k"]), Value::Nil);
    assert_eq!(run(&[b"LINDEX", b"k", b"0"]), Value::Nil);
    assert_eq!(run(&[b"LMPOP", b"1", b"k", b"LEFT"]), Value::NilArray);
    assert_eq!(run(&[b"LMOVE", b"k", b"d", b"LEFT", b"LEFT"]), Value::Nil);
    assert_eq!(run(&[b"LPOS", b"k", b"a"]), Value::Nil);
}

// ---------------------------------------------------------------------------------------
// LRANGE / LLEN / LINDEX / LSET
// ---------------------------------------------------------------------------------------

#[test]
fn lrange_indices() {
    let r = with_list(&["a", "b", "c", "d"]);
    assert_eq!(
        ok(&r, &["LRANGE", "l", "0", "-1"]),
        arr(&["a", "b", "c", "d"])
    );
    assert_eq!(ok(&r, &["LRANGE", "l", "1", "2"]), arr(&["b", "c"]));
    assert_eq!(ok(&r, &["LRANGE", "l", "-2", "-1"]), arr(&["c", "d"]));
    assert_eq!(ok(&r, &["LRANGE", "l", "-100", "1"]), arr(&["a", "b"]));
    assert_eq!(ok(&r, &["LRANGE", "l", "2", "100"]), arr(&["c", "d"]));
    assert_eq!(ok(&r, &["LRANGE", "l", "3", "1"]), arr(&[]));
    assert_eq!(ok(&r, &["LRANGE", "l", "4", "10"]), arr(&[]));
    assert_eq!(ok(&r, &["LRANGE", "l", "0", "-5"]), arr(&[]));
    assert_eq!(ok(&r, &["LRANGE", "l", "-1", "-2"]), arr(&[]));
    assert_eq!(
        ok(
            &r,
            &["LRANGE", "l", "-9223372036854775808", "9223372036854775807"]
        ),
        arr(&["a", "b", "c", "d"])
    );
    assert_eq!(ok(&r, &["LRANGE", "nokey", "0", "-1"]), arr(&[]));
}

#[test]
fn lrange_errors() {
    let r = with_list(&["a"]);
    set_string(&r, "s");
    assert_eq!(err(&r, &["LRANGE", "nokey", "a", "1"]), NOT_INT);
    assert_eq!(err(&r, &["LRANGE", "l", "0", "1.5"]), NOT_INT);
    // Indices are parsed before the type check.
    assert_eq!(err(&r, &["LRANGE", "s", "a", "1"]), NOT_INT);
    assert_eq!(err(&r, &["LRANGE", "s", "0", "1"]), WRONGTYPE);
    assert_eq!(
        err(&r, &["LRANGE", "l", "0"]),
        "ERR wrong number of arguments for 'lrange' command"
    );
}

#[test]
fn llen_cases() {
    let r = with_list(&["a", "b"]);
    set_string(&r, "s");
    assert_eq!(ok(&r, &["LLEN", "l"]), int(2));
    assert_eq!(ok(&r, &["LLEN", "nokey"]), int(0));
    assert_eq!(err(&r, &["LLEN", "s"]), WRONGTYPE);
    assert_eq!(
        err(&r, &["LLEN", "l", "x"]),
        "ERR wrong number of arguments for 'llen' command"
    );
}

#[test]
fn lindex_cases() {
    let r = with_list(&["a", "b", "c"]);
    set_string(&r, "s");
    assert_eq!(ok(&r, &["LINDEX", "l", "0"]), b("a"));
    assert_eq!(ok(&r, &["LINDEX", "l", "2"]), b("c"));
    assert_eq!(ok(&r, &["LINDEX", "l", "-1"]), b("c"));
    assert_eq!(ok(&r, &["LINDEX", "l", "-3"]), b("a"));
    assert_eq!(ok(&r, &["LINDEX", "l", "3"]), Value::Nil);
    assert_eq!(ok(&r, &["LINDEX", "l", "-4"]), Value::Nil);
    assert_eq!(ok(&r, &["LINDEX", "l", "-9223372036854775808"]), Value::Nil);
    assert_eq!(err(&r, &["LINDEX", "l", "abc"]), NOT_INT);
    // Missing key / wrong type are checked before the index is parsed.
    assert_eq!(ok(&r, &["LINDEX", "nokey", "abc"]), Value::Nil);
    assert_eq!(err(&r, &["LINDEX", "s", "abc"]), WRONGTYPE);
}

#[test]
fn lset_cases() {
    let r = with_list(&["a", "b", "c"]);
    set_string(&r, "s");
    assert_eq!(ok(&r, &["LSET", "l", "0", "x"]), Value::ok());
    assert_eq!(ok(&r, &["LSET", "l", "-1", "z"]), Value::ok());
    assert_eq!(all(&r, "l"), arr(&["x", "b", "z"]));
    assert_eq!(err(&r, &["LSET", "l", "3", "q"]), "ERR index out of range");
    assert_eq!(err(&r, &["LSET", "l", "-4", "q"]), "ERR index out of range");
    assert_eq!(err(&r, &["LSET", "l", "abc", "q"]), NOT_INT);
    assert_eq!(err(&r, &["LSET", "nokey", "0", "q"]), "ERR no such key");
    assert_eq!(err(&r, &["LSET", "nokey", "abc", "q"]), "ERR no such key");
    assert_eq!(err(&r, &["LSET", "s", "abc", "q"]), WRONGTYPE);
    assert_eq!(all(&r, "l"), arr(&["x", "b", "z"]));
}

// ---------------------------------------------------------------------------------------
// LINSERT / LREM / LTRIM
// ---------------------------------------------------------------------------------------

#[test]
fn linsert_cases() {
    let r = with_list(&["a", "b", "a"]);
    set_string(&r, "s");
    assert_eq!(ok(&r, &["LINSERT", "l", "BEFORE", "a", "x"]), int(4));
    assert_eq!(ok(&r, &["linsert", "l", "after", "a", "y"]), int(5));
    assert_eq!(ok(&r, &["LINSERT", "l", "After", "b", "z"]), int(6));
    assert_eq!(all(&r, "l"), arr(&["x", "a", "y", "b", "z", "a"]));
    assert_eq!(ok(&r, &["LINSERT", "l", "AFTER", "nope", "q"]), int(-1));
    assert_eq!(ok(&r, &["LINSERT", "nokey", "BEFORE", "a", "q"]), int(0));
    assert!(!exists(&r, "nokey"));
    assert_eq!(err(&r, &["LINSERT", "l", "middle", "a", "q"]), SYNTAX);
    assert_eq!(err(&r, &["LINSERT", "nokey", "middle", "a", "q"]), SYNTAX);
    assert_eq!(err(&r, &["LINSERT", "s", "middle", "a", "q"]), SYNTAX);
    assert_eq!(err(&r, &["LINSERT", "s", "before", "a", "q"]), WRONGTYPE);
    assert_eq!(
        err(&r, &["LINSERT", "l", "before", "a"]),
        "ERR wrong number of arguments for 'linsert' command"
    );
}

#[test]
fn lrem_cases() {
    let r = with_list(&["a", "b", "a", "c", "a", "b"]);
    assert_eq!(ok(&r, &["LREM", "l", "1", "a"]), int(1));
    assert_eq!(all(&r, "l"), arr(&["b", "a", "c", "a", "b"]));
    assert_eq!(ok(&r, &["LREM", "l", "-1", "b"]), int(1));
    assert_eq!(all(&r, "l"), arr(&["b", "a", "c", "a"]));
    assert_eq!(ok(&r, &["LREM", "l", "-1", "a"]), int(1));
    assert_eq!(all(&r, "l"), arr(&["b", "a", "c"]));
    assert_eq!(ok(&r, &["LREM", "l", "0", "zz"]), int(0));
    assert_eq!(ok(&r, &["LREM", "l", "10", "a"]), int(1));
    assert_eq!(all(&r, "l"), arr(&["b", "c"]));

    let r = with_list(&["a", "b", "a", "a"]);
    assert_eq!(ok(&r, &["LREM", "l", "0", "a"]), int(3));
    assert_eq!(all(&r, "l"), arr(&["b"]));
    assert_eq!(ok(&r, &["LREM", "l", "0", "b"]), int(1));
    assert!(!exists(&r, "l"));

    let r = with_list(&["a", "b", "a", "a"]);
    assert_eq!(ok(&r, &["LREM", "l", "-9223372036854775808", "a"]), int(3));
    assert_eq!(all(&r, "l"), arr(&["b"]));
}

#[test]
fn lrem_errors() {
    let r = Redis::new();
    set_string(&r, "s");
    assert_eq!(err(&r, &["LREM", "nokey", "abc", "a"]), NOT_INT);
    assert_eq!(err(&r, &["LREM", "s", "abc", "a"]), NOT_INT);
    assert_eq!(err(&r, &["LREM", "s", "1", "a"]), WRONGTYPE);
    assert_eq!(ok(&r, &["LREM", "nokey", "1", "a"]), int(0));
}

#[test]
fn ltrim_cases() {
    let r = with_list(&["a", "b", "c", "d", "e"]);
    assert_eq!(ok(&r, &["LTRIM", "l", "1", "-2"]), Value::ok());
    assert_eq!(all(&r, "l"), arr(&["b", "c", "d"]));
    assert_eq!(ok(&r, &["LTRIM", "l", "-100", "100"]), Value::ok());
    assert_eq!(all(&r, "l"), arr(&["b", "c", "d"]));
    assert_eq!(ok(&r, &["LTRIM", "l", "1", "1"]), Value::ok());
    assert_eq!(all(&r, "l"), arr(&["c"]));
    assert_eq!(ok(&r, &["LTRIM", "l", "1", "0"]), Value::ok());
    assert!(!exists(&r, "l"), "start > end empties and deletes");

    let r = with_list(&["a", "b"]);
    assert_eq!(ok(&r, &["LTRIM", "l", "5", "10"]), Value::ok());
    assert!(!exists(&r, "l"));
    let r = with_list(&["a", "b"]);
    assert_eq!(ok(&r, &["LTRIM", "l", "0", "-3"]), Value::ok());
    assert!(!exists(&r, "l"));

    set_string(&r, "s");
    assert_eq!(ok(&r, &["LTRIM", "nokey", "0", "1"]), Value::ok());
    assert_eq!(err(&r, &["LTRIM", "nokey", "a", "1"]), NOT_INT);
    assert_eq!(err(&r, &["LTRIM", "s", "a", "1"]), NOT_INT);
    assert_eq!(err(&r, &["LTRIM", "s", "0", "1"]), WRONGTYPE);
}

// ---------------------------------------------------------------------------------------
// LPOS
// ---------------------------------------------------------------------------------------

#[test]
fn lpos_cases() {
    let r = with_list(&["a", "b", "c", "a", "b", "c", "a"]);
    assert_eq!(ok(&r, &["LPOS", "l", "a"]), int(0));
    assert_eq!(ok(&r, &["LPOS", "l", "a", "RANK", "2"]), int(3));
    assert_eq!(ok(&r, &["LPOS", "l", "a", "RANK", "-1"]), int(6));
    assert_eq!(ok(&r, &["LPOS", "l", "a", "rank", "-2"]), int(3));
    assert_eq!(ok(&r, &["LPOS", "l", "a", "RANK", "4"]), Value::Nil);
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", "9223372036854775807"]),
        Value::Nil
    );
    assert_eq!(ok(&r, &["LPOS", "l", "z"]), Value::Nil);
    assert_eq!(ok(&r, &["LPOS", "l", "a", "COUNT", "0"]), ints(&[0, 3, 6]));
    assert_eq!(ok(&r, &["LPOS", "l", "a", "COUNT", "2"]), ints(&[0, 3]));
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", "-2", "COUNT", "0"]),
        ints(&[3, 0])
    );
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", "5", "COUNT", "2"]),
        ints(&[])
    );
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", "6", "COUNT", "2"]),
        ints(&[])
    );
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "MAXLEN", "3", "COUNT", "0"]),
        ints(&[0])
    );
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", "-1", "MAXLEN", "1"]),
        int(6)
    );
    assert_eq!(
        ok(&r, &["LPOS", "l", "b", "RANK", "-1", "MAXLEN", "1"]),
        Value::Nil
    );
    assert_eq!(ok(&r, &["LPOS", "l", "z", "COUNT", "1"]), ints(&[]));
    // Options may repeat; the last one wins.
    assert_eq!(
        ok(
            &r,
            &["LPOS", "l", "a", "RaNk", "2", "COUNT", "1", "count", "2"]
        ),
        ints(&[3, 6])
    );
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", "2", "RANK", "1"]),
        int(0)
    );
    // Missing key: nil, or an empty array with COUNT.
    assert_eq!(ok(&r, &["LPOS", "nokey", "a"]), Value::Nil);
    assert_eq!(ok(&r, &["LPOS", "nokey", "a", "COUNT", "1"]), ints(&[]));
}

#[test]
fn lpos_min_rank_behaves_like_redis() {
    // Redis negates a C long: RANK i64::MIN searches from the tail and never stops at COUNT.
    let r = with_list(&["a", "b", "c", "a", "b", "c", "a"]);
    let min = "-9223372036854775808";
    assert_eq!(ok(&r, &["LPOS", "l", "a", "RANK", min]), int(6));
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", min, "COUNT", "1"]),
        ints(&[6, 3, 0])
    );
    assert_eq!(
        ok(&r, &["LPOS", "l", "a", "RANK", min, "COUNT", "0"]),
        ints(&[6, 3, 0])
    );
}

#[test]
fn lpos_errors() {
    let r = with_list(&["a"]);
    set_string(&r, "s");
    assert_eq!(
        err(&r, &["LPOS", "l", "a", "RANK", "0"]),
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... \
         or use negative to start from the end of the list"
    );
    assert_eq!(
        err(&r, &["LPOS", "nokey", "a", "RANK", "0"]),
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... \
         or use negative to start from the end of the list"
    );
    assert_eq!(err(&r, &["LPOS", "l", "a", "RANK", "abc"]), NOT_INT);
    assert_eq!(
        err(&r, &["LPOS", "l", "a", "COUNT", "-1"]),
        "ERR COUNT can't be negative"
    );
    assert_eq!(
        err(&r, &["LPOS", "l", "a", "COUNT", "abc"]),
        "ERR COUNT can't be negative"
    );
    assert_eq!(
        err(&r, &["LPOS", "l", "a", "MAXLEN", "-1"]),
        "ERR MAXLEN can't be negative"
    );
    assert_eq!(
        err(&r, &["LPOS", "l", "a", "MAXLEN", "abc"]),
        "ERR MAXLEN can't be negative"
    );
    assert_eq!(err(&r, &["LPOS", "l", "a", "RANK"]), SYNTAX);
    assert_eq!(err(&r, &["LPOS", "l", "a", "foo", "1"]), SYNTAX);
    assert_eq!(err(&r, &["LPOS", "s", "a"]), WRONGTYPE);
    assert_eq!(err(&r, &["LPOS", "s", "a", "RANK", "0"]), "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
    assert_eq!(
        err(&r, &["LPOS", "l"]),
        "ERR wrong number of arguments for 'lpos' command"
    );
}

// ---------------------------------------------------------------------------------------
// LMOVE / RPOPLPUSH
// ---------------------------------------------------------------------------------------

#[test]
fn lmove_directions() {
    let r = with_list(&["a", "b", "c"]);
    assert_eq!(ok(&r, &["LMOVE", "l", "d", "LEFT", "RIGHT"]), b("a"));
    assert_eq!(ok(&r, &["LMOVE", "l", "d", "RIGHT", "LEFT"]), b("c"));
    assert_eq!(all(&r, "d"), arr(&["c", "a"]));
    assert_eq!(ok(&r, &["lmove", "l", "d", "left", "left"]), b("b"));
    assert!(!exists(&r, "l"));
    assert_eq!(all(&r, "d"), arr(&["b", "c", "a"]));
    assert_eq!(ok(&r, &["LMOVE", "d", "e", "RIGHT", "RIGHT"]), b("a"));
    assert_eq!(all(&r, "e"), arr(&["a"]));
    assert_eq!(ok(&r, &["LMOVE", "nokey", "d", "LEFT", "LEFT"]), Value::Nil);
}

#[test]
fn lmove_same_key_rotates() {
    let r = with_list(&["a", "b", "c"]);
    assert_eq!(ok(&r, &["LMOVE", "l", "l", "LEFT", "RIGHT"]), b("a"));
    assert_eq!(all(&r, "l"), arr(&["b", "c", "a"]));
    assert_eq!(ok(&r, &["LMOVE", "l", "l", "RIGHT", "LEFT"]), b("a"));
    assert_eq!(all(&r, "l"), arr(&["a", "b", "c"]));
    assert_eq!(ok(&r, &["RPOPLPUSH", "l", "l"]), b("c"));
    assert_eq!(all(&r, "l"), arr(&["c", "a", "b"]));
    assert_eq!(ok(&r, &["LMOVE", "l", "l", "LEFT", "LEFT"]), b("c"));
    assert_eq!(all(&r, "l"), arr(&["c", "a", "b"]));

    let r = with_list(&["only"]);
    assert_eq!(ok(&r, &["LMOVE", "l", "l", "LEFT", "RIGHT"]), b("only"));
    assert_eq!(all(&r, "l"), arr(&["only"]));
    assert!(exists(&r, "l"));
}

#[test]
fn lmove_errors_leave_source_intact() {
    let r = with_list(&["a", "b", "c"]);
    set_string(&r, "s");
    assert_eq!(err(&r, &["LMOVE", "l", "s", "LEFT", "RIGHT"]), WRONGTYPE);
    assert_eq!(err(&r, &["RPOPLPUSH", "l", "s"]), WRONGTYPE);
    assert_eq!(all(&r, "l"), arr(&["a", "b", "c"]));
    assert_eq!(err(&r, &["LMOVE", "s", "l", "LEFT", "RIGHT"]), WRONGTYPE);
    assert_eq!(err(&r, &["RPOPLPUSH", "s", "l"]), WRONGTYPE);
    // A missing source answers nil before the destination's type is looked at.
    assert_eq!(
        ok(&r, &["LMOVE", "nokey", "s", "LEFT", "RIGHT"]),
        Value::Nil
    );
    assert_eq!(ok(&r, &["RPOPLPUSH", "nokey", "s"]), Value::Nil);
    // Directions are parsed first.
    assert_eq!(err(&r, &["LMOVE", "l", "d", "up", "LEFT"]), SYNTAX);
    assert_eq!(err(&r, &["LMOVE", "l", "d", "LEFT", "down"]), SYNTAX);
    assert_eq!(err(&r, &["LMOVE", "nokey", "d", "up", "LEFT"]), SYNTAX);
    assert_eq!(err(&r, &["LMOVE", "s", "d", "up", "LEFT"]), SYNTAX);
    assert_eq!(all(&r, "l"), arr(&["a", "b", "c"]));
    assert!(!exists(&r, "d"));
    assert_eq!(
        err(&r, &["LMOVE", "l", "d", "LEFT"]),
        "ERR wrong number of arguments for 'lmove' command"
    );
    assert_eq!(
        err(&r, &["RPOPLPUSH", "l"]),
        "ERR wrong number of arguments for 'rpoplpush' command"
    );
}

#[test]
fn rpoplpush_moves_tail_to_head() {
    let r = with_list(&["a", "b", "c"]);
    ok(&r, &["RPUSH", "d", "x"]);
    assert_eq!(ok(&r, &["RPOPLPUSH", "l", "d"]), b("c"));
    assert_eq!(ok(&r, &["RPOPLPUSH", "l", "d"]), b("b"));
    assert_eq!(all(&r, "d"), arr(&["b", "c", "x"]));
    assert_eq!(ok(&r, &["RPOPLPUSH", "l", "d"]), b("a"));
    assert!(!exists(&r, "l"));
    assert_eq!(ok(&r, &["RPOPLPUSH", "l", "d"]), Value::Nil);
}

// ---------------------------------------------------------------------------------------
// LMPOP
// ---------------------------------------------------------------------------------------

#[test]
fn lmpop_cases() {
    let r = with_list(&["a", "b", "c", "d"]);
    assert_eq!(
        ok(&r, &["LMPOP", "2", "nokey", "l", "LEFT"]),
        Value::Array(vec![b("l"), arr(&["a"])])
    );
    assert_eq!(
        ok(&r, &["LMPOP", "1", "l", "right", "COUNT", "2"]),
        Value::Array(vec![b("l"), arr(&["d", "c"])])
    );
    assert_eq!(
        ok(
            &r,
            &["lmpop", "1", "l", "Left", "count", "9223372036854775807"]
        ),
        Value::Array(vec![b("l"), arr(&["b"])])
    );
    assert!(!exists(&r, "l"));
    assert_eq!(
        ok(&r, &["LMPOP", "2", "nokey", "l", "LEFT"]),
        Value::NilArray
    );
}

#[test]
fn lmpop_errors() {
    let r = with_list(&["a"]);
    set_string(&r, "s");
    let numkeys = "ERR numkeys should be greater than 0";
    let count = "ERR count should be greater than 0";
    assert_eq!(err(&r, &["LMPOP", "0", "l", "LEFT"]), numkeys);
    assert_eq!(err(&r, &["LMPOP", "-1", "l", "LEFT"]), numkeys);
    assert_eq!(err(&r, &["LMPOP", "abc", "l", "LEFT"]), numkeys);
    assert_eq!(err(&r, &["LMPOP", "2", "l", "LEFT"]), SYNTAX);
    assert_eq!(
        err(&r, &["LMPOP", "9223372036854775807", "l", "LEFT"]),
        SYNTAX
    );
    assert_eq!(
        err(&r, &["LMPOP", "9223372036854775806", "l", "LEFT"]),
        SYNTAX
    );
    assert_eq!(err(&r, &["LMPOP", "1", "l", "middle"]), SYNTAX);
    assert_eq!(err(&r, &["LMPOP", "1", "l", "LEFT", "COUNT", "0"]), count);
    assert_eq!(err(&r, &["LMPOP", "1", "l", "LEFT", "COUNT", "-1"]), count);
    assert_eq!(err(&r, &["LMPOP", "1", "l", "LEFT", "COUNT", "abc"]), count);
    assert_eq!(
        err(&r, &["LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"]),
        SYNTAX
    );
    assert_eq!(err(&r, &["LMPOP", "1", "l", "LEFT", "foo"]), SYNTAX);
    assert_eq!(err(&r, &["LMPOP", "1", "l", "LEFT", "COUNT"]), SYNTAX);
    // The first key of the wrong type met before a non-empty list fails the command.
    assert_eq!(err(&r, &["LMPOP", "2", "s", "l", "RIGHT"]), WRONGTYPE);
    assert_eq!(
        ok(&r, &["LMPOP", "2", "l", "s", "RIGHT"]),
        Value::Array(vec![b("l"), arr(&["a"])])
    );
    assert_eq!(
        err(&r, &["LMPOP", "1", "l"]),
        "ERR wrong number of arguments for 'lmpop' command"
    );
}

#[test]
fn lmpop_key_positions() {
    let spec = emu::commands::table().get(b"LMPOP").unwrap();
    let argv: Vec<&[u8]> = vec![b"LMPOP", b"2", b"a", b"b", b"LEFT", b"COUNT", b"3"];
    assert_eq!(spec.key_positions(&argv), vec![2, 3]);
    let argv: Vec<&[u8]> = vec![b"LMPOP", b"5", b"a", b"LEFT"];
    assert_eq!(spec.key_positions(&argv), vec![2, 3]);
    let argv: Vec<&[u8]> = vec![b"LMPOP", b"x", b"a", b"LEFT"];
    assert_eq!(spec.key_positions(&argv), Vec::<usize>::new());
    let spec = emu::commands::table().get(b"lmove").unwrap();
    let argv: Vec<&[u8]> = vec![b"LMOVE", b"a", b"b", b"LEFT", b"LEFT"];
    assert_eq!(spec.key_positions(&argv), vec![1, 2]);
}

// ---------------------------------------------------------------------------------------
// Keyspace events, WATCH, logging, expiry
// ---------------------------------------------------------------------------------------

fn events(r: &Redis) -> Vec<(String, String)> {
    r.with_store(|s| {
        s.notifications
            .drain(..)
            .map(|(ch, msg)| {
                (
                    String::from_utf8(ch).unwrap(),
                    String::from_utf8(msg).unwrap(),
                )
            })
            .collect()
    })
    .unwrap()
}

fn ev(event: &str, key: &str) -> (String, String) {
    (format!("__keyevent@0__:{event}"), key.to_string())
}

#[test]
fn keyspace_events_match_redis() {
    let r = Redis::new();
    r.with_store(|s| {
        s.config.notify_keyspace_events = notify::KEYEVENT | notify::LIST | notify::GENERIC
    })
    .unwrap();
    ok(&r, &["RPUSH", "l", "a", "b"]);
    ok(&r, &["LTRIM", "l", "0", "-1"]); // nothing trimmed: still fires
    ok(&r, &["LMOVE", "l", "d", "LEFT", "RIGHT"]);
    ok(&r, &["LMOVE", "l", "l", "LEFT", "RIGHT"]);
    ok(&r, &["LMOVE", "l", "d", "LEFT", "RIGHT"]);
    assert_eq!(
        events(&r),
        vec![
            ev("rpush", "l"),
            ev("ltrim", "l"),
            ev("rpush", "d"),
            ev("lpop", "l"),
            ev("rpush", "l"),
            ev("lpop", "l"),
            ev("rpush", "d"),
            ev("lpop", "l"),
            ev("del", "l"),
        ]
    );
    ok(&r, &["LINSERT", "d", "BEFORE", "zz", "x"]); // no event
    ok(&r, &["LREM", "d", "0", "zz"]); // no event
    ok(&r, &["LSET", "d", "0", "q"]);
    ok(&r, &["LINSERT", "d", "BEFORE", "q", "p"]);
    ok(&r, &["LREM", "d", "1", "p"]);
    ok(&r, &["LMPOP", "1", "d", "RIGHT", "COUNT", "5"]);
    assert_eq!(
        events(&r),
        vec![
            ev("lset", "d"),
            ev("linsert", "d"),
            ev("lrem", "d"),
            ev("rpop", "d"),
            ev("del", "d"),
        ]
    );
    ok(&r, &["RPUSH", "l", "a"]);
    ok(&r, &["LTRIM", "l", "1", "0"]);
    ok(&r, &["LPUSHX", "nokey", "a"]);
    ok(&r, &["RPUSH", "l", "a", "b"]);
    ok(&r, &["LPOP", "l", "0"]); // fast exit: no event
    ok(&r, &["LPUSHX", "l", "z"]);
    ok(&r, &["RPUSHX", "l", "z"]);
    ok(&r, &["LPOP", "l", "5"]);
    ok(&r, &["LPOP", "l"]);
    assert_eq!(
        events(&r),
        vec![
            ev("rpush", "l"),
            ev("ltrim", "l"),
            ev("del", "l"),
            ev("rpush", "l"),
            ev("lpush", "l"),
            ev("rpush", "l"),
            ev("lpop", "l"),
            ev("del", "l"),
        ]
    );
}

fn logged(r: &Redis) -> Vec<Vec<String>> {
    r.with_store(|s| {
        s.take_effects()
            .into_iter()
            .map(|e| {
                e.argv
                    .into_iter()
                    .map(|a| String::from_utf8(a).unwrap())
                    .collect()
            })
            .collect()
    })
    .unwrap()
}

#[test]
fn effects_logged_like_redis_propagation() {
    let r = with_list(&["a", "b", "c"]);
    r.with_store(|s| s.set_record_effects(true)).unwrap();
    ok(&r, &["LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2"]);
    ok(&r, &["LMPOP", "1", "nokey", "LEFT"]);
    ok(&r, &["LTRIM", "l", "0", "-1"]);
    ok(&r, &["LPOP", "nokey"]);
    ok(&r, &["LPOP", "l", "0"]);
    ok(&r, &["LREM", "l", "0", "zz"]);
    ok(&r, &["LINSERT", "l", "BEFORE", "zz", "q"]);
    ok(&r, &["RPOPLPUSH", "l", "d"]);
    ok(&r, &["LMPOP", "1", "d", "LEFT", "COUNT", "10"]);
    assert_eq!(
        logged(&r),
        vec![
            vec!["RPOP", "l", "2"],
            vec!["RPOPLPUSH", "l", "d"],
            vec!["LPOP", "d", "1"],
        ]
    );
}

#[test]
fn watch_is_invalidated_even_by_noop_ltrim() {
    let r = with_list(&["a", "b"]);
    r.with_store(|s| {
        s.watch_key(42, 0, b"l", 0);
    })
    .unwrap();
    ok(&r, &["LTRIM", "l", "0", "-1"]);
    assert!(r.with_store(|s| s.watches().is_dirty(42)).unwrap());
}

#[test]
fn expired_keys_are_missing() {
    let r = Redis::builder().manual_clock(10_000).build();
    ok(&r, &["RPUSH", "l", "a", "b"]);
    ok(&r, &["RPUSH", "d", "old"]);
    r.with_store(|s| {
        s.dbs[0].set_expire(b"l", Some(20_000));
        s.dbs[0].set_expire(b"d", Some(15_000));
    })
    .unwrap();
    r.set_time(16_000).unwrap();
    assert_eq!(ok(&r, &["LMOVE", "l", "d", "LEFT", "LEFT"]), b("a"));
    assert_eq!(all(&r, "d"), arr(&["a"]));
    r.set_time(20_001).unwrap(); // past the deadline millisecond
    assert_eq!(ok(&r, &["LLEN", "l"]), int(0));
    assert_eq!(ok(&r, &["LPOP", "l", "1"]), Value::NilArray);
}

#[test]
fn object_encoding_is_quicklist() {
    let r = with_list(&["a"]);
    let enc = r
        .with_store(|s| {
            let cfg = s.config.clone();
            s.dbs[0].dict.get(b"l").unwrap().obj.encoding(&cfg)
        })
        .unwrap();
    assert_eq!(enc, "quicklist");
}

mod model;

//! Generic key and database commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, KEYS, SCAN,
//! RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, OBJECT, DBSIZE, FLUSHDB, FLUSHALL, SELECT, SWAPDB.
//!
//! Keys are created by writing into the store directly so these tests depend only on the
//! commands under test; expiry is driven by the manual clock.

#[path = "../common/mod.rs"]
mod common;
use common::{err, int, ok, okv, redis, T0};

use std::time::Duration;

use emu::keyspace::Object;
use emu::{Redis, Value};

mod hooks;
mod scan;

/// Stores a value in the handle's selected database (SET semantics: no TTL).
fn put(r: &Redis, key: &str, obj: Object) {
    let db = r.db();
    r.with_store(|s| {
        // Stamped like a key a command creates (OBJECT IDLETIME reads it).
        let lru = s.new_key_lru(s.clock.now_ms());
        s.dbs[db].insert_lru(key.as_bytes(), obj, false, lru)
    })
    .unwrap();
}

fn set(r: &Redis, key: &str, val: &str) {
    put(r, key, Object::string(val.as_bytes().to_vec()));
}

/// The string stored under `key` in database `db`, if any (ignores expiry).
fn raw_get(r: &Redis, db: usize, key: &str) -> Option<Vec<u8>> {
    r.with_store(|s| {
        s.dbs[db]
            .dict
            .get(key.as_bytes())
            .and_then(|e| e.obj.as_str().ok().map(|s| s.to_vec()))
    })
    .unwrap()
}

fn sorted(v: Value) -> Vec<Vec<u8>> {
    let Value::Array(items) = v else {
        panic!("not an array: {v:?}")
    };
    let mut out: Vec<Vec<u8>> = items
        .into_iter()
        .map(|i| match i {
            Value::Bulk(b) => b,
            other => panic!("not a bulk: {other:?}"),
        })
        .collect();
    out.sort();
    out
}

fn strs(items: &[&str]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = items.iter().map(|s| s.as_bytes().to_vec()).collect();
    v.sort();
    v
}

fn arity(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
}

// ---------------------------------------------------------------------------------------
// DEL / UNLINK / EXISTS / TOUCH / TYPE

#[test]
fn del_counts_deleted_keys_once() {
    let r = redis();
    set(&r, "a", "1");
    set(&r, "b", "2");
    assert_eq!(ok(&r, &["DEL", "a", "a", "b", "nokey"]), int(2));
    assert_eq!(ok(&r, &["EXISTS", "a", "b"]), int(0));
    assert_eq!(ok(&r, &["DEL", "a"]), int(0));
    assert_eq!(err(&r, &["DEL"]), arity("del"));
}

#[test]
fn unlink_behaves_like_del() {
    let r = redis();
    set(&r, "a", "1");
    set(&r, "b", "2");
    assert_eq!(ok(&r, &["unlink", "a", "b", "c"]), int(2));
    assert_eq!(ok(&r, &["DBSIZE"]), int(0));
    assert_eq!(err(&r, &["UNLINK"]), arity("unlink"));
}

#[test]
fn del_of_expired_key_counts_zero() {
    let r = redis();
    set(&r, "a", "1");
    assert_eq!(ok(&r, &["PEXPIRE", "a", "100"]), int(1));
    r.advance_time(Duration::from_millis(101)).unwrap();
    assert_eq!(ok(&r, &["DEL", "a"]), int(0));
    assert_eq!(ok(&r, &["DBSIZE"]), int(0));
}

#[test]
fn exists_counts_duplicates() {
    let r = redis();
    set(&r, "a", "1");
    assert_eq!(ok(&r, &["EXISTS", "a", "a", "nokey", "a"]), int(3));
    assert_eq!(ok(&r, &["EXISTS", "nokey"]), int(0));
    assert_eq!(err(&r, &["EXISTS"]), arity("exists"));
}

#[test]
fn touch_counts_existing_keys() {
    let r = redis();
    set(&r, "a", "1");
    set(&r, "b", "1");
    assert_eq!(ok(&r, &["TOUCH", "a", "b", "c", "a"]), int(3));
    assert_eq!(err(&r, &["TOUCH"]), arity("touch"));
}

#[test]
fn type_names_every_kind() {
    let r = redis();
    set(&r, "s", "v");
    put(&r, "l", Object::List(Default::default()));
    put(&r, "h", Object::Hash(Default::default()));
    put(&r, "st", Object::Set(Default::default()));
    put(&r, "z", Object::ZSet(Default::default()));
    for (k, t) in [
        ("s", "string"),
        ("l", "list"),
        ("h", "hash"),
        ("st", "set"),
        ("z", "zset"),
        ("nokey", "none"),
    ] {
        assert_eq!(ok(&r, &["TYPE", k]), Value::Simple(t.into()), "{k}");
    }
    assert_eq!(err(&r, &["TYPE"]), arity("type"));
    assert_eq!(err(&r, &["TYPE", "a", "b"]), arity("type"));
}

// ---------------------------------------------------------------------------------------
// RENAME / RENAMENX

#[test]
fn rename_moves_value_and_ttl() {
    let r = redis();
    set(&r, "a", "va");
    assert_eq!(ok(&r, &["PEXPIRE", "a", "5000"]), int(1));
    assert_eq!(ok(&r, &["RENAME", "a", "b"]), okv());
    assert_eq!(ok(&r, &["EXISTS", "a"]), int(0));
    assert_eq!(raw_get(&r, 0, "b"), Some(b"va".to_vec()));
    assert_eq!(ok(&r, &["PTTL", "b"]), int(5000));
}

#[test]
fn rename_overwrites_destination_and_its_ttl() {
    let r = redis();
    set(&r, "a", "va");
    set(&r, "b", "vb");
    assert_eq!(ok(&r, &["EXPIRE", "b", "100"]), int(1));
    assert_eq!(ok(&r, &["RENAME", "a", "b"]), okv());
    assert_eq!(raw_get(&r, 0, "b"), Some(b"va".to_vec()));
    assert_eq!(ok(&r, &["TTL", "b"]), int(-1));
    assert_eq!(ok(&r, &["DBSIZE"]), int(1));
}

#[test]
fn rename_errors_and_same_key() {
    let r = redis();
    assert_eq!(err(&r, &["RENAME", "nokey", "x"]), "ERR no such key");
    assert_eq!(err(&r, &["RENAME", "nokey", "nokey"]), "ERR no such key");
    set(&r, "a", "v");
    assert_eq!(ok(&r, &["RENAME", "a", "a"]), okv());
    assert_eq!(raw_get(&r, 0, "a"), Some(b"v".to_vec()));
    assert_eq!(err(&r, &["RENAME", "a"]), arity("rename"));
    assert_eq!(err(&r, &["RENAME", "a", "b", "c"]), arity("rename"));
    // An expired source is missing.
    assert_eq!(ok(&r, &["PEXPIRE", "a", "1"]), int(1));
    r.advance_time(Duration::from_millis(2)).unwrap();
    assert_eq!(err(&r, &["RENAME", "a", "b"]), "ERR no such key");
}

#[test]
fn renamenx_only_when_destination_is_free() {
    let r = redis();
    set(&r, "a", "va");
    set(&r, "b", "vb");
    assert_eq!(ok(&r, &["RENAMENX", "a", "b"]), int(0));
    assert_eq!(raw_get(&r, 0, "a"), Some(b"va".to_vec()));
    assert_eq!(raw_get(&r, 0, "b"), Some(b"vb".to_vec()));
    assert_eq!(ok(&r, &["RENAMENX", "a", "c"]), int(1));
    assert_eq!(raw_get(&r, 0, "c"), Some(b"va".to_vec()));
    assert_eq!(ok(&r, &["RENAMENX", "c", "c"]), int(0));
    assert_eq!(err(&r, &["RENAMENX", "nokey", "nokey"]), "ERR no such key");
    assert_eq!(err(&r, &["RENAMENX", "a"]), arity("renamenx"));
}

// ---------------------------------------------------------------------------------------
// COPY

#[test]
fn copy_duplicates_value_and_ttl() {
    let r = redis();
    set(&r, "a", "va");
    assert_eq!(ok(&r, &["PEXPIRE", "a", "7000"]), int(1));
    assert_eq!(ok(&r, &["COPY", "a", "b"]), int(1));
    assert_eq!(raw_get(&r, 0, "b"), Some(b"va".to_vec()));
    assert_eq!(ok(&r, &["PTTL", "b"]), int(7000));
    // Independent copies.
    assert_eq!(ok(&r, &["DEL", "a"]), int(1));
    assert_eq!(raw_get(&r, 0, "b"), Some(b"va".to_vec()));
}

#[test]
fn copy_respects_existing_destination_and_replace() {
    let r = redis();
    set(&r, "a", "va");
    set(&r, "b", "vb");
    assert_eq!(ok(&r, &["EXPIRE", "b", "50"]), int(1));
    assert_eq!(ok(&r, &["COPY", "a", "b"]), int(0));
    assert_eq!(raw_get(&r, 0, "b"), Some(b"vb".to_vec()));
    assert_eq!(ok(&r, &["COPY", "a", "b", "REPLACE"]), int(1));
    assert_eq!(raw_get(&r, 0, "b"), Some(b"va".to_vec()));
    assert_eq!(ok(&r, &["TTL", "b"]), int(-1));
    assert_eq!(ok(&r, &["COPY", "a", "b", "replace", "REPLACE"]), int(1));
    assert_eq!(ok(&r, &["COPY", "nokey", "b"]), int(0));
}

#[test]
fn copy_to_another_db() {
    let r = redis();
    set(&r, "a", "va");
    assert_eq!(ok(&r, &["COPY", "a", "a", "DB", "3"]), int(1));
    assert_eq!(raw_get(&r, 3, "a"), Some(b"va".to_vec()));
    assert_eq!(ok(&r, &["COPY", "a", "a", "db", "3"]), int(0));
    assert_eq!(ok(&r, &["COPY", "a", "z", "db", "0", "db", "4"]), int(1));
    assert_eq!(raw_get(&r, 4, "z"), Some(b"va".to_vec()));
    assert_eq!(raw_get(&r, 0, "z"), None);
    // Copying within db 0 when db 0 is named explicitly is still "the same object".
    assert_eq!(
        err(&r, &["COPY", "a", "a", "DB", "0"]),
        "ERR source and destination objects are the same"
    );
}

#[test]
fn copy_errors() {
    let r = redis();
    set(&r, "a", "va");
    assert_eq!(
        err(&r, &["COPY", "a", "a"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&r, &["COPY", "nokey", "nokey"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&r, &["COPY", "a", "b", "DB", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&r, &["COPY", "a", "b", "DB", "-1"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&r, &["COPY", "a", "b", "DB", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&r, &["COPY", "a", "b", "DB", "99999999999"]),
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    );
    assert_eq!(err(&r, &["COPY", "a", "b", "DB"]), "ERR syntax error");
    assert_eq!(err(&r, &["COPY", "a", "b", "foo"]), "ERR syntax error");
    assert_eq!(err(&r, &["COPY", "a"]), arity("copy"));
}

// ---------------------------------------------------------------------------------------
// MOVE

#[test]
fn move_transfers_key_with_ttl() {
    let r = redis();
    set(&r, "a", "va");
    assert_eq!(ok(&r, &["PEXPIRE", "a", "9000"]), int(1));
    assert_eq!(ok(&r, &["MOVE", "a", "1"]), int(1));
    assert_eq!(ok(&r, &["EXISTS", "a"]), int(0));
    assert_eq!(raw_get(&r, 1, "a"), Some(b"va".to_vec()));
    let r1 = r.with_db(1);
    assert_eq!(ok(&r1, &["PTTL", "a"]), int(9000));
}

#[test]
fn move_returns_zero_when_missing_or_taken() {
    let r = redis();
    assert_eq!(ok(&r, &["MOVE", "nokey", "1"]), int(0));
    set(&r, "a", "v0");
    put(&r.with_db(1), "a", Object::string(b"v1".to_vec()));
    assert_eq!(ok(&r, &["MOVE", "a", "1"]), int(0));
    assert_eq!(raw_get(&r, 0, "a"), Some(b"v0".to_vec()));
    assert_eq!(raw_get(&r, 1, "a"), Some(b"v1".to_vec()));
}

#[test]
fn move_errors() {
    let r = redis();
    set(&r, "a", "v");
    assert_eq!(
        err(&r, &["MOVE", "a", "0"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&r, &["MOVE", "a", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&r, &["MOVE", "a", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&r, &["MOVE", "a", "2147483648"]),
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    );
    assert_eq!(err(&r, &["MOVE", "a"]), arity("move"));
}

// ---------------------------------------------------------------------------------------
// OBJECT

#[test]
fn object_encoding_of_strings() {
    let r = redis();
    set(&r, "int", "12345");
    set(&r, "emb", "hello");
    set(&r, "raw", &"x".repeat(45));
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "int"]), Value::bulk("int"));
    assert_eq!(
        ok(&r, &["object", "encoding", "emb"]),
        Value::bulk("embstr")
    );
    assert_eq!(ok(&r, &["OBJECT", "Encoding", "raw"]), Value::bulk("raw"));
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "nokey"]), Value::Nil);
}

#[test]
fn object_encoding_of_aggregates_follows_the_type() {
    let r = redis();
    put(&r, "l", Object::List(Default::default()));
    let want = r
        .with_store(|s| {
            s.dbs[0]
                .dict
                .get(b"l")
                .map(|e| e.obj.encoding(&s.config))
                .unwrap()
        })
        .unwrap();
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "l"]), Value::bulk(want));
}

#[test]
fn object_refcount_idletime_freq() {
    let r = redis();
    set(&r, "small", "1");
    set(&r, "big", "12345");
    set(&r, "s", "abc");
    assert_eq!(ok(&r, &["OBJECT", "REFCOUNT", "small"]), int(2147483647));
    assert_eq!(ok(&r, &["OBJECT", "REFCOUNT", "big"]), int(1));
    assert_eq!(ok(&r, &["OBJECT", "REFCOUNT", "s"]), int(1));
    assert_eq!(ok(&r, &["OBJECT", "REFCOUNT", "nokey"]), Value::Nil);
    assert_eq!(ok(&r, &["OBJECT", "IDLETIME", "s"]), int(0));
    assert_eq!(ok(&r, &["OBJECT", "IDLETIME", "nokey"]), Value::Nil);
    assert_eq!(
        err(&r, &["OBJECT", "FREQ", "s"]),
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please \
         note that when switching between policies at runtime LRU and LFU data will take some \
         time to adjust."
    );
    assert_eq!(ok(&r, &["OBJECT", "FREQ", "nokey"]), Value::Nil);
}

#[test]
fn object_help_and_errors() {
    let r = redis();
    let Value::Array(lines) = ok(&r, &["OBJECT", "HELP"]) else {
        panic!()
    };
    assert_eq!(lines.len(), 15);
    assert_eq!(
        lines[0],
        Value::Simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into())
    );
    assert_eq!(lines[1], Value::Simple("ENCODING <key>".into()));
    assert_eq!(lines[14], Value::Simple("    Prints this help.".into()));
    assert_eq!(
        err(&r, &["OBJECT", "foo"]),
        "ERR unknown subcommand 'foo'. Try OBJECT HELP."
    );
    assert_eq!(
        err(&r, &["object", "FOO", "bar"]),
        "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
    );
    assert_eq!(err(&r, &["OBJECT"]), arity("object"));
    assert_eq!(err(&r, &["OBJECT", "ENCODING"]), arity("object|encoding"));
    assert_eq!(
        err(&r, &["OBJECT", "encoding", "a", "b"]),
        arity("object|encoding")
    );
    assert_eq!(err(&r, &["OBJECT", "freq"]), arity("object|freq"));
    assert_eq!(err(&r, &["OBJECT", "HELP", "x"]), arity("object|help"));
}

// ---------------------------------------------------------------------------------------
// DBSIZE / FLUSHDB / FLUSHALL / SELECT / SWAPDB

#[test]
fn dbsize_counts_selected_db() {
    let r = redis();
    assert_eq!(ok(&r, &["DBSIZE"]), int(0));
    set(&r, "a", "1");
    set(&r, "b", "1");
    put(&r.with_db(2), "c", Object::string(b"1".to_vec()));
    assert_eq!(ok(&r, &["DBSIZE"]), int(2));
    assert_eq!(ok(&r.with_db(2), &["DBSIZE"]), int(1));
    assert_eq!(err(&r, &["DBSIZE", "x"]), arity("dbsize"));
}

#[test]
fn flushdb_empties_only_the_selected_db() {
    let r = redis();
    set(&r, "a", "1");
    put(&r.with_db(1), "b", Object::string(b"1".to_vec()));
    assert_eq!(ok(&r, &["FLUSHDB"]), okv());
    assert_eq!(ok(&r, &["DBSIZE"]), int(0));
    assert_eq!(ok(&r.with_db(1), &["DBSIZE"]), int(1));
    assert_eq!(ok(&r, &["FLUSHDB", "ASYNC"]), okv());
    assert_eq!(ok(&r, &["flushdb", "sync"]), okv());
    assert_eq!(err(&r, &["FLUSHDB", "foo"]), "ERR syntax error");
    assert_eq!(err(&r, &["FLUSHDB", "ASYNC", "x"]), "ERR syntax error");
}

#[test]
fn flushall_empties_every_db() {
    let r = redis();
    set(&r, "a", "1");
    put(&r.with_db(5), "b", Object::string(b"1".to_vec()));
    assert_eq!(ok(&r, &["FLUSHALL", "SYNC"]), okv());
    assert_eq!(r.with_store(|s| s.total_keys()).unwrap(), 0);
    assert_eq!(ok(&r, &["FLUSHALL"]), okv());
    assert_eq!(ok(&r, &["FLUSHALL", "async"]), okv());
    assert_eq!(err(&r, &["FLUSHALL", "now"]), "ERR syntax error");
}

#[test]
fn select_changes_the_session_db() {
    let r = redis();
    set(&r, "a", "db0");
    assert_eq!(ok(&r, &["SELECT", "7"]), okv());
    assert_eq!(r.db(), 7);
    assert_eq!(ok(&r, &["EXISTS", "a"]), int(0));
    set(&r, "a", "db7");
    assert_eq!(raw_get(&r, 7, "a"), Some(b"db7".to_vec()));
    assert_eq!(ok(&r, &["SELECT", "0"]), okv());
    assert_eq!(ok(&r, &["EXISTS", "a"]), int(1));
    assert_eq!(err(&r, &["SELECT", "16"]), "ERR DB index is out of range");
    assert_eq!(err(&r, &["SELECT", "-1"]), "ERR DB index is out of range");
    assert_eq!(
        err(&r, &["SELECT", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&r, &["SELECT", "99999999999"]),
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    );
    assert_eq!(err(&r, &["SELECT"]), arity("select"));
    assert_eq!(r.db(), 0);
}

#[test]
fn select_respects_configured_database_count() {
    let r = Redis::builder().databases(2).manual_clock(T0).build();
    assert_eq!(ok(&r, &["SELECT", "1"]), okv());
    assert_eq!(err(&r, &["SELECT", "2"]), "ERR DB index is out of range");
}

#[test]
fn swapdb_swaps_contents() {
    let r = redis();
    set(&r, "a", "zero");
    assert_eq!(ok(&r, &["EXPIRE", "a", "100"]), int(1));
    let r1 = r.with_db(1);
    set(&r1, "b", "one");
    assert_eq!(ok(&r, &["SWAPDB", "0", "1"]), okv());
    // Sessions keep their index and now see the other data, TTLs included.
    assert_eq!(raw_get(&r, 0, "b"), Some(b"one".to_vec()));
    assert_eq!(ok(&r, &["EXISTS", "a"]), int(0));
    assert_eq!(ok(&r1, &["TTL", "a"]), int(100));
    assert_eq!(ok(&r, &["SWAPDB", "3", "3"]), okv());
}

#[test]
fn swapdb_errors() {
    let r = redis();
    assert_eq!(err(&r, &["SWAPDB", "x", "1"]), "ERR invalid first DB index");
    assert_eq!(
        err(&r, &["SWAPDB", "1", "x"]),
        "ERR invalid second DB index"
    );
    assert_eq!(
        err(&r, &["SWAPDB", "99999999999", "0"]),
        "ERR invalid first DB index"
    );
    assert_eq!(
        err(&r, &["SWAPDB", "0", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&r, &["SWAPDB", "-1", "0"]),
        "ERR DB index is out of range"
    );
    assert_eq!(err(&r, &["SWAPDB", "0"]), arity("swapdb"));
}

//! The typed API, pipelines, the log (effects replayed after reopening) and notifications.

use crate::common::persist::{dump_jsonl, manual_store, opts, run_str};
use crate::common::{arr, err, ok, redis, take_effects_text};
use emu::persist::{AppendFsync, Durable};
use emu::{SortOptions, Value};

#[test]
fn typed_sort_with_options() {
    let r = redis();
    r.rpush("ids", [3, 1, 2, 10]).unwrap();
    r.mset([("w_1", "40"), ("w_2", "10"), ("w_3", "30"), ("w_10", "20")])
        .unwrap();
    r.hset("u_2", "name", "bea").unwrap();
    r.hset("u_10", "name", "al").unwrap();
    let s = SortOptions::new;
    assert_eq!(r.sort::<_, Vec<i64>>("ids", &s()).unwrap(), [1, 2, 3, 10]);
    assert_eq!(
        r.sort::<_, Vec<String>>("ids", &s().alpha()).unwrap(),
        ["1", "10", "2", "3"]
    );
    assert_eq!(
        r.sort::<_, Vec<i64>>("ids", &s().by("w_*").desc()).unwrap(),
        [1, 3, 10, 2]
    );
    assert_eq!(
        r.sort::<_, Vec<i64>>("ids", &s().nosort().desc().limit(1, 2))
            .unwrap(),
        [2, 1]
    );
    let got: Vec<Option<String>> = r
        .sort("ids", &s().by("w_*").get("#").get("u_*->name"))
        .unwrap();
    assert_eq!(
        got,
        [
            Some("2".into()),
            Some("bea".into()),
            Some("10".into()),
            Some("al".into()),
            Some("3".into()),
            None,
            Some("1".into()),
            None
        ]
    );
    assert_eq!(
        r.sort_ro::<_, Vec<i64>>("ids", &s().limit(0, 1)).unwrap(),
        [1]
    );
    // STORE: a list, TTL cleared; an empty result deletes the destination.
    r.set("dst", "x").unwrap();
    r.expire("dst", 100).unwrap();
    assert_eq!(r.sort_store("ids", &s().desc(), "dst").unwrap(), 4);
    assert_eq!(
        r.lrange::<_, Vec<i64>>("dst", 0, -1).unwrap(),
        [10, 3, 2, 1]
    );
    assert_eq!(r.ttl("dst").unwrap(), -1);
    assert_eq!(r.sort_store("missing", &s(), "dst").unwrap(), 0);
    assert_eq!(r.exists("dst").unwrap(), 0);
    // Sets and sorted sets.
    r.sadd("set", ["b", "c", "a"]).unwrap();
    assert_eq!(
        r.sort::<_, Vec<String>>("set", &s().alpha().desc())
            .unwrap(),
        ["c", "b", "a"]
    );
    assert_eq!(r.sort_store("set", &s().nosort(), "dst").unwrap(), 3);
    assert_eq!(
        r.lrange::<_, Vec<String>>("dst", 0, -1).unwrap(),
        ["a", "b", "c"]
    );
    r.zadd("z", [("x", 2.0), ("y", 1.0)]).unwrap();
    assert_eq!(
        r.sort::<_, Vec<String>>("z", &s().nosort()).unwrap(),
        ["y", "x"]
    );
    // Errors.
    let e = r.sort::<_, Vec<String>>("set", &s()).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR One or more scores can't be converted into double"
    );
    r.set("str", "v").unwrap();
    let e = r.sort::<_, Vec<String>>("str", &s()).unwrap_err();
    assert!(e.message().starts_with("WRONGTYPE"), "{}", e.message());
    assert_eq!(
        err(&r, &["SORT_RO", "ids", "STORE", "d"]),
        "ERR syntax error"
    );
}

#[test]
fn pipelined_sort() {
    let r = redis();
    let mut p = r.pipeline();
    p.rpush("l", ["b", "a"])
        .sort("l", &SortOptions::new().alpha())
        .sort_store("l", &SortOptions::new().alpha().desc(), "d")
        .sort_ro("d", &SortOptions::new().nosort());
    let out: Vec<Value> = p.execute().unwrap();
    assert_eq!(out[1], arr(&["a", "b"]));
    assert_eq!(out[2], Value::Int(2));
    assert_eq!(out[3], arr(&["b", "a"]));
}

/// SORT … STORE is logged as its effect (DEL + RPUSH, or DEL), so a set's iteration order
/// never matters on replay; the reopened store equals the original.
#[test]
fn sort_store_logs_effects_and_replays() {
    let r = redis();
    r.with_store(|s| s.set_record_effects(true)).unwrap();
    ok(&r, &["RPUSH", "l", "2", "1"]);
    ok(&r, &["SORT", "l", "STORE", "d"]);
    ok(&r, &["SORT", "missing", "STORE", "d"]);
    ok(&r, &["SORT", "missing", "STORE", "d"]);
    assert_eq!(
        r.with_store(take_effects_text).unwrap(),
        ["RPUSH l 2 1", "DEL d", "RPUSH d 1 2", "DEL d"]
    );

    let dir = tempfile::tempdir().unwrap();
    let d = Durable::open(dir.path(), opts(AppendFsync::Everysec), manual_store(1)).unwrap();
    let script: &[&[&str]] = &[
        &["SADD", "s", "b", "a", "c", "10", "9"],
        &["SET", "w_a", "3"],
        &["HSET", "h_b", "f", "1"],
        &["SORT", "s", "BY", "nosort", "STORE", "d1"],
        &[
            "SORT", "s", "ALPHA", "DESC", "LIMIT", "1", "3", "STORE", "d2",
        ],
        &[
            "SORT", "s", "BY", "h_*->f", "GET", "#", "GET", "w_*", "STORE", "d3",
        ],
        &["SET", "d4", "x", "EX", "100"],
        &["SORT", "s", "ALPHA", "STORE", "d4"],
        &["SORT", "nothing", "STORE", "d1"],
    ];
    for cmd in script {
        run_str(&d, cmd);
    }
    let before = d.with_store(|s| dump_jsonl(s));
    drop(d);
    let d = Durable::open(dir.path(), opts(AppendFsync::Everysec), manual_store(1)).unwrap();
    let after = d.with_store(|s| dump_jsonl(s));
    assert_eq!(before, after);
    assert_eq!(
        run_str(&d, &["LRANGE", "d3", "0", "-1"]),
        arr(&["10", "", "9", "", "a", "3", "c", "", "b", ""])
    );
}

#[test]
fn sortstore_notification() {
    let r = redis();
    r.with_store(|s| {
        s.config.notify_keyspace_events = emu::keyspace::notify::KEYEVENT
            | emu::keyspace::notify::LIST
            | emu::keyspace::notify::GENERIC
    })
    .unwrap();
    ok(&r, &["RPUSH", "l", "1"]);
    ok(&r, &["SORT", "l", "STORE", "d"]);
    ok(&r, &["SORT", "missing", "STORE", "d"]);
    ok(&r, &["SORT", "missing", "STORE", "d"]);
    let events = crate::common::drain_events(&r);
    assert_eq!(events, ["rpush l", "sortstore d", "del d"]);
}

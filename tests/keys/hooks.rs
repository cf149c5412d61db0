//! What modifications trigger: WATCH invalidation, keyspace notifications, logged effects;
//! plus the command table entries.

use emu::keyspace::notify;

use super::*;

// ---------------------------------------------------------------------------------------
// WATCH invalidation, keyspace notifications, logged effects, command table

fn watch(r: &Redis, db: usize, key: &str, client: u64) {
    r.with_store(|s| {
        s.clear_watches();
        s.watch_key(client, db, key.as_bytes(), 0);
    })
    .unwrap();
}

fn dirty_clients(r: &Redis) -> Vec<u64> {
    r.with_store(|s| s.watches().dirty_clients()).unwrap()
}

#[test]
fn modifications_invalidate_watchers() {
    let r = redis();
    set(&r, "a", "1");
    watch(&r, 0, "a", 1);
    assert_eq!(ok(&r, &["EXISTS", "a"]), int(1));
    assert_eq!(dirty_clients(&r), Vec::<u64>::new());
    assert_eq!(ok(&r, &["DEL", "a"]), int(1));
    assert_eq!(dirty_clients(&r), vec![1]);

    set(&r, "a", "1");
    watch(&r, 0, "b", 2);
    assert_eq!(ok(&r, &["RENAME", "a", "b"]), okv());
    assert_eq!(dirty_clients(&r), vec![2]);

    watch(&r, 3, "b", 3);
    assert_eq!(ok(&r, &["MOVE", "b", "3"]), int(1));
    assert_eq!(dirty_clients(&r), vec![3]);

    watch(&r, 4, "c", 4);
    assert_eq!(ok(&r.with_db(3), &["COPY", "b", "c", "DB", "4"]), int(1));
    assert_eq!(dirty_clients(&r), vec![4]);

    watch(&r, 4, "c", 5);
    assert_eq!(ok(&r.with_db(4), &["EXPIRE", "c", "10"]), int(1));
    assert_eq!(dirty_clients(&r), vec![5]);
    watch(&r, 4, "c", 6);
    assert_eq!(ok(&r.with_db(4), &["PERSIST", "c"]), int(1));
    assert_eq!(dirty_clients(&r), vec![6]);
}

#[test]
fn flush_and_swap_invalidate_watchers() {
    let r = redis();
    set(&r, "a", "1");
    watch(&r, 0, "a", 1);
    assert_eq!(ok(&r, &["FLUSHDB"]), okv());
    assert_eq!(dirty_clients(&r), vec![1]);

    put(&r.with_db(9), "x", Object::string(b"1".to_vec()));
    watch(&r, 9, "x", 2);
    assert_eq!(ok(&r, &["FLUSHALL"]), okv());
    assert_eq!(dirty_clients(&r), vec![2]);

    put(&r.with_db(2), "k", Object::string(b"1".to_vec()));
    watch(&r, 2, "k", 3);
    assert_eq!(ok(&r, &["SWAPDB", "1", "2"]), okv());
    assert_eq!(dirty_clients(&r), vec![3]);
}

fn take_notifications(r: &Redis) -> Vec<(String, String)> {
    r.with_store(|s| {
        s.notifications
            .drain(..)
            .map(|(c, m)| (String::from_utf8(c).unwrap(), String::from_utf8(m).unwrap()))
            .collect()
    })
    .unwrap()
}

fn events(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(c, m)| (c.to_string(), m.to_string()))
        .collect()
}

#[test]
fn keyspace_events_match_redis() {
    let r = redis();
    r.with_store(|s| {
        s.config.notify_keyspace_events =
            notify::KEYEVENT | notify::GENERIC | notify::NEW | notify::EXPIRED
    })
    .unwrap();
    set(&r, "a", "1");
    set(&r, "b", "1");
    assert_eq!(ok(&r, &["RENAME", "a", "b"]), okv());
    assert_eq!(
        take_notifications(&r),
        events(&[
            ("__keyevent@0__:new", "b"),
            ("__keyevent@0__:rename_from", "a"),
            ("__keyevent@0__:rename_to", "b"),
        ])
    );
    assert_eq!(ok(&r, &["COPY", "b", "c", "DB", "1"]), int(1));
    assert_eq!(ok(&r, &["MOVE", "b", "2"]), int(1));
    assert_eq!(
        take_notifications(&r),
        events(&[
            ("__keyevent@1__:new", "c"),
            ("__keyevent@1__:copy_to", "c"),
            ("__keyevent@2__:new", "b"),
            ("__keyevent@0__:move_from", "b"),
            ("__keyevent@2__:move_to", "b"),
        ])
    );
    let r2 = r.with_db(2);
    assert_eq!(ok(&r2, &["EXPIRE", "b", "100"]), int(1));
    assert_eq!(ok(&r2, &["PERSIST", "b"]), int(1));
    assert_eq!(ok(&r2, &["PERSIST", "b"]), int(0));
    assert_eq!(ok(&r2, &["EXPIRE", "b", "-1"]), int(1));
    set(&r, "d", "1");
    assert_eq!(ok(&r, &["DEL", "d", "d"]), int(1));
    assert_eq!(
        take_notifications(&r),
        events(&[
            ("__keyevent@2__:expire", "b"),
            ("__keyevent@2__:persist", "b"),
            ("__keyevent@2__:del", "b"),
            ("__keyevent@0__:del", "d"),
        ])
    );
    set(&r, "e", "1");
    assert_eq!(ok(&r, &["PEXPIRE", "e", "10"]), int(1));
    take_notifications(&r);
    r.advance_time(Duration::from_millis(11)).unwrap();
    assert_eq!(ok(&r, &["EXISTS", "e"]), int(0));
    assert_eq!(
        take_notifications(&r),
        events(&[("__keyevent@0__:expired", "e")])
    );
}

fn take_effects(r: &Redis) -> Vec<(usize, Vec<String>)> {
    r.with_store(|s| {
        s.take_effects()
            .into_iter()
            .map(|e| {
                (
                    e.db,
                    e.argv
                        .into_iter()
                        .map(|a| String::from_utf8(a).unwrap())
                        .collect(),
                )
            })
            .collect()
    })
    .unwrap()
}

fn eff(db: usize, argv: &[&str]) -> (usize, Vec<String>) {
    (db, argv.iter().map(|s| s.to_string()).collect())
}

#[test]
fn logged_effects_are_deterministic() {
    let r = redis();
    r.with_store(|s| s.set_record_effects(true)).unwrap();
    set(&r, "a", "1");
    assert_eq!(ok(&r, &["EXPIRE", "a", "10"]), int(1));
    assert_eq!(ok(&r, &["PEXPIRE", "a", "20000", "GT"]), int(1));
    assert_eq!(ok(&r, &["PEXPIREAT", "a", "1700000030000"]), int(1));
    assert_eq!(ok(&r, &["EXPIRE", "a", "5", "NX"]), int(0));
    assert_eq!(ok(&r, &["TTL", "a"]), int(30));
    assert_eq!(ok(&r, &["EXPIREAT", "a", "1"]), int(1));
    assert_eq!(ok(&r, &["DEL", "a"]), int(0));
    assert_eq!(ok(&r, &["FLUSHDB"]), okv());
    assert_eq!(ok(&r, &["SELECT", "1"]), okv());
    assert_eq!(ok(&r, &["FLUSHALL", "ASYNC"]), okv());
    assert_eq!(
        take_effects(&r),
        vec![
            eff(0, &["PEXPIREAT", "a", "1700000010000"]),
            // The flag stays, as Redis 7.0 propagates it.
            eff(0, &["PEXPIREAT", "a", "1700000020000", "GT"]),
            eff(0, &["PEXPIREAT", "a", "1700000030000"]),
            eff(0, &["DEL", "a"]),
            eff(0, &["FLUSHDB"]),
            eff(1, &["FLUSHALL", "ASYNC"]),
        ]
    );
    set(&r, "k", "v");
    assert_eq!(ok(&r, &["RENAME", "k", "k2"]), okv());
    assert_eq!(ok(&r, &["MOVE", "k2", "0"]), int(1));
    assert_eq!(ok(&r, &["SWAPDB", "0", "1"]), okv());
    assert_eq!(ok(&r, &["PERSIST", "k2"]), int(0));
    assert_eq!(
        take_effects(&r),
        vec![
            eff(1, &["RENAME", "k", "k2"]),
            eff(1, &["MOVE", "k2", "0"]),
            eff(1, &["SWAPDB", "0", "1"]),
        ]
    );
}

#[test]
fn command_table_specs() {
    let t = emu::commands::table();
    let keys = |name: &str, argv: &[&str]| {
        let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        t.get(name.as_bytes()).unwrap().key_positions(&argv)
    };
    assert_eq!(keys("del", &["del", "a", "b", "c"]), vec![1, 2, 3]);
    assert_eq!(keys("move", &["move", "k", "1"]), vec![1]);
    assert_eq!(keys("copy", &["copy", "a", "b", "db", "1"]), vec![1, 2]);
    assert_eq!(keys("rename", &["rename", "a", "b"]), vec![1, 2]);
    assert_eq!(keys("expire", &["expire", "a", "1", "nx"]), vec![1]);
    for name in [
        "select",
        "flushall",
        "flushdb",
        "swapdb",
        "keys",
        "scan",
        "dbsize",
        "randomkey",
    ] {
        let spec = t.get(name.as_bytes()).unwrap();
        assert_eq!(spec.first_key, 0, "{name}");
    }
    use emu::engine::flags::{READONLY, WRITE};
    for name in [
        "del",
        "unlink",
        "rename",
        "renamenx",
        "copy",
        "move",
        "expire",
        "pexpire",
        "expireat",
        "pexpireat",
        "persist",
        "flushdb",
        "flushall",
        "swapdb",
    ] {
        assert!(t.get(name.as_bytes()).unwrap().has(WRITE), "{name}");
    }
    for name in [
        "exists",
        "type",
        "touch",
        "keys",
        "scan",
        "randomkey",
        "ttl",
        "pttl",
        "expiretime",
        "pexpiretime",
        "dbsize",
    ] {
        assert!(t.get(name.as_bytes()).unwrap().has(READONLY), "{name}");
    }
    assert_eq!(t.get(b"copy").unwrap().arity, -3);
    assert_eq!(t.get(b"object").unwrap().arity, -2);
}

//! Cluster mode in process: the rules a real cluster enforces fail the same way here.

use emu::{ErrorKind, Redis, Value};

fn run(r: &Redis, args: &[&str]) -> emu::Result<Value> {
    let mut c = r.cmd(args[0]);
    for a in &args[1..] {
        c = c.arg(*a);
    }
    c.query()
}

fn cluster() -> Redis {
    Redis::builder().cluster_mode(true).build()
}

#[test]
fn multi_key_commands_across_slots_fail_with_crossslot() {
    let r = cluster();
    r.set("a", "1").unwrap();
    let e = r.mset(&[("a", "1"), ("b", "2")]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot);
    assert_eq!(
        e.message(),
        "CROSSSLOT Keys in request don't hash to the same slot"
    );
    // Nothing was written.
    assert_eq!(r.get::<_, Option<String>>("b").unwrap(), None);
    // Hash tags put keys in one slot.
    r.mset(&[("{user1}:name", "ann"), ("{user1}:mail", "a@x")])
        .unwrap();
    let got: Vec<Option<String>> = r.mget(["{user1}:name", "{user1}:mail"]).unwrap();
    assert_eq!(got, vec![Some("ann".into()), Some("a@x".into())]);
    // The same key twice is one slot.
    let got: Vec<Option<String>> = r.mget(["a", "a"]).unwrap();
    assert_eq!(got.len(), 2);
}

#[test]
fn keyslot_and_node_commands() {
    let r = cluster();
    let q = |args: &[&str]| run(&r, args);
    assert_eq!(
        q(&["CLUSTER", "KEYSLOT", "{user1}:a"]).unwrap(),
        Value::Int(8106)
    );
    assert_eq!(
        q(&["CLUSTER", "KEYSLOT", "foo"]).unwrap(),
        Value::Int(12182)
    );
    r.set("foo", "1").unwrap();
    assert_eq!(
        q(&["CLUSTER", "COUNTKEYSINSLOT", "12182"]).unwrap(),
        Value::Int(1)
    );
    assert_eq!(
        q(&["CLUSTER", "GETKEYSINSLOT", "12182", "10"]).unwrap(),
        Value::Array(vec![Value::bulk("foo")])
    );
    let id: String = r.cmd("CLUSTER").arg("MYID").query().unwrap();
    assert_eq!(id.len(), 40);
    // Deterministic: the same seed gives the same node id.
    let again: String = cluster().cmd("CLUSTER").arg("MYID").query().unwrap();
    assert_eq!(id, again);
    let info: String = r.cmd("CLUSTER").arg("INFO").query().unwrap();
    assert!(info.starts_with("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"));
    let nodes: String = r.cmd("CLUSTER").arg("NODES").query().unwrap();
    assert_eq!(
        nodes,
        format!("{id} :6379@16379 myself,master - 0 0 0 connected 0-16383\n")
    );
    // `cluster-port` (startup only) moves the bus port.
    let r2 = cluster();
    r2.with_store(|s| s.config.set_initial("cluster-port", b"20001"))
        .unwrap()
        .unwrap();
    let id2: String = r2.cmd("CLUSTER").arg("MYID").query().unwrap();
    let nodes: String = r2.cmd("CLUSTER").arg("NODES").query().unwrap();
    assert_eq!(
        nodes,
        format!("{id2} :6379@20001 myself,master - 0 0 0 connected 0-16383\n")
    );
}

#[test]
fn only_database_zero() {
    let r = cluster();
    let e = run(&r, &["SELECT", "1"]).unwrap_err();
    assert_eq!(e.message(), "ERR SELECT is not allowed in cluster mode");
    run(&r, &["SELECT", "0"]).unwrap();
    r.set("k", "v").unwrap();
    let e = run(&r, &["MOVE", "k", "1"]).unwrap_err();
    assert_eq!(e.message(), "ERR MOVE is not allowed in cluster mode");
    let e = run(&r, &["SWAPDB", "0", "1"]).unwrap_err();
    assert_eq!(e.message(), "ERR SWAPDB is not allowed in cluster mode");
    let e = run(&r, &["COPY", "k", "{k}2", "DB", "1"]).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR Copying to another database is not allowed in cluster mode"
    );
    assert_eq!(
        run(&r, &["COPY", "k", "{k}2", "DB", "0"]).unwrap(),
        Value::Int(1)
    );
}

#[test]
fn transactions_and_pipelines_across_slots() {
    let r = cluster();
    // A transaction whose commands touch two slots is refused as a whole at EXEC.
    let mut p = r.pipeline();
    p.set("a", "1").set("b", "2");
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot, "{e:?}");
    assert_eq!(r.exists("a").unwrap() + r.exists("b").unwrap(), 0);
    // One slot: fine.
    p.set("{t}a", "1").set("{t}b", "2");
    assert_eq!(p.execute().unwrap(), vec![Value::ok(), Value::ok()]);
    // A command with keys in two slots, queued: the transaction is aborted.
    p.set("{t}a", "2").mset(&[("x", "1"), ("y", "2")]);
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot, "{e:?}");
    assert_eq!(r.get::<_, String>("{t}a").unwrap(), "1");
    // A plain pipeline runs command by command: only the cross-slot one fails.
    let mut p = r.pipeline_batch();
    p.set("x", "1")
        .mset(&[("x", "1"), ("y", "2")])
        .set("y", "2");
    let replies = p.execute().unwrap();
    assert_eq!(
        replies,
        vec![
            Value::ok(),
            Value::Error("CROSSSLOT Keys in request don't hash to the same slot".into()),
            Value::ok()
        ]
    );
}

#[test]
fn scripts_in_cluster_mode() {
    let r = cluster();
    let e = r
        .eval::<Option<String>>(
            "return redis.call('mget', 'a', 'b')",
            &[] as &[&str],
            &[] as &[&str],
        )
        .unwrap_err();
    assert!(
        e.message()
            .starts_with("ERR Script attempted to access a non local key in a cluster node"),
        "{e:?}"
    );
    // Declared keys in two slots: refused before the script runs.
    let e = r
        .eval::<i64>("return 1", &["a", "b"], &[] as &[&str])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot);
    // Separate calls may use different slots (Redis 7.0 checks each call).
    let v: Option<String> = r
        .eval(
            "redis.call('get', 'a'); return redis.call('get', 'b')",
            &[] as &[&str],
            &[] as &[&str],
        )
        .unwrap();
    assert_eq!(v, None);
    let e = r
        .eval::<i64>(
            "#!lua flags=no-cluster\nreturn 1",
            &[] as &[&str],
            &[] as &[&str],
        )
        .unwrap_err();
    assert_eq!(
        e.message(),
        "ERR Can not run script on cluster, 'no-cluster' flag is set."
    );
}

#[test]
fn without_cluster_mode_nothing_changes() {
    let r = Redis::new();
    r.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let e = run(&r, &["CLUSTER", "INFO"]).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR This instance has cluster support disabled"
    );
    let e = run(&r, &["READONLY"]).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR This instance has cluster support disabled"
    );
}

/// Keys of a few slots (hash tags put several in one), so slots gain and lose keys often.
const INDEX_KEYS: &[&str] = &[
    "{a}1", "{a}2", "{a}3", "{b}1", "{b}2", "x", "y", "z", "{x}q", "foo",
];

/// The keys of database 0 in `slot`, by a scan (what the index must equal).
fn scanned(r: &Redis, slot: u16) -> Vec<Vec<u8>> {
    r.with_store(|s| {
        let mut keys: Vec<Vec<u8>> = s.dbs[0]
            .dict
            .keys()
            .filter(|k| emu::util::slot::key_hash_slot(k) == slot)
            .map(<[u8]>::to_vec)
            .collect();
        keys.sort();
        keys
    })
    .unwrap()
}

/// One random write of the property test below.
fn index_op(r: &Redis, op: u8, k1: &str, k2: &str, n: u64) {
    let q = |args: &[&str]| {
        // Errors (WRONGTYPE, CROSSSLOT, no such key) are part of the stream.
        let _ = run(r, args);
    };
    let n_s = n.to_string();
    match op % 12 {
        0 => q(&["SET", k1, &n_s]),
        1 => q(&["DEL", k1]),
        2 => q(&["RENAME", k1, k2]),
        3 => q(&["RPUSH", k1, "a", "b"]),
        4 => q(&["LPOP", k1, "5"]),
        5 => q(&["PEXPIRE", k1, &(n % 3).to_string()]),
        6 => {
            // Time passes: expired keys are reclaimed by access or in bulk.
            r.advance_time(std::time::Duration::from_millis(n % 5))
                .unwrap();
            if n % 2 == 0 {
                r.purge_expired().unwrap();
            } else {
                q(&["EXISTS", k1]);
            }
        }
        7 => q(&["COPY", k1, k2, "REPLACE"]),
        8 => q(&["GETDEL", k1]),
        9 => q(&["SADD", k1, "m"]),
        10 => q(&["SMOVE", k1, k2, "m"]),
        _ => {
            if n % 7 == 0 {
                q(&["FLUSHALL"]);
            } else {
                q(&["SETEX", k1, "1", "v"]);
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// The per-slot index (behind COUNTKEYSINSLOT / GETKEYSINSLOT) always equals a scan of
    /// the database, whatever adds and removes keys: writes, renames, emptied aggregates,
    /// expiry (lazy and active), FLUSHALL.
    #[test]
    fn slot_index_equals_a_scan(
        ops in proptest::collection::vec(
            (0u8..12, 0usize..INDEX_KEYS.len(), 0usize..INDEX_KEYS.len(), 0u64..100),
            1..120,
        ),
        built_first in proptest::bool::ANY,
    ) {
        let r = Redis::builder().cluster_mode(true).manual_clock(1_000_000).build();
        if built_first {
            // The index exists from the start and is kept by every write; otherwise the
            // first query builds it from what the writes left.
            run(&r, &["CLUSTER", "COUNTKEYSINSLOT", "0"]).unwrap();
        }
        for (op, a, b, n) in ops {
            index_op(&r, op, INDEX_KEYS[a], INDEX_KEYS[b], n);
            proptest::prop_assert!(r.with_store(|s| s.dbs[0].slot_index_consistent()).unwrap());
        }
        // Expired keys still in the table would be reclaimed by the queries below (a few
        // per command), between the scan and the reply: reclaim them all first.
        r.purge_expired().unwrap();
        proptest::prop_assert!(r.with_store(|s| s.dbs[0].slot_index_consistent()).unwrap());
        for k in INDEX_KEYS {
            let slot = emu::util::slot::key_hash_slot(k.as_bytes());
            let want = scanned(&r, slot);
            let n = run(&r, &["CLUSTER", "COUNTKEYSINSLOT", &slot.to_string()]).unwrap();
            proptest::prop_assert_eq!(n, Value::Int(want.len() as i64));
            let got: Vec<Vec<u8>> = r
                .cmd("CLUSTER")
                .arg("GETKEYSINSLOT")
                .arg(slot)
                .arg(100)
                .query()
                .unwrap();
            let mut got_sorted = got.clone();
            got_sorted.sort();
            proptest::prop_assert_eq!(&got_sorted, &want);
            // No key twice; a count smaller than the slot's keys is a prefix.
            got_sorted.dedup();
            proptest::prop_assert_eq!(got_sorted.len(), got.len());
            let first: Vec<Vec<u8>> = r
                .cmd("CLUSTER")
                .arg("GETKEYSINSLOT")
                .arg(slot)
                .arg(1)
                .query()
                .unwrap();
            proptest::prop_assert_eq!(first.len(), want.len().min(1));
            proptest::prop_assert!(r.with_store(|s| s.dbs[0].has_slot_index()).unwrap());
        }
    }
}

/// Without cluster mode no index is ever built (no cost); in cluster mode it follows keys
/// from the first command on (so GETKEYSINSLOT knows which came last), and a direct load
/// that bypasses the `Db` methods makes the index rebuild rather than lie.
#[test]
fn slot_index_only_in_cluster_mode_and_rebuilt_after_direct_loads() {
    let r = Redis::new();
    r.set("a", "1").unwrap();
    assert!(!r.with_store(|s| s.dbs[0].has_slot_index()).unwrap());
    let r = cluster();
    assert!(!r.with_store(|s| s.dbs[0].has_slot_index()).unwrap());
    r.set("a", "1").unwrap();
    assert!(r.with_store(|s| s.dbs[0].has_slot_index()).unwrap());
    assert_eq!(
        run(&r, &["CLUSTER", "COUNTKEYSINSLOT", "15495"]).unwrap(),
        Value::Int(1)
    );
    // A loader's direct insert (as snapshot / RDB loading does).
    r.with_store(|s| {
        s.dbs[0].dict.insert(
            &b"{a}2"[..],
            emu::keyspace::Entry::new(emu::keyspace::Object::string(&b"v"[..]), None),
        )
    })
    .unwrap();
    assert!(!r.with_store(|s| s.dbs[0].slot_index_consistent()).unwrap());
    assert_eq!(
        run(&r, &["CLUSTER", "COUNTKEYSINSLOT", "15495"]).unwrap(),
        Value::Int(2)
    );
    assert!(r.with_store(|s| s.dbs[0].slot_index_consistent()).unwrap());
}

/// WATCH in cluster mode: keys of several slots in one WATCH, or a transaction on other
/// slots than the WATCHed keys, fail with CROSSSLOT (a real cluster would answer MOVED from
/// the WATCHing node whenever those slots live elsewhere); one slot works.
#[test]
fn watch_across_slots_is_crossslot() {
    let r = cluster();
    let mut p = r.pipeline();
    let e = p.watch(["a", "b"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot, "{e:?}");
    p.reset();
    // WATCH one slot, write another ("b" lives on another master of a 3-node cluster,
    // "foo" on the same one as "a" but in another slot): refused, nothing written.
    for other in ["b", "foo"] {
        p.watch("a").unwrap();
        p.multi();
        p.set(other, "1");
        let e = p.execute().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CrossSlot, "{other}: {e:?}");
        assert_eq!(r.exists(other).unwrap(), 0);
    }
    // Two WATCH calls on two slots: the transaction is refused.
    p.watch("a").unwrap();
    p.watch("b").unwrap();
    p.set("a", "1");
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot, "{e:?}");
    // The same slot (a hash tag): runs, and the WATCH still guards it.
    p.watch("a").unwrap();
    p.set("{a}x", "1").set("a", "2");
    assert_eq!(p.execute().unwrap(), vec![Value::ok(), Value::ok()]);
    p.watch("a").unwrap();
    r.set("a", "changed").unwrap();
    p.set("{a}x", "2");
    assert_eq!(p.execute().unwrap_err().kind(), ErrorKind::Watch);
    // redis-py's transaction(func, *watches) gets the same refusal, once (no retry).
    let mut calls = 0;
    let e = r
        .transaction(&["a"], |pipe| {
            calls += 1;
            pipe.set("b", "1");
            Ok(())
        })
        .unwrap_err();
    assert_eq!((e.kind(), calls), (ErrorKind::CrossSlot, 1));
    // Without cluster mode nothing of this applies.
    let plain = Redis::new();
    let mut p = plain.pipeline();
    p.watch(["a", "b"]).unwrap();
    p.set("c", "1");
    assert_eq!(p.execute().unwrap(), vec![Value::ok()]);
}

/// GETKEYSINSLOT lists a slot's keys newest first, as Redis 7.0's slot-to-keys lists:
/// overwrites keep a key's place; RENAME onto a key, COPY and re-creation go to the front
/// (the same sequence as `tests/cluster/differential.rs` checks against a real node).
#[test]
fn getkeysinslot_lists_newest_first() {
    let r = cluster();
    let keys = |r: &Redis, count: i64| -> Vec<String> {
        r.cmd("CLUSTER")
            .arg("GETKEYSINSLOT")
            .arg(emu::util::slot::key_hash_slot(b"{t}"))
            .arg(count)
            .query()
            .unwrap()
    };
    for k in ["a", "b", "c", "d", "e"] {
        r.set(format!("{{t}}{k}"), 1).unwrap();
    }
    assert_eq!(keys(&r, 10), ["{t}e", "{t}d", "{t}c", "{t}b", "{t}a"]);
    r.set("{t}c", 2).unwrap();
    r.expire("{t}a", 100).unwrap();
    r.delete("{t}b").unwrap();
    r.set("{t}b", 1).unwrap();
    r.rename("{t}d", "{t}z").unwrap();
    assert_eq!(keys(&r, 10), ["{t}z", "{t}b", "{t}e", "{t}c", "{t}a"]);
    r.rename("{t}e", "{t}a").unwrap();
    r.lpush("{t}l", "x").unwrap();
    r.cmd("COPY")
        .arg("{t}c")
        .arg("{t}cc")
        .query::<i64>()
        .unwrap();
    // Exactly what redis-server 7.0.15 in cluster mode answers after the same commands.
    assert_eq!(
        keys(&r, 10),
        ["{t}cc", "{t}l", "{t}a", "{t}z", "{t}b", "{t}c"]
    );
    assert_eq!(keys(&r, 2), ["{t}cc", "{t}l"]);
    assert!(r.with_store(|s| s.dbs[0].slot_index_consistent()).unwrap());
}

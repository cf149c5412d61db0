//! Streams, groups, consumers and PELs survive reopen (from the log, and from a snapshot),
//! and `emu dump` → `emu load` keeps them.

use std::time::Duration;

use emu::persist::tools;
use emu::{Redis, Value, XAddOptions, XClaimOptions, XReadOptions, XTrim};

use crate::common::T0;

/// Everything observable about a stream and its groups that does not depend on the time
/// of reading.
fn state(r: &Redis, key: &str) -> Vec<Value> {
    let full: Value = r
        .cmd("XINFO")
        .arg("STREAM")
        .arg(key)
        .arg("FULL")
        .arg("COUNT")
        .arg(0)
        .query()
        .unwrap();
    let groups: Value = r.cmd("XINFO").arg("GROUPS").arg(key).query().unwrap();
    let pending: Value = r
        .cmd("XPENDING")
        .arg(key)
        .arg("g")
        .arg("-")
        .arg("+")
        .arg(100)
        .query()
        .unwrap();
    vec![full, groups, pending]
}

fn workload(r: &Redis) {
    for i in 0..250u64 {
        r.xadd("s", "*", &[("n", i.to_string()), ("k", "v".to_string())])
            .unwrap();
        if i % 7 == 0 {
            r.advance_time(Duration::from_millis(1)).unwrap();
        }
    }
    r.xadd_options(
        "s",
        "*",
        &[("f", "v")],
        XAddOptions::default().trim(XTrim::maxlen(120).approx()),
    )
    .unwrap();
    // Approximate trims with LIMIT are logged as Redis propagates them (`=` and the
    // length / first ID they came to, LIMIT kept), which replay must accept.
    let _: String = r
        .cmd("XADD")
        .arg("s")
        .arg("MAXLEN")
        .arg("~")
        .arg(20)
        .arg("LIMIT")
        .arg(1)
        .arg("*")
        .arg("f")
        .arg("w")
        .query()
        .unwrap();
    let ids = r.xrange_count("s", "-", "+", 200).unwrap();
    let trimmed: i64 = r
        .cmd("XTRIM")
        .arg("s")
        .arg("MINID")
        .arg("~")
        .arg(ids[150].0)
        .arg("LIMIT")
        .arg(1000)
        .query()
        .unwrap();
    assert!(trimmed > 0, "a node trimmed (else nothing is logged)");
    r.xgroup_create("s", "g", "0", false).unwrap();
    r.xgroup_create("s", "g2", "$", false).unwrap();
    r.xreadgroup(
        "g",
        "alice",
        &[("s", ">")],
        XReadOptions::default().count(30),
    )
    .unwrap();
    r.advance_time(Duration::from_millis(500)).unwrap();
    r.xreadgroup(
        "g",
        "bob",
        &[("s", ">")],
        XReadOptions::default().count(5).noack(),
    )
    .unwrap();
    let first = r.xrange_count("s", "-", "+", 3).unwrap();
    r.xdel("s", [first[1].0]).unwrap();
    r.xclaim(
        "s",
        "g",
        "carol",
        100,
        [first[0].0, first[2].0],
        XClaimOptions::default().retrycount(4),
    )
    .unwrap();
    r.xautoclaim("s", "g", "dave", 0, "0", Some(3)).unwrap();
    r.xack("s", "g", [first[2].0]).unwrap();
    r.xgroup_createconsumer("s", "g", "erin").unwrap();
    r.xreadgroup(
        "g",
        "alice",
        &[("s", "0")],
        XReadOptions::default().count(2),
    )
    .unwrap();
    r.xtrim("s", XTrim::minid(first[0].0)).unwrap();
}

#[test]
fn groups_survive_reopen_from_the_log_and_from_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (before, now) = {
        let r = Redis::builder().manual_clock(T0).open(dir.path()).unwrap();
        workload(&r);
        (state(&r, "s"), r.now_ms().unwrap())
    };
    // Reopen replays the log; with the clock where it was, idle times read the same.
    let r = Redis::builder().manual_clock(now).open(dir.path()).unwrap();
    assert!(
        state(&r, "s") == before,
        "state differs after replaying the log"
    );
    let _: () = r.cmd("SAVE").query().unwrap();
    drop(r);
    let r = Redis::builder().manual_clock(now).open(dir.path()).unwrap();
    assert!(
        state(&r, "s") == before,
        "state differs after loading the snapshot"
    );
}

fn exec(store: &mut emu::engine::Store, args: &[&str]) -> Value {
    let mut session = emu::engine::Session::default();
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    emu::engine::execute(store, &mut session, &argv).unwrap()
}

#[test]
fn dump_and_load_keep_streams() {
    let r = Redis::builder().manual_clock(T0).build();
    workload(&r);
    r.xgroup_create("empty", "g", "$", true).unwrap();
    let dump = |f: tools::Format| {
        r.with_store(|s| {
            let mut out = Vec::new();
            tools::dump_store(s, f, &mut out).unwrap();
            out
        })
        .unwrap()
    };
    // JSON Lines → a store → the same JSON Lines (nodes, groups, seen-times, everything).
    let jsonl = dump(tools::Format::Jsonl);
    let loaded = tools::parse_dump(&mut &jsonl[..], Some(tools::Format::Jsonl)).unwrap();
    let mut again = Vec::new();
    tools::dump_store(&loaded, tools::Format::Jsonl, &mut again).unwrap();
    assert_eq!(
        String::from_utf8(again).unwrap(),
        String::from_utf8(jsonl).unwrap()
    );
    // RESP rebuilds entries, IDs, counters, groups and the pending entries of live
    // entries (not node boundaries, seen-times, or pending entries of deleted entries).
    let resp = dump(tools::Format::Resp);
    let mut rebuilt = tools::parse_dump(&mut &resp[..], Some(tools::Format::Resp)).unwrap();
    let mut orig = r.with_store(|s| s.clone()).unwrap();
    for probe in [
        &["XRANGE", "s", "-", "+"][..],
        &["XINFO", "GROUPS", "s"],
        &["XLEN", "empty"],
        &["XINFO", "GROUPS", "empty"],
    ] {
        assert_eq!(
            exec(&mut rebuilt, probe),
            exec(&mut orig, probe),
            "{probe:?}"
        );
    }
    let live: std::collections::BTreeSet<_> = r
        .xrange("s", "-", "+")
        .unwrap()
        .into_iter()
        .map(|e| e.0)
        .collect();
    let pend = r
        .xpending_range("s", "g", "-", "+", 1000, Default::default())
        .unwrap();
    let expect: Vec<_> = pend
        .iter()
        .filter(|e| live.contains(&e.id))
        .map(|e| (e.id.to_string(), e.consumer.clone(), e.deliveries))
        .collect();
    let Value::Array(items) = exec(&mut rebuilt, &["XPENDING", "s", "g", "-", "+", "1000"]) else {
        panic!("XPENDING shape")
    };
    let got: Vec<_> = items
        .into_iter()
        .map(|v| {
            let Value::Array(f) = v else {
                panic!("entry shape")
            };
            let s = |v: &Value| match v {
                Value::Bulk(b) => String::from_utf8(b.clone()).unwrap(),
                other => panic!("{other:?}"),
            };
            let Value::Int(n) = f[3] else { panic!("count") };
            (s(&f[0]), s(&f[1]), n as u64)
        })
        .collect();
    assert_eq!(got, expect);
}

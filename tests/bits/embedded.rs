//! The typed API, pipelines, the log (effects replayed after reopening), PFCOUNT's cache,
//! notifications and OBJECT ENCODING.

use crate::common::persist::{dump_jsonl, manual_store, opts, run_str};
use crate::common::{err, ok, redis, take_effects_text};
use emu::persist::{AppendFsync, Durable};
use emu::{
    BitField, BitFieldType, BitOffset, BitOp, BitOverflow, BitPosRange, BitRange, LcsOptions, Value,
};

#[test]
fn typed_bitmap_methods() {
    let r = redis();
    assert_eq!(r.setbit("b", 100, true).unwrap(), 0);
    assert_eq!(r.setbit("b", 100, true).unwrap(), 1);
    assert_eq!(r.getbit("b", 100).unwrap(), 1);
    assert_eq!(r.getbit("b", 1_000_000).unwrap(), 0);
    assert_eq!(r.strlen("b").unwrap(), 13);
    assert_eq!(r.bitcount("b").unwrap(), 1);
    assert_eq!(r.bitcount_range("b", BitRange::bits(0, 99)).unwrap(), 0);
    assert_eq!(r.bitcount_range("b", BitRange::bytes(-1, -1)).unwrap(), 1);
    assert_eq!(r.bitpos("b", true).unwrap(), 100);
    assert_eq!(
        r.bitpos_range("b", true, BitPosRange::from(13)).unwrap(),
        -1
    );
    assert_eq!(
        r.bitpos_range("b", false, BitPosRange::from(12)).unwrap(),
        96
    );
    assert_eq!(r.bitop(BitOp::Not, "n", "b").unwrap(), 13);
    assert_eq!(r.bitcount("n").unwrap(), 13 * 8 - 1);
    assert_eq!(r.bitop(BitOp::And, "n", ["missing"]).unwrap(), 0);
    assert_eq!(r.exists("n").unwrap(), 0);
    let ops = BitField::new()
        .overflow(BitOverflow::Fail)
        .incrby(BitFieldType::i(8), BitOffset::Field(3), 127)
        .incrby(BitFieldType::i(8), BitOffset::Field(3), 1)
        .overflow(BitOverflow::Wrap)
        .incrby(BitFieldType::i(8), BitOffset::Field(3), 1)
        .get(BitFieldType::u(8), 24u64);
    assert_eq!(
        r.bitfield("f", &ops).unwrap(),
        [Some(127), None, Some(-128), Some(128)]
    );
    let e = r.bitfield_ro("f", &ops).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR BITFIELD_RO only supports the GET subcommand"
    );
    let e = r.setbit("b", 4_294_967_296, true).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR bit offset is not an integer or out of range"
    );
}

#[test]
fn typed_hll_and_lcs_methods_and_pipelines() {
    let r = redis();
    let many: Vec<String> = (0..5000).map(|i| format!("user:{i}")).collect();
    assert!(r.pfadd("u", &many).unwrap());
    let n = r.pfcount("u").unwrap();
    assert!((4900..5100).contains(&n), "{n}");
    assert!(r.pfadd("empty", Vec::<String>::new()).unwrap());
    assert_eq!(r.pfcount(["u", "empty", "missing"]).unwrap(), n);
    r.pfmerge("m", ["u", "empty"]).unwrap();
    assert_eq!(r.pfcount("m").unwrap(), n);
    r.set("a", "ohmytext").unwrap();
    r.set("b", "mynewtext").unwrap();
    let idx = r.lcs_idx("a", "b", LcsOptions::default()).unwrap();
    assert_eq!(idx.len, 6);
    assert_eq!(idx.matches.len(), 2);
    assert_eq!(idx.matches[1].a, (2, 3));
    assert_eq!(idx.matches[1].len, None);

    let mut p = r.pipeline();
    p.setbit("pb", 3, true)
        .bitcount("pb")
        .pfadd("ph", ["x", "y"])
        .pfcount("ph")
        .lcs("a", "b")
        .lcs_len("a", "b")
        .bitfield("pb", &BitField::new().get(BitFieldType::u(4), 0u64));
    let replies: Vec<Value> = p.execute().unwrap();
    assert_eq!(
        replies,
        vec![
            Value::Int(0),
            Value::Int(1),
            Value::Int(1),
            Value::Int(2),
            Value::bulk("mytext"),
            Value::Int(6),
            Value::Array(vec![Value::Int(1)]),
        ]
    );
}

/// A fresh HLL is 18 bytes of Redis's sparse form; PFCOUNT fills the cache (and marks the
/// key modified, logging the cache bytes) only when it was stale.
#[test]
fn pfcount_refreshes_the_cache_and_logs_it() {
    let r = redis();
    r.with_store(|s| s.set_record_effects(true)).unwrap();
    ok(&r, &["PFADD", "h", "a", "b", "c"]);
    let bytes: Vec<u8> = r.get("h").unwrap();
    assert_eq!(&bytes[..5], b"HYLL\x01");
    assert_eq!(bytes[15] & 0x80, 0x80, "stale after PFADD");
    assert_eq!(r.pfcount("h").unwrap(), 3);
    let bytes: Vec<u8> = r.get("h").unwrap();
    assert_eq!(&bytes[8..16], &3u64.to_le_bytes());
    let effects = r.with_store(take_effects_text).unwrap();
    assert_eq!(effects.len(), 2, "{effects:?}");
    assert!(effects[1].starts_with("SETRANGE h 8 "), "{effects:?}");
    // A second PFCOUNT answers from the cache: nothing logged.
    assert_eq!(r.pfcount("h").unwrap(), 3);
    assert!(r.with_store(take_effects_text).unwrap().is_empty());
    // A multi-key PFCOUNT never touches the sources.
    ok(&r, &["PFADD", "h", "d"]);
    let before: Vec<u8> = r.get("h").unwrap();
    assert_eq!(r.pfcount(["h", "missing"]).unwrap(), 4);
    assert_eq!(r.get::<_, Vec<u8>>("h").unwrap(), before);
    ok(&r, &["SET", "a-string", "not an hll at all"]);
    assert_eq!(
        err(&r, &["PFCOUNT", "a-string"]),
        "WRONGTYPE Key is not a valid HyperLogLog string value."
    );
}

/// Every write of these types replays to the same bytes: run a workload on a durable store,
/// reopen it from its log, compare dumps (PFCOUNT's cache refresh and PFDEBUG's conversions
/// included).
#[test]
fn workload_replays_identically_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let d = Durable::open(dir.path(), opts(AppendFsync::Everysec), manual_store(1)).unwrap();
    let many: Vec<String> = (0..3000).map(|i| format!("e{i}")).collect();
    let mut pfadd = vec!["PFADD", "big"];
    pfadd.extend(many.iter().map(|s| s.as_str()));
    let script: &[&[&str]] = &[
        &["SETBIT", "b", "77", "1"],
        &[
            "BITFIELD", "b", "OVERFLOW", "SAT", "INCRBY", "u5", "#3", "40",
        ],
        &["BITOP", "XOR", "x", "b", "missing"],
        &["PFADD", "h", "a", "b"],
        &["PFCOUNT", "h"],
        &pfadd,
        &["PFCOUNT", "big"],
        &["PFADD", "s", "x"],
        &["PFDEBUG", "TODENSE", "s"],
        &["PFADD", "g", "y"],
        &["PFDEBUG", "GETREG", "g"],
        &["PFMERGE", "m", "h", "big"],
        &["PFCOUNT", "m"],
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
        run_str(&d, &["PFDEBUG", "ENCODING", "s"]),
        Value::Simple("dense".into())
    );
}

#[test]
fn notifications_and_encodings() {
    let r = redis();
    r.with_store(|s| {
        s.config.notify_keyspace_events = emu::keyspace::notify::KEYEVENT
            | emu::keyspace::notify::STRING
            | emu::keyspace::notify::GENERIC
    })
    .unwrap();
    ok(&r, &["SETBIT", "b", "1", "1"]);
    ok(&r, &["PFADD", "h", "x"]);
    ok(&r, &["PFMERGE", "h2", "h"]);
    ok(&r, &["BITOP", "AND", "b", "missing"]);
    let events = crate::common::drain_events(&r);
    assert_eq!(events, ["setbit b", "pfadd h", "pfadd h2", "del b"]);
    ok(&r, &["SET", "n", "12"]);
    ok(&r, &["SETBIT", "n", "0", "0"]);
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "n"]), Value::bulk("raw"));
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "h"]), Value::bulk("raw"));
}

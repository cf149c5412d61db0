//! The data tools: dump (jsonl / resp) → load → dump identity, atomic load, check, compact,
//! and the reading tools refusing a directory held by a writer.

use std::io::Cursor;
use std::path::Path;

use emu::engine::Store;
use emu::persist::{self, tools, AppendFsync, Durable, Options};
use emu::Value;

fn template() -> Store {
    crate::common::persist::manual_store(5)
}

fn opts() -> Options {
    crate::common::persist::opts(AppendFsync::Everysec)
}

use crate::common::persist::run_in as run;

fn build(dir: &Path) {
    let d = Durable::open(dir, opts(), template()).unwrap();
    run(&d, 0, &[b"SET", b"plain", b"hello world"]);
    run(&d, 0, &[b"SET", b"\xff\x00bin", b"\x00\x01\x02\xfe"]);
    run(&d, 0, &[b"SET", b"quote\"\n", "é€😀".as_bytes()]);
    run(&d, 0, &[b"SET", b"ttl", b"1", b"PXAT", b"1800000000000"]);
    run(&d, 1, &[b"RPUSH", b"list", b"a", b"", b"\xff"]);
    run(&d, 1, &[b"HSET", b"h", b"z", b"1", b"a", b"\x80"]);
    run(&d, 2, &[b"SADD", b"s", b"b", b"a", b"\xc3"]);
    run(&d, 2, &[b"SADD", b"is", b"10", b"-3"]);
    d.with_store(|s| {
        let v = persist::model::DiskValue::ZSet(vec![
            (b"m".to_vec(), 1.5),
            (b"n\xff".to_vec(), f64::NEG_INFINITY),
            (b"o".to_vec(), 1e300),
            (b"p".to_vec(), 0.1),
        ]);
        let obj = v.into_object(&s.config).unwrap();
        s.dbs[3].insert(b"z", obj, false);
    });
    run(&d, 0, &[b"SAVE"]);
}

fn dump(dir: &Path, f: tools::Format) -> Vec<u8> {
    let mut out = Vec::new();
    tools::dump(dir, f, &mut out).unwrap();
    out
}

#[test]
fn jsonl_dump_load_dump_is_identical() {
    let a = tempfile::tempdir().unwrap();
    build(a.path());
    let first = dump(a.path(), tools::Format::Jsonl);
    let text = String::from_utf8(first.clone()).unwrap();
    assert_eq!(text.lines().count(), 9);
    assert!(
        text.contains(
            r#"{"db":0,"key":"plain","type":"string","value":"hello world","expire_at_ms":null}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""key":{"base64":"/wBiaW4="}"#), "{text}");
    assert!(text.contains(r#""expire_at_ms":1800000000000"#), "{text}");
    assert!(
        text.contains(
            r#"{"db":3,"key":"z","type":"zset","value":[[{"base64":"bv8="},"-inf"],["p",0.1],["m",1.5],["o",1e300]],"expire_at_ms":null}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"["o",1e300]"#), "{text}");
    let b = tempfile::tempdir().unwrap();
    let n = tools::load(b.path(), &mut Cursor::new(first.clone()), None).unwrap();
    assert_eq!(n, 9);
    assert_eq!(dump(b.path(), tools::Format::Jsonl), first);
    // The loaded directory opens normally, with encodings rebuilt.
    let d = Durable::open(b.path(), opts(), template()).unwrap();
    assert_eq!(
        run(&d, 2, &[b"OBJECT", b"ENCODING", b"is"]),
        Value::bulk("intset")
    );
    assert_eq!(
        run(&d, 1, &[b"HKEYS", b"h"]),
        Value::Array(vec![Value::bulk("z"), Value::bulk("a")])
    );
}

#[test]
fn resp_dump_loads_back_to_the_same_data() {
    let a = tempfile::tempdir().unwrap();
    build(a.path());
    let resp = dump(a.path(), tools::Format::Resp);
    assert!(resp.starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"));
    let b = tempfile::tempdir().unwrap();
    // ZADD may not be in the engine yet; load what the engine knows.
    match tools::load(
        b.path(),
        &mut Cursor::new(resp.clone()),
        Some(tools::Format::Resp),
    ) {
        Ok(_) => assert_eq!(
            dump(b.path(), tools::Format::Jsonl),
            dump(a.path(), tools::Format::Jsonl)
        ),
        Err(e) => assert!(e.to_string().contains("unknown command 'ZADD'"), "{e}"),
    }
}

#[test]
fn failed_load_leaves_the_directory_as_it_was() {
    let a = tempfile::tempdir().unwrap();
    build(a.path());
    let before = dump(a.path(), tools::Format::Jsonl);
    let listing = persist::files::list(a.path()).unwrap();
    let bad =
        b"{\"db\":0,\"key\":\"new\",\"type\":\"string\",\"value\":\"v\",\"expire_at_ms\":null}\n\
                {\"db\":0,\"key\":\"x\",\"type\":\"nope\",\"value\":1,\"expire_at_ms\":null}\n";
    let e = tools::load(a.path(), &mut Cursor::new(&bad[..]), None).unwrap_err();
    assert!(
        e.to_string().contains("line 2: unknown type \"nope\""),
        "{e}"
    );
    assert_eq!(dump(a.path(), tools::Format::Jsonl), before);
    assert_eq!(
        persist::files::list(a.path()).unwrap().snapshots,
        listing.snapshots
    );
    // Other malformed inputs.
    for (input, msg) in [
        (&b"{\"db\":0}\n"[..], "missing field"),
        (b"[1]\n", "must be a JSON object"),
        (b"{\"db\":0,\"key\":\"k\",\"type\":\"list\",\"value\":[],\"expire_at_ms\":null}\n", "empty aggregate"),
        (b"{\"db\":99,\"key\":\"k\",\"type\":\"string\",\"value\":\"v\",\"expire_at_ms\":null}\n", "out of range"),
        (b"*1\r\n$3\r\nFOO\r\n", "unknown command"),
        (b"*2\r\n$3\r\nGET\r\n$9\r\nk\r\n", "truncated"),
    ] {
        let e = tools::load(a.path(), &mut Cursor::new(input), None).unwrap_err();
        assert!(e.to_string().contains(msg), "{e} / {msg}");
    }
    assert_eq!(dump(a.path(), tools::Format::Jsonl), before);
}

#[test]
fn load_replaces_existing_data_and_supersedes_logs() {
    let a = tempfile::tempdir().unwrap();
    build(a.path());
    {
        let d = Durable::open(a.path(), opts(), template()).unwrap();
        run(&d, 0, &[b"SET", b"logged", b"1"]);
    }
    let input =
        b"{\"db\":0,\"key\":\"only\",\"type\":\"string\",\"value\":\"1\",\"expire_at_ms\":null}\n";
    tools::load(a.path(), &mut Cursor::new(&input[..]), None).unwrap();
    assert_eq!(dump(a.path(), tools::Format::Jsonl), input.to_vec());
    let d = Durable::open(a.path(), opts(), template()).unwrap();
    assert_eq!(run(&d, 0, &[b"DBSIZE"]), Value::Int(1));
}

#[test]
fn check_and_compact() {
    let a = tempfile::tempdir().unwrap();
    build(a.path());
    {
        let d = Durable::open(a.path(), opts(), template()).unwrap();
        for i in 0..50 {
            run(&d, 0, &[b"INCR", b"n"]);
            let _ = i;
        }
    }
    let before = dump(a.path(), tools::Format::Jsonl);
    let rep = tools::check(a.path(), false).unwrap();
    assert!(rep.ok, "{:?}", rep.lines);
    assert!(
        rep.lines.iter().any(|l| l.contains("50 records")),
        "{:?}",
        rep.lines
    );
    let gen_before = persist::files::list(a.path()).unwrap().snapshots;
    tools::compact(a.path()).unwrap();
    let l = persist::files::list(a.path()).unwrap();
    assert_eq!(l.snapshots.len(), 1);
    assert!(l.snapshots[0] > gen_before[0]);
    assert_eq!(dump(a.path(), tools::Format::Jsonl), before);
    let rep = tools::check(a.path(), false).unwrap();
    assert!(
        rep.lines.iter().any(|l| l.contains("0 records")),
        "{:?}",
        rep.lines
    );
}

#[test]
fn readers_refuse_a_directory_held_by_a_writer() {
    let a = tempfile::tempdir().unwrap();
    build(a.path());
    let d = Durable::open(a.path(), opts(), template()).unwrap();
    let mut out = Vec::new();
    let e = tools::dump(a.path(), tools::Format::Jsonl, &mut out).unwrap_err();
    assert!(
        e.to_string()
            .contains("locked by another handle in this process"),
        "{e}"
    );
    let e = tools::check(a.path(), false).unwrap_err();
    assert!(
        e.to_string()
            .contains("locked by another handle in this process"),
        "{e}"
    );
    let e = tools::compact(a.path()).unwrap_err();
    assert!(
        e.to_string()
            .contains("locked by another handle in this process"),
        "{e}"
    );
    drop(d);
    assert!(tools::dump(a.path(), tools::Format::Jsonl, &mut out).is_ok());
}

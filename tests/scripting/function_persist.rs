//! Function libraries are data: they survive a restart through the log (FUNCTION LOAD /
//! DELETE / FLUSH are logged as themselves and replayed, the library's code running again
//! at load time), through snapshots (LIBRARY records, format version 3), through
//! `emu dump` / `emu load` (JSON Lines library lines, RESP `FUNCTION LOAD` commands), and
//! through a store clone (its Lua state is rebuilt from the libraries on first use).

use emu::persist::tools::{dump_store, parse_dump, Format};
use emu::{Redis, Value};

use crate::common::persist::dump_jsonl;
use crate::common::T0;

const LIB_A: &str = "#!lua name=liba
redis.register_function('incr_by', function(keys, args)
  return redis.call('INCRBY', keys[1], args[1])
end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads'}";
const LIB_B: &str = "#!lua name=libb
redis.register_function('stamp', function(keys, args)
  redis.call('SET', keys[1], math.random(1000))
  return redis.call('GET', keys[1])
end)";

fn exec(r: &Redis, argv: &[&str]) -> Value {
    let a: Vec<&[u8]> = argv.iter().map(|s| s.as_bytes()).collect();
    r.execute(&a).unwrap()
}

fn listing(r: &Redis) -> Value {
    exec(r, &["FUNCTION", "LIST", "WITHCODE"])
}

fn open(dir: &std::path::Path) -> Redis {
    Redis::builder().manual_clock(T0).open(dir).unwrap()
}

#[test]
fn libraries_survive_reopen_through_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (list, data) = {
        let r = open(dir.path());
        assert_eq!(exec(&r, &["FUNCTION", "LOAD", LIB_A]), Value::bulk("liba"));
        assert_eq!(exec(&r, &["FUNCTION", "LOAD", LIB_B]), Value::bulk("libb"));
        assert_eq!(
            exec(&r, &["FCALL", "incr_by", "1", "n", "5"]),
            Value::Int(5)
        );
        exec(&r, &["FCALL", "stamp", "1", "s"]);
        // Replaced and deleted libraries replay too.
        exec(
            &r,
            &["FUNCTION", "LOAD", "REPLACE", &LIB_B.replace("1000", "10")],
        );
        exec(
            &r,
            &[
                "FUNCTION",
                "LOAD",
                "#!lua name=gone\nredis.register_function('g', function() return 1 end)",
            ],
        );
        exec(&r, &["FUNCTION", "DELETE", "gone"]);
        (listing(&r), r.with_store(|s| dump_jsonl(s)).unwrap())
    };
    let r = open(dir.path());
    assert_eq!(listing(&r), list);
    assert_eq!(r.with_store(|s| dump_jsonl(s)).unwrap(), data);
    assert_eq!(
        exec(&r, &["FCALL", "incr_by", "1", "n", "2"]),
        Value::Int(7)
    );
    assert_eq!(exec(&r, &["FCALL_RO", "peek", "1", "n"]), Value::bulk("7"));
    let e = r.execute(&[b"FCALL", b"g", b"0"]).unwrap_err();
    assert_eq!(e.message(), "ERR Function not found");
}

#[test]
fn libraries_survive_a_snapshot_and_flush_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    {
        let r = open(dir.path());
        exec(&r, &["FUNCTION", "LOAD", LIB_A]);
        exec(&r, &["FUNCTION", "LOAD", LIB_B]);
        assert_eq!(exec(&r, &["SAVE"]), Value::ok());
    }
    let list = {
        // From the snapshot alone (the log after it is empty).
        let r = open(dir.path());
        let list = listing(&r);
        assert_eq!(
            exec(&r, &["FCALL", "incr_by", "1", "n", "3"]),
            Value::Int(3)
        );
        exec(&r, &["FUNCTION", "DELETE", "libb"]);
        list
    };
    {
        let r = open(dir.path());
        assert_ne!(listing(&r), list, "the DELETE after the snapshot replays");
        assert_eq!(
            exec(&r, &["FUNCTION", "LIST"]),
            exec(&r, &["FUNCTION", "LIST", "LIBRARYNAME", "liba"])
        );
        exec(&r, &["FUNCTION", "FLUSH"]);
    }
    let r = open(dir.path());
    assert_eq!(listing(&r), Value::Array(vec![]));
    assert_eq!(exec(&r, &["GET", "n"]), Value::bulk("3"));
}

#[test]
fn snapshot_bytes_carry_the_libraries() {
    let r = Redis::builder().manual_clock(T0).build();
    exec(&r, &["FUNCTION", "LOAD", LIB_B]);
    exec(&r, &["FUNCTION", "LOAD", LIB_A]);
    let bytes = r
        .with_store(|s| {
            let mut out = Vec::new();
            emu::persist::snapshot::encode_into(&mut out, 1, &s.dbs, s.libraries.all(), 0, 0)
                .unwrap();
            out
        })
        .unwrap();
    // LIBRARY records came with version 3; the header carries the current version.
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
        emu::persist::frame::FORMAT_VERSION
    );
    const { assert!(emu::persist::frame::FORMAT_VERSION >= 3) };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.snap");
    std::fs::write(&path, &bytes).unwrap();
    let mut store = r.with_store(|s| s.empty_like()).unwrap();
    let info = emu::persist::snapshot::load(&path, &mut store).unwrap();
    assert_eq!(
        info.libraries.keys().collect::<Vec<_>>(),
        ["liba", "libb"],
        "LIBRARY records in name order"
    );
    assert_eq!(
        store.libraries.get("liba").map(|c| c.as_slice()),
        Some(LIB_A.as_bytes())
    );
}

#[test]
fn dump_and_load_keep_libraries_in_both_formats() {
    let r = Redis::builder().manual_clock(T0).build();
    exec(&r, &["FUNCTION", "LOAD", LIB_A]);
    exec(&r, &["FUNCTION", "LOAD", LIB_B]);
    exec(&r, &["SET", "k", "v"]);
    for format in [Format::Jsonl, Format::Resp] {
        let mut out = Vec::new();
        r.with_store(|s| dump_store(s, format, &mut out))
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        match format {
            Format::Jsonl => assert!(
                text.starts_with("{\"library\":\"liba\",\"code\":"),
                "{text}"
            ),
            Format::Resp => assert!(
                text.starts_with("*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n"),
                "{text}"
            ),
            other => panic!("not a text format: {other:?}"),
        }
        let store = parse_dump(&mut out.as_slice(), None).unwrap();
        assert_eq!(
            store.libraries.all(),
            &r.with_store(|s| s.libraries.all().clone()).unwrap()
        );
        let back = Redis::builder().manual_clock(T0).build();
        back.with_store(|s| *s = store).unwrap();
        assert_eq!(listing(&back), listing(&r));
        assert_eq!(
            exec(&back, &["FCALL", "incr_by", "1", "c", "4"]),
            Value::Int(4)
        );
    }
    // A library line whose code does not load (or names another library) is refused.
    for bad in [
        "{\"library\":\"x\",\"code\":\"#!lua name=x\\nreturn 1\"}\n",
        "{\"library\":\"y\",\"code\":\"#!lua name=x\\nredis.register_function('f', function() end)\"}\n",
        "{\"library\":\"x\"}\n",
    ] {
        assert!(parse_dump(&mut bad.as_bytes(), None).is_err(), "{bad}");
    }
}

#[test]
fn a_cloned_store_rebuilds_its_functions() {
    let r = Redis::builder().manual_clock(T0).build();
    exec(&r, &["FUNCTION", "LOAD", LIB_A]);
    let copy = Redis::builder().manual_clock(T0).build();
    let clone = r.with_store(|s| s.clone()).unwrap();
    copy.with_store(|s| *s = clone).unwrap();
    assert_eq!(
        exec(&copy, &["FCALL", "incr_by", "1", "n", "9"]),
        Value::Int(9)
    );
    assert_eq!(listing(&copy), listing(&r));
}

#[test]
fn function_restore_replays_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let list = {
        let r = open(dir.path());
        exec(&r, &["FUNCTION", "LOAD", LIB_A]);
        let Value::Bulk(payload) = exec(&r, &["FUNCTION", "DUMP"]) else {
            panic!("FUNCTION DUMP is a bulk string")
        };
        exec(&r, &["FUNCTION", "LOAD", LIB_B]);
        let restore = |policy: &str| {
            let mut argv: Vec<&[u8]> = vec![b"FUNCTION", b"RESTORE", &payload];
            argv.push(policy.as_bytes());
            r.execute(&argv)
        };
        assert!(restore("APPEND").is_err(), "liba is there");
        assert_eq!(restore("REPLACE").unwrap(), Value::ok());
        assert_eq!(restore("FLUSH").unwrap(), Value::ok());
        let list = listing(&r);
        assert_eq!(
            r.function_list(false)
                .unwrap()
                .iter()
                .map(|l| l.name.clone())
                .collect::<Vec<_>>(),
            ["liba"],
            "FLUSH dropped libb"
        );
        list
    };
    let r = open(dir.path());
    assert_eq!(listing(&r), list);
    assert_eq!(
        exec(&r, &["FCALL", "incr_by", "1", "n", "2"]),
        Value::Int(2)
    );
}

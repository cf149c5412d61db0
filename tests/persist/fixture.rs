//! Committed fixtures of every on-disk format version (fixtures/v1 … fixtures/v4, the last the
//! current one): they must keep opening with exactly the recorded contents, their snapshots
//! must re-encode to the same records, and replaying the same commands on two opens must
//! give byte-identical dumps.
//!
//! Regenerate (only when the format version changes, into a NEW directory):
//! `EMU_REGEN_FIXTURE=1 cargo test --test persist -- --ignored fixture::regenerate`.

use std::path::{Path, PathBuf};

use emu::config::Config;
use emu::engine::Store;
use emu::keyspace::Clock;
use emu::persist::{
    self, files, frame, snapshot, tools, AppendFsync, Durable, Fixture, FixtureClock, Options,
};
use emu::Value;

/// Recording time of fixtures/v1 (manual clock).
const T_REC: u64 = 1_700_000_000_000;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1")
}

use crate::common::persist::system_store as template;

use crate::common::persist::run_in as run;

fn dump_store(s: &Store) -> Vec<u8> {
    let mut out = Vec::new();
    tools::dump_store(s, tools::Format::Jsonl, &mut out).unwrap();
    out
}

#[test]
#[ignore = "writes fixtures/v1; run by hand when the format changes"]
fn regenerate() {
    if std::env::var("EMU_REGEN_FIXTURE").is_err() {
        return;
    }
    let dir = fixture_dir();
    let _ = std::fs::remove_dir_all(&dir);
    let opts = Options {
        fsync: AppendFsync::Always,
        compaction_min_bytes: u64::MAX,
        ..Options::default()
    };
    let d = Durable::open(
        &dir,
        opts,
        Store::new(Config::default(), Clock::Manual(T_REC - 60_000), 1),
    )
    .unwrap();
    run(&d, 0, &[b"SET", b"greeting", b"hello"]);
    run(&d, 0, &[b"SET", b"\x00bin\xff", b"\xde\xad\xbe\xef"]);
    run(&d, 0, &[b"SET", b"counter", b"41"]);
    run(&d, 0, &[b"SET", b"session", b"abc", b"EX", b"3600"]);
    run(&d, 1, &[b"RPUSH", b"queue", b"j1", b"j2", b"j3"]);
    run(
        &d,
        1,
        &[b"HSET", b"user:1", b"name", b"Ada", b"lang", "é".as_bytes()],
    );
    run(&d, 2, &[b"SADD", b"tags", b"red", b"green", b"blue"]);
    run(&d, 2, &[b"SADD", b"ids", b"3", b"1", b"2"]);
    d.with_store(|s| {
        let v = persist::model::DiskValue::ZSet(vec![
            (b"alice".to_vec(), 10.0),
            (b"bob".to_vec(), 7.5),
            (b"carol".to_vec(), f64::INFINITY),
        ]);
        let obj = v.into_object(&s.config).unwrap();
        s.dbs[3].insert(b"board", obj, false);
    });
    run(&d, 0, &[b"SAVE"]);
    d.with_store(|s| s.clock = Clock::Manual(T_REC));
    run(&d, 0, &[b"INCR", b"counter"]);
    run(&d, 1, &[b"LPOP", b"queue"]);
    run(&d, 2, &[b"SPOP", b"tags"]);
    run(&d, 0, &[b"PEXPIRE", b"greeting", b"600000"]);
    drop(d);
    std::fs::remove_file(dir.join(files::LOCK_NAME)).unwrap();
    let (store, _) = persist::open_read_only(&dir, template()).unwrap();
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.jsonl"),
        dump_store(&store),
    )
    .unwrap();
}

#[test]
fn v1_fixture_opens_with_its_recorded_contents() {
    let dir = fixture_dir();
    let expected = std::fs::read(dir.with_extension("jsonl")).unwrap();
    let (store, info) = Fixture::new(&dir).open(template()).unwrap();
    assert_eq!(dump_store(&store), expected);
    assert_eq!(info.recorded_at_ms, T_REC);
    assert_eq!(store.clock, Clock::Manual(T_REC));
    assert_eq!(info.snapshot_generation, Some(1));
    assert_eq!(info.records_replayed, 4);
    let d = Durable::from_store(store);
    assert_eq!(run(&d, 0, &[b"GET", b"counter"]), Value::bulk("42"));
    assert_eq!(run(&d, 0, &[b"TTL", b"session"]), Value::Int(3540));
    assert_eq!(run(&d, 0, &[b"PTTL", b"greeting"]), Value::Int(600_000));
    assert_eq!(
        run(&d, 1, &[b"LRANGE", b"queue", b"0", b"-1"]),
        Value::bulks(["j2", "j3"])
    );
    assert_eq!(run(&d, 2, &[b"SCARD", b"tags"]), Value::Int(2));
    assert_eq!(
        run(&d, 0, &[b"GET", b"\x00bin\xff"]),
        Value::bulk(&b"\xde\xad\xbe\xef"[..])
    );
    // The snapshot alone re-encodes to exactly its own records. The header differs in the
    // version field only: this build writes the current version (FORMAT.md §10), and
    // version 1's records are a subset of every later version's.
    let snap = files::snapshot_path(&dir, 1);
    let mut only = template();
    let si = snapshot::load(&snap, &mut only).unwrap();
    let mut again = Vec::new();
    snapshot::encode_into(
        &mut again,
        1,
        &only.dbs,
        only.libraries.all(),
        si.rng_state,
        si.recorded_at_ms,
    )
    .unwrap();
    let file = std::fs::read(&snap).unwrap();
    assert_eq!(&file[8..12], &1u32.to_le_bytes());
    assert_eq!(&again[8..12], &frame::FORMAT_VERSION.to_le_bytes());
    assert_eq!(again[..8], file[..8]);
    assert_eq!(again[12..20], file[12..20]);
    assert_eq!(again[24..], file[24..]);
}

fn fixture_v2_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v2")
}

/// The commands recorded into fixtures/v2: streams with a consumer group (format version 2
/// added the stream tag), half before the snapshot and half in the log.
const V2_BEFORE_SAVE: &[&[&[u8]]] = &[
    &[
        b"XADD", b"events", b"1-1", b"type", b"login", b"user", b"ada",
    ],
    &[b"XADD", b"events", b"1-2", b"type", b"click"],
    &[
        b"XADD", b"events", b"2-0", b"type", b"logout", b"user", b"ada",
    ],
    &[b"XDEL", b"events", b"1-2"],
    &[b"XGROUP", b"CREATE", b"events", b"workers", b"0"],
    &[
        b"XREADGROUP",
        b"GROUP",
        b"workers",
        b"w1",
        b"COUNT",
        b"1",
        b"STREAMS",
        b"events",
        b">",
    ],
    &[b"XGROUP", b"CREATE", b"empty", b"g", b"$", b"MKSTREAM"],
];
const V2_AFTER_SAVE: &[&[&[u8]]] = &[
    &[
        b"XADD", b"events", b"3-0", b"type", b"login", b"user", b"bob",
    ],
    &[
        b"XREADGROUP",
        b"GROUP",
        b"workers",
        b"w2",
        b"STREAMS",
        b"events",
        b">",
    ],
    &[b"XACK", b"events", b"workers", b"2-0"],
    &[
        b"XCLAIM", b"events", b"workers", b"w2", b"0", b"1-1", b"JUSTID",
    ],
];

/// Records a fixture into `dir` (replacing it): `before` on a manual clock a minute before
/// [`T_REC`], SAVE, then `after` at `T_REC` into the log; writes the expected contents to
/// `jsonl` (relative to the crate).
fn record_fixture(dir: &Path, before: &[&[&[u8]]], after: &[&[&[u8]]], jsonl: &str) {
    let _ = std::fs::remove_dir_all(dir);
    let opts = Options {
        fsync: AppendFsync::Always,
        compaction_min_bytes: u64::MAX,
        ..Options::default()
    };
    let d = Durable::open(
        dir,
        opts,
        Store::new(Config::default(), Clock::Manual(T_REC - 60_000), 1),
    )
    .unwrap();
    for argv in before {
        run(&d, 0, argv);
    }
    run(&d, 0, &[b"SAVE"]);
    d.with_store(|s| s.clock = Clock::Manual(T_REC));
    for argv in after {
        run(&d, 0, argv);
    }
    drop(d);
    std::fs::remove_file(dir.join(files::LOCK_NAME)).unwrap();
    let (store, _) = persist::open_read_only(dir, template()).unwrap();
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(jsonl),
        dump_store(&store),
    )
    .unwrap();
}

#[test]
#[ignore = "writes fixtures/v2; run by hand when the format changes"]
fn regenerate_v2() {
    if std::env::var("EMU_REGEN_FIXTURE").is_err() {
        return;
    }
    record_fixture(
        &fixture_v2_dir(),
        V2_BEFORE_SAVE,
        V2_AFTER_SAVE,
        "fixtures/v2.jsonl",
    );
}

#[test]
fn v2_fixture_opens_with_its_recorded_streams() {
    let dir = fixture_v2_dir();
    let expected = std::fs::read(dir.with_extension("jsonl")).unwrap();
    let (store, info) = Fixture::new(&dir).open(template()).unwrap();
    assert_eq!(dump_store(&store), expected);
    assert_eq!(info.recorded_at_ms, T_REC);
    assert_eq!(info.records_replayed, V2_AFTER_SAVE.len() as u64);
    let d = Durable::from_store(store);
    assert_eq!(run(&d, 0, &[b"XLEN", b"events"]), Value::Int(3));
    assert_eq!(
        run(&d, 0, &[b"TYPE", b"empty"]),
        Value::Simple("stream".into())
    );
    // w2 got 2-0 and 3-0, acked 2-0, then claimed 1-1 from w1.
    assert_eq!(
        run(&d, 0, &[b"XPENDING", b"events", b"workers"]),
        Value::Array(vec![
            Value::Int(2),
            Value::bulk("1-1"),
            Value::bulk("3-0"),
            Value::Array(vec![Value::Array(vec![
                Value::bulk("w2"),
                Value::bulk("2")
            ])]),
        ])
    );
    let snap = files::snapshot_path(&dir, 1);
    let mut only = template();
    let si = snapshot::load(&snap, &mut only).unwrap();
    let mut again = Vec::new();
    snapshot::encode_into(
        &mut again,
        1,
        &only.dbs,
        only.libraries.all(),
        si.rng_state,
        si.recorded_at_ms,
    )
    .unwrap();
    // Same records; the header's version field is the current version (3 added LIBRARY
    // records, which a version-2 snapshot has none of).
    let file = std::fs::read(&snap).unwrap();
    assert_eq!(&file[8..12], &2u32.to_le_bytes());
    assert_eq!(&again[8..12], &frame::FORMAT_VERSION.to_le_bytes());
    assert_eq!(again[..8], file[..8]);
    assert_eq!(again[12..20], file[12..20]);
    assert_eq!(again[24..], file[24..]);
}

fn fixture_v3_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v3")
}

const V3_LIB: &[u8] = b"#!lua name=counters
redis.register_function('bump', function(keys, args)
  return redis.call('INCRBY', keys[1], args[1])
end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a counter'}";
const V3_LIB2: &[u8] = b"#!lua name=tags
redis.register_function('tag', function(keys, args) return redis.call('SADD', keys[1], unpack(args)) end)";

/// The commands recorded into fixtures/v3: function libraries (format version 3 added
/// LIBRARY records), one in the snapshot and one loaded (and one deleted) in the log, and
/// the effects of functions that wrote.
const V3_BEFORE_SAVE: &[&[&[u8]]] = &[
    &[b"FUNCTION", b"LOAD", V3_LIB],
    &[b"FCALL", b"bump", b"1", b"hits", b"40"],
    &[
        b"FUNCTION",
        b"LOAD",
        b"#!lua name=gone\nredis.register_function('g', function() return 1 end)",
    ],
];
const V3_AFTER_SAVE: &[&[&[u8]]] = &[
    &[b"FCALL", b"bump", b"1", b"hits", b"2"],
    &[b"FUNCTION", b"LOAD", V3_LIB2],
    &[b"FCALL", b"tag", b"1", b"t", b"a", b"b"],
    &[b"FUNCTION", b"DELETE", b"gone"],
];

#[test]
#[ignore = "writes fixtures/v3; run by hand when the format changes"]
fn regenerate_v3() {
    if std::env::var("EMU_REGEN_FIXTURE").is_err() {
        return;
    }
    record_fixture(
        &fixture_v3_dir(),
        V3_BEFORE_SAVE,
        V3_AFTER_SAVE,
        "fixtures/v3.jsonl",
    );
}

#[test]
fn v3_fixture_opens_with_its_recorded_libraries() {
    let dir = fixture_v3_dir();
    let expected = std::fs::read(dir.with_extension("jsonl")).unwrap();
    let (store, info) = Fixture::new(&dir).open(template()).unwrap();
    assert_eq!(dump_store(&store), expected);
    assert_eq!(info.recorded_at_ms, T_REC);
    assert_eq!(info.records_replayed, V3_AFTER_SAVE.len() as u64);
    let names: Vec<&String> = store.libraries.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["counters", "tags"]);
    let d = Durable::from_store(store);
    assert_eq!(
        run(&d, 0, &[b"FCALL", b"bump", b"1", b"hits", b"1"]),
        Value::Int(43)
    );
    assert_eq!(
        run(&d, 0, &[b"FCALL_RO", b"peek", b"1", b"hits"]),
        Value::bulk("43")
    );
    assert_eq!(run(&d, 0, &[b"SCARD", b"t"]), Value::Int(2));
    // The snapshot holds the libraries loaded before SAVE, and re-encodes byte for byte.
    let snap = files::snapshot_path(&dir, 1);
    let mut only = template();
    let si = snapshot::load(&snap, &mut only).unwrap();
    assert_eq!(
        si.libraries.keys().collect::<Vec<_>>(),
        ["counters", "gone"]
    );
    let mut again = Vec::new();
    snapshot::encode_into(
        &mut again,
        1,
        &only.dbs,
        only.libraries.all(),
        si.rng_state,
        si.recorded_at_ms,
    )
    .unwrap();
    // Same records; the header's version field is the current version (4 added log
    // effect forms only: a version-3 snapshot re-encodes to the same records).
    let file = std::fs::read(&snap).unwrap();
    assert_eq!(&file[8..12], &3u32.to_le_bytes());
    assert_eq!(&again[8..12], &frame::FORMAT_VERSION.to_le_bytes());
    assert_eq!(again[..8], file[..8]);
    assert_eq!(again[12..20], file[12..20]);
    assert_eq!(again[24..], file[24..]);
}

#[test]
fn fixture_files_are_never_modified() {
    let dir = fixture_dir();
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    let opts = Options {
        fsync: AppendFsync::Always,
        ..Options::default()
    };
    for copy in [false, true] {
        let mut f = Fixture::new(&dir);
        if copy {
            f = f.copy_on_open(opts.clone());
        }
        let (store, _) = f.open(template()).unwrap();
        let d = Durable::from_store(store);
        run(&d, 0, &[b"SET", b"new", b"value"]);
        run(&d, 0, &[b"FLUSHALL"]);
        run(&d, 0, &[b"SAVE"]);
    }
    let after: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn two_replays_give_byte_identical_dumps() {
    let script: &[&[&[u8]]] = &[
        &[b"SPOP", b"tags"],
        &[b"SRANDMEMBER", b"ids", b"2"],
        &[b"INCRBYFLOAT", b"counter", b"0.1"],
        &[b"EXPIRE", b"counter", b"100"],
        &[b"SET", b"fresh", b"1", b"PX", b"50"],
        &[b"RPUSH", b"q", b"x"],
        &[b"RANDOMKEY"],
    ];
    let mut dumps = Vec::new();
    for copy in [false, false, true, true] {
        let mut f = Fixture::new(fixture_dir());
        if copy {
            f = f.copy_on_open(Options::default());
        }
        let (store, _) = f.open(template()).unwrap();
        let d = Durable::from_store(store);
        let mut replies = Vec::new();
        for db in 0..3 {
            for argv in script {
                replies.push(format!("{:?}", d.execute_in(db, argv)));
            }
        }
        d.with_store(|s| s.clock = Clock::Manual(T_REC + 60));
        replies.push(format!("{:?}", d.execute_in(0, &[b"GET", b"fresh"])));
        let mut out = d.with_store(|s| dump_store(s));
        out.extend(replies.join("\n").into_bytes());
        dumps.push(out);
    }
    assert_eq!(dumps[0], dumps[1]);
    assert_eq!(dumps[0], dumps[2]);
    assert_eq!(dumps[2], dumps[3]);
    // A fixture at another frozen time sees its TTLs accordingly.
    let (store, _) = Fixture::new(fixture_dir())
        .clock(FixtureClock::At(T_REC + 3_600_000))
        .open(template())
        .unwrap();
    let d = Durable::from_store(store);
    assert_eq!(run(&d, 0, &[b"GET", b"session"]), Value::Nil);
}

fn fixture_v4_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v4")
}

/// The commands recorded into fixtures/v4 (format version 4 added two effect forms to the
/// log): stream writes as Redis 7.0 propagates them — an approximate trim with LIMIT logged
/// as `XADD … MAXLEN = n LIMIT m` / `XTRIM … MAXLEN = n LIMIT m` — and, under
/// `lazyfree-lazy-expire`, an EXPIRE into the past logged as `UNLINK key`.
const V4_BEFORE_SAVE: &[&[&[u8]]] = &[
    &[b"XADD", b"s", b"1-1", b"f", b"a"],
    &[b"XADD", b"s", b"1-2", b"f", b"b"],
    &[b"SET", b"gone", b"x"],
    &[b"SET", b"kept", b"y"],
];
const V4_AFTER_SAVE: &[&[&[u8]]] = &[
    &[
        b"XADD", b"s", b"MAXLEN", b"~", b"1", b"LIMIT", b"5", b"2-1", b"f", b"c",
    ],
    &[b"XADD", b"s", b"maxlen", b"=", b"2", b"2-2", b"f", b"d"],
    &[b"XTRIM", b"s", b"MAXLEN", b"~", b"0", b"LIMIT", b"100"],
    &[b"CONFIG", b"SET", b"lazyfree-lazy-expire", b"yes"],
    &[b"EXPIRE", b"gone", b"-1"],
];

#[test]
#[ignore = "writes fixtures/v4; run by hand when the format changes"]
fn regenerate_v4() {
    if std::env::var("EMU_REGEN_FIXTURE").is_err() {
        return;
    }
    record_fixture(
        &fixture_v4_dir(),
        V4_BEFORE_SAVE,
        V4_AFTER_SAVE,
        "fixtures/v4.jsonl",
    );
}

#[test]
fn v4_fixture_replays_stream_trims_and_lazy_unlinks() {
    let dir = fixture_v4_dir();
    let expected = std::fs::read(dir.with_extension("jsonl")).unwrap();
    let (store, info) = Fixture::new(&dir).open(template()).unwrap();
    assert_eq!(dump_store(&store), expected);
    assert_eq!(info.recorded_at_ms, T_REC);
    // CONFIG SET is not data: four records.
    assert_eq!(info.records_replayed, 4);
    // The log holds the forms version 4 added.
    let log = std::fs::read(files::log_path(&dir, 1)).unwrap();
    let has = |needle: &[u8]| log.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"LIMIT"), "an exact trim with LIMIT");
    assert!(has(b"UNLINK"), "a lazy expiry");
    let d = Durable::from_store(store);
    assert_eq!(run(&d, 0, &[b"EXISTS", b"gone"]), Value::Int(0));
    assert_eq!(run(&d, 0, &[b"GET", b"kept"]), Value::bulk("y"));
    let snap = files::snapshot_path(&dir, 1);
    let file = std::fs::read(&snap).unwrap();
    assert_eq!(&file[8..12], &4u32.to_le_bytes());
}

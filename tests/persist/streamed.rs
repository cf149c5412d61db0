//! The data tools' streaming path (`persist::scan`) against the store path, which stays
//! as the reference: over the committed fixtures and random directories, once compacted
//! so that the snapshot holds all the data, `emu dump` (jsonl, resp, rdb), `emu check` and
//! `emu compact` give byte for byte the same output and files; a directory with log
//! records, or a damaged one, takes the store path.

use std::collections::BTreeMap;
use std::path::Path;

use emu::persist::{tools, Durable};

use crate::common::persist::{opts, run_in as run};
use emu::persist::AppendFsync;

/// A fixed time for the dumps (RDB `ctime`, expiry): after some of the random TTLs.
const NOW: u64 = 1_700_000_000_000;

fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file() && e.file_name() != "LOCK")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Every tool through both paths on a copy of `src` (which may hold log records).
fn compare(src: &Path, label: &str) {
    let tmp = tempfile::tempdir().unwrap();
    // With log records too, the streaming path gives what the store path gives.
    let raw = tmp.path().join("raw");
    copy_dir(src, &raw);
    // (A directory without a snapshot takes the store path.)
    same_through_both_paths(&raw, false, &format!("{label} (as recorded)"));
    // Snapshot only (compacted by the store path).
    let base = tmp.path().join("base");
    copy_dir(src, &base);
    tools::compact_via_store(&base).unwrap();
    same_through_both_paths(&base, true, label);
}

/// `dir` through both paths: every dump format byte for byte (and the key count), the
/// check lines, and the files a compaction leaves. `must_stream`: the streaming path must
/// take the directory (else it may decline, and must then change nothing).
fn same_through_both_paths(dir: &Path, must_stream: bool, label: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let before = files_of(dir);
    for format in [
        tools::Format::Jsonl,
        tools::Format::Resp,
        tools::Format::Rdb,
    ] {
        let mut want = Vec::new();
        let n_want = tools::dump_via_store(dir, format, NOW, &mut want, &mut |_, _| {}).unwrap();
        let mut got = Vec::new();
        let streamed = tools::dump_streamed(dir, format, NOW, &mut got, &mut |_, _| {}).unwrap();
        let Some(n_got) = streamed else {
            assert!(!must_stream, "{label}: {format:?} not streamed");
            assert!(got.is_empty(), "{label}: declined after writing");
            continue;
        };
        assert_eq!(n_got, n_want, "{label}: {format:?} key count");
        assert!(
            want == got,
            "{label}: {format:?} dumps differ ({} vs {} bytes)",
            want.len(),
            got.len()
        );
    }
    // check: the same lines.
    let want = tools::check_via_store(dir).unwrap();
    let got = tools::check(dir, false).unwrap();
    assert_eq!(got.lines, want.lines, "{label}: check");
    assert_eq!(got.ok, want.ok, "{label}");
    assert_eq!(files_of(dir), before, "{label}: dump/check changed files");
    // compact: the same files.
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    copy_dir(dir, &a);
    copy_dir(dir, &b);
    tools::compact_via_store(&a).unwrap();
    if tools::compact_streamed(&b).unwrap() {
        assert_eq!(
            files_of(&a),
            files_of(&b),
            "{label}: compacted files differ"
        );
    } else {
        assert!(!must_stream, "{label}: compaction not streamed");
        assert_eq!(
            files_of(&b),
            before,
            "{label}: the declined compaction changed files"
        );
    }
}

#[test]
fn fixtures_stream_as_the_store_path_writes() {
    for v in ["v1", "v2", "v3"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(v);
        compare(&dir, v);
    }
}

/// A small deterministic generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_dir(dir: &Path, seed: u64) {
    let store = crate::common::persist::manual_store_at(NOW - 50_000, seed);
    let d = Durable::open(dir, opts(AppendFsync::No), store).unwrap();
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    run(
        &d,
        0,
        &[
            b"FUNCTION",
            b"LOAD",
            b"#!lua name=zlib\nredis.register_function('zf', function() return 1 end)",
        ],
    );
    for i in 0..600u64 {
        let db = r.below(4) as usize;
        let key = format!("k{}", r.below(300)).into_bytes();
        let big = r.below(10) == 0;
        let n = if big { 200 } else { 1 + r.below(6) };
        let member = |r: &mut Rng| -> Vec<u8> {
            match r.below(3) {
                0 => r.below(1000).to_string().into_bytes(),
                1 => format!("m{}", r.below(50)).into_bytes(),
                _ => vec![b'x'; 1 + r.below(100) as usize],
            }
        };
        run(&d, db, &[b"DEL", &key]);
        match r.below(6) {
            0 => {
                let v = if r.below(2) == 0 {
                    r.below(1 << 40).to_string().into_bytes()
                } else {
                    member(&mut r)
                };
                run(&d, db, &[b"SET", &key, &v]);
            }
            1 => {
                for _ in 0..n {
                    let m = member(&mut r);
                    run(&d, db, &[b"RPUSH", &key, &m]);
                }
            }
            2 => {
                for _ in 0..n {
                    let (f, v) = (member(&mut r), member(&mut r));
                    run(&d, db, &[b"HSET", &key, &f, &v]);
                }
            }
            3 => {
                for _ in 0..n {
                    let m = member(&mut r);
                    run(&d, db, &[b"SADD", &key, &m]);
                }
            }
            4 => {
                for _ in 0..n {
                    let (s, m) = (r.below(100).to_string(), member(&mut r));
                    run(&d, db, &[b"ZADD", &key, s.as_bytes(), &m]);
                }
            }
            _ => {
                let f = format!("f{i}");
                run(&d, db, &[b"XADD", &key, b"*", f.as_bytes(), b"v"]);
            }
        }
        if r.below(4) == 0 {
            // Some expire before NOW (left out of the RDB), some after.
            let at = (NOW - 25_000 + r.below(50_000)).to_string();
            run(&d, db, &[b"PEXPIREAT", &key, at.as_bytes()]);
        }
    }
    if r.below(2) == 0 {
        run(&d, 0, &[b"SAVE"]);
        run(&d, 1, &[b"SET", b"after-save", b"1"]);
    }
}

#[test]
fn random_directories_stream_as_the_store_path_writes() {
    for seed in 1..=4u64 {
        let tmp = tempfile::tempdir().unwrap();
        random_dir(tmp.path(), seed);
        compare(tmp.path(), &format!("seed {seed}"));
    }
}

/// Writes log records over the data of `dir` (opened with its snapshot): writes of every
/// type, deletes, renames, MOVE/COPY across databases, expiries on both sides of NOW,
/// function loads and deletes, and (with `global`) FLUSHDB, SWAPDB and FLUSHALL.
fn random_records(dir: &Path, seed: u64, global: bool) {
    let store = crate::common::persist::manual_store_at(NOW - 20_000, seed);
    let d = Durable::open(dir, opts(AppendFsync::No), store).unwrap();
    // Errors (WRONGTYPE, MOVE to the same database) are part of the mix.
    let run = |d: &Durable, db: usize, args: &[&[u8]]| {
        let _ = d.execute_in(db, args);
    };
    let mut r = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
    for i in 0..400u64 {
        let db = r.below(4) as usize;
        let key = format!("k{}", r.below(300)).into_bytes();
        let other = format!("k{}", r.below(300)).into_bytes();
        let v = format!("v{i}").into_bytes();
        let to = r.below(4).to_string().into_bytes();
        match r.below(if global { 16 } else { 13 }) {
            0 => run(&d, db, &[b"SET", &key, &v]),
            1 => run(&d, db, &[b"APPEND", &key, &v]),
            2 => run(&d, db, &[b"DEL", &key]),
            3 => run(&d, db, &[b"RENAME", &key, &other]),
            4 => run(&d, db, &[b"MOVE", &key, &to]),
            5 => run(&d, db, &[b"COPY", &key, &other, b"DB", &to, b"REPLACE"]),
            6 => run(&d, db, &[b"RPUSH", &key, &v]),
            7 => run(&d, db, &[b"HSET", &key, b"f", &v]),
            8 => run(&d, db, &[b"SADD", &key, &v]),
            9 => run(&d, db, &[b"ZADD", &key, b"1", &v]),
            10 => {
                let at = (NOW - 10_000 + r.below(20_000)).to_string();
                run(&d, db, &[b"PEXPIREAT", &key, at.as_bytes()])
            }
            11 => run(&d, db, &[b"PERSIST", &key]),
            12 => {
                if r.below(2) == 0 {
                    let code = format!(
                        "#!lua name=lib{i}\nredis.register_function('f{i}', function() return 1 end)"
                    );
                    run(&d, 0, &[b"FUNCTION", b"LOAD", code.as_bytes()])
                } else {
                    run(&d, 0, &[b"FUNCTION", b"DELETE", b"zlib"])
                }
            }
            // Rare, so that the snapshot's keys mostly survive them.
            13 if r.below(20) == 0 => run(&d, db, &[b"FLUSHDB"]),
            14 if r.below(8) == 0 => run(&d, 0, &[b"SWAPDB", &to, db.to_string().as_bytes()]),
            15 if i == 200 && seed % 4 == 0 => run(&d, 0, &[b"FLUSHALL"]),
            _ => run(&d, db, &[b"SET", &key, &v]),
        };
    }
}

/// A directory whose snapshot holds the data and whose log holds records.
fn snapshot_and_records(dir: &Path, seed: u64, global: bool) {
    random_dir(dir, seed);
    tools::compact_via_store(dir).unwrap();
    random_records(dir, seed, global);
}

/// The live log with the most bytes.
fn last_log(dir: &Path) -> std::path::PathBuf {
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs.pop().unwrap()
}

#[test]
fn directories_with_log_records_stream_as_the_store_path_writes() {
    for seed in 1..=6u64 {
        let tmp = tempfile::tempdir().unwrap();
        let global = seed % 2 == 0;
        snapshot_and_records(tmp.path(), seed, global);
        same_through_both_paths(tmp.path(), true, &format!("seed {seed} global {global}"));
    }
}

#[test]
fn torn_tail_streams_as_the_store_path_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    snapshot_and_records(tmp.path(), 21, true);
    let log = last_log(tmp.path());
    let mut bytes = std::fs::read(&log).unwrap();
    // Half a record: its header says more bytes than follow.
    let len = bytes.len();
    let cut = bytes[..len - 5].to_vec();
    bytes.truncate(len);
    std::fs::write(&log, &cut).unwrap();
    same_through_both_paths(tmp.path(), true, "torn tail");
    let got = tools::check(tmp.path(), false).unwrap();
    assert!(!got.ok);
    assert!(
        got.lines
            .iter()
            .any(|l| l.contains("torn tail at byte offset")),
        "{:?}",
        got.lines
    );
}

#[test]
fn damaged_log_record_is_named_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    snapshot_and_records(tmp.path(), 22, false);
    let log = last_log(tmp.path());
    let good = std::fs::read(&log).unwrap();
    // A record in the middle damaged (then one followed by intact records): the streaming
    // path declines, the store path names the file and the offset.
    let mut bad = good.clone();
    let at = good.len() / 2;
    bad[at] ^= 0x5a;
    std::fs::write(&log, &bad).unwrap();
    let mut out = Vec::new();
    assert!(tools::dump_streamed(
        tmp.path(),
        tools::Format::Jsonl,
        NOW,
        &mut out,
        &mut |_, _| {}
    )
    .unwrap()
    .is_none());
    let e = tools::dump(tmp.path(), tools::Format::Jsonl, &mut out).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains(&log.display().to_string()), "{msg}");
    assert!(msg.contains("offset"), "{msg}");
    let want = tools::check_via_store(tmp.path()).unwrap();
    let got = tools::check(tmp.path(), false).unwrap();
    assert_eq!(got.lines, want.lines);
    assert!(!got.ok);
    assert!(!tools::compact_streamed(tmp.path()).unwrap());
    assert!(tools::compact(tmp.path()).is_err());
}

#[test]
fn damaged_snapshot_is_reported_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    random_dir(tmp.path(), 9);
    tools::compact_via_store(tmp.path()).unwrap();
    let snap = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "snap"))
        .unwrap();
    let good = std::fs::read(&snap).unwrap();
    // A flipped byte in a few places: check reports what the store path reports, and the
    // dump fails as it did.
    for at in [0usize, 20, good.len() / 2, good.len() - 3] {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        std::fs::write(&snap, &bad).unwrap();
        let want = tools::check_via_store(tmp.path()).unwrap();
        let got = tools::check(tmp.path(), false).unwrap();
        assert_eq!(got.lines, want.lines, "offset {at}");
        assert!(!got.ok, "offset {at}");
        let mut out = Vec::new();
        assert!(tools::dump(tmp.path(), tools::Format::Jsonl, &mut out).is_err());
    }
    std::fs::write(&snap, &good).unwrap();
}

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
    // With log records the streaming path declines and changes nothing.
    let raw = tmp.path().join("raw");
    copy_dir(src, &raw);
    let before = files_of(&raw);
    let has_records = tools::dump_streamed(
        &raw,
        tools::Format::Jsonl,
        NOW,
        &mut Vec::new(),
        &mut |_, _| {},
    )
    .unwrap()
    .is_none();
    if has_records {
        assert!(!tools::compact_streamed(&raw).unwrap(), "{label}");
        assert_eq!(
            files_of(&raw),
            before,
            "{label}: the declined compaction changed files"
        );
    }
    // Snapshot only (compacted by the store path).
    let base = tmp.path().join("base");
    copy_dir(src, &base);
    tools::compact_via_store(&base).unwrap();
    for format in [
        tools::Format::Jsonl,
        tools::Format::Resp,
        tools::Format::Rdb,
    ] {
        let mut want = Vec::new();
        let n_want = tools::dump_via_store(&base, format, NOW, &mut want, &mut |_, _| {}).unwrap();
        let mut got = Vec::new();
        let n_got = tools::dump_streamed(&base, format, NOW, &mut got, &mut |_, _| {})
            .unwrap()
            .unwrap_or_else(|| panic!("{label}: {format:?} not streamed"));
        assert_eq!(n_got, n_want, "{label}: {format:?} key count");
        assert!(
            want == got,
            "{label}: {format:?} dumps differ ({} vs {} bytes)",
            want.len(),
            got.len()
        );
    }
    // check: the same lines.
    let want = tools::check_via_store(&base).unwrap();
    let got = tools::check(&base, false).unwrap();
    assert_eq!(got.lines, want.lines, "{label}: check");
    assert!(got.ok, "{label}");
    // compact: the same files.
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    copy_dir(&base, &a);
    copy_dir(&base, &b);
    tools::compact_via_store(&a).unwrap();
    assert!(
        tools::compact_streamed(&b).unwrap(),
        "{label}: not streamed"
    );
    assert_eq!(
        files_of(&a),
        files_of(&b),
        "{label}: compacted files differ"
    );
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

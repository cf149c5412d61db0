//! Corruption detection: flip and truncate bytes at every offset of a log and a snapshot.
//! A damaged snapshot, or damage in the middle of a log, must fail to open with an error
//! naming the file and the byte offset; damage confined to the last log record is a torn
//! tail (dropped with a warning). Never a panic, never silently wrong data.

use std::path::{Path, PathBuf};

use emu::engine::Store;
use emu::persist::{self, files, frame, tools, AppendFsync, Durable, Options, PersistError};

fn template() -> Store {
    crate::common::persist::manual_store(3)
}

fn opts() -> Options {
    crate::common::persist::opts(AppendFsync::Always)
}

fn run(d: &Durable, args: &[&str]) {
    crate::common::persist::run_str(d, args);
}

/// A directory with a snapshot (generation 1) and a log with `n` records.
fn build(dir: &Path) -> (PathBuf, PathBuf) {
    let d = Durable::open(dir, opts(), template()).unwrap();
    run(&d, &["SET", "a", "1"]);
    run(&d, &["RPUSH", "l", "x", "y", "z"]);
    run(&d, &["HSET", "h", "f", "v", "g", "w"]);
    run(&d, &["SADD", "s", "m1", "m2", "3"]);
    run(&d, &["SET", "t", "v", "PX", "100000"]);
    run(&d, &["SAVE"]);
    run(&d, &["SET", "b", "2"]);
    run(&d, &["INCR", "a"]);
    run(&d, &["LPUSH", "l", "w"]);
    run(&d, &["HDEL", "h", "f"]);
    run(&d, &["SET", "c", "3"]);
    drop(d);
    let _ = std::fs::remove_file(dir.join(files::LOCK_NAME));
    (files::snapshot_path(dir, 1), files::log_path(dir, 1))
}

fn dump_dir(dir: &Path) -> Result<(String, Vec<String>), PersistError> {
    let (store, info) = persist::open_read_only(dir, template())?;
    let mut out = Vec::new();
    tools::dump_store(&store, tools::Format::Jsonl, &mut out).unwrap();
    Ok((String::from_utf8(out).unwrap(), info.warnings))
}

/// Offsets where each log record starts, plus the file end.
fn boundaries(log: &[u8]) -> Vec<usize> {
    let mut v = vec![frame::HEADER_LEN];
    let mut off = frame::HEADER_LEN;
    while let frame::Next::Record { end, .. } = frame::next_record(log, off) {
        v.push(end);
        off = end;
    }
    assert_eq!(off, log.len());
    v
}

fn assert_names(e: &PersistError, file: &Path) {
    let msg = e.to_string();
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(msg.contains(name), "error does not name {name}: {msg}");
    assert!(msg.contains("byte offset"), "error has no offset: {msg}");
}

#[test]
fn every_log_byte_flip_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (_, log) = build(dir.path());
    let pristine = std::fs::read(&log).unwrap();
    let b = boundaries(&pristine);
    let last_start = b[b.len() - 2];
    let (full, _) = dump_dir(dir.path()).unwrap();
    std::fs::write(&log, &pristine[..last_start]).unwrap();
    let (without_last, _) = dump_dir(dir.path()).unwrap();
    assert_ne!(full, without_last);
    let mut errors = 0;
    for off in 0..pristine.len() {
        for mask in [0x01u8, 0x80] {
            let mut bytes = pristine.clone();
            bytes[off] ^= mask;
            std::fs::write(&log, &bytes).unwrap();
            match dump_dir(dir.path()) {
                Err(e) => {
                    assert!(matches!(e, PersistError::Corrupt { .. }), "{e}");
                    assert_names(&e, &log);
                    errors += 1;
                }
                Ok((state, warnings)) => {
                    // Only damage inside the last record may be read as a torn tail.
                    assert!(off >= last_start, "flip at {off} silently accepted");
                    assert_eq!(state, without_last, "flip at {off}");
                    assert_eq!(warnings.len(), 1, "flip at {off}");
                }
            }
        }
    }
    assert!(errors > pristine.len(), "{errors}");
}

#[test]
fn every_log_truncation_keeps_a_consistent_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let (_, log) = build(dir.path());
    let pristine = std::fs::read(&log).unwrap();
    let b = boundaries(&pristine);
    // State after k whole records.
    let mut states = Vec::new();
    for &end in &b {
        std::fs::write(&log, &pristine[..end]).unwrap();
        states.push(dump_dir(dir.path()).unwrap().0);
    }
    for cut in 0..pristine.len() {
        std::fs::write(&log, &pristine[..cut]).unwrap();
        let r = dump_dir(dir.path());
        if cut < frame::HEADER_LEN {
            let e = r.unwrap_err();
            assert_names(&e, &log);
            continue;
        }
        let (state, warnings) = r.unwrap();
        let whole = b.iter().filter(|&&x| x <= cut).count() - 1;
        assert_eq!(state, states[whole], "cut at {cut}");
        assert_eq!(
            warnings.len(),
            usize::from(!b.contains(&cut)),
            "cut at {cut}"
        );
    }
}

#[test]
fn every_snapshot_flip_and_truncation_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, _) = build(dir.path());
    let pristine = std::fs::read(&snap).unwrap();
    for off in 0..pristine.len() {
        let mut bytes = pristine.clone();
        bytes[off] ^= 0x04;
        std::fs::write(&snap, &bytes).unwrap();
        let e = dump_dir(dir.path())
            .err()
            .unwrap_or_else(|| panic!("flip at {off} accepted"));
        assert_names(&e, &snap);
    }
    for cut in 0..pristine.len() {
        std::fs::write(&snap, &pristine[..cut]).unwrap();
        let e = dump_dir(dir.path())
            .err()
            .unwrap_or_else(|| panic!("cut at {cut} accepted"));
        assert_names(&e, &snap);
    }
    // Trailing garbage is damage too.
    let mut longer = pristine.clone();
    longer.extend_from_slice(b"junk");
    std::fs::write(&snap, &longer).unwrap();
    assert_names(&dump_dir(dir.path()).unwrap_err(), &snap);
}

#[test]
fn mid_log_damage_refuses_open_until_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let (_, log) = build(dir.path());
    let pristine = std::fs::read(&log).unwrap();
    let b = boundaries(&pristine);
    let bad = b[2] + 14; // inside the third record's payload
    let mut bytes = pristine.clone();
    bytes[bad] ^= 0xff;
    std::fs::write(&log, &bytes).unwrap();
    let e = Durable::open(dir.path(), opts(), template()).err().unwrap();
    let msg = e.to_string();
    assert!(msg.contains(&format!("byte offset {}", b[2])), "{msg}");
    assert!(msg.contains("emu check --repair"), "{msg}");
    // check reports it; --repair keeps a copy and truncates at the bad record.
    let rep = tools::check(dir.path(), false).unwrap();
    assert!(!rep.ok);
    assert!(
        rep.lines.iter().any(|l| l.contains("DAMAGED")),
        "{:?}",
        rep.lines
    );
    let rep = tools::check(dir.path(), true).unwrap();
    let kept = rep.dropped_dir.unwrap();
    assert_eq!(
        std::fs::read(kept.join(log.file_name().unwrap())).unwrap(),
        bytes
    );
    assert_eq!(std::fs::metadata(&log).unwrap().len(), b[2] as u64);
    assert!(tools::check(dir.path(), false).unwrap().ok);
    let d = Durable::open(dir.path(), opts(), template()).unwrap();
    // The first two log records survived (SET b, INCR a); the rest was dropped.
    assert_eq!(d.execute(&[b"GET", b"a"]).unwrap(), emu::Value::bulk("2"));
    assert_eq!(d.execute(&[b"GET", b"c"]).unwrap(), emu::Value::Nil);
}

#[test]
fn damaged_snapshot_is_salvaged_by_repair() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, _) = build(dir.path());
    let mut bytes = std::fs::read(&snap).unwrap();
    // Damage the middle of the file (inside some key record).
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    std::fs::write(&snap, &bytes).unwrap();
    let e = Durable::open(dir.path(), opts(), template()).err().unwrap();
    assert_names(&e, &snap);
    let rep = tools::check(dir.path(), true).unwrap();
    assert!(rep
        .dropped_dir
        .unwrap()
        .join(snap.file_name().unwrap())
        .exists());
    let d = Durable::open(dir.path(), opts(), template()).unwrap();
    let n = d.with_store(|s| s.total_keys());
    // One key record was lost at most; the log replays on top.
    assert!((5..=7).contains(&n), "{n}");
}

//! `emu check --repair` repairs: for damage (a flipped byte, or a truncation) at every offset
//! of every file kind — snapshot, log, the 24-byte headers included — once a repair returns
//! Ok, the directory opens and `check` is clean; a second repair changes nothing (no new
//! `dropped-*` folder, no file touched).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use emu::engine::Store;
use emu::persist::{files, tools, AppendFsync, Durable, Options};

fn template() -> Store {
    crate::common::persist::manual_store(3)
}

fn opts() -> Options {
    crate::common::persist::opts(AppendFsync::Always)
}

fn run(d: &Durable, args: &[&str]) {
    crate::common::persist::run_str(d, args);
}

/// A small store: with `snapshot`, a snapshot (generation 1) and a log after it; without,
/// only the log of generation 0.
fn build(dir: &Path, snapshot: bool) {
    let d = Durable::open(dir, opts(), template()).unwrap();
    run(&d, &["SET", "a", "1"]);
    run(&d, &["RPUSH", "l", "x", "y"]);
    run(&d, &["HSET", "h", "f", "v"]);
    if snapshot {
        run(&d, &["SAVE"]);
    }
    run(&d, &["SET", "b", "2"]);
    run(&d, &["INCR", "a"]);
    run(&d, &["SADD", "s", "m"]);
    drop(d);
}

/// Every file of `dir` (recursively, `dropped-*` folders included) with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != files::LOCK_NAME {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for (rel, bytes) in contents(from) {
        std::fs::write(to.join(rel), bytes).unwrap();
    }
}

/// Applies `damage` to `file` in a copy of `pristine` and checks the repair contract.
/// Returns true when the damage was detected (check not clean before the repair).
fn repair_case(pristine: &Path, file: &str, what: &str, damage: impl Fn(&mut Vec<u8>)) -> bool {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    copy_dir(pristine, &dir);
    let path = dir.join(file);
    let mut bytes = std::fs::read(&path).unwrap();
    damage(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    let before = tools::check(&dir, false).unwrap_or_else(|e| panic!("{what}: check: {e}"));
    if before.ok {
        // Undetected damage must at least leave a directory that opens.
        Durable::open(&dir, opts(), template())
            .unwrap_or_else(|e| panic!("{what}: check is clean but open fails: {e}"));
        return false;
    }
    let rep = tools::check(&dir, true).unwrap_or_else(|e| panic!("{what}: repair: {e}"));
    assert!(rep.dropped_dir.is_some(), "{what}: {:?}", rep.lines);
    let after = tools::check(&dir, false).unwrap_or_else(|e| panic!("{what}: check: {e}"));
    assert!(
        after.ok,
        "{what}: not clean after repair: {:?} (repair said {:?})",
        after.lines, rep.lines
    );
    drop(
        Durable::open(&dir, opts(), template()).unwrap_or_else(|e| {
            panic!("{what}: does not open after repair: {e} ({:?})", rep.lines)
        }),
    );
    // A second repair of the repaired directory changes nothing.
    let snapshot = contents(&dir);
    let again = tools::check(&dir, true).unwrap_or_else(|e| panic!("{what}: 2nd repair: {e}"));
    assert!(
        again.ok && again.dropped_dir.is_none(),
        "{what}: {:?}",
        again.lines
    );
    assert_eq!(
        contents(&dir),
        snapshot,
        "{what}: the second repair changed files"
    );
    true
}

fn every_offset(with_snapshot: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("pristine");
    build(&pristine, with_snapshot);
    let names: Vec<String> = contents(&pristine)
        .keys()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), if with_snapshot { 2 } else { 1 }, "{names:?}");
    for name in &names {
        let len = std::fs::metadata(pristine.join(name)).unwrap().len() as usize;
        let mut detected = 0;
        for off in 0..len {
            for mask in [0x01u8, 0x80] {
                let what = format!("{name}: byte {off} ^ {mask:#x}");
                detected += usize::from(repair_case(&pristine, name, &what, |b| b[off] ^= mask));
            }
            let what = format!("{name}: cut at {off}");
            detected += usize::from(repair_case(&pristine, name, &what, |b| b.truncate(off)));
        }
        let what = format!("{name}: trailing junk");
        repair_case(&pristine, name, &what, |b| b.extend_from_slice(b"junk"));
        // Every flip is detected (a flip in a log's last record is a torn tail to repair).
        assert!(
            detected >= 2 * len,
            "{name}: only {detected} of {} detected",
            3 * len
        );
    }
}

#[test]
fn repair_repairs_damage_at_every_offset_of_snapshot_and_log() {
    every_offset(true);
}

#[test]
fn repair_repairs_damage_at_every_offset_of_a_lone_log() {
    every_offset(false);
}

/// The case: a garbage log next to a valid snapshot, and a garbage lone log.
#[test]
fn garbage_log_is_replaced_not_kept() {
    for with_snapshot in [true, false] {
        let tmp = tempfile::tempdir().unwrap();
        let pristine = tmp.path().join("p");
        build(&pristine, with_snapshot);
        let log = if with_snapshot {
            "emu-00000000000000000001.log"
        } else {
            "emu-00000000000000000000.log"
        };
        assert!(repair_case(&pristine, log, "garbage log", |b| {
            b.iter_mut().for_each(|x| *x = b'g')
        }));
    }
}

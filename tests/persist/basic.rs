//! Persistence: reopen restores everything, effects are logged deterministically, the
//! directory lock, SAVE/BGSAVE/BGREWRITEAOF, automatic compaction, fsync failure handling,
//! group commit, torn-tail truncation.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use emu::keyspace::Clock;
use emu::persist::{self, tools, AppendFsync, Durable, Options};
use emu::{ErrorKind, Value};

use crate::common::persist::{manual_store as template, opts};
use crate::common::T0;

fn open(dir: &Path, fsync: AppendFsync) -> Durable {
    Durable::open(dir, opts(fsync), template(42)).unwrap()
}

use crate::common::persist::{run_str as run, run_str_in as run_db};

fn dump(d: &Durable) -> String {
    d.with_store(|s| {
        let mut out = Vec::new();
        tools::dump_store(s, tools::Format::Jsonl, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    })
}

/// ZADD, or (while the sorted-set commands are not merged) the same insert through the
/// store, logged as the equivalent effect-free snapshot content by a SAVE.
fn zadd(d: &Durable, key: &str, members: &[(f64, &str)]) {
    let mut args = vec![b"ZADD".to_vec(), key.as_bytes().to_vec()];
    for (s, m) in members {
        args.push(emu::util::float::fmt_g17(*s).into_bytes());
        args.push(m.as_bytes().to_vec());
    }
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    match d.execute(&argv) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::UnknownCommand => {
            d.with_store(|s| {
                let v = persist::model::DiskValue::ZSet(
                    members
                        .iter()
                        .map(|(sc, m)| (m.as_bytes().to_vec(), *sc))
                        .collect(),
                );
                let obj = v.into_object(&s.config).unwrap();
                s.dbs[0].insert(key.as_bytes(), obj, false);
            });
            run(d, &["SAVE"]);
        }
        Err(e) => panic!("{e}"),
    }
}

fn populate(d: &Durable) {
    run(d, &["SET", "s", "hello"]);
    run(d, &["SET", "bin", "a\u{0}b"]);
    run(d, &["SET", "ttl", "v", "EX", "100"]);
    run(d, &["INCRBYFLOAT", "f", "1.5"]);
    run(d, &["RPUSH", "l", "a", "b", "c"]);
    run(d, &["LPOP", "l"]);
    run(d, &["HSET", "h", "z", "1", "a", "2"]);
    run(d, &["SADD", "set", "x", "y", "z", "w"]);
    run(d, &["SADD", "iset", "3", "1", "2"]);
    zadd(d, "zs", &[(1.5, "a"), (f64::NEG_INFINITY, "b"), (2.0, "c")]);
    run(d, &["PEXPIRE", "h", "5000"]);
    run_db(d, 3, &["SET", "other", "db3"]);
}

#[test]
fn reopen_restores_types_dbs_ttls() {
    let dir = tempfile::tempdir().unwrap();
    let before;
    {
        let d = open(dir.path(), AppendFsync::Everysec);
        populate(&d);
        before = dump(&d);
    }
    let d = open(dir.path(), AppendFsync::Everysec);
    assert_eq!(dump(&d), before);
    assert_eq!(run(&d, &["GET", "s"]), Value::bulk("hello"));
    assert_eq!(run(&d, &["PTTL", "ttl"]), Value::Int(100_000));
    assert_eq!(run(&d, &["PTTL", "h"]), Value::Int(5000));
    assert_eq!(
        run(&d, &["LRANGE", "l", "0", "-1"]),
        Value::bulks(["b", "c"])
    );
    assert_eq!(run_db(&d, 3, &["GET", "other"]), Value::bulk("db3"));
    assert_eq!(run(&d, &["GET", "f"]), Value::bulk("1.5"));
    // Listpack hashes keep their insertion order through a reopen, as in Redis.
    assert_eq!(
        run(&d, &["HKEYS", "h"]),
        Value::Array(vec![Value::bulk("z"), Value::bulk("a")])
    );
    assert_eq!(
        run(&d, &["OBJECT", "ENCODING", "iset"]),
        Value::bulk("intset")
    );
    // After a SAVE the same state comes back from the snapshot alone.
    assert_eq!(run(&d, &["SAVE"]), Value::ok());
    drop(d);
    let d = open(dir.path(), AppendFsync::Everysec);
    assert_eq!(dump(&d), before);
    assert_eq!(
        run(&d, &["HKEYS", "h"]),
        Value::Array(vec![Value::bulk("z"), Value::bulk("a")])
    );
}

#[test]
fn effects_are_logged_not_requests() {
    let dir = tempfile::tempdir().unwrap();
    {
        let d = open(dir.path(), AppendFsync::Always);
        run(&d, &["SET", "k", "v", "EX", "10"]);
        run(&d, &["EXPIRE", "k", "20"]);
        run(&d, &["INCRBYFLOAT", "f", "0.25"]);
        run(&d, &["SADD", "s", "a", "b", "c"]);
        run(&d, &["SPOP", "s"]);
        run(&d, &["GET", "missing"]);
        run(&d, &["SET", "gone", "x", "PX", "1"]);
        d.with_store(|s| s.clock = Clock::Manual(T0 + 10));
        assert_eq!(run(&d, &["GET", "gone"]), Value::Nil);
    }
    let mut seen = Vec::new();
    let log = persist::files::log_path(dir.path(), 0);
    persist::recovery::scan_log(&log, 0, true, |_, b| {
        for e in b.effects {
            let words: Vec<String> = e
                .argv
                .iter()
                .map(|a| String::from_utf8_lossy(a).to_uppercase())
                .collect();
            seen.push(words.join(" "));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(seen[0], format!("SET K V PXAT {}", T0 + 10_000));
    assert_eq!(seen[1], format!("PEXPIREAT K {}", T0 + 20_000));
    assert_eq!(seen[2], "SET F 0.25 KEEPTTL");
    assert_eq!(seen[3], "SADD S A B C");
    assert!(seen[4].starts_with("SREM S "), "{}", seen[4]);
    assert_eq!(seen[5], format!("SET GONE X PXAT {}", T0 + 1));
    assert_eq!(seen[6], "DEL GONE");
    assert_eq!(seen.len(), 7);
}

#[test]
fn random_picks_continue_identically_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let reference = Durable::from_store(template(7));
    let d = Durable::open(dir.path(), opts(AppendFsync::Everysec), template(7)).unwrap();
    let members: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(members.iter().map(|s| s.as_str()));
    for x in [&reference, &d] {
        run(x, &sadd);
        run(x, &["SPOP", "s", "3"]);
        run(x, &["SRANDMEMBER", "s"]);
    }
    drop(d);
    let d = Durable::open(dir.path(), opts(AppendFsync::Everysec), template(999)).unwrap();
    for _ in 0..5 {
        assert_eq!(run(&d, &["SPOP", "s"]), run(&reference, &["SPOP", "s"]));
        assert_eq!(
            run(&d, &["SRANDMEMBER", "s"]),
            run(&reference, &["SRANDMEMBER", "s"])
        );
    }
    // Also after a SAVE (the snapshot carries the RNG state).
    run(&d, &["SAVE"]);
    drop(d);
    let d = Durable::open(dir.path(), opts(AppendFsync::Everysec), template(1)).unwrap();
    assert_eq!(run(&d, &["SPOP", "s"]), run(&reference, &["SPOP", "s"]));
}

#[test]
fn second_open_is_refused_while_locked() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path(), AppendFsync::Everysec);
    let err = Durable::open(dir.path(), opts(AppendFsync::Everysec), template(0))
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("locked by another handle in this process"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    drop(d);
    assert!(Durable::open(dir.path(), opts(AppendFsync::Everysec), template(0)).is_ok());
}

#[test]
fn save_bgsave_bgrewriteaof_compact() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path(), AppendFsync::Everysec);
    populate(&d);
    assert_eq!(run(&d, &["SAVE"]), Value::ok());
    let h = d.with_store(|s| emu::persist::handle_of(s).unwrap());
    let g = h.snapshot_generation();
    assert!(g >= 1);
    let l = persist::files::list(dir.path()).unwrap();
    assert_eq!(l.snapshots, vec![g]);
    assert_eq!(l.logs, vec![g]);
    run(&d, &["SET", "after", "1"]);
    assert_eq!(
        run(&d, &["BGSAVE"]),
        Value::Simple("Background saving started".into())
    );
    h.wait_compaction().unwrap();
    assert_eq!(
        run(&d, &["BGREWRITEAOF"]),
        Value::Simple("Background append only file rewriting started".into())
    );
    h.wait_compaction().unwrap();
    let l = persist::files::list(dir.path()).unwrap();
    assert_eq!(l.snapshots, vec![g + 2]);
    assert_eq!(l.logs, vec![g + 2]);
    let before = dump(&d);
    drop(h);
    drop(d);
    let d = open(dir.path(), AppendFsync::Everysec);
    assert_eq!(dump(&d), before);
    // Arity and syntax errors come from the table / the handler.
    let e = d.execute(&[b"SAVE", b"x"]).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR wrong number of arguments for 'save' command"
    );
    let e = d.execute(&[b"BGSAVE", b"x"]).unwrap_err();
    assert_eq!(e.message(), "ERR syntax error");
    assert_eq!(
        run(&d, &["BGSAVE", "SCHEDULE"]),
        Value::Simple("Background saving started".into())
    );
}

#[test]
fn memory_only_store_accepts_save_commands() {
    let d = Durable::from_store(template(0));
    assert_eq!(run(&d, &["SAVE"]), Value::ok());
    assert_eq!(
        run(&d, &["BGSAVE"]),
        Value::Simple("Background saving started".into())
    );
    assert_eq!(
        run(&d, &["BGREWRITEAOF"]),
        Value::Simple("Background append only file rewriting started".into())
    );
}

#[test]
fn automatic_compaction_by_factor() {
    let dir = tempfile::tempdir().unwrap();
    let o = Options {
        fsync: AppendFsync::No,
        compaction_factor: 1.0,
        compaction_min_bytes: 4096,
        ..Options::default()
    };
    let d = Durable::open(dir.path(), o.clone(), template(0)).unwrap();
    for i in 0..2000 {
        run(&d, &["SET", &format!("k{}", i % 50), &i.to_string()]);
    }
    let h = d.with_store(|s| emu::persist::handle_of(s).unwrap());
    h.wait_compaction().unwrap();
    assert!(h.snapshot_generation() >= 1, "no compaction happened");
    let l = persist::files::list(dir.path()).unwrap();
    assert_eq!(l.snapshots.len(), 1, "{l:?}");
    assert!(l.logs.iter().all(|g| *g >= l.snapshots[0]), "{l:?}");
    let before = dump(&d);
    drop(h);
    drop(d);
    let d = Durable::open(dir.path(), o, template(0)).unwrap();
    assert_eq!(dump(&d), before);
    assert_eq!(run(&d, &["GET", "k49"]), Value::bulk("1999"));
}

#[test]
fn failed_fsync_refuses_further_writes() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(AppendFsync::Always);
    let faults = o.faults.clone();
    let d = Durable::open(dir.path(), o, template(0)).unwrap();
    run(&d, &["SET", "a", "1"]);
    faults.fail_fsync.store(true, Ordering::SeqCst);
    let e = d.execute(&[b"SET", b"b", b"2"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(
        e.message()
            .starts_with("MISCONF Errors writing to the AOF file: "),
        "{}",
        e.message()
    );
    // Even after the device recovers, the failure is never retried or forgotten.
    faults.fail_fsync.store(false, Ordering::SeqCst);
    let e = d.execute(&[b"SET", b"c", b"3"]).unwrap_err();
    assert!(e.message().starts_with("MISCONF "), "{}", e.message());
    // Reads still work.
    assert_eq!(run(&d, &["GET", "a"]), Value::bulk("1"));
    drop(d);
    let d = open(dir.path(), AppendFsync::Always);
    assert_eq!(run(&d, &["GET", "a"]), Value::bulk("1"));
    assert_eq!(run(&d, &["GET", "c"]), Value::Nil);
}

#[test]
fn group_commit_shares_fsyncs() {
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(open(dir.path(), AppendFsync::Always));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let d = d.clone();
            std::thread::spawn(move || {
                for i in 0..40 {
                    run(&d, &["SET", &format!("t{t}:{i}"), "x"]);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stats = d.with_store(|s| emu::persist::handle_of(s).unwrap().stats());
    assert_eq!(stats.records, 320);
    assert!(stats.fsyncs > 0);
    assert!(
        stats.synced_records > stats.fsyncs,
        "no write shared an fsync: {stats:?}"
    );
}

/// Under `everysec` and `no` a write is in the file (the kernel has it) when the call
/// returns, long before the background fsync: a copy of the files taken while the store is
/// still open — what a crash of the process leaves — holds every acknowledged write.
#[test]
fn everysec_and_no_write_to_the_file_before_returning() {
    for fsync in [AppendFsync::Everysec, AppendFsync::No] {
        let dir = tempfile::tempdir().unwrap();
        let d = open(dir.path(), fsync);
        for i in 0..50 {
            run(&d, &["SET", &format!("k{i}"), &format!("v{i}")]);
        }
        run(&d, &["RPUSH", "l", "a", "b"]);
        let copy = tempfile::tempdir().unwrap();
        let l = persist::files::list(dir.path()).unwrap();
        assert!(l.snapshots.is_empty(), "{l:?}");
        for g in &l.logs {
            let from = persist::files::log_path(dir.path(), *g);
            std::fs::copy(&from, persist::files::log_path(copy.path(), *g)).unwrap();
        }
        let stats = d.with_store(|s| emu::persist::handle_of(s).unwrap().stats());
        assert_eq!(stats.records, 51, "{fsync:?}");
        assert!(stats.writes >= 1, "{fsync:?}: {stats:?}");
        if fsync == AppendFsync::No {
            assert_eq!(stats.fsyncs, 0, "policy no never fsyncs: {stats:?}");
        }
        let c = open(copy.path(), fsync);
        for i in 0..50 {
            assert_eq!(
                run(&c, &["GET", &format!("k{i}")]),
                Value::bulk(format!("v{i}").as_str()),
                "{fsync:?}: k{i} not in the file"
            );
        }
        assert_eq!(run(&c, &["LLEN", "l"]), Value::Int(2), "{fsync:?}");
        drop(c);
        drop(d);
    }
}

#[test]
fn torn_tail_is_truncated_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    {
        let d = open(dir.path(), AppendFsync::Always);
        run(&d, &["SET", "a", "1"]);
        run(&d, &["SET", "b", "2"]);
    }
    let log = persist::files::log_path(dir.path(), 0);
    let full = std::fs::read(&log).unwrap();
    // Cut the last record in half.
    std::fs::write(&log, &full[..full.len() - 5]).unwrap();
    let d = open(dir.path(), AppendFsync::Always);
    let h = d.with_store(|s| emu::persist::handle_of(s).unwrap());
    assert_eq!(h.warnings().len(), 1);
    assert!(h.warnings()[0].contains("torn tail"), "{:?}", h.warnings());
    assert_eq!(run(&d, &["GET", "a"]), Value::bulk("1"));
    assert_eq!(run(&d, &["GET", "b"]), Value::Nil);
    run(&d, &["SET", "c", "3"]);
    drop(h);
    drop(d);
    let d = open(dir.path(), AppendFsync::Always);
    assert_eq!(run(&d, &["GET", "c"]), Value::bulk("3"));
    assert_eq!(run(&d, &["GET", "a"]), Value::bulk("1"));
}

#[test]
fn debug_reload_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    for d in [
        open(dir.path(), AppendFsync::Everysec),
        Durable::from_store(template(0)),
    ] {
        populate(&d);
        let before = dump(&d);
        d.execute(&[b"DEBUG", b"RELOAD"]).unwrap();
        assert_eq!(dump(&d), before);
    }
}

/// DEBUG LOADAOF rebuilds the keyspace from the directory (snapshot + log) as a restart
/// would: what was logged comes back (also across a compaction), a change made behind the
/// log's back does not; a memory-only store has no log and answers an error, keeping its
/// data.
#[test]
fn debug_loadaof_replays_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path(), AppendFsync::Everysec);
    populate(&d);
    run(&d, &["XADD", "st", "MAXLEN", "200", "*", "f", "v"]);
    d.execute(&[b"BGREWRITEAOF"]).unwrap();
    run(&d, &["SET", "after", "compaction"]);
    let before = dump(&d);
    // Not logged: LOADAOF must drop it.
    d.with_store(|s| {
        s.dbs[0].insert(
            b"ghost",
            emu::keyspace::Object::string(b"x".to_vec()),
            false,
        )
    });
    assert_eq!(run(&d, &["EXISTS", "ghost"]), Value::Int(1));
    assert_eq!(d.execute(&[b"DEBUG", b"LOADAOF"]).unwrap(), Value::ok());
    assert_eq!(dump(&d), before);
    assert_eq!(run(&d, &["EXISTS", "ghost"]), Value::Int(0));
    // Still logging afterwards.
    run(&d, &["SET", "later", "1"]);
    d.execute(&[b"DEBUG", b"LOADAOF"]).unwrap();
    assert_eq!(run(&d, &["GET", "later"]), Value::bulk("1"));

    let m = Durable::from_store(template(0));
    populate(&m);
    let before = dump(&m);
    let e = m.execute(&[b"DEBUG", b"LOADAOF"]).unwrap_err();
    assert!(
        e.message().contains("needs a data directory"),
        "{}",
        e.message()
    );
    assert_eq!(dump(&m), before);
}

/// The log's windows are mapped ahead by the background thread under `everysec` and `no`
/// and by the writer under `always`: across many window changes, records that cross a
/// window's end, a record larger than a window, a policy change in the middle and a
/// compaction (which replaces the file while a window may be mapped ahead), every write is
/// in the files while the store is open (a crash image), and after the close each log is
/// cut to its records (reopening finds no torn tail).
#[test]
fn log_windows_mapped_ahead_hold_every_write() {
    for (fsync, switch_to) in [
        (AppendFsync::Everysec, None),
        (AppendFsync::No, None),
        (AppendFsync::Always, None),
        (AppendFsync::Everysec, Some("always")),
        (AppendFsync::Always, Some("everysec")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = open(dir.path(), fsync);
        let h = d.with_store(|s| emu::persist::handle_of(s).unwrap());
        // Values of varying sizes, so records end at every offset of a window.
        let value = |i: usize| "x".repeat(700 + (i * 37) % 900);
        let mut expected = Vec::new();
        for i in 0..16_000 {
            if i == 6_000 {
                if let Some(p) = switch_to {
                    run(&d, &["CONFIG", "SET", "appendfsync", p]);
                }
                // One record larger than a whole window.
                run(&d, &["SET", "big", &"b".repeat(5 << 20)]);
            }
            if i == 9_000 {
                run(&d, &["BGREWRITEAOF"]);
                h.wait_compaction().unwrap();
            }
            let k = format!("k{}", i % 5_000);
            run(&d, &["SET", &k, &value(i)]);
            expected.push((k, i));
        }
        let last: std::collections::HashMap<_, _> = expected.into_iter().collect();
        // A copy of the files taken while the store is open: what a crash would leave.
        let copy = tempfile::tempdir().unwrap();
        let l = persist::files::list(dir.path()).unwrap();
        for g in &l.snapshots {
            let from = persist::files::snapshot_path(dir.path(), *g);
            std::fs::copy(&from, persist::files::snapshot_path(copy.path(), *g)).unwrap();
        }
        for g in &l.logs {
            let from = persist::files::log_path(dir.path(), *g);
            std::fs::copy(&from, persist::files::log_path(copy.path(), *g)).unwrap();
        }
        drop(h);
        drop(d);
        for (what, path) in [("crash image", copy.path()), ("closed store", dir.path())] {
            let r = open(path, fsync);
            for (k, i) in &last {
                assert_eq!(
                    run(&r, &["GET", k]),
                    Value::bulk(value(*i).as_str()),
                    "{fsync:?} then {switch_to:?}, {what}: {k}"
                );
            }
            assert_eq!(run(&r, &["STRLEN", "big"]), Value::Int(5 << 20));
            let h = r.with_store(|s| emu::persist::handle_of(s).unwrap());
            if what == "closed store" {
                assert!(
                    h.warnings().is_empty(),
                    "{fsync:?} then {switch_to:?}: {:?}",
                    h.warnings()
                );
            }
        }
    }
}

//! The persistence API on `emu::Redis`: open/reopen, builder options, pipelines, fixtures.

use emu::persist::{AppendFsync, FixtureClock};
use emu::{Redis, Value};

#[test]
fn open_write_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let r = Redis::open(dir.path()).unwrap();
        let _: () = r.cmd("SET").arg("k").arg("v").query().unwrap();
        let _: i64 = r.cmd("RPUSH").arg("l").arg("a").arg("b").query().unwrap();
        let mut p = r.pipeline();
        p.cmd("INCR").arg("n");
        p.cmd("INCR").arg("n");
        p.execute().unwrap();
        let r3 = r.with_db(3);
        let _: () = r3.cmd("SET").arg("other").arg("3").query().unwrap();
        let e = Redis::open(dir.path()).err().unwrap();
        assert!(
            e.message()
                .contains("locked by another handle in this process"),
            "{}",
            e.message()
        );
    }
    let r = Redis::open(dir.path()).unwrap();
    assert_eq!(
        r.cmd("GET").arg("k").query::<Value>().unwrap(),
        Value::bulk("v")
    );
    assert_eq!(
        r.cmd("GET").arg("n").query::<Value>().unwrap(),
        Value::bulk("2")
    );
    assert_eq!(
        r.with_db(3)
            .cmd("GET")
            .arg("other")
            .query::<Value>()
            .unwrap(),
        Value::bulk("3")
    );
    assert_eq!(r.cmd("LLEN").arg("l").query::<i64>().unwrap(), 2);
}

#[test]
fn builder_always_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let r = Redis::builder()
        .appendfsync(AppendFsync::Always)
        .compaction(1.0, u64::MAX)
        .seed(9)
        .open(dir.path())
        .unwrap();
    for i in 0..10 {
        let _: () = r.cmd("SET").arg(format!("k{i}")).arg(i).query().unwrap();
    }
    let h = r.persistence().unwrap();
    assert_eq!(h.fsync_policy(), AppendFsync::Always);
    assert_eq!(h.stats().records, 10);
    assert_eq!(h.stats().synced_records, 10);
    assert_eq!(r.cmd("SAVE").query::<Value>().unwrap(), Value::ok());
    assert!(h.snapshot_generation() >= 1);
    assert!(Redis::new().persistence().is_none());
}

#[test]
fn config_set_appendfsync_changes_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let r = Redis::builder()
        .appendfsync(AppendFsync::No)
        .compaction(1.0, u64::MAX)
        .open(dir.path())
        .unwrap();
    let h = r.persistence().unwrap();
    // CONFIG GET tells the policy the store was opened with.
    let get = |r: &Redis| {
        r.cmd("CONFIG")
            .arg("GET")
            .arg("appendfsync")
            .query::<Vec<String>>()
    };
    assert_eq!(get(&r).unwrap(), ["appendfsync", "no"]);
    let _: () = r.cmd("SET").arg("a").arg(1).query().unwrap();
    assert_eq!(h.stats().fsyncs, 0);
    // always: every acknowledged write is fsynced from the next batch on.
    assert_eq!(
        r.cmd("CONFIG")
            .arg("SET")
            .arg("appendfsync")
            .arg("always")
            .query::<Value>()
            .unwrap(),
        Value::ok()
    );
    for i in 0..5 {
        let _: () = r.cmd("SET").arg(format!("k{i}")).arg(i).query().unwrap();
    }
    assert_eq!(h.fsync_policy(), AppendFsync::Always);
    assert_eq!(h.stats().synced_records, h.stats().records);
    assert!(h.stats().fsyncs >= 5);
    // Back to everysec: writes are no longer waited for by an fsync each.
    r.cmd("CONFIG")
        .arg("SET")
        .arg("appendfsync")
        .arg("everysec")
        .query::<Value>()
        .unwrap();
    let _: () = r.cmd("SET").arg("b").arg(2).query().unwrap();
    assert_eq!(h.fsync_policy(), AppendFsync::Everysec);
    assert_eq!(get(&r).unwrap(), ["appendfsync", "everysec"]);
}

#[test]
fn fixture_through_the_redis_api() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1");
    let r = Redis::fixture(&dir).unwrap();
    assert_eq!(r.now_ms().unwrap(), 1_700_000_000_000);
    assert_eq!(
        r.cmd("GET").arg("counter").query::<Value>().unwrap(),
        Value::bulk("42")
    );
    let _: () = r.cmd("SET").arg("counter").arg("0").query().unwrap();
    let r = Redis::builder()
        .fixture_copy(&dir, FixtureClock::At(1_700_003_600_000))
        .unwrap();
    assert_eq!(
        r.cmd("GET").arg("counter").query::<Value>().unwrap(),
        Value::bulk("42")
    );
    assert_eq!(
        r.cmd("GET").arg("session").query::<Value>().unwrap(),
        Value::Nil
    );
}

/// INFO persistence tells the truth about the log: `aof_enabled:1` while a data directory's
/// log is written, 0 for a memory-only store and for a read-only fixture.
#[test]
fn info_persistence_reports_the_log() {
    let info = |r: &Redis| -> String { r.cmd("INFO").arg("persistence").query().unwrap() };
    let dir = tempfile::tempdir().unwrap();
    let durable = Redis::open(dir.path()).unwrap();
    durable.set("k", "v").unwrap();
    let text = info(&durable);
    assert!(text.contains("aof_enabled:1\r\n"), "{text}");
    assert!(text.contains("aof_last_write_status:ok\r\n"), "{text}");
    assert!(info(&Redis::new()).contains("aof_enabled:0\r\n"));
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1");
    assert!(info(&Redis::fixture(&fixture).unwrap()).contains("aof_enabled:0\r\n"));
}

/// DEBUG RELOAD NOSAVE and NOFLUSH MERGE change the dataset without logging it; the store
/// then writes a new snapshot, so a reopen finds what was in memory.
#[test]
fn debug_reload_options_are_durable() {
    let dir = tempfile::tempdir().unwrap();
    let debug = |r: &Redis, opts: &[&str]| {
        let mut c = r.cmd("DEBUG");
        c = c.arg("RELOAD");
        for o in opts {
            c = c.arg(*o);
        }
        c.query::<Value>().unwrap()
    };
    {
        let r = Redis::open(dir.path()).unwrap();
        r.with_store(|s| {
            s.config
                .set_initial("enable-debug-command", b"yes")
                .unwrap()
        })
        .unwrap();
        let _: () = r.cmd("SET").arg("x").arg("1").query().unwrap();
        assert_eq!(debug(&r, &[]), Value::ok());
        let _: () = r.cmd("SET").arg("y").arg("2").query().unwrap();
        // Back to the snapshot: y is gone.
        assert_eq!(debug(&r, &["NOSAVE"]), Value::ok());
        assert_eq!(r.cmd("EXISTS").arg("y").query::<i64>().unwrap(), 0);
        let _: () = r.cmd("SET").arg("x").arg("changed").query().unwrap();
        // Merged back over the current dataset: x is the snapshot's again.
        assert_eq!(debug(&r, &["NOSAVE", "NOFLUSH", "MERGE"]), Value::ok());
        assert_eq!(
            r.cmd("GET").arg("x").query::<Value>().unwrap(),
            Value::bulk("1")
        );
    }
    let r = Redis::open(dir.path()).unwrap();
    assert_eq!(
        r.cmd("GET").arg("x").query::<Value>().unwrap(),
        Value::bulk("1")
    );
    assert_eq!(r.cmd("EXISTS").arg("y").query::<i64>().unwrap(), 0);
}

//! Persistence through the RESP server: writes over the wire survive a restart, DEBUG
//! RELOAD (save and reload) keeps the data, SAVE/LASTSAVE/BGREWRITEAOF replies, and a
//! failed fsync is never acknowledged.

#![cfg(feature = "server")]

use crate::server_util::Raw;
use emu::persist::AppendFsync;
use emu::server::Server;

fn serve(r: &emu::Redis) -> emu::server::Running {
    Server::new(r.clone())
        .bind("127.0.0.1")
        .port(0)
        .start()
        .unwrap()
}

#[test]
fn writes_survive_a_restart_and_debug_reload_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let r = emu::Redis::builder()
        .appendfsync(AppendFsync::Always)
        .open(dir.path())
        .unwrap();
    // DEBUG over the network needs `enable-debug-command` (local: this test's loopback
    // connection qualifies).
    r.with_store(|s| {
        s.config
            .set_initial("enable-debug-command", b"local")
            .unwrap()
    })
    .unwrap();
    let srv = serve(&r);
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("SET k v"), b"+OK\r\n");
    assert_eq!(c.cmds("RPUSH l a b c"), b":3\r\n");
    assert_eq!(c.cmds("HSET h f 1 g 2"), b":2\r\n");
    assert_eq!(c.cmds("SADD s x y"), b":2\r\n");
    assert_eq!(c.cmds("ZADD z 1 a 2 b"), b":2\r\n");
    assert_eq!(c.cmds("PEXPIRE k 100000"), b":1\r\n");
    assert_eq!(c.cmds("DEBUG RELOAD"), b"+OK\r\n");
    assert_eq!(c.cmds("GET k"), b"$1\r\nv\r\n");
    assert_eq!(
        c.cmds("LRANGE l 0 -1"),
        b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(c.cmds("ZSCORE z b"), b"$1\r\n2\r\n");
    assert_eq!(c.cmds("DBSIZE"), b":5\r\n");
    let last = c.cmds("LASTSAVE");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t: u64 = std::str::from_utf8(&last[1..last.len() - 2])
        .unwrap()
        .parse()
        .unwrap();
    assert!(t + 5 >= now && t <= now, "{t} vs {now}");
    assert_eq!(c.cmds("SAVE"), b"+OK\r\n");
    assert_eq!(
        c.cmds("BGREWRITEAOF"),
        b"+Background append only file rewriting started\r\n"
    );
    r.persistence().unwrap().wait_compaction().unwrap();
    assert_eq!(c.cmds("INCR n"), b":1\r\n");
    drop(c);
    srv.shutdown();
    drop(r);
    let r = emu::Redis::open(dir.path()).unwrap();
    let srv = serve(&r);
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("GET n"), b"$1\r\n1\r\n");
    assert_eq!(c.cmds("HGET h g"), b"$1\r\n2\r\n");
    assert_eq!(c.cmds("SCARD s"), b":2\r\n");
    let pttl = c.cmds("PTTL k");
    assert!(pttl.starts_with(b":") && pttl != b":-1\r\n", "{pttl:?}");
    srv.shutdown();
}

#[test]
fn a_failed_fsync_is_never_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let r = emu::Redis::builder()
        .appendfsync(AppendFsync::Always)
        .open(dir.path())
        .unwrap();
    let faults = r.persistence().unwrap().fault_injector();
    let srv = serve(&r);
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("SET a 1"), b"+OK\r\n");
    faults
        .fail_fsync
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let reply = c.cmds("SET b 2");
    assert!(
        reply.starts_with(b"-MISCONF Errors writing to the AOF file: "),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    let mut c = Raw::connect(srv.addr().unwrap());
    let reply = c.cmds("SET c 3");
    assert!(
        reply.starts_with(b"-MISCONF "),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(c.cmds("GET a"), b"$1\r\n1\r\n");
    srv.shutdown();
}

/// `save <seconds> <changes>` points start a background save (a compaction) once reached, as
/// Redis's serverCron does; `rdb_changes_since_last_save` restarts from what the save
/// covered. A failed save makes writes fail with Redis's MISCONF error while
/// `stop-writes-on-bgsave-error` is on, and the save point retries it after 5 s.
#[test]
fn save_points_save_and_a_failed_save_stops_writes() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let r = emu::Redis::open(dir.path()).unwrap();
    let srv = serve(&r);
    let mut c = Raw::connect(srv.addr().unwrap());
    let field = |c: &mut Raw, name: &str| -> String {
        let info = String::from_utf8(c.cmds("INFO persistence")).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {info}"))
            .to_string()
    };
    let wait = |c: &mut Raw, what: &str, f: &dyn Fn(&mut Raw) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !f(c) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {}",
                String::from_utf8_lossy(&c.cmds("INFO persistence"))
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    assert_eq!(c.cmds("SET k v"), b"+OK\r\n");
    assert_eq!(c.cmds("SET k2 v"), b"+OK\r\n");
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "2");
    assert_eq!(field(&mut c, "rdb_saves"), "0");
    // No save point: nothing happens by itself.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(field(&mut c, "rdb_saves"), "0");
    assert_eq!(c.cmd(&[b"CONFIG", b"SET", b"save", b"1 2"]), b"+OK\r\n");
    wait(&mut c, "the save point's save", &|c| {
        field(c, "rdb_saves") == "1" && field(c, "rdb_bgsave_in_progress") == "0"
    });
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "0");
    assert_eq!(field(&mut c, "rdb_last_bgsave_status"), "ok");
    // One change is below the point's two.
    assert_eq!(c.cmds("SET k v1"), b"+OK\r\n");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(field(&mut c, "rdb_saves"), "1");
    // The next snapshot's name is taken by a directory: that save fails.
    let gens: Vec<u64> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_prefix("emu-")?.split('.').next()?.parse().ok()
        })
        .collect();
    let next = gens.iter().max().unwrap() + 1;
    let blocker = dir.path().join(format!("emu-{next:020}.snap"));
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("x"), b"x").unwrap();
    assert_eq!(c.cmds("SET k v2"), b"+OK\r\n");
    wait(&mut c, "the failed save", &|c| {
        field(c, "rdb_last_bgsave_status") == "err"
    });
    let misconf = b"-MISCONF Redis is configured to save RDB snapshots, but it is currently not \
        able to persist on disk. Commands that may modify the data set are disabled, because \
        this instance is configured to report errors during writes if RDB snapshotting fails \
        (stop-writes-on-bgsave-error option). Please check the Redis logs for details about \
        the RDB error.\r\n";
    assert_eq!(c.cmds("SET k v3"), misconf.to_vec());
    assert_eq!(c.cmds("GET k"), b"$2\r\nv2\r\n");
    assert_eq!(
        c.cmds("CONFIG SET stop-writes-on-bgsave-error no"),
        b"+OK\r\n"
    );
    assert_eq!(c.cmds("SET k v4"), b"+OK\r\n");
    assert_eq!(
        c.cmds("CONFIG SET stop-writes-on-bgsave-error yes"),
        b"+OK\r\n"
    );
    // The save point retries 5 s after the failure.
    std::fs::remove_dir_all(&blocker).unwrap();
    wait(&mut c, "the retried save", &|c| {
        field(c, "rdb_last_bgsave_status") == "ok"
    });
    assert_eq!(c.cmds("SET k v5"), b"+OK\r\n");
    srv.shutdown();
    drop(r);
    let r = emu::Redis::open(dir.path()).unwrap();
    let v: Option<Vec<u8>> = r.get("k").unwrap();
    assert_eq!(v.as_deref(), Some(&b"v5"[..]));
}

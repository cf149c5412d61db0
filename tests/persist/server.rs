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

//! Blocking commands over `emu serve` (raw RESP connections), through the redis-rs adapter
//! (async: a blocked pop holds no executor thread), and byte conformance against a real
//! redis-server for the immediate, error and timeout paths.

#![cfg(feature = "server")]

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use crate::server_util::{start, start_real_redis, Raw};

fn blocked(c: &mut Raw) -> usize {
    let info = c.cmds("INFO clients");
    let text = String::from_utf8_lossy(&info).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("blocked_clients in INFO")
}

fn wait_blocked(c: &mut Raw, n: usize) {
    let start = Instant::now();
    while blocked(c) != n {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "never saw {n} blocked clients"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

fn send(c: &mut Raw, line: &str) {
    let argv: Vec<&[u8]> = line.split(' ').map(|w| w.as_bytes()).collect();
    let mut out = Vec::new();
    emu::resp::encode_request(&mut out, &argv);
    c.send(&out);
}

#[test]
fn woken_by_another_connection() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut a = Raw::connect(addr);
    let mut b = Raw::connect(addr);
    send(&mut a, "BLPOP q1 q2 0");
    wait_blocked(&mut b, 1);
    assert!(a.silent(50));
    assert_eq!(b.cmds("RPUSH q2 x y"), b":2\r\n");
    assert_eq!(a.reply(), b"*2\r\n$2\r\nq2\r\n$1\r\nx\r\n");
    assert_eq!(b.cmds("LRANGE q2 0 -1"), b"*1\r\n$1\r\ny\r\n");
    assert_eq!(blocked(&mut b), 0);

    // Requests pipelined behind a blocked command wait for it.
    a.send(b"BZPOPMAX z 0\r\nPING\r\n");
    wait_blocked(&mut b, 1);
    assert!(a.silent(50));
    assert_eq!(b.cmds("ZADD z 1 m 2 n"), b":2\r\n");
    assert_eq!(a.reply(), b"*3\r\n$1\r\nz\r\n$1\r\nn\r\n$1\r\n2\r\n");
    assert_eq!(a.reply(), b"+PONG\r\n");

    // Timeout, then the next pipelined request.
    a.send(b"BRPOPLPUSH none d 0.1\r\nPING\r\n");
    assert_eq!(a.reply(), b"*-1\r\n");
    assert_eq!(a.reply(), b"+PONG\r\n");

    // RESP3 shapes.
    a.cmds("HELLO 3");
    assert_eq!(a.cmds("BLPOP none 0.05"), b"_\r\n");
    send(&mut a, "BZPOPMIN z2 0");
    wait_blocked(&mut b, 1);
    b.cmds("ZADD z2 1.5 m");
    assert_eq!(a.reply(), b"*3\r\n$2\r\nz2\r\n$1\r\nm\r\n,1.5\r\n");
}

#[test]
fn fifo_across_connections() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut ctl = Raw::connect(addr);
    let mut waiters: Vec<Raw> = Vec::new();
    for i in 0..3 {
        let mut c = Raw::connect(addr);
        send(&mut c, "BRPOP q 10");
        wait_blocked(&mut ctl, i + 1);
        waiters.push(c);
    }
    assert_eq!(ctl.cmds("LPUSH q a b c"), b":3\r\n");
    // RPOP order: a first (the tail), to the longest waiter.
    for (c, want) in waiters.iter_mut().zip(["a", "b", "c"]) {
        assert_eq!(
            c.reply(),
            format!("*2\r\n$1\r\nq\r\n$1\r\n{want}\r\n").into_bytes()
        );
    }
    assert_eq!(blocked(&mut ctl), 0);
}

#[test]
fn disconnect_while_blocked_leaks_nothing() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut ctl = Raw::connect(addr);
    {
        let mut c = Raw::connect(addr);
        send(&mut c, "BLPOP gone 0");
        wait_blocked(&mut ctl, 1);
    }
    wait_blocked(&mut ctl, 0);
    assert_eq!(ctl.cmds("RPUSH gone v"), b":1\r\n");
    assert_eq!(ctl.cmds("LLEN gone"), b":1\r\n");
}

#[test]
fn multi_on_the_server_does_not_block_if_supported() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    if c.cmds("MULTI") != b"+OK\r\n" {
        return; // transactions come from another branch
    }
    assert_eq!(c.cmds("BLPOP k 0"), b"+QUEUED\r\n");
    assert_eq!(c.cmds("EXEC"), b"*1\r\n*-1\r\n");
}

fn run_redis_py(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    let Some(out) = crate::server_util::run_redis_py("redis_py_blocking.py", port, proto) else {
        return;
    };
    assert_eq!(out, "redis-py blocking ok");
}

#[test]
fn redis_py_blocking_resp2() {
    run_redis_py("2");
}

#[test]
fn redis_py_blocking_resp3() {
    run_redis_py("3");
}

#[cfg(feature = "redis-rs")]
#[test]
fn redis_rs_async_blocked_pop_holds_no_thread() {
    use emu::adapters::redis_rs::EmuAsyncConnection;
    use redis::AsyncCommands;
    let store = emu::Redis::new();
    // A single-threaded runtime: if the pop held the thread, the push could never run.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut popper = EmuAsyncConnection::new(&store);
        let mut pusher = EmuAsyncConnection::new(&store);
        let s2 = store.clone();
        let pop = tokio::spawn(async move {
            let v: Option<(String, String)> = popper.blpop("jobs", 5.0).await.unwrap();
            v
        });
        while s2.with_store(|s| s.blocking.blocked_clients()).unwrap() == 0 {
            tokio::task::yield_now().await;
        }
        let _: () = pusher.rpush("jobs", "j1").await.unwrap();
        assert_eq!(pop.await.unwrap(), Some(("jobs".into(), "j1".into())));
        // Timeout path.
        let t = Instant::now();
        let v: Option<(String, String)> = pusher.brpop("none", 0.1).await.unwrap();
        assert_eq!(v, None);
        assert!(t.elapsed() >= Duration::from_millis(100));
    });
}

#[cfg(feature = "redis-rs")]
#[test]
fn redis_rs_sync_adapter_blocks_and_wakes() {
    use emu::adapters::redis_rs::EmuConnection;
    use redis::Commands;
    let store = emu::Redis::new();
    let s2 = store.clone();
    let h = thread::spawn(move || {
        let mut con = EmuConnection::new(&s2);
        let v: Option<(String, String, f64)> = con.bzpopmin("z", 5.0).unwrap();
        v
    });
    while store.with_store(|s| s.blocking.blocked_clients()).unwrap() == 0 {
        thread::sleep(Duration::from_millis(2));
    }
    store.zadd("z", [("m", 4.0)]).unwrap();
    assert_eq!(h.join().unwrap(), Some(("z".into(), "m".into(), 4.0)));
}

// ---------------------------------------------------------------------------------------
// Conformance against a real redis-server
// ---------------------------------------------------------------------------------------

const SCRIPT: &[&str] = &[
    "RPUSH l a b c d e",
    "BLPOP nope l 0",
    "BRPOP l 0.5",
    "BLMOVE l d LEFT RIGHT 0",
    "BRPOPLPUSH l d 1",
    "BLMPOP 0 2 nope l RIGHT COUNT 5",
    "BLMPOP 0 1 d LEFT",
    "ZADD z 1 a 2.5 b 3 c 4 d",
    "BZPOPMIN z 0",
    "BZPOPMAX nope z 0",
    "BZMPOP 0 1 z MIN COUNT 1",
    "BZMPOP 0 1 z MAX COUNT 10",
    "BLPOP none 0.05",
    "BRPOP none1 none2 0.01",
    "BLMOVE none d LEFT LEFT 0.01",
    "BRPOPLPUSH none d 0.01",
    "BLMPOP 0.01 1 none LEFT",
    "BZPOPMIN none 0.01",
    "BZPOPMAX none 0.01",
    "BZMPOP 0.01 1 none MIN",
    "BLPOP k abc",
    "BLPOP k -1",
    "BLPOP k inf",
    "BLPOP k 1e400",
    "BLPOP k nan",
    "BLPOP k",
    "BLMOVE a b up left abc",
    "BLMOVE a b left left abc",
    "BLMPOP abc 1 k left",
    "BLMPOP abc 0 k left",
    "BLMPOP abc 1 k up",
    "BZMPOP abc 1 k up",
    "BZMPOP abc 1 k min",
    "BLMPOP 0.01 0 k left",
    "BLMPOP 0.01 2 k left",
    "BLMPOP 0.01 1 k left COUNT 0",
    "BLMPOP 0.01 1 k left COUNT",
    "BZMPOP abc 0 k min",
    "BZMPOP 0.01 1 k middle",
    "BZMPOP 0.01 1 k min COUNT -1",
    "BZPOPMIN k abc",
    "SET s x",
    "BLPOP s 0.01",
    "BLMOVE s b left left 0.01",
    "RPUSH l2 v",
    "BLMOVE l2 s left left 0.01",
    "BLMOVE nope s left left 0.01",
    "BZPOPMIN s 0.01",
    "BLMPOP 0.01 1 s left",
    "BZMPOP 0.01 1 s min",
    "DEL s",
];

fn run_script(addr: SocketAddr, resp3: bool) -> Vec<(String, Vec<u8>)> {
    let mut c = Raw::connect(addr);
    c.cmds("FLUSHALL");
    if resp3 {
        c.cmds("HELLO 3");
    }
    SCRIPT
        .iter()
        .map(|line| (line.to_string(), c.cmds(line)))
        .collect()
}

#[test]
fn conformance_with_real_redis() {
    let Some(real) = start_real_redis("the blocking conformance test") else {
        return;
    };
    let (_r, srv) = start();
    for resp3 in [false, true] {
        let want = run_script(real.addr, resp3);
        let got = run_script(srv.addr().unwrap(), resp3);
        for ((cmd, w), (_, g)) in want.iter().zip(&got) {
            assert_eq!(
                String::from_utf8_lossy(g),
                String::from_utf8_lossy(w),
                "{cmd} (resp3: {resp3})"
            );
        }
    }
    // Woken replies, compared too.
    for addr in [real.addr, srv.addr().unwrap()] {
        let mut a = Raw::connect(addr);
        let mut b = Raw::connect(addr);
        a.cmds("FLUSHALL");
        send(&mut a, "BZMPOP 0 2 z1 z2 MAX COUNT 2");
        wait_blocked(&mut b, 1);
        b.cmds("ZADD z2 1 a 2 b 3 c");
        assert_eq!(
            a.reply(),
            b"*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        send(&mut a, "BLMOVE src dst RIGHT LEFT 0");
        wait_blocked(&mut b, 1);
        b.cmds("RPUSH src 1 2");
        assert_eq!(a.reply(), b"$1\r\n2\r\n");
        assert_eq!(b.cmds("LRANGE dst 0 -1"), b"*1\r\n$1\r\n2\r\n");
    }
}

#[test]
fn served_blocked_pops_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let r = emu::Redis::builder()
            .appendfsync(emu::persist::AppendFsync::Always)
            .open(dir.path())
            .unwrap();
        let srv = emu::server::Server::new(r.clone())
            .bind("127.0.0.1")
            .port(0)
            .start()
            .unwrap();
        let addr = srv.addr().unwrap();
        let mut a = Raw::connect(addr);
        let mut b = Raw::connect(addr);
        let mut c = Raw::connect(addr);
        send(&mut a, "BLMOVE src dst LEFT RIGHT 0");
        wait_blocked(&mut c, 1);
        send(&mut b, "BZPOPMIN z 0");
        wait_blocked(&mut c, 2);
        assert_eq!(c.cmds("RPUSH src 1 2 3"), b":3\r\n");
        assert_eq!(a.reply(), b"$1\r\n1\r\n");
        assert_eq!(c.cmds("ZADD z 1 m 2 n"), b":2\r\n");
        assert_eq!(b.reply(), b"*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n");
        srv.shutdown();
    }
    let r = emu::Redis::open(dir.path()).unwrap();
    let src: Vec<String> = r.lrange("src", 0, -1).unwrap();
    let dst: Vec<String> = r.lrange("dst", 0, -1).unwrap();
    let z: Vec<String> = r.zrange("z", 0, -1).unwrap();
    assert_eq!(src, vec!["2", "3"]);
    assert_eq!(dst, vec!["1"]);
    assert_eq!(z, vec!["n"]);
}

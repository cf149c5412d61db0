//! Transactions over `emu serve`: raw RESP2/RESP3 reply bytes, per-connection state,
//! watches released when a connection closes, real clients (redis-rs `pipe().atomic()` over
//! TCP and in-process, redis-py), and a conformance run of MULTI/EXEC/WATCH sequences
//! against a real redis-server (byte-identical replies in RESP2 and RESP3).

#![cfg(all(feature = "server", feature = "redis-rs"))]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::server_util::{start, start_real_redis, Raw};

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn resp2_shapes() {
    let (_r, srv) = start();
    let mut a = Raw::connect(srv.addr().unwrap());
    assert_eq!(s(&a.cmds("MULTI")), "+OK\r\n");
    assert_eq!(s(&a.cmds("SET k 1")), "+QUEUED\r\n");
    assert_eq!(s(&a.cmds("HSET h f 1.5")), "+QUEUED\r\n");
    assert_eq!(s(&a.cmds("HGETALL h")), "+QUEUED\r\n");
    assert_eq!(s(&a.cmds("LPUSH k x")), "+QUEUED\r\n");
    assert_eq!(s(&a.cmds("HINCRBYFLOAT h f 1")), "+QUEUED\r\n");
    assert_eq!(
        s(&a.cmds("EXEC")),
        "*5\r\n+OK\r\n:1\r\n*2\r\n$1\r\nf\r\n$3\r\n1.5\r\n\
         -WRONGTYPE Operation against a key holding the wrong kind of value\r\n$3\r\n2.5\r\n"
    );
    assert_eq!(s(&a.cmds("EXEC")), "-ERR EXEC without MULTI\r\n");
    assert_eq!(s(&a.cmds("DISCARD")), "-ERR DISCARD without MULTI\r\n");
    a.cmds("MULTI");
    assert_eq!(
        s(&a.cmds("NOSUCH x")),
        "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n"
    );
    assert_eq!(
        s(&a.cmds("EXEC")),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    // WATCH invalidated by another connection: null array.
    let mut b = Raw::connect(srv.addr().unwrap());
    a.cmds("WATCH k");
    b.cmds("SET k 1");
    a.cmds("MULTI");
    a.cmds("GET k");
    assert_eq!(s(&a.cmds("EXEC")), "*-1\r\n");
}

#[test]
fn resp3_shapes() {
    let (_r, srv) = start();
    let mut a = Raw::connect(srv.addr().unwrap());
    a.cmds("HELLO 3");
    a.cmds("MULTI");
    a.cmds("HSET h f 1.5");
    a.cmds("HGETALL h");
    a.cmds("ZADD z 2 m");
    a.cmds("ZSCORE z m");
    assert_eq!(
        s(&a.cmds("EXEC")),
        "*4\r\n:1\r\n%1\r\n$1\r\nf\r\n$3\r\n1.5\r\n:1\r\n,2\r\n"
    );
    let mut b = Raw::connect(srv.addr().unwrap());
    a.cmds("WATCH h");
    b.cmds("DEL h");
    a.cmds("MULTI");
    assert_eq!(s(&a.cmds("EXEC")), "_\r\n");
}

#[test]
fn a_pipelined_transaction_in_one_write() {
    let (_r, srv) = start();
    let mut a = Raw::connect(srv.addr().unwrap());
    let mut req = Vec::new();
    for argv in [
        &[&b"MULTI"[..]][..],
        &[b"INCR", b"n"],
        &[b"INCR", b"n"],
        &[b"EXEC"],
        &[b"GET", b"n"],
    ] {
        emu::resp::encode_request(&mut req, argv);
    }
    a.send(&req);
    let replies: Vec<String> = (0..5).map(|_| s(&a.reply())).collect();
    assert_eq!(
        replies,
        [
            "+OK\r\n",
            "+QUEUED\r\n",
            "+QUEUED\r\n",
            "*2\r\n:1\r\n:2\r\n",
            "$1\r\n2\r\n"
        ]
    );
}

#[test]
fn closing_a_connection_releases_its_watches() {
    let (r, srv) = start();
    {
        let mut a = Raw::connect(srv.addr().unwrap());
        a.cmds("WATCH x y");
        a.cmds("MULTI");
        a.cmds("SET x 1");
        assert_eq!(r.with_store(|s| s.watches().watched_keys()).unwrap(), 2);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let _: () = r.set("other", 1).unwrap();
        if r.with_store(|s| s.watches().watched_keys() == 0 && s.watches().clients() == 0)
            .unwrap()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "watches of a closed connection leaked"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // The queued SET never ran.
    assert_eq!(r.exists("x").unwrap(), 0);
}

#[test]
fn redis_rs_atomic_pipe_over_tcp() {
    let (_r, srv) = start();
    let client = redis::Client::open(format!("redis://{}/", srv.addr().unwrap())).unwrap();
    let mut con = client.get_connection().unwrap();
    let (a, b): (i64, i64) = redis::pipe()
        .atomic()
        .incr("c", 1)
        .incr("c", 2)
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b), (1, 3));
    // redis::transaction retries on a changed key.
    let mut other = client.get_connection().unwrap();
    let mut calls = 0;
    let (v,): (i64,) = redis::transaction(&mut con, &["c"], |con, pipe| {
        calls += 1;
        let old: i64 = redis::cmd("GET").arg("c").query(con)?;
        if calls == 1 {
            redis::cmd("SET").arg("c").arg(10).exec(&mut other)?;
        }
        pipe.set("c", old + 1).ignore().get("c").query(con)
    })
    .unwrap();
    assert_eq!((calls, v), (2, 11));
}

#[test]
fn redis_rs_atomic_pipe_in_process() {
    use emu::adapters::redis_rs::EmuConnection;
    let store = emu::Redis::new();
    let mut con = EmuConnection::new(&store);
    let mut other = EmuConnection::new(&store);
    let (a, b): (i64, String) = redis::pipe()
        .atomic()
        .incr("c", 5)
        .cmd("ECHO")
        .arg("x")
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b.as_str()), (5, "x"));
    let mut calls = 0;
    let (v,): (i64,) = redis::transaction(&mut con, &["c"], |con, pipe| {
        calls += 1;
        let old: i64 = redis::cmd("GET").arg("c").query(con)?;
        if calls == 1 {
            redis::cmd("INCR").arg("c").exec(&mut other)?;
        }
        pipe.set("c", old * 10).ignore().get("c").query(con)
    })
    .unwrap();
    assert_eq!((calls, v), (2, 60));
    // A queue-time error aborts: the error comes back, nothing applied.
    let e = redis::pipe()
        .atomic()
        .set("d", 1)
        .cmd("NOSUCH")
        .query::<()>(&mut con)
        .unwrap_err();
    assert!(e.to_string().contains("unknown command"), "{e}");
    assert_eq!(store.exists("d").unwrap(), 0);
    // RESP3 too.
    let mut con3 = EmuConnection::resp3(&store);
    let (h,): (std::collections::HashMap<String, String>,) = redis::pipe()
        .atomic()
        .hset("h", "f", "v")
        .ignore()
        .hgetall("h")
        .query(&mut con3)
        .unwrap();
    assert_eq!(h["f"], "v");
}

fn run_redis_py(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    let Some(out) = crate::server_util::run_redis_py("tx_redis_py.py", port, proto) else {
        return;
    };
    assert_eq!(out, format!("tx ok {proto}"));
}

#[test]
fn redis_py_transactions_resp2() {
    run_redis_py("2");
}

#[test]
fn redis_py_transactions_resp3() {
    run_redis_py("3");
}

// ---------------------------------------------------------------------------------------
// Conformance against a real redis-server
// ---------------------------------------------------------------------------------------

/// Scripts: each line is `a CMD…` / `b CMD…` (which connection sends it) or `sleep MS`.
const SCRIPTS: &[&str] = &[
    // Queueing and EXEC.
    "a MULTI|a SET k 1|a INCR k|a GET k|a HSET h f v|a HGETALL h|a ZADD z 1.5 m|a ZSCORE z m|a EXEC|a GET k",
    // State errors; nested MULTI / WATCH inside MULTI do not abort.
    "a EXEC|a DISCARD|a MULTI|a MULTI|a WATCH k|a SET k 2|a EXEC|a MULTI|a SET k 3|a DISCARD|a GET k|a EXEC",
    // Arity errors of the transaction commands.
    "a MULTI x|a EXEC x|a WATCH|a MULTI|a EXEC x|a DISCARD x|a EXEC",
    // Queue-time errors: EXECABORT, nothing applied.
    "a MULTI|a SET a 1|a NOSUCH x|a GET|a SET b 2|a EXEC|a EXISTS a b",
    "a MULTI|a SAVE|a EXEC|a MULTI|a GET|a EXEC|a PING",
    // Runtime errors.
    "a MULTI|a SET a 1|a LPUSH a x|a INCR a|a INCRBY a x|a ZADD a nan m|a EXEC|a GET a",
    // WATCH and writes, same value included.
    "a SET k v|a WATCH k|b SET k v|a MULTI|a GET k|a EXEC|a MULTI|a GET k|a EXEC",
    "a WATCH k|a SET k v|a MULTI|a EXEC",
    "a WATCH k|b SET k v|a UNWATCH|a MULTI|a PING|a EXEC",
    "a SADD s m|a WATCH s missing|b SADD s m|b SREM s zz|b DEL missing|b GET s|a MULTI|a PING|a EXEC",
    "a WATCH k|b SELECT 1|b SET k v|a MULTI|a PING|a EXEC",
    "a WATCH k k|a MULTI|a DISCARD|b SET k v|a MULTI|a PING|a EXEC",
    "a SELECT 2|a WATCH k|b SELECT 2|b INCR k|a MULTI|a PING|a EXEC",
    // Expiry.
    "a SET k v PX 50|a WATCH k|sleep 150|a MULTI|a GET x|a EXEC",
    "a SET k v PX 50|a WATCH k|sleep 150|b GET k|a MULTI|a GET x|a EXEC",
    "a SET k v PX 50|sleep 150|a WATCH k|a MULTI|a GET x|a EXEC",
    "a SET k v PX 50|sleep 150|a WATCH k|b DEL k|a MULTI|a GET x|a EXEC",
    "a SET k v PX 50|sleep 150|a WATCH k|b SET k z|a MULTI|a GET x|a EXEC",
    "a SET k v PX 500|a WATCH k|a MULTI|a GET x|a EXEC",
    // FLUSHDB / FLUSHALL / SWAPDB.
    "a SET z v|a WATCH k|b FLUSHDB|a MULTI|a GET x|a EXEC",
    "a SET k v|a WATCH k|b FLUSHDB|a MULTI|a GET x|a EXEC",
    "a SET k v|a WATCH k|b SELECT 1|b FLUSHDB|a MULTI|a GET x|a EXEC",
    "a SELECT 1|a SET k v|a WATCH k|b FLUSHALL|a MULTI|a GET x|a EXEC",
    "b SELECT 1|b SET k v|a WATCH k|b SWAPDB 0 1|a MULTI|a GET x|a EXEC",
    "b SELECT 1|b SET j v|a WATCH k|b SWAPDB 0 1|a MULTI|a GET x|a EXEC",
    "a SET k v|a WATCH k|b SWAPDB 0 1|a MULTI|a GET k|a EXEC",
    "a SET k v PX 50|sleep 150|a WATCH k|b FLUSHDB|a MULTI|a GET x|a EXEC",
    "a SET k v|a WATCH k|a MULTI|a FLUSHDB|a GET k|a EXEC",
    // RESET and QUIT-free state.
    "a WATCH k|a MULTI|a SET k 1|a RESET|a EXEC|b SET k 2|a MULTI|a GET k|a EXEC",
];

fn run_script(addr: SocketAddr, script: &str, resp3: bool) -> Vec<String> {
    let mut a = Raw::connect(addr);
    let mut b = Raw::connect(addr);
    a.cmds("FLUSHALL");
    if resp3 {
        a.cmds("HELLO 3");
        b.cmds("HELLO 3");
    }
    let mut out = Vec::new();
    for step in script.split('|') {
        let (who, cmd) = step.split_once(' ').unwrap();
        match who {
            "sleep" => std::thread::sleep(Duration::from_millis(cmd.parse().unwrap())),
            "a" => out.push(format!("a {cmd} -> {}", s(&a.cmds(cmd)))),
            "b" => out.push(format!("b {cmd} -> {}", s(&b.cmds(cmd)))),
            _ => panic!("bad step {step}"),
        }
    }
    out
}

#[test]
fn conformance_with_redis_server() {
    let Some(real) = start_real_redis("the transaction conformance test") else {
        return;
    };
    let (_r, srv) = start();
    let emu_addr = srv.addr().unwrap();
    let mut mismatches = Vec::new();
    for resp3 in [false, true] {
        for script in SCRIPTS {
            let want = run_script(real.addr, script, resp3);
            let got = run_script(emu_addr, script, resp3);
            if want != got {
                mismatches.push(format!(
                    "RESP{} {script}\n  redis: {want:?}\n  emu:   {got:?}",
                    if resp3 { 3 } else { 2 }
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// A tiny deterministic generator (SplitMix64), so the generated scripts are reproducible.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Random interleavings of two clients' transaction commands and writes (no timing), one
/// script per line as in [`SCRIPTS`].
fn generated_scripts(seed: u64, n: usize) -> Vec<String> {
    let mut g = Gen(seed);
    let keys = ["k0", "k1", "k2"];
    (0..n)
        .map(|_| {
            let len = 6 + (g.next() % 14) as usize;
            let mut steps = Vec::with_capacity(len);
            for _ in 0..len {
                let who = g.pick(&["a", "a", "b"]);
                let k = g.pick(&keys);
                let k2 = g.pick(&keys);
                let cmd = match g.next() % 20 {
                    0 | 1 => "MULTI".to_string(),
                    2 | 3 => "EXEC".to_string(),
                    4 => "DISCARD".to_string(),
                    5 | 6 => format!("WATCH {k} {k2}"),
                    7 => "UNWATCH".to_string(),
                    8 => format!("SET {k} v"),
                    9 => format!("INCR {k}"),
                    10 => format!("DEL {k}"),
                    11 => format!("GET {k}"),
                    12 => format!("LPUSH {k} x"),
                    13 => g.pick(&["FLUSHDB", "FLUSHALL", "SWAPDB 0 1"]).to_string(),
                    14 => g.pick(&["SELECT 0", "SELECT 1"]).to_string(),
                    15 => g.pick(&["NOSUCH x", "GET", "EXEC x", "WATCH"]).to_string(),
                    16 => format!("EXPIRE {k} 100"),
                    17 => format!("MSET {k} 1 {k2} 2"),
                    18 => format!("RENAME {k} {k2}"),
                    _ => "PING".to_string(),
                };
                steps.push(format!("{who} {cmd}"));
            }
            steps.join("|")
        })
        .collect()
}

#[test]
fn generated_conformance_with_redis_server() {
    let seed = std::env::var("EMU_TX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7458_2026);
    let scripts = generated_scripts(seed, 150);
    // Outcomes the scripts must reach (so the comparison covers them).
    const PATTERNS: [&str; 5] = [
        "EXEC -> *-1",
        "EXEC -> -EXECABORT Transaction discarded because of previous",
        "EXEC -> *",
        "-> +QUEUED",
        "EXEC -> _",
    ];
    let mut seen = [0usize; PATTERNS.len()];
    let Some(real) = start_real_redis("the transaction conformance test") else {
        return;
    };
    let (_r, srv) = start();
    let emu_addr = srv.addr().unwrap();
    let mut mismatches = Vec::new();
    for resp3 in [false, true] {
        for script in &scripts {
            let want = run_script(real.addr, script, resp3);
            let got = run_script(emu_addr, script, resp3);
            for line in &want {
                for (i, pat) in PATTERNS.iter().enumerate() {
                    if line.contains(pat) {
                        seen[i] += 1;
                    }
                }
            }
            if want != got {
                let first = want.iter().zip(&got).position(|(w, g)| w != g);
                mismatches.push(format!(
                    "RESP{} {script}\n  first difference at step {first:?}\n  redis: {want:?}\n  emu:   {got:?}",
                    if resp3 { 3 } else { 2 }
                ));
            }
        }
    }
    for (pat, n) in PATTERNS.iter().zip(seen) {
        assert!(n > 0, "no generated script produced {pat:?}");
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} scripts differ (seed {seed}):\n{}",
        mismatches.len(),
        scripts.len() * 2,
        mismatches.join("\n")
    );
}

#[test]
fn redis_rs_atomic_pipe_async_in_process() {
    use emu::adapters::redis_rs::EmuAsyncConnection;
    let store = emu::Redis::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut con = EmuAsyncConnection::new(&store);
        let (a, b): (i64, i64) = redis::pipe()
            .atomic()
            .incr("c", 1)
            .incr("c", 1)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!((a, b), (1, 2));
        // WATCH on this connection, a write from another: EXEC answers nil.
        let mut other = EmuAsyncConnection::new(&store);
        redis::cmd("WATCH")
            .arg("c")
            .exec_async(&mut con)
            .await
            .unwrap();
        redis::cmd("SET")
            .arg("c")
            .arg(0)
            .exec_async(&mut other)
            .await
            .unwrap();
        let r: Option<(i64,)> = redis::pipe()
            .atomic()
            .incr("c", 1)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(r, None);
    });
    assert_eq!(store.get::<_, i64>("c").unwrap(), 0);
}

/// Clients on several threads of a multi-threaded server race read-modify-write
/// transactions on one counter: WATCH makes every increment land exactly once.
#[test]
fn watchers_racing_over_tcp_lose_nothing() {
    const THREADS: usize = 6;
    const EACH: i64 = 100;
    let (r, srv) = crate::server_util::start_with(|s| s.threads(4));
    let url = format!("redis://{}/", srv.addr().unwrap());
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let client = redis::Client::open(url.as_str()).unwrap();
                let mut con = client.get_connection().unwrap();
                let mut attempts = 0u64;
                for _ in 0..EACH {
                    let () = redis::transaction(&mut con, &["counter"], |con, pipe| {
                        attempts += 1;
                        let v: Option<i64> = redis::cmd("GET").arg("counter").query(con)?;
                        pipe.set("counter", v.unwrap_or(0) + 1).ignore().query(con)
                    })
                    .unwrap();
                }
                attempts
            })
        })
        .collect();
    let attempts: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(
        r.get::<_, i64>("counter").unwrap(),
        THREADS as i64 * EACH,
        "after {attempts} attempts"
    );
}

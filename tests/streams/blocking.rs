//! XREAD/XREADGROUP BLOCK over `emu serve` (compared with a real Redis) and through the
//! redis-rs adapter as an async future.

use std::time::Duration;

use crate::server_util::{start, start_real_redis, Raw};

/// Sends a command without waiting for its reply.
fn send(c: &mut Raw, line: &str) {
    let argv: Vec<&[u8]> = line.split(' ').map(|w| w.as_bytes()).collect();
    let mut out = Vec::new();
    emu::resp::encode_request(&mut out, &argv);
    c.send(&out);
}

/// Blocks two readers (XREAD `$`, XREADGROUP `>`) on a fresh stream, adds one entry from a
/// third connection, and returns the three replies; `FIFO` order is checked by having two
/// group readers where only the first gets the entry.
fn scenario(addr: std::net::SocketAddr) -> Vec<Vec<u8>> {
    let mut admin = Raw::connect(addr);
    admin.cmds("FLUSHALL");
    admin.cmds("XGROUP CREATE q g $ MKSTREAM");
    let mut r1 = Raw::connect(addr);
    let mut g1 = Raw::connect(addr);
    let mut g2 = Raw::connect(addr);
    send(&mut r1, "XREAD BLOCK 5000 STREAMS q $");
    std::thread::sleep(Duration::from_millis(50));
    for g in [&mut g1, &mut g2] {
        send(g, "XREADGROUP GROUP g c1 BLOCK 5000 STREAMS q >");
        std::thread::sleep(Duration::from_millis(50));
    }
    admin.cmds("XADD q 1-1 f v");
    let out = vec![r1.reply(), g1.reply()];
    // The second group reader got nothing (the first took the entry); it times out or is
    // woken by the next entry.
    admin.cmds("XADD q 2-1 f w");
    let mut all = out;
    all.push(g2.reply());
    all.push(admin.cmds("XPENDING q g"));
    all
}

#[test]
fn blocked_reads_over_the_server_match_real_redis() {
    let Some(real) = start_real_redis("the stream blocking test") else {
        return;
    };
    let (_store, srv) = start();
    let expect = scenario(real.addr);
    let got = scenario(srv.addr().expect("tcp"));
    let show = |v: &Vec<Vec<u8>>| {
        v.iter()
            .map(|b| String::from_utf8_lossy(b).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(show(&got), show(&expect));
}

#[cfg(feature = "redis-rs")]
#[test]
fn redis_rs_async_xread_block_holds_no_thread() {
    use emu::adapters::redis_rs::EmuAsyncConnection;
    let store = emu::Redis::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut reader = EmuAsyncConnection::new(&store);
        let mut writer = EmuAsyncConnection::new(&store);
        let s2 = store.clone();
        let read = tokio::spawn(async move {
            let v: redis::Value = redis::cmd("XREAD")
                .arg("BLOCK")
                .arg(5000)
                .arg("STREAMS")
                .arg("q")
                .arg("$")
                .query_async(&mut reader)
                .await
                .unwrap();
            v
        });
        while s2.with_store(|s| s.blocking.blocked_clients()).unwrap() == 0 {
            tokio::task::yield_now().await;
        }
        let _: String = redis::cmd("XADD")
            .arg("q")
            .arg("7-0")
            .arg("f")
            .arg("v")
            .query_async(&mut writer)
            .await
            .unwrap();
        let v = read.await.unwrap();
        assert!(format!("{v:?}").contains("7-0"), "{v:?}");
    });
}

fn run_redis_py(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().expect("tcp").port();
    let Some(out) = crate::server_util::run_redis_py("redis_py_streams.py", port, proto) else {
        return;
    };
    assert_eq!(out, "redis-py streams ok");
}

/// redis-py's stream API (`xadd` … `xinfo_consumers`, a blocking `xread`) against
/// `emu serve`; the script's expectations were checked against Redis 7.0.15.
#[test]
fn redis_py_stream_api_resp2() {
    run_redis_py("2");
}

#[test]
fn redis_py_stream_api_resp3() {
    run_redis_py("3");
}

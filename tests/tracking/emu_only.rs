//! Tracking checks on emu alone.

use super::server_util::{run_redis_py, start, Raw};

/// Sends `req` and a PING; counts the keys of the invalidation pushes received before the
/// PING's reply.
fn invalidated_keys(raw: &mut Raw, req: &[u8]) -> usize {
    let mut req = req.to_vec();
    req.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    raw.send(&req);
    let mut n = 0;
    loop {
        let f = raw.reply();
        if f == b"+PONG\r\n" {
            return n;
        }
        let s = String::from_utf8_lossy(&f).into_owned();
        if !s.starts_with('>') {
            continue; // a GET's reply (its push may precede it)
        }
        assert!(s.starts_with(">2\r\n$10\r\ninvalidate\r\n"), "{s:?}");
        n += s.matches("\r\n$").count() - 1;
    }
}

/// Over `tracking-table-max-keys`, keys leave the table with an invalidation each, and the
/// INFO figures follow.
#[test]
fn the_table_is_bounded_by_tracking_table_max_keys() {
    let (redis, running) = start();
    let addr = running.addr().expect("tcp");
    let mut c = Raw::connect(addr);
    c.cmds("HELLO 3");
    assert_eq!(c.cmds("CONFIG SET tracking-table-max-keys 5"), b"+OK\r\n");
    assert_eq!(c.cmds("CLIENT TRACKING on"), b"+OK\r\n");
    // One pipeline: 20 GETs and a PING. Before every command the table is brought back
    // under the limit, so by the PING's reply 15 of the 20 keys were dropped, each with an
    // invalidation.
    let mut req = Vec::new();
    for i in 0..20 {
        emu::resp::encode_request(&mut req, &[b"GET".as_slice(), format!("k{i}").as_bytes()]);
    }
    let dropped = invalidated_keys(&mut c, &req);
    assert_eq!(dropped, 15);
    redis
        .with_store(|s| {
            assert_eq!(s.tracking.total_keys(), 5);
            assert_eq!(s.tracking.clients(), 1);
        })
        .unwrap();
    assert_eq!(
        c.cmds("CONFIG GET tracking-table-max-keys"),
        b"%1\r\n$23\r\ntracking-table-max-keys\r\n$1\r\n5\r\n"
    );
    assert_eq!(c.cmds("CLIENT TRACKING off"), b"+OK\r\n");
    redis
        .with_store(|s| assert_eq!(s.tracking.clients(), 0))
        .unwrap();
}

/// A tracking connection that goes away leaves no tracking client behind.
#[test]
fn a_closed_connection_stops_tracking() {
    let (redis, running) = start();
    let addr = running.addr().expect("tcp");
    {
        let mut c = Raw::connect(addr);
        c.cmds("HELLO 3");
        c.cmds("CLIENT TRACKING on BCAST PREFIX p");
        c.cmds("GET x");
        redis
            .with_store(|s| {
                assert_eq!(s.tracking.clients(), 1);
                assert_eq!(s.tracking.total_prefixes(), 1);
            })
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let n = redis
            .with_store(|s| (s.tracking.clients(), s.tracking.total_prefixes()))
            .unwrap();
        if n == (0, 0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still tracking: {n:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// redis-py 8's client-side cache (RESP3) against emu: cached reads, invalidation by
/// another client's write, by expiry and by FLUSHALL.
#[test]
fn redis_py_client_side_cache_works() {
    let (_redis, running) = start();
    let port = running.addr().expect("tcp").port();
    let Some(out) = run_redis_py("tracking_cache.py", port, "3") else {
        return;
    };
    assert_eq!(out, "ok", "{out}");
}

/// A persistent store served by `emu serve` runs its timer on the server's runtime: keys
/// that expire there reach BCAST trackers as invalidations too (they did only for
/// in-memory stores; Redis's own suite, unit/tracking "Tracking gets notification of
/// expired keys", with the suite's emu started with `--dir`).
#[test]
fn a_persistent_store_sends_invalidations_of_expired_keys() {
    let dir = tempfile::tempdir().unwrap();
    let redis = emu::Redis::open(dir.path().join("db")).unwrap();
    let running = emu::server::Server::new(redis)
        .port(0)
        .start()
        .expect("server starts");
    let addr = running.addr().unwrap();
    let mut redirect = Raw::connect(addr);
    let id = String::from_utf8(redirect.cmds("CLIENT ID")).unwrap();
    let id = id.trim_start_matches(':').trim().to_string();
    redirect.cmds("SUBSCRIBE __redis__:invalidate");
    let mut c = Raw::connect(addr);
    assert_eq!(
        c.cmds(&format!("CLIENT TRACKING on BCAST REDIRECT {id} NOLOOP")),
        b"+OK\r\n"
    );
    assert_eq!(c.cmds("SET mykey myval px 1"), b"+OK\r\n");
    assert_eq!(c.cmds("SET other myval"), b"+OK\r\n");
    // Active expiry reclaims the key within a few timer periods (100 ms at hz 10).
    let push = String::from_utf8_lossy(&redirect.reply()).into_owned();
    assert_eq!(
        push,
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$5\r\nmykey\r\n"
    );
}

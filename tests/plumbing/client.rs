//! Client plumbing: redis-py-style construction (shared stores per address, db, password,
//! socket_timeout, decode_responses), ConnectionPool, from_url and Sentinel — the seed's
//! "Connection Management" examples translated, plus isolation and threading checks.
//!
//! Tests in this binary run in parallel and share the process-wide address registry, so
//! each test uses its own port (or, for the default `localhost:6379`, its own keys).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use emu::{from_url, ConnectionPool, ErrorKind, Redis, Sentinel, Value};

fn get(r: &Redis, k: &str) -> Option<String> {
    r.get(k).unwrap()
}

// ---------------------------------------------------------------------------------------
// Construction (seed: Connection Management)
// ---------------------------------------------------------------------------------------

#[test]
fn seed_basic_connection_shares_the_store_of_its_address() {
    // redis = Redis(host='localhost', port=6379, db=0)
    let a = Redis::options()
        .host("localhost")
        .port(17001)
        .db(0)
        .connect()
        .unwrap();
    let b = Redis::options()
        .host("127.0.0.1")
        .port(17001)
        .connect()
        .unwrap();
    let other_port = Redis::options().port(17002).connect().unwrap();
    let _: () = a.set("user", "john").unwrap();
    assert_eq!(get(&b, "user").as_deref(), Some("john"));
    assert_eq!(get(&other_port, "user"), None);
    assert!(a.same_store(&b));
    assert!(!a.same_store(&other_port));
    assert_eq!(a.address(), Some("localhost:17001"));
    // A private store is reachable by no address.
    let private = Redis::new();
    assert_eq!(get(&private, "user"), None);
    assert_eq!(private.address(), None);
}

#[test]
fn connect_with_struct_literal() {
    let r = Redis::connect(emu::ConnectOptions {
        port: 17003,
        db: 4,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(r.db(), 4);
    let v: Value = r.cmd("CLIENT").arg("INFO").query().unwrap();
    let (Value::Verbatim(_, text) | Value::Bulk(text)) = v else {
        panic!("unexpected {v:?}")
    };
    assert!(String::from_utf8_lossy(text.as_ref()).contains(" db=4 "));
}

#[test]
fn store_lives_while_a_handle_does() {
    let a = Redis::options().port(17004).connect().unwrap();
    let _: () = a.set("k", "v").unwrap();
    let b = Redis::options().port(17004).connect().unwrap();
    drop(a);
    assert_eq!(get(&b, "k").as_deref(), Some("v"));
    drop(b);
    // Every handle gone: the next client finds a fresh store.
    let c = Redis::options().port(17004).connect().unwrap();
    assert_eq!(get(&c, "k"), None);
}

#[test]
fn seed_with_authentication_and_socket_timeout() {
    // redis = Redis(host='localhost', port=6379, password='secret', socket_timeout=5.0)
    let r = Redis::options()
        .host("localhost")
        .port(17010)
        .password("secret")
        .socket_timeout(Duration::from_secs_f64(5.0))
        .connect()
        .unwrap();
    assert_eq!(r.socket_timeout(), Some(Duration::from_secs(5)));
    let _: () = r.set("k", "v").unwrap();
    // The store this connection created requires the password.
    let cfg: Vec<String> = r
        .cmd("CONFIG")
        .arg("GET")
        .arg("requirepass")
        .query()
        .unwrap();
    assert_eq!(cfg, vec!["requirepass", "secret"]);

    // No password: connects, but commands are refused as by Redis.
    let anon = Redis::options().port(17010).connect().unwrap();
    let e = anon.get::<_, Option<String>>("k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.message(), "NOAUTH Authentication required.");
    // Pipelines go through the same check: a transaction fails as a whole…
    let mut t = anon.pipeline();
    t.cmd("GET").arg("k");
    assert_eq!(t.execute().unwrap_err().kind(), ErrorKind::Auth);
    // …and a plain batch reports the error in its slot.
    let mut p = anon.pipeline_batch();
    p.cmd("GET").arg("k");
    assert_eq!(
        p.execute().unwrap(),
        vec![Value::Error("NOAUTH Authentication required.".into())]
    );
    // ... until it authenticates (AUTH is allowed unauthenticated).
    let wrong = anon.cmd("AUTH").arg("nope").query::<Value>().unwrap_err();
    assert_eq!(
        wrong.message(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    let _: () = anon.cmd("AUTH").arg("secret").query().unwrap();
    assert_eq!(get(&anon, "k").as_deref(), Some("v"));
    // with_db keeps the auth state.
    assert_eq!(get(&anon.with_db(0), "k").as_deref(), Some("v"));

    // Wrong password: the connection fails as redis-py's does.
    let e = Redis::options()
        .port(17010)
        .password("wrong")
        .connect()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(
        e.message(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    // username + password: only `default` exists.
    assert!(Redis::options()
        .port(17010)
        .username("default")
        .password("secret")
        .connect()
        .is_ok());
    let e = Redis::options()
        .port(17010)
        .username("bob")
        .password("secret")
        .connect()
        .unwrap_err();
    assert_eq!(
        e.message(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
}

#[test]
fn password_to_an_existing_store_without_one_is_refused() {
    let _first = Redis::options().port(17011).connect().unwrap();
    let e = Redis::options()
        .port(17011)
        .password("secret")
        .connect()
        .unwrap_err();
    assert_eq!(
        e.message(),
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
    );
}

#[test]
fn config_set_requirepass_applies_to_new_clients() {
    let admin = Redis::options().port(17012).connect().unwrap();
    let _: () = admin
        .cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("pw")
        .query()
        .unwrap();
    // The already-connected client stays authenticated (as in Redis).
    let _: () = admin.set("a", 1).unwrap();
    let late = Redis::options().port(17012).connect().unwrap();
    assert_eq!(
        late.get::<_, Option<String>>("a").unwrap_err().message(),
        "NOAUTH Authentication required."
    );
    let ok = Redis::options()
        .port(17012)
        .password("pw")
        .connect()
        .unwrap();
    assert_eq!(get(&ok, "a").as_deref(), Some("1"));
}

#[test]
fn decode_responses_is_recorded() {
    let r = Redis::options()
        .port(17013)
        .decode_responses(true)
        .connect()
        .unwrap();
    assert!(r.decode_responses());
    assert!(!Redis::new().decode_responses());
    // Replies are typed per call either way.
    let _: () = r.set("k", "é").unwrap();
    let s: String = r.get("k").unwrap();
    let b: Vec<u8> = r.get("k").unwrap();
    assert_eq!((s.as_str(), b.as_slice()), ("é", "é".as_bytes()));
}

#[test]
fn seed_multiple_databases() {
    // redis_cache = Redis(db=0); redis_sessions = Redis(db=1); redis_tasks = Redis(db=2)
    let cache = Redis::options().db(0).connect().unwrap();
    let sessions = Redis::options().db(1).connect().unwrap();
    let tasks = Redis::options().db(2).connect().unwrap();
    assert!(cache.same_store(&sessions) && sessions.same_store(&tasks));
    let _: () = cache.set("plumbing:multi", "cache").unwrap();
    let _: () = sessions.set("plumbing:multi", "session").unwrap();
    assert_eq!(get(&cache, "plumbing:multi").as_deref(), Some("cache"));
    assert_eq!(get(&sessions, "plumbing:multi").as_deref(), Some("session"));
    assert_eq!(get(&tasks, "plumbing:multi"), None);
    // A second db-1 client sees db 1's data.
    let sessions2 = Redis::options().db(1).connect().unwrap();
    assert_eq!(
        get(&sessions2, "plumbing:multi").as_deref(),
        Some("session")
    );
    cache.delete("plumbing:multi").unwrap();
    sessions.delete("plumbing:multi").unwrap();
}

#[test]
fn db_out_of_range_fails_on_connect() {
    let e = Redis::options().port(17014).db(16).connect().unwrap_err();
    assert_eq!(e.message(), "ERR DB index is out of range");
}

#[test]
fn select_on_one_handle_does_not_move_another() {
    let a = Redis::options().port(17015).connect().unwrap();
    let b = Redis::options().port(17015).connect().unwrap();
    let _: () = a.cmd("SELECT").arg(5).query().unwrap();
    assert_eq!((a.db(), b.db()), (5, 0));
}

#[test]
fn client_name_is_set_on_connect() {
    let r = Redis::options()
        .port(17016)
        .client_name("worker-1")
        .connect()
        .unwrap();
    let name: Option<String> = r.cmd("CLIENT").arg("GETNAME").query().unwrap();
    assert_eq!(name.as_deref(), Some("worker-1"));
}

#[test]
fn same_address_across_threads_is_one_store() {
    const THREADS: usize = 8;
    const N: usize = 500;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                // Each thread connects on its own, spelling the host differently.
                let host = if i % 2 == 0 { "localhost" } else { "127.0.0.1" };
                let r = Redis::options().host(host).port(17020).connect().unwrap();
                barrier.wait();
                for _ in 0..N {
                    let _: i64 = r.incr("counter").unwrap();
                }
                r
            })
        })
        .collect();
    let clients: Vec<Redis> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let total: i64 = clients[0].get("counter").unwrap();
    assert_eq!(total, (THREADS * N) as i64);
}

// ---------------------------------------------------------------------------------------
// ConnectionPool
// ---------------------------------------------------------------------------------------

#[test]
fn seed_connection_pool() {
    // pool = ConnectionPool(host='localhost', port=6379, db=0, max_connections=10)
    // redis = Redis(connection_pool=pool)
    let pool = ConnectionPool::new(Redis::options().host("localhost").port(17030).db(0))
        .max_connections(10);
    let r = Redis::from_pool(&pool).unwrap();
    let _: () = r.set("pooled", "yes").unwrap();
    let c = pool.get().unwrap();
    assert_eq!(get(&c, "pooled").as_deref(), Some("yes"));
    // The pool's store is the address's store.
    let direct = Redis::options().port(17030).connect().unwrap();
    assert!(direct.same_store(&c));
    assert_eq!(pool.max(), 10);
}

#[test]
fn pool_exhaustion_is_redis_py_too_many_connections() {
    let pool = ConnectionPool::new(Redis::options().port(17031)).max_connections(10);
    let held: Vec<_> = (0..10).map(|_| pool.get().unwrap()).collect();
    assert_eq!((pool.in_use(), pool.idle()), (10, 0));
    let e = pool.get().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert_eq!(e.message(), "Too many connections");
    // from_pool handles hold no pooled connection.
    assert!(Redis::from_pool(&pool).is_ok());
    drop(held);
    assert_eq!((pool.in_use(), pool.idle()), (0, 10));
    // Returned connections are reused, not re-created.
    let ids: Vec<i64> = (0..10)
        .map(|_| pool.get().unwrap())
        .collect::<Vec<_>>()
        .iter()
        .map(|c| c.cmd("CLIENT").arg("ID").query().unwrap())
        .collect();
    assert_eq!(ids.len(), 10);
    assert_eq!(pool.idle(), 10);
}

#[test]
fn pooled_connections_have_their_own_db() {
    let pool = ConnectionPool::new(Redis::options().port(17032).db(2)).max_connections(3);
    let a = pool.get().unwrap();
    let b = pool.get().unwrap();
    assert_eq!((a.db(), b.db()), (2, 2));
    let _: () = a.cmd("SELECT").arg(7).query().unwrap();
    let _: () = a.set("k", "in7").unwrap();
    let _: () = b.set("k", "in2").unwrap();
    assert_eq!((a.db(), b.db()), (7, 2));
    assert_eq!(get(&b, "k").as_deref(), Some("in2"));
    let _: () = a.cmd("CLIENT").arg("SETNAME").arg("dirty").query().unwrap();
    drop(a);
    drop(b);
    // A returned connection comes back reset to the pool's db, unnamed.
    let (c, d) = (pool.get().unwrap(), pool.get().unwrap());
    assert_eq!((c.db(), d.db()), (2, 2));
    for x in [&c, &d] {
        let name: Option<String> = x.cmd("CLIENT").arg("GETNAME").query().unwrap();
        assert_eq!(name, None);
        assert_eq!(get(x, "k").as_deref(), Some("in2"));
    }
}

#[test]
fn pool_with_password_authenticates_every_connection() {
    let pool = ConnectionPool::new(Redis::options().port(17033).password("pw")).max_connections(2);
    let a = pool.get().unwrap();
    let _: () = a.set("k", "v").unwrap();
    drop(a);
    // Reused after RESET: still authenticated.
    let a = pool.get().unwrap();
    assert_eq!(get(&a, "k").as_deref(), Some("v"));
    let bad = ConnectionPool::new(Redis::options().port(17033).password("bad"));
    assert_eq!(
        bad.get().unwrap_err().message(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    // A failed connect does not leak a slot.
    assert_eq!(bad.in_use(), 0);
}

#[test]
fn pool_never_exceeds_max_across_threads() {
    const MAX: usize = 3;
    let pool = ConnectionPool::new(Redis::options().port(17034))
        .max_connections(MAX)
        .blocking(None);
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (pool, live, peak) = (pool.clone(), live.clone(), peak.clone());
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let c = pool.get().unwrap();
                    let now = live.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let _: i64 = c.incr("n").unwrap();
                    std::thread::sleep(Duration::from_micros(300));
                    live.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(peak.load(Ordering::SeqCst) <= MAX);
    assert!(peak.load(Ordering::SeqCst) >= 2, "threads never overlapped");
    let n: i64 = pool.get().unwrap().get("n").unwrap();
    assert_eq!(n, 160);
    assert!(pool.idle() <= MAX);
}

#[test]
fn blocking_pool_waits_then_times_out() {
    let pool = ConnectionPool::new(Redis::options().port(17035))
        .max_connections(1)
        .blocking(Some(Duration::from_millis(100)));
    let held = pool.get().unwrap();
    let t0 = Instant::now();
    let e = pool.get().unwrap_err();
    assert!(t0.elapsed() >= Duration::from_millis(90));
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Connection, "No connection available.")
    );
    // A connection returned while waiting is handed over.
    let pool2 = pool.clone().blocking(Some(Duration::from_secs(10)));
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
    });
    let got = pool2.get().unwrap();
    releaser.join().unwrap();
    let _: () = got.set("ok", 1).unwrap();
}

#[test]
fn memory_pool_is_one_store() {
    let pool = ConnectionPool::from_url("emu://memory?max_connections=2").unwrap();
    let a = pool.get().unwrap();
    let b = pool.get().unwrap();
    assert!(a.same_store(&b));
    assert_eq!(pool.get().unwrap_err().message(), "Too many connections");
    assert!(Redis::from_pool(&pool).unwrap().same_store(&a));
}

// ---------------------------------------------------------------------------------------
// from_url
// ---------------------------------------------------------------------------------------

#[test]
fn seed_from_url() {
    // redis = from_url('redis://localhost:6379/0')
    let r = from_url("redis://localhost:17040/0").unwrap();
    let direct = Redis::options().port(17040).connect().unwrap();
    assert!(r.same_store(&direct));
    assert_eq!(r.db(), 0);
    // redis = from_url('redis://:password@localhost:6379/0')
    let p = from_url("redis://:password@localhost:17041/0").unwrap();
    let _: () = p.set("k", "v").unwrap();
    let anon = from_url("redis://localhost:17041/0").unwrap();
    assert_eq!(
        anon.get::<_, Option<String>>("k").unwrap_err().message(),
        "NOAUTH Authentication required."
    );
    let e = from_url("redis://:nope@localhost:17041/0").unwrap_err();
    assert_eq!(
        e.message(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    let user = from_url("redis://default:password@localhost:17041").unwrap();
    assert_eq!(get(&user, "k").as_deref(), Some("v"));
}

/// `redis://` next to a real server: refused (it would silently make a separate
/// in-process store), naming the explicit `emu://host:port` form, which works; once the
/// in-process store of the address exists, `redis://` shares it as before.
#[test]
fn redis_url_refuses_an_address_where_a_server_listens() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{port}/0");
    let e = from_url(&url).unwrap_err();
    assert_eq!(e.kind(), emu::ErrorKind::Connection);
    let msg = e.message();
    assert!(
        msg.starts_with(&format!("{url}: a server is listening")),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("use emu://127.0.0.1:{port}/0")),
        "{msg}"
    );
    let e = ConnectionPool::from_url(&format!("redis://localhost:{port}")).unwrap_err();
    assert!(
        e.message().contains("a server is listening"),
        "{}",
        e.message()
    );
    // The explicit in-process form works; afterwards redis:// finds that store.
    let explicit = from_url(&format!("emu://127.0.0.1:{port}/0")).unwrap();
    explicit.set("k", "v").unwrap();
    let shared = from_url(&url).unwrap();
    assert!(shared.same_store(&explicit));
    drop((explicit, shared));
    // Nothing listening: redis:// makes the in-process store, as redis-py code expects.
    drop(listener);
    let r = from_url(&url).unwrap();
    let e = from_url(&format!("emu://localhost:{port}")).unwrap();
    assert!(r.same_store(&e));
}

/// A unix:// URL naming a socket where a server listens is refused the same way.
#[cfg(unix)]
#[test]
fn unix_url_refuses_a_listening_socket() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let e = from_url(&format!("unix://{}", sock.display())).unwrap_err();
    assert!(
        e.message().contains("a server is listening"),
        "{}",
        e.message()
    );
}

#[test]
fn url_db_path_and_query() {
    assert_eq!(from_url("redis://localhost:17042/3").unwrap().db(), 3);
    assert_eq!(from_url("redis://localhost:17042?db=5").unwrap().db(), 5);
    // The query wins over the path, as in redis-py.
    assert_eq!(from_url("redis://localhost:17042/3?db=6").unwrap().db(), 6);
    let r = from_url("redis://localhost:17042/1?socket_timeout=2.5&decode_responses=true").unwrap();
    assert_eq!(r.socket_timeout(), Some(Duration::from_millis(2500)));
    assert!(r.decode_responses());
    assert_eq!(
        from_url("redis://localhost:17042?db=x")
            .unwrap_err()
            .message(),
        "Invalid value for 'db' in connection URL."
    );
    assert_eq!(
        from_url("redis://localhost:17042/99")
            .unwrap_err()
            .message(),
        "ERR DB index is out of range"
    );
    // Default host and port (the in-process store made first, so a Redis server running
    // on this machine's 6379 does not trip the listening-server guard).
    let _keep = from_url("emu://localhost:6379").unwrap();
    let d = from_url("redis://").unwrap();
    assert_eq!(d.address(), Some("localhost:6379"));
}

#[test]
fn unix_socket_urls_share_by_path() {
    let a = from_url("unix:///tmp/emu-plumbing-test.sock?db=2").unwrap();
    let b = Redis::options()
        .unix_socket_path("/tmp/emu-plumbing-test.sock")
        .db(2)
        .connect()
        .unwrap();
    let tcp = from_url("emu://localhost:6379/2").unwrap();
    assert!(a.same_store(&b));
    assert!(!a.same_store(&tcp));
    assert_eq!(a.db(), 2);
    assert!(!std::path::Path::new("/tmp/emu-plumbing-test.sock").exists());
}

#[test]
fn unsupported_url_forms_are_named() {
    let e = from_url("rediss://localhost:6379/0").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert_eq!(
        e.message(),
        "TLS is not supported by the embedded store (rediss://): use redis://, unix:// or emu://"
    );
    let e = from_url("http://localhost:6379").unwrap_err();
    assert_eq!(
        e.message(),
        "unsupported URL scheme 'http://': the embedded store serves redis://, unix:// and emu:// URLs"
    );
    let e = from_url("localhost:6379").unwrap_err();
    assert!(e
        .message()
        .starts_with("Redis URL must specify one of the following schemes"));
    let e = from_url("emu://somewhere").unwrap_err();
    assert_eq!(
        e.message(),
        "emu:// URL must be emu://memory, emu:///path/to/dir or emu://host:port[/db], got \
         emu://somewhere"
    );
    let e = from_url("redis://localhost:17043?frobnicate=1").unwrap_err();
    assert_eq!(
        e.message(),
        "unsupported URL query option 'frobnicate' in redis://localhost:17043?frobnicate=1"
    );
}

#[test]
fn emu_memory_urls_are_private_and_seeded() {
    let a = from_url("emu://memory").unwrap();
    let b = from_url("emu://memory").unwrap();
    assert!(!a.same_store(&b));
    let draw = |url: &str| -> Vec<String> {
        let r = from_url(url).unwrap();
        let _: i64 = r.sadd("s", (0..50).collect::<Vec<i64>>()).unwrap();
        (0..5).map(|_| r.srandmember("s").unwrap()).collect()
    };
    assert_eq!(draw("emu://memory?seed=42"), draw("emu://memory?seed=42"));
    assert_ne!(draw("emu://memory?seed=42"), draw("emu://memory?seed=43"));
}

#[test]
fn emu_directory_urls_persist_and_share() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("emu://{}?db=1", dir.path().display());
    {
        let a = from_url(&url).unwrap();
        // A second handle on the same directory shares the open store (opening the
        // directory twice would fail: it is locked by its holder).
        let b = from_url(&url).unwrap();
        assert!(a.same_store(&b));
        let _: () = a.set("persisted", "yes").unwrap();
        assert!(a.persistence().is_some());
    }
    // Everything dropped: reopening recovers the data from the directory.
    let c = from_url(&url).unwrap();
    assert_eq!(c.db(), 1);
    assert_eq!(get(&c, "persisted").as_deref(), Some("yes"));
}

// ---------------------------------------------------------------------------------------
// Sentinel
// ---------------------------------------------------------------------------------------

#[test]
fn seed_sentinel_master_and_replica() {
    // sentinel = Sentinel([('localhost', 26379)], socket_timeout=0.1)
    // master = sentinel.master_for('mymaster', socket_timeout=0.1)
    // slave = sentinel.slave_for('mymaster', socket_timeout=0.1)
    let sentinel = Sentinel::new(&[("localhost", 26379)])
        .with_options(Redis::options().socket_timeout(Duration::from_millis(100)));
    assert_eq!(
        sentinel.discover_master("mymaster").unwrap(),
        ("127.0.0.1".to_string(), 6379)
    );
    assert_eq!(
        sentinel.discover_slaves("mymaster").unwrap(),
        vec![("127.0.0.1".to_string(), 6379)]
    );
    let master = sentinel.master_for("mymaster").unwrap();
    let slave = sentinel.slave_for("mymaster").unwrap();
    assert_eq!(master.socket_timeout(), Some(Duration::from_millis(100)));
    let _: () = master.set("plumbing:sentinel", "bar").unwrap();
    assert_eq!(get(&slave, "plumbing:sentinel").as_deref(), Some("bar"));
    // The master is the store of localhost:6379.
    let plain = Redis::options().connect().unwrap();
    assert!(plain.same_store(&master));
    // Replicas refuse writes, through every path.
    let e = slave.set("plumbing:sentinel", "x").unwrap_err();
    assert_eq!(
        e.message(),
        "READONLY You can't write against a read only replica."
    );
    let e = slave.incr("plumbing:sentinel:n").unwrap_err();
    assert_eq!(
        e.message(),
        "READONLY You can't write against a read only replica."
    );
    let mut t = slave.pipeline();
    t.cmd("DEL").arg("plumbing:sentinel");
    assert!(t.execute().unwrap_err().message().starts_with("READONLY"));
    let mut p = slave.pipeline_batch();
    p.cmd("DEL").arg("plumbing:sentinel");
    p.cmd("GET").arg("plumbing:sentinel");
    assert_eq!(
        p.execute().unwrap(),
        vec![
            Value::Error("READONLY You can't write against a read only replica.".into()),
            Value::bulk("bar")
        ]
    );
    assert!(slave.with_db(1).set("x", 1).is_err());
    master.delete("plumbing:sentinel").unwrap();
}

#[test]
fn sentinel_unknown_master() {
    let sentinel = Sentinel::new(&[("localhost", 26379), ("localhost", 26380)]);
    let e = sentinel.master_for("plumbing-nope").unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Connection, "No master found for 'plumbing-nope'")
    );
    assert!(sentinel.slave_for("plumbing-nope").is_err());
}

#[test]
fn sentinel_monitor_and_remove() {
    let sentinel = Sentinel::new(&[("localhost", 26379)]);
    sentinel
        .monitor("plumbing-svc", "localhost", 17050, 1)
        .unwrap();
    assert_eq!(
        sentinel
            .monitor("plumbing-svc", "localhost", 17050, 1)
            .unwrap_err()
            .message(),
        "ERR Duplicate master name."
    );
    let m = sentinel.master_for("plumbing-svc").unwrap();
    let direct = Redis::options().port(17050).connect().unwrap();
    assert!(m.same_store(&direct));
    sentinel.remove("plumbing-svc").unwrap();
    assert!(sentinel.master_for("plumbing-svc").is_err());
    assert_eq!(
        sentinel.remove("plumbing-svc").unwrap_err().message(),
        "ERR No such master with that name"
    );
}

fn map_get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let Value::Map(kv) = v else { return None };
    kv.iter()
        .find(|(k, _)| *k == Value::bulk(key))
        .map(|(_, v)| v)
}

#[test]
fn sentinel_commands() {
    let s = Redis::options().port(26379).connect().unwrap();
    let q = |args: &[&str]| -> emu::Result<Value> {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        s.execute(&argv)
    };
    assert_eq!(
        q(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]).unwrap(),
        Value::Array(vec![Value::bulk("127.0.0.1"), Value::bulk("6379")])
    );
    assert_eq!(
        q(&["sentinel", "get-master-addr-by-name", "plumbing-none"]).unwrap(),
        Value::NilArray
    );
    for sub in ["MASTER", "REPLICAS", "SLAVES", "SENTINELS"] {
        assert_eq!(
            q(&["SENTINEL", sub, "plumbing-none"])
                .unwrap_err()
                .message(),
            "ERR No such master with that name",
            "{sub}"
        );
    }
    let m = q(&["SENTINEL", "MASTER", "mymaster"]).unwrap();
    let keys: Vec<String> = match &m {
        Value::Map(kv) => kv
            .iter()
            .map(|(k, _)| match k {
                Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                _ => panic!(),
            })
            .collect(),
        other => panic!("{other:?}"),
    };
    // The fields (and order) a real Sentinel 7.0 reports for a healthy master.
    assert_eq!(
        keys,
        [
            "name",
            "ip",
            "port",
            "runid",
            "flags",
            "link-pending-commands",
            "link-refcount",
            "last-ping-sent",
            "last-ok-ping-reply",
            "last-ping-reply",
            "down-after-milliseconds",
            "info-refresh",
            "role-reported",
            "role-reported-time",
            "config-epoch",
            "num-slaves",
            "num-other-sentinels",
            "quorum",
            "failover-timeout",
            "parallel-syncs"
        ]
    );
    assert_eq!(map_get(&m, "name"), Some(&Value::bulk("mymaster")));
    assert_eq!(map_get(&m, "flags"), Some(&Value::bulk("master")));
    assert_eq!(map_get(&m, "quorum"), Some(&Value::bulk("2")));
    let Value::Array(all) = q(&["SENTINEL", "MASTERS"]).unwrap() else {
        panic!()
    };
    assert!(all.contains(&m));
    let Value::Array(reps) = q(&["SENTINEL", "REPLICAS", "mymaster"]).unwrap() else {
        panic!()
    };
    assert_eq!(reps.len(), 1);
    assert_eq!(map_get(&reps[0], "flags"), Some(&Value::bulk("slave")));
    assert_eq!(
        map_get(&reps[0], "master-link-status"),
        Some(&Value::bulk("ok"))
    );
    assert_eq!(
        q(&["SENTINEL", "SLAVES", "mymaster"]).unwrap(),
        Value::Array(reps)
    );
    assert_eq!(
        q(&["SENTINEL", "SENTINELS", "mymaster"]).unwrap(),
        Value::Array(vec![])
    );
    // Errors as Redis 7.0 words them.
    assert_eq!(
        q(&["SENTINEL", "MASTER"]).unwrap_err().message(),
        "ERR wrong number of arguments for 'sentinel|master' command"
    );
    assert_eq!(
        q(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME"])
            .unwrap_err()
            .message(),
        "ERR wrong number of arguments for 'sentinel|get-master-addr-by-name' command"
    );
    assert_eq!(
        q(&["SENTINEL", "foo"]).unwrap_err().message(),
        "ERR unknown subcommand 'foo'. Try SENTINEL HELP."
    );
    assert_eq!(
        q(&["SENTINEL"]).unwrap_err().message(),
        "ERR wrong number of arguments for 'sentinel' command"
    );
    assert_eq!(
        q(&["SENTINEL", "MONITOR", "x", "h", "99999", "2"])
            .unwrap_err()
            .message(),
        "ERR Invalid port number."
    );
    assert_eq!(
        q(&["SENTINEL", "MONITOR", "x", "h", "1", "0"])
            .unwrap_err()
            .message(),
        "ERR Quorum must be 1 or greater."
    );
}

#[test]
fn sentinel_replies_in_resp2() {
    let mut store = emu::engine::Store::default();
    let mut s = emu::engine::Session::default();
    let v = emu::engine::execute(
        &mut store,
        &mut s,
        &[b"SENTINEL", b"GET-MASTER-ADDR-BY-NAME", b"plumbing-none"],
    )
    .unwrap();
    let mut out = Vec::new();
    emu::resp::encode(&mut out, &v, 2);
    assert_eq!(out, b"*-1\r\n");
    let mut out = Vec::new();
    emu::resp::encode(&mut out, &v, 3);
    assert_eq!(out, b"_\r\n");
}

// ---------------------------------------------------------------------------------------
// URL parsing (property): what goes into a redis:// URL comes back out
// ---------------------------------------------------------------------------------------

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

proptest::proptest! {
    #[test]
    fn redis_urls_round_trip(
        user in proptest::option::of("[a-z]{1,8}"),
        pass in proptest::option::of("[ -~]{1,12}"),
        host in "[a-z][a-z0-9.-]{0,15}",
        port in proptest::option::of(1u16..),
        path_db in proptest::option::of(0usize..16),
        query_db in proptest::option::of(0usize..16),
    ) {
        let mut url = String::from("redis://");
        if user.is_some() || pass.is_some() {
            url += &user.clone().unwrap_or_default();
            if let Some(p) = &pass {
                url += ":";
                url += &pct(p);
            }
            url += "@";
        }
        url += &host;
        if let Some(p) = port {
            url += &format!(":{p}");
        }
        if let Some(d) = path_db {
            url += &format!("/{d}");
        }
        if let Some(d) = query_db {
            url += &format!("?db={d}");
        }
        let pool = ConnectionPool::from_url(&url).unwrap();
        let o = pool.options();
        proptest::prop_assert_eq!(&o.host, &host);
        proptest::prop_assert_eq!(o.port, port.unwrap_or(6379));
        proptest::prop_assert_eq!(o.db, query_db.or(path_db).unwrap_or(0));
        proptest::prop_assert_eq!(&o.username, &user);
        proptest::prop_assert_eq!(&o.password, &pass);
    }
}

#[test]
fn register_address_publishes_a_store() {
    let mine = Redis::builder().seed(3).build();
    let _: () = mine.set("k", "published").unwrap();
    mine.register_address("127.0.0.1", 17060).unwrap();
    // Idempotent for the same store.
    mine.register_address("localhost", 17060).unwrap();
    let client = from_url("redis://localhost:17060/0").unwrap();
    assert!(client.same_store(&mine));
    assert_eq!(get(&client, "k").as_deref(), Some("published"));
    let other = Redis::new();
    assert_eq!(
        other
            .register_address("localhost", 17060)
            .unwrap_err()
            .message(),
        "address localhost:17060 is already served by another store"
    );
    // Once every handle is gone the address is free again.
    drop((mine, client));
    other.register_address("localhost", 17060).unwrap();
}

#[test]
fn debug_output_hides_the_password() {
    let o = Redis::options().password("hunter2");
    let text = format!("{o:?}");
    assert!(
        !text.contains("hunter2") && text.contains("\"***\""),
        "{text}"
    );
}

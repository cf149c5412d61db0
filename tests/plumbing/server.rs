//! SENTINEL over `emu serve`, compared byte for byte with a real Redis 7.0 Sentinel
//! (`redis-server --sentinel`, which must be on PATH) where the replies do not depend on
//! the live state of the monitored master.

#![cfg(feature = "server")]

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server_util::{start, tool, Raw, INSTALL_REDIS_SERVER};

struct Sentinel {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real Sentinel, or `None` (after a loud skip) without `redis-server`.
fn start_sentinel() -> Option<Sentinel> {
    let bin = tool(
        "redis-server",
        &format!("the Sentinel conformance test needs a real Redis 7.0: {INSTALL_REDIS_SERVER}"),
    )?;
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nlogfile \"\"\nsentinel monitor mymaster 127.0.0.1 6379 2\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let child = Command::new(&bin)
            .arg(&conf)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server --sentinel");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut s = Sentinel {
            child,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(addr).is_ok() {
                return Some(s);
            }
            if let Ok(Some(_)) = s.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = s.child.kill();
    }
    panic!("could not start redis-server --sentinel");
}

/// The field names of a flat RESP2 map reply (every other bulk).
fn resp2_map_keys(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply);
    let lines: Vec<&str> = text.split("\r\n").collect();
    // *N, then $len / value pairs.
    lines[1..]
        .chunks(2)
        .filter_map(|c| c.get(1).map(|s| s.to_string()))
        .step_by(2)
        .collect()
}

#[test]
fn sentinel_replies_match_a_real_sentinel() {
    let Some(real) = start_sentinel() else {
        return;
    };
    let (_redis, srv) = start();
    let mut r = Raw::connect(real.addr);
    let mut e = Raw::connect(srv.addr().unwrap());
    let cases: &[&str] = &[
        "SENTINEL get-master-addr-by-name nope",
        "SENTINEL MASTER nope",
        "SENTINEL REPLICAS nope",
        "SENTINEL SLAVES nope",
        "SENTINEL SENTINELS nope",
        "SENTINEL SENTINELS mymaster",
        "SENTINEL MASTER",
        "SENTINEL GET-MASTER-ADDR-BY-NAME",
        "SENTINEL MASTERS extra",
        "SENTINEL foo",
        "SENTINEL REMOVE nope",
        "SENTINEL MONITOR mymaster 127.0.0.1 6379 2",
        "SENTINEL MONITOR other 127.0.0.1 6379 0",
        "SENTINEL MONITOR other 127.0.0.1 6379 q",
        "SENTINEL MONITOR other 127.0.0.1 abc 2",
        "SENTINEL MONITOR other 127.0.0.1 99999 2",
    ];
    for proto in ["2", "3"] {
        assert_eq!(
            r.cmds(&format!("HELLO {proto}")).is_empty(),
            e.cmds(&format!("HELLO {proto}")).is_empty()
        );
        for c in cases {
            let (want, got) = (r.cmds(c), e.cmds(c));
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "RESP{proto}: {c}"
            );
        }
        // The real Sentinel names the master it monitors (6379 in its config); emu's
        // `mymaster` is the server itself (issue 11): same reply with its own port.
        let c = "SENTINEL GET-MASTER-ADDR-BY-NAME mymaster";
        let port = srv.addr().unwrap().port().to_string();
        let want = String::from_utf8_lossy(&r.cmds(c))
            .replace("$4\r\n6379\r\n", &format!("${}\r\n{port}\r\n", port.len()));
        assert_eq!(
            String::from_utf8_lossy(&e.cmds(c)),
            want,
            "RESP{proto}: {c}"
        );
    }
    // SENTINEL MASTER's fields (values depend on the live link) match in name and order.
    r.cmds("HELLO 2");
    e.cmds("HELLO 2");
    let want = resp2_map_keys(&r.cmds("SENTINEL MASTER mymaster"));
    let got = resp2_map_keys(&e.cmds("SENTINEL MASTER mymaster"));
    assert!(want.contains(&"quorum".to_string()), "{want:?}");
    assert_eq!(got, want);
}

#[test]
fn sentinel_discovery_over_the_wire() {
    let (_redis, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    // The master is the server itself, at the address the client reached (issue 11).
    let port = srv.addr().unwrap().port().to_string();
    assert_eq!(
        String::from_utf8_lossy(&c.cmds("SENTINEL GET-MASTER-ADDR-BY-NAME mymaster")),
        format!("*2\r\n$9\r\n127.0.0.1\r\n${}\r\n{port}\r\n", port.len())
    );
    assert_eq!(
        c.cmds("SENTINEL MASTER nope"),
        b"-ERR No such master with that name\r\n"
    );
    assert_eq!(c.cmds("HELLO 3").first(), Some(&b'%'));
    let m = c.cmds("SENTINEL MASTER mymaster");
    assert!(m.starts_with(b"%20\r\n$4\r\nname\r\n$8\r\nmymaster\r\n"));
}

/// A real read-only replica (its master need not be up) words the refusal of writes as the
/// embedded `slave_for` handle does.
#[test]
fn replica_and_auth_errors_match_a_real_server() {
    // A master port nothing listens on (a free port could be taken by another test's
    // redis-server, which this replica would then sync from).
    let Some(srv) = crate::server_util::start_real_redis_with(
        "the replica and auth errors test",
        &["--replicaof", "127.0.0.1", "1", "--requirepass", "pw"],
    ) else {
        return;
    };
    let addr = srv.addr;
    let mut real = Raw::connect(addr);
    let noauth = real.cmds("GET k");
    let wrongpass = real.cmds("AUTH nope");
    real.cmds("AUTH pw");
    let readonly = real.cmds("SET k v");
    drop(srv);

    let text = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .trim_start_matches('-')
            .trim_end()
            .to_string()
    };
    // The embedded equivalents: a store created with a password, a client without it, a
    // wrong AUTH, and a read-only replica client.
    let _owner = emu::Redis::options()
        .port(17200)
        .password("pw")
        .connect()
        .unwrap();
    let anon = emu::Redis::options().port(17200).connect().unwrap();
    let e = anon.get::<_, Option<String>>("k").unwrap_err();
    assert_eq!(e.message(), text(&noauth));
    let e = anon.cmd("AUTH").arg("nope").query::<()>().unwrap_err();
    assert_eq!(e.message(), text(&wrongpass));
    let replica = emu::Redis::options()
        .port(17200)
        .password("pw")
        .read_only(true)
        .connect()
        .unwrap();
    let e = replica.set("k", "v").unwrap_err();
    assert_eq!(e.message(), text(&readonly));
}

/// A served store published at the server's port: network and embedded clients of that
/// address share it.
#[test]
fn served_store_published_at_its_port() {
    let (redis, srv) = start();
    let port = srv.addr().unwrap().port();
    redis.register_address("127.0.0.1", port).unwrap();
    let mut net = Raw::connect(srv.addr().unwrap());
    assert_eq!(net.cmds("SET over wire"), b"+OK\r\n");
    let embedded = emu::from_url(&format!("redis://localhost:{port}/0")).unwrap();
    assert_eq!(
        embedded
            .get::<_, Option<String>>("over")
            .unwrap()
            .as_deref(),
        Some("wire")
    );
    let _: () = embedded.set("back", "again").unwrap();
    assert_eq!(net.cmds("GET back"), b"$5\r\nagain\r\n");
}

fn run_redis_py_sentinel(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    let Some(out) = crate::server_util::run_redis_py("plumbing_sentinel_py.py", port, proto) else {
        return;
    };
    assert_eq!(out, format!("sentinel ok {proto}"));
}

/// redis-py's `Sentinel` discovers the embedded master through `emu serve`.
#[test]
fn redis_py_sentinel_resp2() {
    run_redis_py_sentinel("2");
}

#[test]
fn redis_py_sentinel_resp3() {
    run_redis_py_sentinel("3");
}

//! FAILOVER (Redis 7.0 `failoverCommand`):
//! - its errors, byte for byte against a real redis-server master with a real replica, in
//!   the same situations (no replica, bad arguments, FORCE without TO/TIMEOUT, a target that
//!   is not a replica, on a replica, already in progress, ABORT with nothing to abort);
//! - `waiting-for-sync` and ABORT while the replica cannot acknowledge (DEBUG SLEEP);
//! - the failover's own pause beside CLIENT PAUSE (each lifted only by its own end);
//! - the hand-over itself: `emu serve` with a real redis-server replica fails over to it
//!   (with and without TO), ends as its replica, and the data written on the new master
//!   reaches emu; and a real master fails over to an emu replica, which becomes master.

use std::time::Duration;

use super::follow::{text, wait_for};
use super::server_util::{start, start_real_redis_with, Raw, RealRedis};

fn field(c: &mut Raw, name: &str) -> String {
    field_in(c, "replication", name)
}

fn field_in(c: &mut Raw, section: &str, name: &str) -> String {
    text(&c.cmd(&[b"INFO", section.as_bytes()]))
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_default()
}

/// A real redis-server replica of `port` (its own --dir, DEBUG allowed).
fn real_replica(port: u16, dir: &tempfile::TempDir) -> Option<RealRedis> {
    start_real_redis_with(
        "a real replica for FAILOVER",
        &[
            "--dir",
            dir.path().to_str().expect("utf8"),
            "--enable-debug-command",
            "yes",
            "--replicaof",
            "127.0.0.1",
            &port.to_string(),
        ],
    )
}

fn online(m: &mut Raw) -> bool {
    field(m, "slave0").contains("state=online")
}

#[test]
fn failover_errors_and_abort_match_redis() {
    let mdir = tempfile::tempdir().expect("tempdir");
    let Some(rm) = start_real_redis_with(
        "a real master for FAILOVER",
        &["--dir", mdir.path().to_str().expect("utf8")],
    ) else {
        return;
    };
    let (_e, erun) = start();
    let eaddr = erun.addr().expect("tcp");
    let mut r = Raw::connect(rm.addr);
    let mut e = Raw::connect(eaddr);
    let both = |r: &mut Raw, e: &mut Raw, argv: &[&[u8]]| {
        let want = text(&r.cmd(argv));
        let got = text(&e.cmd(argv));
        assert_eq!(
            got,
            want,
            "{:?}",
            argv.iter()
                .map(|a| String::from_utf8_lossy(a))
                .collect::<Vec<_>>()
        );
        got
    };
    // No replica yet: argument errors first, then the missing replicas.
    for argv in [
        &[&b"FAILOVER"[..]][..],
        &[b"FAILOVER", b"ABORT"],
        &[b"FAILOVER", b"TIMEOUT", b"0"],
        &[b"FAILOVER", b"TIMEOUT", b"-5"],
        &[b"FAILOVER", b"TIMEOUT", b"x"],
        &[b"FAILOVER", b"TIMEOUT"],
        &[b"FAILOVER", b"TIMEOUT", b"10", b"TIMEOUT", b"10"],
        &[b"FAILOVER", b"TO", b"127.0.0.1"],
        &[b"FAILOVER", b"TO", b"127.0.0.1", b"port"],
        &[b"FAILOVER", b"TO", b"127.0.0.1", b"1", b"TO", b"h", b"2"],
        &[b"FAILOVER", b"FORCE", b"FORCE"],
        &[b"FAILOVER", b"FORCE"],
        &[b"FAILOVER", b"bogus"],
        &[b"FAILOVER", b"ABORT", b"TIMEOUT", b"5"],
        &[
            b"FAILOVER",
            b"TO",
            b"127.0.0.1",
            b"1",
            b"FORCE",
            b"TIMEOUT",
            b"10",
        ],
    ] {
        both(&mut r, &mut e, argv);
    }
    assert_eq!(
        both(&mut r, &mut e, &[b"FAILOVER"]),
        "-ERR FAILOVER requires connected replicas.\r\n"
    );
    // A real replica on each.
    let (d1, d2) = (
        tempfile::tempdir().expect("t"),
        tempfile::tempdir().expect("t"),
    );
    let Some(rr) = real_replica(rm.addr.port(), &d1) else {
        return;
    };
    let Some(er) = real_replica(eaddr.port(), &d2) else {
        return;
    };
    wait_for("both replicas online", || online(&mut r) && online(&mut e));
    for argv in [
        &[&b"FAILOVER"[..], b"FORCE"][..],
        &[b"FAILOVER", b"FORCE", b"TIMEOUT", b"100"],
        &[b"FAILOVER", b"TO", b"127.0.0.1", b"1"],
        &[
            b"FAILOVER",
            b"TO",
            b"10.1.2.3",
            b"1",
            b"FORCE",
            b"TIMEOUT",
            b"100",
        ],
        &[b"FAILOVER", b"ABORT"],
    ] {
        both(&mut r, &mut e, argv);
    }
    // On a replica.
    let mut rrc = Raw::connect(rr.addr);
    let (_f, frun) = start();
    let mut fe = Raw::connect(frun.addr().expect("tcp"));
    let port = rm.addr.port().to_string();
    fe.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()]);
    let want = text(&rrc.cmd(&[b"FAILOVER"]));
    assert_eq!(
        want,
        "-ERR FAILOVER is not valid when server is a replica.\r\n"
    );
    assert_eq!(text(&fe.cmd(&[b"FAILOVER"])), want);
    // That replica would take over the failovers below (an emu replica accepts PSYNC …
    // FAILOVER): it stops following.
    fe.cmd(&[b"REPLICAOF", b"NO", b"ONE"]);
    wait_for("the emu replica gone", || {
        field(&mut r, "connected_slaves") == "1"
    });
    // Waiting for a replica that cannot acknowledge (asleep): the state, a second
    // FAILOVER, ABORT, and the writes resume.
    let mut err = Raw::connect(er.addr);
    for (m, rep, addr) in [(&mut r, &mut rrc, rm.addr), (&mut e, &mut err, eaddr)] {
        m.cmd(&[b"SET", b"before", b"1"]);
        let mut req = Vec::new();
        emu::resp::encode_request(&mut req, &[&b"DEBUG"[..], b"SLEEP", b"2"]);
        rep.send(&req);
        std::thread::sleep(Duration::from_millis(100));
        m.cmd(&[b"SET", b"moved", b"1"]);
        assert_eq!(
            text(&m.cmd(&[b"FAILOVER", b"TIMEOUT", b"60000"])),
            "+OK\r\n"
        );
        assert_eq!(field(m, "master_failover_state"), "waiting-for-sync");
        assert_eq!(
            text(&m.cmd(&[b"FAILOVER"])),
            "-ERR FAILOVER already in progress.\r\n"
        );
        // Writes wait (CLIENT PAUSE WRITE) until the failover ends; reads go on.
        let mut w = Raw::connect(addr);
        let mut req = Vec::new();
        emu::resp::encode_request(&mut req, &[&b"SET"[..], b"held", b"1"]);
        w.send(&req);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(text(&m.cmd(&[b"GET", b"held"])), "$-1\r\n");
        assert_eq!(text(&m.cmd(&[b"FAILOVER", b"ABORT"])), "+OK\r\n");
        assert_eq!(field(m, "master_failover_state"), "no-failover");
        assert_eq!(text(&w.reply()), "+OK\r\n");
        assert_eq!(text(&m.cmd(&[b"GET", b"held"])), "$1\r\n1\r\n");
        assert_eq!(text(&m.cmd(&[b"SET", b"after", b"1"])), "+OK\r\n");
        assert_eq!(field(m, "role"), "master");
        rep.reply();
    }
    // The failover's pause is its own (Redis 7.0 `PAUSE_DURING_FAILOVER`): CLIENT UNPAUSE
    // does not lift it, and its end does not lift a CLIENT PAUSE.
    for (m, rep, addr) in [(&mut r, &mut rrc, rm.addr), (&mut e, &mut err, eaddr)] {
        let mut req = Vec::new();
        emu::resp::encode_request(&mut req, &[&b"DEBUG"[..], b"SLEEP", b"3"]);
        rep.send(&req);
        std::thread::sleep(Duration::from_millis(100));
        m.cmd(&[b"SET", b"moved", b"3"]);
        assert_eq!(
            text(&m.cmd(&[b"FAILOVER", b"TIMEOUT", b"60000"])),
            "+OK\r\n"
        );
        assert_eq!(
            text(&m.cmd(&[b"CLIENT", b"PAUSE", b"100000", b"WRITE"])),
            "+OK\r\n"
        );
        assert_eq!(text(&m.cmd(&[b"CLIENT", b"UNPAUSE"])), "+OK\r\n");
        let mut w = Raw::connect(addr);
        let mut req = Vec::new();
        emu::resp::encode_request(&mut req, &[&b"SET"[..], b"held2", b"1"]);
        w.send(&req);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            text(&m.cmd(&[b"GET", b"held2"])),
            "$-1\r\n",
            "still held by the failover"
        );
        assert_eq!(
            text(&m.cmd(&[b"CLIENT", b"PAUSE", b"100000", b"WRITE"])),
            "+OK\r\n"
        );
        assert_eq!(text(&m.cmd(&[b"FAILOVER", b"ABORT"])), "+OK\r\n");
        assert_eq!(field(m, "master_failover_state"), "no-failover");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            text(&m.cmd(&[b"GET", b"held2"])),
            "$-1\r\n",
            "still held by CLIENT PAUSE"
        );
        assert_eq!(text(&m.cmd(&[b"CLIENT", b"UNPAUSE"])), "+OK\r\n");
        assert_eq!(text(&w.reply()), "+OK\r\n");
        assert_eq!(text(&m.cmd(&[b"GET", b"held2"])), "$1\r\n1\r\n");
        rep.reply();
    }
    // TIMEOUT without FORCE: given up once the time has passed.
    for (m, rep) in [(&mut r, &mut rrc), (&mut e, &mut err)] {
        let mut req = Vec::new();
        emu::resp::encode_request(&mut req, &[&b"DEBUG"[..], b"SLEEP", b"2"]);
        rep.send(&req);
        std::thread::sleep(Duration::from_millis(100));
        m.cmd(&[b"SET", b"moved", b"2"]);
        assert_eq!(text(&m.cmd(&[b"FAILOVER", b"TIMEOUT", b"300"])), "+OK\r\n");
        wait_for("the failover given up", || {
            field(m, "master_failover_state") == "no-failover"
        });
        assert_eq!(field(m, "role"), "master");
        rep.reply();
    }
}

/// `emu serve` hands over to its real replica: emu ends a replica of it, the old replica
/// a master, no write lost, and later writes on the new master reach emu.
#[test]
fn failover_hands_over_to_a_real_replica() {
    for to in [false, true] {
        let (_e, erun) = start();
        let eaddr = erun.addr().expect("tcp");
        let mut e = Raw::connect(eaddr);
        for i in 0..200 {
            let k = format!("k{i}");
            e.cmd(&[b"SET", k.as_bytes(), b"v"]);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let Some(rr) = real_replica(eaddr.port(), &dir) else {
            return;
        };
        let mut r = Raw::connect(rr.addr);
        wait_for("the replica online", || online(&mut e));
        e.cmd(&[b"RPUSH", b"last", b"x"]);
        let port = rr.addr.port().to_string();
        let reply = if to {
            e.cmd(&[
                b"FAILOVER",
                b"TO",
                b"127.0.0.1",
                port.as_bytes(),
                b"TIMEOUT",
                b"20000",
            ])
        } else {
            e.cmd(&[b"FAILOVER"])
        };
        assert_eq!(text(&reply), "+OK\r\n");
        wait_for("the hand-over", || {
            field(&mut r, "role") == "master"
                && field(&mut e, "role") == "slave"
                && field(&mut e, "master_link_status") == "up"
                && field(&mut e, "master_failover_state") == "no-failover"
        });
        assert_eq!(field(&mut e, "master_port"), port);
        assert_eq!(text(&r.cmd(&[b"DBSIZE"])), ":201\r\n");
        assert_eq!(
            text(&r.cmd(&[b"LRANGE", b"last", b"0", b"-1"])),
            "*1\r\n$1\r\nx\r\n"
        );
        // The old master follows: partial resync, then the new master's writes.
        r.cmd(&[b"SET", b"on-new-master", b"1"]);
        wait_for("the write on the new master reaching emu", || {
            text(&e.cmd(&[b"GET", b"on-new-master"])) == "$1\r\n1\r\n"
        });
        assert_eq!(text(&e.cmd(&[b"DBSIZE"])), ":202\r\n");
        assert_eq!(field_in(&mut r, "stats", "sync_full"), "0");
        assert_eq!(field_in(&mut r, "stats", "sync_partial_ok"), "1");
        assert_eq!(
            text(&e.cmd(&[b"SET", b"x", b"1"])),
            "-READONLY You can't write against a read only replica.\r\n"
        );
    }
}

/// A real master failing over TO an emu replica (Redis `syncCommand`'s `PSYNC … FAILOVER`):
/// a replid that is not the master's is refused with Redis's error (the same as a real
/// replica's); the master's own promotes emu, which ends the master with the data, the real
/// server its replica (full resync: emu's stream has its own replication id), and emu's
/// writes reach it.
#[test]
fn failover_to_an_emu_replica_promotes_it() {
    let mdir = tempfile::tempdir().expect("tempdir");
    let Some(rm) = start_real_redis_with(
        "a real master failing over to emu",
        &["--dir", mdir.path().to_str().expect("utf8")],
    ) else {
        return;
    };
    let mut m = Raw::connect(rm.addr);
    for i in 0..100 {
        let k = format!("k{i}");
        m.cmd(&[b"SET", k.as_bytes(), b"1"]);
    }
    let (_e, erun) = start();
    let eaddr = erun.addr().expect("tcp");
    let mut e = Raw::connect(eaddr);
    let port = rm.addr.port().to_string();
    e.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()]);
    wait_for("emu online", || online(&mut m));
    // A wrong replid: Redis's error, as a real replica answers it.
    let rdir = tempfile::tempdir().expect("tempdir");
    let Some(rr) = real_replica(rm.addr.port(), &rdir) else {
        return;
    };
    let mut rrc = Raw::connect(rr.addr);
    let want = text(&rrc.cmd(&[b"PSYNC", b"abc", b"1", b"FAILOVER"]));
    assert_eq!(want, "-ERR PSYNC FAILOVER replid must match my replid.\r\n");
    let mut p = Raw::connect(eaddr);
    assert_eq!(text(&p.cmd(&[b"PSYNC", b"abc", b"1", b"FAILOVER"])), want);
    assert_eq!(field(&mut e, "role"), "slave");
    drop(rr);
    wait_for("one replica left", || {
        field(&mut m, "connected_slaves") == "1"
    });
    m.cmd(&[b"RPUSH", b"last", b"x"]);
    let eport = eaddr.port().to_string();
    assert_eq!(
        text(&m.cmd(&[
            b"FAILOVER",
            b"TO",
            b"127.0.0.1",
            eport.as_bytes(),
            b"TIMEOUT",
            b"20000"
        ])),
        "+OK\r\n"
    );
    wait_for("the hand-over to emu", || {
        field(&mut e, "role") == "master"
            && field(&mut m, "role") == "slave"
            && field(&mut m, "master_link_status") == "up"
            && field(&mut m, "master_failover_state") == "no-failover"
    });
    assert_eq!(field(&mut m, "master_port"), eport);
    assert_eq!(text(&m.cmd(&[b"DBSIZE"])), ":101\r\n");
    assert_eq!(text(&e.cmd(&[b"DBSIZE"])), ":101\r\n");
    assert_eq!(
        text(&m.cmd(&[b"LRANGE", b"last", b"0", b"-1"])),
        "*1\r\n$1\r\nx\r\n"
    );
    assert_eq!(text(&e.cmd(&[b"SET", b"on-emu", b"1"])), "+OK\r\n");
    wait_for("emu's write reaching the old master", || {
        text(&m.cmd(&[b"GET", b"on-emu"])) == "$1\r\n1\r\n"
    });
    assert_eq!(
        text(&m.cmd(&[b"SET", b"x", b"1"])),
        "-READONLY You can't write against a read only replica.\r\n"
    );
}

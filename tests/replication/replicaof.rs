//! `emu serve` as a replica (REPLICAOF / SLAVEOF, `--replicaof`):
//!
//! - differential: the replies of REPLICAOF, ROLE, INFO replication, CONFIG GET replicaof,
//!   and the READONLY refusals, from `emu serve` and from a real redis-server replica
//!   attached to the same real master, through attach, link loss (master killed), resync
//!   (master restarted) and promotion;
//! - behavioural: a real master takes writes of every type (streams, expiries, EVAL, MULTI,
//!   several dbs) before, during and after the sync; the emu replica (persistent) ends
//!   identical key by key (DUMP and PEXPIRETIME), the master's WAIT counts its ACK, a link
//!   the master kills resumes with a partial resync (`+CONTINUE`), and the data is still
//!   there after the replica restarts from its directory;
//! - an `emu serve` replica of `emu serve`;
//! - evictions (maxmemory, allkeys-lru) on an `emu serve` master reach a real replica as
//!   DELs (issue 17).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::follow::{bulks, keyspace, random_write, same, text, wait_for, Keyspace, Lcg};
use super::server_util::{
    free_port, server_pid, spawn_real_redis_on, start, start_real_redis_with, tool, Raw, RealRedis,
};

/// A redis-server on a chosen port (so the test can restart it there), with a data
/// directory of its own (a disk-based sync writes dump.rdb there, and a redis-server started
/// later in the same working directory would load it).
struct Master {
    _srv: RealRedis,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Master {
    /// A master on `port`; None if it could not have that port.
    fn spawn(bin: &std::path::Path, port: u16) -> Option<Master> {
        let dir = tempfile::tempdir().expect("tempdir");
        let args = [
            "--dir",
            dir.path().to_str().expect("utf8"),
            "--repl-diskless-sync-delay",
            "0",
        ];
        let srv = spawn_real_redis_on(bin, port, &args)?;
        Some(Master {
            addr: srv.addr,
            _srv: srv,
            _dir: dir,
        })
    }

    /// A master on a free port (another one if a parallel test's server took it).
    fn spawn_any(bin: &std::path::Path) -> Master {
        (0..5)
            .find_map(|_| Master::spawn(bin, free_port()))
            .expect("redis-server did not start on any of 5 free ports")
    }
}

/// INFO replication as (field, value) pairs, in order.
fn info(c: &mut Raw) -> Vec<(String, String)> {
    text(&c.cmd(&[b"INFO", b"replication"]))
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim_start_matches(['$', '#']).to_string(), v.to_string()))
        .collect()
}

fn field(c: &mut Raw, name: &str) -> String {
    info(c)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// Waits until the replica processed everything the master produced so far.
fn caught_up(master: &mut Raw, replica: &mut Raw, who: &str) {
    let want = field(master, "master_repl_offset");
    wait_for(&format!("{who} at the master's offset {want}"), || {
        field(replica, "slave_repl_offset") == want && field(replica, "master_link_status") == "up"
    });
}

#[test]
fn replicaof_role_and_info_match_a_real_replica() {
    let Some(bin) = tool("redis-server", "REPLICAOF differential needs redis-server") else {
        return;
    };
    let master = Master::spawn_any(&bin);
    let mport = master.addr.port();
    let mut m = Raw::connect(master.addr);
    m.cmd(&[b"SET", b"a", b"1"]);
    m.cmd(&[b"RPUSH", b"l", b"x", b"y"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(real) = start_real_redis_with(
        "the reference replica",
        &["--dir", &dir.path().display().to_string()],
    ) else {
        return;
    };
    let (_redis, running) = start();
    let mut e = Raw::connect(running.addr().expect("tcp"));
    let mut r = Raw::connect(real.addr);
    let mp = mport.to_string();
    let both = |e: &mut Raw, r: &mut Raw, argv: &[&[u8]]| {
        let (a, b) = (e.cmd(argv), r.cmd(argv));
        assert_eq!(
            text(&a),
            text(&b),
            "{:?}",
            String::from_utf8_lossy(&argv.concat())
        );
        text(&a)
    };
    // Errors and the master form, before anything.
    for line in [
        &[&b"REPLICAOF"[..]][..],
        &[b"REPLICAOF", b"127.0.0.1"],
        &[b"REPLICAOF", b"127.0.0.1", b"x"],
        &[b"REPLICAOF", b"127.0.0.1", b"70000"],
        &[b"REPLICAOF", b"127.0.0.1", b"-1"],
        &[b"SLAVEOF", b"127.0.0.1", b"1", b"2"],
        &[b"REPLICAOF", b"NO", b"ONE"],
        &[b"SLAVEOF", b"no", b"one"],
        &[b"ROLE"],
        &[b"CONFIG", b"GET", b"replicaof"],
    ] {
        both(&mut e, &mut r, line);
    }
    // Attach both to the master.
    let ok = both(&mut e, &mut r, &[b"REPLICAOF", b"127.0.0.1", mp.as_bytes()]);
    assert_eq!(ok, "+OK\r\n");
    let again = both(&mut e, &mut r, &[b"SLAVEOF", b"127.0.0.1", mp.as_bytes()]);
    assert_eq!(again, "+OK Already connected to specified master\r\n");
    both(&mut e, &mut r, &[b"CONFIG", b"GET", b"replicaof"]);
    both(&mut e, &mut r, &[b"CONFIG", b"GET", b"slaveof"]);
    m.cmd(&[b"SET", b"b", b"2"]);
    caught_up(&mut m, &mut e, "emu");
    caught_up(&mut m, &mut r, "redis");
    both(&mut e, &mut r, &[b"ROLE"]);
    // INFO replication: the same fields in the same order, the same values (but times
    // and the backlog, which a Redis replica keeps for its own replicas).
    let (ie, ir) = (info(&mut e), info(&mut r));
    let names = |i: &[(String, String)]| i.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ie), names(&ir));
    for ((k, a), (_, b)) in ie.iter().zip(&ir) {
        if k == "master_last_io_seconds_ago" || k.starts_with("repl_backlog") {
            continue;
        }
        assert_eq!(a, b, "INFO replication {k}");
    }
    // Read-only: plain writes, scripts, transactions; reads answer.
    both(&mut e, &mut r, &[b"SET", b"x", b"1"]);
    both(
        &mut e,
        &mut r,
        &[b"EVAL", b"return redis.call('set','x','y')", b"0"],
    );
    both(
        &mut e,
        &mut r,
        &[b"EVAL", b"return redis.call('get','a')", b"0"],
    );
    both(&mut e, &mut r, &[b"MULTI"]);
    both(&mut e, &mut r, &[b"INCR", b"a"]);
    both(&mut e, &mut r, &[b"GET", b"a"]);
    both(&mut e, &mut r, &[b"EXEC"]);
    both(&mut e, &mut r, &[b"LRANGE", b"l", b"0", b"-1"]);
    both(&mut e, &mut r, &[b"GET", b"b"]);
    both(
        &mut e,
        &mut r,
        &[b"CONFIG", b"SET", b"replica-read-only", b"no"],
    );
    both(&mut e, &mut r, &[b"SET", b"local", b"1"]);
    both(
        &mut e,
        &mut r,
        &[b"CONFIG", b"SET", b"replica-read-only", b"yes"],
    );
    both(&mut e, &mut r, &[b"DEL", b"local"]);

    // The master dies: both links go down.
    drop(master);
    for c in [&mut e, &mut r] {
        wait_for("link down", || field(c, "master_link_status") == "down");
    }
    let (ie, ir) = (info(&mut e), info(&mut r));
    assert_eq!(names(&ie), names(&ir));
    for c in [&mut e, &mut r] {
        let role = text(&c.cmd(&[b"ROLE"]));
        let head = format!("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{mport}\r\n$");
        assert!(role.starts_with(&head), "{role}");
        assert!(role.ends_with(":-1\r\n"), "{role}");
        assert!(role.contains("connect"), "{role}");
    }
    // Restarted (empty: no persistence), it takes writes; both resync with it.
    let master = Master::spawn(&bin, mport).expect("the master's port was taken meanwhile");
    let mut m = Raw::connect(master.addr);
    m.cmd(&[b"SET", b"after", b"1"]);
    m.cmd(&[b"HSET", b"h", b"f", b"v"]);
    caught_up(&mut m, &mut e, "emu after the restart");
    caught_up(&mut m, &mut r, "redis after the restart");
    both(&mut e, &mut r, &[b"ROLE"]);
    let want = keyspace(&mut m);
    same(
        &want,
        &keyspace(&mut e),
        "emu replica after the master's restart",
    );
    same(
        &want,
        &keyspace(&mut r),
        "redis replica after the master's restart",
    );
    // Promotion keeps the data and takes writes.
    both(&mut e, &mut r, &[b"REPLICAOF", b"NO", b"ONE"]);
    both(&mut e, &mut r, &[b"SET", b"x", b"1"]);
    both(&mut e, &mut r, &[b"HGET", b"h", b"f"]);
    both(&mut e, &mut r, &[b"CONFIG", b"GET", b"replicaof"]);
    assert!(text(&e.cmd(&[b"ROLE"])).starts_with("*3\r\n$6\r\nmaster\r\n"));
    assert_eq!(field(&mut e, "role"), "master");
}

/// Stream commands for the load (XADD, consumer groups).
fn stream_writes(m: &mut Raw, g: &mut Lcg) {
    let s = format!("st{}", g.below(3));
    match g.below(5) {
        0 | 1 => {
            m.cmd(&[
                b"XADD",
                s.as_bytes(),
                b"*",
                b"f",
                g.below(100).to_string().as_bytes(),
            ]);
        }
        2 => {
            m.cmd(&[
                b"XGROUP",
                b"CREATE",
                s.as_bytes(),
                b"grp",
                b"0",
                b"MKSTREAM",
            ]);
        }
        3 => {
            m.cmd(&[
                b"XREADGROUP",
                b"GROUP",
                b"grp",
                b"alice",
                b"COUNT",
                b"2",
                b"STREAMS",
                s.as_bytes(),
                b">",
            ]);
        }
        _ => {
            m.cmd(&[b"XTRIM", s.as_bytes(), b"MAXLEN", b"50"]);
        }
    }
}

/// [`same`] for every key but the streams, whose DUMP holds each consumer's seen time: a
/// replica sets it when it applies the master's XCLAIM (a real Redis replica too).
fn same_but_streams(master: &Keyspace, replica: &Keyspace, when: &str) {
    let strip = |k: &Keyspace| -> Keyspace {
        k.iter()
            .filter(|((_, key), _)| !key.starts_with(b"st"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    same(&strip(master), &strip(replica), when);
}

/// Streams compared by their entries, groups (consumers, pending count, last delivered id)
/// and pending summary (count, first and last id, per consumer).
fn compare_streams(keys: &Keyspace, m: &mut Raw, e: &mut Raw) {
    let mut n = 0;
    for (db, key) in keys.keys().filter(|(_, k)| k.starts_with(b"st")) {
        let d = db.to_string();
        for c in [&mut *m, &mut *e] {
            c.cmd(&[b"SELECT", d.as_bytes()]);
        }
        for argv in [
            &[&b"XRANGE"[..], key, b"-", b"+"][..],
            &[b"XINFO", b"GROUPS", key],
            &[b"XPENDING", key, b"grp"],
            &[b"PEXPIRETIME", key],
        ] {
            let (a, b) = (text(&m.cmd(argv)), text(&e.cmd(argv)));
            if a.contains("NOGROUP") {
                continue;
            }
            // A group's entries-read and lag are not replicated exactly, by Redis either:
            // a real 7.0 replica shows them unknown (nil) after XREADGROUP's XCLAIMs.
            let cut = |t: &str| {
                t.split("$12\r\nentries-read")
                    .next()
                    .unwrap_or("")
                    .to_string()
            };
            assert_eq!(cut(&a), cut(&b), "db {db} {}", String::from_utf8_lossy(key));
        }
        n += 1;
    }
    for c in [m, e] {
        c.cmd(&[b"SELECT", b"0"]);
    }
    assert!(n > 0, "streams were compared");
}

#[test]
fn emu_replica_converges_with_a_real_master_and_keeps_the_data() {
    let Some(bin) = tool("redis-server", "the replica test needs redis-server") else {
        return;
    };
    let master = Master::spawn_any(&bin);
    let mut m = Raw::connect(master.addr);
    let mut g = Lcg(71);
    let mut db = 0;
    for _ in 0..400 {
        random_write(&mut m, &mut g, &mut db, false);
        stream_writes(&mut m, &mut g);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let redis = emu::Redis::open(dir.path()).expect("open");
    let running = emu::server::Server::new(redis.clone())
        .port(0)
        .start()
        .expect("server");
    let mut e = Raw::connect(running.addr().expect("tcp"));
    let port = master.addr.port().to_string();
    assert_eq!(
        text(&e.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()])),
        "+OK\r\n"
    );
    // Writes go on while it synchronises (FLUSHALL among them), then after.
    for i in 0..1500 {
        random_write(&mut m, &mut g, &mut db, i == 300);
        if i % 3 == 0 {
            stream_writes(&mut m, &mut g);
        }
    }
    wait_for("the emu replica's link up", || {
        field(&mut e, "master_link_status") == "up"
    });
    for _ in 0..500 {
        random_write(&mut m, &mut g, &mut db, false);
        stream_writes(&mut m, &mut g);
    }
    // The master's WAIT counts the emu replica's acknowledgement.
    assert_eq!(text(&m.cmd(&[b"WAIT", b"1", b"20000"])), ":1\r\n");
    std::thread::sleep(Duration::from_millis(300));
    m.cmd(&[b"SET", b"fence", b"1"]);
    caught_up(&mut m, &mut e, "emu");
    let want = keyspace(&mut m);
    assert!(want.len() > 50, "a real dataset: {} keys", want.len());
    assert!(
        want.keys().any(|(_, k)| k.starts_with(b"st")),
        "streams are compared"
    );
    assert!(
        want.values().any(|(_, at)| at != b":-1\r\n"),
        "TTLs are compared"
    );
    same_but_streams(&want, &keyspace(&mut e), "emu replica of redis-server");
    compare_streams(&want, &mut m, &mut e);

    // The link killed by the master: the replica continues with a partial resync.
    let stats = |m: &mut Raw, name: &str| -> String {
        text(&m.cmd(&[b"INFO", b"stats"]))
            .lines()
            .find_map(|l| l.strip_prefix(name).map(str::to_string))
            .unwrap_or_default()
    };
    let full_before = stats(&mut m, "sync_full:");
    assert_eq!(
        text(&m.cmd(&[b"CLIENT", b"KILL", b"TYPE", b"replica"])),
        ":1\r\n"
    );
    for _ in 0..200 {
        random_write(&mut m, &mut g, &mut db, false);
    }
    wait_for("a partial resync", || {
        stats(&mut m, "sync_partial_ok:") == "1"
    });
    assert_eq!(
        stats(&mut m, "sync_full:"),
        full_before,
        "no second full sync"
    );
    std::thread::sleep(Duration::from_millis(300));
    m.cmd(&[b"SET", b"fence", b"2"]);
    caught_up(&mut m, &mut e, "emu after the partial resync");
    let want = keyspace(&mut m);
    same_but_streams(&want, &keyspace(&mut e), "after the partial resync");
    compare_streams(&want, &mut m, &mut e);

    // Durable: the replica restarted from its directory has the same data.
    drop(e);
    running.shutdown();
    drop(redis);
    let redis = emu::Redis::open(dir.path()).expect("reopen");
    let running = emu::server::Server::new(redis.clone())
        .port(0)
        .start()
        .expect("server");
    let mut e = Raw::connect(running.addr().expect("tcp"));
    same_but_streams(
        &want,
        &keyspace(&mut e),
        "emu replica reopened from its directory",
    );
    compare_streams(&want, &mut m, &mut e);
}

#[test]
fn emu_replica_of_emu() {
    let (_m, mrun) = start();
    let maddr = mrun.addr().expect("tcp");
    let mut m = Raw::connect(maddr);
    let mut g = Lcg(5);
    let mut db = 0;
    for _ in 0..300 {
        random_write(&mut m, &mut g, &mut db, false);
    }
    let (_r, rrun) = start();
    let mut e = Raw::connect(rrun.addr().expect("tcp"));
    let port = maddr.port().to_string();
    assert_eq!(
        text(&e.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()])),
        "+OK\r\n"
    );
    for _ in 0..600 {
        random_write(&mut m, &mut g, &mut db, false);
    }
    wait_for("link up", || field(&mut e, "master_link_status") == "up");
    assert_eq!(text(&m.cmd(&[b"WAIT", b"1", b"20000"])), ":1\r\n");
    std::thread::sleep(Duration::from_millis(300));
    m.cmd(&[b"SET", b"fence", b"1"]);
    assert_eq!(text(&m.cmd(&[b"WAIT", b"1", b"20000"])), ":1\r\n");
    same(&keyspace(&mut m), &keyspace(&mut e), "emu replica of emu");
    let role = text(&m.cmd(&[b"ROLE"]));
    assert!(role.starts_with("*3\r\n$6\r\nmaster\r\n"), "{role}");
}

#[test]
fn masterauth_is_used_for_a_password_protected_master() {
    let Some(master) = start_real_redis_with(
        "a password-protected master for emu's REPLICAOF",
        &["--requirepass", "pw"],
    ) else {
        return;
    };
    let mut m = Raw::connect(master.addr);
    assert_eq!(text(&m.cmd(&[b"AUTH", b"pw"])), "+OK\r\n");
    m.cmd(&[b"SET", b"secret", b"1"]);
    let (_r, rrun) = start();
    let mut e = Raw::connect(rrun.addr().expect("tcp"));
    let port = master.addr.port().to_string();
    // Without masterauth the master refuses the link: it never comes up.
    assert_eq!(
        text(&e.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()])),
        "+OK\r\n"
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(field(&mut e, "master_link_status"), "down");
    assert_eq!(text(&e.cmd(&[b"EXISTS", b"secret"])), ":0\r\n");
    // With it, the link comes up and the data arrives.
    e.cmd(&[b"REPLICAOF", b"NO", b"ONE"]);
    assert_eq!(
        text(&e.cmd(&[b"CONFIG", b"SET", b"masterauth", b"pw"])),
        "+OK\r\n"
    );
    assert_eq!(
        text(&e.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()])),
        "+OK\r\n"
    );
    wait_for("the link up with masterauth", || {
        field(&mut e, "master_link_status") == "up"
    });
    m.cmd(&[b"SET", b"after", b"2"]);
    caught_up(&mut m, &mut e, "emu replica of a password-protected master");
    assert_eq!(text(&e.cmd(&[b"GET", b"secret"])), "$1\r\n1\r\n");
    assert_eq!(text(&e.cmd(&[b"GET", b"after"])), "$1\r\n2\r\n");
}

#[test]
fn evictions_reach_a_real_replica_as_deletions() {
    let (_redis, running) = start();
    let addr = running.addr().expect("tcp");
    let mut c = Raw::connect(addr);
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(real) = start_real_redis_with(
        "a redis-server replica of emu serve under maxmemory",
        &[
            "--replicaof",
            "127.0.0.1",
            &addr.port().to_string(),
            "--dir",
            &dir.path().display().to_string(),
        ],
    ) else {
        return;
    };
    let mut r = Raw::connect(real.addr);
    wait_for("the replica's link up", || {
        field(&mut r, "master_link_status") == "up"
    });
    let used: u64 = text(&c.cmd(&[b"INFO", b"memory"]))
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.parse().ok())
        .expect("used_memory");
    // used_memory counts the replication backlog, as Redis's does: it fills up to
    // repl-backlog-size (1 MB) while the keys are written, so the data keeps 300 KB.
    let limit = used + 300_000 + (1 << 20);
    c.cmd(&[b"CONFIG", b"SET", b"maxmemory-policy", b"allkeys-lru"]);
    c.cmd(&[
        b"CONFIG",
        b"SET",
        b"maxmemory",
        limit.to_string().as_bytes(),
    ]);
    let value = vec![b'v'; 1000];
    for i in 0..2000 {
        let k = format!("key:{i}");
        let reply = text(&c.cmd(&[b"SET", k.as_bytes(), &value]));
        assert_eq!(reply, "+OK\r\n", "SET {k}");
    }
    let evicted: u64 = text(&c.cmd(&[b"INFO", b"stats"]))
        .lines()
        .find_map(|l| l.strip_prefix("evicted_keys:"))
        .and_then(|v| v.parse().ok())
        .expect("evicted_keys");
    assert!(evicted > 500, "evictions happened: {evicted}");
    c.cmd(&[b"SET", b"fence", b"1"]);
    assert_eq!(text(&c.cmd(&[b"WAIT", b"1", b"20000"])), ":1\r\n");
    let master = keyspace(&mut c);
    assert!(master.len() < 1900, "{} keys left", master.len());
    let replica = keyspace(&mut r);
    assert_eq!(
        master.len(),
        replica.len(),
        "the replica holds exactly the keys the master kept"
    );
    same(&master, &replica, "after evictions");
}

/// The AUX fields of a full resync's RDB, in order (values as text).
fn aux_fields(rdb: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    emu::rdb::file::read(
        rdb,
        &emu::config::Config::default(),
        |item| {
            if let emu::rdb::file::Item::Aux(k, v) = item {
                out.push((
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                ));
            }
            Ok(())
        },
        |_| {},
    )
    .expect("the RDB parses");
    out
}

/// A full resync's RDB carries `repl-stream-db`, `repl-id` and `repl-offset` after
/// `used-mem`, as redis-server writes them (`rdbSaveInfoAuxFields` with a save info), with
/// the id and offset of the `+FULLRESYNC` reply; in both framings.
#[test]
fn replication_rdb_has_the_repl_aux_fields() {
    // The disk-based transfer writes dump.rdb into the server's --dir: a temporary one.
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(real) = start_real_redis_with(
        "the replication RDB's AUX fields",
        &[
            "--repl-diskless-sync-delay",
            "0",
            "--dir",
            dir.path().to_str().expect("utf8"),
        ],
    ) else {
        return;
    };
    let (_redis, running) = start();
    let emu_addr = running.addr().expect("tcp");
    for eof in [false, true] {
        let mut names = Vec::new();
        for (who, addr) in [("redis", real.addr), ("emu", emu_addr)] {
            let mut c = Raw::connect(addr);
            c.cmd(&[b"SET", b"k", b"v"]);
            let link = super::link::ReplLink::attach(addr, eof);
            let mut head = link.psync_reply.split(' ').skip(1);
            let (id, off) = (head.next().unwrap_or(""), head.next().unwrap_or(""));
            let aux = aux_fields(&link.rdb);
            let get = |k: &str| {
                aux.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            assert_eq!(get("repl-id"), id, "{who} eof={eof}: {aux:?}");
            assert_eq!(get("repl-offset"), off, "{who} eof={eof}: {aux:?}");
            assert_eq!(get("repl-stream-db"), "0", "{who} eof={eof}: {aux:?}");
            names.push(
                aux.into_iter()
                    .map(|(n, _)| n)
                    .filter(|n| n != "emu-ver")
                    .collect::<Vec<_>>(),
            );
        }
        assert_eq!(names[0], names[1], "AUX field order, eof={eof}");
    }
}

/// Redis's `expireIfNeeded` on a replica: the master's own commands see a key that is past
/// its deadline (the master's DEL decides), while clients read it as gone without deleting
/// it. A script on the master sets a key with a 50 ms PX, spins past the deadline (the
/// script's time is frozen, so on the master the key is alive), INCRs and APPENDs to it and
/// makes it persistent: the effects reach the replicas after the deadline. A replica that
/// let its clock decide would run the INCR on a missing key. Then a key left to expire
/// (active expiry paused on the master, so no DEL comes): emu's replies equal a real
/// replica's.
#[test]
fn master_commands_see_logically_expired_keys_on_a_replica() {
    let mdir = tempfile::tempdir().expect("tempdir");
    let Some(master) = start_real_redis_with(
        "a real master with expired keys",
        &[
            "--dir",
            mdir.path().to_str().expect("utf8"),
            "--enable-debug-command",
            "yes",
        ],
    ) else {
        return;
    };
    let port = master.addr.port().to_string();
    let rdir = tempfile::tempdir().expect("tempdir");
    let Some(real) = start_real_redis_with(
        "a real replica",
        &[
            "--dir",
            rdir.path().to_str().expect("utf8"),
            "--replicaof",
            "127.0.0.1",
            &port,
        ],
    ) else {
        return;
    };
    let mut m = Raw::connect(master.addr);
    let mut r = Raw::connect(real.addr);
    let (_e, erun) = start();
    let mut e = Raw::connect(erun.addr().expect("tcp"));
    assert_eq!(
        text(&e.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()])),
        "+OK\r\n"
    );
    assert_eq!(
        text(&m.cmd(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"])),
        "+OK\r\n"
    );
    wait_for("both links up", || {
        field(&mut e, "master_link_status") == "up" && field(&mut r, "master_link_status") == "up"
    });
    let script = b"redis.call('SET', KEYS[1], '10', 'PX', 50) \
        redis.call('SET', KEYS[2], 'a', 'PX', 50) \
        local t = redis.call('TIME') \
        local start = t[1] * 1000000 + t[2] \
        repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 200000 \
        redis.call('INCR', KEYS[1]) \
        redis.call('APPEND', KEYS[2], 'b') \
        redis.call('PERSIST', KEYS[1]) \
        redis.call('PERSIST', KEYS[2]) \
        return 1";
    assert_eq!(text(&m.cmd(&[b"EVAL", script, b"2", b"n", b"s"])), ":1\r\n");
    caught_up(&mut m, &mut r, "the real replica");
    caught_up(&mut m, &mut e, "the emu replica");
    for c in [&mut m, &mut r, &mut e] {
        assert_eq!(text(&c.cmd(&[b"GET", b"n"])), "$2\r\n11\r\n");
        assert_eq!(text(&c.cmd(&[b"GET", b"s"])), "$2\r\nab\r\n");
    }
    // A key past its deadline with no DEL from the master yet.
    m.cmd(&[b"SET", b"gone", b"v", b"PX", b"100"]);
    m.cmd(&[b"SET", b"h", b"x"]);
    m.cmd(&[b"PEXPIRE", b"h", b"100"]);
    caught_up(&mut m, &mut r, "the real replica");
    caught_up(&mut m, &mut e, "the emu replica");
    std::thread::sleep(Duration::from_millis(300));
    let probes: [&[&[u8]]; 7] = [
        &[b"GET", b"gone"],
        &[b"EXISTS", b"gone", b"h"],
        &[b"TTL", b"gone"],
        &[b"PTTL", b"h"],
        &[b"TYPE", b"h"],
        &[b"STRLEN", b"gone"],
        &[b"DBSIZE"],
    ];
    for p in probes {
        let want = text(&r.cmd(p));
        let got = text(&e.cmd(p));
        assert_eq!(
            got,
            want,
            "{:?}",
            p.iter()
                .map(|a| String::from_utf8_lossy(a))
                .collect::<Vec<_>>()
        );
    }
    let keys = |c: &mut Raw| {
        let mut k = bulks(&c.cmd(&[b"KEYS", b"*"]));
        k.sort();
        k
    };
    assert_eq!(keys(&mut e), keys(&mut r), "KEYS *");
    // Still not deleted on either replica: the master decides.
    assert_eq!(text(&e.cmd(&[b"DBSIZE"])), ":4\r\n");
    // A writable replica: a client's write deletes the expired key first (Redis 7.0's
    // lookupKeyWrite), a read leaves it; keys its own clients give a TTL expire there.
    let writable: [&[&[u8]]; 8] = [
        &[b"CONFIG", b"SET", b"replica-read-only", b"no"],
        &[b"INCR", b"gone"],
        &[b"TTL", b"gone"],
        &[b"GET", b"h"],
        &[b"DBSIZE"],
        &[b"SET", b"mine", b"1", b"PX", b"100"],
        &[b"SET", b"mine2", b"1"],
        &[b"PEXPIRE", b"mine2", b"100"],
    ];
    for p in writable {
        assert_eq!(text(&e.cmd(p)), text(&r.cmd(p)), "{p:?}");
    }
    wait_for("the replicas' own keys to expire", || {
        text(&r.cmd(&[b"DBSIZE"])) == ":4\r\n" && text(&e.cmd(&[b"DBSIZE"])) == ":4\r\n"
    });
    for c in [&mut r, &mut e] {
        assert_eq!(text(&c.cmd(&[b"DEL", b"gone"])), ":1\r\n");
        c.cmd(&[b"CONFIG", b"SET", b"replica-read-only", b"yes"]);
    }
    // The master's lazy expiry sends the DELs.
    assert_eq!(text(&m.cmd(&[b"GET", b"gone"])), "$-1\r\n");
    assert_eq!(text(&m.cmd(&[b"GET", b"h"])), "$-1\r\n");
    caught_up(&mut m, &mut r, "the real replica");
    caught_up(&mut m, &mut e, "the emu replica");
    assert_eq!(text(&r.cmd(&[b"DBSIZE"])), ":2\r\n");
    assert_eq!(text(&e.cmd(&[b"DBSIZE"])), ":2\r\n");
}

/// An `emu serve` process (the binary), killed on drop.
struct EmuProcess(Child);

impl Drop for EmuProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `emu serve --port <free> <args>` and a connection to it.
fn spawn_emu_serve(args: &[&str]) -> (EmuProcess, Raw) {
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_emu"))
            .args(["serve", "--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emu serve");
        let mut p = EmuProcess(child);
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(s) = std::net::TcpStream::connect(addr) {
                if server_pid(s) == Some(p.0.id()) {
                    return (p, Raw::connect(addr));
                }
                break;
            }
            if !matches!(p.0.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("emu serve did not start on any of 5 free ports");
}

/// `emu serve --replicaof "HOST PORT" --masteruser U --masterauth P` on the command line:
/// the binary follows a real master whose only usable user is an ACL user with a password,
/// from its start; with a wrong password the link never comes up.
#[test]
fn serve_command_line_replicaof_masteruser_masterauth() {
    let mdir = tempfile::tempdir().expect("tempdir");
    let Some(master) = start_real_redis_with(
        "a real master with an ACL user for emu serve --replicaof",
        &[
            "--dir",
            mdir.path().to_str().expect("utf8"),
            "--user",
            "default",
            "off",
            "--user",
            "repl",
            "on",
            ">rpw",
            "~*",
            "&*",
            "+@all",
        ],
    ) else {
        return;
    };
    let mut m = Raw::connect(master.addr);
    assert_eq!(text(&m.cmd(&[b"AUTH", b"repl", b"rpw"])), "+OK\r\n");
    m.cmd(&[b"SET", b"before", b"1"]);
    m.cmd(&[b"SELECT", b"3"]);
    m.cmd(&[b"RPUSH", b"l", b"a", b"b"]);
    m.cmd(&[b"SELECT", b"0"]);
    let target = format!("127.0.0.1 {}", master.addr.port());
    let (_p, mut e) = spawn_emu_serve(&[
        "--replicaof",
        &target,
        "--masteruser",
        "repl",
        "--masterauth",
        "rpw",
    ]);
    wait_for("the link of emu serve --replicaof up", || {
        field(&mut e, "master_link_status") == "up"
    });
    m.cmd(&[b"SET", b"after", b"2"]);
    caught_up(&mut m, &mut e, "emu serve --replicaof");
    assert_eq!(field(&mut e, "role"), "slave");
    assert_eq!(field(&mut e, "master_port"), master.addr.port().to_string());
    assert_eq!(text(&e.cmd(&[b"GET", b"before"])), "$1\r\n1\r\n");
    assert_eq!(text(&e.cmd(&[b"GET", b"after"])), "$1\r\n2\r\n");
    e.cmd(&[b"SELECT", b"3"]);
    assert_eq!(
        text(&e.cmd(&[b"LRANGE", b"l", b"0", b"-1"])),
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        bulks(&e.cmd(&[b"CONFIG", b"GET", b"replicaof"]))[1],
        target.as_bytes()
    );
    assert_eq!(
        bulks(&e.cmd(&[b"CONFIG", b"GET", b"masteruser"]))[1],
        b"repl"
    );
    assert_eq!(
        text(&e.cmd(&[b"SET", b"x", b"1"])),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    // The wrong password: the master refuses the link, which stays down.
    let (_q, mut bad) = spawn_emu_serve(&[
        "--replicaof",
        &target,
        "--masteruser",
        "repl",
        "--masterauth",
        "wrong",
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(field(&mut bad, "role"), "slave");
    assert_eq!(field(&mut bad, "master_link_status"), "down");
    assert_eq!(text(&bad.cmd(&[b"DBSIZE"])), ":0\r\n");
}

/// `replica-serve-stale-data no` on a replica whose link is down: commands not flagged
/// `stale` get MASTERDOWN (queued ones flag the transaction), and EXEC is judged by the
/// commands it queued — MASTERDOWN, or READONLY for queued writes, when the replica's state
/// changed since they were queued (Redis `processCommand` with `mstate.cmd_flags` /
/// `cmd_inv_flags`).
fn stale_replica_replies(addr: SocketAddr) -> Vec<String> {
    let mut out = Vec::new();
    let mut ctl = Raw::connect(addr);
    let mut c = Raw::connect(addr);
    let mut run = |c: &mut Raw, line: &str| out.push(format!("{line} -> {}", text(&c.cmds(line))));
    ctl.cmds("CONFIG SET replica-serve-stale-data no");
    ctl.cmds("SET xx 1");
    run(&mut c, "MULTI");
    run(&mut c, "GET xx");
    ctl.cmds("REPLICAOF localhsot 0");
    run(&mut c, "EXEC");
    for line in [
        "PING",
        "GET xx",
        "MULTI",
        "GET xx",
        "PING",
        "EXEC",
        "CONFIG GET replica-serve-stale-data",
    ] {
        run(&mut c, line);
    }
    ctl.cmds("REPLICAOF NO ONE");
    run(&mut c, "MULTI");
    run(&mut c, "PING");
    ctl.cmds("REPLICAOF localhsot 0");
    run(&mut c, "EXEC");
    run(&mut c, "MULTI");
    ctl.cmds("REPLICAOF NO ONE");
    run(&mut c, "GET xx");
    run(&mut c, "EXEC");
    // Stale data served, but a queued write meets a read-only replica.
    ctl.cmds("CONFIG SET replica-serve-stale-data yes");
    run(&mut c, "MULTI");
    run(&mut c, "SET xx 2");
    ctl.cmds("REPLICAOF localhsot 0");
    run(&mut c, "EXEC");
    run(&mut c, "GET xx");
    ctl.cmds("REPLICAOF NO ONE");
    out
}

#[test]
fn stale_replica_and_exec_match_redis() {
    let Some(real) = start_real_redis_with("stale_replica_and_exec_match_redis", &[]) else {
        return;
    };
    let (_redis, running) = start();
    let want = stale_replica_replies(real.addr);
    assert_eq!(stale_replica_replies(running.addr().unwrap()), want);
}

/// A master refusing the replica's AUTH: `emu serve` logs Redis's line for it on stdout,
/// where redis-server logs it (Redis's suite waits for "Unable to AUTH to MASTER" there).
#[test]
fn refused_masterauth_is_logged_as_redis() {
    let Some(master) = start_real_redis_with("a master with a password", &["--requirepass", "pw"])
    else {
        return;
    };
    let target = format!("127.0.0.1 {}", master.addr.port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_emu"))
        .args(["serve", "--port", "0", "--replicaof", &target])
        .args(["--masterauth", "wrong"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn emu serve");
    let out = child.stdout.take().unwrap();
    let _p = EmuProcess(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("emu serve logged no refused AUTH");
        if line.contains("AUTH to MASTER") {
            break line;
        }
    };
    assert!(
        line.contains("Unable to AUTH to MASTER: -WRONGPASS"),
        "{line}"
    );
}

/// FUNCTION's writing subcommands and FCALL of a function that may write, on a read-only
/// replica: READONLY as redis-server's replica answers (Redis flags FUNCTION LOAD / DELETE
/// / FLUSH / RESTORE `write`, and a function without `no-writes` makes FCALL a write);
/// reads and `no-writes` functions run.
#[test]
fn function_writes_on_a_replica_are_refused_as_redis() {
    let Some(bin) = tool("redis-server", "FUNCTION on a replica needs redis-server") else {
        return;
    };
    let master = Master::spawn_any(&bin);
    let mut m = Raw::connect(master.addr);
    let w = b"#!lua name=w\nredis.register_function('fw', function() return redis.call('set', 'x', '1') end)";
    let r = b"#!lua name=r\nredis.register_function{function_name='fr', callback=function() return 'hi' end, flags={'no-writes'}}";
    assert_eq!(text(&m.cmd(&[b"FUNCTION", b"LOAD", w])), "$1\r\nw\r\n");
    assert_eq!(text(&m.cmd(&[b"FUNCTION", b"LOAD", r])), "$1\r\nr\r\n");
    // `$<len>\r\n<payload>\r\n` (binary: not through `bulks`).
    let dump = {
        let raw = m.cmd(&[b"FUNCTION", b"DUMP"]);
        let at = raw.iter().position(|&b| b == b'\n').unwrap() + 1;
        raw[at..raw.len() - 2].to_vec()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(real) = start_real_redis_with(
        "the reference replica",
        &["--dir", &dir.path().display().to_string()],
    ) else {
        return;
    };
    let (_redis, running) = start();
    let mut e = Raw::connect(running.addr().expect("tcp"));
    let mut g = Raw::connect(real.addr);
    let mp = master.addr.port().to_string();
    for c in [&mut e, &mut g] {
        c.cmd(&[b"REPLICAOF", b"127.0.0.1", mp.as_bytes()]);
    }
    for c in [&mut e, &mut g] {
        wait_for("the replica's link up with the functions", || {
            c.cmd(&[b"FCALL_RO", b"fr", b"0"]) == b"$2\r\nhi\r\n"
        });
    }
    let lines: &[&[&[u8]]] = &[
        &[b"FUNCTION", b"LOAD", b"REPLACE", w],
        &[b"FUNCTION", b"DELETE", b"w"],
        &[b"FUNCTION", b"FLUSH"],
        &[b"FUNCTION", b"RESTORE", &dump, b"REPLACE"],
        &[b"FCALL", b"fw", b"0"],
        &[b"FCALL", b"fr", b"0"],
        &[b"FCALL_RO", b"fr", b"0"],
        &[b"FUNCTION", b"STATS"],
        &[b"MULTI"],
        &[b"FUNCTION", b"DELETE", b"w"],
        &[b"EXEC"],
    ];
    for line in lines {
        assert_eq!(
            text(&e.cmd(line)),
            text(&g.cmd(line)),
            "{}",
            String::from_utf8_lossy(&line.join(&b' '))
        );
    }
}

//! The master-side replication settings, each run on a real redis-server and on
//! `emu serve` with the same steps (replies compared byte for byte where the steps are
//! deterministic, the same behaviour asserted on both otherwise):
//!
//! - `min-replicas-to-write` / `min-replicas-max-lag`: NOREPLICAS for writes (plain, in
//!   MULTI, EXEC, scripts with and without flags) while too few replicas acknowledged
//!   recently; writes pass once a replica is online, and are refused again when it stops
//!   acknowledging.
//! - `repl-timeout`: a replica that stops acknowledging is dropped.
//! - `repl-backlog-ttl`: with no replica for that long the backlog is freed
//!   (`repl_backlog_active:0`) and the replication id changes, so an old replica's PSYNC
//!   is a full resync.
//! - `repl-diskless-sync-delay` / `repl-diskless-sync-max-replicas`: replicas that attach
//!   within the delay share one RDB (one `$EOF:` mark, one `+FULLRESYNC` offset); the
//!   sync starts early once `max-replicas` wait.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::link::ReplLink;
use super::server_util::{start, start_real_redis_with, Raw};

fn text(reply: &[u8]) -> String {
    String::from_utf8_lossy(reply).to_string()
}

/// Polls `f` until it holds (a generous liveness bound; panics naming `what`).
fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `f` against a real redis-server and against `emu serve` (skipped, as the other
/// differential tests are, when redis-server is missing): `f` gets the address and a
/// label.
fn on_both(why: &str, f: impl Fn(SocketAddr, &str) -> Vec<String>) {
    // A disk-based sync (SYNC, `repl-diskless-sync no`) writes its RDB into `--dir`.
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(real) = start_real_redis_with(why, &["--dir", &dir.path().display().to_string()])
    else {
        return;
    };
    let (_redis, running) = start();
    let want = f(real.addr, "redis");
    let got = f(running.addr().expect("tcp"), "emu");
    assert_eq!(want, got, "redis (left) and emu (right) differ");
}

fn info_field(c: &mut Raw, field: &str) -> String {
    let info = text(&c.cmd(&[b"INFO", b"replication"]));
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {info}"))
        .to_string()
}

#[test]
fn min_replicas_refuse_writes_as_redis_does() {
    on_both("the min-replicas-to-write test", |addr, who| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        let mut run = |c: &mut Raw, line: &[&[u8]]| out.push(text(&c.cmd(line)));
        run(
            &mut c,
            &[b"CONFIG", b"SET", b"repl-diskless-sync-delay", b"0"],
        );
        run(&mut c, &[b"CONFIG", b"SET", b"min-replicas-to-write", b"1"]);
        run(&mut c, &[b"CONFIG", b"SET", b"min-replicas-max-lag", b"2"]);
        run(&mut c, &[b"SET", b"k", b"v"]);
        run(&mut c, &[b"INCR", b"n"]);
        run(&mut c, &[b"GET", b"k"]);
        run(&mut c, &[b"PING"]);
        run(&mut c, &[b"MULTI"]);
        run(&mut c, &[b"GET", b"k"]);
        run(&mut c, &[b"SET", b"k", b"v"]);
        run(&mut c, &[b"EXEC"]);
        run(&mut c, &[b"EVAL", b"return redis.call('get','k')", b"0"]);
        run(
            &mut c,
            &[b"EVAL", b"return redis.pcall('set','k','v')['err']", b"0"],
        );
        run(
            &mut c,
            &[b"EVAL", b"#!lua\nreturn redis.call('get','k')", b"0"],
        );
        run(
            &mut c,
            &[
                b"EVAL",
                b"#!lua flags=no-writes\nreturn redis.call('get','k')",
                b"0",
            ],
        );
        // Zero replicas needed, or no lag bound: the check is off.
        run(&mut c, &[b"CONFIG", b"SET", b"min-replicas-max-lag", b"0"]);
        run(&mut c, &[b"SET", b"k", b"v0"]);
        run(&mut c, &[b"CONFIG", b"SET", b"min-replicas-max-lag", b"2"]);
        run(&mut c, &[b"SET", b"k", b"v1"]);
        // A replica attaches and acknowledges: writes pass (Redis counts good replicas
        // once a second, hence the wait).
        let mut link = ReplLink::attach(addr, true);
        wait_for(
            &format!("{who}: a write with a good replica"),
            Duration::from_secs(10),
            || {
                link.send(&[b"REPLCONF", b"ACK", b"0"]);
                c.cmd(&[b"SET", b"k", b"v2"]) == b"+OK\r\n"
            },
        );
        run(&mut c, &[b"GET", b"k"]);
        // It stops acknowledging: after more than 2 s writes are refused again.
        wait_for(
            &format!("{who}: NOREPLICAS after the lag"),
            Duration::from_secs(15),
            || c.cmd(&[b"SET", b"k", b"v3"]).starts_with(b"-NOREPLICAS"),
        );
        run(&mut c, &[b"GET", b"k"]);
        run(&mut c, &[b"CONFIG", b"SET", b"min-replicas-to-write", b"0"]);
        run(&mut c, &[b"SET", b"k", b"v4"]);
        drop(link);
        out
    });
}

/// A replica never refuses writes for `min-replicas-to-write` (Redis
/// `checkGoodReplicasStatus` skips the check when `masterhost` is set): its master's stream
/// and, with `replica-read-only no`, its own clients write whatever its replica count.
#[test]
fn min_replicas_do_not_apply_on_a_replica() {
    on_both("the min-replicas-on-a-replica test", |addr, _who| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        let dead = super::server_util::free_port().to_string();
        for line in [
            &[&b"CONFIG"[..], b"SET", b"min-replicas-to-write", b"1"][..],
            &[b"CONFIG", b"SET", b"min-replicas-max-lag", b"10"],
            &[b"SET", b"k", b"master"],
            &[b"REPLICAOF", b"127.0.0.1", dead.as_bytes()],
            &[b"SET", b"k", b"v"],
            &[b"CONFIG", b"SET", b"replica-read-only", b"no"],
            &[b"SET", b"k", b"replica"],
            &[b"GET", b"k"],
            &[b"REPLICAOF", b"NO", b"ONE"],
            &[b"SET", b"k", b"master again"],
            &[b"CONFIG", b"SET", b"min-replicas-to-write", b"0"],
        ] {
            out.push(text(&c.cmd(line)));
        }
        out
    });
}

#[test]
fn repl_timeout_drops_a_silent_replica() {
    on_both("the repl-timeout test", |addr, who| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync-delay",
            b"0",
        ])));
        out.push(text(&c.cmd(&[b"CONFIG", b"SET", b"repl-timeout", b"1"])));
        let mut link = ReplLink::attach(addr, true);
        assert_eq!(info_field(&mut c, "connected_slaves"), "1", "{who}");
        // No ACK from now on: dropped after more than 1 s.
        assert!(
            link.closed_within(Duration::from_secs(15)),
            "{who}: the silent replica was not dropped"
        );
        wait_for(
            &format!("{who}: connected_slaves:0"),
            Duration::from_secs(5),
            || info_field(&mut c, "connected_slaves") == "0",
        );
        // One that keeps acknowledging stays.
        out.push(text(&c.cmd(&[b"CONFIG", b"SET", b"repl-timeout", b"2"])));
        let mut link = ReplLink::attach(addr, true);
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            link.send(&[b"REPLCONF", b"ACK", b"0"]);
            std::thread::sleep(Duration::from_millis(300));
        }
        assert_eq!(info_field(&mut c, "connected_slaves"), "1", "{who}");
        out
    });
}

#[test]
fn repl_timeout_spares_a_sync_replica_and_diskless_no_frames_by_length() {
    on_both("the SYNC / repl-diskless-sync no test", |addr, who| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        out.push(text(&c.cmd(&[b"CONFIG", b"SET", b"repl-timeout", b"1"])));
        // An old-protocol replica never acknowledges: it is not timed out while streaming.
        let mut old = ReplLink::attach_sync(addr);
        assert!(
            !old.closed_within(Duration::from_secs(4)),
            "{who}: the SYNC replica was dropped"
        );
        assert_eq!(info_field(&mut c, "connected_slaves"), "1", "{who}");
        drop(old);
        // repl-diskless-sync no: a capa-eof replica gets `$<len>`, at once.
        out.push(text(&c.cmd(&[b"CONFIG", b"SET", b"repl-timeout", b"60"])));
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync",
            b"no",
        ])));
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync-delay",
            b"30",
        ])));
        let t = Instant::now();
        let link = ReplLink::attach(addr, true);
        assert_eq!(link.mark, None, "{who}");
        assert!(
            t.elapsed() < Duration::from_secs(25),
            "{who}: it waited the delay"
        );
        out
    });
}

#[test]
fn repl_backlog_ttl_frees_the_backlog() {
    on_both("the repl-backlog-ttl test", |addr, who| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync-delay",
            b"0",
        ])));
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-backlog-ttl",
            b"1",
        ])));
        out.push(info_field(&mut c, "repl_backlog_active"));
        let link = ReplLink::attach(addr, true);
        let replid = link.psync_reply.split(' ').nth(1).unwrap_or("").to_string();
        out.push(info_field(&mut c, "repl_backlog_active"));
        c.cmd(&[b"SET", b"k", b"v"]);
        let offset: u64 = info_field(&mut c, "master_repl_offset").parse().unwrap();
        assert!(offset > 0, "{who}");
        drop(link);
        wait_for(
            &format!("{who}: connected_slaves:0"),
            Duration::from_secs(5),
            || info_field(&mut c, "connected_slaves") == "0",
        );
        // A replica that comes back at once continues.
        let mut back = Raw::connect(addr);
        back.cmd(&[b"REPLCONF", b"capa", b"psync2"]);
        back.send(
            format!(
                "*3\r\n$5\r\nPSYNC\r\n$40\r\n{replid}\r\n${}\r\n{}\r\n",
                (offset + 1).to_string().len(),
                offset + 1
            )
            .as_bytes(),
        );
        let reply = text(&back.reply());
        assert!(reply.starts_with("+CONTINUE"), "{who}: {reply}");
        drop(back);
        // No replica for more than 1 s: the backlog goes, and the replication id changes.
        wait_for(
            &format!("{who}: repl_backlog_active:0"),
            Duration::from_secs(15),
            || info_field(&mut c, "repl_backlog_active") == "0",
        );
        out.push(info_field(&mut c, "repl_backlog_histlen"));
        out.push(info_field(&mut c, "repl_backlog_first_byte_offset"));
        assert_ne!(info_field(&mut c, "master_replid"), replid, "{who}");
        // The old id cannot continue.
        let link = ReplLink::attach(addr, true);
        assert!(link.psync_reply.starts_with("+FULLRESYNC"), "{who}");
        let mut again = Raw::connect(addr);
        again.cmd(&[b"REPLCONF", b"capa", b"psync2"]);
        again.send(
            format!(
                "*3\r\n$5\r\nPSYNC\r\n$40\r\n{replid}\r\n${}\r\n{}\r\n",
                (offset + 1).to_string().len(),
                offset + 1
            )
            .as_bytes(),
        );
        let reply = text(&again.reply());
        assert!(reply.starts_with("+FULLRESYNC"), "{who}: {reply}");
        drop(link);
        out
    });
}

/// Attaches `n` disk-less replicas at once; returns their links and how long the first
/// waited for its `+FULLRESYNC`.
fn attach_together(addr: SocketAddr, n: usize) -> (Vec<ReplLink>, Duration) {
    let t = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|_| std::thread::spawn(move || (ReplLink::attach(addr, true), t.elapsed())))
        .collect();
    let mut links = Vec::new();
    let mut first = Duration::MAX;
    for h in handles {
        let (l, d) = h.join().expect("attach");
        first = first.min(d);
        links.push(l);
    }
    (links, first)
}

#[test]
fn diskless_sync_delay_shares_one_rdb() {
    on_both("the repl-diskless-sync-delay test", |addr, who| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        for i in 0..100 {
            c.cmd(&[b"SET", format!("k{i}").as_bytes(), b"v"]);
        }
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync-delay",
            b"2",
        ])));
        // While they wait, INFO lists them as wait_bgsave.
        let watcher = std::thread::spawn(move || {
            let mut c = Raw::connect(addr);
            let mut seen = false;
            for _ in 0..40 {
                let info = text(&c.cmd(&[b"INFO", b"replication"]));
                if info.contains("state=wait_bgsave") {
                    seen = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            seen
        });
        let (links, waited) = attach_together(addr, 3);
        assert!(
            watcher.join().unwrap_or(false),
            "{who}: no wait_bgsave state"
        );
        // The sync waited for the delay (a lower bound: it cannot start earlier).
        assert!(waited >= Duration::from_millis(1900), "{who}: {waited:?}");
        let marks: Vec<_> = links.iter().map(|l| l.mark.clone()).collect();
        assert!(
            marks.iter().all(|m| m.is_some() && *m == marks[0]),
            "{who}: {marks:?}"
        );
        let replies: Vec<_> = links.iter().map(|l| l.psync_reply.clone()).collect();
        assert!(
            replies.iter().all(|r| *r == replies[0]),
            "{who}: {replies:?}"
        );
        assert!(links.iter().all(|l| l.rdb == links[0].rdb), "{who}");
        drop(links);
        // max-replicas: the sync starts as soon as that many wait, well before the delay.
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync-delay",
            b"60",
        ])));
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync-max-replicas",
            b"2",
        ])));
        let (links, waited) = attach_together(addr, 2);
        assert!(waited < Duration::from_secs(30), "{who}: {waited:?}");
        assert_eq!(links[0].mark, links[1].mark, "{who}");
        drop(links);
        // Without a delay each replica gets its own RDB at once, taken where it attached.
        // (Not told apart by the marks: Redis draws its mark in the forked child, so
        // successive children repeat it.)
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync-delay",
            b"0",
        ])));
        let a = ReplLink::attach(addr, true);
        c.cmd(&[b"SET", b"after", b"a"]);
        let b = ReplLink::attach(addr, true);
        assert_ne!(a.psync_reply, b.psync_reply, "{who}");
        assert_ne!(a.rdb, b.rdb, "{who}");
        out
    });
}

#[test]
fn disk_based_sync_in_progress_is_joined() {
    on_both("the disk-based join test", |addr, who| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        out.push(text(&c.cmd(&[
            b"CONFIG",
            b"SET",
            b"repl-diskless-sync",
            b"no",
        ])));
        // A transfer that takes a while to produce: Redis is slowed down per key (its
        // BGSAVE child is quick otherwise); emu's RDB thread gets many keys.
        let fill = |c: &mut Raw, n: usize| {
            for chunk in 0..n / 1000 {
                let kv: Vec<Vec<u8>> = (0..1000)
                    .flat_map(|i| {
                        let k = format!("key:{}", chunk * 1000 + i).into_bytes();
                        [k, b"value".to_vec()]
                    })
                    .collect();
                let mut argv: Vec<&[u8]> = vec![b"MSET"];
                argv.extend(kv.iter().map(|a| a.as_slice()));
                assert_eq!(text(&c.cmd(&argv)), "+OK\r\n");
            }
        };
        if who == "redis" {
            fill(&mut c, 20_000);
            c.cmd(&[b"CONFIG", b"SET", b"rdb-key-save-delay", b"100"]);
        } else {
            fill(&mut c, 300_000);
        }
        let mut a = ReplLink::begin(addr, false);
        // A write after the first replica's sync started, then a second replica: it joins
        // the transfer in progress (the same +FULLRESYNC offset and RDB) and gets the
        // write through the stream, where a sync of its own would hold it in its RDB.
        out.push(text(&c.cmd(&[b"SET", b"late", b"write"])));
        let mut b = ReplLink::begin(addr, false);
        assert_eq!(a.psync_reply, b.psync_reply, "{who}: b did not join");
        a.receive_rdb(false);
        b.receive_rdb(false);
        assert!(a.rdb == b.rdb, "{who}: different RDBs");
        for l in [&mut a, &mut b] {
            l.until(&[b"SET", b"late", b"write"], Duration::from_secs(20));
        }
        if who == "redis" {
            c.cmd(&[b"CONFIG", b"SET", b"rdb-key-save-delay", b"0"]);
        }
        // Once the transfer is over, a new replica gets a sync of its own.
        let d = ReplLink::attach(addr, false);
        assert_ne!(d.psync_reply, a.psync_reply, "{who}");
        out
    });
}

/// With `repl-ping-replica-period 3600`, a replica that attaches sees its commands with no
/// PING before them (Redis pings on the timer loops that are multiples of the period; emu
/// pinged at once when the first replica attached, which broke the TCL suite's
/// `assert_replication_stream` in the string and expire units).
#[test]
fn no_ping_right_after_attaching() {
    on_both("the replication PING test", |addr, _who| {
        // Past Redis's first timer loop (loop 0 pings whatever the period).
        std::thread::sleep(Duration::from_millis(1200));
        let mut c = Raw::connect(addr);
        c.cmd(&[b"CONFIG", b"SET", b"repl-ping-replica-period", b"3600"]);
        let mut link = ReplLink::attach_sync(addr);
        // A timer tick or two with the replica attached.
        std::thread::sleep(Duration::from_millis(1500));
        c.cmd(&[b"SET", b"k", b"v"]);
        (0..2)
            .map(|_| String::from_utf8_lossy(&link.command()[0]).to_uppercase())
            .collect()
    });
}

/// SCAN and RANDOMKEY propagate the expired keys they meet as separate DELs, not wrapped
/// in MULTI/EXEC (Redis `CMD_TOUCHES_ARBITRARY_KEYS`; the TCL expire unit's "SCAN/RANDOMKEY:
/// Lazy-expire should not be wrapped in MULTI/EXEC"). The order of the DELs is the
/// servers' own (hash order, random picks), so it is sorted before comparing.
#[test]
fn scan_and_randomkey_expiries_are_not_wrapped() {
    on_both("the lazy-expire propagation test", |addr, _who| {
        let mut c = Raw::connect(addr);
        c.cmd(&[b"CONFIG", b"SET", b"repl-ping-replica-period", b"3600"]);
        c.cmd(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"]);
        let mut link = ReplLink::attach_sync(addr);
        let mut out = Vec::new();
        for (cmd, keys) in [("SCAN 0", ["sc1", "sc2"]), ("RANDOMKEY", ["rk1", "rk2"])] {
            // Only the expired keys exist (RANDOMKEY stops at a live one).
            c.cmd(&[b"DEL", b"end"]);
            for k in keys {
                c.cmd(&[b"SET", k.as_bytes(), b"1", b"PX", b"1"]);
            }
            std::thread::sleep(Duration::from_millis(20));
            let argv: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
            c.cmd(&argv);
            c.cmd(&[b"SET", b"end", cmd.as_bytes()]);
            let mut got: Vec<String> = link
                .until(&[b"SET", b"end", cmd.as_bytes()], Duration::from_secs(10))
                .iter()
                .map(|a| {
                    a.iter()
                        .map(|x| String::from_utf8_lossy(x).to_uppercase())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|l| !l.starts_with("SET ") && !l.starts_with("SELECT") && l != "DEL END")
                .collect();
            got.sort();
            out.extend(got);
        }
        out
    });
}

//! Keys' access data (LRU idle time, LFU counter) across a full resync and DEBUG RELOAD,
//! as Redis 7.0 carries it in the RDB (`IDLE` under an LRU policy, `FREQ` under an LFU
//! policy, honoured on load under the loading server's policy):
//! - a real redis-server replica of `emu serve` gets emu's counters and idle times;
//! - an `emu serve` replica of a real redis-server gets the real server's;
//! - DEBUG RELOAD keeps them on emu as on redis-server.
//!
//! Counters are set with `RESTORE … FREQ n` and `lfu-decay-time 0` on every server (no
//! decay between the write and the read, whatever the minute); idle times with `RESTORE …
//! IDLETIME s` and compared against the seconds that pass meanwhile.

use super::follow::{text, wait_for};
use super::server_util::{start, start_real_redis_with, Raw, RealRedis};

const KEYS: u64 = 6;

fn freq(n: u64) -> u64 {
    n * 37 % 256
}

fn idle(n: u64) -> u64 {
    1000 * (n + 1)
}

fn int(reply: &[u8]) -> u64 {
    let s = text(reply);
    s.trim_start_matches(':')
        .trim_end()
        .parse()
        .unwrap_or_else(|_| panic!("not an integer reply: {s:?}"))
}

/// `k0`…: RESTOREd from a DUMP with `FREQ freq(n)` (lfu) or `IDLETIME idle(n)`.
fn fill(c: &mut Raw, lfu: bool) {
    c.cmd(&[b"SET", b"src", b"value"]);
    let dump = c.cmd(&[b"DUMP", b"src"]);
    let start = dump.iter().position(|&b| b == b'\n').expect("bulk") + 1;
    let payload = dump[start..dump.len() - 2].to_vec();
    c.cmd(&[b"DEL", b"src"]);
    for n in 0..KEYS {
        let key = format!("k{n}");
        let (opt, v): (&[u8], u64) = if lfu {
            (b"FREQ", freq(n))
        } else {
            (b"IDLETIME", idle(n))
        };
        let v = v.to_string();
        assert_eq!(
            text(&c.cmd(&[
                b"RESTORE",
                key.as_bytes(),
                b"0",
                &payload,
                opt,
                v.as_bytes()
            ])),
            "+OK\r\n"
        );
    }
}

/// Checks the keys' counters (exactly) or idle times (at least the saved ones, at most
/// `slack` seconds more).
fn check(c: &mut Raw, lfu: bool, slack: u64, who: &str) {
    for n in 0..KEYS {
        let key = format!("k{n}");
        if lfu {
            let got = int(&c.cmd(&[b"OBJECT", b"FREQ", key.as_bytes()]));
            assert_eq!(got, freq(n), "{who}: OBJECT FREQ {key}");
        } else {
            let got = int(&c.cmd(&[b"OBJECT", b"IDLETIME", key.as_bytes()]));
            assert!(
                (idle(n)..=idle(n) + slack).contains(&got),
                "{who}: OBJECT IDLETIME {key} = {got}, saved {}",
                idle(n)
            );
        }
    }
}

fn policy_args(lfu: bool) -> [&'static str; 4] {
    [
        "--maxmemory-policy",
        if lfu { "allkeys-lfu" } else { "allkeys-lru" },
        "--lfu-decay-time",
        "0",
    ]
}

fn set_policy(c: &mut Raw, lfu: bool) {
    let p: &[u8] = if lfu { b"allkeys-lfu" } else { b"allkeys-lru" };
    assert_eq!(
        text(&c.cmd(&[b"CONFIG", b"SET", b"maxmemory-policy", p])),
        "+OK\r\n"
    );
    assert_eq!(
        text(&c.cmd(&[b"CONFIG", b"SET", b"lfu-decay-time", b"0"])),
        "+OK\r\n"
    );
}

fn real(why: &str, extra: &[&str], lfu: bool) -> Option<(RealRedis, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--dir", dir.path().to_str().expect("utf8")];
    args.extend_from_slice(&policy_args(lfu));
    args.extend_from_slice(extra);
    start_real_redis_with(why, &args).map(|r| (r, dir))
}

#[test]
fn a_real_replica_of_emu_gets_its_access_data() {
    for lfu in [true, false] {
        let (_e, erun) = start();
        let eaddr = erun.addr().expect("tcp");
        let mut e = Raw::connect(eaddr);
        set_policy(&mut e, lfu);
        fill(&mut e, lfu);
        let port = eaddr.port().to_string();
        let Some((rr, _dir)) = real(
            "a real replica of emu (access data)",
            &["--replicaof", "127.0.0.1", &port],
            lfu,
        ) else {
            return;
        };
        let mut r = Raw::connect(rr.addr);
        wait_for("the replica loaded", || {
            text(&r.cmd(&[b"DBSIZE"])) == format!(":{KEYS}\r\n")
        });
        check(&mut r, lfu, 60, "real replica of emu");
    }
}

#[test]
fn an_emu_replica_of_a_real_master_gets_its_access_data() {
    for lfu in [true, false] {
        let Some((rm, _dir)) = real("a real master (access data)", &[], lfu) else {
            return;
        };
        let mut m = Raw::connect(rm.addr);
        fill(&mut m, lfu);
        let (_e, erun) = start();
        let mut e = Raw::connect(erun.addr().expect("tcp"));
        set_policy(&mut e, lfu);
        let port = rm.addr.port().to_string();
        e.cmd(&[b"REPLICAOF", b"127.0.0.1", port.as_bytes()]);
        wait_for("emu loaded", || {
            text(&e.cmd(&[b"DBSIZE"])) == format!(":{KEYS}\r\n")
        });
        check(&mut e, lfu, 60, "emu replica of a real master");
    }
}

#[test]
fn debug_reload_keeps_access_data_as_redis() {
    for lfu in [true, false] {
        let Some((rm, _dir)) = real(
            "DEBUG RELOAD (access data)",
            &["--enable-debug-command", "yes"],
            lfu,
        ) else {
            return;
        };
        let (redis, erun) = start();
        redis
            .with_store(|s| {
                s.config
                    .set_initial("enable-debug-command", b"yes")
                    .expect("enable-debug-command");
            })
            .unwrap();
        let mut e = Raw::connect(erun.addr().expect("tcp"));
        set_policy(&mut e, lfu);
        let mut r = Raw::connect(rm.addr);
        for (c, who) in [(&mut r, "redis-server"), (&mut e, "emu")] {
            fill(c, lfu);
            assert_eq!(text(&c.cmd(&[b"DEBUG", b"RELOAD"])), "+OK\r\n", "{who}");
            check(c, lfu, 60, who);
        }
        // Under a policy that keeps neither, keys restart as new: idle 0 on both.
        for c in [&mut r, &mut e] {
            c.cmd(&[b"CONFIG", b"SET", b"maxmemory-policy", b"volatile-ttl"]);
            c.cmd(&[b"DEBUG", b"RELOAD"]);
        }
        let idle_r = int(&r.cmd(&[b"OBJECT", b"IDLETIME", b"k3"]));
        let idle_e = int(&e.cmd(&[b"OBJECT", b"IDLETIME", b"k3"]));
        assert!(idle_r <= 1 && idle_e <= 1, "redis {idle_r}, emu {idle_e}");
    }
}

//! Cluster mode against a real redis-server 7.0 in cluster mode that owns every slot.

use std::time::{Duration, Instant};

use crate::server_util::{free_port, start_real_redis_with, Raw, RealRedis};

/// Both servers in cluster mode, and what makes emu's replies comparable: the real node's
/// id and ports replace emu's (same lengths: 40 hex digits, five-digit ports).
struct Pair {
    redis: Raw,
    emu: Raw,
    subst: Vec<(Vec<u8>, Vec<u8>)>,
    _real: RealRedis,
    _emu: emu::server::Running,
    _dir: tempfile::TempDir,
}

fn replace(mut b: Vec<u8>, from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut i = 0;
    while i + from.len() <= b.len() {
        if &b[i..i + from.len()] == from {
            b.splice(i..i + from.len(), to.iter().copied());
            i += to.len();
        } else {
            i += 1;
        }
    }
    b
}

impl Pair {
    fn cmd(&mut self, words: &[&str]) -> Vec<u8> {
        let refs: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        let x = self.redis.cmd(&refs);
        // The real node's id in a request means emu's node.
        let mine: Vec<Vec<u8>> = refs
            .iter()
            .map(|a| match self.subst.first() {
                Some((emu_id, real_id)) if a == real_id => emu_id.clone(),
                _ => a.to_vec(),
            })
            .collect();
        let mine: Vec<&[u8]> = mine.iter().map(Vec::as_slice).collect();
        let mut y = self.emu.cmd(&mine);
        for (from, to) in &self.subst {
            y = replace(y, from, to);
        }
        assert_eq!(
            String::from_utf8_lossy(&x),
            String::from_utf8_lossy(&y),
            "replies differ for {words:?}"
        );
        x
    }
}

impl Pair {
    /// Sends to both without comparing (HELLO's client id differs).
    fn both_unchecked(&mut self, words: &[&str]) {
        let refs: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        self.redis.cmd(&refs);
        self.emu.cmd(&refs);
    }
}

fn bulk_text(reply: &[u8]) -> String {
    let s = String::from_utf8_lossy(reply).into_owned();
    let body = s.split_once("\r\n").map_or("", |(_, b)| b);
    body.trim_end_matches("\r\n").to_string()
}

/// A real redis-server with `--cluster-enabled yes` given all slots (waits for
/// `cluster_state:ok`) and its directory (nodes.conf); None when redis-server is missing.
pub(crate) fn real_cluster_node(why: &str) -> Option<(RealRedis, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nodes.conf");
    let real = start_real_redis_with(
        why,
        &[
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            conf.to_str().unwrap(),
            "--dir",
            dir.path().to_str().unwrap(),
        ],
    )?;
    let mut redis = Raw::connect(real.addr);
    assert_eq!(
        redis.cmd(&[b"CLUSTER", b"ADDSLOTSRANGE", b"0", b"16383"]),
        b"+OK\r\n"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !bulk_text(&redis.cmd(&[b"CLUSTER", b"INFO"])).starts_with("cluster_state:ok") {
        assert!(Instant::now() < deadline, "real cluster never became ok");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((real, dir))
}

/// [`real_cluster_node`] and `emu serve` in cluster mode; None when redis-server is missing.
fn pair(why: &str) -> Option<Pair> {
    let (real, dir) = real_cluster_node(why)?;
    let mut redis = Raw::connect(real.addr);
    let store = emu::Redis::builder().cluster_mode(true).build();
    let running = emu::server::Server::new(store)
        .port(free_port())
        .start()
        .expect("emu serve starts");
    let emu_addr = running.addr().expect("emu address");
    let mut emu = Raw::connect(emu_addr);
    let real_id = bulk_text(&redis.cmd(&[b"CLUSTER", b"MYID"]));
    let emu_id = bulk_text(&emu.cmd(&[b"CLUSTER", b"MYID"]));
    let (rp, ep) = (real.addr.port(), emu_addr.port());
    let subst = vec![
        (emu_id.into_bytes(), real_id.into_bytes()),
        (
            format!("{}", ep as u32 + 10000).into_bytes(),
            format!("{}", rp as u32 + 10000).into_bytes(),
        ),
        (ep.to_string().into_bytes(), rp.to_string().into_bytes()),
    ];
    Some(Pair {
        redis,
        emu,
        subst,
        _real: real,
        _emu: running,
        _dir: dir,
    })
}

#[test]
fn cluster_subcommands_as_redis() {
    let Some(mut p) = pair("cluster_subcommands_as_redis") else {
        return;
    };
    let myid = bulk_text(&p.redis.cmd(&[b"CLUSTER", b"MYID"]));
    for proto in ["2", "3"] {
        p.both_unchecked(&["HELLO", proto, "SETNAME", "x"]);
        for c in [
            &["CLUSTER", "INFO"][..],
            &["CLUSTER", "MYID"],
            &["CLUSTER", "NODES"],
            &["CLUSTER", "SLOTS"],
            &["CLUSTER", "SHARDS"],
            &["CLUSTER", "LINKS"],
            &["CLUSTER", "HELP"],
            &["CLUSTER", "KEYSLOT", "a"],
            &["CLUSTER", "KEYSLOT", "{user1}:profile"],
            &["CLUSTER", "KEYSLOT", "{}x"],
            &["CLUSTER", "KEYSLOT", "x{a}y{b}"],
            &["CLUSTER", "KEYSLOT", ""],
            &["CLUSTER", "KEYSLOT"],
            &["CLUSTER", "FOO"],
            &["CLUSTER"],
            &["CLUSTER", "COUNTKEYSINSLOT", "16384"],
            &["CLUSTER", "COUNTKEYSINSLOT", "-1"],
            &["CLUSTER", "COUNTKEYSINSLOT", "x"],
            &["CLUSTER", "GETKEYSINSLOT", "1", "-1"],
            &["CLUSTER", "GETKEYSINSLOT", "16384", "1"],
            &["CLUSTER", "GETKEYSINSLOT", "x", "1"],
            &["CLUSTER", "ADDSLOTS", "5"],
            &["CLUSTER", "ADDSLOTS", "16384"],
            &["CLUSTER", "ADDSLOTS", "x"],
            &["CLUSTER", "ADDSLOTSRANGE", "1", "2"],
            &["CLUSTER", "ADDSLOTSRANGE", "3", "1"],
            &["CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"],
            &["CLUSTER", "COUNT-FAILURE-REPORTS", &myid],
            &["CLUSTER", "COUNT-FAILURE-REPORTS", "abc"],
            &["CLUSTER", "REPLICAS", &myid],
            &["CLUSTER", "SLAVES", "abc"],
            &["CLUSTER", "FORGET", &myid],
            &["CLUSTER", "REPLICATE", &myid],
            &["CLUSTER", "FAILOVER"],
            &["CLUSTER", "FAILOVER", "FORCE"],
            &["CLUSTER", "FAILOVER", "x"],
            &["CLUSTER", "SAVECONFIG"],
            &["ASKING"],
            &["READONLY"],
            &["READWRITE"],
        ] {
            p.cmd(c);
        }
        // Keys in slots.
        p.cmd(&["SET", "a", "1"]);
        p.cmd(&["SET", "{a}b", "2"]);
        p.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "15495"]);
        p.cmd(&["CLUSTER", "GETKEYSINSLOT", "15495", "1"]).len();
        p.cmd(&["CLUSTER", "GETKEYSINSLOT", "15495", "0"]);
        p.cmd(&["SET", "foo", "1"]);
        p.cmd(&["CLUSTER", "GETKEYSINSLOT", "12182", "5"]);
        p.cmd(&["FLUSHALL"]);
    }
    // Epochs last: they change CLUSTER INFO and NODES.
    p.cmd(&["CLUSTER", "SET-CONFIG-EPOCH", "-1"]);
    p.cmd(&["CLUSTER", "SET-CONFIG-EPOCH", "x"]);
    p.cmd(&["CLUSTER", "SET-CONFIG-EPOCH", "3"]);
    p.cmd(&["CLUSTER", "SET-CONFIG-EPOCH", "4"]);
    p.cmd(&["CLUSTER", "BUMPEPOCH"]);
    p.cmd(&["CLUSTER", "INFO"]);
    p.cmd(&["CLUSTER", "NODES"]);
    // The announced address (`cluster-announce-*`) is what NODES, SLOTS and SHARDS report.
    p.cmd(&["CONFIG", "SET", "cluster-announce-port", "7000"]);
    p.cmd(&["CLUSTER", "NODES"]);
    p.cmd(&["CONFIG", "SET", "cluster-announce-bus-port", "17777"]);
    p.cmd(&["CONFIG", "SET", "cluster-announce-ip", "1.2.3.4"]);
    for proto in ["2", "3"] {
        p.both_unchecked(&["HELLO", proto]);
        p.cmd(&["CLUSTER", "NODES"]);
        p.cmd(&["CLUSTER", "SLOTS"]);
        p.cmd(&["CLUSTER", "SHARDS"]);
    }
}

#[test]
fn cross_slot_rules_as_redis() {
    let Some(mut p) = pair("cross_slot_rules_as_redis") else {
        return;
    };
    for proto in ["2", "3"] {
        p.both_unchecked(&["HELLO", proto, "SETNAME", "x"]);
        for c in [
            &["SET", "a", "1"][..],
            &["MSET", "a", "1", "b", "2"],
            &["MSET", "a", "1", "{a}x", "2"],
            &["MGET", "a", "a", "a"],
            &["MGET", "a", "b"],
            &["DEL", "a", "b"],
            &["EXISTS", "a", "{a}x"],
            &["RENAME", "a", "b"],
            &["RENAME", "a", "{a}c"],
            &["SUNIONSTORE", "a", "b"],
            &["ZUNIONSTORE", "z", "2", "a", "b"],
            &["ZUNIONSTORE", "{z}1", "1", "z"],
            &["BLPOP", "a", "b", "0"],
            &["LMOVE", "a", "b", "LEFT", "LEFT"],
            &["PFCOUNT", "a", "b"],
            &["OBJECT", "ENCODING", "a"],
            &["SELECT", "0"],
            &["SELECT", "1"],
            &["SELECT", "99"],
            &["SELECT", "x"],
            &["MOVE", "a", "1"],
            &["SWAPDB", "0", "1"],
            &["COPY", "a", "zz", "DB", "1"],
            &["COPY", "a", "{a}z", "DB", "1"],
            &["COPY", "a", "{a}z", "DB", "99"],
            &["COPY", "a", "{a}z", "DB", "0"],
            &["EVAL", "return redis.call('get','a')", "2", "a", "b"],
            &["EVAL", "return redis.call('get','a')", "2", "a", "{a}b"],
            &["EVAL", "return redis.call('mget','a','b')", "0"],
            &[
                "EVAL",
                "redis.call('get','a'); return redis.call('get','b')",
                "0",
            ],
            &["EVAL", "return redis.pcall('mset','a','1','b','2')", "0"],
            &["EVAL", "#!lua flags=no-cluster\nreturn 1", "0"],
            &["EVAL", "#!lua\nreturn redis.call('mget','a','b')", "0"],
            &["SORT", "a", "BY", "w_*"],
            &["SORT", "a", "GET", "#"],
            &["SORT", "a", "BY", "nosort"],
            &["SORT_RO", "a", "LIMIT", "x", "1", "GET", "#"],
            &["SPUBLISH", "a", "x"],
            &["FLUSHALL"],
        ] {
            p.cmd(c);
        }
        // Transactions: a queued cross-slot command aborts; commands of several slots
        // abort at EXEC with CROSSSLOT itself.
        for c in [
            &["MULTI"][..],
            &["SET", "a", "1"],
            &["SET", "b", "1"],
            &["EXEC"],
            &["MULTI"],
            &["MSET", "a", "1", "b", "2"],
            &["EXEC"],
            &["MULTI"],
            &["SET", "a", "1"],
            &["GET", "{a}x"],
            &["EXEC"],
            &["MULTI"],
            &["PING"],
            &["EXEC"],
            &["MULTI"],
            &["SELECT", "1"],
            &["EXEC"],
            &["EXEC"],
        ] {
            p.cmd(c);
        }
    }
    // Shard channels are routed like keys.
    p.cmd(&["SSUBSCRIBE", "a", "b"]);
    p.cmd(&["SSUBSCRIBE", "a", "{a}x"]);
}

#[test]
fn without_cluster_mode_cluster_commands_are_refused_as_redis() {
    let Some(real) = crate::server_util::start_real_redis("cluster commands without cluster mode")
    else {
        return;
    };
    let (_store, running) = crate::server_util::start();
    let mut a = Raw::connect(real.addr);
    let mut b = Raw::connect(running.addr().unwrap());
    for c in [
        &["CLUSTER", "INFO"][..],
        &["CLUSTER", "HELP"],
        &["CLUSTER", "KEYSLOT", "a"],
        &["CLUSTER", "FOO"],
        &["CLUSTER", "KEYSLOT"],
        &["ASKING"],
        &["READONLY"],
        &["READWRITE"],
        &["MSET", "a", "1", "b", "2"],
        &["SELECT", "1"],
    ] {
        let refs: Vec<&[u8]> = c.iter().map(|w| w.as_bytes()).collect();
        assert_eq!(
            String::from_utf8_lossy(&a.cmd(&refs)),
            String::from_utf8_lossy(&b.cmd(&refs)),
            "{c:?}"
        );
    }
}

/// The payload of a RESP bulk-string reply (`$len\r\n<bytes>\r\n`), bytes exact.
fn bulk_payload(reply: &[u8]) -> Vec<u8> {
    let head = reply
        .windows(2)
        .position(|w| w == b"\r\n")
        .expect("a RESP line");
    assert_eq!(reply.first(), Some(&b'$'), "not a bulk string");
    let len: usize = std::str::from_utf8(&reply[1..head])
        .unwrap()
        .parse()
        .unwrap();
    reply[head + 2..head + 2 + len].to_vec()
}

/// COUNTKEYSINSLOT and GETKEYSINSLOT after keys come and go (the per-slot index) agree
/// with a real cluster node byte for byte: counts, and key lists in Redis 7.0's order —
/// newest first; an overwrite (SET, a type change, EXPIRE/PERSIST) keeps a key's place,
/// RENAME/COPY/RESTORE destinations and keys re-created after DEL, an emptying pop or a
/// lazy expiry go to the front — whole and cut short by COUNT.
#[test]
fn keys_in_slot_follow_writes_as_redis() {
    let Some(mut p) = pair("keys_in_slot_follow_writes_as_redis") else {
        return;
    };
    for i in 0..60 {
        p.cmd(&["SET", &format!("{{t}}{i}"), "v"]);
        p.cmd(&["RPUSH", &format!("{{u}}{i}"), "a"]);
        p.cmd(&["SET", &format!("k{i}"), "v"]);
    }
    for i in (0..60).step_by(3) {
        p.cmd(&["DEL", &format!("{{t}}{i}")]);
        p.cmd(&["LPOP", &format!("{{u}}{i}")]);
        p.cmd(&["RENAME", &format!("{{t}}{}", i + 1), &format!("{{t}}r{i}")]);
        p.cmd(&["UNLINK", &format!("k{i}")]);
    }
    for i in (0..60).step_by(7) {
        // Overwrites keep their place…
        p.cmd(&["SET", &format!("{{t}}{}", i + 2), "again"]);
        p.cmd(&["SET", &format!("{{u}}{}", i + 1), "now a string"]);
        p.cmd(&["EXPIRE", &format!("{{u}}{}", i + 2), "1000"]);
        p.cmd(&["PERSIST", &format!("{{u}}{}", i + 2)]);
        // …a deleted key set again, a renamed-over or copied-to key go to the front.
        p.cmd(&["DEL", &format!("{{u}}{}", i + 4)]);
        p.cmd(&["SET", &format!("{{u}}{}", i + 4), "back"]);
        p.cmd(&[
            "RENAME",
            &format!("{{t}}{}", i + 5),
            &format!("{{t}}{}", i + 2),
        ]);
        p.cmd(&["COPY", &format!("{{u}}{}", i + 5), &format!("{{u}}c{i}")]);
        p.cmd(&["RPUSH", &format!("{{u}}{i}"), "again"]);
    }
    p.cmd(&["SET", "{u}dumped", "v"]);
    let dump = p.redis.cmd(&[b"DUMP", b"{u}dumped"]);
    let payload = bulk_payload(&dump);
    p.cmd(&["SET", "{u}first", "v"]);
    for r in [&mut p.redis, &mut p.emu] {
        assert_eq!(
            r.cmd(&[&b"RESTORE"[..], b"{u}dumped", b"0", &payload, b"REPLACE"]),
            b"+OK\r\n"
        );
    }
    p.cmd(&["PEXPIRE", "{t}2", "1"]);
    std::thread::sleep(Duration::from_millis(20));
    p.cmd(&["GET", "{t}2"]);
    p.cmd(&["SET", "{t}2", "after expiry"]);
    let mut slots: Vec<String> = vec!["t".into(), "u".into()];
    slots.extend((0..60).map(|i| format!("k{i}")));
    for key in slots {
        let slot = emu::util::slot::key_hash_slot(key.as_bytes()).to_string();
        assert_eq!(
            p.cmd(&["CLUSTER", "KEYSLOT", &key]),
            format!(":{slot}\r\n").into_bytes()
        );
        p.cmd(&["CLUSTER", "COUNTKEYSINSLOT", &slot]);
        p.cmd(&["CLUSTER", "GETKEYSINSLOT", &slot, "1000"]);
        p.cmd(&["CLUSTER", "GETKEYSINSLOT", &slot, "3"]);
    }
    p.cmd(&["FLUSHALL"]);
    p.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "15495"]);
}

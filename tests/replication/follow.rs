//! A real `redis-server --replicaof` of `emu serve` (issue 17 item 4): it syncs while
//! writes go on, follows a random write load (expiring keys, MULTI, EVAL, FLUSHALL, SELECT
//! of several dbs) and ends identical — every key's DUMP and PEXPIRETIME in every db; WAIT
//! counts it, ROLE and INFO list it; killed, it continues with a partial resync; promoted
//! with REPLICAOF NO ONE it keeps the data and takes writes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::server_util::{start, start_real_redis_with, Raw};

/// A small deterministic generator (the load is the same on every run).
pub(super) struct Lcg(pub(super) u64);

impl Lcg {
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The bulk strings of an array reply.
pub(super) fn bulks(reply: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = reply.iter().position(|&c| c == b'\n').unwrap() + 1;
    while at < reply.len() {
        let nl = at + reply[at..].iter().position(|&c| c == b'\n').unwrap();
        let head = std::str::from_utf8(&reply[at..nl - 1]).unwrap();
        let n: usize = head[1..].parse().unwrap();
        out.push(reply[nl + 1..nl + 1 + n].to_vec());
        at = nl + 1 + n + 2;
    }
    out
}

pub(super) fn text(reply: &[u8]) -> String {
    String::from_utf8_lossy(reply).to_string()
}

/// Every key of every db: (db, key) → (DUMP reply, PEXPIRETIME reply).
pub(super) fn keyspace(c: &mut Raw) -> Keyspace {
    let mut out = BTreeMap::new();
    for db in 0..16 {
        c.cmd(&[b"SELECT", db.to_string().as_bytes()]);
        for k in bulks(&c.cmd(&[b"KEYS", b"*"])) {
            let dump = c.cmd(&[b"DUMP", &k]);
            let at = c.cmd(&[b"PEXPIRETIME", &k]);
            out.insert((db, k), (dump, at));
        }
    }
    c.cmd(&[b"SELECT", b"0"]);
    out
}

pub(super) type Keyspace = BTreeMap<(usize, Vec<u8>), (Vec<u8>, Vec<u8>)>;

/// Asserts that two keyspaces are equal, naming the keys that differ.
pub(super) fn same(master: &Keyspace, replica: &Keyspace, when: &str) {
    let bad: Vec<String> = master
        .keys()
        .chain(replica.keys())
        .filter(|k| master.get(*k) != replica.get(*k))
        .map(|(db, k)| {
            format!(
                "db {db} {}: emu {:?} / replica {:?}",
                String::from_utf8_lossy(k),
                master
                    .get(&(*db, k.clone()))
                    .map(|(d, t)| (text(d), text(t))),
                replica
                    .get(&(*db, k.clone()))
                    .map(|(d, t)| (text(d), text(t)))
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{when}: {} keys differ: {bad:#?}",
        bad.len()
    );
}

pub(super) fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One random write (or a few, in MULTI or EVAL) on connection `c`, whose db is `*db`.
pub(super) fn random_write(c: &mut Raw, g: &mut Lcg, db: &mut usize, flushall: bool) {
    let key = format!("k{}", g.below(40));
    let key2 = format!("k{}", g.below(40));
    let n = g.below(1000).to_string();
    let op = g.below(24);
    let line: Vec<String> = match op {
        0 => vec!["SET".into(), key, n],
        1 => vec!["SET".into(), key, n, "EX".into(), "1000".into()],
        // Short-lived keys: gone (and DELeted by expiry) before the comparison.
        2 => vec![
            "SET".into(),
            key,
            n,
            "PX".into(),
            (1 + g.below(30)).to_string(),
        ],
        3 => vec!["EXPIRE".into(), key, "2000".into()],
        4 => vec!["PERSIST".into(), key],
        5 => vec!["DEL".into(), key],
        6 => vec!["INCRBY".into(), format!("n{}", g.below(10)), n],
        7 => vec![
            "INCRBYFLOAT".into(),
            format!("f{}", g.below(10)),
            "1.25".into(),
        ],
        8 => vec!["APPEND".into(), key, n],
        9 => vec!["RPUSH".into(), format!("l{}", g.below(8)), n.clone(), n],
        10 => vec!["LPOP".into(), format!("l{}", g.below(8))],
        11 => vec!["SADD".into(), format!("s{}", g.below(8)), n],
        12 => vec!["SPOP".into(), format!("s{}", g.below(8))],
        13 => vec![
            "HSET".into(),
            format!("h{}", g.below(8)),
            format!("f{}", g.below(5)),
            n,
        ],
        14 => vec![
            "HINCRBY".into(),
            format!("h{}", g.below(8)),
            "cnt".into(),
            "3".into(),
        ],
        15 => vec![
            "ZADD".into(),
            format!("z{}", g.below(8)),
            n.clone(),
            format!("m{n}"),
        ],
        16 => vec!["ZPOPMIN".into(), format!("z{}", g.below(8))],
        17 => vec![
            "PEXPIRE".into(),
            format!("l{}", g.below(8)),
            "3000000".into(),
        ],
        18 => {
            let d = [0usize, 1, 5][g.below(3) as usize];
            *db = d;
            vec!["SELECT".into(), d.to_string()]
        }
        19 => {
            c.cmd(&[b"MULTI"]);
            c.cmd(&[b"SET", key.as_bytes(), n.as_bytes()]);
            c.cmd(&[b"INCR", format!("n{}", g.below(10)).as_bytes()]);
            c.cmd(&[b"SADD", b"s0", n.as_bytes()]);
            vec!["EXEC".into()]
        }
        20 => vec![
            "EVAL".into(),
            "redis.call('set', KEYS[1], ARGV[1]) redis.call('rpush', KEYS[2], ARGV[1]) \
             redis.call('pexpire', KEYS[1], 5000000)"
                .into(),
            "2".into(),
            key,
            format!("l{}", g.below(8)),
            n,
        ],
        21 => vec![
            "RENAME".into(),
            format!("s{}", g.below(8)),
            format!("s{}", g.below(8)),
        ],
        22 if flushall => vec!["FLUSHALL".into()],
        _ => vec!["COPY".into(), key, key2, "REPLACE".into()],
    };
    let argv: Vec<&[u8]> = line.iter().map(|a| a.as_bytes()).collect();
    c.cmd(&argv);
}

#[test]
fn redis_replica_follows_emu_and_can_be_promoted() {
    let (_redis, running) = start();
    let addr = running.addr().unwrap();
    let mut c = Raw::connect(addr);
    let mut g = Lcg(17);
    let mut db = 0;
    // Data before the replica attaches goes in the RDB of the full resync.
    for _ in 0..400 {
        random_write(&mut c, &mut g, &mut db, false);
    }
    // The replica writes the RDB it receives into its directory: a temporary one.
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(real) = start_real_redis_with(
        "a redis-server replica of emu serve",
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
    // Writes go on while it synchronises.
    for i in 0..2000 {
        random_write(&mut c, &mut g, &mut db, i == 700);
    }
    wait_for("the replica's link up", || {
        text(&r.cmd(&[b"INFO", b"replication"])).contains("master_link_status:up")
    });
    for _ in 0..500 {
        random_write(&mut c, &mut g, &mut db, false);
    }
    // WAIT: this client's last write reached the replica.
    assert_eq!(text(&c.cmd(&[b"WAIT", b"1", b"20000"])), ":1\r\n");
    // ROLE and INFO list it.
    let role = text(&c.cmd(&[b"ROLE"]));
    assert!(role.starts_with("*3\r\n$6\r\nmaster\r\n:"), "{role}");
    assert!(
        role.contains(&format!(
            "${}\r\n{}\r\n",
            real.addr.port().to_string().len(),
            real.addr.port()
        )),
        "ROLE lists the replica's port: {role}"
    );
    let info = text(&c.cmd(&[b"INFO", b"replication"]));
    assert!(info.contains("connected_slaves:1\r\n"), "{info}");
    assert!(
        info.contains(&format!(
            "slave0:ip=127.0.0.1,port={},state=online",
            real.addr.port()
        )),
        "{info}"
    );
    // CLIENT LIST shows it with flag S and as type replica (a MONITOR is O, type normal);
    // CLIENT KILL TYPE master matches nobody.
    let mut mon = Raw::connect(addr);
    mon.cmd(&[b"MONITOR"]);
    let replicas = text(&c.cmd(&[b"CLIENT", b"LIST", b"TYPE", b"replica"]));
    assert_eq!(replicas.matches("id=").count(), 1, "{replicas}");
    assert!(replicas.contains(" flags=S "), "{replicas}");
    let normal = text(&c.cmd(&[b"CLIENT", b"LIST", b"TYPE", b"normal"]));
    assert!(!normal.contains(" flags=S "), "{normal}");
    assert!(normal.contains(" flags=O "), "{normal}");
    assert_eq!(
        text(&c.cmd(&[b"CLIENT", b"KILL", b"TYPE", b"master"])),
        ":0\r\n"
    );
    drop(mon);
    // Short TTLs run out (both sides hide expired keys; emu's DELs reach the replica).
    std::thread::sleep(Duration::from_millis(300));
    c.cmd(&[b"SET", b"fence", b"1"]);
    assert_eq!(text(&c.cmd(&[b"WAIT", b"1", b"20000"])), ":1\r\n");
    let master = keyspace(&mut c);
    assert!(master.len() > 50, "a real dataset: {} keys", master.len());
    assert!(
        master.values().any(|(_, at)| at != b":-1\r\n"),
        "keys with a TTL are compared"
    );
    let replica = keyspace(&mut r);
    same(&master, &replica, "after the load");

    // Killed, the replica reconnects and continues from the backlog.
    let list = text(&c.cmd(&[b"CLIENT", b"LIST"]));
    let id = list
        .lines()
        .find(|l| l.contains("cmd=psync") || l.contains("cmd=sync"))
        .and_then(|l| l.split(' ').find_map(|f| f.strip_prefix("id=")))
        .expect("the replica's connection in CLIENT LIST")
        .to_string();
    c.cmd(&[b"CLIENT", b"KILL", b"ID", id.as_bytes()]);
    for _ in 0..200 {
        random_write(&mut c, &mut g, &mut db, false);
    }
    wait_for("the replica back", || {
        text(&c.cmd(&[b"INFO", b"replication"])).contains("connected_slaves:1")
    });
    let stats = text(&r.cmd(&[b"INFO", b"replication"]));
    assert!(stats.contains("master_link_status:up"), "{stats}");
    std::thread::sleep(Duration::from_millis(300));
    c.cmd(&[b"SET", b"fence", b"2"]);
    assert_eq!(text(&c.cmd(&[b"WAIT", b"1", b"20000"])), ":1\r\n");
    let master = keyspace(&mut c);
    let replica = keyspace(&mut r);
    same(&master, &replica, "after the reconnection");

    // Promoted, it keeps the data and takes writes.
    assert_eq!(text(&r.cmd(&[b"REPLICAOF", b"NO", b"ONE"])), "+OK\r\n");
    assert_eq!(text(&r.cmd(&[b"SET", b"promoted", b"1"])), "+OK\r\n");
    let mut after = keyspace(&mut r);
    assert!(after.remove(&(0, b"promoted".to_vec())).is_some());
    same(&master, &after, "the promoted replica");
    let role = text(&r.cmd(&[b"ROLE"]));
    assert!(role.contains("master"), "{role}");
}

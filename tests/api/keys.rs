//! Generic key, database and server commands.

use std::collections::BTreeSet;
use std::time::Duration;

use emu::{CopyOptions, ExpireOption, ScanOptions};

use super::{assert_err, redis};

fn strings(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

backends!(delete_unlink_exists_touch_type; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn delete_unlink_exists_touch_type(r: emu::Redis) {
    let _: () = r
        .mset([("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")])
        .unwrap();
    assert_eq!(r.exists(&["a", "b", "zz", "a"]).unwrap(), 3);
    assert_eq!(r.exists("a").unwrap(), 1);
    assert_eq!(r.touch(&["a", "zz"]).unwrap(), 1);
    assert_eq!(r.delete("a").unwrap(), 1);
    assert_eq!(r.delete(&["b", "c", "zz"]).unwrap(), 2);
    assert_eq!(r.unlink(vec!["d", "zz"]).unwrap(), 1);
    assert_eq!(r.exists(&["a", "b", "c", "d"]).unwrap(), 0);
    let _: () = r.set("s", "x").unwrap();
    r.rpush("l", "x").unwrap();
    r.hset("h", "f", "v").unwrap();
    r.sadd("st", "m").unwrap();
    r.zadd("z", [("m", 1.0)]).unwrap();
    for (k, t) in [
        ("s", "string"),
        ("l", "list"),
        ("h", "hash"),
        ("st", "set"),
        ("z", "zset"),
        ("nokey", "none"),
    ] {
        assert_eq!(r.key_type(k).unwrap(), t);
    }
}

backends!(keys_scan_randomkey; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn keys_scan_randomkey(r: emu::Redis) {
    assert_eq!(r.randomkey::<Option<String>>().unwrap(), None);
    let _: () = r
        .mset([
            ("user:1000:profile", "d1"),
            ("user:1001:profile", "d2"),
            ("user:1001:x", "d3"),
            ("post:100", "p"),
        ])
        .unwrap();
    r.rpush("user:list", "x").unwrap();
    let ks: BTreeSet<String> = r.keys("user:*:profile").unwrap();
    assert_eq!(ks, strings(&["user:1000:profile", "user:1001:profile"]));
    let ks: BTreeSet<String> = r.keys("user:*").unwrap();
    assert_eq!(ks.len(), 4);
    let rk: String = r.randomkey().unwrap();
    assert!(rk.starts_with("user:") || rk == "post:100");

    let mut cursor = 0u64;
    let mut seen = BTreeSet::new();
    loop {
        let (next, batch): (u64, Vec<String>) = r
            .scan(cursor, ScanOptions::default().pattern("user:*").count(2))
            .unwrap();
        seen.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert_eq!(seen.len(), 4);
    let lists: BTreeSet<String> = r
        .scan_iter::<String>(ScanOptions::default().key_type("list"))
        .collect::<emu::Result<_>>()
        .unwrap();
    assert_eq!(lists, strings(&["user:list"]));
    for i in 0..500 {
        let _: () = r.set(format!("bulk:{i}"), i).unwrap();
    }
    let all: BTreeSet<String> = r
        .scan_iter::<String>(ScanOptions::default().pattern("bulk:*").count(50))
        .collect::<emu::Result<_>>()
        .unwrap();
    assert_eq!(all.len(), 500);
    let mut bad = r.scan_iter::<String>(ScanOptions::default().count(0));
    assert_eq!(
        bad.next().unwrap().unwrap_err().message(),
        "ERR syntax error"
    );
    assert!(bad.next().is_none());
}

backends!(rename_copy_move; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn rename_copy_move(r: emu::Redis) {
    let _: () = r.set("a", "1").unwrap();
    let _: () = r.rename("a", "b").unwrap();
    assert_err(r.rename("a", "c"), "ERR no such key");
    let _: () = r.set("c", "3").unwrap();
    assert!(!r.renamenx("b", "c").unwrap());
    assert!(r.renamenx("b", "d").unwrap());
    assert!(r.copy("d", "e").unwrap());
    assert!(!r.copy("d", "e").unwrap());
    let _: () = r.set("d", "new").unwrap();
    assert!(r
        .copy_options("d", "e", CopyOptions::default().replace())
        .unwrap());
    assert_eq!(r.get::<_, String>("e").unwrap(), "new");
    assert!(r
        .copy_options("d", "d1", CopyOptions::default().db(1))
        .unwrap());
    let db1 = r.with_db(1);
    assert_eq!(db1.get::<_, String>("d1").unwrap(), "new");
    assert!(r.move_key("c", 1).unwrap());
    assert_eq!(r.exists("c").unwrap(), 0);
    assert_eq!(db1.get::<_, String>("c").unwrap(), "3");
    assert_err(r.move_key("d", 99), "ERR DB index is out of range");
    assert_err(
        r.move_key("d", 0),
        "ERR source and destination objects are the same",
    );
}

#[test]
fn expiry_family() {
    let r = redis(); // clock at 1_000_000 s
    let _: () = r.set("k", "v").unwrap();
    assert_eq!(r.ttl("k").unwrap(), -1);
    assert_eq!(r.pttl("k").unwrap(), -1);
    assert_eq!(r.ttl("nokey").unwrap(), -2);
    assert_eq!(r.expiretime("nokey").unwrap(), -2);
    assert!(r.expire("k", 300).unwrap());
    assert!(!r.expire("nokey", 300).unwrap());
    assert_eq!(r.ttl("k").unwrap(), 300);
    assert_eq!(r.expiretime("k").unwrap(), 1_000_300);
    assert!(r.pexpire("k", 60_000).unwrap());
    assert_eq!(r.pttl("k").unwrap(), 60_000);
    assert_eq!(r.pexpiretime("k").unwrap(), 1_000_060_000);
    assert!(r.expireat("k", 1_000_500).unwrap());
    assert_eq!(r.ttl("k").unwrap(), 500);
    assert!(r.pexpireat("k", 1_000_000_750).unwrap());
    assert_eq!(r.pttl("k").unwrap(), 750);
    // NX / XX / GT / LT.
    assert!(!r.expire_options("k", 10, ExpireOption::Nx).unwrap());
    assert!(r.expire_options("k", 10, ExpireOption::Xx).unwrap());
    assert!(!r.expire_options("k", 5, ExpireOption::Gt).unwrap());
    assert!(r.expire_options("k", 20, ExpireOption::Gt).unwrap());
    assert!(r.pexpire_options("k", 1_000, ExpireOption::Lt).unwrap());
    assert_eq!(r.pttl("k").unwrap(), 1_000);
    assert!(!r
        .expireat_options("k", 1_000_100, ExpireOption::Lt)
        .unwrap());
    assert!(r
        .pexpireat_options("k", 1_000_002_000, ExpireOption::Gt)
        .unwrap());
    assert_eq!(r.pttl("k").unwrap(), 2_000);
    assert!(r.persist("k").unwrap());
    assert!(!r.persist("k").unwrap());
    assert!(r.expire_options("k", 1, ExpireOption::Nx).unwrap());
    r.advance_time(Duration::from_millis(999)).unwrap();
    assert_eq!(r.pttl("k").unwrap(), 1);
    r.advance_time(Duration::from_millis(1)).unwrap();
    // At the deadline the key still exists (Redis expires when now > deadline).
    assert_eq!(r.pttl("k").unwrap(), 0);
    r.advance_time(Duration::from_millis(1)).unwrap();
    assert_eq!(r.get::<_, Option<String>>("k").unwrap(), None);
    assert_eq!(r.ttl("k").unwrap(), -2);
    // A time in the past deletes the key.
    let _: () = r.set("gone", "v").unwrap();
    assert!(r.expire("gone", -1).unwrap());
    assert_eq!(r.exists("gone").unwrap(), 0);
    // Options are ToArg, so raw commands can combine them (Redis refuses this one).
    assert_err(
        r.cmd("EXPIRE")
            .arg("gone")
            .arg(1)
            .arg([ExpireOption::Nx, ExpireOption::Xx])
            .query::<bool>(),
        "ERR NX and XX, GT or LT options at the same time are not compatible",
    );
    // purge_expired reclaims keys nobody touched.
    let _: () = r.setex("p1", 1, "v").unwrap();
    let _: () = r.setex("p2", 1, "v").unwrap();
    r.advance_time(Duration::from_secs(2)).unwrap();
    assert_eq!(r.purge_expired().unwrap(), 2);
}

backends!(databases; cluster: "SELECT/MOVE/SWAPDB to other databases: a cluster has only database 0");
fn databases(r: emu::Redis) {
    let db1 = r.with_db(1);
    assert_eq!((r.db(), db1.db()), (0, 1));
    let _: () = r.set("k", "zero").unwrap();
    let _: () = db1.set("k", "one").unwrap();
    let _: () = db1.set("k2", "one").unwrap();
    assert_eq!(r.dbsize().unwrap(), 1);
    assert_eq!(db1.dbsize().unwrap(), 2);
    let _: () = r.swapdb(0, 1).unwrap();
    assert_eq!(r.get::<_, String>("k").unwrap(), "one");
    assert_eq!(db1.get::<_, String>("k").unwrap(), "zero");
    assert_err(r.swapdb(0, 99), "ERR DB index is out of range");
    let _: () = r.flushdb().unwrap();
    assert_eq!(r.dbsize().unwrap(), 0);
    assert_eq!(db1.dbsize().unwrap(), 1);
    let _: () = r.set("k", "v").unwrap();
    let _: () = r.flushall().unwrap();
    assert_eq!(r.dbsize().unwrap() + db1.dbsize().unwrap(), 0);
}

backends!(object_encoding_of_a_small_list; valkey: "Valkey 8 (like Redis 7.2) encodes a small list as listpack; Redis 7.0 and emu say quicklist (valkey_differences checks it)");
fn object_encoding_of_a_small_list(r: emu::Redis) {
    r.rpush("l", "a").unwrap();
    assert_eq!(
        r.object_encoding("l").unwrap().as_deref(),
        Some("quicklist")
    );
}

backends!(object_encoding_and_server);
fn object_encoding_and_server(r: emu::Redis) {
    let _: () = r.set("n", 123).unwrap();
    let _: () = r.set("s", "hello").unwrap();
    let _: () = r.set("raw", "x".repeat(50)).unwrap();
    r.sadd("is", [1, 2]).unwrap();
    r.hset("h", "f", "v").unwrap();
    r.zadd("z", [("m", 1.0)]).unwrap();
    for (k, e) in [
        ("n", "int"),
        ("s", "embstr"),
        ("raw", "raw"),
        ("is", "intset"),
        ("h", "listpack"),
        ("z", "listpack"),
    ] {
        assert_eq!(r.object_encoding(k).unwrap().as_deref(), Some(e), "{k}");
    }
    assert_eq!(r.object_encoding("nokey").unwrap(), None);
    assert_eq!(r.ping().unwrap(), "PONG");
    assert!(r.cmd("PING").query::<bool>().is_err());
    assert_eq!(r.echo::<_, String>("hello").unwrap(), "hello");
    let (secs, micros): (u64, u64) = r.time().unwrap();
    if r.is_remote() {
        // A server's own clock (the embedded store's is the manual one).
        assert!(
            secs > 1_600_000_000 && micros < 1_000_000,
            "{secs} {micros}"
        );
    } else {
        assert_eq!((secs, micros), (1_000_000, 0));
    }
}

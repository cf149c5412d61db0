//! The remote backend beyond the typed-API suite (tests/api runs that on all four
//! backends): what only a server or a cluster shows — CROSSSLOT and its hash-tagged
//! alternatives, SELECT on a cluster, SCAN over every master, Pub/Sub, `Lock`, scripts with
//! the NOSCRIPT fallback, blocking commands on pooled connections, WATCH on a dedicated
//! connection, error kinds equal to the embedded ones (those on a redis-server and a Valkey
//! server, as `on_remotes` runs them) — and `emu push` into a server and a cluster, compared
//! key by key (DUMP + PEXPIRETIME), and into Valkey (values + PEXPIRETIME).

#![cfg(feature = "remote")]

#[path = "../backends/mod.rs"]
mod backends;

use std::time::{Duration, Instant};

#[cfg(feature = "tls")]
use emu::client::MessageKind;
use emu::{ErrorKind, LockOptions, Redis, Value};

/// Runs `f` on the shared redis-server and Valkey server (and on the cluster with feature
/// `cluster`), each from an empty dataset, one at a time.
fn on_remotes(f: impl Fn(&Redis, &str)) {
    let mut urls = Vec::new();
    if let Some(u) = backends::server_url() {
        urls.push(u);
    }
    if let Some(u) = backends::valkey_url() {
        urls.push(u);
    }
    #[cfg(feature = "cluster")]
    if let Some(u) = backends::cluster_url() {
        urls.push(u);
    }
    for url in urls {
        let _serial = backends::serial();
        let r = backends::fresh(&url);
        f(&r, &url);
    }
}

#[cfg(feature = "cluster")]
fn cluster() -> Option<(Redis, std::sync::MutexGuard<'static, ()>)> {
    let url = backends::cluster_url()?;
    let serial = backends::serial();
    Some((backends::fresh(&url), serial))
}

#[test]
fn error_kinds_match_the_embedded_ones() {
    let embedded = Redis::new();
    embedded.rpush("l", "x").unwrap();
    let want = embedded.get::<_, Option<String>>("l").unwrap_err();
    let not_int = {
        embedded.set("s", "abc").unwrap();
        embedded.incr("s").unwrap_err()
    };
    on_remotes(|r, url| {
        r.rpush("l", "x").unwrap();
        let got = r.get::<_, Option<String>>("l").unwrap_err();
        assert_eq!(
            (got.kind(), got.message()),
            (want.kind(), want.message()),
            "{url}"
        );
        assert_eq!(got.kind(), ErrorKind::WrongType);
        r.set("s", "abc").unwrap();
        let got = r.incr("s").unwrap_err();
        assert_eq!(
            (got.kind(), got.message()),
            (not_int.kind(), not_int.message())
        );
        let unknown = r.cmd("NOSUCHCMD").query::<Value>().unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::UnknownCommand, "{url}");
        let arity = r.cmd("GET").query::<Value>().unwrap_err();
        assert_eq!(arity.kind(), ErrorKind::Arity, "{url}");
    });
}

#[test]
fn connection_errors_are_connection_kind() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = emu::from_url(&format!("remote+redis://127.0.0.1:{port}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    let e = emu::from_url("remote+rediss://127.0.0.1:6379").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    // The seed's redis:// URLs stay embedded.
    let r = emu::from_url("redis://localhost:16382/0").unwrap();
    assert!(!r.is_remote());
}

#[test]
fn scripts_fall_back_from_noscript_and_locks_work() {
    on_remotes(|r, url| {
        let s = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        r.script_flush().unwrap();
        let n: i64 = s.call(r, "counter", 5).unwrap();
        assert_eq!(n, 5, "{url}");
        let n: i64 = s.call(r, "counter", 2).unwrap();
        assert_eq!(n, 7);

        let other = emu::from_url(url).unwrap();
        let opts = LockOptions::default().timeout(Duration::from_secs(10));
        let mut mine = r.lock("resource", opts.clone());
        let mut theirs = other.lock("resource", opts);
        assert!(mine.acquire_with(false, None, None).unwrap());
        assert!(!theirs.acquire_with(false, None, None).unwrap());
        assert!(mine.owned().unwrap() && !theirs.owned().unwrap());
        assert!(mine.extend(Duration::from_secs(5), false).unwrap());
        let pttl: i64 = r.pttl("resource").unwrap();
        assert!(pttl > 10_000 && pttl <= 15_000, "{pttl}");
        assert!(mine.reacquire().unwrap());
        let e = theirs.release().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Lock);
        mine.release().unwrap();
        assert!(theirs.acquire_with(false, None, None).unwrap());
        // Released behind its back: not owned any more.
        let _: i64 = r.delete("resource").unwrap();
        let e = theirs.release().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LockNotOwned);
    });
}

#[test]
fn blocking_commands_do_not_hold_the_pool() {
    on_remotes(|r, url| {
        let waiter = r.clone();
        let t = std::thread::spawn(move || {
            let v: Option<(String, String)> = waiter.blpop("queue", 10.0).unwrap();
            v
        });
        std::thread::sleep(Duration::from_millis(200));
        // The blocked call holds one connection; the clone gets another from the pool.
        let started = Instant::now();
        r.rpush("queue", "job").unwrap();
        let got = t.join().unwrap();
        assert_eq!(got, Some(("queue".into(), "job".into())), "{url}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let none: Option<(String, String)> = r.blpop("queue", 0.1).unwrap();
        assert_eq!(none, None);
    });
}

#[test]
fn watch_runs_on_a_dedicated_connection() {
    on_remotes(|r, url| {
        let _: () = r.set("{acct}balance", 10).unwrap();
        let other = r.clone();
        let mut tries = 0;
        let replies = r
            .transaction(&["{acct}balance"], |pipe| {
                tries += 1;
                let b: i64 = pipe.conn().get("{acct}balance")?;
                if tries == 1 {
                    // Another client writes between WATCH and EXEC: retried.
                    let _: () = other.set("{acct}balance", 100)?;
                }
                pipe.multi();
                pipe.set("{acct}balance", b - 3).incr("{acct}ops");
                Ok(())
            })
            .unwrap();
        assert_eq!(tries, 2, "{url}");
        assert_eq!(replies, vec![Value::ok(), Value::Int(1)]);
        assert_eq!(r.get::<_, i64>("{acct}balance").unwrap(), 97);
        // A command rejected while queueing aborts the transaction with its own error.
        let mut p = r.pipeline();
        p.set("{acct}x", 1).cmd("GET");
        let e = p.execute().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Arity, "{e}");
        assert_eq!(r.get::<_, Option<i64>>("{acct}x").unwrap(), None);
    });
}

#[test]
fn pubsub_delivers_messages() {
    on_remotes(|r, url| {
        let mut sub = r.pubsub();
        sub.subscribe(&["news"]).unwrap();
        sub.psubscribe(&["user:*"]).unwrap();
        assert!(sub.subscribed());
        let c = sub
            .get_message(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(c.kind, emu::client::MessageKind::Subscribe, "{url}");
        let c = sub
            .get_message(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(c.kind, emu::client::MessageKind::PSubscribe);
        assert!(sub
            .get_message(Some(Duration::from_millis(50)))
            .unwrap()
            .is_none());
        assert_eq!(r.publish("news", "hello").unwrap(), 1);
        let m = sub
            .get_message(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(
            (m.kind, m.channel_str(), m.data_str()),
            (
                emu::client::MessageKind::Message,
                Some("news"),
                Some("hello")
            )
        );
        r.publish("user:7", "42").unwrap();
        let m = sub
            .get_message(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(m.pattern.as_deref(), Some(&b"user:*"[..]));
        assert_eq!(m.payload::<i64>().unwrap(), 42);
        // A worker thread, stopped and handed back.
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = sub.run_in_thread(move |m| {
            let _ = tx.send(m.data_str().map(str::to_string));
        });
        r.publish("news", "from-thread").unwrap();
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(got.as_deref(), Some("from-thread"));
        let (mut sub, outcome) = worker.stop();
        outcome.unwrap();
        sub.unsubscribe::<&str>(&[]).unwrap();
        sub.punsubscribe::<&str>(&[]).unwrap();
        let u = sub
            .get_message(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(u.kind, emu::client::MessageKind::Unsubscribe);
        let u = sub
            .get_message(Some(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        assert_eq!(u.kind, emu::client::MessageKind::PUnsubscribe);
        assert!(!sub.subscribed());
    });
}

#[test]
fn server_databases_with_db() {
    let Some(url) = backends::server_url() else {
        return;
    };
    let _serial = backends::serial();
    let r = backends::fresh(&url);
    let db3 = r.with_db(3);
    let _: () = db3.set("k", "three").unwrap();
    assert_eq!(r.get::<_, Option<String>>("k").unwrap(), None);
    assert_eq!(db3.db(), 3);
    let same = emu::from_url(&format!("{url}/3")).unwrap();
    assert_eq!(same.db(), 3);
    assert_eq!(same.get::<_, String>("k").unwrap(), "three");
    let keys: Vec<String> = db3
        .scan_iter(Default::default())
        .map(|k| k.unwrap())
        .collect();
    assert_eq!(keys, vec!["k".to_string()]);
}

#[cfg(feature = "cluster")]
#[test]
fn cluster_answers_crossslot_like_the_embedded_cluster_mode() {
    let Some((r, _serial)) = cluster() else {
        return;
    };
    assert!(r.is_cluster());
    let embedded = Redis::builder().cluster_mode(true).build();
    let want = embedded.mset([("a", "1"), ("b", "2")]).unwrap_err();
    let got = r.mset([("a", "1"), ("b", "2")]).unwrap_err();
    assert_eq!((got.kind(), got.message()), (want.kind(), want.message()));
    assert_eq!(got.kind(), ErrorKind::CrossSlot);
    // A transaction whose keys span slots.
    let mut p = r.pipeline();
    p.set("a", 1).set("b", 2);
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot);
    assert_eq!(r.exists(["a"]).unwrap(), 0, "nothing ran");
    // A plain pipeline: each command on its own node, CROSSSLOT only in its own slot.
    let mut p = r.pipeline_batch();
    p.set("a", 1)
        .set("b", 2)
        .cmd("MSET")
        .arg("a")
        .arg(1)
        .arg("b")
        .arg(2);
    let out = p.execute().unwrap();
    assert_eq!(out[..2], [Value::ok(), Value::ok()]);
    assert!(matches!(&out[2], Value::Error(e) if e.starts_with("CROSSSLOT")));
    // Hash tags put keys in one slot.
    let _: () = r.mset([("{u}a", "1"), ("{u}b", "2")]).unwrap();
    let v: Vec<Option<String>> = r.mget(["{u}a", "{u}b"]).unwrap();
    assert_eq!(v, vec![Some("1".into()), Some("2".into())]);
    let moved: Option<String> = r
        .lmove(
            "{q}src",
            "{q}dst",
            emu::Direction::Left,
            emu::Direction::Right,
        )
        .unwrap();
    assert_eq!(moved, None);
    r.sadd("{s}x", ["1", "2"]).unwrap();
    r.sadd("{s}y", ["2", "3"]).unwrap();
    let inter: Vec<String> = r.sinter(["{s}x", "{s}y"]).unwrap();
    assert_eq!(inter, vec!["2".to_string()]);
    let mut p = r.pipeline();
    p.incr("{t}n").incr("{t}n").get("{t}n");
    let out = p.execute().unwrap();
    assert_eq!(out, vec![Value::Int(1), Value::Int(2), Value::bulk("2")]);
    // SELECT: Redis Cluster's own error.
    let db1 = r.with_db(1);
    let e = db1.get::<_, Option<String>>("k").unwrap_err();
    assert_eq!(e.message(), "ERR SELECT is not allowed in cluster mode");
}

/// WATCH on a cluster: keys of several slots, or a transaction on other slots than the
/// WATCHed keys, give CROSSSLOT with the embedded cluster mode's kind and text — not a
/// MOVED from the node that holds the WATCH — and nothing is written.
#[cfg(feature = "cluster")]
#[test]
fn cluster_watch_across_slots_is_crossslot_like_the_embedded_cluster_mode() {
    let Some((r, _serial)) = cluster() else {
        return;
    };
    let embedded = Redis::builder().cluster_mode(true).build();
    for h in [&r, &embedded] {
        let mut p = h.pipeline();
        let e = p.watch(["a", "b"]).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (
                ErrorKind::CrossSlot,
                "CROSSSLOT Keys in request don't hash to the same slot"
            ),
            "remote: {}",
            h.is_remote()
        );
        p.reset();
        // "b" is on another master than "a"; "foo" on the same master, another slot.
        for other in ["b", "foo"] {
            p.watch("a").unwrap();
            p.multi();
            // The transaction's own keys are in one slot; the WATCHed key is not in it.
            p.set(other, "1");
            let e = p.execute().unwrap_err();
            assert_eq!(
                (e.kind(), e.message()),
                (
                    ErrorKind::CrossSlot,
                    "CROSSSLOT Keys in request don't hash to the same slot"
                ),
                "{other}, remote: {}",
                h.is_remote()
            );
            assert_eq!(h.exists([other]).unwrap(), 0);
        }
        // One slot: runs where the WATCH is, and the WATCH guards it.
        p.watch("a").unwrap();
        let _: Option<String> = p.conn().get("{a}x").unwrap();
        p.set("{a}x", "1").set("a", "2");
        assert_eq!(p.execute().unwrap(), vec![Value::ok(), Value::ok()]);
        p.watch("a").unwrap();
        h.set("a", "changed").unwrap();
        p.set("{a}x", "2");
        assert_eq!(p.execute().unwrap_err().kind(), ErrorKind::Watch);
        let mut calls = 0;
        let e = h
            .transaction(&["a"], |pipe| {
                calls += 1;
                pipe.set("b", "1");
                Ok(())
            })
            .unwrap_err();
        assert_eq!((e.kind(), calls), (ErrorKind::CrossSlot, 1));
        // After all that the handle's pipelines work on any slot again.
        let mut p = h.pipeline();
        p.set("b", "x");
        assert_eq!(p.execute().unwrap(), vec![Value::ok()]);
    }
}

#[cfg(feature = "cluster")]
#[test]
fn cluster_scan_keys_and_dbsize_cover_every_master() {
    let Some((r, _serial)) = cluster() else {
        return;
    };
    let mut p = r.pipeline_batch();
    for i in 0..300 {
        p.set(format!("key:{i}"), i);
    }
    assert!(p.execute().unwrap().iter().all(|v| *v == Value::ok()));
    assert_eq!(r.dbsize().unwrap(), 300);
    let keys: std::collections::BTreeSet<String> = r
        .scan_iter(Default::default())
        .map(|k| k.unwrap())
        .collect();
    assert_eq!(keys.len(), 300);
    let listed: Vec<String> = r.keys("key:*").unwrap();
    assert_eq!(listed.len(), 300);
    // Spread over the three masters.
    let slots: std::collections::BTreeSet<u16> = keys
        .iter()
        .map(|k| {
            r.cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(k)
                .query::<i64>()
                .unwrap() as u16
        })
        .collect();
    assert!(slots.iter().any(|s| *s < 5461) && slots.iter().any(|s| *s > 10922));
    let _: () = r.flushall().unwrap();
    assert_eq!(r.dbsize().unwrap(), 0);
}

/// A data directory with every type, TTLs and (with `dbs`) keys in another database.
fn make_dir(dir: &std::path::Path, other_db: bool) -> u64 {
    let r = Redis::open(dir).unwrap();
    let _: () = r.set("str", "v").unwrap();
    let _: () = r.set("int", 12345).unwrap();
    r.set_options("ttl", "x", emu::SetOptions::default().ex(3600))
        .unwrap();
    r.rpush("list", ["a", "b", "c"]).unwrap();
    r.hset_mapping("hash", &[("f1", "v1"), ("f2", "v2")])
        .unwrap();
    r.sadd("set", ["1", "2", "3"]).unwrap();
    r.sadd("sset", ["m", "n"]).unwrap();
    r.zadd("zset", [("a", 1.5), ("b", 2.0)]).unwrap();
    r.cmd("XADD")
        .arg("stream")
        .arg("1-1")
        .arg("f")
        .arg("v")
        .query::<Value>()
        .unwrap();
    r.cmd("PFADD")
        .arg("hll")
        .arg("a")
        .arg("b")
        .query::<Value>()
        .unwrap();
    for i in 0..2500 {
        let _: () = r.set(format!("bulk:{i}"), i).unwrap();
    }
    r.expire("bulk:7", 7200).unwrap();
    // Already expired at push time: skipped.
    r.cmd("SET")
        .arg("gone")
        .arg("x")
        .arg("PX")
        .arg(1)
        .query::<()>()
        .unwrap();
    std::thread::sleep(Duration::from_millis(5));
    let mut n = 2510;
    if other_db {
        let _: () = r.with_db(2).set("in-db-2", "yes").unwrap();
        n += 1;
    }
    n
}

/// Every key of `dir` (read as a fixture) has the same DUMP and PEXPIRETIME on `target`.
fn compare(dir: &std::path::Path, target: &Redis, dbs: &[usize]) -> usize {
    compare_by(dir, target, dbs, |s, t, k, name| {
        if s.key_type(k).unwrap() == "set"
            && s.object_encoding(k).unwrap().as_deref() == Some("hashtable")
        {
            // A hashtable set's DUMP lists members in the server's dict order (its
            // hash seed is random per process): compare the members and encoding.
            let mut a: Vec<Vec<u8>> = s.smembers(k).unwrap();
            let mut b: Vec<Vec<u8>> = t.smembers(k).unwrap();
            a.sort();
            b.sort();
            assert_eq!(a, b, "SMEMBERS {name}");
            assert_eq!(s.object_encoding(k).unwrap(), t.object_encoding(k).unwrap());
        } else {
            assert_eq!(s.dump(k).unwrap(), t.dump(k).unwrap(), "DUMP {name}");
        }
    })
}

/// Every key of `dir` (read as a fixture) passes `same` (source, target, key, its name)
/// and has the same PEXPIRETIME on `target`; how many keys.
fn compare_by(
    dir: &std::path::Path,
    target: &Redis,
    dbs: &[usize],
    same: impl Fn(&Redis, &Redis, &[u8], &str),
) -> usize {
    let src = Redis::fixture(dir).unwrap();
    let mut n = 0;
    for &db in dbs {
        let (s, t) = (src.with_db(db), target.with_db(db));
        for k in s.scan_iter::<Vec<u8>>(Default::default()) {
            let k = k.unwrap();
            if k == b"gone" {
                continue;
            }
            let name = String::from_utf8_lossy(&k).into_owned();
            same(&s, &t, &k, &name);
            assert_eq!(
                s.pexpiretime(&k).unwrap(),
                t.pexpiretime(&k).unwrap(),
                "PEXPIRETIME {name}"
            );
            n += 1;
        }
    }
    n
}

/// A key's type and value as replies, in an order free of the server's hash seed: what a
/// push must carry over where DUMP payloads cannot be compared byte for byte.
fn contents(r: &Redis, k: &[u8]) -> (String, Value) {
    let kind = r.key_type(k).unwrap();
    let read = |cmd: &[&[u8]]| {
        let mut c = r.cmd(std::str::from_utf8(cmd[0]).unwrap());
        for a in &cmd[1..] {
            c = c.arg(*a);
        }
        c.query::<Value>().unwrap()
    };
    let value = match kind.as_str() {
        "string" => read(&[b"GET", k]),
        "list" => read(&[b"LRANGE", k, b"0", b"-1"]),
        "zset" => read(&[b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"]),
        "stream" => read(&[b"XRANGE", k, b"-", b"+"]),
        "hash" => match read(&[b"HGETALL", k]) {
            Value::Map(mut pairs) => {
                pairs.sort_by_key(|p| format!("{p:?}"));
                Value::Map(pairs)
            }
            other => panic!("HGETALL {other:?}"),
        },
        "set" => match read(&[b"SMEMBERS", k]) {
            Value::Set(mut members) => {
                members.sort_by_key(|m| format!("{m:?}"));
                Value::Set(members)
            }
            other => panic!("SMEMBERS {other:?}"),
        },
        other => panic!("type {other}"),
    };
    (kind, value)
}

/// `emu push` into a redis-server, every key compared by DUMP and PEXPIRETIME, and into
/// Valkey 8 (which takes Redis 7.0's RESTORE payloads), where every key's type, value and
/// PEXPIRETIME are compared instead (its own DUMP payloads say RDB version 11, Redis 7.0's
/// 10).
#[test]
fn push_into_a_server_matches_dump_and_ttl_and_into_valkey_values_and_ttl() {
    for (url, valkey) in [
        (backends::server_url(), false),
        (backends::valkey_url(), true),
    ] {
        let Some(url) = url else { continue };
        let _serial = backends::serial();
        let target = backends::fresh(&url);
        let dir = tempfile::tempdir().unwrap();
        let want = make_dir(dir.path(), true);
        let server = url.trim_start_matches("remote+");
        let mut calls = 0;
        let report = emu::remote::push::push(dir.path(), server, &mut |_, _| calls += 1).unwrap();
        assert_eq!(report.keys + report.expired, want + 1);
        assert_eq!(report.expired, 1);
        assert!(calls >= 3, "progress reported per batch");
        let compared = match valkey {
            false => compare(dir.path(), &target, &[0, 2]),
            true => compare_by(dir.path(), &target, &[0, 2], |s, t, k, name| {
                assert_eq!(contents(s, k), contents(t, k), "{name}");
            }),
        };
        assert_eq!(compared as u64, report.keys);
        let dbsize = target.dbsize().unwrap() + target.with_db(2).dbsize().unwrap();
        assert_eq!(dbsize as u64, report.keys);
        assert_eq!(target.get::<_, Option<String>>("gone").unwrap(), None);
        // Pushing again replaces (REPLACE), it does not fail.
        let again = emu::remote::push::push(dir.path(), server, &mut |_, _| {}).unwrap();
        assert_eq!(again.keys, report.keys);
    }
}

#[cfg(feature = "cluster")]
#[test]
fn push_into_a_cluster_routes_by_slot() {
    let Some((target, _serial)) = cluster() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let want = make_dir(dir.path(), false);
    let url = backends::cluster_url().unwrap();
    let seeds = url.trim_start_matches("remote+cluster://");
    let report = emu::remote::push::push(
        dir.path(),
        &format!("redis+cluster://{seeds}"),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!((report.keys, report.expired), (want, 1));
    assert_eq!(compare(dir.path(), &target, &[0]) as u64, report.keys);
    assert_eq!(target.dbsize().unwrap() as u64, report.keys);
    // Keys outside database 0 cannot go to a cluster: refused before sending anything.
    let dir2 = tempfile::tempdir().unwrap();
    {
        let r = Redis::open(dir2.path()).unwrap();
        let _: () = r.with_db(1).set("k", "v").unwrap();
    }
    let _: () = target.flushall().unwrap();
    let e = emu::remote::push::push(
        dir2.path(),
        &format!("redis+cluster://{seeds}"),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(e.message().contains("only database 0"), "{e}");
    assert_eq!(target.dbsize().unwrap(), 0);
}

/// The `emu push` command: the summary line on stdout when stderr is not a terminal.
#[cfg(all(feature = "cli", feature = "server"))]
#[test]
fn emu_push_command_prints_a_summary() {
    let Some(url) = backends::server_url() else {
        return;
    };
    let _serial = backends::serial();
    let target = backends::fresh(&url);
    let dir = tempfile::tempdir().unwrap();
    {
        let r = Redis::open(dir.path()).unwrap();
        let _: () = r.set("a", "1").unwrap();
        r.set_options("b", "2", emu::SetOptions::default().px(60_000))
            .unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emu"))
        .arg("push")
        .arg(dir.path())
        .arg(url.trim_start_matches("remote+"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("pushed 2 keys from "), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("emu: push: 2 keys in"));
    assert_eq!(target.get::<_, String>("a").unwrap(), "1");
    let pttl: i64 = target.pttl("b").unwrap();
    assert!(pttl > 50_000 && pttl <= 60_000, "{pttl}");
}

#[test]
fn connection_pool_of_remote_connections() {
    let Some(url) = backends::server_url() else {
        return;
    };
    let _serial = backends::serial();
    let r = backends::fresh(&url);
    let pool = emu::ConnectionPool::from_url(&format!("{url}/4"))
        .unwrap()
        .max_connections(2);
    {
        let a = pool.get().unwrap();
        let b = pool.get().unwrap();
        let _: () = a.set("k", "from-a").unwrap();
        assert_eq!(b.get::<_, String>("k").unwrap(), "from-a");
        assert_eq!(a.db(), 4);
        let e = pool.get().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Connection);
        assert_eq!(e.message(), "Too many connections");
    }
    assert_eq!((pool.idle(), pool.in_use()), (2, 0));
    // Database 4, not the default one.
    assert_eq!(r.get::<_, Option<String>>("k").unwrap(), None);
    assert_eq!(r.with_db(4).get::<_, String>("k").unwrap(), "from-a");
}

/// The methods that manage an embedded store have nothing to act on behind a remote
/// handle: each returns an `Err` of kind Other naming the method and the URL (as
/// `embedded` does; they used to panic, and before that to act on an unused private
/// store), `persistence` is None, and the redis-rs adapter answers every request with the
/// error. Nothing reaches the server, and nothing panics.
#[test]
fn embedded_only_methods_fail_loudly_on_a_remote_handle() {
    let Some(url) = backends::server_url() else {
        return;
    };
    let _serial = backends::serial();
    let r = backends::fresh(&url);
    r.set("k", "v").unwrap();
    let e = r.embedded("advance_time").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Other);
    assert!(
        e.message()
            .starts_with("advance_time needs an embedded store")
            && e.message().contains("remote+redis://127.0.0.1:"),
        "{e}"
    );
    assert!(Redis::new().embedded("x").is_ok());
    // A seed in a remote URL is refused, not ignored.
    let e = emu::from_url(&format!("{url}?seed=7")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert!(
        e.message()
            .contains("`seed` applies to embedded stores only"),
        "{e}"
    );
    assert!(r.persistence().is_none());
    #[track_caller]
    fn refused<T: std::fmt::Debug>(what: &str, got: emu::Result<T>) {
        let e = got.expect_err(what);
        assert_eq!(e.kind(), ErrorKind::Other, "{what}: {e}");
        assert!(
            e.message()
                .starts_with(&format!("Redis::{what} needs an embedded store, but this handle is remote (remote+redis://127.0.0.1:")),
            "{what}: {e}"
        );
    }
    let mut ran = false;
    refused(
        "with_store",
        r.with_store(|s| {
            ran = true;
            s.dbs[0].len()
        }),
    );
    assert!(!ran, "with_store's closure must not run on a remote handle");
    refused("set_time", r.set_time(0));
    refused("advance_time", r.advance_time(Duration::from_secs(3600)));
    refused("now_ms", r.now_ms());
    refused("purge_expired", r.purge_expired());
    refused("monitor", r.monitor().map(|_| ()));
    // Same on a handle of another database, a pooled handle and an async handle's sync side.
    refused("set_time", r.with_db(1).set_time(0));
    let pool = emu::ConnectionPool::from_url(&url).unwrap();
    refused(
        "advance_time",
        pool.get().unwrap().advance_time(Duration::from_secs(1)),
    );
    refused("now_ms", r.to_async().sync().now_ms());
    // An embedded handle still answers.
    let m = Redis::builder().manual_clock(5_000).build();
    m.advance_time(Duration::from_secs(1)).unwrap();
    assert_eq!(m.now_ms().unwrap(), 6_000);
    assert_eq!(m.with_store(|s| s.dbs.len()).unwrap(), 16);
    // The server's data is untouched and the handle still works.
    assert_eq!(r.get::<_, String>("k").unwrap(), "v");
    assert_eq!(r.ttl("k").unwrap(), -1);
    // Locks still draw their tokens (from the handle's private RNG).
    let mut lock = r.lock("L", LockOptions::default());
    assert!(lock.acquire().unwrap());
    lock.release().unwrap();
}

/// The in-process redis-rs adapter over a remote handle: every request is an error
/// naming the problem (redis-rs's own client reaches a server directly).
#[cfg(feature = "redis-rs")]
#[test]
fn redis_rs_adapter_refuses_a_remote_handle() {
    use emu::adapters::redis_rs::{EmuAsyncConnection, EmuAsyncPubSub, EmuConnection};
    let Some(url) = backends::server_url() else {
        return;
    };
    let _serial = backends::serial();
    let r = backends::fresh(&url);
    let mut c = EmuConnection::new(&r);
    let e = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut c)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("the redis-rs adapter needs an embedded store"),
        "{e}"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = EmuAsyncConnection::new(&r);
        let e = redis::cmd("GET")
            .arg("k")
            .query_async::<Option<String>>(&mut c)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("needs an embedded store"), "{e}");
        let mut ps = EmuAsyncPubSub::new(&r);
        let e = ps.subscribe("ch").await.unwrap_err();
        assert!(e.to_string().contains("needs an embedded store"), "{e}");
    });
    assert_eq!(r.exists(["k"]).unwrap(), 0, "nothing ran anywhere");
}

/// TLS (feature `tls`): a TLS-only redis-server with a certificate from a test CA.
#[cfg(feature = "tls")]
#[test]
fn tls_server_sync_async_ca_file_and_insecure() {
    let Some((addr, ca)) = backends::tls_server() else {
        return;
    };
    let ca = ca.display().to_string();
    // The CA in the URL's query…
    let r = emu::from_url(&format!("remote+rediss://{addr}?ca_file={ca}")).unwrap();
    r.set("tls:k", "v").unwrap();
    assert_eq!(r.get::<_, String>("tls:k").unwrap(), "v");
    let mut p = r.pipeline();
    p.incr("tls:n").incr("tls:n");
    assert_eq!(p.execute().unwrap(), [Value::Int(1), Value::Int(2)]);
    assert_eq!(r.incr("tls:k").unwrap_err().kind(), ErrorKind::NotInteger);
    // …or in the options; the async side too.
    let options = emu::remote::RemoteOptions {
        ca_file: Some(ca.clone().into()),
    };
    let a = Redis::remote_with(&format!("remote+rediss://{addr}/0"), &options)
        .unwrap()
        .into_async();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            assert_eq!(a.get::<_, String>("tls:k").await.unwrap(), "v");
            assert_eq!(a.incr("tls:n").await.unwrap(), 3);
            let mut p = a.pipeline();
            p.incr("tls:n");
            assert_eq!(a.run_pipeline(p).await.unwrap(), [Value::Int(4)]);
            // Async Pub/Sub runs on redis-rs's async PubSub: over TLS too.
            let sub = a.pubsub().ignore_subscribe_messages(true);
            sub.subscribe("tls:c").await.unwrap();
            assert_eq!(a.publish("tls:c", "secret").await.unwrap(), 1);
            let m = sub
                .get_message(Some(Duration::from_secs(10)))
                .await
                .unwrap()
                .expect("a message over TLS");
            assert_eq!(
                (m.channel_str(), m.data_str()),
                (Some("tls:c"), Some("secret"))
            );
        });
    // The sync Pub/Sub over TLS: its own connection, with the handle's trust (the CA from
    // the query here, `?insecure` below). Confirmations, a message, a pattern message, a
    // timeout with nothing pending, then a message that arrives during a wait.
    let sync_pubsub_over_tls = |r: &Redis| {
        let mut sub = r.pubsub();
        sub.subscribe(&["tls:s"]).unwrap();
        sub.psubscribe(&["tls:p*"]).unwrap();
        let mut got = Vec::new();
        while let Some(m) = sub.get_message(Some(Duration::from_secs(5))).unwrap() {
            got.push((m.kind, m.channel_str().map(str::to_owned)));
            if got.len() == 2 {
                break;
            }
        }
        assert_eq!(
            got,
            [
                (MessageKind::Subscribe, Some("tls:s".to_string())),
                (MessageKind::PSubscribe, Some("tls:p*".to_string())),
            ]
        );
        assert_eq!(r.publish("tls:s", "one").unwrap(), 1);
        assert_eq!(r.publish("tls:pq", "two").unwrap(), 1);
        let m = sub
            .get_message(Some(Duration::from_secs(10)))
            .unwrap()
            .unwrap();
        assert_eq!((m.kind, m.data_str()), (MessageKind::Message, Some("one")));
        let m = sub
            .get_message(Some(Duration::from_secs(10)))
            .unwrap()
            .unwrap();
        assert_eq!(
            (m.kind, m.channel_str(), m.data_str()),
            (MessageKind::PMessage, Some("tls:pq"), Some("two"))
        );
        assert!(sub
            .get_message(Some(Duration::from_millis(50)))
            .unwrap()
            .is_none());
        let publisher = r.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            publisher.publish("tls:s", "x".repeat(100_000)).unwrap()
        });
        let m = sub
            .get_message(Some(Duration::from_secs(10)))
            .unwrap()
            .unwrap();
        assert_eq!(m.data_str().map(str::len), Some(100_000));
        assert_eq!(t.join().unwrap(), 1);
        sub.unsubscribe(&[] as &[&str]).unwrap();
    };
    sync_pubsub_over_tls(&r);
    // Without the CA the certificate is not trusted: a connection error, no panic.
    let e = emu::from_url(&format!("remote+rediss://{addr}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    // `?insecure` (or redis-rs's `#insecure`) skips the check.
    for url in [
        format!("remote+rediss://{addr}?insecure"),
        format!("remote+rediss://{addr}/#insecure"),
    ] {
        let r = emu::from_url(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(r.get::<_, String>("tls:k").unwrap(), "v");
        sync_pubsub_over_tls(&r);
    }
    // Plain RESP to a TLS port fails cleanly.
    let e = emu::from_url(&format!("remote+redis://{addr}")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    // A CA file that is not there.
    let e = emu::from_url(&format!(
        "remote+rediss://{addr}?ca_file=/nonexistent/ca.crt"
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(e.message().contains("CA file"), "{e}");
    r.cmd("FLUSHALL").query::<()>().unwrap();
}

/// TLS to a Redis Cluster (`tls-cluster yes`): routing, CROSSSLOT, sync and async.
#[cfg(all(feature = "tls", feature = "cluster"))]
#[test]
fn tls_cluster_routes_sync_and_async() {
    let Some((addrs, ca)) = backends::tls_cluster() else {
        return;
    };
    let url = format!("remote+rediss+cluster://{addrs}?ca_file={}", ca.display());
    let r = emu::from_url(&url).unwrap();
    assert!(r.is_cluster());
    for i in 0..30 {
        r.set(format!("k{i}"), i).unwrap();
    }
    for i in 0..30 {
        assert_eq!(r.get::<_, i64>(format!("k{i}")).unwrap(), i);
    }
    assert_eq!(r.dbsize().unwrap(), 30);
    let e = r.mset([("a", 1), ("b", 2)]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot);
    let a = r.to_async();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            for i in 0..30 {
                assert_eq!(a.get::<_, i64>(format!("k{i}")).await.unwrap(), i);
            }
            let keys: Vec<String> = a
                .scan_stream(emu::ScanOptions::default())
                .collect_all()
                .await
                .unwrap();
            assert_eq!(keys.len(), 30);
        });
    let insecure = format!("remote+rediss+cluster://{addrs}?insecure");
    let r2 = emu::from_url(&insecure).unwrap();
    assert_eq!(r2.get::<_, i64>("k7").unwrap(), 7);
    // The sync Pub/Sub over TLS to a cluster node (CA file, then `?insecure`).
    for h in [&r, &r2] {
        let mut sub = h.pubsub();
        sub.subscribe(&["tls:news"]).unwrap();
        // SUBSCRIBE is sent without waiting (as redis-py's): publish only once it is
        // confirmed. In a cluster PUBLISH counts the receiving node's subscribers only,
        // and the subscriber may sit on another node, so the count is not checked.
        let c = sub
            .get_message(Some(Duration::from_secs(10)))
            .unwrap()
            .expect("the subscribe confirmation");
        assert_eq!(c.kind, emu::client::MessageKind::Subscribe);
        h.publish("tls:news", "hi").unwrap();
        let m = sub.get_message(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(m.as_ref().and_then(|m| m.data_str()), Some("hi"), "{m:?}");
    }
    r.cmd("FLUSHALL").query::<()>().unwrap();
}

/// A RESP server cannot serve a remote handle (no store here): an error, not a panic.
#[cfg(feature = "server")]
#[test]
fn server_over_a_remote_handle_is_an_error() {
    let Some(url) = backends::server_url() else {
        return;
    };
    let r = emu::from_url(&url).unwrap();
    let e = emu::server::Server::try_new(r.clone())
        .err()
        .expect("refused");
    assert_eq!(e.kind(), ErrorKind::Other);
    assert!(
        e.message().contains("Server::new") && e.message().contains(&url[..10]),
        "{e}"
    );
    let e = emu::server::Server::new(r.clone())
        .requirepass("pw")
        .port(0)
        .start()
        .err()
        .expect("start refused");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("remote"), "{e}");
    let e = emu::server::Server::new(r)
        .aclfile("/nonexistent")
        .err()
        .expect("aclfile refused");
    assert!(e.contains("remote"), "{e}");
}

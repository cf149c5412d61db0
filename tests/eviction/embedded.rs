//! maxmemory on embedded stores: accounting, the eight policies, OBJECT IDLETIME/FREQ on a
//! manual clock, touch rules, notifications, WATCH, determinism and replay, the builder.

use std::time::Duration;

use emu::{MaxmemoryPolicy, Redis, Value};

use crate::common::*;

const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

fn info_field(r: &Redis, name: &str) -> String {
    let text = match ok(r, &["INFO", "everything"]) {
        Value::Bulk(t) | Value::Verbatim(_, t) => t,
        other => panic!("INFO: {other:?}"),
    };
    let text = String::from_utf8(text).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("INFO has no {name}"))
}

fn used(r: &Redis) -> u64 {
    info_field(r, "used_memory").parse().unwrap()
}

fn evicted(r: &Redis) -> u64 {
    info_field(r, "evicted_keys").parse().unwrap()
}

/// An empty store's `used_memory`: its startup part and the function room's base, as an
/// empty redis-server reports ~0.9 MB.
fn empty_used() -> u64 {
    used(&redis())
}

/// A store bounded to `data` bytes over what it uses empty (0: no bound).
fn bounded(data: u64, policy: MaxmemoryPolicy) -> Redis {
    let bytes = if data == 0 { 0 } else { empty_used() + data };
    Redis::builder()
        .manual_clock(T0)
        .seed(7)
        .maxmemory(bytes)
        .maxmemory_policy(policy)
        .build()
}

fn keys(r: &Redis) -> Vec<String> {
    let Value::Array(items) = ok(r, &["KEYS", "*"]) else {
        panic!("KEYS is an array");
    };
    let mut v: Vec<String> = items
        .into_iter()
        .map(|i| match i {
            Value::Bulk(b) => String::from_utf8(b).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    v.sort();
    v
}

/// Every entry's cached size equals its size measured now, and every database's sum is
/// the sum of its entries: no command changes a value without the accounting seeing it.
fn assert_accounting_consistent(r: &Redis) {
    r.with_store(|s| {
        for (i, db) in s.dbs.iter().enumerate() {
            let mut sum = 0;
            for (k, e) in db.dict.iter() {
                assert_eq!(
                    e.mem(),
                    e.size(k),
                    "db {i} key {:?} cached size is stale",
                    String::from_utf8_lossy(k)
                );
                sum += e.mem();
            }
            assert_eq!(db.used, sum, "db {i} total");
        }
    })
    .unwrap();
}

#[test]
fn used_memory_follows_the_data_and_returns_to_startup() {
    let r = redis();
    let empty = used(&r);
    // As Redis: an empty store reports its startup memory (and the function room's base),
    // all of it overhead, no dataset.
    let startup: u64 = info_field(&r, "used_memory_startup").parse().unwrap();
    assert!(startup > 500_000, "{startup}");
    assert_eq!(empty, startup + 200);
    assert_eq!(info_field(&r, "used_memory_overhead"), empty.to_string());
    assert_eq!(info_field(&r, "used_memory_dataset"), "0");
    for i in 0..500 {
        ok(&r, &["SET", &format!("k{i}"), &"v".repeat(100)]);
    }
    let after_sets = used(&r);
    // 500 keys of 100 bytes: each costs more than its bytes and less than 4× them.
    let data = after_sets - empty;
    assert!(data > 500 * 100 && data < 500 * 400, "{data}");
    ok(&r, &["EXPIRE", "k1", "100"]);
    assert!(used(&r) > after_sets, "a TTL costs an expires entry");
    for i in 0..300 {
        ok(&r, &["HSET", "h", &format!("f{i}"), &"x".repeat(50)]);
        ok(&r, &["RPUSH", "l", &"y".repeat(i % 70)]);
        ok(&r, &["SADD", "s", &i.to_string()]);
        ok(&r, &["SADD", "s2", &format!("m{i}")]);
        ok(&r, &["ZADD", "z", &i.to_string(), &format!("m{i}")]);
    }
    ok(&r, &["APPEND", "k2", "more"]);
    ok(&r, &["INCR", "counter"]);
    ok(&r, &["SETRANGE", "k3", "500", "z"]);
    ok(&r, &["RENAME", "k4", "k4b"]);
    ok(&r, &["COPY", "h", "h2"]);
    ok(&r, &["MOVE", "k5", "3"]);
    ok(&r, &["LPOP", "l", "10"]);
    ok(&r, &["HDEL", "h", "f1", "f2"]);
    ok(&r, &["SPOP", "s2", "5"]);
    ok(&r, &["ZREMRANGEBYRANK", "z", "0", "10"]);
    assert_accounting_consistent(&r);
    ok(&r, &["FLUSHALL"]);
    assert_eq!(used(&r), empty);
    ok(&r, &["SET", "a", "1"]);
    assert!(used(&r) > empty);
    ok(&r, &["DEL", "a"]);
    assert_eq!(used(&r), empty);
}

#[test]
fn accounting_stays_consistent_under_random_commands() {
    let r = redis();
    let mut rng = emu::keyspace::Rng::new(11);
    for _ in 0..4000 {
        let k = format!("k{}", rng.below(20));
        let m = format!("m{}", rng.below(200));
        let v = "v".repeat(rng.below(120) as usize);
        let n = rng.below(50).to_string();
        let cmd: Vec<&str> = match rng.below(14) {
            0 => vec!["SET", &k, &v],
            1 => vec!["APPEND", &k, &v],
            2 => vec!["HSET", &k, &m, &v],
            3 => vec!["HDEL", &k, &m],
            4 => vec!["RPUSH", &k, &v],
            5 => vec!["LPOP", &k],
            6 => vec!["SADD", &k, &m],
            7 => vec!["SREM", &k, &m],
            8 => vec!["ZADD", &k, &n, &m],
            9 => vec!["ZREM", &k, &m],
            10 => vec!["DEL", &k],
            11 => vec!["EXPIRE", &k, &n],
            12 => vec!["PERSIST", &k],
            _ => vec!["INCRBY", &k, &n],
        };
        let _ = run(&r, &cmd);
    }
    assert_accounting_consistent(&r);
}

#[test]
fn noeviction_refuses_denyoom_commands_only() {
    let r = bounded(20_000, MaxmemoryPolicy::Noeviction);
    let mut i = 0;
    let e = loop {
        match run(&r, &["SET", &format!("k{i}"), &"v".repeat(200)]) {
            Ok(_) => i += 1,
            Err(e) => break e,
        }
        assert!(i < 1000, "never refused");
    };
    assert_eq!(e.to_string(), OOM);
    assert!(i > 10);
    // Reads and deletions still run; DEL frees memory and writes work again.
    assert_eq!(
        run(&r, &["GET", "k0"]).unwrap(),
        Value::bulk("v".repeat(200))
    );
    assert_eq!(err(&r, &["LPUSH", "l", "x"]), OOM);
    ok(&r, &["DEL", "k0", "k1", "k2"]);
    ok(&r, &["SET", "again", "x"]);
    assert_eq!(evicted(&r), 0);
}

#[test]
fn oom_while_queueing_aborts_exec() {
    let r = bounded(5_000, MaxmemoryPolicy::Noeviction);
    for i in 0..100 {
        if run(&r, &["SET", &format!("k{i}"), &"v".repeat(100)]).is_err() {
            break;
        }
    }
    ok(&r, &["MULTI"]);
    // Any command is refused while queueing over the limit, even a read.
    assert_eq!(err(&r, &["GET", "k0"]), OOM);
    assert_eq!(
        err(&r, &["EXEC"]),
        "EXECABORT Transaction discarded because of previous errors."
    );
    ok(&r, &["MULTI"]);
    ok(&r, &["DISCARD"]);
}

#[test]
fn allkeys_lru_keeps_recently_read_keys() {
    let r = bounded(0, MaxmemoryPolicy::AllkeysLru);
    for i in 0..400 {
        ok(&r, &["SET", &format!("k{i}"), &"v".repeat(100)]);
    }
    r.advance_time(Duration::from_secs(100)).unwrap();
    for i in 0..100 {
        ok(&r, &["GET", &format!("k{i}")]);
    }
    r.advance_time(Duration::from_secs(10)).unwrap();
    let full = used(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory", &full.to_string()]);
    for i in 0..150 {
        ok(&r, &["SET", &format!("new{i}"), &"v".repeat(100)]);
    }
    assert!(used(&r) <= full);
    let ev = evicted(&r);
    assert!((140..=160).contains(&ev), "evicted {ev}");
    let left = keys(&r);
    for i in 0..100 {
        assert!(left.contains(&format!("k{i}")), "read key k{i} evicted");
    }
}

#[test]
fn allkeys_lfu_keeps_frequently_read_keys() {
    let r = bounded(0, MaxmemoryPolicy::AllkeysLfu);
    for i in 0..300 {
        ok(&r, &["SET", &format!("k{i}"), &"v".repeat(100)]);
    }
    for _ in 0..20 {
        for i in 0..60 {
            ok(&r, &["GET", &format!("k{i}")]);
        }
    }
    let full = used(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory", &full.to_string()]);
    for i in 0..100 {
        ok(&r, &["SET", &format!("new{i}"), &"v".repeat(100)]);
    }
    assert!(evicted(&r) >= 90);
    let left = keys(&r);
    for i in 0..60 {
        assert!(left.contains(&format!("k{i}")), "hot key k{i} evicted");
    }
}

#[test]
fn volatile_policies_evict_only_keys_with_a_ttl() {
    for policy in [
        MaxmemoryPolicy::VolatileLru,
        MaxmemoryPolicy::VolatileLfu,
        MaxmemoryPolicy::VolatileRandom,
        MaxmemoryPolicy::VolatileTtl,
    ] {
        let r = bounded(0, policy);
        for i in 0..100 {
            ok(&r, &["SET", &format!("p{i}"), &"v".repeat(100)]);
            ok(
                &r,
                &[
                    "SET",
                    &format!("t{i}"),
                    &"v".repeat(100),
                    "EX",
                    &(1000 + i).to_string(),
                ],
            );
        }
        let full = used(&r);
        ok(&r, &["CONFIG", "SET", "maxmemory", &full.to_string()]);
        for i in 0..50 {
            ok(&r, &["SET", &format!("new{i}"), &"v".repeat(100)]);
        }
        let left = keys(&r);
        for i in 0..100 {
            assert!(left.contains(&format!("p{i}")), "{policy:?} evicted p{i}");
        }
        assert!(evicted(&r) >= 40, "{policy:?}");
        if policy == MaxmemoryPolicy::VolatileTtl {
            // The sampled approximation favours the soonest deadlines: the evicted keys'
            // deadlines are well below the middle of the range.
            let gone: Vec<u64> = (0..100)
                .filter(|i| !left.contains(&format!("t{i}")))
                .collect();
            let mean = gone.iter().sum::<u64>() as f64 / gone.len() as f64;
            assert!(mean < 35.0, "mean index of evicted keys {mean}: {gone:?}");
        }
        // Once no key has a TTL, nothing can be evicted: OOM.
        let mut refused = false;
        for i in 0..500 {
            if let Err(e) = run(&r, &["SET", &format!("more{i}"), &"v".repeat(100)]) {
                assert_eq!(e.to_string(), OOM);
                refused = true;
                break;
            }
        }
        assert!(refused, "{policy:?}");
        for i in 0..100 {
            assert_eq!(ok_int(&r, &["EXISTS", &format!("p{i}")]), 1);
        }
    }
}

#[test]
fn random_policies_evict() {
    let r = bounded(0, MaxmemoryPolicy::AllkeysRandom);
    for i in 0..200 {
        ok(&r, &["SET", &format!("k{i}"), &"v".repeat(100)]);
    }
    let half = half_the_data(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory", &half.to_string()]);
    ok(&r, &["PING"]);
    assert!(used(&r) <= half);
    let n = ok_int(&r, &["DBSIZE"]);
    assert!((80..=110).contains(&n), "{n}");
}

#[test]
fn eviction_spans_databases() {
    let r = bounded(0, MaxmemoryPolicy::AllkeysLru);
    let d3 = r.with_db(3);
    for i in 0..100 {
        ok(&d3, &["SET", &format!("k{i}"), &"v".repeat(100)]);
    }
    let full = used(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory", &full.to_string()]);
    for i in 0..50 {
        ok(&r, &["SET", &format!("new{i}"), &"v".repeat(100)]);
    }
    assert!(ok_int(&d3, &["DBSIZE"]) < 100);
}

#[test]
fn object_idletime_and_touch_rules() {
    let r = redis();
    ok(&r, &["SET", "k", "v"]);
    r.advance_time(Duration::from_secs(5)).unwrap();
    assert_eq!(ok_int(&r, &["OBJECT", "IDLETIME", "k"]), 5);
    // None of these is an access (Redis LOOKUP_NOTOUCH).
    for cmd in [
        &["OBJECT", "ENCODING", "k"][..],
        &["EXISTS", "k"],
        &["TYPE", "k"],
        &["TTL", "k"],
        &["PTTL", "k"],
        &["EXPIRETIME", "k"],
    ] {
        ok(&r, cmd);
    }
    r.advance_time(Duration::from_secs(2)).unwrap();
    assert_eq!(ok_int(&r, &["OBJECT", "IDLETIME", "k"]), 7);
    ok(&r, &["TOUCH", "k"]);
    assert_eq!(ok_int(&r, &["OBJECT", "IDLETIME", "k"]), 0);
    r.advance_time(Duration::from_secs(3)).unwrap();
    ok(&r, &["GET", "k"]);
    assert_eq!(ok_int(&r, &["OBJECT", "IDLETIME", "k"]), 0);
    r.advance_time(Duration::from_secs(3)).unwrap();
    ok(&r, &["APPEND", "k", "x"]);
    assert_eq!(ok_int(&r, &["OBJECT", "IDLETIME", "k"]), 0);
    assert_eq!(
        run(&r, &["OBJECT", "IDLETIME", "nokey"]).unwrap(),
        Value::Nil
    );
    assert_eq!(
        err(&r, &["OBJECT", "FREQ", "k"]),
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please \
         note that when switching between policies at runtime LRU and LFU data will take \
         some time to adjust."
    );
}

#[test]
fn object_freq_under_lfu() {
    let r = redis();
    ok(&r, &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    ok(&r, &["SET", "k", "v"]);
    assert_eq!(ok_int(&r, &["OBJECT", "FREQ", "k"]), 5);
    // At the initial value an access always counts.
    ok(&r, &["GET", "k"]);
    assert_eq!(ok_int(&r, &["OBJECT", "FREQ", "k"]), 6);
    // OBJECT, EXISTS, TYPE do not count.
    ok(&r, &["EXISTS", "k"]);
    ok(&r, &["TYPE", "k"]);
    assert_eq!(ok_int(&r, &["OBJECT", "FREQ", "k"]), 6);
    for _ in 0..200 {
        ok(&r, &["GET", "k"]);
    }
    let hot = ok_int(&r, &["OBJECT", "FREQ", "k"]);
    assert!((8..=20).contains(&hot), "{hot}");
    // One per lfu-decay-time minutes (default 1).
    r.advance_time(Duration::from_secs(3 * 60)).unwrap();
    assert_eq!(ok_int(&r, &["OBJECT", "FREQ", "k"]), hot - 3);
    // OBJECT applies the decay to its answer but does not store it: without decay the
    // stored counter shows again.
    ok(&r, &["CONFIG", "SET", "lfu-decay-time", "0"]);
    r.advance_time(Duration::from_secs(60 * 60)).unwrap();
    assert_eq!(ok_int(&r, &["OBJECT", "FREQ", "k"]), hot);
    assert_eq!(
        err(&r, &["OBJECT", "IDLETIME", "k"]),
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that \
         when switching between policies at runtime LRU and LFU data will take some time to \
         adjust."
    );
}

#[test]
fn evictions_notify_and_touch_watch() {
    let r = bounded(0, MaxmemoryPolicy::AllkeysRandom);
    ok(&r, &["CONFIG", "SET", "notify-keyspace-events", "KEe"]);
    let watcher = r.with_db(0);
    ok(&watcher, &["SET", "w", "v"]);
    ok(&watcher, &["WATCH", "w"]);
    ok(&r, &["CONFIG", "SET", "maxmemory", "1"]);
    // Before the next command everything is evicted, and the store is still over one
    // byte (its startup memory): the write is refused, as Redis refuses it.
    assert_eq!(err(&r, &["SET", "x", "y"]), OOM);
    assert_eq!(ok_int(&r, &["DBSIZE"]), 0);
    assert_eq!(evicted(&r), 1);
    // (Still over the limit, MULTI would queue nothing.)
    ok(&r, &["CONFIG", "SET", "maxmemory", "0"]);
    ok(&watcher, &["MULTI"]);
    ok(&watcher, &["PING"]);
    assert_eq!(run(&watcher, &["EXEC"]).unwrap(), Value::NilArray);
    let events = r.with_store(|s| s.notifications.clone()).unwrap();
    assert!(events.contains(&(b"__keyevent@0__:evicted".to_vec(), b"w".to_vec())));
    assert!(events.contains(&(b"__keyspace@0__:w".to_vec(), b"evicted".to_vec())));
}

/// `used_memory` with half the data: the empty store's part and half the rest.
fn half_the_data(r: &Redis) -> u64 {
    let empty = empty_used();
    empty + (used(r) - empty) / 2
}

fn workload(r: &Redis) {
    for i in 0..600u32 {
        let k = format!("k{}", (i * 7919) % 1000);
        // Under a volatile policy some writes are refused (OOM) once no key has a TTL.
        let _ = run(r, &["SET", &k, &"v".repeat(50 + (i as usize % 150))]);
        if i % 3 == 0 {
            let _ = run(r, &["GET", &format!("k{}", (i * 31) % 1000)]);
        }
        if i % 5 == 0 {
            let _ = run(r, &["EXPIRE", &k, &(100 + i).to_string()]);
        }
        if i % 50 == 0 {
            r.advance_time(Duration::from_secs(1)).unwrap();
        }
    }
}

#[test]
fn same_seed_same_evictions() {
    for policy in [
        MaxmemoryPolicy::AllkeysLru,
        MaxmemoryPolicy::AllkeysLfu,
        MaxmemoryPolicy::AllkeysRandom,
        MaxmemoryPolicy::VolatileLru,
        MaxmemoryPolicy::VolatileTtl,
    ] {
        let a = bounded(20_000, policy);
        let b = bounded(20_000, policy);
        workload(&a);
        workload(&b);
        assert!(evicted(&a) > 0, "{policy:?}");
        assert_eq!(keys(&a), keys(&b), "{policy:?}");
        assert_eq!(evicted(&a), evicted(&b));
    }
}

#[test]
fn a_replay_of_the_log_gives_the_same_keyspace() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let r = Redis::builder()
            .manual_clock(T0)
            .seed(3)
            .maxmemory(empty_used() + 20_000)
            .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
            .appendfsync(emu::AppendFsync::Always)
            .open(dir.path())
            .unwrap();
        workload(&r);
        assert!(evicted(&r) > 100);
        keys(&r)
    };
    // Reopened without a limit: the evictions come from the log's DELs, not from a new
    // eviction run.
    let r = Redis::builder().manual_clock(T0).open(dir.path()).unwrap();
    assert_eq!(keys(&r), before);
    assert_eq!(evicted(&r), 0);
}

#[test]
fn builder_options_show_in_config() {
    let r = Redis::builder()
        .maxmemory(1 << 20)
        .maxmemory_policy(MaxmemoryPolicy::VolatileLfu)
        .build();
    assert_eq!(
        ok(&r, &["CONFIG", "GET", "maxmemory-policy"]),
        Value::Map(vec![(b("maxmemory-policy"), b("volatile-lfu"))])
    );
    assert_eq!(info_field(&r, "maxmemory"), "1048576");
    assert_eq!(info_field(&r, "maxmemory_policy"), "volatile-lfu");
    assert_eq!(info_field(&r, "maxmemory_human"), "1.00M");
}

/// `maxmemory-eviction-tenacity` bounds one eviction pass on a system-clock store: at 0 a
/// command evicts 16 keys and runs anyway (Redis's `EVICT_RUNNING`, not `-OOM`), and the
/// background cycle goes on until memory is under the limit. A manual-clock store evicts
/// until done whatever the tenacity (its outcome never depends on the machine's speed).
#[test]
fn eviction_tenacity_bounds_a_pass() {
    let fill = |r: &Redis| {
        for i in 0..5000 {
            r.set(format!("key:{i:05}"), "x".repeat(100)).unwrap();
        }
    };
    let r = Redis::builder()
        .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
        .build();
    fill(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory-eviction-tenacity", "0"]);
    let half = half_the_data(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory", &half.to_string()]);
    r.set("one-more", "v").unwrap();
    // (Read without a command: every command starts with an eviction pass. The background
    // cycle may have had a turn meanwhile: another 16.)
    let n = r.with_store(|s| s.evicted_keys()).unwrap();
    assert!(
        n % 16 == 0 && (16..=64).contains(&n),
        "a pass stops after the first 16 keys: {n}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while used(&r) > half {
        assert!(
            std::time::Instant::now() < deadline,
            "background eviction did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(evicted(&r) > 16);
    // Tenacity 100: no limit, one command evicts everything needed.
    let r = Redis::builder()
        .maxmemory_policy(MaxmemoryPolicy::AllkeysLru)
        .build();
    fill(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory-eviction-tenacity", "100"]);
    let half = half_the_data(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory", &half.to_string()]);
    r.set("one-more", "v").unwrap();
    assert!(used(&r) <= half && evicted(&r) > 16);
    // Manual clock: no time budget.
    let r = bounded(0, MaxmemoryPolicy::AllkeysLru);
    fill(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory-eviction-tenacity", "0"]);
    let half = half_the_data(&r);
    ok(&r, &["CONFIG", "SET", "maxmemory", &half.to_string()]);
    r.set("one-more", "v").unwrap();
    assert!(used(&r) <= half && evicted(&r) > 16);
}

#[test]
fn eviction_time_limits_as_redis() {
    use emu::engine::evict::eviction_time_limit as limit;
    let us = |t| limit(t).map(|d| d.as_micros());
    assert_eq!(us(0), Some(0));
    assert_eq!(us(10), Some(500));
    assert_eq!(us(11), Some(575));
    assert_eq!(us(99), Some((500.0 * 1.15f64.powi(89)) as u128));
    assert_eq!(us(100), None);
}

//! Expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT), TTL, PTTL, EXPIRETIME,
//! PEXPIRETIME, PERSIST; lazy and active reclamation under the manual clock; a proptest of
//! the whole against a model.

mod common;
use common::{err, ok, ok_int as int, redis, T0};

use std::collections::BTreeMap;
use std::time::Duration;

use emu::keyspace::Object;
use emu::{Redis, Value};
use proptest::prelude::*;

/// SET semantics (value replaced, TTL cleared), written straight into the selected db.
fn set(r: &Redis, key: &str, val: &str) {
    let db = r.db();
    r.with_store(|s| {
        s.dbs[db].insert(
            key.as_bytes(),
            Object::string(val.as_bytes().to_vec()),
            false,
        )
    })
    .unwrap();
}

fn advance_ms(r: &Redis, ms: u64) {
    r.advance_time(Duration::from_millis(ms)).unwrap();
}

// ---------------------------------------------------------------------------------------
// Setting deadlines and reading them back

#[test]
fn expire_family_sets_absolute_deadlines() {
    let r = redis();
    for k in ["a", "b", "c", "d"] {
        set(&r, k, "v");
    }
    assert_eq!(int(&r, &["EXPIRE", "a", "10"]), 1);
    assert_eq!(int(&r, &["PEXPIRE", "b", "1500"]), 1);
    assert_eq!(int(&r, &["EXPIREAT", "c", "1700000100"]), 1);
    assert_eq!(int(&r, &["PEXPIREAT", "d", "1700000000250"]), 1);
    assert_eq!(int(&r, &["PEXPIRETIME", "a"]), 1_700_000_010_000);
    assert_eq!(int(&r, &["PEXPIRETIME", "b"]), 1_700_000_001_500);
    assert_eq!(int(&r, &["PEXPIRETIME", "c"]), 1_700_000_100_000);
    assert_eq!(int(&r, &["PEXPIRETIME", "d"]), 1_700_000_000_250);
    assert_eq!(int(&r, &["EXPIRETIME", "a"]), 1_700_000_010);
    // EXPIRETIME rounds to the nearest second like TTL does.
    assert_eq!(int(&r, &["EXPIRETIME", "b"]), 1_700_000_002);
    assert_eq!(int(&r, &["EXPIRETIME", "d"]), 1_700_000_000);
    assert_eq!(int(&r, &["PTTL", "a"]), 10_000);
    assert_eq!(int(&r, &["TTL", "a"]), 10);
    assert_eq!(int(&r, &["PTTL", "d"]), 250);
    // Commands are case-insensitive.
    assert_eq!(int(&r, &["pexpire", "a", "5"]), 1);
    assert_eq!(int(&r, &["pttl", "a"]), 5);
}

#[test]
fn ttl_reports_missing_and_persistent_keys() {
    let r = redis();
    assert_eq!(int(&r, &["TTL", "nokey"]), -2);
    assert_eq!(int(&r, &["PTTL", "nokey"]), -2);
    assert_eq!(int(&r, &["EXPIRETIME", "nokey"]), -2);
    assert_eq!(int(&r, &["PEXPIRETIME", "nokey"]), -2);
    set(&r, "k", "v");
    assert_eq!(int(&r, &["TTL", "k"]), -1);
    assert_eq!(int(&r, &["PTTL", "k"]), -1);
    assert_eq!(int(&r, &["EXPIRETIME", "k"]), -1);
    assert_eq!(int(&r, &["PEXPIRETIME", "k"]), -1);
    assert_eq!(
        err(&r, &["TTL"]),
        "ERR wrong number of arguments for 'ttl' command"
    );
    assert_eq!(
        err(&r, &["PTTL", "a", "b"]),
        "ERR wrong number of arguments for 'pttl' command"
    );
}

#[test]
fn ttl_rounds_to_nearest_second() {
    let r = redis();
    set(&r, "k", "v");
    for (ms, secs) in [(1499, 1), (1500, 2), (499, 0), (500, 1), (10_000, 10)] {
        assert_eq!(int(&r, &["PEXPIRE", "k", &ms.to_string()]), 1);
        assert_eq!(int(&r, &["TTL", "k"]), secs, "{ms} ms");
    }
    assert_eq!(int(&r, &["PEXPIRE", "k", "10000"]), 1);
    advance_ms(&r, 9_400);
    assert_eq!(int(&r, &["PTTL", "k"]), 600);
    assert_eq!(int(&r, &["TTL", "k"]), 1);
}

#[test]
fn expire_on_missing_key_is_zero() {
    let r = redis();
    assert_eq!(int(&r, &["EXPIRE", "nokey", "10"]), 0);
    assert_eq!(int(&r, &["PEXPIRE", "nokey", "-10"]), 0);
    assert_eq!(int(&r, &["EXPIREAT", "nokey", "1"]), 0);
    assert_eq!(int(&r, &["PEXPIREAT", "nokey", "1", "NX"]), 0);
}

#[test]
fn deadline_in_the_past_deletes_the_key() {
    let r = redis();
    for k in ["a", "b", "c", "d"] {
        set(&r, k, "v");
    }
    assert_eq!(int(&r, &["EXPIRE", "a", "0"]), 1);
    assert_eq!(int(&r, &["PEXPIRE", "b", "-5"]), 1);
    assert_eq!(int(&r, &["EXPIREAT", "c", "1600000000"]), 1);
    assert_eq!(int(&r, &["PEXPIREAT", "d", &T0.to_string()]), 1);
    assert_eq!(int(&r, &["DBSIZE"]), 0);
    // Deleted outright, not through expiry.
    assert_eq!(r.with_store(|s| s.expired_keys).unwrap(), 0);
}

#[test]
fn nx_xx_gt_lt_conditions() {
    let r = redis();
    set(&r, "k", "v");
    // No TTL yet: XX and GT fail, NX and LT succeed.
    assert_eq!(int(&r, &["EXPIRE", "k", "10", "XX"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "10", "GT"]), 0);
    assert_eq!(int(&r, &["TTL", "k"]), -1);
    assert_eq!(int(&r, &["EXPIRE", "k", "10", "NX"]), 1);
    assert_eq!(int(&r, &["TTL", "k"]), 10);
    assert_eq!(int(&r, &["EXPIRE", "k", "5", "nx"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "50", "xx"]), 1);
    assert_eq!(int(&r, &["TTL", "k"]), 50);
    assert_eq!(int(&r, &["EXPIRE", "k", "10", "gt"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "50", "gt"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "200", "gt"]), 1);
    assert_eq!(int(&r, &["EXPIRE", "k", "300", "lt"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "200", "lt"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "50", "LT"]), 1);
    assert_eq!(int(&r, &["TTL", "k"]), 50);
    assert_eq!(int(&r, &["PEXPIRE", "k", "-1", "GT"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "60", "XX", "GT"]), 1);
    assert_eq!(int(&r, &["EXPIRE", "k", "70", "LT", "XX"]), 0);
    assert_eq!(int(&r, &["TTL", "k"]), 60);
    // LT on a key without TTL: "infinite" current TTL, so any deadline passes, even a past
    // one (which deletes).
    assert_eq!(int(&r, &["PERSIST", "k"]), 1);
    assert_eq!(int(&r, &["EXPIRE", "k", "-1", "LT"]), 1);
    assert_eq!(int(&r, &["EXISTS", "k"]), 0);
    // XX LT on a key without TTL fails on XX.
    set(&r, "k", "v");
    assert_eq!(int(&r, &["EXPIRE", "k", "10", "XX", "LT"]), 0);
    assert_eq!(int(&r, &["TTL", "k"]), -1);
    // Options may repeat.
    assert_eq!(int(&r, &["EXPIRE", "k", "10", "NX", "nx"]), 1);
}

#[test]
fn option_and_number_errors() {
    let r = redis();
    set(&r, "k", "v");
    let nx = "ERR NX and XX, GT or LT options at the same time are not compatible";
    let gtlt = "ERR GT and LT options at the same time are not compatible";
    assert_eq!(err(&r, &["EXPIRE", "k", "10", "NX", "XX"]), nx);
    assert_eq!(err(&r, &["EXPIRE", "k", "10", "nx", "gt"]), nx);
    assert_eq!(err(&r, &["PEXPIRE", "k", "10", "LT", "NX"]), nx);
    assert_eq!(err(&r, &["EXPIRE", "k", "10", "GT", "LT"]), gtlt);
    assert_eq!(err(&r, &["EXPIREAT", "k", "10", "xx", "gt", "lt"]), gtlt);
    assert_eq!(
        err(&r, &["EXPIRE", "k", "10", "foo"]),
        "ERR Unsupported option foo"
    );
    // Options are checked before the number.
    assert_eq!(
        err(&r, &["EXPIRE", "k", "x", "foo"]),
        "ERR Unsupported option foo"
    );
    assert_eq!(
        err(&r, &["EXPIRE", "nokey", "10", "bar"]),
        "ERR Unsupported option bar"
    );
    let not_int = "ERR value is not an integer or out of range";
    assert_eq!(err(&r, &["EXPIRE", "k", "x"]), not_int);
    assert_eq!(err(&r, &["PEXPIRE", "k", "1.5"]), not_int);
    assert_eq!(err(&r, &["EXPIREAT", "nokey", ""]), not_int);
    assert_eq!(err(&r, &["PEXPIREAT", "k", "9223372036854775808"]), not_int);
    assert_eq!(
        err(&r, &["EXPIRE", "k"]),
        "ERR wrong number of arguments for 'expire' command"
    );
    assert_eq!(
        err(&r, &["PEXPIREAT", "k"]),
        "ERR wrong number of arguments for 'pexpireat' command"
    );
    assert_eq!(int(&r, &["TTL", "k"]), -1);
}

#[test]
fn overflowing_deadlines_are_rejected() {
    let r = redis();
    set(&r, "k", "v");
    let max = i64::MAX.to_string();
    assert_eq!(
        err(&r, &["EXPIRE", "k", &max]),
        "ERR invalid expire time in 'expire' command"
    );
    assert_eq!(
        err(&r, &["pexpire", "k", &max]),
        "ERR invalid expire time in 'pexpire' command"
    );
    assert_eq!(
        err(&r, &["EXPIREAT", "k", &max]),
        "ERR invalid expire time in 'expireat' command"
    );
    // seconds * 1000 fits but adding "now" overflows.
    assert_eq!(
        err(&r, &["EXPIRE", "k", "9223372036854775"]),
        "ERR invalid expire time in 'expire' command"
    );
    assert_eq!(
        err(&r, &["EXPIRE", "k", "-9223372036854775808"]),
        "ERR invalid expire time in 'expire' command"
    );
    // Checked even when the key does not exist.
    assert_eq!(
        err(&r, &["EXPIRE", "nokey", &max]),
        "ERR invalid expire time in 'expire' command"
    );
    // PEXPIREAT takes the value as is.
    assert_eq!(int(&r, &["PEXPIREAT", "k", &max]), 1);
    assert_eq!(int(&r, &["PEXPIRETIME", "k"]), i64::MAX);
    // Rounded without overflow, as Redis 7.0 replies.
    assert_eq!(int(&r, &["EXPIRETIME", "k"]), 9_223_372_036_854_776);
    assert_eq!(int(&r, &["PEXPIREAT", "k", "9223372036854775308"]), 1);
    assert_eq!(int(&r, &["EXPIRETIME", "k"]), 9_223_372_036_854_775);
    assert_eq!(int(&r, &["EXPIREAT", "k", "9223372036854775"]), 1);
    assert_eq!(int(&r, &["PEXPIRETIME", "k"]), 9_223_372_036_854_775_000);
}

#[test]
fn persist_removes_the_deadline() {
    let r = redis();
    assert_eq!(int(&r, &["PERSIST", "nokey"]), 0);
    set(&r, "k", "v");
    assert_eq!(int(&r, &["PERSIST", "k"]), 0);
    assert_eq!(int(&r, &["EXPIRE", "k", "5"]), 1);
    assert_eq!(int(&r, &["PERSIST", "k"]), 1);
    assert_eq!(int(&r, &["TTL", "k"]), -1);
    advance_ms(&r, 10_000);
    assert_eq!(int(&r, &["EXISTS", "k"]), 1);
    assert_eq!(int(&r, &["PEXPIRE", "k", "5"]), 1);
    advance_ms(&r, 6);
    assert_eq!(int(&r, &["PERSIST", "k"]), 0);
    assert_eq!(int(&r, &["EXISTS", "k"]), 0);
    assert_eq!(
        err(&r, &["PERSIST"]),
        "ERR wrong number of arguments for 'persist' command"
    );
}

// ---------------------------------------------------------------------------------------
// Reclamation

#[test]
fn keys_vanish_on_access_after_their_deadline() {
    let r = redis();
    set(&r, "k", "v");
    set(&r, "forever", "v");
    assert_eq!(int(&r, &["EXPIRE", "k", "10"]), 1);
    advance_ms(&r, 9_999);
    assert_eq!(int(&r, &["EXISTS", "k"]), 1);
    assert_eq!(int(&r, &["PTTL", "k"]), 1);
    advance_ms(&r, 2);
    // Still held until something looks at it.
    assert_eq!(int(&r, &["DBSIZE"]), 2);
    assert_eq!(int(&r, &["EXISTS", "k"]), 0);
    assert_eq!(int(&r, &["DBSIZE"]), 1);
    assert_eq!(r.with_store(|s| s.expired_keys).unwrap(), 1);
    assert_eq!(int(&r, &["TTL", "k"]), -2);
    assert_eq!(ok(&r, &["TYPE", "k"]), Value::Simple("none".into()));
    assert_eq!(ok(&r, &["GET", "k"]), Value::Nil);
    assert_eq!(int(&r, &["EXISTS", "forever"]), 1);
}

#[test]
fn every_lookup_command_expires_lazily() {
    let r = redis();
    let lookups: &[&[&str]] = &[
        &["EXISTS", "k"],
        &["TYPE", "k"],
        &["TOUCH", "k"],
        &["TTL", "k"],
        &["PTTL", "k"],
        &["EXPIRETIME", "k"],
        &["PEXPIRETIME", "k"],
        &["PERSIST", "k"],
        &["EXPIRE", "k", "100"],
        &["DEL", "k"],
        &["OBJECT", "ENCODING", "k"],
        &["MOVE", "k", "1"],
        &["COPY", "k", "k2"],
    ];
    for args in lookups {
        set(&r, "k", "v");
        assert_eq!(int(&r, &["PEXPIRE", "k", "10"]), 1);
        advance_ms(&r, 11);
        let before = r.with_store(|s| s.expired_keys).unwrap();
        let reply = ok(&r, args);
        assert!(
            matches!(reply, Value::Int(0) | Value::Int(-2) | Value::Nil)
                || reply == Value::Simple("none".into()),
            "{args:?} saw an expired key: {reply:?}"
        );
        assert_eq!(
            r.with_store(|s| s.expired_keys).unwrap(),
            before + 1,
            "{args:?}"
        );
        assert_eq!(r.with_store(|s| s.total_keys()).unwrap(), 0, "{args:?}");
    }
    set(&r, "k", "v");
    assert_eq!(int(&r, &["PEXPIRE", "k", "10"]), 1);
    advance_ms(&r, 11);
    assert_eq!(err(&r, &["RENAME", "k", "x"]), "ERR no such key");
}

#[test]
fn purge_expired_reclaims_everything_due() {
    let r = redis();
    for i in 0..100 {
        let k = format!("k{i}");
        set(&r, &k, "v");
        if i % 2 == 0 {
            assert_eq!(int(&r, &["PEXPIRE", &k, &format!("{}", 100 + i)]), 1);
        }
    }
    advance_ms(&r, 149);
    // Keys with deadlines 100..=148 are due (25 of them); 150 (`k50`) is not.
    assert_eq!(r.purge_expired().unwrap(), 25);
    assert_eq!(r.with_store(|s| s.total_keys()).unwrap(), 75);
    assert_eq!(r.purge_expired().unwrap(), 0);
    advance_ms(&r, 1_000);
    assert_eq!(r.purge_expired().unwrap(), 25);
    assert_eq!(int(&r, &["DBSIZE"]), 50);
}

#[test]
fn active_expiry_runs_during_normal_commands() {
    let r = redis();
    for i in 0..500 {
        let k = format!("k{i}");
        set(&r, &k, "v");
        assert_eq!(int(&r, &["PEXPIRE", &k, "1000"]), 1);
    }
    set(&r, "keep", "v");
    advance_ms(&r, 2_000);
    assert_eq!(r.with_store(|s| s.total_keys()).unwrap(), 501);
    // Commands that never touch the expired keys still drive reclamation.
    for _ in 0..2_000 {
        assert_eq!(int(&r, &["EXISTS", "keep"]), 1);
    }
    assert_eq!(r.with_store(|s| s.total_keys()).unwrap(), 1);
    assert_eq!(int(&r, &["DBSIZE"]), 1);
}

#[test]
fn active_expiry_covers_every_database() {
    let r = redis();
    let r3 = r.with_db(3);
    for i in 0..100 {
        let k = format!("k{i}");
        set(&r3, &k, "v");
        assert_eq!(int(&r3, &["EXPIRE", &k, "1"]), 1);
    }
    advance_ms(&r, 1_001);
    for _ in 0..1_000 {
        ok(&r, &["DBSIZE"]);
    }
    assert_eq!(int(&r3, &["DBSIZE"]), 0);
}

#[test]
fn replaying_a_log_never_expires_keys() {
    let r = redis();
    set(&r, "k", "v");
    r.with_store(|s| s.loading = true).unwrap();
    // A past deadline is stored rather than deleting the key.
    assert_eq!(int(&r, &["PEXPIREAT", "k", "5"]), 1);
    assert_eq!(int(&r, &["EXISTS", "k"]), 1);
    assert_eq!(int(&r, &["PEXPIRETIME", "k"]), 5);
    r.with_store(|s| s.loading = false).unwrap();
    assert_eq!(int(&r, &["EXISTS", "k"]), 0);
}

// ---------------------------------------------------------------------------------------
// Model-based proptest

#[derive(Debug, Clone)]
enum Op {
    Set(usize),
    Expire(usize, i64),
    Pexpire(usize, i64),
    Pexpireat(usize, i64),
    Persist(usize),
    Advance(u64),
    Ttl(usize),
    Pttl(usize),
    Exists(usize),
    Del(usize),
}

const KEYS: [&str; 4] = ["a", "b", "c", "d"];

fn op() -> impl Strategy<Value = Op> {
    let k = 0..KEYS.len();
    prop_oneof![
        3 => k.clone().prop_map(Op::Set),
        2 => (k.clone(), -2i64..8).prop_map(|(k, s)| Op::Expire(k, s)),
        2 => (k.clone(), -500i64..6_000).prop_map(|(k, ms)| Op::Pexpire(k, ms)),
        1 => (k.clone(), -1_000i64..6_000).prop_map(|(k, d)| Op::Pexpireat(k, d)),
        1 => k.clone().prop_map(Op::Persist),
        3 => (0u64..3_000).prop_map(Op::Advance),
        2 => k.clone().prop_map(Op::Ttl),
        2 => k.clone().prop_map(Op::Pttl),
        2 => k.clone().prop_map(Op::Exists),
        1 => k.prop_map(Op::Del),
    ]
}

/// The model: key → deadline (None = no TTL). A key is alive while `now <= deadline` (Redis keyIsExpired: now > deadline).
struct Model {
    now: i64,
    keys: BTreeMap<usize, Option<i64>>,
}

impl Model {
    fn alive(&mut self, k: usize) -> Option<Option<i64>> {
        match self.keys.get(&k).copied() {
            Some(Some(d)) if d < self.now => {
                self.keys.remove(&k);
                None
            }
            other => other,
        }
    }

    fn expire_at(&mut self, k: usize, when: i64) -> i64 {
        if self.alive(k).is_none() {
            return 0;
        }
        if when <= self.now {
            self.keys.remove(&k);
        } else {
            self.keys.insert(k, Some(when));
        }
        1
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn expiry_matches_model(ops in proptest::collection::vec(op(), 1..120)) {
        let r = redis();
        let mut m = Model { now: T0 as i64, keys: BTreeMap::new() };
        for op in &ops {
            match *op {
                Op::Set(k) => {
                    set(&r, KEYS[k], "v");
                    m.keys.insert(k, None);
                }
                Op::Expire(k, s) => {
                    let want = m.expire_at(k, m.now + s * 1000);
                    prop_assert_eq!(int(&r, &["EXPIRE", KEYS[k], &s.to_string()]), want, "{:?}", op);
                }
                Op::Pexpire(k, ms) => {
                    let want = m.expire_at(k, m.now + ms);
                    prop_assert_eq!(int(&r, &["PEXPIRE", KEYS[k], &ms.to_string()]), want, "{:?}", op);
                }
                Op::Pexpireat(k, d) => {
                    let when = T0 as i64 + d;
                    let want = m.expire_at(k, when);
                    prop_assert_eq!(int(&r, &["PEXPIREAT", KEYS[k], &when.to_string()]), want, "{:?}", op);
                }
                Op::Persist(k) => {
                    let want = match m.alive(k) {
                        Some(Some(_)) => {
                            m.keys.insert(k, None);
                            1
                        }
                        _ => 0,
                    };
                    prop_assert_eq!(int(&r, &["PERSIST", KEYS[k]]), want, "{:?}", op);
                }
                Op::Advance(ms) => {
                    advance_ms(&r, ms);
                    m.now += ms as i64;
                }
                Op::Ttl(k) => {
                    let want = match m.alive(k) {
                        None => -2,
                        Some(None) => -1,
                        Some(Some(d)) => (d - m.now + 500) / 1000,
                    };
                    prop_assert_eq!(int(&r, &["TTL", KEYS[k]]), want, "{:?}", op);
                }
                Op::Pttl(k) => {
                    let want = match m.alive(k) {
                        None => -2,
                        Some(None) => -1,
                        Some(Some(d)) => d - m.now,
                    };
                    prop_assert_eq!(int(&r, &["PTTL", KEYS[k]]), want, "{:?}", op);
                }
                Op::Exists(k) => {
                    let want = i64::from(m.alive(k).is_some());
                    prop_assert_eq!(int(&r, &["EXISTS", KEYS[k]]), want, "{:?}", op);
                }
                Op::Del(k) => {
                    let want = i64::from(m.alive(k).is_some());
                    m.keys.remove(&k);
                    prop_assert_eq!(int(&r, &["DEL", KEYS[k]]), want, "{:?}", op);
                }
            }
        }
        // After reclaiming everything due, the store holds exactly the model's live keys.
        r.purge_expired().unwrap();
        let live: Vec<usize> = (0..KEYS.len()).filter(|&k| m.alive(k).is_some()).collect();
        prop_assert_eq!(int(&r, &["DBSIZE"]), live.len() as i64);
        for (k, name) in KEYS.iter().enumerate() {
            let deadline = m.keys.get(&k).copied().flatten();
            let want = match (live.contains(&k), deadline) {
                (false, _) => -2,
                (true, None) => -1,
                (true, Some(d)) => d,
            };
            prop_assert_eq!(int(&r, &["PEXPIRETIME", name]), want);
        }
    }
}

//! Set commands: replies, errors, encodings, notifications and logged effects, checked
//! against what Redis 7.0.15 does; plus a proptest against a BTreeSet model.

#[path = "../common/mod.rs"]
mod common;

use emu::commands::table;
use emu::config::Config;
use emu::engine::Store;
use emu::engine::{execute, Session};
use emu::keyspace::{notify, Clock, Object};
use emu::Value;

/// A store driven directly, so tests can see notifications, effects and encodings.
struct H {
    store: Store,
    s: Session,
}

impl H {
    fn new() -> H {
        H::with_config(Config::default())
    }

    fn with_config(config: Config) -> H {
        let mut store = Store::new(config, Clock::Manual(1_000_000), 7);
        store.config.notify_keyspace_events = notify::KEYEVENT | notify::SET | notify::GENERIC;
        store.set_record_effects(true);
        let s = Session {
            resp: 3,
            ..Session::default()
        };
        H { store, s }
    }

    fn run(&mut self, args: &[&str]) -> emu::Result<Value> {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        execute(&mut self.store, &mut self.s, &argv)
    }

    fn ok(&mut self, args: &[&str]) -> Value {
        match self.run(args) {
            Ok(v) => v,
            Err(e) => panic!("{args:?} failed: {e}"),
        }
    }

    fn err(&mut self, args: &[&str]) -> String {
        match self.run(args) {
            Ok(v) => panic!("{args:?} succeeded with {v:?}"),
            Err(e) => e.message().to_string(),
        }
    }

    fn int(&mut self, args: &[&str]) -> i64 {
        match self.ok(args) {
            Value::Int(i) => i,
            v => panic!("{args:?} gave {v:?}"),
        }
    }

    fn set_str(&mut self, key: &str, val: &str) {
        self.store.dbs[0].insert(
            key.as_bytes(),
            Object::string(val.as_bytes().to_vec()),
            false,
        );
    }

    fn exists(&self, key: &str) -> bool {
        self.store.dbs[0].dict.get(key.as_bytes()).is_some()
    }

    fn get_str(&self, key: &str) -> Option<Vec<u8>> {
        match &self.store.dbs[0].dict.get(key.as_bytes())?.obj {
            Object::Str(s) => Some(s.to_vec()),
            _ => None,
        }
    }

    fn enc(&self, key: &str) -> &'static str {
        self.store.dbs[0]
            .dict
            .get(key.as_bytes())
            .expect("key exists")
            .obj
            .encoding(&self.store.config)
    }

    fn expire(&mut self, key: &str, at: u64) {
        assert!(self.store.dbs[0].set_expire(key.as_bytes(), Some(at)));
    }

    fn ttl(&self, key: &str) -> Option<u64> {
        self.store.dbs[0].dict.get(key.as_bytes())?.expire()
    }

    /// Drains notifications as "event:key".
    fn events(&mut self) -> Vec<String> {
        self.store
            .notifications
            .drain(..)
            .map(|(ch, msg)| {
                let ch = String::from_utf8(ch).unwrap();
                let ev = ch.rsplit(':').next().unwrap().to_string();
                format!("{ev}:{}", String::from_utf8(msg).unwrap())
            })
            .collect()
    }

    /// Drains logged effects as space-joined argv.
    fn effects(&mut self) -> Vec<String> {
        common::take_effects_text(&mut self.store)
    }

    fn clear_log(&mut self) {
        self.events();
        self.effects();
    }
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn vset(items: &[&str]) -> Value {
    Value::Set(items.iter().map(|s| bulk(s)).collect())
}

fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|&i| Value::Int(i)).collect())
}

/// The elements of an array or set reply as strings, in reply order.
fn strs(v: &Value) -> Vec<String> {
    match v {
        Value::Set(items) | Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Bulk(b) => String::from_utf8(b.clone()).unwrap(),
                other => panic!("not a bulk: {other:?}"),
            })
            .collect(),
        other => panic!("not a collection: {other:?}"),
    }
}

fn sorted(v: &Value) -> Vec<String> {
    let mut s = strs(v);
    s.sort();
    s
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- SADD / SREM / basics

#[test]
fn sadd_counts_new_members_and_creates_key() {
    let mut h = H::new();
    assert_eq!(h.int(&["SADD", "s", "a", "b", "a"]), 2);
    assert_eq!(h.int(&["SADD", "s", "a", "c"]), 1);
    assert_eq!(h.int(&["SADD", "s", "a"]), 0);
    assert_eq!(h.int(&["SCARD", "s"]), 3);
    assert_eq!(h.events(), owned(&["sadd:s", "sadd:s"]));
    // The no-op SADD is not logged.
    assert_eq!(h.effects(), owned(&["SADD s a b a", "SADD s a c"]));
}

#[test]
fn sadd_wrong_type_and_arity() {
    let mut h = H::new();
    h.set_str("str", "x");
    assert_eq!(h.err(&["SADD", "str", "a"]), WRONGTYPE);
    assert_eq!(h.get_str("str"), Some(b"x".to_vec()));
    assert_eq!(
        h.err(&["SADD", "s"]),
        "ERR wrong number of arguments for 'sadd' command"
    );
    assert!(!h.exists("s"));
}

#[test]
fn srem_removes_and_deletes_emptied_set() {
    let mut h = H::new();
    assert_eq!(h.int(&["SREM", "nokey", "a"]), 0);
    h.ok(&["SADD", "s", "a", "b", "c"]);
    h.clear_log();
    assert_eq!(h.int(&["SREM", "s", "a", "x", "a"]), 1);
    assert_eq!(h.events(), owned(&["srem:s"]));
    assert_eq!(h.int(&["SREM", "s", "x"]), 0);
    assert_eq!(h.events(), Vec::<String>::new());
    assert_eq!(h.int(&["SREM", "s", "b", "c", "zz"]), 2);
    assert!(!h.exists("s"));
    assert_eq!(h.events(), owned(&["srem:s", "del:s"]));
    assert_eq!(h.effects(), owned(&["SREM s a x a", "SREM s b c zz"]));
    h.set_str("str", "x");
    assert_eq!(h.err(&["SREM", "str", "a"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SREM", "s"]),
        "ERR wrong number of arguments for 'srem' command"
    );
}

#[test]
fn sismember_smismember_scard() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "a", "1"]);
    assert_eq!(h.ok(&["SISMEMBER", "s", "a"]), Value::Int(1));
    assert_eq!(h.ok(&["SISMEMBER", "s", "b"]), Value::Int(0));
    assert_eq!(h.ok(&["SISMEMBER", "s", "01"]), Value::Int(0));
    assert_eq!(h.ok(&["SISMEMBER", "nokey", "a"]), Value::Int(0));
    assert_eq!(h.ok(&["SMISMEMBER", "s", "a", "b", "1"]), ints(&[1, 0, 1]));
    assert_eq!(h.ok(&["SMISMEMBER", "nokey", "a", "b"]), ints(&[0, 0]));
    assert_eq!(h.ok(&["SCARD", "s"]), Value::Int(2));
    assert_eq!(h.ok(&["SCARD", "nokey"]), Value::Int(0));
    h.set_str("str", "x");
    assert_eq!(h.err(&["SISMEMBER", "str", "a"]), WRONGTYPE);
    assert_eq!(h.err(&["SMISMEMBER", "str", "a"]), WRONGTYPE);
    assert_eq!(h.err(&["SCARD", "str"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SISMEMBER", "s"]),
        "ERR wrong number of arguments for 'sismember' command"
    );
    assert_eq!(
        h.err(&["SMISMEMBER", "s"]),
        "ERR wrong number of arguments for 'smismember' command"
    );
    assert_eq!(
        h.err(&["SCARD", "s", "x"]),
        "ERR wrong number of arguments for 'scard' command"
    );
}

#[test]
fn smembers_intset_is_ascending_numeric() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "3", "1", "2", "-5", "10"]);
    assert_eq!(h.enc("s"), "intset");
    assert_eq!(h.ok(&["SMEMBERS", "s"]), vset(&["-5", "1", "2", "3", "10"]));
    assert_eq!(h.ok(&["SMEMBERS", "nokey"]), Value::Set(vec![]));
    h.set_str("str", "x");
    assert_eq!(h.err(&["SMEMBERS", "str"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SMEMBERS"]),
        "ERR wrong number of arguments for 'smembers' command"
    );
}

#[test]
fn smembers_hashtable_has_every_member_in_a_stable_order() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "b", "a", "c", "1"]);
    assert_eq!(h.enc("s"), "hashtable");
    let first = h.ok(&["SMEMBERS", "s"]);
    assert!(matches!(first, Value::Set(_)));
    assert_eq!(sorted(&first), owned(&["1", "a", "b", "c"]));
    assert_eq!(h.ok(&["SMEMBERS", "s"]), first);
}

#[test]
fn smembers_through_embedded_handle_is_a_resp3_set() {
    let r = emu::Redis::new();
    let n: Value = r.cmd("SADD").arg("s").arg("2").arg("1").query().unwrap();
    assert_eq!(n, Value::Int(2));
    let v: Value = r.cmd("SMEMBERS").arg("s").query().unwrap();
    assert_eq!(v, vset(&["1", "2"]));
}

#[test]
fn resp2_session_gets_the_same_values() {
    let mut store = Store::default();
    let mut s = Session::default();
    assert_eq!(s.resp, 2);
    execute(&mut store, &mut s, &[b"SADD", b"s", b"2", b"1"]).unwrap();
    assert_eq!(
        execute(&mut store, &mut s, &[b"SMEMBERS", b"s"]).unwrap(),
        vset(&["1", "2"])
    );
    assert_eq!(
        execute(&mut store, &mut s, &[b"SRANDMEMBER", b"nokey", b"3"]).unwrap(),
        Value::Array(vec![])
    );
}

// ---------------------------------------------------------------- encodings

#[test]
fn encoding_intset_until_non_integer_then_sticky() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "1", "2"]);
    assert_eq!(h.enc("s"), "intset");
    h.ok(&["SADD", "s", "01"]); // not canonical: not an integer for Redis
    assert_eq!(h.enc("s"), "hashtable");
    h.ok(&["SREM", "s", "01"]);
    assert_eq!(h.enc("s"), "hashtable");
    h.ok(&["SADD", "t", "a"]);
    assert_eq!(h.enc("t"), "hashtable");
    h.ok(&["SADD", "u", "-9223372036854775808", "9223372036854775807"]);
    assert_eq!(h.enc("u"), "intset");
    h.ok(&["SADD", "u", "9223372036854775808"]);
    assert_eq!(h.enc("u"), "hashtable");
}

#[test]
fn encoding_converts_past_max_intset_entries_and_stays() {
    let cfg = Config {
        set_max_intset_entries: 3,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.ok(&["SADD", "s", "1", "2", "3"]);
    assert_eq!(h.enc("s"), "intset");
    h.ok(&["SADD", "s", "4"]);
    assert_eq!(h.enc("s"), "hashtable");
    h.ok(&["SREM", "s", "4", "3"]);
    assert_eq!(h.enc("s"), "hashtable");
    // A stored result is built fresh, so it starts as an intset again.
    h.ok(&["SINTERSTORE", "d", "s"]);
    assert_eq!(h.enc("d"), "intset");
    assert_eq!(h.ok(&["SMEMBERS", "d"]), vset(&["1", "2"]));
}

#[test]
fn encoding_default_limit_is_512() {
    let mut h = H::new();
    let members: Vec<String> = (1..=512).map(|i| i.to_string()).collect();
    let mut args = vec!["SADD", "s"];
    args.extend(members.iter().map(|s| s.as_str()));
    assert_eq!(h.int(&args), 512);
    assert_eq!(h.enc("s"), "intset");
    h.ok(&["SADD", "s", "513"]);
    assert_eq!(h.enc("s"), "hashtable");
}

// ---------------------------------------------------------------- SPOP

#[test]
fn spop_single() {
    let mut h = H::new();
    assert_eq!(h.ok(&["SPOP", "nokey"]), Value::Nil);
    h.ok(&["SADD", "s", "a", "b"]);
    h.clear_log();
    let first = strs(&Value::Array(vec![h.ok(&["SPOP", "s"])]));
    assert_eq!(h.int(&["SCARD", "s"]), 1);
    assert_eq!(h.events(), vec!["spop:s".to_string()]);
    assert_eq!(h.effects(), vec![format!("SREM s {}", first[0])]);
    let second = strs(&Value::Array(vec![h.ok(&["SPOP", "s"])]));
    assert_ne!(first, second);
    assert!(!h.exists("s"));
    assert_eq!(h.events(), owned(&["spop:s", "del:s"]));
    assert_eq!(h.effects(), vec![format!("SREM s {}", second[0])]);
    h.set_str("str", "x");
    assert_eq!(h.err(&["SPOP", "str"]), WRONGTYPE);
    assert_eq!(h.err(&["SPOP", "str", "1", "2"]), "ERR syntax error");
    assert_eq!(
        h.err(&["SPOP"]),
        "ERR wrong number of arguments for 'spop' command"
    );
}

#[test]
fn spop_count_errors_and_empty_cases() {
    let mut h = H::new();
    let positive = "ERR value is out of range, must be positive";
    h.ok(&["SADD", "s", "1", "2"]);
    assert_eq!(h.err(&["SPOP", "s", "-1"]), positive);
    assert_eq!(h.err(&["SPOP", "s", "abc"]), positive);
    assert_eq!(h.err(&["SPOP", "nokey", "-1"]), positive);
    assert_eq!(h.ok(&["SPOP", "nokey", "5"]), Value::Set(vec![]));
    assert_eq!(h.ok(&["SPOP", "nokey", "0"]), Value::Set(vec![]));
    h.set_str("str", "x");
    assert_eq!(h.err(&["SPOP", "str", "0"]), WRONGTYPE);
    assert_eq!(h.err(&["SPOP", "str", "abc"]), positive);
    h.clear_log();
    assert_eq!(h.ok(&["SPOP", "s", "0"]), Value::Set(vec![]));
    assert_eq!(h.int(&["SCARD", "s"]), 2);
    assert!(h.events().is_empty());
    assert!(h.effects().is_empty());
}

#[test]
fn spop_count_whole_set_deletes_and_logs_del() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "3", "1", "2", "-5", "10"]);
    h.clear_log();
    assert_eq!(
        h.ok(&["SPOP", "s", "100"]),
        vset(&["-5", "1", "2", "3", "10"])
    );
    assert!(!h.exists("s"));
    assert_eq!(h.events(), owned(&["spop:s", "del:s"]));
    assert_eq!(h.effects(), owned(&["DEL s"]));
    h.ok(&["SADD", "t", "a", "b"]);
    h.clear_log();
    let v = h.ok(&["SPOP", "t", "2"]);
    assert_eq!(sorted(&v), owned(&["a", "b"]));
    assert!(!h.exists("t"));
    assert_eq!(h.effects(), owned(&["DEL t"]));
}

#[test]
fn spop_count_small_pops_one_by_one_and_logs_srems() {
    let mut h = H::new();
    let members: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD", "s"];
    args.extend(members.iter().map(|s| s.as_str()));
    h.ok(&args);
    h.expire("s", 5_000_000);
    h.clear_log();
    // remaining 8 * 5 > 2: CASE 2.
    let popped = strs(&h.ok(&["SPOP", "s", "2"]));
    assert_eq!(popped.len(), 2);
    assert_ne!(popped[0], popped[1]);
    assert_eq!(h.int(&["SCARD", "s"]), 8);
    for m in &popped {
        assert_eq!(h.int(&["SISMEMBER", "s", m]), 0);
    }
    assert_eq!(h.events(), owned(&["spop:s"]));
    let expected: Vec<String> = popped.iter().map(|m| format!("SREM s {m}")).collect();
    assert_eq!(h.effects(), expected);
    assert_eq!(h.ttl("s"), Some(5_000_000));
}

#[test]
fn spop_count_large_keeps_random_survivors_and_ttl() {
    let mut h = H::new();
    let members: Vec<String> = (1..=10).map(|i| i.to_string()).collect();
    let mut args = vec!["SADD", "s"];
    args.extend(members.iter().map(|s| s.as_str()));
    h.ok(&args);
    h.ok(&["SADD", "s", "x"]);
    h.ok(&["SREM", "s", "x"]);
    assert_eq!(h.enc("s"), "hashtable");
    h.expire("s", 5_000_000);
    h.clear_log();
    // remaining 1 * 5 <= 9: CASE 3.
    let popped = strs(&h.ok(&["SPOP", "s", "9"]));
    assert_eq!(popped.len(), 9);
    let left = strs(&h.ok(&["SMEMBERS", "s"]));
    assert_eq!(left.len(), 1);
    let mut all: Vec<String> = popped.iter().chain(left.iter()).cloned().collect();
    all.sort_by_key(|m| m.parse::<i64>().unwrap());
    assert_eq!(all, members);
    assert_eq!(h.ttl("s"), Some(5_000_000));
    // The survivors form a fresh set: all integers, so an intset again.
    assert_eq!(h.enc("s"), "intset");
    assert_eq!(h.events(), owned(&["spop:s"]));
    let expected: Vec<String> = popped.iter().map(|m| format!("SREM s {m}")).collect();
    assert_eq!(h.effects(), expected);
}

#[test]
fn spop_is_deterministic_for_a_seed() {
    let run = || {
        let mut h = H::new();
        h.ok(&["SADD", "s", "a", "b", "c", "d", "e", "f", "g"]);
        let one = h.ok(&["SPOP", "s"]);
        let two = h.ok(&["SPOP", "s", "3"]);
        (one, two)
    };
    assert_eq!(run(), run());
}

// ---------------------------------------------------------------- SRANDMEMBER

/// Negative-count picks from a hash-table set are uniform even for members that share a
/// bucket (Redis `dictGetFairRandomKey`; the TCL suite's "SRANDMEMBER histogram
/// distribution - hashtable" failed with a chi-square of 246 on a bucket-then-chain pick).
#[test]
fn srandmember_negative_count_is_uniform_on_a_table() {
    let mut h = H::new();
    for round in 0..20 {
        let key = format!("s{round}");
        let members: Vec<String> = [
            "1",
            "5",
            "10",
            "50",
            "125",
            "MARY",
            "PATRICIA",
            "LINDA",
            "BARBARA",
            "ELIZABETH",
        ]
        .iter()
        .map(|m| format!("{m}{round}"))
        .collect();
        let mut args = vec!["SADD", key.as_str()];
        args.extend(members.iter().map(String::as_str));
        assert_eq!(h.int(&args), 10);
        let picks: Vec<Vec<u8>> = match h.ok(&["SRANDMEMBER", &key, "-1000"]) {
            Value::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    Value::Bulk(m) => m,
                    other => panic!("{other:?}"),
                })
                .collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(picks.len(), 1000);
        let x2 = common::chi_square(&picks);
        assert!(x2 < 40.0, "round {round}: chi-square {x2}");
    }
}

#[test]
fn srandmember_single() {
    let mut h = H::new();
    assert_eq!(h.ok(&["SRANDMEMBER", "nokey"]), Value::Nil);
    h.ok(&["SADD", "s", "a"]);
    assert_eq!(h.ok(&["SRANDMEMBER", "s"]), bulk("a"));
    assert_eq!(h.int(&["SCARD", "s"]), 1);
    h.set_str("str", "x");
    assert_eq!(h.err(&["SRANDMEMBER", "str"]), WRONGTYPE);
    assert_eq!(h.err(&["SRANDMEMBER", "s", "1", "2"]), "ERR syntax error");
    assert_eq!(
        h.err(&["SRANDMEMBER"]),
        "ERR wrong number of arguments for 'srandmember' command"
    );
}

#[test]
fn srandmember_count_errors_and_empty_cases() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "1", "2"]);
    assert_eq!(
        h.err(&["SRANDMEMBER", "s", "abc"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        h.err(&["SRANDMEMBER", "s", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and \
         9223372036854775807"
    );
    assert_eq!(h.ok(&["SRANDMEMBER", "nokey", "5"]), Value::Array(vec![]));
    assert_eq!(h.ok(&["SRANDMEMBER", "nokey", "-5"]), Value::Array(vec![]));
    assert_eq!(h.ok(&["SRANDMEMBER", "s", "0"]), Value::Array(vec![]));
    h.set_str("str", "x");
    assert_eq!(h.err(&["SRANDMEMBER", "str", "0"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SRANDMEMBER", "str", "abc"]),
        "ERR value is not an integer or out of range"
    );
}

#[test]
fn srandmember_count_positive_is_distinct() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "3", "1", "2", "-5", "10"]);
    // count >= size: the whole set, in set order.
    assert_eq!(
        h.ok(&["SRANDMEMBER", "s", "5"]),
        Value::Array(
            ["-5", "1", "2", "3", "10"]
                .iter()
                .map(|m| bulk(m))
                .collect()
        )
    );
    assert_eq!(strs(&h.ok(&["SRANDMEMBER", "s", "50"])).len(), 5);
    // count * 3 > size (subtraction) and count * 3 <= size (collection) paths.
    let many: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD", "big"];
    args.extend(many.iter().map(|s| s.as_str()));
    h.ok(&args);
    for count in [1usize, 4, 13, 14, 30, 39] {
        let v = h.ok(&["SRANDMEMBER", "big", &count.to_string()]);
        assert!(matches!(v, Value::Array(_)));
        let got = sorted(&v);
        assert_eq!(got.len(), count, "count {count}");
        let mut dedup = got.clone();
        dedup.dedup();
        assert_eq!(dedup, got, "count {count} repeated a member");
        assert!(got.iter().all(|m| many.contains(m)));
    }
    assert_eq!(h.int(&["SCARD", "big"]), 40);
}

#[test]
fn srandmember_count_negative_may_repeat() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "a", "b"]);
    let v = h.ok(&["SRANDMEMBER", "s", "-50"]);
    assert!(matches!(v, Value::Array(_)));
    let got = strs(&v);
    assert_eq!(got.len(), 50);
    assert!(got.iter().all(|m| m == "a" || m == "b"));
    assert!(got.iter().any(|m| m == "a") && got.iter().any(|m| m == "b"));
    assert_eq!(strs(&h.ok(&["SRANDMEMBER", "s", "-1"])).len(), 1);
    // Read-only: nothing logged, nothing notified.
    h.clear_log();
    h.ok(&["SRANDMEMBER", "s", "-3"]);
    assert!(h.effects().is_empty());
    assert!(h.events().is_empty());
}

// ---------------------------------------------------------------- SMOVE

#[test]
fn smove_moves_and_notifies() {
    let mut h = H::new();
    h.ok(&["SADD", "src", "a", "b"]);
    h.clear_log();
    assert_eq!(h.int(&["SMOVE", "src", "dst", "a"]), 1);
    assert_eq!(h.ok(&["SMEMBERS", "src"]), vset(&["b"]));
    assert_eq!(h.ok(&["SMEMBERS", "dst"]), vset(&["a"]));
    assert_eq!(h.events(), owned(&["srem:src", "sadd:dst"]));
    assert_eq!(h.effects(), owned(&["SMOVE src dst a"]));
    // Emptying the source deletes it.
    h.ok(&["SADD", "dst", "b"]);
    h.clear_log();
    assert_eq!(h.int(&["SMOVE", "src", "dst", "b"]), 1);
    assert!(!h.exists("src"));
    // Already in the destination: no "sadd".
    assert_eq!(h.events(), owned(&["srem:src", "del:src"]));
    assert_eq!(sorted(&h.ok(&["SMEMBERS", "dst"])), owned(&["a", "b"]));
}

#[test]
fn smove_edge_cases() {
    let mut h = H::new();
    h.ok(&["SADD", "a", "1", "2", "3"]);
    h.set_str("str", "x");
    // Destination of the wrong type: error, nothing changes.
    assert_eq!(h.err(&["SMOVE", "a", "str", "1"]), WRONGTYPE);
    assert_eq!(h.ok(&["SMEMBERS", "a"]), vset(&["1", "2", "3"]));
    assert_eq!(h.get_str("str"), Some(b"x".to_vec()));
    // Missing source answers 0 before any type check of the destination.
    assert_eq!(h.int(&["SMOVE", "nokey", "str", "1"]), 0);
    assert_eq!(h.err(&["SMOVE", "str", "a", "1"]), WRONGTYPE);
    // Same key: membership test only.
    h.clear_log();
    assert_eq!(h.int(&["SMOVE", "a", "a", "1"]), 1);
    assert_eq!(h.int(&["SMOVE", "a", "a", "9"]), 0);
    // Not a member: 0, no change.
    assert_eq!(h.int(&["SMOVE", "a", "b", "9"]), 0);
    assert!(!h.exists("b"));
    assert!(h.events().is_empty());
    assert!(h.effects().is_empty());
    // The destination is created with the encoding the member calls for.
    assert_eq!(h.int(&["SMOVE", "a", "b", "1"]), 1);
    assert_eq!(h.enc("b"), "intset");
    assert_eq!(
        h.err(&["SMOVE", "a", "b"]),
        "ERR wrong number of arguments for 'smove' command"
    );
}

// ---------------------------------------------------------------- SINTER / SUNION / SDIFF

fn abc(h: &mut H) {
    h.ok(&["SADD", "a", "1", "2", "3", "4"]);
    h.ok(&["SADD", "b", "2", "3", "5"]);
    h.ok(&["SADD", "c", "3", "4", "6"]);
}

#[test]
fn sinter_basics() {
    let mut h = H::new();
    abc(&mut h);
    assert_eq!(h.ok(&["SINTER", "a", "b"]), vset(&["2", "3"]));
    assert_eq!(h.ok(&["SINTER", "a", "b", "c"]), vset(&["3"]));
    assert_eq!(h.ok(&["SINTER", "a"]), vset(&["1", "2", "3", "4"]));
    assert_eq!(h.ok(&["SINTER", "a", "a"]), vset(&["1", "2", "3", "4"]));
    assert_eq!(h.ok(&["SINTER", "a", "nokey"]), Value::Set(vec![]));
    assert_eq!(h.ok(&["SINTER", "nokey", "a"]), Value::Set(vec![]));
    h.set_str("str", "x");
    // A missing key does not hide a wrong-type key after it.
    assert_eq!(h.err(&["SINTER", "nokey", "str"]), WRONGTYPE);
    assert_eq!(h.err(&["SINTER", "a", "str"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SINTER"]),
        "ERR wrong number of arguments for 'sinter' command"
    );
}

#[test]
fn sinter_of_hashtable_sets() {
    let mut h = H::new();
    h.ok(&["SADD", "x", "a", "b", "c", "1"]);
    h.ok(&["SADD", "y", "b", "c", "d", "1"]);
    assert_eq!(
        sorted(&h.ok(&["SINTER", "x", "y"])),
        owned(&["1", "b", "c"])
    );
    h.ok(&["SADD", "i", "1", "2"]);
    assert_eq!(h.ok(&["SINTER", "x", "i"]), vset(&["1"]));
}

#[test]
fn sunion_basics() {
    let mut h = H::new();
    abc(&mut h);
    assert_eq!(
        h.ok(&["SUNION", "a", "b", "nokey"]),
        vset(&["1", "2", "3", "4", "5"])
    );
    assert_eq!(h.ok(&["SUNION", "nokey"]), Value::Set(vec![]));
    h.ok(&["SADD", "t", "z"]);
    assert_eq!(
        sorted(&h.ok(&["SUNION", "a", "t"])),
        owned(&["1", "2", "3", "4", "z"])
    );
    h.set_str("str", "x");
    assert_eq!(h.err(&["SUNION", "nokey", "str"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SUNION"]),
        "ERR wrong number of arguments for 'sunion' command"
    );
}

#[test]
fn sdiff_basics() {
    let mut h = H::new();
    abc(&mut h);
    assert_eq!(h.ok(&["SDIFF", "a", "b"]), vset(&["1", "4"]));
    assert_eq!(h.ok(&["SDIFF", "a", "b", "c"]), vset(&["1"]));
    assert_eq!(h.ok(&["SDIFF", "a", "nokey"]), vset(&["1", "2", "3", "4"]));
    assert_eq!(h.ok(&["SDIFF", "nokey", "a"]), Value::Set(vec![]));
    assert_eq!(h.ok(&["SDIFF", "a", "a"]), Value::Set(vec![]));
    assert_eq!(h.ok(&["SDIFF", "a", "b", "a"]), Value::Set(vec![]));
    // Many small sets to subtract (the O(N) algorithm).
    h.ok(&["SADD", "big", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    h.ok(&["SADD", "s1", "1"]);
    h.ok(&["SADD", "s2", "2"]);
    assert_eq!(
        h.ok(&["SDIFF", "big", "s1", "s2", "nokey"]),
        vset(&["3", "4", "5", "6", "7", "8", "9"])
    );
    assert_eq!(h.ok(&["SDIFF", "s1", "big", "s2"]), Value::Set(vec![]));
    h.set_str("str", "x");
    assert_eq!(h.err(&["SDIFF", "a", "str"]), WRONGTYPE);
    assert_eq!(h.err(&["SDIFF", "nokey", "str"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SDIFF"]),
        "ERR wrong number of arguments for 'sdiff' command"
    );
}

#[test]
fn sdiff_algorithm_decides_result_encoding() {
    // First set has a non-integer that the others remove. Algorithm 1 (first set small
    // relative to the work) never adds it: the result stays an intset.
    let mut h = H::new();
    h.ok(&["SADD", "f", "1", "2", "x"]);
    h.ok(&["SADD", "g", "x", "5", "6", "7"]);
    h.ok(&["SDIFFSTORE", "d", "f", "g"]);
    assert_eq!(h.enc("d"), "intset");
    assert_eq!(h.ok(&["SMEMBERS", "d"]), vset(&["1", "2"]));
    // Algorithm 2 (first set big, few small others) adds everything then removes: the
    // result went through a non-integer and is a hashtable.
    let mut h = H::new();
    h.ok(&["SADD", "f", "1", "2", "3", "4", "5", "6", "x"]);
    h.ok(&["SADD", "g", "x"]);
    h.ok(&["SADD", "k", "6"]);
    h.ok(&["SDIFFSTORE", "d", "f", "g", "k"]);
    assert_eq!(h.enc("d"), "hashtable");
    assert_eq!(
        sorted(&h.ok(&["SMEMBERS", "d"])),
        owned(&["1", "2", "3", "4", "5"])
    );
}

// ---------------------------------------------------------------- *STORE

#[test]
fn sinterstore_stores_and_overwrites_other_types() {
    let mut h = H::new();
    abc(&mut h);
    h.set_str("str", "x");
    h.expire("str", 5_000_000);
    h.clear_log();
    assert_eq!(h.int(&["SINTERSTORE", "str", "a", "b"]), 2);
    assert_eq!(h.ok(&["SMEMBERS", "str"]), vset(&["2", "3"]));
    assert_eq!(h.ttl("str"), None);
    assert_eq!(h.events(), owned(&["sinterstore:str"]));
    assert_eq!(h.effects(), owned(&["SINTERSTORE str a b"]));
    // Destination among the sources.
    assert_eq!(h.int(&["SINTERSTORE", "a", "a", "c"]), 2);
    assert_eq!(h.ok(&["SMEMBERS", "a"]), vset(&["3", "4"]));
}

#[test]
fn store_of_empty_result_deletes_destination() {
    let mut h = H::new();
    abc(&mut h);
    h.set_str("d", "x");
    h.clear_log();
    assert_eq!(h.int(&["SINTERSTORE", "d", "a", "nokey"]), 0);
    assert!(!h.exists("d"));
    assert_eq!(h.events(), owned(&["del:d"]));
    assert_eq!(h.effects(), owned(&["SINTERSTORE d a nokey"]));
    // Nothing to delete: no event, not logged.
    assert_eq!(h.int(&["SINTERSTORE", "d", "a", "nokey"]), 0);
    assert_eq!(h.int(&["SUNIONSTORE", "d", "nokey"]), 0);
    assert_eq!(h.int(&["SDIFFSTORE", "d", "a", "a"]), 0);
    assert!(h.events().is_empty());
    assert!(h.effects().is_empty());
    h.ok(&["SADD", "d", "z"]);
    h.clear_log();
    assert_eq!(h.int(&["SINTERSTORE", "d", "b", "c", "a"]), 1);
    assert_eq!(h.int(&["SDIFFSTORE", "d", "b", "a", "c"]), 1);
    assert_eq!(h.ok(&["SMEMBERS", "d"]), vset(&["5"]));
    assert_eq!(h.int(&["SDIFFSTORE", "d", "b", "b"]), 0);
    assert!(!h.exists("d"));
    assert_eq!(
        h.events(),
        owned(&["sinterstore:d", "sdiffstore:d", "del:d"])
    );
}

#[test]
fn sunionstore_and_sdiffstore() {
    let mut h = H::new();
    abc(&mut h);
    h.clear_log();
    assert_eq!(h.int(&["SUNIONSTORE", "u", "a", "b", "c"]), 6);
    assert_eq!(
        h.ok(&["SMEMBERS", "u"]),
        vset(&["1", "2", "3", "4", "5", "6"])
    );
    assert_eq!(h.enc("u"), "intset");
    assert_eq!(h.int(&["SDIFFSTORE", "df", "a", "b"]), 2);
    assert_eq!(h.ok(&["SMEMBERS", "df"]), vset(&["1", "4"]));
    assert_eq!(h.events(), owned(&["sunionstore:u", "sdiffstore:df"]));
    h.set_str("str", "x");
    assert_eq!(h.err(&["SUNIONSTORE", "u", "a", "str"]), WRONGTYPE);
    assert_eq!(h.err(&["SDIFFSTORE", "u", "str"]), WRONGTYPE);
    assert_eq!(h.err(&["SINTERSTORE", "u", "str"]), WRONGTYPE);
    assert_eq!(h.int(&["SCARD", "u"]), 6);
    for name in ["sinterstore", "sunionstore", "sdiffstore"] {
        assert_eq!(
            h.err(&[name, "d"]),
            format!("ERR wrong number of arguments for '{name}' command")
        );
    }
}

#[test]
fn sources_that_expired_count_as_missing() {
    let mut h = H::new();
    abc(&mut h);
    h.expire("b", 999_999); // before now: expired (a key lives through its deadline ms)
    assert_eq!(h.ok(&["SINTER", "a", "b"]), Value::Set(vec![]));
    assert!(!h.exists("b"));
    assert_eq!(h.int(&["SCARD", "b"]), 0);
}

// ---------------------------------------------------------------- SINTERCARD

#[test]
fn sintercard_counts_with_limit() {
    let mut h = H::new();
    abc(&mut h);
    assert_eq!(h.int(&["SINTERCARD", "2", "a", "b"]), 2);
    assert_eq!(h.int(&["SINTERCARD", "1", "a"]), 4);
    assert_eq!(h.int(&["SINTERCARD", "1", "a", "LIMIT", "3"]), 3);
    assert_eq!(h.int(&["SINTERCARD", "1", "a", "limit", "0"]), 4);
    assert_eq!(h.int(&["SINTERCARD", "1", "a", "LIMIT", "100"]), 4);
    assert_eq!(
        h.int(&["SINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "2"]),
        2
    );
    assert_eq!(h.int(&["SINTERCARD", "3", "a", "b", "c"]), 1);
    assert_eq!(h.int(&["SINTERCARD", "2", "a", "nokey"]), 0);
}

#[test]
fn sintercard_errors() {
    let mut h = H::new();
    abc(&mut h);
    h.set_str("str", "x");
    let numkeys = "ERR numkeys should be greater than 0";
    assert_eq!(h.err(&["SINTERCARD", "0", "a"]), numkeys);
    assert_eq!(h.err(&["SINTERCARD", "-1", "a"]), numkeys);
    assert_eq!(h.err(&["SINTERCARD", "abc", "a"]), numkeys);
    assert_eq!(
        h.err(&["SINTERCARD", "2", "a"]),
        "ERR Number of keys can't be greater than number of args"
    );
    let limit = "ERR LIMIT can't be negative";
    assert_eq!(h.err(&["SINTERCARD", "1", "a", "LIMIT", "-1"]), limit);
    assert_eq!(h.err(&["SINTERCARD", "1", "a", "LIMIT", "abc"]), limit);
    assert_eq!(
        h.err(&["SINTERCARD", "1", "a", "LIMIT"]),
        "ERR syntax error"
    );
    assert_eq!(
        h.err(&["SINTERCARD", "1", "a", "foo", "1"]),
        "ERR syntax error"
    );
    assert_eq!(h.err(&["SINTERCARD", "1", "str"]), WRONGTYPE);
    assert_eq!(h.err(&["SINTERCARD", "2", "nokey", "str"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SINTERCARD", "1"]),
        "ERR wrong number of arguments for 'sintercard' command"
    );
}

#[test]
fn sintercard_movable_keys() {
    let spec = table().get(b"sintercard").unwrap();
    let pos = |args: &[&str]| {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        spec.key_positions(&argv)
    };
    assert_eq!(
        pos(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]),
        vec![2, 3]
    );
    assert_eq!(pos(&["SINTERCARD", "1", "a"]), vec![2]);
    assert_eq!(pos(&["SINTERCARD", "3", "a"]), Vec::<usize>::new());
    assert_eq!(pos(&["SINTERCARD", "x", "a"]), Vec::<usize>::new());
    assert_eq!(pos(&["SINTERCARD"]), Vec::<usize>::new());
}

// ---------------------------------------------------------------- SSCAN

fn scan_reply(v: &Value) -> (String, Vec<String>) {
    match v {
        Value::Array(parts) if parts.len() == 2 => {
            let cursor = match &parts[0] {
                Value::Bulk(b) => String::from_utf8(b.clone()).unwrap(),
                other => panic!("cursor {other:?}"),
            };
            (cursor, strs(&parts[1]))
        }
        other => panic!("not a scan reply: {other:?}"),
    }
}

#[test]
fn sscan_intset_returns_everything_at_once() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "3", "1", "2", "-5", "10"]);
    let (c, items) = scan_reply(&h.ok(&["SSCAN", "s", "0"]));
    assert_eq!(c, "0");
    assert_eq!(items, owned(&["-5", "1", "2", "3", "10"]));
    let (c, items) = scan_reply(&h.ok(&["SSCAN", "s", "5", "MATCH", "1*", "COUNT", "1"]));
    assert_eq!(c, "0");
    assert_eq!(items, owned(&["1", "10"]));
}

#[test]
fn sscan_hashtable_visits_every_member() {
    let mut h = H::new();
    let members: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD", "s"];
    args.extend(members.iter().map(|s| s.as_str()));
    h.ok(&args);
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut rounds = 0;
    loop {
        let (c, items) = scan_reply(&h.ok(&["SSCAN", "s", &cursor, "COUNT", "7"]));
        seen.extend(items);
        rounds += 1;
        if c == "0" {
            break;
        }
        cursor = c;
    }
    assert!(rounds > 1);
    let expected: std::collections::BTreeSet<String> = members.into_iter().collect();
    assert_eq!(seen, expected);
    let (_, items) = scan_reply(&h.ok(&["SSCAN", "s", "0", "MATCH", "m1?", "COUNT", "1000"]));
    let mut items = items;
    items.sort();
    let expected: Vec<String> = (10..20).map(|i| format!("m{i}")).collect();
    assert_eq!(items, expected);
}

#[test]
fn sscan_errors_and_missing_key() {
    let mut h = H::new();
    h.ok(&["SADD", "s", "1"]);
    h.set_str("str", "x");
    let empty = Value::Array(vec![bulk("0"), Value::Array(vec![])]);
    assert_eq!(h.ok(&["SSCAN", "nokey", "0"]), empty);
    // Options are parsed only once the key is found.
    assert_eq!(h.ok(&["SSCAN", "nokey", "0", "COUNT", "0"]), empty);
    assert_eq!(h.err(&["SSCAN", "nokey", "x"]), "ERR invalid cursor");
    assert_eq!(h.err(&["SSCAN", "str", "0", "COUNT", "0"]), WRONGTYPE);
    assert_eq!(
        h.err(&["SSCAN", "s", "0", "COUNT", "0"]),
        "ERR syntax error"
    );
    assert_eq!(
        h.err(&["SSCAN", "s", "0", "COUNT", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(h.err(&["SSCAN", "s", "0", "MATCH"]), "ERR syntax error");
    assert_eq!(
        h.err(&["SSCAN", "s", "0", "TYPE", "set"]),
        "ERR syntax error"
    );
    assert_eq!(
        h.err(&["SSCAN", "s"]),
        "ERR wrong number of arguments for 'sscan' command"
    );
}

// ---------------------------------------------------------------- command table

#[test]
fn command_table_entries() {
    use emu::engine::flags::*;
    type Row = (&'static str, i32, u32, (i32, i32, i32));
    let expect: &[Row] = &[
        ("sadd", -3, WRITE | DENYOOM | FAST, (1, 1, 1)),
        ("srem", -3, WRITE | FAST, (1, 1, 1)),
        ("smembers", 2, READONLY, (1, 1, 1)),
        ("sismember", 3, READONLY | FAST, (1, 1, 1)),
        ("smismember", -3, READONLY | FAST, (1, 1, 1)),
        ("scard", 2, READONLY | FAST, (1, 1, 1)),
        ("spop", -2, WRITE | FAST | RANDOM, (1, 1, 1)),
        ("srandmember", -2, READONLY | RANDOM, (1, 1, 1)),
        ("smove", 4, WRITE | FAST, (1, 2, 1)),
        ("sinter", -2, READONLY, (1, -1, 1)),
        ("sintercard", -3, READONLY, (0, 0, 0)),
        ("sinterstore", -3, WRITE | DENYOOM, (1, -1, 1)),
        ("sunion", -2, READONLY, (1, -1, 1)),
        ("sunionstore", -3, WRITE | DENYOOM, (1, -1, 1)),
        ("sdiff", -2, READONLY, (1, -1, 1)),
        ("sdiffstore", -3, WRITE | DENYOOM, (1, -1, 1)),
        ("sscan", -3, READONLY | RANDOM, (1, 1, 1)),
    ];
    for &(name, arity, flags, keys) in expect {
        let spec = table()
            .get(name.as_bytes())
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(spec.arity, arity, "{name}");
        assert_eq!(spec.flags, flags, "{name}");
        assert_eq!((spec.first_key, spec.last_key, spec.step), keys, "{name}");
        assert_eq!(spec.group, "set", "{name}");
    }
    assert!(table().get(b"SINTERCARD").unwrap().keys.is_some());
}

// ---------------------------------------------------------------- proptest

mod model;

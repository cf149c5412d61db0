//! KEYS, SCAN (including its guarantee under churn), RANDOMKEY, and determinism of their
//! orders and picks.

use std::collections::BTreeSet;

use super::*;

// ---------------------------------------------------------------------------------------
// KEYS

#[test]
fn keys_matches_glob_patterns() {
    let r = redis();
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "a*b", "ab"] {
        set(&r, k, "v");
    }
    assert_eq!(
        sorted(ok(&r, &["KEYS", "h?llo"])),
        strs(&["hello", "hallo", "hxllo"])
    );
    assert_eq!(
        sorted(ok(&r, &["KEYS", "h*llo"])),
        strs(&["hello", "hallo", "hxllo", "hllo", "heeeello"])
    );
    assert_eq!(
        sorted(ok(&r, &["KEYS", "h[ae]llo"])),
        strs(&["hello", "hallo"])
    );
    assert_eq!(
        sorted(ok(&r, &["KEYS", "h[^e]llo"])),
        strs(&["hallo", "hxllo"])
    );
    assert_eq!(sorted(ok(&r, &["KEYS", "a\\*b"])), strs(&["a*b"]));
    assert_eq!(sorted(ok(&r, &["KEYS", "nomatch*"])), strs(&[]));
    assert_eq!(err(&r, &["KEYS"]), arity("keys"));
    assert_eq!(err(&r, &["KEYS", "*", "x"]), arity("keys"));
}

#[test]
fn keys_star_returns_every_key_including_the_empty_one() {
    let r = redis();
    set(&r, "", "empty");
    set(&r, "x", "1");
    assert_eq!(sorted(ok(&r, &["KEYS", "*"])), strs(&["", "x"]));
}

#[test]
fn keys_skips_expired_keys_without_deleting_them() {
    let r = redis();
    set(&r, "live", "1");
    set(&r, "dying", "1");
    assert_eq!(ok(&r, &["PEXPIRE", "dying", "10"]), int(1));
    r.advance_time(Duration::from_millis(11)).unwrap();
    assert_eq!(sorted(ok(&r, &["KEYS", "*"])), strs(&["live"]));
    // KEYS only filters (Redis keyIsExpired): the key is still held until reclaimed.
    assert_eq!(r.with_store(|s| s.dbs[0].len()).unwrap(), 2);
}

// ---------------------------------------------------------------------------------------
// SCAN

/// Runs a full SCAN with the given options and returns every key seen (sorted, deduped).
fn full_scan(r: &Redis, opts: &[&str]) -> Vec<Vec<u8>> {
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    loop {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(opts);
        let Value::Array(reply) = ok(r, &args) else {
            panic!("bad SCAN reply")
        };
        let [Value::Bulk(next), Value::Array(keys)] = reply.as_slice() else {
            panic!("bad SCAN reply shape: {reply:?}")
        };
        for k in keys {
            let Value::Bulk(k) = k else {
                panic!("not bulk")
            };
            seen.insert(k.clone());
        }
        cursor = String::from_utf8(next.clone()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    seen.into_iter().collect()
}

#[test]
fn scan_iterates_everything() {
    let r = redis();
    let all: Vec<String> = (0..200).map(|i| format!("key:{i}")).collect();
    for k in &all {
        set(&r, k, "v");
    }
    let want: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(full_scan(&r, &[]), strs(&want));
    assert_eq!(full_scan(&r, &["COUNT", "1000"]), strs(&want));
    assert_eq!(full_scan(&r, &["count", "3"]), strs(&want));
}

#[test]
fn scan_on_empty_db_returns_cursor_zero() {
    let r = redis();
    assert_eq!(
        ok(&r, &["SCAN", "0"]),
        Value::Array(vec![Value::bulk("0"), Value::Array(vec![])])
    );
}

#[test]
fn scan_match_and_type_filters() {
    let r = redis();
    for i in 0..30 {
        set(&r, &format!("str:{i}"), "v");
    }
    put(&r, "list:1", Object::List(Default::default()));
    put(&r, "hash:1", Object::Hash(Default::default()));
    let strs_all: Vec<String> = (0..30).map(|i| format!("str:{i}")).collect();
    let want: Vec<&str> = strs_all.iter().map(String::as_str).collect();
    assert_eq!(full_scan(&r, &["MATCH", "str:*"]), strs(&want));
    assert_eq!(full_scan(&r, &["TYPE", "string"]), strs(&want));
    assert_eq!(full_scan(&r, &["TYPE", "LIST"]), strs(&["list:1"]));
    assert_eq!(
        full_scan(&r, &["MATCH", "*:1", "TYPE", "hash", "COUNT", "5"]),
        strs(&["hash:1"])
    );
    assert_eq!(full_scan(&r, &["MATCH", "str:1?"]).len(), 10);
    assert_eq!(full_scan(&r, &["TYPE", "stream"]), strs(&[]));
    assert_eq!(full_scan(&r, &["MATCH", "*"]).len(), 32);
}

#[test]
fn scan_errors() {
    let r = redis();
    set(&r, "a", "1");
    assert_eq!(err(&r, &["SCAN", "x"]), "ERR invalid cursor");
    assert_eq!(err(&r, &["SCAN", " 1"]), "ERR invalid cursor");
    assert_eq!(err(&r, &["SCAN", "1 "]), "ERR invalid cursor");
    assert_eq!(err(&r, &["SCAN", "-"]), "ERR invalid cursor");
    assert_eq!(err(&r, &["SCAN", "+"]), "ERR invalid cursor");
    assert_eq!(
        err(&r, &["SCAN", "18446744073709551616"]),
        "ERR invalid cursor"
    );
    assert_eq!(err(&r, &["SCAN", "0", "COUNT", "0"]), "ERR syntax error");
    assert_eq!(err(&r, &["SCAN", "0", "COUNT", "-1"]), "ERR syntax error");
    assert_eq!(
        err(&r, &["SCAN", "0", "COUNT", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(err(&r, &["SCAN", "0", "TYPE"]), "ERR syntax error");
    assert_eq!(err(&r, &["SCAN", "0", "MATCH"]), "ERR syntax error");
    assert_eq!(err(&r, &["SCAN", "0", "FOO", "bar"]), "ERR syntax error");
    assert_eq!(err(&r, &["SCAN"]), arity("scan"));
}

#[test]
fn scan_cursor_parses_like_strtoul() {
    let r = redis();
    // Empty string, signs, and the largest unsigned value are all valid cursors.
    for c in ["", "+0", "-0", "-1", "18446744073709551615"] {
        let Value::Array(reply) = ok(&r, &["SCAN", c]) else {
            panic!()
        };
        assert_eq!(reply.len(), 2, "{c:?}");
    }
}

#[test]
fn scan_does_not_return_expired_keys_and_reclaims_them() {
    let r = redis();
    for i in 0..20 {
        set(&r, &format!("k{i}"), "v");
    }
    for i in 0..10 {
        assert_eq!(ok(&r, &["PEXPIRE", &format!("k{i}"), "5"]), int(1));
    }
    r.advance_time(Duration::from_millis(6)).unwrap();
    let want: Vec<String> = (10..20).map(|i| format!("k{i}")).collect();
    let want: Vec<&str> = want.iter().map(String::as_str).collect();
    assert_eq!(full_scan(&r, &["COUNT", "100"]), strs(&want));
    assert_eq!(ok(&r, &["DBSIZE"]), int(10));
}

#[test]
fn scan_returns_keys_present_for_the_whole_scan_despite_churn() {
    let r = redis();
    let stable: Vec<String> = (0..300).map(|i| format!("stable:{i}")).collect();
    for k in &stable {
        set(&r, k, "v");
    }
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut page = 0u32;
    loop {
        let Value::Array(reply) = ok(&r, &["SCAN", &cursor, "COUNT", "7"]) else {
            panic!()
        };
        let [Value::Bulk(next), Value::Array(keys)] = reply.as_slice() else {
            panic!()
        };
        for k in keys {
            let Value::Bulk(k) = k else { panic!() };
            seen.insert(k.clone());
        }
        cursor = String::from_utf8(next.clone()).unwrap();
        if cursor == "0" {
            break;
        }
        page += 1;
        // Grow the table a lot, then shrink it, then churn a little on every page.
        if page == 5 {
            for i in 0..4000 {
                set(&r, &format!("tmp:{i}"), "x");
            }
        }
        if page == 40 {
            let keys: Vec<String> = (0..4000).map(|i| format!("tmp:{i}")).collect();
            let mut args = vec!["DEL"];
            args.extend(keys.iter().map(String::as_str));
            assert_eq!(ok(&r, &args), int(4000));
        }
        set(&r, &format!("churn:{page}"), "x");
        if page % 3 == 0 {
            ok(&r, &["DEL", &format!("churn:{}", page - 1)]);
        }
        assert!(page < 100_000, "scan did not terminate");
    }
    for k in &stable {
        assert!(seen.contains(k.as_bytes()), "SCAN missed {k}");
    }
}

// ---------------------------------------------------------------------------------------
// RANDOMKEY

#[test]
fn randomkey_on_empty_db_is_nil() {
    let r = redis();
    assert_eq!(ok(&r, &["RANDOMKEY"]), Value::Nil);
    assert_eq!(err(&r, &["RANDOMKEY", "x"]), arity("randomkey"));
}

#[test]
fn randomkey_returns_existing_keys_and_covers_them() {
    let r = redis();
    for k in ["a", "b", "c", "d"] {
        set(&r, k, "v");
    }
    let mut seen = BTreeSet::new();
    for _ in 0..200 {
        let Value::Bulk(k) = ok(&r, &["RANDOMKEY"]) else {
            panic!()
        };
        seen.insert(k);
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        strs(&["a", "b", "c", "d"])
    );
}

#[test]
fn randomkey_skips_and_reclaims_expired_keys() {
    let r = redis();
    set(&r, "live", "v");
    for i in 0..50 {
        let k = format!("gone{i}");
        set(&r, &k, "v");
        assert_eq!(ok(&r, &["PEXPIRE", &k, "1"]), int(1));
    }
    r.advance_time(Duration::from_millis(2)).unwrap();
    for _ in 0..20 {
        assert_eq!(ok(&r, &["RANDOMKEY"]), Value::bulk("live"));
    }
    // Everything expired: RANDOMKEY deletes as it draws and ends with nil.
    assert_eq!(ok(&r, &["PEXPIRE", "live", "1"]), int(1));
    r.advance_time(Duration::from_millis(2)).unwrap();
    assert_eq!(ok(&r, &["RANDOMKEY"]), Value::Nil);
    assert_eq!(r.with_store(|s| s.dbs[0].len()).unwrap(), 0);
}

// ---------------------------------------------------------------------------------------
// Determinism

fn scripted(seed: u64) -> (Value, Vec<Value>, Vec<Value>) {
    let r = Redis::builder().manual_clock(T0).seed(seed).build();
    for i in 0..150 {
        set(&r, &format!("key:{i}"), "v");
    }
    for i in (0..150).step_by(7) {
        ok(&r, &["DEL", &format!("key:{i}")]);
    }
    for i in (0..150).step_by(5) {
        ok(
            &r,
            &["PEXPIRE", &format!("key:{i}"), &format!("{}", i * 10)],
        );
    }
    r.advance_time(Duration::from_millis(700)).unwrap();
    let keys = ok(&r, &["KEYS", "*"]);
    let mut pages = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let v = ok(&r, &["SCAN", &cursor, "COUNT", "9"]);
        let Value::Array(reply) = &v else { panic!() };
        let Value::Bulk(next) = &reply[0] else {
            panic!()
        };
        cursor = String::from_utf8(next.clone()).unwrap();
        pages.push(v);
        if cursor == "0" {
            break;
        }
    }
    let picks = (0..50).map(|_| ok(&r, &["RANDOMKEY"])).collect();
    (keys, pages, picks)
}

#[test]
fn same_operations_give_same_orders_and_picks() {
    let a = scripted(42);
    let b = scripted(42);
    assert_eq!(a.0, b.0, "KEYS order differs");
    assert_eq!(a.1, b.1, "SCAN pages differ");
    assert_eq!(a.2, b.2, "RANDOMKEY picks differ");
    // The picks really depend on the seed (not a constant).
    let c = scripted(7);
    assert_ne!(a.2, c.2);
}

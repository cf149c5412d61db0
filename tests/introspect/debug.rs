//! DEBUG against redis-server 7.0: PROTOCOL byte for byte in RESP2 and RESP3, OBJECT's line
//! shape, SET-ACTIVE-EXPIRE honoured, the no-op and error subcommands.

use std::time::{Duration, Instant};

use crate::util::{refs, words, Pair};

#[test]
fn protocol_as_redis() {
    let Some(mut p) = Pair::start_debug("DEBUG PROTOCOL") else {
        return;
    };
    for proto in ["2", "3"] {
        p.both(&[b"HELLO", proto.as_bytes()]);
        for t in [
            "string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib",
            "verbatim", "true", "false", "nosuch", "PUSH",
        ] {
            p.same(&[b"DEBUG", b"PROTOCOL", t.as_bytes()]);
            if proto == "3" && t == "PUSH" {
                // The real reply follows the push.
                assert_eq!(p.emu.reply(), p.real.reply());
            }
        }
    }
}

#[test]
fn object_line_as_redis() {
    let Some(mut p) = Pair::start_debug("DEBUG OBJECT") else {
        return;
    };
    for line in [
        "SET s abc",
        "SET n 12345",
        "SET big xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "RPUSH l a b c",
        "HSET h f v",
        "SADD st 1 2 3",
        "SADD sm a b",
        "ZADD z 1 a",
    ] {
        p.same(&refs(&words(line)));
    }
    for key in ["s", "n", "big", "l", "h", "st", "sm", "z"] {
        let (e, r) = p.both(&[b"DEBUG", b"OBJECT", key.as_bytes()]);
        let fields = |b: &[u8]| -> Vec<(String, String)> {
            let s = String::from_utf8_lossy(b);
            let s = s
                .strip_prefix("+Value ")
                .expect("status")
                .trim_end()
                .to_string();
            s.split(' ')
                .map(|kv| {
                    let (k, v) = kv.split_once(':').expect("k:v");
                    // Only these values are comparable; the rest are addresses, clocks
                    // and size estimates.
                    let keep = matches!(k, "refcount" | "encoding") || k.starts_with("ql_nodes");
                    // Idle seconds: the two servers may read them across a second
                    // boundary of each other.
                    let v = if k == "lru_seconds_idle" {
                        (if v.parse::<u64>().is_ok_and(|s| s <= 1) {
                            "<=1"
                        } else {
                            v
                        })
                        .to_string()
                    } else if keep {
                        v.to_string()
                    } else {
                        String::new()
                    };
                    (k.to_string(), v)
                })
                .collect()
        };
        assert_eq!(fields(&e), fields(&r), "DEBUG OBJECT {key}");
    }
    p.same(&[b"DEBUG", b"OBJECT", b"nokey"]);
}

#[test]
fn subcommands_as_redis() {
    let Some(mut p) = Pair::start_debug("DEBUG subcommands") else {
        return;
    };
    p.same(&[b"RPUSH", b"l", b"a"]);
    p.same(&[b"HSET", b"h", b"a", b"b"]);
    for line in [
        "DEBUG ERROR oops",
        "DEBUG LOG hello",
        "DEBUG CHANGE-REPL-ID",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 100",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 0",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 5gb",
        "DEBUG QUICKLIST-PACKED-THRESHOLD abc",
        "DEBUG LISTPACK h",
        "DEBUG LISTPACK l",
        "DEBUG POPULATE -1",
        "DEBUG POPULATE abc",
        "DEBUG POPULATE 10",
        "DBSIZE",
        "DEBUG POPULATE 3 p 2",
        "GET p:1",
        "DEBUG POPULATE 3 q abc",
        "DEBUG POPULATE 2 key",
        "GET key:1",
        "DEBUG JMAP",
        "DEBUG STRINGMATCH-LEN",
        "DEBUG SLEEP",
        "DEBUG SLEEP 0",
        "DEBUG nosuch",
        "DEBUG",
        "DEBUG SET-SKIP-CHECKSUM-VALIDATION 1",
    ] {
        p.same(&refs(&words(line)));
    }
}

#[test]
fn set_active_expire_is_honoured() {
    let Some(mut p) = Pair::start_debug("DEBUG SET-ACTIVE-EXPIRE") else {
        return;
    };
    p.same(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"]);
    for i in 0..20 {
        p.same(&[b"SET", format!("k{i}").as_bytes(), b"v", b"PX", b"10"]);
    }
    std::thread::sleep(Duration::from_millis(300));
    // Nothing reclaimed in the background: DBSIZE still counts them.
    for _ in 0..40 {
        p.same(&[b"PING"]);
    }
    p.same(&[b"DBSIZE"]);
    assert_eq!(p.emu.cmds("DBSIZE"), b":20\r\n");
    p.same(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"1"]);
    // Back on: both reclaim them (a generous liveness bound).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (e, r) = p.both(&[b"DBSIZE"]);
        if e == b":0\r\n" && r == b":0\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "not reclaimed: {e:?} {r:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// DEBUG OBJECT reads the raw keyspace, as Redis's: a key past its TTL that nothing
/// reclaimed yet is described (not "no such key") and not deleted by the look; the next
/// read expires it (Redis's own suite: unit/scripting "Script delete the expired key").
#[test]
fn debug_object_sees_a_logically_expired_key() {
    let Some(mut p) = Pair::start_debug("DEBUG OBJECT of an expired key") else {
        return;
    };
    p.same(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"]);
    p.same(&[b"SET", b"key", b"value", b"PX", b"1"]);
    std::thread::sleep(Duration::from_millis(20));
    let (e, r) = p.both(&[b"DEBUG", b"OBJECT", b"key"]);
    assert!(
        e.starts_with(b"+Value at:") && r.starts_with(b"+Value at:"),
        "{e:?} {r:?}"
    );
    p.same(&[b"DBSIZE"]);
    p.same(&[b"EVAL", b"return redis.call('EXISTS', 'key')", b"0"]);
    p.same(&[b"EXISTS", b"key"]);
    p.same(&[b"DEBUG", b"OBJECT", b"key"]);
    p.same(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"1"]);
}

/// DEBUG DIGEST and DIGEST-VALUE are Redis's digests byte for byte for strings, lists,
/// sets, sorted sets and hashes in either encoding, with and without a TTL; a missing key
/// and an empty dataset give zeros. A stream's digest is emu's own: equal for a COPY.
#[test]
fn digests_as_redis() {
    let Some(mut p) = Pair::start_debug("DEBUG DIGEST") else {
        return;
    };
    p.same(&[b"DEBUG", b"DIGEST"]);
    let big: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    let mut lines = vec![
        "SET s hello".to_string(),
        "SET n 12345".to_string(),
        "RPUSH l a b 3 c".to_string(),
        "SADD si 1 2 3 100".to_string(),
        "SADD sh a b c 1".to_string(),
        "ZADD zl 1.5 a 2 b -3.25 c".to_string(),
        "HSET hl f1 v1 f2 2".to_string(),
        "SET e v".to_string(),
        "EXPIRE e 1000".to_string(),
    ];
    let mut zs = "ZADD zs".to_string();
    let mut hs = "HSET hs".to_string();
    let mut ls = "RPUSH ls".to_string();
    let mut ss = "SADD ss".to_string();
    for (i, m) in big.iter().enumerate() {
        zs.push_str(&format!(" {}.{i} {m}", i * 7));
        hs.push_str(&format!(" {m} v{i}"));
        ls.push_str(&format!(" {m}"));
        ss.push_str(&format!(" {m}"));
    }
    lines.extend([zs, hs, ls, ss]);
    for l in &lines {
        p.same(&refs(&words(l)));
    }
    p.same(&refs(&words(
        "DEBUG DIGEST-VALUE s n l si sh zl hl e zs hs ls ss nokey",
    )));
    p.same(&[b"DEBUG", b"DIGEST"]);
    // A different insertion order of unordered types, same digest.
    p.same(&refs(&words("SADD sh2 1 c b a")));
    p.same(&refs(&words("DEBUG DIGEST-VALUE sh sh2")));
    // Streams: a copy digests as the original.
    for l in [
        "XADD st 1-1 f v",
        "XADD st 2-1 g w",
        "XGROUP CREATE st g 0",
        "XREADGROUP GROUP g c COUNT 1 STREAMS st >",
    ] {
        p.emu.cmd(&refs(&words(l)));
    }
    p.emu.cmd(&refs(&words("COPY st st2")));
    let d = p.emu.cmd(&refs(&words("DEBUG DIGEST-VALUE st st2")));
    let text = String::from_utf8_lossy(&d).into_owned();
    let parts: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(parts[0], "*2", "{text:?}");
    assert_eq!(parts[1], parts[2], "{text:?}");
    assert_ne!(parts[1], format!("+{}", "0".repeat(40)));
    p.emu.cmd(&refs(&words("XADD st2 3-1 h x")));
    let d = p.emu.cmd(&refs(&words("DEBUG DIGEST-VALUE st st2")));
    let text = String::from_utf8_lossy(&d).into_owned();
    let parts: Vec<&str> = text.split("\r\n").collect();
    assert_ne!(parts[1], parts[2], "{text:?}");
}

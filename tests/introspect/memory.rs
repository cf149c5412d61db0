//! MEMORY against redis-server 7.0: help, errors and the small-instance DOCTOR byte for
//! byte; USAGE for every type next to Redis's figure (printed: the ratio is a reported
//! figure, bounded loosely here); STATS field names.

use std::collections::BTreeSet;

use crate::util::{refs, words, Pair, R};

#[test]
fn help_and_errors_as_redis() {
    let Some(mut p) = Pair::start("MEMORY errors") else {
        return;
    };
    p.same(&[b"SET", b"k", b"v"]);
    for line in [
        "MEMORY HELP",
        "MEMORY",
        "MEMORY foo",
        "MEMORY USAGE",
        "MEMORY USAGE nokey",
        "MEMORY USAGE k SAMPLES",
        "MEMORY USAGE k SAMPLES -1",
        "MEMORY USAGE k SAMPLES abc",
        "MEMORY USAGE k FOO 1",
        "MEMORY USAGE nokey SAMPLES abc",
        "MEMORY DOCTOR",
        "MEMORY DOCTOR x",
        "MEMORY PURGE",
        "MEMORY PURGE x",
        "MEMORY STATS x",
        "MEMORY MALLOC-STATS x",
    ] {
        p.same(&refs(&words(line)));
    }
    let (e, r) = p.both(&[b"MEMORY", b"USAGE", b"k", b"SAMPLES", b"0"]);
    assert!(matches!(R::parse(&e), R::Int(n) if n > 0));
    assert!(matches!(R::parse(&r), R::Int(n) if n > 0));
}

fn usage(reply: &[u8]) -> i64 {
    match R::parse(reply) {
        R::Int(n) => n,
        other => panic!("{other:?}"),
    }
}

#[test]
fn usage_tracks_what_is_stored() {
    let Some(mut p) = Pair::start("MEMORY USAGE") else {
        return;
    };
    let big = vec![b'x'; 10_000];
    p.same(&[b"SET", b"small", b"v"]);
    p.same(&[b"SET", b"big", &big]);
    for i in 0..1000 {
        let f = format!("field:{i}");
        let v = format!("value:{i:0>20}");
        p.both(&[b"HSET", b"hash", f.as_bytes(), v.as_bytes()]);
        p.both(&[b"RPUSH", b"list", v.as_bytes()]);
        p.both(&[b"SADD", b"set", v.as_bytes()]);
        p.both(&[b"ZADD", b"zset", i.to_string().as_bytes(), v.as_bytes()]);
    }
    p.both(&[b"HSET", b"hsmall", b"f", b"v"]);
    let mut rows = Vec::new();
    for key in ["small", "big", "hsmall", "hash", "list", "set", "zset"] {
        let (e, r) = p.both(&[b"MEMORY", b"USAGE", key.as_bytes()]);
        let (e, r) = (usage(&e), usage(&r));
        rows.push((key, e, r));
    }
    eprintln!("MEMORY USAGE (emu, redis): {rows:?}");
    let get = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| (r.1, r.2)).unwrap();
    // Grows with what is stored: a 10 KB string counts its bytes, 1000 elements count
    // at least their bytes, and a small value stays small.
    assert!(get("big").0 >= 10_000 && get("big").0 > get("small").0);
    for k in ["hash", "list", "set", "zset"] {
        let (e, r) = get(k);
        assert!(e >= 25_000, "{k}: {e}");
        assert!(e > get("hsmall").0 * 10, "{k}");
        // Within a factor of four of Redis's own figure.
        assert!(e * 4 > r && e < r * 4, "{k}: emu {e}, redis {r}");
    }
    // (emu's per-key cost is its table slot, ~300 bytes, where Redis's is ~64.)
    assert!(get("small").0 < 512);
}

#[test]
fn stats_fields_as_redis() {
    let Some(mut p) = Pair::start("MEMORY STATS") else {
        return;
    };
    p.same(&[b"SET", b"k", b"v"]);
    p.same(&[b"SELECT", b"2"]);
    p.same(&[b"SET", b"k", b"v"]);
    let (e, r) = p.both(&[b"MEMORY", b"STATS"]);
    let names = |b: &[u8]| -> BTreeSet<String> {
        let items = R::parse(b).items().to_vec();
        items
            .chunks(2)
            .map(|c| match &c[0] {
                R::Bulk(n) => String::from_utf8_lossy(n).into_owned(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(names(&e), names(&r));
    {
        p.both(&[b"HELLO", b"3"]);
        let (e, r) = p.both(&[b"MEMORY", b"STATS"]);
        let kinds = |b: &[u8]| -> Vec<(String, &'static str)> {
            let R::Map(m) = R::parse(b) else { panic!() };
            m.into_iter()
                .map(|(k, v)| {
                    let R::Bulk(k) = k else { panic!() };
                    let kind = match v {
                        R::Int(_) => "int",
                        R::Double(_) => "double",
                        R::Map(_) => "map",
                        _ => "other",
                    };
                    (String::from_utf8_lossy(&k).into_owned(), kind)
                })
                .collect()
        };
        assert_eq!(kinds(&e), kinds(&r));
    }
}

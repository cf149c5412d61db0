//! DUMP / RESTORE against a real redis-server 7.0.

use crate::common::rng::Rng;
use crate::resp::{bulk, one, R};
use crate::server_util::{start, start_real_redis, Raw, RealRedis};

struct Pair {
    redis: Raw,
    emu: Raw,
    _real: RealRedis,
    _srv: emu::server::Running,
}

fn pair(why: &str) -> Option<Pair> {
    let real = start_real_redis(why)?;
    let (_r, srv) = start();
    Some(Pair {
        redis: Raw::connect(real.addr),
        emu: Raw::connect(srv.addr().expect("emu address")),
        _real: real,
        _srv: srv,
    })
}

fn argv(words: &[Vec<u8>]) -> Vec<&[u8]> {
    words.iter().map(|w| w.as_slice()).collect()
}

impl Pair {
    /// Sends to both; the replies must be equal.
    fn same(&mut self, words: &[&[u8]]) -> Vec<u8> {
        let x = self.redis.cmd(words);
        let y = self.emu.cmd(words);
        assert_eq!(
            String::from_utf8_lossy(&x),
            String::from_utf8_lossy(&y),
            "for {:?}",
            words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect::<Vec<_>>()
        );
        x
    }

    fn both(&mut self, words: &[&str]) {
        let w: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        self.same(&w);
    }
}

/// The contents of `key` on `c` in a comparable form (unordered collections sorted).
fn contents(c: &mut Raw, key: &[u8]) -> R {
    let t = match one(&c.cmd(&[b"TYPE", key])) {
        R::Simple(t) => t,
        other => panic!("TYPE: {other:?}"),
    };
    let sorted = |r: R| match r {
        R::Arr(Some(mut v)) => {
            v.sort();
            R::Arr(Some(v))
        }
        x => x,
    };
    let pairs = |r: R| match r {
        R::Arr(Some(v)) => {
            let mut p: Vec<R> = v.chunks(2).map(|c| R::Arr(Some(c.to_vec()))).collect();
            p.sort();
            R::Arr(Some(p))
        }
        x => x,
    };
    let v = match t.as_slice() {
        b"string" => one(&c.cmd(&[b"GET", key])),
        b"list" => one(&c.cmd(&[b"LRANGE", key, b"0", b"-1"])),
        b"set" => sorted(one(&c.cmd(&[b"SMEMBERS", key]))),
        b"hash" => pairs(one(&c.cmd(&[b"HGETALL", key]))),
        b"zset" => one(&c.cmd(&[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"])),
        // No FULL: it shows delivery and seen times, which differ between the servers by
        // the time the commands took (the re-DUMP identity below covers them exactly).
        b"stream" => R::Arr(Some(vec![
            one(&c.cmd(&[b"XRANGE", key, b"-", b"+"])),
            one(&c.cmd(&[b"XINFO", b"STREAM", key])),
            one(&c.cmd(&[b"XINFO", b"GROUPS", key])),
        ])),
        other => panic!("type {other:?}"),
    };
    let enc = one(&c.cmd(&[b"OBJECT", b"ENCODING", key]));
    R::Arr(Some(vec![R::Simple(t), enc, v]))
}

fn encoding(c: &mut Raw, key: &[u8]) -> Vec<u8> {
    match one(&c.cmd(&[b"OBJECT", b"ENCODING", key])) {
        R::Bulk(Some(e)) => e,
        other => panic!("OBJECT ENCODING: {other:?}"),
    }
}

/// Builds `k` with `setup` on both servers, then checks: same encoding; DUMP bytes equal
/// (except hash tables, whose order is Redis's own, and `exact == false`); each side's
/// payload RESTOREs on the other with the same contents and encoding, and (except hash
/// tables) re-DUMPs to the same bytes.
fn check(p: &mut Pair, name: &str, setup: &[Vec<Vec<u8>>], exact: bool) {
    p.both(&["FLUSHALL"]);
    for cmd in setup {
        p.same(&argv(cmd));
    }
    let enc_r = encoding(&mut p.redis, b"k");
    let enc_e = encoding(&mut p.emu, b"k");
    assert_eq!(enc_r, enc_e, "{name}: encodings");
    let table = enc_r == b"hashtable";
    let pr = bulk(&p.redis.cmd(&[b"DUMP", b"k"])).expect("redis DUMP");
    let pe = bulk(&p.emu.cmd(&[b"DUMP", b"k"])).expect("emu DUMP");
    if exact && !table {
        assert_eq!(pr, pe, "{name}: DUMP payloads differ");
    }
    // Redis's payload into emu, emu's into Redis.
    let ok = b"+OK\r\n".to_vec();
    assert_eq!(
        p.emu.cmd(&[b"RESTORE", b"k2", b"0", &pr]),
        ok,
        "{name}: emu RESTORE of Redis's payload"
    );
    assert_eq!(
        p.redis.cmd(&[b"RESTORE", b"k2", b"0", &pe]),
        ok,
        "{name}: Redis RESTORE of emu's payload"
    );
    let a = contents(&mut p.redis, b"k");
    assert_eq!(a, contents(&mut p.emu, b"k"), "{name}: contents");
    // A restored value has the encoding Redis's loader picks (a raw string comes back
    // embstr): compare the two copies with each other.
    let b = contents(&mut p.redis, b"k2");
    assert_eq!(
        b,
        contents(&mut p.emu, b"k2"),
        "{name}: the restored copies"
    );
    if !table {
        let pe2 = bulk(&p.emu.cmd(&[b"DUMP", b"k2"])).expect("emu DUMP k2");
        assert_eq!(pe2, pr, "{name}: emu re-DUMP of Redis's payload");
        let pr2 = bulk(&p.redis.cmd(&[b"DUMP", b"k2"])).expect("redis DUMP k2");
        assert_eq!(pr2, pe, "{name}: Redis re-DUMP of emu's payload");
    }
}

fn cmd(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn cmdv(head: &[&str], rest: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = head.iter().map(|w| w.as_bytes().to_vec()).collect();
    v.extend(rest);
    v
}

#[test]
fn dump_payloads_match_redis_per_type_and_encoding() {
    let Some(mut p) = pair("DUMP byte equality") else {
        return;
    };
    let mut rng = Rng::new(17);
    let a40 = "a".repeat(40);
    let text = "the quick brown fox jumps over the lazy dog ".repeat(20);
    let noise: Vec<u8> = (0..100).map(|_| rng.below(256) as u8).collect();
    let strings: Vec<(&str, Vec<u8>)> = vec![
        ("short", b"hello".to_vec()),
        ("int8", b"12".to_vec()),
        ("int16", b"-5000".to_vec()),
        ("int32", b"2147483647".to_vec()),
        ("int64", b"2147483648".to_vec()),
        ("leading zero", b"007".to_vec()),
        ("lzf run", a40.into_bytes()),
        ("lzf text", text.clone().into_bytes()),
        ("incompressible", noise),
        ("empty", Vec::new()),
    ];
    for (name, v) in strings {
        check(&mut p, name, &[cmdv(&["SET", "k"], vec![v])], true);
    }
    check(
        &mut p,
        "setrange raw",
        &[cmd(&["SETRANGE", "k", "3", "12"])],
        true,
    );
    check(
        &mut p,
        "incrbyfloat",
        &[cmd(&["INCRBYFLOAT", "k", "1.5"])],
        true,
    );

    // Lists: one node, many nodes (8 KiB each), big elements, integers of every width.
    check(
        &mut p,
        "list small",
        &[cmd(&[
            "RPUSH",
            "k",
            "a",
            "1",
            "-1",
            "300",
            "-70000",
            "9999999999",
            "x",
        ])],
        true,
    );
    let many: Vec<Vec<u8>> = (0..3000)
        .map(|i| format!("item-{i}-{}", "z".repeat(i % 17)).into_bytes())
        .collect();
    check(
        &mut p,
        "list many nodes",
        &[cmdv(&["RPUSH", "k"], many)],
        true,
    );
    let big: Vec<Vec<u8>> = (0..5).map(|i| vec![b'a' + i as u8; 5000]).collect();
    check(
        &mut p,
        "list big elements",
        &[cmdv(&["RPUSH", "k"], big)],
        true,
    );
    p.both(&["CONFIG", "SET", "list-compress-depth", "1"]);
    let many: Vec<Vec<u8>> = (0..3000)
        .map(|i| format!("item-{i}-{}", "z".repeat(i % 17)).into_bytes())
        .collect();
    check(
        &mut p,
        "list compressed nodes",
        &[cmdv(&["RPUSH", "k"], many)],
        true,
    );
    p.both(&["CONFIG", "SET", "list-compress-depth", "0"]);
    check(
        &mut p,
        "list lpush",
        &[cmd(&["LPUSH", "k", "c", "b", "a"])],
        true,
    );

    // Sets.
    check(
        &mut p,
        "intset16",
        &[cmd(&["SADD", "k", "3", "1", "2", "-5"])],
        true,
    );
    check(
        &mut p,
        "intset32",
        &[cmd(&["SADD", "k", "1", "100000"])],
        true,
    );
    check(
        &mut p,
        "intset64",
        &[cmd(&["SADD", "k", "1", "9999999999"])],
        true,
    );
    check(
        &mut p,
        "set table",
        &[cmd(&["SADD", "k", "a", "b", "1"])],
        true,
    );
    let ints: Vec<Vec<u8>> = (0..600).map(|i| (i * 7).to_string().into_bytes()).collect();
    check(&mut p, "set big ints", &[cmdv(&["SADD", "k"], ints)], true);

    // Hashes.
    check(
        &mut p,
        "hash listpack",
        &[cmd(&[
            "HSET", "k", "f", "v", "n", "12", "neg", "-3", "zz", "1.5",
        ])],
        true,
    );
    let fields: Vec<Vec<u8>> = (0..300)
        .flat_map(|i| [format!("f{i}").into_bytes(), format!("v{i}").into_bytes()])
        .collect();
    check(&mut p, "hash table", &[cmdv(&["HSET", "k"], fields)], true);
    check(
        &mut p,
        "hash long value",
        &[cmdv(&["HSET", "k", "f"], vec![vec![b'x'; 100]])],
        true,
    );

    // Sorted sets.
    check(
        &mut p,
        "zset listpack",
        &[cmd(&[
            "ZADD",
            "k",
            "1",
            "a",
            "2.5",
            "b",
            "-inf",
            "c",
            "inf",
            "d",
            "1e20",
            "e",
            "-0",
            "f",
            "0.1",
            "g",
            "-7",
            "h",
            "4611686018427387904",
            "i",
        ])],
        true,
    );
    let members: Vec<Vec<u8>> = (0..200)
        .flat_map(|i| {
            [
                format!("{}.25", i % 50).into_bytes(),
                format!("m{i}").into_bytes(),
            ]
        })
        .collect();
    check(
        &mut p,
        "zset skiplist",
        &[cmdv(&["ZADD", "k"], members)],
        true,
    );

    // Streams: no groups (times would differ) is byte-exact; groups round-trip.
    check(
        &mut p,
        "stream",
        &[
            cmd(&["XADD", "k", "1-1", "a", "1", "b", "2"]),
            cmd(&["XADD", "k", "1-2", "a", "3", "b", "4"]),
            cmd(&["XADD", "k", "2-0", "c", "hello"]),
            cmd(&["XDEL", "k", "1-2"]),
        ],
        true,
    );
    check(
        &mut p,
        "stream groups",
        &[
            cmd(&["XADD", "k", "1-1", "a", "1"]),
            cmd(&["XADD", "k", "1-2", "a", "2"]),
            cmd(&["XGROUP", "CREATE", "k", "g", "0"]),
            cmd(&["XGROUP", "CREATE", "k", "h", "$"]),
            cmd(&[
                "XREADGROUP",
                "GROUP",
                "g",
                "alice",
                "COUNT",
                "1",
                "STREAMS",
                "k",
                ">",
            ]),
        ],
        false,
    );
}

#[test]
fn restore_errors_and_options_match_redis() {
    let Some(mut p) = pair("RESTORE errors") else {
        return;
    };
    p.both(&["SET", "k", "12"]);
    let good = bulk(&p.redis.cmd(&[b"DUMP", b"k"])).expect("DUMP");
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 1] ^= 1;
    let mut new_ver = good.clone();
    new_ver[n - 10] = 11;
    // A valid footer around a bad body.
    let bad_body = {
        let mut b = vec![0u8, 0xC3, 0x05];
        b.extend_from_slice(&good[n - 10..n - 8]);
        let crc = emu::rdb::crc64(0, &b);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    };
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"RESTORE", b"k", b"0", &good],
        vec![b"RESTORE", b"n", b"-1", &good],
        vec![b"RESTORE", b"n", b"abc", &good],
        vec![b"RESTORE", b"k", b"abc", &good],
        vec![b"RESTORE", b"n", b"0", &bad_crc],
        vec![b"RESTORE", b"n", b"0", &new_ver],
        vec![b"RESTORE", b"n", b"0", b"x"],
        vec![b"RESTORE", b"n", b"0", &bad_body],
        vec![b"RESTORE", b"n", b"0", &good, b"foo"],
        vec![b"RESTORE", b"n", b"-1", &good, b"foo"],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME", b"-1"],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME", b"x"],
        vec![b"RESTORE", b"n", b"0", &good, b"FREQ", b"256"],
        vec![
            b"RESTORE",
            b"n",
            b"0",
            &good,
            b"FREQ",
            b"5",
            b"IDLETIME",
            b"5",
        ],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME"],
        vec![
            b"RESTORE",
            b"n",
            b"0",
            &good,
            b"IDLETIME",
            b"100",
            b"REPLACE",
        ],
        vec![b"OBJECT", b"IDLETIME", b"n"],
        vec![b"RESTORE", b"n", b"0", &good, b"REPLACE", b"ABSTTL"],
        vec![b"RESTORE", b"n", b"1", &good, b"REPLACE", b"ABSTTL"],
        vec![b"EXISTS", b"n"],
        vec![b"RESTORE", b"n", b"100000", &good, b"REPLACE"],
        vec![b"TTL", b"n"],
        vec![
            b"RESTORE",
            b"n",
            b"4102444800000",
            &good,
            b"REPLACE",
            b"ABSTTL",
        ],
        vec![b"TTL", b"n"],
        vec![b"DUMP", b"nokey"],
        vec![b"RESTORE-ASKING", b"m", b"0", &good],
        vec![b"GET", b"m"],
        vec![b"CONFIG", b"GET", b"sanitize-dump-payload"],
        vec![b"CONFIG", b"SET", b"sanitize-dump-payload", b"yes"],
        vec![b"RESTORE", b"n", b"0", &bad_body, b"REPLACE"],
        vec![b"CONFIG", b"SET", b"sanitize-dump-payload", b"maybe"],
    ];
    for c in cases {
        p.same(&c);
    }
}

#[test]
fn restore_replays_from_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let payload = {
        let r = emu::Redis::open(dir.path()).expect("open");
        r.cmd("HSET")
            .arg("h")
            .arg("f")
            .arg("v")
            .query::<i64>()
            .expect("hset");
        let p: Vec<u8> = r.cmd("DUMP").arg("h").query().expect("dump");
        r.cmd("RESTORE")
            .arg("copy")
            .arg(100_000)
            .arg(p.clone())
            .query::<()>()
            .expect("restore");
        r.cmd("RESTORE")
            .arg("h")
            .arg(1)
            .arg(p.clone())
            .arg("REPLACE")
            .arg("ABSTTL")
            .query::<()>()
            .expect("restore expired");
        p
    };
    let r = emu::Redis::open(dir.path()).expect("reopen");
    let copy: Vec<u8> = r.cmd("DUMP").arg("copy").query().expect("dump copy");
    assert_eq!(copy, payload);
    let ttl: i64 = r.cmd("PTTL").arg("copy").query().expect("pttl");
    assert!(ttl > 0 && ttl <= 100_000, "{ttl}");
    let exists: i64 = r.cmd("EXISTS").arg("h").query().expect("exists");
    assert_eq!(exists, 0);
}

/// A stream DUMPed by Redis 5 (RDB type 15, no `entries-read` counters, the TCL suite's
/// "Loading from legacy (Redis <= v6.2.x, rdb_ver < 10) persistence"): RESTORE estimates
/// each group's counter from its position as Redis does, so XINFO STREAM FULL's
/// `entries-read` and `lag` match (they were nil).
#[test]
fn legacy_stream_payload_estimates_entries_read() {
    let Some(mut p) = pair("the legacy stream RESTORE test") else {
        return;
    };
    let hex = concat!(
        "0f011000000000000000010000000000000000c3404a405716570000002300020104010101846461",
        "746105000103010020010381610204200a0001400a0062600a0002400a0063600a4022018164200a",
        "4039200a0065600a0005400a0066200a00ff02060002026731050004000000000000000100000000",
        "000000003ef783437a01000001000000000000000200000000000000003ef783437a010000010000",
        "00000000000400000000000000003ef783437a01000001000000000000000500000000000000003e",
        "f783437a0100000101036331313ef783437a01000004000000000000000100000000000000000000",
        "00000000000200000000000000000000000000000004000000000000000000000000000000050000",
        "0000000000000267320000000009003d52ef6867521dfa",
    );
    let payload: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    for c in [&mut p.redis, &mut p.emu] {
        assert_eq!(c.cmd(&[b"RESTORE", b"x", b"0", &payload]), b"+OK\r\n");
    }
    let full: &[&[u8]] = &[b"XINFO", b"STREAM", b"x", b"FULL"];
    let (r, e) = (p.redis.cmd(full), p.emu.cmd(full));
    assert_eq!(String::from_utf8_lossy(&e), String::from_utf8_lossy(&r));
}

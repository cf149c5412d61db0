//! OBJECT ENCODING of sorted sets against a real redis-server 7.0: the listpack form is
//! kept and left exactly where Redis keeps and leaves it (ZADD, ZINCRBY, the STORE
//! commands, ZRANGESTORE, COPY, RESTORE, GEOADD, SORT, CONFIG SET of both limits and their
//! `zset-max-ziplist-*` aliases), and the replies that differ between Redis's encodings
//! (ZSCAN, `-0`) match on both sides.

use crate::server_util::{start, start_real_redis, Raw, RealRedis};

struct Pair {
    redis: Raw,
    emu: Raw,
    _real: RealRedis,
    _srv: emu::server::Running,
}

impl Pair {
    fn new() -> Option<Pair> {
        let real = start_real_redis("the zset encoding differential test")?;
        let (_r, srv) = start();
        Some(Pair {
            redis: Raw::connect(real.addr),
            emu: Raw::connect(srv.addr().expect("emu address")),
            _real: real,
            _srv: srv,
        })
    }

    /// Sends to both; the replies must be byte-equal. Returns the reply.
    fn same(&mut self, words: &[Vec<u8>]) -> String {
        let argv: Vec<&[u8]> = words.iter().map(|w| w.as_slice()).collect();
        let x = self.redis.cmd(&argv);
        let y = self.emu.cmd(&argv);
        let shown: Vec<String> = words
            .iter()
            .take(6)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&x),
            String::from_utf8_lossy(&y),
            "for {shown:?}"
        );
        String::from_utf8_lossy(&x).into_owned()
    }

    fn run(&mut self, line: &str) -> String {
        let words: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
        self.same(&words)
    }

    /// The encoding (both sides agree), then the whole content and ZSCAN, which Redis
    /// answers differently per encoding.
    fn encoding(&mut self, key: &str) -> String {
        let e = self.run(&format!("OBJECT ENCODING {key}"));
        self.run(&format!("ZRANGE {key} 0 -1 WITHSCORES"));
        if e.contains("listpack") {
            // One call, cursor 0, the listpack's score text.
            self.run(&format!("ZSCAN {key} 0"));
            self.run(&format!("ZSCAN {key} 0 MATCH *1*"));
        }
        e
    }

    /// ZADD `key` with members `prefix0..prefix{n-1}` (score = index).
    fn fill(&mut self, key: &str, prefix: &str, n: usize) {
        let mut w: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), key.as_bytes().to_vec()];
        for i in 0..n {
            w.push(i.to_string().into_bytes());
            w.push(format!("{prefix}{i}").into_bytes());
        }
        self.same(&w);
    }
}

const LP: &str = "$8\r\nlistpack\r\n";
const SL: &str = "$8\r\nskiplist\r\n";

#[test]
fn conversion_points_match_redis() {
    let Some(mut p) = Pair::new() else { return };

    // ZADD: 128 members stay a listpack, the 129th converts, for good.
    p.fill("z", "m", 128);
    assert_eq!(p.encoding("z"), LP);
    p.run("ZADD z 1000 m-extra");
    assert_eq!(p.encoding("z"), SL);
    p.run("ZREMRANGEBYRANK z 1 -1");
    assert_eq!(p.encoding("z"), SL, "no way back");
    // An update of an existing member never converts; XX/NX adds follow the rules.
    p.fill("u", "m", 128);
    p.run("ZADD u XX 5 m1 5 m-new");
    p.run("ZINCRBY u 2.5 m3");
    assert_eq!(p.encoding("u"), LP);
    p.run("ZADD u NX 5 m1 5 m-new");
    assert_eq!(p.encoding("u"), SL);

    // Member length: 64 bytes fit, 65 do not (ZADD, ZINCRBY, on creation or later).
    let m64 = "x".repeat(64);
    let m65 = "y".repeat(65);
    p.run(&format!("ZADD v 1 {m64}"));
    assert_eq!(p.encoding("v"), LP);
    p.run(&format!("ZADD v 2 {m65}"));
    assert_eq!(p.encoding("v"), SL);
    p.run(&format!("ZINCRBY w 1 {m65}"));
    assert_eq!(p.encoding("w"), SL);
    p.run(&format!("ZINCRBY w2 1 {m64}"));
    assert_eq!(p.encoding("w2"), LP);

    // ZPOP*, ZREM, ZREMRANGEBY* keep a listpack a listpack.
    p.fill("q", "m", 20);
    p.run("ZPOPMIN q 2");
    p.run("ZPOPMAX q");
    p.run("ZREM q m5 m6 absent");
    p.run("ZREMRANGEBYSCORE q 10 12");
    p.run("ZREMRANGEBYLEX q [m1 [m13");
    assert_eq!(p.encoding("q"), LP);

    // Store commands: the result is a listpack iff it fits, whatever the sources were.
    p.fill("big", "m", 200);
    p.fill("small", "m", 10);
    p.run("ZINTERSTORE i 2 big small");
    assert_eq!(p.encoding("i"), LP);
    p.run("ZUNIONSTORE un 2 big small");
    assert_eq!(p.encoding("un"), SL);
    p.fill("small2", "n", 120);
    p.run("ZUNIONSTORE un2 2 small small2");
    assert_eq!(p.encoding("un2"), SL, "130 members");
    p.run("ZUNIONSTORE un3 2 small small WEIGHTS 1 2 AGGREGATE MAX");
    assert_eq!(p.encoding("un3"), LP);
    p.run("ZDIFFSTORE d 2 big small");
    assert_eq!(p.encoding("d"), SL);
    p.run("ZDIFFSTORE d2 2 small2 big");
    assert_eq!(p.encoding("d2"), LP);
    p.run(&format!("ZADD lv 1 {m65} 2 a"));
    p.run("ZINTERSTORE lv2 1 lv");
    assert_eq!(p.encoding("lv2"), SL, "a long member");
    p.run("SADD s 1 2 3 x");
    p.run("ZUNIONSTORE fromset 1 s");
    assert_eq!(p.encoding("fromset"), LP);

    // ZRANGESTORE: listpack unless the result outgrows a limit.
    p.run("ZRANGESTORE r1 big 0 9");
    assert_eq!(p.encoding("r1"), LP);
    p.run("ZRANGESTORE r2 big 0 -1");
    assert_eq!(p.encoding("r2"), SL);
    p.run("ZRANGESTORE r3 big 10 +inf BYSCORE LIMIT 0 128");
    assert_eq!(p.encoding("r3"), LP);
    p.run("ZRANGESTORE r4 lv 0 -1");
    assert_eq!(p.encoding("r4"), SL);

    // COPY keeps the encoding; SORT converts the set it sorts.
    p.run("COPY q qc");
    assert_eq!(p.encoding("qc"), LP);
    p.run("COPY un unc");
    assert_eq!(p.encoding("unc"), SL);
    p.run("SORT qc BY nosort LIMIT 0 3");
    assert_eq!(p.encoding("qc"), SL);

    // GEOADD builds sorted sets with the same rules.
    p.run("GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania");
    assert_eq!(p.encoding("g"), LP);

    // -0: a listpack stores 0, a skiplist keeps the sign.
    p.run("ZADD nz -0 a");
    p.run("ZSCORE nz a");
    p.run("ZADD nz2 -0 a");
    p.fill("nz2", "m", 130);
    p.run("ZADD nz2 -0 b");
    p.run("ZSCORE nz2 a");
    p.run("ZSCORE nz2 b");
    p.run("ZINTERSTORE nz3 1 nz2");
    p.run("ZRANGE nz3 0 3 WITHSCORES");
}

#[test]
fn config_set_limits_and_aliases_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.run("CONFIG SET zset-max-listpack-entries 4");
    p.fill("a", "m", 4);
    assert_eq!(p.encoding("a"), LP);
    p.run("ZADD a 9 m9");
    assert_eq!(p.encoding("a"), SL);
    p.run("CONFIG SET zset-max-ziplist-entries 6");
    p.run("CONFIG GET zset-max-listpack-entries");
    p.fill("b", "m", 6);
    assert_eq!(p.encoding("b"), LP);
    p.run("ZADD b 9 m9");
    assert_eq!(p.encoding("b"), SL);
    p.run("CONFIG SET zset-max-listpack-value 3");
    p.run("ZADD c 1 abc");
    assert_eq!(p.encoding("c"), LP);
    p.run("ZADD c 1 abcd");
    assert_eq!(p.encoding("c"), SL);
    p.run("CONFIG SET zset-max-ziplist-value 5");
    p.run("CONFIG GET zset-max-listpack-value");
    p.run("ZADD d 1 abcde");
    assert_eq!(p.encoding("d"), LP);
    p.run("ZADD d 1 abcdef");
    assert_eq!(p.encoding("d"), SL);
    // A zero entry limit: every set is a skiplist.
    p.run("CONFIG SET zset-max-listpack-entries 0");
    p.run("ZADD e 1 a");
    assert_eq!(p.encoding("e"), SL);
    p.run("ZUNIONSTORE e2 1 e");
    assert_eq!(p.encoding("e2"), SL);
    // Raising the limit does not convert existing sets back; new results use it.
    p.run("CONFIG SET zset-max-listpack-entries 1000");
    p.run("CONFIG SET zset-max-listpack-value 64");
    assert_eq!(p.encoding("e"), SL);
    p.fill("big", "m", 500);
    assert_eq!(p.encoding("big"), LP);
    p.run("ZRANK big m250");
    p.run("ZREVRANK big m250");
    p.run("ZRANGEBYSCORE big (100 200 LIMIT 5 10 WITHSCORES");
    p.run("ZREVRANGEBYLEX big [m3 [m1 LIMIT 2 5");
    p.run("ZCOUNT big 10 (20");
    p.run("ZLEXCOUNT big [m1 (m2");
    p.run("ZUNIONSTORE big2 1 big");
    assert_eq!(p.encoding("big2"), LP);
}

#[test]
fn restore_and_dump_pick_redis_encodings() {
    let Some(mut p) = Pair::new() else { return };
    // A skiplist payload of a small set becomes a listpack on load; a listpack payload
    // over the entry limit becomes a skiplist.
    p.fill("big", "m", 200);
    p.run("ZREMRANGEBYRANK big 10 -1");
    assert_eq!(p.encoding("big"), SL);
    let dump = p.redis.cmd(&[b"DUMP", b"big"]);
    let payload = bulk_payload(&dump);
    p.same(&[b"RESTORE".to_vec(), b"r1".to_vec(), b"0".to_vec(), payload]);
    assert_eq!(p.encoding("r1"), LP);
    p.run("CONFIG SET zset-max-listpack-entries 300");
    p.fill("lp", "m", 200);
    assert_eq!(p.encoding("lp"), LP);
    p.run("DUMP lp");
    let dump = p.redis.cmd(&[b"DUMP", b"lp"]);
    let payload = bulk_payload(&dump);
    p.run("CONFIG SET zset-max-listpack-entries 128");
    p.same(&[b"RESTORE".to_vec(), b"r2".to_vec(), b"0".to_vec(), payload]);
    assert_eq!(p.encoding("r2"), SL);
    p.run("ZRANGE r2 0 5 WITHSCORES");
}

/// The bytes of a bulk string reply.
fn bulk_payload(reply: &[u8]) -> Vec<u8> {
    let nl = reply
        .windows(2)
        .position(|w| w == b"\r\n")
        .expect("a bulk reply");
    let n: usize = std::str::from_utf8(&reply[1..nl])
        .expect("length")
        .parse()
        .expect("length");
    reply[nl + 2..nl + 2 + n].to_vec()
}

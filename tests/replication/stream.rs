//! The replication stream as a conformance check (issue 17 item 5): the same commands go
//! to a real redis-server and to `emu serve`, each with a raw replica link attached; the
//! streams must be the same commands, byte for byte, in the same order. Left out of the
//! comparison: keepalives (PING, REPLCONF GETACK), and wall-clock timestamps (an argument
//! that is a Unix time in ms near now is replaced by `<ms>` on both sides: `SET … EX 100`
//! must still become `SET … PXAT <ms>` on both).
//!
//! Differences that are legitimate are listed in [`ALLOWED`] with the reason.

use std::time::Duration;

use super::link::ReplLink;
use super::server_util::{start, start_real_redis_with, Raw};

/// Diff lines (`+ ` emu only, `- ` Redis only) that are deliberate, each allowed once,
/// with the reason.
const ALLOWED: &[(&str, &str)] = &[];

/// The script: one command per line, `|`-separated arguments. `SLEEP|ms` waits;
/// `BLOCK|…` sends a command on the second client without reading its reply,
/// `UNBLOCKED` reads it.
const SCRIPT: &[&str] = &[
    // Relative expiry → absolute forms.
    "SET|a|1",
    "SET|b|2|EX|100",
    "SET|b2|2|PX|100000|GET",
    "SETEX|c|100|v",
    "PSETEX|c2|100000|v",
    "EXPIRE|a|100",
    "PEXPIRE|a|200000|GT",
    "EXPIREAT|a|4102444800",
    "EXPIRE|a|-1",
    "SET|n|1",
    "GETEX|n|EX|100",
    "GETEX|n|PERSIST",
    "GETEX|n",
    "SET|ttl|v|EX|100",
    "SET|ttl|w|KEEPTTL",
    "GETDEL|ttl",
    "SETNX|nx|1",
    "SETNX|nx|2",
    "MSET|m1|1|m2|2",
    "MSETNX|m1|1|m3|3",
    "INCR|i",
    "INCRBY|i|5",
    "DECRBY|i|2",
    "INCRBYFLOAT|f|1.5",
    "INCRBYFLOAT|f|1e3",
    "APPEND|a2|xyz",
    "SETRANGE|a2|1|Q",
    // SPOP → SREM (deterministic cases: one member, or the whole set).
    "SADD|s1|only",
    "SPOP|s1",
    "SADD|s3|a|b|c",
    "SPOP|s3|5",
    "SADD|s4|x",
    "SPOP|s4|1",
    "SADD|s|a|b",
    "SREM|s|a|zz",
    "SMOVE|s|t|b",
    // Hashes, sorted sets, lists.
    "HSET|h|f|1|g|2",
    "HINCRBYFLOAT|h|f|0.5",
    "HDEL|h|f|nope",
    "HSETNX|h|g|3",
    "ZADD|z|1|a|2|b|3|c",
    "ZINCRBY|z|2.5|a",
    "ZPOPMIN|z",
    "ZPOPMAX|z|5",
    "RPUSH|l|a|b|c|d",
    "LPOP|l",
    "RPOP|l|2",
    "LMOVE|l|l2|LEFT|RIGHT",
    "RPOPLPUSH|l2|l3",
    "LPUSHX|nolist|a",
    "LINSERT|l3|BEFORE|a|z",
    "LREM|l3|0|z",
    "LSET|l3|0|q",
    "LTRIM|l3|0|0",
    // Keys.
    "RENAME|a2|a3",
    "COPY|a3|a4",
    "MOVE|a4|2",
    "DEL|nokey",
    "DEL|a3|nokey",
    "UNLINK|m1",
    "PERSIST|b",
    "EXPIRE|b|100",
    "PERSIST|b",
    // SELECT placement, MULTI/EXEC.
    "SELECT|5",
    "SET|in5|x",
    "MULTI",
    "SET|t1|1",
    "SELECT|6",
    "SET|t2|2",
    "EXEC",
    "SELECT|7",
    "MULTI",
    "SET|t3|1",
    "INCR|t4",
    "EXEC",
    "MULTI",
    "SET|one|1",
    "GET|one",
    "EXEC",
    "MULTI",
    "GET|one",
    "EXEC",
    "SELECT|0",
    // Scripts: their effects, as the script wrote them.
    "EVAL|redis.call('set','e1','1') redis.call('incr','e2')|0",
    "EVAL|redis.call('set',KEYS[1],ARGV[1])|1|e3|v",
    "EVAL|return redis.call('get','e1')|0",
    "EVAL|redis.call('expire','e1',100) redis.call('spop','s1')|0",
    "FUNCTION|LOAD|#!lua name=lib\nredis.register_function('f1', function(k) return redis.call('set', k[1], 'fv') end)",
    "FCALL|f1|1|fk",
    // Expiry → DEL (lazy: a command meets the expired key; active: nobody touches it).
    "DEBUG|SET-ACTIVE-EXPIRE|0",
    "SET|lazy|1|PX|1",
    "SLEEP|20",
    "GET|lazy",
    "SET|lazy2|1|PX|1",
    "SLEEP|20",
    "SET|lazy2|2",
    "DEBUG|SET-ACTIVE-EXPIRE|1",
    "SET|active|1|PX|1",
    "SLEEP|400",
    // Blocking pops served later, as their non-blocking forms.
    "BLOCK|BLPOP|bl|0",
    "SLEEP|50",
    "RPUSH|bl|x|y",
    "UNBLOCKED",
    "BLOCK|BLMOVE|bl2|bl3|RIGHT|LEFT|0",
    "SLEEP|50",
    "LPUSH|bl2|p",
    "UNBLOCKED",
    "BLOCK|BRPOPLPUSH|bl4|bl5|0",
    "SLEEP|50",
    "LPUSH|bl4|p",
    "UNBLOCKED",
    "BLOCK|BZPOPMIN|bz|0",
    "SLEEP|50",
    "ZADD|bz|1|m",
    "UNBLOCKED",
    // Blocking commands served at once.
    "RPUSH|bi|a|b|c|d",
    "BLMOVE|bi|bj|LEFT|RIGHT|0",
    "BRPOPLPUSH|bi|bj|0",
    "BLPOP|bj|0",
    "BRPOP|nokey|bj|0",
    "RPUSH|bj|x|y",
    "BLMPOP|0|1|bj|LEFT",
    "ZADD|bz2|1|a|2|b",
    "BZPOPMAX|bz2|0",
    "BZMPOP|0|1|bz2|MIN",
    // *MPOP propagate the number popped, not their COUNT.
    "ZADD|bz3|1|a",
    "ZMPOP|1|bz3|MIN|COUNT|10",
    "ZADD|bz3|1|a|2|b",
    "BZMPOP|0|1|bz3|MAX|COUNT|10",
    "BLOCK|BZMPOP|0|1|bz4|MIN|COUNT|5",
    "SLEEP|50",
    "ZADD|bz4|1|a|2|b",
    "UNBLOCKED",
    // A blocked XREADGROUP served by an XADD: its effects follow the XADD's (NOACK: the
    // consumer it created and the position; otherwise the XCLAIM).
    "XADD|bs|1-1|f|v",
    "XGROUP|CREATE|bs|g|$",
    "BLOCK|XREADGROUP|GROUP|g|bn|NOACK|BLOCK|0|STREAMS|bs|>",
    "SLEEP|50",
    "XADD|bs|2-1|f|w",
    "UNBLOCKED",
    "BLOCK|XREADGROUP|GROUP|g|bc|BLOCK|0|STREAMS|bs|>",
    "SLEEP|50",
    "XADD|bs|3-1|f|x",
    "UNBLOCKED",
    // Streams: consumer groups.
    "XADD|st|1-1|f|v",
    "XADD|st|2-1|f|w",
    "XGROUP|CREATE|st|g|0",
    "XREADGROUP|GROUP|g|c|COUNT|1|STREAMS|st|>",
    // Redis 7.0.15 propagates an XCLAIM per delivered entry (MULTI/EXEC around several),
    // with NOACK the created consumer and the group's new position, and nothing for a
    // history read (emu logs all of it, its stream must not carry it).
    "XADD|st|3-1|f|x",
    "XADD|st|4-1|f|y",
    "XREADGROUP|GROUP|g|cn|NOACK|COUNT|1|STREAMS|st|>",
    "XREADGROUP|GROUP|g|cn|NOACK|COUNT|1|STREAMS|st|>",
    "XREADGROUP|GROUP|g|c|STREAMS|st|0",
    "XREADGROUP|GROUP|g|ch|STREAMS|st|0",
    "XREADGROUP|GROUP|g|cz|NOACK|STREAMS|st|>",
    "XGROUP|SETID|st|g|1-1",
    "XREADGROUP|GROUP|g|c4|STREAMS|st|>",
    "XDEL|st|3-1|4-1",
    "XCLAIM|st|g|c2|0|1-1",
    "XACK|st|g|1-1",
    "XAUTOCLAIM|st|g|c3|0|0-0",
    "XTRIM|st|MAXLEN|1",
    "XDEL|st|2-1",
    "XGROUP|SETID|st|g|0",
    "XGROUP|CREATECONSUMER|st|g|c9",
    "XGROUP|DELCONSUMER|st|g|c9",
    "XGROUP|DELCONSUMER|st|g|nosuch",
    "XGROUP|DESTROY|st|g",
    // XADD and XTRIM as given (case included), the ID added for `*` / `ms-*`, an
    // approximate trim rewritten as the exact one it amounted to.
    "xadd|xs|NOMKSTREAM|1-1|a|1",
    "xadd|xs|1-1|a|1",
    "XADD|xs|2-*|a|2",
    "XADD|xs|MAXLEN|2|3-1|a|3",
    "XADD|xs|MAXLEN|=|2|4-1|a|4",
    "XADD|xs|MAXLEN|~|1|5-1|a|5",
    "XADD|xs|MINID|~|0-1|LIMIT|10|6-1|a|6",
    "XTRIM|xs|MINID|5-1",
    "xtrim|xs|MAXLEN|~|0",
    "XTRIM|xs|MAXLEN|0",
    "XTRIM|xs|MAXLEN|0",
    "XADD|xm|1-1|a|1",
    "XADD|xm|2-1|a|1",
    "XTRIM|xm|MINID|~|9-1",
    // RESTORE of a DUMP.
    "SET|src|payload",
    "RESTORE-FROM|src|dst",
    // Flushes.
    "SELECT|3",
    "SET|k3|1",
    "FLUSHDB",
    "SELECT|0",
    "FLUSHALL",
    "SET|after|1",
    // Evictions (volatile-ttl: the sooner deadline first, then OOM with nothing left) as
    // DEL, as UNLINK under lazyfree-lazy-eviction; deletions by EXPIRE / GETEX in the past
    // as UNLINK under lazyfree-lazy-expire. (After FLUSHALL: no other key has a TTL.)
    "SET|ev1|a|PX|100000",
    "SET|ev2|b|PX|200000",
    "CONFIG|SET|maxmemory-policy|volatile-ttl",
    "CONFIG|SET|maxmemory|1",
    "SET|ev3|c",
    "CONFIG|SET|maxmemory|0",
    "SET|ev4|d|PX|100000",
    "CONFIG|SET|lazyfree-lazy-eviction|yes",
    "CONFIG|SET|maxmemory|1",
    "SET|ev5|c",
    "CONFIG|SET|maxmemory|0",
    "CONFIG|SET|lazyfree-lazy-eviction|no",
    "CONFIG|SET|maxmemory-policy|noeviction",
    "CONFIG|SET|lazyfree-lazy-expire|yes",
    "SET|lz|1",
    "EXPIRE|lz|-1",
    "SET|lz|2",
    "GETEX|lz|EXAT|1",
    "CONFIG|SET|lazyfree-lazy-expire|no",
    // PUBLISH reaches replicas (alone, inside MULTI, from a script), in the db selected.
    "PUBLISH|pch|m1",
    "MULTI",
    "PUBLISH|pch|m2",
    "EXEC",
    "MULTI",
    "SET|pa|1",
    "SPUBLISH|sch|m3",
    "EXEC",
    "EVAL|redis.call('publish','pch','m4')|0",
    "SELECT|2",
    "PUBLISH|pch|m5",
    "SELECT|0",
];

fn split(step: &str) -> Vec<Vec<u8>> {
    step.split('|').map(|a| a.as_bytes().to_vec()).collect()
}

/// Runs the script on the server at `addr` (fresh) and returns its stream.
fn stream_of(addr: std::net::SocketAddr, eof: bool) -> Vec<Vec<Vec<u8>>> {
    let mut link = ReplLink::attach(addr, eof);
    let mut a = Raw::connect(addr);
    let mut b = Raw::connect(addr);
    for step in SCRIPT {
        let argv = split(step);
        let name = String::from_utf8_lossy(&argv[0]).to_string();
        match name.as_str() {
            "SLEEP" => {
                let ms: u64 = step[6..].parse().unwrap();
                std::thread::sleep(Duration::from_millis(ms));
            }
            "BLOCK" => {
                let mut out = Vec::new();
                let rest: Vec<&[u8]> = argv[1..].iter().map(Vec::as_slice).collect();
                emu::resp::encode_request(&mut out, &rest);
                b.send(&out);
            }
            "UNBLOCKED" => {
                b.reply();
            }
            "RESTORE-FROM" => {
                let dump = a.cmd(&[b"DUMP", &argv[1]]);
                // `$<n>\r\n<payload>\r\n`
                let start = dump.iter().position(|&c| c == b'\n').unwrap() + 1;
                let payload = &dump[start..dump.len() - 2];
                a.cmd(&[b"RESTORE", &argv[2], b"0", payload]);
            }
            _ => {
                let refs: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
                a.cmd(&refs);
            }
        }
    }
    a.cmd(&[b"SET", b"__end__", b"1"]);
    link.until(&[b"SET", b"__end__", b"1"], Duration::from_secs(20))
}

/// Replaces wall-clock timestamps (Unix ms within a day of now) by `<ms>`.
fn mask(stream: &[Vec<Vec<u8>>]) -> Vec<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    stream
        .iter()
        .map(|c| {
            c.iter()
                .map(|a| {
                    let s = a.escape_ascii().to_string();
                    match s.parse::<i64>() {
                        Ok(n) if (n - now).abs() < 86_400_000 => "<ms>".to_string(),
                        _ => s,
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn compare(eof: bool) {
    let Some(real) = start_real_redis_with(
        "the replication-stream conformance test",
        &[
            "--repl-diskless-sync",
            "yes",
            "--repl-diskless-sync-delay",
            "0",
            "--enable-debug-command",
            "yes",
        ],
    ) else {
        return;
    };
    let (redis, running) = start();
    redis
        .with_store(|s| {
            s.config
                .set_initial("enable-debug-command", b"yes")
                .expect("enable-debug-command");
            // As the redis-server above: no wait for more replicas.
            s.config
                .set_initial("repl-diskless-sync-delay", b"0")
                .expect("repl-diskless-sync-delay");
        })
        .unwrap();
    let want = mask(&stream_of(real.addr, true));
    let got = mask(&stream_of(running.addr().unwrap(), eof));
    // The script reaches what it is there for (else the comparison proves nothing).
    for line in [
        "DEL ev1",
        "DEL ev2",
        "UNLINK ev4",
        "UNLINK lz",
        "XGROUP CREATECONSUMER st g cn",
        "XGROUP CREATECONSUMER bs g bn",
        "xadd xs 1-1 a 1",
        "XTRIM xm MINID = 18446744073709551615-18446744073709551615",
    ] {
        assert!(
            want.iter().any(|l| l == line),
            "redis-server sent no {line}"
        );
    }
    let report = diff(&want, &got);
    let mut allowed: Vec<&str> = ALLOWED.iter().map(|(l, _)| *l).collect();
    let mut unexpected = Vec::new();
    for line in report.lines().filter(|l| !l.starts_with("  ")) {
        match allowed.iter().position(|a| *a == line) {
            Some(i) => {
                allowed.remove(i);
            }
            None => unexpected.push(line),
        }
    }
    assert!(
        unexpected.is_empty(),
        "streams differ: {unexpected:?}\n(- redis only, + emu only):\n{report}"
    );
    assert!(
        allowed.is_empty(),
        "listed differences no longer seen (remove them from ALLOWED): {allowed:?}"
    );
}

/// A line diff of the two streams (longest common subsequence).
fn diff(a: &[String], b: &[String]) -> String {
    let (n, m) = (a.len(), b.len());
    let mut l = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            l[i][j] = if a[i] == b[j] {
                l[i + 1][j + 1] + 1
            } else {
                l[i + 1][j].max(l[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || l[i][j + 1] >= l[i + 1][j]) {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        }
    }
    out
}

#[test]
fn stream_matches_redis_diskless() {
    compare(true);
}

#[test]
fn stream_matches_redis_with_rdb_length() {
    compare(false);
}

/// What a replica that attached with SYNC reads first, with `repl-ping-replica-period`
/// an hour: the stream's own commands, no PING (the suite's `attach_to_replication_stream`
/// relies on it). emu used to ping at once on the first tick after a replica attached.
fn first_commands_after_sync(addr: std::net::SocketAddr) -> Vec<String> {
    let mut a = Raw::connect(addr);
    a.cmds("CONFIG SET repl-ping-replica-period 3600");
    let mut link = ReplLink::attach_sync(addr);
    // Past the once-a-second tick of the master side of the link.
    std::thread::sleep(Duration::from_millis(1500));
    a.cmds("SET foo bar");
    a.cmds("SET foo2 bar");
    let out = (0..3)
        .map(|_| {
            link.command()
                .iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    a.cmds("CONFIG SET repl-ping-replica-period 10");
    out
}

#[test]
fn no_ping_right_after_attach_like_redis() {
    let Some(real) = start_real_redis_with("no_ping_right_after_attach_like_redis", &[]) else {
        return;
    };
    let (_redis, running) = start();
    let want = first_commands_after_sync(real.addr);
    assert_eq!(want, ["SELECT 0", "SET foo bar", "SET foo2 bar"]);
    assert_eq!(first_commands_after_sync(running.addr().unwrap()), want);
}

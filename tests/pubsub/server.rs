//! Pub/Sub over the RESP server with raw sockets: RESP2 message shapes and subscribed-mode
//! restrictions, RESP3 pushes, delivery to idle connections, ordering under a concurrent
//! publisher, keyspace notifications, cleanup on disconnect, slow-subscriber disconnect.

#![cfg(feature = "server")]

use std::time::{Duration, Instant};

use crate::server_util::{start, Raw};

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

const CTX_ERR: &str =
    "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n";

#[test]
fn resp2_subscribe_publish_unsubscribe_shapes() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut sub = Raw::connect(addr);
    let mut publ = Raw::connect(addr);

    assert_eq!(
        sub.cmds("UNSUBSCRIBE"),
        b("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
    );
    assert_eq!(
        sub.cmds("PUNSUBSCRIBE"),
        b("*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n")
    );
    assert_eq!(
        sub.cmds("SUNSUBSCRIBE"),
        b("*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n")
    );
    // One confirmation per argument, duplicates included.
    assert_eq!(
        sub.cmds("SUBSCRIBE a b a"),
        b("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n")
    );
    assert_eq!(sub.reply(), b("*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"));
    assert_eq!(sub.reply(), b("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n"));
    assert_eq!(
        sub.cmds("PSUBSCRIBE a*"),
        b("*3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n")
    );
    // Shard subscriptions count on their own.
    assert_eq!(
        sub.cmds("SSUBSCRIBE a"),
        b("*3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n")
    );

    assert_eq!(publ.cmds("PUBLISH a hello"), b(":2\r\n"));
    assert_eq!(
        sub.reply(),
        b("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n")
    );
    assert_eq!(
        sub.reply(),
        b("*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$5\r\nhello\r\n")
    );
    assert_eq!(publ.cmds("SPUBLISH a sh"), b(":1\r\n"));
    assert_eq!(
        sub.reply(),
        b("*3\r\n$8\r\nsmessage\r\n$1\r\na\r\n$2\r\nsh\r\n")
    );
    assert_eq!(publ.cmds("PUBLISH nobody x"), b(":0\r\n"));
    assert_eq!(publ.cmds("PUBLISH abc x"), b(":1\r\n"));
    assert_eq!(
        sub.reply(),
        b("*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$3\r\nabc\r\n$1\r\nx\r\n")
    );

    // Restricted commands in RESP2 subscribed mode.
    assert_eq!(
        sub.cmds("GET k"),
        [b"-ERR Can't execute 'get': ".as_slice(), CTX_ERR.as_bytes()].concat()
    );
    assert_eq!(
        sub.cmds("CONFIG GET x"),
        [
            b"-ERR Can't execute 'config|get': ".as_slice(),
            CTX_ERR.as_bytes()
        ]
        .concat()
    );
    assert_eq!(
        sub.cmds("PUBLISH a z"),
        [
            b"-ERR Can't execute 'publish': ".as_slice(),
            CTX_ERR.as_bytes()
        ]
        .concat()
    );
    // Unknown command and arity errors come first, as in processCommand.
    assert_eq!(
        sub.cmds("FOO"),
        b("-ERR unknown command 'FOO', with args beginning with: \r\n")
    );
    assert_eq!(
        sub.cmds("GET"),
        b("-ERR wrong number of arguments for 'get' command\r\n")
    );
    assert_eq!(sub.cmds("PING"), b("*2\r\n$4\r\npong\r\n$0\r\n\r\n"));
    assert_eq!(sub.cmds("PING hi"), b("*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"));

    assert_eq!(
        sub.cmds("SUNSUBSCRIBE"),
        b("*3\r\n$12\r\nsunsubscribe\r\n$1\r\na\r\n:0\r\n")
    );
    assert_eq!(
        sub.cmds("UNSUBSCRIBE b nope"),
        b("*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n")
    );
    assert_eq!(
        sub.reply(),
        b("*3\r\n$11\r\nunsubscribe\r\n$4\r\nnope\r\n:2\r\n")
    );
    assert_eq!(
        sub.cmds("UNSUBSCRIBE"),
        b("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n")
    );
    assert_eq!(
        sub.cmds("PUNSUBSCRIBE"),
        b("*3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:0\r\n")
    );
    // Out of subscribed mode: everything works again.
    assert_eq!(sub.cmds("PING"), b("+PONG\r\n"));
    assert_eq!(sub.cmds("GET k"), b("$-1\r\n"));
    assert_eq!(publ.cmds("PUBLISH a gone"), b(":0\r\n"));
    assert!(sub.silent(100));
}

#[test]
fn resp3_push_frames_and_no_restrictions() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut sub = Raw::connect(addr);
    let _ = sub.cmds("HELLO 3");
    assert_eq!(
        sub.cmds("UNSUBSCRIBE"),
        b(">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n")
    );
    assert_eq!(
        sub.cmds("SUBSCRIBE a"),
        b(">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n")
    );
    assert_eq!(
        sub.cmds("PSUBSCRIBE a*"),
        b(">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:2\r\n")
    );
    assert_eq!(sub.cmds("GET k"), b("_\r\n"));
    assert_eq!(sub.cmds("PING"), b("+PONG\r\n"));
    // Publishing to itself: the pushes come before the reply, as in Redis 7.0.
    assert_eq!(
        sub.cmds("PUBLISH a hello"),
        b(">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n")
    );
    assert_eq!(
        sub.reply(),
        b(">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$5\r\nhello\r\n")
    );
    assert_eq!(sub.reply(), b(":2\r\n"));
    // From another connection, while idle.
    let mut publ = Raw::connect(addr);
    assert_eq!(publ.cmds("PUBLISH a x"), b(":2\r\n"));
    assert_eq!(
        sub.reply(),
        b(">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nx\r\n")
    );
    assert_eq!(
        sub.reply(),
        b(">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$1\r\nx\r\n")
    );
    // RESET leaves subscribed mode silently.
    assert_eq!(sub.cmds("RESET"), b("+RESET\r\n"));
    assert_eq!(publ.cmds("PUBSUB NUMSUB a"), b("*2\r\n$1\r\na\r\n:0\r\n"));
    assert_eq!(publ.cmds("PUBSUB NUMPAT"), b(":0\r\n"));
    assert_eq!(publ.cmds("PUBLISH a x"), b(":0\r\n"));
}

#[test]
fn pubsub_introspection_and_errors() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut s1 = Raw::connect(addr);
    let mut s2 = Raw::connect(addr);
    let mut c = Raw::connect(addr);
    s1.cmds("SUBSCRIBE news");
    s2.cmds("SUBSCRIBE news");
    s2.reply_drain_check();
    s1.cmds("PSUBSCRIBE n*");
    s2.cmds("PSUBSCRIBE n*");
    s2.cmds("SSUBSCRIBE shard1");
    assert_eq!(
        c.cmds("PUBSUB NUMSUB news other"),
        b("*4\r\n$4\r\nnews\r\n:2\r\n$5\r\nother\r\n:0\r\n")
    );
    assert_eq!(c.cmds("PUBSUB NUMSUB"), b("*0\r\n"));
    assert_eq!(c.cmds("PUBSUB NUMPAT"), b(":1\r\n"));
    assert_eq!(c.cmds("PUBSUB CHANNELS"), b("*1\r\n$4\r\nnews\r\n"));
    assert_eq!(c.cmds("PUBSUB CHANNELS n?ws"), b("*1\r\n$4\r\nnews\r\n"));
    assert_eq!(c.cmds("PUBSUB CHANNELS x*"), b("*0\r\n"));
    assert_eq!(c.cmds("PUBSUB SHARDCHANNELS"), b("*1\r\n$6\r\nshard1\r\n"));
    assert_eq!(
        c.cmds("PUBSUB SHARDNUMSUB shard1 news"),
        b("*4\r\n$6\r\nshard1\r\n:1\r\n$4\r\nnews\r\n:0\r\n")
    );
    assert_eq!(c.cmds("PUBLISH news m"), b(":4\r\n"));
    assert_eq!(
        c.cmds("PUBSUB foo"),
        b("-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n")
    );
    assert_eq!(
        c.cmds("PUBSUB NUMPAT x"),
        b("-ERR wrong number of arguments for 'pubsub|numpat' command\r\n")
    );
    assert_eq!(
        c.cmds("PUBSUB CHANNELS x y"),
        b("-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n")
    );
    assert_eq!(
        c.cmds("PUBSUB"),
        b("-ERR wrong number of arguments for 'pubsub' command\r\n")
    );
    assert_eq!(
        c.cmds("PUBLISH a"),
        b("-ERR wrong number of arguments for 'publish' command\r\n")
    );
    assert_eq!(
        c.cmds("SUBSCRIBE"),
        b("-ERR wrong number of arguments for 'subscribe' command\r\n")
    );
    // A closed connection's subscriptions go away.
    drop(s1);
    drop(s2);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if c.cmds("PUBSUB NUMSUB news") == b("*2\r\n$4\r\nnews\r\n:0\r\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "subscriptions not dropped on close"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(c.cmds("PUBSUB NUMPAT"), b(":0\r\n"));
    assert_eq!(c.cmds("PUBSUB SHARDCHANNELS"), b("*0\r\n"));
}

trait DrainCheck {
    fn reply_drain_check(&mut self);
}

impl DrainCheck for Raw {
    /// Nothing else pending (a no-op assertion helper keeping the stream aligned).
    fn reply_drain_check(&mut self) {
        assert!(self.silent(20));
    }
}

fn parse_message(reply: &[u8]) -> (String, Vec<u8>) {
    // *3 $7 message $<n> chan $<m> data
    let text = reply;
    let mut parts = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'$' {
            let end = i + text[i..].windows(2).position(|w| w == b"\r\n").unwrap();
            let n: usize = std::str::from_utf8(&text[i + 1..end])
                .unwrap()
                .parse()
                .unwrap();
            parts.push(text[end + 2..end + 2 + n].to_vec());
            i = end + 2 + n + 2;
        } else {
            i += 1;
        }
    }
    assert_eq!(parts.len(), 3, "{:?}", String::from_utf8_lossy(reply));
    assert_eq!(parts[0], b"message");
    (
        String::from_utf8(parts[1].clone()).unwrap(),
        parts[2].clone(),
    )
}

#[test]
fn ten_thousand_messages_from_a_thread_arrive_in_order() {
    let (r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut sub = Raw::connect(addr);
    sub.cmds("SUBSCRIBE ord");
    const N: usize = 10_000;
    // Half from an embedded handle on a thread, half from a TCP client thread, interleaved
    // on two channels: each channel's sequence must arrive complete and in order.
    sub.cmds("SUBSCRIBE ord2");
    let r2 = r.clone();
    let t1 = std::thread::spawn(move || {
        for i in 0..N / 2 {
            assert_eq!(r2.publish("ord", i.to_string()).unwrap(), 1);
        }
    });
    let t2 = std::thread::spawn(move || {
        let mut p = Raw::connect(addr);
        for i in 0..N / 2 {
            assert_eq!(
                p.cmd(&[b"PUBLISH", b"ord2", i.to_string().as_bytes()]),
                b(":1\r\n")
            );
        }
    });
    let mut next = [0usize; 2];
    for _ in 0..N {
        let (ch, data) = parse_message(&sub.reply());
        let idx = if ch == "ord" { 0 } else { 1 };
        assert_eq!(data, next[idx].to_string().into_bytes(), "channel {ch}");
        next[idx] += 1;
    }
    t1.join().unwrap();
    t2.join().unwrap();
    assert_eq!(next, [N / 2, N / 2]);
    assert!(sub.silent(50));
}

#[test]
fn keyspace_notifications_reach_subscribers_in_order() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut c = Raw::connect(addr);
    assert_eq!(
        c.cmds("CONFIG SET notify-keyspace-events KEA"),
        b("+OK\r\n")
    );
    let mut sub = Raw::connect(addr);
    sub.cmds("PSUBSCRIBE __key*@0__:*");
    let expect = [
        ("__keyspace@0__:s", "set"),
        ("__keyevent@0__:set", "s"),
        ("__keyspace@0__:l", "lpush"),
        ("__keyevent@0__:lpush", "l"),
        ("__keyspace@0__:h", "hset"),
        ("__keyevent@0__:hset", "h"),
        ("__keyspace@0__:z", "zadd"),
        ("__keyevent@0__:zadd", "z"),
        ("__keyspace@0__:z", "zincr"),
        ("__keyevent@0__:zincr", "z"),
        ("__keyspace@0__:st", "sadd"),
        ("__keyevent@0__:sadd", "st"),
        ("__keyspace@0__:s", "expire"),
        ("__keyevent@0__:expire", "s"),
        ("__keyspace@0__:l", "del"),
        ("__keyevent@0__:del", "l"),
    ];
    for cmd in [
        "SET s v",
        "LPUSH l a",
        "HSET h f v",
        "ZADD z 1 m",
        "ZINCRBY z 1 m",
        "SADD st x",
        "EXPIRE s 100",
        "DEL l",
    ] {
        let rep = c.cmds(cmd);
        assert!(
            !rep.starts_with(b"-"),
            "{cmd}: {:?}",
            String::from_utf8_lossy(&rep)
        );
    }
    for (ch, msg) in expect {
        let pat = "__key*@0__:*";
        let want = format!(
            "*4\r\n$8\r\npmessage\r\n${}\r\n{pat}\r\n${}\r\n{ch}\r\n${}\r\n{msg}\r\n",
            pat.len(),
            ch.len(),
            msg.len()
        );
        assert_eq!(String::from_utf8(sub.reply()).unwrap(), want);
    }
    assert!(sub.silent(50));
    // Only keyevents for the generic class:
    assert_eq!(c.cmds("CONFIG SET notify-keyspace-events Eg"), b("+OK\r\n"));
    let mut ev = Raw::connect(addr);
    ev.cmds("SUBSCRIBE __keyevent@0__:del __keyevent@0__:set");
    ev.reply();
    c.cmds("SET s2 v"); // class $ is off: nothing
    c.cmds("DEL s2");
    assert_eq!(
        ev.reply(),
        b("*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:del\r\n$2\r\ns2\r\n")
    );
    assert!(ev.silent(50));
}

/// The soft limit is enforced without new traffic (Redis 7.0 checks it in `clientsCron`,
/// suite test "Client output buffer soft limit is not enforced too early and is enforced
/// when no traffic"): a subscriber over `pubsub 0 100000 1` that gets no more messages is
/// closed once the second has passed, and CLIENT LIST's `omem` shows its backlog before.
#[test]
fn pubsub_soft_limit_applies_when_the_traffic_stops() {
    let (_r, running) = start();
    let addr = running.addr().unwrap();
    let mut c = Raw::connect(addr);
    assert_eq!(
        c.cmd(&[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"pubsub 0 100000 1"
        ]),
        b("+OK\r\n")
    );
    let mut slow = Raw::connect(addr);
    slow.cmds("CLIENT SETNAME soft_client");
    slow.cmds("SUBSCRIBE foo");
    let omem = |c: &mut Raw| -> Option<u64> {
        let list = String::from_utf8(c.cmds("CLIENT LIST")).unwrap();
        let line = list.lines().find(|l| l.contains("name=soft_client"))?;
        let field = line.split(' ').find_map(|f| f.strip_prefix("omem="))?;
        Some(field.parse().unwrap())
    };
    let payload = vec![b'x'; 1000];
    let mut over = false;
    for _ in 0..100_000 {
        c.cmd(&[b"PUBLISH", b"foo", &payload]);
        match omem(&mut c) {
            Some(n) if n > 100_000 => {
                over = true;
                break;
            }
            Some(_) => {}
            None => panic!("closed before its omem went over the soft limit"),
        }
    }
    assert!(over, "omem never went over 100000");
    // No more messages: the time check alone closes it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while omem(&mut c).is_some() {
        assert!(Instant::now() < deadline, "still connected without traffic");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn slow_subscriber_is_disconnected_by_the_output_buffer_limit() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut c = Raw::connect(addr);
    assert_eq!(
        c.cmd(&[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"pubsub 1mb 0 0"
        ]),
        b("+OK\r\n")
    );
    // A subscriber that never reads: its socket buffers fill, then its mailbox.
    let mut slow = Raw::connect(addr);
    let slow_id = String::from_utf8(slow.cmds("CLIENT ID")).unwrap();
    let slow_id = format!("id={} ", slow_id.trim_start_matches(':').trim_end());
    slow.cmds("SUBSCRIBE flood");
    let mut ok = Raw::connect(addr);
    ok.cmds("SUBSCRIBE other");
    let payload = vec![b'x'; 64 * 1024];
    let mut disconnected = false;
    for _ in 0..2000 {
        let rep = c.cmd(&[b"PUBLISH", b"flood", &payload]);
        if rep == b(":0\r\n") {
            disconnected = true;
            break;
        }
        assert_eq!(rep, b(":1\r\n"));
    }
    assert!(disconnected, "the slow subscriber was never dropped");
    assert_eq!(
        c.cmds("PUBSUB NUMSUB flood"),
        b("*2\r\n$5\r\nflood\r\n:0\r\n")
    );
    // The server closes it even though it still reads nothing (its pending write is
    // abandoned): it leaves CLIENT LIST.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = String::from_utf8(c.cmds("CLIENT LIST")).unwrap();
        if !list.contains(&slow_id) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "slow client still connected: {list}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Its connection is closed (after whatever was already in flight).
    slow.s
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = vec![0u8; 1 << 20];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        use std::io::Read;
        match slow.s.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => panic!("expected close, got {e}"),
        }
        assert!(Instant::now() < deadline);
    }
    // Other subscribers are unaffected.
    assert_eq!(c.cmds("PUBLISH other hi"), b(":1\r\n"));
    assert_eq!(
        ok.reply(),
        b("*3\r\n$7\r\nmessage\r\n$5\r\nother\r\n$2\r\nhi\r\n")
    );
}

fn run_redis_py_pubsub(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    let Some(out) = crate::server_util::run_redis_py("redis_py_pubsub.py", port, proto) else {
        return;
    };
    assert_eq!(out, format!("redis-py pubsub ok {proto}"));
}

#[test]
fn redis_py_pubsub_resp2() {
    run_redis_py_pubsub("2");
}

#[test]
fn redis_py_pubsub_resp3() {
    run_redis_py_pubsub("3");
}

#[test]
fn client_list_shows_subscriptions() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut s = Raw::connect(addr);
    let id = String::from_utf8(s.cmds("CLIENT ID")).unwrap();
    let id = id.trim_start_matches(':').trim_end().to_string();
    s.cmds("SUBSCRIBE a b");
    s.reply();
    s.cmds("PSUBSCRIBE x*");
    s.cmds("SSUBSCRIBE q");
    let mut c = Raw::connect(addr);
    let list = String::from_utf8(c.cmds("CLIENT LIST")).unwrap();
    let line = list
        .lines()
        .find(|l| l.contains(&format!("id={id} ")))
        .expect("subscriber listed");
    assert!(
        line.contains(" flags=P db=0 sub=2 psub=1 ssub=1 "),
        "{line}"
    );
    let me = list
        .lines()
        .find(|l| l.contains("cmd=client|list"))
        .unwrap();
    assert!(me.contains(" flags=N db=0 sub=0 psub=0 ssub=0 "), "{me}");
    // A RESP3 subscriber may run CLIENT INFO and sees its own counts.
    let mut r3 = Raw::connect(addr);
    r3.cmds("HELLO 3");
    r3.cmds("SUBSCRIBE z");
    let info = String::from_utf8(r3.cmds("CLIENT INFO")).unwrap();
    assert!(
        info.contains(" flags=P db=0 sub=1 psub=0 ssub=0 "),
        "{info}"
    );
}

/// CONFIG SET maxmemory below the usage evicts at once (Redis's `updateMaxmemory` runs
/// `performEvictions`): a subscriber gets the `evicted` event with no further command.
fn evicted_by_config_set(addr: std::net::SocketAddr) -> Vec<String> {
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    let mut ctl = Raw::connect(addr);
    let mut sub = Raw::connect(addr);
    ctl.cmds("FLUSHALL");
    ctl.cmds("CONFIG SET notify-keyspace-events Ee");
    ctl.cmds("CONFIG SET maxmemory-policy allkeys-lru");
    let mut out = vec![text(sub.cmds("PSUBSCRIBE *"))];
    ctl.cmds("SET foo bar");
    out.push(text(ctl.cmds("CONFIG SET maxmemory 1")));
    out.push(text(sub.reply()));
    ctl.cmds("CONFIG SET maxmemory 0");
    out.push(text(ctl.cmds("DBSIZE")));
    ctl.cmds("CONFIG SET maxmemory-policy noeviction");
    ctl.cmds("CONFIG SET notify-keyspace-events \"\"");
    out
}

#[test]
fn config_set_maxmemory_evicts_at_once_like_redis() {
    let Some(real) =
        crate::server_util::start_real_redis("config_set_maxmemory_evicts_at_once_like_redis")
    else {
        return;
    };
    let want = evicted_by_config_set(real.addr);
    let (_r, srv) = start();
    assert_eq!(evicted_by_config_set(srv.addr().unwrap()), want);
}

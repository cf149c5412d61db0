//! MONITOR against redis-server 7.0: the lines other clients' commands produce (quoting,
//! db, redaction, hidden admin commands, scripts as `lua`, EXEC's order), what the
//! monitoring client may still do, MONITOR inside MULTI; the embedded stream.

use std::time::Duration;

use crate::server_util::Raw;
use crate::util::{refs, words, Pair};

/// Reads lines until nothing arrives for a while.
fn drain(r: &mut Raw) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        while r.has_reply() {
            out.push(String::from_utf8_lossy(&r.reply()).into_owned());
        }
        // (silent() keeps what arrives in the buffer.)
        if r.silent(300) {
            return out;
        }
    }
}

/// A line with its time and TCP ports masked.
fn mask(line: &str) -> String {
    let (time, rest) = line
        .strip_prefix('+')
        .and_then(|l| l.split_once(' '))
        .unwrap_or_else(|| panic!("not a monitor line: {line:?}"));
    let (secs, us) = time.split_once('.').expect("secs.us");
    assert!(secs.parse::<u64>().is_ok() && us.len() == 6, "{time}");
    let mut out = String::from("+T ");
    let mut rest = rest;
    while let Some(i) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..i + 10]);
        rest = &rest[i + 10..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        out.push_str("PORT");
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[test]
fn lines_as_redis() {
    let Some(mut p) = Pair::start("MONITOR") else {
        return;
    };
    let (mut em, mut rm) = p.connect();
    assert_eq!(em.cmds("MONITOR"), b"+OK\r\n");
    assert_eq!(rm.cmds("MONITOR"), b"+OK\r\n");
    let lines: Vec<Vec<Vec<u8>>> = vec![
        vec![
            b"SET".to_vec(),
            b"k".to_vec(),
            b"a b\"c\\n\x01\n\r\t\x07\x08\xff".to_vec(),
        ],
        words("SELECT 3"),
        words("set n 12"),
        words("MULTI"),
        words("SET a 1"),
        words("GET a"),
        words("EXEC"),
        vec![
            b"EVAL".to_vec(),
            b"redis.call('set', KEYS[1], '1'); return redis.call('get', KEYS[1])".to_vec(),
            b"1".to_vec(),
            b"x".to_vec(),
        ],
        words("AUTH nosuch secret"),
        words("AUTH secret"),
        words("HELLO 2 AUTH nosuch secret"),
        words("CONFIG GET maxmemory"),
        words("CLIENT LIST"),
        words("CLIENT SETNAME me"),
        words("CLIENT GETNAME"),
        words("SLOWLOG LEN"),
        words("GET"),
        words("NOSUCH x"),
        words("ACL SETUSER u1 on >pw"),
        words("ACL WHOAMI"),
        words("PING"),
        words("DEL k n a x"),
    ];
    for argv in &lines {
        if argv[0] == b"CLIENT" && argv[1] == b"LIST" {
            p.both(&refs(argv));
        } else {
            p.same(&refs(argv));
        }
    }
    let e: Vec<String> = drain(&mut em).iter().map(|l| mask(l)).collect();
    let r: Vec<String> = drain(&mut rm).iter().map(|l| mask(l)).collect();
    assert_eq!(e, r);
    assert!(e.len() > 15, "{e:?}");
    assert!(e.iter().any(|l| l.contains("[3 lua]")), "{e:?}");

    // The monitoring client: PING allowed (and shown), keyspace commands refused, MONITOR
    // again ignored, RESET ends it.
    let mut own = Vec::new();
    for m in [&mut em, &mut rm] {
        assert_eq!(m.cmds("PING"), b"+PONG\r\n");
        own.push(mask(&String::from_utf8_lossy(&m.reply())));
    }
    assert_eq!(
        own[0], own[1],
        "a monitor sees its own command after the reply"
    );
    assert_eq!(own[0], "+T [0 127.0.0.1:PORT] \"PING\"\r\n");
    let (e, r) = (em.cmds("GET a"), rm.cmds("GET a"));
    assert_eq!(e, r);
    assert_eq!(
        e,
        b"-ERR Replica can't interact with the keyspace\r\n".to_vec()
    );
    let (e, r) = (em.cmds("SET a 1"), rm.cmds("SET a 1"));
    assert_eq!(e, r);
    for m in [&mut em, &mut rm] {
        m.send(b"MONITOR\r\n");
    }
    let e: Vec<String> = drain(&mut em).iter().map(|l| mask(l)).collect();
    let r: Vec<String> = drain(&mut rm).iter().map(|l| mask(l)).collect();
    assert_eq!(e, r, "the refused GET/SET and the second MONITOR not shown");
    assert!(e.is_empty(), "{e:?}");
    for m in [&mut em, &mut rm] {
        assert_eq!(m.cmds("RESET"), b"+RESET\r\n");
    }
    p.same(&[b"PING"]);
    assert!(em.silent(300) && rm.silent(300), "RESET ended monitoring");
    for m in [&mut em, &mut rm] {
        assert_eq!(m.cmds("GET a"), b"$-1\r\n");
    }
}

#[test]
fn monitor_inside_multi_as_redis() {
    let Some(mut p) = Pair::start("MONITOR in MULTI") else {
        return;
    };
    p.same(&[b"MULTI"]);
    p.same(&[b"MONITOR"]);
    p.same(&[b"EXEC"]);
    p.same(&[b"MONITOR", b"x"]);
}

#[test]
fn resp3_monitor_lines() {
    let Some(p) = Pair::start("MONITOR RESP3") else {
        return;
    };
    let (mut em, mut rm) = p.connect();
    for m in [&mut em, &mut rm] {
        m.cmds("HELLO 3");
        assert_eq!(m.cmds("MONITOR"), b"+OK\r\n");
    }
    let (mut eo, mut ro) = p.connect();
    assert_eq!(eo.cmds("SET k v"), ro.cmds("SET k v"));
    let e: Vec<String> = drain(&mut em).iter().map(|l| mask(l)).collect();
    let r: Vec<String> = drain(&mut rm).iter().map(|l| mask(l)).collect();
    assert_eq!(e, r);
    assert_eq!(e.len(), 1);
}

#[test]
fn embedded_stream() {
    let redis = emu::Redis::new();
    let mon = redis.monitor().unwrap();
    redis.cmd("SET").arg("k").arg("v w").query::<()>().unwrap();
    redis
        .cmd("EVAL")
        .arg("return redis.call('get', KEYS[1])")
        .arg(1)
        .arg("k")
        .query::<String>()
        .unwrap();
    let _ = redis.cmd("GET").query::<String>();
    redis
        .cmd("CONFIG")
        .arg("GET")
        .arg("hz")
        .query::<emu::Value>()
        .unwrap();
    let lines: Vec<String> = std::iter::from_fn(|| mon.next_timeout(Duration::from_millis(200)))
        .map(|l| l.split_once(' ').expect("time").1.to_string())
        .collect();
    assert_eq!(
        lines,
        [
            r#"[0 embedded] "SET" "k" "v w""#,
            r#"[0 embedded] "EVAL" "return redis.call('get', KEYS[1])" "1" "k""#,
            r#"[0 lua] "get" "k""#,
        ]
    );
    drop(mon);
    // A dropped stream is forgotten.
    redis.cmd("PING").query::<String>().unwrap();
    assert!(redis
        .with_store(|s| s.observer.monitors.is_empty())
        .unwrap());
}

#[test]
fn a_monitor_that_does_not_read_is_closed_at_the_replica_limit() {
    let (_redis, srv) = crate::server_util::start();
    let addr = srv.addr().expect("tcp");
    let mut m = Raw::connect(addr);
    let mut c = Raw::connect(addr);
    assert_eq!(
        c.cmd(&[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"slave 262144 0 0"
        ]),
        b"+OK\r\n"
    );
    assert_eq!(m.cmds("MONITOR"), b"+OK\r\n");
    // ~40 MB of MONITOR lines that the monitor never reads.
    let value = vec![b'v'; 1000];
    let mut batch = Vec::new();
    for i in 0..40_000 {
        emu::resp::encode_request(
            &mut batch,
            &[&b"SET"[..], format!("k{}", i % 100).as_bytes(), &value],
        );
        if i % 1000 == 999 {
            c.send(&batch);
            batch.clear();
            for _ in 0..1000 {
                assert_eq!(c.reply(), b"+OK\r\n");
            }
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let list = c.cmds("CLIENT LIST");
        if !String::from_utf8_lossy(&list).contains("cmd=monitor") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the monitor was not closed"
        );
        c.cmds("PING");
        std::thread::sleep(Duration::from_millis(50));
    }
}

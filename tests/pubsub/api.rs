//! The embedded Pub/Sub API (redis-py style): the seed's examples, get_message / listen /
//! run_in_thread, ignore_subscribe_messages, ordering with a publisher thread, patterns,
//! keyspace notifications, the output buffer limit, and the RESP2 engine-level shapes.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use emu::client::{Message, MessageKind};
use emu::{Redis, Value};

const NOW: Option<Duration> = Some(Duration::ZERO);
const SEC: Option<Duration> = Some(Duration::from_secs(5));

fn msg(kind: MessageKind, channel: &str, data: Value) -> Message {
    Message {
        kind,
        pattern: None,
        channel: channel.as_bytes().to_vec(),
        data,
    }
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

/// The seed's "Pub/Sub Messaging" section, translated.
#[test]
fn seed_pubsub_example() {
    let redis = Redis::new();
    // Publishing with nobody listening.
    let subscribers = redis.publish("news", "Breaking news!").unwrap();
    assert_eq!(subscribers, 0);

    let mut pubsub = redis.pubsub();
    pubsub.subscribe(&["news", "updates", "alerts"]).unwrap();
    pubsub.psubscribe(&["user:*:notifications"]).unwrap();
    for (i, ch) in ["news", "updates", "alerts"].iter().enumerate() {
        assert_eq!(
            pubsub.get_message(NOW).unwrap(),
            Some(msg(MessageKind::Subscribe, ch, Value::Int(i as i64 + 1)))
        );
    }
    assert_eq!(
        pubsub.get_message(NOW).unwrap(),
        Some(msg(
            MessageKind::PSubscribe,
            "user:*:notifications",
            Value::Int(4)
        ))
    );
    assert_eq!(pubsub.get_message(NOW).unwrap(), None);

    assert_eq!(redis.publish("news", "Breaking news!").unwrap(), 1);
    // send_notification(user_id, message)
    let send_notification = |user_id: u32, message: &str| {
        redis.publish(format!("user:{user_id}:notifications"), message)
    };
    assert_eq!(send_notification(42, "hi").unwrap(), 1);
    // Chat application: nobody on chat:room1.
    assert_eq!(
        redis
            .publish("chat:room1", r#"{"user": "john", "message": "Hello!"}"#)
            .unwrap(),
        0
    );

    // for message in pubsub.listen(): if message['type'] == 'message': ...
    let mut seen = Vec::new();
    for m in pubsub.listen() {
        let m = m.unwrap();
        match m.kind {
            MessageKind::Message => {
                seen.push((
                    m.channel_str().unwrap().to_string(),
                    m.data_str().unwrap().to_string(),
                ));
            }
            MessageKind::PMessage => {
                assert_eq!(m.pattern.as_deref(), Some(&b"user:*:notifications"[..]));
                assert_eq!(m.channel, b"user:42:notifications");
                assert_eq!(m.data_str(), Some("hi"));
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        vec![("news".to_string(), "Breaking news!".to_string())]
    );

    // Unsubscribe
    pubsub.unsubscribe(&["news"]).unwrap();
    pubsub.punsubscribe(&["user:*:notifications"]).unwrap();
    assert_eq!(
        pubsub.get_message(NOW).unwrap(),
        Some(msg(MessageKind::Unsubscribe, "news", Value::Int(3)))
    );
    assert_eq!(
        pubsub.get_message(NOW).unwrap(),
        Some(msg(
            MessageKind::PUnsubscribe,
            "user:*:notifications",
            Value::Int(2)
        ))
    );
    assert_eq!(redis.publish("news", "x").unwrap(), 0);
    assert_eq!(redis.publish("updates", "x").unwrap(), 1);
    assert_eq!(
        redis.pubsub_numsub(&["news", "updates", "alerts"]).unwrap(),
        vec![
            (b"news".to_vec(), 0),
            (b"updates".to_vec(), 1),
            (b"alerts".to_vec(), 1)
        ]
    );
    assert_eq!(redis.pubsub_numpat().unwrap(), 0);
    let mut chans = redis.pubsub_channels(None).unwrap();
    chans.sort();
    assert_eq!(chans, vec![b"alerts".to_vec(), b"updates".to_vec()]);
    assert_eq!(
        redis.pubsub_channels(Some("u*")).unwrap(),
        vec![b"updates".to_vec()]
    );
    // Dropping the PubSub unsubscribes it.
    drop(pubsub);
    assert_eq!(redis.publish("updates", "x").unwrap(), 0);
    assert_eq!(redis.pubsub_channels(None).unwrap(), Vec::<Vec<u8>>::new());
}

#[test]
fn listen_ends_when_nothing_is_subscribed() {
    let r = Redis::new();
    let mut p = r.pubsub();
    p.subscribe(&["a"]).unwrap();
    r.publish("a", "1").unwrap();
    p.unsubscribe::<&str>(&[]).unwrap();
    let kinds: Vec<(MessageKind, Value)> = p
        .listen()
        .map(|m| {
            let m = m.unwrap();
            (m.kind, m.data)
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (MessageKind::Subscribe, Value::Int(1)),
            (MessageKind::Message, bulk("1")),
            (MessageKind::Unsubscribe, Value::Int(0)),
        ]
    );
    assert!(!p.subscribed());
    // Unsubscribing from nothing: nil channel (empty here), count 0.
    p.unsubscribe::<&str>(&[]).unwrap();
    assert_eq!(
        p.get_message(NOW).unwrap(),
        Some(msg(MessageKind::Unsubscribe, "", Value::Int(0)))
    );
}

#[test]
fn ignore_subscribe_messages_and_timeouts() {
    let r = Redis::new();
    let mut p = r.pubsub().ignore_subscribe_messages(true);
    p.subscribe(&["c"]).unwrap();
    let t = Instant::now();
    assert_eq!(
        p.get_message(Some(Duration::from_millis(100))).unwrap(),
        None
    );
    assert!(t.elapsed() >= Duration::from_millis(90));
    let r2 = r.clone();
    let h = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        r2.publish("c", "late").unwrap()
    });
    // Blocks until the message arrives (no timeout).
    let m = p.get_message(None).unwrap().unwrap();
    assert_eq!(h.join().unwrap(), 1);
    assert_eq!(m.kind, MessageKind::Message);
    assert_eq!(m.payload::<String>().unwrap(), "late");
}

#[test]
fn ten_thousand_messages_from_a_publisher_thread_in_order() {
    let r = Redis::new();
    let mut p = r.pubsub().ignore_subscribe_messages(true);
    p.subscribe(&["seq"]).unwrap();
    p.psubscribe(&["s*"]).unwrap();
    const N: i64 = 10_000;
    let r2 = r.clone();
    let publisher = std::thread::spawn(move || {
        for i in 0..N {
            assert_eq!(r2.publish("seq", i).unwrap(), 2);
        }
    });
    // Each publish gives a message then a pmessage, strictly in publish order.
    for i in 0..N {
        let m = p.get_message(SEC).unwrap().expect("message");
        assert_eq!(
            (m.kind, m.payload::<i64>().unwrap()),
            (MessageKind::Message, i)
        );
        let m = p.get_message(SEC).unwrap().expect("pmessage");
        assert_eq!(
            (m.kind, m.payload::<i64>().unwrap()),
            (MessageKind::PMessage, i)
        );
        assert_eq!(m.pattern.as_deref(), Some(&b"s*"[..]));
    }
    publisher.join().unwrap();
    assert_eq!(p.get_message(NOW).unwrap(), None);
}

#[test]
fn several_publishers_each_keep_their_order() {
    let r = Redis::new();
    let mut p = r.pubsub().ignore_subscribe_messages(true);
    p.psubscribe(&["pub:*"]).unwrap();
    const THREADS: usize = 4;
    const N: usize = 2_000;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let r = r.clone();
            std::thread::spawn(move || {
                for i in 0..N {
                    r.publish(format!("pub:{t}"), i.to_string()).unwrap();
                }
            })
        })
        .collect();
    let mut next = [0usize; THREADS];
    for _ in 0..THREADS * N {
        let m = p.get_message(SEC).unwrap().expect("message");
        let t: usize = m.channel_str().unwrap()[4..].parse().unwrap();
        assert_eq!(m.payload::<usize>().unwrap(), next[t]);
        next[t] += 1;
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(next, [N; THREADS]);
}

#[test]
fn run_in_thread_and_stop() {
    let r = Redis::new();
    let mut p = r.pubsub().ignore_subscribe_messages(true);
    p.subscribe(&["jobs"]).unwrap();
    let (tx, rx) = mpsc::channel();
    let worker = p.run_in_thread(move |m| {
        tx.send(m.data_str().unwrap().to_string()).unwrap();
    });
    assert!(worker.is_running());
    for i in 0..100 {
        assert_eq!(r.publish("jobs", format!("job{i}")).unwrap(), 1);
    }
    for i in 0..100 {
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            format!("job{i}")
        );
    }
    let (mut p, res) = worker.stop();
    res.unwrap();
    // Still subscribed after stop; messages queue again for the returned PubSub.
    assert_eq!(r.publish("jobs", "after").unwrap(), 1);
    assert_eq!(
        p.get_message(SEC).unwrap().unwrap().data_str(),
        Some("after")
    );
    drop(p);
    assert_eq!(r.publish("jobs", "x").unwrap(), 0);
}

#[test]
fn patterns_use_redis_glob_rules() {
    let r = Redis::new();
    let mut p = r.pubsub().ignore_subscribe_messages(true);
    p.psubscribe(&["h?llo", "h[ae]llo", "x\\*y", "[^a]bc"])
        .unwrap();
    let cases: &[(&str, i64)] = &[
        ("hello", 2),
        ("hallo", 2),
        ("hillo", 1),
        ("x*y", 1),
        ("xzy", 0),
        ("abc", 0),
        ("zbc", 1),
    ];
    for (ch, n) in cases {
        assert_eq!(r.publish(*ch, "m").unwrap(), *n, "{ch}");
    }
    let mut got = 0;
    while let Some(m) = p.get_message(NOW).unwrap() {
        assert_eq!(m.kind, MessageKind::PMessage);
        got += 1;
    }
    assert_eq!(got, 7);
    assert_eq!(r.pubsub_numpat().unwrap(), 4);
}

#[test]
fn shard_channels_are_separate() {
    let r = Redis::new();
    let mut p = r.pubsub();
    p.ssubscribe(&["s1"]).unwrap();
    p.subscribe(&["s1"]).unwrap();
    assert_eq!(
        p.get_message(NOW).unwrap().unwrap(),
        msg(MessageKind::SSubscribe, "s1", Value::Int(1))
    );
    assert_eq!(
        p.get_message(NOW).unwrap().unwrap(),
        msg(MessageKind::Subscribe, "s1", Value::Int(1))
    );
    assert_eq!(r.spublish("s1", "a").unwrap(), 1);
    assert_eq!(r.publish("s1", "b").unwrap(), 1);
    assert_eq!(
        p.get_message(NOW).unwrap().unwrap(),
        msg(MessageKind::SMessage, "s1", bulk("a"))
    );
    assert_eq!(
        p.get_message(NOW).unwrap().unwrap(),
        msg(MessageKind::Message, "s1", bulk("b"))
    );
    p.sunsubscribe::<&str>(&[]).unwrap();
    assert_eq!(
        p.get_message(NOW).unwrap().unwrap(),
        msg(MessageKind::SUnsubscribe, "s1", Value::Int(0))
    );
    assert!(p.subscribed());
}

#[test]
fn keyspace_notifications_for_several_types() {
    let r = Redis::new();
    let _: () = r
        .cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("KEA")
        .query()
        .unwrap();
    let mut p = r.pubsub().ignore_subscribe_messages(true);
    p.subscribe(&["__keyspace@0__:k", "__keyevent@0__:del"])
        .unwrap();
    p.psubscribe(&["__keyevent@0__:*"]).unwrap();
    let _: () = r.set("k", "v").unwrap();
    let _: i64 = r.cmd("APPEND").arg("k").arg("w").query().unwrap();
    let _: i64 = r.cmd("RPUSH").arg("l").arg("a").arg("b").query().unwrap();
    let _: Value = r.cmd("LPOP").arg("l").arg("2").query().unwrap();
    let _: i64 = r.cmd("SADD").arg("s").arg("m").query().unwrap();
    let _: i64 = r.cmd("HINCRBY").arg("h").arg("f").arg(2).query().unwrap();
    let _: i64 = r.cmd("DEL").arg("k").query().unwrap();
    let mut got = Vec::new();
    while let Some(m) = p.get_message(NOW).unwrap() {
        got.push(format!(
            "{} {} {}",
            m.kind.as_str(),
            m.channel_str().unwrap(),
            m.data_str().unwrap()
        ));
    }
    let want = [
        "message __keyspace@0__:k set",
        "pmessage __keyevent@0__:set k",
        "message __keyspace@0__:k append",
        "pmessage __keyevent@0__:append k",
        "pmessage __keyevent@0__:rpush l",
        "pmessage __keyevent@0__:lpop l",
        "message __keyevent@0__:del l",
        "pmessage __keyevent@0__:del l",
        "pmessage __keyevent@0__:sadd s",
        "pmessage __keyevent@0__:hincrby h",
        "message __keyspace@0__:k del",
        "message __keyevent@0__:del k",
        "pmessage __keyevent@0__:del k",
    ];
    assert_eq!(got, want);
    // Expiry fires "expired" through the manual clock.
    let _: bool = r.expire("s", 1).unwrap();
    r.advance_time(Duration::from_secs(2)).unwrap();
    let _: i64 = r.cmd("EXISTS").arg("s").query().unwrap();
    let mut got = Vec::new();
    while let Some(m) = p.get_message(NOW).unwrap() {
        got.push(format!(
            "{} {}",
            m.channel_str().unwrap(),
            m.data_str().unwrap()
        ));
    }
    assert_eq!(got, ["__keyevent@0__:expire s", "__keyevent@0__:expired s"]);
    // Off again: nothing more.
    let _: () = r
        .cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("")
        .query()
        .unwrap();
    let _: () = r.set("k", "v").unwrap();
    assert_eq!(p.get_message(NOW).unwrap(), None);
}

#[test]
fn slow_subscriber_gets_an_error_and_starts_over() {
    let r = Redis::new();
    let _: () = r
        .cmd("CONFIG")
        .arg("SET")
        .arg("client-output-buffer-limit")
        .arg("pubsub 100kb 0 0")
        .query()
        .unwrap();
    let mut slow = r.pubsub().ignore_subscribe_messages(true);
    slow.subscribe(&["feed"]).unwrap();
    let mut fast = r.pubsub().ignore_subscribe_messages(true);
    fast.subscribe(&["feed"]).unwrap();
    let payload = vec![b'x'; 1000];
    let mut receivers = Vec::new();
    for _ in 0..200 {
        receivers.push(r.publish("feed", &payload[..]).unwrap());
        // The fast one keeps up.
        assert_eq!(
            fast.get_message(NOW).unwrap().unwrap().data_bytes(),
            Some(&payload[..])
        );
    }
    // ~100 messages fit in 100kb; then the slow subscriber is dropped.
    let first_drop = receivers.iter().position(|&n| n == 1).expect("dropped");
    assert!((90..=110).contains(&first_drop), "{first_drop}");
    assert!(receivers[first_drop..].iter().all(|&n| n == 1));
    let err = slow.get_message(NOW).unwrap_err();
    assert!(
        err.message().contains("client-output-buffer-limit pubsub"),
        "{}",
        err.message()
    );
    assert!(!slow.subscribed());
    // It can subscribe again.
    slow.subscribe(&["feed"]).unwrap();
    assert_eq!(r.publish("feed", "again").unwrap(), 2);
    assert_eq!(
        slow.get_message(NOW).unwrap().unwrap().data_str(),
        Some("again")
    );
}

#[test]
fn soft_limit_needs_to_last() {
    let r = Redis::builder().build();
    let _: () = r
        .cmd("CONFIG")
        .arg("SET")
        .arg("client-output-buffer-limit")
        .arg("pubsub 0 10kb 1")
        .query()
        .unwrap();
    let mut p = r.pubsub();
    p.subscribe(&["c"]).unwrap();
    let payload = vec![b'y'; 1000];
    // Over the soft limit but not for long enough: still subscribed.
    for _ in 0..30 {
        assert_eq!(r.publish("c", &payload[..]).unwrap(), 1);
    }
    std::thread::sleep(Duration::from_millis(1100));
    // Still over the soft limit after the period: dropped on the next message.
    assert_eq!(r.publish("c", &payload[..]).unwrap(), 1);
    assert_eq!(r.publish("c", &payload[..]).unwrap(), 0);
    assert!(p.get_message(NOW).is_err());
}

/// Engine-level RESP2 shapes through a bare store and session.
#[test]
fn resp2_engine_context_rules() {
    use emu::engine::Store;
    use emu::engine::{execute, Session};
    let mut store = Store::default();
    let mut s = Session::default();
    assert_eq!(s.resp, 2);
    let v = execute(&mut store, &mut s, &[b"SUBSCRIBE", b"x"]).unwrap();
    assert!(emu::pubsub::is_no_reply(&v));
    let e = execute(&mut store, &mut s, &[b"SET", b"k", b"v"]).unwrap_err();
    assert_eq!(
        e.message(),
        "ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    );
    assert_eq!(
        execute(&mut store, &mut s, &[b"PING"]).unwrap(),
        Value::Array(vec![bulk("pong"), bulk("")])
    );
    let mut other = Session::default();
    assert_eq!(
        execute(&mut store, &mut other, &[b"PUBLISH", b"x", b"m"]).unwrap(),
        Value::Int(1)
    );
    let mb = s.pubsub.clone().unwrap();
    let mut out = Vec::new();
    assert!(mb.drain_encoded(&mut out, 2));
    assert_eq!(
        out,
        b"*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\nm\r\n"
    );
    // RESET leaves subscribed mode without confirmations.
    assert_eq!(
        execute(&mut store, &mut s, &[b"RESET"]).unwrap(),
        Value::Simple("RESET".into())
    );
    assert_eq!(
        execute(&mut store, &mut s, &[b"SET", b"k", b"v"]).unwrap(),
        Value::ok()
    );
    assert_eq!(
        execute(&mut store, &mut other, &[b"PUBLISH", b"x", b"m"]).unwrap(),
        Value::Int(0)
    );
    // RESP3 sessions are never restricted.
    let mut r3 = Session {
        resp: 3,
        ..Session::default()
    };
    execute(&mut store, &mut r3, &[b"PSUBSCRIBE", b"*"]).unwrap();
    assert_eq!(
        execute(&mut store, &mut r3, &[b"SET", b"k", b"v"]).unwrap(),
        Value::ok()
    );
    assert_eq!(
        execute(&mut store, &mut r3, &[b"PING"]).unwrap(),
        Value::Simple("PONG".into())
    );
    // Arity through the dispatcher.
    for (argv, name) in [
        (&[&b"SUBSCRIBE"[..]][..], "subscribe"),
        (&[b"PSUBSCRIBE"], "psubscribe"),
        (&[b"SSUBSCRIBE"], "ssubscribe"),
        (&[b"PUBLISH", b"a"], "publish"),
        (&[b"SPUBLISH", b"a", b"b", b"c"], "spublish"),
        (&[b"PUBSUB"], "pubsub"),
    ] {
        let e = execute(&mut store, &mut other, argv).unwrap_err();
        assert_eq!(
            e.message(),
            format!("ERR wrong number of arguments for '{name}' command")
        );
    }
}

#[test]
fn info_stats_counts_channels_patterns_and_shard_channels() {
    let r = Redis::new();
    let mut p = r.pubsub();
    p.subscribe(&["a", "b"]).unwrap();
    p.psubscribe(&["x*"]).unwrap();
    p.ssubscribe(&["s"]).unwrap();
    let mut q = r.pubsub();
    q.subscribe(&["a"]).unwrap();
    let info: String = r.cmd("INFO").arg("stats").query().unwrap();
    assert!(
        info.contains("pubsub_channels:2\r\npubsub_patterns:1\r\npubsubshard_channels:1\r\n"),
        "{info}"
    );
    drop(p);
    drop(q);
    let info: String = r.cmd("INFO").arg("stats").query().unwrap();
    assert!(
        info.contains("pubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n"),
        "{info}"
    );
}

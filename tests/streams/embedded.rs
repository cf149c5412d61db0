//! The typed stream methods, IDs from the store's clock, blocking reads on a thread,
//! keyspace behaviour of stream keys.

use std::time::Duration;

use emu::{Redis, StreamId, Value, XAddOptions, XClaimOptions, XReadOptions, XTrim};

use crate::common::{ok, redis, run, T0};

#[test]
fn ids_come_from_the_manual_clock_and_stay_monotonic() {
    let r = redis();
    assert_eq!(
        r.xadd("s", "*", &[("f", "v")]).unwrap(),
        StreamId::new(T0, 0)
    );
    assert_eq!(
        r.xadd("s", "*", &[("f", "v")]).unwrap(),
        StreamId::new(T0, 1)
    );
    r.advance_time(Duration::from_millis(5)).unwrap();
    assert_eq!(
        r.xadd("s", "*", &[("f", "v")]).unwrap(),
        StreamId::new(T0 + 5, 0)
    );
    // The clock going back never makes IDs go back.
    r.set_time(T0 - 1000).unwrap();
    assert_eq!(
        r.xadd("s", "*", &[("f", "v")]).unwrap(),
        StreamId::new(T0 + 5, 1)
    );
    // Two runs give the same IDs.
    let again = redis();
    assert_eq!(
        again.xadd("s", "*", &[("f", "v")]).unwrap(),
        StreamId::new(T0, 0)
    );
}

#[test]
fn typed_methods_round_trip() {
    let r = redis();
    for i in 1..=5u64 {
        r.xadd("s", format!("{i}-0"), &[("n", i.to_string())])
            .unwrap();
    }
    assert_eq!(r.xlen("s").unwrap(), 5);
    let all = r.xrange("s", "-", "+").unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(
        all[2],
        (
            StreamId::new(3, 0),
            vec![("n".to_string(), "3".to_string())]
        )
    );
    let rev = r.xrevrange_count("s", "+", "-", 2).unwrap();
    assert_eq!(rev.iter().map(|e| e.0.ms).collect::<Vec<_>>(), [5, 4]);
    assert_eq!(
        r.xrange_count("s", "(2-0", "+", 1).unwrap()[0].0,
        StreamId::new(3, 0)
    );
    assert_eq!(r.xdel("s", ["1-0", "9-9"]).unwrap(), 1);
    assert_eq!(r.xtrim("s", XTrim::maxlen(3)).unwrap(), 1);
    assert_eq!(
        r.xadd_options(
            "nope",
            "*",
            &[("a", "b")],
            XAddOptions::default().nomkstream()
        )
        .unwrap(),
        None
    );
    let id = r
        .xadd_options(
            "s",
            "9-0",
            &[("a", "b")],
            XAddOptions::default().trim(XTrim::maxlen(2)),
        )
        .unwrap();
    assert_eq!(id, Some(StreamId::new(9, 0)));
    assert_eq!(r.xlen("s").unwrap(), 2);

    // XREAD from two streams; nothing new reads as empty.
    r.xadd("t", "1-0", &[("x", "y")]).unwrap();
    let got = r
        .xread(&[("s", "0"), ("t", "0")], XReadOptions::default().count(1))
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].0, "t");
    assert!(r
        .xread(&[("s", "$")], XReadOptions::default())
        .unwrap()
        .is_empty());

    // Groups: deliver, pending, claim, autoclaim, ack.
    r.xgroup_create("s", "g", "0", false).unwrap();
    assert!(r.xgroup_createconsumer("s", "g", "idle").unwrap());
    let batch = r
        .xreadgroup("g", "c1", &[("s", ">")], XReadOptions::default())
        .unwrap();
    assert_eq!(batch[0].1.len(), 2);
    let summary = r.xpending("s", "g").unwrap();
    assert_eq!(summary.count, 2);
    assert_eq!(summary.consumers, [("c1".to_string(), 2)]);
    r.advance_time(Duration::from_millis(100)).unwrap();
    let pend = r
        .xpending_range(
            "s",
            "g",
            "-",
            "+",
            10,
            emu::XPendingOptions::default().idle(50),
        )
        .unwrap();
    assert_eq!(pend.len(), 2);
    assert_eq!(pend[0].idle_ms, 100);
    assert_eq!(pend[0].consumer, "c1");
    let claimed = r
        .xclaim(
            "s",
            "g",
            "c2",
            50,
            [pend[0].id],
            XClaimOptions::default().retrycount(7),
        )
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let ac = r
        .xautoclaim_justid("s", "g", "c3", 0, "0", Some(10))
        .unwrap();
    assert_eq!(ac.claimed.len(), 2);
    assert_eq!(ac.next, StreamId::ZERO);
    assert_eq!(r.xack("s", "g", [pend[0].id, pend[1].id]).unwrap(), 2);
    assert_eq!(r.xpending("s", "g").unwrap().range, None);
    let groups: Vec<Vec<(String, Value)>> = r.xinfo_groups("s").unwrap();
    assert_eq!(groups[0][0], ("name".to_string(), Value::bulk("g")));
    assert_eq!(r.xgroup_delconsumer("s", "g", "idle").unwrap(), 0);
    assert!(r.xgroup_destroy("s", "g").unwrap());
}

#[test]
fn blocking_xread_on_a_thread_is_woken_by_xadd() {
    let r = Redis::new();
    r.xadd("q", "1-0", &[("a", "b")]).unwrap();
    let reader = r.clone();
    let h = std::thread::spawn(move || {
        reader
            .xread(&[("q", "$")], XReadOptions::default().block(10_000))
            .unwrap()
    });
    // Wait until it is blocked, then add.
    for _ in 0..500 {
        if r.with_store(|s| s.blocking.blocked_clients()).unwrap() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    r.xadd("q", "2-0", &[("c", "d")]).unwrap();
    let got = h.join().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1[0].0, StreamId::new(2, 0));
    // A timeout reads as empty.
    let none = r
        .xread(&[("q", "$")], XReadOptions::default().block(20))
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn blocked_xreadgroup_gets_redis_errors_when_key_or_group_goes() {
    let r = Redis::new();
    r.xgroup_create("q", "g", "$", true).unwrap();
    for (kill, expect) in [
        ("DEL", "UNBLOCKED the stream key no longer exists"),
        (
            "DESTROY",
            "NOGROUP the consumer group this client was blocked on no longer exists",
        ),
    ] {
        if kill == "DESTROY" {
            r.xgroup_create("q", "g", "$", true).unwrap();
        }
        let reader = r.clone();
        let h = std::thread::spawn(move || {
            reader.xreadgroup(
                "g",
                "c",
                &[("q", ">")],
                XReadOptions::default().block(10_000),
            )
        });
        for _ in 0..500 {
            if r.with_store(|s| s.blocking.blocked_clients()).unwrap() == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if kill == "DEL" {
            ok(&r, &["DEL", "q"]);
        } else {
            assert!(r.xgroup_destroy("q", "g").unwrap());
        }
        let e = h.join().unwrap().unwrap_err();
        assert_eq!(e.message(), expect);
    }
}

/// A blocked XREAD whose key becomes another type stays blocked and is served by a later
/// stream (Redis 7.0 serves XREAD waiters only from a stream; the TCL suite's "XREAD: XADD
/// + DEL + LPUSH should not awake client" got WRONGTYPE before).
#[test]
fn blocked_xread_survives_its_key_changing_type() {
    let r = Redis::new();
    r.xadd("q", "1-0", &[("a", "b")]).unwrap();
    let reader = r.clone();
    let h = std::thread::spawn(move || {
        reader.xread(&[("q", "$")], XReadOptions::default().block(10_000))
    });
    let blocked = || r.with_store(|s| s.blocking.blocked_clients()).unwrap();
    for _ in 0..500 {
        if blocked() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    ok(&r, &["MULTI"]);
    ok(&r, &["DEL", "q"]);
    ok(&r, &["LPUSH", "q", "x"]);
    ok(&r, &["EXEC"]);
    ok(&r, &["SET", "q", "v"]);
    assert_eq!(blocked(), 1, "still blocked after the type changes");
    ok(&r, &["DEL", "q"]);
    r.xadd("q", "7-0", &[("c", "d")]).unwrap();
    let got = h.join().unwrap().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1[0].0, StreamId::new(7, 0));
}

#[test]
fn block_inside_multi_answers_at_once() {
    let r = redis();
    ok(&r, &["MULTI"]);
    ok(&r, &["XREAD", "BLOCK", "0", "STREAMS", "nope", "$"]);
    assert_eq!(ok(&r, &["EXEC"]), Value::Array(vec![Value::NilArray]));
}

#[test]
fn stream_keys_behave_as_keys() {
    let r = redis();
    r.xadd("s", "1-0", &[("f", "v")]).unwrap();
    assert_eq!(ok(&r, &["TYPE", "s"]), Value::Simple("stream".into()));
    assert_eq!(ok(&r, &["OBJECT", "ENCODING", "s"]), Value::bulk("stream"));
    assert_eq!(
        ok(&r, &["SCAN", "0", "TYPE", "stream"]),
        Value::Array(vec![Value::bulk("0"), Value::Array(vec![Value::bulk("s")])])
    );
    ok(&r, &["COPY", "s", "c"]);
    ok(&r, &["RENAME", "c", "d"]);
    ok(&r, &["MOVE", "d", "1"]);
    assert_eq!(r.with_db(1).xlen("d").unwrap(), 1);
    // An emptied stream stays a key.
    r.xdel("s", ["1-0"]).unwrap();
    assert_eq!(ok(&r, &["EXISTS", "s"]), Value::Int(1));
    ok(&r, &["PEXPIRE", "s", "10"]);
    r.advance_time(Duration::from_millis(11)).unwrap();
    assert_eq!(ok(&r, &["EXISTS", "s"]), Value::Int(0));
    assert_eq!(
        run(&r, &["XADD", "s", "0-0", "f", "v"])
            .unwrap_err()
            .message(),
        "ERR The ID specified in XADD must be greater than 0-0"
    );
    ok(&r, &["SET", "str", "x"]);
    assert_eq!(
        run(&r, &["XLEN", "str"]).unwrap_err().message(),
        crate::common::WRONGTYPE
    );
}

#[test]
fn keyspace_notifications_use_redis_event_names() {
    let r = redis();
    ok(&r, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    let mut sub = r.pubsub();
    sub.psubscribe(&["__keyevent@0__:*"]).unwrap();
    r.xadd("s", "1-0", &[("f", "v")]).unwrap();
    r.xadd_options(
        "s",
        "2-0",
        &[("f", "v")],
        XAddOptions::default().trim(XTrim::maxlen(1)),
    )
    .unwrap();
    r.xgroup_create("s", "g", "0", false).unwrap();
    r.xgroup_createconsumer("s", "g", "c").unwrap();
    r.xgroup_setid("s", "g", "0").unwrap();
    // Reading and claiming create consumers too, with the same event.
    r.xreadgroup("g", "reader", &[("s", ">")], XReadOptions::default())
        .unwrap();
    r.xclaim("s", "g", "claimer", 0, ["2-0"], XClaimOptions::default())
        .unwrap();
    r.xgroup_delconsumer("s", "g", "c").unwrap();
    r.xgroup_destroy("s", "g").unwrap();
    r.xsetid("s", "5-0").unwrap();
    r.xdel("s", ["2-0"]).unwrap();
    let mut events = Vec::new();
    while let Some(m) = sub.get_message(Some(Duration::from_millis(50))).unwrap() {
        if m.kind == emu::client::pubsub::MessageKind::PMessage {
            events.push(String::from_utf8_lossy(&m.channel).to_string());
        }
    }
    let names: Vec<&str> = events
        .iter()
        .map(|c| c.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "xadd",
            "xadd",
            "xtrim",
            "xgroup-create",
            "xgroup-createconsumer",
            "xgroup-setid",
            "xgroup-createconsumer",
            "xgroup-createconsumer",
            "xgroup-delconsumer",
            "xgroup-destroy",
            "xsetid",
            "xdel"
        ]
    );
}

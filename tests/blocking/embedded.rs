//! Blocking commands through the embedded API: immediate and timeout paths, wakeups by
//! other threads, FIFO fairness, MULTI, chained BLMOVE, the seed's message queue.

use std::thread;
use std::time::{Duration, Instant};

use emu::{Direction, MinMax, Redis, Value};

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

fn blocked_clients(r: &Redis) -> usize {
    r.with_store(|s| s.blocking.blocked_clients()).unwrap()
}

/// Waits until `n` clients are blocked (or panics after 5 s).
fn wait_blocked(r: &Redis, n: usize) {
    let start = Instant::now();
    while blocked_clients(r) != n {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "never saw {n} blocked clients"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn immediate_paths() {
    let r = Redis::new();
    r.rpush("l", ["a", "b", "c"]).unwrap();
    assert_eq!(
        r.cmd("BLPOP")
            .arg("none")
            .arg("l")
            .arg(0)
            .query::<Value>()
            .unwrap(),
        Value::Array(vec![bulk("l"), bulk("a")])
    );
    let v: Option<(String, String)> = r.brpop("l", 0.0).unwrap();
    assert_eq!(v, Some(("l".into(), "c".into())));
    let v: Option<String> = r
        .blmove("l", "d", Direction::Left, Direction::Right, 0.0)
        .unwrap();
    assert_eq!(v.as_deref(), Some("b"));
    let v: Option<String> = r.brpoplpush("d", "e", 0.0).unwrap();
    assert_eq!(v.as_deref(), Some("b"));
    r.rpush("m", ["1", "2", "3"]).unwrap();
    let v: Option<(String, Vec<String>)> = r.blmpop(0.0, ["x", "m"], Direction::Right, 2).unwrap();
    assert_eq!(v, Some(("m".into(), vec!["3".into(), "2".into()])));
    r.zadd("z", [("a", 1.0), ("b", 2.0), ("c", 3.0)]).unwrap();
    assert_eq!(
        r.cmd("BZPOPMIN").arg("z").arg(0).query::<Value>().unwrap(),
        Value::Array(vec![bulk("z"), bulk("a"), Value::Double(1.0)])
    );
    let v: Option<(String, String, f64)> = r.bzpopmax("z", 0.0).unwrap();
    assert_eq!(v, Some(("z".into(), "c".into(), 3.0)));
    assert_eq!(
        r.cmd("BZMPOP")
            .arg(0)
            .arg(1)
            .arg("z")
            .arg("MIN")
            .arg("COUNT")
            .arg(5)
            .query::<Value>()
            .unwrap(),
        Value::Array(vec![
            bulk("z"),
            Value::Array(vec![Value::Array(vec![bulk("b"), Value::Double(2.0)])])
        ])
    );
    r.zadd("z", [("q", 5.0)]).unwrap();
    let v: Option<(String, Vec<(String, f64)>)> = r.bzmpop(0.0, "z", MinMax::Max, 1).unwrap();
    assert_eq!(v, Some(("z".into(), vec![("q".into(), 5.0)])));
}

#[test]
fn timeouts() {
    let r = Redis::new();
    for argv in [
        vec!["BLPOP", "k", "0.1"],
        vec!["BRPOP", "k", "k2", "0.1"],
        vec!["BLMOVE", "k", "d", "LEFT", "RIGHT", "0.1"],
        vec!["BRPOPLPUSH", "k", "d", "0.1"],
        vec!["BLMPOP", "0.1", "1", "k", "LEFT"],
        vec!["BZPOPMIN", "k", "0.1"],
        vec!["BZPOPMAX", "k", "0.1"],
        vec!["BZMPOP", "0.1", "2", "k", "k2", "MAX", "COUNT", "3"],
    ] {
        let t = Instant::now();
        let args: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        assert_eq!(r.execute(&args).unwrap(), Value::NilArray, "{argv:?}");
        let el = t.elapsed();
        assert!(
            el >= Duration::from_millis(100),
            "{argv:?} returned after {el:?}"
        );
        assert!(
            el < Duration::from_secs(3),
            "{argv:?} returned after {el:?}"
        );
    }
    assert_eq!(blocked_clients(&r), 0);
    let v: Option<(String, String)> = r.blpop("k", 0.05).unwrap();
    assert_eq!(v, None);
}

/// Issue 10 #13: any positive timeout times out, also those that round below 1 ms (Redis
/// rounds up to 1 ms); before, `BRPOP list 0.001` blocked forever.
#[test]
fn tiny_positive_timeouts_time_out() {
    let r = Redis::new();
    for t in ["0.001", "0.0009", "0.0000001", "1e-300"] {
        for argv in [
            vec!["BLPOP", "k", t],
            vec!["BRPOP", "k", "k2", t],
            vec!["BLMOVE", "k", "d", "LEFT", "RIGHT", t],
            vec!["BRPOPLPUSH", "k", "d", t],
            vec!["BLMPOP", t, "1", "k", "LEFT"],
            vec!["BZPOPMIN", "k", t],
            vec!["BZPOPMAX", "k", t],
            vec!["BZMPOP", t, "2", "k", "k2", "MAX", "COUNT", "3"],
        ] {
            let started = Instant::now();
            let args: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
            assert_eq!(r.execute(&args).unwrap(), Value::NilArray, "{argv:?}");
            // Liveness only: it returns (the bug was forever).
            let el = started.elapsed();
            assert!(
                el < Duration::from_secs(5),
                "{argv:?} returned after {el:?}"
            );
        }
    }
    assert_eq!(blocked_clients(&r), 0);
    // Typed API: a timeout of a microsecond.
    let v: Option<(String, String)> = r.brpop("k", 0.000_001).unwrap();
    assert_eq!(v, None);
}

#[test]
fn errors() {
    let r = Redis::new();
    let e = |argv: &[&str]| {
        let args: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        r.execute(&args).unwrap_err().message().to_string()
    };
    assert_eq!(
        e(&["BLPOP", "k", "abc"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        e(&["BLPOP", "k", " 1"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        e(&["BLPOP", "k", "nan"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(e(&["BLPOP", "k", "-1"]), "ERR timeout is negative");
    assert_eq!(e(&["BLPOP", "k", "inf"]), "ERR timeout is negative");
    assert_eq!(e(&["BLPOP", "k", "1e400"]), "ERR timeout is negative");
    assert_eq!(
        e(&["BLPOP", "k", "9223372036854775807"]),
        "ERR timeout is negative"
    );
    assert_eq!(e(&["BZPOPMIN", "k", "-0.5"]), "ERR timeout is negative");
    assert_eq!(
        e(&["BLPOP", "k"]),
        "ERR wrong number of arguments for 'blpop' command"
    );
    assert_eq!(
        e(&["BLMOVE", "a", "b", "up", "left", "abc"]),
        "ERR syntax error"
    );
    assert_eq!(
        e(&["BLMOVE", "a", "b", "left", "left", "abc"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        e(&["BLMPOP", "abc", "1", "k", "left"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        e(&["BLMPOP", "0.01", "0", "k", "left"]),
        "ERR numkeys should be greater than 0"
    );
    assert_eq!(e(&["BLMPOP", "0.01", "1", "k", "up"]), "ERR syntax error");
    assert_eq!(
        e(&["BZMPOP", "abc", "0", "k", "min"]),
        "ERR numkeys should be greater than 0"
    );
    assert_eq!(
        e(&["BZMPOP", "abc", "1", "k", "min"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(e(&["BLMPOP", "abc", "1", "k", "up"]), "ERR syntax error");
    assert_eq!(
        e(&["BZMPOP", "1", "0", "k", "min"]),
        "ERR numkeys should be greater than 0"
    );
    assert_eq!(
        e(&["BZMPOP", "1", "1", "k", "min", "COUNT", "0"]),
        "ERR count should be greater than 0"
    );
    let _: () = r.set("s", "x").unwrap();
    let wt = "WRONGTYPE Operation against a key holding the wrong kind of value";
    assert_eq!(e(&["BLPOP", "s", "0.01"]), wt);
    assert_eq!(e(&["BLMOVE", "s", "b", "left", "left", "0.01"]), wt);
    assert_eq!(e(&["BZPOPMIN", "s", "0.01"]), wt);
    assert_eq!(e(&["BLMPOP", "0.01", "1", "s", "left"]), wt);
    r.rpush("l", "1").unwrap();
    assert_eq!(e(&["BLMOVE", "l", "s", "left", "left", "0.01"]), wt);
    // A missing source with a wrong-type destination just times out, as in Redis.
    assert_eq!(
        r.cmd("BLMOVE")
            .arg("nope")
            .arg("s")
            .arg("LEFT")
            .arg("LEFT")
            .arg(0.01)
            .query::<Value>()
            .unwrap(),
        Value::NilArray
    );
    // -0.0001 truncates to 0 ms: "forever" in Redis too, so it is not an error.
    let r2 = r.clone();
    let h = thread::spawn(move || {
        r2.cmd("BLPOP")
            .arg("fresh")
            .arg("-0.0001")
            .query::<Value>()
            .unwrap()
    });
    wait_blocked(&r, 1);
    r.lpush("fresh", "v").unwrap();
    assert_eq!(
        h.join().unwrap(),
        Value::Array(vec![bulk("fresh"), bulk("v")])
    );
}

#[test]
fn woken_by_another_thread() {
    let r = Redis::new();
    let r2 = r.with_db(0);
    let h = thread::spawn(move || {
        let v: Option<(String, String)> = r2.blpop(["a", "b"], 0.0).unwrap();
        v
    });
    wait_blocked(&r, 1);
    r.rpush("b", ["x", "y"]).unwrap();
    assert_eq!(h.join().unwrap(), Some(("b".into(), "x".into())));
    let rest: Vec<String> = r.lrange("b", 0, -1).unwrap();
    assert_eq!(rest, vec!["y"]);
    assert_eq!(blocked_clients(&r), 0);

    // A clone sharing the session: the waiting thread holds no lock.
    let r3 = r.clone();
    let h = thread::spawn(move || {
        let v: Option<(String, String, f64)> = r3.bzpopmin("z", 5.0).unwrap();
        v
    });
    wait_blocked(&r, 1);
    r.zadd("z", [("m", 2.5)]).unwrap();
    assert_eq!(h.join().unwrap(), Some(("z".into(), "m".into(), 2.5)));
}

#[test]
fn fifo_among_three_waiters() {
    let r = Redis::new();
    let mut handles = Vec::new();
    for i in 0..3 {
        let c = r.with_db(0);
        handles.push(thread::spawn(move || {
            let v: Option<(String, String)> = c.brpop("q", 10.0).unwrap();
            (i, v.map(|x| x.1))
        }));
        wait_blocked(&r, i + 1);
    }
    // One push serves exactly the longest-waiting client.
    r.lpush("q", "first").unwrap();
    wait_blocked(&r, 2);
    r.lpush("q", ["second", "third"]).unwrap();
    wait_blocked(&r, 0);
    let got: Vec<(usize, Option<String>)> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        got,
        vec![
            (0, Some("first".into())),
            (1, Some("second".into())),
            (2, Some("third".into()))
        ]
    );
}

#[test]
fn multi_never_blocks() {
    let r = Redis::new();
    let has_multi = r.cmd("MULTI").query::<Value>().is_ok();
    if has_multi {
        let q: Value = r.cmd("BLPOP").arg("k").arg(0).query().unwrap();
        assert_eq!(q, Value::Simple("QUEUED".into()));
        let t = Instant::now();
        let v: Value = r.cmd("EXEC").query().unwrap();
        assert_eq!(v, Value::Array(vec![Value::NilArray]));
        assert!(t.elapsed() < Duration::from_secs(1));
    }
    // The engine-level flag, whichever front end sets it.
    let mut store = emu::engine::Store::default();
    let mut s = emu::engine::Session {
        in_multi: true,
        ..Default::default()
    };
    for argv in [
        &[&b"BLPOP"[..], b"k", b"0"][..],
        &[b"BZPOPMIN", b"k", b"0"],
        &[b"BLMOVE", b"k", b"d", b"LEFT", b"LEFT", b"0"],
        &[b"BLMPOP", b"0", b"1", b"k", b"LEFT"],
        &[b"BZMPOP", b"0", b"1", b"k", b"MIN"],
    ] {
        assert_eq!(
            emu::engine::execute(&mut store, &mut s, argv).unwrap(),
            Value::NilArray
        );
        assert!(s.block.is_none());
    }
}

#[test]
fn blmove_chain_and_zset_wakeups() {
    let r = Redis::new();
    // c1 waits on a and moves to b; c2 waits on b: one push to a reaches c2 via c1.
    let c1 = r.with_db(0);
    let h1 = thread::spawn(move || {
        let v: Option<String> = c1
            .blmove("a", "b", Direction::Left, Direction::Right, 5.0)
            .unwrap();
        v
    });
    wait_blocked(&r, 1);
    let c2 = r.with_db(0);
    let h2 = thread::spawn(move || {
        let v: Option<(String, String)> = c2.blpop("b", 5.0).unwrap();
        v
    });
    wait_blocked(&r, 2);
    r.rpush("a", "v").unwrap();
    assert_eq!(h1.join().unwrap().as_deref(), Some("v"));
    assert_eq!(h2.join().unwrap(), Some(("b".into(), "v".into())));
    let n: i64 = r.exists(["a", "b"]).unwrap();
    assert_eq!(n, 0);

    let c = r.with_db(0);
    let h = thread::spawn(move || {
        let v: Option<(String, Vec<(String, f64)>)> =
            c.bzmpop(5.0, ["z1", "z2"], MinMax::Max, 2).unwrap();
        v
    });
    wait_blocked(&r, 1);
    r.zadd("z2", [("a", 1.0), ("b", 2.0), ("c", 3.0)]).unwrap();
    assert_eq!(
        h.join().unwrap(),
        Some(("z2".into(), vec![("c".into(), 3.0), ("b".into(), 2.0)]))
    );
}

#[test]
fn other_type_keeps_waiting_and_other_dbs_do_not_wake() {
    let r = Redis::new();
    let c = r.with_db(0);
    let h = thread::spawn(move || {
        let v: Option<(String, String)> = c.blpop("k", 5.0).unwrap();
        v
    });
    wait_blocked(&r, 1);
    let _: () = r.set("k", "string").unwrap();
    r.with_db(1).rpush("k", "other-db").unwrap();
    thread::sleep(Duration::from_millis(50));
    assert_eq!(blocked_clients(&r), 1);
    r.delete("k").unwrap();
    r.rpush("k", "ok").unwrap();
    assert_eq!(h.join().unwrap(), Some(("k".into(), "ok".into())));
    let left: i64 = r.with_db(1).llen("k").unwrap();
    assert_eq!(left, 1);
}

#[test]
fn rename_move_swapdb_wake() {
    let r = Redis::new();
    let spawn = |db: usize| {
        let c = r.with_db(db);
        thread::spawn(move || {
            let v: Option<(String, String)> = c.blpop("dst", 5.0).unwrap();
            v
        })
    };
    let h = spawn(0);
    wait_blocked(&r, 1);
    r.rpush("src", "renamed").unwrap();
    let _: () = r.cmd("RENAME").arg("src").arg("dst").query().unwrap();
    assert_eq!(h.join().unwrap(), Some(("dst".into(), "renamed".into())));

    let h = spawn(0);
    wait_blocked(&r, 1);
    r.with_db(3).rpush("dst", "moved").unwrap();
    let _: () = r.with_db(3).cmd("MOVE").arg("dst").arg(0).query().unwrap();
    assert_eq!(h.join().unwrap(), Some(("dst".into(), "moved".into())));

    let h = spawn(0);
    wait_blocked(&r, 1);
    r.with_db(5).rpush("dst", "swapped").unwrap();
    let _: () = r.swapdb(0, 5).unwrap();
    assert_eq!(h.join().unwrap(), Some(("dst".into(), "swapped".into())));
}

#[test]
fn message_queue_with_consumer_thread() {
    // The seed's message queue: a producer LPUSHes, a consumer BRPOPs with a timeout and
    // stops when the queue stays empty.
    let r = Redis::new();
    let consumer = {
        let r = r.with_db(0);
        thread::spawn(move || {
            let mut got = Vec::new();
            loop {
                let m: Option<(String, String)> = r.brpop("queue:tasks", 1.0).unwrap();
                match m {
                    Some((_, task)) => got.push(task),
                    None => break,
                }
            }
            got
        })
    };
    for i in 0..200 {
        r.lpush("queue:tasks", format!("task-{i}")).unwrap();
        if i % 50 == 0 {
            thread::sleep(Duration::from_millis(5));
        }
    }
    let got = consumer.join().unwrap();
    let want: Vec<String> = (0..200).map(|i| format!("task-{i}")).collect();
    assert_eq!(got, want);
}

#[test]
fn persistence_logs_the_served_pop() {
    let dir = tempfile::tempdir().unwrap();
    {
        let r = Redis::open(dir.path()).unwrap();
        r.rpush("keep", "x").unwrap();
        let c = r.with_db(0);
        let h = thread::spawn(move || {
            let v: Option<String> = c
                .blmove("src", "dst", Direction::Left, Direction::Left, 5.0)
                .unwrap();
            v
        });
        wait_blocked(&r, 1);
        r.rpush("src", ["1", "2"]).unwrap();
        assert_eq!(h.join().unwrap().as_deref(), Some("1"));
        let c = r.with_db(0);
        let h = thread::spawn(move || {
            let v: Option<(String, String)> = c.blpop("q", 5.0).unwrap();
            v
        });
        wait_blocked(&r, 1);
        r.rpush("q", ["a", "b"]).unwrap();
        assert_eq!(h.join().unwrap(), Some(("q".into(), "a".into())));
        r.zadd("z", [("m", 1.0), ("n", 2.0)]).unwrap();
        let v: Option<(String, String, f64)> = r.bzpopmin("z", 0.0).unwrap();
        assert_eq!(v, Some(("z".into(), "m".into(), 1.0)));
    }
    let r = Redis::open(dir.path()).unwrap();
    let src: Vec<String> = r.lrange("src", 0, -1).unwrap();
    let dst: Vec<String> = r.lrange("dst", 0, -1).unwrap();
    let q: Vec<String> = r.lrange("q", 0, -1).unwrap();
    let z: Vec<String> = r.zrange("z", 0, -1).unwrap();
    assert_eq!(
        (src, dst, q, z),
        (
            vec!["2".into()],
            vec!["1".into()],
            vec!["b".into()],
            vec!["n".into()]
        )
    );
}

#[test]
fn effects_are_the_non_blocking_forms() {
    let r = Redis::new();
    r.with_store(|s| s.set_record_effects(true)).unwrap();
    r.rpush("l", ["a", "b"]).unwrap();
    r.zadd("z", [("m", 1.0), ("n", 2.0), ("o", 3.0)]).unwrap();
    let _: Value = r.blpop("l", 0.0).unwrap();
    let _: Value = r
        .blmove("l", "d", Direction::Right, Direction::Left, 0.0)
        .unwrap();
    let _: Value = r.brpoplpush("d", "e", 0.0).unwrap();
    let _: Value = r.bzpopmax("z", 0.0).unwrap();
    let _: Value = r.bzmpop(0.0, "z", MinMax::Min, 5).unwrap();
    let _: Value = r.blpop("none", 0.01).unwrap();
    // Woken: logged by the pusher's batch, after the push.
    let c = r.with_db(0);
    let h = thread::spawn(move || {
        let v: Value = c.blmpop(5.0, ["x", "w"], Direction::Left, 3).unwrap();
        v
    });
    wait_blocked(&r, 1);
    r.rpush("w", ["1", "2"]).unwrap();
    h.join().unwrap();
    let effects: Vec<Vec<String>> = r
        .with_store(|s| {
            s.effects()
                .iter()
                .map(|e| {
                    e.argv
                        .iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect()
                })
                .collect()
        })
        .unwrap();
    let want: Vec<Vec<&str>> = vec![
        vec!["RPUSH", "l", "a", "b"],
        vec!["ZADD", "z", "1", "m", "2", "n", "3", "o"],
        vec!["LPOP", "l"],
        vec!["LMOVE", "l", "d", "RIGHT", "LEFT"],
        vec!["RPOPLPUSH", "d", "e"],
        vec!["ZPOPMAX", "z"],
        // BZMPOP ... COUNT 5 popped the 2 left: the number popped goes out (Redis 7.0).
        vec!["ZPOPMIN", "z", "2"],
        vec!["RPUSH", "w", "1", "2"],
        vec!["LPOP", "w", "2"],
    ];
    assert_eq!(effects, want);
}

#[test]
fn producers_and_consumers_deliver_each_element_once() {
    let r = Redis::new();
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let c = r.with_db(0);
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some((_, v)) = c
                    .blpop::<_, Option<(String, String)>>(["q1", "q2"], 0.5)
                    .unwrap()
                {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let c = r.with_db(0);
            thread::spawn(move || {
                for i in 0..300 {
                    let key = if i % 2 == 0 { "q1" } else { "q2" };
                    c.rpush(key, format!("{p}-{i}")).unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all: Vec<String> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort();
    let mut want: Vec<String> = (0..2)
        .flat_map(|p| (0..300).map(move |i| format!("{p}-{i}")))
        .collect();
    want.sort();
    assert_eq!(all, want);
    assert_eq!(blocked_clients(&r), 0);
    let n: i64 = r.exists(["q1", "q2"]).unwrap();
    assert_eq!(n, 0);
}

#[test]
fn dropped_async_style_waiter_is_not_served() {
    // A waiter whose owner is gone (a dropped future) never takes an element.
    let r = Redis::new();
    let w = r
        .with_store(|s| {
            let mut sess = emu::engine::Session::default();
            let _ = emu::engine::execute(s, &mut sess, &[b"BLPOP", b"k", b"0"]);
            let req = sess.block.take().expect("blocks");
            s.blocking.register(req, &[b"BLPOP", b"k", b"0"], &sess)
        })
        .unwrap();
    assert_eq!(blocked_clients(&r), 1);
    drop(w);
    assert_eq!(blocked_clients(&r), 0);
    r.rpush("k", "kept").unwrap();
    let n: i64 = r.llen("k").unwrap();
    assert_eq!(n, 1);
}

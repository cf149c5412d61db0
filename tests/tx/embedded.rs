//! Transactions in the embedded API: transactional pipelines, watch / multi / execute,
//! WatchError, the `transaction()` retry helper, and watchers racing writers on threads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use emu::{ErrorKind, Redis, Value};

#[test]
fn pipeline_is_a_transaction_by_default() {
    let r = Redis::new();
    let mut p = r.pipeline();
    assert!(p.is_transaction());
    p.set("a", 1).incr("a").get("a");
    assert_eq!(
        p.execute().unwrap(),
        vec![Value::ok(), Value::Int(2), Value::bulk("2")]
    );
    // Queue-time errors abort everything and are returned.
    p.set("a", 10).cmd("GET");
    p.set("b", 1);
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Arity);
    assert_eq!(
        e.message(),
        "ERR wrong number of arguments for 'get' command"
    );
    assert_eq!(r.get::<_, i64>("a").unwrap(), 2);
    assert_eq!(r.exists("b").unwrap(), 0);
    // Run-time errors stay in their slot; the rest applies.
    r.rpush("list", "x").unwrap();
    p.incr("a").incr("list").incr("a");
    let out = p.execute().unwrap();
    assert_eq!(out[0], Value::Int(3));
    assert_eq!(
        out[1],
        Value::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into())
    );
    assert_eq!(out[2], Value::Int(4));
    // query raises the first one.
    p.incr("a").incr("list");
    assert_eq!(
        p.query::<Vec<Value>>().unwrap_err().kind(),
        ErrorKind::WrongType
    );
    assert_eq!(r.get::<_, i64>("a").unwrap(), 5);
    // An empty transaction sends nothing.
    assert_eq!(p.execute().unwrap(), Vec::<Value>::new());
}

#[test]
fn plain_batches_stay_available() {
    let r = Redis::new();
    for mut p in [r.pipeline_batch(), r.pipeline().transaction(false)] {
        assert!(!p.is_transaction());
        p.set("k", 1).cmd("NOSUCH");
        p.incr("k");
        let out = p.execute().unwrap();
        assert_eq!(out[0], Value::ok());
        assert_eq!(
            out[1],
            Value::Error("ERR unknown command 'NOSUCH', with args beginning with: ".into())
        );
        assert_eq!(out[2], Value::Int(2));
    }
    // multi() turns a batch into a transaction.
    let mut p = r.pipeline_batch();
    p.multi().set("k", 1).cmd("NOSUCH");
    assert_eq!(p.execute().unwrap_err().kind(), ErrorKind::UnknownCommand);
    assert_eq!(r.get::<_, i64>("k").unwrap(), 2);
}

#[test]
fn watch_error_when_a_watched_key_changes() {
    let r = Redis::new();
    let other = r.with_db(0);
    let _: () = r.set("k", "v").unwrap();
    let mut p = r.pipeline();
    p.watch("k").unwrap();
    assert!(p.is_watching());
    // Same value: still a modification.
    let _: () = other.set("k", "v").unwrap();
    p.multi().set("k", "mine");
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Watch);
    assert_eq!(e.message(), "Watched variable changed.");
    assert_eq!(r.get::<_, String>("k").unwrap(), "v");
    assert!(!p.is_watching());
    // Reused: no watch any more.
    p.set("k", "mine");
    assert_eq!(p.execute().unwrap(), vec![Value::ok()]);
    // Unwatched: no error.
    p.watch(["k", "j"]).unwrap();
    let _: () = other.set("k", "x").unwrap();
    p.unwatch().unwrap();
    p.set("k", "y");
    assert_eq!(p.execute().unwrap(), vec![Value::ok()]);
    // WATCH after multi() is refused, as in redis-py.
    p.multi();
    assert_eq!(
        p.watch("k").unwrap_err().message(),
        "Cannot issue a WATCH after a MULTI"
    );
    p.reset();
}

#[test]
fn watch_error_on_expiry_and_flush() {
    let r = Redis::builder().manual_clock(1_000_000).build();
    let _: () = r
        .cmd("SET")
        .arg("k")
        .arg("v")
        .arg("PX")
        .arg(100)
        .query()
        .unwrap();
    let mut p = r.pipeline();
    p.watch("k").unwrap();
    r.advance_time(Duration::from_millis(101)).unwrap();
    p.get("k");
    assert_eq!(p.execute().unwrap_err().kind(), ErrorKind::Watch);

    let _: () = r.set("k", "v").unwrap();
    p.watch("k").unwrap();
    let _: () = r.with_db(5).cmd("FLUSHALL").query().unwrap();
    p.get("k");
    assert_eq!(p.execute().unwrap_err().kind(), ErrorKind::Watch);

    // FLUSHDB of a db without the (missing) watched key changes nothing.
    p.watch("missing").unwrap();
    let _: () = r.set("z", 1).unwrap();
    let _: () = r.cmd("FLUSHDB").query().unwrap();
    p.get("missing");
    assert_eq!(p.execute().unwrap(), vec![Value::Nil]);
}

#[test]
fn immediate_reads_through_conn_and_the_handles_db() {
    let r = Redis::new();
    let db2 = r.with_db(2);
    let _: () = db2.set("k", 41).unwrap();
    let mut p = db2.pipeline();
    p.watch("k").unwrap();
    let v: i64 = p.conn().get("k").unwrap();
    p.multi().set("k", v + 1).get("k");
    assert_eq!(p.execute().unwrap(), vec![Value::ok(), Value::bulk("42")]);
    assert_eq!(r.exists("k").unwrap(), 0);
    // The pinned connection is a different client from the handle.
    let mut p = r.pipeline();
    p.watch("x").unwrap();
    let a: i64 = p.conn().cmd("CLIENT").arg("ID").query().unwrap();
    let b: i64 = r.cmd("CLIENT").arg("ID").query().unwrap();
    assert_ne!(a, b);
}

#[test]
fn transaction_helper_retries_on_watch_error() {
    let r = Redis::new();
    let intruder = r.with_db(0);
    let _: () = r.set("counter", 10).unwrap();
    let mut calls = 0;
    let out = r
        .transaction(&["counter"], |pipe| {
            calls += 1;
            let v: i64 = pipe.conn().get("counter")?;
            if calls == 1 {
                // Another client writes between our read and EXEC.
                let _: () = intruder.set("counter", 100)?;
            }
            pipe.multi();
            pipe.set("counter", v + 1).get("counter");
            Ok(())
        })
        .unwrap();
    assert_eq!(calls, 2);
    assert_eq!(out, vec![Value::ok(), Value::bulk("101")]);
    // An error from the closure stops the loop.
    let e = r
        .transaction(&["counter"], |pipe| {
            let _: i64 = pipe.conn().lpop("counter")?;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongType);
    // No keys: nothing watched, the transaction just runs.
    let none: [&str; 0] = [];
    let out = r
        .transaction(&none, |pipe| {
            pipe.incr("n");
            Ok(())
        })
        .unwrap();
    assert_eq!(out, vec![Value::Int(1)]);
    // Nothing leaks: the pinned sessions are gone once any command runs.
    let _: () = r.set("x", 1).unwrap();
    assert!(r
        .with_store(|s| s.watches().watched_keys() == 0 && s.watches().clients() == 0)
        .unwrap());
}

#[test]
fn dropping_a_watching_pipeline_releases_its_watches() {
    let r = Redis::new();
    {
        let mut p = r.pipeline();
        p.watch(["a", "b"]).unwrap();
        assert_eq!(r.with_store(|s| s.watches().watched_keys()).unwrap(), 2);
        let q = r.with_db(0);
        let _: () = q.cmd("WATCH").arg("c").query().unwrap();
        drop(q);
    }
    let _: Value = r.cmd("PING").query().unwrap();
    assert!(r
        .with_store(|s| s.watches().watched_keys() == 0 && s.watches().clients() == 0)
        .unwrap());
}

#[test]
fn raw_multi_exec_on_a_handle_speaks_resp3() {
    let r = Redis::new();
    assert_eq!(r.cmd("MULTI").query::<Value>().unwrap(), Value::ok());
    assert_eq!(
        r.cmd("HSET")
            .arg("h")
            .arg("f")
            .arg("v")
            .query::<Value>()
            .unwrap(),
        Value::Simple("QUEUED".into())
    );
    r.cmd("HGETALL").arg("h").query::<Value>().unwrap();
    let out: Value = r.cmd("EXEC").query().unwrap();
    assert_eq!(
        out,
        Value::Array(vec![
            Value::Int(1),
            Value::Map(vec![(Value::bulk("f"), Value::bulk("v"))])
        ])
    );
    // WATCH + change → null EXEC reply.
    let _: () = r.cmd("WATCH").arg("h").query().unwrap();
    r.with_db(0).hset("h", "f", "w").unwrap();
    let _: () = r.cmd("MULTI").query().unwrap();
    assert_eq!(r.cmd("EXEC").query::<Value>().unwrap(), Value::NilArray);
}

/// N threads increment one counter with WATCH/GET/MULTI/SET/EXEC (a read-modify-write that
/// loses updates without WATCH); every increment must land exactly once.
#[test]
fn threads_racing_on_a_watched_counter_lose_nothing() {
    const THREADS: u64 = 8;
    const EACH: u64 = 150;
    let r = Redis::new();
    let _: () = r.set("counter", 0).unwrap();
    let retries = Arc::new(AtomicU64::new(0));
    let start = Arc::new(Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let r = r.clone();
            let retries = retries.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..EACH {
                    let mut attempt = 0;
                    r.transaction(&["counter"], |pipe| {
                        attempt += 1;
                        let v: i64 = pipe.conn().get("counter")?;
                        // Give the others a chance to write in between.
                        std::thread::yield_now();
                        pipe.multi();
                        pipe.set("counter", v + 1);
                        Ok(())
                    })
                    .unwrap();
                    retries.fetch_add(attempt - 1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(r.get::<_, u64>("counter").unwrap(), THREADS * EACH);
    eprintln!("retries: {}", retries.load(Ordering::Relaxed));
    assert!(r.with_store(|s| s.watches().clients() == 0).unwrap());
}

/// Two threads alternate in lock step so that every transaction of one is invalidated by
/// the other's write: the retry path runs deterministically, across threads.
#[test]
fn cross_thread_invalidation_is_seen_by_exec() {
    let r = Redis::new();
    let _: () = r.set("k", 0).unwrap();
    let read_done = Arc::new(Barrier::new(2));
    let wrote = Arc::new(Barrier::new(2));
    let writer = {
        let r = r.with_db(0);
        let (read_done, wrote) = (read_done.clone(), wrote.clone());
        std::thread::spawn(move || {
            for i in 0..20 {
                read_done.wait();
                let _: () = r.set("k", 1000 + i).unwrap();
                wrote.wait();
            }
        })
    };
    for _ in 0..20 {
        let mut p = r.pipeline();
        p.watch("k").unwrap();
        let v: i64 = p.conn().get("k").unwrap();
        read_done.wait();
        wrote.wait();
        p.multi().set("k", v + 1);
        assert_eq!(p.execute().unwrap_err().kind(), ErrorKind::Watch);
    }
    writer.join().unwrap();
    assert_eq!(r.get::<_, i64>("k").unwrap(), 1019);
}

#[test]
fn transactions_are_logged_and_recovered() {
    let dir = tempfile::tempdir().unwrap();
    {
        let r = Redis::open(dir.path()).unwrap();
        let mut p = r.pipeline();
        p.set("a", 1).incr("a").rpush("l", ["x", "y"]);
        p.execute().unwrap();
        // Aborted and invalidated transactions leave nothing.
        p.set("b", 1).cmd("NOSUCH");
        p.execute().unwrap_err();
        p.watch("a").unwrap();
        let _: () = r.set("a", 5).unwrap();
        p.set("c", 1);
        p.execute().unwrap_err();
    }
    let r = Redis::open(dir.path()).unwrap();
    assert_eq!(r.get::<_, i64>("a").unwrap(), 5);
    assert_eq!(r.lrange::<_, Vec<String>>("l", 0, -1).unwrap(), ["x", "y"]);
    assert_eq!(r.exists(["b", "c"]).unwrap(), 0);
}

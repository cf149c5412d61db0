//! `AsyncRedis` (the async surface) on the three backends: the typed methods generated with
//! the sync ones, `cmd`, pipelines and transactions, EVAL / EVALSHA / `Script::call_async`,
//! blocking commands as futures, Pub/Sub, concurrent tasks — checked against the sync
//! handle on the same store or server.

use std::collections::HashMap;
use std::time::Duration;

use emu::{AsyncRedis, ErrorKind, LockOptions, Value};
use std::time::Instant;

/// Runs `f` on a fresh current-thread tokio runtime: one executor thread, so a call that
/// blocked its thread would stall every other task of the test. Remote calls run on this
/// runtime's own connections (it has its I/O and time drivers).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Polls `f` to completion on the calling thread with no runtime at all (a minimal
/// executor: park until woken): remote calls then go through emu's I/O thread.
fn block_on_no_runtime<F: std::future::Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

backends!(async_typed_methods);
fn async_typed_methods(r: emu::Redis) {
    let a: AsyncRedis = r.to_async();
    block_on(async {
        a.set("s", "v").await.unwrap();
        let v: Option<String> = a.get("s").await.unwrap();
        assert_eq!(v.as_deref(), Some("v"));
        assert_eq!(a.get::<_, Option<String>>("none").await.unwrap(), None);
        assert_eq!(a.incr("n").await.unwrap(), 1);
        assert_eq!(a.incrby("n", 4).await.unwrap(), 5);
        assert!(a.expire("n", 100).await.unwrap());
        assert_eq!(a.ttl("n").await.unwrap(), 100);
        assert_eq!(a.hset("h", "f", "1").await.unwrap(), 1);
        let h: HashMap<String, String> = a.hgetall("h").await.unwrap();
        assert_eq!(h["f"], "1");
        assert_eq!(a.rpush("l", ["a", "b", "c"]).await.unwrap(), 3);
        let l: Vec<String> = a.lrange("l", 0, -1).await.unwrap();
        assert_eq!(l, ["a", "b", "c"]);
        let p: Option<String> = a.lpop("l").await.unwrap();
        assert_eq!(p.as_deref(), Some("a"));
        assert_eq!(a.sadd("set", ["x", "y", "x"]).await.unwrap(), 2);
        let mut m: Vec<String> = a.smembers("set").await.unwrap();
        m.sort();
        assert_eq!(m, ["x", "y"]);
        assert_eq!(a.zadd("z", [("m1", 1.5), ("m2", 0.5)]).await.unwrap(), 2);
        let z: Vec<(String, f64)> = a.zrange_withscores("z", 0, -1).await.unwrap();
        assert_eq!(z, [("m2".to_string(), 0.5), ("m1".to_string(), 1.5)]);
        assert_eq!(a.delete("s").await.unwrap(), 1);
        // Errors: the same kinds and texts as the sync handle.
        let e = a.incr("l").await.unwrap_err();
        let sync_e = r.incr("l").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType);
        assert_eq!(e.message(), sync_e.message());
        // The escape hatch and the raw form.
        let raw: Value = a.cmd("HGET").arg("h").arg("f").query().await.unwrap();
        assert_eq!(raw, Value::bulk("1"));
        let e = a.cmd("GET").query::<Value>().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Arity);
        assert_eq!(
            a.execute(&[&b"EXISTS"[..], b"h"]).await.unwrap(),
            Value::Int(1)
        );
        // Same data as the sync handle sees.
        assert_eq!(r.get::<_, i64>("n").unwrap(), 5);
        // Futures own their arguments: they can be spawned and outlive the borrowed key.
        let key = String::from("spawned");
        let fut = a.set(&key, 7);
        drop(key);
        tokio::spawn(fut).await.unwrap().unwrap();
        assert_eq!(a.get::<_, i64>("spawned").await.unwrap(), 7);
    });
}

backends!(async_pipelines_and_transactions);
fn async_pipelines_and_transactions(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        let mut p = a.pipeline();
        p.set("{p}a", 1).incr("{p}a").get("{p}a");
        let out = a.run_pipeline(p).await.unwrap();
        assert_eq!(out, vec![Value::ok(), Value::Int(2), Value::bulk("2")]);
        let mut p = a.pipeline_batch();
        p.set("x", 1).incr("{p}a").rpush("x", "v");
        let out = a.run_pipeline(p).await.unwrap();
        assert_eq!(out[..2], [Value::ok(), Value::Int(3)]);
        assert!(matches!(&out[2], Value::Error(e) if e.starts_with("WRONGTYPE")));
        // A transaction rejected while queueing: nothing ran.
        let mut p = a.pipeline();
        p.set("{p}b", 1).cmd("GET");
        let e = a.run_pipeline(p).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Arity);
        assert_eq!(a.exists("{p}b").await.unwrap(), 0);
        // WATCH transactions through `blocking` (WATCH runs at once).
        let other = r.clone();
        let replies = a
            .blocking(move |r| {
                let mut tries = 0;
                r.transaction(&["{p}a"], |pipe| {
                    tries += 1;
                    let n: i64 = pipe.conn().get("{p}a")?;
                    if tries == 1 {
                        other.set("{p}a", 10)?;
                    }
                    pipe.multi();
                    pipe.set("{p}a", n + 1);
                    Ok(())
                })
            })
            .await
            .unwrap();
        assert_eq!(replies, vec![Value::ok()]);
        assert_eq!(a.get::<_, i64>("{p}a").await.unwrap(), 11);
    });
}

backends!(async_scripts);
fn async_scripts(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        let v: i64 = a
            .eval("return redis.call('incrby', KEYS[1], ARGV[1])", "k", 5)
            .await
            .unwrap();
        assert_eq!(v, 5);
        let sha = a.script_load("return ARGV[1]").await.unwrap();
        let v: String = a.evalsha(&sha, (), "hi").await.unwrap();
        assert_eq!(v, "hi");
        let s = r.register_script("return redis.call('get', KEYS[1])");
        a.cmd("SCRIPT").arg("FLUSH").query::<()>().await.unwrap();
        // NOSCRIPT → SCRIPT LOAD → EVALSHA.
        let v: String = s.call_async(&a, "k", ()).await.unwrap();
        assert_eq!(v, "5");
        let e = a
            .evalsha::<Value>("0".repeat(40), (), ())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "NOSCRIPT");
    });
}

backends!(async_blocking_commands_do_not_block_the_executor);
fn async_blocking_commands_do_not_block_the_executor(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        // BLPOP waits as a future; on this single-threaded executor the push below runs
        // only if the waiting BLPOP leaves the thread free.
        let waiting = tokio::spawn(a.blpop::<_, Option<(String, String)>>("q", 20.0));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(a.rpush("q", "job").await.unwrap(), 1);
        let got = waiting.await.unwrap().unwrap();
        assert_eq!(got, Some(("q".to_string(), "job".to_string())));
        // A timeout still answers nil.
        let none: Option<(String, String)> = a.blpop("q", 0.05).await.unwrap();
        assert_eq!(none, None);
    });
}

backends!(async_concurrent_tasks);
fn async_concurrent_tasks(r: emu::Redis) {
    let a = r.to_async();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..50).map(|_| tokio::spawn(a.incr("c"))).collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(a.get::<_, i64>("c").await.unwrap(), 50);
    });
}

backends!(async_pubsub);
fn async_pubsub(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        let sub = a.pubsub();
        sub.subscribe("news").await.unwrap();
        let confirm = sub
            .get_message(Some(Duration::from_secs(10)))
            .await
            .unwrap()
            .expect("subscribe confirmation");
        assert_eq!(confirm.channel, b"news");
        // A subscriber on a remote server may need a moment to be registered everywhere.
        let mut delivered = 0;
        for _ in 0..100 {
            delivered = a.publish("news", "hello").await.unwrap();
            if delivered > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(delivered >= 1);
        let m = sub
            .get_message(Some(Duration::from_secs(10)))
            .await
            .unwrap()
            .expect("message");
        assert_eq!(
            (m.channel.as_slice(), m.data.clone()),
            (&b"news"[..], Value::bulk("hello"))
        );
        sub.unsubscribe("news").await.unwrap();
    });
}

backends!(async_blocking_command_leaves_the_shared_connection_free_and_dropping_it_cancels);
fn async_blocking_command_leaves_the_shared_connection_free_and_dropping_it_cancels(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        // While a BLPOP waits, other commands of the same handle are answered (remote: the
        // BLPOP has a connection of its own, not the shared multiplexed one).
        let waiting = tokio::spawn(a.blpop::<_, Option<(String, String)>>("bq", 20.0));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let answered = tokio::time::timeout(Duration::from_secs(10), a.set("other", 1)).await;
        assert!(answered.is_ok(), "SET waited behind the BLPOP");
        // Dropping a waiting BLPOP cancels it: the element pushed afterwards stays (with a
        // helper thread per call the abandoned BLPOP popped it and the reply was lost).
        waiting.abort();
        let _ = waiting.await;
        let gone = a.blpop::<_, Option<(String, String)>>("bq2", 20.0);
        let _ = tokio::time::timeout(Duration::from_millis(200), gone).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(a.rpush("bq2", "kept").await.unwrap(), 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            a.llen("bq2").await.unwrap(),
            1,
            "a dropped BLPOP took the element"
        );
        assert_eq!(a.rpush("bq", "kept").await.unwrap(), 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            a.llen("bq").await.unwrap(),
            1,
            "an aborted BLPOP took the element"
        );
    });
}

backends!(async_watch_conflict_is_a_watch_error);
fn async_watch_conflict_is_a_watch_error(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        a.set("w", 1).await.unwrap();
        let mut tries = 0;
        let replies = loop {
            tries += 1;
            let tx = a.watch("w").await.unwrap();
            let n: i64 = tx.get("w").await.unwrap();
            if tries == 1 {
                // Another client writes the watched key between WATCH and EXEC.
                r.set("w", 10).unwrap();
            }
            let mut pipe = tx.pipeline();
            pipe.set("w", n + 1);
            match tx.run_pipeline(pipe).await {
                Err(e) if e.kind() == ErrorKind::Watch => continue,
                other => break other.unwrap(),
            }
        };
        assert_eq!(tries, 2);
        assert_eq!(replies, vec![Value::ok()]);
        assert_eq!(a.get::<_, i64>("w").await.unwrap(), 11);
        // Unchanged: the transaction runs at once.
        let tx = a.watch("w").await.unwrap();
        let mut pipe = tx.pipeline();
        pipe.incr("w");
        assert_eq!(tx.run_pipeline(pipe).await.unwrap(), vec![Value::Int(12)]);
    });
}

backends!(async_scan_streams);
fn async_scan_streams(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        // Enough keys that a cluster spreads them over every master.
        let mut want: Vec<String> = (0..60).map(|i| format!("scan:{i}")).collect();
        for k in &want {
            a.set(k, 1).await.unwrap();
        }
        a.set("other", 1).await.unwrap();
        let mut got: Vec<String> = a
            .scan_stream(emu::ScanOptions::default().pattern("scan:*").count(7))
            .collect_all()
            .await
            .unwrap();
        got.sort();
        got.dedup();
        want.sort();
        assert_eq!(got, want);
        // The same, polled as a futures Stream, next() by next().
        let mut s = a.scan_stream::<String>(emu::ScanOptions::default().pattern("scan:1*"));
        let mut n = 0;
        while let Some(k) = s.next().await {
            assert!(k.unwrap().starts_with("scan:1"));
            n += 1;
        }
        assert!(n >= 11);
        for i in 0..40 {
            a.hset("sh", format!("f{i}"), i).await.unwrap();
            a.sadd("ss", format!("m{i}")).await.unwrap();
        }
        let h: Vec<(String, i64)> = a
            .hscan_stream("sh", emu::ScanOptions::default())
            .collect_all()
            .await
            .unwrap();
        assert_eq!(h.len(), 40);
        let m: Vec<String> = a
            .sscan_stream("ss", emu::ScanOptions::default())
            .collect_all()
            .await
            .unwrap();
        assert_eq!(m.len(), 40);
        // An error is yielded once, then the end.
        let mut s = a.hscan_stream::<_, String, String>("ss", emu::ScanOptions::default());
        assert_eq!(
            s.next().await.unwrap().unwrap_err().kind(),
            ErrorKind::WrongType
        );
        assert!(s.next().await.is_none());
    });
}

backends!(async_calls_without_a_tokio_runtime_or_on_one_without_drivers);
fn async_calls_without_a_tokio_runtime_or_on_one_without_drivers(r: emu::Redis) {
    let a = r.to_async();
    // No runtime: remote calls are tasks on emu's I/O thread.
    block_on_no_runtime(async {
        a.set("nr", 1).await.unwrap();
        assert_eq!(a.incr("nr").await.unwrap(), 2);
        let mut p = a.pipeline_batch();
        p.incr("nr").get("nr");
        let out = a.run_pipeline(p).await.unwrap();
        assert_eq!(out, vec![Value::Int(3), Value::bulk("3")]);
        let none: Option<(String, String)> = a.blpop("nrq", 0.05).await.unwrap();
        assert_eq!(none, None);
    });
    // A runtime without its I/O and time drivers: the same fallback, no panic reaching us.
    let bare = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    bare.block_on(async {
        assert_eq!(a.incr("nr").await.unwrap(), 4);
        let tx = a.watch("nr").await.unwrap();
        let mut pipe = tx.pipeline();
        pipe.incr("nr");
        assert_eq!(tx.run_pipeline(pipe).await.unwrap(), vec![Value::Int(5)]);
    });
    // Runtimes come and go (as `#[tokio::test]`s do): each uses its own connections, and a
    // runtime shut down with connections open leaves nothing broken behind.
    for i in 0..3 {
        block_on(async {
            assert_eq!(a.incr("nr").await.unwrap(), 6 + i);
        });
    }
    // A handle with a connection of its own, used from one runtime and then another.
    let pinned = a.with_db(0);
    block_on(async { pinned.set("pin", 1).await.unwrap() });
    block_on(async { assert_eq!(pinned.incr("pin").await.unwrap(), 2) });
}

backends!(async_lock);
fn async_lock(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        let opts = LockOptions::default().timeout(Duration::from_secs(10));
        let mut held = a.lock("alock", opts.clone());
        assert!(held.acquire().await.unwrap());
        assert!(held.owned().await.unwrap() && held.locked().await.unwrap());
        assert_eq!(held.token().map(<[u8]>::len), Some(32));
        // The key holds the token, as the sync Lock's does.
        let stored: Vec<u8> = a.get("alock").await.unwrap();
        assert_eq!(Some(stored.as_slice()), held.token());
        // Another holder: a non-blocking attempt fails at once, a blocking one gives up
        // after its blocking_timeout.
        let mut other = a.lock("alock", opts.clone().blocking(false));
        assert!(!other.acquire().await.unwrap());
        assert!(!other.owned().await.unwrap() && other.locked().await.unwrap());
        let t = Instant::now();
        let got = other
            .acquire_with(true, Some(Duration::from_millis(250)), None)
            .await
            .unwrap();
        assert!(!got && t.elapsed() >= Duration::from_millis(150));
        // The same errors as the sync Lock, word for word.
        let mut sync_other = r.lock("alock", opts.clone());
        for (e, sync_e) in [
            (
                other.release().await.unwrap_err(),
                sync_other.release().unwrap_err(),
            ),
            (
                other
                    .extend(Duration::from_secs(1), false)
                    .await
                    .unwrap_err(),
                sync_other
                    .extend(Duration::from_secs(1), false)
                    .unwrap_err(),
            ),
            (
                other.reacquire().await.unwrap_err(),
                sync_other.reacquire().unwrap_err(),
            ),
        ] {
            assert_eq!((e.kind(), e.message()), (sync_e.kind(), sync_e.message()));
            assert_eq!(e.kind(), ErrorKind::Lock);
        }
        // extend adds to the TTL, or replaces it; reacquire resets it to the timeout.
        assert!(held.extend(Duration::from_secs(5), false).await.unwrap());
        let pttl = a.pttl("alock").await.unwrap();
        assert!((10_001..=15_000).contains(&pttl), "pttl {pttl}");
        assert!(held.extend(Duration::from_secs(3), true).await.unwrap());
        assert!(a.pttl("alock").await.unwrap() <= 3_000);
        assert!(held.reacquire().await.unwrap());
        assert!(a.pttl("alock").await.unwrap() > 3_000);
        // Taken over by another client: every step fails with LockNotOwned and leaves the
        // other client's key alone.
        a.set("alock", "someone-else").await.unwrap();
        let e = held
            .extend(Duration::from_secs(1), false)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (
                ErrorKind::LockNotOwned,
                "Cannot extend a lock that's no longer owned"
            )
        );
        let e = held.reacquire().await.unwrap_err();
        assert_eq!(
            e.message(),
            "Cannot reacquire a lock that's no longer owned"
        );
        let e = held.release().await.unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (
                ErrorKind::LockNotOwned,
                "Cannot release a lock that's no longer owned"
            )
        );
        assert_eq!(a.get::<_, String>("alock").await.unwrap(), "someone-else");
        assert_eq!(
            held.release().await.unwrap_err().message(),
            "Cannot release an unlocked lock"
        );
        // No timeout: nothing to extend.
        a.delete("alock").await.unwrap();
        let mut forever = a.lock("alock", LockOptions::default());
        assert!(forever.acquire().await.unwrap());
        assert_eq!(a.ttl("alock").await.unwrap(), -1);
        let e = forever
            .extend(Duration::from_secs(1), false)
            .await
            .unwrap_err();
        assert_eq!(e.message(), "Cannot extend a lock with no timeout");
        // A blocking acquire waits without holding the (only) executor thread: the holder
        // releases from another task of this runtime, and the waiter gets the lock.
        let a2 = a.clone();
        let waiter = tokio::spawn(async move {
            let mut w = a2.lock(
                "alock",
                LockOptions::default()
                    .sleep(Duration::from_millis(20))
                    .blocking_timeout(Duration::from_secs(10)),
            );
            let ok = w.acquire().await.unwrap();
            (ok, w.owned().await.unwrap())
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        forever.release().await.unwrap();
        assert_eq!(waiter.await.unwrap(), (true, true));
        // `with`: holds the lock around a future, then releases it.
        a.delete("alock").await.unwrap();
        let mut scoped = a.lock("alock", opts.clone());
        let inside = scoped
            .with(async { a.exists("alock").await.unwrap() })
            .await
            .unwrap();
        assert_eq!(inside, 1);
        assert_eq!(a.exists("alock").await.unwrap(), 0);
    });
}

/// A step of [`confirmations_match`]: the subscriber method and its names.
type Step = (&'static str, Vec<&'static str>);

/// Takes `steps` on a sync subscriber of `r` and on the async `sub`, and asserts that the
/// async one receives the confirmations the sync one receives from the same backend
/// (remote: the server's own; async: made by emu from what it tracks).
async fn confirmations_match(r: &emu::Redis, sub: &emu::AsyncPubSub, steps: Vec<Step>) {
    let mut s = r.pubsub();
    let shape = |m: emu::client::Message| (m.kind, m.channel, m.data);
    for (cmd, names) in steps {
        match cmd {
            "subscribe" => s.subscribe(&names).unwrap(),
            "psubscribe" => s.psubscribe(&names).unwrap(),
            "unsubscribe" => s.unsubscribe(&names).unwrap(),
            _ => s.punsubscribe(&names).unwrap(),
        }
        let n = names.len().max(1);
        let sync_got: Vec<_> = (0..n)
            .map(|_| {
                shape(
                    s.get_message(Some(Duration::from_secs(10)))
                        .unwrap()
                        .expect("sync confirmation"),
                )
            })
            .collect();
        match cmd {
            "subscribe" => sub.subscribe(names.clone()).await.unwrap(),
            "psubscribe" => sub.psubscribe(names.clone()).await.unwrap(),
            "unsubscribe" => sub.unsubscribe(names.clone()).await.unwrap(),
            _ => sub.punsubscribe(names.clone()).await.unwrap(),
        }
        let mut got = Vec::new();
        for _ in 0..n {
            let m = sub
                .get_message(Some(Duration::from_secs(10)))
                .await
                .unwrap()
                .expect("async confirmation");
            got.push(shape(m));
        }
        assert_eq!(got, sync_got, "{cmd} {names:?}");
    }
}

backends!(async_pubsub_unsubscribe_with_nothing_subscribed; valkey: "Valkey 8 answers UNSUBSCRIBE/PUNSUBSCRIBE outside subscribed mode with a NOSUB error, Redis 7.0 and emu with a confirmation of no channel and count 0 (valkey_differences checks it)");
fn async_pubsub_unsubscribe_with_nothing_subscribed(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        let sub = a.pubsub();
        let steps: Vec<Step> = vec![
            ("subscribe", vec!["c1"]),
            ("unsubscribe", vec![]),
            ("unsubscribe", vec![]),
            ("punsubscribe", vec![]),
        ];
        confirmations_match(&r, &sub, steps).await;
    });
}

backends!(async_pubsub_confirmations_patterns_and_stream);
fn async_pubsub_confirmations_patterns_and_stream(r: emu::Redis) {
    let a = r.to_async();
    block_on(async {
        let sub = a.pubsub();
        let steps: Vec<Step> = vec![
            ("subscribe", vec!["c1", "c2", "c1"]),
            ("psubscribe", vec!["p:*"]),
            ("unsubscribe", vec!["c1", "nope"]),
            ("punsubscribe", vec![]),
            ("unsubscribe", vec![]),
        ];
        confirmations_match(&r, &sub, steps).await;
        // Nothing else queued: a short timeout answers None (and does not hang).
        let t = Instant::now();
        assert!(sub
            .get_message(Some(Duration::from_millis(100)))
            .await
            .unwrap()
            .is_none());
        assert!(t.elapsed() >= Duration::from_millis(90));
        // Patterns and the stream form; a waiting reader holds no thread: the publisher
        // is a task of this same single-threaded runtime.
        let sub = a.pubsub().ignore_subscribe_messages(true);
        sub.psubscribe("ev:*").await.unwrap();
        let mut stream = sub.stream();
        let a2 = a.clone();
        let publisher = tokio::spawn(async move {
            for i in 0..100 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if a2.publish("ev:1", format!("m{i}")).await.unwrap() > 0 {
                    return;
                }
            }
        });
        let m = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a pmessage within 10 s")
            .unwrap()
            .unwrap();
        assert_eq!(m.kind, emu::client::MessageKind::PMessage);
        assert_eq!(m.pattern.as_deref(), Some(&b"ev:*"[..]));
        assert_eq!(m.channel_str(), Some("ev:1"));
        assert!(m.data_str().is_some_and(|d| d.starts_with('m')));
        publisher.await.unwrap();
    });
}

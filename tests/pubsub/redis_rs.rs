//! Pub/Sub through the redis-rs adapter: an async stream of `redis::Msg` that waits without
//! holding an executor thread.

#![cfg(feature = "redis-rs")]

use std::time::Duration;

use emu::adapters::redis_rs::{next, EmuAsyncPubSub};

#[test]
fn async_stream_receives_in_order_on_a_single_threaded_runtime() {
    let store = emu::Redis::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut ps = EmuAsyncPubSub::new(&store);
        ps.subscribe(&["a", "b"]).await.unwrap();
        ps.psubscribe("p:*").await.unwrap();
        ps.ssubscribe("s").await.unwrap();
        // The publisher is another OS thread; the single runtime thread must stay free
        // while the stream waits, or the timer task below could not run.
        let publisher = store.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            for i in 0..1000 {
                assert_eq!(publisher.publish("a", i.to_string()).unwrap(), 1);
            }
            assert_eq!(publisher.publish("p:x", "pat").unwrap(), 1);
            assert_eq!(publisher.spublish("s", "shard").unwrap(), 1);
        });
        let ticker = tokio::spawn(async {
            let mut n = 0;
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(5)).await;
                n += 1;
            }
            n
        });
        let mut stream = ps.on_message();
        for i in 0..1000 {
            let m = tokio::time::timeout(Duration::from_secs(10), next(&mut stream))
                .await
                .expect("message in time")
                .expect("stream open");
            assert_eq!(m.get_channel_name(), "a");
            assert_eq!(m.get_payload::<i64>().unwrap(), i);
            assert!(!m.from_pattern());
        }
        let m = next(&mut stream).await.unwrap();
        assert_eq!(m.get_pattern::<String>().unwrap(), "p:*");
        assert_eq!(m.get_channel_name(), "p:x");
        let m = next(&mut stream).await.unwrap();
        assert_eq!(m.get_channel_name(), "s");
        assert_eq!(m.get_payload::<String>().unwrap(), "shard");
        assert_eq!(ticker.await.unwrap(), 3);
        t.join().unwrap();
        ps.unsubscribe(&["a", "b"]).await.unwrap();
        ps.punsubscribe("p:*").await.unwrap();
        ps.sunsubscribe("s").await.unwrap();
    });
    assert_eq!(store.publish("a", "x").unwrap(), 0);
}

#[test]
fn owned_stream_ends_when_dropped_subscriber_is_cleaned_up() {
    let store = emu::Redis::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut ps = EmuAsyncPubSub::new(&store);
        ps.subscribe("c").await.unwrap();
        let mut s = ps.into_on_message();
        assert_eq!(store.publish("c", "1").unwrap(), 1);
        assert_eq!(
            next(&mut s).await.unwrap().get_payload::<String>().unwrap(),
            "1"
        );
        drop(s);
    });
    assert_eq!(store.publish("c", "2").unwrap(), 0);
}

//! redis-rs's `redis::Script` (EVALSHA, then SCRIPT LOAD + EVALSHA on NOSCRIPT) through the
//! in-process redis-rs adapter, sync and async.

use emu::adapters::redis_rs::{EmuAsyncConnection, EmuConnection};

#[test]
fn redis_rs_script_sync() {
    let store = emu::Redis::new();
    let mut con = EmuConnection::new(&store);
    let script = redis::Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    let n: i64 = script.key("n").arg(3).invoke(&mut con).unwrap();
    assert_eq!(n, 3);
    store.script_flush().unwrap();
    let n: i64 = script.key("n").arg(4).invoke(&mut con).unwrap();
    assert_eq!(n, 7);
    let e = redis::Script::new("return redis.call('nosuch')")
        .invoke::<i64>(&mut con)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Unknown Redis command called from script"),
        "{e}"
    );
}

#[test]
fn redis_rs_script_async() {
    let store = emu::Redis::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut con = EmuAsyncConnection::new(&store);
        let script = redis::Script::new("return {KEYS[1], ARGV[1]}");
        let v: Vec<String> = script
            .key("k")
            .arg("a")
            .invoke_async(&mut con)
            .await
            .unwrap();
        assert_eq!(v, ["k", "a"]);
    });
}

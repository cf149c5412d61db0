//! The in-process redis-rs adapter: redis-rs code (sync `Commands`, async `AsyncCommands`,
//! `redis::cmd`, `redis::pipe()`) against an embedded store, no socket.

#![cfg(feature = "redis-rs")]

use emu::adapters::redis_rs::{EmuAsyncConnection, EmuConnection};
use redis::{AsyncCommands, Commands, ErrorKind, ServerErrorKind};

#[test]
fn sync_commands_and_cmd() {
    let store = emu::Redis::new();
    let mut con = EmuConnection::new(&store);
    let _: () = con.set("k", "v").unwrap();
    let v: String = con.get("k").unwrap();
    assert_eq!(v, "v");
    let n: i64 = con.incr("n", 5).unwrap();
    assert_eq!(n, 5);
    let missing: Option<String> = con.get("nope").unwrap();
    assert_eq!(missing, None);
    let _: () = con.hset("h", "f", 1).unwrap();
    let h: std::collections::HashMap<String, i64> = con.hgetall("h").unwrap();
    assert_eq!(h.get("f"), Some(&1));
    let len: usize = con.rpush("l", &[1, 2, 3]).unwrap();
    assert_eq!(len, 3);
    let items: Vec<i64> = con.lrange("l", 0, -1).unwrap();
    assert_eq!(items, vec![1, 2, 3]);
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    // Data is shared with the embedded handle.
    let v: emu::Value = store.cmd("GET").arg("k").query().unwrap();
    assert_eq!(v, emu::Value::bulk("v"));
}

#[test]
fn error_replies_have_redis_rs_kinds() {
    let store = emu::Redis::new();
    let mut con = EmuConnection::new(&store);
    let _: () = con.set("s", "x").unwrap();
    let e = con.lpush::<_, _, i64>("s", 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Extension);
    assert_eq!(e.code(), Some("WRONGTYPE"));
    assert_eq!(
        e.detail(),
        Some("Operation against a key holding the wrong kind of value")
    );
    let e = con.incr::<_, _, i64>("s", 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server(ServerErrorKind::ResponseError));
    assert_eq!(e.detail(), Some("value is not an integer or out of range"));
    let e = redis::cmd("NOSUCH").query::<()>(&mut con).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server(ServerErrorKind::ResponseError));
    assert_eq!(
        e.detail(),
        Some("unknown command 'NOSUCH', with args beginning with: ")
    );
    let e = redis::cmd("GET").query::<()>(&mut con).unwrap_err();
    assert_eq!(
        e.detail(),
        Some("wrong number of arguments for 'get' command")
    );
}

#[test]
fn pipelines_answer_in_order_and_ignore_works() {
    let store = emu::Redis::new();
    let mut con = EmuConnection::new(&store);
    let (a, b): (i64, String) = redis::pipe()
        .cmd("SET")
        .arg("x")
        .arg(41)
        .ignore()
        .incr("x", 1)
        .cmd("ECHO")
        .arg("hi")
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b), (42, "hi".to_string()));
    // An error inside a pipeline surfaces as an error of the query.
    let _: () = con.set("str", "x").unwrap();
    let r: redis::RedisResult<(i64, i64)> =
        redis::pipe().incr("ctr", 1).lpush("str", 1).query(&mut con);
    let e = r.unwrap_err();
    assert!(e.to_string().contains("WRONGTYPE"), "{e}");
}

#[test]
fn sessions_are_per_connection() {
    let store = emu::Redis::new();
    let mut a = EmuConnection::new(&store);
    let mut b = EmuConnection::new(&store);
    let _: () = redis::cmd("SELECT").arg(2).query(&mut a).unwrap();
    assert_eq!(redis::ConnectionLike::get_db(&a), 2);
    let _: () = a.set("k", "in2").unwrap();
    let v: Option<String> = b.get("k").unwrap();
    assert_eq!(v, None);
    let v: Option<String> = a.get("k").unwrap();
    assert_eq!(v.as_deref(), Some("in2"));
}

#[test]
fn resp3_connection_gets_resp3_values() {
    let store = emu::Redis::new();
    let mut con = EmuConnection::resp3(&store);
    let _: () = con.hset("h", "f", "v").unwrap();
    let raw: redis::Value = redis::cmd("HGETALL").arg("h").query(&mut con).unwrap();
    assert!(matches!(raw, redis::Value::Map(_)), "{raw:?}");
    let mut con2 = EmuConnection::new(&store);
    let raw: redis::Value = redis::cmd("HGETALL").arg("h").query(&mut con2).unwrap();
    assert!(matches!(raw, redis::Value::Array(_)), "{raw:?}");
}

#[tokio::test]
async fn async_commands_and_pipelines() {
    let store = emu::Redis::new();
    let mut con = EmuAsyncConnection::new(&store);
    let _: () = con.set("k", 7).await.unwrap();
    let v: i64 = con.get("k").await.unwrap();
    assert_eq!(v, 7);
    let (a, b): (i64, i64) = redis::pipe()
        .incr("k", 1)
        .incr("k", 1)
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!((a, b), (8, 9));
    let _: () = con.set("s", "x").await.unwrap();
    let e = con.sadd::<_, _, i64>("s", "m").await.unwrap_err();
    assert_eq!(e.code(), Some("WRONGTYPE"));
    // Clones share the session.
    let mut c2 = con.clone();
    let _: () = redis::cmd("SELECT")
        .arg(1)
        .query_async(&mut c2)
        .await
        .unwrap();
    assert_eq!(redis::aio::ConnectionLike::get_db(&con), 1);
}

#[test]
fn quit_resets_the_session_like_a_reconnect() {
    let store = emu::Redis::new();
    let mut con = EmuConnection::new(&store);
    let _: () = redis::cmd("SELECT").arg(3).query(&mut con).unwrap();
    let ok: String = redis::cmd("QUIT").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    assert_eq!(redis::ConnectionLike::get_db(&con), 0);
}

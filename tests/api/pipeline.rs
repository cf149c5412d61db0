//! Pipelines with real commands.

use emu::{SetOptions, Value};

use super::WRONGTYPE;

backends!(basic_pipeline_returns_every_reply; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn basic_pipeline_returns_every_reply(r: emu::Redis) {
    let mut p = r.pipeline();
    p.set("key1", "value1")
        .set("key2", "value2")
        .incr("counter")
        .get("key1");
    let results = p.execute().unwrap();
    assert_eq!(
        results,
        vec![
            Value::ok(),
            Value::ok(),
            Value::Int(1),
            Value::bulk("value1")
        ]
    );
    // Typed: redis-py's [True, True, 1, 'value1'].
    p.set("key1", "value1")
        .set("key2", "value2")
        .incr("counter")
        .get("key1");
    let (a, b, n, v): (bool, bool, i64, String) = p.query().unwrap();
    assert_eq!((a, b, n, v.as_str()), (true, true, 2, "value1"));
}

backends!(errors_stay_in_their_slot; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn errors_stay_in_their_slot(r: emu::Redis) {
    r.rpush("list", "x").unwrap();
    let mut p = r.pipeline();
    p.set("a", 1).incr("list").incr("a").get("a");
    let results = p.execute().unwrap();
    assert_eq!(
        results,
        vec![
            Value::ok(),
            Value::Error(WRONGTYPE.into()),
            Value::Int(2),
            Value::bulk("2")
        ]
    );
    // query raises the first error, after running everything.
    p.incr("a")
        .incr("list")
        .set_options("x", "1", SetOptions::default().ex(0))
        .incr("a");
    let e = p.query::<Vec<Value>>().unwrap_err();
    assert_eq!(e.kind(), emu::ErrorKind::WrongType);
    assert_eq!(r.get::<_, i64>("a").unwrap(), 4);
}

backends!(ignore_and_mixed_types; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn ignore_and_mixed_types(r: emu::Redis) {
    let mut p = r.pipeline();
    p.hset_mapping("user:1", [("name", "ann"), ("points", "10")])
        .ignore()
        .hincrby("user:1", "points", 5)
        .hgetall("user:1")
        .zadd("z", [("m", 1.5)])
        .ignore()
        .zrange_withscores("z", 0, -1);
    let (points, user, z): (
        i64,
        std::collections::HashMap<String, String>,
        Vec<(String, f64)>,
    ) = p.query().unwrap();
    assert_eq!(points, 15);
    assert_eq!(user["name"], "ann");
    assert_eq!(z, vec![("m".to_string(), 1.5)]);
}

backends!(runs_on_the_handles_database; cluster: "with_db(1): a cluster has only database 0");
fn runs_on_the_handles_database(r: emu::Redis) {
    let db2 = r.with_db(2);
    let mut p = db2.pipeline();
    p.set("k", "in2").dbsize();
    let out = p.execute().unwrap();
    assert_eq!(out, vec![Value::ok(), Value::Int(1)]);
    assert_eq!(r.exists("k").unwrap(), 0);
    assert_eq!(db2.get::<_, String>("k").unwrap(), "in2");
}

backends!(batch_loading; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn batch_loading(r: emu::Redis) {
    let mut p = r.pipeline();
    for i in 0..1000 {
        p.set(format!("key:{i}"), format!("value:{i}"));
    }
    assert_eq!(p.len(), 1000);
    let out = p.execute().unwrap();
    assert_eq!(out.len(), 1000);
    assert!(out.iter().all(|v| *v == Value::ok()));
    assert_eq!(r.dbsize().unwrap(), 1000);
    assert_eq!(r.get::<_, String>("key:999").unwrap(), "value:999");
}

backends!(pipeline_is_a_transaction_batch_is_not; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn pipeline_is_a_transaction_batch_is_not(r: emu::Redis) {
    // Transactional (default): a queue-time error aborts everything.
    let mut p = r.pipeline();
    p.set("a", 1).cmd("INCR"); // wrong arity
    p.set("b", 1);
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), emu::ErrorKind::Arity);
    assert_eq!(r.exists(["a", "b"]).unwrap(), 0);
    // Plain batch: the same commands run around the error.
    let mut p = r.pipeline_batch();
    p.set("a", 1).cmd("INCR");
    p.set("b", 1);
    let out = p.execute().unwrap();
    assert_eq!(
        out[1],
        Value::Error("ERR wrong number of arguments for 'incr' command".into())
    );
    assert_eq!(r.exists(["a", "b"]).unwrap(), 2);
}

backends!(watch_multi_execute_and_watch_error; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn watch_multi_execute_and_watch_error(r: emu::Redis) {
    let _: () = r.set("stock", 3).unwrap();
    let mut p = r.pipeline();
    p.watch("stock").unwrap();
    let stock: i64 = p.conn().get("stock").unwrap();
    p.multi().decr("stock").rpush("orders", "o1");
    assert_eq!(p.execute().unwrap(), vec![Value::Int(2), Value::Int(1)]);
    assert_eq!(stock, 3);
    // Someone else changes the key: WatchError, nothing applied.
    p.watch("stock").unwrap();
    let _: () = r.with_db(0).set("stock", 0).unwrap();
    p.multi().decr("stock");
    let e = p.execute().unwrap_err();
    assert_eq!(e.kind(), emu::ErrorKind::Watch);
    assert_eq!(r.get::<_, i64>("stock").unwrap(), 0);
    // The helper retries until it wins.
    let mut tries = 0;
    let out = r
        .transaction(&["stock"], |pipe| {
            tries += 1;
            if tries < 3 {
                let _: i64 = r.with_db(0).incr("stock")?; // after WATCH: invalidates
            }
            let s: i64 = pipe.conn().get("stock")?;
            pipe.set("stock", s * 100);
            Ok(())
        })
        .unwrap();
    assert_eq!(tries, 3);
    assert_eq!(out, vec![Value::ok()]);
    assert_eq!(r.get::<_, i64>("stock").unwrap(), 200);
}

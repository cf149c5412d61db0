//! A real cluster client against `emu serve` in cluster mode.

use crate::server_util::{free_port, run_redis_py};

#[test]
fn redis_py_cluster_client_works() {
    let store = emu::Redis::builder().cluster_mode(true).build();
    let running = emu::server::Server::new(store)
        .port(free_port())
        .start()
        .expect("emu serve starts");
    let port = running.addr().unwrap().port();
    for proto in ["2", "3"] {
        let Some(out) = run_redis_py("cluster.py", port, proto) else {
            return;
        };
        assert_eq!(out, "ok", "RESP{proto}");
    }
}

/// emu's own cluster client (`remote+cluster://`, routing by the slot map of CLUSTER
/// SLOTS on redis-rs connections) against `emu serve` in cluster mode: the same calls and
/// errors as against a real Redis Cluster (tests/remote).
#[cfg(feature = "cluster")]
#[test]
fn emu_remote_cluster_client_works() {
    use emu::ErrorKind;
    let store = emu::Redis::builder().cluster_mode(true).build();
    let running = emu::server::Server::new(store)
        .port(free_port())
        .start()
        .expect("emu serve starts");
    let port = running.addr().unwrap().port();
    let r = emu::from_url(&format!("remote+cluster://127.0.0.1:{port}")).unwrap();
    assert!(r.is_cluster() && r.is_remote());
    for i in 0..50 {
        r.set(format!("k{i}"), i).unwrap();
    }
    assert_eq!(r.get::<_, i64>("k42").unwrap(), 42);
    assert_eq!(r.dbsize().unwrap(), 50);
    r.mset([("{u}a", "1"), ("{u}b", "2")]).unwrap();
    let e = r.mset([("a", "1"), ("b", "2")]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CrossSlot, "{e}");
    let mut p = r.pipeline_batch();
    p.incr("n").get("{u}a");
    assert_eq!(
        p.execute().unwrap(),
        [emu::Value::Int(1), emu::Value::Bulk(b"1".to_vec())]
    );
    let mut keys: Vec<String> = r
        .scan_iter(emu::ScanOptions::default().pattern("k*"))
        .map(|k| k.unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys.len(), 50);
    let e = r.with_db(1).get::<_, Option<String>>("x").unwrap_err();
    assert!(
        e.message()
            .contains("SELECT is not allowed in cluster mode"),
        "{e}"
    );
    let a = r.to_async();
    let got = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { a.get::<_, i64>("k7").await });
    assert_eq!(got.unwrap(), 7);
}

/// What redis-rs's own cluster clients (sync `ClusterConnection`, `cluster_pipe`, and the
/// async `cluster_async::ClusterConnection`) see from a one-node cluster on `port`: SET/GET
/// over keys in many slots, MSET/MGET under one hash tag, a multi-key command over two
/// slots, a pipeline. One line per step, errors as redis-rs reports them, so that emu's
/// transcript can be compared with a real cluster node's.
fn redis_rs_cluster_transcript(port: u16) -> Vec<String> {
    use redis::cluster::{cluster_pipe, ClusterClient};
    let client = ClusterClient::new(vec![format!("redis://127.0.0.1:{port}/")]).unwrap();
    let mut c = client
        .get_connection()
        .expect("redis-rs cluster connection");
    let mut out = Vec::new();
    let mut slots = std::collections::BTreeSet::new();
    for i in 0..200 {
        let key = format!("key:{i}");
        redis::cmd("SET")
            .arg(&key)
            .arg(i)
            .query::<()>(&mut c)
            .unwrap();
        let slot: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(&key)
            .query(&mut c)
            .unwrap();
        slots.insert(slot);
    }
    for i in 0..200 {
        let v: i64 = redis::cmd("GET")
            .arg(format!("key:{i}"))
            .query(&mut c)
            .unwrap();
        assert_eq!(v, i);
    }
    assert!(slots.len() > 150, "{} slots", slots.len());
    out.push(format!("200 keys in {} slots", slots.len()));
    let r: redis::RedisResult<String> = redis::cmd("MSET")
        .arg("{user1}:a")
        .arg("1")
        .arg("{user1}:b")
        .arg("2")
        .query(&mut c);
    out.push(format!("MSET tagged: {r:?}"));
    let r: redis::RedisResult<Vec<Option<String>>> = redis::cmd("MGET")
        .arg("{user1}:a")
        .arg("{user1}:b")
        .arg("{user1}:c")
        .query(&mut c);
    out.push(format!("MGET tagged: {r:?}"));
    // key:1 and key:2 hash to different slots; RENAME is one command on one node.
    let r: redis::RedisResult<()> = redis::cmd("RENAME").arg("key:1").arg("key:2").query(&mut c);
    out.push(format!("RENAME across slots: {r:?}"));
    let r: redis::RedisResult<i64> = redis::cmd("SINTERSTORE")
        .arg("{s}dst")
        .arg("key:1")
        .arg("key:3")
        .query(&mut c);
    out.push(format!("SINTERSTORE across slots: {r:?}"));
    let r: redis::RedisResult<(i64, i64, Option<String>, i64)> = cluster_pipe()
        .cmd("INCR")
        .arg("{p}n")
        .cmd("INCRBY")
        .arg("key:5")
        .arg(10)
        .cmd("GET")
        .arg("{user1}:a")
        .cmd("DEL")
        .arg("{p}n")
        .query(&mut c);
    out.push(format!("pipeline: {r:?}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut a = client
            .get_async_connection()
            .await
            .expect("redis-rs async cluster connection");
        for i in 0..200 {
            let v: i64 = redis::cmd("GET")
                .arg(format!("key:{i}"))
                .query_async(&mut a)
                .await
                .unwrap();
            assert_eq!(v, if i == 5 { 15 } else { i });
            redis::cmd("SET")
                .arg(format!("async:{i}"))
                .arg(-i)
                .query_async::<()>(&mut a)
                .await
                .unwrap();
        }
        let r: redis::RedisResult<Vec<Option<i64>>> = redis::cmd("MGET")
            .arg("{user1}:a")
            .arg("{user1}:b")
            .query_async(&mut a)
            .await;
        out.push(format!("async MGET tagged: {r:?}"));
        let r: redis::RedisResult<i64> = redis::cmd("SUNIONSTORE")
            .arg("{s}dst")
            .arg("async:1")
            .arg("async:2")
            .query_async(&mut a)
            .await;
        out.push(format!("async SUNIONSTORE across slots: {r:?}"));
        let r: redis::RedisResult<(i64, i64)> = redis::pipe()
            .cmd("GET")
            .arg("async:7")
            .cmd("INCR")
            .arg("async:7")
            .query_async(&mut a)
            .await;
        out.push(format!("async pipeline: {r:?}"));
    });
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    out.push(format!("DBSIZE {n}"));
    out
}

/// redis-rs's own cluster clients against `emu serve --cluster-enabled yes`: they connect
/// (CLUSTER SLOTS), route, pipeline and see CROSSSLOT as against a real one-node Redis
/// Cluster (the transcripts compared line by line when redis-server is installed).
#[test]
fn redis_rs_cluster_client_works() {
    let store = emu::Redis::builder().cluster_mode(true).build();
    let running = emu::server::Server::new(store)
        .port(free_port())
        .start()
        .expect("emu serve starts");
    let got = redis_rs_cluster_transcript(running.addr().unwrap().port());
    assert_eq!(got[1], "MSET tagged: Ok(\"OK\")");
    // redis-rs parsed the reply's code: `CROSSSLOT Keys in request don't hash to the same slot`.
    let cross = "Err(CrossSlot: Keys in request don't hash to the same slot)";
    assert!(
        got[3].ends_with(cross) && got[4].ends_with(cross),
        "{got:?}"
    );
    assert!(got[7].ends_with(cross), "{got:?}");
    let Some((real, _dir)) =
        crate::differential::real_cluster_node("redis_rs_cluster_client_works")
    else {
        return;
    };
    assert_eq!(got, redis_rs_cluster_transcript(real.addr.port()));
}

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

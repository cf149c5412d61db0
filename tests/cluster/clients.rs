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

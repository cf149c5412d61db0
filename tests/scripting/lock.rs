//! redis-py's `Lock` (release, extend and reacquire are Lua scripts), `register_script`
//! and the seed's distributed-lock example through `emu serve`, in RESP2 and RESP3; the
//! same client script also runs against a real redis-server, so it checks what Redis does.

use crate::server_util::{run_redis_py, start, start_real_redis};

fn run(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().expect("addr").port();
    let Some(out) = run_redis_py("scripting_lock_py.py", port, proto) else {
        return;
    };
    assert_eq!(out, format!("lock ok {proto}"));
}

#[test]
fn redis_py_lock_resp2() {
    run("2");
}

#[test]
fn redis_py_lock_resp3() {
    run("3");
}

#[test]
fn the_client_script_passes_against_redis() {
    let Some(real) = start_real_redis("the redis-py lock script") else {
        return;
    };
    let Some(out) = run_redis_py("scripting_lock_py.py", real.addr.port(), "2") else {
        return;
    };
    assert_eq!(out, "lock ok 2");
}

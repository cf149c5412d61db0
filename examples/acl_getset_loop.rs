//! A fixed number of GET or SET calls through the engine, for instruction counts under
//! `valgrind --tool=cachegrind` (machine-load independent): the ACL check's cost for the
//! `default` user (the fast path) and for a restricted user.
//!
//! Run: `cargo run --release --example acl_getset_loop -- get|set default|user N`
//! (per-call instructions = (Ir(N2) - Ir(N1)) / (N2 - N1)).

use emu::Redis;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map_or("get", String::as_str);
    let who = args.get(2).map_or("default", String::as_str);
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let r = Redis::new();
    r.execute(&[b"SET", b"key:42", b"value"]).expect("set");
    let h = if who == "user" {
        r.execute(&[
            b"ACL",
            b"SETUSER",
            b"app",
            b"on",
            b">pw",
            b"+@all",
            b"-@dangerous",
            b"%R~other:*",
            b"~key:*",
        ])
        .expect("setuser");
        let h = r.with_db(0);
        h.execute(&[b"AUTH", b"app", b"pw"]).expect("auth");
        h
    } else {
        r.clone()
    };
    for _ in 0..n {
        let out = if op == "set" {
            h.execute(&[b"SET", b"key:42", b"value"])
        } else {
            h.execute(&[b"GET", b"key:42"])
        };
        std::hint::black_box(out.expect("call"));
    }
}

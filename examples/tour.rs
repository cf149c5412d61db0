//! A short tour of the embedded API: run with `cargo run --example tour`.
//!
//! Everything happens in-process; no Redis server is involved.

use std::collections::HashMap;
use std::time::Duration;

use emu::{Redis, SetOptions};

fn main() -> emu::Result<()> {
    // A manual clock makes TTLs reproducible; Redis::new() would use the system clock.
    let r = Redis::builder().manual_clock(1_704_110_400_000).build();

    // Strings and counters.
    r.set("username", "john_doe")?;
    let name: Option<String> = r.get("username")?;
    println!("GET username -> {name:?}");
    r.set("counter", 0)?;
    let n: i64 = r.incrby("counter", 5)?;
    println!("INCRBY counter 5 -> {n}");

    // A session hash that expires.
    r.hset_mapping("session:abc", &[("user_id", "1000"), ("ip", "127.0.0.1")])?;
    r.expire("session:abc", 1800)?;
    let session: HashMap<String, String> = r.hgetall("session:abc")?;
    println!(
        "HGETALL session:abc -> {} fields, TTL {}s",
        session.len(),
        r.ttl("session:abc")?
    );
    r.advance_time(Duration::from_secs(1801)).unwrap();
    println!(
        "after 30 minutes: EXISTS session:abc -> {}",
        r.exists("session:abc")?
    );

    // A leaderboard: rank queries are O(log n).
    r.zadd(
        "leaderboard",
        &[("alice", 3100.0), ("bob", 2900.0), ("carol", 3350.0)],
    )?;
    let top: Vec<(String, f64)> = r.zrevrange_withscores("leaderboard", 0, 2)?;
    println!("top players -> {top:?}");
    let rank: Option<i64> = r.zrevrank("leaderboard", "alice")?;
    println!("ZREVRANK alice -> {rank:?}");

    // A lock with SET NX EX.
    let got: bool = r.set_options("lock:report", "token-1", SetOptions::default().nx().ex(10))?;
    let again: bool = r.set_options("lock:report", "token-2", SetOptions::default().nx().ex(10))?;
    println!("lock acquired: {got}, second attempt: {again}");

    // A pipeline: commands queued and run in order.
    let mut p = r.pipeline();
    p.rpush("jobs", ["resize", "email"])
        .llen("jobs")
        .lpop("jobs");
    let replies: Vec<emu::Value> = p.execute()?;
    println!("pipeline replies -> {replies:?}");

    // Redis's own errors, byte for byte.
    let err = r.incr("username").unwrap_err();
    println!("INCR username -> {err}");
    Ok(())
}

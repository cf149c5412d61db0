//! Profiling aid: a tight in-process loop (prints calls/s) of EVALSHA of
//! `return redis.call('GET', KEYS[1])` (default), the same as a function (`fcall`), a
//! plain GET (`get`) as the reference of the same run, or EVALSHA of the other two scripts
//! of `benches/scripting_compare.sh`: `lock-release` (redis-py Lock's release with a token
//! that does not match) and `10-incr` (ten INCRs). A second argument sets the number of
//! calls (default 300,000; fewer under callgrind).
fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "evalsha".into());
    let r = emu::Redis::new();
    r.execute(&[b"SET", b"key:42", b"value"]).unwrap();
    let sha = r.script_load("return redis.call('GET', KEYS[1])").unwrap();
    r.function_load(
        "#!lua name=bench\nredis.register_function('get1', function(keys) return redis.call('GET', keys[1]) end)",
        true,
    )
    .unwrap();
    r.execute(&[b"SET", b"lock", b"token"]).unwrap();
    let release = r
        .script_load(
            "if redis.call(\"get\",KEYS[1]) == ARGV[1] then return redis.call(\"del\",KEYS[1]) else return 0 end",
        )
        .unwrap();
    let incr = r
        .script_load("for i = 1, 10 do redis.call('INCR', KEYS[1]) end return 10")
        .unwrap();
    let argv: Vec<&[u8]> = match mode.as_str() {
        "get" => vec![b"GET", b"key:42"],
        "fcall" => vec![b"FCALL", b"get1", b"1", b"key:42"],
        "lock-release" => vec![
            b"EVALSHA",
            release.as_bytes(),
            b"1",
            b"lock",
            b"other-token",
        ],
        "10-incr" => vec![b"EVALSHA", incr.as_bytes(), b"1", b"counter"],
        _ => vec![b"EVALSHA", sha.as_bytes(), b"1", b"key:42"],
    };
    let n: u32 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300_000);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(r.execute(&argv).unwrap());
    }
    let dt = t.elapsed();
    println!("{mode}: {:.0} calls/s", n as f64 / dt.as_secs_f64());
}

//! Profiling aid: a tight in-process loop (prints calls/s) of EVALSHA of
//! `return redis.call('GET', KEYS[1])` (default), the same as a function (`fcall`), or a
//! plain GET (`get`) as the reference of the same run.
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
    let argv: Vec<&[u8]> = match mode.as_str() {
        "get" => vec![b"GET", b"key:42"],
        "fcall" => vec![b"FCALL", b"get1", b"1", b"key:42"],
        _ => vec![b"EVALSHA", sha.as_bytes(), b"1", b"key:42"],
    };
    let n = 300_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(r.execute(&argv).unwrap());
    }
    let dt = t.elapsed();
    println!("{mode}: {:.0} calls/s", n as f64 / dt.as_secs_f64());
}

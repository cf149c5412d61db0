//! Profiling aid: a tight in-process EVALSHA loop (prints calls/s).
fn main() {
    let r = emu::Redis::new();
    r.execute(&[b"SET", b"key:42", b"value"]).unwrap();
    let sha = r.script_load("return redis.call('GET', KEYS[1])").unwrap();
    let n = 300_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            r.execute(&[b"EVALSHA", sha.as_bytes(), b"1", b"key:42"])
                .unwrap(),
        );
    }
    let dt = t.elapsed();
    println!("{:.0} calls/s", n as f64 / dt.as_secs_f64());
}

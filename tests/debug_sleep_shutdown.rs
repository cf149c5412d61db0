//! A shutdown request ends a long DEBUG SLEEP (issue 10 #3: a `DEBUG SLEEP 30` kept running
//! 15 s after SIGTERM). In its own test binary: the shutdown flag is process-wide.

use std::time::{Duration, Instant};

#[test]
fn shutdown_request_ends_debug_sleep() {
    let r = emu::Redis::new();
    let r2 = r.clone();
    let started = Instant::now();
    let sleeper = std::thread::spawn(move || r2.execute(&[b"DEBUG", b"SLEEP", b"30"]));
    std::thread::sleep(Duration::from_millis(200));
    emu::util::shutdown::request();
    let reply = sleeper.join().unwrap().unwrap();
    assert_eq!(reply, emu::Value::ok());
    // Liveness bound only: 30 s without the fix.
    assert!(started.elapsed() < Duration::from_secs(10));
}

//! CLIENT PAUSE on embedded handles: a paused write (single command, plain pipeline,
//! transaction) waits, holding no lock, until CLIENT UNPAUSE or the pause's end; reads go
//! on under WRITE; expired keys stay while paused; INFO counts the waiting clients.
//! Observed through effects, never through durations.

use std::time::{Duration, Instant};

use emu::blocking::PausePurpose;
use emu::{Redis, Value};

fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn cmd(r: &Redis, line: &str) -> Value {
    let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    r.execute(&argv).unwrap()
}

/// INFO's `blocked_clients` seen by `ctl` (postponed clients count, as in Redis).
fn blocked_clients(ctl: &Redis) -> i64 {
    let info = match cmd(ctl, "INFO clients") {
        Value::Verbatim(_, b) | Value::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        v => panic!("{v:?}"),
    };
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("blocked_clients")
}

#[test]
fn paused_writes_wait_for_unpause() {
    let r = Redis::new();
    let ctl = r.with_db(0);
    assert_eq!(cmd(&ctl, "CLIENT PAUSE 100000 WRITE"), Value::ok());
    let w = r.with_db(0);
    let t = std::thread::spawn(move || cmd(&w, "SET pause:e v"));
    // The writer waits; reads are not paused.
    eventually("the writer waits", || blocked_clients(&ctl) == 1);
    assert_eq!(cmd(&ctl, "GET pause:e"), Value::Nil);
    // A plain pipeline and a transaction with a write wait too.
    let p = r.with_db(0);
    let tp = std::thread::spawn(move || {
        let mut pipe = p.pipeline_batch();
        pipe.cmd("INCR").arg("pause:n");
        pipe.execute().unwrap()
    });
    let x = r.with_db(0);
    let tx = std::thread::spawn(move || {
        let mut pipe = x.pipeline();
        pipe.cmd("INCR").arg("pause:n");
        pipe.execute().unwrap()
    });
    eventually("all three wait", || blocked_clients(&ctl) == 3);
    assert_eq!(cmd(&ctl, "EXISTS pause:e pause:n"), Value::Int(0));
    assert_eq!(cmd(&ctl, "CLIENT UNPAUSE"), Value::ok());
    assert_eq!(t.join().unwrap(), Value::ok());
    let mut n: Vec<Value> = tp.join().unwrap();
    n.extend(tx.join().unwrap());
    n.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(n, vec![Value::Int(1), Value::Int(2)]);
    assert_eq!(cmd(&ctl, "GET pause:e"), Value::bulk("v"));
}

#[test]
fn pause_ends_by_itself_and_all_holds_reads() {
    let r = Redis::new();
    let ctl = r.with_db(0);
    cmd(&ctl, "SET pause:k v");
    assert_eq!(cmd(&ctl, "CLIENT PAUSE 300 ALL"), Value::ok());
    let reader = r.with_db(0);
    let t = std::thread::spawn(move || cmd(&reader, "GET pause:k"));
    // Liveness only: the pause ends on its own and the read is answered.
    assert_eq!(t.join().unwrap(), Value::bulk("v"));
}

#[test]
fn expired_keys_stay_while_paused() {
    let r = Redis::new();
    r.set_time(1_000_000).unwrap();
    cmd(&r, "SET pause:x v PX 10");
    cmd(&r, "SET pause:y v");
    assert_eq!(cmd(&r, "CLIENT PAUSE 100000 WRITE"), Value::ok());
    r.set_time(2_000_000).unwrap();
    // Logically expired, so it reads as missing, but it is not deleted while paused.
    assert_eq!(cmd(&r, "GET pause:x"), Value::Nil);
    assert_eq!(cmd(&r, "DBSIZE"), Value::Int(2));
    assert_eq!(cmd(&r, "CLIENT UNPAUSE"), Value::ok());
    assert_eq!(cmd(&r, "GET pause:x"), Value::Nil);
    assert_eq!(cmd(&r, "DBSIZE"), Value::Int(1));
}

#[test]
fn later_pauses_only_extend() {
    let r = Redis::new();
    // WRITE for long, then a short ALL: the kind becomes ALL, the end stays the later one
    // (CLIENT PAUSE is not a write, so it runs under the WRITE pause).
    assert_eq!(cmd(&r, "CLIENT PAUSE 100000 WRITE"), Value::ok());
    assert_eq!(cmd(&r, "CLIENT PAUSE 1 ALL"), Value::ok());
    let p = r
        .with_store(|s| s.blocking.paused())
        .unwrap()
        .expect("paused");
    assert!(p.all);
    assert!(p.end > Instant::now() + Duration::from_secs(50));
    r.with_store(|s| s.blocking.unpause(PausePurpose::ClientCommand))
        .unwrap();
    assert_eq!(r.with_store(|s| s.blocking.paused()).unwrap(), None);
}

/// Each purpose holds its own pause (Redis 7.0 `pause_purpose`); the one in force is the
/// strictest (ALL over WRITE, then the later end); lifting one leaves the other.
#[test]
fn pause_purposes_are_separate_and_the_strictest_wins() {
    let r = Redis::new();
    let far = Instant::now() + Duration::from_secs(1000);
    let near = Instant::now() + Duration::from_secs(100);
    let p = r
        .with_store(|s| {
            s.blocking.pause(PausePurpose::Failover, far, false);
            s.blocking.pause(PausePurpose::ClientCommand, near, true);
            s.blocking.paused()
        })
        .unwrap()
        .expect("paused");
    assert!(p.all && p.end == near, "ALL wins over a later WRITE: {p:?}");
    let p = r
        .with_store(|s| {
            s.blocking.unpause(PausePurpose::ClientCommand);
            s.blocking.paused()
        })
        .unwrap()
        .expect("the failover's pause stays");
    assert!(!p.all && p.end == far);
    let p = r
        .with_store(|s| {
            s.blocking.pause(
                PausePurpose::ClientCommand,
                far + Duration::from_secs(1),
                false,
            );
            s.blocking.paused()
        })
        .unwrap()
        .expect("paused");
    assert!(
        !p.all && p.end == far + Duration::from_secs(1),
        "same kind: the later end"
    );
    let p = r
        .with_store(|s| {
            s.blocking.unpause(PausePurpose::Failover);
            s.blocking.paused()
        })
        .unwrap();
    assert!(p.is_some(), "CLIENT PAUSE's stays after the failover's end");
    r.with_store(|s| s.blocking.unpause(PausePurpose::ClientCommand))
        .unwrap();
    assert_eq!(r.with_store(|s| s.blocking.paused()).unwrap(), None);
}

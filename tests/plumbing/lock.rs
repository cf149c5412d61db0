//! `Redis::lock` with redis-py Lock semantics, and the seed's Distributed Lock pattern.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use emu::{ErrorKind, LockOptions, Redis, SetOptions};

const T0: u64 = 1_700_000_000_000;

fn manual() -> Redis {
    Redis::builder().manual_clock(T0).build()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn timed(n: u64) -> LockOptions {
    LockOptions::default().timeout(secs(n))
}

// ---------------------------------------------------------------------------------------
// The seed's pattern, as written there and with lock()
// ---------------------------------------------------------------------------------------

fn acquire_lock(r: &Redis, key: &str, timeout: u64, identifier: &str) -> Option<String> {
    let ok: bool = r
        .set_options(key, identifier, SetOptions::default().nx().ex(timeout))
        .unwrap();
    ok.then(|| identifier.to_string())
}

fn release_lock(r: &Redis, key: &str, identifier: &str) -> bool {
    let v: Option<String> = r.get(key).unwrap();
    if v.as_deref() == Some(identifier) {
        r.delete(key).unwrap();
        return true;
    }
    false
}

#[test]
fn seed_distributed_lock_pattern() {
    let r = manual();
    let id = acquire_lock(&r, "lock:job", 10, "id-1").unwrap();
    assert_eq!(acquire_lock(&r, "lock:job", 10, "id-2"), None);
    assert!(!release_lock(&r, "lock:job", "id-2"));
    assert!(release_lock(&r, "lock:job", &id));
    assert!(acquire_lock(&r, "lock:job", 10, "id-2").is_some());
    // Expiry frees it.
    r.advance_time(secs(11)).unwrap();
    assert!(acquire_lock(&r, "lock:job", 10, "id-3").is_some());
}

#[test]
fn seed_pattern_with_lock() {
    let r = manual();
    let mut a = r.lock("lock:job", timed(10));
    assert!(a.acquire().unwrap());
    let token = a.token().unwrap().to_vec();
    assert_eq!(token.len(), 32);
    let stored: Vec<u8> = r.get("lock:job").unwrap();
    assert_eq!(stored, token);
    let pttl: i64 = r.pttl("lock:job").unwrap();
    assert_eq!(pttl, 10_000);
    let mut b = r.lock("lock:job", timed(10).blocking(false));
    assert!(!b.acquire().unwrap());
    assert_eq!(b.token(), None);
    a.release().unwrap();
    assert!(b.acquire().unwrap());
    assert_ne!(b.token().unwrap(), token.as_slice());
}

#[test]
fn lock_without_timeout_never_expires() {
    let r = manual();
    let mut a = r.lock("l", LockOptions::default());
    assert!(a.acquire().unwrap());
    let ttl: i64 = r.ttl("l").unwrap();
    assert_eq!(ttl, -1);
    r.advance_time(secs(1_000_000)).unwrap();
    assert!(a.owned().unwrap());
}

// ---------------------------------------------------------------------------------------
// Ownership and errors
// ---------------------------------------------------------------------------------------

#[test]
fn release_errors() {
    let r = manual();
    let mut a = r.lock("l", timed(10));
    let e = a.release().unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Lock, "Cannot release an unlocked lock")
    );
    assert!(a.acquire().unwrap());
    // Someone overwrote the key: not ours any more.
    let _: () = r.set("l", "someone-else").unwrap();
    assert!(a.locked().unwrap());
    assert!(!a.owned().unwrap());
    let e = a.release().unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (
            ErrorKind::LockNotOwned,
            "Cannot release a lock that's no longer owned"
        )
    );
    // The other holder's key is untouched, and our token is gone.
    let v: String = r.get("l").unwrap();
    assert_eq!(v, "someone-else");
    assert_eq!(a.token(), None);
}

#[test]
fn expiry_with_the_manual_clock() {
    let r = manual();
    let mut a = r.lock("res", timed(10));
    let mut b = r.lock("res", timed(10).blocking(false));
    assert!(a.acquire().unwrap());
    r.advance_time(Duration::from_millis(9_999)).unwrap();
    assert!(a.locked().unwrap() && a.owned().unwrap());
    assert!(!b.acquire().unwrap());
    // Redis expires a key once the clock is past its deadline (`now > when`).
    r.advance_time(Duration::from_millis(1)).unwrap();
    assert!(a.owned().unwrap());
    r.advance_time(Duration::from_millis(1)).unwrap();
    // Expired: nobody holds it; another client takes it.
    assert!(!a.locked().unwrap());
    assert!(!a.owned().unwrap());
    assert!(b.acquire().unwrap());
    assert!(b.owned().unwrap() && !a.owned().unwrap());
    // The first holder cannot release (or extend) the new holder's lock.
    let e = a.extend(secs(5), false).unwrap_err();
    assert_eq!(e.message(), "Cannot extend a lock that's no longer owned");
    assert_eq!(e.kind(), ErrorKind::LockNotOwned);
    let e = a.reacquire().unwrap_err();
    assert_eq!(
        e.message(),
        "Cannot reacquire a lock that's no longer owned"
    );
    let e = a.release().unwrap_err();
    assert_eq!(e.message(), "Cannot release a lock that's no longer owned");
    assert!(b.owned().unwrap());
    b.release().unwrap();
    assert!(!b.locked().unwrap());
}

#[test]
fn extend_adds_or_replaces_the_ttl() {
    let r = manual();
    let mut a = r.lock("l", timed(10));
    let e = a.extend(secs(1), false).unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Lock, "Cannot extend an unlocked lock")
    );
    assert!(a.acquire().unwrap());
    r.advance_time(secs(4)).unwrap();
    assert!(a.extend(secs(10), false).unwrap());
    let pttl: i64 = r.pttl("l").unwrap();
    assert_eq!(pttl, 16_000);
    assert!(a.extend(secs(3), true).unwrap());
    let pttl: i64 = r.pttl("l").unwrap();
    assert_eq!(pttl, 3_000);
    // A lock with no timeout cannot be extended.
    let mut forever = r.lock("f", LockOptions::default());
    assert!(forever.acquire().unwrap());
    let e = forever.extend(secs(1), false).unwrap_err();
    assert_eq!(e.message(), "Cannot extend a lock with no timeout");
}

#[test]
fn extend_fails_when_the_key_lost_its_ttl() {
    // redis-py's extend script refuses a key without expiry (PTTL < 0).
    let r = manual();
    let mut a = r.lock("l", timed(10));
    assert!(a.acquire().unwrap());
    let _: bool = r.persist("l").unwrap();
    let e = a.extend(secs(1), false).unwrap_err();
    assert_eq!(e.message(), "Cannot extend a lock that's no longer owned");
}

#[test]
fn reacquire_resets_the_ttl() {
    let r = manual();
    let mut a = r.lock("l", timed(10));
    assert_eq!(
        a.reacquire().unwrap_err().message(),
        "Cannot reacquire an unlocked lock"
    );
    assert!(a.acquire().unwrap());
    r.advance_time(secs(7)).unwrap();
    assert!(a.reacquire().unwrap());
    let pttl: i64 = r.pttl("l").unwrap();
    assert_eq!(pttl, 10_000);
    let mut forever = r.lock("f", LockOptions::default());
    assert!(forever.acquire().unwrap());
    assert_eq!(
        forever.reacquire().unwrap_err().message(),
        "Cannot reacquire a lock with no timeout"
    );
}

#[test]
fn guard_releases_on_drop() {
    let r = manual();
    let mut a = r.lock("l", timed(10));
    {
        let g = a.hold().unwrap();
        assert!(g.lock().owned().unwrap());
        let mut other = r.lock("l", timed(10).blocking(false));
        let e = other.hold().unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (
                ErrorKind::Lock,
                "Unable to acquire lock within the time specified"
            )
        );
    }
    assert!(!a.locked().unwrap());
    // An explicit release reports that the lock expired meanwhile.
    let g = a.hold().unwrap();
    r.advance_time(secs(11)).unwrap();
    assert_eq!(
        g.release().unwrap_err().message(),
        "Cannot release a lock that's no longer owned"
    );
    // `with` runs the closure holding the lock.
    let seen = a.with(|| r.exists("l").unwrap()).unwrap();
    assert_eq!(seen, 1);
    assert!(!a.locked().unwrap());
}

#[test]
fn chosen_token() {
    let r = manual();
    let mut a = r.lock("l", timed(10));
    assert!(a.acquire_with(false, None, Some(b"mine")).unwrap());
    let v: String = r.get("l").unwrap();
    assert_eq!(v, "mine");
    assert_eq!(a.token(), Some(&b"mine"[..]));
}

#[test]
fn tokens_come_from_the_seeded_rng() {
    let tokens = |seed| {
        let r = Redis::builder().seed(seed).build();
        (0..3)
            .map(|i| {
                let mut l = r.lock(format!("l{i}"), LockOptions::default());
                assert!(l.acquire().unwrap());
                l.token().unwrap().to_vec()
            })
            .collect::<Vec<_>>()
    };
    let a = tokens(7);
    assert_eq!(a, tokens(7));
    assert_ne!(a, tokens(8));
    assert!(a[0] != a[1] && a[1] != a[2]);
}

#[test]
fn wrong_type_and_read_only_errors_surface() {
    let r = manual();
    let _: i64 = r.lpush("l", "x").unwrap();
    let mut a = r.lock("l", timed(10).blocking(false));
    // The key exists (as a list): SET NX does not take it.
    assert!(!a.acquire().unwrap());
    assert!(a.acquire_with(false, None, Some(b"t")).is_ok());
    let e = a.owned().unwrap_err();
    assert_eq!(
        e.message(),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    // Through a read-only replica client the SET is refused.
    let replica = Redis::options()
        .port(17099)
        .read_only(true)
        .connect()
        .unwrap();
    let e = replica.lock("l", timed(1)).acquire().unwrap_err();
    assert_eq!(
        e.message(),
        "READONLY You can't write against a read only replica."
    );
}

// ---------------------------------------------------------------------------------------
// Blocking and contention (real time)
// ---------------------------------------------------------------------------------------

#[test]
fn blocking_timeout_gives_up() {
    let r = Redis::new();
    let mut a = r.lock("l", timed(60));
    assert!(a.acquire().unwrap());
    let mut b = r.lock(
        "l",
        timed(60)
            .sleep(Duration::from_millis(20))
            .blocking_timeout(Duration::from_millis(150)),
    );
    let t0 = Instant::now();
    assert!(!b.acquire().unwrap());
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_millis(120), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // Non-blocking returns at once, though this lock would otherwise wait 10 s (a bound
    // far from both, so a loaded machine does not fail it).
    let mut c = r.lock(
        "l",
        timed(60)
            .sleep(Duration::from_millis(20))
            .blocking_timeout(Duration::from_secs(10)),
    );
    let t0 = Instant::now();
    assert!(!c.acquire_with(false, None, None).unwrap());
    assert!(t0.elapsed() < Duration::from_secs(5));
}

#[test]
fn blocking_acquire_gets_the_lock_when_released() {
    let r = Redis::new();
    let mut a = r.lock("l", timed(60));
    assert!(a.acquire().unwrap());
    let r2 = r.clone();
    let waiter = std::thread::spawn(move || {
        let mut b = r2.lock(
            "l",
            timed(60)
                .sleep(Duration::from_millis(5))
                .blocking_timeout(Duration::from_secs(20)),
        );
        let t0 = Instant::now();
        let got = b.acquire().unwrap();
        (got, t0.elapsed(), b.owned().unwrap())
    });
    std::thread::sleep(Duration::from_millis(100));
    a.release().unwrap();
    let (got, waited, owned) = waiter.join().unwrap();
    assert!(got && owned);
    assert!(waited >= Duration::from_millis(80), "{waited:?}");
}

#[test]
fn contention_only_one_holder_at_a_time() {
    const THREADS: usize = 6;
    const ROUNDS: usize = 25;
    // Every thread connects to the same address, as separate processes would.
    let keep = Redis::options().port(17090).connect().unwrap();
    let holders = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (holders, barrier) = (holders.clone(), barrier.clone());
            std::thread::spawn(move || {
                let r = Redis::options().port(17090).connect().unwrap();
                barrier.wait();
                for _ in 0..ROUNDS {
                    let mut lock =
                        r.lock("lock:counter", timed(30).sleep(Duration::from_millis(1)));
                    assert!(lock.acquire().unwrap());
                    assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                    // A read-modify-write that loses updates unless serialized.
                    let n: i64 = r.get::<_, Option<i64>>("counter").unwrap().unwrap_or(0);
                    std::thread::sleep(Duration::from_micros(200));
                    let _: () = r.set("counter", n + 1).unwrap();
                    holders.fetch_sub(1, Ordering::SeqCst);
                    lock.release().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let n: i64 = keep.get("counter").unwrap();
    assert_eq!(n, (THREADS * ROUNDS) as i64);
    assert!(!keep
        .lock("lock:counter", LockOptions::default())
        .locked()
        .unwrap());
}

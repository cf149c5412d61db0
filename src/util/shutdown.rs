//! The process-wide "shutdown requested" flag.
//!
//! A signal handler (or SHUTDOWN) calls [`request`]; code that may run for a long time while
//! holding the store (DEBUG SLEEP, long scans) either polls [`requested`] or waits with
//! [`sleep_unless_requested`], so a shutdown request is acted on within a fraction of a
//! second instead of when the long command ends. Embedded stores never call [`request`], so
//! for them the flag stays false and nothing changes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static WAKE: Mutex<()> = Mutex::new(());
static WAKE_CV: Condvar = Condvar::new();

/// Marks the process as shutting down and wakes every [`sleep_unless_requested`].
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
    let _guard = WAKE.lock();
    WAKE_CV.notify_all();
}

/// Whether [`request`] has been called in this process.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Sleeps for `d`, returning early (with `false`) as soon as a shutdown is requested;
/// `true` when the whole duration elapsed.
pub fn sleep_unless_requested(d: Duration) -> bool {
    let deadline = Instant::now().checked_add(d);
    let mut guard = WAKE.lock();
    loop {
        if requested() {
            return false;
        }
        let now = Instant::now();
        match deadline {
            Some(t) if now >= t => return true,
            Some(t) => {
                WAKE_CV.wait_for(&mut guard, t - now);
            }
            // Beyond what Instant can represent: wait in long slices until asked to stop.
            None => {
                WAKE_CV.wait_for(&mut guard, Duration::from_secs(3600));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sleep_completes() {
        // The flag is process-wide; this test never sets it.
        assert!(sleep_unless_requested(Duration::from_millis(5)));
    }
}

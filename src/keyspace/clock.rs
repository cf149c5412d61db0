//! The store's clock: the only place emu reads the time.
//!
//! `System` follows the wall clock; `Manual` moves only when a test sets or advances it, so
//! TTLs behave identically in every run.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the store's notion of "now" comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The system wall clock.
    System,
    /// A frozen clock at the given Unix time in milliseconds; moves only when told.
    Manual(u64),
}

impl Clock {
    /// Unix time in milliseconds.
    #[inline]
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            Clock::Manual(ms) => *ms,
        }
    }

    /// Unix time in milliseconds at `at`, a monotonic instant the caller has just taken
    /// (the dispatcher's command start): the wall clock is derived from it instead of
    /// being read again, saving one `clock_gettime` per command. The wall clock is read
    /// afresh at least once per [`RESYNC`], so a stepped system clock is followed within a
    /// millisecond, as a direct read would follow it.
    #[inline]
    pub fn now_ms_at(&self, at: Instant) -> u64 {
        match self {
            Clock::System => wall_us_at(at) / 1000,
            Clock::Manual(ms) => *ms,
        }
    }

    /// Unix time in microseconds (TIME command).
    pub fn now_us(&self) -> u64 {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_micros() as u64)
                .unwrap_or(0),
            Clock::Manual(ms) => ms * 1000,
        }
    }

    /// True for a manual clock.
    pub fn is_manual(&self) -> bool {
        matches!(self, Clock::Manual(_))
    }
}

/// How long a wall-clock reading anchors [`Clock::now_ms_at`] (per thread).
pub const RESYNC: Duration = Duration::from_millis(1);

thread_local! {
    /// This thread's last wall-clock reading (Unix µs) and the instant it anchors.
    static ANCHOR: Cell<Option<(Instant, u64)>> = const { Cell::new(None) };
}

/// Unix µs at `at`: the thread's anchor plus the monotonic time since it, or a fresh
/// reading when the anchor is older than [`RESYNC`] (or later than `at`).
fn wall_us_at(at: Instant) -> u64 {
    ANCHOR.with(|anchor| {
        if let Some((base, wall_us)) = anchor.get() {
            if let Some(d) = at.checked_duration_since(base) {
                if d < RESYNC {
                    return wall_us + d.as_micros() as u64;
                }
            }
        }
        let wall_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        anchor.set(Some((at, wall_us)));
        wall_us
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_time_follows_the_wall_clock() {
        let clock = Clock::System;
        for _ in 0..2_000 {
            let before = clock.now_ms();
            let derived = clock.now_ms_at(Instant::now());
            let after = clock.now_ms();
            // The derived reading lies between two direct ones (the anchor may have been
            // read up to a few µs after `at`, hence the 1 ms slack on the high side).
            assert!(derived >= before, "{derived} < {before}");
            assert!(derived <= after + 1, "{derived} > {after} + 1");
        }
        // Past RESYNC the anchor is replaced: a long-running thread does not drift.
        std::thread::sleep(Duration::from_millis(3));
        let derived = clock.now_ms_at(Instant::now());
        let direct = clock.now_ms();
        assert!(derived.abs_diff(direct) <= 1, "{derived} vs {direct}");
    }

    #[test]
    fn a_manual_clock_ignores_the_instant() {
        assert_eq!(Clock::Manual(42).now_ms_at(Instant::now()), 42);
    }
}

//! The store's clock: the only place emu reads the time.
//!
//! `System` follows the wall clock; `Manual` moves only when a test sets or advances it, so
//! TTLs behave identically in every run.

use std::time::{SystemTime, UNIX_EPOCH};

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

//! Sorted sets.

use crate::engine::CommandSpec;
use crate::keyspace::{Config, Dict};

/// A sorted-set value.
#[derive(Clone, Debug, Default)]
pub struct ZSet {
    /// Member → score.
    pub scores: Dict<f64>,
}

impl ZSet {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        "skiplist"
    }
}

/// Sorted-set commands.
pub const COMMANDS: &[CommandSpec] = &[];

//! Lists.

use std::collections::VecDeque;

use crate::engine::CommandSpec;
use crate::keyspace::Config;

/// A list value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {
    /// Elements, head first.
    pub items: VecDeque<Vec<u8>>,
}

impl List {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// OBJECT ENCODING: Redis 7.0 always reports quicklist.
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        "quicklist"
    }
}

/// List commands.
pub const COMMANDS: &[CommandSpec] = &[];

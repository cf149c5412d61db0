//! Sets.

use crate::engine::CommandSpec;
use crate::keyspace::{Config, Dict};

/// A set value.
#[derive(Clone, Debug, Default)]
pub struct Set {
    /// Members.
    pub members: Dict<()>,
}

impl Set {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        "hashtable"
    }
}

/// Set commands.
pub const COMMANDS: &[CommandSpec] = &[];

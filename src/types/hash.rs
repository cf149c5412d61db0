//! Hashes.

use crate::engine::CommandSpec;
use crate::keyspace::{Config, Dict};

/// A hash value.
#[derive(Clone, Debug, Default)]
pub struct Hash {
    /// Field → value.
    pub fields: Dict<Vec<u8>>,
}

impl Hash {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        "hashtable"
    }
}

/// Hash commands.
pub const COMMANDS: &[CommandSpec] = &[];

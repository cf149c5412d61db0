//! Generic key and database commands: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, COPY, MOVE,
//! the EXPIRE family, TTL, PERSIST, RANDOMKEY, TOUCH, OBJECT, DBSIZE, FLUSHDB, FLUSHALL,
//! SELECT, SWAPDB.

use crate::engine::CommandSpec;

/// Key and database commands.
pub const COMMANDS: &[CommandSpec] = &[];

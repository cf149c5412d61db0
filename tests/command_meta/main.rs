//! COMMAND and its metadata (issue 15 item 6):
//!
//! - `table`: emu's own command table (arity, flags, key positions) agrees with Redis 7.0's
//!   published descriptions (`src/admin/command_meta.resp`); a disagreeing spec fails.
//! - `differential`: COMMAND INFO / DOCS of every command emu implements, COMMAND LIST
//!   filters and GETKEYS / GETKEYSANDFLAGS, byte for byte against a real redis-server, in
//!   RESP2 and RESP3.

#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod differential;
mod table;

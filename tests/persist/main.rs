//! Persistence: one test binary, one topic per module.
//!
//! - `api`: the persistence API on `emu::Redis` (open/reopen, builder options, fixtures);
//! - `basic`: reopen restores everything, logged effects, the directory lock, SAVE/BGSAVE,
//!   compaction, fsync failures, group commit, torn tails;
//! - `cli`: `emu dump|load|check|compact|serve --dir` end to end;
//! - `corrupt`: damage at every offset of a log and a snapshot is detected, never served;
//! - `crash`: SIGKILL a writer at random moments, every acknowledged write survives;
//! - `fixture`: the committed fixtures of the on-disk format keep opening identically;
//! - `prop`: random operations → close → reopen → identical state;
//! - `repair`: `emu check --repair` at every damaged offset leaves a directory that opens clean;
//! - `server`: persistence through the RESP server;
//! - `streamed`: dump/check/compact without a store give what the store path gives;
//! - `tools`: dump → load → dump identity, atomic load, check, compact.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

mod api;
mod basic;
mod cli;
mod corrupt;
mod crash;
mod fixture;
mod prop;
mod repair;
mod server;
mod streamed;
mod tools;

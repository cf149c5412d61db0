//! Sorted sets: one test binary, one topic per module.
//!
//! - `basics`: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK,
//!   encodings, notifications and effects;
//! - `ranges`: the ZRANGE family and ZRANGESTORE, ZREMRANGEBY*;
//! - `ops`: ZPOPMIN/ZPOPMAX/ZMPOP, ZUNION/ZINTER/ZDIFF (+STORE), ZINTERCARD, ZRANDMEMBER, ZSCAN;
//! - `model`: a property test against a reference model.

#[path = "../common/mod.rs"]
mod common;

mod basics;
mod model;
mod ops;
mod ranges;

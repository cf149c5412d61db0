//! Sorted sets: one test binary, one topic per module.
//!
//! - `basics`: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK,
//!   encodings, notifications and effects;
//! - `ranges`: the ZRANGE family and ZRANGESTORE, ZREMRANGEBY*;
//! - `ops`: ZPOPMIN/ZPOPMAX/ZMPOP, ZUNION/ZINTER/ZDIFF (+STORE), ZINTERCARD, ZRANDMEMBER, ZSCAN;
//! - `model`: a property test against a reference model;
//! - `encoding`: OBJECT ENCODING at every conversion point, against a real redis-server.

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

mod basics;
#[cfg(feature = "server")]
mod encoding;
mod model;
mod ops;
mod ranges;

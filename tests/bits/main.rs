//! Bitmaps, HyperLogLog and LCS: one test binary, one topic per module.
//!
//! - `differential`: random SETBIT/GETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD streams, random
//!   PFADD/PFMERGE sequences (then `GET` of every HLL: the bytes must be Redis's), HLL values
//!   written by Redis loaded into emu, and LCS of random strings — all against a real
//!   redis-server, byte for byte;
//! - `model`: property tests of BITFIELD's overflow arithmetic against an `i128` model, and
//!   of the bit primitives against bit loops;
//! - `embedded`: the typed API (`setbit`, `bitcount`, `bitfield` builder, `pfadd`, `lcs`, …)
//!   and pipelines, the log (replay of the effects) and PFCOUNT's cache.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod differential;
mod embedded;
mod model;

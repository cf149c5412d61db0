//! The data types: each module holds the value representation and its command
//! handlers, and exports them as `COMMANDS`. `bitmap`, `hll` and `lcs` are commands on
//! string values (bitmaps, HyperLogLog in Redis's byte format, LCS); `sort` is SORT and
//! SORT_RO over lists, sets and sorted sets; `geo` holds the GEO* commands, which work on
//! sorted sets. `listpack` is the compact buffer small hashes and sorted sets live in.

pub mod bitmap;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod keys;
pub mod lcs;
pub mod list;
pub mod listpack;
pub mod set;
pub mod sort;
pub mod stream;
pub mod string;
pub mod zset;

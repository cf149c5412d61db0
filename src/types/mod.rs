//! The five data types: each module holds the value representation and its command
//! handlers, and exports them as `COMMANDS`.

pub mod bitmap;
pub mod hash;
pub mod hll;
pub mod keys;
pub mod lcs;
pub mod list;
pub mod set;
pub mod string;
pub mod zset;

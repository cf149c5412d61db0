//! The data types: each module holds the value representation and its command
//! handlers, and exports them as `COMMANDS`.

pub mod hash;
pub mod keys;
pub mod list;
pub mod set;
pub mod stream;
pub mod string;
pub mod zset;

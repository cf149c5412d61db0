//! Redis's RDB format: the codec for RDB files (version 10, as Redis 7.0 writes them, and
//! the older versions 7.0 still loads), DUMP / RESTORE payloads, and the primitives that
//! FUNCTION DUMP shares ([`codec`]: lengths, strings with integer and LZF encodings, CRC64,
//! the payload footer).
//!
//! FORMAT.md's "RDB" section lists what is read and written.

pub mod blobs;
pub mod codec;
pub mod commands;
pub mod file;
pub mod lzf;
pub mod master;
pub mod migrate;
pub mod pull;
pub mod stream;
pub mod value;

pub use codec::{
    crc64, open_payload, seal_payload, write_double, write_int_string, write_len, write_string,
    RdbError, Reader, RDB_VERSION,
};

/// Value type bytes (`rdb.h`: fixed, they are on disk).
pub mod kind {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
}

/// Opcodes of an RDB file (`rdb.h`).
pub mod opcode {
    pub const FUNCTION: u8 = 246;
    pub const FUNCTION2: u8 = 245;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

//! Redis Cluster's hash slots: `CRC16(key) mod 16384` (XMODEM CRC, as Redis's `crc16.c`),
//! hashing only the part between the first `{` and the next `}` when it is not empty (a
//! "hash tag"), as Redis's `keyHashSlot`.

use crc::{Crc, CRC_16_XMODEM};

/// Number of hash slots in a Redis Cluster.
pub const SLOTS: u16 = 16384;

const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// The slot of `key`.
pub fn key_hash_slot(key: &[u8]) -> u16 {
    CRC16.checksum(hash_tag(key)) & (SLOTS - 1)
}

/// The bytes of `key` that are hashed: the hash tag if there is a non-empty one.
fn hash_tag(key: &[u8]) -> &[u8] {
    let Some(open) = key.iter().position(|&c| c == b'{') else {
        return key;
    };
    match key[open + 1..].iter().position(|&c| c == b'}') {
        Some(0) | None => key,
        Some(len) => &key[open + 1..open + 1 + len],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_as_redis() {
        // Values from a real redis-server 7.0 (CLUSTER KEYSLOT) and Redis's cluster spec.
        assert_eq!(CRC16.checksum(b"123456789"), 0x31c3);
        assert_eq!(key_hash_slot(b"a"), 15495);
        assert_eq!(key_hash_slot(b"foo"), 12182);
        assert_eq!(key_hash_slot(b"{user1}:a"), 8106);
        assert_eq!(key_hash_slot(b"{user1}:a"), key_hash_slot(b"user1"));
        assert_eq!(key_hash_slot(b"{}a"), key_hash_slot(b"{}a"));
        assert_ne!(key_hash_slot(b"{}a"), key_hash_slot(b"a"));
        assert_eq!(key_hash_slot(b"x{a}y{b}"), key_hash_slot(b"a"));
        assert_eq!(key_hash_slot(b"{a"), CRC16.checksum(b"{a") & 16383);
        assert_eq!(key_hash_slot(b""), 0);
    }
}

//! The listpack form of a small sorted set (Redis's `zzl*` functions in `t_zset.c`).
//!
//! One [`Listpack`] buffer of `member, score` entry pairs in `(score, member)` order, as
//! Redis 7.0 keeps a sorted set of at most `zset-max-listpack-entries` members of at most
//! `zset-max-listpack-value` bytes. Every lookup walks the buffer (Redis does too): that is
//! cheap at the 128 members the default allows and costs no table, no index and no
//! allocation per member.
//!
//! # Score entries
//!
//! A score is an entry of 0 to 8 bytes: 0..=7 bytes hold a little-endian two's-complement
//! integer (sign-extended; an empty entry is 0), used for integral scores below 2^55 in
//! magnitude; 8 bytes hold the IEEE-754 bits of any other score. So `member-7 → 42` costs
//! 1 + 8 + 1 + 1 = 11 bytes. An integral score is stored as an integer the way Redis's
//! listpack stores it: `-0` reads back as `0`.

use super::index::cmp_key;
use crate::types::listpack::{entry_at, Listpack};
use std::cmp::Ordering;

/// Integral scores below this magnitude are stored as integers (fit in 7 bytes).
const INT_LIM: f64 = (1u64 << 55) as f64;

/// Encodes `s` into `buf`; returns the entry's length.
#[inline]
fn encode_score(s: f64, buf: &mut [u8; 8]) -> usize {
    if s.fract() == 0.0 && s.abs() < INT_LIM {
        let i = s as i64;
        // The shortest length whose sign extension gives `i` back (at most 7 bytes).
        let fits = |n: usize| {
            if n == 0 {
                i == 0
            } else {
                let top = i >> (8 * n - 1);
                top == 0 || top == -1
            }
        };
        let mut n = 0;
        while !fits(n) {
            n += 1;
        }
        buf[..n].copy_from_slice(&i.to_le_bytes()[..n]);
        n
    } else {
        *buf = s.to_le_bytes();
        8
    }
}

/// Decodes a score entry written by [`encode_score`].
#[inline]
pub(crate) fn decode_score(b: &[u8]) -> f64 {
    match b.len() {
        0 => 0.0,
        8 => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        n => {
            let fill = if b[n - 1] & 0x80 != 0 { 0xff } else { 0 };
            let mut x = [fill; 8];
            x[..n].copy_from_slice(b);
            i64::from_le_bytes(x) as f64
        }
    }
}

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Pack {
    lp: Listpack,
}

impl Pack {
    /// An empty pack (no allocation).
    pub const fn new() -> Pack {
        Pack {
            lp: Listpack::new(),
        }
    }

    /// Builds from pairs already in `(score, member)` order, without duplicates.
    pub fn from_sorted<'a>(pairs: impl IntoIterator<Item = (&'a [u8], f64)>) -> Pack {
        let mut p = Pack::new();
        let mut buf = [0u8; 8];
        for (m, s) in pairs {
            let n = encode_score(s, &mut buf);
            p.lp.push_all(&[m, &buf[..n]]);
        }
        p
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.lp.len() / 2
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.lp.is_empty()
    }

    /// Bytes of the buffer's allocation.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.lp.capacity()
    }

    /// The pairs in order, with the offset of each member entry.
    #[inline]
    pub fn pairs(&self) -> Pairs<'_> {
        Pairs {
            cur: self.lp.cursor(),
        }
    }

    /// Offset and score of `member` (`zzlFind`). The hot loop of ZSCORE, ZRANK, ZADD and
    /// ZREM on a small set: one prefix decode per pair (a score entry's prefix is one byte,
    /// it is at most 8 bytes long) and member bytes compared only when the length and the
    /// last byte match.
    #[inline]
    pub fn find(&self, member: &[u8]) -> Option<(usize, f64)> {
        let buf = self.lp.as_bytes();
        let last = member.last().copied();
        let mut pos = 0;
        while pos < buf.len() {
            let (ms, me) = entry_at(buf, pos);
            let ss = me + 1;
            let se = ss + usize::from(*buf.get(me)?);
            if me - ms == member.len()
                && (last.is_none() || buf.get(me.wrapping_sub(1)).copied() == last)
                && buf.get(ms..me)? == member
            {
                return Some((pos, decode_score(buf.get(ss..se)?)));
            }
            pos = se;
        }
        None
    }

    /// Inserts a member that is not present at its place in the order (`zzlInsert`).
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let mut at = self.lp.byte_len();
        for (off, m, s) in self.pairs() {
            if cmp_key(s, m, score, member) == Ordering::Greater {
                at = off;
                break;
            }
        }
        let mut buf = [0u8; 8];
        let n = encode_score(score, &mut buf);
        self.lp.insert(at, &[member, &buf[..n]]);
    }

    /// Removes the pair whose member entry is at `offset` (`zzlDelete`).
    #[inline]
    pub fn remove_at(&mut self, offset: usize) {
        self.lp.remove(offset, 2);
    }

    /// Offset of the member entry of the pair at `rank` (the end for `rank == len`).
    fn offset_of(&self, rank: usize) -> usize {
        self.pairs()
            .nth(rank)
            .map_or(self.lp.byte_len(), |(off, _, _)| off)
    }

    /// Removes the pairs with ranks `start..end` (`zzlDeleteRangeByRank`).
    pub fn remove_range(&mut self, start: usize, end: usize) {
        if start < end {
            let off = self.offset_of(start);
            self.lp.remove(off, 2 * (end - start));
        }
    }

    /// Iterates from `rank`.
    #[inline]
    pub fn iter_from(&self, rank: usize) -> Pairs<'_> {
        let mut it = self.pairs();
        if rank > 0 {
            it.nth(rank - 1);
        }
        it
    }
}

/// The pairs of a [`Pack`] in order: (offset of the member entry, member, score).
#[derive(Clone)]
pub struct Pairs<'a> {
    cur: crate::types::listpack::Cursor<'a>,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (usize, &'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (at, m) = self.cur.next()?;
        let (_, s) = self.cur.next()?;
        Some((at, m, decode_score(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn score_entries_round_trip_and_are_short() {
        let cases: &[(f64, usize)] = &[
            (0.0, 0),
            (-0.0, 0),
            (1.0, 1),
            (-1.0, 1),
            (127.0, 1),
            (128.0, 2),
            (-128.0, 1),
            (-129.0, 2),
            (99.0, 1),
            (65_535.0, 3),
            (9_007_199_254_740_991.0, 7), // 2^53 - 1
            (-9_007_199_254_740_992.0, 7),
            (-((1u64 << 55) as f64), 8),
            ((1u64 << 55) as f64, 8),
            (0.5, 8),
            (f64::INFINITY, 8),
            (f64::NEG_INFINITY, 8),
            (1e300, 8),
        ];
        for &(s, len) in cases {
            let mut buf = [0u8; 8];
            let n = encode_score(s, &mut buf);
            assert_eq!(n, len, "length for {s}");
            let back = decode_score(&buf[..n]);
            assert_eq!(back, s, "round trip of {s}");
            if s == 0.0 {
                assert!(back.is_sign_positive(), "-0 reads back as 0");
            }
        }
    }

    proptest! {
        #[test]
        fn any_score_round_trips(s in any::<f64>().prop_filter("not NaN", |s| !s.is_nan())) {
            let mut buf = [0u8; 8];
            let n = encode_score(s, &mut buf);
            let back = decode_score(&buf[..n]);
            prop_assert_eq!(back, s);
            if s != 0.0 {
                prop_assert_eq!(back.to_bits(), s.to_bits());
            }
        }

        #[test]
        fn integers_round_trip(i in -(1i64 << 53)..=(1i64 << 53)) {
            let mut buf = [0u8; 8];
            let n = encode_score(i as f64, &mut buf);
            prop_assert!(n < 8);
            prop_assert_eq!(decode_score(&buf[..n]), i as f64);
        }
    }
}

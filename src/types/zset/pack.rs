//! The listpack form of a small sorted set (Redis's `zzl*` functions in `t_zset.c`).
//!
//! One flat buffer of `(member, score)` pairs in `(score, member)` order, as Redis 7.0
//! keeps a sorted set of at most `zset-max-listpack-entries` members of at most
//! `zset-max-listpack-value` bytes. Every lookup walks the buffer (Redis does too): that is
//! cheap at the 128 members the default allows and costs no table, no index and no
//! allocation per member. (This in-memory layout is emu's own; DUMP and RDB write Redis's
//! listpack bytes from the pairs.)
//!
//! # Pairs
//!
//! Each pair is a header, the member bytes, then the score entry. The header is two bytes,
//! `[score length | flags, member length]`, for members under 256 bytes, and five,
//! `[score length | LONG, member length as u32 LE]`, for longer ones. One header read gives
//! both lengths, so a walk costs one dependent load per pair, and a lookup compares
//! member bytes only on a length match.
//!
//! # Score entries
//!
//! A score is an entry of 0 to 8 bytes: 0..=7 bytes hold a little-endian two's-complement
//! integer (sign-extended; an empty entry is 0), used for integral scores below 2^55 in
//! magnitude; 8 bytes hold the IEEE-754 bits of any other score. So `member-7 → 42` costs
//! 2 + 8 + 1 = 11 bytes. An integral score is stored as an integer the way Redis's
//! listpack stores it: `-0` reads back as `0`.
//!
//! # Capacity
//!
//! The buffer grows to what it holds (as Redis reallocates a listpack on each insert): a
//! small value must cost its bytes, not a doubled capacity. ZADD of many members reserves
//! once for all of them and gives back what it did not use.

use super::index::cmp_key;
use std::cmp::Ordering;

/// Integral scores below this magnitude are stored as integers (fit in 7 bytes).
const INT_LIM: f64 = (1u64 << 55) as f64;

/// Header flag: the member's length is a 4-byte little-endian integer (members of 256
/// bytes or more, possible with a raised `zset-max-listpack-value`).
const LONG: u8 = 0x10;

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
        n @ 1..=7 => {
            // Byte by byte, then sign-extended by shifts: a variable-length
            // `copy_from_slice` here became a `memmove` call per pair (20 % of a ZADD).
            let mut v = 0u64;
            for (i, &byte) in b.iter().enumerate() {
                v |= u64::from(byte) << (8 * i);
            }
            let shift = 64 - 8 * n as u32;
            ((v << shift) as i64 >> shift) as f64
        }
        // 8 bytes (the module never writes more).
        _ => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
    }
}

/// Bytes a pair of an `mlen`-byte member and an `slen`-byte score entry takes.
#[inline]
fn pair_len(mlen: usize, slen: usize) -> usize {
    if mlen < 256 {
        2 + mlen + slen
    } else {
        5 + mlen + slen
    }
}

/// Writes a pair into `dst`, which is exactly [`pair_len`] bytes long.
#[inline]
fn write_pair(dst: &mut [u8], m: &[u8], s: &[u8]) {
    let ms = if m.len() < 256 {
        dst[0] = s.len() as u8;
        dst[1] = m.len() as u8;
        2
    } else {
        dst[0] = s.len() as u8 | LONG;
        dst[1..5].copy_from_slice(&(m.len() as u32).to_le_bytes());
        5
    };
    dst[ms..ms + m.len()].copy_from_slice(m);
    dst[ms + m.len()..].copy_from_slice(s);
}

/// The pair at `pos`: (start of the member, end of the member = start of the score, end
/// of the score = offset of the next pair). `pos` must be a pair's offset in `buf` (the
/// buffer is only ever written by this module); out-of-range lengths are clamped.
#[inline(always)]
fn pair_at(buf: &[u8], pos: usize) -> (usize, usize, usize) {
    let h = buf.get(pos).copied().unwrap_or(0);
    let (ms, mlen) = if h & LONG == 0 {
        (pos + 2, usize::from(buf.get(pos + 1).copied().unwrap_or(0)))
    } else {
        let mut l = [0u8; 4];
        if let Some(b) = buf.get(pos + 1..pos + 5) {
            l.copy_from_slice(b);
        }
        (pos + 5, u32::from_le_bytes(l) as usize)
    };
    let me = (ms + mlen).min(buf.len());
    let se = (me + usize::from(h & 0x0f)).min(buf.len());
    (ms.min(me), me, se)
}

/// `a == b` for slices of the same length, with word compares for the usual member
/// lengths (4 to 16 bytes: two overlapping loads per side) instead of a `memcmp` call.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |s: &[u8], at: usize| {
        let mut x = [0u8; 8];
        x.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(x)
    };
    let w4 = |s: &[u8], at: usize| {
        let mut x = [0u8; 4];
        x.copy_from_slice(&s[at..at + 4]);
        u32::from_ne_bytes(x)
    };
    if (8..=16).contains(&n) {
        ((w8(a, 0) ^ w8(b, 0)) | (w8(a, n - 8) ^ w8(b, n - 8))) == 0
    } else if (4..8).contains(&n) {
        ((w4(a, 0) ^ w4(b, 0)) | (w4(a, n - 4) ^ w4(b, n - 4))) == 0
    } else {
        a == b
    }
}

/// Where [`Pack::locate`] found a member, or where it would go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spot {
    /// Present: offset of its pair and its score.
    Present(usize, f64),
    /// Absent: the offset to insert it at for the score asked about.
    Absent(usize),
}

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Pack {
    buf: Vec<u8>,
    count: u32,
}

impl Pack {
    /// An empty pack (no allocation).
    pub const fn new() -> Pack {
        Pack {
            buf: Vec::new(),
            count: 0,
        }
    }

    /// Builds from pairs already in `(score, member)` order, without duplicates.
    pub fn from_sorted<'a>(pairs: impl IntoIterator<Item = (&'a [u8], f64)>) -> Pack {
        let mut sb = [0u8; 8];
        let mut p = Pack::new();
        for (m, s) in pairs {
            let n = encode_score(s, &mut sb);
            p.append(m, &sb[..n]);
        }
        p.trim();
        p
    }

    /// Appends a pair at the end (the caller keeps the order).
    fn append(&mut self, m: &[u8], s: &[u8]) {
        let at = self.buf.len();
        let len = pair_len(m.len(), s.len());
        // Geometric growth while building; `from_sorted` trims at the end.
        self.buf.resize(at + len, 0);
        write_pair(&mut self.buf[at..], m, s);
        self.count += 1;
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the buffer's allocation.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Makes room for `extra` more bytes at once (ZADD of many members: one allocation
    /// instead of one per member, as Redis's `zsetTypeCreate` size hint).
    pub fn reserve(&mut self, extra: usize) {
        self.buf.reserve_exact(extra);
    }

    /// Gives back capacity left unused (after a [`Pack::reserve`] that overestimated).
    pub fn trim(&mut self) {
        if self.buf.capacity() > self.buf.len() {
            self.buf.shrink_to_fit();
        }
    }

    /// Bytes `member` with `score` would take.
    #[inline]
    pub fn pair_bytes(member: &[u8], score: f64) -> usize {
        pair_len(member.len(), encode_score(score, &mut [0u8; 8]))
    }

    /// The pairs in order, with the offset of each pair.
    #[inline]
    pub fn pairs(&self) -> Pairs<'_> {
        Pairs {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// Offset, rank and score of `member` (`zzlFind`): the hot loop of ZSCORE, ZRANK and
    /// ZREM on a small set. Per pair: one header read (both lengths), a length compare,
    /// and word compares of the member only on a length match; no score is decoded but
    /// the one found.
    #[inline]
    pub fn find(&self, member: &[u8]) -> Option<(usize, usize, f64)> {
        let buf = &self.buf[..];
        let n = member.len();
        let mut pos = 0;
        let mut rank = 0;
        while pos < buf.len() {
            let (ms, me, se) = pair_at(buf, pos);
            if me - ms == n && same(&buf[ms..me], member) {
                return Some((pos, rank, decode_score(&buf[me..se])));
            }
            pos = se;
            rank += 1;
        }
        None
    }

    /// One walk for ZADD: where `member` is, or where it goes with `score` when absent.
    #[inline]
    pub fn locate(&self, member: &[u8], score: f64) -> Spot {
        let buf = &self.buf[..];
        let n = member.len();
        let mut pos = 0;
        // The insert position, once a pair compares greater than (score, member).
        let mut at = None;
        while pos < buf.len() {
            let (ms, me, se) = pair_at(buf, pos);
            let m = &buf[ms..me];
            if me - ms == n && same(m, member) {
                return Spot::Present(pos, decode_score(&buf[me..se]));
            }
            if at.is_none() && cmp_key(decode_score(&buf[me..se]), m, score, member).is_gt() {
                at = Some(pos);
            }
            pos = se;
        }
        Spot::Absent(at.unwrap_or(buf.len()))
    }

    /// Inserts an absent member at `at`, as given by [`Pack::locate`] for this score with
    /// no change since (`zzlInsertAt`): the tail moves up in place.
    pub fn insert_at(&mut self, at: usize, member: &[u8], score: f64) {
        let mut sb = [0u8; 8];
        let sn = encode_score(score, &mut sb);
        let len = pair_len(member.len(), sn);
        let old = self.buf.len();
        let at = at.min(old);
        // Exactly what the pair needs (no doubling), unless a ZADD reserved ahead.
        if self.buf.capacity() - old < len {
            self.buf.reserve_exact(len);
        }
        self.buf.resize(old + len, 0);
        self.buf.copy_within(at..old, at + len);
        write_pair(&mut self.buf[at..at + len], member, &sb[..sn]);
        self.count += 1;
    }

    /// Offset of the first pair in `from..to` (pair offsets) that sorts after
    /// (`score`, `member`), if any.
    fn first_greater(&self, from: usize, to: usize, score: f64, member: &[u8]) -> Option<usize> {
        let mut pos = from;
        while pos < to {
            let (qs, qe, qn) = pair_at(&self.buf, pos);
            let s = decode_score(&self.buf[qe..qn]);
            if cmp_key(s, &self.buf[qs..qe], score, member) == Ordering::Greater {
                return Some(pos);
            }
            pos = qn;
        }
        None
    }

    /// Gives the present member whose pair starts at `at` (as found by [`Pack::find`] or
    /// [`Pack::locate`], no change since) the score `score`, moving its pair in place: the
    /// pairs between its old and new place shift by one `copy_within`, and a score that
    /// keeps the member's rank is written where it is. No temporary buffer but the pair
    /// itself, no reallocation unless the score entry grows past the spare capacity.
    pub fn update_at(&mut self, at: usize, member: &[u8], score: f64) {
        let (ms, me, end) = pair_at(&self.buf, at);
        let old = decode_score(&self.buf[me..end]);
        let len = self.buf.len();
        // `t`: the offset (in the buffer as it is) before which the pair belongs.
        let t = match score.partial_cmp(&old) {
            Some(Ordering::Greater) => {
                // Moves up or stays: the first later pair that compares greater.
                self.first_greater(end, len, score, member).unwrap_or(len)
            }
            Some(Ordering::Less) => {
                // Moves down or stays: the first earlier pair that compares greater.
                self.first_greater(0, at, score, member).unwrap_or(at)
            }
            _ => at,
        };
        let mut sb = [0u8; 8];
        let sn = encode_score(score, &mut sb);
        let new_len = pair_len(me - ms, sn);
        let old_len = end - at;
        // The new pair, built before any byte moves.
        let mut small = [0u8; 64];
        let mut big = Vec::new();
        let pair: &mut [u8] = if new_len <= small.len() {
            &mut small[..new_len]
        } else {
            big.resize(new_len, 0);
            &mut big[..]
        };
        write_pair(pair, member, &sb[..sn]);
        let grow = new_len.saturating_sub(old_len);
        let shrink = old_len.saturating_sub(new_len);
        if grow > 0 {
            if self.buf.capacity() - len < grow {
                self.buf.reserve_exact(grow);
            }
            self.buf.resize(len + grow, 0);
        }
        if t >= end {
            // [..at) [end..t) pair [t..len)
            if grow > 0 {
                self.buf.copy_within(t..len, t + grow);
            }
            self.buf.copy_within(end..t, at);
            let p = at + (t - end);
            self.buf[p..p + new_len].copy_from_slice(pair);
            if shrink > 0 {
                self.buf.copy_within(t..len, t - shrink);
            }
        } else {
            // t <= at: [..t) pair [t..at) [end..len)
            if grow > 0 {
                self.buf.copy_within(end..len, end + grow);
            }
            self.buf.copy_within(t..at, t + new_len);
            self.buf[t..t + new_len].copy_from_slice(pair);
            if shrink > 0 {
                self.buf.copy_within(end..len, end - shrink);
            }
        }
        if shrink > 0 {
            self.buf.truncate(len - shrink);
        }
    }

    /// Inserts a member that is not present at its place in the order (`zzlInsert`).
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let mut at = self.buf.len();
        let mut pos = 0;
        while pos < self.buf.len() {
            let (ms, me, se) = pair_at(&self.buf, pos);
            let s = decode_score(&self.buf[me..se]);
            if cmp_key(s, &self.buf[ms..me], score, member) == Ordering::Greater {
                at = pos;
                break;
            }
            pos = se;
        }
        self.insert_at(at, member, score);
    }

    /// Removes the pair at offset `offset` (`zzlDelete`).
    #[inline]
    pub fn remove_at(&mut self, offset: usize) {
        let end = pair_at(&self.buf, offset).2;
        self.remove_bytes(offset, end, 1);
    }

    /// Removes bytes `start..end` holding `n` pairs.
    fn remove_bytes(&mut self, start: usize, end: usize, n: usize) {
        self.buf.drain(start..end);
        self.count -= n as u32;
        // Gives back a capacity that removals left unused (beyond a little slack).
        if self.buf.capacity() > self.buf.len() + 64 {
            self.buf.shrink_to_fit();
        }
    }

    /// Offset of the pair at `rank` (the end for `rank >= len`): a walk of the headers.
    fn offset_of(&self, rank: usize) -> usize {
        let mut pos = 0;
        for _ in 0..rank {
            if pos >= self.buf.len() {
                break;
            }
            pos = pair_at(&self.buf, pos).2;
        }
        pos.min(self.buf.len())
    }

    /// Removes the pairs with ranks `start..end` (`zzlDeleteRangeByRank`).
    pub fn remove_range(&mut self, start: usize, end: usize) {
        if start < end {
            let a = self.offset_of(start);
            let mut b = a;
            for _ in start..end {
                if b >= self.buf.len() {
                    break;
                }
                b = pair_at(&self.buf, b).2;
            }
            self.remove_bytes(a, b, end - start);
        }
    }

    /// Iterates from `rank`.
    #[inline]
    pub fn iter_from(&self, rank: usize) -> Pairs<'_> {
        Pairs {
            buf: &self.buf,
            pos: self.offset_of(rank),
        }
    }
}

/// The pairs of a [`Pack`] in order: (offset of the pair, member, score).
#[derive(Clone)]
pub struct Pairs<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (usize, &'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let at = self.pos;
        let (ms, me, se) = pair_at(self.buf, at);
        self.pos = se;
        Some((at, &self.buf[ms..me], decode_score(&self.buf[me..se])))
    }

    /// Skips pairs by their headers, decoding no score.
    #[inline]
    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        for _ in 0..n {
            if self.pos >= self.buf.len() {
                return None;
            }
            self.pos = pair_at(self.buf, self.pos).2;
        }
        self.next()
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

    /// Members of every length class `same` and the header distinguish, including long
    /// ones (5-byte header), bytes chosen so equal lengths differ in one place only.
    fn member() -> impl Strategy<Value = Vec<u8>> {
        (
            prop_oneof![
                Just(0usize),
                Just(1),
                Just(3),
                Just(4),
                Just(7),
                Just(8),
                Just(9),
                Just(16),
                Just(17),
                Just(255),
                Just(256),
                Just(300)
            ],
            0usize..300,
            0u8..3,
        )
            .prop_map(|(n, at, v)| {
                let mut m = vec![b'a'; n];
                if n > 0 {
                    m[at % n] = b'a' + v;
                }
                m
            })
    }

    proptest! {
        /// The pack against a BTreeMap: ZADD's walk (`locate` + `insert_at`), `insert`,
        /// `update_at` (moving up, down, staying, with a longer or shorter score entry),
        /// `find` (offset, rank, score), removals, and the pairs in (score, member) order.
        #[test]
        fn matches_a_model(ops in proptest::collection::vec(
            (member(), prop_oneof![Just(0.0), Just(-3.0), Just(1.5), Just(300.0), Just(1e300)], 0u8..4),
            0..60,
        )) {
            let mut p = Pack::new();
            let mut model: std::collections::BTreeMap<Vec<u8>, f64> = Default::default();
            for (m, s, kind) in ops {
                match kind {
                    0 | 1 => {
                        let spot = p.locate(&m, s);
                        match (spot, model.get(&m)) {
                            (Spot::Present(at, got), Some(&want)) => {
                                prop_assert_eq!(got, want);
                                // ZADD's update: the pair moves (or stays) in place.
                                if kind == 1 {
                                    p.update_at(at, &m, s);
                                    model.insert(m.clone(), s);
                                }
                            }
                            (Spot::Absent(at), None) => {
                                if kind == 0 {
                                    p.insert_at(at, &m, s);
                                } else {
                                    p.insert(&m, s);
                                }
                                model.insert(m.clone(), s);
                            }
                            (spot, want) => prop_assert!(false, "{:?} vs {:?}", spot, want),
                        }
                    }
                    2 => {
                        if let Some((at, _, got)) = p.find(&m) {
                            prop_assert_eq!(model.remove(&m), Some(got));
                            p.remove_at(at);
                        } else {
                            prop_assert!(!model.contains_key(&m));
                        }
                    }
                    _ => {
                        let n = p.len();
                        p.remove_range(n / 3, n / 2);
                        let mut sorted: Vec<(Vec<u8>, f64)> =
                            model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                        sorted.sort_by(|a, b| cmp_key(a.1, &a.0, b.1, &b.0));
                        for (m, _) in &sorted[n / 3..n / 2] {
                            model.remove(m);
                        }
                    }
                }
                let mut sorted: Vec<(Vec<u8>, f64)> =
                    model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                sorted.sort_by(|a, b| cmp_key(a.1, &a.0, b.1, &b.0));
                prop_assert_eq!(p.len(), sorted.len());
                let got: Vec<(Vec<u8>, f64)> = p.pairs().map(|(_, m, s)| (m.to_vec(), s)).collect();
                prop_assert_eq!(&got, &sorted);
                for (rank, (m, s)) in sorted.iter().enumerate() {
                    let (at, r, got) = p.find(m).ok_or_else(|| TestCaseError::fail("member lost"))?;
                    prop_assert_eq!((r, got), (rank, *s));
                    prop_assert_eq!(p.iter_from(rank).next().map(|(o, _, _)| o), Some(at));
                    prop_assert_eq!(p.pairs().nth(rank).map(|(o, _, _)| o), Some(at));
                }
                prop_assert!(p.iter_from(sorted.len()).next().is_none());
            }
        }

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

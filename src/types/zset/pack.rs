//! The listpack form of a small sorted set (Redis's `zzl*` functions in `t_zset.c`).
//!
//! The `(member, score)` pairs of a set of at most `zset-max-listpack-entries` members of
//! at most `zset-max-listpack-value` bytes, in `(score, member)` order, in one flat buffer:
//! no table, no allocation per member, as Redis 7.0 keeps them. The in-memory layout is
//! emu's own; DUMP and RDB write Redis's listpack bytes from the pairs, the snapshot the
//! pairs themselves.
//!
//! # Layout: columns
//!
//! Redis puts each member next to its score and walks entry by entry, one dependent load
//! per entry. Here the `n` pairs are kept in four columns, so that a lookup reads
//! contiguous arrays with no load depending on the one before:
//!
//! ```text
//! [tags: n × 1][lengths: n × L][scores: n × W][member bytes, back to back]
//! ```
//!
//! * **tag**: one byte of a hash of the member (`tag`). A lookup compares 8 tags per
//!   64-bit word (no load depends on another) and reads a member's bytes only where both
//!   its tag and its length match: about one pair in 256 besides the one sought.
//! * **length** of the member: L = 1 byte while every member is under 256 bytes, else 4
//!   (little-endian) for every member.
//! * **score**: W bytes for every pair, W the width of the widest score held (below), so
//!   the score of rank `i` is at a fixed place: a binary search finds where a score goes.
//! * **member bytes**: the member of rank `i` starts after the lengths of the members
//!   before it, a sum over contiguous bytes (8 per word), not a walk.
//!
//! A pair costs 1 + L + W + member bytes: `member-7 → 42` takes 1 + 1 + 1 + 8 = 11 bytes,
//! what a 2-byte header and a 1-byte score took when pairs were laid back to back.
//!
//! # Scores
//!
//! With W of 0 to 7, every score is a little-endian two's-complement integer of W bytes
//! (sign-extended; W = 0 holds only 0): integral scores below 2^55 in magnitude. With
//! W = 8 every score is the IEEE-754 bits of a double; integral scores are normalised
//! through an integer first, so in every width `-0` reads back as `0`, as from Redis's
//! listpack. A score wider than W (or a member of 256 bytes or more with L = 1) widens
//! the column for every pair, re-laying the buffer out once; widths narrow again when the
//! set is rebuilt (a load, a STORE command's result) or emptied.
//!
//! # Capacity
//!
//! The buffer grows to what it holds (as Redis reallocates a listpack on each insert): a
//! small value must cost its bytes, not a doubled capacity. ZADD of many members reserves
//! once for all of them and gives back what it did not use.

/// Integral scores below this magnitude are stored as integers (fit in 7 bytes).
const INT_LIM: f64 = (1u64 << 55) as f64;

/// Bytes a score entry of `s` needs: the fewest whose sign extension gives back an
/// integral score below 2^55 in magnitude (0 for 0), else 8 (the double's bits).
#[inline]
fn width_of(s: f64) -> usize {
    if s.fract() == 0.0 && s.abs() < INT_LIM {
        let i = s as i64;
        if i == 0 {
            return 0;
        }
        // Significant bits plus the sign bit.
        let mag = if i < 0 { !i } else { i };
        let bits = 65 - mag.leading_zeros() as usize;
        bits.div_ceil(8)
    } else {
        8
    }
}

/// Writes `s` as a `dst.len()`-byte score entry; `dst.len()` is at least [`width_of`]`(s)`.
#[inline]
fn encode_score(s: f64, dst: &mut [u8]) {
    let integral = s.fract() == 0.0 && s.abs() < INT_LIM;
    if dst.len() == 8 {
        // Through an integer when integral: `-0` is stored as `0`.
        let v = if integral { s as i64 as f64 } else { s };
        dst.copy_from_slice(&v.to_le_bytes());
    } else {
        let n = dst.len();
        dst.copy_from_slice(&(s as i64).to_le_bytes()[..n]);
    }
}

/// Decodes a score entry written by [`encode_score`].
#[inline]
pub(crate) fn decode_score(b: &[u8]) -> f64 {
    match b.len() {
        0 => 0.0,
        n @ 1..=7 => {
            // Byte by byte, then sign-extended by shifts: a variable-length
            // `copy_from_slice` here became a `memmove` call.
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

/// Eight bytes of `s` from `at`, little-endian.
#[inline(always)]
fn w8(s: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Four bytes of `s` from `at`, little-endian.
#[inline(always)]
fn w4(s: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&s[at..at + 4]);
    u32::from_le_bytes(x)
}

/// The member's tag: a byte of a folded-multiply hash (the 128-bit product's halves
/// XORed) of its bytes and length, two overlapping words for the usual 8 to 16 bytes.
/// Only ever compared in memory, never stored on disk; a collision costs one more
/// compare, never a wrong answer.
#[inline]
pub(crate) fn tag(m: &[u8]) -> u8 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let fold = |x: u64, y: u64| {
        let p = u128::from(x) * u128::from(y);
        p as u64 ^ (p >> 64) as u64
    };
    let n = m.len();
    let (a, b) = if n >= 8 {
        (w8(m, 0), w8(m, n - 8))
    } else if n >= 4 {
        (u64::from(w4(m, 0)), u64::from(w4(m, n - 4)))
    } else if n > 0 {
        (
            u64::from(m[0]) | u64::from(m[n / 2]) << 8 | u64::from(m[n - 1]) << 16,
            0,
        )
    } else {
        (0, 0)
    };
    let mut h = fold(a ^ 0x243F_6A88_85A3_08D3, K);
    if n > 16 {
        // The bytes between the first and the last word.
        for c in m[8..n - 8].chunks(8) {
            let mut x = [0u8; 8];
            x[..c.len()].copy_from_slice(c);
            h = fold(h ^ u64::from_le_bytes(x), K);
        }
    }
    let h = fold(h ^ b ^ n as u64, 0x1319_8A2E_0370_7344);
    (h ^ (h >> 32)) as u8
}

/// Bytes 0x01 repeated: multiplying a byte by it fills a word with that byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// Bytes 0x7f repeated.
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
/// Every other byte of a word.
const EVEN: u64 = 0x00ff_00ff_00ff_00ff;

/// 0x80 in each byte of `x` that is zero, 0 in the others (exact: no carries between
/// bytes).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The low `k` bytes of a word set (k in 1..=8).
#[inline(always)]
fn low_bytes(k: usize) -> u64 {
    u64::MAX >> (64 - 8 * k)
}

/// The word of `buf` at `at` with the bytes from `end` on cleared; reads past `end`
/// only within `buf` (the columns follow each other, so that is the usual case).
#[inline(always)]
fn word_to(buf: &[u8], at: usize, end: usize) -> u64 {
    let k = (end - at).min(8);
    if at + 8 <= buf.len() {
        w8(buf, at) & low_bytes(k)
    } else {
        let mut x = [0u8; 8];
        x[..k].copy_from_slice(&buf[at..at + k]);
        u64::from_le_bytes(x)
    }
}

/// `a == b` for slices of the same length, with word compares for the usual member
/// lengths (4 to 16 bytes: two overlapping loads per side) instead of a `memcmp` call.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
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
    /// Present: its rank and its score.
    Present(usize, f64),
    /// Absent: the rank to insert it at for the score asked about.
    Absent(usize),
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct Pack {
    buf: Vec<u8>,
    /// Number of pairs.
    count: u32,
    /// W: bytes per score (0 to 8).
    width: u8,
    /// L: bytes per member length (1 or 4).
    lw: u8,
}

impl Default for Pack {
    fn default() -> Self {
        Pack::new()
    }
}

impl Pack {
    /// An empty pack (no allocation).
    pub const fn new() -> Pack {
        Pack {
            buf: Vec::new(),
            count: 0,
            width: 0,
            lw: 1,
        }
    }

    /// Builds from pairs already in `(score, member)` order, without duplicates, with the
    /// narrowest widths they allow and no spare capacity.
    pub fn from_sorted<'a>(pairs: impl IntoIterator<Item = (&'a [u8], f64)>) -> Pack {
        let pairs: Vec<(&[u8], f64)> = pairs.into_iter().collect();
        let width = pairs.iter().map(|&(_, s)| width_of(s)).max().unwrap_or(0);
        let lw = if pairs.iter().any(|(m, _)| m.len() > 255) {
            4
        } else {
            1
        };
        let members: usize = pairs.iter().map(|(m, _)| m.len()).sum();
        let mut buf = Vec::with_capacity(pairs.len() * (1 + lw + width) + members);
        buf.extend(pairs.iter().map(|(m, _)| tag(m)));
        for (m, _) in &pairs {
            buf.extend_from_slice(&(m.len() as u32).to_le_bytes()[..lw]);
        }
        let mut sb = [0u8; 8];
        for &(_, s) in &pairs {
            encode_score(s, &mut sb[..width]);
            buf.extend_from_slice(&sb[..width]);
        }
        for (m, _) in &pairs {
            buf.extend_from_slice(m);
        }
        Pack {
            buf,
            count: pairs.len() as u32,
            width: width as u8,
            lw: lw as u8,
        }
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

    /// Bytes in use: 1 + L + W per pair plus the member bytes.
    #[inline]
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Gives back capacity left unused (after a [`Pack::reserve_for`] that overestimated).
    pub fn trim(&mut self) {
        if self.buf.capacity() > self.buf.len() {
            self.buf.shrink_to_fit();
        }
    }

    /// Makes room at once for `n` more pairs whose members take `member_bytes` bytes, the
    /// longest `max_len`, and whose widest score needs `max_width` bytes (see
    /// [`Pack::score_width`]): ZADD of many members, one allocation instead of one per
    /// member, as Redis's `zsetTypeCreate` size hint.
    pub fn reserve_for(&mut self, n: usize, member_bytes: usize, max_len: usize, max_width: usize) {
        let w = self.w().max(max_width);
        let lw = if max_len > 255 { 4 } else { self.lw() };
        let members = self.buf.len() - self.members_at();
        let total = (self.len() + n) * (1 + lw + w) + members + member_bytes;
        self.buf.reserve_exact(total.saturating_sub(self.buf.len()));
    }

    /// Bytes a score entry of `s` needs (for [`Pack::reserve_for`]).
    #[inline]
    pub fn score_width(s: f64) -> usize {
        width_of(s)
    }

    #[inline(always)]
    fn w(&self) -> usize {
        usize::from(self.width)
    }

    #[inline(always)]
    fn lw(&self) -> usize {
        usize::from(self.lw)
    }

    /// Start of the scores column.
    #[inline(always)]
    fn scores_at(&self) -> usize {
        self.len() * (1 + self.lw())
    }

    /// Start of the member bytes.
    #[inline(always)]
    fn members_at(&self) -> usize {
        self.len() * (1 + self.lw() + self.w())
    }

    /// Length of the member of rank `i`.
    #[inline(always)]
    fn mlen(&self, i: usize) -> usize {
        let at = self.len();
        if self.lw == 1 {
            usize::from(self.buf[at + i])
        } else {
            w4(&self.buf, at + 4 * i) as usize
        }
    }

    /// Bytes of the members of ranks `from..to`: where member `to` starts, counted from
    /// where member `from` does.
    /// Eight lengths at a time: each word's bytes are added pairwise into four 16-bit
    /// lanes, summed at the end (no dependent loads, no byte loop).
    #[inline(never)]
    fn span(&self, from: usize, to: usize) -> usize {
        let base = self.len();
        if self.lw != 1 {
            return (from..to).map(|i| self.mlen(i)).sum();
        }
        let mut total = 0;
        // A lane gains at most 510 a word: 128 words fit it.
        for piece in self.buf[base + from..base + to].chunks(8 * 128) {
            let mut words = piece.chunks_exact(8);
            let mut acc = 0u64;
            for w in &mut words {
                let x = w8(w, 0);
                acc += (x & EVEN) + ((x >> 8) & EVEN);
            }
            let pairs = (acc & 0x0000_ffff_0000_ffff) + ((acc >> 16) & 0x0000_ffff_0000_ffff);
            total += ((pairs & 0xffff_ffff) + (pairs >> 32)) as usize;
            total += words
                .remainder()
                .iter()
                .map(|&b| usize::from(b))
                .sum::<usize>();
        }
        total
    }

    /// Score of rank `i`.
    #[inline(always)]
    fn score(&self, i: usize) -> f64 {
        let w = self.w();
        let at = self.scores_at() + i * w;
        decode_score(&self.buf[at..at + w])
    }

    /// Member of rank `i`, whose bytes start at offset `off` of the buffer.
    #[inline(always)]
    fn member_at(&self, i: usize, off: usize) -> &[u8] {
        &self.buf[off..off + self.mlen(i)]
    }

    /// Overwrites the score of rank `i` (which fits the width).
    #[inline]
    fn write_score(&mut self, i: usize, s: f64) {
        let w = self.w();
        let at = self.scores_at() + i * w;
        encode_score(s, &mut self.buf[at..at + w]);
    }

    /// The pairs in order, with the rank of each.
    #[inline]
    pub fn pairs(&self) -> Pairs<'_> {
        self.iter_from(0)
    }

    /// Iterates from `rank`.
    #[inline]
    pub fn iter_from(&self, rank: usize) -> Pairs<'_> {
        let i = rank.min(self.len());
        Pairs {
            pack: self,
            i,
            off: self.members_at() + self.span(0, i),
            at: self.scores_at() + i * self.w(),
        }
    }

    /// Rank and score of `member` (`zzlFind`): the hot path of ZSCORE, ZRANK and ZREM on
    /// a small set. The tags are compared 8 at a time (one word); a pair whose tag and
    /// length match has its member bytes compared, found by summing the lengths since the
    /// last such pair. No score is decoded but the one found.
    #[inline]
    pub fn find(&self, member: &[u8]) -> Option<(usize, f64)> {
        let n = self.len();
        let len = member.len();
        let want = u64::from(tag(member)) * ONES;
        // Member `i0` starts at `off`.
        let (mut i0, mut off) = (0, self.members_at());
        let mut p = 0;
        while p < n {
            let word = if p + 8 <= n {
                w8(&self.buf, p)
            } else {
                word_to(&self.buf, p, n)
            };
            let mut hits = zero_bytes(word ^ want);
            while hits != 0 {
                let i = p + hits.trailing_zeros() as usize / 8;
                hits &= hits - 1;
                if i < n && self.mlen(i) == len {
                    off += self.span(i0, i);
                    i0 = i;
                    if same(&self.buf[off..off + len], member) {
                        return Some((i, self.score(i)));
                    }
                }
            }
            p += 8;
        }
        None
    }

    /// Number of pairs sorting before (`score`, `member`): a binary search on the score
    /// column, member bytes compared only between equal scores.
    fn count_below(&self, score: f64, member: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let s = self.score(mid);
            let below = if s < score {
                true
            } else if s > score {
                false
            } else {
                let off = self.members_at() + self.span(0, mid);
                self.member_at(mid, off) < member
            };
            if below {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// ZADD's lookup: where `member` is, or the rank it goes to with `score` when absent.
    #[inline]
    pub fn locate(&self, member: &[u8], score: f64) -> Spot {
        match self.find(member) {
            Some((i, s)) => Spot::Present(i, s),
            None => Spot::Absent(self.count_below(score, member)),
        }
    }

    /// Inserts a member that is not present at its place in the order (`zzlInsert`).
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let at = self.count_below(score, member);
        self.insert_at(at, member, score);
    }

    /// Inserts an absent member at rank `at`, as given by [`Pack::locate`] for this score
    /// with no change since (`zzlInsertAt`): the columns move up in place.
    pub fn insert_at(&mut self, at: usize, member: &[u8], score: f64) {
        self.fit(width_of(score), member.len());
        self.splice(at.min(self.len()), 0, Some((member, score)));
    }

    /// Removes the pair of rank `rank` (`zzlDelete`).
    #[inline]
    pub fn remove_at(&mut self, rank: usize) {
        if rank < self.len() {
            self.splice(rank, 1, None);
        }
    }

    /// Removes the pairs with ranks `start..end` (`zzlDeleteRangeByRank`).
    pub fn remove_range(&mut self, start: usize, end: usize) {
        let end = end.min(self.len());
        if start < end {
            self.splice(start, end - start, None);
        }
    }

    /// Gives the present member of rank `at` (as found by [`Pack::find`] or
    /// [`Pack::locate`], no change since) the score `score`: a binary search for its new
    /// rank, then the pairs between its old and new rank shift by one in each column (no
    /// move at all when the rank stays), and the score is written in place.
    pub fn update_at(&mut self, at: usize, member: &[u8], score: f64) {
        self.fit(width_of(score), member.len());
        // The order is by the old scores; the pair's own key compares below the new one
        // iff its score goes up, so the count is one more than the new rank then.
        let t = self.count_below(score, member);
        let to = if t > at { t - 1 } else { t };
        if to != at {
            self.move_pair(at, to);
        }
        self.write_score(to, score);
    }

    /// Moves the pair of rank `from` to rank `to`, shifting the ones between by one.
    fn move_pair(&mut self, from: usize, to: usize) {
        let (lo, hi) = (from.min(to), from.max(to));
        let (n, lw, w) = (self.len(), self.lw(), self.w());
        let mlen = self.mlen(from);
        let m_lo = self.members_at() + self.span(0, lo);
        let m_hi = m_lo + self.span(lo, hi + 1);
        let s0 = self.scores_at();
        let up = from < to;
        let rot = |s: &mut [u8], k: usize| {
            if up {
                s.rotate_left(k);
            } else {
                s.rotate_right(k);
            }
        };
        rot(&mut self.buf[lo..=hi], 1);
        rot(&mut self.buf[n + lo * lw..n + (hi + 1) * lw], lw);
        rot(&mut self.buf[s0 + lo * w..s0 + (hi + 1) * w], w);
        rot(&mut self.buf[m_lo..m_hi], mlen);
    }

    /// Widens the columns, if needed, for a score of `width` bytes and a member of `len`
    /// bytes: the buffer is laid out again once, keeping its spare capacity.
    fn fit(&mut self, width: usize, len: usize) {
        let w = self.w().max(width);
        let lw = if len > 255 { 4 } else { self.lw() };
        if w == self.w() && lw == self.lw() {
            return;
        }
        let n = self.len();
        let spare = self.buf.capacity() - self.buf.len();
        let members = &self.buf[self.members_at()..];
        let mut buf = Vec::with_capacity(n * (1 + lw + w) + members.len() + spare);
        buf.extend_from_slice(&self.buf[..n]);
        for i in 0..n {
            buf.extend_from_slice(&(self.mlen(i) as u32).to_le_bytes()[..lw]);
        }
        let mut sb = [0u8; 8];
        for i in 0..n {
            encode_score(self.score(i), &mut sb[..w]);
            buf.extend_from_slice(&sb[..w]);
        }
        buf.extend_from_slice(members);
        self.buf = buf;
        self.width = w as u8;
        self.lw = lw as u8;
    }

    /// Removes the `k` pairs from rank `r` and inserts `new` (which fits the widths) at
    /// rank `r`: each column's part before `r` and part after moves to its new place, all
    /// in one direction, so one pass of `copy_within` in address order does it.
    fn splice(&mut self, r: usize, k: usize, new: Option<(&[u8], f64)>) {
        let (n, lw, w) = (self.len(), self.lw(), self.w());
        let c = 1 + lw + w;
        let add = usize::from(new.is_some());
        let n2 = n - k + add;
        let mo = self.span(0, r);
        let me = mo + self.span(r, r + k);
        let ml = new.map_or(0, |(m, _)| m.len());
        let old_len = self.buf.len();
        let new_len = old_len - k * c - (me - mo) + add * (c + ml);
        // (source start, source end, destination) for each part, in address order.
        let mut parts = [(0, 0, 0); 8];
        let mut at_old = 0;
        let mut at_new = 0;
        for (j, e) in [1, lw, w].into_iter().enumerate() {
            parts[2 * j] = (at_old, at_old + r * e, at_new);
            parts[2 * j + 1] = (at_old + (r + k) * e, at_old + n * e, at_new + (r + add) * e);
            at_old += n * e;
            at_new += n2 * e;
        }
        parts[6] = (at_old, at_old + mo, at_new);
        parts[7] = (at_old + me, old_len, at_new + mo + ml);
        let shift = |buf: &mut Vec<u8>, (a, b, d): (usize, usize, usize)| {
            if a != d && a < b {
                buf.copy_within(a..b, d);
            }
        };
        if new_len > old_len {
            // Everything moves up: the highest part first.
            let grow = new_len - old_len;
            if self.buf.capacity() - old_len < grow {
                // Exactly what the pair needs (no doubling), unless a ZADD reserved ahead.
                self.buf.reserve_exact(grow);
            }
            self.buf.resize(new_len, 0);
            parts
                .into_iter()
                .rev()
                .for_each(|p| shift(&mut self.buf, p));
        } else {
            // Everything moves down: the lowest part first.
            parts.into_iter().for_each(|p| shift(&mut self.buf, p));
            self.buf.truncate(new_len);
        }
        self.count = n2 as u32;
        if let Some((m, s)) = new {
            self.buf[r] = tag(m);
            let l = n2 + r * lw;
            self.buf[l..l + lw].copy_from_slice(&(m.len() as u32).to_le_bytes()[..lw]);
            self.write_score(r, s);
            let at = self.members_at() + mo;
            self.buf[at..at + ml].copy_from_slice(m);
        } else if n2 == 0 {
            // Empty: back to the narrowest widths and no allocation.
            *self = Pack::new();
        } else if self.buf.capacity() > self.buf.len() + 64 {
            // Gives back a capacity that removals left unused (beyond a little slack).
            self.buf.shrink_to_fit();
        }
    }
}

/// The pairs of a [`Pack`] in order: (rank, member, score).
#[derive(Clone)]
pub struct Pairs<'a> {
    pack: &'a Pack,
    /// Rank of the next pair.
    i: usize,
    /// Where its member starts in the buffer.
    off: usize,
    /// Where its score starts.
    at: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (usize, &'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let p = self.pack;
        if self.i >= p.len() {
            return None;
        }
        let (i, w) = (self.i, p.w());
        let m = p.member_at(i, self.off);
        let s = decode_score(&p.buf[self.at..self.at + w]);
        self.off += m.len();
        self.at += w;
        self.i += 1;
        Some((i, m, s))
    }

    /// Skips pairs by summing their lengths, decoding no score.
    #[inline]
    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        let to = self.i.saturating_add(n).min(self.pack.len());
        self.off += self.pack.span(self.i, to);
        self.at += (to - self.i) * self.pack.w();
        self.i = to;
        self.next()
    }
}

#[cfg(test)]
mod tests {
    use super::super::index::cmp_key;
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
            assert_eq!(width_of(s), len, "length for {s}");
            // In its own width and in every wider one.
            for w in len..=8 {
                let mut buf = [0u8; 8];
                encode_score(s, &mut buf[..w]);
                let back = decode_score(&buf[..w]);
                assert_eq!(back, s, "round trip of {s} in {w} bytes");
                if s == 0.0 {
                    assert!(back.is_sign_positive(), "-0 reads back as 0 ({w} bytes)");
                }
            }
        }
    }

    /// Members of every length class `same`, `tag` and the length column distinguish,
    /// including long ones (4-byte lengths), bytes chosen so equal lengths differ in one
    /// place only.
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
                Just(30),
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

    /// Every byte of the layout: columns in rank order, lengths as wide as the pack says,
    /// scores as wide as it says, member bytes back to back, nothing after them.
    fn check_layout(p: &Pack, sorted: &[(Vec<u8>, f64)]) -> Result<(), TestCaseError> {
        let (lw, w) = (p.lw(), p.w());
        let mut want = Vec::new();
        want.extend(sorted.iter().map(|(m, _)| tag(m)));
        for (m, _) in sorted {
            want.extend_from_slice(&(m.len() as u32).to_le_bytes()[..lw]);
        }
        for &(_, s) in sorted {
            prop_assert!(width_of(s) <= w);
            let mut b = [0u8; 8];
            encode_score(s, &mut b[..w]);
            want.extend_from_slice(&b[..w]);
        }
        for (m, _) in sorted {
            want.extend_from_slice(m);
        }
        prop_assert_eq!(&p.buf, &want);
        prop_assert!(lw == 1 || lw == 4);
        prop_assert!(lw == 4 || sorted.iter().all(|(m, _)| m.len() < 256));
        Ok(())
    }

    proptest! {
        /// The pack against a BTreeMap: ZADD's lookup (`locate` + `insert_at`), `insert`,
        /// `update_at` (moving up, down, staying, widening the score column), `find` (rank
        /// and score), removals (one, a range), iteration from every rank, and the bytes
        /// of the layout after every operation.
        #[test]
        fn matches_a_model(ops in proptest::collection::vec(
            (member(), prop_oneof![
                Just(0.0), Just(-3.0), Just(1.5), Just(300.0), Just(1e300), Just(-70_000.0)
            ], 0u8..5),
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
                        if let Some((at, got)) = p.find(&m) {
                            prop_assert_eq!(model.remove(&m), Some(got));
                            p.remove_at(at);
                        } else {
                            prop_assert!(!model.contains_key(&m));
                        }
                    }
                    3 => {
                        // A pop from either end.
                        let rank = if s < 0.0 { 0 } else { p.len().saturating_sub(1) };
                        if let Some((at, m, got)) = p.iter_from(rank).next() {
                            prop_assert_eq!(at, rank);
                            prop_assert_eq!(model.remove(m), Some(got));
                            p.remove_at(at);
                        } else {
                            prop_assert!(model.is_empty());
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
                check_layout(&p, &sorted)?;
                let got: Vec<(Vec<u8>, f64)> = p.pairs().map(|(_, m, s)| (m.to_vec(), s)).collect();
                prop_assert_eq!(&got, &sorted);
                for (rank, (m, s)) in sorted.iter().enumerate() {
                    let (r, got) = p.find(m).ok_or_else(|| TestCaseError::fail("member lost"))?;
                    prop_assert_eq!((r, got), (rank, *s));
                    prop_assert_eq!(p.iter_from(rank).next().map(|(o, _, _)| o), Some(rank));
                    let nth = p.pairs().nth(rank).map(|(o, m, _)| (o, m.to_vec()));
                    prop_assert_eq!(nth, Some((rank, m.clone())));
                    // Where an absent member with this score and member would go.
                    let mut other = m.clone();
                    other.push(0);
                    if !model.contains_key(&other) {
                        let below = sorted
                            .iter()
                            .filter(|(q, t)| cmp_key(*t, q, *s, &other).is_lt())
                            .count();
                        prop_assert_eq!(p.locate(&other, *s), Spot::Absent(below));
                    }
                }
                prop_assert!(p.iter_from(sorted.len()).next().is_none());
                // Built in one go: the same pairs, the narrowest widths.
                let rebuilt = Pack::from_sorted(sorted.iter().map(|(m, s)| (m.as_slice(), *s)));
                prop_assert_eq!(
                    rebuilt.w(),
                    sorted.iter().map(|&(_, s)| width_of(s)).max().unwrap_or(0)
                );
                check_layout(&rebuilt, &sorted)?;
                prop_assert_eq!(rebuilt.capacity(), rebuilt.bytes());
            }
        }

        #[test]
        fn any_score_round_trips(s in any::<f64>().prop_filter("not NaN", |s| !s.is_nan())) {
            let w = width_of(s);
            let mut buf = [0u8; 8];
            encode_score(s, &mut buf[..w]);
            let back = decode_score(&buf[..w]);
            prop_assert_eq!(back, s);
            if s != 0.0 {
                prop_assert_eq!(back.to_bits(), s.to_bits());
            }
            encode_score(s, &mut buf);
            prop_assert_eq!(decode_score(&buf), s);
        }

        #[test]
        fn integers_round_trip(i in -(1i64 << 53)..=(1i64 << 53)) {
            let w = width_of(i as f64);
            prop_assert!(w < 8);
            let mut buf = [0u8; 8];
            encode_score(i as f64, &mut buf[..w]);
            prop_assert_eq!(decode_score(&buf[..w]), i as f64);
        }
    }

    /// A pack far past the default limits (a raised `zset-max-listpack-entries`): length
    /// sums over more than 1024 bytes (several rounds of 16-bit lanes), colliding tags,
    /// scores that widen the column mid-way, and a long member that widens the lengths.
    #[test]
    fn a_large_pack_keeps_every_member() {
        let n = 3000usize;
        let member = |j: usize| format!("m{j}-{}", "x".repeat(j % 200)).into_bytes();
        let score = |j: usize| match j % 5 {
            0 => (j % 100) as f64,
            1 => -((j * 1000) as f64),
            _ => j as f64,
        };
        let mut p = Pack::new();
        let mut model: std::collections::BTreeMap<Vec<u8>, f64> = Default::default();
        for j in 0..n {
            let (m, s) = (member(j), score(j));
            p.insert(&m, s);
            model.insert(m, s);
        }
        let long = vec![b'l'; 700];
        p.insert(&long, 1.5);
        model.insert(long, 1.5);
        assert_eq!((p.w(), p.lw()), (8, 4));
        for (j, (m, s)) in model.iter().enumerate().filter(|(j, _)| j % 7 == 0) {
            p.update_at(p.find(m).expect("present").0, m, s + j as f64);
        }
        for (j, (_, s)) in model.iter_mut().enumerate().filter(|(j, _)| j % 7 == 0) {
            *s += j as f64;
        }
        let mut sorted: Vec<(Vec<u8>, f64)> = model.into_iter().collect();
        sorted.sort_by(|a, b| cmp_key(a.1, &a.0, b.1, &b.0));
        for (rank, (m, s)) in sorted.iter().enumerate() {
            assert_eq!(p.find(m), Some((rank, *s)));
        }
        let got: Vec<(Vec<u8>, f64)> = p.pairs().map(|(_, m, s)| (m.to_vec(), s)).collect();
        assert_eq!(got, sorted);
        assert_eq!(
            p.pairs().nth(2500).map(|(_, m, _)| m),
            Some(&sorted[2500].0[..])
        );
        // Narrow lengths again: the same pairs without the long one, rebuilt.
        let short: Vec<_> = sorted.iter().filter(|(m, _)| m.len() < 256).collect();
        let q = Pack::from_sorted(short.iter().map(|(m, s)| (m.as_slice(), *s)));
        assert_eq!(q.lw(), 1);
        for (rank, (m, s)) in short.iter().enumerate() {
            assert_eq!(q.find(m), Some((rank, *s)));
        }
    }

    /// Tags of usual member families spread over the byte like random ones: a lookup
    /// among 128 members compares few besides the one sought.
    #[test]
    fn tags_spread() {
        let families: [fn(usize) -> String; 8] = [
            |j| format!("member-{j}"),
            |j| format!("member-{}", j + 5000),
            |j| format!("user:{j}"),
            |j| format!("{j}"),
            |j| format!("{j:04}"),
            |j| format!("some-longer-prefix-{j}-x"),
            |j| format!("{:032x}", j * 7919),
            |j| format!("{:.3}", j as f64 / 7.0),
        ];
        for f in families {
            let mut seen = [0u32; 256];
            for j in 0..128 {
                seen[usize::from(tag(f(j).as_bytes()))] += 1;
            }
            // Pairs of members sharing a tag: 128·127/2/256 ≈ 32 for random bytes (σ ≈ 6).
            let pairs: u32 = seen.iter().map(|&k| k * k.saturating_sub(1) / 2).sum();
            assert!(pairs <= 56, "{pairs} pairs share a tag ({})", f(0));
        }
    }
}

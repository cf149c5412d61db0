//! The compact form of a set of integers (Redis `intset.c`'s behaviour, not its bytes): a
//! sorted vector of 16-, 32- or 64-bit integers, as wide as the widest member needs. The
//! width only grows (an intset upgrades, never downgrades), lookups are binary searches,
//! and the vector is sized exactly (Redis reallocates an intset on each insert too).

/// Canonical decimal text of an integer member without an allocation (Redis stores intset
/// members as integers and formats them on the way out).
#[derive(Clone, Copy)]
pub struct IntText {
    buf: [u8; 20],
    len: u8,
}

impl IntText {
    /// `v` in decimal.
    pub fn new(v: i64) -> IntText {
        let mut buf = [0u8; 20];
        let mut n = v.unsigned_abs();
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if v < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        let len = (buf.len() - i) as u8;
        buf.copy_within(i.., 0);
        IntText { buf, len }
    }

    /// The digits.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// See the module docs.
///
/// Layout: one exact-size block, empty for an empty 16-bit set, else one byte with the
/// width (2, 4 or 8) followed by the members as little-endian integers of that width, in
/// ascending order. A fat pointer and nothing else (16 bytes), so that a [`super::Set`]
/// fits in [`crate::keyspace::Object`] without a box of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntSet {
    buf: Box<[u8]>,
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet::new()
    }
}

/// The width `v` needs.
#[inline]
fn width_for(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// `v` (which fits `w` bytes) as `w` little-endian bytes, written at the start of `out`.
#[inline]
fn put(out: &mut [u8], w: usize, v: i64) {
    match w {
        2 => out[..2].copy_from_slice(&(v as i16).to_le_bytes()),
        4 => out[..4].copy_from_slice(&(v as i32).to_le_bytes()),
        _ => out[..8].copy_from_slice(&v.to_le_bytes()),
    }
}

impl IntSet {
    /// An empty 16-bit intset (no allocation).
    pub fn new() -> IntSet {
        IntSet {
            buf: Box::default(),
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match self.buf.first() {
            Some(&w) => (self.buf.len() - 1) / usize::from(w),
            None => 0,
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per member (2, 4 or 8: Redis's `encoding` field).
    #[inline]
    pub fn width(&self) -> usize {
        self.buf.first().map_or(2, |&w| usize::from(w))
    }

    /// Bytes of the allocation (for the memory model).
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.buf.len()
    }

    /// The member at position `i` of a set of width `w` (`i < len`).
    #[inline]
    fn at(&self, w: usize, i: usize) -> i64 {
        let b = &self.buf[1 + i * w..];
        match w {
            2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
            4 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    /// Binary search for `v` in a set of width `w`: its position, or where it would go.
    #[inline]
    fn search(&self, w: usize, v: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.at(w, mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// True if `v` is a member.
    #[inline]
    pub fn contains(&self, v: i64) -> bool {
        let w = self.width();
        width_for(v) <= w && self.search(w, v).is_ok()
    }

    /// Re-encodes every member with width `w` (wider than now), leaving room for `extra`
    /// more members.
    fn widen(&mut self, w: usize, extra: usize) {
        let (old, n) = (self.width(), self.len());
        let mut out = Vec::with_capacity(1 + (n + extra) * w);
        out.push(w as u8);
        out.resize(1 + n * w, 0);
        for i in 0..n {
            put(&mut out[1 + i * w..], w, self.at(old, i));
        }
        self.buf = out.into_boxed_slice();
    }

    /// Adds `v`, widening the vector first if `v` needs it (Redis `intsetUpgradeAndAdd`);
    /// true if it was not a member.
    pub fn insert(&mut self, v: i64) -> bool {
        let need = width_for(v);
        let mut w = self.width();
        if need > w {
            self.widen(need, 1);
            w = need;
        }
        let i = match self.search(w, v) {
            Ok(_) => return false,
            Err(i) => i,
        };
        let mut vec = std::mem::take(&mut self.buf).into_vec();
        if vec.is_empty() {
            vec.reserve_exact(1 + w);
            vec.push(w as u8);
        } else {
            // Exact growth, as Redis's `intsetResize` (a block per insert).
            vec.reserve_exact(w);
        }
        let at = 1 + i * w;
        let end = vec.len();
        vec.resize(end + w, 0);
        vec.copy_within(at..end, at + w);
        put(&mut vec[at..], w, v);
        self.buf = vec.into_boxed_slice();
        true
    }

    /// Adds every value of `vals` (sorted and deduplicated here) in one exact block, if
    /// the result has at most `max` members; returns how many were new, or None (and no
    /// change) when the result would be larger. SADD of many integers: one allocation and
    /// one merge instead of a reallocation and a shift per member.
    pub fn insert_many(&mut self, vals: &mut Vec<i64>, max: usize) -> Option<usize> {
        vals.sort_unstable();
        vals.dedup();
        let new = vals.iter().filter(|&&v| !self.contains(v)).count();
        let n = self.len();
        if n + new > max {
            return None;
        }
        if new == 0 {
            return Some(0);
        }
        let old_w = self.width();
        let w = vals.iter().map(|&v| width_for(v)).fold(old_w, usize::max);
        let mut out = vec![0u8; 1 + (n + new) * w];
        out[0] = w as u8;
        let (mut i, mut j, mut k) = (0, 0, 0);
        while i < n || j < vals.len() {
            let v = if j == vals.len() || (i < n && self.at(old_w, i) <= vals[j]) {
                let v = self.at(old_w, i);
                if j < vals.len() && vals[j] == v {
                    j += 1;
                }
                i += 1;
                v
            } else {
                j += 1;
                vals[j - 1]
            };
            put(&mut out[1 + k * w..], w, v);
            k += 1;
        }
        self.buf = out.into_boxed_slice();
        Some(new)
    }

    /// Removes `v`; true if it was a member. The width stays.
    pub fn remove(&mut self, v: i64) -> bool {
        let w = self.width();
        if width_for(v) > w {
            return false;
        }
        let Ok(i) = self.search(w, v) else {
            return false;
        };
        let mut vec = std::mem::take(&mut self.buf).into_vec();
        let at = 1 + i * w;
        vec.copy_within(at + w.., at);
        vec.truncate(vec.len() - w);
        self.buf = vec.into_boxed_slice();
        true
    }

    /// The member at position `i` in ascending order.
    #[inline]
    pub fn get(&self, i: usize) -> Option<i64> {
        (i < self.len()).then(|| self.at(self.width(), i))
    }

    /// The members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        let w = self.width();
        (0..self.len()).map(move |i| self.at(w, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn value() -> impl Strategy<Value = i64> {
        prop_oneof![
            -40i64..40,
            any::<i16>().prop_map(i64::from),
            any::<i32>().prop_map(i64::from),
            any::<i64>(),
            Just(i64::MIN),
            Just(i64::MAX),
        ]
    }

    #[test]
    fn handle_is_a_fat_pointer() {
        assert_eq!(std::mem::size_of::<IntSet>(), 16);
    }

    proptest! {
        /// Against a `BTreeSet`: membership, order, width only growing to what was needed.
        #[test]
        fn matches_btreeset(ops in proptest::collection::vec((any::<bool>(), value()), 0..80)) {
            let mut s = IntSet::new();
            let mut model = BTreeSet::new();
            let mut need = 2;
            for (add, v) in ops {
                if add {
                    prop_assert_eq!(s.insert(v), model.insert(v));
                    let w = if i16::try_from(v).is_ok() { 2 } else if i32::try_from(v).is_ok() { 4 } else { 8 };
                    need = need.max(w);
                } else {
                    prop_assert_eq!(s.remove(v), model.remove(&v));
                }
                prop_assert_eq!(s.width(), need);
                prop_assert_eq!(s.len(), model.len());
                prop_assert!(s.iter().eq(model.iter().copied()));
                prop_assert_eq!(s.contains(v), model.contains(&v));
                // One exact block: the width byte and the members, nothing else.
                let exact = if s.heap_bytes() == 0 { 0 } else { 1 + s.len() * s.width() };
                prop_assert_eq!(s.heap_bytes(), exact);
                for (i, m) in model.iter().enumerate() {
                    prop_assert_eq!(s.get(i), Some(*m));
                }
                prop_assert_eq!(s.get(model.len()), None);
            }
        }

        /// `insert_many` against a `BTreeSet`, and against inserting one by one: same
        /// members, same width, same exact block; no change past the limit.
        #[test]
        fn insert_many_matches(
            first in proptest::collection::vec(value(), 0..40),
            more in proptest::collection::vec(value(), 0..40),
            max in 0usize..90,
        ) {
            let mut s = IntSet::new();
            let mut model = BTreeSet::new();
            for &v in &first {
                s.insert(v);
                model.insert(v);
            }
            let mut one_by_one = s.clone();
            let before = s.clone();
            let mut vals = more.clone();
            let union: BTreeSet<i64> = model.iter().chain(&more).copied().collect();
            match s.insert_many(&mut vals, max) {
                Some(new) => {
                    prop_assert!(union.len() <= max);
                    prop_assert_eq!(new, union.len() - model.len());
                    for &v in &more {
                        one_by_one.insert(v);
                    }
                    prop_assert_eq!(&s, &one_by_one);
                    prop_assert!(s.iter().eq(union.iter().copied()));
                }
                None => {
                    prop_assert!(union.len() > max);
                    prop_assert_eq!(&s, &before);
                }
            }
        }

        #[test]
        fn text_is_decimal(v in any::<i64>()) {
            let (t, want) = (IntText::new(v), v.to_string());
            prop_assert_eq!(t.as_bytes(), want.as_bytes());
        }
    }
}

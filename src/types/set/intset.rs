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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntSet {
    /// Every member fits 16 bits.
    W16(Vec<i16>),
    /// Some member needs 32 bits.
    W32(Vec<i32>),
    /// Some member needs 64 bits.
    W64(Vec<i64>),
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet::new()
    }
}

/// Inserts `v` into the sorted `vec` if absent; true if inserted.
#[inline]
fn insert_sorted<T: Ord + Copy>(vec: &mut Vec<T>, v: T) -> bool {
    match vec.binary_search(&v) {
        Ok(_) => false,
        Err(i) => {
            if vec.len() == vec.capacity() {
                vec.reserve_exact(1);
            }
            vec.insert(i, v);
            true
        }
    }
}

/// Removes `v` from the sorted `vec`; true if it was there.
#[inline]
fn remove_sorted<T: Ord + Copy>(vec: &mut Vec<T>, v: T) -> bool {
    match vec.binary_search(&v) {
        Ok(i) => {
            vec.remove(i);
            if vec.capacity() > vec.len() + 16 {
                vec.shrink_to_fit();
            }
            true
        }
        Err(_) => false,
    }
}

/// Converts to a wider element type, sized exactly.
fn widen<T: Copy, U: From<T>>(v: &[T], extra: usize) -> Vec<U> {
    let mut out = Vec::with_capacity(v.len() + extra);
    out.extend(v.iter().map(|&x| U::from(x)));
    out
}

impl IntSet {
    /// An empty 16-bit intset (no allocation).
    pub const fn new() -> IntSet {
        IntSet::W16(Vec::new())
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            IntSet::W16(v) => v.len(),
            IntSet::W32(v) => v.len(),
            IntSet::W64(v) => v.len(),
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
        match self {
            IntSet::W16(_) => 2,
            IntSet::W32(_) => 4,
            IntSet::W64(_) => 8,
        }
    }

    /// Bytes of the allocation (for the memory model).
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        match self {
            IntSet::W16(v) => v.capacity() * 2,
            IntSet::W32(v) => v.capacity() * 4,
            IntSet::W64(v) => v.capacity() * 8,
        }
    }

    /// True if `v` is a member.
    #[inline]
    pub fn contains(&self, v: i64) -> bool {
        match self {
            IntSet::W16(s) => i16::try_from(v).is_ok_and(|x| s.binary_search(&x).is_ok()),
            IntSet::W32(s) => i32::try_from(v).is_ok_and(|x| s.binary_search(&x).is_ok()),
            IntSet::W64(s) => s.binary_search(&v).is_ok(),
        }
    }

    /// Adds `v`, widening the vector first if `v` needs it (Redis `intsetUpgradeAndAdd`);
    /// true if it was not a member.
    pub fn insert(&mut self, v: i64) -> bool {
        match self {
            IntSet::W16(s) => {
                if let Ok(x) = i16::try_from(v) {
                    return insert_sorted(s, x);
                }
                *self = if i32::try_from(v).is_ok() {
                    IntSet::W32(widen(s, 1))
                } else {
                    IntSet::W64(widen(s, 1))
                };
            }
            IntSet::W32(s) => {
                if let Ok(x) = i32::try_from(v) {
                    return insert_sorted(s, x);
                }
                *self = IntSet::W64(widen(s, 1));
            }
            IntSet::W64(s) => return insert_sorted(s, v),
        }
        // Widened for `v`, which therefore is new.
        match self {
            IntSet::W32(s) => insert_sorted(s, v as i32),
            IntSet::W64(s) => insert_sorted(s, v),
            IntSet::W16(_) => false,
        }
    }

    /// Removes `v`; true if it was a member. The width stays.
    pub fn remove(&mut self, v: i64) -> bool {
        match self {
            IntSet::W16(s) => i16::try_from(v).is_ok_and(|x| remove_sorted(s, x)),
            IntSet::W32(s) => i32::try_from(v).is_ok_and(|x| remove_sorted(s, x)),
            IntSet::W64(s) => remove_sorted(s, v),
        }
    }

    /// The member at position `i` in ascending order.
    #[inline]
    pub fn get(&self, i: usize) -> Option<i64> {
        match self {
            IntSet::W16(s) => s.get(i).map(|&x| i64::from(x)),
            IntSet::W32(s) => s.get(i).map(|&x| i64::from(x)),
            IntSet::W64(s) => s.get(i).copied(),
        }
    }

    /// The members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
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
            }
        }

        #[test]
        fn text_is_decimal(v in any::<i64>()) {
            let (t, want) = (IntText::new(v), v.to_string());
            prop_assert_eq!(t.as_bytes(), want.as_bytes());
        }
    }
}

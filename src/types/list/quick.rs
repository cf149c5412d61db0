//! [`List`]'s representation: a quicklist — a deque of nodes, each a packed run of
//! elements (Redis `quicklist.c` of `listpack`s).
//!
//! A node is one byte vector holding its elements back to back, each as
//! `len (LEB128) · bytes · len (LEB128, bytes reversed)`: the length in front lets a walk
//! go forwards, the one behind lets it go backwards from the tail (Redis's listpack
//! `backlen`). An element of up to 127 bytes costs its bytes plus 2, where a `Vec<u8>` per
//! element cost a 24-byte header and a heap block of at least 32. A node is filled as
//! Redis's `_quicklistNodeAllowInsert` allows under `list-max-listpack-size` (the `fill`
//! argument of the writing methods: negative for 4–64 KB per node, positive for a count
//! with an 8 KB safety limit; [`DEFAULT_FILL`] = -2, 8 KB, where no configuration is at
//! hand) — a push that would pass the limit starts a new node; edits in the middle split
//! an overfull node in two.
//!
//! Positional access walks node counts from the nearer end, then the entries within one
//! node, as Redis's `quicklistGetIteratorAtIdx` does; pushes and pops at either end are
//! O(1) amortised (a pop at the head moves the rest of its node, at most 8 KB).

use std::collections::VecDeque;
use std::fmt;

use super::End;

/// The byte limit of a node under the default `list-max-listpack-size -2`.
pub const NODE_BYTES: usize = 8192;
/// Redis's default `list-max-listpack-size`.
pub const DEFAULT_FILL: i64 = -2;
/// Redis `optimization_level`: node byte limits for fill -1 to -5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Redis `SIZE_SAFETY_LIMIT`.
const SIZE_SAFETY_LIMIT: usize = 8192;

/// Redis `_quicklistNodeAllowInsert`: may a node of `used` bytes and `count` elements
/// take `add` more bytes under `fill`?
#[inline]
fn allows(used: usize, count: u32, fill: i64, add: usize) -> bool {
    let new = used + add;
    if fill < 0 {
        let off = fill.unsigned_abs() as usize - 1;
        if off < OPTIMIZATION_LEVEL.len() && new <= OPTIMIZATION_LEVEL[off] {
            return true;
        }
    }
    new <= SIZE_SAFETY_LIMIT && i64::from(count) < fill
}

/// Bytes of LEB128 for `n`.
#[inline]
fn varint_len(mut n: usize) -> usize {
    let mut k = 1;
    while n >= 0x80 {
        n >>= 7;
        k += 1;
    }
    k
}

/// Bytes one element of `n` bytes takes in a node.
#[inline]
fn entry_len(n: usize) -> usize {
    n + 2 * varint_len(n)
}

/// Appends one element's entry to `buf`.
fn put_entry(buf: &mut Vec<u8>, v: &[u8]) {
    let mut head = [0u8; 10];
    let mut k = 0;
    let mut n = v.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            head[k] = b;
            k += 1;
            break;
        }
        head[k] = b | 0x80;
        k += 1;
    }
    buf.extend_from_slice(&head[..k]);
    buf.extend_from_slice(v);
    buf.extend(head[..k].iter().rev());
}

/// The element starting at byte `at`: its bytes and the offset of the next entry.
#[inline]
fn entry_at(buf: &[u8], at: usize) -> (&[u8], usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut i = at;
    loop {
        let b = buf[i];
        i += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let k = i - at;
    (&buf[i..i + n], i + n + k)
}

/// The element ending at byte `end` (exclusive): its bytes and the offset of its entry.
#[inline]
fn entry_before(buf: &[u8], end: usize) -> (&[u8], usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut i = end;
    loop {
        i -= 1;
        let b = buf[i];
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let k = end - i;
    let start = i - n - k;
    (&buf[i - n..i], start)
}

/// One node: packed entries in `buf[start..]` and their number. The bytes before `start`
/// are free room at the front, so a push or a pop at the head is O(1) amortised instead of
/// moving the node's bytes each time.
#[derive(Clone, Default)]
struct Node {
    buf: Vec<u8>,
    start: u32,
    count: u32,
}

impl Node {
    /// The packed entries.
    #[inline]
    fn bytes(&self) -> &[u8] {
        &self.buf[self.start as usize..]
    }

    /// Bytes the entries take.
    #[inline]
    fn used(&self) -> usize {
        self.buf.len() - self.start as usize
    }

    fn iter(&self) -> NodeIter<'_> {
        NodeIter {
            buf: self.bytes(),
            front: 0,
            back: self.used(),
        }
    }

    /// Offset (within [`Node::bytes`]) of the `i`-th entry.
    fn offset(&self, i: usize) -> usize {
        let b = self.bytes();
        let mut at = 0;
        for _ in 0..i {
            at = entry_at(b, at).1;
        }
        at
    }

    /// Replaces the entries' bytes `range` (offsets within [`Node::bytes`]) by `with`.
    fn splice(&mut self, range: std::ops::Range<usize>, with: Vec<u8>) {
        let s = self.start as usize;
        self.reserve(with.len().saturating_sub(range.len()));
        self.buf.splice(s + range.start..s + range.end, with);
    }

    /// Drops the entries from offset `at` on.
    fn truncate(&mut self, at: usize) {
        self.buf.truncate(self.start as usize + at);
    }

    /// Drops the entries before offset `at`.
    fn drop_front(&mut self, at: usize) {
        self.start += at as u32;
        if self.start as usize == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// Grows the buffer for `extra` more bytes at the back: doubling, so a node filling
    /// up reallocates O(log) times through power-of-two sizes (size classes of every
    /// allocator: growing by an eighth instead left a partly used page in each of ~17
    /// mimalloc size classes per growth path, and a 5 M-element list took 60 MB instead
    /// of 49); a node that fills up gives the slack back ([`Node::compact`]), so only the
    /// end nodes keep any.
    fn reserve(&mut self, extra: usize) {
        let need = self.buf.len() + extra;
        if need > self.buf.capacity() {
            let want = need.max(self.buf.capacity() * 2).max(16);
            self.buf.reserve_exact(want - self.buf.len());
        }
    }

    /// Gives back the front room and any spare capacity (a node that just filled up).
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start as usize);
            self.start = 0;
        }
        self.buf.shrink_to_fit();
    }

    fn push_back(&mut self, v: &[u8]) {
        self.reserve(entry_len(v.len()));
        put_entry(&mut self.buf, v);
        self.count += 1;
    }

    fn push_front(&mut self, v: &[u8]) {
        let mut e = Vec::with_capacity(entry_len(v.len()));
        put_entry(&mut e, v);
        if (self.start as usize) < e.len() {
            // Move the entries up, leaving room at the front for this entry and an
            // eighth of the node more.
            let room = e.len() + self.used() / 8 + 16;
            let mut buf = Vec::with_capacity(room + self.used());
            buf.resize(room, 0);
            buf.extend_from_slice(self.bytes());
            self.buf = buf;
            self.start = room as u32;
        }
        let s = self.start as usize - e.len();
        self.buf[s..s + e.len()].copy_from_slice(&e);
        self.start = s as u32;
        self.count += 1;
    }
}

struct NodeIter<'a> {
    buf: &'a [u8],
    front: usize,
    back: usize,
}

impl<'a> Iterator for NodeIter<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.front >= self.back {
            return None;
        }
        let (v, next) = entry_at(self.buf, self.front);
        self.front = next;
        Some(v)
    }
}

impl DoubleEndedIterator for NodeIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let (v, start) = entry_before(self.buf, self.back);
        self.back = start;
        Some(v)
    }
}

/// A list value. See the module docs.
#[derive(Clone, Default)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
}

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Pushes one element at `end` (nodes filled as under the default configuration).
    pub fn push(&mut self, end: End, v: &[u8]) {
        self.push_with(end, v, DEFAULT_FILL);
    }

    /// Pushes one element at `end`, filling nodes as `list-max-listpack-size` = `fill`
    /// allows.
    pub fn push_with(&mut self, end: End, v: &[u8], fill: i64) {
        let need = entry_len(v.len());
        match end {
            End::Tail => match self.nodes.back_mut() {
                Some(n) if allows(n.used(), n.count, fill, need) => n.push_back(v),
                full => {
                    if let Some(n) = full {
                        n.compact();
                    }
                    let mut n = Node::default();
                    n.push_back(v);
                    self.new_node_room();
                    self.nodes.push_back(n);
                }
            },
            End::Head => match self.nodes.front_mut() {
                Some(n) if allows(n.used(), n.count, fill, need) => n.push_front(v),
                full => {
                    if let Some(n) = full {
                        n.compact();
                    }
                    let mut n = Node::default();
                    n.push_back(v);
                    self.new_node_room();
                    self.nodes.push_front(n);
                }
            },
        }
        self.len += 1;
    }

    /// Room in the node deque for one more node: exactly one for the first (most lists
    /// have a single node; `VecDeque` would take four), doubling after.
    fn new_node_room(&mut self) {
        if self.nodes.capacity() == 0 {
            self.nodes.reserve_exact(1);
        }
    }

    /// Pops one element from `end`.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let v = match end {
            End::Tail => {
                let n = self.nodes.back_mut()?;
                let (v, start) = entry_before(n.bytes(), n.used());
                let v = v.to_vec();
                n.truncate(start);
                n.count -= 1;
                if n.count == 0 {
                    self.nodes.pop_back();
                }
                v
            }
            End::Head => {
                let n = self.nodes.front_mut()?;
                let (v, next) = entry_at(n.bytes(), 0);
                let v = v.to_vec();
                n.drop_front(next);
                n.count -= 1;
                if n.count == 0 {
                    self.nodes.pop_front();
                }
                v
            }
        };
        self.len -= 1;
        Some(v)
    }

    /// Appends every element of `it` at the tail.
    pub fn extend<B: AsRef<[u8]>>(&mut self, it: impl IntoIterator<Item = B>) {
        for v in it {
            self.push(End::Tail, v.as_ref());
        }
    }

    /// The elements, head first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        self.nodes.iter().flat_map(|n| n.iter())
    }

    /// The node holding position `i` and the position within it, walking from the nearer
    /// end.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len {
            return None;
        }
        if i < self.len / 2 {
            let mut at = i;
            for (k, n) in self.nodes.iter().enumerate() {
                if at < n.count as usize {
                    return Some((k, at));
                }
                at -= n.count as usize;
            }
        } else {
            let mut from_end = self.len - 1 - i;
            for (k, n) in self.nodes.iter().enumerate().rev() {
                if from_end < n.count as usize {
                    return Some((k, n.count as usize - 1 - from_end));
                }
                from_end -= n.count as usize;
            }
        }
        None
    }

    /// The element at position `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let (k, j) = self.locate(i)?;
        self.nodes[k].iter().nth(j)
    }

    /// The elements at positions `range`, in order.
    pub fn slice(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &[u8]> + '_ {
        let start = range.start.min(self.len);
        let take = range.end.min(self.len).saturating_sub(start);
        let (first, skip) = self.locate(start).unwrap_or((self.nodes.len(), 0));
        self.nodes
            .range(first..)
            .flat_map(|n| n.iter())
            .skip(skip)
            .take(take)
    }

    /// Replaces the element at position `i`; false if out of range. A node left over
    /// `fill`'s limit is split.
    pub fn set(&mut self, i: usize, v: &[u8], fill: i64) -> bool {
        let Some((k, j)) = self.locate(i) else {
            return false;
        };
        let n = &mut self.nodes[k];
        let at = n.offset(j);
        let end = entry_at(n.bytes(), at).1;
        let mut e = Vec::with_capacity(entry_len(v.len()));
        put_entry(&mut e, v);
        n.splice(at..end, e);
        self.split_if_full(k, fill);
        true
    }

    /// Inserts `v` before position `i` (`i == len` appends). A node left over `fill`'s
    /// limit is split.
    pub fn insert(&mut self, i: usize, v: &[u8], fill: i64) {
        if i >= self.len {
            return self.push_with(End::Tail, v, fill);
        }
        if i == 0 {
            return self.push_with(End::Head, v, fill);
        }
        let Some((k, j)) = self.locate(i) else {
            return;
        };
        let n = &mut self.nodes[k];
        let at = n.offset(j);
        let mut e = Vec::with_capacity(entry_len(v.len()));
        put_entry(&mut e, v);
        n.splice(at..at, e);
        n.count += 1;
        self.len += 1;
        self.split_if_full(k, fill);
    }

    /// Splits node `k` in two halves (by count) when `fill` would not have let it grow
    /// this large and it holds more than one element.
    fn split_if_full(&mut self, k: usize, fill: i64) {
        let n = &mut self.nodes[k];
        if n.count < 2 || allows(n.used(), n.count - 1, fill, 0) {
            return;
        }
        let keep = n.count as usize / 2;
        let at = n.offset(keep);
        let tail = Node {
            buf: n.bytes()[at..].to_vec(),
            start: 0,
            count: n.count - keep as u32,
        };
        n.truncate(at);
        n.buf.shrink_to_fit();
        n.count = keep as u32;
        self.nodes.insert(k + 1, tail);
    }

    /// Keeps only the elements at positions `keep` (LTRIM): whole nodes are dropped at
    /// either end, then one node's prefix and one's suffix are cut.
    pub fn trim(&mut self, keep: std::ops::Range<usize>) {
        let end = keep.end.min(self.len);
        let start = keep.start.min(end);
        // Tail first, so `start` stays a position from the head.
        let mut drop_tail = self.len - end;
        while drop_tail > 0 {
            let Some(n) = self.nodes.back_mut() else {
                break;
            };
            if n.count as usize <= drop_tail {
                drop_tail -= n.count as usize;
                self.len -= n.count as usize;
                self.nodes.pop_back();
            } else {
                let keep_n = n.count as usize - drop_tail;
                let at = n.offset(keep_n);
                n.truncate(at);
                n.count = keep_n as u32;
                self.len -= drop_tail;
                drop_tail = 0;
            }
        }
        let mut drop_head = start;
        while drop_head > 0 {
            let Some(n) = self.nodes.front_mut() else {
                break;
            };
            if n.count as usize <= drop_head {
                drop_head -= n.count as usize;
                self.len -= n.count as usize;
                self.nodes.pop_front();
            } else {
                let at = n.offset(drop_head);
                n.drop_front(at);
                n.count -= drop_head as u32;
                self.len -= drop_head;
                drop_head = 0;
            }
        }
    }

    /// Keeps the elements for which `keep(position, element)` is true, in order (LREM).
    pub fn retain_indexed(&mut self, mut keep: impl FnMut(usize, &[u8]) -> bool) {
        let mut out = List::new();
        for (i, v) in self.iter().enumerate() {
            if keep(i, v) {
                out.push(End::Tail, v);
            }
        }
        *self = out;
    }

    /// Heap bytes (by capacity) of the node deque and the nodes' buffers, for the memory
    /// model: exact up to `exact` nodes, else extrapolated from the first `sample`.
    pub fn heap_parts(&self) -> (usize, impl Iterator<Item = usize> + '_) {
        (
            self.nodes.capacity() * std::mem::size_of::<Node>(),
            self.nodes.iter().map(|n| {
                crate::keyspace::memory::visit();
                n.buf.capacity()
            }),
        )
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

impl<B: AsRef<[u8]>> FromIterator<B> for List {
    fn from_iter<I: IntoIterator<Item = B>>(it: I) -> List {
        let mut l = List::new();
        l.extend(it);
        l
    }
}

impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn entries_round_trip_at_length_boundaries() {
        for n in [0usize, 1, 127, 128, 300, 16383, 16384, 20000] {
            let v: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let mut buf = b"xx".to_vec();
            put_entry(&mut buf, &v);
            assert_eq!(buf.len(), 2 + entry_len(n));
            let (got, next) = entry_at(&buf, 2);
            assert_eq!((got, next), (v.as_slice(), buf.len()));
            let (got, start) = entry_before(&buf, buf.len());
            assert_eq!((got, start), (v.as_slice(), 2));
        }
    }

    #[test]
    fn nodes_respect_the_byte_limit() {
        let mut l = List::new();
        for i in 0..10_000 {
            l.push(End::Tail, format!("e{i}").as_bytes());
        }
        assert!(l.node_count() > 1);
        assert!(l.nodes.iter().all(|n| n.used() <= NODE_BYTES));
        let mut h = List::new();
        for i in 0..10_000 {
            h.push(End::Head, format!("e{i}").as_bytes());
        }
        assert!(h.nodes.iter().all(|n| n.used() <= NODE_BYTES));
        // A count limit (positive fill) and one element per node (fill 0).
        let mut c = List::new();
        for i in 0..100 {
            c.push_with(End::Tail, format!("{i}").as_bytes(), 8);
        }
        assert_eq!(c.node_count(), 13);
        let mut z = List::new();
        for i in 0..10 {
            z.push_with(End::Head, format!("{i}").as_bytes(), 0);
        }
        assert_eq!(z.node_count(), 10);
        assert_eq!(h.get(0), Some(&b"e9999"[..]));
        assert_eq!(h.pop(End::Tail), Some(b"e0".to_vec()));
        assert_eq!(l.get(5000), Some(&b"e5000"[..]));
        assert_eq!(l.slice(9998..20000).count(), 2);
    }

    fn elem() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..12),
            proptest::collection::vec(any::<u8>(), 100..200),
            proptest::collection::vec(any::<u8>(), 3000..5000),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Random operations against a `VecDeque<Vec<u8>>`: the same elements in the same
        /// order after each, and node counts that add up.
        #[test]
        fn matches_a_vecdeque(
            ops in proptest::collection::vec((0u8..9, any::<u16>(), elem()), 1..400),
            fill in prop_oneof![Just(-2i64), Just(-1), Just(-5), Just(0), Just(3), Just(128)],
        ) {
            let mut l = List::new();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for (op, n, v) in ops {
                let pos = if m.is_empty() { 0 } else { n as usize % (m.len() + 1) };
                match op {
                    0 => { l.push_with(End::Head, &v, fill); m.push_front(v); }
                    1 | 2 => { l.push_with(End::Tail, &v, fill); m.push_back(v); }
                    3 => prop_assert_eq!(l.pop(End::Head), m.pop_front()),
                    4 => prop_assert_eq!(l.pop(End::Tail), m.pop_back()),
                    5 => {
                        let ok = l.set(pos, &v, fill);
                        prop_assert_eq!(ok, pos < m.len());
                        if ok { m[pos] = v; }
                    }
                    6 => { l.insert(pos, &v, fill); m.insert(pos, v); }
                    7 => {
                        let a = pos;
                        let b = (a + n as usize % 7).min(m.len());
                        l.trim(a..b);
                        let kept: VecDeque<Vec<u8>> = m.range(a.min(b)..b).cloned().collect();
                        m = kept;
                    }
                    _ => {
                        let first = v.first().copied();
                        l.retain_indexed(|i, e| i % 3 != 0 || e.first().copied() != first);
                        let mut i = 0;
                        m.retain(|e| { let k = i % 3 != 0 || e.first().copied() != first; i += 1; k });
                    }
                }
                prop_assert_eq!(l.len(), m.len());
                prop_assert_eq!(l.nodes.iter().map(|n| n.count as usize).sum::<usize>(), m.len());
                prop_assert!(l.nodes.iter().all(|n| n.count > 0));
                let got: Vec<&[u8]> = l.iter().collect();
                let want: Vec<&[u8]> = m.iter().map(|e| e.as_slice()).collect();
                prop_assert_eq!(&got, &want);
                let back: Vec<&[u8]> = l.iter().rev().collect();
                let want_back: Vec<&[u8]> = m.iter().rev().map(|e| e.as_slice()).collect();
                prop_assert_eq!(back, want_back);
                if !m.is_empty() {
                    let i = n as usize % m.len();
                    prop_assert_eq!(l.get(i), Some(m[i].as_slice()));
                    let r: Vec<&[u8]> = l.slice(i..i + 3).collect();
                    let want_r: Vec<&[u8]> = m.range(i..(i + 3).min(m.len())).map(|e| e.as_slice()).collect();
                    prop_assert_eq!(r, want_r);
                }
            }
        }
    }
}

//! A compact list of byte strings in one allocation: the small form of hashes and sorted
//! sets (the role of Redis 7.0's `listpack.c`, not its byte format).
//!
//! # Layout
//!
//! One `Vec<u8>` of entries back to back, each a length prefix followed by the bytes. The
//! prefix is LEB128: one byte (`0..=127`) for the short strings a listpack-encoded value
//! holds (`*-max-listpack-value` is 64 by default), more bytes for longer ones (an RDB
//! listpack is loaded as is, without a length check). No per-entry allocation, no table:
//! lookups walk the buffer, which is what Redis does too and is cheap up to the 128
//! entries `*-max-listpack-entries` allows by default.
//!
//! A sorted set keeps each member's score as the entry after it, in a short binary form
//! (see `types::zset::pack`).
//!
//! The buffer grows to exactly what it holds (as Redis reallocates a listpack on each
//! insert): a small value must cost its bytes, not a doubled capacity.

/// See the module docs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
    count: u32,
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// Bytes the length prefix of an `n`-byte entry takes.
#[inline]
fn prefix_len(mut n: usize) -> usize {
    let mut k = 1;
    while n >= 0x80 {
        n >>= 7;
        k += 1;
    }
    k
}

/// Appends the prefix of an `n`-byte entry.
#[inline]
fn put_prefix(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The entry at `pos`: (start of its bytes, end of its bytes). `pos` must be an entry's
/// offset inside `buf` (the buffer is only ever written by this module).
#[inline]
pub(crate) fn entry_at(buf: &[u8], pos: usize) -> (usize, usize) {
    // The common case: a one-byte prefix (entries under 128 bytes).
    if let Some(&b) = buf.get(pos) {
        if b < 0x80 {
            let start = pos + 1;
            return (start, (start + usize::from(b)).min(buf.len()));
        }
    }
    let mut p = pos;
    let mut n = 0usize;
    let mut shift = 0;
    while let Some(&b) = buf.get(p) {
        p += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    (p, (p + n).min(buf.len()))
}

impl Listpack {
    /// An empty listpack (no allocation).
    pub const fn new() -> Listpack {
        Listpack {
            buf: Vec::new(),
            count: 0,
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when there are no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the buffer's allocation (for the memory model).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The entries back to back, prefixes included (walk them with `entry_at`).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes the entries take (prefixes included).
    #[inline]
    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// Grows the buffer to hold `extra` more bytes, exactly.
    #[inline]
    fn grow(&mut self, extra: usize) {
        if self.buf.capacity() - self.buf.len() < extra {
            self.buf.reserve_exact(extra);
        }
    }

    /// Appends entries.
    pub fn push_all(&mut self, entries: &[&[u8]]) {
        let extra = entries.iter().map(|e| prefix_len(e.len()) + e.len()).sum();
        self.grow(extra);
        for e in entries {
            put_prefix(&mut self.buf, e.len());
            self.buf.extend_from_slice(e);
        }
        self.count += entries.len() as u32;
    }

    /// Appends one entry.
    #[inline]
    pub fn push(&mut self, entry: &[u8]) {
        self.push_all(&[entry]);
    }

    /// Iterates the entries with their offsets.
    #[inline]
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// Iterates the entries.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.cursor().map(|(_, e)| e)
    }

    /// Replaces the entry at offset `pos` (as given by [`Listpack::cursor`]) by `entry`.
    pub fn replace(&mut self, pos: usize, entry: &[u8]) {
        let (start, end) = entry_at(&self.buf, pos);
        if end - start == entry.len() {
            self.buf[start..end].copy_from_slice(entry);
            return;
        }
        let mut new = Vec::with_capacity(prefix_len(entry.len()) + entry.len());
        put_prefix(&mut new, entry.len());
        new.extend_from_slice(entry);
        let old = end - pos;
        if new.len() > old {
            self.grow(new.len() - old);
        }
        self.buf.splice(pos..end, new);
        self.shrink();
    }

    /// Inserts entries before the entry at offset `pos` (`byte_len()` appends).
    pub fn insert(&mut self, pos: usize, entries: &[&[u8]]) {
        let mut new = Vec::new();
        for e in entries {
            put_prefix(&mut new, e.len());
            new.extend_from_slice(e);
        }
        self.grow(new.len());
        self.buf.splice(pos..pos, new);
        self.count += entries.len() as u32;
    }

    /// Removes `n` entries starting at offset `pos`.
    pub fn remove(&mut self, pos: usize, n: usize) {
        let mut end = pos;
        for _ in 0..n {
            end = entry_at(&self.buf, end).1;
        }
        self.buf.drain(pos..end);
        self.count -= n as u32;
        self.shrink();
    }

    /// Gives back a capacity that removals left unused (beyond a little slack).
    #[inline]
    fn shrink(&mut self) {
        if self.buf.capacity() > self.buf.len() + 64 {
            self.buf.shrink_to_fit();
        }
    }
}

/// Entries with their offsets, see [`Listpack::cursor`].
#[derive(Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Cursor<'a> {
    type Item = (usize, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let at = self.pos;
        let (start, end) = entry_at(self.buf, at);
        self.pos = end;
        Some((at, &self.buf[start..end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Push(Vec<u8>),
        Insert(usize, Vec<u8>),
        Replace(usize, Vec<u8>),
        Remove(usize, usize),
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..10),
            proptest::collection::vec(any::<u8>(), 120..140),
            proptest::collection::vec(any::<u8>(), 16_380..16_390),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            bytes().prop_map(Op::Push),
            (any::<usize>(), bytes()).prop_map(|(i, b)| Op::Insert(i, b)),
            (any::<usize>(), bytes()).prop_map(|(i, b)| Op::Replace(i, b)),
            (any::<usize>(), 1usize..3).prop_map(|(i, n)| Op::Remove(i, n)),
        ]
    }

    proptest! {
        /// Against a `Vec<Vec<u8>>`: every operation, entries of 1-, 2- and 3-byte prefixes.
        #[test]
        fn matches_vec_model(ops in proptest::collection::vec(op(), 0..40)) {
            let mut lp = Listpack::new();
            let mut model: Vec<Vec<u8>> = Vec::new();
            for op in ops {
                let offsets: Vec<usize> = lp.cursor().map(|(p, _)| p).collect();
                match op {
                    Op::Push(b) => { lp.push(&b); model.push(b); }
                    Op::Insert(i, b) => {
                        let i = i % (model.len() + 1);
                        let pos = offsets.get(i).copied().unwrap_or(lp.byte_len());
                        lp.insert(pos, &[&b]);
                        model.insert(i, b);
                    }
                    Op::Replace(i, b) if !model.is_empty() => {
                        let i = i % model.len();
                        lp.replace(offsets[i], &b);
                        model[i] = b;
                    }
                    Op::Remove(i, n) if !model.is_empty() => {
                        let i = i % model.len();
                        let n = n.min(model.len() - i);
                        lp.remove(offsets[i], n);
                        model.drain(i..i + n);
                    }
                    _ => {}
                }
                prop_assert_eq!(lp.len(), model.len());
                let got: Vec<&[u8]> = lp.iter().collect();
                let want: Vec<&[u8]> = model.iter().map(|v| v.as_slice()).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}

//! [`Str`]: a string value in 24 bytes, short ones without a heap block.
//!
//! Most string values are short (counters, ids, flags, small JSON): Redis keeps those
//! embedded in the object header (`embstr`) or as an integer in the pointer (`int`). `Str`
//! does the same with its own three forms, chosen by how the value was made:
//!
//! - **inline** — up to [`INLINE`] bytes live in the 24 bytes themselves (no allocation;
//!   every decimal `i64` fits, so integer-valued strings need no block either);
//! - **boxed** — a longer value written whole (SET, RESTORE, loading) is one exact-size
//!   block;
//! - **growable** — a value modified in place (APPEND, SETRANGE, SETBIT, PFADD, ...) is a
//!   `Vec` with spare capacity, so repeated appends stay amortised O(1).
//!
//! Readers see `&[u8]` (`Deref`); writers in place go through [`Str::make_mut`], the one
//! helper that turns any form into the growable one. The form never shows in replies:
//! OBJECT ENCODING comes from [`super::StrEncoding`] and the bytes.

use std::fmt;
use std::ops::Deref;

/// Bytes a value can have and still be stored inline.
pub const INLINE: usize = 22;

/// A string value. See the module docs.
#[derive(Clone)]
pub enum Str {
    /// Up to [`INLINE`] bytes, stored in place.
    Inline {
        /// Number of bytes used in `buf`.
        len: u8,
        /// The bytes (the first `len`).
        buf: [u8; INLINE],
    },
    /// A longer value in one exact-size block.
    Boxed(Box<[u8]>),
    /// A value being modified in place, with spare capacity.
    Growable(Box<Vec<u8>>),
}

impl Str {
    /// The empty string.
    pub const fn new() -> Str {
        Str::Inline {
            len: 0,
            buf: [0; INLINE],
        }
    }

    /// A copy of `b`, inline when short.
    pub fn from_slice(b: &[u8]) -> Str {
        if b.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..b.len()].copy_from_slice(b);
            Str::Inline {
                len: b.len() as u8,
                buf,
            }
        } else {
            Str::Boxed(b.into())
        }
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Str::Inline { len, buf } => &buf[..*len as usize],
            Str::Boxed(b) => b,
            Str::Growable(v) => v,
        }
    }

    /// The bytes, mutable and growable: converts to the growable form first (the one
    /// path for in-place writes: APPEND, SETRANGE, SETBIT, BITFIELD, PFADD, ...).
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Str::Growable(_)) {
            *self = Str::Growable(Box::new(self.as_bytes().to_vec()));
        }
        match self {
            Str::Growable(v) => v,
            // Just converted above.
            _ => unreachable!("Str::make_mut after conversion"),
        }
    }

    /// The bytes as an owned vector.
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Str::Inline { len, buf } => buf[..len as usize].to_vec(),
            Str::Boxed(b) => b.into_vec(),
            Str::Growable(v) => *v,
        }
    }

    /// The heap blocks this value holds, as `(requested bytes)` of each block: none
    /// inline, one exact block boxed, the `Vec` header block plus its buffer (by capacity)
    /// growable. For the memory model ([`super::memory`]).
    pub fn blocks(&self) -> (usize, usize) {
        match self {
            Str::Inline { .. } => (0, 0),
            Str::Boxed(b) => (b.len(), 0),
            Str::Growable(v) => (std::mem::size_of::<Vec<u8>>(), v.capacity()),
        }
    }
}

impl Default for Str {
    fn default() -> Str {
        Str::new()
    }
}

impl Deref for Str {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Str {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<Vec<u8>> for Str {
    /// Short vectors are copied inline; longer ones keep their block, trimmed to size
    /// only when the slack is large (a trim is a copy).
    fn from(v: Vec<u8>) -> Str {
        if v.len() <= INLINE {
            Str::from_slice(&v)
        } else if v.capacity() - v.len() <= v.len() / 8 {
            Str::Boxed(v.into_boxed_slice())
        } else {
            Str::Boxed(v.as_slice().into())
        }
    }
}

impl From<&[u8]> for Str {
    fn from(b: &[u8]) -> Str {
        Str::from_slice(b)
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Str {}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn size_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Str>(), 24);
    }

    #[test]
    fn forms_by_length() {
        assert!(matches!(Str::from_slice(b""), Str::Inline { len: 0, .. }));
        assert!(matches!(Str::from_slice(&[7; INLINE]), Str::Inline { .. }));
        assert!(matches!(Str::from_slice(&[7; INLINE + 1]), Str::Boxed(_)));
        assert!(matches!(
            Str::from(i64::MIN.to_string().into_bytes()),
            Str::Inline { .. }
        ));
        let mut s = Str::from_slice(b"abc");
        s.make_mut().extend_from_slice(b"def");
        assert!(matches!(s, Str::Growable(_)));
        assert_eq!(&*s, b"abcdef");
    }

    proptest! {
        /// Every form holds exactly the bytes it was given, through any mix of
        /// conversions and in-place edits (a `Vec` is the reference).
        #[test]
        fn matches_a_vec(
            start in proptest::collection::vec(any::<u8>(), 0..60),
            edits in proptest::collection::vec((0u8..3, proptest::collection::vec(any::<u8>(), 0..30)), 0..8),
        ) {
            let mut model = start.clone();
            let mut s = Str::from(start);
            prop_assert_eq!(s.as_bytes(), model.as_slice());
            for (op, bytes) in edits {
                match op {
                    0 => {
                        s.make_mut().extend_from_slice(&bytes);
                        model.extend_from_slice(&bytes);
                    }
                    1 => {
                        s = Str::from_slice(&bytes);
                        model = bytes;
                    }
                    _ => {
                        let v = s.clone().into_vec();
                        prop_assert_eq!(&v, &model);
                        s = Str::from(v);
                    }
                }
                prop_assert_eq!(s.as_bytes(), model.as_slice());
                prop_assert_eq!(s.len(), model.len());
            }
        }
    }
}

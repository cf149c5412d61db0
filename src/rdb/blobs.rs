//! The compact encodings that RDB stores as string blobs: listpack (written and read),
//! intset (written and read), and, read-only, ziplist and zipmap (Redis ≤ 6.2).
//!
//! # Format
//!
//! * listpack: `total-bytes u32 LE | count u16 LE (65535 = unknown) | entries | 0xFF`; an
//!   entry is an encoding byte (7-bit uint `0xxxxxxx`; 6-bit string `10LLLLLL`; 13-bit int
//!   `110xxxxx`+1; 12-bit string `1110LLLL`+1; `0xF0` 32-bit string length; `0xF1`–`0xF4`
//!   16/24/32/64-bit int, all little-endian) and its data, then the entry's length
//!   (encoding + data) as a backward varint of 1–5 bytes.
//! * intset: `encoding u32 LE (2, 4 or 8) | count u32 LE | sorted values LE`.
//! * ziplist: `bytes u32 | tail u32 | count u16 | entries | 0xFF`, an entry being
//!   `prevlen (1 byte, or 0xFE + u32) | encoding | data`.
//! * zipmap: `count u8 | (len key len free value pad)* | 0xFF`, lengths 1 byte or 0xFE+u32.

use super::codec::canonical_int;

/// A listpack element: integers are kept apart because stream listpacks hold numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Elem {
    /// An integer-encoded element.
    Int(i64),
    /// A string element.
    Str(Vec<u8>),
}

impl Elem {
    /// The element as Redis hands it to commands: integers as decimal text.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Elem::Int(v) => v.to_string().into_bytes(),
            Elem::Str(s) => s,
        }
    }

    /// The element as an integer (string elements that parse too).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Elem::Int(v) => Some(*v),
            Elem::Str(s) => canonical_int(s),
        }
    }
}

/// Builds a listpack, appending elements as `lpAppend` does (canonical integers encoded as
/// integers).
#[derive(Clone, Debug)]
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        ListpackWriter::new()
    }
}

/// Bytes of the backward length of an entry of `l` bytes.
fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

fn put_backlen(buf: &mut Vec<u8>, l: usize) {
    let n = backlen_size(l);
    for i in (0..n).rev() {
        let part = ((l >> (7 * i)) & 127) as u8;
        // The first (lowest-addressed) byte holds the top bits without the flag.
        buf.push(if i == n - 1 { part } else { part | 128 });
    }
}

/// The size in bytes of an element's encoding + data (without the backlen).
pub fn entry_size(s: &[u8]) -> usize {
    match canonical_int(s) {
        Some(v) => int_entry_size(v),
        None => str_header(s.len()) + s.len(),
    }
}

fn int_entry_size(v: i64) -> usize {
    if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if (-32768..=32767).contains(&v) {
        3
    } else if (-8388608..=8388607).contains(&v) {
        4
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        5
    } else {
        9
    }
}

fn str_header(len: usize) -> usize {
    if len < 64 {
        1
    } else if len < 4096 {
        2
    } else {
        5
    }
}

/// Total bytes an entry takes in a listpack, backlen included.
pub fn entry_total(s: &[u8]) -> usize {
    let e = entry_size(s);
    e + backlen_size(e)
}

impl ListpackWriter {
    /// An empty listpack.
    pub fn new() -> ListpackWriter {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; 6]);
        ListpackWriter { buf, count: 0 }
    }

    /// Number of elements so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes the finished listpack will take.
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// Appends an integer element.
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = if v < 0 { (1i64 << 13) + v } else { v } as u64;
            self.buf.push(((u >> 8) as u8) | 0xC0);
            self.buf.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8388608..=8388607).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        let l = self.buf.len() - start;
        put_backlen(&mut self.buf, l);
        self.count += 1;
    }

    /// Appends a string element as a string (no integer detection).
    pub fn push_str_raw(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let len = s.len();
        if len < 64 {
            self.buf.push(0x80 | len as u8);
        } else if len < 4096 {
            self.buf.push(0xE0 | (len >> 8) as u8);
            self.buf.push(len as u8);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(len as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        let l = self.buf.len() - start;
        put_backlen(&mut self.buf, l);
        self.count += 1;
    }

    /// Appends an element as `lpAppend` does: as an integer when it is one.
    pub fn push(&mut self, s: &[u8]) {
        match canonical_int(s) {
            Some(v) => self.push_int(v),
            None => self.push_str_raw(s),
        }
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let n = self.count.min(65535) as u16;
        self.buf[4..6].copy_from_slice(&n.to_le_bytes());
        self.buf
    }
}

/// Reads a listpack, validating its header, every entry's encoding and backlen, and the
/// terminator. `None` if it is malformed.
pub fn read_listpack(lp: &[u8]) -> Option<Vec<Elem>> {
    if lp.len() < 7 {
        return None;
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    let count = u16::from_le_bytes([lp[4], lp[5]]) as usize;
    if total != lp.len() || lp[lp.len() - 1] != 0xFF {
        return None;
    }
    let end = lp.len() - 1;
    let mut out = Vec::with_capacity(count.min(end));
    let mut p = 6;
    while p < end {
        let start = p;
        let b = lp[p];
        let get = |from: usize, n: usize| lp.get(from..from.checked_add(n)?);
        let elem = if b & 0x80 == 0 {
            p += 1;
            Elem::Int(b as i64)
        } else if b & 0xC0 == 0x80 {
            let n = (b & 0x3f) as usize;
            let s = get(p + 1, n)?;
            p += 1 + n;
            Elem::Str(s.to_vec())
        } else if b & 0xE0 == 0xC0 {
            let lo = *lp.get(p + 1)? as i64;
            let u = (((b & 0x1f) as i64) << 8) | lo;
            p += 2;
            Elem::Int(if u >= 1 << 12 { u - (1 << 13) } else { u })
        } else if b & 0xF0 == 0xE0 {
            let n = (((b & 0x0f) as usize) << 8) | *lp.get(p + 1)? as usize;
            let s = get(p + 2, n)?;
            p += 2 + n;
            Elem::Str(s.to_vec())
        } else {
            match b {
                0xF0 => {
                    let l = get(p + 1, 4)?;
                    let n = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                    let s = get(p + 5, n)?;
                    p += 5 + n;
                    Elem::Str(s.to_vec())
                }
                0xF1 => {
                    let x = get(p + 1, 2)?;
                    p += 3;
                    Elem::Int(i16::from_le_bytes([x[0], x[1]]) as i64)
                }
                0xF2 => {
                    let x = get(p + 1, 3)?;
                    p += 4;
                    let u = i32::from_le_bytes([0, x[0], x[1], x[2]]) >> 8;
                    Elem::Int(u as i64)
                }
                0xF3 => {
                    let x = get(p + 1, 4)?;
                    p += 5;
                    Elem::Int(i32::from_le_bytes([x[0], x[1], x[2], x[3]]) as i64)
                }
                0xF4 => {
                    let x = get(p + 1, 8)?;
                    p += 9;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(x);
                    Elem::Int(i64::from_le_bytes(a))
                }
                _ => return None,
            }
        };
        let l = p - start;
        let bl = backlen_size(l);
        let mut expect = Vec::with_capacity(5);
        put_backlen(&mut expect, l);
        if get(p, bl)? != expect.as_slice() {
            return None;
        }
        p += bl;
        if p > end {
            return None;
        }
        out.push(elem);
    }
    if p != end || (count != 65535 && count != out.len()) {
        return None;
    }
    Some(out)
}

/// Builds an intset of `values` (sorted, distinct) with the smallest encoding holding all.
pub fn write_intset(values: &[i64]) -> Vec<u8> {
    let width = values
        .iter()
        .map(|&v| {
            if (i16::MIN as i64..=i16::MAX as i64).contains(&v) {
                2
            } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
                4
            } else {
                8
            }
        })
        .max()
        .unwrap_or(2);
    let mut out = Vec::with_capacity(8 + width * values.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for &v in values {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

/// Reads an intset; `None` if malformed (bad encoding, size mismatch, not strictly
/// ascending).
pub fn read_intset(b: &[u8]) -> Option<Vec<i64>> {
    if b.len() < 8 {
        return None;
    }
    let width = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let n = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) || (b.len() - 8) != n.checked_mul(width)? {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for c in b[8..].chunks_exact(width) {
        let v = match width {
            2 => i16::from_le_bytes([c[0], c[1]]) as i64,
            4 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64,
            _ => {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                i64::from_le_bytes(a)
            }
        };
        if out.last().is_some_and(|&l| l >= v) {
            return None;
        }
        out.push(v);
    }
    Some(out)
}

/// Reads a ziplist's elements (integers as decimal text); `None` if malformed.
pub fn read_ziplist(z: &[u8]) -> Option<Vec<Vec<u8>>> {
    if z.len() < 11 {
        return None;
    }
    let total = u32::from_le_bytes([z[0], z[1], z[2], z[3]]) as usize;
    let count = u16::from_le_bytes([z[8], z[9]]) as usize;
    if total != z.len() || z[z.len() - 1] != 0xFF {
        return None;
    }
    let end = z.len() - 1;
    let get = |from: usize, n: usize| z.get(from..from.checked_add(n)?);
    let mut out = Vec::new();
    let mut p = 10;
    while p < end {
        // prevlen
        p += if z[p] < 254 { 1 } else { 5 };
        let b = *z.get(p)?;
        let v: Vec<u8> = match b >> 6 {
            0 => {
                let n = (b & 0x3f) as usize;
                let s = get(p + 1, n)?;
                p += 1 + n;
                s.to_vec()
            }
            1 => {
                let n = (((b & 0x3f) as usize) << 8) | *z.get(p + 1)? as usize;
                let s = get(p + 2, n)?;
                p += 2 + n;
                s.to_vec()
            }
            2 => {
                let l = get(p + 1, 4)?;
                let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
                let s = get(p + 5, n)?;
                p += 5 + n;
                s.to_vec()
            }
            _ => {
                let (v, n) = match b {
                    0xC0 => {
                        let x = get(p + 1, 2)?;
                        (i16::from_le_bytes([x[0], x[1]]) as i64, 2)
                    }
                    0xD0 => {
                        let x = get(p + 1, 4)?;
                        (i32::from_le_bytes([x[0], x[1], x[2], x[3]]) as i64, 4)
                    }
                    0xE0 => {
                        let x = get(p + 1, 8)?;
                        let mut a = [0u8; 8];
                        a.copy_from_slice(x);
                        (i64::from_le_bytes(a), 8)
                    }
                    0xF0 => {
                        let x = get(p + 1, 3)?;
                        ((i32::from_le_bytes([0, x[0], x[1], x[2]]) >> 8) as i64, 3)
                    }
                    0xFE => (*z.get(p + 1)? as i8 as i64, 1),
                    0xF1..=0xFD => ((b & 0x0f) as i64 - 1, 0),
                    _ => return None,
                };
                p += 1 + n;
                v.to_string().into_bytes()
            }
        };
        if p > end {
            return None;
        }
        out.push(v);
    }
    if count != 65535 && count != out.len() {
        return None;
    }
    Some(out)
}

/// Reads a zipmap's (field, value) pairs; `None` if malformed.
pub fn read_zipmap(z: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut p = 1;
    let len_at = |p: &mut usize| -> Option<usize> {
        let b = *z.get(*p)?;
        if b < 254 {
            *p += 1;
            Some(b as usize)
        } else if b == 254 {
            let x = z.get(*p + 1..*p + 5)?;
            *p += 5;
            Some(u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize)
        } else {
            None
        }
    };
    let mut out = Vec::new();
    loop {
        if *z.get(p)? == 0xFF {
            break;
        }
        let kl = len_at(&mut p)?;
        let k = z.get(p..p.checked_add(kl)?)?.to_vec();
        p += kl;
        let vl = len_at(&mut p)?;
        let free = *z.get(p)? as usize;
        p += 1;
        let v = z.get(p..p.checked_add(vl)?)?.to_vec();
        p += vl + free;
        out.push((k, v));
    }
    (p + 1 == z.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listpack_round_trip() {
        let items: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"128".to_vec(),
            b"-4096".to_vec(),
            b"4095".to_vec(),
            b"-32768".to_vec(),
            b"8388607".to_vec(),
            b"-8388609".to_vec(),
            b"9223372036854775807".to_vec(),
            b"hello".to_vec(),
            vec![b'x'; 100],
            vec![b'y'; 5000],
            b"007".to_vec(),
        ];
        let mut w = ListpackWriter::new();
        for i in &items {
            w.push(i);
        }
        let lp = w.finish();
        let back: Vec<Vec<u8>> = read_listpack(&lp)
            .expect("valid")
            .into_iter()
            .map(Elem::into_bytes)
            .collect();
        assert_eq!(back, items);
        let mut bad = lp.clone();
        bad[7] ^= 0x40;
        assert_ne!(read_listpack(&bad).map(|v| v.len()), Some(items.len() + 1));
    }

    #[test]
    fn intset_round_trip() {
        for vals in [
            vec![1i64, 2, 3],
            vec![-70000, 5],
            vec![i64::MIN, 0, i64::MAX],
        ] {
            assert_eq!(read_intset(&write_intset(&vals)), Some(vals));
        }
        assert_eq!(read_intset(&write_intset(&[3, 3])), None);
    }
}

//! File headers and record framing shared by snapshots and logs (FORMAT.md §2–§3).
//!
//! Every file starts with a 24-byte header: 8 magic bytes, the format version (u32 LE), the
//! generation (u64 LE) and a CRC32 of those 20 bytes (u32 LE). Records follow back to back:
//!
//! ```text
//! 0      4          8            12
//! | len  | body crc | header crc | payload (len bytes) |
//! ```
//!
//! `len` is the payload length, `body crc` the CRC32 (IEEE, crc32fast) of the payload and
//! `header crc` the CRC32 of bytes 0..8 of the record, all little-endian u32.

/// Size of a file header.
pub const HEADER_LEN: usize = 24;
/// Size of a record header.
pub const RECORD_HEADER_LEN: usize = 12;
/// The current on-disk format version (FORMAT.md "Versioning").
pub const FORMAT_VERSION: u32 = 4;
/// The oldest format version this build still reads (FORMAT.md §10).
pub const OLDEST_READABLE_VERSION: u32 = 1;
/// Magic bytes of a snapshot file.
pub const SNAP_MAGIC: &[u8; 8] = b"EMUSNAP\0";
/// Magic bytes of a log file.
pub const LOG_MAGIC: &[u8; 8] = b"EMULOG\0\0";
/// Largest payload a record may carry.
pub const MAX_PAYLOAD: usize = u32::MAX as usize;

/// CRC32 (IEEE) of `b`.
#[inline]
pub fn crc(b: &[u8]) -> u32 {
    let mut h = hasher();
    h.update(b);
    h.finalize()
}

/// CRC32 (IEEE) of the 8 bytes a record header's own checksum covers (length and body
/// checksum), equal to [`crc`] of them: slice-by-8 with tables built at compile time, eight
/// independent lookups instead of crc32fast's short-input path (a call chain and two dependent
/// 4-byte folds, about a tenth of a logged SET's checksum time).
#[inline]
fn header_crc(b: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) ^ !0;
    let hi = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    let at = |x: u32, shift: u32| ((x >> shift) & 0xff) as usize;
    !(t[7][at(lo, 0)]
        ^ t[6][at(lo, 8)]
        ^ t[5][at(lo, 16)]
        ^ t[4][at(lo, 24)]
        ^ t[3][at(hi, 0)]
        ^ t[2][at(hi, 8)]
        ^ t[1][at(hi, 16)]
        ^ t[0][at(hi, 24)])
}

/// Slice-by-8 tables of the reflected IEEE polynomial: `CRC_TABLES[0]` is the byte-wise
/// table, `CRC_TABLES[k][i]` the CRC of byte `i` followed by `k` zero bytes.
static CRC_TABLES: [[u32; 256]; 8] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut k = 1;
        while k < 8 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            k += 1;
        }
        i += 1;
    }
    t
}

/// A fresh CRC-32 state. `crc32fast::Hasher::new` detects the CPU's features each time
/// (measurable per log record); the detected state is kept and cloned instead.
fn hasher() -> crc32fast::Hasher {
    static PROTO: std::sync::OnceLock<crc32fast::Hasher> = std::sync::OnceLock::new();
    PROTO.get_or_init(crc32fast::Hasher::new).clone()
}

/// A file header.
pub fn header(magic: &[u8; 8], generation: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(magic);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&generation.to_le_bytes());
    let c = crc(&h[..20]);
    h[20..24].copy_from_slice(&c.to_le_bytes());
    h
}

/// Why a header was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than 24 bytes.
    Short,
    /// Not this kind of file.
    BadMagic,
    /// Header checksum mismatch.
    BadChecksum,
    /// A format version this build cannot read.
    Version(u32),
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::Short => write!(f, "file header is truncated"),
            HeaderError::BadMagic => write!(f, "bad magic bytes (not an emu file of this kind)"),
            HeaderError::BadChecksum => write!(f, "file header checksum mismatch"),
            HeaderError::Version(v) => write!(
                f,
                "format version {v} is not supported by this build (reads versions {OLDEST_READABLE_VERSION} to {FORMAT_VERSION})"
            ),
        }
    }
}

/// Parses a header; returns the generation.
pub fn parse_header(buf: &[u8], magic: &[u8; 8]) -> Result<u64, HeaderError> {
    if buf.len() < HEADER_LEN {
        return Err(HeaderError::Short);
    }
    if &buf[..8] != magic {
        return Err(HeaderError::BadMagic);
    }
    let stored = u32::from_le_bytes([buf[20], buf[21], buf[22], buf[23]]);
    if crc(&buf[..20]) != stored {
        return Err(HeaderError::BadChecksum);
    }
    let version = u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]);
    if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(HeaderError::Version(version));
    }
    let mut g = [0u8; 8];
    g.copy_from_slice(&buf[12..20]);
    Ok(u64::from_le_bytes(g))
}

/// Appends a framed record holding `payload` to `out`.
pub fn push_record(out: &mut Vec<u8>, payload: &[u8]) {
    let mut h = [0u8; RECORD_HEADER_LEN];
    h[..4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    h[4..8].copy_from_slice(&crc(payload).to_le_bytes());
    let hc = header_crc(&h[..8]);
    h[8..12].copy_from_slice(&hc.to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(payload);
}

/// Frames a payload that was written into `out[start + 12..]` after 12 reserved bytes at
/// `start` (lets encoders write the payload in place without a copy).
pub fn seal_record(out: &mut [u8], start: usize) {
    let len = out.len() - start - RECORD_HEADER_LEN;
    let body = crc(&out[start + RECORD_HEADER_LEN..]);
    let h = &mut out[start..start + RECORD_HEADER_LEN];
    h[..4].copy_from_slice(&(len as u32).to_le_bytes());
    h[4..8].copy_from_slice(&body.to_le_bytes());
    let hc = header_crc(&h[..8]);
    h[8..12].copy_from_slice(&hc.to_le_bytes());
}

/// The 12-byte header of a record whose payload is `head` followed by `body` (for a writer
/// that must put the header in place before the payload: see `persist::log`).
#[inline]
pub fn record_header(head: &[u8], body: &[u8]) -> [u8; RECORD_HEADER_LEN] {
    let mut c = hasher();
    if !head.is_empty() {
        c.update(head);
    }
    c.update(body);
    let len = (head.len() + body.len()) as u32;
    let mut h = [0u8; RECORD_HEADER_LEN];
    h[..4].copy_from_slice(&len.to_le_bytes());
    h[4..8].copy_from_slice(&c.finalize().to_le_bytes());
    let hc = header_crc(&h[..8]);
    h[8..12].copy_from_slice(&hc.to_le_bytes());
    h
}

/// What [`next_record`] found at an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// A valid record: payload range and the offset of the next record.
    Record {
        /// Payload start.
        start: usize,
        /// Payload end (exclusive) = offset of the next record.
        end: usize,
    },
    /// Clean end of data.
    End,
    /// An incomplete record at the end of the data — what a crash in the middle of an
    /// append leaves. Recoverable by truncating at this offset.
    Torn(&'static str),
    /// Damage that is not explained by an interrupted append.
    Corrupt(&'static str),
}

/// Reads the record at `off` in `buf` (FORMAT.md §3 "Classifying damage").
pub fn next_record(buf: &[u8], off: usize) -> Next {
    let rem = buf.len().saturating_sub(off);
    if rem == 0 {
        return Next::End;
    }
    if rem < RECORD_HEADER_LEN {
        return Next::Torn("incomplete record header at end of file");
    }
    let h = &buf[off..off + RECORD_HEADER_LEN];
    let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
    let body = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
    let hc = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
    // The writer allocates the file ahead and fills it through a mapping, so a process
    // that died leaves zeros after its last record — possibly after a record it was still
    // copying.
    let zeros_from = |at: usize| buf.get(at..).is_none_or(|t| t.iter().all(|&b| b == 0));
    if header_crc(&h[..8]) != hc {
        if zeros_from(off) {
            return Next::Torn("zero-filled tail");
        }
        if zeros_from(off + RECORD_HEADER_LEN) {
            return Next::Torn("incomplete record header before a zero-filled tail");
        }
        return Next::Corrupt("record header checksum mismatch");
    }
    if len > rem - RECORD_HEADER_LEN {
        return Next::Torn("record extends past end of file");
    }
    let start = off + RECORD_HEADER_LEN;
    let end = start + len;
    if crc(&buf[start..end]) != body {
        if end == buf.len() {
            return Next::Torn("last record checksum mismatch");
        }
        if zeros_from(end) {
            return Next::Torn("incomplete last record before a zero-filled tail");
        }
        return Next::Corrupt("record checksum mismatch");
    }
    Next::Record { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_crc_is_crc32() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut inputs = vec![[0u8; 8], [0xFF; 8], *b"12345678"];
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            inputs.push(x.to_le_bytes());
        }
        for b in inputs {
            assert_eq!(header_crc(&b), crc(&b), "{b:?}");
        }
    }

    #[test]
    fn header_roundtrip_and_rejections() {
        let h = header(LOG_MAGIC, 7);
        assert_eq!(parse_header(&h, LOG_MAGIC), Ok(7));
        assert_eq!(parse_header(&h, SNAP_MAGIC), Err(HeaderError::BadMagic));
        assert_eq!(parse_header(&h[..10], LOG_MAGIC), Err(HeaderError::Short));
        let mut bad = h;
        bad[13] ^= 1;
        assert_eq!(parse_header(&bad, LOG_MAGIC), Err(HeaderError::BadChecksum));
    }

    #[test]
    fn records_and_damage() {
        let mut buf = Vec::new();
        push_record(&mut buf, b"hello");
        let mut sealed = vec![0u8; RECORD_HEADER_LEN];
        sealed.extend_from_slice(b"world!");
        seal_record(&mut sealed, 0);
        buf.extend_from_slice(&sealed);
        assert_eq!(next_record(&buf, 0), Next::Record { start: 12, end: 17 });
        assert_eq!(next_record(&buf, 17), Next::Record { start: 29, end: 35 });
        assert_eq!(next_record(&buf, 35), Next::End);
        // Truncations of the last record are torn.
        for cut in 18..35 {
            assert!(
                matches!(next_record(&buf[..cut], 17), Next::Torn(_)),
                "{cut}"
            );
        }
        // A flipped payload byte in the middle is corruption; at the end, torn.
        let mut b2 = buf.clone();
        b2[13] ^= 0x40;
        assert_eq!(
            next_record(&b2, 0),
            Next::Corrupt("record checksum mismatch")
        );
        let mut b3 = buf.clone();
        b3[30] ^= 0x40;
        assert!(matches!(next_record(&b3, 17), Next::Torn(_)));
        // A flipped length byte is caught by the header checksum.
        let mut b4 = buf.clone();
        b4[0] ^= 0x80;
        assert_eq!(
            next_record(&b4, 0),
            Next::Corrupt("record header checksum mismatch")
        );
    }

    #[test]
    fn a_record_cut_short_before_allocated_zeros_is_torn() {
        let mut buf = Vec::new();
        push_record(&mut buf, b"hello");
        push_record(&mut buf, b"world!");
        // Every prefix of the second record, then the zeros the writer allocated ahead.
        for cut in 17..35 {
            let mut b = buf[..cut].to_vec();
            b.resize(4096, 0);
            assert!(matches!(next_record(&b, 17), Next::Torn(_)), "{cut}");
            assert_eq!(next_record(&b, 0), Next::Record { start: 12, end: 17 });
        }
        let mut whole = buf.clone();
        whole.resize(4096, 0);
        assert_eq!(next_record(&whole, 17), Next::Record { start: 29, end: 35 });
        assert_eq!(next_record(&whole, 35), Next::Torn("zero-filled tail"));
        // Damage followed by more data is still corruption.
        let mut b = buf.clone();
        b[30] ^= 0x40;
        b.extend_from_slice(b"junk");
        b.resize(4096, 0);
        assert_eq!(
            next_record(&b, 17),
            Next::Corrupt("record checksum mismatch")
        );
    }
}

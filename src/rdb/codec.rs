//! The RDB primitives shared by files, DUMP payloads and FUNCTION DUMP: length encoding,
//! string encoding (raw, integer, LZF), doubles, CRC64, and the DUMP payload footer.
//!
//! # Format
//!
//! * Length: `00LLLLLL` (6 bits), `01LLLLLL LLLLLLLL` (14 bits, big-endian), `0x80` + u32
//!   big-endian, `0x81` + u64 big-endian; `11EEEEEE` marks a special string encoding `E`.
//! * String: a length and the bytes; or `0xC0` i8, `0xC1` i16 LE, `0xC2` i32 LE (the decimal
//!   text of that integer); or `0xC3` compressed-length, original-length, LZF data.
//! * Binary double: 8 bytes IEEE 754 little-endian. Old string double: a length byte then
//!   that many ASCII bytes, with 253 = NaN, 254 = +inf, 255 = -inf.
//! * DUMP payload: `<type byte> <value> <RDB version u16 LE> <CRC64 u64 LE>`, the CRC over
//!   everything before it (Redis's Jones polynomial, `crc::CRC_64_REDIS`).

use std::fmt;

use super::lzf;

/// The RDB version emu writes (Redis 7.0's `RDB_VERSION`).
pub const RDB_VERSION: u16 = 10;

const LEN_6BIT: u8 = 0;
const LEN_14BIT: u8 = 1;
const LEN_32BIT: u8 = 0x80;
const LEN_64BIT: u8 = 0x81;
const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// A malformed RDB file or payload: what is wrong and the byte offset where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdbError {
    /// Offset of the offending byte from the start of the input.
    pub offset: usize,
    /// What is wrong.
    pub msg: String,
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.msg, self.offset)
    }
}

impl std::error::Error for RdbError {}

/// CRC64 with Redis's parameters (`crc64.c`: Jones polynomial, reflected, init 0), continued
/// from `crc` (0 to start).
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    // CRC_64_REDIS has init 0 and no final xor, so continuing from a previous value is
    // starting a digest whose register holds it.
    // Slice-by-16 tables (32 KiB, built at compile time): several times the byte-wise
    // table's speed, as Redis's own `crcspeed` slices by 8 (the whole file is checked).
    static C: crc::Crc<u64, crc::Table<16>> =
        crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);
    // `digest_with_initial` reflects its argument for a reflected CRC; undo that.
    let mut d = C.digest_with_initial(crc.reverse_bits());
    d.update(data);
    d.finalize()
}

/// Appends a length in RDB's length encoding.
pub fn write_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push((LEN_6BIT << 6) | len as u8);
    } else if len < 1 << 14 {
        out.push((LEN_14BIT << 6) | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u32::MAX as u64 {
        out.push(LEN_32BIT);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(LEN_64BIT);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// The integer whose canonical decimal text is exactly `s` (Redis `string2ll` +
/// `ll2string` round trip), if any.
pub fn canonical_int(s: &[u8]) -> Option<i64> {
    // No allocation: this runs for every short string and listpack element written.
    let (neg, digits) = match s.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, s),
    };
    match digits {
        [] => return None,
        [b'0'] => return (!neg).then_some(0),
        [b'1'..=b'9', ..] if digits.len() <= 19 => {}
        _ => return None,
    }
    // Accumulate negatively so that i64::MIN fits.
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub((c - b'0') as i64)?;
    }
    if neg {
        Some(v)
    } else {
        v.checked_neg()
    }
}

/// Appends an integer in the smallest integer string encoding, if it fits 32 bits
/// (`rdbEncodeInteger`); false if it does not.
fn write_int_encoded(out: &mut Vec<u8>, v: i64) -> bool {
    if (i8::MIN as i64..=i8::MAX as i64).contains(&v) {
        out.push(0xC0 | ENC_INT8);
        out.push(v as i8 as u8);
    } else if (i16::MIN as i64..=i16::MAX as i64).contains(&v) {
        out.push(0xC0 | ENC_INT16);
        out.extend_from_slice(&(v as i16).to_le_bytes());
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        out.push(0xC0 | ENC_INT32);
        out.extend_from_slice(&(v as i32).to_le_bytes());
    } else {
        return false;
    }
    true
}

/// Appends a string as Redis's `rdbSaveRawString` does: integer-encoded when it is the
/// canonical text of a 32-bit integer and at most 11 bytes, LZF-compressed when `compress`
/// (`rdbcompression`) and longer than 20 bytes and LZF saves at least 4 bytes, else raw.
pub fn write_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = canonical_int(s) {
            if write_int_encoded(out, v) {
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(c) = lzf::compress(s, s.len() - 4) {
            out.push(0xC0 | ENC_LZF);
            write_len(out, c.len() as u64);
            write_len(out, s.len() as u64);
            out.extend_from_slice(&c);
            return;
        }
    }
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends an integer as a string (`rdbSaveLongLongAsStringObject`): integer-encoded when
/// it fits 32 bits, else its decimal text.
pub fn write_int_string(out: &mut Vec<u8>, v: i64) {
    if !write_int_encoded(out, v) {
        let t = v.to_string();
        write_len(out, t.len() as u64);
        out.extend_from_slice(t.as_bytes());
    }
}

/// Appends a binary double (8 bytes little-endian).
pub fn write_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends the DUMP footer (RDB version and CRC64) to a type byte + value.
pub fn seal_payload(mut body: Vec<u8>) -> Vec<u8> {
    body.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

/// Checks a DUMP payload's footer (Redis `verifyDumpPayload`): at least 10 bytes, an RDB
/// version not newer than 10, and (unless `skip_crc`) the CRC64. Returns the type byte +
/// value part and the version; `None` is Redis's "payload version or checksum are wrong".
pub fn open_payload(p: &[u8], skip_crc: bool) -> Option<(&[u8], u16)> {
    if p.len() < 10 {
        return None;
    }
    let footer = &p[p.len() - 10..];
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    if ver > RDB_VERSION {
        return None;
    }
    if !skip_crc {
        let crc = crc64(0, &p[..p.len() - 8]);
        if crc.to_le_bytes() != footer[2..10] {
            return None;
        }
    }
    Some((&p[..p.len() - 10], ver))
}

/// A cursor over RDB bytes. Every length is checked against what remains, so no input can
/// make it allocate more than the input's size (times LZF's ratio) or read out of bounds.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `data`; offsets in errors count from its start.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            base: 0,
        }
    }

    /// A reader over `data` whose error offsets are shifted by `base` (a blob nested in a
    /// larger input).
    pub fn nested(data: &'a [u8], base: usize) -> Reader<'a> {
        Reader { data, pos: 0, base }
    }

    /// The current offset (from the start of the outermost input).
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// True when everything was read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// An error at the current offset.
    pub fn err(&self, msg: impl Into<String>) -> RdbError {
        RdbError {
            offset: self.offset(),
            msg: msg.into(),
        }
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        if n > self.remaining() {
            return Err(self.err(format!("unexpected end of input (wanted {n} bytes)")));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, RdbError> {
        Ok(self.bytes(1)?[0])
    }

    /// A little-endian u32.
    pub fn u32_le(&mut self) -> Result<u32, RdbError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A little-endian u64.
    pub fn u64_le(&mut self) -> Result<u64, RdbError> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A binary double.
    pub fn double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_bits(self.u64_le()?))
    }

    /// An old-style string double (RDB_TYPE_ZSET v1 scores).
    pub fn string_double(&mut self) -> Result<f64, RdbError> {
        let at = self.offset();
        match self.u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let b = self.bytes(n as usize)?;
                std::str::from_utf8(b)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .ok_or_else(|| RdbError {
                        offset: at,
                        msg: "invalid double".into(),
                    })
            }
        }
    }

    /// A length, or the special-encoding marker: `(value, true)` for `11EEEEEE`.
    pub fn len_or_enc(&mut self) -> Result<(u64, bool), RdbError> {
        let b = self.u8()?;
        match b >> 6 {
            0 => Ok(((b & 0x3f) as u64, false)),
            1 => Ok(((((b & 0x3f) as u64) << 8) | self.u8()? as u64, false)),
            3 => Ok(((b & 0x3f) as u64, true)),
            _ if b == LEN_32BIT => {
                let x = self.bytes(4)?;
                Ok((u32::from_be_bytes([x[0], x[1], x[2], x[3]]) as u64, false))
            }
            _ if b == LEN_64BIT => {
                let x = self.bytes(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(x);
                Ok((u64::from_be_bytes(a), false))
            }
            _ => Err(RdbError {
                offset: self.offset() - 1,
                msg: format!("unknown length encoding {b:#04x}"),
            }),
        }
    }

    /// A plain length.
    pub fn len(&mut self) -> Result<u64, RdbError> {
        let at = self.offset();
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            (_, true) => Err(RdbError {
                offset: at,
                msg: "unexpected string encoding where a length was expected".into(),
            }),
        }
    }

    /// A length that counts items each taking at least one byte: bounded by what remains.
    pub fn count(&mut self) -> Result<usize, RdbError> {
        let at = self.offset();
        let n = self.len()?;
        if n > self.remaining() as u64 {
            return Err(RdbError {
                offset: at,
                msg: format!("length {n} exceeds the remaining input"),
            });
        }
        Ok(n as usize)
    }

    /// A string in any of its encodings.
    pub fn string(&mut self) -> Result<Vec<u8>, RdbError> {
        let at = self.offset();
        let (n, enc) = self.len_or_enc()?;
        if !enc {
            if n > self.remaining() as u64 {
                return Err(RdbError {
                    offset: at,
                    msg: format!("string length {n} exceeds the remaining input"),
                });
            }
            return Ok(self.bytes(n as usize)?.to_vec());
        }
        match n as u8 {
            ENC_INT8 => Ok((self.u8()? as i8).to_string().into_bytes()),
            ENC_INT16 => {
                let b = self.bytes(2)?;
                Ok(i16::from_le_bytes([b[0], b[1]]).to_string().into_bytes())
            }
            ENC_INT32 => {
                let b = self.bytes(4)?;
                Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]])
                    .to_string()
                    .into_bytes())
            }
            ENC_LZF => {
                let clen = self.len()?;
                let len = self.len()?;
                if clen > self.remaining() as u64 {
                    return Err(self.err("compressed length exceeds the remaining input"));
                }
                // A valid LZF stream expands at most ~33x (a 3-byte reference copies 264).
                if len > clen.saturating_mul(100) + 64 {
                    return Err(self.err("implausible LZF length"));
                }
                let c = self.bytes(clen as usize)?;
                lzf::decompress(c, len as usize).ok_or(RdbError {
                    offset: at,
                    msg: "invalid LZF data".into(),
                })
            }
            e => Err(RdbError {
                offset: at,
                msg: format!("unknown string encoding {e}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_matches_redis_test_vector() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6d914c4b8d9ca);
        // Continuing a digest equals one pass.
        assert_eq!(crc64(crc64(0, b"1234"), b"56789"), 0xe9c6d914c4b8d9ca);
    }

    #[test]
    fn lengths_and_strings_round_trip() {
        for n in [
            0u64,
            1,
            63,
            64,
            16383,
            16384,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
        ] {
            let mut b = Vec::new();
            write_len(&mut b, n);
            assert_eq!(Reader::new(&b).len(), Ok(n));
        }
        let long = b"abcabcabcabcabcabcabcabcabcabcabc".to_vec();
        for s in [
            &b""[..],
            b"0",
            b"-1",
            b"127",
            b"-129",
            b"65536",
            b"2147483647",
            b"2147483648",
            b"007",
            b"-0",
            b"-9223372036854775808",
            b"9223372036854775807",
            b"9223372036854775808",
            b"+1",
            b"1a",
            b"hello",
            &long,
        ] {
            let mut b = Vec::new();
            write_string(&mut b, s, true);
            assert_eq!(Reader::new(&b).string().as_deref(), Ok(s), "{s:?}");
        }
        let mut b = Vec::new();
        write_string(&mut b, b"12", true);
        assert_eq!(b, [0xC0, 12]);
        let mut b = Vec::new();
        write_string(&mut b, &long, true);
        assert_eq!(b[0], 0xC3);
    }

    #[test]
    fn canonical_ints_are_what_string2ll_and_ll2string_agree_on() {
        for t in [
            "0",
            "-1",
            "12",
            "-9223372036854775808",
            "9223372036854775807",
        ] {
            assert_eq!(canonical_int(t.as_bytes()), t.parse().ok(), "{t}");
        }
        for t in [
            "",
            "-",
            "-0",
            "007",
            "+1",
            " 1",
            "1 ",
            "9223372036854775808",
            "1e3",
            "0x1",
        ] {
            assert_eq!(canonical_int(t.as_bytes()), None, "{t}");
        }
    }

    #[test]
    fn payload_footer() {
        let p = seal_payload(vec![0, 1, b'x']);
        assert_eq!(open_payload(&p, false), Some((&[0u8, 1, b'x'][..], 10)));
        let mut bad = p.clone();
        bad[1] ^= 1;
        assert_eq!(open_payload(&bad, false), None);
        assert!(open_payload(&bad, true).is_some());
        assert_eq!(open_payload(&p[..9], true), None);
    }
}

//! Bitmap, HyperLogLog and LCS commands, with their option types: [`BitRange`] /
//! [`BitPosRange`] for BITCOUNT / BITPOS, the [`BitField`] builder for BITFIELD, [`BitOp`],
//! and [`LcsOptions`] / [`LcsIdx`] for `LCS … IDX`.

use super::{args, commands};
use crate::client::convert::{FromValue, ToArg};
use crate::error::{Error, Result};
use crate::value::Value;

fn push(out: &mut crate::client::convert::ArgBuf, s: &str) {
    out.push(s);
}

/// The unit of a BITCOUNT / BITPOS range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitUnit {
    /// Byte offsets (Redis's default).
    Byte,
    /// Bit offsets.
    Bit,
}

impl ToArg for BitUnit {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                BitUnit::Byte => "BYTE",
                BitUnit::Bit => "BIT",
            },
        );
    }
}

/// `start end [BYTE | BIT]` of BITCOUNT (negative offsets count from the end).
///
/// ```
/// use emu::BitRange;
/// let r = emu::Redis::new();
/// r.set("k", "foobar")?;
/// assert_eq!(r.bitcount("k")?, 26);
/// assert_eq!(r.bitcount_range("k", BitRange::bytes(1, 1))?, 6);
/// assert_eq!(r.bitcount_range("k", BitRange::bits(5, 30))?, 17);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitRange {
    start: i64,
    end: i64,
    unit: Option<BitUnit>,
}

impl BitRange {
    /// Bytes `start..=end` (no unit argument is sent: BYTE is the default).
    pub fn bytes(start: i64, end: i64) -> BitRange {
        BitRange {
            start,
            end,
            unit: None,
        }
    }
    /// Bits `start..=end` (`BIT`).
    pub fn bits(start: i64, end: i64) -> BitRange {
        BitRange {
            start,
            end,
            unit: Some(BitUnit::Bit),
        }
    }
}

impl ToArg for BitRange {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        self.start.write_args(out);
        self.end.write_args(out);
        self.unit.write_args(out);
    }
}

/// `start [end [BYTE | BIT]]` of BITPOS. Without an end, a search for a clear bit treats
/// the string as padded with zeros (it may answer the first bit after the string).
///
/// ```
/// use emu::BitPosRange;
/// let r = emu::Redis::new();
/// r.set("k", b"\xff\xf0\x00".as_slice())?;
/// assert_eq!(r.bitpos("k", false)?, 12);
/// assert_eq!(r.bitpos_range("k", true, BitPosRange::from(2))?, -1);
/// assert_eq!(r.bitpos_range("k", false, BitPosRange::bits(0, 7))?, -1);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitPosRange {
    start: i64,
    end: Option<i64>,
    unit: Option<BitUnit>,
}

impl BitPosRange {
    /// From byte `start` to the end of the string.
    pub fn from(start: i64) -> BitPosRange {
        BitPosRange {
            start,
            end: None,
            unit: None,
        }
    }
    /// Bytes `start..=end`.
    pub fn bytes(start: i64, end: i64) -> BitPosRange {
        BitPosRange {
            start,
            end: Some(end),
            unit: None,
        }
    }
    /// Bits `start..=end` (`BIT`).
    pub fn bits(start: i64, end: i64) -> BitPosRange {
        BitPosRange {
            start,
            end: Some(end),
            unit: Some(BitUnit::Bit),
        }
    }
}

impl ToArg for BitPosRange {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        self.start.write_args(out);
        if let Some(e) = self.end {
            e.write_args(out);
            self.unit.write_args(out);
        }
    }
}

/// The operation of BITOP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    /// AND of all sources.
    And,
    /// OR of all sources.
    Or,
    /// XOR of all sources.
    Xor,
    /// NOT of the single source.
    Not,
}

impl ToArg for BitOp {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                BitOp::And => "AND",
                BitOp::Or => "OR",
                BitOp::Xor => "XOR",
                BitOp::Not => "NOT",
            },
        );
    }
}

/// A BITFIELD integer type: `i1`..`i64` or `u1`..`u63`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitFieldType {
    signed: bool,
    bits: u8,
}

impl BitFieldType {
    /// A signed field of `bits` bits (1–64).
    pub fn i(bits: u8) -> BitFieldType {
        BitFieldType { signed: true, bits }
    }
    /// An unsigned field of `bits` bits (1–63).
    pub fn u(bits: u8) -> BitFieldType {
        BitFieldType {
            signed: false,
            bits,
        }
    }
}

impl ToArg for BitFieldType {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        let sign = if self.signed { 'i' } else { 'u' };
        out.push(format!("{sign}{}", self.bits).into_bytes());
    }
}

/// Where a BITFIELD field starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOffset {
    /// At this bit.
    Bit(u64),
    /// At field number N of the type's width (`#N`: bit `N * width`).
    Field(u64),
}

impl From<u64> for BitOffset {
    fn from(bit: u64) -> BitOffset {
        BitOffset::Bit(bit)
    }
}

impl ToArg for BitOffset {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        match self {
            BitOffset::Bit(b) => b.write_args(out),
            BitOffset::Field(n) => out.push(format!("#{n}").into_bytes()),
        }
    }
}

/// BITFIELD's overflow behaviour for the SET / INCRBY that follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOverflow {
    /// Wrap around (the default).
    Wrap,
    /// Saturate at the minimum or maximum.
    Sat,
    /// Do nothing; the operation's reply is nil.
    Fail,
}

/// The operations of one BITFIELD call, in order (redis-py's `bitfield(key).get(…).incrby(…)`).
/// The reply has one element per GET / SET / INCRBY: the value read, the old value, the new
/// value, or `None` for an operation refused by `OVERFLOW FAIL`.
///
/// ```
/// use emu::{BitField, BitFieldType, BitOffset, BitOverflow};
/// let r = emu::Redis::new();
/// let ops = BitField::new()
///     .set(BitFieldType::u(8), BitOffset::Field(0), 250)
///     .overflow(BitOverflow::Sat)
///     .incrby(BitFieldType::u(8), BitOffset::Field(0), 10)
///     .overflow(BitOverflow::Fail)
///     .incrby(BitFieldType::u(8), 0u64, 1)
///     .get(BitFieldType::i(8), 0u64);
/// assert_eq!(r.bitfield("k", &ops)?, [Some(0), Some(255), None, Some(-1)]);
/// let reads = BitField::new().get(BitFieldType::u(4), 4u64);
/// assert_eq!(r.bitfield_ro("k", &reads)?, [15]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BitField {
    args: crate::client::convert::ArgBuf,
}

impl BitField {
    /// No operations yet.
    pub fn new() -> BitField {
        BitField::default()
    }
    /// `GET type offset`.
    pub fn get(mut self, ty: BitFieldType, offset: impl Into<BitOffset>) -> BitField {
        push(&mut self.args, "GET");
        ty.write_args(&mut self.args);
        offset.into().write_args(&mut self.args);
        self
    }
    /// `SET type offset value` (replies the old value).
    pub fn set(mut self, ty: BitFieldType, offset: impl Into<BitOffset>, value: i64) -> BitField {
        push(&mut self.args, "SET");
        ty.write_args(&mut self.args);
        offset.into().write_args(&mut self.args);
        value.write_args(&mut self.args);
        self
    }
    /// `INCRBY type offset increment` (replies the new value).
    pub fn incrby(mut self, ty: BitFieldType, offset: impl Into<BitOffset>, incr: i64) -> BitField {
        push(&mut self.args, "INCRBY");
        ty.write_args(&mut self.args);
        offset.into().write_args(&mut self.args);
        incr.write_args(&mut self.args);
        self
    }
    /// `OVERFLOW WRAP|SAT|FAIL` for the operations after it.
    pub fn overflow(mut self, o: BitOverflow) -> BitField {
        push(&mut self.args, "OVERFLOW");
        push(
            &mut self.args,
            match o {
                BitOverflow::Wrap => "WRAP",
                BitOverflow::Sat => "SAT",
                BitOverflow::Fail => "FAIL",
            },
        );
        self
    }
}

impl ToArg for BitField {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        out.append(&self.args);
    }
}

/// Options of `LCS key1 key2 IDX [MINMATCHLEN n] [WITHMATCHLEN]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LcsOptions {
    min_match_len: Option<i64>,
    with_match_len: bool,
}

impl LcsOptions {
    /// `MINMATCHLEN n`: only ranges at least `n` long.
    pub fn min_match_len(mut self, n: i64) -> Self {
        self.min_match_len = Some(n);
        self
    }
    /// `WITHMATCHLEN`: each range with its length.
    pub fn with_match_len(mut self) -> Self {
        self.with_match_len = true;
        self
    }
}

impl ToArg for LcsOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some(n) = self.min_match_len {
            push(out, "MINMATCHLEN");
            n.write_args(out);
        }
        if self.with_match_len {
            push(out, "WITHMATCHLEN");
        }
    }
}

/// One matching range of `LCS … IDX`: `(start, end)` in each string, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LcsMatch {
    /// Range in the first string.
    pub a: (i64, i64),
    /// Range in the second string.
    pub b: (i64, i64),
    /// Its length, with [`LcsOptions::with_match_len`].
    pub len: Option<i64>,
}

/// The reply of `LCS … IDX`: the ranges (from the end of the strings backwards, as Redis
/// lists them) and the LCS length.
///
/// ```
/// use emu::LcsOptions;
/// let r = emu::Redis::new();
/// r.set("a", "ohmytext")?;
/// r.set("b", "mynewtext")?;
/// assert_eq!(r.lcs::<_, _, String>("a", "b")?, "mytext");
/// assert_eq!(r.lcs_len("a", "b")?, 6);
/// let idx = r.lcs_idx("a", "b", LcsOptions::default().min_match_len(4).with_match_len())?;
/// assert_eq!(idx.len, 6);
/// assert_eq!(idx.matches.len(), 1);
/// assert_eq!((idx.matches[0].a, idx.matches[0].b, idx.matches[0].len), ((4, 7), (5, 8), Some(4)));
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LcsIdx {
    /// The matching ranges.
    pub matches: Vec<LcsMatch>,
    /// The length of the longest common subsequence.
    pub len: i64,
}

fn shape_error() -> Error {
    Error::conversion("unexpected LCS IDX reply shape")
}

fn pair(v: Value) -> Result<(i64, i64)> {
    let (a, b) = <(i64, i64)>::from_value(v)?;
    Ok((a, b))
}

impl FromValue for LcsIdx {
    fn from_value(v: Value) -> Result<Self> {
        let pairs: Vec<(Value, Value)> = match v {
            Value::Map(p) => p,
            Value::Array(items) if items.len() % 2 == 0 => {
                let mut it = items.into_iter();
                let mut out = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    out.push((k, v));
                }
                out
            }
            Value::Error(e) => return Err(Error::from_reply(e)),
            _ => return Err(shape_error()),
        };
        let mut matches = Vec::new();
        let mut len = 0;
        for (k, v) in pairs {
            match k {
                Value::Bulk(k) if k == b"matches" => {
                    let Value::Array(items) = v else {
                        return Err(shape_error());
                    };
                    for item in items {
                        let Value::Array(parts) = item else {
                            return Err(shape_error());
                        };
                        let mut parts = parts.into_iter();
                        let a = pair(parts.next().ok_or_else(shape_error)?)?;
                        let b = pair(parts.next().ok_or_else(shape_error)?)?;
                        let len = parts.next().map(i64::from_value).transpose()?;
                        matches.push(LcsMatch { a, b, len });
                    }
                }
                Value::Bulk(k) if k == b"len" => len = i64::from_value(v)?,
                _ => return Err(shape_error()),
            }
        }
        Ok(LcsIdx { matches, len })
    }
}

commands! {
    /// `SETBIT key offset value` — the bit's previous value. The string grows with zero
    /// bytes as needed (up to `proto-max-bulk-len`).
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// assert_eq!(r.setbit("visits", 7, true)?, 0);
    /// assert_eq!(r.getbit("visits", 7)?, 1);
    /// assert_eq!(r.get::<_, Vec<u8>>("visits")?, [1]);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn setbit[K: ToArg,](key: K, offset: u64, value: bool) -> i64 {
        args("SETBIT").arg(key).arg(offset).arg(i64::from(value))
    }

    /// `GETBIT key offset` — 0 or 1 (0 past the end or for a missing key).
    fn getbit[K: ToArg,](key: K, offset: u64) -> i64 { args("GETBIT").arg(key).arg(offset) }

    /// `BITCOUNT key` — the number of set bits.
    fn bitcount[K: ToArg,](key: K) -> i64 { args("BITCOUNT").arg(key) }

    /// `BITCOUNT key start end [BYTE | BIT]` — set bits within the range.
    fn bitcount_range[K: ToArg,](key: K, range: BitRange) -> i64 {
        args("BITCOUNT").arg(key).arg(range)
    }

    /// `BITPOS key bit` — the first bit equal to `bit`, or -1.
    fn bitpos[K: ToArg,](key: K, bit: bool) -> i64 { args("BITPOS").arg(key).arg(i64::from(bit)) }

    /// `BITPOS key bit start [end [BYTE | BIT]]`.
    fn bitpos_range[K: ToArg,](key: K, bit: bool, range: BitPosRange) -> i64 {
        args("BITPOS").arg(key).arg(i64::from(bit)).arg(range)
    }

    /// `BITOP op destkey key …` — the length of the stored result (the destination is
    /// deleted when every source is empty).
    ///
    /// ```
    /// use emu::BitOp;
    /// let r = emu::Redis::new();
    /// r.set("a", "abc")?;
    /// r.set("b", b"\xff".as_slice())?;
    /// assert_eq!(r.bitop(BitOp::And, "dest", ["a", "b"])?, 3);
    /// assert_eq!(r.get::<_, Vec<u8>>("dest")?, b"a\0\0");
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn bitop[D: ToArg, K: ToArg,](op: BitOp, dest: D, keys: K) -> i64 {
        args("BITOP").arg(op).arg(dest).arg(keys)
    }

    /// `BITFIELD key op …` — one reply per GET / SET / INCRBY, `None` where `OVERFLOW
    /// FAIL` refused the operation. See [`BitField`].
    fn bitfield[K: ToArg,](key: K, ops: &BitField) -> Vec<Option<i64>> {
        args("BITFIELD").arg(key).arg(ops)
    }

    /// `BITFIELD_RO key GET …` — the values read (an error if `ops` holds SET / INCRBY).
    fn bitfield_ro[K: ToArg,](key: K, ops: &BitField) -> Vec<i64> {
        args("BITFIELD_RO").arg(key).arg(ops)
    }

    /// `PFADD key element …` — `true` if the HyperLogLog changed (or was created).
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// assert!(r.pfadd("visitors", ["ada", "grace", "ada"])?);
    /// assert!(!r.pfadd("visitors", "ada")?);
    /// assert_eq!(r.pfcount("visitors")?, 2);
    /// r.pfadd("other", ["linus"])?;
    /// assert_eq!(r.pfcount(["visitors", "other"])?, 3);
    /// r.pfmerge("all", ["visitors", "other"])?;
    /// assert_eq!(r.pfcount("all")?, 3);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn pfadd[K: ToArg, E: ToArg,](key: K, elements: E) -> bool {
        args("PFADD").arg(key).arg(elements)
    }

    /// `PFCOUNT key …` — the estimated cardinality (of the union for several keys).
    fn pfcount[K: ToArg,](keys: K) -> i64 { args("PFCOUNT").arg(keys) }

    /// `PFMERGE destkey sourcekey …` — `OK`.
    fn pfmerge[D: ToArg, K: ToArg,](dest: D, sources: K) -> () {
        args("PFMERGE").arg(dest).arg(sources)
    }

    /// `LCS key1 key2` — the longest common subsequence (`String` or `Vec<u8>`).
    fn lcs[A: ToArg, B: ToArg,](key1: A, key2: B) { args("LCS").arg(key1).arg(key2) }

    /// `LCS key1 key2 LEN` — its length.
    fn lcs_len[A: ToArg, B: ToArg,](key1: A, key2: B) -> i64 {
        args("LCS").arg(key1).arg(key2).arg("LEN")
    }

    /// `LCS key1 key2 IDX [MINMATCHLEN n] [WITHMATCHLEN]` — the matching ranges and the
    /// length. See [`LcsIdx`].
    fn lcs_idx[A: ToArg, B: ToArg,](key1: A, key2: B, options: LcsOptions) -> LcsIdx {
        args("LCS").arg(key1).arg(key2).arg("IDX").arg(options)
    }
}

//! Bitmaps: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO on string
//! values (Redis 7.0 `bitops.c`).
//!
//! A bitmap is an ordinary string ([`Object::Str`]); bit 0 is the most significant bit of
//! byte 0. Writes grow the string with zero bytes up to the highest byte they touch, never
//! past `proto-max-bulk-len` (Redis's 512 MB default). Counting and bitwise operations work a
//! 64-bit word at a time, so a megabyte string is counted at memory speed.
//!
//! # Known differences from Redis
//!
//! * The offset limit (`bit offset is not an integer or out of range`) also applies while a
//!   log is replayed (Redis lets its master and AOF clients through): a crafted log cannot
//!   make emu allocate past `proto-max-bulk-len`.

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object, StrEncoding};
use crate::util::{arg_i64, eq_ic, parse_i64};
use crate::value::Value;

// ---------------------------------------------------------------------------------------
// Word-at-a-time primitives (pure functions, shared with the embedded API's tests).

/// Number of set bits in `s` (Redis `redisPopcount`), eight bytes at a time.
pub fn popcount(s: &[u8]) -> u64 {
    let mut chunks = s.chunks_exact(32);
    let mut n = 0u64;
    for c in &mut chunks {
        let (a, rest) = c.split_at(8);
        let (b, rest) = rest.split_at(8);
        let (d, e) = rest.split_at(8);
        n += u64::from(word(a).count_ones())
            + u64::from(word(b).count_ones())
            + u64::from(word(d).count_ones())
            + u64::from(word(e).count_ones());
    }
    let mut rest = chunks.remainder().chunks_exact(8);
    for c in &mut rest {
        n += u64::from(word(c).count_ones());
    }
    for b in rest.remainder() {
        n += u64::from(b.count_ones());
    }
    n
}

/// Eight bytes as a big-endian word (byte 0 in the high bits, as bit numbering wants).
#[inline]
fn word(c: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(c);
    u64::from_be_bytes(w)
}

/// Position of the first bit equal to `bit` in `s` (Redis `redisBitpos`). When looking for a
/// clear bit and every bit is set, the position right after the string (`s.len() * 8`);
/// when looking for a set bit and there is none, None.
pub fn first_bit(s: &[u8], bit: bool) -> Option<u64> {
    let skip = if bit { 0u8 } else { 0xff };
    let mut i = 0;
    // Whole words first.
    while i + 8 <= s.len() {
        let w = word(&s[i..i + 8]);
        let w = if bit { w } else { !w };
        if w != 0 {
            return Some(i as u64 * 8 + u64::from(w.leading_zeros()));
        }
        i += 8;
    }
    while i < s.len() {
        if s[i] != skip {
            let b = if bit { s[i] } else { !s[i] };
            return Some(i as u64 * 8 + u64::from(b.leading_zeros()));
        }
        i += 1;
    }
    if bit {
        None
    } else {
        Some(s.len() as u64 * 8)
    }
}

/// The unsigned `bits`-wide field at bit `offset` of `s` (bits past the end read as 0).
pub fn get_unsigned(s: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for j in 0..u64::from(bits) {
        let o = offset + j;
        let byte = (o >> 3) as usize;
        let bit = s.get(byte).map_or(0, |b| (b >> (7 - (o & 7))) & 1);
        v = (v << 1) | u64::from(bit);
    }
    v
}

/// The signed `bits`-wide field at bit `offset` of `s` (two's complement).
pub fn get_signed(s: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(s, offset, bits);
    if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// Writes the low `bits` bits of `v` at bit `offset` of `s` (which must be long enough).
pub fn set_field(s: &mut [u8], offset: u64, bits: u32, v: u64) {
    for j in 0..u64::from(bits) {
        let bitval = (v >> (u64::from(bits) - 1 - j)) & 1;
        let o = offset + j;
        let byte = (o >> 3) as usize;
        let shift = 7 - (o & 7);
        if let Some(b) = s.get_mut(byte) {
            *b = (*b & !(1u8 << shift)) | ((bitval as u8) << shift);
        }
    }
}

/// BITFIELD's overflow behaviours (Redis `BFOVERFLOW_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Wrap around (the default).
    Wrap,
    /// Saturate at the type's minimum or maximum.
    Sat,
    /// Do nothing and reply nil.
    Fail,
}

/// Redis `checkUnsignedBitfieldOverflow`: None when `value + incr` fits a `bits`-wide
/// unsigned field, else the value the overflow policy stores (for `Fail`, the wrapped one,
/// unused).
pub fn unsigned_overflow(value: u64, incr: i64, bits: u32, ow: Overflow) -> Option<u64> {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = (value as i64).wrapping_neg();
    let wrap = || {
        let res = value.wrapping_add(incr as u64);
        if bits == 64 {
            res
        } else {
            res & max
        }
    };
    if value > max || (incr > 0 && incr > maxincr) {
        Some(if ow == Overflow::Sat { max } else { wrap() })
    } else if incr < 0 && incr < minincr {
        Some(if ow == Overflow::Sat { 0 } else { wrap() })
    } else {
        None
    }
}

/// Redis `checkSignedBitfieldOverflow`: None when `value + incr` fits a `bits`-wide signed
/// field, else the value the overflow policy stores.
pub fn signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> Option<i64> {
    let max: i64 = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        Some(if ow == Overflow::Sat { max } else { wrap() })
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        Some(if ow == Overflow::Sat { min } else { wrap() })
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------
// Argument helpers.

const OFFSET_ERR: &str = "bit offset is not an integer or out of range";
const BIT_ERR: &str = "bit is not an integer or out of range";
const TYPE_ERR: &str =
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/// Redis `getBitOffsetFromArgument`: a bit offset below `proto-max-bulk-len * 8`; with
/// `bits` (BITFIELD) `#N` means `N * bits`.
fn bit_offset(ctx: &Ctx, arg: &[u8], bits: Option<u32>) -> Result<u64> {
    let hash = bits.filter(|_| arg.first() == Some(&b'#'));
    let digits = if hash.is_some() { &arg[1..] } else { arg };
    let mut off = parse_i64(digits).ok_or_else(|| Error::err(OFFSET_ERR))?;
    if let Some(b) = hash {
        off = off.wrapping_mul(i64::from(b));
    }
    if off < 0 || (off as u64 >> 3) >= ctx.config().proto_max_bulk_len {
        return Err(Error::err(OFFSET_ERR));
    }
    Ok(off as u64)
}

/// Redis `getBitfieldTypeFromArgument`: `i1`..`i64` or `u1`..`u63` → (signed, bits).
fn bitfield_type(arg: &[u8]) -> Result<(bool, u32)> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(Error::err(TYPE_ERR)),
    };
    // Redis reads the width as a C string.
    let rest = &arg[1..];
    let rest = rest
        .iter()
        .position(|&b| b == 0)
        .map_or(rest, |z| &rest[..z]);
    match parse_i64(rest) {
        Some(b) if b >= 1 && ((signed && b <= 64) || (!signed && b <= 63)) => {
            Ok((signed, b as u32))
        }
        _ => Err(Error::err(TYPE_ERR)),
    }
}

/// The string under `key` for reading: None when absent, WRONGTYPE for another type.
fn read_str<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c [u8]>> {
    match ctx.read(key) {
        None => Ok(None),
        Some(o) => o.as_str().map(|s| Some(s.as_bytes())),
    }
}

/// Redis `lookupStringForBitCommand`: the string under `key`, created or grown with zero
/// bytes so that bit `maxbit` exists; WRONGTYPE for another type. Leaves the key a raw
/// string, as Redis's unshared copy is.
fn grow_for_bits<'c>(ctx: &'c mut Ctx, key: &[u8], maxbit: u64) -> Result<&'c mut Vec<u8>> {
    let need = (maxbit >> 3) as usize + 1;
    if read_str(ctx, key)?.is_none() {
        ctx.insert(key, Object::string(vec![0; need]));
    }
    if let Some(e) = ctx.entry(key) {
        e.set_str_enc(StrEncoding::Raw);
    }
    match ctx.write(key) {
        Some(o) => {
            let s = o.as_str_mut()?;
            if s.len() < need {
                s.resize(need, 0);
            }
            Ok(s)
        }
        None => Err(Error::err("internal error: string vanished")),
    }
}

// ---------------------------------------------------------------------------------------
// Handlers.

/// # Format
/// `SETBIT key offset value`
fn setbit(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let offset = bit_offset(ctx, argv[2], None)?;
    let on = parse_i64(argv[3]).ok_or_else(|| Error::err(BIT_ERR))?;
    if on & !1 != 0 {
        return Err(Error::err(BIT_ERR));
    }
    let old_len = read_str(ctx, key)?.map(<[u8]>::len);
    let s = grow_for_bits(ctx, key, offset)?;
    let grew = old_len != Some(s.len());
    let byte = (offset >> 3) as usize;
    let shift = 7 - (offset & 7);
    let old = (s[byte] >> shift) & 1;
    s[byte] = (s[byte] & !(1 << shift)) | ((on as u8) << shift);
    // Like Redis 7.0.15: a SETBIT that neither grows the string nor flips the bit is not a
    // modification (no WATCH invalidation, no notification, nothing logged).
    if grew || i64::from(old) != on {
        ctx.modified(key, notify::STRING, "setbit");
    }
    Ok(Value::Int(i64::from(old)))
}

/// # Format
/// `GETBIT key offset`
fn getbit(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let offset = bit_offset(ctx, argv[2], None)?;
    let bit = read_str(ctx, argv[1])?.map_or(0, |s| get_unsigned(s, offset, 1));
    Ok(Value::Int(bit as i64))
}

/// A BITCOUNT / BITPOS range resolved to bytes `start..=end`, with the bits of the first
/// and last byte that fall outside the range (Redis's negative masks).
struct ByteRange {
    start: i64,
    end: i64,
    first_mask: u8,
    last_mask: u8,
}

/// Clamps `start`/`end` (negative = from the end) into a string of `len` bytes, in BYTE or
/// BIT units, and converts to bytes.
fn resolve_range(len: i64, mut start: i64, mut end: i64, isbit: bool) -> ByteRange {
    let total = if isbit { len << 3 } else { len };
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    if isbit && start <= end {
        first_mask = !((1u16 << (8 - (start & 7))) - 1) as u8;
        last_mask = ((1u16 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    ByteRange {
        start,
        end,
        first_mask,
        last_mask,
    }
}

/// `BYTE` / `BIT` → is-bit, anything else a syntax error.
fn unit(arg: &[u8]) -> Result<bool> {
    if eq_ic(arg, "bit") {
        Ok(true)
    } else if eq_ic(arg, "byte") {
        Ok(false)
    } else {
        Err(Error::syntax())
    }
}

/// # Format
/// `BITCOUNT key [start end [BYTE | BIT]]`
fn bitcount(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    // Redis 7.0 looks the key up before parsing the range.
    let Some(s) = read_str(ctx, argv[1])? else {
        return Ok(Value::Int(0));
    };
    let len = s.len() as i64;
    let r = match argv.len() {
        2 => ByteRange {
            start: 0,
            end: len - 1,
            first_mask: 0,
            last_mask: 0,
        },
        4 | 5 => {
            let start = arg_i64(argv[2])?;
            let end = arg_i64(argv[3])?;
            if start < 0 && end < 0 && start > end {
                return Ok(Value::Int(0));
            }
            let isbit = if argv.len() == 5 {
                unit(argv[4])?
            } else {
                false
            };
            resolve_range(len, start, end, isbit)
        }
        _ => return Err(Error::syntax()),
    };
    if r.start > r.end {
        return Ok(Value::Int(0));
    }
    let (a, b) = (r.start as usize, r.end as usize);
    let mut count = popcount(&s[a..=b]) as i64;
    count -= i64::from((s[a] & r.first_mask).count_ones());
    count -= i64::from((s[b] & r.last_mask).count_ones());
    Ok(Value::Int(count))
}

/// # Format
/// `BITPOS key bit [start [end [BYTE | BIT]]]`
fn bitpos(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let bit = arg_i64(argv[2])?;
    if bit != 0 && bit != 1 {
        return Err(Error::err("The bit argument must be 1 or 0."));
    }
    let bit = bit == 1;
    // A missing key is an infinite run of zeros.
    let Some(s) = read_str(ctx, argv[1])? else {
        return Ok(Value::Int(if bit { -1 } else { 0 }));
    };
    let len = s.len() as i64;
    let mut end_given = false;
    let r = match argv.len() {
        3 => ByteRange {
            start: 0,
            end: len - 1,
            first_mask: 0,
            last_mask: 0,
        },
        4..=6 => {
            let start = arg_i64(argv[3])?;
            let isbit = if argv.len() == 6 {
                unit(argv[5])?
            } else {
                false
            };
            let end = if argv.len() >= 5 {
                end_given = true;
                arg_i64(argv[4])?
            } else if isbit {
                (len << 3) + 7
            } else {
                len - 1
            };
            resolve_range(len, start, end, isbit)
        }
        _ => return Err(Error::syntax()),
    };
    if r.start > r.end {
        return Ok(Value::Int(-1));
    }
    let (a, b) = (r.start as usize, r.end as usize);
    // Search the range with the out-of-range edge bits forced to the value not looked for.
    let edge = |byte: u8, mask: u8| if bit { byte & !mask } else { byte | mask };
    let found = if r.first_mask == 0 && r.last_mask == 0 {
        first_bit(&s[a..=b], bit).filter(|&p| p < (b - a + 1) as u64 * 8)
    } else {
        let mut tmp = s[a..=b].to_vec().into_boxed_slice();
        let last = tmp.len() - 1;
        tmp[0] = edge(tmp[0], r.first_mask);
        tmp[last] = edge(tmp[last], r.last_mask);
        first_bit(&tmp, bit).filter(|&p| p < tmp.len() as u64 * 8)
    };
    let pos = match found {
        Some(p) => a as i64 * 8 + p as i64,
        // No clear bit in range: without an explicit end the string counts as padded
        // with zeros, so the first bit after it.
        None if !bit && !end_given => (b as i64 + 1) * 8,
        None => -1,
    };
    Ok(Value::Int(pos))
}

/// # Format
/// `BITOP <AND | OR | XOR | NOT> destkey key [key ...]`
fn bitop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    #[derive(PartialEq)]
    enum Op {
        And,
        Or,
        Xor,
        Not,
    }
    let op = if eq_ic(argv[1], "and") {
        Op::And
    } else if eq_ic(argv[1], "or") {
        Op::Or
    } else if eq_ic(argv[1], "xor") {
        Op::Xor
    } else if eq_ic(argv[1], "not") {
        Op::Not
    } else {
        return Err(Error::syntax());
    };
    if op == Op::Not && argv.len() != 4 {
        return Err(Error::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let dest = argv[2];
    let res = {
        let srcs = ctx.read_many(&argv[3..]);
        let mut strs: Vec<&[u8]> = Vec::with_capacity(srcs.len());
        for o in srcs {
            match o {
                None => strs.push(&[]),
                Some(o) => strs.push(o.as_str()?.as_bytes()),
            }
        }
        let maxlen = strs.iter().map(|s| s.len()).max().unwrap_or(0);
        if maxlen == 0 {
            None
        } else {
            let mut res = vec![0u8; maxlen];
            let first = strs[0];
            res[..first.len()].copy_from_slice(first);
            match op {
                Op::Not => {
                    for b in res.iter_mut() {
                        *b = !*b;
                    }
                }
                Op::And => {
                    for s in &strs[1..] {
                        combine(&mut res, s, |x, y| x & y);
                        // Missing bytes are zeros: AND clears the tail.
                        res[s.len()..].fill(0);
                    }
                }
                Op::Or => {
                    for s in &strs[1..] {
                        combine(&mut res, s, |x, y| x | y);
                    }
                }
                Op::Xor => {
                    for s in &strs[1..] {
                        combine(&mut res, s, |x, y| x ^ y);
                    }
                }
            }
            Some(res)
        }
    };
    match res {
        Some(res) => {
            let n = res.len();
            ctx.insert(dest, Object::string(res));
            if let Some(e) = ctx.entry(dest) {
                e.set_str_enc(StrEncoding::Raw);
            }
            ctx.modified(dest, notify::STRING, "set");
            Ok(Value::Int(n as i64))
        }
        None => {
            if ctx.remove(dest).is_some() {
                ctx.modified(dest, notify::GENERIC, "del");
            }
            Ok(Value::Int(0))
        }
    }
}

/// `res[i] = f(res[i], s[i])` over the common prefix, a word at a time.
fn combine(res: &mut [u8], s: &[u8], f: impl Fn(u64, u64) -> u64) {
    let n = s.len().min(res.len());
    let (res, s) = (&mut res[..n], &s[..n]);
    let mut rc = res.chunks_exact_mut(8);
    let mut sc = s.chunks_exact(8);
    for (r, x) in (&mut rc).zip(&mut sc) {
        let v = f(word(r), word(x));
        r.copy_from_slice(&v.to_be_bytes());
    }
    for (r, x) in rc.into_remainder().iter_mut().zip(sc.remainder()) {
        *r = f(u64::from(*r), u64::from(*x)) as u8;
    }
}

/// One parsed BITFIELD operation.
struct FieldOp {
    kind: FieldKind,
    signed: bool,
    bits: u32,
    offset: u64,
    value: i64,
    overflow: Overflow,
}

#[derive(PartialEq)]
enum FieldKind {
    Get,
    Set,
    IncrBy,
}

/// # Format
/// `BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
/// <SET encoding offset value | INCRBY encoding offset increment> [...]]`
fn bitfield(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    bitfield_generic(ctx, argv, false)
}

/// # Format
/// `BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]`
fn bitfield_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    bitfield_generic(ctx, argv, true)
}

/// Redis `bitfieldGeneric`: parse every operation first, then run them in order.
fn bitfield_generic(ctx: &mut Ctx, argv: &[&[u8]], ro: bool) -> Result<Value> {
    let key = argv[1];
    let mut ops: Vec<FieldOp> = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest: Option<u64> = None;
    let mut j = 2;
    while j < argv.len() {
        let rem = argv.len() - j - 1;
        let sub = argv[j];
        let kind = if eq_ic(sub, "get") && rem >= 2 {
            FieldKind::Get
        } else if eq_ic(sub, "set") && rem >= 3 {
            FieldKind::Set
        } else if eq_ic(sub, "incrby") && rem >= 3 {
            FieldKind::IncrBy
        } else if eq_ic(sub, "overflow") && rem >= 1 {
            let t = argv[j + 1];
            overflow = if eq_ic(t, "wrap") {
                Overflow::Wrap
            } else if eq_ic(t, "sat") {
                Overflow::Sat
            } else if eq_ic(t, "fail") {
                Overflow::Fail
            } else {
                return Err(Error::err("Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(Error::syntax());
        };
        let (signed, bits) = bitfield_type(argv[j + 1])?;
        let offset = bit_offset(ctx, argv[j + 2], Some(bits))?;
        let mut value = 0;
        if kind != FieldKind::Get {
            let last = offset + u64::from(bits) - 1;
            highest = Some(highest.map_or(last, |h| h.max(last)));
            value = arg_i64(argv[j + 3])?;
        }
        j += if kind == FieldKind::Get { 3 } else { 4 };
        ops.push(FieldOp {
            kind,
            signed,
            bits,
            offset,
            value,
            overflow,
        });
    }
    let Some(maxbit) = highest else {
        // Only GETs: a missing key reads as zeros.
        let s = read_str(ctx, key)?;
        let out = ops
            .iter()
            .map(|op| {
                let s = s.unwrap_or(&[]);
                if op.signed {
                    Value::Int(get_signed(s, op.offset, op.bits))
                } else {
                    Value::Int(get_unsigned(s, op.offset, op.bits) as i64)
                }
            })
            .collect();
        return Ok(Value::Array(out));
    };
    if ro {
        return Err(Error::err("BITFIELD_RO only supports the GET subcommand"));
    }
    let old_len = read_str(ctx, key)?.map(<[u8]>::len);
    let s = grow_for_bits(ctx, key, maxbit)?;
    let grew = old_len != Some(s.len());
    let mut changes = 0;
    let mut out = Vec::with_capacity(ops.len());
    for op in &ops {
        let (o, b) = (op.offset, op.bits);
        match op.kind {
            FieldKind::Get => out.push(Value::Int(if op.signed {
                get_signed(s, o, b)
            } else {
                get_unsigned(s, o, b) as i64
            })),
            FieldKind::Set | FieldKind::IncrBy if op.signed => {
                let old = get_signed(s, o, b);
                let (ovf, new, reply) = if op.kind == FieldKind::IncrBy {
                    let w = signed_overflow(old, op.value, b, op.overflow);
                    let new = w.unwrap_or(old.wrapping_add(op.value));
                    (w.is_some(), new, new)
                } else {
                    let w = signed_overflow(op.value, 0, b, op.overflow);
                    (w.is_some(), w.unwrap_or(op.value), old)
                };
                if ovf && op.overflow == Overflow::Fail {
                    out.push(Value::Nil);
                } else {
                    out.push(Value::Int(reply));
                    set_field(s, o, b, new as u64);
                    changes += u64::from(grew || new != old);
                }
            }
            FieldKind::Set | FieldKind::IncrBy => {
                let old = get_unsigned(s, o, b);
                let (ovf, new, reply) = if op.kind == FieldKind::IncrBy {
                    let w = unsigned_overflow(old, op.value, b, op.overflow);
                    let new = w.unwrap_or(old.wrapping_add(op.value as u64));
                    (w.is_some(), new, new)
                } else {
                    let v = op.value as u64;
                    let w = unsigned_overflow(v, 0, b, op.overflow);
                    (w.is_some(), w.unwrap_or(v), old)
                };
                if ovf && op.overflow == Overflow::Fail {
                    out.push(Value::Nil);
                } else {
                    out.push(Value::Int(reply as i64));
                    set_field(s, o, b, new);
                    changes += u64::from(grew || new != old);
                }
            }
        }
    }
    // A write counts as a change when it altered the field or the string was created or
    // grown (Redis `bitfieldGeneric`: `dirty || oldval != newval`), and the dirty counter
    // grows by the number of changes.
    if changes > 0 {
        ctx.modified(key, notify::STRING, "setbit");
        ctx.store.dirty += changes - 1;
    } else if grew {
        // Every write was refused by OVERFLOW FAIL, yet the string was created or grown:
        // Redis 7.0.15 neither signals nor propagates that; emu logs the request (replaying
        // it grows the string the same way) without signalling, so the log stays complete.
        ctx.propagate_with(|| argv.iter().map(|a| a.to_vec()).collect());
    }
    Ok(Value::Array(out))
}

/// Bitmap commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("setbit", 4, WRITE | DENYOOM, (1, 1, 1), "bitmap", setbit),
    CommandSpec::new("getbit", 3, READONLY | FAST, (1, 1, 1), "bitmap", getbit),
    CommandSpec::new("bitcount", -2, READONLY, (1, 1, 1), "bitmap", bitcount),
    CommandSpec::new("bitpos", -3, READONLY, (1, 1, 1), "bitmap", bitpos),
    CommandSpec::new("bitop", -4, WRITE | DENYOOM, (2, -1, 1), "bitmap", bitop),
    CommandSpec::new(
        "bitfield",
        -2,
        WRITE | DENYOOM,
        (1, 1, 1),
        "bitmap",
        bitfield,
    ),
    CommandSpec::new(
        "bitfield_ro",
        -2,
        READONLY | FAST,
        (1, 1, 1),
        "bitmap",
        bitfield_ro,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popcount_matches_a_bit_loop() {
        let s: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for a in 0..40 {
            for b in [a, a + 1, a + 7, a + 33, 999] {
                let want: u64 = s[a..=b].iter().map(|x| u64::from(x.count_ones())).sum();
                assert_eq!(popcount(&s[a..=b]), want);
            }
        }
    }

    #[test]
    fn first_bit_finds_the_first_match() {
        assert_eq!(first_bit(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 1], true), Some(79));
        assert_eq!(first_bit(&[0xff; 9], false), Some(72));
        assert_eq!(first_bit(&[0; 9], true), None);
        assert_eq!(first_bit(&[0xff, 0xfe], false), Some(15));
    }

    #[test]
    fn fields_round_trip() {
        let mut s = vec![0u8; 10];
        set_field(&mut s, 3, 13, 0x1abc);
        assert_eq!(get_unsigned(&s, 3, 13), 0x1abc);
        assert_eq!(get_signed(&s, 3, 13), 0x1abc_i64 - (1 << 13));
        set_field(&mut s, 5, 64, u64::MAX - 5);
        assert_eq!(get_unsigned(&s, 5, 64), u64::MAX - 5);
    }
}

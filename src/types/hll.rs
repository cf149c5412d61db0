//! HyperLogLog: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST with Redis 7.0's exact
//! representation (`hyperloglog.c`).
//!
//! An HLL is an ordinary string ([`Object::Str`]) holding Redis's bytes, so `GET` returns
//! what Redis would and a value written by Redis (`SET` of its bytes) works here:
//!
//! ```text
//! +------+---+-----+----------+
//! | HYLL | E | N/U | Cardin.  |   16-byte header: magic, encoding (0 dense, 1 sparse),
//! +------+---+-----+----------+   3 unused bytes, cached cardinality (64-bit little
//!                                 endian; the top bit of the last byte set = stale)
//! ```
//!
//! followed by 16384 6-bit registers: *dense* — 12288 bytes, register `i` at bit `6i`,
//! least significant bits first — or *sparse* — run-length opcodes `ZERO` (`00xxxxxx`, 1–64
//! zero registers), `XZERO` (`01xxxxxx yyyyyyyy`, 1–16384 zero registers) and `VAL`
//! (`1vvvvvxx`, 1–4 registers of value 1–32). A sparse HLL is promoted to dense once a
//! register needs a value above 32 or the string would grow past `hll-sparse-max-bytes`.
//! Elements are hashed with MurmurHash64A (seed `0xadc83b19`); the low 14 bits pick the
//! register, the run of zeros in the rest + 1 is the value. Counting uses Otmar Ertl's
//! estimator as Redis 7.0 does (`hllCount`).
//!
//! # Known differences from Redis
//!
//! * PFADD on a corrupted sparse HLL leaves the value as it was (Redis may have changed
//!   some registers before it noticed the corruption).
//! * PFCOUNT of one key whose cached cardinality is valid leaves OBJECT ENCODING as it was
//!   (Redis unshares the value, which makes a short embstr value raw).
//! * PFCOUNT of one key that refreshes the cache is logged as `SETRANGE key 8 <cache>`.

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::{notify, Object, StrEncoding};
use crate::util::eq_ic;
use crate::value::Value;

/// Register index bits.
const P: u32 = 14;
/// Hash bits left for the run of zeros.
const Q: u32 = 64 - P;
/// Number of registers.
pub const REGISTERS: usize = 1 << P;
const P_MASK: u64 = REGISTERS as u64 - 1;
const BITS: usize = 6;
const REGISTER_MAX: u8 = (1 << BITS) - 1;
/// Header size.
pub const HDR: usize = 16;
/// Size of a dense HLL, header included.
pub const DENSE_SIZE: usize = HDR + (REGISTERS * BITS).div_ceil(8);
/// Encoding byte of a dense HLL.
pub const DENSE: u8 = 0;
/// Encoding byte of a sparse HLL.
pub const SPARSE: u8 = 1;

const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
const ZERO_MAX_LEN: usize = 64;
const XZERO_MAX_LEN: usize = 16384;
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

const INVALID_HLL: &str = "INVALIDOBJ Corrupted HLL object detected";
const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";

/// `-INVALIDOBJ Corrupted HLL object detected`.
fn invalid_hll() -> Error {
    Error::new(ErrorKind::Other, INVALID_HLL)
}

// ---------------------------------------------------------------------------------------
// Hashing.

/// MurmurHash64A as Redis uses it (little-endian word reads).
pub fn murmurhash64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let mut k = u64::from_le_bytes(w);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, b) in tail.iter().enumerate().rev() {
            h ^= u64::from(*b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// Redis `hllPatLen`: (register index, run length of the pattern `000..1` + 1).
pub fn pat_len(ele: &[u8]) -> (usize, u8) {
    let hash = murmurhash64a(ele, 0xadc8_3b19);
    let index = (hash & P_MASK) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

// ---------------------------------------------------------------------------------------
// Dense registers.

/// Register `i` of a dense register array (the bytes after the header).
#[inline]
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let b0 = u16::from(regs[byte]);
    let b1 = u16::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & u16::from(REGISTER_MAX)) as u8
}

/// Sets register `i` of a dense register array.
#[inline]
fn dense_set_raw(regs: &mut [u8], i: usize, v: u8) {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let v = u16::from(v);
    let m = u16::from(REGISTER_MAX);
    regs[byte] = (u16::from(regs[byte]) & !(m << fb) | (v << fb)) as u8;
    if let Some(b) = regs.get_mut(byte + 1) {
        let fb8 = 8 - fb;
        *b = (u16::from(*b) & !(m >> fb8) | (v >> fb8)) as u8;
    }
}

/// Redis `hllDenseSet`: raises register `i` to `count`; true if it changed.
fn dense_set(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_set_raw(regs, i, count);
        true
    } else {
        false
    }
}

/// Register histogram of a dense array (Redis `hllDenseRegHisto`), four registers (three
/// bytes) at a time.
fn dense_histo(regs: &[u8], histo: &mut [u32; 64]) {
    let full = REGISTERS * BITS / 8;
    for c in regs[..full].chunks_exact(3) {
        let w = u32::from(c[0]) | (u32::from(c[1]) << 8) | (u32::from(c[2]) << 16);
        histo[(w & 63) as usize] += 1;
        histo[((w >> 6) & 63) as usize] += 1;
        histo[((w >> 12) & 63) as usize] += 1;
        histo[((w >> 18) & 63) as usize] += 1;
    }
}

// ---------------------------------------------------------------------------------------
// Sparse opcodes.

#[inline]
fn is_zero(b: u8) -> bool {
    b & 0xc0 == 0
}
#[inline]
fn is_xzero(b: u8) -> bool {
    b & 0xc0 == 0x40
}
#[inline]
fn is_val(b: u8) -> bool {
    b & 0x80 != 0
}
#[inline]
fn zero_len(b: u8) -> usize {
    usize::from(b & 0x3f) + 1
}
#[inline]
fn xzero_len(b0: u8, b1: u8) -> usize {
    ((usize::from(b0 & 0x3f) << 8) | usize::from(b1)) + 1
}
#[inline]
fn val_value(b: u8) -> u8 {
    ((b >> 2) & 0x1f) + 1
}
#[inline]
fn val_len(b: u8) -> usize {
    usize::from(b & 3) + 1
}
#[inline]
fn val_op(value: u8, len: usize) -> u8 {
    (((value - 1) << 2) | (len as u8 - 1)) | 0x80
}
fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        let l = len - 1;
        seq.push(((l >> 8) as u8) | 0x40);
        seq.push((l & 0xff) as u8);
    } else {
        seq.push((len - 1) as u8);
    }
}

/// One decoded sparse opcode.
enum Op {
    /// A run of zero registers; `xzero` when it is the two-byte form.
    Zero { len: usize, xzero: bool },
    /// A run of `len` registers of `value`.
    Val { value: u8, len: usize },
}

/// Iterates the opcodes of a sparse register area (a trailing half XZERO reads its missing
/// byte as 0, as Redis reads the string's terminator).
fn ops(sparse: &[u8]) -> impl Iterator<Item = Op> + '_ {
    let mut p = 0;
    std::iter::from_fn(move || {
        let b = *sparse.get(p)?;
        Some(if is_zero(b) {
            p += 1;
            Op::Zero {
                len: zero_len(b),
                xzero: false,
            }
        } else if is_xzero(b) {
            let b1 = sparse.get(p + 1).copied().unwrap_or(0);
            p += 2;
            Op::Zero {
                len: xzero_len(b, b1),
                xzero: true,
            }
        } else {
            p += 1;
            Op::Val {
                value: val_value(b),
                len: val_len(b),
            }
        })
    })
}

/// Applies `f(register, value)` to every non-zero register of a sparse area; Err when the
/// opcodes do not cover exactly 16384 registers (Redis `hllMerge`/`hllSparseToDense`).
fn sparse_for_each(sparse: &[u8], mut f: impl FnMut(usize, u8)) -> Result<()> {
    let mut idx = 0usize;
    for op in ops(sparse) {
        // A run past the last register is corruption (Redis 7.0.15 as packaged, with the
        // CVE-2025-32023 overflow checks, refuses it for every opcode).
        match op {
            Op::Zero { len, .. } => {
                if idx + len > REGISTERS {
                    return Err(invalid_hll());
                }
                idx += len;
            }
            Op::Val { value, len } => {
                if idx + len > REGISTERS {
                    return Err(invalid_hll());
                }
                for i in idx..idx + len {
                    f(i, value);
                }
                idx += len;
            }
        }
    }
    if idx == REGISTERS {
        Ok(())
    } else {
        Err(invalid_hll())
    }
}

// ---------------------------------------------------------------------------------------
// Whole values.

/// The bytes of a new, empty HLL (Redis `createHLLObject`): sparse, one XZERO.
pub fn new_hll() -> Vec<u8> {
    let mut v = Vec::with_capacity(HDR + 2);
    v.extend_from_slice(b"HYLL");
    v.push(SPARSE);
    v.extend_from_slice(&[0; 11]);
    push_zeros(&mut v, XZERO_MAX_LEN);
    v
}

/// Redis `isHLLObjectOrReply` on a string's bytes.
pub fn is_hll(s: &[u8]) -> bool {
    s.len() >= HDR
        && &s[..4] == b"HYLL"
        && s[4] <= SPARSE
        && (s[4] != DENSE || s.len() == DENSE_SIZE)
}

fn invalidate_cache(s: &mut [u8]) {
    s[15] |= 0x80;
}

fn cache_valid(s: &[u8]) -> bool {
    s[15] & 0x80 == 0
}

/// Redis `hllSparseToDense` (no-op on a dense HLL). Copies the whole header.
pub fn to_dense(s: &mut Vec<u8>) -> Result<()> {
    if s[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR].copy_from_slice(&s[..HDR]);
    dense[4] = DENSE;
    {
        let regs = &mut dense[HDR..];
        sparse_for_each(&s[HDR..], |i, v| dense_set_raw(regs, i, v))?;
    }
    *s = dense;
    Ok(())
}

/// Redis `hllSparseSet`: raises register `index` to `count` in a sparse HLL, promoting it to
/// dense when needed. Ok(true) if a register changed.
fn sparse_set(s: &mut Vec<u8>, index: usize, count: u8, max_bytes: usize) -> Result<bool> {
    if count > VAL_MAX_VALUE {
        return promote(s, index, count);
    }
    // Step 1: find the opcode covering `index`.
    let end = s.len();
    let mut p = HDR;
    let mut first = 0usize;
    let mut prev: Option<usize> = None;
    let mut span = 0usize;
    while p < end {
        let b = s[p];
        let mut oplen = 1;
        if is_zero(b) {
            span = zero_len(b);
        } else if is_val(b) {
            span = val_len(b);
        } else {
            span = xzero_len(b, s.get(p + 1).copied().unwrap_or(0));
            oplen = 2;
        }
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += oplen;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(invalid_hll());
    }
    let b = s[p];
    let (zero, xzero) = (is_zero(b), is_xzero(b));
    let runlen = span;
    let mut updated_in_place = false;
    if is_val(b) {
        let old = val_value(b);
        if old >= count {
            return Ok(false);
        }
        if runlen == 1 {
            s[p] = val_op(count, 1);
            updated_in_place = true;
        }
    }
    if !updated_in_place && zero && runlen == 1 {
        s[p] = val_op(count, 1);
        updated_in_place = true;
    }
    if !updated_in_place {
        // Step 2: split the opcode into up to three.
        let last = first + span - 1;
        let mut seq = Vec::with_capacity(5);
        if zero || xzero {
            if index != first {
                push_zeros(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                push_zeros(&mut seq, last - index);
            }
        } else {
            let cur = val_value(b);
            if index != first {
                seq.push(val_op(cur, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(cur, last - index));
            }
        }
        // Step 3: substitute it for the old opcode.
        let oldlen = if xzero { 2 } else { 1 };
        if seq.len() > oldlen && s.len() + seq.len() - oldlen > max_bytes {
            return promote(s, index, count);
        }
        let old_end = (p + oldlen).min(s.len());
        s.splice(p..old_end, seq);
    }
    // Step 4: merge adjacent VAL opcodes of the same value, scanning up to five opcodes
    // from the previous one.
    let mut p = prev.unwrap_or(HDR);
    let mut scan = 5;
    while p < s.len() && scan > 0 {
        scan -= 1;
        let b = s[p];
        if is_xzero(b) {
            p += 2;
            continue;
        } else if is_zero(b) {
            p += 1;
            continue;
        }
        if p + 1 < s.len() && is_val(s[p + 1]) {
            let (v1, v2) = (val_value(b), val_value(s[p + 1]));
            if v1 == v2 {
                let len = val_len(b) + val_len(s[p + 1]);
                if len <= VAL_MAX_LEN {
                    s[p + 1] = val_op(v1, len);
                    s.remove(p);
                    continue;
                }
            }
        }
        p += 1;
    }
    invalidate_cache(s);
    Ok(true)
}

/// The promotion path of `hllSparseSet`: convert, then set the register (which changes).
fn promote(s: &mut Vec<u8>, index: usize, count: u8) -> Result<bool> {
    to_dense(s)?;
    dense_set(&mut s[HDR..], index, count);
    Ok(true)
}

/// Redis `hllAdd`: adds one element; Ok(true) if a register changed.
pub fn add(s: &mut Vec<u8>, ele: &[u8], max_bytes: usize) -> Result<bool> {
    let (index, count) = pat_len(ele);
    match s[4] {
        DENSE => Ok(dense_set(&mut s[HDR..], index, count)),
        SPARSE => sparse_set(s, index, count, max_bytes),
        _ => Err(invalid_hll()),
    }
}

/// Redis `hllMerge`: `max[i] = max(max[i], register i)`.
pub fn merge_into(max: &mut [u8; REGISTERS], s: &[u8]) -> Result<()> {
    if s[4] == DENSE {
        // Four 6-bit registers per three bytes.
        let full = REGISTERS * BITS / 8;
        for (c, m) in s[HDR..HDR + full]
            .chunks_exact(3)
            .zip(max.chunks_exact_mut(4))
        {
            let w = u32::from(c[0]) | (u32::from(c[1]) << 8) | (u32::from(c[2]) << 16);
            for (j, m) in m.iter_mut().enumerate() {
                let v = ((w >> (6 * j)) & 63) as u8;
                if v > *m {
                    *m = v;
                }
            }
        }
        Ok(())
    } else {
        sparse_for_each(&s[HDR..], |i, v| {
            if v > max[i] {
                max[i] = v;
            }
        })
    }
}

/// Redis `hllSigma`.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prime = z;
        z += x * y;
        y += y;
        if z_prime == z {
            return z;
        }
    }
}

/// Redis `hllTau`.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prime = z;
        y *= 0.5;
        let d = 1.0 - x;
        z -= d * d * y;
        if z_prime == z {
            return z / 3.0;
        }
    }
}

/// Redis 7.0 `hllCount` from a register histogram (Ertl's estimator).
fn estimate(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let q = Q as usize;
    let mut z = m * tau((m - f64::from(histo[q + 1])) / m);
    for j in (1..=q).rev() {
        z += f64::from(histo[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histo[0]) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// The estimated cardinality of an HLL's bytes; Err for a corrupted sparse HLL.
pub fn count(s: &[u8]) -> Result<u64> {
    let mut histo = [0u32; 64];
    if s[4] == DENSE {
        dense_histo(&s[HDR..], &mut histo);
    } else {
        // Redis `hllSparseRegHisto`.
        let mut idx = 0usize;
        for op in ops(&s[HDR..]) {
            match op {
                Op::Zero { len, .. } => {
                    idx += len;
                    histo[0] += len as u32;
                }
                Op::Val { value, len } => {
                    idx += len;
                    histo[usize::from(value)] += len as u32;
                }
            }
        }
        if idx != REGISTERS {
            return Err(invalid_hll());
        }
    }
    Ok(estimate(&histo))
}

/// The cardinality of a register array built by merging (Redis's `HLL_RAW`).
pub fn count_raw(max: &[u8; REGISTERS]) -> u64 {
    let mut histo = [0u32; 64];
    for &v in max.iter() {
        histo[usize::from(v & 63)] += 1;
    }
    estimate(&histo)
}

// ---------------------------------------------------------------------------------------
// Handlers.

/// The HLL bytes under `key` for reading: None when absent, WRONGTYPE for another type or a
/// string that is not an HLL.
fn read_hll<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c [u8]>> {
    match ctx.read(key) {
        None => Ok(None),
        Some(o) => {
            let s = o.as_str()?;
            if is_hll(s) {
                Ok(Some(s))
            } else {
                Err(Error::new(ErrorKind::WrongType, NOT_HLL))
            }
        }
    }
}

/// The HLL bytes under an existing, checked key for writing (left a raw string, as Redis's
/// unshared copy).
fn write_hll<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Vec<u8>> {
    if let Some(e) = ctx.entry(key) {
        e.set_str_enc(StrEncoding::Raw);
    }
    match ctx.write(key) {
        Some(o) => o.as_str_mut(),
        None => Err(Error::err("internal error: HLL vanished")),
    }
}

fn sparse_max_bytes(ctx: &Ctx) -> usize {
    ctx.config().hll_sparse_max_bytes
}

/// # Format
/// `PFADD key [element [element ...]]`
fn pfadd(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let max_bytes = sparse_max_bytes(ctx);
    let mut updated = false;
    let existed = read_hll(ctx, key)?.is_some();
    if !existed {
        ctx.insert(key, Object::string(new_hll()));
        if let Some(e) = ctx.entry(key) {
            e.set_str_enc(StrEncoding::Raw);
        }
        updated = true;
    }
    let s = write_hll(ctx, key)?;
    if s[4] == DENSE {
        for ele in &argv[2..] {
            updated |= add(s, ele, max_bytes)?;
        }
    } else {
        // A sparse HLL may turn out corrupted half-way: work on a copy.
        let mut copy = s.clone();
        let mut changed = false;
        for ele in &argv[2..] {
            changed |= add(&mut copy, ele, max_bytes)?;
        }
        if changed {
            *s = copy;
            updated = true;
        }
    }
    if updated {
        invalidate_cache(s);
        ctx.modified(key, notify::STRING, "pfadd");
    }
    Ok(Value::Int(i64::from(updated)))
}

/// # Format
/// `PFCOUNT key [key ...]`
fn pfcount(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 2 {
        // The union, in a temporary register array; the sources are not touched.
        let mut max = Box::new([0u8; REGISTERS]);
        for key in &argv[1..] {
            if let Some(s) = read_hll(ctx, key)? {
                merge_into(&mut max, s)?;
            }
        }
        return Ok(Value::Int(count_raw(&max) as i64));
    }
    let key = argv[1];
    let Some(s) = read_hll(ctx, key)? else {
        return Ok(Value::Int(0));
    };
    if cache_valid(s) {
        let mut c = [0u8; 8];
        c.copy_from_slice(&s[8..16]);
        return Ok(Value::Int(u64::from_le_bytes(c) as i64));
    }
    let card = count(s)?;
    let s = write_hll(ctx, key)?;
    s[8..16].copy_from_slice(&card.to_le_bytes());
    let cache = s[8..16].to_vec();
    // Redis signals the key and propagates the refreshed cache without a notification.
    ctx.modified_silently(key);
    ctx.propagate_with(|| vec![b"SETRANGE".to_vec(), key.to_vec(), b"8".to_vec(), cache]);
    Ok(Value::Int(card as i64))
}

/// # Format
/// `PFMERGE destkey [sourcekey [sourcekey ...]]`
fn pfmerge(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let mut max = Box::new([0u8; REGISTERS]);
    let mut use_dense = false;
    for key in &argv[1..] {
        if let Some(s) = read_hll(ctx, key)? {
            use_dense |= s[4] == DENSE;
            merge_into(&mut max, s)?;
        }
    }
    let key = argv[1];
    let max_bytes = sparse_max_bytes(ctx);
    if !ctx.exists(key) {
        ctx.insert(key, Object::string(new_hll()));
    }
    let s = write_hll(ctx, key)?;
    if use_dense {
        to_dense(s)?;
    }
    for (i, &v) in max.iter().enumerate() {
        if v == 0 {
            continue;
        }
        if s[4] == DENSE {
            dense_set(&mut s[HDR..], i, v);
        } else {
            sparse_set(s, i, v, max_bytes)?;
        }
    }
    invalidate_cache(s);
    ctx.modified(key, notify::STRING, "pfadd");
    Ok(Value::ok())
}

/// # Format
/// `PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key` (arity exactly 3, as Redis 7.0)
fn pfdebug(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let sub = argv[1];
    let key = argv[2];
    let sub_name = String::from_utf8_lossy(sub).into_owned();
    if read_hll(ctx, key)?.is_none() {
        return Err(Error::err("The specified key does not exist"));
    }
    if eq_ic(sub, "getreg") {
        let s = write_hll(ctx, key)?;
        let converted = s[4] == SPARSE;
        to_dense(s)?;
        let regs: Vec<Value> = (0..REGISTERS)
            .map(|i| Value::Int(i64::from(dense_get(&s[HDR..], i))))
            .collect();
        if converted {
            ctx.modified(key, notify::STRING, "pfdebug");
        }
        Ok(Value::Array(regs))
    } else if eq_ic(sub, "decode") {
        let s = read_hll(ctx, key)?.unwrap_or(&[]);
        if s.get(4) != Some(&SPARSE) {
            return Err(Error::err("HLL encoding is not sparse"));
        }
        let parts: Vec<String> = ops(&s[HDR..])
            .map(|op| match op {
                Op::Zero { len, xzero: false } => format!("z:{len}"),
                Op::Zero { len, xzero: true } => format!("Z:{len}"),
                Op::Val { value, len } => format!("v:{value},{len}"),
            })
            .collect();
        Ok(Value::Bulk(parts.join(" ").into_bytes()))
    } else if eq_ic(sub, "encoding") {
        let s = read_hll(ctx, key)?.unwrap_or(&[]);
        Ok(Value::Simple(
            if s.get(4) == Some(&DENSE) {
                "dense"
            } else {
                "sparse"
            }
            .into(),
        ))
    } else if eq_ic(sub, "todense") {
        let s = write_hll(ctx, key)?;
        if s[4] == SPARSE {
            to_dense(s)?;
            ctx.modified(key, notify::STRING, "pfdebug");
            Ok(Value::Int(1))
        } else {
            Ok(Value::Int(0))
        }
    } else {
        Err(Error::err(format!(
            "Unknown PFDEBUG subcommand '{sub_name}'"
        )))
    }
}

/// # Format
/// `PFSELFTEST`
///
/// Checks the register accessors, sparse/dense agreement and the estimator's error bound on
/// a deterministic stream of elements; `OK` or a `TESTFAILED` error.
fn pfselftest(_ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    selftest().map_err(|m| Error::new(ErrorKind::Other, format!("TESTFAILED {m}")))?;
    Ok(Value::ok())
}

/// The body of PFSELFTEST.
pub fn selftest() -> std::result::Result<(), String> {
    // 1. Register set/get over the whole dense array, with neighbours intact.
    let mut regs = vec![0u8; DENSE_SIZE - HDR];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut want = vec![0u8; REGISTERS];
    for (i, w) in want.iter_mut().enumerate() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *w = (x % 64) as u8;
        dense_set_raw(&mut regs, i, *w);
    }
    for (i, w) in want.iter().enumerate() {
        if dense_get(&regs, i) != *w {
            return Err(format!("The register {i} has the wrong value"));
        }
    }
    // 2. Sparse and dense agree, and the error stays within 5 standard errors.
    let mut sparse = new_hll();
    let mut dense = new_hll();
    to_dense(&mut dense).map_err(|e| e.message().to_string())?;
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint = 1u64;
    for j in 1..=1_000_000u64 {
        let ele = j.to_le_bytes();
        add(&mut sparse, &ele, 3000).map_err(|e| e.message().to_string())?;
        add(&mut dense, &ele, 3000).map_err(|e| e.message().to_string())?;
        if j == checkpoint {
            let a = count(&sparse).map_err(|e| e.message().to_string())?;
            let b = count(&dense).map_err(|e| e.message().to_string())?;
            if a != b {
                return Err(format!("Sparse and dense cardinality differ: {a} vs {b}"));
            }
            let err = (j as f64 - a as f64).abs() / j as f64;
            let max = if j < 10 { 0.5 } else { relerr * 5.0 };
            if err > max {
                return Err(format!(
                    "Approximation error of {err} at {j} elements exceeds {max}"
                ));
            }
            checkpoint *= 10;
        }
    }
    Ok(())
}

/// HyperLogLog commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "pfadd",
        -2,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hyperloglog",
        pfadd,
    ),
    CommandSpec::new(
        "pfcount",
        -2,
        READONLY | MAY_REPLICATE,
        (1, -1, 1),
        "hyperloglog",
        pfcount,
    ),
    CommandSpec::new(
        "pfmerge",
        -2,
        WRITE | DENYOOM,
        (1, -1, 1),
        "hyperloglog",
        pfmerge,
    ),
    CommandSpec::new(
        "pfdebug",
        3,
        WRITE | DENYOOM | ADMIN,
        (2, 2, 1),
        "hyperloglog",
        pfdebug,
    ),
    CommandSpec::new("pfselftest", 1, ADMIN, (0, 0, 0), "hyperloglog", pfselftest),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selftest_passes() {
        selftest().unwrap();
    }

    #[test]
    fn empty_hll_is_eighteen_bytes_and_counts_zero() {
        let h = new_hll();
        assert_eq!(h.len(), 18);
        assert_eq!(&h[16..], &[0x7f, 0xff]);
        assert_eq!(count(&h).unwrap(), 0);
    }
}

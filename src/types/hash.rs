//! Hashes: the value representation and the H* commands (Redis 7.0 `t_hash.c`).
//!
//! Redis keeps a small hash as a *listpack* — a flat list of field/value pairs in insertion
//! order — and converts it, once and for all, to a hash table when it grows past
//! `hash-max-listpack-entries` fields or when a field or value longer than
//! `hash-max-listpack-value` bytes is written. Both facts are observable: OBJECT ENCODING
//! reports the encoding, and HGETALL/HKEYS/HVALS/HSCAN/HRANDFIELD return a listpack hash in
//! insertion order. [`Hash`](struct@Hash) has the same two representations: a
//! [`Listpack`] of alternating fields and values (one allocation, linear search) while
//! small, a deterministic [`Dict`] once converted.

use crate::config::Config;
use crate::engine::{flags::*, BulkArray, CommandSpec, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::{notify, Object, Rng};
use crate::types::listpack::{self, Listpack};
use crate::util::{arg_i64, eq_ic, parse_i64, scan};
use crate::util::{dict, Dict};
use crate::value::Value;

/// A hash value. Mutate only through [`Hash::set`] / [`Hash::remove`] (or build with
/// [`Hash::from_pairs`] / [`Hash::from_listpack`]) so that the encoding stays right.
#[derive(Clone, Debug)]
pub struct Hash {
    repr: Repr,
}

/// The two encodings.
#[derive(Clone, Debug)]
enum Repr {
    /// field, value, field, value, … in insertion order.
    Listpack(Listpack),
    /// Field → value (sticky, as in Redis).
    Table(Box<Dict<Vec<u8>>>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

/// The two listpack thresholds, copied out of the config before borrowing a hash.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `hash-max-listpack-entries`
    pub entries: usize,
    /// `hash-max-listpack-value`
    pub value: usize,
}

impl Limits {
    /// The thresholds of `cfg`.
    pub fn of(cfg: &Config) -> Limits {
        Limits {
            entries: cfg.hash_max_listpack_entries,
            value: cfg.hash_max_listpack_value,
        }
    }
}

/// Field equality for the listpack walk: lengths, then the last byte (fields such as
/// `field0`..`field9` differ only there), then the bytes — a `memcmp` call per visited field
/// made HGET on a 10-field listpack measurably slower than the table lookup.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.last() == b.last() && a == b
}

/// Offsets of the pair whose field is `field` in a listpack: (field entry, value entry).
#[inline]
fn lp_find(lp: &Listpack, field: &[u8]) -> Option<(usize, usize)> {
    let mut c = lp.cursor();
    while let (Some((fp, f)), Some((vp, _))) = (c.next(), c.next()) {
        if same(f, field) {
            return Some((fp, vp));
        }
    }
    None
}

impl Hash {
    /// An empty (listpack) hash.
    pub const fn new() -> Hash {
        Hash {
            repr: Repr::Listpack(Listpack::new()),
        }
    }

    /// Builds a hash from pairs (later duplicates overwrite earlier ones) choosing the encoding
    /// as loading an RDB would: listpack iff every field and value fits and there are at
    /// most `hash-max-listpack-entries` fields.
    pub fn from_pairs<F, V>(pairs: impl IntoIterator<Item = (F, V)>, cfg: &Config) -> Hash
    where
        F: AsRef<[u8]>,
        V: Into<Vec<u8>>,
    {
        let lim = Limits::of(cfg);
        let mut h = Hash::new();
        for (f, v) in pairs {
            h.set(f.as_ref(), v.into(), lim);
        }
        h
    }

    /// A listpack-encoded hash holding `pairs` in that order, as Redis keeps a listpack it
    /// loads from an RDB or a RESTORE payload (no value-length check). None if a field
    /// repeats.
    pub fn from_listpack(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> Option<Hash> {
        let mut lp = Listpack::new();
        if pairs.len() <= 16 {
            for (i, (f, _)) in pairs.iter().enumerate() {
                if pairs[..i].iter().any(|(g, _)| g == f) {
                    return None;
                }
            }
        } else {
            let mut seen: Dict<()> = Dict::with_capacity(pairs.len());
            for (f, _) in &pairs {
                if seen.insert(f.as_slice(), ()).is_some() {
                    return None;
                }
            }
        }
        for (f, v) in &pairs {
            lp.push_all(&[f, v]);
        }
        Some(Hash {
            repr: Repr::Listpack(lp),
        })
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len() / 2,
            Repr::Table(t) => t.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while Redis would keep this hash as a listpack.
    pub fn is_listpack(&self) -> bool {
        matches!(self.repr, Repr::Listpack(_))
    }

    /// OBJECT ENCODING: "listpack" until the hash ever exceeded a listpack threshold at a
    /// write, "hashtable" from then on (Redis never converts back).
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        if self.is_listpack() {
            "listpack"
        } else {
            "hashtable"
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Listpack(lp) => {
                let mut c = lp.cursor();
                while let (Some((_, f)), Some((_, v))) = (c.next(), c.next()) {
                    if same(f, field) {
                        return Some(v);
                    }
                }
                None
            }
            Repr::Table(t) => t.get(field).map(|v| v.as_slice()),
        }
    }

    /// True if `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts to the hash-table encoding (Redis `hashTypeConvert`): the table is filled
    /// in listpack order.
    pub fn convert(&mut self) {
        let Repr::Listpack(lp) = &self.repr else {
            return;
        };
        let mut t = Dict::with_capacity(lp.len() / 2);
        {
            let mut it = lp.iter();
            while let (Some(f), Some(v)) = (it.next(), it.next()) {
                t.insert(f, v.to_vec());
            }
        }
        self.repr = Repr::Table(Box::new(t));
    }

    /// Redis `hashTypeTryConversion`: converts before a write when any of the arguments about
    /// to be stored is longer than `hash-max-listpack-value`.
    pub fn try_conversion(&mut self, args: &[&[u8]], lim: Limits) {
        if self.is_listpack() && args.iter().any(|a| a.len() > lim.value) {
            self.convert();
        }
    }

    /// Redis `hashTypeSet`: sets `field` to `value`, converting to a hash table if either is
    /// too long for a listpack or the hash grows past the entry limit. Returns true when the
    /// field is new, false when an existing value was replaced.
    pub fn set(&mut self, field: &[u8], value: Vec<u8>, lim: Limits) -> bool {
        if let Repr::Listpack(lp) = &mut self.repr {
            if field.len() <= lim.value && value.len() <= lim.value {
                if let Some((_, vp)) = lp_find(lp, field) {
                    lp.replace(vp, &value);
                    return false;
                }
                lp.push_all(&[field, &value]);
                if lp.len() / 2 > lim.entries {
                    self.convert();
                }
                return true;
            }
            self.convert();
        }
        match &mut self.repr {
            Repr::Table(t) => t.insert(field, value).is_none(),
            // Unreachable: converted above.
            Repr::Listpack(_) => false,
        }
    }

    /// Removes `field`; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(lp) => match lp_find(lp, field) {
                Some((fp, _)) => {
                    lp.remove(fp, 2);
                    true
                }
                None => false,
            },
            Repr::Table(t) => t.remove(field).is_some(),
        }
    }

    /// Iterates (field, value) in the order Redis would: insertion order while listpack,
    /// the table's deterministic order once a hash table.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Listpack(lp) => Iter::Listpack(lp.cursor()),
            Repr::Table(t) => Iter::Table(t.iter()),
        }
    }

    /// A uniformly random (field, value), or None when empty. `rand(n)` returns `0..n`.
    pub fn random_pair(&self, mut rand: impl FnMut(u64) -> u64) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Listpack(lp) => {
                if lp.is_empty() {
                    return None;
                }
                let i = rand((lp.len() / 2) as u64) as usize;
                self.iter().nth(i)
            }
            Repr::Table(t) => t.random_entry(rand).map(|(k, v)| (k, v.as_slice())),
        }
    }

    /// The table of a hashtable-encoded hash (None while listpack).
    pub fn table(&self) -> Option<&Dict<Vec<u8>>> {
        match &self.repr {
            Repr::Table(t) => Some(t),
            Repr::Listpack(_) => None,
        }
    }

    /// The listpack of a listpack-encoded hash (None once a hash table).
    pub fn listpack(&self) -> Option<&Listpack> {
        match &self.repr {
            Repr::Listpack(lp) => Some(lp),
            Repr::Table(_) => None,
        }
    }
}

/// Iterator over a [`Hash`](struct@Hash), see [`Hash::iter`].
pub enum Iter<'a> {
    /// Listpack order.
    Listpack(listpack::Cursor<'a>),
    /// Hash-table order.
    Table(dict::Iter<'a, Vec<u8>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(c) => match (c.next(), c.next()) {
                (Some((_, f)), Some((_, v))) => Some((f, v)),
                _ => None,
            },
            Iter::Table(it) => it.next().map(|(k, v)| (k, v.as_slice())),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the handlers.

/// The hash under `key` for reading: None when absent, WRONGTYPE for another type.
fn read_hash<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c Hash>> {
    match ctx.read(key) {
        None => Ok(None),
        Some(o) => o.as_hash().map(Some),
    }
}

/// The hash under `key` for writing, created empty when absent (Redis
/// `hashTypeLookupWriteOrCreate`). Call only once the command is sure to write.
fn write_hash<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Hash> {
    if !ctx.exists(key) {
        ctx.insert(key, Object::Hash(Box::default()));
    }
    match ctx.write(key) {
        Some(o) => o.as_hash_mut(),
        None => Err(Error::err("internal error: hash vanished")),
    }
}

fn limits(ctx: &Ctx) -> Limits {
    Limits::of(ctx.config())
}

/// A pair reply element: RESP3 nests `[field, value]`, RESP2 appends both flat.
fn push_pair(out: &mut Vec<Value>, resp3: bool, withvalues: bool, f: &[u8], v: &[u8]) {
    if withvalues && resp3 {
        out.push(Value::Array(vec![Value::bulk(f), Value::bulk(v)]));
    } else {
        out.push(Value::bulk(f));
        if withvalues {
            out.push(Value::bulk(v));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writes.

/// # Format
/// `HSET key field value [field value ...]` / `HMSET key field value [field value ...]`
fn hset(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let hmset = eq_ic(argv[0], "hmset");
    if argv.len() % 2 == 1 {
        return Err(Error::arity(if hmset { "hmset" } else { "hset" }));
    }
    let key = argv[1];
    let lim = limits(ctx);
    let h = write_hash(ctx, key)?;
    h.try_conversion(&argv[2..], lim);
    let mut created = 0;
    for pair in argv[2..].chunks_exact(2) {
        if h.set(pair[0], pair[1].to_vec(), lim) {
            created += 1;
        }
    }
    ctx.modified(key, notify::HASH, "hset");
    Ok(if hmset {
        Value::ok()
    } else {
        Value::Int(created)
    })
}

/// # Format
/// `HSETNX key field value`
fn hsetnx(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, field, value) = (argv[1], argv[2], argv[3]);
    if read_hash(ctx, key)?.is_some_and(|h| h.contains(field)) {
        return Ok(Value::Int(0));
    }
    let lim = limits(ctx);
    let h = write_hash(ctx, key)?;
    h.try_conversion(&argv[2..4], lim);
    h.set(field, value.to_vec(), lim);
    ctx.modified(key, notify::HASH, "hset");
    Ok(Value::Int(1))
}

/// # Format
/// `HDEL key field [field ...]`
fn hdel(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let Some(o) = ctx.write(key) else {
        return Ok(Value::Int(0));
    };
    let h = o.as_hash_mut()?;
    let mut deleted = 0;
    for f in &argv[2..] {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    if deleted > 0 {
        ctx.modified(key, notify::HASH, "hdel");
        ctx.remove_if_empty(key);
    }
    Ok(Value::Int(deleted))
}

/// # Format
/// `HINCRBY key field increment`
fn hincrby(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (key, field) = (argv[1], argv[2]);
    let incr = arg_i64(argv[3])?;
    let current = match read_hash(ctx, key)?.and_then(|h| h.get(field)) {
        None => 0,
        Some(v) => {
            parse_i64(v).ok_or_else(|| Error::from_reply("ERR hash value is not an integer"))?
        }
    };
    let value = current
        .checked_add(incr)
        .ok_or_else(|| Error::from_reply("ERR increment or decrement would overflow"))?;
    let lim = limits(ctx);
    write_hash(ctx, key)?.set(field, value.to_string().into_bytes(), lim);
    ctx.modified(key, notify::HASH, "hincrby");
    Ok(Value::Int(value))
}

/// # Format
/// `HINCRBYFLOAT key field increment`
///
/// Logged as `HSET key field <result>` so replay never depends on float arithmetic.
fn hincrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    use crate::util::float::incr_by_float;
    let (key, field, incr) = (argv[1], argv[2], argv[3]);
    // The increment is checked before the key is looked up: invalid → not a valid float,
    // NaN/Infinity → its own message.
    match incr_by_float(None, incr) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFloat => return Err(Error::not_float()),
        Err(_) => return Err(Error::from_reply("ERR value is NaN or Infinity")),
    }
    let current = read_hash(ctx, key)?
        .and_then(|h| h.get(field))
        .map(|v| v.to_vec());
    let result = match incr_by_float(current.as_deref(), incr) {
        Ok(r) => r,
        // The increment parsed above, so the stored value is what failed to parse.
        Err(e) if e.kind() == ErrorKind::NotFloat => {
            return Err(Error::from_reply("ERR hash value is not a float"))
        }
        Err(e) => return Err(e),
    };
    let lim = limits(ctx);
    write_hash(ctx, key)?.set(field, result.clone(), lim);
    ctx.modified(key, notify::HASH, "hincrbyfloat");
    ctx.propagate_with(|| {
        vec![
            b"HSET".to_vec(),
            key.to_vec(),
            field.to_vec(),
            result.clone(),
        ]
    });
    Ok(Value::Bulk(result))
}

// ---------------------------------------------------------------------------------------
// Reads.

/// # Format
/// `HGET key field`
fn hget(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::opt_bulk(
        read_hash(ctx, argv[1])?.and_then(|h| h.get(argv[2])),
    ))
}

/// # Format
/// `HMGET key field [field ...]`
fn hmget(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let h = read_hash(ctx, argv[1])?;
    Ok(Value::Array(
        argv[2..]
            .iter()
            .map(|f| Value::opt_bulk(h.and_then(|h| h.get(f))))
            .collect(),
    ))
}

/// # Format
/// `HEXISTS key field`
fn hexists(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let found = read_hash(ctx, argv[1])?.is_some_and(|h| h.contains(argv[2]));
    Ok(Value::Int(found as i64))
}

/// # Format
/// `HLEN key`
fn hlen(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let n = read_hash(ctx, argv[1])?.map_or(0, Hash::len);
    Ok(Value::Int(n as i64))
}

/// # Format
/// `HSTRLEN key field`
fn hstrlen(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let n = read_hash(ctx, argv[1])?
        .and_then(|h| h.get(argv[2]))
        .map_or(0, <[u8]>::len);
    Ok(Value::Int(n as i64))
}

/// # Format
/// `HGETALL key` — a map (RESP2: flat array).
fn hgetall(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (stream, resp) = (ctx.can_stream_replies(), ctx.resp());
    let Some(h) = read_hash(ctx, argv[1])? else {
        return Ok(Value::Map(Vec::new()));
    };
    // Long replies are encoded straight to a connection's output (`BulkArray`, issue 10).
    let hint = if stream {
        hash_reply_bytes(h, true, true)
    } else {
        0
    };
    let mut reply = BulkArray::map(stream, resp, h.len(), hint);
    for (f, v) in h.iter() {
        reply.push(f);
        reply.push(v);
    }
    Ok(reply.finish(ctx))
}

/// Encoded size of a reply holding the fields and/or values of `h` (a reservation hint).
fn hash_reply_bytes(h: &Hash, fields: bool, values: bool) -> usize {
    h.iter()
        .map(|(f, v)| usize::from(fields) * (f.len() + 16) + usize::from(values) * (v.len() + 16))
        .sum()
}

/// HKEYS / HVALS.
fn hash_column(ctx: &mut Ctx, key: &[u8], fields: bool) -> Result<Value> {
    let stream = ctx.can_stream_replies();
    let Some(h) = read_hash(ctx, key)? else {
        return Ok(Value::Array(Vec::new()));
    };
    let hint = if stream {
        hash_reply_bytes(h, fields, !fields)
    } else {
        0
    };
    let mut reply = BulkArray::new(stream, h.len(), hint);
    for (f, v) in h.iter() {
        reply.push(if fields { f } else { v });
    }
    Ok(reply.finish(ctx))
}

/// # Format
/// `HKEYS key`
fn hkeys(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    hash_column(ctx, argv[1], true)
}

/// # Format
/// `HVALS key`
fn hvals(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    hash_column(ctx, argv[1], false)
}

/// # Format
/// `HRANDFIELD key [count [WITHVALUES]]`
fn hrandfield(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() >= 3 {
        let l = arg_i64(argv[2])?;
        if l == i64::MIN {
            return Err(Error::out_of_range(&format!(
                "value is out of range, value must between {} and {}",
                -i64::MAX,
                i64::MAX
            )));
        }
        if argv.len() > 4 || (argv.len() == 4 && !eq_ic(argv[3], "withvalues")) {
            return Err(Error::syntax());
        }
        let withvalues = argv.len() == 4;
        if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(Error::out_of_range("value is out of range"));
        }
        return hrandfield_count(ctx, argv[1], l, withvalues);
    }
    let reply = with_hash_and_rng(ctx, argv[1], |h, rng| {
        h.random_pair(|n| rng.below(n))
            .map_or(Value::Nil, |(f, _)| Value::bulk(f))
    })?;
    Ok(reply.unwrap_or(Value::Nil))
}

/// Runs `f` on the live hash under `key` together with the store's RNG (disjoint borrows).
/// Ok(None) when the key is absent; WRONGTYPE for another type.
fn with_hash_and_rng<T>(
    ctx: &mut Ctx,
    key: &[u8],
    f: impl FnOnce(&Hash, &mut Rng) -> T,
) -> Result<Option<T>> {
    if read_hash(ctx, key)?.is_none() {
        return Ok(None);
    }
    match ctx.write_with_rng(key) {
        Some((obj, rng)) => Ok(Some(f(obj.as_hash()?, rng))),
        None => Ok(None),
    }
}

/// HRANDFIELD with a count (Redis `hrandfieldWithCountCommand`). Redis's own random picks
/// cannot be reproduced; the cases, shapes and orders can:
/// * negative count: that many independent picks (repeats allowed), in pick order;
/// * count >= size: the whole hash in iteration order;
/// * otherwise `count` distinct fields: in iteration order when listpack-encoded or when
///   the count is close to the size (Redis's "copy and remove" case), in pick order for a
///   large hash table.
fn hrandfield_count(ctx: &mut Ctx, key: &[u8], l: i64, withvalues: bool) -> Result<Value> {
    let resp3 = ctx.resp() >= 3;
    if l < 0 && read_hash(ctx, key)?.is_some() {
        crate::util::args::check_random_repeats(l.unsigned_abs())?;
    }
    if l < 0 && !withvalues {
        // Independent picks of fields only: encoded straight to a connection's output when
        // long (`BulkArray`, issue 10), no `Value` per pick.
        let stream = ctx.can_stream_replies();
        let count = l.unsigned_abs() as usize;
        let picks = with_hash_and_rng(ctx, key, |h, rng| {
            let mut reply = BulkArray::new(stream, count, count.saturating_mul(24));
            for _ in 0..count {
                if let Some((f, _)) = h.random_pair(|n| rng.below(n)) {
                    reply.push(f);
                }
            }
            reply
        })?;
        return Ok(match picks {
            Some(reply) => reply.finish(ctx),
            None => Value::Array(Vec::new()),
        });
    }
    let reply = with_hash_and_rng(ctx, key, |h, rng| {
        let size = h.len() as u64;
        let count = l.unsigned_abs();
        let mut out = Vec::new();
        if count == 0 || size == 0 {
            return Value::Array(out);
        }
        let emit =
            |out: &mut Vec<Value>, f: &[u8], v: &[u8]| push_pair(out, resp3, withvalues, f, v);
        if l < 0 || count == 1 {
            for _ in 0..count {
                if let Some((f, v)) = h.random_pair(|n| rng.below(n)) {
                    emit(&mut out, f, v);
                }
            }
        } else if count >= size {
            for (f, v) in h.iter() {
                emit(&mut out, f, v);
            }
        } else if h.is_listpack() || count.saturating_mul(SUB_STRATEGY_MUL) > size {
            // Selection sampling: each element is kept with probability
            // needed / remaining, which yields a uniform subset in iteration order.
            let mut needed = count;
            let mut remaining = size;
            for (f, v) in h.iter() {
                if needed == 0 {
                    break;
                }
                if rng.below(remaining) < needed {
                    emit(&mut out, f, v);
                    needed -= 1;
                }
                remaining -= 1;
            }
        } else {
            let mut seen: Dict<()> = Dict::new();
            while (seen.len() as u64) < count {
                let Some((f, v)) = h.random_pair(|n| rng.below(n)) else {
                    break;
                };
                if seen.insert(f, ()).is_none() {
                    emit(&mut out, f, v);
                }
            }
        }
        Value::Array(out)
    })?;
    Ok(reply.unwrap_or(Value::Array(Vec::new())))
}

/// Redis `HRANDFIELD_SUB_STRATEGY_MUL`.
const SUB_STRATEGY_MUL: u64 = 3;

/// # Format
/// `HSCAN key cursor [MATCH pattern] [COUNT count]`
fn hscan(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    // Cursor first, then the key (a missing key answers before the options are parsed).
    scan::parse_cursor(argv[2])?;
    let Some(h) = read_hash(ctx, key)? else {
        return Ok(Value::Array(vec![Value::bulk("0"), Value::Array(vec![])]));
    };
    let args = scan::parse(argv[2], &argv[3..], false)?;
    let keep = |f: &[u8]| {
        args.pattern
            .as_ref()
            .is_none_or(|p| crate::util::glob::matches(p, f))
    };
    let mut items = Vec::new();
    let cursor = if h.is_listpack() {
        // Compact encoding: everything in one reply, cursor 0.
        for (f, v) in h.iter() {
            if keep(f) {
                items.push(Value::bulk(f));
                items.push(Value::bulk(v));
            }
        }
        0
    } else {
        match h.table() {
            Some(t) => scan::scan_dict(t, &args, |f, v| {
                items.push(Value::bulk(f));
                items.push(Value::bulk(v));
            }),
            None => 0,
        }
    };
    Ok(Value::Array(vec![
        Value::bulk(cursor.to_string()),
        Value::Array(items),
    ]))
}

/// Hash commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, WRITE | DENYOOM | FAST, (1, 1, 1), "hash", hset),
    CommandSpec::new(
        "hsetnx",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        hsetnx,
    ),
    CommandSpec::new("hmset", -4, WRITE | DENYOOM | FAST, (1, 1, 1), "hash", hset),
    CommandSpec::new("hget", 3, READONLY | FAST, (1, 1, 1), "hash", hget),
    CommandSpec::new("hmget", -3, READONLY | FAST, (1, 1, 1), "hash", hmget),
    CommandSpec::new("hgetall", 2, READONLY, (1, 1, 1), "hash", hgetall),
    CommandSpec::new("hdel", -3, WRITE | FAST, (1, 1, 1), "hash", hdel),
    CommandSpec::new("hexists", 3, READONLY | FAST, (1, 1, 1), "hash", hexists),
    CommandSpec::new("hlen", 2, READONLY | FAST, (1, 1, 1), "hash", hlen),
    CommandSpec::new("hkeys", 2, READONLY, (1, 1, 1), "hash", hkeys),
    CommandSpec::new("hvals", 2, READONLY, (1, 1, 1), "hash", hvals),
    CommandSpec::new(
        "hincrby",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        hincrby,
    ),
    CommandSpec::new(
        "hincrbyfloat",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        hincrbyfloat,
    ),
    CommandSpec::new("hstrlen", 3, READONLY | FAST, (1, 1, 1), "hash", hstrlen),
    CommandSpec::new(
        "hrandfield",
        -2,
        READONLY | RANDOM,
        (1, 1, 1),
        "hash",
        hrandfield,
    ),
    CommandSpec::new("hscan", -3, READONLY | RANDOM, (1, 1, 1), "hash", hscan),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Set(u8, usize),
        Remove(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0u8..12, 0usize..12).prop_map(|(f, n)| Op::Set(f, n)),
            1 => (0u8..12).prop_map(Op::Remove),
        ]
    }

    /// Field names of 1 to 10 bytes, so some exceed the value limit below.
    fn field(f: u8) -> Vec<u8> {
        vec![b'a' + f; 1 + usize::from(f) % 10]
    }

    proptest! {
        /// The compact form against a reference model (an insertion-ordered `Vec` of pairs
        /// and Redis's conversion rules), through the conversion point: same contents,
        /// same encoding, listpack order = insertion order.
        #[test]
        fn matches_model(ops in proptest::collection::vec(op(), 0..60)) {
            let lim = Limits { entries: 6, value: 8 };
            let mut h = Hash::new();
            let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let mut big = false;
            for op in ops {
                match op {
                    Op::Set(f, n) => {
                        let (f, v) = (field(f), vec![b'v'; n]);
                        if f.len() > lim.value || v.len() > lim.value {
                            big = true;
                        }
                        let created = match model.iter_mut().find(|(g, _)| *g == f) {
                            Some(p) => { p.1 = v.clone(); false }
                            None => { model.push((f.clone(), v.clone())); true }
                        };
                        if model.len() > lim.entries {
                            big = true;
                        }
                        prop_assert_eq!(h.set(&f, v, lim), created);
                    }
                    Op::Remove(f) => {
                        let f = field(f);
                        let had = model.iter().position(|(g, _)| *g == f);
                        if let Some(i) = had {
                            model.remove(i);
                        }
                        prop_assert_eq!(h.remove(&f), had.is_some());
                    }
                }
                prop_assert_eq!(h.is_listpack(), !big);
                prop_assert_eq!(h.len(), model.len());
                for (f, v) in &model {
                    prop_assert_eq!(h.get(f), Some(v.as_slice()));
                }
                prop_assert!(h.get(b"absent").is_none());
                let mut got: Vec<(Vec<u8>, Vec<u8>)> =
                    h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
                let mut want = model.clone();
                if big {
                    got.sort();
                    want.sort();
                }
                prop_assert_eq!(got, want);
                if !model.is_empty() {
                    let mut seed = 12345u64;
                    let picked = h.random_pair(|n| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        (seed >> 33) % n
                    });
                    let (f, v) = picked.expect("non-empty");
                    prop_assert!(model.iter().any(|(g, w)| g == f && w == v));
                }
            }
        }
    }

    #[test]
    fn from_listpack_rejects_duplicates_and_keeps_order() {
        let p = |f: &str, v: &str| (f.as_bytes().to_vec(), v.as_bytes().to_vec());
        assert!(Hash::from_listpack(vec![p("a", "1"), p("b", "2"), p("a", "3")]).is_none());
        let many: Vec<_> = (0..40).map(|i| p(&format!("f{i}"), "v")).collect();
        let mut dup = many.clone();
        dup.push(p("f7", "x"));
        assert!(Hash::from_listpack(dup).is_none());
        let h = Hash::from_listpack(many).expect("distinct");
        assert!(h.is_listpack());
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(order.first(), Some(&&b"f0"[..]));
        assert_eq!(order.last(), Some(&&b"f39"[..]));
    }
}

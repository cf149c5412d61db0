//! ZPOPMIN, ZPOPMAX, ZMPOP, and [`generic_zpop`], the shared pop routine (Redis
//! `genericZpopCommand`) the blocking variants (BZPOPMIN, BZPOPMAX, BZMPOP) reuse.

use crate::engine::Ctx;
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::notify;
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// Which end to pop from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Lowest scores (ZPOPMIN).
    Min,
    /// Highest scores (ZPOPMAX).
    Max,
}

impl End {
    /// The keyspace event and the command a pop is propagated as.
    pub fn event(self) -> &'static str {
        match self {
            End::Min => "zpopmin",
            End::Max => "zpopmax",
        }
    }
}

/// How [`generic_zpop`] shapes its reply (Redis's flags of the same names).
#[derive(Clone, Copy, Debug)]
pub struct PopShape {
    /// Prefix the reply with the key popped from (BZPOP*, ZMPOP, BZMPOP).
    pub emit_key: bool,
    /// `[member, score]` pairs instead of a flat list (RESP3 ZPOP* with COUNT, *MPOP).
    pub nested: bool,
    /// Reply a null array instead of an empty array when no key has elements (*MPOP).
    pub nil_when_empty: bool,
}

/// What [`generic_zpop`] did.
#[derive(Clone, Debug)]
pub struct PopOutcome {
    /// The reply to send.
    pub reply: Value,
    /// The key elements were popped from (None when nothing was popped).
    pub key: Option<Vec<u8>>,
    /// The popped elements, in pop order.
    pub popped: Vec<(Vec<u8>, f64)>,
    /// True when the pop emptied (and so deleted) the key.
    pub deleted: bool,
}

/// Pops up to `count` elements (`-1`: a single pop with the plain reply shape) from the
/// first non-empty sorted set among `keys`, as Redis's `genericZpopCommand`: WRONGTYPE on
/// the first existing key of another type; fires `zpopmin`/`zpopmax` (and `del` when the
/// set empties). Propagation is left to the caller (the popped key is in the outcome).
pub fn generic_zpop(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    end: End,
    count: i64,
    shape: PopShape,
) -> Result<PopOutcome> {
    let mut found = None;
    for &k in keys {
        match ctx.read(k) {
            None => continue,
            Some(o) => {
                o.as_zset()?;
                found = Some(k);
                break;
            }
        }
    }
    let none = |reply| PopOutcome {
        reply,
        key: None,
        popped: Vec::new(),
        deleted: false,
    };
    let Some(key) = found else {
        return Ok(none(if shape.nil_when_empty {
            Value::NilArray
        } else {
            Value::Array(vec![])
        }));
    };
    if count == 0 {
        return Ok(none(Value::Array(vec![])));
    }
    let count = if count < 0 { 1 } else { count as u64 };
    let mut popped = Vec::new();
    if let Some(o) = ctx.write(key) {
        let z = o.as_zset_mut()?;
        let n = (z.len() as u64).min(count);
        for _ in 0..n {
            match z.pop(end == End::Max) {
                Some(e) => popped.push(e),
                None => break,
            }
        }
    }
    if !popped.is_empty() {
        ctx.modified(key, notify::ZSET, end.event());
    }
    let deleted = ctx.remove_if_empty(key);

    let elements: Vec<Value> = if shape.nested {
        popped
            .iter()
            .map(|(m, s)| Value::Array(vec![Value::bulk(m), Value::Double(*s)]))
            .collect()
    } else {
        popped
            .iter()
            .flat_map(|(m, s)| [Value::bulk(m), Value::Double(*s)])
            .collect()
    };
    let reply = match (shape.emit_key, shape.nested) {
        (false, _) => Value::Array(elements),
        (true, false) => {
            let mut v = Vec::with_capacity(elements.len() + 1);
            v.push(Value::bulk(key));
            v.extend(elements);
            Value::Array(v)
        }
        (true, true) => Value::Array(vec![Value::bulk(key), Value::Array(elements)]),
    };
    Ok(PopOutcome {
        reply,
        key: Some(key.to_vec()),
        popped,
        deleted,
    })
}

fn zpop_command(ctx: &mut Ctx, argv: &[&[u8]], end: End) -> Result<Value> {
    if argv.len() > 3 {
        return Err(Error::syntax());
    }
    let mut count = -1;
    if let Some(a) = argv.get(2) {
        count = match parse_i64(a) {
            Some(n) if n >= 0 => n,
            _ => {
                return Err(Error::new(
                    ErrorKind::OutOfRange,
                    "ERR value is out of range, must be positive",
                ))
            }
        };
    }
    let shape = PopShape {
        emit_key: false,
        nested: ctx.resp() > 2 && count != -1,
        nil_when_empty: false,
    };
    Ok(generic_zpop(ctx, &argv[1..2], end, count, shape)?.reply)
}

/// # Format
/// `ZPOPMIN key [count]`
pub fn zpopmin(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zpop_command(ctx, argv, End::Min)
}

/// # Format
/// `ZPOPMAX key [count]`
pub fn zpopmax(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    zpop_command(ctx, argv, End::Max)
}

/// A positive count argument, with Redis's `getRangeLongFromObjectOrReply(1, LONG_MAX,
/// msg)` behaviour: the same message for a non-number and for an out-of-range value.
fn positive(a: &[u8], msg: &str) -> Result<i64> {
    match parse_i64(a) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(Error::err(msg)),
    }
}

/// Parsed `numkeys key [key ...] MIN|MAX [COUNT count]` (the tail of ZMPOP and BZMPOP).
#[derive(Clone, Debug)]
pub struct MpopArgs {
    /// Index in argv of the first key.
    pub first_key: usize,
    /// Number of keys.
    pub numkeys: usize,
    /// Which end.
    pub end: End,
    /// COUNT (default 1).
    pub count: i64,
}

/// Parses the ZMPOP arguments starting at `numkeys_idx` (1 for ZMPOP, 2 for BZMPOP).
pub fn parse_mpop(argv: &[&[u8]], numkeys_idx: usize) -> Result<MpopArgs> {
    let numkeys = positive(argv[numkeys_idx], "numkeys should be greater than 0")?;
    let where_idx = (numkeys as u64)
        .checked_add(numkeys_idx as u64 + 1)
        .filter(|&w| w < argv.len() as u64)
        .ok_or_else(Error::syntax)? as usize;
    let end = if eq_ic(argv[where_idx], "min") {
        End::Min
    } else if eq_ic(argv[where_idx], "max") {
        End::Max
    } else {
        return Err(Error::syntax());
    };
    let mut count = -1;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if count == -1 && eq_ic(argv[j], "count") && more > 0 {
            j += 1;
            count = positive(argv[j], "count should be greater than 0")?;
        } else {
            return Err(Error::syntax());
        }
        j += 1;
    }
    Ok(MpopArgs {
        first_key: numkeys_idx + 1,
        numkeys: numkeys as usize,
        end,
        count: if count == -1 { 1 } else { count },
    })
}

/// # Format
/// `ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]`
///
/// Propagated as `ZPOPMIN|ZPOPMAX key count`, as Redis does.
pub fn zmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let a = parse_mpop(argv, 1)?;
    let keys = &argv[a.first_key..a.first_key + a.numkeys];
    let shape = PopShape {
        emit_key: true,
        nested: true,
        nil_when_empty: true,
    };
    let out = generic_zpop(ctx, keys, a.end, a.count, shape)?;
    if let Some(key) = &out.key {
        let name = match a.end {
            End::Min => "ZPOPMIN",
            End::Max => "ZPOPMAX",
        };
        ctx.propagate(vec![
            name.as_bytes().to_vec(),
            key.clone(),
            a.count.to_string().into_bytes(),
        ]);
    }
    Ok(out.reply)
}

/// Key positions of ZMPOP: `numkeys` at 1, keys from 2.
pub fn zmpop_keys(argv: &[&[u8]]) -> Vec<usize> {
    numkeys_keys(argv, 1)
}

/// Keys `numkeys_idx + 1 ..` counted by the integer at `numkeys_idx` (empty when invalid).
pub(crate) fn numkeys_keys(argv: &[&[u8]], numkeys_idx: usize) -> Vec<usize> {
    let Some(n) = argv.get(numkeys_idx).and_then(|a| parse_i64(a)) else {
        return Vec::new();
    };
    let first = numkeys_idx + 1;
    if n < 1 || n as u64 > argv.len().saturating_sub(first) as u64 {
        return Vec::new();
    }
    (first..first + n as usize).collect()
}

//! ZPOPMIN, ZPOPMAX, ZMPOP, and [`generic_zpop`], the shared pop routine (Redis
//! `genericZpopCommand`) the blocking variants (BZPOPMIN, BZPOPMAX, BZMPOP) reuse.

use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::keyspace::notify;
use crate::util::{args::int_in, parse_i64};
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
    let count = match argv.get(2) {
        Some(a) => int_in(a, 0, i64::MAX, "value is out of range, must be positive")?,
        None => -1,
    };
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

/// The end keywords of ZMPOP/BZMPOP, for [`crate::util::args::mpop`].
pub const MPOP_ENDS: &[(&str, End)] = &[("min", End::Min), ("max", End::Max)];

/// # Format
/// `ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]`
///
/// Propagated as `ZPOPMIN|ZPOPMAX key n` with `n` the number popped, as Redis does.
pub fn zmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let a = crate::util::args::mpop(argv, 1, MPOP_ENDS)?;
    let keys = &argv[a.keys];
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
        ctx.propagate_with(|| {
            vec![
                name.as_bytes().to_vec(),
                key.clone(),
                out.popped.len().to_string().into_bytes(),
            ]
        });
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

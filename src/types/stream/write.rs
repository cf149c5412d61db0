//! XADD, XDEL, XTRIM, XSETID.

use super::id::{self, invalid_id, Parsed, StreamId};
use super::{NodeLimits, Stream, Trim};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// The stream under `key` for reading: None when absent, WRONGTYPE for another type.
pub(crate) fn read_stream<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c Stream>> {
    match ctx.read(key) {
        None => Ok(None),
        Some(o) => o.as_stream().map(|b| Some(&**b)),
    }
}

/// The stream under `key` for writing: None when absent, WRONGTYPE for another type.
pub(crate) fn write_stream<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Stream>> {
    match ctx.write(key) {
        None => Ok(None),
        Some(o) => o.as_stream_mut().map(|b| Some(&mut **b)),
    }
}

/// Parsed XADD/XTRIM options (Redis `streamAddTrimArgs`).
#[derive(Debug, Default)]
pub(crate) struct AddTrimArgs {
    pub trim: Option<Trim>,
    pub approx: bool,
    pub limit: u64,
    pub nomkstream: bool,
    /// XADD's ID: None for `*`.
    pub id: Option<Parsed>,
    /// Where the trim threshold is in the arguments (0: no trim).
    pub trim_arg: usize,
}

fn ll_arg(a: &[u8]) -> Result<i64> {
    parse_i64(a).ok_or_else(Error::not_integer)
}

/// Redis `streamParseAddOrTrimArgsOrReply`: returns the args and the position of XADD's ID.
/// With `obey` (replay, the master's link: Redis `mustObeyClient`) LIMIT is accepted after
/// an exact trim, as a propagated approximate trim has it (`~` rewritten to `=`).
pub(crate) fn parse_add_trim(
    argv: &[&[u8]],
    xadd: bool,
    node_entries: i64,
    obey: bool,
) -> Result<(AddTrimArgs, usize)> {
    let mut a = AddTrimArgs::default();
    let mut limit_given = false;
    let mut limit: i64 = 0;
    let mut i = 2;
    while i < argv.len() {
        let moreargs = argv.len() - 1 - i;
        let opt = argv[i];
        if xadd && opt == b"*" {
            break;
        } else if (eq_ic(opt, "maxlen") || eq_ic(opt, "minid")) && moreargs > 0 {
            if a.trim.is_some() {
                return Err(Error::err(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            let maxlen = eq_ic(opt, "maxlen");
            a.approx = false;
            let next = argv[i + 1];
            if moreargs >= 2 && next == b"~" {
                a.approx = true;
                i += 1;
            } else if moreargs >= 2 && next == b"=" {
                i += 1;
            }
            let v = argv[i + 1];
            a.trim_arg = i + 1;
            a.trim = Some(if maxlen {
                let n = ll_arg(v)?;
                if n < 0 {
                    return Err(Error::err("The MAXLEN argument must be >= 0."));
                }
                Trim::MaxLen(n as u64)
            } else {
                Trim::MinId(id::parse_strict(v, 0)?)
            });
            i += 1;
        } else if eq_ic(opt, "limit") && moreargs > 0 {
            limit = ll_arg(argv[i + 1])?;
            if limit < 0 {
                return Err(Error::err("The LIMIT argument must be >= 0."));
            }
            limit_given = true;
            i += 1;
        } else if xadd && eq_ic(opt, "nomkstream") {
            a.nomkstream = true;
        } else if xadd {
            a.id = Some(id::parse(opt, 0, true, true).ok_or_else(invalid_id)?);
            break;
        } else {
            return Err(Error::syntax());
        }
        i += 1;
    }
    if limit != 0 && a.trim.is_none() {
        return Err(Error::err(
            "syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.trim.is_none() {
        return Err(Error::err(
            "syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit_given && !a.approx && obey {
        // An exact trim: its LIMIT does not apply.
    } else if limit_given {
        if !a.approx {
            return Err(Error::err(
                "syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
        a.limit = limit as u64;
    } else if a.approx {
        let l = 100i64.saturating_mul(node_entries);
        a.limit = if l <= 0 || l > (1 << 30) {
            10000
        } else {
            l as u64
        };
    }
    Ok((a, i))
}

/// Applies the trim of `a` (Redis `streamTrim`): the entries removed and, for an
/// approximate trim, the threshold it is propagated with (Redis
/// `streamRewriteTrimArgument`: the length after it for MAXLEN, for MINID the first ID in
/// the nodes, a deleted one included, or the largest ID once empty),
/// with which an exact trim replays to the same entries.
fn apply_trim(ctx: &mut Ctx, key: &[u8], a: &AddTrimArgs) -> Result<(u64, Option<Vec<u8>>)> {
    let Some(how) = a.trim else {
        return Ok((0, None));
    };
    let Some(s) = write_stream(ctx, key)? else {
        return Ok((0, None));
    };
    let removed = s.trim(how, a.approx, a.limit);
    let threshold = a.approx.then(|| match how {
        Trim::MaxLen(_) => s.len().to_string().into_bytes(),
        Trim::MinId(_) => s.first_id_with_tombstones().to_bytes(),
    });
    Ok((removed, threshold))
}

/// The request as Redis 7.0 propagates XADD / XTRIM: the arguments as given, an
/// approximate trim (`~`) rewritten as the exact one it amounted to (`=` and
/// `threshold`), and XADD's ID (when it was `*` or `ms-*`) as the ID added.
fn as_propagated(
    argv: &[&[u8]],
    a: &AddTrimArgs,
    threshold: Option<Vec<u8>>,
    id: Option<(usize, &[u8])>,
) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = argv.iter().map(|x| x.to_vec()).collect();
    if let Some(t) = threshold {
        v[a.trim_arg - 1] = b"=".to_vec();
        v[a.trim_arg] = t;
    }
    if let Some((pos, id)) = id {
        v[pos] = id.to_vec();
    }
    v
}

/// # Format
/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
/// [field value ...]`
///
/// Logged as Redis 7.0 propagates it: the request with the ID added (for `*` / `ms-*`)
/// and an approximate trim made exact (see `as_propagated`).
pub fn xadd(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let node_entries = ctx.config().stream_node_max_entries;
    let (a, idpos) = parse_add_trim(argv, true, node_entries, ctx.must_obey())?;
    let field_pos = idpos + 1;
    let nargs = argv.len().saturating_sub(field_pos);
    if nargs < 2 || nargs % 2 == 1 {
        return Err(Error::arity("xadd"));
    }
    if a.id == Some(Parsed::Id(StreamId::ZERO)) {
        return Err(Error::err(
            "The ID specified in XADD must be greater than 0-0",
        ));
    }
    let key = argv[1];
    let last = match read_stream(ctx, key)? {
        Some(s) => s.last_id,
        None if a.nomkstream => return Ok(Value::Nil),
        None => StreamId::ZERO,
    };
    if last == StreamId::MAX {
        return Err(Error::err(
            "The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let smaller = || {
        Error::err("The ID specified in XADD is equal or smaller than the target stream top item")
    };
    let new_id = match a.id {
        Some(Parsed::Id(id)) => id,
        Some(Parsed::Partial(ms)) => {
            if ms == last.ms {
                if last.seq == u64::MAX {
                    return Err(smaller());
                }
                StreamId::new(ms, last.seq + 1)
            } else {
                StreamId::new(ms, 0)
            }
        }
        None => {
            let now = ctx.now;
            if now > last.ms {
                StreamId::new(now, 0)
            } else {
                last.incr().ok_or_else(smaller)?
            }
        }
    };
    if new_id <= last {
        return Err(smaller());
    }
    if !ctx.exists(key) {
        ctx.insert(key, Object::Stream(Box::default()));
    }
    let lim = NodeLimits::of(ctx.config());
    let pairs = &argv[field_pos..];
    match write_stream(ctx, key)? {
        Some(s) => s.append(new_id, pairs, lim),
        None => return Err(Error::err("internal error: stream vanished")),
    }
    ctx.modified(key, notify::STREAM, "xadd");
    let id = new_id.to_bytes();
    let (removed, threshold) = apply_trim(ctx, key, &a)?;
    if ctx.propagating() {
        let given = matches!(a.id, Some(Parsed::Id(_)));
        let rewrite_id = (!given).then_some((idpos, id.as_slice()));
        ctx.propagate(as_propagated(argv, &a, threshold, rewrite_id));
    }
    if removed > 0 {
        ctx.notify(notify::STREAM, "xtrim", key);
    }
    Ok(Value::Bulk(id))
}

/// # Format
/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`
///
/// Logged (when it removed entries) as Redis 7.0 propagates it: the request, an
/// approximate trim made exact (see `as_propagated`).
pub fn xtrim(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    if read_stream(ctx, key)?.is_none() {
        return Ok(Value::Int(0));
    }
    let node_entries = ctx.config().stream_node_max_entries;
    let (a, i) = parse_add_trim(argv, false, node_entries, ctx.must_obey())?;
    if i < argv.len() {
        return Err(Error::syntax());
    }
    let (removed, threshold) = apply_trim(ctx, key, &a)?;
    if removed > 0 {
        ctx.modified(key, notify::STREAM, "xtrim");
        if ctx.propagating() {
            ctx.propagate(as_propagated(argv, &a, threshold, None));
        }
    } else {
        ctx.propagate_nothing();
    }
    Ok(Value::Int(removed as i64))
}

/// # Format
/// `XDEL key id [id ...]`
pub fn xdel(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    if read_stream(ctx, key)?.is_none() {
        return Ok(Value::Int(0));
    }
    let ids = argv[2..]
        .iter()
        .map(|a| id::parse_strict(a, 0))
        .collect::<Result<Vec<_>>>()?;
    let Some(s) = write_stream(ctx, key)? else {
        return Ok(Value::Int(0));
    };
    let deleted = ids.iter().filter(|id| s.delete(**id)).count();
    if deleted > 0 {
        ctx.modified(key, notify::STREAM, "xdel");
    }
    Ok(Value::Int(deleted as i64))
}

/// # Format
/// `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]`
pub fn xsetid(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let id = id::parse_strict(argv[2], 0)?;
    let mut entries_added: Option<u64> = None;
    let mut max_xdel: Option<StreamId> = None;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if eq_ic(argv[i], "entriesadded") && more > 0 {
            let v = ll_arg(argv[i + 1])?;
            if v < 0 {
                return Err(Error::err("entries_added must be positive"));
            }
            entries_added = Some(v as u64);
            i += 2;
        } else if eq_ic(argv[i], "maxdeletedid") && more > 0 {
            let m = id::parse_strict(argv[i + 1], 0)?;
            if id < m {
                return Err(Error::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            max_xdel = Some(m);
            i += 2;
        } else {
            return Err(Error::syntax());
        }
    }
    let Some(s) = write_stream(ctx, key)? else {
        return Err(Error::no_such_key());
    };
    if !s.is_empty() {
        let max_id = s.edge(true).unwrap_or(StreamId::ZERO);
        if id < max_id {
            return Err(Error::err(
                "The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if let Some(n) = entries_added {
            if n < s.len() {
                return Err(Error::err(
                    "The entries_added specified in XSETID is smaller than the target stream length",
                ));
            }
        }
    }
    s.last_id = id;
    if let Some(n) = entries_added {
        s.entries_added = n;
    }
    if let Some(m) = max_xdel.filter(|m| *m != StreamId::ZERO) {
        s.max_deleted_id = m;
    }
    ctx.modified(key, notify::STREAM, "xsetid");
    Ok(Value::ok())
}

//! XLEN, XRANGE, XREVRANGE, XREAD.

use super::id::{self, StreamId};
use super::write::read_stream;
use super::Entry;
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::util::{eq_ic, parse_i64};
use crate::value::Value;

/// One entry as a reply: `[id, [field, value, …]]`.
pub fn entry_reply(id: StreamId, pairs: Vec<Vec<u8>>) -> Value {
    Value::Array(vec![
        Value::Bulk(id.to_bytes()),
        Value::Array(pairs.into_iter().map(Value::Bulk).collect()),
    ])
}

/// Entries as a reply array.
pub fn entries_reply(entries: Vec<Entry>) -> Value {
    Value::Array(
        entries
            .into_iter()
            .map(|(id, p)| entry_reply(id, p))
            .collect(),
    )
}

/// # Format
/// `XLEN key`
pub fn xlen(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let n = read_stream(ctx, argv[1])?.map_or(0, |s| s.len());
    Ok(Value::Int(n as i64))
}

/// XRANGE/XREVRANGE (Redis `xrangeGenericCommand`).
fn range_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) -> Result<Value> {
    let (start_arg, end_arg) = if rev {
        (argv[3], argv[2])
    } else {
        (argv[2], argv[3])
    };
    let (mut start, startex) = id::parse_interval(start_arg, 0)?;
    if startex {
        start = start
            .incr()
            .ok_or_else(|| Error::err("invalid start ID for the interval"))?;
    }
    let (mut end, endex) = id::parse_interval(end_arg, u64::MAX)?;
    if endex {
        end = end
            .decr()
            .ok_or_else(|| Error::err("invalid end ID for the interval"))?;
    }
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if eq_ic(argv[j], "count") && j + 1 < argv.len() {
            count = parse_i64(argv[j + 1]).ok_or_else(Error::not_integer)?;
            if count < 0 {
                count = 0;
            }
            j += 2;
        } else {
            return Err(Error::syntax());
        }
    }
    let Some(s) = read_stream(ctx, argv[1])? else {
        return Ok(Value::Array(Vec::new()));
    };
    if count == 0 {
        return Ok(Value::NilArray);
    }
    let count = if count < 0 { 0 } else { count as usize };
    Ok(entries_reply(s.range(start, end, count, rev)))
}

/// # Format
/// `XRANGE key start end [COUNT count]`
pub fn xrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    range_generic(ctx, argv, false)
}

/// # Format
/// `XREVRANGE key end start [COUNT count]`
pub fn xrevrange(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    range_generic(ctx, argv, true)
}

/// Parsed XREAD/XREADGROUP arguments.
pub(crate) struct ReadArgs<'a> {
    pub count: usize,
    pub block: Option<u64>,
    pub group: Option<(&'a [u8], &'a [u8])>,
    pub noack: bool,
    pub keys: Vec<&'a [u8]>,
    pub ids: Vec<&'a [u8]>,
}

/// Redis `xreadCommand`'s option parsing; `in_script`: called from a script, where BLOCK
/// is refused (Redis checks `CLIENT_SCRIPT` as it meets the option).
pub(crate) fn parse_read<'a>(
    argv: &[&'a [u8]],
    xreadgroup: bool,
    in_script: bool,
) -> Result<ReadArgs<'a>> {
    let mut a = ReadArgs {
        count: 0,
        block: None,
        group: None,
        noack: false,
        keys: Vec::new(),
        ids: Vec::new(),
    };
    let mut streams_arg = 0;
    let mut i = 1;
    while i < argv.len() {
        let moreargs = argv.len() - i - 1;
        let o = argv[i];
        if eq_ic(o, "block") && moreargs > 0 {
            if in_script {
                return Err(Error::err(format!(
                    "{} command is not allowed with BLOCK option from scripts",
                    String::from_utf8_lossy(argv[0])
                )));
            }
            i += 1;
            let t = parse_i64(argv[i])
                .ok_or_else(|| Error::err("timeout is not an integer or out of range"))?;
            if t < 0 {
                return Err(Error::err("timeout is negative"));
            }
            a.block = Some(t as u64);
        } else if eq_ic(o, "count") && moreargs > 0 {
            i += 1;
            let c = parse_i64(argv[i]).ok_or_else(Error::not_integer)?;
            a.count = c.max(0) as usize;
        } else if eq_ic(o, "streams") && moreargs > 0 {
            streams_arg = i + 1;
            let n = argv.len() - streams_arg;
            if n % 2 != 0 {
                // Redis 7.0 words it the same for XREADGROUP.
                return Err(Error::err(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            a.keys = argv[streams_arg..streams_arg + n / 2].to_vec();
            a.ids = argv[streams_arg + n / 2..].to_vec();
            break;
        } else if eq_ic(o, "group") && moreargs >= 2 {
            if !xreadgroup {
                return Err(Error::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            a.group = Some((argv[i + 1], argv[i + 2]));
            i += 2;
        } else if eq_ic(o, "noack") {
            if !xreadgroup {
                return Err(Error::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            a.noack = true;
        } else {
            return Err(Error::syntax());
        }
        i += 1;
    }
    if streams_arg == 0 {
        return Err(Error::syntax());
    }
    if xreadgroup && a.group.is_none() {
        return Err(Error::err("Missing GROUP option for XREADGROUP"));
    }
    Ok(a)
}

/// Wraps per-stream results: RESP2 an array of `[key, entries]`, RESP3 a map.
pub(crate) fn streams_reply(resp: u8, items: Vec<(Vec<u8>, Value)>) -> Value {
    if items.is_empty() {
        return Value::NilArray;
    }
    if resp >= 3 {
        Value::Map(
            items
                .into_iter()
                .map(|(k, v)| (Value::Bulk(k), v))
                .collect(),
        )
    } else {
        Value::Array(
            items
                .into_iter()
                .map(|(k, v)| Value::Array(vec![Value::Bulk(k), v]))
                .collect(),
        )
    }
}

/// What a blocking read asks for when it found nothing to serve (the blocking room turns
/// it into a block request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockPlan {
    /// Keys to wait on.
    pub keys: Vec<Vec<u8>>,
    /// BLOCK milliseconds (0 = forever).
    pub ms: u64,
    /// The command to re-run on a wakeup (XREAD's `$` replaced by the concrete IDs).
    pub rerun: Vec<Vec<u8>>,
    /// Re-run also when a key is deleted (XREADGROUP).
    pub wake_on_delete: bool,
}

/// The stream under `k`; on a wakeup a key that now holds another type is not an error but
/// no stream: the client stays blocked (Redis serves XREAD waiters only from a stream; its
/// IDs were resolved when it blocked).
fn lookup<'c>(ctx: &'c mut Ctx, k: &[u8], wakeup: bool) -> Result<Option<&'c super::Stream>> {
    match read_stream(ctx, k) {
        Err(_) if wakeup => Ok(None),
        r => r,
    }
}

/// XREAD (Redis `xreadCommand` without GROUP): the reply, and the block plan when nothing
/// was served and BLOCK was given. With `only` (a wakeup) just that key is considered.
///
/// # Format
/// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`
pub fn xread_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    only: Option<&[u8]>,
) -> Result<(Value, Option<BlockPlan>)> {
    let a = parse_read(argv, false, ctx.store.busy.running())?;
    let wakeup = only.is_some();
    let mut ids = Vec::with_capacity(a.ids.len());
    for (k, raw) in a.keys.iter().zip(&a.ids) {
        let s = lookup(ctx, k, wakeup)?;
        if *raw == b"$" {
            ids.push(s.map_or(StreamId::ZERO, |s| s.last_id));
        } else if *raw == b">" {
            return Err(Error::err(
                "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
            ));
        } else {
            ids.push(id::parse_strict(raw, 0)?);
        }
    }
    let mut out = Vec::new();
    for (k, gt) in a.keys.iter().zip(&ids) {
        if only.is_some_and(|o| o != *k) {
            continue;
        }
        let Some(s) = lookup(ctx, k, wakeup)? else {
            continue;
        };
        if s.is_empty() {
            continue;
        }
        let maxid = s.edge(true).unwrap_or(StreamId::ZERO);
        if maxid <= *gt {
            continue;
        }
        let Some(start) = gt.incr() else { continue };
        out.push((
            k.to_vec(),
            entries_reply(s.range(start, StreamId::MAX, a.count, false)),
        ));
    }
    let plan = match a.block {
        Some(ms) if out.is_empty() => {
            // Re-run with the IDs resolved now (`$` means "after what exists now").
            let n = a.keys.len();
            let mut rerun: Vec<Vec<u8>> =
                argv[..argv.len() - n].iter().map(|x| x.to_vec()).collect();
            rerun.extend(ids.iter().map(|id| id.to_bytes()));
            Some(BlockPlan {
                keys: a.keys.iter().map(|k| k.to_vec()).collect(),
                ms,
                rerun,
                wake_on_delete: false,
            })
        }
        _ => None,
    };
    Ok((streams_reply(ctx.resp(), out), plan))
}

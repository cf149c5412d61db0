//! SORT and SORT_RO (Redis 7.0 `sort.c`): sorting the elements of a list, set or sorted set
//! numerically or as strings (ALPHA), by the element itself, by weights looked up through a
//! `BY` pattern (`weight_*`, `h_*->field`) or not at all (`BY nosort`, or any pattern without
//! `*`), with `LIMIT`, `GET` patterns and `STORE` (SORT only) into a list.
//!
//! Semantics follow `sortCommandGeneric` step by step:
//!
//! - numeric scores are read as `strtod` reads them (leading white space, hex floats; an
//!   empty string is 0); a value that does not convert in full, NaN or out of range gives
//!   `One or more scores can't be converted into double`. Equal scores fall back to the
//!   elements' byte order (`compareStringObjects`), so numeric results are total orders.
//! - ALPHA compares bytes when storing and with `strcoll` otherwise; emu collates as the C
//!   locale does (byte order up to the first NUL byte), which is what Redis does under the
//!   `C`/`C.UTF-8` locales. With a BY pattern, elements whose weight is missing sort first
//!   and equal weights keep the input order (Redis's qsort is glibc's stable merge sort).
//! - `BY` without `*` means no sorting: lists and sorted sets keep their order (DESC walks
//!   it backwards, LIMIT picks from that walk); a set is returned in iteration order, except
//!   with STORE or when a script or function calls SORT, where it is sorted ALPHA so the
//!   stored list or the script's result is deterministic.
//! - `GET #` is the element, `GET p*` a string key, `GET h*->f` a hash field; a missing key,
//!   a wrong type or a missing field is a nil (an empty string in a STORE).
//! - a sorted set is converted to the skiplist encoding for good (OBJECT ENCODING shows it),
//!   as Redis's `zsetConvert` does before sorting; nothing is signalled or logged for that.
//! - STORE writes a list (clearing any TTL) and fires `sortstore`, or deletes the
//!   destination when the result is empty; it replies with the number of stored elements.
//!   The log gets the effect (`DEL` + `RPUSH`), not the request, so replay never depends on
//!   a set's iteration order.
//!
//! # Known differences from Redis
//!
//! - Ties under `ALPHA BY` with LIMIT: Redis sorts with a partial quicksort (`pqsort`) whose
//!   order of equal weights is its own; emu keeps the input order. A set's or sorted set's
//!   input order is Redis's hash table order, which emu does not reproduce either.
//! - Redis 7.0 does not clear `errno` before `strtod`, so once some weight was out of range
//!   a later numeric SORT in the same process may fail with the conversion error although
//!   its own weights are fine; emu judges every call by its own weights.
//!
//! BY and GET patterns are refused as Redis 7.0 refuses them, while parsing: in cluster mode,
//! and for users without read access to every key.

use std::cmp::Ordering;

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object};
use crate::types::list::{End, List};
use crate::util::{arg_i64, eq_ic, parse_f64};
use crate::value::Value;

/// The parsed options of one SORT call.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit: Option<(i64, i64)>,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

/// Whether BY and GET may name key patterns: not in cluster mode (the keys they read may
/// live on other nodes), and only for a user who may read every key (Redis checks both
/// while parsing, option by option).
#[derive(Clone, Copy)]
struct Patterns {
    cluster: bool,
    all_keys: bool,
}

impl Patterns {
    fn of(ctx: &Ctx, argv: &[&[u8]]) -> Patterns {
        let all_keys = match ctx.session.last_command {
            Some(spec) => {
                crate::engine::unrestricted_key_access(ctx.store, ctx.session, spec, argv)
            }
            None => true,
        };
        Patterns {
            cluster: ctx.config().cluster_enabled,
            all_keys,
        }
    }

    fn allow(self, option: &str) -> Result<()> {
        if self.cluster {
            return Err(Error::err(format!(
                "{option} option of SORT denied in Cluster mode."
            )));
        }
        if !self.all_keys {
            return Err(Error::err(format!(
                "{option} option of SORT denied due to insufficient ACL permissions."
            )));
        }
        Ok(())
    }
}

/// Parses the options from `argv[2]` on (Redis's loop: the last ASC/DESC, LIMIT, STORE and BY
/// win; SORT_RO does not know STORE, so it is a syntax error there).
fn parse_options<'a>(argv: &[&'a [u8]], readonly: bool, patterns: Patterns) -> Result<Options<'a>> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit: None,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv[j];
        if eq_ic(a, "asc") {
            o.desc = false;
        } else if eq_ic(a, "desc") {
            o.desc = true;
        } else if eq_ic(a, "alpha") {
            o.alpha = true;
        } else if eq_ic(a, "limit") && left >= 2 {
            let start = arg_i64(argv[j + 1])?;
            let count = arg_i64(argv[j + 2])?;
            o.limit = Some((start, count));
            j += 2;
        } else if !readonly && eq_ic(a, "store") && left >= 1 {
            o.store = Some(argv[j + 1]);
            j += 1;
        } else if eq_ic(a, "by") && left >= 1 {
            let p = argv[j + 1];
            o.by = Some(p);
            // A constant pattern (no `*` before the first NUL, as strchr sees it) means
            // "do not sort" — for good: a later BY with a `*` does not undo it in Redis.
            if !c_str(p).contains(&b'*') {
                o.dontsort = true;
            } else {
                patterns.allow("BY")?;
            }
            j += 1;
        } else if eq_ic(a, "get") && left >= 1 {
            patterns.allow("GET")?;
            o.gets.push(argv[j + 1]);
            j += 1;
        } else {
            return Err(Error::syntax());
        }
        j += 1;
    }
    Ok(o)
}

/// The bytes a C string function sees: up to the first NUL.
fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// The value a BY or GET pattern names for `subst` (Redis `lookupKeyByPattern`): `#` is
/// `subst` itself; otherwise the first `*` is replaced by `subst` and the key read as a
/// string, or, with `->field` after the `*`, as a hash field. None when there is no `*`, the
/// key is missing or of another type, or the field is missing.
fn lookup_by_pattern(ctx: &mut Ctx, pattern: &[u8], subst: &[u8]) -> Option<Vec<u8>> {
    if c_str(pattern) == b"#" {
        return Some(subst.to_vec());
    }
    let cpat = c_str(pattern);
    let star = cpat.iter().position(|&c| c == b'*')?;
    let field = cpat[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < cpat.len());
    let key_end = match field {
        Some(f) => f,
        None => pattern.len(),
    };
    let mut key = Vec::with_capacity(key_end + subst.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(subst);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    match (ctx.read(&key)?, field) {
        (Object::Hash(h), Some(f)) => h.get(&pattern[f + 2..]).map(<[u8]>::to_vec),
        (Object::Str(s), None) => Some(s.to_vec()),
        _ => None,
    }
}

/// A numeric weight as Redis reads it with `strtod` (the text up to the first NUL; leading
/// white space allowed; an empty text is 0; no partial conversion, NaN or range error).
pub fn sort_score(b: &[u8]) -> Option<f64> {
    let s = c_str(b);
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s
        .iter()
        .position(|&c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    parse_f64(&s[start..])
}

/// Redis's LIMIT clamping: the inclusive output range `start..=end` over `len` elements
/// (empty when `end < start`).
fn limit_range(limit: Option<(i64, i64)>, len: usize) -> (i64, i64) {
    let len = len as i64;
    let (lstart, lcount) = limit.unwrap_or((0, -1));
    let mut start = lstart.max(0).min(len);
    let count = lcount.max(-1).min(len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    (start, end)
}

/// The element order of a sort (`sortCompare` without the DESC inversion).
fn alpha_cmp(a: &[u8], b: &[u8], store: bool) -> Ordering {
    if store {
        a.cmp(b)
    } else {
        c_str(a).cmp(c_str(b))
    }
}

/// # Format
/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]`
fn sort_command(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sort_generic(ctx, argv, false)
}

/// # Format
/// `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]`
fn sort_ro_command(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    sort_generic(ctx, argv, true)
}

/// Where the elements came from: decides how "no sorting" orders them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    List,
    Set,
    ZSet,
}

/// SORT and SORT_RO (Redis `sortCommandGeneric`).
fn sort_generic(ctx: &mut Ctx, argv: &[&[u8]], readonly: bool) -> Result<Value> {
    let patterns = Patterns::of(ctx, argv);
    let mut o = parse_options(argv, readonly, patterns)?;
    // Redis converts a listpack sorted set to a skiplist before sorting it (for good: OBJECT
    // ENCODING shows it). Not a logical change: nothing is signalled or logged.
    if let Some(Object::ZSet(z)) = ctx.write(argv[1]) {
        z.convert_to_skiplist();
    }
    let (source, mut elements): (Source, Vec<Vec<u8>>) = match ctx.read(argv[1]) {
        None => (Source::List, Vec::new()),
        Some(Object::List(l)) => (Source::List, l.iter().map(<[u8]>::to_vec).collect()),
        Some(Object::Set(s)) => (Source::Set, s.iter().map(|m| m.to_vec()).collect()),
        Some(Object::ZSet(z)) => (Source::ZSet, z.iter().map(|(m, _)| m.to_vec()).collect()),
        Some(_) => return Err(Error::wrong_type()),
    };
    // A stored set, or one a script gets, must not depend on iteration order: sort it
    // ALPHA instead (Redis's `storekey || c->flags & CLIENT_SCRIPT`).
    if o.dontsort && source == Source::Set && (o.store.is_some() || ctx.store.busy.running()) {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    let (start, end) = limit_range(o.limit, elements.len());
    if o.dontsort {
        if o.desc && source != Source::Set {
            elements.reverse();
        }
    } else {
        sort_elements(ctx, &o, &mut elements)?;
    }
    let picked: &[Vec<u8>] = if end >= start {
        &elements[start as usize..=end as usize]
    } else {
        &[]
    };
    match o.store {
        None => {
            let mut out = Vec::with_capacity(picked.len() * o.gets.len().max(1));
            for e in picked {
                if o.gets.is_empty() {
                    out.push(Value::Bulk(e.clone()));
                }
                for g in &o.gets {
                    out.push(match lookup_by_pattern(ctx, g, e) {
                        Some(v) => Value::Bulk(v),
                        None => Value::Nil,
                    });
                }
            }
            Ok(Value::Array(out))
        }
        Some(dst) => {
            let mut list = List::default();
            for e in picked {
                if o.gets.is_empty() {
                    list.push(End::Tail, e);
                }
                for g in &o.gets {
                    let v = lookup_by_pattern(ctx, g, e).unwrap_or_default();
                    list.push(End::Tail, &v);
                }
            }
            let n = list.len();
            if n > 0 {
                let mut rpush = Vec::with_capacity(n + 2);
                rpush.push(b"RPUSH".to_vec());
                rpush.push(dst.to_vec());
                rpush.extend(list.iter().map(<[u8]>::to_vec));
                ctx.insert(dst, Object::List(Box::new(list)));
                ctx.modified(dst, notify::LIST, "sortstore");
                ctx.propagate_with(|| vec![b"DEL".to_vec(), dst.to_vec()]);
                ctx.propagate(rpush);
            } else if ctx.remove(dst).is_some() {
                ctx.modified(dst, notify::GENERIC, "del");
                ctx.propagate_with(|| vec![b"DEL".to_vec(), dst.to_vec()]);
            }
            Ok(Value::Int(n as i64))
        }
    }
}

/// Sorts `elements` by the options' key: numeric by score (ties by bytes), or ALPHA by the
/// element or its BY weight. Stable, so ties Redis leaves at 0 keep the input order.
fn sort_elements(ctx: &mut Ctx, o: &Options, elements: &mut Vec<Vec<u8>>) -> Result<()> {
    let store = o.store.is_some();
    let desc = |c: Ordering| if o.desc { c.reverse() } else { c };
    if o.alpha {
        match o.by {
            None => elements.sort_by(|a, b| desc(alpha_cmp(a, b, store))),
            Some(by) => {
                let mut keyed: Vec<(Option<Vec<u8>>, Vec<u8>)> = Vec::with_capacity(elements.len());
                for e in elements.drain(..) {
                    keyed.push((lookup_by_pattern(ctx, by, &e), e));
                }
                keyed.sort_by(|(a, _), (b, _)| {
                    desc(match (a, b) {
                        (None, None) => Ordering::Equal,
                        (None, Some(_)) => Ordering::Less,
                        (Some(_), None) => Ordering::Greater,
                        (Some(a), Some(b)) => alpha_cmp(a, b, store),
                    })
                });
                elements.extend(keyed.into_iter().map(|(_, e)| e));
            }
        }
        return Ok(());
    }
    let mut keyed: Vec<(f64, Vec<u8>)> = Vec::with_capacity(elements.len());
    let mut bad = false;
    for e in elements.drain(..) {
        let w = match o.by {
            None => sort_score(&e),
            // A missing weight key counts as 0.
            Some(by) => lookup_by_pattern(ctx, by, &e).map_or(Some(0.0), |v| sort_score(&v)),
        };
        match w {
            Some(w) => keyed.push((w, e)),
            None => {
                bad = true;
                break;
            }
        }
    }
    if bad {
        return Err(Error::err(
            "One or more scores can't be converted into double",
        ));
    }
    keyed.sort_by(|(sa, a), (sb, b)| {
        desc(
            sa.partial_cmp(sb)
                .unwrap_or(Ordering::Equal)
                .then_with(|| a.cmp(b)),
        )
    });
    elements.extend(keyed.into_iter().map(|(_, e)| e));
    Ok(())
}

/// Key positions of SORT (Redis `sortGetKeys`): the sorted key, and the last STORE's
/// destination; LIMIT, GET and BY skip their arguments.
pub fn sort_keys(argv: &[&[u8]]) -> Vec<usize> {
    let mut keys = vec![1];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        if eq_ic(a, "limit") {
            i += 2;
        } else if eq_ic(a, "get") || eq_ic(a, "by") {
            i += 1;
        } else if eq_ic(a, "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store);
    keys
}

/// Key positions of SORT_RO: the sorted key. Redis marks it `movablekeys` too (its BY/GET
/// key spec is "unknown"), and so does a key finder here.
pub fn sort_ro_keys(_argv: &[&[u8]]) -> Vec<usize> {
    vec![1]
}

/// SORT and SORT_RO.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "sort",
        -2,
        WRITE | DENYOOM,
        (1, 1, 1),
        "generic",
        sort_command,
    )
    .with_keys(sort_keys),
    CommandSpec::new(
        "sort_ro",
        -2,
        READONLY,
        (1, 1, 1),
        "generic",
        sort_ro_command,
    )
    .with_keys(sort_ro_keys),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_read_like_strtod() {
        assert_eq!(sort_score(b""), Some(0.0));
        assert_eq!(sort_score(b"  12"), Some(12.0));
        assert_eq!(sort_score(b"0x10"), Some(16.0));
        assert_eq!(sort_score(b"1.5\0junk"), Some(1.5));
        assert_eq!(sort_score(b"   "), None);
        assert_eq!(sort_score(b"12 "), None);
        assert_eq!(sort_score(b"nan"), None);
        assert_eq!(sort_score(b"1e400"), None);
        assert_eq!(sort_score(b"-inf"), Some(f64::NEG_INFINITY));
    }

    #[test]
    fn limit_clamps_as_redis() {
        assert_eq!(limit_range(None, 5), (0, 4));
        assert_eq!(limit_range(Some((1, 2)), 5), (1, 2));
        assert_eq!(limit_range(Some((-3, 2)), 5), (0, 1));
        assert_eq!(limit_range(Some((5, 2)), 5), (4, 3));
        assert_eq!(limit_range(Some((3, 100)), 5), (3, 4));
        assert_eq!(limit_range(Some((0, 0)), 5), (0, -1));
        assert_eq!(limit_range(None, 0), (-1, -2));
        assert_eq!(limit_range(Some((i64::MAX, i64::MAX)), 3), (2, 1));
    }

    #[test]
    fn keys_of_sort() {
        let argv: Vec<&[u8]> = vec![
            b"SORT", b"k", b"LIMIT", b"0", b"store", b"BY", b"store", b"STORE", b"d1", b"STORE",
            b"d2",
        ];
        assert_eq!(sort_keys(&argv), vec![1, 10]);
        let argv: Vec<&[u8]> = vec![b"SORT", b"k", b"GET", b"store", b"store"];
        assert_eq!(sort_keys(&argv), vec![1]);
    }
}

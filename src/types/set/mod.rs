//! Sets: the value type and the S* commands (Redis `t_set.c`).
//!
//! A set is a [`Dict`] of members plus the `intset` flag, which tracks what Redis 7.0 would
//! report as the encoding: a set stays "intset" while every member is an integer in
//! canonical form (`string2ll`) and it has at most `set-max-intset-entries` members; once it
//! leaves that shape it is "hashtable" for good (Redis never converts back). The flag also
//! decides the iteration order users see: an intset iterates in ascending numeric order,
//! a hashtable in [`Dict`] order.
//!
//! * this module: the type, single-key commands (SADD, SREM, SISMEMBER, SMISMEMBER, SCARD,
//!   SSCAN) and the command table;
//! * `multi`: SMEMBERS / SINTER / SUNION / SDIFF and their STORE variants, SINTERCARD,
//!   SMOVE;
//! * `random`: SPOP and SRANDMEMBER.

mod multi;
mod random;

use crate::config::Config;
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object, Rng};
use crate::util::Dict;
use crate::util::{glob, parse_i64, scan};
use crate::value::Value;

/// Redis caps `set-max-intset-entries` at 2^30 because of intset internals.
const INTSET_HARD_MAX: usize = 1 << 30;

/// A set value.
#[derive(Clone, Debug)]
pub struct Set {
    /// Members.
    pub members: Dict<()>,
    /// True while Redis would keep this set intset-encoded. Maintained by [`Set::add`];
    /// sticky once false.
    pub intset: bool,
}

impl Default for Set {
    fn default() -> Self {
        Set::new()
    }
}

impl Set {
    /// An empty set. Like Redis's `createIntsetObject`, it starts out as an intset and
    /// converts on the first non-integer member.
    pub fn new() -> Set {
        Set {
            members: Dict::new(),
            intset: true,
        }
    }

    /// A set holding `members`, added in order with `max_intset_entries` as the intset
    /// limit (`set-max-intset-entries`).
    pub fn from_members<I, B>(members: I, max_intset_entries: usize) -> Set
    where
        I: IntoIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        let mut s = Set::new();
        for m in members {
            s.add(m.as_ref(), max_intset_entries);
        }
        s
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// True if `m` is a member.
    #[inline]
    pub fn contains(&self, m: &[u8]) -> bool {
        self.members.contains_key(m)
    }

    /// Adds `m`; returns true if it was not a member. Converts to hashtable (for good) when
    /// `m` is not an integer or the set outgrows `max_intset_entries`, as `setTypeAdd` does.
    pub fn add(&mut self, m: &[u8], max_intset_entries: usize) -> bool {
        if self.members.contains_key(m) {
            return false;
        }
        if self.intset && parse_i64(m).is_none() {
            self.intset = false;
        }
        self.members.insert(m, ());
        if self.intset && self.members.len() > max_intset_entries.min(INTSET_HARD_MAX) {
            self.intset = false;
        }
        true
    }

    /// Removes `m`; returns true if it was a member. Never changes the encoding.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        self.members.remove(m).is_some()
    }

    /// The members in the order Redis iterates this set: ascending numeric for an intset,
    /// [`Dict`] order for a hashtable.
    pub fn ordered(&self) -> Vec<&[u8]> {
        let mut v: Vec<&[u8]> = self.members.keys().collect();
        if self.intset {
            // Every member of an intset parses; the byte fallback only keeps the order total.
            v.sort_by_key(|m| (parse_i64(m), *m));
        }
        v
    }

    /// A random member (None when empty), drawn with the store's RNG.
    pub fn random_member(&self, rng: &mut Rng) -> Option<&[u8]> {
        self.members.random_entry(|n| rng.below(n)).map(|(k, _)| k)
    }

    /// OBJECT ENCODING as Redis 7.0 reports it: "intset" or "hashtable".
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        if self.intset {
            "intset"
        } else {
            "hashtable"
        }
    }
}

/// `set-max-intset-entries`.
#[inline]
fn max_intset(ctx: &Ctx) -> usize {
    ctx.config().set_max_intset_entries
}

/// The set under `key` (expiry applied): None if absent, WRONGTYPE if not a set.
fn read_set<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c Set>> {
    match ctx.read(key) {
        None => Ok(None),
        Some(o) => o.as_set().map(Some),
    }
}

/// The set under an existing key for modification; an internal error if it vanished.
fn existing_set_mut<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Set> {
    match ctx.write(key) {
        Some(o) => o.as_set_mut(),
        None => Err(Error::no_such_key()),
    }
}

/// The set under `key`, created empty when absent. The caller has checked the type.
fn set_or_create<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<&'c mut Set> {
    if !ctx.exists(key) {
        ctx.insert(key, Object::Set(Set::new().into()));
    }
    existing_set_mut(ctx, key)
}

/// An existing set and the store's RNG, borrowed together (SPOP, SRANDMEMBER). The caller
/// has applied expiry and checked the type.
fn set_and_rng<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<(&'c mut Set, &'c mut Rng)> {
    let (obj, rng) = ctx.write_with_rng(key).ok_or_else(Error::no_such_key)?;
    Ok((obj.as_set_mut()?, rng))
}

/// # Format
/// `SADD key member [member ...]`
fn sadd(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let max = max_intset(ctx);
    read_set(ctx, key)?;
    let set = set_or_create(ctx, key)?;
    let added = argv[2..].iter().filter(|m| set.add(m, max)).count();
    if added > 0 {
        ctx.modified(key, notify::SET, "sadd");
    }
    Ok(Value::Int(added as i64))
}

/// # Format
/// `SREM key member [member ...]`
fn srem(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let key = argv[1];
    let Some(o) = ctx.write(key) else {
        return Ok(Value::Int(0));
    };
    let set = o.as_set_mut()?;
    let mut deleted = 0;
    for m in &argv[2..] {
        if set.remove(m) {
            deleted += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    if deleted > 0 {
        ctx.modified(key, notify::SET, "srem");
        ctx.remove_if_empty(key);
    }
    Ok(Value::Int(deleted))
}

/// # Format
/// `SISMEMBER key member`
fn sismember(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let found = read_set(ctx, argv[1])?.is_some_and(|s| s.contains(argv[2]));
    Ok(Value::Int(found as i64))
}

/// # Format
/// `SMISMEMBER key member [member ...]`
fn smismember(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let set = read_set(ctx, argv[1])?;
    Ok(Value::Array(
        argv[2..]
            .iter()
            .map(|m| Value::Int(set.is_some_and(|s| s.contains(m)) as i64))
            .collect(),
    ))
}

/// # Format
/// `SCARD key`
fn scard(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let n = read_set(ctx, argv[1])?.map_or(0, Set::len);
    Ok(Value::Int(n as i64))
}

/// # Format
/// `SSCAN key cursor [MATCH pattern] [COUNT count]`
///
/// Like Redis, the cursor is validated before the key is looked up and the options only
/// after (so a missing key answers an empty scan whatever the options say). An intset is
/// returned whole with cursor 0.
fn sscan(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    scan::parse_cursor(argv[2])?;
    let Some(set) = read_set(ctx, argv[1])? else {
        return Ok(Value::Array(vec![
            Value::bulk("0"),
            Value::Array(Vec::new()),
        ]));
    };
    let args = scan::parse(argv[2], &argv[3..], false)?;
    let mut out = Vec::new();
    let cursor = if set.intset {
        for m in set.ordered() {
            if args.pattern.as_ref().is_none_or(|p| glob::matches(p, m)) {
                out.push(Value::bulk(m));
            }
        }
        0
    } else {
        scan::scan_dict(&set.members, &args, |k, _| out.push(Value::bulk(k)))
    };
    Ok(Value::Array(vec![
        Value::bulk(cursor.to_string()),
        Value::Array(out),
    ]))
}

/// Set commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sadd", -3, WRITE | DENYOOM | FAST, (1, 1, 1), "set", sadd),
    CommandSpec::new("srem", -3, WRITE | FAST, (1, 1, 1), "set", srem),
    CommandSpec::new("smembers", 2, READONLY, (1, 1, 1), "set", multi::smembers),
    CommandSpec::new("sismember", 3, READONLY | FAST, (1, 1, 1), "set", sismember),
    CommandSpec::new(
        "smismember",
        -3,
        READONLY | FAST,
        (1, 1, 1),
        "set",
        smismember,
    ),
    CommandSpec::new("scard", 2, READONLY | FAST, (1, 1, 1), "set", scard),
    CommandSpec::new(
        "spop",
        -2,
        WRITE | FAST | RANDOM,
        (1, 1, 1),
        "set",
        random::spop,
    ),
    CommandSpec::new(
        "srandmember",
        -2,
        READONLY | RANDOM,
        (1, 1, 1),
        "set",
        random::srandmember,
    ),
    CommandSpec::new("smove", 4, WRITE | FAST, (1, 2, 1), "set", multi::smove),
    CommandSpec::new("sinter", -2, READONLY, (1, -1, 1), "set", multi::sinter),
    CommandSpec::new(
        "sintercard",
        -3,
        READONLY,
        (0, 0, 0),
        "set",
        multi::sintercard,
    )
    .with_keys(multi::sintercard_keys),
    CommandSpec::new(
        "sinterstore",
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "set",
        multi::sinterstore,
    ),
    CommandSpec::new("sunion", -2, READONLY, (1, -1, 1), "set", multi::sunion),
    CommandSpec::new(
        "sunionstore",
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "set",
        multi::sunionstore,
    ),
    CommandSpec::new("sdiff", -2, READONLY, (1, -1, 1), "set", multi::sdiff),
    CommandSpec::new(
        "sdiffstore",
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "set",
        multi::sdiffstore,
    ),
    CommandSpec::new("sscan", -3, READONLY | RANDOM, (1, 1, 1), "set", sscan),
];

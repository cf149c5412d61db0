//! Sets: the value type and the S* commands (Redis `t_set.c`).
//!
//! A set has Redis 7.0's two encodings: an [`IntSet`] (a sorted vector of 16-, 32- or
//! 64-bit integers) while every member is an integer in canonical form (`string2ll`) and
//! it has at most `set-max-intset-entries` members; once it leaves that shape, a [`Dict`]
//! of members, "hashtable" for good (Redis never converts back). The encoding also decides
//! the iteration order users see: an intset iterates in ascending numeric order, a
//! hashtable in [`Dict`] order.
//!
//! * this module: the type, single-key commands (SADD, SREM, SISMEMBER, SMISMEMBER, SCARD,
//!   SSCAN) and the command table;
//! * `multi`: SMEMBERS / SINTER / SUNION / SDIFF and their STORE variants, SINTERCARD,
//!   SMOVE;
//! * `random`: SPOP and SRANDMEMBER;
//! * `intset`: the compact representation.

pub mod intset;
mod multi;
mod random;

pub use intset::{IntSet, IntText};

use crate::config::Config;
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::{notify, Object, Rng};
use crate::util::Dict;
use crate::util::{glob, parse_i64, scan};
use crate::value::Value;

/// Redis caps `set-max-intset-entries` at 2^30 because of intset internals.
const INTSET_HARD_MAX: usize = 1 << 30;

/// A set value: an [`IntSet`] while Redis would keep it intset-encoded, a [`Dict`] of
/// members once converted (for good).
#[derive(Clone, Debug)]
pub struct Set {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    Ints(IntSet),
    Table(Box<Dict<()>>),
}

/// A member as the set hands it out: the bytes of a hashtable member, or the decimal text
/// of an intset member (formatted on the way out, as Redis does). Derefs to the bytes.
#[derive(Clone, Copy)]
pub enum Member<'a> {
    /// An intset member.
    Int(IntText),
    /// A hashtable member.
    Bytes(&'a [u8]),
}

impl std::ops::Deref for Member<'_> {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Member::Int(t) => t.as_bytes(),
            Member::Bytes(b) => b,
        }
    }
}

impl PartialEq for Member<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Member<'_> {}

impl PartialOrd for Member<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Bytewise, as the bytes compare.
impl Ord for Member<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl std::fmt::Debug for Member<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

impl AsRef<[u8]> for Member<'_> {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self
    }
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
            repr: Repr::Ints(IntSet::new()),
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
    #[inline]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(i) => i.len(),
            Repr::Table(t) => t.len(),
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while Redis would keep this set intset-encoded.
    #[inline]
    pub fn is_intset(&self) -> bool {
        matches!(self.repr, Repr::Ints(_))
    }

    /// The intset of an intset-encoded set.
    pub fn intset(&self) -> Option<&IntSet> {
        match &self.repr {
            Repr::Ints(i) => Some(i),
            Repr::Table(_) => None,
        }
    }

    /// The table of a hashtable-encoded set.
    pub fn table(&self) -> Option<&Dict<()>> {
        match &self.repr {
            Repr::Table(t) => Some(t),
            Repr::Ints(_) => None,
        }
    }

    /// True if `m` is a member.
    #[inline]
    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.repr {
            // Only a canonical integer can be an intset member ("01" is not 1).
            Repr::Ints(i) => parse_i64(m).is_some_and(|v| i.contains(v)),
            Repr::Table(t) => t.contains_key(m),
        }
    }

    /// Converts to the hashtable encoding (Redis `setTypeConvert`), filled in ascending
    /// order.
    fn convert(&mut self) {
        let Repr::Ints(i) = &self.repr else {
            return;
        };
        let mut t = Dict::with_capacity(i.len() + 1);
        for v in i.iter() {
            t.insert(IntText::new(v).as_bytes(), ());
        }
        self.repr = Repr::Table(Box::new(t));
    }

    /// Adds `m`; returns true if it was not a member. Converts to hashtable (for good) when
    /// `m` is not an integer or the set outgrows `max_intset_entries`, as `setTypeAdd` does.
    pub fn add(&mut self, m: &[u8], max_intset_entries: usize) -> bool {
        if let Repr::Ints(i) = &mut self.repr {
            match parse_i64(m) {
                Some(v) => {
                    if !i.insert(v) {
                        return false;
                    }
                    if i.len() > max_intset_entries.min(INTSET_HARD_MAX) {
                        self.convert();
                    }
                    return true;
                }
                None => self.convert(),
            }
        }
        match &mut self.repr {
            Repr::Table(t) => {
                if t.contains_key(m) {
                    return false;
                }
                t.insert(m, ());
                true
            }
            Repr::Ints(_) => false,
        }
    }

    /// Adds every member of `ms` as [`Set::add`] would one by one; returns how many were
    /// new. An intset that stays one (every member an integer, the result within
    /// `max_intset_entries`) takes them in one merge; any other case goes member by
    /// member, so a conversion happens where `setTypeAdd` would do it.
    pub fn add_all(&mut self, ms: &[&[u8]], max_intset_entries: usize) -> usize {
        if let Repr::Ints(i) = &mut self.repr {
            if ms.len() > 1 {
                let vals: Option<Vec<i64>> = ms.iter().map(|m| parse_i64(m)).collect();
                if let Some(mut vals) = vals {
                    let max = max_intset_entries.min(INTSET_HARD_MAX);
                    if let Some(n) = i.insert_many(&mut vals, max) {
                        return n;
                    }
                }
            }
        }
        ms.iter()
            .filter(|m| self.add(m, max_intset_entries))
            .count()
    }

    /// Removes `m`; returns true if it was a member. Never changes the encoding.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Ints(i) => parse_i64(m).is_some_and(|v| i.remove(v)),
            Repr::Table(t) => t.remove(m).is_some(),
        }
    }

    /// The members in the order Redis iterates this set: ascending numeric for an intset,
    /// [`Dict`] order for a hashtable.
    pub fn iter(&self) -> impl Iterator<Item = Member<'_>> + '_ {
        let (ints, table) = match &self.repr {
            Repr::Ints(i) => (Some(i.iter().map(|v| Member::Int(IntText::new(v)))), None),
            Repr::Table(t) => (None, Some(t.keys().map(Member::Bytes))),
        };
        ints.into_iter()
            .flatten()
            .chain(table.into_iter().flatten())
    }

    /// [`Set::iter`] collected.
    pub fn ordered(&self) -> Vec<Member<'_>> {
        self.iter().collect()
    }

    /// A random member (None when empty), drawn with the store's RNG.
    pub fn random_member(&self, rng: &mut Rng) -> Option<Member<'_>> {
        match &self.repr {
            Repr::Ints(i) => {
                if i.is_empty() {
                    return None;
                }
                let k = rng.below(i.len() as u64) as usize;
                i.get(k).map(|v| Member::Int(IntText::new(v)))
            }
            Repr::Table(t) => t
                .random_entry(|n| rng.below(n))
                .map(|(k, _)| Member::Bytes(k)),
        }
    }

    /// OBJECT ENCODING as Redis 7.0 reports it: "intset" or "hashtable".
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        if self.is_intset() {
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
        ctx.insert(key, Object::Set(Set::new()));
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
    let added = set.add_all(&argv[2..], max);
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
    let cursor = match set.table() {
        None => {
            for m in set.iter() {
                if args.pattern.as_ref().is_none_or(|p| glob::matches(p, &m)) {
                    out.push(Value::bulk(&*m));
                }
            }
            0
        }
        Some(t) => scan::scan_dict(t, &args, |k, _| out.push(Value::bulk(k))),
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Members: canonical integers of every width, non-canonical ones ("01", "+1", "-0")
    /// and words.
    fn member() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => (-20i64..20).prop_map(|v| v.to_string().into_bytes()),
            2 => any::<i64>().prop_map(|v| v.to_string().into_bytes()),
            1 => prop_oneof![Just(b"01".to_vec()), Just(b"+1".to_vec()), Just(b"-0".to_vec())],
            1 => "[a-c]{1,2}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        /// Both encodings against a `BTreeSet` of bytes and Redis's conversion rules, through
        /// the conversion point: membership, size, encoding, and ascending numeric order
        /// while intset.
        #[test]
        fn matches_model(ops in proptest::collection::vec((0u8..3, member()), 0..80)) {
            let max = 8;
            let mut s = Set::new();
            let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
            let mut intset = true;
            for (op, m) in ops {
                if op == 0 {
                    prop_assert_eq!(s.remove(&m), model.remove(&m));
                } else {
                    let added = model.insert(m.clone());
                    if added && (parse_i64(&m).is_none() || model.len() > max) {
                        intset = false;
                    }
                    prop_assert_eq!(s.add(&m, max), added);
                }
                prop_assert_eq!(s.is_intset(), intset);
                prop_assert_eq!(s.len(), model.len());
                prop_assert_eq!(s.contains(&m), model.contains(&m));
                let got: Vec<Vec<u8>> = s.iter().map(|m| m.to_vec()).collect();
                if intset {
                    let mut want: Vec<i64> =
                        model.iter().filter_map(|m| parse_i64(m)).collect();
                    want.sort_unstable();
                    let want: Vec<Vec<u8>> =
                        want.iter().map(|v| v.to_string().into_bytes()).collect();
                    prop_assert_eq!(got, want);
                } else {
                    let got: BTreeSet<Vec<u8>> = got.into_iter().collect();
                    prop_assert_eq!(&got, &model);
                }
                let mut rng = crate::keyspace::Rng::new(7);
                let pick = s.random_member(&mut rng).map(|m| m.to_vec());
                prop_assert_eq!(pick.is_some(), !model.is_empty());
                if let Some(p) = pick {
                    prop_assert!(model.contains(&p));
                }
            }
        }
    }
}

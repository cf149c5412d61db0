//! Sorted sets (Redis `t_zset.c`).
//!
//! A [`ZSet`] keeps two views of the same elements, like Redis's skiplist encoding:
//!
//! * a deterministic [`Dict`] member → score (O(1) ZSCORE, ZSCAN's cursor order);
//! * an [`index::OrderIndex`] ordered by `(score, member bytes)`, an order-statistic
//!   structure (chunked sorted vectors + Fenwick tree, see its docs) giving O(log n) rank,
//!   select-by-rank and score/lex bounds.
//!
//! The OBJECT ENCODING Redis would report is tracked as a flag: "listpack" while the set has
//! never exceeded `zset-max-listpack-entries` elements nor received a member longer than
//! `zset-max-listpack-value` bytes, "skiplist" from then on (sticky, as in Redis 7.0).
//! The flag also selects the behaviours that differ between Redis's encodings and are
//! observable: ZSCAN returns everything at once in score order for listpack, listpack
//! stores `-0` as `0`, and lex ranges on listpacks are found by a linear scan.
//!
//! Command modules: [`write`](mod@write) (ZADD, ZINCRBY, ZREM, ZREMRANGEBY*), [`read`] (ZSCORE,
//! ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK, ZRANDMEMBER, ZSCAN), [`ranges`]
//! (the ZRANGE family and ZRANGESTORE), [`pop`] (ZPOPMIN, ZPOPMAX, ZMPOP and the generic pop
//! helper for the blocking variants), [`setops`] (ZUNION, ZINTER, ZDIFF, their STORE forms,
//! ZINTERCARD). Range specifications (`(1.5`, `-inf`, `[abc`, `-`, `+`) live in [`spec`].

pub mod index;
pub mod pop;
pub mod ranges;
pub mod read;
pub mod setops;
pub mod spec;
pub mod write;

use crate::config::Config;
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::Result;
use crate::util::Dict;
use crate::value::Value;

use index::{Item, OrderIndex};
use spec::{LexRange, ScoreRange};

/// A sorted-set value. See the module docs.
#[derive(Clone, Debug)]
pub struct ZSet {
    dict: Dict<f64>,
    index: OrderIndex,
    compact: bool,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl ZSet {
    /// An empty sorted set (listpack-encoded until it outgrows the limits).
    pub fn new() -> ZSet {
        ZSet {
            dict: Dict::new(),
            index: OrderIndex::new(),
            compact: true,
        }
    }

    /// Builds a skiplist-encoded set from distinct members (Redis's `createZsetObject` then
    /// inserts); call [`ZSet::fit_encoding`] when storing it under a key.
    pub fn from_pairs(pairs: Vec<(Vec<u8>, f64)>) -> ZSet {
        let mut dict = Dict::with_capacity(pairs.len());
        let mut items: Vec<Item> = Vec::with_capacity(pairs.len());
        for (m, s) in pairs {
            items.push(Item {
                score: s,
                member: m.as_slice().into(),
            });
            dict.insert(m, s);
        }
        items.sort_by(|a, b| index::cmp_key(a.score, &a.member, b.score, &b.member));
        ZSet {
            dict,
            index: OrderIndex::from_sorted(items),
            compact: false,
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// Member → score table (deterministic iteration order).
    pub fn scores(&self) -> &Dict<f64> {
        &self.dict
    }

    /// The ordered index.
    pub fn index(&self) -> &OrderIndex {
        &self.index
    }

    /// Score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.dict.get(member).copied()
    }

    /// True while Redis would keep this set listpack-encoded.
    pub fn is_compact(&self) -> bool {
        self.compact
    }

    /// Converts to the skiplist encoding for good (SORT does this to the set it sorts, as
    /// Redis's `zsetConvert(sortval, OBJ_ENCODING_SKIPLIST)`).
    pub fn convert_to_skiplist(&mut self) {
        self.compact = false;
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        if self.compact {
            "listpack"
        } else {
            "skiplist"
        }
    }

    /// Redis's `zsetAdd` conversion check, to call before inserting a member that is not
    /// present: the set stops being a listpack when it would exceed the entry limit or the
    /// member is longer than the value limit.
    /// `limits` is (`zset-max-listpack-entries`, `zset-max-listpack-value`).
    pub fn prepare_new_member(&mut self, limits: (usize, usize), member_len: usize) {
        if self.compact && (self.len() + 1 > limits.0 || member_len > limits.1) {
            self.compact = false;
        }
    }

    /// Redis's `zsetConvertToListpackIfNeeded` for a freshly computed result: listpack iff
    /// it fits both limits.
    pub fn fit_encoding(&mut self, cfg: &Config) {
        let fits = self.len() <= cfg.zset_max_listpack_entries
            && self
                .dict
                .keys()
                .all(|m| m.len() <= cfg.zset_max_listpack_value);
        if fits && !self.compact {
            self.compact = true;
            // A listpack stores integral scores as integers: -0 reads back as 0.
            let negzero: Vec<Vec<u8>> = self
                .dict
                .iter()
                .filter(|(_, s)| **s == 0.0 && s.is_sign_negative())
                .map(|(m, _)| m.to_vec())
                .collect();
            for m in negzero {
                // -0 and 0 sort alike, so the item keeps its place: replace it in situ.
                if let Some(s) = self.dict.get_mut(&m) {
                    *s = 0.0;
                }
                self.index.remove(-0.0, &m);
                self.index.insert(0.0, &m);
            }
        }
        if !fits {
            self.compact = false;
        }
    }

    /// Adds or updates `member` with Redis's encoding rules (convenience for other modules:
    /// GEOADD, RESTORE, …). Returns the previous score.
    pub fn add(&mut self, cfg: &Config, member: &[u8], score: f64) -> Option<f64> {
        if !self.dict.contains_key(member) {
            self.prepare_new_member(
                (cfg.zset_max_listpack_entries, cfg.zset_max_listpack_value),
                member.len(),
            );
        }
        self.insert(member, score)
    }

    /// Inserts or updates without touching the encoding flag; returns the previous score.
    /// The score changes only if it compares different (`-0` equals `0`), as in Redis.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let score = if self.compact && score == 0.0 {
            0.0
        } else {
            score
        };
        match self.dict.get_mut(member) {
            Some(cur) => {
                let prev = *cur;
                if prev != score {
                    *cur = score;
                    self.index.remove(prev, member);
                    self.index.insert(score, member);
                }
                Some(prev)
            }
            None => {
                self.dict.insert(member.to_vec(), score);
                self.index.insert(score, member);
                None
            }
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let s = self.dict.remove(member)?;
        self.index.remove(s, member);
        Some(s)
    }

    /// 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let s = self.score(member)?;
        self.index.rank_of_present(s, member)
    }

    /// Member and score at ascending `rank`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.index.get(rank).map(|i| (i.member, i.score))
    }

    /// All members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> {
        self.index.iter().map(|i| (i.member, i.score))
    }

    /// Ascending from `rank`.
    pub fn iter_from(&self, rank: usize) -> impl Iterator<Item = (&[u8], f64)> {
        self.index.iter_from(rank).map(|i| (i.member, i.score))
    }

    /// Descending from `rank` (inclusive).
    pub fn iter_rev_from(&self, rank: usize) -> impl Iterator<Item = (&[u8], f64)> {
        self.index.iter_rev_from(rank).map(|i| (i.member, i.score))
    }

    /// Removes and returns the lowest (`max == false`) or highest element.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        let it = self.index.remove_at(rank)?;
        self.dict.remove(&it.member);
        Some((it.member.into_vec(), it.score))
    }

    /// Removes the elements with ascending ranks in `start..end`; returns how many.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        let removed = self.index.remove_range(start, end);
        for it in &removed {
            self.dict.remove(&it.member);
        }
        removed.len()
    }

    /// Rank of the first element of a forward walk over `r` (Redis `zslFirstInRange`).
    pub fn score_first(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() {
            return None;
        }
        let pos = self.index.partition_point_score(|s| !r.gte_min(s));
        let it = self.index.get(pos)?;
        r.lte_max(it.score).then_some(pos)
    }

    /// Rank of the first element of a backward walk over `r` (`zslLastInRange`).
    pub fn score_last(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() {
            return None;
        }
        let pos = self
            .index
            .partition_point_score(|s| r.lte_max(s))
            .checked_sub(1)?;
        let it = self.index.get(pos)?;
        r.gte_min(it.score).then_some(pos)
    }

    /// Whether a lex range can contain anything (`zzlIsInLexRange`/`zslIsInLexRange`).
    fn lex_in_range(&self, r: &LexRange) -> bool {
        if r.is_empty() {
            return false;
        }
        match (
            self.index.get(self.len().wrapping_sub(1)),
            self.index.get(0),
        ) {
            (Some(last), Some(first)) => r.gte_min(last.member) && r.lte_max(first.member),
            _ => false,
        }
    }

    /// Rank of the first element of a forward walk over a lex range. Listpacks are scanned
    /// linearly as Redis does (which matters only when scores differ).
    pub fn lex_first(&self, r: &LexRange) -> Option<usize> {
        if !self.lex_in_range(r) {
            return None;
        }
        let pos = if self.compact {
            self.index.iter().position(|i| r.gte_min(i.member))?
        } else {
            self.index.partition_point(|_, m| !r.gte_min(m))
        };
        let it = self.index.get(pos)?;
        r.lte_max(it.member).then_some(pos)
    }

    /// Rank of the first element of a backward walk over a lex range.
    pub fn lex_last(&self, r: &LexRange) -> Option<usize> {
        if !self.lex_in_range(r) {
            return None;
        }
        let last = self.len() - 1;
        let pos = if self.compact {
            last - self
                .index
                .iter_rev_from(last)
                .position(|i| r.lte_max(i.member))?
        } else {
            self.index
                .partition_point(|_, m| r.lte_max(m))
                .checked_sub(1)?
        };
        let it = self.index.get(pos)?;
        r.gte_min(it.member).then_some(pos)
    }

    /// Number of elements in a score range (ZCOUNT).
    pub fn count_in_score_range(&self, r: &ScoreRange) -> usize {
        match (self.score_first(r), self.score_last(r)) {
            (Some(a), Some(b)) if b >= a => b - a + 1,
            _ => 0,
        }
    }

    /// Number of elements in a lex range (ZLEXCOUNT): a forward walk for listpacks, ranks
    /// otherwise, as Redis does.
    pub fn count_in_lex_range(&self, r: &LexRange) -> usize {
        let Some(first) = self.lex_first(r) else {
            return 0;
        };
        if self.compact {
            self.iter_from(first)
                .take_while(|(m, _)| r.lte_max(m))
                .count()
        } else {
            match self.lex_last(r) {
                Some(last) if last >= first => last - first + 1,
                _ => 0,
            }
        }
    }
}

/// The zset under `key` for reading: None when absent, WRONGTYPE for another type.
pub(crate) fn read_zset<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c ZSet>> {
    match ctx.read(key) {
        None => Ok(None),
        Some(o) => o.as_zset().map(Some),
    }
}

/// The zset under `key` for modification.
pub(crate) fn write_zset<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut ZSet>> {
    match ctx.write(key) {
        None => Ok(None),
        Some(o) => o.as_zset_mut().map(Some),
    }
}

/// A member/score list as Redis replies it: with scores, RESP3 nests `[member, score]`
/// pairs and RESP2 flattens them; without, an array of members.
pub(crate) fn pairs_reply(resp: u8, items: Vec<(Vec<u8>, f64)>, withscores: bool) -> Value {
    if !withscores {
        return Value::Array(items.into_iter().map(|(m, _)| Value::Bulk(m)).collect());
    }
    if resp > 2 {
        Value::Array(
            items
                .into_iter()
                .map(|(m, s)| Value::Array(vec![Value::Bulk(m), Value::Double(s)]))
                .collect(),
        )
    } else {
        let mut out = Vec::with_capacity(items.len() * 2);
        for (m, s) in items {
            out.push(Value::Bulk(m));
            out.push(Value::Double(s));
        }
        Value::Array(out)
    }
}

const G: &str = "sorted-set";

/// Sorted-set commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "zadd",
        -4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        G,
        write::zadd,
    ),
    CommandSpec::new(
        "zincrby",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        G,
        write::zincrby,
    ),
    CommandSpec::new("zrem", -3, WRITE | FAST, (1, 1, 1), G, write::zrem),
    CommandSpec::new(
        "zremrangebyrank",
        4,
        WRITE,
        (1, 1, 1),
        G,
        write::zremrangebyrank,
    ),
    CommandSpec::new(
        "zremrangebyscore",
        4,
        WRITE,
        (1, 1, 1),
        G,
        write::zremrangebyscore,
    ),
    CommandSpec::new(
        "zremrangebylex",
        4,
        WRITE,
        (1, 1, 1),
        G,
        write::zremrangebylex,
    ),
    CommandSpec::new("zscore", 3, READONLY | FAST, (1, 1, 1), G, read::zscore),
    CommandSpec::new("zmscore", -3, READONLY | FAST, (1, 1, 1), G, read::zmscore),
    CommandSpec::new("zcard", 2, READONLY | FAST, (1, 1, 1), G, read::zcard),
    CommandSpec::new("zcount", 4, READONLY | FAST, (1, 1, 1), G, read::zcount),
    CommandSpec::new(
        "zlexcount",
        4,
        READONLY | FAST,
        (1, 1, 1),
        G,
        read::zlexcount,
    ),
    CommandSpec::new("zrank", 3, READONLY | FAST, (1, 1, 1), G, read::zrank),
    CommandSpec::new("zrevrank", 3, READONLY | FAST, (1, 1, 1), G, read::zrevrank),
    CommandSpec::new("zrandmember", -2, READONLY, (1, 1, 1), G, read::zrandmember),
    CommandSpec::new("zscan", -3, READONLY, (1, 1, 1), G, read::zscan),
    CommandSpec::new("zrange", -4, READONLY, (1, 1, 1), G, ranges::zrange),
    CommandSpec::new(
        "zrangestore",
        -5,
        WRITE | DENYOOM,
        (1, 2, 1),
        G,
        ranges::zrangestore,
    ),
    CommandSpec::new("zrevrange", -4, READONLY, (1, 1, 1), G, ranges::zrevrange),
    CommandSpec::new(
        "zrangebyscore",
        -4,
        READONLY,
        (1, 1, 1),
        G,
        ranges::zrangebyscore,
    ),
    CommandSpec::new(
        "zrevrangebyscore",
        -4,
        READONLY,
        (1, 1, 1),
        G,
        ranges::zrevrangebyscore,
    ),
    CommandSpec::new(
        "zrangebylex",
        -4,
        READONLY,
        (1, 1, 1),
        G,
        ranges::zrangebylex,
    ),
    CommandSpec::new(
        "zrevrangebylex",
        -4,
        READONLY,
        (1, 1, 1),
        G,
        ranges::zrevrangebylex,
    ),
    CommandSpec::new("zpopmin", -2, WRITE | FAST, (1, 1, 1), G, pop::zpopmin),
    CommandSpec::new("zpopmax", -2, WRITE | FAST, (1, 1, 1), G, pop::zpopmax),
    CommandSpec::new("zmpop", -4, WRITE, (0, 0, 0), G, pop::zmpop).with_keys(pop::zmpop_keys),
    CommandSpec::new("zunion", -3, READONLY, (0, 0, 0), G, setops::zunion)
        .with_keys(setops::numkeys_at_1),
    CommandSpec::new("zinter", -3, READONLY, (0, 0, 0), G, setops::zinter)
        .with_keys(setops::numkeys_at_1),
    CommandSpec::new("zdiff", -3, READONLY, (0, 0, 0), G, setops::zdiff)
        .with_keys(setops::numkeys_at_1),
    CommandSpec::new("zintercard", -3, READONLY, (0, 0, 0), G, setops::zintercard)
        .with_keys(setops::numkeys_at_1),
    CommandSpec::new(
        "zunionstore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        G,
        setops::zunionstore,
    )
    .with_keys(setops::store_keys),
    CommandSpec::new(
        "zinterstore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        G,
        setops::zinterstore,
    )
    .with_keys(setops::store_keys),
    CommandSpec::new(
        "zdiffstore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        G,
        setops::zdiffstore,
    )
    .with_keys(setops::store_keys),
];

//! Sorted sets (Redis `t_zset.c`).
//!
//! A [`ZSet`] has Redis 7.0's two encodings, and OBJECT ENCODING names the one it holds:
//!
//! * **listpack** ([`pack::Pack`]): one flat buffer of `(member, score)` pairs in score
//!   order, then member order, laid out in columns (a 1-byte member tag, the member
//!   lengths, fixed-width scores, the member bytes) so a lookup compares 8 tags per word
//!   and a new score's rank is a binary search — while the set has at most
//!   `zset-max-listpack-entries` members of at most `zset-max-listpack-value` bytes each.
//!   A small set costs its bytes plus one 32-byte handle: no table, no index, no
//!   allocation per member;
//! * **skiplist**: a deterministic [`Dict`] member → score (O(1) ZSCORE, ZSCAN's cursor
//!   order) plus an [`index::OrderIndex`] ordered by `(score, member bytes)`, an
//!   order-statistic structure (chunked sorted vectors + Fenwick tree, see its docs) giving
//!   O(log n) rank, select-by-rank and score/lex bounds. The member bytes are stored once,
//!   in the dict; the index names each member by its dict slot (12 bytes per member:
//!   score + slot), and is renumbered when the dict compacts its slab on a shrink.
//!
//! A listpack converts to the skiplist form for good when an insert would pass a limit
//! (Redis's `zsetAdd`), and on the set SORT sorts. Results built in one go (the STORE
//! commands, ZRANGESTORE, RESTORE, RDB and snapshot loads) take the form Redis's
//! `zsetConvertToListpackIfNeeded` would give them ([`ZSet::from_pairs_fit`]). The
//! behaviours that differ between Redis's encodings and are observable follow the form
//! held: ZSCAN returns everything at once in score order for a listpack, a listpack stores
//! `-0` as `0`, and lex ranges on listpacks are found by a linear scan. Every other reply
//! is the same for both forms (a property test runs both against a model).
//!
//! Command modules: [`write`](mod@write) (ZADD, ZINCRBY, ZREM, ZREMRANGEBY*), [`read`] (ZSCORE,
//! ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK, ZRANDMEMBER, ZSCAN), [`ranges`]
//! (the ZRANGE family and ZRANGESTORE), [`pop`] (ZPOPMIN, ZPOPMAX, ZMPOP and the generic pop
//! helper for the blocking variants), [`setops`] (ZUNION, ZINTER, ZDIFF, their STORE forms,
//! ZINTERCARD). Range specifications (`(1.5`, `-inf`, `[abc`, `-`, `+`) live in [`spec`].

pub mod index;
pub mod pack;
pub mod pop;
pub mod ranges;
pub mod read;
pub mod setops;
pub mod spec;
pub mod write;

#[cfg(test)]
mod tests;

use crate::config::Config;
use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::Result;
use crate::util::Dict;
use crate::value::Value;

use index::{Item, OrderIndex};
use pack::{Pack, Spot as PackSpot};
use spec::{LexRange, ScoreRange};

/// A sorted-set value. See the module docs.
#[derive(Clone, Debug)]
pub struct ZSet {
    repr: Repr,
}

/// The two encodings.
#[derive(Clone, Debug)]
enum Repr {
    /// Listpack: one flat buffer of pairs in order.
    Pack(Pack),
    /// Skiplist: member → score table plus the order index (boxed: a small set stays the
    /// size of its buffer's handle).
    Full(Box<Full>),
}

/// The skiplist encoding's two views.
#[derive(Clone, Debug, Default)]
struct Full {
    dict: Dict<f64>,
    index: OrderIndex,
}

impl Full {
    /// Builds from distinct `(member, score)` pairs already in order; the dict takes them
    /// in that order.
    fn from_sorted<'a>(pairs: impl ExactSizeIterator<Item = (&'a [u8], f64)>) -> Full {
        let mut dict = Dict::with_capacity(pairs.len());
        let items: Vec<Item> = pairs
            .map(|(m, score)| Item {
                score,
                id: dict.insert_slot(m, score),
            })
            .collect();
        let index = OrderIndex::from_sorted(items, &dict);
        Full { dict, index }
    }

    /// Inserts an absent member.
    #[inline]
    fn insert_absent(&mut self, member: &[u8], score: f64) {
        let id = self.dict.insert_slot(member, score);
        self.index.insert(score, id, &self.dict);
    }

    /// Sets a present member's score (slot `id`) to `score`, which compares different.
    fn rescore(&mut self, id: u32, prev: f64, score: f64) {
        self.index.remove(prev, id, &self.dict);
        *self.dict.at_mut(id) = score;
        self.index.insert(score, id, &self.dict);
    }

    /// Removes a present member, `it` being its index item (already out of the index);
    /// the caller calls [`Full::after_removals`] after.
    fn drop_member(&mut self, it: Item) -> Vec<u8> {
        let m = self.dict.key_at(it.id).to_vec();
        self.dict.remove(&m);
        m
    }

    /// Renumbers the index if the dict compacted its slab since it was `slab_before` long
    /// (a shrink moves slots; nothing else does, see [`Dict::slab_len`]).
    #[inline]
    fn after_removals(&mut self, slab_before: usize) {
        if self.dict.slab_len() != slab_before {
            self.index.renumber(&mut []);
        }
    }

    /// Removes from the dict the members of `items`, already taken out of the index, one
    /// by one; when a removal compacts the slab, the index and the ids still to remove are
    /// renumbered together (both were live when the slab was packed).
    fn drop_members(&mut self, items: &[Item]) {
        let mut pending: Vec<u32> = items.iter().map(|it| it.id).collect();
        for k in 0..pending.len() {
            let slab = self.dict.slab_len();
            let m = self.dict.key_at(pending[k]).to_vec();
            self.dict.remove(&m);
            if self.dict.slab_len() != slab {
                self.index.renumber(&mut pending[k + 1..]);
            }
        }
    }
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

/// Where ZADD places an absent member, see [`ZSet::locate`] (a rank in a listpack,
/// meaningless for the skiplist form).
#[derive(Clone, Copy, Debug)]
pub struct Spot(usize);

/// Iterator over `(member, score)` pairs, see [`ZSet::iter_from`].
pub enum Iter<'a> {
    /// Forward over a listpack.
    Pack(pack::Pairs<'a>),
    /// Forward over the index.
    Fwd(index::Iter<'a, Dict<f64>>),
    /// Backward over the index.
    Rev(index::RevIter<'a, Dict<f64>>),
    /// Backward over a listpack (collected: a listpack walks forward only).
    Buf(std::iter::Rev<std::vec::IntoIter<(&'a [u8], f64)>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Pack(p) => p.next().map(|(_, m, s)| (m, s)),
            Iter::Fwd(i) => i.next().map(|i| (i.member, i.score)),
            Iter::Rev(i) => i.next().map(|i| (i.member, i.score)),
            Iter::Buf(b) => b.next(),
        }
    }
}

/// True when `n` members whose longest is `max_len` bytes fit a listpack under `cfg`
/// (Redis's `zsetConvertToListpackIfNeeded` test).
pub fn fits_listpack(cfg: &Config, n: usize, max_len: usize) -> bool {
    n <= cfg.zset_max_listpack_entries && max_len <= cfg.zset_max_listpack_value
}

impl ZSet {
    /// An empty sorted set (listpack-encoded until it outgrows the limits).
    pub const fn new() -> ZSet {
        ZSet {
            repr: Repr::Pack(Pack::new()),
        }
    }

    /// Builds a skiplist-encoded set from distinct members (Redis's `createZsetObject` then
    /// inserts); call [`ZSet::fit_encoding`] when storing it under a key. A repeated member
    /// keeps its last score (so the length tells duplicates).
    pub fn from_pairs(pairs: Vec<(Vec<u8>, f64)>) -> ZSet {
        let mut dict = Dict::with_capacity(pairs.len());
        for (m, s) in pairs {
            dict.insert(m, s);
        }
        let mut items: Vec<Item> = dict
            .keys()
            .filter_map(|m| {
                let id = dict.find_slot(m)?;
                Some(Item {
                    score: *dict.at(id),
                    id,
                })
            })
            .collect();
        items
            .sort_by(|a, b| index::cmp_key(a.score, dict.key_at(a.id), b.score, dict.key_at(b.id)));
        let index = OrderIndex::from_sorted(items, &dict);
        ZSet {
            repr: Repr::Full(Box::new(Full { dict, index })),
        }
    }

    /// Builds a set from `pairs` in the encoding Redis would give a freshly computed or
    /// loaded set (`zsetConvertToListpackIfNeeded`): listpack iff it fits both limits of
    /// `cfg`. A repeated member keeps its last score, as in [`ZSet::from_pairs`].
    pub fn from_pairs_fit(pairs: Vec<(Vec<u8>, f64)>, cfg: &Config) -> ZSet {
        let max_len = pairs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let compact = fits_listpack(cfg, pairs.len(), max_len);
        ZSet::from_pairs_in(pairs, compact)
    }

    /// Builds a set from `pairs` (any order), listpack-encoded when `compact`. A repeated
    /// member keeps its last score.
    pub fn from_pairs_in(mut pairs: Vec<(Vec<u8>, f64)>, compact: bool) -> ZSet {
        if !compact {
            return ZSet::from_pairs(pairs);
        }
        // Stable: the copies of a member stay in input order, the last one wins.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut uniq: Vec<(Vec<u8>, f64)> = Vec::with_capacity(pairs.len());
        for p in pairs {
            match uniq.last_mut() {
                Some(last) if last.0 == p.0 => *last = p,
                _ => uniq.push(p),
            }
        }
        uniq.sort_by(|a, b| index::cmp_key(a.1, &a.0, b.1, &b.0));
        ZSet {
            repr: Repr::Pack(Pack::from_sorted(
                uniq.iter().map(|(m, s)| (m.as_slice(), *s)),
            )),
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len(),
            Repr::Full(f) => f.dict.len(),
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member → score table of the skiplist encoding (None for a listpack).
    pub fn table(&self) -> Option<&Dict<f64>> {
        match &self.repr {
            Repr::Pack(_) => None,
            Repr::Full(f) => Some(&f.dict),
        }
    }

    /// The listpack buffer's allocated bytes (None for the skiplist encoding).
    pub fn pack_capacity(&self) -> Option<usize> {
        match &self.repr {
            Repr::Pack(p) => Some(p.capacity()),
            Repr::Full(_) => None,
        }
    }

    /// The listpack buffer's bytes in use (None for the skiplist encoding).
    #[cfg(test)]
    fn pack_bytes(&self) -> Option<usize> {
        match &self.repr {
            Repr::Pack(p) => Some(p.bytes()),
            Repr::Full(_) => None,
        }
    }

    /// Bytes of the skiplist encoding's boxed part (its struct; tables counted apart).
    pub const FULL_BYTES: usize = std::mem::size_of::<Full>();

    /// Score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Pack(p) => p.find(member).map(|(_, s)| s),
            Repr::Full(f) => f.dict.get(member).copied(),
        }
    }

    /// True while the set is listpack-encoded.
    #[inline]
    pub fn is_compact(&self) -> bool {
        matches!(self.repr, Repr::Pack(_))
    }

    /// Converts to the skiplist encoding for good (`zsetConvert(zobj, SKIPLIST)`): when
    /// the set outgrows a limit, and on the set SORT sorts, as Redis does.
    pub fn convert_to_skiplist(&mut self) {
        if let Repr::Pack(p) = &self.repr {
            let pairs: Vec<(&[u8], f64)> = p.pairs().map(|(_, m, s)| (m, s)).collect();
            self.repr = Repr::Full(Box::new(Full::from_sorted(pairs.into_iter())));
        }
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self, _cfg: &Config) -> &'static str {
        if self.is_compact() {
            "listpack"
        } else {
            "skiplist"
        }
    }

    /// Redis's `zsetAdd` conversion check, to call before inserting a member that is not
    /// present: the set stops being a listpack when it would exceed the entry limit or the
    /// member is longer than the value limit.
    /// `limits` is (`zset-max-listpack-entries`, `zset-max-listpack-value`).
    #[inline]
    pub fn prepare_new_member(&mut self, limits: (usize, usize), member_len: usize) {
        if self.is_compact() && (self.len() + 1 > limits.0 || member_len > limits.1) {
            self.convert_to_skiplist();
        }
    }

    /// Redis's `zsetConvertToListpackIfNeeded` for a freshly computed result: listpack iff
    /// it fits both limits.
    pub fn fit_encoding(&mut self, cfg: &Config) {
        let fits = match &self.repr {
            Repr::Pack(p) => fits_listpack(
                cfg,
                p.len(),
                p.pairs().map(|(_, m, _)| m.len()).max().unwrap_or(0),
            ),
            Repr::Full(f) => fits_listpack(
                cfg,
                f.dict.len(),
                f.dict.keys().map(<[u8]>::len).max().unwrap_or(0),
            ),
        };
        match (&self.repr, fits) {
            (Repr::Full(f), true) => {
                // A listpack stores integral scores as integers: -0 reads back as 0.
                let p = Pack::from_sorted(f.index.iter(&f.dict).map(|i| (i.member, i.score)));
                self.repr = Repr::Pack(p);
            }
            (Repr::Pack(_), false) => self.convert_to_skiplist(),
            _ => {}
        }
    }

    /// Adds or updates `member` with Redis's encoding rules (convenience for other modules:
    /// GEOADD, RESTORE, …). Returns the previous score.
    pub fn add(&mut self, cfg: &Config, member: &[u8], score: f64) -> Option<f64> {
        if self.is_compact() && self.score(member).is_none() {
            self.prepare_new_member(
                (cfg.zset_max_listpack_entries, cfg.zset_max_listpack_value),
                member.len(),
            );
        }
        self.insert(member, score)
    }

    /// Inserts or updates without converting; returns the previous score. The score changes
    /// only if it compares different (`-0` equals `0`), as in Redis.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        match &mut self.repr {
            Repr::Pack(p) => match p.find(member) {
                Some((at, prev)) => {
                    if prev != score {
                        p.update_at(at, member, score);
                    }
                    Some(prev)
                }
                None => {
                    p.insert(member, score);
                    None
                }
            },
            Repr::Full(f) => match f.dict.find_slot(member) {
                Some(id) => {
                    let prev = *f.dict.at(id);
                    if prev != score {
                        f.rescore(id, prev, score);
                    }
                    Some(prev)
                }
                None => {
                    f.insert_absent(member, score);
                    None
                }
            },
        }
    }

    /// Inserts a member the caller knows is absent (ZADD just looked it up), without
    /// converting: a listpack's place for it is a binary search.
    pub fn insert_absent(&mut self, member: &[u8], score: f64) {
        match &mut self.repr {
            Repr::Pack(p) => p.insert(member, score),
            Repr::Full(f) => f.insert_absent(member, score),
        }
    }

    /// ZADD's lookup: the score of `member`, and for an absent one where a listpack would
    /// take it with `score` (one call instead of a lookup and then a placing search). Pass
    /// the spot to [`ZSet::insert_at_spot`] with no other change in between than
    /// [`ZSet::prepare_new_member`].
    #[inline]
    pub fn locate(&self, member: &[u8], score: f64) -> (Option<f64>, Spot) {
        match &self.repr {
            Repr::Pack(p) => match p.locate(member, score) {
                PackSpot::Present(at, s) => (Some(s), Spot(at)),
                PackSpot::Absent(at) => (None, Spot(at)),
            },
            Repr::Full(f) => (f.dict.get(member).copied(), Spot(0)),
        }
    }

    /// Changes the score of a present member found by [`ZSet::locate`] (no change since):
    /// a listpack skips the lookup and moves the pair in place from the rank found
    /// (not at all when the rank stays).
    pub fn update_at_spot(&mut self, spot: Spot, member: &[u8], score: f64) {
        match &mut self.repr {
            Repr::Pack(p) => p.update_at(spot.0, member, score),
            Repr::Full(_) => {
                self.insert(member, score);
            }
        }
    }

    /// Inserts an absent member where [`ZSet::locate`] said (for this same score).
    pub fn insert_at_spot(&mut self, spot: Spot, member: &[u8], score: f64) {
        match &mut self.repr {
            Repr::Pack(p) => p.insert_at(spot.0, member, score),
            Repr::Full(f) => f.insert_absent(member, score),
        }
    }

    /// Makes room for `pairs` (member, score) about to be added, when they would all fit
    /// the listpack under `limits` (Redis's `zsetTypeCreate` size hint): one allocation
    /// per ZADD instead of one per new member. Call [`ZSet::trim`] after.
    pub fn reserve_for<'a>(
        &mut self,
        limits: (usize, usize),
        pairs: impl Iterator<Item = (&'a [u8], f64)> + Clone,
    ) {
        if let Repr::Pack(p) = &mut self.repr {
            let (mut n, mut bytes, mut max_len, mut max_width) = (0, 0, 0, 0);
            for (m, s) in pairs {
                if m.len() > limits.1 {
                    return;
                }
                n += 1;
                bytes += m.len();
                max_len = max_len.max(m.len());
                max_width = max_width.max(Pack::score_width(s));
            }
            if p.len() + n <= limits.0 {
                p.reserve_for(n, bytes, max_len, max_width);
            }
        }
    }

    /// Gives back the capacity a [`ZSet::reserve_for`] left unused.
    pub fn trim(&mut self) {
        if let Repr::Pack(p) = &mut self.repr {
            p.trim();
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Pack(p) => {
                let (at, s) = p.find(member)?;
                p.remove_at(at);
                Some(s)
            }
            Repr::Full(f) => {
                let id = f.dict.find_slot(member)?;
                let s = *f.dict.at(id);
                f.index.remove(s, id, &f.dict);
                let slab = f.dict.slab_len();
                f.dict.remove(member);
                f.after_removals(slab);
                Some(s)
            }
        }
    }

    /// 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.repr {
            Repr::Pack(p) => p.find(member).map(|(rank, _)| rank),
            Repr::Full(f) => {
                let id = f.dict.find_slot(member)?;
                f.index.rank_of_present(*f.dict.at(id), id, &f.dict)
            }
        }
    }

    /// Member and score at ascending `rank`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Pack(p) => p.pairs().nth(rank).map(|(_, m, s)| (m, s)),
            Repr::Full(f) => f.index.get(rank).map(|i| (f.dict.key_at(i.id), i.score)),
        }
    }

    /// All members in ascending order.
    #[inline]
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// Ascending from `rank`.
    pub fn iter_from(&self, rank: usize) -> Iter<'_> {
        match &self.repr {
            Repr::Pack(p) => Iter::Pack(p.iter_from(rank)),
            Repr::Full(f) => Iter::Fwd(f.index.iter_from(rank, &f.dict)),
        }
    }

    /// Descending from `rank` (inclusive).
    pub fn iter_rev_from(&self, rank: usize) -> Iter<'_> {
        match &self.repr {
            Repr::Pack(p) => {
                // Like the index's: nothing from a rank past the end.
                let n = if rank < p.len() { rank + 1 } else { 0 };
                let v: Vec<(&[u8], f64)> = p.pairs().take(n).map(|(_, m, s)| (m, s)).collect();
                Iter::Buf(v.into_iter().rev())
            }
            Repr::Full(f) => Iter::Rev(f.index.iter_rev_from(rank, &f.dict)),
        }
    }

    /// Removes and returns the lowest (`max == false`) or highest element.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        match &mut self.repr {
            Repr::Pack(p) => {
                let (at, m, s) = p.iter_from(rank).next()?;
                let out = (m.to_vec(), s);
                p.remove_at(at);
                Some(out)
            }
            Repr::Full(f) => {
                let it = f.index.remove_at(rank, &f.dict)?;
                let slab = f.dict.slab_len();
                let m = f.drop_member(it);
                f.after_removals(slab);
                Some((m, it.score))
            }
        }
    }

    /// Removes the elements with ascending ranks in `start..end`; returns how many.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        match &mut self.repr {
            Repr::Pack(p) => {
                let end = end.min(p.len());
                if start >= end {
                    return 0;
                }
                p.remove_range(start, end);
                end - start
            }
            Repr::Full(f) => {
                let removed = f.index.remove_range(start, end, &f.dict);
                f.drop_members(&removed);
                removed.len()
            }
        }
    }

    /// Rank of the first element of a forward walk over `r` (Redis `zslFirstInRange`).
    pub fn score_first(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() {
            return None;
        }
        let pos = match &self.repr {
            Repr::Pack(p) => p.pairs().position(|(_, _, s)| r.gte_min(s))?,
            Repr::Full(f) => f.index.partition_point_score(|s| !r.gte_min(s)),
        };
        let (_, s) = self.get_by_rank(pos)?;
        r.lte_max(s).then_some(pos)
    }

    /// Rank of the first element of a backward walk over `r` (`zslLastInRange`).
    pub fn score_last(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() {
            return None;
        }
        let pos = match &self.repr {
            Repr::Pack(p) => p.pairs().take_while(|(_, _, s)| r.lte_max(*s)).count(),
            Repr::Full(f) => f.index.partition_point_score(|s| r.lte_max(s)),
        }
        .checked_sub(1)?;
        let (_, s) = self.get_by_rank(pos)?;
        r.gte_min(s).then_some(pos)
    }

    /// Whether a lex range can contain anything (`zzlIsInLexRange`/`zslIsInLexRange`).
    fn lex_in_range(&self, r: &LexRange) -> bool {
        if r.is_empty() {
            return false;
        }
        match (
            self.get_by_rank(self.len().wrapping_sub(1)),
            self.get_by_rank(0),
        ) {
            (Some((last, _)), Some((first, _))) => r.gte_min(last) && r.lte_max(first),
            _ => false,
        }
    }

    /// Rank of the first element of a forward walk over a lex range. Listpacks are scanned
    /// linearly as Redis does (which matters only when scores differ).
    pub fn lex_first(&self, r: &LexRange) -> Option<usize> {
        if !self.lex_in_range(r) {
            return None;
        }
        let pos = match &self.repr {
            Repr::Pack(p) => p.pairs().position(|(_, m, _)| r.gte_min(m))?,
            Repr::Full(f) => self.lex_flip(f, |m| !r.gte_min(m)),
        };
        let (m, _) = self.get_by_rank(pos)?;
        r.lte_max(m).then_some(pos)
    }

    /// Where ZREMRANGEBYLEX starts deleting: for a listpack [`ZSet::lex_first`]; for a
    /// skiplist the first element not below the minimum, without the range checks, as
    /// Redis's `zslDeleteRangeByLex` (they differ only when scores differ). None when
    /// nothing would be deleted.
    pub fn lex_delete_start(&self, r: &LexRange) -> Option<usize> {
        match &self.repr {
            Repr::Pack(_) => self.lex_first(r),
            Repr::Full(f) => {
                let pos = self.lex_flip(f, |m| !r.gte_min(m));
                let (m, _) = self.get_by_rank(pos)?;
                r.lte_max(m).then_some(pos)
            }
        }
    }

    /// The first rank of a skiplist-encoded set for which `before(member)` is false. Under
    /// one score (what lex ranges are for) the members are in order and `before` is
    /// monotone: a binary search. With different scores it need not be, and Redis's
    /// skiplist search ends where its bottom level's walk from the head does unless an
    /// upper level skips ahead — rarely, in a small set: a small set is walked from the head
    /// (a large one with mixed scores gets the binary search's answer; Redis's own depends
    /// on its random node levels there).
    fn lex_flip(&self, f: &Full, before: impl Fn(&[u8]) -> bool) -> usize {
        const WALK_MAX: usize = 512;
        let len = self.len();
        let one_score = match (self.get_by_rank(0), self.get_by_rank(len.wrapping_sub(1))) {
            (Some((_, a)), Some((_, b))) => a == b,
            _ => true,
        };
        if one_score || len > WALK_MAX {
            f.index.partition_point(|_, m| before(m), &f.dict)
        } else {
            self.iter().position(|(m, _)| !before(m)).unwrap_or(len)
        }
    }

    /// Rank of the first element of a backward walk over a lex range.
    pub fn lex_last(&self, r: &LexRange) -> Option<usize> {
        if !self.lex_in_range(r) {
            return None;
        }
        let last = self.len() - 1;
        let pos = match &self.repr {
            Repr::Pack(_) => last - self.iter_rev_from(last).position(|(m, _)| r.lte_max(m))?,
            Repr::Full(f) => self.lex_flip(f, |m| r.lte_max(m)).checked_sub(1)?,
        };
        let (m, _) = self.get_by_rank(pos)?;
        r.gte_min(m).then_some(pos)
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
        if self.is_compact() {
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

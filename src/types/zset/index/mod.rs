//! The order-statistic index of a sorted set: members ordered by `(score, member bytes)`.
//!
//! # Choice: chunked sorted vectors + a Fenwick tree of chunk sizes
//!
//! The elements live in a list of sorted chunks whose concatenation is the whole ordered
//! sequence. Chunks hold at most [`MAX_CHUNK`] items; a full chunk splits in two before an
//! insert, a chunk that empties is dropped and a chunk that shrinks below [`MIN_CHUNK`]
//! merges with a neighbour when the pair fits in one chunk. Each chunk stores two parallel
//! arrays — scores, and member ids — so searches scan plain floats.
//!
//! **Members are not stored here.** The sorted set's member → score [`Dict`] already holds
//! every member once, in a slot that does not move while other members come and go; an
//! item names its member by that slot number (a `u32`, see [`Members`]), and the index
//! reads member bytes through the dict when it must order by them (score ties). An item is
//! 12 bytes: its score and its id. (A boxed copy of the member plus a 32-bit fingerprint
//! per item, as before, cost ~48 bytes more per member.) When the dict compacts its slab —
//! a removal that shrinks the table — the owner renumbers the ids ([`OrderIndex::renumber`]).
//!
//! Alongside the chunks:
//!
//! * `lasts[c]` — the score of chunk `c`'s last item, in a flat `Vec<f64>`: locating a
//!   chunk by score is a binary search over contiguous floats; on score ties the chunk's
//!   last member is compared through `last_heads[c]` (its first 16 bytes and length), so
//!   member bytes are read only for long members sharing 16 leading bytes;
//! * `pivots[c]` — the last score of each of 16 equal segments of chunk `c`, on one
//!   64-byte-aligned pair of cache lines: a search inside a chunk reads the pivots, then
//!   one short segment, instead of probing the whole chunk;
//! * a Fenwick (binary indexed) tree over chunk lengths, giving the number of items before
//!   a chunk (rank) and the chunk holding the k-th item (select) in O(log C);
//! * position hints: `hint[id]` names the chunk holding item `id` by the chunk's *handle*,
//!   a name it keeps while chunks before it split, merge or go (`place[handle]` is its
//!   current position). A hint changes only when its item moves to another chunk: the
//!   moved half of a split, the absorbed chunk of a merge, bulk builds and renumbering
//!   rename them all (4 bytes per member).
//!
//! ZRANK knows the member's slot (from the dict), so its hint gives the chunk, whose ids
//! (at most 1 KiB, contiguous, fetched together) are scanned for it: rank = items before
//! the chunk + position. The search by score it replaces read the chunk's pivot block and
//! then one of its segments, two dependent cache misses at 1 M members. Removal finds its
//! item the same way. A hint is checked (the chunk must hold the id) before it is used, and
//! the search by score stays as the fallback: when no other item of the chunk shares the
//! score, the first item with that score is the one, otherwise the run of equal scores is
//! scanned for its id; member bytes are read only for chunks whose last score equals it.
//!
//! Capacity: a chunk that splits gives back the spare capacity of the half it keeps, so
//! a set filled in order (timestamps, counters) keeps its full chunks exactly sized.
//!
//! Costs with n items and C ≈ n / 128..256 chunks: rank, select, score/lex bounds are
//! O(log n) (binary searches + a Fenwick walk); insert/remove are O(log n + chunk size)
//! plus, when a chunk splits, empties or merges (at most once per ~64 operations on that
//! chunk), an O(C) rebuild of `lasts`/pivots/Fenwick. Iteration from any rank is a
//! sequential walk over contiguous arrays.
//!
//! Why not a skip list: a pointer-linked skip list (even in a `Vec` arena) visits ~2 log n
//! scattered nodes per lookup, so at 1M members every ZRANK pays dozens of cache misses;
//! here a lookup touches the small `lasts` array, one pivot block, one segment of one
//! chunk and a few Fenwick words. Why not a counted B-tree: same asymptotics, several times
//! the code; a two-level structure is enough for the sizes a single in-process store holds.

use std::cmp::Ordering;

use crate::util::Dict;

/// Largest chunk; a full chunk splits before an insert (tiny under `cfg(test)` so the unit
/// tests split, merge and rebuild constantly).
pub const MAX_CHUNK: usize = if cfg!(test) { 40 } else { 256 };
/// A chunk smaller than this merges with a neighbour when the pair fits in one chunk.
pub const MIN_CHUNK: usize = MAX_CHUNK / 4;

/// Segments per chunk summarised in the pivot table.
const SEGS: usize = 16;

/// Where the members live: item ids are resolved to member bytes through this (the sorted
/// set's dict, whose slot numbers are the ids).
pub trait Members {
    /// The bytes of member `id` (an id the index holds).
    fn member(&self, id: u32) -> &[u8];
}

impl<V> Members for Dict<V> {
    #[inline]
    fn member(&self, id: u32) -> &[u8] {
        self.key_at(id)
    }
}

/// The last score of each of a chunk's `SEGS` equal segments (`-inf` for empty leading
/// segments), on its own pair of cache lines: a score search reads these, then one short
/// segment of the chunk, instead of binary-searching the whole chunk (which costs a cache
/// miss per probe once the set outgrows the caches).
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct Pivots([f64; SEGS]);

/// An element as the index holds it, as returned by removals and accepted by
/// [`OrderIndex::from_sorted`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Item {
    /// Score (never NaN).
    pub score: f64,
    /// The member's id (its slot in the owner's dict).
    pub id: u32,
}

/// A borrowed element, as yielded by lookups and iterators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ItemRef<'a> {
    /// Score.
    pub score: f64,
    /// Member bytes.
    pub member: &'a [u8],
}

/// Redis's element order: by score, then by member bytes (memcmp, shorter prefix first).
/// `-0.0` and `0.0` compare equal, as C's `<` does.
#[inline]
pub fn cmp_key(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    if s1 < s2 {
        Ordering::Less
    } else if s1 > s2 {
        Ordering::Greater
    } else {
        m1.cmp(m2)
    }
}

/// First index in `0..n` for which `before` is false (`before` monotone true→false).
#[inline]
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The first 16 bytes and the length of a member: orders two members without reading
/// the stored one's bytes unless both are longer than 16 bytes and share those 16.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct KeyHead {
    head: [u8; 16],
    len: usize,
}

impl KeyHead {
    fn of(m: &[u8]) -> KeyHead {
        let mut head = [0u8; 16];
        let n = m.len().min(16);
        head[..n].copy_from_slice(&m[..n]);
        KeyHead { head, len: m.len() }
    }

    /// Compares the member this head summarises (`full` fetches its bytes) with `m`.
    #[inline]
    fn cmp_with(&self, full: impl FnOnce() -> Option<Ordering>, m: &[u8]) -> Ordering {
        let n = self.len.min(m.len()).min(16);
        match self.head[..n].cmp(&m[..n]) {
            Ordering::Equal => {}
            o => return o,
        }
        if n < 16 || (self.len == 16 && m.len() == 16) {
            // One is a prefix of the other (or they are equal).
            return self.len.cmp(&m.len());
        }
        full().unwrap_or(Ordering::Less)
    }
}

/// One sorted run, stored as parallel arrays so score searches scan plain floats.
#[derive(Clone, Debug, Default)]
struct Chunk {
    scores: Vec<f64>,
    ids: Vec<u32>,
    /// The chunk's stable name, see [`OrderIndex::place`]: it keeps it while chunks before
    /// it come and go, so the position hints naming it stay true.
    handle: u32,
}

impl Chunk {
    #[inline]
    fn len(&self) -> usize {
        self.scores.len()
    }

    #[inline]
    fn last_score(&self) -> f64 {
        self.scores.last().copied().unwrap_or(0.0)
    }

    #[inline]
    fn get(&self, i: usize) -> Option<Item> {
        Some(Item {
            score: *self.scores.get(i)?,
            id: *self.ids.get(i)?,
        })
    }

    /// Number of items of this chunk ordered before `(score, member)`, given `lo`, the
    /// number of items with a lower score.
    #[inline]
    fn lower_bound_from<M: Members + ?Sized>(
        &self,
        lo: usize,
        score: f64,
        member: &[u8],
        keys: &M,
    ) -> usize {
        match self.scores.get(lo) {
            Some(&s) if s == score => {}
            _ => return lo,
        }
        // A run of equal scores: order by member inside it.
        if keys.member(self.ids[lo]) >= member {
            return lo;
        }
        let hi = lo + 1 + self.scores[lo + 1..].partition_point(|&s| s <= score);
        lo + 1 + self.ids[lo + 1..hi].partition_point(|&id| keys.member(id) < member)
    }

    fn push(&mut self, it: Item) {
        self.scores.push(it.score);
        self.ids.push(it.id);
    }

    fn insert(&mut self, pos: usize, it: Item) {
        self.scores.insert(pos, it.score);
        self.ids.insert(pos, it.id);
    }

    fn remove(&mut self, pos: usize) -> Item {
        Item {
            score: self.scores.remove(pos),
            id: self.ids.remove(pos),
        }
    }

    /// Moves the items from `at` on into a new, exactly sized chunk, and gives back the
    /// spare capacity of this one.
    fn split_off(&mut self, at: usize) -> Chunk {
        let right = Chunk {
            scores: self.scores.split_off(at),
            ids: self.ids.split_off(at),
            handle: NO_HANDLE,
        };
        self.scores.shrink_to_fit();
        self.ids.shrink_to_fit();
        right
    }

    fn append(&mut self, mut other: Chunk) {
        self.scores.append(&mut other.scores);
        self.ids.append(&mut other.ids);
    }

    fn drain_into(&mut self, from: usize, to: usize, out: &mut Vec<Item>) {
        out.extend(
            self.scores
                .drain(from..to)
                .zip(self.ids.drain(from..to))
                .map(|(score, id)| Item { score, id }),
        );
    }

    /// Position of the item `id` in the chunk. Blocks of 32 ids (two cache lines) are
    /// tested whole for the id (no exit inside a block, so the compiler vectorises the test
    /// and the block's loads go out together), and only the block holding it is searched
    /// for the position; a chunk's ids are at most 1 KiB, contiguous.
    #[inline]
    fn position_of(&self, id: u32) -> Option<usize> {
        const BLOCK: usize = 32;
        for (b, blk) in self.ids.chunks(BLOCK).enumerate() {
            if blk.iter().fold(false, |hit, &x| hit | (x == id)) {
                return blk.iter().position(|&x| x == id).map(|k| b * BLOCK + k);
            }
        }
        None
    }

    /// Position of the item `id` in the run of items scored `score` starting at `lo`.
    #[inline]
    fn find_in_run(&self, lo: usize, score: f64, id: u32) -> Option<usize> {
        let run = self.scores.get(lo..)?;
        let n = run.iter().take_while(|&&s| s == score).count();
        self.ids[lo..lo + n]
            .iter()
            .position(|&x| x == id)
            .map(|i| lo + i)
    }
}

/// The ordered index. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct OrderIndex {
    chunks: Vec<Chunk>,
    lasts: Vec<f64>,
    /// Head of each chunk's last member, for ordering by member on score ties.
    last_heads: Vec<KeyHead>,
    pivots: Vec<Pivots>,
    /// Fenwick tree over chunk lengths, 1-based (`tree[0]` unused), `chunks.len() + 1` long.
    tree: Vec<usize>,
    len: usize,
    /// Position hints, by item id: `hint[id]` is the handle of the chunk holding item `id`
    /// (anything for ids not in the index). Kept true on every move between chunks
    /// (split, merge, bulk build, renumbering); lookups still check the chunk holds the id
    /// and fall back to the search when not.
    hint: Vec<u32>,
    /// By chunk handle: the chunk's current position in `chunks` (`NO_HANDLE` for a
    /// free handle).
    place: Vec<u32>,
    /// Handles of dropped chunks, for reuse.
    free_handles: Vec<u32>,
}

/// No chunk (a free handle's place, a chunk not yet named).
const NO_HANDLE: u32 = u32::MAX;

impl OrderIndex {
    /// An empty index.
    pub fn new() -> OrderIndex {
        OrderIndex::default()
    }

    /// Builds from items already sorted by [`cmp_key`] (no duplicates), their members in
    /// `keys`.
    pub fn from_sorted<M: Members + ?Sized>(items: Vec<Item>, keys: &M) -> OrderIndex {
        let len = items.len();
        let per = MAX_CHUNK / 2;
        let mut chunks = Vec::with_capacity(len / per + 1);
        let mut cur = Chunk::default();
        for it in items {
            if cur.len() == per {
                chunks.push(std::mem::take(&mut cur));
            }
            cur.push(it);
        }
        if cur.len() > 0 {
            chunks.push(cur);
        }
        let mut out = OrderIndex {
            chunks,
            lasts: Vec::new(),
            last_heads: Vec::new(),
            pivots: Vec::new(),
            tree: Vec::new(),
            len,
            hint: Vec::new(),
            place: Vec::new(),
            free_handles: Vec::new(),
        };
        out.rebuild(keys);
        out
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes allocated for the items (the chunks' arrays), for memory accounting.
    pub fn item_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.scores.capacity() * 8 + c.ids.capacity() * 4)
            .sum()
    }

    /// Bytes of the per-chunk summaries and the chunk list, for memory accounting.
    pub fn summary_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Chunk>()
            + self.lasts.capacity() * 8
            + self.last_heads.capacity() * std::mem::size_of::<KeyHead>()
            + self.pivots.capacity() * std::mem::size_of::<Pivots>()
            + self.tree.capacity() * 8
            + (self.hint.capacity() + self.place.capacity() + self.free_handles.capacity()) * 4
    }

    /// Number of chunks (memory accounting samples chunks rather than walking them all).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    fn last_head<M: Members + ?Sized>(ch: &Chunk, keys: &M) -> KeyHead {
        ch.ids
            .last()
            .map_or_else(KeyHead::default, |&id| KeyHead::of(keys.member(id)))
    }

    fn pivots_of(ch: &Chunk) -> Pivots {
        let l = ch.len();
        let mut p = [f64::NEG_INFINITY; SEGS];
        for (j, slot) in p.iter_mut().enumerate() {
            let end = (j + 1) * l / SEGS;
            if end > 0 {
                *slot = ch.scores[end - 1];
            }
        }
        Pivots(p)
    }

    /// Refreshes the summaries of chunk `c` after its contents changed in place.
    #[inline]
    fn touch<M: Members + ?Sized>(&mut self, c: usize, keys: &M) {
        self.lasts[c] = self.chunks[c].last_score();
        self.last_heads[c] = Self::last_head(&self.chunks[c], keys);
        self.pivots[c] = Self::pivots_of(&self.chunks[c]);
    }

    /// First position in chunk `c` whose score fails `before` (monotone in the score).
    ///
    /// Both steps count (`before` is monotone, so the count is the partition point) rather
    /// than binary-search: a count's loads do not depend on each other, so the two cache
    /// lines of the pivots, then the one or two of the segment, are fetched at once. On a
    /// large set these are cache misses, and a binary search took them one after the other
    /// (ZRANK at 1 M members spent ~90 % of the index walk waiting on them).
    #[inline]
    fn chunk_partition_score(&self, c: usize, before: impl Fn(f64) -> bool) -> usize {
        let ch = &self.chunks[c];
        let l = ch.len();
        let count = |v: &[f64]| v.iter().map(|&s| usize::from(before(s))).sum::<usize>();
        let j = count(&self.pivots[c].0);
        if j >= SEGS {
            return l;
        }
        let (a, b) = (j * l / SEGS, (j + 1) * l / SEGS);
        a + count(&ch.scores[a..b])
    }

    /// Number of items of chunk `c` ordered before `(score, member)`.
    #[inline]
    fn lower_bound<M: Members + ?Sized>(
        &self,
        c: usize,
        score: f64,
        member: &[u8],
        keys: &M,
    ) -> usize {
        let lo = self.chunk_partition_score(c, |s| s < score);
        self.chunks[c].lower_bound_from(lo, score, member, keys)
    }

    /// Recomputes `lasts`, the pivots and the Fenwick tree from the chunks (bulk builds).
    fn rebuild<M: Members + ?Sized>(&mut self, keys: &M) {
        self.lasts.clear();
        self.lasts.extend(self.chunks.iter().map(Chunk::last_score));
        self.last_heads.clear();
        self.last_heads
            .extend(self.chunks.iter().map(|ch| Self::last_head(ch, keys)));
        self.pivots.clear();
        self.pivots.extend(self.chunks.iter().map(Self::pivots_of));
        self.rebuild_tree();
        self.rename_chunks();
    }

    /// Names chunk `c` `h` and points the hints of its items at it.
    fn name_chunk(&mut self, c: usize, h: u32) {
        let ch = &mut self.chunks[c];
        ch.handle = h;
        let top = ch.ids.iter().copied().max().map_or(0, |m| m as usize + 1);
        if self.hint.len() < top {
            self.hint.resize(top, NO_HANDLE);
        }
        for &id in &ch.ids {
            self.hint[id as usize] = h;
        }
    }

    /// Gives every chunk a fresh handle, its position, and recomputes all hints (bulk
    /// builds and renumbering: O(n), like them).
    fn rename_chunks(&mut self) {
        self.hint.clear();
        self.free_handles.clear();
        self.place = (0..self.chunks.len() as u32).collect();
        for c in 0..self.chunks.len() {
            self.name_chunk(c, c as u32);
        }
    }

    /// A handle for a new chunk.
    fn new_handle(&mut self) -> u32 {
        match self.free_handles.pop() {
            Some(h) => h,
            None => {
                self.place.push(NO_HANDLE);
                (self.place.len() - 1) as u32
            }
        }
    }

    /// Records the positions of the chunks from `from` on (after chunks were inserted or
    /// removed before them): O(C), as the summaries' shift that comes with it.
    fn fix_places(&mut self, from: usize) {
        for (c, ch) in self.chunks.iter().enumerate().skip(from) {
            self.place[ch.handle as usize] = c as u32;
        }
    }

    /// The chunk the hint of `id` names, if it holds `id`, and the item's position in it.
    #[inline]
    fn find_hinted(&self, id: u32) -> Option<(usize, usize)> {
        let h = *self.hint.get(id as usize)?;
        let c = *self.place.get(h as usize)? as usize;
        let pos = self.chunks.get(c)?.position_of(id)?;
        Some((c, pos))
    }

    /// Recomputes the Fenwick tree from the chunk lengths: O(C), reading only the chunk
    /// headers (contiguous), after chunks were inserted or removed.
    fn rebuild_tree(&mut self) {
        let c = self.chunks.len();
        self.tree.clear();
        self.tree.resize(c + 1, 0);
        for i in 1..=c {
            self.tree[i] += self.chunks[i - 1].len();
            let j = i + (i & i.wrapping_neg());
            if j <= c {
                let v = self.tree[i];
                self.tree[j] += v;
            }
        }
    }

    /// Inserts a chunk at position `at` with its summaries, under a new handle that its
    /// items' hints name (the tree is left to the caller).
    fn insert_chunk<M: Members + ?Sized>(&mut self, at: usize, ch: Chunk, keys: &M) {
        self.lasts.insert(at, ch.last_score());
        self.last_heads.insert(at, Self::last_head(&ch, keys));
        self.pivots.insert(at, Self::pivots_of(&ch));
        self.chunks.insert(at, ch);
        let h = self.new_handle();
        self.name_chunk(at, h);
        self.fix_places(at);
    }

    /// Removes the chunks in `range` with their summaries and frees their handles (the
    /// tree is left to the caller).
    fn remove_chunks(&mut self, range: std::ops::Range<usize>) {
        self.lasts.drain(range.clone());
        self.last_heads.drain(range.clone());
        self.pivots.drain(range.clone());
        let from = range.start;
        for ch in self.chunks.drain(range) {
            self.place[ch.handle as usize] = NO_HANDLE;
            self.free_handles.push(ch.handle);
        }
        self.fix_places(from);
    }

    /// Merges chunk `b` into chunk `b - 1`, whose handle the moved items' hints take
    /// (the tree is left to the caller).
    fn merge_into_prev<M: Members + ?Sized>(&mut self, b: usize, keys: &M) {
        let right = self.chunks.remove(b);
        self.lasts.remove(b);
        self.last_heads.remove(b);
        self.pivots.remove(b);
        let h = self.chunks[b - 1].handle;
        for &id in &right.ids {
            self.hint[id as usize] = h;
        }
        self.place[right.handle as usize] = NO_HANDLE;
        self.free_handles.push(right.handle);
        self.chunks[b - 1].append(right);
        self.touch(b - 1, keys);
        self.fix_places(b);
    }

    /// Appends a Fenwick node for a new last chunk of length `n`.
    fn fen_push(&mut self, n: usize) {
        let i = self.tree.len(); // 1-based index of the new node
        let low = i & i.wrapping_neg();
        let v = n + self.prefix(i - 1) - self.prefix(i - low);
        self.tree.push(v);
    }

    #[inline]
    fn fen_add(&mut self, chunk: usize, n: usize) {
        let mut i = chunk + 1;
        while i < self.tree.len() {
            self.tree[i] += n;
            i += i & i.wrapping_neg();
        }
    }

    #[inline]
    fn fen_sub(&mut self, chunk: usize, n: usize) {
        let mut i = chunk + 1;
        while i < self.tree.len() {
            self.tree[i] -= n;
            i += i & i.wrapping_neg();
        }
    }

    /// Number of items in chunks `0..chunk`.
    #[inline]
    fn prefix(&self, chunk: usize) -> usize {
        let mut i = chunk;
        let mut s = 0;
        while i > 0 {
            s += self.tree[i];
            i &= i - 1;
        }
        s
    }

    /// The (chunk, offset) of the item at `rank` (must be `< len`).
    fn locate(&self, rank: usize) -> (usize, usize) {
        let c = self.chunks.len();
        let mut pos = 0;
        let mut rem = rank;
        let mut step = if c == 0 {
            0
        } else {
            1usize << (usize::BITS - 1 - c.leading_zeros())
        };
        while step > 0 {
            let next = pos + step;
            if next <= c && self.tree[next] <= rem {
                pos = next;
                rem -= self.tree[next];
            }
            step >>= 1;
        }
        (pos, rem)
    }

    /// Index of the first chunk whose last item is not before `(score, member)`, or the
    /// number of chunks if every item is before it. Member bytes are only read for chunks
    /// whose last score equals `score`.
    fn chunk_for<M: Members + ?Sized>(&self, score: f64, member: &[u8], keys: &M) -> usize {
        let lo = self.lasts.partition_point(|&s| s < score);
        match self.lasts.get(lo) {
            Some(&s) if s == score => {}
            _ => return lo,
        }
        let hi = lo + self.lasts[lo..].partition_point(|&s| s <= score);
        lo + partition(hi - lo, |k| {
            let c = lo + k;
            let full = || {
                self.chunks[c]
                    .ids
                    .last()
                    .map(|&id| keys.member(id).cmp(member))
            };
            self.last_heads[c].cmp_with(full, member).is_lt()
        })
    }

    /// Inserts item `id` with `score`; the id must not be in the index, and `keys` must
    /// already resolve it.
    pub fn insert<M: Members + ?Sized>(&mut self, score: f64, id: u32, keys: &M) {
        let item = Item { score, id };
        if self.chunks.is_empty() {
            let mut ch = Chunk::default();
            ch.push(item);
            self.chunks.push(ch);
            self.len = 1;
            self.rebuild(keys);
            return;
        }
        let member = keys.member(id);
        let c = self
            .chunk_for(score, member, keys)
            .min(self.chunks.len() - 1);
        let mut pos = self.lower_bound(c, score, member, keys);
        self.len += 1;
        if self.chunks[c].len() < MAX_CHUNK {
            self.chunks[c].insert(pos, item);
            self.set_hint(id, self.chunks[c].handle);
            self.touch(c, keys);
            self.fen_add(c, 1);
            return;
        }
        // Full: split first (so no chunk grows past MAX_CHUNK's capacity), then insert
        // into the half that takes the item.
        let ch = &mut self.chunks[c];
        let right = ch.split_off(ch.len() / 2);
        let kept = ch.len();
        let moved = right.len();
        let into_left = pos <= kept;
        self.insert_chunk(c + 1, right, keys);
        let target = if into_left {
            c
        } else {
            pos -= kept;
            c + 1
        };
        self.chunks[target].insert(pos, item);
        self.set_hint(id, self.chunks[target].handle);
        self.touch(c, keys);
        self.touch(c + 1, keys);
        if c + 2 == self.chunks.len() {
            // Appending (monotonic inserts): O(log C) Fenwick update instead of a rebuild.
            let (left_n, right_n) = if into_left {
                (kept + 1, moved)
            } else {
                (kept, moved + 1)
            };
            self.fen_sub(c, kept + moved - left_n);
            self.fen_push(right_n);
        } else {
            self.rebuild_tree();
        }
    }

    /// Points the hint of `id` at the chunk named `h`.
    #[inline]
    fn set_hint(&mut self, id: u32, h: u32) {
        let i = id as usize;
        if self.hint.len() <= i {
            self.hint.resize(i + 1, NO_HANDLE);
        }
        self.hint[i] = h;
    }

    /// The (chunk, offset) of item `id` scored `score`: through its hint, else by search.
    #[inline]
    fn find<M: Members + ?Sized>(&self, score: f64, id: u32, keys: &M) -> Option<(usize, usize)> {
        if let Some((c, pos)) = self.find_hinted(id) {
            return (self.chunks[c].scores[pos] == score).then_some((c, pos));
        }
        let c = self.chunk_for(score, keys.member(id), keys);
        let ch = self.chunks.get(c)?;
        let lo = self.chunk_partition_score(c, |s| s < score);
        ch.find_in_run(lo, score, id).map(|pos| (c, pos))
    }

    /// Removes item `id` scored `score` (`keys` must still resolve it); false if absent.
    pub fn remove<M: Members + ?Sized>(&mut self, score: f64, id: u32, keys: &M) -> bool {
        match self.find(score, id, keys) {
            Some((c, pos)) => {
                self.chunks[c].remove(pos);
                self.len -= 1;
                self.after_shrink(c, 1, keys);
                true
            }
            None => false,
        }
    }

    /// Removes and returns the item at `rank`.
    pub fn remove_at<M: Members + ?Sized>(&mut self, rank: usize, keys: &M) -> Option<Item> {
        if rank >= self.len {
            return None;
        }
        let (c, off) = self.locate(rank);
        let it = self.chunks[c].remove(off);
        self.len -= 1;
        self.after_shrink(c, 1, keys);
        Some(it)
    }

    /// Restores the invariants after `n` items were removed from chunk `c`.
    fn after_shrink<M: Members + ?Sized>(&mut self, c: usize, n: usize, keys: &M) {
        if self.chunks[c].len() == 0 {
            self.remove_chunks(c..c + 1);
            self.rebuild_tree();
            return;
        }
        if self.chunks[c].len() < MIN_CHUNK && self.chunks.len() > 1 {
            let b = if c + 1 < self.chunks.len() { c + 1 } else { c };
            if self.chunks[b - 1].len() + self.chunks[b].len() <= MAX_CHUNK {
                self.merge_into_prev(b, keys);
                self.rebuild_tree();
                return;
            }
        }
        self.touch(c, keys);
        self.fen_sub(c, n);
    }

    /// Removes the items with ranks in `start..end` and returns them in order.
    pub fn remove_range<M: Members + ?Sized>(
        &mut self,
        start: usize,
        end: usize,
        keys: &M,
    ) -> Vec<Item> {
        let end = end.min(self.len);
        if start >= end {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(end - start);
        let (c0, mut off) = self.locate(start);
        let mut remaining = end - start;
        let mut c = c0;
        let mut touched = Vec::new();
        while remaining > 0 {
            let ch = &mut self.chunks[c];
            let take = remaining.min(ch.len() - off);
            ch.drain_into(off, off + take, &mut out);
            touched.push((c, take));
            remaining -= take;
            off = 0;
            c += 1;
        }
        self.len -= end - start;
        let structural = touched
            .iter()
            .any(|&(c, _)| self.chunks[c].len() < MIN_CHUNK);
        if structural {
            // Only the first and last touched chunks can keep items; the ones between are
            // empty and go in one drain.
            let last = c - 1;
            for &(c, _) in [touched[0], touched[touched.len() - 1]].iter() {
                if self.chunks[c].len() > 0 {
                    self.touch(c, keys);
                }
            }
            let first_empty = if self.chunks[c0].len() > 0 {
                c0 + 1
            } else {
                c0
            };
            let end_empty = if last > c0 && self.chunks[last].len() > 0 {
                last
            } else {
                last + 1
            };
            if first_empty < end_empty {
                self.remove_chunks(first_empty..end_empty);
            }
            // Merge the (at most two) partially emptied chunks around the cut.
            let cut = c0.min(self.chunks.len().saturating_sub(1));
            for c in [cut + 1, cut] {
                if c >= 1 && c < self.chunks.len() {
                    let (a, b) = (self.chunks[c - 1].len(), self.chunks[c].len());
                    if (a < MIN_CHUNK || b < MIN_CHUNK) && a + b <= MAX_CHUNK {
                        self.merge_into_prev(c, keys);
                    }
                }
            }
            self.rebuild_tree();
        } else {
            for (c, n) in touched {
                self.touch(c, keys);
                self.fen_sub(c, n);
            }
        }
        out
    }

    /// 0-based rank of item `id` scored `score` (`None` if it is not there with that
    /// score). Inside the chunk that must hold it, the run of items sharing its score is
    /// scanned for the id: no member bytes are compared.
    pub fn rank<M: Members + ?Sized>(&self, score: f64, id: u32, keys: &M) -> Option<usize> {
        let (c, pos) = self.find(score, id, keys)?;
        Some(self.prefix(c) + pos)
    }

    /// [`OrderIndex::rank`] for an item the caller knows is present with exactly this
    /// score (the owner's dict says so). Its hint names its chunk, whose ids are scanned
    /// for it: the rank is the chunk's prefix plus the position. (The search by score
    /// reads the chunk's pivot block, then one of its segments — two dependent cache misses
    /// at 1 M members where the scan of the chunk's ids, all fetched at once, is one.)
    /// Without a usable hint, the search: when no other item of its chunk shares the
    /// score, the rank is known without reading the ids.
    pub fn rank_of_present<M: Members + ?Sized>(
        &self,
        score: f64,
        id: u32,
        keys: &M,
    ) -> Option<usize> {
        if let Some((c, pos)) = self.find_hinted(id) {
            return Some(self.prefix(c) + pos);
        }
        let c = self.chunk_for(score, keys.member(id), keys);
        let ch = self.chunks.get(c)?;
        let lo = self.chunk_partition_score(c, |s| s < score);
        if ch.scores.get(lo) != Some(&score) {
            return None;
        }
        let pos = if ch.scores.get(lo + 1) == Some(&score) {
            ch.find_in_run(lo, score, id)?
        } else {
            debug_assert_eq!(ch.ids[lo], id, "rank_of_present of an absent item");
            lo
        };
        Some(self.prefix(c) + pos)
    }

    /// The item at `rank`.
    pub fn get(&self, rank: usize) -> Option<Item> {
        if rank >= self.len {
            return None;
        }
        let (c, off) = self.locate(rank);
        self.chunks[c].get(off)
    }

    /// Number of leading items for which `before(score, member)` holds; `before` must be
    /// monotone (true then false) over the order.
    pub fn partition_point<M: Members + ?Sized>(
        &self,
        before: impl Fn(f64, &[u8]) -> bool,
        keys: &M,
    ) -> usize {
        let c = self.chunks.partition_point(|ch| match ch.ids.last() {
            Some(&id) => before(ch.last_score(), keys.member(id)),
            None => true,
        });
        match self.chunks.get(c) {
            Some(ch) => {
                self.prefix(c)
                    + partition(ch.len(), |i| before(ch.scores[i], keys.member(ch.ids[i])))
            }
            None => self.len,
        }
    }

    /// [`OrderIndex::partition_point`] for a predicate on the score alone (touches no
    /// member bytes).
    pub fn partition_point_score(&self, before: impl Fn(f64) -> bool) -> usize {
        let c = self.lasts.partition_point(|&s| before(s));
        if c < self.chunks.len() {
            self.prefix(c) + self.chunk_partition_score(c, before)
        } else {
            self.len
        }
    }

    /// Iterates in order starting at `rank`, resolving members through `keys`.
    pub fn iter_from<'a, M: Members + ?Sized>(&'a self, rank: usize, keys: &'a M) -> Iter<'a, M> {
        let (chunk, off) = if rank < self.len {
            self.locate(rank)
        } else {
            (self.chunks.len(), 0)
        };
        Iter {
            chunks: &self.chunks,
            keys,
            chunk,
            off,
        }
    }

    /// Iterates all items in order.
    pub fn iter<'a, M: Members + ?Sized>(&'a self, keys: &'a M) -> Iter<'a, M> {
        self.iter_from(0, keys)
    }

    /// Iterates in reverse order starting at `rank` (inclusive) down to rank 0.
    pub fn iter_rev_from<'a, M: Members + ?Sized>(
        &'a self,
        rank: usize,
        keys: &'a M,
    ) -> RevIter<'a, M> {
        if rank < self.len {
            let (chunk, off) = self.locate(rank);
            RevIter {
                chunks: &self.chunks,
                keys,
                chunk: chunk + 1,
                off: off + 1,
            }
        } else {
            RevIter {
                chunks: &self.chunks,
                keys,
                chunk: 0,
                off: 0,
            }
        }
    }

    /// Renumbers the ids after the owner's dict compacted its slab: the dict keeps the
    /// order of its slots and packs them, so a member's new id is the number of live ids
    /// below its old one. The live ids are the index's plus `extra` (members the owner
    /// still held in the dict at the compaction but no longer in the index), which are
    /// renumbered too. O(n log n), as rare as the compaction itself (a shrink to 1/8 full).
    pub fn renumber(&mut self, extra: &mut [u32]) {
        let mut all: Vec<u32> = self
            .chunks
            .iter()
            .flat_map(|c| c.ids.iter().copied())
            .chain(extra.iter().copied())
            .collect();
        all.sort_unstable();
        // Present by construction; the position is the new slot number.
        let new = |id: &mut u32| *id = all.binary_search(id).unwrap_or(0) as u32;
        for ch in &mut self.chunks {
            ch.ids.iter_mut().for_each(new);
        }
        extra.iter_mut().for_each(new);
        self.rename_chunks();
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        *self = OrderIndex::default();
    }
}

/// Forward iterator, see [`OrderIndex::iter_from`].
pub struct Iter<'a, M: ?Sized> {
    chunks: &'a [Chunk],
    keys: &'a M,
    chunk: usize,
    off: usize,
}

impl<'a, M: Members + ?Sized> Iterator for Iter<'a, M> {
    type Item = ItemRef<'a>;
    #[inline]
    fn next(&mut self) -> Option<ItemRef<'a>> {
        loop {
            let ch = self.chunks.get(self.chunk)?;
            if let Some(it) = ch.get(self.off) {
                self.off += 1;
                return Some(ItemRef {
                    score: it.score,
                    member: self.keys.member(it.id),
                });
            }
            self.chunk += 1;
            self.off = 0;
        }
    }
}

/// Reverse iterator, see [`OrderIndex::iter_rev_from`]. `chunk`/`off` are one past the
/// next item (0 chunk = exhausted).
pub struct RevIter<'a, M: ?Sized> {
    chunks: &'a [Chunk],
    keys: &'a M,
    chunk: usize,
    off: usize,
}

impl<'a, M: Members + ?Sized> Iterator for RevIter<'a, M> {
    type Item = ItemRef<'a>;
    #[inline]
    fn next(&mut self) -> Option<ItemRef<'a>> {
        loop {
            if self.chunk == 0 {
                return None;
            }
            if self.off > 0 {
                self.off -= 1;
                let it = self.chunks[self.chunk - 1].get(self.off)?;
                return Some(ItemRef {
                    score: it.score,
                    member: self.keys.member(it.id),
                });
            }
            self.chunk -= 1;
            if self.chunk == 0 {
                return None;
            }
            self.off = self.chunks[self.chunk - 1].len();
        }
    }
}

#[cfg(test)]
mod tests;

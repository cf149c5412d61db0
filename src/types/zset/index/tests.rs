//! Unit tests of the order-statistic index against a sorted `Vec` model.

use super::*;
use proptest::prelude::*;

/// Member storage for the tests: id = position, never reused (as a dict's slab without
/// compaction); [`Reg::compact`] packs it as a dict's shrink does.
#[derive(Default)]
struct Reg(Vec<Option<Vec<u8>>>);

impl Members for Reg {
    fn member(&self, id: u32) -> &[u8] {
        self.0[id as usize].as_deref().expect("live id")
    }
}

impl Reg {
    fn add(&mut self, m: &[u8]) -> u32 {
        self.0.push(Some(m.to_vec()));
        (self.0.len() - 1) as u32
    }

    fn id_of(&self, m: &[u8]) -> Option<u32> {
        self.0
            .iter()
            .position(|x| x.as_deref() == Some(m))
            .map(|i| i as u32)
    }

    fn compact(&mut self) {
        self.0.retain(Option::is_some);
    }
}

fn model_sort(v: &mut [(f64, Vec<u8>)]) {
    v.sort_by(|a, b| cmp_key(a.0, &a.1, b.0, &b.1));
}

/// The position hints: every item's names the chunk holding it, every live chunk's handle
/// places it where it is, and the free handles place nothing.
fn check_hints(idx: &OrderIndex) {
    for (c, ch) in idx.chunks.iter().enumerate() {
        assert_eq!(
            idx.place[ch.handle as usize], c as u32,
            "chunk {c}'s handle"
        );
        for &id in &ch.ids {
            assert_eq!(
                idx.hint[id as usize], ch.handle,
                "hint of id {id} in chunk {c}"
            );
        }
    }
    for &h in &idx.free_handles {
        assert_eq!(idx.place[h as usize], NO_HANDLE, "free handle {h}");
    }
    let live = idx.place.iter().filter(|&&p| p != NO_HANDLE).count();
    assert_eq!(live, idx.chunks.len());
    assert_eq!(live + idx.free_handles.len(), idx.place.len());
}

fn check(idx: &OrderIndex, reg: &Reg, model: &[(f64, Vec<u8>)]) {
    check_hints(idx);
    assert_eq!(idx.len(), model.len());
    let got: Vec<(f64, Vec<u8>)> = idx
        .iter(reg)
        .map(|i| (i.score, i.member.to_vec()))
        .collect();
    assert_eq!(got, model);
    let rev: Vec<(f64, Vec<u8>)> = if model.is_empty() {
        Vec::new()
    } else {
        idx.iter_rev_from(model.len() - 1, reg)
            .map(|i| (i.score, i.member.to_vec()))
            .collect()
    };
    let mut mrev = model.to_vec();
    mrev.reverse();
    assert_eq!(rev, mrev);
    // Fenwick/lasts invariants.
    let mut sum = 0;
    for (c, ch) in idx.chunks.iter().enumerate() {
        assert!(ch.len() > 0);
        assert!(ch.len() <= MAX_CHUNK);
        // No chunk ever needs more room than MAX_CHUNK items (splits come first).
        assert!(ch.scores.capacity() <= MAX_CHUNK.next_power_of_two());
        assert_eq!(idx.prefix(c), sum);
        assert_eq!(idx.lasts[c], ch.last_score());
        assert_eq!(idx.last_heads[c], OrderIndex::last_head(ch, reg));
        assert_eq!(idx.pivots[c].0, OrderIndex::pivots_of(ch).0);
        assert_eq!(ch.ids.len(), ch.len());
        sum += ch.len();
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(i8, u8),
    Remove(i8, u8),
    RemoveAt(u16),
    RemoveRange(u16, u16),
    Compact,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (any::<i8>(), any::<u8>()).prop_map(|(s, m)| Op::Insert(s, m)),
        2 => (any::<i8>(), any::<u8>()).prop_map(|(s, m)| Op::Remove(s, m)),
        4 => any::<u16>().prop_map(Op::RemoveAt),
        1 => (any::<u16>(), 0u16..300).prop_map(|(a, n)| Op::RemoveRange(a, n)),
        // Short ranges: chunks shrink below MIN_CHUNK with neighbours left to merge with.
        3 => (any::<u16>(), 0u16..30).prop_map(|(a, n)| Op::RemoveRange(a, n)),
        1 => Just(Op::Compact),
    ]
}

fn member(m: u8) -> Vec<u8> {
    // Variable-length members so prefix ordering is exercised, some longer than the
    // 16-byte heads and sharing them.
    if m % 5 == 0 {
        return format!("{:0>18}", m % 64).into_bytes();
    }
    let full = format!("m{m:03}");
    full.as_bytes()[..2 + (m as usize % 3)].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn index_matches_sorted_vec(ops in proptest::collection::vec(op(), 1..1500)) {
        let mut idx = OrderIndex::new();
        let mut reg = Reg::default();
        let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
        // Start from a set of several chunks (every member the ops can name), so that
        // removals shrink chunks that have neighbours: splits and merges both happen.
        let mut ops = ops;
        ops.splice(0..0, (0..=255u8).map(|m| Op::Insert(m.wrapping_mul(7) as i8, m)));
        for op in ops {
            match op {
                Op::Insert(s, m) => {
                    let m = member(m);
                    let s = (s % 16) as f64 / 2.0;
                    if !model.iter().any(|(_, x)| *x == m) {
                        let id = reg.add(&m);
                        idx.insert(s, id, &reg);
                        model.push((s, m));
                        model_sort(&mut model);
                    }
                }
                Op::Remove(s, m) => {
                    let m = member(m);
                    let s = (s % 16) as f64 / 2.0;
                    let pos = model.iter().position(|(ms, x)| *x == m && *ms == s);
                    if let Some(id) = reg.id_of(&m) {
                        prop_assert_eq!(idx.remove(s, id, &reg), pos.is_some());
                        if let Some(p) = pos {
                            model.remove(p);
                            reg.0[id as usize] = None;
                        }
                    }
                }
                Op::RemoveAt(r) => {
                    let r = r as usize % (model.len() + 1);
                    let got = idx.remove_at(r, &reg).map(|i| {
                        let m = reg.member(i.id).to_vec();
                        reg.0[i.id as usize] = None;
                        (i.score, m)
                    });
                    let want = (r < model.len()).then(|| model.remove(r));
                    prop_assert_eq!(got, want);
                }
                Op::RemoveRange(a, n) => {
                    let a = a as usize % (model.len() + 1);
                    let e = (a + n as usize).min(model.len());
                    let got: Vec<_> = idx.remove_range(a, a + n as usize, &reg)
                        .into_iter().map(|i| (i.score, reg.member(i.id).to_vec())).collect();
                    for (_, m) in &got {
                        if let Some(id) = reg.id_of(m) {
                            reg.0[id as usize] = None;
                        }
                    }
                    let want: Vec<_> = model.drain(a..e).collect();
                    prop_assert_eq!(got, want);
                }
                Op::Compact => {
                    reg.compact();
                    idx.renumber(&mut []);
                }
            }
            // After every operation: inserts, removals, splits, merges, renumbering.
            check_hints(&idx);
            if let Some((s, m)) = model.first() {
                let id = reg.id_of(m).unwrap();
                prop_assert_eq!(idx.find_hinted(id).map(|(c, p)| idx.prefix(c) + p), Some(0));
                prop_assert_eq!(idx.rank(*s, id, &reg), Some(0));
            }
        }
        check(&idx, &reg, &model);
        for (r, (s, m)) in model.iter().enumerate() {
            let id = reg.id_of(m).unwrap();
            prop_assert_eq!(idx.rank(*s, id, &reg), Some(r));
            prop_assert_eq!(idx.rank(*s + 100.0, id, &reg), None);
            prop_assert_eq!(idx.rank_of_present(*s, id, &reg), Some(r));
            let it = idx.get(r).unwrap();
            prop_assert_eq!((it.score, it.id), (*s, id));
            prop_assert_eq!(idx.iter_from(r, &reg).next().map(|i| i.member.to_vec()), Some(m.clone()));
            prop_assert_eq!(idx.iter_rev_from(r, &reg).next().map(|i| i.member.to_vec()), Some(m.clone()));
        }
        prop_assert!(idx.get(model.len()).is_none());
        for probe in -9..=9 {
            let p = probe as f64 / 2.0;
            let lb = model.iter().filter(|(s, _)| *s < p).count();
            let ub = model.iter().filter(|(s, _)| *s <= p).count();
            prop_assert_eq!(idx.partition_point_score(|s| s < p), lb);
            prop_assert_eq!(idx.partition_point_score(|s| s <= p), ub);
            prop_assert_eq!(idx.partition_point(|s, _| s < p, &reg), lb);
            let key = member(probe as u8);
            let kb = model.iter().filter(|(s, m)| cmp_key(*s, m, p, &key).is_lt()).count();
            prop_assert_eq!(idx.partition_point(|s, m| cmp_key(s, m, p, &key).is_lt(), &reg), kb);
        }
    }
}

proptest! {
    #[test]
    fn key_head_orders_like_bytes(
        a in proptest::collection::vec(0u8..3, 0..24),
        b in proptest::collection::vec(0u8..3, 0..24),
    ) {
        let h = KeyHead::of(&a);
        prop_assert_eq!(h.cmp_with(|| Some(a.cmp(&b)), &b), a.cmp(&b));
    }
}

#[test]
fn large_sequential_and_bulk() {
    let mut idx = OrderIndex::new();
    let mut reg = Reg::default();
    for i in 0..10_000u32 {
        let id = reg.add(format!("{i:05}").as_bytes());
        idx.insert((i % 100) as f64, id, &reg);
    }
    assert_eq!(idx.len(), 10_000);
    let rank = |idx: &OrderIndex, reg: &Reg, s: f64, m: &[u8]| idx.rank(s, reg.id_of(m)?, reg);
    assert_eq!(rank(&idx, &reg, 0.0, b"00000"), Some(0));
    assert_eq!(rank(&idx, &reg, 0.0, b"00100"), Some(1));
    assert_eq!(rank(&idx, &reg, 99.0, b"09999"), Some(9_999));
    let sorted: Vec<Item> = (0..idx.len()).filter_map(|r| idx.get(r)).collect();
    check_hints(&idx);
    let bulk = OrderIndex::from_sorted(sorted.clone(), &reg);
    check_hints(&bulk);
    assert_eq!(
        (0..bulk.len())
            .filter_map(|r| bulk.get(r))
            .collect::<Vec<_>>(),
        sorted
    );
    assert_eq!(rank(&bulk, &reg, 99.0, b"09999"), Some(9_999));
    let removed = idx.remove_range(10, 9_990, &reg);
    assert_eq!(removed.len(), 9_980);
    assert_eq!(idx.len(), 20);
    let left: Vec<Item> = (0..idx.len()).filter_map(|r| idx.get(r)).collect();
    let mut want = sorted[..10].to_vec();
    want.extend_from_slice(&sorted[9_990..]);
    assert_eq!(left, want);
    let model: Vec<(f64, Vec<u8>)> = want
        .iter()
        .map(|i| (i.score, reg.member(i.id).to_vec()))
        .collect();
    check(&idx, &reg, &model);
    assert!(idx.chunks.len() <= 20 / MIN_CHUNK + 1);
}

#[test]
fn in_order_fill_keeps_chunks_exact() {
    // Appending (the common case: timestamps, counters) leaves every chunk but the last
    // exactly sized: a split gives back the kept half's spare room.
    let mut idx = OrderIndex::new();
    let mut reg = Reg::default();
    for i in 0..5_000u32 {
        let id = reg.add(format!("m{i}").as_bytes());
        idx.insert(i as f64, id, &reg);
    }
    let n = idx.chunks.len();
    for ch in &idx.chunks[..n - 1] {
        assert_eq!(ch.scores.capacity(), ch.len());
        assert_eq!(ch.ids.capacity(), ch.len());
    }
    assert!(idx.item_bytes() <= 5_000 * 12 + MAX_CHUNK * 12);
}

/// A split names a new chunk and a merge moves items into their left neighbour's: the
/// moved items' hints follow (the model test reaches merges rarely; this one forces them).
#[test]
fn hints_follow_splits_and_merges() {
    let mut idx = OrderIndex::new();
    let mut reg = Reg::default();
    for i in 0..100u32 {
        let id = reg.add(format!("m{i:03}").as_bytes());
        idx.insert(i as f64, id, &reg);
    }
    assert!(idx.chunks.len() > 2, "splits happened");
    check_hints(&idx);
    let before = idx.chunks.len();
    for k in 0..60 {
        // From the front, then from the middle: chunks shrink below MIN_CHUNK and merge.
        let r = if k % 2 == 0 { 0 } else { idx.len() / 2 };
        let it = idx.remove_at(r, &reg).unwrap();
        reg.0[it.id as usize] = None;
        check_hints(&idx);
    }
    assert!(idx.chunks.len() < before, "merges happened");
    for r in 0..idx.len() {
        let it = idx.get(r).unwrap();
        assert_eq!(idx.rank_of_present(it.score, it.id, &reg), Some(r));
        assert_eq!(
            idx.find_hinted(it.id).map(|(c, p)| idx.prefix(c) + p),
            Some(r)
        );
    }
}

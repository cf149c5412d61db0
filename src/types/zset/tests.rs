//! Unit and property tests of [`ZSet`]: both encodings against a reference model, across
//! the conversion point.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::spec::{LexRange, ScoreRange};
use super::ZSet;
use crate::config::Config;

#[derive(Debug, Clone)]
enum Op {
    Add(usize, f64),
    /// ZADD of several pairs: reserve once, place each, trim.
    AddMany(Vec<(usize, f64)>),
    Remove(usize),
    Pop(bool),
    RemoveRange(usize, usize),
    Fit,
}

/// 20 short members (3, 5 and 15 bytes: each way `pack::same` compares) and 4 longer
/// than the test's value limit (16).
fn member(i: usize) -> Vec<u8> {
    if i < 20 {
        let k = (i * 7) % 20;
        match i % 4 {
            0 | 1 => format!("m{k:02}"),
            2 => format!("mb{k:02}x"),
            _ => format!("m{k:02}-middle-xyz"),
        }
        .into_bytes()
    } else {
        format!("long-member-{i:08}").into_bytes()
    }
}

const SCORES: &[f64] = &[
    0.0,
    1.0,
    -1.0,
    2.5,
    3.0,
    -7.25,
    100.0,
    1e300,
    -1e-300,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1_152_921_504_606_846_976.0, // 2^60: stored as 8 bytes
    9_007_199_254_740_991.0,     // 2^53 - 1: a 7-byte integer
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..24, 0..SCORES.len()).prop_map(|(m, s)| Op::Add(m, SCORES[s])),
        2 => proptest::collection::vec((0usize..24, 0..SCORES.len()), 1..6)
            .prop_map(|v| Op::AddMany(v.into_iter().map(|(m, s)| (m, SCORES[s])).collect())),
        2 => (0usize..24).prop_map(Op::Remove),
        1 => any::<bool>().prop_map(Op::Pop),
        1 => (0usize..16, 0usize..4).prop_map(|(a, n)| Op::RemoveRange(a, a + n)),
        1 => Just(Op::Fit),
    ]
}

fn cfg() -> Config {
    Config {
        zset_max_listpack_entries: 12,
        zset_max_listpack_value: 16,
        ..Config::default()
    }
}

const RANGES: &[(&str, &str)] = &[
    ("-inf", "+inf"),
    ("0", "3"),
    ("(0", "(3"),
    ("-1", "-1"),
    ("(1", "1e301"),
    ("5", "1"),
    ("+inf", "+inf"),
];
const LEX: &[(&str, &str)] = &[
    ("-", "+"),
    ("[m05", "(m12"),
    ("(m03", "[long"),
    ("[m99", "+"),
    ("-", "[m00"),
    ("[long-member-00000021", "[m02"),
];

/// Every read of `z` equals the model's (a sorted vector of the same pairs).
fn check(z: &ZSet, model: &BTreeMap<Vec<u8>, f64>) -> Result<(), TestCaseError> {
    let mut sorted: Vec<(Vec<u8>, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
    sorted.sort_by(|a, b| super::index::cmp_key(a.1, &a.0, b.1, &b.0));
    prop_assert_eq!(z.len(), sorted.len());
    let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
    prop_assert_eq!(&got, &sorted);
    for (rank, (m, s)) in sorted.iter().enumerate() {
        prop_assert_eq!(z.score(m), Some(*s));
        prop_assert_eq!(z.rank(m), Some(rank));
        prop_assert_eq!(z.get_by_rank(rank), Some((m.as_slice(), *s)));
        let rev: Vec<(Vec<u8>, f64)> = z
            .iter_rev_from(rank)
            .map(|(m, s)| (m.to_vec(), s))
            .collect();
        let want: Vec<(Vec<u8>, f64)> = sorted[..=rank].iter().rev().cloned().collect();
        prop_assert_eq!(rev, want);
        let fwd: Vec<(Vec<u8>, f64)> = z.iter_from(rank).map(|(m, s)| (m.to_vec(), s)).collect();
        prop_assert_eq!(fwd, sorted[rank..].to_vec());
    }
    prop_assert_eq!(z.get_by_rank(sorted.len()), None);
    prop_assert_eq!(z.iter_from(sorted.len()).count(), 0);
    prop_assert_eq!(z.iter_rev_from(sorted.len()).count(), 0);
    prop_assert_eq!(z.score(b"absent"), None);
    prop_assert_eq!(z.rank(b"absent"), None);
    for (lo, hi) in RANGES {
        let r = ScoreRange::parse(lo.as_bytes(), hi.as_bytes())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let inr: Vec<usize> = (0..sorted.len())
            .filter(|&i| r.gte_min(sorted[i].1) && r.lte_max(sorted[i].1))
            .collect();
        prop_assert_eq!(
            z.score_first(&r),
            inr.first().copied(),
            "score_first {} {}",
            lo,
            hi
        );
        prop_assert_eq!(
            z.score_last(&r),
            inr.last().copied(),
            "score_last {} {}",
            lo,
            hi
        );
        prop_assert_eq!(z.count_in_score_range(&r), inr.len());
    }
    for (lo, hi) in LEX {
        let r = LexRange::parse(lo.as_bytes(), hi.as_bytes())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let first = z.lex_first(&r);
        let last = z.lex_last(&r);
        // Members all compare the same way only when scores are equal; the model checks
        // what holds in any case: the reported ends are in range.
        if let Some(f) = first {
            prop_assert!(r.gte_min(&sorted[f].0) && r.lte_max(&sorted[f].0));
        }
        if let Some(l) = last {
            prop_assert!(r.gte_min(&sorted[l].0) && r.lte_max(&sorted[l].0));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The listpack form (converting at the limits) and a set in the skiplist form from
    /// the start against a model: same replies to every read after every operation, and
    /// the listpack form converts exactly when Redis's rules say.
    #[test]
    fn both_encodings_match_the_model(ops in proptest::collection::vec(op(), 0..80)) {
        let cfg = cfg();
        let limits = (cfg.zset_max_listpack_entries, cfg.zset_max_listpack_value);
        let mut z = ZSet::new();
        let mut full = ZSet::new();
        full.convert_to_skiplist();
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let mut compact = true;
        for op in ops {
            let adds = match op {
                Op::Add(i, s) => vec![(i, s)],
                Op::AddMany(ref v) => v.clone(),
                _ => Vec::new(),
            };
            let many = matches!(op, Op::AddMany(_));
            if many {
                let ms: Vec<(Vec<u8>, f64)> = adds.iter().map(|&(i, s)| (member(i), s)).collect();
                z.reserve_for(limits, ms.iter().map(|(m, s)| (m.as_slice(), *s)));
            }
            for &(i, s) in &adds {
                let m = member(i);
                let prev = model.insert(m.clone(), s);
                if prev.is_none() && (model.len() > limits.0 || m.len() > limits.1) {
                    compact = false;
                }
                // The listpack side goes the way ZADD does (one walk to find or place),
                // the other through `add`.
                let (found, spot) = z.locate(&m, s);
                prop_assert_eq!(found, prev);
                if prev.is_none() {
                    z.prepare_new_member(limits, m.len());
                    z.insert_at_spot(spot, &m, s);
                } else if prev != Some(s) {
                    z.update_at_spot(spot, &m, s);
                }
                prop_assert_eq!(full.add(&cfg, &m, s), prev);
            }
            if many {
                z.trim();
                if let (Some(cap), Some(bytes)) = (z.pack_capacity(), z.pack_bytes()) {
                    prop_assert_eq!(cap, bytes, "no slack after a ZADD");
                }
            }
            match op {
                Op::Add(..) | Op::AddMany(_) => {}
                Op::Remove(i) => {
                    let m = member(i);
                    let prev = model.remove(&m);
                    prop_assert_eq!(z.remove(&m), prev);
                    prop_assert_eq!(full.remove(&m), prev);
                }
                Op::Pop(max) => {
                    let a = z.pop(max);
                    let b = full.pop(max);
                    prop_assert_eq!(&a, &b);
                    if let Some((m, s)) = a {
                        prop_assert_eq!(model.remove(&m), Some(s));
                    } else {
                        prop_assert!(model.is_empty());
                    }
                }
                Op::RemoveRange(a, b) => {
                    let mut sorted: Vec<(Vec<u8>, f64)> =
                        model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                    sorted.sort_by(|x, y| super::index::cmp_key(x.1, &x.0, y.1, &y.0));
                    let end = b.min(sorted.len());
                    let n = end.saturating_sub(a);
                    if a < end {
                        for (m, _) in &sorted[a..end] {
                            model.remove(m);
                        }
                    }
                    prop_assert_eq!(z.remove_range(a, end.max(a)), n);
                    prop_assert_eq!(full.remove_range(a, end.max(a)), n);
                }
                Op::Fit => {
                    z.fit_encoding(&cfg);
                    full.fit_encoding(&cfg);
                    let max = model.keys().map(Vec::len).max().unwrap_or(0);
                    compact = model.len() <= limits.0 && max <= limits.1;
                    prop_assert_eq!(full.is_compact(), compact);
                    full.convert_to_skiplist();
                }
            }
            prop_assert_eq!(z.is_compact(), compact);
            prop_assert!(!full.is_compact());
            check(&z, &model)?;
            check(&full, &model)?;
            // Lex walks agree between the encodings where Redis's agree: with one score.
            let rebuilt = ZSet::from_pairs_fit(model.iter().map(|(m, s)| (m.clone(), *s)).collect(), &cfg);
            check(&rebuilt, &model)?;
        }
    }
}

#[test]
fn negative_zero_is_zero_in_a_listpack_only() {
    let cfg = cfg();
    let mut z = ZSet::new();
    z.add(&cfg, b"a", -0.0);
    assert!(z
        .score(b"a")
        .is_some_and(|s| s == 0.0 && s.is_sign_positive()));
    let mut f = ZSet::new();
    f.convert_to_skiplist();
    f.add(&cfg, b"a", -0.0);
    assert!(f
        .score(b"a")
        .is_some_and(|s| s == 0.0 && s.is_sign_negative()));
    // Back to a listpack (a store command's result): the sign goes.
    f.fit_encoding(&cfg);
    assert!(f.is_compact());
    assert!(f
        .score(b"a")
        .is_some_and(|s| s == 0.0 && s.is_sign_positive()));
}

#[test]
fn from_pairs_fit_picks_the_encoding_and_keeps_the_last_duplicate() {
    let cfg = cfg();
    let small: Vec<(Vec<u8>, f64)> = (0..12)
        .map(|i| (format!("m{i}").into_bytes(), f64::from(i)))
        .collect();
    assert!(ZSet::from_pairs_fit(small.clone(), &cfg).is_compact());
    let mut big = small.clone();
    big.push((b"x".to_vec(), 1.0));
    assert!(!ZSet::from_pairs_fit(big, &cfg).is_compact());
    let mut long = small;
    long[0].0 = vec![b'l'; 17];
    assert!(!ZSet::from_pairs_fit(long, &cfg).is_compact());
    for compact in [true, false] {
        let z = ZSet::from_pairs_in(
            vec![
                (b"a".to_vec(), 1.0),
                (b"b".to_vec(), 2.0),
                (b"a".to_vec(), 3.0),
            ],
            compact,
        );
        assert_eq!(z.len(), 2, "duplicates show in the length");
        assert_eq!(z.score(b"a"), Some(3.0), "the last copy wins");
        assert_eq!(z.is_compact(), compact);
    }
}

#[test]
fn a_small_set_is_one_buffer() {
    // The handle of a listpack zset is the buffer's: no table, no index.
    assert!(std::mem::size_of::<ZSet>() <= 32);
    let cfg = Config::default();
    let mut z = ZSet::new();
    for j in 0..100 {
        z.add(&cfg, format!("member-{j}").as_bytes(), f64::from(j));
    }
    assert!(z.is_compact());
    let cap = z.pack_capacity().unwrap_or(0);
    // Per pair: tag, length, a 1-byte score, 8..9 member bytes.
    assert!(cap <= 100 * 12, "{cap} bytes");
}

/// The skiplist form's index names members by their dict slot; a removal that shrinks the
/// dict compacts its slab, and the index must follow. Removes nearly everything (ZREM,
/// pops, range removals), checking every read against the model along the way, and
/// checks the slab did compact (more than once).
#[test]
fn a_skiplist_survives_its_table_compacting() {
    let cfg = Config::default();
    let mut z = ZSet::new();
    let mut model = BTreeMap::new();
    for i in 0..2_000usize {
        // Repeated scores, so rank lookups scan runs of equal scores.
        let m = format!("member-{:05}", (i * 7_919) % 2_000).into_bytes();
        let s = (i % 37) as f64;
        z.add(&cfg, &m, s);
        model.insert(m, s);
    }
    assert!(!z.is_compact());
    let slab = |z: &ZSet| z.table().map_or(0, |t| t.slab_len());
    let mut compactions = 0;
    let mut last = slab(&z);
    let mut step = 0usize;
    while model.len() > 40 {
        step += 1;
        match step % 4 {
            0 => {
                let (m, s) = z.pop(step % 8 == 0).expect("non-empty");
                assert_eq!(model.remove(&m), Some(s));
            }
            1 => {
                let start = (step * 13) % (model.len() - 5);
                let mut sorted: Vec<(Vec<u8>, f64)> =
                    model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                sorted.sort_by(|a, b| super::index::cmp_key(a.1, &a.0, b.1, &b.0));
                assert_eq!(z.remove_range(start, start + 5), 5);
                for (m, _) in &sorted[start..start + 5] {
                    model.remove(m);
                }
            }
            _ => {
                let k = model.keys().nth((step * 31) % model.len()).cloned();
                let m = k.expect("non-empty");
                assert_eq!(z.remove(&m), model.remove(&m));
            }
        }
        let now = slab(&z);
        if now != last {
            compactions += 1;
            // Right after a compaction, every id must have been renumbered.
            check(&z, &model).expect("reads after a compaction");
        }
        last = now;
        if step % 97 == 0 {
            // A rescore moves an item through the index by its id.
            let m = model.keys().next().cloned().expect("non-empty");
            z.add(&cfg, &m, -5.0);
            model.insert(m, -5.0);
            check(&z, &model).expect("reads");
        }
    }
    assert!(compactions >= 2, "the dict compacted {compactions} times");
    check(&z, &model).expect("final reads");
}

//! Proptest: random SADD/SREM/SISMEMBER/SCARD/SMEMBERS/SINTER/SUNION/SDIFF (and the STORE
//! variants) over 3 keys against a `BTreeSet` model.

use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const KEYS: [&str; 3] = ["k0", "k1", "k2"];
const MEMBERS: [&str; 8] = ["1", "2", "-3", "10", "01", "a", "b", "xyz"];

#[derive(Debug, Clone)]
enum Op {
    Sadd(usize, Vec<usize>),
    Srem(usize, Vec<usize>),
    Sismember(usize, usize),
    Scard(usize),
    Smembers(usize),
    Sinter(Vec<usize>),
    Sunion(Vec<usize>),
    Sdiff(Vec<usize>),
    Store(u8, usize, Vec<usize>),
}

fn key() -> impl Strategy<Value = usize> {
    0..KEYS.len()
}
fn members() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..MEMBERS.len(), 1..5)
}
fn keys() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(key(), 1..4)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (key(), members()).prop_map(|(k, m)| Op::Sadd(k, m)),
        2 => (key(), members()).prop_map(|(k, m)| Op::Srem(k, m)),
        1 => (key(), 0..MEMBERS.len()).prop_map(|(k, m)| Op::Sismember(k, m)),
        1 => key().prop_map(Op::Scard),
        1 => key().prop_map(Op::Smembers),
        1 => keys().prop_map(Op::Sinter),
        1 => keys().prop_map(Op::Sunion),
        1 => keys().prop_map(Op::Sdiff),
        1 => (0u8..3, key(), keys()).prop_map(|(w, d, k)| Op::Store(w, d, k)),
    ]
}

type Model = BTreeMap<&'static str, BTreeSet<&'static str>>;

fn get(m: &Model, k: usize) -> BTreeSet<&'static str> {
    m.get(KEYS[k]).cloned().unwrap_or_default()
}

fn combine(m: &Model, which: u8, ks: &[usize]) -> BTreeSet<&'static str> {
    let mut acc = get(m, ks[0]);
    for &k in &ks[1..] {
        let s = get(m, k);
        acc = match which {
            0 => acc.intersection(&s).copied().collect(),
            1 => acc.union(&s).copied().collect(),
            _ => acc.difference(&s).copied().collect(),
        };
    }
    acc
}

fn as_set(v: &Value) -> BTreeSet<String> {
    assert!(matches!(v, Value::Set(_)), "{v:?}");
    let items = strs(v);
    let set: BTreeSet<String> = items.iter().cloned().collect();
    assert_eq!(set.len(), items.len(), "duplicates in {v:?}");
    set
}

fn owned_set(s: &BTreeSet<&str>) -> BTreeSet<String> {
    s.iter().map(|x| x.to_string()).collect()
}

/// Every stored set: non-empty, and an intset only if all members are integers (in
/// which case SMEMBERS must come out in ascending numeric order).
fn check_invariants(h: &mut H) {
    for k in KEYS {
        let Some(e) = h.store.dbs[0].dict.get(k.as_bytes()) else {
            continue;
        };
        let set = e.obj.as_set().unwrap();
        assert!(!set.is_empty());
        if set.is_intset() {
            assert!(set.iter().all(|m| emu::util::parse_i64(&m).is_some()));
            let out = strs(&h.ok(&["SMEMBERS", k]));
            let nums: Vec<i64> = out.iter().map(|m| m.parse().unwrap()).collect();
            let mut sorted_nums = nums.clone();
            sorted_nums.sort();
            assert_eq!(nums, sorted_nums);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn sets_match_btreeset_model(ops in prop::collection::vec(op(), 1..40)) {
        let mut h = H::new();
        let mut m: Model = BTreeMap::new();
        for op in ops {
            match op {
                Op::Sadd(k, ms) => {
                    let mut args = vec!["SADD", KEYS[k]];
                    args.extend(ms.iter().map(|&i| MEMBERS[i]));
                    let set = m.entry(KEYS[k]).or_default();
                    let added = ms.iter().filter(|&&i| set.insert(MEMBERS[i])).count();
                    prop_assert_eq!(h.int(&args), added as i64);
                }
                Op::Srem(k, ms) => {
                    let mut args = vec!["SREM", KEYS[k]];
                    args.extend(ms.iter().map(|&i| MEMBERS[i]));
                    let mut removed = 0;
                    if let Some(set) = m.get_mut(KEYS[k]) {
                        removed = ms.iter().filter(|&&i| set.remove(MEMBERS[i])).count();
                        if set.is_empty() {
                            m.remove(KEYS[k]);
                        }
                    }
                    prop_assert_eq!(h.int(&args), removed as i64);
                }
                Op::Sismember(k, i) => {
                    let want = get(&m, k).contains(MEMBERS[i]) as i64;
                    prop_assert_eq!(h.int(&["SISMEMBER", KEYS[k], MEMBERS[i]]), want);
                }
                Op::Scard(k) => {
                    prop_assert_eq!(h.int(&["SCARD", KEYS[k]]), get(&m, k).len() as i64);
                }
                Op::Smembers(k) => {
                    let got = as_set(&h.ok(&["SMEMBERS", KEYS[k]]));
                    prop_assert_eq!(got, owned_set(&get(&m, k)));
                }
                Op::Sinter(ks) => {
                    let mut args = vec!["SINTER"];
                    args.extend(ks.iter().map(|&k| KEYS[k]));
                    prop_assert_eq!(as_set(&h.ok(&args)), owned_set(&combine(&m, 0, &ks)));
                }
                Op::Sunion(ks) => {
                    let mut args = vec!["SUNION"];
                    args.extend(ks.iter().map(|&k| KEYS[k]));
                    prop_assert_eq!(as_set(&h.ok(&args)), owned_set(&combine(&m, 1, &ks)));
                }
                Op::Sdiff(ks) => {
                    let mut args = vec!["SDIFF"];
                    args.extend(ks.iter().map(|&k| KEYS[k]));
                    prop_assert_eq!(as_set(&h.ok(&args)), owned_set(&combine(&m, 2, &ks)));
                }
                Op::Store(which, d, ks) => {
                    let name = ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"][which as usize];
                    let mut args = vec![name, KEYS[d]];
                    args.extend(ks.iter().map(|&k| KEYS[k]));
                    let result = combine(&m, which, &ks);
                    prop_assert_eq!(h.int(&args), result.len() as i64);
                    if result.is_empty() {
                        m.remove(KEYS[d]);
                    } else {
                        m.insert(KEYS[d], result);
                    }
                }
            }
            check_invariants(&mut h);
        }
    }
}

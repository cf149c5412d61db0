//! Property test: the sorted-set commands against a simple model, a sorted
//! `Vec<(f64, Vec<u8>)>`, through both encodings (sets grow past the listpack limit).

use std::cmp::Ordering;

use crate::common::zset::*;
use emu::Value;
use proptest::prelude::*;

type Model = Vec<(f64, Vec<u8>)>;

fn cmp(a: &(f64, Vec<u8>), b: &(f64, Vec<u8>)) -> Ordering {
    a.0.partial_cmp(&b.0).unwrap().then_with(|| a.1.cmp(&b.1))
}

fn set(model: &mut Model, score: f64, m: &[u8]) {
    model.retain(|(_, x)| x != m);
    model.push((score, m.to_vec()));
    model.sort_by(cmp);
}

fn score_of(model: &Model, m: &[u8]) -> Option<f64> {
    model.iter().find(|(_, x)| x == m).map(|(s, _)| *s)
}

fn flat(items: &[(f64, Vec<u8>)], withscores: bool) -> Value {
    let mut out = Vec::new();
    for (s, m) in items {
        out.push(Value::Bulk(m.clone()));
        if withscores {
            out.push(Value::Double(*s));
        }
    }
    Value::Array(out)
}

/// Redis rank-range normalisation.
fn rank_slice(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let n = len as i64;
    let mut s = if start < 0 { start + n } else { start };
    let mut e = if stop < 0 { stop + n } else { stop };
    s = s.max(0);
    if s > e || s >= n {
        return None;
    }
    e = e.min(n - 1);
    Some((s as usize, e as usize))
}

#[derive(Debug, Clone)]
enum Op {
    Add(i8, u16),
    AddNx(i8, u16),
    AddXxCh(i8, u16),
    Rem(u16),
    Incr(i8, u16),
    Rank(u16),
    RevRank(u16),
    Range(i16, i16, bool),
    RevRange(i16, i16),
    ByScore(i8, i8, bool, bool, bool),
    RevByScore(i8, i8, bool, bool),
    Count(i8, i8, bool, bool),
    PopMin(u8),
    PopMax(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let m = 0u16..400;
    prop_oneof![
        8 => (any::<i8>(), m.clone()).prop_map(|(s, m)| Op::Add(s, m)),
        2 => (any::<i8>(), m.clone()).prop_map(|(s, m)| Op::AddNx(s, m)),
        2 => (any::<i8>(), m.clone()).prop_map(|(s, m)| Op::AddXxCh(s, m)),
        2 => m.clone().prop_map(Op::Rem),
        2 => (any::<i8>(), m.clone()).prop_map(|(s, m)| Op::Incr(s, m)),
        2 => m.clone().prop_map(Op::Rank),
        1 => m.clone().prop_map(Op::RevRank),
        2 => (-300i16..300, -300i16..300, any::<bool>()).prop_map(|(a, b, w)| Op::Range(a, b, w)),
        1 => (-300i16..300, -300i16..300).prop_map(|(a, b)| Op::RevRange(a, b)),
        2 => (any::<i8>(), any::<i8>(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(a, b, x, y, w)| Op::ByScore(a, b, x, y, w)),
        1 => (any::<i8>(), any::<i8>(), any::<bool>(), any::<bool>())
            .prop_map(|(a, b, x, y)| Op::RevByScore(a, b, x, y)),
        2 => (any::<i8>(), any::<i8>(), any::<bool>(), any::<bool>())
            .prop_map(|(a, b, x, y)| Op::Count(a, b, x, y)),
        1 => (0u8..5).prop_map(Op::PopMin),
        1 => (0u8..5).prop_map(Op::PopMax),
    ]
}

/// Scores in quarter steps over a small range, so ties are frequent.
fn score(s: i8) -> f64 {
    (s / 4) as f64 / 4.0
}

fn member(m: u16) -> Vec<u8> {
    format!("m{m}").into_bytes()
}

fn bound(s: i8, ex: bool) -> String {
    let v = score(s);
    if ex {
        format!("({v}")
    } else {
        format!("{v}")
    }
}

fn in_range(v: f64, min: f64, minex: bool, max: f64, maxex: bool) -> bool {
    (if minex { v > min } else { v >= min }) && (if maxex { v < max } else { v <= max })
}

fn run(t: &mut T, args: &[String]) -> Value {
    let argv: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    t.ok(&argv)
}

fn check_ops(init: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut t = T::new(2);
    let mut model: Model = Vec::new();
    let k = "k".to_string();
    // Start from `init` members so sets often pass the listpack limit (128).
    if init > 0 {
        let mut args = vec!["ZADD".to_string(), k.clone()];
        for j in 0..init as u16 {
            let s = score((j.wrapping_mul(37) % 256) as u8 as i8);
            args.push(s.to_string());
            args.push(format!("m{j}"));
            set(&mut model, s, &member(j));
        }
        prop_assert_eq!(run(&mut t, &args), i(init as i64));
    }
    for op in ops {
        match op {
            Op::Add(s, m) => {
                let (sc, mb) = (score(s), member(m));
                let new = score_of(&model, &mb).is_none();
                let got = run(
                    &mut t,
                    &["ZADD".into(), k.clone(), sc.to_string(), format!("m{m}")],
                );
                prop_assert_eq!(got, i(new as i64));
                set(&mut model, sc, &mb);
            }
            Op::AddNx(s, m) => {
                let (sc, mb) = (score(s), member(m));
                let new = score_of(&model, &mb).is_none();
                let got = run(
                    &mut t,
                    &[
                        "ZADD".into(),
                        k.clone(),
                        "NX".into(),
                        sc.to_string(),
                        format!("m{m}"),
                    ],
                );
                prop_assert_eq!(got, i(new as i64));
                if new {
                    set(&mut model, sc, &mb);
                }
            }
            Op::AddXxCh(s, m) => {
                let (sc, mb) = (score(s), member(m));
                let cur = score_of(&model, &mb);
                let changed = cur.is_some_and(|c| c != sc);
                let got = run(
                    &mut t,
                    &[
                        "ZADD".into(),
                        k.clone(),
                        "XX".into(),
                        "CH".into(),
                        sc.to_string(),
                        format!("m{m}"),
                    ],
                );
                prop_assert_eq!(got, i(changed as i64));
                if cur.is_some() {
                    set(&mut model, sc, &mb);
                }
            }
            Op::Rem(m) => {
                let mb = member(m);
                let had = score_of(&model, &mb).is_some();
                let got = run(&mut t, &["ZREM".into(), k.clone(), format!("m{m}")]);
                prop_assert_eq!(got, i(had as i64));
                model.retain(|(_, x)| *x != mb);
            }
            Op::Incr(s, m) => {
                let mb = member(m);
                let new = score_of(&model, &mb).unwrap_or(0.0) + score(s);
                let got = run(
                    &mut t,
                    &[
                        "ZINCRBY".into(),
                        k.clone(),
                        score(s).to_string(),
                        format!("m{m}"),
                    ],
                );
                prop_assert_eq!(got, Value::Double(new));
                set(&mut model, new, &mb);
            }
            Op::Rank(m) | Op::RevRank(m) => {
                let rev = matches!(op, Op::RevRank(_));
                let mb = member(m);
                let pos = model.iter().position(|(_, x)| *x == mb);
                let want = match pos {
                    Some(p) if rev => i((model.len() - 1 - p) as i64),
                    Some(p) => i(p as i64),
                    None => Value::Nil,
                };
                let cmd = if rev { "ZREVRANK" } else { "ZRANK" };
                prop_assert_eq!(run(&mut t, &[cmd.into(), k.clone(), format!("m{m}")]), want);
            }
            Op::Range(a, b, w) => {
                let want = match rank_slice(model.len(), a as i64, b as i64) {
                    Some((s, e)) => flat(&model[s..=e], w),
                    None => Value::Array(vec![]),
                };
                let mut args = vec!["ZRANGE".into(), k.clone(), a.to_string(), b.to_string()];
                if w {
                    args.push("WITHSCORES".into());
                }
                prop_assert_eq!(run(&mut t, &args), want);
            }
            Op::RevRange(a, b) => {
                let mut rev = model.clone();
                rev.reverse();
                let want = match rank_slice(rev.len(), a as i64, b as i64) {
                    Some((s, e)) => flat(&rev[s..=e], false),
                    None => Value::Array(vec![]),
                };
                let args = vec!["ZREVRANGE".into(), k.clone(), a.to_string(), b.to_string()];
                prop_assert_eq!(run(&mut t, &args), want);
            }
            Op::ByScore(a, b, x, y, w) => {
                let items: Model = model
                    .iter()
                    .filter(|(s, _)| in_range(*s, score(a), x, score(b), y))
                    .cloned()
                    .collect();
                let mut args = vec!["ZRANGEBYSCORE".into(), k.clone(), bound(a, x), bound(b, y)];
                if w {
                    args.push("WITHSCORES".into());
                }
                prop_assert_eq!(run(&mut t, &args), flat(&items, w));
                // With LIMIT 1 2.
                args.extend(["LIMIT".into(), "1".into(), "2".into()]);
                let lim: Model = items.iter().skip(1).take(2).cloned().collect();
                prop_assert_eq!(run(&mut t, &args), flat(&lim, w));
            }
            Op::RevByScore(a, b, x, y) => {
                let mut items: Model = model
                    .iter()
                    .filter(|(s, _)| in_range(*s, score(a), x, score(b), y))
                    .cloned()
                    .collect();
                items.reverse();
                let args = vec![
                    "ZREVRANGEBYSCORE".into(),
                    k.clone(),
                    bound(b, y),
                    bound(a, x),
                ];
                prop_assert_eq!(run(&mut t, &args), flat(&items, false));
            }
            Op::Count(a, b, x, y) => {
                let n = model
                    .iter()
                    .filter(|(s, _)| in_range(*s, score(a), x, score(b), y))
                    .count();
                let args = vec!["ZCOUNT".into(), k.clone(), bound(a, x), bound(b, y)];
                prop_assert_eq!(run(&mut t, &args), i(n as i64));
            }
            Op::PopMin(c) | Op::PopMax(c) => {
                let max = matches!(op, Op::PopMax(_));
                let n = (c as usize).min(model.len());
                let popped: Model = if max {
                    let mut v: Model = model.drain(model.len() - n..).collect();
                    v.reverse();
                    v
                } else {
                    model.drain(..n).collect()
                };
                let cmd = if max { "ZPOPMAX" } else { "ZPOPMIN" };
                let args = vec![cmd.into(), k.clone(), c.to_string()];
                prop_assert_eq!(run(&mut t, &args), flat(&popped, true));
            }
        }
        prop_assert_eq!(t.exists("k"), !model.is_empty());
    }
    prop_assert_eq!(
        run(
            &mut t,
            &[
                "ZRANGE".into(),
                k.clone(),
                "0".into(),
                "-1".into(),
                "WITHSCORES".into()
            ]
        ),
        flat(&model, true)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn zset_commands_match_model(
        init in prop_oneof![Just(0usize), 0usize..400],
        ops in proptest::collection::vec(op(), 1..500),
    ) {
        check_ops(init, ops)?;
    }
}

//! Property test: random list commands against a `VecDeque` reference model, comparing
//! every reply (and the contents and existence of the key after each step).

use std::collections::VecDeque;

use emu::{Redis, Value};
use proptest::prelude::*;

use super::{all, exists, q};

#[derive(Clone, Debug)]
enum Op {
    Push(bool, Vec<String>),
    Pop(bool, Option<u8>),
    Range(i64, i64),
    Index(i64),
    Set(i64, String),
    Trim(i64, i64),
    Rem(i64, String),
    Insert(bool, String, String),
    Len,
}

fn val() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", ""]).prop_map(String::from)
}

fn idx() -> impl Strategy<Value = i64> {
    -10i64..10
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), prop::collection::vec(val(), 1..4)).prop_map(|(l, v)| Op::Push(l, v)),
        2 => (any::<bool>(), prop::option::of(0u8..5)).prop_map(|(l, c)| Op::Pop(l, c)),
        1 => (idx(), idx()).prop_map(|(a, b)| Op::Range(a, b)),
        1 => idx().prop_map(Op::Index),
        1 => (idx(), val()).prop_map(|(i, v)| Op::Set(i, v)),
        1 => (idx(), idx()).prop_map(|(a, b)| Op::Trim(a, b)),
        1 => (-3i64..4, val()).prop_map(|(c, v)| Op::Rem(c, v)),
        1 => (any::<bool>(), val(), val()).prop_map(|(a, p, v)| Op::Insert(a, p, v)),
        1 => Just(Op::Len),
    ]
}

fn norm(len: usize, i: i64) -> i64 {
    if i < 0 {
        len as i64 + i
    } else {
        i
    }
}

/// Inclusive Redis range → the positions it selects, computed the naive way.
fn model_positions(len: usize, start: i64, end: i64) -> Vec<usize> {
    let (s, e) = (norm(len, start).max(0), norm(len, end));
    (0..len)
        .filter(|&i| i as i64 >= s && i as i64 <= e)
        .collect()
}

fn model(m: &mut VecDeque<String>, op: &Op) -> Result<Value, String> {
    let bulks = |v: Vec<String>| Value::bulks(v);
    Ok(match op {
        Op::Push(left, vs) => {
            for v in vs {
                if *left {
                    m.push_front(v.clone());
                } else {
                    m.push_back(v.clone());
                }
            }
            Value::Int(m.len() as i64)
        }
        Op::Pop(left, None) => {
            let v = if *left { m.pop_front() } else { m.pop_back() };
            v.map_or(Value::Nil, Value::bulk)
        }
        Op::Pop(left, Some(c)) => {
            if m.is_empty() {
                Value::NilArray
            } else {
                let mut out = Vec::new();
                for _ in 0..*c {
                    let v = if *left { m.pop_front() } else { m.pop_back() };
                    match v {
                        Some(v) => out.push(v),
                        None => break,
                    }
                }
                bulks(out)
            }
        }
        Op::Range(s, e) => bulks(
            model_positions(m.len(), *s, *e)
                .into_iter()
                .map(|i| m[i].clone())
                .collect(),
        ),
        Op::Index(i) => {
            let i = norm(m.len(), *i);
            if i >= 0 && (i as usize) < m.len() {
                Value::bulk(&m[i as usize])
            } else {
                Value::Nil
            }
        }
        Op::Set(i, v) => {
            if m.is_empty() {
                return Err("ERR no such key".into());
            }
            let i = norm(m.len(), *i);
            if i >= 0 && (i as usize) < m.len() {
                m[i as usize] = v.clone();
                Value::ok()
            } else {
                return Err("ERR index out of range".into());
            }
        }
        Op::Trim(s, e) => {
            let keep = model_positions(m.len(), *s, *e);
            *m = keep.into_iter().map(|i| m[i].clone()).collect();
            Value::ok()
        }
        Op::Rem(c, v) => {
            let limit = c.unsigned_abs() as usize;
            let mut removed = 0;
            let mut out: Vec<String> = m.iter().cloned().collect();
            if *c < 0 {
                out.reverse();
            }
            out.retain(|e| {
                if e == v && (limit == 0 || removed < limit) {
                    removed += 1;
                    false
                } else {
                    true
                }
            });
            if *c < 0 {
                out.reverse();
            }
            *m = out.into();
            Value::Int(removed as i64)
        }
        Op::Insert(after, pivot, v) => {
            if m.is_empty() {
                Value::Int(0)
            } else {
                match m.iter().position(|e| e == pivot) {
                    None => Value::Int(-1),
                    Some(p) => {
                        m.insert(if *after { p + 1 } else { p }, v.clone());
                        Value::Int(m.len() as i64)
                    }
                }
            }
        }
        Op::Len => Value::Int(m.len() as i64),
    })
}

fn argv(op: &Op) -> Vec<String> {
    let s = |x: &str| x.to_string();
    match op {
        Op::Push(left, vs) => {
            let mut a = vec![s(if *left { "LPUSH" } else { "RPUSH" }), s("k")];
            a.extend(vs.iter().cloned());
            a
        }
        Op::Pop(left, c) => {
            let mut a = vec![s(if *left { "LPOP" } else { "RPOP" }), s("k")];
            a.extend(c.map(|c| c.to_string()));
            a
        }
        Op::Range(a, b) => vec![s("LRANGE"), s("k"), a.to_string(), b.to_string()],
        Op::Index(i) => vec![s("LINDEX"), s("k"), i.to_string()],
        Op::Set(i, v) => vec![s("LSET"), s("k"), i.to_string(), v.clone()],
        Op::Trim(a, b) => vec![s("LTRIM"), s("k"), a.to_string(), b.to_string()],
        Op::Rem(c, v) => vec![s("LREM"), s("k"), c.to_string(), v.clone()],
        Op::Insert(after, p, v) => vec![
            s("LINSERT"),
            s("k"),
            s(if *after { "AFTER" } else { "BEFORE" }),
            p.clone(),
            v.clone(),
        ],
        Op::Len => vec![s("LLEN"), s("k")],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn matches_vecdeque_model(ops in prop::collection::vec(op(), 1..40)) {
        let r = Redis::new();
        let mut m: VecDeque<String> = VecDeque::new();
        for op in &ops {
            let args = argv(op);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let got = q(&r, &refs).map_err(|e| e.message().to_string());
            let want = model(&mut m, op);
            prop_assert_eq!(got, want, "{:?}", op);
            let contents = m.iter().cloned().collect::<Vec<_>>();
            prop_assert_eq!(all(&r, "k"), Value::bulks(contents));
            prop_assert_eq!(exists(&r, "k"), !m.is_empty(), "emptied lists are deleted");
        }
    }
}

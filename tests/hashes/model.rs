//! Model-based proptest: random HSET/HDEL/HINCRBY/HGET/HLEN/HGETALL against a BTreeMap.

use std::collections::BTreeMap;

use emu::{Redis, Value};
use proptest::prelude::*;

use super::{b, exists, int, ok, run};

#[derive(Debug, Clone)]
enum Op {
    Hset(usize, Vec<(usize, String)>),
    Hdel(usize, Vec<usize>),
    Hincrby(usize, usize, i64),
    Hget(usize, usize),
    Hlen(usize),
    Hgetall(usize),
}

const KEYS: [&str; 3] = ["k0", "k1", "k2"];

fn field(i: usize) -> String {
    // A few long fields so some hashes become hash tables.
    if i % 7 == 6 {
        format!("long-{}-{}", i, "y".repeat(64))
    } else {
        format!("f{i}")
    }
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..KEYS.len();
    let fld = 0..20usize;
    let val = prop_oneof![(-1000i64..1000).prop_map(|n| n.to_string()), "[a-z]{0,5}",];
    prop_oneof![
        3 => (key.clone(), prop::collection::vec((fld.clone(), val), 1..4))
            .prop_map(|(k, p)| Op::Hset(k, p)),
        2 => (key.clone(), prop::collection::vec(fld.clone(), 1..4))
            .prop_map(|(k, f)| Op::Hdel(k, f)),
        2 => (key.clone(), fld.clone(), -1000i64..1000).prop_map(|(k, f, n)| Op::Hincrby(k, f, n)),
        1 => (key.clone(), fld).prop_map(|(k, f)| Op::Hget(k, f)),
        1 => key.clone().prop_map(Op::Hlen),
        1 => key.prop_map(Op::Hgetall),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn model(ops in prop::collection::vec(op(), 1..60)) {
        let r = Redis::new();
        let mut model: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); KEYS.len()];
        for op in ops {
            match op {
                Op::Hset(k, pairs) => {
                    let mut args = vec!["HSET".to_string(), KEYS[k].to_string()];
                    let mut created = 0;
                    for (f, v) in &pairs {
                        if model[k].insert(field(*f), v.clone()).is_none() {
                            created += 1;
                        }
                        args.push(field(*f));
                        args.push(v.clone());
                    }
                    let a: Vec<&str> = args.iter().map(String::as_str).collect();
                    prop_assert_eq!(ok(&r, &a), int(created));
                }
                Op::Hdel(k, fields) => {
                    let mut args = vec!["HDEL".to_string(), KEYS[k].to_string()];
                    let mut deleted = 0;
                    for f in &fields {
                        if model[k].remove(&field(*f)).is_some() {
                            deleted += 1;
                        }
                        args.push(field(*f));
                    }
                    let a: Vec<&str> = args.iter().map(String::as_str).collect();
                    prop_assert_eq!(ok(&r, &a), int(deleted));
                }
                Op::Hincrby(k, f, n) => {
                    let fname = field(f);
                    let got = run(&r, &["HINCRBY", KEYS[k], &fname, &n.to_string()]);
                    match model[k].get(&fname).map(|v| v.parse::<i64>()) {
                        Some(Err(_)) => {
                            prop_assert_eq!(
                                got.unwrap_err().message().to_string(),
                                "ERR hash value is not an integer"
                            );
                        }
                        cur => {
                            // Model values are canonical integers or letters, so Rust's
                            // parse agrees with Redis's string2ll here.
                            let new = cur.map_or(0, |c| c.unwrap()) + n;
                            model[k].insert(fname, new.to_string());
                            prop_assert_eq!(got.unwrap(), int(new));
                        }
                    }
                }
                Op::Hget(k, f) => {
                    let want = Value::opt_bulk(model[k].get(&field(f)));
                    prop_assert_eq!(ok(&r, &["HGET", KEYS[k], &field(f)]), want);
                }
                Op::Hlen(k) => {
                    prop_assert_eq!(ok(&r, &["HLEN", KEYS[k]]), int(model[k].len() as i64));
                }
                Op::Hgetall(k) => {
                    let Value::Map(pairs) = ok(&r, &["HGETALL", KEYS[k]]) else {
                        panic!("map expected");
                    };
                    let mut got: Vec<(Value, Value)> = pairs;
                    got.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
                    let mut want: Vec<(Value, Value)> =
                        model[k].iter().map(|(f, v)| (b(f), b(v))).collect();
                    want.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
                    prop_assert_eq!(got, want);
                }
            }
            for (k, m) in model.iter().enumerate() {
                prop_assert_eq!(exists(&r, KEYS[k]), !m.is_empty());
            }
        }
    }
}

//! Proptest: random SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE / SSUBSCRIBE /
//! SUNSUBSCRIBE / PUBLISH / SPUBLISH / RESET from several clients of one store, against a
//! simple model: every confirmation count, receiver count, PUBSUB reply and delivered message.

use std::collections::BTreeSet;

use emu::engine::Store;
use emu::engine::{execute, Session};
use emu::Value;
use proptest::prelude::*;

const CLIENTS: usize = 3;
const NAMES: &[&str] = &["a", "b", "ab", "ba", "aa"];
const PATTERNS: &[&str] = &["a*", "?b", "*", "b?", "aa"];

#[derive(Clone, Debug)]
enum Op {
    Sub(usize, Vec<usize>),
    Unsub(usize, Vec<usize>),
    PSub(usize, Vec<usize>),
    PUnsub(usize, Vec<usize>),
    SSub(usize, Vec<usize>),
    SUnsub(usize, Vec<usize>),
    Publish(usize, usize),
    SPublish(usize, usize),
    Reset(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    let names = proptest::collection::vec(0..NAMES.len(), 0..3);
    let names1 = proptest::collection::vec(0..NAMES.len(), 1..3);
    prop_oneof![
        (c.clone(), names1.clone()).prop_map(|(c, n)| Op::Sub(c, n)),
        (c.clone(), names.clone()).prop_map(|(c, n)| Op::Unsub(c, n)),
        (c.clone(), names1.clone()).prop_map(|(c, n)| Op::PSub(c, n)),
        (c.clone(), names.clone()).prop_map(|(c, n)| Op::PUnsub(c, n)),
        (c.clone(), names1).prop_map(|(c, n)| Op::SSub(c, n)),
        (c.clone(), names).prop_map(|(c, n)| Op::SUnsub(c, n)),
        (c.clone(), 0..NAMES.len()).prop_map(|(c, n)| Op::Publish(c, n)),
        (c.clone(), 0..NAMES.len()).prop_map(|(c, n)| Op::SPublish(c, n)),
        c.prop_map(Op::Reset),
    ]
}

/// `*` and `?` only (what the generated patterns use).
fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[derive(Default, Clone)]
struct Model {
    ch: BTreeSet<String>,
    pat: BTreeSet<String>,
    sh: BTreeSet<String>,
}

fn push(kind: &str, name: Option<&str>, n: usize) -> Value {
    Value::Push(vec![
        Value::Bulk(kind.into()),
        name.map(|s| Value::Bulk(s.into())).unwrap_or(Value::Nil),
        Value::Int(n as i64),
    ])
}

fn msg(parts: &[&str]) -> Value {
    Value::Push(
        parts
            .iter()
            .map(|p| Value::Bulk(p.as_bytes().to_vec()))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn registry_matches_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut store = Store::default();
        let mut sessions: Vec<Session> = (0..CLIENTS)
            .map(|i| Session { id: 10_000 + i as u64, resp: 3, ..Session::default() })
            .collect();
        let mut model = vec![Model::default(); CLIENTS];
        let mut expected: Vec<Vec<Value>> = vec![Vec::new(); CLIENTS];
        for op in &ops {
            let (c, argv, reply): (usize, Vec<String>, Option<Value>) = match op {
                Op::Sub(c, n) | Op::PSub(c, n) | Op::SSub(c, n) => {
                    let (cmd, word, list) = match op {
                        Op::Sub(..) => ("SUBSCRIBE", "subscribe", NAMES),
                        Op::PSub(..) => ("PSUBSCRIBE", "psubscribe", PATTERNS),
                        _ => ("SSUBSCRIBE", "ssubscribe", NAMES),
                    };
                    let names: Vec<&str> = n.iter().map(|&i| list[i]).collect();
                    for name in &names {
                        let m = &mut model[*c];
                        let count = match op {
                            Op::Sub(..) => { m.ch.insert(name.to_string()); m.ch.len() + m.pat.len() }
                            Op::PSub(..) => { m.pat.insert(name.to_string()); m.ch.len() + m.pat.len() }
                            _ => { m.sh.insert(name.to_string()); m.sh.len() }
                        };
                        expected[*c].push(push(word, Some(name), count));
                    }
                    let mut argv = vec![cmd.to_string()];
                    argv.extend(names.iter().map(|s| s.to_string()));
                    (*c, argv, None)
                }
                Op::Unsub(c, n) | Op::PUnsub(c, n) | Op::SUnsub(c, n) => {
                    let (cmd, word, list) = match op {
                        Op::Unsub(..) => ("UNSUBSCRIBE", "unsubscribe", NAMES),
                        Op::PUnsub(..) => ("PUNSUBSCRIBE", "punsubscribe", PATTERNS),
                        _ => ("SUNSUBSCRIBE", "sunsubscribe", NAMES),
                    };
                    let m = &mut model[*c];
                    let names: Vec<String> = n.iter().map(|&i| list[i].to_string()).collect();
                    let set_len = |m: &Model| match op {
                        Op::SUnsub(..) => m.sh.len(),
                        _ => m.ch.len() + m.pat.len(),
                    };
                    if names.is_empty() {
                        let all: Vec<String> = match op {
                            Op::Unsub(..) => std::mem::take(&mut m.ch).into_iter().collect(),
                            Op::PUnsub(..) => std::mem::take(&mut m.pat).into_iter().collect(),
                            _ => std::mem::take(&mut m.sh).into_iter().collect(),
                        };
                        if all.is_empty() {
                            expected[*c].push(push(word, None, set_len(m)));
                        } else {
                            // Order of an unsubscribe-all is the table's: compared as a set
                            // below by restoring the model one by one in that order.
                            let n = all.len();
                            let base = set_len(m);
                            for k in 0..n {
                                expected[*c].push(Value::Array(vec![
                                    Value::Bulk(word.into()),
                                    Value::Int((base + n - 1 - k) as i64),
                                ]));
                            }
                        }
                    } else {
                        for name in &names {
                            match op {
                                Op::Unsub(..) => { m.ch.remove(name); }
                                Op::PUnsub(..) => { m.pat.remove(name); }
                                _ => { m.sh.remove(name); }
                            }
                            expected[*c].push(push(word, Some(name), set_len(m)));
                        }
                    }
                    let mut argv = vec![cmd.to_string()];
                    argv.extend(names);
                    (*c, argv, None)
                }
                Op::Publish(c, n) | Op::SPublish(c, n) => {
                    let ch = NAMES[*n];
                    let shard = matches!(op, Op::SPublish(..));
                    let mut receivers = 0;
                    for (i, m) in model.iter().enumerate() {
                        if shard {
                            if m.sh.contains(ch) {
                                receivers += 1;
                                expected[i].push(msg(&["smessage", ch, "payload"]));
                            }
                            continue;
                        }
                        if m.ch.contains(ch) {
                            receivers += 1;
                            expected[i].push(msg(&["message", ch, "payload"]));
                        }
                        for p in &m.pat {
                            if glob(p.as_bytes(), ch.as_bytes()) {
                                receivers += 1;
                                // pmessages of several patterns come in table order:
                                // compared as a multiset below.
                                expected[i].push(msg(&["pmessage", p, ch, "payload"]));
                            }
                        }
                    }
                    let cmd = if shard { "SPUBLISH" } else { "PUBLISH" };
                    (*c, vec![cmd.into(), ch.into(), "payload".into()], Some(Value::Int(receivers)))
                }
                Op::Reset(c) => {
                    model[*c] = Model::default();
                    (*c, vec!["RESET".into()], Some(Value::Simple("RESET".into())))
                }
            };
            let args: Vec<&[u8]> = argv.iter().map(|s| s.as_bytes()).collect();
            let got = execute(&mut store, &mut sessions[c], &args).unwrap();
            // RESET goes back to RESP2; these clients speak RESP3 (no subscribed-mode limits).
            sessions[c].resp = 3;
            match reply {
                Some(r) => prop_assert_eq!(got, r),
                None => prop_assert!(emu::pubsub::is_no_reply(&got)),
            }
            // Server-wide introspection agrees with the model.
            let numpat: BTreeSet<&String> = model.iter().flat_map(|m| m.pat.iter()).collect();
            prop_assert_eq!(store.pubsub.numpat(), numpat.len());
            for name in NAMES {
                let n = model.iter().filter(|m| m.ch.contains(*name)).count();
                let s = model.iter().filter(|m| m.sh.contains(*name)).count();
                prop_assert_eq!(
                    store.pubsub.numsub(false, name.as_bytes()), n, "numsub {}", name
                );
                prop_assert_eq!(store.pubsub.numsub(true, name.as_bytes()), s);
            }
        }
        // Every client's deliveries: exact sequence, except that runs of pmessages for one
        // publish and unsubscribe-all confirmations are compared without their order.
        for (i, s) in sessions.iter().enumerate() {
            let mb = match &s.pubsub { Some(m) => m.clone(), None => { prop_assert!(expected[i].is_empty()); continue; } };
            let mut got = Vec::new();
            while let Some(v) = mb.pop().unwrap() {
                got.push(v);
            }
            prop_assert_eq!(got.len(), expected[i].len(), "client {}", i);
            let mut k = 0;
            while k < got.len() {
                let e = &expected[i][k];
                if let Value::Array(parts) = e {
                    // Unsubscribe-all placeholder: kind and count must match, name any.
                    let Value::Push(g) = &got[k] else { prop_assert!(false); unreachable!() };
                    prop_assert_eq!(&g[0], &parts[0]);
                    prop_assert_eq!(&g[2], &parts[1]);
                    k += 1;
                    continue;
                }
                let is_pm = |v: &Value| matches!(v, Value::Push(p) if p.len() == 4);
                if is_pm(e) {
                    let mut j = k;
                    while j < got.len() && is_pm(&expected[i][j]) && is_pm(&got[j]) { j += 1; }
                    let mut a: Vec<String> = got[k..j].iter().map(|v| format!("{v:?}")).collect();
                    let mut b: Vec<String> = expected[i][k..j].iter().map(|v| format!("{v:?}")).collect();
                    a.sort();
                    b.sort();
                    prop_assert_eq!(a, b);
                    k = j;
                    continue;
                }
                prop_assert_eq!(&got[k], e, "client {} item {}", i, k);
                k += 1;
            }
        }
    }
}

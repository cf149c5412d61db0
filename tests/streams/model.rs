//! A model-based property test of the stream representation: random appends, deletions and
//! trims (exact and approximate, MAXLEN and MINID, with LIMIT) against a reference model of
//! Redis's nodes (a `Vec` of nodes holding `(id, live)`), with small node limits so node
//! boundaries matter. Every step compares length, first/last IDs, every entry, forward and
//! backward ranges, and the node count.

use emu::types::stream::{NodeLimits, Stream, StreamId, Trim};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Add(u8),
    Del(u16),
    MaxLen(u8, bool, u8),
    MinId(u16, bool, u8),
    Range(u16, u16, u8, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..3).prop_map(Op::Add),
        2 => any::<u16>().prop_map(Op::Del),
        1 => (0u8..30, any::<bool>(), 0u8..12).prop_map(|(n, a, l)| Op::MaxLen(n, a, l)),
        1 => (any::<u16>(), any::<bool>(), 0u8..12).prop_map(|(n, a, l)| Op::MinId(n, a, l)),
        2 => (any::<u16>(), any::<u16>(), 0u8..5, any::<bool>()).prop_map(|(a, b, c, r)| Op::Range(a, b, c, r)),
    ]
}

/// One modelled entry: (id, live, flat fields).
type ModelEntry = (StreamId, bool, Vec<Vec<u8>>);

/// Redis's node layout: nodes of entries.
#[derive(Default)]
struct Model {
    nodes: Vec<Vec<ModelEntry>>,
}

impl Model {
    fn live(&self) -> Vec<(StreamId, Vec<Vec<u8>>)> {
        self.nodes
            .iter()
            .flatten()
            .filter(|e| e.1)
            .map(|e| (e.0, e.2.clone()))
            .collect()
    }
    fn len(&self) -> u64 {
        self.live().len() as u64
    }
    fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0;
        while !self.nodes.is_empty() {
            let len = self.len();
            if let Trim::MaxLen(m) = how {
                if len <= m {
                    break;
                }
            }
            let live = self.nodes[0].iter().filter(|e| e.1).count() as u64;
            if limit > 0 && deleted + live > limit {
                break;
            }
            let whole = match how {
                Trim::MaxLen(m) => len - live >= m,
                Trim::MinId(min) => self.nodes[0].last().map(|e| e.0) < Some(min),
            };
            if whole {
                self.nodes.remove(0);
                deleted += live;
                continue;
            }
            if approx {
                break;
            }
            let mut len = len;
            for e in self.nodes[0].iter_mut() {
                let stop = match how {
                    Trim::MaxLen(m) => len <= m,
                    Trim::MinId(min) => e.0 >= min,
                };
                if stop {
                    break;
                }
                if e.1 {
                    e.1 = false;
                    len -= 1;
                    deleted += 1;
                }
            }
            break;
        }
        // Exact trimming can leave the first node with no live entry; Redis keeps such a
        // node (only XDEL frees an emptied node), and so must the stream.
        deleted
    }
}

const NODE: i64 = 4;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn stream_matches_the_node_model(ops in proptest::collection::vec(op(), 1..120)) {
        let lim = NodeLimits { bytes: 0, entries: NODE };
        let mut s = Stream::new();
        let mut m = Model::default();
        let mut next = 1u64;
        for op in ops {
            match op {
                Op::Add(k) => {
                    let id = StreamId::new(next / 3, next % 3);
                    next += 1;
                    let vals: Vec<Vec<u8>> = match k {
                        0 => vec![b"f".to_vec(), next.to_string().into_bytes()],
                        1 => vec![b"f".to_vec(), b"x".to_vec(), b"g".to_vec(), b"y".to_vec()],
                        _ => vec![b"h".to_vec(), vec![b'z'; 70]],
                    };
                    let refs: Vec<&[u8]> = vals.iter().map(|v| v.as_slice()).collect();
                    s.append(id, &refs, lim);
                    let full = m.nodes.last().is_none_or(|n| n.len() as i64 >= NODE);
                    if full {
                        m.nodes.push(Vec::new());
                    }
                    if let Some(n) = m.nodes.last_mut() {
                        n.push((id, true, vals));
                    }
                }
                Op::Del(i) => {
                    let all: Vec<StreamId> = m.nodes.iter().flatten().map(|e| e.0).collect();
                    if all.is_empty() { continue; }
                    let id = all[i as usize % all.len()];
                    let mut was_live = false;
                    // XDEL frees the node it emptied (only that one).
                    for n in m.nodes.iter_mut() {
                        for e in n.iter_mut() {
                            if e.0 == id && e.1 { e.1 = false; was_live = true; }
                        }
                    }
                    if was_live {
                        m.nodes.retain(|n| !n.iter().any(|e| e.0 == id) || n.iter().any(|e| e.1));
                    }
                    prop_assert_eq!(s.delete(id), was_live);
                }
                Op::MaxLen(n, approx, limit) => {
                    let limit = if approx { limit as u64 } else { 0 };
                    prop_assert_eq!(
                        s.trim(Trim::MaxLen(n as u64), approx, limit),
                        m.trim(Trim::MaxLen(n as u64), approx, limit)
                    );
                }
                Op::MinId(i, approx, limit) => {
                    let limit = if approx { limit as u64 } else { 0 };
                    let min = StreamId::new(i as u64 % (next / 3 + 2), (i as u64) % 3);
                    prop_assert_eq!(
                        s.trim(Trim::MinId(min), approx, limit),
                        m.trim(Trim::MinId(min), approx, limit)
                    );
                }
                Op::Range(a, b, c, rev) => {
                    let lo = StreamId::new(a as u64 % (next / 3 + 2), a as u64 % 3);
                    let hi = StreamId::new(b as u64 % (next / 3 + 2), b as u64 % 3);
                    let mut want: Vec<_> = m.live().into_iter().filter(|e| e.0 >= lo && e.0 <= hi).collect();
                    if rev { want.reverse(); }
                    if c > 0 { want.truncate(c as usize); }
                    prop_assert_eq!(s.range(lo, hi, c as usize, rev), want);
                }
            }
            let live = m.live();
            prop_assert_eq!(s.len(), live.len() as u64);
            prop_assert_eq!(s.node_count(), m.nodes.len());
            prop_assert_eq!(s.range(StreamId::ZERO, StreamId::MAX, 0, false), live.clone());
            let first = live.first().map_or(StreamId::ZERO, |e| e.0);
            prop_assert_eq!(s.first_id, first);
            prop_assert_eq!(s.edge(true), live.last().map(|e| e.0));
        }
    }
}

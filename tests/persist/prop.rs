//! Property: random operations → close → reopen → identical state (canonical dump), across
//! every type, several databases, TTLs with a moving manual clock (so expired keys become
//! logged DELs), random pops, and SAVE / BGSAVE / automatic compaction in between.

use emu::engine::Store;
use emu::keyspace::Clock;
use emu::persist::{tools, AppendFsync, Durable, Options};
use proptest::prelude::*;

use crate::common::T0;

fn template(now: u64) -> Store {
    crate::common::persist::manual_store_at(now, 11)
}

fn opts() -> Options {
    Options {
        fsync: AppendFsync::No,
        compaction_factor: 1.0,
        compaction_min_bytes: 2048,
        ..Options::default()
    }
}

#[derive(Clone, Debug)]
enum Op {
    Cmd(usize, Vec<String>),
    Advance(u64),
    Reopen,
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "d", "e\u{0}x", "é"]).prop_map(String::from)
}

fn val() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..20).prop_map(|n| n.to_string()),
        "[a-z]{0,3}",
        Just("x".repeat(80)),
    ]
}

fn cmd() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        (key(), val()).prop_map(|(k, v)| vec!["SET".into(), k, v]),
        (key(), val(), 1u64..5000).prop_map(|(k, v, ms)| vec![
            "SET".into(),
            k,
            v,
            "PX".into(),
            ms.to_string()
        ]),
        key().prop_map(|k| vec!["INCR".into(), k]),
        key().prop_map(|k| vec!["INCRBYFLOAT".into(), k, "0.1".into()]),
        key().prop_map(|k| vec!["DEL".into(), k]),
        (key(), val()).prop_map(|(k, v)| vec!["RPUSH".into(), k, v]),
        key().prop_map(|k| vec!["LPOP".into(), k]),
        (key(), key(), val()).prop_map(|(k, f, v)| vec!["HSET".into(), k, f, v]),
        (key(), key()).prop_map(|(k, f)| vec!["HDEL".into(), k, f]),
        (key(), val()).prop_map(|(k, v)| vec!["SADD".into(), k, v]),
        key().prop_map(|k| vec!["SPOP".into(), k]),
        key().prop_map(|k| vec!["SRANDMEMBER".into(), k]),
        (key(), 1u64..3000).prop_map(|(k, ms)| vec!["PEXPIRE".into(), k, ms.to_string()]),
        key().prop_map(|k| vec!["PERSIST".into(), k]),
        (key(), key()).prop_map(|(a, b)| vec!["RENAME".into(), a, b]),
        Just(vec!["SAVE".into()]),
        Just(vec!["BGSAVE".into()]),
        Just(vec!["FLUSHDB".into()]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (0usize..3, cmd()).prop_map(|(db, c)| Op::Cmd(db, c)),
        2 => (1u64..2000).prop_map(Op::Advance),
        1 => Just(Op::Reopen),
    ]
}

fn dump(d: &Durable) -> String {
    d.with_store(|s| {
        let mut out = Vec::new();
        tools::dump_store(s, tools::Format::Jsonl, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_ops_then_reopen_give_identical_state(ops in prop::collection::vec(op(), 1..120)) {
        let dir = tempfile::tempdir().unwrap();
        let mut now = T0;
        let mut d = Durable::open(dir.path(), opts(), template(now)).unwrap();
        for op in &ops {
            match op {
                Op::Cmd(db, args) => {
                    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
                    let _ = d.execute_in(*db, &argv);
                }
                Op::Advance(ms) => {
                    now += ms;
                    d.with_store(|s| s.clock = Clock::Manual(now));
                }
                Op::Reopen => {
                    let before = dump(&d);
                    drop(d);
                    d = Durable::open(dir.path(), opts(), template(now)).unwrap();
                    prop_assert_eq!(dump(&d), before);
                }
            }
        }
        let before = dump(&d);
        let rng_before = d.with_store(|s| s.rng.state());
        drop(d);
        let d = Durable::open(dir.path(), opts(), template(now)).unwrap();
        prop_assert_eq!(dump(&d), before);
        prop_assert_eq!(d.with_store(|s| s.rng.state()), rng_before);
    }
}

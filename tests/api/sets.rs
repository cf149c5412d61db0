//! Set commands.

use std::collections::{BTreeSet, HashSet};

use emu::ScanOptions;

use super::{assert_err, redis, WRONGTYPE};

fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

backends!(add_rem_members_card);
fn add_rem_members_card(r: emu::Redis) {
    let n: i64 = r.sadd("tags", ["python", "redis", "database"]).unwrap();
    assert_eq!(n, 3);
    let n: i64 = r.sadd("tags", ["python", "rust"]).unwrap();
    assert_eq!(n, 1);
    assert!(r.sismember("tags", "python").unwrap());
    assert!(!r.sismember("tags", "java").unwrap());
    let flags: Vec<bool> = r.smismember("tags", ["rust", "java"]).unwrap();
    assert_eq!(flags, vec![true, false]);
    let members: HashSet<String> = r.smembers("tags").unwrap();
    assert_eq!(members.len(), 4);
    assert!(members.contains("database"));
    let n: i64 = r.srem("tags", ["database", "nope"]).unwrap();
    assert_eq!(n, 1);
    assert_eq!(r.scard("tags").unwrap(), 3);
    assert_eq!(r.scard("none").unwrap(), 0);
    let empty: BTreeSet<String> = r.smembers("none").unwrap();
    assert!(empty.is_empty());
    // Integer sets come back sorted (intset).
    r.sadd("ints", [3, 1, 2]).unwrap();
    let ints: Vec<i64> = r.smembers("ints").unwrap();
    assert_eq!(ints, vec![1, 2, 3]);
    let _: () = r.set("str", "x").unwrap();
    assert_err(r.sadd("str", "m"), WRONGTYPE);
}

#[test]
fn random_members_are_seeded() {
    let run = || {
        let r = emu::Redis::builder().seed(42).build();
        r.sadd("s", ["a", "b", "c", "d", "e"]).unwrap();
        let one: String = r.srandmember("s").unwrap();
        let distinct: BTreeSet<String> = r.srandmember_count("s", 3).unwrap();
        let repeated: Vec<String> = r.srandmember_count("s", -8).unwrap();
        let popped: String = r.spop("s").unwrap();
        let popped_more: BTreeSet<String> = r.spop_count("s", 2).unwrap();
        (one, distinct, repeated, popped, popped_more)
    };
    let (one, distinct, repeated, popped, popped_more) = run();
    let all = set_of(&["a", "b", "c", "d", "e"]);
    assert!(all.contains(&one));
    assert_eq!(distinct.len(), 3);
    assert!(distinct.is_subset(&all));
    assert_eq!(repeated.len(), 8);
    assert!(all.contains(&popped));
    assert_eq!(popped_more.len(), 2);
    assert!(!popped_more.contains(&popped));
    assert_eq!(run(), (one, distinct, repeated, popped, popped_more));

    let r = redis();
    let none: Option<String> = r.spop("missing").unwrap();
    assert_eq!(none, None);
    let none: Option<String> = r.srandmember("missing").unwrap();
    assert_eq!(none, None);
    let empty: Vec<String> = r.spop_count("missing", 2).unwrap();
    assert!(empty.is_empty());
}

backends!(smove_and_algebra; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn smove_and_algebra(r: emu::Redis) {
    r.sadd("a", ["1", "2", "3", "x"]).unwrap();
    r.sadd("b", ["2", "3", "4", "x"]).unwrap();
    r.sadd("c", ["3", "x", "9"]).unwrap();
    let inter: BTreeSet<String> = r.sinter(["a", "b", "c"]).unwrap();
    assert_eq!(inter, set_of(&["3", "x"]));
    let union: BTreeSet<String> = r.sunion(["a", "b"]).unwrap();
    assert_eq!(union, set_of(&["1", "2", "3", "4", "x"]));
    let diff: BTreeSet<String> = r.sdiff(["a", "b"]).unwrap();
    assert_eq!(diff, set_of(&["1"]));
    assert_eq!(r.sinterstore("i", &["a", "b"]).unwrap(), 3);
    assert_eq!(r.sunionstore("u", &["a", "c"]).unwrap(), 5);
    assert_eq!(r.sdiffstore("d", &["a", "c"]).unwrap(), 2);
    let d: BTreeSet<String> = r.smembers("d").unwrap();
    assert_eq!(d, set_of(&["1", "2"]));
    assert_eq!(r.sintercard(&["a", "b"], 0).unwrap(), 3);
    assert_eq!(r.sintercard(&["a", "b"], 2).unwrap(), 2);
    assert_eq!(r.sintercard("a", 0).unwrap(), 4);
    assert!(r.smove("a", "b", "1").unwrap());
    assert!(!r.smove("a", "b", "1").unwrap());
    assert!(r.sismember("b", "1").unwrap());
    assert_err(
        r.sintercard(Vec::<&str>::new(), 0),
        "ERR numkeys should be greater than 0",
    );
}

backends!(sscan_and_iterator);
fn sscan_and_iterator(r: emu::Redis) {
    r.sadd("small", ["a1", "a2", "b1"]).unwrap();
    let (cursor, members): (u64, BTreeSet<String>) = r
        .sscan("small", 0, ScanOptions::default().pattern("a*"))
        .unwrap();
    assert_eq!(cursor, 0);
    assert_eq!(members, set_of(&["a1", "a2"]));
    let many: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    r.sadd("big", &many).unwrap();
    let seen: BTreeSet<String> = r
        .sscan_iter::<_, String>("big", ScanOptions::default().count(15))
        .collect::<emu::Result<_>>()
        .unwrap();
    assert_eq!(seen, many.iter().cloned().collect());
    let only: BTreeSet<String> = r
        .sscan_iter::<_, String>("big", ScanOptions::default().pattern("m1?"))
        .collect::<emu::Result<_>>()
        .unwrap();
    assert_eq!(only.len(), 10);
}

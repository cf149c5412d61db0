//! List commands.

use emu::{Direction, InsertPosition, LPosOptions};

use super::{assert_err, WRONGTYPE};

fn all(r: &emu::Redis, key: &str) -> Vec<String> {
    r.lrange(key, 0, -1).unwrap()
}

backends!(push_pop_range_len);
fn push_pop_range_len(r: emu::Redis) {
    let n: i64 = r.rpush("tasks", ["task1", "task2", "task3"]).unwrap();
    assert_eq!(n, 3);
    let n: i64 = r.lpush("tasks", ["a", "b"]).unwrap();
    assert_eq!(n, 5);
    assert_eq!(all(&r, "tasks"), vec!["b", "a", "task1", "task2", "task3"]);
    let head: Option<String> = r.lpop("tasks").unwrap();
    assert_eq!(head.as_deref(), Some("b"));
    let tail: Option<String> = r.rpop("tasks").unwrap();
    assert_eq!(tail.as_deref(), Some("task3"));
    let first_two: Vec<String> = r.lrange("tasks", 0, 1).unwrap();
    assert_eq!(first_two, vec!["a", "task1"]);
    assert_eq!(r.llen("tasks").unwrap(), 3);
    let popped: Vec<String> = r.lpop_count("tasks", 2).unwrap();
    assert_eq!(popped, vec!["a", "task1"]);
    let popped: Vec<String> = r.rpop_count("tasks", 5).unwrap();
    assert_eq!(popped, vec!["task2"]);
    assert_eq!(r.exists("tasks").unwrap(), 0);
    let none: Option<String> = r.lpop("tasks").unwrap();
    assert_eq!(none, None);
    let none: Option<Vec<String>> = r.rpop_count("tasks", 2).unwrap();
    assert_eq!(none, None);
    let empty: Vec<String> = r.lpop_count("tasks", 2).unwrap();
    assert!(empty.is_empty());
    let _: () = r.set("s", "x").unwrap();
    assert_err(r.lpush("s", "x"), WRONGTYPE);
}

backends!(pushx);
fn pushx(r: emu::Redis) {
    assert_eq!(r.lpushx("l", "a").unwrap(), 0);
    assert_eq!(r.rpushx("l", "a").unwrap(), 0);
    assert_eq!(r.exists("l").unwrap(), 0);
    r.rpush("l", "m").unwrap();
    assert_eq!(r.lpushx("l", ["h1", "h2"]).unwrap(), 3);
    assert_eq!(r.rpushx("l", "t").unwrap(), 4);
    assert_eq!(all(&r, "l"), vec!["h2", "h1", "m", "t"]);
}

backends!(index_set_insert_rem_trim);
fn index_set_insert_rem_trim(r: emu::Redis) {
    r.rpush("l", ["a", "b", "c", "b", "d"]).unwrap();
    let v: Option<String> = r.lindex("l", -1).unwrap();
    assert_eq!(v.as_deref(), Some("d"));
    let v: Option<String> = r.lindex("l", 10).unwrap();
    assert_eq!(v, None);
    let _: () = r.lset("l", 0, "A").unwrap();
    assert_err(r.lset("l", 10, "x"), "ERR index out of range");
    assert_err(r.lset("nokey", 0, "x"), "ERR no such key");
    let n: i64 = r.linsert("l", InsertPosition::Before, "c", "pre").unwrap();
    assert_eq!(n, 6);
    let n: i64 = r.linsert("l", InsertPosition::After, "c", "post").unwrap();
    assert_eq!(n, 7);
    let n: i64 = r.linsert("l", InsertPosition::After, "zz", "x").unwrap();
    assert_eq!(n, -1);
    let n: i64 = r
        .linsert("nokey", InsertPosition::After, "zz", "x")
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(all(&r, "l"), vec!["A", "b", "pre", "c", "post", "b", "d"]);
    let n: i64 = r.lrem("l", -1, "b").unwrap();
    assert_eq!(n, 1);
    assert_eq!(all(&r, "l"), vec!["A", "b", "pre", "c", "post", "d"]);
    let n: i64 = r.lrem("l", 0, "b").unwrap();
    assert_eq!(n, 1);
    let _: () = r.ltrim("l", 1, -2).unwrap();
    assert_eq!(all(&r, "l"), vec!["pre", "c", "post"]);
}

backends!(lpos_with_options);
fn lpos_with_options(r: emu::Redis) {
    r.rpush("l", ["a", "b", "c", "1", "2", "3", "c", "c"])
        .unwrap();
    let p: Option<i64> = r.lpos("l", "c").unwrap();
    assert_eq!(p, Some(2));
    let p: Option<i64> = r.lpos("l", "zz").unwrap();
    assert_eq!(p, None);
    let p: Option<i64> = r
        .lpos_options("l", "c", LPosOptions::default().rank(-1))
        .unwrap();
    assert_eq!(p, Some(7));
    let ps: Vec<i64> = r
        .lpos_options("l", "c", LPosOptions::default().count(0))
        .unwrap();
    assert_eq!(ps, vec![2, 6, 7]);
    let ps: Vec<i64> = r
        .lpos_options("l", "c", LPosOptions::default().rank(2).count(2))
        .unwrap();
    assert_eq!(ps, vec![6, 7]);
    let ps: Vec<i64> = r
        .lpos_options("l", "c", LPosOptions::default().count(0).maxlen(3))
        .unwrap();
    assert_eq!(ps, vec![2]);
    assert_err(
        r.lpos_options::<_, _, Option<i64>>("l", "c", LPosOptions::default().rank(0)),
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
    );
}

backends!(lmove_rpoplpush_lmpop; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn lmove_rpoplpush_lmpop(r: emu::Redis) {
    r.rpush("src", ["one", "two", "three"]).unwrap();
    let v: Option<String> = r
        .lmove("src", "dst", Direction::Right, Direction::Left)
        .unwrap();
    assert_eq!(v.as_deref(), Some("three"));
    let v: Option<String> = r
        .lmove("src", "dst", Direction::Left, Direction::Right)
        .unwrap();
    assert_eq!(v.as_deref(), Some("one"));
    assert_eq!(all(&r, "dst"), vec!["three", "one"]);
    let v: Option<String> = r.rpoplpush("src", "dst").unwrap();
    assert_eq!(v.as_deref(), Some("two"));
    assert_eq!(all(&r, "dst"), vec!["two", "three", "one"]);
    let v: Option<String> = r.rpoplpush("src", "dst").unwrap();
    assert_eq!(v, None);

    let popped: Option<(String, Vec<String>)> =
        r.lmpop(["empty", "dst"], Direction::Left, 2).unwrap();
    assert_eq!(
        popped,
        Some((
            "dst".to_string(),
            vec!["two".to_string(), "three".to_string()]
        ))
    );
    let popped: Option<(String, Vec<String>)> = r.lmpop("dst", Direction::Right, 1).unwrap();
    assert_eq!(popped, Some(("dst".to_string(), vec!["one".to_string()])));
    let popped: Option<(String, Vec<String>)> = r.lmpop("dst", Direction::Right, 1).unwrap();
    assert_eq!(popped, None);
    assert_err(
        r.lmpop::<_, emu::Value>("dst", Direction::Left, 0),
        "ERR count should be greater than 0",
    );
}

//! String commands.

use std::time::Duration;

use emu::{Expiry, SetOptions};

use super::{assert_err, WRONGTYPE};

backends!(get_and_set);
fn get_and_set(r: emu::Redis) {
    let v: Option<String> = r.get("k").unwrap();
    assert_eq!(v, None);
    r.set("k", "v").unwrap();
    let v: String = r.get("k").unwrap();
    assert_eq!(v, "v");
    let _: () = r.set("n", 42).unwrap();
    let n: i64 = r.get("n").unwrap();
    assert_eq!(n, 42);
    let _: () = r.set("f", 0.1).unwrap();
    let f: String = r.get("f").unwrap();
    assert_eq!(f, "0.1");
    let _: () = r.set("bin", &[0u8, 255, 10][..]).unwrap();
    let b: Vec<u8> = r.get("bin").unwrap();
    assert_eq!(b, vec![0, 255, 10]);
    let e = r.get::<_, String>("bin").unwrap_err();
    assert_eq!(e.kind(), emu::ErrorKind::Conversion);
    r.rpush("list", "x").unwrap();
    assert_err(r.get::<_, Option<String>>("list"), WRONGTYPE);
}

backends!(set_conditions_and_get);
fn set_conditions_and_get(r: emu::Redis) {
    let set: bool = r.set_options("k", "1", SetOptions::default().xx()).unwrap();
    assert!(!set);
    let set: bool = r.set_options("k", "1", SetOptions::default().nx()).unwrap();
    assert!(set);
    let set: bool = r.set_options("k", "2", SetOptions::default().nx()).unwrap();
    assert!(!set);
    let set: bool = r.set_options("k", "3", SetOptions::default().xx()).unwrap();
    assert!(set);
    let old: Option<String> = r.set_get("k", "4", SetOptions::default()).unwrap();
    assert_eq!(old.as_deref(), Some("3"));
    let old: Option<String> = r.set_get("new", "x", SetOptions::default()).unwrap();
    assert_eq!(old, None);
    let v: String = r.get("k").unwrap();
    assert_eq!(v, "4");
    r.sadd("set", "m").unwrap();
    assert_err(
        r.set_get::<_, _, Option<String>>("set", "x", SetOptions::default()),
        WRONGTYPE,
    );
}

backends!(set_expiry_options; remote: "moves emu's manual clock (advance_time); a server's clock cannot be moved");
fn set_expiry_options(r: emu::Redis) {
    r.set_options("ex", "v", SetOptions::default().ex(3600))
        .unwrap();
    let ttl: i64 = r.ttl("ex").unwrap();
    assert_eq!(ttl, 3600);
    r.set_options("px", "v", SetOptions::default().px(5000))
        .unwrap();
    let pttl: i64 = r.pttl("px").unwrap();
    assert_eq!(pttl, 5000);
    r.set_options("exat", "v", SetOptions::default().exat(1_000_100))
        .unwrap();
    let at: i64 = r.expiretime("exat").unwrap();
    assert_eq!(at, 1_000_100);
    r.set_options("pxat", "v", SetOptions::default().pxat(1_000_000_250))
        .unwrap();
    let at: i64 = r.pexpiretime("pxat").unwrap();
    assert_eq!(at, 1_000_000_250);
    // KEEPTTL keeps it, a plain SET clears it.
    r.set_options("ex", "w", SetOptions::default().keepttl())
        .unwrap();
    let ttl: i64 = r.ttl("ex").unwrap();
    assert_eq!(ttl, 3600);
    let _: () = r.set("ex", "w").unwrap();
    let ttl: i64 = r.ttl("ex").unwrap();
    assert_eq!(ttl, -1);
    // NX + EX: the distributed-lock form.
    let got: bool = r
        .set_options("lock", "me", SetOptions::default().nx().ex(10))
        .unwrap();
    assert!(got);
    r.advance_time(Duration::from_millis(10_001)).unwrap();
    let v: Option<String> = r.get("lock").unwrap();
    assert_eq!(v, None);
    assert_err(
        r.set_options("k", "v", SetOptions::default().ex(0)),
        "ERR invalid expire time in 'set' command",
    );
}

backends!(setnx_setex_psetex; remote: "moves emu's manual clock (advance_time); a server's clock cannot be moved");
fn setnx_setex_psetex(r: emu::Redis) {
    let a: bool = r.setnx("k", "1").unwrap();
    let b: bool = r.setnx("k", "2").unwrap();
    assert_eq!((a, b), (true, false));
    let _: () = r.setex("s", 10, "v").unwrap();
    let ttl: i64 = r.ttl("s").unwrap();
    assert_eq!(ttl, 10);
    let _: () = r.psetex("p", 1500, "v").unwrap();
    let pttl: i64 = r.pttl("p").unwrap();
    assert_eq!(pttl, 1500);
    r.advance_time(Duration::from_millis(1500)).unwrap();
    assert_eq!(
        r.get::<_, String>("p").unwrap(),
        "v",
        "not expired at the deadline"
    );
    r.advance_time(Duration::from_millis(1)).unwrap();
    let v: Option<String> = r.get("p").unwrap();
    assert_eq!(v, None);
    assert_err(
        r.setex("s", -1, "v"),
        "ERR invalid expire time in 'setex' command",
    );
}

backends!(getset_getdel_getex; remote: "moves emu's manual clock (advance_time); a server's clock cannot be moved");
fn getset_getdel_getex(r: emu::Redis) {
    let old: Option<String> = r.getset("k", "1").unwrap();
    assert_eq!(old, None);
    let old: Option<String> = r.getset("k", "2").unwrap();
    assert_eq!(old.as_deref(), Some("1"));
    let v: Option<String> = r.getdel("k").unwrap();
    assert_eq!(v.as_deref(), Some("2"));
    let n: i64 = r.exists("k").unwrap();
    assert_eq!(n, 0);
    let v: Option<String> = r.getdel("k").unwrap();
    assert_eq!(v, None);

    let _: () = r.set("g", "v").unwrap();
    let v: String = r.getex("g", Expiry::Ex(100)).unwrap();
    assert_eq!(v, "v");
    assert_eq!(r.ttl("g").unwrap(), 100);
    let _: String = r.getex("g", Expiry::Px(2500)).unwrap();
    assert_eq!(r.pttl("g").unwrap(), 2500);
    let _: String = r.getex("g", Expiry::ExAt(1_000_050)).unwrap();
    assert_eq!(r.ttl("g").unwrap(), 50);
    let _: String = r.getex("g", Expiry::PxAt(1_000_000_700)).unwrap();
    assert_eq!(r.pttl("g").unwrap(), 700);
    let _: String = r.getex("g", Expiry::Persist).unwrap();
    assert_eq!(r.ttl("g").unwrap(), -1);
    let missing: Option<String> = r.getex("nope", Expiry::Ex(1)).unwrap();
    assert_eq!(missing, None);
}

backends!(mget_mset_msetnx; cluster: "multi-key commands or transactions over keys in several slots: CROSSSLOT on a cluster (tests/remote checks that error and the hash-tagged forms)");
fn mget_mset_msetnx(r: emu::Redis) {
    let _: () = r.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let vs: Vec<Option<String>> = r.mget(["a", "b", "c"]).unwrap();
    assert_eq!(vs, vec![Some("1".into()), Some("2".into()), None]);
    let one: Vec<Option<i64>> = r.mget("a").unwrap();
    assert_eq!(one, vec![Some(1)]);
    let map = std::collections::BTreeMap::from([("c", 3), ("d", 4)]);
    let _: () = r.mset(&map).unwrap();
    let vs: Vec<i64> = r.mget(vec!["c", "d"]).unwrap();
    assert_eq!(vs, vec![3, 4]);
    let set: bool = r.msetnx(vec![("x", "1"), ("a", "9")]).unwrap();
    assert!(!set);
    let x: Option<String> = r.get("x").unwrap();
    assert_eq!(x, None);
    let set: bool = r.msetnx([("x", "1"), ("y", "2")]).unwrap();
    assert!(set);
    assert_err(
        r.mset(Vec::<(&str, &str)>::new()),
        "ERR wrong number of arguments for 'mset' command",
    );
}

backends!(append_strlen_ranges);
fn append_strlen_ranges(r: emu::Redis) {
    let n: i64 = r.append("s", "Hello").unwrap();
    assert_eq!(n, 5);
    let n: i64 = r.append("s", " World").unwrap();
    assert_eq!(n, 11);
    assert_eq!(r.strlen("s").unwrap(), 11);
    assert_eq!(r.strlen("missing").unwrap(), 0);
    let sub: String = r.getrange("s", 0, 4).unwrap();
    assert_eq!(sub, "Hello");
    let sub: String = r.getrange("s", -5, -1).unwrap();
    assert_eq!(sub, "World");
    let n: i64 = r.setrange("s", 6, "Redis").unwrap();
    assert_eq!(n, 11);
    assert_eq!(r.get::<_, String>("s").unwrap(), "Hello Redis");
    let n: i64 = r.setrange("pad", 3, "x").unwrap();
    assert_eq!(n, 4);
    assert_eq!(r.get::<_, Vec<u8>>("pad").unwrap(), b"\0\0\0x");
    assert_err(
        r.setrange::<_, _, i64>("s", -1, "x"),
        "ERR offset is out of range",
    );
}

backends!(counters);
fn counters(r: emu::Redis) {
    let _: () = r.set("counter", 0).unwrap();
    assert_eq!(r.incr("counter").unwrap(), 1);
    assert_eq!(r.incrby("counter", 5).unwrap(), 6);
    assert_eq!(r.decr("counter").unwrap(), 5);
    assert_eq!(r.decrby("counter", 10).unwrap(), -5);
    assert_eq!(r.incr("fresh").unwrap(), 1);
    let f: f64 = r.incrbyfloat("fl", 1.5).unwrap();
    assert_eq!(f, 1.5);
    let f: String = r.incrbyfloat("fl", 0.1).unwrap();
    assert_eq!(f, "1.6");
    let _: () = r.set("text", "abc").unwrap();
    assert_err(
        r.incr("text"),
        "ERR value is not an integer or out of range",
    );
    assert_err(
        r.incrbyfloat::<_, f64>("text", 1.0),
        "ERR value is not a valid float",
    );
    let _: () = r.set("max", i64::MAX).unwrap();
    assert_err(r.incr("max"), "ERR increment or decrement would overflow");
}

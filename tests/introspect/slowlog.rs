//! SLOWLOG against redis-server 7.0: entries (arguments truncated and redacted, client
//! name, scripts' `?:0`, EXEC's commands but not EXEC), GET counts, LEN, RESET, limits,
//! errors and HELP byte for byte.

use crate::util::{refs, words, Pair, R};

/// An entry with time, duration and the TCP port masked.
fn masked(entry: &R) -> R {
    let f = entry.items();
    assert_eq!(f.len(), 6, "{entry:?}");
    assert!(matches!(f[1], R::Int(t) if t > 1_600_000_000), "{:?}", f[1]);
    assert!(matches!(f[2], R::Int(d) if d >= 0), "{:?}", f[2]);
    let addr = match &f[4] {
        R::Bulk(a) if a == b"?:0" => R::Bulk(a.clone()),
        R::Bulk(a) => {
            let a = String::from_utf8_lossy(a);
            assert!(a.starts_with("127.0.0.1:"), "{a}");
            R::Bulk(b"127.0.0.1:<port>".to_vec())
        }
        other => panic!("{other:?}"),
    };
    R::Array(vec![
        f[0].clone(),
        R::Int(0),
        R::Int(0),
        f[3].clone(),
        addr,
        f[5].clone(),
    ])
}

fn log(p: &mut Pair, count: &str) -> (Vec<R>, Vec<R>) {
    let (e, r) = p.both(&[b"SLOWLOG", b"GET", count.as_bytes()]);
    let m = |b: &[u8]| R::parse(b).items().iter().map(masked).collect::<Vec<_>>();
    (m(&e), m(&r))
}

#[test]
fn entries_as_redis() {
    let Some(mut p) = Pair::start("SLOWLOG") else {
        return;
    };
    p.same(&[b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"]);
    p.same(&[b"SLOWLOG", b"RESET"]);
    p.same(&[b"CLIENT", b"SETNAME", b"nm"]);
    p.same(&[b"SET", b"k", b"v"]);
    let long = [b'x'; 200];
    let mut many: Vec<&[u8]> = vec![b"RPUSH", b"list"];
    many.extend(std::iter::repeat_n(&long[..], 40));
    p.same(&many);
    let mut exact: Vec<&[u8]> = vec![b"RPUSH", b"l2"];
    let v128 = [b'y'; 128];
    let v129 = [b'y'; 129];
    exact.extend([&v128[..], &v129[..]]);
    exact.extend(std::iter::repeat_n(&b"z"[..], 28));
    p.same(&exact);
    p.same(&[b"AUTH", b"nosuch", b"secret"]);
    p.same(&[b"AUTH", b"secret"]);
    p.same(&[
        b"HELLO", b"2", b"AUTH", b"nosuch", b"secret", b"SETNAME", b"x",
    ]);
    p.same(&[b"ACL", b"SETUSER", b"u1", b"on", b">pw", b"+get"]);
    p.same(&[b"MULTI"]);
    p.same(&[b"SET", b"a", b"1"]);
    p.same(&[b"EXEC"]);
    p.same(&[
        b"EVAL",
        b"return redis.call('set', KEYS[1], '1')",
        b"1",
        b"x",
    ]);
    p.same(&[b"GET"]);
    p.same(&[b"CLIENT", b"NOSUCH"]);
    p.same(&[b"SLOWLOG", b"LEN"]);
    let (e, r) = log(&mut p, "-1");
    assert_eq!(e, r);
    assert!(e.len() > 10);
    for count in ["0", "1", "3", "100"] {
        let (e, r) = log(&mut p, count);
        assert_eq!(e, r, "SLOWLOG GET {count}");
    }
    let (e, r) = p.both(&[b"SLOWLOG", b"GET"]);
    assert_eq!(R::parse(&e).items().len(), 10);
    assert_eq!(R::parse(&r).items().len(), 10);
    // slowlog-max-len trims as entries come in; 0 keeps nothing.
    p.same(&[b"CONFIG", b"SET", b"slowlog-max-len", b"3"]);
    p.same(&[b"PING"]);
    p.same(&[b"SLOWLOG", b"LEN"]);
    p.same(&[b"CONFIG", b"SET", b"slowlog-max-len", b"0"]);
    p.same(&[b"PING"]);
    p.same(&[b"SLOWLOG", b"LEN"]);
    // -1 logs nothing.
    p.same(&[b"CONFIG", b"SET", b"slowlog-max-len", b"128"]);
    p.same(&[b"CONFIG", b"SET", b"slowlog-log-slower-than", b"-1"]);
    p.same(&[b"SLOWLOG", b"RESET"]);
    p.same(&[b"PING"]);
    p.same(&[b"SLOWLOG", b"LEN"]);
    // A high threshold logs nothing fast.
    p.same(&[b"CONFIG", b"SET", b"slowlog-log-slower-than", b"1000000"]);
    p.same(&[b"PING"]);
    p.same(&[b"SLOWLOG", b"LEN"]);
}

#[test]
fn errors_and_help_as_redis() {
    let Some(mut p) = Pair::start("SLOWLOG errors") else {
        return;
    };
    for line in [
        "SLOWLOG HELP",
        "SLOWLOG help",
        "SLOWLOG GET -2",
        "SLOWLOG GET abc",
        "SLOWLOG GET 1 2",
        "SLOWLOG LEN x",
        "SLOWLOG RESET x",
        "SLOWLOG HELP x",
        "SLOWLOG foo",
        "SLOWLOG",
        "CONFIG SET slowlog-max-len -1",
        "CONFIG SET slowlog-log-slower-than -2",
        "CONFIG SET slowlog-log-slower-than abc",
        // (One name per call: Redis lists a glob's matches in its dict's random order.)
        "CONFIG GET slowlog-max-len",
        "CONFIG GET slowlog-log-slower-than",
    ] {
        p.same(&refs(&words(line)));
    }
}

//! LATENCY against redis-server 7.0: help and errors byte for byte; after the same slow
//! command on both, LATEST / HISTORY / GRAPH / DOCTOR with numbers masked; RESET; the
//! HISTOGRAM reply's shape in RESP2 and RESP3.

use crate::util::{refs, words, Pair, R};

/// The text with every run of digits replaced by `N`.
fn digits_masked(s: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_num {
                out.push('N');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out
}

fn text(reply: &[u8]) -> String {
    match R::parse(reply) {
        R::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn help_and_errors_as_redis() {
    let Some(mut p) = Pair::start("LATENCY errors") else {
        return;
    };
    for line in [
        "LATENCY HELP",
        "LATENCY help",
        "LATENCY",
        "LATENCY foo",
        "LATENCY GRAPH",
        "LATENCY GRAPH nosuch",
        "LATENCY HISTORY a b",
        "LATENCY HISTORY nosuch",
        "LATENCY LATEST x",
        "LATENCY LATEST",
        "LATENCY DOCTOR x",
        "LATENCY DOCTOR",
        "LATENCY RESET",
        "LATENCY RESET a b",
        "LATENCY HISTOGRAM nosuch",
        "CONFIG SET latency-monitor-threshold -1",
        "CONFIG SET latency-tracking maybe",
        "CONFIG GET latency-monitor-threshold",
        "CONFIG GET latency-tracking",
        "CONFIG GET latency-tracking-info-percentiles",
    ] {
        p.same(&refs(&words(line)));
    }
}

#[test]
fn events_as_redis() {
    let Some(mut p) = Pair::start("LATENCY events") else {
        return;
    };
    // A high threshold, so that only the slow script makes an event even on a loaded machine.
    p.same(&[b"CONFIG", b"SET", b"latency-monitor-threshold", b"50"]);
    p.same(&[b"LATENCY", b"DOCTOR"]);
    // A script that runs for well over 50 ms on both.
    let slow = b"local i = 0 while i < 30000000 do i = i + 1 end return i";
    p.same(&[b"EVAL", slow, b"0"]);
    let (e, r) = p.both(&[b"LATENCY", b"LATEST"]);
    let (e, r) = (R::parse(&e), R::parse(&r));
    for l in [&e, &r] {
        let items = l.items();
        assert_eq!(items.len(), 1, "{l:?}");
        let f = items[0].items();
        assert_eq!(f[0], R::Bulk(b"command".to_vec()));
        assert!(matches!(f[2], R::Int(ms) if ms >= 50), "{f:?}");
        assert!(matches!(f[3], R::Int(ms) if ms >= 50), "{f:?}");
    }
    p.same(&[b"LATENCY", b"HISTORY", b"COMMAND"]);
    let (e, r) = p.both(&[b"LATENCY", b"HISTORY", b"command"]);
    let shape = |b: &[u8]| -> usize {
        let r = R::parse(b);
        for s in r.items() {
            assert!(matches!(s.items(), [R::Int(_), R::Int(_)]), "{s:?}");
        }
        r.items().len()
    };
    assert_eq!(shape(&e), 1);
    assert_eq!(shape(&r), 1);
    let (e, r) = p.both(&[b"LATENCY", b"GRAPH", b"command"]);
    assert_eq!(digits_masked(&text(&e)), digits_masked(&text(&r)));
    let (e, r) = p.both(&[b"LATENCY", b"DOCTOR"]);
    let doctor = |b: &[u8]| {
        text(b)
            .lines()
            .filter(|l| !l.starts_with("- I detected a non zero amount of anonymous huge pages"))
            .map(digits_masked)
            .collect::<Vec<_>>()
    };
    assert_eq!(doctor(&e), doctor(&r));
    p.same(&[b"LATENCY", b"RESET", b"Command", b"nosuch"]);
    p.same(&[b"LATENCY", b"LATEST"]);
    p.same(&[b"LATENCY", b"DOCTOR"]);
}

/// A HISTOGRAM reply as (command, calls, bounds in order), checking each entry's shape.
fn histogram(reply: &[u8]) -> Vec<(Vec<u8>, i64, usize)> {
    let pairs: Vec<(R, R)> = match R::parse(reply) {
        R::Map(m) => m,
        R::Array(a) => a.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
        other => panic!("{other:?}"),
    };
    pairs
        .into_iter()
        .map(|(name, body)| {
            let R::Bulk(name) = name else { panic!() };
            let fields: Vec<R> = match body {
                R::Map(m) => m.into_iter().flat_map(|(k, v)| [k, v]).collect(),
                R::Array(a) => a,
                other => panic!("{other:?}"),
            };
            assert_eq!(fields[0], R::Bulk(b"calls".to_vec()));
            assert_eq!(fields[2], R::Bulk(b"histogram_usec".to_vec()));
            let R::Int(calls) = fields[1] else { panic!() };
            let buckets: Vec<i64> = match &fields[3] {
                R::Map(m) => m
                    .iter()
                    .flat_map(|(k, v)| [k.clone(), v.clone()])
                    .map(|x| match x {
                        R::Int(n) => n,
                        other => panic!("{other:?}"),
                    })
                    .collect(),
                R::Array(a) => a
                    .iter()
                    .map(|x| match x {
                        R::Int(n) => *n,
                        other => panic!("{other:?}"),
                    })
                    .collect(),
                other => panic!("{other:?}"),
            };
            // Bounds grow, cumulative counts grow, the last is the number of calls.
            let bounds: Vec<i64> = buckets.iter().step_by(2).copied().collect();
            let counts: Vec<i64> = buckets.iter().skip(1).step_by(2).copied().collect();
            assert!(bounds.windows(2).all(|w| w[0] < w[1]), "{bounds:?}");
            assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
            assert_eq!(counts.last().copied(), Some(calls));
            (name, calls, 1)
        })
        .collect()
}

#[test]
fn histogram_shape_as_redis() {
    let Some(mut p) = Pair::start("LATENCY HISTOGRAM") else {
        return;
    };
    for _ in 0..7 {
        p.same(&[b"SET", b"k", b"v"]);
    }
    p.same(&[b"CLIENT", b"SETNAME", b"x"]);
    p.same(&[b"CLIENT", b"GETNAME"]);
    for proto in ["2", "3"] {
        p.both(&[b"HELLO", proto.as_bytes()]);
        for line in [
            "LATENCY HISTOGRAM set",
            "LATENCY HISTOGRAM SET client|setname nosuch client|id",
            "LATENCY HISTOGRAM set set",
        ] {
            let (e, r) = p.both(&refs(&words(line)));
            assert_eq!(histogram(&e), histogram(&r), "{line} RESP{proto}");
        }
        let (e, r) = p.both(&[b"LATENCY", b"HISTOGRAM", b"client"]);
        let mut e = histogram(&e);
        let mut r = histogram(&r);
        e.sort();
        r.sort();
        assert_eq!(e, r);
    }
}

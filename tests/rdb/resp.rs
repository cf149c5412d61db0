//! A small RESP reply reader for comparing raw replies.

/// A parsed reply.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum R {
    Simple(Vec<u8>),
    Err(Vec<u8>),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Arr(Option<Vec<R>>),
}

fn line(b: &[u8], at: usize) -> (&[u8], usize) {
    let end = b[at..].windows(2).position(|w| w == b"\r\n").expect("CRLF") + at;
    (&b[at..end], end + 2)
}

/// Parses one reply starting at `at`; returns it and the offset after it.
pub fn parse(b: &[u8], at: usize) -> (R, usize) {
    let (l, next) = line(b, at + 1);
    let num = || -> i64 { std::str::from_utf8(l).expect("utf8").parse().expect("num") };
    match b[at] {
        b'+' => (R::Simple(l.to_vec()), next),
        b'-' => (R::Err(l.to_vec()), next),
        b':' => (R::Int(num()), next),
        b'$' => {
            let n = num();
            if n < 0 {
                (R::Bulk(None), next)
            } else {
                let n = n as usize;
                (R::Bulk(Some(b[next..next + n].to_vec())), next + n + 2)
            }
        }
        b'*' => {
            let n = num();
            if n < 0 {
                return (R::Arr(None), next);
            }
            let mut v = Vec::new();
            let mut p = next;
            for _ in 0..n {
                let (x, q) = parse(b, p);
                v.push(x);
                p = q;
            }
            (R::Arr(Some(v)), p)
        }
        c => panic!("unexpected reply type {c}"),
    }
}

/// The one reply in `b`.
pub fn one(b: &[u8]) -> R {
    parse(b, 0).0
}

/// The bytes of a bulk reply (None for nil).
pub fn bulk(b: &[u8]) -> Option<Vec<u8>> {
    match one(b) {
        R::Bulk(x) => x,
        other => panic!("expected a bulk reply, got {other:?}"),
    }
}

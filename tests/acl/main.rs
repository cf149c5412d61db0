//! ACL: one test binary, one topic per module.
//!
//! - `differential`: random ACL SETUSER rule sequences sent to emu and a real redis-server:
//!   SETUSER replies and GETUSER fields byte-identical (the commands description compared by
//!   the permissions it grants: ACL DRYRUN of a probe list, byte-identical), NOPERM texts,
//!   MULTI/EXEC and EVAL refusals, ACL LOG shapes;
//! - `server`: AUTH / HELLO with users, requirepass and `default`, DELUSER closing
//!   connections, CLIENT LIST `user=`;
//! - `file`: `--aclfile` load, ACL SAVE / LOAD round trip, errors naming the line (also
//!   against redis-server);
//! - `embedded`: `Redis::options().username(..).password(..)` handles and their permissions.

#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod differential;
mod embedded;
#[cfg(feature = "server")]
mod file;
#[cfg(feature = "server")]
mod server;

/// A RESP2 reply, parsed (enough for the comparisons here).
#[cfg(feature = "server")]
#[derive(Clone, Debug, PartialEq)]
pub enum R {
    Str(Vec<u8>),
    Err(Vec<u8>),
    Int(i64),
    Nil,
    Arr(Vec<R>),
}

#[cfg(feature = "server")]
impl R {
    /// Parses one reply from `b`.
    pub fn parse(b: &[u8]) -> R {
        fn line(b: &[u8], at: usize) -> (&[u8], usize) {
            let end = (at..b.len() - 1)
                .find(|&i| b[i] == b'\r' && b[i + 1] == b'\n')
                .expect("line end");
            (&b[at..end], end + 2)
        }
        fn one(b: &[u8], at: usize) -> (R, usize) {
            let (l, next) = line(b, at + 1);
            let n = || std::str::from_utf8(l).unwrap().parse::<i64>().unwrap();
            match b[at] {
                b'+' => (R::Str(l.to_vec()), next),
                b'-' => (R::Err(l.to_vec()), next),
                b':' => (R::Int(n()), next),
                b'$' if n() < 0 => (R::Nil, next),
                b'$' => {
                    let len = n() as usize;
                    (R::Str(b[next..next + len].to_vec()), next + len + 2)
                }
                b'*' if n() < 0 => (R::Nil, next),
                b'*' => {
                    let mut items = Vec::new();
                    let mut at = next;
                    for _ in 0..n() {
                        let (v, a) = one(b, at);
                        items.push(v);
                        at = a;
                    }
                    (R::Arr(items), at)
                }
                c => panic!("unexpected reply byte {c}"),
            }
        }
        one(b, 0).0
    }

    /// The field `name` of a flat map reply (RESP2 array of name, value).
    pub fn field(&self, name: &str) -> &R {
        let R::Arr(items) = self else {
            panic!("not a map: {self:?}")
        };
        items
            .chunks(2)
            .find(|p| p[0] == R::Str(name.as_bytes().to_vec()))
            .map(|p| &p[1])
            .unwrap_or_else(|| panic!("no field {name} in {self:?}"))
    }

    /// The text of a string reply.
    pub fn text(&self) -> String {
        match self {
            R::Str(b) | R::Err(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("not a string: {other:?}"),
        }
    }
}

//! LCS: the longest common subsequence of two strings (Redis 7.0 `t_string.c`
//! `lcsCommand`), with its LEN, IDX, MINMATCHLEN and WITHMATCHLEN forms.
//!
//! The classic dynamic-programming table of `(len(a)+1) * (len(b)+1)` 32-bit cells, walked
//! back from the end as Redis does, so that the string, the ranges and their order are
//! Redis's. The table is transient memory; like Redis, a table larger than
//! `proto-max-bulk-len` bytes is refused.

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::keyspace::Object;
use crate::util::{arg_i64, eq_ic};
use crate::value::Value;

/// One matching range: `a[a_start..=a_end]` equals `b[b_start..=b_end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// First index in the first string.
    pub a_start: u32,
    /// Last index in the first string.
    pub a_end: u32,
    /// First index in the second string.
    pub b_start: u32,
    /// Last index in the second string.
    pub b_end: u32,
}

impl Match {
    /// Length of the range.
    pub fn len(&self) -> u32 {
        self.a_end - self.a_start + 1
    }

    /// Never true: a match has at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The result of [`lcs`]: the subsequence, its length, and the ranges (from the end of the
/// strings backwards, as Redis emits them) when asked for.
pub struct Lcs {
    /// The subsequence (empty when not computed).
    pub string: Vec<u8>,
    /// Its length.
    pub len: u32,
    /// The matching ranges, last first.
    pub matches: Vec<Match>,
}

/// Computes the LCS table and walks it back (Redis `lcsCommand`); `ranges` collects the
/// matching ranges, `string` builds the subsequence.
pub fn lcs(a: &[u8], b: &[u8], string: bool, ranges: bool) -> Lcs {
    let (alen, blen) = (a.len(), b.len());
    let w = blen + 1;
    let mut t = vec![0u32; (alen + 1) * w];
    for i in 1..=alen {
        for j in 1..=blen {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let total = t[alen * w + blen];
    let mut out = Lcs {
        string: Vec::new(),
        len: total,
        matches: Vec::new(),
    };
    if !string && !ranges {
        return out;
    }
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let (mut i, mut j) = (alen, blen);
    // `None` = no range being tracked (Redis uses arange_start == alen).
    let mut cur: Option<Match> = None;
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            match cur.as_mut() {
                None => {
                    cur = Some(Match {
                        a_start: (i - 1) as u32,
                        a_end: (i - 1) as u32,
                        b_start: (j - 1) as u32,
                        b_end: (j - 1) as u32,
                    })
                }
                Some(m) if m.a_start as usize == i && m.b_start as usize == j => {
                    m.a_start -= 1;
                    m.b_start -= 1;
                }
                Some(_) => emit = true,
            }
            if cur.is_some_and(|m| m.a_start == 0 || m.b_start == 0) {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if cur.is_some() {
                emit = true;
            }
        }
        if emit {
            if let Some(m) = cur.take() {
                out.matches.push(m);
            }
        }
    }
    if string {
        out.string = result;
    }
    out
}

/// # Format
/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]`
fn lcs_command(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let strings = {
        let objs = ctx.read_many(&argv[1..3]);
        let mut out: Vec<Vec<u8>> = Vec::with_capacity(2);
        for o in objs {
            match o {
                None => out.push(Vec::new()),
                Some(Object::Str(s)) => out.push(s.to_vec()),
                Some(_) => return Err(Error::err("The specified keys must contain string values")),
            }
        }
        out
    };
    let (a, b) = (&strings[0], &strings[1]);
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = argv[j];
        if eq_ic(opt, "idx") {
            getidx = true;
        } else if eq_ic(opt, "len") {
            getlen = true;
        } else if eq_ic(opt, "withmatchlen") {
            withmatchlen = true;
        } else if eq_ic(opt, "minmatchlen") && more > 0 {
            minmatchlen = arg_i64(argv[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(Error::syntax());
        }
        j += 1;
    }
    if getidx && getlen {
        return Err(Error::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    if a.len() as u64 >= u64::from(u32::MAX) - 1 || b.len() as u64 >= u64::from(u32::MAX) - 1 {
        return Err(Error::err("String too long for LCS"));
    }
    let cells = (a.len() as u128 + 1) * (b.len() as u128 + 1) * 4;
    if cells > u128::from(ctx.config().proto_max_bulk_len) {
        return Err(Error::err(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let r = lcs(a, b, getidx || !getlen, getidx);
    if getidx {
        let matches = r
            .matches
            .iter()
            .filter(|m| minmatchlen == 0 || i64::from(m.len()) >= minmatchlen)
            .map(|m| {
                let mut item = vec![
                    Value::Array(vec![
                        Value::Int(i64::from(m.a_start)),
                        Value::Int(i64::from(m.a_end)),
                    ]),
                    Value::Array(vec![
                        Value::Int(i64::from(m.b_start)),
                        Value::Int(i64::from(m.b_end)),
                    ]),
                ];
                if withmatchlen {
                    item.push(Value::Int(i64::from(m.len())));
                }
                Value::Array(item)
            })
            .collect();
        Ok(Value::Map(vec![
            (Value::bulk("matches"), Value::Array(matches)),
            (Value::bulk("len"), Value::Int(i64::from(r.len))),
        ]))
    } else if getlen {
        Ok(Value::Int(i64::from(r.len)))
    } else {
        Ok(Value::Bulk(r.string))
    }
}

/// The LCS command.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::new(
    "lcs",
    -3,
    READONLY,
    (1, 2, 1),
    "string",
    lcs_command,
)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_doc_example() {
        let r = lcs(b"ohmytext", b"mynewtext", true, true);
        assert_eq!(r.string, b"mytext");
        assert_eq!(r.len, 6);
        assert_eq!(
            r.matches,
            vec![
                Match {
                    a_start: 4,
                    a_end: 7,
                    b_start: 5,
                    b_end: 8
                },
                Match {
                    a_start: 2,
                    a_end: 3,
                    b_start: 0,
                    b_end: 1
                },
            ]
        );
    }
}

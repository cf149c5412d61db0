//! Redis's glob matching (`stringmatchlen` in util.c): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`,
//! and `\x` escapes, optionally case-insensitive. Used by KEYS, SCAN MATCH, HSCAN/SSCAN/ZSCAN
//! MATCH, PSUBSCRIBE, PUBSUB CHANNELS, CONFIG GET and COMMAND LIST FILTERBY PATTERN.
//!
//! # Cost
//!
//! Redis 7.0's matcher is a backtracking recursion made polynomial by the `skipLongerMatches`
//! flag (the fix for CVE-2022-36021): once the rest of the pattern after a `*` has failed at
//! every remaining position of the string, no earlier `*` can help by matching more, so the
//! whole search stops. A consequence is that only the innermost `*` ever retries: a call that
//! reaches a `*` either matches or sets the flag. That is what this module does without
//! recursion: it remembers only the last `*` seen and, when the literal segment after it
//! fails, moves that `*`'s start one byte further (the classic two-pointer glob). The cost is
//! O(pattern × string) in the worst case and nothing recurses, so `KEYS a*a*…*b` and
//! `"*?"×2000 b` answer at once. Redis's recursion cap (a match needing more than 1000
//! nested `*` fails) is kept as a counter so the answers stay identical.
//!
//! # Quirks kept from Redis
//!
//! * Bytes compare as C's signed `char` in `[a-z]` ranges (a range ending in a byte ≥ 0x80
//!   swaps around), and case folding is ASCII only.
//! * `*` needs at least one byte: `*` does not match the empty string (KEYS special-cases a
//!   bare `*`), but a trailing `*` after the last byte is consumed does (`a*` matches `a`).
//! * An unterminated class (`[abc`) runs to the end of the pattern; `\` inside a class escapes
//!   the next byte and compares it case-sensitively even for the nocase variant; a `-` range
//!   may swallow the `]` (`[a-]` is the range `]`..`a`, and the class goes on).
//! * A trailing lone `\` matches a literal `\`.

/// True if `s` matches `pattern`.
pub fn matches(pattern: &[u8], s: &[u8]) -> bool {
    match_glob(pattern, s, false)
}

/// Case-insensitive variant.
pub fn matches_nocase(pattern: &[u8], s: &[u8]) -> bool {
    match_glob(pattern, s, true)
}

/// A byte as C's signed `char`, case-folded (ASCII) when `nocase`: the values `stringmatchlen`
/// compares.
fn c_char(b: u8, nocase: bool) -> i32 {
    let b = if nocase { b.to_ascii_lowercase() } else { b };
    i32::from(b as i8)
}

/// How a run of the pattern without `*` ended.
enum Step {
    Match,
    NoMatch,
    /// Reached a `*` that is not the last byte of the pattern: the rest of the pattern starts
    /// at the first index, the string at the second (at least one byte remains).
    Star(usize, usize),
}

/// One pass of `stringmatchlen`'s loop from `(pi, si)` up to the next `*` (or the end).
fn segment(p: &[u8], mut pi: usize, s: &[u8], mut si: usize, nocase: bool) -> Step {
    while pi < p.len() && si < s.len() {
        match p[pi] {
            b'*' => {
                while p.get(pi + 1) == Some(&b'*') {
                    pi += 1;
                }
                if pi + 1 == p.len() {
                    return Step::Match;
                }
                return Step::Star(pi + 1, si);
            }
            b'?' => si += 1,
            b'[' => {
                pi += 1;
                let not = p.get(pi) == Some(&b'^');
                if not {
                    pi += 1;
                }
                let c = s[si];
                let mut hit = false;
                loop {
                    if pi + 2 <= p.len() && p[pi] == b'\\' {
                        pi += 1;
                        if p[pi] == c {
                            hit = true;
                        }
                    } else if pi < p.len() && p[pi] == b']' {
                        break;
                    } else if pi >= p.len() {
                        // Unterminated class: it ends with the pattern. Step back so the
                        // common advance below leaves the pattern exhausted.
                        pi -= 1;
                        break;
                    } else if pi + 3 <= p.len() && p[pi + 1] == b'-' {
                        let (mut start, mut end) = (c_char(p[pi], false), c_char(p[pi + 2], false));
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        let mut ch = c_char(c, false);
                        if nocase {
                            start = fold(start);
                            end = fold(end);
                            ch = fold(ch);
                        }
                        pi += 2;
                        if ch >= start && ch <= end {
                            hit = true;
                        }
                    } else if c_char(p[pi], nocase) == c_char(c, nocase) {
                        hit = true;
                    }
                    pi += 1;
                }
                if hit == not {
                    return Step::NoMatch;
                }
                si += 1;
            }
            b => {
                let b = if b == b'\\' && pi + 2 <= p.len() {
                    pi += 1;
                    p[pi]
                } else {
                    b
                };
                if c_char(b, nocase) != c_char(s[si], nocase) {
                    return Step::NoMatch;
                }
                si += 1;
            }
        }
        pi += 1;
        if si == s.len() {
            while p.get(pi) == Some(&b'*') {
                pi += 1;
            }
            break;
        }
    }
    if pi >= p.len() && si == s.len() {
        Step::Match
    } else {
        Step::NoMatch
    }
}

/// C's `tolower` on a signed `char` value (ASCII only; negative values unchanged).
fn fold(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// Redis 7.0.15's "protection against abusive patterns": a match needing more nested `*`
/// levels than this fails.
const MAX_NESTING: usize = 1000;

fn match_glob(p: &[u8], s: &[u8], nocase: bool) -> bool {
    // The innermost `*`: where the rest of the pattern starts and the string position
    // currently tried for it.
    let mut star: Option<(usize, usize)> = None;
    // Redis's recursion depth: one level per `*` passed. Redis gives up (no match) past
    // `MAX_NESTING`; kept so answers stay identical for patterns with that many stars.
    let mut nesting = 0;
    let mut step = segment(p, 0, s, 0, nocase);
    loop {
        match step {
            Step::Match => return true,
            Step::Star(pi, si) => {
                nesting += 1;
                if nesting > MAX_NESTING {
                    return false;
                }
                star = Some((pi, si));
                step = segment(p, pi, s, si, nocase);
            }
            Step::NoMatch => match star {
                // Redis's `skipLongerMatches`: when the innermost `*` runs out of string, no
                // outer `*` can do better.
                Some((pi, si)) if si + 1 < s.len() => {
                    star = Some((pi, si + 1));
                    step = segment(p, pi, s, si + 1, nocase);
                }
                _ => return false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{c_char, fold, matches, matches_nocase};
    use proptest::prelude::*;

    /// The reference: Redis's matcher before CVE-2022-36021 as a plain exponential recursion
    /// (no `skipLongerMatches`, no depth cap), element by element. Only for short inputs.
    fn reference(p: &[u8], s: &[u8], nocase: bool) -> bool {
        if p.is_empty() || s.is_empty() {
            return p.is_empty() && s.is_empty();
        }
        let (hit, rest): (bool, &[u8]) = match p[0] {
            b'*' => {
                let mut p = p;
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                return (0..s.len()).any(|i| reference(&p[1..], &s[i..], nocase));
            }
            b'?' => (true, &p[1..]),
            b'[' => {
                let mut q = &p[1..];
                let not = q.first() == Some(&b'^');
                if not {
                    q = &q[1..];
                }
                let c = s[0];
                let mut hit = false;
                loop {
                    match q {
                        [b'\\', e, ..] => {
                            hit |= *e == c;
                            q = &q[2..];
                        }
                        [b']', ..] => {
                            q = &q[1..];
                            break;
                        }
                        [] => break,
                        [a, b'-', z, ..] => {
                            let (lo, hi) = {
                                let (a, z) = (c_char(*a, false), c_char(*z, false));
                                (a.min(z), a.max(z))
                            };
                            let (lo, hi, ch) = if nocase {
                                (fold(lo), fold(hi), fold(c_char(c, false)))
                            } else {
                                (lo, hi, c_char(c, false))
                            };
                            hit |= lo <= ch && ch <= hi;
                            q = &q[3..];
                        }
                        [x, ..] => {
                            hit |= c_char(*x, nocase) == c_char(c, nocase);
                            q = &q[1..];
                        }
                    }
                }
                (hit != not, q)
            }
            b'\\' if p.len() >= 2 => (c_char(p[1], nocase) == c_char(s[0], nocase), &p[2..]),
            b => (c_char(b, nocase) == c_char(s[0], nocase), &p[1..]),
        };
        if !hit {
            return false;
        }
        let s = &s[1..];
        if s.is_empty() {
            let rest: &[u8] = &rest[rest.iter().take_while(|&&b| b == b'*').count()..];
            return rest.is_empty();
        }
        reference(rest, s, nocase)
    }

    #[test]
    fn globs() {
        assert!(matches(b"*", b"anything"));
        // Like stringmatchlen, "*" does not match the empty string (KEYS special-cases "*").
        assert!(!matches(b"*", b""));
        assert!(matches(b"user:*:profile", b"user:1000:profile"));
        assert!(!matches(b"user:*:profile", b"user:1000:prof"));
        assert!(matches(b"h?llo", b"hello"));
        assert!(!matches(b"h?llo", b"hllo"));
        assert!(matches(b"h[ae]llo", b"hallo"));
        assert!(!matches(b"h[ae]llo", b"hillo"));
        assert!(matches(b"h[^e]llo", b"hallo"));
        assert!(!matches(b"h[^e]llo", b"hello"));
        assert!(matches(b"h[a-b]llo", b"hbllo"));
        assert!(matches(b"h[b-a]llo", b"hallo"));
        assert!(matches(b"h\\*llo", b"h*llo"));
        assert!(!matches(b"h\\*llo", b"hello"));
        assert!(matches(b"a*b*c", b"aXXbYYc"));
        assert!(!matches(b"a*b*c", b"aXXbYY"));
        assert!(matches(b"abc*", b"abc"));
        assert!(!matches(b"", b"a"));
        assert!(matches(b"", b""));
        // Quirks.
        assert!(matches(b"a\\", b"a\\"));
        assert!(matches(b"[abc", b"b"));
        assert!(matches(b"[a-]x]", b"^"), "[a-] is the range ]..a");
        assert!(matches_nocase(b"H[A-C]LLO", b"hbllo"));
        assert!(
            !matches_nocase(b"[\\A]", b"a"),
            "an escape in a class is case-sensitive"
        );
        assert!(
            !matches(b"[\x01-\xff]", b"\x80"),
            "signed chars: the range is -1..1"
        );
        assert!(matches(b"[\x01-\xff]", b"\x00"));
        assert!(!matches(b"[\x01-\xfe]", b"a"));
    }

    /// The two patterns of issue 10, and worse: they must answer at once (the old matcher
    /// never returned). Run under `cargo test` these are liveness checks, not timings.
    #[test]
    fn pathological_patterns_are_fast() {
        let key = vec![b'a'; 40];
        let mut p = b"a*".repeat(20);
        p.push(b'b');
        assert!(!matches(&p, &key));
        let mut p = b"*?".repeat(2000);
        p.push(b'b');
        assert!(!matches(&p, &key));
        let long = vec![b'a'; 100_000];
        let mut p = b"*a".repeat(10_000);
        p.push(b'b');
        assert!(!matches(&p, &long));
        // Redis's nesting cap, checked against redis-server 7.0.15: 1001 stars where the
        // last ends the pattern still match, 1002 do not.
        assert!(matches(&b"a*".repeat(1001), &long));
        assert!(!matches(&b"a*".repeat(1002), &long));
        assert!(!matches(&b"a*".repeat(50_000), &long));
    }

    fn pat() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'*'),
                Just(b'?'),
                Just(b'['),
                Just(b']'),
                Just(b'^'),
                Just(b'\\'),
                Just(b'-'),
                Just(b'a'),
                Just(b'b'),
                Just(b'A'),
                Just(0xe9u8),
            ],
            0..10,
        )
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'a'),
                Just(b'b'),
                Just(b'A'),
                Just(b'-'),
                Just(b']'),
                Just(b'*'),
                Just(b'\\'),
                Just(0xe9u8),
            ],
            0..9,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn same_answers_as_the_backtracking_reference(p in pat(), s in text()) {
            prop_assert_eq!(matches(&p, &s), reference(&p, &s, false), "pattern {:?} string {:?}",
                String::from_utf8_lossy(&p), String::from_utf8_lossy(&s));
            prop_assert_eq!(matches_nocase(&p, &s), reference(&p, &s, true), "nocase pattern {:?} string {:?}",
                String::from_utf8_lossy(&p), String::from_utf8_lossy(&s));
        }
    }
}

//! The RESP wire format: an incremental request parser that follows Redis 7.0's
//! `processMultibulkBuffer` / `processInlineBuffer` rules (and error texts) exactly, and a reply
//! encoder for RESP2 and RESP3.
//!
//! The parser never copies multibulk arguments: it records their byte ranges in the caller's
//! buffer. It is resumable: when a request is incomplete it remembers how far it got, so a
//! huge request arriving in many reads is scanned once, not once per read.

use crate::util::float::fmt_g17;
use crate::util::parse_i64;
use crate::value::Value;

/// Longest inline request or count line accepted without a newline (Redis
/// `PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;
/// Largest multibulk count (Redis 7.0 compares with `INT_MAX`).
pub const MULTIBULK_MAX: i64 = i32::MAX as i64;
/// Largest multibulk count an unauthenticated client may send.
pub const UNAUTH_MULTIBULK_MAX: i64 = 10;
/// Largest bulk an unauthenticated client may send.
pub const UNAUTH_BULK_MAX: i64 = 16384;

/// A protocol violation. The connection replies with [`ProtoError::message`] and closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoError {
    /// `*<n>` was not a number or too large.
    InvalidMultibulkLength,
    /// `$<n>` was not a number, negative, or above `proto-max-bulk-len`.
    InvalidBulkLength,
    /// An argument header did not start with `$`; carries the byte found.
    ExpectedDollar(u8),
    /// Inline request with unbalanced quotes.
    UnbalancedQuotes,
    /// Inline request longer than [`INLINE_MAX`] without a newline.
    TooBigInline,
    /// Multibulk count line longer than [`INLINE_MAX`].
    TooBigMbulkCount,
    /// Bulk count line longer than [`INLINE_MAX`].
    TooBigBulkCount,
    /// Unauthenticated client sent a multibulk count above 10.
    UnauthMultibulkLength,
    /// Unauthenticated client sent a bulk above 16384 bytes.
    UnauthBulkLength,
}

impl ProtoError {
    /// The error reply text, as Redis words it.
    pub fn message(&self) -> String {
        match self {
            ProtoError::InvalidMultibulkLength => {
                "ERR Protocol error: invalid multibulk length".into()
            }
            ProtoError::InvalidBulkLength => "ERR Protocol error: invalid bulk length".into(),
            ProtoError::ExpectedDollar(c) => {
                format!("ERR Protocol error: expected '$', got '{}'", *c as char)
            }
            ProtoError::UnbalancedQuotes => {
                "ERR Protocol error: unbalanced quotes in request".into()
            }
            ProtoError::TooBigInline => "ERR Protocol error: too big inline request".into(),
            ProtoError::TooBigMbulkCount => "ERR Protocol error: too big mbulk count string".into(),
            ProtoError::TooBigBulkCount => "ERR Protocol error: too big bulk count string".into(),
            ProtoError::UnauthMultibulkLength => {
                "ERR Protocol error: unauthenticated multibulk length".into()
            }
            ProtoError::UnauthBulkLength => {
                "ERR Protocol error: unauthenticated bulk length".into()
            }
        }
    }
}

/// Limits the parser enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `proto-max-bulk-len`.
    pub max_bulk: u64,
    /// When false, the unauthenticated limits (10 arguments, 16 KiB bulks) apply.
    pub authenticated: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk: 512 * 1024 * 1024,
            authenticated: true,
        }
    }
}

/// Where a parsed request's arguments live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Ranges index the input buffer.
    Buffer,
    /// Ranges index [`Parser::inline_args`] (inline requests, after unquoting).
    Inline,
}

/// Outcome of one [`Parser::parse`] call.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A complete request: `consumed` bytes of input; arguments in [`Parser::args`].
    /// `args` may be empty (an empty inline line or a `*0`/`*-1` header): nothing to run.
    Request {
        /// Bytes of input this request occupied.
        consumed: usize,
        /// Where the argument ranges point.
        source: Source,
    },
    /// More input is needed; `hint` is a lower bound on the total bytes the request needs
    /// (0 when unknown), so the caller can reserve buffer space.
    Incomplete {
        /// Minimum total length of the pending request, if known.
        hint: usize,
    },
}

/// Resumable request parser (one per connection).
#[derive(Debug, Default)]
pub struct Parser {
    /// Remaining bulks of the multibulk being parsed (0 = not inside a multibulk).
    multibulk_left: i64,
    /// Offset (from the request start) where parsing resumes.
    pos: usize,
    /// Argument ranges of the current request.
    args: Vec<(usize, usize)>,
    /// Unquoted inline arguments, concatenated.
    inline: Vec<u8>,
}

/// Position of the first `c` in `buf[from..]`, as C's `strchr` would find it: a NUL byte
/// ends the search (Redis's query buffer is searched with `strchr`).
#[inline]
fn strchr(buf: &[u8], from: usize, c: u8) -> Option<usize> {
    let hay = buf.get(from..)?;
    for (i, &b) in hay.iter().enumerate() {
        if b == c {
            return Some(from + i);
        }
        if b == 0 {
            return None;
        }
    }
    None
}

impl Parser {
    /// A parser with no request in progress.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Argument ranges of the last complete request.
    pub fn args(&self) -> &[(usize, usize)] {
        &self.args
    }

    /// Backing storage of inline arguments.
    pub fn inline_args(&self) -> &[u8] {
        &self.inline
    }

    /// The arguments of the last complete request as slices.
    pub fn argv<'a>(&'a self, buf: &'a [u8], source: Source) -> Vec<&'a [u8]> {
        let base: &[u8] = match source {
            Source::Buffer => buf,
            Source::Inline => &self.inline,
        };
        self.args.iter().map(|&(s, e)| &base[s..e]).collect()
    }

    /// Fills `out` with the arguments of the last complete request.
    pub fn argv_into<'a>(&'a self, buf: &'a [u8], source: Source, out: &mut Vec<&'a [u8]>) {
        out.clear();
        let base: &[u8] = match source {
            Source::Buffer => buf,
            Source::Inline => &self.inline,
        };
        out.extend(self.args.iter().map(|&(s, e)| &base[s..e]));
    }

    /// True when part of a request has been parsed and more input is awaited.
    pub fn in_progress(&self) -> bool {
        self.multibulk_left > 0
    }

    /// For a multibulk in progress: how many bytes from the request's start hold its header
    /// and its completed arguments ([`Parser::args`]); 0 otherwise.
    pub fn completed_len(&self) -> usize {
        if self.in_progress() {
            self.pos
        } else {
            0
        }
    }

    /// Forgets the completed arguments of the multibulk in progress after the caller moved
    /// them out and removed the first [`Parser::completed_len`] bytes from its buffer:
    /// parsing resumes at the new start of the buffer with the arguments still missing.
    pub fn forget_completed(&mut self) {
        self.args.clear();
        self.pos = 0;
    }

    /// Parses one request from `buf` (which starts at the request's first byte). On
    /// [`Parsed::Incomplete`] call again with the same bytes plus more; on a request, the
    /// caller drops `consumed` bytes before the next call. Argument ranges of a multibulk are
    /// relative to `buf`.
    pub fn parse(&mut self, buf: &[u8], limits: Limits) -> Result<Parsed, ProtoError> {
        if self.multibulk_left == 0 {
            self.args.clear();
            self.pos = 0;
            match buf.first() {
                None => return Ok(Parsed::Incomplete { hint: 0 }),
                Some(b'*') => {}
                Some(_) => return self.parse_inline(buf),
            }
            // Count line.
            let Some(cr) = strchr(buf, 0, b'\r') else {
                if buf.len() > INLINE_MAX {
                    return Err(ProtoError::TooBigMbulkCount);
                }
                return Ok(Parsed::Incomplete { hint: 0 });
            };
            // The buffer must also hold the byte after '\r'.
            if cr + 2 > buf.len() {
                return Ok(Parsed::Incomplete { hint: 0 });
            }
            let n = parse_i64(&buf[1..cr]).ok_or(ProtoError::InvalidMultibulkLength)?;
            if n > MULTIBULK_MAX {
                return Err(ProtoError::InvalidMultibulkLength);
            }
            if n > UNAUTH_MULTIBULK_MAX && !limits.authenticated {
                return Err(ProtoError::UnauthMultibulkLength);
            }
            self.pos = cr + 2;
            if n <= 0 {
                return Ok(Parsed::Request {
                    consumed: self.pos,
                    source: Source::Buffer,
                });
            }
            self.multibulk_left = n;
            self.args.reserve((n as usize).min(1024));
        }
        while self.multibulk_left > 0 {
            let pos = self.pos;
            let Some(cr) = strchr(buf, pos, b'\r') else {
                if buf.len() - pos.min(buf.len()) > INLINE_MAX {
                    return Err(ProtoError::TooBigBulkCount);
                }
                return Ok(Parsed::Incomplete { hint: 0 });
            };
            if cr + 2 > buf.len() {
                return Ok(Parsed::Incomplete { hint: 0 });
            }
            if buf[pos] != b'$' {
                return Err(ProtoError::ExpectedDollar(buf[pos]));
            }
            let len = match parse_i64(&buf[pos + 1..cr]) {
                Some(l) if l >= 0 && (l as u64) <= limits.max_bulk => l,
                _ => return Err(ProtoError::InvalidBulkLength),
            };
            if len > UNAUTH_BULK_MAX && !limits.authenticated {
                return Err(ProtoError::UnauthBulkLength);
            }
            let start = cr + 2;
            let len = len as usize;
            // Redis skips the two bytes after the payload without checking them.
            let end = start.saturating_add(len).saturating_add(2);
            if buf.len() < end {
                return Ok(Parsed::Incomplete { hint: end });
            }
            self.args.push((start, start + len));
            self.pos = end;
            self.multibulk_left -= 1;
        }
        Ok(Parsed::Request {
            consumed: self.pos,
            source: Source::Buffer,
        })
    }

    fn parse_inline(&mut self, buf: &[u8]) -> Result<Parsed, ProtoError> {
        let Some(nl) = strchr(buf, 0, b'\n') else {
            if buf.len() > INLINE_MAX {
                return Err(ProtoError::TooBigInline);
            }
            return Ok(Parsed::Incomplete { hint: 0 });
        };
        let mut line = &buf[..nl];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        self.inline.clear();
        split_args(line, &mut self.inline, &mut self.args).ok_or(ProtoError::UnbalancedQuotes)?;
        Ok(Parsed::Request {
            consumed: nl + 1,
            source: Source::Inline,
        })
    }
}

#[inline]
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Splits an inline request line into arguments with Redis's `sdssplitargs` rules: blanks
/// separate; `"…"` understands `\n \r \t \b \a \xHH` and `\<c>`; `'…'` understands `\'`;
/// a closing quote must be followed by a blank or the end. Unquoted bytes go to `store`,
/// ranges to `args`. Returns None on unbalanced quotes. A NUL byte ends the line, as in C.
pub fn split_args(line: &[u8], store: &mut Vec<u8>, args: &mut Vec<(usize, usize)>) -> Option<()> {
    let at = |i: usize| -> u8 { line.get(i).copied().unwrap_or(0) };
    let mut p = 0usize;
    loop {
        while at(p) != 0 && is_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Some(());
        }
        let start = store.len();
        let (mut inq, mut insq, mut done) = (false, false, false);
        while !done {
            let c = at(p);
            if inq {
                if c == 0 {
                    return None;
                }
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_val(at(p + 2)), hex_val(at(p + 3))) {
                        store.push(h * 16 + l);
                        p += 3;
                    } else {
                        store.push(b'x');
                        p += 1;
                    }
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    store.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        o => o,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    done = true;
                } else {
                    store.push(c);
                }
            } else if insq {
                if c == 0 {
                    return None;
                }
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    store.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    done = true;
                } else {
                    store.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    _ => store.push(c),
                }
            }
            if at(p) != 0 {
                p += 1;
            }
        }
        args.push((start, store.len()));
    }
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

#[inline]
fn push_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[inline]
fn header(out: &mut Vec<u8>, tag: u8, n: i64) {
    out.push(tag);
    push_int(out, n);
    out.extend_from_slice(b"\r\n");
}

/// Appends a bulk string.
#[inline]
pub fn encode_bulk(out: &mut Vec<u8>, b: &[u8]) {
    header(out, b'$', b.len() as i64);
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

/// Appends an array header (`*len`), the same in RESP2 and RESP3.
pub fn encode_array_header(out: &mut Vec<u8>, len: usize) {
    header(out, b'*', len as i64);
}

/// Appends an error reply; `\r` and `\n` in the text become spaces (as Redis does).
pub fn encode_error(out: &mut Vec<u8>, msg: &str) {
    out.push(b'-');
    line(out, msg);
}

/// The rest of a simple-string or error line: the text's bytes (client bytes kept in it come
/// back raw, see `crate::util::text`), CR and LF as spaces, then CRLF.
fn line(out: &mut Vec<u8>, text: &str) {
    out.extend(crate::util::text::raw(text).iter().map(|&b| {
        if b == b'\r' || b == b'\n' {
            b' '
        } else {
            b
        }
    }));
    out.extend_from_slice(b"\r\n");
}

/// Appends `v` encoded for protocol version `resp` (2 or 3).
pub fn encode(out: &mut Vec<u8>, v: &Value, resp: u8) {
    let r3 = resp >= 3;
    match v {
        Value::Nil => out.extend_from_slice(if r3 { b"_\r\n" } else { b"$-1\r\n" }),
        Value::NilArray => out.extend_from_slice(if r3 { b"_\r\n" } else { b"*-1\r\n" }),
        Value::Int(i) => header(out, b':', *i),
        Value::Bulk(b) => encode_bulk(out, b),
        Value::Simple(s) => {
            out.push(b'+');
            line(out, s);
        }
        Value::Error(e) => encode_error(out, e),
        Value::Array(items) => {
            header(out, b'*', items.len() as i64);
            for it in items {
                encode(out, it, resp);
            }
        }
        Value::Map(pairs) => {
            if r3 {
                header(out, b'%', pairs.len() as i64);
            } else {
                header(out, b'*', 2 * pairs.len() as i64);
            }
            for (k, v) in pairs {
                encode(out, k, resp);
                encode(out, v, resp);
            }
        }
        Value::Set(items) => {
            header(out, if r3 { b'~' } else { b'*' }, items.len() as i64);
            for it in items {
                encode(out, it, resp);
            }
        }
        Value::Push(items) => {
            header(out, if r3 { b'>' } else { b'*' }, items.len() as i64);
            for it in items {
                encode(out, it, resp);
            }
        }
        Value::Double(d) => {
            let s = fmt_g17(*d);
            if r3 {
                out.push(b',');
                out.extend_from_slice(s.as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                encode_bulk(out, s.as_bytes());
            }
        }
        Value::Bool(b) => {
            if r3 {
                out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
            } else {
                out.extend_from_slice(if *b { b":1\r\n" } else { b":0\r\n" });
            }
        }
        Value::DoubleText(t) => {
            if r3 {
                out.push(b',');
                out.extend_from_slice(t.as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                encode_bulk(out, t.as_bytes());
            }
        }
        Value::Verbatim(fmt, data) => {
            if r3 {
                let mut f = fmt.as_bytes().to_vec();
                f.resize(3, b' ');
                header(out, b'=', (data.len() + 4) as i64);
                out.extend_from_slice(&f);
                out.push(b':');
                out.extend_from_slice(data);
                out.extend_from_slice(b"\r\n");
            } else {
                encode_bulk(out, data);
            }
        }
        Value::BigNumber(n) => {
            if r3 {
                out.push(b'(');
                out.extend_from_slice(n.as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                encode_bulk(out, n.as_bytes());
            }
        }
        Value::Attribute(attrs, v) => {
            if r3 {
                header(out, b'|', attrs.len() as i64);
                for (k, val) in attrs {
                    encode(out, k, resp);
                    encode(out, val, resp);
                }
            }
            encode(out, v, resp);
        }
    }
}

/// Encodes a whole reply into a new buffer.
pub fn to_bytes(v: &Value, resp: u8) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out, v, resp);
    out
}

/// Encodes an argument vector as a RESP multibulk request (what clients send).
pub fn encode_request<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    header(out, b'*', argv.len() as i64);
    for a in argv {
        encode_bulk(out, a.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(input: &[u8]) -> Result<(Vec<Vec<u8>>, usize), ProtoError> {
        let mut p = Parser::new();
        match p.parse(input, Limits::default())? {
            Parsed::Request { consumed, source } => Ok((
                p.argv(input, source).iter().map(|a| a.to_vec()).collect(),
                consumed,
            )),
            Parsed::Incomplete { .. } => panic!("incomplete"),
        }
    }

    fn inline(s: &str) -> Option<Vec<String>> {
        let mut store = Vec::new();
        let mut args = Vec::new();
        split_args(s.as_bytes(), &mut store, &mut args)?;
        Some(
            args.iter()
                .map(|&(a, b)| String::from_utf8_lossy(&store[a..b]).into_owned())
                .collect(),
        )
    }

    #[test]
    fn multibulk_and_lenient_trailer() {
        let (a, n) = one(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").unwrap();
        assert_eq!(a, vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(n, 20);
        // Redis does not check the two bytes after a payload.
        let (a, n) = one(b"*1\r\n$4\r\nPINGxx").unwrap();
        assert_eq!(a, vec![b"PING".to_vec()]);
        assert_eq!(n, 14);
    }

    #[test]
    fn errors_match_redis() {
        let e = |b: &[u8]| one(b).unwrap_err().message();
        assert_eq!(
            e(b"*abc\r\n"),
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            e(b"*3000000000\r\n"),
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            e(b"*1\r\n$-1\r\n"),
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            e(b"*1\r\n$600000000\r\n"),
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            e(b"*1\r\nfoo\r\n"),
            "ERR Protocol error: expected '$', got 'f'"
        );
        assert_eq!(
            e(b"set \"a b\r\n"),
            "ERR Protocol error: unbalanced quotes in request"
        );
    }

    #[test]
    fn empty_and_negative_counts_are_skipped() {
        assert_eq!(one(b"*0\r\n").unwrap(), (vec![], 4));
        assert_eq!(one(b"*-5\r\n").unwrap(), (vec![], 5));
        assert_eq!(one(b"\r\n").unwrap(), (vec![], 2));
    }

    #[test]
    fn incremental() {
        let full = b"*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n";
        let mut p = Parser::new();
        for cut in 0..full.len() {
            let r = p.parse(&full[..cut], Limits::default()).unwrap();
            assert!(matches!(r, Parsed::Incomplete { .. }), "cut {cut}");
        }
        let r = p.parse(full, Limits::default()).unwrap();
        assert_eq!(
            r,
            Parsed::Request {
                consumed: full.len(),
                source: Source::Buffer
            }
        );
        assert_eq!(p.argv(full, Source::Buffer), vec![&b"GET"[..], b"hello"]);
    }

    #[test]
    fn unauthenticated_limits() {
        let l = Limits {
            max_bulk: 1 << 29,
            authenticated: false,
        };
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*11\r\n", l).unwrap_err(),
            ProtoError::UnauthMultibulkLength
        );
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*2\r\n$20000\r\n", l).unwrap_err(),
            ProtoError::UnauthBulkLength
        );
    }

    #[test]
    fn inline_quoting_like_sdssplitargs() {
        assert_eq!(inline("set a b").unwrap(), ["set", "a", "b"]);
        assert_eq!(inline("  ").unwrap(), Vec::<String>::new());
        assert_eq!(inline(r#"echo "\x41\n""#).unwrap(), ["echo", "A\n"]);
        assert_eq!(inline(r#"echo "\x4""#).unwrap(), ["echo", "x4"]);
        assert_eq!(inline(r#"echo "\xzz""#).unwrap(), ["echo", "xzz"]);
        assert_eq!(inline(r"echo 'a\'b'").unwrap(), ["echo", "a'b"]);
        assert_eq!(inline(r"echo 'a\nb'").unwrap(), ["echo", "a\\nb"]);
        assert_eq!(inline(r#"echo a"b""#).unwrap(), ["echo", "ab"]);
        assert_eq!(inline(r#"echo """#).unwrap(), ["echo", ""]);
        assert_eq!(inline(r#"echo "a"b"#), None);
        assert_eq!(inline(r#"echo "a"#), None);
        assert_eq!(inline(r"echo 'a"), None);
    }

    #[test]
    fn encode_both_protocols() {
        let v = Value::Map(vec![(Value::bulk("a"), Value::Double(1.5))]);
        assert_eq!(to_bytes(&v, 2), b"*2\r\n$1\r\na\r\n$3\r\n1.5\r\n");
        assert_eq!(to_bytes(&v, 3), b"%1\r\n$1\r\na\r\n,1.5\r\n");
        assert_eq!(to_bytes(&Value::Nil, 2), b"$-1\r\n");
        assert_eq!(to_bytes(&Value::NilArray, 2), b"*-1\r\n");
        assert_eq!(to_bytes(&Value::Nil, 3), b"_\r\n");
        assert_eq!(to_bytes(&Value::Bool(true), 3), b"#t\r\n");
        assert_eq!(to_bytes(&Value::Bool(true), 2), b":1\r\n");
        assert_eq!(to_bytes(&Value::Int(-42), 2), b":-42\r\n");
        assert_eq!(
            to_bytes(&Value::Int(i64::MIN), 2),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(
            to_bytes(&Value::Verbatim("txt".into(), b"hi".to_vec()), 3),
            b"=6\r\ntxt:hi\r\n"
        );
        assert_eq!(
            to_bytes(&Value::Verbatim("txt".into(), b"hi".to_vec()), 2),
            b"$2\r\nhi\r\n"
        );
        assert_eq!(to_bytes(&Value::Double(f64::INFINITY), 3), b",inf\r\n");
        assert_eq!(
            to_bytes(&Value::Set(vec![Value::Int(1)]), 3),
            b"~1\r\n:1\r\n"
        );
        assert_eq!(to_bytes(&Value::Push(vec![]), 3), b">0\r\n");
        assert_eq!(
            to_bytes(&Value::Error("ERR a\r\nb".into()), 2),
            b"-ERR a  b\r\n"
        );
    }
}

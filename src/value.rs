//! The reply value every command produces.
//!
//! One type, rich enough for RESP3 (maps, sets, doubles, booleans, push), so both protocol
//! versions encode from it: RESP2 flattens maps and sets into arrays, renders doubles as bulk
//! strings (`%.17g`) and booleans as integers, exactly as Redis's `addReply*` family does.
//! Handlers whose reply *shape* differs between protocols beyond those rules (for example
//! `ZRANGE … WITHSCORES`, nested pairs in RESP3) consult [`crate::engine::Ctx::resp`].

use std::fmt;

/// A reply from the command engine.
///
/// ```
/// use emu::Value;
/// let redis = emu::Redis::new();
/// redis.rpush("l", ["a", "b"])?;
/// let v: Value = redis.cmd("LRANGE").arg("l").arg(0).arg(-1).query()?;
/// assert_eq!(v, Value::Array(vec![Value::bulk("a"), Value::bulk("b")]));
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub enum Value {
    /// Null bulk string in RESP2 (`$-1`), `_` in RESP3.
    Nil,
    /// Null array in RESP2 (`*-1`), `_` in RESP3.
    NilArray,
    /// Integer reply.
    Int(i64),
    /// Binary-safe bulk string.
    Bulk(Vec<u8>),
    /// Simple status string such as `OK` or `PONG`.
    Simple(String),
    /// Error reply; the text starts with the error code (`ERR`, `WRONGTYPE`, …).
    Error(String),
    /// Array reply.
    Array(Vec<Value>),
    /// RESP3 map (RESP2: flat array of key, value, key, value…).
    Map(Vec<(Value, Value)>),
    /// RESP3 set (RESP2: array).
    Set(Vec<Value>),
    /// RESP3 double (RESP2: bulk string formatted as `%.17g`).
    Double(f64),
    /// A RESP3 double sent as this exact text (RESP2: a bulk string of it): the digits
    /// Redis prints for a long double (`addReplyHumanLongDouble`, e.g. geo coordinates),
    /// which `%.17g` of the nearest `f64` would not reproduce.
    DoubleText(String),
    /// RESP3 boolean (RESP2: integer 1 or 0).
    Bool(bool),
    /// RESP3 verbatim string (RESP2: bulk string); the first field is the 3-letter format.
    Verbatim(String, Vec<u8>),
    /// RESP3 push (RESP2: array), used by pub/sub.
    Push(Vec<Value>),
    /// RESP3 big number (`(` + digits; RESP2: bulk string of the digits).
    BigNumber(String),
    /// RESP3 attribute (`|` map) followed by the reply it annotates; RESP2 sends only the
    /// reply (Redis drops attributes for RESP2 clients).
    Attribute(Vec<(Value, Value)>, Box<Value>),
}

impl Value {
    /// The `OK` status reply.
    pub fn ok() -> Value {
        Value::Simple("OK".to_string())
    }

    /// A bulk reply from anything byte-like.
    pub fn bulk(b: impl AsRef<[u8]>) -> Value {
        Value::Bulk(b.as_ref().to_vec())
    }

    /// An array of bulk strings.
    pub fn bulks<I, B>(items: I) -> Value
    where
        I: IntoIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        Value::Array(items.into_iter().map(|b| Value::bulk(b)).collect())
    }

    /// A bulk reply, or Nil when absent.
    pub fn opt_bulk(b: Option<impl AsRef<[u8]>>) -> Value {
        match b {
            Some(b) => Value::bulk(b),
            None => Value::Nil,
        }
    }

    /// True for `Nil` and `NilArray`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil | Value::NilArray)
    }

    /// True for an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error(_))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::NilArray => write!(f, "nil-array"),
            Value::Int(i) => write!(f, "int({i})"),
            Value::Bulk(b) => write!(f, "bulk({:?})", String::from_utf8_lossy(b)),
            Value::Simple(s) => write!(f, "simple({s})"),
            Value::Error(e) => write!(f, "error({e})"),
            Value::Array(a) => f.debug_list().entries(a).finish(),
            Value::Map(m) => f
                .debug_map()
                .entries(m.iter().map(|(k, v)| (k, v)))
                .finish(),
            Value::Set(s) => write!(f, "set{s:?}"),
            Value::Double(d) => write!(f, "double({d})"),
            Value::DoubleText(t) => write!(f, "double({t})"),
            Value::Bool(b) => write!(f, "bool({b})"),
            Value::Verbatim(k, b) => write!(f, "verbatim({k}:{:?})", String::from_utf8_lossy(b)),
            Value::BigNumber(n) => write!(f, "bignum({n})"),
            Value::Attribute(a, v) => write!(f, "attribute({a:?}) {v:?}"),
            Value::Push(p) => write!(f, "push{p:?}"),
        }
    }
}

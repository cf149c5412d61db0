//! Option types for commands with modifiers, built fluently and passed to the `*_options`
//! methods (or to [`crate::Cmd::arg`], since every option type is a [`ToArg`] that writes
//! its Redis keywords):
//!
//! ```
//! use emu::{Redis, SetOptions};
//! let r = Redis::new();
//! let set: bool = r.set_options("k", "v", SetOptions::default().ex(3600).nx()).unwrap();
//! assert!(set);
//! ```
//!
//! Options are written in a fixed order; combinations Redis refuses (`NX` with `XX`, `GT`
//! with `NX`, …) are sent as chosen and Redis's own error comes back.

use super::convert::ToArg;

fn push(out: &mut crate::client::convert::ArgBuf, s: &str) {
    out.push(s);
}

/// A write condition: `NX` (only if absent) or `XX` (only if present).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `NX`: only when the key (or member) does not exist.
    Nx,
    /// `XX`: only when the key (or member) already exists.
    Xx,
}

impl ToArg for Condition {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                Condition::Nx => "NX",
                Condition::Xx => "XX",
            },
        )
    }
}

/// How SET sets the time to live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetExpiry {
    /// `EX seconds`.
    Ex(u64),
    /// `PX milliseconds`.
    Px(u64),
    /// `EXAT unix-seconds`.
    ExAt(u64),
    /// `PXAT unix-milliseconds`.
    PxAt(u64),
    /// `KEEPTTL`: keep the existing time to live.
    KeepTtl,
}

impl ToArg for SetExpiry {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        let (kw, n) = match *self {
            SetExpiry::Ex(n) => ("EX", n),
            SetExpiry::Px(n) => ("PX", n),
            SetExpiry::ExAt(n) => ("EXAT", n),
            SetExpiry::PxAt(n) => ("PXAT", n),
            SetExpiry::KeepTtl => return push(out, "KEEPTTL"),
        };
        push(out, kw);
        n.write_args(out);
    }
}

/// Options of `SET key value [NX | XX] [GET] [EX | PX | EXAT | PXAT | KEEPTTL]`, as
/// redis-py's `set(name, value, ex=, px=, nx=, xx=, keepttl=, get=, exat=, pxat=)`.
///
/// [`Redis::set_options`](crate::Redis::set_options) returns `true` when the value was set,
/// `false` when `NX`/`XX` blocked it; [`Redis::set_get`](crate::Redis::set_get) adds `GET`
/// and returns the old value instead (`Option<String>`).
///
/// ```
/// use emu::{Redis, SetOptions};
/// let r = Redis::new();
/// assert!(r.set_options("k", "v", SetOptions::default().nx().ex(60))?);
/// assert!(!r.set_options("k", "w", SetOptions::default().nx())?);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetOptions {
    condition: Option<Condition>,
    get: bool,
    expiry: Option<SetExpiry>,
}

impl SetOptions {
    /// `EX seconds`: expire after `seconds`.
    pub fn ex(mut self, seconds: u64) -> Self {
        self.expiry = Some(SetExpiry::Ex(seconds));
        self
    }
    /// `PX ms`: expire after `ms` milliseconds.
    pub fn px(mut self, ms: u64) -> Self {
        self.expiry = Some(SetExpiry::Px(ms));
        self
    }
    /// `EXAT unix-seconds`: expire at a Unix time in seconds.
    pub fn exat(mut self, unix_seconds: u64) -> Self {
        self.expiry = Some(SetExpiry::ExAt(unix_seconds));
        self
    }
    /// `PXAT unix-ms`: expire at a Unix time in milliseconds.
    pub fn pxat(mut self, unix_ms: u64) -> Self {
        self.expiry = Some(SetExpiry::PxAt(unix_ms));
        self
    }
    /// `KEEPTTL`: keep the key's current time to live.
    pub fn keepttl(mut self) -> Self {
        self.expiry = Some(SetExpiry::KeepTtl);
        self
    }
    /// Any [`SetExpiry`] (replaces an earlier expiry choice).
    pub fn expiry(mut self, e: SetExpiry) -> Self {
        self.expiry = Some(e);
        self
    }
    /// `NX`: only set if the key does not exist.
    pub fn nx(mut self) -> Self {
        self.condition = Some(Condition::Nx);
        self
    }
    /// `XX`: only set if the key exists.
    pub fn xx(mut self) -> Self {
        self.condition = Some(Condition::Xx);
        self
    }
    /// `GET`: reply with the old value (nil if none) instead of `OK`; set by
    /// [`Redis::set_get`](crate::Redis::set_get), whose reply type fits it.
    pub(crate) fn get(mut self) -> Self {
        self.get = true;
        self
    }
}

impl ToArg for SetOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        self.condition.write_args(out);
        if self.get {
            push(out, "GET");
        }
        self.expiry.write_args(out);
    }
}

/// GETEX's expiry change: `EX`, `PX`, `EXAT`, `PXAT` or `PERSIST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// `EX seconds`.
    Ex(u64),
    /// `PX milliseconds`.
    Px(u64),
    /// `EXAT unix-seconds`.
    ExAt(u64),
    /// `PXAT unix-milliseconds`.
    PxAt(u64),
    /// `PERSIST`: remove the time to live.
    Persist,
}

impl ToArg for Expiry {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        let (kw, n) = match *self {
            Expiry::Ex(n) => ("EX", n),
            Expiry::Px(n) => ("PX", n),
            Expiry::ExAt(n) => ("EXAT", n),
            Expiry::PxAt(n) => ("PXAT", n),
            Expiry::Persist => return push(out, "PERSIST"),
        };
        push(out, kw);
        n.write_args(out);
    }
}

/// The condition of `EXPIRE`, `PEXPIRE`, `EXPIREAT`, `PEXPIREAT` (Redis 7).
///
/// ```
/// use emu::ExpireOption;
/// let r = emu::Redis::new();
/// r.set("k", "v")?;
/// assert!(r.expire_options("k", 100, ExpireOption::Nx)?);  // had no expiry
/// assert!(!r.expire_options("k", 50, ExpireOption::Gt)?);  // 50 is not greater
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpireOption {
    /// `NX`: only if the key has no expiry.
    Nx,
    /// `XX`: only if the key has an expiry.
    Xx,
    /// `GT`: only if the new expiry is greater than the current one.
    Gt,
    /// `LT`: only if the new expiry is less than the current one.
    Lt,
}

impl ToArg for ExpireOption {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                ExpireOption::Nx => "NX",
                ExpireOption::Xx => "XX",
                ExpireOption::Gt => "GT",
                ExpireOption::Lt => "LT",
            },
        )
    }
}

/// A list end: `LEFT` (head) or `RIGHT` (tail), for LMOVE and LMPOP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `LEFT`: the head.
    Left,
    /// `RIGHT`: the tail.
    Right,
}

impl ToArg for Direction {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                Direction::Left => "LEFT",
                Direction::Right => "RIGHT",
            },
        )
    }
}

/// Where LINSERT puts the new element relative to the pivot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertPosition {
    /// `BEFORE` the pivot.
    Before,
    /// `AFTER` the pivot.
    After,
}

impl ToArg for InsertPosition {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                InsertPosition::Before => "BEFORE",
                InsertPosition::After => "AFTER",
            },
        )
    }
}

/// Options of `LPOS key element [RANK rank] [COUNT num] [MAXLEN len]`.
///
/// Without [`LPosOptions::count`] the reply is one index or nil (`Option<i64>`); with it,
/// an array of indexes (`Vec<i64>`).
///
/// ```
/// use emu::LPosOptions;
/// let r = emu::Redis::new();
/// r.rpush("l", ["a", "b", "a", "a"])?;
/// let second: Option<i64> = r.lpos_options("l", "a", LPosOptions::default().rank(2))?;
/// assert_eq!(second, Some(2));
/// let all: Vec<i64> = r.lpos_options("l", "a", LPosOptions::default().count(0))?;
/// assert_eq!(all, [0, 2, 3]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LPosOptions {
    rank: Option<i64>,
    count: Option<u64>,
    maxlen: Option<u64>,
}

impl LPosOptions {
    /// `RANK r`: skip to the r-th match (negative: search from the tail).
    pub fn rank(mut self, rank: i64) -> Self {
        self.rank = Some(rank);
        self
    }
    /// `COUNT n`: return up to `n` positions (0 = all).
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }
    /// `MAXLEN n`: compare at most `n` elements (0 = no limit).
    pub fn maxlen(mut self, n: u64) -> Self {
        self.maxlen = Some(n);
        self
    }
}

impl ToArg for LPosOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some(r) = self.rank {
            push(out, "RANK");
            r.write_args(out);
        }
        if let Some(c) = self.count {
            push(out, "COUNT");
            c.write_args(out);
        }
        if let Some(m) = self.maxlen {
            push(out, "MAXLEN");
            m.write_args(out);
        }
    }
}

/// Options of `ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member …`.
///
/// The reply is the number of members added (changed, with [`ZAddOptions::ch`]); with
/// [`ZAddOptions::incr`] (one pair only) it is the new score, or nil when a condition
/// blocked it (`Option<f64>`).
///
/// ```
/// use emu::ZAddOptions;
/// let r = emu::Redis::new();
/// r.zadd("z", &[("m", 5.0)])?;
/// let changed: i64 = r.zadd_options("z", &[("m", 9.0), ("n", 1.0)], ZAddOptions::default().gt().ch())?;
/// assert_eq!(changed, 2); // m raised, n added
/// let score: Option<f64> = r.zadd_options("z", &[("m", 1.0)], ZAddOptions::default().incr())?;
/// assert_eq!(score, Some(10.0));
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZAddOptions {
    condition: Option<Condition>,
    comparison: Option<bool>,
    ch: bool,
    incr: bool,
}

impl ZAddOptions {
    /// `NX`: only add new members.
    pub fn nx(mut self) -> Self {
        self.condition = Some(Condition::Nx);
        self
    }
    /// `XX`: only update existing members.
    pub fn xx(mut self) -> Self {
        self.condition = Some(Condition::Xx);
        self
    }
    /// `GT`: only update when the new score is greater.
    pub fn gt(mut self) -> Self {
        self.comparison = Some(true);
        self
    }
    /// `LT`: only update when the new score is less.
    pub fn lt(mut self) -> Self {
        self.comparison = Some(false);
        self
    }
    /// `CH`: count changed members, not just added ones.
    pub fn ch(mut self) -> Self {
        self.ch = true;
        self
    }
    /// `INCR`: increment the score like ZINCRBY (one pair only).
    pub fn incr(mut self) -> Self {
        self.incr = true;
        self
    }
}

impl ToArg for ZAddOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        self.condition.write_args(out);
        match self.comparison {
            Some(true) => push(out, "GT"),
            Some(false) => push(out, "LT"),
            None => {}
        }
        if self.ch {
            push(out, "CH");
        }
        if self.incr {
            push(out, "INCR");
        }
    }
}

/// Options of `ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count]
/// [WITHSCORES]`, as redis-py's `zrange(name, start, end, desc=, withscores=, byscore=,
/// bylex=, offset=, num=)`.
///
/// By default `start`/`stop` are ranks; with [`ZRangeOptions::by_score`] they are scores
/// (`1.5`, `"(1.5"`, `"-inf"`), with [`ZRangeOptions::by_lex`] lexicographic bounds
/// (`"[a"`, `"(b"`, `"-"`, `"+"`). With [`ZRangeOptions::rev`] give the bounds in reverse
/// (high first), as Redis requires.
///
/// The same type serves the legacy `ZRANGEBYSCORE`/`ZREVRANGEBYSCORE`/`ZRANGEBYLEX`/
/// `ZREVRANGEBYLEX` `_options` methods, which accept only `LIMIT` and (by score)
/// `WITHSCORES`; other flags are sent and Redis answers `ERR syntax error`.
///
/// ```
/// use emu::ZRangeOptions;
/// let r = emu::Redis::new();
/// r.zadd("z", &[("a", 1.0), ("b", 2.0), ("c", 3.0)])?;
/// let top: Vec<(String, f64)> =
///     r.zrange_options("z", "+inf", "2", ZRangeOptions::default().by_score().rev().withscores())?;
/// assert_eq!(top, [("c".to_string(), 3.0), ("b".to_string(), 2.0)]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZRangeOptions {
    by: Option<bool>,
    rev: bool,
    limit: Option<(i64, i64)>,
    withscores: bool,
}

impl ZRangeOptions {
    /// `BYSCORE`: bounds are scores.
    pub fn by_score(mut self) -> Self {
        self.by = Some(true);
        self
    }
    /// `BYLEX`: bounds are lexicographic.
    pub fn by_lex(mut self) -> Self {
        self.by = Some(false);
        self
    }
    /// `REV`: highest first.
    pub fn rev(mut self) -> Self {
        self.rev = true;
        self
    }
    /// `LIMIT offset count` (only with BYSCORE/BYLEX; a negative count means all).
    pub fn limit(mut self, offset: i64, count: i64) -> Self {
        self.limit = Some((offset, count));
        self
    }
    /// `WITHSCORES`: reply with `(member, score)` pairs (`Vec<(String, f64)>`).
    pub fn withscores(mut self) -> Self {
        self.withscores = true;
        self
    }
}

impl ToArg for ZRangeOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        match self.by {
            Some(true) => push(out, "BYSCORE"),
            Some(false) => push(out, "BYLEX"),
            None => {}
        }
        if self.rev {
            push(out, "REV");
        }
        if let Some((offset, count)) = self.limit {
            push(out, "LIMIT");
            offset.write_args(out);
            count.write_args(out);
        }
        if self.withscores {
            push(out, "WITHSCORES");
        }
    }
}

/// How ZUNION/ZINTER (and their STORE forms) combine the scores of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZAggregate {
    /// `SUM` (the default).
    Sum,
    /// `MIN`.
    Min,
    /// `MAX`.
    Max,
}

impl ToArg for ZAggregate {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(out, "AGGREGATE");
        push(
            out,
            match self {
                ZAggregate::Sum => "SUM",
                ZAggregate::Min => "MIN",
                ZAggregate::Max => "MAX",
            },
        )
    }
}

/// Options of ZUNION, ZINTER, ZUNIONSTORE, ZINTERSTORE: `[WEIGHTS w …] [AGGREGATE SUM | MIN
/// | MAX] [WITHSCORES]`. `WITHSCORES` applies to ZUNION/ZINTER only (the STORE forms answer
/// `ERR syntax error`, as Redis does).
///
/// ```
/// use emu::{ZAggregate, ZAggregateOptions};
/// let r = emu::Redis::new();
/// r.zadd("a", &[("x", 1.0)])?;
/// r.zadd("b", &[("x", 5.0)])?;
/// let opts = ZAggregateOptions::default().aggregate(ZAggregate::Max).withscores();
/// let max: Vec<(String, f64)> = r.zunion_options(["a", "b"], opts)?;
/// assert_eq!(max, [("x".to_string(), 5.0)]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZAggregateOptions {
    weights: Option<Vec<f64>>,
    aggregate: Option<ZAggregate>,
    withscores: bool,
}

impl ZAggregateOptions {
    /// `WEIGHTS w1 w2 …`: one multiplication factor per input key.
    pub fn weights(mut self, weights: impl IntoIterator<Item = f64>) -> Self {
        self.weights = Some(weights.into_iter().collect());
        self
    }
    /// `AGGREGATE SUM | MIN | MAX`.
    pub fn aggregate(mut self, a: ZAggregate) -> Self {
        self.aggregate = Some(a);
        self
    }
    /// `WITHSCORES` (ZUNION/ZINTER): reply with `(member, score)` pairs.
    pub fn withscores(mut self) -> Self {
        self.withscores = true;
        self
    }
}

impl ToArg for ZAggregateOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some(w) = &self.weights {
            push(out, "WEIGHTS");
            w.write_args(out);
        }
        self.aggregate.write_args(out);
        if self.withscores {
            push(out, "WITHSCORES");
        }
    }
}

/// Which end ZMPOP pops from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinMax {
    /// `MIN`: lowest scores.
    Min,
    /// `MAX`: highest scores.
    Max,
}

impl ToArg for MinMax {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                MinMax::Min => "MIN",
                MinMax::Max => "MAX",
            },
        )
    }
}

/// Options of the SCAN family: `[MATCH pattern] [COUNT count] [TYPE type]`, as redis-py's
/// `scan(cursor, match=, count=, _type=)`. `TYPE` is for SCAN only (HSCAN/SSCAN/ZSCAN answer
/// `ERR syntax error`).
///
/// ```
/// use emu::ScanOptions;
/// let r = emu::Redis::new();
/// r.set("user:1", "a")?;
/// r.rpush("queue", "x")?;
/// let strings: Vec<String> = r
///     .scan_iter(ScanOptions::default().pattern("*").key_type("string").count(100))
///     .collect::<emu::Result<_>>()?;
/// assert_eq!(strings, ["user:1"]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOptions {
    pattern: Option<Vec<u8>>,
    count: Option<u64>,
    key_type: Option<String>,
}

impl ScanOptions {
    /// `MATCH pattern`: only elements matching the glob-style pattern.
    pub fn pattern(mut self, pattern: impl AsRef<[u8]>) -> Self {
        self.pattern = Some(pattern.as_ref().to_vec());
        self
    }
    /// `COUNT n`: a hint for how much work each call does.
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }
    /// `TYPE t`: only keys of this type (`"string"`, `"hash"`, …; SCAN only).
    pub fn key_type(mut self, t: &str) -> Self {
        self.key_type = Some(t.to_string());
        self
    }
}

impl ToArg for ScanOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some(p) = &self.pattern {
            push(out, "MATCH");
            out.push(p.clone());
        }
        if let Some(c) = self.count {
            push(out, "COUNT");
            c.write_args(out);
        }
        if let Some(t) = &self.key_type {
            push(out, "TYPE");
            t.write_args(out);
        }
    }
}

/// Options of `RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]`.
///
/// ```
/// use emu::RestoreOptions;
/// let r = emu::Redis::new();
/// r.rpush("src", &["a", "b"])?;
/// let payload = r.dump("src")?.expect("the key exists");
/// r.restore("copy", 0, &payload, RestoreOptions::default())?;
/// r.restore("copy", 0, &payload, RestoreOptions::default().replace().idletime(60))?;
/// assert_eq!(r.lrange::<_, Vec<String>>("copy", 0, -1)?, ["a", "b"]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RestoreOptions {
    replace: bool,
    absttl: bool,
    idletime: Option<u64>,
    freq: Option<u8>,
}

impl RestoreOptions {
    /// `REPLACE`: overwrite an existing key (else `BUSYKEY`).
    pub fn replace(mut self) -> Self {
        self.replace = true;
        self
    }
    /// `ABSTTL`: the TTL argument is an absolute Unix time in milliseconds.
    pub fn absttl(mut self) -> Self {
        self.absttl = true;
        self
    }
    /// `IDLETIME seconds`: the key's idle time (under an LRU policy).
    pub fn idletime(mut self, seconds: u64) -> Self {
        self.idletime = Some(seconds);
        self
    }
    /// `FREQ f`: the key's LFU counter (under an LFU policy).
    pub fn freq(mut self, f: u8) -> Self {
        self.freq = Some(f);
        self
    }
}

impl ToArg for RestoreOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if self.replace {
            push(out, "REPLACE");
        }
        if self.absttl {
            push(out, "ABSTTL");
        }
        if let Some(s) = self.idletime {
            push(out, "IDLETIME");
            s.write_args(out);
        }
        if let Some(f) = self.freq {
            push(out, "FREQ");
            u64::from(f).write_args(out);
        }
    }
}

/// Options of `COPY source destination [DB db] [REPLACE]`.
///
/// ```
/// use emu::CopyOptions;
/// let r = emu::Redis::new();
/// r.set("src", "v")?;
/// assert!(r.copy_options("src", "dst", CopyOptions::default().db(1))?);
/// assert_eq!(r.with_db(1).get::<_, String>("dst")?, "v");
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyOptions {
    db: Option<u64>,
    replace: bool,
}

impl CopyOptions {
    /// `DB n`: copy into another database.
    pub fn db(mut self, db: u64) -> Self {
        self.db = Some(db);
        self
    }
    /// `REPLACE`: overwrite an existing destination.
    pub fn replace(mut self) -> Self {
        self.replace = true;
        self
    }
}

impl ToArg for CopyOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some(db) = self.db {
            push(out, "DB");
            db.write_args(out);
        }
        if self.replace {
            push(out, "REPLACE");
        }
    }
}

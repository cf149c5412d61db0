//! Stream commands (redis-py's `xadd`, `xread`, `xreadgroup`, `xack`, `xpending_range`,
//! `xclaim`, `xautoclaim`, `xinfo_*`, …), their option structs and reply types.
//!
//! Entries read as [`StreamEntry`] — `(StreamId, Vec<(String, String)>)` — and XREAD /
//! XREADGROUP replies as `Vec<(String, Vec<StreamEntry>)>` (key, entries), empty when
//! nothing arrived (the nil of a timeout reads as empty).
//!
//! ```
//! use emu::{StreamId, XReadOptions};
//! let r = emu::Redis::new();
//! let id = r.xadd("events", "*", &[("type", "login"), ("user", "ada")])?;
//! r.xadd("events", "*", &[("type", "logout")])?;
//! assert_eq!(r.xlen("events")?, 2);
//! let all = r.xrange("events", "-", "+")?;
//! assert_eq!(all[0].0, id);
//! assert_eq!(all[0].1[0], ("type".to_string(), "login".to_string()));
//! // Everything after the first entry, from two streams at once.
//! let got = r.xread(&[("events", id)], XReadOptions::default().count(10))?;
//! assert_eq!(got[0].0, "events");
//! assert_eq!(got[0].1.len(), 1);
//! // Consumer groups: deliver, acknowledge.
//! r.xgroup_create("events", "workers", "0", false)?;
//! let batch = r.xreadgroup("workers", "w1", &[("events", ">")], XReadOptions::default())?;
//! assert_eq!(batch[0].1.len(), 2);
//! assert_eq!(r.xack("events", "workers", [all[0].0, all[1].0])?, 2);
//! # Ok::<(), emu::Error>(())
//! ```

use super::{args, commands};
use crate::client::convert::{incompatible, FromValue, ToArg, ToPair};
use crate::error::Result;
use crate::types::stream::StreamId;
use crate::value::Value;

/// A stream entry: its ID and its field/value pairs in order.
pub type StreamEntry = (StreamId, Vec<(String, String)>);

impl ToArg for StreamId {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        out.push(self.to_bytes());
    }
}

impl FromValue for StreamId {
    fn from_value(v: Value) -> Result<Self> {
        let bytes = match &v {
            Value::Bulk(b) => b.as_slice(),
            Value::Simple(s) => s.as_bytes(),
            _ => return Err(incompatible(&v, "StreamId")),
        };
        StreamId::parse_exact(bytes).ok_or_else(|| incompatible(&v, "StreamId"))
    }
}

fn push(out: &mut crate::client::convert::ArgBuf, s: &str) {
    out.push(s);
}

/// The trimming part of XADD and XTRIM: `MAXLEN|MINID [=|~] threshold [LIMIT count]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XTrim {
    by: Option<(&'static str, Vec<u8>)>,
    approx: bool,
    limit: Option<u64>,
}

impl XTrim {
    /// `MAXLEN n`: keep at most `n` entries.
    pub fn maxlen(n: u64) -> XTrim {
        XTrim {
            by: Some(("MAXLEN", n.to_string().into_bytes())),
            ..XTrim::default()
        }
    }
    /// `MINID id`: remove entries with smaller IDs.
    pub fn minid(id: impl ToArg) -> XTrim {
        XTrim {
            by: Some(("MINID", id.to_args().concat())),
            ..XTrim::default()
        }
    }
    /// `~`: trim whole nodes only (cheaper; may keep a few more entries).
    pub fn approx(mut self) -> XTrim {
        self.approx = true;
        self
    }
    /// `LIMIT count` (with `~` only): remove at most `count` entries.
    pub fn limit(mut self, count: u64) -> XTrim {
        self.limit = Some(count);
        self
    }
}

impl ToArg for XTrim {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some((by, v)) = &self.by {
            push(out, by);
            if self.approx {
                push(out, "~");
            }
            out.push(v.clone());
            if let Some(n) = self.limit {
                push(out, "LIMIT");
                out.push(n.to_string().into_bytes());
            }
        }
    }
}

/// Options of `XADD key [NOMKSTREAM] [trim] id field value …` (redis-py's `nomkstream`,
/// `maxlen`, `approximate`, `minid`, `limit`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XAddOptions {
    nomkstream: bool,
    trim: Option<XTrim>,
}

impl XAddOptions {
    /// `NOMKSTREAM`: do not create a missing stream (the reply is then nil).
    pub fn nomkstream(mut self) -> Self {
        self.nomkstream = true;
        self
    }
    /// Trim after adding.
    pub fn trim(mut self, t: XTrim) -> Self {
        self.trim = Some(t);
        self
    }
}

impl ToArg for XAddOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if self.nomkstream {
            push(out, "NOMKSTREAM");
        }
        self.trim.write_args(out);
    }
}

/// Options of XREAD / XREADGROUP: `COUNT`, `BLOCK` (milliseconds; 0 waits forever) and,
/// for XREADGROUP, `NOACK`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XReadOptions {
    count: Option<u64>,
    block: Option<u64>,
    noack: bool,
}

impl XReadOptions {
    /// `COUNT n`: at most `n` entries per stream.
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }
    /// `BLOCK ms`: wait up to `ms` milliseconds (0 = forever) for entries; the calling
    /// thread blocks, holding no lock.
    pub fn block(mut self, ms: u64) -> Self {
        self.block = Some(ms);
        self
    }
    /// `NOACK` (XREADGROUP): deliver without adding to the pending entries.
    pub fn noack(mut self) -> Self {
        self.noack = true;
        self
    }
}

impl ToArg for XReadOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if let Some(n) = self.count {
            push(out, "COUNT");
            out.push(n.to_string().into_bytes());
        }
        if let Some(ms) = self.block {
            push(out, "BLOCK");
            out.push(ms.to_string().into_bytes());
        }
        if self.noack {
            push(out, "NOACK");
        }
    }
}

/// Options of `XCLAIM`: `IDLE`, `TIME`, `RETRYCOUNT`, `FORCE`, `LASTID` (JUSTID is the
/// separate [`xclaim_justid`](crate::Redis::xclaim_justid)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XClaimOptions {
    idle: Option<u64>,
    time: Option<u64>,
    retrycount: Option<u64>,
    force: bool,
    lastid: Option<StreamId>,
}

impl XClaimOptions {
    /// `IDLE ms`: set the idle time of the claimed entries.
    pub fn idle(mut self, ms: u64) -> Self {
        self.idle = Some(ms);
        self
    }
    /// `TIME unix-ms`: set their last delivery time.
    pub fn time(mut self, unix_ms: u64) -> Self {
        self.time = Some(unix_ms);
        self
    }
    /// `RETRYCOUNT n`: set their delivery counter.
    pub fn retrycount(mut self, n: u64) -> Self {
        self.retrycount = Some(n);
        self
    }
    /// `FORCE`: create pending entries for IDs not pending yet.
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }
    /// `LASTID id`: advance the group's last delivered ID.
    pub fn lastid(mut self, id: StreamId) -> Self {
        self.lastid = Some(id);
        self
    }
}

impl ToArg for XClaimOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        for (name, v) in [
            ("IDLE", self.idle),
            ("TIME", self.time),
            ("RETRYCOUNT", self.retrycount),
        ] {
            if let Some(v) = v {
                push(out, name);
                out.push(v.to_string().into_bytes());
            }
        }
        if self.force {
            push(out, "FORCE");
        }
        if let Some(id) = self.lastid {
            push(out, "LASTID");
            out.push(id.to_bytes());
        }
    }
}

/// The summary form of XPENDING.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingSummary {
    /// Number of pending entries.
    pub count: u64,
    /// Smallest and largest pending IDs (None when nothing is pending).
    pub range: Option<(StreamId, StreamId)>,
    /// Consumers with pending entries and how many each.
    pub consumers: Vec<(String, u64)>,
}

impl FromValue for PendingSummary {
    fn from_value(v: Value) -> Result<Self> {
        let (count, lo, hi, consumers): SummaryTuple = FromValue::from_value(v)?;
        Ok(PendingSummary {
            count,
            range: lo.zip(hi),
            consumers,
        })
    }
}

type SummaryTuple = (u64, Option<StreamId>, Option<StreamId>, Vec<(String, u64)>);

/// Options of the extended XPENDING form: `IDLE min-idle-time` and a consumer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XPendingOptions {
    idle: Option<u64>,
    consumer: Option<Vec<u8>>,
}

impl XPendingOptions {
    /// `IDLE ms`: only entries idle at least this long.
    pub fn idle(mut self, ms: u64) -> Self {
        self.idle = Some(ms);
        self
    }
    /// Only this consumer's entries.
    pub fn consumer(mut self, name: impl ToArg) -> Self {
        self.consumer = Some(name.to_args().concat());
        self
    }
}

/// One entry of the extended XPENDING form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    /// Entry ID.
    pub id: StreamId,
    /// Owning consumer.
    pub consumer: String,
    /// Milliseconds since the last delivery.
    pub idle_ms: u64,
    /// Number of deliveries.
    pub deliveries: u64,
}

impl FromValue for PendingEntry {
    fn from_value(v: Value) -> Result<Self> {
        let (id, consumer, idle_ms, deliveries) = FromValue::from_value(v)?;
        Ok(PendingEntry {
            id,
            consumer,
            idle_ms,
            deliveries,
        })
    }
}

/// The XAUTOCLAIM reply: the cursor for the next call (0-0 when done), the claimed
/// entries (or IDs, with JUSTID) and the IDs that were pending but deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoClaim<T> {
    /// Where the next call should start; 0-0 when the scan is complete.
    pub next: StreamId,
    /// Claimed entries (`StreamEntry`) or IDs (`StreamId`).
    pub claimed: Vec<T>,
    /// Pending IDs whose entries no longer exist (removed from the PEL).
    pub deleted: Vec<StreamId>,
}

impl<T: FromValue> FromValue for AutoClaim<T> {
    fn from_value(v: Value) -> Result<Self> {
        let (next, claimed, deleted) = FromValue::from_value(v)?;
        Ok(AutoClaim {
            next,
            claimed,
            deleted,
        })
    }
}

/// Writes `STREAMS k1 k2 … id1 id2 …` from `(key, id)` pairs.
fn streams<I>(a: super::Args, items: I) -> super::Args
where
    I: IntoIterator,
    I::Item: ToPair,
{
    let mut flat = crate::client::convert::ArgBuf::new();
    for p in items {
        p.write_pair(&mut flat);
    }
    let mut a = a.arg("STREAMS");
    a.0.extend(flat.iter().step_by(2));
    a.0.extend(flat.iter().skip(1).step_by(2));
    a
}

commands! {
    /// `XADD key id field value …` — appends an entry (`id` `"*"` for an ID from the
    /// store's clock, `"<ms>-*"`, or explicit) and returns its ID.
    fn xadd[K: ToArg, I: ToArg, F: IntoIterator,](key: K, id: I, fields: F) -> StreamId where [F::Item: ToPair] {
        args("XADD").arg(key).arg(id).pairs(fields)
    }

    /// `XADD key [NOMKSTREAM] [MAXLEN|MINID …] id field value …` — the new ID, or `None`
    /// with NOMKSTREAM on a missing stream.
    fn xadd_options[K: ToArg, I: ToArg, F: IntoIterator,](key: K, id: I, fields: F, options: XAddOptions) -> Option<StreamId> where [F::Item: ToPair] {
        args("XADD").arg(key).arg(options).arg(id).pairs(fields)
    }

    /// `XLEN key` — the number of entries.
    fn xlen[K: ToArg,](key: K) -> i64 { args("XLEN").arg(key) }

    /// `XRANGE key start end` — entries between two IDs (`-`, `+`, `(id` exclusive).
    fn xrange[K: ToArg, S: ToArg, E: ToArg,](key: K, start: S, end: E) -> Vec<StreamEntry> {
        args("XRANGE").arg(key).arg(start).arg(end)
    }

    /// `XRANGE key start end COUNT count`.
    fn xrange_count[K: ToArg, S: ToArg, E: ToArg,](key: K, start: S, end: E, count: u64) -> Vec<StreamEntry> {
        args("XRANGE").arg(key).arg(start).arg(end).arg("COUNT").arg(count)
    }

    /// `XREVRANGE key end start` — [`xrange`](Self::xrange) backwards.
    fn xrevrange[K: ToArg, E: ToArg, S: ToArg,](key: K, end: E, start: S) -> Vec<StreamEntry> {
        args("XREVRANGE").arg(key).arg(end).arg(start)
    }

    /// `XREVRANGE key end start COUNT count`.
    fn xrevrange_count[K: ToArg, E: ToArg, S: ToArg,](key: K, end: E, start: S, count: u64) -> Vec<StreamEntry> {
        args("XREVRANGE").arg(key).arg(end).arg(start).arg("COUNT").arg(count)
    }

    /// `XDEL key id …` — how many entries were deleted.
    fn xdel[K: ToArg, I: ToArg,](key: K, ids: I) -> i64 { args("XDEL").arg(key).arg(ids) }

    /// `XTRIM key MAXLEN|MINID [~] threshold [LIMIT n]` — how many entries were removed.
    fn xtrim[K: ToArg,](key: K, trim: XTrim) -> i64 { args("XTRIM").arg(key).arg(trim) }

    /// `XSETID key last-id` — sets the stream's last generated ID.
    fn xsetid[K: ToArg, I: ToArg,](key: K, last_id: I) -> () { args("XSETID").arg(key).arg(last_id) }

    /// `XREAD [COUNT n] [BLOCK ms] STREAMS key … id …` from `(key, id)` pairs (`id` may be
    /// `"$"`) — `(key, entries)` per stream with new entries; empty when nothing arrived
    /// (with BLOCK, after waiting).
    fn xread[I: IntoIterator,](streams_ids: I, options: XReadOptions) -> Vec<(String, Vec<StreamEntry>)> where [I::Item: ToPair] {
        streams(args("XREAD").arg(options), streams_ids)
    }

    /// `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key … id …`
    /// (`id` `">"` for new entries, or an ID to re-read the consumer's pending ones).
    fn xreadgroup[G: ToArg, C: ToArg, I: IntoIterator,](group: G, consumer: C, streams_ids: I, options: XReadOptions) -> Vec<(String, Vec<StreamEntry>)> where [I::Item: ToPair] {
        streams(args("XREADGROUP").arg("GROUP").arg(group).arg(consumer).arg(options), streams_ids)
    }

    /// `XGROUP CREATE key group id [MKSTREAM]` (`id` may be `"$"`).
    fn xgroup_create[K: ToArg, G: ToArg, I: ToArg,](key: K, group: G, id: I, mkstream: bool) -> () {
        let a = args("XGROUP").arg("CREATE").arg(key).arg(group).arg(id);
        if mkstream { a.arg("MKSTREAM") } else { a }
    }

    /// `XGROUP SETID key group id`.
    fn xgroup_setid[K: ToArg, G: ToArg, I: ToArg,](key: K, group: G, id: I) -> () {
        args("XGROUP").arg("SETID").arg(key).arg(group).arg(id)
    }

    /// `XGROUP DESTROY key group` — `true` if the group existed.
    fn xgroup_destroy[K: ToArg, G: ToArg,](key: K, group: G) -> bool {
        args("XGROUP").arg("DESTROY").arg(key).arg(group)
    }

    /// `XGROUP CREATECONSUMER key group consumer` — `true` if created.
    fn xgroup_createconsumer[K: ToArg, G: ToArg, C: ToArg,](key: K, group: G, consumer: C) -> bool {
        args("XGROUP").arg("CREATECONSUMER").arg(key).arg(group).arg(consumer)
    }

    /// `XGROUP DELCONSUMER key group consumer` — the number of its pending entries dropped.
    fn xgroup_delconsumer[K: ToArg, G: ToArg, C: ToArg,](key: K, group: G, consumer: C) -> i64 {
        args("XGROUP").arg("DELCONSUMER").arg(key).arg(group).arg(consumer)
    }

    /// `XACK key group id …` — how many were acknowledged.
    fn xack[K: ToArg, G: ToArg, I: ToArg,](key: K, group: G, ids: I) -> i64 {
        args("XACK").arg(key).arg(group).arg(ids)
    }

    /// `XPENDING key group` — the summary form.
    fn xpending[K: ToArg, G: ToArg,](key: K, group: G) -> PendingSummary {
        args("XPENDING").arg(key).arg(group)
    }

    /// `XPENDING key group [IDLE min-idle] start end count [consumer]` — redis-py's
    /// `xpending_range`.
    fn xpending_range[K: ToArg, G: ToArg, S: ToArg, E: ToArg,](key: K, group: G, start: S, end: E, count: u64, options: XPendingOptions) -> Vec<PendingEntry> {
        let mut a = args("XPENDING").arg(key).arg(group);
        if let Some(ms) = options.idle {
            a = a.arg("IDLE").arg(ms);
        }
        a.arg(start).arg(end).arg(count).arg(options.consumer)
    }

    /// `XCLAIM key group consumer min-idle-time id … [options]` — the claimed entries.
    fn xclaim[K: ToArg, G: ToArg, C: ToArg, I: ToArg,](key: K, group: G, consumer: C, min_idle_ms: u64, ids: I, options: XClaimOptions) -> Vec<StreamEntry> {
        args("XCLAIM").arg(key).arg(group).arg(consumer).arg(min_idle_ms).arg(ids).arg(options)
    }

    /// `XCLAIM … JUSTID` — the claimed IDs (delivery counters unchanged).
    fn xclaim_justid[K: ToArg, G: ToArg, C: ToArg, I: ToArg,](key: K, group: G, consumer: C, min_idle_ms: u64, ids: I, options: XClaimOptions) -> Vec<StreamId> {
        args("XCLAIM").arg(key).arg(group).arg(consumer).arg(min_idle_ms).arg(ids).arg(options).arg("JUSTID")
    }

    /// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count]`.
    fn xautoclaim[K: ToArg, G: ToArg, C: ToArg, S: ToArg,](key: K, group: G, consumer: C, min_idle_ms: u64, start: S, count: Option<u64>) -> AutoClaim<StreamEntry> {
        let a = args("XAUTOCLAIM").arg(key).arg(group).arg(consumer).arg(min_idle_ms).arg(start);
        match count { Some(n) => a.arg("COUNT").arg(n), None => a }
    }

    /// `XAUTOCLAIM … JUSTID`.
    fn xautoclaim_justid[K: ToArg, G: ToArg, C: ToArg, S: ToArg,](key: K, group: G, consumer: C, min_idle_ms: u64, start: S, count: Option<u64>) -> AutoClaim<StreamId> {
        let a = args("XAUTOCLAIM").arg(key).arg(group).arg(consumer).arg(min_idle_ms).arg(start);
        match count { Some(n) => a.arg("COUNT").arg(n), None => a }.arg("JUSTID")
    }

    /// `XINFO STREAM key` — field/value pairs (e.g. `Vec<(String, emu::Value)>`).
    fn xinfo_stream[K: ToArg,](key: K) { args("XINFO").arg("STREAM").arg(key) }

    /// `XINFO STREAM key FULL [COUNT n]`.
    fn xinfo_stream_full[K: ToArg,](key: K, count: Option<u64>) {
        let a = args("XINFO").arg("STREAM").arg(key).arg("FULL");
        match count { Some(n) => a.arg("COUNT").arg(n), None => a }
    }

    /// `XINFO GROUPS key` — one field/value list per group.
    fn xinfo_groups[K: ToArg,](key: K) { args("XINFO").arg("GROUPS").arg(key) }

    /// `XINFO CONSUMERS key group` — one field/value list per consumer.
    fn xinfo_consumers[K: ToArg, G: ToArg,](key: K, group: G) { args("XINFO").arg("CONSUMERS").arg(key).arg(group) }
}

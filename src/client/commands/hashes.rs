//! Hash commands.

use super::{args, commands};
use crate::client::convert::{ToArg, ToPair};
use crate::client::options::ScanOptions;

commands! {
    /// `HSET key field value` — 1 if the field is new, 0 if it was updated.
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// assert_eq!(r.hset("user:1", "name", "Ada")?, 1);   // new field
    /// assert_eq!(r.hset("user:1", "name", "Grace")?, 0); // updated
    /// assert_eq!(r.hget::<_, _, String>("user:1", "name")?, "Grace");
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn hset[K: ToArg, F: ToArg, V: ToArg,](key: K, field: F, value: V) -> i64 {
        args("HSET").arg(key).arg(field).arg(value)
    }

    /// `HSET key field value …` from `(field, value)` pairs — redis-py's
    /// `hset(name, mapping={...})`; the number of new fields.
    fn hset_mapping[K: ToArg, I: IntoIterator,](key: K, items: I) -> i64 where [I::Item: ToPair] {
        args("HSET").arg(key).pairs(items)
    }

    /// `HSETNX key field value` — `true` if set, `false` if the field existed.
    fn hsetnx[K: ToArg, F: ToArg, V: ToArg,](key: K, field: F, value: V) -> bool {
        args("HSETNX").arg(key).arg(field).arg(value)
    }

    /// `HMSET key field value …` (deprecated in Redis, kept for redis-py parity) — `OK`.
    fn hmset[K: ToArg, I: IntoIterator,](key: K, items: I) -> () where [I::Item: ToPair] {
        args("HMSET").arg(key).pairs(items)
    }

    /// `HGET key field` — the value, or nil.
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// r.hset("h", "n", "7")?;
    /// let n: Option<i64> = r.hget("h", "n")?;
    /// assert_eq!(n, Some(7));
    /// assert_eq!(r.hget::<_, _, Option<String>>("h", "other")?, None);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn hget[K: ToArg, F: ToArg,](key: K, field: F) { args("HGET").arg(key).arg(field) }

    /// `HMGET key field …` — one value or nil per field.
    fn hmget[K: ToArg, F: ToArg,](key: K, fields: F) { args("HMGET").arg(key).arg(fields) }

    /// `HGETALL key` — every field and value (`HashMap<String, String>`, or
    /// `Vec<(String, String)>` in the hash's order).
    fn hgetall[K: ToArg,](key: K) { args("HGETALL").arg(key) }

    /// `HDEL key field …` — how many fields were removed.
    fn hdel[K: ToArg, F: ToArg,](key: K, fields: F) -> i64 { args("HDEL").arg(key).arg(fields) }

    /// `HEXISTS key field` — `true` if the field exists.
    fn hexists[K: ToArg, F: ToArg,](key: K, field: F) -> bool { args("HEXISTS").arg(key).arg(field) }

    /// `HLEN key` — the number of fields.
    fn hlen[K: ToArg,](key: K) -> i64 { args("HLEN").arg(key) }

    /// `HKEYS key` — the field names.
    fn hkeys[K: ToArg,](key: K) { args("HKEYS").arg(key) }

    /// `HVALS key` — the values.
    fn hvals[K: ToArg,](key: K) { args("HVALS").arg(key) }

    /// `HINCRBY key field increment` — the new value.
    fn hincrby[K: ToArg, F: ToArg,](key: K, field: F, increment: i64) -> i64 {
        args("HINCRBY").arg(key).arg(field).arg(increment)
    }

    /// `HINCRBYFLOAT key field increment` — the new value.
    fn hincrbyfloat[K: ToArg, F: ToArg,](key: K, field: F, increment: f64) {
        args("HINCRBYFLOAT").arg(key).arg(field).arg(increment)
    }

    /// `HSTRLEN key field` — the length of the field's value (0 if missing).
    fn hstrlen[K: ToArg, F: ToArg,](key: K, field: F) -> i64 { args("HSTRLEN").arg(key).arg(field) }

    /// `HRANDFIELD key` — one random field, or nil if the key does not exist.
    fn hrandfield[K: ToArg,](key: K) { args("HRANDFIELD").arg(key) }

    /// `HRANDFIELD key count` — distinct random fields (`count` > 0) or `|count|` fields
    /// that may repeat (`count` < 0).
    fn hrandfield_count[K: ToArg,](key: K, count: i64) {
        args("HRANDFIELD").arg(key).arg(count)
    }

    /// `HRANDFIELD key count WITHVALUES` — random `(field, value)` pairs.
    fn hrandfield_withvalues[K: ToArg,](key: K, count: i64) {
        args("HRANDFIELD").arg(key).arg(count).arg("WITHVALUES")
    }

    /// `HSCAN key cursor [MATCH p] [COUNT n]` — `(next_cursor, Vec<(field, value)>)`; see
    /// [`Redis::hscan_iter`](crate::Redis::hscan_iter) for the whole hash.
    fn hscan[K: ToArg,](key: K, cursor: u64, options: ScanOptions) {
        args("HSCAN").arg(key).arg(cursor).arg(options)
    }
}

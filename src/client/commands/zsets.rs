//! Sorted-set commands.
//!
//! Score bounds are any [`ToArg`]: a number (`1.5`, `10`), or Redis's text forms (`"(1.5"`
//! exclusive, `"-inf"`, `"+inf"`); lexicographic bounds are `"[a"`, `"(a"`, `"-"`, `"+"`.
//! Scores come back as RESP3 doubles; read them as `f64` (or `String` for Redis's `%.17g`
//! text).

use super::{args, commands};
use crate::client::convert::{ToArg, ToPair};
use crate::client::options::{MinMax, ScanOptions, ZAddOptions, ZAggregateOptions, ZRangeOptions};

commands! {
    /// `ZADD key score member …` from `(member, score)` pairs — redis-py's
    /// `zadd(name, {member: score})`: `r.zadd("board", &[("alice", 10.0), ("bob", 7.5)])`.
    /// The number of new members.
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// assert_eq!(r.zadd("board", &[("alice", 10.0), ("bob", 7.5)])?, 2);
    /// assert_eq!(r.zscore::<_, _, Option<f64>>("board", "bob")?, Some(7.5));
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn zadd[K: ToArg, I: IntoIterator,](key: K, items: I) -> i64 where [I::Item: ToPair] {
        args("ZADD").arg(key).pairs_swapped(items)
    }

    /// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member …` — added (or changed, with `CH`)
    /// count; with `INCR` the new score or nil (`Option<f64>`).
    fn zadd_options[K: ToArg, I: IntoIterator,](key: K, items: I, options: ZAddOptions)
        where [I::Item: ToPair]
    {
        args("ZADD").arg(key).arg(options).pairs_swapped(items)
    }

    /// `ZINCRBY key increment member` — the new score (redis-py `zincrby(name, amount,
    /// value)`).
    fn zincrby[K: ToArg, M: ToArg,](key: K, increment: f64, member: M) {
        args("ZINCRBY").arg(key).arg(increment).arg(member)
    }

    /// `ZREM key member …` — how many members were removed.
    fn zrem[K: ToArg, M: ToArg,](key: K, members: M) -> i64 { args("ZREM").arg(key).arg(members) }

    /// `ZSCORE key member` — the score, or nil (`Option<f64>`).
    fn zscore[K: ToArg, M: ToArg,](key: K, member: M) { args("ZSCORE").arg(key).arg(member) }

    /// `ZMSCORE key member …` — one score or nil per member (`Vec<Option<f64>>`).
    fn zmscore[K: ToArg, M: ToArg,](key: K, members: M) {
        args("ZMSCORE").arg(key).arg(members)
    }

    /// `ZCARD key` — the number of members.
    fn zcard[K: ToArg,](key: K) -> i64 { args("ZCARD").arg(key) }

    /// `ZCOUNT key min max` — how many members have a score in the range.
    fn zcount[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B) -> i64 {
        args("ZCOUNT").arg(key).arg(min).arg(max)
    }

    /// `ZLEXCOUNT key min max` — how many members are in the lexicographic range.
    fn zlexcount[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B) -> i64 {
        args("ZLEXCOUNT").arg(key).arg(min).arg(max)
    }

    /// `ZRANGE key start stop` — members by rank, lowest score first (negative ranks count
    /// from the highest).
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// r.zadd("board", &[("alice", 10.0), ("bob", 7.5)])?;
    /// let low_first: Vec<String> = r.zrange("board", 0, -1)?;
    /// assert_eq!(low_first, ["bob", "alice"]);
    /// let with: Vec<(String, f64)> = r.zrange_withscores("board", 0, 0)?;
    /// assert_eq!(with, [("bob".to_string(), 7.5)]);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn zrange[K: ToArg,](key: K, start: i64, stop: i64) {
        args("ZRANGE").arg(key).arg(start).arg(stop)
    }

    /// `ZRANGE key start stop WITHSCORES` — `(member, score)` pairs
    /// (`Vec<(String, f64)>`), as redis-py's `zrange(..., withscores=True)`.
    fn zrange_withscores[K: ToArg,](key: K, start: i64, stop: i64) {
        args("ZRANGE").arg(key).arg(start).arg(stop).arg("WITHSCORES")
    }

    /// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT o c] [WITHSCORES]`.
    fn zrange_options[K: ToArg, A: ToArg, B: ToArg,](key: K, start: A, stop: B, options: ZRangeOptions) {
        args("ZRANGE").arg(key).arg(start).arg(stop).arg(options)
    }

    /// `ZRANGESTORE dst src start stop [BYSCORE|BYLEX] [REV] [LIMIT o c]` — how many
    /// members were stored (`WITHSCORES` is refused by Redis).
    fn zrangestore[D: ToArg, K: ToArg, A: ToArg, B: ToArg,](destination: D, source: K, start: A, stop: B, options: ZRangeOptions) -> i64 {
        args("ZRANGESTORE").arg(destination).arg(source).arg(start).arg(stop).arg(options)
    }

    /// `ZREVRANGE key start stop` — members by rank, highest score first.
    fn zrevrange[K: ToArg,](key: K, start: i64, stop: i64) {
        args("ZREVRANGE").arg(key).arg(start).arg(stop)
    }

    /// `ZREVRANGE key start stop WITHSCORES` — `(member, score)` pairs, highest first.
    fn zrevrange_withscores[K: ToArg,](key: K, start: i64, stop: i64) {
        args("ZREVRANGE").arg(key).arg(start).arg(stop).arg("WITHSCORES")
    }

    /// `ZRANGEBYSCORE key min max` — members with a score in the range, lowest first.
    fn zrangebyscore[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B) {
        args("ZRANGEBYSCORE").arg(key).arg(min).arg(max)
    }

    /// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT o c]` (only `limit` and `withscores`
    /// of [`ZRangeOptions`] apply).
    fn zrangebyscore_options[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B, options: ZRangeOptions) {
        args("ZRANGEBYSCORE").arg(key).arg(min).arg(max).arg(options)
    }

    /// `ZREVRANGEBYSCORE key max min` — members with a score in the range, highest first
    /// (note the bound order, as in Redis).
    fn zrevrangebyscore[K: ToArg, A: ToArg, B: ToArg,](key: K, max: A, min: B) {
        args("ZREVRANGEBYSCORE").arg(key).arg(max).arg(min)
    }

    /// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT o c]`.
    fn zrevrangebyscore_options[K: ToArg, A: ToArg, B: ToArg,](key: K, max: A, min: B, options: ZRangeOptions) {
        args("ZREVRANGEBYSCORE").arg(key).arg(max).arg(min).arg(options)
    }

    /// `ZRANGEBYLEX key min max` — members in the lexicographic range (`"[a"`, `"(b"`,
    /// `"-"`, `"+"`).
    fn zrangebylex[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B) {
        args("ZRANGEBYLEX").arg(key).arg(min).arg(max)
    }

    /// `ZRANGEBYLEX key min max [LIMIT o c]` (only `limit` of [`ZRangeOptions`] applies).
    fn zrangebylex_options[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B, options: ZRangeOptions) {
        args("ZRANGEBYLEX").arg(key).arg(min).arg(max).arg(options)
    }

    /// `ZREVRANGEBYLEX key max min` — the lexicographic range, reversed.
    fn zrevrangebylex[K: ToArg, A: ToArg, B: ToArg,](key: K, max: A, min: B) {
        args("ZREVRANGEBYLEX").arg(key).arg(max).arg(min)
    }

    /// `ZREVRANGEBYLEX key max min [LIMIT o c]`.
    fn zrevrangebylex_options[K: ToArg, A: ToArg, B: ToArg,](key: K, max: A, min: B, options: ZRangeOptions) {
        args("ZREVRANGEBYLEX").arg(key).arg(max).arg(min).arg(options)
    }

    /// `ZRANK key member` — the 0-based rank by ascending score, or nil.
    fn zrank[K: ToArg, M: ToArg,](key: K, member: M) { args("ZRANK").arg(key).arg(member) }

    /// `ZREVRANK key member` — the 0-based rank by descending score, or nil.
    fn zrevrank[K: ToArg, M: ToArg,](key: K, member: M) {
        args("ZREVRANK").arg(key).arg(member)
    }

    /// `ZREMRANGEBYRANK key start stop` — how many members were removed.
    fn zremrangebyrank[K: ToArg,](key: K, start: i64, stop: i64) -> i64 {
        args("ZREMRANGEBYRANK").arg(key).arg(start).arg(stop)
    }

    /// `ZREMRANGEBYSCORE key min max` — how many members were removed.
    fn zremrangebyscore[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B) -> i64 {
        args("ZREMRANGEBYSCORE").arg(key).arg(min).arg(max)
    }

    /// `ZREMRANGEBYLEX key min max` — how many members were removed.
    fn zremrangebylex[K: ToArg, A: ToArg, B: ToArg,](key: K, min: A, max: B) -> i64 {
        args("ZREMRANGEBYLEX").arg(key).arg(min).arg(max)
    }

    /// `ZPOPMIN key` — the lowest member and its score (`Vec<(String, f64)>`, empty if the
    /// key is missing).
    fn zpopmin[K: ToArg,](key: K) { args("ZPOPMIN").arg(key) }

    /// `ZPOPMIN key count` — up to `count` lowest `(member, score)` pairs.
    fn zpopmin_count[K: ToArg,](key: K, count: usize) { args("ZPOPMIN").arg(key).arg(count) }

    /// `ZPOPMAX key` — the highest member and its score.
    fn zpopmax[K: ToArg,](key: K) { args("ZPOPMAX").arg(key) }

    /// `ZPOPMAX key count` — up to `count` highest `(member, score)` pairs.
    fn zpopmax_count[K: ToArg,](key: K, count: usize) { args("ZPOPMAX").arg(key).arg(count) }

    /// `ZMPOP numkeys key … MIN|MAX COUNT count` — from the first non-empty sorted set,
    /// `(key, pairs)`, or nil (`Option<(String, Vec<(String, f64)>)>`).
    fn zmpop[K: ToArg,](keys: K, which: MinMax, count: usize) {
        args("ZMPOP").counted(keys).arg(which).arg("COUNT").arg(count)
    }

    /// `ZRANDMEMBER key` — a random member, or nil.
    fn zrandmember[K: ToArg,](key: K) { args("ZRANDMEMBER").arg(key) }

    /// `ZRANDMEMBER key count` — distinct (`count` > 0) or possibly repeated (`count` < 0)
    /// random members.
    fn zrandmember_count[K: ToArg,](key: K, count: i64) {
        args("ZRANDMEMBER").arg(key).arg(count)
    }

    /// `ZRANDMEMBER key count WITHSCORES` — random `(member, score)` pairs.
    fn zrandmember_withscores[K: ToArg,](key: K, count: i64) {
        args("ZRANDMEMBER").arg(key).arg(count).arg("WITHSCORES")
    }

    /// `ZUNION numkeys key …` — the union's members, by score.
    fn zunion[K: ToArg,](keys: K) { args("ZUNION").counted(keys) }

    /// `ZUNION numkeys key … [WEIGHTS …] [AGGREGATE …] [WITHSCORES]`.
    fn zunion_options[K: ToArg,](keys: K, options: ZAggregateOptions) {
        args("ZUNION").counted(keys).arg(options)
    }

    /// `ZINTER numkeys key …` — the intersection's members, by score.
    fn zinter[K: ToArg,](keys: K) { args("ZINTER").counted(keys) }

    /// `ZINTER numkeys key … [WEIGHTS …] [AGGREGATE …] [WITHSCORES]`.
    fn zinter_options[K: ToArg,](keys: K, options: ZAggregateOptions) {
        args("ZINTER").counted(keys).arg(options)
    }

    /// `ZDIFF numkeys key …` — members of the first set not in the others.
    fn zdiff[K: ToArg,](keys: K) { args("ZDIFF").counted(keys) }

    /// `ZDIFF numkeys key … WITHSCORES` — `(member, score)` pairs of the difference.
    fn zdiff_withscores[K: ToArg,](keys: K) { args("ZDIFF").counted(keys).arg("WITHSCORES") }

    /// `ZUNIONSTORE destination numkeys key …` — store the union; its size.
    fn zunionstore[D: ToArg, K: ToArg,](destination: D, keys: K) -> i64 {
        args("ZUNIONSTORE").arg(destination).counted(keys)
    }

    /// `ZUNIONSTORE destination numkeys key … [WEIGHTS …] [AGGREGATE …]`.
    fn zunionstore_options[D: ToArg, K: ToArg,](destination: D, keys: K, options: ZAggregateOptions) -> i64 {
        args("ZUNIONSTORE").arg(destination).counted(keys).arg(options)
    }

    /// `ZINTERSTORE destination numkeys key …` — store the intersection; its size.
    fn zinterstore[D: ToArg, K: ToArg,](destination: D, keys: K) -> i64 {
        args("ZINTERSTORE").arg(destination).counted(keys)
    }

    /// `ZINTERSTORE destination numkeys key … [WEIGHTS …] [AGGREGATE …]`.
    fn zinterstore_options[D: ToArg, K: ToArg,](destination: D, keys: K, options: ZAggregateOptions) -> i64 {
        args("ZINTERSTORE").arg(destination).counted(keys).arg(options)
    }

    /// `ZDIFFSTORE destination numkeys key …` — store the difference; its size.
    fn zdiffstore[D: ToArg, K: ToArg,](destination: D, keys: K) -> i64 {
        args("ZDIFFSTORE").arg(destination).counted(keys)
    }

    /// `ZINTERCARD numkeys key … LIMIT limit` — the intersection's size, counting stops at
    /// `limit` (0 = no limit).
    fn zintercard[K: ToArg,](keys: K, limit: usize) -> i64 {
        args("ZINTERCARD").counted(keys).arg("LIMIT").arg(limit)
    }

    /// `ZSCAN key cursor [MATCH p] [COUNT n]` — `(next_cursor, Vec<(member, score)>)`; see
    /// [`Redis::zscan_iter`](crate::Redis::zscan_iter) for the whole sorted set.
    fn zscan[K: ToArg,](key: K, cursor: u64, options: ScanOptions) {
        args("ZSCAN").arg(key).arg(cursor).arg(options)
    }
}

//! List commands.

use super::{args, commands};
use crate::client::convert::ToArg;
use crate::client::options::{Direction, InsertPosition, LPosOptions};

commands! {
    /// `LPUSH key element …` — push to the head (the last given ends up first); the new
    /// length.
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// assert_eq!(r.lpush("jobs", ["a", "b"])?, 2);
    /// let jobs: Vec<String> = r.lrange("jobs", 0, -1)?;
    /// assert_eq!(jobs, ["b", "a"]);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn lpush[K: ToArg, V: ToArg,](key: K, values: V) -> i64 { args("LPUSH").arg(key).arg(values) }

    /// `RPUSH key element …` — push to the tail; the new length.
    fn rpush[K: ToArg, V: ToArg,](key: K, values: V) -> i64 { args("RPUSH").arg(key).arg(values) }

    /// `LPUSHX key element …` — push to the head only if the list exists; the new length
    /// (0 if it does not exist).
    fn lpushx[K: ToArg, V: ToArg,](key: K, values: V) -> i64 { args("LPUSHX").arg(key).arg(values) }

    /// `RPUSHX key element …` — push to the tail only if the list exists.
    fn rpushx[K: ToArg, V: ToArg,](key: K, values: V) -> i64 { args("RPUSHX").arg(key).arg(values) }

    /// `LPOP key` — the head element, or nil.
    fn lpop[K: ToArg,](key: K) { args("LPOP").arg(key) }

    /// `LPOP key count` — up to `count` elements from the head (nil if the key does not
    /// exist, which `Vec` reads as empty).
    fn lpop_count[K: ToArg,](key: K, count: usize) { args("LPOP").arg(key).arg(count) }

    /// `RPOP key` — the tail element, or nil.
    fn rpop[K: ToArg,](key: K) { args("RPOP").arg(key) }

    /// `RPOP key count` — up to `count` elements from the tail.
    fn rpop_count[K: ToArg,](key: K, count: usize) { args("RPOP").arg(key).arg(count) }

    /// `LRANGE key start stop` — the elements between two indexes (inclusive; negative
    /// indexes count from the tail, `-1` is the last).
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// r.rpush("l", ["a", "b", "c"])?;
    /// let last_two: Vec<String> = r.lrange("l", -2, -1)?;
    /// assert_eq!(last_two, ["b", "c"]);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn lrange[K: ToArg,](key: K, start: i64, stop: i64) {
        args("LRANGE").arg(key).arg(start).arg(stop)
    }

    /// `LLEN key` — the length (0 if missing).
    fn llen[K: ToArg,](key: K) -> i64 { args("LLEN").arg(key) }

    /// `LINDEX key index` — the element at `index`, or nil.
    fn lindex[K: ToArg,](key: K, index: i64) { args("LINDEX").arg(key).arg(index) }

    /// `LSET key index element` — `OK`; errors `ERR no such key` / `ERR index out of range`.
    fn lset[K: ToArg, V: ToArg,](key: K, index: i64, value: V) -> () {
        args("LSET").arg(key).arg(index).arg(value)
    }

    /// `LINSERT key BEFORE|AFTER pivot element` — the new length, -1 if the pivot is
    /// missing, 0 if the key is.
    fn linsert[K: ToArg, P: ToArg, V: ToArg,](key: K, position: InsertPosition, pivot: P, value: V) -> i64 {
        args("LINSERT").arg(key).arg(position).arg(pivot).arg(value)
    }

    /// `LREM key count element` — remove `count` occurrences (from the head if positive,
    /// the tail if negative, all if 0); how many were removed.
    fn lrem[K: ToArg, V: ToArg,](key: K, count: i64, value: V) -> i64 {
        args("LREM").arg(key).arg(count).arg(value)
    }

    /// `LTRIM key start stop` — keep only that range; `OK`.
    fn ltrim[K: ToArg,](key: K, start: i64, stop: i64) -> () {
        args("LTRIM").arg(key).arg(start).arg(stop)
    }

    /// `LPOS key element` — the index of the first match, or nil.
    fn lpos[K: ToArg, V: ToArg,](key: K, value: V) { args("LPOS").arg(key).arg(value) }

    /// `LPOS key element [RANK r] [COUNT n] [MAXLEN m]` — an index or nil, or with `COUNT`
    /// a list of indexes.
    fn lpos_options[K: ToArg, V: ToArg,](key: K, value: V, options: LPosOptions) {
        args("LPOS").arg(key).arg(value).arg(options)
    }

    /// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT` — the moved element, or nil.
    fn lmove[S: ToArg, D: ToArg,](source: S, destination: D, from: Direction, to: Direction) {
        args("LMOVE").arg(source).arg(destination).arg(from).arg(to)
    }

    /// `RPOPLPUSH source destination` — the moved element, or nil.
    fn rpoplpush[S: ToArg, D: ToArg,](source: S, destination: D) {
        args("RPOPLPUSH").arg(source).arg(destination)
    }

    /// `LMPOP numkeys key … LEFT|RIGHT COUNT count` — from the first non-empty list,
    /// `(key, elements)`, or nil if all are empty (`Option<(String, Vec<String>)>`).
    fn lmpop[K: ToArg,](keys: K, direction: Direction, count: usize) {
        args("LMPOP").counted(keys).arg(direction).arg("COUNT").arg(count)
    }
}

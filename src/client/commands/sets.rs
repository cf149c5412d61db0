//! Set commands.

use super::{args, commands};
use crate::client::convert::ToArg;
use crate::client::options::ScanOptions;

commands! {
    /// `SADD key member …` — how many members were new.
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// assert_eq!(r.sadd("tags", ["a", "b", "a"])?, 2);
    /// assert!(r.sismember("tags", "a")?);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn sadd[K: ToArg, M: ToArg,](key: K, members: M) -> i64 { args("SADD").arg(key).arg(members) }

    /// `SREM key member …` — how many members were removed.
    fn srem[K: ToArg, M: ToArg,](key: K, members: M) -> i64 { args("SREM").arg(key).arg(members) }

    /// `SMEMBERS key` — every member (`HashSet<String>`, `BTreeSet<String>` or `Vec`).
    ///
    /// ```
    /// use std::collections::HashSet;
    /// let r = emu::Redis::new();
    /// r.sadd("tags", ["x", "y"])?;
    /// let tags: HashSet<String> = r.smembers("tags")?;
    /// assert!(tags.contains("x") && tags.len() == 2);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn smembers[K: ToArg,](key: K) { args("SMEMBERS").arg(key) }

    /// `SISMEMBER key member` — `true` if a member.
    fn sismember[K: ToArg, M: ToArg,](key: K, member: M) -> bool {
        args("SISMEMBER").arg(key).arg(member)
    }

    /// `SMISMEMBER key member …` — one membership flag per member (`Vec<bool>`).
    fn smismember[K: ToArg, M: ToArg,](key: K, members: M) -> Vec<bool> {
        args("SMISMEMBER").arg(key).arg(members)
    }

    /// `SCARD key` — the number of members.
    fn scard[K: ToArg,](key: K) -> i64 { args("SCARD").arg(key) }

    /// `SPOP key` — remove and return a random member, or nil.
    fn spop[K: ToArg,](key: K) { args("SPOP").arg(key) }

    /// `SPOP key count` — remove and return up to `count` random members.
    fn spop_count[K: ToArg,](key: K, count: usize) { args("SPOP").arg(key).arg(count) }

    /// `SRANDMEMBER key` — a random member, or nil.
    fn srandmember[K: ToArg,](key: K) { args("SRANDMEMBER").arg(key) }

    /// `SRANDMEMBER key count` — distinct random members (`count` > 0) or `|count|` members
    /// that may repeat (`count` < 0).
    fn srandmember_count[K: ToArg,](key: K, count: i64) {
        args("SRANDMEMBER").arg(key).arg(count)
    }

    /// `SMOVE source destination member` — `true` if moved.
    fn smove[S: ToArg, D: ToArg, M: ToArg,](source: S, destination: D, member: M) -> bool {
        args("SMOVE").arg(source).arg(destination).arg(member)
    }

    /// `SINTER key …` — the intersection.
    fn sinter[K: ToArg,](keys: K) { args("SINTER").arg(keys) }

    /// `SUNION key …` — the union.
    fn sunion[K: ToArg,](keys: K) { args("SUNION").arg(keys) }

    /// `SDIFF key …` — members of the first set not in the others.
    fn sdiff[K: ToArg,](keys: K) { args("SDIFF").arg(keys) }

    /// `SINTERSTORE destination key …` — store the intersection; its size.
    fn sinterstore[D: ToArg, K: ToArg,](destination: D, keys: K) -> i64 {
        args("SINTERSTORE").arg(destination).arg(keys)
    }

    /// `SUNIONSTORE destination key …` — store the union; its size.
    fn sunionstore[D: ToArg, K: ToArg,](destination: D, keys: K) -> i64 {
        args("SUNIONSTORE").arg(destination).arg(keys)
    }

    /// `SDIFFSTORE destination key …` — store the difference; its size.
    fn sdiffstore[D: ToArg, K: ToArg,](destination: D, keys: K) -> i64 {
        args("SDIFFSTORE").arg(destination).arg(keys)
    }

    /// `SINTERCARD numkeys key … LIMIT limit` — the intersection's size, counting stops at
    /// `limit` (0 = no limit), as redis-py's `sintercard(numkeys, keys, limit=0)`.
    fn sintercard[K: ToArg,](keys: K, limit: usize) -> i64 {
        args("SINTERCARD").counted(keys).arg("LIMIT").arg(limit)
    }

    /// `SSCAN key cursor [MATCH p] [COUNT n]` — `(next_cursor, Vec<member>)`; see
    /// [`Redis::sscan_iter`](crate::Redis::sscan_iter) for the whole set.
    fn sscan[K: ToArg,](key: K, cursor: u64, options: ScanOptions) {
        args("SSCAN").arg(key).arg(cursor).arg(options)
    }
}

//! Generic key, database and server commands.

use super::{args, commands};
use crate::client::convert::ToArg;
use crate::client::options::{CopyOptions, ExpireOption, RestoreOptions, ScanOptions};

commands! {
    /// `DEL key …` — how many keys were deleted (redis-py `delete(*names)`):
    /// `r.delete("a")`, `r.delete(&["a", "b"])`.
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// r.mset([("a", 1), ("b", 2)])?;
    /// assert_eq!(r.delete(["a", "b", "c"])?, 2);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn delete[K: ToArg,](keys: K) -> i64 { args("DEL").arg(keys) }

    /// `UNLINK key …` — like DEL (reclaiming memory lazily in Redis); how many were removed.
    fn unlink[K: ToArg,](keys: K) -> i64 { args("UNLINK").arg(keys) }

    /// `EXISTS key …` — how many of the keys exist (a key named twice counts twice); as
    /// `bool`, whether any does.
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// r.set("a", 1)?;
    /// assert_eq!(r.exists("a")?, 1);
    /// assert_eq!(r.exists(["a", "a", "b"])?, 2);
    /// if r.exists("b")? == 0 { /* … */ }
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn exists[K: ToArg,](keys: K) -> i64 { args("EXISTS").arg(keys) }

    /// `TYPE key` — `"string"`, `"list"`, `"set"`, `"zset"`, `"hash"` or `"none"` (redis-py
    /// `type(name)`; `type` is a Rust keyword).
    fn key_type[K: ToArg,](key: K) -> String { args("TYPE").arg(key) }

    /// `KEYS pattern` — every key matching the glob-style pattern. Prefer
    /// [`Redis::scan_iter`](crate::Redis::scan_iter) on big databases.
    fn keys[P: ToArg,](pattern: P) { args("KEYS").arg(pattern) }

    /// `SCAN cursor [MATCH p] [COUNT n] [TYPE t]` — `(next_cursor, Vec<key>)`; see
    /// [`Redis::scan_iter`](crate::Redis::scan_iter) for the whole keyspace.
    fn scan[](cursor: u64, options: ScanOptions) { args("SCAN").arg(cursor).arg(options) }

    /// `RANDOMKEY` — a random key, or nil if the database is empty.
    fn randomkey[]() { args("RANDOMKEY") }

    /// `RENAME key newkey` — `OK`; `ERR no such key` if missing.
    fn rename[S: ToArg, D: ToArg,](key: S, newkey: D) -> () { args("RENAME").arg(key).arg(newkey) }

    /// `RENAMENX key newkey` — `true` if renamed, `false` if `newkey` exists.
    fn renamenx[S: ToArg, D: ToArg,](key: S, newkey: D) -> bool {
        args("RENAMENX").arg(key).arg(newkey)
    }

    /// `DUMP key` — the value serialized as Redis 7.0 does (RESTORE's payload), or `None`.
    fn dump[K: ToArg,](key: K) -> Option<Vec<u8>> { args("DUMP").arg(key) }

    /// `RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]` — creates `key`
    /// from a DUMP payload (emu's or redis-server's); `ttl` in ms, 0 for none.
    fn restore[K: ToArg, P: ToArg,](key: K, ttl: u64, payload: P, options: RestoreOptions) -> () {
        args("RESTORE").arg(key).arg(ttl).arg(payload).arg(options)
    }

    /// `COPY source destination` — `true` if copied, `false` if the destination exists.
    fn copy[S: ToArg, D: ToArg,](source: S, destination: D) -> bool {
        args("COPY").arg(source).arg(destination)
    }

    /// `COPY source destination [DB db] [REPLACE]`.
    fn copy_options[S: ToArg, D: ToArg,](source: S, destination: D, options: CopyOptions) -> bool {
        args("COPY").arg(source).arg(destination).arg(options)
    }

    /// `MOVE key db` — move a key to another database; `true` if moved (redis-py
    /// `move(name, db)`; `move` is a Rust keyword).
    fn move_key[K: ToArg,](key: K, db: i64) -> bool { args("MOVE").arg(key).arg(db) }

    /// `TOUCH key …` — how many of the keys exist (updating their access time).
    fn touch[K: ToArg,](keys: K) -> i64 { args("TOUCH").arg(keys) }

    /// `EXPIRE key seconds` — `true` if the time to live was set, `false` if the key does
    /// not exist. A non-positive time deletes the key.
    ///
    /// ```
    /// let r = emu::Redis::builder().manual_clock(0).build();
    /// r.set("session", "x")?;
    /// assert!(r.expire("session", 30)?);
    /// assert_eq!(r.ttl("session")?, 30);
    /// assert!(!r.expire("missing", 30)?);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn expire[K: ToArg,](key: K, seconds: i64) -> bool { args("EXPIRE").arg(key).arg(seconds) }

    /// `EXPIRE key seconds NX|XX|GT|LT` — `false` also when the condition is not met.
    fn expire_options[K: ToArg,](key: K, seconds: i64, option: ExpireOption) -> bool {
        args("EXPIRE").arg(key).arg(seconds).arg(option)
    }

    /// `PEXPIRE key milliseconds` — like [`Redis::expire`](crate::Redis::expire) in ms.
    fn pexpire[K: ToArg,](key: K, milliseconds: i64) -> bool {
        args("PEXPIRE").arg(key).arg(milliseconds)
    }

    /// `PEXPIRE key milliseconds NX|XX|GT|LT`.
    fn pexpire_options[K: ToArg,](key: K, milliseconds: i64, option: ExpireOption) -> bool {
        args("PEXPIRE").arg(key).arg(milliseconds).arg(option)
    }

    /// `EXPIREAT key unix-seconds` — expire at an absolute Unix time.
    fn expireat[K: ToArg,](key: K, unix_seconds: i64) -> bool {
        args("EXPIREAT").arg(key).arg(unix_seconds)
    }

    /// `EXPIREAT key unix-seconds NX|XX|GT|LT`.
    fn expireat_options[K: ToArg,](key: K, unix_seconds: i64, option: ExpireOption) -> bool {
        args("EXPIREAT").arg(key).arg(unix_seconds).arg(option)
    }

    /// `PEXPIREAT key unix-ms` — expire at an absolute Unix time in milliseconds.
    fn pexpireat[K: ToArg,](key: K, unix_ms: i64) -> bool { args("PEXPIREAT").arg(key).arg(unix_ms) }

    /// `PEXPIREAT key unix-ms NX|XX|GT|LT`.
    fn pexpireat_options[K: ToArg,](key: K, unix_ms: i64, option: ExpireOption) -> bool {
        args("PEXPIREAT").arg(key).arg(unix_ms).arg(option)
    }

    /// `TTL key` — remaining seconds; -1 if the key has no expiry, -2 if it does not exist.
    fn ttl[K: ToArg,](key: K) -> i64 { args("TTL").arg(key) }

    /// `PTTL key` — remaining milliseconds; -1 no expiry, -2 no key.
    fn pttl[K: ToArg,](key: K) -> i64 { args("PTTL").arg(key) }

    /// `EXPIRETIME key` — the absolute Unix expiry time in seconds; -1 / -2 as TTL.
    fn expiretime[K: ToArg,](key: K) -> i64 { args("EXPIRETIME").arg(key) }

    /// `PEXPIRETIME key` — the absolute Unix expiry time in milliseconds; -1 / -2 as TTL.
    fn pexpiretime[K: ToArg,](key: K) -> i64 { args("PEXPIRETIME").arg(key) }

    /// `PERSIST key` — `true` if a time to live was removed.
    fn persist[K: ToArg,](key: K) -> bool { args("PERSIST").arg(key) }

    /// `DBSIZE` — the number of keys in the selected database.
    fn dbsize[]() -> i64 { args("DBSIZE") }

    /// `FLUSHDB` — delete every key of the selected database; `OK`.
    fn flushdb[]() -> () { args("FLUSHDB") }

    /// `FLUSHALL` — delete every key of every database; `OK`.
    fn flushall[]() -> () { args("FLUSHALL") }

    /// `SWAPDB index1 index2` — swap two databases (every handle sees it); `OK`.
    fn swapdb[](db1: i64, db2: i64) -> () { args("SWAPDB").arg(db1).arg(db2) }

    /// `OBJECT ENCODING key` — the internal encoding name (`"listpack"`, `"int"`, …) or nil.
    fn object_encoding[K: ToArg,](key: K) -> Option<String> { args("OBJECT").arg("ENCODING").arg(key) }

    /// `PING` — `PONG` (`String` or `()`).
    fn ping[]() -> String { args("PING") }

    /// `ECHO message` — the message.
    fn echo[M: ToArg,](message: M) { args("ECHO").arg(message) }

    /// `TIME` — the store clock as `(unix_seconds, microseconds)` (`(u64, u64)`); follows
    /// the manual clock when one is set.
    fn time[]() -> (u64, u64) { args("TIME") }
}

//! String commands: GET, SET and its options, counters, ranges, multi-key forms.

use super::{args, commands};
use crate::client::convert::{ToArg, ToPair};
use crate::client::options::{Expiry, SetOptions};

commands! {
    /// `GET key` — the value, or nil if the key does not exist
    /// (`let v: Option<String> = r.get("k")?`).
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// r.set("k", "v")?;
    /// let text: Option<String> = r.get("k")?;      // decoded
    /// let bytes: Option<Vec<u8>> = r.get("k")?;    // raw
    /// assert_eq!((text.as_deref(), bytes.as_deref()), (Some("v"), Some(&b"v"[..])));
    /// assert_eq!(r.get::<_, Option<String>>("missing")?, None);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn get[K: ToArg,](key: K) { args("GET").arg(key) }

    /// `SET key value` — always `OK`: `redis.set("k", "v")?;`.
    ///
    /// ```
    /// let redis = emu::Redis::new();
    /// redis.set("greeting", "hello")?;
    /// redis.set("counter", 0)?;
    /// assert_eq!(redis.get::<_, String>("greeting")?, "hello");
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn set[K: ToArg, V: ToArg,](key: K, value: V) -> () { args("SET").arg(key).arg(value) }

    /// `SET key value [NX|XX] [EX|PX|EXAT|PXAT|KEEPTTL]` — `true` if the value was set,
    /// `false` when `NX`/`XX` blocked it (redis-py's `set(name, value, nx=True, ex=…)`).
    fn set_options[K: ToArg, V: ToArg,](key: K, value: V, options: SetOptions) -> bool {
        args("SET").arg(key).arg(value).arg(options)
    }

    /// `SET key value GET [NX|XX] [EX|…]` — the old value, or nil (`Option<String>`), as
    /// redis-py's `set(name, value, get=True)`. WRONGTYPE if the old value is not a string.
    fn set_get[K: ToArg, V: ToArg,](key: K, value: V, options: SetOptions) {
        args("SET").arg(key).arg(value).arg(options.get())
    }

    /// `SETNX key value` — `true` (1) if set, `false` (0) if the key existed.
    fn setnx[K: ToArg, V: ToArg,](key: K, value: V) -> bool { args("SETNX").arg(key).arg(value) }

    /// `SETEX key seconds value` — set with a time to live in seconds (redis-py order:
    /// `setex(name, time, value)`).
    fn setex[K: ToArg, V: ToArg,](key: K, seconds: i64, value: V) -> () {
        args("SETEX").arg(key).arg(seconds).arg(value)
    }

    /// `PSETEX key milliseconds value` — set with a time to live in milliseconds.
    fn psetex[K: ToArg, V: ToArg,](key: K, milliseconds: i64, value: V) -> () {
        args("PSETEX").arg(key).arg(milliseconds).arg(value)
    }

    /// `GETSET key value` — set and return the old value (or nil).
    fn getset[K: ToArg, V: ToArg,](key: K, value: V) { args("GETSET").arg(key).arg(value) }

    /// `GETDEL key` — return the value (or nil) and delete the key.
    fn getdel[K: ToArg,](key: K) { args("GETDEL").arg(key) }

    /// `GETEX key EX|PX|EXAT|PXAT|PERSIST` — return the value (or nil) and change its time
    /// to live. (`GETEX key` without an option is `GET`.)
    fn getex[K: ToArg,](key: K, expiry: Expiry) { args("GETEX").arg(key).arg(expiry) }

    /// `MGET key …` — one value or nil per key (`Vec<Option<String>>`).
    fn mget[K: ToArg,](keys: K) { args("MGET").arg(keys) }

    /// `MSET key value …` from `(key, value)` pairs (a slice, `Vec` or map) — `OK`.
    fn mset[I: IntoIterator,](items: I) -> () where [I::Item: ToPair] { args("MSET").pairs(items) }

    /// `MSETNX key value …` — `true` if all were set, `false` (nothing set) if any existed.
    fn msetnx[I: IntoIterator,](items: I) -> bool where [I::Item: ToPair] {
        args("MSETNX").pairs(items)
    }

    /// `APPEND key value` — the new length.
    fn append[K: ToArg, V: ToArg,](key: K, value: V) -> i64 { args("APPEND").arg(key).arg(value) }

    /// `STRLEN key` — the length of the value (0 if missing).
    fn strlen[K: ToArg,](key: K) -> i64 { args("STRLEN").arg(key) }

    /// `INCR key` — the value after adding 1 (redis-py `incr(name)`).
    ///
    /// ```
    /// let r = emu::Redis::new();
    /// assert_eq!(r.incr("hits")?, 1);
    /// assert_eq!(r.incr("hits")?, 2);
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn incr[K: ToArg,](key: K) -> i64 { args("INCR").arg(key) }

    /// `INCRBY key increment` — the value after adding `increment` (redis-py
    /// `incr(name, amount)` / `incrby`).
    fn incrby[K: ToArg,](key: K, increment: i64) -> i64 { args("INCRBY").arg(key).arg(increment) }

    /// `DECR key` — the value after subtracting 1.
    fn decr[K: ToArg,](key: K) -> i64 { args("DECR").arg(key) }

    /// `DECRBY key decrement` — the value after subtracting `decrement`.
    fn decrby[K: ToArg,](key: K, decrement: i64) -> i64 { args("DECRBY").arg(key).arg(decrement) }

    /// `INCRBYFLOAT key increment` — the new value (`f64` or its exact text as `String`).
    fn incrbyfloat[K: ToArg,](key: K, increment: f64) {
        args("INCRBYFLOAT").arg(key).arg(increment)
    }

    /// `GETRANGE key start end` — the substring (inclusive, negative counts from the end).
    fn getrange[K: ToArg,](key: K, start: i64, end: i64) {
        args("GETRANGE").arg(key).arg(start).arg(end)
    }

    /// `SETRANGE key offset value` — overwrite from `offset` (zero-padding); the new length.
    fn setrange[K: ToArg, V: ToArg,](key: K, offset: i64, value: V) {
        args("SETRANGE").arg(key).arg(offset).arg(value)
    }
}

//! Generic key and database commands (Redis `db.c`, `expire.c`, `object.c`): DEL, UNLINK,
//! EXISTS, TYPE, TOUCH, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, OBJECT, the
//! EXPIRE family, TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST, DBSIZE, FLUSHDB, FLUSHALL,
//! SELECT, SWAPDB.
//!
//! Split by theme: `generic` (key commands), `expire` (TTLs), `db` (whole databases).

mod db;
mod expire;
mod generic;

use crate::engine::Store;
use crate::engine::{flags::*, CommandSpec};
use crate::error::{Error, ErrorKind, Result};
use crate::keyspace::{Db, Entry};

/// Key and database commands.
pub const COMMANDS: &[CommandSpec] = &[
    // Keys.
    CommandSpec::new("del", -2, WRITE, (1, -1, 1), "generic", generic::del),
    CommandSpec::new(
        "unlink",
        -2,
        WRITE | FAST,
        (1, -1, 1),
        "generic",
        generic::unlink,
    ),
    CommandSpec::new(
        "exists",
        -2,
        READONLY | FAST,
        (1, -1, 1),
        "generic",
        generic::exists,
    ),
    CommandSpec::new(
        "type",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        generic::type_,
    ),
    CommandSpec::new(
        "touch",
        -2,
        READONLY | FAST,
        (1, -1, 1),
        "generic",
        generic::touch,
    ),
    CommandSpec::new("keys", 2, READONLY, (0, 0, 0), "generic", generic::keys),
    CommandSpec::new(
        "scan",
        -2,
        READONLY | RANDOM | TOUCHES_ARBITRARY_KEYS,
        (0, 0, 0),
        "generic",
        generic::scan,
    ),
    CommandSpec::new(
        "randomkey",
        1,
        READONLY | RANDOM | TOUCHES_ARBITRARY_KEYS,
        (0, 0, 0),
        "generic",
        generic::randomkey,
    ),
    CommandSpec::new("rename", 3, WRITE, (1, 2, 1), "generic", generic::rename),
    CommandSpec::new(
        "renamenx",
        3,
        WRITE | FAST,
        (1, 2, 1),
        "generic",
        generic::renamenx,
    ),
    CommandSpec::new(
        "copy",
        -3,
        WRITE | DENYOOM,
        (1, 2, 1),
        "generic",
        generic::copy,
    ),
    CommandSpec::new(
        "move",
        3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        generic::move_,
    ),
    // Redis declares the OBJECT container with no flags and no keys (its subcommands
    // carry them).
    CommandSpec::new(
        "object",
        -2,
        READONLY,
        (2, 2, 1),
        "generic",
        generic::object,
    ),
    // Expiry.
    CommandSpec::new(
        "expire",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        expire::expire,
    ),
    CommandSpec::new(
        "pexpire",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        expire::pexpire,
    ),
    CommandSpec::new(
        "expireat",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        expire::expireat,
    ),
    CommandSpec::new(
        "pexpireat",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        expire::pexpireat,
    ),
    CommandSpec::new(
        "ttl",
        2,
        READONLY | FAST | RANDOM,
        (1, 1, 1),
        "generic",
        expire::ttl,
    ),
    CommandSpec::new(
        "pttl",
        2,
        READONLY | FAST | RANDOM,
        (1, 1, 1),
        "generic",
        expire::pttl,
    ),
    CommandSpec::new(
        "expiretime",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        expire::expiretime,
    ),
    CommandSpec::new(
        "pexpiretime",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        expire::pexpiretime,
    ),
    CommandSpec::new(
        "persist",
        2,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        expire::persist,
    ),
    // Databases.
    CommandSpec::new(
        "dbsize",
        1,
        READONLY | FAST,
        (0, 0, 0),
        "server",
        db::dbsize,
    ),
    CommandSpec::new("flushdb", -1, WRITE, (0, 0, 0), "server", db::flushdb),
    CommandSpec::new("flushall", -1, WRITE, (0, 0, 0), "server", db::flushall),
    CommandSpec::new(
        "select",
        2,
        LOADING | STALE | FAST | CONNECTION,
        (0, 0, 0),
        "connection",
        db::select,
    ),
    CommandSpec::new("swapdb", 3, WRITE | FAST, (0, 0, 0), "server", db::swapdb),
];

/// Redis `getIntFromObjectOrReply`: an integer that fits a C `int`. With `msg`, both a
/// non-integer and an out-of-range value report `ERR <msg>`; without, Redis's two default
/// texts.
fn int_arg(a: &[u8], msg: Option<&str>) -> Result<i64> {
    let v = crate::util::parse_i64(a).ok_or_else(|| match msg {
        Some(m) => Error::new(ErrorKind::NotInteger, format!("ERR {m}")),
        None => Error::not_integer(),
    })?;
    if v < i32::MIN as i64 || v > i32::MAX as i64 {
        return Err(match msg {
            Some(m) => Error::new(ErrorKind::OutOfRange, format!("ERR {m}")),
            None => Error::out_of_range(&format!(
                "value is out of range, value must between {} and {}",
                i32::MIN,
                i32::MAX
            )),
        });
    }
    Ok(v)
}

/// A database index argument as SELECT, MOVE and COPY … DB parse it.
fn db_arg(store: &Store, a: &[u8]) -> Result<usize> {
    let id = int_arg(a, None)?;
    checked_db(store, id).ok_or_else(db_out_of_range)
}

/// `id` as a database index, if it names one.
fn checked_db(store: &Store, id: i64) -> Option<usize> {
    usize::try_from(id).ok().filter(|&i| i < store.dbs.len())
}

fn db_out_of_range() -> Error {
    Error::out_of_range("DB index is out of range")
}

/// `ERR source and destination objects are the same` (Redis `shared.sameobjecterr`).
fn same_object() -> Error {
    Error::err("source and destination objects are the same")
}

/// Adds `key` to `db` (which must not hold it) with `entry`'s value and expiry.
fn db_add(db: &mut Db, key: &[u8], entry: Entry) {
    db.add_entry(key, entry);
}

/// Redis `signalModifiedKey` + `notifyKeyspaceEvent`, without touching the dirty counter
/// (for commands that touch several keys but count one change, as Redis does).
fn signal(store: &mut Store, db: usize, key: &[u8], class: u32, event: &str) {
    store.signal_modified(db, key);
    store.notify(class, event, db, key);
}

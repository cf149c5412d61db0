//! Whole-database commands: DBSIZE, FLUSHDB, FLUSHALL, SELECT, SWAPDB.

use super::{checked_db, db_arg, db_out_of_range, int_arg};
use crate::engine::Ctx;
use crate::error::{Error, Result};
use crate::util::eq_ic;
use crate::value::Value;

/// # Format
/// `DBSIZE` — counts keys not yet reclaimed, expired or not, as Redis does.
pub(super) fn dbsize(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    Ok(Value::Int(ctx.db().len() as i64))
}

/// Redis `getFlushCommandFlags`: nothing, `ASYNC` or `SYNC`. Freeing is always immediate
/// here, so the choice changes nothing.
fn check_flush_args(argv: &[&[u8]]) -> Result<()> {
    match argv {
        [_] => Ok(()),
        [_, mode] if eq_ic(mode, "sync") || eq_ic(mode, "async") => Ok(()),
        _ => Err(Error::syntax()),
    }
}

/// Empties database `db`, invalidating its watchers first; returns how many keys it held.
fn flush_one(ctx: &mut Ctx, db: usize) -> u64 {
    ctx.store.signal_flushed_db(db);
    let removed = ctx.store.dbs[db].len() as u64;
    ctx.store.dbs[db].clear();
    removed
}

/// # Format
/// `FLUSHDB [ASYNC | SYNC]` — always logged, even when the database was already empty.
pub(super) fn flushdb(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    check_flush_args(argv)?;
    let removed = flush_one(ctx, ctx.session.db);
    // Client-side caches are not per database: every key is invalid (a null).
    ctx.store.tracking_invalidate_on_flush();
    ctx.store.dirty += removed;
    ctx.propagate_with(|| argv.iter().map(|a| a.to_vec()).collect());
    Ok(Value::ok())
}

/// # Format
/// `FLUSHALL [ASYNC | SYNC]` — always logged.
pub(super) fn flushall(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    check_flush_args(argv)?;
    let mut removed = 0;
    for db in 0..ctx.store.dbs.len() {
        removed += flush_one(ctx, db);
    }
    ctx.store.tracking_invalidate_on_flush();
    // As Redis 7.0.15 (`flushAllDataAndResetRDB`): the keys removed, nothing more.
    ctx.store.dirty += removed;
    ctx.propagate_with(|| argv.iter().map(|a| a.to_vec()).collect());
    if !ctx.store.config.save.is_empty() {
        // Redis `flushAllDataAndResetRDB`: with save points configured, FLUSHALL saves at
        // once (a restart loads the empty dataset) and the changes since the last save start
        // again at 0 (the save sets that); a failed save is only not counted, as Redis only
        // logs it.
        let _ = (ctx.store.services().save)(ctx);
    }
    Ok(Value::ok())
}

/// # Format
/// `SELECT index`
pub(super) fn select(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.config().cluster_enabled && int_arg(argv[1], None)? != 0 {
        return Err(Error::err("SELECT is not allowed in cluster mode"));
    }
    ctx.session.db = db_arg(ctx.store, argv[1])?;
    Ok(Value::ok())
}

/// # Format
/// `SWAPDB index1 index2` — sessions keep their index and so see the other data; watchers of
/// both databases are invalidated.
pub(super) fn swapdb(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if ctx.config().cluster_enabled {
        return Err(Error::err("SWAPDB is not allowed in cluster mode"));
    }
    let id1 = int_arg(argv[1], Some("invalid first DB index"))?;
    let id2 = int_arg(argv[2], Some("invalid second DB index"))?;
    let (Some(a), Some(b)) = (checked_db(ctx.store, id1), checked_db(ctx.store, id2)) else {
        return Err(db_out_of_range());
    };
    if a != b {
        ctx.store.signal_swapped_dbs(a, b);
        ctx.store.dbs.swap(a, b);
    }
    ctx.store.dirty += 1;
    Ok(Value::ok())
}

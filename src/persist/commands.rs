//! SAVE, BGSAVE, BGREWRITEAOF (all three compact: a new snapshot and a fresh log), plus
//! [`reload`] and [`load_log`], which every store gets as its `DEBUG RELOAD` and `DEBUG
//! LOADAOF` (through
//! [`crate::engine::Services`]; the DEBUG command lives with the server commands). LASTSAVE
//! reads the handle's last save through [`crate::engine::Durability`].
//!
//! On a store without a data directory they succeed without writing anything, with Redis's
//! replies; SAVE and BGSAVE still count as a save (LASTSAVE advances, see
//! [`crate::admin::note_memory_save`]).

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::util::eq_ic;
use crate::value::Value;

use super::handle::{BgKind, BgStart};
use super::PersistError;

fn bg_busy() -> Error {
    Error::err("Background save already in progress")
}

fn save_failed(e: PersistError) -> Error {
    match e {
        PersistError::Failed(m) => super::misconf(&m),
        e => Error::err(format!("Saving failed: {}", e.short())),
    }
}

/// # Format
/// `SAVE`
fn save(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    save_now(ctx)?;
    Ok(Value::ok())
}

/// What SAVE does: a snapshot of a store with a data directory (refused while a background
/// one runs), else a save counted as done (see [`crate::admin::note_memory_save`]).
pub(crate) fn save_now(ctx: &mut Ctx) -> Result<()> {
    let Some(h) = super::handle_of(ctx.store) else {
        crate::admin::note_memory_save(ctx);
        return Ok(());
    };
    // Redis refuses only while its RDB child runs; it saves beside an AOF rewrite, which
    // emu's single compaction cannot: it waits for the rewrite instead.
    if h.bg_report().save_in_progress {
        return Err(bg_busy());
    }
    if h.compaction_running() {
        let _ = h.wait_compaction();
    }
    h.save(ctx.store).map_err(save_failed)
}

/// # Format
/// `BGSAVE [SCHEDULE]`
fn bgsave(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    if argv.len() > 2 || (argv.len() == 2 && !eq_ic(argv[1], "schedule")) {
        return Err(Error::syntax());
    }
    let in_exec = ctx.session.in_multi;
    let Some(h) = super::handle_of(ctx.store) else {
        crate::admin::note_memory_save(ctx);
        return Ok(Value::Simple(if in_exec {
            "Background saving scheduled".into()
        } else {
            "Background saving started".into()
        }));
    };
    let schedule = argv.len() == 2;
    match h
        .request_background(ctx.store, BgKind::Save, schedule, in_exec)
        .map_err(save_failed)?
    {
        BgStart::Started => Ok(Value::Simple("Background saving started".into())),
        BgStart::Scheduled => Ok(Value::Simple("Background saving scheduled".into())),
        BgStart::SameRunning => Err(bg_busy()),
        BgStart::OtherRunning => Err(Error::err(
            "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE \
             SCHEDULE in order to schedule a BGSAVE whenever possible.",
        )),
    }
}

/// # Format
/// `BGREWRITEAOF`
fn bgrewriteaof(ctx: &mut Ctx, _argv: &[&[u8]]) -> Result<Value> {
    let in_exec = ctx.session.in_multi;
    let Some(h) = super::handle_of(ctx.store) else {
        return Ok(Value::Simple(if in_exec {
            "Background append only file rewriting scheduled".into()
        } else {
            "Background append only file rewriting started".into()
        }));
    };
    match h
        .request_background(ctx.store, BgKind::Rewrite, true, in_exec)
        .map_err(save_failed)?
    {
        BgStart::Started => Ok(Value::Simple(
            "Background append only file rewriting started".into(),
        )),
        BgStart::Scheduled | BgStart::OtherRunning => Ok(Value::Simple(
            "Background append only file rewriting scheduled".into(),
        )),
        BgStart::SameRunning => Err(Error::err(
            "Background append only file rewriting already in progress",
        )),
    }
}

/// Redis's reply when DEBUG RELOAD cannot load the dump.
fn load_failed() -> Error {
    Error::err("Error trying to load the RDB dump")
}

/// `DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]` (plugged into every store as
/// `Services::reload`): saves (unless NOSAVE), empties the keyspace (unless NOFLUSH) and
/// loads the last snapshot — the one just written — back. A memory-only store round-trips
/// through an in-memory snapshot, which it keeps for a later NOSAVE. Without MERGE, a key
/// or library of the snapshot that is already there (NOFLUSH) fails the load, and nothing
/// changes (Redis stops at a library and crashes at a key).
pub fn reload(store: &mut crate::engine::Store, opts: crate::engine::ReloadOptions) -> Result<()> {
    let mut target = store.empty_like();
    match super::handle_of(store) {
        Some(h) => {
            if h.compaction_running() {
                h.wait_compaction().ok();
            }
            if opts.save {
                h.save(store).map_err(save_failed)?;
            }
            let path = super::files::snapshot_path(h.dir(), h.snapshot_generation());
            target.loading = true;
            super::snapshot::load(&path, &mut target).map_err(|_| load_failed())?;
        }
        None => {
            if opts.save {
                let mut buf = Vec::new();
                super::snapshot::encode_into(
                    &mut buf,
                    0,
                    &store.dbs,
                    store.libraries.all(),
                    store.rng.state(),
                    0,
                )
                .map_err(|e| Error::err(format!("Error trying to save the DB: {e}")))?;
                store.reload_dump = Some(std::sync::Arc::new(buf));
            }
            let Some(buf) = store.reload_dump.clone() else {
                return Err(load_failed());
            };
            let tmp = tempfile::Builder::new()
                .prefix(super::files::TMP_PREFIX)
                .tempfile()
                .map_err(|e| Error::io("DEBUG RELOAD temp file", e))?;
            std::fs::write(tmp.path(), &buf[..]).map_err(|e| Error::io("DEBUG RELOAD", e))?;
            target.loading = true;
            super::snapshot::load(tmp.path(), &mut target).map_err(|_| load_failed())?;
        }
    }
    if !opts.flush {
        merge_loaded(store, target, opts.merge)?;
        return save_changed(store);
    }
    // Keys' access data survives as in Redis's RDB round trip (`rdbSaveKeyValuePair` then
    // `rdbLoad`): under an LRU policy the idle time in whole seconds, under an LFU policy
    // the decayed counter stamped now; under the others keys restart as new.
    let cfg = &store.config;
    let (lru, lfu) = (cfg.maxmemory_policy.is_lru(), cfg.maxmemory_policy.is_lfu());
    if lru || lfu {
        use crate::keyspace::memory;
        let now = store.clock.now_ms();
        for (old, new) in store.dbs.iter().zip(target.dbs.iter_mut()) {
            new.dict.retain(|key, e| {
                if let Some(o) = old.dict.get(key) {
                    let saved = if lfu {
                        let f = memory::lfu_decr_and_return(o.lru(), now, cfg.lfu_decay_time);
                        memory::saved_access(true, Some(f), None, now)
                    } else {
                        let idle = memory::idle_ms(o.lru(), now) / 1000;
                        memory::saved_access(false, None, Some(idle), now)
                    };
                    if let Some(v) = saved {
                        e.set_lru(v);
                    }
                }
                true
            });
        }
    }
    store.dbs = target.dbs;
    store.rng = target.rng;
    store.libraries = target.libraries;
    for db in 0..store.dbs.len() {
        store.signal_flushed_db(db);
    }
    store.tracking_invalidate_on_flush();
    if !opts.save {
        // The dataset went back to the last snapshot: the log after it must not replay.
        return save_changed(store);
    }
    Ok(())
}

/// A persistent store whose dataset DEBUG RELOAD changed without logging it (NOSAVE,
/// NOFLUSH): a new snapshot makes the durable state that dataset.
fn save_changed(store: &mut crate::engine::Store) -> Result<()> {
    match super::handle_of(store) {
        Some(h) => h.save(store).map_err(save_failed),
        None => Ok(()),
    }
}

/// DEBUG RELOAD NOFLUSH: the loaded keys and libraries go into the dataset; one already
/// there is replaced with `merge`, else the load fails before anything changed.
fn merge_loaded(
    store: &mut crate::engine::Store,
    mut target: crate::engine::Store,
    merge: bool,
) -> Result<()> {
    if !merge {
        let lib_clash = target
            .libraries
            .iter()
            .any(|(name, _)| store.libraries.get(name).is_some());
        let key_clash = store
            .dbs
            .iter()
            .zip(&target.dbs)
            .any(|(db, new)| new.dict.keys().any(|k| db.dict.contains_key(k)));
        if lib_clash || key_clash {
            return Err(load_failed());
        }
    }
    for (name, code) in target.libraries.iter() {
        store.libraries.insert(name.clone(), code.clone());
    }
    for (db, new) in store.dbs.iter_mut().zip(target.dbs.iter_mut()) {
        let keys: Vec<Vec<u8>> = new.dict.keys().map(<[u8]>::to_vec).collect();
        for key in keys {
            let Some(e) = new.remove(&key) else { continue };
            let (at, lru) = (e.expire(), e.lru());
            db.remove(&key);
            db.insert_lru(&key, e.obj, false, lru);
            if at.is_some() {
                db.set_expire(&key, at);
            }
        }
    }
    Ok(())
}

/// `DEBUG LOADAOF` (plugged into every store as `Services::load_log`): Redis empties the
/// keyspace and replays its AOF; emu's AOF is its data directory's log, so the keyspace is
/// rebuilt as a restart would rebuild it (the newest snapshot, then every live log
/// replayed through the engine) after the log is flushed. A memory-only store keeps no
/// log, so it answers an error instead of losing its data (Redis without an AOF exits).
pub fn load_log(store: &mut crate::engine::Store) -> Result<()> {
    let Some(h) = super::handle_of(store) else {
        return Err(Error::err(
            "DEBUG LOADAOF needs a data directory (emu serve --dir): a store without one keeps no log",
        ));
    };
    if h.compaction_running() {
        h.wait_compaction().ok();
    }
    h.sync()?;
    let mut target = store.empty_like();
    let listing = super::files::list(h.dir()).map_err(Error::from)?;
    super::recovery::load_into(h.dir(), &listing, &mut target).map_err(Error::from)?;
    store.dbs = target.dbs;
    store.rng = target.rng;
    for db in 0..store.dbs.len() {
        store.signal_flushed_db(db);
    }
    store.tracking_invalidate_on_flush();
    Ok(())
}

/// Persistence commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_MULTI,
        (0, 0, 0),
        "server",
        save,
    ),
    CommandSpec::new("bgsave", -1, ADMIN | NOSCRIPT, (0, 0, 0), "server", bgsave),
    CommandSpec::new(
        "bgrewriteaof",
        1,
        ADMIN | NOSCRIPT,
        (0, 0, 0),
        "server",
        bgrewriteaof,
    ),
];

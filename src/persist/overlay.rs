//! The data tools' streaming path for a directory whose logs hold records (`emu dump`,
//! `emu check`, `emu compact`): the snapshot is streamed key by key as in
//! [`scan`], and only the keys the log records touch are materialised.
//!
//! Three passes, memory bounded by the logs, not by the snapshot:
//! 1. **The logs** are read (not run): each record's keys are collected per *snapshot*
//!    database. The databases are followed through the records: `SWAPDB` swaps two
//!    databases' origins, `FLUSHDB`/`FLUSHALL` cut a database off the snapshot, `MOVE` and
//!    `COPY … DB` touch the key in the other database. A record whose keys cannot be told
//!    from its arguments (scripts, `SORT`, any other keyless write but `FUNCTION`), an
//!    unknown command, a bad arity or database, or any damage, and the tools take the store
//!    path, which reports the damage as always.
//! 2. **The snapshot's record headers** (key, database, expiry; checksums checked): the
//!    counts per database of the untouched keys, where each database starts, and the
//!    function libraries. The touched keys' records are decoded into a small store.
//! 3. **The logs are replayed** through the engine into that small store, exactly as
//!    recovery replays them into the whole one (`store.loading` set, the RNG restored
//!    after each batch).
//!
//! The output then walks the databases in order: each database's untouched snapshot keys
//! (read from its origin database in the snapshot, which is in key order) merged with the
//! small store's keys of that database, sorted bytewise — the order and the values
//! [`super::tools::dump_via_store`] writes. An untouched key is never named by a record, so
//! its value is the snapshot's; a database that was flushed keeps only what the records
//! wrote after the flush, which is all in the small store.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::files::{self, Listing};
use super::frame::{self, Next};
use super::model::{self, kind, KeyRecord, LibraryRecord};
use super::recovery::{self, LogScan};
use super::scan::{self, DbCount};
use super::snapshot::Mapped;
use super::PersistError;
use crate::engine::Effect;
use crate::engine::Store;
use crate::keyspace::Entry;

/// A directory read for streaming: the snapshot, and what the log records changed.
pub struct Streamed {
    /// The snapshot file.
    pub path: PathBuf,
    map: Mapped,
    /// Per output database: its origin database in the snapshot (`None`: flushed).
    origin: Vec<Option<usize>>,
    /// Per snapshot database: the keys the records name (their snapshot record is skipped).
    touched: Vec<HashSet<Vec<u8>>>,
    /// Per snapshot database: offset of its first KEY record.
    starts: Vec<Option<usize>>,
    /// Per snapshot database: counts of its untouched keys.
    untouched: Vec<DbCount>,
    /// The touched keys after the replay, the final libraries and RNG.
    pub store: Store,
    /// Keys in the snapshot.
    pub snapshot_keys: u64,
    /// Snapshot size in bytes.
    pub snapshot_bytes: u64,
    /// Clock time of the last recorded write (META's, or the last batch's).
    pub recorded_at_ms: u64,
    /// Each live log: generation and scan (records, torn tail).
    pub logs: Vec<(u64, LogScan)>,
}

/// A key's place in the snapshot databases, following SWAPDB/FLUSH through the records.
struct Follow {
    table: &'static crate::engine::Table,
    origin: Vec<Option<usize>>,
    touched: Vec<HashSet<Vec<u8>>>,
}

impl Follow {
    fn mark(&mut self, db: usize, key: &[u8]) {
        if let Some(Some(s)) = self.origin.get(db) {
            self.touched[*s].insert(key.to_vec());
        }
    }

    /// Takes one effect into account; false when its keys cannot be told.
    fn effect(&mut self, eff: &Effect) -> bool {
        let ndb = self.origin.len();
        let argv: Vec<&[u8]> = eff.argv.iter().map(|a| a.as_slice()).collect();
        let Some(spec) = self.table.get(argv[0]) else {
            return false;
        };
        if eff.db >= ndb || !spec.arity_ok(argv.len()) {
            return false;
        }
        let db_arg = |a: &[u8]| -> Option<usize> {
            let n: usize = std::str::from_utf8(a).ok()?.parse().ok()?;
            (n < ndb).then_some(n)
        };
        match spec.name {
            "flushall" => self.origin.iter_mut().for_each(|o| *o = None),
            "flushdb" => self.origin[eff.db] = None,
            "swapdb" => match (db_arg(argv[1]), db_arg(argv[2])) {
                (Some(a), Some(b)) => self.origin.swap(a, b),
                _ => return false,
            },
            "move" => {
                let Some(to) = db_arg(argv[2]) else {
                    return false;
                };
                self.mark(eff.db, argv[1]);
                self.mark(to, argv[1]);
            }
            "copy" => {
                let mut to = eff.db;
                let mut i = 3;
                while i < argv.len() {
                    if argv[i].eq_ignore_ascii_case(b"db") {
                        match argv.get(i + 1).and_then(|a| db_arg(a)) {
                            Some(n) => to = n,
                            None => return false,
                        }
                        i += 1;
                    }
                    i += 1;
                }
                self.mark(eff.db, argv[1]);
                self.mark(to, argv[2]);
            }
            // Libraries only: the small store holds all of them.
            "function" => {}
            // Keys not all in the arguments (scripts, SORT's BY/GET patterns) or no
            // business in a log.
            "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" | "sort"
            | "sort_ro" | "migrate" | "debug" | "script" => return false,
            _ => {
                let pos = spec.key_positions(&argv);
                if pos.is_empty() {
                    return false;
                }
                for p in pos {
                    self.mark(eff.db, argv[p]);
                }
            }
        }
        true
    }
}

/// Reads `dir` (listing `listing`) for streaming into a store configured as `template`
/// (empty): `Ok(None)` when it needs the store path — no snapshot, a record whose keys
/// cannot be told, keys out of snapshot order, or any damage (the store path reports it).
/// `now` judges expiry for the counts.
pub fn open(
    dir: &Path,
    listing: &Listing,
    mut template: Store,
    now: u64,
) -> Result<Option<Streamed>, PersistError> {
    let Some(g) = listing.newest_snapshot() else {
        return Ok(None);
    };
    let ndb = template.dbs.len();
    let mut follow = Follow {
        table: template.table(),
        origin: (0..ndb).map(Some).collect(),
        touched: vec![HashSet::new(); ndb],
    };
    // 1. The logs, read only.
    let live = listing.live_logs();
    let mut logs = Vec::new();
    for (i, lg) in live.iter().enumerate() {
        let last = i + 1 == live.len();
        let mut ok = true;
        let r = recovery::scan_log(&files::log_path(dir, *lg), *lg, last, |_, b| {
            ok = ok && b.effects.iter().all(|e| follow.effect(e));
            Ok(())
        });
        match r {
            Ok(s) if ok => logs.push((*lg, s)),
            _ => return Ok(None),
        }
    }
    // 2. The snapshot's headers; the touched keys decoded.
    let path = files::snapshot_path(dir, g);
    let Ok(map) = Mapped::open(&path) else {
        return Ok(None);
    };
    let Ok(meta) = scan::meta(&path) else {
        return Ok(None);
    };
    let buf = map.bytes();
    if frame::parse_header(buf, frame::SNAP_MAGIC).ok() != Some(g) {
        return Ok(None);
    }
    if meta.db_keys.iter().skip(ndb).any(|n| *n > 0) {
        return Ok(None);
    }
    let cfg = template.config.clone();
    let mut untouched = vec![DbCount::default(); ndb];
    let mut starts = vec![None; ndb];
    let mut libs = BTreeMap::new();
    let mut prev: Option<(usize, &[u8])> = None;
    let mut keys = 0u64;
    let mut off = frame::HEADER_LEN;
    let mut first = true;
    loop {
        let Next::Record { start, end } = frame::next_record(buf, off) else {
            return Ok(None);
        };
        let p = &buf[start..end];
        match p.first() {
            Some(&kind::META) if first => {}
            Some(&kind::LIBRARY) if keys == 0 && !first => {
                let Ok(lib) = model::decode_body::<LibraryRecord>(&p[1..]) else {
                    return Ok(None);
                };
                let Ok(name) = String::from_utf8(lib.name) else {
                    return Ok(None);
                };
                if libs.insert(name, lib.code).is_some() {
                    return Ok(None);
                }
            }
            Some(&kind::END) if !first => {
                let Ok(n) = model::decode_body::<u64>(&p[1..]) else {
                    return Ok(None);
                };
                if n != keys || end != buf.len() {
                    return Ok(None);
                }
                break;
            }
            Some(&kind::KEY) if !first => {
                let Some((db, key, expire)) = scan::key_header(p) else {
                    return Ok(None);
                };
                if db >= ndb || prev.is_some_and(|pk| pk >= (db, key)) {
                    return Ok(None);
                }
                prev = Some((db, key));
                keys += 1;
                starts[db].get_or_insert(off);
                if follow.touched[db].contains(key) {
                    let Ok(rec) = model::decode_body::<KeyRecord>(&p[1..]) else {
                        return Ok(None);
                    };
                    let Ok(obj) = rec.value.into_object(&cfg) else {
                        return Ok(None);
                    };
                    let d = &mut template.dbs[db];
                    if let Some(at) = rec.expire {
                        d.index_expire(at, &rec.key);
                    }
                    d.dict.insert(rec.key, Entry::new(obj, rec.expire));
                } else {
                    let c = &mut untouched[db];
                    c.all += 1;
                    if expire.is_none_or(|t| !crate::keyspace::deadline_passed(t, now)) {
                        c.live += 1;
                        c.live_expires += u64::from(expire.is_some());
                    }
                }
            }
            _ => return Ok(None),
        }
        first = false;
        off = end;
    }
    let mut store = template;
    let lru = store.new_key_lru(store.clock.now_ms());
    for db in &mut store.dbs {
        db.recount(lru);
    }
    store.rng = crate::keyspace::Rng::new(meta.rng_state);
    store.libraries.set_all(libs);
    // 3. The records replayed into the small store, as recovery does.
    let mut recorded = meta.recorded_at_ms;
    let was_recording = store.records_effects();
    store.set_record_effects(false);
    store.loading = true;
    for (lg, scan) in &logs {
        let r = recovery::scan_log(&files::log_path(dir, *lg), *lg, true, |_, b| {
            recovery::apply_batch(&mut store, &b)
        });
        if r.is_err() {
            return Ok(None);
        }
        if scan.records > 0 {
            recorded = recorded.max(scan.last_time_ms);
        }
    }
    store.loading = false;
    store.set_record_effects(was_recording);
    store.clear_effects();
    Ok(Some(Streamed {
        path,
        snapshot_bytes: buf.len() as u64,
        map,
        origin: follow.origin,
        touched: follow.touched,
        starts,
        untouched,
        store,
        snapshot_keys: keys,
        recorded_at_ms: recorded,
        logs,
    }))
}

impl Streamed {
    /// Key counts of each output database (expiry judged at `now`, as given to [`open`]
    /// for the snapshot's keys).
    pub fn counts(&self, now: u64) -> Vec<DbCount> {
        let mut out = Vec::with_capacity(self.origin.len());
        for (d, o) in self.origin.iter().enumerate() {
            let mut c = o.map(|s| self.untouched[s]).unwrap_or_default();
            for (_, e) in self.store.dbs[d].dict.iter() {
                c.all += 1;
                if !e.is_expired_at(now) {
                    c.live += 1;
                    c.live_expires += u64::from(e.expire().is_some());
                }
            }
            out.push(c);
        }
        out
    }

    /// True when some log holds a record (else the snapshot is the data).
    pub fn has_records(&self) -> bool {
        self.logs.iter().any(|(_, s)| s.records > 0)
    }

    /// The torn-tail warning of the last log, with `action` ("ignoring the last",
    /// "truncated"), as recovery words it.
    pub fn torn_warning(&self, dir: &Path, action: &str) -> Option<String> {
        let (g, scan) = self.logs.last()?;
        let (off, why) = scan.torn?;
        Some(format!(
            "emu: warning: {} has a torn tail at byte offset {off} ({why}); {} {} bytes",
            files::log_path(dir, *g).display(),
            action,
            scan.file_len - off
        ))
    }

    /// Visits every key of the data, databases ascending and keys bytewise within each:
    /// the snapshot's untouched keys decoded one at a time, merged with the replayed ones.
    pub fn for_each(
        &self,
        mut f: impl FnMut(usize, &[u8], &Entry) -> Result<(), PersistError>,
    ) -> Result<(), PersistError> {
        let buf = self.map.bytes();
        let cfg = &self.store.config;
        for (d, o) in self.origin.iter().enumerate() {
            let mut small: Vec<(&[u8], &Entry)> = self.store.dbs[d].dict.iter().collect();
            small.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let mut small = small.into_iter().peekable();
            if let Some(s) = *o {
                let mut off = self.starts[s].unwrap_or(buf.len());
                while let Next::Record { start, end } = frame::next_record(buf, off) {
                    let at = off as u64;
                    let p = &buf[start..end];
                    if p.first() != Some(&kind::KEY) {
                        break;
                    }
                    let Some((db, key, _)) = scan::key_header(p) else {
                        break;
                    };
                    if db != s {
                        break;
                    }
                    off = end;
                    if self.touched[s].contains(key) {
                        continue;
                    }
                    while let Some((k, e)) = small.next_if(|(k, _)| *k < key) {
                        f(d, k, e)?;
                    }
                    let rec: KeyRecord =
                        model::decode_body(&p[1..]).map_err(|e| e.at(&self.path, at))?;
                    let obj = rec
                        .value
                        .into_object(cfg)
                        .map_err(|e| e.at(&self.path, at))?;
                    f(d, &rec.key, &Entry::new(obj, rec.expire))
                        .map_err(|e| e.at(&self.path, at))?;
                }
            }
            for (k, e) in small {
                f(d, k, e)?;
            }
        }
        Ok(())
    }
}

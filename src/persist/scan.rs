//! Reading a snapshot for the data tools' streaming path (`emu dump`, `emu check`,
//! `emu compact`; [`super::overlay`] drives it): the record headers read without decoding
//! values ([`key_header`], [`plan`]), the META record ([`meta`]), and, for a directory whose
//! data is its newest snapshot alone ([`snapshot_only`]), every key decoded one at a time
//! with the checks [`snapshot::load`] makes ([`keys`]), without building a
//! [`crate::engine::Store`].
//!
//! Snapshots are written in key order, which makes duplicates adjacent; a snapshot whose
//! keys are out of order (none that emu writes) is left to the store path. Log records are
//! [`super::overlay`]'s business: it replays them over the keys they name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::files::{self, Listing};
use super::frame::{self, Next};
use super::model::{kind, KeyRecord, SnapMeta};
use super::snapshot::{self, SnapInfo};
use super::PersistError;
use crate::config::Config;
use crate::keyspace::Object;

/// The newest snapshot (generation, path) when the directory's data is that snapshot
/// alone: every live log is exactly an intact file header of its generation. `None` when
/// a log holds anything more (or is damaged), or there is no snapshot.
pub fn snapshot_only(dir: &Path, listing: &Listing) -> Option<(u64, PathBuf)> {
    let g = listing.newest_snapshot()?;
    for lg in listing.live_logs() {
        let path = files::log_path(dir, lg);
        if std::fs::metadata(&path).ok()?.len() != frame::HEADER_LEN as u64 {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        match frame::parse_header(&bytes, frame::LOG_MAGIC) {
            Ok(h) if h == lg => {}
            _ => return None,
        }
    }
    Some((g, files::snapshot_path(dir, g)))
}

/// Why [`keys`] stopped without an error of the data.
const UNSORTED: &str = "\u{0}keys out of snapshot order";

/// Reads the snapshot at `path` key by key for a store of `databases` databases and
/// configuration `cfg`: `on_library` gets the function libraries (before any key),
/// `on_key` each key with its value decoded as [`snapshot::load`] decodes it. Errors are
/// [`snapshot::load`]'s for the same file. `Ok(None)` when the keys are not in snapshot
/// order (duplicates could not be told apart cheaply): the caller takes the store path.
pub fn keys(
    path: &Path,
    databases: usize,
    cfg: &Config,
    mut on_library: impl FnMut(&str, &[u8]),
    mut on_key: impl FnMut(usize, Vec<u8>, Option<u64>, Object) -> Result<(), PersistError>,
) -> Result<Option<SnapInfo>, PersistError> {
    let mut prev: Option<(u32, Vec<u8>)> = None;
    let r = snapshot::read_with(
        path,
        |meta| {
            for (i, n) in meta.db_keys.iter().enumerate() {
                if *n > 0 && i >= databases {
                    return Err(PersistError::invalid(format!(
                        "the snapshot has keys in database {i} but the store is configured \
                         with {databases} databases"
                    )));
                }
            }
            Ok(())
        },
        &mut on_library,
        |rec: KeyRecord| {
            if rec.db as usize >= databases {
                return Err(PersistError::invalid(format!(
                    "key in database {} but the store is configured with {databases} databases",
                    rec.db
                )));
            }
            let obj = rec.value.into_object(cfg)?;
            match &mut prev {
                Some((db, key)) => {
                    match (*db, key.as_slice()).cmp(&(rec.db, rec.key.as_slice())) {
                        std::cmp::Ordering::Less => {}
                        std::cmp::Ordering::Equal => {
                            return Err(PersistError::invalid("duplicate key"))
                        }
                        std::cmp::Ordering::Greater => {
                            return Err(PersistError::Other(UNSORTED.into()))
                        }
                    }
                    *db = rec.db;
                    key.clear();
                    key.extend_from_slice(&rec.key);
                }
                None => prev = Some((rec.db, rec.key.clone())),
            }
            on_key(rec.db as usize, rec.key, rec.expire, obj)
        },
    );
    match r {
        Ok(info) => Ok(Some(info)),
        Err(PersistError::Other(m)) if m == UNSORTED => Ok(None),
        Err(e) => Err(e),
    }
}

/// Key counts of one database, for the headers written before its keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DbCount {
    /// All keys.
    pub all: u64,
    /// Keys not expired at the time given to [`plan`].
    pub live: u64,
    /// Of those, the keys with a TTL.
    pub live_expires: u64,
}

/// A first pass over the snapshot at `path` (generation `gen`), reading only each KEY
/// record's header (database, key, expiry) after checking its checksum: the key counts
/// per database (`databases` of them; expiry judged at `now`). `None` when the streaming
/// path cannot take this snapshot — its header's generation is not `gen`, a record does not
/// read, a database is out of range, or the keys are not in snapshot order (databases
/// ascending, keys strictly ascending bytewise) — the store path then reads it (and
/// reports any damage).
pub fn plan(path: &Path, gen: u64, databases: usize, now: u64) -> Option<Vec<DbCount>> {
    let m = snapshot::Mapped::open(path).ok()?;
    let buf = m.bytes();
    if frame::parse_header(buf, frame::SNAP_MAGIC).ok()? != gen {
        return None;
    }
    let mut counts = vec![DbCount::default(); databases];
    let mut prev: Option<(usize, &[u8])> = None;
    let mut off = frame::HEADER_LEN;
    loop {
        let (start, end) = match frame::next_record(buf, off) {
            Next::Record { start, end } => (start, end),
            _ => return None,
        };
        let p = &buf[start..end];
        match p.first() {
            Some(&kind::END) => return (end == buf.len()).then_some(counts),
            Some(&kind::KEY) => {
                let (db, key, expire) = key_header(p)?;
                if prev.is_some_and(|pk| pk >= (db, key)) {
                    return None;
                }
                prev = Some((db, key));
                let c = counts.get_mut(db)?;
                c.all += 1;
                if expire.is_none_or(|t| !crate::keyspace::deadline_passed(t, now)) {
                    c.live += 1;
                    c.live_expires += u64::from(expire.is_some());
                }
            }
            _ => {}
        }
        off = end;
    }
}

/// A KEY record's payload header: database, key and expiry, without decoding the value.
pub fn key_header(p: &[u8]) -> Option<(usize, &[u8], Option<u64>)> {
    let mut at = 1;
    let db = usize::try_from(get_varint(p, &mut at)?).ok()?;
    let klen = usize::try_from(get_varint(p, &mut at)?).ok()?;
    let key = p.get(at..at.checked_add(klen)?)?;
    at += klen;
    let expire = match *p.get(at)? {
        0 => None,
        1 => {
            at += 1;
            Some(get_varint(p, &mut at)?)
        }
        _ => return None,
    };
    Some((db, key, expire))
}

/// A varint as `put_varint` writes it, at `*at` (advanced past it).
fn get_varint(p: &[u8], at: &mut usize) -> Option<u64> {
    let tag = *p.get(*at)?;
    *at += 1;
    let mut take = |n: usize| -> Option<u64> {
        let b = p.get(*at..*at + n)?;
        *at += n;
        let mut v = [0u8; 8];
        v[..n].copy_from_slice(b);
        Some(u64::from_le_bytes(v))
    };
    match tag {
        0..=250 => Some(u64::from(tag)),
        251 => take(2),
        252 => take(4),
        253 => take(8),
        _ => None,
    }
}

/// The function libraries seen so far, by name (the order the store path writes them).
pub type Libraries = BTreeMap<String, Vec<u8>>;

/// Reads the snapshot's META record: (rng state, recorded time, keys per database).
pub fn meta(path: &Path) -> Result<SnapMeta, PersistError> {
    let m = snapshot::Mapped::open(path)?;
    let buf = m.bytes();
    if let Next::Record { start, end } = frame::next_record(buf, frame::HEADER_LEN) {
        if let Some((&kind::META, body)) = buf[start..end].split_first() {
            return super::model::decode_body(body).map_err(|e| e.at(path, 0));
        }
    }
    Err(PersistError::Corrupt {
        path: path.to_path_buf(),
        offset: frame::HEADER_LEN as u64,
        reason: "no META record".into(),
    })
}

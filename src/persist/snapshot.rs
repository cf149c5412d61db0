//! Snapshots: writing a keyspace crash-safely and loading it back through a memory map.
//!
//! Write: a temp file in the same directory (tempfile) → header, META, one KEY record per
//! key (databases in order, keys sorted bytewise), END → `sync_all` → rename onto
//! `emu-<gen>.snap` → fsync the directory. The same keyspace, RNG state and recorded time
//! give the same bytes.
//!
//! Read: the file is mapped read-only (memmap2) and never modified while mapped; snapshots
//! are only ever replaced by rename.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::frame::{self, Next};
use super::model::{self, kind, KeyRecord, LibraryRecord, SnapMeta};
use super::{files, PersistError};
use crate::engine::Store;
use crate::keyspace::{Db, Entry};

/// What a snapshot file holds besides the keys.
#[derive(Clone, Debug, Default)]
pub struct SnapInfo {
    /// Generation (from the header).
    pub generation: u64,
    /// The META record.
    pub rng_state: u64,
    /// Time of the last recorded write.
    pub recorded_at_ms: u64,
    /// Keys read.
    pub keys: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// Function libraries (LIBRARY records; none before format version 3), by name.
    pub libraries: BTreeMap<String, Vec<u8>>,
}

/// Writes `dbs` and the function libraries `libs` as snapshot generation `gen` into `dir`
/// crash-safely; returns its size.
pub fn write(
    dir: &Path,
    gen: u64,
    dbs: &[Db],
    libs: &BTreeMap<String, Vec<u8>>,
    rng_state: u64,
    recorded_at_ms: u64,
) -> Result<u64, PersistError> {
    write_with(dir, gen, |w| {
        encode_into(w, gen, dbs, libs, rng_state, recorded_at_ms)
    })
}

/// Writes snapshot generation `gen` into `dir` crash-safely (a temporary file, fsynced,
/// renamed into place, the directory fsynced) with `encode`; returns its size.
pub(crate) fn write_with(
    dir: &Path,
    gen: u64,
    encode: impl FnOnce(&mut BufWriter<&std::fs::File>) -> std::io::Result<u64>,
) -> Result<u64, PersistError> {
    let final_path = files::snapshot_path(dir, gen);
    let io = |what: &str, e: std::io::Error| PersistError::io(what, &final_path, e);
    let tmp = tempfile::Builder::new()
        .prefix(files::TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| io("creating a temporary snapshot in", e))?;
    let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
    let size = encode(&mut w).map_err(|e| io("writing snapshot", e))?;
    w.flush().map_err(|e| io("writing snapshot", e))?;
    drop(w);
    tmp.as_file()
        .sync_all()
        .map_err(|e| io("syncing snapshot", e))?;
    tmp.persist(&final_path)
        .map_err(|e| io("renaming the snapshot to", e.error))?;
    files::sync_dir(dir)?;
    Ok(size)
}

/// Encodes a whole snapshot into `w`; returns the number of bytes written.
pub fn encode_into(
    w: &mut impl Write,
    gen: u64,
    dbs: &[Db],
    libs: &BTreeMap<String, Vec<u8>>,
    rng_state: u64,
    recorded_at_ms: u64,
) -> std::io::Result<u64> {
    let mut out = Records::start(w, gen)?;
    let meta = SnapMeta {
        rng_state,
        recorded_at_ms,
        db_keys: dbs.iter().map(|d| d.len() as u64).collect(),
    };
    model::encode_payload(out.payload(), kind::META, &meta).map_err(std::io::Error::other)?;
    out.emit(w)?;
    for (name, code) in libs {
        let lib = LibraryRecord {
            name: name.as_bytes().to_vec(),
            code: code.clone(),
        };
        model::encode_payload(out.payload(), kind::LIBRARY, &lib).map_err(std::io::Error::other)?;
        out.emit(w)?;
    }
    let mut count = 0u64;
    for (i, db) in dbs.iter().enumerate() {
        let mut keys: Vec<(&[u8], &Entry)> = db.dict.iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, e) in keys {
            model::write_key_payload(out.payload(), i as u32, key, e.expire(), &e.obj);
            if out.payload().len() - frame::RECORD_HEADER_LEN > frame::MAX_PAYLOAD {
                return Err(std::io::Error::other(format!(
                    "key {:?} is larger than the 4 GiB record limit",
                    String::from_utf8_lossy(key)
                )));
            }
            out.emit(w)?;
            count += 1;
        }
    }
    model::encode_payload(out.payload(), kind::END, &count).map_err(std::io::Error::other)?;
    out.emit(w)?;
    Ok(out.total)
}

/// Frames whole-snapshot records into a writer one at a time: [`Records::start`] writes
/// the file header; each payload is encoded into [`Records::payload`] (behind room for the
/// record header) and [`Records::emit`] seals and writes it. Every writer of a whole
/// snapshot goes through it (the store's, and `emu compact`'s streamed one).
pub(crate) struct Records {
    rec: Vec<u8>,
    /// Bytes written so far (file header included).
    pub(crate) total: u64,
}

impl Records {
    /// Writes the header of snapshot generation `gen`.
    pub(crate) fn start(w: &mut dyn Write, gen: u64) -> std::io::Result<Records> {
        let h = frame::header(frame::SNAP_MAGIC, gen);
        w.write_all(&h)?;
        let mut rec = Vec::with_capacity(4096);
        rec.extend_from_slice(&[0u8; frame::RECORD_HEADER_LEN]);
        Ok(Records {
            rec,
            total: h.len() as u64,
        })
    }

    /// The buffer to encode the next record's payload into (after the header's room).
    pub(crate) fn payload(&mut self) -> &mut Vec<u8> {
        &mut self.rec
    }

    /// Seals the record encoded into [`Records::payload`], writes it and starts the next.
    pub(crate) fn emit(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        frame::seal_record(&mut self.rec, 0);
        w.write_all(&self.rec)?;
        self.total += self.rec.len() as u64;
        self.rec.clear();
        self.rec.extend_from_slice(&[0u8; frame::RECORD_HEADER_LEN]);
        Ok(())
    }
}

/// A snapshot assembled key by key, without a keyspace: `emu load` of an RDB file (and
/// `emu pull`) hands each key over as it is parsed, instead of building a store and then
/// writing it. Each key's KEY record is sealed at once into an arena of large chunks (the
/// key's value is dropped right after, so the process never holds the whole keyspace in
/// memory), with a small index entry; [`Builder::write`] sorts the index and writes the
/// records in snapshot order (databases ascending, keys ascending bytewise). The file is
/// byte for byte what [`write()`] gives for the same keyspace.
pub struct Builder {
    chunks: Vec<Vec<u8>>,
    index: Vec<Slot>,
    db_keys: Vec<u64>,
    sorted: bool,
}

/// Where one record lives in the arena.
#[derive(Clone, Copy)]
struct Slot {
    /// The first 16 key bytes, big-endian in two halves (zero-padded): almost every
    /// comparison of the sort ends here (keys such as `user:1234567` differ within 16
    /// bytes), without reaching into the arena; with both keys at most 16 bytes long the
    /// prefix and the length decide.
    prefix: [u64; 2],
    db: u32,
    chunk: u32,
    /// Record start in its chunk.
    start: u32,
    /// Record length (header included).
    len: u32,
    /// Key bytes: offset from the record start, and length.
    key_at: u32,
    key_len: u32,
}

/// Arena chunk size: records are never split (one larger than the room left grows its
/// chunk).
const CHUNK: usize = 4 << 20;

/// A chunk with less room than this left is closed before the next record.
const ROOM: usize = 64 << 10;

impl Builder {
    /// An empty snapshot of `databases` databases.
    pub fn new(databases: usize) -> Builder {
        Builder {
            chunks: Vec::new(),
            index: Vec::new(),
            db_keys: vec![0; databases],
            sorted: false,
        }
    }

    /// Presizes the index for about `keys` keys (an RDB's RESIZEDB hint; never trusted for
    /// more than the input can hold).
    pub fn reserve(&mut self, keys: usize) {
        self.index.reserve(keys);
    }

    /// Keys added so far.
    pub fn len(&self) -> u64 {
        self.index.len() as u64
    }

    /// True when no key was added.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds one key (database `db` must be below the count given to [`Builder::new`]).
    pub fn add(
        &mut self,
        db: usize,
        key: &[u8],
        expire: Option<u64>,
        obj: &crate::keyspace::Object,
    ) -> Result<(), PersistError> {
        let Some(count) = self.db_keys.get_mut(db) else {
            return Err(PersistError::invalid(format!(
                "key in database {db} but the store is configured with {} databases",
                self.db_keys.len()
            )));
        };
        // Encoded in place at the end of the current chunk (no copy), which is replaced
        // when it has less than `ROOM` left; a larger record grows its chunk.
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= ROOM);
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let chunk_no = self.chunks.len() - 1;
        let chunk = &mut self.chunks[chunk_no];
        let start = chunk.len();
        chunk.extend_from_slice(&[0u8; frame::RECORD_HEADER_LEN]);
        let key_at = model::write_key_payload(chunk, db as u32, key, expire, obj) - start;
        let need = chunk.len() - start;
        if need - frame::RECORD_HEADER_LEN > frame::MAX_PAYLOAD
            || need > u32::MAX as usize
            || chunk.len() > u32::MAX as usize
        {
            chunk.truncate(start);
            return Err(PersistError::invalid(format!(
                "key {:?} is larger than the 4 GiB record limit",
                String::from_utf8_lossy(key)
            )));
        }
        frame::seal_record(chunk, start);
        let mut head = [0u8; 16];
        let n = key.len().min(16);
        head[..n].copy_from_slice(&key[..n]);
        let (hi, lo) = head.split_at(8);
        let half = |b: &[u8]| u64::from_be_bytes(b.try_into().unwrap_or([0; 8]));
        self.index.push(Slot {
            prefix: [half(hi), half(lo)],
            db: db as u32,
            chunk: chunk_no as u32,
            start: start as u32,
            len: need as u32,
            key_at: key_at as u32,
            key_len: key.len() as u32,
        });
        *count += 1;
        self.sorted = false;
        Ok(())
    }

    /// Snapshot order: database, then key bytewise.
    fn order(&self, a: &Slot, b: &Slot) -> std::cmp::Ordering {
        a.db.cmp(&b.db).then(a.prefix.cmp(&b.prefix)).then_with(|| {
            if a.key_len <= 16 && b.key_len <= 16 {
                // Equal zero-padded prefixes: the shorter key is a prefix of the longer
                // one ("a" < "a\0").
                a.key_len.cmp(&b.key_len)
            } else {
                self.key_of(a).cmp(self.key_of(b))
            }
        })
    }

    fn key_of(&self, s: &Slot) -> &[u8] {
        let at = (s.start + s.key_at) as usize;
        &self.chunks[s.chunk as usize][at..at + s.key_len as usize]
    }

    fn record_of(&self, s: &Slot) -> &[u8] {
        &self.chunks[s.chunk as usize][s.start as usize..(s.start + s.len) as usize]
    }

    /// Puts the keys in snapshot order (once; [`Builder::write`] does it if not done). A
    /// key added twice to one database is an error: `(db, key)`.
    pub fn finish(&mut self) -> Result<(), (usize, Vec<u8>)> {
        if self.sorted {
            return Ok(());
        }
        let mut index = std::mem::take(&mut self.index);
        index.sort_unstable_by(|a, b| self.order(a, b));
        let dup = index
            .windows(2)
            .find(|w| self.order(&w[0], &w[1]) == std::cmp::Ordering::Equal)
            .map(|w| (w[0].db as usize, self.key_of(&w[0]).to_vec()));
        self.index = index;
        match dup {
            Some(d) => Err(d),
            None => {
                self.sorted = true;
                Ok(())
            }
        }
    }

    /// Writes the snapshot as generation `gen` into `dir` crash-safely (as [`write()`]);
    /// returns its size.
    pub fn write(
        mut self,
        dir: &Path,
        gen: u64,
        libs: &BTreeMap<String, Vec<u8>>,
        rng_state: u64,
        recorded_at_ms: u64,
    ) -> Result<u64, PersistError> {
        self.finish().map_err(|(db, key)| {
            PersistError::invalid(format!(
                "duplicated key '{}' in DB {db}",
                String::from_utf8_lossy(&key)
            ))
        })?;
        write_with(dir, gen, |w| {
            self.encode_into(w, gen, libs, rng_state, recorded_at_ms)
        })
    }

    /// Header, META, LIBRARY records, the keys in index order, END.
    fn encode_into(
        &self,
        w: &mut impl Write,
        gen: u64,
        libs: &BTreeMap<String, Vec<u8>>,
        rng_state: u64,
        recorded_at_ms: u64,
    ) -> std::io::Result<u64> {
        let mut total = 0u64;
        let h = frame::header(frame::SNAP_MAGIC, gen);
        w.write_all(&h)?;
        total += h.len() as u64;
        let mut rec = Vec::with_capacity(4096);
        let mut emit = |w: &mut dyn Write, body: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
            rec.clear();
            rec.extend_from_slice(&[0u8; frame::RECORD_HEADER_LEN]);
            body(&mut rec)?;
            frame::seal_record(&mut rec, 0);
            w.write_all(&rec)?;
            std::io::Result::Ok(rec.len() as u64)
        };
        let meta = SnapMeta {
            rng_state,
            recorded_at_ms,
            db_keys: self.db_keys.clone(),
        };
        total += emit(w, &|r| {
            model::encode_payload(r, kind::META, &meta).map_err(std::io::Error::other)
        })?;
        for (name, code) in libs {
            let lib = LibraryRecord {
                name: name.as_bytes().to_vec(),
                code: code.clone(),
            };
            total += emit(w, &|r| {
                model::encode_payload(r, kind::LIBRARY, &lib).map_err(std::io::Error::other)
            })?;
        }
        for s in &self.index {
            let r = self.record_of(s);
            w.write_all(r)?;
            total += r.len() as u64;
        }
        let count = self.index.len() as u64;
        total += emit(w, &|r| {
            model::encode_payload(r, kind::END, &count).map_err(std::io::Error::other)
        })?;
        Ok(total)
    }
}

/// A read-only view of a snapshot file's bytes.
pub struct Mapped {
    map: Option<memmap2::Mmap>,
}

impl Mapped {
    /// Maps `path` read-only.
    pub fn open(path: &Path) -> Result<Mapped, PersistError> {
        let f = File::open(path).map_err(|e| PersistError::io("opening", path, e))?;
        let len = f
            .metadata()
            .map_err(|e| PersistError::io("reading metadata of", path, e))?
            .len();
        // The crate's one unsafe block (`#![deny(unsafe_code)]` in lib.rs).
        #[allow(unsafe_code)]
        let map = if len == 0 {
            None
        } else {
            // SAFETY: snapshot files are never modified after their rename into place (they
            // are replaced by rename, and the directory is locked against other emu
            // processes), so the mapping cannot change under us.
            Some(
                unsafe { memmap2::Mmap::map(&f) }
                    .map_err(|e| PersistError::io("mapping", path, e))?,
            )
        };
        Ok(Mapped { map })
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}

/// Visits every record of a snapshot: META first (through `on_meta`), then each key.
/// Any damage is an error naming the file and the byte offset, and so is an
/// [`PersistError::Invalid`] from a callback; other callback errors are returned as they are.
pub fn read(
    path: &Path,
    on_meta: impl FnMut(&SnapMeta) -> Result<(), PersistError>,
    on_key: impl FnMut(KeyRecord) -> Result<(), PersistError>,
) -> Result<SnapInfo, PersistError> {
    read_with(path, on_meta, |_, _| {}, on_key)
}

/// [`read`], also handing each function library (name, code) to `on_library` as it is read
/// (all of them come before the first key).
pub fn read_with(
    path: &Path,
    mut on_meta: impl FnMut(&SnapMeta) -> Result<(), PersistError>,
    mut on_library: impl FnMut(&str, &[u8]),
    mut on_key: impl FnMut(KeyRecord) -> Result<(), PersistError>,
) -> Result<SnapInfo, PersistError> {
    let m = Mapped::open(path)?;
    let buf = m.bytes();
    let corrupt = |off: usize, why: String| PersistError::Corrupt {
        path: path.to_path_buf(),
        offset: off as u64,
        reason: why,
    };
    let generation =
        frame::parse_header(buf, frame::SNAP_MAGIC).map_err(|e| corrupt(0, e.to_string()))?;
    let mut info = SnapInfo {
        generation,
        bytes: buf.len() as u64,
        ..SnapInfo::default()
    };
    let mut off = frame::HEADER_LEN;
    let mut seen_meta = false;
    loop {
        let (start, end) = match frame::next_record(buf, off) {
            Next::Record { start, end } => (start, end),
            Next::End => return Err(corrupt(off, "snapshot ends without its END record".into())),
            Next::Torn(why) | Next::Corrupt(why) => return Err(corrupt(off, why.into())),
        };
        let payload = &buf[start..end];
        let at = off as u64;
        let (k, body) = match payload.split_first() {
            Some((k, b)) => (*k, b),
            None => return Err(corrupt(off, "empty record".into())),
        };
        match k {
            kind::META if !seen_meta => {
                let meta: SnapMeta = model::decode_body(body).map_err(|e| e.at(path, at))?;
                info.rng_state = meta.rng_state;
                info.recorded_at_ms = meta.recorded_at_ms;
                on_meta(&meta).map_err(|e| e.at(path, at))?;
                seen_meta = true;
            }
            kind::LIBRARY if seen_meta && info.keys == 0 => {
                let lib: LibraryRecord = model::decode_body(body).map_err(|e| e.at(path, at))?;
                let name = String::from_utf8(lib.name)
                    .map_err(|_| corrupt(off, "library name is not UTF-8".into()))?;
                on_library(&name, &lib.code);
                if info.libraries.insert(name, lib.code).is_some() {
                    return Err(corrupt(off, "duplicate library".into()));
                }
            }
            kind::KEY if seen_meta => {
                let rec: KeyRecord = model::decode_body(body).map_err(|e| e.at(path, at))?;
                on_key(rec).map_err(|e| e.at(path, at))?;
                info.keys += 1;
            }
            kind::END if seen_meta => {
                let n: u64 = model::decode_body(body).map_err(|e| e.at(path, at))?;
                if n != info.keys {
                    return Err(corrupt(
                        off,
                        format!("END record counts {n} keys but {} were read", info.keys),
                    ));
                }
                if end != buf.len() {
                    return Err(corrupt(end, "data after the END record".into()));
                }
                return Ok(info);
            }
            _ => {
                return Err(corrupt(
                    off,
                    format!("unexpected record kind 0x{k:02x} at this position"),
                ))
            }
        }
        off = end;
    }
}

/// Loads a snapshot into `store` (whose databases must be empty). Keys go in with their
/// expiry; the RNG state is restored.
pub fn load(path: &Path, store: &mut Store) -> Result<SnapInfo, PersistError> {
    let ndb = store.dbs.len();
    let cfg = store.config.clone();
    // The key counts in META presize the tables, but a file can claim any count: never
    // reserve more entries than the file has bytes for (a record takes well over 8 bytes).
    let max_keys = std::fs::metadata(path).map(|m| m.len() / 8).unwrap_or(0);
    let dbs = std::cell::RefCell::new(std::mem::take(&mut store.dbs));
    let res = read(
        path,
        |meta| {
            let mut dbs = dbs.borrow_mut();
            for (i, n) in meta.db_keys.iter().enumerate() {
                if *n > 0 && i >= ndb {
                    return Err(PersistError::invalid(format!(
                        "the snapshot has keys in database {i} but the store is configured \
                         with {ndb} databases"
                    )));
                }
                if let Some(db) = dbs.get_mut(i) {
                    if db.is_empty() {
                        let n = (*n).min(max_keys);
                        db.dict = crate::util::Dict::with_capacity(usize::try_from(n).unwrap_or(0));
                    }
                }
            }
            Ok(())
        },
        |rec| {
            let mut dbs = dbs.borrow_mut();
            let db = dbs.get_mut(rec.db as usize).ok_or_else(|| {
                PersistError::invalid(format!(
                    "key in database {} but the store is configured with {ndb} databases",
                    rec.db
                ))
            })?;
            let obj = rec.value.into_object(&cfg)?;
            if let Some(at) = rec.expire {
                db.index_expire(at, &rec.key);
            }
            // Like an RDB load, strings get their encoding from their bytes again.
            let previous = db.dict.insert(rec.key, Entry::new(obj, rec.expire));
            // The store is discarded on error, so detecting the duplicate after the insert
            // (one hash lookup instead of two) is enough.
            match previous {
                None => Ok(()),
                Some(_) => Err(PersistError::invalid("duplicate key")),
            }
        },
    );
    store.dbs = dbs.into_inner();
    let lru = store.new_key_lru(store.clock.now_ms());
    for db in &mut store.dbs {
        db.recount(lru);
    }
    let info = res?;
    store.rng = crate::keyspace::Rng::new(info.rng_state);
    store.libraries.set_all(info.libraries.clone());
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::{execute, Session};

    #[test]
    fn builder_writes_what_write_writes() {
        let mut store = Store::new(Config::default(), crate::keyspace::Clock::System, 7);
        let mut session = Session::default();
        for line in [
            "SET b 1",
            "SET a 2",
            "RPUSH l x y z",
            "HSET h f v g w",
            "SADD s 3 1 2",
            "ZADD z 1 m 2 n",
            "PEXPIREAT a 4102444800000",
            "SELECT 5",
            "SET a other-db",
            "SET aa x",
        ] {
            let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
            execute(&mut store, &mut session, &argv).expect("runs");
        }
        let libs = BTreeMap::from([("lib".to_string(), b"#!lua name=lib\n".to_vec())]);
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        write(&a, 3, &store.dbs, &libs, 99, 0).expect("write");
        // Keys added in table (arbitrary) order, databases last to first.
        let mut snap = Builder::new(store.dbs.len());
        for (i, db) in store.dbs.iter().enumerate().rev() {
            for (key, e) in db.dict.iter() {
                snap.add(i, key, e.expire(), &e.obj).expect("add");
            }
        }
        assert_eq!(snap.len(), 8);
        snap.write(&b, 3, &libs, 99, 0).expect("builder write");
        let name = files::snapshot_path(Path::new(""), 3);
        let read = |d: &Path| std::fs::read(d.join(&name)).expect("snapshot");
        assert_eq!(read(&a), read(&b));
        // The same key twice in one database is refused; in two databases it is fine.
        let o = crate::keyspace::Object::string(b"v".to_vec());
        let mut snap = Builder::new(16);
        snap.add(0, b"k", None, &o).unwrap();
        snap.add(1, b"k", None, &o).unwrap();
        assert!(snap.finish().is_ok());
        snap.add(1, b"k", Some(5), &o).unwrap();
        assert_eq!(snap.finish(), Err((1, b"k".to_vec())));
        assert!(snap.add(16, b"k", None, &o).is_err());
    }

    /// Keys around the 16-byte prefix: zero bytes, equal prefixes of different lengths,
    /// long keys sharing their first 16 bytes, in random order: the builder's order is the
    /// bytewise order, and a duplicate among them is found.
    #[test]
    fn builder_orders_keys_bytewise() {
        let mut keys: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"\0".to_vec(),
            b"a".to_vec(),
            b"a\0".to_vec(),
            b"a\0\0".to_vec(),
            b"ab".to_vec(),
            b"\xff".to_vec(),
        ];
        let base = b"0123456789abcdef".to_vec();
        for tail in [&b""[..], b"\0", b"\0\0", b"x", b"xy", b"\xff"] {
            let mut k = base.clone();
            k.extend_from_slice(tail);
            keys.push(k.clone());
            keys.push(k[..15].to_vec());
            let mut z = k[..15].to_vec();
            z.push(0);
            z.extend_from_slice(tail);
            keys.push(z);
        }
        keys.sort();
        keys.dedup();
        let mut shuffled = keys.clone();
        let mut rng = crate::keyspace::Rng::new(3);
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let o = crate::keyspace::Object::string(b"v".to_vec());
        let mut snap = Builder::new(1);
        for k in &shuffled {
            snap.add(0, k, None, &o).unwrap();
        }
        assert!(snap.finish().is_ok());
        let got: Vec<Vec<u8>> = snap.index.iter().map(|s| snap.key_of(s).to_vec()).collect();
        assert_eq!(got, keys);
        for k in &keys {
            let mut snap = Builder::new(1);
            for x in &shuffled {
                snap.add(0, x, None, &o).unwrap();
            }
            snap.add(0, k, None, &o).unwrap();
            assert_eq!(snap.finish(), Err((0, k.clone())));
        }
    }
}

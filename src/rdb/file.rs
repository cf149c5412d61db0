//! Whole RDB files (Redis `rdbSaveRio` / `rdbLoadRio`).
//!
//! # Format
//!
//! ```text
//! "REDIS" version:4 ASCII digits ("0010")
//! (0xFA AUX key:string value:string)*            redis-ver, redis-bits, ctime, used-mem, aof-base
//! (0xF5 FUNCTION2 code:string)*                  function libraries (read as Item::Function)
//! per non-empty database:
//!   0xFE SELECTDB db:len  0xFB RESIZEDB keys:len keys-with-expiry:len
//!   per key: [0xFC EXPIRETIME_MS u64 LE | 0xFD EXPIRETIME u32 LE seconds]
//!            [0xF8 IDLE seconds:len | 0xF9 FREQ u8] type:u8 key:string value
//! 0xFF EOF  CRC64:u64 LE over everything before it (0 = not computed; from version 5)
//! ```
//!
//! The reader accepts versions 1 to 10 (all Redis 7.0 loads). Module values, module AUX
//! data and pre-release function records are refused with an error naming their offset.

use std::io::{self, Write};

use super::codec::{crc64, write_int_string, write_len, write_string, RdbError, Reader};
use super::value::{read_object, type_byte, write_value};
use super::{kind, opcode, RDB_VERSION};
use crate::config::Config;
use crate::keyspace::{memory, Entry, Object};

/// One record of an RDB file, handed to the reader's callback in file order.
#[allow(clippy::large_enum_variant)] // one item at a time, never stored in bulk
#[derive(Debug)]
pub enum Item {
    /// An AUX field (`redis-ver`, `ctime`, …).
    Aux(Vec<u8>, Vec<u8>),
    /// A function library's source (`FUNCTION2`), for FUNCTION RESTORE-like loading.
    Function(Vec<u8>),
    /// `RESIZEDB`: how many keys (and keys with a TTL) the database about to be read holds.
    ResizeDb {
        /// Database index.
        db: u64,
        /// Keys.
        keys: u64,
        /// Keys with a TTL.
        expires: u64,
    },
    /// A key with its value.
    Key {
        /// Database index.
        db: u64,
        /// The key.
        key: Vec<u8>,
        /// The value (never an empty aggregate: those are skipped, as Redis does).
        obj: Object,
        /// Absolute expiry in Unix ms.
        expire: Option<u64>,
        /// `IDLE` (seconds), when the file carried LRU data.
        idle: Option<u64>,
        /// `FREQ`, when the file carried LFU data.
        freq: Option<u8>,
    },
}

/// What the reader saw besides the items.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// The file's RDB version.
    pub version: u32,
    /// Number of keys read.
    pub keys: u64,
    /// True when the file carried a (checked) CRC64.
    pub checksummed: bool,
}

/// Reads an RDB file from `data`, calling `on_item` for every record. `progress` is told
/// the offset reached after each key. Errors name the offset of the offending byte.
pub fn read(
    data: &[u8],
    cfg: &Config,
    mut on_item: impl FnMut(Item) -> Result<(), RdbError>,
    mut progress: impl FnMut(usize),
) -> Result<Summary, RdbError> {
    if data.len() < 9 || &data[..5] != b"REDIS" {
        return Err(RdbError {
            offset: 0,
            msg: "not an RDB file (no REDIS magic)".into(),
        });
    }
    let version: u32 = std::str::from_utf8(&data[5..9])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(RdbError {
            offset: 5,
            msg: "bad RDB version".into(),
        })?;
    if !(1..=RDB_VERSION as u32).contains(&version) {
        return Err(RdbError {
            offset: 5,
            msg: format!("Can't handle RDB format version {version}"),
        });
    }
    let mut r = Reader::nested(&data[9..], 9);
    let mut summary = Summary {
        version,
        ..Summary::default()
    };
    let mut db = 0u64;
    let (mut expire, mut idle, mut freq) = (None, None, None);
    loop {
        let at = r.offset();
        let ty = r.u8()?;
        match ty {
            opcode::EXPIRETIME_MS => {
                expire = Some(r.u64_le()?);
                continue;
            }
            opcode::EXPIRETIME => {
                expire = Some(u64::from(r.u32_le()?) * 1000);
                continue;
            }
            opcode::FREQ => {
                freq = Some(r.u8()?);
                continue;
            }
            opcode::IDLE => {
                idle = Some(r.len()?);
                continue;
            }
            opcode::EOF => break,
            opcode::SELECTDB => {
                db = r.len()?;
                if db >= cfg.databases as u64 {
                    return Err(RdbError {
                        offset: at,
                        msg: format!(
                            "database {db} out of range (the configuration has {})",
                            cfg.databases
                        ),
                    });
                }
                continue;
            }
            opcode::RESIZEDB => {
                let keys = r.len()?;
                let expires = r.len()?;
                on_item(Item::ResizeDb { db, keys, expires })?;
                continue;
            }
            opcode::AUX => {
                let k = r.string()?;
                let v = r.string()?;
                on_item(Item::Aux(k, v))?;
                continue;
            }
            opcode::MODULE_AUX => {
                return Err(RdbError {
                    offset: at,
                    msg: "module auxiliary data is not supported".into(),
                })
            }
            opcode::FUNCTION => {
                return Err(RdbError {
                    offset: at,
                    msg: "Pre-release function format not supported".into(),
                })
            }
            opcode::FUNCTION2 => {
                let code = r.string()?;
                on_item(Item::Function(code))?;
                continue;
            }
            kind::MODULE | kind::MODULE_2 => {
                return Err(RdbError {
                    offset: at,
                    msg: "module values are not supported".into(),
                })
            }
            t if t <= kind::STREAM_LISTPACKS_2 && ![8].contains(&t) => {}
            t => {
                return Err(RdbError {
                    offset: at,
                    msg: format!("unknown RDB opcode or value type {t}"),
                })
            }
        }
        let key = r.string()?;
        let obj = read_object(&mut r, ty, cfg, true)?;
        if let Some(obj) = obj {
            summary.keys += 1;
            on_item(Item::Key {
                db,
                key,
                obj,
                expire: expire.take(),
                idle: idle.take(),
                freq: freq.take(),
            })?;
        }
        expire = None;
        idle = None;
        freq = None;
        progress(r.offset());
    }
    if version >= 5 {
        let at = r.offset();
        let stored = r.u64_le()?;
        if stored != 0 {
            let computed = crc64(0, &data[..at]);
            if computed != stored {
                return Err(RdbError {
                    offset: at,
                    msg: format!("Wrong RDB checksum expected: ({stored:x}) got: ({computed:x})"),
                });
            }
            summary.checksummed = true;
        }
    }
    if !r.is_empty() {
        return Err(r.err("trailing bytes after the end of the RDB file"));
    }
    progress(data.len());
    Ok(summary)
}

/// Writes an RDB file through `out`, keeping the running CRC64.
pub struct Writer<W: Write> {
    out: W,
    crc: u64,
    buf: Vec<u8>,
    checksum: bool,
    /// The time the file is written at (Unix ms): keys' idle times are taken against it.
    now_ms: u64,
    /// Bytes written so far.
    pub written: u64,
}

impl<W: Write> Writer<W> {
    /// Starts a file: magic, version and AUX fields as Redis 7.0 writes them (`ctime` =
    /// `now_ms / 1000`), plus `emu-ver`.
    pub fn new(out: W, now_ms: u64, checksum: bool) -> io::Result<Writer<W>> {
        Writer::with_repl_info(out, now_ms, checksum, None)
    }

    /// [`Writer::new`] for a replication transfer: with `repl` (the replication id and
    /// the offset the replica starts at), the AUX fields `repl-stream-db` (0: emu's stream
    /// selects again after a full resync), `repl-id` and `repl-offset` follow `used-mem`,
    /// as Redis's `rdbSaveInfoAuxFields` writes them with a `rdbSaveInfo`.
    pub fn with_repl_info(
        out: W,
        now_ms: u64,
        checksum: bool,
        repl: Option<(&str, u64)>,
    ) -> io::Result<Writer<W>> {
        let mut w = Writer {
            out,
            crc: 0,
            buf: Vec::with_capacity(1 << 16),
            checksum,
            now_ms,
            written: 0,
        };
        w.buf
            .extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
        let aux_str = |b: &mut Vec<u8>, k: &str, v: &[u8]| {
            b.push(opcode::AUX);
            write_string(b, k.as_bytes(), false);
            write_string(b, v, false);
        };
        let aux_int = |b: &mut Vec<u8>, k: &str, v: i64| {
            b.push(opcode::AUX);
            write_string(b, k.as_bytes(), false);
            write_int_string(b, v);
        };
        aux_str(&mut w.buf, "redis-ver", b"7.0.15");
        aux_int(&mut w.buf, "redis-bits", 64);
        aux_int(&mut w.buf, "ctime", (now_ms / 1000) as i64);
        aux_int(&mut w.buf, "used-mem", 0);
        if let Some((id, offset)) = repl {
            aux_int(&mut w.buf, "repl-stream-db", 0);
            aux_str(&mut w.buf, "repl-id", id.as_bytes());
            aux_int(&mut w.buf, "repl-offset", offset as i64);
        }
        aux_int(&mut w.buf, "aof-base", 0);
        aux_str(&mut w.buf, "emu-ver", env!("CARGO_PKG_VERSION").as_bytes());
        w.flush_buf()?;
        Ok(w)
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if self.checksum {
            self.crc = crc64(self.crc, &self.buf);
        }
        self.out.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Writes one function library (`rdbSaveFunctions`: opcode FUNCTION2 and the library's
    /// code as a string); Redis writes them after the AUX fields, before the databases.
    pub fn function(&mut self, code: &[u8], compress: bool) -> io::Result<()> {
        self.buf.push(opcode::FUNCTION2);
        write_string(&mut self.buf, code, compress);
        if self.buf.len() >= 1 << 16 {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Starts database `db` holding `keys` keys of which `expires` have a TTL.
    pub fn select_db(&mut self, db: usize, keys: usize, expires: usize) -> io::Result<()> {
        self.buf.push(opcode::SELECTDB);
        write_len(&mut self.buf, db as u64);
        self.buf.push(opcode::RESIZEDB);
        write_len(&mut self.buf, keys as u64);
        write_len(&mut self.buf, expires as u64);
        Ok(())
    }

    /// Writes one key (`rdbSaveKeyValuePair`): its expiry, then, as Redis does under an LRU
    /// or LFU `maxmemory-policy`, its idle time in seconds (`IDLE`) or its decayed LFU
    /// counter (`FREQ`), then type, key and value.
    pub fn key(&mut self, key: &[u8], e: &Entry, cfg: &Config) -> io::Result<()> {
        if let Some(at) = e.expire() {
            self.buf.push(opcode::EXPIRETIME_MS);
            self.buf.extend_from_slice(&at.to_le_bytes());
        }
        if cfg.maxmemory_policy.is_lru() {
            self.buf.push(opcode::IDLE);
            write_len(&mut self.buf, memory::idle_ms(e.lru(), self.now_ms) / 1000);
        } else if cfg.maxmemory_policy.is_lfu() {
            self.buf.push(opcode::FREQ);
            self.buf.push(memory::lfu_decr_and_return(
                e.lru(),
                self.now_ms,
                cfg.lfu_decay_time,
            ));
        }
        self.buf.push(type_byte(&e.obj, cfg));
        write_string(&mut self.buf, key, cfg.rdbcompression);
        write_value(&mut self.buf, &e.obj, cfg);
        if self.buf.len() >= 1 << 16 {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Ends the file (EOF opcode and CRC64) and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.push(opcode::EOF);
        self.flush_buf()?;
        let crc = if self.checksum { self.crc } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.written += 8;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_6_file_with_second_expiry_loads() {
        let mut f = b"REDIS0006".to_vec();
        f.push(opcode::SELECTDB);
        f.push(2);
        f.push(opcode::EXPIRETIME);
        f.extend_from_slice(&4_000_000_000u32.to_le_bytes());
        f.push(kind::STRING);
        write_string(&mut f, b"k", false);
        write_string(&mut f, b"v", false);
        f.push(opcode::EOF);
        f.extend_from_slice(&[0; 8]); // no checksum
        let mut got = Vec::new();
        let cfg = Config::default();
        let s = read(
            &f,
            &cfg,
            |i| {
                got.push(i);
                Ok(())
            },
            |_| {},
        )
        .expect("loads");
        assert_eq!((s.version, s.keys, s.checksummed), (6, 1, false));
        assert!(matches!(
            &got[0],
            Item::Key {
                db: 2,
                expire: Some(4_000_000_000_000),
                ..
            }
        ));
        // Unknown opcodes and module types name their offset.
        let mut bad = f.clone();
        bad[9] = 200;
        let e = read(&bad, &cfg, |_| Ok(()), |_| {}).expect_err("refused");
        assert_eq!(e.offset, 9);
        bad[9] = kind::MODULE_2;
        let e = read(&bad, &cfg, |_| Ok(()), |_| {}).expect_err("refused");
        assert!(e.to_string().contains("module") && e.offset == 9, "{e}");
        assert!(read(b"REDIS0011", &cfg, |_| Ok(()), |_| {}).is_err());
    }

    /// Under an LRU policy each key carries `IDLE` (seconds), under an LFU policy `FREQ`
    /// (the decayed counter), under the others neither — as Redis's `rdbSaveKeyValuePair`;
    /// the reader hands both back.
    #[test]
    fn lru_and_lfu_data_follow_the_policy() {
        use crate::config::MaxmemoryPolicy;
        let now = 1_700_000_000_000u64;
        let mut e = Entry::new(Object::Str(b"v".to_vec().into()), None);
        for (policy, want_idle, want_freq) in [
            (MaxmemoryPolicy::AllkeysLru, Some(100), None),
            (MaxmemoryPolicy::VolatileLru, Some(100), None),
            (MaxmemoryPolicy::AllkeysLfu, None, Some(7u8)),
            (MaxmemoryPolicy::VolatileLfu, None, Some(7u8)),
            (MaxmemoryPolicy::Noeviction, None, None),
        ] {
            let cfg = Config {
                maxmemory_policy: policy,
                ..Config::default()
            };
            if policy.is_lfu() {
                e.set_lru((memory::lfu_minutes(now) << 8) | 7);
            } else {
                e.set_lru(memory::lru_clock(now - 100_000));
            }
            let mut w = Writer::new(Vec::new(), now, true).expect("header");
            w.select_db(0, 1, 0).expect("db");
            w.key(b"k", &e, &cfg).expect("key");
            let file = w.finish().expect("file");
            let mut got = None;
            read(
                &file,
                &cfg,
                |i| {
                    if let Item::Key { idle, freq, .. } = i {
                        got = Some((idle, freq));
                    }
                    Ok(())
                },
                |_| {},
            )
            .expect("reads back");
            assert_eq!(got, Some((want_idle, want_freq)), "{policy:?}");
        }
    }
}

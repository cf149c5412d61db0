//! The neutral on-disk model (FORMAT.md §4–§5): what snapshot and log payloads contain,
//! encoded with bincode 2 (`config::standard()`: little-endian, variable-length integers).
//!
//! On-disk type tags are constants here, independent of the in-memory [`Object`] enum, so
//! the representation of a type can change without changing the format (Redis `rdb.h`:
//! "RDB types must be fixed because we store them on disk").
//!
//! Collections are written in a canonical order so the same keyspace always gives the same
//! bytes: lists in list order, hashes in listpack (insertion) order while Redis would keep
//! them as a listpack (that order is observable and Redis's RDB keeps it) and sorted by
//! field otherwise, sets sorted bytewise, sorted sets by (score, member).
//!
//! Decoding runs with the payload length as context and rejects any length prefix larger
//! than the payload, so a damaged record can never trigger a huge allocation or a panic.

use bincode::de::{Decode, Decoder};
use bincode::enc::{Encode, Encoder};
use bincode::error::{DecodeError, EncodeError};

use super::PersistError;
use crate::config::Config;
use crate::engine::Effect;
use crate::keyspace::Object;
use crate::types::set::{Member, Set};
use crate::types::stream::{node::RawNode, Consumer, Group, Nack, Stream, StreamId};
use crate::types::{hash::Hash, list::List, zset::ZSet};

/// bincode configuration of every payload.
pub fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Payload kind bytes (first byte of every payload).
pub mod kind {
    /// Snapshot metadata (first record of a snapshot).
    pub const META: u8 = 0x01;
    /// One key of a snapshot.
    pub const KEY: u8 = 0x02;
    /// End of a snapshot (last record).
    pub const END: u8 = 0x03;
    /// A function library (format version 3): after META, before the first KEY.
    pub const LIBRARY: u8 = 0x04;
    /// A log batch: the effects of one front-end call.
    pub const BATCH: u8 = 0x10;
}

/// On-disk value type tags.
pub mod tag {
    /// String.
    pub const STRING: u8 = 0;
    /// List.
    pub const LIST: u8 = 1;
    /// Hash.
    pub const HASH: u8 = 2;
    /// Set.
    pub const SET: u8 = 3;
    /// Sorted set.
    pub const ZSET: u8 = 4;
    /// Stream (format version 2).
    pub const STREAM: u8 = 5;
}

// ---------------------------------------------------------------------------------------
// Bounded decoding helpers (context = payload length)

fn dec_len<D: Decoder<Context = usize>>(d: &mut D) -> Result<usize, DecodeError> {
    let n = u64::decode(d)?;
    if n > *d.context() as u64 {
        return Err(DecodeError::Other("length prefix larger than the record"));
    }
    Ok(n as usize)
}

fn dec_bytes<D: Decoder<Context = usize>>(d: &mut D) -> Result<Vec<u8>, DecodeError> {
    use bincode::de::read::Reader;
    let n = dec_len(d)?;
    let mut v = vec![0u8; n];
    d.reader().read(&mut v)?;
    Ok(v)
}

fn enc_bytes<E: Encoder>(e: &mut E, b: &[u8]) -> Result<(), EncodeError> {
    b.encode(e)
}

// ---------------------------------------------------------------------------------------
// Values

/// A value in the neutral model, owned (what decoding produces).
#[derive(Clone, Debug, PartialEq)]
pub enum DiskValue {
    /// String bytes.
    Str(Vec<u8>),
    /// List elements, head first.
    List(Vec<Vec<u8>>),
    /// Hash (field, value) pairs.
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    /// Set members.
    Set(Vec<Vec<u8>>),
    /// Sorted-set (member, score) pairs.
    ZSet(Vec<(Vec<u8>, f64)>),
    /// Stream: nodes, metadata, groups.
    Stream(Box<DiskStream>),
}

/// A stream in the neutral model (FORMAT.md §5, tag 5).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DiskStream {
    /// Last generated ID.
    pub last_id: StreamId,
    /// First live entry's ID (0-0 when empty).
    pub first_id: StreamId,
    /// Largest deleted ID.
    pub max_deleted_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    /// Nodes in ID order, deleted entries included (they decide node boundaries).
    pub nodes: Vec<RawNode>,
    /// Groups by name (ascending bytewise).
    pub groups: Vec<DiskGroup>,
}

/// A consumer group in the neutral model.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DiskGroup {
    /// Name.
    pub name: Vec<u8>,
    /// Last delivered ID.
    pub last_id: StreamId,
    /// `entries-read`, None when unknown.
    pub entries_read: Option<u64>,
    /// Consumers (name, seen-time ms), ascending by name.
    pub consumers: Vec<(Vec<u8>, u64)>,
    /// Pending entries (ID, delivery time ms, delivery count, consumer), ascending by ID.
    pub pel: Vec<(StreamId, u64, u64, Vec<u8>)>,
}

impl DiskStream {
    /// The neutral view of `s`.
    pub fn of(s: &Stream) -> DiskStream {
        DiskStream {
            last_id: s.last_id,
            first_id: s.first_id,
            max_deleted_id: s.max_deleted_id,
            entries_added: s.entries_added,
            nodes: s.raw_nodes(),
            groups: s
                .groups
                .iter()
                .map(|(name, g)| DiskGroup {
                    name: name.clone(),
                    last_id: g.last_id,
                    entries_read: g.entries_read,
                    consumers: g
                        .consumers
                        .iter()
                        .map(|(n, c)| (n.clone(), c.seen_time))
                        .collect(),
                    pel: g
                        .pel
                        .iter()
                        .map(|(id, n)| (*id, n.delivery_time, n.delivery_count, n.consumer.clone()))
                        .collect(),
                })
                .collect(),
        }
    }

    /// The in-memory stream; errors on IDs out of order, a pending entry of an unknown
    /// consumer, or duplicate names.
    pub fn into_stream(self) -> Result<Stream, PersistError> {
        let mut prev: Option<StreamId> = None;
        for n in &self.nodes {
            if n.entries.is_empty() {
                return Err(PersistError::invalid("empty stream node"));
            }
            if n.entries[0].0 < n.master {
                return Err(PersistError::invalid(
                    "stream entry before its node's master ID",
                ));
            }
            for (id, _, pairs) in &n.entries {
                if prev.is_some_and(|p| p >= *id) {
                    return Err(PersistError::invalid("stream IDs out of order"));
                }
                if pairs.len() % 2 != 0 || pairs.is_empty() {
                    return Err(PersistError::invalid(
                        "stream entry without field/value pairs",
                    ));
                }
                prev = Some(*id);
            }
        }
        if prev.is_some_and(|p| p > self.last_id) {
            return Err(PersistError::invalid(
                "stream entry after the last generated ID",
            ));
        }
        let mut s = Stream::new();
        s.length = s.set_raw_nodes(self.nodes);
        s.last_id = self.last_id;
        s.first_id = self.first_id;
        s.max_deleted_id = self.max_deleted_id;
        s.entries_added = self.entries_added;
        for g in self.groups {
            let mut group = Group {
                last_id: g.last_id,
                entries_read: g.entries_read,
                ..Group::default()
            };
            for (name, seen) in g.consumers {
                let c = Consumer {
                    seen_time: seen,
                    pel: Default::default(),
                };
                if group.consumers.insert(name, c).is_some() {
                    return Err(PersistError::invalid("duplicate consumer in a group"));
                }
            }
            for (id, time, count, consumer) in g.pel {
                let Some(c) = group.consumers.get_mut(&consumer) else {
                    return Err(PersistError::invalid(
                        "pending entry of an unknown consumer",
                    ));
                };
                c.pel.insert(id);
                let nack = Nack {
                    delivery_time: time,
                    delivery_count: count,
                    consumer,
                };
                if group.pel.insert(id, nack).is_some() {
                    return Err(PersistError::invalid("duplicate pending entry"));
                }
            }
            if s.groups.insert(g.name, group).is_some() {
                return Err(PersistError::invalid("duplicate consumer group"));
            }
        }
        Ok(s)
    }
}

fn enc_id<E: Encoder>(e: &mut E, id: StreamId) -> Result<(), EncodeError> {
    id.ms.encode(e)?;
    id.seq.encode(e)
}

fn dec_id<D: Decoder<Context = usize>>(d: &mut D) -> Result<StreamId, DecodeError> {
    Ok(StreamId::new(u64::decode(d)?, u64::decode(d)?))
}

impl Encode for DiskStream {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        enc_id(e, self.last_id)?;
        enc_id(e, self.first_id)?;
        enc_id(e, self.max_deleted_id)?;
        self.entries_added.encode(e)?;
        self.nodes.len().encode(e)?;
        for n in &self.nodes {
            enc_id(e, n.master)?;
            n.master_fields.len().encode(e)?;
            for f in &n.master_fields {
                enc_bytes(e, f)?;
            }
            n.entries.len().encode(e)?;
            for (id, deleted, pairs) in &n.entries {
                enc_id(e, *id)?;
                u8::from(*deleted).encode(e)?;
                pairs.len().encode(e)?;
                for p in pairs {
                    enc_bytes(e, p)?;
                }
            }
        }
        self.groups.len().encode(e)?;
        for g in &self.groups {
            enc_bytes(e, &g.name)?;
            enc_id(e, g.last_id)?;
            g.entries_read.encode(e)?;
            g.consumers.len().encode(e)?;
            for (n, seen) in &g.consumers {
                enc_bytes(e, n)?;
                seen.encode(e)?;
            }
            g.pel.len().encode(e)?;
            for (id, time, count, c) in &g.pel {
                enc_id(e, *id)?;
                time.encode(e)?;
                count.encode(e)?;
                enc_bytes(e, c)?;
            }
        }
        Ok(())
    }
}

impl Decode<usize> for DiskStream {
    fn decode<D: Decoder<Context = usize>>(d: &mut D) -> Result<Self, DecodeError> {
        let last_id = dec_id(d)?;
        let first_id = dec_id(d)?;
        let max_deleted_id = dec_id(d)?;
        let entries_added = u64::decode(d)?;
        let nodes = dec_vec(d, |d| {
            let master = dec_id(d)?;
            let master_fields = dec_vec(d, dec_bytes)?;
            let entries = dec_vec(d, |d| {
                let id = dec_id(d)?;
                let deleted = match u8::decode(d)? {
                    0 => false,
                    1 => true,
                    _ => return Err(DecodeError::Other("bad deleted flag in a stream entry")),
                };
                Ok((id, deleted, dec_vec(d, dec_bytes)?))
            })?;
            Ok(RawNode {
                master,
                master_fields,
                entries,
            })
        })?;
        let groups = dec_vec(d, |d| {
            Ok(DiskGroup {
                name: dec_bytes(d)?,
                last_id: dec_id(d)?,
                entries_read: Option::<u64>::decode(d)?,
                consumers: dec_vec(d, |d| Ok((dec_bytes(d)?, u64::decode(d)?)))?,
                pel: dec_vec(d, |d| {
                    Ok((dec_id(d)?, u64::decode(d)?, u64::decode(d)?, dec_bytes(d)?))
                })?,
            })
        })?;
        Ok(DiskStream {
            last_id,
            first_id,
            max_deleted_id,
            entries_added,
            nodes,
            groups,
        })
    }
}

/// A value in the neutral model borrowing from a live [`Object`], in canonical order.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// String bytes.
    Str(&'a [u8]),
    /// List elements, head first.
    List(Vec<&'a [u8]>),
    /// Hash pairs.
    Hash(Vec<(&'a [u8], &'a [u8])>),
    /// Set members (sorted).
    Set(Vec<Member<'a>>),
    /// Sorted-set pairs by (score, member).
    ZSet(Vec<(&'a [u8], f64)>),
    /// Stream (a copy: nodes are packed in memory).
    Stream(Box<DiskStream>),
}

impl<'a> ValueRef<'a> {
    /// The canonical neutral view of `obj`.
    pub fn of(obj: &'a Object) -> ValueRef<'a> {
        match obj {
            Object::Str(s) => ValueRef::Str(s),
            Object::List(l) => ValueRef::List(l.iter().collect()),
            Object::Hash(h) => {
                let mut pairs: Vec<(&[u8], &[u8])> = h.iter().collect();
                if !h.is_listpack() {
                    pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
                }
                ValueRef::Hash(pairs)
            }
            Object::Set(s) => {
                let mut m: Vec<Member<'_>> = s.iter().collect();
                m.sort_unstable();
                ValueRef::Set(m)
            }
            Object::ZSet(z) => {
                // The sorted set iterates by (score, member) already.
                ValueRef::ZSet(z.iter().collect())
            }
            Object::Stream(s) => ValueRef::Stream(Box::new(DiskStream::of(s))),
        }
    }

    /// The on-disk type tag.
    pub fn tag(&self) -> u8 {
        match self {
            ValueRef::Str(_) => tag::STRING,
            ValueRef::List(_) => tag::LIST,
            ValueRef::Hash(_) => tag::HASH,
            ValueRef::Set(_) => tag::SET,
            ValueRef::ZSet(_) => tag::ZSET,
            ValueRef::Stream(_) => tag::STREAM,
        }
    }

    /// An owned copy.
    pub fn to_owned_value(&self) -> DiskValue {
        match self {
            ValueRef::Str(s) => DiskValue::Str(s.to_vec()),
            ValueRef::List(v) => DiskValue::List(v.iter().map(|x| x.to_vec()).collect()),
            ValueRef::Hash(v) => {
                DiskValue::Hash(v.iter().map(|(f, x)| (f.to_vec(), x.to_vec())).collect())
            }
            ValueRef::Set(v) => DiskValue::Set(v.iter().map(|x| x.to_vec()).collect()),
            ValueRef::ZSet(v) => DiskValue::ZSet(v.iter().map(|(m, s)| (m.to_vec(), *s)).collect()),
            ValueRef::Stream(s) => DiskValue::Stream(s.clone()),
        }
    }
}

impl Encode for ValueRef<'_> {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.tag().encode(e)?;
        match self {
            ValueRef::Str(s) => enc_bytes(e, s),
            ValueRef::List(v) => {
                v.len().encode(e)?;
                for x in v {
                    enc_bytes(e, x)?;
                }
                Ok(())
            }
            ValueRef::Set(v) => {
                v.len().encode(e)?;
                for x in v {
                    enc_bytes(e, x)?;
                }
                Ok(())
            }
            ValueRef::Hash(v) => {
                v.len().encode(e)?;
                for (f, x) in v {
                    enc_bytes(e, f)?;
                    enc_bytes(e, x)?;
                }
                Ok(())
            }
            ValueRef::ZSet(v) => {
                v.len().encode(e)?;
                for (m, s) in v {
                    enc_bytes(e, m)?;
                    s.encode(e)?;
                }
                Ok(())
            }
            ValueRef::Stream(s) => s.encode(e),
        }
    }
}

fn dec_vec<D: Decoder<Context = usize>, T>(
    d: &mut D,
    mut f: impl FnMut(&mut D) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let n = dec_len(d)?;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(f(d)?);
    }
    Ok(v)
}

impl Decode<usize> for DiskValue {
    fn decode<D: Decoder<Context = usize>>(d: &mut D) -> Result<Self, DecodeError> {
        let t = u8::decode(d)?;
        Ok(match t {
            tag::STRING => DiskValue::Str(dec_bytes(d)?),
            tag::LIST => DiskValue::List(dec_vec(d, dec_bytes)?),
            tag::HASH => DiskValue::Hash(dec_vec(d, |d| Ok((dec_bytes(d)?, dec_bytes(d)?)))?),
            tag::SET => DiskValue::Set(dec_vec(d, dec_bytes)?),
            tag::ZSET => DiskValue::ZSet(dec_vec(d, |d| {
                let m = dec_bytes(d)?;
                let s = f64::decode(d)?;
                if s.is_nan() {
                    return Err(DecodeError::Other("NaN score in a sorted set"));
                }
                Ok((m, s))
            })?),
            tag::STREAM => DiskValue::Stream(Box::new(DiskStream::decode(d)?)),
            _ => return Err(DecodeError::Other("unknown value type tag")),
        })
    }
}

impl DiskValue {
    /// The in-memory object, with encodings chosen as loading an RDB would (`cfg`'s
    /// listpack/intset thresholds). Errors ([`PersistError::Invalid`]) on an empty aggregate
    /// (never written) and on a sorted set with a duplicate member.
    pub fn into_object(self, cfg: &Config) -> Result<Object, PersistError> {
        let empty = match &self {
            DiskValue::Str(_) => false,
            DiskValue::List(v) | DiskValue::Set(v) => v.is_empty(),
            DiskValue::Hash(v) => v.is_empty(),
            DiskValue::ZSet(v) => v.is_empty(),
            // An empty stream is a valid key.
            DiskValue::Stream(_) => false,
        };
        if empty {
            return Err(PersistError::invalid("empty aggregate value"));
        }
        Ok(match self {
            DiskValue::Str(s) => Object::string(s),
            DiskValue::List(v) => Object::List(Box::new(v.into_iter().collect::<List>())),
            DiskValue::Hash(v) => Object::Hash(Box::new(Hash::from_pairs(v, cfg))),
            DiskValue::Set(v) => Object::Set(Set::from_members(v, cfg.set_max_intset_entries)),
            DiskValue::ZSet(v) => {
                let n = v.len();
                let z = ZSet::from_pairs_fit(v, cfg);
                if z.len() != n {
                    return Err(PersistError::invalid("duplicate member in a sorted set"));
                }
                Object::ZSet(Box::new(z))
            }
            DiskValue::Stream(s) => Object::Stream(Box::new(s.into_stream()?)),
        })
    }

    /// The TYPE name.
    pub fn type_name(&self) -> &'static str {
        match self {
            DiskValue::Str(_) => "string",
            DiskValue::List(_) => "list",
            DiskValue::Hash(_) => "hash",
            DiskValue::Set(_) => "set",
            DiskValue::ZSet(_) => "zset",
            DiskValue::Stream(_) => "stream",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Snapshot records

/// Snapshot metadata (payload kind META).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapMeta {
    /// State of the store's RNG.
    pub rng_state: u64,
    /// Clock time (Unix ms) of the last write recorded before this snapshot; 0 if none.
    pub recorded_at_ms: u64,
    /// Number of keys in each database; its length is the number of databases.
    pub db_keys: Vec<u64>,
}

impl Encode for SnapMeta {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.rng_state.encode(e)?;
        self.recorded_at_ms.encode(e)?;
        self.db_keys.encode(e)
    }
}

impl Decode<usize> for SnapMeta {
    fn decode<D: Decoder<Context = usize>>(d: &mut D) -> Result<Self, DecodeError> {
        Ok(SnapMeta {
            rng_state: u64::decode(d)?,
            recorded_at_ms: u64::decode(d)?,
            db_keys: dec_vec(d, |d| u64::decode(d))?,
        })
    }
}

/// A function library of a snapshot (payload kind LIBRARY, format version 3): its name
/// and its whole code (`#!lua name=…` line included), as FUNCTION LOAD received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryRecord {
    /// Library name.
    pub name: Vec<u8>,
    /// Library code.
    pub code: Vec<u8>,
}

impl Encode for LibraryRecord {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        enc_bytes(e, &self.name)?;
        enc_bytes(e, &self.code)
    }
}

impl Decode<usize> for LibraryRecord {
    fn decode<D: Decoder<Context = usize>>(d: &mut D) -> Result<Self, DecodeError> {
        Ok(LibraryRecord {
            name: dec_bytes(d)?,
            code: dec_bytes(d)?,
        })
    }
}

/// One key of a snapshot, borrowing (payload kind KEY).
pub struct KeyRef<'a> {
    /// Database index.
    pub db: u32,
    /// Key.
    pub key: &'a [u8],
    /// Absolute expiry, Unix ms.
    pub expire: Option<u64>,
    /// Value.
    pub value: ValueRef<'a>,
}

impl Encode for KeyRef<'_> {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.db.encode(e)?;
        enc_bytes(e, self.key)?;
        self.expire.encode(e)?;
        self.value.encode(e)
    }
}

/// Appends a KEY payload (kind byte + body) for `obj` to `out`: byte for byte what
/// `encode_payload(out, kind::KEY, &KeyRef { value: ValueRef::of(obj), .. })` writes
/// (checked by a unit test), written straight from the object — no neutral copy of a
/// list, sorted set or listpack hash, no generic encoder — since this runs once per key
/// of every snapshot. Returns the offset of the key bytes in `out`.
pub fn write_key_payload(
    out: &mut Vec<u8>,
    db: u32,
    key: &[u8],
    expire: Option<u64>,
    obj: &Object,
) -> usize {
    out.push(kind::KEY);
    put_varint(out, u64::from(db));
    put_varint(out, key.len() as u64);
    let key_at = out.len();
    out.extend_from_slice(key);
    match expire {
        None => out.push(0),
        Some(at) => {
            out.push(1);
            put_varint(out, at);
        }
    }
    let bytes = |out: &mut Vec<u8>, b: &[u8]| {
        put_varint(out, b.len() as u64);
        out.extend_from_slice(b);
    };
    match obj {
        Object::Str(s) => {
            out.push(tag::STRING);
            bytes(out, s);
        }
        Object::List(l) => {
            out.push(tag::LIST);
            put_varint(out, l.len() as u64);
            for x in l.iter() {
                bytes(out, x);
            }
        }
        Object::Hash(h) if h.is_listpack() => {
            out.push(tag::HASH);
            put_varint(out, h.len() as u64);
            for (f, v) in h.iter() {
                bytes(out, f);
                bytes(out, v);
            }
        }
        Object::ZSet(z) => {
            out.push(tag::ZSET);
            put_varint(out, z.len() as u64);
            for (m, sc) in z.iter() {
                bytes(out, m);
                out.extend_from_slice(&sc.to_le_bytes());
            }
        }
        // Sorted copies (hash tables, sets) and streams: through the neutral view.
        _ => {
            let v = ValueRef::of(obj);
            // Encoding into a Vec cannot fail.
            let _ = bincode::encode_into_std_write(&v, out, config());
        }
    }
    key_at
}

/// One key of a snapshot, owned.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRecord {
    /// Database index.
    pub db: u32,
    /// Key.
    pub key: Vec<u8>,
    /// Absolute expiry, Unix ms.
    pub expire: Option<u64>,
    /// Value.
    pub value: DiskValue,
}

impl Decode<usize> for KeyRecord {
    fn decode<D: Decoder<Context = usize>>(d: &mut D) -> Result<Self, DecodeError> {
        Ok(KeyRecord {
            db: u32::decode(d)?,
            key: dec_bytes(d)?,
            expire: Option::<u64>::decode(d)?,
            value: DiskValue::decode(d)?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Log batches

/// A log batch (payload kind BATCH), borrowing the effects.
pub struct BatchRef<'a> {
    /// Clock time (Unix ms) when the batch was appended (metadata; never used by replay).
    pub time_ms: u64,
    /// RNG state after the batch.
    pub rng_state: u64,
    /// Effects in execution order.
    pub effects: &'a [Effect],
}

impl Encode for BatchRef<'_> {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        self.time_ms.encode(e)?;
        self.rng_state.encode(e)?;
        self.effects.len().encode(e)?;
        for eff in self.effects {
            (eff.db as u32).encode(e)?;
            eff.argv.len().encode(e)?;
            for a in &eff.argv {
                enc_bytes(e, a)?;
            }
        }
        Ok(())
    }
}

pub use crate::engine::effects::{put_varint, varint_into};

impl BatchRef<'_> {
    /// Appends kind byte + body to `out`: byte-for-byte what `encode_payload(out,
    /// kind::BATCH, self)` writes (checked by a unit test), without the generic encoder's
    /// overhead on the logging hot path.
    pub fn write_payload(&self, out: &mut Vec<u8>) {
        out.push(kind::BATCH);
        put_varint(out, self.time_ms);
        put_varint(out, self.rng_state);
        put_varint(out, self.effects.len() as u64);
        for e in self.effects {
            crate::engine::effects::encode_effect(out, e.db, &e.argv);
        }
    }
}

/// A decoded log batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Clock time (Unix ms) when appended.
    pub time_ms: u64,
    /// RNG state after the batch.
    pub rng_state: u64,
    /// Effects.
    pub effects: Vec<Effect>,
}

impl Decode<usize> for Batch {
    fn decode<D: Decoder<Context = usize>>(d: &mut D) -> Result<Self, DecodeError> {
        let time_ms = u64::decode(d)?;
        let rng_state = u64::decode(d)?;
        let effects = dec_vec(d, |d| {
            let db = u32::decode(d)? as usize;
            let argv = dec_vec(d, dec_bytes)?;
            if argv.is_empty() {
                return Err(DecodeError::Other("empty command in a log batch"));
            }
            Ok(Effect { db, argv })
        })?;
        Ok(Batch {
            time_ms,
            rng_state,
            effects,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Payload helpers

/// Encodes `kind` + `body` onto the end of `out`. (Writing into a `Vec` cannot fail; an
/// error would come from an `Encode` impl, and is [`PersistError::Other`].)
pub fn encode_payload(out: &mut Vec<u8>, kind: u8, body: &impl Encode) -> Result<(), PersistError> {
    out.push(kind);
    bincode::encode_into_std_write(body, out, config())
        .map(|_| ())
        .map_err(|e| PersistError::Other(e.to_string()))
}

/// Decodes a payload body of type `T` (after the kind byte), requiring it to use every byte.
/// Errors are [`PersistError::Invalid`], which the reader places in its file with
/// [`PersistError::at`].
pub fn decode_body<T: Decode<usize>>(body: &[u8]) -> Result<T, PersistError> {
    let (v, used) = bincode::decode_from_slice_with_context(body, config(), body.len())
        .map_err(|e| PersistError::invalid(e.to_string()))?;
    if used != body.len() {
        return Err(PersistError::invalid(format!(
            "{} trailing bytes after the record body",
            body.len() - used
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(obj: Object) -> Object {
        let cfg = Config::default();
        let r = ValueRef::of(&obj);
        let bytes = bincode::encode_to_vec(&r, config()).unwrap();
        let v: DiskValue = decode_body(&bytes).unwrap();
        assert_eq!(v, r.to_owned_value());
        v.into_object(&cfg).unwrap()
    }

    #[test]
    fn values_roundtrip() {
        let cfg = Config::default();
        let o = roundtrip(Object::string(b"abc\x00\xff".to_vec()));
        assert_eq!(o.as_str().unwrap().as_bytes(), b"abc\x00\xff");
        let h = Hash::from_pairs(
            [
                (b"b".to_vec(), b"1".to_vec()),
                (b"a".to_vec(), b"2".to_vec()),
            ],
            &cfg,
        );
        let o = roundtrip(Object::Hash(Box::new(h)));
        let pairs: Vec<_> = o.as_hash().unwrap().iter().collect();
        assert_eq!(pairs, vec![(&b"b"[..], &b"1"[..]), (&b"a"[..], &b"2"[..])]);
        let s = Set::from_members([b"x", b"a"], 512);
        let o = roundtrip(Object::Set(s));
        assert_eq!(o.as_set().unwrap().len(), 2);
    }

    #[test]
    fn hand_written_batch_encoding_matches_bincode() {
        let big = vec![7u8; 70_000];
        let effects = [
            Effect {
                db: 3,
                argv: vec![b"SET".to_vec(), b"k".to_vec(), big.clone()],
            },
            Effect {
                db: 300,
                argv: vec![vec![0u8; 251], vec![]],
            },
        ];
        for (t, r, e) in [
            (0u64, 0u64, &effects[..]),
            (1 << 40, u64::MAX, &effects[..1]),
            (250, 251, &[][..]),
        ] {
            let b = BatchRef {
                time_ms: t,
                rng_state: r,
                effects: e,
            };
            let mut a = Vec::new();
            encode_payload(&mut a, kind::BATCH, &b).unwrap();
            let mut h = Vec::new();
            b.write_payload(&mut h);
            assert_eq!(a, h);
            let back: Batch = decode_body(&h[1..]).unwrap();
            assert_eq!(back.effects, e.to_vec());
        }
    }

    #[test]
    fn hand_written_key_encoding_matches_bincode() {
        use crate::engine::{execute, Session, Store};
        let mut store = Store::new(Config::default(), crate::keyspace::Clock::System, 0);
        let mut session = Session::default();
        let mut run = |argv: Vec<Vec<u8>>| {
            let a: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            execute(&mut store, &mut session, &a).expect("command runs");
        };
        let v = |s: &str| s.as_bytes().to_vec();
        let many = |prefix: &str, n: usize| -> Vec<Vec<u8>> {
            (0..n)
                .map(|i| format!("{prefix}{i}").into_bytes())
                .collect()
        };
        run(vec![v("SET"), v("s"), v("text")]);
        run(vec![v("SET"), v("i"), v("12345")]);
        run(vec![v("SET"), vec![b'k'; 300], vec![b'x'; 70_000]]);
        run(vec![v("PEXPIREAT"), v("s"), v("4102444800000")]);
        for (name, n) in [("l", 5), ("L", 300)] {
            let mut c = vec![v("RPUSH"), v(name)];
            c.extend(many("e", n));
            run(c);
        }
        for (name, n) in [("h", 4), ("H", 300)] {
            let mut c = vec![v("HSET"), v(name)];
            for f in many("f", n) {
                c.push(f.clone());
                c.push(f);
            }
            run(c);
        }
        for (name, prefix, n) in [("si", "", 6), ("ss", "m", 6), ("SI", "", 600)] {
            let mut c = vec![v("SADD"), v(name)];
            c.extend(many(prefix, n));
            run(c);
        }
        for (name, n) in [("z", 5), ("Z", 300)] {
            let mut c = vec![v("ZADD"), v(name)];
            for (i, m) in many("m", n).into_iter().enumerate() {
                c.push(format!("{}.5", i % 7).into_bytes());
                c.push(m);
            }
            run(c);
        }
        run(vec![v("XADD"), v("x"), v("1-1"), v("a"), v("1")]);
        run(vec![v("XGROUP"), v("CREATE"), v("x"), v("g"), v("0")]);
        run(vec![v("SELECT"), v("3")]);
        run(vec![v("SET"), v("other"), v("db")]);
        let mut seen = 0;
        for (db, d) in store.dbs.iter().enumerate() {
            for (key, e) in d.dict.iter() {
                let k = KeyRef {
                    db: db as u32,
                    key,
                    expire: e.expire(),
                    value: ValueRef::of(&e.obj),
                };
                let mut want = Vec::new();
                encode_payload(&mut want, kind::KEY, &k).unwrap();
                let mut got = vec![9u8; 3];
                let at = write_key_payload(&mut got, db as u32, key, e.expire(), &e.obj);
                assert_eq!(&got[3..], &want[..], "{}", String::from_utf8_lossy(key));
                assert_eq!(&got[at..at + key.len()], key);
                seen += 1;
            }
        }
        assert_eq!(seen, 14);
        // Wide varints for the database and the expiry.
        let o = Object::string(b"v".to_vec());
        let k = KeyRef {
            db: 300,
            key: b"k",
            expire: Some(u64::MAX),
            value: ValueRef::of(&o),
        };
        let mut want = Vec::new();
        encode_payload(&mut want, kind::KEY, &k).unwrap();
        let mut got = Vec::new();
        write_key_payload(&mut got, 300, b"k", Some(u64::MAX), &o);
        assert_eq!(got, want);
    }

    #[test]
    fn bounded_lengths() {
        // A string claiming 2^40 bytes inside a 10-byte body must fail cleanly.
        let mut body = vec![tag::STRING, 253];
        body.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(decode_body::<DiskValue>(&body).is_err());
        assert!(decode_body::<DiskValue>(&[9]).is_err());
        assert!(decode_body::<DiskValue>(&[]).is_err());
    }
}

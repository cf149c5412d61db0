//! Streams in RDB form (`RDB_TYPE_STREAM_LISTPACKS_2`, read also `STREAM_LISTPACKS`).
//!
//! # Format
//!
//! ```text
//! nodes:len  (node-key: 16-byte string, ms then seq big-endian | listpack: string) × nodes
//! length:len  last-id (ms:len seq:len)  first-id  max-deleted-id  entries-added:len
//! groups:len  per group: name:string last-id entries-read:len (2^64-1 = unknown)
//!             pel:len (id:16 raw bytes, delivery-time:u64 LE ms, delivery-count:len) × pel
//!             consumers:len (name:string seen-time:u64 LE ms pel:len (id:16 bytes) × pel)
//! ```
//!
//! A node's listpack: the master entry `count deleted nfields field… 0`, then per entry
//! `flags ms-delta seq-delta [nfields field value…|value…] lp-count`, flags bit 0 =
//! deleted, bit 1 = same fields as the master (`t_stream.c` `streamAppendItem`).

use super::blobs::{self, Elem, ListpackWriter};
use super::codec::{write_len, write_string, RdbError, Reader};
use super::kind;
use crate::types::stream::node::RawNode;
use crate::types::stream::{Consumer, Group, Nack, Stream, StreamId};

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

fn id_bytes(id: StreamId) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&id.ms.to_be_bytes());
    b[8..].copy_from_slice(&id.seq.to_be_bytes());
    b
}

fn id_of(b: &[u8]) -> StreamId {
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&b[..8]);
    seq.copy_from_slice(&b[8..16]);
    StreamId {
        ms: u64::from_be_bytes(ms),
        seq: u64::from_be_bytes(seq),
    }
}

fn node_listpack(n: &RawNode) -> Vec<u8> {
    let mut lp = ListpackWriter::new();
    let live = n.entries.iter().filter(|e| !e.1).count();
    lp.push_int(live as i64);
    lp.push_int((n.entries.len() - live) as i64);
    lp.push_int(n.master_fields.len() as i64);
    for f in &n.master_fields {
        lp.push(f);
    }
    lp.push_int(0);
    for (id, deleted, pairs) in &n.entries {
        let nfields = pairs.len() / 2;
        let same = nfields == n.master_fields.len()
            && pairs
                .chunks_exact(2)
                .zip(&n.master_fields)
                .all(|(p, f)| p[0] == *f);
        let mut flags = 0;
        if *deleted {
            flags |= FLAG_DELETED;
        }
        if same {
            flags |= FLAG_SAMEFIELDS;
        }
        lp.push_int(flags);
        lp.push_int(id.ms.wrapping_sub(n.master.ms) as i64);
        lp.push_int(id.seq.wrapping_sub(n.master.seq) as i64);
        if !same {
            lp.push_int(nfields as i64);
        }
        for p in pairs.chunks_exact(2) {
            if !same {
                lp.push(&p[0]);
            }
            lp.push(&p[1]);
        }
        let mut count = nfields as i64 + 3;
        if !same {
            count += nfields as i64 + 1;
        }
        lp.push_int(count);
    }
    lp.finish()
}

/// Appends a stream's value (after its type byte).
pub fn write_stream(out: &mut Vec<u8>, s: &Stream, compress: bool) {
    let nodes = s.raw_nodes();
    write_len(out, nodes.len() as u64);
    for n in &nodes {
        write_string(out, &id_bytes(n.master), compress);
        write_string(out, &node_listpack(n), compress);
    }
    write_len(out, s.length);
    for id in [s.last_id, s.first_id, s.max_deleted_id] {
        write_len(out, id.ms);
        write_len(out, id.seq);
    }
    write_len(out, s.entries_added);
    write_len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        write_string(out, name, compress);
        write_len(out, g.last_id.ms);
        write_len(out, g.last_id.seq);
        write_len(out, g.entries_read.unwrap_or(u64::MAX));
        write_len(out, g.pel.len() as u64);
        for (id, nack) in &g.pel {
            out.extend_from_slice(&id_bytes(*id));
            out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            write_len(out, nack.delivery_count);
        }
        write_len(out, g.consumers.len() as u64);
        for (cname, c) in &g.consumers {
            write_string(out, cname, compress);
            out.extend_from_slice(&c.seen_time.to_le_bytes());
            write_len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id_bytes(*id));
            }
        }
    }
}

fn int_at(e: &[Elem], i: usize) -> Option<i64> {
    e.get(i)?.as_int()
}

fn bytes_at(e: &[Elem], i: usize) -> Option<Vec<u8>> {
    e.get(i).cloned().map(Elem::into_bytes)
}

/// Decodes one node's listpack; None if it is not a well-formed stream listpack.
fn parse_node(master: StreamId, e: &[Elem]) -> Option<RawNode> {
    let live = int_at(e, 0)?;
    let deleted = int_at(e, 1)?;
    let nmaster = usize::try_from(int_at(e, 2)?).ok()?;
    if nmaster > e.len() {
        return None;
    }
    let mut master_fields = Vec::with_capacity(nmaster);
    for i in 0..nmaster {
        master_fields.push(bytes_at(e, 3 + i)?);
    }
    let mut p = 3 + nmaster;
    if int_at(e, p)? != 0 {
        return None;
    }
    p += 1;
    let mut entries = Vec::new();
    let (mut nlive, mut ndel) = (0i64, 0i64);
    while p < e.len() {
        let start = p;
        let flags = int_at(e, p)?;
        // Deltas are u64 differences stored as i64 (the seq delta is negative when the ms
        // part moved on): add with wrap-around, as Redis does.
        let ms = master.ms.wrapping_add(int_at(e, p + 1)? as u64);
        let seq = master.seq.wrapping_add(int_at(e, p + 2)? as u64);
        p += 3;
        let mut pairs = Vec::new();
        if flags & FLAG_SAMEFIELDS != 0 {
            for f in &master_fields {
                pairs.push(f.clone());
                pairs.push(bytes_at(e, p)?);
                p += 1;
            }
        } else {
            let n = usize::try_from(int_at(e, p)?).ok()?;
            p += 1;
            if n > e.len() {
                return None;
            }
            for _ in 0..n {
                pairs.push(bytes_at(e, p)?);
                pairs.push(bytes_at(e, p + 1)?);
                p += 2;
            }
        }
        let count = int_at(e, p)?;
        p += 1;
        if count != (p - start - 1) as i64 || pairs.is_empty() {
            return None;
        }
        let del = flags & FLAG_DELETED != 0;
        if del {
            ndel += 1;
        } else {
            nlive += 1;
        }
        entries.push((StreamId { ms, seq }, del, pairs));
    }
    if nlive != live || ndel != deleted || entries.is_empty() {
        return None;
    }
    Some(RawNode {
        master,
        master_fields,
        entries,
    })
}

fn read_id(r: &mut Reader) -> Result<StreamId, RdbError> {
    Ok(StreamId {
        ms: r.len()?,
        seq: r.len()?,
    })
}

/// Reads a stream's value (after its type byte `ty`).
pub fn read_stream(r: &mut Reader, ty: u8) -> Result<Stream, RdbError> {
    let nnodes = r.count()?;
    let mut nodes = Vec::with_capacity(nnodes);
    let mut prev: Option<StreamId> = None;
    for _ in 0..nnodes {
        let at = r.offset();
        let key = r.string()?;
        if key.len() != 16 {
            return Err(RdbError {
                offset: at,
                msg: "Stream node key entry is not the size of a stream ID".into(),
            });
        }
        let master = id_of(&key);
        let at = r.offset();
        let lp = r.string()?;
        let node = blobs::read_listpack(&lp)
            .and_then(|e| parse_node(master, &e))
            .ok_or(RdbError {
                offset: at,
                msg: "Stream listpack integrity check failed".into(),
            })?;
        for (id, _, _) in &node.entries {
            if prev.is_some_and(|p| p >= *id) || *id < master {
                return Err(RdbError {
                    offset: at,
                    msg: "Stream IDs out of order".into(),
                });
            }
            prev = Some(*id);
        }
        nodes.push(node);
    }
    let mut s = Stream::new();
    let live = s.set_raw_nodes(nodes);
    let at = r.offset();
    s.length = r.len()?;
    if s.length != live {
        return Err(RdbError {
            offset: at,
            msg: "Stream length does not match its entries".into(),
        });
    }
    s.last_id = read_id(r)?;
    if ty == kind::STREAM_LISTPACKS_2 {
        s.first_id = read_id(r)?;
        s.max_deleted_id = read_id(r)?;
        s.entries_added = r.len()?;
    } else {
        s.entries_added = s.length;
        s.first_id = s
            .raw_nodes()
            .iter()
            .flat_map(|n| n.entries.iter())
            .find(|e| !e.1)
            .map(|e| e.0)
            .unwrap_or(StreamId { ms: 0, seq: 0 });
    }
    let ngroups = r.count()?;
    for _ in 0..ngroups {
        let at = r.offset();
        let name = r.string()?;
        let last_id = read_id(r)?;
        let entries_read = if ty == kind::STREAM_LISTPACKS_2 {
            let v = r.len()?;
            (v != u64::MAX).then_some(v)
        } else {
            // A legacy (Redis <= 6.2) payload has no counter: estimated from the group's
            // position, as Redis's `rdbLoadObject` does.
            s.estimate_distance(last_id)
        };
        let mut g = Group {
            last_id,
            entries_read,
            ..Group::default()
        };
        let npel = r.count()?;
        for _ in 0..npel {
            let id = id_of(r.bytes(16)?);
            let delivery_time = r.u64_le()?;
            let delivery_count = r.len()?;
            g.pel.insert(
                id,
                Nack {
                    delivery_time,
                    delivery_count,
                    consumer: Vec::new(),
                },
            );
        }
        let nconsumers = r.count()?;
        for _ in 0..nconsumers {
            let cname = r.string()?;
            let seen_time = r.u64_le()?;
            let n = r.count()?;
            let mut c = Consumer {
                seen_time,
                pel: Default::default(),
            };
            for _ in 0..n {
                let pat = r.offset();
                let id = id_of(r.bytes(16)?);
                let Some(nack) = g.pel.get_mut(&id) else {
                    return Err(RdbError {
                        offset: pat,
                        msg: "Consumer entry not found in group global PEL".into(),
                    });
                };
                nack.consumer = cname.clone();
                c.pel.insert(id);
            }
            if g.consumers.insert(cname, c).is_some() {
                return Err(RdbError {
                    offset: at,
                    msg: "Duplicated consumer name".into(),
                });
            }
        }
        if g.pel.values().any(|n| n.consumer.is_empty()) {
            return Err(RdbError {
                offset: at,
                msg: "Stream CG PEL entry without consumer".into(),
            });
        }
        if s.groups.insert(name, g).is_some() {
            return Err(RdbError {
                offset: at,
                msg: "Duplicated consumer group name".into(),
            });
        }
    }
    Ok(s)
}

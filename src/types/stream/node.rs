//! One stream node: a compact buffer of entries sharing a master ID and master fields, with
//! an exact model of the size Redis's listpack for the same entries would have (that size
//! decides where Redis starts a new node, which approximate trimming makes observable).
//!
//! Buffer layout of one entry (all integers LEB128 varints):
//!
//! ```text
//! flags:u8 (bit 0 deleted, bit 1 same fields as master) | ms - master.ms | seq
//! | [nfields | (len, field bytes) × nfields]   -- only without the same-fields bit
//! | (len, value bytes) × nfields
//! ```

use super::StreamId;

const DELETED: u8 = 1;
const SAMEFIELDS: u8 = 2;

/// A node in the neutral form a snapshot stores (deleted entries kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawNode {
    /// Master ID (the node's key).
    pub master: StreamId,
    /// Master fields (those of the first entry appended).
    pub master_fields: Vec<Vec<u8>>,
    /// Entries in order: (ID, deleted, flat field/value list).
    pub entries: Vec<(StreamId, bool, Vec<Vec<u8>>)>,
}

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Node {
    master_fields: Vec<Box<[u8]>>,
    buf: Vec<u8>,
    live: u32,
    deleted: u32,
    /// Listpack bytes of everything except the master's count and deleted elements.
    lp_base: u32,
    last: StreamId,
}

/// An entry located in a node's buffer.
#[derive(Clone, Copy, Debug)]
pub struct EntryRef {
    /// Its ID.
    pub id: StreamId,
    /// Marked deleted.
    pub deleted: bool,
    flags_at: usize,
    body: usize,
    same: bool,
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn get_varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = buf.get(*pos) {
        *pos += 1;
        if shift < 64 {
            v |= u64::from(b & 0x7f) << shift;
        }
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

fn get_bytes<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let n = get_varint(buf, pos) as usize;
    let start = (*pos).min(buf.len());
    let end = start.saturating_add(n).min(buf.len());
    *pos = end;
    &buf[start..end]
}

// --- The listpack size model (Redis listpack.c encodings) ---------------------------------

fn lp_int_len(v: i64) -> usize {
    if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if (i16::MIN as i64..=i16::MAX as i64).contains(&v) {
        3
    } else if (-8_388_608..=8_388_607).contains(&v) {
        4
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        5
    } else {
        9
    }
}

fn lp_backlen(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

fn lp_elem(l: usize) -> usize {
    l + lp_backlen(l)
}

fn lp_int(v: i64) -> usize {
    lp_elem(lp_int_len(v))
}

fn lp_str(s: &[u8]) -> usize {
    if let Some(v) = crate::util::parse_i64(s) {
        return lp_int(v);
    }
    let n = s.len();
    lp_elem(if n < 64 {
        1 + n
    } else if n < 4096 {
        2 + n
    } else {
        5 + n
    })
}

impl Node {
    /// A node whose master entry and first entry come from `id` and `pairs`.
    pub fn new(id: StreamId, pairs: &[&[u8]]) -> Node {
        let fields: Vec<Box<[u8]>> = pairs.iter().step_by(2).map(|f| (*f).into()).collect();
        let mut lp_base = 6 + 1 + lp_int(fields.len() as i64) + lp_int(0);
        lp_base += fields.iter().map(|f| lp_str(f)).sum::<usize>();
        let mut n = Node {
            master_fields: fields,
            lp_base: lp_base as u32,
            ..Node::default()
        };
        n.push(id, id, pairs);
        n
    }

    /// Live entries.
    pub fn live(&self) -> u32 {
        self.live
    }

    /// Live and deleted entries.
    pub fn total(&self) -> u32 {
        self.live + self.deleted
    }

    /// What Redis's `lpBytes` would say for this node.
    pub fn lp_bytes(&self) -> usize {
        self.lp_base as usize + lp_int(self.live as i64) + lp_int(self.deleted as i64)
    }

    /// The ID of the last entry, deleted or not (Redis `lpGetEdgeStreamID(lp, 0, …)`).
    pub fn last_raw_id(&self, _master: StreamId) -> StreamId {
        self.last
    }

    /// Heap bytes held (MEMORY USAGE-like estimates and the benchmark notes).
    pub fn heap_bytes(&self) -> usize {
        crate::keyspace::memory::visit();
        self.buf.capacity()
            + self
                .master_fields
                .iter()
                .map(|f| f.len() + 16)
                .sum::<usize>()
    }

    /// Releases spare buffer capacity (a node that will not grow again).
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }

    /// Appends an entry (the caller checked the limits and the ID order).
    pub fn push(&mut self, master: StreamId, id: StreamId, pairs: &[&[u8]]) {
        let nfields = pairs.len() / 2;
        let same = nfields == self.master_fields.len()
            && pairs
                .iter()
                .step_by(2)
                .zip(&self.master_fields)
                .all(|(a, b)| *a == &b[..]);
        let flags = if same { SAMEFIELDS } else { 0 };
        let ms_delta = id.ms.wrapping_sub(master.ms);
        let seq_delta = id.seq.wrapping_sub(master.seq);
        self.buf.push(flags);
        put_varint(&mut self.buf, ms_delta);
        put_varint(&mut self.buf, id.seq);
        let mut lp = lp_int(flags as i64) + lp_int(ms_delta as i64) + lp_int(seq_delta as i64);
        if !same {
            put_varint(&mut self.buf, nfields as u64);
            lp += lp_int(nfields as i64);
            for f in pairs.iter().step_by(2) {
                put_varint(&mut self.buf, f.len() as u64);
                self.buf.extend_from_slice(f);
                lp += lp_str(f);
            }
        }
        for v in pairs.iter().skip(1).step_by(2) {
            put_varint(&mut self.buf, v.len() as u64);
            self.buf.extend_from_slice(v);
            lp += lp_str(v);
        }
        let lp_count = nfields as i64 + 3 + if same { 0 } else { nfields as i64 + 1 };
        lp += lp_int(lp_count);
        self.lp_base = self.lp_base.saturating_add(lp as u32);
        self.live += 1;
        self.last = id;
    }

    /// Entries in order, deleted ones included.
    pub fn iter(&self, master: StreamId) -> impl Iterator<Item = EntryRef> + '_ {
        let mut pos = 0;
        std::iter::from_fn(move || {
            if pos >= self.buf.len() {
                return None;
            }
            let flags_at = pos;
            let flags = self.buf[pos];
            pos += 1;
            let ms = master.ms.wrapping_add(get_varint(&self.buf, &mut pos));
            let seq = get_varint(&self.buf, &mut pos);
            let body = pos;
            let same = flags & SAMEFIELDS != 0;
            let n = if same {
                self.master_fields.len()
            } else {
                let n = get_varint(&self.buf, &mut pos) as usize;
                for _ in 0..n {
                    get_bytes(&self.buf, &mut pos);
                }
                n
            };
            for _ in 0..n {
                get_bytes(&self.buf, &mut pos);
            }
            Some(EntryRef {
                id: StreamId::new(ms, seq),
                deleted: flags & DELETED != 0,
                flags_at,
                body,
                same,
            })
        })
    }

    /// The flat field/value list of `e`.
    pub fn pairs(&self, e: &EntryRef) -> Vec<Vec<u8>> {
        let mut pos = e.body;
        if e.same {
            let mut out = Vec::with_capacity(self.master_fields.len() * 2);
            for f in &self.master_fields {
                out.push(f.to_vec());
                out.push(get_bytes(&self.buf, &mut pos).to_vec());
            }
            out
        } else {
            let n = get_varint(&self.buf, &mut pos) as usize;
            let fields: Vec<&[u8]> = (0..n).map(|_| get_bytes(&self.buf, &mut pos)).collect();
            let mut out = Vec::with_capacity(n * 2);
            for f in fields {
                out.push(f.to_vec());
                out.push(get_bytes(&self.buf, &mut pos).to_vec());
            }
            out
        }
    }

    /// The entry `id`: (position, deleted).
    pub fn find(&self, master: StreamId, id: StreamId) -> Option<(usize, bool)> {
        if id > self.last {
            return None;
        }
        self.iter(master)
            .take_while(|e| e.id <= id)
            .find(|e| e.id == id)
            .map(|e| (e.flags_at, e.deleted))
    }

    /// Marks `id` deleted; true if it was live.
    pub fn mark_deleted(&mut self, master: StreamId, id: StreamId) -> bool {
        match self.find(master, id) {
            Some((at, false)) => {
                self.buf[at] |= DELETED;
                self.live -= 1;
                self.deleted += 1;
                true
            }
            _ => false,
        }
    }

    /// The node in neutral form.
    pub fn to_raw(&self, master: StreamId) -> RawNode {
        RawNode {
            master,
            master_fields: self.master_fields.iter().map(|f| f.to_vec()).collect(),
            entries: self
                .iter(master)
                .map(|e| (e.id, e.deleted, self.pairs(&e)))
                .collect(),
        }
    }

    /// Rebuilds a node from its neutral form.
    pub fn from_raw(raw: &RawNode) -> Node {
        let mut lp_base = 6 + 1 + lp_int(raw.master_fields.len() as i64) + lp_int(0);
        lp_base += raw.master_fields.iter().map(|f| lp_str(f)).sum::<usize>();
        let mut n = Node {
            master_fields: raw.master_fields.iter().map(|f| f[..].into()).collect(),
            lp_base: lp_base as u32,
            ..Node::default()
        };
        for (id, deleted, pairs) in &raw.entries {
            let refs: Vec<&[u8]> = pairs.iter().map(|p| p.as_slice()).collect();
            n.push(raw.master, *id, &refs);
            if *deleted {
                n.mark_deleted(raw.master, *id);
            }
        }
        n
    }
}

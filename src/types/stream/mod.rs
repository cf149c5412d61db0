//! Streams (Redis 7.0 `t_stream.c`): the value representation and the X* commands.
//!
//! # Representation
//!
//! Redis keeps a stream as a radix tree of *listpack nodes*: each node is keyed by its
//! *master ID* (the ID of the first entry appended to it) and holds up to
//! `stream-node-max-entries` entries (deleted ones included) and about
//! `stream-node-max-bytes` bytes. XDEL and exact trimming only *mark* entries deleted inside
//! a node; a node is freed when its last live entry goes. Approximate trimming (`~`)
//! removes whole nodes only, so where the node boundaries fall is observable (XLEN after
//! `XADD … MAXLEN ~ N`).
//!
//! [`Stream`] mirrors that: a `BTreeMap` from master ID to a [`node::Node`], a compact
//! byte buffer of entries (flags, ID delta, values, fields only when they differ from the
//! node's master fields — Redis's `SAMEFIELDS` compression). A node is closed under the
//! same rules as Redis's `streamAppendItem`, using an exact model of the listpack's byte
//! size, so node boundaries match Redis's. Seeks are O(log n) over nodes plus a scan of one
//! node (≤ 100 entries by default); appends touch only the last node.
//!
//! Consumer groups ([`Group`]) keep the last delivered ID, `entries-read`, the group PEL
//! (ID → [`Nack`]) and the consumers (name → [`Consumer`] with its own PEL), all in
//! ordered maps as Redis keeps them in radix trees (so iteration orders match).
//!
//! Command modules: [`write`](mod@write) (XADD, XDEL, XTRIM, XSETID), [`read`](mod@read)
//! (XLEN, XRANGE, XREVRANGE, XREAD), [`group`] (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
//! XAUTOCLAIM), [`info`] (XINFO). ID syntax lives in [`id`].
//!
//! # Known differences from Redis
//!
//! * XREAD/XREADGROUP are served here ([`read::xread_generic`],
//!   [`group::xreadgroup_generic`]); their specs and BLOCK live with the other blocking
//!   commands in `blocking::streams`.
//! * Consumers have `seen-time` only (7.0); `active-time` is a 7.2 field.

pub mod group;
pub mod id;
pub mod info;
pub mod node;
pub mod read;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{flags::*, CommandSpec};
pub use id::StreamId;
use node::Node;

/// A consumer group's pending entry (Redis `streamNACK`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    /// Last delivery time (Unix ms).
    pub delivery_time: u64,
    /// Number of deliveries.
    pub delivery_count: u64,
    /// Name of the consumer that owns it.
    pub consumer: Vec<u8>,
}

/// A consumer of a group (Redis `streamConsumer`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Last time the consumer was seen (Unix ms): created, read or claimed.
    pub seen_time: u64,
    /// IDs of its pending entries (the NACKs live in the group PEL).
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group (Redis `streamCG`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Last delivered ID.
    pub last_id: StreamId,
    /// Entries read by the group (`entries-read`); None when unknown
    /// (`SCG_INVALID_ENTRIES_READ`).
    pub entries_read: Option<u64>,
    /// Pending entries: ID → NACK.
    pub pel: BTreeMap<StreamId, Nack>,
    /// Consumers by name.
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

/// A stream value. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    /// Nodes by master ID.
    pub(crate) nodes: BTreeMap<StreamId, Node>,
    /// Number of live entries.
    pub length: u64,
    /// ID of the last entry ever added (or set by XSETID).
    pub last_id: StreamId,
    /// ID of the first live entry (0-0 when empty).
    pub first_id: StreamId,
    /// Largest ID ever deleted (XDEL, trimming).
    pub max_deleted_id: StreamId,
    /// Count of entries ever added.
    pub entries_added: u64,
    /// Consumer groups by name.
    pub groups: BTreeMap<Vec<u8>, Group>,
}

impl Stream {
    /// Streams with at most this many nodes are measured node by node.
    pub const EXACT_NODES: usize = 32;

    /// Approximate heap bytes, for `maxmemory` accounting: each node's buffer and master
    /// field names plus its place in the node index, and each group's pending entries and
    /// consumers (B-tree elements with their node slack). Up to
    /// [`EXACT_NODES`](Self::EXACT_NODES) nodes are summed; beyond, the node part is the
    /// last node (the one XADD fills) plus every other node counted as the first one (nodes
    /// close at the same limits, so all but the last are alike). The key is re-measured
    /// after every XADD: a sum over every node made XADD to a 1 M-entry stream O(entries)
    /// (17x slower than Redis at -P 16), and even a sample of eight nodes cost 5 % of an
    /// XADD.
    pub fn heap_bytes(&self) -> usize {
        const BTREE_ELEMENT: usize = 64;
        let one = |n: &Node| n.heap_bytes() + BTREE_ELEMENT;
        let nodes = if self.nodes.len() <= Self::EXACT_NODES {
            self.nodes.values().map(one).sum()
        } else {
            match (self.nodes.first_key_value(), self.nodes.last_key_value()) {
                (Some((_, first)), Some((_, last))) => {
                    one(first) * (self.nodes.len() - 1) + one(last)
                }
                _ => 0,
            }
        };
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                name.len()
                    + BTREE_ELEMENT
                    + g.pel.len() * BTREE_ELEMENT
                    + g.consumers
                        .iter()
                        .map(|(c, cons)| c.len() + BTREE_ELEMENT + cons.pel.len() * 32)
                        .sum::<usize>()
            })
            .sum();
        nodes + groups
    }
}

/// The two node limits, copied out of the config (`stream-node-max-bytes`,
/// `stream-node-max-entries`).
#[derive(Clone, Copy, Debug)]
pub struct NodeLimits {
    /// Bytes (0 = no limit).
    pub bytes: u64,
    /// Entries (0 = no limit).
    pub entries: i64,
}

impl NodeLimits {
    /// The limits of `cfg`.
    pub fn of(cfg: &crate::config::Config) -> NodeLimits {
        NodeLimits {
            bytes: cfg.stream_node_max_bytes,
            entries: cfg.stream_node_max_entries,
        }
    }
}

/// One entry as read: ID and flat field/value list.
pub type Entry = (StreamId, Vec<Vec<u8>>);

/// A trim request (Redis `streamAddTrimArgs`, the trimming part).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove entries with IDs below this.
    MinId(StreamId),
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Number of live entries.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// True when no live entry (an empty stream is still a key, unlike other aggregates).
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Number of nodes (XINFO STREAM `radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Appends an entry with `id` (which must be greater than `last_id`), `pairs` being the
    /// flat field/value list (Redis `streamAppendItem` after the ID checks).
    pub fn append(&mut self, id: StreamId, pairs: &[&[u8]], lim: NodeLimits) {
        let totelelen: u64 = pairs.iter().map(|p| p.len() as u64).sum();
        let max_bytes = if lim.bytes == 0 || lim.bytes > (1 << 30) {
            1u64 << 30
        } else {
            lim.bytes
        };
        // One descent to the last node: it takes the entry, or it is closed and a new
        // node starts.
        let appended = match self.nodes.last_entry() {
            Some(mut last) => {
                let master = *last.key();
                let n = last.get_mut();
                let full = n.lp_bytes() as u64 + totelelen >= max_bytes
                    || (lim.entries > 0 && n.total() as i64 >= lim.entries);
                if full {
                    // The closed node will not grow again (Redis `lpShrinkToFit`).
                    n.shrink_to_fit();
                    false
                } else {
                    n.push(master, id, pairs);
                    true
                }
            }
            None => false,
        };
        if !appended {
            self.nodes.insert(id, Node::new(id, pairs));
        }
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
    }

    /// True if a live entry with `id` exists (Redis `streamEntryExists`).
    pub fn contains(&self, id: StreamId) -> bool {
        match self.nodes.range(..=id).next_back() {
            Some((master, n)) => n.find(*master, id).is_some_and(|(_, deleted)| !deleted),
            None => false,
        }
    }

    /// Marks the entry `id` deleted; true if it was live (Redis `streamDeleteItem`).
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((&master, n)) = self.nodes.range_mut(..=id).next_back() else {
            return false;
        };
        if !n.mark_deleted(master, id) {
            return false;
        }
        if n.live() == 0 {
            self.nodes.remove(&master);
        }
        self.length -= 1;
        if self.max_deleted_id < id {
            self.max_deleted_id = id;
        }
        if self.length == 0 {
            self.first_id = StreamId::ZERO;
        } else if id == self.first_id {
            self.first_id = self.edge(false).unwrap_or(StreamId::ZERO);
        }
        true
    }

    /// The first ID in the nodes, a deleted entry's included (Redis `streamGetEdgeID` with
    /// `first` and without `skip_tombstones`); the largest ID when the stream is empty.
    pub fn first_id_with_tombstones(&self) -> StreamId {
        self.nodes
            .iter()
            .find_map(|(m, n)| n.iter(*m).next().map(|e| e.id))
            .unwrap_or(StreamId::MAX)
    }

    /// The first (`last` false) or last live ID.
    pub fn edge(&self, last: bool) -> Option<StreamId> {
        if last {
            self.nodes
                .iter()
                .rev()
                .find_map(|(m, n)| n.iter(*m).filter(|e| !e.deleted).last().map(|e| e.id))
        } else {
            self.nodes
                .iter()
                .find_map(|(m, n)| n.iter(*m).find(|e| !e.deleted).map(|e| e.id))
        }
    }

    /// Live entries with `start <= id <= end`, forward (or backward with `rev`), at most
    /// `count` (0 = all), as (ID, flat fields and values).
    pub fn range(&self, start: StreamId, end: StreamId, count: usize, rev: bool) -> Vec<Entry> {
        let mut out = Vec::new();
        self.range_each(start, end, rev, |id, pairs| {
            out.push((id, pairs));
            count == 0 || out.len() < count
        });
        out
    }

    /// Calls `f` for each live entry in `start..=end` in order (reverse with `rev`) until it
    /// returns false.
    pub fn range_each(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        mut f: impl FnMut(StreamId, Vec<Vec<u8>>) -> bool,
    ) {
        if start > end {
            return;
        }
        // The node holding `start` may begin before it.
        let first_master = self
            .nodes
            .range(..=start)
            .next_back()
            .map(|(m, _)| *m)
            .unwrap_or(start);
        let nodes = self.nodes.range(first_master..=end);
        if rev {
            for (m, n) in nodes.rev() {
                let items: Vec<_> = n.iter(*m).collect();
                for e in items.into_iter().rev() {
                    if e.deleted || e.id > end {
                        continue;
                    }
                    if e.id < start {
                        return;
                    }
                    if !f(e.id, n.pairs(&e)) {
                        return;
                    }
                }
            }
        } else {
            for (m, n) in nodes {
                for e in n.iter(*m) {
                    if e.deleted || e.id < start {
                        continue;
                    }
                    if e.id > end {
                        return;
                    }
                    if !f(e.id, n.pairs(&e)) {
                        return;
                    }
                }
            }
        }
    }

    /// Redis `streamTrim`: returns the number of entries removed. `approx` removes whole
    /// nodes only; `limit` (0 = none) bounds the entries removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        while let Some((&master, n)) = self.nodes.iter_mut().next() {
            if let Trim::MaxLen(maxlen) = how {
                if self.length <= maxlen {
                    break;
                }
            }
            let entries = n.live() as u64;
            if limit > 0 && deleted + entries > limit {
                break;
            }
            let remove_node = match how {
                Trim::MaxLen(maxlen) => self.length - entries >= maxlen,
                Trim::MinId(min) => n.last_raw_id(master) < min,
            };
            if remove_node {
                // Redis 7.0 trimming leaves `max-deleted-entry-id` alone.
                self.nodes.remove(&master);
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            // Mark entries deleted inside this node, then stop.
            let mut victims = Vec::new();
            let mut length = self.length;
            for e in n.iter(master) {
                let stop = match how {
                    Trim::MaxLen(maxlen) => length <= maxlen,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.deleted {
                    victims.push(e.id);
                    length -= 1;
                }
            }
            for id in &victims {
                n.mark_deleted(master, *id);
            }
            let removed = victims.len() as u64;
            self.length -= removed;
            deleted += removed;
            break;
        }
        self.first_id = if self.length == 0 {
            StreamId::ZERO
        } else {
            self.edge(false).unwrap_or(StreamId::ZERO)
        };
        deleted
    }

    /// Every node as (master ID, master fields, entries as (ID, deleted, flat pairs)),
    /// deleted entries included: what a snapshot stores so node boundaries survive.
    pub fn raw_nodes(&self) -> Vec<node::RawNode> {
        self.nodes.iter().map(|(m, n)| n.to_raw(*m)).collect()
    }

    /// Rebuilds the nodes from [`Stream::raw_nodes`] output; returns the live count.
    pub fn set_raw_nodes(&mut self, raw: Vec<node::RawNode>) -> u64 {
        self.nodes.clear();
        let mut live = 0;
        for r in raw {
            let master = r.master;
            let n = Node::from_raw(&r);
            if n.total() == 0 {
                continue;
            }
            live += n.live() as u64;
            self.nodes.insert(master, n);
        }
        live
    }

    /// Redis `streamEstimateDistanceFromFirstEverEntry`-based lag helpers need to know if an
    /// ID falls in the range of live entries.
    pub fn in_live_range(&self, id: StreamId) -> bool {
        self.length > 0 && id >= self.first_id && id <= self.last_id
    }

    /// Redis `streamRangeHasTombstones`: whether a deleted entry may lie between `start`
    /// and `end` (inclusive).
    pub fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id == StreamId::ZERO {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// Redis `streamEstimateDistanceFromFirstEverEntry`: the `entries-read` counter a
    /// group positioned at `id` would have, or None when it cannot be known.
    pub fn estimate_distance(&self, id: StreamId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.length == 0 && id < self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        }
        if id > self.last_id {
            return None;
        }
        if self.max_deleted_id == StreamId::ZERO || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return Some(self.entries_added - self.length);
            }
            if id == self.first_id {
                return Some(self.entries_added - self.length + 1);
            }
        }
        None
    }

    /// Redis `streamReplyWithCGLag`: the `lag` of a group, None when unknown.
    pub fn group_lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if let Some(read) = g.entries_read {
            if !self.range_has_tombstones(g.last_id, StreamId::MAX) {
                return Some(self.entries_added as i64 - read as i64);
            }
        }
        self.estimate_distance(g.last_id)
            .map(|read| self.entries_added as i64 - read as i64)
    }
}

// ---------------------------------------------------------------------------------------
// The spec slice.

/// Keys of XREAD/XREADGROUP: the first half of the arguments after STREAMS (the specs live
/// with the blocking commands, `blocking::streams`).
pub fn xread_keys(argv: &[&[u8]]) -> Vec<usize> {
    let Some(pos) = argv.iter().position(|a| crate::util::eq_ic(a, "streams")) else {
        return Vec::new();
    };
    let rest = argv.len() - pos - 1;
    (pos + 1..pos + 1 + rest / 2).collect()
}

/// Stream commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "xadd",
        -5,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "stream",
        write::xadd,
    ),
    CommandSpec::new("xlen", 2, READONLY | FAST, (1, 1, 1), "stream", read::xlen),
    CommandSpec::new("xrange", -4, READONLY, (1, 1, 1), "stream", read::xrange),
    CommandSpec::new(
        "xrevrange",
        -4,
        READONLY,
        (1, 1, 1),
        "stream",
        read::xrevrange,
    ),
    CommandSpec::new("xdel", -3, WRITE | FAST, (1, 1, 1), "stream", write::xdel),
    CommandSpec::new("xtrim", -4, WRITE, (1, 1, 1), "stream", write::xtrim),
    CommandSpec::new(
        "xsetid",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "stream",
        write::xsetid,
    ),
    CommandSpec::new("xgroup", -2, WRITE, (2, 2, 1), "stream", group::xgroup),
    CommandSpec::new("xack", -4, WRITE | FAST, (1, 1, 1), "stream", group::xack),
    CommandSpec::new(
        "xpending",
        -3,
        READONLY,
        (1, 1, 1),
        "stream",
        group::xpending,
    ),
    CommandSpec::new(
        "xclaim",
        -6,
        WRITE | FAST,
        (1, 1, 1),
        "stream",
        group::xclaim,
    ),
    CommandSpec::new(
        "xautoclaim",
        -6,
        WRITE | FAST,
        (1, 1, 1),
        "stream",
        group::xautoclaim,
    ),
    CommandSpec::new("xinfo", -2, READONLY, (2, 2, 1), "stream", info::xinfo),
];

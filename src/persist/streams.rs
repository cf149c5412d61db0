//! Streams in the two dump formats (FORMAT.md §8–§9).
//!
//! JSON Lines keeps everything the snapshot keeps (nodes with their deleted entries, groups,
//! consumers, pending entries). RESP rebuilds what Redis commands can express: the live
//! entries (`XADD` with their IDs), `XSETID … ENTRIESADDED … MAXDELETEDID …`, each group
//! (`XGROUP CREATE … ENTRIESREAD …`), its consumers (`XGROUP CREATECONSUMER`) and its
//! pending entries (`XCLAIM … TIME … RETRYCOUNT … FORCE JUSTID`). It cannot carry the node
//! boundaries (Redis rebuilds its own), pending entries whose stream entry was deleted,
//! and the consumers' seen-times (they restart at load time).

use std::fmt::Write as _;

use super::json::{self, Json};
use super::model::{DiskGroup, DiskStream};
use super::PersistError;
use crate::types::stream::node::RawNode;
use crate::types::stream::StreamId;

fn write_id(out: &mut String, id: StreamId) {
    let _ = write!(out, "\"{id}\"");
}

fn write_list(out: &mut String, items: &[Vec<u8>]) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::write_bytes(out, x);
    }
    out.push(']');
}

/// Writes the JSON value of a stream.
pub fn write_json(out: &mut String, s: &DiskStream) {
    out.push_str("{\"last_id\":");
    write_id(out, s.last_id);
    out.push_str(",\"first_id\":");
    write_id(out, s.first_id);
    out.push_str(",\"max_deleted_id\":");
    write_id(out, s.max_deleted_id);
    let _ = write!(out, ",\"entries_added\":{},\"nodes\":[", s.entries_added);
    for (i, n) in s.nodes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"master\":");
        write_id(out, n.master);
        out.push_str(",\"fields\":");
        write_list(out, &n.master_fields);
        out.push_str(",\"entries\":[");
        for (j, (id, deleted, pairs)) in n.entries.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push('[');
            write_id(out, *id);
            let _ = write!(out, ",{deleted},");
            write_list(out, pairs);
            out.push(']');
        }
        out.push_str("]}");
    }
    out.push_str("],\"groups\":[");
    for (i, g) in s.groups.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json::write_bytes(out, &g.name);
        out.push_str(",\"last_id\":");
        write_id(out, g.last_id);
        out.push_str(",\"entries_read\":");
        match g.entries_read {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        }
        out.push_str(",\"consumers\":[");
        for (j, (name, seen)) in g.consumers.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push('[');
            json::write_bytes(out, name);
            let _ = write!(out, ",{seen}]");
        }
        out.push_str("],\"pending\":[");
        for (j, (id, time, count, c)) in g.pel.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push('[');
            write_id(out, *id);
            let _ = write!(out, ",{time},{count},");
            json::write_bytes(out, c);
            out.push(']');
        }
        out.push_str("]}");
    }
    out.push_str("]}");
}

fn bad(msg: &str) -> PersistError {
    PersistError::json(format!("stream: {msg}"))
}

fn field<'a>(obj: &'a [(String, Json)], name: &str) -> Result<&'a Json, PersistError> {
    obj.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .ok_or_else(|| bad(&format!("missing field \"{name}\"")))
}

fn as_id(v: &Json) -> Result<StreamId, PersistError> {
    match v {
        Json::Str(s) => StreamId::parse_exact(s.as_bytes()).ok_or_else(|| bad("invalid ID")),
        _ => Err(bad("an ID must be a string \"ms-seq\"")),
    }
}

fn as_arr(v: &Json) -> Result<&[Json], PersistError> {
    match v {
        Json::Arr(a) => Ok(a),
        _ => Err(bad("expected an array")),
    }
}

fn as_obj(v: &Json) -> Result<&[(String, Json)], PersistError> {
    match v {
        Json::Obj(o) => Ok(o),
        _ => Err(bad("expected an object")),
    }
}

fn bytes_list(v: &Json) -> Result<Vec<Vec<u8>>, PersistError> {
    as_arr(v)?.iter().map(json::as_bytes).collect()
}

/// Reads the JSON value of a stream written by [`write_json`].
pub fn read_json(v: &Json) -> Result<DiskStream, PersistError> {
    let o = as_obj(v)?;
    let mut nodes = Vec::new();
    for n in as_arr(field(o, "nodes")?)? {
        let n = as_obj(n)?;
        let mut entries = Vec::new();
        for e in as_arr(field(n, "entries")?)? {
            let e = as_arr(e)?;
            if e.len() != 3 {
                return Err(bad("an entry is [id, deleted, [field, value, ...]]"));
            }
            let Json::Bool(deleted) = e[1] else {
                return Err(bad("deleted must be true or false"));
            };
            entries.push((as_id(&e[0])?, deleted, bytes_list(&e[2])?));
        }
        nodes.push(RawNode {
            master: as_id(field(n, "master")?)?,
            master_fields: bytes_list(field(n, "fields")?)?,
            entries,
        });
    }
    let mut groups = Vec::new();
    for g in as_arr(field(o, "groups")?)? {
        let g = as_obj(g)?;
        let mut consumers = Vec::new();
        for c in as_arr(field(g, "consumers")?)? {
            let c = as_arr(c)?;
            if c.len() != 2 {
                return Err(bad("a consumer is [name, seen_time_ms]"));
            }
            consumers.push((json::as_bytes(&c[0])?, json::as_u64(&c[1])?));
        }
        let mut pel = Vec::new();
        for p in as_arr(field(g, "pending")?)? {
            let p = as_arr(p)?;
            if p.len() != 4 {
                return Err(bad(
                    "a pending entry is [id, delivery_time_ms, count, consumer]",
                ));
            }
            pel.push((
                as_id(&p[0])?,
                json::as_u64(&p[1])?,
                json::as_u64(&p[2])?,
                json::as_bytes(&p[3])?,
            ));
        }
        groups.push(DiskGroup {
            name: json::as_bytes(field(g, "name")?)?,
            last_id: as_id(field(g, "last_id")?)?,
            entries_read: match field(g, "entries_read")? {
                Json::Null => None,
                v => Some(json::as_u64(v)?),
            },
            consumers,
            pel,
        });
    }
    Ok(DiskStream {
        last_id: as_id(field(o, "last_id")?)?,
        first_id: as_id(field(o, "first_id")?)?,
        max_deleted_id: as_id(field(o, "max_deleted_id")?)?,
        entries_added: json::as_u64(field(o, "entries_added")?)?,
        nodes,
        groups,
    })
}

/// The commands rebuilding a stream in Redis (see the module docs), as argument vectors.
pub fn resp_commands(key: &[u8], s: &DiskStream) -> Vec<Vec<Vec<u8>>> {
    let b = |x: &str| x.as_bytes().to_vec();
    let mut out = Vec::new();
    let mut live = std::collections::BTreeSet::new();
    for n in &s.nodes {
        for (id, deleted, pairs) in &n.entries {
            if *deleted {
                continue;
            }
            live.insert(*id);
            let mut cmd = vec![b("XADD"), key.to_vec(), id.to_bytes()];
            cmd.extend(pairs.iter().cloned());
            out.push(cmd);
        }
    }
    if live.is_empty() {
        // An empty stream: create it with one entry trimmed away at once.
        let id = s.last_id.max(StreamId::new(0, 1));
        out.push(vec![
            b("XADD"),
            key.to_vec(),
            b("MAXLEN"),
            b("0"),
            id.to_bytes(),
            b("f"),
            b("v"),
        ]);
    }
    out.push(vec![
        b("XSETID"),
        key.to_vec(),
        s.last_id.to_bytes(),
        b("ENTRIESADDED"),
        s.entries_added.to_string().into_bytes(),
        b("MAXDELETEDID"),
        s.max_deleted_id.to_bytes(),
    ]);
    for g in &s.groups {
        let mut create = vec![
            b("XGROUP"),
            b("CREATE"),
            key.to_vec(),
            g.name.clone(),
            g.last_id.to_bytes(),
        ];
        if let Some(n) = g.entries_read {
            create.push(b("ENTRIESREAD"));
            create.push(n.to_string().into_bytes());
        }
        out.push(create);
        for (c, _) in &g.consumers {
            out.push(vec![
                b("XGROUP"),
                b("CREATECONSUMER"),
                key.to_vec(),
                g.name.clone(),
                c.clone(),
            ]);
        }
        for (id, time, count, c) in &g.pel {
            if !live.contains(id) {
                continue;
            }
            out.push(vec![
                b("XCLAIM"),
                key.to_vec(),
                g.name.clone(),
                c.clone(),
                b("0"),
                id.to_bytes(),
                b("TIME"),
                time.to_string().into_bytes(),
                b("RETRYCOUNT"),
                count.to_string().into_bytes(),
                b("FORCE"),
                b("JUSTID"),
            ]);
        }
    }
    out
}

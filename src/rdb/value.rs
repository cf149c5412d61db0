//! One value in RDB form (Redis `rdbSaveObject` / `rdbLoadObject`): the type byte, then the
//! value in the encoding Redis 7.0 would hold for it ([`crate::keyspace::Object::encoding`]).
//!
//! Written: strings; lists as quicklist 2 (listpack nodes split as `quicklistPushTail`
//! splits them under `list-max-listpack-size`); sets as intset or hash table; hashes as
//! listpack or hash table; sorted sets as listpack or skiplist (`ZSET_2`, binary scores,
//! highest first); streams as `STREAM_LISTPACKS_2` ([`super::stream`]).
//! Read: all of those plus the encodings of older Redis versions (linked list, ziplist and
//! quicklist-of-ziplists lists, zipmap and ziplist hashes, ziplist sorted sets, string
//! scores, `STREAM_LISTPACKS`). The encoding of a loaded value follows Redis's loader: it
//! keeps a compact blob compact unless it has more entries than the config allows, and
//! builds a compact value from a table when it fits.

use super::blobs::{self, Elem, ListpackWriter};
use super::codec::{write_double, write_len, write_string, RdbError, Reader};
use super::kind;
use super::lzf;
use crate::config::Config;
use crate::keyspace::Object;
use crate::types::list::End;
use crate::types::{hash::Hash, list::List, set::Set, zset::ZSet};

/// Elements of at least this size get a plain quicklist node (`packed_threshold`, 1 GiB).
const PACKED_THRESHOLD: usize = 1 << 30;
const SIZE_SAFETY_LIMIT: usize = 8192;
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// The RDB type byte for `obj` in the encoding Redis 7.0 would hold it (`rdbSaveObjectType`).
pub fn type_byte(obj: &Object, cfg: &Config) -> u8 {
    match obj {
        Object::Str(_) => kind::STRING,
        Object::List(_) => kind::LIST_QUICKLIST_2,
        Object::Set(s) if s.is_intset() => kind::SET_INTSET,
        Object::Set(_) => kind::SET,
        Object::Hash(h) if h.is_listpack() => kind::HASH_LISTPACK,
        Object::Hash(_) => kind::HASH,
        Object::ZSet(z) if z.is_compact() => kind::ZSET_LISTPACK,
        Object::ZSet(_) => kind::ZSET_2,
        Object::Stream(_) => {
            let _ = cfg;
            kind::STREAM_LISTPACKS_2
        }
    }
}

/// `_quicklistNodeAllowInsert` for a tail push of an element of `sz` bytes.
fn node_allows(node_sz: usize, node_count: usize, fill: i64, sz: usize) -> bool {
    let new_sz = node_sz + sz + SIZE_ESTIMATE_OVERHEAD;
    if fill < 0 {
        let off = (-fill - 1) as usize;
        if off < OPTIMIZATION_LEVEL.len() && new_sz <= OPTIMIZATION_LEVEL[off] {
            return true;
        }
    }
    if new_sz > SIZE_SAFETY_LIMIT {
        return false;
    }
    (node_count as i64) < fill
}

/// How Redis writes a sorted-set score into a listpack (`zzlInsertAt`): integral values
/// within ±2^62 as integers, others as `d2string` text.
fn push_score(lp: &mut ListpackWriter, score: f64) {
    const LIM: f64 = (i64::MAX / 2) as f64;
    if (-LIM..=LIM).contains(&score) && score == (score as i64) as f64 {
        lp.push_int(score as i64);
    } else {
        lp.push_str_raw(d2string(score).as_bytes());
    }
}

/// Redis `d2string` for a non-integral (or out of ±2^62) double.
fn d2string(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        crate::util::float::fmt_g17(v)
    }
}

/// Appends the type byte and the value of `obj` (`rdbSaveObjectType` + `rdbSaveObject`).
pub fn write_object(out: &mut Vec<u8>, obj: &Object, cfg: &Config) {
    out.push(type_byte(obj, cfg));
    write_value(out, obj, cfg);
}

/// Appends the value of `obj` without its type byte (`rdbSaveObject`).
pub fn write_value(out: &mut Vec<u8>, obj: &Object, cfg: &Config) {
    let compress = cfg.rdbcompression;
    match obj {
        Object::Str(s) => write_string(out, s, compress),
        Object::List(l) => write_list(out, l, cfg),
        Object::Set(s) => {
            if let Some(ints) = s.intset() {
                let v: Vec<i64> = ints.iter().collect();
                write_string(out, &blobs::write_intset(&v), compress);
            } else {
                write_len(out, s.len() as u64);
                for m in s.iter() {
                    write_string(out, &m, compress);
                }
            }
        }
        Object::Hash(h) => {
            if h.is_listpack() {
                let mut lp = ListpackWriter::new();
                for (f, v) in h.iter() {
                    lp.push(f);
                    lp.push(v);
                }
                write_string(out, &lp.finish(), compress);
            } else {
                write_len(out, h.len() as u64);
                for (f, v) in h.iter() {
                    write_string(out, f, compress);
                    write_string(out, v, compress);
                }
            }
        }
        Object::ZSet(z) => {
            if z.is_compact() {
                let mut lp = ListpackWriter::new();
                for (m, s) in z.iter() {
                    lp.push(m);
                    push_score(&mut lp, s);
                }
                write_string(out, &lp.finish(), compress);
            } else {
                write_len(out, z.len() as u64);
                if !z.is_empty() {
                    for (m, s) in z.iter_rev_from(z.len() - 1) {
                        write_string(out, m, compress);
                        write_double(out, s);
                    }
                }
            }
        }
        Object::Stream(s) => super::stream::write_stream(out, s, compress),
    }
}

fn write_list(out: &mut Vec<u8>, l: &List, cfg: &Config) {
    let compress = cfg.rdbcompression;
    let fill = cfg.list_max_listpack_size;
    enum NodeOut {
        Packed(ListpackWriter),
        Plain(Vec<u8>),
    }
    let mut nodes: Vec<NodeOut> = Vec::new();
    for item in l.iter() {
        if item.len() >= PACKED_THRESHOLD {
            nodes.push(NodeOut::Plain(item.to_vec()));
            continue;
        }
        match nodes.last_mut() {
            Some(NodeOut::Packed(lp)) if node_allows(lp.bytes(), lp.count(), fill, item.len()) => {
                lp.push(item)
            }
            _ => {
                let mut lp = ListpackWriter::new();
                lp.push(item);
                nodes.push(NodeOut::Packed(lp));
            }
        }
    }
    write_len(out, nodes.len() as u64);
    // `list-compress-depth` d > 0: Redis keeps the inner nodes (all but d at each end)
    // LZF-compressed when that saves at least 8 bytes of a node of at least 48, and saves
    // them compressed as they are (`rdbSaveLzfBlob`).
    let depth = usize::try_from(cfg.list_compress_depth).unwrap_or(0);
    let count = nodes.len();
    for (i, n) in nodes.into_iter().enumerate() {
        match n {
            NodeOut::Packed(lp) => {
                write_len(out, 2);
                let lp = lp.finish();
                let inner = depth > 0 && i >= depth && i + depth < count;
                let packed = if inner && lp.len() >= 48 {
                    lzf::compress(&lp, lp.len()).filter(|c| c.len() + 8 < lp.len())
                } else {
                    None
                };
                match packed {
                    Some(c) => {
                        out.push(0xC3);
                        write_len(out, c.len() as u64);
                        write_len(out, lp.len() as u64);
                        out.extend_from_slice(&c);
                    }
                    None => write_string(out, &lp, compress),
                }
            }
            NodeOut::Plain(b) => {
                write_len(out, 1);
                write_string(out, &b, compress);
            }
        }
    }
}

/// Reads a value of type `ty`. `Ok(None)` is an empty aggregate (Redis's "empty key",
/// skipped when loading a file, refused by RESTORE). `deep` is
/// `sanitize-dump-payload yes`: check that encoded blobs have no duplicate members.
pub fn read_object(
    r: &mut Reader,
    ty: u8,
    cfg: &Config,
    deep: bool,
) -> Result<Option<Object>, RdbError> {
    let at = r.offset();
    let bad = |msg: &str| RdbError {
        offset: at,
        msg: msg.to_string(),
    };
    let obj = match ty {
        kind::STRING => Object::string(r.string()?),
        kind::LIST => {
            let n = r.count()?;
            let mut l = List::default();
            for _ in 0..n {
                l.push(End::Tail, &r.string()?);
            }
            Object::List(Box::new(l))
        }
        kind::LIST_QUICKLIST | kind::LIST_QUICKLIST_2 => {
            let n = r.count()?;
            let mut l = List::default();
            for _ in 0..n {
                let container = if ty == kind::LIST_QUICKLIST_2 {
                    r.len()?
                } else {
                    2
                };
                let blob_at = r.offset();
                let blob = r.string()?;
                match container {
                    1 => l.push(End::Tail, &blob),
                    2 if ty == kind::LIST_QUICKLIST_2 => {
                        let elems = blobs::read_listpack(&blob).ok_or_else(|| RdbError {
                            offset: blob_at,
                            msg: "Listpack integrity check failed".into(),
                        })?;
                        l.extend(elems.into_iter().map(Elem::into_bytes));
                    }
                    2 => {
                        let elems = blobs::read_ziplist(&blob).ok_or_else(|| RdbError {
                            offset: blob_at,
                            msg: "Ziplist integrity check failed".into(),
                        })?;
                        l.extend(elems);
                    }
                    _ => return Err(bad("Quicklist integrity check failed")),
                }
            }
            Object::List(Box::new(l))
        }
        kind::LIST_ZIPLIST => {
            let blob = r.string()?;
            let elems = blobs::read_ziplist(&blob)
                .ok_or_else(|| bad("List ziplist integrity check failed"))?;
            Object::List(Box::new(elems.into_iter().collect::<List>()))
        }
        kind::SET => {
            let n = r.count()?;
            let mut members = Vec::with_capacity(n);
            for _ in 0..n {
                members.push(r.string()?);
            }
            let s = Set::from_members(&members, cfg.set_max_intset_entries);
            if s.len() != members.len() {
                return Err(bad("Duplicate set members detected"));
            }
            Object::Set(s)
        }
        kind::SET_INTSET => {
            let blob = r.string()?;
            let v =
                blobs::read_intset(&blob).ok_or_else(|| bad("Intset integrity check failed"))?;
            let members: Vec<Vec<u8>> = v.iter().map(|x| x.to_string().into_bytes()).collect();
            Object::Set(Set::from_members(&members, cfg.set_max_intset_entries))
        }
        kind::ZSET | kind::ZSET_2 => {
            let n = r.count()?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let m = r.string()?;
                let s = if ty == kind::ZSET_2 {
                    r.double()?
                } else {
                    r.string_double()?
                };
                if s.is_nan() {
                    return Err(bad("Zset with NAN score detected"));
                }
                pairs.push((m, s));
            }
            let z = ZSet::from_pairs_fit(pairs, cfg);
            if z.len() != n {
                return Err(bad("Duplicate zset fields detected"));
            }
            Object::ZSet(Box::new(z))
        }
        kind::ZSET_ZIPLIST | kind::ZSET_LISTPACK => {
            let blob = r.string()?;
            let elems: Vec<Vec<u8>> = if ty == kind::ZSET_LISTPACK {
                blobs::read_listpack(&blob)
                    .ok_or_else(|| bad("Zset listpack integrity check failed"))?
                    .into_iter()
                    .map(Elem::into_bytes)
                    .collect()
            } else {
                blobs::read_ziplist(&blob)
                    .ok_or_else(|| bad("Zset ziplist integrity check failed"))?
            };
            if elems.len() % 2 != 0 {
                return Err(bad("Zset listpack integrity check failed"));
            }
            let n = elems.len() / 2;
            let mut pairs = Vec::with_capacity(n);
            let mut elems = elems.into_iter();
            while let (Some(m), Some(s)) = (elems.next(), elems.next()) {
                let score = std::str::from_utf8(&s)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|s| !s.is_nan())
                    .ok_or_else(|| bad("Zset listpack holds a bad score"))?;
                pairs.push((m, score));
            }
            // Kept a listpack unless it holds more than zset-max-listpack-entries (the
            // member length is not checked on load, as in Redis).
            let z = ZSet::from_pairs_in(pairs, n <= cfg.zset_max_listpack_entries);
            if z.len() != n {
                return Err(bad("Zset listpack integrity check failed"));
            }
            Object::ZSet(Box::new(z))
        }
        kind::HASH => {
            let n = r.count()?;
            let lim = crate::types::hash::Limits::of(cfg);
            let mut h = Hash::new();
            if n > lim.entries {
                h.convert();
            }
            for _ in 0..n {
                let f = r.string()?;
                let v = r.string()?;
                if !h.set(&f, v, lim) {
                    return Err(bad("Duplicate hash fields detected"));
                }
            }
            Object::Hash(Box::new(h))
        }
        kind::HASH_ZIPMAP | kind::HASH_ZIPLIST | kind::HASH_LISTPACK => {
            let blob = r.string()?;
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = match ty {
                kind::HASH_ZIPMAP => {
                    blobs::read_zipmap(&blob).ok_or_else(|| bad("Zipmap integrity check failed"))?
                }
                _ => {
                    let elems: Vec<Vec<u8>> = if ty == kind::HASH_LISTPACK {
                        blobs::read_listpack(&blob)
                            .ok_or_else(|| bad("Hash listpack integrity check failed"))?
                            .into_iter()
                            .map(Elem::into_bytes)
                            .collect()
                    } else {
                        blobs::read_ziplist(&blob)
                            .ok_or_else(|| bad("Hash ziplist integrity check failed"))?
                    };
                    if elems.len() % 2 != 0 {
                        return Err(bad("Hash listpack integrity check failed"));
                    }
                    let mut it = elems.into_iter();
                    let mut pairs = Vec::new();
                    while let (Some(f), Some(v)) = (it.next(), it.next()) {
                        pairs.push((f, v));
                    }
                    pairs
                }
            };
            let maxlen = pairs
                .iter()
                .map(|(f, v)| f.len().max(v.len()))
                .max()
                .unwrap_or(0);
            let n = pairs.len();
            let mut h =
                Hash::from_listpack(pairs).ok_or_else(|| bad("Hash with dup elements detected"))?;
            if n > cfg.hash_max_listpack_entries
                || (ty == kind::HASH_ZIPMAP && maxlen > cfg.hash_max_listpack_value)
            {
                h.convert();
            }
            let _ = deep;
            Object::Hash(Box::new(h))
        }
        kind::STREAM_LISTPACKS | kind::STREAM_LISTPACKS_2 => {
            return super::stream::read_stream(r, ty).map(|s| Some(Object::Stream(Box::new(s))))
        }
        kind::MODULE | kind::MODULE_2 => {
            return Err(bad("module values are not supported"));
        }
        t => return Err(bad(&format!("unknown RDB value type {t}"))),
    };
    Ok((!obj.is_empty_aggregate()).then_some(obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quicklist_nodes_split_at_8k_by_default() {
        let cfg = Config {
            list_max_listpack_size: -2,
            ..Config::default()
        };
        let mut l = List::default();
        for i in 0..1000 {
            l.push(
                End::Tail,
                format!("element-{i:04}-padding-padding").as_bytes(),
            );
        }
        let mut out = Vec::new();
        write_object(&mut out, &Object::List(Box::new(l.clone())), &cfg);
        let mut r = Reader::new(&out[1..]);
        let nodes = {
            let mut r2 = Reader::new(&out[1..]);
            r2.len().expect("len")
        };
        assert!(nodes > 1, "{nodes}");
        let back = read_object(&mut r, out[0], &cfg, true)
            .expect("reads")
            .expect("non-empty");
        assert!(matches!(back, Object::List(b) if *b == l));
    }

    /// A ziplist of short strings and small integers, as Redis ≤ 6.2 wrote them.
    fn ziplist(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut tail = 10;
        for it in items {
            let start = body.len();
            tail = 10 + start;
            body.push(prev as u8);
            match crate::rdb::codec::canonical_int(it) {
                Some(v) if (0..=12).contains(&v) => body.push(0xF1 + v as u8),
                Some(v) if (-128..=127).contains(&v) => {
                    body.push(0xFE);
                    body.push(v as i8 as u8);
                }
                Some(v) if (-32768..=32767).contains(&v) => {
                    body.push(0xC0);
                    body.extend_from_slice(&(v as i16).to_le_bytes());
                }
                _ => {
                    body.push(it.len() as u8);
                    body.extend_from_slice(it);
                }
            }
            prev = body.len() - start;
        }
        let mut z = Vec::new();
        z.extend_from_slice(&((body.len() + 11) as u32).to_le_bytes());
        z.extend_from_slice(&(tail as u32).to_le_bytes());
        z.extend_from_slice(&(items.len() as u16).to_le_bytes());
        z.extend_from_slice(&body);
        z.push(0xFF);
        z
    }

    fn load(ty: u8, value: &[u8]) -> Object {
        let cfg = Config::default();
        let mut r = Reader::new(value);
        let o = read_object(&mut r, ty, &cfg, true)
            .expect("loads")
            .expect("not empty");
        assert!(r.is_empty(), "trailing bytes");
        o
    }

    fn blob(b: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        write_string(&mut v, b, false);
        v
    }

    #[test]
    fn old_encodings_load() {
        let items: &[&[u8]] = &[b"a", b"5", b"300", b"-7", b"hello"];
        let want: Vec<Vec<u8>> = items.iter().map(|i| i.to_vec()).collect();
        // Ziplist list (type 10).
        let o = load(kind::LIST_ZIPLIST, &blob(&ziplist(items)));
        assert!(
            matches!(&o, Object::List(l) if l.iter().map(<[u8]>::to_vec).collect::<Vec<_>>() == want)
        );
        // Quicklist of ziplists (type 14): two nodes.
        let mut v = Vec::new();
        write_len(&mut v, 2);
        v.extend(blob(&ziplist(&items[..2])));
        v.extend(blob(&ziplist(&items[2..])));
        let o = load(kind::LIST_QUICKLIST, &v);
        assert!(
            matches!(&o, Object::List(l) if l.iter().map(<[u8]>::to_vec).collect::<Vec<_>>() == want)
        );
        // Linked list (type 1).
        let mut v = Vec::new();
        write_len(&mut v, items.len() as u64);
        for i in items {
            write_string(&mut v, i, true);
        }
        let o = load(kind::LIST, &v);
        assert!(matches!(&o, Object::List(l) if l.len() == 5));
        // Ziplist hash (type 13) and zipmap hash (type 9).
        let o = load(
            kind::HASH_ZIPLIST,
            &blob(&ziplist(&[b"f", b"1", b"g", b"x"])),
        );
        assert!(matches!(&o, Object::Hash(h) if h.get(b"f") == Some(&b"1"[..]) && h.is_listpack()));
        let zipmap = [
            2u8, 1, b'f', 1, 0, b'v', 2, b'g', b'g', 3, 1, b'a', b'b', b'c', 0, 0xFF,
        ];
        let o = load(kind::HASH_ZIPMAP, &blob(&zipmap));
        assert!(matches!(&o, Object::Hash(h) if h.get(b"gg") == Some(&b"abc"[..]) && h.len() == 2));
        // Ziplist sorted set (type 12) and string scores (type 3).
        let o = load(
            kind::ZSET_ZIPLIST,
            &blob(&ziplist(&[b"a", b"1", b"b", b"2.5"])),
        );
        assert!(matches!(&o, Object::ZSet(z) if z.score(b"b") == Some(2.5) && z.is_compact()));
        let mut v = Vec::new();
        write_len(&mut v, 2);
        write_string(&mut v, b"m", false);
        v.extend_from_slice(&[3, b'1', b'.', b'5']);
        write_string(&mut v, b"n", false);
        v.push(254); // +inf
        let o = load(kind::ZSET, &v);
        assert!(matches!(&o, Object::ZSet(z) if z.score(b"n") == Some(f64::INFINITY)));
        // A damaged ziplist is refused, not trusted.
        let mut bad = ziplist(items);
        bad[10] = 0xFF;
        let cfg = Config::default();
        let bad = blob(&bad);
        let mut r = Reader::new(&bad);
        let e = read_object(&mut r, kind::LIST_ZIPLIST, &cfg, true);
        assert!(e.is_err());
    }
}

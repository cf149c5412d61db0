//! `DEBUG DIGEST` and `DEBUG DIGEST-VALUE` (Redis `computeDatasetDigest` and
//! `xorObjectDigest`): SHA1-based digests of the dataset and of single values that are equal
//! exactly when the contents are, whatever the encoding or the insertion order of
//! unordered types.
//!
//! Strings, lists, sets, hashes and sorted sets are mixed as Redis 7.0 mixes them, so the
//! digests equal real Redis's for the same data. A stream is digested from its logical
//! contents (entries, last ID, groups with their PEL and consumers), not from listpack
//! bytes as Redis does, so a stream's digest is emu's own (still equal across equal
//! streams, e.g. after COPY or a reload).

use crate::keyspace::{Entry, Object};

type Digest = [u8; 20];

/// Redis `xorDigest`: XORs SHA1(data) into `d` (order-independent).
fn xor(d: &mut Digest, data: &[u8]) {
    let h = sha1_smol::Sha1::from(data).digest().bytes();
    for (a, b) in d.iter_mut().zip(h) {
        *a ^= b;
    }
}

/// Redis `mixDigest`: `d = SHA1(d ^ SHA1(data))` (order-dependent).
fn mix(d: &mut Digest, data: &[u8]) {
    xor(d, data);
    *d = sha1_smol::Sha1::from(&d[..]).digest().bytes();
}

/// Redis's `OBJ_*` type codes, mixed in big-endian as `htonl(o->type)`.
fn type_code(o: &Object) -> u32 {
    match o {
        Object::Str(_) => 0,
        Object::List(_) => 1,
        Object::Set(_) => 2,
        Object::ZSet(_) => 3,
        Object::Hash(_) => 4,
        Object::Stream(_) => 6,
    }
}

/// Redis `xorObjectDigest`: mixes a value (and whether it has a TTL) into `d`.
fn object_digest(d: &mut Digest, e: &Entry) {
    let o = &e.obj;
    mix(d, &type_code(o).to_be_bytes());
    match o {
        Object::Str(s) => mix(d, s),
        Object::List(l) => {
            for v in l.iter() {
                mix(d, v);
            }
        }
        Object::Set(s) => {
            for m in s.iter() {
                xor(d, &m);
            }
        }
        Object::ZSet(z) => {
            for (m, score) in z.iter() {
                let mut ele = [0u8; 20];
                mix(&mut ele, m);
                mix(&mut ele, crate::util::float::fmt_g17(score).as_bytes());
                xor(d, &ele);
            }
        }
        Object::Hash(h) => {
            for (f, v) in h.iter() {
                let mut ele = [0u8; 20];
                mix(&mut ele, f);
                mix(&mut ele, v);
                xor(d, &ele);
            }
        }
        Object::Stream(st) => {
            let id = |i: crate::types::stream::id::StreamId| {
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&i.ms.to_be_bytes());
                b[8..].copy_from_slice(&i.seq.to_be_bytes());
                b
            };
            st.range_each(
                crate::types::stream::id::StreamId::ZERO,
                crate::types::stream::id::StreamId::MAX,
                false,
                |i, pairs| {
                    mix(d, &id(i));
                    for p in &pairs {
                        mix(d, p);
                    }
                    true
                },
            );
            mix(d, &id(st.last_id));
            for (name, g) in &st.groups {
                mix(d, name);
                mix(d, &id(g.last_id));
                mix(d, &g.entries_read.map_or(-1i128, i128::from).to_be_bytes());
                for (i, nack) in &g.pel {
                    mix(d, &id(*i));
                    mix(d, &nack.consumer);
                    mix(d, &nack.delivery_count.to_be_bytes());
                    mix(d, &nack.delivery_time.to_be_bytes());
                }
                for (cname, c) in &g.consumers {
                    mix(d, cname);
                    mix(d, &c.seen_time.to_be_bytes());
                }
            }
        }
    }
    if e.expire().is_some() {
        xor(d, b"!!expire!!");
    }
}

fn hex(d: &Digest) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// `DEBUG DIGEST-VALUE`'s digest of one value (all zeros for a missing key).
pub fn value_digest(e: Option<&Entry>) -> String {
    let mut d = [0u8; 20];
    if let Some(e) = e {
        object_digest(&mut d, e);
    }
    hex(&d)
}

/// `DEBUG DIGEST`: the whole dataset (all zeros when it is empty). Each non-empty database
/// mixes its number in; each key XORs `mix(key) + value digest`, so key order does not
/// matter.
pub fn dataset_digest(dbs: &[crate::keyspace::Db]) -> String {
    let mut fin = [0u8; 20];
    for (j, db) in dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        mix(&mut fin, &(j as u32).to_be_bytes());
        for (key, e) in db.dict.iter() {
            let mut d = [0u8; 20];
            mix(&mut d, key);
            object_digest(&mut d, e);
            xor(&mut fin, &d);
        }
    }
    hex(&fin)
}

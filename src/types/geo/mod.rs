//! Geo commands on sorted sets (Redis 7.0 `geo.c`): GEOADD, GEODIST, GEOHASH, GEOPOS,
//! GEORADIUS, GEORADIUSBYMEMBER (and their `_RO` forms), GEOSEARCH and GEOSEARCHSTORE.
//!
//! A geo set is an ordinary [`ZSet`] whose scores are Redis's
//! 52-bit interleaved geohashes ([`geohash`]); GEOADD is ZADD with computed scores. A
//! search covers the shape with Redis's nine cells (`geohashCalculateAreasByShapeWGS84`),
//! walks each cell's score range in the sorted set in Redis's order (centre, N, S, E, W,
//! NE, NW, SE, SW), keeps the points inside the shape with Redis's haversine, and sorts
//! by distance when asked (stably; Redis's `qsort` order of equal distances is
//! unspecified). Without ASC/DESC the reply is in that cell-walk order, as in Redis.
//!
//! Coordinates (GEOPOS, WITHCOORD) are printed as Redis's `addReplyHumanLongDouble`
//! does: `%.17Lf` with trailing zeros trimmed, a bulk string in RESP2 and the same text as
//! a RESP3 double (`,13.36138933897018433`, [`Value::DoubleText`]).

pub mod geohash;

use crate::engine::{flags::*, CommandSpec, Ctx};
use crate::error::{Error, Result};
use crate::types::zset::spec::ScoreRange;
use crate::types::zset::{read_zset, write, ZSet};
use crate::util::{arg_i64, eq_ic, parse_f64};
use crate::value::Value;
use geohash::{Shape, ShapeKind};

const G: &str = "geo";

fn invalid_pair(lon: f64, lat: f64) -> Error {
    Error::err(format!("invalid longitude,latitude pair {lon:.6},{lat:.6}"))
}

fn float_or(a: &[u8], msg: &str) -> Result<f64> {
    parse_f64(a).ok_or_else(|| Error::err(msg))
}

/// Redis `extractLongLatOrReply`.
fn lon_lat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64)> {
    let x = float_or(lon, "value is not a valid float")?;
    let y = float_or(lat, "value is not a valid float")?;
    if !(geohash::LONG_MIN..=geohash::LONG_MAX).contains(&x)
        || !(geohash::LAT_MIN..=geohash::LAT_MAX).contains(&y)
    {
        return Err(invalid_pair(x, y));
    }
    Ok((x, y))
}

/// Redis `extractUnitOrReply`: meters per unit.
fn unit(a: &[u8]) -> Result<f64> {
    if eq_ic(a, "m") {
        Ok(1.0)
    } else if eq_ic(a, "km") {
        Ok(1000.0)
    } else if eq_ic(a, "ft") {
        Ok(0.3048)
    } else if eq_ic(a, "mi") {
        Ok(1609.34)
    } else {
        Err(Error::err(
            "unsupported unit provided. please use M, KM, FT, MI",
        ))
    }
}

/// Redis `extractDistanceOrReply`: (radius, conversion).
fn radius_arg(r: &[u8], u: &[u8]) -> Result<(f64, f64)> {
    let d = float_or(r, "need numeric radius")?;
    if d < 0.0 {
        return Err(Error::err("radius cannot be negative"));
    }
    Ok((d, unit(u)?))
}

/// Redis `extractBoxOrReply`: (width, height, conversion).
fn box_arg(w: &[u8], h: &[u8], u: &[u8]) -> Result<(f64, f64, f64)> {
    let w = float_or(w, "need numeric width")?;
    let h = float_or(h, "need numeric height")?;
    if h < 0.0 || w < 0.0 {
        return Err(Error::err("height or width cannot be negative"));
    }
    Ok((w, h, unit(u)?))
}

/// `%.4f`, as Redis's `addReplyDoubleDistance` (a bulk string in both protocols).
fn distance_reply(d: f64) -> Value {
    Value::Bulk(format!("{d:.4}").into_bytes())
}

/// Redis's `LD_STR_HUMAN` form of a coordinate: `%.17Lf`, trailing zeros (and a bare
/// dot) trimmed, `-0` as `0`.
pub fn human_double(v: f64) -> String {
    let mut s = format!("{v:.17}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}

/// A coordinate pair as `addReplyHumanLongDouble` sends it: the text as a bulk string
/// (RESP2) or as a double (RESP3).
fn coord_reply(resp: u8, lon: f64, lat: f64) -> Value {
    let text = |v: f64| {
        if resp > 2 {
            Value::DoubleText(human_double(v))
        } else {
            Value::Bulk(human_double(v).into_bytes())
        }
    };
    Value::Array(vec![text(lon), text(lat)])
}

/// # Format
/// `GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]`
pub fn geoadd(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let (mut nx, mut xx) = (false, false);
    let mut first = 2;
    while first < argv.len() {
        let a = argv[first];
        if eq_ic(a, "nx") {
            nx = true;
        } else if eq_ic(a, "xx") {
            xx = true;
        } else if !eq_ic(a, "ch") {
            break;
        }
        first += 1;
    }
    if (argv.len() - first) % 3 != 0 || (xx && nx) {
        return Err(Error::syntax());
    }
    let mut scores = Vec::with_capacity((argv.len() - first) / 3);
    for t in argv[first..].chunks(3) {
        let (x, y) = lon_lat(t[0], t[1])?;
        scores.push(geohash::encode_score(x, y).to_string().into_bytes());
    }
    let mut zargv: Vec<&[u8]> = Vec::with_capacity(first + scores.len() * 2);
    zargv.push(b"zadd");
    zargv.extend_from_slice(&argv[1..first]);
    for (s, t) in scores.iter().zip(argv[first..].chunks(3)) {
        zargv.push(s);
        zargv.push(t[2]);
    }
    write::zadd(ctx, &zargv)
}

/// # Format
/// `GEODIST key member1 member2 [M | KM | FT | MI]`
pub fn geodist(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let to_meter = match argv.len() {
        5 => unit(argv[4])?,
        n if n > 5 => return Err(Error::syntax()),
        _ => 1.0,
    };
    let Some(z) = read_zset(ctx, argv[1])? else {
        return Ok(Value::Nil);
    };
    let (Some(a), Some(b)) = (z.score(argv[2]), z.score(argv[3])) else {
        return Ok(Value::Nil);
    };
    let (x1, y1) = geohash::decode_score(a);
    let (x2, y2) = geohash::decode_score(b);
    Ok(distance_reply(geohash::distance(x1, y1, x2, y2) / to_meter))
}

/// # Format
/// `GEOHASH key [member [member ...]]`
pub fn geohash_cmd(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let z = read_zset(ctx, argv[1])?;
    Ok(Value::Array(
        argv[2..]
            .iter()
            .map(|m| match z.and_then(|z| z.score(m)) {
                Some(s) => Value::Bulk(geohash::hash_string(s).to_vec()),
                None => Value::Nil,
            })
            .collect(),
    ))
}

/// # Format
/// `GEOPOS key [member [member ...]]`
pub fn geopos(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    let resp = ctx.resp();
    let z = read_zset(ctx, argv[1])?;
    Ok(Value::Array(
        argv[2..]
            .iter()
            .map(|m| match z.and_then(|z| z.score(m)) {
                Some(s) => {
                    let (x, y) = geohash::decode_score(s);
                    coord_reply(resp, x, y)
                }
                None => Value::NilArray,
            })
            .collect(),
    ))
}

/// A point found by a search (`geoPoint`).
#[derive(Clone, Debug)]
pub struct Found {
    /// The member.
    pub member: Vec<u8>,
    /// Its score (the 52-bit hash).
    pub score: f64,
    /// Distance to the centre, meters.
    pub dist: f64,
    /// Decoded longitude.
    pub lon: f64,
    /// Decoded latitude.
    pub lat: f64,
}

/// Redis `membersOfAllNeighbors`: the points of `z` within `shape`, in Redis's cell-walk
/// order; with `limit > 0` (ANY) stops once that many were found.
pub fn search(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Found> {
    let cells = shape.cover();
    let mut out = Vec::new();
    let mut last: Option<usize> = None;
    for (i, c) in cells.iter().enumerate() {
        if c.is_zero() {
            continue;
        }
        if let Some(l) = last {
            if l != 0 && cells[l] == *c {
                continue;
            }
        }
        if !out.is_empty() && limit > 0 && out.len() >= limit {
            break;
        }
        let min = c.align52() as f64;
        let max = Bits1::next(*c).align52() as f64;
        let range = ScoreRange {
            min,
            max,
            minex: false,
            maxex: true,
        };
        if let Some(first) = z.score_first(&range) {
            for (member, score) in z.iter_from(first) {
                if !range.lte_max(score) {
                    break;
                }
                let (lon, lat) = geohash::decode_score(score);
                if let Some(dist) = shape.contains(lon, lat) {
                    out.push(Found {
                        member: member.to_vec(),
                        score,
                        dist,
                        lon,
                        lat,
                    });
                }
                if !out.is_empty() && limit > 0 && out.len() >= limit {
                    break;
                }
            }
        }
        last = Some(i);
    }
    out
}

struct Bits1;
impl Bits1 {
    fn next(b: geohash::Bits) -> geohash::Bits {
        geohash::Bits {
            bits: b.bits.wrapping_add(1),
            step: b.step,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Coords,
    Member,
    Search,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// Redis `georadiusGeneric`. `src` is the index of the source key; `store_cmd` is
/// GEOSEARCHSTORE; `nostore` the `_RO` forms.
fn radius_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    src: usize,
    kind: Kind,
    store_cmd: bool,
    nostore: bool,
) -> Result<Value> {
    let resp = ctx.resp();
    let zobj = read_zset(ctx, argv[src])?;
    let exists = zobj.is_some();
    let mut store: Option<&[u8]> = None;
    let mut storedist = false;
    let mut center: Option<(f64, f64)> = None;
    let mut shape_kind: Option<(ShapeKind, f64)> = None;
    let base = match kind {
        Kind::Coords => {
            center = Some(lon_lat(argv[2], argv[3])?);
            let (r, c) = radius_arg(argv[4], argv[5])?;
            shape_kind = Some((ShapeKind::Radius(r), c));
            6
        }
        Kind::Member => {
            if let Some(z) = zobj {
                let s = z
                    .score(argv[2])
                    .ok_or_else(|| Error::err("could not decode requested zset member"))?;
                center = Some(geohash::decode_score(s));
                let (r, c) = radius_arg(argv[3], argv[4])?;
                shape_kind = Some((ShapeKind::Radius(r), c));
            }
            5
        }
        Kind::Search => {
            if store_cmd {
                store = Some(argv[1]);
                3
            } else {
                2
            }
        }
    };
    let search = kind == Kind::Search;
    let (mut withdist, mut withhash, mut withcoord, mut any) = (false, false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut count: i64 = 0;
    let rest = &argv[base.min(argv.len())..];
    let n = rest.len();
    let mut i = 0;
    while i < n {
        let a = rest[i];
        if eq_ic(a, "withdist") {
            withdist = true;
        } else if eq_ic(a, "withhash") {
            withhash = true;
        } else if eq_ic(a, "withcoord") {
            withcoord = true;
        } else if eq_ic(a, "any") {
            any = true;
        } else if eq_ic(a, "asc") {
            sort = Sort::Asc;
        } else if eq_ic(a, "desc") {
            sort = Sort::Desc;
        } else if eq_ic(a, "count") && i + 1 < n {
            count = arg_i64(rest[i + 1])?;
            if count <= 0 {
                return Err(Error::err("COUNT must be > 0"));
            }
            i += 1;
        } else if (eq_ic(a, "store") || eq_ic(a, "storedist")) && i + 1 < n && !nostore && !search {
            store = Some(rest[i + 1]);
            storedist = eq_ic(a, "storedist");
            i += 1;
        } else if eq_ic(a, "storedist") && search && store_cmd {
            storedist = true;
        } else if eq_ic(a, "frommember") && i + 1 < n && search && !fromloc {
            if let Some(z) = zobj {
                let s = z
                    .score(rest[i + 1])
                    .ok_or_else(|| Error::err("could not decode requested zset member"))?;
                center = Some(geohash::decode_score(s));
            }
            frommember = true;
            i += 1;
        } else if eq_ic(a, "fromlonlat") && i + 2 < n && search && !frommember {
            center = Some(lon_lat(rest[i + 1], rest[i + 2])?);
            fromloc = true;
            i += 2;
        } else if eq_ic(a, "byradius") && i + 2 < n && search && !bybox {
            let (r, c) = radius_arg(rest[i + 1], rest[i + 2])?;
            shape_kind = Some((ShapeKind::Radius(r), c));
            byradius = true;
            i += 2;
        } else if eq_ic(a, "bybox") && i + 3 < n && search && !byradius {
            let (w, h, c) = box_arg(rest[i + 1], rest[i + 2], rest[i + 3])?;
            shape_kind = Some((ShapeKind::Box(w, h), c));
            bybox = true;
            i += 3;
        } else {
            return Err(Error::syntax());
        }
        i += 1;
    }
    if store.is_some() && (withdist || withhash || withcoord) {
        return Err(Error::err(format!(
            "{} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            if store_cmd {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            }
        )));
    }
    let name = String::from_utf8_lossy(argv[0]);
    if search && !(frommember || fromloc) {
        return Err(Error::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if search && !(byradius || bybox) {
        return Err(Error::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {name}"
        )));
    }
    if any && count == 0 {
        return Err(Error::err("the ANY argument requires COUNT argument"));
    }
    let (Some(z), Some((lon, lat)), Some((sk, conversion))) = (zobj, center, shape_kind) else {
        debug_assert!(!exists);
        return Ok(match store {
            Some(dst) => {
                if ctx.remove(dst).is_some() {
                    ctx.modified(dst, crate::keyspace::notify::GENERIC, "del");
                }
                Value::Int(0)
            }
            None => Value::Array(Vec::new()),
        });
    };
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let shape = Shape {
        lon,
        lat,
        conversion,
        kind: sk,
    };
    let limit = if any { count as usize } else { 0 };
    let mut found = search_points(z, &shape, limit);
    if found.is_empty() && store.is_none() {
        return Ok(Value::Array(Vec::new()));
    }
    match sort {
        Sort::Asc => found.sort_by(|a, b| a.dist.total_cmp(&b.dist)),
        Sort::Desc => found.sort_by(|a, b| b.dist.total_cmp(&a.dist)),
        Sort::None => {}
    }
    if count > 0 && (found.len() as i64) > count {
        found.truncate(count as usize);
    }
    match store {
        None => Ok(Value::Array(
            found
                .into_iter()
                .map(|p| {
                    if !(withdist || withhash || withcoord) {
                        return Value::Bulk(p.member);
                    }
                    let mut v = vec![Value::Bulk(p.member)];
                    if withdist {
                        v.push(distance_reply(p.dist / conversion));
                    }
                    if withhash {
                        v.push(Value::Int(p.score as i64));
                    }
                    if withcoord {
                        v.push(coord_reply(resp, p.lon, p.lat));
                    }
                    Value::Array(v)
                })
                .collect(),
        )),
        Some(dst) => {
            let dst = dst.to_vec();
            ctx.lookups_are_writes();
            let items: Vec<(Vec<u8>, f64)> = found
                .into_iter()
                .map(|p| {
                    let s = if storedist {
                        p.dist / conversion
                    } else {
                        p.score
                    };
                    (p.member, s)
                })
                .collect();
            let event = if search {
                "geosearchstore"
            } else {
                "georadiusstore"
            };
            Ok(crate::types::zset::ranges::store_result(
                ctx, &dst, items, event,
            ))
        }
    }
}

fn search_points(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Found> {
    search(z, shape, limit)
}

/// # Format
/// `GEORADIUS key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]`
pub fn georadius(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    radius_generic(ctx, argv, 1, Kind::Coords, false, false)
}

/// # Format
/// `GEORADIUS_RO key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]`
pub fn georadius_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    radius_generic(ctx, argv, 1, Kind::Coords, false, true)
}

/// # Format
/// `GEORADIUSBYMEMBER key member radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]`
pub fn georadiusbymember(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    radius_generic(ctx, argv, 1, Kind::Member, false, false)
}

/// # Format
/// `GEORADIUSBYMEMBER_RO key member radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]`
pub fn georadiusbymember_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    radius_generic(ctx, argv, 1, Kind::Member, false, true)
}

/// # Format
/// `GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]`
pub fn geosearch(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    radius_generic(ctx, argv, 1, Kind::Search, false, false)
}

/// # Format
/// `GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [STOREDIST]`
pub fn geosearchstore(ctx: &mut Ctx, argv: &[&[u8]]) -> Result<Value> {
    radius_generic(ctx, argv, 2, Kind::Search, true, false)
}

/// GEORADIUS / GEORADIUSBYMEMBER keys: the source and a STORE/STOREDIST destination
/// (Redis `georadiusGetKeys`).
pub fn georadius_keys(argv: &[&[u8]]) -> Vec<usize> {
    let mut keys = vec![1];
    let mut i = 5;
    while i + 1 < argv.len() {
        if eq_ic(argv[i], "store") || eq_ic(argv[i], "storedist") {
            keys.push(i + 1);
            break;
        }
        i += 1;
    }
    keys
}

/// Geo commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("geoadd", -5, WRITE | DENYOOM, (1, 1, 1), G, geoadd),
    CommandSpec::new("geodist", -4, READONLY, (1, 1, 1), G, geodist),
    CommandSpec::new("geohash", -2, READONLY, (1, 1, 1), G, geohash_cmd),
    CommandSpec::new("geopos", -2, READONLY, (1, 1, 1), G, geopos),
    CommandSpec::new("georadius", -6, WRITE | DENYOOM, (1, 1, 1), G, georadius)
        .with_keys(georadius_keys),
    CommandSpec::new("georadius_ro", -6, READONLY, (1, 1, 1), G, georadius_ro),
    CommandSpec::new(
        "georadiusbymember",
        -5,
        WRITE | DENYOOM,
        (1, 1, 1),
        G,
        georadiusbymember,
    )
    .with_keys(georadius_keys),
    CommandSpec::new(
        "georadiusbymember_ro",
        -5,
        READONLY,
        (1, 1, 1),
        G,
        georadiusbymember_ro,
    ),
    CommandSpec::new("geosearch", -7, READONLY, (1, 1, 1), G, geosearch),
    CommandSpec::new(
        "geosearchstore",
        -8,
        WRITE | DENYOOM,
        (1, 2, 1),
        G,
        geosearchstore,
    ),
];

//! Geo commands, with their option types: [`GeoUnit`], [`GeoAddOptions`] for GEOADD,
//! [`GeoSearch`] (centre, shape, order, count) for GEOSEARCH / GEOSEARCHSTORE, [`GeoWith`]
//! for the `WITH*` flags and [`GeoMatch`] for the rows they return.

use super::{args, commands};
use crate::client::convert::{FromValue, ToArg};
use crate::error::{Error, Result};
use crate::value::Value;

fn push(out: &mut crate::client::convert::ArgBuf, s: &str) {
    out.push(s);
}

/// A distance unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GeoUnit {
    /// Meters.
    #[default]
    M,
    /// Kilometers.
    Km,
    /// Feet.
    Ft,
    /// Miles.
    Mi,
}

impl ToArg for GeoUnit {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        push(
            out,
            match self {
                GeoUnit::M => "m",
                GeoUnit::Km => "km",
                GeoUnit::Ft => "ft",
                GeoUnit::Mi => "mi",
            },
        );
    }
}

/// `[NX | XX] [CH]` of GEOADD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeoAddOptions {
    nx: bool,
    xx: bool,
    ch: bool,
}

impl GeoAddOptions {
    /// Only add new members (`NX`).
    pub fn nx(mut self) -> Self {
        self.nx = true;
        self
    }
    /// Only update existing members (`XX`).
    pub fn xx(mut self) -> Self {
        self.xx = true;
        self
    }
    /// Count changed members too (`CH`).
    pub fn ch(mut self) -> Self {
        self.ch = true;
        self
    }
}

impl ToArg for GeoAddOptions {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if self.nx {
            push(out, "NX");
        }
        if self.xx {
            push(out, "XX");
        }
        if self.ch {
            push(out, "CH");
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum From {
    Member(Vec<u8>),
    LonLat(f64, f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum By {
    Radius(f64, GeoUnit),
    Box(f64, f64, GeoUnit),
}

/// The query of GEOSEARCH / GEOSEARCHSTORE: a centre (`FROMMEMBER` / `FROMLONLAT`), a
/// shape (`BYRADIUS` / `BYBOX`), and optionally an order and a count.
///
/// ```
/// use emu::{GeoSearch, GeoUnit};
/// let r = emu::Redis::new();
/// r.geoadd("sicily", &[(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
/// let near: Vec<String> =
///     r.geosearch("sicily", GeoSearch::lonlat(15.0, 37.0).radius(200.0, GeoUnit::Km).asc())?;
/// assert_eq!(near, ["Catania", "Palermo"]);
/// # Ok::<(), emu::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GeoSearch {
    from: From,
    by: By,
    order: Option<bool>,
    count: Option<(u64, bool)>,
}

impl GeoSearch {
    /// Centred on an existing member (`FROMMEMBER`), radius 0 m until set.
    pub fn member(m: impl AsRef<[u8]>) -> GeoSearch {
        GeoSearch {
            from: From::Member(m.as_ref().to_vec()),
            by: By::Radius(0.0, GeoUnit::M),
            order: None,
            count: None,
        }
    }
    /// Centred on a position (`FROMLONLAT`), radius 0 m until set.
    pub fn lonlat(lon: f64, lat: f64) -> GeoSearch {
        GeoSearch {
            from: From::LonLat(lon, lat),
            by: By::Radius(0.0, GeoUnit::M),
            order: None,
            count: None,
        }
    }
    /// Within a circle (`BYRADIUS`).
    pub fn radius(mut self, r: f64, unit: GeoUnit) -> Self {
        self.by = By::Radius(r, unit);
        self
    }
    /// Within an axis-aligned box (`BYBOX`).
    pub fn bbox(mut self, width: f64, height: f64, unit: GeoUnit) -> Self {
        self.by = By::Box(width, height, unit);
        self
    }
    /// Nearest first (`ASC`).
    pub fn asc(mut self) -> Self {
        self.order = Some(true);
        self
    }
    /// Farthest first (`DESC`).
    pub fn desc(mut self) -> Self {
        self.order = Some(false);
        self
    }
    /// At most `n` results (`COUNT n`); `any` stops at the first `n` found (`ANY`).
    pub fn count(mut self, n: u64, any: bool) -> Self {
        self.count = Some((n, any));
        self
    }
}

impl ToArg for GeoSearch {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        match &self.from {
            From::Member(m) => {
                push(out, "FROMMEMBER");
                out.push(m.clone());
            }
            From::LonLat(x, y) => {
                push(out, "FROMLONLAT");
                x.write_args(out);
                y.write_args(out);
            }
        }
        match self.by {
            By::Radius(r, u) => {
                push(out, "BYRADIUS");
                r.write_args(out);
                u.write_args(out);
            }
            By::Box(w, h, u) => {
                push(out, "BYBOX");
                w.write_args(out);
                h.write_args(out);
                u.write_args(out);
            }
        }
        match self.order {
            Some(true) => push(out, "ASC"),
            Some(false) => push(out, "DESC"),
            None => {}
        }
        if let Some((n, any)) = self.count {
            push(out, "COUNT");
            n.write_args(out);
            if any {
                push(out, "ANY");
            }
        }
    }
}

/// The `WITHDIST` / `WITHHASH` / `WITHCOORD` flags of [`Redis::geosearch_with`](crate::Redis::geosearch_with).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeoWith {
    dist: bool,
    hash: bool,
    coord: bool,
}

impl GeoWith {
    /// Distances from the centre, in the query's unit.
    pub fn dist(mut self) -> Self {
        self.dist = true;
        self
    }
    /// The raw 52-bit geohash scores.
    pub fn hash(mut self) -> Self {
        self.hash = true;
        self
    }
    /// The members' positions.
    pub fn coord(mut self) -> Self {
        self.coord = true;
        self
    }
}

impl ToArg for GeoWith {
    fn write_args(&self, out: &mut crate::client::convert::ArgBuf) {
        if self.dist {
            push(out, "WITHDIST");
        }
        if self.hash {
            push(out, "WITHHASH");
        }
        if self.coord {
            push(out, "WITHCOORD");
        }
    }
}

/// One row of a search with [`GeoWith`] flags; fields not asked for are `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoMatch {
    /// The member.
    pub member: String,
    /// Distance from the centre (query's unit).
    pub dist: Option<f64>,
    /// The 52-bit geohash score.
    pub hash: Option<i64>,
    /// (longitude, latitude).
    pub coord: Option<(f64, f64)>,
}

impl FromValue for GeoMatch {
    fn from_value(v: Value) -> Result<Self> {
        let bad = || Error::err("unexpected reply for a geo search row");
        let items = match v {
            Value::Array(a) => a,
            one @ Value::Bulk(_) => vec![one],
            _ => return Err(bad()),
        };
        let mut it = items.into_iter();
        let member = String::from_value(it.next().ok_or_else(bad)?)?;
        let mut m = GeoMatch {
            member,
            dist: None,
            hash: None,
            coord: None,
        };
        for x in it {
            match x {
                Value::Int(h) => m.hash = Some(h),
                Value::Array(_) => m.coord = Some(<(f64, f64)>::from_value(x)?),
                other => m.dist = Some(f64::from_value(other)?),
            }
        }
        Ok(m)
    }
}

commands! {
    /// `GEOADD key lon lat member …` — how many members were added.
    fn geoadd[K: ToArg, M: ToArg,](key: K, items: &[(f64, f64, M)]) -> i64 {
        args("GEOADD").arg(key).arg(items)
    }

    /// `GEOADD key [NX | XX] [CH] lon lat member …`.
    fn geoadd_options[K: ToArg, M: ToArg,](key: K, options: GeoAddOptions, items: &[(f64, f64, M)]) -> i64 {
        args("GEOADD").arg(key).arg(options).arg(items)
    }

    /// `GEOPOS key member …` — each member's (longitude, latitude), `None` if absent.
    fn geopos[K: ToArg, M: ToArg,](key: K, members: M) -> Vec<Option<(f64, f64)>> {
        args("GEOPOS").arg(key).arg(members)
    }

    /// `GEOHASH key member …` — each member's 11-character geohash, `None` if absent.
    fn geohash[K: ToArg, M: ToArg,](key: K, members: M) -> Vec<Option<String>> {
        args("GEOHASH").arg(key).arg(members)
    }

    /// `GEODIST key m1 m2 unit` — the distance, `None` when a member is missing.
    ///
    /// ```
    /// use emu::GeoUnit;
    /// let r = emu::Redis::new();
    /// r.geoadd("sicily", &[(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
    /// assert_eq!(r.geodist("sicily", "Palermo", "Catania", GeoUnit::Km)?, Some(166.2742));
    /// # Ok::<(), emu::Error>(())
    /// ```
    fn geodist[K: ToArg, A: ToArg, B: ToArg,](key: K, m1: A, m2: B, unit: GeoUnit) -> Option<f64> {
        args("GEODIST").arg(key).arg(m1).arg(m2).arg(unit)
    }

    /// `GEOSEARCH key …` — the matching members (choose the reply type, e.g. `Vec<String>`).
    fn geosearch[K: ToArg,](key: K, search: GeoSearch) {
        args("GEOSEARCH").arg(key).arg(search)
    }

    /// `GEOSEARCH key … WITHDIST|WITHHASH|WITHCOORD` — rows with the requested extras.
    fn geosearch_with[K: ToArg,](key: K, search: GeoSearch, with: GeoWith) -> Vec<GeoMatch> {
        args("GEOSEARCH").arg(key).arg(search).arg(with)
    }

    /// `GEOSEARCHSTORE dst src … [STOREDIST]` — how many members were stored (scores are
    /// the geohashes, or the distances with `storedist`).
    fn geosearchstore[D: ToArg, K: ToArg,](dst: D, src: K, search: GeoSearch, storedist: bool) -> i64 {
        let a = args("GEOSEARCHSTORE").arg(dst).arg(src).arg(search);
        if storedist { a.arg("STOREDIST") } else { a }
    }
}

//! Redis's geohash arithmetic (`geohash.c`, `geohash_helper.c`): the 52-bit interleaved
//! hash stored as a sorted-set score, its decoding to a cell centre, the eight neighbour
//! cells, the step estimate and 9-cell cover of a search shape, and the haversine distance
//! Redis uses. Every formula follows Redis's operation order so that the doubles (and hence
//! the printed coordinates and distances) come out bit-identical.

/// Longitude limits (`GEO_LONG_MIN`/`GEO_LONG_MAX`).
pub const LONG_MIN: f64 = -180.0;
/// See [`LONG_MIN`].
pub const LONG_MAX: f64 = 180.0;
/// Latitude limits of the Web-Mercator square (`GEO_LAT_MIN`/`GEO_LAT_MAX`).
pub const LAT_MIN: f64 = -85.05112878;
/// See [`LAT_MIN`].
pub const LAT_MAX: f64 = 85.05112878;
/// Bits per coordinate of a stored hash (`GEO_STEP_MAX`).
pub const STEP_MAX: u8 = 26;
/// Earth's quadratic mean radius as Redis uses it.
pub const EARTH_RADIUS_M: f64 = 6372797.560856;
const MERCATOR_MAX: f64 = 20037726.37;
const D_R: f64 = std::f64::consts::PI / 180.0;

/// A hash of `step` bits per coordinate (`GeoHashBits`); `step == 0 && bits == 0` is the
/// "zeroed" cell Redis skips.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Bits {
    /// Interleaved bits: latitude on even positions, longitude on odd ones.
    pub bits: u64,
    /// Bits per coordinate.
    pub step: u8,
}

impl Bits {
    /// Redis `HASHISZERO`.
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }
    /// Redis `geohashAlign52Bits`: the hash shifted to a 52-bit score.
    pub fn align52(&self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }
}

/// A coordinate interval.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

/// The cell of a hash (`GeoHashArea`).
#[derive(Clone, Copy, Debug)]
pub struct Area {
    /// Longitude interval.
    pub lon: Range,
    /// Latitude interval.
    pub lat: Range,
}

/// The ranges geo scores are encoded in (`geohashGetCoordRange`).
pub const WGS84_LON: Range = Range {
    min: LONG_MIN,
    max: LONG_MAX,
};
/// See [`WGS84_LON`].
pub const WGS84_LAT: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};

fn spread(v: u32) -> u64 {
    const B: [u64; 5] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
    ];
    let mut x = u64::from(v);
    x = (x | (x << 16)) & B[4];
    x = (x | (x << 8)) & B[3];
    x = (x | (x << 4)) & B[2];
    x = (x | (x << 2)) & B[1];
    (x | (x << 1)) & B[0]
}

fn squash(v: u64) -> u64 {
    let mut x = v & 0x5555555555555555;
    x = (x | (x >> 1)) & 0x3333333333333333;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0F;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FF;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFF;
    (x | (x >> 16)) & 0x00000000FFFFFFFF
}

/// Redis `interleave64`: `lat` bits on even positions, `lon` bits on odd ones.
pub fn interleave(lat: u32, lon: u32) -> u64 {
    spread(lat) | (spread(lon) << 1)
}

/// Redis `deinterleave64`: (lat, lon).
pub fn deinterleave(bits: u64) -> (u32, u32) {
    (squash(bits) as u32, squash(bits >> 1) as u32)
}

/// C's conversion of a non-negative double to `uint32_t` (truncation).
fn to_u32(v: f64) -> u32 {
    v as u32
}

/// Redis `geohashEncode`; `None` where Redis returns 0.
pub fn encode(lon_r: Range, lat_r: Range, lon: f64, lat: f64, step: u8) -> Option<Bits> {
    if step == 0 || step > 32 {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_r.min || lat > lat_r.max || lon < lon_r.min || lon > lon_r.max {
        return None;
    }
    let mut lat_off = (lat - lat_r.min) / (lat_r.max - lat_r.min);
    let mut lon_off = (lon - lon_r.min) / (lon_r.max - lon_r.min);
    let scale = (1u64 << step) as f64;
    lat_off *= scale;
    lon_off *= scale;
    Some(Bits {
        bits: interleave(to_u32(lat_off), to_u32(lon_off)),
        step,
    })
}

/// Redis `geohashDecode`.
pub fn decode(lon_r: Range, lat_r: Range, h: Bits) -> Area {
    let (ilat, ilon) = deinterleave(h.bits);
    let lat_scale = lat_r.max - lat_r.min;
    let lon_scale = lon_r.max - lon_r.min;
    let div = (1u64 << h.step) as f64;
    let lat1 = f64::from(ilat.wrapping_add(1));
    let lon1 = f64::from(ilon.wrapping_add(1));
    Area {
        lat: Range {
            min: lat_r.min + (f64::from(ilat) / div) * lat_scale,
            max: lat_r.min + (lat1 / div) * lat_scale,
        },
        lon: Range {
            min: lon_r.min + (f64::from(ilon) / div) * lon_scale,
            max: lon_r.min + (lon1 / div) * lon_scale,
        },
    }
}

/// C's `(uint64_t)` of a double as gcc compiles it on x86-64 (Redis's `decodeGeohash` on
/// scores that ZADD, not GEOADD, wrote): below 2^63 a truncating signed conversion
/// (negative values wrap, out-of-range ones give 2^63), else the same on `x - 2^63` with
/// the top bit flipped (so `inf`, NaN and values from 2^64 on give 0).
pub fn c_u64(x: f64) -> u64 {
    const TWO63: f64 = 9223372036854775808.0;
    // NaN is outside the range too.
    fn cvtt(v: f64) -> u64 {
        if !(-TWO63..TWO63).contains(&v) {
            1 << 63
        } else {
            v as i64 as u64
        }
    }
    if x < TWO63 {
        cvtt(x)
    } else {
        cvtt(x - TWO63) ^ (1 << 63)
    }
}

/// The (longitude, latitude) a stored score stands for (Redis `decodeGeohash`: the cell
/// centre, clamped to the valid ranges).
pub fn decode_score(score: f64) -> (f64, f64) {
    let a = decode(
        WGS84_LON,
        WGS84_LAT,
        Bits {
            bits: c_u64(score),
            step: STEP_MAX,
        },
    );
    let lon = ((a.lon.min + a.lon.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((a.lat.min + a.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// The score GEOADD stores for a valid (longitude, latitude).
pub fn encode_score(lon: f64, lat: f64) -> u64 {
    encode(WGS84_LON, WGS84_LAT, lon, lat, STEP_MAX)
        .map(|b| b.align52())
        .unwrap_or(0)
}

/// The 11-character standard geohash of a stored score (GEOHASH): decode, re-encode with
/// latitude range ±90, base32.
pub fn hash_string(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (lon, lat) = decode_score(score);
    let r_lon = Range {
        min: -180.0,
        max: 180.0,
    };
    let r_lat = Range {
        min: -90.0,
        max: 90.0,
    };
    let bits = encode(r_lon, r_lat, lon, lat, 26)
        .map(|b| b.bits)
        .unwrap_or(0);
    let mut out = [0u8; 11];
    for (i, c) in out.iter_mut().enumerate() {
        let idx = if i == 10 {
            0
        } else {
            (bits >> (52 - (i + 1) * 5)) & 0x1f
        };
        *c = ALPHABET[idx as usize];
    }
    out
}

fn move_x(h: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(h.step) * 2;
    let mut x = h.bits & 0xaaaaaaaaaaaaaaaa;
    let y = h.bits & 0x5555555555555555;
    let zz = 0x5555555555555555u64 >> shift;
    if d > 0 {
        x = x.wrapping_add(zz.wrapping_add(1));
    } else {
        x |= zz;
        x = x.wrapping_sub(zz.wrapping_add(1));
    }
    x &= 0xaaaaaaaaaaaaaaaau64 >> shift;
    h.bits = x | y;
}

fn move_y(h: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(h.step) * 2;
    let x = h.bits & 0xaaaaaaaaaaaaaaaa;
    let mut y = h.bits & 0x5555555555555555;
    let zz = 0xaaaaaaaaaaaaaaaau64 >> shift;
    if d > 0 {
        y = y.wrapping_add(zz.wrapping_add(1));
    } else {
        y |= zz;
        y = y.wrapping_sub(zz.wrapping_add(1));
    }
    y &= 0x5555555555555555u64 >> shift;
    h.bits = x | y;
}

fn moved(h: Bits, dx: i8, dy: i8) -> Bits {
    let mut n = h;
    move_x(&mut n, dx);
    move_y(&mut n, dy);
    n
}

/// Redis `geohashEstimateStepsByRadius`.
pub fn estimate_steps(range_m: f64, lat: f64) -> u8 {
    if range_m == 0.0 {
        return 26;
    }
    let mut range = range_m;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

fn deg_rad(a: f64) -> f64 {
    a * D_R
}

fn rad_deg(a: f64) -> f64 {
    a / D_R
}

/// Redis `geohashGetLatDistance`.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_M * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Redis `geohashGetDistance` (haversine, meters).
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// A search shape (`GeoShape`): centre, conversion factor of the unit, and radius or box
/// (in that unit).
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Centre longitude.
    pub lon: f64,
    /// Centre latitude.
    pub lat: f64,
    /// Meters per unit.
    pub conversion: f64,
    /// Radius or box.
    pub kind: ShapeKind,
}

/// BYRADIUS or BYBOX.
#[derive(Clone, Copy, Debug)]
pub enum ShapeKind {
    /// Radius in the shape's unit.
    Radius(f64),
    /// Width and height in the shape's unit.
    Box(f64, f64),
}

impl Shape {
    /// Redis `geoWithinShape` after decoding: the distance to the centre if the point
    /// lies within the shape.
    pub fn contains(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.kind {
            ShapeKind::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                (d <= r * self.conversion).then_some(d)
            }
            ShapeKind::Box(w, h) => {
                let (wm, hm) = (w * self.conversion, h * self.conversion);
                if lat_distance(lat, self.lat) > hm / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > wm / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }

    /// Redis `geohashBoundingBox`: [min lon, min lat, max lon, max lat].
    fn bounding_box(&self) -> [f64; 4] {
        let (h, w) = match self.kind {
            ShapeKind::Radius(r) => (self.conversion * r, self.conversion * r),
            ShapeKind::Box(w, h) => (self.conversion * (h / 2.0), self.conversion * (w / 2.0)),
        };
        let lat_delta = rad_deg(h / EARTH_RADIUS_M);
        let top = rad_deg(w / EARTH_RADIUS_M / deg_rad(self.lat + lat_delta).cos());
        let bottom = rad_deg(w / EARTH_RADIUS_M / deg_rad(self.lat - lat_delta).cos());
        let south = self.lat < 0.0;
        let d = if south { bottom } else { top };
        [
            self.lon - d,
            self.lat - lat_delta,
            self.lon + d,
            self.lat + lat_delta,
        ]
    }

    /// Redis `geohashCalculateAreasByShapeWGS84`: the centre cell and its eight
    /// neighbours in Redis's order (centre, N, S, E, W, NE, NW, SE, SW), useless ones
    /// zeroed.
    pub fn cover(&self) -> [Bits; 9] {
        let b = self.bounding_box();
        let (min_lon, min_lat, max_lon, max_lat) = (b[0], b[1], b[2], b[3]);
        let radius_m = match self.kind {
            ShapeKind::Radius(r) => r,
            ShapeKind::Box(w, h) => ((w / 2.0) * (w / 2.0) + (h / 2.0) * (h / 2.0)).sqrt(),
        } * self.conversion;
        let mut steps = estimate_steps(radius_m, self.lat);
        let cells = |steps: u8| -> (Bits, [Bits; 8]) {
            let h = encode(WGS84_LON, WGS84_LAT, self.lon, self.lat, steps).unwrap_or(Bits {
                bits: 0,
                step: steps,
            });
            // north, south, east, west, north_east, north_west, south_east, south_west
            (
                h,
                [
                    moved(h, 0, 1),
                    moved(h, 0, -1),
                    moved(h, 1, 0),
                    moved(h, -1, 0),
                    moved(h, 1, 1),
                    moved(h, -1, 1),
                    moved(h, 1, -1),
                    moved(h, -1, -1),
                ],
            )
        };
        let (mut hash, mut nb) = cells(steps);
        let dec = |h: Bits| decode(WGS84_LON, WGS84_LAT, h);
        let decrease = dec(nb[0]).lat.max < max_lat
            || dec(nb[1]).lat.min > min_lat
            || dec(nb[2]).lon.max < max_lon
            || dec(nb[3]).lon.min > min_lon;
        if steps > 1 && decrease {
            steps -= 1;
            (hash, nb) = cells(steps);
        }
        let area = dec(hash);
        if steps >= 2 {
            let zero = Bits::default();
            if area.lat.min < min_lat {
                nb[1] = zero;
                nb[7] = zero;
                nb[6] = zero;
            }
            if area.lat.max > max_lat {
                nb[0] = zero;
                nb[4] = zero;
                nb[5] = zero;
            }
            if area.lon.min < min_lon {
                nb[3] = zero;
                nb[7] = zero;
                nb[5] = zero;
            }
            if area.lon.max > max_lon {
                nb[2] = zero;
                nb[6] = zero;
                nb[4] = zero;
            }
        }
        [hash, nb[0], nb[1], nb[2], nb[3], nb[4], nb[5], nb[6], nb[7]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleave_round_trips() {
        for (a, b) in [(0u32, 0u32), (1, 2), (0x3ffffff, 0x1234567), (u32::MAX, 7)] {
            assert_eq!(deinterleave(interleave(a, b)), (a, b));
        }
    }

    #[test]
    fn palermo_as_redis() {
        // GEOADD k 13.361389 38.115556 Palermo → score 3479099956230698 in Redis 7.0.
        let s = encode_score(13.361389, 38.115556);
        assert_eq!(s, 3479099956230698);
        let (lon, lat) = decode_score(s as f64);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        assert_eq!(&hash_string(s as f64), b"sqc8b49rny0");
    }

    #[test]
    fn distance_as_redis() {
        let p = decode_score(encode_score(13.361389, 38.115556) as f64);
        let c = decode_score(encode_score(15.087269, 37.502669) as f64);
        assert_eq!(
            format!("{:.4}", distance(p.0, p.1, c.0, c.1)),
            "166274.1516"
        );
    }
}

//! Differential tests against a real redis-server (see the binary's docs).

use crate::common::rng::Rng;
use crate::server_util::{start, start_real_redis, Raw};

struct Pair {
    redis: Raw,
    emu: Raw,
    history: Vec<String>,
    compared: usize,
}

impl Pair {
    fn run(&mut self, words: &[String]) -> Vec<u8> {
        let refs: Vec<&[u8]> = words.iter().map(|a| a.as_bytes()).collect();
        // RESP3 replies too are compared byte for byte: coordinates are doubles with
        // Redis's long-double digits.
        let x = self.redis.cmd(&refs);
        let y = self.emu.cmd(&refs);
        self.history.push(words.join(" "));
        self.compared += 1;
        if x != y {
            let from = self.history.len().saturating_sub(12);
            panic!(
                "replies differ for {}\n  redis: {:?}\n  emu:   {:?}\n  after: {}",
                self.history.last().map_or("", |s| s.as_str()),
                String::from_utf8_lossy(&x),
                String::from_utf8_lossy(&y),
                self.history[from..self.history.len() - 1].join(" | ")
            );
        }
        x
    }

    fn cmd(&mut self, words: &[&str]) -> Vec<u8> {
        let w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        self.run(&w)
    }
}

fn pair(why: &str) -> Option<(Pair, crate::server_util::RealRedis, emu::server::Running)> {
    let real = start_real_redis(why)?;
    let (_store, emu_srv) = start();
    let p = Pair {
        redis: Raw::connect(real.addr),
        emu: Raw::connect(emu_srv.addr().expect("emu address")),
        history: Vec::new(),
        compared: 0,
    };
    Some((p, real, emu_srv))
}

/// A few centres, so that searches find points; occasionally near the poles, the
/// antimeridian and the range limits.
const CENTRES: &[(f64, f64)] = &[
    (13.36, 38.11),
    (-122.42, 37.77),
    (179.9, -10.0),
    (-179.95, 60.0),
    (0.0, 0.0),
    (2.35, 84.9),
    (-70.0, -84.0),
    (139.69, 35.69),
];

fn coord(r: &mut Rng) -> (String, String) {
    if r.chance(3) {
        let (x, y) = *[
            ("180", "85.05112878"),
            ("-180", "-85.05112878"),
            ("180.0001", "0"),
            ("0", "85.06"),
            ("abc", "1"),
            ("1", "nan"),
            ("-181", "-86"),
            ("0", "0"),
        ]
        .get(r.below(8) as usize)
        .unwrap_or(&("0", "0"));
        return (x.to_string(), y.to_string());
    }
    let (cx, cy) = CENTRES[r.below(CENTRES.len() as u64) as usize];
    let spread = [0.01, 0.5, 3.0, 40.0][r.below(4) as usize];
    let x = (cx + (r.unit() * 2.0 - 1.0) * spread).clamp(-180.0, 180.0);
    let y = (cy + (r.unit() * 2.0 - 1.0) * spread).clamp(-85.05112878, 85.05112878);
    let prec = r.below(9) as usize + 1;
    (format!("{x:.prec$}"), format!("{y:.prec$}"))
}

fn unit(r: &mut Rng) -> &'static str {
    if r.chance(3) {
        return r.pick(&["miles", "", "KM2"]);
    }
    r.pick(&["m", "km", "ft", "mi", "KM", "M", "Mi"])
}

fn dist(r: &mut Rng, u: &str) -> String {
    if r.chance(3) {
        return r.pick(&["-1", "abc", "0", "inf"]).to_string();
    }
    let meters =
        [50.0, 5_000.0, 100_000.0, 1_000_000.0, 8_000_000.0][r.below(5) as usize] * r.unit();
    let per = match u.to_ascii_lowercase().as_str() {
        "km" => 1000.0,
        "ft" => 0.3048,
        "mi" => 1609.34,
        _ => 1.0,
    };
    format!("{:.3}", meters / per)
}

const KEYS: &[&str] = &["g1", "g2"];

fn member(r: &mut Rng) -> String {
    format!("m{}", r.below(60))
}

fn options(r: &mut Rng, store: bool, out: &mut Vec<String>) {
    let n = r.below(5);
    for _ in 0..n {
        match r.below(if store { 7 } else { 9 }) {
            0 => out.push(r.pick(&["ASC", "desc"]).into()),
            1 => {
                out.push("COUNT".into());
                out.push(r.pick(&["1", "3", "10", "0", "-2", "x", "100000"]).into());
                if r.chance(40) {
                    out.push("ANY".into());
                }
            }
            2 => out.push("ANY".into()),
            3 | 4 if store => {}
            3 | 4 | 7 | 8 => out.push(r.pick(&["WITHDIST", "withcoord", "WITHHASH"]).into()),
            5 => out.push(r.pick(&["bogus", "STOREDIST"]).into()),
            _ => {}
        }
    }
}

fn shape(r: &mut Rng, out: &mut Vec<String>) {
    if r.chance(50) {
        let u = unit(r);
        out.push("BYRADIUS".into());
        out.push(dist(r, u));
        out.push(u.into());
    } else {
        let u = unit(r);
        out.push("BYBOX".into());
        out.push(dist(r, u));
        out.push(dist(r, u));
        out.push(u.into());
    }
}

fn from(r: &mut Rng, out: &mut Vec<String>) {
    if r.chance(50) {
        out.push("FROMMEMBER".into());
        out.push(member(r));
    } else {
        let (x, y) = coord(r);
        out.push("FROMLONLAT".into());
        out.push(x);
        out.push(y);
    }
}

fn gen(r: &mut Rng) -> (Vec<String>, Option<String>) {
    let key = r.pick(KEYS).to_string();
    let mut v: Vec<String> = Vec::new();
    let mut store = None;
    match r.below(14) {
        0..=3 => {
            v.push("GEOADD".into());
            v.push(key);
            for _ in 0..r.below(2) {
                v.push(r.pick(&["NX", "XX", "CH", "ch"]).into());
            }
            for _ in 0..(1 + r.below(6)) {
                let (x, y) = coord(r);
                v.push(x);
                v.push(y);
                v.push(member(r));
            }
            if r.chance(3) {
                v.pop();
            }
        }
        4 => {
            v.push(r.pick(&["GEOPOS", "GEOHASH"]).into());
            v.push(if r.chance(10) { "nokey".into() } else { key });
            for _ in 0..(r.below(4)) {
                v.push(member(r));
            }
        }
        5 => {
            v.push("GEODIST".into());
            v.push(if r.chance(10) { "nokey".into() } else { key });
            v.push(member(r));
            v.push(member(r));
            if r.chance(70) {
                v.push(unit(r).into());
            }
        }
        6..=8 => {
            v.push("GEOSEARCH".into());
            v.push(if r.chance(5) { "nokey".into() } else { key });
            let order = r.below(3);
            if order != 0 {
                from(r, &mut v);
            }
            if order != 1 {
                shape(r, &mut v);
            }
            if order == 2 && r.chance(20) {
                from(r, &mut v);
            }
            options(r, false, &mut v);
        }
        9..=10 => {
            let dst = r.pick(&["d1", "d2"]).to_string();
            v.push("GEOSEARCHSTORE".into());
            v.push(dst.clone());
            v.push(if r.chance(5) { "nokey".into() } else { key });
            from(r, &mut v);
            shape(r, &mut v);
            options(r, true, &mut v);
            store = Some(dst);
        }
        _ => {
            let bymember = r.chance(50);
            let ro = r.chance(30);
            let name = match (bymember, ro) {
                (false, false) => "GEORADIUS",
                (false, true) => "GEORADIUS_RO",
                (true, false) => "GEORADIUSBYMEMBER",
                (true, true) => "GEORADIUSBYMEMBER_RO",
            };
            v.push(name.into());
            v.push(if r.chance(5) { "nokey".into() } else { key });
            if bymember {
                v.push(member(r));
            } else {
                let (x, y) = coord(r);
                v.push(x);
                v.push(y);
            }
            let u = unit(r);
            v.push(dist(r, u));
            v.push(u.into());
            options(r, false, &mut v);
            if r.chance(40) {
                let dst = r.pick(&["d1", "d2"]).to_string();
                v.push(r.pick(&["STORE", "STOREDIST"]).into());
                v.push(dst.clone());
                store = Some(dst);
            }
        }
    }
    (v, store)
}

fn random_streams(resp3: bool, seeds: std::ops::Range<u64>, steps: usize) {
    let Some((mut p, _real, _emu)) = pair("geo differential") else {
        return;
    };
    if resp3 {
        let w = ["HELLO".to_string(), "3".to_string()];
        let refs: Vec<&[u8]> = w.iter().map(|a| a.as_bytes()).collect();
        p.redis.cmd(&refs);
        p.emu.cmd(&refs);
    }
    for seed in seeds {
        let mut r = Rng::new(seed);
        p.cmd(&["FLUSHALL"]);
        p.cmd(&["SET", "str", "x"]);
        for _ in 0..steps {
            let (v, store) = gen(&mut r);
            p.run(&v);
            if let Some(dst) = store {
                p.run(&[
                    "ZRANGE".to_string(),
                    dst.clone(),
                    "0".into(),
                    "-1".into(),
                    "WITHSCORES".into(),
                ]);
                p.run(&["TYPE".to_string(), dst]);
            }
        }
        // Wrong types.
        for c in [
            vec!["GEOADD", "str", "1", "2", "m"],
            vec!["GEOPOS", "str", "m"],
            vec!["GEOHASH", "str", "m"],
            vec!["GEODIST", "str", "a", "b"],
            vec![
                "GEOSEARCH",
                "str",
                "FROMLONLAT",
                "1",
                "2",
                "BYRADIUS",
                "1",
                "m",
            ],
            vec!["GEORADIUS", "str", "1", "2", "3", "m"],
            vec![
                "GEOSEARCHSTORE",
                "d1",
                "str",
                "FROMLONLAT",
                "1",
                "2",
                "BYRADIUS",
                "1",
                "m",
            ],
            vec!["GEOADD", "g1", "200", "2", "m"],
            vec!["GEOADD", "g1", "NX", "XX", "1", "2", "m"],
            vec!["GEOADD", "g1", "NX", "1", "2"],
            vec![
                "GEOSEARCH",
                "g1",
                "FROMLONLAT",
                "1",
                "2",
                "FROMMEMBER",
                "m1",
                "BYRADIUS",
                "1",
                "m",
            ],
            vec![
                "GEOSEARCH",
                "g1",
                "BYRADIUS",
                "1",
                "m",
                "BYBOX",
                "1",
                "1",
                "m",
            ],
            vec![
                "GEOSEARCH",
                "g1",
                "FROMLONLAT",
                "1",
                "2",
                "BYRADIUS",
                "1",
                "m",
                "STORE",
                "x",
            ],
            vec!["GEORADIUS_RO", "g1", "1", "2", "3", "m", "STORE", "x"],
            vec![
                "GEORADIUS",
                "g1",
                "1",
                "2",
                "3",
                "m",
                "STORE",
                "x",
                "WITHDIST",
            ],
            vec![
                "GEOSEARCHSTORE",
                "d",
                "g1",
                "FROMLONLAT",
                "1",
                "2",
                "BYRADIUS",
                "1",
                "m",
                "WITHDIST",
            ],
            vec!["GEODIST", "g1", "a", "b", "m", "extra"],
            // Scores ZADD wrote: Redis decodes them through C's (uint64_t) conversion.
            vec![
                "ZADD", "odd", "-3", "a", "inf", "b", "1e300", "c", "-inf", "d", "5e18", "e",
            ],
            vec![
                "ZADD", "odd", "-1e19", "f", "9.3e18", "g", "0", "h", "nan", "i",
            ],
            vec!["GEOPOS", "odd", "a", "b", "c", "d", "e", "f", "g", "h"],
            vec!["GEOHASH", "odd", "a", "b", "c", "d", "e", "f", "g", "h"],
            vec!["GEODIST", "odd", "a", "e"],
            vec!["GEODIST", "odd", "f", "h", "km"],
            vec![
                "GEORADIUSBYMEMBER",
                "odd",
                "a",
                "500",
                "km",
                "WITHCOORD",
                "WITHHASH",
            ],
            vec![
                "GEOSEARCH",
                "odd",
                "FROMMEMBER",
                "e",
                "BYBOX",
                "1",
                "1",
                "m",
                "WITHDIST",
            ],
            vec![
                "GEOSEARCH",
                "odd",
                "FROMMEMBER",
                "h",
                "BYRADIUS",
                "1",
                "km",
                "WITHCOORD",
            ],
        ] {
            let w: Vec<String> = c.iter().map(|s| s.to_string()).collect();
            p.run(&w);
        }
    }
    assert!(p.compared > steps);
}

#[test]
fn random_geo_streams_match_redis() {
    random_streams(false, 0..12, 300);
}

#[test]
fn random_geo_streams_match_redis_resp3() {
    random_streams(true, 100..104, 200);
}

/// Many points in one dense area: the sorted set becomes a skiplist, searches cross cell
/// borders, and every reply (scan order without ASC/DESC included) must be Redis's.
#[test]
fn dense_searches_match_redis() {
    let Some((mut p, _real, _emu)) = pair("geo dense") else {
        return;
    };
    let mut r = Rng::new(7);
    for batch in 0..20 {
        let mut v = vec!["GEOADD".to_string(), "big".to_string()];
        for i in 0..100 {
            let x = 2.0 + r.unit() * 2.0;
            let y = 48.0 + r.unit() * 2.0;
            v.push(format!("{x:.6}"));
            v.push(format!("{y:.6}"));
            v.push(format!("p{batch}-{i}"));
        }
        p.run(&v);
    }
    for _ in 0..150 {
        let x = format!("{:.5}", 1.5 + r.unit() * 3.0);
        let y = format!("{:.5}", 47.5 + r.unit() * 3.0);
        let rad = format!("{:.2}", r.unit() * 60.0);
        let mut v: Vec<String> = ["GEOSEARCH", "big", "FROMLONLAT", &x, &y]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if r.chance(50) {
            v.extend(["BYRADIUS".to_string(), rad.clone(), "km".into()]);
        } else {
            let h = format!("{:.2}", r.unit() * 90.0);
            v.extend(["BYBOX".to_string(), rad.clone(), h, "km".into()]);
        }
        if r.chance(40) {
            v.push(r.pick(&["ASC", "DESC"]).into());
        }
        if r.chance(30) {
            v.extend(["COUNT".to_string(), "7".into()]);
            if r.chance(50) {
                v.push("ANY".into());
            }
        }
        if r.chance(50) {
            v.extend([
                "WITHDIST".to_string(),
                "WITHCOORD".into(),
                "WITHHASH".into(),
            ]);
        }
        p.run(&v);
    }
}

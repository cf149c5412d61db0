//! The typed geo API and pipelines.

use emu::{GeoAddOptions, GeoMatch, GeoSearch, GeoUnit, GeoWith, Redis};

fn sicily() -> Redis {
    let r = Redis::new();
    let n = r
        .geoadd(
            "sicily",
            &[
                (13.361389, 38.115556, "Palermo"),
                (15.087269, 37.502669, "Catania"),
            ],
        )
        .unwrap();
    assert_eq!(n, 2);
    r
}

#[test]
fn add_pos_hash_dist() {
    let r = sicily();
    let pos = r.geopos("sicily", ["Palermo", "nope"]).unwrap();
    assert_eq!(pos[1], None);
    let (x, y) = pos[0].unwrap();
    assert!((x - 13.361389).abs() < 1e-5 && (y - 38.115556).abs() < 1e-5);
    assert_eq!(
        r.geohash("sicily", ["Palermo", "Catania", "x"]).unwrap(),
        [
            Some("sqc8b49rny0".to_string()),
            Some("sqdtr74hyu0".to_string()),
            None
        ]
    );
    assert_eq!(
        r.geodist("sicily", "Palermo", "Catania", GeoUnit::M)
            .unwrap(),
        Some(166274.1516)
    );
    assert_eq!(
        r.geodist("sicily", "Palermo", "x", GeoUnit::Mi).unwrap(),
        None
    );
    // NX does not move; XX + CH reports the change.
    let opts = GeoAddOptions::default().nx();
    assert_eq!(
        r.geoadd_options("sicily", opts, &[(0.0, 0.0, "Palermo")])
            .unwrap(),
        0
    );
    let opts = GeoAddOptions::default().xx().ch();
    assert_eq!(
        r.geoadd_options("sicily", opts, &[(1.0, 1.0, "Palermo"), (2.0, 2.0, "New")])
            .unwrap(),
        1
    );
    assert_eq!(r.zcard("sicily").unwrap(), 2);
    let err = r.geoadd("sicily", &[(200.0, 0.0, "bad")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ERR invalid longitude,latitude pair 200.000000,0.000000"
    );
}

#[test]
fn search_and_store() {
    let r = sicily();
    let asc: Vec<String> = r
        .geosearch(
            "sicily",
            GeoSearch::lonlat(15.0, 37.0)
                .radius(200.0, GeoUnit::Km)
                .asc(),
        )
        .unwrap();
    assert_eq!(asc, ["Catania", "Palermo"]);
    let desc: Vec<String> = r
        .geosearch(
            "sicily",
            GeoSearch::member("Catania")
                .bbox(400.0, 400.0, GeoUnit::Km)
                .desc()
                .count(1, false),
        )
        .unwrap();
    assert_eq!(desc, ["Palermo"]);
    let rows = r
        .geosearch_with(
            "sicily",
            GeoSearch::lonlat(15.0, 37.0)
                .radius(100.0, GeoUnit::Km)
                .asc(),
            GeoWith::default().dist().hash().coord(),
        )
        .unwrap();
    assert_eq!(rows.len(), 1);
    let GeoMatch {
        member,
        dist,
        hash,
        coord,
    } = &rows[0];
    assert_eq!(member, "Catania");
    assert_eq!(*dist, Some(56.4413));
    assert_eq!(*hash, Some(3479447370796909));
    assert!(coord.is_some());
    let n = r
        .geosearchstore(
            "near",
            "sicily",
            GeoSearch::lonlat(15.0, 37.0).radius(200.0, GeoUnit::Km),
            true,
        )
        .unwrap();
    assert_eq!(n, 2);
    let stored: Vec<(String, f64)> = r.zrange_withscores("near", 0, -1).unwrap();
    assert_eq!(stored[0].0, "Catania");
    assert!((stored[0].1 - 56.4413).abs() < 1e-3, "{stored:?}");
}

#[test]
fn pipeline_queues_geo_commands() {
    let r = Redis::new();
    let mut p = r.pipeline();
    p.geoadd("g", &[(1.0, 2.0, "a")])
        .geopos("g", "a")
        .geosearch("g", GeoSearch::member("a").radius(1.0, GeoUnit::Km));
    let out: Vec<emu::Value> = p.execute().unwrap();
    assert_eq!(out[0], emu::Value::Int(1));
    assert_eq!(
        out[2],
        emu::Value::Array(vec![emu::Value::Bulk(b"a".to_vec())])
    );
}

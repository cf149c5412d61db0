//! INFO against redis-server 7.0: the field names of every section, commandstats /
//! errorstats counters after the same commands, section selection, redis-py's parser.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{bulk, parse_info, refs, words, Pair};

/// Fields emu adds to Redis's.
const EMU_EXTRAS: &[&str] = &["emu_version"];

#[test]
fn every_section_has_redis_fields() {
    let Some(mut p) = Pair::start("INFO field names") else {
        return;
    };
    // Something in every dynamic section.
    p.both(&[b"SET", b"k", b"v"]);
    p.both(&[b"GET"]);
    let (e, r) = p.both(&[b"INFO", b"everything"]);
    let (e, r) = (parse_info(&bulk(&e)), parse_info(&bulk(&r)));
    let titles =
        |m: &BTreeMap<String, BTreeMap<String, String>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(titles(&e), titles(&r), "sections of INFO everything");
    for (title, fields) in &r {
        let dynamic = |k: &String| {
            k.starts_with("cmdstat_")
                || k.starts_with("errorstat_")
                || k.starts_with("latency_percentiles_usec_")
                || k.starts_with("db")
        };
        let want: BTreeSet<&String> = fields.keys().filter(|k| !dynamic(k)).collect();
        let have: BTreeSet<&String> = e[title]
            .keys()
            .filter(|k| !dynamic(k) && !EMU_EXTRAS.contains(&k.as_str()))
            .collect();
        assert_eq!(have, want, "fields of section {title}");
    }
    for (title, fields) in &e {
        for k in fields.keys() {
            assert!(
                r[title].contains_key(k)
                    || EMU_EXTRAS.contains(&k.as_str())
                    || k.starts_with("cmdstat_")
                    || k.starts_with("latency_percentiles_usec_"),
                "emu field {k} in {title} unknown to Redis"
            );
        }
    }
}

#[test]
fn section_selection_as_redis() {
    let Some(mut p) = Pair::start("INFO sections") else {
        return;
    };
    p.both(&[b"SET", b"k", b"v"]);
    for args in [
        "INFO",
        "INFO default",
        "INFO all",
        "INFO everything",
        "INFO server",
        "INFO SERVER clients",
        "INFO keyspace server",
        "INFO commandstats",
        "INFO errorstats latencystats",
        "INFO nosuchsection",
        "INFO default commandstats",
        "INFO cpu cpu",
    ] {
        let argv = words(args);
        let (e, r) = p.both(&refs(&argv));
        let (e, r) = (parse_info(&bulk(&e)), parse_info(&bulk(&r)));
        assert_eq!(
            e.keys().collect::<Vec<_>>(),
            r.keys().collect::<Vec<_>>(),
            "sections of {args}"
        );
    }
    let (e, r) = p.both(&[b"INFO", b"nosuchsection"]);
    assert_eq!(e, r);
}

/// calls / rejected_calls / failed_calls of each command (usec dropped), error counts.
fn counters(info: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let m = parse_info(info);
    let cmd = m
        .get("Commandstats")
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "cmdstat_info")
        .map(|(k, v)| {
            let kept: Vec<&str> = v.split(',').filter(|f| !f.starts_with("usec")).collect();
            (k, kept.join(","))
        })
        .collect();
    let mut err = m.get("Errorstats").cloned().unwrap_or_default();
    let stats = m.get("Stats").cloned().unwrap_or_default();
    for k in ["total_error_replies", "unexpected_error_replies"] {
        if let Some(v) = stats.get(k) {
            err.insert(k.to_string(), v.clone());
        }
    }
    (cmd, err)
}

#[test]
fn commandstats_and_errorstats_as_redis() {
    let Some(mut p) = Pair::start("INFO commandstats") else {
        return;
    };
    let script_incr = b"return redis.call('incr', KEYS[1])".to_vec();
    let script_err = b"return redis.error_reply('MY bad')".to_vec();
    let script_unknown = b"return redis.call('nosuch')".to_vec();
    let script_pcall = b"local ok = pcall(redis.call, 'incr', KEYS[1]) return 1".to_vec();
    let script_wrongtype = b"return redis.pcall('hset', KEYS[1], 'a', 'b')".to_vec();
    let lines: Vec<Vec<Vec<u8>>> = vec![
        words("CONFIG RESETSTAT"),
        words("SET str abc"),
        words("GET"),
        words("NOSUCH a b"),
        words("INCR str"),
        vec![
            b"EVAL".to_vec(),
            script_incr,
            b"1".to_vec(),
            b"str".to_vec(),
        ],
        vec![b"EVAL".to_vec(), script_err, b"0".to_vec()],
        vec![b"EVAL".to_vec(), script_unknown, b"0".to_vec()],
        vec![
            b"EVAL".to_vec(),
            script_pcall,
            b"1".to_vec(),
            b"str".to_vec(),
        ],
        vec![
            b"EVAL".to_vec(),
            script_wrongtype,
            b"1".to_vec(),
            b"str".to_vec(),
        ],
        words("MULTI"),
        words("INCR str"),
        words("GET"),
        words("EXEC"),
        words("MULTI"),
        words("INCR str"),
        words("SET x 1"),
        words("EXEC"),
        words("EXEC"),
        words("DISCARD"),
        words("CLIENT ID"),
        words("CLIENT NOSUCH"),
        words("CLIENT"),
        words("CLIENT GETNAME extra"),
        words("CONFIG GET maxmemory"),
        words("CONFIG SET maxmemory nope"),
        words("HSET str a b"),
        words("LPUSH str a"),
        words("OBJECT ENCODING str"),
        words("OBJECT FREQ str"),
        words("XADD s * a"),
        words("ZADD z nan m"),
        words("SET k v EX 0"),
        words("EXPIRE str abc"),
        words("PING"),
        words("PING a b"),
        words("SUBSCRIBE ch"),
        words("PING"),
        words("GET str"),
        words("RESET"),
        words("AUTH nosuchuser pass"),
        words("SELECT 99"),
        words("DEL str x k"),
    ];
    for argv in &lines {
        if argv.len() == 2 && argv[1] == b"ID" {
            p.both(&refs(argv));
        } else {
            p.same(&refs(argv));
        }
    }
    let (e, r) = p.both(&[b"INFO", b"commandstats", b"errorstats", b"stats"]);
    let (e, r) = (counters(&bulk(&e)), counters(&bulk(&r)));
    assert_eq!(e.1, r.1, "errorstats");
    assert_eq!(e.0, r.0, "commandstats");
    // CONFIG RESETSTAT empties both.
    p.same(&[b"CONFIG", b"RESETSTAT"]);
    let (e, r) = p.both(&[b"INFO", b"commandstats", b"errorstats", b"stats"]);
    let (e, r) = (counters(&bulk(&e)), counters(&bulk(&r)));
    assert_eq!(e, r, "after CONFIG RESETSTAT");
}

#[test]
fn latencystats_shape() {
    let Some(mut p) = Pair::start("INFO latencystats") else {
        return;
    };
    for _ in 0..5 {
        p.both(&[b"SET", b"k", b"v"]);
        p.both(&[b"CLIENT", b"ID"]);
    }
    p.same(&[
        b"CONFIG",
        b"SET",
        b"latency-tracking-info-percentiles",
        b"50.5 99 99.999",
    ]);
    p.same(&[b"CONFIG", b"GET", b"latency-tracking-info-percentiles"]);
    p.same(&[
        b"CONFIG",
        b"SET",
        b"latency-tracking-info-percentiles",
        b"50 abc",
    ]);
    p.same(&[
        b"CONFIG",
        b"SET",
        b"latency-tracking-info-percentiles",
        b"50 101",
    ]);
    let (e, r) = p.both(&[b"INFO", b"latencystats"]);
    let (e, r) = (parse_info(&bulk(&e)), parse_info(&bulk(&r)));
    let shape = |m: &BTreeMap<String, BTreeMap<String, String>>, k: &str| -> Vec<String> {
        m["Latencystats"][k]
            .split(',')
            .map(|f| {
                let (name, v) = f.split_once('=').expect("p=v");
                let (int, frac) = v.split_once('.').expect("decimal");
                assert!(int.parse::<u64>().is_ok() && frac.len() == 3, "{v}");
                name.to_string()
            })
            .collect()
    };
    for k in [
        "latency_percentiles_usec_set",
        "latency_percentiles_usec_client|id",
    ] {
        assert_eq!(shape(&e, k), shape(&r, k), "{k}");
    }
    p.same(&[b"CONFIG", b"SET", b"latency-tracking", b"no"]);
    p.same(&[b"CONFIG", b"RESETSTAT"]);
    p.both(&[b"SET", b"k", b"v"]);
    let (e, r) = p.both(&[b"INFO", b"latencystats"]);
    assert_eq!(bulk(&e), bulk(&r), "latency-tracking no: nothing tracked");
}

#[test]
fn redis_py_parses_info() {
    let (_r, srv) = crate::server_util::start();
    let port = srv.addr().expect("tcp").port();
    for proto in ["2", "3"] {
        let Some(out) = crate::server_util::run_redis_py("redis_py_info.py", port, proto) else {
            return;
        };
        assert_eq!(out, "info ok");
    }
}

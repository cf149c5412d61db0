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
    // Calls refused before they run count in the error stats even when redis.pcall catches
    // them, and in the command's rejected_calls.
    let script_refused = b"redis.pcall('nosuch') redis.pcall('get') \
        redis.pcall('select', 'a', 'b') return 1"
        .to_vec();
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
        vec![b"EVAL".to_vec(), script_refused, b"0".to_vec()],
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

/// A blocking command counts as one call whether it is served at once, served after
/// blocking, times out, or fails when woken (XREADGROUP whose group was destroyed): the
/// TCL stream-cgroups unit's "XGROUP DESTROY should unblock XREADGROUP with -NOGROUP"
/// saw `calls=2` when the re-run of a woken client was counted again.
#[test]
fn blocked_commands_count_once_as_redis() {
    let Some(mut p) = Pair::start("INFO commandstats of blocked commands") else {
        return;
    };
    let (mut e2, mut r2) = p.connect();
    let wait_blocked = |p: &mut Pair| {
        for _ in 0..200 {
            let (e, r) = p.both(&[b"INFO", b"clients"]);
            if bulk(&e).contains("blocked_clients:1") && bulk(&r).contains("blocked_clients:1") {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("client did not block");
    };
    p.same(&refs(&words("CONFIG RESETSTAT")));
    p.same(&refs(&words("RPUSH l a")));
    p.same(&refs(&words("BLPOP l 0")));
    for (block, wake) in [
        ("BLPOP l2 0", "RPUSH l2 x"),
        (
            "XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
            "XGROUP DESTROY s g",
        ),
        ("BZPOPMIN z 0", "ZADD z 1 m"),
    ] {
        if block.starts_with("XREADGROUP") {
            p.same(&refs(&words("XGROUP CREATE s g $ MKSTREAM")));
        }
        let argv = words(block);
        let mut out = Vec::new();
        emu::resp::encode_request(&mut out, &refs(&argv));
        e2.send(&out);
        r2.send(&out);
        wait_blocked(&mut p);
        p.same(&refs(&words(wake)));
        assert_eq!(e2.reply(), r2.reply(), "{block}");
    }
    p.same(&refs(&words("BLPOP nokey 0.01")));
    // CLIENT UNBLOCK ... ERROR: the blocked client's error counts once, and its command as
    // one failed call.
    let id = |raw: &mut crate::server_util::Raw| {
        let r = String::from_utf8_lossy(&raw.cmd(&[b"CLIENT", b"ID"])).into_owned();
        r.trim_start_matches(':').trim().to_string()
    };
    let (eid, rid) = (id(&mut e2), id(&mut r2));
    let mut out = Vec::new();
    emu::resp::encode_request(&mut out, &refs(&words("BRPOP l3 0")));
    e2.send(&out);
    r2.send(&out);
    wait_blocked(&mut p);
    let (eu, ru) = (
        p.emu
            .cmd(&refs(&words(&format!("CLIENT UNBLOCK {eid} ERROR")))),
        p.real
            .cmd(&refs(&words(&format!("CLIENT UNBLOCK {rid} ERROR")))),
    );
    assert_eq!(eu, ru);
    assert_eq!(e2.reply(), r2.reply(), "unblocked with an error");
    let (e, r) = p.both(&[b"INFO", b"commandstats", b"errorstats", b"stats"]);
    let (e, r) = (counters(&bulk(&e)), counters(&bulk(&r)));
    assert_eq!(e.0, r.0, "commandstats");
    assert_eq!(e.1, r.1, "errorstats");
}

/// UNLINK frees a value costing more than 64 allocations in the background and counts it
/// in `lazyfreed_objects`; a small one or a compact encoding is freed at once; CONFIG
/// RESETSTAT clears the count (the TCL lazyfree unit's stream tests).
#[test]
fn unlink_lazyfrees_as_redis() {
    let Some(mut p) = Pair::start("INFO lazyfreed_objects") else {
        return;
    };
    let freed = |p: &mut Pair| {
        let get = |b: Vec<u8>| -> (u64, u64) {
            let m = parse_info(&bulk(&b));
            let mem = &m["Memory"];
            (
                mem["lazyfree_pending_objects"].parse().unwrap(),
                mem["lazyfreed_objects"].parse().unwrap(),
            )
        };
        for _ in 0..200 {
            let (e, r) = p.both(&[b"INFO", b"memory"]);
            let (e, r) = (get(e), get(r));
            if e.0 == 0 && r.0 == 0 {
                return (e.1, r.1);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("lazyfree never done");
    };
    p.same(&refs(&words("CONFIG RESETSTAT")));
    p.same(&refs(&words("CONFIG SET stream-node-max-entries 5")));
    for j in 0..1000 {
        p.both(&refs(&words(&format!("XADD stream {}-1 foo {j}", j + 1))));
    }
    p.same(&refs(&words("XGROUP CREATE stream g 0")));
    p.same(&refs(&words(
        "XREADGROUP GROUP g Alice COUNT 2 STREAMS stream >",
    )));
    p.same(&refs(&words("UNLINK stream")));
    let (e, r) = freed(&mut p);
    assert_eq!((e, r), (1, 1));
    // Small and compact values are freed at once.
    p.same(&refs(&words("SADD small a b c")));
    p.same(&refs(&words("RPUSH list a b c")));
    p.same(&refs(&words("UNLINK small list")));
    let members: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD".to_string(), "big".to_string()];
    sadd.extend(members.iter().cloned());
    let sadd: Vec<Vec<u8>> = sadd.into_iter().map(String::into_bytes).collect();
    p.same(&refs(&sadd));
    p.same(&refs(&words("UNLINK big")));
    let (e, r) = freed(&mut p);
    assert_eq!(e, r, "lazyfreed_objects");
    p.same(&refs(&words("CONFIG RESETSTAT")));
    let (e, r) = freed(&mut p);
    assert_eq!((e, r), (0, 0));
}

/// The dispatcher finds a command's record by its spec once the command ran (not a
/// container's: those count per subcommand). A script's `redis.call('GET')` three times
/// per run, spelled two ways, the client's own GET, CONFIG GET / SET (one container, two
/// records) and a rejected call: INFO commandstats counts each call under its name as
/// redis-server does, and again after CONFIG RESETSTAT, which must forget the records by
/// spec too (a kept position would point past the emptied list).
#[test]
fn commandstats_of_repeated_and_nested_calls() {
    let Some(mut p) = Pair::start("INFO commandstats") else {
        return;
    };
    let script =
        b"redis.call('GET', KEYS[1]) redis.call('get', KEYS[1]) return redis.call('GET', KEYS[1])"
            .to_vec();
    for _round in 0..2 {
        p.same(&[b"CONFIG", b"RESETSTAT"]);
        p.same(&[b"SET", b"k", b"v"]);
        for _ in 0..3 {
            p.same(&[b"EVAL", &script, b"1", b"k"]);
            p.same(&[b"GET", b"k"]);
            p.same(&[b"CONFIG", b"GET", b"maxmemory"]);
            p.same(&[b"CONFIG", b"SET", b"maxmemory", b"0"]);
            p.same(&[b"GET", b"k", b"extra"]);
        }
        let (e, r) = p.both(&[b"INFO", b"commandstats"]);
        let (e, r) = (counters(&bulk(&e)), counters(&bulk(&r)));
        assert_eq!(e.0, r.0, "commandstats");
        assert!(e.0.contains_key("cmdstat_get"), "{:?}", e.0);
    }
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

/// INFO `keyspace_hits` / `keyspace_misses` after each command of a mixed script: read
/// lookups count (hits and misses, expired keys as misses), writes do not.
#[test]
fn keyspace_hits_and_misses_as_redis() {
    let Some(mut p) = Pair::start_debug("INFO keyspace_hits") else {
        return;
    };
    let stat = |raw: &mut crate::server_util::Raw| -> String {
        let info = bulk(&raw.cmd(&[b"INFO", b"stats"]));
        info.lines()
            .filter(|l| l.starts_with("keyspace_"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    p.same(&[b"CONFIG", b"RESETSTAT"]);
    let script: &[&str] = &[
        "SET a 1",
        "GET a",
        "GET nokey",
        "MGET a b c",
        "EXISTS a nokey",
        "TYPE a",
        "TTL a",
        "STRLEN a",
        "INCR a",
        "APPEND a x",
        "SET b 2 GET",
        "GETDEL b",
        "RPUSH l x y",
        "LRANGE l 0 -1",
        "LLEN nolist",
        "SADD s1 a b",
        "SADD s2 b c",
        "SINTER s1 s2 s3",
        "SINTERSTORE d s1 s2",
        "SUNIONSTORE d2 s1 nos",
        "HSET h f v",
        "HGET h f",
        "HGETALL nohash",
        "ZADD z 1 m",
        "ZSCORE z m",
        "ZRANGE z 0 -1",
        "OBJECT ENCODING a",
        "DUMP a",
        "PEXPIRE a 1",
        "DEBUG SLEEP 0.01",
        "GET a",
        "DEL l",
        "KEYS s1",
        "SCAN 0 MATCH s1 COUNT 1000",
        "DBSIZE",
        "RENAME h h2",
        "COPY h2 h3",
        "SORT l",
        "LPOP nolist",
        "GETEX s1",
        "GETRANGE nokey 0 1",
        "PFCOUNT nohll",
        "XRANGE nostream - +",
        "BITCOUNT nokey",
        "SADD S a b c",
        "SADD S2 b c d",
        "SUNIONSTORE d S S2 nx",
        "SDIFFSTORE d S S2",
        "SINTERCARD 2 S S2",
        "SMEMBERS S",
        "SRANDMEMBER S",
        "ZADD z2 2 b 3 c",
        "ZUNIONSTORE d 2 z z2",
        "ZRANGESTORE d z 0 -1",
        "ZUNION 2 z z2",
        "PFADD p a b",
        "PFADD p2 c",
        "PFCOUNT p",
        "PFCOUNT p p2",
        "PFMERGE d3 p p2",
        "XADD x 1-1 f v",
        "XGROUP CREATE x g 0",
        "XREADGROUP GROUP g c STREAMS x >",
        "XREAD STREAMS x 0",
        "XACK x g 1-1",
        "XCLAIM x g c 0 1-1",
        "XAUTOCLAIM x g c 0 0",
        "GEOADD g 13.36 38.11 pa 15.08 37.50 ca",
        "GEORADIUS g 15 37 200 km STORE d4",
        "GEOSEARCHSTORE d5 g FROMLONLAT 15 37 BYRADIUS 200 km",
        "GEOSEARCHSTORE d5 nog FROMLONLAT 15 37 BYRADIUS 200 km",
        "SETBIT b 1 1",
        "BITOP AND d6 b nokey",
        "BITFIELD b GET u8 0",
        "BITFIELD b SET u8 0 1",
        "SORT S ALPHA STORE d7",
        "SORT_RO S ALPHA",
        "MEMORY USAGE S",
    ];
    for line in script {
        let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        let (e, r) = p.both(&argv);
        let (se, sr) = (stat(&mut p.emu), stat(&mut p.real));
        // Replies of hash-table sets come in another order and MEMORY USAGE differs:
        // compare the kind of reply.
        let head = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(1)]).into_owned();
        assert_eq!((head(&e), se), (head(&r), sr), "after {line}");
    }
}

/// INFO's instantaneous rates and read/write event counts follow the traffic: above 0
/// while clients send commands, back to 0 once they stop (Redis averages 16 samples taken
/// every 100 ms).
#[test]
fn instantaneous_metrics_follow_traffic() {
    let (_db, srv) = crate::server_util::start();
    let addr = srv.addr().expect("tcp");
    let field = |info: &str, name: &str| -> f64 {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1.0)
    };
    let mut ctl = crate::server_util::Raw::connect(addr);
    let mut busy = crate::server_util::Raw::connect(addr);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut pipeline = Vec::new();
    for _ in 0..200 {
        pipeline.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n");
    }
    loop {
        busy.send(&pipeline);
        for _ in 0..200 {
            busy.reply();
        }
        let info = bulk(&ctl.cmd(&[b"INFO", b"stats"]));
        if field(&info, "instantaneous_ops_per_sec") > 0.0
            && field(&info, "instantaneous_input_kbps") > 0.0
            && field(&info, "instantaneous_output_kbps") > 0.0
        {
            assert!(field(&info, "total_reads_processed") > 0.0, "{info}");
            assert!(field(&info, "total_writes_processed") > 0.0, "{info}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "rates stayed 0: {info}"
        );
    }
    // Idle: the rates fall back to 0.
    loop {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let info = bulk(&ctl.cmd(&[b"INFO", b"stats"]));
        if field(&info, "instantaneous_ops_per_sec") < 20.0
            && field(&info, "instantaneous_input_kbps") < 1.0
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "rates never fell: {info}"
        );
    }
}

/// INFO memory's scripting counts as Redis's (and the Lua memory figures are real).
#[test]
fn scripting_counts_as_redis() {
    let Some(mut p) = Pair::start("INFO memory scripting") else {
        return;
    };
    let counts = |raw: &mut crate::server_util::Raw| -> (String, u64) {
        let info = bulk(&raw.cmd(&[b"INFO", b"memory"]));
        let get = |k: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}:")))
                .unwrap_or("missing")
                .to_string()
        };
        let counts = [
            "number_of_cached_scripts",
            "number_of_functions",
            "number_of_libraries",
        ]
        .map(|k| format!("{k}:{}", get(k)))
        .join(" ");
        (counts, get("used_memory_vm_total").parse().unwrap_or(0))
    };
    let check = |p: &mut Pair| {
        let (ce, vm) = counts(&mut p.emu);
        let (cr, _) = counts(&mut p.real);
        assert_eq!(ce, cr);
        assert!(vm > 0, "used_memory_vm_total {vm}");
    };
    check(&mut p);
    p.same(&[b"SCRIPT", b"LOAD", b"return 1"]);
    p.same(&[b"SCRIPT", b"LOAD", b"return 2"]);
    p.same(&[
        b"FUNCTION",
        b"LOAD",
        b"#!lua name=lib1\nredis.register_function('f1', function() return 1 end)\nredis.register_function('f2', function() return 2 end)",
    ]);
    check(&mut p);
    p.same(&[b"SCRIPT", b"FLUSH"]);
    p.same(&[b"FUNCTION", b"FLUSH"]);
    check(&mut p);
}

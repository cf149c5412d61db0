//! MIGRATE against a real redis-server: the same commands sent to an emu source and to a
//! Redis source, each migrating into its own real Redis target; replies compared byte for
//! byte, then what each target received (DUMP payloads, TTLs) and what each source kept.

use crate::server_util::{start, start_real_redis, Raw};

/// Every key of database `db` with its DUMP payload and whether it has a TTL, sorted.
fn contents(c: &mut Raw, db: usize) -> Vec<(Vec<u8>, Vec<u8>, bool)> {
    c.cmds(&format!("SELECT {db}"));
    let keys = c.cmds("KEYS *");
    let mut names: Vec<Vec<u8>> = Vec::new();
    // `*N\r\n$len\r\nkey\r\n…`
    let mut lines = keys.split(|&b| b == b'\n').skip(1);
    while let (Some(_len), Some(name)) = (lines.next(), lines.next()) {
        names.push(name.strip_suffix(b"\r").unwrap_or(name).to_vec());
    }
    names.sort();
    let mut out = Vec::new();
    for k in names {
        let dump = c.cmd(&[b"DUMP", &k]);
        let ttl = c.cmd(&[b"PTTL", &k]);
        out.push((k, dump, ttl != b":-1\r\n"));
    }
    c.cmds("SELECT 0");
    out
}

#[test]
fn migrate_matches_real_redis() {
    let Some(redis_src) = start_real_redis("the MIGRATE test (source)") else {
        return;
    };
    let Some(target_r) = start_real_redis("the MIGRATE test (target of Redis)") else {
        return;
    };
    let Some(target_e) = start_real_redis("the MIGRATE test (target of emu)") else {
        return;
    };
    let (_store, srv) = start();
    let mut r = Raw::connect(redis_src.addr);
    let mut e = Raw::connect(srv.addr().expect("tcp"));
    let setup = [
        "SET s v",
        "SET n 12345",
        "RPUSH l a b c",
        "HSET h f1 v1 f2 v2",
        "SADD st 1 2 3",
        "ZADD z 1 a 2 b",
        "SET ttl v PX 100000",
        "XADD x 1-1 f v",
        "SET keep v",
    ];
    for src in [&mut r, &mut e] {
        for c in setup {
            src.cmds(c);
        }
    }
    let port = |a: std::net::SocketAddr| a.port().to_string();
    // Commands; `{port}` is the source's own target.
    let script: Vec<String> = vec![
        "MIGRATE 127.0.0.1 1 s 0 200".into(),
        "MIGRATE 127.0.0.1 {port} missing 0 1000".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000 COPY AUTH".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000 KEYS s".into(),
        "MIGRATE 127.0.0.1 {port} s x 1000".into(),
        "MIGRATE 127.0.0.1 {port} s 0 x".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000 BOGUS".into(),
        "MIGRATE 127.0.0.1 {port} s 99 1000".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000 AUTH pw".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000 AUTH2 u pw".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000 COPY".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000".into(),
        "MIGRATE 127.0.0.1 {port} s 0 1000 REPLACE".into(),
        "MIGRATE 127.0.0.1 {port}  2 1000 KEYS n l h st z ttl x missing".into(),
        "MIGRATE 127.0.0.1 {port}  2 0 REPLACE COPY KEYS keep".into(),
    ];
    let mut mismatches = Vec::new();
    for line in &script {
        let mut replies = Vec::new();
        for (src, target) in [(&mut r, target_r.addr), (&mut e, target_e.addr)] {
            let l = line.replace("{port}", &port(target));
            // An empty key argument (two spaces) stays an empty argument.
            let argv: Vec<&[u8]> = l.split(' ').map(|w| w.as_bytes()).collect();
            replies.push(src.cmd(&argv));
        }
        if replies[0] != replies[1] {
            mismatches.push(format!(
                "{line}\n  redis: {:?}\n  emu:   {:?}",
                String::from_utf8_lossy(&replies[0]),
                String::from_utf8_lossy(&replies[1])
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // What the targets received and what the sources kept.
    let (mut tr, mut te) = (Raw::connect(target_r.addr), Raw::connect(target_e.addr));
    // The connection to a target is kept for the next MIGRATE (Redis's socket cache): the
    // sources keep as many, and each target was connected to as many times.
    let field = |c: &mut Raw, name: &str| -> String {
        let info = String::from_utf8_lossy(&c.cmds("INFO")).into_owned();
        let prefix = format!("{name}:");
        info.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("no {name}"))
            .to_string()
    };
    assert_eq!(
        field(&mut r, "migrate_cached_sockets"),
        field(&mut e, "migrate_cached_sockets")
    );
    assert_eq!(field(&mut e, "migrate_cached_sockets"), "1");
    assert_eq!(
        field(&mut tr, "total_connections_received"),
        field(&mut te, "total_connections_received")
    );
    for db in [0, 2] {
        assert_eq!(
            contents(&mut tr, db),
            contents(&mut te, db),
            "target db {db}"
        );
        assert_eq!(contents(&mut r, db), contents(&mut e, db), "source db {db}");
    }
    assert_eq!(contents(&mut te, 2).len(), 8, "every migrated key arrived");
    assert_eq!(contents(&mut e, 0).len(), 1, "only the copied key is left");
}

//! SHUTDOWN, ROLE, WAIT, LOLWUT and SENTINEL's own address (issue 11, deliverable 5):
//! replies compared byte for byte with a real redis-server, and `emu serve` stopping on
//! SHUTDOWN.

#![cfg(feature = "server")]

use crate::server_util::{start, start_real_redis, Raw};

/// Sends `line` (space-separated words) to both servers and asserts identical replies.
fn same(redis: &mut Raw, emu: &mut Raw, line: &str) {
    let want = redis.cmds(line);
    let got = emu.cmds(line);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want),
        "{line}"
    );
}

#[test]
fn shutdown_role_wait_lolwut_replies_match_redis() {
    let Some(real) = start_real_redis("shutdown_role_wait_lolwut_replies_match_redis") else {
        return;
    };
    let (_redis, running) = start();
    let emu_addr = running.addr().unwrap();
    for proto in ["2", "3"] {
        let mut r = Raw::connect(real.addr);
        let mut e = Raw::connect(emu_addr);
        if proto == "3" {
            r.cmds("HELLO 3");
            e.cmds("HELLO 3");
        }
        for line in [
            // SHUTDOWN's argument errors (the server keeps running).
            "SHUTDOWN FOO",
            "SHUTDOWN SAVE NOSAVE",
            "SHUTDOWN NOSAVE SAVE NOW",
            "SHUTDOWN ABORT NOW",
            "SHUTDOWN NOSAVE ABORT",
            "SHUTDOWN ABORT FORCE",
            "SHUTDOWN NOW NOW FOO",
            "SHUTDOWN ABORT",
            "SHUTDOWN abort ABORT",
            "ROLE",
            "ROLE x",
            "WAIT",
            "WAIT 0",
            "WAIT 0 0",
            "WAIT 0 0 0",
            "WAIT a 0",
            "WAIT 0 a",
            "WAIT 0 1.5",
            "WAIT 0 -1",
            "WAIT a -1",
            "WAIT -1 0",
            "WAIT 1 10",
            "WAIT 99999999999999999999 0",
            "WAIT 0 9223372036854775807",
            "WAIT 0 9223372036854775808",
            "LOLWUT",
            "LOLWUT foo",
            "LOLWUT 10 20",
            "LOLWUT VERSION",
            "LOLWUT VERSION x",
            "LOLWUT VERSION 5.5",
            "LOLWUT VERSION 4",
            "LOLWUT VERSION 7",
            "LOLWUT VERSION 7 x y",
            "LOLWUT VERSION -1",
            "LOLWUT VERSION 5 x",
            "LOLWUT VERSION 5 1 x",
            "LOLWUT VERSION 5 1 1 x",
            "LOLWUT VERSION 6 x",
            "LOLWUT VERSION 6 1 x",
            "LOLWUT version 6 1 1",
            "LOLWUT VERSION 6 0 0",
            // In a transaction: WAIT runs, SHUTDOWN is refused and aborts EXEC.
            "MULTI",
            "WAIT 0 0",
            "ROLE",
            "EXEC",
            "MULTI",
            "WAIT 0 0",
            "SHUTDOWN",
            "EXEC",
            "MULTI",
            "SHUTDOWN NOSAVE",
            "DISCARD",
        ] {
            same(&mut r, &mut e, line);
        }
    }
}

/// Lines of a LOLWUT reply and the number of characters of each.
fn lolwut_shape(c: &mut Raw, line: &str) -> (Vec<usize>, Vec<String>) {
    let reply = c.cmds(line);
    let text = String::from_utf8(reply).unwrap();
    let body = text.split_once("\r\n").unwrap().1;
    let body = body.strip_suffix("\r\n").unwrap();
    let lines: Vec<&str> = body.split('\n').collect();
    // A LOLWUT 6 pixel is a space between colour escapes (whose digits vary with the
    // colour); a LOLWUT 5 one is a Braille character.
    let widths = lines
        .iter()
        .map(|l| {
            if l.contains('\x1b') {
                l.matches(" \x1b[0m").count()
            } else {
                l.chars().count()
            }
        })
        .collect();
    // The caption: every line without art characters.
    let captions = lines
        .iter()
        .filter(|l| l.is_ascii() && !l.contains('\x1b'))
        .map(|l| l.to_string())
        .collect();
    (widths, captions)
}

#[test]
fn lolwut_art_has_redis_shape() {
    let Some(real) = start_real_redis("lolwut_art_has_redis_shape") else {
        return;
    };
    let (_redis, running) = start();
    let mut r = Raw::connect(real.addr);
    let mut e = Raw::connect(running.addr().unwrap());
    for line in [
        "LOLWUT VERSION 5",
        "LOLWUT VERSION 5 1",
        "LOLWUT VERSION 5 0 0 0",
        "LOLWUT VERSION 5 2",
        "LOLWUT VERSION 5 3",
        "LOLWUT VERSION 5 40 3 5",
        "LOLWUT VERSION 5 5000 1 1",
        "LOLWUT VERSION 5 10 1000 1000",
        "LOLWUT VERSION 5 -5 -5 -5",
        "LOLWUT VERSION 6",
        "LOLWUT VERSION 6 10 5",
        "LOLWUT VERSION 6 0 0",
        "LOLWUT VERSION 6 2000 3",
        "LOLWUT VERSION 6 3 2000",
        "LOLWUT VERSION 4294967301",
    ] {
        let (rw, rc) = lolwut_shape(&mut r, line);
        let (ew, ec) = lolwut_shape(&mut e, line);
        assert_eq!(ew, rw, "line widths of {line}");
        assert_eq!(ec, rc, "caption of {line}");
    }
}

#[test]
fn shutdown_closes_the_connection_and_stops_the_server() {
    let Some(real) = start_real_redis("shutdown_closes_the_connection_and_stops_the_server") else {
        return;
    };
    let (_redis, running) = start();
    let emu_addr = running.addr().unwrap();
    for (addr, args) in [
        (real.addr, "SHUTDOWN NOSAVE NOW"),
        (emu_addr, "SHUTDOWN NOW"),
    ] {
        let mut c = Raw::connect(addr);
        let mut other = Raw::connect(addr);
        assert_eq!(c.cmds("PING"), b"+PONG\r\n");
        c.send(format!("{args}\r\n").as_bytes());
        // No reply: the connection just closes, and so do the others.
        assert!(c.closed(), "{addr}");
        assert!(other.closed(), "{addr}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_ok() {
            assert!(std::time::Instant::now() < deadline, "{addr} still accepts");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[test]
fn embedded_shutdown_is_refused() {
    let redis = emu::Redis::new();
    redis.set("k", "v").unwrap();
    let err = redis.execute(&[b"SHUTDOWN"]).unwrap_err();
    assert_eq!(
        err.message(),
        "ERR SHUTDOWN is not supported by an embedded store: drop its handles to close it"
    );
    // Argument errors come first, as in Redis.
    let err = redis.execute(&[b"SHUTDOWN", b"FOO"]).unwrap_err();
    assert_eq!(err.message(), "ERR syntax error");
    assert_eq!(
        redis.get::<_, Option<String>>("k").unwrap().as_deref(),
        Some("v")
    );
}

#[test]
fn sentinel_names_the_servers_own_address() {
    let (_redis, running) = start();
    let addr = running.addr().unwrap();
    let mut c = Raw::connect(addr);
    let port = addr.port().to_string();
    let want = format!("*2\r\n$9\r\n127.0.0.1\r\n${}\r\n{port}\r\n", port.len());
    assert_eq!(
        String::from_utf8_lossy(&c.cmds("SENTINEL get-master-addr-by-name mymaster")),
        want
    );
    let master = String::from_utf8_lossy(&c.cmds("SENTINEL MASTER mymaster")).into_owned();
    assert!(
        master.contains(&format!("$4\r\nport\r\n${}\r\n{port}\r\n", port.len())),
        "{master}"
    );
    let replicas = String::from_utf8_lossy(&c.cmds("SENTINEL REPLICAS mymaster")).into_owned();
    assert!(
        replicas.contains(&format!("127.0.0.1:{port}")),
        "{replicas}"
    );
    // Embedded, the default master stays at the address embedded handles share.
    let embedded = emu::Redis::new();
    let v = embedded
        .execute(&[b"SENTINEL", b"get-master-addr-by-name", b"mymaster"])
        .unwrap();
    assert_eq!(
        format!("{v:?}"),
        format!(
            "{:?}",
            emu::Value::Array(vec![
                emu::Value::bulk("127.0.0.1"),
                emu::Value::bulk("6379")
            ])
        )
    );
}

/// redis-py's Sentinel discovery through `emu serve` reaches that server.
#[test]
fn redis_py_sentinel_connects_to_the_server_it_asked() {
    let (redis, running) = start();
    let port = running.addr().unwrap().port();
    let Some(python) = crate::server_util::redis_py() else {
        return;
    };
    let script = format!(
        "from redis.sentinel import Sentinel\n\
         s = Sentinel([('localhost', {port})], socket_timeout=5)\n\
         print(s.discover_master('mymaster'))\n\
         m = s.master_for('mymaster', socket_timeout=5)\n\
         m.set('sentinel:own', 'yes')\n\
         print(m.get('sentinel:own').decode())\n"
    );
    let out = std::process::Command::new(python)
        .args(["-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), format!("('127.0.0.1', {port})\nyes"));
    assert_eq!(
        redis
            .get::<_, Option<String>>("sentinel:own")
            .unwrap()
            .as_deref(),
        Some("yes")
    );
}

/// `emu serve --dir`: SHUTDOWN saves (a snapshot), the process exits 0, and the data is
/// there after a restart; NOSAVE exits 0 too (the log already holds every write).
#[cfg(all(unix, feature = "cli"))]
mod binary {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use crate::server_util::Raw;

    /// A spawned `emu serve`, killed when dropped (a failing test leaves no server behind).
    struct Served(std::process::Child);

    impl Drop for Served {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn spawn(args: &[&str]) -> (Served, u16) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emu"))
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emu");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut port = 0;
        let prefix = format!("emu {} listening on ", env!("CARGO_PKG_VERSION"));
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 {
            if let Some(addr) = line.trim().strip_prefix(&prefix) {
                port = addr.rsplit(':').next().unwrap().parse().unwrap();
                break;
            }
            line.clear();
        }
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
        });
        assert!(port > 0, "emu serve printed no address");
        (Served(child), port)
    }

    fn exit_status(child: &mut Served) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = child.0.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "emu did not exit after SHUTDOWN");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn snapshots(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                name.contains("snap")
            })
            .count()
    }

    #[test]
    fn shutdown_saves_and_exits_zero() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("data");
        let d_str = d.to_str().unwrap();
        for (round, args) in ["SHUTDOWN", "SHUTDOWN NOSAVE", "SHUTDOWN SAVE NOW FORCE"]
            .into_iter()
            .enumerate()
        {
            let (mut child, port) = spawn(&["--port", "0", "--dir", d_str]);
            let mut c = Raw::connect(([127, 0, 0, 1], port).into());
            for i in 0..100 {
                let k = format!("k{round}:{i}");
                assert_eq!(c.cmd(&[b"SET", k.as_bytes(), b"v"]), b"+OK\r\n");
            }
            let before = std::fs::read_dir(&d)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect::<Vec<_>>();
            c.send(format!("{args}\r\n").as_bytes());
            assert!(c.closed(), "{args}: connection not closed");
            let status = exit_status(&mut child);
            assert!(status.success(), "{args}: {status:?}");
            if args != "SHUTDOWN NOSAVE" {
                let after = std::fs::read_dir(&d)
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .collect::<Vec<_>>();
                assert_ne!(before, after, "{args}: no new snapshot");
                assert!(snapshots(&d) > 0, "{args}: no snapshot in {after:?}");
            }
            // Everything acknowledged is there after a restart.
            let (mut child, port) = spawn(&["--port", "0", "--dir", d_str]);
            let mut c = Raw::connect(([127, 0, 0, 1], port).into());
            let want = format!(":{}\r\n", 100 * (round + 1));
            assert_eq!(String::from_utf8_lossy(&c.cmds("DBSIZE")), want, "{args}");
            c.send(b"SHUTDOWN NOSAVE\r\n");
            assert!(c.closed());
            assert!(exit_status(&mut child).success());
        }
    }

    /// BGSAVE [SCHEDULE], BGREWRITEAOF and SAVE on a server with a data directory answer
    /// as Redis's (which tells its RDB child from its AOF child: emu's one compaction is
    /// started as either), both scheduled inside EXEC and run afterwards, and INFO
    /// persistence counts them (`rdb_saves`, `aof_rewrites`) and reports them in progress
    /// until they end — a client polling `rdb_bgsave_in_progress` before its next BGSAVE
    /// (redis-py's test suite does) is never told one is still running.
    #[test]
    fn background_saves_are_reported_and_scheduled_as_redis() {
        let Some(real) = crate::server_util::start_real_redis("BGSAVE conformance") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("data");
        let (mut child, port) = spawn(&["--port", "0", "--dir", d.to_str().unwrap()]);
        let field = |c: &mut Raw, name: &str| -> String {
            let info = String::from_utf8(c.cmds("INFO persistence")).unwrap();
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .unwrap_or_else(|| panic!("no {name} in {info}"))
                .to_string()
        };
        // All three from one INFO: between two, a scheduled save may start.
        let idle = |c: &mut Raw| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while {
                let info = String::from_utf8(c.cmds("INFO persistence")).unwrap();
                [
                    "rdb_bgsave_in_progress",
                    "aof_rewrite_in_progress",
                    "aof_rewrite_scheduled",
                ]
                .iter()
                .any(|f| !info.contains(&format!("\r\n{f}:0\r\n")))
            } {
                assert!(Instant::now() < deadline, "a background save never ended");
                std::thread::sleep(Duration::from_millis(10));
            }
        };
        let run = |c: &mut Raw| -> Vec<String> {
            let mut out = Vec::new();
            let mut say = |c: &mut Raw, cmd: &str| {
                let r = String::from_utf8_lossy(&c.cmds(cmd)).into_owned();
                out.push(format!("{cmd} -> {r}"));
            };
            say(c, "SET k v");
            say(c, "BGSAVE");
            idle(c);
            say(c, "BGSAVE SCHEDULE");
            idle(c);
            say(c, "BGSAVE NOW");
            say(c, "MULTI");
            say(c, "BGSAVE");
            say(c, "BGREWRITEAOF");
            say(c, "EXEC");
            idle(c);
            say(c, "SAVE");
            for f in [
                "rdb_changes_since_last_save",
                "rdb_saves",
                "aof_rewrites",
                "rdb_last_bgsave_status",
                "aof_last_bgrewrite_status",
                "aof_rewrites_consecutive_failures",
                "rdb_current_bgsave_time_sec",
                "aof_current_rewrite_time_sec",
            ] {
                out.push(format!("{f}:{}", field(c, f)));
            }
            // The durations of the last ones: whole seconds, not -1 any more.
            for f in ["rdb_last_bgsave_time_sec", "aof_last_rewrite_time_sec"] {
                let secs: i64 = field(c, f).parse().unwrap();
                out.push(format!("{f} >= 0: {}", secs >= 0));
            }
            out
        };
        let want = run(&mut Raw::connect(real.addr));
        let got = run(&mut Raw::connect(([127, 0, 0, 1], port).into()));
        assert_eq!(got, want);
        let mut c = Raw::connect(([127, 0, 0, 1], port).into());
        c.send(b"SHUTDOWN NOSAVE\r\n");
        assert!(c.closed());
        assert!(exit_status(&mut child).success());
    }

    #[test]
    fn shutdown_save_without_dir_exits_zero() {
        let (mut child, port) = spawn(&["--port", "0"]);
        let mut c = Raw::connect(([127, 0, 0, 1], port).into());
        assert_eq!(c.cmds("SET k v"), b"+OK\r\n");
        c.send(b"SHUTDOWN SAVE\r\n");
        assert!(c.closed());
        assert!(exit_status(&mut child).success());
    }

    /// `emu serve` takes redis-server's arguments: a redis.conf-style file first (quoted
    /// values, `include`, repeated `save` lines adding up), then `--name value…` for any
    /// parameter, later ones winning; a bad directive stops startup naming its line.
    #[test]
    fn redis_server_style_arguments_and_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let inc = dir.path().join("more.conf");
        std::fs::write(
            &inc,
            "maxmemory-policy allkeys-lru\nhash-max-listpack-entries 7\n",
        )
        .unwrap();
        let conf = dir.path().join("redis.conf");
        std::fs::write(
            &conf,
            format!(
                "# a redis.conf\nport 1\nsave 900 1\nsave 300 10\nnotify-keyspace-events \"KEA\"\n\
                 maxmemory 1mb\ninclude {}\n",
                inc.display()
            ),
        )
        .unwrap();
        let (child, port) = spawn(&[
            conf.to_str().unwrap(),
            "--port",
            "0",
            "--maxmemory",
            "10mb",
            "--client-output-buffer-limit",
            "pubsub",
            "1mb",
            "512kb",
            "30",
        ]);
        let mut c = Raw::connect(format!("127.0.0.1:{port}").parse().unwrap());
        for (name, want) in [
            ("save", "900 1 300 10"),
            ("notify-keyspace-events", "AKE"),
            ("maxmemory", "10485760"),
            ("maxmemory-policy", "allkeys-lru"),
            ("hash-max-listpack-entries", "7"),
        ] {
            let reply = c.cmds(&format!("CONFIG GET {name}"));
            let text = String::from_utf8_lossy(&reply).into_owned();
            assert!(
                text.ends_with(&format!("${}\r\n{want}\r\n", want.len())),
                "{name}: {text}"
            );
        }
        let reply =
            String::from_utf8_lossy(&c.cmds("CONFIG GET client-output-buffer-limit")).into_owned();
        assert!(reply.contains("pubsub 1048576 524288 30"), "{reply}");
        drop(child);

        for (args, says) in [
            (
                vec!["--no-such-parameter", "1"],
                "'--no-such-parameter': Bad directive",
            ),
            (vec!["--maxmemory", "lots"], "'--maxmemory'"),
            (vec!["--daemonize", "yes"], "does not daemonize"),
            (
                vec![conf.to_str().unwrap(), "stray"],
                "unexpected argument 'stray'",
            ),
            (
                vec![conf.to_str().unwrap()],
                "line 2: 'maxmemory-policy sometimes'",
            ),
        ] {
            std::fs::write(&conf, "port 0\nmaxmemory-policy sometimes\n").unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_emu"))
                .arg("serve")
                .args(&args)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.contains(says), "{args:?}: {err}");
        }
    }
}

/// SAVE/BGSAVE on a server without a data directory: Redis's replies, and LASTSAVE and
/// `rdb_changes_since_last_save` move as after a real save, so a client waiting for
/// LASTSAVE to advance after BGSAVE does not hang.
#[test]
fn save_without_dir_advances_lastsave() {
    let (_redis, running) = start();
    let mut c = Raw::connect(running.addr().unwrap());
    let lastsave = |c: &mut Raw| -> u64 {
        let r = String::from_utf8(c.cmds("LASTSAVE")).unwrap();
        r.trim_start_matches(':').trim_end().parse().unwrap()
    };
    let changes = |c: &mut Raw| -> String {
        let info = String::from_utf8(c.cmds("INFO persistence")).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .unwrap()
            .to_string()
    };
    assert_eq!(c.cmds("SET k v"), b"+OK\r\n");
    assert_eq!(changes(&mut c), "1");
    for (cmd, reply) in [
        ("SAVE", &b"+OK\r\n"[..]),
        ("BGSAVE", &b"+Background saving started\r\n"[..]),
    ] {
        let before = lastsave(&mut c);
        // LASTSAVE has a resolution of one second.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(c.cmds("SET k v"), b"+OK\r\n");
        assert_eq!(c.cmds(cmd), reply);
        assert!(lastsave(&mut c) > before, "{cmd}");
        assert_eq!(changes(&mut c), "0", "{cmd}");
    }
}

/// FLUSHALL with save points configured saves at once, as Redis's
/// `flushAllDataAndResetRDB`: `rdb_changes_since_last_save` is 0 after it; without save
/// points the flush counts as changes. Compared with redis-server.
#[test]
fn flushall_with_save_points_saves_as_redis() {
    let Some(real) = start_real_redis("FLUSHALL and the dirty counter") else {
        return;
    };
    let (_redis, running) = start();
    let changes = |c: &mut Raw| -> String {
        let info = String::from_utf8(c.cmds("INFO persistence")).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .unwrap()
            .to_string()
    };
    let mut seen = Vec::new();
    for addr in [running.addr().unwrap(), real.addr] {
        let mut c = Raw::connect(addr);
        let mut steps = Vec::new();
        c.cmd(&[b"CONFIG", b"SET", b"save", b""]);
        c.cmds("SET key value");
        c.cmds("FLUSHALL");
        steps.push(changes(&mut c));
        c.cmd(&[b"CONFIG", b"SET", b"save", b"3600 1 300 100 60 10000"]);
        c.cmds("SET key value");
        c.cmds("FLUSHALL");
        steps.push(changes(&mut c));
        c.cmd(&[b"CONFIG", b"SET", b"save", b""]);
        seen.push(steps);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0][1], "0");
}

//! Real clients against the server: redis-cli (one-shot, --pipe, interactive in a pty),
//! redis-benchmark, redis-py (RESP2 and RESP3), redis-rs over TCP, and the `emu serve`
//! binary itself (flags, signals).
//!
//! Needs `redis-cli`, `redis-benchmark` (Debian package `redis-tools` or `redis-server`),
//! `python3` with the `redis` package (pip). A missing tool skips the test with a loud
//! `SKIPPED` line on stderr, or fails it when `EMU_REQUIRE_EXTERNAL=1` (as `.ci/run` sets).

#![cfg(feature = "server")]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::server_util::{start, tool, which, INSTALL_REDIS_PY, INSTALL_REDIS_TOOLS};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs redis-cli; the calling test has checked with [`tool`] that it is installed.
fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new(which("redis-cli").expect("redis-cli checked by the test"))
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
        .expect("run redis-cli");
    assert!(out.status.success(), "redis-cli {args:?} failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn redis_cli_one_shot() {
    let Some(redis_cli) = tool("redis-cli", INSTALL_REDIS_TOOLS) else {
        return;
    };
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    assert_eq!(cli(port, &["PING"]), "PONG\n");
    assert_eq!(cli(port, &["SET", "k", "hello world"]), "OK\n");
    assert_eq!(cli(port, &["GET", "k"]), "hello world\n");
    assert_eq!(cli(port, &["INCR", "n"]), "1\n");
    assert_eq!(cli(port, &["GET", "nosuch"]), "\n");
    assert_eq!(cli(port, &["HSET", "h", "f", "v"]), "1\n");
    assert_eq!(cli(port, &["HGETALL", "h"]), "f\nv\n");
    // RESP3 map, printed as redis-cli prints maps.
    assert_eq!(cli(port, &["-3", "HGETALL", "h"]), "f v\n");
    assert_eq!(
        cli(port, &["LPUSH", "k", "x"]),
        "WRONGTYPE Operation against a key holding the wrong kind of value\n\n"
    );
    assert_eq!(cli(port, &["-n", "3", "SET", "only3", "1"]), "OK\n");
    assert_eq!(cli(port, &["EXISTS", "only3"]), "0\n");
    assert_eq!(cli(port, &["-n", "3", "EXISTS", "only3"]), "1\n");
    assert!(cli(port, &["INFO", "server"]).contains("redis_version:7.0.15"));
    // Commands read from stdin.
    let mut child = Command::new(redis_cli)
        .args(["-p", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SET a 1\nINCR a\nGET a\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "OK\n2\n2\n");
}

#[test]
fn redis_cli_pipe_mass_insertion() {
    let Some(redis_cli) = tool("redis-cli", INSTALL_REDIS_TOOLS) else {
        return;
    };
    let (r, srv) = start();
    let port = srv.addr().unwrap().port();
    let n = 20_000;
    let mut input = Vec::new();
    for i in 0..n {
        emu::resp::encode_request(
            &mut input,
            &[
                b"SET".as_slice(),
                format!("key:{i}").as_bytes(),
                format!("value:{i}").as_bytes(),
            ],
        );
    }
    let mut child = Command::new(redis_cli)
        .args(["-p", &port.to_string(), "--pipe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("errors: 0, replies: {n}")), "{text}");
    let size: emu::Value = r.cmd("DBSIZE").query().unwrap();
    assert_eq!(size, emu::Value::Int(n));
    let v: emu::Value = r.cmd("GET").arg("key:12345").query().unwrap();
    assert_eq!(v, emu::Value::bulk("value:12345"));
}

#[test]
fn redis_cli_interactive_in_a_pty() {
    let Some(cli) = tool("redis-cli", INSTALL_REDIS_TOOLS) else {
        return;
    };
    let Some(python) = tool("python3", INSTALL_REDIS_PY) else {
        return;
    };
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    let out = Command::new(python)
        .arg(manifest_dir().join("tests/clients/redis_cli_tty.py"))
        .arg(&cli)
        .arg(port.to_string())
        .output()
        .expect("run the pty driver");
    let screen = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let p = format!("127.0.0.1:{port}>");
    for expected in [
        format!("{p} set greeting \"hello world\"\nOK\n"),
        format!("{p} get greeting\n\"hello world\"\n"),
        format!("{p} incr counter\n(integer) 1\n"),
        format!("{p} rpush l a b\n(integer) 2\n"),
        format!("{p} lrange l 0 -1\n1) \"a\"\n2) \"b\"\n"),
        format!("{p} hgetall nosuch\n(empty array)\n"),
        format!("{p} select 2\nOK\n"),
        format!("127.0.0.1:{port}[2]> get greeting\n(nil)\n"),
        "(error) ERR unknown command 'nosuchcommand', with args beginning with: 'x' \n".into(),
    ] {
        assert!(
            screen.contains(&expected),
            "missing {expected:?} in:\n{screen}"
        );
    }
}

#[test]
fn redis_benchmark_short_run() {
    let Some(benchmark) = tool("redis-benchmark", INSTALL_REDIS_TOOLS) else {
        return;
    };
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    for pipeline in ["1", "16"] {
        let out = Command::new(&benchmark)
            .args([
                "-p",
                &port.to_string(),
                "-t",
                "set,get,incr,lpush,rpop,sadd,hset,lrange_100",
                "-n",
                "2000",
                "-c",
                "10",
                "-P",
                pipeline,
                "-q",
            ])
            .output()
            .expect("run redis-benchmark");
        let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
        assert!(out.status.success(), "{text}");
        for t in ["SET", "GET", "INCR", "LPUSH", "RPOP", "SADD", "HSET"] {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("{t}: ")) && l.contains("requests per second")),
                "no result for {t} in:\n{text}"
            );
        }
        assert!(text.contains("LRANGE_100"), "{text}");
    }
}

fn run_redis_py(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    let Some(out) = crate::server_util::run_redis_py("redis_py_check.py", port, proto) else {
        return;
    };
    assert_eq!(out, format!("redis-py ok {proto}"));
}

#[test]
fn redis_py_resp2() {
    run_redis_py("2");
}

#[test]
fn redis_py_resp3() {
    run_redis_py("3");
}

#[test]
fn redis_rs_over_tcp_sync() {
    use redis::Commands;
    let (_r, srv) = start();
    let url = format!("redis://{}/", srv.addr().unwrap());
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut con = client.get_connection().unwrap();
    let _: () = con.set("k", 42).unwrap();
    let v: i64 = con.get("k").unwrap();
    assert_eq!(v, 42);
    let _: () = con.hset_multiple("h", &[("a", 1), ("b", 2)]).unwrap();
    let h: std::collections::BTreeMap<String, i64> = con.hgetall("h").unwrap();
    assert_eq!(
        h.into_iter().collect::<Vec<_>>(),
        vec![("a".into(), 1), ("b".into(), 2)]
    );
    let e = con.lpush::<_, _, i64>("k", 1).unwrap_err();
    assert_eq!(e.code(), Some("WRONGTYPE"));
    let (a, b): (i64, String) = redis::pipe()
        .incr("c", 2)
        .cmd("ECHO")
        .arg("x")
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b), (2, "x".into()));
    // db in the URL selects per connection.
    let client5 = redis::Client::open(format!("{url}5").as_str()).unwrap();
    let mut c5 = client5.get_connection().unwrap();
    let v: Option<i64> = c5.get("k").unwrap();
    assert_eq!(v, None);
}

#[test]
fn redis_rs_over_tcp_resp3_and_async() {
    use redis::AsyncCommands;
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let client = redis::Client::open(format!("redis://{addr}/?protocol=resp3")).unwrap();
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = con.set("k", "v").await.unwrap();
        let v: String = con.get("k").await.unwrap();
        assert_eq!(v, "v");
        let _: () = con.hset("h", "f", "1").await.unwrap();
        let raw: redis::Value = redis::cmd("HGETALL")
            .arg("h")
            .query_async(&mut con)
            .await
            .unwrap();
        assert!(matches!(raw, redis::Value::Map(_)), "{raw:?}");
        let e = con.incr::<_, _, i64>("k", 1).await.unwrap_err();
        assert_eq!(e.detail(), Some("value is not an integer or out of range"));
    });
}

/// The `emu` binary itself (needs the `cli` feature for the binary to be built).
#[cfg(all(unix, feature = "cli"))]
mod binary {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use crate::server_util::{tool, Raw, INSTALL_REDIS_TOOLS};

    fn spawn_emu(args: &[&str]) -> (std::process::Child, u16, Vec<String>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emu"))
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn emu");
        let mut lines = Vec::new();
        let mut port = 0;
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if let Some(addr) = line
                .trim()
                .strip_prefix(&format!("emu {} listening on ", env!("CARGO_PKG_VERSION")))
            {
                port = addr.rsplit(':').next().unwrap().parse().unwrap();
            }
            let done = line.starts_with("emu: ");
            lines.push(line.trim_end().to_string());
            if done {
                break;
            }
        }
        // Keep draining stdout in the background so the server never blocks on it.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
        });
        (child, port, lines)
    }

    fn sigterm(child: &mut std::process::Child, sig: &str) -> std::process::ExitStatus {
        let st = Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "emu did not stop on {sig}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn emu_binary_serves_and_stops_on_signals() {
        for sig in ["-TERM", "-INT"] {
            let (mut child, port, lines) = spawn_emu(&["--port", "0"]);
            assert!(port > 0, "no listening line in {lines:?}");
            assert!(
                lines.iter().any(|l| l.contains("in-memory store")),
                "{lines:?}"
            );
            let mut c = Raw::connect(([127, 0, 0, 1], port).into());
            assert_eq!(c.cmds("PING"), b"+PONG\r\n");
            let status = sigterm(&mut child, sig);
            assert!(status.success(), "{status:?}");
            assert!(c.closed());
        }
    }

    #[test]
    fn emu_binary_flags() {
        let dir = std::env::temp_dir().join(format!("emu-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("emu.sock");
        let (mut child, port, lines) = spawn_emu(&[
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--requirepass",
            "pw",
            "--databases",
            "4",
            "--unixsocket",
            sock.to_str().unwrap(),
            "--dir",
            dir.to_str().unwrap(),
        ]);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("data directory") && l.contains("appendfsync everysec")),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.contains("unix socket")), "{lines:?}");
        let mut c = Raw::connect(([127, 0, 0, 1], port).into());
        assert_eq!(c.cmds("PING"), b"-NOAUTH Authentication required.\r\n");
        assert_eq!(c.cmds("AUTH pw"), b"+OK\r\n");
        assert_eq!(c.cmds("SELECT 3"), b"+OK\r\n");
        assert_eq!(c.cmds("SELECT 4"), b"-ERR DB index is out of range\r\n");
        assert_eq!(
            c.cmds("CONFIG GET databases"),
            b"*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n"
        );
        // The Unix socket through redis-cli (skipped, loudly, without it).
        if let Some(redis_cli) = tool("redis-cli", INSTALL_REDIS_TOOLS) {
            let out = Command::new(redis_cli)
                .args([
                    "-s",
                    sock.to_str().unwrap(),
                    "-a",
                    "pw",
                    "--no-auth-warning",
                    "PING",
                ])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), "PONG\n");
        }
        assert!(sigterm(&mut child, "-TERM").success());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

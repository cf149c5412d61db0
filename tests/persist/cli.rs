//! The CLI data commands end to end: `emu dump`, `emu load`, `emu check [--repair]`,
//! `emu compact`, and `emu serve --dir` keeping data across a restart.

#![cfg(all(feature = "cli", feature = "server"))]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const EMU: &str = env!("CARGO_BIN_EXE_emu");

fn emu(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut child = Command::new(EMU)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(b) = stdin {
        input.write_all(b).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn load_dump_check_compact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let d = dir.to_str().unwrap();
    let input = "{\"db\":0,\"key\":\"a\",\"type\":\"string\",\"value\":\"1\",\"expire_at_ms\":null}\n\
                 {\"db\":2,\"key\":\"l\",\"type\":\"list\",\"value\":[\"x\",{\"base64\":\"/w==\"}],\"expire_at_ms\":1800000000000}\n";
    let (code, out, err) = emu(&["load", d, "-"], Some(input.as_bytes()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("created data directory {d}\nloaded 2 keys into {d}\n")
    );
    let (code, out, _) = emu(&["dump", d], None);
    assert_eq!(code, 0);
    assert_eq!(out, input);
    let (code, out, _) = emu(&["dump", d, "--format", "resp"], None);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n"),
        "{out:?}"
    );
    let (code, out, _) = emu(&["check", d], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no problems found"), "{out}");
    let (code, _, err) = emu(&["compact", d], None);
    assert_eq!(code, 0, "{err}");
    // Damage the snapshot: check fails (exit 1) and names it; --repair fixes it.
    let snap = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "snap"))
        .unwrap();
    let mut bytes = std::fs::read(&snap).unwrap();
    let n = bytes.len();
    bytes[n - 20] ^= 0x55;
    std::fs::write(&snap, &bytes).unwrap();
    let (code, out, _) = emu(&["check", d], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("DAMAGED at byte offset"), "{out}");
    let (code, _, err) = emu(&["dump", d], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("byte offset") && err.contains("emu check --repair"),
        "{err}"
    );
    let (code, out, _) = emu(&["check", d, "--repair"], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("repaired"), "{out}");
    let (code, _, err) = emu(&["load", d, "-", "--format", "nope"], Some(b""));
    assert_eq!(code, 2);
    assert!(err.contains("unknown format"), "{err}");
}

#[test]
fn cli_runs_commands_against_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("c");
    std::fs::create_dir(&d).unwrap();
    let d = d.to_str().unwrap();
    assert_eq!(
        emu(&["cli", "--dir", d, "RPUSH", "l", "a", "b"], None).1,
        "2\n"
    );
    assert_eq!(
        emu(&["cli", "--dir", d, "LRANGE", "l", "0", "-1"], None).1,
        "a\nb\n"
    );
    assert_eq!(
        emu(&["cli", "--dir", d, "-x", "SET", "k"], Some(b"data\n")).1,
        "OK\n"
    );
    assert_eq!(emu(&["cli", "--dir", d, "GET", "k"], None).1, "data\n\n");
    assert_eq!(
        emu(&["cli", "--dir", d, "-n", "2", "GET", "k"], None).1,
        "\n"
    );
    let (code, out, _) = emu(&["cli", "--dir", d, "INCR", "k"], None);
    assert_eq!(
        (code, out.as_str()),
        (1, "ERR value is not an integer or out of range\n")
    );
    let script = b"SET \"a b\" \"x\\ty\"\nGET \"a b\"\nquit\nGET k\n";
    assert_eq!(emu(&["cli", "--dir", d], Some(script)).1, "OK\nx\ty\n");
}

#[test]
fn serve_dir_keeps_data_across_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("srv");
    let d = d.to_str().unwrap();
    for round in 0..2 {
        let mut child = Command::new(EMU)
            .args([
                "serve",
                "--port",
                "0",
                "--dir",
                d,
                "--appendfsync",
                "always",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let addr = first.rsplit(' ').next().unwrap().to_string();
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        s.write_all(b"INCR counter\r\n").unwrap();
        r.read_line(&mut line).unwrap();
        assert_eq!(line, format!(":{}\r\n", round + 1));
        // A second server on the same directory is refused, naming the holder.
        let (code, _, err) = emu(&["serve", "--port", "0", "--dir", d], None);
        assert_eq!(code, 1);
        assert!(err.contains("locked by another process"), "{err}");
        assert!(
            err.contains(&format!(
                "(pid {}: emu serve --port 0 --dir {d}",
                child.id()
            )),
            "{err}"
        );
        let (code, _, err) = emu(&["cli", "--dir", d, "GET", "counter"], None);
        assert_eq!(code, 1);
        assert!(err.contains("redis-cli -p"), "{err}");
        assert!(err.contains("emu serve"), "{err}");
        assert!(!err.contains("in this process"), "{err}");
        child.kill().unwrap(); // SIGKILL: the always policy already made the write durable
        child.wait().unwrap();
    }
}

/// The issue's case through the binary: a garbage log next to a valid snapshot refuses to
/// open; `emu check --repair` exits 0, after which the directory opens and `emu check` is
/// clean; repairing again changes nothing (no second `dropped-*` folder).
#[test]
fn repair_of_a_garbage_log_header_through_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let d = dir.to_str().unwrap();
    std::fs::create_dir(&dir).unwrap();
    assert_eq!(emu(&["cli", "--dir", d, "SET", "k", "v"], None).0, 0);
    assert_eq!(emu(&["compact", d], None).0, 0);
    let log = dir.join("emu-00000000000000000001.log");
    std::fs::write(&log, b"this is not an emu log at all").unwrap();
    let (code, _, err) = emu(&["cli", "--dir", d, "GET", "k"], None);
    assert_eq!(code, 1);
    assert!(err.contains("emu check --repair"), "{err}");
    let (code, out, err) = emu(&["check", d, "--repair"], None);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = emu(&["check", d], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no problems found"), "{out}");
    assert_eq!(emu(&["cli", "--dir", d, "GET", "k"], None).1, "v\n");
    let dropped = || {
        std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_str()
                    .unwrap()
                    .starts_with("dropped-")
            })
            .count()
    };
    assert_eq!(dropped(), 1);
    let (code, out, _) = emu(&["check", d, "--repair"], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no problems found"), "{out}");
    assert_eq!(dropped(), 1);
}

fn stdout_lines_until_data_dir(child: &mut std::process::Child) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("emu: data directory");
        out.push(line);
        if done {
            break;
        }
    }
    // The note about loading follows the data directory line.
    if let Some(Ok(l)) = lines.next() {
        out.push(l);
    }
    out
}

/// Commands that read a directory refuse a missing one (and do not create it); `load` and
/// `serve` create it and say so; a failed load leaves nothing behind.
#[test]
fn missing_data_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("typo-dir");
    let m = missing.to_str().unwrap();
    let expected = format!("emu: no such data directory: {m}\n");
    for args in [
        vec!["check", m],
        vec!["check", m, "--repair"],
        vec!["dump", m],
        vec!["compact", m],
        vec!["cli", "--dir", m, "PING"],
    ] {
        let (code, out, err) = emu(&args, None);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (1, "", expected.as_str()),
            "{args:?}"
        );
        assert!(!missing.exists(), "{args:?} created the directory");
    }
    // A failed load (bad input) into a new directory leaves no directory behind, nor its
    // parents that it would have created.
    let nested = tmp.path().join("new/nested");
    let n = nested.to_str().unwrap();
    let (code, _, err) = emu(&["load", n, "-"], Some(b"{\"key\":1}\n"));
    assert_eq!(code, 1, "{err}");
    assert!(!tmp.path().join("new").exists());
    // A good load creates it and says so; JSON Lines may omit db and expire_at_ms.
    let (code, out, err) = emu(
        &["load", n, "-"],
        Some(b"{\"key\":\"k\",\"type\":\"string\",\"value\":\"v\"}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("created data directory {n}\nloaded 1 keys into {n}\n")
    );
    let (_, out, _) = emu(&["dump", n], None);
    assert_eq!(
        out,
        "{\"db\":0,\"key\":\"k\",\"type\":\"string\",\"value\":\"v\",\"expire_at_ms\":null}\n"
    );
    // A failed load into an existing directory keeps it (and its data).
    let (code, _, _) = emu(&["load", n, "-"], Some(b"garbage\n"));
    assert_eq!(code, 1);
    assert_eq!(emu(&["cli", "--dir", n, "GET", "k"], None).1, "v\n");
}

/// `--appendfsync` without `--dir` would do nothing: refused. `serve --dir` says whether it
/// created the directory or how many keys it loaded and how long that took.
#[test]
fn serve_flags_and_load_report() {
    let (code, _, err) = emu(&["serve", "--port", "0", "--appendfsync", "always"], None);
    assert_eq!(code, 2);
    assert!(err.contains("--appendfsync needs --dir"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("srv");
    let d = dir.to_str().unwrap();
    for round in 0..2 {
        let mut child = Command::new(EMU)
            .args(["serve", "--port", "0", "--dir", d])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = stdout_lines_until_data_dir(&mut child);
        if round == 0 {
            assert!(
                lines.contains(&format!("emu: created data directory {d}")),
                "{lines:?}"
            );
            let addr = lines[0].rsplit(' ').next().unwrap().to_string();
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            s.write_all(b"MSET a 1 b 2 c 3\r\nSAVE\r\nINFO persistence\r\n")
                .unwrap();
            r.read_line(&mut line).unwrap();
            assert_eq!(line, "+OK\r\n");
            line.clear();
            r.read_line(&mut line).unwrap();
            assert_eq!(line, "+OK\r\n");
            let mut info = String::new();
            while !info.contains("aof_last_write_status") {
                r.read_line(&mut info).unwrap();
            }
            assert!(info.contains("aof_enabled:1\r\n"), "{info}");
        } else {
            let loaded = lines
                .iter()
                .find(|l| l.starts_with(&format!("emu: loaded 3 keys from {d} in ")))
                .unwrap_or_else(|| panic!("{lines:?}"));
            assert!(loaded.ends_with(" ms"), "{loaded}");
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

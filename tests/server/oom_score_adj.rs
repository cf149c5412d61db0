//! `oom-score-adj` / `oom-score-adj-values` against redis-server 7.0: the same CONFIG SET /
//! GET / REPLICAOF steps on an `emu serve` process and on a real redis-server, comparing the
//! replies byte for byte and each process's /proc/<pid>/oom_score_adj after every step (both
//! start from the score they inherit from this test process).

#![cfg(all(feature = "cli", target_os = "linux"))]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use crate::server_util::{start_real_redis, Raw};

/// `emu serve` on a port of its own, killed when dropped.
struct EmuServe(std::process::Child, u16);

impl EmuServe {
    fn start() -> EmuServe {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emu"))
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emu");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let prefix = format!("emu {} listening on ", env!("CARGO_PKG_VERSION"));
        let mut line = String::new();
        let mut port = 0;
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
        EmuServe(child, port)
    }
}

impl Drop for EmuServe {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn score(pid: u32) -> i32 {
    std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn set_score(pid: u32, v: i32) {
    std::fs::write(format!("/proc/{pid}/oom_score_adj"), format!("{v}\n")).unwrap();
}

#[test]
fn oom_score_adj_writes_the_process_score_as_redis() {
    let Some(real) = start_real_redis("oom-score-adj") else {
        return;
    };
    let emu = EmuServe::start();
    let pids = [emu.0.id(), real.pid()];
    let mut conns = [
        Raw::connect(([127, 0, 0, 1], emu.1).into()),
        Raw::connect(real.addr),
    ];
    // Both start from the same inherited score: the steps below then give equal scores.
    let base = score(pids[0]);
    assert_eq!(base, score(pids[1]));
    let steps: &[&[&str]] = &[
        &["CONFIG", "GET", "oom-score-adj"],
        &["CONFIG", "GET", "oom-score-adj-values"],
        // Off: values change, the score does not.
        &["CONFIG", "SET", "oom-score-adj-values", "5 6 7"],
        &["CONFIG", "SET", "oom-score-adj", "yes"],
        &["CONFIG", "GET", "oom-score-adj"],
        &["CONFIG", "SET", "oom-score-adj-values", "15 20 30"],
        // The replica class while following a master, the master class after.
        &["REPLICAOF", "localhost", "1"],
        &["REPLICAOF", "NO", "ONE"],
        &["CONFIG", "SET", "oom-score-adj", "absolute"],
        &["CONFIG", "SET", "oom-score-adj", "relative"],
        &["CONFIG", "GET", "oom-score-adj"],
        // Clamped to -1000..=1000.
        &["CONFIG", "SET", "oom-score-adj-values", "2000 2000 2000"],
        &["CONFIG", "SET", "oom-score-adj-values", "01 +2 3"],
        &["CONFIG", "GET", "oom-score-adj-values"],
        // Off restores the score found when it was turned on.
        &["CONFIG", "SET", "oom-score-adj", "no"],
        // Two parameters of one CONFIG SET.
        &[
            "CONFIG",
            "SET",
            "oom-score-adj-values",
            "9 9 9",
            "oom-score-adj",
            "yes",
        ],
        &["CONFIG", "SET", "oom-score-adj", "no"],
        // Redis's errors, the values unchanged.
        &["CONFIG", "SET", "oom-score-adj-values", "-2001 -2001 -2001"],
        &["CONFIG", "SET", "oom-score-adj-values", "1 2 2001"],
        &["CONFIG", "SET", "oom-score-adj-values", "1 2"],
        &["CONFIG", "SET", "oom-score-adj-values", "1 2 3 "],
        &["CONFIG", "SET", "oom-score-adj-values", "1  2 3"],
        &["CONFIG", "SET", "oom-score-adj-values", ""],
        &["CONFIG", "SET", "oom-score-adj-values", "1 x 3"],
        &["CONFIG", "SET", "oom-score-adj-values", "1 + 3"],
        &["CONFIG", "SET", "oom-score-adj", "maybe"],
        &["CONFIG", "GET", "oom-score-adj"],
        &["CONFIG", "GET", "oom-score-adj-values"],
    ];
    for step in steps {
        let argv: Vec<&[u8]> = step.iter().map(|a| a.as_bytes()).collect();
        let replies = [conns[0].cmd(&argv), conns[1].cmd(&argv)];
        assert_eq!(
            String::from_utf8_lossy(&replies[0]),
            String::from_utf8_lossy(&replies[1]),
            "{step:?}"
        );
        assert_eq!(score(pids[0]), score(pids[1]), "score after {step:?}");
    }
    // The score emu found is the one it restores, even when set from outside meanwhile.
    for (pid, c) in pids.iter().zip(&mut conns) {
        set_score(*pid, base + 22);
        c.cmd(&[b"CONFIG", b"SET", b"oom-score-adj-values", b"9 9 9"]);
        c.cmd(&[b"CONFIG", b"SET", b"oom-score-adj", b"yes"]);
        assert_eq!(score(*pid), (base + 31).min(1000));
        c.cmd(&[b"CONFIG", b"SET", b"oom-score-adj", b"no"]);
        assert_eq!(score(*pid), base + 22);
    }
}

/// `oom-score-adj yes` from the command line applies at start, as redis-server's.
#[test]
fn oom_score_adj_applies_at_start() {
    let emu = {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emu"))
            .args(["serve", "--port", "0", "--oom-score-adj", "absolute"])
            .args(["--oom-score-adj-values", "123 124 125"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emu");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && !line.contains("Ready to accept") {
            line.clear();
        }
        EmuServe(child, 0)
    };
    assert_eq!(score(emu.0.id()), 123);
}

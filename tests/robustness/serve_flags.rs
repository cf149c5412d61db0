//! `emu serve --enable-debug-command` and `--enable-protected-configs` (issue 10 #3, #11).

#![cfg(all(feature = "cli", feature = "server"))]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const EMU: &str = env!("CARGO_BIN_EXE_emu");

/// Starts `emu serve --port 0 <extra>`, sends `lines`, returns the first line of each reply.
fn serve_and_ask(extra: &[&str], lines: &[&str]) -> Vec<String> {
    let mut child = Command::new(EMU)
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = out.next().unwrap().unwrap();
    let addr = first.rsplit(' ').next().unwrap().to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut replies = Vec::new();
    for l in lines {
        s.write_all(format!("{l}\r\n").as_bytes()).unwrap();
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        replies.push(line.trim_end().to_string());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    replies
}

#[test]
fn serve_flags_gate_debug_and_protected_configs() {
    let _serial = crate::serial();
    let asks = ["DEBUG SLEEP 0", "CONFIG SET dir /tmp"];
    let refused = serve_and_ask(&[], &asks);
    assert!(
        refused[0].starts_with("-ERR DEBUG command not allowed."),
        "{refused:?}"
    );
    assert!(
        refused[1].ends_with("can't set protected config"),
        "{refused:?}"
    );
    let allowed = serve_and_ask(
        &[
            "--enable-debug-command",
            "local",
            "--enable-protected-configs",
            "yes",
        ],
        &asks,
    );
    assert_eq!(allowed, ["+OK", "+OK"]);
    let bad = Command::new(EMU)
        .args(["serve", "--port", "0", "--enable-debug-command", "maybe"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

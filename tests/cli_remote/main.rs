//! `emu cli` against a running server (issue 15 item 9): the same command lines through
//! `redis-cli` and `emu cli` against the same real redis-server, stdout and exit status
//! compared byte for byte (raw and formatted output, RESP2 and RESP3, nested arrays, maps,
//! sets, errors, nil, -n/-u/-s/-a/-x/-r, --scan); MONITOR and SUBSCRIBE streaming; --stat;
//! and `emu cli` against `emu serve`.

#![cfg(all(feature = "server", feature = "cli"))]

#[path = "../server_util/mod.rs"]
mod server_util;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use server_util::{start, start_real_redis_with, tool, Raw};

const EMU: &str = env!("CARGO_BIN_EXE_emu");

fn run(bin: &str, pre: &[&str], args: &[&str], stdin: Option<&[u8]>) -> (Vec<u8>, i32) {
    let mut cmd = Command::new(bin);
    cmd.args(pre).args(args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn");
    if let Some(data) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(data)
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    (out.stdout, out.status.code().unwrap_or(-1))
}

/// Data the command lines read (run once per server).
const SETUP: &[&str] = &[
    "SET k v",
    "SET n 10",
    "SET bin \\x01\\n\"q\"\\t\\\\",
    "RPUSH l a b c d e f g h i j k",
    "HSET h f1 v1 f2 v2",
    "SADD s x",
    "ZADD z 1.5 a 2 b",
    "XADD st 1-1 f v",
];

fn setup(addr: std::net::SocketAddr) {
    let mut c = Raw::connect(addr);
    for line in SETUP {
        let args: Vec<String> = line.split(' ').map(unescape).collect();
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        c.cmd(&argv);
    }
}

/// Command lines whose output does not depend on how often they ran.
const LINES: &[&str] = &[
    "SET k v",
    "GET k",
    "GET nosuch",
    "INCR k",
    "INCRBY n 0",
    "GET bin",
    "LRANGE l 0 -1",
    "LRANGE nosuch 0 -1",
    "HGETALL h",
    "HGETALL nosuch",
    "SMEMBERS s",
    "ZRANGE z 0 -1 WITHSCORES",
    "ZSCORE z a",
    "EVAL return{1,{2,{3,'x'}},{},'y'} 0",
    "EVAL return{err='MY fault'} 0",
    "EVAL return{ok='fine'} 0",
    "EVAL redis.setresp(3);return{map={a={map={b=1}},d={1,2},e={set={x=true}}}} 0",
    "EVAL redis.setresp(3);return{map={a={map={b=1,c=2}},d={1},e={set={x=true,y=true}}}} 0",
    "EVAL redis.setresp(3);return{double=3.5} 0",
    "EVAL redis.setresp(3);return(true) 0",
    "COMMAND DOCS get",
    "COMMAND INFO get",
    "CLIENT TRACKINGINFO",
    "XRANGE st - +",
    "OBJECT ENCODING l",
    "NOSUCH command",
    "SELECT 1",
    "TYPE h",
    "DBSIZE",
];

#[test]
fn emu_cli_prints_as_redis_cli() {
    let sock = std::env::temp_dir().join(format!("emu-cli-{}.sock", std::process::id()));
    let sock_s = sock.to_string_lossy().into_owned();
    let Some(real) = start_real_redis_with(
        "emu cli vs redis-cli",
        &["--unixsocket", &sock_s, "--unixsocketperm", "700"],
    ) else {
        return;
    };
    let Some(redis_cli) = tool("redis-cli", "apt-get install redis-tools") else {
        return;
    };
    let redis_cli = redis_cli.to_string_lossy().into_owned();
    let port = real.addr.port().to_string();
    setup(real.addr);
    let modes: &[&[&str]] = &[&[], &["--no-raw"], &["-3"], &["-3", "--no-raw"], &["--raw"]];
    let mut diffs = Vec::new();
    let mut compared = 0;
    for mode in modes {
        let mut pre = vec!["-p", port.as_str()];
        pre.extend_from_slice(mode);
        for line in LINES {
            let args: Vec<String> = line
                .split(' ')
                .map(|w| if w == "%" { String::new() } else { unescape(w) })
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let want = run(&redis_cli, &pre, &args, None);
            let got = run(EMU, &["cli"], &[&pre[..], &args[..]].concat(), None);
            compared += 1;
            if want != got {
                diffs.push(format!(
                    "{mode:?} {line}:\n redis-cli {:?} ({})\n emu cli   {:?} ({})",
                    String::from_utf8_lossy(&want.0),
                    want.1,
                    String::from_utf8_lossy(&got.0),
                    got.1
                ));
            }
        }
    }
    // Connection options, -r, -x, --scan.
    let uri = format!("redis://127.0.0.1:{port}/2");
    let cases: Vec<(Vec<&str>, Option<&[u8]>)> = vec![
        (vec!["-p", &port, "-n", "3", "SET", "db3", "x"], None),
        (vec!["-p", &port, "-n", "3", "GET", "db3"], None),
        (vec!["-p", &port, "-n", "99", "GET", "db3"], None),
        (vec!["-u", &uri, "SET", "u", "1"], None),
        (vec!["-u", &uri, "--no-raw", "KEYS", "*"], None),
        (vec!["-s", &sock_s, "--no-raw", "GET", "k"], None),
        (vec!["-s", "/nonexistent/sock", "GET", "k"], None),
        (vec!["-p", "1", "GET", "k"], None),
        (
            vec!["-p", &port, "-a", "wrong", "--no-auth-warning", "GET", "k"],
            None,
        ),
        (
            vec!["-p", &port, "--user", "u", "--pass", "p", "GET", "k"],
            None,
        ),
        (vec!["-p", &port, "-r", "3", "ECHO", "rep"], None),
        (
            vec![
                "-p", &port, "--no-raw", "-r", "2", "-i", "0.05", "INCRBY", "n", "0",
            ],
            None,
        ),
        (
            vec!["-p", &port, "-x", "SET", "fromstdin"],
            Some(b"line1\nline2\n"),
        ),
        (vec!["-p", &port, "--no-raw", "GET", "fromstdin"], None),
        (vec!["-p", &port, "--scan", "--pattern", "l*"], None),
        (
            vec!["-p", &port, "--no-raw", "--scan", "--pattern", "*i*"],
            None,
        ),
        (vec!["-p", &port, "--scan"], None),
        (vec!["-p", &port, "--no-raw", "CLIENT", "INFO", "x"], None),
        // Commands on stdin; the invalidation push after SET is not shown (stdout is not a
        // terminal), and the replies stay in step.
        (
            vec!["-p", &port, "-3", "--no-raw"],
            Some(
                b"SET tk 0\nCLIENT TRACKING on\nGET tk\nSET tk 1\nGET tk\nSET tk \"a b\"\nGET tk\n",
            ),
        ),
    ];
    for (args, stdin) in &cases {
        let want = run(&redis_cli, &[], args, *stdin);
        let got = run(EMU, &["cli"], args, *stdin);
        compared += 1;
        if want != got {
            diffs.push(format!(
                "{args:?}:\n redis-cli {:?} ({})\n emu cli   {:?} ({})",
                String::from_utf8_lossy(&want.0),
                want.1,
                String::from_utf8_lossy(&got.0),
                got.1
            ));
        }
    }
    let _ = std::fs::remove_file(&sock);
    assert!(compared > 150, "{compared}");
    assert!(
        diffs.is_empty(),
        "{} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// `\xHH`, `\n`, `\t`, `\\` and `\"` in a test word.
fn unescape(w: &str) -> String {
    let b = w.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'x' => {
                    out.push(u8::from_str_radix(&w[i + 2..i + 4], 16).unwrap());
                    i += 2;
                }
                c => out.push(c),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Spawns a streaming `emu cli` / `redis-cli`, waits for `ready` lines, runs `trigger`, and
/// returns the next `more` lines.
fn stream(bin: &str, args: &[&str], ready: usize, more: usize, trigger: impl Fn()) -> Vec<String> {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut r = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    for i in 0..ready + more {
        if i == ready {
            trigger();
        }
        let mut l = String::new();
        r.read_line(&mut l).expect("read");
        lines.push(l);
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

/// MONITOR and SUBSCRIBE stream their output as redis-cli does (MONITOR lines compared by
/// shape: they hold a time and the client's address).
#[test]
fn monitor_and_subscribe_stream() {
    let Some(real) = start_real_redis_with("emu cli streaming", &[]) else {
        return;
    };
    let Some(redis_cli) = tool("redis-cli", "apt-get install redis-tools") else {
        return;
    };
    let redis_cli = redis_cli.to_string_lossy().into_owned();
    let port = real.addr.port().to_string();
    let addr = real.addr;
    for bin in [redis_cli.as_str(), EMU] {
        let pre: &[&str] = if bin == EMU { &["cli"] } else { &[] };
        let args = [pre, &["-p", &port, "MONITOR"]].concat();
        let lines = stream(bin, &args, 1, 1, || {
            let mut c = Raw::connect(addr);
            c.cmds("SET mk mv");
        });
        assert_eq!(lines[0], "OK\n", "{bin}");
        let l = &lines[1];
        assert!(
            l.ends_with(" \"SET\" \"mk\" \"mv\"\n") && l.contains(" [0 127.0.0.1:"),
            "{bin}: {l:?}"
        );
        let (secs, _) = l.split_once('.').expect("time");
        assert!(secs.parse::<u64>().is_ok(), "{l:?}");

        for mode in [&[][..], &["--no-raw"][..], &["-3", "--no-raw"][..]] {
            let args = [pre, &["-p", &port], mode, &["SUBSCRIBE", "ch"]].concat();
            let ready = if mode.is_empty() { 3 } else { 4 };
            let more = 3;
            let got = stream(bin, &args, ready, more, || {
                let mut c = Raw::connect(addr);
                c.cmds("PUBLISH ch hello");
            });
            let want: &[&str] = match mode.len() {
                0 => &["subscribe\n", "ch\n", "1\n", "message\n", "ch\n", "hello\n"],
                _ => &[
                    "Reading messages... (press Ctrl-C to quit)\n",
                    "1) \"subscribe\"\n",
                    "2) \"ch\"\n",
                    "3) (integer) 1\n",
                    "1) \"message\"\n",
                    "2) \"ch\"\n",
                    "3) \"hello\"\n",
                ],
            };
            assert_eq!(got, want, "{bin} {mode:?}");
        }
    }
}

/// --stat prints redis-cli's header and one line of figures per interval.
#[test]
fn stat_prints_rolling_figures() {
    let (_redis, running) = start();
    let port = running.addr().expect("tcp").port().to_string();
    let mut c = Raw::connect(running.addr().expect("tcp"));
    c.cmds("SET a 1");
    c.cmds("SET b 2");
    let (out, code) = run(
        EMU,
        &["cli"],
        &["-p", &port, "--stat", "-r", "2", "-i", "0.05"],
        None,
    );
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(
        lines[0],
        "------- data ------ --------------------- load -------------------- - child -"
    );
    assert_eq!(
        lines[1],
        "keys       mem      clients blocked requests            connections          "
    );
    assert!(lines[2].starts_with("2          "), "{text}");
    let fields: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(fields[0], "2", "{text}");
    assert_eq!(fields[2], "2", "two clients: {text}");
    assert!(fields[5].starts_with("(+"), "{text}");
}

/// emu cli against emu serve prints what redis-cli prints against it.
#[test]
fn emu_cli_against_emu_serve() {
    let Some(redis_cli) = tool("redis-cli", "apt-get install redis-tools") else {
        return;
    };
    let redis_cli = redis_cli.to_string_lossy().into_owned();
    let (_redis, running) = start();
    let port = running.addr().expect("tcp").port().to_string();
    setup(running.addr().expect("tcp"));
    for line in LINES {
        for mode in [&["--no-raw"][..], &["-3", "--no-raw"][..], &[][..]] {
            let args: Vec<String> = line.split(' ').map(unescape).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let pre = [&["-p", port.as_str()][..], mode].concat();
            let want = run(&redis_cli, &pre, &args, None);
            let got = run(EMU, &["cli"], &[&pre[..], &args[..]].concat(), None);
            assert_eq!(
                String::from_utf8_lossy(&want.0),
                String::from_utf8_lossy(&got.0),
                "{mode:?} {line}"
            );
        }
    }
}

//! Tracking scripts on both servers, byte for byte.

use std::net::SocketAddr;

use super::server_util::{start, start_real_redis, Raw};

/// One step: connection index, command (words; `{N}` is connection N's client id), and
/// whether it is compared (HELLO's reply names the server, so it is not).
type Step = (usize, &'static str, bool);

/// Runs `steps` on a server at `addr` with `conns` connections; returns one transcript per
/// step: for each connection, the bytes it received (the command's reply, then whatever
/// arrived before a PING's reply), with client ids replaced by `ID<n>`.
fn transcript(addr: SocketAddr, conns: usize, steps: &[Step], sleeps: &[usize]) -> Vec<String> {
    let mut cs: Vec<Raw> = (0..conns).map(|_| Raw::connect(addr)).collect();
    let mut ids = Vec::new();
    for c in cs.iter_mut() {
        let r = c.cmds("CLIENT ID");
        let s = String::from_utf8_lossy(&r);
        ids.push(s.trim().trim_start_matches(':').to_string());
    }
    let mut out = Vec::new();
    let mut closed = vec![false; conns];
    // A connection in MULTI would queue the PING: it is not probed until EXEC.
    let mut in_multi = vec![false; conns];
    for (n, (k, line, compare)) in steps.iter().enumerate() {
        if sleeps.contains(&n) {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let mut text = line.to_string();
        for (i, id) in ids.iter().enumerate() {
            text = text.replace(&format!("{{{i}}}"), id);
        }
        let argv: Vec<&[u8]> = text.split(' ').map(|w| w.as_bytes()).collect();
        if std::env::var_os("EMU_TRACKING_DEBUG").is_some() {
            eprintln!("{addr} step {n}: {text}");
        }
        let c = &mut cs[*k];
        let mut own = Vec::new();
        if *line == "QUIT" {
            own = c.cmd(&argv);
            closed[*k] = true;
        } else {
            let mut out = Vec::new();
            resp_request(&mut out, &argv);
            c.send(&out);
            loop {
                let f = c.reply();
                let push = f.first() == Some(&b'>');
                own.extend_from_slice(&f);
                if !push {
                    break;
                }
            }
        }
        match *line {
            "MULTI" => in_multi[*k] = true,
            "EXEC" | "DISCARD" | "RESET" => in_multi[*k] = false,
            _ => {}
        }
        let mut step = format!("step {n} [{k}] {line}\n");
        for (i, c) in cs.iter_mut().enumerate() {
            if closed[i] {
                continue;
            }
            if in_multi[i] {
                if i == *k {
                    step.push_str(&format!(
                        "  conn {i}: {:?}\n",
                        String::from_utf8_lossy(&own)
                    ));
                }
                continue;
            }
            let mut got = if i == *k { own.clone() } else { Vec::new() };
            c.send(b"*1\r\n$4\r\nPING\r\n");
            loop {
                let f = c.reply();
                if f == b"+PONG\r\n" || f == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n" {
                    break;
                }
                got.extend_from_slice(&f);
            }
            let mut s = String::from_utf8_lossy(&got).into_owned();
            for (j, id) in ids.iter().enumerate() {
                s = s.replace(&format!(":{id}\r\n"), &format!(":ID{j}\r\n"));
            }
            if *compare || i != *k {
                step.push_str(&format!("  conn {i}: {s:?}\n"));
            }
        }
        out.push(step);
    }
    out
}

fn resp_request(out: &mut Vec<u8>, argv: &[&[u8]]) {
    emu::resp::encode_request(out, argv);
}

fn compare(name: &str, conns: usize, steps: &[Step], sleeps: &[usize]) {
    let Some(real) = start_real_redis(name) else {
        return;
    };
    let (_r, running) = start();
    let emu_addr = running.addr().expect("tcp");
    let want = transcript(real.addr, conns, steps, sleeps);
    let got = transcript(emu_addr, conns, steps, sleeps);
    let mut diffs = Vec::new();
    for (w, g) in want.iter().zip(&got) {
        if w != g {
            diffs.push(format!("redis:\n{w}emu:\n{g}"));
        }
    }
    assert!(diffs.is_empty(), "{name}:\n{}", diffs.join("\n"));
}

#[test]
fn resp3_default_mode_and_redirect_to_a_resp2_subscriber() {
    let steps: &[Step] = &[
        (0, "HELLO 3", false),
        (2, "SUBSCRIBE __redis__:invalidate", true),
        (0, "CLIENT TRACKING on", true),
        (0, "GET a", true),
        (0, "MGET a b c", true),
        (0, "SET a 1", true),
        (0, "GET a", true),
        (0, "GET a", true),
        (1, "SET b 2", true),
        (1, "SET a 2", true),
        (1, "SET a 3", true),
        (0, "HGETALL h", true),
        (1, "HSET h f v", true),
        (0, "OBJECT ENCODING h", true),
        (1, "DEL h", true),
        (3, "CLIENT TRACKING on REDIRECT {2}", true),
        (3, "GET x", true),
        (3, "EXISTS y", true),
        (1, "MSET x 1 y 2", true),
        (3, "GET x", true),
        (3, "SET x 5", true),
        (0, "CLIENT TRACKINGINFO", true),
        (3, "CLIENT TRACKINGINFO", true),
        (3, "CLIENT GETREDIR", true),
        (0, "GET e", true),
        (1, "SET e v PX 50", true),
        (0, "GET e", true),
        // (sleep) lazy expiry by another client's read deletes the key: invalidation.
        (1, "GET e", true),
        (0, "MULTI", true),
        (0, "GET m", true),
        (0, "SET m 1", true),
        (0, "EXEC", true),
        (0, "GET m", true),
        (0, "GET n", true),
        (3, "GET n", true),
        (1, "FLUSHALL", true),
        (0, "GET a", true),
        (0, "FLUSHDB", true),
        (0, "CLIENT TRACKING off", true),
        (0, "CLIENT TRACKINGINFO", true),
        (0, "CLIENT GETREDIR", true),
        (0, "GET a", true),
        (1, "SET a 9", true),
    ];
    compare("tracking (RESP3, RESP2 redirect)", 4, steps, &[27]);
}

#[test]
fn bcast_prefixes_noloop_optin_optout() {
    let steps: &[Step] = &[
        (0, "HELLO 3", false),
        (2, "HELLO 3", false),
        (3, "HELLO 3", false),
        (0, "CLIENT TRACKING on BCAST PREFIX a PREFIX b", true),
        (0, "CLIENT TRACKINGINFO", true),
        (1, "MSET a1 1 b1 2 c1 3 a2 4", true),
        (1, "SET c 1", true),
        (0, "SET a3 1", true),
        (2, "CLIENT TRACKING on BCAST NOLOOP", true),
        (2, "CLIENT TRACKINGINFO", true),
        (2, "MSET a9 1 z 2", true),
        (1, "MSET a9 1 z 2", true),
        (0, "CLIENT TRACKING on BCAST PREFIX c", true),
        (0, "CLIENT TRACKING on BCAST PREFIX abc", true),
        (0, "CLIENT TRACKINGINFO", true),
        (1, "SET cx 1", true),
        (3, "CLIENT TRACKING on OPTIN", true),
        (3, "GET o1", true),
        (3, "CLIENT CACHING yes", true),
        (3, "CLIENT TRACKINGINFO", true),
        (3, "GET o2", true),
        (3, "GET o3", true),
        (1, "MSET o1 1 o2 2 o3 3", true),
        (3, "CLIENT CACHING yes", true),
        (3, "MULTI", true),
        (3, "GET t1", true),
        (3, "GET t2", true),
        (3, "EXEC", true),
        (1, "MSET t1 1 t2 2", true),
        (3, "CLIENT TRACKING off", true),
        (3, "CLIENT TRACKING on OPTOUT NOLOOP", true),
        (3, "CLIENT CACHING no", true),
        (3, "CLIENT TRACKINGINFO", true),
        (3, "GET p1", true),
        (3, "GET p2", true),
        (3, "SET p2 x", true),
        (1, "MSET p1 1 p2 2", true),
        (0, "CLIENT TRACKING off", true),
        (1, "SET a1 x", true),
    ];
    compare("tracking (BCAST, OPTIN, OPTOUT)", 4, steps, &[]);
}

#[test]
fn broken_redirect_and_errors() {
    let steps: &[Step] = &[
        (0, "HELLO 3", false),
        (0, "CLIENT TRACKING on REDIRECT {1}", true),
        (0, "GET k", true),
        (1, "QUIT", true),
        (2, "SET k 1", true),
        (0, "CLIENT TRACKINGINFO", true),
        (0, "GET k", true),
        (2, "SET k 2", true),
        (0, "CLIENT GETREDIR", true),
        (2, "CLIENT TRACKING on REDIRECT {1}", true),
        (2, "CLIENT TRACKING on REDIRECT 0", true),
        (2, "CLIENT TRACKING on REDIRECT -1", true),
        (2, "CLIENT TRACKING on REDIRECT abc", true),
        (2, "CLIENT TRACKING on REDIRECT {0} REDIRECT {0}", true),
        (2, "CLIENT TRACKING on REDIRECT", true),
        (2, "CLIENT TRACKING on PREFIX", true),
        (2, "CLIENT TRACKING on PREFIX x", true),
        (2, "CLIENT TRACKING on BCAST PREFIX x PREFIX xy", true),
        (2, "CLIENT TRACKING on BCAST PREFIX xy PREFIX x", true),
        (2, "CLIENT TRACKING on foo", true),
        (2, "CLIENT TRACKING maybe", true),
        (2, "CLIENT TRACKING", true),
        (2, "CLIENT TRACKING on OPTIN OPTOUT", true),
        (2, "CLIENT TRACKING on BCAST OPTIN", true),
        (2, "CLIENT CACHING yes", true),
        (2, "CLIENT CACHING", true),
        (2, "CLIENT GETREDIR x", true),
        (2, "CLIENT TRACKINGINFO x", true),
        (2, "CLIENT TRACKING on OPTIN", true),
        (2, "CLIENT CACHING maybe", true),
        (2, "CLIENT CACHING no", true),
        (2, "CLIENT TRACKING on OPTOUT", true),
        (2, "CLIENT TRACKING on BCAST", true),
        (2, "CLIENT TRACKING off", true),
        (2, "CLIENT TRACKING on BCAST PREFIX a", true),
        (2, "CLIENT TRACKING on BCAST PREFIX ab", true),
        (2, "CLIENT TRACKING on BCAST PREFIX b", true),
        (2, "CLIENT TRACKINGINFO", true),
        (2, "CLIENT TRACKING on OPTOUT", true),
        (2, "CLIENT CACHING no", true),
        (2, "CLIENT TRACKING off", true),
        (2, "CLIENT TRACKING off", true),
        (2, "CLIENT TRACKING on REDIRECT {2}", true),
        (2, "CLIENT GETREDIR", true),
        (2, "RESET", true),
        (2, "CLIENT TRACKINGINFO", true),
    ];
    compare("tracking (broken redirect, errors)", 3, steps, &[]);
}

/// CLIENT INFO's `flags=` (t, B, R) and `redir=` fields of a tracking client, as Redis.
#[test]
fn client_info_shows_tracking_flags() {
    let Some(real) = start_real_redis("tracking CLIENT INFO flags") else {
        return;
    };
    let (_r, running) = start();
    let fields = |addr: SocketAddr| -> Vec<String> {
        let mut c = Raw::connect(addr);
        let mut target = Raw::connect(addr);
        let id = String::from_utf8_lossy(&target.cmds("CLIENT ID"))
            .trim()
            .trim_start_matches(':')
            .to_string();
        let mut out = Vec::new();
        let grab = |c: &mut Raw| {
            let info = String::from_utf8_lossy(&c.cmds("CLIENT INFO")).into_owned();
            let pick = |name: &str| {
                info.split(' ')
                    .find(|f| f.starts_with(name))
                    .unwrap_or("")
                    .replace(&id, "ID")
            };
            format!("{} {}", pick("flags="), pick("redir="))
        };
        out.push(grab(&mut c));
        c.cmds("CLIENT TRACKING on BCAST");
        out.push(grab(&mut c));
        c.cmds("CLIENT TRACKING off");
        c.cmds(&format!("CLIENT TRACKING on REDIRECT {id}"));
        out.push(grab(&mut c));
        c.cmds("GET x");
        assert!(target.cmds("QUIT").starts_with(b"+OK"));
        assert!(target.closed());
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut w = Raw::connect(addr);
        w.cmds("SET x 1");
        out.push(grab(&mut c));
        out
    };
    assert_eq!(fields(real.addr), fields(running.addr().expect("tcp")));
}

/// A script tracks for its tracking caller only when it runs a read, and then the keys it
/// declared (Redis 7.0 remembers the caller's command's keys), not the keys of the read.
#[test]
fn scripts_track_their_declared_keys_on_a_read() {
    let steps: &[Step] = &[
        (0, "HELLO 3", false),
        (0, "CLIENT TRACKING on", true),
        (1, "MSET k2 1 k1 1", true),
        (0, "EVAL redis.call('set','k3','bar') 2 k1 k2", true),
        (1, "MSET k2 2 k1 2", true),
        (0, "EVAL redis.call('get','k3') 2 k1 k2", true),
        (1, "MSET k2 2 k1 2 k3 2", true),
        (0, "EVAL_RO redis.call('ping') 2 k1 k2", true),
        (1, "MSET k2 2 k1 2", true),
        (0, "EVAL_RO return(redis.call('get','k1')) 2 k1 k2", true),
        (1, "MSET k2 3 k1 3", true),
        (0, "EVAL return(redis.call('get','k3')) 0", true),
        (1, "MSET k2 3 k1 3 k3 3", true),
    ];
    compare("tracking (scripts)", 2, steps, &[]);
}

/// A blocked BLMOVE served by another client's push gets its reply before the invalidation
/// its own move caused to a key it tracks (Redis 7.0 holds it back as for a running command).
fn served_blocked_client(addr: SocketAddr) -> Vec<String> {
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    let mut r = Raw::connect(addr);
    let mut rd = Raw::connect(addr);
    r.cmds("DEL list1 list2");
    r.cmds("RPUSH list2 a");
    rd.cmds("HELLO 3");
    rd.cmds("CLIENT TRACKING on");
    rd.cmds("LRANGE list2 0 -1");
    rd.send(b"*6\r\n$6\r\nBLMOVE\r\n$5\r\nlist1\r\n$5\r\nlist2\r\n$4\r\nleft\r\n$4\r\nleft\r\n$1\r\n0\r\n");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !text(r.cmds("INFO clients")).contains("blocked_clients:1\r\n") {
        assert!(std::time::Instant::now() < deadline, "BLMOVE never blocked");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    r.cmds("RPUSH list1 foo");
    vec![text(rd.reply()), text(rd.reply())]
}

#[test]
fn served_blocked_client_gets_its_reply_before_its_invalidation() {
    let Some(real) =
        start_real_redis("served_blocked_client_gets_its_reply_before_its_invalidation")
    else {
        return;
    };
    let (_r, running) = start();
    let want = served_blocked_client(real.addr);
    assert_eq!(served_blocked_client(running.addr().unwrap()), want);
}

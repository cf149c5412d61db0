//! CLIENT UNBLOCK (issue 11, deliverable 4): the replies of both clients compared byte for
//! byte with a real redis-server, and an embedded handle unblocked from another one.

#![cfg(feature = "server")]

use crate::server_util::{start, start_real_redis, Raw};

/// The client id of connection `c`.
fn id_of(c: &mut Raw) -> String {
    let r = String::from_utf8(c.cmds("CLIENT ID")).unwrap();
    r.trim_start_matches(':').trim_end().to_string()
}

/// Runs the whole scenario against one server and returns every reply, with the blocked
/// client's id replaced by `ID`.
fn scenario(addr: std::net::SocketAddr) -> Vec<String> {
    let mut out = Vec::new();
    let mut ctl = Raw::connect(addr);
    for line in [
        "CLIENT UNBLOCK",
        "CLIENT UNBLOCK x",
        "CLIENT UNBLOCK x foo",
        "CLIENT UNBLOCK 99999 foo",
        "CLIENT UNBLOCK 99999 TIMEOUT x",
        "CLIENT UNBLOCK 99999",
        "CLIENT UNBLOCK -1 error",
        "CLIENT UNBLOCK 99999 timeout",
        "CLIENT UNBLOCK 99999 ERROR",
    ] {
        out.push(String::from_utf8(ctl.cmds(line)).unwrap());
    }
    for (blocking, reason) in [
        ("BLPOP unblock:l 0", ""),
        ("BLPOP unblock:l 0", " TIMEOUT"),
        ("BLPOP unblock:l 0", " ERROR"),
        ("BRPOP unblock:a unblock:b 100", " error"),
        ("BLMOVE unblock:l unblock:m LEFT RIGHT 0", ""),
        ("BLMPOP 0 1 unblock:l LEFT", " timeout"),
        ("BZPOPMIN unblock:z 0", ""),
        ("BZMPOP 0 1 unblock:z MIN", " ERROR"),
    ] {
        let mut c = Raw::connect(addr);
        let id = id_of(&mut c);
        // The blocked command and a request pipelined behind it.
        c.send(format!("{blocking}\r\nPING after\r\n").as_bytes());
        // Unblocking needs the client to be blocked: until then the answer is 0.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let answer = loop {
            let r = ctl.cmds(&format!("CLIENT UNBLOCK {id}{reason}"));
            if r != b":0\r\n" || std::time::Instant::now() > deadline {
                break r;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        out.push(format!(
            "{blocking}{reason}: {}",
            String::from_utf8_lossy(&answer)
        ));
        out.push(String::from_utf8(c.reply()).unwrap());
        out.push(String::from_utf8(c.reply()).unwrap());
        // No longer blocked.
        out.push(String::from_utf8(ctl.cmds(&format!("CLIENT UNBLOCK {id}"))).unwrap());
    }
    // RESP3: the timeout reply is a null.
    let mut c = Raw::connect(addr);
    c.cmds("HELLO 3");
    let id = id_of(&mut c);
    c.send(b"BLPOP unblock:l 0\r\n");
    while ctl.cmds(&format!("CLIENT UNBLOCK {id}")) == b":0\r\n" {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    out.push(String::from_utf8(c.reply()).unwrap());
    // The data was not touched.
    out.push(String::from_utf8(ctl.cmds("EXISTS unblock:l unblock:m unblock:z")).unwrap());
    out
}

#[test]
fn client_unblock_matches_redis() {
    let Some(real) = start_real_redis("client_unblock_matches_redis") else {
        return;
    };
    let (_redis, running) = start();
    let want = scenario(real.addr);
    let got = scenario(running.addr().unwrap());
    assert_eq!(got, want);
}

#[test]
fn client_unblock_reaches_an_embedded_handle() {
    let redis = emu::Redis::new();
    // Separate sessions (clones of one handle share theirs).
    let blocked = redis.with_db(0);
    let id = match blocked.execute(&[b"CLIENT", b"ID"]).unwrap() {
        emu::Value::Int(i) => i,
        v => panic!("{v:?}"),
    };
    for (reason, want) in [
        ("TIMEOUT", Ok(emu::Value::NilArray)),
        (
            "ERROR",
            Err("UNBLOCKED client unblocked via CLIENT UNBLOCK".to_string()),
        ),
    ] {
        let b = blocked.clone();
        let t = std::thread::spawn(move || {
            b.execute(&[b"BLPOP", b"unblock:embedded", b"0"])
                .map_err(|e| e.message().to_string())
        });
        let ctl = redis.with_db(0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let r = ctl
                .execute(&[
                    b"CLIENT",
                    b"UNBLOCK",
                    id.to_string().as_bytes(),
                    reason.as_bytes(),
                ])
                .unwrap();
            if r == emu::Value::Int(1) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "never blocked");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(t.join().unwrap(), want, "{reason}");
    }
}

//! Scripts that run long: past `busy-reply-threshold` other clients get `-BUSY`, SCRIPT
//! KILL stops a script that has not written (even one that catches errors with pcall),
//! `-UNKILLABLE` once it wrote, SHUTDOWN NOSAVE ends it. Server replies compared byte for
//! byte with a real redis-server; the same on embedded handles.

use std::time::{Duration, Instant};

use emu::{Redis, Value};

/// Polls `f` until it gives Some (10 s at most).
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(feature = "server")]
mod server {
    use super::eventually;
    use crate::server_util::{start, start_real_redis, Raw};
    use std::time::{Duration, Instant};

    fn text(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    fn scenario(addr: std::net::SocketAddr) -> Vec<String> {
        let mut out = Vec::new();
        let mut ctl = Raw::connect(addr);
        ctl.cmds("CONFIG SET busy-reply-threshold 100");
        ctl.cmds("DEL busy:w");
        out.push(text(ctl.cmds("SCRIPT KILL")));
        for script in [
            "while true do end",
            "while true do pcall(function() while true do end end) end",
            "local ok = xpcall(function() while true do end end, function(e) return e end) while true do end",
        ] {
            let mut a = Raw::connect(addr);
            let mut req = Vec::new();
            emu_encode(&mut req, &["EVAL", script, "0"]);
            a.send(&req);
            let busy = eventually("the script times out", || {
                let r = text(ctl.cmds("PING"));
                r.starts_with("-BUSY").then_some(r)
            });
            out.push(busy);
            out.push(text(ctl.cmds("GET busy:w")));
            out.push(text(ctl.cmds("SCRIPT KILL")));
            out.push(text(a.reply()));
            out.push(text(ctl.cmds("PING")));
        }
        // A busy EVAL is not FUNCTION KILL's; a busy function is not SCRIPT KILL's.
        {
            let mut a = Raw::connect(addr);
            let mut req = Vec::new();
            emu_encode(&mut req, &["EVAL", "while true do end", "0"]);
            a.send(&req);
            eventually("the script times out", || {
                text(ctl.cmds("PING")).starts_with("-BUSY").then_some(())
            });
            // FUNCTION STATS while an EVAL script runs: that script's -BUSY.
            out.push(text(ctl.cmds("FUNCTION STATS")));
            out.push(text(ctl.cmds("FUNCTION KILL")));
            out.push(text(ctl.cmds("SCRIPT KILL")));
            out.push(text(a.reply()));
        }
        out.push(text(ctl.cmds("FUNCTION FLUSH")));
        let mut req = Vec::new();
        emu_encode(
            &mut req,
            &[
                "FUNCTION",
                "LOAD",
                "#!lua name=busy\nredis.register_function('spin', function() while true do end end)",
            ],
        );
        ctl.send(&req);
        out.push(text(ctl.reply()));
        {
            let mut a = Raw::connect(addr);
            a.send(b"FCALL spin 0 k1 arg\r\n");
            let busy = eventually("the function times out", || {
                let r = text(ctl.cmds("PING"));
                r.starts_with("-BUSY").then_some(r)
            });
            out.push(busy);
            // FUNCTION STATS while a function runs: its name, command and duration (masked).
            let stats = text(ctl.cmds("FUNCTION STATS"));
            let masked: Vec<&str> = stats
                .split("\r\n")
                .map(|l| {
                    if l.starts_with(':') && l != ":1" {
                        ":<ms>"
                    } else {
                        l
                    }
                })
                .collect();
            out.push(masked.join("|"));
            out.push(text(ctl.cmds("SCRIPT KILL")));
            out.push(text(ctl.cmds("FUNCTION KILL")));
            out.push(text(a.reply()));
            out.push(text(ctl.cmds("FUNCTION KILL")));
        }
        // A script that wrote cannot be killed; SHUTDOWN NOSAVE ends it (and the server).
        let mut a = Raw::connect(addr);
        let mut req = Vec::new();
        emu_encode(
            &mut req,
            &[
                "EVAL",
                "redis.call('set','busy:w','1') while true do end",
                "0",
            ],
        );
        a.send(&req);
        eventually("the writing script times out", || {
            text(ctl.cmds("PING")).starts_with("-BUSY").then_some(())
        });
        out.push(text(ctl.cmds("SCRIPT KILL")));
        out.push(text(ctl.cmds("SCRIPT KILL")));
        ctl.send(b"SHUTDOWN NOSAVE\r\n");
        out.push(format!("closed after SHUTDOWN NOSAVE: {}", ctl.closed()));
        out
    }

    /// A RESP request.
    fn emu_encode(out: &mut Vec<u8>, argv: &[&str]) {
        out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
        for a in argv {
            out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
        }
    }

    /// While a script is timed out, Redis serves the commands flagged `allow_busy` (AUTH,
    /// HELLO, MULTI, DISCARD, WATCH, UNWATCH, QUIT, RESET) after its usual checks
    /// (unknown command, arity, no-multi, Pub/Sub context), and rejects the rest with
    /// -BUSY, flagging an open transaction (its EXEC aborts).
    fn allowed_while_busy(addr: std::net::SocketAddr) -> Vec<String> {
        let mut out = Vec::new();
        let mut ctl = Raw::connect(addr);
        ctl.cmds("CONFIG SET busy-reply-threshold 100");
        ctl.cmds("DEL busy:k busy:q");
        ctl.cmds("CONFIG RESETSTAT");
        // (Connected, and served once, before the script; connections made while it is
        // timed out: `new_connection_while_busy`.)
        let mut a = Raw::connect(addr);
        let mut c = Raw::connect(addr);
        let mut q = Raw::connect(addr);
        for conn in [&mut a, &mut c, &mut q] {
            conn.cmds("PING");
        }
        let mut req = Vec::new();
        emu_encode(&mut req, &["EVAL", "while true do end", "0"]);
        a.send(&req);
        eventually("the script times out", || {
            text(c.cmds("PING")).starts_with("-BUSY").then_some(())
        });
        for line in [
            // A transaction queued while busy: the refused command flags it.
            "MULTI",
            "SET busy:k 1",
            "EXEC",
            "EXEC",
            "MULTI",
            "MULTI",
            "DISCARD",
            "DISCARD",
            // Checks that come before the busy one.
            "NOSUCHCOMMAND x",
            "GET",
            "AUTH nopass",
            "AUTH user pass",
            "PING",
            "ECHO hi",
            "SHUTDOWN",
            "UNWATCH",
            // MULTI, then allowed and refused commands inside it.
            "MULTI",
            "WATCH busy:k",
            "UNWATCH",
            "PING",
            "DISCARD",
            // WATCH now, the transaction after the script.
            "WATCH busy:k",
        ] {
            out.push(format!("{line} -> {}", text(c.cmds(line))));
        }
        // HELLO (the client id masked) switches to RESP3 even now; RESET goes back.
        let hello = text(c.cmds("HELLO 3"));
        let masked: Vec<&str> = hello
            .split("\r\n")
            .map(|l| {
                if l.starts_with(':') && l != ":3" {
                    ":<id>"
                } else {
                    l
                }
            })
            .collect();
        out.push(format!("HELLO 3 -> {}", masked.join("|")));
        out.push(format!("PING -> {}", text(c.cmds("PING"))));
        out.push(format!("RESET -> {}", text(c.cmds("RESET"))));
        out.push(format!("PING -> {}", text(c.cmds("PING"))));
        c.cmds("WATCH busy:k");
        // A pipeline: MULTI, a refused SET, EXEC.
        c.send(b"MULTI\r\nSET busy:k 2\r\nEXEC\r\n");
        for _ in 0..3 {
            out.push(format!("pipelined -> {}", text(c.reply())));
        }
        c.cmds("WATCH busy:k");
        // QUIT closes the connection.
        out.push(format!("QUIT -> {}", text(q.cmds("QUIT"))));
        out.push(format!("closed after QUIT: {}", q.closed()));
        out.push(text(ctl.cmds("SCRIPT KILL")));
        out.push(text(a.reply()));
        // The WATCH made while busy holds (the script wrote nothing): EXEC runs.
        out.push(format!("MULTI -> {}", text(c.cmds("MULTI"))));
        out.push(format!("SET -> {}", text(c.cmds("SET busy:k 3"))));
        out.push(format!("EXEC -> {}", text(c.cmds("EXEC"))));
        out.push(format!("GET -> {}", text(c.cmds("GET busy:k"))));
        // The commands served (or refused) while busy count as the clients' own.
        let stats = text(ctl.cmds("INFO commandstats"));
        let mut lines: Vec<String> = stats
            .lines()
            // (Not PING: how many the test's polling sent before the script started
            // depends on timing.)
            .filter(|l| l.starts_with("cmdstat_") && !l.starts_with("cmdstat_ping:"))
            .map(|line| {
                // calls, rejected_calls, failed_calls (the timings differ).
                let kept: Vec<&str> = line
                    .split([':', ','])
                    .filter(|f| !f.starts_with("usec"))
                    .collect();
                kept.join(" ")
            })
            .collect();
        lines.sort();
        out.extend(lines);
        out
    }

    /// A client that connects while a script is timed out is served as Redis serves it
    /// (`processEventsWhileBlocked` accepts it): -BUSY for GET, SCRIPT KILL stops the
    /// script; afterwards it is a client like the others (CLIENT LIST, INFO clients, a
    /// REDIRECT target for client tracking).
    fn new_connection_while_busy(addr: std::net::SocketAddr) -> Vec<String> {
        let mut out = Vec::new();
        let mut ctl = Raw::connect(addr);
        ctl.cmds("CONFIG SET busy-reply-threshold 100");
        ctl.cmds("CLIENT SETNAME ctl");
        ctl.cmds("DEL busy:k");
        let mut a = Raw::connect(addr);
        a.cmds("CLIENT SETNAME looper");
        let mut req = Vec::new();
        emu_encode(&mut req, &["EVAL", "while true do end", "0"]);
        a.send(&req);
        eventually("the script times out", || {
            text(ctl.cmds("PING")).starts_with("-BUSY").then_some(())
        });
        // Two connections made now, while the script holds the store.
        let mut b = Raw::connect(addr);
        let mut c = Raw::connect(addr);
        for line in [
            "GET busy:k",
            "CLIENT SETNAME newbie",
            "PING",
            "MULTI",
            "DISCARD",
        ] {
            out.push(format!("new: {line} -> {}", text(b.cmds(line))));
        }
        out.push(format!("other new: PING -> {}", text(c.cmds("PING"))));
        out.push(format!(
            "new: SCRIPT KILL -> {}",
            text(b.cmds("SCRIPT KILL"))
        ));
        out.push(format!("script -> {}", text(a.reply())));
        for line in ["GET busy:k", "CLIENT SETNAME newbie", "CLIENT GETNAME"] {
            out.push(format!("new: {line} -> {}", text(b.cmds(line))));
        }
        out.push(format!("other new: PING -> {}", text(c.cmds("PING"))));
        // CLIENT LIST: every connection, with its name and last command.
        let list = text(ctl.cmds("CLIENT LIST"));
        let mut rows: Vec<String> = list
            .lines()
            .filter(|l| l.starts_with("id="))
            .map(|l| {
                l.split(' ')
                    .filter(|f| {
                        ["name=", "cmd=", "db=", "flags=", "multi="]
                            .iter()
                            .any(|p| f.starts_with(p))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        rows.sort();
        out.extend(rows);
        let info = text(ctl.cmds("INFO clients"));
        out.extend(
            info.lines()
                .filter(|l| l.starts_with("connected_clients:") || l.starts_with("blocked_"))
                .map(str::to_string),
        );
        // The new connection is a REDIRECT target.
        let id = text(b.cmds("CLIENT ID"));
        let id = id.trim_start_matches(':').trim_end();
        out.push(format!(
            "CLIENT TRACKING on REDIRECT new -> {}",
            text(ctl.cmds(&format!("CLIENT TRACKING on REDIRECT {id}")))
        ));
        out.push(text(ctl.cmds("CLIENT TRACKING off")));
        out
    }

    /// Connections that close while a script is timed out — a subscriber, a tracking
    /// client, a blocked client — and a blocked client's timeout firing meanwhile do not
    /// hold a worker on the store (Redis frees closed clients in processEventsWhileBlocked
    /// and handles blocked clients' timeouts after the script): other clients still get
    /// -BUSY promptly, SCRIPT KILL works, the timed-out BLPOP gets its nil after the
    /// script, and then CLIENT LIST, PUBSUB NUMSUB and INFO clients are Redis's.
    fn disconnects_while_busy(addr: std::net::SocketAddr) -> Vec<String> {
        let mut out = Vec::new();
        let mut ctl = Raw::connect(addr);
        ctl.cmds("CONFIG SET busy-reply-threshold 100");
        ctl.cmds("CLIENT SETNAME ctl");
        ctl.cmds("DEL busy:l busy:l2 busy:t");
        let mut subs = Vec::new();
        for (name, ch) in [
            ("sub1", "busy:ch"),
            ("sub2", "busy:ch"),
            ("sub3", "busy:other"),
        ] {
            let mut s = Raw::connect(addr);
            s.cmds(&format!("CLIENT SETNAME {name}"));
            out.push(format!(
                "{name}: {}",
                text(s.cmds(&format!("SUBSCRIBE {ch}")))
            ));
            subs.push(s);
        }
        let mut trackers = Vec::new();
        for name in ["tracker1", "tracker2"] {
            let mut t = Raw::connect(addr);
            t.cmds("HELLO 3");
            t.cmds(&format!("CLIENT SETNAME {name}"));
            t.cmds("CLIENT TRACKING on");
            t.cmds("GET busy:t");
            trackers.push(t);
        }
        // Blocked: one that times out during the script, two that close during it.
        let mut blocker = Raw::connect(addr);
        blocker.cmds("CLIENT SETNAME blocker");
        blocker.send(b"*3\r\n$5\r\nBLPOP\r\n$6\r\nbusy:l\r\n$3\r\n0.5\r\n");
        let mut gone_blocked = Vec::new();
        for name in ["gone1", "gone2"] {
            let mut g = Raw::connect(addr);
            g.cmds(&format!("CLIENT SETNAME {name}"));
            g.send(b"*3\r\n$5\r\nBLPOP\r\n$7\r\nbusy:l2\r\n$1\r\n0\r\n");
            gone_blocked.push(g);
        }
        eventually("three clients blocked", || {
            let info = text(ctl.cmds("INFO clients"));
            info.contains("blocked_clients:3").then_some(())
        });
        let mut a = Raw::connect(addr);
        a.cmds("CLIENT SETNAME looper");
        let mut req = Vec::new();
        emu_encode(&mut req, &["EVAL", "while true do end", "0"]);
        a.send(&req);
        eventually("the script times out", || {
            text(ctl.cmds("PING")).starts_with("-BUSY").then_some(())
        });
        // More closing connections than the server has workers.
        drop(subs.remove(0));
        drop(subs.remove(0));
        drop(trackers.remove(0));
        drop(gone_blocked);
        // The BLPOP's 0.5 s timeout passes while the script runs; its reply waits for
        // the script's end.
        out.push(format!(
            "blocker silent while busy: {}",
            blocker.silent(1000)
        ));
        // Liveness: other clients are still answered (generous bound: a stalled worker
        // would leave them unanswered until the script ends, i.e. forever).
        for i in 0..3 {
            let t = Instant::now();
            let r = text(ctl.cmds("PING"));
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "PING took {:?}",
                t.elapsed()
            );
            out.push(format!("ctl PING {i} -> {r}"));
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut late = Raw::connect(addr);
        out.push(format!("new: PING -> {}", text(late.cmds("PING"))));
        out.push(format!("SCRIPT KILL -> {}", text(ctl.cmds("SCRIPT KILL"))));
        out.push(format!("script -> {}", text(a.reply())));
        out.push(format!("blocker -> {}", text(blocker.reply())));
        drop(late);
        // The closed connections are gone (Redis: at once; emu: as soon as its task
        // ends).
        eventually("the closed connections are gone", || {
            let info = text(ctl.cmds("INFO clients"));
            info.contains("connected_clients:5\r\n").then_some(())
        });
        let list = text(ctl.cmds("CLIENT LIST"));
        let mut rows: Vec<String> = list
            .lines()
            .filter(|l| l.starts_with("id="))
            .map(|l| {
                l.split(' ')
                    .filter(|f| {
                        ["name=", "cmd=", "flags=", "sub=", "psub="]
                            .iter()
                            .any(|p| f.starts_with(p))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        rows.sort();
        out.extend(rows);
        out.push(format!(
            "NUMSUB -> {}",
            text(ctl.cmds("PUBSUB NUMSUB busy:ch busy:other"))
        ));
        out.push(format!(
            "CHANNELS -> {}",
            text(ctl.cmds("PUBSUB CHANNELS busy:*"))
        ));
        let info = text(ctl.cmds("INFO clients"));
        out.extend(
            info.lines()
                .filter(|l| {
                    [
                        "connected_clients:",
                        "blocked_clients:",
                        "tracking_clients:",
                        "pubsub_clients:",
                    ]
                    .iter()
                    .any(|p| l.starts_with(p))
                })
                .map(str::to_string),
        );
        // The blocked clients that closed are not served: a push stays in the list.
        out.push(format!("LPUSH -> {}", text(ctl.cmds("LPUSH busy:l2 x"))));
        out.push(format!("LLEN -> {}", text(ctl.cmds("LLEN busy:l2"))));
        // A tracking client still open is invalidated; the closed one is not there.
        ctl.cmds("SET busy:t v");
        out.push(format!("tracker2 -> {}", text(trackers[0].reply())));
        out.push(format!("sub3 -> {}", text(subs[0].cmds("PING"))));
        ctl.cmds("DEL busy:l busy:l2 busy:t");
        out
    }

    /// The server's own background work that needs the store — the REPLICAOF link's
    /// supervisor (its turn after REPLICAOF NO ONE), an attached replica's link (its
    /// `REPLCONF ACK`, the PING into its stream every second) — waits for a timed-out
    /// script without holding a worker thread: other clients still get -BUSY and SCRIPT
    /// KILL reaches the script. (Before, one such task parked a worker on the store's lock
    /// and the whole server stalled for as long as the script ran: forever here.)
    fn background_work_while_busy(addr: std::net::SocketAddr, dead_port: u16) -> Vec<String> {
        let mut out = Vec::new();
        let mut ctl = Raw::connect(addr);
        ctl.cmds("CONFIG SET busy-reply-threshold 50");
        ctl.cmds("CONFIG SET repl-ping-replica-period 1");
        out.push(text(ctl.cmds(&format!("REPLICAOF 127.0.0.1 {dead_port}"))));
        std::thread::sleep(Duration::from_millis(300));
        out.push(text(ctl.cmds("REPLICAOF NO ONE")));
        // A replica attaches (it never reads: its stream waits in the socket).
        let mut replica = Raw::connect(addr);
        replica.send(b"REPLCONF listening-port 1\r\nPSYNC ? -1\r\n");
        let mut a = Raw::connect(addr);
        let mut req = Vec::new();
        emu_encode(&mut req, &["EVAL", "while true do end", "0"]);
        a.send(&req);
        out.push(eventually("the script times out", || {
            let r = text(ctl.cmds("PING"));
            r.starts_with("-BUSY").then_some(r)
        }));
        replica.send(b"REPLCONF ACK 0\r\n");
        // Long enough for the replica link's once-a-second PING.
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(500));
            out.push(text(ctl.cmds("PING")));
        }
        let mut late = Raw::connect(addr);
        out.push(text(late.cmds("PING")));
        out.push(text(ctl.cmds("SCRIPT KILL")));
        let killed = text(a.reply());
        out.push(
            killed
                .split(" script:")
                .next()
                .unwrap_or_default()
                .to_string(),
        );
        out.push(text(ctl.cmds("PING")));
        out.push(text(ctl.cmds("CONFIG SET repl-ping-replica-period 10")));
        out
    }

    #[test]
    fn background_work_while_busy_matches_redis() {
        let Some(real) = start_real_redis("background_work_while_busy_matches_redis") else {
            return;
        };
        // A port where nobody listens.
        let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let want = background_work_while_busy(real.addr, dead_port);
        let (_redis, running) = start();
        // (Not dropped if the server stalled: its stop would wait for the stalled worker.)
        let running = std::mem::ManuallyDrop::new(running);
        let got = background_work_while_busy(running.addr().unwrap(), dead_port);
        assert_eq!(got, want);
        drop(std::mem::ManuallyDrop::into_inner(running));
    }

    #[test]
    fn disconnects_while_busy_match_redis() {
        let Some(real) = start_real_redis("disconnects_while_busy_match_redis") else {
            return;
        };
        let (_redis, running) = start();
        let want = disconnects_while_busy(real.addr);
        let got = disconnects_while_busy(running.addr().unwrap());
        assert_eq!(got, want);
    }

    #[test]
    fn new_connections_while_busy_match_redis() {
        let Some(real) = start_real_redis("new_connections_while_busy_match_redis") else {
            return;
        };
        let (_redis, running) = start();
        let want = new_connection_while_busy(real.addr);
        let got = new_connection_while_busy(running.addr().unwrap());
        assert_eq!(got, want);
    }

    #[test]
    fn allowed_commands_while_busy_match_redis() {
        let Some(real) = start_real_redis("allowed_commands_while_busy_match_redis") else {
            return;
        };
        let (_redis, running) = start();
        let want = allowed_while_busy(real.addr);
        let got = allowed_while_busy(running.addr().unwrap());
        assert_eq!(got, want);
    }

    #[test]
    fn busy_scripts_match_redis() {
        let Some(real) = start_real_redis("busy_scripts_match_redis") else {
            return;
        };
        let (_redis, running) = start();
        let want = scenario(real.addr);
        let got = scenario(running.addr().unwrap());
        assert_eq!(got, want);
    }
}

#[test]
fn embedded_handles_see_busy_and_kill() {
    let r = Redis::new();
    let other = r.with_db(0);
    embedded_busy_and_kill(&r, |argv| other.execute(argv));
}

/// `execute_async` (embedded) answers as the sync handle: the commands Redis allows
/// while busy run, the others get -BUSY, SCRIPT KILL stops the script.
#[test]
fn async_handles_see_busy_and_kill() {
    let r = Redis::new();
    let other = r.with_db(0).into_async();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    embedded_busy_and_kill(&r, |argv| rt.block_on(other.execute(argv)));
}

fn embedded_busy_and_kill(r: &Redis, exec: impl Fn(&[&[u8]]) -> emu::Result<Value>) {
    r.execute(&[b"CONFIG", b"SET", b"busy-reply-threshold", b"50"])
        .unwrap();
    let runner = r.with_db(0);
    let t = std::thread::spawn(move || {
        runner
            .execute(&[b"EVAL", b"while true do end", b"0"])
            .map_err(|e| e.message().to_string())
    });
    let busy = eventually("the script times out", || match exec(&[b"PING"]) {
        Err(e) if e.message().starts_with("BUSY ") => Some(e.message().to_string()),
        _ => None,
    });
    assert_eq!(
        busy,
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    );
    // The commands Redis allows while busy run (as over the wire); a refused one flags
    // the transaction being queued.
    let msg = |r: emu::Result<Value>| match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => e.message().to_string(),
    };
    let seen: Vec<String> = [
        &[&b"WATCH"[..], b"busy:k"][..],
        &[b"MULTI"],
        &[b"SET", b"busy:k", b"1"],
        &[b"EXEC"],
        &[b"UNWATCH"],
        &[b"MULTI"],
        &[b"DISCARD"],
    ]
    .iter()
    .map(|argv| msg(exec(argv)))
    .collect();
    assert_eq!(
        seen,
        [
            "simple(OK)",
            "simple(OK)",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            "EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            "simple(OK)",
            "simple(OK)",
            "simple(OK)",
        ]
    );
    assert_eq!(exec(&[b"SCRIPT", b"KILL"]).unwrap(), Value::ok());
    let e = t.join().unwrap().unwrap_err();
    assert!(
        e.starts_with("ERR Script killed by user with SCRIPT KILL... script: "),
        "{e}"
    );
    assert_eq!(exec(&[b"PING"]).unwrap(), Value::Simple("PONG".into()));
    // Not busy any more.
    assert_eq!(
        exec(&[b"SCRIPT", b"KILL"]).unwrap_err().message(),
        "NOTBUSY No scripts in execution right now."
    );
}

//! Robustness (issue 10): no client can stall, bloat or desynchronise the server.
//!
//! Each test runs one of the reproductions against a spawned `emu serve` (the built
//! binary, as a user runs it) while a second connection sends PING every few milliseconds:
//! every PING must be answered within [`LIVENESS`] and the server's resident memory
//! (`/proc/PID/status` VmRSS) must stay within the bound the test states. Where replies
//! are involved the same probe runs against a real `redis-server` 7.0 and the replies are
//! compared byte for byte. Each test takes a few seconds.
//!
//! The bounds are the server's promises, generous enough for a noisy CI machine and a debug
//! build: the failures they catch were seconds to forever, and hundreds of megabytes to
//! gigabytes.

#![cfg(all(feature = "server", feature = "cli", target_os = "linux"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::server_util::{start_real_redis, RealRedis};

/// How long a PING may wait while another client misbehaves.
const LIVENESS: Duration = Duration::from_secs(1);

const MB: u64 = 1024 * 1024;

use crate::serial;

/// A spawned `emu serve`, killed when dropped.
struct Emu {
    child: Child,
    addr: SocketAddr,
}

impl Emu {
    fn start(args: &[&str]) -> Emu {
        // EMU_BIN runs the same probes against another build (to measure a "before").
        let bin = std::env::var("EMU_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_emu").into());
        let mut child = Command::new(bin)
            .args(["serve", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emu serve");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let prefix = format!("emu {} listening on ", env!("CARGO_PKG_VERSION"));
        let mut addr = None;
        for _ in 0..10 {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some(a) = line.trim().strip_prefix(&prefix) {
                addr = Some(a.parse().expect("listen address"));
                break;
            }
        }
        // Keep draining stdout so the server never blocks on it.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let addr = addr.expect("emu serve printed its address");
        Emu { child, addr }
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server under test: emu or the reference Redis.
enum Srv {
    Emu(Emu),
    Redis(RealRedis),
}

impl Srv {
    fn emu(args: &[&str]) -> Srv {
        Srv::Emu(Emu::start(args))
    }

    /// The reference Redis, or `None` (after a loud skip) when redis-server is missing.
    fn redis() -> Option<Srv> {
        start_real_redis("the robustness probes").map(Srv::Redis)
    }

    fn addr(&self) -> SocketAddr {
        match self {
            Srv::Emu(e) => e.addr,
            Srv::Redis(r) => r.addr,
        }
    }

    fn pid(&self) -> u32 {
        match self {
            Srv::Emu(e) => e.child.id(),
            Srv::Redis(r) => r.pid(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Srv::Emu(_) => "emu",
            Srv::Redis(_) => "redis",
        }
    }

    fn rss(&self) -> u64 {
        rss_bytes(self.pid())
    }

    fn conn(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr()).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_nodelay(true).unwrap();
        s
    }

    /// Runs one command on a fresh connection and returns its raw reply.
    fn cmd(&self, argv: &[&str]) -> Vec<u8> {
        let mut raw = crate::server_util::Raw::from_stream(self.conn());
        let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        raw.cmd(&argv)
    }
}

/// VmRSS of `pid`, in bytes.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// What a [`Probe`] saw.
#[derive(Debug)]
struct Seen {
    /// Slowest PING.
    max_ping: Duration,
    pings: usize,
    /// Highest RSS sampled.
    peak_rss: u64,
}

/// A second client sending PING in a loop and sampling the server's RSS.
struct Probe {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Seen>,
}

impl Probe {
    fn start(srv: &Srv) -> Probe {
        Probe::start_with(srv, srv.conn())
    }

    /// A probe on a connection that authenticated with `password` first.
    fn start_authenticated(srv: &Srv, password: &str) -> Probe {
        let mut s = srv.conn();
        let auth = format!("*2\r\n$4\r\nAUTH\r\n${}\r\n{password}\r\n", password.len());
        s.write_all(auth.as_bytes()).expect("AUTH");
        let mut ok = [0u8; 5];
        s.read_exact(&mut ok).expect("AUTH reply");
        assert_eq!(&ok, b"+OK\r\n");
        Probe::start_with(srv, s)
    }

    fn start_with(srv: &Srv, mut s: TcpStream) -> Probe {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let pid = srv.pid();
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = Seen {
                max_ping: Duration::ZERO,
                pings: 0,
                peak_rss: rss_bytes(pid),
            };
            let mut buf = [0u8; 7];
            while !st.load(Ordering::SeqCst) {
                let t = Instant::now();
                s.write_all(b"PING\r\n").expect("probe write");
                s.read_exact(&mut buf).expect("probe PONG");
                assert_eq!(&buf, b"+PONG\r\n");
                seen.max_ping = seen.max_ping.max(t.elapsed());
                seen.pings += 1;
                seen.peak_rss = seen.peak_rss.max(rss_bytes(pid));
                std::thread::sleep(Duration::from_millis(10));
            }
            seen
        });
        // Let it take a first sample.
        std::thread::sleep(Duration::from_millis(50));
        Probe { stop, thread }
    }

    /// Stops the probe; asserts every PING was answered within [`LIVENESS`].
    fn finish(self, what: &str) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        let seen = self.thread.join().expect("probe thread");
        eprintln!("{what}: {seen:?}");
        assert!(
            seen.max_ping < LIVENESS,
            "{what}: a PING waited {:?} (bound {LIVENESS:?})",
            seen.max_ping
        );
        seen
    }
}

fn mb(b: u64) -> String {
    format!("{:.1} MB", b as f64 / MB as f64)
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

// ---------------------------------------------------------------------------------------
// Finding 2: a client that writes its whole pipeline before reading any reply.

/// GETs of a 10 kB value: 50 MB of replies...
const PIPE_GETS: usize = 5_000;
const PIPE_GET_VALUE: usize = 10_000;
/// ...then SETs of 256 KiB values: 50 MB of requests. Each direction is more than the
/// loopback socket buffers hold (tcp_rmem max 32 MB + tcp_wmem max 4 MB here), so a server
/// that stops reading while its replies are unsent deadlocks with this client.
const PIPE_SETS: usize = 200;
const PIPE_SET_VALUE: usize = 256 * 1024;

/// Writes the whole pipeline without reading (as redis-py's pipeline does), then reads
/// every reply; returns the replies.
fn pipeline_replies(srv: &Srv) -> Vec<u8> {
    let mut s = srv.conn();
    let mut req = Vec::new();
    req.extend_from_slice(b"*3\r\n");
    bulk(&mut req, b"SET");
    bulk(&mut req, b"small");
    bulk(&mut req, &vec![b'g'; PIPE_GET_VALUE]);
    for _ in 0..PIPE_GETS {
        req.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$5\r\nsmall\r\n");
    }
    let big = vec![b's'; PIPE_SET_VALUE];
    for i in 0..PIPE_SETS {
        req.extend_from_slice(b"*3\r\n");
        bulk(&mut req, b"SET");
        bulk(&mut req, format!("big:{}", i % 4).as_bytes());
        bulk(&mut req, &big);
    }
    let get_reply = format!("${PIPE_GET_VALUE}\r\n").len() + PIPE_GET_VALUE + 2;
    let expect = 5 + PIPE_GETS * get_reply + PIPE_SETS * 5;
    s.write_all(&req).unwrap_or_else(|e| {
        panic!(
            "{}: the server stopped reading a pipeline whose replies the client has not read yet: {e}",
            srv.name()
        )
    });
    let mut replies = vec![0u8; expect];
    s.read_exact(&mut replies).expect("every reply");
    replies
}

#[test]
fn pipeline_written_before_reading_completes() {
    let _serial = serial();
    let mut outputs = Vec::new();
    for srv in [Some(Srv::emu(&[])), Srv::redis()].into_iter().flatten() {
        let base = srv.rss();
        let probe = Probe::start(&srv);
        let t = Instant::now();
        let replies = pipeline_replies(&srv);
        let took = t.elapsed();
        let seen = probe.finish(&format!("{} pipeline", srv.name()));
        eprintln!(
            "{}: 50 MB of replies queued behind 50 MB of requests in {took:?}, RSS {} -> peak {}",
            srv.name(),
            mb(base),
            mb(seen.peak_rss)
        );
        if let Srv::Emu(_) = srv {
            // 50 MB of queued replies in chunks (no buffer doubling), a request at a time,
            // and the four 256 KiB values.
            assert!(
                seen.peak_rss < base + 110 * MB,
                "emu grew from {} to {}",
                mb(base),
                mb(seen.peak_rss)
            );
        }
        outputs.push(replies);
    }
    assert!(
        outputs[0] == outputs[1],
        "emu's replies differ from Redis's"
    );
}

/// `client-output-buffer-limit normal` (hard): a client whose unread replies pass it is
/// closed, by emu as by Redis; with the default `normal 0 0 0` nobody is.
#[test]
fn output_buffer_limit_normal_hard() {
    let _serial = serial();
    for srv in [Some(Srv::emu(&[])), Srv::redis()].into_iter().flatten() {
        assert_eq!(
            srv.cmd(&[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "normal 1mb 0 0"
            ]),
            b"+OK\r\n"
        );
        assert_eq!(
            srv.cmd(&["CONFIG", "GET", "client-output-buffer-limit"]),
            b"*2\r\n$26\r\nclient-output-buffer-limit\r\n$73\r\nnormal 1048576 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n"
                .to_vec()
        );
        srv.cmd(&["SET", "big", &"x".repeat(100_000)]);
        let probe = Probe::start(&srv);
        // 400 × 100 kB of replies, never read: past the 1 MB hard limit.
        let mut s = srv.conn();
        let mut req = Vec::new();
        for _ in 0..400 {
            req.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
        }
        let _ = s.write_all(&req);
        std::thread::sleep(Duration::from_millis(300));
        // The server closed it: reading drains what was sent, then EOF (or a reset).
        let mut sink = vec![0u8; 1 << 20];
        let mut total = 0usize;
        let closed = loop {
            match s.read(&mut sink) {
                Ok(0) => break true,
                Ok(n) => total += n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                Err(_) => break false,
            }
        };
        probe.finish(&format!("{} obuf hard", srv.name()));
        assert!(closed, "{}: the client over the limit stayed", srv.name());
        assert!(
            total < 400 * 100_000,
            "{}: all replies were sent",
            srv.name()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Finding 5: one client growing its query buffer without finishing the request.

/// Sends `*3000 ECHO` and 1 MiB arguments, up to `max` MiB; returns how many went out
/// before the server closed the connection (`max` if it never did).
fn grow_query(srv: &Srv, max: usize) -> usize {
    let mut s = srv.conn();
    let mut arg = Vec::with_capacity(MB as usize + 16);
    bulk(&mut arg, &vec![b'x'; MB as usize]);
    if s.write_all(b"*3000\r\n$4\r\nECHO\r\n").is_err() {
        return 0;
    }
    for sent in 0..max {
        if s.write_all(&arg).is_err() {
            return sent;
        }
    }
    // Give a closing server time to say so.
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut b = [0u8; 16];
    match s.read(&mut b) {
        Ok(0) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => 0,
        _ => max,
    }
}

#[test]
fn growing_query_buffer_stalls_no_one() {
    let _serial = serial();
    for srv in [Some(Srv::emu(&[])), Srv::redis()].into_iter().flatten() {
        let base = srv.rss();
        let probe = Probe::start(&srv);
        let t = Instant::now();
        let sent = grow_query(&srv, 300);
        let took = t.elapsed();
        let seen = probe.finish(&format!("{} query buffer 300 MiB", srv.name()));
        eprintln!(
            "{}: {sent} MiB in {took:?}, RSS {} -> peak {}",
            srv.name(),
            mb(base),
            mb(seen.peak_rss)
        );
        // Under the default 1 GB limit, nobody closes it.
        assert_eq!(sent, 300, "{} closed the client early", srv.name());
        if let Srv::Emu(_) = srv {
            // The arguments themselves, plus at most a copy in flight.
            assert!(
                seen.peak_rss < base + 300 * MB + 150 * MB,
                "emu grew from {} to {}",
                mb(base),
                mb(seen.peak_rss)
            );
        }
    }
}

#[test]
fn query_buffer_limit_closes_the_client() {
    let _serial = serial();
    let srv = Srv::emu(&[]);
    assert_eq!(
        srv.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "32mb"]),
        b"+OK\r\n"
    );
    let base = srv.rss();
    let probe = Probe::start(&srv);
    let sent = grow_query(&srv, 200);
    let seen = probe.finish("emu query buffer limit");
    assert!(
        sent < 100,
        "emu read {sent} MiB past a 32 MB query buffer limit"
    );
    assert!(
        seen.peak_rss < base + 100 * MB,
        "emu grew from {} to {}",
        mb(base),
        mb(seen.peak_rss)
    );
    // A request within the limit still works.
    assert_eq!(srv.cmd(&["ECHO", "ok"]), b"$2\r\nok\r\n");
}

// ---------------------------------------------------------------------------------------
// Finding 4: bulk headers that announce 512 MB and never send it.

#[test]
fn bulk_headers_reserve_nothing() {
    let _serial = serial();
    const CONNS: usize = 200;
    for srv in [Some(Srv::emu(&[])), Srv::redis()].into_iter().flatten() {
        let base = srv.rss();
        let probe = Probe::start(&srv);
        let mut conns = Vec::new();
        let mut payload = b"*2\r\n$4\r\nECHO\r\n$536870912\r\n".to_vec();
        payload.extend(std::iter::repeat_n(b'x', 64 * 1024));
        for _ in 0..CONNS {
            let mut s = srv.conn();
            s.write_all(&payload).expect("send header");
            conns.push(s);
        }
        std::thread::sleep(Duration::from_millis(500));
        let held = srv.rss();
        drop(conns);
        std::thread::sleep(Duration::from_millis(1500));
        let seen = probe.finish(&format!("{} bulk headers", srv.name()));
        let after = srv.rss();
        eprintln!(
            "{}: {CONNS} × 512 MB headers + 64 KiB: RSS {} -> {} (peak {}), {} after close",
            srv.name(),
            mb(base),
            mb(held),
            mb(seen.peak_rss),
            mb(after)
        );
        if let Srv::Emu(_) = srv {
            // 12.5 MB arrived; each connection holds about what it sent.
            assert!(
                seen.peak_rss < base + 64 * MB,
                "emu grew from {} to {}",
                mb(base),
                mb(seen.peak_rss)
            );
            // And gives it back once they are gone (finding 9).
            assert!(
                after < base + 16 * MB,
                "emu kept {} after the clients closed (started at {})",
                mb(after),
                mb(base)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Finding 12: unauthenticated clients' replies are bounded.

/// Sends `n` pipelined `AUTH wrong` without reading, then reads what comes: (reply bytes,
/// closed by the server).
fn flood_auth(srv: &Srv, n: usize) -> (usize, bool) {
    let mut s = srv.conn();
    let req = b"*2\r\n$4\r\nAUTH\r\n$5\r\nwrong\r\n".repeat(n);
    let _ = s.write_all(&req);
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut total = 0;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (total, true),
            Ok(k) => total += k,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (total, true),
            Err(_) => return (total, false),
        }
    }
}

#[test]
fn unauthenticated_replies_are_bounded() {
    let _serial = serial();
    const N: usize = 20_000;
    let one = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n".len();
    for srv in [Some(Srv::emu(&[])), Srv::redis()].into_iter().flatten() {
        assert_eq!(srv.cmd(&["CONFIG", "SET", "requirepass", "pw"]), b"+OK\r\n");
        let probe = Probe::start_authenticated(&srv, "pw");
        let (got, closed) = flood_auth(&srv, N);
        probe.finish(&format!("{} unauthenticated flood", srv.name()));
        eprintln!(
            "{}: {N} AUTH wrong: {got} reply bytes ({} replies), closed: {closed}",
            srv.name(),
            got / one
        );
        assert!(
            closed,
            "{}: the unauthenticated flood stayed connected",
            srv.name()
        );
        assert!(got < N * one, "{}: every reply was sent", srv.name());
        // Authenticated clients are not bound by it: 20,000 replies to one that AUTHs first.
        let mut s = srv.conn();
        let mut req = b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n".to_vec();
        req.extend(b"*1\r\n$4\r\nPING\r\n".repeat(N));
        s.write_all(&req).expect("write");
        let mut replies = vec![0u8; 5 + 7 * N];
        s.read_exact(&mut replies).expect("all replies");
    }
}

// ---------------------------------------------------------------------------------------
// Finding 3 (shutdown): SIGTERM / SIGINT are acted on within a second, even during a long
// command.

/// `emu serve` arguments that enable DEBUG, when this build gates it.
fn debug_args() -> Vec<&'static str> {
    let help = Command::new(env!("CARGO_BIN_EXE_emu"))
        .args(["serve", "--help"])
        .output()
        .expect("emu serve --help");
    if String::from_utf8_lossy(&help.stdout).contains("--enable-debug-command") {
        vec!["--enable-debug-command", "yes"]
    } else {
        Vec::new()
    }
}

fn signal_during_long_command(signal: &str) {
    let mut emu = Emu::start(&debug_args());
    let mut busy = TcpStream::connect(emu.addr).expect("connect");
    busy.write_all(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$2\r\n30\r\n")
        .expect("DEBUG SLEEP");
    // Let the command start and hold the store.
    std::thread::sleep(Duration::from_millis(300));
    assert!(emu.child.try_wait().expect("try_wait").is_none());
    let t = Instant::now();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &emu.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = t + Duration::from_secs(5);
    let exited = loop {
        if emu.child.try_wait().expect("try_wait").is_some() {
            break t.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "emu still running 5 s after SIG{signal} during DEBUG SLEEP 30"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    eprintln!("emu exited {exited:?} after SIG{signal} during DEBUG SLEEP 30");
    assert!(
        exited < Duration::from_millis(1500),
        "emu took {exited:?} to act on SIG{signal}"
    );
}

#[test]
fn sigterm_during_a_long_command_exits_within_a_second() {
    let _serial = serial();
    signal_during_long_command("TERM");
}

#[test]
fn sigint_during_a_long_command_exits_within_a_second() {
    let _serial = serial();
    signal_during_long_command("INT");
}

// ---------------------------------------------------------------------------------------
// Finding 10: connection bursts and the memory of idle connections.

#[test]
fn connection_burst_and_idle_connection_memory() {
    let _serial = serial();
    const THREADS: usize = 4;
    const PER_THREAD: usize = 500;
    let mut backlogs = Vec::new();
    for srv in [Some(Srv::emu(&[])), Srv::redis()].into_iter().flatten() {
        backlogs.push(srv.cmd(&["CONFIG", "GET", "tcp-backlog"]));
        let base = srv.rss();
        let probe = Probe::start(&srv);
        let t = Instant::now();
        let addr = srv.addr();
        // Bursts of connections from several threads at once; each is served (PING) and
        // then left idle.
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                std::thread::spawn(move || {
                    let socks: Vec<TcpStream> = (0..PER_THREAD)
                        .map(|_| TcpStream::connect(addr).expect("connect"))
                        .collect();
                    for mut s in &socks {
                        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                        s.write_all(b"PING\r\n").expect("PING");
                    }
                    for mut s in &socks {
                        let mut b = [0u8; 7];
                        s.read_exact(&mut b).expect("PONG");
                        assert_eq!(&b, b"+PONG\r\n");
                    }
                    socks
                })
            })
            .collect();
        let socks: Vec<Vec<TcpStream>> = handles
            .into_iter()
            .map(|h| h.join().expect("connecting thread"))
            .collect();
        let took = t.elapsed();
        std::thread::sleep(Duration::from_millis(200));
        let held = srv.rss();
        let n = (THREADS * PER_THREAD) as u64;
        let per_conn = held.saturating_sub(base) / n;
        drop(socks);
        probe.finish(&format!("{} connection burst", srv.name()));
        eprintln!(
            "{}: {n} connections in {took:?}; RSS {} -> {} = {per_conn} bytes per idle connection",
            srv.name(),
            mb(base),
            mb(held)
        );
        assert!(
            took < Duration::from_secs(10),
            "{}: {n} connections took {took:?}",
            srv.name()
        );
        if let Srv::Emu(_) = srv {
            assert!(
                per_conn < 24 * 1024,
                "emu: {per_conn} bytes per idle connection"
            );
        }
    }
    assert_eq!(backlogs[0], backlogs[1], "CONFIG GET tcp-backlog");
    assert_eq!(backlogs[0], b"*2\r\n$11\r\ntcp-backlog\r\n$3\r\n511\r\n");
}

// ---------------------------------------------------------------------------------------
// Finding 6: expired keys are reclaimed on an idle server.

/// Writes `n` `SET key value PX ttl_ms` in one pipeline and reads the replies.
fn set_with_ttl(srv: &Srv, n: usize, ttl_ms: u64) {
    let mut s = srv.conn();
    let value = vec![b'v'; 100];
    let mut req = Vec::new();
    for i in 0..n {
        req.extend_from_slice(b"*5\r\n");
        bulk(&mut req, b"SET");
        bulk(&mut req, format!("key:{i}").as_bytes());
        bulk(&mut req, &value);
        bulk(&mut req, b"PX");
        bulk(&mut req, ttl_ms.to_string().as_bytes());
    }
    let writer = {
        let mut w = s.try_clone().expect("clone");
        std::thread::spawn(move || w.write_all(&req).expect("write"))
    };
    let mut replies = vec![0u8; 5 * n];
    s.read_exact(&mut replies).expect("replies");
    writer.join().expect("writer");
    assert!(replies.chunks(5).all(|r| r == b"+OK\r\n"));
}

#[test]
fn expired_keys_are_reclaimed_on_an_idle_server() {
    let _serial = serial();
    const N: usize = 50_000;
    let mut sizes = Vec::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8 path");
    // In memory, persistent (the server runs the cycle itself), and Redis.
    for srv in [
        Some(Srv::emu(&[])),
        Some(Srv::emu(&["--dir", dir])),
        Srv::redis(),
    ]
    .into_iter()
    .flatten()
    {
        let base = srv.rss();
        set_with_ttl(&srv, N, 1000);
        let full = srv.rss();
        // No traffic at all while the keys expire and the timer reclaims them.
        std::thread::sleep(Duration::from_millis(3000));
        let dbsize = srv.cmd(&["DBSIZE"]);
        let after = srv.rss();
        eprintln!(
            "{}: {N} keys with a 1 s TTL: RSS {} -> {} -> {} after 3 s idle; DBSIZE {}",
            srv.name(),
            mb(base),
            mb(full),
            mb(after),
            String::from_utf8_lossy(&dbsize).trim()
        );
        sizes.push(dbsize);
    }
    assert_eq!(
        sizes[0], b":0\r\n",
        "emu left expired keys on an idle server"
    );
    assert_eq!(
        sizes[1], b":0\r\n",
        "emu --dir left expired keys on an idle server"
    );
    assert_eq!(sizes[0], sizes[2]);
}

// ---------------------------------------------------------------------------------------
// Finding 9: memory freed by FLUSHALL or a large DEL goes back to the OS.

#[test]
fn freed_memory_returns_to_the_os() {
    let _serial = serial();
    const KEYS: usize = 200_000;
    for srv in [Some(Srv::emu(&[])), Srv::redis()].into_iter().flatten() {
        let base = srv.rss();
        set_with_ttl(&srv, KEYS, 3_600_000);
        let full = srv.rss();
        assert_eq!(srv.cmd(&["FLUSHALL"]), b"+OK\r\n");
        std::thread::sleep(Duration::from_millis(1500));
        let flushed = srv.rss();
        let big = (128 * MB - 1).to_string();
        srv.cmd(&["SETRANGE", "big", &big, "x"]);
        let with_big = srv.rss();
        assert_eq!(srv.cmd(&["DEL", "big"]), b":1\r\n");
        std::thread::sleep(Duration::from_millis(1500));
        let deleted = srv.rss();
        eprintln!(
            "{}: RSS {} -> {KEYS} keys {} -> FLUSHALL {} ; 128 MB string {} -> DEL {}",
            srv.name(),
            mb(base),
            mb(full),
            mb(flushed),
            mb(with_big),
            mb(deleted)
        );
        if let Srv::Emu(_) = srv {
            assert!(
                flushed < base + 24 * MB,
                "emu kept {} after FLUSHALL (started at {})",
                mb(flushed),
                mb(base)
            );
            assert!(
                deleted < base + 24 * MB,
                "emu kept {} after DEL of a 128 MB string (started at {})",
                mb(deleted),
                mb(base)
            );
        }
    }
}

/// `disable-thp yes` (Redis's default; immutable, so emu serve always runs with it) is
/// applied, as Redis applies it: transparent huge pages are off for the process. With them
/// on, the allocator's partly used 2 MiB regions counted whole in RSS.
#[test]
fn emu_serve_turns_transparent_huge_pages_off() {
    let _serial = serial();
    let srv = Srv::emu(&[]);
    assert_eq!(
        srv.cmd(&["CONFIG", "GET", "disable-thp"]),
        b"*2\r\n$11\r\ndisable-thp\r\n$3\r\nyes\r\n"
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", srv.pid())).expect("status");
    match status.lines().find(|l| l.starts_with("THP_enabled:")) {
        Some(line) => assert_eq!(
            line.split_whitespace().nth(1),
            Some("0"),
            "emu serve runs with transparent huge pages: {line}"
        ),
        None => eprintln!("this kernel does not report THP_enabled; nothing to check"),
    }
}

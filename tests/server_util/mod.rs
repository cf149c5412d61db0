//! Helpers shared by the server tests: an in-process server on a free port and a raw RESP
//! client that reads exactly one reply (so tests compare bytes).

#![allow(dead_code)]

mod args;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use emu::server::{Running, Server};

/// Starts an in-process server on a free port.
pub fn start() -> (emu::Redis, Running) {
    start_with(|s| s)
}

/// Starts an in-process server on a free port after customizing the builder.
pub fn start_with(f: impl FnOnce(Server) -> Server) -> (emu::Redis, Running) {
    let redis = emu::Redis::new();
    let server = f(Server::new(redis.clone()).port(0));
    let running = server.start().expect("server starts");
    (redis, running)
}

/// Starts an in-process server whose network clients may run DEBUG
/// (`enable-debug-command yes`, as the reference redis-server of the tests).
pub fn start_debug() -> (emu::Redis, Running) {
    let (redis, running) = start();
    redis
        .with_store(|s| {
            s.config
                .set_initial("enable-debug-command", b"yes")
                .unwrap()
        })
        .unwrap();
    (redis, running)
}

/// A raw RESP connection.
pub struct Raw {
    pub s: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    pub fn connect(addr: SocketAddr) -> Raw {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_nodelay(true).unwrap();
        Raw { s, buf: Vec::new() }
    }

    pub fn from_stream(s: TcpStream) -> Raw {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Raw { s, buf: Vec::new() }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).expect("write");
    }

    /// Sends a command as a multibulk.
    pub fn cmd(&mut self, argv: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        emu::resp::encode_request(&mut out, argv);
        self.send(&out);
        self.reply()
    }

    /// Sends a command given as space-separated words.
    pub fn cmds(&mut self, line: &str) -> Vec<u8> {
        let argv: Vec<&[u8]> = line.split(' ').map(|w| w.as_bytes()).collect();
        self.cmd(&argv)
    }

    fn fill(&mut self) -> bool {
        let mut tmp = [0u8; 65536];
        match self.s.read(&mut tmp) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                true
            }
            Err(e) => panic!("read failed: {e}"),
        }
    }

    /// Reads one complete reply's raw bytes.
    pub fn reply(&mut self) -> Vec<u8> {
        loop {
            if let Some(n) = reply_len(&self.buf, 0) {
                return self.buf.drain(..n).collect();
            }
            assert!(
                self.fill(),
                "connection closed; have {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        }
    }

    /// True if a complete reply is already buffered.
    pub fn has_reply(&self) -> bool {
        reply_len(&self.buf, 0).is_some()
    }

    /// True if the server closed the connection (after any pending bytes).
    pub fn closed(&mut self) -> bool {
        self.s
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut tmp = [0u8; 1024];
        loop {
            match self.s.read(&mut tmp) {
                Ok(0) => return true,
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
                Err(_) => return false,
            }
        }
    }

    /// True if nothing arrives within `ms`.
    pub fn silent(&mut self, ms: u64) -> bool {
        self.s
            .set_read_timeout(Some(Duration::from_millis(ms)))
            .unwrap();
        let mut tmp = [0u8; 1024];
        let r = match self.s.read(&mut tmp) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                false
            }
            Err(_) => true,
        };
        self.s
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        r
    }
}

fn line_end(b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| from + p)
}

/// Length of the complete RESP2/RESP3 reply at `b[at..]`, if complete.
pub fn reply_len(b: &[u8], at: usize) -> Option<usize> {
    let tag = *b.get(at)?;
    let end = line_end(b, at)?;
    // Only lengths are read as text: simple strings and errors may hold any bytes.
    let head = std::str::from_utf8(&b[at + 1..end]).unwrap_or("");
    let after = end + 2;
    match tag {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Some(after - at),
        b'$' | b'=' | b'!' => {
            let n: i64 = head.parse().ok()?;
            if n < 0 {
                return Some(after - at);
            }
            let total = after + n as usize + 2;
            (b.len() >= total).then_some(total - at)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = head.parse().ok()?;
            if n < 0 {
                return Some(after - at);
            }
            let items = if tag == b'%' || tag == b'|' { 2 * n } else { n };
            let mut pos = after;
            for _ in 0..items {
                pos += reply_len(b, pos)?;
            }
            Some(pos - at)
        }
        _ => None,
    }
}

/// Finds an executable on PATH.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The environment variable that turns "skipped: not installed" into a test failure. `.ci/run`
/// sets it, so CI always runs the whole suite; a plain `cargo test` on a machine with only Rust
/// skips what it cannot run and says so on stderr.
pub const REQUIRE_EXTERNAL: &str = "EMU_REQUIRE_EXTERNAL";

/// Install hint for `redis-server` (Redis 7.0).
pub const INSTALL_REDIS_SERVER: &str =
    "apt-get install redis-server (Debian/Ubuntu), or run .ci/run which installs everything";
/// Install hint for `redis-cli` / `redis-benchmark`.
pub const INSTALL_REDIS_TOOLS: &str =
    "apt-get install redis-tools (Debian/Ubuntu), or run .ci/run which installs everything";
/// Install hint for python3 with redis-py.
pub const INSTALL_REDIS_PY: &str =
    "apt-get install python3 && pip install redis, or run .ci/run which installs everything";

/// True when [`REQUIRE_EXTERNAL`] is set to something other than empty or `0`.
pub fn external_required() -> bool {
    std::env::var_os(REQUIRE_EXTERNAL).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Reports that the running test cannot run because `what` is missing: prints a loud
/// `SKIPPED (...)` line to stderr, or fails the test when [`REQUIRE_EXTERNAL`] is set. The
/// caller returns right after.
pub fn skip(what: &str, how: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("this test");
    if external_required() {
        panic!("{test}: {what} not installed ({REQUIRE_EXTERNAL} is set, so this fails instead of skipping): {how}");
    }
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED ({what} not installed: {how}) {test}; set {REQUIRE_EXTERNAL}=1 to make this a failure"
    );
}

/// The path of an external program the test needs, or `None` after [`skip`] (the caller
/// returns: `let Some(cli) = tool("redis-cli", INSTALL_REDIS_TOOLS) else { return };`).
pub fn tool(name: &str, how: &str) -> Option<std::path::PathBuf> {
    let found = which(name);
    if found.is_none() {
        skip(name, how);
    }
    found
}

/// `python3` if it can `import redis` (redis-py), or `None` after [`skip`].
pub fn redis_py() -> Option<std::path::PathBuf> {
    let python = which("python3").filter(|python| {
        std::process::Command::new(python)
            .args(["-c", "import redis"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if python.is_none() {
        skip("python3 with redis-py", INSTALL_REDIS_PY);
    }
    python
}

/// A free loopback port of five digits whose cluster bus port (+10000) has five digits too,
/// so replies naming either have the same length on every server of a test.
pub fn free_port() -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if (10000..=55535).contains(&port) {
            return port;
        }
    }
}

/// A real `redis-server` child process on a free loopback port (the reference for the
/// conformance tests), killed when dropped.
pub struct RealRedis {
    child: std::process::Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its working directory, so a dump.rdb it writes (SAVE, DEBUG RELOAD, SHUTDOWN) is never
    /// loaded by another test's server started in the checkout.
    _cwd: tempfile::TempDir,
}

impl RealRedis {
    /// The server's process id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a real `redis-server` (no persistence, DEBUG enabled), or returns `None` after
/// [`skip`] when the binary is missing (`why` names the test in the message).
pub fn start_real_redis(why: &str) -> Option<RealRedis> {
    start_real_redis_with(why, &["--enable-debug-command", "yes"])
}

/// Like [`start_real_redis`], with `args` instead of `--enable-debug-command yes`.
pub fn start_real_redis_with(why: &str, args: &[&str]) -> Option<RealRedis> {
    let bin = tool(
        "redis-server",
        &format!("{why} needs a real Redis 7.0: {INSTALL_REDIS_SERVER}"),
    )?;
    for _ in 0..5 {
        if let Some(srv) = spawn_real_redis_on(&bin, free_port(), args) {
            return Some(srv);
        }
    }
    panic!("could not start redis-server");
}

/// Starts `bin` (a redis-server) on `port` with `args` after the common ones (no
/// persistence, loopback), and waits until it answers; `None` if it could not have the port
/// (another test's server holds it: free_port is racy between tests running at once).
pub fn spawn_real_redis_on(bin: &std::path::Path, port: u16, args: &[&str]) -> Option<RealRedis> {
    use std::process::{Command, Stdio};
    use std::time::Instant;
    let cwd = tempfile::tempdir().expect("redis-server working directory");
    let child = Command::new(bin)
        .current_dir(cwd.path())
        .args(args::base_args(port))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server");
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut srv = RealRedis {
        child,
        addr,
        _cwd: cwd,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(s) = TcpStream::connect(addr) {
            // Only ours, by its pid, will do. A server that refuses INFO (a password, an
            // ACL file) is ours only if our redis-server is still running a second later:
            // one that lost the port exits at once.
            match server_pid(s) {
                Some(pid) if pid == srv.child.id() => return Some(srv),
                Some(_) => return None,
                None => {
                    std::thread::sleep(Duration::from_secs(1));
                    return matches!(srv.child.try_wait(), Ok(None)).then_some(srv);
                }
            }
        }
        if let Ok(Some(_)) = srv.child.try_wait() {
            return None; // port taken meanwhile
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The `process_id` INFO reports on connection `s`.
/// The `process_id` a server's INFO reports (None if it refuses INFO).
pub fn server_pid(mut s: TcpStream) -> Option<u32> {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"INFO server\r\n").ok()?;
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    loop {
        let n = s.read(&mut tmp).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(len) = reply_len(&buf, 0) {
            let text = String::from_utf8_lossy(&buf[..len]).to_string();
            return text
                .lines()
                .find_map(|l| l.strip_prefix("process_id:"))
                .and_then(|v| v.trim().parse().ok());
        }
    }
}

/// Runs the redis-py script `tests/clients/<script>` against `port` with protocol `proto`
/// ("2" or "3") and returns its trimmed stdout. Fails the test with the script's output when
/// it fails; returns `None` after [`skip`] when python3 or the `redis` package is missing.
pub fn run_redis_py(script: &str, port: u16, proto: &str) -> Option<String> {
    use std::process::Command;
    let python = redis_py()?;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let out = Command::new(python)
        .arg(path)
        .arg(port.to_string())
        .arg(proto)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "redis-py script {script} (RESP{proto}) failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(stdout.trim().to_string())
}

/// `emu serve` (this build's binary) on a free port, with DEBUG enabled and the data
/// directory `dir/data` (Redis's suite's DEBUG LOADAOF reloads emu's log there), logging to
/// `dir/emu.log`; killed when dropped. The suites of Redis and redis-py run against it.
#[cfg(all(feature = "cli", feature = "server"))]
pub struct EmuServe {
    child: std::process::Child,
    /// Where it listens (127.0.0.1).
    pub port: u16,
}

#[cfg(all(feature = "cli", feature = "server"))]
impl EmuServe {
    /// Starts it and waits until it accepts connections.
    pub fn start(dir: &std::path::Path) -> EmuServe {
        use std::time::Instant;
        let port = free_port();
        let log = std::fs::File::create(dir.join("emu.log")).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_emu"))
            .args(["serve", "--enable-debug-command", "yes", "--port"])
            .arg(port.to_string())
            .arg("--dir")
            .arg(dir.join("data"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start emu serve");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "emu serve did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        EmuServe { child, port }
    }
}

#[cfg(all(feature = "cli", feature = "server"))]
impl Drop for EmuServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

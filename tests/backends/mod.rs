//! The four backends the typed-API suite (tests/api) runs on: embedded, a real
//! `redis-server`, a real three-master Redis Cluster, both started once per test binary
//! from Debian's `redis-server` / `redis-cli`, and a real Valkey server started the same way
//! from `valkey-server` (Debian bookworm-backports' `valkey-server`), all stopped when the
//! binary exits (a watchdog shell process kills them and removes their directory once the
//! test process is gone).
//!
//! Remote tests share one server (or cluster), so they run one at a time: each takes
//! [`serial`]'s lock and starts from an empty dataset (FLUSHALL on every master).
//! Without the programs, a remote test says `SKIPPED` on stderr — or fails when
//! `EMU_REQUIRE_EXTERNAL` is set (as `.ci/run` does).

#![allow(dead_code)]

#[path = "../server_util/args.rs"]
mod server_args;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The environment variable that turns a missing program into a failure.
const REQUIRE_EXTERNAL: &str = "EMU_REQUIRE_EXTERNAL";

fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The programs of one server flavour: its server, its cli and the packages that have them.
struct Flavour {
    server: &'static str,
    cli: &'static str,
    install: &'static str,
}

const REDIS: Flavour = Flavour {
    server: "redis-server",
    cli: "redis-cli",
    install: "apt-get install redis-server redis-tools, or run .ci/run",
};

const VALKEY: Flavour = Flavour {
    server: "valkey-server",
    cli: "valkey-cli",
    install: "apt-get install -t bookworm-backports valkey-server valkey-tools, or run .ci/run",
};

/// The flavour's server and cli, or None after reporting the skip (a failure under
/// `EMU_REQUIRE_EXTERNAL`).
fn tools(flavour: &Flavour) -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let Flavour {
        server,
        cli,
        install: how,
    } = flavour;
    match (which(server), which(cli)) {
        (Some(s), Some(c)) => Some((s, c)),
        _ => {
            let test = std::thread::current()
                .name()
                .unwrap_or("this test")
                .to_string();
            if std::env::var_os(REQUIRE_EXTERNAL).is_some_and(|v| !v.is_empty() && v != "0") {
                panic!("{test}: {server}/{cli} not installed ({REQUIRE_EXTERNAL} is set): {how}");
            }
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED ({server}/{cli} not installed: {how}) {test}"
            );
            None
        }
    }
}

fn free_port() -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // The cluster bus port (+10000) must be free-range too.
        if (10000..=55535).contains(&port) {
            return port;
        }
    }
}

/// Kills `pids` and removes `dir` once this test process has exited.
fn watchdog(pids: &[u32], dir: &std::path::Path) {
    let me = std::process::id();
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill {} 2>/dev/null; sleep 0.5; rm -rf '{}'",
        pids.join(" "),
        dir.display()
    );
    let child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn watchdog");
    keep(child);
}

/// Children outlive the test that started them (they serve the whole binary); the
/// watchdog reaps them after the process exits.
fn keep(child: std::process::Child) {
    static CHILDREN: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());
    CHILDREN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(child);
}

// The child is kept in `keep`'s list and reaped by the watchdog (the lint does not follow
// it there).
fn spawn_server(bin: &std::path::Path, dir: &std::path::Path, port: u16, extra: &[&str]) -> u32 {
    let id = spawn_server_unchecked(bin, dir, port, extra);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{} on {port} did not start",
            bin.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    id
}

/// Starts the server program `bin` (redis-server or valkey-server) without waiting for it.
#[allow(clippy::zombie_processes)]
fn spawn_server_unchecked(
    bin: &std::path::Path,
    dir: &std::path::Path,
    port: u16,
    extra: &[&str],
) -> u32 {
    let child = Command::new(bin)
        .current_dir(dir)
        .args(server_args::base_args(port))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
    let id = child.id();
    keep(child);
    id
}

fn scratch_dir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("emu-backends-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The URL of the shared redis-server (`remote+redis://127.0.0.1:PORT`), started on first
/// use; None after a skip (reported by every test that skips, not only the first).
pub fn server_url() -> Option<String> {
    static URL: OnceLock<String> = OnceLock::new();
    let (server, _) = tools(&REDIS)?;
    Some(URL.get_or_init(|| start_single(&server, "server")).clone())
}

/// The URL of the shared Valkey server (`remote+redis://127.0.0.1:PORT`, started from
/// `valkey-server` on first use); None after a skip.
pub fn valkey_url() -> Option<String> {
    static URL: OnceLock<String> = OnceLock::new();
    let (server, _) = tools(&VALKEY)?;
    Some(URL.get_or_init(|| start_single(&server, "valkey")).clone())
}

/// Starts one plain server from the program `server` (redis-server or valkey-server) in a
/// scratch directory named after `what`, stopped by the watchdog; its URL.
fn start_single(server: &std::path::Path, what: &str) -> String {
    let dir = scratch_dir(what);
    let port = free_port();
    let pid = spawn_server(server, &dir, port, &[]);
    watchdog(&[pid], &dir);
    format!("remote+redis://127.0.0.1:{port}")
}

/// The URL of the shared three-master cluster (`remote+cluster://127.0.0.1:P1,…`), made
/// on first use with `redis-cli --cluster create`; None after a skip.
pub fn cluster_url() -> Option<String> {
    static URL: OnceLock<String> = OnceLock::new();
    let (server, cli) = tools(&REDIS)?;
    let url = URL.get_or_init(|| {
        let dir = scratch_dir("cluster");
        let addrs = start_cluster(&server, &cli, &dir, false);
        format!("remote+cluster://{addrs}")
    });
    Some(url.clone())
}

/// Starts three cluster-enabled redis-servers in `dir` (TLS only, `tls-cluster yes`, with
/// the certificates of [`make_certs`] when `tls`), joins them with `redis-cli --cluster
/// create` and waits until every node sees the whole cluster; their `host:port` list.
fn start_cluster(
    server: &std::path::Path,
    cli: &std::path::Path,
    dir: &std::path::Path,
    tls: bool,
) -> String {
    let ports: Vec<u16> = loop {
        let p: Vec<u16> = (0..3).map(|_| free_port()).collect();
        if p[0] != p[1] && p[1] != p[2] && p[0] != p[2] {
            break p;
        }
    };
    let mut pids = Vec::new();
    for &port in &ports {
        let conf = format!("nodes-{port}.conf");
        let cluster: [&str; 6] = [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            &conf,
            "--cluster-node-timeout",
            "5000",
        ];
        pids.push(match tls {
            true => {
                let mut extra = vec!["--tls-cluster", "yes"];
                extra.extend_from_slice(&cluster);
                spawn_tls(server, dir, port, &extra)
            }
            false => spawn_server(server, dir, port, &cluster),
        });
    }
    watchdog(&pids, dir);
    let ca = dir.join("ca.crt").to_string_lossy().into_owned();
    let cli_tls: Vec<&str> = match tls {
        true => vec!["--tls", "--cacert", &ca],
        false => Vec::new(),
    };
    let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let out = Command::new(cli)
        .args(&cli_tls)
        .args(["--cluster", "create"])
        .args(&addrs)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .expect("run redis-cli --cluster create");
    assert!(
        out.status.success(),
        "redis-cli --cluster create failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Every node must see the whole cluster before the tests start.
    let deadline = Instant::now() + Duration::from_secs(30);
    for &port in &ports {
        loop {
            let info = Command::new(cli)
                .args(&cli_tls)
                .args(["-p", &port.to_string(), "cluster", "info"])
                .output()
                .expect("run redis-cli");
            let text = String::from_utf8_lossy(&info.stdout);
            if text.contains("cluster_state:ok") && text.contains("cluster_known_nodes:3") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "cluster on {port} not ok: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    addrs.join(",")
}

/// The lock remote tests hold while they run (one shared dataset).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A handle on `url` with an empty dataset.
pub fn fresh(url: &str) -> emu::Redis {
    let r = emu::from_url(url).unwrap_or_else(|e| panic!("connect {url}: {e}"));
    r.cmd("FLUSHALL").query::<()>().expect("FLUSHALL");
    r
}

/// A CA and a server certificate for 127.0.0.1 / localhost made with `openssl` in `dir`
/// (`ca.crt`, `server.crt`, `server.key`); panics if openssl fails.
fn make_certs(dir: &std::path::Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=emu test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .expect("write ext.cnf");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// `openssl` (for the test certificates), or None after reporting the skip (a failure
/// under `EMU_REQUIRE_EXTERNAL`).
fn openssl() -> Option<std::path::PathBuf> {
    which("openssl").or_else(|| {
        assert!(
            std::env::var_os(REQUIRE_EXTERNAL).is_none(),
            "openssl not installed ({REQUIRE_EXTERNAL} is set): apt-get install openssl"
        );
        eprintln!("SKIPPED (openssl not installed: apt-get install openssl)");
        None
    })
}

/// A TLS-only redis-server's `host:port` and the CA file that signed its certificate,
/// started on first use (certificates from `openssl`); None after a skip.
pub fn tls_server() -> Option<(String, std::path::PathBuf)> {
    static TLS: OnceLock<Option<(String, std::path::PathBuf)>> = OnceLock::new();
    TLS.get_or_init(|| {
        let (server, _) = tools(&REDIS)?;
        openssl()?;
        let dir = scratch_dir("tls");
        make_certs(&dir);
        let port = free_port();
        let pid = spawn_tls(&server, &dir, port, &[]);
        watchdog(&[pid], &dir);
        Some((format!("127.0.0.1:{port}"), dir.join("ca.crt")))
    })
    .clone()
}

/// A three-master Redis Cluster speaking only TLS (`tls-cluster yes`): its nodes'
/// `host:port` list and the CA file; None after a skip.
pub fn tls_cluster() -> Option<(String, std::path::PathBuf)> {
    static TLS: OnceLock<Option<(String, std::path::PathBuf)>> = OnceLock::new();
    TLS.get_or_init(|| {
        let (server, cli) = tools(&REDIS)?;
        openssl()?;
        let dir = scratch_dir("tls-cluster");
        make_certs(&dir);
        let addrs = start_cluster(&server, &cli, &dir, true);
        Some((addrs, dir.join("ca.crt")))
    })
    .clone()
}

/// [`spawn_server`] listening on `port` with TLS only (plain port 0), clients not asked
/// for certificates.
fn spawn_tls(bin: &std::path::Path, dir: &std::path::Path, port: u16, extra: &[&str]) -> u32 {
    let mut args: Vec<&str> = vec![
        "--tls-port",
        "",
        "--tls-cert-file",
        "server.crt",
        "--tls-key-file",
        "server.key",
        "--tls-ca-cert-file",
        "ca.crt",
        "--tls-auth-clients",
        "no",
    ];
    let p = port.to_string();
    args[1] = &p;
    args.extend_from_slice(extra);
    // `spawn_server` passes `--port N` first; a later `--port 0` wins (no plain port).
    args.extend_from_slice(&["--port", "0"]);
    let id = spawn_server_unchecked(bin, dir, port, &args);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "TLS redis-server on {port} did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    id
}

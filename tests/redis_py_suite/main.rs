//! redis-py's own test suite (the `tests/` of its 8.2.0 source distribution) run against
//! `emu serve`, once per protocol (RESP2 and RESP3, one after the other), each against a fresh
//! server with a data directory.
//!
//! What runs: every test module, synchronous and asyncio, except the ones that need
//! infrastructure other than one server (cluster, sentinel-managed failover scenarios,
//! multi-database failover, TLS, maintenance notifications) or that only exercise the client
//! library in a forked process; pytest markers deselect module-only and cluster-only tests as redis-py's CI does
//! for a standalone Redis. Every test must pass except the ones named in `known_failures.txt`
//! next to this file (each fails against a real redis-server 7.0.15 the same way: they need
//! a newer Redis or a server this harness does not start). A listed test that passes is
//! reported on stderr so the list can shrink.
//!
//! `.ci/run` downloads the source distribution from PyPI into
//! `~/.cache/emu/redis-py-8.2.0` (or set `EMU_REDIS_PY_SUITE`) and installs pytest and the
//! suite's imports. Without them the tests skip, or fail under `EMU_REQUIRE_EXTERNAL`.

#![cfg(all(feature = "cli", feature = "server"))]

#[path = "../server_util/mod.rs"]
mod server_util;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const SUITE_VAR: &str = "EMU_REDIS_PY_SUITE";
const INSTALL_SUITE: &str = "run .ci/run, which downloads redis-py 8.2.0's source distribution \
     to ~/.cache/emu/redis-py-8.2.0 and pip-installs pytest and the suite's imports (or set \
     EMU_REDIS_PY_SUITE to an unpacked redis-8.2.0 sdist)";

/// Modules left out: they need servers this harness does not start, or test only the
/// client library.
const IGNORED: &[&str] = &[
    "tests/test_asyncio/test_cluster.py",
    "tests/test_asyncio/test_cluster_transaction.py",
    "tests/test_asyncio/test_scenario",
    "tests/test_asyncio/test_multidb",
    "tests/test_asyncio/test_ssl.py",
    "tests/test_asyncio/test_connect.py",
    "tests/test_cluster.py",
    "tests/test_cluster_transaction.py",
    "tests/test_scenario",
    "tests/test_multidb",
    "tests/maint_notifications",
    "tests/test_multiprocessing.py",
    "tests/test_ssl.py",
    "tests/test_connect.py",
];

fn suite_tree() -> Option<PathBuf> {
    let python = server_util::tool("python3", INSTALL_SUITE)?;
    let tree = std::env::var_os(SUITE_VAR)
        .map(PathBuf::from)
        .or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            Some(cache.join("emu").join("redis-py-8.2.0"))
        })
        .filter(|t| t.join("tests/conftest.py").is_file() && t.join("redis").is_dir());
    let pytest = Command::new(&python)
        .args(["-c", "import pytest, pytest_timeout"])
        .output()
        .is_ok_and(|o| o.status.success());
    if tree.is_none() || !pytest {
        server_util::skip("redis-py's test suite with pytest", INSTALL_SUITE);
        return None;
    }
    tree
}

/// `known_failures.txt` entries for `protocol`: lines `protocols | test id | reason`, where
/// `protocols` is `2`, `3` or `2,3`.
fn known_failures(protocol: &str) -> BTreeSet<String> {
    include_str!("known_failures.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, '|').map(str::trim);
            let (protocols, test) = (parts.next()?, parts.next()?);
            assert!(
                parts.next().is_some_and(|why| !why.is_empty()),
                "known_failures.txt: every entry names its reason: {l}"
            );
            protocols
                .split(',')
                .any(|p| p.trim() == protocol)
                .then(|| test.to_string())
        })
        .collect()
}

/// The failed tests of pytest's `-rfE` summary (`FAILED id - message`, `ERROR id - …`),
/// and whether the run reached its final counts line.
fn parse(output: &str) -> (BTreeSet<String>, Option<String>) {
    let mut failed = BTreeSet::new();
    let mut summary = None;
    for line in output.lines() {
        let rest = line
            .strip_prefix("FAILED ")
            .or_else(|| line.strip_prefix("ERROR "));
        if let Some(rest) = rest {
            let id = rest.split_once(" - ").map_or(rest, |(id, _)| id);
            failed.insert(id.trim().to_string());
        } else if line.contains(" passed") && (line.contains(" in ") || line.starts_with('=')) {
            summary = Some(line.trim_matches(|c| c == '=' || c == ' ').to_string());
        }
    }
    (failed, summary)
}

/// One run at a time: some of the suite's tests listen on fixed ports (test_cwe_404's proxy
/// on 5380), so two runs at once fail each other's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_suite(protocol: &str) {
    let Some(tree) = suite_tree() else { return };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let emu = server_util::EmuServe::start(work.path());
    let mut cmd = Command::new("python3");
    cmd.current_dir(&tree)
        .args([
            "-m",
            "pytest",
            "tests",
            "-q",
            "-rfE",
            "-p",
            "no:cacheprovider",
        ])
        // No assertion rewriting and no tracebacks: CPython 3.11's AST parser can fail on
        // pytest's re-parse of a failing test's source (an INTERNALERROR ending the run);
        // the failures' names are all this harness reads.
        .args(["--assert=plain", "--tb=no", "--timeout", "60"])
        .args(["-m", "not onlycluster and not redismod"])
        .args(["--protocol", protocol])
        .arg(format!("--redis-url=redis://127.0.0.1:{}/0", emu.port))
        // The suite writes nothing into its tree but pytest's own files.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    for ignored in IGNORED {
        cmd.arg(format!("--ignore={ignored}"));
    }
    let output = cmd.output().expect("run pytest");
    drop(emu);
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let (failed, summary) = parse(&text);
    let emu_log = std::fs::read_to_string(work.path().join("emu.log")).unwrap_or_default();
    let Some(summary) = summary else {
        panic!(
            "RESP{protocol}: pytest did not finish\n--- output ---\n{text}\n--- emu ---\n{emu_log}"
        );
    };
    let known = known_failures(protocol);
    for stale in known.difference(&failed) {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "RESP{protocol}: known failure did not fail: {stale}"
        );
    }
    let unexpected: Vec<&String> = failed.difference(&known).collect();
    assert!(
        unexpected.is_empty(),
        "RESP{protocol}: {summary}; failures not in known_failures.txt:\n  {}\n--- output ---\n{text}",
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn redis_py_suite_resp2() {
    run_suite("2");
}

#[test]
fn redis_py_suite_resp3() {
    run_suite("3");
}

#[test]
fn parser_reads_pytests_summary() {
    let out = "..F.\n=== short test summary info ===\nFAILED tests/test_a.py::T::test_x - \
               AssertionError: boom\nERROR tests/test_b.py::test_y\n\
               1 failed, 3 passed, 1 error in 2.00s\n";
    let (failed, summary) = parse(out);
    assert_eq!(
        failed.into_iter().collect::<Vec<_>>(),
        ["tests/test_a.py::T::test_x", "tests/test_b.py::test_y"]
    );
    assert_eq!(
        summary.as_deref(),
        Some("1 failed, 3 passed, 1 error in 2.00s")
    );
}

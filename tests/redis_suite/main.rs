//! Redis 7.0.15's own test suite (`tests/unit/*.tcl` of Redis's source) run against `emu serve`,
//! each unit in one of the suite's two modes:
//!
//! - **external**: one fresh `emu serve` per unit, reached with `--host --port`; tests tagged
//!   `external:skip` do not run.
//! - **normal**: the suite starts its own servers as it does for Redis: the unit's copy of the
//!   tree has a `src/redis-server` that runs this build's `emu serve` with the suite's config
//!   file and `--name value` arguments (`src/redis-cli` and `src/redis-benchmark` are the ones
//!   on PATH). Every test runs, `external:skip` ones included, so a unit runs here when it
//!   works in this mode.
//!
//! Every test of each listed unit must pass, except the ones named for that mode in
//! `known_failures.txt` next to this file, each with the reason emu differs. A listed test
//! that now passes is reported on stderr so the list can shrink.
//!
//! The suite comes from Debian's `redis` source package; `.ci/run` downloads and unpacks it and
//! sets `EMU_REDIS_SUITE` to the tree (default `~/.cache/emu/redis-7.0.15`). Without the tree
//! or `tclsh` the tests skip, or fail under `EMU_REQUIRE_EXTERNAL`.

#![cfg(all(feature = "cli", feature = "server"))]

#[path = "../server_util/mod.rs"]
mod server_util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How the suite tree is found: this variable, else [`default_tree`].
const SUITE_VAR: &str = "EMU_REDIS_SUITE";
const INSTALL_SUITE: &str = "run .ci/run, which downloads Debian's redis 7.0.15 source package \
     and unpacks it to ~/.cache/emu/redis-7.0.15 (or set EMU_REDIS_SUITE to a Redis 7.0.15 tree)";

fn default_tree() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("emu").join("redis-7.0.15"))
}

/// The suite's tree, or `None` after `server_util::skip`.
fn suite_tree() -> Option<PathBuf> {
    server_util::tool("tclsh", "apt-get install tcl, or run .ci/run")?;
    let tree = std::env::var_os(SUITE_VAR)
        .map(PathBuf::from)
        .or_else(default_tree)
        .filter(|t| t.join("runtest").is_file() && t.join("tests/test_helper.tcl").is_file());
    if tree.is_none() {
        server_util::skip("Redis 7.0.15's test suite", INSTALL_SUITE);
    }
    tree
}

/// One failure as the suite reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Failure {
    /// `err`, `exception` or `timeout`.
    kind: &'static str,
    /// The test's name as the suite prints it.
    test: String,
    /// The suite's explanation (assertion, error text).
    detail: String,
}

/// The suite's two ways of reaching the server (see the module's documentation).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    External,
    Normal,
}

/// The known failures of `unit` in `mode`, from `known_failures.txt` lines
/// `mode | unit | test name | reason`: the tests expected to fail, and the ones passed to the
/// suite's `--skiptest` (mode `normal-skip`: they would end the unit with an exception).
fn known_failures(mode: Mode, unit: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut expected = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    for l in include_str!("known_failures.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let parts: Vec<&str> = l.splitn(4, '|').map(str::trim).collect();
        assert!(
            parts.len() == 4 && !parts[3].is_empty(),
            "known_failures.txt: every entry is `mode | unit | test | reason`: {l}"
        );
        let (list, m) = match parts[0] {
            "external" => (&mut expected, Mode::External),
            "normal" => (&mut expected, Mode::Normal),
            "normal-skip" => (&mut skipped, Mode::Normal),
            other => panic!("known_failures.txt: unknown mode '{other}': {l}"),
        };
        if m == mode && parts[1] == unit {
            list.insert(parts[2].to_string());
        }
    }
    (expected, skipped)
}

/// Removes ANSI colour sequences.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The name inside the first `test {NAME}` / `test "NAME"` of a traceback.
fn test_in_trace(lines: &[&str]) -> Option<String> {
    lines.iter().find_map(|l| {
        let rest = l.trim_start_matches('"').strip_prefix("test ")?;
        let (open, close) = match rest.chars().next()? {
            '{' => ('{', '}'),
            '"' => ('"', '"'),
            _ => return None,
        };
        let inner = rest.strip_prefix(open)?;
        Some(inner[..inner.find(close)?].to_string())
    })
}

/// Parses the suite's output: passed test names and failures.
fn parse(output: &str) -> (Vec<String>, Vec<Failure>, bool) {
    let lines: Vec<&str> = output.lines().collect();
    let mut passed = Vec::new();
    let mut failures = Vec::new();
    let mut finished = false;
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("[ok]: ") {
            let name = rest.rsplit_once(" (").map_or(rest, |(n, _)| n);
            passed.push(name.to_string());
        } else if let Some(rest) = line.strip_prefix("[err]: ") {
            let name = rest.rsplit_once(" in tests/").map_or(rest, |(n, _)| n);
            failures.push(Failure {
                kind: "err",
                test: name.to_string(),
                detail: lines.get(i + 1).unwrap_or(&"").to_string(),
            });
        } else if let Some(rest) = line.strip_prefix("[exception]: ") {
            // An exception ends the unit: the suite prints no summary after it.
            finished = true;
            failures.push(Failure {
                kind: "exception",
                test: test_in_trace(&lines[i..]).unwrap_or_else(|| "?".into()),
                detail: rest.to_string(),
            });
        } else if line.starts_with("[TIMEOUT]") {
            let test = lines[i..]
                .iter()
                .find_map(|l| l.split_once("(IN PROGRESS) ").map(|(_, t)| t.to_string()))
                .unwrap_or_else(|| "?".into());
            failures.push(Failure {
                kind: "timeout",
                test,
                detail: "the test did not finish in time".into(),
            });
        } else if line.contains("All tests passed without errors")
            || line.contains("The following tests failed")
        {
            finished = true;
        }
    }
    // The closing summary repeats each failure ("*** [err]: ..."): those lines do not start
    // with the marker, so they are not counted twice.
    (passed, failures, finished)
}

/// Copies what `runtest` needs (it writes under `tests/tmp`, so each unit gets its own copy);
/// in normal mode also `src/` with the programs the suite starts.
fn copy_tree(from: &Path, to: &Path, mode: Mode) -> Option<()> {
    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                if entry.file_name() != "tmp" {
                    copy_dir(&entry.path(), &target);
                }
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    copy_dir(&from.join("tests"), &to.join("tests"));
    std::fs::create_dir_all(to.join("tests/tmp")).unwrap();
    std::fs::copy(from.join("runtest"), to.join("runtest")).unwrap();
    if mode == Mode::Normal {
        use std::os::unix::fs::PermissionsExt as _;
        let src = to.join("src");
        std::fs::create_dir_all(&src).unwrap();
        for tool in ["redis-cli", "redis-benchmark"] {
            let path = server_util::tool(tool, "apt-get install redis-tools, or run .ci/run")?;
            std::os::unix::fs::symlink(path, src.join(tool)).unwrap();
        }
        let shim = src.join("redis-server");
        let emu = env!("CARGO_BIN_EXE_emu").replace('\'', "'\\''");
        std::fs::write(&shim, format!("#!/bin/sh\nexec '{emu}' serve \"$@\"\n")).unwrap();
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Some(())
}

/// Runs one unit of the suite in `mode` and checks the result against `known_failures.txt`.
/// `slot` spaces the suite's own ports between parallel units.
fn run_unit(mode: Mode, unit: &str, slot: u16) {
    let Some(tree) = suite_tree() else { return };
    let work = tempfile::tempdir().unwrap();
    if copy_tree(&tree, work.path(), mode).is_none() {
        return;
    }
    let (known, skipped) = known_failures(mode, unit);
    let mut cmd = Command::new("tclsh");
    cmd.current_dir(work.path())
        .args(["tests/test_helper.tcl", "--single", unit])
        .args(["--clients", "1", "--timeout", "300"]);
    let emu = match mode {
        Mode::External => {
            let emu = server_util::EmuServe::start(work.path());
            cmd.args(["--host", "127.0.0.1", "--port"])
                .arg(emu.port.to_string())
                .arg("--baseport")
                .arg((30000 + slot * 40).to_string());
            Some(emu)
        }
        Mode::Normal => {
            // The test server listens below the base port (32 ports), the servers it starts
            // on the 64 above and (cluster bus) 10000 higher: a range of its own per slot.
            cmd.arg("--baseport")
                .arg((12100 + slot * 100).to_string())
                .args(["--portcount", "64"]);
            for test in &skipped {
                cmd.arg("--skiptest").arg(test);
            }
            None
        }
    };
    let output = cmd.stdin(Stdio::null()).output().expect("run tclsh");
    drop(emu);
    let text = plain(&String::from_utf8_lossy(&output.stdout))
        + &plain(&String::from_utf8_lossy(&output.stderr));
    let (passed, failures, finished) = parse(&text);
    let emu_log = std::fs::read_to_string(work.path().join("emu.log")).unwrap_or_default();
    assert!(
        finished && (!passed.is_empty() || !failures.is_empty()),
        "{unit} ({mode:?}): the suite did not run to its summary\n--- output ---\n{text}\n--- emu ---\n{emu_log}"
    );
    let unexpected: Vec<&Failure> = failures
        .iter()
        .filter(|f| !known.contains(&f.test))
        .collect();
    let failed: BTreeSet<&str> = failures.iter().map(|f| f.test.as_str()).collect();
    for stale in known.iter().filter(|k| !failed.contains(k.as_str())) {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "{unit} ({mode:?}): known failure did not fail (passed or did not run): {stale}"
        );
    }
    assert!(
        unexpected.is_empty(),
        "{unit} ({mode:?}): {} passed, unexpected failures:\n{}\n--- output ---\n{text}",
        passed.len(),
        unexpected
            .iter()
            .map(|f| format!("  [{}] {}: {}", f.kind, f.test, f.detail))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

macro_rules! units {
    ($($slot:literal $mode:ident $name:ident $unit:literal,)*) => {
        $(
            #[test]
            fn $name() {
                run_unit(Mode::$mode, $unit, $slot);
            }
        )*
    };
}

// The units run (alphabetical), each in the mode CI uses for it: normal where it works (it
// runs the `external:skip` tests too), external where normal mode meets a missing feature
// early (AOF files, RDB child processes, CONFIG REWRITE) that external mode does not reach.
units! {
    1 Normal acl "unit/acl",
    2 Normal acl_v2 "unit/acl-v2",
    3 Normal auth "unit/auth",
    4 Normal bitfield "unit/bitfield",
    5 Normal bitops "unit/bitops",
    6 Normal dump "unit/dump",
    7 Normal expire "unit/expire",
    8 External functions "unit/functions",
    9 Normal geo "unit/geo",
    10 Normal hyperloglog "unit/hyperloglog",
    11 Normal info "unit/info",
    12 Normal info_command "unit/info-command",
    13 External introspection "unit/introspection",
    14 Normal introspection_2 "unit/introspection-2",
    15 Normal keyspace "unit/keyspace",
    16 Normal latency_monitor "unit/latency-monitor",
    17 External lazyfree "unit/lazyfree",
    18 Normal limits "unit/limits",
    19 Normal multi "unit/multi",
    20 Normal networking "unit/networking",
    21 Normal oom_score_adj "unit/oom-score-adj",
    22 Normal other "unit/other",
    23 Normal pause "unit/pause",
    24 Normal protocol "unit/protocol",
    25 Normal pubsub "unit/pubsub",
    26 External querybuf "unit/querybuf",
    27 Normal quit "unit/quit",
    28 External replybufsize "unit/replybufsize",
    29 Normal scan "unit/scan",
    30 External scripting "unit/scripting",
    31 Normal slowlog "unit/slowlog",
    32 Normal sort "unit/sort",
    33 Normal tracking "unit/tracking",
    34 Normal type_hash "unit/type/hash",
    35 Normal type_incr "unit/type/incr",
    36 Normal type_list "unit/type/list",
    37 Normal type_list_2 "unit/type/list-2",
    38 Normal type_list_3 "unit/type/list-3",
    39 Normal type_set "unit/type/set",
    40 Normal type_stream "unit/type/stream",
    41 Normal type_stream_cgroups "unit/type/stream-cgroups",
    42 Normal type_string "unit/type/string",
    43 Normal type_zset "unit/type/zset",
}

#[test]
fn parser_reads_the_suites_report() {
    let out = "[ok]: A test (1 ms)\n[err]: B test in tests/unit/x.tcl\nExpected 1 == 2\n\
               [exception]: Executing test client: ERR boom.\n    while executing\n\
               \"test {C test} {\n[TIMEOUT]: clients state report follows.\n\
               sock1 => (IN PROGRESS) D test\n!!! WARNING The following tests failed:\n\
               *** [err]: B test in tests/unit/x.tcl\n";
    let (passed, failures, finished) = parse(out);
    assert_eq!(passed, ["A test"]);
    let names: Vec<(&str, &str)> = failures.iter().map(|f| (f.kind, f.test.as_str())).collect();
    assert_eq!(
        names,
        [
            ("err", "B test"),
            ("exception", "C test"),
            ("timeout", "D test")
        ]
    );
    assert_eq!(failures[0].detail, "Expected 1 == 2");
    assert!(finished);
    assert_eq!(plain("\u{1b}[0;32;49mok\u{1b}[0m"), "ok");
}

//! RDB files: written by redis-server and loaded by emu, written by emu and loaded by
//! redis-server at start, corrupted at every byte.

use std::path::Path;
use std::process::Command;

use crate::common::rng::Rng;
use crate::resp::{bulk, one, R};
use crate::server_util::{start_real_redis_with, Raw};

const EMU: &str = env!("CARGO_BIN_EXE_emu");

fn s(x: impl ToString) -> Vec<u8> {
    x.to_string().into_bytes()
}

/// A random write load touching every type and both encodings of each, TTLs, two DBs.
fn random_commands(seed: u64, keys: usize) -> Vec<Vec<Vec<u8>>> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for db in [0u64, 3] {
        out.push(vec![s("SELECT"), s(db)]);
        for i in 0..keys {
            let key = s(format!("k{db}:{i}"));
            let big = rng.below(4) == 0;
            let n = if big {
                100 + rng.below(700)
            } else {
                1 + rng.below(20)
            };
            let elem = |rng: &mut Rng, j: u64| -> Vec<u8> {
                match rng.below(4) {
                    0 => s(rng.below(100_000) as i64 - 50_000),
                    1 => s(format!("member-{j}-{}", rng.below(1000))),
                    2 => vec![b'x'; (rng.below(90) + 1) as usize],
                    _ => s(j),
                }
            };
            let mut c = match rng.below(6) {
                0 => vec![s("SET"), key.clone(), elem(&mut rng, i as u64)],
                1 => {
                    let mut c = vec![s("RPUSH"), key.clone()];
                    for j in 0..n {
                        c.push(elem(&mut rng, j));
                    }
                    c
                }
                2 => {
                    let mut c = vec![s("SADD"), key.clone()];
                    let ints = rng.below(2) == 0;
                    for j in 0..n {
                        c.push(if ints { s(j * 3) } else { elem(&mut rng, j) });
                    }
                    c
                }
                3 => {
                    let mut c = vec![s("HSET"), key.clone()];
                    for j in 0..n {
                        c.push(s(format!("f{j}")));
                        c.push(elem(&mut rng, j));
                    }
                    c
                }
                4 => {
                    let mut c = vec![s("ZADD"), key.clone()];
                    for j in 0..n {
                        let score = match rng.below(3) {
                            0 => s(rng.below(1000)),
                            1 => s(format!("{}.5", rng.below(1000))),
                            _ => s(format!("-{}.125", rng.below(100))),
                        };
                        c.push(score);
                        c.push(s(format!("m{j}")));
                    }
                    c
                }
                _ => {
                    out.push(vec![
                        s("XADD"),
                        key.clone(),
                        s("1-1"),
                        s("a"),
                        elem(&mut rng, 1),
                    ]);
                    out.push(vec![s("XADD"), key.clone(), s("2-1"), s("b"), s("v")]);
                    vec![s("XGROUP"), s("CREATE"), key.clone(), s("g"), s("0")]
                }
            };
            if c.len() == 2 {
                c.push(s("x"));
            }
            out.push(c);
            if rng.below(3) == 0 {
                out.push(vec![
                    s("PEXPIREAT"),
                    key,
                    s(4_102_444_800_000u64 + rng.below(1_000_000)),
                ]);
            }
        }
    }
    out
}

fn refs(c: &[Vec<u8>]) -> Vec<&[u8]> {
    c.iter().map(|a| a.as_slice()).collect()
}

/// Every key of every database of a server: (db, key) sorted.
fn all_keys(c: &mut Raw) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    for db in 0..16u64 {
        c.cmd(&[b"SELECT", db.to_string().as_bytes()]);
        if let R::Arr(Some(ks)) = one(&c.cmd(&[b"KEYS", b"*"])) {
            for k in ks {
                if let R::Bulk(Some(k)) = k {
                    out.push((db, k));
                }
            }
        }
    }
    out.sort();
    out
}

/// Compares every key of `a` and `b`: same keys, same PEXPIRETIME, same encoding, and the
/// same DUMP bytes (or, for hash tables, the same contents).
fn same_dataset(a: &mut Raw, b: &mut Raw) -> usize {
    let ka = all_keys(a);
    assert_eq!(ka, all_keys(b), "key sets differ");
    for (db, k) in &ka {
        let d = db.to_string();
        a.cmd(&[b"SELECT", d.as_bytes()]);
        b.cmd(&[b"SELECT", d.as_bytes()]);
        let ctx = format!("db {db} key {}", String::from_utf8_lossy(k));
        assert_eq!(
            one(&a.cmd(&[b"PEXPIRETIME", k])),
            one(&b.cmd(&[b"PEXPIRETIME", k])),
            "{ctx}: PEXPIRETIME"
        );
        let enc = one(&a.cmd(&[b"OBJECT", b"ENCODING", k]));
        assert_eq!(
            enc,
            one(&b.cmd(&[b"OBJECT", b"ENCODING", k])),
            "{ctx}: encoding"
        );
        if enc == R::Bulk(Some(b"hashtable".to_vec())) {
            let t = one(&a.cmd(&[b"TYPE", k]));
            let cmd: &[&[u8]] = if t == R::Simple(b"set".to_vec()) {
                &[b"SMEMBERS", k]
            } else {
                &[b"HGETALL", k]
            };
            let sorted = |r: R| match r {
                R::Arr(Some(mut v)) => {
                    v.sort();
                    v
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(sorted(one(&a.cmd(cmd))), sorted(one(&b.cmd(cmd))), "{ctx}");
        } else {
            let da = bulk(&a.cmd(&[b"DUMP", k]));
            let db_ = bulk(&b.cmd(&[b"DUMP", k]));
            if one(&a.cmd(&[b"TYPE", k])) == R::Simple(b"stream".to_vec()) {
                // Consumer-group times come from the file on both sides: still exact.
            }
            assert_eq!(da, db_, "{ctx}: DUMP");
        }
    }
    ka.len()
}

/// An in-process server on the store persisted in `dir`.
fn serve_dir(dir: &Path) -> emu::server::Running {
    let r = emu::Redis::open(dir).expect("open data dir");
    emu::server::Server::new(r)
        .port(0)
        .start()
        .expect("server starts")
}

fn redis_cli_save(c: &mut Raw) {
    assert_eq!(c.cmd(&[b"SAVE"]), b"+OK\r\n");
}

#[test]
fn redis_rdb_loads_into_emu_with_identical_contents() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rdir = tmp.path().join("redis");
    std::fs::create_dir_all(&rdir).expect("mkdir");
    let rd = rdir.to_str().expect("utf8");
    let Some(real) = start_real_redis_with(
        "RDB from redis-server",
        &["--dir", rd, "--dbfilename", "dump.rdb"],
    ) else {
        return;
    };
    let mut c = Raw::connect(real.addr);
    for cmd in random_commands(7, 150) {
        c.cmd(&refs(&cmd));
    }
    redis_cli_save(&mut c);
    let edir = tmp.path().join("emu");
    let out = Command::new(EMU)
        .arg("load")
        .arg(&edir)
        .arg(rdir.join("dump.rdb"))
        .output()
        .expect("run emu load");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("loaded"));
    let srv = serve_dir(&edir);
    let mut e = Raw::connect(srv.addr().expect("addr"));
    let n = same_dataset(&mut c, &mut e);
    assert!(n >= 250, "{n} keys compared");
}

#[test]
fn emu_rdb_loads_into_redis_server_at_start() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let edir = tmp.path().join("emu");
    {
        let srv = serve_dir(&edir);
        let mut e = Raw::connect(srv.addr().expect("addr"));
        for cmd in random_commands(11, 150) {
            e.cmd(&refs(&cmd));
        }
    }
    let rdb = tmp.path().join("out.rdb");
    let out = Command::new(EMU)
        .arg("dump")
        .arg(&edir)
        .args(["--format", "rdb", "-o"])
        .arg(&rdb)
        .output()
        .expect("run emu dump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Not a terminal: one summary line on stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("emu: dump:"));
    let Some(real) = start_real_redis_with(
        "redis-server loading emu's RDB",
        &[
            "--dir",
            tmp.path().to_str().expect("utf8"),
            "--dbfilename",
            "out.rdb",
        ],
    ) else {
        return;
    };
    let mut c = Raw::connect(real.addr);
    // Loading happens before the port opens, but be sure.
    let srv = serve_dir(&edir);
    let mut e = Raw::connect(srv.addr().expect("addr"));
    let n = same_dataset(&mut e, &mut c);
    assert!(n >= 250, "{n} keys compared");
}

#[test]
fn emu_pull_takes_a_live_servers_dataset() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for diskless in ["no", "yes"] {
        let Some(real) = start_real_redis_with(
            "emu pull",
            &[
                // Disk-based replication writes the RDB into --dir: keep it in the tempdir.
                "--dir",
                tmp.path().to_str().expect("utf8"),
                "--requirepass",
                "s3cret",
                "--repl-diskless-sync",
                diskless,
                "--repl-diskless-sync-delay",
                "0",
            ],
        ) else {
            return;
        };
        let mut c = Raw::connect(real.addr);
        assert_eq!(c.cmd(&[b"AUTH", b"s3cret"]), b"+OK\r\n");
        for cmd in random_commands(23, 60) {
            c.cmd(&refs(&cmd));
        }
        let edir = tmp.path().join(format!("pulled-{diskless}"));
        let url = format!("redis://:s3cret@127.0.0.1:{}", real.addr.port());
        let out = Command::new(EMU)
            .arg("pull")
            .arg(&url)
            .arg(&edir)
            .output()
            .expect("run emu pull");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The server is still up and serving.
        assert_eq!(c.cmd(&[b"PING"]), b"+PONG\r\n");
        let srv = serve_dir(&edir);
        let mut e = Raw::connect(srv.addr().expect("addr"));
        let n = same_dataset(&mut c, &mut e);
        assert!(n >= 100, "{n} keys compared");
    }
}

fn small_rdb(dir: &Path) -> Option<Vec<u8>> {
    let real = start_real_redis_with(
        "RDB corruption",
        &[
            "--dir",
            dir.to_str().expect("utf8"),
            "--dbfilename",
            "small.rdb",
        ],
    )?;
    let mut c = Raw::connect(real.addr);
    for cmd in [
        &["SET", "s", "hello"][..],
        &["SET", "n", "12345"],
        &["SET", "z", &"abc".repeat(20)],
        &["RPUSH", "l", "a", "1", "b"],
        &["SADD", "is", "1", "2"],
        &["SADD", "hs", "a", "b"],
        &["HSET", "h", "f", "v"],
        &["ZADD", "zs", "1.5", "m", "2", "n"],
        &["XADD", "x", "1-1", "f", "v"],
        &["XGROUP", "CREATE", "x", "g", "0"],
        &["PEXPIREAT", "s", "4102444800000"],
    ] {
        let a: Vec<&[u8]> = cmd.iter().map(|w| w.as_bytes()).collect();
        c.cmd(&a);
    }
    redis_cli_save(&mut c);
    std::fs::read(dir.join("small.rdb")).ok()
}

#[test]
fn corruption_at_every_byte_is_detected_without_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(rdb) = small_rdb(tmp.path()) else {
        return;
    };
    let (store, _) = emu::persist::tools::parse_rdb(&rdb, &mut |_, _| {}).expect("loads");
    assert_eq!(store.total_keys(), 9);
    for i in 0..rdb.len() {
        for flip in [0xFFu8, 0x01, 0x80] {
            let mut bad = rdb.clone();
            bad[i] ^= flip;
            let r = emu::persist::tools::parse_rdb(&bad, &mut |_, _| {});
            assert!(r.is_err(), "flip {flip:#x} at {i} not detected");
        }
        let r = emu::persist::tools::parse_rdb(&rdb[..i], &mut |_, _| {});
        assert!(r.is_err(), "truncation at {i} not detected");
    }
    // Without a checksum (a zeroed CRC, as rdbchecksum no writes) the structure checks
    // alone must hold: no panic, whatever loads.
    let mut nocrc = rdb.clone();
    let n = nocrc.len();
    nocrc[n - 8..].fill(0);
    emu::persist::tools::parse_rdb(&nocrc, &mut |_, _| {}).expect("loads without CRC");
    let mut loaded = 0;
    for i in 9..n - 8 {
        for flip in [0xFFu8, 0x01, 0x80, 0x40] {
            let mut bad = nocrc.clone();
            bad[i] ^= flip;
            if emu::persist::tools::parse_rdb(&bad, &mut |_, _| {}).is_ok() {
                loaded += 1;
            }
        }
    }
    // Most flips break the structure; some (inside string bytes) cannot be told.
    assert!(loaded < (n - 17) * 4, "{loaded}");
}

/// Runs `emu ARGS` on a pseudo-terminal (util-linux `script`), returning what the terminal
/// showed; `None` when `script` is missing.
fn on_a_terminal(args: &[&str]) -> Option<String> {
    let script = crate::server_util::which("script")?;
    let line = std::iter::once(EMU)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(script)
        .args(["-qec", &line, "/dev/null"])
        .output()
        .expect("run script");
    assert!(out.status.success(), "{line}: {out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// On a terminal `emu dump --format rdb` and `emu load` draw a progress bar on stderr
/// (redrawn in place, cleared at the end) instead of the summary line they print when
/// stderr is not a terminal.
#[test]
fn progress_bars_on_a_terminal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("src");
    {
        let r = emu::Redis::open(&src).expect("open");
        for i in 0..2000 {
            r.set(format!("key:{i}"), i).expect("set");
        }
    }
    let rdb = tmp.path().join("out.rdb");
    let (s, o) = (src.to_str().expect("utf8"), rdb.to_str().expect("utf8"));
    let Some(shown) = on_a_terminal(&["dump", s, "--format", "rdb", "-o", o]) else {
        crate::server_util::skip("progress bars", "needs util-linux's script");
        return;
    };
    assert!(shown.contains("dump ["), "a bar: {shown:?}");
    assert!(shown.contains(" keys ("), "the bar's count: {shown:?}");
    assert!(shown.contains("\r\x1b[2K"), "redrawn in place: {shown:?}");
    assert!(!shown.contains("emu: dump:"), "no summary line: {shown:?}");
    let dst = tmp.path().join("dst");
    let d = dst.to_str().expect("utf8");
    let shown = on_a_terminal(&["load", d, o]).expect("script");
    assert!(shown.contains("load ["), "a bar: {shown:?}");
    assert!(shown.contains("\r\x1b[2K"), "redrawn in place: {shown:?}");
    assert!(!shown.contains("emu: load:"), "no summary line: {shown:?}");
    assert!(shown.contains("loaded 2000 keys"), "{shown:?}");
    // The same commands off a terminal: the summary line.
    let dst2 = tmp.path().join("dst2");
    let out = Command::new(EMU)
        .args(["load", dst2.to_str().expect("utf8"), o])
        .output()
        .expect("run emu load");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("emu: load:"));
}

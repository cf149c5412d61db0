//! The ACL file: `--aclfile` at startup, ACL SAVE / LOAD, and the errors naming the file
//! and line (compared with redis-server's).

use crate::server_util::{start_real_redis_with, start_with, Raw};

fn cmd(c: &mut Raw, args: &[&str]) -> String {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    String::from_utf8_lossy(&c.cmd(&argv)).into_owned()
}

#[test]
fn save_then_load_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.acl");
    std::fs::write(
        &path,
        "user alice on >a1 ~a:* &chan +@read -keys\nuser default on nopass ~* &* +@all\n",
    )
    .unwrap();
    let (_r, srv) = start_with(|s| s.aclfile(&path).expect("file loads"));
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(
        cmd(&mut c, &["ACL", "USERS"]),
        "*2\r\n$5\r\nalice\r\n$7\r\ndefault\r\n"
    );
    assert_eq!(cmd(&mut c, &["AUTH", "alice", "a1"]), "+OK\r\n");
    assert_eq!(
        cmd(&mut c, &["KEYS", "*"]),
        "-NOPERM this user has no permissions to run the 'keys' command\r\n"
    );
    assert_eq!(cmd(&mut c, &["AUTH", "default", "x"]), "+OK\r\n");
    let before = cmd(&mut c, &["ACL", "LIST"]);
    cmd(&mut c, &["ACL", "SETUSER", "bob", "on", ">b", "(+get ~b*)"]);
    assert_eq!(cmd(&mut c, &["ACL", "SAVE"]), "+OK\r\n");
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.starts_with("user alice on #"), "{saved}");
    assert!(saved.contains("user bob on #"), "{saved}");
    assert!(
        saved.contains(" (~b* resetchannels -@all +get)\n"),
        "{saved}"
    );
    let after_save = cmd(&mut c, &["ACL", "LIST"]);
    cmd(&mut c, &["ACL", "DELUSER", "bob"]);
    assert_eq!(cmd(&mut c, &["ACL", "LOAD"]), "+OK\r\n");
    assert_eq!(cmd(&mut c, &["ACL", "LIST"]), after_save);
    assert_ne!(before, after_save);
    // CONFIG GET aclfile names it; it cannot be set at run time.
    assert!(cmd(&mut c, &["CONFIG", "GET", "aclfile"]).contains("users.acl"));
    assert!(cmd(&mut c, &["CONFIG", "SET", "aclfile", "x"]).starts_with("-ERR CONFIG SET failed"));
}

#[test]
fn bad_files_are_refused_like_redis() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.acl");
    let good = "user default on nopass ~* &* +@all\n";
    std::fs::write(&path, good).unwrap();
    let p = path.to_str().unwrap().to_string();
    let Some(real) = start_real_redis_with("acl file", &["--aclfile", &p]) else {
        return;
    };
    let (_r, srv) = start_with(|s| s.aclfile(&path).expect("file loads"));
    let mut e = Raw::connect(srv.addr().unwrap());
    let mut g = Raw::connect(real.addr);
    for bad in [
        "user alice on +nosuch\n",
        "user default on nopass ~* &* +@all\n\nuser bob on >x ~* +@all ~a\n",
        "# a comment\n",
        "user\n",
        "user alice on\nuser alice off\n",
        "user alice (+get ~x\n",
        "user carol on #abc\n",
        "user dave on +get\nusr eve\nuser frank +@nosuch\n",
    ] {
        std::fs::write(&path, bad).unwrap();
        let (a, b) = (cmd(&mut e, &["ACL", "LOAD"]), cmd(&mut g, &["ACL", "LOAD"]));
        assert_eq!(a, b, "{bad:?}");
        assert!(a.starts_with("-ERR "), "{a}");
        // Nothing changed.
        assert_eq!(cmd(&mut e, &["ACL", "USERS"]), "*1\r\n$7\r\ndefault\r\n");
    }
    std::fs::remove_file(&path).unwrap();
    assert_eq!(cmd(&mut e, &["ACL", "LOAD"]), cmd(&mut g, &["ACL", "LOAD"]));
}

#[test]
fn startup_error_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.acl");
    std::fs::write(&path, "user ok on\nuser x on +nosuch\n").unwrap();
    let redis = emu::Redis::new();
    let e = emu::server::Server::new(redis)
        .port(0)
        .aclfile(&path)
        .err()
        .expect("refused");
    assert_eq!(
        e,
        format!(
            "{}:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
            path.display()
        )
    );
}

/// `emu serve` with `args` on a free port, killed when dropped.
#[cfg(feature = "cli")]
struct EmuServe(std::process::Child);

#[cfg(feature = "cli")]
impl Drop for EmuServe {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(feature = "cli")]
fn emu_serve(args: &[&str]) -> (EmuServe, std::net::SocketAddr) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_emu"))
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn emu");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.rsplit(' ').next().unwrap().parse().unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    (EmuServe(child), addr)
}

/// `user` lines of the configuration (here `--user`, as the suite's config files) and an
/// ACL file named relative to `dir` (Redis runs in its `dir`): the same users as
/// redis-server's, and a user defined twice is refused at start by both.
#[cfg(feature = "cli")]
#[test]
fn config_users_and_relative_aclfile_as_redis() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("u.acl"),
        "user alice on allcommands allkeys &* >alice\nuser default on nopass ~* +@all\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let users: &[&str] = &[
        "--user", "default", "on", "nopass", "~*", "+@all", "-flushdb", "--user", "bob", "on",
        ">x", "~k*", "+get",
    ];
    let file: &[&str] = &["--dir", d, "--aclfile", "u.acl"];
    for args in [users, file] {
        let Some(real) = start_real_redis_with("config users", args) else {
            return;
        };
        let (_emu, addr) = emu_serve(args);
        let mut e = Raw::connect(addr);
        let mut r = Raw::connect(real.addr);
        for line in [&["ACL", "LIST"][..], &["FLUSHDB"], &["SUBSCRIBE", "c"]] {
            assert_eq!(cmd(&mut e, line), cmd(&mut r, line), "{args:?}: {line:?}");
        }
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emu"))
        .args(["serve", "--port", "0", "--user", "foo", "--user", "foo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "Error in user declaration 'foo': Duplicate user found. A user can only be defined once in config files"
    ));
}

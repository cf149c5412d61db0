//! Users over `emu serve`: AUTH and HELLO, `default` and requirepass, connections of a
//! deleted user, CLIENT LIST / KILL by user.

use crate::server_util::{start, start_real_redis, start_with, Raw};

fn cmd(c: &mut Raw, args: &[&str]) -> String {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    String::from_utf8_lossy(&c.cmd(&argv)).into_owned()
}

#[test]
fn requirepass_is_the_default_users_password() {
    let (_r, srv) = start_with(|s| s.requirepass("pw"));
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(
        cmd(&mut c, &["GET", "k"]),
        "-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(
        cmd(&mut c, &["AUTH", "default", "nope"]),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(cmd(&mut c, &["AUTH", "default", "pw"]), "+OK\r\n");
    assert_eq!(cmd(&mut c, &["ACL", "WHOAMI"]), "$7\r\ndefault\r\n");
    // A second user, then requirepass changed at run time: default's password follows.
    cmd(
        &mut c,
        &["ACL", "SETUSER", "ann", "on", ">a", "+@all", "~*"],
    );
    cmd(&mut c, &["CONFIG", "SET", "requirepass", "pw2"]);
    let mut d = Raw::connect(srv.addr().unwrap());
    assert_eq!(
        cmd(&mut d, &["AUTH", "pw"]),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(cmd(&mut d, &["AUTH", "pw2"]), "+OK\r\n");
    let mut e = Raw::connect(srv.addr().unwrap());
    assert!(cmd(&mut e, &["HELLO", "3", "AUTH", "ann", "a"]).starts_with("%7\r\n"));
    assert_eq!(cmd(&mut e, &["ACL", "WHOAMI"]), "$3\r\nann\r\n");
    assert!(cmd(&mut e, &["CLIENT", "INFO"]).contains(" user=ann "));
    // RESET: back to an unauthenticated default.
    assert_eq!(cmd(&mut e, &["RESET"]), "+RESET\r\n");
    assert_eq!(
        cmd(&mut e, &["ACL", "WHOAMI"]),
        "-NOAUTH Authentication required.\r\n"
    );
    // Without a password, everyone is default at once; AUTH <pw> alone is refused.
    cmd(&mut c, &["CONFIG", "SET", "requirepass", ""]);
    let mut f = Raw::connect(srv.addr().unwrap());
    assert_eq!(cmd(&mut f, &["ACL", "WHOAMI"]), "$7\r\ndefault\r\n");
    assert_eq!(
        cmd(&mut f, &["AUTH", "x"]),
        "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
    );
}

#[test]
fn deleting_a_user_closes_its_connections() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut admin = Raw::connect(addr);
    cmd(
        &mut admin,
        &["ACL", "SETUSER", "tmp", "on", "nopass", "+@all", "~*"],
    );
    let mut c = Raw::connect(addr);
    assert_eq!(cmd(&mut c, &["AUTH", "tmp", "x"]), "+OK\r\n");
    assert_eq!(cmd(&mut c, &["PING"]), "+PONG\r\n");
    let list = cmd(&mut admin, &["CLIENT", "LIST"]);
    assert!(list.contains(" user=tmp "), "{list}");
    assert_eq!(
        cmd(&mut admin, &["CLIENT", "KILL", "USER", "nosuch"]),
        "-ERR No such user 'nosuch'\r\n"
    );
    // Turning the user off keeps its connections (Redis: only new AUTHs fail).
    cmd(&mut admin, &["ACL", "SETUSER", "tmp", "off"]);
    assert_eq!(cmd(&mut c, &["PING"]), "+PONG\r\n");
    assert_eq!(cmd(&mut admin, &["ACL", "DELUSER", "tmp"]), ":1\r\n");
    assert!(c.closed(), "the connection of a deleted user is closed");
    // A user deleting itself gets its reply, then the connection closes.
    cmd(
        &mut admin,
        &["ACL", "SETUSER", "me", "on", "nopass", "+@all", "~*"],
    );
    let mut m = Raw::connect(addr);
    cmd(&mut m, &["AUTH", "me", "x"]);
    assert_eq!(cmd(&mut m, &["ACL", "DELUSER", "me"]), ":1\r\n");
    assert!(m.closed());
}

#[test]
fn client_kill_user_matches_redis() {
    let Some(real) = start_real_redis("acl client kill") else {
        return;
    };
    let (_r, srv) = start();
    for addr in [srv.addr().unwrap(), real.addr] {
        let mut admin = Raw::connect(addr);
        cmd(
            &mut admin,
            &["ACL", "SETUSER", "k", "on", "nopass", "+@all", "~*"],
        );
        let mut a = Raw::connect(addr);
        let mut b = Raw::connect(addr);
        cmd(&mut a, &["AUTH", "k", "x"]);
        cmd(&mut b, &["AUTH", "k", "x"]);
        assert_eq!(
            cmd(&mut admin, &["CLIENT", "KILL", "USER", "k"]),
            ":2\r\n",
            "{addr}"
        );
        assert!(a.closed() && b.closed());
    }
}

fn run_redis_py(proto: &str) {
    let (_r, srv) = start();
    let port = srv.addr().unwrap().port();
    let Some(out) = crate::server_util::run_redis_py("acl_redis_py.py", port, proto) else {
        return;
    };
    assert_eq!(out, format!("acl ok {proto}"));
}

#[test]
fn redis_py_acl_helpers_resp2() {
    run_redis_py("2");
}

#[test]
fn redis_py_acl_helpers_resp3() {
    run_redis_py("3");
}

/// Revoking channels closes the user's subscribers that hold a subscription the new
/// patterns do not allow (Redis `ACLKillPubsubClientsIfNeeded`); same on redis-server.
#[test]
fn revoked_channels_close_subscribers_like_redis() {
    let Some(real) = start_real_redis("acl pubsub kill") else {
        return;
    };
    let (_r, srv) = start();
    for addr in [srv.addr().unwrap(), real.addr] {
        let mut admin = Raw::connect(addr);
        cmd(
            &mut admin,
            &[
                "ACL", "SETUSER", "sub", "on", "nopass", "+@all", "~*", "&ch1", "&ch2", "&n*",
            ],
        );
        let mut a = Raw::connect(addr);
        let mut b = Raw::connect(addr);
        let mut p = Raw::connect(addr);
        for c in [&mut a, &mut b, &mut p] {
            assert_eq!(cmd(c, &["AUTH", "sub", "x"]), "+OK\r\n");
        }
        cmd(&mut a, &["SUBSCRIBE", "ch1"]);
        cmd(&mut b, &["SUBSCRIBE", "ch2", "news"]);
        cmd(&mut p, &["PSUBSCRIBE", "n*"]);
        // Adding a pattern kills nobody.
        cmd(&mut admin, &["ACL", "SETUSER", "sub", "&more"]);
        // (still open: nothing, not even EOF, within 300 ms)
        assert!(a.silent(300) && b.silent(300) && p.silent(300), "{addr}");
        // Dropping ch1: only the ch1 subscriber goes.
        assert_eq!(
            cmd(
                &mut admin,
                &["ACL", "SETUSER", "sub", "resetchannels", "&ch2", "&n*"]
            ),
            "+OK\r\n"
        );
        assert!(a.closed(), "{addr}: ch1 subscriber closed");
        assert!(b.silent(300) && p.silent(300), "{addr}");
        // Replacing the pattern n* by news: the literal pattern subscriber goes, the
        // channel subscriber to news stays.
        cmd(
            &mut admin,
            &["ACL", "SETUSER", "sub", "resetchannels", "&ch2", "&news"],
        );
        assert!(p.closed(), "{addr}: n* pattern subscriber closed");
        assert!(b.silent(300), "{addr}");
    }
}

/// Settings of the ACL subsystem that Redis acts on, side by side with redis-server:
/// `acllog-max-len` trims the ACL LOG when an entry is added; `acl-pubsub-default
/// allchannels` gives new users, new selectors and `reset` all channels; revoking
/// `allchannels` closes the user's subscribers (Redis's own suite: unit/acl).
#[test]
fn acllog_max_len_pubsub_default_and_revoked_allchannels_match_redis() {
    let Some(real) = start_real_redis("acl settings") else {
        return;
    };
    let (_r, srv) = start();
    let mut transcripts = Vec::new();
    for addr in [srv.addr().unwrap(), real.addr] {
        let mut out = Vec::new();
        let mut admin = Raw::connect(addr);
        let mut user = Raw::connect(addr);
        cmd(
            &mut admin,
            &[
                "ACL", "SETUSER", "antirez", "on", ">foo", "~nothing", "+set",
            ],
        );
        cmd(&mut admin, &["CONFIG", "SET", "acllog-max-len", "5"]);
        cmd(&mut user, &["AUTH", "antirez", "foo"]);
        for j in 0..10 {
            cmd(&mut user, &["SET", &format!("obj:{j}"), "1"]);
        }
        let len = |admin: &mut Raw| cmd(admin, &["EVAL", "return #redis.call('ACL','LOG')", "0"]);
        out.push(len(&mut admin));
        cmd(&mut admin, &["CONFIG", "SET", "acllog-max-len", "2"]);
        out.push(len(&mut admin));
        cmd(&mut user, &["SET", "obj:new", "1"]);
        out.push(len(&mut admin));

        cmd(
            &mut admin,
            &["CONFIG", "SET", "acl-pubsub-default", "allchannels"],
        );
        cmd(&mut admin, &["ACL", "SETUSER", "fresh", "(+get ~k)"]);
        out.push(cmd(&mut admin, &["ACL", "LIST"]));
        cmd(&mut admin, &["ACL", "SETUSER", "fresh", "reset", "&only"]);
        cmd(&mut admin, &["ACL", "SETUSER", "old", "resetchannels"]);
        cmd(
            &mut admin,
            &["CONFIG", "SET", "acl-pubsub-default", "resetchannels"],
        );
        cmd(&mut admin, &["ACL", "SETUSER", "later", "reset"]);
        out.push(cmd(&mut admin, &["ACL", "LIST"]));

        cmd(
            &mut admin,
            &[
                "ACL",
                "SETUSER",
                "psuser",
                "on",
                "nopass",
                "+@all",
                "allchannels",
            ],
        );
        let mut sub = Raw::connect(addr);
        cmd(&mut sub, &["AUTH", "psuser", "x"]);
        cmd(&mut sub, &["PSUBSCRIBE", "foo"]);
        cmd(&mut admin, &["ACL", "SETUSER", "psuser", "resetchannels"]);
        out.push(format!("closed: {}", sub.closed()));
        transcripts.push(out);
    }
    assert_eq!(transcripts[0], transcripts[1]);
}

/// BITFIELD with only GET/OVERFLOW needs read access to its key (Redis `bitfieldGetKeys`);
/// any SET/INCRBY, or a malformed tail, needs write access. ACL DRYRUN and the calls
/// themselves, side by side with redis-server (Redis's own suite: unit/acl-v2).
#[test]
fn bitfield_key_access_follows_its_subcommands_like_redis() {
    let Some(real) = start_real_redis("acl bitfield") else {
        return;
    };
    let (_r, srv) = start();
    let calls: [&[&str]; 7] = [
        &["BITFIELD", "read"],
        &["BITFIELD", "read", "GET", "u4", "0"],
        &[
            "BITFIELD", "read", "OVERFLOW", "SAT", "get", "i8", "8", "GET", "u4", "0",
        ],
        &["BITFIELD", "read", "GET", "u4", "0", "SET", "u4", "0", "1"],
        &["BITFIELD", "read", "INCRBY", "u4", "0", "1"],
        &["BITFIELD", "read", "GET", "u4"],
        &["BITFIELD", "write", "GET", "u4", "0"],
    ];
    let mut transcripts = Vec::new();
    for addr in [srv.addr().unwrap(), real.addr] {
        let mut out = Vec::new();
        let mut admin = Raw::connect(addr);
        cmd(
            &mut admin,
            &[
                "ACL",
                "SETUSER",
                "bf",
                "on",
                "nopass",
                "+@all",
                "%R~read*",
                "%W~write*",
            ],
        );
        let mut user = Raw::connect(addr);
        cmd(&mut user, &["AUTH", "bf", "x"]);
        for call in calls {
            let mut dry = vec!["ACL", "DRYRUN", "bf"];
            dry.extend_from_slice(call);
            out.push(cmd(&mut admin, &dry));
            out.push(cmd(&mut user, call));
        }
        transcripts.push(out);
    }
    assert_eq!(transcripts[0], transcripts[1]);
}

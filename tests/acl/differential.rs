//! emu against a real redis-server 7.0: the same ACL commands to both, replies compared.

use std::net::SocketAddr;

use crate::server_util::{start, start_real_redis, Raw};
use crate::R;

/// A small deterministic generator (xorshift), so a failure names a reproducible seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Rules, valid and not, over commands both servers have.
const RULES: &[&str] = &[
    "on",
    "off",
    "nopass",
    "resetpass",
    ">p1",
    ">p2",
    "<p1",
    "<nosuch",
    "#6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
    "!6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
    "#abc",
    "~k*",
    "~*",
    "%R~r*",
    "%W~w*",
    "%RW~x*",
    "%X~y",
    "%R~k*",
    "allkeys",
    "resetkeys",
    "&ch*",
    "&*",
    "allchannels",
    "resetchannels",
    "&news",
    "+get",
    "-get",
    "+set",
    "-set",
    "+del",
    "+lmove",
    "+mget",
    "+publish",
    "+subscribe",
    "+psubscribe",
    "+config|get",
    "-config|get",
    "+config|set",
    "+config",
    "-config",
    "+config|nosuch",
    "+select|0",
    "+get|x",
    "+config|get|x",
    "+client|list",
    "+@read",
    "-@write",
    "+@string",
    "-@string",
    "-@dangerous",
    "+@admin",
    "+@pubsub",
    "+@keyspace",
    "-@keyspace",
    "+@list",
    "+@nosuch",
    "-@all",
    "+@all",
    "allcommands",
    "nocommands",
    "reset",
    "clearselectors",
    "(+get ~k*)",
    "(+@write %W~w*)",
    "(+publish &ch*)",
    "(+set ~*)",
    "(-@all +del)",
    "(~x",
    "bogus",
    "-nosuchcmd",
    "+nosuchcmd",
    "sanitize-payload",
    "skip-sanitize-payload",
];

/// Calls whose ACL DRYRUN verdict must agree.
const PROBES: &[&str] = &[
    "get k1",
    "get r1",
    "get w1",
    "get x1",
    "set k1 v",
    "set w1 v",
    "set r1 v",
    "set w1 v get",
    "set x1 v get",
    "del k1",
    "del x1",
    "lmove r1 w1 left left",
    "lmove w1 k1 left left",
    "mget k1 r1",
    "mget k1 w1",
    "publish ch1 m",
    "publish news m",
    "publish zz m",
    "subscribe ch1 news",
    "subscribe zz",
    "psubscribe ch*",
    "psubscribe c*",
    "config get maxmemory",
    "config set maxmemory 0",
    "select 0",
    "select 1",
    "ping",
    "flushall",
    "keys *",
    "info",
    "acl whoami",
    "acl setuser x",
    "client list",
    "client id",
    "hset k1 f v",
    "zadd k2 1 m",
    "incr k1",
    "exists k1 r1",
    "ttl x1",
    "getex k1",
    "eval x 1 k1",
    "multi",
    "exec",
];

fn conn(addr: SocketAddr) -> Raw {
    Raw::connect(addr)
}

fn cmd(c: &mut Raw, args: &[&str]) -> Vec<u8> {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    c.cmd(&argv)
}

/// The GETUSER reply with each "commands" field replaced by a marker (compared separately,
/// by what it permits).
fn without_commands(r: &R) -> R {
    match r {
        R::Arr(items) => {
            let mut out = Vec::new();
            let mut i = 0;
            while i < items.len() {
                if items[i] == R::Str(b"commands".to_vec()) && i + 1 < items.len() {
                    out.push(items[i].clone());
                    out.push(R::Str(b"<commands>".to_vec()));
                    i += 2;
                } else {
                    out.push(without_commands(&items[i]));
                    i += 1;
                }
            }
            R::Arr(out)
        }
        other => other.clone(),
    }
}

fn dryrun(c: &mut Raw, user: &str, probe: &str) -> Vec<u8> {
    let mut args = vec!["ACL", "DRYRUN", user];
    args.extend(probe.split(' '));
    cmd(c, &args)
}

#[test]
fn random_setuser_sequences_match_redis() {
    let Some(real) = start_real_redis("acl differential") else {
        return;
    };
    let (_r, srv) = start();
    let mut e = conn(srv.addr().unwrap());
    let mut g = conn(real.addr);
    let mut gen = Gen(0x5eed_ac10_9e37_79b9);
    for round in 0..120 {
        let user = format!("u{}", round % 7);
        let n = 1 + gen.next() % 6;
        let mut args = vec!["ACL".to_string(), "SETUSER".into(), user.clone()];
        for _ in 0..n {
            args.push(gen.pick(RULES).to_string());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (a, b) = (cmd(&mut e, &argv), cmd(&mut g, &argv));
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "round {round}: {argv:?}"
        );
        let get = ["ACL", "GETUSER", user.as_str()];
        let (ga, gb) = (R::parse(&cmd(&mut e, &get)), R::parse(&cmd(&mut g, &get)));
        assert_eq!(
            without_commands(&ga),
            without_commands(&gb),
            "round {round}: GETUSER after {argv:?}"
        );
        for probe in PROBES {
            let (da, db) = (dryrun(&mut e, &user, probe), dryrun(&mut g, &user, probe));
            assert_eq!(
                String::from_utf8_lossy(&da),
                String::from_utf8_lossy(&db),
                "round {round}: DRYRUN {probe} after {argv:?}"
            );
        }
        // emu's description is exact: the rules it shows give back the same permissions.
        let listed = R::parse(&cmd(&mut e, &["ACL", "LIST"]));
        let R::Arr(lines) = listed else { panic!() };
        // The user does not exist when its first SETUSER failed.
        let Some(line) = lines
            .iter()
            .map(R::text)
            .find(|l| l.starts_with(&format!("user {user} ")))
        else {
            assert_eq!(gb, R::Nil);
            continue;
        };
        let mut copy = vec!["ACL", "SETUSER", "copy", "reset"];
        copy.extend(line.split(' ').skip(2));
        let merged = cmd(&mut e, &copy);
        assert_eq!(merged, b"+OK\r\n", "{line}");
        for probe in PROBES {
            assert_eq!(
                dryrun(&mut e, &user, probe),
                dryrun(&mut e, "copy", probe),
                "round {round}: {line} does not describe {user} ({probe})"
            );
        }
    }
    // ACL USERS and the non-command parts of ACL LIST agree too (copy exists only on emu).
    cmd(&mut e, &["ACL", "DELUSER", "copy"]);
    assert_eq!(
        cmd(&mut e, &["ACL", "USERS"]),
        cmd(&mut g, &["ACL", "USERS"])
    );
}

/// Fixed scenarios, byte for byte: errors of ACL subcommands, NOPERM texts, MULTI/EXEC,
/// scripts, AUTH.
#[test]
fn fixed_scenarios_match_redis() {
    let Some(real) = start_real_redis("acl differential") else {
        return;
    };
    let (_r, srv) = start();
    let script: &[&[&str]] = &[
        &[
            "ACL",
            "SETUSER",
            "u",
            "on",
            ">pw",
            "~k*",
            "&ch",
            "+get",
            "+set",
            "+multi",
            "+exec",
            "+eval",
            "+publish",
            "+evalsha",
            "+acl|whoami",
        ],
        &["ACL", "SETUSER", "bad name"],
        &["ACL", "SETUSER", "u", "(+get", "~x"],
        &["ACL", "SETUSER", "u", "(+get"],
        &["ACL", "GETUSER", "nosuch"],
        &["ACL", "DELUSER", "default"],
        &["ACL", "DELUSER", "nosuch"],
        &["ACL", "DRYRUN", "nosuch", "get", "x"],
        &["ACL", "DRYRUN", "u", "nosuchcmd"],
        &["ACL", "DRYRUN", "u", "config", "nosuchsub"],
        // Read/write key selectors: SORT's STORE destination is written, MEMORY USAGE
        // names a key, and a call of the wrong arity is refused as such.
        &[
            "ACL",
            "SETUSER",
            "rw",
            "on",
            "+@all",
            "%R~read*",
            "%W~write*",
            "%RW~rw*",
        ],
        &["ACL", "DRYRUN", "rw", "SORT", "read", "STORE", "write"],
        &["ACL", "DRYRUN", "rw", "SORT", "read", "STORE", "read"],
        &["ACL", "DRYRUN", "rw", "SORT", "write", "STORE", "write"],
        &["ACL", "DRYRUN", "rw", "MEMORY", "USAGE", "read"],
        &["ACL", "DRYRUN", "rw", "MEMORY", "USAGE", "nothing"],
        &["ACL", "DRYRUN", "rw", "MEMORY", "STATS"],
        &["ACL", "DRYRUN", "rw", "SET", "rw"],
        &["ACL", "DRYRUN", "rw", "SET"],
        &["ACL", "DRYRUN", "rw", "GET", "rw", "x"],
        &["COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"],
        &["ACL", "CAT", "nosuch"],
        &["ACL", "CAT", "a", "b"],
        &["ACL", "GENPASS", "0"],
        &["ACL", "GENPASS", "x"],
        &["ACL", "GENPASS", "5000"],
        &["ACL", "LOG", "x"],
        &["ACL", "LOG", "RESET"],
        &["ACL", "LOAD"],
        &["ACL", "SAVE"],
        &["ACL", "NOSUCH"],
        &["ACL", "HELP"],
        &["ACL", "WHOAMI"],
        &["ACL", "USERS"],
        &["AUTH", "pw"],
        &["AUTH", "u", "wrong"],
        &["AUTH", "nosuch", "pw"],
        &["AUTH", "u", "pw"],
        &["ACL", "WHOAMI"],
        &["GET", "k1"],
        &["GET", "x"],
        &["DEL", "k1"],
        &["PUBLISH", "ch", "m"],
        &["PUBLISH", "other", "m"],
        &["MULTI"],
        &["GET", "k1"],
        &["GET", "zzz"],
        &["EXEC"],
        &["MULTI"],
        &["DEL", "k"],
        &["EXEC"],
        &["MULTI"],
        &["SAVE"],
        &["EXEC"],
        &["EVAL", "return redis.call('del','k1')", "0"],
        &["EVAL", "return redis.call('get','zz')", "0"],
        &["EVAL", "return redis.pcall('get','zz')", "0"],
        &["EVAL", "return redis.call('get','k1')", "0"],
        &["EVAL", "return redis.call('publish','nope','m')", "0"],
        &["CONFIG", "GET", "maxmemory"],
        &["HELLO", "2", "AUTH", "u", "wrong"],
        &["HELLO", "2", "AUTH", "default", "x"],
        &["ACL", "WHOAMI"],
    ];
    let mut e = conn(srv.addr().unwrap());
    let mut g = conn(real.addr);
    for args in script {
        let (mut a, mut b) = (cmd(&mut e, args), cmd(&mut g, args));
        if args[0] == "HELLO" && a.starts_with(b"*") {
            // The client id differs; everything else must not.
            let mask = |r: &[u8]| {
                let R::Arr(mut v) = R::parse(r) else { panic!() };
                v[7] = R::Int(0);
                format!("{v:?}").into_bytes()
            };
            (a, b) = (mask(&a), mask(&b));
        }
        // EVAL error texts carry the script's sha and line; both sides compute them alike.
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "{args:?}"
        );
    }
    // The ACL LOG: same entries, same fields; age and client-info compared by shape.
    let mut admin_e = conn(srv.addr().unwrap());
    let mut admin_g = conn(real.addr);
    let (la, lb) = (
        R::parse(&cmd(&mut admin_e, &["ACL", "LOG"])),
        R::parse(&cmd(&mut admin_g, &["ACL", "LOG"])),
    );
    let (R::Arr(la), R::Arr(lb)) = (la, lb) else {
        panic!("ACL LOG is an array")
    };
    assert_eq!(la.len(), lb.len(), "{la:?}\n{lb:?}");
    assert!(!la.is_empty());
    for (x, y) in la.iter().zip(&lb) {
        for f in ["count", "reason", "context", "object", "username"] {
            assert_eq!(x.field(f), y.field(f), "{f}: {x:?} / {y:?}");
        }
        let age: f64 = x.field("age-seconds").text().parse().unwrap();
        assert!((0.0..60.0).contains(&age));
        let (ci, cg) = (x.field("client-info").text(), y.field("client-info").text());
        let keys = |s: &str| -> Vec<String> {
            s.split(' ')
                .map(|kv| kv.split('=').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(keys(&ci), keys(&cg));
        let user_of = |s: &str| {
            s.split(' ')
                .find(|kv| kv.starts_with("user="))
                .map(str::to_string)
        };
        assert_eq!(user_of(&ci), user_of(&cg));
        let R::Arr(fields) = x else { panic!() };
        let R::Arr(gfields) = y else { panic!() };
        let names = |v: &Vec<R>| v.iter().step_by(2).cloned().collect::<Vec<_>>();
        assert_eq!(names(fields), names(gfields));
    }
    // ACL LOG count and RESET.
    assert!(
        cmd(&mut admin_e, &["ACL", "LOG", "1"]).len() < cmd(&mut admin_e, &["ACL", "LOG"]).len()
    );
    assert_eq!(cmd(&mut admin_e, &["ACL", "LOG", "RESET"]), b"+OK\r\n");
    assert_eq!(cmd(&mut admin_e, &["ACL", "LOG"]), b"*0\r\n");
}

/// The queued command's permission is checked again at EXEC (rules changed meanwhile).
#[test]
fn exec_rechecks_permissions_like_redis() {
    let Some(real) = start_real_redis("acl differential") else {
        return;
    };
    let (_r, srv) = start();
    for addr in [srv.addr().unwrap(), real.addr] {
        let mut admin = conn(addr);
        let mut c = conn(addr);
        cmd(
            &mut admin,
            &[
                "ACL", "SETUSER", "w", "on", "nopass", "~*", "+get", "+set", "+multi", "+exec",
            ],
        );
        cmd(&mut c, &["AUTH", "w", "x"]);
        cmd(&mut c, &["MULTI"]);
        cmd(&mut c, &["GET", "k"]);
        cmd(&mut c, &["SET", "k", "v"]);
        cmd(&mut admin, &["ACL", "SETUSER", "w", "-get"]);
        let r = String::from_utf8_lossy(&cmd(&mut c, &["EXEC"])).into_owned();
        assert_eq!(
            r,
            "*2\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand\r\n+OK\r\n",
            "{addr}"
        );
        let log = R::parse(&cmd(&mut admin, &["ACL", "LOG", "1"]));
        let R::Arr(entries) = log else { panic!() };
        assert_eq!(entries[0].field("context"), &R::Str(b"multi".to_vec()));
        assert_eq!(entries[0].field("object"), &R::Str(b"get".to_vec()));
    }
}

/// ACL CAT lists and COMMAND INFO categories agree with Redis on every command emu has.
#[test]
fn categories_match_redis() {
    let Some(real) = start_real_redis("acl differential") else {
        return;
    };
    let (_r, srv) = start();
    let mut e = conn(srv.addr().unwrap());
    let mut g = conn(real.addr);
    assert_eq!(cmd(&mut e, &["ACL", "CAT"]), cmd(&mut g, &["ACL", "CAT"]));
    let R::Arr(cats) = R::parse(&cmd(&mut e, &["ACL", "CAT"])) else {
        panic!()
    };
    let R::Arr(mine) = R::parse(&cmd(&mut e, &["COMMAND", "LIST"])) else {
        panic!()
    };
    let mine: std::collections::BTreeSet<String> = mine.iter().map(R::text).collect();
    let mut differ = Vec::new();
    for c in cats.iter().map(R::text) {
        let list = |r: &mut Raw| -> std::collections::BTreeSet<String> {
            let R::Arr(v) = R::parse(&cmd(r, &["ACL", "CAT", &c])) else {
                panic!()
            };
            v.iter()
                .map(R::text)
                // SENTINEL is emu's own (Redis has it only in sentinel mode).
                .filter(|n| mine.contains(n.split('|').next().unwrap()) && n != "sentinel")
                .collect()
        };
        let (a, b) = (list(&mut e), list(&mut g));
        if a != b {
            differ.push(format!(
                "@{c}: only emu {:?}, only redis {:?}",
                a.difference(&b).collect::<Vec<_>>(),
                b.difference(&a).collect::<Vec<_>>()
            ));
        }
    }
    // Commands whose flags emu sets differently from Redis would show here; none may.
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The RESP3 shapes (GETUSER's map with a set of flags and selector maps, nil for an
/// unknown user, DRYRUN's bulk) are Redis's bytes.
#[test]
fn resp3_replies_match_redis() {
    let Some(real) = start_real_redis("acl differential") else {
        return;
    };
    let (_r, srv) = start();
    let script: &[&[&str]] = &[
        &[
            "ACL",
            "SETUSER",
            "u",
            "on",
            ">p",
            "~k*",
            "&c",
            "+get",
            "(+set ~x)",
            "(%R~r* +@read)",
        ],
        &["ACL", "GETUSER", "u"],
        &["ACL", "GETUSER", "nosuch"],
        &["ACL", "DRYRUN", "u", "set", "k", "v"],
        &["ACL", "DRYRUN", "u", "set", "x", "v"],
        &["ACL", "DRYRUN", "u", "get", "r1"],
        &["ACL", "LIST"],
        &["AUTH", "u", "bad"],
        &["ACL", "LOG", "0"],
        &["ACL", "CAT"],
    ];
    let mut e = conn(srv.addr().unwrap());
    let mut g = conn(real.addr);
    cmd(&mut e, &["HELLO", "3"]);
    cmd(&mut g, &["HELLO", "3"]);
    for args in script {
        let (a, b) = (cmd(&mut e, args), cmd(&mut g, args));
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "{args:?}"
        );
    }
}

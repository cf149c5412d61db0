//! The RESP server over real sockets: framing, protocol errors, inline commands,
//! pipelining, RESP3, auth, per-connection state, connection commands, load.

#![cfg(feature = "server")]

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::server_util::{start, start_with, Raw};

#[test]
fn protocol_errors_reply_then_close_only_that_connection() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let cases: &[(&[u8], &[u8])] = &[
        (
            b"*3000000000\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*abc\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
            b"-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"*1\r\n$-1\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$abc\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$600000000\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"set \"a b\r\n",
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        (
            b"echo \"a\"b\n",
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ];
    let mut bystander = Raw::connect(addr);
    for (input, want) in cases {
        let mut c = Raw::connect(addr);
        c.send(input);
        assert_eq!(
            c.reply(),
            want.to_vec(),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        assert!(
            c.closed(),
            "connection must close after {:?}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(bystander.cmds("PING"), b"+PONG\r\n");
    }
}

#[test]
fn commands_before_a_protocol_error_still_run() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    c.send(b"*1\r\n$4\r\nPING\r\n*1\r\nxx\r\n");
    assert_eq!(c.reply(), b"+PONG\r\n");
    assert_eq!(c.reply(), b"-ERR Protocol error: expected '$', got 'x'\r\n");
    assert!(c.closed());
}

#[test]
fn lenient_framing_like_redis() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    // Redis does not check the two bytes after a bulk payload.
    c.send(b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n");
    assert_eq!(c.reply(), b"+PONG\r\n");
    assert_eq!(c.reply(), b"+PONG\r\n");
    // Empty and negative multibulk counts are skipped silently.
    c.send(b"*0\r\n*-5\r\n\r\n   \nPING\r\n");
    assert_eq!(c.reply(), b"+PONG\r\n");
    // Empty command name.
    c.send(b"*1\r\n$0\r\n\r\n");
    assert_eq!(
        c.reply(),
        b"-ERR unknown command '', with args beginning with: \r\n"
    );
    // Binary-safe payloads.
    c.send(b"*2\r\n$4\r\necho\r\n$3\r\n\x00\r\n\r\n");
    assert_eq!(c.reply(), b"$3\r\n\x00\r\n\r\n");
}

#[test]
fn inline_commands_with_quoting() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    c.send(b"PING\nPING \"a\\x41\"\r\necho 'a\\'b'\n");
    assert_eq!(c.reply(), b"+PONG\r\n");
    assert_eq!(c.reply(), b"$2\r\naA\r\n");
    assert_eq!(c.reply(), b"$3\r\na'b\r\n");
    c.send(b"echo \" x \"  y\n");
    assert_eq!(
        c.reply(),
        b"-ERR wrong number of arguments for 'echo' command\r\n"
    );
    c.send(b"set k \"hello world\"\nget k\n");
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.reply(), b"$11\r\nhello world\r\n");
}

#[test]
fn requests_split_across_writes_byte_by_byte() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    let req = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
    for b in req.iter() {
        c.send(&[*b]);
        c.s.flush().unwrap();
    }
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.reply(), b"$5\r\nvalue\r\n");
}

#[test]
fn pipelined_requests_answer_in_order() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    let mut req = Vec::new();
    for i in 0..5000 {
        emu::resp::encode_request(&mut req, &[b"ECHO".as_slice(), i.to_string().as_bytes()]);
    }
    c.send(&req);
    for i in 0..5000 {
        let s = i.to_string();
        assert_eq!(c.reply(), format!("${}\r\n{s}\r\n", s.len()).into_bytes());
    }
}

#[test]
fn large_bulk_and_proto_max_bulk_len() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    let big = vec![b'x'; 3 * 1024 * 1024];
    assert_eq!(c.cmd(&[b"SET", b"big", &big]), b"+OK\r\n");
    let mut want = format!("${}\r\n", big.len()).into_bytes();
    want.extend_from_slice(&big);
    want.extend_from_slice(b"\r\n");
    assert_eq!(c.cmds("GET big"), want);
    assert_eq!(c.cmds("CONFIG SET proto-max-bulk-len 1mb"), b"+OK\r\n");
    // The new limit applies from the next request on.
    c.send(format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n", 2 * 1024 * 1024).as_bytes());
    assert_eq!(c.reply(), b"-ERR Protocol error: invalid bulk length\r\n");
    assert!(c.closed());
}

#[test]
fn resp3_shapes_after_hello_3() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    let hello = c.cmds("HELLO 3");
    assert!(hello.starts_with(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:"));
    assert!(hello.ends_with(
        b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    ));
    assert_eq!(c.cmds("GET nokey"), b"_\r\n");
    assert_eq!(
        c.cmds("CONFIG GET maxmemory"),
        b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    );
    assert!(c
        .cmds("INFO keyspace")
        .starts_with(b"=16\r\ntxt:# Keyspace\r\n"));
    // Back to RESP2.
    assert!(c.cmds("HELLO 2").starts_with(b"*14\r\n"));
    assert_eq!(c.cmds("GET nokey"), b"$-1\r\n");
    assert_eq!(
        c.cmds("CONFIG GET maxmemory"),
        b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    );
}

#[test]
fn hello_errors() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(
        c.cmds("HELLO 4"),
        b"-NOPROTO unsupported protocol version\r\n"
    );
    assert_eq!(
        c.cmds("HELLO abc"),
        b"-ERR Protocol version is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.cmds("HELLO 3 setname"),
        b"-ERR Syntax error in HELLO option 'setname'\r\n"
    );
    assert_eq!(
        c.cmds("HELLO 2 foo"),
        b"-ERR Syntax error in HELLO option 'foo'\r\n"
    );
    assert_eq!(
        c.cmds("HELLO 3 AUTH bob x"),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    let r = c.cmds("HELLO 3 SETNAME app");
    assert!(r.starts_with(b"%7\r\n"));
    assert_eq!(c.cmds("CLIENT GETNAME"), b"$3\r\napp\r\n");
}

#[test]
fn requirepass_noauth_wrongpass_and_auth() {
    let (_r, srv) = start_with(|s| s.requirepass("s3cret"));
    let addr = srv.addr().unwrap();
    let mut c = Raw::connect(addr);
    // Unknown command and arity come before NOAUTH, as in Redis.
    assert_eq!(
        c.cmds("foo"),
        b"-ERR unknown command 'foo', with args beginning with: \r\n"
    );
    assert_eq!(
        c.cmds("GET"),
        b"-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_eq!(c.cmds("PING"), b"-NOAUTH Authentication required.\r\n");
    assert_eq!(c.cmds("CLIENT ID"), b"-NOAUTH Authentication required.\r\n");
    assert_eq!(
        c.cmds("HELLO 3"),
        b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
    );
    assert_eq!(
        c.cmds("AUTH nope"),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(
        c.cmds("AUTH bob s3cret"),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(c.cmds("AUTH a b c"), b"-ERR syntax error\r\n");
    assert_eq!(c.cmds("AUTH s3cret"), b"+OK\r\n");
    assert_eq!(c.cmds("PING"), b"+PONG\r\n");
    // RESET drops authentication.
    assert_eq!(c.cmds("RESET"), b"+RESET\r\n");
    assert_eq!(c.cmds("PING"), b"-NOAUTH Authentication required.\r\n");
    assert_eq!(c.cmds("AUTH default s3cret"), b"+OK\r\n");
    assert_eq!(c.cmds("PING"), b"+PONG\r\n");
    // HELLO with AUTH authenticates a fresh connection.
    let mut d = Raw::connect(addr);
    assert!(d.cmds("HELLO 3 AUTH default s3cret").starts_with(b"%7\r\n"));
    assert_eq!(d.cmds("PING"), b"+PONG\r\n");
    // Unauthenticated clients get Redis's tighter framing limits.
    let mut e = Raw::connect(addr);
    e.send(b"*11\r\n");
    assert_eq!(
        e.reply(),
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    assert!(e.closed());
    let mut e = Raw::connect(addr);
    e.send(b"*2\r\n$4\r\nAUTH\r\n$17000\r\n");
    assert_eq!(
        e.reply(),
        b"-ERR Protocol error: unauthenticated bulk length\r\n"
    );
    assert!(e.closed());
}

#[test]
fn auth_without_password_configured() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(
        c.cmds("AUTH x"),
        b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
    );
    assert_eq!(c.cmds("AUTH default anything"), b"+OK\r\n");
    assert_eq!(
        c.cmds("AUTH other x"),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
}

#[test]
fn per_connection_state_never_leaks() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut a = Raw::connect(addr);
    let mut b = Raw::connect(addr);
    assert_eq!(a.cmds("SELECT 3"), b"+OK\r\n");
    assert_eq!(a.cmds("SET k in3"), b"+OK\r\n");
    assert!(a.cmds("HELLO 3 SETNAME alpha").starts_with(b"%7"));
    assert_eq!(b.cmds("GET k"), b"$-1\r\n");
    assert_eq!(b.cmds("CLIENT GETNAME"), b"$-1\r\n");
    assert_eq!(a.cmds("GET k"), b"$3\r\nin3\r\n");
    assert_eq!(a.cmds("GET nokey"), b"_\r\n");
    assert_eq!(b.cmds("GET nokey"), b"$-1\r\n");
    let ida = a.cmds("CLIENT ID");
    let idb = b.cmds("CLIENT ID");
    assert_ne!(ida, idb);
}

#[test]
fn quit_replies_ok_and_closes() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    c.send(b"QUIT\r\nPING\r\n");
    assert_eq!(c.reply(), b"+OK\r\n");
    assert!(c.closed());
}

fn text(v: Vec<u8>) -> String {
    String::from_utf8(v).unwrap()
}

#[test]
fn client_commands() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut a = Raw::connect(addr);
    let mut b = Raw::connect(addr);
    assert_eq!(a.cmds("CLIENT SETNAME alpha"), b"+OK\r\n");
    assert_eq!(
        a.cmd(&[b"CLIENT", b"SETNAME", b"a b"]),
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    assert_eq!(a.cmds("CLIENT GETNAME"), b"$5\r\nalpha\r\n");
    assert_eq!(
        a.cmds("CLIENT SETNAME"),
        b"-ERR wrong number of arguments for 'client|setname' command\r\n"
    );
    assert_eq!(
        a.cmds("CLIENT foo"),
        b"-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n"
    );
    // CLIENT SETINFO came in 7.2: 7.0 does not know it (clients that send it on connect,
    // like redis-py, ignore the error).
    assert_eq!(
        a.cmds("CLIENT SETINFO lib-name mylib"),
        b"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"
    );
    let ida = text(a.cmds("CLIENT ID"));
    let ida = ida.trim_start_matches(':').trim_end().to_string();
    let idb = text(b.cmds("CLIENT ID"));
    let idb = idb.trim_start_matches(':').trim_end().to_string();
    assert_eq!(b.cmds("PING"), b"+PONG\r\n");
    let list = text(b.cmds("CLIENT LIST"));
    assert!(list.contains(&format!("id={ida} ")), "{list}");
    assert!(list.contains(&format!("id={idb} ")), "{list}");
    assert!(list.contains("name=alpha "), "{list}");
    assert!(!list.contains("lib-name"), "{list}");
    assert!(list.contains("cmd=client|list"), "{list}");
    let info = text(a.cmds("CLIENT INFO"));
    assert!(
        info.contains(&format!("id={ida} ")) && info.contains("cmd=client|info"),
        "{info}"
    );
    let only_b = text(a.cmd(&[b"CLIENT", b"LIST", b"ID", idb.as_bytes()]));
    assert!(only_b.contains(&format!("id={idb} ")) && !only_b.contains(&format!("id={ida} ")));
    assert_eq!(a.cmds("CLIENT LIST ID abc"), b"-ERR Invalid client ID\r\n");
    // KILL forms.
    assert_eq!(a.cmds("CLIENT KILL 1.2.3.4:5"), b"-ERR No such client\r\n");
    assert_eq!(a.cmds("CLIENT KILL ID 999999"), b":0\r\n");
    assert_eq!(a.cmds("CLIENT KILL foo bar"), b"-ERR syntax error\r\n");
    assert_eq!(
        a.cmd(&[b"CLIENT", b"KILL", b"ID", idb.as_bytes()]),
        b":1\r\n"
    );
    assert!(b.closed());
    // Killing oneself replies, then closes.
    assert_eq!(
        a.cmd(&[b"CLIENT", b"KILL", b"ID", ida.as_bytes(), b"SKIPME", b"no"]),
        b":1\r\n"
    );
    assert!(a.closed());
}

#[test]
fn client_kill_by_addr() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut a = Raw::connect(addr);
    let mut b = Raw::connect(addr);
    let baddr = b.s.local_addr().unwrap().to_string();
    assert_eq!(b.cmds("PING"), b"+PONG\r\n");
    assert_eq!(a.cmd(&[b"CLIENT", b"KILL", baddr.as_bytes()]), b"+OK\r\n");
    assert!(b.closed());
    assert_eq!(a.cmds("PING"), b"+PONG\r\n");
}

#[test]
fn config_get_set() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("CONFIG SET maxmemory 10mb"), b"+OK\r\n");
    assert_eq!(
        c.cmds("CONFIG GET maxmemory"),
        b"*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET foo bar"),
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET databases 3"),
        b"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET timeout abc"),
        b"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET timeout -1"),
        b"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET timeout 1 timeout 2"),
        b"-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET maxmemory-policy foo"),
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET appendonly maybe"),
        b"-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'\r\n"
    );
    assert_eq!(
        c.cmds("CONFIG SET notify-keyspace-events Q"),
        b"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"
    );
    assert_eq!(c.cmds("CONFIG SET notify-keyspace-events KEA"), b"+OK\r\n");
    assert_eq!(
        c.cmds("CONFIG GET notify-keyspace-events"),
        b"*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n"
    );
    assert_eq!(c.cmds("CONFIG SET a b c"), b"-ERR syntax error\r\n");
    assert_eq!(
        c.cmds("CONFIG SET a"),
        b"-ERR wrong number of arguments for 'config|set' command\r\n"
    );
    assert_eq!(c.cmds("CONFIG GET nosuch"), b"*0\r\n");
    assert_eq!(
        c.cmds("CONFIG foo"),
        b"-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n"
    );
    assert_eq!(c.cmds("CONFIG RESETSTAT"), b"+OK\r\n");
    assert_eq!(
        c.cmds("CONFIG REWRITE"),
        b"-ERR The server is running without a config file\r\n"
    );
    // Globs, aliases included.
    let hm = text(c.cmds("CONFIG GET hash-max-*"));
    for name in [
        "hash-max-listpack-entries",
        "hash-max-ziplist-entries",
        "hash-max-listpack-value",
        "hash-max-ziplist-value",
    ] {
        assert!(hm.contains(name), "{hm}");
    }
    assert!(hm.starts_with("*8\r\n"), "{hm}");
    // A listpack limit change reaches the store's config (OBJECT ENCODING uses it).
    assert_eq!(c.cmds("CONFIG SET hash-max-ziplist-entries 7"), b"+OK\r\n");
    assert_eq!(
        c.cmds("CONFIG GET hash-max-listpack-entries"),
        b"*2\r\n$25\r\nhash-max-listpack-entries\r\n$1\r\n7\r\n"
    );
}

#[test]
fn requirepass_via_config_set_applies_to_new_connections() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut a = Raw::connect(addr);
    assert_eq!(a.cmds("CONFIG SET requirepass pw"), b"+OK\r\n");
    // Existing connection stays authenticated, as in Redis.
    assert_eq!(a.cmds("PING"), b"+PONG\r\n");
    let mut b = Raw::connect(addr);
    assert_eq!(b.cmds("PING"), b"-NOAUTH Authentication required.\r\n");
    assert_eq!(b.cmds("AUTH pw"), b"+OK\r\n");
    assert_eq!(b.cmds("CONFIG SET requirepass \"\""), b"+OK\r\n");
}

#[test]
fn info_sections() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("INFO keyspace"), b"$12\r\n# Keyspace\r\n\r\n");
    assert_eq!(c.cmds("SET a 1"), b"+OK\r\n");
    assert_eq!(
        c.cmds("INFO keyspace"),
        b"$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n"
    );
    assert_eq!(c.cmds("INFO nosuchsection"), b"$0\r\n\r\n");
    let all = text(c.cmds("INFO"));
    for needle in [
        "# Server\r\n",
        "redis_version:7.0.15\r\n",
        "tcp_port:",
        "# Clients\r\nconnected_clients:1\r\n",
        "# Memory\r\n",
        "used_memory:",
        "# Persistence\r\n",
        "rdb_changes_since_last_save:",
        "# Stats\r\n",
        "total_connections_received:",
        "total_commands_processed:",
        "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in {all}");
    }
    // Fixed section order whatever the argument order.
    let two = text(c.cmds("INFO keyspace server"));
    assert!(two.find("# Server").unwrap() < two.find("# Keyspace").unwrap());
}

#[test]
fn command_subcommands() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert!(c.cmds("COMMAND COUNT").starts_with(b":"));
    assert_eq!(c.cmds("COMMAND GETKEYS GET k"), b"*1\r\n$1\r\nk\r\n");
    assert_eq!(
        c.cmds("COMMAND GETKEYS foo a"),
        b"-ERR Invalid command specified\r\n"
    );
    assert_eq!(
        c.cmds("COMMAND GETKEYS GET"),
        b"-ERR wrong number of arguments for 'command|getkeys' command\r\n"
    );
    assert_eq!(
        c.cmds("COMMAND GETKEYS PING x"),
        b"-ERR The command has no key arguments\r\n"
    );
    assert_eq!(
        c.cmds("COMMAND GETKEYS GET a b"),
        b"-ERR Invalid number of arguments specified for command\r\n"
    );
    assert_eq!(c.cmds("COMMAND INFO nosuch"), b"*1\r\n$-1\r\n");
    assert_eq!(
        c.cmds("COMMAND GETKEYSANDFLAGS GET k"),
        b"*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"
    );
    assert!(c
        .cmds("COMMAND INFO get")
        .starts_with(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n"));
    assert_eq!(c.cmds("COMMAND DOCS nosuch"), b"*0\r\n");
    assert_eq!(
        c.cmds("COMMAND foo"),
        b"-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n"
    );
    let list = text(c.cmds("COMMAND LIST"));
    assert!(list.contains("$4\r\nping\r\n") && list.contains("$6\r\nconfig\r\n"));
}

#[test]
fn debug_sleep_and_unknown_debug() {
    // DEBUG over the network needs `enable-debug-command` (issue 10).
    let (_r, srv) = crate::server_util::start_debug();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("DEBUG SLEEP 0"), b"+OK\r\n");
    let t = Instant::now();
    assert_eq!(c.cmds("DEBUG SLEEP 0.2"), b"+OK\r\n");
    assert!(t.elapsed() >= Duration::from_millis(190));
    assert_eq!(c.cmds("DEBUG SLEEP abc"), b"+OK\r\n");
    assert_eq!(
        c.cmds("DEBUG JMAP"),
        b"-ERR unknown subcommand or wrong number of arguments for 'JMAP'. Try DEBUG HELP.\r\n"
    );
    assert_eq!(
        c.cmds("DEBUG"),
        b"-ERR wrong number of arguments for 'debug' command\r\n"
    );
}

#[test]
fn time_and_lastsave() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    let t = text(c.cmds("TIME"));
    assert!(t.starts_with("*2\r\n$10\r\n"), "{t}");
    let l = text(c.cmds("LASTSAVE"));
    let secs: u64 = l.trim_start_matches(':').trim_end().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs <= now && secs + 60 > now);
}

#[test]
fn disconnect_mid_request_leaks_nothing() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    for _ in 0..50 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nabc")
            .unwrap();
        drop(s);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if srv.state().connected() == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "connections not reclaimed: {}",
            srv.state().connected()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut c = Raw::connect(addr);
    assert_eq!(c.cmds("EXISTS k"), b":0\r\n");
}

#[test]
fn thousand_idle_and_fifty_busy_connections() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut idle = Vec::new();
    for _ in 0..1000 {
        idle.push(TcpStream::connect(addr).expect("idle connect"));
    }
    let busy: Vec<_> = (0..50)
        .map(|t| {
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                for i in 0..200 {
                    let k = format!("k{t}");
                    let v = i.to_string();
                    assert_eq!(c.cmd(&[b"SET", k.as_bytes(), v.as_bytes()]), b"+OK\r\n");
                    assert_eq!(
                        c.cmd(&[b"GET", k.as_bytes()]),
                        format!("${}\r\n{v}\r\n", v.len()).into_bytes()
                    );
                }
            })
        })
        .collect();
    for b in busy {
        b.join().expect("busy client");
    }
    // The idle ones are still being served.
    for s in idle.iter().step_by(97) {
        let mut c = Raw::from_stream(s.try_clone().unwrap());
        assert_eq!(c.cmds("PING"), b"+PONG\r\n");
    }
    assert!(srv.state().connected() >= 1000);
}

#[cfg(unix)]
#[test]
fn unix_socket() {
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    let path = std::env::temp_dir().join(format!("emu-test-{}.sock", std::process::id()));
    let (_r, srv) = start_with(|s| s.unixsocket(&path));
    let mut s = UnixStream::connect(&path).expect("unix connect");
    s.write_all(b"PING\r\nCLIENT INFO\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    let got = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(got.starts_with("+PONG\r\n"), "{got}");
    assert!(got.contains("flags=U"), "{got}");
    drop(srv);
    assert!(!path.exists(), "socket file removed on shutdown");
}

#[test]
fn shutdown_closes_connections() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("PING"), b"+PONG\r\n");
    srv.shutdown();
    assert!(c.closed());
}

#[test]
fn embedded_handle_and_server_share_the_store() {
    let (r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("SET shared yes"), b"+OK\r\n");
    let v: emu::Value = r.cmd("GET").arg("shared").query().unwrap();
    assert_eq!(v, emu::Value::bulk("yes"));
}

#[test]
fn config_timeout_closes_idle_clients() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut a = Raw::connect(addr);
    assert_eq!(a.cmds("CONFIG SET timeout 1"), b"+OK\r\n");
    let mut b = Raw::connect(addr);
    let t = Instant::now();
    assert!(b.closed(), "idle client must be closed");
    assert!(t.elapsed() >= Duration::from_millis(900));
    // Reset for others; a fresh client is served again.
    let mut c = Raw::connect(addr);
    assert_eq!(c.cmds("CONFIG SET timeout 0"), b"+OK\r\n");
    assert_eq!(c.cmds("PING"), b"+PONG\r\n");
}

/// MODULE as a redis-server 7.0 with no modules answers it, byte for byte, under each
/// `enable-module-command` setting (`no`, the default, refuses LOAD/LOADEX/UNLOAD before
/// anything else; `yes` lets them fail as a load of a missing library does).
#[test]
fn module_command_matches_real_redis() {
    let lines = [
        "MODULE LIST",
        "MODULE HELP",
        "MODULE LOAD /nonexistent/x.so a b",
        "MODULE LOADEX /nonexistent/x.so CONFIG a b ARGS c",
        "MODULE UNLOAD foo",
        "MODULE LOAD",
        "MODULE UNLOAD",
        "MODULE UNLOAD a b",
        "MODULE LIST extra",
        "MODULE foo",
        "MODULE",
    ];
    for setting in ["no", "yes"] {
        let Some(real) = crate::server_util::start_real_redis_with(
            "the MODULE test",
            &["--enable-module-command", setting],
        ) else {
            return;
        };
        let (r, srv) = start();
        r.with_store(|s| {
            s.config
                .set_initial("enable-module-command", setting.as_bytes())
                .unwrap()
        })
        .unwrap();
        let mut e = Raw::connect(srv.addr().unwrap());
        let mut o = Raw::connect(real.addr);
        for line in lines {
            assert_eq!(
                text(e.cmds(line)),
                text(o.cmds(line)),
                "{line} with enable-module-command {setting}"
            );
        }
    }
}

/// Client bytes that are not UTF-8 come back raw in error and status replies and in the INFO
/// field named after an error code, as Redis sends them: a script's `redis.error_reply` /
/// `redis.status_reply`, an unknown command's name and arguments (C strings: each ends at
/// its first NUL), `errorstat_<code>` (redis-py's `test_info_with_non_utf8_errorstat`).
#[test]
fn non_utf8_bytes_in_errors_status_and_errorstats_match_redis() {
    let Some(real) = crate::server_util::start_real_redis("the non-UTF-8 reply test") else {
        return;
    };
    let (_r, srv) = start();
    let mut e = Raw::connect(srv.addr().unwrap());
    let mut o = Raw::connect(real.addr);
    let long: Vec<u8> = b"\xf4\x8f\xbc\x80"
        .iter()
        .chain([b'x'; 200].iter())
        .copied()
        .collect();
    let commands: [&[&[u8]]; 8] = [
        &[b"CONFIG", b"RESETSTAT"],
        &[
            b"EVAL",
            b"return redis.error_reply('\xff\xfeBAD oops')",
            b"0",
        ],
        &[
            b"EVAL",
            b"return redis.status_reply('\xff\xfeOK \xc3')",
            b"0",
        ],
        &[b"EVAL", b"return {err='\xe2\x82 half'}", b"0"],
        &[b"\xff\xfe", b"a\x00b", &long],
        &[b"caf\xc3\xa9\x00tail", b"\xf4\x8f\xbf\xbf"],
        &[b"INFO", b"errorstats"],
        &[b"PING"],
    ];
    for argv in commands {
        assert_eq!(e.cmd(argv), o.cmd(argv), "{argv:?}");
    }
}

/// `maxclients` (CONFIG SET, effective for the next connection): connections past it get
/// `-ERR max number of clients reached` and are closed, INFO reports the setting, as in
/// Redis (Redis's own suite: unit/limits).
#[test]
fn maxclients_refuses_connections_past_it_like_redis() {
    let Some(real) = crate::server_util::start_real_redis("the maxclients test") else {
        return;
    };
    let (_r, srv) = start();
    let mut transcripts = Vec::new();
    for addr in [srv.addr().unwrap(), real.addr] {
        let mut out = Vec::new();
        let mut admin = Raw::connect(addr);
        out.push(text(admin.cmds("CONFIG SET maxclients 4")));
        let mut kept = Vec::new();
        for _ in 0..6 {
            let mut c = Raw::connect(addr);
            out.push(text(c.cmds("PING")));
            kept.push(c);
        }
        let info = text(admin.cmds("INFO clients"));
        out.push(
            info.lines()
                .filter(|l| l.starts_with("maxclients:") || l.starts_with("connected_clients:"))
                .collect::<Vec<_>>()
                .join(","),
        );
        drop(kept);
        out.push(text(admin.cmds("CONFIG SET maxclients 10000")));
        transcripts.push(out);
    }
    assert_eq!(transcripts[0], transcripts[1]);
}

/// Requests that reach the server back to back on two connections are served in the order
/// they arrived, as Redis's event loop serves them: a client blocks in XREADGROUP, another
/// at once replaces the stream with a string, and the reader must see the key go (tokio's
/// LIFO slot used to serve the second connection first, 2 % of the time; Redis's own suite,
/// unit/type/stream-cgroups and unit/type/list, sends exactly this).
#[test]
fn back_to_back_requests_on_two_connections_are_served_in_arrival_order() {
    let (_r, srv) = start();
    let addr = srv.addr().unwrap();
    let mut writer = Raw::connect(addr);
    for round in 0..200 {
        writer.cmds("DEL mystream");
        writer.cmds("XADD mystream 666 f v");
        writer.cmds("XGROUP CREATE mystream mygroup $");
        let mut reader = Raw::connect(addr);
        reader.cmds("PING");
        reader.send(b"*9\r\n$10\r\nXREADGROUP\r\n$5\r\nGROUP\r\n$7\r\nmygroup\r\n$5\r\nAlice\r\n$5\r\nBLOCK\r\n$1\r\n0\r\n$7\r\nSTREAMS\r\n$8\r\nmystream\r\n$1\r\n>\r\n");
        writer.send(b"*3\r\n$3\r\nSET\r\n$8\r\nmystream\r\n$1\r\nv\r\n");
        assert_eq!(writer.reply(), b"+OK\r\n");
        let got = text(reader.reply());
        assert!(
            got.starts_with("-UNBLOCKED") && got.contains("no longer exists"),
            "round {round}: the reader was served after the writer: {got}"
        );
    }
}

/// DEBUG PAUSE-CRON 1 stops the periodic work: a key past its TTL that nobody reads stays
/// in DBSIZE (active expiry paused), and the tracking table may stay over
/// `tracking-table-max-keys` until a command trims it; PAUSE-CRON 0 resumes.
#[test]
fn debug_pause_cron_stops_active_expiry() {
    let (_r, srv) = crate::server_util::start_debug();
    let mut c = Raw::connect(srv.addr().unwrap());
    assert_eq!(c.cmds("DEBUG PAUSE-CRON 1"), b"+OK\r\n");
    c.cmds("SET k v PX 20");
    // Several active-expiry periods (100 ms at hz 10).
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(c.cmds("DBSIZE"), b":1\r\n");
    assert_eq!(c.cmds("DEBUG PAUSE-CRON 0"), b"+OK\r\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.cmds("DBSIZE") != b":0\r\n" {
        assert!(Instant::now() < deadline, "active expiry never resumed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A script returning a table that contains itself ends in `-ERR reached lua stack limit`
/// after the nested headers, as Redis answers, and the server lives on: the conversion
/// recursed past the worker's stack in a debug build and aborted the process (Redis's own
/// suite, unit/scripting "Script return recursive object", EVAL and FCALL).
#[test]
fn recursive_script_reply_ends_in_an_error_not_a_crash() {
    let (_r, srv) = start();
    let mut c = Raw::connect(srv.addr().unwrap());
    let body = "local a = {}; local b = {a}; a[1] = b; return a";
    let load =
        format!("#!lua name=rec\nredis.register_function('rec', function(KEYS, ARGV) {body} end)");
    assert_eq!(
        c.cmd(&[b"FUNCTION", b"LOAD", load.as_bytes()]),
        b"$3\r\nrec\r\n"
    );
    for call in [
        vec![&b"EVAL"[..], body.as_bytes(), b"0"],
        vec![&b"FCALL"[..], b"rec", b"0"],
    ] {
        c.send(&{
            let mut out = Vec::new();
            emu::resp::encode_request(&mut out, &call);
            out
        });
        // One reply: the nested headers, then the error where the nesting stopped.
        let reply = text(c.reply());
        let rest = reply.trim_start_matches("*1\r\n");
        let headers = (reply.len() - rest.len()) / 4;
        assert_eq!(rest, "-ERR reached lua stack limit\r\n");
        assert!(headers >= 1000, "{headers} nested headers");
        assert_eq!(c.cmds("PING"), b"+PONG\r\n");
    }
}

//! FUNCTION / FCALL / FCALL_RO against a real redis-server and `emu serve`, replies
//! compared byte for byte in RESP2 and RESP3: loading (the metadata line, the load
//! environment, every `redis.register_function` error), running (keys and args as
//! parameters, errors naming the function and line, `no-writes`, FCALL_RO), LIST / STATS /
//! DELETE / FLUSH / HELP / KILL and their argument errors, and a busy function killed
//! with FUNCTION KILL (not SCRIPT KILL).
//!
//! FUNCTION LIST orders libraries and functions as Redis's hash tables happen to: cases
//! that list compare only single-library, single-function states.

use crate::server_util::{start, start_real_redis, Raw};

const LIB1: &str = "#!lua name=lib1
local function f1(keys, args) return redis.call('set', keys[1], args[1]) end
local function f2(keys, args) error('boom') end
local function f3(keys, args) return redis.call('nosuch') end
local function f4(keys, args) return x end
local function f5(keys, args) return {#keys, #args, keys[1], args[1]} end
redis.register_function('f1', f1)
redis.register_function('f2', f2)
redis.register_function('f3', f3)
redis.register_function('f4', f4)
redis.register_function{function_name='f5', callback=f5, flags={'no-writes'}, description='desc5'}
redis.register_function{function_name='f6', callback=f1, flags={'no-writes'}}
";

/// Libraries FUNCTION LOAD must refuse (or, for a few, accept), each on an empty registry.
const LOADS: &[&str] = &[
    "return 1",
    "#!lua",
    "#!lua name=x",
    "#!lua\nreturn 1",
    "#!lua name=a name=b\n",
    "#!lua foo=bar\n",
    "#!lua name=a-b\n",
    "#!lua name=\n",
    "#!js name=a\n",
    "#!lua name=\"q\n",
    "#!lua name=x\nfoo bar",
    "#!lua name=x\nreturn string.len('x')",
    "#!lua name=x\nredis.call('ping')",
    "#!lua name=x\nx = 1",
    "#!lua name=x\nredis.x = 1",
    "#!lua name=x\nlocal a = nil + 1",
    "#!lua name=x\nreturn 1",
    "#!lua name=x\nredis.register_function('f', function() end)\nredis.register_function('f', function() end)",
    "#!lua name=x\nredis.register_function()",
    "#!lua name=x\nredis.register_function(1,2,3)",
    "#!lua name=x\nredis.register_function('a')",
    "#!lua name=x\nredis.register_function({}, function() end)",
    "#!lua name=x\nredis.register_function('a', 'b')",
    "#!lua name=x\nredis.register_function('a-b', function() end)",
    "#!lua name=x\nredis.register_function('', function() end)",
    "#!lua name=x\nredis.register_function{function_name='a'}",
    "#!lua name=x\nredis.register_function{callback=function() end}",
    "#!lua name=x\nredis.register_function{function_name='a', callback='x'}",
    "#!lua name=x\nredis.register_function{function_name={}, callback=function() end}",
    "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags='no-writes'}",
    "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={'bogus'}}",
    "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={1}}",
    "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, description={}}",
    "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, other=1}",
    "#!lua name=x\nredis.register_function{'a'}",
    "#!lua name=x\nredis.log(redis.LOG_WARNING, 'x')",
    "#!lua name=x\nredis.setresp(3)",
    "#!lua name=x\nredis.pcall('ping')",
    "#!lua name=x\nlocal x = KEYS",
    "#!lua name=x\nlocal x = _G",
    "#!lua name=x\nwhile true do end",
    "#!lua name=x\nlocal function f() return f() end f()",
];

fn cases() -> Vec<Vec<Vec<String>>> {
    fn cmd(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }
    fn load(code: &str) -> Vec<String> {
        cmd(&["FUNCTION", "LOAD", code])
    }
    let mut out = vec![vec![
        load(LIB1),
        cmd(&["FCALL", "f1", "1", "k", "v"]),
        cmd(&["GET", "k"]),
        cmd(&["FCALL", "F1", "1", "k", "v2"]),
        cmd(&["GET", "k"]),
        cmd(&["FCALL", "f2", "0"]),
        cmd(&["FCALL", "f3", "0"]),
        cmd(&["FCALL", "f4", "0"]),
        cmd(&["FCALL", "f5", "1", "a", "b"]),
        cmd(&["FCALL", "f6", "1", "k", "v"]),
        cmd(&["FCALL_RO", "f1", "1", "k", "v"]),
        cmd(&["FCALL_RO", "f5", "2", "a", "b"]),
        cmd(&["FCALL", "nosuch", "0"]),
        cmd(&["FCALL", "nosuch", "x"]),
        cmd(&["FCALL", "f1", "x"]),
        cmd(&["FCALL", "f1", "3", "a"]),
        cmd(&["FCALL", "f1", "-1"]),
        cmd(&["FCALL"]),
        cmd(&["FCALL", "f1"]),
        load(LIB1),
        cmd(&["FUNCTION", "LOAD", "REPLACE", LIB1]),
        cmd(&["FUNCTION", "LOAD", "replace", "replace", LIB1]),
        cmd(&["FUNCTION", "LOAD", "foo", LIB1]),
        cmd(&["FUNCTION", "LOAD", "REPLACE"]),
        cmd(&["FUNCTION", "LOAD"]),
        cmd(&["FUNCTION", "LIST", "LIBRARYNAME"]),
        cmd(&["FUNCTION", "LIST", "bogus"]),
        cmd(&["FUNCTION", "LIST", "WITHCODE", "WITHCODE"]),
        cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "x*"]),
        cmd(&["FUNCTION", "STATS"]),
        cmd(&["FUNCTION", "STATS", "x"]),
        cmd(&["FUNCTION", "KILL"]),
        cmd(&["FUNCTION", "HELP"]),
        cmd(&["FUNCTION", "BOGUS"]),
        cmd(&["FUNCTION"]),
        cmd(&["FUNCTION", "DELETE", "nosuch"]),
        cmd(&["FUNCTION", "DELETE", "LIB1"]),
        cmd(&["FUNCTION", "DELETE", "lib1"]),
        cmd(&["FCALL", "f1", "0"]),
        cmd(&["FUNCTION", "DELETE", "lib1"]),
        cmd(&["FUNCTION", "FLUSH", "bad"]),
        cmd(&["FUNCTION", "FLUSH", "sync", "x"]),
        cmd(&["FUNCTION", "FLUSH", "ASYNC"]),
        cmd(&["FUNCTION", "FLUSH", "sync"]),
        cmd(&["FUNCTION", "FLUSH"]),
    ]];
    for code in LOADS {
        out.push(vec![load(code), cmd(&["FUNCTION", "LIST"])]);
    }
    // Accepted libraries: one function each, so FUNCTION LIST's order is fixed.
    out.push(vec![
        load("#!LUA name=up\nredis.register_function('up1', function() return 1 end)"),
        cmd(&["FCALL", "up1", "0"]),
        cmd(&["FUNCTION", "LIST", "WITHCODE"]),
        cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "U*"]),
        cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "x*", "WITHCODE"]),
        cmd(&["FUNCTION", "STATS"]),
    ]);
    out.push(vec![
        load("#!lua name=\"q\"\nredis.register_function(12, function() return 1 end)"),
        cmd(&["FCALL", "12", "0"]),
        cmd(&["FUNCTION", "LIST"]),
    ]);
    out.push(vec![
        load("#!lua name=x\nredis.register_function{function_name='a', callback=function() return 1 end, flags={'NO-WRITES','allow-oom','allow-stale','no-cluster','allow-cross-slot-keys'}, description='d'}"),
        cmd(&["FUNCTION", "LIST"]),
        cmd(&["FCALL_RO", "a", "0"]),
    ]);
    out.push(vec![
        load("#!lua name=x\nlocal r = redis\nredis.register_function('b', function() return r.register_function('c', function() end) end)"),
        cmd(&["FCALL", "b", "0"]),
    ]);
    out.push(vec![
        load("#!lua name=x\nredis.register_function('v', function() return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, type(KEYS)} end)"),
        cmd(&["FCALL", "v", "0"]),
    ]);
    // Name collisions across libraries (case-insensitive) and REPLACE.
    out.push(vec![
        load("#!lua name=z\nredis.register_function('A', function() return 2 end)"),
        load("#!lua name=y\nredis.register_function('a', function() return 2 end)"),
        load("#!lua name=z2\nredis.register_function('a', function() return 2 end)"),
        cmd(&["FUNCTION", "LOAD", "REPLACE", "#!lua name=z\nredis.register_function('b', function(k, a) return redis.call('ping') end)"]),
        cmd(&["FCALL", "a", "0"]),
        cmd(&["FCALL", "b", "0"]),
        cmd(&["FUNCTION", "LIST"]),
        load("#!lua name=y\nredis.register_function('a', function() return 3 end)"),
        cmd(&["FCALL", "A", "0"]),
        cmd(&["FUNCTION", "STATS"]),
    ]);
    // Conversions and the redis.* API at run time.
    out.push(vec![
        load("#!lua name=t
redis.register_function('t1', function(k, a) redis.setresp(3) return redis.call('hgetall', k[1]) end)
redis.register_function('t2', function(k, a) return {err='My Error'} end)
redis.register_function('t3', function(k, a) return redis.error_reply('X y') end)
redis.register_function('t4', function(k, a) return {1, 2.5, 'x', true, false, nil, 3} end)
redis.register_function('t5', function(k, a) return redis.pcall('incr', k[1]) end)
redis.register_function('t6', function(k, a) return redis.sha1hex(a[1]) end)
redis.register_function('t7', function(k, a) return cjson.encode({a = tonumber(a[1])}) end)
redis.register_function('t8', function(k, a) return redis.call('get', k[1]) end)
redis.register_function{function_name='t9', callback=function(k, a) return redis.call('set', k[1], 'x') end, flags={'no-writes'}}
"),
        cmd(&["HSET", "h", "a", "1"]),
        cmd(&["FCALL", "t1", "1", "h"]),
        cmd(&["FCALL", "t2", "0"]),
        cmd(&["FCALL", "t3", "0"]),
        cmd(&["FCALL", "t4", "0"]),
        cmd(&["FCALL", "t5", "1", "h"]),
        cmd(&["FCALL", "t6", "0", "abc"]),
        cmd(&["FCALL", "t7", "0", "12"]),
        cmd(&["FCALL_RO", "t8", "1", "h"]),
        cmd(&["FCALL_RO", "t9", "1", "h"]),
        cmd(&["MULTI"]),
        cmd(&["FCALL", "t5", "1", "n"]),
        cmd(&["FCALL", "t5", "1", "n"]),
        cmd(&["EXEC"]),
        cmd(&["COMMAND", "GETKEYS", "FCALL", "t5", "2", "a", "b", "c"]),
        cmd(&["SCRIPT", "FLUSH"]),
        cmd(&["FCALL", "t5", "1", "n"]),
        cmd(&["FLUSHALL"]),
        cmd(&["FCALL", "t5", "1", "n"]),
    ]);
    out
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace("\r\n", "⏎")
}

fn run_corpus(proto: u8) {
    let Some(reference) = start_real_redis("the FUNCTION corpus") else {
        return;
    };
    let (_r, srv) = start();
    let mut real = Raw::connect(reference.addr);
    let mut emu = Raw::connect(srv.addr().expect("addr"));
    if proto == 3 {
        real.cmds("HELLO 3");
        emu.cmds("HELLO 3");
    }
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for case in cases() {
        for side in [&mut real, &mut emu] {
            side.cmds("FLUSHALL");
            side.cmds("FUNCTION FLUSH");
        }
        for c in &case {
            let argv: Vec<&[u8]> = c.iter().map(|s| s.as_bytes()).collect();
            let a = real.cmd(&argv);
            let b = emu.cmd(&argv);
            compared += 1;
            if a != b {
                mismatches.push(format!(
                    "{:?}\n    redis: {}\n    emu:   {}",
                    c,
                    show(&a),
                    show(&b)
                ));
            }
        }
    }
    assert!(compared > 100, "{compared} commands compared");
    assert!(
        mismatches.is_empty(),
        "RESP{proto}: {} of {compared} replies differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn function_corpus_matches_redis_resp2() {
    run_corpus(2);
}

#[test]
fn function_corpus_matches_redis_resp3() {
    run_corpus(3);
}

/// The bulk string of a RESP reply.
fn bulk_of(reply: &[u8]) -> Vec<u8> {
    assert_eq!(reply.first(), Some(&b'$'), "{}", show(reply));
    let nl = reply.iter().position(|&b| b == b'\r').unwrap();
    let n: usize = std::str::from_utf8(&reply[1..nl]).unwrap().parse().unwrap();
    reply[nl + 2..nl + 2 + n].to_vec()
}

/// FUNCTION DUMP gives redis-server's bytes (LZF-compressed or not), each side restores the
/// other's payload, and every RESTORE reply and error (policies, collisions, damaged and
/// foreign payloads, payloads with a bad or duplicated library) is Redis's.
#[test]
fn function_dump_and_restore_match_redis() {
    let Some(reference) = start_real_redis("FUNCTION DUMP/RESTORE") else {
        return;
    };
    let (_r, srv) = start();
    let mut real = Raw::connect(reference.addr);
    let mut emu = Raw::connect(srv.addr().expect("addr"));
    let short = "#!lua name=s\nredis.register_function('sf', function() return 1 end)";
    let long: String = "#!lua name=longlib\n".to_string()
        + &(0..20)
            .map(|i| {
                format!("redis.register_function('f{i}', function(k, a) return redis.call('get', 'key{i}') end)")
            })
            .collect::<Vec<_>>()
            .join("\n");
    let tiny = "#!lua name=t\nredis.register_function('t', function() return 2 end)";
    let mut mismatches = Vec::new();
    let mut compared = 0;
    let mut both = |real: &mut Raw, emu: &mut Raw, argv: &[&[u8]]| -> Vec<u8> {
        let a = real.cmd(argv);
        let b = emu.cmd(argv);
        compared += 1;
        if a != b {
            mismatches.push(format!(
                "{:?}\n    redis: {}\n    emu:   {}",
                argv.iter()
                    .map(|x| String::from_utf8_lossy(&x[..x.len().min(40)]).into_owned())
                    .collect::<Vec<_>>(),
                show(&a),
                show(&b)
            ));
        }
        a
    };
    both(&mut real, &mut emu, &[b"FUNCTION", b"DUMP"]);
    for code in [short, long.as_str()] {
        both(&mut real, &mut emu, &[b"FUNCTION", b"FLUSH"]);
        both(
            &mut real,
            &mut emu,
            &[b"FUNCTION", b"LOAD", code.as_bytes()],
        );
        both(&mut real, &mut emu, &[b"FUNCTION", b"DUMP"]);
        both(
            &mut real,
            &mut emu,
            &[b"CONFIG", b"SET", b"rdbcompression", b"no"],
        );
        both(&mut real, &mut emu, &[b"FUNCTION", b"DUMP"]);
        both(
            &mut real,
            &mut emu,
            &[b"CONFIG", b"SET", b"rdbcompression", b"yes"],
        );
    }
    let from_redis = bulk_of(&real.cmd(&[b"FUNCTION", b"DUMP"]));
    let from_emu = bulk_of(&emu.cmd(&[b"FUNCTION", b"DUMP"]));
    assert_eq!(from_redis, from_emu);
    let p = from_redis.as_slice();
    let mut damaged = p.to_vec();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    for argv in [
        &[b"FUNCTION".as_slice(), b"RESTORE", p][..],
        &[b"FUNCTION", b"RESTORE", p, b"REPLACE"],
        &[b"FUNCTION", b"RESTORE", p, b"append"],
        &[b"FUNCTION", b"RESTORE", p, b"FLUSH"],
        &[b"FCALL", b"f3", b"0"],
        &[b"FUNCTION", b"RESTORE", p, b"bogus"],
        &[b"FUNCTION", b"RESTORE", p, b"FLUSH", b"x"],
        &[b"FUNCTION", b"RESTORE", b"xx"],
        &[b"FUNCTION", b"RESTORE", &damaged],
        &[b"FUNCTION", b"RESTORE"],
    ] {
        both(&mut real, &mut emu, argv);
    }
    // Each side restores the other's payload.
    for (side, payload) in [(&mut emu, &from_redis), (&mut real, &from_emu)] {
        side.cmds("FUNCTION FLUSH");
        assert_eq!(side.cmd(&[b"FUNCTION", b"RESTORE", payload]), b"+OK\r\n");
        side.cmds("SET key7 seven");
        assert_eq!(side.cmds("FCALL f7 0"), b"$5\r\nseven\r\n");
    }
    // Collisions: library names under APPEND, function names across libraries.
    both(&mut real, &mut emu, &[b"FUNCTION", b"FLUSH"]);
    both(
        &mut real,
        &mut emu,
        &[b"FUNCTION", b"LOAD", tiny.as_bytes()],
    );
    let pt = bulk_of(&real.cmd(&[b"FUNCTION", b"DUMP"]));
    for argv in [
        &[b"FUNCTION".as_slice(), b"RESTORE", &pt][..],
        &[b"FUNCTION", b"RESTORE", &pt, b"REPLACE"],
        &[
            b"FUNCTION",
            b"LOAD",
            b"#!lua name=other\nredis.register_function('T', function() return 3 end)",
        ],
        &[b"FUNCTION", b"DELETE", b"t"],
        &[b"FUNCTION", b"RESTORE", &pt],
        &[b"FUNCTION", b"RESTORE", &pt, b"REPLACE"],
        &[b"FUNCTION", b"RESTORE", &pt, b"FLUSH"],
        &[b"FCALL", b"t", b"0"],
        &[b"FUNCTION", b"LIST"],
    ] {
        both(&mut real, &mut emu, argv);
    }
    // Payloads redis-server never writes but must refuse: a key's DUMP, an empty list of
    // libraries, one library twice, code that does not load.
    both(&mut real, &mut emu, &[b"SET", b"k", b"v"]);
    let key_payload = bulk_of(&real.cmd(&[b"DUMP", b"k"]));
    both(
        &mut real,
        &mut emu,
        &[b"FUNCTION", b"RESTORE", &key_payload],
    );
    use emu::persist::function_payload::encode;
    for codes in [
        vec![],
        vec![tiny.as_bytes(), tiny.as_bytes()],
        vec![b"#!lua name=bad\nreturn 1".as_slice()],
        vec![b"#!lua name=bad\nfoo bar".as_slice()],
        vec![
            b"#!lua name=a1\nredis.register_function('same', function() end)".as_slice(),
            b"#!lua name=a2\nredis.register_function('same', function() end)",
        ],
    ] {
        let payload = encode(&codes, true);
        both(&mut real, &mut emu, &[b"FUNCTION", b"FLUSH"]);
        both(&mut real, &mut emu, &[b"FUNCTION", b"RESTORE", &payload]);
        both(&mut real, &mut emu, &[b"FUNCTION", b"LIST"]);
    }
    assert!(compared > 40, "{compared} commands compared");
    assert!(
        mismatches.is_empty(),
        "{} of {compared} replies differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// RDB files carry function libraries both ways: redis-server's `dump.rdb` (SAVE) loads
/// into emu with its libraries (`tools::parse_rdb`), and `emu dump --format rdb`'s file
/// (`tools::dump_rdb`, FUNCTION2 records after the AUX fields) loads into redis-server at
/// start with them.
#[test]
fn rdb_files_carry_function_libraries() {
    use crate::server_util::start_real_redis_with;
    use emu::persist::tools;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let lib = "#!lua name=rdblib\nredis.register_function('rdbf', function(k, a) return redis.call('GET', k[1]) end)\n-- padding so that the code is LZF-compressed: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let Some(reference) = start_real_redis_with(
        "RDB files with functions",
        &["--dir", d, "--dbfilename", "from-redis.rdb"],
    ) else {
        return;
    };
    let mut real = Raw::connect(reference.addr);
    real.cmd(&[b"FUNCTION", b"LOAD", lib.as_bytes()]);
    real.cmds("SET k v");
    assert_eq!(real.cmds("SAVE"), b"+OK\r\n");
    let data = std::fs::read(dir.path().join("from-redis.rdb")).unwrap();
    let (store, loaded) = tools::parse_rdb(&data, &mut |_, _| {}).unwrap();
    assert_eq!(loaded, 1);
    assert_eq!(
        store.libraries.get("rdblib").map(|c| c.as_slice()),
        Some(lib.as_bytes())
    );
    let r = emu::Redis::new();
    r.with_store(|s| *s = store).unwrap();
    assert_eq!(r.fcall::<_, _, _, String>("rdbf", "k", ()).unwrap(), "v");
    // emu's RDB file, read by redis-server at start.
    let mut out = Vec::new();
    r.with_store(|s| tools::dump_rdb(s, &mut out, &mut |_, _| {}))
        .unwrap()
        .unwrap();
    std::fs::write(dir.path().join("from-emu.rdb"), &out).unwrap();
    let Some(second) = start_real_redis_with(
        "RDB files with functions",
        &["--dir", d, "--dbfilename", "from-emu.rdb"],
    ) else {
        return;
    };
    let mut back = Raw::connect(second.addr);
    assert_eq!(back.cmds("FCALL rdbf 1 k"), b"$1\r\nv\r\n");
    assert_eq!(
        back.cmd(&[b"FUNCTION", b"LIST", b"WITHCODE"]),
        real.cmd(&[b"FUNCTION", b"LIST", b"WITHCODE"])
    );
    // The same library twice is refused, naming it.
    let mut twice = Vec::new();
    {
        let mut w = emu::rdb::file::Writer::new(&mut twice, 0, true).unwrap();
        w.function(lib.as_bytes(), true).unwrap();
        w.function(lib.as_bytes(), true).unwrap();
        w.finish().unwrap();
    }
    let e = tools::parse_rdb(&twice, &mut |_, _| {}).err().unwrap();
    assert!(
        e.to_string().contains("Library 'rdblib' already exists"),
        "{e}"
    );
}

/// DEBUG RELOAD's options with functions and keys: NOFLUSH fails on a library that is
/// there, NOFLUSH MERGE replaces it, NOSAVE loads the last saved snapshot (merged or
/// instead of the dataset), an unknown option is refused.
fn reload_options(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c = Raw::connect(addr);
    let mut out = Vec::new();
    let mut run = |c: &mut Raw, argv: &[&str]| {
        let a: Vec<&[u8]> = argv.iter().map(|s| s.as_bytes()).collect();
        out.push(format!(
            "{} -> {}",
            argv.join(" "),
            String::from_utf8_lossy(&c.cmd(&a))
        ));
    };
    let lib = |name: &str| {
        format!(
            "#!lua name={name}\nredis.register_function('{name}', function() return 'hello' end)"
        )
    };
    run(&mut c, &["FLUSHALL"]);
    run(&mut c, &["FUNCTION", "FLUSH"]);
    run(&mut c, &["FUNCTION", "LOAD", &lib("test")]);
    run(&mut c, &["SET", "x", "1"]);
    run(&mut c, &["DEBUG", "RELOAD"]);
    run(&mut c, &["DEBUG", "RELOAD", "NOFLUSH"]);
    run(&mut c, &["DEBUG", "RELOAD", "noflush", "merge"]);
    run(&mut c, &["FUNCTION", "LIST"]);
    run(&mut c, &["DEBUG", "RELOAD", "bogus"]);
    run(&mut c, &["FUNCTION", "DELETE", "test"]);
    run(&mut c, &["FUNCTION", "LOAD", &lib("test1")]);
    run(&mut c, &["DEBUG", "RELOAD"]);
    run(&mut c, &["FUNCTION", "LOAD", &lib("test2")]);
    run(&mut c, &["SET", "y", "2"]);
    run(&mut c, &["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"]);
    run(&mut c, &["FCALL", "test1", "0"]);
    run(&mut c, &["FCALL", "test2", "0"]);
    run(&mut c, &["MGET", "x", "y"]);
    run(&mut c, &["DEBUG", "RELOAD", "NOSAVE"]);
    run(&mut c, &["FCALL", "test2", "0"]);
    run(&mut c, &["MGET", "x", "y"]);
    run(&mut c, &["FUNCTION", "FLUSH"]);
    out
}

#[test]
fn debug_reload_options_match_redis() {
    let Some(reference) = start_real_redis("DEBUG RELOAD options") else {
        return;
    };
    let want = reload_options(reference.addr);
    let (_redis, running) = crate::server_util::start_debug();
    assert_eq!(reload_options(running.addr().unwrap()), want);
}

/// FUNCTION LOAD and FUNCTION RESTORE are refused over `maxmemory` (Redis 7.0 flags those
/// two subcommands `denyoom`); FUNCTION FLUSH and LIST are not.
fn function_oom(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c = Raw::connect(addr);
    let mut out = Vec::new();
    let mut run = |c: &mut Raw, argv: &[&[u8]]| {
        let r = c.cmd(argv);
        let shown = if argv[1] == b"DUMP" {
            "<payload>".to_string()
        } else {
            String::from_utf8_lossy(&r).into_owned()
        };
        out.push(format!("{} -> {shown}", String::from_utf8_lossy(argv[1])));
        r
    };
    let code: &[u8] =
        b"#!lua name=oomlib\nredis.register_function('oomf', function() return 1 end)";
    run(&mut c, &[b"FUNCTION", b"FLUSH"]);
    run(&mut c, &[b"FUNCTION", b"LOAD", b"REPLACE", code]);
    let dump = run(&mut c, &[b"FUNCTION", b"DUMP"]);
    let start = dump.iter().position(|&b| b == b'\n').unwrap() + 1;
    let payload = dump[start..dump.len() - 2].to_vec();
    // Some data, so that emu (which counts the dataset, not the process) is over the limit
    // too; the policy is noeviction.
    c.cmd(&[b"SET", b"oomkey", &[b'x'; 4096]]);
    c.cmds("CONFIG SET maxmemory 1");
    run(&mut c, &[b"FUNCTION", b"FLUSH"]);
    run(&mut c, &[b"FUNCTION", b"LOAD", b"REPLACE", code]);
    run(&mut c, &[b"FUNCTION", b"RESTORE", &payload]);
    run(&mut c, &[b"FUNCTION", b"LIST"]);
    c.cmds("CONFIG SET maxmemory 0");
    c.cmds("DEL oomkey");
    run(&mut c, &[b"FUNCTION", b"RESTORE", &payload]);
    run(&mut c, &[b"FUNCTION", b"FLUSH"]);
    out
}

#[test]
fn function_load_and_restore_are_refused_over_maxmemory_like_redis() {
    let Some(reference) = start_real_redis("FUNCTION LOAD/RESTORE under maxmemory") else {
        return;
    };
    let want = function_oom(reference.addr);
    let (_redis, running) = start();
    assert_eq!(function_oom(running.addr().unwrap()), want);
}
